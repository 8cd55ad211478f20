// Copyright 2026 The semble Authors.
//
// Record expiry (ttl) and delete / update metadata by filter, against a model written in the test:
// random records, random filters, a clock the test moves (FaultEnv::fixed_now_ms; nothing sleeps
// for expiry), reopen with and without a checkpoint (log replay), an object store as the durable
// home, writers and readers on threads, and bad input.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "db/clocked_database_test.h"
#include "db/db_test_util.h"
#include "semble/database.h"
#include "semble/object_store.h"
#include "util/test_util.h"

namespace semble {
namespace {

using test::MakeRecord;
using test::RandomVector;

constexpr int64_t kStart = 1'700'000'000'000;  // the test clock's first reading (ms)

// The model of one record: its vector, and metadata as ordered (key, compact JSON) members, which
// is how the engine keeps and prints them.
struct ModelRecord {
  std::vector<float> values;
  std::vector<std::pair<std::string, std::string>> md;
  int64_t expires_at_ms = 0;
  bool ExpiredAt(int64_t now) const { return expires_at_ms != 0 && expires_at_ms <= now; }
  std::string Json() const {
    if (md.empty()) return "";
    std::string out = "{";
    for (const auto& [k, v] : md) out += (out.size() > 1 ? "," : "") + ("\"" + k + "\":" + v);
    return out + "}";
  }
  const std::string* Field(const std::string& key) const {
    for (const auto& [k, v] : md) {
      if (k == key) return &v;
    }
    return nullptr;
  }
};

// A filter as the engine gets it and as the model evaluates it.
struct ModelFilter {
  std::string json;
  std::function<bool(const ModelRecord&)> matches;
};

ModelFilter RandomFilter(std::mt19937& rng) {
  const int g = static_cast<int>(rng() % 4);
  const int n = static_cast<int>(rng() % 100);
  auto num = [](const ModelRecord& r, const char* key) -> std::optional<int> {
    const std::string* v = r.Field(key);
    if (v == nullptr || v->empty() || v->front() == '"') return std::nullopt;
    return std::stoi(*v);
  };
  switch (rng() % 5) {
    case 0:
      return {"{\"g\":" + std::to_string(g) + "}",
              [=](const ModelRecord& r) { return num(r, "g") == g; }};
    case 1:
      return {"{\"n\":{\"$gte\":" + std::to_string(n) + "}}", [=](const ModelRecord& r) {
                auto v = num(r, "n");
                return v && *v >= n;
              }};
    case 2:
      return {R"({"s":{"$in":["a","b"]}})", [](const ModelRecord& r) {
                const std::string* s = r.Field("s");
                return s != nullptr && (*s == "\"a\"" || *s == "\"b\"");
              }};
    case 3:  // a missing field matches $ne
      return {R"({"s":{"$ne":"a"}})", [](const ModelRecord& r) {
                const std::string* s = r.Field("s");
                return s == nullptr || *s != "\"a\"";
              }};
    default:
      return {"{\"$and\":[{\"g\":" + std::to_string(g) + "},{\"n\":{\"$lt\":" +
                  std::to_string(n) + "}}]}",
              [=](const ModelRecord& r) {
                auto v = num(r, "n");
                return num(r, "g") == g && v && *v < n;
              }};
  }
}

std::vector<std::pair<std::string, std::string>> RandomMetadata(std::mt19937& rng) {
  std::vector<std::pair<std::string, std::string>> md;
  if (rng() % 5 == 0) return md;  // no metadata
  md.emplace_back("g", std::to_string(rng() % 4));
  if (rng() % 4 != 0) md.emplace_back("s", std::string("\"") + char('a' + rng() % 3) + "\"");
  md.emplace_back("n", std::to_string(rng() % 100));
  return md;
}

// Parameters: metadata indexes on the filtered properties, an index default ttl, an object store.
struct Mode {
  bool metadata_indexes;
  bool default_ttl;
  bool store;
};

class LifecycleOracleTest : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    env_.fixed_now_ms = now_;
    options_.env = &env_;
    options_.expiry_purge_interval_ms = 0;  // purges happen when the test says
    if (GetParam().store) {
      auto store = OpenObjectStore("file://" + bucket_.path() + "/bucket", {});
      ASSERT_TRUE(store.ok()) << store.status().ToString();
      store_ = std::move(store).value();
      options_.store = store_.get();
      options_.group_commit_window_us = 0;
    }
    Reopen();
  }

