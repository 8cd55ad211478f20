// Copyright 2026 The semble Authors.
//
// The public API of Database and Index: catalog, records and limits, insert/upsert semantics,
// metrics and scores, query options, listing, metadata indexes, persistence.

#include "semble/database.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>
#include <thread>

#include "db/collection.h"
#include "db/db_test_util.h"
#include "meta/filter.h"
#include "meta/metadata_index.h"
#include "meta/value.h"
#include "util/test_util.h"

namespace semble {
namespace {

using test::MakeRecord;
using test::RandomVector;

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    db_.reset();
    auto db = Database::Open(options_, dir_.path());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }

  std::shared_ptr<Index> Create(const std::string& name, uint32_t dims, Metric metric) {
    auto index = db_->CreateIndex({name, "test index", {dims, metric}});
    EXPECT_TRUE(index.ok()) << index.status().ToString();
    return index.ok() ? *index : nullptr;
  }

  std::shared_ptr<Index> Get(const std::string& name) {
    auto index = db_->GetIndex(name);
    EXPECT_TRUE(index.ok()) << index.status().ToString();
    return index.ok() ? *index : nullptr;
  }

  std::mt19937 rng_{42};
  test::TempDir dir_;
  DatabaseOptions options_;
  std::unique_ptr<Database> db_;
};

// Equal scores come back ordered by id whatever the order the records were written in (the
// indexes order ties by slot, i.e. by arrival), for the exact index and the graph alike, and at
// every topK: the cut through a tie keeps the smallest ids, so a smaller topK is a prefix of a
// larger one. 300 tied records make the query rank past the first doubling of its depth.
TEST_F(DatabaseTest, EqualScoresComeBackOrderedByIdAtEveryTopK) {
  for (const char* type : {"flat", "hnsw", "hnsw,sq8"}) {
    std::string name = std::string("ties-") + type;
    std::replace(name.begin(), name.end(), ',', '-');
    auto index = db_->CreateIndex({name, "", {4, Metric::kEuclidean, type}});
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    std::vector<VectorRecord> records;
    std::vector<std::string> tied;
    for (int i = 299; i >= 0; --i) {  // written in reverse id order
      char id[8];
      std::snprintf(id, sizeof(id), "t%03d", i);
      tied.push_back(id);
      records.push_back(MakeRecord(id, {1.0f, 2.0f, 3.0f, 4.0f}));
    }
    std::sort(tied.begin(), tied.end());
    records.push_back(MakeRecord("near", {1.0f, 2.0f, 3.0f, 4.4f}));
    records.push_back(MakeRecord("far", {9.0f, 9.0f, 9.0f, 9.0f}));
    ASSERT_TRUE((*index)->Upsert(records).ok());
    for (uint32_t k : {1u, 2u, 3u, 5u, 8u, 100u}) {
      QueryRequest q;
      q.vector = {1.0f, 2.0f, 3.0f, 4.5f};
      q.top_k = k;
      q.ef = 400;  // the graph walk sees every record
      auto result = (*index)->Query(q);
      ASSERT_TRUE(result.ok()) << result.status().ToString();
      ASSERT_EQ(result->matches.size(), k) << type;
      EXPECT_EQ(result->matches[0].id, "near") << type << " k " << k;
      for (size_t i = 1; i < k; ++i) {
        EXPECT_EQ(result->matches[i].id, tied[i - 1]) << type << " k " << k << " rank " << i;
        EXPECT_EQ(result->matches[i].score, result->matches[1].score) << type << " rank " << i;
      }
    }
  }
}

TEST_F(DatabaseTest, CreateListGetDeleteIndexes) {
  ASSERT_NE(Create("beta", 3, Metric::kEuclidean), nullptr);
  ASSERT_NE(Create("alpha", 8, Metric::kCosine), nullptr);
  auto list = db_->ListIndexes();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "alpha");
  EXPECT_EQ(list[1].name, "beta");
  EXPECT_EQ(list[1].config.dimensions, 3u);
  EXPECT_EQ(list[1].config.metric, Metric::kEuclidean);
  EXPECT_EQ(list[1].description, "test index");
  EXPECT_GT(list[1].created_on_ms, 1700000000000);

  auto dup = db_->CreateIndex({"alpha", "", {8, Metric::kCosine}});
  EXPECT_TRUE(dup.status().IsAlreadyExists()) << dup.status().ToString();

  auto handle = Get("alpha");
  ASSERT_TRUE(db_->DeleteIndex("alpha").ok());
  EXPECT_TRUE(db_->GetIndex("alpha").status().IsNotFound());
  EXPECT_TRUE(db_->DeleteIndex("alpha").IsNotFound());
  // The old handle outlives the index but refuses work.
  EXPECT_TRUE(handle->Info().status().IsNotFound());
  EXPECT_TRUE(handle->Insert(std::vector{MakeRecord("a", RandomVector(rng_, 8))}).status().IsNotFound());

  // The name is free again, and the new index starts empty.
  auto again = Create("alpha", 2, Metric::kDotProduct);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->Info()->vector_count, 0u);
  Reopen();
  list = db_->ListIndexes();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].config.dimensions, 2u);
  EXPECT_EQ(list[0].config.metric, Metric::kDotProduct);
}

TEST_F(DatabaseTest, IndexNameAndConfigLimits) {
  for (const std::string& bad : std::vector<std::string>{"", "Upper", "-lead", "has space", "dot.dot", "../x", "a/b",
                                std::string(65, 'a')}) {
    auto r = db_->CreateIndex({bad, "", {4, Metric::kCosine}});
    EXPECT_TRUE(r.status().IsInvalidArgument()) << "name '" << bad << "'";
  }
  EXPECT_TRUE(db_->CreateIndex({std::string(64, 'a'), "", {4, Metric::kCosine}}).ok());
  EXPECT_TRUE(db_->CreateIndex({"zero", "", {0, Metric::kCosine}}).status().IsInvalidArgument());
  EXPECT_TRUE(db_->CreateIndex({"big", "", {1537, Metric::kCosine}}).status().IsInvalidArgument());
  EXPECT_TRUE(db_->CreateIndex({"max", "", {1536, Metric::kCosine}}).ok());
  // The maximum is configurable.
  options_.limits.max_dimensions = 4096;
  Reopen();
  EXPECT_TRUE(db_->CreateIndex({"big", "", {4096, Metric::kCosine}}).ok());
  EXPECT_TRUE(ParseMetric("manhattan").status().IsInvalidArgument());
  EXPECT_EQ(*ParseMetric("dot-product"), Metric::kDotProduct);
}

