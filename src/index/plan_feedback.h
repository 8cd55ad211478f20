// Copyright 2026 The semble Authors.
//
// What the filter planner's two plans cost on the machine the index runs on, learned from the
// queries that ran them, as a correction to the cost model's predictions.

#ifndef SEMBLE_SRC_INDEX_PLAN_FEEDBACK_H_
#define SEMBLE_SRC_INDEX_PLAN_FEEDBACK_H_

#include <array>
#include <cstdint>
#include <mutex>

namespace semble::index {

// The cost model (HnswIndex::ModelFilterCost) was fitted on one machine. Its shape carries over
// to others, its constants do not: on a Zen 4 guest the filtered walk at 5-10% selectivity ran in
// 0.5-0.6x the predicted time while the exact scan ran as predicted, so 3-5% filters took the
// exact scan at 0.6x the walk's speed (bench/RESULTS.md, "The planner learns this machine's
// costs").
//
// Each plan keeps, per factor-of-2 bin of a size feature (the matches for the exact scan, the
// nodes walked through for the walk), a running mean of log(observed / predicted). A prediction
// is scaled by a weighted mean of the bins' means: weight min(count, kWindow) * e^-(distance in
// bins), plus a prior of weight 1 on "no correction". So a size never run borrows from the
// nearest sizes that were, a few observations move a prediction only part of the way, and with
// none at all the model stands unchanged. A plan whose corrected cost is lower then gets run and
// measured, so a crossover the model misplaces is found from either side.
//
// Bounds: each observation counts at most a factor of 8 away from its prediction, and once a bin
// has kSettled observations at most a factor of 4 from the bin's mean (one query preempted for
// 10 ms must not flip the plan). Corrections stay within [1/8, 8]. Thread-safe.
class PlanFeedback {
 public:
  enum Plan { kExact = 0, kWalk = 1 };

  // A plan predicted at `predicted_us` for a query of size `feature` (>= 1) took `observed_us`.
  // Predictions or observations that are not positive and finite are ignored.
  void Observe(Plan plan, double feature, double predicted_us, double observed_us);
  // `predicted_us` times the learned correction for that plan at that size.
  double Corrected(Plan plan, double feature, double predicted_us) const;
  // The factor Corrected applies (1 before any observation).
  double Correction(Plan plan, double feature) const;

  static constexpr int kBins = 48;         // features up to 2^47
  static constexpr uint32_t kWindow = 32;  // the running mean's memory, in observations
  static constexpr uint32_t kSettled = 4;

 private:
  struct Bin {
    double mean = 0;  // of log(observed / predicted)
    uint32_t count = 0;
  };
  static int BinOf(double feature);

  mutable std::mutex mu_;
  std::array<std::array<Bin, kBins>, 2> bins_{};
};

}  // namespace semble::index

#endif  // SEMBLE_SRC_INDEX_PLAN_FEEDBACK_H_
