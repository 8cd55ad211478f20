// Copyright 2026 The semble Authors.
//
// HnswIndex's private state, shared by hnsw_index.cc (graph), hnsw_serialize.cc (blob) and
// hnsw_planner.cc (recall calibration, filter planning). Not part of the index's interface.
//
// Memory layout. Node ids are dense; per node:
//   level0_[node * record_words_]: [count][2M links][traversal code]
//     code = [header float][the float32 vector] without a quantizer, [header float][code bytes]
//     with one, so a layer-0 hop reads links, code and header from one contiguous record, as
//     hnswlib does. The header is 1/|v| under cosine (no separate norm array to miss on), |x^|^2
//     for a quantized euclidean index, absent for a float32 euclidean or dot-product index.
//     With lower-bound codes (HnswOptions::bound_codes, float32 results): [1/|v| under cosine]
//     [slack float][sq8 code bytes]; see hnsw_bound.h.
//   vectors_ (quantized modes and bound codes): the float32 vector, touched only for rescoring,
//     Get and (bound codes) the candidates whose bound does not rule them out.
//   upper_[node]: level * (1 + M) words, the links of layers 1..level (about 1 node in M has any).
// Links are read by searches without locks while inserts rewrite them under a striped mutex: every
// word is accessed through std::atomic_ref (plain loads/stores on x86), so a reader sees each link
// either old or new, and every value it can see names an initialized node.

#ifndef SEMBLE_SRC_INDEX_HNSW_INTERNAL_H_
#define SEMBLE_SRC_INDEX_HNSW_INTERNAL_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <random>
#include <shared_mutex>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/distance.h"
#include "core/huge_array.h"
#include "core/partial_distance.h"
#include "core/quantized_distance.h"
#include "index/hnsw_index.h"
#include "index/plan_feedback.h"
#include "index/quantizer.h"

namespace semble::index {

constexpr uint32_t kNoNode = std::numeric_limits<uint32_t>::max();
constexpr int kMaxLevel = 16;
constexpr size_t kLockStripes = 1024;

enum NodeState : uint8_t { kFree = 0, kLive = 1, kDeleted = 2 };

inline uint32_t LoadAcquire(const uint32_t* p) {
  return std::atomic_ref<uint32_t>(*const_cast<uint32_t*>(p)).load(std::memory_order_acquire);
}
inline uint32_t LoadRelaxed(const uint32_t* p) {
  return std::atomic_ref<uint32_t>(*const_cast<uint32_t*>(p)).load(std::memory_order_relaxed);
}
inline void StoreRelease(uint32_t* p, uint32_t v) {
  std::atomic_ref<uint32_t>(*p).store(v, std::memory_order_release);
}
inline uint8_t LoadState(const uint8_t* p) {
  return std::atomic_ref<uint8_t>(*const_cast<uint8_t*>(p)).load(std::memory_order_acquire);
}
inline void StoreState(uint8_t* p, uint8_t v) {
  std::atomic_ref<uint8_t>(*p).store(v, std::memory_order_release);
}

// Epoch-tagged visited set: clearing is one increment, not a memset of the whole graph.
struct VisitedSet {
  std::vector<uint16_t> tags;
  uint16_t epoch = 0;
  void Reset(size_t n) {
    if (tags.size() < n) tags.resize(n, 0);
    if (++epoch == 0) {
      std::fill(tags.begin(), tags.end(), 0);
      epoch = 1;
    }
  }
  // True if node was already visited; marks it either way.
  bool TestAndSet(uint32_t node) {
    if (tags[node] == epoch) return true;
    tags[node] = epoch;
    return false;
  }
};

using core::HugeArray;

// (distance, node); smaller distance = closer.
using Candidate = std::pair<float, uint32_t>;

struct Calibration {
  size_t size_at = 0;       // index size when measured
  uint64_t changes_at = 0;  // Impl::changes when the probes' truth was taken
  size_t real_queries = 0;  // sampled queries used; 0: held-out vectors
  struct Step {
    uint32_t ef;
    float recall;  // mean recall@10 of the calibration queries
    float lower;   // a one-sided 95% lower bound on the mean recall of such queries
  };
  std::vector<Step> ef_recall;  // ascending ef: the ladder's first steps
  // The calibration's queries, each with the slot held out of its walk (none: no such slot)
  // and its true top 10, kept so that a higher target can go on up the ladder later on the same
  // queries without computing their truth again.
  struct Probe {
    std::vector<float> query;
    uint32_t held;
    std::unordered_set<uint32_t> truth;
  };
  std::vector<Probe> probes;
  // The ladder measured to its end (a mean of 0.999, or its last ef), or as far as it can be: a
  // step with no probe left to measure ends it (ef_recall may then be empty: no table).
  bool complete = false;
  // Whether the table answers `target` as it stands: a step reached it, or the ladder ended.
  bool Reaches(float target) const {
    return complete || (!ef_recall.empty() && ef_recall.back().lower >= target);
  }
};

// A uniform sample of the queries asked (reservoir sampling), for the recall calibration. A query
// that finds the lock taken is not offered: the sample stays uniform over those offered, and a
// query never waits for another's copy.
struct QuerySample {
  std::mutex mu;
  std::vector<std::vector<float>> queries;  // at most kCapacity, no two the same
  std::vector<uint64_t> hashes;             // XXH3 of each query's bytes, by position
  uint64_t offered = 0;                     // distinct queries offered
  uint64_t rng = 0x9e3779b97f4a7c15ull;     // xorshift state
  static constexpr size_t kCapacity = 512;
};

struct HnswIndex::Impl {
  explicit Impl(const HnswOptions& o);

