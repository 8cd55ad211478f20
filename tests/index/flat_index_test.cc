// Copyright 2026 The semble Authors.

#include "index/flat_index.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace semble::index {
namespace {

constexpr Metric kAllMetrics[] = {Metric::kCosine, Metric::kEuclidean, Metric::kDotProduct};

// Brute-force reference: every live slot scored in double precision, closest first, ties by slot.
std::vector<Hit> BruteForce(const std::vector<std::vector<float>>& rows,
                            const std::vector<bool>& live, const float* q, Metric metric, size_t k,
                            const std::vector<uint32_t>* only = nullptr) {
  const size_t dims = rows.empty() ? 0 : rows[0].size();
  double q_norm = 0;
  for (size_t i = 0; i < dims; ++i) q_norm += static_cast<double>(q[i]) * q[i];
  q_norm = std::sqrt(q_norm);
  std::vector<std::pair<double, uint32_t>> scored;  // (closeness: bigger is closer, slot)
  std::vector<uint32_t> all(rows.size());
  std::iota(all.begin(), all.end(), 0u);
  for (uint32_t slot : only ? *only : all) {
    if (!live[slot]) continue;
    const std::vector<float>& v = rows[slot];
    double dot = 0, l2 = 0, v_norm = 0;
    for (size_t i = 0; i < dims; ++i) {
      dot += static_cast<double>(q[i]) * v[i];
      l2 += (static_cast<double>(q[i]) - v[i]) * (static_cast<double>(q[i]) - v[i]);
      v_norm += static_cast<double>(v[i]) * v[i];
    }
    v_norm = std::sqrt(v_norm);
    double closeness = 0;
    switch (metric) {
      case Metric::kCosine:
        closeness = (q_norm == 0 || v_norm == 0) ? 0 : dot / (q_norm * v_norm);
        break;
      case Metric::kEuclidean:
        closeness = -std::sqrt(l2);
        break;
      case Metric::kDotProduct:
        closeness = dot;
        break;
    }
    scored.push_back({closeness, slot});
  }
  std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  std::vector<Hit> hits;
  for (size_t i = 0; i < std::min(k, scored.size()); ++i) {
    const double c = scored[i].first;
    hits.push_back({scored[i].second, static_cast<float>(metric == Metric::kCosine ? c : -c)});
  }
  return hits;
}

// Compares a search result for the top k with the full reference ranking: scores agree rank by
// rank within tol, and the slots agree wherever the reference's scores are separated from their
// neighbours (including the first one past k) by more than tol. Float rounding may legitimately
// swap near-ties; exact ties are checked by the integer tests below.
void ExpectMatches(const std::vector<Hit>& got, const std::vector<Hit>& all, size_t k, float tol) {
  ASSERT_EQ(got.size(), std::min(k, all.size()));
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i].score, all[i].score, tol) << "rank " << i;
    const bool separated =
        (i == 0 || std::fabs(all[i].score - all[i - 1].score) > tol) &&
        (i + 1 == all.size() || std::fabs(all[i + 1].score - all[i].score) > tol);
    if (separated) {
      EXPECT_EQ(got[i].slot, all[i].slot) << "rank " << i;
    }
  }
}

void ExpectIdentical(const std::vector<Hit>& got, const std::vector<Hit>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].slot, want[i].slot) << "rank " << i;
    EXPECT_EQ(got[i].score, want[i].score) << "rank " << i;
  }
}

std::vector<std::vector<float>> RandomRows(std::mt19937& rng, size_t count, size_t dims) {
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<std::vector<float>> rows(count, std::vector<float>(dims));
  for (auto& row : rows) {
    for (float& x : row) x = dist(rng);
  }
  return rows;
}

TEST(FlatIndexTest, MatchesBruteForceForAllMetrics) {
  std::mt19937 rng(1);
  for (Metric metric : kAllMetrics) {
    for (uint32_t dims : {1u, 3u, 16u, 37u, 128u, 300u}) {
      const auto rows = RandomRows(rng, 700, dims);
      std::vector<bool> live(rows.size(), true);
      FlatIndex index(dims, metric);
      for (uint32_t s = 0; s < rows.size(); ++s) index.Set(s, rows[s].data());
      ASSERT_EQ(index.live_count(), rows.size());
      const auto queries = RandomRows(rng, 5, dims);
      for (const auto& q : queries) {
        for (size_t k : {1u, 10u, 100u}) {
          const auto all = BruteForce(rows, live, q.data(), metric, rows.size());
          const auto got = index.Search(q.data(), k);
          const float scale = metric == Metric::kCosine ? 1.0f : static_cast<float>(dims);
          ExpectMatches(got, all, k, 1e-5f * scale);
        }
      }
    }
  }
}

