// The observations of matrix completion read by rows (lralg/completion.hpp), in a header of its
// own without Eigen, so that the CUDA backend's kernels take the same type.
#pragma once

#include "lralg/common.hpp"

namespace lralg {

// Observations read by rows: entry p of row i is in column indices[p] with
// value data[perm ? perm[p] : p].
template <class Scalar, class Index>
struct RowObservations {
  index_t rows = 0;
  index_t cols = 0;
  const Index* indptr = nullptr;
  const Index* indices = nullptr;
  const Scalar* data = nullptr;
  const Index* perm = nullptr;

  index_t begin(index_t i) const { return index_t(indptr[i]); }
  index_t end(index_t i) const { return index_t(indptr[i + 1]); }
  double value(index_t p) const { return double(data[perm ? index_t(perm[p]) : p]); }
};

}  // namespace lralg
