// Copyright 2026 The semble Authors.
//
// The binary records codec: every encodable batch reads back bit for bit (property test over
// random shapes, bytes and float bit patterns), the layout is pinned byte for byte, and every
// malformed body (each truncation, trailing bytes, each bad header field, lengths that overflow)
// is refused with an error rather than read past its end.

#include "wire/record_binary.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace semble::wire {
namespace {

std::string RandomBytes(std::mt19937* rng, size_t max_len) {
  std::uniform_int_distribution<size_t> len(0, max_len);
  std::uniform_int_distribution<int> byte(0, 255);
  std::string s(len(*rng), '\0');
  for (char& c : s) c = static_cast<char>(byte(*rng));
  return s;
}

float RandomFloatBits(std::mt19937* rng) {
  // Any 32-bit pattern: NaNs with payloads, infinities, denormals, -0. The codec carries bits;
  // which values are acceptable is the engine's rule.
  const uint32_t bits = (*rng)();
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * 4) == 0;
}

std::vector<VectorRecord> RandomBatch(std::mt19937* rng) {
  std::uniform_int_distribution<size_t> dims(1, 300), count(1, 40), coin(0, 3);
  const size_t d = dims(*rng), n = count(*rng);
  const bool with_ns = coin(*rng) != 0, with_meta = coin(*rng) != 0;
  std::vector<VectorRecord> batch(n);
  for (VectorRecord& r : batch) {
    r.id = RandomBytes(rng, 80);
    for (size_t i = 0; i < d; ++i) r.values.push_back(RandomFloatBits(rng));
    if (with_ns && coin(*rng) != 0) r.ns = RandomBytes(rng, 70);
    if (with_meta && coin(*rng) != 0) r.metadata_json = RandomBytes(rng, 300);
  }
  return batch;
}

TEST(RecordsBinary, EveryBatchReadsBackBitForBit) {
  std::mt19937 rng(20261206);
  for (int trial = 0; trial < 500; ++trial) {
    const std::vector<VectorRecord> batch = RandomBatch(&rng);
    auto body = RecordsBinary(batch);
    ASSERT_TRUE(body.ok()) << body.status().ToString();
    auto back = ParseRecordsBinary(*body);
    ASSERT_TRUE(back.ok()) << trial << ": " << back.status().ToString();
    ASSERT_EQ(back->size(), batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      const VectorRecord &a = batch[i], &b = (*back)[i];
      ASSERT_EQ(b.id, a.id) << trial << " record " << i;
      ASSERT_TRUE(SameBits(b.values, a.values)) << trial << " record " << i;
      ASSERT_EQ(b.ns, a.ns) << trial << " record " << i;
      ASSERT_EQ(b.metadata_json, a.metadata_json) << trial << " record " << i;
      ASSERT_TRUE(b.text.empty() && b.fields_json.empty() && b.expires_at_ms == 0 &&
                  !b.ttl_seconds.has_value());
    }
  }
}

TEST(RecordsBinary, LayoutIsPinned) {
  std::vector<VectorRecord> batch(2);
  batch[0].id = "a";
  batch[0].values = {1.0f, -2.0f};
  batch[1].id = "bc";
  batch[1].values = {0.5f, 0.0f};
  batch[1].metadata_json = R"({"k":1})";
  auto body = RecordsBinary(batch);
  ASSERT_TRUE(body.ok());
  const std::string want = std::string("SMBR") +                       // magic
                           std::string("\x01\0\0\0", 4) +              // version 1
                           std::string("\x02\0\0\0", 4) +              // 2 dimensions
                           std::string("\x02\0\0\0", 4) +              // 2 records
                           std::string("\x02\0\0\0", 4) +              // metadata section only
                           std::string("\0\0\0\0", 4) +                // reserved
                           std::string("\0\0\x80\x3f\0\0\0\xc0", 8) +  // 1.0, -2.0
                           std::string("\0\0\0\x3f\0\0\0\0", 8) +      // 0.5, 0.0
                           std::string("\x01\0\0\0", 4) + "a" +        // ids
                           std::string("\x02\0\0\0", 4) + "bc" +       //
                           std::string("\0\0\0\0", 4) +                // no metadata for "a"
                           std::string("\x07\0\0\0", 4) + R"({"k":1})";
  EXPECT_EQ(*body, want);
}

