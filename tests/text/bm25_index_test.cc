// Copyright 2026 The semble Authors.
//
// Bm25Index against the brute-force scorer of bm25_oracle.h on random corpora, through adds,
// replaces, removes and slot reuse; filters; concurrency of readers with a writer.

#include "text/bm25_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bm25_oracle.h"

namespace semble::text {
namespace {

using test::Bm25Oracle;
using test::OracleHit;

std::unique_ptr<Bm25Index> MakeIndex(Bm25Options o = {}) {
  auto r = Bm25Index::Create(o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return std::move(r).value();
}

// Random documents over a vocabulary with a skewed distribution: a few terms in most documents
// (so MaxScore has common terms to prune), most terms rare.
class Corpus {
 public:
  explicit Corpus(uint32_t seed, size_t vocab = 300) : rng_(seed), vocab_(vocab) {}
  std::vector<std::string> Doc(size_t max_len = 30) {
    std::vector<std::string> terms(rng_() % (max_len + 1));
    for (auto& t : terms) t = Term();
    return terms;
  }
  std::string Term() {
    // Squaring a uniform number skews toward small ids.
    const double u = std::uniform_real_distribution<double>(0, 1)(rng_);
    return "t" + std::to_string(static_cast<size_t>(u * u * vocab_));
  }
  std::mt19937& rng() { return rng_; }

 private:
  std::mt19937 rng_;
  size_t vocab_;
};

// The index's answer equals the oracle's: as many hits, each hit's score is the oracle's score of
// that slot, and the i-th score is the oracle's i-th score (slots may differ only between scores
// equal within rounding).
void ExpectSameRanking(const std::vector<Hit>& got, const std::vector<OracleHit>& want, size_t k,
                       const std::string& what) {
  ASSERT_EQ(got.size(), std::min(k, want.size())) << what;
  std::map<uint32_t, double> by_slot;
  for (const OracleHit& h : want) by_slot[h.slot] = h.score;
  for (size_t i = 0; i < got.size(); ++i) {
    const double tol = 1e-5 * std::max(1.0, std::abs(want[i].score));
    EXPECT_NEAR(got[i].score, want[i].score, tol) << what << " rank " << i;
    auto it = by_slot.find(got[i].slot);
    ASSERT_NE(it, by_slot.end()) << what << ": slot " << got[i].slot << " should not match";
    EXPECT_NEAR(got[i].score, it->second, tol) << what << " slot " << got[i].slot;
    if (i > 0) {
      EXPECT_GE(got[i - 1].score, got[i].score) << what;
    }
  }
}

void ExpectSameStats(const Bm25Index& index, const Bm25Oracle& oracle, Corpus* corpus) {
  ASSERT_EQ(index.num_docs(), oracle.num_docs());
  ASSERT_EQ(index.total_length(), oracle.total_length());
  for (const auto& [slot, terms] : oracle.docs()) {
    ASSERT_EQ(index.DocumentLength(slot), terms.size()) << slot;
  }
  for (int i = 0; i < 20; ++i) {
    const std::string t = corpus->Term();
    ASSERT_EQ(index.DocumentFrequency(t), oracle.DocumentFrequency(t)) << t;
  }
}

void CheckQueries(const Bm25Index& index, const Bm25Oracle& oracle, Corpus* corpus, int queries) {
  std::mt19937& rng = corpus->rng();
  for (int q = 0; q < queries; ++q) {
    std::vector<std::string> query(1 + rng() % 6);
    for (auto& t : query) t = corpus->Term();
    if (rng() % 4 == 0) query.push_back(query[0]);  // a repeated term counts twice
    if (rng() % 5 == 0) query.push_back("absent");  // a term no document has
    const size_t k = 1 + rng() % 25;
    SlotFilter allow;
    const uint32_t mod = 2 + rng() % 3;
    if (rng() % 3 == 0) allow = [mod](uint32_t s) { return s % mod != 0; };
    ExpectSameRanking(index.SearchTerms(query, k, allow), oracle.Rank(query, allow), k,
                      "query " + std::to_string(q));
  }
}

TEST(Bm25IndexTest, MatchesBruteForceThroughAddsReplacesAndRemoves) {
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    Bm25Options o;
    if (seed % 3 == 1) o.k1 = 0.9f, o.b = 0.4f;
    if (seed % 3 == 2) o.k1 = 2.0f, o.b = 1.0f;
    auto index = MakeIndex(o);
    Bm25Oracle oracle(o.k1, o.b);
    Corpus corpus(seed);
    std::mt19937& rng = corpus.rng();
    const uint32_t slot_space = 400;
    for (int step = 0; step < 3000; ++step) {
      const uint32_t slot = rng() % slot_space;
      if (rng() % 4 == 0) {
        EXPECT_EQ(index->Remove(slot), oracle.docs().count(slot) == 1);
        oracle.Remove(slot);
      } else {
        const std::vector<std::string> doc = corpus.Doc();
        ASSERT_TRUE(index->AddTerms(slot, doc).ok());  // replaces what the slot held
        oracle.Set(slot, doc);
      }
      if (step % 500 == 499) {
        ExpectSameStats(*index, oracle, &corpus);
        CheckQueries(*index, oracle, &corpus, 40);
      }
    }
    // Remove nearly everything: compaction and emptied terms.
    for (uint32_t slot = 0; slot < slot_space; ++slot) {
      if (slot % 7 != 0) {
        index->Remove(slot);
        oracle.Remove(slot);
      }
    }
    ExpectSameStats(*index, oracle, &corpus);
    CheckQueries(*index, oracle, &corpus, 100);
  }
}

TEST(Bm25IndexTest, RemovesFromLongListsWithSkewedSlots) {
  // Long lists whose slots cluster (a dense run, a far cluster, a few huge slots that DocTable
  // keeps out of its array), filled in random slot order (insertions), then mostly removed with
  // some slots coming straight back.
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    auto index = MakeIndex();
    Bm25Oracle oracle(1.2, 0.75);
    Corpus corpus(seed, 12);  // few terms: every list is long
    std::mt19937& rng = corpus.rng();
    std::vector<uint32_t> slots;
    for (uint32_t s = 0; s < 3000; ++s) slots.push_back(s);
    for (uint32_t s = 0; s < 500; ++s) slots.push_back(500000000 + s * (1 + seed));
    for (uint32_t s = 0; s < 50; ++s) slots.push_back(Bm25Index::kMaxSlot - s * 7);
    std::shuffle(slots.begin(), slots.end(), rng);
    for (uint32_t slot : slots) {
      const std::vector<std::string> doc = corpus.Doc(8);
      ASSERT_TRUE(index->AddTerms(slot, doc).ok());
      oracle.Set(slot, doc);
    }
    std::shuffle(slots.begin(), slots.end(), rng);
    for (size_t i = 0; i < slots.size(); ++i) {
      if (i % 3 == 2) continue;
      EXPECT_EQ(index->Remove(slots[i]), oracle.docs().count(slots[i]) == 1);
      oracle.Remove(slots[i]);
      if (i % 5 == 0) {  // sometimes the slot comes straight back
        const std::vector<std::string> doc = corpus.Doc(8);
        ASSERT_TRUE(index->AddTerms(slots[i], doc).ok());
        oracle.Set(slots[i], doc);
      }
      if (i % 1000 == 999) CheckQueries(*index, oracle, &corpus, 10);
    }
    ExpectSameStats(*index, oracle, &corpus);
    CheckQueries(*index, oracle, &corpus, 50);
    auto loaded = Bm25Index::Deserialize(index->Serialize());
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    ExpectSameStats(**loaded, oracle, &corpus);
    CheckQueries(**loaded, oracle, &corpus, 50);
  }
}

// Single-term and few-term queries over lists of thousands of postings, where Search skips whole
// blocks of the one essential list by their stored bounds. The lists are built by appends and by
// insertions (slots in random order), thinned by removes (bounds left loose), refilled by revived
// entries, compacted, and loaded from a blob, and every answer is checked against brute force.
TEST(Bm25IndexTest, BlockSkippingKeepsExactTopK) {
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    Bm25Options o;
    if (seed == 2) o.k1 = 2.0f, o.b = 1.0f;
    if (seed == 3) o.b = 0.0f;  // bounds that ignore length
    auto index = MakeIndex(o);
    Bm25Oracle oracle(o.k1, o.b);
    Corpus corpus(seed, 6);
    std::mt19937& rng = corpus.rng();
    auto check = [&](const Bm25Index& idx, int queries) {
      for (int q = 0; q < queries; ++q) {
        std::vector<std::string> query{corpus.Term()};
        if (q % 3 == 1) query.push_back(corpus.Term());
        if (q % 3 == 2) query.push_back("t" + std::to_string(rng() % 6));
        const size_t k = std::vector<size_t>{1, 3, 10, 40}[rng() % 4];
        SlotFilter allow;
        if (q % 5 == 0) allow = [](uint32_t s) { return s % 3 != 0; };
        ExpectSameRanking(idx.SearchTerms(query, k, allow), oracle.Rank(query, allow), k,
                          "seed " + std::to_string(seed) + " query " + std::to_string(q));
      }
    };
    std::vector<uint32_t> slots(6000);
    for (uint32_t i = 0; i < slots.size(); ++i) slots[i] = i < 3000 ? i : 3000 + rng() % 20000;
    // The first half arrives in order (appends), the rest shuffled (insertions).
    std::shuffle(slots.begin() + 3000, slots.end(), rng);
    for (uint32_t slot : slots) {
      std::vector<std::string> doc = corpus.Doc(40);
      if (rng() % 50 == 0) doc.assign(1 + rng() % 20, corpus.Term());  // one term, high tf
      ASSERT_TRUE(index->AddTerms(slot, doc).ok());
      oracle.Set(slot, doc);
    }
    check(*index, 60);
    std::shuffle(slots.begin(), slots.end(), rng);
    for (size_t i = 0; i < slots.size(); ++i) {
      if (i % 4 == 0) continue;
      index->Remove(slots[i]);
      oracle.Remove(slots[i]);
      if (i % 9 == 0) {  // revives the removed entry in place
        std::vector<std::string> doc(1 + rng() % 6, corpus.Term());
        ASSERT_TRUE(index->AddTerms(slots[i], doc).ok());
        oracle.Set(slots[i], doc);
      }
      if (i % 1500 == 1499) check(*index, 20);
    }
    check(*index, 60);
    auto loaded = Bm25Index::Deserialize(index->Serialize());
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    check(**loaded, 60);
  }
}

