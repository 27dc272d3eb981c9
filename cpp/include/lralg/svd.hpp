// Truncated SVD by a randomized block Krylov range finder (Halko, Martinsson and Tropp 2011,
// arXiv 0909.4061; Musco and Musco 2015, arXiv 1504.05477), on the incremental SVD's operators.
//
// For A (m x n) and l = rank + oversampling Gaussian columns Omega (n x l), with q power
// iterations, the range basis is the orthonormalised block Krylov space
//
//   K = [A Omega, (A A^T) A Omega, ..., (A A^T)^q A Omega]   (m x (q + 1) l),
//
// computed as a block Lanczos-style recurrence with full reorthogonalisation: each iterate is
// orthonormalised against the earlier ones (projected out twice, then Cholesky QR) before
// the next product, so that K = [K_0, ..., K_q] is orthonormal as it grows and the small
// singular directions are not lost to rounding. The products op^T K_i that drive the iteration
// are kept: together they are B^T = A^T K (n x (q + 1) l), so no pass over A is spent on it
// ((2q + 2) l products with A or A^T in all, against (3q + 2) l where B is formed from the
// finished K). The SVD of B^T gives A ~ K K^T A = (K V_B) S U_B^T, truncated to `rank`. Cholesky
// QR and the Gram-matrix SVD of B square condition numbers: each checks its result and gives way
// to Householder QR where it would lose accuracy. Keeping
// every iterate, not only the last, is what makes the space a block Krylov space: for the same
// products with A it is more accurate than subspace iteration on slowly decaying spectra.
//
// The work runs on the operator's smaller side: when m > n the same steps run on A^T and the
// factors are swapped at the end, so K lives in the short dimension. Products with A go
// through the operator (BLAS for dense blocks, the parallel CSR kernel for sparse ones); the
// small SVD is done in double. Where the Krylov space would be as wide as the short side, the
// matrix is small: the exact SVD of the densified matrix is returned.
//
// The error of the result is computable exactly: U_k^T A = S_k V_k^T, so
// ||A - U_k S_k V_k^T||_F^2 = ||A||_F^2 - sum_i s_i^2 (returned as error_sq, from the caller's
// ||A||_F^2; below the rounding level eps ||A||_F^2 it is noise).
#pragma once

#include <Eigen/SVD>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "lralg/blas.hpp"
#include "lralg/common.hpp"
#include "lralg/isvd.hpp"

