// Copyright 2026 The semble Authors.
//
// FrameVersioned / VersionedRecord, the envelope of the small objects a database keeps in a store
// (bucket manifests, catalogue entries, backup manifests): every body reads back, and any damage,
// another magic, another version or trailing bytes is Corruption.

#include <gtest/gtest.h>

#include <random>

#include "storage/content_hash.h"
#include "storage/log_format.h"

namespace semble::storage {
namespace {

TEST(VersionedRecord, EveryBodyReadsBack) {
  std::mt19937_64 rng(17);
  for (int i = 0; i < 2000; ++i) {
    std::string body(rng() % (i < 1000 ? 64 : 70000), '\0');
    for (char& c : body) c = static_cast<char>(rng());
    const std::string framed = FrameVersioned("SMBLTEST", 3, body);
    auto got = VersionedRecord(framed, "SMBLTEST", 3, "test object", "x");
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(*got, body);
  }
}

TEST(VersionedRecord, DamageMagicVersionAndTrailingBytesAreRefused) {
  const std::string framed = FrameVersioned("SMBLTEST", 3, "some body bytes");
  EXPECT_TRUE(VersionedRecord(framed, "SMBLOTHR", 3, "t", "x").status().IsCorruption());
  auto version = VersionedRecord(framed, "SMBLTEST", 4, "t", "where");
  EXPECT_TRUE(version.status().IsCorruption());
  EXPECT_NE(version.status().message().find("version 3"), std::string::npos);
  EXPECT_TRUE(VersionedRecord(framed + framed, "SMBLTEST", 3, "t", "x").status().IsCorruption());
  EXPECT_TRUE(VersionedRecord("", "SMBLTEST", 3, "t", "x").status().IsCorruption());
  for (size_t i = 0; i < framed.size(); ++i) {
    std::string bad = framed;
    bad[i] ^= 0x20;
    EXPECT_FALSE(VersionedRecord(bad, "SMBLTEST", 3, "t", "x").ok()) << "flipped byte " << i;
    EXPECT_FALSE(VersionedRecord(framed.substr(0, i), "SMBLTEST", 3, "t", "x").ok()) << i;
  }
}

TEST(ContentHash, IsStableAndTellsContentsApart) {
  EXPECT_EQ(ContentHash("abc"), ContentHash(std::string("abc")));
  EXPECT_EQ(ContentHash("abc").size(), 32u);
  EXPECT_NE(ContentHash("abc"), ContentHash("abd"));
  EXPECT_NE(ContentHash(""), ContentHash(std::string(1, '\0')));
}

}  // namespace
}  // namespace semble::storage
