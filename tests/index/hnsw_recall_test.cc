// Copyright 2026 The semble Authors.
//
// Recall of HnswIndex against exact search, for every metric and quantizer, at default parameters.

#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <span>
#include <string>
#include <tuple>

#include "gtest/gtest.h"
#include "index/flat_index.h"
#include "index/hnsw_index.h"
#include "index/hnsw_test_util.h"
#include "index/product_candidates.h"

namespace semble::index {
namespace {

using testing::Clustered;
using testing::Data;
using testing::MakeIndex;
using testing::Random;
using testing::Recall;

constexpr size_t kK = 10;

// Mean recall@10 over the data's queries, with exact results from FlatIndex.
double MeanRecall(const HnswIndex& index, const Data& d, Metric metric, uint32_t ef = 0) {
  FlatIndex flat(d.dims, metric);
  for (size_t i = 0; i < d.n; ++i) flat.Set(static_cast<uint32_t>(i), d.row(i));
  double sum = 0;
  for (size_t i = 0; i < d.nq; ++i) {
    sum += Recall(flat.Search(d.query(i), kK), index.Search(d.query(i), kK, ef), kK);
  }
  return sum / d.nq;
}

std::unique_ptr<HnswIndex> Build(const Data& d, Metric metric, QuantizerKind q) {
  auto index = MakeIndex(d.dims, metric, q);
  std::vector<uint32_t> slots(d.n);
  std::iota(slots.begin(), slots.end(), 0u);
  EXPECT_TRUE(index->AddBatch(slots, d.base.data(), 2).ok());
  return index;
}

class HnswRecallTest : public ::testing::TestWithParam<std::tuple<Metric, QuantizerKind>> {};

TEST_P(HnswRecallTest, ClusteredDataAtDefaults) {
  const auto [metric, quantizer] = GetParam();
  const Data d = Clustered(6000, 100, 48, 7);
  auto index = Build(d, metric, quantizer);
  ASSERT_EQ(index->size(), d.n);
  const double r = MeanRecall(*index, d, metric);
  EXPECT_GE(r, 0.95) << "metric " << static_cast<int>(metric) << " quantizer "
                     << static_cast<int>(quantizer);
}

TEST_P(HnswRecallTest, RandomDataAtDefaults) {
  const auto [metric, quantizer] = GetParam();
  const Data d = Random(4000, 100, 32, 11);
  auto index = Build(d, metric, quantizer);
  const double r = MeanRecall(*index, d, metric);
  EXPECT_GE(r, 0.95) << "metric " << static_cast<int>(metric) << " quantizer "
                     << static_cast<int>(quantizer);
}

// Inserts skip the per-node state check while the index holds no tombstones and make it while it
// holds some: both paths must keep recall, and neither may link to or return a removed vector.
TEST_P(HnswRecallTest, AddsBesideTombstonesKeepRecallAndReachability) {
  const auto [metric, quantizer] = GetParam();
  const Data d = Clustered(5000, 100, 32, 19);
  auto index = MakeIndex(d.dims, metric, quantizer);
  const size_t first = 3000;
  ASSERT_TRUE(index->AddBatch(testing::Iota(first), d.base.data(), 2).ok());
  // 5% of the nodes: below max_tombstone_fraction, so the next adds run with tombstones present.
  std::vector<uint8_t> removed(d.n, 0);
  for (uint32_t s = 0; s < first; s += 20) {
    ASSERT_TRUE(index->Remove(s, /*consolidate=*/false));
    removed[s] = 1;
  }
  ASSERT_TRUE(
      index->AddBatch(testing::Iota(d.n - first, first), d.base.data() + first * d.dims, 2).ok());
  EXPECT_TRUE(index->CheckConnectivity().empty());
  FlatIndex flat(d.dims, metric);
  for (size_t i = 0; i < d.n; ++i) {
    if (!removed[i]) flat.Set(static_cast<uint32_t>(i), d.row(i));
  }
  double sum = 0;
  for (size_t i = 0; i < d.nq; ++i) {
    const std::vector<Hit> got = index->Search(d.query(i), kK, 0);
    for (const Hit& h : got) EXPECT_FALSE(removed[h.slot]) << "removed slot " << h.slot;
    sum += Recall(flat.Search(d.query(i), kK), got, kK);
  }
  EXPECT_GE(sum / d.nq, 0.95) << "metric " << static_cast<int>(metric) << " quantizer "
                              << static_cast<int>(quantizer);
}

INSTANTIATE_TEST_SUITE_P(
    AllMetricsAndQuantizers, HnswRecallTest,
    ::testing::Combine(::testing::Values(Metric::kCosine, Metric::kEuclidean, Metric::kDotProduct),
                       ::testing::Values(QuantizerKind::kNone, QuantizerKind::kSq8,
                                         QuantizerKind::kBinary)));

TEST(HnswTest, ScoresAreExactAndFollowTheMetricConvention) {
  const Data d = Clustered(2000, 20, 32, 3);
  for (Metric metric : {Metric::kCosine, Metric::kEuclidean, Metric::kDotProduct}) {
    for (QuantizerKind q : {QuantizerKind::kNone, QuantizerKind::kSq8, QuantizerKind::kBinary}) {
      auto index = Build(d, metric, q);
      FlatIndex flat(d.dims, metric);
      for (size_t i = 0; i < d.n; ++i) flat.Set(static_cast<uint32_t>(i), d.row(i));
      for (size_t i = 0; i < d.nq; ++i) {
        const std::vector<Hit> hits = index->Search(d.query(i), kK, 200);
        ASSERT_EQ(hits.size(), kK);
        for (size_t j = 0; j < hits.size(); ++j) {
          const float exact = flat.Score(d.query(i), hits[j].slot);
          EXPECT_NEAR(hits[j].score, exact, 1e-4f * (1.0f + std::fabs(exact)));
          if (j > 0) {  // ordered closest first in the metric's own direction
            if (HigherIsCloser(metric)) {
              EXPECT_GE(hits[j - 1].score, hits[j].score);
            } else {
              EXPECT_LE(hits[j - 1].score, hits[j].score);
            }
          }
        }
      }
    }
  }
}

// An sq8 walk's candidates are rescored on the float vectors; under L2 a candidate is read only
// until it is known to be farther than k others (Rescore in hnsw_index.cc). The answer must be the
// one where every candidate is scored in full: a query for as many hits as the walk keeps (ef)
// rescores all of them in full, and the same walk asked for fewer must return the first of those,
// bit for bit. 384 dimensions, so that the kernel does stop early (it checks every 128 floats).
// Each of `many` is SearchExact's answer to the same query, hit for hit and bit for bit.
void ExpectAsSearchExact(const HnswIndex& index, const float* queries, size_t nq, size_t k,
                         const std::vector<std::vector<Hit>>& many) {
  ASSERT_EQ(many.size(), nq);
  for (size_t i = 0; i < nq; ++i) {
    const std::vector<Hit> one = index.SearchExact(queries + i * index.dimensions(), k);
    ASSERT_EQ(many[i].size(), one.size()) << "query " << i;
    for (size_t j = 0; j < one.size(); ++j) {
      EXPECT_EQ(many[i][j].slot, one[j].slot) << "query " << i << " rank " << j;
      EXPECT_EQ(many[i][j].score, one[j].score) << "query " << i << " rank " << j;
    }
  }
}

// The calibration's one-pass truth: for every metric and quantizer, with tombstones, over more
// nodes than one locked chunk of the pass, and with k up to and above the live count,
// SearchExactMany gives each query exactly SearchExact's hits, scores and order: with few queries
// (every pair scored) and with kProductMinQueries or more (a matrix product's candidates), over
// one block of the product's rows (8 dimensions) and several, each in two slices (300).
TEST(HnswTest, ExactSearchForManyQueriesMatchesOnePerQuery) {
  for (const Data& d : {Clustered(17000, 40, 8, 23), Clustered(3000, 40, 300, 24)}) {
    ASSERT_GE(d.nq, kProductMinQueries);
    for (Metric metric : {Metric::kCosine, Metric::kEuclidean, Metric::kDotProduct}) {
      for (int variant = 0; variant < 4; ++variant) {
        const QuantizerKind q = variant == 1   ? QuantizerKind::kSq8
                                : variant == 2 ? QuantizerKind::kBinary
                                               : QuantizerKind::kNone;
        void (*lb8)(HnswOptions*) = [](HnswOptions* o) { o->bound_codes = true; };
        auto index = MakeIndex(d.dims, metric, q, 8, 40, variant == 3 ? lb8 : nullptr);
        ASSERT_NE(index, nullptr);
        ASSERT_TRUE(index->AddBatch(testing::Iota(d.n), d.base.data(), 2).ok());
        for (uint32_t s = 0; s < d.n; s += 7) ASSERT_TRUE(index->Remove(s, /*consolidate=*/false));
        // k = n: every live node, in order, so that a node the pass skipped cannot hide.
        for (size_t k : {size_t{1}, size_t{10}, d.n}) {
          for (size_t nq : {size_t{5}, k == d.n ? kProductMinQueries : d.nq}) {
            SCOPED_TRACE("n " + std::to_string(d.n) + " metric " +
                         std::to_string(static_cast<int>(metric)) + " variant " +
                         std::to_string(variant) + " k " + std::to_string(k) + " nq " +
                         std::to_string(nq));
            ExpectAsSearchExact(*index, d.queries.data(), nq, k,
                                index->SearchExactMany(d.queries.data(), nq, k));
          }
        }
      }
    }
  }
  // More wanted than there are live vectors: all of them, as SearchExact returns them.
  const Data t = Clustered(30, 5, 8, 29);
  auto tiny = MakeIndex(t.dims, Metric::kEuclidean, QuantizerKind::kNone);
  ASSERT_TRUE(tiny->AddBatch(testing::Iota(t.n), t.base.data(), 1).ok());
  ASSERT_TRUE(tiny->Remove(3, /*consolidate=*/false));
  const auto many = tiny->SearchExactMany(t.queries.data(), t.nq, 100);
  for (size_t i = 0; i < t.nq; ++i) {
    ASSERT_EQ(many[i].size(), t.n - 1);
    const std::vector<Hit> one = tiny->SearchExact(t.query(i), 100);
    for (size_t j = 0; j < one.size(); ++j) EXPECT_EQ(many[i][j].slot, one[j].slot);
  }
  EXPECT_TRUE(tiny->SearchExactMany(t.queries.data(), 0, 10).empty());
}

// Near ties through the product: rows that are exact duplicates of one vector or a few ulps or a
// small step from it, at a large norm (where the product's rounding is largest), with tombstones,
// asked by kProductMinQueries or more queries among them. The product's candidates must hold every
// row SearchExact ranks among the best k. 5,000 rows within the margin of each other exceed what a
// query keeps (4,096 at k = 10): those queries give the product up and scan, with the same answer.
TEST(HnswTest, ExactSearchForManyQueriesKeepsNearTiesExact) {
  std::mt19937 rng(16);
  std::normal_distribution<float> noise(0, 1);
  for (Metric metric : {Metric::kCosine, Metric::kEuclidean, Metric::kDotProduct}) {
    for (uint32_t dims : {3u, 100u}) {
      for (uint32_t count : {700u, 5000u}) {
        std::vector<float> base(dims), rows;
        for (float& v : base) v = 1000.0f + noise(rng);  // large norm, small spread
        for (uint32_t s = 0; s < count; ++s) {
          std::vector<float> r = base;
          if (s % 5 != 0) {  // every fifth row an exact duplicate of base
            for (uint32_t t = 0; t < dims; ++t) {
              r[t] = s % 3 == 0 ? std::nextafter(r[t], r[t] + (t % 2 ? 1 : -1) * 1e9f)
                                : r[t] + 1e-2f * noise(rng);
            }
          }
          rows.insert(rows.end(), r.begin(), r.end());
        }
        auto index = MakeIndex(dims, metric, QuantizerKind::kNone, 8, 16);
        ASSERT_NE(index, nullptr);
        ASSERT_TRUE(index->AddBatch(testing::Iota(count), rows.data(), 2).ok());
        for (uint32_t s = 3; s < count; s += 11) ASSERT_TRUE(index->Remove(s, false));
        std::vector<float> queries;
        const size_t nq = kProductMinQueries + 8;
        for (size_t i = 0; i < nq; ++i) {  // some stored (and some deleted) rows
          const size_t s = (i * 37) % count;
          queries.insert(queries.end(), rows.begin() + s * dims, rows.begin() + (s + 1) * dims);
        }
        for (size_t k : {size_t{1}, size_t{7}, size_t{64}}) {
          SCOPED_TRACE("metric " + std::to_string(static_cast<int>(metric)) + " dims " +
                       std::to_string(dims) + " rows " + std::to_string(count) + " k " +
                       std::to_string(k));
          ExpectAsSearchExact(*index, queries.data(), nq, k,
                              index->SearchExactMany(queries.data(), nq, k));
        }
      }
    }
  }
}

TEST(HnswTest, Sq8RescoringStopsEarlyOnlyOnCandidatesItDoesNotReturn) {
  const Data d = Clustered(3000, 60, 384, 29);
  auto index = Build(d, Metric::kEuclidean, QuantizerKind::kSq8);
  constexpr uint32_t kEf = 40;  // = kSq8Rescore * k: every candidate of the walk is rescored
  for (size_t i = 0; i < d.nq; ++i) {
    const std::vector<Hit> all = index->Search(d.query(i), kEf, kEf);
    ASSERT_EQ(all.size(), kEf);
    for (size_t k : {size_t{1}, size_t{3}, kK}) {
      const std::vector<Hit> some = index->Search(d.query(i), k, kEf);
      ASSERT_EQ(some.size(), k);
      for (size_t j = 0; j < k; ++j) {
        EXPECT_EQ(some[j].slot, all[j].slot) << "query " << i << " k " << k << " rank " << j;
        EXPECT_EQ(some[j].score, all[j].score) << "query " << i << " k " << k << " rank " << j;
      }
    }
  }
}

// Maximum inner product differs from cosine when norms vary: the index must find large-norm
// vectors that cosine would rank lower.
TEST(HnswTest, DotProductIsMaximumInnerProductNotCosine) {
  const Data d = Clustered(3000, 50, 32, 5);
  auto dot = Build(d, Metric::kDotProduct, QuantizerKind::kNone);
  FlatIndex exact_dot(d.dims, Metric::kDotProduct), exact_cos(d.dims, Metric::kCosine);
  for (size_t i = 0; i < d.n; ++i) {
    exact_dot.Set(static_cast<uint32_t>(i), d.row(i));
    exact_cos.Set(static_cast<uint32_t>(i), d.row(i));
  }
  double vs_dot = 0, cos_vs_dot = 0;
  for (size_t i = 0; i < d.nq; ++i) {
    const auto truth = exact_dot.Search(d.query(i), kK);
    vs_dot += Recall(truth, dot->Search(d.query(i), kK), kK);
    cos_vs_dot += Recall(truth, exact_cos.Search(d.query(i), kK), kK);
  }
  EXPECT_GE(vs_dot / d.nq, 0.95);
  EXPECT_LT(cos_vs_dot / d.nq, 0.9);  // the data really separates the two metrics
}

TEST(HnswTest, EmptyAndTinyIndexes) {
  auto index = MakeIndex(4, Metric::kEuclidean, QuantizerKind::kNone);
  const float q[4] = {1, 2, 3, 4};
  EXPECT_TRUE(index->Search(q, 10).empty());
  ASSERT_TRUE(index->Add(7, q).ok());
  auto hits = index->Search(q, 10);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].slot, 7u);
  EXPECT_FLOAT_EQ(hits[0].score, 0.0f);
  EXPECT_TRUE(index->Remove(7));
  EXPECT_FALSE(index->Remove(7));
  EXPECT_TRUE(index->Search(q, 10).empty());
  EXPECT_EQ(index->size(), 0u);
}

