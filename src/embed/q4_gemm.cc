// Copyright 2026 The semble Authors.
//
// The int4 x int8 GEMM. The VNNI micro-kernel keeps MR rows x NT tiles of int32 block sums and of
// fp32 totals in registers. For each block of 32 along K it takes 8 weight registers per tile
// (4 K per column lane, the nibbles already split into bytes by ExpandTiles once per row block)
// and multiplies each with the row's matching 4 activation bytes broadcast to all lanes
// (vpdpbusd: unsigned weight code x signed activation). The block sum starts from
// -8 * sum(activations) instead of 0, which turns the codes 0..15 back into -8..7 without
// touching the weights. One cvt + mul + fma per block folds the scales in, in the order ORT's int8
// path uses (scale_w * scale_x, then fma). Per 8 vpdpbusd that is 4 other vector ops, which caps
// the kernel near two thirds of the vpdpbusd rate; measured ~250 GMAC/s on one core here, about
// half of that core's vpdpbusd peak.
//
// On CPUs with AMX (Sapphire Rapids and later) a tile kernel does the integer block sums instead;
// see "AMX" below.
//
// Dispatch is by cpuid (__builtin_cpu_supports) rather than Highway: Highway 1.0 (Debian 12) has
// no u8 x i8 quad dot product or AMX, and this is the one kernel that needs them.

#include "embed/q4_gemm.h"

// GCC 12's AVX-512 intrinsics pass _mm512_undefined_*() as the masked-off source, which trips
// -Wmaybe-uninitialized once inlined (GCC bug 105593); the values are never read.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cpuid.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>

#ifdef __linux__
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace semble::embed {
namespace {

// Rows per row block: the activations of 128 rows (128 * k bytes, 192 KB for k = 1536) stay in L2
// while the tile pairs pass over them, and one tile pair's expanded weights (48 KB for k = 1536)
// stay in L2 across the rows' 32 micro-kernel calls. Each row block expands every tile once: at 64
// rows that was ~6% of a batch of 32 texts on a Zen 4 core, at 128 half of it.
constexpr size_t kRowBlock = 128;

// Recovers codes j in [-8, 7] and a scale s with fl(j * s) == v for all 32 values of a block.
bool RecoverBlock(const float* v, int8_t* codes, float* scale) {
  float amax = 0;
  for (size_t i = 0; i < kQ4Block; ++i) amax = std::max(amax, std::fabs(v[i]));
  if (amax == 0) {
    std::memset(codes, 0, kQ4Block);
    *scale = 0;
    return true;
  }
  auto try_scale = [&](float s) {
    for (size_t i = 0; i < kQ4Block; ++i) {
      const float j = std::nearbyint(v[i] / s);
      if (j < -8 || j > 7 || static_cast<float>(static_cast<int>(j)) * s != v[i]) return false;
      codes[i] = static_cast<int8_t>(j);
    }
    *scale = s;
    return true;
  };
  // The largest |code| is usually 8 (then amax / 8 is exact) or 7; the others cover blocks whose
  // codes are all small. Scales may be negative (ORT's quantizer divides the signed extreme by
  // -8), which puts code 8 out of range unless the sign is tried too. Neighbouring floats absorb
  // the rounding of amax / d.
  for (int d : {8, 7, 6, 5, 4, 3, 2, 1}) {
    for (float sign : {-1.0f, 1.0f}) {
      const float s = sign * amax / static_cast<float>(d);
      if (try_scale(s)) return true;
      float lo = s, hi = s;
      for (int ulp = 0; ulp < 2; ++ulp) {
        lo = std::nextafter(lo, 0.0f);
        hi = std::nextafter(hi, sign * INFINITY);
        if (try_scale(lo) || try_scale(hi)) return true;
      }
    }
  }
  return false;
}

void QuantizeRowsScalar(const float* x, size_t m, size_t k, int8_t* q, float* scale,
                        int32_t* zsum) {
  const size_t blocks = k / kQ4Block;
  for (size_t r = 0; r < m; ++r) {
    for (size_t b = 0; b < blocks; ++b) {
      const float* s = x + r * k + b * kQ4Block;
      int8_t* d = q + r * k + b * kQ4Block;
      float amax = 0;
      for (size_t i = 0; i < kQ4Block; ++i) amax = std::max(amax, std::fabs(s[i]));
      const float sc = amax / 127.0f;
      const float inv = sc != 0 ? 1.0f / sc : 0.0f;
      int32_t sum = 0;
      for (size_t i = 0; i < kQ4Block; ++i) {
        const float v = std::clamp(std::nearbyint(s[i] * inv), -128.0f, 127.0f);
        d[i] = static_cast<int8_t>(v);
        sum += d[i];
      }
      scale[r * blocks + b] = sc;
      zsum[r * blocks + b] = -8 * sum;
    }
  }
}

void GemmScalar(const int8_t* xq, const float* xs, const int32_t* xz, size_t m, const Q4Linear& w,
                float* y, size_t ldy, size_t t_begin, size_t t_end) {
  const size_t blocks = w.blocks(), k = w.k;
  for (size_t t = t_begin; t < t_end; ++t) {
    const size_t cols = std::min(kQ4Tile, w.n - t * kQ4Tile);
    for (size_t r = 0; r < m; ++r) {
      for (size_t c = 0; c < cols; ++c) {
        float acc = w.bias[t * kQ4Tile + c];
        for (size_t kb = 0; kb < blocks; ++kb) {
          const uint8_t* wb = w.q.data() + (t * blocks + kb) * kQ4TileBytes;
          const int8_t* xb = xq + r * k + kb * kQ4Block;
          int32_t sum = xz[r * blocks + kb];
          for (size_t h = 0; h < 4; ++h) {
            for (size_t e = 0; e < 4; ++e) {
              const uint8_t byte = wb[(h * kQ4Tile + c) * 4 + e];
              sum += (byte & 0xF) * xb[4 * h + e] + (byte >> 4) * xb[16 + 4 * h + e];
            }
          }
          const float ws = w.scales[(t * blocks + kb) * kQ4Tile + c];
          acc = std::fma(static_cast<float>(sum), ws * xs[r * blocks + kb], acc);
        }
        y[r * ldy + t * kQ4Tile + c] = acc;
      }
    }
  }
}

#define SEMBLE_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))

// Lane i of the result is op over the 16 lanes of v[i] (v is overwritten; no _mm512_reduce_*,
// which trip GCC 12's -Wmaybe-uninitialized): a transposing reduction, 30 shuffles for 16 vectors
// where reducing each alone takes 8 dependent ones. The tree leaves vector i's total in lane
// 4b + a for i = 4a + b; one permutation (lane_of) puts it back in lane i.
template <typename Op>
SEMBLE_VNNI inline __m512 ReduceEach16(__m512* v, Op op) {
  for (size_t i = 0; i < 8; ++i) {
    v[i] = op(_mm512_shuffle_f32x4(v[2 * i], v[2 * i + 1], 0x44),
              _mm512_shuffle_f32x4(v[2 * i], v[2 * i + 1], 0xEE));
  }
  for (size_t i = 0; i < 4; ++i) {
    v[i] = op(_mm512_shuffle_f32x4(v[2 * i], v[2 * i + 1], 0x88),
              _mm512_shuffle_f32x4(v[2 * i], v[2 * i + 1], 0xDD));
  }
  for (size_t i = 0; i < 2; ++i) {
    v[i] = op(_mm512_shuffle_ps(v[2 * i], v[2 * i + 1], 0x88),
              _mm512_shuffle_ps(v[2 * i], v[2 * i + 1], 0xDD));
  }
  const __m512 r = op(_mm512_shuffle_ps(v[0], v[1], 0x88), _mm512_shuffle_ps(v[0], v[1], 0xDD));
  const __m512i lane_of = _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);
  return _mm512_permutexvar_ps(lane_of, r);
}

// ReduceEach16's operations (function objects: GCC compiles lambdas without the enclosing
// function's target attributes).
struct MaxPs {
  SEMBLE_VNNI __m512 operator()(__m512 a, __m512 b) const { return _mm512_max_ps(a, b); }
};
struct AddEpi32 {
  SEMBLE_VNNI __m512 operator()(__m512 a, __m512 b) const {
    return _mm512_castsi512_ps(_mm512_add_epi32(_mm512_castps_si512(a), _mm512_castps_si512(b)));
  }
};

// Groups of up to 16 blocks of a row at a time: their max |x| and code sums are reduced side by
// side (ReduceEach16) and their scales divided in one vector, where one block at a time spent most
// of its time in two horizontal reductions and two scalar divisions in a dependent chain (~5% of
// a batch of 32 texts). Max and integer sums are exact in any order and vector division rounds as
// scalar division does, so codes, scales and sums are the scalar path's, bit for bit.
SEMBLE_VNNI void QuantizeRowsVnni(const float* x, size_t m, size_t k, int8_t* q, float* scale,
                                  int32_t* zsum) {
  const size_t blocks = k / kQ4Block;
  for (size_t r = 0; r < m; ++r) {
    for (size_t b0 = 0; b0 < blocks; b0 += 16) {
      const size_t g = std::min<size_t>(16, blocks - b0);
      const __mmask16 group = static_cast<__mmask16>((1u << g) - 1);
      const float* xg = x + r * k + b0 * kQ4Block;
      int8_t* qg = q + r * k + b0 * kQ4Block;
      __m512 v[16];
#pragma GCC unroll 16
      for (size_t i = 0; i < 16; ++i) {
        v[i] = i < g ? _mm512_max_ps(_mm512_abs_ps(_mm512_loadu_ps(xg + i * kQ4Block)),
                                     _mm512_abs_ps(_mm512_loadu_ps(xg + i * kQ4Block + 16)))
                     : _mm512_setzero_ps();
      }
      const __m512 sc = _mm512_div_ps(ReduceEach16(v, MaxPs()), _mm512_set1_ps(127.0f));
      // Unordered: a NaN scale is "not zero" here as in the scalar path's sc != 0.
      const __mmask16 nonzero = _mm512_cmp_ps_mask(sc, _mm512_setzero_ps(), _CMP_NEQ_UQ);
      alignas(64) float inv[16];
      _mm512_store_ps(inv, _mm512_maskz_div_ps(nonzero, _mm512_set1_ps(1.0f), sc));
      _mm512_mask_storeu_ps(scale + r * blocks + b0, group, sc);
#pragma GCC unroll 16
      for (size_t i = 0; i < 16; ++i) {
        if (i >= g) {
          v[i] = _mm512_setzero_ps();
          continue;
        }
        // Round to nearest even (the default MXCSR mode), like nearbyint; |x * inv| <= ~127, and
        // the saturating pack clamps to [-128, 127] as the scalar path does.
        const __m512 vi = _mm512_set1_ps(inv[i]);
        const __m512i q0 =
            _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(xg + i * kQ4Block), vi));
        const __m512i q1 =
            _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(xg + i * kQ4Block + 16), vi));
        const __m128i p0 = _mm512_cvtsepi32_epi8(q0), p1 = _mm512_cvtsepi32_epi8(q1);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(qg + i * kQ4Block), p0);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(qg + i * kQ4Block + 16), p1);
        v[i] = _mm512_castsi512_ps(
            _mm512_add_epi32(_mm512_cvtepi8_epi32(p0), _mm512_cvtepi8_epi32(p1)));
      }
      const __m512i sums = _mm512_castps_si512(ReduceEach16(v, AddEpi32()));
      _mm512_mask_storeu_epi32(zsum + r * blocks + b0, group,
                               _mm512_mullo_epi32(sums, _mm512_set1_epi32(-8)));
    }
  }
}

