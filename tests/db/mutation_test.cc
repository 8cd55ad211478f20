// Copyright 2026 The semble Authors.
//
// The WAL payload codec (db/mutation.h) on hostile payloads: what the mutation fuzz target
// (tests/fuzz/wal_fuzz.cc) checks at random, pinned here on the cases that once went wrong.

#include "db/mutation.h"

#include <gtest/gtest.h>

#include <climits>
#include <random>

#include "core/coding.h"
#include "db/index_files.h"
#include "storage/log_writer.h"
#include "util/test_util.h"

namespace semble::db {
namespace {

std::string Header(MutationType type) {
  std::string p;
  p.push_back(static_cast<char>(type));
  core::PutFixed64(&p, 7);   // seq
  core::PutFixed64(&p, 0);   // time
  return p;
}

TEST(MutationTest, RoundTrip) {
  Mutation m;
  m.type = MutationType::kUpsert;
  m.seq = 42;
  m.time_ms = 1000;
  VectorRecord r;
  r.id = "a";
  r.values = {1, 2};
  r.metadata_json = R"({"k":1})";
  m.records.push_back(r);
  std::string payload;
  EncodeMutation(m, &payload);
  auto d = DecodeMutation(payload, 2);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->seq, 42u);
  ASSERT_EQ(d->records.size(), 1u);
  EXPECT_EQ(d->records[0].values, r.values);
  ASSERT_EQ(d->metadata.size(), 1u);
  EXPECT_EQ(d->metadata[0].Find("k")->number(), 1);
}

// A record count that the payload cannot hold is refused before anything is allocated for it:
// with 64-dimensional records each needs at least 259 bytes, so 1000 bytes hold at most 3.
// (The count used to be checked only against the payload's byte count, and that many records were
// allocated up front: ~120 bytes of VectorRecord per payload byte, 30 GB for a 256 MiB record.)
TEST(MutationTest, RecordCountLargerThanThePayloadCanHoldIsRefused) {
  std::string p = Header(MutationType::kInsert);
  core::PutVarint64(&p, 900);
  p.append(1000, '\0');
  auto d = DecodeMutation(p, 64);
  ASSERT_FALSE(d.ok());
  EXPECT_TRUE(d.status().IsCorruption()) << d.status().ToString();
  EXPECT_NE(d.status().message().find("record count"), std::string::npos) << d.status().ToString();
}

TEST(MutationTest, IdCountLargerThanThePayloadIsRefused) {
  std::string p = Header(MutationType::kDelete);
  core::PutVarint64(&p, 1u << 30);
  p.append(16, '\0');
  auto d = DecodeMutation(p, 4);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("id count"), std::string::npos) << d.status().ToString();
}

// Found by tests/fuzz/wal_fuzz.cc (corpus/wal/crash-7da2c28d...): records decoded with 0
// dimensions memcpy'd zero bytes to a null pointer, which UBSan reports as undefined.
TEST(MutationTest, ZeroDimensionsDecodesRecordsWithoutValues) {
  Mutation m;
  m.type = MutationType::kInsert;
  VectorRecord r;
  r.id = "a";
  m.records.push_back(r);
  std::string payload;
  EncodeMutation(m, &payload);
  auto d = DecodeMutation(payload, 0);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->records.size(), 1u);
  EXPECT_TRUE(d->records[0].values.empty());
}

