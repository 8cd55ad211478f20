// Copyright 2026 The semble Authors.
//
// Indexes of several shards (IndexConfig::shards) through the public API. The oracle is an index
// of one shard fed the same writes: with exact search the sharded index must answer every query,
// get, list and info exactly as it does (same ids, same scores, same order), through inserts,
// upserts, deletes, deletes and updates by filter and reopening; with HNSW within recall of the
// exact answer. Then the parts a cluster uses (GetIndexShards), mutation ids across shards, and
// every refusal.

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <thread>

#include "db/db_test_util.h"
#include "db/sharded_index.h"
#include "semble/database.h"
#include "util/test_util.h"

namespace semble {
namespace {

constexpr uint32_t kDims = 8;

std::unique_ptr<Database> OpenDb(const std::string& path) {
  DatabaseOptions o;
  o.create_if_missing = true;
  o.expiry_purge_interval_ms = 0;
  auto db = Database::Open(o, path);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  return db.ok() ? std::move(db).value() : nullptr;
}

std::shared_ptr<Index> Create(Database* db, const std::string& name, uint32_t shards,
                              const std::string& type = "flat", Metric metric = Metric::kCosine) {
  CreateIndexRequest r;
  r.name = name;
  r.config.dimensions = kDims;
  r.config.metric = metric;
  r.config.index_type = type;
  r.config.shards = shards;
  auto index = db->CreateIndex(r);
  EXPECT_TRUE(index.ok()) << index.status().ToString();
  return index.ok() ? *index : nullptr;
}

std::vector<VectorRecord> RandomRecords(std::mt19937& rng, int from, int n) {
  std::vector<VectorRecord> out;
  for (int i = from; i < from + n; ++i) {
    const std::string ns = rng() % 3 == 0 ? "" : "ns" + std::to_string(rng() % 2);
    out.push_back(test::MakeRecord("id" + std::to_string(i), test::RandomVector(rng, kDims), ns,
                                   "{\"g\":" + std::to_string(rng() % 5) + ",\"t\":\"x" +
                                       std::to_string(rng() % 3) + "\"}"));
  }
  return out;
}

void ExpectSameMatches(const QueryResult& got, const QueryResult& want, const std::string& what) {
  ASSERT_EQ(got.matches.size(), want.matches.size()) << what;
  for (size_t i = 0; i < want.matches.size(); ++i) {
    const QueryMatch& g = got.matches[i];
    const QueryMatch& w = want.matches[i];
    EXPECT_EQ(g.id, w.id) << what << " #" << i;
    EXPECT_EQ(g.score, w.score) << what << " #" << i;
    EXPECT_EQ(g.values, w.values) << what << " #" << i;
    EXPECT_EQ(g.ns, w.ns) << what << " #" << i;
    EXPECT_EQ(g.metadata_json, w.metadata_json) << what << " #" << i;
  }
}

// Every id of an index, by paging through List with `count` per page.
std::vector<std::string> AllIds(Index& index, uint32_t count) {
  std::vector<std::string> out;
  ListRequest req;
  req.count = count;
  for (int pages = 0; pages < 10000; ++pages) {
    auto page = index.List(req);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok()) break;
    out.insert(out.end(), page->ids.begin(), page->ids.end());
    if (!page->is_truncated) break;
    req.cursor = page->next_cursor;
  }
  return out;
}

// Compares the two indexes on random queries of every kind Vectorize has.
void ExpectSameAnswers(Index& many, Index& one, std::mt19937& rng, int stored,
                       const std::string& when) {
  for (int q = 0; q < 40; ++q) {
    QueryRequest req;
    if (q % 4 == 3) {
      req.vector_id = "id" + std::to_string(rng() % stored);
    } else {
      req.vector = test::RandomVector(rng, kDims);
    }
    req.top_k = 1 + rng() % 20;
    req.return_values = q % 2 == 0;
    req.return_metadata = q % 3 == 0 ? ReturnMetadata::kAll : ReturnMetadata::kNone;
    if (q % 5 == 1) req.ns = "ns" + std::to_string(rng() % 2);
    if (q % 5 == 2) req.filter_json = "{\"g\":{\"$in\":[1,3]}}";
    if (q % 7 == 0) req.exclude_ids = {"id1", "id2", "id3"};
    auto want = one.Query(req);
    auto got = many.Query(req);
    ASSERT_EQ(got.ok(), want.ok()) << when << ": " << got.status().ToString() << " vs "
                                   << want.status().ToString();
    if (!want.ok()) {
      EXPECT_EQ(got.status().code(), want.status().code()) << when;
      continue;
    }
    ExpectSameMatches(*got, *want, when + " query " + std::to_string(q));
  }
  std::vector<std::string> ids;
  for (int i = 0; i < 60; ++i) ids.push_back("id" + std::to_string(rng() % (stored + 20)));
  ids.push_back(ids.front());  // asked twice
  auto got = many.GetByIds(ids);
  auto want = one.GetByIds(ids);
  ASSERT_TRUE(got.ok() && want.ok()) << when;
  ASSERT_EQ(got->size(), want->size()) << when;
  for (size_t i = 0; i < want->size(); ++i) {
    EXPECT_EQ((*got)[i].id, (*want)[i].id) << when;
    EXPECT_EQ((*got)[i].values, (*want)[i].values) << when;
    EXPECT_EQ((*got)[i].metadata_json, (*want)[i].metadata_json) << when;
    EXPECT_EQ((*got)[i].ns, (*want)[i].ns) << when;
  }
  const uint32_t page = 1 + rng() % 40;
  EXPECT_EQ(AllIds(many, page), AllIds(one, page)) << when << " page " << page;
  auto many_info = many.Info();
  auto one_info = one.Info();
  ASSERT_TRUE(many_info.ok() && one_info.ok());
  EXPECT_EQ(many_info->vector_count, one_info->vector_count) << when;
}

TEST(ShardedIndexTest, ExactSearchAnswersLikeOneShardThroughEveryWrite) {
  test::TempDir dir;
  std::mt19937 rng(17);
  auto db = OpenDb(dir.path());
  auto one = Create(db.get(), "one", 1);
  auto many = Create(db.get(), "many", 5);
  ASSERT_TRUE(one && many);
  EXPECT_EQ(many->Describe().config.shards, 5u);
  EXPECT_EQ(many->Describe().name, "many");
  int stored = 0;
  auto both = [&](const auto& write) {
    auto a = write(*one);
    auto b = write(*many);
    ASSERT_EQ(a.ok(), b.ok()) << a.status().ToString() << " / " << b.status().ToString();
    if (a.ok()) {
      EXPECT_EQ(a->count, b->count);
    }
  };
  for (int batch = 0; batch < 6; ++batch) {
    auto records = RandomRecords(rng, stored, 150);
    both([&](Index& i) { return batch % 2 == 0 ? i.Insert(records) : i.Upsert(records); });
    stored += 150;
    // Rewrites of earlier ids, some moving to another namespace.
    auto again = RandomRecords(rng, static_cast<int>(rng() % (stored - 50)), 50);
    both([&](Index& i) { return i.Upsert(again); });
    std::vector<std::string> gone;
    for (int k = 0; k < 20; ++k) gone.push_back("id" + std::to_string(rng() % stored));
    both([&](Index& i) { return i.DeleteByIds(gone); });
  }
  ExpectSameAnswers(*many, *one, rng, stored, "after writes");
  FilterMutation del;
  del.filter_json = "{\"g\":4,\"t\":\"x1\"}";
  both([&](Index& i) { return i.DeleteByFilter(del); });
  FilterMutation update;
  update.filter_json = "{\"g\":2}";
  update.metadata_json = "{\"g\":7,\"u\":true}";
  both([&](Index& i) { return i.UpdateMetadataByFilter(update); });
  MetadataIndexDescription g{"g", MetadataIndexType::kNumber};
  both([&](Index& i) { return i.CreateMetadataIndex(g); });
  ExpectSameAnswers(*many, *one, rng, stored, "after filter mutations");
  auto listed = many->ListMetadataIndexes();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);

