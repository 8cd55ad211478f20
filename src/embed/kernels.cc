// Copyright 2026 The semble Authors.
//
// GEMM: the classic register-blocked outer-product form. A micro-kernel keeps an MR x kPanel tile
// of y in registers, and for each k broadcasts MR activations and multiplies them with one
// kPanel-wide row of the packed panel: 2 loads feed MR*2 FMAs on AVX-512, so the loop runs at the
// FMA units' rate rather than at the load ports'. The panel (kPanel * k floats, <= 196 KB for
// k = 1536) stays in L2 while all row blocks pass over it.

#include "embed/kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "embed/kernels.cc"
// clang-format off
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/contrib/math/math-inl.h"
// clang-format on

HWY_BEFORE_NAMESPACE();
namespace semble::embed {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using D = hn::CappedTag<float, 16>;
using V = hn::Vec<D>;
constexpr size_t kLanes = HWY_MIN(HWY_LANES(float), 16);
constexpr size_t kVecs = kPanel / kLanes;  // vectors per panel row
// Rows per micro-kernel: as many as the register file holds accumulators for.
constexpr size_t kMaxRows = kVecs <= 2 ? 8 : (kVecs <= 4 ? 3 : 1);

// The fixed-count loops are unrolled by pragma so that acc[][] lives in registers at -O2 too (the
// default RelWithDebInfo build), not only at -O3.
template <size_t MR>
HWY_INLINE void MicroKernel(const float* HWY_RESTRICT x, size_t k, const float* HWY_RESTRICT panel,
                            const float* HWY_RESTRICT bias, float* HWY_RESTRICT y, size_t ldy,
                            size_t cols) {
  const D d;
  V acc[MR][kVecs];
#pragma GCC unroll 8
  for (size_t v = 0; v < kVecs; ++v) {
    const V b = hn::LoadU(d, bias + v * kLanes);
#pragma GCC unroll 8
    for (size_t r = 0; r < MR; ++r) acc[r][v] = b;
  }
  for (size_t kk = 0; kk < k; ++kk) {
    const float* HWY_RESTRICT row = panel + kk * kPanel;
    V w[kVecs];
#pragma GCC unroll 8
    for (size_t v = 0; v < kVecs; ++v) w[v] = hn::LoadU(d, row + v * kLanes);
#pragma GCC unroll 8
    for (size_t r = 0; r < MR; ++r) {
      const V xb = hn::Set(d, x[r * k + kk]);
#pragma GCC unroll 8
      for (size_t v = 0; v < kVecs; ++v) acc[r][v] = hn::MulAdd(xb, w[v], acc[r][v]);
    }
  }
  if (cols == kPanel) {
#pragma GCC unroll 8
    for (size_t r = 0; r < MR; ++r) {
#pragma GCC unroll 8
      for (size_t v = 0; v < kVecs; ++v) hn::StoreU(acc[r][v], d, y + r * ldy + v * kLanes);
    }
  } else {
    HWY_ALIGN float tmp[kPanel];
#pragma GCC unroll 8
    for (size_t r = 0; r < MR; ++r) {
#pragma GCC unroll 8
      for (size_t v = 0; v < kVecs; ++v) hn::StoreU(acc[r][v], d, tmp + v * kLanes);
      std::memcpy(y + r * ldy, tmp, cols * sizeof(float));
    }
  }
}

template <size_t MR>
HWY_INLINE void RowsKernel(size_t rows, const float* x, size_t k, const float* panel,
                           const float* bias, float* y, size_t ldy, size_t cols) {
  if constexpr (MR == 0) {
    (void)rows, (void)x, (void)k, (void)panel, (void)bias, (void)y, (void)ldy, (void)cols;
  } else {
    if (rows == MR) {
      MicroKernel<MR>(x, k, panel, bias, y, ldy, cols);
    } else {
      RowsKernel<MR - 1>(rows, x, k, panel, bias, y, ldy, cols);
    }
  }
}

void LinearPanelsImpl(const float* x, size_t m, const PackedLinear& w, float* y, size_t ldy,
                      size_t p_begin, size_t p_end) {
  const size_t k = w.k;
  // Row blocks of 64 keep the activations (64 * k floats) in L2 next to one panel.
  constexpr size_t kRowBlock = 64;
  for (size_t r0 = 0; r0 < m; r0 += kRowBlock) {
    const size_t r1 = std::min(m, r0 + kRowBlock);
    for (size_t p = p_begin; p < p_end; ++p) {
      const float* panel = w.panels.data() + p * k * kPanel;
      const float* bias = w.bias.data() + p * kPanel;
      const size_t cols = std::min(kPanel, w.n - p * kPanel);
      for (size_t r = r0; r < r1; r += kMaxRows) {
        const size_t rows = std::min(kMaxRows, r1 - r);
        RowsKernel<kMaxRows>(rows, x + r * k, k, panel, bias, y + r * ldy + p * kPanel, ldy, cols);
      }
    }
  }
}

void LinearPanelImpl(const float* x, size_t m, size_t k, const float* panel, const float* bias,
                     float* y, size_t ldy, size_t cols) {
  for (size_t r = 0; r < m; r += kMaxRows) {
    const size_t rows = std::min(kMaxRows, m - r);
    RowsKernel<kMaxRows>(rows, x + r * k, k, panel, bias, y + r * ldy, ldy, cols);
  }
}

// Two passes in fp32 lanes (mean, then the mean of squared deviations): as accurate as the
// textbook double-precision E[x^2] - mean^2 for rows of a few hundred values, and vectorised.
void AddLayerNormImpl(float* x, const float* add, size_t m, size_t n, const float* gamma,
                      const float* beta, float eps) {
  const D d;
  const size_t N = hn::Lanes(d);
  const size_t nv = n - n % N;
  for (size_t r = 0; r < m; ++r) {
    float* row = x + r * n;
    V vsum = hn::Zero(d);
    size_t i = 0;
    if (add != nullptr) {
      const float* a = add + r * n;
      for (; i < nv; i += N) {
        const V v = hn::Add(hn::LoadU(d, row + i), hn::LoadU(d, a + i));
        hn::StoreU(v, d, row + i);
        vsum = hn::Add(vsum, v);
      }
      for (size_t t = i; t < n; ++t) row[t] += a[t];
    } else {
      for (; i < nv; i += N) vsum = hn::Add(vsum, hn::LoadU(d, row + i));
    }
    float sum = hn::GetLane(hn::SumOfLanes(d, vsum));
    for (size_t t = nv; t < n; ++t) sum += row[t];
    const float mean = sum / static_cast<float>(n);
    const V vmean = hn::Set(d, mean);
    V vsq = hn::Zero(d);
    for (i = 0; i < nv; i += N) {
      const V dev = hn::Sub(hn::LoadU(d, row + i), vmean);
      vsq = hn::MulAdd(dev, dev, vsq);
    }
    float sq = hn::GetLane(hn::SumOfLanes(d, vsq));
    for (size_t t = nv; t < n; ++t) sq += (row[t] - mean) * (row[t] - mean);
    const float inv = 1.0f / std::sqrt(sq / static_cast<float>(n) + eps);
    const V vinv = hn::Set(d, inv);
    for (i = 0; i < nv; i += N) {
      const V v = hn::Mul(hn::Sub(hn::LoadU(d, row + i), vmean), vinv);
      hn::StoreU(hn::MulAdd(v, hn::LoadU(d, gamma + i), hn::LoadU(d, beta + i)), d, row + i);
    }
    for (size_t t = nv; t < n; ++t) row[t] = (row[t] - mean) * inv * gamma[t] + beta[t];
  }
}

// 1 - erf(|z|) by Abramowitz & Stegun 7.1.28, 1 / (1 + a1 z + ... + a6 z^6)^16 (|error| < 3e-7;
// in floats the 16th power multiplies the base's rounding, so GELU comes within ~7e-7 * |x|):
// one polynomial, four squarings and a reciprocal, no exponential. GELU runs over every element of
// the widest activation (1,536 per token in MiniLM), and 7.1.26's exp made it ~6.5% of a batch.
// |z| is capped at 10 (where the result, ~1e-31, is still a normal float: p^16 stays finite, so
// the reciprocal's Newton step never meets inf * 0).
HWY_INLINE V Erfc(D d, V az) {
  const V z = hn::Min(az, hn::Set(d, 10.0f));
  V p = hn::Set(d, 0.0000430638f);
  p = hn::MulAdd(p, z, hn::Set(d, 0.0002765672f));
  p = hn::MulAdd(p, z, hn::Set(d, 0.0001520143f));
  p = hn::MulAdd(p, z, hn::Set(d, 0.0092705272f));
  p = hn::MulAdd(p, z, hn::Set(d, 0.0422820123f));
  p = hn::MulAdd(p, z, hn::Set(d, 0.0705230784f));
  p = hn::MulAdd(p, z, hn::Set(d, 1.0f));
  p = hn::Mul(p, p);
  p = hn::Mul(p, p);
  p = hn::Mul(p, p);
  p = hn::Mul(p, p);
  // 1 / p by the reciprocal estimate and one Newton step (~2^-28 relative error): a division is
  // several times slower.
  const V r0 = hn::ApproximateReciprocal(p);
  return hn::Mul(r0, hn::NegMulAdd(p, r0, hn::Set(d, 2.0f)));
}

// x * Phi(x) = x / 2 * (1 + erf(x / sqrt 2)): for x < 0 that is x / 2 * erfc(|x| / sqrt 2) and
// for x >= 0 x / 2 * (2 - erfc(x / sqrt 2)), so the negative side keeps its small values'
// precision (no 1 - erf cancellation).
void GeluImpl(float* x, size_t n) {
  const D d;
  const size_t N = hn::Lanes(d);
  const V half = hn::Set(d, 0.5f), rsqrt2 = hn::Set(d, 0.70710678118654752f);
  const V two = hn::Set(d, 2.0f);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    const V v = hn::LoadU(d, x + i);
    const V q = Erfc(d, hn::Abs(hn::Mul(v, rsqrt2)));
    const V phi2 = hn::IfThenElse(hn::Lt(v, hn::Zero(d)), q, hn::Sub(two, q));
    hn::StoreU(hn::Mul(hn::Mul(half, v), phi2), d, x + i);
  }
  for (; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * 0.70710678118654752f));
}

