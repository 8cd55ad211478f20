// Copyright 2026 The semble Authors.
//
// A checkpoint of a graph index stores the graph's large arrays (layer 0, and the float32 vectors
// of the quantized and bound-code modes) raw at page boundaries of its segment (format 6), and
// opening maps them copy-on-write instead of copying them (issue 16: open in < 1 s at 1M vectors).
// These tests hold that to what a checkpoint must give: a mapped load answers exactly as a copied
// one (the same bits, the same kernels); writes after a mapped open, growth included, never reach
// the file and read back after the next checkpoint; segments of format 5 still open; and damage to
// an array, its padding or its head is Corruption naming the file, whether the array is mapped or
// read. By default the builder then moves the arrays into the index's own memory
// (TheBuilderMovesAMappedGraphIntoMemory); the other tests keep them mapped.

#include <gtest/gtest.h>
#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <thread>

#include "db/db_test_util.h"
#include "db/index_files.h"
#include "index/hnsw_vector_index.h"
#include "semble/database.h"
#include "storage/log_format.h"
#include "util/test_util.h"

namespace semble {
namespace {

constexpr uint32_t kDims = 16;

// The segment with its header's version replaced (the header is the first framed record: crc 4,
// length 4, type 1, then "SMBLSEG_" and the version). Later records keep their offsets.
std::string WithVersion(const std::string& bytes, uint32_t version) {
  uint32_t len;
  std::memcpy(&len, &bytes[4], 4);
  std::string payload = bytes.substr(9, len);
  std::memcpy(&payload[8], &version, 4);
  std::string out;
  storage::AppendRecord(&out, payload);
  return out + bytes.substr(9 + len);
}

// Where the first raw array of a segment's index blob lies: its head record's payload offset, the
// array's file offset and its size.
struct ArrayAt {
  size_t head = 0, offset = 0, bytes = 0, head_end = 0;
};
ArrayAt FirstArray(const std::string& segment) {
  ArrayAt a;
  a.head = segment.find("SMBLVARR");
  if (a.head == std::string::npos) return ArrayAt{};
  uint32_t len;
  std::memcpy(&len, &segment[a.head - 5], 4);
  a.head_end = a.head + len;
  std::memcpy(&a.bytes, &segment[a.head + 8], 8);
  a.offset = (a.head_end + db::kSegmentSectionAlign - 1) / db::kSegmentSectionAlign *
             db::kSegmentSectionAlign;
  return a;
}

using Answers = std::vector<std::vector<std::pair<std::string, float>>>;

class GraphMappingTest : public ::testing::TestWithParam<std::string> {
 protected:
  // The mapping itself is under test here: the builder keeps it (it would otherwise move the
  // arrays into memory right after open; MovedIntoMemory tests that).
  void SetUp() override {
    options_.exact_search_below = 0;
    index::SetKeepGraphMappedForBench(true);
  }
  void TearDown() override { index::SetKeepGraphMappedForBench(false); }

