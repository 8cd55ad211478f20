// Copyright 2026 The semble Authors.
//
// Reachability: every live vector must be found by a search for itself once ef covers the whole
// index. Random vectors rarely break it; tightly clustered ones (sentence embeddings, near and
// exact duplicates) make HNSW's neighbour heuristic prune the only in-edges of new nodes, and
// parallel inserts make lists lose entries to concurrent rewrites. These tests build the way the
// background builder does (batches of 512 over many threads) on such data. Real sentence embeddings
// are exercised in tests/db/hnsw_reachability_test.cc.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "index/hnsw_index.h"
#include "index/hnsw_test_util.h"
#include "index/vector_index.h"

namespace semble::index {
namespace {

using testing::MakeIndex;

constexpr size_t kBatch = 512;  // the background builder's batch
constexpr int kThreads = 8;     // more threads than cores: more interleavings per run

// A few tight Gaussian clusters (members at cosine ~0.97 of each other), plus near-duplicates
// (a member plus noise 1000x smaller) and exact duplicates of earlier vectors.
std::vector<float> TightClusters(size_t n, uint32_t dims, size_t clusters, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> centers(clusters * dims);
  for (float& c : centers) c = normal(rng);
  std::vector<float> v(n * dims);
  const float spread = 0.2f;
  for (size_t i = 0; i < n; ++i) {
    float* out = &v[i * dims];
    const uint64_t kind = rng() % 100;
    if (i > 0 && kind < 15) {  // near-duplicate
      const float* src = &v[(rng() % i) * dims];
      for (uint32_t j = 0; j < dims; ++j) out[j] = src[j] + 1e-3f * spread * normal(rng);
    } else if (i > 0 && kind < 20) {  // exact duplicate
      std::memcpy(out, &v[(rng() % i) * dims], dims * sizeof(float));
    } else {
      const float* c = &centers[(rng() % clusters) * dims];
      for (uint32_t j = 0; j < dims; ++j) out[j] = c[j] + spread * normal(rng);
    }
  }
  return v;
}

// Adds slots[i] = values[i] in batches of kBatch, each over kThreads threads, as the builder does.
void AddInBatches(HnswIndex* index, const std::vector<uint32_t>& slots, const float* values,
                  uint32_t dims) {
  for (size_t i = 0; i < slots.size(); i += kBatch) {
    const size_t n = std::min(kBatch, slots.size() - i);
    ASSERT_TRUE(index->AddBatch(std::span(slots).subspan(i, n), values + i * dims, kThreads).ok());
  }
}

// The live slots a search for their own vector does not return at ef >= size() (every node a walk
// from the entry point can reach is then a candidate). Among the 100 best: (near-)duplicates tie in
// float.
std::vector<uint32_t> NotFoundBySelfQuery(const HnswIndex& index,
                                          const std::vector<uint32_t>& slots,
                                          const std::vector<float>& values, uint32_t dims) {
  const uint32_t ef = static_cast<uint32_t>(index.size() + 1);
  std::vector<uint32_t> lost;
  for (size_t i = 0; i < slots.size(); ++i) {
    const auto hits = index.Search(&values[i * dims], 100, ef);
    const bool found =
        std::any_of(hits.begin(), hits.end(), [&](const Hit& h) { return h.slot == slots[i]; });
    if (!found) lost.push_back(slots[i]);
  }
  return lost;
}

std::string Show(const std::vector<uint32_t>& slots) {
  std::string s = std::to_string(slots.size()) + " slots:";
  for (size_t i = 0; i < slots.size() && i < 20; ++i) s += " " + std::to_string(slots[i]);
  return s;
}

TEST(HnswConnectivityTest, ParallelBatchesOfTightClustersReachEveryNode) {
  const uint32_t dims = 96;
  const size_t n = 4000;
  for (uint64_t seed : {1, 2}) {
    const std::vector<float> v = TightClusters(n, dims, 4, seed);
    auto index = MakeIndex(dims, Metric::kCosine, QuantizerKind::kNone);
    std::vector<uint32_t> slots(n);
    std::iota(slots.begin(), slots.end(), 0);
    AddInBatches(index.get(), slots, v.data(), dims);
    ASSERT_EQ(index->size(), n);
    EXPECT_EQ(index->CheckConnectivity(), std::vector<uint32_t>{}) << "seed " << seed;
    const auto lost = NotFoundBySelfQuery(*index, slots, v, dims);
    EXPECT_TRUE(lost.empty()) << "seed " << seed << ": " << Show(lost);
  }
}

TEST(HnswConnectivityTest, RemoveAndReAddRoundsKeepEveryNodeReachable) {
  const uint32_t dims = 64;
  const size_t n = 3000;
  // Values to cycle through: each round moves a fifth of the slots to another vector of the pool
  // (an upsert: tombstone + new node), and deletes and re-adds another tenth; tombstones pass the
  // consolidation threshold, so repairs run between rounds.
  const std::vector<float> pool = TightClusters(2 * n, dims, 3, 7);
  auto index = MakeIndex(dims, Metric::kCosine, QuantizerKind::kNone);
  std::vector<uint32_t> slots(n);
  std::iota(slots.begin(), slots.end(), 0);
  std::vector<uint32_t> source(n);  // slot -> row of pool it holds
  std::iota(source.begin(), source.end(), 0);
  std::vector<float> values(pool.begin(), pool.begin() + n * dims);
  AddInBatches(index.get(), slots, values.data(), dims);
  std::mt19937_64 rng(11);
  for (int round = 0; round < 4; ++round) {
    std::vector<uint32_t> order = slots;
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<uint32_t> changed(order.begin(), order.begin() + n / 5);
    std::vector<uint32_t> removed(order.begin() + n / 5, order.begin() + n / 5 + n / 10);
    for (uint32_t s : removed) ASSERT_TRUE(index->Remove(s));
    std::vector<uint32_t> batch = changed;
    batch.insert(batch.end(), removed.begin(), removed.end());
    std::vector<float> batch_values(batch.size() * dims);
    for (size_t i = 0; i < batch.size(); ++i) {
      if (i < changed.size()) source[batch[i]] = static_cast<uint32_t>(rng() % (2 * n));
      std::memcpy(&batch_values[i * dims], &pool[source[batch[i]] * dims], dims * sizeof(float));
      std::memcpy(&values[batch[i] * dims], &batch_values[i * dims], dims * sizeof(float));
    }
    AddInBatches(index.get(), batch, batch_values.data(), dims);
    ASSERT_EQ(index->size(), n);
    EXPECT_EQ(index->CheckConnectivity(), std::vector<uint32_t>{}) << "round " << round;
    const auto lost = NotFoundBySelfQuery(*index, slots, values, dims);
    ASSERT_TRUE(lost.empty()) << "round " << round << ": " << Show(lost);
  }
  index->Consolidate();
  EXPECT_EQ(index->CheckConnectivity(), std::vector<uint32_t>{});
  EXPECT_TRUE(NotFoundBySelfQuery(*index, slots, values, dims).empty());
}

// A graph whose blob is edited by hand to cut every layer-0 in-edge of a few nodes, and to make
// two nodes link only to each other: what a graph written before reachability was kept may hold.
struct CutGraph {
  static constexpr uint32_t kDims = 32;
  static constexpr size_t kN = 2000;
  std::vector<float> v = TightClusters(kN, kDims, 5, 3);
  std::vector<uint32_t> slots = std::vector<uint32_t>(kN);
  std::string blob;
  std::vector<uint32_t> cut_slots;

