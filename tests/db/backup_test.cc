// Copyright 2026 The semble Authors.
//
// Backups (semble/backup.h): content-defined chunking, incremental uploads, restores of older
// points, restores into a database that lives in a store, and damage.

#include "db/backup.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "db/db_test_util.h"
#include "semble/database.h"
#include "semble/object_store.h"
#include "util/test_util.h"

namespace semble {
namespace {

using test::MakeRecord;
using test::RandomVector;

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(ChunkEnds, CoverTheDataWithinTheBoundsAndFollowTheContent) {
  std::mt19937_64 rng(3);
  const std::string data = RandomBytes(rng, 24 << 20);
  const auto ends = db::ChunkEnds(data);
  ASSERT_FALSE(ends.empty());
  EXPECT_EQ(ends.back(), data.size());
  size_t start = 0;
  for (size_t i = 0; i < ends.size(); ++i) {
    const size_t size = ends[i] - start;
    EXPECT_LE(size, db::kMaxChunk);
    if (i + 1 < ends.size()) EXPECT_GE(size, db::kMinChunk);
    start = ends[i];
  }
  // An insertion in the middle changes the chunks around it; the others are found again.
  std::string edited = data;
  edited.insert(edited.size() / 2, "a few inserted bytes");
  auto chunks = [](const std::string& d) {
    std::map<std::string, int> out;
    size_t s = 0;
    for (size_t e : db::ChunkEnds(d)) {
      out[d.substr(s, e - s)]++;
      s = e;
    }
    return out;
  };
  const auto before = chunks(data), after = chunks(edited);
  size_t shared = 0;
  for (const auto& [c, n] : after) shared += before.count(c);
  EXPECT_GE(shared + 2, after.size()) << "chunks: " << before.size() << " -> " << after.size();
  EXPECT_TRUE(db::ChunkEnds("").empty());
  EXPECT_EQ(db::ChunkEnds("small"), std::vector<size_t>{5});
}

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto target = OpenObjectStore("file://" + dir_.path() + "/backups", {});
    ASSERT_TRUE(target.ok());
    target_ = std::move(target).value();
    auto db = Database::Open({}, dir_.path() + "/db");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }

  std::vector<VectorRecord> Records(int first, int count, uint32_t dims) {
    std::vector<VectorRecord> out;
    for (int i = first; i < first + count; ++i) {
      out.push_back(MakeRecord("v" + std::to_string(i), RandomVector(rng_, dims), "",
                               "{\"i\":" + std::to_string(i) + "}"));
    }
    return out;
  }

  static std::map<std::string, std::pair<std::vector<float>, std::string>> Contents(Index* index) {
    std::map<std::string, std::pair<std::vector<float>, std::string>> out;
    ListRequest req{1000, ""};
    for (;;) {
      auto page = index->List(req);
      EXPECT_TRUE(page.ok());
      if (!page.ok()) return out;
      for (size_t i = 0; i < page->ids.size(); i += 20) {
        std::vector<std::string> part(page->ids.begin() + i,
                                      page->ids.begin() + std::min(page->ids.size(), i + 20));
        auto got = index->GetByIds(part);
        EXPECT_TRUE(got.ok());
        if (!got.ok()) return out;
        for (const VectorRecord& r : *got) out[r.id] = {r.values, r.metadata_json};
      }
      if (!page->is_truncated) break;
      req.cursor = page->next_cursor;
    }
    return out;
  }

  std::mt19937 rng_{5};
  test::TempDir dir_;
  std::unique_ptr<ObjectStore> target_;
  std::unique_ptr<Database> db_;
};

