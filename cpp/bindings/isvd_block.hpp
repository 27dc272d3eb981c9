// The Python face of the SVD blocks and the incremental SVD's state, shared by lralg._core
// (bind_isvd.cpp, bind_svd.cpp: host blocks) and lralg._cuda (device blocks): the same classes
// and functions, the block types given by factories and the work run under a Guard (nothing for
// the core, lralg::cuda::DeviceProducts for the CUDA backend). The classes are module-local: both
// modules register the same C++ types, and a block of one is not an argument of the other.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "lralg/isvd.hpp"
#include "lralg/svd.hpp"

namespace lralg::bindings {

// A block for the core, keeping the arrays it reads alive.
template <class S>
struct BlockHolder {
  std::vector<py::object> keep;
  std::unique_ptr<IsvdBlock<S>> op;
};

struct NoGuard {};

template <class S>
using FArray = py::array_t<S, py::array::f_style | py::array::forcecast>;

template <class S>
py::array_t<S, py::array::f_style> to_farray(const Mat<S>& M) {
  py::array_t<S, py::array::f_style> out({py::ssize_t(M.rows()), py::ssize_t(M.cols())});
  if (M.size()) std::memcpy(out.mutable_data(), M.data(), sizeof(S) * std::size_t(M.size()));
  return out;
}

inline py::array_t<double> to_vector(const double* v, std::size_t n) {
  py::array_t<double> out(static_cast<py::ssize_t>(n));
  if (n) std::memcpy(out.mutable_data(), v, sizeof(double) * n);
  return out;
}

template <class S>
Eigen::Map<const Mat<S>> as_mat(const FArray<S>& a, const char* name) {
  require(a.ndim() == 2, std::string(name) + " must be 2-D");
  return {a.data(), index_t(a.shape(0)), index_t(a.shape(1))};
}

// IsvdBlock<suffix>: dense(X, axis, sqnorm) -> make_dense(data, rows, cols, trans, sqnorm) on the
// column-major view M of X (A = M^T where trans); csr(...) -> make_csr(A, At, sqnorm).
template <class S, class MakeDense, class MakeCsr>
void bind_isvd_block(py::module_& m, const char* suffix, MakeDense make_dense, MakeCsr make_csr) {
  using Holder = BlockHolder<S>;
  auto block = py::class_<Holder>(m, (std::string("IsvdBlock") + suffix).c_str(), py::module_local());
  // X (2-D, C- or F-contiguous) stacked along axis: A = X^T (axis 0) or X (axis 1).
  block.def_static(
      "dense",
      [make_dense](const py::array_t<S>& X, int axis, double sqnorm) {
        const Dense<S> d = dense_view(X, "block");
        require(axis == 0 || axis == 1, "axis must be 0 or 1");
        auto h = std::make_unique<Holder>();
        h->keep.push_back(X);
        // column-major view M: X^T for a C-ordered X, X itself for an F-ordered one
        const index_t rows = d.row_major ? d.cols : d.rows;
        const index_t cols = d.row_major ? d.rows : d.cols;
        const bool trans = d.row_major ? axis == 1 : axis == 0;
        py::gil_scoped_release release;
        h->op = make_dense(d.data, rows, cols, trans, sqnorm);
        return h;
      },
      py::arg("X"), py::arg("axis"), py::arg("sqnorm"));
  for_each_index([&](auto index_tag) {
    using I = decltype(index_tag);
    block.def_static(
        "csr",
        [make_csr](const py::array_t<I>& indptr, const py::array_t<I>& indices, const py::array_t<S>& data,
                   const py::array_t<I>& t_indptr, const py::array_t<I>& t_indices,
                   const py::array_t<S>& t_data, index_t m, index_t b, double sqnorm) {
          const auto A = csr_view<S, I>(indptr, indices, data, m, b, "block");
          const auto At = csr_view<S, I>(t_indptr, t_indices, t_data, b, m, "block (transposed)");
          auto h = std::make_unique<Holder>();
          h->keep = {indptr, indices, data, t_indptr, t_indices, t_data};
          py::gil_scoped_release release;
          h->op = make_csr(A, At, sqnorm);
          return h;
        },
        py::arg("indptr"), py::arg("indices"), py::arg("data"), py::arg("t_indptr"), py::arg("t_indices"),
        py::arg("t_data"), py::arg("m"), py::arg("b"), py::arg("sqnorm"));
  });
  block.def_property_readonly("shape",
                              [](const Holder& h) { return py::make_tuple(h.op->rows(), h.op->cols()); });
}

// IsvdState<suffix>: the incremental SVD's summary; update runs under a Guard.
template <class S, class Guard>
void bind_isvd_state(py::module_& m, const char* suffix) {
  using Holder = BlockHolder<S>;
  using State = IsvdState<S>;
  py::class_<State>(m, (std::string("IsvdState") + suffix).c_str(), py::module_local())
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
              [[maybe_unused]] const Guard guard{};
              s.update(*blk.op, exact, n_items, sqnorm, track ? &step : nullptr);
            }
            if (!track) return py::none();
            return py::make_tuple(to_farray(step.rot), to_farray(step.coef));
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
      .def_property_readonly("Q", [](const State& s) { return to_farray(s.Q); })
      .def_property_readonly(
          "lam", [](const State& s) { return to_vector(s.lam.data(), std::size_t(s.lam.size())); })
      .def_property_readonly("k", [](const State& s) { return s.Q.cols(); })
      .def_property_readonly("m", &State::m)
      .def_property_readonly("k_keep", &State::k_keep)
      .def_readonly("blocks", &State::blocks)
      .def_readonly("items", &State::items)
      .def_readonly("sqnorm", &State::sqnorm);
}

// V (n x k, column-major) as the C-ordered vt (k x n): the same bytes.
template <class S>
py::array_t<S> to_transposed(const Mat<S>& V) {
  py::array_t<S> out({py::ssize_t(V.cols()), py::ssize_t(V.rows())});
  if (V.size()) std::memcpy(out.mutable_data(), V.data(), sizeof(S) * std::size_t(V.size()));
  return out;
}

// truncated_svd(block, rank, oversampling, power_iters, seed) -> (u, s, vt, error_sq), under a Guard.
template <class S, class Guard>
void bind_truncated_svd(py::module_& m) {
  m.def(
      "truncated_svd",
      [](const BlockHolder<S>& block, index_t rank, index_t oversampling, int power_iters,
         std::uint64_t seed) {
        TruncatedSvdOptions opt;
        opt.rank = rank;
        opt.oversampling = oversampling;
        opt.power_iters = power_iters;
        opt.seed = seed;
        TruncatedSvd<S> r;
        {
          py::gil_scoped_release release;
          [[maybe_unused]] const Guard guard{};
          r = truncated_svd<S>(*block.op, opt);
        }
        return py::make_tuple(to_farray(r.U), to_vector(r.s.data(), std::size_t(r.s.size())),
                              to_transposed(r.V), r.error_sq);
      },
      py::arg("block"), py::arg("rank"), py::arg("oversampling"), py::arg("power_iters"), py::arg("seed"));
}

}  // namespace lralg::bindings
