#include <Eigen/Core>

#include <pybind11/stl.h>

#include "bindings.hpp"
#include "lralg/random.hpp"

namespace lralg::bindings {

void bind_config(py::module_& m) {
  m.def("get_num_threads", &num_threads, "Threads used by the core's parallel loops.");
  m.def("set_num_threads", &set_num_threads, py::arg("n"));
  m.def("max_threads", &max_threads, "The most threads set_num_threads accepts.");
  m.def("build_info", [] {
    py::dict info;
    info["version"] = LRALG_VERSION;
    info["compiler"] = LRALG_CXX_COMPILER;
    info["eigen"] = std::to_string(EIGEN_WORLD_VERSION) + "." + std::to_string(EIGEN_MAJOR_VERSION) + "." +
                    std::to_string(EIGEN_MINOR_VERSION);
    info["openmp"] = openmp_enabled();
    info["cuda"] = false;
#ifdef LRALG_SANITIZED
    info["sanitized"] = true;
#else
    info["sanitized"] = false;
#endif
    return info;
  });
  // Raw generator access, for the known-answer tests of the counter-based RNG.
  m.def("_philox4x32", [](std::array<std::uint32_t, 4> counter, std::array<std::uint32_t, 2> key) {
    return Philox4x32::encrypt(counter, key);
  });
  m.def("_uniform", [](std::uint64_t seed, std::uint64_t stream, std::uint64_t counter) {
    return CounterRng(seed).uniform(stream, counter);
  });
}

}  // namespace lralg::bindings
