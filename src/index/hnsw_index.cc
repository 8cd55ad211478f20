// Copyright 2026 The semble Authors.
//
// HnswIndex: graph construction, search, deletes and consolidation. See hnsw_index.h for the
// contracts and hnsw_internal.h for the memory layout and the lock-free reading of links.

#include "index/hnsw_index.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>

#include "core/distance.h"
#include "core/partial_distance.h"
#include "core/thread_pool.h"
#include "core/top_k.h"
#include "index/hnsw_bound.h"
#include "index/hnsw_internal.h"
#include "index/hnsw_walk.h"
#include "index/product_candidates.h"

namespace semble::index {

namespace {

// The quantizer is trained from the stored vectors when this many are present (or on a first
// AddBatch at least this large), and again each time the index has doubled since, up to
// kRetrainUpTo vectors: data that arrives in any order (by time, by category) ends up with ranges
// learnt from all of it, not from its first rows. Re-encoding every node costs O(n·d) per doubling,
// so O(d) per insert amortised. Train() (explicit) turns this off.
constexpr size_t kAutoTrainNodes = 256;
constexpr size_t kRetrainUpTo = size_t{1} << 18;
constexpr size_t kBinaryOversample = 4;
constexpr size_t kSq8Rescore = 4;
constexpr float kInf = std::numeric_limits<float>::infinity();
// How much of each record is prefetched (a float vector's first lines; the hardware streams the
// rest).
constexpr size_t kPrefetchBytes = 256;

float InverseNorm(const float* v, uint32_t dims) {
  const float sq = core::DotProduct(v, v, dims);
  return sq > 0.0f ? 1.0f / std::sqrt(sq) : 0.0f;
}

uint32_t NodeOf(uint64_t entry) { return static_cast<uint32_t>(entry); }
int LevelOf(uint64_t entry) { return static_cast<int>(entry >> 32); }
uint64_t PackEntry(uint32_t node, int level) { return (static_cast<uint64_t>(level) << 32) | node; }

// Trains the quantizer on n vectors as the index's codes take them.
void TrainQuantizer(HnswIndex::Impl& g, const float* vectors, size_t n) {
  if (g.bounded) {
    // The whole range: the bound holds for clipped values too (r grows), but a clipped node's
    // bound is loose, and percentile clipping would clip some dimension of most vectors at
    // hundreds of dimensions.
    g.sq.Train(vectors, n, g.dims, /*clip_fraction=*/0.0);
  } else if (g.o.quantizer == QuantizerKind::kSq8) {
    g.sq.Train(vectors, n, g.dims);
  } else {
    g.bq.Train(vectors, n, g.dims);
  }
}

}  // namespace

HnswIndex::Impl::Impl(const HnswOptions& opts)
    : o(opts),
      dims(opts.dimensions),
      m(opts.m),
      m0(2 * opts.m),
      quantized(opts.quantizer != QuantizerKind::kNone),
      bounded(opts.quantizer == QuantizerKind::kNone && opts.bound_codes),
      floats_apart(quantized || bounded),
      trainable(quantized || bounded),
      header(quantized || opts.metric == Metric::kCosine ||
             (bounded && opts.metric == Metric::kEuclidean)),
      dot(core::DotProductKernel()),
      l2(core::L2SquaredBoundedKernel()),
      dot_i16u8(core::DotI16U8Kernel()),
      sum_selected(core::SumSelectedKernel()),
      rng(opts.seed) {
  switch (o.quantizer) {
    case QuantizerKind::kNone:
      if (bounded) {  // [1/|v| under cosine, |x^|^2 under L2][slack][code bytes]
        slack_offset = header ? sizeof(float) : 0;
        bound_code_offset = slack_offset + sizeof(float);
        code_bytes = bound_code_offset + dims;
        break;
      }
      code_bytes = (header ? sizeof(float) : 0) + static_cast<size_t>(dims) * sizeof(float);
      break;
    case QuantizerKind::kSq8:
      code_bytes = sizeof(float) + dims;
      break;
    case QuantizerKind::kBinary:
      code_bytes = sizeof(float) + (dims + 7) / 8;
      break;
  }
  record_words = 1 + m0 + (code_bytes + 3) / 4;
  // Quantized codes are short enough to request whole; a float vector is streamed after its first
  // lines by the hardware prefetcher.
  prefetch_bytes = std::min<size_t>(code_bytes, kPrefetchBytes);
  level_mult = 1.0 / std::log(static_cast<double>(m));
}

void HnswIndex::Impl::EncodeNode(uint32_t node) {
  if (bounded) {
    // The code of what the walk compares: v, or v / |v| under cosine (the float copy rounds as the
    // sq8 codes' does; the residual is taken against the exact quotient, in double).
    const float* v = Vec(node);
    double norm_sq = 0.0;
    for (uint32_t j = 0; j < dims; ++j) norm_sq += static_cast<double>(v[j]) * v[j];
    const double norm = std::sqrt(norm_sq);
    std::vector<float> tmp(v, v + dims);
    std::vector<double> exact(v, v + dims);
    if (o.metric == Metric::kCosine) {
      for (float& x : tmp) x *= InvNorm(node);
      for (double& x : exact) x /= norm;
    }
    uint8_t* code = MutableCode(node) + bound_code_offset;
    sq.Encode(tmp.data(), code);
    const float slack = BoundSlack(o.metric, dims, sq.Residual(exact.data(), code), norm,
                                   o.metric == Metric::kCosine ? InvNorm(node) : 1.0f);
    std::memcpy(MutableCode(node) + slack_offset, &slack, sizeof(float));
    if (o.metric == Metric::kEuclidean) SetHeader(node, sq.NormSquared(code));
    return;
  }
  if (!quantized) return;
  std::vector<float> tmp(Vec(node), Vec(node) + dims);
  if (o.metric == Metric::kCosine) {
    for (float& x : tmp) x *= InvNorm(node);
  }
  uint8_t* code = MutableCode(node);
  const float norm_sq = o.quantizer == QuantizerKind::kSq8 ? sq.Encode(tmp.data(), code + 4)
                                                           : bq.Encode(tmp.data(), code + 4);
  if (o.metric == Metric::kEuclidean) SetHeader(node, norm_sq);
}

void HnswIndex::Impl::Grow(size_t min_nodes, size_t min_slots) {
  if (min_nodes > Capacity()) {
    const size_t n = std::max({min_nodes, Capacity() + Capacity() / 2, size_t{1024}});
    level0.Grow(n * record_words);
    if (floats_apart) vectors.Grow(n * dims);
    node_slot.resize(n, kNoNode);
    node_level.resize(n, 0);
    node_state.resize(n, kFree);
    in_degree.resize(n, 0);
    upper.resize(n);
  }
  if (min_slots > slot_node.size()) {
    slot_node.resize(std::max({min_slots, slot_node.size() + slot_node.size() / 2, size_t{1024}}),
                     kNoNode);
  }
}

VisitedSet* HnswIndex::Impl::AcquireVisited() const {
  VisitedSet* v = nullptr;
  {
    std::lock_guard<std::mutex> l(visited_mu);
    if (!visited_pool.empty()) {
      v = visited_pool.back().release();
      visited_pool.pop_back();
    }
  }
  if (v == nullptr) v = new VisitedSet;
  v->Reset(Capacity());
  return v;
}

void HnswIndex::Impl::ReleaseVisited(VisitedSet* v) const {
  std::lock_guard<std::mutex> l(visited_mu);
  visited_pool.emplace_back(v);
}

Result<std::unique_ptr<HnswIndex>> HnswIndex::Create(const HnswOptions& options) {
  if (options.dimensions == 0 || options.dimensions > 65536) {
    return Status::InvalidArgument("hnsw: dimensions must be between 1 and 65536");
  }
  if (options.m < 2 || options.m > 64) return Status::InvalidArgument("hnsw: M must be 2..64");
  if (options.ef_construction < options.m || options.ef_construction > 4096) {
    return Status::InvalidArgument("hnsw: efConstruction must be between M and 4096");
  }
  if (options.ef_search == 0 || options.ef_search > 4096) {
    return Status::InvalidArgument("hnsw: efSearch must be between 1 and 4096");
  }
  if (options.bound_codes && options.quantizer != QuantizerKind::kNone) {
    return Status::InvalidArgument("hnsw: lower-bound codes are for the float32 graph only");
  }
  return std::unique_ptr<HnswIndex>(new HnswIndex(options));
}

HnswIndex::HnswIndex(const HnswOptions& options)
    : opts_(options), impl_(std::make_unique<Impl>(options)) {}

HnswIndex::~HnswIndex() {
  WaitForCalibration();  // a background recalibration searches this index
}

Status HnswIndex::Train(const float* vectors, size_t n) {
  return TrainOn(vectors, n, /*explicitly=*/true);
}

Status HnswIndex::TrainOn(const float* vectors, size_t n, bool explicitly) {
  Impl& g = *impl_;
  ExclusiveLock lock(g);
  if (!g.trainable) return Status::OK();
  if (g.num_nodes > 0) return Status::FailedPrecondition("hnsw: Train after vectors were added");
  std::vector<float> normalized;
  if (opts_.metric == Metric::kCosine) {  // codes hold normalized vectors; train on the same
    normalized.assign(vectors, vectors + n * g.dims);
    for (size_t i = 0; i < n; ++i) {
      const float inv = InverseNorm(&normalized[i * g.dims], g.dims);
      for (uint32_t j = 0; j < g.dims; ++j) normalized[i * g.dims + j] *= inv;
    }
    vectors = normalized.data();
  }
  TrainQuantizer(g, vectors, n);
  g.trained = n > 0;
  g.trained_explicitly = explicitly && n > 0;
  g.trained_on = n;
  return Status::OK();
}

namespace {

// Trains the quantizer on the stored vectors and re-encodes every node. Caller holds rw exclusive.
void TrainFromNodes(HnswIndex::Impl& g) {
  std::vector<float> sample;
  std::vector<uint32_t> nodes;
  for (uint32_t n = 0; n < g.num_nodes; ++n) {
    if (g.node_state[n] != kFree) nodes.push_back(n);
  }
  sample.reserve(nodes.size() * g.dims);
  for (uint32_t n : nodes) {
    const float* v = g.Vec(n);
    const float inv = g.o.metric == Metric::kCosine ? g.InvNorm(n) : 1.0f;
    for (uint32_t j = 0; j < g.dims; ++j) sample.push_back(v[j] * inv);
  }
  TrainQuantizer(g, sample.data(), nodes.size());
  for (uint32_t n : nodes) g.EncodeNode(n);
  g.trained = true;
  g.trained_on = nodes.size();
}

// Whether automatic training is due with n vectors stored.
bool TrainingDue(const HnswIndex::Impl& g, size_t n) {
  if (!g.trainable || g.trained_explicitly) return false;
  if (!g.trained) return n >= kAutoTrainNodes;
  const size_t on = g.trained_on.load();
  return on < kRetrainUpTo && n >= 2 * on;
}

Status CheckValues(const HnswOptions& o, const float* values) {
  for (uint32_t j = 0; j < o.dimensions; ++j) {
    if (!std::isfinite(values[j])) return Status::InvalidArgument("hnsw: non-finite value");
  }
  if (o.metric == Metric::kCosine && InverseNorm(values, o.dimensions) == 0.0f) {
    return Status::InvalidArgument("hnsw: zero vector under cosine");
  }
  return Status::OK();
}

// Links `node` (its vector and level already written) into the graph. Caller holds rw shared.
void Link(HnswIndex::Impl& g, uint32_t node, int level) {
  std::vector<float> q(g.Vec(node), g.Vec(node) + g.dims);
  if (g.o.metric == Metric::kCosine) {
    for (float& x : q) x *= g.InvNorm(node);
  }
  auto exact_dist = [&](uint32_t n, float bound) { return g.ExactDist(q.data(), n, bound); };
  // A trained sq8 index walks on the codes, as its searches do, and ranks what the walk found by
  // the exact distance before choosing neighbours. A code sits in the node's record next to its
  // links (GloVe: 104 bytes), the float vector in a separate array (400 bytes): walking on the
  // floats cost a second cache miss per visited node, which made sq8 builds slower than float32
  // ones. sq8 ranks closely enough that queries rescore only 4k candidates; bq does not, so it
  // keeps the exact walk.
  const bool coded =
      g.o.quantizer == QuantizerKind::kSq8 && g.trained.load(std::memory_order_acquire);
  QuantizedQuery qq;
  if (coded) g.sq.PrepareQuery(q.data(), &qq);
  auto code_dist = [&](uint32_t n, float) { return CodeDist(g, qq, n); };
  // Bound codes rule candidates out as searches do (hnsw_bound.h): the same decisions as the
  // exact walk, so the same graph, reading fewer float32 vectors.
  std::optional<WalkBound> wb;
  if (g.bounded && g.trained.load(std::memory_order_acquire)) wb.emplace(g, q.data());
  const bool bounded = wb && wb->enabled();
  auto bounded_dist = [&](uint32_t n, float bound) {
    if (bound < kInf) {
      const double lb = wb->Lower(n);
      if (lb > bound) return AboveBound(lb, bound);
    }
    return exact_dist(n, bound);
  };
  auto dist = [&](uint32_t n, float bound) {
    if (coded) return code_dist(n, bound);
    return bounded ? bounded_dist(n, bound) : exact_dist(n, bound);
  };
  uint64_t e = g.entry.load(std::memory_order_acquire);
  if (e == HnswIndex::Impl::kNoEntry) {
    std::lock_guard<std::mutex> l(g.entry_mu);
    e = g.entry.load(std::memory_order_acquire);
    if (e == HnswIndex::Impl::kNoEntry) {
      g.entry.store(PackEntry(node, level), std::memory_order_release);
      return;
    }
  }
  VisitedSet* visited = g.AcquireVisited();
  std::vector<Candidate> found;
  // Without tombstones every non-free node a walk can reach is live: skip the state read (a miss
  // on large graphs), as searches do. A node tombstoned meanwhile may still be chosen as a
  // neighbour, as if this insert had run just before the delete; the repair after the delete
  // treats it like any other link to a dead node.
  const bool no_tombstones = g.tombstones.load(std::memory_order_acquire) == 0;
  auto accept = [&](uint32_t n) {
    return n != node && (no_tombstones || LoadState(&g.node_state[n]) == kLive);
  };
  uint32_t cur = NodeOf(e);
  float cur_d = dist(cur, kInf);
  // Links layers top..bottom of `node`, walking down from `cur` (a node on layer `top`).
  //
  // The neighbours are found top-down (each layer's walk starts where the one above ended) but
  // written bottom-up, so that `node` becomes reachable on a layer (through its neighbours'
  // back-links) only once its own links on every layer below are in place. Written top-down, a
  // search running beside the build could descend onto `node` on an upper layer while its lower
  // lists were still empty, stay there (no links to move on) and start its layer-0 walk from a
  // node without links: it returned the few vectors the write buffer held and missed the graph
  // (tests/db/filter_oracle_test.cc, a walk with ef above the index size that missed its top k
  // while the builder linked a load). The graph is the same either way: a layer's walk reads only
  // that layer's lists, and `node`'s writes on a layer land after that layer's walk in both orders.
  auto link_layers = [&](int top, int bottom) {
    std::vector<std::vector<uint32_t>> chosen_on(static_cast<size_t>(top - bottom + 1));
    for (int l = top; l >= bottom; --l) {
      visited->Reset(g.Capacity());
      if (coded) {
        SearchLayer(g, code_dist, cur, cur_d, g.o.ef_construction, l, accept, visited, &found,
                    false);
        for (Candidate& c : found) c.first = exact_dist(c.second, kInf);
        std::sort(found.begin(), found.end());
      } else {
        if (bounded) {
          SearchLayerBounded(
              g, [&](uint32_t n) { return wb->Lower(n); }, exact_dist, cur, cur_d,
              FixedList{g.o.ef_construction}, l, accept, visited, &found);
        } else {
          SearchLayer(g, exact_dist, cur, cur_d, g.o.ef_construction, l, accept, visited, &found,
                      true);
        }
        // SearchLayer leaves a heap, farthest on top: sorting it from there is cheaper than anew.
        std::sort_heap(found.begin(), found.end(), CloserFirst());
      }
      if (found.empty()) continue;
      cur = found[0].second;
      // The next layer's walk compares distances of the walk's own kind.
      cur_d = coded ? code_dist(cur, kInf) : found[0].first;
      chosen_on[static_cast<size_t>(l - bottom)] = SelectNeighbors(g, found, g.m);
    }
    for (int l = bottom; l <= top; ++l) {
      const std::vector<uint32_t>& chosen = chosen_on[static_cast<size_t>(l - bottom)];
      if (!chosen.empty()) {
        // Another insert may already have linked to `node` (it became reachable through the
        // back-links of the layers above): merge with what is there instead of overwriting it,
        // or that insert loses the in-edge it was given.
        MergeLinks(g, node, l, chosen);
        for (uint32_t nb : chosen) MergeLinks(g, nb, l, {node});
        // Every neighbour may have pruned the back-link away (on clustered data the heuristic
        // often finds `node` covered by a closer neighbour that does not link to it): then take
        // one by force, or nothing would ever lead a search to `node`.
        if (l == 0 && LoadAcquire(&g.in_degree[node]) == 0) ForceInEdge(g, node, chosen);
      }
      // Layer 0 found no live neighbour at all (every node near the walk is tombstoned): hang the
      // node off the node the walk stopped at, which is itself reachable. Before the layers
      // above are written, like any layer-0 links.
      if (l == 0 && LoadAcquire(g.Links(node, 0)) == 0 && cur != node) {
        MergeLinks(g, node, 0, {cur});
        if (LoadAcquire(&g.in_degree[node]) == 0) ForceInEdge(g, node, {cur});
      }
    }
  };
  int linked_top = std::min(level, LevelOf(e));
  for (int l = LevelOf(e); l > level; --l) Greedy(g, dist, l, &cur, &cur_d);
  link_layers(linked_top, 0);
  // A node above the entry point's level becomes the new entry point. If a concurrent insert
  // raised the entry point meanwhile, the layers between the old level and the new one were not
  // linked: link them from the new entry point first (else they stay empty for good).
  while (level > linked_top) {
    uint64_t now;
    {
      std::lock_guard<std::mutex> l(g.entry_mu);
      now = g.entry.load(std::memory_order_acquire);
      if (LevelOf(now) <= linked_top) {
        g.entry.store(PackEntry(node, level), std::memory_order_release);
        break;
      }
    }
    const int top = std::min(level, LevelOf(now));
    cur = NodeOf(now);
    cur_d = dist(cur, kInf);
    for (int l = LevelOf(now); l > top; --l) Greedy(g, dist, l, &cur, &cur_d);
    link_layers(top, linked_top + 1);
    linked_top = top;
  }
  g.ReleaseVisited(visited);
}

}  // namespace

Status HnswIndex::Add(uint32_t slot, const float* values) {
  SEMBLE_RETURN_IF_ERROR(CheckValues(opts_, values));
  Impl& g = *impl_;
  while (true) {
    {
      std::shared_lock<std::shared_mutex> lock(g.rw);
      uint32_t node = kNoNode;
      if (slot < g.slot_node.size()) {
        std::lock_guard<std::mutex> l(g.alloc_mu);
        if (!g.free_nodes.empty()) {
          node = g.free_nodes.back();
          g.free_nodes.pop_back();
        } else if (g.num_nodes < g.Capacity()) {
          node = g.num_nodes++;
        }
      }
      if (node != kNoNode) {
        int level;
        {
          std::lock_guard<std::mutex> l(g.rng_mu);
          const double u = std::uniform_real_distribution<double>(0.0, 1.0)(g.rng);
          level = std::min(kMaxLevel, static_cast<int>(-std::log(1.0 - u) * g.level_mult));
        }
        std::memcpy(g.MutableVec(node), values, sizeof(float) * g.dims);
        if (opts_.metric == Metric::kCosine) g.SetHeader(node, InverseNorm(values, g.dims));
        if (g.trained) g.EncodeNode(node);
        StoreRelease(g.Links(node, 0), 0);
        g.upper[node].reset(level > 0 ? new uint32_t[level * (1 + g.m)]() : nullptr);
        g.node_level[node] = static_cast<uint8_t>(level);
        g.node_slot[node] = slot;
        StoreState(&g.node_state[node], kLive);
        Link(g, node, level);
        g.added_since_check.fetch_add(1, std::memory_order_relaxed);
        g.changes.fetch_add(1, std::memory_order_relaxed);
        const uint32_t old = std::atomic_ref<uint32_t>(g.slot_node[slot]).exchange(node);
        if (old != kNoNode) {
          StoreState(&g.node_state[old], kDeleted);
          g.tombstones.fetch_add(1);
        } else {
          live_.fetch_add(1);
        }
        break;
      }
    }
    ExclusiveLock lock(g);
    g.Grow(g.num_nodes + 1, static_cast<size_t>(slot) + 1);
  }
  // Training (and re-training) happens once the graph has enough vectors to learn ranges from.
  const size_t n = live_.load() + g.tombstones.load();
  if (TrainingDue(g, n)) {
    ExclusiveLock lock(g);
    // Another thread may have trained meanwhile.
    if (TrainingDue(g, live_.load() + g.tombstones.load())) TrainFromNodes(g);
  }
  if (g.tombstones.load() > opts_.max_tombstone_fraction * (live_.load() + g.tombstones.load())) {
    Consolidate();
  }
  return Status::OK();
}

Status HnswIndex::AddBatch(std::span<const uint32_t> slots, const float* values, int threads) {
  Impl& g = *impl_;
  if (slots.empty()) return Status::OK();
  {
    ExclusiveLock lock(g);
    const uint32_t max_slot = *std::max_element(slots.begin(), slots.end());
    g.Grow(g.num_nodes + slots.size(), static_cast<size_t>(max_slot) + 1);
  }
  if (g.trainable && !g.trained && g.num_nodes == 0 && slots.size() >= kAutoTrainNodes) {
    SEMBLE_RETURN_IF_ERROR(TrainOn(values, slots.size(), /*explicitly=*/false));
  }
  // The first error wins; once there is one, the vectors not yet started are skipped.
  std::mutex err_mu;
  Status first_error;
  std::atomic<bool> failed{false};
  core::ParallelFor(slots.size(), threads, [&](size_t i) {
    if (failed.load(std::memory_order_relaxed)) return;
    Status s = Add(slots[i], values + i * g.dims);
    if (!s.ok()) {
      std::lock_guard<std::mutex> l(err_mu);
      if (first_error.ok()) first_error = std::move(s);
      failed.store(true, std::memory_order_relaxed);
    }
  });
  MaybeReconnect();
  return first_error;
}

Status HnswIndex::CheckVector(const HnswOptions& options, const float* values) {
  return CheckValues(options, values);
}

void HnswIndex::Reserve(size_t nodes, size_t slot_limit) {
  Impl& g = *impl_;
  {
    // Usually there is room already. Asking for the exclusive lock regardless made every database
    // write wait until the builder's linking threads (which hold the lock shared, one insert
    // after another) let go, with the writer holding the database's locks meanwhile: ingest
    // into hnsw ran at a tenth of the flat index's speed.
    std::shared_lock<std::shared_mutex> lock(g.rw);
    if (nodes <= g.Capacity() && slot_limit <= g.slot_node.size()) return;
  }
  ExclusiveLock lock(g);
  g.Grow(nodes, slot_limit);
}

size_t HnswIndex::nodes_used() const {
  Impl& g = *impl_;
  std::lock_guard<std::mutex> lock(g.alloc_mu);
  return g.num_nodes;
}

bool HnswIndex::NeedsConsolidation() const {
  const Impl& g = *impl_;
  return g.tombstones.load() > opts_.max_tombstone_fraction * (live_.load() + g.tombstones.load());
}

bool HnswIndex::Remove(uint32_t slot, bool consolidate) {
  Impl& g = *impl_;
  {
    std::shared_lock<std::shared_mutex> lock(g.rw);
    if (slot >= g.slot_node.size()) return false;
    const uint32_t node = std::atomic_ref<uint32_t>(g.slot_node[slot]).exchange(kNoNode);
    if (node == kNoNode) return false;
    StoreState(&g.node_state[node], kDeleted);
    live_.fetch_sub(1);
    g.tombstones.fetch_add(1);
    g.changes.fetch_add(1, std::memory_order_relaxed);
  }
  if (consolidate && NeedsConsolidation()) Consolidate();
  return true;
}

void HnswIndex::Consolidate() {
  Impl& g = *impl_;
  ExclusiveLock lock(g);
  if (g.tombstones.load() == 0) return;
  const uint32_t n = g.num_nodes;
  std::vector<uint8_t> dead(n, 0);
  for (uint32_t i = 0; i < n; ++i) dead[i] = g.node_state[i] == kDeleted;
  // Each live node with a dead neighbour re-selects among its live neighbours and the live
  // neighbours of its dead ones (FreshDiskANN's delete consolidation). Nodes are independent
  // (a node's list is rewritten only by its own task and dead lists are read-only), so two threads
  // share the work and the result does not depend on which thread repairs which node.
  auto repair = [&](uint32_t u, std::vector<uint32_t>& pool_ids, std::vector<Candidate>& pool) {
    for (int l = 0; l <= g.node_level[u]; ++l) {
      uint32_t* links = g.Links(u, l);
      const uint32_t cap = g.Cap(l);
      const uint32_t count = std::min(links[0], cap);
      bool touched = false;
      for (uint32_t i = 1; i <= count; ++i) touched |= dead[links[i]] != 0;
      if (!touched) continue;
      pool_ids.clear();
      for (uint32_t i = 1; i <= count; ++i) {
        const uint32_t x = links[i];
        if (!dead[x]) {
          pool_ids.push_back(x);
          continue;
        }
        const uint32_t* xl = g.Links(x, l);
        const uint32_t xc = std::min(xl[0], cap);
        for (uint32_t j = 1; j <= xc; ++j) {
          if (!dead[xl[j]] && xl[j] != u) pool_ids.push_back(xl[j]);
        }
      }
      std::sort(pool_ids.begin(), pool_ids.end());
      pool_ids.erase(std::unique(pool_ids.begin(), pool_ids.end()), pool_ids.end());
      pool.clear();
      for (uint32_t x : pool_ids) pool.push_back({g.PairDist(u, x), x});
      std::sort(pool.begin(), pool.end());
      if (pool.size() > 3 * cap) pool.resize(3 * cap);
      WriteLinks(links, SelectNeighborsFilled(g, pool, cap));
    }
  };
  // Tasks of kRepairChunk nodes: most nodes need no repair, so per-node tasks would cost more in
  // claiming than in work, and a chunk's scratch lists are reused across its nodes.
  constexpr uint32_t kRepairChunk = 256;
  core::ParallelFor((n + kRepairChunk - 1) / kRepairChunk, 2, [&](size_t chunk) {
    std::vector<uint32_t> pool_ids;
    std::vector<Candidate> pool;
    const uint32_t begin = static_cast<uint32_t>(chunk) * kRepairChunk;
    for (uint32_t u = begin; u < std::min(n, begin + kRepairChunk); ++u) {
      if (g.node_state[u] == kLive) repair(u, pool_ids, pool);
    }
  });
  // A dead entry point hands over to the live node with the highest level.
  const uint64_t e = g.entry.load();
  if (e != Impl::kNoEntry && dead[NodeOf(e)]) {
    uint64_t best = Impl::kNoEntry;
    for (uint32_t i = 0; i < n; ++i) {
      if (g.node_state[i] == kLive && (best == Impl::kNoEntry || g.node_level[i] > LevelOf(best))) {
        best = PackEntry(i, g.node_level[i]);
      }
    }
    g.entry.store(best);
  }
  for (uint32_t i = 0; i < n; ++i) {
    if (!dead[i]) continue;
    g.node_state[i] = kFree;
    g.node_level[i] = 0;
    g.node_slot[i] = kNoNode;
    g.upper[i].reset();
    g.Links(i, 0)[0] = 0;
    g.free_nodes.push_back(i);
  }
  // Lowest ids are reused first: keeps the used part of the arrays compact.
  std::sort(g.free_nodes.rbegin(), g.free_nodes.rend());
  g.tombstones.store(0);
  // The repair above re-selects lists without regard to in-edges, and freed nodes take theirs
  // with them: a live node whose in-edges all came from dead nodes (or were pruned) is re-linked.
  RecountInDegrees(g);
  ReconnectLocked(g);
}

bool HnswIndex::Contains(uint32_t slot) const {
  const Impl& g = *impl_;
  std::shared_lock<std::shared_mutex> lock(g.rw);
  return slot < g.slot_node.size() && LoadRelaxed(&g.slot_node[slot]) != kNoNode;
}

const float* HnswIndex::Get(uint32_t slot) const {
  const Impl& g = *impl_;
  std::shared_lock<std::shared_mutex> lock(g.rw);
  if (slot >= g.slot_node.size()) return nullptr;
  const uint32_t node = LoadAcquire(&g.slot_node[slot]);
  return node == kNoNode ? nullptr : g.Vec(node);
}

namespace {

// Converts internal distances of exact candidates to Hits in the metric's score convention.
std::vector<Hit> ToHits(const HnswIndex::Impl& g, std::vector<Candidate>& c, size_t k) {
  // Only the k best are ordered: at a large ef (a query asking for completeness) sorting all of
  // the candidates would cost more than the walk.
  k = std::min(k, c.size());
  std::partial_sort(c.begin(), c.begin() + k, c.end(), [&](const Candidate& a, const Candidate& b) {
    if (a.first != b.first) return a.first < b.first;
    return g.node_slot[a.second] < g.node_slot[b.second];
  });
  c.resize(k);
  std::vector<Hit> hits(c.size());
  for (size_t i = 0; i < c.size(); ++i) {
    float score = c[i].first;
    if (g.o.metric == Metric::kCosine) score = -score;
    if (g.o.metric == Metric::kEuclidean) score = std::sqrt(std::max(0.0f, score));
    hits[i] = {g.node_slot[c[i].second], score};
  }
  return hits;
}

std::vector<float> PrepareQuery(const HnswIndex::Impl& g, const float* query) {
  std::vector<float> q(query, query + g.dims);
  if (g.o.metric == Metric::kCosine) {
    const float inv = InverseNorm(query, g.dims);
    for (float& x : q) x *= inv;
  }
  return q;
}

// The query as the distances take it: only cosine needs a (normalised) copy; the other metrics
// read the caller's vector, so a query costs no allocation and no copy of it.
class PreparedQuery {
 public:
  PreparedQuery(const HnswIndex::Impl& g, const float* query) : data_(query) {
    if (g.o.metric == Metric::kCosine) {
      copy_ = PrepareQuery(g, query);
      data_ = copy_.data();
    }
  }
  PreparedQuery(const PreparedQuery&) = delete;
  PreparedQuery& operator=(const PreparedQuery&) = delete;
  const float* data() const { return data_; }

