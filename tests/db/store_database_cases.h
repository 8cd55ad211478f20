// Copyright 2026 The semble Authors.
//
// A database whose durable home is an object store (DatabaseOptions::store): cold start from an
// empty cache, fencing of a second writer, garbage collection, faults of the store. A
// parameterised suite: store_database_test.cc runs it on a file:// store, the s3 tests on radosgw.

#ifndef SEMBLE_TESTS_DB_STORE_DATABASE_CASES_H_
#define SEMBLE_TESTS_DB_STORE_DATABASE_CASES_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "db/db_test_util.h"
#include "semble/database.h"
#include "semble/object_store.h"
#include "util/test_util.h"

namespace semble {

// Makes a fresh, empty store; `scratch` is a directory the store may use.
using DatabaseStoreFactory =
    std::function<std::unique_ptr<ObjectStore>(const std::string& scratch)>;

namespace store_cases {

using test::MakeRecord;
using test::RandomVector;

// Wraps a store and fails on demand: before the put reaches the store, or after it landed.
class FaultyStore final : public ObjectStore {
 public:
  explicit FaultyStore(ObjectStore* base) : base_(base) {}
  std::atomic<int> fail_puts_before{0};  // this many puts fail without writing
  std::atomic<int> fail_puts_after{0};   // this many puts write, then report an error
  std::atomic<bool> fail_gets{false};
  std::atomic<int> puts{0};
  std::atomic<int> segment_gets{0};

  Result<std::string> Put(const std::string& key, std::string_view data,
                          const PutCondition& c) override {
    ++puts;
    if (fail_puts_before > 0) {
      --fail_puts_before;
      return Status::IOError("injected: connection refused");
    }
    auto r = base_->Put(key, data, c);
    if (r.ok() && fail_puts_after > 0) {
      --fail_puts_after;
      return Status::IOError("injected: connection reset after the request was sent");
    }
    return r;
  }
  Result<Object> Get(const std::string& key) override {
    if (fail_gets) return Status::IOError("injected: read timed out");
    if (key.find("/seg/") != std::string::npos) ++segment_gets;
    return base_->Get(key);
  }
  Result<std::string> GetRange(const std::string& key, uint64_t o, uint64_t n) override {
    return base_->GetRange(key, o, n);
  }
  Status GetTo(const std::string& key, uint64_t o, uint64_t n, const Sink& sink) override {
    if (fail_gets) return Status::IOError("injected: read timed out");
    if (key.find("/seg/") != std::string::npos) ++segment_gets;
    const int cut = cut_streams_after.exchange(-1);
    if (cut < 0) return base_->GetTo(key, o, n, sink);
    // The store fails after `cut` bytes of this stream reached the sink.
    uint64_t passed = 0;
    Status s = base_->GetTo(key, o, n, [&](std::string_view piece) {
      if (passed + piece.size() > static_cast<uint64_t>(cut)) {
        piece = piece.substr(0, static_cast<uint64_t>(cut) - passed);
        if (!piece.empty()) (void)sink(piece);
        return Status::IOError("injected: connection reset in the middle of the body");
      }
      passed += piece.size();
      return sink(piece);
    });
    return s;
  }
  std::atomic<int> cut_streams_after{-1};  // the next GetTo fails after this many bytes
  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override {
    return base_->List(prefix);
  }
  Status Delete(const std::string& key) override { return base_->Delete(key); }
  std::string Url() const override { return base_->Url(); }

 private:
  ObjectStore* base_;
};

class StoreDatabaseTest : public ::testing::TestWithParam<DatabaseStoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam()(bucket_dir_.path());
    ASSERT_NE(store_, nullptr);
    faulty_ = std::make_unique<FaultyStore>(store_.get());
  }

  DatabaseOptions Options() {
    DatabaseOptions o;
    o.store = faulty_.get();
    o.group_commit_window_us = 0;
    o.store_gc_grace_ms = 0;
    return o;
  }

