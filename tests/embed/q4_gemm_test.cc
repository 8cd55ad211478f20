// Copyright 2026 The semble Authors.
//
// The int4 x int8 GEMM against a scalar reference: bit-equal to the scalar kernel (same integer
// sums, same fp32 operations in the same order) on every shape edge (rows not a multiple of the
// micro-kernel's 4, odd tile counts, n not a multiple of 16, partial tile ranges), and close to a
// double-precision product of the dequantized operands.

#include "embed/q4_gemm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "embed/bert_model.h"
#include "embed/embed_test_util.h"
#include "embed/onnx_loader.h"

namespace semble::embed {
namespace {

struct Layer {
  std::vector<float> w;  // [n, k] dequantized like the ONNX loader: float(code - 8) * scale
  std::vector<float> bias;
  PackedLinear packed;
};

Layer MakeLayer(size_t n, size_t k, std::mt19937* rng) {
  std::uniform_int_distribution<int> code(0, 15);
  std::uniform_real_distribution<float> scale(0.001f, 0.05f), b(-1, 1);
  Layer l;
  l.w.resize(n * k);
  l.bias.resize(n);
  for (size_t c = 0; c < n; ++c) {
    l.bias[c] = b(*rng);
    for (size_t kb = 0; kb < k / 32; ++kb) {
      const float s = (kb % 2 == 1 ? -1.0f : 1.0f) * scale(*rng);  // ORT writes negative scales
      // Some blocks use only small codes, so recovery must find a scale other than max / 8.
      const bool small = kb % 5 == 3;
      for (size_t i = 0; i < 32; ++i) {
        const int j = small ? code(*rng) % 4 - 2 : code(*rng) - 8;
        l.w[c * k + kb * 32 + i] = static_cast<float>(j) * s;
      }
    }
  }
  l.packed = PackLinear(l.w.data(), l.bias.data(), n, k);
  return l;
}

std::vector<float> Activations(size_t m, size_t k, std::mt19937* rng) {
  std::normal_distribution<float> dist(0, 1);
  std::vector<float> x(m * k);
  for (float& v : x) v = dist(*rng);
  for (size_t i = 0; i < k && m > 1; ++i) x[k + i] = 0;  // an all-zero row: scale 0
  if (m > 2) x[2 * k + 5] = 40;                          // an outlier dominating its block
  return x;
}

struct Quantized {
  std::vector<int8_t> q;
  std::vector<float> scale;
  std::vector<int32_t> zsum;
};

Quantized Quantize(const std::vector<float>& x, size_t m, size_t k, bool scalar) {
  Quantized out;
  out.q.resize(m * k);
  out.scale.resize(m * k / 32);
  out.zsum.resize(m * k / 32);
  (scalar ? QuantizeActivationsScalar : QuantizeActivations)(x.data(), m, k, out.q.data(),
                                                             out.scale.data(), out.zsum.data());
  return out;
}

TEST(Q4Gemm, PackRecoversExactWeights) {
  std::mt19937 rng(1);
  for (size_t n : {1, 16, 17, 40, 96}) {
    const size_t k = 96;
    Layer l = MakeLayer(n, k, &rng);
    Q4Linear q;
    ASSERT_TRUE(PackQ4(l.packed, &q)) << n;
    ASSERT_EQ(q.num_tiles(), (n + 15) / 16);
    for (size_t c = 0; c < n; ++c) {
      const size_t t = c / 16, tc = c % 16;
      for (size_t kk = 0; kk < k; ++kk) {
        const size_t kb = kk / 32, i = kk % 32, h = (i % 16) / 4, e = i % 4;
        const uint8_t byte = q.q[(t * q.blocks() + kb) * kQ4TileBytes + (h * 16 + tc) * 4 + e];
        const int code = (i < 16 ? byte & 0xF : byte >> 4) - 8;
        const float s = q.scales[(t * q.blocks() + kb) * 16 + tc];
        ASSERT_EQ(static_cast<float>(code) * s, l.w[c * k + kk]) << c << " " << kk;
      }
    }
  }
}

TEST(Q4Gemm, PackRejectsUnrepresentableWeights) {
  std::mt19937 rng(2);
  std::normal_distribution<float> dist(0, 1);
  std::vector<float> w(32 * 64);
  for (float& v : w) v = dist(rng);
  Q4Linear q;
  EXPECT_FALSE(PackQ4(PackLinear(w.data(), nullptr, 32, 64), &q));
  EXPECT_FALSE(PackQ4(PackLinear(w.data(), nullptr, 32, 48), &q));  // k % 32 != 0
}

// The SIMD quantizer handles up to 16 blocks of a row together, so the widths cover one block, a
// partial group (the model's 384 = 12 blocks), exactly one group, one block past it and the
// model's 1536 (three groups). Each block gets its own magnitude (2^-6 .. 2^6 times the normal
// draws), so a scale or code sum that landed in another block's lane would show.
TEST(Q4Gemm, QuantizeMatchesScalarAndFakeQuantization) {
  std::mt19937 rng(3);
  const size_t m = 9;
  for (size_t k : {32, 128, 384, 512, 544, 1536}) {
    std::vector<float> x = Activations(m, k, &rng);
    for (size_t i = 0; i < m * k; ++i) x[i] = std::ldexp(x[i], static_cast<int>(i / 32 % 13) - 6);
    const Quantized a = Quantize(x, m, k, false), b = Quantize(x, m, k, true);
    EXPECT_EQ(a.q, b.q) << k;
    EXPECT_EQ(a.scale, b.scale) << k;
    EXPECT_EQ(a.zsum, b.zsum) << k;
    std::vector<float> fake(m * k);
    FakeQuantizeInt8Blocks(x.data(), m, k, 32, fake.data());
    for (size_t r = 0; r < m; ++r) {
      for (size_t i = 0; i < k; ++i) {
        ASSERT_EQ(static_cast<float>(a.q[r * k + i]) * a.scale[r * k / 32 + i / 32],
                  fake[r * k + i])
            << k;
      }
    }
  }
}

TEST(Q4Gemm, MatchesScalarAndDoubleReferenceOnAllShapes) {
  std::mt19937 rng(4);
  for (size_t k : {32, 64, 384}) {
    for (size_t n : {5, 16, 24, 32, 48, 80}) {
      Layer l = MakeLayer(n, k, &rng);
      Q4Linear w;
      ASSERT_TRUE(PackQ4(l.packed, &w));
      Q4Linear expanded = w;  // the AMX kernel reads its copy of the codes (if the CPU has AMX)
      ExpandQ4ForAmx(&expanded);
      // Every row count of a last group of 16 (the AMX kernel has one instance per count, and
      // sends groups of up to 4 rows to the VNNI kernel), alone and after full groups.
      for (size_t m : {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 21, 31, 32, 64, 67,
                       130}) {
        const std::vector<float> x = Activations(m, k, &rng);
        const Quantized a = Quantize(x, m, k, false);
        const size_t ldy = n + 3;
        const size_t tiles = w.num_tiles();
        // Whole range, and a range starting at an odd tile (a single-tile pass first).
        for (auto [t0, t1] : {std::pair<size_t, size_t>{0, tiles}, {tiles > 1 ? 1 : 0, tiles}}) {
          std::vector<float> ys(m * ldy, -7);
          Q4GemmOn(Q4Path::kScalar, a.q.data(), a.scale.data(), a.zsum.data(), m, w, ys.data(), ldy,
                   t0, t1);
          for (Q4Path path : {Q4Path::kScalar, Q4Path::kAvx2, Q4Path::kAvx512Vnni, Q4Path::kAmx}) {
            if (!Q4PathSupported(path)) continue;
            SCOPED_TRACE(Q4PathName(path));
            std::vector<float> y(m * ldy, -7);
            Q4GemmOn(path, a.q.data(), a.scale.data(), a.zsum.data(), m, w, y.data(), ldy, t0, t1);
            if (path == Q4Path::kAmx) {
              std::vector<float> ye(m * ldy, -7);
              Q4GemmOn(path, a.q.data(), a.scale.data(), a.zsum.data(), m, expanded, ye.data(), ldy,
                       t0, t1);
              ASSERT_EQ(ye, y) << "with the expanded copy: k=" << k << " n=" << n << " m=" << m;
            }
            for (size_t r = 0; r < m; ++r) {
              for (size_t c = 0; c < ldy; ++c) {
                const bool inside = c >= t0 * 16 && c < std::min(n, t1 * 16);
                if (!inside) {
                  ASSERT_EQ(y[r * ldy + c], -7) << "wrote outside its columns: " << r << "," << c;
                  continue;
                }
                ASSERT_EQ(y[r * ldy + c], ys[r * ldy + c])
                    << "k=" << k << " n=" << n << " m=" << m << " r=" << r << " c=" << c;
                double ref = l.bias[c], mag = std::fabs(l.bias[c]);
                for (size_t kk = 0; kk < k; ++kk) {
                  const double xv =
                      static_cast<double>(a.q[r * k + kk]) * a.scale[r * k / 32 + kk / 32];
                  ref += xv * l.w[c * k + kk];
                  mag += std::fabs(xv * l.w[c * k + kk]);
                }
                ASSERT_NEAR(y[r * ldy + c], ref, 1e-5 * mag + 1e-6) << m << " " << n << " " << k;
              }
            }
          }
        }
      }
    }
  }
}

TEST(Q4Gemm, Fp32ActivationsEqualTheUnpackedGemm) {
  std::mt19937 rng(5);
  for (size_t k : {32, 96, 384}) {
    for (size_t n : {5, 16, 24, 32, 48, 80}) {
      Layer l = MakeLayer(n, k, &rng);
      Q4Linear w;
      ASSERT_TRUE(PackQ4(l.packed, &w));
      std::vector<float> a(k * kPanel), b(k * kPanel);
      for (size_t t = 0; t < w.num_tiles(); t += 2) {
        DequantizePanel(w, t, a.data(), true);
        DequantizePanel(w, t, b.data(), false);
        ASSERT_EQ(a, b) << n << " " << k << " " << t;
        ASSERT_TRUE(std::equal(a.begin(), a.end(), l.packed.panels.begin() + t / 2 * k * kPanel));
      }
      for (size_t m : {1, 3, 8, 9, 16, 17, 130}) {
        std::normal_distribution<float> dist(0, 1);
        std::vector<float> x(m * k);
        for (float& v : x) v = dist(rng);
        const size_t ldy = n + 1;
        std::vector<float> y(m * ldy, -7), ref(m * ldy, -7);
        Q4GemmF32(x.data(), m, w, y.data(), ldy, 0, w.num_tiles());
        LinearPanels(x.data(), m, l.packed, ref.data(), ldy, 0, l.packed.num_panels());
        ASSERT_EQ(y, ref) << m << " " << n << " " << k;
        if (w.num_tiles() > 2) {  // a range starting at the second pair
          std::fill(y.begin(), y.end(), -7.0f);
          Q4GemmF32(x.data(), m, w, y.data(), ldy, 2, w.num_tiles());
          for (size_t r = 0; r < m; ++r) {
            for (size_t c = 0; c < ldy; ++c) {
              ASSERT_EQ(y[r * ldy + c], c >= 32 && c < n ? ref[r * ldy + c] : -7.0f) << r << c;
            }
          }
        }
      }
    }
  }
}

// The shipped model's MatMulNBits weights, dequantized by the loader, must repack exactly: this
// is what puts the encoder on the int4 x int8 path.
TEST(Q4Gemm, ShippedModelWeightsRepack) {
  const std::string dir = test::DefaultModelDirOrFail();
  ASSERT_FALSE(dir.empty());
  auto onnx = LoadOnnxWeights(Env::Default(), dir + "/onnx/model_q4.onnx");
  ASSERT_TRUE(onnx.ok()) << onnx.status().ToString();
  EXPECT_EQ(onnx->accuracy_level, 4);
  EXPECT_EQ(onnx->block_size, 32);
  auto config_json = ReadFileToString(Env::Default(), dir + "/config.json");
  ASSERT_TRUE(config_json.ok());
  auto config = ParseBertConfig(*config_json);
  ASSERT_TRUE(config.ok());
  auto weights = BuildBertWeights(*config, std::move(onnx->tensors));
  ASSERT_TRUE(weights.ok()) << weights.status().ToString();
  for (const BertLayer& layer : weights->layers) {
    for (const PackedLinear* p : {&layer.qkv, &layer.out, &layer.fc1, &layer.fc2}) {
      Q4Linear q;
      EXPECT_TRUE(PackQ4(*p, &q)) << p->n << "x" << p->k;
    }
  }
}

}  // namespace
}  // namespace semble::embed
