// Copyright 2026 The semble Authors.
//
// A checkpoint of an index without a graph (flat) stores its vectors once, after the footer, raw
// and in slot order, and opening maps them copy-on-write (issue 16: open in < 1 s at 1M vectors).
// These tests hold that to what a checkpoint must give: every value reads back bit for bit,
// whether the section is mapped or read; writes after the open never reach the file; growth past
// the mapped rows keeps them; and any damage to the section, its padding or its length is
// Corruption naming the file, never a silently different vector.

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "core/coding.h"
#include "db/db_test_util.h"
#include "db/index_files.h"
#include "db/mutation.h"
#include "semble/database.h"
#include "storage/log_writer.h"
#include "util/test_util.h"

namespace semble {
namespace {

constexpr uint32_t kDims = 12;

// Values across the float range a record may hold (finite): zeros of both signs, subnormals,
// large (squares that still fit a float: cosine and L2 need the length) and tiny magnitudes, and
// ordinary ones.
std::vector<float> AwkwardVector(std::mt19937& rng) {
  static const float kSpecial[] = {0.0f,     -0.0f,    FLT_TRUE_MIN, -FLT_TRUE_MIN, FLT_MIN,
                                   1e-30f,   -3e-38f,  1e18f,        -2e17f,        1.0f,
                                   -0.5f,    65504.0f, 1e-7f,        3.14159265f};
  std::vector<float> v(kDims);
  for (float& x : v) {
    if (rng() % 3 == 0) {
      x = kSpecial[rng() % (sizeof(kSpecial) / sizeof(kSpecial[0]))];
    } else {
      x = std::uniform_real_distribution<float>(-1, 1)(rng);
    }
  }
  v[rng() % kDims] = 0.75f;  // never all zero: cosine refuses a zero vector
  return v;
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

class VectorsSectionTest : public ::testing::TestWithParam<Metric> {
 protected:
  void Open(Env* env = nullptr) {
    options_.env = env;
    const Status s = test::ReopenDatabase(options_, dir_.path(), "v", &db_, &index_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // n records of awkward values, then deletes and re-inserts, so that free slots sit between
  // live ones and ids do not follow slots.
  void Fill(int n) {
    CreateIndexRequest create;
    create.name = "v";
    create.config.dimensions = kDims;
    create.config.metric = GetParam();
    create.config.index_type = "flat";
    auto index = db_->CreateIndex(create);
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    index_ = *index;
    std::vector<VectorRecord> batch;
    for (int i = 0; i < n; ++i) {
      batch.push_back(test::MakeRecord("r" + std::to_string((i * 7919) % n), AwkwardVector(rng_),
                                       i % 2 ? "" : "even", R"({"g":)" + std::to_string(i % 5) + "}"));
      if (batch.size() == 200) {
        {
      const auto up = index_->Upsert(batch);
      ASSERT_TRUE(up.ok()) << up.status().ToString();
    }
        batch.clear();
      }
    }
    if (!batch.empty()) {
      const auto up = index_->Upsert(batch);
      ASSERT_TRUE(up.ok()) << up.status().ToString();
    }
    std::vector<std::string> gone;
    for (int i = 0; i < n; i += 7) gone.push_back("r" + std::to_string(i));
    ASSERT_TRUE(index_->DeleteByIds(gone).ok());
    Remember();
  }

  // What every record should read back as, and the answers queries should give.
  void Remember() {
    auto all = test::AllRecords(index_.get());
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    expected_ = std::move(all).value();
    answers_ = Answers();
  }

  std::vector<std::vector<std::pair<std::string, float>>> Answers() {
    std::mt19937 rng(11);
    std::vector<std::vector<std::pair<std::string, float>>> out;
    for (int i = 0; i < 12; ++i) {
      QueryRequest q;
      q.vector = test::RandomVector(rng, kDims);
      q.top_k = 20;
      if (i % 3 == 1) q.ns = "even";
      auto r = index_->Query(q);
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      out.push_back(test::MatchesOf(r));
    }
    return out;
  }

  // Every remembered record reads back with the same bits, nothing else is there, and the
  // queries answer the same (the same kernels over the same bits: exactly the same).
  void ExpectRemembered() {
    ASSERT_NE(index_, nullptr);
    EXPECT_EQ(index_->Info()->vector_count, expected_.size());
    std::vector<std::string> ids;
    size_t seen = 0;
    for (auto it = expected_.begin(); it != expected_.end();) {
      ids.push_back((it++)->first);
      if (ids.size() < 100 && it != expected_.end()) continue;  // a get takes at most 100 ids
      auto got = index_->GetByIds(ids);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      ASSERT_EQ(got->size(), ids.size());
      for (const VectorRecord& r : *got) {
        const VectorRecord& want = expected_.at(r.id);
        EXPECT_TRUE(SameBits(r.values, want.values)) << r.id;
        EXPECT_EQ(r.ns, want.ns) << r.id;
        EXPECT_EQ(r.metadata_json, want.metadata_json) << r.id;
      }
      seen += got->size();
      ids.clear();
    }
    EXPECT_EQ(seen, expected_.size());
    EXPECT_EQ(Answers(), answers_);
  }

  std::string SegmentPath() {
    const std::string path = test::SegmentOf(dir_.path(), "v");
    if (path.empty()) ADD_FAILURE() << "no segment";
    return path;
  }

  // Opens with the damaged segment in place: the index must be unavailable with Corruption
  // naming the file and `what`.
  void ExpectCorruption(const std::string& what, const std::string& why) {
    Open();
    EXPECT_EQ(index_, nullptr) << why;
    EXPECT_EQ(test::CorruptionMismatch(db_.get(), "v", SegmentPath(), what), "") << why;
    db_.reset();
  }

  std::mt19937 rng_{1};
  test::TempDir dir_;
  DatabaseOptions options_;
  std::unique_ptr<Database> db_;
  std::shared_ptr<Index> index_;
  std::map<std::string, VectorRecord> expected_;
  std::vector<std::vector<std::pair<std::string, float>>> answers_;
};

TEST_P(VectorsSectionTest, ACheckpointStoresEachVectorOnceAfterTheRecords) {
  Open();
  Fill(2000);
  Open();  // closed with a checkpoint
  index_.reset();
  db_.reset();
  db::SegmentHeader header;
  std::vector<std::pair<uint32_t, VectorRecord>> bare;
  uint64_t rows = 0;
  // The visitor sees every row once, in order, before the rows are handed over.
  std::vector<float> visited;
  db::RowsConsumer consumer;
  consumer.visit = [&](const float* run, uint64_t first, uint64_t n) {
    EXPECT_EQ(first * kDims, visited.size());
    visited.insert(visited.end(), run, run + n * kDims);
  };
  consumer.take = [&](core::HugeArray<float>&& section, uint64_t count) {
    rows = count;
    EXPECT_EQ(section.size(), count * kDims);
    EXPECT_EQ(visited.size(), count * kDims);
    EXPECT_EQ(std::memcmp(visited.data(), section.data(), visited.size() * sizeof(float)), 0);
    // A free slot's row is zero: a deleted vector does not stay on disk.
    std::vector<bool> used(count);
    for (const auto& [slot, r] : bare) used[slot] = true;
    for (uint64_t slot = 0; slot < count; ++slot) {
      if (used[slot]) continue;
      for (uint32_t d = 0; d < kDims; ++d) {
        EXPECT_EQ(section[slot * kDims + d], 0.0f) << "free slot " << slot;
      }
    }
    return Status::OK();
  };
  const Status read = db::ReadSegment(
      Env::Default(), SegmentPath(), kDims, &header,
      db::WholeBlob([](std::string&&) { return Status::Corruption("a flat index has no blob"); }),
      [&](uint32_t slot, VectorRecord&& r, meta::Value&&) {
        bare.emplace_back(slot, std::move(r));
        return Status::OK();
      },
      nullptr, nullptr, consumer);
  ASSERT_TRUE(read.ok()) << read.ToString();
  EXPECT_TRUE(header.vectors_section);
  ASSERT_EQ(bare.size(), expected_.size());
  for (const auto& [slot, r] : bare) {
    EXPECT_TRUE(r.values.empty()) << r.id;  // floats once: not in the records
    EXPECT_LT(slot, rows);
  }
  // The rows start and the footer starts on page boundaries, with zeros between; the footer
  // ends the file.
  const std::string bytes = test::ReadFileBytes(SegmentPath());
  const size_t head = bytes.rfind("SMBLVSEC");
  ASSERT_NE(head, std::string::npos);
  EXPECT_EQ(core::DecodeFixed64(bytes.data() + head + 8), rows);
  const size_t align = db::kSegmentSectionAlign;
  const size_t start = (head + 24 + align - 1) / align * align;
  const size_t end = start + rows * kDims * 4;
  const size_t footer = (end + align - 1) / align * align;
  ASSERT_LT(footer, bytes.size());
  EXPECT_EQ(bytes.substr(head + 24, start - (head + 24)), std::string(start - (head + 24), '\0'));
  EXPECT_EQ(bytes.substr(end, footer - end), std::string(footer - end, '\0'));
  EXPECT_EQ(bytes.substr(footer + 9, 8), "SMBLEND_");
  EXPECT_EQ(bytes.size(), footer + 9 + 16 + 8);  // count and one piece's hash
}

TEST_P(VectorsSectionTest, MappedAndReadSectionsGiveBackEveryValue) {
  Open();
  Fill(2500);
  Open();  // mapped (the default Env maps files)
  ExpectRemembered();
  test::FaultEnv reading;  // an Env that does not map: the section is read instead
  Open(&reading);
  ExpectRemembered();
  Open();
  ExpectRemembered();
}

TEST_P(VectorsSectionTest, WritesAfterAMappedOpenNeverReachTheSegment) {
  Open();
  Fill(1500);
  options_.checkpoint_on_close = false;
  Open();
  const std::string segment = SegmentPath();
  const std::string before = test::ReadFileBytes(segment);
  // Overwrite mapped rows (copy-on-write), delete some, and grow far past the mapped rows twice
  // (the arena moves its file pages and its own memory separately).
  std::vector<VectorRecord> batch;
  int changed = 0;
  for (auto& [id, r] : expected_) {
    if (++changed % 3 != 0) continue;
    r.values = AwkwardVector(rng_);
    batch.push_back(r);
  }
  ASSERT_TRUE(index_->Upsert(batch).ok());
  std::vector<std::string> gone;
  for (const auto& [id, r] : expected_) {
    if (id.size() % 4 == 0) gone.push_back(id);
  }
  ASSERT_TRUE(index_->DeleteByIds(gone).ok());
  for (int round = 0; round < 2; ++round) {
    batch.clear();
    for (int i = 0; i < 4000; ++i) {
      batch.push_back(test::MakeRecord("new" + std::to_string(round) + "-" + std::to_string(i),
                                       AwkwardVector(rng_)));
    }
    {
      const auto up = index_->Upsert(batch);
      ASSERT_TRUE(up.ok()) << up.status().ToString();
    }
  }
  Remember();
  EXPECT_EQ(test::ReadFileBytes(segment), before);
  ExpectRemembered();
  // From the log over the segment, then from a new segment (the old one is removed while its
  // pages are still mapped), then mapped again.
  Open();
  ExpectRemembered();
  options_.checkpoint_on_close = true;
  ASSERT_TRUE(db_->Checkpoint().ok());
  const std::string next = SegmentPath();
  EXPECT_NE(next, segment);
  ExpectRemembered();
  // After the checkpoint the arena is the new segment's pages, and the old segment, unlinked, is
  // no longer held open: this process maps the one and not the other.
  EXPECT_TRUE(test::MappedInThisProcess(next));
  EXPECT_FALSE(test::MappedInThisProcess(segment));
  // Writes over those pages stay in memory too.
  const std::string written = test::ReadFileBytes(next);
  batch.clear();
  for (auto& [id, r] : expected_) {
    if (batch.size() == 500) break;
    r.values = AwkwardVector(rng_);
    batch.push_back(r);
  }
  ASSERT_TRUE(index_->Upsert(batch).ok());
  Remember();
  ExpectRemembered();
  EXPECT_EQ(test::ReadFileBytes(next), written);
  Open();
  ExpectRemembered();
}

TEST_P(VectorsSectionTest, DamageToTheSectionIsCorruption) {
  Open();
  Fill(800);
  Open();
  index_.reset();
  db_.reset();
  const std::string segment = SegmentPath();
  const std::string good = test::ReadFileBytes(segment);
  // The section's head record (crc 4, length 4, type 1, then "SMBLVSEC", rows, rows per
  // piece); the rows start at the next page boundary and end the section before zero padding.
  const size_t head = good.rfind("SMBLVSEC");
  ASSERT_NE(head, std::string::npos);
  const uint64_t rows = core::DecodeFixed64(good.data() + head + 8);
  const size_t align = db::kSegmentSectionAlign;
  const size_t start = (head + 24 + align - 1) / align * align;
  const size_t end = start + rows * kDims * 4;
  ASSERT_LT(end, good.size());
  ASSERT_GT(start, head + 24) << "these cases need padding before the rows";
  ASSERT_GT((end + align - 1) / align * align, end) << "and after them";

  for (size_t at : {start, start + 5, (start + end) / 2, end - 1}) {
    std::string bad = good;
    bad[at] ^= 0x01;
    test::WriteFileBytes(segment, bad);
    ExpectCorruption("checksum mismatch in the vectors section", "byte " + std::to_string(at));
  }
  for (size_t at : {start - 1, end}) {
    std::string bad = good;
    bad[at] = 'x';
    test::WriteFileBytes(segment, bad);
    ExpectCorruption("zero padding", "padding at " + std::to_string(at));
  }
  for (size_t cut : {size_t{4}, size_t{kDims * 4}, good.size() - end, good.size() - start}) {
    test::WriteFileBytes(segment, good.substr(0, good.size() - cut));
    ExpectCorruption("", "cut " + std::to_string(cut));
  }
  test::WriteFileBytes(segment, good + std::string(kDims * 4, '\0'));
  ExpectCorruption("", "a row too many");
  test::WriteFileBytes(segment, good);
  Open();
  ExpectRemembered();
}

INSTANTIATE_TEST_SUITE_P(Metrics, VectorsSectionTest,
                         ::testing::Values(Metric::kCosine, Metric::kEuclidean,
                                           Metric::kDotProduct));

// A segment written before version 4 (floats in every record, no flag in the header) still
// reads, values and all.
TEST(VectorsSectionFormatTest, AVersion3SegmentStillReads) {
  test::TempDir dir;
  Env* env = Env::Default();
  const std::string path = dir.path() + "/v3.seg";
  std::vector<VectorRecord> written;
  std::mt19937 rng(4);
  for (int i = 0; i < 50; ++i) {
    VectorRecord r = test::MakeRecord("id" + std::to_string(i), AwkwardVector(rng));
    r.expires_at_ms = i;
    r.text = "text " + std::to_string(i);
    written.push_back(std::move(r));
  }
  {
    auto log = storage::LogWriter::Create(env, path);
    ASSERT_TRUE(log.ok());
    std::string header("SMBLSEG_", 8);
    core::PutFixed32(&header, 3);
    core::PutFixed32(&header, kDims);
    core::PutFixed64(&header, 7);   // seq
    core::PutFixed64(&header, 0);   // last mutation ms
    core::PutFixed64(&header, written.size());
    core::PutFixed64(&header, 0);   // no index blob
    core::PutVarint64(&header, 0);  // no metadata indexes
    core::PutFixed64(&header, 0);   // no text blob
    ASSERT_TRUE((*log)->AddRecord(header).ok());
    std::string block;
    core::PutVarint64(&block, written.size());
    for (size_t i = 0; i < written.size(); ++i) {
      core::PutVarint64(&block, i);
      db::EncodeRecord(written[i], &block);
      core::PutVarint64(&block, static_cast<uint64_t>(written[i].expires_at_ms));
      core::PutLengthPrefixed(&block, written[i].text);
    }
    ASSERT_TRUE((*log)->AddRecord(block).ok());
    std::string footer("SMBLEND_", 8);
    core::PutFixed64(&footer, written.size());
    ASSERT_TRUE((*log)->AddRecord(footer).ok());
    ASSERT_TRUE((*log)->Close().ok());
  }
  db::SegmentHeader header;
  std::vector<VectorRecord> read;
  const Status s = db::ReadSegment(
      env, path, kDims, &header, db::WholeBlob([](std::string&&) { return Status::OK(); }),
      [&](uint32_t, VectorRecord&& r, meta::Value&&) {
        read.push_back(std::move(r));
        return Status::OK();
      });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_FALSE(header.vectors_section);
  ASSERT_EQ(read.size(), written.size());
  for (size_t i = 0; i < read.size(); ++i) {
    EXPECT_EQ(read[i].id, written[i].id);
    EXPECT_TRUE(SameBits(read[i].values, written[i].values)) << i;
    EXPECT_EQ(read[i].expires_at_ms, written[i].expires_at_ms);
    EXPECT_EQ(read[i].text, written[i].text);
  }
}

}  // namespace
}  // namespace semble
