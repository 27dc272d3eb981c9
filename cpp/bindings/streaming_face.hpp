// The Python face of the streaming eigenvector, shared by lralg._core (bind_streaming.cpp: the
// rows read in host memory) and lralg._cuda (the rows copied to the device, where the block
// products run): the same class and update functions, the rows given by a Feed policy. The class
// is module-local: both modules register the same C++ type.
#pragma once

#include <cstdint>
#include <mutex>

#include "bindings.hpp"
#include "lralg/streaming.hpp"

namespace lralg::bindings {

// The core state plus a lock: updates run with the GIL released, so two
// Python threads feeding one stream must not interleave.
struct StreamHandle {
  explicit StreamHandle(const StreamingEigOptions& opt) : core(opt) {}
  StreamingTopEig core;
  std::mutex mutex;
};

// The rows read where they are.
struct HostFeed {
  template <class T>
  static void dense(StreamingTopEig& s, const Dense<T>& x) {
    s.update(x.data, x.rows, x.cols, x.row_major);
  }
  template <class T, class I>
  static void csr(StreamingTopEig& s, const CsrView<T, I>& x) {
    s.update_csr(x);
  }
};

template <class Feed>
void bind_streaming_face(py::module_& m) {
  py::class_<StreamHandle>(m, "StreamingTopEigenvector", py::module_local())
      .def(py::init([](int method, index_t n_features, index_t n_rows, index_t n_blocks, double heavy_factor,
                       double learning_rate, std::uint64_t seed) {
             require(method >= 0 && method <= 2, "unknown method");
             StreamingEigOptions opt;
             opt.method = EigMethod(method);
             opt.n_features = n_features;
             opt.n_rows = n_rows;
             opt.n_blocks = n_blocks;
             opt.heavy_factor = heavy_factor;
             opt.learning_rate = learning_rate;
             opt.seed = seed;
             return new StreamHandle(opt);
           }),
           py::arg("method"), py::arg("n_features"), py::arg("n_rows"), py::arg("n_blocks"),
           py::arg("heavy_factor"), py::arg("learning_rate"), py::arg("seed"))
      .def_property_readonly("rows_seen", [](StreamHandle& s) { return s.core.rows_seen(); })
      .def_property_readonly("n_heavy", [](StreamHandle& s) { return s.core.n_heavy(); })
      .def_property_readonly("memory_bytes", [](StreamHandle& s) { return s.core.memory_bytes(); })
      .def_property_readonly("blocks_done", [](StreamHandle& s) { return s.core.blocks_done(); })
      .def_property_readonly("n_blocks", [](StreamHandle& s) { return s.core.options().n_blocks; })
      .def_property_readonly("heavy_factor", [](StreamHandle& s) { return s.core.options().heavy_factor; })
      .def("result", [](StreamHandle& s) {
        Eigen::VectorXd v;
        double value = 0.0;
        {
          py::gil_scoped_release release;
          std::lock_guard<std::mutex> lock(s.mutex);
          s.core.result(v, value);
        }
        py::array_t<double> out(py::ssize_t(v.size()), v.data());
        return py::make_tuple(out, value);
      });

  for_each_scalar([&](auto tag) {
    using T = decltype(tag);
    m.def(
        "streaming_update",
        [](StreamHandle& s, const py::array_t<T>& X) {
          const Dense<T> x = dense_view(X, "block");
          py::gil_scoped_release release;
          std::lock_guard<std::mutex> lock(s.mutex);
          Feed::dense(s.core, x);
        },
        py::arg("stream"), py::arg("block"));

    // A CSR block as its three arrays (read in place, never densified).
    auto bind_csr = [&](auto index_tag) {
      using I = decltype(index_tag);
      m.def(
          "streaming_update_csr",
          [](StreamHandle& s, const py::array_t<I>& indptr, const py::array_t<I>& indices,
             const py::array_t<T>& data, index_t rows, index_t cols) {
            const auto x = csr_view<T, I>(indptr, indices, data, rows, cols, "block");
            py::gil_scoped_release release;
            std::lock_guard<std::mutex> lock(s.mutex);
            Feed::csr(s.core, x);
          },
          py::arg("stream"), py::arg("indptr"), py::arg("indices"), py::arg("data"), py::arg("rows"),
          py::arg("cols"));
    };
    for_each_index(bind_csr);
  });
}

}  // namespace lralg::bindings