// Expiry and the by-filter mutations over their whole input range: random mutations of every
// type, with expiries from 0 to INT64_MAX (varints of every length), ids and filters of random
// bytes, survive encode -> decode unchanged.
TEST(MutationTest, EveryTypeRoundTripsOverItsWholeRange) {
  std::mt19937_64 rng(7);
  auto random_string = [&](size_t max) {
    std::string s(rng() % (max + 1), '\0');
    for (char& c : s) c = static_cast<char>(rng());
    return s;
  };
  auto random_expiry = [&]() -> int64_t {
    switch (rng() % 4) {
      case 0: return 0;
      case 1: return INT64_MAX;
      case 2: return static_cast<int64_t>(rng() >> (1 + rng() % 63));  // every varint length
      default: return static_cast<int64_t>(rng() % 4102444800000);  // ms up to year 2100
    }
  };
  const char* patches[] = {"{}", R"({"a":1})", R"({"s":"x","b":true,"n":null,"l":["p","q"]})",
                           R"({"o":{"k":-2.5e10}})"};
  for (int iter = 0; iter < 2000; ++iter) {
    Mutation m;
    const MutationType types[] = {MutationType::kInsert, MutationType::kUpsert,
                                  MutationType::kDelete, MutationType::kPurgeExpired,
                                  MutationType::kDeleteByFilter,
                                  MutationType::kUpdateMetadataByFilter,
                                  MutationType::kConfigureTextIndex};
    m.type = types[rng() % 7];
    m.seq = rng();
    m.time_ms = static_cast<int64_t>(rng() >> 1);
    const uint32_t dims = 1 + rng() % 4;
    const size_t n = rng() % 5;
    if (m.type == MutationType::kInsert || m.type == MutationType::kUpsert) {
      for (size_t i = 0; i < n; ++i) {
        VectorRecord r;
        r.id = random_string(8);
        r.ns = random_string(4);
        for (uint32_t d = 0; d < dims; ++d) r.values.push_back(static_cast<float>(rng() % 1000));
        r.expires_at_ms = random_expiry();
        // Texts on some batches only, and then on some records only (a batch without any is
        // encoded without the section).
        if (iter % 2 == 0 && rng() % 3 != 0) r.text = random_string(rng() % 4 == 0 ? 3000 : 30);
        m.records.push_back(r);
      }
    } else if (m.type == MutationType::kConfigureTextIndex) {
      m.text_index.enabled = rng() % 2 == 0;
      m.text_index.language = random_string(10);
      m.text_index.k1 = static_cast<float>(rng() % 1000) / 100;
      m.text_index.b = static_cast<float>(rng() % 100) / 100;
      for (size_t i = 0; i < n; ++i) m.text_index.fields.push_back(random_string(20));
    } else if (m.type != MutationType::kPurgeExpired) {
      for (size_t i = 0; i < n; ++i) m.ids.push_back(random_string(70));
      if (m.type != MutationType::kDelete) m.filter_json = random_string(40);
      if (m.type == MutationType::kUpdateMetadataByFilter) {
        m.patch_json = patches[rng() % 4];
        m.merge = rng() % 2 == 0;
      }
    }
    std::string payload;
    EncodeMutation(m, &payload);
    auto d = DecodeMutation(payload, dims);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(d->type, m.type);
    EXPECT_EQ(d->seq, m.seq);
    EXPECT_EQ(d->time_ms, m.time_ms);
    ASSERT_EQ(d->records.size(), m.records.size());
    for (size_t i = 0; i < m.records.size(); ++i) {
      EXPECT_EQ(d->records[i].id, m.records[i].id);
      EXPECT_EQ(d->records[i].ns, m.records[i].ns);
      EXPECT_EQ(d->records[i].values, m.records[i].values);
      EXPECT_EQ(d->records[i].expires_at_ms, m.records[i].expires_at_ms);
      EXPECT_EQ(d->records[i].text, m.records[i].text);
    }
    EXPECT_EQ(d->text_index, m.text_index);
    EXPECT_EQ(d->ids, m.ids);
    EXPECT_EQ(d->filter_json, m.filter_json);
    if (m.type == MutationType::kUpdateMetadataByFilter) {
      EXPECT_EQ(d->patch_json, m.patch_json);
      EXPECT_EQ(meta::ToJson(d->patch), meta::ToJson(*meta::ParseMetadata(m.patch_json, 1 << 20)));
      EXPECT_EQ(d->merge, m.merge);
      EXPECT_EQ(d->count, m.ids.size());
    }
    // Cut anywhere, a payload decodes to something or is refused; it never reads past its end
    // (the frame's CRC, not this codec, is what detects a cut).
    const size_t cut = rng() % payload.size();
    (void)DecodeMutation(std::string_view(payload).substr(0, cut), dims);
  }
}

// A batch without expiries is encoded exactly as before expiry existed, so logs written by older
// builds (which have no expiry section) and by this one read the same.
TEST(MutationTest, RecordsWithoutExpiryKeepTheOldEncoding) {
  std::string old = Header(MutationType::kUpsert);
  core::PutVarint64(&old, 1);
  core::PutLengthPrefixed(&old, "a");
  core::PutLengthPrefixed(&old, "ns");
  core::PutLengthPrefixed(&old, R"({"k":1})");
  const float v[2] = {1, 2};
  old.append(reinterpret_cast<const char*>(v), sizeof(v));
  auto d = DecodeMutation(old, 2);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->records[0].expires_at_ms, 0);
  Mutation m = std::move(d).value();
  std::string again;
  EncodeMutation(m, &again);
  EXPECT_EQ(again, old);
  // An unknown section after the records is refused, not ignored.
  std::string tagged = old + "\x03";
  EXPECT_TRUE(DecodeMutation(tagged, 2).status().IsCorruption());
}