  // A database over the store with a cache directory of its own (a fresh machine each time
  // unless `cache` is given).
  std::unique_ptr<Database> Open(const std::string& cache = "", DatabaseOptions o = {}) {
    if (o.store == nullptr) o = Options();
    const std::string path =
        cache.empty() ? caches_.path() + "/cache" + std::to_string(next_cache_++) : cache;
    auto db = Database::Open(o, path);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  // Writes `count` records into a new 16-dim flat index `name` through a database cached in
  // `cache`, then closes it: the closing checkpoint leaves the segment (and its verified hash) in
  // that cache.
  void FillAndClose(const std::string& cache, const std::string& name, int count) {
    auto db = Open(cache);
    ASSERT_NE(db, nullptr);
    auto index = db->CreateIndex({name, "", {16, Metric::kCosine, "flat"}});
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    ASSERT_TRUE((*index)->Insert(Records(0, count)).ok());
  }

  std::vector<VectorRecord> Records(int first, int count, uint32_t dims = 16) {
    std::vector<VectorRecord> out;
    for (int i = first; i < first + count; ++i) {
      out.push_back(MakeRecord("v" + std::to_string(i), RandomVector(rng_, dims), "",
                               "{\"i\":" + std::to_string(i) + "}"));
    }
    return out;
  }

  // Every stored record with its vector, by id.
  static std::map<std::string, std::vector<float>> Contents(Index* index, int upto) {
    std::vector<std::string> ids;
    for (int i = 0; i < upto; ++i) ids.push_back("v" + std::to_string(i));
    std::map<std::string, std::vector<float>> out;
    for (size_t from = 0; from < ids.size(); from += 20) {
      std::vector<std::string> part(ids.begin() + from,
                                    ids.begin() + std::min(ids.size(), from + 20));
      auto got = index->GetByIds(part);
      EXPECT_TRUE(got.ok()) << got.status().ToString();
      if (!got.ok()) return out;
      for (const VectorRecord& r : *got) out[r.id] = r.values;
    }
    return out;
  }

  void InterruptedDownload(DatabaseOptions o, bool cut_in_half, int gets_per);

  std::mt19937 rng_{11};
  test::TempDir bucket_dir_;
  test::TempDir caches_;
  int next_cache_ = 0;
  std::unique_ptr<ObjectStore> store_;
  std::unique_ptr<FaultyStore> faulty_;
};

TEST_P(StoreDatabaseTest, AFreshCacheReadsBackEveryAcknowledgedWrite) {
  std::map<std::string, std::vector<float>> expected;
  QueryResult before;
  const std::vector<float> q = RandomVector(rng_, 16);
  {
    auto db = Open();
    ASSERT_NE(db, nullptr);
    auto index = db->CreateIndex({"docs", "in a bucket", {16, Metric::kCosine, "hnsw"}});
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    for (int batch = 0; batch < 6; ++batch) {
      auto records = Records(batch * 50, 50);
      ASSERT_TRUE((*index)->Upsert(records).ok());
      for (const auto& r : records) expected[r.id] = r.values;
      if (batch == 2) ASSERT_TRUE(db->Checkpoint().ok());
    }
    std::vector<std::string> gone = {"v3", "v120", "v299"};
    ASSERT_TRUE((*index)->DeleteByIds(gone).ok());
    for (const auto& id : gone) expected.erase(id);
    QueryRequest request;
    request.vector = q;
    request.top_k = 10;
    before = *(*index)->Query(request);
    // Closing checkpoints; the log after the mid-way checkpoint is in the store either way.
  }
  auto db = Open();  // an empty cache directory
  ASSERT_NE(db, nullptr);
  auto index = db->GetIndex("docs");
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  EXPECT_EQ((*index)->Describe().description, "in a bucket");
  EXPECT_EQ(Contents(index->get(), 300), expected);
  QueryRequest request;
  request.vector = q;
  request.top_k = 10;
  auto after = (*index)->Query(request);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->matches.size(), before.matches.size());
  for (size_t i = 0; i < before.matches.size(); ++i) {
    EXPECT_EQ(after->matches[i].id, before.matches[i].id);
    EXPECT_FLOAT_EQ(after->matches[i].score, before.matches[i].score);
  }
}

TEST_P(StoreDatabaseTest, WritesAfterTheLastCheckpointSurviveWithoutAClosingCheckpoint) {
  DatabaseOptions o = Options();
  o.checkpoint_on_close = false;
  std::map<std::string, std::vector<float>> expected;
  {
    auto db = Open("", o);
    auto index = db->CreateIndex({"log-only", "", {16, Metric::kEuclidean, "flat"}});
    ASSERT_TRUE(index.ok());
    for (int batch = 0; batch < 4; ++batch) {
      auto records = Records(batch * 25, 25);
      ASSERT_TRUE((*index)->Insert(records).ok());
      for (const auto& r : records) expected[r.id] = r.values;
    }
  }
  // Nothing was checkpointed: the manifest still has no segment, all of it is in log objects.
  auto segments = store_->List("indexes/log-only/");
  ASSERT_TRUE(segments.ok());
  for (const ObjectInfo& obj : *segments) EXPECT_EQ(obj.key.find("/seg/"), std::string::npos);
  auto db = Open();
  auto index = db->GetIndex("log-only");
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  EXPECT_EQ(Contents(index->get(), 100), expected);
  auto info = (*index)->Info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->vector_count, 100u);
}

TEST_P(StoreDatabaseTest, AWarmCacheReusesItsSegmentAndADeletedCacheLosesNothing) {
  const std::string cache = caches_.path() + "/warm";
  ASSERT_NO_FATAL_FAILURE(FillAndClose(cache, "warm", 40));
  {
    const int gets = faulty_->segment_gets;
    auto db = Open(cache);
    EXPECT_EQ(faulty_->segment_gets, gets) << "the cached segment was downloaded again";
    ASSERT_TRUE((*db->GetIndex("warm"))->Insert(Records(40, 10)).ok());
  }
  std::filesystem::remove_all(cache);
  const int gets = faulty_->segment_gets;
  auto db = Open(cache);
  EXPECT_EQ(faulty_->segment_gets, gets + 1);
  auto index = db->GetIndex("warm");
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(Contents(index->get(), 50).size(), 50u);
}

