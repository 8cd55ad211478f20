// Copyright 2026 The semble Authors.
//
// Search groups against a brute-force oracle built differently from the one-pass implementation:
// collect every key's hits in rank order, order keys by their first hit, keep the first
// group_count keys and the first group_size hits of each.

#include "text/grouping.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace semble::text {
namespace {

std::vector<Group> Oracle(const std::vector<Hit>& ranked,
                          const std::map<uint32_t, std::vector<std::string>>& keys,
                          const GroupOptions& o) {
  std::map<std::string, std::vector<Hit>> all;
  std::map<std::string, size_t> first;
  std::set<uint32_t> seen;
  for (size_t i = 0; i < ranked.size(); ++i) {
    if (!seen.insert(ranked[i].slot).second) continue;
    auto it = keys.find(ranked[i].slot);
    if (it == keys.end()) continue;
    const std::set<std::string> distinct(it->second.begin(), it->second.end());
    for (const std::string& k : distinct) {
      all[k].push_back(ranked[i]);
      first.emplace(k, i);
    }
  }
  std::vector<std::string> order;
  for (const auto& [k, pos] : first) order.push_back(k);
  std::sort(order.begin(), order.end(),
            [&](const std::string& a, const std::string& b) { return first[a] < first[b]; });
  std::vector<Group> out;
  for (size_t g = 0; g < order.size() && g < o.group_count; ++g) {
    std::vector<Hit> hits = all[order[g]];
    if (hits.size() > o.group_size) hits.resize(o.group_size);
    out.push_back({order[g], hits});
  }
  return out;
}

GroupKeyFn KeysFrom(const std::map<uint32_t, std::vector<std::string>>& keys) {
  return [&keys](uint32_t slot, std::vector<std::string>* out) {
    auto it = keys.find(slot);
    if (it != keys.end()) *out = it->second;
  };
}

TEST(GroupingTest, ChunksOfTheSameDocument) {
  // Chunks 0..5 of documents a, b, c, ranked; at most 2 chunks per document, 2 documents.
  const std::vector<Hit> ranked = {{0, 0.9f}, {1, 0.8f}, {2, 0.7f},
                                   {3, 0.6f}, {4, 0.5f}, {5, 0.4f}};
  const std::map<uint32_t, std::vector<std::string>> keys = {{0, {"a"}}, {1, {"a"}}, {2, {"a"}},
                                                             {3, {"b"}}, {4, {"c"}}, {5, {"b"}}};
  auto groups = GroupHits(ranked, KeysFrom(keys), {.group_size = 2, .group_count = 2});
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(groups->size(), 2u);
  EXPECT_EQ((*groups)[0], (Group{"a", {{0, 0.9f}, {1, 0.8f}}}));
  EXPECT_EQ((*groups)[1], (Group{"b", {{3, 0.6f}, {5, 0.4f}}}));
}

TEST(GroupingTest, MissingKeysArraysAndRepeats) {
  const std::vector<Hit> ranked = {{0, 3}, {1, 2}, {0, 2}, {2, 1}};
  const std::map<uint32_t, std::vector<std::string>> keys = {{0, {"x", "y", "x"}}, {2, {"y"}}};
  auto groups = GroupHits(ranked, KeysFrom(keys), {.group_size = 5, .group_count = 5});
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(groups->size(), 2u);  // slot 1 has no key; slot 0 joins x and y once each
  EXPECT_EQ((*groups)[0], (Group{"x", {{0, 3}}}));
  EXPECT_EQ((*groups)[1], (Group{"y", {{0, 3}, {2, 1}}}));
}

TEST(GroupingTest, ZeroSizesAreInvalidArgument) {
  const std::map<uint32_t, std::vector<std::string>> keys;
  EXPECT_TRUE(GroupHits({}, KeysFrom(keys), {.group_size = 0, .group_count = 1})
                  .status()
                  .IsInvalidArgument());
  EXPECT_TRUE(GroupHits({}, KeysFrom(keys), {.group_size = 1, .group_count = 0})
                  .status()
                  .IsInvalidArgument());
  auto none = GroupHits({}, KeysFrom(keys), {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(GroupingTest, RandomRankingsMatchTheOracle) {
  std::mt19937 rng(31);
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<Hit> ranked(rng() % 40);
    float score = 100;
    for (auto& h : ranked) h = {static_cast<uint32_t>(rng() % 30), score -= (rng() % 3) * 0.5f};
    std::map<uint32_t, std::vector<std::string>> keys;
    const int n_keys = 1 + rng() % 6;
    for (uint32_t s = 0; s < 30; ++s) {
      const int n = rng() % 4 == 0 ? 0 : 1 + (rng() % 5 == 0);  // none, one, sometimes two
      for (int i = 0; i < n; ++i) keys[s].push_back("k" + std::to_string(rng() % n_keys));
    }
    const GroupOptions o{.group_size = 1 + rng() % 4, .group_count = 1 + rng() % 5};
    auto got = GroupHits(ranked, KeysFrom(keys), o);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, Oracle(ranked, keys, o)) << trial;
  }
}

}  // namespace
}  // namespace semble::text
