// Copyright 2026 The semble Authors.
//
// The encoder's numeric kernels, compiled once per SIMD target by Highway and picked at run time
// (the pattern of src/core/distance.cc). The fp32 GEMM here serves fp32 activations (ONNX
// Runtime's MatMulNBits with accuracy_level=0, matched to rounding) and checkpoints whose weights
// are not 4-bit; 4-bit weights with int8 activations run in q4_gemm.h.

#ifndef SEMBLE_SRC_EMBED_KERNELS_H_
#define SEMBLE_SRC_EMBED_KERNELS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace semble::embed {

// Columns per weight panel: two AVX-512 vectors, four AVX2 vectors.
inline constexpr size_t kPanel = 32;

// A linear layer y = x W^T + b with W [n, k], repacked so that the GEMM streams it contiguously:
// panel p holds W[p*kPanel + j][kk] at panels[(p*k + kk)*kPanel + j], zero-padded past n.
struct PackedLinear {
  size_t n = 0, k = 0;
  std::vector<float> panels;
  std::vector<float> bias;  // padded to a multiple of kPanel

  size_t num_panels() const { return (n + kPanel - 1) / kPanel; }
};

// w is [n, k] row-major; bias may be null (zeros).
PackedLinear PackLinear(const float* w, const float* bias, size_t n, size_t k);

// y[r][c] = x[r] . W[c] + b[c] for rows [0, m) and the columns of panels [p_begin, p_end).
// x has row stride k, y has row stride ldy.
void LinearPanels(const float* x, size_t m, const PackedLinear& w, float* y, size_t ldy,
                  size_t p_begin, size_t p_end);

// The same for one panel given directly (panel[kk * kPanel + j], bias of kPanel), writing the
// first `cols` columns of y: for callers that build panels on the fly (Q4GemmF32).
void LinearPanel(const float* x, size_t m, size_t k, const float* panel, const float* bias,
                 float* y, size_t ldy, size_t cols);

// x[r] = LayerNorm(x[r] + add[r]) * gamma + beta for r in [0, m); add may be null. Rows of n.
void AddLayerNorm(float* x, const float* add, size_t m, size_t n, const float* gamma,
                  const float* beta, float eps);

// x = x * Phi(x) (exact, erf-based GELU), in place.
void Gelu(float* x, size_t n);

// One head of scaled dot-product attention over one sequence of len tokens. q, k, v point at the
// head's first column in rows of stride ld; out (stride ldo) receives softmax(q k^T * scale) v.
// scratch must hold AttentionScratchFloats(len, head_dim) floats.
void AttentionHead(const float* q, const float* k, const float* v, size_t ld, size_t len,
                   size_t head_dim, float scale, float* out, size_t ldo, float* scratch);

// Query rows AttentionHead computes side by side.
constexpr size_t kAttentionRows = 4;

inline size_t AttentionScratchFloats(size_t len, size_t head_dim) {
  const size_t padded = (len + 15) / 16 * 16;
  return (head_dim + kAttentionRows) * padded;
}

// dst = src with each block of `block` elements of every row (rows of k) rounded to int8:
// q = nearbyint(x * 127 / max|x|), x' = q * max|x| / 127. k must be a multiple of block.
void FakeQuantizeInt8Blocks(const float* src, size_t m, size_t k, size_t block, float* dst);

// The SIMD target in use ("AVX3", "AVX2", ...), for benchmarks.
const char* KernelTargetName();

}  // namespace semble::embed

#endif  // SEMBLE_SRC_EMBED_KERNELS_H_