TEST_P(StoreDatabaseTest, ALocalDatabaseIsNeverTakenForACacheNorACacheForADatabase) {
  const std::string local = caches_.path() + "/local";
  {
    auto db = Database::Open({}, local);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->CreateIndex({"mine", "", {4, Metric::kCosine, "flat"}}).ok());
  }
  DatabaseOptions o = Options();
  auto as_cache = Database::Open(o, local);
  ASSERT_FALSE(as_cache.ok());
  EXPECT_EQ(as_cache.status().code(), Status::Code::kFailedPrecondition)
      << as_cache.status().ToString();
  // The local index is untouched.
  auto reopened = Database::Open({}, local);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_TRUE((*reopened)->GetIndex("mine").ok());
  reopened->reset();

  const std::string cache = caches_.path() + "/a-cache";
  {
    auto db = Open(cache);
    ASSERT_TRUE(db->CreateIndex({"shared", "", {4, Metric::kCosine, "flat"}}).ok());
  }
  auto as_local = Database::Open({}, cache);
  ASSERT_FALSE(as_local.ok());
  EXPECT_NE(as_local.status().message().find(store_->Url()), std::string::npos)
      << as_local.status().ToString();
  EXPECT_NE(Open(cache), nullptr);  // with its store it opens
}

TEST_P(StoreDatabaseTest, ADamagedCacheIsFetchedAgain) {
  const std::string cache = caches_.path() + "/damaged";
  ASSERT_NO_FATAL_FAILURE(FillAndClose(cache, "cached", 100));
  std::string segment;
  for (const auto& e : std::filesystem::directory_iterator(cache + "/indexes/cached")) {
    const std::string name = e.path().filename().string();
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".seg") == 0) segment = e.path();
  }
  ASSERT_FALSE(segment.empty());
  {
    // What a power cut can leave of a file that was never fsynced: same size, other bytes.
    std::fstream f(segment, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(std::filesystem::file_size(segment) / 2));
    f.put('\x5a').put('\x5a').put('\x5a');
  }
  const int gets = faulty_->segment_gets;
  auto db = Open(cache);
  auto index = db->GetIndex("cached");
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  EXPECT_EQ(Contents(index->get(), 100).size(), 100u);
  EXPECT_EQ(faulty_->segment_gets, gets + 1);
  const auto log = db->RecoveryLog();
  EXPECT_TRUE(std::any_of(log.begin(), log.end(), [](const std::string& line) {
    return line.find("fetched again") != std::string::npos;
  })) << ::testing::PrintToString(log);
}

// The bytes of the segment file in an index's cache directory ("" if there is none), and whether
// anything else in it names a segment (a hash file, a partial download).
struct CachedSegment {
  std::string bytes;
  bool present = false;
  bool hash_file = false;
  std::vector<std::string> others;
};
inline CachedSegment ReadCachedSegment(const std::string& dir) {
  CachedSegment c;
  if (!std::filesystem::exists(dir)) return c;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("seg-", 0) != 0) continue;
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".seg") == 0) {
      std::ifstream in(e.path(), std::ios::binary);
      c.bytes.assign(std::istreambuf_iterator<char>(in), {});
      c.present = true;
    } else if (name.size() > 7 && name.compare(name.size() - 7, 7, ".xxh128") == 0) {
      c.hash_file = true;
    } else {
      c.others.push_back(name);
    }
  }
  return c;
}

// The ids and scores of a few queries.
inline std::vector<std::pair<std::string, float>> Answers(Index* index, uint32_t dims) {
  std::mt19937 rng(99);
  std::vector<std::pair<std::string, float>> out;
  for (int q = 0; q < 5; ++q) {
    QueryRequest req;
    req.vector = RandomVector(rng, dims);
    req.top_k = 10;
    auto r = index->Query(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return out;
    for (const QueryMatch& m : r->matches) out.emplace_back(m.id, m.score);
  }
  return out;
}

// Writes a segment, then opens a fresh cache with `o` whose segment download the store breaks off
// after `cut` bytes of its first GET: nothing in the cache may pass for the segment, and the next
// open fetches it whole (`gets` GETs a download), byte-identical, answering as the writer did.
inline void StoreDatabaseTest::InterruptedDownload(DatabaseOptions o, bool cut_in_half, int gets_per) {
  const std::string writer_cache = caches_.path() + "/writer";
  std::vector<std::pair<std::string, float>> answers;
  {
    auto db = Open(writer_cache);
    auto index = db->CreateIndex({"streamed", "", {16, Metric::kCosine, "hnsw"}});
    ASSERT_TRUE(index.ok());
    for (int i = 0; i < 600; i += 200) ASSERT_TRUE((*index)->Upsert(Records(i, 200)).ok());
    answers = Answers(index->get(), 16);
  }  // the closing checkpoint uploads the segment
  const CachedSegment written = ReadCachedSegment(writer_cache + "/indexes/streamed");
  ASSERT_TRUE(written.present);
  ASSERT_GT(written.bytes.size(), 20000u);

  // A fresh machine whose download of the segment breaks off halfway.
  const std::string cache = caches_.path() + "/interrupted";
  const int gets = faulty_->segment_gets;
  faulty_->cut_streams_after =
      cut_in_half ? static_cast<int>(written.bytes.size() / 2) : 1000;
  {
    auto db = Open(cache, o);
    ASSERT_NE(db, nullptr);
    auto index = db->GetIndex("streamed");
    ASSERT_FALSE(index.ok());
    EXPECT_NE(index.status().message().find("injected"), std::string::npos)
        << index.status().ToString();
  }
  EXPECT_GE(faulty_->segment_gets, gets + 1);
  EXPECT_LE(faulty_->segment_gets, gets + gets_per);
  const int after_failure = faulty_->segment_gets;
  const CachedSegment partial = ReadCachedSegment(cache + "/indexes/streamed");
  EXPECT_FALSE(partial.present) << partial.bytes.size() << " bytes left as a segment";
  EXPECT_FALSE(partial.hash_file);
  EXPECT_TRUE(partial.others.empty()) << ::testing::PrintToString(partial.others);

  // The next open fetches the whole segment and answers as the writer did.
  auto db = Open(cache, o);
  auto index = db->GetIndex("streamed");
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  EXPECT_EQ(faulty_->segment_gets, after_failure + gets_per);
  const CachedSegment fetched = ReadCachedSegment(cache + "/indexes/streamed");
  EXPECT_TRUE(fetched.present && fetched.hash_file);
  EXPECT_TRUE(fetched.bytes == written.bytes) << "the fetched segment differs from the one written";
  EXPECT_EQ(Contents(index->get(), 600).size(), 600u);
  const auto after = Answers(index->get(), 16);
  ASSERT_EQ(after.size(), answers.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].first, answers[i].first) << "match " << i;
    EXPECT_NEAR(after[i].second, answers[i].second, 1e-5) << "match " << i;
  }
}

