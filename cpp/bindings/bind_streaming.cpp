#include "bindings.hpp"
#include "streaming_face.hpp"

namespace lralg::bindings {

void bind_streaming(py::module_& m) { bind_streaming_face<HostFeed>(m); }

}  // namespace lralg::bindings