// kAttentionRows query rows of one head: scores for 16 keys at a time from a transposed copy of
// the head's K (head_dim x lenp), so each row needs head_dim broadcast FMAs per 16 keys and no
// horizontal sums; softmax and P V stay in vectors, with the last partial vector masked. Each of
// a score's or an output's sums is one chain of dependent FMAs (head_dim long, or len); running
// the group's rows side by side keeps R chains in flight where one row alone stalls on the FMA
// latency (~2.5x this kernel's time at MiniLM's 32-wide heads). Every row's operations and their
// order are those of the row alone, so the grouping changes no bit of the output.
template <size_t R>
HWY_INLINE void AttentionRows(const float* HWY_RESTRICT q, const float* HWY_RESTRICT kt,
                              const float* HWY_RESTRICT v, size_t ld, size_t len, size_t lenp,
                              size_t head_dim, float scale, float* HWY_RESTRICT p,
                              float* HWY_RESTRICT out, size_t ldo) {
  const D d;
  const size_t N = hn::Lanes(d);
  const V vscale = hn::Set(d, scale);
  V vmax[R];
#pragma GCC unroll 8
  for (size_t r = 0; r < R; ++r) vmax[r] = hn::Set(d, -INFINITY);
  for (size_t jb = 0; jb < lenp; jb += N) {
    V acc[R];
#pragma GCC unroll 8
    for (size_t r = 0; r < R; ++r) acc[r] = hn::Zero(d);
    for (size_t c = 0; c < head_dim; ++c) {
      const V kv = hn::LoadU(d, kt + c * lenp + jb);
#pragma GCC unroll 8
      for (size_t r = 0; r < R; ++r) acc[r] = hn::MulAdd(hn::Set(d, q[r * ld + c]), kv, acc[r]);
    }
#pragma GCC unroll 8
    for (size_t r = 0; r < R; ++r) {
      V s = hn::Mul(acc[r], vscale);
      if (jb + N > len) s = hn::IfThenElse(hn::FirstN(d, len - jb), s, hn::Set(d, -INFINITY));
      hn::StoreU(s, d, p + r * lenp + jb);
      vmax[r] = hn::Max(vmax[r], s);
    }
  }
  float inv[R];
#pragma GCC unroll 8
  for (size_t r = 0; r < R; ++r) {
    float* pr = p + r * lenp;
    const V max = hn::MaxOfLanes(d, vmax[r]);
    V vsum = hn::Zero(d);
    for (size_t jb = 0; jb < lenp; jb += N) {
      V e = hn::Exp(d, hn::Sub(hn::LoadU(d, pr + jb), max));
      if (jb + N > len) e = hn::IfThenElseZero(hn::FirstN(d, len - jb), e);
      hn::StoreU(e, d, pr + jb);
      vsum = hn::Add(vsum, e);
    }
    inv[r] = 1.0f / hn::GetLane(hn::SumOfLanes(d, vsum));
  }
  if (head_dim % N == 0) {
    // The scores' loop above has the same shape. One helper for both (the R sums through a pointer
    // or returned in a struct) measured 4-8% slower on a batch of 32 texts: GCC kept the
    // accumulators in memory. So each loop is written out where it is used.
    for (size_t c = 0; c < head_dim; c += N) {
      V acc[R];
#pragma GCC unroll 8
      for (size_t r = 0; r < R; ++r) acc[r] = hn::Zero(d);
      for (size_t jj = 0; jj < len; ++jj) {
        const V vv = hn::LoadU(d, v + jj * ld + c);
#pragma GCC unroll 8
        for (size_t r = 0; r < R; ++r)
          acc[r] = hn::MulAdd(hn::Set(d, p[r * lenp + jj]), vv, acc[r]);
      }
#pragma GCC unroll 8
      for (size_t r = 0; r < R; ++r)
        hn::StoreU(hn::Mul(acc[r], hn::Set(d, inv[r])), d, out + r * ldo + c);
    }
  } else {
    for (size_t r = 0; r < R; ++r) {
      for (size_t c = 0; c < head_dim; ++c) {
        float acc = 0;
        for (size_t jj = 0; jj < len; ++jj) acc += p[r * lenp + jj] * v[jj * ld + c];
        out[r * ldo + c] = acc * inv[r];
      }
    }
  }
}

