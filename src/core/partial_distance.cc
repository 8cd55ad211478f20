// Copyright 2026 The semble Authors.
//
// Compiled once per SIMD target by Highway, dispatched at run time (see distance.cc).

#include "core/partial_distance.h"

#include <algorithm>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/partial_distance.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace semble::core {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// The sum is checked against the bound every kBlock floats (512 bytes, eight cache lines): often
// enough to skip most of a far vector, rarely enough that the horizontal sums cost little.
constexpr size_t kBlock = 128;

float L2SquaredBoundedImpl(const float* HWY_RESTRICT a, const float* HWY_RESTRICT b, size_t n,
                           float bound) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  auto s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  size_t i = 0;
  while (i + 4 * N <= n) {
    const size_t block_end = std::min(n, i + kBlock);
    for (; i + 4 * N <= block_end; i += 4 * N) {
      const auto d0 = hn::Sub(hn::LoadU(d, a + i), hn::LoadU(d, b + i));
      const auto d1 = hn::Sub(hn::LoadU(d, a + i + N), hn::LoadU(d, b + i + N));
      const auto d2 = hn::Sub(hn::LoadU(d, a + i + 2 * N), hn::LoadU(d, b + i + 2 * N));
      const auto d3 = hn::Sub(hn::LoadU(d, a + i + 3 * N), hn::LoadU(d, b + i + 3 * N));
      s0 = hn::MulAdd(d0, d0, s0);
      s1 = hn::MulAdd(d1, d1, s1);
      s2 = hn::MulAdd(d2, d2, s2);
      s3 = hn::MulAdd(d3, d3, s3);
    }
    if (i < n) {  // the accumulators hold the running sum of everything read so far
      const float partial =
          hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3))));
      if (partial > bound) return partial;
    }
  }
  for (; i + N <= n; i += N) {
    const auto d0 = hn::Sub(hn::LoadU(d, a + i), hn::LoadU(d, b + i));
    s0 = hn::MulAdd(d0, d0, s0);
  }
  float sum = hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3))));
  for (; i < n; ++i) {
    const float diff = a[i] - b[i];
    sum += diff * diff;
  }
  return sum;
}

}  // namespace HWY_NAMESPACE
}  // namespace semble::core
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace semble::core {

HWY_EXPORT(L2SquaredBoundedImpl);

float L2SquaredBounded(const float* a, const float* b, size_t n, float bound) {
  return HWY_DYNAMIC_DISPATCH(L2SquaredBoundedImpl)(a, b, n, bound);
}

// A first call through the dispatch table makes Highway pick the target; the table entry for it
// is then the kernel itself.
L2BoundedFn L2SquaredBoundedKernel() {
  static const L2BoundedFn fn = [] {
    L2SquaredBounded(nullptr, nullptr, 0, 0.0f);
    return &HWY_DYNAMIC_DISPATCH(L2SquaredBoundedImpl);
  }();
  return fn;
}

}  // namespace semble::core
#endif  // HWY_ONCE
