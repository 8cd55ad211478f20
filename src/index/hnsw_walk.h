// Copyright 2026 The semble Authors.
//
// The graph walks and neighbour selection that HnswIndex's inserts, searches and connectivity
// repair share (hnsw_index.cc, hnsw_connectivity.cc). Templates, so each caller's distance
// lambda is inlined into the walk. Not part of the index's interface.

#ifndef SEMBLE_SRC_INDEX_HNSW_WALK_H_
#define SEMBLE_SRC_INDEX_HNSW_WALK_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "index/hnsw_internal.h"

namespace semble::index {

// Neighbours prefetched ahead of the one being scored.
constexpr uint32_t kPrefetchAhead = 4;
// How much of a float32 vector SearchLayerBounded requests once its bound lets it through.
constexpr size_t kBoundFloatPrefetchBytes = 1024;

// The order of the result heaps (the farthest on top). A function object, not a function: std's
// heap algorithms are instantiated per comparator type, and a function pointer is called, not
// inlined.
struct CloserFirst {
  bool operator()(const Candidate& a, const Candidate& b) const { return a.first < b.first; }
};

// The order of a walk's candidate heap: the nearest on top.
struct NearerOnTop {
  bool operator()(const Candidate& a, const Candidate& b) const { return a.first > b.first; }
};

// How many accepted nodes a walk keeps in its list. FixedList: ef, what inserts, plain searches
// and the filtered walks of callers that give no pass rate use. A list policy hears of each node
// the walk expands (Expanding, before its neighbours are scored) and may shrink the list then,
// trimming the results and moving the bound with them; FixedList ignores it and compiles away.
struct FixedList {
  size_t ef;
  size_t limit() const { return ef; }
  template <class Accept>
  void Expanding(uint32_t /*node*/, const uint32_t* /*links*/, uint32_t /*count*/,
                 const Accept& /*accept*/, std::vector<Candidate>* /*res*/, float* /*bound*/) {}
  void Entered(bool /*accepted*/, float /*bound*/) {}
};

// The list of a filtered walk, shorter when the matches are scattered among non-matches.
//
// The walk stops once its list is full and no candidate is closer than the list's farthest. When
// the matches are scattered through the graph (a filter unrelated to where the vectors lie), a
// fraction s of the nodes around the query match, so a list of L matches makes the walk go
// through ~L / s nodes around the query where an unfiltered walk goes through ~L, and the top k
// come back more reliably than the unfiltered walk's at the same list size (GloVe-100 with a 10%
// filter at ef 64: 0.9997 of the top 10 against 0.991 unfiltered). Such a walk keeps
// Shrunk(ef, k, s) = ef * min(r^kNearExponent, (r / kScattered)^kFarExponent) matches, r =
// max(s, kMinPassRate), never fewer than k: 23 of 64 at 12.5% or less, 28 at 15%, 40 at 20%, 43
// at 25%, with a recall still at or above the unfiltered walk's on GloVe, Fashion-MNIST,
// MiniLM-384 and the tests' clustered data (bench/RESULTS.md, "A shorter list for scattered
// matches" and "Shorter still where the matches are rarer"). The first term rules from 20% up,
// the second below: the nearer s lies to kScattered, the less a walk's sample of neighbours can
// tell matches scattered at s from matches that cluster (at 20%, 18 of 70 sampled neighbours of
// a geometric filter's matches passed, enough to pass for random ones, and a list of 29 lost
// recall there where 40 did not), so the list falls fast only where the sample is sure.
//
// When the matches cluster — a filter that follows the geometry, whose matches near the query
// (or, when the query lies outside their region, at its edge) mostly link to one another — the
// walk over them works as an unfiltered one and a shorter list loses recall; so does a query
// whose surroundings hold far fewer matches than the index does. The list stays at ef unless the
// walk's own way shows neither: of the neighbours of the matches it expands, under kScattered
// match (scattered), and of the nodes entering its queue once the list is full, at least kApart
// times s (not a region the filter avoids). Decided once: clustered as soon as kMinSample
// neighbours say so (sampled up to kMaxSample), otherwise once the nodes entering the queue
// should hold kMinMatchesSeen matches; a filter that kScattered or more of the index passes is
// never shrunk and nothing is sampled.
class FilteredList {
 public:
  static constexpr double kNearExponent = 0.3;
  static constexpr double kFarExponent = 1.2;
  static constexpr double kScattered = 0.3;
  static constexpr double kApart = 0.6;
  static constexpr double kMinMatchesSeen = 16;
  static constexpr double kMinPassRate = 1.0 / 8;
  static constexpr uint32_t kMinSample = 64;
  static constexpr uint32_t kMaxSample = 1024;