  // --- layout ---
  uint32_t Cap(int level) const { return level == 0 ? m0 : m; }
  uint32_t* Links(uint32_t node, int level) {
    return level == 0 ? &level0[static_cast<size_t>(node) * record_words]
                      : upper[node].get() + static_cast<size_t>(level - 1) * (1 + m);
  }
  const uint32_t* Links(uint32_t node, int level) const {
    return const_cast<Impl*>(this)->Links(node, level);
  }
  const uint8_t* Code(uint32_t node) const {
    return reinterpret_cast<const uint8_t*>(
        &level0[static_cast<size_t>(node) * record_words + 1 + m0]);
  }
  uint8_t* MutableCode(uint32_t node) { return const_cast<uint8_t*>(Code(node)); }
  const float* Vec(uint32_t node) const {
    return floats_apart ? &vectors[static_cast<size_t>(node) * dims]
                        : reinterpret_cast<const float*>(Code(node) + (header ? 4 : 0));
  }
  float Header(uint32_t node) const {
    float h;
    std::memcpy(&h, Code(node), sizeof(float));
    return h;
  }
  void SetHeader(uint32_t node, float h) { std::memcpy(MutableCode(node), &h, sizeof(float)); }
  float InvNorm(uint32_t node) const { return Header(node); }  // cosine only
  float* MutableVec(uint32_t node) { return const_cast<float*>(Vec(node)); }

  // --- distances (smaller = closer) ---
  // q is normalized for cosine.
  // With a bound, an L2 distance above it may come back as any value above it (read partially).
  float ExactDist(const float* q, uint32_t node,
                  float bound = std::numeric_limits<float>::infinity()) const;
  float PairDist(uint32_t a, uint32_t b,
                 float bound = std::numeric_limits<float>::infinity()) const;
  void EncodeNode(uint32_t node);

  void Grow(size_t min_nodes, size_t min_slots);
  size_t Capacity() const { return node_state.size(); }

  VisitedSet* AcquireVisited() const;
  void ReleaseVisited(VisitedSet* v) const;

  HnswOptions o;
  uint32_t dims, m, m0;
  bool quantized;           // sq8 or bq: the walk ranks approximately, the results are rescored
  bool bounded;             // float32 walk that rules candidates out on lower-bound codes
  bool floats_apart;        // quantized || bounded: float32 vectors in `vectors`, not in the record
  bool trainable;           // quantized || bounded: a quantizer to train (sq for sq8 and bounded)
  bool header;              // the code starts with a header float (see above)
  size_t slack_offset = 0;  // bounded: byte offsets in the code of the slack and the code bytes
  size_t bound_code_offset = 0;
  core::DotFn dot;  // kernels resolved once, called without a dispatch lookup
  core::L2BoundedFn l2;
  core::DotI16U8Fn dot_i16u8;
  core::SumSelectedFn sum_selected;
  size_t code_bytes;      // bytes of the traversal code (after the links)
  size_t record_words;    // uint32 words per layer-0 record
  size_t prefetch_bytes;  // of a neighbour's code, requested before scoring it
  double level_mult;

  HugeArray<uint32_t> level0;
  HugeArray<float> vectors;  // floats_apart modes
  std::vector<uint32_t> node_slot;
  std::vector<uint8_t> node_level;
  std::vector<uint8_t> node_state;
  // Layer-0 in-edges of each node, counted over the lists of all non-free nodes (atomic_ref; see
  // hnsw_connectivity.cc): a list is never pruned of a node's last in-edge, so heuristic pruning
  // cannot leave a node that no search reaches.
  std::vector<uint32_t> in_degree;
  std::vector<std::unique_ptr<uint32_t[]>> upper;
  std::vector<uint32_t> slot_node;

  std::mutex alloc_mu;  // num_nodes, free_nodes
  uint32_t num_nodes = 0;
  std::vector<uint32_t> free_nodes;

  // Entry point: node in the low 32 bits, its level in the high 32; kNoEntry when empty.
  static constexpr uint64_t kNoEntry = std::numeric_limits<uint64_t>::max();
  std::atomic<uint64_t> entry{kNoEntry};
  std::mutex entry_mu;

