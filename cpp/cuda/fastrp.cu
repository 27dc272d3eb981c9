// FastRP on the device (the method of lralg/graph.hpp, Chen et al., CIKM
// 2019): the same R from the same counter-based stream, then one sparse x
// dense product per power of M on two n x dim panels, each power's rows
// normalised and added into E, and E's columns standardised. A plain
// schedule: the CPU's cache blocking has no use here.
#include <cmath>
#include <limits>
#include <vector>

#include "csr_dense.cuh"
#include "projection.cuh"

namespace lralg::cuda {

namespace {

constexpr unsigned kThreads = 256;
constexpr unsigned kWarp = 32;
constexpr unsigned kRowsPerBlock = kThreads / kWarp;
// Rows per block of the column statistics (merged in block order: the same
// result on every run).
constexpr index_t kStatRows = 2048;

// The same rules as the CPU (lralg/graph.hpp): 1/deg for the transition
// matrix (0 for a node of degree 0), deg^beta for the rows of R (0 for
// degree <= 0 unless beta == 0), and w / ||row|| for a row of U_p whose
// norm is above rounding noise (0 otherwise).
__device__ double transition_scale(double deg, bool transition) {
  return transition ? (deg != 0.0 ? 1.0 / deg : 0.0) : 1.0;
}
__device__ double degree_weight(double deg, double beta) {
  if (beta == 0.0) return 1.0;
  return deg > 0.0 ? pow(deg, beta) : 0.0;
}
__device__ double row_factor(double w, double norm, bool normalize) {
  if (!normalize) return w;
  return norm > 0.0 ? w / norm : 0.0;
}

template <class Scalar, class Index>
__global__ void degrees(index_t n, const Index* indptr, const Scalar* data, bool transition, double beta,
                        double* row_scale, double* degree_scale) {
  const index_t i = index_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  double deg = 0.0;
  for (index_t p = index_t(indptr[i]); p < index_t(indptr[i + 1]); ++p) deg += double(data[p]);
  row_scale[i] = transition_scale(deg, transition);
  degree_scale[i] = degree_weight(deg, beta);
}

// E[i] = self_influence * N(g_i R[i]): R's row has cnt entries of size scale.
template <class Scalar>
__global__ void self_term(index_t n, index_t k, const std::int64_t* r_indptr, const std::int32_t* r_indices,
                          const std::int8_t* r_signs, double scale, const double* degree_scale,
                          double self_influence, bool normalize, Scalar* E) {
  const index_t i = index_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const double own = scale * degree_scale[i];
  const auto cnt = double(r_indptr[i + 1] - r_indptr[i]);
  const double f0 = row_factor(self_influence, sqrt(cnt) * fabs(own), normalize);
  const Scalar x = Scalar(f0 * scale);
  const Scalar g = Scalar(degree_scale[i]);
  for (std::int64_t q = r_indptr[i]; q < r_indptr[i + 1]; ++q)
    E[i * k + r_indices[q]] += x * (r_signs[q] > 0 ? g : -g);
}

__device__ double warp_sum(double x) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) x += __shfl_xor_sync(0xFFFFFFFFu, x, offset);
  return x;
}

