// Copyright 2026 The semble Authors.
//
// Highway compiles this file once per SIMD target (foreach_target.h re-includes it) and
// HWY_DYNAMIC_DISPATCH picks the best compiled target for the running CPU on first use. No -march
// flag is needed: each target's code is compiled with that target's attributes.
//
// Design notes, shared by all kernels:
// - Several independent accumulators: an FMA has a latency of ~4 cycles and two can start per
//   cycle, so a single accumulator chain would run at an eighth of the machine's FMA rate.
// - The batch kernels score four rows per pass over the query, so each query vector loaded from L1
//   feeds four FMAs, and four rows stream from memory at once (the hardware prefetcher follows
//   them, they are adjacent).
// - Tails (n not a multiple of the vector length) use masked loads where those are fault-free
//   (AVX2, AVX-512); elsewhere Highway emulates MaskedLoad with a full load, which could touch
//   memory past the end of the array, so those targets finish with a scalar loop instead.

#include "core/distance.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/distance.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace semble::core {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using D = hn::ScalableTag<float>;
using V = hn::Vec<D>;

// True when MaskedLoad never reads the masked-off lanes (so it is safe at the end of an array).
constexpr bool kFaultFreeMaskedLoad = HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2;

// The per-lane contribution of one (a, b) pair to each kernel.
struct DotOp {
  static HWY_INLINE V Step(V a, V b, V acc) { return hn::MulAdd(a, b, acc); }
  static HWY_INLINE float Scalar(float a, float b) { return a * b; }
};
struct L2Op {
  static HWY_INLINE V Step(V a, V b, V acc) {
    const V diff = hn::Sub(a, b);
    return hn::MulAdd(diff, diff, acc);
  }
  static HWY_INLINE float Scalar(float a, float b) {
    const float diff = a - b;
    return diff * diff;
  }
};

HWY_INLINE float Sum(D d, V v) { return hn::GetLane(hn::SumOfLanes(d, v)); }

// One pair of vectors. Four accumulators cover FMA latency without spilling on 16-register targets.
template <class Op>
HWY_INLINE float OnePair(const float* HWY_RESTRICT a, const float* HWY_RESTRICT b, size_t n) {
  const D d;
  const size_t N = hn::Lanes(d);
  V s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  size_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    s0 = Op::Step(hn::LoadU(d, a + i), hn::LoadU(d, b + i), s0);
    s1 = Op::Step(hn::LoadU(d, a + i + N), hn::LoadU(d, b + i + N), s1);
    s2 = Op::Step(hn::LoadU(d, a + i + 2 * N), hn::LoadU(d, b + i + 2 * N), s2);
    s3 = Op::Step(hn::LoadU(d, a + i + 3 * N), hn::LoadU(d, b + i + 3 * N), s3);
  }
  for (; i + N <= n; i += N) {
    s0 = Op::Step(hn::LoadU(d, a + i), hn::LoadU(d, b + i), s0);
  }
  if (kFaultFreeMaskedLoad && i < n) {
    const auto m = hn::FirstN(d, n - i);
    // Masked-off lanes load as zero in both inputs, so they add zero for both kernels.
    s1 = Op::Step(hn::MaskedLoad(m, d, a + i), hn::MaskedLoad(m, d, b + i), s1);
    i = n;
  }
  float sum = Sum(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3)));
  for (; i < n; ++i) sum += Op::Scalar(a[i], b[i]);
  return sum;
}

