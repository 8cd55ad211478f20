// Copyright 2026 The semble Authors.
//
// Float kernels for graph search. L2SquaredBounded may stop early: most vectors a search scores
// are rejected because they are farther than its current ef-th candidate, and a squared L2 sum
// only grows, so the rest of such a vector need not be read at all.

#ifndef SEMBLE_SRC_CORE_PARTIAL_DISTANCE_H_
#define SEMBLE_SRC_CORE_PARTIAL_DISTANCE_H_

#include <cstddef>

namespace semble::core {

using L2BoundedFn = float (*)(const float* a, const float* b, size_t n, float bound);

// The kernel for this CPU, resolved once (see DotProductKernel in distance.h).
L2BoundedFn L2SquaredBoundedKernel();

// L2Squared(a, b, n) when that is <= bound; otherwise some value > bound (a partial sum), possibly
// computed from a prefix of the vectors only.
float L2SquaredBounded(const float* a, const float* b, size_t n, float bound);

}  // namespace semble::core

#endif  // SEMBLE_SRC_CORE_PARTIAL_DISTANCE_H_
