// truncated_svd with the products on the device: host C++ (the core's
// algorithm, lralg/svd.hpp, on a block whose products run on the GPU), plain
// vectors out so that the bindings need no Eigen.
#pragma once

#include <cstdint>
#include <vector>

#include "lralg/common.hpp"

namespace lralg::cuda {

template <class S>
struct DenseSvd {
  index_t m = 0, n = 0, k = 0;
  std::vector<S> U;       // m x k, column-major
  std::vector<double> s;  // k, descending
  std::vector<S> V;       // n x k, column-major (the bytes of vt, k x n in C order)
  double error_sq = 0.0;
};

// The SVD of A = M (trans false) or M^T, M column-major (rows x cols,
// contiguous), with ||A||_F^2 = sqnorm; the options of lralg::TruncatedSvdOptions.
template <class S>
DenseSvd<S> truncated_svd_dense(const S* M, index_t rows, index_t cols, bool trans, double sqnorm,
                                index_t rank, index_t oversampling, int power_iters, std::uint64_t seed);

}  // namespace lralg::cuda
