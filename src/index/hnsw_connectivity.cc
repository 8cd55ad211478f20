// Copyright 2026 The semble Authors.
//
// Keeping every live node reachable. A search only finds nodes it can walk to from the entry
// point; HNSW's neighbour heuristic does not promise that. When a full list is re-selected, the
// heuristic drops a candidate "covered" by a closer, already selected neighbour, on the theory that
// the walk will get there through that neighbour - but nothing makes that neighbour link to it. On
// clustered data (sentence embeddings, near-duplicates) every list that could hold a new node may
// drop it that way, and with parallel inserts a list can also lose entries to a concurrent rewrite.
// Such a node has no in-edge and is never returned, not even for its own vector at ef >= N.
//
// Two defences:
//   - Locally, while linking: every layer-0 list change keeps in_degree (the number of layer-0
//     lists holding a node) up to date, and a prune may drop an old entry only if that entry keeps
//     another in-edge (TryReleaseInEdge, a compare-and-swap, so two concurrent prunes cannot both
//     drop the last two in-edges of a node). A new node left with no in-edge takes one by force.
//   - Globally: ReachableFromEntry walks layer 0 from the entry point; ReconnectLocked re-links
//     every live node the walk missed (a node can have in-edges from a pocket that is itself cut
//     off, or lose them when Consolidate frees tombstoned nodes). HnswIndex runs the check after
//     AddBatch (bounded, see MaybeReconnect), after Consolidate and after Deserialize.

#include <algorithm>
#include <chrono>
#include <limits>
#include <vector>

#include "index/hnsw_index.h"
#include "index/hnsw_internal.h"
#include "index/hnsw_walk.h"

namespace semble::index {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
// Repair rounds: a repair can move an in-edge away from a node whose other in-edge came from a
// pocket that is itself unreachable; the next round finds and re-links it.
constexpr int kRepairRounds = 4;
// The check costs one walk over every layer-0 list; running it after a batch once nodes added since
// the last check reach 1/kCheckEvery of the graph keeps it a small, constant share of insert work.
constexpr size_t kCheckEvery = 16;
// Below this many nodes the check runs after every batch: it is cheaper than a handful of inserts.
constexpr size_t kAlwaysCheckBelow = 8192;
// When the builder is idle, the nodes added since the last check are checked too, but at most
// once per kIdleGap times the last check's duration (a trickle of writes must not keep it busy).
constexpr int64_t kIdleGap = 10;

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void AddInEdge(HnswIndex::Impl& g, uint32_t t) {
  std::atomic_ref<uint32_t>(g.in_degree[t]).fetch_add(1, std::memory_order_acq_rel);
}

// Takes back one in-edge of t unless it is t's last one. Called before the edge is removed, and
// AddInEdge before one is written, both by the holder of the list's lock: a concurrent prune may
// miss an edge about to go (and keep an entry it could have dropped) or count one about to be
// written (which its writer always writes), so the last in-edge of a node survives any
// interleaving.
bool TryReleaseInEdge(HnswIndex::Impl& g, uint32_t t) {
  std::atomic_ref<uint32_t> d(g.in_degree[t]);
  uint32_t cur = d.load(std::memory_order_acquire);
  while (cur >= 2) {
    if (d.compare_exchange_weak(cur, cur - 1, std::memory_order_acq_rel)) return true;
  }
  return false;
}

bool Holds(const std::vector<uint32_t>& ids, uint32_t x) {
  return std::find(ids.begin(), ids.end(), x) != ids.end();
}

// The list that replaces `old` (base's full list on `level`) when choosing among `pool` (old plus
// new candidates, ascending by distance to base). On layer 0 an old entry that cannot give up its
// in-edge stays, in place of the farthest selected entry that can go (a new candidate, or an old
// one that keeps another in-edge); in_degree is updated for what leaves and what arrives.
std::vector<uint32_t> PruneKeepingLastEdges(HnswIndex::Impl& g, int level,
                                            const std::vector<Candidate>& pool,
                                            const std::vector<uint32_t>& old, uint32_t cap) {
  std::vector<uint32_t> chosen = SelectNeighbors(g, pool, cap);
  if (level != 0) return chosen;
  std::vector<uint32_t> pinned;  // old entries kept for their in-edge
  for (uint32_t x : old) {
    if (!Holds(chosen, x) && !Holds(pinned, x) && !TryReleaseInEdge(g, x)) pinned.push_back(x);
  }
  for (uint32_t t : pinned) {
    if (chosen.size() < cap) {
      chosen.push_back(t);
      continue;
    }
    // `chosen` is closest first up to its pinned tail; look for a victim from the far end.
    bool placed = false;
    for (size_t i = chosen.size(); i-- > 0;) {
      const uint32_t y = chosen[i];
      if (Holds(pinned, y)) continue;
      if (Holds(old, y) && !TryReleaseInEdge(g, y)) continue;
      chosen.erase(chosen.begin() + static_cast<std::ptrdiff_t>(i));
      chosen.push_back(t);
      placed = true;
      break;
    }
    // Only a list with repeated entries (a damaged blob) can get here: t then keeps its count
    // though it lost this edge; the global check repairs what that may cost.
    (void)placed;
  }
  for (uint32_t y : chosen) {
    if (!Holds(old, y)) AddInEdge(g, y);
  }
  return chosen;
}

}  // namespace

