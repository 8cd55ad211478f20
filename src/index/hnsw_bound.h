// Copyright 2026 The semble Authors.
//
// Lower-bound codes for the float32 walk (HnswOptions::bound_codes). A float32 query at 784
// dimensions is bound by memory traffic: ~50 cache lines per scored vector, most of them for
// candidates that turn out farther than the walk's ef-th result and change nothing. With bound
// codes each layer-0 record holds an sq8 code of its vector (13 lines at 784 dimensions) and a
// per-node "slack"; the walk computes from them a number that is PROVABLY no larger than the
// distance the float32 walk itself would compute (the very float the kernel returns, rounding
// included), and rules a candidate out when that number is already above the walk's bound.
// Only the others are scored on the float32 vector. Since a candidate is ruled out only when the
// float32 walk would have rejected it too, every decision, and so every result, is the float32
// walk's, bit for bit (tests/index/hnsw_bound_test.cc).
//
// The bounds, with x the stored vector (x/|x| under cosine), x^ = lo + step * code its code's
// reconstruction as a real number and r = |x - x^| (computed in double at encode time; values
// outside the trained ranges only make r larger, so no range needs to hold for the bound to):
//   euclidean  |q - x| >= |q - x^| - r                        (triangle inequality)
//   dot, cos   -q.x >= -q.x^ - |q| r                          (Cauchy-Schwarz)
// q.x^ comes from sq8's integer kernel (exact), widened by the rounding of the query's weights,
// which is known per query. Every float operation of the float32 side is accounted for too: the
// kernel's result lies within (n + 3) units of rounding of the real distance (relative, for the
// sums of squares of L2; in units of |q||x| for the dot products; plus 1/|x|'s own error under
// cosine, measured per node). Each margin is about twice the error it covers; all of them
// together are ~1e-3 of a distance at 784 dimensions, below what separates most of the
// candidates a walk rejects. Overflow or NaN anywhere gives no bound.

#ifndef SEMBLE_SRC_INDEX_HNSW_BOUND_H_
#define SEMBLE_SRC_INDEX_HNSW_BOUND_H_

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "index/hnsw_internal.h"
#include "index/quantizer.h"

namespace semble::index {

// Float's unit roundoff (round to nearest).
constexpr double kUnitRoundoff = 0x1p-24;
// Vectors and queries longer than this get no bounds: (2 * 2^60)^2 = 2^122 stays far below float's
// maximum (~2^128), so no sum of the kernels overflows (see BoundSlack).
constexpr double kMaxBoundedNorm = 0x1p60;

// The slack stored with a node's code: what the bound subtracts per unit of |q|. r = |x - x^| in
// double; norm = |v| of the stored vector v in double; inv = the header 1/|v| the kernel uses
// (cosine). Rounded up to a float; +infinity (no bound for this node) when anything overflowed.
inline float BoundSlack(Metric metric, uint32_t dims, double r, double norm, float inv) {
  const double u = kUnitRoundoff;
  const double kernel = 2.0 * (dims + 8) * u;  // ~2x the dot kernel's (n + 2) u
  // The float32 kernels' error bounds hold while nothing they add up overflows: with |v| and |q|
  // (WalkBound) both at most kMaxBoundedNorm, no partial sum can reach float's maximum. A larger
  // vector is always scored on its floats.
  if (!(norm <= kMaxBoundedNorm)) return std::numeric_limits<float>::infinity();
  double s = r;
  switch (metric) {
    case Metric::kEuclidean:
      break;  // the kernel's error is relative to the distance: the query side accounts for it
    case Metric::kDotProduct:
      s += kernel * norm;
      break;
    case Metric::kCosine: {
      // The kernel multiplies by the stored 1/|v|, whose own error (from summing v's squares in
      // float) is measured here rather than bounded: tiny or subnormal values make it large.
      const double eta = std::fabs(static_cast<double>(inv) * norm - 1.0);
      const double a = eta + 2.0 * u * (1.0 + eta);
      if (!(a < 1.0)) return std::numeric_limits<float>::infinity();
      // Products below float's normal range add up to 2^-149 each, relative to |q||v| >= |v|/2.
      s += a + kernel * (1.0 + a) + dims * 0x1p-147 / norm;
      break;
    }
  }
  // The double arithmetic of r (x^ and the normalized x rounded by 2^-53 per component).
  const double ref = metric == Metric::kCosine ? 1.0 : norm;
  s = s * (1.0 + 0x1p-30) + 0x1p-30 * (ref + r);
  if (!(s < std::numeric_limits<float>::max())) return std::numeric_limits<float>::infinity();
  float f = static_cast<float>(s);
  if (static_cast<double>(f) < s) f = std::nextafter(f, std::numeric_limits<float>::infinity());
  return f;
}

// A value > bound, for a candidate whose lower bound lb > bound rules it out: the walk's
// distances may return any value above the bound they were given for such a candidate (see
// HnswIndex::Impl::ExactDist), and nothing reads it.
inline float AboveBound(double lb, float bound) {
  const float f = static_cast<float>(lb);
  return f > bound ? f : std::nextafter(bound, std::numeric_limits<float>::infinity());
}

// A query prepared for the bounds: O(dimensions) once, then one pass over a node's code per bound,
// with sq8's own kernel (int16 query weights times the uint8 codes, exact in int32: pmaddwd) —
// a float kernel over the codes cost as much per node as the early-exit L2 over the floats did.
class WalkBound {
 public:
  // q as the walk's distances take it (normalized under cosine). The index must be bounded and
  // trained, under the lock that keeps its quantizer from being retrained.
  WalkBound(const HnswIndex::Impl& g, const float* q) : g_(g) {
    const double u = kUnitRoundoff;
    const uint32_t n = g.dims;
    const float* lo = g.sq.lo().data();
    const float* step = g.sq.step().data();
    g.sq.PrepareQuery(q, &qq_);
    scale_ = qq_.scale;
    // q.x^ = q.lo + sum (q_j step_j) c_j; the kernel sums W_j c_j with W_j * scale ~ q_j step_j.
    // Whatever the rounding of the weights was, |sum (q_j step_j - W_j scale) c_j| <= 255 *
    // sum |q_j step_j - W_j scale|, computed here from the weights themselves (products of floats
    // are exact in double).
    double qlo = 0.0, abs_lo = 0.0, weights_err = 0.0, q_sq = 0.0;
    for (uint32_t j = 0; j < n; ++j) {
      const double qj = q[j];
      qlo += qj * lo[j];
      abs_lo += std::fabs(qj * lo[j]);
      weights_err += std::fabs(qj * step[j] - qq_.weights_i16[j] * scale_);
      q_sq += qj * qj;
    }
    qlo_ = qlo;
    // The weights, the double sums (2^-53 per term, far inside 2^-40), and products below
    // float's normal range in the float32 dot kernel (2^-149 each).
    err_ = 255.0 * weights_err * (1.0 + 0x1p-40) + 0x1p-40 * abs_lo + n * 0x1p-130;
    q_sq_ = q_sq;
    qnorm_ = std::sqrt(q_sq) * (1.0 + 0x1p-40);
    rel_ = 2.0 * (n + 8) * u;
    floor_ = n * 0x1p-120;  // L2's sums of squares below float's normal range
    // Cosine's slack assumes a normalized query (|q| >= 1/2); a degenerate one walks unbounded.
    if (g.o.metric == Metric::kCosine && !(qnorm_ >= 0.5)) enabled_ = false;
    if (!(qnorm_ <= kMaxBoundedNorm)) enabled_ = false;
    if (!std::isfinite(err_) || !std::isfinite(qlo_) || !std::isfinite(q_sq_) ||
        !std::isfinite(scale_)) {
      enabled_ = false;
    }
  }

