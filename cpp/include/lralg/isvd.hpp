// Kernels of the incremental truncated SVD (Shamrai 2026, arXiv 2601.11626).
//
// The update of the (Q, Lambda) summary is driven from the Python layer,
// whose dense products go to OpenBLAS through numpy; the core supplies what
// numpy lacks: the parallel product of a sparse block with a dense
// tall-skinny matrix (never densifying the block) and the Gaussian test
// matrix of the randomized residual range finder, drawn from the
// counter-based generator so that it depends only on (seed, block, entry).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

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
void isvd_gaussian(std::uint64_t seed, std::uint64_t stream, index_t rows, index_t cols,
                   Scalar* out) {
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

}  // namespace lralg
