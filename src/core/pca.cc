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
  if (n == 0 || dims == 0) {
    // Nothing to learn from: k zero components, so projections are (0, 0) rather than missing.
    pca.components.assign(k, std::vector<float>(dims, 0.0f));
    pca.explained.assign(k, 0.0);
    return pca;
  }
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
  // Removes the components already found from w, so iteration converges to the next one.
  auto deflate = [&](std::vector<double>* w) {
    for (const std::vector<double>& f : found) {
      double d = 0;
      for (size_t j = 0; j < dims; ++j) d += (*w)[j] * f[j];
      for (size_t j = 0; j < dims; ++j) (*w)[j] -= d * f[j];
    }
  };
  auto norm_of = [](const std::vector<double>& w) {
    double norm = 0;
    for (double a : w) norm += a * a;
    return std::sqrt(norm);
  };
  // Deflates and normalises w. False when (almost) nothing is left: w was (numerically) in the
  // span of the components found, and normalising the rounding residue would only bring one of
  // them back.
  auto deflate_normalize = [&](std::vector<double>* w) {
    const double before = norm_of(*w);
    deflate(w);
    const double after = norm_of(*w);
    if (after < 1e-30 || after <= 1e-9 * before) return false;
    for (double& a : *w) a /= after;
    return true;
  };
  // |X v|^2: the variance (times n) along unit vector v.
  auto rayleigh = [&](const std::vector<double>& v) {
    double sum = 0;
    for (size_t i = 0; i < n; ++i) {
      double s = 0;
      for (size_t j = 0; j < dims; ++j) s += x[i * dims + j] * v[j];
      xv[i] = s;
      sum += s * s;
    }
    return sum;
  };
  for (size_t c = 0; c < k; ++c) {
    // A fixed, non-degenerate start keeps the result deterministic.
    std::vector<double> v(dims);
    for (size_t j = 0; j < dims; ++j) v[j] = 1.0 + 0.01 * double((j * 7919 + c * 104729) % 101);
    bool ok = deflate_normalize(&v);
    double lambda = 0;
    for (int iter = 0; ok && iter < 300; ++iter) {
      const double next_lambda = rayleigh(v);
      std::vector<double> w(dims, 0.0);  // X^T X v
      for (size_t i = 0; i < n; ++i) {
        for (size_t j = 0; j < dims; ++j) w[j] += x[i * dims + j] * xv[i];
      }
      const bool converged = std::fabs(next_lambda - lambda) <= 1e-10 * std::fabs(next_lambda);
      lambda = next_lambda;
      if (!deflate_normalize(&w)) break;  // no variance left outside the components found
      v = std::move(w);
      if (converged && iter > 10) break;
    }
    if (ok) ok = deflate_normalize(&v);
    lambda = ok ? rayleigh(v) : 0.0;
    std::vector<float> comp(dims, 0.0f);
    if (ok && lambda > 1e-12 * total) {
      for (size_t j = 0; j < dims; ++j) comp[j] = static_cast<float>(v[j]);
    } else {
      lambda = 0;
    }
    found.push_back(v);
    pca.components.push_back(std::move(comp));
    pca.explained.push_back(total > 0 ? lambda / total : 0.0);
  }
  return pca;
}

}  // namespace semble::core
