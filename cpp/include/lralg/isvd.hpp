// Incremental truncated SVD (Shamrai 2026, "Concatenated Matrix SVD: Compression Bounds,
// Incremental Approximation, and Error-Constrained Clustering", arXiv 2601.11626).
//
// IsvdState<Scalar> holds the paper's summary (Q, Lambda): Q (m x k, orthonormal columns,
// Scalar) and Lambda (k, double, descending), Q Lambda Q^T ~ the Gram matrix A A^T of the
// columns ("items") seen so far. A block A (m x b) updates it by
//
//   Y = Q^T A,  R = A - Q Y,  R = Q_r B  (Q_r orthonormal, orthogonal to Q),
//   S_ext = [[Lambda + Y Y^T, Y B^T], [B Y^T, B B^T]] = C^T C + diag(Lambda, 0),  C = [Y^T, B^T],
//
// keeping the top k_keep = rank + oversampling eigenpairs (V, w) of S_ext: Q <- [Q, Q_r] V,
// Lambda <- w. The range of R is factored exactly (the paper's) when the block is narrow
// (min(m, b) no wider than the basis below) and otherwise approximated by a block Krylov space
// of R started from [Y^T, Omega]: the block's coefficients Y^T carry the first-order change of
// the kept eigenvectors, the ell Gaussian columns Omega (default k_keep) the new directions, and
// q power iterations deepen it (Halko, Martinsson and Tropp 2011; Musco and Musco 2015). A
// block's cost stays O(m b (k_keep + ell)(q + 1)). Orthonormal bases come from the
// eigendecomposition of the Gram matrix of the vectors (two passes), with directions below the
// rounding level dropped.
//
// Precision: Q and the products with the block are in Scalar (float32 blocks stay float32 in
// the O(m b k) products); the small Gram matrices, their eigendecompositions and Lambda are in
// double, which float32 needs for the squared singular values.
//
// Dense products go through lralg/blas.hpp (OpenBLAS when given, Eigen otherwise) and are
// never called inside an OpenMP region; sparse blocks are multiplied by the parallel CSR kernel
// below (rows are independent, so results do not depend on the thread count) and never
// densified whole. The Gaussian test matrix depends only on (seed, block number, entry).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "lralg/blas.hpp"
#include "lralg/common.hpp"
#include "lralg/random.hpp"
#include "lralg/sparse.hpp"

namespace lralg {

// out (X.rows x c, row-major) = X @ W, W (X.cols x c, row-major).
// Rows of out are computed independently, so the result does not depend on
// the thread count.
template <class Scalar, class Index>
void isvd_csr_matmul(const CsrView<Scalar, Index>& X, const Scalar* W, index_t c, Scalar* out) {
  require(c >= 0, "isvd_csr_matmul: negative width");
  parallel_blocks(X.rows, 64, [&](index_t, index_t lo, index_t hi) {
    for (index_t i = lo; i < hi; ++i) {
      Scalar* row = out + i * c;
      std::fill(row, row + c, Scalar(0));
      for (index_t p = X.row_begin(i); p < X.row_end(i); ++p) {
        const Scalar x = X.data[p];
        const Scalar* w = W + index_t(X.indices[p]) * c;
        for (index_t j = 0; j < c; ++j) row[j] += x * w[j];
      }
    }
  });
}

// out (rows x cols, row-major): independent standard normals; entry (i, j)
// is a function of (seed, stream, i * cols + j) only.
template <class Scalar>
void isvd_gaussian(std::uint64_t seed, std::uint64_t stream, index_t rows, index_t cols, Scalar* out) {
  require(rows >= 0 && cols >= 0, "isvd_gaussian: negative shape");
  const CounterRng rng(seed);
  const index_t n = rows * cols;
  const index_t pairs = (n + 1) / 2;
  parallel_blocks(pairs, 4096, [&](index_t, index_t lo, index_t hi) {
    for (index_t p = lo; p < hi; ++p) {
      const auto z = rng.normal_pair(stream, std::uint64_t(p));
      out[2 * p] = Scalar(z[0]);
      if (2 * p + 1 < n) out[2 * p + 1] = Scalar(z[1]);
    }
  });
}

// ---------------------------------------------------------------- blocks

// A block as the operator A (m x b) whose columns are the items.
template <class S>
class IsvdBlock {
 public:
  virtual ~IsvdBlock() = default;
  index_t rows() const { return m_; }
  index_t cols() const { return b_; }
  double sqnorm() const { return sqnorm_; }  // ||A||_F^2, given by the caller
  // out (m x c) = A W, or A W^T when w_transposed (W then c x b).
  virtual void apply(const ConstMatRef<S>& W, bool w_transposed, MatRef<S> out) const = 0;
  // out (b x c) = A^T Z for Z (m x c).
  virtual void apply_t(const ConstMatRef<S>& Z, MatRef<S> out) const = 0;
  // out (m x b) = A.
  virtual void to_dense(MatRef<S> out) const = 0;
  // G (b x b) = A^T A, accumulated in double.
  virtual void gram(Mat<double>& G) const = 0;
  // Multiply-adds of one product A W per column of W, and of gram().
  virtual double apply_work() const = 0;
  virtual double gram_work() const = 0;

