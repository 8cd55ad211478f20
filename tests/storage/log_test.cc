// Copyright 2026 The semble Authors.
//
// Storage primitives: CRC32C, encodings, the framed log reader's torn-tail / corruption decision,
// atomic file replacement and the process lock.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "core/coding.h"
#include "core/crc32c.h"
#include "semble/env.h"
#include "storage/log_format.h"
#include "storage/log_reader.h"
#include "storage/log_writer.h"
#include "util/test_util.h"

namespace semble::storage {
namespace {

TEST(Crc32c, KnownValues) {
  // The check value of CRC-32C (RFC 3720 / iSCSI).
  EXPECT_EQ(core::Crc32c("123456789", 9), 0xe3069283u);
  std::string zeros(32, '\0');
  EXPECT_EQ(core::Crc32c(zeros.data(), zeros.size()), 0x8a9136aau);  // RFC 3720 B.4
  // Extending equals computing at once, for every split point.
  std::string s = "the quick brown fox jumps over the lazy dog, twice over";
  for (size_t i = 0; i <= s.size(); ++i) {
    EXPECT_EQ(core::Crc32cExtend(core::Crc32c(s.data(), i), s.data() + i, s.size() - i),
              core::Crc32c(s.data(), s.size()));
  }
  EXPECT_EQ(core::UnmaskCrc(core::MaskCrc(0x12345678u)), 0x12345678u);
  EXPECT_NE(core::MaskCrc(0x12345678u), 0x12345678u);
}

TEST(Coding, RoundTripsAndRefusesTruncation) {
  std::string buf;
  const uint64_t values[] = {0, 1, 127, 128, 300, 1ull << 35, ~0ull};
  for (uint64_t v : values) core::PutVarint64(&buf, v);
  core::PutLengthPrefixed(&buf, "hello");
  core::PutFixed32(&buf, 0xdeadbeef);
  std::string_view in = buf;
  for (uint64_t v : values) {
    uint64_t got;
    ASSERT_TRUE(core::GetVarint64(&in, &got));
    EXPECT_EQ(got, v);
  }
  std::string_view s;
  ASSERT_TRUE(core::GetLengthPrefixed(&in, &s));
  EXPECT_EQ(s, "hello");
  uint32_t f;
  ASSERT_TRUE(core::GetFixed32(&in, &f));
  EXPECT_EQ(f, 0xdeadbeefu);
  EXPECT_TRUE(in.empty());
  // Every truncation of a length-prefixed string fails instead of reading past the end.
  std::string lp;
  core::PutLengthPrefixed(&lp, std::string(300, 'x'));
  for (size_t n = 0; n < lp.size(); ++n) {
    std::string_view cut(lp.data(), n);
    EXPECT_FALSE(core::GetLengthPrefixed(&cut, &s)) << n;
  }
}

// Framing in place (BeginRecord, append, FinishRecord) is byte for byte AppendRecord, after any
// bytes already in the buffer, and reads back; cutting back to `start` drops the record whole.
TEST(RecordFraming, InPlaceEqualsAppendAndReadsBack) {
  std::mt19937 rng(7);
  for (size_t size : {size_t{0}, size_t{1}, size_t{8}, size_t{4095}, size_t{100003}}) {
    std::string payload(size, '\0');
    for (char& c : payload) c = static_cast<char>(rng());
    std::string prefix;
    AppendRecord(&prefix, "earlier");
    std::string copied = prefix, in_place = prefix;
    AppendRecord(&copied, payload);
    const size_t start = BeginRecord(&in_place);
    EXPECT_EQ(start, prefix.size());
    in_place += payload;
    FinishRecord(&in_place, start);
    EXPECT_EQ(in_place, copied) << size;
    std::vector<std::string_view> read;
    ASSERT_TRUE(SplitRecords(in_place, "buffer", &read).ok()) << size;
    ASSERT_EQ(read.size(), 2u);
    EXPECT_EQ(read[0], "earlier");
    EXPECT_EQ(read[1], payload);
    // A flipped payload byte is caught by the CRC FinishRecord computed.
    if (size > 0) {
      std::string damaged = in_place;
      damaged[start + kRecordHeaderSize + size / 2] ^= 1;
      EXPECT_FALSE(SplitRecords(damaged, "buffer", &read).ok()) << size;
    }
    std::string dropped = prefix;
    const size_t again = BeginRecord(&dropped);
    dropped += payload;
    dropped.resize(again);
    EXPECT_EQ(dropped, prefix);
  }
}

class LogTest : public ::testing::Test {
 protected:
  test::TempDir dir_;  // declared first: path_ is built from it
  std::string path_ = dir_.path() + "/log";
  Env* env_ = Env::Default();

