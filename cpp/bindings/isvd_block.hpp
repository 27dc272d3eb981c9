// The incremental SVD's block operator as the bindings hold it: shared by bind_isvd.cpp (which
// registers it with Python) and every binding that takes one (bind_svd.cpp).
#pragma once

#include <memory>
#include <vector>

#include "bindings.hpp"
#include "lralg/isvd.hpp"

namespace lralg::bindings {

// A block for the core, keeping the arrays it reads alive.
template <class S>
struct BlockHolder {
  std::vector<py::object> keep;
  std::unique_ptr<IsvdBlock<S>> op;
};

}  // namespace lralg::bindings