TEST(MutationTest, UpdatedMetadataMergesTopLevelKeysOrReplaces) {
  auto v = [](const char* json) { return *meta::ParseMetadata(json, 1 << 20); };
  EXPECT_EQ(meta::ToJson(UpdatedMetadata(v(R"({"a":1,"b":{"c":2}})"), v(R"({"b":3,"d":"x"})"), true)),
            R"({"a":1,"b":3,"d":"x"})");
  EXPECT_EQ(meta::ToJson(UpdatedMetadata(v(R"({"a":1})"), v(R"({"d":"x"})"), false)), R"({"d":"x"})");
  EXPECT_TRUE(UpdatedMetadata(v(R"({"a":1})"), v("{}"), false).is_null());
  EXPECT_EQ(meta::ToJson(UpdatedMetadata(meta::Value(), v(R"({"d":1})"), true)), R"({"d":1})");
}

// Segments written before expiry (format version 1: no expiry after each record) still open, and
// their records never expire; segments of this build keep every expiry.
TEST(SegmentFormatTest, VersionOneSegmentsReadAndExpiryRoundTrips) {
  test::TempDir dir;
  Env* env = Env::Default();
  const std::string v1 = dir.path() + "/v1.seg";
  {
    auto log = storage::LogWriter::Create(env, v1);
    ASSERT_TRUE(log.ok());
    std::string header("SMBLSEG_", 8);
    core::PutFixed32(&header, 1);  // version
    core::PutFixed32(&header, 2);  // dimensions
    core::PutFixed64(&header, 5);  // seq
    core::PutFixed64(&header, 1234);
    core::PutFixed64(&header, 1);  // records
    core::PutFixed64(&header, 0);  // no index blob
    core::PutVarint64(&header, 0);  // no metadata indexes
    ASSERT_TRUE((*log)->AddRecord(header).ok());
    std::string block;
    core::PutVarint64(&block, 1);
    core::PutVarint64(&block, 3);  // slot
    VectorRecord r{"a", {1, 2}, "", R"({"k":1})"};
    EncodeRecord(r, &block);
    ASSERT_TRUE((*log)->AddRecord(block).ok());
    std::string footer("SMBLEND_", 8);
    core::PutFixed64(&footer, 1);
    ASSERT_TRUE((*log)->AddRecord(footer).ok());
    ASSERT_TRUE((*log)->Close().ok());
  }
  SegmentHeader header;
  std::vector<VectorRecord> read;
  auto collect = [&](uint32_t, VectorRecord&& r, meta::Value&&) {
    read.push_back(std::move(r));
    return Status::OK();
  };
  auto no_blob = WholeBlob([](std::string&&) { return Status::OK(); });
  ASSERT_TRUE(ReadSegment(env, v1, 2, &header, no_blob, collect).ok());
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].id, "a");
  EXPECT_EQ(read[0].expires_at_ms, 0);

  std::mt19937_64 rng(3);
  std::vector<VectorRecord> written;
  for (int i = 0; i < 300; ++i) {
    VectorRecord r{"r" + std::to_string(i), {float(i), 1}, "", ""};
    r.expires_at_ms = i % 3 == 0 ? 0 : i % 3 == 1 ? INT64_MAX : static_cast<int64_t>(rng() >> (rng() % 64));
    written.push_back(r);
  }
  for (size_t i = 0; i < written.size(); ++i) {
    if (i % 2 == 0) written[i].text = std::string(rng() % 500, static_cast<char>('a' + rng() % 26));
  }
  const std::string v2 = dir.path() + "/v2.seg";
  SegmentHeader h2;
  h2.seq = 9;
  h2.record_count = written.size();
  auto w = SegmentWriter::Create(env, v2, 2, h2);
  ASSERT_TRUE(w.ok());
  for (size_t i = 0; i < written.size(); ++i) ASSERT_TRUE((*w)->Add(i, written[i]).ok());
  ASSERT_TRUE((*w)->Finish().ok());
  read.clear();
  ASSERT_TRUE(ReadSegment(env, v2, 2, &header, no_blob, collect).ok());
  ASSERT_EQ(read.size(), written.size());
  for (size_t i = 0; i < written.size(); ++i) {
    EXPECT_EQ(read[i].id, written[i].id);
    EXPECT_EQ(read[i].expires_at_ms, written[i].expires_at_ms);
    EXPECT_EQ(read[i].text, written[i].text);
  }
}

}  // namespace
}  // namespace semble::db
