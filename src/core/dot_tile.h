// Copyright 2026 The semble Authors.
//
// Dot products of many queries with many rows at once, as a matrix product: both sides packed
// into panels, an 8 x 2-vector register tile, one FMA per query-row-dimension and no horizontal
// sums (the shape of a GEMM micro-kernel). For exact search with many queries per call, where
// scoring one pair at a time is compute-bound at about a third of this rate. Implemented in
// distance.cc, with the other kernels: one Highway per-target compilation serves them all.
//
// The sums are added in another order than DotProduct's, so they may differ from it in the last
// bits (|difference| <= 2 * n * 2^-24 * sum |a_i b_i|, each being within n * 2^-24 of the exact
// sum): callers that promise DotProduct's exact results use these to choose candidates and score
// the candidates again (index/flat_index.cc).

#ifndef SEMBLE_SRC_CORE_DOT_TILE_H_
#define SEMBLE_SRC_CORE_DOT_TILE_H_

#include <cstddef>

namespace semble::core {

// Queries per panel (the tile's height).
inline constexpr size_t kDotTileQueries = 8;
// Rows per panel (the tile's width) on this CPU: two SIMD vectors of floats (32 with AVX-512).
size_t DotTileRows();

// Packs m queries of n floats (query i at q + i * n) into ceil(m / 8) panels of [n][8] floats,
// zeros past m: panel p at out + p * 8 * n.
void PackDotTileQueries(const float* q, size_t m, size_t n, float* out);
// Packs `count` rows of n floats (row j at rows + j * n) into ceil(count / R) panels of [n][R]
// floats, R = DotTileRows(), zeros past count: panel p at out + p * R * n.
void PackDotTileRows(const float* rows, size_t count, size_t n, float* out);

// out[i * ldo + j] = sum_t q_i[t] * r_j[t] for the 8 queries of one query panel and the R rows of
// one row panel (all of them, padding included), over dimensions [t0, t1) of the panels' n: so a
// caller can keep a slice of a row panel in L1 while every query panel passes over it. With
// `accumulate` the sums are added to what out holds (the slices in order give the same sums as
// one call over all of n).
void DotTile(const float* query_panel, const float* row_panel, size_t t0, size_t t1, float* out,
             size_t ldo, bool accumulate);

}  // namespace semble::core

#endif  // SEMBLE_SRC_CORE_DOT_TILE_H_