 protected:
  index_t m_ = 0, b_ = 0;
  double sqnorm_ = 0;
};

// A dense block: A = M^T (trans) or M, M column-major (rows x cols, leading dimension ld).
// A C-ordered array X is M = X^T with ld = X.cols, so either layout is read without a copy.
template <class S>
class IsvdDenseBlock final : public IsvdBlock<S> {
 public:
  IsvdDenseBlock(const S* data, index_t rows, index_t cols, index_t ld, bool trans, double sqnorm)
      : M_(data, rows, cols, Eigen::OuterStride<>(std::max<index_t>({ld, rows, 1}))), trans_(trans) {
    require(rows >= 0 && cols >= 0 && ld >= rows, "block: bad shape");
    this->m_ = trans ? cols : rows;
    this->b_ = trans ? rows : cols;
    this->sqnorm_ = sqnorm;
  }
  void apply(const ConstMatRef<S>& W, bool wt, MatRef<S> out) const override {
    blas::gemm<S>(trans_ ? 'T' : 'N', wt ? 'T' : 'N', S(1), M_, W, S(0), out);
  }
  void apply_t(const ConstMatRef<S>& Z, MatRef<S> out) const override {
    blas::gemm<S>(trans_ ? 'N' : 'T', 'N', S(1), M_, Z, S(0), out);
  }
  void to_dense(MatRef<S> out) const override {
    if (trans_)
      out = M_.transpose();
    else
      out = M_;
  }
  double apply_work() const override { return double(this->m_) * double(this->b_); }
  double gram_work() const override { return apply_work() * double(this->b_) / 2; }
  void gram(Mat<double>& G) const override {
    G.resize(this->b_, this->b_);
    if constexpr (std::is_same_v<S, double>) {
      blas::syrk<double>(trans_ ? 'N' : 'T', 1.0, M_, 0.0, G);
    } else {
      const Mat<double> Md = M_.template cast<double>();
      blas::syrk<double>(trans_ ? 'N' : 'T', 1.0, Md, 0.0, G);
    }
  }