  // The list a walk with list size ef for k results keeps when a fraction pass_rate of the index
  // passes and the matches are scattered (ef from kScattered up).
  static size_t Shrunk(size_t ef, size_t k, double pass_rate) {
    if (!(pass_rate < kScattered)) return ef;
    const double r = std::max(pass_rate, kMinPassRate);
    const double keep =
        std::min(std::pow(r, kNearExponent), std::pow(r / kScattered, kFarExponent));
    const auto want = static_cast<size_t>(std::ceil(static_cast<double>(ef) * keep));
    return std::clamp(want, std::min(ef, k), ef);
  }

  // ef >= 1; pass_rate in [0, 1], the fraction of the index's nodes the filter passes. A filter
  // that kScattered or more of the index passes never shrinks the list (scattered, its matches
  // would link to matches at that rate): nothing is sampled.
  FilteredList(size_t ef, size_t k, double pass_rate)
      : rate_(pass_rate), shrunk_(Shrunk(ef, k, pass_rate)), limit_(ef), decided_(shrunk_ == ef) {}
  size_t limit() const { return limit_; }

  // Before the walk expands `node`: when the node passes, samples its neighbours, and once both
  // samples are large enough decides, once, whether to shrink.
  template <class Accept>
  void Expanding(uint32_t node, const uint32_t* links, uint32_t count, const Accept& accept,
                 std::vector<Candidate>* res, float* bound) {
    if (decided_) return;
    if (nbr_sampled_ < kMaxSample && accept(node)) {
      for (uint32_t i = 1; i <= count; ++i) nbr_passed_ += accept(LoadRelaxed(links + i)) ? 1 : 0;
      nbr_sampled_ += count;
    }
    if (nbr_sampled_ < kMinSample) return;
    if (static_cast<double>(nbr_passed_) >= kScattered * nbr_sampled_) {
      decided_ = true;  // clustered
      return;
    }
    // The neighbourhood's rate is judged once kMinMatchesSeen matches are expected among the
    // nodes counted (so at 2% on ~1,600 nodes, not on a handful of matches).
    if (static_cast<double>(entered_) * rate_ < kMinMatchesSeen) return;
    decided_ = true;
    if (static_cast<double>(entered_passed_) < kApart * rate_ * entered_) return;
    limit_ = shrunk_;
    while (res->size() > limit_) {
      std::pop_heap(res->begin(), res->end(), CloserFirst());
      res->pop_back();
    }
    if (res->size() >= limit_) *bound = res->front().first;
  }
  // Each node that entered the candidate queue, and whether it passed; counted while the list is
  // full (before, the walk is still on its way to the query).
  void Entered(bool accepted, float bound) {
    if (decided_ || bound == std::numeric_limits<float>::infinity()) return;
    ++entered_;
    entered_passed_ += accepted ? 1 : 0;
  }

