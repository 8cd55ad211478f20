// Copyright 2026 The semble Authors.
//
// Approximate indexes inside the database: recall against brute force for every metric and
// quantizer, filtered recall across selectivities (the planner), deletes and re-inserts, and
// identical results after reopening from a checkpoint (stored graph) or from the WAL.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "db/collection.h"
#include "db/db_stats.h"
#include "db/db_test_util.h"
#include "semble/database.h"
#include "util/test_util.h"

namespace semble {
namespace {

using test::MakeRecord;
using test::RandomVector;

constexpr uint32_t kDims = 24;
constexpr int kCount = 4000;

using Written = std::map<std::string, std::vector<float>>;

// Every id of `written`.
std::vector<std::string> AllIds(const Written& written) {
  std::vector<std::string> ids;
  for (const auto& [id, values] : written) ids.push_back(id);
  return ids;
}

// `ids` (all of them stored) read back from `index` with the values `written` holds for them.
void ExpectReadBack(Index& index, const Written& written, const std::vector<std::string>& ids) {
  auto got = index.GetByIds(ids);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), ids.size());
  for (const VectorRecord& r : *got) {
    const auto it = written.find(r.id);
    ASSERT_NE(it, written.end()) << r.id << " was never written";
    EXPECT_EQ(r.values, it->second) << r.id;
  }
}

struct Case {
  Metric metric;
  const char* type;
};

class HnswDbTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    options_.exact_search_below = 0;  // always walk the graph, even at test sizes
    Reopen();
    auto index = db_->CreateIndex({"h", "", {kDims, GetParam().metric, GetParam().type}});
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    // Clustered data (like real embeddings), with a "bucket" metadata field for filters.
    std::mt19937 rng(11);
    std::vector<std::vector<float>> centers;
    for (int c = 0; c < 20; ++c) centers.push_back(RandomVector(rng, kDims));
    std::normal_distribution<float> noise(0, 0.35f);
    for (int i = 0; i < kCount; ++i) {
      std::vector<float> v = centers[i % centers.size()];
      for (float& x : v) x += noise(rng);
      records_.push_back(MakeRecord("v" + std::to_string(i), v, "",
                                    R"({"bucket":)" + std::to_string(i % 1000) + "}"));
    }
    for (int i = 0; i < kCount; i += 500) {
      ASSERT_TRUE((*index)->Insert(std::span(records_).subspan(i, 500)).ok());
    }
  }

  void Reopen() {
    db_.reset();
    auto db = Database::Open(options_, dir_.path());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    WaitIndexed();
  }
  std::shared_ptr<Index> Ix() { return *db_->GetIndex("h"); }

  // Waits until the background graph build has taken in every vector, so that two runs compare
  // graphs rather than build timings. Results do not depend on it (buffered vectors are searched
  // exactly); only the exact-equality checks across reopen do.
  void WaitIndexed() {
    auto index = db_->GetIndex("h");
    if (!index.ok()) return;
    Status s = test::WaitUntilIndexed(index->get());
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // Mean recall@10 over queries near the data, restricted to records passing `keep`.
  double Recall(const std::string& filter, const std::function<bool(int)>& keep,
                std::vector<std::string>* ids_out = nullptr) {
    std::mt19937 rng(5);
    std::vector<VectorRecord> pool;
    for (int i = 0; i < kCount; ++i) {
      if (keep(i) && present_.count(i) == 0) pool.push_back(records_[i]);
    }
    double sum = 0;
    const int queries = 40;
    for (int t = 0; t < queries; ++t) {
      QueryRequest q;
      q.vector = records_[(t * 97) % kCount].values;
      for (float& x : q.vector) x += std::normal_distribution<float>(0, 0.2f)(rng);
      q.top_k = 10;
      q.filter_json = filter;
      auto r = Ix()->Query(q);
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      if (!r.ok()) return 0;
      auto truth = test::ReferenceTopK(GetParam().metric, q.vector, pool, 10);
      std::set<std::string> want;
      for (const auto& h : truth) want.insert(h.id);
      int hit = 0;
      for (const QueryMatch& m : r->matches) {
        hit += want.count(m.id);
        int i = std::stoi(m.id.substr(1));
        EXPECT_TRUE(keep(i)) << "a match that fails the filter: " << m.id;
        // Scores are exact even when the graph was walked on codes.
        EXPECT_NEAR(m.score, test::ReferenceScore(GetParam().metric, q.vector, records_[i].values),
                    1e-3 * (1 + std::abs(m.score)));
        if (ids_out != nullptr) ids_out->push_back(m.id + ":" + std::to_string(m.score));
      }
      sum += double(hit) / double(want.size());
    }
    return sum / queries;
  }

  void SelfQueries();

  std::set<int> present_;  // deleted records (excluded from ground truth)
  std::vector<VectorRecord> records_;
  test::TempDir dir_;
  DatabaseOptions options_;
  std::unique_ptr<Database> db_;
};