TEST(HnswTest, RejectsBadInput) {
  auto index = MakeIndex(3, Metric::kCosine, QuantizerKind::kNone);
  const float zero[3] = {0, 0, 0};
  const float nan[3] = {1, std::nanf(""), 0};
  EXPECT_TRUE(index->Add(0, zero).IsInvalidArgument());
  EXPECT_TRUE(index->Add(0, nan).IsInvalidArgument());
  EXPECT_EQ(index->size(), 0u);
  HnswOptions o;
  o.dimensions = 0;
  EXPECT_FALSE(HnswIndex::Create(o).ok());
  o.dimensions = 8;
  o.m = 1;
  EXPECT_FALSE(HnswIndex::Create(o).ok());
}

TEST(HnswTest, GetReturnsTheValuesAsWritten) {
  auto index = MakeIndex(3, Metric::kCosine, QuantizerKind::kSq8);
  const float v[3] = {3, 4, 12};
  ASSERT_TRUE(index->Add(5, v).ok());
  const float* got = index->Get(5);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got[0], 3);
  EXPECT_EQ(got[2], 12);
  EXPECT_EQ(index->Get(4), nullptr);
}

TEST(HnswTest, RecallTargetPicksAnEfThatReachesIt) {
  const Data d = Clustered(6000, 100, 48, 21);
  auto index = Build(d, Metric::kEuclidean, QuantizerKind::kNone);
  const uint32_t ef_low = index->EfForRecall(0.80f, kK);
  const uint32_t ef_high = index->EfForRecall(0.99f, kK);
  EXPECT_LE(ef_low, ef_high);
  EXPECT_GE(MeanRecall(*index, d, Metric::kEuclidean, ef_high), 0.97);
  EXPECT_GE(MeanRecall(*index, d, Metric::kEuclidean, ef_low), 0.75);
}

