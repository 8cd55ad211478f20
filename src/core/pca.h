// Copyright 2026 The semble Authors.
//
// The first principal components of a small set of vectors, for drawing a 2-D map of an index:
// PCA is linear and deterministic, so a query projected with the same components lands where its
// neighbours are, and the map does not change between two identical requests (t-SNE / UMAP do
// neither).

#ifndef SEMBLE_SRC_CORE_PCA_H_
#define SEMBLE_SRC_CORE_PCA_H_

#include <cstddef>
#include <vector>

namespace semble::core {

struct Pca {
  std::vector<float> mean;                     // dims
  std::vector<std::vector<float>> components;  // each dims, unit length, orthogonal
  std::vector<double> explained;               // fraction of the total variance per component

  // Coordinates of v (dims floats) on the components.
  std::vector<float> Project(const float* v) const;
};

// Fits `k` components to n vectors of `dims` floats (row-major) by power iteration with deflation.
// n may be smaller than dims; components beyond the data's rank come out as zero vectors with 0
// explained variance.
Pca FitPca(const float* data, size_t n, size_t dims, size_t k);

}  // namespace semble::core

#endif  // SEMBLE_SRC_CORE_PCA_H_
