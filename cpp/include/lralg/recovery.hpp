// Kernels of robust low-rank matrix recovery (Ma and Fattahi 2022; Xiong,
// Ding and Du 2024): the linear measurement operators the iterations apply
// twice per step.
//
// Gaussian sensing: A(X)_i = <A_i, X>, i = 0..m-1. A_i is never stored: its
// free entries, in a fixed order (row-major, or the packed upper triangle in
// the symmetric form), are z_e = entry e of stream i of the counter-based
// generator: entries 4q..4q+3 are one ziggurat draw keyed by (seed, stream i,
// counter q) (CounterRng::normal_quads, a batch of quads at a time). So m x
// n1 x n2 numbers never sit in memory and every thread regenerates exactly the
// entries it needs.
//   General form: A_i = Z_i, an n1 x n2 matrix of i.i.d. standard normals.
//   Symmetric form (n x n): A_i[a][a] = z, A_i[a][b] = A_i[b][a] = z / sqrt(2)
//   for a < b, from the n (n + 1) / 2 entries of the packed upper triangle
//   (row a holds b = a..n-1). This is the law of (G + G^T) / 2 for G with
//   i.i.d. N(0, 1) entries, so for a symmetric X, <A_i, X> ~ N(0, ||X||_F^2)
//   exactly as <G_i, X> in the papers' i.i.d. Gaussian model, at half the
//   draws. In both forms <A_i, X> = sum_e z_e x_e with x the packed vector of
//   X (x = vec X, or X[a][a] and (X[a][b] + X[b][a]) / sqrt(2)), and the
//   adjoint sum_i y_i A_i unpacks sum_i y_i z_i the same way.
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
inline void check_gaussian_shape(index_t n1, index_t n2, index_t m, bool symmetric) {
  require(n1 >= 1 && n2 >= 1, "the matrix shape must be positive");
  require(m >= 1, "n_measurements must be >= 1");
  require(!symmetric || n1 == n2, "a symmetric Gaussian operator needs a square shape");
}

// Number of free entries of A_i, rounded up to whole quads (the padding
// entries are drawn but multiply zeros).
inline index_t gaussian_entries(index_t n1, index_t n2, bool symmetric) {
  return symmetric ? n1 * (n1 + 1) / 2 : n1 * n2;
}
inline index_t gaussian_quads(index_t n1, index_t n2, bool symmetric) {
  return (gaussian_entries(n1, n2, symmetric) + 3) / 4;
}

constexpr double kInvSqrt2 = 0.70710678118654752440084436210485;

// x (length 4 * quads, zero padded) = the packed vector of X (row-major).
template <class In>
void gaussian_pack(const In* X, index_t n1, index_t n2, bool symmetric, double* x) {
  index_t e = 0;
  if (symmetric) {
    for (index_t a = 0; a < n1; ++a) {
      x[e++] = double(X[a * n2 + a]);
      for (index_t b = a + 1; b < n2; ++b)
        x[e++] = (double(X[a * n2 + b]) + double(X[b * n2 + a])) * kInvSqrt2;
    }
  } else {
    for (index_t k = 0; k < n1 * n2; ++k) x[e++] = double(X[k]);
  }
  const index_t padded = 4 * gaussian_quads(n1, n2, symmetric);
  for (; e < padded; ++e) x[e] = 0.0;
}

// out (row-major n1 x n2) = the matrix whose packed vector is acc.
template <class Out>
void gaussian_unpack(const double* acc, index_t n1, index_t n2, bool symmetric, Out* out) {
  if (symmetric) {
    index_t e = 0;
    for (index_t a = 0; a < n1; ++a) {
      out[a * n2 + a] = Out(acc[e++]);
      for (index_t b = a + 1; b < n2; ++b) {
        const Out v = Out(acc[e++] * kInvSqrt2);
        out[a * n2 + b] = v;
        out[b * n2 + a] = v;
      }
    }
  } else {
    for (index_t k = 0; k < n1 * n2; ++k) out[k] = Out(acc[k]);
  }
}

// Quads generated per call: 1024 normals, 8 KB, stay in L1 with their partner.
constexpr index_t kGaussianChunk = 256;
}  // namespace detail