// Splits the nibbles of tiles [tile, tile + NT) into bytes once, for the micro-kernel calls of a
// whole row block: unpacking costs 3 vector ops per 2 weight registers, as much as a row's
// block epilogue, so doing it per 4-row call would cost about a fifth of the kernel's issue
// slots. Layout: for block kb, quarter h, part (0: low nibbles, 1: high), tile j, 64 bytes at
// ex[(((kb * 4 + h) * 2 + part) * NT + j) * 64].
template <size_t NT>
SEMBLE_VNNI void ExpandTiles(const Q4Linear& w, size_t tile, uint8_t* ex) {
  const size_t blocks = w.blocks();
  const __m512i nibble = _mm512_set1_epi8(0x0F);
  for (size_t kb = 0; kb < blocks; ++kb) {
    for (size_t h = 0; h < 4; ++h) {
      for (size_t j = 0; j < NT; ++j) {
        const __m512i p =
            _mm512_loadu_si512(w.q.data() + ((tile + j) * blocks + kb) * kQ4TileBytes + h * 64);
        uint8_t* dst = ex + ((kb * 4 + h) * 2 * NT + j) * 64;
        _mm512_store_si512(dst, _mm512_and_si512(p, nibble));
        _mm512_store_si512(dst + NT * 64, _mm512_and_si512(_mm512_srli_epi16(p, 4), nibble));
      }
    }
  }
}