TEST_F(DatabaseTest, InsertKeepsFirstWriteUpsertReplacesWhole) {
  auto index = Create("docs", 2, Metric::kEuclidean);
  ASSERT_TRUE(index->Insert(std::vector{MakeRecord("a", {1, 1}, "ns1", R"({"k":"first"})"),
                                        MakeRecord("a", {2, 2}, "", R"({"k":"dup in batch"})")})
                  .ok());
  ASSERT_TRUE(index->Insert(std::vector{MakeRecord("a", {3, 3}, "", R"({"k":"later"})")}).ok());
  std::vector<std::string> ids{"a"};
  auto got = index->GetByIds(ids);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].values, (std::vector<float>{1, 1}));
  EXPECT_EQ((*got)[0].ns, "ns1");
  EXPECT_EQ((*got)[0].metadata_json, R"({"k":"first"})");

  // Upsert replaces values, namespace and metadata: nothing of the old record survives.
  ASSERT_TRUE(index->Upsert(std::vector{MakeRecord("a", {5, 5}), MakeRecord("a", {6, 6}, "n2")}).ok());
  got = index->GetByIds(ids);
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].values, (std::vector<float>{6, 6}));
  EXPECT_EQ((*got)[0].ns, "n2");
  EXPECT_EQ((*got)[0].metadata_json, "");
  EXPECT_EQ(index->Info()->vector_count, 1u);
}

TEST_F(DatabaseTest, RejectedBatchWritesNothing) {
  auto index = Create("docs", 3, Metric::kCosine);
  const float nan = std::nanf("");
  const float inf = std::numeric_limits<float>::infinity();
  struct Case {
    VectorRecord bad;
    std::string expect;
  } cases[] = {
      {MakeRecord("", {1, 2, 3}), "id is empty"},
      {MakeRecord(std::string(65, 'x'), {1, 2, 3}), "65 bytes"},
      {MakeRecord("ns", {1, 2, 3}, std::string(65, 'n')), "namespace"},
      {MakeRecord("short", {1, 2}), "2 elements"},
      {MakeRecord("long", {1, 2, 3, 4}), "4 elements"},
      {MakeRecord("nan", {1, nan, 3}), "values[1]"},
      {MakeRecord("inf", {inf, 2, 3}), "values[0]"},
      {MakeRecord("md-array", {1, 2, 3}, "", "[1]"), "object"},
      {MakeRecord("md-key", {1, 2, 3}, "", R"({"a.b":1})"), "a.b"},
      {MakeRecord("md-dollar", {1, 2, 3}, "", R"({"$a":1})"), "$a"},
      {MakeRecord("md-json", {1, 2, 3}, "", R"({"a":)"), "JSON"},
      {MakeRecord("md-big", {1, 2, 3}, "", R"({"a":")" + std::string(11000, 'x') + "\"}"), "limit"},
      {MakeRecord("bad-utf8", {1, 2, 3}, "\xff\xfe"), "UTF-8"},
  };
  for (const Case& c : cases) {
    std::vector<VectorRecord> batch{MakeRecord("good", {1, 1, 1}), c.bad};
    for (bool upsert : {false, true}) {
      auto r = upsert ? index->Upsert(batch) : index->Insert(batch);
      ASSERT_FALSE(r.ok()) << c.expect;
      EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
      EXPECT_NE(r.status().message().find("record 1"), std::string::npos) << r.status().ToString();
      EXPECT_NE(r.status().message().find(c.expect), std::string::npos) << r.status().ToString();
    }
  }
  EXPECT_EQ(index->Info()->vector_count, 0u);
  EXPECT_EQ(index->Info()->processed_up_to_mutation, "");
  std::vector<std::string> ids{"good"};
  EXPECT_TRUE(index->GetByIds(ids)->empty());
  // An over-long batch is refused as a whole too.
  options_.limits.max_batch_vectors = 3;
  Reopen();
  index = Get("docs");
  std::vector<VectorRecord> four;
  for (int i = 0; i < 4; ++i) four.push_back(MakeRecord(std::to_string(i), {1, 2, 3}));
  EXPECT_TRUE(index->Insert(four).status().IsInvalidArgument());
}

TEST_F(DatabaseTest, MutationIdsSortInOrderAndInfoTracksThem) {
  auto index = Create("docs", 2, Metric::kCosine);
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    auto r = index->Upsert(std::vector{MakeRecord("v" + std::to_string(i), {1, float(i)})});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->mutation_id.size(), 36u);
    ids.push_back(r->mutation_id);
    auto info = index->Info();
    EXPECT_EQ(info->processed_up_to_mutation, r->mutation_id);
    ASSERT_TRUE(info->processed_up_to_ms.has_value());
  }
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
  std::vector<std::string> del{"v1", "v2", "nope"};
  auto d = index->DeleteByIds(del);
  ASSERT_TRUE(d.ok());
  EXPECT_GT(d->mutation_id, ids.back());
  EXPECT_EQ(index->Info()->vector_count, 18u);
  Reopen();
  index = Get("docs");
  EXPECT_EQ(index->Info()->processed_up_to_mutation, d->mutation_id);
  EXPECT_EQ(index->Info()->vector_count, 18u);
}

class MetricTest : public DatabaseTest, public ::testing::WithParamInterface<Metric> {};

TEST_P(MetricTest, ScoresAndOrderMatchBruteForce) {
  const Metric metric = GetParam();
  const uint32_t dims = 37;  // not a multiple of any SIMD width
  auto index = Create("m", dims, metric);
  std::vector<VectorRecord> records;
  for (int i = 0; i < 500; ++i) records.push_back(MakeRecord("id" + std::to_string(i), RandomVector(rng_, dims)));
  for (size_t i = 0; i < records.size(); i += 100) {
    ASSERT_TRUE(index->Insert(std::span(records).subspan(i, 100)).ok());
  }
  for (int t = 0; t < 20; ++t) {
    QueryRequest q;
    q.vector = RandomVector(rng_, dims);
    q.top_k = 10;
    auto result = index->Query(q);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    auto expected = test::ReferenceTopK(metric, q.vector, records, 10);
    ASSERT_EQ(result->matches.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(result->matches[i].id, expected[i].id) << "rank " << i;
      EXPECT_NEAR(result->matches[i].score, expected[i].score, 1e-4 * (1 + std::abs(expected[i].score)));
      EXPECT_TRUE(result->matches[i].values.empty());
    }
  }
  // Query by id: the stored vector is the query, so it is its own best match.
  QueryRequest by_id;
  by_id.vector_id = "id7";
  by_id.top_k = 3;
  by_id.return_values = true;
  auto r = index->Query(by_id);
  ASSERT_TRUE(r.ok());
  auto expected = test::ReferenceTopK(metric, records[7].values, records, 3);
  EXPECT_EQ(r->matches[0].id, expected[0].id);
  if (metric != Metric::kDotProduct) {
    EXPECT_EQ(r->matches[0].id, "id7");
  }
  if (metric == Metric::kCosine) {
    EXPECT_NEAR(r->matches[0].score, 1.0, 1e-5);
  }
  if (metric == Metric::kEuclidean) {
    EXPECT_NEAR(r->matches[0].score, 0.0, 1e-3);
  }
  for (const QueryMatch& m : r->matches) {
    int i = std::stoi(m.id.substr(2));
    EXPECT_EQ(m.values, records[i].values);  // the values as written, not normalised
  }
}