  // Reopened (every shard replays its log), then checkpointed and reopened again.
  one.reset();
  many.reset();
  for (int round = 0; round < 2; ++round) {
    if (round == 1) {
      ASSERT_TRUE(db->Checkpoint().ok());
    }
    db.reset();
    db = OpenDb(dir.path());
    auto o = db->GetIndex("one");
    auto m = db->GetIndex("many");
    ASSERT_TRUE(o.ok() && m.ok()) << m.status().ToString();
    EXPECT_EQ((*m)->Describe().config.shards, 5u);
    ExpectSameAnswers(**m, **o, rng, stored, "reopened " + std::to_string(round));
  }
  // Listed once, under its own name; its shards are not indexes.
  std::vector<std::string> names;
  for (const IndexDescription& d : db->ListIndexes()) names.push_back(d.name);
  EXPECT_EQ(names, (std::vector<std::string>{"many", "one"}));
  EXPECT_TRUE(db->GetIndex(ShardName("many", 0)).status().IsNotFound());
  EXPECT_TRUE(db->DeleteIndex(ShardName("many", 1)).IsNotFound());
}

TEST(ShardedIndexTest, EveryMetricMergesInItsOwnOrder) {
  test::TempDir dir;
  std::mt19937 rng(5);
  auto db = OpenDb(dir.path());
  for (Metric metric : {Metric::kCosine, Metric::kEuclidean, Metric::kDotProduct}) {
    const std::string suffix = std::to_string(static_cast<int>(metric));
    auto one = Create(db.get(), "one" + suffix, 1, "flat", metric);
    auto many = Create(db.get(), "many" + suffix, 3, "flat", metric);
    auto records = RandomRecords(rng, 0, 300);
    ASSERT_TRUE(one->Upsert(records).ok());
    ASSERT_TRUE(many->Upsert(records).ok());
    ExpectSameAnswers(*many, *one, rng, 300, "metric " + suffix);
  }
}

