// Copyright 2026 The semble Authors.
//
// Linear layers with 4-bit weights and int8 activations: the arithmetic of ONNX Runtime's
// MatMulNBits at accuracy_level=4 (weights in blocks of 32 along K with one fp32 scale each and
// zero point 8; activations rounded to int8 per block of 32 with scale max|x| / 127), computed
// with integer dot products instead of being emulated in fp32. The weights stay 4-bit in memory
// (5 MB for MiniLM-L6 instead of 42 MB of fp32), so a short batch reads them from cache, and
// AVX-512 VNNI's vpdpbusd does 64 multiply-adds per instruction (AMX's tdpbssd 8,192).
//
// The ONNX loader hands the encoder fp32 weights; PackQ4 recovers the 4-bit codes from them
// exactly (each block is fl(j * s) for integers j in [-8, 7]), so nothing is approximated.

#ifndef SEMBLE_SRC_EMBED_Q4_GEMM_H_
#define SEMBLE_SRC_EMBED_Q4_GEMM_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "embed/kernels.h"

namespace semble::embed {

inline constexpr size_t kQ4Block = 32;  // K elements per scale (weights and activations)
inline constexpr size_t kQ4Tile = 16;   // output columns per weight tile (one AVX-512 vector)
inline constexpr size_t kQ4TileBytes = kQ4Tile * kQ4Block / 2;  // one tile's block: 256 bytes

// y = x W^T + b with W [n, k] in 4-bit blocks. Tile t (columns t*16 .. t*16+15) holds, for every
// block kb, kQ4TileBytes bytes at q[(t * blocks() + kb) * kQ4TileBytes]: byte (h*16 + c)*4 + e
// (h < 4, column c < 16, e < 4) has code W[c][kb*32 + 4h + e] + 8 in its low nibble and code
// W[c][kb*32 + 16 + 4h + e] + 8 in its high one. So one 64-byte load, split into nibbles, gives two
// registers whose 32-bit lanes hold 4 consecutive K of one column each: vpdpbusd's operand shape.
struct Q4Linear {
  size_t n = 0, k = 0;        // k is a multiple of kQ4Block
  std::vector<uint8_t> q;     // num_tiles() * blocks() * kQ4TileBytes
  std::vector<float> scales;  // [tile][kb][16]; zero past n
  std::vector<float> bias;    // num_tiles() rounded up to even, * 16; zero past n
  // Empty, or the AMX kernel's copy of q (ExpandQ4ForAmx): per tile and block, 8 rows of 4 K x 16
  // columns of signed codes (code - 8), 512 bytes. Twice q's size; saves expanding per call.
  std::vector<int8_t> amx;

  size_t num_tiles() const { return (n + kQ4Tile - 1) / kQ4Tile; }
  static_assert(kPanel == 2 * kQ4Tile, "an fp32 panel is a pair of tiles");
  size_t blocks() const { return k / kQ4Block; }
};

// Builds out from w (whose values must be exactly representable, see above); false when k is not
// a multiple of kQ4Block or some block is not of that form (e.g. an fp32 or fp16 checkpoint).
bool PackQ4(const PackedLinear& w, Q4Linear* out);

// Fills w->amx when the CPU has AMX (else leaves it empty); the results of every kernel are
// unchanged, the AMX kernel skips its per-call expansion of the 4-bit codes.
void ExpandQ4ForAmx(Q4Linear* w);

// Activations of m rows of k (a multiple of kQ4Block) rounded to int8 per block: for every row r
// and block b, scale[r * k/32 + b] = max|x| / 127, q = nearbyint(x / scale) (0 when max|x| = 0),
// and zsum[r * k/32 + b] = -8 * sum(q), which cancels the +8 of the unsigned weight codes.
void QuantizeActivations(const float* x, size_t m, size_t k, int8_t* q, float* scale,
                         int32_t* zsum);

// y[r][c] = b[c] + sum over blocks of (sum_i q_x * (q_w - 8)) * (scale_w * scale_x), for rows
// [0, m) and the columns of tiles [t_begin, t_end). xq/xs/xz as QuantizeActivations wrote them.
void Q4Gemm(const int8_t* xq, const float* xs, const int32_t* xz, size_t m, const Q4Linear& w,
            float* y, size_t ldy, size_t t_begin, size_t t_end);

// y = x W^T + b with fp32 activations x (row stride k), for rows [0, m) and the columns of tiles
// [t_begin, t_end); t_begin must be even. Every pair of tiles is dequantized into a fp32 panel
// (exactly the loader's values) and multiplied by the fp32 GEMM (LinearPanel), so results equal
// LinearPanels on the unpacked weights bit for bit, while memory holds 4-bit weights.
void Q4GemmF32(const float* x, size_t m, const Q4Linear& w, float* y, size_t ldy, size_t t_begin,
               size_t t_end);
// True when the dequantization has a SIMD path (AVX-512BW); without one the unpacked fp32 weights
// are faster for short batches.
bool Q4F32IsFast();
// Tiles tile and tile + 1 as one fp32 panel (PackedLinear's layout; zeros past the last tile).
void DequantizePanel(const Q4Linear& w, size_t tile, float* panel, bool simd);

// The kernels, for tests and benchmarks; Q4Gemm uses the best one the CPU has. All give the same
// bits (exact integer block sums, then the same fp32 operations in the same order).
enum class Q4Path { kScalar, kAvx2, kAvx512Vnni, kAmx };
bool Q4PathSupported(Q4Path path);
Q4Path Q4BestPath();
// The kernel Q4Gemm uses: the best one, unless the environment variable SEMBLE_Q4_KERNEL names
// another that the CPU has (amx, avx512vnni, avx2, scalar), e.g. to compare them in one build.
Q4Path Q4ChosenPath();
const char* Q4PathName(Q4Path path);
void Q4GemmOn(Q4Path path, const int8_t* xq, const float* xs, const int32_t* xz, size_t m,
              const Q4Linear& w, float* y, size_t ldy, size_t t_begin, size_t t_end);
void QuantizeActivationsScalar(const float* x, size_t m, size_t k, int8_t* q, float* scale,
                               int32_t* zsum);

}  // namespace semble::embed

#endif  // SEMBLE_SRC_EMBED_Q4_GEMM_H_
