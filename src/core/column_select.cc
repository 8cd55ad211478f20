// Copyright 2026 The semble Authors.
//
// Highway compiles this file once per SIMD target and dispatches at run time (see distance.cc).
// A vector of values is compared with both bounds at once and the lanes in range come out as mask
// bits, so a scan costs a few instructions per vector of values and one step per value selected.
// (Highway 1.0's RebindMask cannot carry a mask of doubles to 32-bit indices for a compressed
// store.)

#include "core/column_select.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/column_select.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace semble::core {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

size_t SelectInRangeImpl(const double* HWY_RESTRICT values, size_t n, double lo, double hi,
                         uint32_t base, uint32_t* HWY_RESTRICT out) {
  const hn::ScalableTag<double> d;
  const size_t N = hn::Lanes(d);
  const auto vlo = hn::Set(d, lo), vhi = hn::Set(d, hi);
  size_t m = 0, i = 0;
  uint8_t bits[8] = {};  // one bit per lane: up to 64 lanes
  if (N <= 64) {
    for (; i + N <= n; i += N) {
      const auto v = hn::LoadU(d, values + i);
      // Ordered comparisons: false for NaN.
      hn::StoreMaskBits(d, hn::And(hn::Ge(v, vlo), hn::Le(v, vhi)), bits);
      for (size_t byte = 0; byte * 8 < N; ++byte) {
        for (uint32_t b = bits[byte]; b != 0; b &= b - 1) {
          out[m++] = base + static_cast<uint32_t>(i + byte * 8 + __builtin_ctz(b));
        }
      }
    }
  }
  for (; i < n; ++i) {
    out[m] = base + static_cast<uint32_t>(i);
    m += (values[i] >= lo && values[i] <= hi) ? 1 : 0;
  }
  return m;
}

}  // namespace HWY_NAMESPACE
}  // namespace semble::core
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace semble::core {

HWY_EXPORT(SelectInRangeImpl);

size_t SelectInRange(const double* values, size_t n, double lo, double hi, uint32_t base,
                     uint32_t* out) {
  return HWY_DYNAMIC_DISPATCH(SelectInRangeImpl)(values, n, lo, hi, base, out);
}

}  // namespace semble::core
#endif  // HWY_ONCE
