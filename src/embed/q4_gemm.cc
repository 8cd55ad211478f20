// Copyright 2026 The semble Authors.
//
// The int4 x int8 GEMM. The VNNI micro-kernel keeps MR rows x NT tiles of int32 block sums and of
// fp32 totals in registers. For each block of 32 along K it loads 4 x 64 bytes per tile, splits
// them into nibbles (8 weight registers, 4 K each per column lane), and multiplies each with the
// row's matching 4 activation bytes broadcast to all lanes (vpdpbusd: unsigned weight code x
// signed activation). The block sum then starts from -8 * sum(activations) instead of 0, which
// turns the codes 0..15 back into -8..7 without touching the weights. One cvt + mul + fma per
// block folds the scales in, in the order ORT's int8 path uses (scale_w * scale_x, then fma).
//
// Dispatch is by cpuid (__builtin_cpu_supports) rather than Highway: Highway 1.0 (Debian 12) has
// no u8 x i8 quad dot product, and this is the one kernel that needs it.

#include "embed/q4_gemm.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace semble::embed {
namespace {

// Rows per row block: the activations of 64 rows (64 * k bytes) stay in L2 while the tile pairs
// pass over them, and one tile pair's weights (<= 30 KB for k = 1536) stay in L1 across the rows.
constexpr size_t kRowBlock = 64;

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
  // codes are all small. Neighbouring floats absorb the rounding of amax / d.
  for (int d : {8, 7, 6, 5, 4, 3, 2, 1}) {
    const float s = amax / static_cast<float>(d);
    if (try_scale(s)) return true;
    float lo = s, hi = s;
    for (int ulp = 0; ulp < 2; ++ulp) {
      lo = std::nextafter(lo, 0.0f);
      hi = std::nextafter(hi, INFINITY);
      if (try_scale(lo) || try_scale(hi)) return true;
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

SEMBLE_VNNI void QuantizeRowsVnni(const float* x, size_t m, size_t k, int8_t* q, float* scale,
                                  int32_t* zsum) {
  const size_t blocks = k / kQ4Block;
  for (size_t r = 0; r < m; ++r) {
    for (size_t b = 0; b < blocks; ++b) {
      const float* s = x + r * k + b * kQ4Block;
      const __m512 v0 = _mm512_loadu_ps(s), v1 = _mm512_loadu_ps(s + 16);
      const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
      const float sc = amax / 127.0f;
      const __m512 inv = _mm512_set1_ps(sc != 0 ? 1.0f / sc : 0.0f);
      // Round to nearest even (the default MXCSR mode), like nearbyint; |x * inv| <= ~127, and the
      // saturating pack clamps to [-128, 127] as the scalar path does.
      const __m512i q0 = _mm512_cvtps_epi32(_mm512_mul_ps(v0, inv));
      const __m512i q1 = _mm512_cvtps_epi32(_mm512_mul_ps(v1, inv));
      const __m128i p0 = _mm512_cvtsepi32_epi8(q0), p1 = _mm512_cvtsepi32_epi8(q1);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(q + r * k + b * kQ4Block), p0);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(q + r * k + b * kQ4Block + 16), p1);
      const int32_t sum =
          _mm512_reduce_add_epi32(_mm512_add_epi32(_mm512_cvtepi8_epi32(p0), _mm512_cvtepi8_epi32(p1)));
      scale[r * blocks + b] = sc;
      zsum[r * blocks + b] = -8 * sum;
    }
  }
}

template <size_t MR, size_t NT>
SEMBLE_VNNI inline void MicroVnni(const int8_t* x, size_t k, const float* xs, const int32_t* xz,
                                  const Q4Linear& w, size_t tile, float* y, size_t ldy,
                                  size_t cols) {
  const size_t blocks = w.blocks();
  const uint8_t* wq = w.q.data() + tile * blocks * kQ4TileBytes;
  const float* ws = w.scales.data() + tile * blocks * kQ4Tile;
  const size_t q_stride = blocks * kQ4TileBytes, s_stride = blocks * kQ4Tile;
  const __m512i nibble = _mm512_set1_epi8(0x0F);
  __m512 total[MR][NT];
  for (size_t t = 0; t < NT; ++t) {
    const __m512 b = _mm512_loadu_ps(w.bias.data() + (tile + t) * kQ4Tile);
    for (size_t r = 0; r < MR; ++r) total[r][t] = b;
  }
  for (size_t kb = 0; kb < blocks; ++kb) {
    __m512i acc[MR][NT];
    for (size_t r = 0; r < MR; ++r) {
      const __m512i z = _mm512_set1_epi32(xz[r * blocks + kb]);
      for (size_t t = 0; t < NT; ++t) acc[r][t] = z;
    }
    const uint8_t* wb = wq + kb * kQ4TileBytes;
    const int8_t* xb = x + kb * kQ4Block;
    for (size_t h = 0; h < 4; ++h) {
      __m512i lo[NT], hi[NT];
      for (size_t t = 0; t < NT; ++t) {
        const __m512i p = _mm512_loadu_si512(wb + t * q_stride + h * 64);
        lo[t] = _mm512_and_si512(p, nibble);
        hi[t] = _mm512_and_si512(_mm512_srli_epi16(p, 4), nibble);
      }
      for (size_t r = 0; r < MR; ++r) {
        int32_t a_lo, a_hi;
        std::memcpy(&a_lo, xb + r * k + 4 * h, 4);
        std::memcpy(&a_hi, xb + r * k + 16 + 4 * h, 4);
        const __m512i vlo = _mm512_set1_epi32(a_lo), vhi = _mm512_set1_epi32(a_hi);
        for (size_t t = 0; t < NT; ++t) {
          acc[r][t] = _mm512_dpbusd_epi32(acc[r][t], lo[t], vlo);
          acc[r][t] = _mm512_dpbusd_epi32(acc[r][t], hi[t], vhi);
        }
      }
    }
    for (size_t t = 0; t < NT; ++t) {
      const __m512 wsv = _mm512_loadu_ps(ws + t * s_stride + kb * kQ4Tile);
      for (size_t r = 0; r < MR; ++r) {
        const __m512 s = _mm512_mul_ps(wsv, _mm512_set1_ps(xs[r * blocks + kb]));
        total[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[r][t]), s, total[r][t]);
      }
    }
  }
  for (size_t t = 0; t < NT; ++t) {
    const size_t c0 = t * kQ4Tile;
    if (c0 >= cols) break;
    const __mmask16 mask =
        cols - c0 >= kQ4Tile ? __mmask16(0xFFFF) : __mmask16((1u << (cols - c0)) - 1);
    for (size_t r = 0; r < MR; ++r) _mm512_mask_storeu_ps(y + r * ldy + c0, mask, total[r][t]);
  }
}