// E[i] += factor_i U[i] with factor_i = row_factor(w, signed norm of U[i]).
// The norm is negated where it is below the rounding error of the sum that
// made the row (paths that cancel), so that such a row enters with 0 (as the
// CPU's signed_norm). The first power's rows are sums of equal terms with
// signs: their zeros are exact, their norms taken as they are.
template <class Scalar, class Index>
__global__ void add_power(index_t n, index_t k, const Index* indptr, const Index* indices, const Scalar* data,
                          const double* row_scale, const double* previous_norm, const Scalar* U, double w,
                          bool normalize, double* norm, Scalar* E) {
  const index_t i = index_t(blockIdx.x) * kRowsPerBlock + threadIdx.y;
  if (i >= n) return;
  double sq = 0.0;
  for (index_t c = threadIdx.x; c < k; c += kWarp) sq += double(U[i * k + c]) * double(U[i * k + c]);
  sq = warp_sum(sq);
  double nrm = sqrt(sq);
  if (previous_norm) {
    double bound = 0.0;
    const index_t begin = index_t(indptr[i]), end = index_t(indptr[i + 1]);
    for (index_t p = begin + threadIdx.x; p < end; p += kWarp)
      bound += fabs(double(data[p])) * fabs(previous_norm[index_t(indices[p])]);
    bound = warp_sum(bound) * fabs(row_scale[i]);
    const double noise =
        2.0 * double(end - begin + 1) * double(std::numeric_limits<Scalar>::epsilon()) * bound;
    if (!(nrm > noise)) nrm = -nrm;
  }
  if (threadIdx.x == 0) norm[i] = nrm;
  const Scalar f = Scalar(row_factor(w, nrm, normalize));
  for (index_t c = threadIdx.x; c < k; c += kWarp) E[i * k + c] += f * U[i * k + c];
}

// Per block of kStatRows rows and per column: count, mean and the sum of
// squared deviations (two passes over the block).
template <class Scalar>
__global__ void column_moments(index_t n, index_t k, const Scalar* E, double* mean, double* m2) {
  const index_t c = index_t(blockIdx.x) * blockDim.x + threadIdx.x;
  const index_t b = index_t(blockIdx.y);
  if (c >= k) return;
  const index_t lo = b * kStatRows, hi = lo + kStatRows < n ? lo + kStatRows : n;
  double s = 0.0;
  for (index_t i = lo; i < hi; ++i) s += double(E[i * k + c]);
  const double mu = s / double(hi - lo);
  double d2 = 0.0;
  for (index_t i = lo; i < hi; ++i) {
    const double d = double(E[i * k + c]) - mu;
    d2 += d * d;
  }
  mean[b * k + c] = mu;
  m2[b * k + c] = d2;
}

// Merges the blocks in order (Chan et al.), then the scale of each column: a
// column whose spread is rounding noise is only centred (as
// sklearn.preprocessing.scale).
template <class Scalar>
__global__ void column_scales(index_t n, index_t k, index_t blocks, const double* mean, const double* m2,
                              double* mu_out, double* inv_std_out) {
  const index_t c = index_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c >= k) return;
  double mu = 0.0, m = 0.0, total = 0.0;
  for (index_t b = 0; b < blocks; ++b) {
    const index_t lo = b * kStatRows;
    const double nb = double((lo + kStatRows < n ? lo + kStatRows : n) - lo);
    const double merged = total + nb;
    const double d = mean[b * k + c] - mu;
    mu += d * nb / merged;
    m += m2[b * k + c] + d * d * total * nb / merged;
    total = merged;
  }
  const double sd = sqrt(m / double(n));
  const double floor = 10.0 * double(std::numeric_limits<Scalar>::epsilon()) * fmax(1.0, fabs(mu));
  mu_out[c] = mu;
  inv_std_out[c] = sd > floor ? 1.0 / sd : 1.0;
}

template <class Scalar>
__global__ void standardize(index_t n, index_t k, const double* mu, const double* inv_std, Scalar* E) {
  const std::size_t t = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t >= std::size_t(n) * std::size_t(k)) return;
  const auto c = index_t(t % std::size_t(k));
  E[t] = Scalar((double(E[t]) - mu[c]) * inv_std[c]);
}

}  // namespace

