// Copyright 2026 The semble Authors.
//
// Damage on disk: for every record of a small WAL, checkpoint segment and manifest, flip bytes and
// truncate at and around every record boundary. Open must either report Corruption (naming the file
// and offset) or repair only a torn tail; whenever it succeeds, the index holds exactly the records
// of a prefix of the mutation sequence — never wrong data.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/coding.h"
#include "core/crc32c.h"
#include "db/db_test_util.h"
#include "semble/database.h"
#include "util/test_util.h"

namespace semble {
namespace {

namespace fs = std::filesystem;
constexpr int kMutations = 6;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void WriteAll(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}
// Start offsets of the framed records in a file (header: crc 4, length 4, type 1).
std::vector<size_t> RecordStarts(const std::string& data) {
  std::vector<size_t> starts;
  size_t p = 0;
  while (p + 9 <= data.size()) {
    starts.push_back(p);
    p += 9 + core::DecodeFixed32(data.data() + p + 4);
  }
  EXPECT_EQ(p, data.size());
  return starts;
}

class CorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.checkpoint_on_close = false;
    auto db = Database::Open(options_, pristine_.path());
    ASSERT_TRUE(db.ok());
    auto index = (*db)->CreateIndex({"c", "", {3, Metric::kEuclidean}});
    ASSERT_TRUE(index.ok());
    for (int i = 0; i < kMutations; ++i) ASSERT_TRUE((*index)->Insert(std::vector{Rec(i)}).ok());
  }

  static VectorRecord Rec(int i) {
    return test::MakeRecord("m" + std::to_string(i), {float(i), float(i + 1), float(i + 2)}, "",
                            R"({"i":)" + std::to_string(i) + "}");
  }

  // Copies the pristine database to a scratch directory and returns the index directory in it.
  std::string FreshCopy() {
    fs::remove_all(scratch_.path() + "/db");
    fs::copy(pristine_.path(), scratch_.path() + "/db", fs::copy_options::recursive);
    fs::remove(scratch_.path() + "/db/LOCK");
    return scratch_.path() + "/db/indexes/c";
  }

  std::string Only(const std::string& dir, const std::string& prefix) {
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().filename().string().rfind(prefix, 0) == 0) return e.path().string();
    }
    ADD_FAILURE() << "no " << prefix << " file in " << dir;
    return "";
  }

  // Opens the scratch copy. Returns the number of mutations present (verifying they form a prefix
  // with exact contents), or -1 when the index could not be opened because of Corruption (message
  // in *error). The database itself always opens: a damaged index is unavailable, not fatal.
  int OpenScratch(std::string* error, std::vector<std::string>* log = nullptr) {
    auto db = Database::Open(options_, scratch_.path() + "/db");
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    if (!db.ok()) return -2;
    if (log != nullptr) *log = (*db)->RecoveryLog();
    auto opened = (*db)->GetIndex("c");
    if (!opened.ok()) {
      EXPECT_TRUE(opened.status().IsCorruption()) << opened.status().ToString();
      *error = opened.status().message();
      // The damage is reported in the recovery log too, and the name cannot be taken over.
      const auto lines = (*db)->RecoveryLog();
      EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
        return l.find("\"c\" is unavailable") != std::string::npos;
      }));
      EXPECT_TRUE((*db)->CreateIndex({"c", "", {3, Metric::kEuclidean}}).status().IsAlreadyExists());
      EXPECT_TRUE((*db)->ListIndexes().empty());
      return -1;
    }
    auto index = *opened;
    std::vector<std::string> ids;
    for (int i = 0; i < kMutations; ++i) ids.push_back("m" + std::to_string(i));
    auto got = *index->GetByIds(ids);
    int n = static_cast<int>(got.size());
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(got[i].id, "m" + std::to_string(i)) << "not a prefix";
      EXPECT_EQ(got[i].values, Rec(i).values);
      EXPECT_EQ(got[i].metadata_json, Rec(i).metadata_json);
    }
    EXPECT_EQ(index->Info()->vector_count, static_cast<uint64_t>(n));
    return n;
  }

  test::TempDir pristine_, scratch_;
  DatabaseOptions options_;
};

