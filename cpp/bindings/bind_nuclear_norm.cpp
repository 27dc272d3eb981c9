#include "bindings.hpp"
#include "lralg/nuclear_norm.hpp"

namespace lralg::bindings {

void bind_nuclear_norm(py::module_& m) {
  for_each_scalar([&](auto tag) {
    using S = decltype(tag);
    using CArray = py::array_t<S, py::array::c_style>;
    m.def(
        "matrix_nuclear_norm",
        [](const CArray& X, index_t rank) {
          require(X.ndim() == 2, "X must be 2-D");
          const S* x = X.data();
          const index_t rows = X.shape(0), cols = X.shape(1);
          py::gil_scoped_release release;
          return matrix_nuclear_norm<S>(x, rows, cols, rank);
        },
        py::arg("X"), py::arg("rank"));
    m.def(
        "matrix_entropy",
        [](const CArray& X) {
          require(X.ndim() == 2, "X must be 2-D");
          const S* x = X.data();
          const index_t rows = X.shape(0), cols = X.shape(1);
          py::gil_scoped_release release;
          return matrix_entropy<S>(x, rows, cols);
        },
        py::arg("X"));
  });
}

}  // namespace lralg::bindings
