// Dense products on the device: a matrix kept in device memory (DeviceMatrix)
// times panels copied from the host, and the products of the host steps
// (device_gemm, every operand copied there and back), by a plain shared-memory
// tiled GEMM.
// Each output entry is one thread's running sum over the inner dimension in
// ascending order, in the matrix's precision (as a reference BLAS).
#include <algorithm>

#include "device.cuh"

namespace lralg::cuda {

namespace {

constexpr int kTile = 16;

// C (m x n, column-major) = alpha op(A) op(B) + beta C, op(A) m x k, op(B) k x n, all
// column-major; C is not read where beta is 0.
template <class S>
__global__ void gemm_tiles(bool ta, bool tb, index_t m, index_t n, index_t k, S alpha, const S* A,
                           index_t lda, const S* B, index_t ldb, S beta, S* C, index_t ldc) {
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
  if (r < m && c < n) C[r + c * ldc] = beta == S(0) ? alpha * acc : alpha * acc + beta * C[r + c * ldc];
}

}  // namespace

template <class S>
void gemm_on_device(bool ta, bool tb, index_t m, index_t n, index_t k, S alpha, const S* A, index_t lda,
                    const S* B, index_t ldb, S beta, S* C, index_t ldc) {
  if (m == 0 || n == 0) return;
  require((n + kTile - 1) / kTile <= 65535, "gemm: too many columns for one launch");
  const dim3 threads(kTile, kTile);
  const dim3 grid(unsigned((m + kTile - 1) / kTile), unsigned((n + kTile - 1) / kTile));
  gemm_tiles<<<grid, threads>>>(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
  check_launch("gemm_tiles");
}

// rows x cols of a host column-major matrix with leading dimension ld, packed on the device.
template <class S>
DeviceArray<S> upload_matrix(const S* host, index_t rows, index_t cols, index_t ld) {
  DeviceArray<S> d(std::size_t(rows) * std::size_t(cols));
  if (rows > 0 && cols > 0)
    check(cudaMemcpy2D(d.get(), std::size_t(rows) * sizeof(S), host, std::size_t(ld) * sizeof(S),
                       std::size_t(rows) * sizeof(S), std::size_t(cols), cudaMemcpyHostToDevice),
          "cudaMemcpy2D to device");
  return d;
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
  impl_->data = upload_matrix(host, rows, cols, ld);
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
    gemm_on_device<S>(transpose, transpose_w, m, n, k, S(1), impl_->data.get(), rows_ > 0 ? rows_ : 1,
                      w.get(), w_rows > 0 ? w_rows : 1, S(0), c.get(), m > 0 ? m : 1);
  }
  c.download(out, std::size_t(m) * std::size_t(n));
}

template <class S>
void device_gemm(const char* ta, const char* tb, const int* m, const int* n, const int* k, const S* alpha,
                 const S* A, const int* lda, const S* B, const int* ldb, const S* beta, S* C,
                 const int* ldc) {
  require_device();
  const bool tA = *ta == 'T', tB = *tb == 'T';
  const index_t M = *m, N = *n, K = *k;
  require(M >= 0 && N >= 0 && K >= 0 && *ldc >= M, "device_gemm: bad shape");
  if (M == 0 || N == 0) return;
  const index_t a_rows = tA ? K : M, a_cols = tA ? M : K;
  const index_t b_rows = tB ? N : K, b_cols = tB ? K : N;
  const DeviceArray<S> a = upload_matrix(A, a_rows, a_cols, *lda);
  const DeviceArray<S> b = upload_matrix(B, b_rows, b_cols, *ldb);
  DeviceArray<S> c =
      *beta == S(0) ? DeviceArray<S>(std::size_t(M) * std::size_t(N)) : upload_matrix(C, M, N, *ldc);
  // k = 0 leaves alpha * 0 + beta * C, as the BLAS
  gemm_on_device<S>(tA, tB, M, N, K, *alpha, a.get(), std::max<index_t>(a_rows, 1), b.get(),
                    std::max<index_t>(b_rows, 1), *beta, c.get(), M);
  check(cudaMemcpy2D(C, std::size_t(*ldc) * sizeof(S), c.get(), std::size_t(M) * sizeof(S),
                     std::size_t(M) * sizeof(S), std::size_t(N), cudaMemcpyDeviceToHost),
        "cudaMemcpy2D to host");
}

template class DeviceMatrix<float>;
template class DeviceMatrix<double>;
template void device_gemm<float>(const char*, const char*, const int*, const int*, const int*, const float*,
                                 const float*, const int*, const float*, const int*, const float*, float*,
                                 const int*);
template void device_gemm<double>(const char*, const char*, const int*, const int*, const int*, const double*,
                                  const double*, const int*, const double*, const int*, const double*,
                                  double*, const int*);

}  // namespace lralg::cuda