  CutGraph() {
    auto index = MakeIndex(kDims, Metric::kCosine, QuantizerKind::kNone, 8, 64);
    std::iota(slots.begin(), slots.end(), 0);
    EXPECT_TRUE(index->AddBatch(slots, v.data(), 1).ok());
    blob = index->Serialize();
    // Layout (hnsw_serialize.cc): 44 bytes of options, u32 nodes, u64 entry, u32 record words,
    // then per node u8 state, u8 level, u32 slot, then the layer-0 records [count][2M links][code].
    uint32_t nodes, record_words;
    uint64_t entry;
    std::memcpy(&nodes, &blob[44], 4);
    std::memcpy(&entry, &blob[48], 8);
    std::memcpy(&record_words, &blob[56], 4);
    EXPECT_EQ(nodes, kN);
    const size_t levels_at = 60 + nodes, slots_at = 60 + 2 * nodes, records_at = 60 + 6 * nodes;
    auto record = [&](uint32_t node) -> uint32_t* {
      return reinterpret_cast<uint32_t*>(&blob[records_at + size_t{node} * record_words * 4]);
    };
    for (uint32_t x = 1; x < nodes && cut_slots.size() < 5; x += 97) {
      if (blob[levels_at + x] != 0 || x == static_cast<uint32_t>(entry)) continue;
      for (uint32_t u = 0; u < nodes; ++u) {
        uint32_t* rec = record(u);
        uint32_t* end = std::remove(rec + 1, rec + 1 + rec[0], x);
        rec[0] = static_cast<uint32_t>(end - (rec + 1));
      }
      uint32_t slot;
      std::memcpy(&slot, &blob[slots_at + size_t{x} * 4], 4);
      cut_slots.push_back(slot);
    }
    EXPECT_EQ(cut_slots.size(), 5u);
    uint32_t pocket[2] = {0, 0};
    for (uint32_t x = 3, found = 0; x < nodes && found < 2; x += 89) {
      if (blob[levels_at + x] != 0 || x == static_cast<uint32_t>(entry) || record(x)[0] == 0)
        continue;
      pocket[found++] = x;
    }
    EXPECT_NE(pocket[0], pocket[1]);
    for (int i = 0; i < 2; ++i) {
      record(pocket[i])[0] = 1;
      record(pocket[i])[1] = pocket[1 - i];
    }
  }

