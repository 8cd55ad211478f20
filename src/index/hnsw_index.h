// Copyright 2026 The semble Authors.
//
// HnswIndex: approximate nearest-neighbour search on a Hierarchical Navigable Small World graph
// (Malkov & Yashunin, 2016), with optional quantized traversal, filtered search, deletes without
// recall decay, and a serialized form.
//
// Addressing. Callers name vectors by slot (the database's dense uint32 record number). Inside,
// each inserted vector is a graph *node*; a slot maps to at most one live node. Re-adding a slot
// (upsert) tombstones its old node and inserts a new one, so a node's vector never changes while a
// reader may be looking at it. Tombstoned nodes keep routing searches (they never appear in
// results) until Consolidate() reconnects their in-neighbours to their out-neighbours and frees
// them; that repair runs by itself once tombstones pass a fraction of the graph, so deletes do not
// decay recall.
//
// Vectors. The index keeps its OWN float32 copy of every vector (as written; for cosine also
// 1/|v|). Why not read the database's FlatIndex: FlatIndex::Set may reallocate its arena, so
// reading it would force every insert's graph work (about a millisecond per vector at
// efConstruction 200) to run under the database's exclusive lock, stalling all queries. With its
// own copy the index can take inserts and queries at the same time (see Thread safety), and
// Get(slot) returns the stored values, so a collection that uses HNSW can answer get-by-id and
// exact search from this index alone and drop its FlatIndex (exact search over a slot list:
// SearchSlots).
//
// Metrics and scores (Hit::score as in FlatIndex / semble/options.h):
//   cosine      traversal on -cos(q, v); score = cosine similarity (higher is closer).
//   euclidean   traversal on |q - v|^2; score = |q - v| (lower is closer).
//   dot-product traversal on -(q . v), i.e. maximum inner product search on a graph built with the
//               inner product itself (not a cosine graph in disguise; vector norms matter, as they
//               must for MIPS); score = -(q . v) (lower is closer), as Vectorize defines it.
// Scores returned are always exact float32 scores: with a quantizer, the best candidates found by
// the quantized traversal are rescored on the stored float32 vectors before the top k are chosen
// (sq8: the 4k best of its ef; bq: all of them, and its walk keeps 4x-16x ef candidates because one
// bit per dimension ranks coarsely - more for fewer dimensions).
//
// Quantizers (HnswOptions::quantizer):
//   kNone    float32 vectors in the graph records ("hnsw").
//   kSq8     one byte per dimension, per-dimension ranges clipped at training percentiles, so an
//            outlier does not stretch a dimension's range ("hnsw,sq8").
//   kBinary  one bit per dimension (sign of the value minus the dimension's mean), scored
//            asymmetrically against the float query ("hnsw,bq").
// Quantized modes keep the float32 vectors in a separate array that only rescoring and Get touch;
// MemoryStats tells the two apart. The quantizer is trained on the first vectors added (AddBatch
// trains on its batch when untrained) or explicitly with Train().
// Bound codes (HnswOptions::bound_codes, "hnsw,lb8") are not a quantizer: the walk stays the
// float32 walk, decision for decision, and only skips reading the float32 vectors of candidates a
// code proves too far (src/index/hnsw_bound.h). They train like sq8's codes (over each dimension's
// whole range) and cost one byte per dimension and 4-8 bytes per vector more than "hnsw".
//
// Thread safety. All methods may be called concurrently, with these rules:
//   - Search*, Get, Contains, stats, Serialize: shared; they run alongside Add/AddBatch/Remove.
//   - Add/AddBatch/Remove of DIFFERENT slots may run concurrently with each other and with searches
//     (fine-grained link locks, like hnswlib). Two concurrent writes to the SAME slot are not
//     allowed (the database serializes writes anyway).
//   - Consolidate, growth of the internal arrays, Train (and the quantizer's re-training as the
//     index grows) and Reconnect's repairs take an internal exclusive lock for their (short,
//     amortized) duration; other calls simply wait.
// A search that runs concurrently with an Add may or may not see the new vector.

#ifndef SEMBLE_SRC_INDEX_HNSW_INDEX_H_
#define SEMBLE_SRC_INDEX_HNSW_INDEX_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/blob_mapper.h"
#include "index/flat_index.h"  // Hit
#include "semble/options.h"
#include "semble/status.h"