TEST_P(HnswDbTest, RecallFiltersDeletesAndReopen) {
  auto all = [](int) { return true; };
  EXPECT_GE(Recall("", all), 0.95);
  auto info = *Ix()->Info();
  EXPECT_EQ(info.vector_count, size_t{kCount});
  EXPECT_EQ(info.index_type.rfind("hnsw", 0), 0u) << info.index_type;
  EXPECT_GT(info.memory_bytes_per_vector, 0.0);

  // Selectivity 0.1%, 1%, 10%, 50% (bucket is i % 1000), without a metadata index...
  const std::pair<std::string, int> filters[] = {{R"({"bucket":7})", 1},
                                                 {R"({"bucket":{"$lt":10}})", 10},
                                                 {R"({"bucket":{"$lt":100}})", 100},
                                                 {R"({"bucket":{"$gte":500}})", 500}};
  for (const auto& [f, n] : filters) {
    const int limit = n;
    auto keep = [&](int i) {
      return n == 1 ? i % 1000 == 7 : (n == 500 ? i % 1000 >= 500 : i % 1000 < limit);
    };
    EXPECT_GE(Recall(f, keep), 0.95) << f;
  }
  // ...and with one.
  ASSERT_TRUE(Ix()->CreateMetadataIndex({"bucket", MetadataIndexType::kNumber}).ok());
  EXPECT_GE(Recall(R"({"bucket":{"$lt":100}})", [](int i) { return i % 1000 < 100; }), 0.95);

  // Delete 30%, recall holds; re-insert them, recall holds.
  std::vector<std::string> del;
  for (int i = 0; i < kCount; ++i) {
    if (i % 10 < 3) {
      del.push_back(records_[i].id);
      present_.insert(i);
    }
  }
  for (size_t i = 0; i < del.size(); i += 1000) {
    ASSERT_TRUE(
        Ix()->DeleteByIds(std::span(del).subspan(i, std::min<size_t>(1000, del.size() - i))).ok());
  }
  EXPECT_EQ(Ix()->Info()->vector_count, size_t{kCount} - del.size());
  EXPECT_GE(Recall("", all), 0.95);
  std::vector<VectorRecord> back;
  for (int i : present_) back.push_back(records_[i]);
  present_.clear();
  ASSERT_TRUE(Ix()->Upsert(back).ok());
  EXPECT_GE(Recall("", all), 0.95);

  // Reopen from the WAL, then from a checkpoint with the stored graph: same answers.
  std::vector<std::string> before, from_wal, from_checkpoint;
  Recall("", all, &before);
  options_.checkpoint_on_close = false;
  Reopen();
  Recall("", all, &from_wal);
  EXPECT_GE(Recall("", all), 0.95);
  ASSERT_TRUE(db_->Checkpoint().ok());
  Reopen();
  Recall("", all, &from_checkpoint);
  EXPECT_EQ(from_checkpoint.size(), before.size());
  // The WAL replay builds a new graph (equally good, not identical); the checkpoint stores the
  // graph itself, so reopening from it answers exactly as before it was written.
  std::vector<std::string> again;
  Reopen();
  Recall("", all, &again);
  EXPECT_EQ(again, from_checkpoint);

  // Query knobs: ef and recall targets are accepted, bad values refused.
  QueryRequest q;
  q.vector = records_[0].values;
  q.ef = 200;
  EXPECT_TRUE(Ix()->Query(q).ok());
  q.ef.reset();
  q.recall = 0.99f;
  EXPECT_TRUE(Ix()->Query(q).ok());
  q.recall = 1.5f;
  EXPECT_TRUE(Ix()->Query(q).status().IsInvalidArgument());
}