// out[j] for rows j in [0, count), four rows per pass over q. With two vectors per row per step the
// pass keeps eight independent accumulators in flight.
template <class Op>
HWY_INLINE void Batch(const float* HWY_RESTRICT q, const float* HWY_RESTRICT base, size_t n,
                      size_t count, float* HWY_RESTRICT out) {
  const D d;
  const size_t N = hn::Lanes(d);
  size_t j = 0;
  for (; j + 4 <= count; j += 4) {
    const float* HWY_RESTRICT r0 = base + j * n;
    const float* HWY_RESTRICT r1 = r0 + n;
    const float* HWY_RESTRICT r2 = r1 + n;
    const float* HWY_RESTRICT r3 = r2 + n;
    V a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
    V b0 = hn::Zero(d), b1 = hn::Zero(d), b2 = hn::Zero(d), b3 = hn::Zero(d);
    size_t i = 0;
    for (; i + 2 * N <= n; i += 2 * N) {
      const V qa = hn::LoadU(d, q + i);
      const V qb = hn::LoadU(d, q + i + N);
      a0 = Op::Step(qa, hn::LoadU(d, r0 + i), a0);
      a1 = Op::Step(qa, hn::LoadU(d, r1 + i), a1);
      a2 = Op::Step(qa, hn::LoadU(d, r2 + i), a2);
      a3 = Op::Step(qa, hn::LoadU(d, r3 + i), a3);
      b0 = Op::Step(qb, hn::LoadU(d, r0 + i + N), b0);
      b1 = Op::Step(qb, hn::LoadU(d, r1 + i + N), b1);
      b2 = Op::Step(qb, hn::LoadU(d, r2 + i + N), b2);
      b3 = Op::Step(qb, hn::LoadU(d, r3 + i + N), b3);
    }
    if (i + N <= n) {
      const V qa = hn::LoadU(d, q + i);
      a0 = Op::Step(qa, hn::LoadU(d, r0 + i), a0);
      a1 = Op::Step(qa, hn::LoadU(d, r1 + i), a1);
      a2 = Op::Step(qa, hn::LoadU(d, r2 + i), a2);
      a3 = Op::Step(qa, hn::LoadU(d, r3 + i), a3);
      i += N;
    }
    if (kFaultFreeMaskedLoad && i < n) {
      const auto m = hn::FirstN(d, n - i);
      const V qm = hn::MaskedLoad(m, d, q + i);
      b0 = Op::Step(qm, hn::MaskedLoad(m, d, r0 + i), b0);
      b1 = Op::Step(qm, hn::MaskedLoad(m, d, r1 + i), b1);
      b2 = Op::Step(qm, hn::MaskedLoad(m, d, r2 + i), b2);
      b3 = Op::Step(qm, hn::MaskedLoad(m, d, r3 + i), b3);
      i = n;
    }
    float s0 = Sum(d, hn::Add(a0, b0));
    float s1 = Sum(d, hn::Add(a1, b1));
    float s2 = Sum(d, hn::Add(a2, b2));
    float s3 = Sum(d, hn::Add(a3, b3));
    for (; i < n; ++i) {
      s0 += Op::Scalar(q[i], r0[i]);
      s1 += Op::Scalar(q[i], r1[i]);
      s2 += Op::Scalar(q[i], r2[i]);
      s3 += Op::Scalar(q[i], r3[i]);
    }
    out[j] = s0;
    out[j + 1] = s1;
    out[j + 2] = s2;
    out[j + 3] = s3;
  }
  for (; j < count; ++j) out[j] = OnePair<Op>(q, base + j * n, n);
}

float DotProductImpl(const float* a, const float* b, size_t n) { return OnePair<DotOp>(a, b, n); }
float L2SquaredImpl(const float* a, const float* b, size_t n) { return OnePair<L2Op>(a, b, n); }
void DotProductBatchImpl(const float* q, const float* base, size_t n, size_t count, float* out) {
  Batch<DotOp>(q, base, n, count, out);
}
void L2SquaredBatchImpl(const float* q, const float* base, size_t n, size_t count, float* out) {
  Batch<L2Op>(q, base, n, count, out);
}
const char* TargetNameImpl() { return hwy::TargetName(HWY_TARGET); }

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace semble::core
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace semble::core {

HWY_EXPORT(DotProductImpl);
HWY_EXPORT(L2SquaredImpl);
HWY_EXPORT(DotProductBatchImpl);
HWY_EXPORT(L2SquaredBatchImpl);
HWY_EXPORT(TargetNameImpl);

float DotProduct(const float* a, const float* b, size_t n) {
  return HWY_DYNAMIC_DISPATCH(DotProductImpl)(a, b, n);
}

float L2Squared(const float* a, const float* b, size_t n) {
  return HWY_DYNAMIC_DISPATCH(L2SquaredImpl)(a, b, n);
}

void DotProductBatch(const float* q, const float* base, size_t n, size_t count, float* out) {
  HWY_DYNAMIC_DISPATCH(DotProductBatchImpl)(q, base, n, count, out);
}

void L2SquaredBatch(const float* q, const float* base, size_t n, size_t count, float* out) {
  HWY_DYNAMIC_DISPATCH(L2SquaredBatchImpl)(q, base, n, count, out);
}

const char* DistanceTargetName() { return HWY_DYNAMIC_DISPATCH(TargetNameImpl)(); }

}  // namespace semble::core
#endif  // HWY_ONCE
