#include <cstdint>
#include <cstring>

#include "bindings.hpp"
#include "isvd_block.hpp"
#include "lralg/svd.hpp"

namespace lralg::bindings {

namespace {

template <class S>
py::array_t<S, py::array::f_style> to_farray(const Mat<S>& M) {
  py::array_t<S, py::array::f_style> out({py::ssize_t(M.rows()), py::ssize_t(M.cols())});
  if (M.size()) std::memcpy(out.mutable_data(), M.data(), sizeof(S) * std::size_t(M.size()));
  return out;
}

// V (n x k, column-major) as the C-ordered vt (k x n): the same bytes.
template <class S>
py::array_t<S> to_transposed(const Mat<S>& V) {
  py::array_t<S> out({py::ssize_t(V.cols()), py::ssize_t(V.rows())});
  if (V.size()) std::memcpy(out.mutable_data(), V.data(), sizeof(S) * std::size_t(V.size()));
  return out;
}

template <class S>
void bind_scalar(py::module_& m) {
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
          r = truncated_svd<S>(*block.op, opt);
        }
        py::array_t<double> s(py::ssize_t(r.s.size()));
        if (r.s.size()) std::memcpy(s.mutable_data(), r.s.data(), sizeof(double) * std::size_t(r.s.size()));
        return py::make_tuple(to_farray(r.U), s, to_transposed(r.V), r.error_sq);
      },
      py::arg("block"), py::arg("rank"), py::arg("oversampling"), py::arg("power_iters"), py::arg("seed"));
}

}  // namespace

void bind_svd(py::module_& m) {
  bind_scalar<float>(m);
  bind_scalar<double>(m);
}

}  // namespace lralg::bindings
