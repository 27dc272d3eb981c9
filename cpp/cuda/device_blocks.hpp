// The core's algorithms with their products on the device, as host C++: the
// blocks of the incremental and truncated SVDs (lralg/isvd.hpp's IsvdBlock)
// whose matrix is kept in device memory, and DeviceProducts, under which the
// large dense products of the host steps run on the device too.
#pragma once

#include <algorithm>

#include "api.hpp"
#include "lralg/isvd.hpp"

namespace lralg::cuda {

// While it lives, the calling thread's blas::gemm / syrk calls at BLAS sizes
// run on the device (device_gemm): the core's update loop is unchanged, only
// where its products run. Throws cuda_error where no device is visible.
class DeviceProducts {
 public:
  DeviceProducts() : offload_(checked(&device_gemm<double>), &device_gemm<float>) {}

 private:
  static blas::gemm_fn<double>* checked(blas::gemm_fn<double>* f) {
    if (device_count() < 1) throw cuda_error("no CUDA device is visible");
    return f;
  }
  blas::OffloadProducts offload_;
};

// A = M or M^T (trans), M column-major rows x cols (contiguous), kept on the
// host (to_dense, gram) and copied once to the device, where the products
// with A run.
template <class S>
class DeviceDenseBlock final : public IsvdBlock<S> {
 public:
  DeviceDenseBlock(const S* data, index_t rows, index_t cols, bool trans, double sqnorm)
      : host_(data, rows, cols, Eigen::OuterStride<>(std::max<index_t>(rows, 1))),
        device_(data, rows, cols, rows),
        trans_(trans) {
    this->m_ = trans ? cols : rows;
    this->b_ = trans ? rows : cols;
    this->sqnorm_ = sqnorm;
  }
  void apply(const ConstMatRef<S>& W, bool wt, MatRef<S> out) const override {
    const Mat<S> w = W;
    Mat<S> product(out.rows(), out.cols());
    device_.multiply(trans_, w.data(), w.rows(), w.cols(), wt, product.data());
    out = product;
  }
  void apply_t(const ConstMatRef<S>& Z, MatRef<S> out) const override {
    const Mat<S> z = Z;
    Mat<S> product(out.rows(), out.cols());
    device_.multiply(!trans_, z.data(), z.rows(), z.cols(), false, product.data());
    out = product;
  }
  void to_dense(MatRef<S> out) const override {
    if (trans_)
      out = host_.transpose();
    else
      out = host_;
  }
  double apply_work() const override { return double(this->m_) * double(this->b_); }
  double gram_work() const override { return apply_work() * double(this->b_) / 2; }
  // A^T A in double (under DeviceProducts, on the device).
  void gram(Mat<double>& G) const override {
    G.resize(this->b_, this->b_);
    const Mat<double> Md = host_.template cast<double>();
    blas::syrk<double>(trans_ ? 'N' : 'T', 1.0, Md, 0.0, G);
  }

 private:
  Eigen::Map<const Mat<S>, 0, Eigen::OuterStride<>> host_;
  DeviceMatrix<S> device_;
  bool trans_;
};

// A sparse block given as the CSR of A and of A^T, both copied once to the
// device, where the products with A and A^T run; to_dense and the Gram matrix
// are the host block's (lralg::IsvdCsrBlock).
template <class S, class I>
class DeviceCsrBlock final : public IsvdBlock<S> {
 public:
  DeviceCsrBlock(const CsrView<S, I>& A, const CsrView<S, I>& At, double sqnorm)
      : host_(A, At, sqnorm), A_(A), At_(At) {
    this->m_ = host_.rows();
    this->b_ = host_.cols();
    this->sqnorm_ = sqnorm;
  }
  void apply(const ConstMatRef<S>& W, bool wt, MatRef<S> out) const override { product(A_, W, wt, out); }
  void apply_t(const ConstMatRef<S>& Z, MatRef<S> out) const override { product(At_, Z, false, out); }
  void to_dense(MatRef<S> out) const override { host_.to_dense(out); }
  double apply_work() const override { return host_.apply_work(); }
  double gram_work() const override { return host_.gram_work(); }
  void gram(Mat<double>& G) const override { host_.gram(G); }

 private:
  // out = X op(W): the device reads W by rows, so it gets W^T column-major.
  static void product(const DeviceCsr<S, I>& X, const ConstMatRef<S>& W, bool wt, MatRef<S> out) {
    const Mat<S> Wt = wt ? Mat<S>(W) : Mat<S>(W.transpose());
    Mat<S> Ot(Wt.rows(), out.rows());
    X.multiply(Wt.data(), Wt.rows(), Ot.data());
    out = Ot.transpose();
  }
  IsvdCsrBlock<S, I> host_;
  DeviceCsr<S, I> A_, At_;
};

}  // namespace lralg::cuda