namespace semble::index {

struct Calibration;  // hnsw_internal.h

enum class QuantizerKind : uint8_t { kNone = 0, kSq8 = 1, kBinary = 2 };

struct HnswOptions {
  uint32_t dimensions = 0;
  Metric metric = Metric::kCosine;
  uint32_t m = 16;                 // links per node on upper layers; 2*m on layer 0
  uint32_t ef_construction = 200;  // candidate list size while inserting
  uint32_t ef_search = 64;         // default candidate list size of a query (>= k is enforced)
  QuantizerKind quantizer = QuantizerKind::kNone;
  // Float32 graph only (quantizer kNone): keep an 8-bit code of each vector beside its links and
  // the float32 vector apart, and let searches and inserts rule out a candidate on a proven lower
  // bound of its distance computed from the code, reading its float32 vector only when the bound
  // cannot rule it out ("hnsw,lb8"). Every decision, so every result, is the float32 walk's; the
  // cost is one byte per dimension (+25%). See hnsw_bound.h.
  bool bound_codes = false;
  // Consolidate() runs by itself when tombstoned nodes exceed this fraction of all nodes.
  float max_tombstone_fraction = 0.1f;
  uint64_t seed = 0x5eb1e;  // level generator; same seed + same single-threaded adds = same graph
};

// Per-vector memory, in bytes, averaged over live vectors (the database shows it in info).
struct HnswMemoryStats {
  double traversal_bytes_per_vector = 0;  // graph links + traversal codes: what queries walk
  double rescoring_bytes_per_vector = 0;  // float32 copy touched only for the final ef candidates
  // Everything the index holds, / live vectors. The node arenas count up to the nodes in use: the
  // rest of their mapping is address space reserved by growth (never touched, so not resident),
  // and counting it made the figure depend on how writes happened to be batched.
  double total_bytes_per_vector = 0;
  size_t total_bytes = 0;
};

// How a filtered query should run; see HnswIndex::PlanFilter.
enum class FilterPlan { kExact, kGraph };

class HnswIndex {
 public:
  // Fails on zero dimensions, m < 2 or m > 64, ef_construction < m.
  static Result<std::unique_ptr<HnswIndex>> Create(const HnswOptions& options);
  ~HnswIndex();
  HnswIndex(const HnswIndex&) = delete;
  HnswIndex& operator=(const HnswIndex&) = delete;

  const HnswOptions& options() const { return opts_; }
  uint32_t dimensions() const { return opts_.dimensions; }
  Metric metric() const { return opts_.metric; }

  // Trains the quantizer on n vectors (dimensions floats each, one after another). A no-op for
  // kNone. Only before the first Add; later it fails (codes already written use the old ranges).
  // The caller then owns the ranges: automatic re-training as the index grows stops.
  Status Train(const float* vectors, size_t n);

  // OK when Add would take `values` (dimensions floats): all finite and, for cosine, a norm that
  // is not zero (nor overflows) in float arithmetic.
  static Status CheckVector(const HnswOptions& options, const float* values);

  // Inserts values (dimensions floats) as `slot`, replacing the slot's previous vector if it has
  // one. Fails (nothing changed) on non-finite values, or, for cosine, a zero vector.
  Status Add(uint32_t slot, const float* values);
  // Adds slots.size() vectors (values: dimensions floats per slot, in order) using `threads`
  // threads (1 = the calling thread only). Duplicated slots in one batch are not allowed. On error,
  // vectors before the failing one may have been added. An untrained quantizer is trained on the
  // batch when it has >= 256 vectors. (Nodes are never renumbered: a breadth-first renumbering
  // after large batches was measured, gained nothing and was removed; bench/RESULTS.md.)
  Status AddBatch(std::span<const uint32_t> slots, const float* values, int threads);
  // Makes room for `nodes` nodes in all and for slots below `slot_limit`, so that adds up to that
  // size do not grow (and so move) the internal arrays: pointers from Get then stay valid while
  // another thread adds. Exclusive while it runs.
  void Reserve(size_t nodes, size_t slot_limit);
  // Nodes in use, live or tombstoned (what Reserve counts against).
  size_t nodes_used() const;
  // Removes slot's vector (tombstone now, graph repair later); false if the slot had none. With
  // `consolidate`, runs Consolidate when tombstones pass max_tombstone_fraction; without, leaves
  // that to the caller (see NeedsConsolidation), e.g. to repair once after many removals.
  bool Remove(uint32_t slot, bool consolidate = true);
  // Whether tombstones exceed max_tombstone_fraction of all nodes.
  bool NeedsConsolidation() const;
  // Reconnects around every tombstoned node and frees it. Exclusive while it runs.
  void Consolidate();