 private:
  double rate_;
  size_t shrunk_;
  size_t limit_;
  bool decided_;
  uint32_t nbr_sampled_ = 0, nbr_passed_ = 0;
  uint32_t entered_ = 0, entered_passed_ = 0;
};

// One scored neighbour n at distance d, as both walks below take it: if the results are not full
// yet or d is under the bound, n is queued for expansion (its list prefetched: it is read if n is
// expanded) and, when `accept` takes it, kept among the list's nearest, the bound following the
// farthest of a full list. Inlined into the walks' inner loops.
template <class List, class Accept>
[[gnu::always_inline]] inline void Admit(const HnswIndex::Impl& g, int level, float d, uint32_t n,
                                         List& list, const Accept& accept,
                                         std::vector<Candidate>* cand, std::vector<Candidate>* res,
                                         float* bound) {
  if (res->size() >= list.limit() && !(d < *bound)) return;
  cand->push_back({d, n});
  std::push_heap(cand->begin(), cand->end(), NearerOnTop());
  __builtin_prefetch(g.Links(n, level));
  const bool accepted = accept(n);
  list.Entered(accepted, *bound);
  if (!accepted) return;
  const size_t limit = list.limit();
  res->push_back({d, n});
  std::push_heap(res->begin(), res->end(), CloserFirst());
  if (res->size() > limit) {
    std::pop_heap(res->begin(), res->end(), CloserFirst());
    res->pop_back();
  }
  if (res->size() >= limit) *bound = res->front().first;
}

// The start of both walks below: ep marked visited, queued for expansion and, when `accept`
// takes it, the first result. Returns the walk's bound (the farthest result's distance once the
// list is full; infinity until then).
template <class List, class Accept>
[[gnu::always_inline]] inline float StartWalk(uint32_t ep, float ep_d, const List& list,
                                              const Accept& accept, VisitedSet* visited,
                                              std::vector<Candidate>* cand,
                                              std::vector<Candidate>* res) {
  res->clear();
  cand->reserve(list.limit() * 4);
  res->reserve(list.limit() + 1);
  visited->TestAndSet(ep);
  cand->push_back({ep_d, ep});
  if (accept(ep)) res->push_back({ep_d, ep});
  return res->size() >= list.limit() ? res->front().first : std::numeric_limits<float>::infinity();
}

// The next node a walk expands, taken off the candidate heap into *c: the nearest candidate, unless
// it lies beyond the bound or none is left, which ends the walk (false).
[[gnu::always_inline]] inline bool NextExpansion(float bound, std::vector<Candidate>* cand,
                                                 Candidate* c) {
  if (cand->empty()) return false;
  *c = cand->front();
  if (c->first > bound) return false;
  std::pop_heap(cand->begin(), cand->end(), NearerOnTop());
  cand->pop_back();
  return true;
}

// Greedy descent on one upper layer: move to the closest neighbour until none is closer.
template <class Dist>
void Greedy(const HnswIndex::Impl& g, const Dist& dist, int level, uint32_t* cur, float* cur_d) {
  const uint32_t cap = g.Cap(level);
  bool moved = true;
  while (moved) {
    moved = false;
    const uint32_t* links = g.Links(*cur, level);
    const uint32_t count = std::min(LoadAcquire(links), cap);
    for (uint32_t i = 1; i <= count; ++i) {
      const uint32_t n = LoadRelaxed(links + i);
      const float d = dist(n, *cur_d);
      if (d < *cur_d) {
        *cur_d = d;
        *cur = n;
        moved = true;
      }
    }
  }
}

// The best-first search of one layer (the paper's SEARCH-LAYER). Every reachable node may be
// walked through; only nodes for which accept(node) holds enter the ef results, so a filter (or a
// tombstone) never cuts the graph into pieces. Results are left in *out as a heap under
// CloserFirst (the farthest first), so a caller that wants them in order can std::sort_heap them.
// `exact` says whether dist reads the float32 vectors (inserts) or the traversal codes (queries),
// which decides what to prefetch.
template <class List, class Dist, class Accept>
void SearchLayerIn(const HnswIndex::Impl& g, const Dist& dist, uint32_t ep, float ep_d, List list,
                   int level, const Accept& accept, VisitedSet* visited,
                   std::vector<Candidate>* out, bool exact = false) {
  const bool vectors_apart = exact && g.floats_apart;
  const size_t prefetch_bytes =
      vectors_apart ? std::min<size_t>(256, g.dims * sizeof(float)) : g.prefetch_bytes;
  std::vector<Candidate> cand;         // min-heap on distance (std heap with greater-than)
  std::vector<Candidate>& res = *out;  // max-heap on distance, at most ef
  float bound = StartWalk(ep, ep_d, list, accept, visited, &cand, &res);
  const uint32_t cap = g.Cap(level);
  for (Candidate c; NextExpansion(bound, &cand, &c);) {
    const uint32_t* links = g.Links(c.second, level);
    const uint32_t count = std::min(LoadAcquire(links), cap);
    list.Expanding(c.second, links, count, accept, &res, &bound);
    // One pass, as the misses go: while neighbour i is checked and scored, the visited tag and the
    // first lines of neighbour i + 1 are on their way.
    auto prefetch = [&](uint32_t n) {
      const char* p = vectors_apart ? reinterpret_cast<const char*>(g.Vec(n))
                                    : reinterpret_cast<const char*>(g.Code(n));
      for (size_t off = 0; off < prefetch_bytes; off += 64) __builtin_prefetch(p + off);
      __builtin_prefetch(&visited->tags[n]);
    };
    for (uint32_t i = 1; i <= count && i <= kPrefetchAhead; ++i) prefetch(LoadRelaxed(links + i));
    for (uint32_t i = 1; i <= count; ++i) {
      const uint32_t n = LoadRelaxed(links + i);
      if (i + kPrefetchAhead <= count) prefetch(LoadRelaxed(links + i + kPrefetchAhead));
      if (visited->TestAndSet(n)) continue;
      Admit(g, level, dist(n, bound), n, list, accept, &cand, &res, &bound);
    }
  }
}

// SearchLayerIn with a list of ef.
template <class Dist, class Accept>
void SearchLayer(const HnswIndex::Impl& g, const Dist& dist, uint32_t ep, float ep_d, size_t ef,
                 int level, const Accept& accept, VisitedSet* visited, std::vector<Candidate>* out,
                 bool exact = false) {
  SearchLayerIn(g, dist, ep, ep_d, FixedList{ef}, level, accept, visited, out, exact);
}

// SearchLayer for an index with lower-bound codes (hnsw_bound.h), making exactly SearchLayer's
// decisions with dist = exact: lower(n) is a lower bound on exact(n, b) (-infinity for none), and
// exact(n, b) is the float32 distance, which may come back as any value above b when it is above.
// Each expansion runs in two passes. The first reads the unvisited neighbours' codes and keeps the
// ones whose bound does not rule them out against the bound as it stands, requesting their float32
// vectors at once; the second scores those in list order exactly as SearchLayer would, checking
// each bound again against the bound as it has become (it only shrinks, so a neighbour ruled out
// in the first pass would have been rejected in its turn). The float32 vectors kept are then
// fetched side by side while the first pass goes on, not one after another on the walk's path.
// Visited marks are set in the first pass, which only matters for a node listed twice: skipped
// the second time either way.
template <class List, class Lower, class Exact, class Accept>
void SearchLayerBounded(const HnswIndex::Impl& g, const Lower& lower, const Exact& exact,
                        uint32_t ep, float ep_d, List list, int level, const Accept& accept,
                        VisitedSet* visited, std::vector<Candidate>* out) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  constexpr double kNoBound = -std::numeric_limits<double>::infinity();
  std::vector<Candidate> cand;
  std::vector<Candidate>& res = *out;
  struct Kept {
    uint32_t node;
    double lb;  // kNoBound when not computed (the bound was infinite)
  };
  std::vector<Kept> kept;
  kept.reserve(2 * g.m0);
  const size_t vector_bytes = static_cast<size_t>(g.dims) * sizeof(float);
  const size_t float_prefetch = std::min<size_t>(vector_bytes, kBoundFloatPrefetchBytes);
  float bound = StartWalk(ep, ep_d, list, accept, visited, &cand, &res);
  const uint32_t cap = g.Cap(level);
  for (Candidate c; NextExpansion(bound, &cand, &c);) {
    const uint32_t* links = g.Links(c.second, level);
    const uint32_t count = std::min(LoadAcquire(links), cap);
    list.Expanding(c.second, links, count, accept, &res, &bound);
    auto prefetch = [&](uint32_t n) {
      const char* p = reinterpret_cast<const char*>(g.Code(n));
      for (size_t off = 0; off < g.prefetch_bytes; off += 64) __builtin_prefetch(p + off);
      __builtin_prefetch(&visited->tags[n]);
    };
    for (uint32_t i = 1; i <= count && i <= kPrefetchAhead; ++i) prefetch(LoadRelaxed(links + i));
    kept.clear();
    for (uint32_t i = 1; i <= count; ++i) {
      const uint32_t n = LoadRelaxed(links + i);
      if (i + kPrefetchAhead <= count) prefetch(LoadRelaxed(links + i + kPrefetchAhead));
      if (visited->TestAndSet(n)) continue;
      double lb = kNoBound;
      if (bound < kInf) {
        lb = lower(n);
        if (lb > bound) continue;
      }
      const char* v = reinterpret_cast<const char*>(g.Vec(n));
      for (size_t off = 0; off < float_prefetch; off += 64) __builtin_prefetch(v + off);
      kept.push_back({n, lb});
    }
    for (const Kept& k : kept) {
      if (bound < kInf) {
        const double lb = k.lb == kNoBound ? lower(k.node) : k.lb;
        if (lb > bound) continue;
      }
      Admit(g, level, exact(k.node, bound), k.node, list, accept, &cand, &res, &bound);
    }
  }
}

