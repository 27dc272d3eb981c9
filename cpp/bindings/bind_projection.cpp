#include "bindings.hpp"
#include "lralg/projection.hpp"

namespace lralg::bindings {

void bind_projection(py::module_& m) {
  m.def(
      "random_projection_matrix",
      [](index_t n_features, index_t n_components, double density, std::uint64_t seed) {
        SignPattern R;
        {
          py::gil_scoped_release release;
          R = projection_pattern(n_features, n_components, density, seed);
        }
        py::array_t<std::int64_t> indptr(py::ssize_t(R.indptr.size()), R.indptr.data());
        py::array_t<std::int64_t> indices(py::ssize_t(R.indices.size()), R.indices.data());
        py::array_t<std::int8_t> signs(py::ssize_t(R.signs.size()), R.signs.data());
        return py::make_tuple(indptr, indices, signs, R.scale);
      },
      py::arg("n_features"), py::arg("n_components"), py::arg("density"), py::arg("seed"));

  for_each_scalar([&](auto tag) {
    using T = decltype(tag);
    m.def(
        "sparse_random_projection",
        [](const py::array_t<T>& X, index_t n_components, double density, std::uint64_t seed) {
          const Dense<T> x = dense_view(X, "X");
          auto out = new_matrix<T>(x.rows, n_components);
          T* dst = out.mutable_data();
          py::gil_scoped_release release;
          const SignPattern R = projection_pattern(x.cols, n_components, density, seed);
          project_dense(x.data, x.rows, x.cols, x.row_major, R, dst);
          return out;
        },
        py::arg("X"), py::arg("n_components"), py::arg("density"), py::arg("seed"));

    auto bind_csr = [&](auto index_tag) {
      using I = decltype(index_tag);
      m.def(
          "sparse_random_projection",
          [](const py::array_t<I>& indptr, const py::array_t<I>& indices, const py::array_t<T>& data,
             index_t rows, index_t cols, index_t n_components, double density, std::uint64_t seed) {
            const auto x = csr_view<T, I>(indptr, indices, data, rows, cols, "X");
            auto out = new_matrix<T>(rows, n_components);
            T* dst = out.mutable_data();
            py::gil_scoped_release release;
            const SignPattern R = projection_pattern(cols, n_components, density, seed);
            project_csr(x, R, dst);
            return out;
          },
          py::arg("indptr"), py::arg("indices"), py::arg("data"), py::arg("rows"), py::arg("cols"),
          py::arg("n_components"), py::arg("density"), py::arg("seed"));
    };
    for_each_index(bind_csr);
  });
}

}  // namespace lralg::bindings
