// Copyright 2026 The semble Authors.

#include "core/top_k.h"

#include <algorithm>
#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace semble::core {
namespace {

std::vector<ScoredSlot> Sorted(std::vector<ScoredSlot> all, size_t k) {
  std::sort(all.begin(), all.end(), Better);
  all.resize(std::min(k, all.size()));
  return all;
}

void ExpectSame(const std::vector<ScoredSlot>& got, const std::vector<ScoredSlot>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].key, want[i].key) << i;
    EXPECT_EQ(got[i].slot, want[i].slot) << i;
  }
}

TEST(TopKTest, KeepsLargestKeysBestFirst) {
  TopK top(3);
  for (uint32_t slot = 0; slot < 10; ++slot) top.Push(static_cast<float>(slot % 5), slot);
  // Keys 4 (slots 4, 9) and 3 (slots 3, 8): the two 4s, then the 3 with the smaller slot.
  ExpectSame(top.Take(), {{4, 4}, {4, 9}, {3, 3}});
}

TEST(TopKTest, TiesKeepSmallerSlotWhateverThePushOrder) {
  // All keys equal: the k smallest slots must win, pushed ascending, descending or shuffled.
  std::vector<uint32_t> slots(50);
  for (uint32_t i = 0; i < slots.size(); ++i) slots[i] = i;
  std::mt19937 rng(1);
  for (int order = 0; order < 3; ++order) {
    if (order == 1) std::reverse(slots.begin(), slots.end());
    if (order == 2) std::shuffle(slots.begin(), slots.end(), rng);
    TopK top(5);
    for (uint32_t s : slots) top.Push(1.0f, s);
    ExpectSame(top.Take(), {{1, 0}, {1, 1}, {1, 2}, {1, 3}, {1, 4}});
  }
}

TEST(TopKTest, MatchesSortOnRandomStreamsWithTies) {
  std::mt19937 rng(2);
  std::uniform_int_distribution<int> key(-20, 20);  // many ties
  for (size_t k : {1u, 2u, 7u, 64u, 500u}) {
    std::vector<ScoredSlot> all;
    TopK top(k);
    std::vector<uint32_t> slots(300);
    for (uint32_t i = 0; i < slots.size(); ++i) slots[i] = i;
    std::shuffle(slots.begin(), slots.end(), rng);
    for (uint32_t s : slots) {
      const float kf = static_cast<float>(key(rng));
      all.push_back({kf, s});
      top.Push(kf, s);
    }
    EXPECT_EQ(top.size(), std::min(k, all.size()));
    ExpectSame(top.Take(), Sorted(all, k));
  }
}

TEST(TopKTest, ThresholdIsWorstKeptOnceFull) {
  TopK top(2);
  EXPECT_EQ(top.threshold(), -std::numeric_limits<float>::infinity());
  top.Push(5, 0);
  EXPECT_EQ(top.threshold(), -std::numeric_limits<float>::infinity());
  top.Push(3, 1);
  EXPECT_EQ(top.threshold(), 3);
  top.Push(4, 2);
  EXPECT_EQ(top.threshold(), 4);
  top.Push(1, 3);  // below threshold: ignored
  ExpectSame(top.Take(), {{5, 0}, {4, 2}});
}

TEST(TopKTest, ZeroKKeepsNothing) {
  TopK top(0);
  EXPECT_EQ(top.threshold(), std::numeric_limits<float>::infinity());
  top.Push(1, 1);
  EXPECT_EQ(top.size(), 0u);
  EXPECT_TRUE(top.Take().empty());
}

}  // namespace
}  // namespace semble::core