// MR rows x NT tiles over all of K. With EX the weights come from ExpandTiles' buffer, else they
// are unpacked here from w.q. The fixed-count loops are unrolled by pragma: at -O2 (the default
// RelWithDebInfo build) GCC would otherwise keep acc[][] in memory, at 0.6x the speed.
template <size_t MR, size_t NT, bool EX>
SEMBLE_VNNI inline void MicroVnni(const int8_t* x, size_t k, const float* xs, const int32_t* xz,
                                  const Q4Linear& w, size_t tile, const uint8_t* ex, float* y,
                                  size_t ldy, size_t cols) {
  const size_t blocks = w.blocks();
  const uint8_t* wq = w.q.data() + tile * blocks * kQ4TileBytes;
  const float* ws = w.scales.data() + tile * blocks * kQ4Tile;
  const size_t q_stride = blocks * kQ4TileBytes, s_stride = blocks * kQ4Tile;
  const __m512i nibble = _mm512_set1_epi8(0x0F);
  __m512 total[MR][NT];
#pragma GCC unroll 8
  for (size_t t = 0; t < NT; ++t) {
    const __m512 b = _mm512_loadu_ps(w.bias.data() + (tile + t) * kQ4Tile);
#pragma GCC unroll 8
    for (size_t r = 0; r < MR; ++r) total[r][t] = b;
  }
  for (size_t kb = 0; kb < blocks; ++kb) {
    __m512i acc[MR][NT];
#pragma GCC unroll 8
    for (size_t r = 0; r < MR; ++r) {
      const __m512i z = _mm512_set1_epi32(xz[r * blocks + kb]);
#pragma GCC unroll 8
      for (size_t t = 0; t < NT; ++t) acc[r][t] = z;
    }
    const uint8_t* wb = wq + kb * kQ4TileBytes;
    const uint8_t* eb = EX ? ex + kb * 8 * NT * 64 : nullptr;
    const int8_t* xb = x + kb * kQ4Block;
#pragma GCC unroll 8
    for (size_t h = 0; h < 4; ++h) {
      __m512i lo[NT], hi[NT];
#pragma GCC unroll 8
      for (size_t t = 0; t < NT; ++t) {
        if constexpr (EX) {
          lo[t] = _mm512_load_si512(eb + (h * 2 * NT + t) * 64);
          hi[t] = _mm512_load_si512(eb + ((h * 2 + 1) * NT + t) * 64);
        } else {
          const __m512i p = _mm512_loadu_si512(wb + t * q_stride + h * 64);
          lo[t] = _mm512_and_si512(p, nibble);
          hi[t] = _mm512_and_si512(_mm512_srli_epi16(p, 4), nibble);
        }
      }
#pragma GCC unroll 8
      for (size_t r = 0; r < MR; ++r) {
        int32_t a_lo, a_hi;
        std::memcpy(&a_lo, xb + r * k + 4 * h, 4);
        std::memcpy(&a_hi, xb + r * k + 16 + 4 * h, 4);
        const __m512i vlo = _mm512_set1_epi32(a_lo), vhi = _mm512_set1_epi32(a_hi);
#pragma GCC unroll 8
        for (size_t t = 0; t < NT; ++t) {
          acc[r][t] = _mm512_dpbusd_epi32(acc[r][t], lo[t], vlo);
          acc[r][t] = _mm512_dpbusd_epi32(acc[r][t], hi[t], vhi);
        }
      }
    }
#pragma GCC unroll 8
    for (size_t t = 0; t < NT; ++t) {
      const __m512 wsv = _mm512_loadu_ps(ws + t * s_stride + kb * kQ4Tile);
#pragma GCC unroll 8
      for (size_t r = 0; r < MR; ++r) {
        const __m512 s = _mm512_mul_ps(wsv, _mm512_set1_ps(xs[r * blocks + kb]));
        total[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[r][t]), s, total[r][t]);
      }
    }
  }
#pragma GCC unroll 8
  for (size_t t = 0; t < NT; ++t) {
    const size_t c0 = t * kQ4Tile;
    if (c0 >= cols) break;
    const __mmask16 mask =
        cols - c0 >= kQ4Tile ? __mmask16(0xFFFF) : __mmask16((1u << (cols - c0)) - 1);
#pragma GCC unroll 8
    for (size_t r = 0; r < MR; ++r) _mm512_mask_storeu_ps(y + r * ldy + c0, mask, total[r][t]);
  }
}

constexpr size_t kMaxRows = 4;
constexpr size_t kExpandMinRows = 16;  // row blocks up to this many read the packed tiles directly

template <size_t MR, size_t NT, bool EX>
SEMBLE_VNNI inline void RowsVnni(size_t rows, const int8_t* x, size_t k, const float* xs,
                                 const int32_t* xz, const Q4Linear& w, size_t tile,
                                 const uint8_t* ex, float* y, size_t ldy, size_t cols) {
  if constexpr (MR == 0) {
    (void)rows, (void)x, (void)k, (void)xs, (void)xz, (void)w, (void)tile, (void)ex, (void)y,
        (void)ldy, (void)cols;
  } else {
    if (rows == MR) {
      MicroVnni<MR, NT, EX>(x, k, xs, xz, w, tile, ex, y, ldy, cols);
    } else {
      RowsVnni<MR - 1, NT, EX>(rows, x, k, xs, xz, w, tile, ex, y, ldy, cols);
    }
  }
}

template <size_t NT>
SEMBLE_VNNI void TilesVnni(const int8_t* xq, const float* xs, const int32_t* xz, size_t r0,
                           size_t r1, const Q4Linear& w, size_t t, uint8_t* ex, float* y,
                           size_t ldy) {
  const size_t k = w.k, blocks = w.blocks();
  const size_t cols = std::min(NT * kQ4Tile, w.n - t * kQ4Tile);
  // Expanding writes and rereads twice the tile's bytes, which pays only once enough micro-kernel
  // calls reuse it: for one ~12-token prompt (3 calls) it took a third of the GEMM's time, and
  // skipping it made the prompt ~20% faster (p50 ~1.0 -> ~0.8 ms, bench/RESULTS.md "Embedding
  // under concurrency"). Either way the arithmetic, and so every bit of y, is the same.
  const bool expand = r1 - r0 > kExpandMinRows;
  if (expand) ExpandTiles<NT>(w, t, ex);
  for (size_t r = r0; r < r1; r += kMaxRows) {
    const size_t rows = std::min(kMaxRows, r1 - r);
    const int8_t* x = xq + r * k;
    float* yr = y + r * ldy + t * kQ4Tile;
    if (expand) {
      RowsVnni<kMaxRows, NT, true>(rows, x, k, xs + r * blocks, xz + r * blocks, w, t, ex, yr, ldy,
                                   cols);
    } else {
      RowsVnni<kMaxRows, NT, false>(rows, x, k, xs + r * blocks, xz + r * blocks, w, t, ex, yr, ldy,
                                    cols);
    }
  }
}

