// Copyright 2026 The semble Authors.
//
// Quantizers for HNSW traversal. Both reconstruct a vector as x^_i = base_i + step_i * code_i and
// score a query asymmetrically (float query, quantized vector): q . x^ = offset(q) + sum of
// per-dimension query weights times codes. Euclidean distance follows from the dot product and the
// code's stored |x^|^2, so one kernel serves every metric.
//
//   ScalarQuantizer (sq8): code_i in 0..255 over [lo_i, hi_i], the training values' 0.1% and 99.9%
//     percentiles of dimension i: an outlier is clipped instead of stretching the range (and
//     wasting the 256 levels) for every other vector. The float32 graph's lower-bound codes
//     (hnsw_internal.h) train it on the whole range instead (nothing in the sample clips) and keep
//     each vector's residual |x - x^| beside its code.
//   BinaryQuantizer (bq): code_i = (x_i > mean_i), reconstructed as mean_i +/- amp_i where amp_i is
//     the mean absolute deviation of dimension i; the query stays float (asymmetric), which keeps
//     far more ranking information than Hamming distance between two binary codes.

#ifndef SEMBLE_SRC_INDEX_QUANTIZER_H_
#define SEMBLE_SRC_INDEX_QUANTIZER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace semble::index {

// A query prepared for one quantizer: q . x^ ~= offset + scale * raw(code).
struct QuantizedQuery {
  std::vector<int16_t> weights_i16;  // sq8
  std::vector<float> weights_f32;    // bq
  float offset = 0.0f;
  float scale = 1.0f;
};

class ScalarQuantizer {
 public:
  ScalarQuantizer() = default;
  ScalarQuantizer(std::vector<float> lo, std::vector<float> step)
      : lo_(std::move(lo)), step_(std::move(step)) {}

  // Learns the ranges from n vectors of dims floats: each dimension's clip_fraction and
  // 1 - clip_fraction quantiles (0: its minimum and maximum).
  void Train(const float* vectors, size_t n, uint32_t dims, double clip_fraction = 0.001);
  size_t code_bytes() const { return lo_.size(); }
  // Writes code_bytes() bytes; returns |x^|^2.
  float Encode(const float* v, uint8_t* code) const;
  // |x - x^| for the code Encode wrote for v, in double: x^_i = lo_i + step_i * code_i taken as
  // the real number those floats denote (which is what the float kernels round towards).
  double Residual(const double* v, const uint8_t* code) const;
  // |x^|^2 computed in double and rounded once to float (so within half a unit of its last place).
  float NormSquared(const uint8_t* code) const;
  void PrepareQuery(const float* q, QuantizedQuery* out) const;
  // q . x^ for a prepared query.
  float Dot(const QuantizedQuery& q, const uint8_t* code) const;

  const std::vector<float>& lo() const { return lo_; }
  const std::vector<float>& step() const { return step_; }

 private:
  std::vector<float> lo_, step_;
};

class BinaryQuantizer {
 public:
  BinaryQuantizer() = default;
  BinaryQuantizer(std::vector<float> mean, std::vector<float> amp)
      : mean_(std::move(mean)), amp_(std::move(amp)) {}

  void Train(const float* vectors, size_t n, uint32_t dims);
  size_t code_bytes() const { return (mean_.size() + 7) / 8; }
  float Encode(const float* v, uint8_t* code) const;
  void PrepareQuery(const float* q, QuantizedQuery* out) const;
  float Dot(const QuantizedQuery& q, const uint8_t* code) const;

  const std::vector<float>& mean() const { return mean_; }
  const std::vector<float>& amp() const { return amp_; }

 private:
  std::vector<float> mean_, amp_;
};

}  // namespace semble::index

#endif  // SEMBLE_SRC_INDEX_QUANTIZER_H_