// A filter every record passes, known from the metadata indexes alone (a column test's exact
// count, or an exact bitmap), is answered as the unfiltered query: the same hits and no filter
// plan. A filter all records but a few pass is still applied: those few hold the unfiltered
// query's best hit.
TEST_P(HnswDbTest, AFilterEveryRecordPassesIsAnsweredUnfiltered) {
  ASSERT_TRUE(Ix()->CreateMetadataIndex({"bucket", MetadataIndexType::kNumber}).ok());
  WaitIndexed();
  const std::string every[] = {
      R"({"bucket":{"$gte":0}})",                                     // a column test
      R"({"$or":[{"bucket":{"$lt":500}},{"bucket":{"$gte":500}}]})",  // an exact bitmap
  };
  auto query = [&](QueryRequest q, const std::string& f, uint64_t* plans) {
    q.filter_json = f;
    (void)db::TakeFilterPlanCountsForBench();
    auto got = Ix()->Query(q);
    const db::FilterPlansTaken taken = db::TakeFilterPlanCountsForBench();
    *plans = taken.exact + taken.walk;
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    return got.ok() ? got->matches : std::vector<QueryMatch>{};
  };
  for (int i : {0, 1234, 2999}) {
    QueryRequest q;
    q.vector = records_[i].values;
    q.top_k = 10;
    uint64_t plans = 0;
    const std::vector<QueryMatch> plain = query(q, "", &plans);
    ASSERT_EQ(plain.size(), 10u);
    for (const std::string& f : every) {
      const std::vector<QueryMatch> got = query(q, f, &plans);
      EXPECT_EQ(plans, 0u) << f;
      ASSERT_EQ(got.size(), plain.size()) << f;
      for (size_t h = 0; h < got.size(); ++h) {
        EXPECT_EQ(got[h].id, plain[h].id) << f << " #" << h;
        EXPECT_EQ(got[h].score, plain[h].score) << f << " #" << h;
      }
    }
    // All but the best hit's bucket (4 records of 4,000).
    const int b = std::stoi(plain.front().id.substr(1)) % 1000;
    const std::string bs = std::to_string(b);
    for (const std::string& f :
         {R"({"bucket":{"$ne":)" + bs + "}}",
          R"({"$or":[{"bucket":{"$lt":)" + bs + R"(}},{"bucket":{"$gt":)" + bs + "}}]}"}) {
      const std::vector<QueryMatch> got = query(q, f, &plans);
      EXPECT_EQ(plans, 1u) << f;
      ASSERT_EQ(got.size(), 10u) << f;
      for (const QueryMatch& m : got) {
        EXPECT_NE(std::stoi(m.id.substr(1)) % 1000, b) << f << ": " << m.id;
      }
    }
  }
  // A column test all records but one pass: the best hit moved to bucket -1.
  QueryRequest q;
  q.vector = records_[7].values;
  q.top_k = 10;
  uint64_t plans = 0;
  const std::string best = query(q, "", &plans).front().id;
  VectorRecord moved = records_[std::stoi(best.substr(1))];
  moved.metadata_json = R"({"bucket":-1})";
  ASSERT_TRUE(Ix()->Upsert(std::span(&moved, 1)).ok());
  const std::vector<QueryMatch> got = query(q, every[0], &plans);
  EXPECT_EQ(plans, 1u);
  ASSERT_EQ(got.size(), 10u);
  for (const QueryMatch& m : got) EXPECT_NE(m.id, best);
}