SEMBLE_VNNI void GemmVnni(const int8_t* xq, const float* xs, const int32_t* xz, size_t m,
                          const Q4Linear& w, float* y, size_t ldy, size_t t_begin, size_t t_end) {
  // 2 tiles x 8 registers x 64 bytes per block: 48 KB for k = 1536, mostly read from L2.
  thread_local std::vector<uint8_t> buffer;
  const size_t need = w.blocks() * 2 * 8 * 64 + 64;
  if (buffer.size() < need) buffer.resize(need);
  uint8_t* ex = buffer.data() + (64 - reinterpret_cast<uintptr_t>(buffer.data()) % 64) % 64;
  for (size_t r0 = 0; r0 < m; r0 += kRowBlock) {
    const size_t r1 = std::min(m, r0 + kRowBlock);
    for (size_t t = t_begin; t < t_end; t += 2) {
      if (t + 1 < t_end) {
        TilesVnni<2>(xq, xs, xz, r0, r1, w, t, ex, y, ldy);
      } else {
        TilesVnni<1>(xq, xs, xz, r0, r1, w, t, ex, y, ldy);
      }
    }
  }
}

// --- AMX (Sapphire Rapids and later) ------------------------------------------------------------
//
// The tile unit multiplies 16 rows x 32 K of int8 activations by 32 K x 16 columns of int8
// weights in one instruction (tdpbssd), so the vector units are left with the block read-out
// (cvt + mul + fma per 16 outputs and block). The weights are expanded per tile into the tile
// unit's operand layout as signed codes (code - 8), so no zero-point sum is needed: the integer
// block sums, and with them every fp32 operation and every bit of y, equal the other kernels'.
// Measured on one core here (bench/q4_gemm_bench, the default model's shapes): 1.3-1.4x the
// VNNI kernel from 16 rows up, ~1.2x at 8-14 rows (a group's tile registers get only the rows
// it has), slower below 5 rows (those go to the VNNI kernel). Not more, because the 32-K blocks
// (one scale each) cap each tdpbssd at half its K (it costs the same at K = 64) and every block's
// sums must leave the tile unit through memory for their scales.

#define SEMBLE_AMX __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,amx-tile,amx-int8")))

// The 64-byte tile configuration (palette 1) for the kernel's eight registers.
struct alignas(64) AmxConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

constexpr size_t kAmxRows = 16;

// A group of at most this many rows (a batch's last, or a batch that short) goes to the VNNI
// kernel instead: its cost is per row (one 4-row micro-kernel call per tile pair) and it reads the
// 4-bit codes, while a tile product, its store and the weights' tile load cost about as much
// for 1 row as for 8. Measured per encoder layer's 4 GEMMs (q4_gemm_bench, one core): 1 row 18
// us VNNI vs 40 AMX, 4 rows 33 vs 45, 5 rows 51 vs 43, 8 rows 64 vs 57, 12 rows 95 vs 77.
constexpr size_t kVnniMaxRows = 4;

// The configuration for groups of `rows` token rows (1..16): the sums and activation registers
// get only that many rows, so a short group's tile loads, products and stores do no work for
// rows that are not there, and no load reads past the caller's last row.
const AmxConfig& KernelConfig(size_t rows) {
  static const auto configs = [] {
    std::array<AmxConfig, kAmxRows + 1> all{};
    for (size_t n = 1; n <= kAmxRows; ++n) {
      AmxConfig& c = all[n];
      for (int i = 0; i < 4; ++i) {  // int32 block sums, n rows x 16 columns
        c.rows[i] = static_cast<uint8_t>(n);
        c.colsb[i] = 64;
      }
      for (int i = 4; i < 6; ++i) {  // activations, n rows x 32 K
        c.rows[i] = static_cast<uint8_t>(n);
        c.colsb[i] = kQ4Block;
      }
      for (int i = 6; i < 8; ++i) {  // weights, 8 rows of 4 K x 16 columns
        c.rows[i] = kQ4Block / 4;
        c.colsb[i] = 64;
      }
    }
    return all;
  }();
  return configs[rows];
}

constexpr size_t kAmxBlockBytes = kQ4Block * kQ4Tile;  // one tile's weights for one block: 512

// Tile `tile`'s weights as tdpbssd's second operand, for every block: at ex[kb * 512], row i (of
// 8) holds, for columns 0..15, the signed codes of K = kb * 32 + 4i .. 4i + 3 (4 bytes per
// column). PackQ4's quarter h holds K 4h.. in its low nibbles and 16 + 4h.. in its high ones, so
// rows 0..3 are the low nibbles of quarters 0..3 and rows 4..7 their high nibbles.
SEMBLE_AMX void ExpandTileAmx(const Q4Linear& w, size_t tile, int8_t* ex) {
  const size_t blocks = w.blocks();
  const __m512i nibble = _mm512_set1_epi8(0x0F), eight = _mm512_set1_epi8(8);
  const uint8_t* src = w.q.data() + tile * blocks * kQ4TileBytes;
  for (size_t kb = 0; kb < blocks; ++kb) {
    int8_t* dst = ex + kb * kAmxBlockBytes;
#pragma GCC unroll 4
    for (size_t h = 0; h < 4; ++h) {
      const __m512i p = _mm512_loadu_si512(src + kb * kQ4TileBytes + h * 64);
      const __m512i lo = _mm512_sub_epi8(_mm512_and_si512(p, nibble), eight);
      const __m512i hi = _mm512_sub_epi8(_mm512_and_si512(_mm512_srli_epi16(p, 4), nibble), eight);
      _mm512_storeu_si512(dst + h * 64, lo);
      _mm512_storeu_si512(dst + (4 + h) * 64, hi);
    }
  }
}

// One block's tile product. Tiles are not renamed, so reusing a register waits for the
// instruction that last read it: two activation and two weight registers and four accumulators
// keep the loads of the next blocks off the products still running. The intrinsics take register
// numbers as literal tokens, hence macros (and no lambdas: GCC compiles those without the
// enclosing function's target attributes).
#define SEMBLE_AMX_ISSUE(C, A, B, a, lda, b) \
  do {                                       \
    _tile_zero(C);                           \
    _tile_loadd(A, (a), (lda));              \
    _tile_loadd(B, (b), 64);                 \
    _tile_dpbssd(C, A, B);                   \
  } while (0)

// The 16 rows' fp32 totals live in 16 named registers: as an array GCC keeps them on the stack
// (a load and a store per row and block, which halved the kernel's speed).
#define SEMBLE_AMX_ROWS(X) \
  X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)

