// The BLAS/LAPACK function table of lralg/blas.hpp: filled from SciPy's capsules at import
// (python/lralg/_blas.py), plus small test hooks that run each wrapper on arrays.
#include <pybind11/stl.h>

#include <cstring>
#include <type_traits>

#include "blas_capsules.hpp"

namespace lralg::bindings {

namespace {

template <class S>
using FArray = py::array_t<S, py::array::f_style | py::array::forcecast>;

template <class S>
Eigen::Map<const Mat<S>> as_mat(const FArray<S>& a, const char* name) {
  require(a.ndim() == 2, std::string(name) + " must be 2-D");
  return {a.data(), index_t(a.shape(0)), index_t(a.shape(1))};
}

template <class S>
py::array_t<S, py::array::f_style> to_array(const Mat<S>& M) {
  py::array_t<S, py::array::f_style> out({py::ssize_t(M.rows()), py::ssize_t(M.cols())});
  if (M.size()) std::memcpy(out.mutable_data(), M.data(), sizeof(S) * std::size_t(M.size()));
  return out;
}

}  // namespace

void bind_blas(py::module_& m) {
  m.def(
      "_set_blas", [](const py::dict& capsules) { return set_blas_from_capsules(capsules); },
      py::arg("capsules"),
      "Give the core the BLAS/LAPACK routines {name: PyCapsule} (scipy.linalg.cython_blas / "
      "cython_lapack __pyx_capi__ entries); returns the names it took.");
  m.def("_use_blas", &blas::use_blas, py::arg("on"),
        "True: use the BLAS/LAPACK pointers where set; False: Eigen everywhere.");
  m.def("_blas_info", [] {
    py::dict info;
    const auto& t = blas::table();
    const void* ptrs[] = {reinterpret_cast<const void*>(t.dgemm),  reinterpret_cast<const void*>(t.sgemm),
                          reinterpret_cast<const void*>(t.dsyrk),  reinterpret_cast<const void*>(t.ssyrk),
                          reinterpret_cast<const void*>(t.dsyevd), reinterpret_cast<const void*>(t.ssyevd),
                          reinterpret_cast<const void*>(t.dgeqrf), reinterpret_cast<const void*>(t.sgeqrf),
                          reinterpret_cast<const void*>(t.dorgqr), reinterpret_cast<const void*>(t.sorgqr),
                          reinterpret_cast<const void*>(t.dpotrf), reinterpret_cast<const void*>(t.dtrtri)};
    const auto& names = blas::names();
    for (std::size_t i = 0; i < names.size(); ++i) info[names[i]] = ptrs[i] != nullptr;
    info["enabled"] = blas::enabled();
    return info;
  });
  for_each_scalar([&](auto tag) {
    using S = decltype(tag);
    const std::string sfx = std::is_same_v<S, float> ? "_f32" : "_f64";
    m.def(("_blas_gemm" + sfx).c_str(),
          [](const std::string& ta, const std::string& tb, S alpha, const FArray<S>& a, const FArray<S>& b,
             S beta, const FArray<S>& c) {
            const auto A = as_mat(a, "A");
            const auto B = as_mat(b, "B");
            Mat<S> C = as_mat(c, "C");
            {
              py::gil_scoped_release release;
              blas::gemm<S>(ta == "T" ? 'T' : 'N', tb == "T" ? 'T' : 'N', alpha, A, B, beta, C);
            }
            return to_array(C);
          });
    m.def(("_blas_syrk" + sfx).c_str(), [](const std::string& trans, const FArray<S>& a) {
      const auto A = as_mat(a, "A");
      const index_t n = trans == "T" ? A.cols() : A.rows();
      Mat<S> C(n, n);
      {
        py::gil_scoped_release release;
        blas::syrk<S>(trans == "T" ? 'T' : 'N', S(1), A, S(0), C);
      }
      return to_array(C);
    });
    m.def(("_blas_syev" + sfx).c_str(), [](const FArray<S>& a) {
      Mat<S> A = as_mat(a, "A");
      Vec<S> w;
      {
        py::gil_scoped_release release;
        blas::syev(A, w);
      }
      Mat<S> wm = w;
      return py::make_tuple(to_array(wm), to_array(A));
    });
    m.def(("_blas_qr" + sfx).c_str(), [](const FArray<S>& a) {
      Mat<S> A = as_mat(a, "A");
      {
        py::gil_scoped_release release;
        blas::qr_thin(A);
      }
      return to_array(A);
    });
  });
}

}  // namespace lralg::bindings
