// Copyright 2026 The semble Authors.

#include "core/pca.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace semble::core {
namespace {

TEST(PcaTest, FindsTheAxesOfAnElongatedCloud) {
  // Points spread 10x more along (1,1,0)/sqrt2 than along (1,-1,0)/sqrt2, and not at all in z.
  std::mt19937 rng(4);
  std::normal_distribution<float> big(0, 10), small(0, 1);
  std::vector<float> data;
  const size_t n = 2000;
  for (size_t i = 0; i < n; ++i) {
    const float a = big(rng), b = small(rng);
    data.push_back(5 + (a + b) / std::sqrt(2.0f));
    data.push_back(-3 + (a - b) / std::sqrt(2.0f));
    data.push_back(7);
  }
  Pca pca = FitPca(data.data(), n, 3, 3);
  ASSERT_EQ(pca.components.size(), 3u);
  EXPECT_NEAR(pca.mean[0], 5, 0.6);
  EXPECT_NEAR(pca.mean[2], 7, 1e-5);
  const std::vector<float>& c0 = pca.components[0];
  const std::vector<float>& c1 = pca.components[1];
  EXPECT_NEAR(std::fabs(c0[0] + c0[1]) / std::sqrt(2.0f), 1.0, 0.01);
  EXPECT_NEAR(std::fabs(c1[0] - c1[1]) / std::sqrt(2.0f), 1.0, 0.01);
  EXPECT_NEAR(c0[0] * c1[0] + c0[1] * c1[1] + c0[2] * c1[2], 0.0, 1e-5);
  EXPECT_NEAR(pca.explained[0], 100.0 / 101.0, 0.01);
  EXPECT_NEAR(pca.explained[1], 1.0 / 101.0, 0.01);
  EXPECT_EQ(pca.explained[2], 0.0);  // no spread in z
  // Projection is centred: the mean projects to the origin.
  std::vector<float> p = pca.Project(pca.mean.data());
  EXPECT_NEAR(p[0], 0, 1e-4);
  EXPECT_NEAR(p[1], 0, 1e-4);
}

TEST(PcaTest, NoPointsGivesZeroComponents) {
  Pca pca = FitPca(nullptr, 0, 3, 2);
  ASSERT_EQ(pca.components.size(), 2u);
  const float v[] = {1, 2, 3};
  EXPECT_EQ(pca.Project(v), (std::vector<float>{0, 0}));
}

TEST(PcaTest, FewerPointsThanDimensions) {
  const float data[] = {1, 0, 0, 0, 0, 1, 0, 0};  // two points in 4-D: rank 1 after centring
  Pca pca = FitPca(data, 2, 4, 2);
  EXPECT_NEAR(pca.explained[0], 1.0, 1e-6);
  EXPECT_EQ(pca.explained[1], 0.0);
  std::vector<float> a = pca.Project(data), b = pca.Project(data + 4);
  EXPECT_NEAR(std::fabs(a[0] - b[0]), std::sqrt(2.0f), 1e-5);
}

}  // namespace
}  // namespace semble::core
