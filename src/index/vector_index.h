// Copyright 2026 The semble Authors.
//
// VectorIndex: what the database needs from a vector index, whatever its kind. The kind is chosen
// once, from an index type string ("flat", "hnsw", "hnsw,sq8", ... see index_factory.h), by
// NewVectorIndex; the database never branches on it.
//
// Slots are the database's dense record numbers. Thread safety: const methods may run concurrently
// with each other; Set/SetBatch/Clear/Load need exclusive access (the database holds its state lock
// in write mode around them).

#ifndef SEMBLE_SRC_INDEX_VECTOR_INDEX_H_
#define SEMBLE_SRC_INDEX_VECTOR_INDEX_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/blob_mapper.h"
#include "core/huge_array.h"
#include "index/hit.h"
#include "index/index_factory.h"
#include "semble/status.h"

namespace semble::index {

// Per-query knobs of approximate indexes; exact indexes ignore them.
struct SearchParams {
  uint32_t ef = 0;                // 0: the index's default (or the one `recall` asks for)
  std::optional<float> recall;    // a recall@k target in (0, 1]; picks ef from calibration
};

class VectorIndex {
 public:
  virtual ~VectorIndex() = default;

  // The canonical type string ("flat", "hnsw,m=16,efc=200,ef=64,sq8").
  virtual std::string TypeString() const = 0;

  // Stores `values` (dimensions floats, validated by the caller) at slot, replacing what was there.
  virtual Status Set(uint32_t slot, const float* values) = 0;
  // Stores many (values: dimensions floats per slot, in order); slots distinct and not live.
  virtual Status SetBatch(std::span<const uint32_t> slots, const float* values) = 0;
  virtual void Clear(uint32_t slot) = 0;
  // Makes room for slots [0, slots) ahead of many Sets (recovery knows the record count), so that
  // storage grows once instead of by repeated copies. Changes no contents; a hint only.
  virtual void Reserve(uint32_t /*slots*/) {}
  // Live vectors.
  virtual size_t size() const = 0;
  // Copies the stored values of `slot` (dimensions floats) into out and returns true if the slot
  // is live; returns false and leaves out alone otherwise. A copy rather than a pointer: an
  // approximate index moves vectors from its write buffer into its graph in the background and
  // frees the buffer once it is empty (the memory of a bulk load), so a pointer into it could
  // dangle with no write to the index at all.
  virtual bool Read(uint32_t slot, float* out) const = 0;
  // Whether Read(slot) would find a vector, without copying it (a million-record open asks once
  // per record, and the copy is a cache miss per line of the vector).
  virtual bool Holds(uint32_t slot) const = 0;

  // The k nearest live slots, closest first, with exact scores in the metric's convention.
  virtual std::vector<Hit> Search(const float* query, size_t k, const SearchParams& params) const = 0;
  // Exact search over these live slots.
  virtual std::vector<Hit> SearchSlots(const float* query, size_t k,
                                       std::span<const uint32_t> slots) const = 0;
  // The k nearest live slots that pass `allow`. `pass_rate` is the caller's estimate of the
  // fraction of live vectors that pass (1: unknown); with it a graph walk may keep a shorter list
  // when few pass and the matches it meets are scattered (HnswIndex::SearchFiltered).
  virtual std::vector<Hit> SearchFiltered(const float* query, size_t k, const SearchParams& params,
                                          const std::function<bool(uint32_t)>& allow,
                                          double pass_rate) const = 0;
  // Whether a filter that about `matching` live vectors pass is better answered by listing them
  // (checking the filter on each of `candidates`: the metadata indexes' superset, or every vector;
  // 0 when they are listed without reading any record: the indexes answered the filter exactly)
  // and scoring them exactly (SearchSlots) than by SearchFiltered with the same k and params.
  virtual bool PreferExactForFilter(size_t matching, size_t candidates, size_t k,
                                    const SearchParams& params) const = 0;
  // The plan PreferExactForFilter was asked about (with the same arguments) ran in `micros`,
  // the listing included: an index whose choice rests on a cost model learns this machine's
  // costs from it. Default: nothing to learn.
  virtual void ObserveFilterPlan(bool /*exact*/, size_t /*matching*/, size_t /*candidates*/,
                                 size_t /*k*/, const SearchParams& /*params*/,
                                 double /*micros*/) const {}

