// Cholesky solves of small symmetric positive definite systems, one per row of a factor.
//
// At the sizes of a row's normal equations (a few to a few dozen unknowns), Eigen's blocked
// triangular and rank-update kernels cost more than the arithmetic; this left-looking
// factorization takes its inner products along contiguous rows instead (Eigen's vectorized dot).
#pragma once

#include <Eigen/Core>
#include <cmath>

#include "lralg/common.hpp"

namespace lralg::detail {

// Solves A x = b for the s x s matrix A given by its lower triangle (row-major, leading
// dimension ld). On return A's lower triangle holds L (A = L L^T) and b holds x; false where A
// is not positive definite (A and b then partly overwritten).
inline bool cholesky_solve(double* A, double* b, index_t s, index_t ld) {
  using Span = Eigen::Map<const Eigen::VectorXd>;
  for (index_t j = 0; j < s; ++j) {
    const Span Lj(A + j * ld, j);
    const double diag = A[j * ld + j] - Lj.squaredNorm();
    if (!(diag > 0.0) || !std::isfinite(diag)) return false;
    const double root = std::sqrt(diag);
    A[j * ld + j] = root;
    for (index_t i = j + 1; i < s; ++i) A[i * ld + j] = (A[i * ld + j] - Span(A + i * ld, j).dot(Lj)) / root;
  }
  for (index_t i = 0; i < s; ++i)
    b[i] = (b[i] - Span(A + i * ld, i).dot(Span(b, i))) / A[i * ld + i];  // L y = b
  for (index_t i = s - 1; i >= 0; --i) {                                  // L^T x = y
    double v = b[i];
    for (index_t c = i + 1; c < s; ++c) v -= A[c * ld + i] * b[c];
    b[i] = v / A[i * ld + i];
  }
  return true;
}

}  // namespace lralg::detail
