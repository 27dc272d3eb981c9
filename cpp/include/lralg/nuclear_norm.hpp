// The Matrix Nuclear-Norm of a response matrix (Li et al. 2024, "Large Language Model
// Evaluation via Matrix Nuclear-Norm", arXiv 2410.10672) and the matrix entropy it replaces
// (Wei et al. 2024, "Diff-eRank" / "Large Language Model Evaluation via Matrix Entropy",
// arXiv 2401.17139).
//
// Both read the response matrix X (m x n: m rows, e.g. tokens, of n features) normalised as
// the papers do: each column centred by its mean over the rows, then each row scaled to unit
// Euclidean norm (a row that is zero after centring stays zero). Call that Z.
//
// matrix_nuclear_norm: the L_{1,2} approximation of ||Z||_*, the sum of the D largest column
// norms of Z (D = min(m, n) unless given), in O(m n) time and no SVD.
//
// matrix_entropy: the von Neumann entropy of Sigma = Z^T Z / tr(Z^T Z), -sum_i l_i log l_i over
// its eigenvalues l_i, divided by log n (so it lies in [0, 1]); the eigenvalues come from the
// smaller of the two Gram matrices (Z^T Z or Z Z^T), O(m n min(m, n)) time.
//
// Sums over rows are done in fixed blocks reduced in block order, so the results do not depend
// on the thread count.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "lralg/blas.hpp"
#include "lralg/common.hpp"

namespace lralg {

namespace nuclear_detail {

constexpr index_t kRowBlock = 256;

// The column means of X (row-major m x n), in double.
template <class S>
std::vector<double> column_means(const S* X, index_t m, index_t n) {
  const index_t blocks = (m + kRowBlock - 1) / kRowBlock;
  std::vector<double> partial(std::size_t(blocks * n), 0.0);
  parallel_blocks(m, kRowBlock, [&](index_t b, index_t lo, index_t hi) {
    double* acc = partial.data() + b * n;
    for (index_t i = lo; i < hi; ++i)
      for (index_t j = 0; j < n; ++j) acc[j] += double(X[i * n + j]);
  });
  std::vector<double> mean(std::size_t(n), 0.0);
  for (index_t b = 0; b < blocks; ++b)
    for (index_t j = 0; j < n; ++j) mean[std::size_t(j)] += partial[std::size_t(b * n + j)];
  for (double& v : mean) v /= double(m);
  return mean;
}

// Row i of Z (centred, unit norm) into z (length n).
template <class S>
void normalised_row(const S* X, index_t i, index_t n, const std::vector<double>& mean, double* z) {
  double sq = 0;
  for (index_t j = 0; j < n; ++j) {
    z[j] = double(X[i * n + j]) - mean[std::size_t(j)];
    sq += z[j] * z[j];
  }
  const double inv = sq > 0 ? 1.0 / std::sqrt(sq) : 0.0;
  for (index_t j = 0; j < n; ++j) z[j] *= inv;
}

}  // namespace nuclear_detail

// X row-major (m x n). D: how many column norms to sum (0: min(m, n)).
template <class S>
double matrix_nuclear_norm(const S* X, index_t m, index_t n, index_t D) {
  using namespace nuclear_detail;
  require(m >= 1 && n >= 1, "X must not be empty");
  require(D >= 0, "rank must be >= 1");
  const std::vector<double> mean = column_means(X, m, n);
  const index_t blocks = (m + kRowBlock - 1) / kRowBlock;
  std::vector<double> partial(std::size_t(blocks * n), 0.0);
  parallel_blocks(m, kRowBlock, [&](index_t b, index_t lo, index_t hi) {
    double* acc = partial.data() + b * n;
    std::vector<double> z(static_cast<std::size_t>(n));
    for (index_t i = lo; i < hi; ++i) {
      normalised_row(X, i, n, mean, z.data());
      for (index_t j = 0; j < n; ++j) acc[j] += z[std::size_t(j)] * z[std::size_t(j)];
    }
  });
  std::vector<double> norms(std::size_t(n), 0.0);
  for (index_t b = 0; b < blocks; ++b)
    for (index_t j = 0; j < n; ++j) norms[std::size_t(j)] += partial[std::size_t(b * n + j)];
  for (double& v : norms) v = std::sqrt(v);
  const index_t top = std::min(D > 0 ? D : std::min(m, n), n);
  std::partial_sort(norms.begin(), norms.begin() + top, norms.end(), std::greater<double>());
  double sum = 0;
  for (index_t j = 0; j < top; ++j) sum += norms[std::size_t(j)];
  return sum;
}

// X row-major (m x n), n >= 2.
template <class S>
double matrix_entropy(const S* X, index_t m, index_t n) {
  using namespace nuclear_detail;
  require(m >= 1 && n >= 2, "X must have at least one row and two columns");
  const std::vector<double> mean = column_means(X, m, n);
  // Zt: column-major n x m, i.e. Z row-major; column i is row i of Z.
  Mat<double> Zt(n, m);
  parallel_for(m, [&](index_t i) { normalised_row(X, i, n, mean, Zt.col(i).data()); }, 64);
  const index_t k = std::min(m, n);
  Mat<double> G(k, k);
  blas::syrk<double>(n <= m ? 'N' : 'T', 1.0, Zt, 0.0, G);  // Z^T Z (n x n) or Z Z^T (m x m)
  Vec<double> w;
  blas::syev<double>(G, w);
  const double trace = w.cwiseMax(0.0).sum();
  if (!(trace > 0)) return 0.0;
  double h = 0;
  for (index_t i = 0; i < k; ++i) {
    const double l = w(i) / trace;
    if (l > 0) h -= l * std::log(l);
  }
  return h / std::log(double(n));
}

}  // namespace lralg