  // Live vectors stored but not yet in the search structure proper (an approximate index builds
  // in the background and scans these exactly meanwhile). 0 when there is no such backlog.
  virtual size_t Unindexed() const { return 0; }
  // Blocks the caller while the backlog above holds more than `max_bytes` of vectors (Unindexed()
  // x dimensions x 4), until it holds at most that or the background work has nothing left it
  // can do; returns whether it waited. Writers call it before they write, holding no lock, so a
  // builder that falls behind slows acknowledged writes down instead of letting its backlog
  // (memory, and an exact scan in every query) grow without bound. No-op without background work.
  virtual bool WaitForBacklogAtMost(uint64_t /*max_bytes*/) const { return false; }
  // Holds back background indexing (the graph builder) until ResumeBackgroundWork; writes still
  // land and are searchable (exactly) meanwhile. Recovery holds it while it replays the log, so
  // that replay never waits for graph linking: the index serves as soon as the log is read and
  // links the backlog afterwards. Calls nest. No-ops for indexes without background work.
  virtual void PauseBackgroundWork() {}
  virtual void ResumeBackgroundWork() {}
  // Bytes per live vector held in memory by the index (vectors, graph, codes).
  virtual double MemoryBytesPerVector() const = 0;
  // The recall calibration in use: (ef, recall@10) steps and the number of real queries it was
  // measured on (HnswIndex::EfForRecall). Empty steps for exact indexes and before first use.
  virtual void RecallCalibration(std::vector<std::pair<uint32_t, float>>* steps,
                                 size_t* real_queries) const {
    steps->clear();
    *real_queries = 0;
  }

  // Replaces the contents of an empty index with live.size() rows of dimensions floats in slot
  // order (a checkpoint's vectors section, possibly pages of its file: core::HugeArray::MapFile),
  // the slots with live[slot] != 0 live; the other rows are zero. An index that keeps its vectors
  // in one such arena (flat) takes the rows as they are, without a copy; the default Sets each
  // live row.
  virtual Status AdoptRows(core::HugeArray<float>&& rows, std::span<const uint8_t> live);
  // Rows [first, first + n) of what AdoptRows will be given next, in order, each seen once while
  // the caller has them in cache: an index derives what it keeps beside them here (a flat
  // index's cosine norms) rather than in a second pass over memory. A hint; AdoptRows must work
  // without it.
  virtual void ObserveRows(const float* /*rows*/, size_t /*first*/, size_t /*n*/) {}
  // Whether `rows` (count rows in slot order, e.g. a checkpoint's vectors section just written and
  // mapped) holds exactly the index's values for every live slot, and the index keeps its vectors
  // in one such arena that SwapRows could replace. False by default. Reads only.
  virtual bool SameRows(const core::HugeArray<float>& /*rows*/, size_t /*count*/) const {
    return false;
  }
  // Replaces the index's arena with `rows`, which SameRows accepted with nothing written since.
  virtual void SwapRows(core::HugeArray<float>&& /*rows*/, size_t /*count*/) {}

  // The part of the index worth persisting in a checkpoint, beyond the records themselves (the
  // graph of an approximate index); "" when the index is rebuilt from records on load.
  virtual std::string Serialize() const = 0;
  // Serialize, and which of slots [0, slots) have their vector in the blob as of that moment
  // ((*in_blob)[slot] = 1): a Load of the blob gives Read() those vectors back bit for bit, so a
  // checkpoint need not store them a second time. Default: Serialize() and none.
  // With `arrays`, also where the blob's large arrays lie in it ((offset, bytes) spans in order,
  // see HnswIndex::Serialize; none by default), for the checkpoint to store them mappable.
  virtual std::string SerializeHolding(
      size_t slots, std::vector<uint8_t>* in_blob,
      std::vector<std::pair<uint64_t, uint64_t>>* arrays = nullptr) const {
    in_blob->assign(slots, 0);
    if (arrays != nullptr) arrays->clear();
    return Serialize();
  }
  // Replaces the index's contents with a Serialize() blob. Corruption on a bad blob.
  virtual Status Load(std::string_view blob) = 0;
  // The same for a blob of `bytes` bytes handed over in pieces: `next` returns each in turn
  // (valid until the following call), or the error that stops the load (a damaged piece of a
  // checkpoint), which Load returns as it is. An index that copies the blob into arrays of its
  // own overrides this to copy each piece straight there; the default joins the pieces first.
  // `map`, when given, offers the blob's large arrays as pages of the source's file
  // (core::BlobMapper); an index that ignores it reads them through `next`.
  virtual Status LoadPieces(uint64_t bytes, const std::function<Result<std::string_view>()>& next,
                            const core::BlobMapper& map = nullptr);
};

// An approximate index answers exactly while it holds fewer than `exact_below` vectors (a scan is
// then as fast as the graph); 0 = always approximate.
Result<std::unique_ptr<VectorIndex>> NewVectorIndex(const IndexSpec& spec, uint32_t exact_below);

}  // namespace semble::index

#endif  // SEMBLE_SRC_INDEX_VECTOR_INDEX_H_
