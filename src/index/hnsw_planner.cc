// Copyright 2026 The semble Authors.
//
// HnswIndex: the filter planner rule and the recall calibration behind EfForRecall.

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <random>
#include <system_error>
#include <thread>
#include <unordered_set>

#include "core/cpu_count.h"
#include "core/thread_pool.h"
#include "index/hnsw_index.h"
#include "index/hnsw_internal.h"
#include "index/hnsw_walk.h"

namespace semble::index {

namespace {

constexpr size_t kMinCalibrationSize = 500;
constexpr size_t kCalibrationQueries = 200;
constexpr size_t kCalibrationK = 10;
// Real queries needed before they replace held-out stored vectors as the calibration's queries.
constexpr size_t kMinRealQueries = 64;
constexpr uint32_t kNoSlot = std::numeric_limits<uint32_t>::max();
constexpr double kOneSided95 = 1.645;  // standard normal quantile
// Steps of ~1.19x: the ef chosen is never more than one step above the smallest that reaches the
// target on the calibration queries.
constexpr uint32_t kEfLadder[] = {10,  12,  14,  16,  19,  22,  26,  31,   37,   44,
                                  52,  62,  74,  88,  105, 125, 149, 177,  211,  251,
                                  299, 356, 424, 505, 601, 715, 851, 1013, 1205, 1434};

// The filter planner's cost model, in microseconds of one query on one core, fitted to both plans
// forced through the database on Fashion-MNIST-784 (60,000 vectors, f32) and GloVe-100 (331,436,
// cosine), HNSW M 16 efConstruction 200, ef 12 to 128, selectivity 0.1% to 50%
// (bench/filtered_bench.cc, db::ForceFilterPlanForBench; bench/RESULTS.md, "Filtered search by
// selectivity"). Measured through the database, so both sides include the filter checks the
// database makes (Collection::AllowedLocked: the record's metadata, a cache miss or more on a
// large index). The machine had 32 MB of L3; the constants are that machine's, the shape is not.
//
// Exact: the filter checked on every candidate to list the matches, then one distance per match
// over the float32 vectors. A match costs ~0.2 us all told while the matching set stays in cache
// from one query to the next (Fashion and GloVe 0.1-2%, and Fashion 5%: 3,000 matches, 11 MB
// touched) and ~0.6 us once it does not (Fashion 10-20%, GloVe 5-20%: 0.45-1.0 us). What decides is
// the bytes a query touches: the vectors plus the record's own lines (its slot, metadata and node
// entries, ~8 cache lines; with that term GloVe 5% (16,600 x 100 dims, 15 MB) costs more per match
// than Fashion 5% (3,000 x 784, 11 MB), as measured, which vector bytes alone get backwards).
// Between kWarmBytes and kColdBytes the cost per match is interpolated.
constexpr double kCheckUs = 0.1;      // one filter check while listing
constexpr double kWarmMatchUs = 0.1;  // one distance, matching set in cache
constexpr double kColdMatchUs = 0.5;  // one distance, matching set out of cache
constexpr double kRecordBytes = 512;
// When the metadata indexes answer the filter exactly, the database checks no record (candidates
// is 0): listing a match touches only its slot's node and vector.
constexpr double kNodeBytes = 64;
constexpr double kWarmBytes = 12e6;
constexpr double kColdBytes = 24e6;
// Exact with bound codes (lb8): the scan decides most matches on the code in the node's record
// (dims + 8 bytes: the code, its slack and header) and reads the float32 vectors of the few that
// can still enter the top k (ExactScan, hnsw_index.cc). A match costs ~0.6x the float32 scan's in
// cache, fitted to the planned exact queries of bench/filtered_bench.cc with `--index-type
// hnsw,lb8` between 2% and 5%: MiniLM-384 (100,000 vectors) 44 ns against 67 ns per match,
// Fashion-MNIST-784 83 ns against 155 ns (bench/RESULTS.md, "Exact scans on the bound codes").
// It goes cold sooner than the codes' bytes say: MiniLM 20% (20,000 codes, 7.8 MB) ran at
// ~130 ns a match, beside the codes the scan touches the lines fetched with them, the records'
// links and the float32 vectors of the matches not ruled out. Counted as 2 bytes a dimension.
constexpr double kBoundedMatchScale = 0.6;
constexpr double kBoundedBytesPerDim = 2.0;
// Walk: a filtered walk with a list of L stops once L matching nodes are in its list and no
// candidate left is closer than the farthest of them. When a fraction s of the nodes match, that
// is a ball around the query holding about L / s nodes, so its work is a function of x = L / s
// alone (L: ef, or FilteredList's shorter list when s is under its kScattered); sublinear,
// because the wider the ball the more its nodes' neighbour lists overlap (each node is scored and
// checked once). Through the database, 13 us * x^0.75 within ~30% on both data
// sets from x = 120 to 128,000 (Fashion 11.4-18 us, GloVe 7-18 us at x <= 13,000, the spread
// being the machine's load; plus ~0.3 ms per query at any x that both plans pay). The dimension
// hardly shows (Fashion's 784 against GloVe's 100): each node scored is a few cache misses (its
// links, its vector's first lines, its metadata for the filter), whatever the vector's length.
// The exponent is steeper than the 0.69 measured on the index alone (no metadata check): the
// checks grow with the nodes entering the list, which grow faster than the nodes scored.
constexpr double kWalkExponent = 0.75;
constexpr double kWalkUs = 13.0;

}  // namespace

HnswIndex::FilterCost HnswIndex::ModelFilterCost(size_t size, uint32_t dims, size_t matching,
                                                 size_t candidates, uint32_t ef, bool bound_codes) {
  FilterCost cost;
  const double n = static_cast<double>(std::max<size_t>(size, 1));
  const double m = std::min(static_cast<double>(matching), n);
  const bool checks = candidates > 0;
  const double vector_bytes = (bound_codes ? kBoundedBytesPerDim : 4.0) * dims;
  const double bytes = m * (vector_bytes + (checks ? kRecordBytes : kNodeBytes));
  const double cold = std::clamp((bytes - kWarmBytes) / (kColdBytes - kWarmBytes), 0.0, 1.0);
  const double per_match = (bound_codes ? kBoundedMatchScale : 1.0) *
                           (kWarmMatchUs + cold * (kColdMatchUs - kWarmMatchUs));
  cost.exact = (checks ? kCheckUs * static_cast<double>(std::max(candidates, matching)) : 0.0) +
               m * per_match;
  if (ef >= m) {
    // The list never fills, its bound never tightens: the walk scores every node it can reach.
    cost.walk = std::numeric_limits<double>::infinity();
  } else {
    // The list the walk keeps when the matches are scattered (FilteredList): the model's x is
    // the nodes the walk goes through, ~list / s.
    const double list = static_cast<double>(FilteredList::Shrunk(ef, 1, m / n));
    cost.walk_nodes = list * n / m;
    cost.walk = kWalkUs * std::pow(cost.walk_nodes, kWalkExponent);
  }
  return cost;
}

namespace {

// The model's costs scaled by what the plans took here.
HnswIndex::FilterCost Corrected(const PlanFeedback& feedback, HnswIndex::FilterCost cost,
                                size_t matching, size_t candidates) {
  const bool reads_records = candidates > 0;
  cost.exact *=
      feedback.Correction(PlanFeedback::kExact, reads_records, static_cast<double>(matching));
  if (std::isfinite(cost.walk)) {
    cost.walk *= feedback.Correction(PlanFeedback::kWalk, reads_records, cost.walk_nodes);
  }
  return cost;
}

}  // namespace

HnswIndex::FilterCost HnswIndex::EstimateFilterCost(size_t matching, size_t candidates,
                                                    uint32_t ef) const {
  const bool bound_codes = impl_->bounded && impl_->trained.load(std::memory_order_acquire);
  return Corrected(impl_->plan_feedback,
                   ModelFilterCost(size(), opts_.dimensions, matching, candidates, ef, bound_codes),
                   matching, candidates);
}

namespace {

// PlanFilter's ef: the index's default for 0, never under k.
uint32_t PlannedEf(uint32_t ef, uint32_t default_ef, size_t k) {
  return std::max<uint32_t>(ef == 0 ? default_ef : ef, static_cast<uint32_t>(k));
}

}  // namespace

FilterPlan HnswIndex::PlanFilter(size_t matching, size_t candidates, size_t k, uint32_t ef) const {
  if (matching <= k || size() == 0) return FilterPlan::kExact;
  const bool bound_codes = impl_->bounded && impl_->trained.load(std::memory_order_acquire);
  const FilterCost model = ModelFilterCost(size(), opts_.dimensions, matching, candidates,
                                           PlannedEf(ef, opts_.ef_search, k), bound_codes);
  // Each correction stays within [1/8, 8], so costs more than 64x apart keep the model's order:
  // the plan is decided without the feedback's lock (a filter of a few hundred matches takes
  // ~10 us, of which the two corrections took ~3%).
  constexpr double kSwing = PlanFeedback::kMaxCorrection * PlanFeedback::kMaxCorrection;
  if (model.exact * kSwing < model.walk) return FilterPlan::kExact;
  if (model.walk * kSwing < model.exact) return FilterPlan::kGraph;
  const FilterCost cost = Corrected(impl_->plan_feedback, model, matching, candidates);
  return cost.exact <= cost.walk ? FilterPlan::kExact : FilterPlan::kGraph;
}

void HnswIndex::ObserveFilterPlan(FilterPlan plan, size_t matching, size_t candidates, size_t k,
                                  uint32_t ef, double micros) const {
  if (matching <= k || size() == 0) return;  // PlanFilter's fixed answer: no model consulted
  const bool bound_codes = impl_->bounded && impl_->trained.load(std::memory_order_acquire);
  const FilterCost model = ModelFilterCost(size(), opts_.dimensions, matching, candidates,
                                           PlannedEf(ef, opts_.ef_search, k), bound_codes);
  // walk_nodes is 0 when the walk could not run (ef >= matching): nothing of it to age.
  const PlanFeedback::Size at{static_cast<double>(matching), model.walk_nodes};
  if (plan == FilterPlan::kExact) {
    impl_->plan_feedback.Observe(PlanFeedback::kExact, candidates > 0, at, model.exact, micros);
  } else if (std::isfinite(model.walk)) {
    impl_->plan_feedback.Observe(PlanFeedback::kWalk, candidates > 0, at, model.walk, micros);
  }
}

void HnswIndex::RecallCalibration(std::vector<std::pair<uint32_t, float>>* steps,
                                  size_t* real_queries) const {
  std::lock_guard<std::mutex> lock(impl_->calibration_mu);
  steps->clear();
  for (const Calibration::Step& s : impl_->calibration.ef_recall) {
    steps->push_back({s.ef, s.recall});
  }
  *real_queries = impl_->calibration.real_queries;
}

void HnswIndex::WaitForCalibration() const {
  std::thread calibrator;
  {
    std::lock_guard<std::mutex> lock(impl_->calibration_mu);
    calibrator = std::move(impl_->calibrator);
  }
  if (calibrator.joinable()) calibrator.join();
}

void HnswIndex::SampleQuery(const float* query) const {
  QuerySample& sample = impl_->query_sample;
  std::unique_lock<std::mutex> lock(sample.mu, std::try_to_lock);
  if (!lock.owns_lock()) return;
  // A query asked again is not a new sample of the queries to come: counted once per copy, a
  // popular query (or a client's health check) would fill the sample, and the calibration would
  // measure that one query while its error bound counted every copy as independent evidence.
  const size_t bytes = size_t{opts_.dimensions} * sizeof(float);
  const uint64_t hash = XXH3_64bits(query, bytes);
  for (size_t i = 0; i < sample.hashes.size(); ++i) {
    if (sample.hashes[i] == hash && std::memcmp(sample.queries[i].data(), query, bytes) == 0) {
      return;
    }
  }
  ++sample.offered;
  size_t at = sample.queries.size();
  if (at == QuerySample::kCapacity) {
    sample.rng ^= sample.rng << 13;
    sample.rng ^= sample.rng >> 7;
    sample.rng ^= sample.rng << 17;
    at = sample.rng % sample.offered;
    if (at >= QuerySample::kCapacity) return;
  } else {
    sample.queries.emplace_back();
    sample.hashes.emplace_back();
  }
  sample.queries[at].assign(query, query + opts_.dimensions);
  sample.hashes[at] = hash;
}

Calibration HnswIndex::MeasureCalibration(size_t real, float target, int threads) const {
  const Impl& g = *impl_;
  Calibration cal;
  // The queries, and for each the slot held out of the walk (kNoSlot: none).
  std::vector<std::vector<float>> queries;
  std::vector<uint32_t> held;
  if (real > 0) {
    std::lock_guard<std::mutex> l(g.query_sample.mu);
    queries = g.query_sample.queries;
    held.assign(queries.size(), kNoSlot);
  } else {
    // Held out: stored vectors as queries, each walked as if its own node were not in the graph
    // (asked plainly, the walk lands on the node and reads the answer off its link list: that
    // promised 0.95 where unseen queries got 0.81–0.93), and excluded from the truth. The entry
    // point is not asked when it has no upper layer (the walk has to start there).
    std::vector<uint32_t> slots;
    {
      std::shared_lock<std::shared_mutex> l(g.rw);
      const uint64_t e = g.entry.load(std::memory_order_acquire);
      for (uint32_t s = 0; s < g.slot_node.size(); ++s) {
        const uint32_t node = LoadAcquire(&g.slot_node[s]);
        if (node == kNoNode) continue;
        if (e != Impl::kNoEntry && node == static_cast<uint32_t>(e) && (e >> 32) == 0) continue;
        slots.push_back(s);
      }
    }
    std::mt19937_64 rng(opts_.seed);
    std::shuffle(slots.begin(), slots.end(), rng);
    slots.resize(std::min(slots.size(), kCalibrationQueries));
    // Copied under the lock: a growth (or the builder moving a mapped graph into memory) moves
    // the vectors, and the pointer Get gives is only good while they stay put.
    std::shared_lock<std::shared_mutex> l(g.rw);
    for (uint32_t s : slots) {
      const uint32_t node = LoadAcquire(&g.slot_node[s]);
      if (node == kNoNode || LoadState(&g.node_state[node]) != kLive) continue;
      queries.emplace_back(g.Vec(node), g.Vec(node) + opts_.dimensions);
      held.push_back(s);
    }
  }
  // The truth for every query in one pass over the index (SearchExact per query read all of it
  // once per query: at 1M vectors, seconds to minutes while the first recall query waited).
  std::vector<float> flat;
  flat.reserve(queries.size() * opts_.dimensions);
  for (const std::vector<float>& q : queries) flat.insert(flat.end(), q.begin(), q.end());
  // The index this truth is of: its size for the recalibration's trigger, and its changes so far,
  // past which going on up the ladder against this truth would count every newer neighbour as a
  // miss (EfForRecall then measures anew).
  cal.size_at = size();
  cal.changes_at = g.changes.load(std::memory_order_relaxed);
  const std::vector<std::vector<Hit>> exact =
      SearchExactMany(flat.data(), queries.size(), kCalibrationK + 1);
  cal.probes.resize(queries.size());
  for (size_t i = 0; i < queries.size(); ++i) {
    Calibration::Probe& p = cal.probes[i];
    p.query = std::move(queries[i]);
    p.held = held[i];
    for (const Hit& h : exact[i]) {
      if (h.slot != held[i] && p.truth.size() < kCalibrationK) p.truth.insert(h.slot);
    }
  }
  cal.real_queries = real > 0 ? queries.size() : 0;
  ExtendCalibration(&cal, target, threads);
  return cal;
}

void HnswIndex::ExtendCalibration(Calibration* cal, float target, int threads) const {
  // Where the last measurement stopped: a step that reached its target, not the ladder's end.
  if (cal->Reaches(target)) return;
  for (size_t at = cal->ef_recall.size(); at < std::size(kEfLadder); ++at) {
    const uint32_t ef = kEfLadder[at];
    // Per-query recall, so that the choice can allow for the sample's spread: 200 queries pin a
    // mean recall of 0.95 down to about +-0.005, and a target that sits between two steps would
    // otherwise be missed on new queries about half the time.
    // The probes' walks side by side on `threads` cores (the first calibration's wait), each
    // recall kept in its probe's place and summed in probe order: the same table on any number.
    std::vector<double> recall_of(cal->probes.size(), -1.0);
    core::ParallelFor(cal->probes.size(), threads, [&](size_t i) {
      const Calibration::Probe& p = cal->probes[i];
      if (p.truth.empty()) return;
      size_t taken = 0, hit = 0;
      for (const Hit& h : SearchHeldOut(p.query.data(), kCalibrationK, ef, p.held)) {
        if (h.slot == p.held || taken == kCalibrationK) continue;
        ++taken;
        hit += p.truth.count(h.slot);
      }
      recall_of[i] = static_cast<double>(hit) / p.truth.size();
    });
    double sum = 0, sum_sq = 0;
    size_t counted = 0;
    for (const double r : recall_of) {
      if (r < 0) continue;  // no truth to measure against
      sum += r;
      sum_sq += r * r;
      ++counted;
    }
    // No probe with a truth (the index emptied under the measurement): nothing is known at this
    // ef or above, and a step claiming recall 1.0 would be believed until the next trigger.
    if (counted == 0) break;
    const double mean = sum / counted;
    const double var =
        counted < 2 ? 0.0 : std::max(0.0, (sum_sq - counted * mean * mean) / (counted - 1));
    const double lower = mean - kOneSided95 * std::sqrt(var / counted);
    cal->ef_recall.push_back({ef, static_cast<float>(mean), static_cast<float>(lower)});
    if (mean >= 0.999) break;
    if (cal->ef_recall.back().lower >= target) return;
  }
  cal->complete = true;
}

uint32_t HnswIndex::EfForRecall(float recall, size_t k) const {
  const Impl& g = *impl_;
  const size_t n = size();
  if (n < kMinCalibrationSize) return std::max<uint32_t>(opts_.ef_search, k);
  size_t sampled;
  {
    std::lock_guard<std::mutex> l(g.query_sample.mu);
    sampled = g.query_sample.queries.size();
  }
  const size_t real = sampled >= kMinRealQueries ? sampled : 0;
  std::unique_lock<std::mutex> lock(g.calibration_mu);
  Calibration& cal = g.calibration;
  g.highest_target = std::max(g.highest_target, recall);
  if (cal.ef_recall.empty()) {
    // The first: measured here, while the queries asking for a recall wait (on every core).
    cal = MeasureCalibration(real, g.highest_target, core::AvailableCores());
  } else if (!cal.Reaches(recall)) {
    // A target higher than any the table reached goes on up the ladder here, on the same probes
    // and truth while the index is the one that truth is of. Once vectors were added or removed,
    // the newer nearest neighbours would count as misses at every step (and a step's recall, too
    // low, would drive the ladder to its end): the table is measured anew instead.
    if (cal.changes_at == g.changes.load(std::memory_order_relaxed)) {
      ExtendCalibration(&cal, recall, core::AvailableCores());
    } else {
      cal = MeasureCalibration(real, g.highest_target, core::AvailableCores());
    }
  }
  if (!g.calibrating && !cal.ef_recall.empty() &&
      (n > 2 * cal.size_at || 2 * n < cal.size_at ||
       real >= std::max<size_t>(1, 2 * cal.real_queries) ||
       (real == QuerySample::kCapacity && cal.real_queries < QuerySample::kCapacity))) {
    // Later ones in the background; queries keep the table they have until the new one is in.
    g.calibrating = true;
    if (g.calibrator.joinable()) g.calibrator.join();  // done: it cleared `calibrating`
    try {
      g.calibrator = std::thread([this, real, target = g.highest_target] {
        Impl& g = *impl_;
        try {
          // One thread: the old table answers meanwhile, and queries keep the other cores.
          Calibration fresh = MeasureCalibration(real, target, 1);
          // A higher target asked meanwhile went on up the old table's ladder: the new one goes
          // as far before it replaces it (outside the lock), or that query's steps are lost and
          // the next one asking measures them again in the foreground.
          while (true) {
            float want;
            {
              std::lock_guard<std::mutex> l(g.calibration_mu);
              want = g.highest_target;
              if (fresh.Reaches(want)) {
                // A measurement that found nothing to measure keeps the table there is.
                if (!fresh.ef_recall.empty()) g.calibration = std::move(fresh);
                g.calibrating = false;
                return;
              }
            }
            ExtendCalibration(&fresh, want, 1);
          }
        } catch (...) {  // out of memory: the old table stays, a later query tries again
          std::lock_guard<std::mutex> l(g.calibration_mu);
          g.calibrating = false;
        }
      });
    } catch (const std::system_error&) {  // no thread to be had: a later query tries again
      g.calibrating = false;
    }
  }
  // The smallest ef that reached the target; larger k need a proportionally larger list. When no
  // step could be measured (the index emptied under the measurement): the ladder's largest ef,
  // the safest there is, and the next query measures again.
  uint32_t chosen = kEfLadder[std::size(kEfLadder) - 1];
  if (cal.ef_recall.empty()) cal = Calibration();
  if (!cal.ef_recall.empty()) chosen = cal.ef_recall.back().ef;
  for (const Calibration::Step& step : cal.ef_recall) {
    if (step.lower >= recall) {
      chosen = step.ef;
      break;
    }
  }
  const double scale = std::max(1.0, static_cast<double>(k) / kCalibrationK);
  return static_cast<uint32_t>(std::min(4096.0, std::ceil(chosen * scale)));
}

}  // namespace semble::index