  void Reopen() {
    index_.reset();
    db_.reset();
    auto db = Database::Open(options_, dir_.path());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    auto index = db_->GetIndex("t");
    if (index.ok()) index_ = *index;
  }

  void SetNow(int64_t now) {
    now_ = now;
    env_.fixed_now_ms = now;
  }

  std::vector<std::string> Visible() const {
    std::vector<std::string> out;
    for (const auto& [id, r] : model_) {
      if (!r.ExpiredAt(now_)) out.push_back(id);
    }
    return out;
  }

  // Every read agrees with the model: get, list (every page), info, exact queries (plain,
  // filtered, by a stored id) and by-id queries of expired records.
  void Check(const std::string& when) {
    SCOPED_TRACE(when);
    const std::vector<std::string> visible = Visible();
    auto info = index_->Info();
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->vector_count, visible.size());

    std::vector<std::string> all;
    for (int i = 0; i < kIds; ++i) all.push_back("r" + std::to_string(i));
    auto got = index_->GetByIds(all);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    std::vector<std::string> got_ids;
    for (const VectorRecord& r : *got) {
      got_ids.push_back(r.id);
      const ModelRecord& m = model_.at(r.id);
      EXPECT_EQ(r.values, m.values) << r.id;
      EXPECT_EQ(r.metadata_json, m.Json()) << r.id;
      EXPECT_EQ(r.expires_at_ms, m.expires_at_ms) << r.id;
    }
    std::sort(got_ids.begin(), got_ids.end());
    EXPECT_EQ(got_ids, visible);

    std::vector<std::string> listed;
    ListRequest lr;
    lr.count = 7;
    for (int page = 0; page < 100; ++page) {
      auto l = index_->List(lr);
      ASSERT_TRUE(l.ok()) << l.status().ToString();
      EXPECT_EQ(l->total_count, visible.size());
      listed.insert(listed.end(), l->ids.begin(), l->ids.end());
      if (!l->is_truncated) break;
      lr.cursor = l->next_cursor;
    }
    EXPECT_EQ(listed, visible);

    for (int t = 0; t < 4; ++t) {
      QueryRequest q;
      q.vector = RandomVector(rng_, kDims);
      q.top_k = 10;
      q.return_metadata = ReturnMetadata::kAll;
      std::vector<VectorRecord> candidates;
      std::optional<ModelFilter> filter;
      if (t % 2 == 1) {
        filter = RandomFilter(rng_);
        q.filter_json = filter->json;
      }
      for (const std::string& id : visible) {
        const ModelRecord& m = model_.at(id);
        if (!filter || filter->matches(m)) candidates.push_back(MakeRecord(id, m.values));
      }
      auto result = index_->Query(q);
      ASSERT_TRUE(result.ok()) << result.status().ToString();
      auto expected = test::ReferenceTopK(Metric::kEuclidean, q.vector, candidates, 10);
      ASSERT_EQ(result->matches.size(), expected.size()) << q.filter_json;
      for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(result->matches[i].id, expected[i].id) << q.filter_json;
        EXPECT_EQ(result->matches[i].metadata_json, model_.at(expected[i].id).Json());
      }
    }
    for (const auto& [id, m] : model_) {
      QueryRequest q;
      q.vector_id = id;
      q.top_k = 3;
      auto result = index_->Query(q);
      if (m.ExpiredAt(now_)) {
        EXPECT_TRUE(result.status().IsNotFound()) << id << " " << result.status().ToString();
      } else {
        ASSERT_TRUE(result.ok()) << result.status().ToString();
        ASSERT_FALSE(result->matches.empty());
        EXPECT_EQ(result->matches[0].id, id);
      }
    }
  }

  static constexpr uint32_t kDims = 6;
  static constexpr int kIds = 60;
  std::mt19937 rng_{1234};
  int64_t now_ = kStart;
  test::TempDir dir_;
  test::TempDir bucket_;
  test::FaultEnv env_;
  std::unique_ptr<ObjectStore> store_;
  DatabaseOptions options_;
  std::unique_ptr<Database> db_;
  std::shared_ptr<Index> index_;
  std::map<std::string, ModelRecord> model_;  // expired records stay until the model purges
};