  // Whether a search for the vector of each cut-off slot at ef > size() finds it.
  bool CutSlotsFound(const HnswIndex& index) const {
    for (uint32_t s : cut_slots) {
      const auto hits = index.Search(&v[s * kDims], 10, static_cast<uint32_t>(kN + 1));
      if (!std::any_of(hits.begin(), hits.end(), [&](const Hit& h) { return h.slot == s; })) {
        return false;
      }
    }
    return true;
  }

  // What a repaired graph satisfies: every node reachable, each cut-off slot found again, and
  // every vector found by a search for itself.
  void ExpectRepaired(const HnswIndex& index) const {
    EXPECT_EQ(index.CheckConnectivity(), std::vector<uint32_t>{});
    EXPECT_TRUE(CutSlotsFound(index));
    EXPECT_TRUE(NotFoundBySelfQuery(index, slots, v, kDims).empty());
  }
};

// A graph of more nodes than the loader checks on one thread (kParallelCheckNodes, 65,536): the
// lists are checked and the in-degrees counted over node ranges in parallel. The counts must be
// the lists' (computed here from the blob's bytes), and a damaged list anywhere is Corruption; with
// damage in several ranges, the problem reported is the first node's.
TEST(HnswConnectivityTest, LoadingALargeGraphCountsInDegreesAndFindsDamageInEveryRange) {
  constexpr uint32_t kNodes = 70000, kDims = 4;
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(size_t{kNodes} * kDims);
  for (float& x : v) x = normal(rng);
  std::vector<uint32_t> slots(kNodes);
  std::iota(slots.begin(), slots.end(), 0);
  auto index = MakeIndex(kDims, Metric::kEuclidean, QuantizerKind::kNone, 4, 16);
  ASSERT_TRUE(index->AddBatch(slots, v.data(), 2).ok());
  const std::string blob = index->Serialize();
  // Layout (hnsw_serialize.cc), as CutGraph reads it.
  uint32_t nodes, record_words;
  std::memcpy(&nodes, &blob[44], 4);
  std::memcpy(&record_words, &blob[56], 4);
  ASSERT_EQ(nodes, kNodes);
  const size_t records_at = 60 + 6 * size_t{nodes};
  auto word = [&](const std::string& b, uint32_t node, uint32_t i) {
    uint32_t w;
    std::memcpy(&w, &b[records_at + (size_t{node} * record_words + i) * 4], 4);
    return w;
  };
  std::vector<uint32_t> want(nodes, 0);
  for (uint32_t u = 0; u < nodes; ++u) {
    ASSERT_EQ(blob[60 + u], 1) << "node " << u << " is not live";
    for (uint32_t j = 1; j <= word(blob, u, 0); ++j) ++want[word(blob, u, j)];
  }
  auto loaded = HnswIndex::Deserialize(blob, /*reconnect=*/false);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->InDegreesForTest(), want);
  EXPECT_EQ((*loaded)->Serialize(), blob);