// The matrix A_i (row-major, n1 x n2). For inspection and tests.
template <class Scalar>
void gaussian_measurement_matrix(std::uint64_t seed, index_t n1, index_t n2, index_t i, bool symmetric,
                                 Scalar* out) {
  detail::check_gaussian_shape(n1, n2, 1, symmetric);
  require(i >= 0, "measurement index must be >= 0");
  const CounterRng rng(seed);
  const index_t nq = detail::gaussian_quads(n1, n2, symmetric);
  std::vector<double> z(std::size_t(4 * nq));
  rng.normal_quads(std::uint64_t(i), 0, std::size_t(nq), z.data());
  detail::gaussian_unpack(z.data(), n1, n2, symmetric, out);
}

// The free entries of every A_i, drawn once: row i of Z (m x 4 * quads,
// row-major, padding included) holds the draws the products below would
// regenerate for measurement i, so a product that reads Z gives the same bits.
inline void gaussian_draws(std::uint64_t seed, index_t n1, index_t n2, index_t m, bool symmetric, double* Z) {
  detail::check_gaussian_shape(n1, n2, m, symmetric);
  const CounterRng rng(seed);
  const index_t nq = detail::gaussian_quads(n1, n2, symmetric);
  parallel_blocks(m, 8, [&](index_t, index_t lo, index_t hi) {
    for (index_t i = lo; i < hi; ++i) rng.normal_quads(std::uint64_t(i), 0, std::size_t(nq), Z + i * 4 * nq);
  });
}

// y[i] = <A_i, X> for X row-major n1 x n2 (in the symmetric form, <A_i, (X + X^T) / 2>).
// `stored`: the draws of gaussian_draws, read instead of regenerated (or null).
template <class Scalar>
void gaussian_matvec(std::uint64_t seed, index_t n1, index_t n2, index_t m, bool symmetric, const Scalar* X,
                     Scalar* y, const double* stored = nullptr) {
  detail::check_gaussian_shape(n1, n2, m, symmetric);
  const CounterRng rng(seed);
  const index_t nq = detail::gaussian_quads(n1, n2, symmetric);
  std::vector<double> x(std::size_t(4 * nq));
  detail::gaussian_pack(X, n1, n2, symmetric, x.data());
  parallel_blocks(m, 8, [&](index_t, index_t lo, index_t hi) {
    alignas(64) double buffer[4 * detail::kGaussianChunk];
    for (index_t i = lo; i < hi; ++i) {
      // Eight partial sums in a fixed pattern: vectorised, same bits for any thread count.
      double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      for (index_t q0 = 0; q0 < nq; q0 += detail::kGaussianChunk) {
        const index_t nb = std::min(detail::kGaussianChunk, nq - q0);
        const double* z = buffer;
        if (stored)
          z = stored + (i * nq + q0) * 4;
        else
          rng.normal_quads(std::uint64_t(i), std::uint64_t(q0), std::size_t(nb), buffer);
        const double* xs = x.data() + 4 * q0;
        const index_t n = 4 * nb;
        index_t e = 0;
        for (; e + 8 <= n; e += 8)
          for (int k = 0; k < 8; ++k) acc[k] += z[e + k] * xs[e + k];
        for (; e < n; ++e) acc[e & 7] += z[e] * xs[e];
      }
      y[i] = Scalar(((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])));
    }
  });
}