TEST_F(BackupTest, ASecondBackupUploadsOnlyWhatChangedAndEachRestoresItsPoint) {
  // 20,000 x 128 floats: a 10 MB segment, several chunks.
  auto index = db_->CreateIndex({"docs", "kept", {128, Metric::kCosine, "flat"}});
  ASSERT_TRUE(index.ok());
  for (int b = 0; b < 40; ++b) ASSERT_TRUE((*index)->Upsert(Records(b * 500, 500, 128)).ok());
  const auto state1 = Contents(index->get());
  auto first = db_->Backup("docs", target_.get());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->chunks_uploaded, first->chunks);
  EXPECT_GT(first->bytes, 20000u * 128 * 4);
  EXPECT_GE(first->chunks, 5u);

  // One region of ids changes: 20 replaced, 2 deleted (the upload grows with the number of
  // separate regions a change touches, one or two chunks each).
  ASSERT_TRUE((*index)->Upsert(Records(12000, 20, 128)).ok());
  std::vector<std::string> gone = {"v12020", "v12021"};
  ASSERT_TRUE((*index)->DeleteByIds(gone).ok());
  const auto state2 = Contents(index->get());
  auto second = db_->Backup("docs", target_.get());
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  // Records are stored in id order, so a few changed ids leave most chunks as they were.
  EXPECT_LT(second->chunks_uploaded, second->chunks);
  EXPECT_LT(second->bytes_uploaded * 2, first->bytes_uploaded)
      << second->bytes_uploaded << " of " << second->bytes;
  EXPECT_GT(second->mutation, first->mutation);
  std::printf(
      "backup 1: %llu bytes, %llu chunks; backup 2 uploaded %llu bytes (%llu of %llu chunks)\n",
      static_cast<unsigned long long>(first->bytes_uploaded),
      static_cast<unsigned long long>(first->chunks),
      static_cast<unsigned long long>(second->bytes_uploaded),
      static_cast<unsigned long long>(second->chunks_uploaded),
      static_cast<unsigned long long>(second->chunks));

  auto listed = ListBackups(target_.get(), "docs");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, first->id);
  EXPECT_EQ((*listed)[1].id, second->id);

  auto old = db_->Restore(target_.get(), first->id, "docs-then");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(Contents(old->get()), state1);
  EXPECT_EQ((*old)->Describe().description, "kept");
  auto now = db_->Restore(target_.get(), second->id, "docs-now");
  ASSERT_TRUE(now.ok()) << now.status().ToString();
  EXPECT_EQ(Contents(now->get()), state2);
  // A restored index takes writes.
  ASSERT_TRUE((*old)->Upsert(Records(90000, 1, 128)).ok());
  EXPECT_EQ((*old)->Info()->vector_count, state1.size() + 1);
  // Restores survive a reopen like any index.
  db_.reset();
  auto reopened = Database::Open({}, dir_.path() + "/db");
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(Contents((*reopened)->GetIndex("docs-now")->get()), state2);
}

TEST_F(BackupTest, AnHnswIndexAnswersTheSameAfterARestoreIntoAStore) {
  auto index = db_->CreateIndex({"graph", "", {32, Metric::kEuclidean, "hnsw"}});
  ASSERT_TRUE(index.ok());
  for (int b = 0; b < 6; ++b) ASSERT_TRUE((*index)->Upsert(Records(b * 500, 500, 32)).ok());
  auto backup = db_->Backup("graph", target_.get());
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  std::vector<std::vector<float>> queries;
  std::vector<QueryResult> expected;
  for (int q = 0; q < 20; ++q) {
    QueryRequest r;
    r.vector = RandomVector(rng_, 32);
    r.top_k = 10;
    expected.push_back(*(*index)->Query(r));
    queries.push_back(r.vector);
  }

  DatabaseOptions in_store;
  in_store.store_url = "file://" + dir_.path() + "/bucket";
  {
    auto db = Database::Open(in_store, dir_.path() + "/cache-1");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    auto restored = (*db)->Restore(target_.get(), backup->id, "");
    ASSERT_TRUE(restored.ok()) << restored.status().ToString();
    EXPECT_EQ((*restored)->Describe().name, "graph");
  }
  // From the store, into an empty cache.
  auto db = Database::Open(in_store, dir_.path() + "/cache-2");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto restored = (*db)->GetIndex("graph");
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(Contents(restored->get()), Contents(index->get()));
  for (size_t q = 0; q < queries.size(); ++q) {
    QueryRequest r;
    r.vector = queries[q];
    r.top_k = 10;
    auto got = (*restored)->Query(r);
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->matches.size(), expected[q].matches.size());
    for (size_t i = 0; i < got->matches.size(); ++i) {
      EXPECT_EQ(got->matches[i].id, expected[q].matches[i].id) << q;
    }
  }
}

