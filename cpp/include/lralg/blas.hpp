// Dense BLAS/LAPACK for the core: the one shared way to multiply and factor dense matrices.
//
// Eigen's own GEMM is several times slower than OpenBLAS on large products, and linking a
// BLAS at build time would tie the wheel to one library. Instead the core holds FUNCTION
// POINTERS to the BLAS/LAPACK routines that SciPy already ships: at import, the Python layer
// (python/lralg/_blas.py) reads them from the PyCapsules of `scipy.linalg.cython_blas` and
// `scipy.linalg.cython_lapack` (`__pyx_capi__`) and hands them to the core once through
// `_core._set_blas`. The core itself knows nothing of Python: it keeps a table of pointers
// (cpp/src/blas.cpp). Where a pointer is missing (SciPy not importable, or the BLAS path
// switched off with `use_blas(false)`, which the tests do to compare the two paths), every
// wrapper below falls back to Eigen, so the core works and is testable without SciPy.
//
// The wrappers work on column-major Eigen matrices (`MatRef` / `ConstMatRef`, any outer
// stride) and are templated on float/double:
//   gemm(ta, tb, alpha, A, B, beta, C)   C = alpha op(A) op(B) + beta C,  op = 'N' or 'T'
//   syrk(trans, alpha, A, beta, C)       C = alpha A^T A + beta C ('T') or alpha A A^T + beta C
//                                        ('N'); both triangles of C are filled
//   syev(A, w)                           A (n x n, symmetric) <- eigenvectors, w ascending
//   qr_thin(A)                           A (m x n, m >= n) <- the Q of its thin QR
//   cholesky_lower(A)                    A (n x n, double, SPD) <- L of A = L L^T (lower triangle)
//   inverse_upper(U)                     U (n x n, double, upper triangular) <- U^-1
//
// Threads: OpenBLAS threads itself. Never call these wrappers from inside an OpenMP region
// (lralg::parallel_for / parallel_blocks): one level of parallelism at a time. The Eigen
// fallback of gemm splits the output over lralg::parallel_blocks with a fixed partition, so
// its result does not depend on the thread count.
//
// Small problems stay in Eigen on one thread even when the pointers are set (gemm/syrk under
// kSmallWork multiply-adds, syev under kSmallEig rows): there a BLAS call's thread start-up and
// synchronisation cost more than the product, and much more on a loaded machine.
//
// Sizes are passed to BLAS as `int` (SciPy's cython_blas uses 32-bit integers); larger
// dimensions are refused with value_error.
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <Eigen/QR>

#include <algorithm>
#include <climits>
#include <type_traits>
#include <utility>
#include <vector>

#include "lralg/common.hpp"