// The paper's neighbour-selection heuristic: take candidates closest first, skipping one that is
// closer to an already selected neighbour than to the base node (its direction is covered).
// `sorted` is ascending by distance to the base.
inline std::vector<uint32_t> SelectNeighbors(const HnswIndex::Impl& g,
                                             const std::vector<Candidate>& sorted, size_t cap) {
  std::vector<uint32_t> chosen;
  chosen.reserve(cap);
  for (const Candidate& c : sorted) {
    if (chosen.size() >= cap) break;
    bool good = true;
    for (uint32_t r : chosen) {
      if (g.PairDist(c.second, r, c.first) < c.first) {
        good = false;
        break;
      }
    }
    if (good) chosen.push_back(c.second);
  }
  return chosen;
}

// SelectNeighbors, then the closest of the skipped candidates until the list is full. Used when
// repairing around deleted nodes: a repaired node has lost part of its neighbourhood, and keeping
// its list full measurably helps recall afterwards, most for maximum inner product, whose
// "distance" is not a metric, so the heuristic's covering argument is weakest there.
inline std::vector<uint32_t> SelectNeighborsFilled(const HnswIndex::Impl& g,
                                                   const std::vector<Candidate>& sorted,
                                                   size_t cap) {
  std::vector<uint32_t> chosen = SelectNeighbors(g, sorted, cap);
  for (const Candidate& c : sorted) {
    if (chosen.size() >= cap) break;
    if (std::find(chosen.begin(), chosen.end(), c.second) == chosen.end()) {
      chosen.push_back(c.second);
    }
  }
  return chosen;
}

inline void WriteLinks(uint32_t* links, const std::vector<uint32_t>& ids) {
  for (size_t i = 0; i < ids.size(); ++i) StoreRelease(links + 1 + i, ids[i]);
  StoreRelease(links, static_cast<uint32_t>(ids.size()));
}

}  // namespace semble::index

#endif  // SEMBLE_SRC_INDEX_HNSW_WALK_H_