// 16 rows (x: stride k, xs: stride blocks) by tiles [t_begin, t_end), as one pipeline over the
// (tile, block) items in that order, 4 items to a group: item i's product goes to tmm(i % 4),
// from tmm(4 + i % 2) and tmm(6 + i % 2). A group's products are stored together and read out
// while the next group's run, so the tile unit and the vector units overlap: a load cannot take
// data from a tile store, it waits until the store has retired, and stores retire in order, after
// every tile product before them. Running the pipeline across tiles keeps it full for short K
// and one prompt's few rows. The read-out adds float(sum) * (ws * xs[r]) to row r's total, in
// the VNNI kernel's order of operations; a tile's totals are stored when its last block is in.
// ex: the tiles' expanded codes, item i at ex + i * kAmxBlockBytes. kRows (1..16) rows, with
// KernelConfig(kRows) loaded: the read-out of rows that are not there would cost as much as a
// real row's (it is most of the vector work), so each row count has its own instance.
template <size_t kRows>
SEMBLE_AMX void RowGroupAmx(const int8_t* x, size_t k, const float* xs, const Q4Linear& w,
                            size_t t_begin, size_t t_end, const int8_t* ex, float* y, size_t ldy) {
  constexpr size_t kGroup = 4, kSums = kAmxRows * 16;
  const size_t blocks = w.blocks();
  const size_t items = (t_end - t_begin) * blocks;
  alignas(64) int32_t sums[2][kGroup][kSums];  // two groups' block sums, alternating
  size_t tile = t_begin;                       // the tile whose totals are in registers
  __m512 bias = _mm512_loadu_ps(w.bias.data() + tile * kQ4Tile);
#define SEMBLE_AMX_DECLARE(r) __m512 total##r = bias;
  SEMBLE_AMX_ROWS(SEMBLE_AMX_DECLARE)
#undef SEMBLE_AMX_DECLARE
#define SEMBLE_AMX_RESET(r) total##r = bias;
#define SEMBLE_AMX_STORE(r) \
  if constexpr ((r) < kRows) _mm512_mask_storeu_ps(yt + (r)*ldy, mask, total##r);
#define SEMBLE_AMX_FLUSH()                                                                    \
  do {                                                                                        \
    const size_t cols = std::min(kQ4Tile, w.n - tile * kQ4Tile);                              \
    const __mmask16 mask = cols >= kQ4Tile ? __mmask16(0xFFFF) : __mmask16((1u << cols) - 1); \
    float* yt = y + tile * kQ4Tile;                                                           \
    SEMBLE_AMX_ROWS(SEMBLE_AMX_STORE)                                                         \
  } while (0)
#define SEMBLE_AMX_ADD_ROW(r)                                                              \
  if constexpr ((r) < kRows) {                                                             \
    total##r = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_load_si512(block_sums + (r)*16)), \
                               _mm512_mul_ps(wsv, _mm512_set1_ps(xb[(r)*blocks])), total##r); \
  }
#define SEMBLE_AMX_ISSUE_ITEM(C, A, B, i) \
  SEMBLE_AMX_ISSUE(C, A, B, x + ((i) % blocks) * kQ4Block, k, ex + (i)*kAmxBlockBytes)
  const size_t groups = (items + kGroup - 1) / kGroup;
  for (size_t g = 0; g <= groups; ++g) {
    const size_t i0 = g * kGroup, n = g < groups ? std::min(kGroup, items - i0) : 0;
    if (n > 0) SEMBLE_AMX_ISSUE_ITEM(0, 4, 6, i0);
    if (n > 1) SEMBLE_AMX_ISSUE_ITEM(1, 5, 7, i0 + 1);
    if (n > 2) SEMBLE_AMX_ISSUE_ITEM(2, 4, 6, i0 + 2);
    if (n > 3) SEMBLE_AMX_ISSUE_ITEM(3, 5, 7, i0 + 3);
    if (g > 0) {  // the previous group's read-out
      for (size_t j = 0; j < kGroup && i0 - kGroup + j < items; ++j) {
        const size_t item = i0 - kGroup + j, t = t_begin + item / blocks, kb = item % blocks;
        if (t != tile) {
          SEMBLE_AMX_FLUSH();
          tile = t;
          bias = _mm512_loadu_ps(w.bias.data() + tile * kQ4Tile);
          SEMBLE_AMX_ROWS(SEMBLE_AMX_RESET)
        }
        const int32_t* block_sums = sums[(g - 1) % 2][j];
        const __m512 wsv = _mm512_loadu_ps(w.scales.data() + (t * blocks + kb) * kQ4Tile);
        const float* xb = xs + kb;
        SEMBLE_AMX_ROWS(SEMBLE_AMX_ADD_ROW)
      }
    }
    int32_t(*out)[kSums] = sums[g % 2];
    if (n > 0) _tile_stored(0, out[0], 64);
    if (n > 1) _tile_stored(1, out[1], 64);
    if (n > 2) _tile_stored(2, out[2], 64);
    if (n > 3) _tile_stored(3, out[3], 64);
  }
  SEMBLE_AMX_FLUSH();
#undef SEMBLE_AMX_ISSUE_ITEM
#undef SEMBLE_AMX_ADD_ROW
#undef SEMBLE_AMX_FLUSH
#undef SEMBLE_AMX_STORE
#undef SEMBLE_AMX_RESET
}

// RowGroupAmx<rows>, for a row count known only at run time.
template <size_t kRows>
SEMBLE_AMX void RowGroupAmxOf(size_t rows, const int8_t* x, size_t k, const float* xs,
                              const Q4Linear& w, size_t t_begin, size_t t_end, const int8_t* ex,
                              float* y, size_t ldy) {
  if constexpr (kRows == 0) {
    (void)rows, (void)x, (void)k, (void)xs, (void)w, (void)t_begin, (void)t_end, (void)ex, (void)y,
        (void)ldy;
  } else {
    if (rows == kRows) {
      RowGroupAmx<kRows>(x, k, xs, w, t_begin, t_end, ex, y, ldy);
    } else {
      RowGroupAmxOf<kRows - 1>(rows, x, k, xs, w, t_begin, t_end, ex, y, ldy);
    }
  }
}

SEMBLE_AMX void GemmAmx(const int8_t* xq, const float* xs, const int32_t* xz, size_t m,
                        const Q4Linear& w, float* y, size_t ldy, size_t t_begin, size_t t_end) {
  const size_t k = w.k, blocks = w.blocks();
  const size_t full = m / kAmxRows * kAmxRows, tail = m - full;
  const size_t amx_tail = tail > kVnniMaxRows ? tail : 0;
  if (full + amx_tail > 0) {
    thread_local std::vector<int8_t> expanded;  // the tiles' expanded codes, when w has no copy
    const int8_t* ex;
    if (!w.amx.empty()) {
      ex = w.amx.data() + t_begin * blocks * kAmxBlockBytes;
    } else {
      if (expanded.size() < (t_end - t_begin) * blocks * kAmxBlockBytes) {
        expanded.resize((t_end - t_begin) * blocks * kAmxBlockBytes);
      }
      for (size_t t = t_begin; t < t_end; ++t) {
        ExpandTileAmx(w, t, expanded.data() + (t - t_begin) * blocks * kAmxBlockBytes);
      }
      ex = expanded.data();
    }
    if (full > 0) {
      _tile_loadconfig(&KernelConfig(kAmxRows));
      for (size_t r = 0; r < full; r += kAmxRows) {
        RowGroupAmx<kAmxRows>(xq + r * k, k, xs + r * blocks, w, t_begin, t_end, ex, y + r * ldy,
                              ldy);
      }
    }
    if (amx_tail > 0) {
      _tile_loadconfig(&KernelConfig(amx_tail));
      RowGroupAmxOf<kAmxRows - 1>(amx_tail, xq + full * k, k, xs + full * blocks, w, t_begin, t_end,
                                  ex, y + full * ldy, ldy);
    }
    // Back to the init state: the kernel's 8 KB of tile data need not be saved on context
    // switches.
    _tile_release();
  }
  if (tail > 0 && amx_tail == 0) {
    GemmVnni(xq + full * k, xs + full * blocks, xz + full * blocks, tail, w, y + full * ldy, ldy,
             t_begin, t_end);
  }
}

#define SEMBLE_AVX2 __attribute__((target("avx2,fma")))

// AVX2 has no vpdpbusd: vpmaddubsw multiplies u8 x s8 and adds pairs into i16, which cannot
// overflow here (codes <= 15, so |sum of the 8 products one lane collects per block| <= 15 * 128 *
// 8 = 15360), and one vpmaddwd by 1 per block widens the pairs to i32. A tile (16 columns) is two
// 8-lane halves, the same 64-byte layout the AVX-512 kernel reads in one load.
template <size_t MR>
SEMBLE_AVX2 inline void MicroAvx2(const int8_t* x, size_t k, const float* xs, const int32_t* xz,
                                  const Q4Linear& w, size_t tile, float* y, size_t ldy,
                                  size_t cols) {
  const size_t blocks = w.blocks();
  const uint8_t* wq = w.q.data() + tile * blocks * kQ4TileBytes;
  const float* ws = w.scales.data() + tile * blocks * kQ4Tile;
  const __m256i nibble = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
  __m256 total[MR][2];
#pragma GCC unroll 8
  for (size_t half = 0; half < 2; ++half) {
    const __m256 b = _mm256_loadu_ps(w.bias.data() + tile * kQ4Tile + 8 * half);
#pragma GCC unroll 8
    for (size_t r = 0; r < MR; ++r) total[r][half] = b;
  }
  for (size_t kb = 0; kb < blocks; ++kb) {
    __m256i acc16[MR][2];
#pragma GCC unroll 8
    for (size_t r = 0; r < MR; ++r) acc16[r][0] = acc16[r][1] = _mm256_setzero_si256();
    const uint8_t* wb = wq + kb * kQ4TileBytes;
    const int8_t* xb = x + kb * kQ4Block;
#pragma GCC unroll 8
    for (size_t h = 0; h < 4; ++h) {
      __m256i lo[2], hi[2];
#pragma GCC unroll 8
      for (size_t half = 0; half < 2; ++half) {
        const __m256i p =
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb + h * 64 + half * 32));
        lo[half] = _mm256_and_si256(p, nibble);
        hi[half] = _mm256_and_si256(_mm256_srli_epi16(p, 4), nibble);
      }
#pragma GCC unroll 8
      for (size_t r = 0; r < MR; ++r) {
        int32_t a_lo, a_hi;
        std::memcpy(&a_lo, xb + r * k + 4 * h, 4);
        std::memcpy(&a_hi, xb + r * k + 16 + 4 * h, 4);
        const __m256i vlo = _mm256_set1_epi32(a_lo), vhi = _mm256_set1_epi32(a_hi);
#pragma GCC unroll 8
        for (size_t half = 0; half < 2; ++half) {
          const __m256i prod = _mm256_add_epi16(_mm256_maddubs_epi16(lo[half], vlo),
                                                _mm256_maddubs_epi16(hi[half], vhi));
          acc16[r][half] = _mm256_add_epi16(acc16[r][half], prod);
        }
      }
    }
#pragma GCC unroll 8
    for (size_t r = 0; r < MR; ++r) {
      const __m256i z = _mm256_set1_epi32(xz[r * blocks + kb]);
      const __m256 xsv = _mm256_set1_ps(xs[r * blocks + kb]);
#pragma GCC unroll 8
      for (size_t half = 0; half < 2; ++half) {
        const __m256i sum = _mm256_add_epi32(_mm256_madd_epi16(acc16[r][half], ones), z);
        const __m256 s = _mm256_mul_ps(_mm256_loadu_ps(ws + kb * kQ4Tile + 8 * half), xsv);
        total[r][half] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), s, total[r][half]);
      }
    }
  }
