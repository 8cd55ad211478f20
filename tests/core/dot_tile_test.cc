// Copyright 2026 The semble Authors.

#include "core/dot_tile.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace semble::core {
namespace {

// The panels' layout exactly as documented, for whole and partial panels and for dimension
// counts on and off the 16-float blocks the AVX-512 packing transposes in registers.
TEST(DotTileTest, PacksThePanelsAsDocumented) {
  const size_t h = DotTileQueries(), w = DotTileRows();
  for (size_t n : {1u, 15u, 16u, 17u, 48u, 100u}) {
    const size_t count = 3 * w + 7, m = 2 * h + 1;
    std::vector<float> r(count * n), q(m * n);
    for (size_t i = 0; i < r.size(); ++i) r[i] = static_cast<float>(i) + 0.5f;
    for (size_t i = 0; i < q.size(); ++i) q[i] = -static_cast<float>(i) - 0.5f;
    const size_t r_panels = (count + w - 1) / w, q_panels = (m + h - 1) / h;
    std::vector<float> pr(r_panels * w * n, -1.0f), pq(q_panels * h * n, -1.0f);
    PackDotTileRows(r.data(), count, n, pr.data());
    PackDotTileQueries(q.data(), m, n, pq.data());
    for (size_t p = 0; p < r_panels; ++p) {
      for (size_t t = 0; t < n; ++t) {
        for (size_t j = 0; j < w; ++j) {
          const size_t row = p * w + j;
          ASSERT_EQ(pr[p * w * n + t * w + j], row < count ? r[row * n + t] : 0.0f)
              << n << " " << p << " " << t << " " << j;
        }
      }
    }
    for (size_t p = 0; p < q_panels; ++p) {
      for (size_t t = 0; t < n; ++t) {
        for (size_t i = 0; i < h; ++i) {
          const size_t query = p * h + i;
          ASSERT_EQ(pq[p * h * n + t * h + i], query < m ? q[query * n + t] : 0.0f);
        }
      }
    }
  }
}

// The tile's shape is the CPU's; whatever it is, every (query, row) sum of a call over slices must
// be within the documented bound of the exact dot product, padding must read as zero, and the
// slices in order must give the sums of one call over all dimensions.
TEST(DotTileTest, SlicesSumToTheDotProducts) {
  const size_t h = DotTileQueries(), w = DotTileRows();
  ASSERT_GE(h, 1u);
  ASSERT_LE(h, kDotTileMaxQueries);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> value(-2.0f, 2.0f);
  for (size_t n : {1u, 7u, 100u, 784u}) {
    const size_t m = h + 3, count = w + 5;  // a partial query panel and a partial row panel
    std::vector<float> q(m * n), r(count * n);
    for (float& v : q) v = value(rng);
    for (float& v : r) v = value(rng);
    const size_t q_panels = (m + h - 1) / h, r_panels = (count + w - 1) / w;
    std::vector<float> pq(q_panels * h * n), pr(r_panels * w * n);
    PackDotTileQueries(q.data(), m, n, pq.data());
    PackDotTileRows(r.data(), count, n, pr.data());
    const size_t ld = r_panels * w;
    std::vector<float> whole(q_panels * h * ld), sliced(q_panels * h * ld);
    for (size_t a = 0; a < q_panels; ++a) {
      for (size_t b = 0; b < r_panels; ++b) {
        float* out = whole.data() + a * h * ld + b * w;
        DotTile(pq.data() + a * h * n, pr.data() + b * w * n, 0, n, out, ld, false);
        float* part = sliced.data() + a * h * ld + b * w;
        const size_t mid = n / 3;
        DotTile(pq.data() + a * h * n, pr.data() + b * w * n, 0, mid, part, ld, false);
        DotTile(pq.data() + a * h * n, pr.data() + b * w * n, mid, n, part, ld, true);
      }
    }
    for (size_t i = 0; i < q_panels * h; ++i) {
      for (size_t j = 0; j < ld; ++j) {
        double exact = 0, magnitude = 0;
        if (i < m && j < count) {
          for (size_t t = 0; t < n; ++t) {
            const double term = static_cast<double>(q[i * n + t]) * r[j * n + t];
            exact += term;
            magnitude += std::fabs(term);
          }
        }
        const double bound = 2.0 * static_cast<double>(n) * std::ldexp(1.0, -24) * magnitude;
        EXPECT_LE(std::fabs(whole[i * ld + j] - exact), bound) << n << " " << i << " " << j;
        // Slicing adds the parts in dimension order, as one call does.
        EXPECT_EQ(sliced[i * ld + j], whole[i * ld + j]) << n << " " << i << " " << j;
      }
    }
  }
}

// The keys are the scalar expressions, rounded as written (the candidate margin of SearchBatch
// assumes each operation is rounded once, not fused), and a mask bit is set exactly for the
// columns below `count` whose key reaches the bar, never for a NaN key or a NaN bar.
TEST(DotTileTest, KeysAndMasksMatchTheScalarRule) {
  const size_t h = DotTileQueries(), w = DotTileRows();
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> value(-3.0f, 3.0f);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (DotTileKey form : {DotTileKey::kDot, DotTileKey::kScaled, DotTileKey::kNegL2}) {
    for (size_t count : {w, w - 1, size_t{1}}) {
      const size_t ld = w + 3;
      std::vector<float> tile(h * ld), q_terms(h), row_terms(w), bars(h);
      for (float& v : tile) v = value(rng);
      for (float& v : q_terms) v = value(rng);
      for (float& v : row_terms) v = value(rng);
      for (float& v : bars) v = value(rng) * 4;
      tile[0] = nan;      // a NaN key: never past any bar
      bars[h - 1] = nan;  // a query that wants nothing (as SearchBatch marks finished ones)
      if (h > 1) bars[1] = -std::numeric_limits<float>::infinity();  // a query taking all
      const std::vector<float> dots = tile;
      std::vector<uint64_t> masks(h, ~uint64_t{0});
      DotTileKeys(form, tile.data(), ld, count, q_terms.data(), row_terms.data(), bars.data(),
                  masks.data());
      for (size_t i = 0; i < h; ++i) {
        uint64_t expected = 0;
        for (size_t j = 0; j < w; ++j) {
          const float dot = dots[i * ld + j];
          float key = dot;
          if (form == DotTileKey::kScaled) key = dot * row_terms[j] * q_terms[i];
          if (form == DotTileKey::kNegL2) key = -(q_terms[i] + row_terms[j] - 2.0f * dot);
          const float got = tile[i * ld + j];
          if (std::isnan(key)) {
            EXPECT_TRUE(std::isnan(got));
          } else {
            EXPECT_EQ(got, key) << static_cast<int>(form) << " " << i << " " << j;
          }
          if (j < count && j < 64 && key >= bars[i]) expected |= uint64_t{1} << j;
        }
        EXPECT_EQ(masks[i], expected) << static_cast<int>(form) << " " << count << " " << i;
      }
      EXPECT_EQ(masks[h - 1], 0u);
      EXPECT_EQ(masks[0] & 1, 0u);
      // Columns the caller did not ask about are left alone.
      for (size_t i = 0; i < h; ++i) {
        for (size_t j = w; j < ld; ++j) EXPECT_EQ(tile[i * ld + j], dots[i * ld + j]);
      }
    }
  }
}

}  // namespace
}  // namespace semble::core
