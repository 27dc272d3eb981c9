// The core's truncated SVD (lralg/svd.hpp) on an IsvdBlock whose products
// with the matrix run on the device: A is copied to the GPU once, each panel
// of the range finder goes there and back; the QRs and the small SVD stay on
// the host, as on the CPU.
#include "svd_host.hpp"

#include <algorithm>
#include <type_traits>

#include "api.hpp"
#include "lralg/svd.hpp"

namespace lralg::cuda {

namespace {

// A = M or M^T (trans), M column-major rows x cols, kept on the host (to_dense,
// gram) and on the device (the products).
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

}  // namespace

template <class S>
DenseSvd<S> truncated_svd_dense(const S* M, index_t rows, index_t cols, bool trans, double sqnorm,
                                index_t rank, index_t oversampling, int power_iters, std::uint64_t seed) {
  TruncatedSvdOptions opt;
  opt.rank = rank;
  opt.oversampling = oversampling;
  opt.power_iters = power_iters;
  opt.seed = seed;
  const index_t short_side = std::min(rows, cols);
  require(rank >= 1 && rank <= short_side, "rank must be in [1, min(A.shape)]");
  require(oversampling >= 0 && power_iters >= 0, "oversampling and power_iters must be >= 0");
  const DeviceDenseBlock<S> block(M, rows, cols, trans, sqnorm);
  const TruncatedSvd<S> r = truncated_svd<S>(block, opt);
  DenseSvd<S> out;
  out.m = index_t(r.U.rows());
  out.n = index_t(r.V.rows());
  out.k = index_t(r.s.size());
  out.U.assign(r.U.data(), r.U.data() + r.U.size());
  out.s.assign(r.s.data(), r.s.data() + r.s.size());
  out.V.assign(r.V.data(), r.V.data() + r.V.size());
  out.error_sq = r.error_sq;
  return out;
}

template DenseSvd<float> truncated_svd_dense<float>(const float*, index_t, index_t, bool, double, index_t,
                                                    index_t, int, std::uint64_t);
template DenseSvd<double> truncated_svd_dense<double>(const double*, index_t, index_t, bool, double, index_t,
                                                      index_t, int, std::uint64_t);

}  // namespace lralg::cuda