 private:
  Eigen::Map<const Mat<S>, 0, Eigen::OuterStride<>> M_;
  bool trans_;
};

// A sparse block given as the CSR of A (m x b) and the CSR of A^T (b x m): both products run
// row by row in parallel, without densifying.
template <class S, class I>
class IsvdCsrBlock final : public IsvdBlock<S> {
 public:
  IsvdCsrBlock(const CsrView<S, I>& A, const CsrView<S, I>& At, double sqnorm) : A_(A), At_(At) {
    require(At.rows == A.cols && At.cols == A.rows && At.nnz() == A.nnz(),
            "block: the two CSR matrices are not transposes of each other");
    this->m_ = A.rows;
    this->b_ = A.cols;
    this->sqnorm_ = sqnorm;
  }
  void apply(const ConstMatRef<S>& W, bool wt, MatRef<S> out) const override { product(A_, W, wt, out); }
  void apply_t(const ConstMatRef<S>& Z, MatRef<S> out) const override { product(At_, Z, false, out); }
  void to_dense(MatRef<S> out) const override {
    out.setZero();
    parallel_blocks(A_.rows, 256, [&](index_t, index_t lo, index_t hi) {
      for (index_t i = lo; i < hi; ++i)
        for (index_t p = A_.row_begin(i); p < A_.row_end(i); ++p)
          out(i, index_t(A_.indices[p])) += A_.data[p];
    });
  }
  double apply_work() const override { return double(A_.nnz()); }
  double gram_work() const override {  // sum over rows of A of nnz(row)^2
    double work = 0;
    for (index_t t = 0; t < A_.rows; ++t) {
      const double n = double(A_.row_end(t) - A_.row_begin(t));
      work += n * n;
    }
    return work;
  }
  // Row i of A^T A is the sum over the nonzeros a_ti of item i of a_ti times row t of A: rows
  // are independent, so the result does not depend on the thread count.
  void gram(Mat<double>& G) const override {
    const index_t b = this->b_;
    G.setZero(b, b);
    parallel_blocks(b, 16, [&](index_t, index_t lo, index_t hi) {
      for (index_t i = lo; i < hi; ++i)
        for (index_t p = At_.row_begin(i); p < At_.row_end(i); ++p) {
          const double x = double(At_.data[p]);
          const index_t t = index_t(At_.indices[p]);
          for (index_t q = A_.row_begin(t); q < A_.row_end(t); ++q)
            G(index_t(A_.indices[q]), i) += x * double(A_.data[q]);
        }
    });
  }