void MergeLinks(HnswIndex::Impl& g, uint32_t base, int level, const std::vector<uint32_t>& add) {
  const uint32_t cap = g.Cap(level);
  std::lock_guard<std::mutex> lk(g.link_locks[base % kLockStripes]);
  uint32_t* links = g.Links(base, level);
  const uint32_t count = std::min(LoadRelaxed(links), cap);
  std::vector<uint32_t> old(count);
  for (uint32_t i = 0; i < count; ++i) old[i] = LoadRelaxed(links + 1 + i);
  std::vector<uint32_t> fresh;
  for (uint32_t x : add) {
    if (x != base && !Holds(old, x) && !Holds(fresh, x)) fresh.push_back(x);
  }
  if (fresh.empty()) return;
  if (old.size() + fresh.size() <= cap) {
    // Room for all: append (readers see the old entries throughout, then the count grows).
    for (size_t i = 0; i < fresh.size(); ++i) {
      if (level == 0) AddInEdge(g, fresh[i]);
      StoreRelease(links + 1 + old.size() + i, fresh[i]);
    }
    StoreRelease(links, static_cast<uint32_t>(old.size() + fresh.size()));
    return;
  }
  std::vector<Candidate> pool;
  pool.reserve(old.size() + fresh.size());
  for (uint32_t x : old) pool.push_back({g.PairDist(base, x), x});
  for (uint32_t x : fresh) pool.push_back({g.PairDist(base, x), x});
  std::sort(pool.begin(), pool.end());
  WriteLinks(links, PruneKeepingLastEdges(g, level, pool, old, cap));
}

void RecountInDegrees(HnswIndex::Impl& g) {
  std::fill(g.in_degree.begin(), g.in_degree.end(), 0);
  for (uint32_t u = 0; u < g.num_nodes; ++u) {
    if (g.node_state[u] == kFree) continue;
    const uint32_t* links = g.Links(u, 0);
    const uint32_t count = std::min(links[0], g.m0);
    for (uint32_t i = 1; i <= count; ++i) ++g.in_degree[links[i]];
  }
}