TEST(HnswTest, HeldOutSearchAnswersAsIfTheNodeWereAbsent) {
  const Data d = Clustered(3000, 0, 32, 5);
  auto index = Build(d, Metric::kEuclidean, QuantizerKind::kNone);
  for (uint32_t s = 0; s < 3000; s += 60) {
    // Asked plainly, a stored vector finds itself first.
    ASSERT_EQ(index->Search(d.row(s), kK, 64).front().slot, s);
    // Held out, it never comes back, and with a list covering the graph the answer is the exact
    // top 10 of the others.
    std::vector<Hit> exact;
    for (const Hit& h : index->SearchExact(d.row(s), kK + 1)) {
      if (h.slot != s && exact.size() < kK) exact.push_back(h);
    }
    const std::vector<Hit> held = index->SearchHeldOut(d.row(s), kK, 3000, s);
    ASSERT_EQ(held.size(), kK);
    for (size_t i = 0; i < kK; ++i) {
      EXPECT_NE(held[i].slot, s);
      EXPECT_EQ(held[i].slot, exact[i].slot) << "slot " << s << " rank " << i;
    }
    // An unknown slot holds nothing out.
    EXPECT_EQ(index->SearchHeldOut(d.row(s), kK, 64, 1u << 30).front().slot, s);
  }
}

