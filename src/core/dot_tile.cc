// Copyright 2026 The semble Authors.
//
// Highway compiles this file once per SIMD target, like distance.cc.

#include "core/dot_tile.h"

#include <algorithm>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/dot_tile.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace semble::core {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using D = hn::ScalableTag<float>;
using V = hn::Vec<D>;

size_t DotTileRowsImpl() { return 2 * hn::Lanes(D()); }

void PackDotTileRowsImpl(const float* rows, size_t count, size_t n, float* out) {
  const size_t width = DotTileRowsImpl();
  for (size_t p = 0; p * width < count; ++p) {
    float* panel = out + p * width * n;
    const size_t in_panel = std::min(width, count - p * width);
    for (size_t j = 0; j < width; ++j) {
      const float* row = rows + (p * width + j) * n;
      if (j < in_panel) {
        for (size_t t = 0; t < n; ++t) panel[t * width + j] = row[t];
      } else {
        for (size_t t = 0; t < n; ++t) panel[t * width + j] = 0.0f;
      }
    }
  }
}

// The accumulators are spelled out, not kept in an array, so that -O2 keeps all 16 in registers.
void DotTileImpl(const float* HWY_RESTRICT qp, const float* HWY_RESTRICT rp, size_t t0, size_t t1,
                 float* HWY_RESTRICT out, size_t ldo, bool accumulate) {
  const D d;
  const size_t N = hn::Lanes(d);
#define SEMBLE_DOT_TILE_INIT(i)                                       \
  V c##i##0 = accumulate ? hn::LoadU(d, out + (i)*ldo) : hn::Zero(d); \
  V c##i##1 = accumulate ? hn::LoadU(d, out + (i)*ldo + N) : hn::Zero(d);
  SEMBLE_DOT_TILE_INIT(0)
  SEMBLE_DOT_TILE_INIT(1)
  SEMBLE_DOT_TILE_INIT(2)
  SEMBLE_DOT_TILE_INIT(3)
  SEMBLE_DOT_TILE_INIT(4)
  SEMBLE_DOT_TILE_INIT(5)
  SEMBLE_DOT_TILE_INIT(6)
  SEMBLE_DOT_TILE_INIT(7)
#undef SEMBLE_DOT_TILE_INIT
  for (size_t t = t0; t < t1; ++t) {
    const V b0 = hn::LoadU(d, rp + t * 2 * N), b1 = hn::LoadU(d, rp + t * 2 * N + N);
    const float* a = qp + t * kDotTileQueries;
#define SEMBLE_DOT_TILE_ROW(i)             \
  {                                        \
    const V ai = hn::Set(d, a[i]);         \
    c##i##0 = hn::MulAdd(ai, b0, c##i##0); \
    c##i##1 = hn::MulAdd(ai, b1, c##i##1); \
  }
    SEMBLE_DOT_TILE_ROW(0)
    SEMBLE_DOT_TILE_ROW(1)
    SEMBLE_DOT_TILE_ROW(2)
    SEMBLE_DOT_TILE_ROW(3)
    SEMBLE_DOT_TILE_ROW(4)
    SEMBLE_DOT_TILE_ROW(5)
    SEMBLE_DOT_TILE_ROW(6)
    SEMBLE_DOT_TILE_ROW(7)
#undef SEMBLE_DOT_TILE_ROW
  }
#define SEMBLE_DOT_TILE_STORE(i)         \
  hn::StoreU(c##i##0, d, out + (i)*ldo); \
  hn::StoreU(c##i##1, d, out + (i)*ldo + N);
  SEMBLE_DOT_TILE_STORE(0)
  SEMBLE_DOT_TILE_STORE(1)
  SEMBLE_DOT_TILE_STORE(2)
  SEMBLE_DOT_TILE_STORE(3)
  SEMBLE_DOT_TILE_STORE(4)
  SEMBLE_DOT_TILE_STORE(5)
  SEMBLE_DOT_TILE_STORE(6)
  SEMBLE_DOT_TILE_STORE(7)
#undef SEMBLE_DOT_TILE_STORE
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace semble::core
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace semble::core {

HWY_EXPORT(DotTileRowsImpl);
HWY_EXPORT(PackDotTileRowsImpl);
HWY_EXPORT(DotTileImpl);

size_t DotTileRows() {
  static const size_t rows = HWY_DYNAMIC_DISPATCH(DotTileRowsImpl)();
  return rows;
}

void PackDotTileQueries(const float* q, size_t m, size_t n, float* out) {
  for (size_t p = 0; p * kDotTileQueries < m; ++p) {
    float* panel = out + p * kDotTileQueries * n;
    for (size_t i = 0; i < kDotTileQueries; ++i) {
      const size_t query = p * kDotTileQueries + i;
      for (size_t t = 0; t < n; ++t) {
        panel[t * kDotTileQueries + i] = query < m ? q[query * n + t] : 0.0f;
      }
    }
  }
}

void PackDotTileRows(const float* rows, size_t count, size_t n, float* out) {
  HWY_DYNAMIC_DISPATCH(PackDotTileRowsImpl)(rows, count, n, out);
}

void DotTile(const float* query_panel, const float* row_panel, size_t t0, size_t t1, float* out,
             size_t ldo, bool accumulate) {
  HWY_DYNAMIC_DISPATCH(DotTileImpl)(query_panel, row_panel, t0, t1, out, ldo, accumulate);
}

}  // namespace semble::core
#endif  // HWY_ONCE