  // Reachability, the invariant behind "a vector is found by a search for itself at ef >= size()":
  // layer 0 is strongly connected - every live node can be reached over layer-0 links from the
  // entry point, and every node can walk back to it (a search's layer-0 walk starts wherever its
  // greedy descent through the upper layers ends). CheckConnectivity returns the slots of live
  // nodes breaking either (empty when it holds); shared, two walks over all layer-0 lists.
  // Reconnect runs the same walks and re-links each node they flag to its nearest well-connected
  // nodes; returns how many it re-linked. Exclusive only while something is repaired.
  // Consolidate and Deserialize (unless asked not to) repair by themselves, and AddBatch through
  // MaybeReconnect: once adds since the last check reach a sixteenth of the graph (always below
  // 8192 nodes), so the check stays a small share of the adds' cost. With `idle` (a builder with
  // nothing queued) MaybeReconnect also checks the remaining adds, at most once per ten times the
  // last check's duration.
  std::vector<uint32_t> CheckConnectivity() const;
  size_t Reconnect();
  size_t MaybeReconnect(bool idle = false);
  // Nodes the repair has re-linked since the index was created or loaded (for benchmarks and
  // tests: how much the local rules while linking leave to it).
  size_t relinked_nodes() const;

  bool Contains(uint32_t slot) const;
  // The stored values of a slot (as given to Add), or nullptr. Valid until the slot is removed or
  // re-added, or Consolidate runs: callers copy it out (the database holds its own lock anyway).
  const float* Get(uint32_t slot) const;
  size_t size() const { return live_.load(std::memory_order_relaxed); }

  // The k closest live vectors, closest first (ties: smaller slot). ef = 0 uses
  // options().ef_search; ef is raised to k. Exact scores, see above.
  std::vector<Hit> Search(const float* query, size_t k, uint32_t ef = 0) const;
  // Filtered traversal: every node is walked through, only nodes whose slot passes `allow` enter
  // the candidate results. Keeps recall when a moderate fraction matches; for very selective
  // filters use the planner (PlanFilter) and SearchSlots instead. `allow` is called from this
  // thread only. `pass_rate` is the caller's estimate of the fraction of live vectors that pass
  // (1: unknown): under 0.3, the walk keeps a shorter list than ef when the matches it meets are
  // scattered among non-matches (FilteredList in hnsw_walk.h), which then costs no recall against
  // an unfiltered walk at ef.
  std::vector<Hit> SearchFiltered(const float* query, size_t k, uint32_t ef,
                                  const std::function<bool(uint32_t)>& allow,
                                  double pass_rate = 1.0) const;
  // Exact search over the given slots (live ones only; duplicates not allowed), closest first.
  // With bound codes (lb8) a vector whose code proves it farther than the k-th found so far is
  // not read: the same hits and scores, bit for bit, as scoring every one.
  std::vector<Hit> SearchSlots(const float* query, size_t k, std::span<const uint32_t> slots) const;
  // The score a search would give each vector were it stored here (out[i] for vectors[i], in
  // the metric's score convention; the same kernel and the same stored norm as a search's exact
  // distance, so bit for bit what the graph returns for it). For vectors held outside the graph
  // (a write buffer) whose results are merged with the graph's: equal vectors then score equal.
  void ScoresAsStored(const float* query, std::span<const float* const> vectors, float* out) const;
  // Exact search over all live vectors (ground truth, tests, tiny indexes); as SearchSlots.
  std::vector<Hit> SearchExact(const float* query, size_t k) const;
  // SearchExact for `count` queries of dimensions() floats each (query i at queries + i *
  // dimensions()), in one pass over the stored vectors: each is read from memory once and scored
  // against every query while it is in the cache; from kProductMinQueries queries on, the
  // candidates come from a matrix product (index/product_candidates.h) and only they are scored
  // one pair at a time. Same hits, scores and order as SearchExact per query (the same distance
  // function on the pairs that can be among the hits).
  std::vector<std::vector<Hit>> SearchExactMany(const float* queries, size_t count, size_t k) const;
  // Search as if `slot`'s node were not in the graph: never scored, walked through or returned
  // (an unknown slot holds nothing out). Its own stored vector asked this way behaves like a query
  // the graph has not seen — which a plain search of it does not: the walk finds the node itself
  // and reads its neighbours off its own link list. The recall calibration's queries.
  std::vector<Hit> SearchHeldOut(const float* query, size_t k, uint32_t ef, uint32_t slot) const;

