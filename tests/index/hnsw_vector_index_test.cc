// Copyright 2026 The semble Authors.
//
// The hnsw VectorIndex with its background graph build: every vector is found from the moment Set
// returns (the buffer is scanned exactly), replaced and cleared vectors never come back, and the
// backlog drains.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "core/thread_name.h"
#include "index/vector_index.h"

namespace semble::index {
namespace {

std::vector<float> Random(std::mt19937& rng, uint32_t dims) {
  std::normal_distribution<float> d(0, 1);
  std::vector<float> v(dims);
  for (float& x : v) x = d(rng);
  return v;
}

// count random rows of dims floats for slots 0..count-1, one after another.
void RandomRows(std::mt19937& rng, uint32_t count, uint32_t dims, std::vector<float>* values,
                std::vector<uint32_t>* slots) {
  for (uint32_t s = 0; s < count; ++s) {
    const std::vector<float> v = Random(rng, dims);
    values->insert(values->end(), v.begin(), v.end());
    slots->push_back(s);
  }
}

std::unique_ptr<VectorIndex> MakeIndex(uint32_t dims, uint32_t exact_below) {
  auto spec = ParseIndexSpec("hnsw", dims, Metric::kEuclidean);
  EXPECT_TRUE(spec.ok());
  auto index = NewVectorIndex(*spec, exact_below);
  EXPECT_TRUE(index.ok());
  return std::move(index).value();
}

void WaitDrained(const VectorIndex& index) {
  for (int i = 0; i < 6000 && index.Unindexed() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(index.Unindexed(), 0u);
}

// The stored values of `slot` (VectorIndex::Read), or an empty vector when it is not live.
std::vector<float> Stored(const VectorIndex& index, uint32_t slot, uint32_t dims) {
  std::vector<float> v(dims);
  if (!index.Read(slot, v.data())) v.clear();
  return v;
}

// A candidate list as long as the graph: the search reaches every reachable node.
const SearchParams kEveryNode{.ef = 4000, .recall = std::nullopt};

TEST(HnswVectorIndexTest, EveryVectorIsFoundAsSoonAsItIsSet) {
  constexpr uint32_t kDims = 32;
  auto index = MakeIndex(kDims, 0);  // always the graph path, never a full scan
  std::mt19937 rng(3);
  std::vector<std::vector<float>> data;
  for (uint32_t slot = 0; slot < 3000; ++slot) {
    data.push_back(Random(rng, kDims));
    if (slot % 100 == 99) {
      std::vector<uint32_t> slots;
      std::vector<float> values;
      for (uint32_t s = slot - 99; s <= slot; ++s) {
        slots.push_back(s);
        values.insert(values.end(), data[s].begin(), data[s].end());
      }
      ASSERT_TRUE(index->SetBatch(slots, values.data()).ok());
      // Each vector of the batch, queried right away, is its own nearest neighbour: exactly, from
      // the buffer, or from the graph if the builder took it already. The graph is searched with
      // an ef as large as the index, so that a miss there means the vector is not reachable,
      // not that an approximate search was approximate (at the default ef, 2.4 in 10,000
      // self-queries miss on this data, with or without concurrent writes).
      for (uint32_t s = slot - 99; s <= slot; s += 33) {
        auto hits = index->Search(data[s].data(), 1, kEveryNode);
        ASSERT_EQ(hits.size(), 1u);
        EXPECT_EQ(hits[0].slot, s);
        EXPECT_FLOAT_EQ(hits[0].score, 0.0f);
        EXPECT_EQ(Stored(*index, s, kDims), data[s]);
      }
    }
  }
  EXPECT_EQ(index->size(), 3000u);
  WaitDrained(*index);
  EXPECT_EQ(index->size(), 3000u);
  size_t found_at_default_ef = 0;
  for (uint32_t s = 0; s < 3000; ++s) {
    if (s % 7 == 0) {
      auto hits = index->Search(data[s].data(), 1, kEveryNode);
      ASSERT_EQ(hits.size(), 1u);
      EXPECT_EQ(hits[0].slot, s);
    }
    auto approximate = index->Search(data[s].data(), 1, SearchParams{});
    found_at_default_ef += !approximate.empty() && approximate[0].slot == s ? 1 : 0;
  }
  EXPECT_GE(found_at_default_ef, 2990u);  // recall@1 of self-queries >= 0.997
}

TEST(HnswVectorIndexTest, ReplacedAndClearedVectorsNeverComeBack) {
  constexpr uint32_t kDims = 16;
  auto index = MakeIndex(kDims, 0);
  std::mt19937 rng(5);
  std::vector<std::vector<float>> data;
  for (uint32_t s = 0; s < 2000; ++s) {
    data.push_back(Random(rng, kDims));
    ASSERT_TRUE(index->Set(s, data[s].data()).ok());
  }
  // Clear and replace while the builder is still busy with the first vectors.
  for (uint32_t s = 0; s < 2000; s += 2) index->Clear(s);
  std::vector<std::vector<float>> replaced(2000);
  for (uint32_t s = 1; s < 2000; s += 4) {
    replaced[s] = Random(rng, kDims);
    ASSERT_TRUE(index->Set(s, replaced[s].data()).ok());
  }
  WaitDrained(*index);
  EXPECT_EQ(index->size(), 1000u);
  for (uint32_t s = 0; s < 2000; ++s) {
    const std::vector<float> v = Stored(*index, s, kDims);
    if (s % 2 == 0) {
      EXPECT_TRUE(v.empty()) << s;
      auto hits = index->Search(data[s].data(), 1, SearchParams{});
      ASSERT_EQ(hits.size(), 1u);
      EXPECT_NE(hits[0].slot, s);
      continue;
    }
    const std::vector<float>& want = s % 4 == 1 ? replaced[s] : data[s];
    EXPECT_EQ(v, want) << s;
  }
}

TEST(HnswVectorIndexTest, QueriesRunWhileTheGraphIsBuilt) {
  constexpr uint32_t kDims = 24;
  auto index = MakeIndex(kDims, 0);
  std::mt19937 rng(9);
  std::vector<std::vector<float>> data;
  std::vector<uint32_t> slots;
  std::vector<float> values;
  for (uint32_t s = 0; s < 4000; ++s) {
    data.push_back(Random(rng, kDims));
    slots.push_back(s);
    values.insert(values.end(), data[s].begin(), data[s].end());
  }
  ASSERT_TRUE(index->SetBatch(slots, values.data()).ok());
  // Two reader threads check self-retrieval while the builder drains the buffer. A search at the
  // default ef may miss now and then without anything being wrong: while a batch is linked, the
  // nodes of earlier batches whose lists it rewrites can be cut off until the batch's repair
  // (hnsw_index.h: AddBatch keeps reachability at its end), and ef 64 finds a stored vector
  // about 9,998 times in 10,000. A lost or torn vector misses every time: after the build, every
  // slot missed must be found by a search that reaches every node.
  std::mutex mu;
  std::vector<uint32_t> missed;
  size_t searched = 0;
  auto reader = [&](uint32_t start) {
    for (uint32_t s = start; s < 4000; s += 7) {
      auto hits = index->Search(data[s].data(), 1, SearchParams{});
      std::lock_guard lock(mu);
      ++searched;
      if (hits.empty() || hits[0].slot != s) missed.push_back(s);
    }
  };
  std::thread a(reader, 0), b(reader, 3);
  a.join();
  b.join();
  EXPECT_LE(missed.size(), searched / 200) << missed.size() << " of " << searched << " missed";
  WaitDrained(*index);
  for (uint32_t s : missed) {
    auto hits = index->Search(data[s].data(), 1, kEveryNode);
    ASSERT_FALSE(hits.empty()) << s;
    EXPECT_EQ(hits[0].slot, s) << "slot " << s << " lost";
  }
  // A serialized graph round-trips into a fresh index.
  const std::string blob = index->Serialize();
  auto copy = MakeIndex(kDims, 0);
  ASSERT_TRUE(copy->Load(blob).ok());
  EXPECT_EQ(copy->size(), 4000u);
  EXPECT_EQ(copy->Unindexed(), 0u);
}

// Writes that touch slots the builder is adding, in an order unlike the build queue's: the last
// write of every slot must win (a write must wait for all its slots, not one at a time).
TEST(HnswVectorIndexTest, LastWriteWinsWhileTheBuilderRuns) {
  constexpr uint32_t kDims = 8, kSlots = 3000;
  auto index = MakeIndex(kDims, 0);
  std::mt19937 rng(17);
  std::vector<std::vector<float>> last(kSlots);
  std::uniform_int_distribution<uint32_t> pick(0, kSlots - 1);
  for (int round = 0; round < 300; ++round) {
    // A few slots from anywhere, sorted as the database hands them over.
    std::set<uint32_t> chosen;
    const size_t n = round % 10 == 0 ? 600 : 3;
    while (chosen.size() < n) chosen.insert(pick(rng));
    std::vector<uint32_t> slots(chosen.begin(), chosen.end());
    std::vector<float> values;
    for (uint32_t s : slots) {
      last[s] = Random(rng, kDims);
      values.insert(values.end(), last[s].begin(), last[s].end());
    }
    ASSERT_TRUE(index->SetBatch(slots, values.data()).ok());
  }
  WaitDrained(*index);
  size_t live = 0;
  for (uint32_t s = 0; s < kSlots; ++s) {
    const std::vector<float> v = Stored(*index, s, kDims);
    if (last[s].empty()) {
      EXPECT_TRUE(v.empty()) << s;
      continue;
    }
    ++live;
    EXPECT_EQ(v, last[s]) << "slot " << s << " lost its last write";
    // The slot is live in the index (exact search over it). Whether the graph reaches it is the
    // graph's recall, tested in hnsw_recall_test; here a rare unreachable node after hundreds of
    // replacements was seen with HnswIndex alone too, without the builder (see the issue note).
    const uint32_t one[] = {s};
    auto hits = index->SearchSlots(last[s].data(), 1, one);
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].slot, s);
    EXPECT_FLOAT_EQ(hits[0].score, 0.0f);
  }
  EXPECT_EQ(index->size(), live);
}

// A vector whose float norm vanishes is refused up front (it would stop the graph build).
TEST(HnswVectorIndexTest, VanishingCosineVectorIsRefused) {
  auto spec = ParseIndexSpec("hnsw", 3, Metric::kCosine);
  ASSERT_TRUE(spec.ok());
  auto index = NewVectorIndex(*spec, 0);
  ASSERT_TRUE(index.ok());
  const float tiny[] = {1e-23f, 0, 0};
  EXPECT_TRUE((*index)->Set(0, tiny).IsInvalidArgument());
  const float fine[] = {1, 0, 0};
  EXPECT_TRUE((*index)->Set(1, fine).ok());
  WaitDrained(**index);
  EXPECT_EQ((*index)->size(), 1u);
}

// A writer that finds more than the bound buffered waits until the builder has linked enough of
// it, and nothing that was buffered meanwhile is lost. The builder is held back first, so the
// wait cannot end before it is let go (no timing decides the outcome).
TEST(HnswVectorIndexTest, BacklogWaitLastsUntilTheBuilderCatchesUp) {
  constexpr uint32_t kDims = 16;
  constexpr uint32_t kCount = 600;
  constexpr uint64_t kRowBytes = kDims * sizeof(float);
  auto index = MakeIndex(kDims, 0);
  EXPECT_FALSE(index->WaitForBacklogAtMost(0));  // nothing buffered: nothing to wait for

  index->PauseBackgroundWork();
  std::mt19937 rng(5);
  std::vector<float> values;
  std::vector<uint32_t> slots;
  RandomRows(rng, kCount, kDims, &values, &slots);
  ASSERT_TRUE(index->SetBatch(slots, values.data()).ok());
  ASSERT_EQ(index->Unindexed(), kCount);
  EXPECT_FALSE(index->WaitForBacklogAtMost(kCount * kRowBytes));  // at the bound: goes on

  std::atomic<bool> returned{false};
  bool waited = false;
  std::thread writer([&] {
    waited = index->WaitForBacklogAtMost(100 * kRowBytes);
    returned = true;
  });
  for (int i = 0; i < 20; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_FALSE(returned.load()) << "the wait ended while the builder was held back";
  }
  index->ResumeBackgroundWork();
  writer.join();
  EXPECT_TRUE(waited);
  EXPECT_LE(index->Unindexed(), 100u);  // no writes since, and the builder only takes away
  WaitDrained(*index);
  EXPECT_EQ(index->size(), kCount);
  for (uint32_t s = 0; s < kCount; ++s) {
    const std::vector<float> v = Stored(*index, s, kDims);
    ASSERT_EQ(v.size(), kDims) << s;
    EXPECT_TRUE(std::equal(v.begin(), v.end(), &values[s * kDims])) << s;
  }
}

// Writers that keep adding while others wait on the bound all get through, and every vector ends
// up in the graph: the bound slows writes, it never drops or blocks them for good.
TEST(HnswVectorIndexTest, WritersUnderABacklogBoundAllFinish) {
  constexpr uint32_t kDims = 16;
  constexpr int kWriters = 4, kBatches = 20, kBatch = 50;
  auto index = MakeIndex(kDims, 0);
  std::mutex set_mu;  // SetBatch needs exclusive access (the database's state lock)
  std::vector<std::vector<float>> data(kWriters * kBatches * kBatch);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      std::mt19937 rng(w);
      for (int b = 0; b < kBatches; ++b) {
        // Any bound smaller than one batch: each writer waits until the builder has drained
        // (nearly) everything queued before it.
        index->WaitForBacklogAtMost(kDims * sizeof(float));
        std::vector<uint32_t> slots;
        std::vector<float> values;
        for (int i = 0; i < kBatch; ++i) {
          const uint32_t slot = static_cast<uint32_t>((w * kBatches + b) * kBatch + i);
          data[slot] = Random(rng, kDims);
          slots.push_back(slot);
          values.insert(values.end(), data[slot].begin(), data[slot].end());
        }
        std::lock_guard lock(set_mu);
        ASSERT_TRUE(index->SetBatch(slots, values.data()).ok());
      }
    });
  }
  for (std::thread& t : writers) t.join();
  WaitDrained(*index);
  ASSERT_EQ(index->size(), data.size());
  for (uint32_t s = 0; s < data.size(); ++s) {
    EXPECT_EQ(Stored(*index, s, kDims), data[s]) << s;
  }
}

