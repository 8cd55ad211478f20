// Copyright 2026 The semble Authors.
//
// Highway compiles this file once per SIMD target (foreach_target.h re-includes it) and
// HWY_DYNAMIC_DISPATCH picks the best compiled target for the running CPU on first use. No -march
// flag is needed: each target's code is compiled with that target's attributes.
//
// Design notes, shared by all kernels:
// - Several independent accumulators: an FMA has a latency of ~4 cycles and two can start per
//   cycle, so a single accumulator chain would run at an eighth of the machine's FMA rate.
// - The batch kernels score eight rows per pass over the query (see Batch).
// - Tails (n not a multiple of the vector length) use masked loads where those are fault-free
//   (AVX2, AVX-512); elsewhere Highway emulates MaskedLoad with a full load, which could touch
//   memory past the end of the array, so those targets finish with a scalar loop instead.

#include "core/distance.h"

#include <algorithm>

#include "core/dot_tile.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/distance.cc"
#include "hwy/cache_control.h"
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

// Scores rows [j, j + 4) of a batch: one vector per row per step, so four accumulators. Used for
// what is left after the eight-row passes.
template <class Op>
HWY_INLINE void FourRows(const float* HWY_RESTRICT q, const float* HWY_RESTRICT r0, size_t n,
                         float* HWY_RESTRICT out) {
  const D d;
  const size_t N = hn::Lanes(d);
  const float* HWY_RESTRICT r1 = r0 + n;
  const float* HWY_RESTRICT r2 = r1 + n;
  const float* HWY_RESTRICT r3 = r2 + n;
  V a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    const V qv = hn::LoadU(d, q + i);
    a0 = Op::Step(qv, hn::LoadU(d, r0 + i), a0);
    a1 = Op::Step(qv, hn::LoadU(d, r1 + i), a1);
    a2 = Op::Step(qv, hn::LoadU(d, r2 + i), a2);
    a3 = Op::Step(qv, hn::LoadU(d, r3 + i), a3);
  }
  if (kFaultFreeMaskedLoad && i < n) {
    const auto m = hn::FirstN(d, n - i);
    const V qv = hn::MaskedLoad(m, d, q + i);
    a0 = Op::Step(qv, hn::MaskedLoad(m, d, r0 + i), a0);
    a1 = Op::Step(qv, hn::MaskedLoad(m, d, r1 + i), a1);
    a2 = Op::Step(qv, hn::MaskedLoad(m, d, r2 + i), a2);
    a3 = Op::Step(qv, hn::MaskedLoad(m, d, r3 + i), a3);
    i = n;
  }
  float s0 = Sum(d, a0), s1 = Sum(d, a1), s2 = Sum(d, a2), s3 = Sum(d, a3);
  for (; i < n; ++i) {
    s0 += Op::Scalar(q[i], r0[i]);
    s1 += Op::Scalar(q[i], r1[i]);
    s2 += Op::Scalar(q[i], r2[i]);
    s3 += Op::Scalar(q[i], r3[i]);
  }
  out[0] = s0;
  out[1] = s1;
  out[2] = s2;
  out[3] = s3;
}

