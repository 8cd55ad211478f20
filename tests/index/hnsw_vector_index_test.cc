// Copyright 2026 The semble Authors.
//
// The hnsw VectorIndex with its background graph build: every vector is found from the moment Set
// returns (the buffer is scanned exactly), replaced and cleared vectors never come back, and the
// backlog drains.

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <thread>

#include "index/vector_index.h"

namespace semble::index {
namespace {

std::vector<float> Random(std::mt19937& rng, uint32_t dims) {
  std::normal_distribution<float> d(0, 1);
  std::vector<float> v(dims);
  for (float& x : v) x = d(rng);
  return v;
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
      // Each vector of the batch, queried right away, is its own nearest neighbour.
      for (uint32_t s = slot - 99; s <= slot; s += 33) {
        auto hits = index->Search(data[s].data(), 1, SearchParams{});
        ASSERT_EQ(hits.size(), 1u);
        EXPECT_EQ(hits[0].slot, s);
        EXPECT_FLOAT_EQ(hits[0].score, 0.0f);
        ASSERT_NE(index->Get(s), nullptr);
        EXPECT_EQ(index->Get(s)[0], data[s][0]);
      }
    }
  }
  EXPECT_EQ(index->size(), 3000u);
  WaitDrained(*index);
  EXPECT_EQ(index->size(), 3000u);
  for (uint32_t s = 0; s < 3000; s += 97) {
    auto hits = index->Search(data[s].data(), 1, SearchParams{});
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].slot, s);
  }
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
    const float* v = index->Get(s);
    if (s % 2 == 0) {
      EXPECT_EQ(v, nullptr) << s;
      auto hits = index->Search(data[s].data(), 1, SearchParams{});
      ASSERT_EQ(hits.size(), 1u);
      EXPECT_NE(hits[0].slot, s);
      continue;
    }
    const std::vector<float>& want = s % 4 == 1 ? replaced[s] : data[s];
    ASSERT_NE(v, nullptr) << s;
    EXPECT_TRUE(std::equal(want.begin(), want.end(), v)) << s;
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
  // Two reader threads check self-retrieval while the builder drains the buffer.
  std::atomic<int> misses{0};
  auto reader = [&](uint32_t start) {
    for (uint32_t s = start; s < 4000; s += 7) {
      auto hits = index->Search(data[s].data(), 1, SearchParams{});
      if (hits.empty() || hits[0].slot != s) ++misses;
    }
  };
  std::thread a(reader, 0), b(reader, 3);
  a.join();
  b.join();
  EXPECT_EQ(misses.load(), 0);
  WaitDrained(*index);
  // A serialized graph round-trips into a fresh index.
  const std::string blob = index->Serialize();
  auto copy = MakeIndex(kDims, 0);
  ASSERT_TRUE(copy->Load(blob).ok());
  EXPECT_EQ(copy->size(), 4000u);
  EXPECT_EQ(copy->Unindexed(), 0u);
}

}  // namespace
}  // namespace semble::index
