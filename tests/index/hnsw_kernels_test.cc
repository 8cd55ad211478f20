// Copyright 2026 The semble Authors.
//
// The kernels HNSW traversal uses (src/core/quantized_distance.h, partial_distance.h) against
// scalar references, at lengths that exercise every vector width's tails.

#include <cmath>
#include <random>
#include <vector>

#include "core/distance.h"
#include "core/partial_distance.h"
#include "core/quantized_distance.h"
#include "gtest/gtest.h"

namespace semble::core {
namespace {

TEST(HnswKernelsTest, DotI16U8MatchesScalar) {
  std::mt19937_64 rng(1);
  for (size_t n : {0, 1, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 784, 1536}) {
    std::vector<int16_t> q(n);
    std::vector<uint8_t> c(n);
    int64_t expect = 0;
    for (size_t i = 0; i < n; ++i) {
      q[i] =
          static_cast<int16_t>(static_cast<int>(rng() % (2 * kMaxI16Weight + 1)) - kMaxI16Weight);
      c[i] = static_cast<uint8_t>(rng());
      expect += static_cast<int64_t>(q[i]) * c[i];
    }
    EXPECT_EQ(DotI16U8(q.data(), c.data(), n), expect) << n;
  }
  // Extremes: every product at its largest.
  std::vector<int16_t> q(1536, kMaxI16Weight);
  std::vector<uint8_t> c(1536, 255);
  EXPECT_EQ(DotI16U8(q.data(), c.data(), q.size()), 1536LL * kMaxI16Weight * 255);
}

TEST(HnswKernelsTest, SumSelectedMatchesScalar) {
  std::mt19937_64 rng(2);
  std::normal_distribution<float> normal(0, 1);
  for (size_t n : {0, 1, 5, 8, 9, 16, 24, 31, 32, 33, 100, 784}) {
    std::vector<float> q(n);
    std::vector<uint8_t> bits((n + 7) / 8);
    for (float& x : q) x = normal(rng);
    for (uint8_t& b : bits) b = static_cast<uint8_t>(rng());
    double expect = 0;
    for (size_t i = 0; i < n; ++i) {
      if ((bits[i / 8] >> (i % 8)) & 1) expect += q[i];
    }
    EXPECT_NEAR(SumSelected(q.data(), bits.data(), n), expect, 1e-4 * (1 + std::fabs(expect))) << n;
  }
}

TEST(HnswKernelsTest, L2SquaredBoundedIsExactBelowTheBoundAndAboveItOtherwise) {
  std::mt19937_64 rng(3);
  std::normal_distribution<float> normal(0, 1);
  for (size_t n : {1, 15, 16, 64, 100, 127, 128, 129, 300, 784, 1536}) {
    std::vector<float> a(n), b(n);
    for (float& x : a) x = normal(rng);
    for (float& x : b) x = normal(rng);
    const float full = L2Squared(a.data(), b.data(), n);
    EXPECT_NEAR(L2SquaredBounded(a.data(), b.data(), n, INFINITY), full, 1e-4f * full) << n;
    EXPECT_NEAR(L2SquaredBounded(a.data(), b.data(), n, full * 1.01f), full, 1e-4f * full) << n;
    for (float frac : {0.0f, 0.1f, 0.5f, 0.9f}) {
      EXPECT_GT(L2SquaredBounded(a.data(), b.data(), n, full * frac), full * frac) << n;
    }
  }
}

}  // namespace
}  // namespace semble::core