// Block bounds are computed at the avgdl of their time; a later avgdl far from it (long documents
// arriving, then leaving) must not let a block be skipped that holds a top-k document.
TEST(Bm25IndexTest, BlockBoundsHoldAsAvgdlMoves) {
  auto index = MakeIndex();
  Bm25Oracle oracle(1.2, 0.75);
  Corpus corpus(11, 4);
  std::mt19937& rng = corpus.rng();
  auto check = [&](int queries) {
    for (int q = 0; q < queries; ++q) {
      const std::vector<std::string> query{"t" + std::to_string(q % 4)};
      const size_t k = 1 + rng() % 10;
      ExpectSameRanking(index->SearchTerms(query, k), oracle.Rank(query, {}), k,
                        "query " + std::to_string(q));
    }
  };
  for (uint32_t slot = 0; slot < 4000; ++slot) {  // short documents: small avgdl
    const std::vector<std::string> doc = corpus.Doc(3);
    ASSERT_TRUE(index->AddTerms(slot, doc).ok());
    oracle.Set(slot, doc);
  }
  check(20);
  for (uint32_t slot = 4000; slot < 8000; ++slot) {  // long documents of other terms
    const std::vector<std::string> doc(40 + rng() % 40, "long" + std::to_string(rng() % 3));
    ASSERT_TRUE(index->AddTerms(slot, doc).ok());
    oracle.Set(slot, doc);
  }
  check(40);
  for (uint32_t slot = 4000; slot < 8000; ++slot) {  // and they go again: avgdl falls back
    index->Remove(slot);
    oracle.Remove(slot);
  }
  check(40);
}