// `recall: x` is judged on queries the index has never seen: first with the calibration made
// before any query (held-out stored vectors), then after real queries replaced it.
TEST(HnswTest, RecallTargetHoldsOnUnseenQueriesBeforeAndAfterRealOnes) {
  constexpr size_t kEval = 600, kHistory = 1024;
  constexpr float kTarget = 0.95f;
  const Data all = Clustered(8000, 2 * kEval + kHistory, 48, 31);
  auto index = Build(all, Metric::kEuclidean, QuantizerKind::kNone);
  FlatIndex flat(all.dims, Metric::kEuclidean);
  for (size_t i = 0; i < all.n; ++i) flat.Set(static_cast<uint32_t>(i), all.row(i));
  auto recall_on = [&](size_t first, size_t count, uint32_t ef) {
    double sum = 0;
    for (size_t q = first; q < first + count; ++q) {
      sum += Recall(flat.Search(all.query(q), kK), index->Search(all.query(q), kK, ef), kK);
    }
    return sum / count;
  };
  const uint32_t cold = index->EfForRecall(kTarget, kK);
  const double cold_recall = recall_on(0, kEval, cold);
  EXPECT_GE(cold_recall, kTarget - 0.01) << "ef " << cold;

  // A history of real queries, then the recalibrations it triggers (at 64, 128, 256, 512 sampled).
  for (size_t q = kEval; q < kEval + kHistory; ++q) (void)index->Search(all.query(q), kK, 32);
  for (int i = 0; i < 6; ++i) {
    (void)index->EfForRecall(kTarget, kK);
    index->WaitForCalibration();
  }
  const uint32_t warm = index->EfForRecall(kTarget, kK);
  const size_t eval2 = kEval + kHistory;
  const double warm_recall = recall_on(eval2, kEval, warm);
  EXPECT_GE(warm_recall, kTarget - 0.01) << "ef " << warm;
  // And not at any price: within two ladder steps (1.19x each) of the smallest ef that reaches
  // the target on these very queries.
  uint32_t oracle = 0;
  for (uint32_t ef = 10; ef <= 1500 && oracle == 0; ++ef) {
    if (recall_on(eval2, kEval, ef) >= kTarget) oracle = ef;
  }
  ASSERT_NE(oracle, 0u);
  std::printf("cold ef %u (recall %.4f), warm ef %u (recall %.4f), oracle %u\n", cold, cold_recall,
              warm, warm_recall, oracle);
  EXPECT_LE(warm, 1.45 * oracle) << "cold ef " << cold << " (recall " << cold_recall
                                 << "), warm ef " << warm << " (recall " << warm_recall
                                 << "), oracle " << oracle;
}