TEST_F(CorruptionTest, WalTruncatedAnywhereRecoversThePrefixBeforeTheCut) {
  const std::string wal = Only(FreshCopy(), "wal-");
  const std::string data = ReadAll(wal);
  std::vector<size_t> starts = RecordStarts(data);
  ASSERT_EQ(starts.size(), size_t{kMutations});
  std::vector<size_t> cuts;
  for (size_t s : starts) {
    for (size_t d : {size_t{0}, size_t{1}, size_t{4}, size_t{8}, size_t{9}, size_t{20}}) cuts.push_back(s + d);
  }
  cuts.push_back(data.size() - 1);
  for (size_t cut : cuts) {
    const std::string path = Only(FreshCopy(), "wal-");
    fs::resize_file(path, cut);
    int complete = 0;
    for (size_t s : starts) complete += (s < cut && cut >= s + 9 + core::DecodeFixed32(data.data() + s + 4)) ? 1 : 0;
    std::string error;
    std::vector<std::string> log;
    EXPECT_EQ(OpenScratch(&error, &log), complete) << "cut at " << cut << ": " << error;
    const bool at_boundary = std::find(starts.begin(), starts.end(), cut) != starts.end();
    EXPECT_EQ(log.empty(), at_boundary) << "cut at " << cut;
    // The repair is durable: a second open finds a clean log with the same prefix.
    EXPECT_EQ(OpenScratch(&error, &log), complete);
    EXPECT_TRUE(log.empty());
  }
}

TEST_F(CorruptionTest, WalFlippedByteIsReportedUnlessItIsTheTornLastRecord) {
  const std::string data = ReadAll(Only(FreshCopy(), "wal-"));
  std::vector<size_t> starts = RecordStarts(data);
  for (size_t k = 0; k < starts.size(); ++k) {
    const size_t s = starts[k];
    const size_t end = s + 9 + core::DecodeFixed32(data.data() + s + 4);
    for (size_t pos : {s, s + 3, s + 4, s + 7, s + 8, s + 9, (s + end) / 2, end - 1}) {
      const std::string path = Only(FreshCopy(), "wal-");
      std::string bad = data;
      bad[pos] ^= 0x5a;
      WriteAll(path, bad);
      std::string error;
      int n = OpenScratch(&error);
      if (k + 1 == starts.size()) {
        // Damage confined to the last record is indistinguishable from a torn write: dropped.
        EXPECT_EQ(n, kMutations - 1) << "flip at " << pos;
      } else {
        EXPECT_EQ(n, -1) << "flip at " << pos << " in record " << k << " was not reported";
        EXPECT_NE(error.find("wal-"), std::string::npos) << error;
        EXPECT_NE(error.find("offset " + std::to_string(s)), std::string::npos) << error;
      }
    }
  }
}

TEST_F(CorruptionTest, DamagedSegmentOrManifestIsAlwaysReported) {
  {  // Move everything into a checkpoint.
    auto db = Database::Open(options_, pristine_.path());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Checkpoint().ok());
  }
  std::string error;
  FreshCopy();
  ASSERT_EQ(OpenScratch(&error), kMutations);
  for (const std::string prefix : {"seg-", "MANIFEST"}) {
    const std::string data = ReadAll(Only(FreshCopy(), prefix));
    std::vector<size_t> starts = RecordStarts(data);
    std::vector<size_t> flips, cuts;
    for (size_t s : starts) {
      flips.insert(flips.end(), {s, s + 4, s + 8, s + 9, s + 12});
      cuts.insert(cuts.end(), {s, s + 5, s + 10});
    }
    flips.push_back(data.size() - 1);
    cuts.push_back(data.size() - 1);
    for (size_t pos : flips) {
      if (pos >= data.size()) continue;
      const std::string path = Only(FreshCopy(), prefix);
      std::string bad = data;
      bad[pos] ^= 0x01;
      WriteAll(path, bad);
      EXPECT_EQ(OpenScratch(&error), -1) << prefix << " flip at " << pos;
      EXPECT_NE(error.find(prefix), std::string::npos) << error;
    }
    for (size_t cut : cuts) {
      if (cut >= data.size()) continue;
      const std::string path = Only(FreshCopy(), prefix);
      fs::resize_file(path, cut);
      EXPECT_EQ(OpenScratch(&error), -1) << prefix << " cut at " << cut;
      EXPECT_NE(error.find(prefix), std::string::npos) << error;
    }
  }
}