namespace lralg {

template <class S>
using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;  // column-major
template <class S>
using Vec = Eigen::Matrix<S, Eigen::Dynamic, 1>;
template <class S>
using MatRef = Eigen::Ref<Mat<S>, 0, Eigen::OuterStride<>>;
template <class S>
using ConstMatRef = Eigen::Ref<const Mat<S>, 0, Eigen::OuterStride<>>;

namespace blas {

// The Fortran signatures as SciPy's cython_blas / cython_lapack export them.
template <class S>
using gemm_fn = void(const char*, const char*, const int*, const int*, const int*, const S*, const S*,
                     const int*, const S*, const int*, const S*, S*, const int*);
template <class S>
using syrk_fn = void(const char*, const char*, const int*, const int*, const S*, const S*, const int*,
                     const S*, S*, const int*);
template <class S>
using syevd_fn = void(const char*, const char*, const int*, S*, const int*, S*, S*, const int*, int*,
                      const int*, int*);
template <class S>
using geqrf_fn = void(const int*, const int*, S*, const int*, S*, S*, const int*, int*);
template <class S>
using orgqr_fn = void(const int*, const int*, const int*, S*, const int*, const S*, S*, const int*, int*);
template <class S>
using potrf_fn = void(const char*, const int*, S*, const int*, int*);
template <class S>
using trtri_fn = void(const char*, const char*, const int*, S*, const int*, int*);

// The table of pointers (null: not given). Filled once at import; read-only afterwards.
struct Table {
  gemm_fn<double>* dgemm = nullptr;
  gemm_fn<float>* sgemm = nullptr;
  syrk_fn<double>* dsyrk = nullptr;
  syrk_fn<float>* ssyrk = nullptr;
  syevd_fn<double>* dsyevd = nullptr;
  syevd_fn<float>* ssyevd = nullptr;
  geqrf_fn<double>* dgeqrf = nullptr;
  geqrf_fn<float>* sgeqrf = nullptr;
  orgqr_fn<double>* dorgqr = nullptr;
  orgqr_fn<float>* sorgqr = nullptr;
  potrf_fn<double>* dpotrf = nullptr;
  trtri_fn<double>* dtrtri = nullptr;
};

Table& table();          // cpp/src/blas.cpp
bool enabled();          // use the table where a pointer is set (default true)
void use_blas(bool on);  // false: Eigen everywhere (tests compare both paths)
// Sets the pointer of a routine by its name ("dgemm", "ssyrk", ...); false if the name is unknown.
bool set_pointer(const char* name, void* pointer);
// The names the table knows, for the binding.
const std::vector<const char*>& names();

constexpr double kSmallWork = double(1 << 21);
constexpr index_t kSmallEig = 128;

// Products on another processor. While an OffloadProducts guard lives on a thread, the gemm and
// syrk calls of that thread at or above the sizes that go to the BLAS go to the guard's gemm
// instead (the CUDA backend's, on host operands): an algorithm's large products move to the
// device without a second copy of the algorithm. Threads without a guard, and the whole of
// lralg._core, which never sets one, use the table.
template <class S>
gemm_fn<S>*& offloaded_gemm() {
  static thread_local gemm_fn<S>* f = nullptr;
  return f;
}

class OffloadProducts {
 public:
  OffloadProducts(gemm_fn<double>* dgemm, gemm_fn<float>* sgemm)
      : saved_d_(std::exchange(offloaded_gemm<double>(), dgemm)),
        saved_s_(std::exchange(offloaded_gemm<float>(), sgemm)) {}
  ~OffloadProducts() {
    offloaded_gemm<double>() = saved_d_;
    offloaded_gemm<float>() = saved_s_;
  }
  OffloadProducts(const OffloadProducts&) = delete;
  OffloadProducts& operator=(const OffloadProducts&) = delete;