TEST_F(BackupTest, AReaderOfAStoreBacksUpWithoutTakingItOver) {
  DatabaseOptions in_store;
  in_store.store_url = "file://" + dir_.path() + "/bucket";
  auto writer = Database::Open(in_store, dir_.path() + "/writer-cache");
  ASSERT_TRUE(writer.ok());
  auto index = (*writer)->CreateIndex({"live", "", {16, Metric::kCosine, "flat"}});
  ASSERT_TRUE(index.ok());
  ASSERT_TRUE((*index)->Upsert(Records(0, 200, 16)).ok());  // in the log, not checkpointed
  DatabaseOptions reader_options = in_store;
  reader_options.read_only = true;
  auto reader = Database::Open(reader_options, dir_.path() + "/reader-cache");
  ASSERT_TRUE(reader.ok());
  auto backup = (*reader)->Backup("live", target_.get());
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  EXPECT_TRUE((*index)->Upsert(Records(200, 1, 16)).ok()) << "the backup fenced the writer";
  auto restored = db_->Restore(target_.get(), backup->id, "");
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ((*restored)->Info()->vector_count, 200u);
}

TEST_F(BackupTest, AnEmptyIndexBacksUpAndRestores) {
  ASSERT_TRUE(db_->CreateIndex({"empty", "", {8, Metric::kCosine, "flat"}}).ok());
  auto backup = db_->Backup("empty", target_.get());
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  auto restored = db_->Restore(target_.get(), backup->id, "empty-copy");
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ((*restored)->Info()->vector_count, 0u);
  EXPECT_TRUE((*restored)->Insert(Records(0, 3, 8)).ok());
}

TEST_F(BackupTest, DamageAndConflictsAreRefusedAndCreateNothing) {
  auto index = db_->CreateIndex({"d", "", {16, Metric::kCosine, "flat"}});
  ASSERT_TRUE(index.ok());
  ASSERT_TRUE((*index)->Upsert(Records(0, 3000, 16)).ok());
  auto backup = db_->Backup("d", target_.get());
  ASSERT_TRUE(backup.ok());
  ASSERT_GE(backup->chunks, 1u);

  auto taken = db_->Restore(target_.get(), backup->id, "");
  ASSERT_FALSE(taken.ok());
  EXPECT_TRUE(taken.status().IsAlreadyExists()) << taken.status().ToString();
  EXPECT_TRUE(db_->Restore(target_.get(), "d/000-none", "x").status().IsNotFound());
  EXPECT_TRUE(db_->Backup("no-such", target_.get()).status().IsNotFound());

  auto chunks = target_->List("chunks/");
  ASSERT_TRUE(chunks.ok());
  const std::string key = chunks->front().key;
  std::string bytes = target_->Get(key)->data;
  bytes[bytes.size() / 3] ^= 1;
  ASSERT_TRUE(target_->Put(key, bytes).ok());
  auto damaged = db_->Restore(target_.get(), backup->id, "d-copy");
  ASSERT_FALSE(damaged.ok());
  EXPECT_TRUE(damaged.status().IsCorruption()) << damaged.status().ToString();
  EXPECT_TRUE(db_->GetIndex("d-copy").status().IsNotFound());
  ASSERT_TRUE(target_->Delete(key).ok());
  auto missing = db_->Restore(target_.get(), backup->id, "d-copy");
  EXPECT_TRUE(missing.status().IsCorruption()) << missing.status().ToString();
  // A new backup puts the chunk back, and the old backup restores again.
  ASSERT_TRUE(db_->Backup("d", target_.get()).ok());
  EXPECT_TRUE(db_->Restore(target_.get(), backup->id, "d-copy").ok());
}

}  // namespace
}  // namespace semble