  bool enabled() const { return enabled_; }

  // A lower bound on g.ExactDist(q, node) as the float32 walk computes it; -infinity when none.
  double Lower(uint32_t node) const {
    constexpr double kNone = -std::numeric_limits<double>::infinity();
    const uint8_t* rec = g_.Code(node);
    float slack;
    std::memcpy(&slack, rec + g_.slack_offset, sizeof(float));
    const int32_t raw = g_.dot_i16u8(qq_.weights_i16.data(), rec + g_.bound_code_offset, g_.dims);
    const double dot = raw * scale_;
    const double qx = qlo_ + dot;  // q.x^, within qx_err of it
    const double qx_err = err_ + 0x1p-40 * std::fabs(dot);
    if (g_.o.metric != Metric::kEuclidean) {
      const double lb = -qx - qx_err - qnorm_ * slack;
      return std::isnan(lb) ? kNone : lb;
    }
    // |q - x^|^2 = |q|^2 + |x^|^2 - 2 q.x^, the stored |x^|^2 within half a unit of float; the
    // double arithmetic's own rounding (a cancellation of terms of up to |q|^2 + |x^|^2) by 2^-45.
    const double xx = g_.Header(node);
    const double t = q_sq_ + xx * (1.0 - 2.0 * kUnitRoundoff) - 2.0 * qx - 2.0 * qx_err -
                     0x1p-45 * (q_sq_ + xx + 2.0 * std::fabs(qx));
    if (!(t > 0.0) || !std::isfinite(t)) return kNone;
    const double root = std::sqrt(t) - slack;  // |q - x| >= |q - x^| - r
    if (!(root > 0.0)) return kNone;
    // The kernel's float sum of squares is at least (1 - (n + 3) u) times the real one.
    return root * root * (1.0 - rel_) - floor_;
  }

 private:
  const HnswIndex::Impl& g_;
  QuantizedQuery qq_;
  double scale_ = 0.0, qlo_ = 0.0, err_ = 0.0, q_sq_ = 0.0, qnorm_ = 0.0, rel_ = 0.0, floor_ = 0.0;
  bool enabled_ = true;
};

// The walk's distance with the bound in front: a candidate is scored on its float32 vector only
// when the walk's bound is finite (its ef results are full) and the code cannot rule it out.
template <class Exact>
auto BoundedDist(const WalkBound& wb, const Exact& exact) {
  return [&wb, &exact](uint32_t n, float bound) {
    if (bound < std::numeric_limits<float>::infinity()) {
      const double lb = wb.Lower(n);
      if (lb > bound) return AboveBound(lb, bound);
    }
    return exact(n, bound);
  };
}

}  // namespace semble::index

#endif  // SEMBLE_SRC_INDEX_HNSW_BOUND_H_