TEST_P(LifecycleOracleTest, EveryReadMatchesTheModelAcrossExpiryFiltersAndReopen) {
  const Mode mode = GetParam();
  CreateIndexRequest create{"t", "", {kDims, Metric::kEuclidean, "flat"}};
  const int64_t default_ttl = mode.default_ttl ? 30 : 0;
  create.config.default_ttl_seconds = default_ttl;
  ASSERT_TRUE(db_->CreateIndex(create).ok());
  Reopen();
  ASSERT_NE(index_, nullptr);
  if (mode.metadata_indexes) {
    ASSERT_TRUE(index_->CreateMetadataIndex({"g", MetadataIndexType::kNumber}).ok());
    ASSERT_TRUE(index_->CreateMetadataIndex({"n", MetadataIndexType::kNumber}).ok());
    ASSERT_TRUE(index_->CreateMetadataIndex({"s", MetadataIndexType::kString}).ok());
  }
  for (int step = 0; step < 260; ++step) {
    const std::string what = "step " + std::to_string(step);
    const int op = static_cast<int>(rng_() % 20);
    if (op < 8) {  // insert or upsert a batch
      const bool upsert = op % 2 == 0;
      std::vector<VectorRecord> batch;
      for (int i = 0, n = 1 + static_cast<int>(rng_() % 5); i < n; ++i) {
        ModelRecord m;
        m.values = RandomVector(rng_, kDims);
        m.md = RandomMetadata(rng_);
        VectorRecord r = MakeRecord("r" + std::to_string(rng_() % kIds), m.values, "", m.Json());
        switch (rng_() % 4) {
          case 0: break;  // the index default, if any
          case 1:
            r.ttl_seconds = 1 + static_cast<int64_t>(rng_() % 20);
            m.expires_at_ms = now_ + *r.ttl_seconds * 1000;
            break;
          case 2:  // an absolute expiry, now and then one already past
            r.expires_at_ms = now_ + static_cast<int64_t>(rng_() % 30000) - 2000;
            m.expires_at_ms = r.expires_at_ms;
            break;
          default:
            r.ttl_seconds = 3600;
            m.expires_at_ms = now_ + 3600 * 1000;
            break;
        }
        if (m.expires_at_ms == 0 && default_ttl > 0) m.expires_at_ms = now_ + default_ttl * 1000;
        batch.push_back(r);
        auto it = model_.find(r.id);
        if (upsert || it == model_.end() || it->second.ExpiredAt(now_)) {
          model_[r.id] = m;
        }
      }
      auto w = upsert ? index_->Upsert(batch) : index_->Insert(batch);
      ASSERT_TRUE(w.ok()) << w.status().ToString();
    } else if (op < 10) {  // delete by ids
      std::vector<std::string> ids;
      for (int i = 0; i < 3; ++i) ids.push_back("r" + std::to_string(rng_() % kIds));
      ASSERT_TRUE(index_->DeleteByIds(ids).ok());
      for (const std::string& id : ids) model_.erase(id);
    } else if (op < 12) {  // delete by filter
      ModelFilter f = RandomFilter(rng_);
      uint64_t expected = 0;
      for (auto it = model_.begin(); it != model_.end();) {
        if (!it->second.ExpiredAt(now_) && f.matches(it->second)) {
          ++expected;
          it = model_.erase(it);
        } else {
          ++it;
        }
      }
      auto w = index_->DeleteByFilter({f.json});
      ASSERT_TRUE(w.ok()) << w.status().ToString();
      EXPECT_EQ(w->count, expected) << f.json;
      EXPECT_FALSE(w->mutation_id.empty());
    } else if (op < 14) {  // update metadata by filter
      ModelFilter f = RandomFilter(rng_);
      FilterMutation u{f.json};
      u.merge = rng_() % 3 != 0;
      std::vector<std::pair<std::string, std::string>> patch;
      switch (rng_() % 3) {
        case 0: patch = {{"g", std::to_string(rng_() % 4)}}; break;
        case 1: patch = {{"s", "\"c\""}, {"t", "true"}}; break;
        default: patch = {{"n", std::to_string(rng_() % 100)}, {"g", "1"}}; break;
      }
      ModelRecord p;
      p.md = patch;
      u.metadata_json = p.Json();
      uint64_t expected = 0;
      for (auto& [id, m] : model_) {
        if (m.ExpiredAt(now_) || !f.matches(m)) continue;
        ++expected;
        if (!u.merge) {
          m.md = patch;
          continue;
        }
        for (const auto& [k, v] : patch) {
          auto it = std::find_if(m.md.begin(), m.md.end(), [&](auto& kv) { return kv.first == k; });
          if (it != m.md.end()) it->second = v;
          else m.md.emplace_back(k, v);
        }
      }
      auto w = index_->UpdateMetadataByFilter(u);
      ASSERT_TRUE(w.ok()) << w.status().ToString();
      EXPECT_EQ(w->count, expected) << f.json;
    } else if (op < 17) {  // time passes
      SetNow(now_ + static_cast<int64_t>(rng_() % 4000));
    } else if (op < 18) {
      ASSERT_TRUE(db_->PurgeExpired().ok());
    } else if (op < 19) {  // reopen: from a checkpoint, or by replaying the log alone
      options_.checkpoint_on_close = rng_() % 2 == 0;
      Reopen();
      ASSERT_NE(index_, nullptr);
    } else {
      ASSERT_TRUE(db_->Checkpoint().ok());
    }
    Check(what);
    if (HasFatalFailure()) return;
  }
  // After the last expiry every record is gone, and a purge leaves nothing behind.
  SetNow(now_ + 3601 * 1000);
  Check("all expired");
  ASSERT_TRUE(db_->PurgeExpired().ok());
  Check("purged");
  options_.checkpoint_on_close = false;
  Reopen();
  Check("replayed after the purge");
}