 private:
  const float* data_;
  std::vector<float> copy_;
};

// Rescores the candidates of a quantized walk on the float32 vectors (c.first becomes the exact
// distance). Only the k best survive the caller's ToHits, so under L2 the candidates are taken in
// their quantized order - the best first, making the k-th exact distance found so far small soon -
// and each later one is read only until its partial sum passes that bound: such a candidate is
// farther than k others and is never returned, so the hits are the same as with every distance
// exact. (Its distance is then only a lower bound, larger than the k-th; ToHits orders by it and
// cuts it away.)
void Rescore(const HnswIndex::Impl& g, const float* q, size_t k, std::vector<Candidate>* found) {
  for (const Candidate& c : *found) {
    const char* v = reinterpret_cast<const char*>(g.Vec(c.second));
    for (size_t off = 0; off < 256 && off < g.dims * sizeof(float); off += 64) {
      __builtin_prefetch(v + off);
    }
  }
  if (g.o.metric != Metric::kEuclidean || found->size() <= k) {
    for (Candidate& c : *found) c.first = g.ExactDist(q, c.second);
    return;
  }
  std::sort(found->begin(), found->end(), CloserFirst());
  // A max-heap of the k smallest exact distances so far; its top is the bound.
  std::vector<float> best;
  best.reserve(k + 1);
  for (Candidate& c : *found) {
    const float bound = best.size() < k ? kInf : best.front();
    c.first = g.ExactDist(q, c.second, bound);
    if (c.first <= bound) {
      best.push_back(c.first);
      std::push_heap(best.begin(), best.end());
      if (best.size() > k) {
        std::pop_heap(best.begin(), best.end());
        best.pop_back();
      }
    }
  }
}

// `held_out` (a node, or kNoNode): a node the walk treats as absent — never scored, entered or
// returned — so that a stored vector can be asked as if it were a query the graph has not seen
// (the recall calibration). Only that caller pays for the masked distance.
template <class Accept>
std::vector<Hit> SearchImpl(const HnswIndex::Impl& g, const float* query, size_t k, size_t ef,
                            const Accept& accept, uint32_t held_out = kNoNode,
                            double pass_rate = 1.0) {
  std::shared_lock<std::shared_mutex> lock(g.rw);
  const uint64_t e = g.entry.load(std::memory_order_acquire);
  if (e == HnswIndex::Impl::kNoEntry || k == 0) return {};
  ef = std::max(ef, k);
  const PreparedQuery q(g, query);
  std::vector<Candidate> found;
  VisitedSet* visited = g.AcquireVisited();
  auto walk = [&](const auto& dist, bool exact) {
    uint32_t cur = NodeOf(e);
    float cur_d = dist(cur, kInf);
    for (int l = LevelOf(e); l > 0; --l) Greedy(g, dist, l, &cur, &cur_d);
    if (pass_rate < 1.0) {
      SearchLayerIn(g, dist, cur, cur_d, FilteredList(ef, k, pass_rate), 0, accept, visited, &found,
                    exact);
    } else {
      SearchLayer(g, dist, cur, cur_d, ef, 0, accept, visited, &found, exact);
    }
  };
  auto run = [&](const auto& dist, bool exact) {
    if (held_out == kNoNode) return walk(dist, exact);
    // Infinitely far on the upper layers, already visited on layer 0. The caller never holds out
    // a layer-0-only entry point (the walk would have to start there).
    visited->TestAndSet(held_out);
    walk([&](uint32_t n, float bound) { return n == held_out ? kInf : dist(n, bound); }, exact);
  };
  if (g.quantized && g.trained.load(std::memory_order_acquire)) {
    QuantizedQuery qq;
    if (g.o.quantizer == QuantizerKind::kSq8) {
      g.sq.PrepareQuery(q.data(), &qq);
    } else {
      g.bq.PrepareQuery(q.data(), &qq);
    }
    const bool sq8 = g.o.quantizer == QuantizerKind::kSq8;
    // The quantizers' Dot, inlined with the kernels resolved once.
    auto dist = [&](uint32_t n, float /*bound*/) { return CodeDist(g, qq, n); };
    // One bit per dimension ranks coarsely, the more so the fewer dimensions: the walk keeps
    // several times more candidates, all rescored exactly, to land near the float walk's recall.
    if (!sq8) ef *= std::clamp<size_t>(512 / g.dims, kBinaryOversample, 16);
    run(dist, false);
    // Rescore: the quantized walk picked the candidates, exact float32 ranks and scores them.
    // sq8 ranks well enough that only the best kSq8Rescore * k need the (cache-missing) float
    // vectors; bq's order is too coarse to cut, so all of them are rescored.
    if (sq8 && found.size() > kSq8Rescore * k) {
      std::nth_element(found.begin(), found.begin() + kSq8Rescore * k, found.end());
      found.resize(kSq8Rescore * k);
    }
    Rescore(g, q.data(), k, &found);
  } else {
    // One specialised lambda per metric, so the kernel call is the only indirection per node.
    const float* qp = q.data();
    const uint32_t dims = g.dims;
    std::optional<WalkBound> wb;
    if (g.bounded && g.trained.load(std::memory_order_acquire)) wb.emplace(g, qp);
    if (wb && wb->enabled()) {
      // Codes first, the float32 vector only when the code's bound cannot rule the node out.
      auto exact = [&](uint32_t n, float bound) { return g.ExactDist(qp, n, bound); };
      auto lower = [&](uint32_t n) { return wb->Lower(n); };
      const auto bounded = BoundedDist(*wb, exact);
      auto dist = [&](uint32_t n, float bound) { return n == held_out ? kInf : bounded(n, bound); };
      if (held_out != kNoNode) visited->TestAndSet(held_out);  // as `run` does
      uint32_t cur = NodeOf(e);
      float cur_d = dist(cur, kInf);
      for (int l = LevelOf(e); l > 0; --l) Greedy(g, dist, l, &cur, &cur_d);
      if (pass_rate < 1.0) {
        SearchLayerBounded(g, lower, exact, cur, cur_d, FilteredList(ef, k, pass_rate), 0, accept,
                           visited, &found);
      } else {
        SearchLayerBounded(g, lower, exact, cur, cur_d, FixedList{ef}, 0, accept, visited, &found);
      }
    } else if (g.floats_apart) {  // not trained yet: exact distances on the separate vectors
      run([&](uint32_t n, float bound) { return g.ExactDist(qp, n, bound); }, true);
    } else if (g.o.metric == Metric::kCosine) {
      run(
          [&](uint32_t n, float) {
            const float* c = reinterpret_cast<const float*>(g.Code(n));
            return -g.dot(qp, c + 1, dims) * c[0];  // c[0] is 1/|v|
          },
          true);
    } else if (g.o.metric == Metric::kEuclidean) {
      run(
          [&](uint32_t n, float bound) {
            return g.l2(qp, reinterpret_cast<const float*>(g.Code(n)), dims, bound);
          },
          true);
    } else {
      run([&](uint32_t n,
              float) { return -g.dot(qp, reinterpret_cast<const float*>(g.Code(n)), dims); },
          true);
    }
  }
  g.ReleaseVisited(visited);
  return ToHits(g, found, k);
}

}  // namespace

std::vector<Hit> HnswIndex::Search(const float* query, size_t k, uint32_t ef) const {
  const Impl& g = *impl_;
  SampleQuery(query);
  ef = ef == 0 ? opts_.ef_search : ef;
  // Without tombstones every node is live: skip the per-node state read (a cache miss on large
  // graphs). A delete racing with this query may then still be returned by it, which is the same
  // as the query having run just before the delete.
  if (g.tombstones.load(std::memory_order_acquire) == 0) {
    return SearchImpl(g, query, k, ef, [](uint32_t) { return true; });
  }
  auto accept = [&](uint32_t n) { return LoadState(&g.node_state[n]) == kLive; };
  return SearchImpl(g, query, k, ef, accept);
}

std::vector<Hit> HnswIndex::SearchHeldOut(const float* query, size_t k, uint32_t ef,
                                          uint32_t slot) const {
  const Impl& g = *impl_;
  uint32_t node = kNoNode;
  {
    std::shared_lock<std::shared_mutex> lock(g.rw);  // slot_node may be growing
    if (slot < g.slot_node.size()) node = LoadAcquire(&g.slot_node[slot]);
  }
  auto accept = [&](uint32_t n) { return n != node && LoadState(&g.node_state[n]) == kLive; };
  return SearchImpl(g, query, k, ef == 0 ? opts_.ef_search : ef, accept, node);
}

std::vector<Hit> HnswIndex::SearchFiltered(const float* query, size_t k, uint32_t ef,
                                           const std::function<bool(uint32_t)>& allow,
                                           double pass_rate) const {
  const Impl& g = *impl_;
  SampleQuery(query);
  auto accept = [&](uint32_t n) {
    return LoadState(&g.node_state[n]) == kLive && allow(g.node_slot[n]);
  };
  return SearchImpl(g, query, k, ef == 0 ? opts_.ef_search : ef, accept, kNoNode,
                    std::clamp(pass_rate, 0.0, 1.0));
}

namespace {

// Scores nodes exactly into `top` (key: minus the distance), the scan behind SearchSlots and
// SearchExact. With bound codes (lb8) a node's code gives a number proven no larger than its
// exact distance (hnsw_bound.h); once `top` is full, a node whose bound is above the k-th
// distance so far could not enter it, and is ruled out without reading its float32 vector (4
// bytes a dimension, against the code's 1). Nodes are taken in blocks: first the codes of a
// block, requesting the float32 vectors of the nodes not ruled out, then those nodes scored,
// their bounds checked again against the k-th distance as it has become (it only shrinks). The
// vectors read then arrive side by side instead of one miss after another. The hits and scores
// are those of scoring every node: only nodes that could not enter are skipped.
class ExactScan {
 public:
  ExactScan(const HnswIndex::Impl& g, const float* q, size_t k) : g_(g), q_(q), top_(k) {
    if (g.bounded && g.trained.load(std::memory_order_acquire)) {
      wb_.emplace(g, q);
      if (!wb_->enabled()) wb_.reset();
    }
  }