template <size_t R>
HWY_INLINE void AttentionRowsOf(size_t rows, const float* q, const float* kt, const float* v,
                                size_t ld, size_t len, size_t lenp, size_t head_dim, float scale,
                                float* p, float* out, size_t ldo) {
  if constexpr (R == 0) {
    (void)rows, (void)q, (void)kt, (void)v, (void)ld, (void)len, (void)lenp, (void)head_dim,
        (void)scale, (void)p, (void)out, (void)ldo;
  } else {
    if (rows == R) {
      AttentionRows<R>(q, kt, v, ld, len, lenp, head_dim, scale, p, out, ldo);
    } else {
      AttentionRowsOf<R - 1>(rows, q, kt, v, ld, len, lenp, head_dim, scale, p, out, ldo);
    }
  }
}

void AttentionHeadImpl(const float* q, const float* k, const float* v, size_t ld, size_t len,
                       size_t head_dim, float scale, float* out, size_t ldo, float* scratch) {
  const D d;
  const size_t N = hn::Lanes(d);
  const size_t lenp = (len + N - 1) / N * N;
  float* kt = scratch;                   // [head_dim][lenp]
  float* p = scratch + head_dim * lenp;  // [kAttentionRows][lenp]
  for (size_t c = 0; c < head_dim; ++c) {
    float* dst = kt + c * lenp;
    for (size_t j = 0; j < len; ++j) dst[j] = k[j * ld + c];
    for (size_t j = len; j < lenp; ++j) dst[j] = 0;
  }
  for (size_t i = 0; i < len; i += kAttentionRows) {
    const size_t rows = std::min(kAttentionRows, len - i);
    AttentionRowsOf<kAttentionRows>(rows, q + i * ld, kt, v, ld, len, lenp, head_dim, scale, p,
                                    out + i * ldo, ldo);
  }
}

