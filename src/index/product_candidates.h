// Copyright 2026 The semble Authors.
//
// Candidates of exact search for many queries at once, from a matrix product (core/dot_tile.h):
// what FlatIndex::SearchBatch and HnswIndex::SearchExactMany (the recall calibration's truth)
// share.
//
// The product adds its sums in another order than the one-pair kernels an index scores with, so
// its keys (bigger = closer) may differ from the index's own in the last bits. They only choose
// candidates. A caller that knows a bound e on |product key - its own key| for a query passes a
// margin of at least 2e; each of the k rows its own kernel ranks best then has a product key of at
// least (the k-th best product key) - 2e, so scoring with its own kernel every returned row whose
// product key is at least `floor`, and keeping the best k, gives exactly the answer of scoring
// every row with that kernel.

#ifndef SEMBLE_SRC_INDEX_PRODUCT_CANDIDATES_H_
#define SEMBLE_SRC_INDEX_PRODUCT_CANDIDATES_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/dot_tile.h"
#include "core/top_k.h"

namespace semble::index {

// From this many queries per call the product pays (bench/RESULTS.md, "Exact search"): below it,
// packing the rows costs more than the product saves.
inline constexpr size_t kProductMinQueries = 32;

// Where FindProductCandidates reads its rows, one block at a time (a block is read again for each
// group of queries that passes over it).
class ProductRows {
 public:
  virtual ~ProductRows() = default;
  // Rows [first, first + count), `dims` floats each: packed into row panels at `panels`
  // (core::PackDotTileRows's layout, zeros past count); the key's row term of row first + j in
  // terms[j] (the inverse norm for DotTileKey::kScaled, the squared norm for kNegL2, ignored for
  // kDot); live[j] = whether that row may be a candidate (a row that may not is never returned,
  // whatever its panel holds).
  virtual void Read(size_t first, size_t count, float* panels, float* terms, uint8_t* live) = 0;
};

struct ProductCandidates {
  // Every row whose product key was within the margin of the query's k-th best when the row was
  // seen: a superset of the rows whose key is at least `floor`.
  std::vector<core::ScoredSlot> rows;
  float floor = 0;  // the final k-th best product key less the margin
  // So many rows lay within the margin of each other (duplicates, a degenerate data set) that
  // keeping them would have taken memory in proportion to the rows: the query gave up the product
  // and must be answered by scoring every row. `rows` is empty then.
  bool gave_up = false;
};

// For num_queries queries of `dims` floats (query i at queries + i * dims), with q_terms[i] the
// key's query term of query i (as DotTileKeys takes it) and margins[i] its margin: each query's
// candidates among rows [0, num_rows) of `rows`. Requires dims > 0 and k > 0.
std::vector<ProductCandidates> FindProductCandidates(const float* queries, size_t num_queries,
                                                     size_t dims, size_t k, core::DotTileKey form,
                                                     const float* q_terms, const float* margins,
                                                     size_t num_rows, ProductRows* rows);

// The margin (twice the bound e of the header, doubled again for slack: a wider margin costs only a
// few more exact scores) for a query of norm `query_norm` against rows of norm at most `max_norm`,
// when both sides compute the keys `form` describes from float32 sums over `dims` terms: for
// kScaled, dot * (1/|x|) * (1/|q|) (or a query normalized beforehand and a term of 1); for kNegL2,
// minus the squared distance, whether summed directly or as |q|^2 + |x|^2 - 2 dot; for kDot, the
// dot product. Infinity when the norms are not finite.
double ProductMargin(core::DotTileKey form, size_t dims, double query_norm, double max_norm);

}  // namespace semble::index

#endif  // SEMBLE_SRC_INDEX_PRODUCT_CANDIDATES_H_