INSTANTIATE_TEST_SUITE_P(Modes, LifecycleOracleTest,
                         ::testing::Values(Mode{false, false, false}, Mode{true, false, false},
                                           Mode{true, true, false}, Mode{false, true, true},
                                           Mode{true, false, true}),
                         [](const auto& info) {
                           return std::string(info.param.metadata_indexes ? "Indexed" : "Scan") +
                                  (info.param.default_ttl ? "DefaultTtl" : "") +
                                  (info.param.store ? "Store" : "Dir");
                         });

class LifecycleTest : public test::ClockedDatabaseTest {
 protected:
  std::shared_ptr<Index> Create(const std::string& name, int64_t default_ttl = 0) {
    CreateIndexRequest r{name, "", {4, Metric::kCosine}};
    r.config.default_ttl_seconds = default_ttl;
    auto index = db_->CreateIndex(r);
    EXPECT_TRUE(index.ok()) << index.status().ToString();
    return index.ok() ? *index : nullptr;
  }
  std::shared_ptr<Index> Get(const std::string& name) { return *db_->GetIndex(name); }

  std::mt19937 rng_{5};
};

TEST_F(LifecycleTest, ExpiryIsExactToTheMillisecondAndSurvivesReopen) {
  auto index = Create("x");
  std::vector<VectorRecord> records{MakeRecord("a", {1, 0, 0, 0}), MakeRecord("b", {0, 1, 0, 0}),
                                    MakeRecord("c", {0, 0, 1, 0})};
  records[0].ttl_seconds = 10;
  records[1].expires_at_ms = kStart + 5000;
  ASSERT_TRUE(index->Upsert(records).ok());
  auto got = index->GetByIds(std::vector<std::string>{"a", "b", "c"});
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].expires_at_ms, kStart + 10000);
  EXPECT_EQ((*got)[1].expires_at_ms, kStart + 5000);
  EXPECT_EQ((*got)[2].expires_at_ms, 0);
  EXPECT_FALSE((*got)[0].ttl_seconds.has_value());

  options_.checkpoint_on_close = false;  // the expiry comes back from the log...
  Reopen();
  index = Get("x");
  env_.fixed_now_ms = kStart + 4999;
  EXPECT_EQ(index->Info()->vector_count, 3u);
  env_.fixed_now_ms = kStart + 5000;
  EXPECT_EQ(index->Info()->vector_count, 2u);
  EXPECT_EQ(index->GetByIds(std::vector<std::string>{"b"})->size(), 0u);
  QueryRequest q;
  q.vector_id = "b";
  EXPECT_EQ(index->Query(q).status().reason(), Status::Reason::kVectorNotFound);
  q.vector_id.reset();
  q.vector = {0, 1, 0, 0};
  auto result = index->Query(q);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->matches.size(), 2u);
  EXPECT_NE(result->matches[0].id, "b");

  options_.checkpoint_on_close = true;  // ...and from a segment
  Reopen();
  Reopen();
  index = Get("x");
  env_.fixed_now_ms = kStart + 9999;
  EXPECT_EQ(index->List({})->ids, (std::vector<std::string>{"a", "c"}));
  env_.fixed_now_ms = kStart + 10000;
  EXPECT_EQ(index->List({})->ids, (std::vector<std::string>{"c"}));
  EXPECT_EQ(index->List({})->total_count, 1u);

  // An insert of an expired id is not "first write wins": the expired record is gone.
  ASSERT_TRUE(index->Insert(std::vector{MakeRecord("a", {1, 1, 0, 0})}).ok());
  got = index->GetByIds(std::vector<std::string>{"a"});
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].values, (std::vector<float>{1, 1, 0, 0}));
  EXPECT_EQ((*got)[0].expires_at_ms, 0);
}