INSTANTIATE_TEST_SUITE_P(AllMetrics, MetricTest,
                         ::testing::Values(Metric::kCosine, Metric::kEuclidean, Metric::kDotProduct));

TEST_F(DatabaseTest, ScoreConventionsOnKnownVectors) {
  auto cos = Create("cos", 2, Metric::kCosine);
  auto l2 = Create("l2", 2, Metric::kEuclidean);
  auto dot = Create("dot", 2, Metric::kDotProduct);
  std::vector<VectorRecord> recs{MakeRecord("x", {3, 0}), MakeRecord("y", {0, 2}), MakeRecord("xy", {1, 1})};
  for (auto& i : {cos, l2, dot}) ASSERT_TRUE(i->Insert(recs).ok());
  QueryRequest q;
  q.vector = {2, 0};
  q.top_k = 3;
  auto c = *cos->Query(q);
  EXPECT_EQ(c.matches[0].id, "x");
  EXPECT_FLOAT_EQ(c.matches[0].score, 1.0f);
  EXPECT_NEAR(c.matches[1].score, std::sqrt(0.5), 1e-6);
  EXPECT_EQ(c.matches[2].id, "y");
  EXPECT_FLOAT_EQ(c.matches[2].score, 0.0f);
  auto e = *l2->Query(q);
  EXPECT_EQ(e.matches[0].id, "x");
  EXPECT_FLOAT_EQ(e.matches[0].score, 1.0f);  // |(2,0)-(3,0)|
  EXPECT_FLOAT_EQ(e.matches[2].score, std::sqrt(8.0f));
  auto d = *dot->Query(q);
  EXPECT_EQ(d.matches[0].id, "x");
  EXPECT_FLOAT_EQ(d.matches[0].score, -6.0f);  // Vectorize: negative dot product, lower is closer
  EXPECT_FLOAT_EQ(d.matches[1].score, -2.0f);
  EXPECT_FLOAT_EQ(d.matches[2].score, 0.0f);
}

TEST_F(DatabaseTest, QueryArgumentErrors) {
  auto index = Create("q", 3, Metric::kCosine);
  ASSERT_TRUE(index->Insert(std::vector{MakeRecord("a", {1, 2, 3})}).ok());
  QueryRequest q;
  q.vector = {1, 2};
  auto r = index->Query(q);
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_NE(r.status().message().find("expected 3 dimensions"), std::string::npos);
  q.vector = {0, 0, 0};
  EXPECT_TRUE(index->Query(q).status().IsInvalidArgument());
  q.vector = {1, 1, 1};
  q.top_k = 0;
  EXPECT_TRUE(index->Query(q).status().IsInvalidArgument());
  q.top_k = 100;
  EXPECT_TRUE(index->Query(q).ok());
  q.top_k = 101;
  EXPECT_TRUE(index->Query(q).status().IsInvalidArgument());
  q.top_k = 21;
  q.return_values = true;
  EXPECT_TRUE(index->Query(q).status().IsInvalidArgument());
  q.return_values = false;
  q.return_metadata = ReturnMetadata::kAll;
  EXPECT_TRUE(index->Query(q).status().IsInvalidArgument());
  q.return_metadata = ReturnMetadata::kIndexed;
  EXPECT_TRUE(index->Query(q).ok());
  q.top_k = 5;
  q.vector_id = "a";
  EXPECT_TRUE(index->Query(q).status().IsInvalidArgument());  // both vector and id
  q.vector.clear();
  q.vector_id = "missing";
  EXPECT_TRUE(index->Query(q).status().IsNotFound());
  q.vector_id.reset();
  EXPECT_TRUE(index->Query(q).status().IsInvalidArgument());  // neither
  q.vector = {1, 1, 1};
  q.filter_json = R"({"a":{"$bogus":1}})";
  EXPECT_TRUE(index->Query(q).status().IsInvalidArgument());
  q.filter_json = "{";
  EXPECT_TRUE(index->Query(q).status().IsInvalidArgument());
}

TEST_F(DatabaseTest, NamespacesAndReturnMetadata) {
  auto index = Create("ns", 2, Metric::kEuclidean);
  ASSERT_TRUE(index->Insert(std::vector{
      MakeRecord("a", {0, 0}, "red", R"({"color":"red","size":1,"note":")" + std::string(100, 'n') + "\"}"),
      MakeRecord("b", {0, 1}, "blue", R"({"color":"blue","size":2})"),
      MakeRecord("c", {0, 2}, "", R"({"color":"red","size":3})")}).ok());
  ASSERT_TRUE(index->CreateMetadataIndex({"note", MetadataIndexType::kString}).ok());
  ASSERT_TRUE(index->CreateMetadataIndex({"size", MetadataIndexType::kNumber}).ok());
  QueryRequest q;
  q.vector = {0, 5};
  q.top_k = 10;
  q.ns = "red";
  auto r = *index->Query(q);
  ASSERT_EQ(r.matches.size(), 1u);
  EXPECT_EQ(r.matches[0].id, "a");
  EXPECT_EQ(r.matches[0].ns, "red");
  EXPECT_EQ(r.matches[0].metadata_json, "");  // none asked
  q.ns = "nowhere";
  EXPECT_TRUE(index->Query(q)->matches.empty());
  q.ns.reset();
  q.return_metadata = ReturnMetadata::kAll;
  r = *index->Query(q);
  ASSERT_EQ(r.matches.size(), 3u);
  EXPECT_EQ(r.matches[0].id, "c");
  EXPECT_EQ(r.matches[0].metadata_json, R"({"color":"red","size":3})");
  q.return_metadata = ReturnMetadata::kIndexed;
  r = *index->Query(q);
  EXPECT_EQ(r.matches[0].metadata_json, R"({"size":3})");
  // Indexed strings come back cut to the indexed prefix (64 bytes).
  EXPECT_EQ(r.matches[2].metadata_json, R"({"note":")" + std::string(64, 'n') + R"(","size":1})");
}