// Filters most records pass, on an indexed number: the walk tests each node on the index's column
// of values instead of a bitmap (MetadataIndexSet::ColumnTest). The column must follow deletes and
// metadata rewritten by upserts: every match passes the filter as the record now stands, and recall
// holds. The walk is forced (at 4,000 records the planner's two costs are close), which is when the
// column is used; then the planner's own pick must do as well.
TEST_P(HnswDbTest, BroadFiltersOnAnIndexedNumberFollowDeletesAndRewrites) {
  ASSERT_TRUE(Ix()->CreateMetadataIndex({"bucket", MetadataIndexType::kNumber}).ok());
  std::vector<int> bucket(kCount);
  for (int i = 0; i < kCount; ++i) bucket[i] = i % 1000;
  // Delete every 10th record; move every 7th (not deleted) to bucket 2000 + its own.
  std::vector<std::string> del;
  std::vector<VectorRecord> moved;
  for (int i = 0; i < kCount; ++i) {
    if (i % 10 == 3) {
      del.push_back(records_[i].id);
      present_.insert(i);
    } else if (i % 7 == 0) {
      bucket[i] = 2000 + i % 1000;
      VectorRecord r = records_[i];
      r.metadata_json = R"({"bucket":)" + std::to_string(bucket[i]) + "}";
      moved.push_back(std::move(r));
    }
  }
  ASSERT_TRUE(Ix()->DeleteByIds(del).ok());
  ASSERT_TRUE(Ix()->Upsert(moved).ok());
  WaitIndexed();
  const std::pair<std::string, std::function<bool(int)>> filters[] = {
      {R"({"bucket":{"$gte":100}})", [&](int i) { return bucket[i] >= 100; }},
      {R"({"bucket":{"$gt":50,"$lte":2500}})",
       [&](int i) { return bucket[i] > 50 && bucket[i] <= 2500; }},
      {R"({"$and":[{"bucket":{"$lt":1000}},{"bucket":{"$gte":3}}]})",
       [&](int i) { return bucket[i] < 1000 && bucket[i] >= 3; }},
      {R"({"bucket":{"$lt":5000}})", [&](int i) { return bucket[i] < 5000; }},
  };
  // $in over many values: the column's sorted values.
  std::string in = R"({"bucket":{"$in":[)";
  for (int b = 0; b < 400; ++b) {
    if (b % 9 != 4) in += std::to_string(b) + ",";
  }
  in.back() = ']';
  in += "}}";
  for (db::FilterPlanForBench plan :
       {db::FilterPlanForBench::kWalk, db::FilterPlanForBench::kPlanner}) {
    db::ForceFilterPlanForBench(plan);
    for (const auto& [f, keep] : filters) {
      (void)db::TakeFilterPlanCountsForBench();
      EXPECT_GE(Recall(f, keep), 0.95) << f;
      const db::FilterPlansTaken taken = db::TakeFilterPlanCountsForBench();
      if (plan == db::FilterPlanForBench::kWalk) EXPECT_EQ(taken.exact, 0u) << f;
    }
    EXPECT_GE(Recall(in, [&](int i) { return bucket[i] < 400 && bucket[i] % 9 != 4; }), 0.95);
  }
  db::ForceFilterPlanForBench(db::FilterPlanForBench::kPlanner);
}

