// DeviceCsr: a CSR matrix kept in device memory, times dense panels from the host.
#include "csr_dense.cuh"

namespace lralg::cuda {

template <class S, class I>
struct DeviceCsr<S, I>::Impl {
  DeviceArray<I> indptr, indices;
  DeviceArray<S> data;
};

template <class S, class I>
DeviceCsr<S, I>::DeviceCsr(const CsrView<S, I>& M) : rows_(M.rows), cols_(M.cols) {
  require_device();
  impl_ = std::make_unique<Impl>();
  const std::size_t nnz = std::size_t(M.nnz());
  impl_->indptr = DeviceArray<I>(M.indptr, std::size_t(M.rows) + 1);
  impl_->indices = DeviceArray<I>(M.indices, nnz);
  impl_->data = DeviceArray<S>(M.data, nnz);
}

template <class S, class I>
DeviceCsr<S, I>::~DeviceCsr() = default;

template <class S, class I>
void DeviceCsr<S, I>::multiply(const S* W, index_t c, S* out) const {
  require(c >= 0, "DeviceCsr: negative width");
  const DeviceArray<S> w(W, std::size_t(cols_) * std::size_t(c));
  DeviceArray<S> result(std::size_t(rows_) * std::size_t(c));
  csr_times_dense<S, I>(rows_, c, impl_->indptr.get(), impl_->indices.get(), impl_->data.get(), nullptr,
                        w.get(), result.get());
  result.download(out, result.size());
}

template class DeviceCsr<float, std::int32_t>;
template class DeviceCsr<float, std::int64_t>;
template class DeviceCsr<double, std::int32_t>;
template class DeviceCsr<double, std::int64_t>;

}  // namespace lralg::cuda
