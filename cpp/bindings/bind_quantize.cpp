#include <cstdint>

#include "bindings.hpp"
#include "lralg/quantize.hpp"

namespace lralg::bindings {

namespace {

constexpr int CArray = py::array::c_style;

template <class S>
struct Outputs {
  py::array_t<std::uint8_t> codes, zeros;
  py::array_t<S> scales, dequantized;
  py::array_t<std::int32_t> group;
  Outputs(index_t rows, index_t cols, index_t groups)
      : codes({py::ssize_t(rows), py::ssize_t(cols)}),
        zeros({py::ssize_t(rows), py::ssize_t(groups)}),
        scales({py::ssize_t(rows), py::ssize_t(groups)}),
        dequantized({py::ssize_t(rows), py::ssize_t(cols)}),
        group(py::ssize_t(cols)) {}
  QuantizedOut<S> view() {
    return {codes.mutable_data(), scales.mutable_data(), zeros.mutable_data(), group.mutable_data(),
            dequantized.mutable_data()};
  }
  py::tuple result() const { return py::make_tuple(codes, scales, zeros, group, dequantized); }
};

QuantizeOptions grid_options(int bits, index_t group_size, bool symmetric) {
  QuantizeOptions o;
  o.bits = bits;
  o.group_size = group_size;
  o.symmetric = symmetric;
  return o;
}

template <class S>
void bind_scalar(py::module_& m) {
  m.def(
      "quantize_rtn",
      [](const py::array_t<S, CArray>& W, int bits, index_t group_size, bool symmetric) {
        require(W.ndim() == 2, "W must be 2-D");
        const index_t rows = W.shape(0), cols = W.shape(1);
        const QuantizeOptions opt = grid_options(bits, group_size, symmetric);
        quant_detail::check(opt, rows, cols);
        Outputs<S> out(rows, cols, quant_groups(cols, group_size > 0 ? std::min(group_size, cols) : cols));
        const S* w = W.data();
        auto view = out.view();
        {
          py::gil_scoped_release release;
          quantize_rtn<S>(w, rows, cols, opt, view);
        }
        return out.result();
      },
      py::arg("W"), py::arg("bits"), py::arg("group_size"), py::arg("symmetric"));
  m.def(
      "quantize_gptq",
      [](const py::array_t<S, CArray>& W, const py::array_t<double, CArray>& H, int bits, index_t group_size,
         bool symmetric, index_t block_size, double damp, bool act_order) {
        require(W.ndim() == 2, "W must be 2-D");
        const index_t rows = W.shape(0), cols = W.shape(1);
        const double* h = matrix_data(H, cols, cols, "H");
        GptqOptions opt;
        opt.grid = grid_options(bits, group_size, symmetric);
        opt.block_size = block_size;
        opt.damp = damp;
        opt.act_order = act_order;
        quant_detail::check(opt.grid, rows, cols);
        Outputs<S> out(rows, cols, group_size > 0 ? quant_groups(cols, std::min(group_size, cols)) : 1);
        const S* w = W.data();
        auto view = out.view();
        {
          py::gil_scoped_release release;
          quantize_gptq<S>(w, h, rows, cols, opt, view);
        }
        return out.result();
      },
      py::arg("W"), py::arg("H"), py::arg("bits"), py::arg("group_size"), py::arg("symmetric"),
      py::arg("block_size"), py::arg("damp"), py::arg("act_order"));
}

}  // namespace

void bind_quantize(py::module_& m) {
  bind_scalar<float>(m);
  bind_scalar<double>(m);
}

}  // namespace lralg::bindings