// Small-integer vectors make every score exact in float, so the expected order, ties included
// (duplicated vectors), is known exactly and the comparison can be exact too.
TEST(FlatIndexTest, ExactOrderAndTiesOnIntegerData) {
  std::mt19937 rng(2);
  std::uniform_int_distribution<int> value(-2, 2);
  constexpr uint32_t kDims = 19;
  for (Metric metric : kAllMetrics) {
    std::vector<std::vector<float>> rows(400, std::vector<float>(kDims));
    for (size_t s = 0; s < rows.size(); ++s) {
      if (s % 7 == 3) {
        rows[s] = rows[s / 2];  // duplicates: exact ties between distinct slots
      } else {
        for (float& x : rows[s]) x = static_cast<float>(value(rng));
      }
    }
    std::vector<bool> live(rows.size(), true);
    FlatIndex index(kDims, metric);
    for (uint32_t s = 0; s < rows.size(); ++s) index.Set(s, rows[s].data());
    for (int t = 0; t < 10; ++t) {
      std::vector<float> q(kDims);
      for (float& x : q) x = static_cast<float>(value(rng));
      const auto got = index.Search(q.data(), 50);
      const auto want = BruteForce(rows, live, q.data(), metric, 50);
      const auto all = BruteForce(rows, live, q.data(), metric, rows.size());
      if (metric == Metric::kCosine) {
        // Cosine divides by norms, which is not exact; scores within rounding, and the order must
        // still be a valid one: non-increasing, ties by slot.
        ExpectMatches(got, all, 50, 1e-6f);
        for (size_t i = 1; i < got.size(); ++i) {
          EXPECT_TRUE(got[i - 1].score > got[i].score ||
                      (got[i - 1].score == got[i].score && got[i - 1].slot < got[i].slot));
        }
      } else {
        ExpectIdentical(got, want);
      }
    }
  }
}

TEST(FlatIndexTest, ScoresFollowMetricConventions) {
  const float a[] = {3, 4};
  const float b[] = {0, 1};
  const float q[] = {0, 2};
  FlatIndex euclid(2, Metric::kEuclidean);
  euclid.Set(0, a);
  EXPECT_FLOAT_EQ(euclid.Score(q, 0), std::sqrt(9.0f + 4.0f));
  FlatIndex dot(2, Metric::kDotProduct);
  dot.Set(0, a);
  EXPECT_FLOAT_EQ(dot.Score(q, 0), -8.0f);  // -(a . q), lower is closer
  FlatIndex cosine(2, Metric::kCosine);
  cosine.Set(0, a);
  cosine.Set(1, b);
  EXPECT_FLOAT_EQ(cosine.Score(q, 0), 0.8f);
  EXPECT_FLOAT_EQ(cosine.Score(q, 1), 1.0f);
  const auto hits = cosine.Search(q, 2);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].slot, 1u);
  EXPECT_FLOAT_EQ(hits[0].score, 1.0f);
  EXPECT_EQ(hits[1].slot, 0u);
  EXPECT_FLOAT_EQ(hits[1].score, 0.8f);
  // Values are stored as written, not normalised.
  EXPECT_EQ(cosine.Get(0)[0], 3.0f);
  EXPECT_EQ(cosine.Get(0)[1], 4.0f);
}

TEST(FlatIndexTest, SearchScoresEqualScore) {
  std::mt19937 rng(3);
  for (Metric metric : kAllMetrics) {
    const auto rows = RandomRows(rng, 50, 33);
    FlatIndex index(33, metric);
    for (uint32_t s = 0; s < rows.size(); ++s) index.Set(s, rows[s].data());
    const auto q = RandomRows(rng, 1, 33)[0];
    for (const Hit& hit : index.Search(q.data(), 50)) {
      EXPECT_NEAR(hit.score, index.Score(q.data(), hit.slot), 1e-5f);
    }
  }
}

