// SciPy's BLAS/LAPACK handed to a module's copy of the core's BLAS table
// (lralg/blas.hpp): lralg._core and lralg._cuda each hold one.
#pragma once

#include <string>
#include <vector>

#include "bindings.hpp"
#include "lralg/blas.hpp"

namespace lralg::bindings {

// {name: PyCapsule} (scipy.linalg.cython_blas / cython_lapack __pyx_capi__
// entries) into the table; returns the names it took.
inline std::vector<std::string> set_blas_from_capsules(const py::dict& capsules) {
  std::vector<std::string> set;
  for (auto item : capsules) {
    const auto name = item.first.cast<std::string>();
    const auto cap = py::reinterpret_borrow<py::capsule>(item.second);
    void* p = PyCapsule_GetPointer(cap.ptr(), PyCapsule_GetName(cap.ptr()));
    if (!p) throw py::error_already_set();
    if (blas::set_pointer(name.c_str(), p)) set.push_back(name);
  }
  return set;
}

}  // namespace lralg::bindings