namespace lralg {

struct TruncatedSvdOptions {
  index_t rank = 1;
  index_t oversampling = 10;
  int power_iters = 2;
  std::uint64_t seed = 0;
};

template <class S>
struct TruncatedSvd {
  Mat<S> U;           // m x k, orthonormal columns
  Vec<double> s;      // k, descending
  Mat<S> V;           // n x k, orthonormal columns (V^T is the usual vt)
  double error_sq{};  // ||A - U diag(s) V^T||_F^2
};

namespace svd_detail {

// A or A^T as one operator: out = op W, out = op^T Z.
template <class S>
struct Side {
  const IsvdBlock<S>& A;
  bool transposed;
  index_t rows() const { return transposed ? A.cols() : A.rows(); }
  index_t cols() const { return transposed ? A.rows() : A.cols(); }
  void times(const Mat<S>& W, Mat<S>& out) const {
    out.resize(rows(), W.cols());
    if (transposed)
      A.apply_t(W, out);
    else
      A.apply(W, false, out);
  }
};

// Z <- Z R^{-1} with R^T R = Z^T Z, `passes` times (Cholesky QR: all BLAS-3, where Householder QR
// is bound by its panels). One pass leaves Z well conditioned, two orthonormal to rounding, as
// long as Z is not ill conditioned: false (Z spanning the same space, for the caller's
// Householder QR) where the Gram matrix is not positive definite, R's diagonal spans more than
// 1e4, or the last pass of two still had to move Z noticeably.
template <class S>
bool cholesky_qr(Mat<S>& Z, int passes) {
  const index_t c = Z.cols();
  for (int pass = 0; pass < passes; ++pass) {
    Mat<double> tmp;
    const Mat<double>& Zd = isvd_detail::as_double(Z, tmp);
    Mat<double> G(c, c);
    blas::syrk<double>('T', 1.0, Zd, 0.0, G);
    if (!blas::cholesky_lower(G)) return false;
    const Vec<double> d = G.diagonal();
    if (!(d.minCoeff() > 1e-4 * d.maxCoeff())) return false;
    if (pass > 0 && pass == passes - 1 && (G - Mat<double>::Identity(c, c)).cwiseAbs().maxCoeff() > 0.1)
      return false;
    Mat<double> Rinv = G.transpose();
    blas::inverse_upper(Rinv);
    Mat<double> Zn(Z.rows(), c);
    blas::gemm<double>('N', 'N', 1.0, Zd, Rinv, 0.0, Zn);
    Z = isvd_detail::from_double<S>(std::move(Zn));
  }
  return true;
}

// Y <- a basis of Y's columns by Cholesky QR, Householder QR where that fails: well conditioned
// after one pass, orthonormal after two.
template <class S>
void normalize_columns(Mat<S>& Y, int passes) {
  if (!cholesky_qr<S>(Y, passes)) blas::qr_thin<S>(Y);
}

// Y <- an orthonormal basis of the part of range(Y) orthogonal to the orthonormal K: K
// projected out twice (the first pass leaves rounding of Y's size), then normalize_columns. Where
// Y lies in range(K) exactly (a matrix of exact zeros, an exhausted Krylov space), the QR's
// columns are not orthogonal to K; they are replaced by Gaussian columns (stream `stream`),
// orthonormalised the same way, so that K stays orthonormal.
template <class S>
void orthonormalize_against(const ConstMatRef<S>& K, Mat<S>& Y, std::uint64_t seed, std::uint64_t stream) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    isvd_detail::project_out<S>(K, Y);
    isvd_detail::project_out<S>(K, Y);
    normalize_columns<S>(Y, 2);
    Mat<S> T(K.cols(), Y.cols());
    blas::gemm<S>('T', 'N', S(1), K, Y, S(0), T);
    if (T.cwiseAbs().maxCoeff() <= S(1e3) * std::numeric_limits<S>::epsilon()) return;
    Mat<S> G(Y.cols(), Y.rows());  // row-major Y.rows() x Y.cols()
    isvd_gaussian(seed, stream, Y.rows(), Y.cols(), G.data());
    Y = G.transpose();
  }
  require(false, "truncated_svd: could not extend the basis");
}

// Thin SVD of a tall B (rows >= cols) in double: B = P diag(sv) W^T, P from a Householder QR
// of B (LAPACK where given) and the SVD of its small triangular factor.
template <class S>
void tall_svd(const Mat<S>& B, Mat<S>& P, Vec<double>& sv, Mat<double>& W) {
  Mat<S> Qb = B;
  blas::qr_thin<S>(Qb);
  Mat<S> R(B.cols(), B.cols());
  blas::gemm<S>('T', 'N', S(1), Qb, B, S(0), R);
  Eigen::BDCSVD<Mat<double>> svd(R.template cast<double>(), Eigen::ComputeThinU | Eigen::ComputeThinV);
  sv = svd.singularValues();
  W = svd.matrixV();
  const Mat<S> Ur = svd.matrixU().template cast<S>();
  P.resize(B.rows(), Ur.cols());
  blas::gemm<S>('N', 'N', S(1), Qb, Ur, S(0), P);
}

// The leading k singular triplets of a tall B (rows >= cols) in double, B W = P diag(sv), from
// the eigenvectors W of the Gram matrix B^T B: one syrk and a small eigensolver, no QR of B.
// Squaring costs relative accuracy eps (sv_1 / sv_i)^2 in the small singular values, and the
// same loss shows in P's departure from orthonormality: where that exceeds `tol` (or a kept
// eigenvalue is not positive) it returns false, and the caller takes tall_svd instead.
template <class S>
bool gram_svd(const Mat<S>& B, index_t k, double tol, Mat<S>& P, Vec<double>& sv, Mat<double>& W) {
  Mat<double> tmp;
  const Mat<double>& Bd = isvd_detail::as_double(B, tmp);
  const index_t c = B.cols();
  Mat<double> G(c, c);
  blas::syrk<double>('T', 1.0, Bd, 0.0, G);
  Vec<double> w;
  blas::syev(G, w);  // ascending
  if (!(w(c - k) > 0.0)) return false;
  W.resize(c, k);
  sv.resize(k);
  for (index_t j = 0; j < k; ++j) {
    sv(j) = std::sqrt(w(c - 1 - j));
    W.col(j) = G.col(c - 1 - j);
  }
  Mat<double> Pd(B.rows(), k);
  blas::gemm<double>('N', 'N', 1.0, Bd, W, 0.0, Pd);
  Pd *= sv.cwiseInverse().asDiagonal();
  Mat<double> E(k, k);
  blas::syrk<double>('T', 1.0, Pd, 0.0, E);
  E -= Mat<double>::Identity(k, k);
  if (!(E.cwiseAbs().maxCoeff() <= tol)) return false;
  P = isvd_detail::from_double<S>(std::move(Pd));
  return true;
}

}  // namespace svd_detail

