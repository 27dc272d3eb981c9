#include <cstring>
#include <memory>
#include <vector>

#include "bindings.hpp"
#include "isvd_block.hpp"
#include "lralg/isvd.hpp"

namespace lralg::bindings {

namespace {

template <class S>
using FArray = py::array_t<S, py::array::f_style | py::array::forcecast>;

template <class S>
py::array_t<S, py::array::f_style> to_array(const Mat<S>& M) {
  py::array_t<S, py::array::f_style> out({py::ssize_t(M.rows()), py::ssize_t(M.cols())});
  if (M.size()) std::memcpy(out.mutable_data(), M.data(), sizeof(S) * std::size_t(M.size()));
  return out;
}

py::array_t<double> to_vector(const std::vector<double>& v) {
  py::array_t<double> out(py::ssize_t(v.size()));
  if (!v.empty()) std::memcpy(out.mutable_data(), v.data(), sizeof(double) * v.size());
  return out;
}

template <class S>
Eigen::Map<const Mat<S>> as_mat(const FArray<S>& a, const char* name) {
  require(a.ndim() == 2, std::string(name) + " must be 2-D");
  return {a.data(), index_t(a.shape(0)), index_t(a.shape(1))};
}

template <class S>
void bind_scalar(py::module_& m, const char* suffix) {
  using Holder = BlockHolder<S>;
  using State = IsvdState<S>;
  auto block = py::class_<Holder>(m, (std::string("IsvdBlock") + suffix).c_str());
  // X (2-D, C- or F-contiguous) stacked along axis: A = X^T (axis 0) or X (axis 1).
  block.def_static(
      "dense",
      [](const py::array_t<S>& X, int axis, double sqnorm) {
        const Dense<S> d = dense_view(X, "block");
        require(axis == 0 || axis == 1, "axis must be 0 or 1");
        auto h = std::make_unique<Holder>();
        h->keep.push_back(X);
        // column-major view M: X^T for a C-ordered X, X itself for an F-ordered one
        const index_t rows = d.row_major ? d.cols : d.rows;
        const index_t cols = d.row_major ? d.rows : d.cols;
        const bool trans = d.row_major ? axis == 1 : axis == 0;
        h->op = std::make_unique<IsvdDenseBlock<S>>(d.data, rows, cols, rows, trans, sqnorm);
        return h;
      },
      py::arg("X"), py::arg("axis"), py::arg("sqnorm"));
  auto bind_csr = [&](auto index_tag) {
    using I = decltype(index_tag);
    block.def_static(
        "csr",
        [](const py::array_t<I>& indptr, const py::array_t<I>& indices, const py::array_t<S>& data,
           const py::array_t<I>& t_indptr, const py::array_t<I>& t_indices, const py::array_t<S>& t_data,
           index_t m, index_t b, double sqnorm) {
          const auto A = csr_view<S, I>(indptr, indices, data, m, b, "block");
          const auto At = csr_view<S, I>(t_indptr, t_indices, t_data, b, m, "block (transposed)");
          auto h = std::make_unique<Holder>();
          h->keep = {indptr, indices, data, t_indptr, t_indices, t_data};
          h->op = std::make_unique<IsvdCsrBlock<S, I>>(A, At, sqnorm);
          return h;
        },
        py::arg("indptr"), py::arg("indices"), py::arg("data"), py::arg("t_indptr"), py::arg("t_indices"),
        py::arg("t_data"), py::arg("m"), py::arg("b"), py::arg("sqnorm"));
  };
  for_each_index(bind_csr);
  block.def_property_readonly("shape",
                              [](const Holder& h) { return py::make_tuple(h.op->rows(), h.op->cols()); });

  py::class_<State>(m, (std::string("IsvdState") + suffix).c_str())
      .def(py::init<index_t, index_t, int, double, std::uint64_t, int, index_t>(), py::arg("m"),
           py::arg("k_keep"), py::arg("residual"), py::arg("tol"), py::arg("seed"),
           py::arg("power_iters") = 1, py::arg("sketch") = 0)
      .def(
          "update",
          [](State& s, const Holder& blk, int exact, index_t n_items, double sqnorm,
             bool track) -> py::object {
            typename State::Step step;
            {
              py::gil_scoped_release release;
              s.update(*blk.op, exact, n_items, sqnorm, track ? &step : nullptr);
            }
            if (!track) return py::none();
            return py::make_tuple(to_array(step.rot), to_array(step.coef));
          },
          py::arg("block"), py::arg("exact"), py::arg("n_items"), py::arg("sqnorm"), py::arg("track"))
      .def(
          "load",
          [](State& s, const FArray<S>& Q, const py::array_t<double>& lam, index_t blocks, index_t items,
             double sqnorm) {
            const auto Qm = as_mat(Q, "Q");
            const double* l = vector_data(lam, Qm.cols(), "lam");
            const Vec<double> lv = Eigen::Map<const Vec<double>>(l, Qm.cols());
            s.load(Qm, lv, blocks, items, sqnorm);
          },
          py::arg("Q"), py::arg("lam"), py::arg("blocks"), py::arg("items"), py::arg("sqnorm"))
      .def("copy", [](const State& s) { return State(s); })
      .def_property_readonly("Q", [](const State& s) { return to_array(s.Q); })
      .def_property_readonly(
          "lam",
          [](const State& s) {
            return to_vector(std::vector<double>(s.lam.data(), s.lam.data() + s.lam.size()));
          })
      .def_property_readonly("k", [](const State& s) { return s.Q.cols(); })
      .def_property_readonly("m", &State::m)
      .def_property_readonly("k_keep", &State::k_keep)
      .def_readonly("blocks", &State::blocks)
      .def_readonly("items", &State::items)
      .def_readonly("sqnorm", &State::sqnorm);

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
        return py::make_tuple(to_array(Qr), to_vector(values));
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