TEST_F(DatabaseTest, FiltersGiveTheSameResultsWithAndWithoutMetadataIndexes) {
  const uint32_t dims = 8;
  auto plain = Create("plain", dims, Metric::kCosine);
  auto indexed = Create("indexed", dims, Metric::kCosine);
  ASSERT_TRUE(indexed->CreateMetadataIndex({"genre", MetadataIndexType::kString}).ok());
  ASSERT_TRUE(indexed->CreateMetadataIndex({"year", MetadataIndexType::kNumber}).ok());
  std::vector<VectorRecord> records;
  const char* genres[] = {"drama", "comedy", "news", "sport"};
  std::uniform_int_distribution<int> g(0, 3), y(1980, 2020), b(0, 1);
  for (int i = 0; i < 400; ++i) {
    std::string md = std::string(R"({"genre":")") + genres[g(rng_)] + R"(","year":)" +
                     std::to_string(y(rng_)) + R"(,"live":)" + (b(rng_) ? "true" : "false") + "}";
    if (i % 17 == 0) md = R"({"other":1})";
    records.push_back(MakeRecord("r" + std::to_string(i), RandomVector(rng_, dims), i % 3 ? "" : "ns3", md));
  }
  ASSERT_TRUE(plain->Insert(records).ok());
  ASSERT_TRUE(indexed->Insert(std::span(records).first(200)).ok());
  // Created after half the records: it must cover those too (unlike Vectorize).
  ASSERT_TRUE(indexed->CreateMetadataIndex({"live", MetadataIndexType::kBoolean}).ok());
  ASSERT_TRUE(indexed->Insert(std::span(records).subspan(200)).ok());
  const std::string filters[] = {
      R"({"genre":"drama"})",
      R"({"genre":{"$ne":"drama"}})",
      R"({"genre":{"$in":["news","sport"]},"year":{"$gte":2000}})",
      R"({"year":{"$gt":1990,"$lt":1995}})",
      R"({"live":true,"genre":{"$nin":["comedy"]}})",
      R"({"genre":{"$gte":"d","$lt":"n"}})",
      R"({"$or":[{"genre":"news"},{"year":{"$lt":1985}}]})",
      R"({"$not":{"genre":"drama"}})",
      R"({"other":{"$exists":true}})",
      R"({"genre":"nothing"})",
  };
  for (const std::string& f : filters) {
    for (bool with_ns : {false, true}) {
      QueryRequest q;
      q.vector = RandomVector(rng_, dims);
      q.top_k = 20;
      q.filter_json = f;
      if (with_ns) q.ns = "ns3";
      auto a = plain->Query(q);
      auto c = indexed->Query(q);
      ASSERT_TRUE(a.ok()) << f << ": " << a.status().ToString();
      ASSERT_TRUE(c.ok()) << f << ": " << c.status().ToString();
      ASSERT_EQ(a->matches.size(), c->matches.size()) << f;
      for (size_t i = 0; i < a->matches.size(); ++i) EXPECT_EQ(a->matches[i].id, c->matches[i].id) << f;
    }
  }
  // One check against records picked by hand: the filter is applied before top-K.
  QueryRequest q;
  q.vector = records[5].values;
  q.top_k = 100;
  q.filter_json = R"({"other":1})";
  auto r = *indexed->Query(q);
  EXPECT_EQ(r.matches.size(), (400 + 16) / 17);
}

// A query skips a filter the metadata indexes say every record passes only on an exact count. A
// range over many distinct values on both sides is counted from a sample of the index's column
// (metadata_index.h); here the records the range leaves out sit between the sampled slots, so the
// estimate is every record. The filter must still apply: the query's best record fails it. (The
// graph's walk is where a column test stands in for the filter; an exact scan lists the matches.)
TEST_F(DatabaseTest, AFilterEstimatedToPassEveryRecordIsStillApplied) {
  options_.exact_search_below = 0;
  Reopen();
  // The column grows by half each time, so a load of this size fills it exactly: every sampled
  // slot then holds a record (and none lies past the last one).
  constexpr uint32_t kRecords = 5395;
  constexpr uint32_t kRuns = 64, kRunSlots = 16, kLeftOut = 300;
  std::vector<bool> sampled(kRecords, false);
  for (uint32_t run = 0; run < kRuns; ++run) {
    const uint32_t begin = run * kRecords / kRuns;
    for (uint32_t s = begin; s < std::min(kRecords, begin + kRunSlots); ++s) sampled[s] = true;
  }
  auto created = test::CreateIndexOfType(db_.get(), "est", 4, Metric::kEuclidean, "hnsw");
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  std::shared_ptr<Index> index = *created;
  ASSERT_TRUE(index->CreateMetadataIndex({"t", MetadataIndexType::kNumber}).ok());
  std::vector<VectorRecord> records;
  std::set<std::string> left_out;
  std::vector<std::string> left_out_ids;
  meta::MetadataIndexSet model(64);  // the premise: the same index, built in the same order
  ASSERT_NE(model.Create({"t", MetadataIndexType::kNumber}), nullptr);
  for (uint32_t slot = 0; slot < kRecords; ++slot) {
    const bool out = !sampled[slot] && left_out.size() < kLeftOut;
    const int t = out ? -1 - static_cast<int>(left_out.size()) : static_cast<int>(slot);
    const std::string md = "{\"t\":" + std::to_string(t) + "}";
    records.push_back(MakeRecord("r" + std::to_string(slot), RandomVector(rng_, 4), "", md));
    if (out) {
      left_out.insert(records.back().id);
      left_out_ids.push_back(records.back().id);
    }
    model.Add(slot, *meta::ParseMetadata(md, 1 << 20));
  }
  ASSERT_EQ(left_out.size(), kLeftOut);
  const std::string filter = R"({"t":{"$gte":0}})";
  auto parsed = meta::Filter::Parse(filter, 1 << 20);
  ASSERT_TRUE(parsed.ok());
  std::optional<meta::SlotTest> test = model.ColumnTest(*parsed);
  ASSERT_TRUE(test.has_value());
  ASSERT_TRUE(test->estimated());
  ASSERT_EQ(test->count(), kRecords) << "the sample no longer misses the records left out";
  for (size_t at = 0; at < records.size(); at += 1000) {
    const size_t n = std::min<size_t>(1000, records.size() - at);
    ASSERT_TRUE(index->Insert(std::span(records).subspan(at, n)).ok());
  }
  ASSERT_TRUE(test::WaitUntilIndexed(index.get()).ok());
  for (db::FilterPlanForBench plan :
       {db::FilterPlanForBench::kPlanner, db::FilterPlanForBench::kWalk}) {
    db::ForceFilterPlanForBench(plan);
    for (size_t i = 0; i < kLeftOut; i += 37) {
      QueryRequest q;
      q.vector = records[std::stoi(left_out_ids[i].substr(1))].values;
      q.top_k = 10;
      q.filter_json = filter;
      auto got = index->Query(q);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_EQ(got->matches.size(), q.top_k);
      for (const QueryMatch& m : got->matches) {
        EXPECT_EQ(left_out.count(m.id), 0u) << m.id << " fails " << filter;
      }
    }
  }
  db::ForceFilterPlanForBench(db::FilterPlanForBench::kPlanner);
}

TEST_F(DatabaseTest, MetadataIndexLifecycle) {
  auto index = Create("mi", 2, Metric::kCosine);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(index->CreateMetadataIndex({"p" + std::to_string(i), MetadataIndexType::kNumber}).ok());
  }
  auto eleventh = index->CreateMetadataIndex({"p10", MetadataIndexType::kString});
  EXPECT_EQ(eleventh.status().code(), Status::Code::kResourceExhausted) << eleventh.status().ToString();
  EXPECT_TRUE(index->CreateMetadataIndex({"p3", MetadataIndexType::kString}).status().IsAlreadyExists());
  EXPECT_TRUE(index->DeleteMetadataIndex("nope").status().IsNotFound());
  EXPECT_TRUE(index->CreateMetadataIndex({"$bad", MetadataIndexType::kString}).status().IsInvalidArgument());
  ASSERT_TRUE(index->DeleteMetadataIndex("p3").ok());
  ASSERT_TRUE(index->CreateMetadataIndex({"nested.key", MetadataIndexType::kBoolean}).ok());
  Reopen();
  index = Get("mi");
  auto list = *index->ListMetadataIndexes();
  ASSERT_EQ(list.size(), 10u);
  EXPECT_EQ(list.back().property_name, "nested.key");
  EXPECT_EQ(list.back().type, MetadataIndexType::kBoolean);
  for (const auto& d : list) EXPECT_NE(d.property_name, "p3");
}