TEST_F(LifecycleTest, IndexDefaultTtlIsPersistedAndApplied) {
  auto index = Create("d", 60);
  ASSERT_TRUE(index);
  EXPECT_EQ(index->Describe().config.default_ttl_seconds, 60);
  std::vector<VectorRecord> records{MakeRecord("a", {1, 0, 0, 0}), MakeRecord("b", {0, 1, 0, 0})};
  records[1].ttl_seconds = 5;
  ASSERT_TRUE(index->Insert(records).ok());
  Reopen();
  index = Get("d");
  EXPECT_EQ(index->Describe().config.default_ttl_seconds, 60);
  auto got = index->GetByIds(std::vector<std::string>{"a", "b"});
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].expires_at_ms, kStart + 60000);
  EXPECT_EQ((*got)[1].expires_at_ms, kStart + 5000);
}

TEST_F(LifecycleTest, BadTtlsAreRefusedAndWriteNothing) {
  auto index = Create("x");
  const int64_t bad[] = {0, -1, -1000, options_.limits.max_ttl_seconds + 1, INT64_MAX};
  for (int64_t ttl : bad) {
    std::vector<VectorRecord> records{MakeRecord("ok", {1, 0, 0, 0}), MakeRecord("a", {1, 0, 0, 0})};
    records[1].ttl_seconds = ttl;
    auto w = index->Upsert(records);
    EXPECT_TRUE(w.status().IsInvalidArgument()) << ttl;
    EXPECT_NE(w.status().message().find("ttl must be between 1 and"), std::string::npos)
        << w.status().ToString();
    EXPECT_NE(w.status().message().find("record 1 (id \"a\")"), std::string::npos);
  }
  std::vector<VectorRecord> both{MakeRecord("a", {1, 0, 0, 0})};
  both[0].ttl_seconds = 5;
  both[0].expires_at_ms = kStart + 1;
  EXPECT_TRUE(index->Upsert(both).status().IsInvalidArgument());
  std::vector<VectorRecord> negative{MakeRecord("a", {1, 0, 0, 0})};
  negative[0].expires_at_ms = -5;
  EXPECT_TRUE(index->Upsert(negative).status().IsInvalidArgument());
  EXPECT_EQ(index->Info()->vector_count, 0u);
  EXPECT_TRUE(index->Info()->processed_up_to_mutation.empty());

  for (int64_t ttl : {int64_t{-1}, options_.limits.max_ttl_seconds + 1}) {
    CreateIndexRequest r{"y", "", {4, Metric::kCosine}};
    r.config.default_ttl_seconds = ttl;
    auto created = db_->CreateIndex(r);
    EXPECT_TRUE(created.status().IsInvalidArgument()) << ttl;
    EXPECT_NE(created.status().message().find("defaultTtlSeconds"), std::string::npos);
  }
  EXPECT_TRUE(db_->GetIndex("y").status().IsNotFound());
}

