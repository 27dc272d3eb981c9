// Sparse (CSR) times dense on the device, shared by FastRP's powers and the
// SVD blocks: dst (n x k, C order) = diag(row_scale) A src, src C order with k
// columns. A warp per row, lanes over the columns, so each row of src is read
// whole by one warp; each entry sums its row's products in CSR order, as the
// CPU's row kernels do.
#pragma once

#include "device.cuh"

namespace lralg::cuda {

namespace csr_dense_detail {
constexpr unsigned kWarp = 32;
constexpr unsigned kRowsPerBlock = 8;

// row_scale null: no scaling.
template <class Scalar, class Index>
__global__ void spmm(index_t n, index_t k, const Index* indptr, const Index* indices, const Scalar* data,
                     const double* row_scale, const Scalar* src, Scalar* dst) {
  const index_t i = index_t(blockIdx.x) * kRowsPerBlock + threadIdx.y;
  if (i >= n) return;
  for (index_t c = threadIdx.x; c < k; c += kWarp) {
    Scalar acc = Scalar(0);
    for (index_t p = index_t(indptr[i]); p < index_t(indptr[i + 1]); ++p)
      acc += data[p] * src[index_t(indices[p]) * k + c];
    dst[i * k + c] = row_scale ? Scalar(row_scale[i]) * acc : acc;
  }
}
}  // namespace csr_dense_detail

template <class Scalar, class Index>
void csr_times_dense(index_t n, index_t k, const Index* indptr, const Index* indices, const Scalar* data,
                     const double* row_scale, const Scalar* src, Scalar* dst) {
  using namespace csr_dense_detail;
  if (n == 0 || k == 0) return;
  const dim3 warp_rows(kWarp, kRowsPerBlock);
  spmm<<<blocks_for(std::size_t(n), kRowsPerBlock), warp_rows>>>(n, k, indptr, indices, data, row_scale, src,
                                                                 dst);
  check_launch("spmm");
}

}  // namespace lralg::cuda