TEST_F(DatabaseTest, ListPagesInIdOrder) {
  auto index = Create("l", 1, Metric::kEuclidean);
  std::vector<VectorRecord> recs;
  for (int i = 0; i < 250; ++i) recs.push_back(MakeRecord("id" + std::to_string(i), {float(i)}));
  ASSERT_TRUE(index->Insert(recs).ok());
  EXPECT_TRUE(index->List({0, ""}).status().IsInvalidArgument());
  EXPECT_TRUE(index->List({1001, ""}).status().IsInvalidArgument());
  std::vector<std::string> seen;
  ListRequest req{100, ""};
  int pages = 0;
  while (true) {
    auto page = index->List(req);
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->total_count, 250u);
    ++pages;
    seen.insert(seen.end(), page->ids.begin(), page->ids.end());
    if (!page->is_truncated) {
      EXPECT_EQ(page->next_cursor, "");
      break;
    }
    req.cursor = page->next_cursor;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen.size(), 250u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
}

TEST_F(DatabaseTest, ListPagingIsStableWhileWritesHappen) {
  auto index = Create("l", 1, Metric::kEuclidean);
  std::vector<VectorRecord> stable;
  for (int i = 0; i < 2000; ++i) {
    char id[16];
    std::snprintf(id, sizeof(id), "s%05d", i);
    stable.push_back(MakeRecord(id, {float(i)}));
  }
  ASSERT_TRUE(index->Insert(stable).ok());
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> d(0, 99999);
    int n = 0;
    while (!stop) {
      std::string id = "t" + std::to_string(d(rng));  // churn ids interleaved with stable ones
      std::string other = "s" + std::to_string(d(rng)) + "x";
      (void)index->Upsert(std::vector{MakeRecord(id, {1.0f}), MakeRecord(other, {2.0f})});
      std::vector<std::string> del{id};
      (void)index->DeleteByIds(del);
      ++n;
    }
  });
  std::vector<std::string> seen;
  ListRequest req{37, ""};
  while (true) {
    auto page = index->List(req);
    ASSERT_TRUE(page.ok());
    seen.insert(seen.end(), page->ids.begin(), page->ids.end());
    if (!page->is_truncated) break;
    req.cursor = page->next_cursor;
  }
  stop = true;
  writer.join();
  // Strictly increasing: no id twice. Every id present throughout: seen exactly once.
  for (size_t i = 1; i < seen.size(); ++i) ASSERT_LT(seen[i - 1], seen[i]);
  std::set<std::string> s(seen.begin(), seen.end());
  for (const VectorRecord& r : stable) EXPECT_EQ(s.count(r.id), 1u) << r.id;
}

TEST_F(DatabaseTest, QueriesRunConcurrentlyWithWrites) {
  const uint32_t dims = 16;
  auto index = Create("c", dims, Metric::kCosine);
  std::vector<VectorRecord> base;
  for (int i = 0; i < 300; ++i) base.push_back(MakeRecord("b" + std::to_string(i), RandomVector(rng_, dims)));
  ASSERT_TRUE(index->Insert(base).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> writes{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, w] {
      std::mt19937 rng(w);
      for (int i = 0; i < 150; ++i) {
        auto r = index->Upsert(std::vector{MakeRecord("w" + std::to_string(w) + "-" + std::to_string(i),
                                                      RandomVector(rng, dims))});
        if (r.ok()) ++writes;
      }
    });
  }
  // Each query checks that the stored base vector is its own nearest neighbour: a torn read of the
  // arena during a concurrent write would break it.
  std::thread reader([&] {
    int i = 0;
    while (!stop) {
      QueryRequest q;
      q.vector = base[i % base.size()].values;
      q.top_k = 1;
      auto r = index->Query(q);
      ASSERT_TRUE(r.ok());
      ASSERT_EQ(r->matches[0].id, base[i % base.size()].id);
      ++i;
    }
  });
  for (auto& t : writers) t.join();
  stop = true;
  reader.join();
  EXPECT_EQ(writes.load(), 450);
  EXPECT_EQ(index->Info()->vector_count, 750u);
  Reopen();
  EXPECT_EQ(Get("c")->Info()->vector_count, 750u);
}

// The automatic checkpoint runs on its own thread after the write that crossed the threshold is
// acknowledged: it lands without a Close or an explicit Checkpoint, writes go on meanwhile, and
// everything written before and after it reads back after a reopen that replays the log alone.
TEST_F(DatabaseTest, AutomaticCheckpointLandsInTheBackground) {
  const uint32_t dims = 16;
  options_.checkpoint_wal_bytes = 20000;
  options_.checkpoint_on_close = false;
  Reopen();
  auto index = Create("bg", dims, Metric::kEuclidean);
  const auto segments = [&] {
    size_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_.path())) {
      n += e.path().filename().string().rfind("seg-", 0) == 0;
    }
    return n;
  };
  std::vector<std::vector<float>> written;
  int next = 0;
  const auto write = [&](int n) {
    std::vector<VectorRecord> batch;
    for (int i = 0; i < n; ++i, ++next) {
      written.push_back(RandomVector(rng_, dims));
      batch.push_back(MakeRecord("r" + std::to_string(next), written.back()));
    }
    ASSERT_TRUE(index->Insert(batch).ok());
  };
  write(400);  // ~28 KB of log: past the threshold
  bool landed = false;
  for (int i = 0; i < 3000 && !landed; ++i) {
    write(1);  // writes go on while the checkpoint is pending or running
    landed = segments() > 0;
    if (!landed) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(landed) << "no checkpoint 30 s after the log passed its threshold";
  write(50);
  index.reset();
  Reopen();  // no checkpoint on close: the segment plus the log after it
  auto reopened = Get("bg");
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->Info()->vector_count, written.size());
  for (int i = 0; i < next; i += 37) {
    auto got = reopened->GetByIds(std::vector<std::string>{"r" + std::to_string(i)});
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), 1u);
    EXPECT_EQ((*got)[0].values, written[i]) << i;
  }
}