const char* TargetNameImpl() { return hwy::TargetName(HWY_TARGET); }

}  // namespace HWY_NAMESPACE
}  // namespace semble::embed
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace semble::embed {

void FakeQuantizeInt8Blocks(const float* src, size_t m, size_t k, size_t block, float* dst) {
  for (size_t r = 0; r < m; ++r) {
    for (size_t b = 0; b < k; b += block) {
      const float* s = src + r * k + b;
      float* d = dst + r * k + b;
      float amax = 0;
      for (size_t i = 0; i < block; ++i) amax = std::max(amax, std::fabs(s[i]));
      const float scale = amax / 127.0f;
      const float inv = scale != 0 ? 1.0f / scale : 0.0f;
      for (size_t i = 0; i < block; ++i) {
        const float q = std::clamp(std::nearbyint(s[i] * inv), -128.0f, 127.0f);
        d[i] = q * scale;
      }
    }
  }
}

HWY_EXPORT(LinearPanelsImpl);
HWY_EXPORT(LinearPanelImpl);
HWY_EXPORT(AddLayerNormImpl);
HWY_EXPORT(GeluImpl);
HWY_EXPORT(AttentionHeadImpl);
HWY_EXPORT(TargetNameImpl);

PackedLinear PackLinear(const float* w, const float* bias, size_t n, size_t k) {
  PackedLinear p;
  p.n = n;
  p.k = k;
  const size_t panels = p.num_panels();
  p.panels.assign(panels * k * kPanel, 0.0f);
  p.bias.assign(panels * kPanel, 0.0f);
  for (size_t c = 0; c < n; ++c) {
    const size_t panel = c / kPanel, j = c % kPanel;
    for (size_t kk = 0; kk < k; ++kk) p.panels[(panel * k + kk) * kPanel + j] = w[c * k + kk];
    if (bias != nullptr) p.bias[c] = bias[c];
  }
  return p;
}

void LinearPanels(const float* x, size_t m, const PackedLinear& w, float* y, size_t ldy,
                  size_t p_begin, size_t p_end) {
  HWY_DYNAMIC_DISPATCH(LinearPanelsImpl)(x, m, w, y, ldy, p_begin, p_end);
}

void LinearPanel(const float* x, size_t m, size_t k, const float* panel, const float* bias,
                 float* y, size_t ldy, size_t cols) {
  HWY_DYNAMIC_DISPATCH(LinearPanelImpl)(x, m, k, panel, bias, y, ldy, cols);
}

void AddLayerNorm(float* x, const float* add, size_t m, size_t n, const float* gamma,
                  const float* beta, float eps) {
  HWY_DYNAMIC_DISPATCH(AddLayerNormImpl)(x, add, m, n, gamma, beta, eps);
}

void Gelu(float* x, size_t n) { HWY_DYNAMIC_DISPATCH(GeluImpl)(x, n); }

void AttentionHead(const float* q, const float* k, const float* v, size_t ld, size_t len,
                   size_t head_dim, float scale, float* out, size_t ldo, float* scratch) {
  HWY_DYNAMIC_DISPATCH(AttentionHeadImpl)(q, k, v, ld, len, head_dim, scale, out, ldo, scratch);
}

const char* KernelTargetName() { return HWY_DYNAMIC_DISPATCH(TargetNameImpl)(); }

}  // namespace semble::embed
#endif  // HWY_ONCE