  void Add(uint32_t node) {
    if (!wb_) {
      top_.Push(-g_.ExactDist(q_, node), node);
      return;
    }
    block_[size_++] = node;
    if (size_ == kBlock) Flush();
  }

  std::vector<Candidate> Take() {
    Flush();
    std::vector<Candidate> c;
    for (const core::ScoredSlot& s : top_.Take()) c.push_back({-s.key, s.slot});
    return c;
  }

 private:
  static constexpr size_t kBlock = 64;
  static constexpr size_t kAhead = 4;
  static constexpr double kNoBound = -std::numeric_limits<double>::infinity();

  // The k-th distance so far; +infinity while fewer than k are kept.
  double Kth() const { return -static_cast<double>(top_.threshold()); }

  void Flush() {
    if (size_ == 0) return;
    const size_t vector_bytes = size_t{g_.dims} * sizeof(float);
    auto prefetch_code = [&](uint32_t n) {
      const char* p = reinterpret_cast<const char*>(g_.Code(n));
      for (size_t off = 0; off < g_.prefetch_bytes; off += 64) __builtin_prefetch(p + off);
    };
    for (size_t i = 0; i < size_ && i < kAhead; ++i) prefetch_code(block_[i]);
    size_t kept = 0;
    for (size_t i = 0; i < size_; ++i) {
      if (i + kAhead < size_) prefetch_code(block_[i + kAhead]);
      const uint32_t n = block_[i];
      double lb = kNoBound;
      const double kth = Kth();
      if (kth < std::numeric_limits<double>::infinity()) {
        lb = wb_->Lower(n);
        if (lb > kth) continue;
      }
      const char* v = reinterpret_cast<const char*>(g_.Vec(n));
      for (size_t off = 0; off < vector_bytes; off += 64) __builtin_prefetch(v + off);
      kept_[kept++] = {n, lb};
    }
    for (size_t i = 0; i < kept; ++i) {
      const double kth = Kth();
      if (kth < std::numeric_limits<double>::infinity()) {
        const double lb = kept_[i].lb == kNoBound ? wb_->Lower(kept_[i].node) : kept_[i].lb;
        if (lb > kth) continue;
      }
      top_.Push(-g_.ExactDist(q_, kept_[i].node), kept_[i].node);
    }
    size_ = 0;
  }

