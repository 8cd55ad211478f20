// Copyright 2026 The semble Authors.

#include "index/product_candidates.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace semble::index {

namespace {

// A block of rows is packed into panels that fit in L2 (1-2 MiB per core) next to one query
// panel.
constexpr size_t kL2TileBytes = 512 << 10;

}  // namespace

double ProductMargin(core::DotTileKey form, size_t dims, double query_norm, double max_norm) {
  // Each dot product of n terms is within gamma * sum |q_i x_i| <= gamma * |q||x| of the exact one
  // (gamma = n u / (1 - n u), u = 2^-24), squared norms likewise within gamma times themselves,
  // and the additions of the L2 expansion (unfused, each correctly rounded) add a few u of their
  // magnitude; a directly summed squared distance is within gamma * (|q| + |x|)^2.
  const double u = std::ldexp(1.0, -24);
  const double n = static_cast<double>(dims + 4);
  const double gamma = n * u / (1.0 - n * u);
  double e;
  switch (form) {
    case core::DotTileKey::kScaled:  // |key error| <= 2 gamma + 4 ulp on either side
      e = 2 * gamma * 1.01 + 8 * u;
      break;
    case core::DotTileKey::kNegL2:
      e = 2 * (gamma + 3 * u) * (query_norm + max_norm) * (query_norm + max_norm);
      break;
    default:
      e = 2 * gamma * query_norm * max_norm;
  }
  const double margin = 2 * 2 * e;
  return std::isfinite(margin) ? margin : std::numeric_limits<double>::infinity();
}

