// The streaming eigenvector with its block products on the device, as host C++:
// rows types that are the host's (for every per-row step the core takes on the
// host) plus a copy of the block on the device, and the segment_sums overload
// that lralg::StreamingTopEig finds for them by argument-dependent lookup.
#pragma once

#include <type_traits>

#include "api.hpp"
#include "lralg/streaming.hpp"

namespace lralg::cuda {

template <class S>
struct DeviceDenseRows : DenseRows<S> {
  const DeviceDenseRowsData<S>* device = nullptr;
};

template <class S, class I>
struct DeviceCsrRows : CsrRows<S, I> {
  DeviceCsrRows(const CsrView<S, I>& X, const DeviceCsrRowsData<S, I>* d) : CsrRows<S, I>(X), device(d) {}
  const DeviceCsrRowsData<S, I>* device;
};

template <class S>
void segment_sums(const DeviceDenseRows<S>& X, index_t lo, index_t hi, index_t chunk, const double* z,
                  double* partial, double* norms) {
  X.device->segment_sums(lo, hi, chunk, z, partial, norms);
}

template <class S, class I>
void segment_sums(const DeviceCsrRows<S, I>& X, index_t lo, index_t hi, index_t chunk, const double* z,
                  double* partial, double* norms) {
  X.device->segment_sums(lo, hi, chunk, z, partial, norms);
}

// The rows of each update copied to the device (lralg::bindings::bind_streaming_face's Feed).
// Only the random-order method has block products; the Python layer refuses the others on the
// device.
struct DeviceFeed {
  template <class Dense>
  static void dense(StreamingTopEig& s, const Dense& x) {
    using T = std::remove_cv_t<std::remove_pointer_t<decltype(x.data)>>;
    const DeviceDenseRowsData<T> device(x.data, x.rows, x.cols, x.row_major);
    DeviceDenseRows<T> rows;
    rows.X = x.data;
    rows.rows = x.rows;
    rows.cols = x.cols;
    rows.row_major = x.row_major;
    rows.device = &device;
    s.update_rows(rows);
  }
  template <class T, class I>
  static void csr(StreamingTopEig& s, const CsrView<T, I>& x) {
    const DeviceCsrRowsData<T, I> device(x);
    s.update_rows(DeviceCsrRows<T, I>(x, &device));
  }
};

}  // namespace lralg::cuda
