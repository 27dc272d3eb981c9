// Kernels of robust low-rank matrix recovery (Ma and Fattahi 2022; Xiong,
// Ding and Du 2024): the linear measurement operators the iterations apply
// twice per step.
//
// Gaussian sensing: A(X)_i = <A_i, X>, i = 0..m-1, with A_i an n1 x n2 matrix
// of i.i.d. standard normal entries. A_i is never stored: entry e = a*n2 + b
// of A_i is drawn from the counter-based generator keyed by (seed, stream i,
// counter e / 4) (one ziggurat draw, CounterRng::normal_quad, gives entries 4q..4q+3), so m x
// n1 x n2 numbers never sit in memory and every thread regenerates exactly the
// entries it needs. In the symmetric form the operator acts on symmetric
// matrices with A_i = (G_i + G_i^T) / 2, G_i the Gaussian matrix above: for a
// symmetric X, <A_i, X> = <G_i, X>, so the measurements are the ones of the
// papers' i.i.d. Gaussian model, and the adjoint sum_i y_i A_i is symmetric.
//
// Entry sampling: A(X)_k = X[rows_k, cols_k]. The iterations only ever need
// A(F G^T) and A*(s) G, A*(s)^T F, which cost O(m k) from the factors.
//
// Every kernel gives the same bits for any thread count: matvec is parallel
// over measurements (one output each); rmatvec is parallel over blocks of
// output rows, each entry summing the measurements in order; the entry
// kernels sum each output row over its observations in a fixed order.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "lralg/common.hpp"
#include "lralg/random.hpp"

namespace lralg {

namespace detail {
// Calls visit(e, value) for entries e in [lo, hi) of Gaussian matrix `i`:
// entries 4q .. 4q+3 come from one draw keyed by (seed, stream i, counter q).
template <class Visit>
inline void for_each_gaussian_entry(const CounterRng& rng, index_t i, index_t lo, index_t hi,
                                    Visit&& visit) {
  index_t e = lo;
  while (e < hi) {
    const index_t q = e >> 2;
    const auto z = rng.normal_quad(std::uint64_t(i), std::uint64_t(q));
    const index_t end = std::min(hi, 4 * q + 4);
    for (; e < end; ++e) visit(e, z[std::size_t(e - 4 * q)]);
  }
}

inline void check_gaussian_shape(index_t n1, index_t n2, index_t m, bool symmetric) {
  require(n1 >= 1 && n2 >= 1, "the matrix shape must be positive");
  require(m >= 1, "n_measurements must be >= 1");
  require(!symmetric || n1 == n2, "a symmetric Gaussian operator needs a square shape");
}

// out = M (row-major n1 x n2), or (M + M^T) / 2 in the symmetric form.
template <class In, class Out>
void symmetrize_into(const In* M, index_t n1, index_t n2, bool symmetric, Out* out) {
  for (index_t a = 0; a < n1; ++a)
    for (index_t b = 0; b < n2; ++b)
      out[a * n2 + b] = Out(symmetric ? 0.5 * (double(M[a * n2 + b]) + double(M[b * n2 + a]))
                                      : double(M[a * n2 + b]));
}
}  // namespace detail

// The Gaussian matrix G_i (row-major, n1 x n2) behind measurement i; A_i is
// (G_i + G_i^T) / 2 in the symmetric form. For inspection and tests.
template <class Scalar>
void gaussian_measurement_matrix(std::uint64_t seed, index_t n1, index_t n2, index_t i,
                                 bool symmetric, Scalar* out) {
  detail::check_gaussian_shape(n1, n2, 1, symmetric);
  require(i >= 0, "measurement index must be >= 0");
  const CounterRng rng(seed);
  std::vector<double> g(std::size_t(n1 * n2));
  detail::for_each_gaussian_entry(rng, i, 0, n1 * n2,
                                  [&](index_t e, double v) { g[std::size_t(e)] = v; });
  detail::symmetrize_into(g.data(), n1, n2, symmetric, out);
}

// y[i] = <A_i, X> for X row-major n1 x n2.
template <class Scalar>
void gaussian_matvec(std::uint64_t seed, index_t n1, index_t n2, index_t m, bool symmetric,
                     const Scalar* X, Scalar* y) {
  detail::check_gaussian_shape(n1, n2, m, symmetric);
  const CounterRng rng(seed);
  const index_t n = n1 * n2;
  // In the symmetric form <A_i, X> = <G_i, (X + X^T) / 2>.
  std::vector<double> x(static_cast<std::size_t>(n));
  detail::symmetrize_into(X, n1, n2, symmetric, x.data());
  parallel_for(m, [&](index_t i) {
    double acc = 0.0;
    detail::for_each_gaussian_entry(rng, i, 0, n,
                                    [&](index_t e, double v) { acc += v * x[std::size_t(e)]; });
    y[i] = Scalar(acc);
  }, 4);
}

// out (row-major n1 x n2) = sum_i y[i] A_i.
template <class Scalar>
void gaussian_rmatvec(std::uint64_t seed, index_t n1, index_t n2, index_t m, bool symmetric,
                      const Scalar* y, Scalar* out) {
  detail::check_gaussian_shape(n1, n2, m, symmetric);
  const CounterRng rng(seed);
  const index_t n = n1 * n2;
  // Blocks of output entries small enough to stay in cache while every
  // measurement adds its share; the block partition fixes nothing about the
  // order of the sums, which is always i = 0, 1, ..., m-1 per entry.
  const index_t block = std::max<index_t>(256, std::min<index_t>(4096, (n + 7) / 8));
  std::vector<double> acc_all(std::size_t(n), 0.0);
  parallel_blocks(n, block, [&](index_t, index_t lo, index_t hi) {
    double* acc = acc_all.data();
    for (index_t i = 0; i < m; ++i) {
      const double w = double(y[i]);
      detail::for_each_gaussian_entry(rng, i, lo, hi,
                                      [&](index_t e, double v) { acc[e] += w * v; });
    }
  });
  for (index_t a = 0; a < n1; ++a)
    for (index_t b = 0; b < n2; ++b)
      out[a * n2 + b] = Scalar(symmetric ? 0.5 * (acc_all[std::size_t(a * n2 + b)] +
                                                  acc_all[std::size_t(b * n2 + a)])
                                         : acc_all[std::size_t(a * n2 + b)]);
}

// Observations of entry sampling grouped by row and by column: observation
// order_r[ptr_r[a] .. ptr_r[a+1]) lie in row a (ascending observation index),
// likewise for columns. Built once by the caller.
struct EntryIndex {
  index_t n1 = 0, n2 = 0, m = 0;
  const std::int64_t* rows = nullptr;
  const std::int64_t* cols = nullptr;
  const std::int64_t* ptr_r = nullptr;
  const std::int64_t* order_r = nullptr;
  const std::int64_t* ptr_c = nullptr;
  const std::int64_t* order_c = nullptr;