TEST(ShardedIndexTest, HnswShardsKeepRecall) {
  test::TempDir dir;
  std::mt19937 rng(3);
  auto db = OpenDb(dir.path());
  auto many = Create(db.get(), "many", 4, "hnsw");
  std::vector<VectorRecord> all;
  for (int b = 0; b < 8; ++b) {
    auto records = RandomRecords(rng, b * 500, 500);
    ASSERT_TRUE(many->Upsert(records).ok());
    all.insert(all.end(), records.begin(), records.end());
  }
  double hits = 0, asked = 0;
  for (int q = 0; q < 100; ++q) {
    QueryRequest req;
    req.vector = test::RandomVector(rng, kDims);
    req.top_k = 10;
    auto got = many->Query(req);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    std::set<std::string> want;
    for (const auto& h : test::ReferenceTopK(Metric::kCosine, req.vector, all, 10)) {
      want.insert(h.id);
    }
    for (const QueryMatch& m : got->matches) hits += want.count(m.id);
    asked += 10;
  }
  EXPECT_GE(hits / asked, 0.95);
}

TEST(ShardedIndexTest, RecordsSpreadOverShardsAndStayWhereTheyArePlaced) {
  // Placement is part of the stored format: these values must never change.
  EXPECT_EQ(ShardOf("anything", 1), 0u);
  std::map<uint32_t, int> per_shard;
  for (int i = 0; i < 20000; ++i) {
    const uint32_t s = ShardOf("doc-" + std::to_string(i), 4);
    ASSERT_LT(s, 4u);
    per_shard[s]++;
  }
  for (const auto& [s, n] : per_shard) EXPECT_NEAR(n, 5000, 300) << s;
  // Each shard holds exactly the records ShardOf places there.
  test::TempDir dir;
  std::mt19937 rng(11);
  auto db = OpenDb(dir.path());
  auto many = Create(db.get(), "many", 3);
  auto records = RandomRecords(rng, 0, 200);
  ASSERT_TRUE(many->Upsert(records).ok());
  for (uint32_t s = 0; s < 3; ++s) {
    auto part = db->GetIndexShards("many", {s});
    ASSERT_TRUE(part.ok()) << part.status().ToString();
    std::vector<std::string> want;
    for (const VectorRecord& r : records) {
      if (ShardOf(r.id, 3) == s) want.push_back(r.id);
    }
    std::sort(want.begin(), want.end());
    EXPECT_EQ(AllIds(**part, 1000), want) << s;
  }
}

