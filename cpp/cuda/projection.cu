#include <cub/device/device_scan.cuh>

#include <limits>
#include <vector>

#include "lralg/projection.hpp"
#include "projection.cuh"

namespace lralg::cuda {

namespace {

constexpr unsigned kThreads = 256;

__global__ void count_entries(CounterRng rng, index_t rows, index_t cols, double density, double log_keep,
                              std::int64_t* counts) {
  const index_t j = index_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (j >= rows) return;
  std::int64_t n = 0;
  detail::for_each_projection_entry(rng, j, cols, density, log_keep, [&](index_t, std::int8_t) { ++n; });
  counts[j] = n;
}

__global__ void fill_entries(CounterRng rng, index_t rows, index_t cols, double density, double log_keep,
                             const std::int64_t* indptr, std::int32_t* indices, std::int8_t* signs) {
  const index_t j = index_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (j >= rows) return;
  std::int64_t p = indptr[j];
  detail::for_each_projection_entry(rng, j, cols, density, log_keep, [&](index_t c, std::int8_t s) {
    indices[p] = std::int32_t(c);
    signs[p] = s;
    ++p;
  });
}

// One thread per row of X, its output row accumulated in place in the order
// of the CPU's project_csr (entries of X by row, then the entries of R's row).
template <class Scalar, class Index>
__global__ void csr_times_pattern(index_t rows, index_t k, const Index* indptr, const Index* indices,
                                  const Scalar* data, const std::int64_t* r_indptr,
                                  const std::int32_t* r_indices, const std::int8_t* r_signs, double r_scale,
                                  const double* feature_scale, const double* row_scale, Scalar* out) {
  const index_t i = index_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= rows) return;
  Scalar* acc = out + i * k;
  for (index_t c = 0; c < k; ++c) acc[c] = Scalar(0);
  for (index_t p = index_t(indptr[i]); p < index_t(indptr[i + 1]); ++p) {
    const auto j = index_t(indices[p]);
    const Scalar x = feature_scale ? Scalar(double(data[p]) * feature_scale[j]) : data[p];
    for (std::int64_t q = r_indptr[j]; q < r_indptr[j + 1]; ++q) {
      if (r_signs[q] > 0) {
        acc[r_indices[q]] += x;
      } else {
        acc[r_indices[q]] -= x;
      }
    }
  }
  const Scalar scale = Scalar(row_scale ? r_scale * row_scale[i] : r_scale);
  for (index_t c = 0; c < k; ++c) acc[c] = scale * acc[c];
}

// out[i, c] = scale * (sum of X[i, j] over the positive rows j of column c,
// minus those over the negative ones), in the order of the CPU's
// project_dense: one thread per (i, c), samples fastest.
template <class Scalar>
__global__ void dense_times_columns(index_t n, index_t d, bool row_major, index_t k, const Scalar* X,
                                    const std::int64_t* start, const std::int64_t* neg,
                                    const std::int64_t* pos, double r_scale, Scalar* out) {
  const index_t i = index_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  auto at = [&](index_t j) { return row_major ? X[i * d + j] : X[j * n + i]; };
  for (index_t c = blockIdx.y; c < k; c += gridDim.y) {
    Scalar acc = Scalar(0);
    for (std::int64_t p = start[c]; p < neg[c]; ++p) acc += at(pos[p]);
    for (std::int64_t p = neg[c]; p < start[c + 1]; ++p) acc -= at(pos[p]);
    out[i * k + c] = Scalar(r_scale) * acc;
  }
}

}  // namespace

DevicePattern draw_pattern(index_t n_features, index_t n_components, double density, std::uint64_t seed) {
  require(n_features >= 1, "n_features must be >= 1");
  require(n_components >= 1, "n_components must be >= 1");
  require(n_components <= std::numeric_limits<std::int32_t>::max(), "n_components must be < 2**31 on CUDA");
  require(density > 0.0 && density <= 1.0, "density must be in (0, 1]");
  const CounterRng rng(seed);
  const double log_keep = detail::projection_log_keep(density);
  DevicePattern R;
  R.rows = n_features;
  R.cols = n_components;
  R.scale = projection_scale(density, n_components);
  R.indptr = DeviceArray<std::int64_t>(std::size_t(n_features) + 1);
  R.indptr.zero();
  const unsigned grid = blocks_for(std::size_t(n_features), kThreads);
  count_entries<<<grid, kThreads>>>(rng, n_features, n_components, density, log_keep, R.indptr.get() + 1);
  check_launch("count_entries");
  std::size_t scratch_bytes = 0;
  check(cub::DeviceScan::InclusiveSum(nullptr, scratch_bytes, R.indptr.get() + 1, R.indptr.get() + 1,
                                      n_features),
        "cub::DeviceScan");
  DeviceArray<unsigned char> scratch(scratch_bytes);
  check(cub::DeviceScan::InclusiveSum(scratch.get(), scratch_bytes, R.indptr.get() + 1, R.indptr.get() + 1,
                                      n_features),
        "cub::DeviceScan");
  std::int64_t nnz = 0;
  check(cudaMemcpy(&nnz, R.indptr.get() + n_features, sizeof nnz, cudaMemcpyDeviceToHost), "cudaMemcpy");
  R.nnz = std::size_t(nnz);
  R.indices = DeviceArray<std::int32_t>(R.nnz);
  R.signs = DeviceArray<std::int8_t>(R.nnz);
  fill_entries<<<grid, kThreads>>>(rng, n_features, n_components, density, log_keep, R.indptr.get(),
                                   R.indices.get(), R.signs.get());
  check_launch("fill_entries");
  return R;
}