  struct Kept {
    uint32_t node;
    double lb;  // kNoBound when not computed (top was not full)
  };
  const HnswIndex::Impl& g_;
  const float* q_;
  core::TopK top_;
  std::optional<WalkBound> wb_;
  std::array<uint32_t, kBlock> block_;
  std::array<Kept, kBlock> kept_;
  size_t size_ = 0;
};

}  // namespace

std::vector<Hit> HnswIndex::SearchSlots(const float* query, size_t k,
                                        std::span<const uint32_t> slots) const {
  const Impl& g = *impl_;
  std::shared_lock<std::shared_mutex> lock(g.rw);
  const PreparedQuery q(g, query);
  ExactScan scan(g, q.data(), k);
  for (uint32_t slot : slots) {
    if (slot >= g.slot_node.size()) continue;
    const uint32_t node = LoadAcquire(&g.slot_node[slot]);
    if (node != kNoNode) scan.Add(node);
  }
  std::vector<Candidate> c = scan.Take();
  return ToHits(g, c, k);
}

void HnswIndex::ScoresAsStored(const float* query, std::span<const float* const> vectors,
                               float* out) const {
  const Impl& g = *impl_;
  const PreparedQuery q(g, query);
  for (size_t i = 0; i < vectors.size(); ++i) {
    const float* v = vectors[i];
    // As ExactDist and ToHits compute it for a node holding v (its norm as inserts store it).
    switch (g.o.metric) {
      case Metric::kCosine:
        out[i] = g.dot(q.data(), v, g.dims) * InverseNorm(v, g.dims);
        break;
      case Metric::kEuclidean:
        out[i] = std::sqrt(std::max(0.0f, g.l2(q.data(), v, g.dims, kInf)));
        break;
      case Metric::kDotProduct:
        out[i] = -g.dot(q.data(), v, g.dims);
        break;
    }
  }
}

std::vector<Hit> HnswIndex::SearchExact(const float* query, size_t k) const {
  const Impl& g = *impl_;
  std::shared_lock<std::shared_mutex> lock(g.rw);
  const PreparedQuery q(g, query);
  ExactScan scan(g, q.data(), k);
  // nodes_used(): under alloc_mu, as an insert may be allocating a node meanwhile (adds run under
  // the shared lock too); a node allocated after this read is not yet live anyway.
  const uint32_t n = static_cast<uint32_t>(nodes_used());
  for (uint32_t node = 0; node < n; ++node) {
    if (LoadState(&g.node_state[node]) == kLive) scan.Add(node);
  }
  std::vector<Candidate> c = scan.Take();
  return ToHits(g, c, k);
}

namespace {

// Nodes per hold of the shared lock in passes over every node (a background recalibration's among
// them), so that such a pass never holds off a growing graph for long.
constexpr uint32_t kExactChunk = 16384;

// The nodes of an index for FindProductCandidates: each block read under the shared lock (the
// arrays may move when the graph grows), a dead node as a row of zeros that is never returned.
// Tracks the largest norm it reads, which the margins assumed no row exceeds: a node rewritten
// since they were computed (freed and added again) may break that, and then the product's
// candidates prove nothing.
class NodeRows : public ProductRows {
 public:
  NodeRows(const HnswIndex::Impl& g, core::DotTileKey form) : g_(g), form_(form) {}
  void Read(size_t first, size_t count, float* panels, float* terms, uint8_t* live) override {
    gathered_.resize(count * g_.dims);
    std::shared_lock<std::shared_mutex> lock(g_.rw);
    for (size_t j = 0; j < count; ++j) {
      const uint32_t node = static_cast<uint32_t>(first + j);
      float* row = gathered_.data() + j * g_.dims;
      live[j] = node < g_.Capacity() && LoadState(&g_.node_state[node]) == kLive;
      if (!live[j]) {
        std::fill_n(row, g_.dims, 0.0f);
        continue;
      }
      std::copy_n(g_.Vec(node), g_.dims, row);
      if (form_ == core::DotTileKey::kScaled) {
        terms[j] = g_.InvNorm(node);
      } else {
        terms[j] = core::DotProduct(row, row, g_.dims);
        max_norm_ = std::max(max_norm_, std::sqrt(static_cast<double>(terms[j])));
      }
    }
    core::PackDotTileRows(gathered_.data(), count, g_.dims, panels);
  }
  double max_norm() const { return max_norm_; }

