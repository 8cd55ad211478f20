// Copyright 2026 The semble Authors.
//
// Graph blobs (index/hnsw_index.h HnswIndex::Deserialize), as a checkpoint segment carries them.
// The segment's checksums stop a damaged disk before the graph sees its bytes; what the decoder
// must stand on its own is a blob that passes them: a foreign or hostile file, or a writer's bug.
// It must fail with Corruption, never crash or read out of range, whole or handed over in pieces;
// a graph it loads must answer exact and graph searches, take a write and a removal, and write a
// blob that loads again with the same number of vectors.
//
// Seeds: corpus/graph, written by fuzz_make_storage_corpus (every storage shape: float32, sq8,
// bq, lower-bound codes; tombstones; several layers).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "index/hnsw_index.h"

using namespace semble;  // NOLINT: a test's brevity

namespace {

void Exercise(index::HnswIndex* g) {
  const uint32_t dims = g->dimensions();
  FUZZ_CHECK(dims > 0, "a graph of 0 dimensions loaded");
  // Loaded dimensions are bounded by the blob's own size only through the vectors it holds; a
  // query of an absurd width would be the harness's allocation, not the decoder's.
  if (dims > (1u << 16)) return;
  std::vector<float> q(dims);
  for (uint32_t i = 0; i < dims; ++i) q[i] = 0.25f + 0.5f * static_cast<float>(i % 3);
  const size_t live = g->size();
  (void)g->Search(q.data(), 5);
  (void)g->SearchExact(q.data(), 5);
  const auto hits = g->Search(q.data(), 3, 16);
  FUZZ_CHECK(hits.size() <= live, "%zu hits from %zu live vectors", hits.size(), live);
  // A write into the loaded arrays and a removal (repair reads every list it touches).
  uint32_t fresh = 0;
  while (g->Contains(fresh) && fresh < 1000) ++fresh;
  if (g->Add(fresh, q.data()).ok()) {
    FUZZ_CHECK(g->Contains(fresh), "slot %u added but not contained", fresh);
    FUZZ_CHECK(g->Remove(fresh), "slot %u added but not removable", fresh);
  }
  (void)g->Search(q.data(), 5);
  const std::string again = g->Serialize();
  auto reloaded = index::HnswIndex::Deserialize(again);
  FUZZ_CHECK(reloaded.ok(), "a loaded graph wrote a blob that does not load: %s",
             reloaded.status().ToString().c_str());
  FUZZ_CHECK((*reloaded)->size() == g->size(), "%zu vectors reloaded, %zu written",
             (*reloaded)->size(), g->size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view blob(reinterpret_cast<const char*>(data), size);
  auto whole = index::HnswIndex::Deserialize(blob);
  if (!whole.ok()) {
    FUZZ_CHECK(whole.status().IsCorruption(), "not Corruption: %s",
               whole.status().ToString().c_str());
  }
  // The same bytes in pieces of 61 (a prime, so pieces straddle every field), without the repair
  // walks: the piecewise reader keeps its own bounds, and must take and refuse the same blobs.
  size_t at = 0;
  auto pieces = index::HnswIndex::Deserialize(
      size,
      [&]() -> Result<std::string_view> {
        const size_t n = std::min<size_t>(61, size - at);
        const std::string_view piece = blob.substr(at, n);
        at += n;
        return piece;
      },
      /*reconnect=*/false);
  FUZZ_CHECK(pieces.ok() == whole.ok(), "whole: %s; in pieces: %s",
             whole.status().ToString().c_str(), pieces.status().ToString().c_str());
  if (whole.ok()) {
    FUZZ_CHECK((*pieces)->size() == (*whole)->size(), "%zu vectors whole, %zu in pieces",
               (*whole)->size(), (*pieces)->size());
    Exercise(whole->get());
    Exercise(pieces->get());
  }
  return 0;
}