 private:
  gemm_fn<double>* saved_d_;
  gemm_fn<float>* saved_s_;
};

namespace detail {
template <class S, class D, class F>
auto pick(D d, F f) {
  if constexpr (std::is_same_v<S, double>) {
    return enabled() ? d : nullptr;
  } else {
    return enabled() ? f : nullptr;
  }
}
inline int to_int(index_t n) {
  require(n >= 0 && n <= INT_MAX, "matrix dimension too large for BLAS (more than 2^31 - 1)");
  return int(n);
}
inline int ld_of(index_t stride, index_t rows) { return to_int(std::max<index_t>({stride, rows, 1})); }
}  // namespace detail

// C = alpha op(A) op(B) + beta C.
template <class S>
void gemm(char ta, char tb, S alpha, const ConstMatRef<S>& A, const ConstMatRef<S>& B, S beta, MatRef<S> C) {
  const bool tA = ta == 'T', tB = tb == 'T';
  const index_t m = tA ? A.cols() : A.rows();
  const index_t k = tA ? A.rows() : A.cols();
  const index_t kb = tB ? B.cols() : B.rows();
  const index_t n = tB ? B.rows() : B.cols();
  require(k == kb && C.rows() == m && C.cols() == n, "gemm: shapes do not match");
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (beta == S(0))
      C.setZero();
    else
      C *= beta;
    return;
  }
  auto* f = offloaded_gemm<S>() ? offloaded_gemm<S>() : detail::pick<S>(table().dgemm, table().sgemm);
  if (f && double(m) * double(n) * double(k) >= kSmallWork) {
    const int M = detail::to_int(m), N = detail::to_int(n), K = detail::to_int(k);
    const int lda = detail::ld_of(A.outerStride(), A.rows());
    const int ldb = detail::ld_of(B.outerStride(), B.rows());
    const int ldc = detail::ld_of(C.outerStride(), C.rows());
    const char a = tA ? 'T' : 'N', b = tB ? 'T' : 'N';
    f(&a, &b, &M, &N, &K, &alpha, A.data(), &lda, B.data(), &ldb, &beta, C.data(), &ldc);
    return;
  }
  // Eigen: split the larger side of C into fixed blocks of 256, in parallel.
  const bool by_rows = m >= n;
  const index_t total = by_rows ? m : n;
  parallel_blocks(total, 256, [&](index_t, index_t lo, index_t hi) {
    const index_t w = hi - lo;
    auto Cb = by_rows ? C.block(lo, 0, w, n) : C.block(0, lo, m, w);
    Mat<S> P;
    if (by_rows) {  // rows lo..hi of op(A), all of op(B)
      if (tA && tB)
        P.noalias() = A.block(0, lo, k, w).transpose() * B.transpose();
      else if (tA)
        P.noalias() = A.block(0, lo, k, w).transpose() * B;
      else if (tB)
        P.noalias() = A.block(lo, 0, w, k) * B.transpose();
      else
        P.noalias() = A.block(lo, 0, w, k) * B;
    } else {  // all of op(A), columns lo..hi of op(B)
      if (tA && tB)
        P.noalias() = A.transpose() * B.block(lo, 0, w, k).transpose();
      else if (tA)
        P.noalias() = A.transpose() * B.block(0, lo, k, w);
      else if (tB)
        P.noalias() = A * B.block(lo, 0, w, k).transpose();
      else
        P.noalias() = A * B.block(0, lo, k, w);
    }
    if (beta == S(0))
      Cb = alpha * P;
    else
      Cb = beta * Cb + alpha * P;
  });
}

// C = alpha A^T A + beta C (trans 'T') or alpha A A^T + beta C (trans 'N'); C is filled whole.
template <class S>
void syrk(char trans, S alpha, const ConstMatRef<S>& A, S beta, MatRef<S> C) {
  const bool t = trans == 'T';
  const index_t n = t ? A.cols() : A.rows();
  const index_t k = t ? A.rows() : A.cols();
  require(C.rows() == n && C.cols() == n, "syrk: shapes do not match");
  if (n == 0) return;
  if (k == 0) {
    if (beta == S(0))
      C.setZero();
    else
      C *= beta;
    return;
  }
  auto* f = detail::pick<S>(table().dsyrk, table().ssyrk);
  auto* offloaded = offloaded_gemm<S>();
  if (offloaded && double(n) * double(n) * double(k) >= 2 * kSmallWork) {
    // op(A)^T op(A) as one product: entry (i, j) and (j, i) multiply the same pairs, so C comes
    // out symmetric.
    const int N = detail::to_int(n), K = detail::to_int(k);
    const int lda = detail::ld_of(A.outerStride(), A.rows());
    const int ldc = detail::ld_of(C.outerStride(), C.rows());
    const char a = t ? 'T' : 'N', b = t ? 'N' : 'T';
    offloaded(&a, &b, &N, &N, &K, &alpha, A.data(), &lda, A.data(), &lda, &beta, C.data(), &ldc);
  } else if (f && double(n) * double(n) * double(k) >= 2 * kSmallWork) {
    const int N = detail::to_int(n), K = detail::to_int(k);
    const int lda = detail::ld_of(A.outerStride(), A.rows());
    const int ldc = detail::ld_of(C.outerStride(), C.rows());
    const char uplo = 'L', tr = t ? 'T' : 'N';
    f(&uplo, &tr, &N, &K, &alpha, A.data(), &lda, &beta, C.data(), &ldc);
  } else {
    Mat<S> P;
    if (t)
      P.noalias() = A.transpose() * A;
    else
      P.noalias() = A * A.transpose();
    if (beta == S(0))
      C = alpha * P;
    else
      C = beta * C + alpha * P;
  }
  for (index_t j = 1; j < n; ++j)  // lower triangle -> upper
    for (index_t i = 0; i < j; ++i) C(i, j) = C(j, i);
}

// Symmetric eigendecomposition: A (n x n, only the lower triangle read) is overwritten by the
// orthonormal eigenvectors, w by the eigenvalues in ascending order.
template <class S>
void syev(Mat<S>& A, Vec<S>& w) {
  require(A.rows() == A.cols(), "syev: matrix must be square");
  const index_t n = A.rows();
  w.resize(n);
  if (n == 0) return;
  auto* f = detail::pick<S>(table().dsyevd, table().ssyevd);
  if (f && n >= kSmallEig) {
    const int N = detail::to_int(n), lda = N;
    const char jobz = 'V', uplo = 'L';
    int info = 0, lwork = -1, liwork = -1, iwq = 0;
    S wq = 0;
    f(&jobz, &uplo, &N, A.data(), &lda, w.data(), &wq, &lwork, &iwq, &liwork, &info);
    if (info == 0) {
      lwork = std::max(1, int(wq));
      liwork = std::max(1, iwq);
      std::vector<S> work(std::size_t(lwork) + 1);
      std::vector<int> iwork(std::size_t(liwork) + 1);
      f(&jobz, &uplo, &N, A.data(), &lda, w.data(), work.data(), &lwork, iwork.data(), &liwork, &info);
    }
    require(info == 0, "syev: the eigendecomposition did not converge (non-finite entries?)");
    return;
  }
  Eigen::SelfAdjointEigenSolver<Mat<S>> es(A, Eigen::ComputeEigenvectors);
  require(es.info() == Eigen::Success, "syev: the eigendecomposition did not converge (non-finite entries?)");
  w = es.eigenvalues();
  A = es.eigenvectors();
}

// Thin QR: A (m x n, m >= n) is overwritten by the orthonormal factor Q of A = Q R.
template <class S>
void qr_thin(Mat<S>& A) {
  const index_t m = A.rows(), n = A.cols();
  require(m >= n, "qr_thin: needs at least as many rows as columns");
  if (n == 0) return;
  auto* geqrf = detail::pick<S>(table().dgeqrf, table().sgeqrf);
  auto* orgqr = detail::pick<S>(table().dorgqr, table().sorgqr);
  if (geqrf && orgqr) {
    const int M = detail::to_int(m), N = detail::to_int(n), lda = std::max(M, 1);
    std::vector<S> tau(static_cast<std::size_t>(n));
    int info = 0, lwork = -1;
    S q1 = 0, q2 = 0;
    geqrf(&M, &N, A.data(), &lda, tau.data(), &q1, &lwork, &info);
    orgqr(&M, &N, &N, A.data(), &lda, tau.data(), &q2, &lwork, &info);
    lwork = std::max({1, int(q1), int(q2)});
    std::vector<S> work(std::size_t(lwork) + 1);
    geqrf(&M, &N, A.data(), &lda, tau.data(), work.data(), &lwork, &info);
    require(info == 0, "qr_thin: geqrf failed");
    orgqr(&M, &N, &N, A.data(), &lda, tau.data(), work.data(), &lwork, &info);
    require(info == 0, "qr_thin: orgqr failed");
    return;
  }
  Eigen::HouseholderQR<Mat<S>> qr(A);
  Mat<S> Q = qr.householderQ() * Mat<S>::Identity(m, n);
  A = std::move(Q);
}

// Cholesky factor of a symmetric positive definite A (only its lower triangle read): A <- L with
// A = L L^T, the strict upper triangle zeroed. False (A unspecified) if A is not positive definite.
inline bool cholesky_lower(Mat<double>& A) {
  require(A.rows() == A.cols(), "cholesky_lower: matrix must be square");
  const index_t n = A.rows();
  if (n == 0) return true;
  auto* f = enabled() ? table().dpotrf : nullptr;
  if (f && n >= kSmallEig) {
    const int N = detail::to_int(n), lda = N;
    const char uplo = 'L';
    int info = 0;
    f(&uplo, &N, A.data(), &lda, &info);
    if (info != 0) return false;
    A.triangularView<Eigen::StrictlyUpper>().setZero();
    return true;
  }
  Eigen::LLT<Mat<double>> llt(A);
  if (llt.info() != Eigen::Success) return false;
  A = llt.matrixL();
  return true;
}

// Inverse of an upper triangular U with a non-zero diagonal, in place (the strict lower triangle
// is left zero).
inline void inverse_upper(Mat<double>& U) {
  require(U.rows() == U.cols(), "inverse_upper: matrix must be square");
  const index_t n = U.rows();
  if (n == 0) return;
  auto* f = enabled() ? table().dtrtri : nullptr;
  if (f && n >= kSmallEig) {
    const int N = detail::to_int(n), lda = N;
    const char uplo = 'U', diag = 'N';
    int info = 0;
    f(&uplo, &diag, &N, U.data(), &lda, &info);
    require(info == 0, "inverse_upper: the matrix is singular");
    return;
  }
  Mat<double> I = Mat<double>::Identity(n, n);
  U.triangularView<Eigen::Upper>().solveInPlace(I);
  U = std::move(I);
}

}  // namespace blas
}  // namespace lralg
