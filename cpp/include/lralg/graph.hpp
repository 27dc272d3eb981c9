// FastRP graph embeddings (Chen, Sultan, Tian, Chen and Skiena, CIKM 2019).
//
// With A the adjacency (CSR), deg = its row sums, M = D^-1 A (the transition
// matrix) or A, and R the very sparse random projection of projection.hpp:
//   U_1 = M diag(deg^beta) R,   U_i = M U_{i-1}   (i = 2 .. q),
//   E   = self_influence * N(diag(deg^beta) R) + sum_i w_i N(U_i),
// N row-normalising (l2) or the identity, and the columns of E standardised
// to mean 0 and variance 1 at the end. The powers of M are never formed: each
// step is one sparse-times-dense product, fused with the normalisation and
// the accumulation into E, so at most two n x dim working panels live beside
// the output.
//
// Precision: the panels and sparse products are in Scalar (float32 stays
// float32: each entry of U_i sums deg(i) terms); row norms and column
// statistics accumulate in double.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "lralg/common.hpp"
#include "lralg/projection.hpp"
#include "lralg/sparse.hpp"

namespace lralg {

struct FastRPOptions {
  index_t dim = 128;
  std::vector<double> weights{0.0, 1.0, 1.0, 1.0};
  double beta = 0.0;
  bool transition = true;
  bool normalize = true;
  double self_influence = 0.0;
  double density = -1.0;  // <= 0: 1 / sqrt(n)
  std::uint64_t seed = 0;
};

namespace detail {

// u += a * v over k entries: the inner loop of the sparse-times-panel
// product, compiled for AVX2 as well and picked at load time where the
// compiler supports function multiversioning.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define LRALG_AXPY_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define LRALG_AXPY_CLONES
#endif
LRALG_AXPY_CLONES inline void axpy(float* __restrict u, float a, const float* __restrict v,
                                   index_t k) {
  for (index_t c = 0; c < k; ++c) u[c] += a * v[c];
}
LRALG_AXPY_CLONES inline void axpy(double* __restrict u, double a, const double* __restrict v,
                                   index_t k) {
  for (index_t c = 0; c < k; ++c) u[c] += a * v[c];
}
#undef LRALG_AXPY_CLONES

// Row i of the panel P (n x k) scaled to unit l2 norm (if normalize) times w,
// added to row i of E. Zero rows stay zero.
template <class Scalar>
inline void accumulate_row(Scalar* e, const Scalar* u, index_t k, double w, bool normalize) {
  double f = w;
  if (normalize) {
    double ss = 0.0;
    for (index_t c = 0; c < k; ++c) ss += double(u[c]) * double(u[c]);
    f = ss > 0.0 ? w / std::sqrt(ss) : 0.0;
  }
  const Scalar s = Scalar(f);
  for (index_t c = 0; c < k; ++c) e[c] += s * u[c];
}

// Columns of E (n x k, row-major) to mean 0, population variance 1; a
// constant column is only centred (as sklearn.preprocessing.scale does).
// Sums over a fixed partition of the rows, reduced in order: the result does
// not depend on the thread count.
template <class Scalar>
void standardize_columns(Scalar* E, index_t n, index_t k) {
  constexpr index_t kBlock = 2048;
  const index_t n_blocks = (n + kBlock - 1) / kBlock;
  std::vector<double> partial(std::size_t(n_blocks * k));
  std::vector<double> mean(std::size_t(k), 0.0), inv_std(std::size_t(k), 0.0);
  parallel_blocks(n, kBlock, [&](index_t b, index_t lo, index_t hi) {
    double* acc = partial.data() + b * k;
    std::fill(acc, acc + k, 0.0);
    for (index_t i = lo; i < hi; ++i)
      for (index_t c = 0; c < k; ++c) acc[c] += double(E[i * k + c]);
  });
  for (index_t b = 0; b < n_blocks; ++b)
    for (index_t c = 0; c < k; ++c) mean[std::size_t(c)] += partial[std::size_t(b * k + c)];
  for (auto& m : mean) m /= double(n);
  parallel_blocks(n, kBlock, [&](index_t b, index_t lo, index_t hi) {
    double* acc = partial.data() + b * k;
    std::fill(acc, acc + k, 0.0);
    for (index_t i = lo; i < hi; ++i)
      for (index_t c = 0; c < k; ++c) {
        const double d = double(E[i * k + c]) - mean[std::size_t(c)];
        acc[c] += d * d;
      }
  });
  for (index_t c = 0; c < k; ++c) {
    double var = 0.0;
    for (index_t b = 0; b < n_blocks; ++b) var += partial[std::size_t(b * k + c)];
    const double sd = std::sqrt(var / double(n));
    // A column whose spread is rounding noise counts as constant.
    const double floor = 10.0 * double(std::numeric_limits<Scalar>::epsilon()) *
                         std::max(1.0, std::abs(mean[std::size_t(c)]));
    inv_std[std::size_t(c)] = sd > floor ? 1.0 / sd : 1.0;
  }
  parallel_blocks(n, kBlock, [&](index_t, index_t lo, index_t hi) {
    for (index_t i = lo; i < hi; ++i)
      for (index_t c = 0; c < k; ++c) {
        Scalar& x = E[i * k + c];
        x = Scalar((double(x) - mean[std::size_t(c)]) * inv_std[std::size_t(c)]);
      }
  });
}

}  // namespace detail

// Weighted out-degrees (row sums of A, in double).
template <class Scalar, class Index>
std::vector<double> row_sums(const CsrView<Scalar, Index>& A) {
  std::vector<double> deg(std::size_t(A.rows), 0.0);
  parallel_for(A.rows, [&](index_t i) {
    double s = 0.0;
    for (index_t p = A.row_begin(i); p < A.row_end(i); ++p) s += double(A.data[p]);
    deg[std::size_t(i)] = s;
  }, 4096);
  return deg;
}

// The FastRP embedding of the graph with adjacency A (n x n) into E (n x dim,
// row-major, written in full).
template <class Scalar, class Index>
void fastrp(const CsrView<Scalar, Index>& A, const FastRPOptions& opt, Scalar* E) {
  const index_t n = A.rows;
  const index_t k = opt.dim;
  require(A.cols == n, "the adjacency matrix must be square");
  require(n >= 1, "the graph must have at least one node");
  require(k >= 1, "dim must be >= 1");
  require(!opt.weights.empty(), "weights must not be empty");
  const int q = int(opt.weights.size());
  const double density = opt.density > 0.0 ? opt.density : 1.0 / std::sqrt(double(n));

  // Degrees, the transition scaling of the rows of A and the degree weights
  // of the rows of R. A zero degree never divides: such a row of M stays 0,
  // and its degree weight is 0 (1 when beta == 0, i.e. no weighting).
  const std::vector<double> deg = row_sums(A);
  std::vector<double> inv_deg, deg_beta;
  if (opt.transition) {
    inv_deg.resize(std::size_t(n));
    for (index_t i = 0; i < n; ++i)
      inv_deg[std::size_t(i)] = deg[std::size_t(i)] != 0.0 ? 1.0 / deg[std::size_t(i)] : 0.0;
  }
  if (opt.beta != 0.0) {
    deg_beta.resize(std::size_t(n));
    for (index_t i = 0; i < n; ++i) {
      const double d = deg[std::size_t(i)];
      const double w = d > 0.0 ? std::pow(d, opt.beta) : 0.0;
      deg_beta[std::size_t(i)] = std::isfinite(w) ? w : 0.0;
    }
  }
  const double* row_scale = opt.transition ? inv_deg.data() : nullptr;
  const double* feature_scale = opt.beta != 0.0 ? deg_beta.data() : nullptr;

  const SignPattern R = projection_pattern(n, k, density, opt.seed);
  std::fill(E, E + n * k, Scalar(0));

  // Self influence: the node's own (degree-weighted) random vector.
  if (opt.self_influence != 0.0) {
    parallel_blocks(n, 512, [&](index_t, index_t lo, index_t hi) {
      std::vector<Scalar> u(std::size_t(k), Scalar(0));
      for (index_t i = lo; i < hi; ++i) {
        std::fill(u.begin(), u.end(), Scalar(0));
        const double s = R.scale * (feature_scale ? feature_scale[i] : 1.0);
        for (index_t p = R.indptr[std::size_t(i)]; p < R.indptr[std::size_t(i) + 1]; ++p)
          u[std::size_t(R.indices[std::size_t(p)])] = Scalar(R.signs[std::size_t(p)] > 0 ? s : -s);
        detail::accumulate_row(E + i * k, u.data(), k, opt.self_influence, opt.normalize);
      }
    });
  }

  // U_1: the sparse random projection of M diag(deg^beta), generated from R
  // on the fly.
  std::vector<Scalar> cur(std::size_t(n * k)), next;
  project_csr(A, R, cur.data(), feature_scale, row_scale);
  if (opt.weights[0] != 0.0)
    parallel_blocks(n, 512, [&](index_t, index_t lo, index_t hi) {
      for (index_t i = lo; i < hi; ++i)
        detail::accumulate_row(E + i * k, cur.data() + i * k, k, opt.weights[0], opt.normalize);
    });
  if (q >= 3) next.resize(std::size_t(n * k));

  // U_i = M U_{i-1}, one row at a time, fused with its normalisation and its
  // weighted addition to E. The last power is never stored.
  constexpr index_t kPrefetch = 16;
  const index_t nnz = A.nnz();
  const index_t row_bytes = k * index_t(sizeof(Scalar));
  for (int step = 1; step < q; ++step) {
    const bool last = step == q - 1;
    const double w = opt.weights[std::size_t(step)];
    if (last && w == 0.0) break;
    const Scalar* src = cur.data();
    parallel_blocks(n, 256, [&](index_t, index_t lo, index_t hi) {
      std::vector<Scalar> local(last ? std::size_t(k) : 0);
      for (index_t i = lo; i < hi; ++i) {
        Scalar* u = last ? local.data() : next.data() + i * k;
        std::fill(u, u + k, Scalar(0));
        const double rs = row_scale ? row_scale[i] : 1.0;
        for (index_t p = A.row_begin(i); p < A.row_end(i); ++p) {
          // The gathered rows are random: fetch the row kPrefetch entries ahead.
          if (p + kPrefetch < nnz) {
            const char* ahead = reinterpret_cast<const char*>(src + index_t(A.indices[p + kPrefetch]) * k);
            for (index_t b = 0; b < row_bytes; b += 64) __builtin_prefetch(ahead + b);
          }
          const Scalar a = Scalar(double(A.data[p]) * rs);
          detail::axpy(u, a, src + index_t(A.indices[p]) * k, k);
        }
        if (w != 0.0) detail::accumulate_row(E + i * k, u, k, w, opt.normalize);
      }
    });
    if (!last) std::swap(cur, next);
  }
  std::vector<Scalar>().swap(cur);
  std::vector<Scalar>().swap(next);
  detail::standardize_columns(E, n, k);
}

}  // namespace lralg