  void Open(Env* env = nullptr) {
    options_.env = env;
    const Status s = test::ReopenDatabase(options_, dir_.path(), "g", &db_, &index_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  void Create() {
    auto index = test::CreateIndexOfType(db_.get(), "g", kDims, Metric::kCosine, GetParam());
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    index_ = *index;
  }

  void Upsert(int from, int to, const std::string& prefix) {
    std::vector<VectorRecord> batch;
    for (int i = from; i < to; ++i) {
      batch.push_back(test::MakeRecord(prefix + std::to_string(i), test::RandomVector(rng_, kDims),
                                       i % 2 ? "" : "even"));
      truth_[batch.back().id] = batch.back();
      if (batch.size() == 500 || i + 1 == to) {
        const auto up = index_->Upsert(batch);
        ASSERT_TRUE(up.ok()) << up.status().ToString();
        batch.clear();
      }
    }
  }

  // Waits for the builder to link every vector, so that the checkpoint's graph holds them all.
  void WaitLinked() {
    for (int i = 0; i < 3000 && index_->Info()->unindexed_vectors > 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(index_->Info()->unindexed_vectors, 0u) << "not linked after 30 s";
  }

  // Every record by id, and the answers to some queries (ef high enough that the graph's answer
  // does not depend on whether the builder has re-checked reachability since the open).
  std::map<std::string, VectorRecord> Records() {
    auto all = test::AllRecords(index_.get());
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    return all.ok() ? std::move(all).value() : std::map<std::string, VectorRecord>{};
  }

  Answers Ask() {
    std::mt19937 rng(7);
    Answers out;
    for (int i = 0; i < 16; ++i) {
      QueryRequest q;
      q.vector = test::RandomVector(rng, kDims);
      q.top_k = 10;
      q.ef = 500;
      if (i % 4 == 1) q.ns = "even";
      auto r = index_->Query(q);
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      out.push_back(test::MatchesOf(r));
    }
    return out;
  }

  void ExpectSameRecords(const std::map<std::string, VectorRecord>& want) {
    const std::map<std::string, VectorRecord> got = Records();
    ASSERT_EQ(got.size(), want.size());
    for (const auto& [id, r] : want) {
      auto it = got.find(id);
      ASSERT_NE(it, got.end()) << id;
      EXPECT_EQ(std::memcmp(it->second.values.data(), r.values.data(), kDims * 4), 0) << id;
      EXPECT_EQ(it->second.ns, r.ns) << id;
    }
  }

  std::string SegmentPath() {
    const std::string path = test::SegmentOf(dir_.path(), "g");
    if (path.empty()) ADD_FAILURE() << "no segment";
    return path;
  }

  // A checkpointed graph of n linked vectors, closed.
  void Build(int n) {
    Open();
    Create();
    Upsert(0, n, "r");
    WaitLinked();
    std::vector<std::string> gone;
    for (int i = 0; i < n; i += 9) gone.push_back("r" + std::to_string(i));
    ASSERT_TRUE(index_->DeleteByIds(gone).ok());
    for (const std::string& id : gone) truth_.erase(id);
    records_ = Records();
    ExpectSameRecords(truth_);
    answers_ = Ask();
    index_.reset();
    db_.reset();
  }

  // Builds the graph of `n` records (Build) and returns its checkpoint segment's bytes in *bytes
  // and where the segment's first raw array lies (there must be one).
  ArrayAt BuildAndFindArray(int n, std::string* bytes) {
    Build(n);
    *bytes = test::ReadFileBytes(SegmentPath());
    const ArrayAt a = FirstArray(*bytes);
    EXPECT_NE(a.bytes, 0u) << "the graph's arrays are not stored raw";
    return a;
  }

  // Runs check(env, how) for both ways an array is loaded: mapped (the default Env, "mapped") and
  // read a piece at a time (an Env that cannot map, "read").
  void ForMappedAndRead(const std::function<void(Env*, const std::string&)>& check) {
    test::FaultEnv reading;
    check(nullptr, "mapped");
    check(&reading, "read");
  }

  // Opens with the segment as it is now: the index must be unavailable with Corruption naming
  // the file and `what`.
  void ExpectCorruption(Env* env, const std::string& what, const std::string& why) {
    Open(env);
    EXPECT_EQ(index_, nullptr) << why;
    EXPECT_EQ(test::CorruptionMismatch(db_.get(), "g", SegmentPath(), what), "") << why;
    db_.reset();
  }

  std::mt19937 rng_{1};
  test::TempDir dir_;
  DatabaseOptions options_;
  std::unique_ptr<Database> db_;
  std::shared_ptr<Index> index_;
  std::map<std::string, VectorRecord> records_;
  // What was written: every record must read back as this (records_ is what the index said).
  std::map<std::string, VectorRecord> truth_;
  Answers answers_;
};

TEST_P(GraphMappingTest, MappedAndCopiedLoadsAnswerTheSame) {
  Build(3000);
  const std::string segment = SegmentPath();
  ASSERT_NE(FirstArray(test::ReadFileBytes(segment)).bytes, 0u) << "the graph's arrays are not stored raw";
  Open();  // the default Env maps files
  ASSERT_NE(index_, nullptr);
  EXPECT_TRUE(test::MappedInThisProcess(segment)) << "the graph was copied, not mapped";
  ExpectSameRecords(truth_);
  const Answers mapped = Ask();
  EXPECT_EQ(mapped, answers_);
  test::FaultEnv reading;  // an Env that does not map: the arrays are read in pieces instead
  Open(&reading);
  ASSERT_NE(index_, nullptr);
  EXPECT_FALSE(test::MappedInThisProcess(segment));
  ExpectSameRecords(truth_);
  EXPECT_EQ(Ask(), mapped);  // bit for bit: the same scores from the same bytes
  // Mapping refused by the bench switch: the same, through the same fallback.
  db::SetIndexBlobMappingForBench(false);
  Open();
  db::SetIndexBlobMappingForBench(true);
  ASSERT_NE(index_, nullptr);
  EXPECT_FALSE(test::MappedInThisProcess(segment));
  EXPECT_EQ(Ask(), mapped);
}

TEST_P(GraphMappingTest, WritesAfterAMappedOpenReadBackAfterTheNextCheckpoint) {
  Build(2500);
  options_.checkpoint_on_close = false;
  Open();
  ASSERT_NE(index_, nullptr);
  const std::string segment = SegmentPath();
  ASSERT_TRUE(test::MappedInThisProcess(segment));
  const std::string before = test::ReadFileBytes(segment);
  // Overwrite vectors the mapping holds (their records and their neighbours' links are rewritten,
  // copy-on-write), delete some, then grow the graph past the mapped nodes twice over (the
  // arrays move their file pages and their own memory separately).
  std::vector<VectorRecord> batch;
  int i = 0;
  for (const auto& [id, r] : records_) {
    if (++i % 3 != 0) continue;
    batch.push_back(test::MakeRecord(id, test::RandomVector(rng_, kDims), r.ns));
    truth_[id] = batch.back();
  }
  ASSERT_TRUE(index_->Upsert(batch).ok());
  std::vector<std::string> gone;
  for (const auto& [id, r] : records_) {
    if (id.size() % 4 == 0) gone.push_back(id);
  }
  ASSERT_TRUE(index_->DeleteByIds(gone).ok());
  for (const std::string& id : gone) truth_.erase(id);
  Upsert(0, 6000, "new");
  WaitLinked();
  ExpectSameRecords(truth_);
  records_ = Records();
  answers_ = Ask();
  EXPECT_EQ(test::ReadFileBytes(segment), before) << "a write reached the mapped segment";
  // From the log over the mapped segment, then from a checkpoint written from the grown arrays,
  // then mapped from that checkpoint.
  Open();
  ASSERT_NE(index_, nullptr);
  ExpectSameRecords(truth_);
  WaitLinked();
  ASSERT_TRUE(db_->Checkpoint().ok());
  const std::string next = SegmentPath();
  EXPECT_NE(next, segment);
  ExpectSameRecords(truth_);
  Open();
  ASSERT_NE(index_, nullptr);
  EXPECT_TRUE(test::MappedInThisProcess(next));
  ExpectSameRecords(truth_);
  EXPECT_EQ(Ask(), answers_);
}

// A graph smaller than the index's first allocation (1,024 nodes): the mapped arrays hold fewer
// nodes than the capacity the rest of the index gets, and must be grown to it before the next
// insert lands past them.
TEST_P(GraphMappingTest, ASmallMappedGraphTakesInsertsPastItsEnd) {
  Build(900);
  options_.checkpoint_on_close = false;
  Open();
  ASSERT_NE(index_, nullptr);
  const std::string segment = SegmentPath();
  ASSERT_NE(FirstArray(test::ReadFileBytes(segment)).bytes, 0u);
  ASSERT_TRUE(test::MappedInThisProcess(segment));
  // One at a time, each linked before the next: the builder then adds them into the capacity it
  // has, past the mapped nodes, rather than growing first for a large batch.
  for (int i = 0; i < 150; ++i) {
    Upsert(i, i + 1, "one");
    WaitLinked();
  }
  Upsert(0, 3000, "new");
  WaitLinked();
  ExpectSameRecords(truth_);
  records_ = Records();
  answers_ = Ask();
  Open();
  ASSERT_NE(index_, nullptr);
  WaitLinked();
  ASSERT_TRUE(db_->Checkpoint().ok());
  Open();
  ASSERT_NE(index_, nullptr);
  ExpectSameRecords(truth_);
  EXPECT_EQ(Ask(), answers_);
}

// By default the builder moves the mapped arrays into the index's own memory after open (huge
// pages: queries are faster there); nothing changes for a reader, and writes after it read back.
TEST_P(GraphMappingTest, TheBuilderMovesAMappedGraphIntoMemory) {
  Build(2500);
  index::SetKeepGraphMappedForBench(false);
  options_.checkpoint_on_close = false;
  Open();
  ASSERT_NE(index_, nullptr);
  const std::string segment = SegmentPath();
  const std::string before = test::ReadFileBytes(segment);
  for (int i = 0; i < 3000 && test::MappedInThisProcess(segment); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(test::MappedInThisProcess(segment)) << "still mapped after 30 s";
  ExpectSameRecords(truth_);
  EXPECT_EQ(Ask(), answers_);
  Upsert(0, 2000, "new");
  WaitLinked();
  ExpectSameRecords(truth_);
  EXPECT_EQ(test::ReadFileBytes(segment), before);
  Open();
  ASSERT_NE(index_, nullptr);
  ExpectSameRecords(truth_);
}

TEST_P(GraphMappingTest, AFormat5SegmentStillOpens) {
  Build(2000);
  // The layout of format 5: every byte of the graph in records.
  const std::string segment = SegmentPath();
  db::SegmentHeader header;
  std::string graph;
  std::vector<std::pair<uint32_t, VectorRecord>> records;
  ASSERT_TRUE(test::ReadWholeSegment(segment, kDims, &header, &graph, &records).ok());
  const std::string v6 = test::ReadFileBytes(segment);
  std::filesystem::remove(segment);
  ASSERT_TRUE(test::WriteWholeSegment(segment, kDims, header, graph, "", records).ok());
  EXPECT_EQ(FirstArray(test::ReadFileBytes(segment)).bytes, 0u);
  test::WriteFileBytes(segment, WithVersion(test::ReadFileBytes(segment), 5));
  Open();
  ASSERT_NE(index_, nullptr);
  EXPECT_FALSE(test::MappedInThisProcess(segment));
  ExpectSameRecords(truth_);
  EXPECT_EQ(Ask(), answers_);
  index_.reset();
  db_.reset();
  // Raw arrays are not part of format 5: a segment that says 5 and holds them is refused.
  test::WriteFileBytes(segment, WithVersion(v6, 5));
  ExpectCorruption(nullptr, "index blob is incomplete", "arrays in a format 5 segment");
}

TEST_P(GraphMappingTest, DamageToAnArrayIsCorruption) {
  std::string good;
  const ArrayAt a = BuildAndFindArray(2000, &good);
  ASSERT_NE(a.bytes, 0u);
  ASSERT_EQ(a.offset % 4096, 0u);
  ASSERT_LT(a.head_end, a.offset);
  const std::string segment = SegmentPath();
  ForMappedAndRead([&](Env* env, const std::string& how) {
    for (size_t at : {a.offset, a.offset + a.bytes / 2, a.offset + a.bytes - 1}) {
      std::string bad = good;
      bad[at] ^= 0x04;
      test::WriteFileBytes(segment, bad);
      ExpectCorruption(env, "checksum mismatch in an index blob array",
                       how + " array byte " + std::to_string(at));
    }
    // Padding before and after the array.
    for (size_t at : {a.head_end, a.offset + a.bytes}) {
      if (at % 4096 == 0) continue;  // no padding there
      std::string bad = good;
      bad[at] = 1;
      test::WriteFileBytes(segment, bad);
      ExpectCorruption(env, "zero padding", how + " padding byte " + std::to_string(at));
    }
    // The head's hash (its record's CRC catches it first) and its size (claimed larger than the
    // file, with the CRC fixed up: a head that parses but does not fit).
    std::string bad = good;
    bad[a.head + 24] ^= 0x01;
    test::WriteFileBytes(segment, bad);
    ExpectCorruption(env, "", how + " head hash");
    bad = good;
    uint32_t len;
    std::memcpy(&len, &good[a.head - 5], 4);
    std::string payload = good.substr(a.head, len);
    const uint64_t huge = uint64_t{1} << 40;
    std::memcpy(&payload[8], &huge, 8);
    std::string framed;
    storage::AppendRecord(&framed, payload);
    bad.replace(a.head - 9, 9 + len, framed);
    test::WriteFileBytes(segment, bad);
    ExpectCorruption(env, "malformed index blob array", how + " head size");
  });
  test::WriteFileBytes(segment, good);
  Open();
  ASSERT_NE(index_, nullptr);
  EXPECT_EQ(Ask(), answers_);
}

// An array of several pieces (a graph past 32 MiB; here the writer's single piece is re-cut into
// eight, with their hashes, as a larger graph's would be) is checked piece by piece, on every core
// when mapped: damage in any piece is Corruption at that piece's offset, and with two damaged
// pieces the one reported is the first in the file, whichever thread hashed it.
TEST_P(GraphMappingTest, DamageInAnyPieceOfAnArrayNamesTheFirstDamagedPiece) {
  std::string one_piece;
  const ArrayAt a = BuildAndFindArray(2000, &one_piece);
  ASSERT_NE(a.bytes, 0u);
  const std::string segment = SegmentPath();
  uint32_t len;
  std::memcpy(&len, &one_piece[a.head - 5], 4);
  ASSERT_EQ(len, 8u + 8 + 8 + 8) << "expected a head with a single piece's hash";
  const uint64_t piece = (a.bytes + 7) / 8;
  std::string payload = one_piece.substr(a.head, 16);
  payload.append(reinterpret_cast<const char*>(&piece), 8);
  for (uint64_t at = 0; at < a.bytes; at += piece) {
    const uint64_t h = XXH3_64bits(&one_piece[a.offset + at], std::min(piece, a.bytes - at));
    payload.append(reinterpret_cast<const char*>(&h), 8);
  }
  std::string head;
  storage::AppendRecord(&head, payload);
  const size_t grown = head.size() - (9 + len);
  ASSERT_LE(a.head_end + grown, a.offset) << "no room in the padding for the longer head";
  std::string good = one_piece;
  good.replace(a.head - 9, 9 + len, head);
  good.erase(a.head_end + grown, grown);  // zeros of the padding: the array stays where it was
  ASSERT_EQ(good.size(), one_piece.size());
  ASSERT_EQ(FirstArray(good).offset, a.offset);
  test::WriteFileBytes(segment, good);
  Open();
  ASSERT_NE(index_, nullptr) << "the re-cut array does not load";
  EXPECT_TRUE(test::MappedInThisProcess(segment));
  EXPECT_EQ(Ask(), answers_);
  index_.reset();
  db_.reset();
  auto at_piece = [&](uint64_t i) {
    return "at byte offset " + std::to_string(a.offset + i * piece) +
           ": checksum mismatch in an index blob array";
  };
  ForMappedAndRead([&](Env* env, const std::string& how) {
    for (uint64_t i = 0; i < 8; ++i) {
      std::string bad = good;
      bad[a.offset + std::min(i * piece + piece / 2, a.bytes - 1)] ^= 0x10;
      test::WriteFileBytes(segment, bad);
      ExpectCorruption(env, at_piece(i), how + " piece " + std::to_string(i));
    }
    for (uint64_t first : {0, 3, 6}) {
      std::string bad = good;
      bad[a.offset + first * piece + 1] ^= 0x10;
      bad[a.offset + (first + 1) * piece + 1] ^= 0x10;
      bad[a.bytes - 1 + a.offset] ^= 0x10;
      test::WriteFileBytes(segment, bad);
      ExpectCorruption(env, at_piece(first), how + " from piece " + std::to_string(first));
    }
  });
}

INSTANTIATE_TEST_SUITE_P(Types, GraphMappingTest,
                         ::testing::Values("hnsw", "hnsw,sq8", "hnsw,lb8"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == ',') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace semble