  void validate() const {
    require(n1 >= 1 && n2 >= 1 && m >= 1, "entry sampling needs a positive shape and >= 1 entry");
    require(ptr_r[0] == 0 && ptr_r[n1] == m && ptr_c[0] == 0 && ptr_c[n2] == m,
            "entry index pointers are inconsistent");
    for (index_t k = 0; k < m; ++k)
      require(rows[k] >= 0 && rows[k] < n1 && cols[k] >= 0 && cols[k] < n2,
              "entry indices out of range");
    for (index_t a = 0; a < n1; ++a) require(ptr_r[a] <= ptr_r[a + 1], "row pointers must not decrease");
    for (index_t b = 0; b < n2; ++b) require(ptr_c[b] <= ptr_c[b + 1], "column pointers must not decrease");
    for (index_t a = 0; a < n1; ++a)
      for (index_t p = ptr_r[a]; p < ptr_r[a + 1]; ++p)
        require(order_r[p] >= 0 && order_r[p] < m && rows[order_r[p]] == a, "row order is inconsistent");
    for (index_t b = 0; b < n2; ++b)
      for (index_t p = ptr_c[b]; p < ptr_c[b + 1]; ++p)
        require(order_c[p] >= 0 && order_c[p] < m && cols[order_c[p]] == b,
                "column order is inconsistent");
  }
};

// y[k] = (F G^T)[rows_k, cols_k] for F (n1 x k) and G (n2 x k), row-major.
template <class Scalar>
void entry_forward(const EntryIndex& idx, index_t rank, const Scalar* F, const Scalar* G, Scalar* y) {
  parallel_blocks(idx.m, 1024, [&](index_t, index_t lo, index_t hi) {
    for (index_t k = lo; k < hi; ++k) {
      const Scalar* f = F + idx.rows[k] * rank;
      const Scalar* g = G + idx.cols[k] * rank;
      double acc = 0.0;
      for (index_t c = 0; c < rank; ++c) acc += double(f[c]) * double(g[c]);
      y[k] = Scalar(acc);
    }
  });
}

// With S = sum_k s[k] e_{rows_k} e_{cols_k}^T: SG = S G (n1 x k), StF = S^T F
// (n2 x k), both row-major.
template <class Scalar>
void entry_adjoint_times(const EntryIndex& idx, index_t rank, const Scalar* s, const Scalar* F,
                         const Scalar* G, Scalar* SG, Scalar* StF) {
  auto side = [&](index_t n, const std::int64_t* ptr, const std::int64_t* order,
                  const std::int64_t* other, const Scalar* factor, Scalar* out) {
    parallel_blocks(n, 64, [&](index_t, index_t lo, index_t hi) {
      std::vector<double> acc(static_cast<std::size_t>(rank));
      for (index_t a = lo; a < hi; ++a) {
        std::fill(acc.begin(), acc.end(), 0.0);
        for (index_t p = ptr[a]; p < ptr[a + 1]; ++p) {
          const index_t k = order[p];
          const double w = double(s[k]);
          const Scalar* f = factor + other[k] * rank;
          for (index_t c = 0; c < rank; ++c) acc[std::size_t(c)] += w * double(f[c]);
        }
        for (index_t c = 0; c < rank; ++c) out[a * rank + c] = Scalar(acc[std::size_t(c)]);
      }
    });
  };
  side(idx.n1, idx.ptr_r, idx.order_r, idx.cols, G, SG);
  side(idx.n2, idx.ptr_c, idx.order_c, idx.rows, F, StF);
}

}  // namespace lralg
