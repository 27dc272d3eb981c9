// lralg._cuda: the pybind11 face of the CUDA backend (built with
// LRALG_CUDA=ON). Bindings only: array conversion, the GIL released around
// device work, C++ exceptions to Python ones. The algorithms are in the .cu files.
#include <pybind11/stl.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>

#include "api.hpp"
#include "blas_capsules.hpp"
#include "completion_host.hpp"
#include "completion_views.hpp"
#include "device_blocks.hpp"
#include "device_streaming.hpp"
#include "isvd_block.hpp"
#include "streaming_face.hpp"

namespace lc = lralg::cuda;
namespace lb = lralg::bindings;
namespace py = pybind11;
using lralg::index_t;

namespace {

// lralg._core.HalfSweepOptions, read by attribute (the two modules share one face).
lralg::HalfSweepOptions half_sweep_options(const py::object& options) {
  lralg::HalfSweepOptions o;
  const int method = options.attr("method").cast<int>();
  lralg::require(method == 0 || method == 1, "method must be 0 (robust-altmin) or 1 (altmin)");
  o.method = lralg::CompletionMethod(method);
  o.reg = options.attr("reg").cast<double>();
  o.reg_per_entry = options.attr("reg_per_entry").cast<bool>();
  o.mu = options.attr("mu").cast<double>();
  o.inner_iter = options.attr("inner_iter").cast<int>();
  o.inner_rtol = options.attr("inner_rtol").cast<double>();
  o.sketch_factor = options.attr("sketch_factor").cast<int>();
  o.seed = options.attr("seed").cast<std::uint64_t>();
  o.stream = options.attr("stream").cast<std::uint64_t>();
  o.row_observations = options.attr("row_observations").cast<double>();
  return o;
}

// lralg._core.FastRPOptions read by attribute (the two modules share one face);
// params.weights points into weights, which lives as long as the face.
struct FastrpFace {
  explicit FastrpFace(const py::object& options)
      : weights(options.attr("weights").cast<std::vector<double>>()) {
    params.dim = options.attr("dim").cast<index_t>();
    params.n_powers = index_t(weights.size());
    params.weights = weights.data();
    params.beta = options.attr("beta").cast<double>();
    params.transition = options.attr("transition").cast<bool>();
    params.normalize = options.attr("normalize").cast<bool>();
    params.self_influence = options.attr("self_influence").cast<double>();
    params.density = options.attr("density").cast<double>();
    params.seed = options.attr("seed").cast<std::uint64_t>();
  }
  FastrpFace(const FastrpFace&) = delete;
  FastrpFace& operator=(const FastrpFace&) = delete;
  std::vector<double> weights;
  lc::FastrpParams params;
};

// One side's observations on the device for one fit (lc::DeviceObservations),
// holding the host arrays it copied so that they, and their addresses, stay
// the same while it lives.
struct ResidentObservations {
  virtual ~ResidentObservations() = default;
  py::tuple host_arrays;
};

template <class T, class I>
struct ResidentOf final : ResidentObservations {
  explicit ResidentOf(const lralg::RowObservations<T, I>& obs) : device(obs) {}
  lc::DeviceObservations<T, I> device;
};

// completion_solve_rows with the core's signature: one half-sweep, the rows
// solved on the device; X is updated in place. `resident` (from
// completion_observations on the same arrays) saves copying the observations.
template <class T>
void bind_completion(py::module_& m) {
  lb::for_each_index([&](auto index_tag) {
    using I = decltype(index_tag);
    m.def(
        "completion_observations",
        [](const lb::CArray<I>& indptr, const lb::CArray<I>& indices, const lb::CArray<T>& data,
           const std::optional<lb::CArray<I>>& perm, index_t rows,
           index_t cols) -> std::unique_ptr<ResidentObservations> {
          const auto obs = lb::row_observations<T, I>(indptr, indices, data, perm, rows, cols);
          std::unique_ptr<ResidentOf<T, I>> resident;
          {
            py::gil_scoped_release release;
            resident = std::make_unique<ResidentOf<T, I>>(obs);
          }
          py::object kept_perm = py::none();
          if (perm) kept_perm = *perm;
          resident->host_arrays = py::make_tuple(indptr, indices, data, kept_perm);
          return resident;
        },
        py::arg("indptr").noconvert(), py::arg("indices").noconvert(), py::arg("data").noconvert(),
        py::arg("perm").noconvert(), py::arg("rows"), py::arg("cols"),
        "The observations of completion_solve_rows copied to the device, for every half-sweep "
        "of a fit on these same (unchanged) arrays.");
    m.def(
        "completion_solve_rows",
        [](const lb::CArray<I>& indptr, const lb::CArray<I>& indices, const lb::CArray<T>& data,
           const std::optional<lb::CArray<I>>& perm, index_t rows, index_t cols,
           const std::optional<lb::CArray<T>>& offset, const lb::CArray<T>& Y, lb::CArray<T>& X,
           const py::object& options, const ResidentObservations* resident) {
          const auto obs = lb::row_observations<T, I>(indptr, indices, data, perm, rows, cols);
          lralg::require(X.ndim() == 2 && index_t(X.shape(0)) == rows, "X must have one row per row of M");
          const index_t d = index_t(X.shape(1));
          const T* y = lb::matrix_data(Y, cols, d, "Y");
          const T* off = lb::optional_vector(offset, cols, "offset");
          const lralg::HalfSweepOptions opt = half_sweep_options(options);
          const lc::DeviceObservations<T, I>* device = nullptr;
          if (resident != nullptr) {
            const auto* typed = dynamic_cast<const ResidentOf<T, I>*>(resident);
            lralg::require(typed != nullptr, "resident: observations of another dtype or index type");
            device = &typed->device;
          }
          T* x = X.mutable_data();
          py::gil_scoped_release release;
          return lc::completion_half_sweep(obs, off, y, d, x, opt, device);
        },
        py::arg("indptr").noconvert(), py::arg("indices").noconvert(), py::arg("data").noconvert(),
        py::arg("perm").noconvert(), py::arg("rows"), py::arg("cols"), py::arg("offset").noconvert(),
        py::arg("Y").noconvert(), py::arg("X").noconvert(), py::arg("options"),
        py::arg("resident") = py::none());
  });
}

// The SVD blocks kept on the device, the incremental SVD's state and
// truncated_svd, with the faces of lralg._core's (isvd_block.hpp): the core's
// algorithms, their large products on the device (DeviceProducts).
template <class T>
void bind_svd(py::module_& m, const char* suffix) {
  lb::bind_isvd_block<T>(
      m, suffix,
      [](const T* data, index_t rows, index_t cols, bool trans,
         double sqnorm) -> std::unique_ptr<lralg::IsvdBlock<T>> {
        return std::make_unique<lc::DeviceDenseBlock<T>>(data, rows, cols, trans, sqnorm);
      },
      [](const auto& A, const auto& At, double sqnorm) -> std::unique_ptr<lralg::IsvdBlock<T>> {
        using I = std::remove_cv_t<std::remove_pointer_t<decltype(A.indices)>>;
        return std::make_unique<lc::DeviceCsrBlock<T, I>>(A, At, sqnorm);
      });
  lb::bind_isvd_state<T, lc::DeviceProducts>(m, suffix);
}

void bind_kernels(py::module_& m) {
  m.def(
      "random_projection_matrix",
      [](index_t n_features, index_t n_components, double density, std::uint64_t seed) {
        lc::Pattern R;
        {
          py::gil_scoped_release release;
          R = lc::projection_pattern(n_features, n_components, density, seed);
        }
        return py::make_tuple(py::array_t<std::int64_t>(py::ssize_t(R.indptr.size()), R.indptr.data()),
                              py::array_t<std::int32_t>(py::ssize_t(R.indices.size()), R.indices.data()),
                              py::array_t<std::int8_t>(py::ssize_t(R.signs.size()), R.signs.data()));
      },
      py::arg("n_features"), py::arg("n_components"), py::arg("density"), py::arg("seed"));

  lb::for_each_scalar([&](auto tag) {
    using T = decltype(tag);
    bind_completion<T>(m);
    m.def(
        "sparse_random_projection",
        [](const py::array_t<T>& X, index_t n_components, double density, std::uint64_t seed) {
          const lb::Dense<T> x = lb::dense_view(X, "X");
          auto out = lb::new_matrix<T>(x.rows, n_components);
          T* dst = out.mutable_data();
          py::gil_scoped_release release;
          lc::project_dense(x.data, x.rows, x.cols, x.row_major, n_components, density, seed, dst);
          return out;
        },
        py::arg("X"), py::arg("n_components"), py::arg("density"), py::arg("seed"));
    lb::for_each_index([&](auto index_tag) {
      using I = decltype(index_tag);
      m.def(
          "sparse_random_projection",
          [](const py::array_t<I>& indptr, const py::array_t<I>& indices, const py::array_t<T>& data,
             index_t rows, index_t cols, index_t n_components, double density, std::uint64_t seed) {
            const auto x = lb::csr_view<T, I>(indptr, indices, data, rows, cols, "X");
            auto out = lb::new_matrix<T>(rows, n_components);
            T* dst = out.mutable_data();
            py::gil_scoped_release release;
            lc::project_csr(x, n_components, density, seed, dst);
            return out;
          },
          py::arg("indptr"), py::arg("indices"), py::arg("data"), py::arg("rows"), py::arg("cols"),
          py::arg("n_components"), py::arg("density"), py::arg("seed"));
      m.def(
          "fastrp",
          // options: lralg._core.FastRPOptions (read by attribute, so the two modules share one face)
          [](const py::array_t<I>& indptr, const py::array_t<I>& indices, const py::array_t<T>& data,
             index_t n, const py::object& options) {
            const auto A = lb::csr_view<T, I>(indptr, indices, data, n, n, "graph");
            const FastrpFace face(options);
            auto out = lb::new_matrix<T>(n, face.params.dim);
            T* dst = out.mutable_data();
            py::gil_scoped_release release;
            lc::fastrp(A, face.params, dst);
            return out;
          },
          py::arg("indptr"), py::arg("indices"), py::arg("data"), py::arg("n"), py::arg("options"));
      m.def(
          "fastrp_to_device",
          // fastrp with the embedding written into device memory the caller owns
          // (a CuPy array of n x dim, C order, of the graph's dtype): `out` is its address.
          [](const py::array_t<I>& indptr, const py::array_t<I>& indices, const py::array_t<T>& data,
             index_t n, const py::object& options, std::uintptr_t out) {
            const auto A = lb::csr_view<T, I>(indptr, indices, data, n, n, "graph");
            const FastrpFace face(options);
            lralg::require(out != 0, "out must be a device address");
            py::gil_scoped_release release;
            lc::synchronize();
            lc::fastrp(A, face.params, reinterpret_cast<T*>(out));
            lc::synchronize();
          },
          py::arg("indptr"), py::arg("indices"), py::arg("data"), py::arg("n"), py::arg("options"),
          py::arg("out"));
    });
  });
  m.def(
      "sparse_random_projection_on_device",
      // X @ R with X and the result in device memory the caller owns (CuPy arrays):
      // X rows x cols (C order where row_major, else F order), out rows x
      // n_components in C order, both of `dtype` ("float32" or "float64").
      [](std::uintptr_t X, index_t rows, index_t cols, bool row_major, index_t n_components, double density,
         std::uint64_t seed, std::uintptr_t out, const std::string& dtype) {
        lralg::require(dtype == "float32" || dtype == "float64", "dtype must be 'float32' or 'float64'");
        lralg::require(X != 0 && out != 0, "X and out must be device addresses");
        py::gil_scoped_release release;
        lc::synchronize();
        if (dtype == "float32")
          lc::project_dense(reinterpret_cast<const float*>(X), rows, cols, row_major, n_components, density,
                            seed, reinterpret_cast<float*>(out));
        else
          lc::project_dense(reinterpret_cast<const double*>(X), rows, cols, row_major, n_components, density,
                            seed, reinterpret_cast<double*>(out));
        lc::synchronize();
      },
      py::arg("X"), py::arg("rows"), py::arg("cols"), py::arg("row_major"), py::arg("n_components"),
      py::arg("density"), py::arg("seed"), py::arg("out"), py::arg("dtype"));
}

}  // namespace

