// One half-sweep of matrix completion on the device (the method of
// lralg/completion.hpp). Rows are taken in chunks that fit a fixed memory
// budget; for each chunk one kernel forms every row's d x d normal matrix
// G_i = B_i^T B_i and right-hand side h_i = B_i^T t_i (B_i: the rows of Y at
// the row's observed columns, in double), then one thread block per row either
// factors G_i + reg I (Cholesky, with the CPU's tiny ridge where it fails) and
// solves ("altmin"), or runs the CPU's warm-started conjugate gradients on
// G_i + reg K in the preconditioned basis ("robust-altmin"). Every decision
// (a failed pivot, the CG stopping rule) is the CPU's; only the order of the
// sums differs, so the results agree to rounding.
#include <algorithm>
#include <cmath>
#include <vector>

#include "device.cuh"

namespace lralg::cuda {

namespace {

constexpr unsigned kThreads = 128;  // a power of two: block_sum halves it
// Device memory for the per-row d x d matrices of one chunk of rows.
constexpr std::size_t kChunkBytes = std::size_t(256) << 20;

// The sum of x over the block, on every thread, in a fixed order.
__device__ double block_sum(double x, double* buffer) {
  buffer[threadIdx.x] = x;
  __syncthreads();
  for (unsigned half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) buffer[threadIdx.x] += buffer[threadIdx.x + half];
    __syncthreads();
  }
  const double total = buffer[0];
  __syncthreads();
  return total;
}

// G (d x d, column-major, symmetric entry by entry) and h for row lo + blockIdx.x.
template <class Scalar, class Index>
__global__ void normal_equations(index_t lo, index_t d, const Index* indptr, const Index* indices,
                                 const Scalar* data, const Index* perm, const Scalar* offset, const Scalar* Y,
                                 double mu, double* G, double* h) {
  const index_t slot = index_t(blockIdx.x), i = lo + slot;
  const index_t begin = index_t(indptr[i]), end = index_t(indptr[i + 1]);
  double* g = G + slot * d * d;
  for (index_t e = threadIdx.x; e < d * d; e += blockDim.x) {
    const index_t a = e % d, c = e / d;
    double s = 0.0;
    for (index_t p = begin; p < end; ++p) {
      const Scalar* y = Y + index_t(indices[p]) * d;
      s += double(y[a]) * double(y[c]);
    }
    g[e] = s;
  }
  for (index_t a = threadIdx.x; a < d; a += blockDim.x) {
    double s = 0.0;
    for (index_t p = begin; p < end; ++p) {
      const index_t j = index_t(indices[p]);
      const double t = double(data[perm ? index_t(perm[p]) : p]) - mu - (offset ? double(offset[j]) : 0.0);
      s += double(Y[j * d + a]) * t;
    }
    h[slot * d + a] = s;
  }
}

// In-place Cholesky L L^T of the lower triangle of L (d x d, column-major) by
// the whole block; false where a pivot is <= 0 (as Eigen's LLT: a NaN pivot
// goes through).
__device__ bool block_cholesky(double* L, index_t d, int* failed) {
  for (index_t k = 0; k < d; ++k) {
    if (threadIdx.x == 0) {
      const double x = L[k + k * d];
      *failed = x <= 0.0;
      if (!*failed) L[k + k * d] = sqrt(x);
    }
    __syncthreads();
    if (*failed) return false;
    const double pivot = L[k + k * d];
    for (index_t r = k + 1 + threadIdx.x; r < d; r += blockDim.x) L[r + k * d] /= pivot;
    __syncthreads();
    const index_t rest = d - k - 1;
    for (index_t e = threadIdx.x; e < rest * rest; e += blockDim.x) {
      const index_t r = k + 1 + e % rest, c = k + 1 + e / rest;
      if (c <= r) L[r + c * d] -= L[r + k * d] * L[c + k * d];
    }
    __syncthreads();
  }
  return true;
}

// x <- L^{-1} x (lower, column-major), then x <- L^{-T} x, by the whole block.
__device__ void block_cholesky_solve(const double* L, index_t d, double* x) {
  for (index_t k = 0; k < d; ++k) {
    if (threadIdx.x == 0) x[k] /= L[k + k * d];
    __syncthreads();
    for (index_t r = k + 1 + threadIdx.x; r < d; r += blockDim.x) x[r] -= L[r + k * d] * x[k];
    __syncthreads();
  }
  for (index_t k = d - 1; k >= 0; --k) {
    if (threadIdx.x == 0) x[k] /= L[k + k * d];
    __syncthreads();
    for (index_t r = threadIdx.x; r < k; r += blockDim.x) x[r] -= L[k + r * d] * x[k];
    __syncthreads();
  }
}

__device__ double regularization(double reg, bool per_entry, index_t nnz) {
  return reg * (per_entry ? double(nnz) : 1.0);
}

// "altmin": X[i] = (G + lambda I)^{-1} h; where the factorization fails, again
// with the ridge 1e-12 max|diag| (lralg::detail::tiny_ridge); failed[slot] = 1
// where that fails too.
template <class Scalar, class Index>
__global__ void exact_rows(index_t lo, index_t d, const Index* indptr, double reg, bool reg_per_entry,
                           double* G, double* h, double* L, Scalar* X, int* failed) {
  __shared__ int pivot_failed;
  const index_t slot = index_t(blockIdx.x), i = lo + slot;
  const index_t nnz = index_t(indptr[i + 1]) - index_t(indptr[i]);
  Scalar* x = X + i * d;
  if (nnz == 0) {
    for (index_t a = threadIdx.x; a < d; a += blockDim.x) x[a] = Scalar(0);
    return;
  }
  double* g = G + slot * d * d;
  double* l = L + slot * d * d;
  double* rhs = h + slot * d;
  const double lambda = regularization(reg, reg_per_entry, nnz);
  for (index_t a = threadIdx.x; a < d; a += blockDim.x) g[a + a * d] += lambda;
  __syncthreads();
  double ridge = 0.0;
  bool ok = false;
  for (int attempt = 0; attempt < 2 && !ok; ++attempt) {
    if (attempt == 1) {
      double scale = 0.0;
      for (index_t a = 0; a < d; ++a) scale = fmax(scale, fabs(g[a + a * d]));
      ridge = 1e-12 * (scale > 0.0 ? scale : 1.0);
    }
    for (index_t e = threadIdx.x; e < d * d; e += blockDim.x) l[e] = g[e] + (e % (d + 1) == 0 ? ridge : 0.0);
    __syncthreads();
    ok = block_cholesky(l, d, &pivot_failed);
  }
  if (!ok) {
    if (threadIdx.x == 0) failed[slot] = 1;
    return;
  }
  block_cholesky_solve(l, d, rhs);
  for (index_t a = threadIdx.x; a < d; a += blockDim.x) x[a] = Scalar(rhs[a]);
}

// "robust-altmin": the CPU's conjugate gradients on (G + lambda K) z = h with
// z0 = R x_prev, then X[i] = R^{-1} z. work: 4 d doubles per row.
template <class Scalar, class Index>
__global__ void robust_rows(index_t lo, index_t d, const Index* indptr, double reg, bool reg_per_entry,
                            int inner_iter, double inner_rtol, const double* R, const double* K,
                            const double* G, const double* h, double* work, Scalar* X, int* iterations) {
  __shared__ double buffer[kThreads];
  const index_t slot = index_t(blockIdx.x), i = lo + slot;
  const index_t nnz = index_t(indptr[i + 1]) - index_t(indptr[i]);
  Scalar* x = X + i * d;
  if (nnz == 0) {
    for (index_t a = threadIdx.x; a < d; a += blockDim.x) x[a] = Scalar(0);
    if (threadIdx.x == 0) iterations[slot] = 0;
    return;
  }
  const double* g = G + slot * d * d;
  const double* rhs = h + slot * d;
  double* z = work + slot * 4 * d;
  double* r = z + d;
  double* p = r + d;
  double* q = p + d;
  const double lambda = regularization(reg, reg_per_entry, nnz);
  const bool with_k = lambda > 0.0;
  for (index_t a = threadIdx.x; a < d; a += blockDim.x) p[a] = double(x[a]);
  __syncthreads();
  for (index_t a = threadIdx.x; a < d; a += blockDim.x) {
    double s = 0.0;
    for (index_t c = a; c < d; ++c) s += R[a + c * d] * p[c];
    z[a] = s;
  }
  __syncthreads();
  double local_rr = 0.0, local_hh = 0.0;
  for (index_t a = threadIdx.x; a < d; a += blockDim.x) {
    double s = rhs[a];
    for (index_t c = 0; c < d; ++c) s -= g[a + c * d] * z[c];
    if (with_k) {
      double kz = 0.0;
      for (index_t c = 0; c < d; ++c) kz += K[a + c * d] * z[c];
      s -= lambda * kz;
    }
    r[a] = s;
    p[a] = s;
    local_rr += s * s;
    local_hh += rhs[a] * rhs[a];
  }
  const double floor2 = 1e-26 * block_sum(local_hh, buffer);
  double rr = block_sum(local_rr, buffer);
  const double stop2 = fmax(inner_rtol * inner_rtol * rr, floor2);
  int its = 0;
  for (int it = 0; it < inner_iter && rr > stop2 && rr > 0.0; ++it) {
    double local_pq = 0.0;
    for (index_t a = threadIdx.x; a < d; a += blockDim.x) {
      double s = 0.0;
      for (index_t c = 0; c < d; ++c) s += g[a + c * d] * p[c];
      if (with_k) {
        double kp = 0.0;
        for (index_t c = 0; c < d; ++c) kp += K[a + c * d] * p[c];
        s += lambda * kp;
      }
      q[a] = s;
      local_pq += p[a] * s;
    }
    const double pq = block_sum(local_pq, buffer);
    if (!(pq > 0.0)) break;
    const double alpha = rr / pq;
    double local_new = 0.0;
    for (index_t a = threadIdx.x; a < d; a += blockDim.x) {
      z[a] += alpha * p[a];
      r[a] -= alpha * q[a];
      local_new += r[a] * r[a];
    }
    const double rr_new = block_sum(local_new, buffer);
    for (index_t a = threadIdx.x; a < d; a += blockDim.x) p[a] = r[a] + (rr_new / rr) * p[a];
    __syncthreads();
    rr = rr_new;
    ++its;
  }
  // x = R^{-1} z, R upper triangular (column-major).
  for (index_t k = d - 1; k >= 0; --k) {
    if (threadIdx.x == 0) z[k] /= R[k + k * d];
    __syncthreads();
    for (index_t a = threadIdx.x; a < k; a += blockDim.x) z[a] -= R[a + k * d] * z[k];
    __syncthreads();
  }
  for (index_t a = threadIdx.x; a < d; a += blockDim.x) x[a] = Scalar(z[a]);
  if (threadIdx.x == 0) iterations[slot] = its;
}

}  // namespace