TEST_P(StoreDatabaseTest, AnInterruptedSegmentDownloadIsNeverTrustedAndTheNextOpenFetchesAgain) {
  InterruptedDownload(Options(), /*cut_in_half=*/true, /*gets_per=*/1);
}

TEST_P(StoreDatabaseTest, ASegmentInParallelPartsIsTheSameAndAnInterruptedPartIsNotTrusted) {
  DatabaseOptions o = Options();
  o.store_parallel_gets = 4;
  o.store_get_part_bytes = 16 << 10;  // the test's segment of ~90 KB comes as 4 ranged GETs
  InterruptedDownload(o, /*cut_in_half=*/false, /*gets_per=*/4);
}

TEST_P(StoreDatabaseTest, ACachedSegmentWithoutItsHashFileIsFetchedAgain) {
  // What a crash between the download's rename and its hash file leaves, or a cache file that
  // is the right size but was never verified.
  const std::string cache = caches_.path() + "/unverified";
  ASSERT_NO_FATAL_FAILURE(FillAndClose(cache, "cached", 100));
  const std::string dir = cache + "/indexes/cached";
  const CachedSegment before = ReadCachedSegment(dir);
  ASSERT_TRUE(before.present && before.hash_file);
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.size() > 7 && name.compare(name.size() - 7, 7, ".xxh128") == 0) {
      std::filesystem::remove(e.path());
    }
  }
  const int gets = faulty_->segment_gets;
  auto db = Open(cache);
  auto index = db->GetIndex("cached");
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  EXPECT_EQ(faulty_->segment_gets, gets + 1);
  const CachedSegment after = ReadCachedSegment(dir);
  EXPECT_TRUE(after.hash_file);
  EXPECT_TRUE(after.bytes == before.bytes);
  EXPECT_EQ(Contents(index->get(), 100).size(), 100u);
}

TEST_P(StoreDatabaseTest, ASecondWriterFencesTheFirstWhichWritesNothingMore) {
  auto first = Open();
  auto a = first->CreateIndex({"shared", "", {16, Metric::kCosine, "flat"}});
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE((*a)->Insert(Records(0, 10)).ok());

  auto second = Open();  // takes the index over: its open writes the fence
  auto b = second->GetIndex("shared");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(Contents(b->get(), 10).size(), 10u);

  auto zombie = (*a)->Insert(Records(10, 5));
  ASSERT_FALSE(zombie.ok());
  EXPECT_EQ(zombie.status().reason(), Status::Reason::kFenced) << zombie.status().ToString();
  // And it stays refused.
  EXPECT_FALSE((*a)->Insert(Records(15, 1)).ok());
  ASSERT_TRUE((*b)->Insert(Records(20, 5)).ok());
  // The zombie's checkpoint on close must not commit either.
  first.reset();
  second.reset();

  auto db = Open();
  auto index = db->GetIndex("shared");
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  auto contents = Contents(index->get(), 30);
  EXPECT_EQ(contents.size(), 15u);
  for (int i = 10; i < 16; ++i) EXPECT_EQ(contents.count("v" + std::to_string(i)), 0u) << i;
  for (int i = 20; i < 25; ++i) EXPECT_EQ(contents.count("v" + std::to_string(i)), 1u) << i;
}