TEST(FlatIndexTest, DeadSlotsAreNeverReturned) {
  std::mt19937 rng(4);
  for (Metric metric : kAllMetrics) {
    const auto rows = RandomRows(rng, 1000, 24);
    std::vector<bool> live(rows.size(), true);
    FlatIndex index(24, metric);
    for (uint32_t s = 0; s < rows.size(); ++s) index.Set(s, rows[s].data());
    // Irregular pattern: single dead slots, long dead runs, a dead tail and a dead head.
    for (uint32_t s = 0; s < rows.size(); ++s) {
      if (s < 3 || s % 5 == 1 || (s >= 300 && s < 700) || s >= 990) {
        index.Clear(s);
        live[s] = false;
      }
    }
    index.Clear(400);  // clearing twice is harmless
    const size_t live_count = std::count(live.begin(), live.end(), true);
    EXPECT_EQ(index.live_count(), live_count);
    const auto q = RandomRows(rng, 1, 24)[0];
    const auto got = index.Search(q.data(), rows.size());
    ASSERT_EQ(got.size(), live_count);
    for (const Hit& hit : got) EXPECT_TRUE(live[hit.slot]) << hit.slot;
    const auto all = BruteForce(rows, live, q.data(), metric, rows.size());
    ExpectMatches(got, all, rows.size(), 1e-4f);
    ExpectMatches(index.Search(q.data(), 10), all, 10, 1e-4f);
  }
}

TEST(FlatIndexTest, SlotReuseAndOverwrite) {
  FlatIndex index(2, Metric::kEuclidean);
  const float near[] = {0, 0};
  const float far[] = {10, 0};
  const float mid[] = {5, 0};
  index.Set(0, far);
  index.Set(1, mid);
  index.Set(1, near);  // overwrite a live slot: the count does not change
  EXPECT_EQ(index.live_count(), 2u);
  const float q[] = {0, 0};
  auto hits = index.Search(q, 1);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].slot, 1u);
  EXPECT_EQ(hits[0].score, 0.0f);

  index.Clear(1);
  EXPECT_FALSE(index.IsLive(1));
  EXPECT_EQ(index.live_count(), 1u);
  hits = index.Search(q, 5);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].slot, 0u);

  index.Set(1, mid);  // the slot comes back with new values
  EXPECT_TRUE(index.IsLive(1));
  EXPECT_EQ(index.live_count(), 2u);
  hits = index.Search(q, 5);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].slot, 1u);
  EXPECT_EQ(hits[0].score, 5.0f);
  EXPECT_EQ(hits[1].slot, 0u);
  EXPECT_EQ(hits[1].score, 10.0f);
}

TEST(FlatIndexTest, SparseSlotsAndGrowth) {
  FlatIndex index(3, Metric::kDotProduct);
  const size_t empty_bytes = index.MemoryBytes();
  const float v[] = {1, 2, 3};
  index.Set(5000, v);  // slots below are never set and must not be returned
  index.Set(7, v);
  EXPECT_EQ(index.live_count(), 2u);
  EXPECT_FALSE(index.IsLive(6));
  EXPECT_FALSE(index.IsLive(100000));
  EXPECT_GT(index.MemoryBytes(), empty_bytes);
  const float q[] = {1, 1, 1};
  const auto hits = index.Search(q, 10);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].slot, 7u);  // tie: smaller slot first
  EXPECT_EQ(hits[1].slot, 5000u);
  EXPECT_EQ(hits[0].score, -6.0f);
  // Growing one slot at a time keeps earlier values intact across reallocations.
  for (uint32_t s = 0; s < 3000; ++s) {
    const float w[] = {static_cast<float>(s), 0, 0};
    index.Set(s, w);
  }
  for (uint32_t s = 0; s < 3000; ++s) EXPECT_EQ(index.Get(s)[0], static_cast<float>(s));
  EXPECT_EQ(index.Get(5000)[2], 3.0f);
  index.Reserve(100000);
  EXPECT_EQ(index.live_count(), 3001u);
  EXPECT_EQ(index.Get(2999)[0], 2999.0f);
}

