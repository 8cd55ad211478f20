// Copyright 2026 The semble Authors.
//
// Distance kernels. Highway picks the best implementation for the running CPU once (SSE4, AVX2,
// AVX-512, NEON...), so one binary is fast everywhere. Kernels know nothing of indexes or metrics'
// score conventions: they compute raw dot products and squared L2 distances.

#ifndef SEMBLE_SRC_CORE_DISTANCE_H_
#define SEMBLE_SRC_CORE_DISTANCE_H_

#include <cstddef>
#include <cstdint>

namespace semble::core {

// sum_i a[i] * b[i]
float DotProduct(const float* a, const float* b, size_t n);
// sum_i (a[i] - b[i])^2
float L2Squared(const float* a, const float* b, size_t n);

// DotProduct for this CPU, resolved once: a graph search calls it millions of times, and a call
// through the pointer skips the dispatch lookup (the kernel for 100 dimensions takes ~10 ns).
using DotFn = float (*)(const float* a, const float* b, size_t n);
DotFn DotProductKernel();

// out[j] = DotProduct(q, base + j * n, n) for j in [0, count): the rows are contiguous.
void DotProductBatch(const float* q, const float* base, size_t n, size_t count, float* out);
// out[j] = L2Squared(q, base + j * n, n) for j in [0, count).
void L2SquaredBatch(const float* q, const float* base, size_t n, size_t count, float* out);

// The name of the SIMD target chosen at run time ("AVX3", "AVX2", ...), for logs and benchmarks.
const char* DistanceTargetName();

}  // namespace semble::core

#endif  // SEMBLE_SRC_CORE_DISTANCE_H_