template <class Scalar, class Index>
void project_csr_on_device(index_t rows, const Index* indptr, const Index* indices, const Scalar* data,
                           const DevicePattern& R, Scalar* out, const double* feature_scale,
                           const double* row_scale) {
  if (rows == 0) return;
  csr_times_pattern<<<blocks_for(std::size_t(rows), kThreads), kThreads>>>(
      rows, R.cols, indptr, indices, data, R.indptr.get(), R.indices.get(), R.signs.get(), R.scale,
      feature_scale, row_scale, out);
  check_launch("csr_times_pattern");
}

Pattern projection_pattern(index_t n_features, index_t n_components, double density, std::uint64_t seed) {
  require_device();
  const DevicePattern R = draw_pattern(n_features, n_components, density, seed);
  Pattern host;
  host.indptr.resize(std::size_t(n_features) + 1);
  host.indices.resize(R.nnz);
  host.signs.resize(R.nnz);
  R.indptr.download(host.indptr.data(), host.indptr.size());
  R.indices.download(host.indices.data(), R.nnz);
  R.signs.download(host.signs.data(), R.nnz);
  return host;
}

template <class Scalar, class Index>
void project_csr(const CsrView<Scalar, Index>& X, index_t n_components, double density, std::uint64_t seed,
                 Scalar* out) {
  require_device();
  const std::size_t nnz = std::size_t(X.nnz());
  DeviceArray<Index> indptr(X.indptr, std::size_t(X.rows) + 1);
  DeviceArray<Index> indices(X.indices, nnz);
  DeviceArray<Scalar> data(X.data, nnz);
  DeviceArray<Scalar> result(std::size_t(X.rows) * std::size_t(n_components));
  const DevicePattern R = draw_pattern(X.cols, n_components, density, seed);
  project_csr_on_device(X.rows, indptr.get(), indices.get(), data.get(), R, result.get());
  result.download(out, result.size());
}

template <class Scalar>
void project_dense(const Scalar* X, index_t rows, index_t cols, bool row_major, index_t n_components,
                   double density, std::uint64_t seed, Scalar* out) {
  require_device();
  // R by columns, positive rows first, as the CPU's split_columns lays it out:
  // drawn on the device, regrouped on the host (O(nnz(R)), small beside X).
  const Pattern drawn = projection_pattern(cols, n_components, density, seed);
  SignPattern host;
  host.rows = cols;
  host.cols = n_components;
  host.indptr.assign(drawn.indptr.begin(), drawn.indptr.end());
  host.indices.assign(drawn.indices.begin(), drawn.indices.end());
  host.signs = drawn.signs;
  const SplitColumns split = split_columns(host);
  std::vector<std::int64_t> start(split.start.begin(), split.start.end()),
      neg(split.neg.begin(), split.neg.end()), pos(split.pos.begin(), split.pos.end());
  DeviceArray<std::int64_t> d_start(start.data(), start.size()), d_neg(neg.data(), neg.size()),
      d_pos(pos.data(), pos.size());
  const DeviceInput<Scalar> x(X, std::size_t(rows) * std::size_t(cols));
  DeviceOutput<Scalar> result(out, std::size_t(rows) * std::size_t(n_components));
  if (rows > 0) {
    const dim3 grid(blocks_for(std::size_t(rows), kThreads),
                    unsigned(n_components < 65535 ? n_components : 65535));
    dense_times_columns<<<grid, kThreads>>>(rows, cols, row_major, n_components, x.get(), d_start.get(),
                                            d_neg.get(), d_pos.get(), projection_scale(density, n_components),
                                            result.get());
    check_launch("dense_times_columns");
  }
  result.finish();
}

#define LRALG_CUDA_PROJECT(Scalar, Index)                                                                 \
  template void project_csr<Scalar, Index>(const CsrView<Scalar, Index>&, index_t, double, std::uint64_t, \
                                           Scalar*);                                                      \
  template void project_csr_on_device<Scalar, Index>(index_t, const Index*, const Index*, const Scalar*,  \
                                                     const DevicePattern&, Scalar*, const double*,        \
                                                     const double*);
LRALG_CUDA_PROJECT(float, std::int32_t)
LRALG_CUDA_PROJECT(float, std::int64_t)
LRALG_CUDA_PROJECT(double, std::int32_t)
LRALG_CUDA_PROJECT(double, std::int64_t)
#undef LRALG_CUDA_PROJECT
template void project_dense<float>(const float*, index_t, index_t, bool, index_t, double, std::uint64_t,
                                   float*);
template void project_dense<double>(const double*, index_t, index_t, bool, index_t, double, std::uint64_t,
                                    double*);

}  // namespace lralg::cuda