  mutable std::shared_mutex rw;
  // Counts the times `rw` was held exclusively (ExclusiveLock): MoveMappedArraysToMemory copies
  // the graph's arrays under the shared lock and swaps the copies in only if no exclusive holder
  // (a repair, a consolidation, a growth, a retraining) came between. Read under rw.
  uint64_t exclusive_epoch = 0;
  std::unique_ptr<std::mutex[]> link_locks{new std::mutex[kLockStripes]};
  std::atomic<size_t> tombstones{0};
  std::atomic<size_t> added_since_check{0};  // adds since the last connectivity check
  // Adds and removes, ever: a calibration's truth holds while this stays what it was then.
  std::atomic<uint64_t> changes{0};
  std::atomic<int64_t> last_check_nanos{0};  // how long the last check took
  std::atomic<int64_t> last_check_end{0};    // when it ended (steady clock)
  std::atomic<size_t> relinked{0};           // nodes the repair has re-linked, ever

  std::mutex rng_mu;
  std::mt19937_64 rng;

  ScalarQuantizer sq;
  BinaryQuantizer bq;
  std::atomic<bool> trained{false};
  bool trained_explicitly = false;
  // How many vectors the quantizer was last trained on (0: never); automatic training repeats
  // each time the index doubles past it (hnsw_index.cc).
  std::atomic<size_t> trained_on{0};

  mutable std::mutex visited_mu;
  mutable std::vector<std::unique_ptr<VisitedSet>> visited_pool;

  // What filtered queries' plans took here, against the cost model (hnsw_planner.cc).
  PlanFeedback plan_feedback;
  mutable std::mutex calibration_mu;
  mutable Calibration calibration;  // guarded by calibration_mu, as are the next three
  mutable bool calibrating = false;
  mutable float highest_target = 0;  // the highest recall target asked so far
  mutable std::thread calibrator;    // a recalibration under way or finished; joined on destruction
  mutable QuerySample query_sample;
};

// Holds g.rw exclusively and counts it in g.exclusive_epoch: every exclusive holder goes through
// this, so that a copy made under the shared lock can tell whether the arrays changed since.
class ExclusiveLock {
 public:
  explicit ExclusiveLock(HnswIndex::Impl& g) : lock_(g.rw) { ++g.exclusive_epoch; }

 private:
  std::unique_lock<std::shared_mutex> lock_;
};

// Link maintenance that keeps every live node reachable (hnsw_connectivity.cc). Unless noted, these
// run with rw held shared or exclusive and take the link locks they need themselves.

// Adds `add` to base's list on `level` under base's lock; when the union is over the cap,
// re-selects with the neighbour heuristic but never drops a node's last layer-0 in-edge.
void MergeLinks(HnswIndex::Impl& g, uint32_t base, int level, const std::vector<uint32_t>& add);
// Gives `node` a layer-0 in-edge from the first of `from` that can take one (room in its list, or
// an entry it can drop without leaving that entry with no in-edge). False if none could.
bool ForceInEdge(HnswIndex::Impl& g, uint32_t node, const std::vector<uint32_t>& from);
// Recomputes in_degree from the lists. Caller holds rw exclusive.
void RecountInDegrees(HnswIndex::Impl& g);
// Marks the nodes reachable over layer-0 links from the entry point.
std::vector<uint8_t> ReachableFromEntry(const HnswIndex::Impl& g);
// Re-links every live node not reachable from the entry point; returns how many. Caller holds rw
// exclusive.
size_t ReconnectLocked(HnswIndex::Impl& g);

// Inline: inserts call these a few thousand times each (the walk, the neighbour heuristic), and an
// out-of-line call with its switch cost ~5% of a GloVe build's samples on top of the kernel.
inline float HnswIndex::Impl::ExactDist(const float* q, uint32_t node, float bound) const {
  const float* v = Vec(node);
  switch (o.metric) {
    case Metric::kCosine:
      return -dot(q, v, dims) * InvNorm(node);
    case Metric::kEuclidean:
      return l2(q, v, dims, bound);
    case Metric::kDotProduct:
      break;
  }
  return -dot(q, v, dims);
}

inline float HnswIndex::Impl::PairDist(uint32_t a, uint32_t b, float bound) const {
  const float* va = Vec(a);
  const float* vb = Vec(b);
  switch (o.metric) {
    case Metric::kCosine:
      return -dot(va, vb, dims) * InvNorm(a) * InvNorm(b);
    case Metric::kEuclidean:
      return l2(va, vb, dims, bound);
    case Metric::kDotProduct:
      break;
  }
  return -dot(va, vb, dims);
}

// The distance from a query prepared by the index's quantizer to node's traversal code (smaller =
// closer; the same order as the exact distance, approximately). Searches walk with it, and so do
// inserts into a trained sq8 index.
inline float CodeDist(const HnswIndex::Impl& g, const QuantizedQuery& qq, uint32_t node) {
  const uint8_t* code = g.Code(node);
  const float dot = g.o.quantizer == QuantizerKind::kSq8
                        ? qq.offset + qq.scale * static_cast<float>(g.dot_i16u8(
                                                     qq.weights_i16.data(), code + 4, g.dims))
                        : qq.offset + g.sum_selected(qq.weights_f32.data(), code + 4, g.dims);
  if (g.o.metric != Metric::kEuclidean) return -dot;
  return g.Header(node) - 2.0f * dot;  // |q - x^|^2 - |q|^2: same order
}

}  // namespace semble::index

#endif  // SEMBLE_SRC_INDEX_HNSW_INTERNAL_H_