// Issue 16: the automatic checkpoint's threshold grows with the index (checkpoint_wal_ratio ×
// the last segment), read from the segment on open and from each new checkpoint after it, so a
// bulk load rewrites the index a logarithmic number of times instead of once per fixed step.
TEST_F(DatabaseTest, AutomaticCheckpointThresholdGrowsWithTheSegment) {
  const uint32_t dims = 32;
  options_.checkpoint_wal_bytes = 20000;
  options_.checkpoint_wal_ratio = 1.0;
  options_.checkpoint_on_close = false;
  Reopen();
  auto index = Create("grow", dims, Metric::kEuclidean);
  const std::filesystem::path index_dir = dir_.path() + "/indexes/grow";
  // The current segment's name and size, and the bytes of log beside it. While a checkpoint
  // runs, its segment is on disk beside the one it replaces (removed after the commit): then
  // `segment` is "" (busy). The background checkpoint removes files while we list them: a file
  // that vanishes between the listing and its size makes the whole listing stale, so list again.
  struct Files {
    std::string segment;
    uint64_t segment_bytes = 0, wal_bytes = 0;
  };
  const auto files = [&] {
    for (;;) {
      Files f;
      int segments = 0;
      bool stale = false;
      for (const auto& e : std::filesystem::directory_iterator(index_dir)) {
        const std::string name = e.path().filename().string();
        const bool segment = name.rfind("seg-", 0) == 0, wal = name.rfind("wal-", 0) == 0;
        if (!segment && !wal) continue;
        std::error_code error;
        const uint64_t bytes = std::filesystem::file_size(e.path(), error);
        if (error) {
          stale = true;
          break;
        }
        if (segment) {
          f.segment = ++segments == 1 ? name : "";
          f.segment_bytes = bytes;
        } else {
          f.wal_bytes += bytes;
        }
      }
      if (!stale) return f;
    }
  };
  int next = 0;
  const auto write = [&](Index* ix, int n) {
    std::vector<VectorRecord> batch;
    for (int i = 0; i < n; ++i, ++next) {
      batch.push_back(MakeRecord("r" + std::to_string(next), RandomVector(rng_, dims)));
    }
    ASSERT_TRUE(ix->Insert(batch).ok());
  };
  // A checkpoint that lands within `wait` of the last write, or "" (the segment is unchanged).
  const auto new_segment = [&](const std::string& before, std::chrono::milliseconds wait) {
    const auto end = std::chrono::steady_clock::now() + wait;
    for (;;) {
      const std::string now = files().segment;
      if ((now != before && !now.empty()) || std::chrono::steady_clock::now() >= end) return now;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  };
  write(index.get(), 3000);  // ~0.5 MB of log; automatic checkpoints land along the way
  ASSERT_TRUE(db_->Checkpoint().ok());
  index.reset();
  Reopen();  // the threshold now comes from the segment on disk
  index = Get("grow");
  ASSERT_NE(index, nullptr);
  for (int round = 0; round < 2; ++round) {
    const auto start = files();
    ASSERT_GT(start.segment_bytes, 20u * options_.checkpoint_wal_bytes) << round;
    // Up to 80% of the segment's size in log: many times checkpoint_wal_bytes, but under the
    // threshold, so no write queues a checkpoint (a checkpoint would empty the log: stop then).
    for (auto now = files(); now.segment == start.segment &&
                             now.wal_bytes + 20 * (dims * 4 + 64) < start.segment_bytes * 8 / 10;
         now = files()) {
      write(index.get(), 20);
    }
    EXPECT_EQ(new_segment(start.segment, std::chrono::milliseconds(1500)), start.segment)
        << "a checkpoint with " << files().wal_bytes << " bytes of log after a segment of "
        << start.segment_bytes;
    // Past the segment's size: the next write queues one.
    for (auto now = files(); now.segment == start.segment && now.wal_bytes <= start.segment_bytes;
         now = files()) {
      write(index.get(), 20);
    }
    write(index.get(), 1);
    const std::string landed = new_segment(start.segment, std::chrono::seconds(30));
    ASSERT_NE(landed, start.segment) << "no checkpoint 30 s after the log passed the segment's size";
    // The checkpoint holds what the log held; the next round's threshold is its own size.
    EXPECT_GT(files().segment_bytes, start.segment_bytes * 3 / 2) << round;
  }
  index.reset();
  Reopen();
  EXPECT_EQ(Get("grow")->Info()->vector_count, static_cast<uint64_t>(next));
}

TEST_F(DatabaseTest, CheckpointRatioMustBeANonNegativeNumber) {
  for (double bad : {-0.5, std::numeric_limits<double>::quiet_NaN(),
                     std::numeric_limits<double>::infinity()}) {
    DatabaseOptions options = options_;
    options.checkpoint_wal_ratio = bad;
    auto db = Database::Open(options, dir_.path() + "/other");
    ASSERT_FALSE(db.ok()) << bad;
    EXPECT_TRUE(db.status().IsInvalidArgument()) << db.status().ToString();
  }
}

TEST_F(DatabaseTest, ReopenGivesIdenticalResultsWithAndWithoutCheckpoint) {
  const uint32_t dims = 12;
  options_.checkpoint_wal_bytes = 20000;  // several automatic checkpoints along the way
  Reopen();
  auto index = Create("p", dims, Metric::kDotProduct);
  ASSERT_TRUE(index->CreateMetadataIndex({"n", MetadataIndexType::kNumber}).ok());
  for (int i = 0; i < 300; ++i) {
    auto r = MakeRecord("k" + std::to_string(i % 200), RandomVector(rng_, dims), i % 2 ? "odd" : "",
                        R"({"n":)" + std::to_string(i) + "}");
    ASSERT_TRUE((i % 3 ? index->Upsert(std::vector{r}) : index->Insert(std::vector{r})).ok());
    if (i % 7 == 0) {
      std::vector<std::string> del{"k" + std::to_string(i / 2)};
      ASSERT_TRUE(index->DeleteByIds(del).ok());
    }
  }
  auto snapshot = [&](Index* ix) {
    std::vector<std::string> out;
    for (int t = 0; t < 5; ++t) {
      QueryRequest q;
      std::mt19937 rng(t);
      q.vector = RandomVector(rng, dims);
      q.top_k = 20;
      q.return_metadata = ReturnMetadata::kAll;
      q.filter_json = t % 2 ? R"({"n":{"$gte":100}})" : "";
      auto result = ix->Query(q);
      EXPECT_TRUE(result.ok()) << result.status().ToString();
      if (!result.ok()) continue;
      for (const QueryMatch& m : result->matches) {
        out.push_back(m.id + "|" + std::to_string(m.score) + "|" + m.ns + "|" + m.metadata_json);
      }
    }
    out.push_back(std::to_string(ix->Info()->vector_count) + ix->Info()->processed_up_to_mutation);
    return out;
  };
  auto before = snapshot(index.get());
  options_.checkpoint_on_close = false;
  Reopen();  // WAL replay on top of the last automatic checkpoint
  EXPECT_EQ(snapshot(Get("p").get()), before);
  options_.checkpoint_on_close = true;
  Reopen();  // closes with a checkpoint...
  Reopen();  // ...and opens from it alone
  EXPECT_EQ(snapshot(Get("p").get()), before);
  ASSERT_TRUE(db_->Checkpoint().ok());
  EXPECT_EQ(snapshot(Get("p").get()), before);
}

// Issue 10: a metadata number outside the int64/uint64 range was accepted, stored as the long
// integer JavaScript prints, and refused on the next open, making the database unopenable. Every
// accepted value must read back after WAL replay and after a checkpoint, and filters must see it.
TEST_F(DatabaseTest, MetadataNumbersOfAnyMagnitudeSurviveReopen) {
  auto index = Create("big", 3, Metric::kEuclidean);
  const std::vector<std::string> metadata = {
      R"({"n":-1e19})", R"({"n":5e19})", R"({"n":18446744073709551615})",
      R"({"n":50000000000000000000,"o":{"m":-0}})", R"({"n":-1.7976931348623157e308})",
      R"({"n":9223372036854775807})"};
  std::vector<VectorRecord> records;
  for (size_t i = 0; i < metadata.size(); ++i) {
    records.push_back(MakeRecord("r" + std::to_string(i), {float(i), 0, 0}, "", metadata[i]));
  }
  ASSERT_TRUE(index->Upsert(records).ok());
  std::vector<std::string> ids;
  for (const auto& r : records) ids.push_back(r.id);
  const auto before = *index->GetByIds(ids);
  EXPECT_EQ(before[0].metadata_json, R"({"n":-10000000000000000000})");
  EXPECT_EQ(before[3].metadata_json, R"({"n":50000000000000000000,"o":{"m":0}})");
  auto filtered = [&]() {
    QueryRequest q;
    q.vector = {0, 0, 0};
    q.top_k = 10;
    q.filter_json = R"({"n":{"$gte":40000000000000000000}})";
    auto r = Get("big")->Query(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> out;
    if (r.ok()) for (const auto& m : r->matches) out.push_back(m.id);
    return out;
  };
  EXPECT_EQ(filtered(), (std::vector<std::string>{"r1", "r3"}));
  options_.checkpoint_on_close = false;
  Reopen();  // WAL replay
  auto after = Get("big")->GetByIds(ids);
  ASSERT_TRUE(after.ok());
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ((*after)[i].metadata_json, before[i].metadata_json);
  EXPECT_EQ(filtered(), (std::vector<std::string>{"r1", "r3"}));
  options_.checkpoint_on_close = true;
  Reopen();
  Reopen();  // from the segment alone
  after = Get("big")->GetByIds(ids);
  ASSERT_TRUE(after.ok());
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ((*after)[i].metadata_json, before[i].metadata_json);
  EXPECT_TRUE(db_->RecoveryLog().empty());
}

TEST_F(DatabaseTest, SecondOpenOfTheSameDirectoryIsRefused) {
  auto second = Database::Open(options_, dir_.path());
  EXPECT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("another process"), std::string::npos);
}

}  // namespace
}  // namespace semble