std::vector<ProductCandidates> FindProductCandidates(const float* queries, size_t num_queries,
                                                     size_t dims, size_t k, core::DotTileKey form,
                                                     const float* q_terms, const float* margins,
                                                     size_t num_rows, ProductRows* rows) {
  const size_t n = dims;
  const size_t width = core::DotTileRows(), height = core::DotTileQueries();
  const size_t padded_queries = (num_queries + height - 1) / height * height;
  std::vector<float> packed_q(padded_queries * n);
  core::PackDotTileQueries(queries, num_queries, n, packed_q.data());
  std::vector<float> padded_q_terms(padded_queries, 0.0f);
  std::copy_n(q_terms, num_queries, padded_q_terms.begin());
  // Rows in blocks whose packed panels fit in L2 next to one query panel.
  const size_t block_rows =
      std::max(width, (kL2TileBytes * 2 / (n * sizeof(float))) / width * width);
  std::vector<float> packed_rows((block_rows + width) * n);
  std::vector<float> row_terms(block_rows + width, 0.0f);  // DotTileKeys reads whole panels
  std::vector<uint8_t> live(block_rows, 0);

  struct Query {
    explicit Query(size_t k) : top(k) {}
    core::TopK top;  // the best product keys
    float margin = 0;
    // Past this many candidates, after pruning, the query gives up the product, so memory stays
    // bounded by queries x cap.
    size_t cap = 0;
  };
  std::vector<Query> state;
  state.reserve(num_queries);
  std::vector<ProductCandidates> out(num_queries);
  for (size_t i = 0; i < num_queries; ++i) {
    Query& st = state.emplace_back(k);
    st.cap = std::max<size_t>(4096, 8 * k);
    st.margin = margins[i];
  }

  // Blocking as in a BLAS GEMM: a slice of at most kSliceDims dimensions of one row panel (32 KB
  // with AVX-512) stays in L1 while the query panels of a block of about kBlockQueries pass over
  // it (their slices, from L2), and the block's sums collect in `sums` (L2) until the last slice
  // is in. The slices are of equal size (784 dimensions: 4 x 196, not 3 x 256 + 16), so no call
  // pays the accumulators' loads and stores for a handful of dimensions.
  constexpr size_t kSliceDims = 256, kBlockQueries = 128, kGroupBytes = 4 << 20;
  const size_t block_queries = (kBlockQueries + height - 1) / height * height;
  const size_t num_slices = (n + kSliceDims - 1) / kSliceDims;
  std::vector<float> sums(block_queries * block_rows);
  std::vector<float> bars(height);
  std::vector<uint64_t> masks(height);
  const float kNaN = std::numeric_limits<float>::quiet_NaN();
  // Queries in groups whose packed panels stay in the last-level cache (kGroupBytes): every row
  // block streams all of a group's queries past it, so with all the queries at once (31 MB for
  // 10,000 x 784) that stream came from memory, once per row block, and 10,000 queries per call
  // ran ~6% slower per query than 1,000 (process CPU time). The rows are read and packed again
  // for each group (~35 ms per 60,000 x 784 each time); with groups, 10,000 queries per call ran
  // ~10% faster than without (bench/RESULTS.md). Each query still sees every row once, in order.
  const size_t group_queries =
      std::max(block_queries, kGroupBytes / (n * sizeof(float)) / block_queries * block_queries);
  for (size_t g0 = 0; g0 < num_queries; g0 += group_queries) {
    const size_t g1 = std::min(num_queries, g0 + group_queries);
    for (size_t r0 = 0; r0 < num_rows; r0 += block_rows) {
      const size_t count = std::min(block_rows, num_rows - r0);
      const size_t panels = (count + width - 1) / width;
      std::fill(row_terms.begin(), row_terms.end(), 0.0f);
      rows->Read(r0, count, packed_rows.data(), row_terms.data(), live.data());
      const float* block = packed_rows.data();
      for (size_t b0 = g0; b0 < g1; b0 += block_queries) {
        const size_t b1 = std::min(g1, b0 + block_queries);
        const size_t ld = panels * width;
        for (size_t s = 0; s < num_slices; ++s) {
          const size_t t0 = n * s / num_slices, t1 = n * (s + 1) / num_slices;
          for (size_t p = 0; p < panels; ++p) {
            for (size_t q0 = b0; q0 < b1; q0 += height) {
              core::DotTile(packed_q.data() + q0 * n, block + p * width * n, t0, t1,
                            sums.data() + (q0 - b0) * ld + p * width, ld, s > 0);
            }
          }
        }
        for (size_t q0 = b0; q0 < b1; q0 += height) {
          for (size_t p = 0; p < panels; ++p) {
            float* tile = sums.data() + (q0 - b0) * ld + p * width;
            const size_t at = p * width, in_panel = std::min(width, count - at);
            // The bars as they stand before the panel: a bar only rises while the panel is looked
            // at, so the masks are a superset of the keys past the current bar, checked again
            // below.
            for (size_t i = 0; i < height; ++i) {
              const bool active = q0 + i < num_queries && !out[q0 + i].gave_up;
              bars[i] = active ? state[q0 + i].top.threshold() - state[q0 + i].margin : kNaN;
            }
            for (size_t j0 = 0; j0 < in_panel; j0 += 64) {  // masks hold 64 rows
              core::DotTileKeys(form, tile + j0, ld, in_panel - j0, padded_q_terms.data() + q0,
                                row_terms.data() + at + j0, bars.data(), masks.data());
              for (size_t i = 0; i < height; ++i) {
                uint64_t mask = masks[i];
                if (mask == 0) continue;
                Query& st = state[q0 + i];
                ProductCandidates& found = out[q0 + i];
                const float* keys = tile + i * ld + j0;
                float bar = st.top.threshold() - st.margin;
                for (; mask != 0; mask &= mask - 1) {
                  const size_t j = static_cast<size_t>(std::countr_zero(mask));
                  const float key = keys[j];
                  if (!(key >= bar) || !live[at + j0 + j]) continue;  // NaN never passes
                  const uint32_t row = static_cast<uint32_t>(r0 + at + j0 + j);
                  const float t = st.top.threshold();
                  found.rows.push_back({key, row});
                  if (key >= t) {
                    st.top.Push(key, row);
                    bar = st.top.threshold() - st.margin;
                  }
                  if (found.rows.size() > st.cap) {
                    std::erase_if(found.rows,
                                  [&](const core::ScoredSlot& c) { return !(c.key >= bar); });
                    if (found.rows.size() > st.cap / 2) {
                      found.gave_up = true;
                      std::vector<core::ScoredSlot>().swap(found.rows);
                      break;
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  for (size_t i = 0; i < num_queries; ++i) {
    out[i].floor = state[i].top.threshold() - state[i].margin;
  }
  return out;
}

}  // namespace semble::index
