#include <pybind11/stl.h>

#include "bindings.hpp"
#include "lralg/graph.hpp"

namespace lralg::bindings {

void bind_graph(py::module_& m) {
  py::class_<FastRPOptions>(
      m, "FastRPOptions",
      "The parameters of fastrp; strip, two_hop and huge_panels choose code paths (tests).")
      .def(py::init<>())
      .def_readwrite("dim", &FastRPOptions::dim)
      .def_readwrite("weights", &FastRPOptions::weights)
      .def_readwrite("beta", &FastRPOptions::beta)
      .def_readwrite("transition", &FastRPOptions::transition)
      .def_readwrite("normalize", &FastRPOptions::normalize)
      .def_readwrite("self_influence", &FastRPOptions::self_influence)
      .def_readwrite("density", &FastRPOptions::density)
      .def_readwrite("seed", &FastRPOptions::seed)
      .def_readwrite("strip", &FastRPOptions::strip)
      .def_readwrite("two_hop", &FastRPOptions::two_hop)
      .def_readwrite("huge_panels", &FastRPOptions::huge_panels);

  for_each_scalar([&](auto tag) {
    using T = decltype(tag);
    auto bind_csr = [&](auto index_tag) {
      using I = decltype(index_tag);
      m.def(
          "fastrp",
          [](const py::array_t<I>& indptr, const py::array_t<I>& indices, const py::array_t<T>& data,
             index_t n_nodes, const FastRPOptions& options) {
            const auto A = csr_view<T, I>(indptr, indices, data, n_nodes, n_nodes, "graph");
            require(options.dim >= 1, "dim must be >= 1");
            auto out = new_matrix<T>(n_nodes, options.dim);
            T* dst = out.mutable_data();
            py::gil_scoped_release release;
            fastrp(A, options, dst);
            return out;
          },
          py::arg("indptr"), py::arg("indices"), py::arg("data"), py::arg("n_nodes"), py::arg("options"));
    };
    for_each_index(bind_csr);
  });
}

}  // namespace lralg::bindings