TEST_P(StoreDatabaseTest, AReadOnlyOpenDoesNotFenceTheWriter) {
  auto writer = Open();
  auto w = writer->CreateIndex({"watched", "", {16, Metric::kCosine, "flat"}});
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Insert(Records(0, 10)).ok());
  DatabaseOptions o = Options();
  o.read_only = true;
  auto reader = Open("", o);
  auto r = reader->GetIndex("watched");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Contents(r->get(), 10).size(), 10u);
  auto refused = (*r)->Insert(Records(10, 1));
  EXPECT_EQ(refused.status().code(), Status::Code::kFailedPrecondition)
      << refused.status().ToString();
  EXPECT_FALSE(reader->CreateIndex({"nope", "", {4, Metric::kCosine, "flat"}}).ok());
  EXPECT_FALSE(reader->DeleteIndex("watched").ok());
  // The writer goes on as if nobody had looked.
  ASSERT_TRUE((*w)->Insert(Records(20, 5)).ok());
  reader.reset();
  writer.reset();
  EXPECT_EQ(Contents(Open()->GetIndex("watched")->get(), 30).size(), 15u);
}

TEST_P(StoreDatabaseTest, TwoHandlesCannotBothCreateOneName) {
  auto first = Open();
  auto second = Open();
  ASSERT_TRUE(first->CreateIndex({"one", "", {4, Metric::kCosine, "flat"}}).ok());
  auto again = second->CreateIndex({"one", "", {8, Metric::kCosine, "flat"}});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().reason(), Status::Reason::kIndexExists) << again.status().ToString();
  // The loser left no objects behind.
  auto listed = store_->List("indexes/one/");
  ASSERT_TRUE(listed.ok());
  std::set<std::string> incarnations;
  for (const ObjectInfo& o : *listed) {
    incarnations.insert(o.key.substr(0, o.key.find('/', std::string("indexes/one/").size())));
  }
  EXPECT_EQ(incarnations.size(), 1u);
}

TEST_P(StoreDatabaseTest, DeletingAnIndexRemovesItsObjectsAndItStaysDeleted) {
  {
    auto db = Open();
    ASSERT_TRUE(db->CreateIndex({"keep", "", {4, Metric::kCosine, "flat"}}).ok());
    auto gone = db->CreateIndex({"gone", "", {4, Metric::kCosine, "flat"}});
    ASSERT_TRUE(gone.ok());
    ASSERT_TRUE((*gone)->Insert(Records(0, 10, 4)).ok());
    ASSERT_TRUE(db->Checkpoint().ok());
    ASSERT_TRUE(db->DeleteIndex("gone").ok());
    EXPECT_TRUE(store_->List("indexes/gone/")->empty());
  }
  auto db = Open();
  EXPECT_TRUE(db->GetIndex("gone").status().IsNotFound());
  EXPECT_TRUE(db->GetIndex("keep").ok());
  // The name can be used again, with another shape.
  auto again = db->CreateIndex({"gone", "", {8, Metric::kEuclidean, "flat"}});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)->Describe().config.dimensions, 8u);
}

TEST_P(StoreDatabaseTest, CheckpointsCollectWhatNoManifestNeeds) {
  auto db = Open();
  auto index = db->CreateIndex({"gc", "", {16, Metric::kCosine, "flat"}});
  ASSERT_TRUE(index.ok());
  for (int round = 0; round < 5; ++round) {
    ASSERT_TRUE((*index)->Insert(Records(round * 10, 10)).ok());
    ASSERT_TRUE(db->Checkpoint().ok());
  }
  ASSERT_TRUE((*index)->Insert(Records(50, 10)).ok());
  // With no grace period only the newest commit stays: one manifest, its segment, and the log
  // objects after it (the insert above). A store's listing may lag its writes and deletes by a
  // moment (radosgw), so list again for up to ~2 s before judging.
  int manifests = 0, segments = 0, logs = 0;
  for (int round = 0; round < 100; ++round) {
    auto listed = store_->List("indexes/gc/");
    ASSERT_TRUE(listed.ok());
    manifests = segments = logs = 0;
    for (const ObjectInfo& o : *listed) {
      manifests += o.key.find("/manifest/") != std::string::npos;
      segments += o.key.find("/seg/") != std::string::npos;
      logs += o.key.find("/log/") != std::string::npos;
    }
    if (manifests == 1 && segments == 1 && logs == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(manifests, 1);
  EXPECT_EQ(segments, 1);
  EXPECT_EQ(logs, 1);
  db.reset();
  auto reopened = Open();
  EXPECT_EQ(Contents(reopened->GetIndex("gc")->get(), 60).size(), 60u);
}

TEST_P(StoreDatabaseTest, AFailedPutIsNotAcknowledgedAndWritesGoOn) {
  auto db = Open();
  auto index = db->CreateIndex({"faults", "", {16, Metric::kCosine, "flat"}});
  ASSERT_TRUE(index.ok());
  ASSERT_TRUE((*index)->Insert(Records(0, 5)).ok());
  faulty_->fail_puts_before = 1;
  auto failed = (*index)->Insert(Records(5, 5));
  EXPECT_FALSE(failed.ok());
  EXPECT_TRUE(failed.status().IsIOError()) << failed.status().ToString();
  EXPECT_TRUE(Contents(index->get(), 10).count("v5") == 0);
  // Nothing was written, so nothing is unknown: the next write goes through.
  ASSERT_TRUE((*index)->Insert(Records(10, 5)).ok());
  // A put that landed but whose answer was lost is found by reading it back: acknowledged.
  faulty_->fail_puts_after = 1;
  ASSERT_TRUE((*index)->Insert(Records(15, 5)).ok());
  db.reset();
  auto reopened = Open();
  auto contents = Contents(reopened->GetIndex("faults")->get(), 20);
  EXPECT_EQ(contents.size(), 15u);
  EXPECT_EQ(contents.count("v5"), 0u);
  EXPECT_EQ(contents.count("v15"), 1u);
}

TEST_P(StoreDatabaseTest, AnUnknownOutcomeStopsWritesUntilReopened) {
  auto db = Open();
  auto index = db->CreateIndex({"unknown", "", {16, Metric::kCosine, "flat"}});
  ASSERT_TRUE(index.ok());
  faulty_->fail_puts_after = 1;
  faulty_->fail_gets = true;
  auto failed = (*index)->Insert(Records(0, 5));
  EXPECT_FALSE(failed.ok());
  faulty_->fail_gets = false;
  // The store may hold the group: writing on could fork the log, so writes stay refused...
  auto refused = (*index)->Insert(Records(5, 5));
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("reopen"), std::string::npos)
      << refused.status().ToString();
  // (a 503: a cluster node reopens the index on its next round, TakeOverWrites)
  EXPECT_EQ(refused.status().reason(), Status::Reason::kNotWriter) << refused.status().ToString();
  // ...and reads keep working.
  EXPECT_TRUE((*index)->Info().ok());
  db.reset();
  // Reopening reads what the store holds: here the group did land.
  auto reopened = Open();
  auto again = reopened->GetIndex("unknown");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Contents(again->get(), 10).size(), 5u);
  EXPECT_TRUE((*again)->Insert(Records(5, 5)).ok());
}

