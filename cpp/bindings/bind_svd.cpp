#include "bindings.hpp"
#include "isvd_block.hpp"

namespace lralg::bindings {

void bind_svd(py::module_& m) {
  bind_truncated_svd<float, NoGuard>(m);
  bind_truncated_svd<double, NoGuard>(m);
}

}  // namespace lralg::bindings
