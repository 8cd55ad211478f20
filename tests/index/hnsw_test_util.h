// Copyright 2026 The semble Authors.
//
// Data and recall helpers shared by the HNSW tests. Ground truth comes from FlatIndex, an exact
// search written independently of the graph code.

#ifndef SEMBLE_TESTS_INDEX_HNSW_TEST_UTIL_H_
#define SEMBLE_TESTS_INDEX_HNSW_TEST_UTIL_H_

#include <cmath>
#include <algorithm>
#include <cstdint>
#include <memory>
#include <numeric>
#include <random>
#include <set>
#include <vector>

#include "index/flat_index.h"
#include "index/hnsw_index.h"

namespace semble::index::testing {

struct Data {
  uint32_t dims = 0;
  size_t n = 0;
  std::vector<float> base;     // n * dims
  std::vector<float> queries;  // nq * dims
  size_t nq = 0;
  const float* row(size_t i) const { return &base[i * dims]; }
  const float* query(size_t i) const { return &queries[i * dims]; }
};

// "Real-ish" data: a mixture of anisotropic Gaussian clusters (like embeddings: topics with their
// own spread), with vector norms varying by 4x so that dot-product differs from cosine. Queries
// come from the same distribution but are not in the base.
inline Data Clustered(size_t n, size_t nq, uint32_t dims, uint64_t seed, size_t clusters = 40) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> uniform(0.5f, 2.0f);
  std::vector<float> centers(clusters * dims), spread(clusters * dims);
  for (float& c : centers) c = normal(rng);
  for (float& s : spread) s = 0.2f + 0.6f * std::fabs(normal(rng));
  Data d;
  d.dims = dims;
  d.n = n;
  d.nq = nq;
  auto gen = [&](float* out) {
    const size_t c = rng() % clusters;
    const float scale = uniform(rng);
    for (uint32_t j = 0; j < dims; ++j) {
      out[j] = scale * (centers[c * dims + j] + spread[c * dims + j] * normal(rng));
    }
  };
  d.base.resize(n * dims);
  d.queries.resize(nq * dims);
  for (size_t i = 0; i < n; ++i) gen(&d.base[i * dims]);
  for (size_t i = 0; i < nq; ++i) gen(&d.queries[i * dims]);
  return d;
}

// Isotropic Gaussian vectors: no structure for the graph to exploit.
inline Data Random(size_t n, size_t nq, uint32_t dims, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Data d;
  d.dims = dims;
  d.n = n;
  d.nq = nq;
  d.base.resize(n * dims);
  d.queries.resize(nq * dims);
  for (float& x : d.base) x = normal(rng);
  for (float& x : d.queries) x = normal(rng);
  return d;
}

// An index of `dims` dimensions with these parameters, or nullptr if Create refuses them;
// `tweak` sets any other option.
inline std::unique_ptr<HnswIndex> MakeIndex(uint32_t dims, Metric metric, QuantizerKind q,
                                            uint32_t m = 16, uint32_t efc = 200,
                                            void (*tweak)(HnswOptions*) = nullptr) {
  HnswOptions o;
  o.dimensions = dims;
  o.metric = metric;
  o.quantizer = q;
  o.m = m;
  o.ef_construction = efc;
  if (tweak != nullptr) tweak(&o);
  auto r = HnswIndex::Create(o);
  return r.ok() ? std::move(r).value() : nullptr;
}

// The slots of `hits` that are among the true top-k, divided by k (recall@k for one query).
// from, from + 1, ..., from + n - 1: every slot of a batch.
inline std::vector<uint32_t> Iota(size_t n, uint32_t from = 0) {
  std::vector<uint32_t> v(n);
  std::iota(v.begin(), v.end(), from);
  return v;
}

inline double Recall(const std::vector<Hit>& truth, const std::vector<Hit>& got, size_t k) {
  std::set<uint32_t> t;
  for (size_t i = 0; i < truth.size() && i < k; ++i) t.insert(truth[i].slot);
  size_t hit = 0;
  for (size_t i = 0; i < got.size() && i < k; ++i) hit += t.count(got[i].slot);
  return t.empty() ? 1.0 : static_cast<double>(hit) / t.size();
}

// A filter over the slots of an index: a yes or no per slot, and the slots that pass, in order.
struct Filter {
  std::vector<uint8_t> allowed;
  std::vector<uint32_t> matching;
};

// A fraction s of the slots, drawn at random: a filter unrelated to where vectors lie.
inline Filter Uniform(size_t n, double s, uint64_t seed) {
  Filter f;
  f.allowed.assign(n, 0);
  std::mt19937_64 rng(seed);
  for (uint32_t i = 0; i < n; ++i) {
    if (std::uniform_real_distribution<double>(0, 1)(rng) < s) {
      f.allowed[i] = 1;
      f.matching.push_back(i);
    }
  }
  return f;
}

// The fraction s of the slots with the largest first coordinate: a filter that follows the data's
// geometry, so many queries have none of their unfiltered neighbours among the matches and the
// walk has to travel to reach them.
inline Filter Geometric(const Data& d, double s) {
  std::vector<uint32_t> order = Iota(d.n);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return d.row(a)[0] > d.row(b)[0]; });
  Filter f;
  f.allowed.assign(d.n, 0);
  order.resize(static_cast<size_t>(std::ceil(s * d.n)));
  for (uint32_t i : order) f.allowed[i] = 1;
  for (uint32_t i = 0; i < d.n; ++i) {
    if (f.allowed[i]) f.matching.push_back(i);
  }
  return f;
}

}  // namespace semble::index::testing

#endif  // SEMBLE_TESTS_INDEX_HNSW_TEST_UTIL_H_