TEST_F(LifecycleTest, PurgeIsALoggedMutationThatChangesNoResult) {
  auto index = Create("p");
  std::vector<VectorRecord> records;
  for (int i = 0; i < 50; ++i) {
    records.push_back(MakeRecord("v" + std::to_string(i), RandomVector(rng_, 4), "",
                                 "{\"i\":" + std::to_string(i) + "}"));
    if (i % 2 == 0) records.back().ttl_seconds = 1 + i;
  }
  ASSERT_TRUE(index->Upsert(records).ok());
  env_.fixed_now_ms = kStart + 25'500;
  auto snapshot = [&] {
    std::vector<std::string> out;
    QueryRequest q;
    q.vector = {1, 2, 3, 4};
    q.top_k = 50;
    q.filter_json = R"({"i":{"$gte":10}})";
    auto result = index->Query(q);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (result.ok()) {
      for (const QueryMatch& m : result->matches) out.push_back(m.id);
    }
    auto page = index->List({});
    EXPECT_TRUE(page.ok());
    if (page.ok()) {
      for (const std::string& id : page->ids) out.push_back("list " + id);
    }
    return out;
  };
  const auto before = snapshot();
  const std::string before_id = index->Info()->processed_up_to_mutation;
  ASSERT_TRUE(db_->PurgeExpired().ok());
  EXPECT_GT(index->Info()->processed_up_to_mutation, before_id);
  EXPECT_EQ(snapshot(), before);
  // Nothing more has expired: no mutation is written.
  const std::string purged_id = index->Info()->processed_up_to_mutation;
  ASSERT_TRUE(db_->PurgeExpired().ok());
  EXPECT_EQ(index->Info()->processed_up_to_mutation, purged_id);
  // The purge replays from the log to the same state, even with the clock turned back: the
  // purge's logged time keeps the reads' clock from going behind it.
  options_.checkpoint_on_close = false;
  Reopen();
  index = Get("p");
  env_.fixed_now_ms = kStart;
  EXPECT_EQ(snapshot(), before);
}

