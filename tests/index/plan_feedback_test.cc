// Copyright 2026 The semble Authors.
//
// PlanFeedback (src/index/plan_feedback.h): the planner's learned correction of its cost model,
// and HnswIndex::PlanFilter following it.

#include "index/plan_feedback.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "index/hnsw_index.h"
#include "index/hnsw_test_util.h"
#include "index/index_factory.h"
#include "index/vector_index.h"

namespace semble::index {
namespace {

constexpr PlanFeedback::Plan kExact = PlanFeedback::kExact;
constexpr PlanFeedback::Plan kWalk = PlanFeedback::kWalk;

// A query of `matches` for the exact scan's bins and `walk_nodes` for the walk's.
PlanFeedback::Size At(double matches, double walk_nodes) { return {matches, walk_nodes}; }

TEST(PlanFeedbackTest, WithoutObservationsTheModelStands) {
  PlanFeedback f;
  // Observations of other families, sizes or meaningless ones do not count for this one.
  f.Observe(kWalk, true, At(0, 1000), 10, 20);
  f.Observe(kExact, false, At(1000, 0), 0, 20);
  for (double x : {0.0, 1.0, 3.0, 1e3, 1e9, 1e30}) {
    EXPECT_EQ(f.Correction(kExact, false, x), 1.0) << x;
    EXPECT_EQ(f.Correction(kWalk, false, x), 1.0) << x;
    EXPECT_EQ(f.Correction(kExact, true, x), 1.0) << x;
  }
}

// One observation moves a prediction part of the way (the prior), many nearly all of it.
TEST(PlanFeedbackTest, ObservationsPullThePredictionTowardsWhatRan) {
  PlanFeedback f;
  f.Observe(kWalk, false, At(0, 1000), 400, 200);  // ran in half the predicted time
  const double one = f.Correction(kWalk, false, 1000);
  EXPECT_NEAR(one, std::sqrt(0.5), 1e-9);  // weight 1 against the prior's 1, in log space
  for (int i = 0; i < 100; ++i) f.Observe(kWalk, false, At(0, 1000), 400, 200);
  const double many = f.Correction(kWalk, false, 1000);
  EXPECT_GT(many, 0.5);
  EXPECT_LT(many, 0.5 * std::pow(2.0, 1.0 / 32));  // within a 33rd of the log of the ratio
  // The other plan, and the same plan reading records, are untouched.
  EXPECT_EQ(f.Correction(kExact, false, 1000), 1.0);
  EXPECT_EQ(f.Correction(kWalk, true, 1000), 1.0);
}

// A size never run borrows from the nearest sizes that were: the further away, the less.
TEST(PlanFeedbackTest, NeighbouringSizesBorrowLessWithDistance) {
  PlanFeedback f;
  for (int i = 0; i < 32; ++i) f.Observe(kExact, true, At(1 << 12, 0), 100, 300);
  double previous = f.Correction(kExact, true, 1 << 12);
  EXPECT_GT(previous, 2.8);
  for (int bins = 1; bins <= 8; ++bins) {
    const double up = f.Correction(kExact, true, std::ldexp(1.0, 12 + bins));
    const double down = f.Correction(kExact, true, std::ldexp(1.0, 12 - bins));
    EXPECT_LT(up, previous) << bins;
    EXPECT_GT(up, 1.0) << bins;
    EXPECT_DOUBLE_EQ(up, down) << bins;  // symmetric in bins
    previous = up;
  }
  EXPECT_LT(previous, 1.02);  // 8 bins away: e^-8 of the weight
  // A nearer measured size outweighs a farther one.
  for (int i = 0; i < 32; ++i) f.Observe(kExact, true, At(1 << 20, 0), 100, 25);
  EXPECT_GT(f.Correction(kExact, true, 1 << 14), 1.5);
  EXPECT_LT(f.Correction(kExact, true, 1 << 18), 0.5);
}

// The running mean forgets: after the machine changes, kWindow-ish observations move it over.
TEST(PlanFeedbackTest, TheMeanFollowsAChangeOfSpeed) {
  PlanFeedback f;
  for (int i = 0; i < 200; ++i) f.Observe(kWalk, false, At(0, 5000), 100, 50);
  EXPECT_LT(f.Correction(kWalk, false, 5000), 0.52);
  for (int i = 0; i < 200; ++i) f.Observe(kWalk, false, At(0, 5000), 100, 100);
  EXPECT_NEAR(f.Correction(kWalk, false, 5000), 1.0, 0.01);
}

// The plan that lost is never run, so never measured: each run of the other plan at that size
// ages its bin, until its old measurement no longer counts. Other sizes keep theirs.
TEST(PlanFeedbackTest, RunsOfOnePlanAgeTheOtherPlansMeasurementAtThatSize) {
  PlanFeedback f;
  for (int i = 0; i < 32; ++i) f.Observe(kExact, false, At(1 << 10, 0), 100, 300);
  for (int i = 0; i < 32; ++i) f.Observe(kExact, false, At(1 << 20, 0), 100, 300);
  const double stale = f.Correction(kExact, false, 1 << 10);
  EXPECT_GT(stale, 2.8);
  // The walk runs instead, at a query of the same matches.
  for (int i = 0; i < 320; ++i) f.Observe(kWalk, false, At(1 << 10, 700), 50, 50);
  const double aged = f.Correction(kExact, false, 1 << 10);
  EXPECT_LT(aged, stale);
  EXPECT_GT(aged, 2.0);  // weight 22 of 32 left
  for (int i = 0; i < 800; ++i) f.Observe(kWalk, false, At(1 << 10, 700), 50, 50);
  // Forgotten: what is left borrows from the far bin (10 bins away) and the prior.
  EXPECT_LT(f.Correction(kExact, false, 1 << 10), 1.01);
  EXPECT_GT(f.Correction(kExact, false, 1 << 20), 2.8);  // never aged: no walk ran there
  // A new measurement at the forgotten size starts afresh.
  f.Observe(kExact, false, At(1 << 10, 700), 100, 50);
  EXPECT_NEAR(f.Correction(kExact, false, 1 << 10), std::sqrt(0.5), 0.01);
  // A query whose walk could not run (no walk size) ages nothing.
  PlanFeedback g;
  for (int i = 0; i < 32; ++i) g.Observe(kWalk, false, At(0, 1 << 10), 100, 300);
  const double before = g.Correction(kWalk, false, 1 << 10);
  for (int i = 0; i < 2000; ++i) g.Observe(kExact, false, At(5000, 0), 50, 50);
  EXPECT_EQ(g.Correction(kWalk, false, 1 << 10), before);
}

// One query that took 1,000x its prediction (preempted, a page fault storm) barely moves a settled
// bin, and no run of them takes a correction past 8x.
TEST(PlanFeedbackTest, OutliersAreBounded) {
  PlanFeedback f;
  for (int i = 0; i < 32; ++i) f.Observe(kExact, false, At(300, 0), 10, 10);
  f.Observe(kExact, false, At(300, 0), 10, 10000);
  EXPECT_LE(f.Correction(kExact, false, 300), std::pow(4.0, 1.0 / 32) + 1e-12);
  EXPECT_GT(f.Correction(kExact, false, 300), 1.0);
  PlanFeedback g;
  for (int i = 0; i < 1000; ++i) g.Observe(kWalk, false, At(0, 300), 1, 1e6);
  EXPECT_LE(g.Correction(kWalk, false, 300), 8.0 + 1e-9);
  for (int i = 0; i < 1000; ++i) g.Observe(kExact, false, At(300, 0), 1e6, 1e-3);
  EXPECT_GE(g.Correction(kExact, false, 300), 1.0 / 8 - 1e-12);
}

TEST(PlanFeedbackTest, MeaninglessObservationsAreIgnored) {
  PlanFeedback f;
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (double predicted : {0.0, -1.0, inf, nan, 5.0}) {
    for (double observed : {0.0, -1.0, inf, nan}) {
      f.Observe(kWalk, false, At(0, 100), predicted, observed);
      f.Observe(kWalk, false, At(0, 100), observed, predicted);
    }
  }
  EXPECT_EQ(f.Correction(kWalk, false, 100), 1.0);
  // Sizes outside the bins land in the end bins, and still count.
  f.Observe(kWalk, false, At(0, nan), 1, 2);
  f.Observe(kWalk, false, At(0, 1e300), 1, 2);
  EXPECT_GT(f.Correction(kWalk, false, 0), 1.0);
  EXPECT_GT(f.Correction(kWalk, false, inf), 1.0);
}

TEST(PlanFeedbackTest, ConcurrentObserversAndReaders) {
  PlanFeedback f;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&f, t] {
      for (int i = 0; i < 20000; ++i) {
        // Each plan at its own size only, so that neither ages the other's bins: the final
        // state is the same whatever the threads' interleaving.
        const double size = 64 << (i % 8);
        if (t % 2 == 0) {
          f.Observe(kExact, false, At(size, 0), 10, 20);
        } else {
          f.Observe(kWalk, false, At(0, size), 10, 20);
        }
        const double c = f.Correction(kExact, false, size);
        ASSERT_GE(c, 1.0);
        ASSERT_LE(c, 2.0 + 1e-9);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_GT(f.Correction(kExact, false, 64), 1.8);
}

// The planner follows what ran: a filter the model sends to the exact scan goes to the walk once
// walks of that size have run faster than predicted and scans slower, and back again when the
// measurements turn; a fresh index keeps the model's choice.
TEST(PlanFeedbackTest, PlanFilterFollowsObservedCosts) {
  const testing::Data d = testing::Clustered(20000, 1, 16, 5);
  auto index = testing::MakeIndex(d.dims, Metric::kEuclidean, QuantizerKind::kNone, 16, 100);
  ASSERT_TRUE(index->AddBatch(testing::Iota(d.n), d.base.data(), 2).ok());
  constexpr size_t kK = 10;
  constexpr uint32_t kEf = 64;
  // The largest match count the model still scans exactly.
  size_t m = 0;
  for (size_t c = kEf + 1; c <= d.n; c += 10) {
    if (index->PlanFilter(c, c, kK, kEf) == FilterPlan::kExact) m = c;
  }
  ASSERT_GT(m, kEf) << "the model never scans";
  ASSERT_LT(m, d.n - 10) << "the model never walks";
  const HnswIndex::FilterCost model = HnswIndex::ModelFilterCost(index->size(), d.dims, m, m, kEf);
  ASSERT_TRUE(std::isfinite(model.walk));
  // Walks at this size took a third of the prediction, scans twice theirs.
  for (int i = 0; i < 32; ++i) {
    index->ObserveFilterPlan(FilterPlan::kGraph, m, m, kK, kEf, model.walk / 3);
    index->ObserveFilterPlan(FilterPlan::kExact, m, m, kK, kEf, model.exact * 2);
  }
  EXPECT_EQ(index->PlanFilter(m, m, kK, kEf), FilterPlan::kGraph);
  const HnswIndex::FilterCost learned = index->EstimateFilterCost(m, m, kEf);
  EXPECT_LT(learned.walk, model.walk / 2.5);
  EXPECT_GT(learned.exact, model.exact * 1.8);
  // Far fewer matches still go to the exact scan: the corrections fade with distance in size.
  const size_t few = std::max<size_t>(m / 16, kEf + 1);
  EXPECT_EQ(index->PlanFilter(few, few, kK, kEf), FilterPlan::kExact);
  // Then walks there turn slow: back to the scan.
  for (int i = 0; i < 64; ++i) {
    index->ObserveFilterPlan(FilterPlan::kGraph, m, m, kK, kEf, model.walk * 4);
  }
  EXPECT_EQ(index->PlanFilter(m, m, kK, kEf), FilterPlan::kExact);
  // At most k matches there is no model to correct: always the scan.
  index->ObserveFilterPlan(FilterPlan::kExact, kK, kK, kK, kEf, 1e9);
  EXPECT_EQ(index->PlanFilter(kK, kK, kK, kEf), FilterPlan::kExact);
  // A fresh index of the same data plans by the model alone.
  auto fresh = testing::MakeIndex(d.dims, Metric::kEuclidean, QuantizerKind::kNone, 16, 100);
  ASSERT_TRUE(fresh->AddBatch(testing::Iota(d.n), d.base.data(), 2).ok());
  EXPECT_EQ(fresh->PlanFilter(m, m, kK, kEf), FilterPlan::kExact);
  EXPECT_EQ(fresh->PlanFilter(m + 10, m + 10, kK, kEf), FilterPlan::kGraph);
}

// PlanFilter decides plans far apart without the corrections (they cannot swing an order of more
// than 64x): its answer is the corrected costs' order at every size, before any learning and
// with every correction at its bound either way.
TEST(PlanFeedbackTest, PlanFilterIsTheCorrectedCostsOrderAtEverySize) {
  const testing::Data d = testing::Clustered(20000, 1, 16, 3);
  constexpr size_t kK = 10;
  for (int state = 0; state < 3; ++state) {
    auto index = testing::MakeIndex(d.dims, Metric::kEuclidean, QuantizerKind::kNone, 16, 100);
    ASSERT_TRUE(index->AddBatch(testing::Iota(d.n), d.base.data(), 2).ok());
    if (state > 0) {
      // Every bin of both plans pushed to its bound: walks 8x slower and scans 8x faster than
      // predicted (state 1), or the reverse (state 2).
      for (size_t m = kK + 1; m < d.n; m = m * 5 / 4 + 1) {
        for (uint32_t ef : {16u, 64u, 400u}) {
          const HnswIndex::FilterCost c = HnswIndex::ModelFilterCost(d.n, d.dims, m, m, ef);
          for (int i = 0; i < 40; ++i) {
            index->ObserveFilterPlan(FilterPlan::kExact, m, m, kK, ef,
                                     state == 1 ? c.exact / 100 : c.exact * 100);
            if (std::isfinite(c.walk)) {
              index->ObserveFilterPlan(FilterPlan::kGraph, m, m, kK, ef,
                                       state == 1 ? c.walk * 100 : c.walk / 100);
            }
          }
        }
      }
    }
    size_t flips = 0;
    for (uint32_t ef : {10u, 16u, 64u, 400u}) {
      for (size_t m = kK + 1; m <= d.n; m += 37) {
        const HnswIndex::FilterCost c = index->EstimateFilterCost(m, m, ef);
        const FilterPlan want = c.exact <= c.walk ? FilterPlan::kExact : FilterPlan::kGraph;
        ASSERT_EQ(index->PlanFilter(m, m, kK, ef), want)
            << "state " << state << ", " << m << " matches at ef " << ef;
        const HnswIndex::FilterCost model = HnswIndex::ModelFilterCost(d.n, d.dims, m, m, ef);
        flips += (model.exact <= model.walk) != (want == FilterPlan::kExact) ? 1 : 0;
      }
    }
    // The learned states do move plans (so the check above compared something).
    if (state == 0) {
      EXPECT_EQ(flips, 0u);
    } else {
      EXPECT_GT(flips, 10u) << "state " << state;
    }
  }
}

// The database's side: the vector index type forwards what its plans took to the graph's planner,
// and an index still small enough to be scanned exactly learns nothing (no model was asked).
TEST(PlanFeedbackTest, TheVectorIndexLearnsFromItsFilteredQueries) {
  const testing::Data d = testing::Clustered(20000, 1, 16, 7);
  auto spec = ParseIndexSpec("hnsw,m=16,efc=100", d.dims, Metric::kEuclidean);
  ASSERT_TRUE(spec.ok());
  auto graph = NewVectorIndex(*spec, /*exact_below=*/0);
  ASSERT_TRUE(graph.ok());
  ASSERT_TRUE((*graph)->SetBatch(testing::Iota(d.n), d.base.data()).ok());
  (*graph)->WaitForBacklogAtMost(0);
  ASSERT_EQ((*graph)->Unindexed(), 0u);
  constexpr size_t kK = 10;
  SearchParams params;
  params.ef = 64;
  size_t m = 0;
  for (size_t c = params.ef + 1; c <= d.n; c += 10) {
    if ((*graph)->PreferExactForFilter(c, c, kK, params)) m = c;
  }
  ASSERT_GT(m, params.ef);
  ASSERT_LT(m, d.n - 10);
  const HnswIndex::FilterCost model = HnswIndex::ModelFilterCost(d.n, d.dims, m, m, params.ef);
  for (int i = 0; i < 32; ++i) {
    (*graph)->ObserveFilterPlan(false, m, m, kK, params, model.walk / 3);
    (*graph)->ObserveFilterPlan(true, m, m, kK, params, model.exact * 2);
  }
  EXPECT_FALSE((*graph)->PreferExactForFilter(m, m, kK, params));

  // Below exact_below every filter is scanned, and observations do not reach the planner: once the
  // threshold is passed, the plan is the model's.
  auto small = NewVectorIndex(*spec, /*exact_below=*/d.n);
  ASSERT_TRUE(small.ok());
  ASSERT_TRUE((*small)->SetBatch(testing::Iota(d.n - 1), d.base.data()).ok());
  (*small)->WaitForBacklogAtMost(0);
  for (int i = 0; i < 32; ++i) {
    (*small)->ObserveFilterPlan(false, m, m, kK, params, model.walk / 3);
    (*small)->ObserveFilterPlan(true, m, m, kK, params, model.exact * 2);
  }
  EXPECT_TRUE((*small)->PreferExactForFilter(m, m, kK, params));
  ASSERT_TRUE((*small)->Set(d.n - 1, d.base.data() + (d.n - 1) * d.dims).ok());
  (*small)->WaitForBacklogAtMost(0);
  ASSERT_EQ((*small)->size(), d.n);
  EXPECT_TRUE((*small)->PreferExactForFilter(m, m, kK, params));  // the model's, unlearned
  EXPECT_FALSE((*small)->PreferExactForFilter(m + 10, m + 10, kK, params));
}

}  // namespace
}  // namespace semble::index