namespace {

// Breadth-first over layer-0 links from the nodes already marked in *seen, marking what it reaches.
void Spread(const HnswIndex::Impl& g, std::vector<uint32_t>* queue, std::vector<uint8_t>* seen) {
  for (size_t head = 0; head < queue->size(); ++head) {
    const uint32_t* links = g.Links((*queue)[head], 0);
    const uint32_t count = std::min(LoadAcquire(links), g.m0);
    for (uint32_t i = 1; i <= count; ++i) {
      const uint32_t t = LoadRelaxed(links + i);
      if (t >= seen->size() || (*seen)[t]) continue;
      (*seen)[t] = 1;
      queue->push_back(t);
    }
  }
  queue->clear();
}

// Links live node u, which no walk from the entry point reaches, to its nearest reachable live
// nodes: one of them takes u into its list (by force when full), and u links back to them, so a
// walk that starts at u (a greedy descent can end there) gets out again.
void RelinkNode(HnswIndex::Impl& g, uint32_t u, const std::vector<uint8_t>& seen,
                VisitedSet* visited) {
  const uint64_t e = g.entry.load(std::memory_order_acquire);
  const uint32_t entry = static_cast<uint32_t>(e);
  const int top = static_cast<int>(e >> 32);
  std::vector<float> q(g.Vec(u), g.Vec(u) + g.dims);
  if (g.o.metric == Metric::kCosine) {
    for (float& x : q) x *= g.InvNorm(u);
  }
  auto dist = [&](uint32_t n, float bound) { return g.ExactDist(q.data(), n, bound); };
  auto accept = [&](uint32_t n) { return n != u && seen[n] && g.node_state[n] == kLive; };
  std::vector<Candidate> found;
  // From the entry point straight down layer 0 rather than through the upper layers: those may
  // lead into u's own unreachable pocket, where nothing acceptable is found.
  visited->Reset(g.Capacity());
  uint32_t cur = entry;
  float cur_d = dist(cur, kInf);
  for (int l = top; l > 0; --l) Greedy(g, dist, l, &cur, &cur_d);
  if (!seen[cur]) {
    cur = entry;
    cur_d = dist(cur, kInf);
  }
  SearchLayer(g, dist, cur, cur_d, g.o.ef_construction, 0, accept, visited, &found, true);
  std::sort(found.begin(), found.end());
  std::vector<uint32_t> targets = SelectNeighbors(g, found, g.m);
  if (targets.empty()) targets.push_back(entry);  // no live node reachable: the entry itself
  if (!ForceInEdge(g, u, targets)) {
    // Every reachable neighbour's in-edges are all last ones: fall back to any reachable node.
    std::vector<uint32_t> any;
    for (const Candidate& c : found) any.push_back(c.second);
    ForceInEdge(g, u, any);
  }
  for (size_t i = 1; i < targets.size() && i < 3; ++i) MergeLinks(g, targets[i], 0, {u});
  MergeLinks(g, u, 0, targets);
}

// Makes u link to x on layer 0: appended when there is room, else in place of u's farthest entry
// that keeps another in-edge. False if every entry of u is some node's last in-edge.
bool ForceOutEdge(HnswIndex::Impl& g, uint32_t u, uint32_t x) {
  const uint32_t cap = g.Cap(0);
  std::lock_guard<std::mutex> lk(g.link_locks[u % kLockStripes]);
  uint32_t* links = g.Links(u, 0);
  const uint32_t count = std::min(LoadRelaxed(links), cap);
  std::vector<Candidate> entries;
  for (uint32_t i = 1; i <= count; ++i) {
    const uint32_t y = LoadRelaxed(links + i);
    if (y == x) return true;
    entries.push_back({g.PairDist(u, y), y});
  }
  if (count < cap) {
    AddInEdge(g, x);
    StoreRelease(links + 1 + count, x);
    StoreRelease(links, count + 1);
    return true;
  }
  std::sort(entries.begin(), entries.end());
  for (size_t i = entries.size(); i-- > 0;) {
    const uint32_t y = entries[i].second;
    if (!TryReleaseInEdge(g, y)) continue;
    AddInEdge(g, x);
    for (uint32_t j = 1; j <= count; ++j) {
      if (LoadRelaxed(links + j) == y) {
        StoreRelease(links + j, x);
        break;
      }
    }
    return true;
  }
  return false;
}

// The layer-0 lists reversed (compressed rows: the nodes linking to t are
// sources[offsets[t]..offsets[t + 1]]), for walking towards the entry point.
struct ReversedLinks {
  std::vector<uint32_t> offsets, sources;
};

// Calls fn(u, t) for every layer-0 link u -> t with t < n of the first n live nodes. The lists are
// read as concurrent adds leave them: a count capped at m0, each entry loaded once.
template <typename Fn>
void ForEachLink(const HnswIndex::Impl& g, uint32_t n, Fn fn) {
  for (uint32_t u = 0; u < n; ++u) {
    if (LoadState(&g.node_state[u]) == kFree) continue;
    const uint32_t* links = g.Links(u, 0);
    const uint32_t count = std::min(LoadAcquire(links), g.m0);
    for (uint32_t i = 1; i <= count; ++i) {
      const uint32_t t = LoadRelaxed(links + i);
      if (t < n) fn(u, t);
    }
  }
}

ReversedLinks Reverse(const HnswIndex::Impl& g, uint32_t n) {
  ReversedLinks r;
  r.offsets.assign(n + 2, 0);
  ForEachLink(g, n, [&](uint32_t, uint32_t t) { ++r.offsets[t + 2]; });
  for (uint32_t t = 0; t < n; ++t) r.offsets[t + 2] += r.offsets[t + 1];
  r.sources.resize(r.offsets[n + 1]);
  // offsets[t + 1] is t's fill cursor; it ends as t's end (= t + 1's start). Lists that concurrent
  // adds changed since the count are cut to the space counted.
  ForEachLink(g, n, [&](uint32_t u, uint32_t t) {
    if (r.offsets[t + 1] < r.offsets[t + 2]) r.sources[r.offsets[t + 1]++] = u;
  });
  r.offsets.pop_back();
  return r;
}

// Marks, walking the reversed lists from the nodes queued (already marked), every node that can
// reach one of them.
void SpreadBack(const ReversedLinks& r, std::vector<uint32_t>* queue, std::vector<uint8_t>* seen) {
  for (size_t head = 0; head < queue->size(); ++head) {
    const uint32_t t = (*queue)[head];
    if (t + 1 >= r.offsets.size()) continue;
    for (uint32_t i = r.offsets[t]; i < r.offsets[t + 1]; ++i) {
      const uint32_t u = r.sources[i];
      if ((*seen)[u]) continue;
      (*seen)[u] = 1;
      queue->push_back(u);
    }
  }
  queue->clear();
}

// Marks the nodes from which the entry point can be reached (over the first n nodes).
std::vector<uint8_t> ReachingEntry(const HnswIndex::Impl& g, const ReversedLinks& r, uint32_t n) {
  std::vector<uint8_t> seen(n, 0);
  const uint64_t e = g.entry.load(std::memory_order_acquire);
  if (e == HnswIndex::Impl::kNoEntry || static_cast<uint32_t>(e) >= n) return seen;
  std::vector<uint32_t> queue = {static_cast<uint32_t>(e)};
  seen[queue[0]] = 1;
  SpreadBack(r, &queue, &seen);
  return seen;
}

// Node u cannot walk back to the entry point (its lists lead only into a pocket, e.g. a group of
// near-duplicates that selected only each other). A search whose greedy descent ends in that pocket
// would see nothing else, so u links to its nearest live node that can reach the entry point.
void RelinkOut(HnswIndex::Impl& g, uint32_t u, const std::vector<uint8_t>& back,
               VisitedSet* visited) {
  const uint32_t entry = static_cast<uint32_t>(g.entry.load(std::memory_order_acquire));
  std::vector<float> q(g.Vec(u), g.Vec(u) + g.dims);
  if (g.o.metric == Metric::kCosine) {
    for (float& x : q) x *= g.InvNorm(u);
  }
  auto dist = [&](uint32_t n, float bound) { return g.ExactDist(q.data(), n, bound); };
  auto accept = [&](uint32_t n) {
    return n != u && n < back.size() && back[n] && g.node_state[n] == kLive;
  };
  std::vector<Candidate> found;
  visited->Reset(g.Capacity());
  SearchLayer(g, dist, entry, dist(entry, kInf), g.o.ef_construction, 0, accept, visited, &found,
              true);
  std::sort(found.begin(), found.end());
  for (const Candidate& c : found) {
    if (ForceOutEdge(g, u, c.second)) return;
  }
  ForceOutEdge(g, u, entry);
}

}  // namespace