// Past a few MiB the arena moves to 2 MiB-aligned mappings and grows by moving its pages: every
// vector and every cosine norm must survive each growth, from small pages to huge ones.
TEST(FlatIndexTest, GrowthIntoHugePagesKeepsVectorsAndNorms) {
  constexpr uint32_t kDims = 64, kSlots = 40000;  // 10 MB of floats
  FlatIndex index(kDims, Metric::kCosine);
  std::vector<float> v(kDims);
  for (uint32_t s = 0; s < kSlots; ++s) {
    for (uint32_t d = 0; d < kDims; ++d) v[d] = static_cast<float>((s * 31 + d * 7) % 97) + 1.0f;
    index.Set(s, v.data());
  }
  for (uint32_t s = 0; s < kSlots; ++s) {
    for (uint32_t d = 0; d < kDims; ++d) v[d] = static_cast<float>((s * 31 + d * 7) % 97) + 1.0f;
    ASSERT_TRUE(std::equal(v.begin(), v.end(), index.Get(s))) << s;
    // A vector's cosine with itself is 1 only if its stored norm is its own.
    ASSERT_NEAR(index.Score(v.data(), s), 1.0f, 1e-5f) << s;
  }
  EXPECT_NEAR(index.Search(v.data(), 1).at(0).score, 1.0f, 1e-5f);
  EXPECT_GE(index.MemoryBytes(), size_t{kSlots} * kDims * sizeof(float));
}

TEST(FlatIndexTest, KLargerThanLiveCountAndZeroK) {
  FlatIndex index(4, Metric::kCosine);
  const float q[] = {1, 0, 0, 0};
  EXPECT_TRUE(index.Search(q, 10).empty());
  const float v[] = {1, 1, 0, 0};
  index.Set(0, v);
  index.Set(2, v);
  EXPECT_EQ(index.Search(q, 100).size(), 2u);
  EXPECT_TRUE(index.Search(q, 0).empty());
  const uint32_t slots[] = {0, 2};
  EXPECT_EQ(index.SearchSlots(q, 100, slots).size(), 2u);
  EXPECT_TRUE(index.SearchSlots(q, 0, slots).empty());
  EXPECT_TRUE(index.SearchSlots(q, 5, {}).empty());
}

TEST(FlatIndexTest, CosineZeroVectors) {
  FlatIndex index(3, Metric::kCosine);
  const float zero[] = {0, 0, 0};
  const float x[] = {1, 0, 0};
  const float y[] = {0, -2, 0};
  index.Set(0, x);
  index.Set(1, zero);
  index.Set(2, y);
  // A stored zero vector scores 0 (not NaN) and sorts between positive and negative similarity.
  const float q[] = {1, -1, 0};
  auto hits = index.Search(q, 3);
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_FLOAT_EQ(hits[0].score, std::sqrt(0.5f));
  EXPECT_FLOAT_EQ(hits[1].score, std::sqrt(0.5f));
  EXPECT_EQ(hits[0].slot, 0u);
  EXPECT_EQ(hits[1].slot, 2u);
  EXPECT_EQ(hits[2].slot, 1u);
  EXPECT_EQ(hits[2].score, 0.0f);
  // A zero query scores 0 against everything; ties then come back in slot order.
  hits = index.Search(zero, 3);
  ASSERT_EQ(hits.size(), 3u);
  for (uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(hits[i].slot, i);
    EXPECT_EQ(hits[i].score, 0.0f);
  }
  EXPECT_EQ(index.Score(zero, 0), 0.0f);
}