// A filter every stored record passes by the metadata indexes (a column's count, an exact bitmap,
// the only namespace) lets a query skip the filter, but not the records that are stored and still
// hidden: expired ones not purged yet, and excludeIds. Here those are the query's two best.
TEST_F(LifecycleTest, AFilterEveryRecordPassesStillHidesExpiredAndExcludedRecords) {
  auto index = Create("e");
  ASSERT_TRUE(index->CreateMetadataIndex({"n", MetadataIndexType::kNumber}).ok());
  ASSERT_TRUE(index->CreateMetadataIndex({"f", MetadataIndexType::kBoolean}).ok());
  std::vector<VectorRecord> records;
  for (int i = 0; i < 6; ++i) {
    const std::string md =
        "{\"n\":" + std::to_string(i * 10) + ",\"f\":" + (i % 2 ? "true" : "false") + "}";
    records.push_back(MakeRecord("r" + std::to_string(i), {1.0f, 0.2f * i, 0, 0}, "p", md));
  }
  records[0].expires_at_ms = kStart + 5000;
  ASSERT_TRUE(index->Upsert(records).ok());
  env_.fixed_now_ms = kStart + 5000;
  for (const char* filter : {"", R"({"n":{"$gte":0}})", R"({"f":{"$in":[true,false]}})",
                             R"({"$or":[{"n":{"$lt":30}},{"n":{"$gte":30}}]})"}) {
    for (bool by_ns : {false, true}) {
      if (filter[0] == '\0' && !by_ns) continue;  // nothing the indexes could say all pass
      QueryRequest q;
      q.vector = {1, 0, 0, 0};
      q.top_k = 6;
      q.filter_json = filter;
      if (by_ns) q.ns = "p";
      q.exclude_ids = {"r1"};
      auto result = index->Query(q);
      ASSERT_TRUE(result.ok()) << result.status().ToString();
      std::vector<std::string> ids;
      for (const QueryMatch& m : result->matches) ids.push_back(m.id);
      EXPECT_EQ(ids, (std::vector<std::string>{"r2", "r3", "r4", "r5"}))
          << filter << (by_ns ? " in namespace p" : "");
    }
  }
}

TEST_F(LifecycleTest, TheBackgroundPurgesExpiredRecords) {
  options_.expiry_purge_interval_ms = 5;
  Reopen();
  auto index = Create("b");
  std::vector<VectorRecord> records{MakeRecord("a", {1, 0, 0, 0})};
  records[0].ttl_seconds = 1;
  ASSERT_TRUE(index->Upsert(records).ok());
  const std::string written = index->Info()->processed_up_to_mutation;
  env_.fixed_now_ms = kStart + 1000;
  EXPECT_EQ(index->Info()->vector_count, 0u);  // invisible at once, before any purge
  // Waiting for the background thread (not for the expiry, which the clock decided).
  for (int i = 0; i < 2000 && index->Info()->processed_up_to_mutation == written; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_GT(index->Info()->processed_up_to_mutation, written);
}

TEST_F(LifecycleTest, FilterMutationsRefuseBadInputAndChangeNothing) {
  auto index = Create("f");
  std::vector<VectorRecord> records;
  for (int i = 0; i < 10; ++i) {
    records.push_back(MakeRecord("v" + std::to_string(i), RandomVector(rng_, 4), "",
                                 "{\"i\":" + std::to_string(i) + ",\"pad\":\"" +
                                     std::string(i == 7 ? 9000 : 10, 'x') + "\"}"));
  }
  ASSERT_TRUE(index->Upsert(records).ok());
  const std::string last = index->Info()->processed_up_to_mutation;

  for (const char* empty : {"{}", ""}) {
    auto d = index->DeleteByFilter({empty});
    EXPECT_TRUE(d.status().IsInvalidArgument()) << empty << d.status().ToString();
    EXPECT_EQ(d.status().reason(), Status::Reason::kBadFilter);
    FilterMutation u{empty};
    u.metadata_json = R"({"a":1})";
    EXPECT_TRUE(index->UpdateMetadataByFilter(u).status().IsInvalidArgument());
  }
  auto bad = index->DeleteByFilter({R"({"i":{"$foo":1}})"});
  EXPECT_EQ(bad.status().reason(), Status::Reason::kBadFilter) << bad.status().ToString();
  EXPECT_EQ(index->DeleteByFilter({"{not json"}).status().reason(), Status::Reason::kBadFilter);

  FilterMutation no_metadata{R"({"i":1})"};
  EXPECT_TRUE(index->UpdateMetadataByFilter(no_metadata).status().IsInvalidArgument());
  FilterMutation not_object{R"({"i":1})"};
  not_object.metadata_json = "[1]";
  EXPECT_TRUE(index->UpdateMetadataByFilter(not_object).status().IsInvalidArgument());
  // v7's metadata (9000 bytes of padding) would pass 10 KiB with 2000 more: nothing is updated.
  FilterMutation too_big{R"({"i":{"$gte":5}})"};
  too_big.metadata_json = "{\"more\":\"" + std::string(2000, 'y') + "\"}";
  auto big = index->UpdateMetadataByFilter(too_big);
  EXPECT_TRUE(big.status().IsInvalidArgument()) << big.status().ToString();
  EXPECT_NE(big.status().message().find("\"v7\""), std::string::npos) << big.status().ToString();
  EXPECT_EQ(index->Info()->processed_up_to_mutation, last);
  auto unchanged = index->GetByIds(std::vector<std::string>{"v5"});
  EXPECT_EQ((*unchanged)[0].metadata_json, records[5].metadata_json);

  // allow_all makes the empty filter mean every record.
  FilterMutation everything{"{}"};
  everything.allow_all = true;
  auto all = index->DeleteByFilter(everything);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->count, 10u);
  EXPECT_EQ(index->Info()->vector_count, 0u);
  // A filter matching nothing is a mutation with count 0.
  auto none = index->DeleteByFilter({R"({"i":1})"});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->count, 0u);
}