 private:
  // out = X op(W): the kernel reads W row by row, so it gets W^T column-major (c x n).
  static void product(const CsrView<S, I>& X, const ConstMatRef<S>& W, bool wt, MatRef<S> out) {
    const index_t c = wt ? W.rows() : W.cols();
    Mat<S> Wt;
    const S* w = nullptr;
    if (wt && (W.outerStride() == W.rows() || W.cols() <= 1)) {
      w = W.data();
    } else {
      Wt = wt ? Mat<S>(W) : Mat<S>(W.transpose());
      w = Wt.data();
    }
    Mat<S> Ot(c, X.rows);
    isvd_csr_matmul(X, w, c, Ot.data());
    out = Ot.transpose();
  }
  CsrView<S, I> A_, At_;
};

// ---------------------------------------------------------------- orthonormal bases

namespace isvd_detail {

// Z as double: Z itself for double, a converted copy (in tmp) for float.
template <class S>
const Mat<double>& as_double(const Mat<S>& Z, Mat<double>& tmp) {
  if constexpr (std::is_same_v<S, double>) {
    (void)tmp;
    return Z;
  } else {
    tmp = Z.template cast<double>();
    return tmp;
  }
}

template <class S>
Mat<S> from_double(Mat<double>&& Z) {
  if constexpr (std::is_same_v<S, double>)
    return std::move(Z);
  else
    return Z.template cast<S>();
}

// Z <- Z - Q (Q^T Z).
template <class S>
void project_out(const ConstMatRef<S>& Q, Mat<S>& Z) {
  if (Q.cols() == 0 || Z.cols() == 0) return;
  Mat<S> T(Q.cols(), Z.cols());
  blas::gemm<S>('T', 'N', S(1), Q, Z, S(0), T);
  blas::gemm<S>('N', 'N', S(-1), Q, T, S(1), Z);
}

// Indices i (ascending) with w(i) > threshold.
inline std::vector<index_t> above(const Vec<double>& w, double threshold) {
  std::vector<index_t> keep;
  for (index_t i = 0; i < w.size(); ++i)
    if (w(i) > threshold) keep.push_back(i);
  return keep;
}

}  // namespace isvd_detail

// Orthonormal basis of range(Z) orthogonal to Q, from the eigendecomposition of the Gram matrix
// (two passes, Q projected out twice before and once between). Directions whose squared
// singular value is below max(tol, 100 eps) times the largest, or below the rounding level
// (16 eps)^2 ref of a block of squared norm `ref`, are dropped; `values` (if given) receives
// the squared singular values of the projected Z that are kept, descending.
//
// light: Z is known to be orthogonal to Q already (up to rounding) and only needs to be made
// orthonormal for the next product, as inside the power iteration: no projection, one pass.
template <class S>
Mat<S> isvd_orth(Mat<S> Z, const ConstMatRef<S>& Q, double tol, double ref,
                 std::vector<double>* values = nullptr, bool light = false) {
  using namespace isvd_detail;
  if (values) values->clear();
  const index_t k0 = light && Z.cols() <= Z.rows() ? 0 : Q.cols();
  if (k0) {
    project_out<S>(Q, Z);
    project_out<S>(Q, Z);
  }
  const double eps = double(std::numeric_limits<S>::epsilon());
  const double rel = std::max(tol, 100 * eps);
  const double floor_abs = (16 * eps) * (16 * eps) * ref;
  const index_t m = Z.rows(), c = Z.cols();
  if (c == 0 || m == 0) return Mat<S>(m, 0);
  const bool wide = c > m;
  int passes = light && !wide ? 1 : 2;
  if (wide) {  // the eigenvectors of Z Z^T are the basis
    Mat<double> tmp;
    const Mat<double>& Zd = as_double(Z, tmp);
    Mat<double> G(m, m);
    blas::syrk<double>('N', 1.0, Zd, 0.0, G);
    Vec<double> w;
    blas::syev(G, w);
    const auto keep = above(w, std::max(rel * std::max(w(m - 1), 0.0), floor_abs));
    const index_t nk = index_t(keep.size());
    Mat<double> V(m, nk);
    for (index_t j = 0; j < nk; ++j) {
      const index_t i = keep[std::size_t(nk - 1 - j)];
      V.col(j) = G.col(i);
      if (values) values->push_back(w(i));
    }
    Z = from_double<S>(std::move(V));
    passes = 1;
  }
  for (int p = 0; p < passes; ++p) {
    if (Z.cols() == 0) break;
    if ((p == 1 || wide) && k0) project_out<S>(Q, Z);
    Mat<double> tmp;
    const Mat<double>& Zd = as_double(Z, tmp);
    const index_t cc = Z.cols();
    Mat<double> G(cc, cc);
    blas::syrk<double>('T', 1.0, Zd, 0.0, G);
    Vec<double> w;
    blas::syev(G, w);
    const bool first = p == 0 && !wide;
    double threshold = rel * std::max(w(cc - 1), 0.0);
    if (first) threshold = std::max(threshold, floor_abs);
    const auto keep = above(w, threshold);
    const index_t nk = index_t(keep.size());
    if (first && values)
      for (index_t j = nk - 1; j >= 0; --j) values->push_back(w(keep[std::size_t(j)]));
    Mat<double> V(cc, nk);
    for (index_t j = 0; j < nk; ++j)
      V.col(j) = G.col(keep[std::size_t(j)]) / std::sqrt(w(keep[std::size_t(j)]));
    Mat<double> Zn(m, nk);
    blas::gemm<double>('N', 'N', 1.0, Zd, V, 0.0, Zn);
    Z = from_double<S>(std::move(Zn));
  }
  return Z;
}

// The exact residual basis of a block against Q: Q_r spanning (I - Q Q^T) A, and the squared
// singular values of the residual (descending) in `values`.
template <class S>
Mat<S> isvd_residual_basis(const ConstMatRef<S>& Q, const IsvdBlock<S>& A, double tol,
                           std::vector<double>& values) {
  require(Q.rows() == A.rows(), "residual: Q and the block differ in size");
  Mat<S> R(A.rows(), A.cols());
  A.to_dense(R);
  if (Q.cols()) {
    Mat<S> Yt(A.cols(), Q.cols());
    A.apply_t(Q, Yt);
    blas::gemm<S>('N', 'T', S(-1), Q, Yt, S(1), R);
  }
  return isvd_orth<S>(std::move(R), Q, tol, A.sqnorm(), &values);
}

// ---------------------------------------------------------------- the summary

template <class S>
class IsvdState {
 public:
  enum Residual { kAuto = 0, kExact = 1, kSketch = 2 };