namespace semble {
namespace {

class EmbeddingModelTest : public ::testing::Test {
 protected:
  test::TempDir dir_;
  DatabaseOptions options_;
};

TEST_F(EmbeddingModelTest, IndexRemembersItsModelAcrossReopenAndCheckpoint) {
  {
    auto db = Database::Open(options_, dir_.path());
    ASSERT_TRUE(db.ok());
    IndexConfig config{384, Metric::kCosine};
    config.embedding_model = "all-MiniLM-L6-v2-q4";
    config.embedding_pooling = "cls";
    ASSERT_TRUE((*db)->CreateIndex({"docs", "", config}).ok());
    ASSERT_TRUE((*db)->CreateIndex({"plain", "", {3, Metric::kEuclidean}}).ok());
    ASSERT_TRUE((*db)->Checkpoint().ok());
  }
  auto db = Database::Open(options_, dir_.path());
  ASSERT_TRUE(db.ok());
  auto docs = (*db)->GetIndex("docs");
  ASSERT_TRUE(docs.ok());
  EXPECT_EQ((*docs)->Describe().config.embedding_model, "all-MiniLM-L6-v2-q4");
  EXPECT_EQ((*docs)->Describe().config.embedding_pooling, "cls");
  auto plain = (*db)->GetIndex("plain");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ((*plain)->Describe().config.embedding_model, "");
}

TEST_F(EmbeddingModelTest, BadModelFieldsAreRefused) {
  auto db = Database::Open(options_, dir_.path());
  ASSERT_TRUE(db.ok());
  auto create = [&](std::string model, std::string pooling) {
    IndexConfig config{8, Metric::kCosine};
    config.embedding_model = std::move(model);
    config.embedding_pooling = std::move(pooling);
    return (*db)->CreateIndex({"x", "", config}).status();
  };
  EXPECT_TRUE(create("m", "").IsInvalidArgument());
  EXPECT_TRUE(create("", "mean").IsInvalidArgument());
  EXPECT_TRUE(create("../m", "mean").IsInvalidArgument());
  EXPECT_TRUE(create("a b", "mean").IsInvalidArgument());
  EXPECT_TRUE(create("m", "max").IsInvalidArgument());
  EXPECT_TRUE((*db)->ListIndexes().empty());
  EXPECT_TRUE(create("model-1.5_x", "mean").ok());
}

}  // namespace
}  // namespace semble

#include "db/index_files.h"
#include "db/mutation.h"
#include "storage/log_format.h"
#include "storage/log_reader.h"