template <class S>
TruncatedSvd<S> truncated_svd(const IsvdBlock<S>& A, const TruncatedSvdOptions& opt) {
  const index_t m = A.rows(), n = A.cols(), short_side = std::min(m, n);
  require(opt.rank >= 1 && opt.rank <= short_side, "rank must be in [1, min(A.shape)]");
  require(opt.oversampling >= 0, "oversampling must be >= 0");
  require(opt.power_iters >= 0, "power_iters must be >= 0");
  const index_t k = opt.rank;
  const index_t l = std::min(k + opt.oversampling, short_side);
  TruncatedSvd<S> out;
  if (double(opt.power_iters + 1) * double(l) >= double(short_side)) {
    // The Krylov space would span the short side: the exact SVD is as cheap.
    Mat<S> D(m, n);
    A.to_dense(D);
    Eigen::BDCSVD<Mat<double>> svd(D.template cast<double>(), Eigen::ComputeThinU | Eigen::ComputeThinV);
    out.U = svd.matrixU().leftCols(k).template cast<S>();
    out.s = svd.singularValues().head(k);
    out.V = svd.matrixV().leftCols(k).template cast<S>();
  } else {
    const svd_detail::Side<S> op{A, m > n};
    const index_t p = op.rows(), q = op.cols();  // p = short side
    Mat<S> omega(q, l);                          // column-major q x l = row-major l x q
    isvd_gaussian(opt.seed, 0, l, q, omega.data());
    const index_t c = l * (opt.power_iters + 1);
    Mat<S> K(p, c);   // the basis: block it is the part of iterate it new to the earlier ones
    Mat<S> Bt(q, c);  // op^T K, block by block as the iteration computes it
    Mat<S> Y, Z;
    op.times(omega, Y);
    svd_detail::normalize_columns<S>(Y, 2);
    K.leftCols(l) = Y;
    for (int it = 0;; ++it) {
      const auto Kit = K.middleCols(l * it, l);
      auto Bit = Bt.middleCols(l * it, l);
      if (op.transposed)
        A.apply(Kit, false, Bit);
      else
        A.apply_t(Kit, Bit);
      if (it == opt.power_iters) break;
      Z = Bit;
      svd_detail::normalize_columns<S>(Z, 1);  // Z needs only to be well conditioned
      op.times(Z, Y);
      svd_detail::orthonormalize_against<S>(K.leftCols(l * (it + 1)), Y, opt.seed, std::uint64_t(it + 1));
      K.middleCols(l * (it + 1), l) = Y;
    }
    Mat<S> P;
    Vec<double> sv;
    Mat<double> W;
    // op ~ K W diag(sv) P^T; P orthonormal to the dtype's accuracy on either route
    const double eps = double(std::numeric_limits<S>::epsilon());
    if (!svd_detail::gram_svd<S>(Bt, k, std::max(1e-2 * std::sqrt(eps), 100 * eps), P, sv, W))
      svd_detail::tall_svd<S>(Bt, P, sv, W);
    Mat<S> KW(p, k);
    const Mat<S> Wk = W.leftCols(k).template cast<S>();
    blas::gemm<S>('N', 'N', S(1), K, Wk, S(0), KW);
    out.s = sv.head(k);
    if (op.transposed) {  // A = op^T ~ P diag(sv) (K W)^T
      out.U = P.leftCols(k);
      out.V = std::move(KW);
    } else {
      out.U = std::move(KW);
      out.V = P.leftCols(k);
    }
  }
  out.error_sq = std::max(0.0, A.sqnorm() - out.s.squaredNorm());
  return out;
}

}  // namespace lralg