// Readers never see a by-filter mutation half applied: all 20 records of group g change together.
TEST_F(LifecycleTest, FilterMutationsAreAtomicForConcurrentReaders) {
  auto index = Create("c");
  ASSERT_TRUE(index->CreateMetadataIndex({"g", MetadataIndexType::kNumber}).ok());
  std::vector<VectorRecord> group;
  for (int i = 0; i < 20; ++i) {
    group.push_back(MakeRecord("g" + std::to_string(i), RandomVector(rng_, 4), "",
                               R"({"g":1,"v":0})"));
  }
  ASSERT_TRUE(index->Upsert(group).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> bad_reads{0}, reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&, t] {
      std::mt19937 rng(t);
      while (!stop) {
        QueryRequest q;
        q.vector = RandomVector(rng, 4);
        q.top_k = 20;
        q.filter_json = R"({"g":1})";
        q.return_metadata = ReturnMetadata::kAll;
        auto r = index->Query(q);
        if (!r.ok()) {
          ++bad_reads;
          continue;
        }
        std::set<std::string> versions;
        for (const QueryMatch& m : r->matches) versions.insert(m.metadata_json);
        if ((r->matches.size() != 20 && !r->matches.empty()) || versions.size() > 1) ++bad_reads;
        ++reads;
      }
    });
  }
  // A writer of unrelated records runs beside the by-filter mutations.
  std::thread writer([&] {
    std::mt19937 rng(99);
    for (int i = 0; i < 200 && !stop; ++i) {
      auto r = MakeRecord("o" + std::to_string(i % 30), RandomVector(rng, 4), "", R"({"g":2})");
      r.ttl_seconds = 1 + i % 5;
      (void)index->Upsert(std::vector{r});
    }
  });
  for (int v = 1; v <= 30; ++v) {
    FilterMutation u{R"({"g":1})"};
    u.metadata_json = "{\"v\":" + std::to_string(v) + "}";
    auto w = index->UpdateMetadataByFilter(u);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    EXPECT_EQ(w->count, 20u);
  }
  auto d = index->DeleteByFilter({R"({"g":1})"});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->count, 20u);
  writer.join();
  stop = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(bad_reads, 0);
  EXPECT_GT(reads, 0);
}

}  // namespace
}  // namespace semble
