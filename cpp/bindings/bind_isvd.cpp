#include <memory>
#include <type_traits>
#include <vector>

#include "bindings.hpp"
#include "isvd_block.hpp"
#include "lralg/isvd.hpp"

namespace lralg::bindings {

namespace {

template <class S>
void bind_scalar(py::module_& m, const char* suffix) {
  using Holder = BlockHolder<S>;
  bind_isvd_block<S>(
      m, suffix,
      [](const S* data, index_t rows, index_t cols, bool trans,
         double sqnorm) -> std::unique_ptr<IsvdBlock<S>> {
        return std::make_unique<IsvdDenseBlock<S>>(data, rows, cols, rows, trans, sqnorm);
      },
      [](const auto& A, const auto& At, double sqnorm) -> std::unique_ptr<IsvdBlock<S>> {
        using I = std::remove_cv_t<std::remove_pointer_t<decltype(A.indices)>>;
        return std::make_unique<IsvdCsrBlock<S, I>>(A, At, sqnorm);
      });
  bind_isvd_state<S, NoGuard>(m, suffix);

  // Exact residual basis of a block against Q (m x k): (Q_r, squared singular values).
  m.def(
      "isvd_residual_basis",
      [](const FArray<S>& Q, const Holder& blk, double tol) {
        const auto Qm = as_mat(Q, "Q");
        std::vector<double> values;
        Mat<S> Qr;
        {
          py::gil_scoped_release release;
          Qr = isvd_residual_basis<S>(Qm, *blk.op, tol, values);
        }
        return py::make_tuple(to_farray(Qr), to_vector(values.data(), values.size()));
      },
      py::arg("Q"), py::arg("block"), py::arg("tol"));
}

}  // namespace

void bind_isvd(py::module_& m) {
  bind_scalar<float>(m, "32");
  bind_scalar<double>(m, "64");
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
    for_each_index(bind_csr);
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