  // The planner's cost estimates for a filter that `matching` of the index's size() vectors pass
  // (an exact count or an estimate), listed by checking it on `candidates` vectors (0: the
  // matches are known without reading any record, e.g. the metadata indexes answered the filter
  // exactly): scoring the matches exactly (SearchSlots) against a filtered walk (SearchFiltered)
  // with list size `ef`.
  // In microseconds per query as the database runs them (filter checks included) on the machine
  // the constants were measured on; the model and its constants are in hnsw_planner.cc.
  struct FilterCost {
    double exact = 0;
    double walk = 0;        // infinity when ef >= matching: the walk would score the whole graph
    double walk_nodes = 0;  // the model's size of the walk: ~ the nodes it goes through
  };
  // The model's costs scaled by what the plans took on this machine so far (ObserveFilterPlan;
  // src/index/plan_feedback.h): the model alone until queries have run.
  FilterCost EstimateFilterCost(size_t matching, size_t candidates, uint32_t ef) const;
  // The same model for an index of `size` vectors of `dims` dimensions, with trained bound codes
  // (lb8: the exact scan decides most matches on the codes) or without.
  static FilterCost ModelFilterCost(size_t size, uint32_t dims, size_t matching, size_t candidates,
                                    uint32_t ef, bool bound_codes = false);
  // The cheaper plan by EstimateFilterCost for a query of k at list size ef (0: the default ef;
  // raised to k), kExact when no more than k match. Either keeps recall: the exact scan is exact,
  // and the walk's recall at a given ef was at least the unfiltered walk's at every selectivity
  // measured, 0.1% to 100% (Fashion, GloVe, and clustered data with random filters and with
  // filters that follow the geometry; bench/RESULTS.md, tests/index/hnsw_planner_test.cc).
  FilterPlan PlanFilter(size_t matching, size_t candidates, size_t k, uint32_t ef) const;
  // A filtered query with these PlanFilter inputs ran `plan` in `micros` (the whole plan: the
  // listing and its filter checks, or the walk with its checks). Later plans take it into
  // account; whichever plan ran, the results were right, so this only moves speed.
  void ObserveFilterPlan(FilterPlan plan, size_t matching, size_t candidates, size_t k, uint32_t ef,
                         double micros) const;

  // Recall targets. The smallest ef of a ladder (~1.19x apart) whose recall@10 on the index's
  // calibration queries, less its sampling error (a one-sided 95% bound), reaches `recall`;
  // scaled by k / 10 for k > 10. The queries are the real ones this index was asked (Search and
  // SearchFiltered keep a uniform sample of up to 512 distinct queries: one asked again is not
  // offered again) once there are at least 64; before that,
  // 200 stored vectors each held out of the graph (SearchHeldOut), which errs on the safe side (a
  // higher ef than real queries need: the graph around a held-out node is sparser than around a
  // new query). The first calibration runs in the calling query, on first use; later ones — after
  // the index has doubled or halved in size, or the sample of real queries has doubled or become
  // full — in the
  // background, the old table answering meanwhile. A calibration measures the ladder only up to
  // the first ef that reaches the highest target asked so far (the high efs are the costly ones);
  // a higher target goes on up the ladder in its own query, on the same calibration queries.
  // Returns options().ef_search when the index is too small to calibrate (< 500 vectors).
  uint32_t EfForRecall(float recall, size_t k) const;
  // Waits for a background recalibration started by EfForRecall, if any (tests).
  void WaitForCalibration() const;
  // The calibration in use: (ef, mean recall@10) per ladder step measured, and the number of
  // sampled real queries it was measured on (0: held-out stored vectors). Empty before first use.
  void RecallCalibration(std::vector<std::pair<uint32_t, float>>* steps,
                         size_t* real_queries) const;

  HnswMemoryStats MemoryStats() const;

  // For tests of the lower-bound codes (HnswOptions::bound_codes): the bound a walk uses for
  // `query` against slot's vector, and the distance the float32 walk computes for the pair (both
  // in the walk's order, smaller = closer: squared L2, -cosine, -dot). The bound must never be
  // above the distance. False when there are no trained codes, the query gets no bounds, or the
  // slot holds no vector.
  bool BoundForTest(const float* query, uint32_t slot, double* bound, float* distance) const;

  // For tests of loading: how many layer-0 lists name each node, as the index keeps them (they
  // are not stored; the load counts them), indexed by node.
  std::vector<uint32_t> InDegreesForTest() const;