TEST(Bm25IndexTest, PruningKeepsExactTopKWithCommonAndRareTerms) {
  // Thousands of documents hold the common term; a few hold the rare one; small k makes MaxScore
  // skip most of the common list.
  auto index = MakeIndex();
  Bm25Oracle oracle(1.2, 0.75);
  std::mt19937 rng(5);
  for (uint32_t slot = 0; slot < 5000; ++slot) {
    std::vector<std::string> doc;
    const int len = 1 + rng() % 12;
    for (int i = 0; i < len; ++i)
      doc.push_back(rng() % 3 ? "common" : "filler" + std::to_string(rng() % 50));
    if (rng() % 400 == 0) doc.push_back("rare");
    if (rng() % 40 == 0) doc.push_back("medium");
    ASSERT_TRUE(index->AddTerms(slot, doc).ok());
    oracle.Set(slot, doc);
  }
  for (const std::vector<std::string>& q : {std::vector<std::string>{"common", "rare"},
                                            {"common", "medium", "rare"},
                                            {"rare", "medium"},
                                            {"common"},
                                            {"filler3", "common", "rare", "medium"}}) {
    for (size_t k : {1, 3, 10, 100, 10000}) {
      ExpectSameRanking(index->SearchTerms(q, k), oracle.Rank(q), k, "k=" + std::to_string(k));
    }
  }
}