TEST(RecordsBinary, EveryTruncationAndAnyTrailingByteIsRefused) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<VectorRecord> batch = RandomBatch(&rng);
    batch.resize(std::min<size_t>(batch.size(), 4));
    auto body = RecordsBinary(batch);
    ASSERT_TRUE(body.ok());
    for (size_t len = 0; len < body->size(); ++len) {
      auto r = ParseRecordsBinary(std::string_view(*body).substr(0, len));
      ASSERT_FALSE(r.ok()) << "a body cut to " << len << " of " << body->size() << " bytes";
      ASSERT_EQ(r.status().code(), Status::Code::kInvalidArgument);
    }
    for (char extra : {'\0', 'x'}) {
      auto r = ParseRecordsBinary(*body + extra);
      ASSERT_FALSE(r.ok());
      EXPECT_NE(r.status().message().find("after the last section"), std::string::npos)
          << r.status().message();
    }
  }
}

TEST(RecordsBinary, BadHeadersAreRefused) {
  std::vector<VectorRecord> batch(1);
  batch[0].id = "x";
  batch[0].values = {1, 2, 3};
  const std::string good = *RecordsBinary(batch);
  ASSERT_TRUE(ParseRecordsBinary(good).ok());
  auto with = [&](size_t offset, uint32_t v) {
    std::string b = good;
    std::memcpy(b.data() + offset, &v, 4);
    return ParseRecordsBinary(b);
  };
  auto refused = [](const Result<std::vector<VectorRecord>>& r, const char* words) {
    return !r.ok() && r.status().message().find(words) != std::string::npos;
  };
  std::string magic = good;
  magic[0] = 'X';
  EXPECT_TRUE(refused(ParseRecordsBinary(magic), "SMBR"));
  EXPECT_TRUE(refused(with(4, 2), "version 2"));
  EXPECT_TRUE(refused(with(8, 0), "dimensions is 0"));
  EXPECT_TRUE(refused(with(16, 4), "unknown flags"));
  EXPECT_TRUE(refused(with(20, 1), "reserved"));
  // Counts and dimensions whose product overflows 32 or 64 bits never reach an allocation.
  EXPECT_TRUE(refused(with(12, UINT32_MAX), "need more than"));
  std::string huge = good;
  const uint32_t dims = UINT32_MAX, count = UINT32_MAX;
  std::memcpy(huge.data() + 8, &dims, 4);
  std::memcpy(huge.data() + 12, &count, 4);
  EXPECT_TRUE(refused(ParseRecordsBinary(huge), "need more than"));
  // An id length past the end of the body.
  std::string long_id = good;
  const uint32_t len = UINT32_MAX;
  std::memcpy(long_id.data() + 24 + 12, &len, 4);
  EXPECT_TRUE(refused(ParseRecordsBinary(long_id), "the id of record 0 runs past the end"));
  // A flag promising a section that is not there.
  EXPECT_TRUE(refused(with(16, 1), "the namespace of record 0 runs past the end"));
  EXPECT_TRUE(refused(ParseRecordsBinary("SMBR"), "fewer than the 24-byte header"));
  // A count above the caller's bound is refused before any allocation.
  std::vector<VectorRecord> three(3);
  for (size_t i = 0; i < 3; ++i) three[i] = {std::to_string(i), {1, 2}, "", ""};
  const std::string body = *RecordsBinary(three);
  EXPECT_TRUE(ParseRecordsBinary(body, 3).ok());
  EXPECT_TRUE(refused(ParseRecordsBinary(body, 2), "3 records, more than the 2 one write takes"));
}

TEST(RecordsBinary, EncoderRefusesWhatTheLayoutCannotCarry) {
  EXPECT_FALSE(RecordsBinary({}).ok());
  std::vector<VectorRecord> batch(2);
  batch[0].id = "a";
  batch[0].values = {1, 2};
  batch[1].id = "b";
  batch[1].values = {1, 2, 3};
  EXPECT_FALSE(RecordsBinary(batch).ok());  // different lengths
  batch[1].values = {1, 2};
  ASSERT_TRUE(RecordsBinary(batch).ok());
  batch[1].text = "hello";
  EXPECT_FALSE(RecordsBinary(batch).ok());
  batch[1].text.clear();
  batch[1].ttl_seconds = 60;
  EXPECT_FALSE(RecordsBinary(batch).ok());
  batch[1].ttl_seconds.reset();
  batch[1].fields_json = "{}";
  EXPECT_FALSE(RecordsBinary(batch).ok());
  batch[1].fields_json.clear();
  batch[0].values.clear();
  batch[1].values.clear();
  EXPECT_FALSE(RecordsBinary(batch).ok());  // no values at all
}

}  // namespace
}  // namespace semble::wire