TEST(FlatIndexTest, SearchSlotsMatchesBruteForceOverTheSubset) {
  std::mt19937 rng(5);
  for (Metric metric : kAllMetrics) {
    const auto rows = RandomRows(rng, 600, 40);
    std::vector<bool> live(rows.size(), true);
    FlatIndex index(40, metric);
    for (uint32_t s = 0; s < rows.size(); ++s) index.Set(s, rows[s].data());
    // A mix of consecutive runs (batched) and scattered slots, in an arbitrary order.
    std::vector<uint32_t> subset;
    for (uint32_t s = 100; s < 400; ++s) subset.push_back(s);
    for (uint32_t s = 401; s < 600; s += 3) subset.push_back(s);
    for (uint32_t s : {7u, 3u, 50u, 51u, 52u, 0u}) subset.push_back(s);
    std::shuffle(subset.begin() + 250, subset.end(), rng);
    const auto q = RandomRows(rng, 1, 40)[0];
    for (size_t k : {1u, 10u, 1000u}) {
      const auto got = index.SearchSlots(q.data(), k, subset);
      ExpectMatches(got, BruteForce(rows, live, q.data(), metric, rows.size(), &subset), k, 1e-4f);
      for (const Hit& hit : got) {
        EXPECT_NE(std::find(subset.begin(), subset.end(), hit.slot), subset.end());
      }
    }
    // Ties across a gathered list still go to the smaller slot, whatever the list's order.
    FlatIndex dup(40, metric);
    for (uint32_t s = 0; s < 10; ++s) dup.Set(s, rows[0].data());
    const uint32_t order[] = {9, 4, 8, 2, 6, 1};
    const auto tied = dup.SearchSlots(q.data(), 3, order);
    ASSERT_EQ(tied.size(), 3u);
    EXPECT_EQ(tied[0].slot, 1u);
    EXPECT_EQ(tied[1].slot, 2u);
    EXPECT_EQ(tied[2].slot, 4u);
  }
}

TEST(FlatIndexTest, SearchBatchEqualsSearch) {
  std::mt19937 rng(6);
  for (Metric metric : kAllMetrics) {
    for (uint32_t dims : {5u, 64u, 784u}) {
      // More rows than one batch block holds at 784 dimensions, with dead slots inside blocks and
      // across block boundaries.
      const auto rows = RandomRows(rng, 900, dims);
      FlatIndex index(dims, metric);
      for (uint32_t s = 0; s < rows.size(); ++s) index.Set(s, rows[s].data());
      for (uint32_t s = 0; s < rows.size(); s += 7) index.Clear(s);
      for (uint32_t s = 60; s < 200; ++s) index.Clear(s);
      // 9 queries take the row-tile path, 41 the matrix product (kProductMinQueries is 32); both
      // must give Search's answers bit for bit.
      for (size_t num_queries : {9u, 41u}) {
        const auto queries = RandomRows(rng, num_queries, dims);
        std::vector<float> packed;
        for (const auto& q : queries) packed.insert(packed.end(), q.begin(), q.end());
        for (size_t k : {0u, 1u, 10u, 2000u}) {
          const auto batch = index.SearchBatch(packed.data(), queries.size(), k);
          ASSERT_EQ(batch.size(), queries.size());
          for (size_t i = 0; i < queries.size(); ++i) {
            ExpectIdentical(batch[i], index.Search(queries[i].data(), k));
          }
        }
      }
    }
  }
  FlatIndex empty(3, Metric::kCosine);
  const float q[] = {1, 2, 3};
  EXPECT_TRUE(empty.SearchBatch(q, 0, 10).empty());
  const auto none = empty.SearchBatch(q, 1, 10);
  ASSERT_EQ(none.size(), 1u);
  EXPECT_TRUE(none[0].empty());
}

// The matrix-product path of SearchBatch sums in another order than Search, so near-ties are
// where it could go wrong: rows that differ from each other in the last bits, exact duplicates
// (ties broken by slot), large norms with small differences (the L2 expansion's cancellation),
// and queries equal to stored rows. Every answer must still be Search's, bit for bit.
TEST(FlatIndexTest, SearchBatchByProductKeepsNearTiesExact) {
  std::mt19937 rng(16);
  std::normal_distribution<float> noise(0, 1);
  for (Metric metric : kAllMetrics) {
    for (uint32_t dims : {3u, 100u, 384u}) {
      FlatIndex index(dims, metric);
      std::vector<std::vector<float>> rows;
      std::vector<float> base(dims);
      for (float& v : base) v = 1000.0f + noise(rng);  // large norm, small spread
      for (uint32_t s = 0; s < 700; ++s) {
        std::vector<float> r = base;
        if (s % 5 != 0) {  // every fifth row an exact duplicate of base
          for (uint32_t t = 0; t < dims; ++t) {
            // A few ulps or a small step away from base.
            r[t] = s % 3 == 0 ? std::nextafter(r[t], r[t] + (t % 2 ? 1 : -1) * 1e9f)
                              : r[t] + 1e-2f * noise(rng);
          }
        }
        rows.push_back(r);
        index.Set(s, r.data());
      }
      for (uint32_t s = 3; s < rows.size(); s += 11) index.Clear(s);
      std::vector<float> packed;
      size_t num_queries = 0;
      for (uint32_t s = 0; s < 40; ++s, ++num_queries) {
        const auto& q = rows[(s * 37) % rows.size()];  // some stored (and some deleted) rows
        packed.insert(packed.end(), q.begin(), q.end());
      }
      for (size_t k : {1u, 7u, 64u}) {
        const auto batch = index.SearchBatch(packed.data(), num_queries, k);
        for (size_t i = 0; i < num_queries; ++i) {
          ExpectIdentical(batch[i], index.Search(packed.data() + i * dims, k));
        }
      }
    }
  }
}