// A process that owns its store opens such an index again by itself once the store answers, so a
// client that retries (the refusal is a 503 with Retry-After over HTTP) gets through without a
// restart, and nothing acknowledged or landed is lost.
TEST_P(StoreDatabaseTest, AnUnknownOutcomeHealsOnceTheStoreAnswers) {
  auto db = Open();
  auto index = db->CreateIndex({"unknown", "", {16, Metric::kCosine, "flat"}});
  ASSERT_TRUE(index.ok());
  ASSERT_TRUE((*index)->Insert(Records(0, 3)).ok());
  faulty_->fail_puts_after = 1;
  faulty_->fail_gets = true;
  EXPECT_FALSE((*index)->Insert(Records(3, 2)).ok());
  // Still failing: the index stays refused (or unavailable) for a while, and nothing is written.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  if (auto still = db->GetIndex("unknown"); still.ok()) {
    EXPECT_FALSE((*still)->Insert(Records(5, 5)).ok());
  }
  faulty_->fail_gets = false;
  bool written = false;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!written && std::chrono::steady_clock::now() < end) {
    auto again = db->GetIndex("unknown");
    written = again.ok() && (*again)->Insert(Records(5, 5)).ok();
    if (!written) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(written) << "writes did not resume after the store answered again";
  // The group whose outcome was unknown did land; everything is there, also on a fresh cache.
  EXPECT_EQ(Contents(db->GetIndex("unknown")->get(), 20).size(), 10u);
  db.reset();
  auto fresh = Open();
  EXPECT_EQ(Contents(fresh->GetIndex("unknown")->get(), 20).size(), 10u);
}

TEST_P(StoreDatabaseTest, ADamagedLogObjectMakesOnlyItsIndexUnavailable) {
  {
    auto db = Open();
    ASSERT_TRUE(db->CreateIndex({"healthy", "", {4, Metric::kCosine, "flat"}}).ok());
    auto hurt = db->CreateIndex({"hurt", "", {4, Metric::kCosine, "flat"}});
    ASSERT_TRUE(hurt.ok());
    ASSERT_TRUE((*hurt)->Insert(Records(0, 3, 4)).ok());
  }
  // Closing checkpointed; damage the newest log object of "hurt" after writing one more.
  {
    DatabaseOptions o = Options();
    o.checkpoint_on_close = false;
    auto db = Open("", o);
    ASSERT_TRUE((*db->GetIndex("hurt"))->Insert(Records(3, 3, 4)).ok());
  }
  std::string damaged_key;
  auto listed = store_->List("indexes/hurt/");
  ASSERT_TRUE(listed.ok());
  for (const ObjectInfo& obj : *listed) {
    if (obj.key.find("/log/") != std::string::npos && obj.size > 0) damaged_key = obj.key;
  }
  ASSERT_FALSE(damaged_key.empty());
  std::string bytes = store_->Get(damaged_key)->data;
  bytes[bytes.size() / 2] ^= 0x40;
  ASSERT_TRUE(store_->Put(damaged_key, bytes).ok());

  auto db = Open();
  ASSERT_NE(db, nullptr);
  EXPECT_TRUE(db->GetIndex("healthy").ok());
  auto hurt = db->GetIndex("hurt");
  ASSERT_FALSE(hurt.ok());
  EXPECT_TRUE(hurt.status().IsCorruption()) << hurt.status().ToString();
  EXPECT_NE(hurt.status().message().find(damaged_key), std::string::npos)
      << hurt.status().ToString();
}