// Recovery replays the log into the write buffer with graph building held back, and tombstones
// the replaced graph nodes without repairing the graph until the builder runs (issue 10: replay
// used to wait for the builder, mutation by mutation). The index must answer correctly at once,
// while the backlog is searched exactly, and after the builder has caught up.
// `recall` through the database: the calibration behind it shows in Info, moves from held-out
// stored vectors to the real queries asked once 64 were, and what it picks delivers the target
// on queries it has not seen.
// The benchmark hook that forces a filter plan (db::ForceFilterPlanForBench): either plan forced
// returns only matching records at the recall the planner's choice would have, every filtered
// query takes the forced plan (and is counted), and kPlanner gives the choice back.
TEST_P(HnswDbTest, ForcedFilterPlansKeepFilterAndRecall) {
  ASSERT_TRUE(Ix()->CreateMetadataIndex({"bucket", MetadataIndexType::kNumber}).ok());
  const std::string filter = R"({"bucket":{"$lt":100}})";
  auto keep = [](int i) { return i % 1000 < 100; };
  (void)db::TakeFilterPlanCountsForBench();
  for (db::FilterPlanForBench plan :
       {db::FilterPlanForBench::kExact, db::FilterPlanForBench::kWalk}) {
    db::ForceFilterPlanForBench(plan);
    EXPECT_GE(Recall(filter, keep), 0.95);
    const db::FilterPlansTaken taken = db::TakeFilterPlanCountsForBench();
    EXPECT_EQ(plan == db::FilterPlanForBench::kExact ? taken.exact : taken.walk, 40u);
    EXPECT_EQ(plan == db::FilterPlanForBench::kExact ? taken.walk : taken.exact, 0u);
    EXPECT_EQ(taken.observed, 0u);  // a forced plan teaches the planner nothing
  }
  db::ForceFilterPlanForBench(db::FilterPlanForBench::kPlanner);
  EXPECT_GE(Recall(filter, keep), 0.95);
  const db::FilterPlansTaken taken = db::TakeFilterPlanCountsForBench();
  EXPECT_EQ(taken.exact + taken.walk, 40u);
  EXPECT_EQ(taken.observed, 40u);              // every plan the planner picked was timed for it
  (void)Recall("", [](int) { return true; });  // no filter: no plan to count
  const db::FilterPlansTaken none = db::TakeFilterPlanCountsForBench();
  EXPECT_EQ(none.exact + none.walk + none.observed, 0u);
}