  // What an update tells about the items: how the coefficients of earlier items and of this
  // block's items read in the new basis (filled when asked for).
  struct Step {
    Mat<double> rot;   // k_old x k_new: the leading rows of the eigenvectors V
    Mat<double> coef;  // b x k_new: A^T Q_new = C V
  };

  // power_iters: depth q of the residual's block Krylov space; sketch: its number of Gaussian
  // columns ell (0: k_keep).
  IsvdState(index_t m, index_t k_keep, int residual, double tol, std::uint64_t seed, int power_iters = 1,
            index_t sketch = 0)
      : m_(m),
        k_keep_(k_keep),
        residual_(residual),
        tol_(tol),
        seed_(seed),
        power_iters_(power_iters),
        ell_(sketch > 0 ? sketch : k_keep),
        Q(m, 0) {
    require(m >= 0, "m must be >= 0");
    require(power_iters >= 0, "power_iters must be >= 0");
    require(sketch >= 0, "sketch must be >= 0");
    require(k_keep >= 1, "rank + oversampling must be >= 1");
    require(residual >= 0 && residual <= 2, "residual must be 0 (auto), 1 (exact) or 2 (sketch)");
    require(tol >= 0 && tol <= 1, "tol must be in [0, 1]");
  }

  index_t m() const { return m_; }
  index_t k_keep() const { return k_keep_; }

  // Replaces the summary (used when the dtype is promoted).
  void load(const ConstMatRef<S>& Q_in, const Vec<double>& lam_in, index_t blocks_in, index_t items_in,
            double sqnorm_in) {
    require(Q_in.rows() == m_ && Q_in.cols() == lam_in.size() && Q_in.cols() <= k_keep_,
            "load: Q must be m x k and lam of length k <= k_keep");
    Q = Q_in;
    lam = lam_in;
    blocks = blocks_in;
    items = items_in;
    sqnorm = sqnorm_in;
  }

