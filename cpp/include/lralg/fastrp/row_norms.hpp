// Per-row quantities shared by both schedules: squared norms in a fixed
// summation order, the factor a row enters the embedding with, the test that
// tells a zero row from rounding noise, row sums and the per-node factors
// made from them.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "lralg/common.hpp"
#include "lralg/fastrp/options.hpp"
#include "lralg/sparse.hpp"

namespace lralg {
namespace detail {

// Squared l2 norm in double, eight partial sums (a fixed order).
template <class Scalar>
inline double sq_norm(const Scalar* u, index_t k) {
  double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  index_t c = 0;
  for (; c + 8 <= k; c += 8)
    for (int j = 0; j < 8; ++j) s[j] += double(u[c + j]) * double(u[c + j]);
  for (; c < k; ++c) s[0] += double(u[c]) * double(u[c]);
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

// sq_norm(u, k) of a row that is zero outside the columns cols[0 .. m)
// (ascending), in O(m): the same lanes, summed in the same order, and zeros
// add nothing to them, so the result is bit-identical.
template <class Scalar>
inline double sq_norm_sparse(const Scalar* u, const std::int32_t* cols, index_t m, index_t k) {
  double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  const index_t k8 = k - k % 8;
  for (index_t t = 0; t < m; ++t) {
    const index_t c = cols[t];
    s[c < k8 ? (c & 7) : 0] += double(u[c]) * double(u[c]);
  }
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

// The factor a row of U_p enters E with: w / ||row|| (normalize) or w. A
// row norm <= 0 marks a zero row or one that is rounding noise (see
// signed_norm): it enters with 0, never scaled up to unit length.
inline double row_factor(double w, double norm, bool normalize) {
  if (!normalize) return w;
  return norm > 0.0 ? w / norm : 0.0;
}

// The norm of a row computed as a sum of `terms` products whose absolute
// values add up to `bound` (a bound on the norm): returned negated when it is
// below the rounding error of that sum, i.e. the row is zero in exact
// arithmetic up to rounding (paths of the graph that cancel). Normalising
// such a row would blow rounding noise up to a unit vector.
template <class Scalar>
inline double signed_norm(double sq, double bound, index_t terms) {
  const double norm = std::sqrt(sq);
  const double noise = 2.0 * double(terms + 1) * double(std::numeric_limits<Scalar>::epsilon()) * bound;
  return norm > noise ? norm : -norm;
}

// A bound on the norm of row i of M U: |rs| sum_j |A_ij| ||U[j]||, with rs
// the row's scale and norm_of(j) = ||U[j]||.
template <class Scalar, class Index, class NormOf>
inline double product_row_bound(const CsrView<Scalar, Index>& A, index_t i, double rs, NormOf&& norm_of) {
  double b = 0.0;
  for (index_t pa = A.row_begin(i); pa < A.row_end(i); ++pa)
    b += std::abs(double(A.data[pa]) * norm_of(index_t(A.indices[pa])));
  return std::abs(rs) * b;
}

// The row sum of A and the two per-node factors made from it: the row scale
// of M (1/deg, 0 for a node without out-weight: no division by zero) and the
// degree weight of the row of R (deg^beta; 0 for degree <= 0 unless beta == 0).
// f summed over the row's weights in four partial sums (a fixed order): one
// running sum is a chain of dependent adds, and the two-panel schedule
// takes row sums again in every pass rather than keep an n-vector of them.
template <class Scalar, class Index, class F>
inline double row_reduce(const CsrView<Scalar, Index>& A, index_t i, F&& f) {
  double s[4] = {0, 0, 0, 0};
  index_t p = A.row_begin(i);
  const index_t end = A.row_end(i);
  for (; p + 4 <= end; p += 4)
    for (int j = 0; j < 4; ++j) s[j] += f(double(A.data[p + j]));
  for (; p < end; ++p) s[0] += f(double(A.data[p]));
  return (s[0] + s[1]) + (s[2] + s[3]);
}
template <class Scalar, class Index>
inline double row_sum(const CsrView<Scalar, Index>& A, index_t i) {
  return row_reduce(A, i, [](double x) { return x; });
}
inline double transition_scale(double deg, bool transition) {
  return transition ? (deg != 0.0 ? 1.0 / deg : 0.0) : 1.0;
}
inline double degree_weight(double deg, double beta) {
  if (beta == 0.0) return 1.0;
  const double g = deg > 0.0 ? std::pow(deg, beta) : 0.0;
  return std::isfinite(g) ? g : 0.0;
}

// The factor of node i's self term, whose row of R is scaled by `own`
// (the projection's scale times deg^beta) and has `count` entries.
inline double self_term_factor(const FastRPOptions& opt, double own, index_t count) {
  return row_factor(opt.self_influence, std::sqrt(double(count)) * std::abs(own), opt.normalize);
}

}  // namespace detail
}  // namespace lralg
