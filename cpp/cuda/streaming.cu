// The streaming eigenvector's block products on the device: the first pass of
// a random-order segment (lralg::segment_sums) over a block copied there once.
// The rows are the host's types (lralg/stream_rows.hpp) on device pointers, so
// every <a_r, z>, ||a_r||^2 and chunk sum is the host's arithmetic in the
// host's order, without fused multiply-adds on either side.
#include "device.cuh"
#include "lralg/stream_rows.hpp"

namespace lralg::cuda {

namespace {

constexpr unsigned kThreads = 256;

template <class Rows>
__global__ void row_dots(Rows X, index_t lo, index_t hi, const double* z, double* dots, double* norms) {
  const index_t r = lo + index_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= hi) return;
  X.dot_norm(r, z, dots[r - lo], norms[r - lo]);
}

// partial[c d + j] = sum over the rows r of chunk c, in order, of dots[r] a_r[j]: one thread
// per (chunk, column), each term as DenseRows::add_scaled forms it.
template <class Scalar>
__global__ void dense_chunk_sums(DenseRows<Scalar> X, index_t lo, index_t hi, index_t chunk, index_t n_chunks,
                                 const double* dots, double* partial) {
  const index_t j = index_t(blockIdx.x) * blockDim.x + threadIdx.x;
  const index_t d = X.cols;
  if (j >= d) return;
  for (index_t c = blockIdx.y; c < n_chunks; c += gridDim.y) {
    const index_t c_lo = lo + c * chunk, c_hi = c_lo + chunk < hi ? c_lo + chunk : hi;
    double acc = 0.0;
    for (index_t r = c_lo; r < c_hi; ++r)
      acc += dots[r - lo] * double(X.row_major ? X.X[r * d + j] : X.X[j * X.rows + r]);
    partial[c * d + j] = acc;
  }
}

// The same for CSR rows: one thread per chunk scatters its rows in order (CsrRows::add_scaled).
template <class Scalar, class Index>
__global__ void csr_chunk_sums(CsrRows<Scalar, Index> X, index_t lo, index_t hi, index_t chunk,
                               index_t n_chunks, const double* dots, double* partial) {
  const index_t c = index_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c >= n_chunks) return;
  const index_t c_lo = lo + c * chunk, c_hi = c_lo + chunk < hi ? c_lo + chunk : hi;
  for (index_t r = c_lo; r < c_hi; ++r) X.add_scaled(r, dots[r - lo], partial + c * X.cols);
}

// The sums of rows [lo, hi) of X (device rows), z, partial and norms on the host.
template <class Rows, class Launch>
void segment_sums_on_device(const Rows& X, index_t lo, index_t hi, index_t chunk, const double* z,
                            double* partial, double* norms, Launch chunk_sums) {
  const index_t m = hi - lo, d = X.cols;
  if (m <= 0) return;
  const index_t n_chunks = (m + chunk - 1) / chunk;
  const DeviceArray<double> z_d(z, std::size_t(d));
  DeviceArray<double> dots(static_cast<std::size_t>(m)), norms_d(static_cast<std::size_t>(m)),
      partial_d(static_cast<std::size_t>(n_chunks * d));
  partial_d.zero();
  row_dots<<<blocks_for(std::size_t(m), kThreads), kThreads>>>(X, lo, hi, z_d.get(), dots.get(),
                                                               norms_d.get());
  check_launch("row_dots");
  chunk_sums(n_chunks, dots.get(), partial_d.get());
  norms_d.download(norms, std::size_t(m));
  partial_d.download(partial, partial_d.size());
}

}  // namespace

template <class S>
struct DeviceDenseRowsData<S>::Impl {
  DeviceArray<S> X;
};

template <class S>
DeviceDenseRowsData<S>::DeviceDenseRowsData(const S* X, index_t rows, index_t cols, bool row_major)
    : rows_(rows), cols_(cols), row_major_(row_major) {
  require_device();
  impl_ = std::make_unique<Impl>();
  impl_->X = DeviceArray<S>(X, std::size_t(rows) * std::size_t(cols));
}

template <class S>
DeviceDenseRowsData<S>::~DeviceDenseRowsData() = default;

template <class S>
void DeviceDenseRowsData<S>::segment_sums(index_t lo, index_t hi, index_t chunk, const double* z,
                                          double* partial, double* norms) const {
  const DenseRows<S> X{impl_->X.get(), rows_, cols_, row_major_};
  segment_sums_on_device(X, lo, hi, chunk, z, partial, norms,
                         [&](index_t n_chunks, const double* dots, double* out) {
                           const dim3 grid(blocks_for(std::size_t(cols_), kThreads),
                                           unsigned(n_chunks < 65535 ? n_chunks : 65535));
                           dense_chunk_sums<<<grid, kThreads>>>(X, lo, hi, chunk, n_chunks, dots, out);
                           check_launch("dense_chunk_sums");
                         });
}

template <class S, class I>
struct DeviceCsrRowsData<S, I>::Impl {
  DeviceArray<I> indptr, indices;
  DeviceArray<S> data;
};

template <class S, class I>
DeviceCsrRowsData<S, I>::DeviceCsrRowsData(const CsrView<S, I>& X) : rows_(X.rows), cols_(X.cols) {
  require_device();
  impl_ = std::make_unique<Impl>();
  const std::size_t nnz = std::size_t(X.nnz());
  impl_->indptr = DeviceArray<I>(X.indptr, std::size_t(X.rows) + 1);
  impl_->indices = DeviceArray<I>(X.indices, nnz);
  impl_->data = DeviceArray<S>(X.data, nnz);
}

template <class S, class I>
DeviceCsrRowsData<S, I>::~DeviceCsrRowsData() = default;

template <class S, class I>
void DeviceCsrRowsData<S, I>::segment_sums(index_t lo, index_t hi, index_t chunk, const double* z,
                                           double* partial, double* norms) const {
  CsrView<S, I> view;
  view.rows = rows_;
  view.cols = cols_;
  view.indptr = impl_->indptr.get();
  view.indices = impl_->indices.get();
  view.data = impl_->data.get();
  const CsrRows<S, I> X(view);
  segment_sums_on_device(X, lo, hi, chunk, z, partial, norms,
                         [&](index_t n_chunks, const double* dots, double* out) {
                           csr_chunk_sums<<<blocks_for(std::size_t(n_chunks), kThreads), kThreads>>>(
                               X, lo, hi, chunk, n_chunks, dots, out);
                           check_launch("csr_chunk_sums");
                         });
}

template class DeviceDenseRowsData<float>;
template class DeviceDenseRowsData<double>;
template class DeviceCsrRowsData<float, std::int32_t>;
template class DeviceCsrRowsData<float, std::int64_t>;
template class DeviceCsrRowsData<double, std::int32_t>;
template class DeviceCsrRowsData<double, std::int64_t>;

}  // namespace lralg::cuda