// out[j] for rows j in [0, count). Eight rows per pass over q: each query vector loaded feeds eight
// FMAs, the eight accumulators cover FMA latency, and eight rows stream from memory at once. A
// single core's read bandwidth is bounded by how many cache misses it has in flight; eight streams
// plus a software prefetch of the next eight rows keep more of them in flight than the hardware
// prefetcher alone does (measured +15% on a Xeon with AVX-512, see bench/RESULTS.md). The
// accumulators are spelled out rather than kept in an array so that -O2 keeps them in registers.
template <class Op>
HWY_INLINE void Batch(const float* HWY_RESTRICT q, const float* HWY_RESTRICT base, size_t n,
                      size_t count, float* HWY_RESTRICT out) {
  const D d;
  const size_t N = hn::Lanes(d);
  // Prefetch one line per row per 64 bytes of progress, however wide the vectors are.
  const size_t prefetch_mask = std::max<size_t>(N, 64 / sizeof(float)) - 1;
  size_t j = 0;
  for (; j + 8 <= count; j += 8) {
    const float* HWY_RESTRICT r0 = base + j * n;
    const float* HWY_RESTRICT r1 = r0 + n;
    const float* HWY_RESTRICT r2 = r1 + n;
    const float* HWY_RESTRICT r3 = r2 + n;
    const float* HWY_RESTRICT r4 = r3 + n;
    const float* HWY_RESTRICT r5 = r4 + n;
    const float* HWY_RESTRICT r6 = r5 + n;
    const float* HWY_RESTRICT r7 = r6 + n;
    // The next eight rows, if this call covers them (no pointer past the caller's rows).
    const float* next = j + 16 <= count ? r0 + 8 * n : nullptr;
    V a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
    V a4 = hn::Zero(d), a5 = hn::Zero(d), a6 = hn::Zero(d), a7 = hn::Zero(d);
    size_t i = 0;
    for (; i + N <= n; i += N) {
      if (next != nullptr && (i & prefetch_mask) == 0) {
        for (size_t t = 0; t < 8; ++t) hwy::Prefetch(next + t * n + i);
      }
      const V qv = hn::LoadU(d, q + i);
      a0 = Op::Step(qv, hn::LoadU(d, r0 + i), a0);
      a1 = Op::Step(qv, hn::LoadU(d, r1 + i), a1);
      a2 = Op::Step(qv, hn::LoadU(d, r2 + i), a2);
      a3 = Op::Step(qv, hn::LoadU(d, r3 + i), a3);
      a4 = Op::Step(qv, hn::LoadU(d, r4 + i), a4);
      a5 = Op::Step(qv, hn::LoadU(d, r5 + i), a5);
      a6 = Op::Step(qv, hn::LoadU(d, r6 + i), a6);
      a7 = Op::Step(qv, hn::LoadU(d, r7 + i), a7);
    }
    if (kFaultFreeMaskedLoad && i < n) {
      const auto m = hn::FirstN(d, n - i);
      const V qv = hn::MaskedLoad(m, d, q + i);
      a0 = Op::Step(qv, hn::MaskedLoad(m, d, r0 + i), a0);
      a1 = Op::Step(qv, hn::MaskedLoad(m, d, r1 + i), a1);
      a2 = Op::Step(qv, hn::MaskedLoad(m, d, r2 + i), a2);
      a3 = Op::Step(qv, hn::MaskedLoad(m, d, r3 + i), a3);
      a4 = Op::Step(qv, hn::MaskedLoad(m, d, r4 + i), a4);
      a5 = Op::Step(qv, hn::MaskedLoad(m, d, r5 + i), a5);
      a6 = Op::Step(qv, hn::MaskedLoad(m, d, r6 + i), a6);
      a7 = Op::Step(qv, hn::MaskedLoad(m, d, r7 + i), a7);
      i = n;
    }
    float s[8] = {Sum(d, a0), Sum(d, a1), Sum(d, a2), Sum(d, a3),
                  Sum(d, a4), Sum(d, a5), Sum(d, a6), Sum(d, a7)};
    for (; i < n; ++i) {
      for (size_t t = 0; t < 8; ++t) s[t] += Op::Scalar(q[i], r0[t * n + i]);
    }
    for (size_t t = 0; t < 8; ++t) out[j + t] = s[t];
  }
  if (j + 4 <= count) {
    FourRows<Op>(q, base + j * n, n, out + j);
    j += 4;
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

// --- Many queries by many rows (core/dot_tile.h) ---

// The tile's height: 12 queries x 2 vectors = 24 accumulators, plus the two row vectors and one
// broadcast, is 27 of the 32 vector registers of AVX-512 (and of NEON/SVE). Against the 8-query
// tile it loads the row vectors once per 24 FMAs instead of 16, and the accumulators are loaded
// and stored once per 12 queries of a slice; measured 5-20% faster over the same blocking on a
// Xeon with AVX-512 (bench/RESULTS.md). Targets with 16 registers (AVX2 and older) get 6 queries:
// 12 accumulators + 3, no spills.
constexpr size_t kTileHeight = (HWY_ARCH_X86 && HWY_TARGET > HWY_AVX3) ? 6 : 12;
static_assert(kTileHeight <= kDotTileMaxQueries);

size_t DotTileQueriesImpl() { return kTileHeight; }
size_t DotTileRowsImpl() { return 2 * hn::Lanes(D()); }

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
#define SEMBLE_PACK_TRANSPOSE_16 1
// Transposes 16 rows x 16 dimensions (rows `stride` floats apart) into 16 runs of 16 floats, one
// per dimension, `ld` floats apart: four rounds of in-register shuffles (2 x 32-bit, 2 x 64-bit,
// 2 x 128-bit lanes), 64 shuffles for 256 floats, where a scalar copy takes a load and a store
// for each float.
HWY_INLINE void Transpose16(const float* HWY_RESTRICT src, size_t stride, float* HWY_RESTRICT dst,
                            size_t ld) {
  __m512 r[16], t[16];
  for (size_t i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + i * stride);
  for (size_t g = 0; g < 16; g += 4) {
    // Per 128-bit lane: [a0 b0 a1 b1], [a2 b2 a3 b3] of row pairs (a, b) = (g, g+1), (g+2, g+3).
    t[g + 0] = _mm512_unpacklo_ps(r[g + 0], r[g + 1]);
    t[g + 1] = _mm512_unpackhi_ps(r[g + 0], r[g + 1]);
    t[g + 2] = _mm512_unpacklo_ps(r[g + 2], r[g + 3]);
    t[g + 3] = _mm512_unpackhi_ps(r[g + 2], r[g + 3]);
    // Per lane k: element 4k + m of rows g..g+3, in r[g + m].
    const __m512d t0 = _mm512_castps_pd(t[g + 0]), t1 = _mm512_castps_pd(t[g + 1]);
    const __m512d t2 = _mm512_castps_pd(t[g + 2]), t3 = _mm512_castps_pd(t[g + 3]);
    r[g + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));
    r[g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));
    r[g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
    r[g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
  }
  for (size_t m = 0; m < 4; ++m) {
    // Lane k of the four groups' r[g + m] side by side: dimension 4k + m of all 16 rows.
    const __m512 x0 = _mm512_shuffle_f32x4(r[m], r[4 + m], 0x44);
    const __m512 x1 = _mm512_shuffle_f32x4(r[m], r[4 + m], 0xEE);
    const __m512 y0 = _mm512_shuffle_f32x4(r[8 + m], r[12 + m], 0x44);
    const __m512 y1 = _mm512_shuffle_f32x4(r[8 + m], r[12 + m], 0xEE);
    _mm512_storeu_ps(dst + (0 + m) * ld, _mm512_shuffle_f32x4(x0, y0, 0x88));
    _mm512_storeu_ps(dst + (4 + m) * ld, _mm512_shuffle_f32x4(x0, y0, 0xDD));
    _mm512_storeu_ps(dst + (8 + m) * ld, _mm512_shuffle_f32x4(x1, y1, 0x88));
    _mm512_storeu_ps(dst + (12 + m) * ld, _mm512_shuffle_f32x4(x1, y1, 0xDD));
  }
}
#endif

// Writes each output position once, in order: the rows are read 32 (two vectors) at a time, each
// a sequential stream, while the panel is written sequentially. (Row-by-row packing instead
// writes every cache line of a 100 KB panel once per row, 32 times over.) With AVX-512 whole
// panels go 16 x 16 floats at a time through registers: the scalar copy cost about as much as
// reading the rows from memory (bench/RESULTS.md).
void PackDotTileRowsImpl(const float* HWY_RESTRICT rows, size_t count, size_t n,
                         float* HWY_RESTRICT out) {
  const size_t width = DotTileRowsImpl();
  for (size_t p = 0; p * width < count; ++p) {
    float* HWY_RESTRICT panel = out + p * width * n;
    const float* first = rows + p * width * n;
    const size_t in_panel = std::min(width, count - p * width);
    size_t t = 0;
#ifdef SEMBLE_PACK_TRANSPOSE_16
    if (in_panel == width && width == 32) {
      for (; t + 16 <= n; t += 16) {
        Transpose16(first + t, n, panel + t * width, width);
        Transpose16(first + 16 * n + t, n, panel + t * width + 16, width);
      }
    }
#endif
    for (; t < n; ++t) {
      float* HWY_RESTRICT dst = panel + t * width;
      for (size_t j = 0; j < in_panel; ++j) dst[j] = first[j * n + t];
      for (size_t j = in_panel; j < width; ++j) dst[j] = 0.0f;
    }
  }
}
#undef SEMBLE_PACK_TRANSPOSE_16

// The accumulators are spelled out, not kept in an array, so that -O2 keeps all of them in
// registers; rows past the height are compiled out.
void DotTileImpl(const float* HWY_RESTRICT qp, const float* HWY_RESTRICT rp, size_t t0, size_t t1,
                 float* HWY_RESTRICT out, size_t ldo, bool accumulate) {
  const D d;
  const size_t N = hn::Lanes(d);
  constexpr size_t H = kTileHeight;
#define SEMBLE_DOT_TILE_INIT(i)                                                         \
  V c##i##0 = hn::Zero(d), c##i##1 = hn::Zero(d);                                       \
  if constexpr ((i) < H) {                                                              \
    if (accumulate) {                                                                   \
      c##i##0 = hn::LoadU(d, out + (i)*ldo), c##i##1 = hn::LoadU(d, out + (i)*ldo + N); \
    }                                                                                   \
  }
  SEMBLE_DOT_TILE_INIT(0)
  SEMBLE_DOT_TILE_INIT(1)
  SEMBLE_DOT_TILE_INIT(2)
  SEMBLE_DOT_TILE_INIT(3)
  SEMBLE_DOT_TILE_INIT(4)
  SEMBLE_DOT_TILE_INIT(5)
  SEMBLE_DOT_TILE_INIT(6)
  SEMBLE_DOT_TILE_INIT(7)
  SEMBLE_DOT_TILE_INIT(8)
  SEMBLE_DOT_TILE_INIT(9)
  SEMBLE_DOT_TILE_INIT(10)
  SEMBLE_DOT_TILE_INIT(11)
#undef SEMBLE_DOT_TILE_INIT
  for (size_t t = t0; t < t1; ++t) {
    const V b0 = hn::LoadU(d, rp + t * 2 * N), b1 = hn::LoadU(d, rp + t * 2 * N + N);
    const float* a = qp + t * H;
#define SEMBLE_DOT_TILE_ROW(i)             \
  if constexpr ((i) < H) {                 \
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
    SEMBLE_DOT_TILE_ROW(8)
    SEMBLE_DOT_TILE_ROW(9)
    SEMBLE_DOT_TILE_ROW(10)
    SEMBLE_DOT_TILE_ROW(11)
#undef SEMBLE_DOT_TILE_ROW
  }
#define SEMBLE_DOT_TILE_STORE(i)               \
  if constexpr ((i) < H) {                     \
    hn::StoreU(c##i##0, d, out + (i)*ldo);     \
    hn::StoreU(c##i##1, d, out + (i)*ldo + N); \
  }
  SEMBLE_DOT_TILE_STORE(0)
  SEMBLE_DOT_TILE_STORE(1)
  SEMBLE_DOT_TILE_STORE(2)
  SEMBLE_DOT_TILE_STORE(3)
  SEMBLE_DOT_TILE_STORE(4)
  SEMBLE_DOT_TILE_STORE(5)
  SEMBLE_DOT_TILE_STORE(6)
  SEMBLE_DOT_TILE_STORE(7)
  SEMBLE_DOT_TILE_STORE(8)
  SEMBLE_DOT_TILE_STORE(9)
  SEMBLE_DOT_TILE_STORE(10)
  SEMBLE_DOT_TILE_STORE(11)
#undef SEMBLE_DOT_TILE_STORE
}

// One vector compare per 16 keys (AVX-512) instead of a load, a key and a branch per pair: most
// tiles have no key past the bar, and their rows cost a few instructions here and nothing more.
void DotTileKeysImpl(DotTileKey form, float* HWY_RESTRICT tile, size_t ldo, size_t count,
                     const float* HWY_RESTRICT q_terms, const float* HWY_RESTRICT row_terms,
                     const float* HWY_RESTRICT bars, uint64_t* HWY_RESTRICT masks) {
  const D d;
  const size_t N = hn::Lanes(d);
  const size_t width = DotTileRowsImpl();
  const uint64_t valid = count >= 64 ? ~uint64_t{0} : (uint64_t{1} << count) - 1;
  for (size_t i = 0; i < kTileHeight; ++i) {
    float* HWY_RESTRICT keys = tile + i * ldo;
    const V q = hn::Set(d, q_terms[i]), bar = hn::Set(d, bars[i]), two = hn::Set(d, 2.0f);
    uint64_t bits = 0;
    for (size_t j = 0; j < width && j < 64; j += N) {
      const V dot = hn::LoadU(d, keys + j);
      V key;
      switch (form) {
        case DotTileKey::kNegL2:  // the operations of the scalar -(q + r - 2 dot), unfused
          key = hn::Neg(hn::Sub(hn::Add(q, hn::LoadU(d, row_terms + j)), hn::Mul(two, dot)));
          break;
        case DotTileKey::kScaled:
          key = hn::Mul(hn::Mul(dot, hn::LoadU(d, row_terms + j)), q);
          break;
        default:
          key = dot;
      }
      hn::StoreU(key, d, keys + j);
      uint8_t packed[HWY_MAX_BYTES / sizeof(float) / 8 + 1] = {};
      hn::StoreMaskBits(d, hn::Ge(key, bar), packed);  // false for NaN keys and NaN bars
      for (size_t b = 0; b * 8 < N && j + b * 8 < 64; ++b) {
        bits |= static_cast<uint64_t>(packed[b]) << (j + b * 8);
      }
    }
    masks[i] = bits & valid;
  }
}

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
HWY_EXPORT(DotTileQueriesImpl);
HWY_EXPORT(DotTileRowsImpl);
HWY_EXPORT(PackDotTileRowsImpl);
HWY_EXPORT(DotTileImpl);
HWY_EXPORT(DotTileKeysImpl);

float DotProduct(const float* a, const float* b, size_t n) {
  return HWY_DYNAMIC_DISPATCH(DotProductImpl)(a, b, n);
}

float L2Squared(const float* a, const float* b, size_t n) {
  return HWY_DYNAMIC_DISPATCH(L2SquaredImpl)(a, b, n);
}

// A first call through the dispatch table makes Highway pick the target; the table entry for it
// is then the kernel itself.
DotFn DotProductKernel() {
  static const DotFn fn = [] {
    DotProduct(nullptr, nullptr, 0);
    return &HWY_DYNAMIC_DISPATCH(DotProductImpl);
  }();
  return fn;
}

void DotProductBatch(const float* q, const float* base, size_t n, size_t count, float* out) {
  HWY_DYNAMIC_DISPATCH(DotProductBatchImpl)(q, base, n, count, out);
}

void L2SquaredBatch(const float* q, const float* base, size_t n, size_t count, float* out) {
  HWY_DYNAMIC_DISPATCH(L2SquaredBatchImpl)(q, base, n, count, out);
}

const char* DistanceTargetName() { return HWY_DYNAMIC_DISPATCH(TargetNameImpl)(); }

size_t DotTileQueries() {
  static const size_t queries = HWY_DYNAMIC_DISPATCH(DotTileQueriesImpl)();
  return queries;
}

size_t DotTileRows() {
  static const size_t rows = HWY_DYNAMIC_DISPATCH(DotTileRowsImpl)();
  return rows;
}

void PackDotTileQueries(const float* q, size_t m, size_t n, float* out) {
  const size_t h = DotTileQueries();
  for (size_t p = 0; p * h < m; ++p) {
    float* panel = out + p * h * n;
    for (size_t i = 0; i < h; ++i) {
      const size_t query = p * h + i;
      for (size_t t = 0; t < n; ++t) panel[t * h + i] = query < m ? q[query * n + t] : 0.0f;
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

void DotTileKeys(DotTileKey form, float* tile, size_t ldo, size_t count, const float* q_terms,
                 const float* row_terms, const float* bars, uint64_t* masks) {
  HWY_DYNAMIC_DISPATCH(DotTileKeysImpl)(form, tile, ldo, count, q_terms, row_terms, bars, masks);
}

}  // namespace semble::core
#endif  // HWY_ONCE