  void WriteRecords(const std::vector<std::string>& payloads) {
    auto w = LogWriter::Create(env_, path_);
    ASSERT_TRUE(w.ok());
    for (const auto& p : payloads) ASSERT_TRUE((*w)->AddRecord(p).ok());
    ASSERT_TRUE((*w)->Sync().ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  // Reads until the end; returns payloads, and the final outcome or error.
  std::vector<std::string> ReadAll(bool torn_ok, LogReader::Outcome* last, Status* error) {
    std::vector<std::string> out;
    auto r = LogReader::Open(env_, path_, torn_ok);
    EXPECT_TRUE(r.ok());
    while (true) {
      std::string_view p;
      auto o = (*r)->Next(&p);
      if (!o.ok()) {
        *error = o.status();
        return out;
      }
      if (*o != LogReader::Outcome::kRecord) {
        *last = *o;
        return out;
      }
      out.emplace_back(p);
    }
  }
  void Patch(size_t offset, char xor_mask) {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(offset));
    char c;
    f.read(&c, 1);
    f.seekp(static_cast<std::streamoff>(offset));
    c ^= xor_mask;
    f.write(&c, 1);
  }
};

TEST_F(LogTest, RoundTripIncludingEmptyAndLargeRecords) {
  std::vector<std::string> payloads{"", "a", std::string(100000, 'b'), "end"};
  WriteRecords(payloads);
  LogReader::Outcome last;
  Status error;
  EXPECT_EQ(ReadAll(false, &last, &error), payloads);
  EXPECT_TRUE(error.ok());
  EXPECT_EQ(last, LogReader::Outcome::kEof);
}

TEST_F(LogTest, TornTailVersusCorruptionInTheMiddle) {
  WriteRecords({"first", "second", "third"});
  const size_t second = kRecordHeaderSize + 5;
  const size_t third = second + kRecordHeaderSize + 6;
  LogReader::Outcome last;
  Status error;
  // Damage in the last record: a torn write, when the reader may repair tails...
  Patch(third + kRecordHeaderSize + 1, 0x20);
  auto got = ReadAll(true, &last, &error);
  EXPECT_EQ(got, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(last, LogReader::Outcome::kTornTail);
  // ...and corruption when it may not (segments, manifests).
  got = ReadAll(false, &last, &error);
  EXPECT_TRUE(error.IsCorruption());
  EXPECT_NE(error.message().find("offset " + std::to_string(third)), std::string::npos);
  Patch(third + kRecordHeaderSize + 1, 0x20);  // repair
  // Damage in the middle record with an intact record after it: corruption either way.
  Patch(second + kRecordHeaderSize, 0x01);
  error = Status::OK();
  got = ReadAll(true, &last, &error);
  EXPECT_EQ(got, (std::vector<std::string>{"first"}));
  EXPECT_TRUE(error.IsCorruption()) << error.ToString();
  EXPECT_NE(error.message().find("offset " + std::to_string(second)), std::string::npos);
}

TEST_F(LogTest, ZeroFilledTailIsTorn) {
  WriteRecords({"first"});
  {
    std::ofstream f(path_, std::ios::binary | std::ios::app);
    f << std::string(4096, '\0');  // as a file system may leave after a crash
  }
  LogReader::Outcome last;
  Status error;
  EXPECT_EQ(ReadAll(true, &last, &error), std::vector<std::string>{"first"});
  EXPECT_EQ(last, LogReader::Outcome::kTornTail);
}

TEST_F(LogTest, WriteFileAtomicallyReplacesWhole) {
  const std::string p = dir_.path() + "/f";
  ASSERT_TRUE(WriteFileAtomically(env_, p, "one").ok());
  ASSERT_TRUE(WriteFileAtomically(env_, p, "two two").ok());
  EXPECT_EQ(*ReadFileToString(env_, p), "two two");
  EXPECT_FALSE(env_->FileExists(p + ".tmp"));
  // A failed write leaves the old contents.
  test::FaultEnv fault;
  fault.space_left = 2;
  EXPECT_TRUE(WriteFileAtomically(&fault, p, "three three").IsIOError());
  EXPECT_EQ(*ReadFileToString(env_, p), "two two");
}

TEST_F(LogTest, LockIsExclusive) {
  auto a = env_->LockFile(dir_.path() + "/LOCK");
  ASSERT_TRUE(a.ok());
  auto b = env_->LockFile(dir_.path() + "/LOCK");
  EXPECT_FALSE(b.ok());
  a->reset();
  EXPECT_TRUE(env_->LockFile(dir_.path() + "/LOCK").ok());
}

}  // namespace
}  // namespace semble::storage