  // Folds the block A (m x b) in. exact: -1 as the residual setting says, 0 sketch, 1 exact.
  // n_items and block_sqnorm are what the block adds to the counts (for a merge: the other
  // summary's). With `step`, the rotation and the block's coefficients are returned.
  void update(const IsvdBlock<S>& A, int exact, index_t n_items, double block_sqnorm, Step* step = nullptr) {
    using isvd_detail::project_out;
    require(A.rows() == m_, "block size along the non-stacked axis differs from the summary's");
    const index_t b = A.cols(), k0 = Q.cols();
    Mat<S> Yt(b, k0);
    if (k0) A.apply_t(Q, Yt);
    // auto: the exact factorisation once the residual's rank is within the Krylov basis' width
    const bool ex =
        exact == 1 ||
        (exact == -1 && (residual_ == kExact ||
                         (residual_ == kAuto && std::min(m_, b) <= (power_iters_ + 1) * (k_keep_ + ell_))));
    // The residual's basis Q_r and coefficients B^T = R^T Q_r, except on the Gram path, where
    // Q_r = R T is kept implicit (T, b x kr) and only formed in the rotated result.
    Mat<S> Qr;
    Mat<double> Bt, T;
    const bool gram = !ex && use_gram(A);
    if (ex) {
      Mat<S> R(m_, b);
      A.to_dense(R);
      if (k0) blas::gemm<S>('N', 'T', S(-1), Q, Yt, S(1), R);
      Qr = isvd_orth<S>(R, Q, tol_, A.sqnorm());
      Mat<S> Bs(b, Qr.cols());
      blas::gemm<S>('T', 'N', S(1), R, Qr, S(0), Bs);
      Bt = Bs.template cast<double>();
    } else if (gram) {
      gram_krylov(A, Yt, T, Bt);
    } else {
      Qr = krylov_basis(A, Yt);
      Mat<S> Bs(b, Qr.cols());
      A.apply_t(Qr, Bs);  // = R^T Q_r, as Q_r is orthogonal to Q
      Bt = Bs.template cast<double>();
    }
    const index_t kr = Bt.cols(), K = k0 + kr;
    Mat<double> C(b, K);
    C.leftCols(k0) = Yt.template cast<double>();
    C.rightCols(kr) = Bt;
    Mat<double> E(K, K);
    blas::syrk<double>('T', 1.0, C, 0.0, E);
    E.diagonal().head(k0) += lam;
    Vec<double> w;
    blas::syev(E, w);
    index_t kn = 0;
    if (K > 0 && w(K - 1) > 0) {
      const double threshold = std::max(tol_, double(std::numeric_limits<S>::epsilon())) * w(K - 1);
      index_t count = 0;
      for (index_t i = 0; i < K; ++i) count += w(i) > threshold;
      kn = std::min(k_keep_, count);
    }
    Mat<double> V(K, kn);
    Vec<double> lam_new(kn);
    for (index_t j = 0; j < kn; ++j) {
      V.col(j) = E.col(K - 1 - j);
      lam_new(j) = w(K - 1 - j);
    }
    Mat<S> Qn(m_, kn);
    if (gram) {
      // [Q, R T] V = Q (V_top - Y T V_bottom) + A (T V_bottom), then made orthonormal again
      const Mat<double> TV = T * V.bottomRows(kr);
      Mat<double> top = V.topRows(k0);
      if (k0) top.noalias() -= Yt.template cast<double>().transpose() * TV;
      const Mat<S> TVs = TV.template cast<S>(), tops = top.template cast<S>();
      A.apply(TVs, false, Qn);
      if (k0) blas::gemm<S>('N', 'N', S(1), Q, tops, S(1), Qn);
      polar_orthonormalize(Qn);
    } else {
      const Mat<S> Vs = V.template cast<S>();
      blas::gemm<S>('N', 'N', S(1), Q, Vs.topRows(k0), S(0), Qn);
      blas::gemm<S>('N', 'N', S(1), Qr, Vs.bottomRows(kr), S(1), Qn);
    }
    if (step) {
      step->rot = V.topRows(k0);
      step->coef.resize(b, kn);
      blas::gemm<double>('N', 'N', 1.0, C, V, 0.0, step->coef);
    }
    Q = std::move(Qn);
    lam = std::move(lam_new);
    blocks += 1;
    items += n_items;
    sqnorm += block_sqnorm;
  }

 private:
  // The Krylov space's start W = [Y^T D, Omega] (b x (k0 + ell)): the block's coefficients,
  // each column scaled to the norm of a Gaussian column (sqrt(b)), then the Gaussian columns.
  Mat<S> krylov_start(const Mat<S>& Yt, index_t b) const {
    const index_t k0 = Yt.cols();
    Mat<S> omega_t(ell_, b);  // Omega^T; entry (i, j) of Omega at i * ell + j
    isvd_gaussian(seed_, std::uint64_t(blocks), b, ell_, omega_t.data());
    Mat<S> W(b, k0 + ell_);
    const S gauss_norm = S(std::sqrt(double(b)));
    for (index_t j = 0; j < k0; ++j) {
      const S nrm = Yt.col(j).norm();
      if (nrm > S(0))
        W.col(j) = Yt.col(j) * (gauss_norm / nrm);
      else
        W.col(j).setZero();
    }
    W.rightCols(ell_) = omega_t.transpose();
    return W;
  }

