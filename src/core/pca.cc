// Copyright 2026 The semble Authors.

#include "core/pca.h"

#include <cmath>

namespace semble::core {

std::vector<float> Pca::Project(const float* v) const {
  std::vector<float> out;
  for (const std::vector<float>& c : components) {
    double s = 0;
    for (size_t j = 0; j < c.size(); ++j) s += (double(v[j]) - mean[j]) * c[j];
    out.push_back(static_cast<float>(s));
  }
  return out;
}

Pca FitPca(const float* data, size_t n, size_t dims, size_t k) {
  Pca pca;
  pca.mean.assign(dims, 0.0f);
  if (n == 0 || dims == 0) return pca;
  std::vector<double> mean(dims, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < dims; ++j) mean[j] += data[i * dims + j];
  }
  for (size_t j = 0; j < dims; ++j) {
    mean[j] /= double(n);
    pca.mean[j] = static_cast<float>(mean[j]);
  }
  // Centered copy in double: the sums below run over up to a few thousand rows.
  std::vector<double> x(n * dims);
  double total = 0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < dims; ++j) {
      x[i * dims + j] = data[i * dims + j] - mean[j];
      total += x[i * dims + j] * x[i * dims + j];
    }
  }
  std::vector<std::vector<double>> found;
  std::vector<double> xv(n);
  for (size_t c = 0; c < k; ++c) {
    // A fixed, non-degenerate start keeps the result deterministic.
    std::vector<double> v(dims);
    for (size_t j = 0; j < dims; ++j) v[j] = 1.0 + 0.01 * double((j * 7919 + c * 104729) % 101);
    double lambda = 0;
    for (int iter = 0; iter < 300; ++iter) {
      // Deflate: stay orthogonal to the components already found.
      for (const std::vector<double>& f : found) {
        double d = 0;
        for (size_t j = 0; j < dims; ++j) d += v[j] * f[j];
        for (size_t j = 0; j < dims; ++j) v[j] -= d * f[j];
      }
      double norm = 0;
      for (double a : v) norm += a * a;
      norm = std::sqrt(norm);
      if (norm < 1e-30) break;
      for (double& a : v) a /= norm;
      // v <- X^T X v
      for (size_t i = 0; i < n; ++i) {
        double s = 0;
        for (size_t j = 0; j < dims; ++j) s += x[i * dims + j] * v[j];
        xv[i] = s;
      }
      std::vector<double> next(dims, 0.0);
      for (size_t i = 0; i < n; ++i) {
        for (size_t j = 0; j < dims; ++j) next[j] += x[i * dims + j] * xv[i];
      }
      double next_lambda = 0;
      for (size_t j = 0; j < dims; ++j) next_lambda += next[j] * v[j];
      const bool converged = std::fabs(next_lambda - lambda) <= 1e-9 * std::fabs(next_lambda);
      lambda = next_lambda;
      v = std::move(next);
      if (converged && iter > 10) break;
    }
    for (const std::vector<double>& f : found) {
      double d = 0;
      for (size_t j = 0; j < dims; ++j) d += v[j] * f[j];
      for (size_t j = 0; j < dims; ++j) v[j] -= d * f[j];
    }
    double norm = 0;
    for (double a : v) norm += a * a;
    norm = std::sqrt(norm);
    std::vector<float> comp(dims, 0.0f);
    if (norm > 1e-30 && lambda > 1e-12 * total) {
      for (size_t j = 0; j < dims; ++j) {
        v[j] /= norm;
        comp[j] = static_cast<float>(v[j]);
      }
    } else {
      std::fill(v.begin(), v.end(), 0.0);
      lambda = 0;
    }
    found.push_back(v);
    pca.components.push_back(std::move(comp));
    pca.explained.push_back(total > 0 ? lambda / total : 0.0);
  }
  return pca;
}

}  // namespace semble::core