TEST(Bm25IndexTest, TextGoesThroughTheAnalyzer) {
  auto index = MakeIndex();
  ASSERT_TRUE(index->Add(1, "The quick brown fox jumps over the lazy dog").ok());
  ASSERT_TRUE(index->Add(2, "Foxes are running; the dogs were sleeping").ok());
  ASSERT_TRUE(index->Add(3, "한국어 검색 엔진").ok());
  ASSERT_TRUE(index->Add(4, "   !!! the of and ").ok());  // no terms: not a document
  EXPECT_EQ(index->num_docs(), 3u);
  EXPECT_FALSE(index->Contains(4));
  EXPECT_EQ(index->DocumentLength(1), 7u);  // the, the dropped; the rest stemmed
  auto hits = index->Search("running dog", 10);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].slot, 2u);  // "run" and "dog" both; doc 1 only "dog"
  hits = index->Search("국어 검색", 10);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].slot, 3u);
  EXPECT_TRUE(index->Search("the of", 10).empty());
  EXPECT_TRUE(index->Search("", 10).empty());
  EXPECT_TRUE(index->Search("fox", 0).empty());
  // Replacing text moves the document.
  ASSERT_TRUE(index->Add(3, "a fox").ok());
  EXPECT_TRUE(index->Search("검색", 10).empty());
  EXPECT_EQ(index->Search("fox", 10).size(), 3u);
  // Replacing with empty text removes it.
  ASSERT_TRUE(index->Add(3, "").ok());
  EXPECT_FALSE(index->Contains(3));
  EXPECT_EQ(index->num_docs(), 2u);
}

TEST(Bm25IndexTest, RejectsBadOptionsAndSlots) {
  for (auto [k1, b] : {std::pair{-0.1f, 0.75f},
                       {1.2f, -0.01f},
                       {1.2f, 1.5f},
                       {NAN, 0.75f},
                       {INFINITY, 0.5f},
                       {1.2f, NAN}}) {
    Bm25Options o;
    o.k1 = k1;
    o.b = b;
    auto r = Bm25Index::Create(o);
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(r.status().IsInvalidArgument());
  }
  auto index = MakeIndex();
  EXPECT_TRUE(index->Add(Bm25Index::kMaxSlot + 1, "x").IsInvalidArgument());
  EXPECT_TRUE(index->Add(Bm25Index::kMaxSlot, "x").ok());
  EXPECT_EQ(index->Search("x", 5).at(0).slot, Bm25Index::kMaxSlot);
}

TEST(Bm25IndexTest, ReadersRunBesideAWriter) {
  // Searches during adds and removes: no crash (run under the sanitizers), and every answer is a
  // well-formed ranking over slots that were written.
  auto index = MakeIndex();
  Corpus corpus(9);
  std::vector<std::vector<std::string>> docs;
  for (int i = 0; i < 2000; ++i) docs.push_back(corpus.Doc());
  std::atomic<bool> done{false};
  std::thread writer([&] {
    std::mt19937 rng(3);
    for (int i = 0; i < 6000; ++i) {
      const uint32_t slot = rng() % 1000;
      if (rng() % 3 == 0) {
        index->Remove(slot);
      } else {
        ASSERT_TRUE(index->AddTerms(slot, docs[rng() % docs.size()]).ok());
      }
    }
    done = true;
  });
  std::vector<std::thread> readers;
  std::atomic<int> bad{0};
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      Corpus q(100 + r);
      int rounds = 0;
      while (!done) {
        std::vector<std::string> query{q.Term(), q.Term()};
        auto hits = index->SearchTerms(query, 10);
        for (size_t i = 0; i < hits.size(); ++i) {
          if (hits[i].slot >= 1000 || !(hits[i].score > 0) ||
              (i > 0 && hits[i - 1].score < hits[i].score)) {
            ++bad;
          }
        }
        if (++rounds % 64 == 0) (void)index->Serialize();
      }
    });
  }
  writer.join();
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace semble::text
