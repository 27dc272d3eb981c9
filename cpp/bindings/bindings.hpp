// Shared pieces of the pybind11 layer: array conversion and the per-capability
// binders called by module.cpp. No algorithm lives in the bindings.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <memory>
#include <string>

#include "lralg/common.hpp"
#include "lralg/sparse.hpp"

namespace lralg::bindings {

namespace py = pybind11;

void bind_config(py::module_& m);
void bind_blas(py::module_& m);
void bind_projection(py::module_& m);
void bind_streaming(py::module_& m);
void bind_graph(py::module_& m);
void bind_completion(py::module_& m);
void bind_isvd(py::module_& m);
void bind_recovery(py::module_& m);
void bind_svd(py::module_& m);
void bind_quantize(py::module_& m);
void bind_nuclear_norm(py::module_& m);
void bind_deltaproduct(py::module_& m);

// A 2-D array as the core sees it: a pointer and a layout, no copy.
template <class T>
struct Dense {
  const T* data;
  index_t rows;
  index_t cols;
  bool row_major;
};

template <class T>
Dense<T> dense_view(const py::array_t<T>& a, const char* name) {
  require(a.ndim() == 2, std::string(name) + " must be 2-D");
  const bool c = (a.flags() & py::array::c_style) != 0;
  const bool f = (a.flags() & py::array::f_style) != 0;
  require(c || f, std::string(name) + " must be C- or F-contiguous");
  return {a.data(), index_t(a.shape(0)), index_t(a.shape(1)), c};
}

template <class T, int Flags>
const T* vector_data(const py::array_t<T, Flags>& a, index_t expected, const char* name) {
  require(a.ndim() == 1 && index_t(a.shape(0)) == expected && (a.flags() & py::array::c_style) != 0,
          std::string(name) + " must be a contiguous 1-D array of length " + std::to_string(expected));
  return a.data();
}

// A C-ordered (rows x cols) matrix, checked.
template <class T, int Flags>
const T* matrix_data(const py::array_t<T, Flags>& a, index_t rows, index_t cols, const char* name) {
  require(a.ndim() == 2 && index_t(a.shape(0)) == rows && index_t(a.shape(1)) == cols &&
              (a.flags() & py::array::c_style) != 0,
          std::string(name) + " must be a C-contiguous array of shape (" + std::to_string(rows) + ", " +
              std::to_string(cols) + ")");
  return a.data();
}

// A CSR matrix passed as its three arrays and shape; checked before use.
template <class T, class Index>
CsrView<T, Index> csr_view(const py::array_t<Index>& indptr, const py::array_t<Index>& indices,
                           const py::array_t<T>& data, index_t rows, index_t cols, const char* name) {
  CsrView<T, Index> v;
  v.rows = rows;
  v.cols = cols;
  v.indptr = vector_data(indptr, rows + 1, "indptr");
  const index_t nnz = rows > 0 ? index_t(v.indptr[rows]) : 0;
  require(nnz >= 0 && index_t(indices.size()) >= nnz && index_t(data.size()) >= nnz,
          std::string(name) + ": indices/data shorter than indptr says");
  v.indices = vector_data(indices, index_t(indices.size()), "indices");
  v.data = vector_data(data, index_t(data.size()), "data");
  v.validate(name);
  return v;
}

// A new uninitialised C-ordered array, filled by the core with the GIL
// released, starting on a 64-byte boundary: numpy's allocations are 16-byte
// aligned, which makes a row of a panel that the kernels gather 9 cache
// lines instead of 8 (FastRP gathers rows of its output). The
// memory is numpy's (its huge-page advice, and the heap's reuse of it from
// call to call), 64 bytes more, with the array a view into it.
template <class T>
py::array_t<T> new_matrix(index_t rows, index_t cols) {
  constexpr std::size_t kAlign = 64;
  const std::size_t count = std::size_t(rows) * std::size_t(cols);
  py::array_t<T> block(py::ssize_t(count + kAlign / sizeof(T)));
  const auto address = reinterpret_cast<std::uintptr_t>(block.mutable_data());
  const std::size_t skip = ((kAlign - address % kAlign) % kAlign) / sizeof(T);
  return py::array_t<T>({py::ssize_t(rows), py::ssize_t(cols)},
                        {py::ssize_t(cols) * py::ssize_t(sizeof(T)), py::ssize_t(sizeof(T))},
                        block.mutable_data() + skip, block);
}

// Calls f(tag) for float and double, so a binder registers both overloads once.
template <class F>
void for_each_scalar(F&& f) {
  f(float{});
  f(double{});
}

// Calls f(std::int32_t{}) and f(std::int64_t{}): the index types of the CSR arrays the core
// takes without a copy (SciPy builds int32 indices and switches to int64 for large arrays).
template <class F>
void for_each_index(F&& f) {
  f(std::int32_t{});
  f(std::int64_t{});
}

}  // namespace lralg::bindings
