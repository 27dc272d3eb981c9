// The CUDA backend as the bindings see it: plain C++ declarations, no CUDA
// headers, so that module.cpp compiles with the host compiler. Each function
// takes host arrays, copies them to the device, runs there and copies the
// result back into `out` (host memory the caller owns). project_dense and
// fastrp's `out` may also be device memory (a CuPy array), and project_dense's
// X too: those are read and written in place (DeviceInput, DeviceOutput in
// device.cuh) or copied on the device.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "lralg/common.hpp"
#include "lralg/row_observations.hpp"
#include "lralg/sparse.hpp"

namespace lralg::cuda {

// The device could not give `bytes` bytes. The bindings raise it as MemoryError.
struct out_of_memory : std::runtime_error {
  explicit out_of_memory(std::size_t bytes)
      : std::runtime_error("CUDA device out of memory: asked for " + std::to_string(bytes) + " bytes (" +
                           std::to_string(double(bytes) / double(1 << 30)) + " GiB)"),
        bytes(bytes) {}
  std::size_t bytes;
};

// Any other failure of the CUDA runtime (no driver, a failed launch). RuntimeError.
struct cuda_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Number of visible devices; 0 where there is no driver or no device.
int device_count();
// Name and memory of device 0, for show_config; throws cuda_error without one.
std::string device_name();
std::size_t device_memory();
// The CUDA runtime version the module was built against (e.g. 13000).
int runtime_version();
// Waits for all work on the device: before a call that reads a caller's device
// arrays (written on whatever stream the caller used) and after one that wrote them.
void synchronize();
// Allocates and frees `bytes` of device memory: the out-of-memory path, for the tests.
void try_allocate(std::size_t bytes);

// X @ R with R the very sparse random projection of lralg/projection.hpp,
// drawn on the device from the same counter-based stream (seed).
template <class Scalar, class Index>
void project_csr(const CsrView<Scalar, Index>& X, index_t n_components, double density, std::uint64_t seed,
                 Scalar* out);
template <class Scalar>
void project_dense(const Scalar* X, index_t rows, index_t cols, bool row_major, index_t n_components,
                   double density, std::uint64_t seed, Scalar* out);

// The sign pattern of R as the device draws it, copied back (for the tests
// against the CPU's projection_pattern).
struct Pattern {
  std::vector<std::int64_t> indptr;   // n_features + 1
  std::vector<std::int32_t> indices;  // nnz, ascending within a row
  std::vector<std::int8_t> signs;     // nnz, +1 or -1
};
Pattern projection_pattern(index_t n_features, index_t n_components, double density, std::uint64_t seed);

struct FastrpParams {
  index_t dim = 128;
  const double* weights = nullptr;  // one per power of M
  index_t n_powers = 0;
  double beta = 0.0;
  bool transition = true;
  bool normalize = true;
  double self_influence = 0.0;
  double density = 0.0;
  std::uint64_t seed = 0;
};

// FastRP embeddings of the graph A (square CSR) into out (n x dim, C order).
template <class Scalar, class Index>
void fastrp(const CsrView<Scalar, Index>& A, const FastrpParams& params, Scalar* out);

// How every row of one half-sweep is solved (lralg::HalfSweepOptions with the
// host's share of the work done): "altmin" (exact) factors each row's normal
// matrix; "robust-altmin" runs conjugate gradients on it in the basis W = Y
// R^{-1}, with R (and K = R^{-T} R^{-1} where reg > 0) computed on the host.
struct RowSolveSettings {
  bool exact = true;
  double reg = 0.0;
  bool reg_per_entry = false;
  double mu = 0.0;
  int inner_iter = 10;
  double inner_rtol = 1e-2;
  const double* R = nullptr;  // d x d upper triangular, column-major (robust)
  const double* K = nullptr;  // d x d, column-major (robust with reg > 0)
};

// One side's observations of a completion fit, copied to the device once and
// read there by every half-sweep of that side for as long as the fit holds it
// (completion.cu). It remembers the host arrays it copied: solve_rows takes it
// only with those same arrays, which must not change while it lives.
template <class Scalar, class Index>
class DeviceObservations {
 public:
  explicit DeviceObservations(const RowObservations<Scalar, Index>& obs);
  ~DeviceObservations();
  DeviceObservations(const DeviceObservations&) = delete;
  DeviceObservations& operator=(const DeviceObservations&) = delete;
  bool copies(const RowObservations<Scalar, Index>& obs) const {
    return obs.rows == host_.rows && obs.cols == host_.cols && obs.indptr == host_.indptr &&
           obs.indices == host_.indices && obs.data == host_.data && obs.perm == host_.perm;
  }
  struct Impl;  // the device arrays (completion.cu)
  const Impl& device() const { return *impl_; }

