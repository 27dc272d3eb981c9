#include "bindings.hpp"
#include "lralg/isvd.hpp"

namespace lralg::bindings {

void bind_isvd(py::module_& m) {
  for_each_scalar([&](auto tag) {
    using T = decltype(tag);
    auto bind_csr = [&](auto index_tag) {
      using I = decltype(index_tag);
      m.def(
          "isvd_csr_matmul",
          [](const py::array_t<I>& indptr, const py::array_t<I>& indices, const py::array_t<T>& data,
             index_t rows, index_t cols, const py::array_t<T>& W) {
            const auto x = csr_view<T, I>(indptr, indices, data, rows, cols, "block");
            const Dense<T> w = dense_view(W, "W");
            require(w.rows == cols, "W must have as many rows as the block has columns");
            require(w.row_major || w.cols <= 1, "W must be C-contiguous");
            auto out = new_matrix<T>(rows, w.cols);
            T* dst = out.mutable_data();
            py::gil_scoped_release release;
            isvd_csr_matmul(x, w.data, w.cols, dst);
            return out;
          },
          py::arg("indptr"), py::arg("indices"), py::arg("data"), py::arg("rows"), py::arg("cols"),
          py::arg("W"));
    };
    bind_csr(std::int32_t{});
    bind_csr(std::int64_t{});
  });
  m.def(
      "isvd_gaussian",
      [](std::uint64_t seed, std::uint64_t stream, index_t rows, index_t cols, bool single) {
        require(rows >= 0 && cols >= 0, "shape must be non-negative");
        if (single) {
          auto out = new_matrix<float>(rows, cols);
          float* dst = out.mutable_data();
          {
            py::gil_scoped_release release;
            isvd_gaussian(seed, stream, rows, cols, dst);
          }
          return py::object(out);
        }
        auto out = new_matrix<double>(rows, cols);
        double* dst = out.mutable_data();
        {
          py::gil_scoped_release release;
          isvd_gaussian(seed, stream, rows, cols, dst);
        }
        return py::object(out);
      },
      py::arg("seed"), py::arg("stream"), py::arg("rows"), py::arg("cols"), py::arg("single"));
}

}  // namespace lralg::bindings