template <class Scalar, class Index>
void fastrp(const CsrView<Scalar, Index>& A, const FastrpParams& params, Scalar* out) {
  require(A.rows == A.cols && A.rows >= 1, "graph must be a non-empty square matrix");
  require(params.dim >= 1, "dim must be >= 1");
  require(params.n_powers >= 1, "weights must not be empty");
  require_device();
  const index_t n = A.rows, k = params.dim;
  const double density = params.density > 0.0 ? params.density : 1.0 / std::sqrt(double(n));
  const std::size_t nnz = std::size_t(A.nnz()), panel = std::size_t(n) * std::size_t(k);
  DeviceArray<Index> indptr(A.indptr, std::size_t(n) + 1);
  DeviceArray<Index> indices(A.indices, nnz);
  DeviceArray<Scalar> data(A.data, nnz);
  DeviceArray<double> row_scale(static_cast<std::size_t>(n)), degree_scale(static_cast<std::size_t>(n));
  DeviceArray<double> norm_a(static_cast<std::size_t>(n)), norm_b(static_cast<std::size_t>(n));
  DeviceArray<Scalar> E(panel), U(panel), V(panel);
  E.zero();
  const unsigned by_row = blocks_for(std::size_t(n), kThreads);
  degrees<<<by_row, kThreads>>>(n, indptr.get(), data.get(), params.transition, params.beta, row_scale.get(),
                                degree_scale.get());
  check_launch("degrees");
  {
    const DevicePattern R = draw_pattern(n, k, density, params.seed);
    // U_1 = M diag(deg^beta) R
    project_csr_on_device(n, indptr.get(), indices.get(), data.get(), R, U.get(),
                          params.beta != 0.0 ? degree_scale.get() : nullptr, row_scale.get());
    if (params.self_influence != 0.0) {
      self_term<<<by_row, kThreads>>>(n, k, R.indptr.get(), R.indices.get(), R.signs.get(), R.scale,
                                      degree_scale.get(), params.self_influence, params.normalize, E.get());
      check_launch("self_term");
    }
  }
  const dim3 warp_rows(kWarp, kRowsPerBlock);
  const unsigned by_warp_row = blocks_for(std::size_t(n), kRowsPerBlock);
  double* norm = norm_a.get();
  double* previous = nullptr;
  for (index_t p = 0; p < params.n_powers; ++p) {
    if (p > 0) {
      csr_times_dense(n, k, indptr.get(), indices.get(), data.get(), row_scale.get(), U.get(), V.get());
      std::swap(U, V);
      previous = norm;
      norm = previous == norm_a.get() ? norm_b.get() : norm_a.get();
    }
    add_power<<<by_warp_row, warp_rows>>>(n, k, indptr.get(), indices.get(), data.get(), row_scale.get(),
                                          previous, U.get(), params.weights[p], params.normalize, norm,
                                          E.get());
    check_launch("add_power");
  }
  {
    const index_t blocks = (n + kStatRows - 1) / kStatRows;
    DeviceArray<double> mean(std::size_t(blocks * k)), m2(std::size_t(blocks * k)),
        mu(static_cast<std::size_t>(k)), inv_std(static_cast<std::size_t>(k));
    const dim3 grid(blocks_for(std::size_t(k), 128), unsigned(blocks));
    column_moments<<<grid, 128>>>(n, k, E.get(), mean.get(), m2.get());
    check_launch("column_moments");
    column_scales<Scalar><<<blocks_for(std::size_t(k), 128), 128>>>(n, k, blocks, mean.get(), m2.get(),
                                                                    mu.get(), inv_std.get());
    check_launch("column_scales");
    standardize<<<blocks_for(panel, kThreads), kThreads>>>(n, k, mu.get(), inv_std.get(), E.get());
    check_launch("standardize");
  }
  E.download(out, panel);
}

template void fastrp<float, std::int32_t>(const CsrView<float, std::int32_t>&, const FastrpParams&, float*);
template void fastrp<float, std::int64_t>(const CsrView<float, std::int64_t>&, const FastrpParams&, float*);
template void fastrp<double, std::int32_t>(const CsrView<double, std::int32_t>&, const FastrpParams&,
                                           double*);
template void fastrp<double, std::int64_t>(const CsrView<double, std::int64_t>&, const FastrpParams&,
                                           double*);

}  // namespace lralg::cuda