#pragma GCC unroll 8
  for (size_t r = 0; r < MR; ++r) {
    if (cols == kQ4Tile) {
      _mm256_storeu_ps(y + r * ldy, total[r][0]);
      _mm256_storeu_ps(y + r * ldy + 8, total[r][1]);
    } else {
      float tmp[kQ4Tile];
      _mm256_storeu_ps(tmp, total[r][0]);
      _mm256_storeu_ps(tmp + 8, total[r][1]);
      std::memcpy(y + r * ldy, tmp, cols * sizeof(float));
    }
  }
}

constexpr size_t kMaxRowsAvx2 = 2;

template <size_t MR>
SEMBLE_AVX2 inline void RowsAvx2(size_t rows, const int8_t* x, size_t k, const float* xs,
                                 const int32_t* xz, const Q4Linear& w, size_t tile, float* y,
                                 size_t ldy, size_t cols) {
  if constexpr (MR == 0) {
    (void)rows, (void)x, (void)k, (void)xs, (void)xz, (void)w, (void)tile, (void)y, (void)ldy,
        (void)cols;
  } else {
    if (rows == MR) {
      MicroAvx2<MR>(x, k, xs, xz, w, tile, y, ldy, cols);
    } else {
      RowsAvx2<MR - 1>(rows, x, k, xs, xz, w, tile, y, ldy, cols);
    }
  }
}

