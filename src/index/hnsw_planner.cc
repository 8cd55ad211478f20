// Copyright 2026 The semble Authors.
//
// HnswIndex: the filter planner rule and the recall calibration behind EfForRecall.

#include <algorithm>
#include <cmath>
#include <random>
#include <unordered_set>

#include "index/hnsw_index.h"
#include "index/hnsw_internal.h"

namespace semble::index {

namespace {

constexpr size_t kMinCalibrationSize = 500;
constexpr size_t kCalibrationQueries = 200;
constexpr size_t kCalibrationK = 10;
constexpr uint32_t kEfLadder[] = {10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 1024};

// Below this many matching vectors, scoring them all is cheap whatever the graph would do.
constexpr size_t kAlwaysExactMatches = 2000;
// A filtered walk scores about ef * 2M / s nodes at selectivity s (it has to pass 1/s nodes for
// each one it may keep), at a cost per node kGraphNodeCost times an exact scan's per vector
// (random access vs a streamed arena). Exact costs `matching`. Equal at
// matching^2 = kGraphNodeCost * ef * 2M * size. Constant measured in bench/hnsw_bench.cc.
constexpr double kGraphNodeCost = 0.4;

}  // namespace

FilterPlan HnswIndex::PlanFilter(size_t matching, size_t k) const {
  const size_t n = size();
  if (matching <= std::max(kAlwaysExactMatches, k) || n == 0) return FilterPlan::kExact;
  const double ef = std::max<double>(opts_.ef_search, k);
  const double graph = kGraphNodeCost * ef * 2.0 * opts_.m * static_cast<double>(n);
  return static_cast<double>(matching) * static_cast<double>(matching) <= graph
             ? FilterPlan::kExact
             : FilterPlan::kGraph;
}

uint32_t HnswIndex::EfForRecall(float recall, size_t k) const {
  const Impl& g = *impl_;
  const size_t n = size();
  if (n < kMinCalibrationSize) return std::max<uint32_t>(opts_.ef_search, k);
  std::lock_guard<std::mutex> lock(g.calibration_mu);
  Calibration& cal = g.calibration;
  if (cal.ef_recall.empty() || n > 2 * cal.size_at || 2 * n < cal.size_at) {
    // Leave-one-out: stored vectors as queries, their own slot excluded from both result lists.
    std::vector<uint32_t> slots;
    {
      std::shared_lock<std::shared_mutex> l(g.rw);
      for (uint32_t s = 0; s < g.slot_node.size(); ++s) {
        if (g.slot_node[s] != kNoNode) slots.push_back(s);
      }
    }
    std::mt19937_64 rng(opts_.seed);
    std::shuffle(slots.begin(), slots.end(), rng);
    slots.resize(std::min(slots.size(), kCalibrationQueries));
    std::vector<std::vector<float>> queries;
    std::vector<std::unordered_set<uint32_t>> truth;
    for (uint32_t s : slots) {
      const float* v = Get(s);
      if (v == nullptr) continue;
      queries.emplace_back(v, v + opts_.dimensions);
      std::unordered_set<uint32_t> t;
      for (const Hit& h : SearchExact(v, kCalibrationK + 1)) {
        if (h.slot != s && t.size() < kCalibrationK) t.insert(h.slot);
      }
      truth.push_back(std::move(t));
    }
    cal.ef_recall.clear();
    for (uint32_t ef : kEfLadder) {
      size_t hit = 0, total = 0;
      for (size_t i = 0; i < queries.size(); ++i) {
        const uint32_t self = slots[i];
        size_t taken = 0;
        for (const Hit& h : Search(queries[i].data(), kCalibrationK + 1, ef)) {
          if (h.slot == self || taken == kCalibrationK) continue;
          ++taken;
          hit += truth[i].count(h.slot);
        }
        total += truth[i].size();
      }
      const float r = total == 0 ? 1.0f : static_cast<float>(hit) / total;
      cal.ef_recall.push_back({ef, r});
      if (r >= 0.999f) break;
    }
    cal.size_at = n;
  }
  // The smallest ef that reached the target; larger k need a proportionally larger list.
  uint32_t chosen = cal.ef_recall.back().first;
  for (const auto& [ef, r] : cal.ef_recall) {
    if (r >= recall) {
      chosen = ef;
      break;
    }
  }
  const double scale = std::max(1.0, static_cast<double>(k) / kCalibrationK);
  return static_cast<uint32_t>(std::min(4096.0, std::ceil(chosen * scale)));
}

}  // namespace semble::index
