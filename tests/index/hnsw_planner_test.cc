// Copyright 2026 The semble Authors.
//
// The filter planner (HnswIndex::PlanFilter, EstimateFilterCost): the plan it picks keeps recall at
// every selectivity, and the choice moves the way its cost model says. Correctness only; the
// model's speed claims are measured in bench/filtered_bench.cc.

#include <cmath>
#include <numeric>
#include <random>
#include <tuple>

#include "gtest/gtest.h"
#include "index/flat_index.h"
#include "index/hnsw_index.h"
#include "index/hnsw_test_util.h"

namespace semble::index {
namespace {

using testing::Clustered;
using testing::Data;
using testing::Filter;
using testing::Geometric;
using testing::Iota;
using testing::MakeIndex;
using testing::Recall;
using testing::Uniform;

constexpr size_t kK = 10;
constexpr double kSelectivities[] = {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0};

// The database's use of the planner: the plan for this filter at list size ef, then that plan.
std::vector<Hit> Planned(const HnswIndex& index, const float* q, const Filter& f, uint32_t ef) {
  if (index.PlanFilter(f.matching.size(), f.matching.size(), kK, ef) == FilterPlan::kExact) {
    return index.SearchSlots(q, kK, f.matching);
  }
  return index.SearchFiltered(
      q, kK, ef, [&](uint32_t slot) { return f.allowed[slot] != 0; },
      static_cast<double>(f.matching.size()) / static_cast<double>(index.size()));
}

// Mean recall@10 of the planned query over d's queries, truth exact over the matches.
double PlannedRecall(const HnswIndex& index, const FlatIndex& flat, const Data& d, const Filter& f,
                     uint32_t ef, bool* walked) {
  *walked = index.PlanFilter(f.matching.size(), f.matching.size(), kK, ef) == FilterPlan::kGraph;
  double sum = 0;
  for (size_t i = 0; i < d.nq; ++i) {
    const std::vector<Hit> got = Planned(index, d.query(i), f, ef);
    for (const Hit& h : got) EXPECT_TRUE(f.allowed[h.slot]) << "a filtered-out slot came back";
    sum += Recall(flat.SearchSlots(d.query(i), kK, f.matching), got, kK);
  }
  return sum / d.nq;
}

// Recall held at every selectivity, on a filter drawn at random and one that follows the geometry,
// for a query at a given ef and for one asking for a recall. A query at ef must get at least what
// an unfiltered query gets at that ef (what the index promises without a filter); one asking for
// 0.95 gets the calibration's ef, and its filtered answer must reach 0.95 as well. A sparse graph
// (M 8, efConstruction 64) and a small ef, so that the walk's recall has room to fall.
TEST(HnswFilterPlanTest, PlannedQueryKeepsRecallAtEverySelectivity) {
  const Data d = Clustered(20000, 200, 48, 41);
  for (QuantizerKind q : {QuantizerKind::kNone, QuantizerKind::kSq8}) {
    SCOPED_TRACE(q == QuantizerKind::kNone ? "f32" : "sq8");
    auto index = MakeIndex(d.dims, Metric::kEuclidean, q, 8, 64);
    // One thread: the same graph every run, so the recall bounds below (no slack) hold or fail
    // for the code, not for the interleaving of a parallel build.
    ASSERT_TRUE(index->AddBatch(Iota(d.n), d.base.data(), 1).ok());
    FlatIndex flat(d.dims, Metric::kEuclidean);
    for (size_t i = 0; i < d.n; ++i) flat.Set(static_cast<uint32_t>(i), d.row(i));
    const std::vector<uint32_t> all = Iota(d.n);
    const uint32_t ef95 = index->EfForRecall(0.95f, kK);
    size_t walks = 0;
    for (uint32_t ef : {10u, 16u, ef95}) {
      double target = 0.95;
      if (ef != ef95) {
        double sum = 0;
        for (size_t i = 0; i < d.nq; ++i) {
          sum +=
              Recall(flat.SearchSlots(d.query(i), kK, all), index->Search(d.query(i), kK, ef), kK);
        }
        target = sum / d.nq;
      }
      for (double s : kSelectivities) {
        for (bool geometric : {false, true}) {
          const Filter f = geometric ? Geometric(d, s) : Uniform(d.n, s, 7);
          SCOPED_TRACE(::testing::Message()
                       << "ef " << ef << ", selectivity " << s << (geometric ? ", geometric" : ""));
          bool walked;
          EXPECT_GE(PlannedRecall(*index, flat, d, f, ef, &walked), target);
          walks += walked;
        }
      }
    }
    EXPECT_GT(walks, 0u) << "the walk was never planned: this test would not see its recall";
  }
}

// The plan moves one way with each input: more matches favour the walk, a larger ef favours the
// exact scan, and so does a cheaper listing (fewer candidates to check).
TEST(HnswFilterPlanTest, PlanIsMonotone) {
  const Data d = Clustered(20000, 1, 16, 5);
  auto index = MakeIndex(d.dims, Metric::kEuclidean, QuantizerKind::kNone, 16, 100);
  ASSERT_TRUE(index->AddBatch(Iota(d.n), d.base.data(), 2).ok());
  for (uint32_t ef : {10u, 64u, 400u}) {
    bool seen_walk = false;
    for (size_t m = 1; m <= d.n; m += 97) {
      const bool walk = index->PlanFilter(m, m, kK, ef) == FilterPlan::kGraph;
      EXPECT_TRUE(walk || !seen_walk) << "exact again at " << m << " matches, ef " << ef;
      seen_walk |= walk;
    }
    EXPECT_EQ(index->PlanFilter(kK, kK, kK, ef), FilterPlan::kExact);
    EXPECT_EQ(index->PlanFilter(d.n, d.n, kK, ef), FilterPlan::kGraph) << "ef " << ef;
  }
  for (size_t m : {100u, 1000u, 3000u, 10000u}) {
    bool seen_exact = false;
    for (uint32_t ef = 10; ef <= 4000; ef += 13) {
      const bool exact = index->PlanFilter(m, m, kK, ef) == FilterPlan::kExact;
      EXPECT_TRUE(exact || !seen_exact) << "walk again at ef " << ef << ", " << m << " matches";
      seen_exact |= exact;
    }
    // Checking the filter on every vector (no metadata index) makes the exact plan dearer.
    for (uint32_t ef : {16u, 64u, 256u}) {
      if (index->PlanFilter(m, d.n, kK, ef) == FilterPlan::kExact) {
        EXPECT_EQ(index->PlanFilter(m, m, kK, ef), FilterPlan::kExact) << m << " at ef " << ef;
      }
    }
  }
}

// The plan moves one way with selectivity on indexes shaped like the two measured data sets
// (ModelFilterCost: the same model without building them), at every ef a query may ask for:
// exact below one switch point, the walk above it, never back.
TEST(HnswFilterPlanTest, PlanIsMonotoneInSelectivityAtMeasuredShapes) {
  struct Shape {
    size_t n;
    uint32_t dims;
    bool bounded = false;
  };
  for (const Shape& shape :
       {Shape{60000, 784}, Shape{331436, 100}, Shape{20000, 16}, Shape{1000000, 1536},
        Shape{100000, 384, true}, Shape{60000, 784, true}, Shape{1000000, 1536, true}}) {
    for (uint32_t ef : {10u, 14u, 26u, 64u, 128u, 400u}) {
      bool seen_walk = false;
      for (double s = 0.0005; s <= 1.0; s *= 1.05) {
        const size_t m = static_cast<size_t>(s * shape.n);
        const auto c = HnswIndex::ModelFilterCost(shape.n, shape.dims, m, m, ef, shape.bounded);
        const bool walk = c.walk < c.exact;
        EXPECT_TRUE(walk || !seen_walk)
            << "exact again at selectivity " << s << ", ef " << ef << ", n " << shape.n;
        seen_walk |= walk;
      }
      EXPECT_TRUE(seen_walk) << "never the walk at ef " << ef << ", n " << shape.n;
    }
  }
}

// The decisions the model was fitted to, where the measured margin was clear (>= 1.5x between the
// two plans forced through the database, bench/RESULTS.md "Filtered search by selectivity"): a
// change of constants that flips one of these contradicts a measurement. Near-ties (Fashion 5% at
// ef 12-16, GloVe 2% at ef 16) are left out on purpose: there either plan is right.
TEST(HnswFilterPlanTest, ModelAgreesWithClearMeasuredDecisions) {
  struct Point {
    size_t n;
    uint32_t dims;
    double s;
    uint32_t ef;
    FilterPlan faster;
    bool bound_codes = false;
    // The matches listed by the metadata indexes alone (candidates 0), as measured with codes.
    bool listed_by_index = false;
  };
  constexpr size_t kFashion = 60000, kGlove = 331436, kMiniLm = 100000;
  const Point points[] = {
      // Fashion-MNIST-784: exact to 5% at ef 32 and above, the walk from 10% at any ef.
      {kFashion, 784, 0.01, 14, FilterPlan::kExact},
      {kFashion, 784, 0.02, 12, FilterPlan::kExact},
      {kFashion, 784, 0.05, 32, FilterPlan::kExact},
      {kFashion, 784, 0.05, 64, FilterPlan::kExact},
      {kFashion, 784, 0.10, 12, FilterPlan::kGraph},
      {kFashion, 784, 0.10, 64, FilterPlan::kGraph},
      {kFashion, 784, 0.20, 64, FilterPlan::kGraph},
      // GloVe-100: exact to 2% at ef 26 and above, the walk from 5% at any ef.
      {kGlove, 100, 0.01, 16, FilterPlan::kExact},
      {kGlove, 100, 0.02, 26, FilterPlan::kExact},
      {kGlove, 100, 0.02, 64, FilterPlan::kExact},
      {kGlove, 100, 0.05, 16, FilterPlan::kGraph},
      {kGlove, 100, 0.05, 64, FilterPlan::kGraph},
      {kGlove, 100, 0.10, 128, FilterPlan::kGraph},
      // With bound codes (hnsw,lb8) the exact scan reads the codes: MiniLM-384 (the default
      // model's vectors) exact to 10% at ef 64 (2.4x, 1.7x the walk), the walk from 20% (2.4x,
      // 1.9x); Fashion exact at 5%, the walk at 20% (2.2x and more).
      {kMiniLm, 384, 0.05, 64, FilterPlan::kExact, true, true},
      {kMiniLm, 384, 0.10, 64, FilterPlan::kExact, true, true},
      {kMiniLm, 384, 0.20, 64, FilterPlan::kGraph, true, true},
      {kFashion, 784, 0.05, 64, FilterPlan::kExact, true, true},
      {kFashion, 784, 0.20, 64, FilterPlan::kGraph, true, true},
      // Under the 1.5x rule (1.36x), kept because a model counting only the codes' bytes picked
      // the slower plan here: MiniLM 20% at ef 192, walk 472 QPS against exact 348.
      {kMiniLm, 384, 0.20, 192, FilterPlan::kGraph, true, true},
  };
  for (const Point& p : points) {
    const size_t m = static_cast<size_t>(p.s * p.n);
    const auto c =
        HnswIndex::ModelFilterCost(p.n, p.dims, m, p.listed_by_index ? 0 : m, p.ef, p.bound_codes);
    const FilterPlan picked = c.exact <= c.walk ? FilterPlan::kExact : FilterPlan::kGraph;
    EXPECT_EQ(picked, p.faster) << "n " << p.n << ", selectivity " << p.s << ", ef " << p.ef
                                << ": exact " << c.exact << " us, walk " << c.walk << " us";
  }
}

// The exact scan costs more per match once the matching set outgrows the cache, and more for
// longer vectors: per match it is never cheaper for a larger set or a larger dimension.
TEST(HnswFilterPlanTest, ExactCostPerMatchGrowsWithBytesTouched) {
  for (uint32_t dims : {16u, 100u, 784u, 1536u}) {
    double last = 0;
    for (size_t m = 100; m <= 1000000; m = m * 3 / 2) {
      const double per = HnswIndex::ModelFilterCost(2000000, dims, m, m, 64).exact / m;
      EXPECT_GE(per, last - 1e-12) << m << " matches, " << dims << " dims";
      last = per;
    }
    const double small = HnswIndex::ModelFilterCost(2000000, dims, 100, 100, 64).exact / 100;
    EXPECT_GT(last, 2 * small) << dims << " dims: no cache effect";
  }
  for (size_t m : {1000u, 10000u, 100000u}) {
    EXPECT_LE(HnswIndex::ModelFilterCost(2000000, 100, m, m, 64).exact,
              HnswIndex::ModelFilterCost(2000000, 784, m, m, 64).exact);
  }
}

// The model's shape: the walk's cost depends on its list over the selectivity only (the list is
// ef from FilteredList::kScattered up, shorter under it), grows with it, and has no finite value
// when the list can never fill; the exact scan's grows with matches and candidates.
TEST(HnswFilterPlanTest, CostModelFollowsEfOverSelectivity) {
  const Data d = Clustered(20000, 1, 16, 6);
  auto index = MakeIndex(d.dims, Metric::kEuclidean, QuantizerKind::kNone, 16, 100);
  ASSERT_TRUE(index->AddBatch(Iota(d.n), d.base.data(), 2).ok());
  const auto a = index->EstimateFilterCost(8000, 8000, 32);
  const auto b = index->EstimateFilterCost(16000, 16000, 64);
  EXPECT_NEAR(a.walk, b.walk, 1e-9 * a.walk);
  EXPECT_LT(index->EstimateFilterCost(16000, 16000, 32).walk, a.walk);
  // Under kScattered the list is shorter than ef but longer than a quarter of it: 1,000 matches
  // (5%) at ef 64 cost what a list of 16 to 32 would, i.e. between 40% at ef 128 and at ef 256.
  const auto c = index->EstimateFilterCost(1000, 1000, 64);
  EXPECT_LT(c.walk, index->EstimateFilterCost(8000, 8000, 256).walk);
  EXPECT_GT(c.walk, index->EstimateFilterCost(8000, 8000, 128).walk);
  EXPECT_GT(index->EstimateFilterCost(1000, 1000, 32).walk, a.walk);
  EXPECT_GT(b.exact, a.exact);
  EXPECT_GT(index->EstimateFilterCost(1000, 20000, 32).exact, a.exact);
  EXPECT_TRUE(std::isinf(index->EstimateFilterCost(50, 50, 64).walk));
  EXPECT_EQ(index->PlanFilter(50, 50, kK, 64), FilterPlan::kExact);
}

// A filter the metadata indexes answer exactly is listed without reading any record (candidates
// 0): the exact scan costs less than the same listing with a check per candidate, and less than
// with a check per match only, while the walk's estimate does not change. At GloVe's shape at
// 3% (331,436 x 100, 10,000 matches, ef 64) that moves the pick to the exact scan. (At 5%, then
// 4.5%, it moved it before the walk's list shrank further for scattered matches; since, the walk
// is picked there either way, as it ran faster there on a Zen 4 guest: bench/RESULTS.md, "The
// planner learns this machine's costs" and "Shorter still where the matches are rarer".)
TEST(HnswFilterPlanTest, AListingThatReadsNoRecordCostsLess) {
  for (const auto& [size, dims, m] : {std::tuple<size_t, uint32_t, size_t>{331436, 100, 16600},
                                      {60000, 784, 3000},
                                      {60000, 784, 30000},
                                      {1000000, 384, 2000}}) {
    const auto checked = HnswIndex::ModelFilterCost(size, dims, m, m, 64);
    const auto unread = HnswIndex::ModelFilterCost(size, dims, m, 0, 64);
    EXPECT_LT(unread.exact, checked.exact) << size << " " << m;
    EXPECT_EQ(unread.walk, checked.walk) << size << " " << m;
  }
  EXPECT_GT(HnswIndex::ModelFilterCost(331436, 100, 10000, 10000, 64).exact,
            HnswIndex::ModelFilterCost(331436, 100, 10000, 10000, 64).walk);
  EXPECT_LT(HnswIndex::ModelFilterCost(331436, 100, 10000, 0, 64).exact,
            HnswIndex::ModelFilterCost(331436, 100, 10000, 0, 64).walk);
}

}  // namespace
}  // namespace semble::index
