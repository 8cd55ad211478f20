// Copyright 2026 The semble Authors.
//
// Rank fusion for hybrid search: one ranking out of a vector search's hits and a keyword search's
// hits over the same slots. Two methods, as Weaviate, Qdrant and OpenSearch offer them:
//
// Reciprocal rank fusion (Cormack, Clarke & Büttcher 2009), the default: a slot scores
// Σ 1 / (k + rank) over the lists it appears in, rank counted from 1 by position in the list. Only
// the order of each list matters, so scores of different scales and directions need no care.
//
// Weighted score fusion: each side's scores are min-max normalised to [0, 1] with 1 the best
// hit, then fused = alpha · vector + (1 − alpha) · text (alpha = 1 is vector only, 0 keyword only,
// Weaviate's convention). A slot missing from a side gets 0 for that side. A side whose scores
// are all equal (one hit, say) normalises every hit to 1. Direction: the vector side's scores are
// in the metric's convention, cosine similarity (higher is closer), or euclidean distance and
// semble's negative dot product (lower is closer); the caller says which with ScoreOrder, and a
// lower-is-better side normalises as (max − s) / (max − min). Keyword (BM25) scores are higher-
// is-better.
//
// Common to both: lists are best first; a slot repeated within one list counts at its first
// position only; the result is best first with ties to the smaller slot, cut to top_k.

#ifndef SEMBLE_SRC_TEXT_FUSION_H_
#define SEMBLE_SRC_TEXT_FUSION_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "semble/status.h"
#include "text/hit.h"

namespace semble::text {

enum class ScoreOrder : uint8_t { kHigherIsBetter, kLowerIsBetter };

struct FusionOptions {
  enum class Method : uint8_t { kReciprocalRank, kWeighted };

  Method method = Method::kReciprocalRank;
  double rrf_k = 60;   // reciprocal rank: finite, >= 0
  double alpha = 0.5;  // weighted: the vector side's weight, in [0, 1]
  ScoreOrder vector_order = ScoreOrder::kHigherIsBetter;

  // InvalidArgument naming the field out of range.
  Status Validate() const;
};

// Fuses the two sides of a hybrid query by `options`, returning at most top_k hits whose scores
// are the fused scores. InvalidArgument when the options are out of range, or (weighted) when a
// score is not finite.
Result<std::vector<Hit>> Fuse(std::span<const Hit> vector_hits, std::span<const Hit> text_hits,
                              const FusionOptions& options, size_t top_k);

// Reciprocal rank fusion of any number of lists. InvalidArgument when k is negative or not
// finite.
Result<std::vector<Hit>> FuseReciprocalRank(std::span<const std::span<const Hit>> lists, double k,
                                            size_t top_k);

// Weighted normalised score fusion of two lists. InvalidArgument when alpha is outside [0, 1]
// (or NaN) or a score is not finite.
Result<std::vector<Hit>> FuseWeighted(std::span<const Hit> vector_hits, ScoreOrder vector_order,
                                      std::span<const Hit> text_hits, double alpha, size_t top_k);

}  // namespace semble::text

#endif  // SEMBLE_SRC_TEXT_FUSION_H_
