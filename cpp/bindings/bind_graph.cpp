#include <vector>

#include "bindings.hpp"
#include "lralg/graph.hpp"

namespace lralg::bindings {

void bind_graph(py::module_& m) {
  for_each_scalar([&](auto tag) {
    using T = decltype(tag);
    auto bind_csr = [&](auto index_tag) {
      using I = decltype(index_tag);
      m.def(
          "fastrp",
          [](const py::array_t<I>& indptr, const py::array_t<I>& indices, const py::array_t<T>& data,
             index_t n_nodes, index_t dim, const py::array_t<double>& weights, double beta, bool transition,
             bool normalize, double self_influence, double density, std::uint64_t seed, index_t strip,
             int two_hop, int huge_panels) {
            const auto A = csr_view<T, I>(indptr, indices, data, n_nodes, n_nodes, "graph");
            FastRPOptions opt;
            opt.dim = dim;
            const double* w = vector_data(weights, index_t(weights.size()), "weights");
            opt.weights.assign(w, w + weights.size());
            opt.beta = beta;
            opt.transition = transition;
            opt.normalize = normalize;
            opt.self_influence = self_influence;
            opt.density = density;
            opt.seed = seed;
            opt.strip = strip;
            opt.two_hop = two_hop;
            opt.huge_panels = huge_panels;
            require(dim >= 1, "dim must be >= 1");
            auto out = new_matrix<T>(n_nodes, dim);
            T* dst = out.mutable_data();
            py::gil_scoped_release release;
            fastrp(A, opt, dst);
            return out;
          },
          py::arg("indptr"), py::arg("indices"), py::arg("data"), py::arg("n_nodes"), py::arg("dim"),
          py::arg("weights"), py::arg("beta"), py::arg("transition"), py::arg("normalize"),
          py::arg("self_influence"), py::arg("density"), py::arg("seed"), py::arg("strip") = index_t(0),
          py::arg("two_hop") = -1, py::arg("huge_panels") = 1);
    };
    for_each_index(bind_csr);
  });
}

}  // namespace lralg::bindings