  auto set = [&](std::string* b, uint32_t node, uint32_t i, uint32_t value) {
    std::memcpy(&(*b)[records_at + (size_t{node} * record_words + i) * 4], &value, 4);
  };
  auto expect_corruption = [&](const std::string& b, const std::string& what,
                               const std::string& why) {
    auto r = HnswIndex::Deserialize(b, /*reconnect=*/false);
    ASSERT_FALSE(r.ok()) << why;
    EXPECT_TRUE(r.status().IsCorruption()) << why;
    EXPECT_NE(r.status().message().find(what), std::string::npos)
        << why << ": " << r.status().ToString();
  };
  // One damaged list at the start, the middle and the end of the node range.
  for (uint32_t node : {0u, nodes / 2 - 1, nodes / 2 + 1, nodes - 1}) {
    ASSERT_GT(word(blob, node, 0), 0u);
    std::string bad = blob;
    set(&bad, node, 1, nodes + 7);
    expect_corruption(bad, "bad link", "a target past the graph at node " + std::to_string(node));
    bad = blob;
    set(&bad, node, 0, 2 * 4 + 1);
    expect_corruption(bad, "link count too large", "a count past M0 at node " +
                                                        std::to_string(node));
  }
  // Damage in the first and the last node: the first node's is reported.
  std::string bad = blob;
  set(&bad, 0, 0, 2 * 4 + 1);
  set(&bad, nodes - 1, 1, nodes + 7);
  expect_corruption(bad, "link count too large", "damage at both ends");
  bad = blob;
  set(&bad, 0, 1, nodes + 7);
  set(&bad, nodes - 1, 0, 2 * 4 + 1);
  expect_corruption(bad, "bad link", "damage at both ends, the other way round");
}

// Loading such a graph re-links the cut-off nodes.
TEST(HnswConnectivityTest, LoadingAGraphWithCutOffNodesReconnectsThem) {
  const CutGraph cut;
  auto loaded = HnswIndex::Deserialize(cut.blob);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  // Each cut-off node, and the pocket once (the other half walks out through the first).
  EXPECT_GE((*loaded)->relinked_nodes(), 6u);
  cut.ExpectRepaired(**loaded);
}

// Loaded without the repair (the database's open leaves it to the builder thread), the graph is
// exactly as written, and a later Reconnect repairs it as loading with the repair would have.
TEST(HnswConnectivityTest, LoadingWithoutTheRepairLeavesItToReconnect) {
  const CutGraph cut;
  auto loaded = HnswIndex::Deserialize(cut.blob, /*reconnect=*/false);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->relinked_nodes(), 0u);
  EXPECT_FALSE((*loaded)->CheckConnectivity().empty());
  EXPECT_EQ((*loaded)->Serialize(), cut.blob);  // nothing changed on the way in
  EXPECT_GE((*loaded)->Reconnect(), 6u);
  cut.ExpectRepaired(**loaded);
}

// The database's index type loads a graph without the repair and has its builder thread run it:
// the cut-off nodes are found again without any write to the index.
TEST(HnswConnectivityTest, TheBuilderRepairsALoadedGraph) {
  const CutGraph cut;
  auto spec = ParseIndexSpec("hnsw,m=8,efc=64", CutGraph::kDims, Metric::kCosine);
  ASSERT_TRUE(spec.ok());
  auto index = NewVectorIndex(*spec, /*exact_below=*/0);  // always the graph, never a scan
  ASSERT_TRUE(index.ok());
  ASSERT_TRUE((*index)->Load(cut.blob).ok());
  auto all_found = [&] {
    for (uint32_t s : cut.cut_slots) {
      SearchParams params;
      params.ef = static_cast<uint32_t>(CutGraph::kN + 1);
      const auto hits = (*index)->Search(&cut.v[s * CutGraph::kDims], 10, params);
      if (!std::any_of(hits.begin(), hits.end(), [&](const Hit& h) { return h.slot == s; })) {
        return false;
      }
    }
    return true;
  };
  // Not a timing test: the repair runs on another thread, so wait for its effect (a minute is
  // far beyond what two walks over 2,000 nodes take even on a loaded machine).
  for (int i = 0; i < 6000 && !all_found(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(all_found());
}

}  // namespace
}  // namespace semble::index