  // The whole index (options, quantizer parameters, codes, float32 vectors, graph, slot map) as one
  // little-endian blob; the database frames it (checksums) in its checkpoint segment. Consolidates
  // nothing: tombstones are written as they are.
  std::string Serialize() const { return Serialize(nullptr); }
  // The same, and where its large arrays lie in it (layer 0, and the float32 vectors of the
  // quantized and bound-code modes): (offset, bytes) spans in blob order, so that the database
  // can store each at a page boundary of its segment and a later load can map it (BlobMapper).
  std::string Serialize(std::vector<std::pair<uint64_t, uint64_t>>* arrays) const;
  // Rebuilds an index from Serialize()'s blob without re-inserting anything (array copies only).
  // Every count, offset and link is bounds-checked: a truncated or corrupt blob gives Corruption,
  // never a crash or an out-of-range read later. With `reconnect` the loaded graph is repaired as
  // Reconnect repairs (graphs written before reachability was kept may need it, and a graph is
  // checked only every so often while it grows); without, the caller runs Reconnect later: the
  // database's open leaves it to the builder thread, so that a million-node graph answers queries
  // without waiting for two walks over all its lists first (~0.2 s of CPU at 1M nodes).
  static Result<std::unique_ptr<HnswIndex>> Deserialize(std::string_view blob,
                                                        bool reconnect = true);
  // The same from a blob of `bytes` bytes handed over in pieces: `next` returns each piece in
  // turn (valid until the following call) or the error that stops the load (a checkpoint's
  // checksum). Each byte is copied once, into the index's own arrays: a million-node graph needs
  // no whole-blob buffer beside it.
  // With `map`, each large array whose bytes the source can map (see BlobMapper) becomes pages of
  // its file, copy-on-write, instead of a copy; every check is the same either way.
  static Result<std::unique_ptr<HnswIndex>> Deserialize(
      uint64_t bytes, const std::function<Result<std::string_view>()>& next, bool reconnect = true,
      const core::BlobMapper& map = nullptr);

  // Moves the arrays a load mapped from its file (Deserialize with a BlobMapper) into the index's
  // own memory: 2 MiB huge pages, as a copied load has, where the mapping is 4 KiB pages of the
  // page cache, and a search, a few thousand random records of hundreds of MB, is TLB-bound
  // (queries/s per CPU second were ~13-17% lower on the mapping at 1M x 100; bench/RESULTS.md).
  // The new memory is faulted in without any lock and filled under the shared lock, beside
  // searches; only the swap of the arrays takes the graph alone. If anything held the graph
  // exclusively between the copy and the swap (a consolidation, a growth, a retraining, a repair:
  // each may rewrite the arrays), the copy is made again under the exclusive lock. The caller
  // must be the only thread that adds (HnswVectorIndex's builder): adds write lists under the
  // shared lock, and one beside the copy could be lost. False if nothing was mapped.
  bool MoveMappedArraysToMemory();
  // Runs `hook` in MoveMappedArraysToMemory between the copy and the swap, with no lock held
  // (tests: a change made there must survive the move).
  void SetMoveHookForTest(std::function<void()> hook) { move_hook_for_test_ = std::move(hook); }

  // The private state (hnsw_internal.h); named here only so the implementation files can share it.
  struct Impl;

 private:
  Status TrainOn(const float* vectors, size_t n, bool explicitly);
  // SearchExactMany through the matrix product; nullopt when it cannot bound the product's
  // rounding (or a node changed under that bound), and then the caller scores every pair.
  std::optional<std::vector<std::vector<Hit>>> SearchExactManyByProduct(const float* queries,
                                                                        size_t count,
                                                                        size_t k) const;
  // Offers a query vector to the calibration's sample of real queries (see EfForRecall).
  void SampleQuery(const float* query) const;
  // The calibration of the index as it is, on the sampled real queries when real > 0, else on
  // held-out stored vectors: their truth, then recall at each ladder ef up to the first whose
  // bound reaches `target` (ExtendCalibration), its walks on `threads` cores.
  Calibration MeasureCalibration(size_t real, float target, int threads) const;
  // Measures cal's next ladder steps on its probes until one's lower bound reaches `target`, its
  // mean recall reaches 0.999, the ladder ends or no probe has a truth to measure against (the
  // last three make it complete; the last adds no step). The caller makes sure the index has not
  // changed since the probes' truth was taken (Calibration::changes_at).
  void ExtendCalibration(Calibration* cal, float target, int threads) const;
  explicit HnswIndex(const HnswOptions& options);

  HnswOptions opts_;
  std::unique_ptr<Impl> impl_;
  std::atomic<size_t> live_{0};
  std::function<void()> move_hook_for_test_;
};

}  // namespace semble::index

#endif  // SEMBLE_SRC_INDEX_HNSW_INDEX_H_
