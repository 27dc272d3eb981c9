#include "bindings.hpp"

namespace lb = lralg::bindings;

PYBIND11_MODULE(_core, m) {
  m.doc() = "lralg's compiled core. Use the lralg package, not this module.";
  lb::py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const lralg::type_error& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const lralg::value_error& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
  lb::bind_config(m);
  lb::bind_blas(m);
  lb::bind_projection(m);
  lb::bind_streaming(m);
  lb::bind_graph(m);
  lb::bind_completion(m);
  lb::bind_isvd(m);
  lb::bind_recovery(m);
  lb::bind_svd(m);
  lb::bind_quantize(m);
  lb::bind_nuclear_norm(m);
  lb::bind_deltaproduct(m);
}