TEST_P(HnswDbTest, RecallTargetsCalibrateOnTheQueriesAsked) {
  // The whole graph first: a calibration measured while the builder still links the load is
  // measured on a smaller graph (easier: a smaller ef reaches the target) and is not redone for
  // growth short of doubling, so under a loaded machine the check below judged build timing.
  WaitIndexed();
  auto info = Ix()->Info();
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->recall_calibration.empty());  // nothing asked for a recall target yet
  std::mt19937 rng(17);
  auto ask = [&](int t) {
    QueryRequest q;
    q.vector = records_[(t * 131) % kCount].values;
    for (float& x : q.vector) x += std::normal_distribution<float>(0, 0.2f)(rng);
    q.top_k = 10;
    q.recall = 0.95f;
    auto r = Ix()->Query(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return q.vector;
  };
  (void)ask(0);
  info = Ix()->Info();
  ASSERT_TRUE(info.ok());
  ASSERT_FALSE(info->recall_calibration.empty());
  EXPECT_EQ(info->recall_calibration_queries, 0u);  // held-out stored vectors
  for (size_t i = 1; i < info->recall_calibration.size(); ++i) {
    EXPECT_GT(info->recall_calibration[i].ef, info->recall_calibration[i - 1].ef);
  }
  // Real queries; recalibrations run in the background as the sample doubles (64 ... 512).
  int t = 1;
  for (; t < 600; ++t) (void)ask(t);
  bool done = false;
  for (int wait = 0; wait < 3000 && !done; ++wait) {
    (void)ask(t++);
    info = Ix()->Info();
    ASSERT_TRUE(info.ok());
    done = info->recall_calibration_queries >= 512;
    if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(done) << "calibrated on " << info->recall_calibration_queries << " queries";
  // New queries at the target.
  double sum = 0;
  // 500: the mean's own sampling error (~0.004) stays well inside the 0.01 the check allows.
  const int fresh = 500;
  std::vector<VectorRecord> all(records_.begin(), records_.end());
  for (int k = 0; k < fresh; ++k) {
    QueryRequest q;
    q.vector = ask(100000 + k);  // a query like the others, not one of them
    q.top_k = 10;
    q.recall = 0.95f;
    auto r = Ix()->Query(q);
    ASSERT_TRUE(r.ok());
    std::set<std::string> want;
    for (const auto& h : test::ReferenceTopK(GetParam().metric, q.vector, all, 10)) {
      want.insert(h.id);
    }
    for (const QueryMatch& m : r->matches) sum += want.count(m.id) / 10.0;
  }
  EXPECT_GE(sum / fresh, 0.94);
}

TEST_P(HnswDbTest, ReplayOfReplacementsServesCorrectlyBeforeAndAfterTheGraphCatchesUp) {
  ASSERT_TRUE(db_->Checkpoint().ok());  // the graph holds everything; the log is empty
  std::mt19937 rng(3);
  std::normal_distribution<float> noise(0, 0.35f);
  for (int n = 0; n < 1500; ++n) {  // one record per write, as HTTP clients send them
    const int i = static_cast<int>(rng() % kCount);
    if (n % 10 == 9) {
      std::vector<std::string> one{records_[i].id};
      ASSERT_TRUE(Ix()->DeleteByIds(one).ok());
      present_.insert(i);
      continue;
    }
    for (float& x : records_[i].values) x += noise(rng);
    ASSERT_TRUE(Ix()->Upsert(std::vector{records_[i]}).ok());
    present_.erase(i);
  }
  auto all = [](int) { return true; };
  const double live = Recall("", all);
  WaitIndexed();
  SelfQueries();  // before the restart
  options_.checkpoint_on_close = false;
  db_.reset();
  auto db = Database::Open(options_, dir_.path());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  db_ = std::move(db).value();
  // At once, whatever the builder has done so far: right records, right values, recall.
  EXPECT_EQ(Ix()->Info()->vector_count, size_t{kCount} - present_.size());
  EXPECT_GE(Recall("", all), std::min(0.95, live - 0.02));
  WaitIndexed();
  EXPECT_GE(Recall("", all), std::min(0.95, live - 0.02));
  SelfQueries();
}

// Every live record is found by its own vector at an ef above the index size.
void HnswDbTest::SelfQueries() {
  for (int i = 0; i < kCount; i += 7) {
    if (present_.count(i) != 0) continue;
    QueryRequest q;
    q.vector = records_[i].values;
    q.top_k = 1;
    q.ef = 2 * kCount;
    auto r = Ix()->Query(q);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->matches.size(), 1u);
    if (GetParam().metric != Metric::kDotProduct) {
      EXPECT_EQ(r->matches[0].id, records_[i].id) << "score " << r->matches[0].score;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllMetricsAndQuantizers, HnswDbTest,
    ::testing::Values(Case{Metric::kCosine, "hnsw"}, Case{Metric::kEuclidean, "hnsw"},
                      Case{Metric::kDotProduct, "hnsw"}, Case{Metric::kCosine, "hnsw,sq8"},
                      Case{Metric::kEuclidean, "hnsw,sq8"}, Case{Metric::kCosine, "hnsw,bq"},
                      Case{Metric::kEuclidean, "hnsw,lb8"}, Case{Metric::kCosine, "hnsw,lb8"}),
    [](const auto& info) {
      std::string name = std::string(MetricName(info.param.metric)) + "_" + info.param.type;
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

// DatabaseOptions::max_unindexed_bytes smaller than one write: every upsert waits until the
// graph builder has caught up with what is queued (HnswVectorIndexTest covers the wait itself).
// Concurrent writers all succeed, and every acknowledged record is there, with its values,
// before and after a reopen.
TEST(BacklogBoundTest, WritesWaitForTheBuilderAndLoseNothing) {
  constexpr int kWriters = 4, kBatches = 10, kBatch = 50;
  test::TempDir dir;
  DatabaseOptions options;
  options.exact_search_below = 0;
  options.max_unindexed_bytes = 1;
  Written written;
  {
    auto db = Database::Open(options, dir.path());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    auto index = (*db)->CreateIndex({"b", "", {kDims, Metric::kCosine, "hnsw"}});
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    std::vector<std::vector<VectorRecord>> batches(kWriters * kBatches);
    std::mt19937 rng(21);
    for (int b = 0; b < kWriters * kBatches; ++b) {
      for (int i = 0; i < kBatch; ++i) {
        const std::string id = "r" + std::to_string(b * kBatch + i);
        batches[b].push_back(MakeRecord(id, RandomVector(rng, kDims)));
        written[id] = batches[b].back().values;
      }
    }
    std::vector<std::thread> writers;
    std::atomic<int> failures{0};
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        for (int b = w * kBatches; b < (w + 1) * kBatches; ++b) {
          if (!(*index)->Upsert(batches[b]).ok()) failures++;
        }
      });
    }
    for (std::thread& t : writers) t.join();
    EXPECT_EQ(failures.load(), 0);
    auto info = (*index)->Info();
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->vector_count, written.size());
  }
  auto db = Database::Open(options, dir.path());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto index = (*db)->GetIndex("b");
  ASSERT_TRUE(index.ok());
  ExpectReadBack(**index, written, AllIds(written));
}