TEST_F(CorruptionTest, MissingLogFileIsReported) {
  {  // Checkpoint, then more mutations in a second log; then lose the checkpoint's manifest entry.
    auto db = Database::Open(options_, pristine_.path());
    ASSERT_TRUE((*db)->Checkpoint().ok());
    ASSERT_TRUE((*(*db)->GetIndex("c"))->Insert(std::vector{Rec(100)}).ok());
    ASSERT_TRUE((*db)->Checkpoint().ok());
    ASSERT_TRUE((*(*db)->GetIndex("c"))->Insert(std::vector{Rec(101)}).ok());
    ASSERT_TRUE((*(*db)->GetIndex("c"))->Insert(std::vector{Rec(102)}).ok());
  }
  const std::string dir = FreshCopy();
  // Hand-edit: a log after the checkpoint whose first records are gone.
  const std::string wal = Only(dir, "wal-");
  std::string data = ReadAll(wal);
  std::vector<size_t> starts = RecordStarts(data);
  ASSERT_EQ(starts.size(), 2u);
  WriteAll(wal, data.substr(starts[1]));
  std::string error;
  EXPECT_EQ(OpenScratch(&error), -1);
  EXPECT_NE(error.find("expected"), std::string::npos) << error;
}

// A damaged index does not take the database down: others serve, and deleting it frees the name.
TEST_F(CorruptionTest, DamagedIndexLeavesTheOthersServingAndCanBeDeleted) {
  {
    auto db = Database::Open(options_, pristine_.path());
    ASSERT_TRUE(db.ok());
    auto other = (*db)->CreateIndex({"healthy", "", {2, Metric::kCosine}});
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE((*other)->Insert(std::vector{test::MakeRecord("h", {1, 0})}).ok());
  }
  const std::string dir = FreshCopy();
  const std::string wal = Only(dir, "wal-");
  std::string data = ReadAll(wal);
  data[RecordStarts(data)[1] + 12] ^= 0x10;  // damage the second of six records: not a torn tail
  WriteAll(wal, data);
  auto db = Database::Open(options_, scratch_.path() + "/db");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_TRUE((*db)->GetIndex("c").status().IsCorruption());
  auto healthy = (*db)->GetIndex("healthy");
  ASSERT_TRUE(healthy.ok());
  EXPECT_EQ((*healthy)->GetByIds(std::vector<std::string>{"h"})->size(), 1u);
  ASSERT_TRUE((*db)->DeleteIndex("c").ok());
  EXPECT_TRUE((*db)->GetIndex("c").status().IsNotFound());
  ASSERT_TRUE((*db)->CreateIndex({"c", "", {3, Metric::kEuclidean}}).ok());
}