  // Orthonormal basis, orthogonal to Q, of the block Krylov space
  //   K = [R W, (R R^T) R W, ..., (R R^T)^q R W],  R = A - Q Y,  W = [Y^T D, Omega],
  // q = power_iters. The seeds Y^T D (D scales each column to the norm of a Gaussian column)
  // make R Y^T part of the space: it is the first-order change of the kept eigenvectors
  // brought by the block (the Krylov step of Q under Q Lambda Q^T + A A^T), which a Gaussian
  // sketch of R alone misses; Omega (b x ell) finds the block's new directions. Keeping every
  // iterate, instead of only the last, is the block Krylov method (Musco and Musco 2015).
  Mat<S> krylov_basis(const IsvdBlock<S>& A, const Mat<S>& Yt) const {
    const index_t b = A.cols(), k0 = Q.cols();
    auto residual_times = [&](const Mat<S>& W) {  // R W = A W - Q (Y W)
      Mat<S> Z(m_, W.cols());
      A.apply(W, false, Z);
      if (k0) {
        Mat<S> T(k0, W.cols());
        blas::gemm<S>('T', 'N', S(1), Yt, W, S(0), T);
        blas::gemm<S>('N', 'N', S(-1), Q, T, S(1), Z);
      }
      return Z;
    };
    // Each iterate is made orthonormal against Q and the earlier iterates, dropping what is
    // rounding noise against its norm before projection (the block's norm for the first), so
    // the iterates together are the basis.
    Mat<S> K = isvd_orth<S>(residual_times(krylov_start(Yt, b)), Q, tol_, A.sqnorm());
    index_t last = 0;
    for (int it = 0; it < power_iters_ && K.cols() > last; ++it) {
      const index_t width = K.cols();
      const auto Zo = K.middleCols(last, width - last);
      Mat<S> W(b, Zo.cols());
      A.apply_t(Zo, W);  // = R^T Zo, as Zo is orthogonal to Q
      Mat<S> Z = residual_times(W);
      Mat<S> QK(m_, k0 + width);
      QK << Q, K;
      const double ref = double(Z.squaredNorm());  // what is left after projection is noise
      Mat<S> next = isvd_orth<S>(std::move(Z), QK, tol_, ref);
      last = width;
      K.conservativeResize(m_, width + next.cols());
      K.rightCols(next.cols()) = next;
    }
    return K;
  }

  // The Gram path works with the block's b x b residual Gram matrix: in double only (its
  // cancellation A^T A - Y^T Y loses eps ||A||^2, too much for float32 near low rank) and for
  // blocks up to kGramWidth items (memory O(b^2) stays a few MiB).
  // Between the two paths the estimated multiply-adds decide: the products with the block
  // and the dense work in the long dimension m, against forming G and the b x b products.
  static constexpr index_t kGramWidth = 2048;
  bool use_gram(const IsvdBlock<S>& A) const {
    const index_t b = A.cols();
    if (!std::is_same_v<S, double> || b > kGramWidth) return false;
    const double q = power_iters_, k0 = double(Q.cols()), w = k0 + double(ell_), c = (q + 1) * w,
                 m = double(m_), bb = double(b) * double(b);
    const double m_side = (2 + 3 * q) * w * A.apply_work() + (q + 1) * m * (4 * (k0 + c) * w + 3 * w * w);
    const double gram = A.gram_work() + bb * (k0 / 2 + c * (q + 2)) + m * k0 * double(k_keep_);
    return gram < m_side;
  }