// The log a recovery replays can hold far more unlinked vectors than max_unindexed_bytes (with
// checkpoints in proportion to the index, up to half of it): a write right after open must not
// wait for the builder to link all of that, and nothing written before or after is lost.
TEST(BacklogBoundTest, ARecoveredBacklogDoesNotStopWriters) {
  constexpr int kRecords = 20000;
  test::TempDir dir;
  DatabaseOptions options;
  options.exact_search_below = 0;
  options.max_unindexed_bytes = 100 * kDims * sizeof(float);
  options.checkpoint_on_close = false;
  options.checkpoint_wal_bytes = 1ull << 40;
  std::mt19937 rng(5);
  Written written;
  const auto batch = [&](int first, int n) {
    std::vector<VectorRecord> b;
    for (int i = first; i < first + n; ++i) {
      b.push_back(MakeRecord("r" + std::to_string(i), RandomVector(rng, kDims)));
      written[b.back().id] = b.back().values;
    }
    return b;
  };
  {
    DatabaseOptions unbounded = options;
    unbounded.max_unindexed_bytes = 0;  // load fast; all of it stays in the log
    auto db = Database::Open(unbounded, dir.path());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    auto index = (*db)->CreateIndex({"b", "", {kDims, Metric::kCosine, "hnsw"}});
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    for (int i = 0; i < kRecords; i += 1000) ASSERT_TRUE((*index)->Upsert(batch(i, 1000)).ok());
  }
  auto db = Database::Open(options, dir.path());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto index = (*db)->GetIndex("b");
  ASSERT_TRUE(index.ok());
  const auto info = (*index)->Info();
  ASSERT_TRUE(info.ok());
  // Linking 20,000 vectors takes the builder about a second; the write comes at once.
  ASSERT_GT(info->unindexed_vectors, 1000u);
  const uint64_t waits = db::BacklogWaitLatency().Read().count;
  ASSERT_TRUE((*index)->Upsert(batch(kRecords, 10)).ok());
  EXPECT_EQ(db::BacklogWaitLatency().Read().count, waits)
      << "the write waited with " << info->unindexed_vectors << " vectors unlinked";
  EXPECT_EQ((*index)->Info()->vector_count, written.size());
  std::vector<std::string> ids;
  for (auto it = written.begin(); it != written.end(); std::advance(it, 7)) {
    ids.push_back(it->first);
    if (std::distance(it, written.end()) <= 7) break;
  }
  ids.push_back("r" + std::to_string(kRecords + 9));
  ExpectReadBack(**index, written, ids);
}