// The ladder is measured only as far as the targets asked need (its high efs cost the most), and a
// higher target asked later goes on up it on the same calibration queries: the table it ends with,
// and so every ef picked from it, are those of measuring for the higher target at once. Two
// indexes built alike on one thread (the same graph), one asked a low target first.
TEST(HnswTest, RecallCalibrationGoesOnUpTheLadderForAHigherTarget) {
  constexpr float kLow = 0.8f, kHigh = 0.995f;
  const Data all = Clustered(8000, 10, 48, 41);
  auto build = [&] {
    auto index = MakeIndex(all.dims, Metric::kEuclidean, QuantizerKind::kNone);
    std::vector<uint32_t> slots(all.n);
    std::iota(slots.begin(), slots.end(), 0u);
    EXPECT_TRUE(index->AddBatch(slots, all.base.data(), 1).ok());
    return index;
  };
  auto table = [](const HnswIndex& index) {
    std::vector<std::pair<uint32_t, float>> steps;
    size_t real = 0;
    index.RecallCalibration(&steps, &real);
    return steps;
  };
  auto low_first = build(), high_first = build();
  const uint32_t low_ef = low_first->EfForRecall(kLow, kK);
  const std::vector<std::pair<uint32_t, float>> short_table = table(*low_first);
  const uint32_t high_ef = high_first->EfForRecall(kHigh, kK);
  const std::vector<std::pair<uint32_t, float>> full = table(*high_first);
  ASSERT_FALSE(short_table.empty());
  ASSERT_LT(short_table.size(), full.size());
  for (size_t i = 0; i < short_table.size(); ++i) {
    EXPECT_EQ(short_table[i], full[i]) << "step " << i;
  }
  EXPECT_GT(high_ef, low_ef);

  EXPECT_EQ(low_first->EfForRecall(kHigh, kK), high_ef);
  EXPECT_EQ(table(*low_first), full);
  // Lower targets are then answered from the longer table, as before.
  EXPECT_EQ(low_first->EfForRecall(kLow, kK), low_ef);
  EXPECT_EQ(high_first->EfForRecall(kLow, kK), low_ef);
}

