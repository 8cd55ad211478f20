// Copyright 2026 The semble Authors.

#include "text/fusion.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace semble::text {

namespace {

struct Fused {
  uint32_t slot;
  double score;  // summed in double; rounded to float only in the answer
};

// Best first, ties to the smaller slot, cut to top_k.
std::vector<Hit> Rank(std::vector<Fused> fused, size_t top_k) {
  auto better = [](const Fused& a, const Fused& b) {
    return a.score > b.score || (a.score == b.score && a.slot < b.slot);
  };
  if (fused.size() > top_k) {
    std::partial_sort(fused.begin(), fused.begin() + static_cast<ptrdiff_t>(top_k), fused.end(),
                      better);
    fused.resize(top_k);
  } else {
    std::sort(fused.begin(), fused.end(), better);
  }
  std::vector<Hit> out;
  out.reserve(fused.size());
  for (const Fused& f : fused) out.push_back({f.slot, static_cast<float>(f.score)});
  return out;
}

// Adds each slot's normalised score times `weight` into fused (index by slot in `at`).
Status AddNormalised(std::span<const Hit> hits, ScoreOrder order, double weight,
                     std::unordered_map<uint32_t, size_t>* at, std::vector<Fused>* fused) {
  if (hits.empty()) return Status::OK();
  double lo = hits[0].score, hi = hits[0].score;
  for (const Hit& h : hits) {
    if (!std::isfinite(h.score)) {
      return Status::InvalidArgument("fusion: hit score " + std::to_string(h.score) +
                                     " is not finite");
    }
    lo = std::min(lo, static_cast<double>(h.score));
    hi = std::max(hi, static_cast<double>(h.score));
  }
  std::unordered_set<uint32_t> seen;
  for (const Hit& h : hits) {
    if (!seen.insert(h.slot).second) continue;
    double norm = 1.0;  // every score equal: all equally best
    if (hi > lo) {
      norm = order == ScoreOrder::kHigherIsBetter ? (h.score - lo) / (hi - lo)
                                                  : (hi - h.score) / (hi - lo);
    }
    auto [it, inserted] = at->emplace(h.slot, fused->size());
    if (inserted) fused->push_back({h.slot, 0.0});
    (*fused)[it->second].score += weight * norm;
  }
  return Status::OK();
}

}  // namespace

Status FusionOptions::Validate() const {
  if (method == Method::kReciprocalRank && !(std::isfinite(rrf_k) && rrf_k >= 0)) {
    return Status::InvalidArgument("fusion: the rank constant k must be finite and >= 0");
  }
  if (method == Method::kWeighted && !(alpha >= 0 && alpha <= 1)) {
    return Status::InvalidArgument("fusion: alpha must be in [0, 1]");
  }
  if (method != Method::kReciprocalRank && method != Method::kWeighted) {
    return Status::InvalidArgument("fusion: unknown method");
  }
  return Status::OK();
}

Result<std::vector<Hit>> Fuse(std::span<const Hit> vector_hits, std::span<const Hit> text_hits,
                              const FusionOptions& options, size_t top_k) {
  SEMBLE_RETURN_IF_ERROR(options.Validate());
  if (options.method == FusionOptions::Method::kWeighted) {
    return FuseWeighted(vector_hits, options.vector_order, text_hits, options.alpha, top_k);
  }
  const std::span<const Hit> lists[] = {vector_hits, text_hits};
  return FuseReciprocalRank(lists, options.rrf_k, top_k);
}

Result<std::vector<Hit>> FuseReciprocalRank(std::span<const std::span<const Hit>> lists, double k,
                                            size_t top_k) {
  if (!(std::isfinite(k) && k >= 0)) {
    return Status::InvalidArgument("fusion: the rank constant k must be finite and >= 0");
  }
  std::unordered_map<uint32_t, size_t> at;
  std::vector<Fused> fused;
  for (std::span<const Hit> list : lists) {
    std::unordered_set<uint32_t> seen;
    for (size_t i = 0; i < list.size(); ++i) {
      if (!seen.insert(list[i].slot).second) continue;
      auto [it, inserted] = at.emplace(list[i].slot, fused.size());
      if (inserted) fused.push_back({list[i].slot, 0.0});
      fused[it->second].score += 1.0 / (k + static_cast<double>(i + 1));
    }
  }
  return Rank(std::move(fused), top_k);
}

Result<std::vector<Hit>> FuseWeighted(std::span<const Hit> vector_hits, ScoreOrder vector_order,
                                      std::span<const Hit> text_hits, double alpha, size_t top_k) {
  if (!(alpha >= 0 && alpha <= 1))
    return Status::InvalidArgument("fusion: alpha must be in [0, 1]");
  std::unordered_map<uint32_t, size_t> at;
  std::vector<Fused> fused;
  SEMBLE_RETURN_IF_ERROR(AddNormalised(vector_hits, vector_order, alpha, &at, &fused));
  SEMBLE_RETURN_IF_ERROR(
      AddNormalised(text_hits, ScoreOrder::kHigherIsBetter, 1.0 - alpha, &at, &fused));
  return Rank(std::move(fused), top_k);
}

}  // namespace semble::text
