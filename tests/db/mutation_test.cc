// Copyright 2026 The semble Authors.
//
// The WAL payload codec (db/mutation.h) on hostile payloads: what the mutation fuzz target
// (tests/fuzz/wal_fuzz.cc) checks at random, pinned here on the cases that once went wrong.

#include "db/mutation.h"

#include <gtest/gtest.h>

#include "core/coding.h"

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

}  // namespace
}  // namespace semble::db
