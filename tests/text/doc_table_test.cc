// Copyright 2026 The semble Authors.
//
// DocTable against a std::map of the same records, through inserts and erases over dense,
// clustered and huge slots (so records move from the hash map into the array as it grows, and the
// arena is compacted), and through the bulk load path Deserialize uses.

#include "text/doc_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

#include "text/bm25_index.h"

namespace semble::text {
namespace {

struct Record {
  uint32_t length;
  std::vector<uint32_t> terms;
};

void ExpectEqual(const DocTable& table, const std::map<uint32_t, Record>& want,
                 const std::vector<uint32_t>& probes) {
  ASSERT_EQ(table.size(), want.size());
  for (const auto& [slot, r] : want) {
    ASSERT_EQ(table.Length(slot), r.length) << slot;
    auto terms = table.Terms(slot);
    ASSERT_EQ(std::vector<uint32_t>(terms.begin(), terms.end()), r.terms) << slot;
  }
  for (uint32_t slot : probes) {
    if (want.count(slot) == 0) {
      EXPECT_EQ(table.Length(slot), 0u) << slot;
      EXPECT_TRUE(table.Terms(slot).empty()) << slot;
    }
  }
}

uint32_t RandomSlot(std::mt19937& rng, uint32_t space) {
  switch (rng() % 4) {
    case 0:
      return Bm25Index::kMaxSlot - rng() % 100;  // huge: stays in the hash map
    case 1:
      return 1000000 + rng() % 300;  // a cluster far out, reached once enough records exist
    default:
      return rng() % space;
  }
}

TEST(DocTableTest, MatchesAMapThroughInsertsAndErases) {
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    std::mt19937 rng(seed);
    DocTable table;
    std::map<uint32_t, Record> want;
    std::vector<uint32_t> probes;
    const uint32_t space = 500 + seed * 20000;
    for (int step = 0; step < 60000; ++step) {
      const uint32_t slot = RandomSlot(rng, space);
      probes.push_back(slot);
      // Grow for the first half, then mostly erase, so the arena fills up with garbage.
      const bool erase = rng() % 10 < (step < 30000 ? 3u : 8u);
      if (erase || want.count(slot)) {
        EXPECT_EQ(table.Erase(slot), want.erase(slot) == 1) << slot;
        continue;
      }
      Record r{1 + static_cast<uint32_t>(rng() % 50), {}};
      r.terms.resize(1 + rng() % 8);
      for (uint32_t& t : r.terms) t = rng() % 1000;
      table.Insert(slot, r.length, r.terms);
      want[slot] = r;
      if (step % 10000 == 9999) ExpectEqual(table, want, probes);
    }
    ExpectEqual(table, want, probes);
    for (auto it = want.begin(); it != want.end();) {
      EXPECT_TRUE(table.Erase(it->first));
      it = want.erase(it);
    }
    ExpectEqual(table, want, probes);
  }
}

TEST(DocTableTest, BulkLoadEqualsInserts) {
  std::mt19937 rng(9);
  // Postings as Deserialize meets them: term by term, slots increasing within a term.
  std::map<uint32_t, Record> want;
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> lists(200);  // (slot, tf) by term
  uint32_t max_slot = 0;
  for (uint32_t id = 0; id < lists.size(); ++id) {
    std::map<uint32_t, uint32_t> postings;
    const int n = 1 + rng() % 300;
    for (int i = 0; i < n; ++i) postings[RandomSlot(rng, 5000)] = 1 + rng() % 4;
    for (const auto& [slot, tf] : postings) {
      lists[id].push_back({slot, tf});
      Record& r = want[slot];
      r.length += tf;
      r.terms.push_back(id);
      max_slot = std::max(max_slot, slot);
    }
  }
  for (const uint32_t reserve : {0u, 5000u, max_slot + 1}) {
    DocTable table;
    uint64_t n_postings = 0;
    for (const auto& list : lists) n_postings += list.size();
    table.ReserveDense(reserve, n_postings);
    for (const auto& list : lists) {
      for (const auto& [slot, tf] : list) ASSERT_TRUE(table.Count(slot, tf));
    }
    table.Layout();
    for (uint32_t id = 0; id < lists.size(); ++id) {
      for (const auto& [slot, tf] : lists[id]) table.Place(slot, id);
    }
    ExpectEqual(table, want, {0, 1, 4999, Bm25Index::kMaxSlot});
    // The loaded table keeps working: erase and insert.
    std::map<uint32_t, Record> after = want;
    for (auto it = after.begin(); it != after.end();) {
      if (it->first % 3 == 0) {
        EXPECT_TRUE(table.Erase(it->first));
        it = after.erase(it);
      } else {
        ++it;
      }
    }
    table.Insert(3, 2, std::vector<uint32_t>{7});
    after[3] = Record{2, {7}};
    ExpectEqual(table, after, {0, 6, 9});
  }
}

TEST(DocTableTest, CountRefusesALengthOverflow) {
  DocTable table;
  ASSERT_TRUE(table.Count(4, 0xfffffff0u));
  EXPECT_FALSE(table.Count(4, 0x20u));
}

TEST(DocTableTest, HugeSlotsDoNotGrowTheArray) {
  DocTable table;
  for (uint32_t i = 0; i < 100; ++i) {
    table.Insert(Bm25Index::kMaxSlot - i * 1000, 1, std::vector<uint32_t>{i});
  }
  EXPECT_LT(table.MemoryBytes(), 64u * 1024);
  EXPECT_EQ(table.Length(Bm25Index::kMaxSlot - 5000), 1u);
}

}  // namespace
}  // namespace semble::text
