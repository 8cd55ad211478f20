// Copyright 2026 The semble Authors.
//
// Bm25Index's blob: round trips over random indexes (same bytes again, same answers, and the
// loaded index keeps working as an index), and damaged blobs refused with Corruption: every
// truncation, random byte flips, and blobs whose checksum was recomputed after the damage (what a
// fuzzer does), which must either load into a consistent index or be refused, never crash.

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "bm25_oracle.h"
#include "core/coding.h"
#include "core/crc32c.h"
#include "text/bm25_index.h"

namespace semble::text {
namespace {

using test::Bm25Oracle;

struct Built {
  std::unique_ptr<Bm25Index> index;
  Bm25Oracle oracle{1.2, 0.75};
};

std::string RandomTerm(std::mt19937& rng) {
  static const char* const kParts[] = {"a", "b", "c", "한", "国", "é", "zz", "q"};
  std::string t;
  const int n = 1 + rng() % 3;
  for (int i = 0; i < n; ++i) t += kParts[rng() % 8];
  return t;
}

Built RandomIndex(uint32_t seed, Bm25Options o = {}) {
  std::mt19937 rng(seed);
  Built b{Bm25Index::Create(o).value(), Bm25Oracle(o.k1, o.b)};
  const int ops = rng() % 300;
  const uint32_t slot_space = 1 + rng() % 200;
  for (int i = 0; i < ops; ++i) {
    // Sometimes a huge slot, so deltas of every varint width are written.
    const uint32_t slot = rng() % 10 == 0 ? Bm25Index::kMaxSlot - rng() % 1000 : rng() % slot_space;
    if (rng() % 4 == 0) {
      b.index->Remove(slot);
      b.oracle.Remove(slot);
    } else {
      std::vector<std::string> doc(rng() % 12);
      for (auto& t : doc) t = RandomTerm(rng);
      EXPECT_TRUE(b.index->AddTerms(slot, doc).ok());
      b.oracle.Set(slot, doc);
    }
  }
  return b;
}

void ExpectSameAnswers(const Bm25Index& a, const Bm25Index& b, std::mt19937& rng) {
  ASSERT_EQ(a.num_docs(), b.num_docs());
  ASSERT_EQ(a.total_length(), b.total_length());
  ASSERT_EQ(a.num_terms(), b.num_terms());
  for (int q = 0; q < 20; ++q) {
    std::vector<std::string> query{RandomTerm(rng), RandomTerm(rng), RandomTerm(rng)};
    EXPECT_EQ(a.SearchTerms(query, 20), b.SearchTerms(query, 20));
  }
}

TEST(Bm25SerializeTest, RoundTripsRandomIndexes) {
  for (uint32_t seed = 0; seed < 200; ++seed) {
    Bm25Options o;
    o.k1 = 0.5f + (seed % 5) * 0.3f;
    o.b = (seed % 4) * 0.25f;
    o.analyzer.cjk_bigrams = seed % 2;
    o.analyzer.english_stop_words = seed % 3 != 0;
    o.analyzer.stemming =
        seed % 5 ? AnalyzerOptions::Stemming::kEnglish : AnalyzerOptions::Stemming::kNone;
    Built built = RandomIndex(seed, o);
    const std::string blob = built.index->Serialize();
    auto loaded = Bm25Index::Deserialize(blob);
    ASSERT_TRUE(loaded.ok()) << seed << ": " << loaded.status().ToString();
    EXPECT_EQ((*loaded)->options().analyzer, o.analyzer);
    EXPECT_EQ((*loaded)->options().k1, o.k1);
    EXPECT_EQ((*loaded)->options().b, o.b);
    EXPECT_EQ((*loaded)->Serialize(), blob) << seed;
    std::mt19937 rng(seed);
    ExpectSameAnswers(*built.index, **loaded, rng);
    for (const auto& [slot, terms] : built.oracle.docs()) {
      ASSERT_EQ((*loaded)->DocumentLength(slot), terms.size());
    }
    // The loaded index is a working index: removing and adding keeps it equal to the original
    // under the same operations.
    for (const auto& [slot, terms] : std::map(built.oracle.docs())) {
      if (slot % 2) {
        built.index->Remove(slot);
        (*loaded)->Remove(slot);
      }
    }
    std::vector<std::string> doc{"a", "b", "a"};
    ASSERT_TRUE(built.index->AddTerms(7, doc).ok());
    ASSERT_TRUE((*loaded)->AddTerms(7, doc).ok());
    EXPECT_EQ((*loaded)->Serialize(), built.index->Serialize());
    ExpectSameAnswers(*built.index, **loaded, rng);
  }
}

TEST(Bm25SerializeTest, EmptyIndexRoundTrips) {
  auto index = Bm25Index::Create({}).value();
  auto loaded = Bm25Index::Deserialize(index->Serialize());
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ((*loaded)->num_docs(), 0u);
  EXPECT_TRUE((*loaded)->Search("anything", 5).empty());
}

TEST(Bm25SerializeTest, EveryTruncationIsCorruption) {
  Built built = RandomIndex(42);
  ASSERT_GT(built.index->num_docs(), 10u);
  const std::string blob = built.index->Serialize();
  for (size_t n = 0; n < blob.size(); ++n) {
    auto r = Bm25Index::Deserialize(std::string_view(blob).substr(0, n));
    ASSERT_FALSE(r.ok()) << n;
    ASSERT_TRUE(r.status().IsCorruption()) << n << ": " << r.status().ToString();
  }
  // And bytes appended.
  auto r = Bm25Index::Deserialize(blob + "x");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsCorruption());
}

TEST(Bm25SerializeTest, ByteFlipsAreCorruption) {
  std::mt19937 rng(7);
  for (uint32_t seed = 0; seed < 20; ++seed) {
    const std::string blob = RandomIndex(seed).index->Serialize();
    for (int trial = 0; trial < 200; ++trial) {
      std::string bad = blob;
      const int flips = 1 + rng() % 3;
      for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
      auto r = Bm25Index::Deserialize(bad);
      ASSERT_FALSE(r.ok()) << seed << "/" << trial;
      ASSERT_TRUE(r.status().IsCorruption());
    }
  }
}

// Damage with a valid checksum: the structure checks alone stand between the bytes and the index.
TEST(Bm25SerializeTest, DamageBehindAValidChecksumNeverCrashes) {
  std::mt19937 rng(11);
  int loaded = 0, refused = 0;
  for (uint32_t seed = 0; seed < 40; ++seed) {
    const std::string blob = RandomIndex(seed).index->Serialize();
    for (int trial = 0; trial < 300; ++trial) {
      std::string bad = blob.substr(0, blob.size() - 4);
      switch (rng() % 3) {
        case 0:
          bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
          break;
        case 1:
          bad.resize(rng() % (bad.size() + 1));
          break;
        default:
          bad.insert(rng() % (bad.size() + 1), 1, static_cast<char>(rng()));
          break;
      }
      core::PutFixed32(&bad, core::MaskCrc(core::Crc32c(bad.data(), bad.size())));
      auto r = Bm25Index::Deserialize(bad);
      if (!r.ok()) {
        ASSERT_TRUE(r.status().IsCorruption()) << r.status().ToString();
        ++refused;
        continue;
      }
      ++loaded;
      // A blob that loads is a consistent index: it serializes to a blob that loads, and it
      // answers queries.
      const std::string again = (*r)->Serialize();
      ASSERT_TRUE(Bm25Index::Deserialize(again).ok());
      std::vector<std::string> q{RandomTerm(rng), RandomTerm(rng)};
      (void)(*r)->SearchTerms(q, 5);
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_GT(loaded + refused, 0);
}

}  // namespace
}  // namespace semble::text