// The builder thread carries its own name (operators tell its CPU from the writers' by it); the
// thread that writes keeps its own.
TEST(HnswVectorIndexTest, BuilderThreadIsNamedAndTheWriterIsNot) {
  auto index = MakeIndex(4, 0);
  const std::string writer_name = core::ThisThreadName();
  const float v[] = {1, 2, 3, 4};
  ASSERT_TRUE(index->Set(0, v).ok());  // starts the builder
  auto builder_named = [] {
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
      std::ifstream comm(task.path() / "comm");
      std::string name;
      std::getline(comm, name);
      if (name == "semble-hnsw") return true;
    }
    return false;
  };
  bool found = false;
  for (int i = 0; i < 1000 && !(found = builder_named()); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(core::ThisThreadName(), writer_name);
  EXPECT_NE(writer_name, "semble-hnsw");
}

// Once the builder has linked everything buffered it gives the buffer back: after a bulk load
// the index holds its graph, not the graph plus a second copy of every vector loaded.
TEST(HnswVectorIndexTest, TheBufferIsGivenBackOnceEverythingIsLinked) {
  constexpr uint32_t kDims = 64, kCount = 4000;
  auto index = MakeIndex(kDims, 0);
  std::mt19937 rng(11);
  std::vector<float> values;
  std::vector<uint32_t> slots;
  RandomRows(rng, kCount, kDims, &values, &slots);
  // One write: the buffer holds all of it at once, as after a bulk load that outran the builder.
  ASSERT_TRUE(index->SetBatch(slots, values.data()).ok());
  const double loading = index->MemoryBytesPerVector();
  EXPECT_GE(loading, kDims * sizeof(float));  // the buffered floats count
  WaitDrained(*index);
  // The same graph loaded from its blob has no buffer at all: the drained index must hold about
  // what it holds (a buffer kept would add a whole float copy, 256 bytes a vector here).
  auto copy = MakeIndex(kDims, 0);
  ASSERT_TRUE(copy->Load(index->Serialize()).ok());
  const double drained = index->MemoryBytesPerVector(), graph_only = copy->MemoryBytesPerVector();
  EXPECT_LT(drained, graph_only + kDims * sizeof(float) / 4) << graph_only;
  for (uint32_t s = 0; s < kCount; s += 97) {
    EXPECT_TRUE(std::equal(&values[s * kDims], &values[(s + 1) * kDims],
                           Stored(*index, s, kDims).begin()))
        << s;
  }
}

