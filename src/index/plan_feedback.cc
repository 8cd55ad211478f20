// Copyright 2026 The semble Authors.

#include "index/plan_feedback.h"

#include <algorithm>
#include <cmath>

namespace semble::index {

namespace {

const double kMaxLog = std::log(PlanFeedback::kMaxCorrection);  // an observation's bound too
const double kSettledLog = std::log(4.0);  // a settled bin's bound around its mean

// e^-d for d bins apart: a bin's weight falls by e per bin, so the nearest sizes measured decide.
const std::array<double, PlanFeedback::kBins>& Decay() {
  static const std::array<double, PlanFeedback::kBins> decay = [] {
    std::array<double, PlanFeedback::kBins> d{};
    for (int i = 0; i < PlanFeedback::kBins; ++i) d[i] = std::exp(-static_cast<double>(i));
    return d;
  }();
  return decay;
}

}  // namespace

int PlanFeedback::BinOf(double feature) {
  if (!(feature > 1.0)) return 0;  // NaN too
  if (!(feature < std::ldexp(1.0, kBins - 1))) return kBins - 1;
  return static_cast<int>(std::log2(feature));
}

void PlanFeedback::Observe(Plan plan, bool reads_records, const Size& size, double predicted_us,
                           double observed_us) {
  if (!(predicted_us > 0) || !(observed_us > 0) || !std::isfinite(predicted_us) ||
      !std::isfinite(observed_us)) {
    return;
  }
  double r = std::clamp(std::log(observed_us / predicted_us), -kMaxLog, kMaxLog);
  const Plan other = plan == kExact ? kWalk : kExact;
  const double feature = plan == kExact ? size.matches : size.walk_nodes;
  const double other_feature = plan == kExact ? size.walk_nodes : size.matches;
  std::lock_guard<std::mutex> lock(mu_);
  Bin& b = BinFor(plan, reads_records, feature);
  if (b.weight >= kSettled) r = std::clamp(r, b.mean - kSettledLog, b.mean + kSettledLog);
  b.weight = std::min(b.weight + 1, kWindow);
  b.mean += (r - b.mean) / b.weight;
  if (other_feature > 0) {
    Bin& o = BinFor(other, reads_records, other_feature);
    o.weight = std::max(0.0, o.weight - kAging);
  }
}

double PlanFeedback::Correction(Plan plan, bool reads_records, double feature) const {
  const int at = BinOf(feature);
  const std::array<double, kBins>& decay = Decay();
  const std::array<Bin, kBins>& bins = bins_[2 * plan + (reads_records ? 1 : 0)];
  double sum = 0, weight = 1;  // the prior: no correction, weight 1
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int i = 0; i < kBins; ++i) {
      if (bins[i].weight == 0) continue;
      const double w = bins[i].weight * decay[std::abs(i - at)];
      sum += w * bins[i].mean;
      weight += w;
    }
  }
  return std::exp(std::clamp(sum / weight, -kMaxLog, kMaxLog));
}

}  // namespace semble::index