// More queries than one group of SearchBatchByProduct holds (4 MiB of packed queries: 1,320 at
// 784 dimensions), so the rows are packed and scanned once per group: every query must still see
// every row once, in order, and get Search's answers.
TEST(FlatIndexTest, SearchBatchByProductOverSeveralQueryGroups) {
  std::mt19937 rng(26);
  const uint32_t dims = 784;
  const auto rows = RandomRows(rng, 700, dims);
  FlatIndex index(dims, Metric::kEuclidean);
  for (uint32_t s = 0; s < rows.size(); ++s) index.Set(s, rows[s].data());
  for (uint32_t s = 5; s < rows.size(); s += 9) index.Clear(s);
  const size_t num_queries = 2 * 1320 + 17;
  std::vector<float> packed;
  for (size_t i = 0; i < num_queries; ++i) {
    // Stored rows (exact matches), and random vectors.
    const auto q = i % 3 == 0 ? rows[(i * 13) % rows.size()] : RandomRows(rng, 1, dims)[0];
    packed.insert(packed.end(), q.begin(), q.end());
  }
  const auto batch = index.SearchBatch(packed.data(), num_queries, 10);
  ASSERT_EQ(batch.size(), num_queries);
  for (size_t i = 0; i < num_queries; ++i) {
    ExpectIdentical(batch[i], index.Search(packed.data() + i * dims, 10));
  }
}

// Thousands of identical rows tie with the k-th best: every one is a candidate of the product
// path, which must then hand the query to Search (bounded memory) and still answer exactly.
TEST(FlatIndexTest, SearchBatchByProductWithManyTiesFallsBackToSearch) {
  for (Metric metric : kAllMetrics) {
    const uint32_t dims = 16;
    FlatIndex index(dims, metric);
    std::vector<float> row(dims, 0.25f);
    for (uint32_t s = 0; s < 9000; ++s) index.Set(s, row.data());
    std::vector<float> other(dims, -0.5f);
    index.Set(9000, other.data());
    std::vector<float> packed;
    for (int q = 0; q < 33; ++q) {
      for (uint32_t t = 0; t < dims; ++t) packed.push_back(q % 2 ? 0.25f : -0.5f + 0.01f * t);
    }
    for (size_t k : {1u, 10u}) {
      const auto batch = index.SearchBatch(packed.data(), 33, k);
      for (size_t i = 0; i < 33; ++i) {
        ExpectIdentical(batch[i], index.Search(packed.data() + i * dims, k));
      }
    }
  }
}

// The database rejects non-finite values, but a NaN that slipped through must not corrupt the
// heap's ordering (a NaN key compares false both ways): it is left out, the rest stays sorted.
TEST(FlatIndexTest, NaNVectorIsSkipped) {
  for (Metric metric : kAllMetrics) {
    FlatIndex index(2, metric);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float bad[] = {nan, 1};
    for (uint32_t s = 0; s < 20; ++s) {
      const float v[] = {static_cast<float>(s) + 1, 1};
      index.Set(s, s == 7 ? bad : v);
    }
    const float q[] = {3, 1};
    const auto hits = index.Search(q, 20);
    ASSERT_EQ(hits.size(), 19u);
    for (size_t i = 0; i < hits.size(); ++i) {
      EXPECT_NE(hits[i].slot, 7u);
      EXPECT_FALSE(std::isnan(hits[i].score));
      if (i == 0) continue;
      if (metric == Metric::kCosine) {
        EXPECT_GE(hits[i - 1].score, hits[i].score);
      } else {
        EXPECT_LE(hits[i - 1].score, hits[i].score);
      }
    }
  }
}

}  // namespace
}  // namespace semble::index
