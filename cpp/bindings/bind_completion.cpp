#include <pybind11/stl.h>

#include "completion_views.hpp"
#include "lralg/completion_bayes.hpp"

namespace lralg::bindings {

void bind_completion(py::module_& m) {
  py::class_<HalfSweepOptions>(m, "HalfSweepOptions",
                               "The options of one half-sweep of completion_solve_rows.")
      .def(py::init<>())
      .def_property(
          "method", [](const HalfSweepOptions& o) { return int(o.method); },
          [](HalfSweepOptions& o, int method) {
            require(method == 0 || method == 1, "method must be 0 (robust-altmin) or 1 (altmin)");
            o.method = CompletionMethod(method);
          })
      .def_readwrite("reg", &HalfSweepOptions::reg)
      .def_readwrite("reg_per_entry", &HalfSweepOptions::reg_per_entry)
      .def_readwrite("mu", &HalfSweepOptions::mu)
      .def_readwrite("inner_iter", &HalfSweepOptions::inner_iter)
      .def_readwrite("inner_rtol", &HalfSweepOptions::inner_rtol)
      .def_readwrite("sketch_factor", &HalfSweepOptions::sketch_factor)
      .def_readwrite("seed", &HalfSweepOptions::seed)
      .def_readwrite("stream", &HalfSweepOptions::stream)
      .def_readwrite("row_observations", &HalfSweepOptions::row_observations);

  auto bind_index = [&](auto index_tag) {
    using I = decltype(index_tag);
    m.def(
        "completion_transpose",
        [](const CArray<I>& indptr, const CArray<I>& indices, index_t rows, index_t cols) {
          const I* ip = vector_data(indptr, rows + 1, "indptr");
          const index_t nnz = rows > 0 ? index_t(ip[rows]) : 0;
          const I* ix = vector_data(indices, nnz, "indices");
          bool ok = true;
          for (index_t p = 0; p < nnz; ++p) ok = ok && ix[p] >= 0 && index_t(ix[p]) < cols;
          require(ok, "indices: column index out of range");
          TransposedPattern<I> t;
          {
            py::gil_scoped_release release;
            t = transpose_pattern(ip, ix, rows, cols);
          }
          return py::make_tuple(CArray<I>(py::ssize_t(t.indptr.size()), t.indptr.data()),
                                CArray<I>(py::ssize_t(t.indices.size()), t.indices.data()),
                                CArray<I>(py::ssize_t(t.perm.size()), t.perm.data()));
        },
        py::arg("indptr").noconvert(), py::arg("indices").noconvert(), py::arg("rows"), py::arg("cols"));

    for_each_scalar([&](auto tag) {
      using T = decltype(tag);
      m.def(
          "completion_solve_rows",
          [](const CArray<I>& indptr, const CArray<I>& indices, const CArray<T>& data,
             const std::optional<CArray<I>>& perm, index_t rows, index_t cols,
             const std::optional<CArray<T>>& offset, const CArray<T>& Y, CArray<T>& X,
             const HalfSweepOptions& options) {
            const auto obs = row_observations<T, I>(indptr, indices, data, perm, rows, cols);
            require(X.ndim() == 2 && index_t(X.shape(0)) == rows, "X must have one row per row of M");
            const index_t d = index_t(X.shape(1));
            const T* y = matrix_data(Y, cols, d, "Y");
            const T* off = optional_vector(offset, cols, "offset");
            T* x = X.mutable_data();
            HalfSweepStats stats;
            {
              py::gil_scoped_release release;
              stats = solve_rows(obs, off, y, d, x, options);
            }
            return stats.cg_iterations;
          },
          py::arg("indptr").noconvert(), py::arg("indices").noconvert(), py::arg("data").noconvert(),
          py::arg("perm").noconvert(), py::arg("rows"), py::arg("cols"), py::arg("offset").noconvert(),
          py::arg("Y").noconvert(), py::arg("X").noconvert(), py::arg("options"));

      m.def(
          "completion_bayes_rows",
          [](const CArray<I>& indptr, const CArray<I>& indices, const CArray<T>& data,
             const std::optional<CArray<I>>& perm, index_t rows, index_t cols,
             const CArray<double>& partner_mean, const CArray<double>& partner_second,
             const CArray<double>& prior_precision, double noise_variance, double mu, bool bias) {
            const auto obs = row_observations<T, I>(indptr, indices, data, perm, rows, cols);
            require(partner_mean.ndim() == 2, "partner_mean must be 2-D");
            BayesHalfSweep opt;
            opt.d = index_t(partner_mean.shape(1));
            opt.bias = bias;
            opt.mu = mu;
            opt.noise_variance = noise_variance;
            require(opt.d >= (bias ? 2 : 1), "partner_mean has too few columns");
            const index_t packed = packed_size(opt.d);
            const double* pm = matrix_data(partner_mean, cols, opt.d, "partner_mean");
            const double* ps = matrix_data(partner_second, cols, packed, "partner_second");
            opt.prior_precision = vector_data(prior_precision, opt.d - (bias ? 1 : 0), "prior_precision");
            CArray<double> mean({rows, opt.d}), second({rows, packed}), expected(rows), fitted(rows);
            {
              py::gil_scoped_release release;
              bayes_solve_rows(obs, pm, ps, opt, mean.mutable_data(), second.mutable_data(),
                               expected.mutable_data(), fitted.mutable_data());
            }
            return py::make_tuple(mean, second, expected, fitted);
          },
          py::arg("indptr").noconvert(), py::arg("indices").noconvert(), py::arg("data").noconvert(),
          py::arg("perm").noconvert(), py::arg("rows"), py::arg("cols"), py::arg("partner_mean").noconvert(),
          py::arg("partner_second").noconvert(), py::arg("prior_precision").noconvert(),
          py::arg("noise_variance"), py::arg("mu"), py::arg("bias"));

      m.def(
          "completion_squared_residual",
          [](const CArray<I>& indptr, const CArray<I>& indices, const CArray<T>& data, index_t rows,
             index_t cols, const CArray<T>& U, const CArray<T>& V, double mu,
             const std::optional<CArray<T>>& a, const std::optional<CArray<T>>& b) {
            const auto obs = row_observations<T, I>(indptr, indices, data, std::nullopt, rows, cols);
            require(U.ndim() == 2, "U must be 2-D");
            const index_t k = index_t(U.shape(1));
            const T* u = matrix_data(U, rows, k, "U");
            const T* v = matrix_data(V, cols, k, "V");
            const T* pa = optional_vector(a, rows, "row_bias");
            const T* pb = optional_vector(b, cols, "col_bias");
            py::gil_scoped_release release;
            return squared_residual(obs, u, v, k, mu, pa, pb);
          },
          py::arg("indptr").noconvert(), py::arg("indices").noconvert(), py::arg("data").noconvert(),
          py::arg("rows"), py::arg("cols"), py::arg("U").noconvert(), py::arg("V").noconvert(), py::arg("mu"),
          py::arg("a").noconvert(), py::arg("b").noconvert());
    });
  };
  for_each_index(bind_index);

  for_each_scalar([&](auto tag) {
    using T = decltype(tag);
    m.def(
        "completion_predict",
        [](const CArray<T>& U, const CArray<T>& V, double mu, const std::optional<CArray<T>>& a,
           const std::optional<CArray<T>>& b, const CArray<std::int64_t>& rows,
           const CArray<std::int64_t>& cols) {
          require(U.ndim() == 2 && V.ndim() == 2 && U.shape(1) == V.shape(1),
                  "U and V must be 2-D with the same number of columns");
          const index_t m_ = index_t(U.shape(0)), n_ = index_t(V.shape(0)), k = index_t(U.shape(1));
          const index_t count = index_t(rows.size());
          const std::int64_t* r = vector_data(rows, count, "rows");
          const std::int64_t* c = vector_data(cols, count, "cols");
          bool ok = true;
          for (index_t p = 0; p < count; ++p) ok = ok && r[p] >= 0 && r[p] < m_ && c[p] >= 0 && c[p] < n_;
          require(ok, "rows/cols: index out of range");
          const T* pa = optional_vector(a, m_, "row_bias");
          const T* pb = optional_vector(b, n_, "col_bias");
          CArray<T> out(count);
          T* dst = out.mutable_data();
          py::gil_scoped_release release;
          predict_entries(U.data(), V.data(), k, mu, pa, pb, r, c, count, dst);
          return out;
        },
        py::arg("U").noconvert(), py::arg("V").noconvert(), py::arg("mu"), py::arg("a").noconvert(),
        py::arg("b").noconvert(), py::arg("rows").noconvert(), py::arg("cols").noconvert());
  });
}

}  // namespace lralg::bindings