// Readers copying vectors (Read) while writers keep refilling the buffer and the builder keeps
// emptying and freeing it always get the stored values (under ASan: never freed memory).
TEST(HnswVectorIndexTest, ReadsRacingTheBuilderGetTheStoredValues) {
  constexpr uint32_t kDims = 16, kRounds = 30, kPerRound = 200;
  auto index = MakeIndex(kDims, 0);
  auto value_of = [](uint32_t slot) {
    std::vector<float> v(kDims);
    for (uint32_t d = 0; d < kDims; ++d) v[d] = static_cast<float>(slot * 31 + d + 1);
    return v;
  };
  std::atomic<uint32_t> written{0};
  std::atomic<bool> done{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      std::mt19937 rng(r);
      std::vector<float> got(kDims);
      while (!done.load()) {
        const uint32_t n = written.load();
        if (n == 0) continue;
        const uint32_t slot = rng() % n;
        if (!index->Read(slot, got.data()) || got != value_of(slot)) ++wrong;
      }
    });
  }
  for (uint32_t round = 0; round < kRounds; ++round) {
    std::vector<uint32_t> slots;
    std::vector<float> values;
    for (uint32_t i = 0; i < kPerRound; ++i) {
      const uint32_t slot = round * kPerRound + i;
      slots.push_back(slot);
      const std::vector<float> v = value_of(slot);
      values.insert(values.end(), v.begin(), v.end());
    }
    ASSERT_TRUE(index->SetBatch(slots, values.data()).ok());
    written.store((round + 1) * kPerRound);
    if (round % 3 == 0) WaitDrained(*index);  // drained: the next write finds a fresh buffer
  }
  WaitDrained(*index);
  done.store(true);
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

