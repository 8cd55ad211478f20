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
// 0.5-0.6x the predicted time while the exact scan ran as predicted, so 5% filters took the exact
// scan at about half the walk's speed (bench/RESULTS.md, "The planner learns this machine's
// costs").
//
// Each plan keeps, per factor-of-2 bin of a size feature (the matches for the exact scan, the
// nodes walked through for the walk), a running mean of log(observed / predicted), separately for
// queries that read records to test the filter and for those that do not (a record read per node
// or per match is a different cost from a bitmap or column test, with its own model error). A
// prediction is scaled by a weighted mean of the bins' means: weight (the bin's observations, at
// most kWindow) * e^-(distance in bins), plus a prior of weight 1 on "no correction". So a size
// never run borrows from the nearest sizes that were, a few observations move a prediction only
// part of the way, and with none at all the model stands unchanged.
//
// The plan predicted cheaper is the one that runs and is measured, so a bin of the plan that lost
// would keep a bad measurement for good (a scan timed while a build evicted its data, say).
// Every run of one plan therefore ages the other plan's bin at that size by kAging of an
// observation: its weight falls until the other plan, predicted from its neighbours and the
// model again, is tried and measured anew. At a crossover that persists this explores the
// losing plan about once per 1 / kAging queries of that size.
//
// Bounds: each observation counts at most a factor of 8 away from its prediction, and once a bin
// has kSettled observations at most a factor of 4 from the bin's mean (one query preempted for
// 10 ms must not flip the plan). Corrections stay within [1/8, 8]. Thread-safe.
class PlanFeedback {
 public:
  enum Plan { kExact = 0, kWalk = 1 };

  // A filtered query's size as each plan's bins see it: the matches (exact scan) and the model's
  // nodes walked through (walk; 0 when the walk was not a candidate plan).
  struct Size {
    double matches = 0;
    double walk_nodes = 0;
  };

  // `plan` ran for a query of `size`, predicted at `predicted_us`, and took `observed_us`;
  // `reads_records`: the filter was tested on records. Predictions or observations that are not
  // positive and finite are ignored.
  void Observe(Plan plan, bool reads_records, const Size& size, double predicted_us,
               double observed_us);
  // The factor a prediction of `plan` at `feature` (its own size feature) is scaled by: 1 before
  // any observation.
  double Correction(Plan plan, bool reads_records, double feature) const;

  static constexpr double kMaxCorrection = 8;  // corrections stay within [1/8, 8]
  static constexpr int kBins = 48;             // features up to 2^47
  static constexpr double kWindow = 32;  // the running mean's memory, in observations
  static constexpr double kSettled = 4;
  static constexpr double kAging = 1.0 / 32;

 private:
  struct Bin {
    double mean = 0;    // of log(observed / predicted)
    double weight = 0;  // observations, at most kWindow, less the aging
  };
  static int BinOf(double feature);
  Bin& BinFor(Plan plan, bool reads_records, double feature) {
    return bins_[2 * plan + (reads_records ? 1 : 0)][BinOf(feature)];
  }

  mutable std::mutex mu_;
  std::array<std::array<Bin, kBins>, 4> bins_{};
};

}  // namespace semble::index

#endif  // SEMBLE_SRC_INDEX_PLAN_FEEDBACK_H_