// Going on up the ladder reuses the probes' truth only while the index is the one it was taken
// of. Vectors added after a first calibration (fewer than would trigger a recalibration) are
// the nearest neighbours of some probes: measured against the old truth they would count as
// misses at every higher step. So an index asked 0.8, then grown by a quarter, then asked 0.995
// must end with the table and the pick of an index grown alike and asked 0.995 only at the end.
TEST(HnswTest, RecallCalibrationMeasuresAnewForAHigherTargetOnceTheIndexChanged) {
  constexpr float kLow = 0.8f, kHigh = 0.995f;
  const Data all = Clustered(10000, 10, 48, 43);
  const size_t first = 8000;  // then 2,000 more: under twice the first calibration's size
  std::vector<uint32_t> slots(all.n);
  std::iota(slots.begin(), slots.end(), 0u);
  const std::span<const uint32_t> head(slots.data(), first),
      tail(slots.data() + first, all.n - first);
  auto table = [](const HnswIndex& index) {
    std::vector<std::pair<uint32_t, float>> steps;
    size_t real = 0;
    index.RecallCalibration(&steps, &real);
    return steps;
  };
  auto asked_between = MakeIndex(all.dims, Metric::kEuclidean, QuantizerKind::kNone);
  auto asked_after = MakeIndex(all.dims, Metric::kEuclidean, QuantizerKind::kNone);
  ASSERT_TRUE(asked_between->AddBatch(head, all.base.data(), 1).ok());
  ASSERT_TRUE(asked_after->AddBatch(head, all.base.data(), 1).ok());
  const uint32_t low_ef = asked_between->EfForRecall(kLow, kK);
  const std::vector<std::pair<uint32_t, float>> before = table(*asked_between);
  ASSERT_TRUE(asked_between->AddBatch(tail, all.row(first), 1).ok());
  ASSERT_TRUE(asked_after->AddBatch(tail, all.row(first), 1).ok());
  const uint32_t high_ef = asked_between->EfForRecall(kHigh, kK);
  EXPECT_EQ(high_ef, asked_after->EfForRecall(kHigh, kK));
  const std::vector<std::pair<uint32_t, float>> after = table(*asked_between);
  EXPECT_EQ(after, table(*asked_after));
  EXPECT_NE(after, before);
  EXPECT_GT(after.size(), before.size());
  EXPECT_GE(high_ef, low_ef);
}

