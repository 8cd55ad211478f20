// Copyright 2026 The semble Authors.
//
// FlatIndex: exact nearest-neighbour search over vectors stored by slot in one contiguous arena.
//
// The database gives every live record a slot (a dense uint32 it reuses after deletes); the index
// keeps the record's float32 values at that slot exactly as written (so they can be returned),
// plus, for cosine, the inverse norm of each vector so that no normalised copy is needed. Scores
// follow Vectorize's conventions (see Metric in semble/options.h).
//
// Thread safety: const methods may run concurrently with each other; Set/Clear/Reserve need
// exclusive access (the database holds its index lock in write mode around them).

#ifndef SEMBLE_SRC_INDEX_FLAT_INDEX_H_
#define SEMBLE_SRC_INDEX_FLAT_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/huge_array.h"
#include "index/hit.h"
#include "semble/options.h"

namespace semble::index {

class FlatIndex {
 public:
  FlatIndex(uint32_t dimensions, Metric metric);

  uint32_t dimensions() const { return dims_; }
  Metric metric() const { return metric_; }

  // Stores `values` (dimensions floats) at slot, growing the arena as needed, and marks it live.
  void Set(uint32_t slot, const float* values);
  // Marks slot empty; it is no longer returned by searches.
  void Clear(uint32_t slot);
  // Makes room for slots [0, slots) so that the Sets that follow (a bulk load, recovery) do not
  // reallocate the arena. Only capacity changes; no slot becomes live.
  void Reserve(uint32_t slots);
  // Replaces the contents with `rows` (live.size() rows, slot-major; e.g. a checkpoint's vectors
  // mapped from its file), the slots with live[slot] != 0 live. Rows of slots that are not live
  // must be zero (a later Set of such a slot assumes so), as a checkpoint writes them.
  void Adopt(core::HugeArray<float>&& rows, std::span<const uint8_t> live);
  // Computes the cosine norms of rows [first, first + n) of what Adopt is given next (rows, from
  // row `first` on), ahead of it; calls in row order from 0. Adopt uses them if they cover every
  // row, and computes its own otherwise.
  void PrepareNorms(const float* rows, size_t first, size_t n);
  // Whether `rows` (count rows, slot-major) holds this index's values, bit for bit, for every
  // live slot, and covers every slot in use (count >= one past the highest).
  bool SameRows(const core::HugeArray<float>& rows, size_t count) const;
  // Makes `rows` the arena (after SameRows said yes and nothing changed since): the values stay
  // the same; the memory holding them changes (a checkpoint's pages instead of the arena's own).
  void SwapRows(core::HugeArray<float>&& rows, size_t count);
  bool IsLive(uint32_t slot) const { return slot < live_.size() && live_[slot]; }
  // The stored values of a live slot.
  const float* Get(uint32_t slot) const { return &data_[static_cast<size_t>(slot) * dims_]; }
  size_t live_count() const { return live_count_; }

  // Scores one stored vector against a query (dimensions floats).
  float Score(const float* query, uint32_t slot) const;

  // The k live slots closest to query, closest first; ties broken by smaller slot. For cosine a
  // zero query gives score 0 for every vector (callers reject it before asking).
  std::vector<Hit> Search(const float* query, size_t k) const;
  // Like Search, over the given slots only (each must be live; duplicates are not allowed).
  std::vector<Hit> SearchSlots(const float* query, size_t k, std::span<const uint32_t> slots) const;
  // Search for each of num_queries queries stored one after another (dimensions floats each);
  // result i equals Search(queries + i * dimensions, k) exactly. Reads each cache-sized block of
  // the arena from memory once for all the queries, so it beats separate Search calls once the
  // arena outgrows the cache.
  std::vector<std::vector<Hit>> SearchBatch(const float* queries, size_t num_queries,
                                            size_t k) const;

  // Bytes held by the arena and side tables.
  size_t MemoryBytes() const;

 private:
  struct Scorer;
  struct Calls;

  // SearchBatch for many queries through a matrix product; false when it cannot bound its
  // rounding (then nothing is written to results).
  bool SearchBatchByProduct(const float* queries, size_t num_queries, size_t k,
                            std::vector<std::vector<Hit>>* results) const;

  uint32_t dims_;
  Metric metric_;
  // The arenas grow by moving their pages (core::HugeArray), not by copying into a fresh vector:
  // a bulk load into a flat index spent ~a quarter of its write path's CPU in std::vector's
  // reallocation copies and the page faults of the copies' destination. Both hold
  // capacity_ slots, zero past live_.size().
  core::HugeArray<float> data_;      // slot-major, dims_ floats per slot
  core::HugeArray<float> inv_norm_;  // cosine only: 1/|v|, 0 for a zero vector
  size_t capacity_ = 0;              // slots data_ (and inv_norm_) have room for
  std::vector<uint8_t> live_;
  size_t live_count_ = 0;
  core::HugeArray<float> prepared_norms_;  // PrepareNorms's, for the next Adopt
  size_t prepared_rows_ = 0;
};

}  // namespace semble::index

#endif  // SEMBLE_SRC_INDEX_FLAT_INDEX_H_