SEMBLE_AVX2 void GemmAvx2(const int8_t* xq, const float* xs, const int32_t* xz, size_t m,
                          const Q4Linear& w, float* y, size_t ldy, size_t t_begin, size_t t_end) {
  const size_t k = w.k, blocks = w.blocks();
  for (size_t r0 = 0; r0 < m; r0 += kRowBlock) {
    const size_t r1 = std::min(m, r0 + kRowBlock);
    for (size_t t = t_begin; t < t_end; ++t) {
      const size_t cols = std::min(kQ4Tile, w.n - t * kQ4Tile);
      for (size_t r = r0; r < r1; r += kMaxRowsAvx2) {
        const size_t rows = std::min(kMaxRowsAvx2, r1 - r);
        RowsAvx2<kMaxRowsAvx2>(rows, xq + r * k, k, xs + r * blocks, xz + r * blocks, w, t,
                               y + r * ldy + t * kQ4Tile, ldy, cols);
      }
    }
  }
}

// Writes tile `tile`'s weights as fp32 into panel[kk * kPanel + j] (j < 16): fl((q - 8) * s), the
// same values the loader computed, so the fp32 GEMM gives the same bits as on unpacked weights.
void DequantizeTileScalar(const Q4Linear& w, size_t tile, float* panel) {
  const size_t blocks = w.blocks();
  for (size_t kb = 0; kb < blocks; ++kb) {
    const uint8_t* wb = w.q.data() + (tile * blocks + kb) * kQ4TileBytes;
    const float* ws = w.scales.data() + (tile * blocks + kb) * kQ4Tile;
    for (size_t h = 0; h < 4; ++h) {
      for (size_t c = 0; c < kQ4Tile; ++c) {
        for (size_t e = 0; e < 4; ++e) {
          const uint8_t byte = wb[(h * kQ4Tile + c) * 4 + e];
          float* lo = panel + (kb * kQ4Block + 4 * h + e) * kPanel + c;
          lo[0] = static_cast<float>((byte & 0xF) - 8) * ws[c];
          lo[16 * kPanel] = static_cast<float>((byte >> 4) - 8) * ws[c];
        }
      }
    }
  }
}

#define SEMBLE_AVX512BW __attribute__((target("avx512f,avx512bw")))

// Transposes each 64-byte group (16 columns x 4 consecutive K) so that 16-byte lane e holds the
// 16 columns' codes for K offset e: a byte shuffle inside each 128-bit lane (4 columns x 4 K ->
// 4 K x 4 columns), then a dword permutation across lanes.
SEMBLE_AVX512BW void DequantizeTileAvx512(const Q4Linear& w, size_t tile, float* panel) {
  const size_t blocks = w.blocks();
  const __m512i nibble = _mm512_set1_epi8(0x0F);
  alignas(64) static constexpr uint8_t kBytes[64] = {
      0, 4,  8,  12, 1,  5,  9, 13, 2,  6,  10, 14, 3, 7,  11, 15, 0, 4,  8,  12, 1,  5,
      9, 13, 2,  6,  10, 14, 3, 7,  11, 15, 0,  4,  8, 12, 1,  5,  9, 13, 2,  6,  10, 14,
      3, 7,  11, 15, 0,  4,  8, 12, 1,  5,  9,  13, 2, 6,  10, 14, 3, 7,  11, 15};
  const __m512i bytes = _mm512_load_si512(kBytes);
  const __m512i dwords = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  for (size_t kb = 0; kb < blocks; ++kb) {
    const uint8_t* wb = w.q.data() + (tile * blocks + kb) * kQ4TileBytes;
    const __m512 scale = _mm512_loadu_ps(w.scales.data() + (tile * blocks + kb) * kQ4Tile);
    // q * s - 8 * s in one fma is (q - 8) * s rounded once: the same float, one op fewer.
    const __m512 offset = _mm512_mul_ps(scale, _mm512_set1_ps(-8.0f));
    for (size_t h = 0; h < 4; ++h) {
      const __m512i p = _mm512_loadu_si512(wb + h * 64);
      for (size_t part = 0; part < 2; ++part) {
        const __m512i codes = part == 0 ? _mm512_and_si512(p, nibble)
                                        : _mm512_and_si512(_mm512_srli_epi16(p, 4), nibble);
        const __m512i t = _mm512_permutexvar_epi32(dwords, _mm512_shuffle_epi8(codes, bytes));
        float* dst = panel + (kb * kQ4Block + part * 16 + 4 * h) * kPanel;
        const __m128i e0 = _mm512_castsi512_si128(t), e1 = _mm512_extracti32x4_epi32(t, 1),
                      e2 = _mm512_extracti32x4_epi32(t, 2), e3 = _mm512_extracti32x4_epi32(t, 3);
        int e = 0;
        for (__m128i v : {e0, e1, e2, e3}) {
          const __m512 q = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(v));
          _mm512_storeu_ps(dst + e * kPanel, _mm512_fmadd_ps(q, scale, offset));
          ++e;
        }
      }
    }
  }
}

bool HasAvx512Bw() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
  return has;
}

bool HasVnni() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vl") &&
                          __builtin_cpu_supports("avx512dq") &&
                          __builtin_cpu_supports("avx512vnni");
  return has;
}

// AMX needs the CPU's tile and int8 units, the OS saving tile state (XCR0 bits 17 and 18), and,
// on Linux, the process's permission to use tile data, which is asked for once.
bool HasAmx() {
  static const bool has = [] {
    if (!HasVnni()) return false;
    unsigned a, b, c, d;
    if (__get_cpuid_max(0, nullptr) < 7) return false;
    __cpuid_count(7, 0, a, b, c, d);
    const bool tile = (d >> 24) & 1, int8 = (d >> 25) & 1;
    __cpuid(1, a, b, c, d);
    const bool osxsave = (c >> 27) & 1;
    if (!tile || !int8 || !osxsave) return false;
    uint32_t xcr0_lo, xcr0_hi;
    __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    if (((xcr0_lo >> 17) & 3) != 3) return false;
#ifdef __linux__
    constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
    if (syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) != 0) return false;
#endif
    return true;
  }();
  return has;
}

bool HasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}

}  // namespace