TEST_P(StoreDatabaseTest, ConcurrentWritersShareLogObjects) {
  DatabaseOptions o = Options();
  o.group_commit_window_us = 3000;
  auto db = Open("", o);
  auto index = db->CreateIndex({"group", "", {16, Metric::kCosine, "flat"}});
  ASSERT_TRUE(index.ok());
  const int before = faulty_->puts.load();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  constexpr int kThreads = 8, kWrites = 20;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = 0; i < kWrites; ++i) {
        std::vector<VectorRecord> one = {
            MakeRecord("v" + std::to_string(t * kWrites + i), RandomVector(rng, 16))};
        if (!(*index)->Insert(one).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  const int puts = faulty_->puts.load() - before;
  // 160 acknowledged writes; with a 3 ms window most share a put (the exact number depends on
  // scheduling; one put per write would be 160).
  EXPECT_LT(puts, kThreads * kWrites / 2) << puts;
  db.reset();
  auto reopened = Open();
  EXPECT_EQ(Contents(reopened->GetIndex("group")->get(), kThreads * kWrites).size(),
            static_cast<size_t>(kThreads * kWrites));
}


// Several processes on one store (DatabaseOptions::store_take_over_writes = false), as cluster
// nodes run: one writes each index, the others read it and follow with SyncWithStore.
class SharedStoreTest : public StoreDatabaseTest {
 protected:
  std::unique_ptr<Database> Node() {
    DatabaseOptions o = Options();
    o.store_take_over_writes = false;
    return Open("", o);
  }
  // Syncs `node` until `done` holds, for up to ~2 s: a store's listing may lag its writes by a
  // moment (radosgw completes a bucket's index entry after the write returns), and a follower
  // finds new indexes, manifests and log objects by listing. A follower that never catches up
  // still fails.
  static bool SyncUntil(Database* node, const std::function<bool()>& done) {
    for (int round = 0; round < 100; ++round) {
      const Status synced = node->SyncWithStore();
      EXPECT_TRUE(synced.ok()) << synced.ToString();
      if (!synced.ok()) return false;
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  static std::shared_ptr<Index> Get(Database* db, const std::string& name) {
    auto index = db->GetIndex(name);
    EXPECT_TRUE(index.ok()) << index.status().ToString();
    return index.ok() ? *index : nullptr;
  }
};

TEST_P(SharedStoreTest, OneNodeWritesAndTheOthersFollow) {
  auto a = Node();
  auto b = Node();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->CreateIndex({"docs", "", {16, Metric::kCosine, "flat"}}).ok());
  // Nobody writes until asked to.
  EXPECT_FALSE(a->WritesIndex("docs"));
  auto refused = Get(a.get(), "docs")->Insert(Records(0, 1));
  EXPECT_EQ(refused.status().reason(), Status::Reason::kNotWriter) << refused.status().ToString();
  // b learns of the index from the store.
  EXPECT_TRUE(b->GetIndex("docs").status().IsNotFound());
  ASSERT_TRUE(SyncUntil(b.get(), [&] { return b->GetIndex("docs").ok(); }));

  ASSERT_TRUE(a->TakeOverWrites("docs").ok());
  EXPECT_TRUE(a->WritesIndex("docs"));
  ASSERT_TRUE(Get(a.get(), "docs")->Insert(Records(0, 30)).ok());
  ASSERT_TRUE(Get(a.get(), "docs")->DeleteByIds(std::vector<std::string>{"v3"}).ok());
  EXPECT_EQ(Contents(Get(b.get(), "docs").get(), 30).size(), 0u);  // not synced yet
  SyncUntil(b.get(), [&] { return Contents(Get(b.get(), "docs").get(), 30).size() == 29; });
  auto followed = Contents(Get(b.get(), "docs").get(), 30);
  EXPECT_EQ(followed, Contents(Get(a.get(), "docs").get(), 30));
  EXPECT_EQ(followed.size(), 29u);
  EXPECT_EQ(followed.count("v3"), 0u);
  // A follower answers queries like the writer.
  QueryRequest q;
  q.vector = Records(7, 1)[0].values;
  q.top_k = 5;
  auto qa = Get(a.get(), "docs")->Query(q);
  auto qb = Get(b.get(), "docs")->Query(q);
  ASSERT_TRUE(qa.ok() && qb.ok());
  ASSERT_EQ(qa->matches.size(), qb->matches.size());
  for (size_t i = 0; i < qa->matches.size(); ++i) EXPECT_EQ(qa->matches[i].id, qb->matches[i].id);
  EXPECT_EQ(Get(b.get(), "docs")->Insert(Records(40, 1)).status().reason(),
            Status::Reason::kNotWriter);
  // Nothing to catch up is fine, and catching up twice applies nothing twice.
  ASSERT_TRUE(b->SyncWithStore().ok());
  EXPECT_EQ(Contents(Get(b.get(), "docs").get(), 30).size(), 29u);
}

// The failover step: another node takes the writes over. The previous writer is fenced (its next
// write fails, nothing it writes afterwards counts), every write it acknowledged is there, and it
// can follow as a reader.
TEST_P(SharedStoreTest, TakingOverFencesThePreviousWriterAndKeepsItsWrites) {
  auto a = Node();
  auto b = Node();
  ASSERT_TRUE(a->CreateIndex({"docs", "", {16, Metric::kCosine, "hnsw"}}).ok());
  ASSERT_TRUE(a->TakeOverWrites("docs").ok());
  auto old = Get(a.get(), "docs");
  ASSERT_TRUE(old->Insert(Records(0, 20)).ok());
  ASSERT_TRUE(a->Checkpoint().ok());  // half in a segment, half in log objects
  ASSERT_TRUE(old->Insert(Records(20, 20)).ok());

  ASSERT_TRUE(b->SyncWithStore().ok());
  ASSERT_TRUE(b->TakeOverWrites("docs").ok());
  EXPECT_EQ(Contents(Get(b.get(), "docs").get(), 40).size(), 40u);
  auto zombie = old->Insert(Records(40, 5));
  EXPECT_EQ(zombie.status().reason(), Status::Reason::kFenced) << zombie.status().ToString();
  ASSERT_TRUE(Get(b.get(), "docs")->Insert(Records(50, 5)).ok());

  ASSERT_TRUE(a->GiveUpWrites("docs").ok());
  EXPECT_FALSE(a->WritesIndex("docs"));
  ASSERT_TRUE(a->SyncWithStore().ok());
  auto seen = Contents(Get(a.get(), "docs").get(), 60);
  EXPECT_EQ(seen.size(), 45u);
  for (int i = 40; i < 45; ++i) EXPECT_EQ(seen.count("v" + std::to_string(i)), 0u) << i;
  // A fresh machine sees what the new writer sees.
  EXPECT_EQ(Contents(Open()->GetIndex("docs")->get(), 60), Contents(Get(b.get(), "docs").get(), 60));
}

// A follower that slept through checkpoints whose garbage collection took the log objects it
// needed next opens the index again and still ends up with everything.
TEST_P(SharedStoreTest, AFollowerBehindTheCollectedLogsIsOpenedAgain) {
  auto writer = Node();
  auto follower = Node();
  ASSERT_TRUE(writer->CreateIndex({"docs", "", {16, Metric::kCosine, "flat"}}).ok());
  ASSERT_TRUE(writer->TakeOverWrites("docs").ok());
  ASSERT_TRUE(follower->SyncWithStore().ok());
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(Get(writer.get(), "docs")->Insert(Records(round * 10, 10)).ok());
    ASSERT_TRUE(writer->Checkpoint().ok());  // gc grace 0: the logs before it go at once
  }
  ASSERT_TRUE(Get(writer.get(), "docs")->Insert(Records(30, 5)).ok());
  // A store's listing may lag its writes by a moment (radosgw updates a bucket's index after
  // the write returns), and the follower finds the newer manifest by listing: it may take
  // another round.
  size_t seen = 0;
  for (int round = 0; round < 100 && seen != 35; ++round) {
    ASSERT_TRUE(follower->SyncWithStore().ok());
    seen = Contents(Get(follower.get(), "docs").get(), 40).size();
    if (seen != 35) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(seen, 35u);
}

TEST_P(SharedStoreTest, IndexesCreatedAndDeletedElsewhereComeAndGo) {
  auto a = Node();
  auto b = Node();
  ASSERT_TRUE(a->CreateIndex({"one", "", {4, Metric::kCosine, "flat"}}).ok());
  ASSERT_TRUE(b->CreateIndex({"two", "", {4, Metric::kCosine, "flat"}}).ok());
  SyncUntil(a.get(), [&] { return a->ListIndexes().size() == 2; });
  SyncUntil(b.get(), [&] { return b->ListIndexes().size() == 2; });
  EXPECT_EQ(a->ListIndexes().size(), 2u);
  EXPECT_EQ(b->ListIndexes().size(), 2u);
  ASSERT_TRUE(a->DeleteIndex("two").ok());
  SyncUntil(b.get(), [&] { return b->GetIndex("two").status().IsNotFound(); });
  EXPECT_TRUE(b->GetIndex("two").status().IsNotFound());
  // Deleted and created again with another shape: the follower drops the old incarnation.
  ASSERT_TRUE(a->DeleteIndex("one").ok());
  ASSERT_TRUE(a->CreateIndex({"one", "", {8, Metric::kCosine, "flat"}}).ok());
  SyncUntil(b.get(), [&] {
    auto one = b->GetIndex("one");
    return one.ok() && (*one)->Describe().config.dimensions == 8;
  });
  EXPECT_EQ(Get(b.get(), "one")->Describe().config.dimensions, 8u);
}

TEST_P(SharedStoreTest, SharingNeedsAStoreAndWrites) {
  test::TempDir local;
  auto plain = Database::Open({}, local.path() + "/db");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ((*plain)->SyncWithStore().code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ((*plain)->TakeOverWrites("x").code(), Status::Code::kFailedPrecondition);
  auto a = Node();
  EXPECT_TRUE(a->TakeOverWrites("missing").IsNotFound());
  DatabaseOptions o = Options();
  o.read_only = true;
  auto reader = Open("", o);
  EXPECT_EQ(reader->SyncWithStore().code(), Status::Code::kFailedPrecondition);
}

}  // namespace store_cases
}  // namespace semble

#endif  // SEMBLE_TESTS_DB_STORE_DATABASE_CASES_H_
