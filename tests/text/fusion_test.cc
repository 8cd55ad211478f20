// Copyright 2026 The semble Authors.
//
// Rank fusion: edge cases worked out by hand from the definitions in fusion.h, and random lists
// against a direct evaluation of those definitions (per slot: look it up in each list).

#include "text/fusion.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <vector>

namespace semble::text {
namespace {

using Hits = std::vector<Hit>;

Hits Rrf(const Hits& a, const Hits& b, size_t top_k = 100, double k = 60) {
  FusionOptions o;
  o.rrf_k = k;
  auto r = Fuse(a, b, o, top_k);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : Hits{};
}

Hits Weighted(const Hits& a, const Hits& b, double alpha,
              ScoreOrder order = ScoreOrder::kHigherIsBetter, size_t top_k = 100) {
  FusionOptions o;
  o.method = FusionOptions::Method::kWeighted;
  o.alpha = alpha;
  o.vector_order = order;
  auto r = Fuse(a, b, o, top_k);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : Hits{};
}

std::vector<uint32_t> Slots(const Hits& h) {
  std::vector<uint32_t> s;
  for (const Hit& x : h) s.push_back(x.slot);
  return s;
}

TEST(FusionTest, RrfOneSideEmpty) {
  const Hits text = {{7, 9.0f}, {3, 4.0f}, {5, 1.0f}};
  const Hits fused = Rrf({}, text);
  EXPECT_EQ(Slots(fused), (std::vector<uint32_t>{7, 3, 5}));
  EXPECT_FLOAT_EQ(fused[0].score, 1.0f / 61);
  EXPECT_FLOAT_EQ(fused[2].score, 1.0f / 63);
  EXPECT_EQ(Slots(Rrf(text, {})), (std::vector<uint32_t>{7, 3, 5}));
  EXPECT_TRUE(Rrf({}, {}).empty());
}

TEST(FusionTest, RrfTiesGoToTheSmallerSlot) {
  // 9 is first on one side, 4 first on the other: equal scores.
  const Hits fused = Rrf({{9, 0.9f}, {1, 0.5f}}, {{4, 3.0f}, {2, 1.0f}});
  EXPECT_EQ(Slots(fused), (std::vector<uint32_t>{4, 9, 1, 2}));
  EXPECT_EQ(fused[0].score, fused[1].score);
}

TEST(FusionTest, RrfIdenticalListsKeepTheirOrder) {
  const Hits list = {{3, 0.9f}, {1, 0.8f}, {2, 0.1f}};
  const Hits fused = Rrf(list, list);
  EXPECT_EQ(Slots(fused), (std::vector<uint32_t>{3, 1, 2}));
  EXPECT_FLOAT_EQ(fused[0].score, 2.0f / 61);
}

TEST(FusionTest, RrfRewardsAgreementAndUsesRanksNotScores) {
  // Slot 5 is second on both sides; 1 is first on one side only: 2/62 > 1/61.
  const Hits fused = Rrf({{1, 1000.0f}, {5, 0.001f}}, {{2, 50.0f}, {5, 49.0f}});
  EXPECT_EQ(fused[0].slot, 5u);
  // A repeated slot counts at its first position only.
  const Hits dup = Rrf({{1, 1.0f}, {1, 0.5f}, {2, 0.4f}}, {});
  EXPECT_EQ(Slots(dup), (std::vector<uint32_t>{1, 2}));
  EXPECT_FLOAT_EQ(dup[1].score, 1.0f / 63);  // position 3
}

TEST(FusionTest, TopKCuts) {
  const Hits list = {{3, 0.9f}, {1, 0.8f}, {2, 0.1f}};
  EXPECT_EQ(Slots(Rrf(list, {}, 2)), (std::vector<uint32_t>{3, 1}));
  EXPECT_TRUE(Rrf(list, list, 0).empty());
  EXPECT_EQ(Weighted(list, {}, 0.5, ScoreOrder::kHigherIsBetter, 1).size(), 1u);
}

TEST(FusionTest, WeightedNormalisesEachSide) {
  // Vector (cosine): 1 best. Text (BM25): 3 best. alpha 0.5.
  const Hits fused = Weighted({{1, 0.9f}, {2, 0.7f}, {3, 0.5f}}, {{3, 12.0f}, {2, 8.0f}}, 0.5);
  // 1: 0.5·1 + 0 = 0.5; 2: 0.5·0.5 + 0.5·0 = 0.25; 3: 0.5·0 + 0.5·1 = 0.5.
  ASSERT_EQ(fused.size(), 3u);
  EXPECT_EQ(Slots(fused), (std::vector<uint32_t>{1, 3, 2}));  // tie 1 vs 3: smaller slot
  EXPECT_NEAR(fused[0].score, 0.5, 1e-6);
  EXPECT_NEAR(fused[1].score, 0.5, 1e-6);
  EXPECT_NEAR(fused[2].score, 0.25, 1e-6);
}

TEST(FusionTest, WeightedLowerIsBetterForDistances) {
  // Euclidean distances: 0.1 is the closest.
  const Hits fused =
      Weighted({{1, 0.1f}, {2, 0.5f}, {3, 0.9f}}, {}, 1.0, ScoreOrder::kLowerIsBetter);
  EXPECT_EQ(Slots(fused), (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_NEAR(fused[0].score, 1.0, 1e-6);
  EXPECT_NEAR(fused[1].score, 0.5, 1e-6);
  EXPECT_NEAR(fused[2].score, 0.0, 1e-6);
}

TEST(FusionTest, WeightedAlphaEndsAndEqualScores) {
  const Hits vec = {{1, 0.9f}, {2, 0.8f}};
  const Hits text = {{3, 5.0f}, {4, 5.0f}};  // all equal: both normalise to 1
  const Hits keyword_only = Weighted(vec, text, 0.0);
  EXPECT_EQ(Slots(keyword_only), (std::vector<uint32_t>{3, 4, 1, 2}));
  EXPECT_NEAR(keyword_only[0].score, 1.0, 1e-6);
  EXPECT_NEAR(keyword_only[1].score, 1.0, 1e-6);
  EXPECT_NEAR(keyword_only[2].score, 0.0, 1e-6);
  const Hits vector_only = Weighted(vec, text, 1.0);
  EXPECT_EQ(Slots(vector_only), (std::vector<uint32_t>{1, 2, 3, 4}));
  // A single hit normalises to 1.
  EXPECT_NEAR(Weighted({{8, -3.0f}}, {}, 0.3)[0].score, 0.3, 1e-6);
}

TEST(FusionTest, OutOfRangeIsInvalidArgument) {
  const Hits list = {{1, 0.5f}};
  for (double alpha : {-0.01, 1.01, double{NAN}, double{INFINITY}, -double{INFINITY}}) {
    FusionOptions o;
    o.method = FusionOptions::Method::kWeighted;
    o.alpha = alpha;
    EXPECT_TRUE(o.Validate().IsInvalidArgument()) << alpha;
    auto r = Fuse(list, list, o, 10);
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(r.status().IsInvalidArgument());
    EXPECT_FALSE(FuseWeighted(list, ScoreOrder::kHigherIsBetter, list, alpha, 10).ok());
  }
  for (double k : {-1.0, double{NAN}, double{INFINITY}}) {
    FusionOptions o;
    o.rrf_k = k;
    EXPECT_TRUE(Fuse(list, list, o, 10).status().IsInvalidArgument()) << k;
  }
  FusionOptions o;
  o.method = FusionOptions::Method::kWeighted;
  const Hits nan_score = {{1, NAN}}, inf_score = {{2, INFINITY}};
  EXPECT_TRUE(Fuse(nan_score, list, o, 10).status().IsInvalidArgument());
  EXPECT_TRUE(Fuse(list, inf_score, o, 10).status().IsInvalidArgument());
  // Alpha is not looked at by RRF, nor k by weighted.
  FusionOptions rrf;
  rrf.alpha = 7;
  EXPECT_TRUE(Fuse(list, list, rrf, 10).ok());
}

// ---- random lists against the definitions ----

struct Expected {
  uint32_t slot;
  double score;
};

// Position (from 0) of slot's first occurrence, or -1.
int FirstPosition(const Hits& list, uint32_t slot) {
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i].slot == slot) return static_cast<int>(i);
  }
  return -1;
}

std::vector<Expected> Definition(const Hits& vec, const Hits& text, const FusionOptions& o) {
  std::vector<uint32_t> slots;
  for (const Hits* l : {&vec, &text}) {
    for (const Hit& h : *l) slots.push_back(h.slot);
  }
  std::sort(slots.begin(), slots.end());
  slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
  std::vector<Expected> out;
  for (uint32_t s : slots) {
    double score = 0;
    for (int side = 0; side < 2; ++side) {
      const Hits& l = side == 0 ? vec : text;
      const int pos = FirstPosition(l, s);
      if (pos < 0) continue;
      if (o.method == FusionOptions::Method::kReciprocalRank) {
        score += 1.0 / (o.rrf_k + pos + 1);
      } else {
        double lo = INFINITY, hi = -INFINITY;
        for (const Hit& h : l)
          lo = std::min<double>(lo, h.score), hi = std::max<double>(hi, h.score);
        const bool lower = side == 0 && o.vector_order == ScoreOrder::kLowerIsBetter;
        const double v = l[pos].score;
        const double norm = hi == lo ? 1.0 : lower ? (hi - v) / (hi - lo) : (v - lo) / (hi - lo);
        score += (side == 0 ? o.alpha : 1 - o.alpha) * norm;
      }
    }
    out.push_back({s, score});
  }
  std::sort(out.begin(), out.end(), [](const Expected& a, const Expected& b) {
    return a.score > b.score || (a.score == b.score && a.slot < b.slot);
  });
  return out;
}

Hits RandomList(std::mt19937& rng, bool ascending) {
  Hits h(rng() % 15);
  // Few distinct scores, so ties happen; slots from a small space, so lists overlap and repeat.
  for (auto& x : h) x = {static_cast<uint32_t>(rng() % 20), static_cast<float>(rng() % 6) / 4};
  std::stable_sort(h.begin(), h.end(), [&](const Hit& a, const Hit& b) {
    return ascending ? a.score < b.score : a.score > b.score;
  });
  return h;
}

TEST(FusionTest, RandomListsMatchTheDefinitions) {
  std::mt19937 rng(23);
  for (int trial = 0; trial < 3000; ++trial) {
    FusionOptions o;
    o.method =
        trial % 2 ? FusionOptions::Method::kWeighted : FusionOptions::Method::kReciprocalRank;
    o.rrf_k = static_cast<double>(rng() % 100);
    o.alpha = static_cast<double>(rng() % 5) / 4;
    o.vector_order = rng() % 2 ? ScoreOrder::kLowerIsBetter : ScoreOrder::kHigherIsBetter;
    const Hits vec = RandomList(rng, o.vector_order == ScoreOrder::kLowerIsBetter);
    const Hits text = RandomList(rng, false);
    const size_t top_k = rng() % 25;
    auto got = Fuse(vec, text, o, top_k);
    ASSERT_TRUE(got.ok());
    const std::vector<Expected> want = Definition(vec, text, o);
    ASSERT_EQ(got->size(), std::min(top_k, want.size())) << trial;
    for (size_t i = 0; i < got->size(); ++i) {
      EXPECT_NEAR((*got)[i].score, want[i].score, 1e-6) << trial << " rank " << i;
      // Slots agree except between scores equal within rounding.
      if (i + 1 < want.size() && want[i].score - want[i + 1].score > 1e-9 &&
          (i == 0 || want[i - 1].score - want[i].score > 1e-9)) {
        EXPECT_EQ((*got)[i].slot, want[i].slot) << trial << " rank " << i;
      }
    }
  }
}

}  // namespace
}  // namespace semble::text
