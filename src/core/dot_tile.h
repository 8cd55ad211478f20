// Copyright 2026 The semble Authors.
//
// Dot products of many queries with many rows at once, as a matrix product: both sides packed
// into panels, a 12 x 2-vector register tile (6 x 2 with 16 vector registers), one FMA per
// query-row-dimension and no horizontal sums (the shape of a GEMM micro-kernel). For exact search
// with many queries per call, where scoring one pair at a time is compute-bound at about a third of
// this rate. Implemented in distance.cc, with the other kernels: one Highway per-target compilation
// serves them all.
//
// The sums are added in another order than DotProduct's, so they may differ from it in the last
// bits (|difference| <= 2 * n * 2^-24 * sum |a_i b_i|, each being within n * 2^-24 of the exact
// sum): callers that promise DotProduct's exact results use these to choose candidates and score
// the candidates again (index/flat_index.cc).

#ifndef SEMBLE_SRC_CORE_DOT_TILE_H_
#define SEMBLE_SRC_CORE_DOT_TILE_H_

#include <cstddef>
#include <cstdint>

namespace semble::core {

// The most queries per panel on any target (callers may size arrays by it).
inline constexpr size_t kDotTileMaxQueries = 12;
// Queries per panel (the tile's height) on this CPU: 12 where there are 32 vector registers
// (AVX-512, NEON, SVE), 6 where there are 16 (AVX2 and older).
size_t DotTileQueries();
// Rows per panel (the tile's width) on this CPU: two SIMD vectors of floats (32 with AVX-512).
size_t DotTileRows();

// Packs m queries of n floats (query i at q + i * n) into ceil(m / H) panels of [n][H] floats,
// H = DotTileQueries(), zeros past m: panel p at out + p * H * n.
void PackDotTileQueries(const float* q, size_t m, size_t n, float* out);
// Packs `count` rows of n floats (row j at rows + j * n) into ceil(count / R) panels of [n][R]
// floats, R = DotTileRows(), zeros past count: panel p at out + p * R * n.
void PackDotTileRows(const float* rows, size_t count, size_t n, float* out);

// out[i * ldo + j] = sum_t q_i[t] * r_j[t] for the H queries of one query panel and the R rows of
// one row panel (all of them, padding included), over dimensions [t0, t1) of the panels' n: so a
// caller can keep a slice of a row panel in L1 while every query panel passes over it. With
// `accumulate` the sums are added to what out holds (the slices in order give the same sums as
// one call over all of n).
void DotTile(const float* query_panel, const float* row_panel, size_t t0, size_t t1, float* out,
             size_t ldo, bool accumulate);

// How DotTileKeys turns a sum into a key (bigger = closer), for query term q and row term r:
enum class DotTileKey {
  kDot,     // dot
  kScaled,  // dot * r * q (cosine: r and q the inverse norms)
  kNegL2,   // -(q + r - 2 * dot) (negated squared distance: q and r the squared norms)
};

// The keys of one tile's sums, in place: for the H queries i of a tile (sums at tile + i * ldo,
// all R columns) the keys of `form` with q_terms[i] and row_terms[j] (R of them readable), each
// rounded as the scalar expression above evaluates it (no fused operations). masks[i] gets bit j
// set, for j < min(count, 64), when key j >= bars[i]; never for a NaN key or a NaN bar. So a
// caller looks at a row only when its key passes, with one vector compare per SIMD vector of keys.
void DotTileKeys(DotTileKey form, float* tile, size_t ldo, size_t count, const float* q_terms,
                 const float* row_terms, const float* bars, uint64_t* masks);

}  // namespace semble::core

#endif  // SEMBLE_SRC_CORE_DOT_TILE_H_
