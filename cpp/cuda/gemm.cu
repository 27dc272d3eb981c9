// Dense products on the device: a matrix kept in device memory (DeviceMatrix)
// times panels copied from the host, by a plain shared-memory tiled GEMM.
// Each output entry is one thread's running sum over the inner dimension in
// ascending order, in the matrix's precision (as a reference BLAS).
#include "device.cuh"

namespace lralg::cuda {

namespace {

constexpr int kTile = 16;

// C (m x n, column-major) = op(A) op(B), op(A) m x k, op(B) k x n, all column-major.
template <class S>
__global__ void gemm_tiles(bool ta, bool tb, index_t m, index_t n, index_t k, const S* A, index_t lda,
                           const S* B, index_t ldb, S* C, index_t ldc) {
  __shared__ S As[kTile][kTile + 1];  // As[i][l] = op(A)(row0 + i, l0 + l)
  __shared__ S Bs[kTile][kTile + 1];  // Bs[l][j] = op(B)(l0 + l, col0 + j)
  const index_t row0 = index_t(blockIdx.x) * kTile, col0 = index_t(blockIdx.y) * kTile;
  const int tx = int(threadIdx.x), ty = int(threadIdx.y);
  S acc = S(0);
  for (index_t l0 = 0; l0 < k; l0 += kTile) {
    const index_t r = row0 + tx, la = l0 + ty;
    As[tx][ty] = (r < m && la < k) ? (ta ? A[la + r * lda] : A[r + la * lda]) : S(0);
    const index_t lb = l0 + tx, c = col0 + ty;
    Bs[tx][ty] = (lb < k && c < n) ? (tb ? B[c + lb * ldb] : B[lb + c * ldb]) : S(0);
    __syncthreads();
    for (int l = 0; l < kTile; ++l) acc += As[tx][l] * Bs[l][ty];
    __syncthreads();
  }
  const index_t r = row0 + tx, c = col0 + ty;
  if (r < m && c < n) C[r + c * ldc] = acc;
}

}  // namespace

template <class S>
void gemm_on_device(bool ta, bool tb, index_t m, index_t n, index_t k, const S* A, index_t lda, const S* B,
                    index_t ldb, S* C, index_t ldc) {
  if (m == 0 || n == 0) return;
  require((n + kTile - 1) / kTile <= 65535, "gemm: too many columns for one launch");
  const dim3 threads(kTile, kTile);
  const dim3 grid(unsigned((m + kTile - 1) / kTile), unsigned((n + kTile - 1) / kTile));
  gemm_tiles<<<grid, threads>>>(ta, tb, m, n, k, A, lda, B, ldb, C, ldc);
  check_launch("gemm_tiles");
}

template <class S>
struct DeviceMatrix<S>::Impl {
  DeviceArray<S> data;
};

template <class S>
DeviceMatrix<S>::DeviceMatrix(const S* host, index_t rows, index_t cols, index_t ld)
    : rows_(rows), cols_(cols) {
  require(rows >= 0 && cols >= 0 && ld >= rows, "DeviceMatrix: bad shape");
  require_device();
  impl_ = std::make_unique<Impl>();
  impl_->data = DeviceArray<S>(std::size_t(rows) * std::size_t(cols));
  if (rows > 0 && cols > 0)
    check(cudaMemcpy2D(impl_->data.get(), std::size_t(rows) * sizeof(S), host, std::size_t(ld) * sizeof(S),
                       std::size_t(rows) * sizeof(S), std::size_t(cols), cudaMemcpyHostToDevice),
          "cudaMemcpy2D to device");
}

template <class S>
DeviceMatrix<S>::~DeviceMatrix() = default;

template <class S>
void DeviceMatrix<S>::multiply(bool transpose, const S* W, index_t w_rows, index_t w_cols, bool transpose_w,
                               S* out) const {
  const index_t m = transpose ? cols_ : rows_, k = transpose ? rows_ : cols_;
  const index_t kw = transpose_w ? w_cols : w_rows, n = transpose_w ? w_rows : w_cols;
  require(kw == k, "DeviceMatrix: the shapes of the product do not match");
  DeviceArray<S> w(W, std::size_t(w_rows) * std::size_t(w_cols));
  DeviceArray<S> c(std::size_t(m) * std::size_t(n));
  if (k == 0) {
    c.zero();
  } else {
    gemm_on_device<S>(transpose, transpose_w, m, n, k, impl_->data.get(), rows_ > 0 ? rows_ : 1, w.get(),
                      w_rows > 0 ? w_rows : 1, c.get(), m > 0 ? m : 1);
  }
  c.download(out, std::size_t(m) * std::size_t(n));
}

template class DeviceMatrix<float>;
template class DeviceMatrix<double>;

}  // namespace lralg::cuda