  // The same block Krylov space as krylov_basis, built in the block's item space: with the
  // residual Gram matrix G = R^T R = A^T A - Y^T Y (b x b), K = R P for P = [W, G W, ...,
  // G^q W] (orthonormalised), and an orthonormal basis of range(R P) is R P U h^(-1/2) from
  // P^T G P = U h U^T. Only products with G (b^2 per column) and one pass over A are needed,
  // instead of O(m (k + ell)^2 (q + 1)) dense work in the long dimension m. Returns T = P U
  // h^(-1/2) (Q_r = R T) and B^T = R^T Q_r = G T. Directions with h below the rounding of the
  // subtraction (1024 eps ||A||_F^2, so that T amplifies it at most to 1e-3 of a unit vector) or
  // below max(tol, 100 eps) h_max are dropped.
  void gram_krylov(const IsvdBlock<S>& A, const Mat<S>& Yt, Mat<double>& T, Mat<double>& Bt) const {
    const index_t b = A.cols(), k0 = Q.cols();
    Mat<double> G(b, b);
    A.gram(G);
    Mat<double> Yd = Yt.template cast<double>();
    if (k0) blas::syrk<double>('N', -1.0, Yd, 1.0, G);
    Mat<double> W = krylov_start(Yt, b).template cast<double>();
    const double wref = W.squaredNorm();
    Mat<double> P = isvd_orth<double>(std::move(W), Mat<double>(b, 0), tol_, wref);
    Mat<double> last = P;
    for (int it = 0; it < power_iters_ && last.cols() > 0; ++it) {
      Mat<double> Z(b, last.cols());
      blas::gemm<double>('N', 'N', 1.0, G, last, 0.0, Z);
      const double ref = Z.squaredNorm();
      last = isvd_orth<double>(std::move(Z), P, tol_, ref);
      P.conservativeResize(b, P.cols() + last.cols());
      P.rightCols(last.cols()) = last;
    }
    Mat<double> GP(b, P.cols());
    blas::gemm<double>('N', 'N', 1.0, G, P, 0.0, GP);
    Mat<double> H(P.cols(), P.cols());
    blas::gemm<double>('T', 'N', 1.0, P, GP, 0.0, H);
    Vec<double> h;
    blas::syev(H, h);
    const index_t c = h.size();
    const double eps = std::numeric_limits<double>::epsilon();
    const double floor_abs = 1024 * eps * A.sqnorm();
    const double threshold =
        c ? std::max(std::max(tol_, 100 * eps) * std::max(h(c - 1), 0.0), floor_abs) : 0.0;
    const auto keep = isvd_detail::above(h, threshold);
    const index_t kr = index_t(keep.size());
    Mat<double> U(c, kr);
    for (index_t j = 0; j < kr; ++j) {  // descending
      const index_t i = keep[std::size_t(kr - 1 - j)];
      U.col(j) = H.col(i) / std::sqrt(h(i));
    }
    T.resize(b, kr);
    blas::gemm<double>('N', 'N', 1.0, P, U, 0.0, T);
    Bt.resize(b, kr);
    blas::gemm<double>('N', 'N', 1.0, GP, U, 0.0, Bt);
  }

  // Q <- Q (Q^T Q)^(-1/2): the nearest matrix with orthonormal columns, which removes the
  // small loss of orthogonality of the Gram path without turning the columns.
  static void polar_orthonormalize(Mat<S>& Qn) {
    const index_t k = Qn.cols();
    if (k == 0) return;
    Mat<double> tmp;
    const Mat<double>& Qd = isvd_detail::as_double(Qn, tmp);
    Mat<double> Gq(k, k);
    blas::syrk<double>('T', 1.0, Qd, 0.0, Gq);
    Vec<double> g;
    blas::syev(Gq, g);
    Mat<double> F = Gq * g.cwiseMax(1e-300).cwiseSqrt().cwiseInverse().asDiagonal() * Gq.transpose();
    Mat<double> Qo(Qn.rows(), k);
    blas::gemm<double>('N', 'N', 1.0, Qd, F, 0.0, Qo);
    Qn = isvd_detail::from_double<S>(std::move(Qo));
  }

  index_t m_, k_keep_;
  int residual_;
  double tol_;
  std::uint64_t seed_;
  int power_iters_;
  index_t ell_;

 public:
  Mat<S> Q;            // m x k, orthonormal columns
  Vec<double> lam;     // k, descending: the squared singular values
  index_t blocks = 0;  // updates done (the stream of the Gaussian test matrix)
  index_t items = 0;   // columns (items) seen
  double sqnorm = 0;   // ||data||_F^2 seen
};

}  // namespace lralg