// A quantized or lb8 index with fewer vectors than its quantizer trains on (256) is checkpointed
// and opened again, with and without the close's checkpoint, and so is one just past it. Such a
// segment once held a graph blob its reader misread ("hnsw blob: truncated vectors"), which left
// the index unopenable: every small index of these types, the default's lb8 at 384 dimensions
// included.
TEST(IndexTypeTest, SmallQuantizedIndexesOpenAgain) {
  for (const char* type : {"hnsw,sq8", "hnsw,bq", "hnsw,lb8", ""}) {
    for (const int n : {1, 8, 255, 300}) {
      for (const bool checkpoint : {true, false}) {
        SCOPED_TRACE(::testing::Message() << "\"" << type << "\", " << n << " records, "
                                          << (checkpoint ? "checkpointed" : "log only"));
        test::TempDir dir;
        DatabaseOptions options;
        options.checkpoint_on_close = checkpoint;
        Written written;
        {
          auto db = Database::Open(options, dir.path());
          ASSERT_TRUE(db.ok());
          auto index = (*db)->CreateIndex({"q", "", {384, Metric::kCosine, type}});
          ASSERT_TRUE(index.ok()) << index.status().ToString();
          std::mt19937 rng(n);
          std::vector<VectorRecord> batch;
          for (int i = 0; i < n; ++i) {
            batch.push_back(MakeRecord("r" + std::to_string(i), RandomVector(rng, 384)));
            written[batch.back().id] = batch.back().values;
          }
          ASSERT_TRUE((*index)->Upsert(batch).ok());
        }
        auto db = Database::Open(options, dir.path());
        ASSERT_TRUE(db.ok());
        auto index = (*db)->GetIndex("q");
        ASSERT_TRUE(index.ok()) << index.status().ToString();
        EXPECT_EQ((*index)->Info()->vector_count, static_cast<uint64_t>(n));
        ExpectReadBack(**index, written, AllIds(written));
        QueryRequest q;
        q.vector = written.begin()->second;
        q.top_k = 1;
        auto answer = (*index)->Query(q);
        ASSERT_TRUE(answer.ok()) << answer.status().ToString();
        ASSERT_EQ(answer->matches.size(), 1u);
        EXPECT_EQ(answer->matches[0].id, written.begin()->first);
      }
    }
  }
}

TEST(IndexTypeTest, CanonicalTypeIsStoredAndBadTypesRefused) {
  test::TempDir dir;
  auto db = Database::Open(DatabaseOptions(), dir.path());
  ASSERT_TRUE(db.ok());
  // Creates an index of `type` ("" = the default) and checks the type it stores.
  const auto create = [&](const char* name, uint32_t dims, const char* type,
                          const std::string& stored) -> std::shared_ptr<Index> {
    auto made = (*db)->CreateIndex({name, "", {dims, Metric::kCosine, type}});
    EXPECT_TRUE(made.ok()) << name << ": " << made.status().ToString();
    if (!made.ok()) return nullptr;
    EXPECT_EQ((*made)->Describe().config.index_type, stored) << name;
    return *made;
  };
  auto flat = create("f", 4, "flat", "flat");
  auto def = create("d", 4, "", "hnsw,m=16,efc=200,ef=64");
  ASSERT_TRUE(flat && def);
  // The default ("auto") gives the lower-bound codes from 256 dimensions on, and stores its pick.
  create("w", 384, "", "hnsw,m=16,efc=200,ef=64,lb8");
  create("p", 384, "hnsw", "hnsw,m=16,efc=200,ef=64");
  EXPECT_TRUE(
      (*db)->CreateIndex({"x", "", {4, Metric::kCosine, "ivf"}}).status().IsInvalidArgument());
  EXPECT_TRUE(
      (*db)->CreateIndex({"y", "", {4, Metric::kCosine, "hnsw,m=1"}}).status().IsInvalidArgument());
  // A zero vector has no cosine similarity: refused, in both kinds of index.
  for (const auto& ix : {flat, def}) {
    auto r = ix->Insert(std::vector{MakeRecord("z", {0, 0, 0, 0})});
    EXPECT_TRUE(r.status().IsInvalidArgument());
    EXPECT_NE(r.status().message().find("zero"), std::string::npos);
  }
}

}  // namespace
}  // namespace semble