 private:
  const HnswIndex::Impl& g_;
  core::DotTileKey form_;
  std::vector<float> gathered_;
  double max_norm_ = 0;
};

}  // namespace

std::optional<std::vector<std::vector<Hit>>> HnswIndex::SearchExactManyByProduct(
    const float* queries, size_t count, size_t k) const {
  const Impl& g = *impl_;
  const core::DotTileKey form = g.o.metric == Metric::kCosine      ? core::DotTileKey::kScaled
                                : g.o.metric == Metric::kEuclidean ? core::DotTileKey::kNegL2
                                                                   : core::DotTileKey::kDot;
  std::deque<PreparedQuery> prepared;  // not movable: a deque never moves what it holds
  std::vector<float> q(count * g.dims);
  uint32_t n;
  double max_norm = 0;
  {
    std::shared_lock<std::shared_mutex> lock(g.rw);
    for (size_t i = 0; i < count; ++i) {
      const float* p = prepared.emplace_back(g, queries + i * g.dims).data();
      std::copy_n(p, g.dims, q.data() + i * g.dims);
    }
    // Nodes allocated after this are left out, as SearchExact leaves out those allocated after
    // its own count (they were not live when it began).
    n = static_cast<uint32_t>(nodes_used());
  }
  if (n == 0) return std::nullopt;
  // The largest norm bounds every pair's rounding under L2 and dot product (cosine keys are
  // normalized): one pass before the product, which reads every vector once more, the lock
  // taken per chunk as in the pass of SearchExactMany below.
  if (form != core::DotTileKey::kScaled) {
    for (uint32_t begin = 0; begin < n; begin += kExactChunk) {
      std::shared_lock<std::shared_mutex> lock(g.rw);
      for (uint32_t node = begin; node < std::min(n, begin + kExactChunk); ++node) {
        if (LoadState(&g.node_state[node]) != kLive) continue;
        const float* v = g.Vec(node);
        max_norm =
            std::max(max_norm, std::sqrt(static_cast<double>(core::DotProduct(v, v, g.dims))));
      }
    }
  }
  // Queries are prepared as ExactDist takes them (normalized under cosine): the query's key
  // term is 1 for cosine, its squared norm for L2.
  std::vector<float> q_terms(count), margins(count);
  for (size_t i = 0; i < count; ++i) {
    const float* qi = q.data() + i * g.dims;
    const float sq = core::DotProduct(qi, qi, g.dims);
    q_terms[i] = form == core::DotTileKey::kScaled ? 1.0f : sq;
    const double margin = ProductMargin(form, g.dims, std::sqrt(static_cast<double>(sq)), max_norm);
    if (!(margin <= 1e30)) return std::nullopt;
    margins[i] = static_cast<float>(margin);
  }
  NodeRows rows(g, form);
  std::vector<ProductCandidates> found = FindProductCandidates(
      q.data(), count, g.dims, k, form, q_terms.data(), margins.data(), n, &rows);
  if (rows.max_norm() > max_norm) return std::nullopt;  // a node changed under the margins

  std::vector<std::vector<Hit>> out(count);
  for (size_t i = 0; i < count; ++i) {
    if (found[i].gave_up) {
      out[i] = SearchExact(queries + i * g.dims, k);
      continue;
    }
    const float* qi = q.data() + i * g.dims;
    std::shared_lock<std::shared_mutex> lock(g.rw);
    core::TopK top(k);
    for (const core::ScoredSlot& c : found[i].rows) {
      if (!(c.key >= found[i].floor) || LoadState(&g.node_state[c.slot]) != kLive) continue;
      top.Push(-g.ExactDist(qi, c.slot), c.slot);
    }
    std::vector<Candidate> best;
    for (const core::ScoredSlot& s : top.Take()) best.push_back({-s.key, s.slot});
    out[i] = ToHits(g, best, k);
  }
  return out;
}

std::vector<std::vector<Hit>> HnswIndex::SearchExactMany(const float* queries, size_t count,
                                                         size_t k) const {
  const Impl& g = *impl_;
  // Many queries: the candidates from a matrix product, scored again by ExactDist (the same
  // answers, at several times the rate of scoring each pair: bench/RESULTS.md).
  if (count >= kProductMinQueries && k > 0) {
    if (auto product = SearchExactManyByProduct(queries, count, k)) return *std::move(product);
  }
  std::deque<PreparedQuery> prepared;  // not movable: a deque never moves what it holds
  std::vector<const float*> q(count);
  std::vector<core::TopK> top(count, core::TopK(k));
  {
    std::shared_lock<std::shared_mutex> lock(g.rw);
    for (size_t i = 0; i < count; ++i) {
      q[i] = prepared.emplace_back(g, queries + i * g.dims).data();
    }
  }
  // Node-major: one node's vector (at most a few KiB) stays in L1 while every query, together a
  // few hundred KiB that stay in L2, is scored against it. Query-major would stream the whole
  // index from memory once per query.
  // The lock is taken per chunk of nodes, as SearchExact's callers took it per query.
  for (uint32_t begin = 0;; begin += kExactChunk) {
    std::shared_lock<std::shared_mutex> lock(g.rw);
    // nodes_used(): under alloc_mu, as an insert may be allocating a node meanwhile.
    const uint32_t end = static_cast<uint32_t>(std::min<size_t>(nodes_used(), begin + kExactChunk));
    if (begin >= end) break;
    for (uint32_t node = begin; node < end; ++node) {
      if (LoadState(&g.node_state[node]) != kLive) continue;
      for (size_t i = 0; i < count; ++i) top[i].Push(-g.ExactDist(q[i], node), node);
    }
  }
  // A node removed (and perhaps consolidated away, its slot gone) since its chunk is not answered.
  std::shared_lock<std::shared_mutex> lock(g.rw);
  std::vector<std::vector<Hit>> out(count);
  for (size_t i = 0; i < count; ++i) {
    std::vector<Candidate> c;
    for (const core::ScoredSlot& s : top[i].Take()) {
      if (LoadState(&g.node_state[s.slot]) == kLive) c.push_back({-s.key, s.slot});
    }
    out[i] = ToHits(g, c, k);
  }
  return out;
}

std::vector<uint32_t> HnswIndex::InDegreesForTest() const {
  const Impl& g = *impl_;
  std::shared_lock<std::shared_mutex> lock(g.rw);
  return std::vector<uint32_t>(g.in_degree.begin(), g.in_degree.begin() + g.num_nodes);
}

bool HnswIndex::BoundForTest(const float* query, uint32_t slot, double* bound,
                             float* distance) const {
  const Impl& g = *impl_;
  std::shared_lock<std::shared_mutex> lock(g.rw);
  if (!g.bounded || !g.trained.load() || slot >= g.slot_node.size()) return false;
  const uint32_t node = LoadAcquire(&g.slot_node[slot]);
  if (node == kNoNode) return false;
  const PreparedQuery q(g, query);
  const WalkBound wb(g, q.data());
  if (!wb.enabled()) return false;
  *bound = wb.Lower(node);
  *distance = g.ExactDist(q.data(), node);
  return true;
}

HnswMemoryStats HnswIndex::MemoryStats() const {
  const Impl& g = *impl_;
  std::shared_lock<std::shared_mutex> lock(g.rw);
  HnswMemoryStats s;
  size_t upper = 0;
  const size_t n = nodes_used();  // under alloc_mu, as in SearchExact
  for (uint32_t i = 0; i < n; ++i) {
    upper += static_cast<size_t>(g.node_level[i]) * (1 + g.m) * sizeof(uint32_t);
  }
  // Traversal: layer-0 records (links + code), upper links, per-node state/level/slot.
  const size_t traversal = n * g.record_words * sizeof(uint32_t) + upper + n * 6;
  // Bound codes read the float32 copy for the candidates their bound cannot rule out: counted here.
  const size_t rescoring = g.floats_apart ? n * g.dims * sizeof(float) : 0;
  s.total_bytes = n * g.record_words * sizeof(uint32_t) + rescoring + g.node_slot.capacity() * 4 +
                  g.node_level.capacity() + g.node_state.capacity() + g.in_degree.capacity() * 4 +
                  g.upper.capacity() * sizeof(void*) + upper + g.slot_node.capacity() * 4;
  const double live = std::max<size_t>(1, size());
  s.traversal_bytes_per_vector = traversal / live;
  s.rescoring_bytes_per_vector = rescoring / live;
  s.total_bytes_per_vector = s.total_bytes / live;
  return s;
}

}  // namespace semble::index