// A query asked many times is one sample of the queries to come, not many: a stored vector asked
// 2,000 times (an easy query: the walk lands on its node and reads its neighbours off the node's
// list) beside a few others must neither fill the calibration's sample nor stand for 512 queries
// in its error bound.
TEST(HnswTest, RecallTargetCountsARepeatedQueryOnce) {
  constexpr size_t kEval = 600;
  constexpr float kTarget = 0.99f;  // this data reaches 0.95 at the ladder's smallest ef
  const Data all = Clustered(8000, kEval + 200, 48, 37);
  auto index = Build(all, Metric::kEuclidean, QuantizerKind::kNone);
  FlatIndex flat(all.dims, Metric::kEuclidean);
  for (size_t i = 0; i < all.n; ++i) flat.Set(static_cast<uint32_t>(i), all.row(i));
  // Judged through SearchHeldOut with a slot that holds nothing out: Search's answers, without
  // offering the judging queries to the sample.
  auto unseen_recall = [&](uint32_t ef) {
    double sum = 0;
    for (size_t q = 0; q < kEval; ++q) {
      sum += Recall(flat.Search(all.query(q), kK),
                    index->SearchHeldOut(all.query(q), kK, ef, 1u << 30), kK);
    }
    return sum / kEval;
  };
  auto calibrated_on = [&]() {
    std::vector<std::pair<uint32_t, float>> steps;
    size_t real = 0;
    index->RecallCalibration(&steps, &real);
    return real;
  };
  // 40 distinct queries and the repeated one: 41, fewer than the 64 a calibration on real queries
  // needs, so the held-out vectors still calibrate.
  for (int i = 0; i < 2000; ++i) {
    (void)index->Search(all.row(123), kK, 32);
    if (i % 50 == 0) (void)index->Search(all.query(kEval + i / 50), kK, 32);
  }
  const uint32_t first = index->EfForRecall(kTarget, kK);
  EXPECT_EQ(calibrated_on(), 0u);
  EXPECT_GE(unseen_recall(first), kTarget - 0.01) << "ef " << first;
  // 100 more distinct queries: 141 in all, each counted once.
  for (size_t q = kEval + 40; q < kEval + 140; ++q) {
    (void)index->Search(all.query(q), kK, 32);
    (void)index->Search(all.row(123), kK, 32);
  }
  for (int i = 0; i < 4; ++i) {
    (void)index->EfForRecall(kTarget, kK);
    index->WaitForCalibration();
  }
  EXPECT_EQ(calibrated_on(), 141u);
  const uint32_t later = index->EfForRecall(kTarget, kK);
  EXPECT_GE(unseen_recall(later), kTarget - 0.01) << "ef " << later;
}

TEST(HnswTest, MemoryStatsCountTraversalAndRescoringSeparately) {
  const Data d = Clustered(2000, 1, 64, 9);
  auto flat = Build(d, Metric::kEuclidean, QuantizerKind::kNone);
  auto sq8 = Build(d, Metric::kEuclidean, QuantizerKind::kSq8);
  auto bq = Build(d, Metric::kEuclidean, QuantizerKind::kBinary);
  const HnswMemoryStats f = flat->MemoryStats(), s = sq8->MemoryStats(), b = bq->MemoryStats();
  EXPECT_GE(f.traversal_bytes_per_vector, 64 * 4 + 33 * 4);
  EXPECT_EQ(f.rescoring_bytes_per_vector, 0);
  EXPECT_LT(s.traversal_bytes_per_vector, 64 + 33 * 4 + 40);
  EXPECT_EQ(s.rescoring_bytes_per_vector, 64 * 4);
  EXPECT_LT(b.traversal_bytes_per_vector, s.traversal_bytes_per_vector);
  EXPECT_GT(f.total_bytes, 0u);
}

}  // namespace
}  // namespace semble::index
