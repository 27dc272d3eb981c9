// The rows of one block of the streaming eigenvector (lralg/streaming.hpp) as its updates read
// them: <a_r, z> and ||a_r||^2, out += alpha a_r, and a dense double copy of a_r. Two sources: a
// dense block (row- or column-major, no copy) and a CSR block (CsrView, no copy); the same update
// code runs on both, so a sparse block gives the numbers of its dense equivalent up to the order
// of the sums. The per-row arithmetic is compiled for the CUDA backend's kernels too (LRALG_HD),
// so that the device sums as the host does. No Eigen here: nvcc reads this header.
#pragma once

#include <algorithm>

#include "lralg/common.hpp"
#include "lralg/host_device.hpp"
#include "lralg/sparse.hpp"

namespace lralg {

namespace detail {
// <a, z> and ||a||^2 of a contiguous row in double, with 4 independent
// partial sums per quantity so the loop vectorises without reassociating
// (the result is a fixed function of the inputs).
template <class Scalar>
LRALG_HD inline void dot_and_norm(const Scalar* a, const double* z, index_t d, double& dot, double& norm) {
  double s[4] = {0, 0, 0, 0}, q[4] = {0, 0, 0, 0};
  index_t j = 0;
  for (; j + 4 <= d; j += 4) {
    for (int k = 0; k < 4; ++k) {
      const double x = double(a[j + k]);
      s[k] += x * z[j + k];
      q[k] += x * x;
    }
  }
  for (; j < d; ++j) {
    const double x = double(a[j]);
    s[0] += x * z[j];
    q[0] += x * x;
  }
  dot = (s[0] + s[1]) + (s[2] + s[3]);
  norm = (q[0] + q[1]) + (q[2] + q[3]);
}
}  // namespace detail

template <class Scalar>
struct DenseRows {
  static constexpr bool is_dense = true;
  const Scalar* X;
  index_t rows, cols;
  bool row_major;

  LRALG_HD void dot_norm(index_t r, const double* z, double& s, double& nn) const {
    if (row_major) {
      detail::dot_and_norm(X + r * cols, z, cols, s, nn);
      return;
    }
    s = 0.0;
    nn = 0.0;
    for (index_t j = 0; j < cols; ++j) {
      const double x = double(X[j * rows + r]);
      s += x * z[j];
      nn += x * x;
    }
  }
  // a_r[j] as the sums read it (one entry of add_scaled).
  LRALG_HD double at(index_t r, index_t j) const {
    return double(row_major ? X[r * cols + j] : X[j * rows + r]);
  }
  LRALG_HD void add_scaled(index_t r, double alpha, double* out) const {
    if (row_major) {
      const Scalar* a = X + r * cols;
      for (index_t j = 0; j < cols; ++j) out[j] += alpha * double(a[j]);
    } else {
      for (index_t j = 0; j < cols; ++j) out[j] += alpha * double(X[j * rows + r]);
    }
  }
  void copy(index_t r, double* dst) const {
    for (index_t j = 0; j < cols; ++j) dst[j] = double(row_major ? X[r * cols + j] : X[j * rows + r]);
  }
};

template <class Scalar, class Index>
struct CsrRows {
  static constexpr bool is_dense = false;
  CsrView<Scalar, Index> X;
  index_t rows, cols;

  explicit CsrRows(const CsrView<Scalar, Index>& v) : X(v), rows(v.rows), cols(v.cols) {}

  LRALG_HD void dot_norm(index_t r, const double* z, double& s, double& nn) const {
    s = 0.0;
    nn = 0.0;
    for (index_t p = index_t(X.indptr[r]); p < index_t(X.indptr[r + 1]); ++p) {
      const double x = double(X.data[p]);
      s += x * z[X.indices[p]];
      nn += x * x;
    }
  }
  LRALG_HD void add_scaled(index_t r, double alpha, double* out) const {
    for (index_t p = index_t(X.indptr[r]); p < index_t(X.indptr[r + 1]); ++p)
      out[X.indices[p]] += alpha * double(X.data[p]);
  }
  void copy(index_t r, double* dst) const {
    std::fill(dst, dst + cols, 0.0);
    for (index_t p = X.row_begin(r); p < X.row_end(r); ++p) dst[X.indices[p]] = double(X.data[p]);
  }
};

}  // namespace lralg