bool PackQ4(const PackedLinear& w, Q4Linear* out) {
  if (w.k == 0 || w.k % kQ4Block != 0) return false;
  Q4Linear p;
  p.n = w.n;
  p.k = w.k;
  const size_t tiles = p.num_tiles(), blocks = p.blocks();
  p.q.assign(tiles * blocks * kQ4TileBytes, 0x88);  // code 8 = weight 0 in padded columns
  p.scales.assign(tiles * blocks * kQ4Tile, 0.0f);
  p.bias.assign((tiles + 1) / 2 * 2 * kQ4Tile, 0.0f);  // whole pairs: Q4GemmF32 reads kPanel
  float v[kQ4Block];
  int8_t codes[kQ4Block];
  for (size_t c = 0; c < w.n; ++c) {
    const size_t panel = c / kPanel, j = c % kPanel, t = c / kQ4Tile, tc = c % kQ4Tile;
    p.bias[c] = w.bias[c];
    for (size_t kb = 0; kb < blocks; ++kb) {
      for (size_t i = 0; i < kQ4Block; ++i) {
        v[i] = w.panels[(panel * w.k + kb * kQ4Block + i) * kPanel + j];
      }
      float scale;
      if (!RecoverBlock(v, codes, &scale)) return false;
      p.scales[(t * blocks + kb) * kQ4Tile + tc] = scale;
      uint8_t* dst = p.q.data() + (t * blocks + kb) * kQ4TileBytes;
      for (size_t h = 0; h < 4; ++h) {
        for (size_t e = 0; e < 4; ++e) {
          const uint8_t lo = static_cast<uint8_t>(codes[4 * h + e] + 8);
          const uint8_t hi = static_cast<uint8_t>(codes[16 + 4 * h + e] + 8);
          dst[(h * kQ4Tile + tc) * 4 + e] = static_cast<uint8_t>(lo | (hi << 4));
        }
      }
    }
  }
  *out = std::move(p);
  return true;
}

void ExpandQ4ForAmx(Q4Linear* w) {
  if (!HasAmx()) return;
  w->amx.assign(w->num_tiles() * w->blocks() * kAmxBlockBytes, 0);
  for (size_t t = 0; t < w->num_tiles(); ++t) {
    ExpandTileAmx(*w, t, w->amx.data() + t * w->blocks() * kAmxBlockBytes);
  }
}

bool Q4PathSupported(Q4Path path) {
  switch (path) {
    case Q4Path::kScalar:
      return true;
    case Q4Path::kAvx2:
      return HasAvx2();
    case Q4Path::kAvx512Vnni:
      return HasVnni();
    case Q4Path::kAmx:
      return HasAmx();
  }
  return false;
}

Q4Path Q4ChosenPath() {
  static const Q4Path chosen = [] {
    if (const char* name = std::getenv("SEMBLE_Q4_KERNEL")) {
      for (Q4Path p : {Q4Path::kAmx, Q4Path::kAvx512Vnni, Q4Path::kAvx2, Q4Path::kScalar}) {
        if (std::strcmp(name, Q4PathName(p)) == 0 && Q4PathSupported(p)) return p;
      }
    }
    return Q4BestPath();
  }();
  return chosen;
}

Q4Path Q4BestPath() {
  if (HasAmx()) return Q4Path::kAmx;
  if (HasVnni()) return Q4Path::kAvx512Vnni;
  if (HasAvx2()) return Q4Path::kAvx2;
  return Q4Path::kScalar;
}

void QuantizeActivations(const float* x, size_t m, size_t k, int8_t* q, float* scale,
                         int32_t* zsum) {
  if (HasVnni()) {
    QuantizeRowsVnni(x, m, k, q, scale, zsum);
  } else {
    QuantizeRowsScalar(x, m, k, q, scale, zsum);
  }
}

void QuantizeActivationsScalar(const float* x, size_t m, size_t k, int8_t* q, float* scale,
                               int32_t* zsum) {
  QuantizeRowsScalar(x, m, k, q, scale, zsum);
}

void Q4GemmOn(Q4Path path, const int8_t* xq, const float* xs, const int32_t* xz, size_t m,
              const Q4Linear& w, float* y, size_t ldy, size_t t_begin, size_t t_end) {
  switch (path) {
    case Q4Path::kAmx:
      GemmAmx(xq, xs, xz, m, w, y, ldy, t_begin, t_end);
      return;
    case Q4Path::kAvx512Vnni:
      GemmVnni(xq, xs, xz, m, w, y, ldy, t_begin, t_end);
      return;
    case Q4Path::kAvx2:
      GemmAvx2(xq, xs, xz, m, w, y, ldy, t_begin, t_end);
      return;
    case Q4Path::kScalar:
      GemmScalar(xq, xs, xz, m, w, y, ldy, t_begin, t_end);
      return;
  }
}

void Q4Gemm(const int8_t* xq, const float* xs, const int32_t* xz, size_t m, const Q4Linear& w,
            float* y, size_t ldy, size_t t_begin, size_t t_end) {
  static const Q4Path path = Q4ChosenPath();
  Q4GemmOn(path, xq, xs, xz, m, w, y, ldy, t_begin, t_end);
}

bool Q4F32IsFast() { return HasAvx512Bw(); }

void DequantizePanel(const Q4Linear& w, size_t tile, float* panel, bool simd) {
  for (size_t t = tile; t < tile + 2; ++t) {
    float* dst = panel + (t - tile) * kQ4Tile;
    if (t >= w.num_tiles()) {
      for (size_t kk = 0; kk < w.k; ++kk) std::memset(dst + kk * kPanel, 0, kQ4Tile * 4);
    } else if (simd && HasAvx512Bw()) {
      DequantizeTileAvx512(w, t, dst);
    } else {
      DequantizeTileScalar(w, t, dst);
    }
  }
}

void Q4GemmF32(const float* x, size_t m, const Q4Linear& w, float* y, size_t ldy, size_t t_begin,
               size_t t_end) {
  // Row blocks of 128: the rows' fp32 activations (<= 768 KB for k = 1536) stay in L2, and each
  // panel is dequantized once per block rather than once per micro-kernel call.
  constexpr size_t kF32RowBlock = 128;
  thread_local std::vector<float> panel;
  if (panel.size() < w.k * kPanel) panel.resize(w.k * kPanel);
  const size_t k = w.k;
  for (size_t r0 = 0; r0 < m; r0 += kF32RowBlock) {
    const size_t rows = std::min(kF32RowBlock, m - r0);
    for (size_t t = t_begin; t < t_end; t += 2) {
      DequantizePanel(w, t, panel.data(), true);
      const size_t cols = std::min(kPanel, w.n - t * kQ4Tile);
      LinearPanel(x + r0 * k, rows, k, panel.data(), w.bias.data() + t * kQ4Tile,
                  y + r0 * ldy + t * kQ4Tile, ldy, cols);
    }
  }
}

const char* Q4PathName(Q4Path path) {
  switch (path) {
    case Q4Path::kAmx:
      return "amx";
    case Q4Path::kAvx512Vnni:
      return "avx512vnni";
    case Q4Path::kAvx2:
      return "avx2";
    case Q4Path::kScalar:
      return "scalar";
  }
  return "?";
}

}  // namespace semble::embed
