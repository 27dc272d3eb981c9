// Column statistics of the embedding, gathered by blocks of rows while they
// are in cache, and the final standardisation.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "lralg/common.hpp"

namespace lralg {
namespace detail {

// Column means and sums of squared deviations of blocks of rows of E, kept
// per block and merged in block order (Chan et al.), so the result does not
// depend on the thread count. Each block is read twice while in cache.
// A block's numbers (2 k + 1 doubles) go to memory of their own, or, given
// a spare panel, to the first rows of the block's own rows of it: the last
// pass of the two-panel schedule is done with them by then, so the
// statistics add nothing beside the two panels.
struct ColumnStats {
  index_t rows = 1024;  // rows per block: at least 1024, at most 2048 blocks
  index_t k = 0;
  index_t blocks = 0;

  static index_t block_rows(index_t n) { return std::max<index_t>(1024, (n + 2047) / 2048); }

  template <class Scalar = float>
  ColumnStats(index_t n, index_t k_, Scalar* spare = nullptr) : k(k_) {
    rows = block_rows(n);
    blocks = (n + rows - 1) / rows;
    const std::size_t need = std::size_t(2 * k + 1) * sizeof(double);
    const index_t last = n - (blocks - 1) * rows;  // rows of the last block
    if (spare && std::size_t(last) * std::size_t(k) * sizeof(Scalar) >= need) {
      store_ = reinterpret_cast<unsigned char*>(spare);
      stride_ = std::size_t(rows) * std::size_t(k) * sizeof(Scalar);
    } else {
      own_.resize(std::size_t(blocks) * need);
      store_ = own_.data();
      stride_ = need;
    }
  }

  template <class Scalar>
  void add_block(index_t b, const Scalar* E, index_t lo, index_t hi) {
    std::vector<double> mu(static_cast<std::size_t>(k), 0.0), ss(static_cast<std::size_t>(k), 0.0);
    for (index_t i = lo; i < hi; ++i)
      for (index_t c = 0; c < k; ++c) mu[std::size_t(c)] += double(E[i * k + c]);
    const double inv = 1.0 / double(hi - lo);
    for (index_t c = 0; c < k; ++c) mu[std::size_t(c)] *= inv;
    for (index_t i = lo; i < hi; ++i)
      for (index_t c = 0; c < k; ++c) {
        const double d = double(E[i * k + c]) - mu[std::size_t(c)];
        ss[std::size_t(c)] += d * d;
      }
    // memcpy: the slot may lie in a panel of another Scalar type
    unsigned char* slot = store_ + std::size_t(b) * stride_;
    const double count = double(hi - lo);
    std::memcpy(slot, mu.data(), std::size_t(k) * sizeof(double));
    std::memcpy(slot + std::size_t(k) * sizeof(double), ss.data(), std::size_t(k) * sizeof(double));
    std::memcpy(slot + std::size_t(2 * k) * sizeof(double), &count, sizeof(double));
  }

  // E to mean 0, population variance 1 by columns; a column whose spread is
  // rounding noise counts as constant and is only centred (as
  // sklearn.preprocessing.scale does).
  template <class Scalar>
  void standardize(Scalar* E, index_t n) const {
    std::vector<double> mu(static_cast<std::size_t>(k), 0.0), m(static_cast<std::size_t>(k), 0.0),
        inv_std(static_cast<std::size_t>(k));
    std::vector<double> bmu(static_cast<std::size_t>(k)), bm2(static_cast<std::size_t>(k));
    double total = 0.0;
    for (index_t b = 0; b < blocks; ++b) {
      const unsigned char* slot = store_ + std::size_t(b) * stride_;
      double nb = 0.0;
      std::memcpy(&nb, slot + std::size_t(2 * k) * sizeof(double), sizeof(double));
      if (nb == 0.0) continue;
      std::memcpy(bmu.data(), slot, std::size_t(k) * sizeof(double));
      std::memcpy(bm2.data(), slot + std::size_t(k) * sizeof(double), std::size_t(k) * sizeof(double));
      const double merged = total + nb;
      for (index_t c = 0; c < k; ++c) {
        const double d = bmu[std::size_t(c)] - mu[std::size_t(c)];
        mu[std::size_t(c)] += d * nb / merged;
        m[std::size_t(c)] += bm2[std::size_t(c)] + d * d * total * nb / merged;
      }
      total = merged;
    }
    for (index_t c = 0; c < k; ++c) {
      const double sd = std::sqrt(m[std::size_t(c)] / double(n));
      const double floor =
          10.0 * double(std::numeric_limits<Scalar>::epsilon()) * std::max(1.0, std::abs(mu[std::size_t(c)]));
      inv_std[std::size_t(c)] = sd > floor ? 1.0 / sd : 1.0;
    }
    parallel_blocks(n, 2048, [&](index_t, index_t lo, index_t hi) {
      for (index_t i = lo; i < hi; ++i)
        for (index_t c = 0; c < k; ++c) {
          Scalar& x = E[i * k + c];
          x = Scalar((double(x) - mu[std::size_t(c)]) * inv_std[std::size_t(c)]);
        }
    });
  }

 private:
  std::vector<unsigned char> own_;
  unsigned char* store_ = nullptr;  // block b's numbers at store_ + b * stride_
  std::size_t stride_ = 0;
};

}  // namespace detail
}  // namespace lralg
