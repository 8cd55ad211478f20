// Copyright 2026 The semble Authors.

#include "index/quantizer.h"

#include <algorithm>
#include <cmath>

#include "core/quantized_distance.h"

namespace semble::index {

namespace {

// Training looks at no more than this many vectors: percentiles and means are stable long before.
constexpr size_t kMaxTrainVectors = 20000;

// Evenly spaced sample rows of the training set.
std::vector<size_t> SampleRows(size_t n) {
  const size_t m = std::min(n, kMaxTrainVectors);
  std::vector<size_t> rows(m);
  for (size_t i = 0; i < m; ++i) rows[i] = i * n / m;
  return rows;
}

// std::nearbyint for |x| <= 2^22, in the default rounding mode (to nearest, ties to even) that
// this code never changes: adding 1.5 * 2^23 leaves no bits below the units, so the float
// addition itself rounds, and the subtraction is exact. Inline arithmetic where nearbyint is a
// call into libm on the baseline x86-64 target: a query prepares one weight per dimension.
inline float RoundToNearest(float x) {
  constexpr float kShift = 12582912.0f;  // 1.5 * 2^23
  return (x + kShift) - kShift;
}

}  // namespace

void ScalarQuantizer::Train(const float* vectors, size_t n, uint32_t dims, double clip_fraction) {
  lo_.assign(dims, 0.0f);
  step_.assign(dims, 0.0f);
  if (n == 0) return;
  const std::vector<size_t> rows = SampleRows(n);
  std::vector<float> column(rows.size());
  const size_t lo_rank = static_cast<size_t>(clip_fraction * (rows.size() - 1));
  const size_t hi_rank = rows.size() - 1 - lo_rank;
  for (uint32_t j = 0; j < dims; ++j) {
    for (size_t i = 0; i < rows.size(); ++i) column[i] = vectors[rows[i] * dims + j];
    std::nth_element(column.begin(), column.begin() + lo_rank, column.end());
    const float lo = column[lo_rank];
    std::nth_element(column.begin(), column.begin() + hi_rank, column.end());
    const float hi = column[hi_rank];
    lo_[j] = lo;
    step_[j] = hi > lo ? (hi - lo) / 255.0f : 0.0f;  // a constant dimension costs nothing
  }
}

float ScalarQuantizer::Encode(const float* v, uint8_t* code) const {
  float norm_sq = 0.0f;
  for (size_t j = 0; j < lo_.size(); ++j) {
    float c = 0.0f;
    if (step_[j] > 0.0f) c = std::clamp(std::nearbyint((v[j] - lo_[j]) / step_[j]), 0.0f, 255.0f);
    code[j] = static_cast<uint8_t>(c);
    const float x = lo_[j] + step_[j] * c;
    norm_sq += x * x;
  }
  return norm_sq;
}

double ScalarQuantizer::Residual(const double* v, const uint8_t* code) const {
  double sum = 0.0;
  for (size_t j = 0; j < lo_.size(); ++j) {
    // A float times a code below 256 is exact in double; the sum rounds by 2^-53 relative.
    const double x = static_cast<double>(lo_[j]) + static_cast<double>(step_[j]) * code[j];
    const double diff = v[j] - x;
    sum += diff * diff;
  }
  return std::sqrt(sum);
}

float ScalarQuantizer::NormSquared(const uint8_t* code) const {
  double sum = 0.0;
  for (size_t j = 0; j < lo_.size(); ++j) {
    const double x = static_cast<double>(lo_[j]) + static_cast<double>(step_[j]) * code[j];
    sum += x * x;
  }
  return static_cast<float>(sum);
}

void ScalarQuantizer::PrepareQuery(const float* q, QuantizedQuery* out) const {
  const size_t dims = lo_.size();
  out->weights_i16.resize(dims);
  double offset = 0.0;
  float max_abs = 0.0f;
  for (size_t j = 0; j < dims; ++j) {
    offset += static_cast<double>(q[j]) * lo_[j];
    max_abs = std::max(max_abs, std::fabs(q[j] * step_[j]));
  }
  // Weights q_j * step_j in 12-bit fixed point: their rounding error (1/4094 of the largest) is
  // well below the codes' own (1/510 of a range).
  const float to_fixed = max_abs > 0.0f ? core::kMaxI16Weight / max_abs : 0.0f;
  for (size_t j = 0; j < dims; ++j) {
    out->weights_i16[j] = static_cast<int16_t>(RoundToNearest(q[j] * step_[j] * to_fixed));
  }
  out->offset = static_cast<float>(offset);
  out->scale = to_fixed > 0.0f ? 1.0f / to_fixed : 0.0f;
}

float ScalarQuantizer::Dot(const QuantizedQuery& q, const uint8_t* code) const {
  return q.offset + q.scale * static_cast<float>(
                                  core::DotI16U8(q.weights_i16.data(), code, q.weights_i16.size()));
}

void BinaryQuantizer::Train(const float* vectors, size_t n, uint32_t dims) {
  mean_.assign(dims, 0.0f);
  amp_.assign(dims, 0.0f);
  if (n == 0) return;
  const std::vector<size_t> rows = SampleRows(n);
  std::vector<double> sum(dims, 0.0), dev(dims, 0.0);
  for (size_t r : rows) {
    for (uint32_t j = 0; j < dims; ++j) sum[j] += vectors[r * dims + j];
  }
  for (uint32_t j = 0; j < dims; ++j) mean_[j] = static_cast<float>(sum[j] / rows.size());
  for (size_t r : rows) {
    for (uint32_t j = 0; j < dims; ++j) dev[j] += std::fabs(vectors[r * dims + j] - mean_[j]);
  }
  for (uint32_t j = 0; j < dims; ++j) amp_[j] = static_cast<float>(dev[j] / rows.size());
}

float BinaryQuantizer::Encode(const float* v, uint8_t* code) const {
  std::fill(code, code + code_bytes(), uint8_t{0});
  float norm_sq = 0.0f;
  for (size_t j = 0; j < mean_.size(); ++j) {
    const bool up = v[j] > mean_[j];
    if (up) code[j / 8] |= static_cast<uint8_t>(1u << (j % 8));
    const float x = up ? mean_[j] + amp_[j] : mean_[j] - amp_[j];
    norm_sq += x * x;
  }
  return norm_sq;
}

void BinaryQuantizer::PrepareQuery(const float* q, QuantizedQuery* out) const {
  // q . x^ = sum q_j mean_j - sum q_j amp_j + sum_{bit j set} 2 q_j amp_j.
  const size_t dims = mean_.size();
  out->weights_f32.resize(dims);
  double offset = 0.0;
  for (size_t j = 0; j < dims; ++j) {
    offset += static_cast<double>(q[j]) * (mean_[j] - amp_[j]);
    out->weights_f32[j] = 2.0f * q[j] * amp_[j];
  }
  out->offset = static_cast<float>(offset);
  out->scale = 1.0f;
}

float BinaryQuantizer::Dot(const QuantizedQuery& q, const uint8_t* code) const {
  return q.offset + core::SumSelected(q.weights_f32.data(), code, q.weights_f32.size());
}

}  // namespace semble::index