 private:
  RowObservations<Scalar, Index> host_;
  std::unique_ptr<Impl> impl_;
};

// Updates every row of X (rows x d, C order, host) from Y (cols x d, C order,
// host: the basis W for the robust solve) and the per-column offsets (or
// null). The observations are read from `resident` where given (a copy of
// obs already on the device), else copied there for this call. Returns the
// conjugate-gradient iterations over all rows.
template <class Scalar, class Index>
index_t solve_rows(const RowObservations<Scalar, Index>& obs, const Scalar* offset, const Scalar* Y,
                   index_t d, Scalar* X, const RowSolveSettings& settings,
                   const DeviceObservations<Scalar, Index>* resident = nullptr);

// C = alpha op(A) op(B) + beta C with every operand in host memory (column-major,
// the Fortran BLAS signature of blas::gemm_fn): each operand is copied to the
// device, multiplied there and C copied back (gemm.cu). The gemm that
// DeviceProducts hands the host steps' large products to.
template <class S>
void device_gemm(const char* ta, const char* tb, const int* m, const int* n, const int* k, const S* alpha,
                 const S* A, const int* lda, const S* B, const int* ldb, const S* beta, S* C, const int* ldc);

// A dense matrix M (rows x cols, column-major) copied once into device memory,
// multiplied there with panels copied from the host (gemm.cu).
template <class S>
class DeviceMatrix {
 public:
  // M column-major with leading dimension ld >= rows, in host memory.
  DeviceMatrix(const S* host, index_t rows, index_t cols, index_t ld);
  ~DeviceMatrix();
  DeviceMatrix(const DeviceMatrix&) = delete;
  DeviceMatrix& operator=(const DeviceMatrix&) = delete;
  index_t rows() const { return rows_; }
  index_t cols() const { return cols_; }
  // out = op(M) op(W) (host, column-major, contiguous), W host column-major
  // w_rows x w_cols; op transposes where asked.
  void multiply(bool transpose, const S* W, index_t w_rows, index_t w_cols, bool transpose_w, S* out) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  index_t rows_ = 0, cols_ = 0;
};

// A CSR matrix (rows x cols) copied once into device memory, multiplied there
// with dense panels copied from the host (csr.cu): out (rows x c, C order) =
// M W for W (cols x c, C order). Each entry sums its row in CSR order, as
// lralg::isvd_csr_matmul does.
template <class S, class I>
class DeviceCsr {
 public:
  explicit DeviceCsr(const CsrView<S, I>& M);
  ~DeviceCsr();
  DeviceCsr(const DeviceCsr&) = delete;
  DeviceCsr& operator=(const DeviceCsr&) = delete;
  void multiply(const S* W, index_t c, S* out) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  index_t rows_ = 0, cols_ = 0;
};

// The rows of one block of the streaming eigenvector copied once to the device
// (streaming.cu), and the first pass of a random-order segment on them, as
// lralg::segment_sums defines it: norms[r - lo] = ||a_r||^2 and partial[c d +
// j] = the sum over the rows r of chunk c of <a_r, z> a_r[j] (z, partial and
// norms in host memory), in the host's arithmetic and order.
template <class S>
class DeviceDenseRowsData {
 public:
  DeviceDenseRowsData(const S* X, index_t rows, index_t cols, bool row_major);
  ~DeviceDenseRowsData();
  DeviceDenseRowsData(const DeviceDenseRowsData&) = delete;
  DeviceDenseRowsData& operator=(const DeviceDenseRowsData&) = delete;
  void segment_sums(index_t lo, index_t hi, index_t chunk, const double* z, double* partial,
                    double* norms) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  index_t rows_ = 0, cols_ = 0;
  bool row_major_ = true;
};

template <class S, class I>
class DeviceCsrRowsData {
 public:
  explicit DeviceCsrRowsData(const CsrView<S, I>& X);
  ~DeviceCsrRowsData();
  DeviceCsrRowsData(const DeviceCsrRowsData&) = delete;
  DeviceCsrRowsData& operator=(const DeviceCsrRowsData&) = delete;
  void segment_sums(index_t lo, index_t hi, index_t chunk, const double* z, double* partial,
                    double* norms) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  index_t rows_ = 0, cols_ = 0;
};

}  // namespace lralg::cuda
