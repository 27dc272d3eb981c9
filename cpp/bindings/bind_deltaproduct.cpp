#include <pybind11/stl.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "lralg/deltaproduct.hpp"

namespace lralg::bindings {

namespace {

template <class S>
using CArray = py::array_t<S, py::array::c_style>;

template <class S>
const S* shaped(const CArray<S>& a, std::initializer_list<index_t> shape, const char* name) {
  bool ok = index_t(a.ndim()) == index_t(shape.size());
  int axis = 0;
  for (index_t n : shape) ok = ok && index_t(a.shape(axis++)) == n;
  require(ok, std::string(name) + ": shape does not match the other arguments");
  return a.data();
}

template <class S>
py::array_t<S> new_array(std::initializer_list<index_t> shape) {
  std::vector<py::ssize_t> dims;
  for (index_t n : shape) dims.push_back(py::ssize_t(n));
  return py::array_t<S>(dims);
}

// q (G, T, dk), k (G, T n_h, dk), v (G, T n_h, dv), beta (G, T n_h), s0 (G, dk, dv) or None.
template <class S>
DeltaScanShape scan_shape(const CArray<S>& q, const CArray<S>& v, index_t n_h, index_t chunk) {
  require(q.ndim() == 3 && v.ndim() == 3, "q and v must be 3-D (groups, steps, features)");
  DeltaScanShape s;
  s.groups = q.shape(0);
  s.tokens = q.shape(1);
  s.dk = q.shape(2);
  s.dv = v.shape(2);
  s.n_h = n_h;
  s.chunk = chunk;
  deltaproduct_detail::check(s);
  return s;
}

template <class S>
DeltaScanInputs<S> scan_inputs(const DeltaScanShape& s, const CArray<S>& q, const CArray<S>& k,
                               const CArray<S>& v, const CArray<S>& beta,
                               const std::optional<CArray<S>>& s0) {
  DeltaScanInputs<S> in;
  in.q = shaped(q, {s.groups, s.tokens, s.dk}, "q");
  in.k = shaped(k, {s.groups, s.steps(), s.dk}, "k");
  in.v = shaped(v, {s.groups, s.steps(), s.dv}, "v");
  in.beta = shaped(beta, {s.groups, s.steps()}, "beta");
  in.s0 = s0 ? shaped(*s0, {s.groups, s.dk, s.dv}, "initial_state") : nullptr;
  return in;
}

}  // namespace

void bind_deltaproduct(py::module_& m) {
  for_each_scalar([&](auto tag) {
    using S = decltype(tag);
    m.def(
        "delta_product_scan",
        [](const CArray<S>& q, const CArray<S>& k, const CArray<S>& v, const CArray<S>& beta, index_t n_h,
           index_t chunk, const std::optional<CArray<S>>& s0) {
          const DeltaScanShape s = scan_shape(q, v, n_h, chunk);
          const DeltaScanInputs<S> in = scan_inputs(s, q, k, v, beta, s0);
          auto out = new_array<S>({s.groups, s.tokens, s.dv});
          auto state = new_array<S>({s.groups, s.dk, s.dv});
          S* o = out.mutable_data();
          S* f = state.mutable_data();
          {
            py::gil_scoped_release release;
            delta_product_scan<S>(s, in, o, f);
          }
          return py::make_tuple(out, state);
        },
        py::arg("q"), py::arg("k"), py::arg("v"), py::arg("beta"), py::arg("n_h"), py::arg("chunk"),
        py::arg("initial_state"));
    m.def(
        "delta_product_scan_backward",
        [](const CArray<S>& q, const CArray<S>& k, const CArray<S>& v, const CArray<S>& beta, index_t n_h,
           index_t chunk, const std::optional<CArray<S>>& s0, const CArray<S>& d_out,
           const std::optional<CArray<S>>& d_final) {
          const DeltaScanShape s = scan_shape(q, v, n_h, chunk);
          const DeltaScanInputs<S> in = scan_inputs(s, q, k, v, beta, s0);
          const S* go = shaped(d_out, {s.groups, s.tokens, s.dv}, "d_out");
          const S* gf = d_final ? shaped(*d_final, {s.groups, s.dk, s.dv}, "d_final") : nullptr;
          auto dq = new_array<S>({s.groups, s.tokens, s.dk});
          auto dk = new_array<S>({s.groups, s.steps(), s.dk});
          auto dv = new_array<S>({s.groups, s.steps(), s.dv});
          auto db = new_array<S>({s.groups, s.steps()});
          auto ds0 = new_array<S>({s.groups, s.dk, s.dv});
          S *pq = dq.mutable_data(), *pk = dk.mutable_data(), *pv = dv.mutable_data();
          S *pb = db.mutable_data(), *ps = ds0.mutable_data();
          {
            py::gil_scoped_release release;
            delta_product_scan_backward<S>(s, in, go, gf, pq, pk, pv, pb, ps);
          }
          return py::make_tuple(dq, dk, dv, db, ds0);
        },
        py::arg("q"), py::arg("k"), py::arg("v"), py::arg("beta"), py::arg("n_h"), py::arg("chunk"),
        py::arg("initial_state"), py::arg("d_out"), py::arg("d_final"));
    m.def(
        "householder_product",
        [](const CArray<S>& k, const CArray<S>& beta) {
          require(k.ndim() == 3, "K must be 3-D (groups, n, d)");
          const index_t g = k.shape(0), n = k.shape(1), d = k.shape(2);
          const S* pb = shaped(beta, {g, n}, "beta");
          auto w = new_array<S>({g, n, d});
          const S* pk = k.data();
          S* pw = w.mutable_data();
          {
            py::gil_scoped_release release;
            householder_product<S>(g, n, d, pk, pb, pw);
          }
          return w;
        },
        py::arg("K"), py::arg("beta"));
  });
}

}  // namespace lralg::bindings