// out (row-major n1 x n2) = sum_i y[i] A_i; `stored` as in gaussian_matvec.
template <class Scalar>
void gaussian_rmatvec(std::uint64_t seed, index_t n1, index_t n2, index_t m, bool symmetric, const Scalar* y,
                      Scalar* out, const double* stored = nullptr) {
  detail::check_gaussian_shape(n1, n2, m, symmetric);
  const CounterRng rng(seed);
  const index_t nq = detail::gaussian_quads(n1, n2, symmetric);
  // Blocks of packed entries (whole quads) small enough to stay in cache while
  // every measurement adds its share; each entry sums the measurements in the
  // order i = 0, 1, ..., m-1 whatever the blocks or threads.
  const index_t block = std::max<index_t>(32, std::min<index_t>(detail::kGaussianChunk, (nq + 15) / 16));
  std::vector<double> acc_all(std::size_t(4 * nq), 0.0);
  parallel_blocks(nq, block, [&](index_t, index_t qlo, index_t qhi) {
    alignas(64) double buffer[4 * detail::kGaussianChunk];
    double* acc = acc_all.data() + 4 * qlo;
    const index_t n = 4 * (qhi - qlo);
    for (index_t i = 0; i < m; ++i) {
      const double w = double(y[i]);
      const double* z = buffer;
      if (stored)
        z = stored + (i * nq + qlo) * 4;
      else
        rng.normal_quads(std::uint64_t(i), std::uint64_t(qlo), std::size_t(qhi - qlo), buffer);
      for (index_t e = 0; e < n; ++e) acc[e] += w * z[e];
    }
  });
  detail::gaussian_unpack(acc_all.data(), n1, n2, symmetric, out);
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
      require(rows[k] >= 0 && rows[k] < n1 && cols[k] >= 0 && cols[k] < n2, "entry indices out of range");
    for (index_t a = 0; a < n1; ++a) require(ptr_r[a] <= ptr_r[a + 1], "row pointers must not decrease");
    for (index_t b = 0; b < n2; ++b) require(ptr_c[b] <= ptr_c[b + 1], "column pointers must not decrease");
    for (index_t a = 0; a < n1; ++a)
      for (index_t p = ptr_r[a]; p < ptr_r[a + 1]; ++p)
        require(order_r[p] >= 0 && order_r[p] < m && rows[order_r[p]] == a, "row order is inconsistent");
    for (index_t b = 0; b < n2; ++b)
      for (index_t p = ptr_c[b]; p < ptr_c[b + 1]; ++p)
        require(order_c[p] >= 0 && order_c[p] < m && cols[order_c[p]] == b, "column order is inconsistent");
  }
};

// y[k] = (F G^T)[rows_k, cols_k] for F (n1 x k) and G (n2 x k), row-major.
template <class Scalar>
void entry_forward(const EntryIndex& idx, index_t rank, const Scalar* F, const Scalar* G, Scalar* y) {
  parallel_blocks(idx.m, 1024, [&](index_t, index_t lo, index_t hi) {
    for (index_t k = lo; k < hi; ++k) {
      // One predictable compare per entry: an index edited after the operator
      // was built must raise, not read outside F or G.
      require(idx.rows[k] >= 0 && idx.rows[k] < idx.n1 && idx.cols[k] >= 0 && idx.cols[k] < idx.n2,
              "entry indices out of range");
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
  auto side = [&](index_t n, const std::int64_t* ptr, const std::int64_t* order, const std::int64_t* other,
                  index_t n_other, const Scalar* factor, Scalar* out) {
    parallel_blocks(n, 64, [&](index_t, index_t lo, index_t hi) {
      std::vector<double> acc(static_cast<std::size_t>(rank));
      for (index_t a = lo; a < hi; ++a) {
        std::fill(acc.begin(), acc.end(), 0.0);
        require(ptr[a] >= 0 && ptr[a] <= ptr[a + 1] && ptr[a + 1] <= idx.m,
                "entry index pointers are inconsistent");
        for (index_t p = ptr[a]; p < ptr[a + 1]; ++p) {
          const index_t k = order[p];
          require(k >= 0 && k < idx.m && other[k] >= 0 && other[k] < n_other, "entry indices out of range");
          const double w = double(s[k]);
          const Scalar* f = factor + other[k] * rank;
          for (index_t c = 0; c < rank; ++c) acc[std::size_t(c)] += w * double(f[c]);
        }
        for (index_t c = 0; c < rank; ++c) out[a * rank + c] = Scalar(acc[std::size_t(c)]);
      }
    });
  };
  side(idx.n1, idx.ptr_r, idx.order_r, idx.cols, idx.n2, G, SG);
  side(idx.n2, idx.ptr_c, idx.order_c, idx.rows, idx.n1, F, StF);
}

}  // namespace lralg