namespace semble {
namespace {

// Manifests written before indexes could own a model end after the index type; they must still
// open, as indexes without a model.
TEST(ManifestCompatTest, ManifestWithoutModelFieldsReads) {
  test::TempDir dir;
  Env* env = Env::Default();
  db::Manifest m;
  m.description.name = "old";
  m.description.config = {4, Metric::kDotProduct};
  m.description.config.index_type = "flat";
  ASSERT_TRUE(db::WriteManifest(env, dir.path(), m).ok());
  const std::string path = dir.path() + "/" + db::kManifestName;
  std::string payload;
  {
    auto reader = storage::LogReader::Open(env, path, false);
    ASSERT_TRUE(reader.ok());
    std::string_view p;
    ASSERT_TRUE((*reader)->Next(&p).ok());
    payload.assign(p);
  }
  // The newest field last: the shard count (one varint byte for 1).
  ASSERT_EQ(payload.back(), '\x01');
  payload.pop_back();
  const std::string with_text_index = payload;
  // Before it: the (disabled) full-text index configuration.
  std::string text_index;
  db::EncodeTextIndexConfig(m.description.config.text_index, &text_index);
  ASSERT_EQ(payload.substr(payload.size() - text_index.size()), text_index);
  payload.resize(payload.size() - text_index.size());
  const std::string with_cache_fields = payload;
  // Three empty length-prefixed strings (model, pooling, schema), a zero default ttl (one varint
  // byte each), an empty cache_json (one byte) and a zero max_metadata_bytes (fixed 8 bytes).
  ASSERT_EQ(payload.substr(payload.size() - 13), std::string(13, '\0'));
  payload.resize(payload.size() - 13);
  auto rewrite = [&](const std::string& p) {
    std::string framed;
    storage::AppendRecord(&framed, p);
    ASSERT_TRUE(WriteFileAtomically(env, path, framed).ok());
  };
  rewrite(payload);
  auto read = db::ReadManifest(env, dir.path());
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->description.name, "old");
  EXPECT_EQ(read->description.config.embedding_model, "");
  // Model and pooling without a schema: the format between the two additions.
  rewrite(payload + std::string(2, '\0'));
  EXPECT_TRUE(db::ReadManifest(env, dir.path()).ok());
  // A model without its pooling is damage, not an old format.
  rewrite(payload + '\0');
  EXPECT_TRUE(db::ReadManifest(env, dir.path()).status().IsCorruption());
  // Model, pooling and schema without a default ttl: the format before expiry; no default.
  rewrite(payload + std::string(3, '\0'));
  read = db::ReadManifest(env, dir.path());
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->description.config.default_ttl_seconds, 0);
  // The default ttl round-trips over its whole range (varints of every length).
  std::mt19937_64 rng(9);
  for (int i = 0; i < 200; ++i) {
    m.description.config.default_ttl_seconds =
        i == 0 ? INT64_MAX : static_cast<int64_t>(rng() >> (1 + rng() % 63));
    auto back = db::DecodeManifest(db::EncodeManifest(m), "test");
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->description.config.default_ttl_seconds, m.description.config.default_ttl_seconds);
  }
  // With the default ttl, before the cache fields: reads with no cache.
  rewrite(payload + std::string(4, '\0'));
  read = db::ReadManifest(env, dir.path());
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->description.config.cache_json, "");
  EXPECT_EQ(read->description.config.max_metadata_bytes, 0u);
  // A cache's settings without the metadata limit after them is damage.
  rewrite(payload + std::string(5, '\0'));
  EXPECT_TRUE(db::ReadManifest(env, dir.path()).status().IsCorruption());
  // The cache fields round-trip over their range.
  for (int i = 0; i < 200; ++i) {
    m.description.config.cache_json = std::string(rng() % 300, static_cast<char>(rng()));
    m.description.config.max_metadata_bytes = i == 0 ? UINT64_MAX : rng() >> (rng() % 64);
    auto back = db::DecodeManifest(db::EncodeManifest(m), "test");
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->description.config.cache_json, m.description.config.cache_json);
    EXPECT_EQ(back->description.config.max_metadata_bytes, m.description.config.max_metadata_bytes);
  }
  // With the cache fields, before the full-text index: reads with none.
  rewrite(with_cache_fields);
  read = db::ReadManifest(env, dir.path());
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->description.config.text_index, TextIndexConfig{});
  // A full-text index cut anywhere is damage.
  for (size_t cut = 1; cut < text_index.size(); ++cut) {
    rewrite(with_cache_fields + text_index.substr(0, cut));
    EXPECT_TRUE(db::ReadManifest(env, dir.path()).status().IsCorruption()) << cut;
  }
  // The full-text index configuration round-trips over its range (any bytes in its strings,
  // every float, up to many fields).
  for (int i = 0; i < 300; ++i) {
    TextIndexConfig& t = m.description.config.text_index;
    t.enabled = rng() % 2 == 0;
    t.language = std::string(rng() % 12, static_cast<char>(rng()));
    const uint32_t k1_bits = static_cast<uint32_t>(rng()), b_bits = static_cast<uint32_t>(rng());
    std::memcpy(&t.k1, &k1_bits, 4);
    std::memcpy(&t.b, &b_bits, 4);
    t.fields.assign(rng() % 10, "");
    for (std::string& f : t.fields) f = std::string(rng() % 20, static_cast<char>(rng()));
    auto back = db::DecodeManifest(db::EncodeManifest(m), "test");
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    const TextIndexConfig& r = back->description.config.text_index;
    EXPECT_EQ(r.enabled, t.enabled);
    EXPECT_EQ(r.language, t.language);
    EXPECT_EQ(r.fields, t.fields);
    EXPECT_EQ(std::memcmp(&r.k1, &t.k1, 4), 0);  // NaN bits too
    EXPECT_EQ(std::memcmp(&r.b, &t.b, 4), 0);
  }
  // With the full-text index, before the shard count: one shard.
  rewrite(with_text_index);
  read = db::ReadManifest(env, dir.path());
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->description.config.shards, 1u);
  // Every shard count in range round-trips; 0, 65 and a cut varint are damage.
  for (uint32_t shards = 1; shards <= 64; ++shards) {
    m.description.config.shards = shards;
    auto back = db::DecodeManifest(db::EncodeManifest(m), "test");
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->description.config.shards, shards);
  }
  for (const std::string tail : {std::string(1, '\0'), std::string(1, '\x41'),
                                 std::string(1, '\x80'), std::string("\x81\x80\x80", 3)}) {
    rewrite(with_text_index + tail);
    EXPECT_TRUE(db::ReadManifest(env, dir.path()).status().IsCorruption());
  }
}

}  // namespace
}  // namespace semble
