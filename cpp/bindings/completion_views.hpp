// The observations of completion_solve_rows as the core reads them, from the
// arrays Python passes: shared by lralg._core and lralg._cuda, so that both
// refuse the same bad input before any work (or device memory) is asked for.
#pragma once

#include <optional>

#include "bindings.hpp"
#include "lralg/completion.hpp"

namespace lralg::bindings {

template <class T>
using CArray = py::array_t<T, py::array::c_style>;

template <class T>
const T* optional_vector(const std::optional<CArray<T>>& a, index_t n, const char* name) {
  return a ? vector_data(*a, n, name) : nullptr;
}

template <class T, class I>
RowObservations<T, I> row_observations(const CArray<I>& indptr, const CArray<I>& indices,
                                       const CArray<T>& data, const std::optional<CArray<I>>& perm,
                                       index_t rows, index_t cols) {
  RowObservations<T, I> obs;
  obs.rows = rows;
  obs.cols = cols;
  obs.indptr = vector_data(indptr, rows + 1, "indptr");
  const index_t nnz = rows > 0 ? index_t(obs.indptr[rows]) : 0;
  obs.indices = vector_data(indices, nnz, "indices");
  obs.data = vector_data(data, nnz, "data");
  obs.perm = perm ? vector_data(*perm, nnz, "perm") : nullptr;
  // Structural checks: out-of-range indices must raise, never read out of bounds.
  CsrView<T, I> view;
  view.rows = rows;
  view.cols = cols;
  view.indptr = obs.indptr;
  view.indices = obs.indices;
  view.data = obs.data;
  view.validate("M");
  if (obs.perm) {
    bool ok = true;
    for (index_t p = 0; p < nnz; ++p) ok = ok && obs.perm[p] >= 0 && index_t(obs.perm[p]) < nnz;
    require(ok, "perm: index out of range");
  }
  return obs;
}

}  // namespace lralg::bindings