constexpr size_t kMaxRows = 4;

template <size_t MR, size_t NT>
SEMBLE_VNNI inline void RowsVnni(size_t rows, const int8_t* x, size_t k, const float* xs,
                                 const int32_t* xz, const Q4Linear& w, size_t tile, float* y,
                                 size_t ldy, size_t cols) {
  if constexpr (MR == 0) {
    (void)rows, (void)x, (void)k, (void)xs, (void)xz, (void)w, (void)tile, (void)y, (void)ldy,
        (void)cols;
  } else {
    if (rows == MR) {
      MicroVnni<MR, NT>(x, k, xs, xz, w, tile, y, ldy, cols);
    } else {
      RowsVnni<MR - 1, NT>(rows, x, k, xs, xz, w, tile, y, ldy, cols);
    }
  }
}

SEMBLE_VNNI void GemmVnni(const int8_t* xq, const float* xs, const int32_t* xz, size_t m,
                          const Q4Linear& w, float* y, size_t ldy, size_t t_begin, size_t t_end) {
  const size_t k = w.k, blocks = w.blocks();
  for (size_t r0 = 0; r0 < m; r0 += kRowBlock) {
    const size_t r1 = std::min(m, r0 + kRowBlock);
    for (size_t t = t_begin; t < t_end; t += 2) {
      const size_t nt = std::min<size_t>(2, t_end - t);
      const size_t cols = std::min(nt * kQ4Tile, w.n - t * kQ4Tile);
      for (size_t r = r0; r < r1; r += kMaxRows) {
        const size_t rows = std::min(kMaxRows, r1 - r);
        const int8_t* x = xq + r * k;
        float* yr = y + r * ldy + t * kQ4Tile;
        if (nt == 2) {
          RowsVnni<kMaxRows, 2>(rows, x, k, xs + r * blocks, xz + r * blocks, w, t, yr, ldy, cols);
        } else {
          RowsVnni<kMaxRows, 1>(rows, x, k, xs + r * blocks, xz + r * blocks, w, t, yr, ldy, cols);
        }
      }
    }
  }
}

bool HasVnni() {
  static const bool has = __builtin_cpu_supports("avx512f") &&
                          __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vl") &&
                          __builtin_cpu_supports("avx512dq") &&
                          __builtin_cpu_supports("avx512vnni");
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
  p.bias.assign(tiles * kQ4Tile, 0.0f);
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

void QuantizeActivations(const float* x, size_t m, size_t k, int8_t* q, float* scale,
                         int32_t* zsum) {
  if (HasVnni()) {
    QuantizeRowsVnni(x, m, k, q, scale, zsum);
  } else {
    QuantizeRowsScalar(x, m, k, q, scale, zsum);
  }
}

void Q4Gemm(const int8_t* xq, const float* xs, const int32_t* xz, size_t m, const Q4Linear& w,
            float* y, size_t ldy, size_t t_begin, size_t t_end) {
  if (HasVnni()) {
    GemmVnni(xq, xs, xz, m, w, y, ldy, t_begin, t_end);
  } else {
    GemmScalar(xq, xs, xz, m, w, y, ldy, t_begin, t_end);
  }
}

void Q4GemmScalar(const int8_t* xq, const float* xs, const int32_t* xz, size_t m,
                  const Q4Linear& w, float* y, size_t ldy, size_t t_begin, size_t t_end) {
  GemmScalar(xq, xs, xz, m, w, y, ldy, t_begin, t_end);
}

void QuantizeActivationsScalar(const float* x, size_t m, size_t k, int8_t* q, float* scale,
                               int32_t* zsum) {
  QuantizeRowsScalar(x, m, k, q, scale, zsum);
}

const char* Q4KernelName() { return HasVnni() ? "avx512vnni" : "scalar"; }

}  // namespace semble::embed