bool ForceInEdge(HnswIndex::Impl& g, uint32_t node, const std::vector<uint32_t>& from) {
  // The first of `from` that can make room gives node its in-edge (see ForceOutEdge).
  for (uint32_t nb : from) {
    if (nb != node && ForceOutEdge(g, nb, node)) return true;
  }
  return false;
}

std::vector<uint8_t> ReachableFromEntry(const HnswIndex::Impl& g) {
  uint32_t n;
  {
    // Adds may be allocating nodes meanwhile (under rw shared): the walk covers those below n.
    std::lock_guard<std::mutex> l(const_cast<std::mutex&>(g.alloc_mu));
    n = g.num_nodes;
  }
  std::vector<uint8_t> seen(n, 0);
  const uint64_t e = g.entry.load(std::memory_order_acquire);
  if (e == HnswIndex::Impl::kNoEntry) return seen;
  std::vector<uint32_t> queue = {static_cast<uint32_t>(e)};
  queue.reserve(n);
  seen[queue[0]] = 1;
  Spread(g, &queue, &seen);
  return seen;
}

size_t ReconnectLocked(HnswIndex::Impl& g) {
  g.added_since_check.store(0);
  if (g.entry.load() == HnswIndex::Impl::kNoEntry) return 0;
  size_t relinked = 0;
  VisitedSet visited;
  for (int round = 0; round < kRepairRounds; ++round) {
    std::vector<uint8_t> seen = ReachableFromEntry(g);
    std::vector<uint32_t> queue;
    size_t this_round = 0;
    for (uint32_t u = 0; u < seen.size(); ++u) {
      if (seen[u] || g.node_state[u] != kLive) continue;
      RelinkNode(g, u, seen, &visited);
      ++this_round;
      // Whatever u leads to is reachable now too; do not re-link it separately.
      seen[u] = 1;
      queue.push_back(u);
      Spread(g, &queue, &seen);
    }
    // Then the other way: every node must be able to walk back to the entry point, since a search
    // starts its layer-0 walk wherever its greedy descent ends.
    const uint32_t n = static_cast<uint32_t>(seen.size());
    const ReversedLinks reversed = Reverse(g, n);
    std::vector<uint8_t> back = ReachingEntry(g, reversed, n);
    for (uint32_t u = 0; u < back.size(); ++u) {
      if (back[u] || g.node_state[u] == kFree) continue;
      RelinkOut(g, u, back, &visited);
      ++this_round;
      back[u] = 1;  // and whatever reaches u
      queue.push_back(u);
      SpreadBack(reversed, &queue, &back);
    }
    relinked += this_round;
    if (this_round == 0) break;
  }
  g.relinked.fetch_add(relinked);
  return relinked;
}