TEST(ShardedIndexTest, APartWritesOnlyItsShards) {
  test::TempDir dir;
  std::mt19937 rng(23);
  auto db = OpenDb(dir.path());
  auto many = Create(db.get(), "many", 4);
  auto records = RandomRecords(rng, 0, 100);
  auto part = db->GetIndexShards("many", {1, 3});
  ASSERT_TRUE(part.ok());
  auto m = (*part)->Upsert(records);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  db::ShardMutationIds ids;
  ASSERT_TRUE(db::SplitShardMutationIds(m->mutation_id, 4, &ids)) << m->mutation_id;
  std::set<uint32_t> touched;
  for (const auto& [s, id] : ids) touched.insert(s);
  EXPECT_EQ(touched, (std::set<uint32_t>{1, 3}));
  std::vector<std::string> want;
  for (const VectorRecord& r : records) {
    const uint32_t s = ShardOf(r.id, 4);
    if (s == 1 || s == 3) want.push_back(r.id);
  }
  std::sort(want.begin(), want.end());
  EXPECT_EQ(AllIds(*many, 1000), want);
  // The other part applies the rest: together, the whole write.
  auto rest = db->GetIndexShards("many", {0, 2});
  ASSERT_TRUE(rest.ok());
  ASSERT_TRUE((*rest)->Upsert(records).ok());
  EXPECT_EQ(AllIds(*many, 1000).size(), records.size());
  // A bad record fails the part even when it falls in another part's shard: nothing written.
  auto bad = RandomRecords(rng, 1000, 40);
  size_t in_other = 0;
  while (ShardOf(bad[in_other].id, 4) == 1 || ShardOf(bad[in_other].id, 4) == 3) ++in_other;
  bad[in_other].values.push_back(1.0f);
  EXPECT_EQ((*part)->Upsert(bad).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(many->Upsert(bad).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(AllIds(*many, 1000).size(), records.size());
  // Out of range, none, or a shard of an index of one.
  EXPECT_EQ(db->GetIndexShards("many", {4}).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(db->GetIndexShards("many", {}).status().code(), Status::Code::kInvalidArgument);
  Create(db.get(), "single", 1);
  EXPECT_TRUE(db->GetIndexShards("single", {0}).ok());
  EXPECT_EQ(db->GetIndexShards("single", {1}).status().code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(db->GetIndexShards("nope", {0}).status().IsNotFound());
}

TEST(ShardedIndexTest, MutationIdsNameTheirShardsAndTellWhenApplied) {
  test::TempDir dir;
  std::mt19937 rng(29);
  auto db = OpenDb(dir.path());
  auto many = Create(db.get(), "many", 3);
  auto m = many->Upsert(RandomRecords(rng, 0, 60));
  ASSERT_TRUE(m.ok());
  db::ShardMutationIds ids;
  ASSERT_TRUE(db::SplitShardMutationIds(m->mutation_id, 3, &ids));
  EXPECT_EQ(ids.size(), 3u);
  auto info = many->Info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->processed_up_to_mutation, m->mutation_id);
  int fired = 0;
  auto ticket = many->NotifyWhenApplied(m->mutation_id, [&] { ++fired; });
  ASSERT_TRUE(ticket.ok()) << ticket.status().ToString();
  EXPECT_EQ(*ticket, 0u);
  EXPECT_EQ(fired, 1);
  // A write to come: shard parts with the next sequence of each shard.
  db::ShardMutationIds next;
  for (const auto& [s, id] : ids) {
    std::string later = id;
    later.back() = static_cast<char>(later.back() + 1);  // the next sequence number
    next[s] = later;
  }
  std::atomic<int> later_fired{0};
  ticket = many->NotifyWhenApplied(db::JoinShardMutationIds(next), [&] { ++later_fired; });
  ASSERT_TRUE(ticket.ok());
  EXPECT_NE(*ticket, 0u);
  // Records in every shard move each shard's sequence on by one: then (only then) it fires.
  std::vector<VectorRecord> one_each;
  for (int i = 100; one_each.size() < 3; ++i) {
    auto r = RandomRecords(rng, i, 1)[0];
    bool seen = false;
    for (const VectorRecord& o : one_each) seen = seen || ShardOf(o.id, 3) == ShardOf(r.id, 3);
    if (!seen) one_each.push_back(r);
  }
  ASSERT_TRUE(many->Upsert(std::vector<VectorRecord>{one_each[0]}).ok());
  EXPECT_EQ(later_fired.load(), 0);
  ASSERT_TRUE(many->Upsert(std::vector<VectorRecord>{one_each[1], one_each[2]}).ok());
  EXPECT_EQ(later_fired.load(), 1);
  // Cancelled before it fires: never.
  for (auto& [s, id] : next) id.back() = static_cast<char>(id.back() + 1);
  ticket = many->NotifyWhenApplied(db::JoinShardMutationIds(next), [&] { ++later_fired; });
  ASSERT_TRUE(ticket.ok());
  many->CancelNotify(*ticket);
  ASSERT_TRUE(many->Upsert(one_each).ok());
  EXPECT_EQ(later_fired.load(), 1);
  // Not an id of this index.
  for (const std::string& bad : {std::string("x"), m->mutation_id.substr(2), "3:" + ids[0],
                                "0:" + ids[0] + ",0:" + ids[0], "0:" + ids[0] + ",", std::string()}) {
    EXPECT_EQ(many->NotifyWhenApplied(bad, [] {}).status().code(), Status::Code::kInvalidArgument)
        << bad;
  }
}

TEST(ShardedIndexTest, JoinedMutationIdsRoundTrip) {
  std::mt19937 rng(31);
  for (int i = 0; i < 500; ++i) {
    const uint32_t shards = 1 + rng() % 64;
    db::ShardMutationIds ids;
    for (uint32_t n = 1 + rng() % shards; n > 0; --n) {
      std::string id(1 + rng() % 40, ' ');
      // Any bytes but the separator between parts.
      for (char& c : id) {
        do c = static_cast<char>(rng()); while (c == ',');
      }
      ids[rng() % shards] = id;
    }
    db::ShardMutationIds back;
    ASSERT_TRUE(db::SplitShardMutationIds(db::JoinShardMutationIds(ids), shards, &back));
    EXPECT_EQ(back, ids);
  }
}

TEST(ShardedIndexTest, RefusesWhatShardsCannotAnswerExactly) {
  test::TempDir dir;
  auto db = OpenDb(dir.path());
  CreateIndexRequest r;
  r.name = "bad";
  r.config.dimensions = kDims;
  for (uint32_t shards : {0u, 65u}) {
    r.config.shards = shards;
    EXPECT_EQ(db->CreateIndex(r).status().code(), Status::Code::kInvalidArgument) << shards;
  }
  auto many = Create(db.get(), "many", 2);
  std::mt19937 rng(1);
  ASSERT_TRUE(many->Upsert(RandomRecords(rng, 0, 20)).ok());
  QueryRequest q;
  q.vector = test::RandomVector(rng, kDims);
  q.group_by = "g";
  EXPECT_EQ(many->Query(q).status().code(), Status::Code::kInvalidArgument);
  q.group_by.clear();
  q.mode = QueryMode::kHybrid;
  q.text = "x";
  EXPECT_EQ(many->Query(q).status().code(), Status::Code::kInvalidArgument);
  // A name is taken whichever shard count it has; deleted, it is free again.
  CreateIndexRequest same = r;
  same.name = "many";
  same.config.shards = 1;
  EXPECT_EQ(db->CreateIndex(same).status().code(), Status::Code::kAlreadyExists);
  EXPECT_EQ(db->Backup("many", nullptr).status().code(), Status::Code::kFailedPrecondition);
  ASSERT_TRUE(db->DeleteIndex("many").ok());
  EXPECT_TRUE(db->GetIndex("many").status().IsNotFound());
  EXPECT_TRUE(many->Info().status().IsNotFound());
  auto again = Create(db.get(), "many", 3);
  ASSERT_TRUE(again);
  auto info = again->Info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->vector_count, 0u);
}

TEST(ShardedIndexTest, ConcurrentWritersAndReadersAgreeAtTheEnd) {
  test::TempDir dir;
  auto db = OpenDb(dir.path());
  auto one = Create(db.get(), "one", 1);
  auto many = Create(db.get(), "many", 4);
  std::vector<std::thread> threads;
  std::atomic<bool> failed{false};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(100 + t);
      for (int b = 0; b < 10; ++b) {
        // Disjoint ids per thread: the final state does not depend on the interleaving.
        auto records = RandomRecords(rng, t * 10000 + b * 30, 30);
        if (!one->Upsert(records).ok() || !many->Upsert(records).ok()) failed = true;
        QueryRequest q;
        q.vector = test::RandomVector(rng, kDims);
        q.top_k = 10;
        if (!many->Query(q).ok()) failed = true;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_FALSE(failed.load());
  std::mt19937 rng(7);
  EXPECT_EQ(AllIds(*many, 1000), AllIds(*one, 1000));
  ExpectSameAnswers(*many, *one, rng, 40, "after concurrent writes");
}

}  // namespace
}  // namespace semble