template <class Scalar, class Index>
struct DeviceObservations<Scalar, Index>::Impl {
  DeviceArray<Index> indptr, indices, perm;
  DeviceArray<Scalar> data;
};

template <class Scalar, class Index>
DeviceObservations<Scalar, Index>::DeviceObservations(const RowObservations<Scalar, Index>& obs)
    : host_(obs), impl_(std::make_unique<Impl>()) {
  require_device();
  const std::size_t nnz = obs.rows > 0 ? std::size_t(obs.indptr[obs.rows]) : 0;
  impl_->indptr = DeviceArray<Index>(obs.indptr, std::size_t(obs.rows) + 1);
  impl_->indices = DeviceArray<Index>(obs.indices, nnz);
  impl_->data = DeviceArray<Scalar>(obs.data, nnz);
  if (obs.perm) impl_->perm = DeviceArray<Index>(obs.perm, nnz);
}

template <class Scalar, class Index>
DeviceObservations<Scalar, Index>::~DeviceObservations() = default;

template <class Scalar, class Index>
index_t solve_rows(const RowObservations<Scalar, Index>& obs, const Scalar* offset, const Scalar* Y,
                   index_t d, Scalar* X, const RowSolveSettings& settings,
                   const DeviceObservations<Scalar, Index>* resident) {
  require(d >= 1, "completion: the factors need at least one column");
  require(settings.exact || settings.R != nullptr, "completion: the robust solve needs its preconditioner");
  require_device();
  const index_t rows = obs.rows, cols = obs.cols;
  if (rows == 0) return 0;
  const std::size_t dd = std::size_t(d) * std::size_t(d);
  // Rows per chunk: G and L (or the CG vectors) of each row within the budget.
  const std::size_t per_row = (2 * dd + 5 * std::size_t(d)) * sizeof(double);
  const index_t chunk = index_t(std::clamp<std::size_t>(kChunkBytes / per_row, 1, std::size_t(rows)));

  std::unique_ptr<DeviceObservations<Scalar, Index>> uploaded;
  if (resident == nullptr) {
    uploaded = std::make_unique<DeviceObservations<Scalar, Index>>(obs);
    resident = uploaded.get();
  }
  require(resident->copies(obs), "completion: the resident observations are a copy of other arrays");
  const auto& indptr = resident->device().indptr;
  const auto& indices = resident->device().indices;
  const auto& data = resident->device().data;
  const auto& perm = resident->device().perm;
  DeviceArray<Scalar> off;
  if (offset) off = DeviceArray<Scalar>(offset, std::size_t(cols));
  DeviceArray<Scalar> Yd(Y, std::size_t(cols) * std::size_t(d));
  DeviceArray<Scalar> Xd(X, std::size_t(rows) * std::size_t(d));
  DeviceArray<double> R, K;
  if (!settings.exact) {
    R = DeviceArray<double>(settings.R, dd);
    if (settings.K) K = DeviceArray<double>(settings.K, dd);
  }
  DeviceArray<double> G(std::size_t(chunk) * dd), h(std::size_t(chunk) * std::size_t(d));
  DeviceArray<double> L(settings.exact ? std::size_t(chunk) * dd : 0);
  DeviceArray<double> work(settings.exact ? 0 : std::size_t(chunk) * 4 * std::size_t(d));
  DeviceArray<int> flags(static_cast<std::size_t>(chunk));
  std::vector<int> host_flags(static_cast<std::size_t>(chunk));

  index_t cg_iterations = 0;
  for (index_t lo = 0; lo < rows; lo += chunk) {
    const index_t count = std::min(chunk, rows - lo);
    normal_equations<<<unsigned(count), kThreads>>>(lo, d, indptr.get(), indices.get(), data.get(),
                                                    perm.get(), off.get(), Yd.get(), settings.mu, G.get(),
                                                    h.get());
    check_launch("normal_equations");
    flags.zero();
    if (settings.exact) {
      exact_rows<<<unsigned(count), kThreads>>>(lo, d, indptr.get(), settings.reg, settings.reg_per_entry,
                                                G.get(), h.get(), L.get(), Xd.get(), flags.get());
      check_launch("exact_rows");
    } else {
      robust_rows<<<unsigned(count), kThreads>>>(lo, d, indptr.get(), settings.reg, settings.reg_per_entry,
                                                 settings.inner_iter, settings.inner_rtol, R.get(), K.get(),
                                                 G.get(), h.get(), work.get(), Xd.get(), flags.get());
      check_launch("robust_rows");
    }
    flags.download(host_flags.data(), std::size_t(count));
    for (index_t b = 0; b < count; ++b) {
      if (settings.exact && host_flags[std::size_t(b)] != 0)
        throw value_error("completion: singular least-squares problem (non-finite values?)");
      if (!settings.exact) cg_iterations += host_flags[std::size_t(b)];
    }
  }
  Xd.download(X, std::size_t(rows) * std::size_t(d));
  return cg_iterations;
}

#define LRALG_CUDA_SOLVE_ROWS(Scalar, Index)                                                           \
  template class DeviceObservations<Scalar, Index>;                                                    \
  template index_t solve_rows<Scalar, Index>(const RowObservations<Scalar, Index>&, const Scalar*,     \
                                             const Scalar*, index_t, Scalar*, const RowSolveSettings&, \
                                             const DeviceObservations<Scalar, Index>*);
LRALG_CUDA_SOLVE_ROWS(float, std::int32_t)
LRALG_CUDA_SOLVE_ROWS(float, std::int64_t)
LRALG_CUDA_SOLVE_ROWS(double, std::int32_t)
LRALG_CUDA_SOLVE_ROWS(double, std::int64_t)
#undef LRALG_CUDA_SOLVE_ROWS

}  // namespace lralg::cuda
