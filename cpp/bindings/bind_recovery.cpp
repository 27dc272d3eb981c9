#include <pybind11/stl.h>

#include <optional>

#include "bindings.hpp"
#include "lralg/recovery.hpp"

namespace lralg::bindings {

namespace {
EntryIndex entry_index(index_t n1, index_t n2, const py::array_t<std::int64_t>& rows,
                       const py::array_t<std::int64_t>& cols, const py::array_t<std::int64_t>& ptr_r,
                       const py::array_t<std::int64_t>& order_r, const py::array_t<std::int64_t>& ptr_c,
                       const py::array_t<std::int64_t>& order_c) {
  EntryIndex idx;
  idx.n1 = n1;
  idx.n2 = n2;
  idx.m = index_t(rows.size());
  require(n1 >= 1 && n2 >= 1 && idx.m >= 1, "entry sampling needs a positive shape and >= 1 entry");
  idx.rows = vector_data(rows, idx.m, "rows");
  idx.cols = vector_data(cols, idx.m, "cols");
  idx.ptr_r = vector_data(ptr_r, n1 + 1, "ptr_r");
  idx.order_r = vector_data(order_r, idx.m, "order_r");
  idx.ptr_c = vector_data(ptr_c, n2 + 1, "ptr_c");
  idx.order_c = vector_data(order_c, idx.m, "order_c");
  return idx;
}
}  // namespace

void bind_recovery(py::module_& m) {
  m.def(
      "entry_index_check",
      [](index_t n1, index_t n2, const py::array_t<std::int64_t>& rows, const py::array_t<std::int64_t>& cols,
         const py::array_t<std::int64_t>& ptr_r, const py::array_t<std::int64_t>& order_r,
         const py::array_t<std::int64_t>& ptr_c, const py::array_t<std::int64_t>& order_c) {
        entry_index(n1, n2, rows, cols, ptr_r, order_r, ptr_c, order_c).validate();
      },
      py::arg("n1"), py::arg("n2"), py::arg("rows"), py::arg("cols"), py::arg("ptr_r"), py::arg("order_r"),
      py::arg("ptr_c"), py::arg("order_c"));

  m.def(
      "gaussian_measurement_matrix",
      [](std::uint64_t seed, index_t n1, index_t n2, index_t i, bool symmetric) {
        detail::check_gaussian_shape(n1, n2, 1, symmetric);
        auto out = new_matrix<double>(n1, n2);
        double* dst = out.mutable_data();
        py::gil_scoped_release release;
        gaussian_measurement_matrix<double>(seed, n1, n2, i, symmetric, dst);
        return out;
      },
      py::arg("seed"), py::arg("n1"), py::arg("n2"), py::arg("i"), py::arg("symmetric"));

  m.def(
      "gaussian_draws",
      [](std::uint64_t seed, index_t n1, index_t n2, index_t m_, bool symmetric) {
        detail::check_gaussian_shape(n1, n2, m_, symmetric);
        auto out = new_matrix<double>(m_, 4 * detail::gaussian_quads(n1, n2, symmetric));
        double* dst = out.mutable_data();
        py::gil_scoped_release release;
        gaussian_draws(seed, n1, n2, m_, symmetric, dst);
        return out;
      },
      py::arg("seed"), py::arg("n1"), py::arg("n2"), py::arg("n_measurements"), py::arg("symmetric"));

  for_each_scalar([&](auto tag) {
    using T = decltype(tag);
    m.def(
        "gaussian_matvec",
        [](std::uint64_t seed, index_t m_, bool symmetric, const py::array_t<T>& X,
           const std::optional<py::array_t<double>>& stored) {
          require(X.ndim() == 2, "X must be 2-D");
          const index_t n1 = index_t(X.shape(0)), n2 = index_t(X.shape(1));
          const T* x = matrix_data(X, n1, n2, "X");
          detail::check_gaussian_shape(n1, n2, m_, symmetric);
          const double* z =
              stored ? matrix_data(*stored, m_, 4 * detail::gaussian_quads(n1, n2, symmetric), "stored")
                     : nullptr;
          py::array_t<T> y{py::ssize_t(m_)};
          T* dst = y.mutable_data();
          py::gil_scoped_release release;
          gaussian_matvec<T>(seed, n1, n2, m_, symmetric, x, dst, z);
          return y;
        },
        py::arg("seed"), py::arg("n_measurements"), py::arg("symmetric"), py::arg("X"),
        py::arg("stored") = py::none());
    m.def(
        "gaussian_rmatvec",
        [](std::uint64_t seed, index_t n1, index_t n2, bool symmetric, const py::array_t<T>& y,
           const std::optional<py::array_t<double>>& stored) {
          require(y.ndim() == 1, "y must be 1-D");
          const index_t m_ = index_t(y.shape(0));
          const T* src = vector_data(y, m_, "y");
          detail::check_gaussian_shape(n1, n2, m_, symmetric);
          const double* z =
              stored ? matrix_data(*stored, m_, 4 * detail::gaussian_quads(n1, n2, symmetric), "stored")
                     : nullptr;
          auto out = new_matrix<T>(n1, n2);
          T* dst = out.mutable_data();
          py::gil_scoped_release release;
          gaussian_rmatvec<T>(seed, n1, n2, m_, symmetric, src, dst, z);
          return out;
        },
        py::arg("seed"), py::arg("n1"), py::arg("n2"), py::arg("symmetric"), py::arg("y"),
        py::arg("stored") = py::none());
    m.def(
        "entry_forward",
        [](index_t n1, index_t n2, const py::array_t<std::int64_t>& rows,
           const py::array_t<std::int64_t>& cols, const py::array_t<std::int64_t>& ptr_r,
           const py::array_t<std::int64_t>& order_r, const py::array_t<std::int64_t>& ptr_c,
           const py::array_t<std::int64_t>& order_c, const py::array_t<T>& F, const py::array_t<T>& G) {
          const EntryIndex idx = entry_index(n1, n2, rows, cols, ptr_r, order_r, ptr_c, order_c);
          require(F.ndim() == 2, "F must be 2-D");
          const index_t k = index_t(F.shape(1));
          const T* f = matrix_data(F, n1, k, "F");
          const T* g = matrix_data(G, n2, k, "G");
          py::array_t<T> y{py::ssize_t(idx.m)};
          T* dst = y.mutable_data();
          py::gil_scoped_release release;
          entry_forward<T>(idx, k, f, g, dst);
          return y;
        },
        py::arg("n1"), py::arg("n2"), py::arg("rows"), py::arg("cols"), py::arg("ptr_r"), py::arg("order_r"),
        py::arg("ptr_c"), py::arg("order_c"), py::arg("F"), py::arg("G"));
    m.def(
        "entry_adjoint_times",
        [](index_t n1, index_t n2, const py::array_t<std::int64_t>& rows,
           const py::array_t<std::int64_t>& cols, const py::array_t<std::int64_t>& ptr_r,
           const py::array_t<std::int64_t>& order_r, const py::array_t<std::int64_t>& ptr_c,
           const py::array_t<std::int64_t>& order_c, const py::array_t<T>& s, const py::array_t<T>& F,
           const py::array_t<T>& G) {
          const EntryIndex idx = entry_index(n1, n2, rows, cols, ptr_r, order_r, ptr_c, order_c);
          require(F.ndim() == 2, "F must be 2-D");
          const index_t k = index_t(F.shape(1));
          const T* sv = vector_data(s, idx.m, "s");
          const T* f = matrix_data(F, n1, k, "F");
          const T* g = matrix_data(G, n2, k, "G");
          auto SG = new_matrix<T>(n1, k);
          auto StF = new_matrix<T>(n2, k);
          T* sg = SG.mutable_data();
          T* stf = StF.mutable_data();
          {
            py::gil_scoped_release release;
            entry_adjoint_times<T>(idx, k, sv, f, g, sg, stf);
          }
          return py::make_tuple(SG, StF);
        },
        py::arg("n1"), py::arg("n2"), py::arg("rows"), py::arg("cols"), py::arg("ptr_r"), py::arg("order_r"),
        py::arg("ptr_c"), py::arg("order_c"), py::arg("s"), py::arg("F"), py::arg("G"));
  });
}

}  // namespace lralg::bindings