PYBIND11_MODULE(_cuda, m) {
  m.doc() = "lralg's CUDA backend. Use the lralg package with device='cuda', not this module.";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const lralg::type_error& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const lralg::value_error& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const lc::out_of_memory& e) {
      PyErr_SetString(PyExc_MemoryError, e.what());
    } catch (const lc::cuda_error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });
  m.def("_set_blas", &lb::set_blas_from_capsules, py::arg("capsules"),
        "Give the host steps (the truncated SVD's QRs) SciPy's BLAS/LAPACK {name: PyCapsule}; "
        "returns the names taken.");
  m.def("device_count", &lc::device_count, "Number of visible CUDA devices (0 without a driver).");
  m.def("device_name", &lc::device_name, "Name of device 0.");
  m.def("device_memory", &lc::device_memory, "Memory of device 0, in bytes.");
  m.def("runtime_version", &lc::runtime_version, "CUDA runtime version built against.");
  m.def(
      "_try_allocate",
      [](std::size_t bytes) {
        py::gil_scoped_release release;
        lc::try_allocate(bytes);
      },
      py::arg("bytes"));
  py::class_<ResidentObservations>(m, "CompletionObservations",
                                   "One side's observations of a completion fit, kept on the device.");
  bind_svd<float>(m, "32");
  bind_svd<double>(m, "64");
  lb::bind_truncated_svd<float, lc::DeviceProducts>(m);
  lb::bind_truncated_svd<double, lc::DeviceProducts>(m);
  lb::bind_streaming_face<lc::DeviceFeed>(m);
  bind_kernels(m);
}