// Metadata text that no longer parses (an older writer's bug) must not make the index unopenable:
// the record keeps its id and vector, its stored text is kept under one key, and the recovery log
// names it. Written here through the WAL codec, as a buggy writer would have.
TEST_F(CorruptionTest, UnreadableStoredMetadataIsSalvagedNotFatal) {
  {
    auto db = Database::Open(options_, pristine_.path());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Checkpoint().ok());  // m0..m5 in a segment, then one bad record per place
  }
  for (bool in_segment : {false, true}) {
    const std::string dir = FreshCopy();
    {
      auto db = Database::Open(options_, scratch_.path() + "/db");
      ASSERT_TRUE(db.ok());
      ASSERT_TRUE((*(*db)->GetIndex("c"))->Insert(std::vector{Rec(50)}).ok());
    }
    // Replace the metadata text {"i":50} in the log by text of the same length that is not JSON.
    // The record's CRC is recomputed: this is a bad writer, not a bad disk.
    const std::string wal = Only(dir, "wal-");
    std::string data = ReadAll(wal);
    const size_t at = data.rfind(R"({"i":50})");
    ASSERT_NE(at, std::string::npos);
    data.replace(at, 8, R"({"i":5x})");
    const std::vector<size_t> starts = RecordStarts(data);
    const size_t rec = starts.back();
    const uint32_t len = core::DecodeFixed32(data.data() + rec + 4);
    const uint32_t crc = core::MaskCrc(core::Crc32c(data.data() + rec + 4, 4 + 1 + len));
    for (int b = 0; b < 4; ++b) data[rec + b] = static_cast<char>(crc >> (8 * b));
    WriteAll(wal, data);
    if (in_segment) {  // let a checkpoint carry the salvaged form into a segment, then reopen
      auto db = Database::Open(options_, scratch_.path() + "/db");
      ASSERT_TRUE(db.ok());
      ASSERT_TRUE((*db)->Checkpoint().ok());
    }
    auto db = Database::Open(options_, scratch_.path() + "/db");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    auto index = (*db)->GetIndex("c");
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    auto got = (*index)->GetByIds(std::vector<std::string>{"m50", "m3"});
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), 2u);
    EXPECT_EQ((*got)[0].values, Rec(50).values);
    EXPECT_EQ((*got)[0].metadata_json, R"({"semble_unreadable_metadata":"{\"i\":5x}"})");
    EXPECT_EQ((*got)[1].metadata_json, Rec(3).metadata_json);
    const auto lines = (*db)->RecoveryLog();
    if (!in_segment) {
      ASSERT_EQ(lines.size(), 1u);
      EXPECT_NE(lines[0].find("\"m50\""), std::string::npos) << lines[0];
    }
  }
}

// Repair mode: a log damaged in the middle keeps its intact prefix, the rest is set aside (never
// deleted), and the index is usable again, also when reopened without repair afterwards.
TEST_F(CorruptionTest, RepairKeepsTheMutationsBeforeTheDamageAndSetsTheRestAside) {
  const std::string dir = FreshCopy();
  const std::string wal = Only(dir, "wal-");
  std::string data = ReadAll(wal);
  const std::vector<size_t> starts = RecordStarts(data);
  data[starts[3] + 12] ^= 0x10;  // damage mutation 3 of 0..5: not a torn tail
  WriteAll(wal, data);
  std::string error;
  ASSERT_EQ(OpenScratch(&error), -1);  // without repair: unavailable
  DatabaseOptions repair = options_;
  repair.repair_damaged_logs = true;
  {
    auto db = Database::Open(repair, scratch_.path() + "/db");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    auto index = (*db)->GetIndex("c");
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    const auto lines = (*db)->RecoveryLog();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_NE(lines[0].find("repaired index \"c\""), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find(std::to_string(data.size() - starts[3]) + " bytes"), std::string::npos)
        << lines[0];
  }
  // The damaged log was kept whole beside the index; the index itself reopens normally now.
  EXPECT_EQ(ReadAll(dir + "/damaged-" + fs::path(wal).filename().string()), data);
  ASSERT_EQ(OpenScratch(&error), 3) << error;
  auto db = Database::Open(options_, scratch_.path() + "/db");
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*(*db)->GetIndex("c"))->Insert(std::vector{Rec(3)}).ok());
}

}  // namespace
}  // namespace semble
