// The very sparse random projection R on the device: drawn from the same
// counter-based stream as lralg/projection.hpp (the same function, compiled
// for the device), and the products X @ R that sparse_random_projection and
// FastRP need.
#pragma once

#include <cstdint>

#include "device.cuh"

namespace lralg::cuda {

// R by rows, as SignPattern on the host: row j holds columns
// indices[indptr[j] .. indptr[j+1]) with signs +1/-1, all scaled by `scale`.
struct DevicePattern {
  index_t rows = 0;
  index_t cols = 0;
  double scale = 1.0;
  std::size_t nnz = 0;
  DeviceArray<std::int64_t> indptr;
  DeviceArray<std::int32_t> indices;
  DeviceArray<std::int8_t> signs;
};

DevicePattern draw_pattern(index_t n_features, index_t n_components, double density, std::uint64_t seed);

// out (rows x R.cols, C order, device) = diag(row_scale) X diag(feature_scale) R
// for X in CSR form on the device; null scales stand for ones. The order of
// the sums is that of lralg::project_csr, so the numbers are the CPU's.
template <class Scalar, class Index>
void project_csr_on_device(index_t rows, const Index* indptr, const Index* indices, const Scalar* data,
                           const DevicePattern& R, Scalar* out, const double* feature_scale = nullptr,
                           const double* row_scale = nullptr);

}  // namespace lralg::cuda