namespace {

// Live nodes no walk from the entry point reaches, and nodes (live or tombstoned: both route) that
// cannot walk back to it. Empty when layer 0 is strongly connected.
std::vector<uint32_t> Disconnected(const HnswIndex::Impl& g) {
  const std::vector<uint8_t> seen = ReachableFromEntry(g);
  const uint32_t n = static_cast<uint32_t>(seen.size());
  const std::vector<uint8_t> back = ReachingEntry(g, Reverse(g, n), n);
  std::vector<uint32_t> out;
  for (uint32_t u = 0; u < n; ++u) {
    const uint8_t state = LoadState(&g.node_state[u]);
    if ((!seen[u] && state == kLive) || (!back[u] && state != kFree)) out.push_back(u);
  }
  return out;
}

}  // namespace

std::vector<uint32_t> HnswIndex::CheckConnectivity() const {
  const Impl& g = *impl_;
  std::shared_lock<std::shared_mutex> lock(g.rw);
  std::vector<uint32_t> lost;
  for (uint32_t u : Disconnected(g)) {
    if (LoadState(&g.node_state[u]) == kLive) lost.push_back(g.node_slot[u]);
  }
  return lost;
}

size_t HnswIndex::Reconnect() {
  Impl& g = *impl_;
  {
    // The walk alone runs beside searches and adds; only a repair takes the index exclusively.
    std::shared_lock<std::shared_mutex> lock(g.rw);
    g.added_since_check.store(0);
    const int64_t start = NowNanos();
    const bool clean = Disconnected(g).empty();
    const int64_t end = NowNanos();
    g.last_check_nanos.store(end - start);
    g.last_check_end.store(end);
    if (clean) return 0;
  }
  ExclusiveLock lock(g);
  return ReconnectLocked(g);
}

size_t HnswIndex::relinked_nodes() const { return impl_->relinked.load(); }

size_t HnswIndex::MaybeReconnect(bool idle) {
  const Impl& g = *impl_;
  const size_t added = g.added_since_check.load();
  const size_t nodes = live_.load() + g.tombstones.load();
  if (added == 0) return 0;
  if (nodes < kAlwaysCheckBelow || added * kCheckEvery >= nodes) return Reconnect();
  if (idle && NowNanos() - g.last_check_end.load() >= kIdleGap * g.last_check_nanos.load()) {
    return Reconnect();
  }
  return 0;
}

}  // namespace semble::index