// A vector in the write buffer scores what the same vector scores once linked: the buffer's batch
// kernel sums in another order than the graph's, and two equal vectors, one on each side, came
// back a few ulps apart, ordered by that instead of by slot (the database's order by id).
TEST(HnswVectorIndexTest, EqualVectorsScoreEqualInTheBufferAndInTheGraph) {
  constexpr uint32_t kDims = 77, kLinked = 300, kTwins = 60;
  for (Metric metric : {Metric::kCosine, Metric::kEuclidean, Metric::kDotProduct}) {
    for (const char* type : {"hnsw", "hnsw,sq8", "hnsw,lb8", "hnsw,bq"}) {
      const std::string what =
          std::string(type) + " metric " + std::to_string(static_cast<int>(metric));
      auto spec = ParseIndexSpec(type, kDims, metric);
      ASSERT_TRUE(spec.ok());
      auto made = NewVectorIndex(*spec, 0);
      ASSERT_TRUE(made.ok());
      std::unique_ptr<VectorIndex> index = std::move(made).value();
      std::mt19937 rng(17);
      std::vector<float> values;
      std::vector<uint32_t> slots;
      RandomRows(rng, kLinked, kDims, &values, &slots);
      ASSERT_TRUE(index->SetBatch(slots, values.data()).ok());
      WaitDrained(*index);
      index->PauseBackgroundWork();
      // Twins of slots 0..kTwins-1 at kLinked.., held in the buffer.
      std::vector<uint32_t> twin_slots;
      for (uint32_t i = 0; i < kTwins; ++i) twin_slots.push_back(kLinked + i);
      ASSERT_TRUE(index->SetBatch(twin_slots, values.data()).ok());
      ASSERT_EQ(index->Unindexed(), kTwins);
      size_t pairs = 0;
      for (int qi = 0; qi < 20; ++qi) {
        const std::vector<float> q = Random(rng, kDims);
        for (uint32_t i = 0; i < kTwins; ++i) {
          const uint32_t both[] = {i, kLinked + i};
          const std::vector<Hit> hits = index->SearchSlots(q.data(), 2, both);
          ASSERT_EQ(hits.size(), 2u) << what;
          EXPECT_EQ(hits[0].score, hits[1].score) << what << ", slot " << i;
          EXPECT_EQ(hits[0].slot, i) << what << ": equal scores come back by slot";
        }
        SearchParams params;
        params.ef = 400;  // the walk sees every node
        const std::vector<Hit> top = index->Search(q.data(), 40, params);
        std::map<uint32_t, float> score_of;
        for (const Hit& h : top) score_of[h.slot] = h.score;
        for (uint32_t i = 0; i < kTwins; ++i) {
          const auto a = score_of.find(i), b = score_of.find(kLinked + i);
          if (a == score_of.end() || b == score_of.end()) continue;
          ++pairs;
          EXPECT_EQ(a->second, b->second) << what << ", slot " << i << " in Search";
        }
      }
      EXPECT_GT(pairs, 0u) << what;
      index->ResumeBackgroundWork();
    }
  }
}

}  // namespace
}  // namespace semble::index
