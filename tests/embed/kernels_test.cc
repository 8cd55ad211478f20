// Copyright 2026 The semble Authors.
//
// GELU against erf in double precision over the whole range activations take. The encoder's
// attention kernel against a double-precision reference, over the lengths that
// exercise its groups of query rows (one partial group, whole groups, a partial group after whole
// ones) and its 16-key vectors (one partial vector, several), for head widths that take the
// vector output path and one that does not.

#include "embed/kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

namespace semble::embed {
namespace {

// softmax(q k^T * scale) v for one head, in doubles.
std::vector<double> Reference(const std::vector<float>& qkv, size_t ld, size_t len, size_t dh,
                              float scale) {
  const float* q = qkv.data();
  const float* k = qkv.data() + dh;
  const float* v = qkv.data() + 2 * dh;
  std::vector<double> out(len * dh);
  for (size_t i = 0; i < len; ++i) {
    std::vector<double> p(len);
    double max = -INFINITY;
    for (size_t j = 0; j < len; ++j) {
      double s = 0;
      for (size_t c = 0; c < dh; ++c) s += double{q[i * ld + c]} * double{k[j * ld + c]};
      p[j] = s * scale;
      max = std::max(max, p[j]);
    }
    double sum = 0;
    for (double& e : p) sum += (e = std::exp(e - max));
    for (size_t c = 0; c < dh; ++c) {
      double acc = 0;
      for (size_t j = 0; j < len; ++j) acc += p[j] * double{v[j * ld + c]};
      out[i * dh + c] = acc / sum;
    }
  }
  return out;
}

// Within 1e-6 * |x| (plus 3e-7 of the result) of x * Phi(x), from -30 to 30 in steps of 1/256
// (the vector body and, for the last values, the scalar tail), and exactly 0 at 0: Abramowitz &
// Stegun 7.1.28's 3e-7 on erfc gives 1.5e-7 * |x|, and in floats the 16th power multiplies the
// rounding of its base (6.8e-7 * |x| at worst, measured).
TEST(Gelu, MatchesErfInDoublePrecision) {
  std::vector<float> x;
  for (int i = -30 * 256; i <= 30 * 256; ++i) x.push_back(static_cast<float>(i) / 256);
  x.push_back(1e-30f);
  x.push_back(-1e-30f);
  x.push_back(1e30f);
  x.push_back(-1e30f);
  const std::vector<float> in = x;
  Gelu(x.data(), x.size());
  double worst = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const double v = in[i];
    const double want = 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
    const double err = std::fabs(x[i] - want);
    const double bound = 1e-6 * std::fabs(v) + 3e-7 * std::fabs(want);
    ASSERT_LE(err, bound) << "x = " << in[i] << ": " << x[i] << " against " << want;
    worst = std::max(worst, err / (std::fabs(v) + 1e-30));
  }
  std::printf("GELU: worst |error| / |x| = %.3g\n", worst);
  float zero = 0;
  Gelu(&zero, 1);
  EXPECT_EQ(zero, 0.0f);
}

TEST(AttentionHead, MatchesADoubleReferenceForEveryRowGroupAndKeyVector) {
  std::mt19937 rng(11);
  std::normal_distribution<float> dist(0, 1);
  for (size_t dh : {32, 64, 24}) {
    for (size_t len : {1, 2, 3, 4, 5, 7, 8, 13, 16, 17, 31, 33, 40}) {
      // Rows of [q | k | v] for one head, padded to a stride wider than the three, as the
      // encoder's qkv rows are.
      const size_t ld = 3 * dh + 8;
      std::vector<float> qkv(len * ld);
      for (float& x : qkv) x = 2.0f * dist(rng);
      const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
      const size_t ldo = dh + 5;
      std::vector<float> out(len * ldo, NAN), scratch(AttentionScratchFloats(len, dh), NAN);
      AttentionHead(qkv.data(), qkv.data() + dh, qkv.data() + 2 * dh, ld, len, dh, scale,
                    out.data(), ldo, scratch.data());
      const std::vector<double> want = Reference(qkv, ld, len, dh, scale);
      for (size_t i = 0; i < len; ++i) {
        for (size_t c = 0; c < dh; ++c) {
          ASSERT_NEAR(out[i * ldo + c], want[i * dh + c], 2e-5)
              << "head width " << dh << ", length " << len << ", row " << i << ", column " << c;
        }
        for (size_t c = dh; c < ldo && i * ldo + c < out.size(); ++c) {
          ASSERT_TRUE(std::isnan(out[i * ldo + c])) << "wrote past the head's columns";
        }
      }
    }
  }
}

// A query row's output does not depend on where in its group of rows it is computed: row i of a
// sequence, moved to row 0 (the first of the first group) with the same keys and values, gives
// the same bits.
TEST(AttentionHead, ARowsOutputDoesNotDependOnItsPlaceInAGroup) {
  std::mt19937 rng(12);
  std::normal_distribution<float> dist(0, 1);
  const size_t dh = 32, len = 11, ld = 3 * dh;
  std::vector<float> qkv(len * ld);
  for (float& x : qkv) x = dist(rng);
  const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
  std::vector<float> all(len * dh), scratch(AttentionScratchFloats(len, dh));
  AttentionHead(qkv.data(), qkv.data() + dh, qkv.data() + 2 * dh, ld, len, dh, scale, all.data(),
                dh, scratch.data());
  for (size_t i = 1; i < len; ++i) {
    std::vector<float> q = qkv;
    for (size_t c = 0; c < dh; ++c) q[c] = qkv[i * ld + c];
    std::vector<float> out(len * dh);
    AttentionHead(q.data(), qkv.data() + dh, qkv.data() + 2 * dh, ld, len, dh, scale, out.data(),
                  dh, scratch.data());
    for (size_t c = 0; c < dh; ++c) {
      ASSERT_EQ(out[c], all[i * dh + c]) << "row " << i << ", column " << c;
    }
  }
}

}  // namespace
}  // namespace semble::embed
