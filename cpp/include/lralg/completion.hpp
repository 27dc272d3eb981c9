// Low-rank matrix completion by alternating minimization.
//
// One half-sweep updates every row x_i of a factor X (rows x d) from the
// other factor Y (cols x d) by the regularized least-squares problem
//   min_x  sum_{j in Omega_i} (t_ij - y_j^T x)^2 + reg ||x||^2,
//   t_ij = M_ij - mu - offset_j,
// each row independently, in parallel over rows.
//
// "altmin" (Jain, Netrapalli, Sanghavi 2013) solves each row exactly: the
// d x d normal matrix (accumulated in double) and a Cholesky factorization,
// O(|Omega_i| d^2 + d^3) per row. Up to d = 32 the size is a template argument, so
// that the normal matrix is summed in registers, in bands of rows (from a zero-padded
// double copy of Y).
//
// "robust-altmin" (Gu, Song, Yin, Zhang 2023) solves each row approximately
// with a sketch-preconditioned iterative solver warm-started from the previous
// factor. The preconditioner R (d x d, upper triangular) is the R factor of a
// sparse sign sketch S Y (s = sketch_factor * d rows, a few non-zeros per row
// of Y), computed once per half-sweep in O(nnz(S) d + s d^2): for uniformly
// sampled, incoherent factors Y_{Omega_i}^T Y_{Omega_i} ~ (|Omega_i| / n)
// Y^T Y, so R preconditions every row's regression at once; with reg > 0 the
// Gram matrix of the sketch is shifted by reg / (the mean |Omega_i| / n), the
// regularization of a row of mean count, so R also covers the reg term. The rows are then
// solved in the basis W = Y R^{-1} by conjugate gradients on the normal
// equations, at O(|Omega_i| d) per iteration, for at most inner_iter
// iterations or until the residual fell by inner_rtol.
//
// Observations are read by rows from a CSR pattern; the column-wise pass uses
// the CSR pattern of the transpose (transpose_pattern) whose `perm` maps each
// entry to its position in the original value array, so values are stored
// once.
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "lralg/common.hpp"
#include "lralg/random.hpp"
#include "lralg/row_observations.hpp"
#include "lralg/small_spd.hpp"

namespace lralg {

// The CSR pattern of the transpose of a (rows x cols) CSR pattern, plus, for
// each of its entries, the position of the same entry in the original arrays.
template <class Index>
struct TransposedPattern {
  std::vector<Index> indptr;   // cols + 1
  std::vector<Index> indices;  // row of each entry
  std::vector<Index> perm;     // position in the original data array
};

template <class Index>
TransposedPattern<Index> transpose_pattern(const Index* indptr, const Index* indices, index_t rows,
                                           index_t cols) {
  TransposedPattern<Index> t;
  const index_t nnz = rows > 0 ? index_t(indptr[rows]) : 0;
  t.indptr.assign(std::size_t(cols) + 1, Index(0));
  t.indices.resize(std::size_t(nnz));
  t.perm.resize(std::size_t(nnz));
  for (index_t p = 0; p < nnz; ++p) ++t.indptr[std::size_t(indices[p]) + 1];
  for (index_t j = 0; j < cols; ++j) t.indptr[std::size_t(j) + 1] += t.indptr[std::size_t(j)];
  std::vector<Index> next(t.indptr.begin(), t.indptr.end() - 1);
  // Rows are visited in order, so each column's rows come out ascending.
  for (index_t i = 0; i < rows; ++i)
    for (index_t p = index_t(indptr[i]); p < index_t(indptr[i + 1]); ++p) {
      const auto q = std::size_t(next[std::size_t(indices[p])]++);
      t.indices[q] = Index(i);
      t.perm[q] = Index(p);
    }
  return t;
}

enum class CompletionMethod { robust_altmin = 0, altmin = 1 };

struct HalfSweepOptions {
  CompletionMethod method = CompletionMethod::robust_altmin;
  double reg = 0.0;
  bool reg_per_entry = false;  // weighted-lambda: row i uses reg * |Omega_i| (Zhou et al. 2008)
  double mu = 0.0;             // global offset subtracted from every value
  int inner_iter = 10;         // robust-altmin: at most this many CG iterations per row
  double inner_rtol = 1e-2;    // robust-altmin: stop once the residual fell by this factor
  int sketch_factor = 4;       // robust-altmin: sketch rows per unknown
  std::uint64_t seed = 0;      // robust-altmin: key of the sketch
  std::uint64_t stream = 0;    // robust-altmin: one stream per half-sweep
  // robust-altmin: mean observations per row of the whole side, for the preconditioner's reg
  // shift (0: those of this call's rows); a caller that solves the rows in blocks passes the
  // whole side's, so that every block has the preconditioner of the undivided half-sweep
  double row_observations = 0.0;
};

// Statistics of one half-sweep (robust-altmin): CG iterations over all rows.
struct HalfSweepStats {
  index_t cg_iterations = 0;
};

namespace detail {

using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic>;
using VecD = Eigen::Matrix<double, Eigen::Dynamic, 1>;
template <class Scalar>
using ConstRowMajorMap =
    Eigen::Map<const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;

// A small ridge that keeps a Cholesky factorization of a positive
// semi-definite d x d matrix defined (rows with fewer observations than d).
inline double tiny_ridge(double largest_diagonal) {
  return 1e-12 * (largest_diagonal > 0.0 ? largest_diagonal : 1.0);
}
inline double tiny_ridge(const MatD& G) { return tiny_ridge(G.diagonal().cwiseAbs().maxCoeff()); }

// Upper-triangular R with R^T R = G (+ tiny ridge where G is singular).
inline MatD cholesky_upper(MatD G) {
  Eigen::LLT<MatD> llt(G);
  if (llt.info() != Eigen::Success) {
    G.diagonal().array() += tiny_ridge(G);
    llt.compute(G);
  }
  require(llt.info() == Eigen::Success, "completion: the factor has non-finite entries");
  return llt.matrixU();
}

// The R factor (via the Gram matrix of the sketch) of a sparse sign sketch S Y
// with s rows: row j of Y is added, with random signs, to `per_row` random
// rows of SY. Per-block partial sketches are summed in block order, so the
// result does not depend on the thread count.
template <class Scalar>
MatD sketch_preconditioner(const Scalar* Y, index_t n, index_t d, const HalfSweepOptions& opt, double shift) {
  const index_t s = std::max<index_t>(index_t(opt.sketch_factor) * d, d + 1);
  MatD G(d, d);
  if (n <= s) {  // small: the exact Gram matrix is as cheap as a sketch
    MatD Yd = ConstRowMajorMap<Scalar>(Y, n, d).template cast<double>();
    G.setZero();
    G.selfadjointView<Eigen::Lower>().rankUpdate(Yd.transpose());
    G.triangularView<Eigen::StrictlyUpper>() = G.transpose();
  } else {
    const CounterRng rng(opt.seed);
    constexpr int per_row = 4;
    const double scale = 1.0 / std::sqrt(double(per_row));
    constexpr index_t block = 8192;
    const index_t n_blocks = (n + block - 1) / block;
    std::vector<MatD> partial(static_cast<std::size_t>(n_blocks));
    parallel_blocks(n, block, [&](index_t b, index_t lo, index_t hi) {
      MatD& SY = partial[std::size_t(b)];
      SY.setZero(s, d);
      for (index_t j = lo; j < hi; ++j) {
        const Scalar* y = Y + j * d;
        for (int t = 0; t < per_row; ++t) {
          const auto w = rng.bits(opt.stream, std::uint64_t(j) * per_row + std::uint64_t(t));
          const index_t row = index_t(w[0] % std::uint64_t(s));
          const double sign = (w[1] & 1u) ? scale : -scale;
          for (index_t c = 0; c < d; ++c) SY(row, c) += sign * double(y[c]);
        }
      }
    });
    for (index_t b = 1; b < n_blocks; ++b) partial[0] += partial[std::size_t(b)];
    G.noalias() = partial[0].transpose() * partial[0];
  }
  G.diagonal().array() += shift;
  return cholesky_upper(G);
}

// Row i's normal matrix Y_i^T Y_i + lambda_i I is about c_i (Y^T Y + (lambda_i / c_i) I),
// c_i = |Omega_i| / n: the preconditioner includes the regularization at the mean c_i
// (without it, lambda_i R^{-T} R^{-1} spreads the spectrum where Y has weak directions).
template <class Obs>
double preconditioner_shift(const Obs& obs, const HalfSweepOptions& opt) {
  const index_t n = obs.cols;
  const index_t observed = obs.rows > 0 ? obs.end(obs.rows - 1) - obs.begin(0) : 0;
  const double per_row = opt.row_observations > 0.0 ? opt.row_observations
                         : observed > 0             ? double(observed) / double(obs.rows)
                                                    : 0.0;
  if (opt.reg <= 0.0 || per_row <= 0.0) return 0.0;
  return opt.reg_per_entry ? opt.reg * double(n) : opt.reg * double(n) / per_row;
}

// W = Y R^{-1}, n rows of `stride` >= d entries (those past d zero), row by row in blocks:
// W^T = R^{-T} Y^T.
template <class Out, class Scalar>
std::vector<Out> preconditioned_basis(const Scalar* Y, index_t n, index_t d, const MatD& R, index_t stride) {
  std::vector<Out> W(std::size_t(n * stride), Out(0));
  parallel_blocks(n, 1024, [&](index_t, index_t lo, index_t hi) {
    MatD Yt = ConstRowMajorMap<Scalar>(Y + lo * d, hi - lo, d).template cast<double>().transpose();
    R.transpose().triangularView<Eigen::Lower>().solveInPlace(Yt);
    Eigen::Map<Eigen::Matrix<Out, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>, 0, Eigen::OuterStride<>>
        out(W.data() + lo * stride, hi - lo, d, Eigen::OuterStride<>(stride));
    out = Yt.transpose().template cast<Out>();
  });
  return W;
}

// With reg > 0 the normal matrix in z = R x is W^T W + reg K, K = R^{-T} R^{-1}.
inline MatD regularizer_in_basis(const MatD& R) {
  const index_t d = index_t(R.rows());
  MatD Rinv = R.triangularView<Eigen::Upper>().solve(MatD::Identity(d, d));
  return Rinv.transpose() * Rinv;
}

// Observation p's target t_ij = M_ij - mu - offset_j (j its column; offset may be null).
template <class Scalar, class Index>
double observation_target(const RowObservations<Scalar, Index>& obs, index_t p, const Scalar* offset,
                          double mu) {
  return obs.value(p) - mu - (offset ? double(offset[index_t(obs.indices[p])]) : 0.0);
}

// Gathers row i's regressors (rows of Y at its observed columns, in double)
// into B and its targets t_ij = M_ij - mu - offset_j into t.
template <class Scalar, class Index>
void gather_row(const RowObservations<Scalar, Index>& obs, index_t i, const Scalar* offset, const Scalar* Y,
                index_t d, double mu, MatD& B, VecD& t) {
  const index_t begin = obs.begin(i), nnz = obs.end(i) - begin;
  B.resize(nnz, d);
  t.resize(nnz);
  for (index_t q = 0; q < nnz; ++q) {
    const index_t p = begin + q;
    const index_t j = index_t(obs.indices[p]);
    const Scalar* y = Y + j * d;
    for (index_t c = 0; c < d; ++c) B(q, c) = double(y[c]);
    t[q] = observation_target(obs, p, offset, mu);
  }
}

// Rows of at most this many unknowns are solved by solve_rows_exact_fixed.
constexpr index_t kFixedExactMaxSize = 32;

// Four doubles, one AVX register (two SSE ones): GCC's and Clang's generic vectors; the second
// type loads them from any double-aligned address.
using Double4 = double __attribute__((vector_size(4 * sizeof(double))));
using UnalignedDouble4 = double __attribute__((vector_size(4 * sizeof(double)), aligned(8), may_alias));

// The four doubles from x on, as one vector (a reference: a vector by value would be passed
// differently with and without AVX).
inline const UnalignedDouble4& vec4(const double* x) { return *reinterpret_cast<const UnalignedDouble4*>(x); }
inline UnalignedDouble4& vec4(double* x) { return *reinterpret_cast<UnalignedDouble4*>(x); }

// A row of d doubles padded with zeros to whole four-wide vectors.
constexpr index_t padded_width(index_t d) { return 4 * ((d + 3) / 4); }

// The ridge of a row with `count` observations.
inline double row_ridge(const HalfSweepOptions& opt, index_t count) {
  return opt.reg * (opt.reg_per_entry ? double(count) : 1.0);
}

// Four-wide accumulators a band of rows of the normal matrix may hold: about what the registers
// take (16 with AVX2, 32 with AVX-512), the rest being the observation's row and spills.
constexpr int kBandVectors = 24;

// The end of the band of normal-matrix rows that starts at row r0 of D: row a of the lower
// triangle takes a / 4 + 1 vectors.
constexpr int band_end(int D, int r0) {
  int r = r0, used = 0;
  while (r < D && (r == r0 || used + r / 4 + 1 <= kBandVectors)) used += r++ / 4 + 1;
  return r;
}

// Rows [R0, R1) of the lower triangle of a row's normal matrix, summed over its observations in
// registers and stored to G (row-major, D x D); with R0 = 0 also the right-hand side h.
template <int D, int R0, int R1, class Scalar, class Index>
void accumulate_band(const RowObservations<Scalar, Index>& obs, index_t begin, index_t end,
                     const double* padded, const Scalar* offset, double mu, double* G, double* h) {
  constexpr int P = int(padded_width(D)), C = P / 4, CB = (R1 - 1) / 4 + 1;  // CB: the band's widest row
  Double4 acc[R1 - R0][CB] = {}, rhs[C] = {};
  for (index_t p = begin; p < end; ++p) {
    const index_t j = index_t(obs.indices[p]);
    const double* y = padded + j * P;
    Double4 v[CB];
    for (int c = 0; c < CB; ++c) v[c] = vec4(y + 4 * c);
    if constexpr (R0 == 0) {
      const double t = observation_target(obs, p, offset, mu);
      for (int c = 0; c < C; ++c) rhs[c] += (c < CB ? v[c] : vec4(y + 4 * c)) * t;
    }
    for (int a = R0; a < R1; ++a) {
      const double ya = y[a];  // broadcast from memory, not from a vector register
      for (int c = 0; c <= a / 4; ++c) acc[a - R0][c] += v[c] * ya;
    }
  }
  for (int a = R0; a < R1; ++a)
    for (int b = 0; b <= a; ++b) G[a * D + b] = acc[a - R0][b / 4][b % 4];
  if constexpr (R0 == 0)
    for (int a = 0; a < D; ++a) h[a] = rhs[a / 4][a % 4];
}

// Every band of rows from R0 on.
template <int D, int R0, class Scalar, class Index>
void accumulate_bands(const RowObservations<Scalar, Index>& obs, index_t begin, index_t end,
                      const double* padded, const Scalar* offset, double mu, double* G, double* h) {
  if constexpr (R0 < D) {
    constexpr int R1 = band_end(D, R0);
    accumulate_band<D, R0, R1>(obs, begin, end, padded, offset, mu, G, h);
    accumulate_bands<D, R1>(obs, begin, end, padded, offset, mu, G, h);
  }
}

// Exact solve of every row for a size D known at compile time: each row's normal matrix (its
// lower triangle, in bands of rows that fit the registers, one pass over the row's observations
// per band) and right-hand side are summed in four-wide vectors, then solved by cholesky_solve.
// Y is first copied to double rows padded with zeros to whole vectors, so that each observation
// loads its row as whole vectors.
template <int D, class Scalar, class Index>
void solve_rows_exact_fixed(const RowObservations<Scalar, Index>& obs, const Scalar* offset, const Scalar* Y,
                            Scalar* X, const HalfSweepOptions& opt) {
  constexpr int P = int(padded_width(D));
  std::vector<double> padded(std::size_t(obs.cols) * P);
  parallel_blocks(obs.cols, 1024, [&](index_t, index_t lo, index_t hi) {
    for (index_t j = lo; j < hi; ++j)
      for (int c = 0; c < P; ++c) padded[std::size_t(j * P + c)] = c < D ? double(Y[j * D + c]) : 0.0;
  });
  parallel_blocks(obs.rows, 64, [&](index_t, index_t lo, index_t hi) {
    double A[D * D], x[D];
    for (index_t i = lo; i < hi; ++i) {
      Scalar* xi = X + i * D;
      const index_t begin = obs.begin(i), end = obs.end(i);
      if (begin == end) {
        std::fill(xi, xi + D, Scalar(0));
        continue;
      }
      double ridge = row_ridge(opt, end - begin);
      for (int attempt = 0; attempt < 2; ++attempt) {  // the second, rare, summed again
        accumulate_bands<D, 0>(obs, begin, end, padded.data(), offset, opt.mu, A, x);
        double scale = 0.0;
        for (int a = 0; a < D; ++a) {
          A[a * D + a] += ridge;
          scale = std::max(scale, std::abs(A[a * D + a]));
        }
        if (cholesky_solve(A, x, D, D)) break;
        if (attempt == 1)
          throw value_error("completion: singular least-squares problem (non-finite values?)");
        ridge += tiny_ridge(scale);
      }
      for (int c = 0; c < D; ++c) xi[c] = Scalar(x[c]);
    }
  });
}

// Calls f(std::integral_constant<int, D>()) for the D in [First, kFixedExactMaxSize] equal to d;
// false where there is none.
template <int First, class F>
bool with_fixed_size(index_t d, F&& f) {
  if constexpr (First > kFixedExactMaxSize) {
    return false;
  } else {
    if (d == First) {
      f(std::integral_constant<int, First>());
      return true;
    }
    return with_fixed_size<First + 1>(d, f);
  }
}

// Exact solve of every row: normal matrix + Cholesky.
template <class Scalar, class Index>
void solve_rows_exact(const RowObservations<Scalar, Index>& obs, const Scalar* offset, const Scalar* Y,
                      index_t d, Scalar* X, const HalfSweepOptions& opt) {
  const bool fixed = with_fixed_size<1>(
      d, [&](auto size) { solve_rows_exact_fixed<decltype(size)::value>(obs, offset, Y, X, opt); });
  if (fixed) return;
  parallel_blocks(obs.rows, 64, [&](index_t, index_t lo, index_t hi) {
    MatD B;  // the row's regressors, gathered
    VecD t, x;
    MatD G(d, d);
    for (index_t i = lo; i < hi; ++i) {
      Scalar* xi = X + i * d;
      const index_t nnz = obs.end(i) - obs.begin(i);
      if (nnz == 0) {
        std::fill(xi, xi + d, Scalar(0));
        continue;
      }
      gather_row(obs, i, offset, Y, d, opt.mu, B, t);
      G.setZero();
      G.selfadjointView<Eigen::Lower>().rankUpdate(B.transpose());
      G.diagonal().array() += row_ridge(opt, B.rows());
      const VecD h = B.transpose() * t;
      Eigen::LLT<MatD> llt(G.selfadjointView<Eigen::Lower>());
      if (llt.info() != Eigen::Success) {
        G.diagonal().array() += tiny_ridge(G);
        llt.compute(G.selfadjointView<Eigen::Lower>());
      }
      if (llt.info() != Eigen::Success)
        throw value_error("completion: singular least-squares problem (non-finite values?)");
      x = llt.solve(h);
      for (index_t c = 0; c < d; ++c) xi[c] = Scalar(x[c]);
    }
  });
}

// Lanes I0-I3 of the concatenation of a and b (0-3: a's, 4-7: b's), into out. The four-wide
// vectors of these helpers go by reference: by value they would be passed differently with and
// without AVX.
template <int I0, int I1, int I2, int I3>
inline void pick_lanes(const Double4& a, const Double4& b, Double4& out) {
#if defined(__clang__)
  out = __builtin_shufflevector(a, b, I0, I1, I2, I3);
#else
  using Lanes = long long __attribute__((vector_size(4 * sizeof(long long))));
  out = __builtin_shuffle(a, b, Lanes{I0, I1, I2, I3});
#endif
}

// out[a] = the sum of the four lanes of s[a]: pairwise within each half, two vectors at once,
// then the two halves.
inline void lane_sums(const Double4 (&s)[4], Double4& out) {
  Double4 low, high, s01, s23;
  pick_lanes<0, 4, 2, 6>(s[0], s[1], low);
  pick_lanes<1, 5, 3, 7>(s[0], s[1], high);
  s01 = low + high;
  pick_lanes<0, 4, 2, 6>(s[2], s[3], low);
  pick_lanes<1, 5, 3, 7>(s[2], s[3], high);
  s23 = low + high;
  pick_lanes<0, 1, 4, 5>(s01, s23, low);
  pick_lanes<2, 3, 6, 7>(s01, s23, high);
  out = low + high;
}

// Rows of nv four-wide vectors, four at a time: the CG passes over a row's observations read
// four rows of W for each load and store of the vector they sum into.
struct FourRows {
  const double* w[4];
};

// out[a] = w_a^T v for the four rows.
inline void dot_four_rows(const FourRows& rows, const double* v, index_t nv, Double4& out) {
  Double4 s[4] = {};
  for (index_t c = 0; c < nv; ++c) {
    const Double4 vc = vec4(v + 4 * c);
    for (int a = 0; a < 4; ++a) s[a] += vec4(rows.w[a] + 4 * c) * vc;
  }
  lane_sums(s, out);
}

// y += sum_a coef[a] w_a.
inline void add_four_rows(double* y, const FourRows& rows, const Double4& coef, index_t nv) {
  for (index_t c = 0; c < nv; ++c) {
    Double4 sum = vec4(y + 4 * c);
    for (int a = 0; a < 4; ++a) sum += coef[a] * vec4(rows.w[a] + 4 * c);
    vec4(y + 4 * c) = sum;
  }
}

// Calls f(e0, rows, count) for the observations [begin, end) of a row in groups of four from
// e0, rows.w[a] the padded W row of observation e0 + a (`zero`, a row of zeros, past end).
template <class Scalar, class Index, class F>
void for_four_observations(const RowObservations<Scalar, Index>& obs, index_t begin, index_t end,
                           const double* W, index_t P, const double* zero, F&& f) {
  for (index_t e0 = begin; e0 < end; e0 += 4) {
    FourRows rows;
    for (int a = 0; a < 4; ++a) rows.w[a] = e0 + a < end ? W + index_t(obs.indices[e0 + a]) * P : zero;
    f(e0, rows, std::min<index_t>(4, end - e0));
  }
}

// Approximate solve of every row: CG in the preconditioned basis W = Y R^{-1}, warm-started
// from the current X. W is kept in double, its rows padded to whole four-wide vectors, and read
// in place: each CG iteration is one pass over the row's observations (q = sum_j w_j (w_j^T p)).
template <class Scalar, class Index>
HalfSweepStats solve_rows_robust(const RowObservations<Scalar, Index>& obs, const Scalar* offset,
                                 const Scalar* Y, index_t d, Scalar* X, const HalfSweepOptions& opt) {
  const index_t n = obs.cols, P = padded_width(d), nv = P / 4;
  const MatD R = sketch_preconditioner(Y, n, d, opt, preconditioner_shift(obs, opt));
  const std::vector<double> W = preconditioned_basis<double>(Y, n, d, R, P);
  const MatD K = opt.reg > 0.0 ? regularizer_in_basis(R) : MatD();
  const index_t n_blocks = (obs.rows + 63) / 64;
  std::vector<index_t> iterations(std::size_t(n_blocks), 0);
  const std::vector<double> zero(std::size_t(P), 0.0);  // the row of W past a row's observations
  parallel_blocks(obs.rows, 64, [&](index_t b, index_t lo, index_t hi) {
    VecD z = VecD::Zero(P), r(P), p(P), q(P), f(P), x(d);  // past d: zero throughout
    index_t its = 0;
    for (index_t i = lo; i < hi; ++i) {
      Scalar* xi = X + i * d;
      const index_t begin = obs.begin(i), end = obs.end(i);
      if (begin == end) {
        std::fill(xi, xi + d, Scalar(0));
        continue;
      }
      const double lambda = row_ridge(opt, end - begin);
      // Warm start z0 = R x_prev; r = sum_j w_j (t_j - w_j^T z) - lambda K z, f = sum_j w_j t_j.
      for (index_t c = 0; c < d; ++c) x[c] = double(xi[c]);
      z.head(d).noalias() = R.triangularView<Eigen::Upper>() * x;
      r.setZero();
      f.setZero();
      for_four_observations(obs, begin, end, W.data(), P, zero.data(),
                            [&](index_t e0, const FourRows& rows, index_t count) {
                              Double4 t = {};
                              for (index_t a = 0; a < count; ++a)
                                t[a] = observation_target(obs, e0 + a, offset, opt.mu);
                              Double4 fitted;
                              dot_four_rows(rows, z.data(), nv, fitted);
                              add_four_rows(r.data(), rows, t - fitted, nv);
                              add_four_rows(f.data(), rows, t, nv);
                            });
      if (lambda > 0.0) r.head(d).noalias() -= lambda * (K * z.head(d));
      const double floor2 = 1e-26 * f.squaredNorm();  // an absolute floor, for a row fitted exactly
      double rr = r.squaredNorm();
      const double stop2 = std::max(opt.inner_rtol * opt.inner_rtol * rr, floor2);
      p = r;
      for (int it = 0; it < opt.inner_iter && rr > stop2 && rr > 0.0; ++it) {
        q.setZero();
        for_four_observations(obs, begin, end, W.data(), P, zero.data(),
                              [&](index_t, const FourRows& rows, index_t) {
                                Double4 products;
                                dot_four_rows(rows, p.data(), nv, products);
                                add_four_rows(q.data(), rows, products, nv);
                              });
        if (lambda > 0.0) q.head(d).noalias() += lambda * (K * p.head(d));
        const double pq = p.dot(q);
        if (!(pq > 0.0)) break;
        const double alpha = rr / pq;
        z += alpha * p;
        r -= alpha * q;
        const double rr_new = r.squaredNorm();
        p = r + (rr_new / rr) * p;
        rr = rr_new;
        ++its;
      }
      // x = R^{-1} z.
      x = R.triangularView<Eigen::Upper>().solve(z.head(d));
      for (index_t c = 0; c < d; ++c) xi[c] = Scalar(x[c]);
    }
    iterations[std::size_t(b)] = its;
  });
  HalfSweepStats stats;
  for (index_t v : iterations) stats.cg_iterations += v;
  return stats;
}

}  // namespace detail

// Updates every row of X (obs.rows x d, row-major) given Y (obs.cols x d,
// row-major) and the per-column offsets `offset` (obs.cols, or null).
template <class Scalar, class Index>
HalfSweepStats solve_rows(const RowObservations<Scalar, Index>& obs, const Scalar* offset, const Scalar* Y,
                          index_t d, Scalar* X, const HalfSweepOptions& opt) {
  require(d >= 1, "completion: the factors need at least one column");
  require(opt.reg >= 0.0 && std::isfinite(opt.reg), "reg must be finite and >= 0");
  require(opt.inner_iter >= 0 && opt.sketch_factor >= 1, "completion: bad solver settings");
  if (opt.method == CompletionMethod::altmin) {
    detail::solve_rows_exact(obs, offset, Y, d, X, opt);
    return {};
  }
  return detail::solve_rows_robust(obs, offset, Y, d, X, opt);
}

// u^T v in double for k = K (Eigen::Dynamic: any k), vectorized in one fixed order, whatever the
// thread count.
template <int K, class Scalar>
double factor_dot(const Scalar* u, const Scalar* v, index_t k) {
  using ConstVecMap = Eigen::Map<const Eigen::Matrix<Scalar, K, 1>>;
  return ConstVecMap(u, k).template cast<double>().dot(ConstVecMap(v, k).template cast<double>());
}

// Calls f(std::integral_constant<int, K>()) with K = k up to kFixedExactMaxSize, Eigen::Dynamic
// above: a dot product of a size known at compile time is unrolled, without the set-up of a
// dynamic one, which costs as much as the arithmetic at a few factor columns.
template <class F>
void with_factor_size(index_t k, F&& f) {
  if (!detail::with_fixed_size<1>(k, f)) f(std::integral_constant<int, Eigen::Dynamic>());
}

// Sum of squared residuals of the model mu + a_i + b_j + u_i^T v_j over the
// observations (CSR by rows); a, b may be null. Deterministic in the thread count.
template <class Scalar, class Index>
double squared_residual(const RowObservations<Scalar, Index>& obs, const Scalar* U, const Scalar* V,
                        index_t k, double mu, const Scalar* a, const Scalar* b) {
  constexpr index_t block = 256;
  const index_t n_blocks = (obs.rows + block - 1) / block;
  std::vector<double> partial(std::size_t(std::max<index_t>(n_blocks, 1)), 0.0);
  with_factor_size(k, [&](auto size) {
    constexpr int K = decltype(size)::value;
    parallel_blocks(obs.rows, block, [&](index_t blk, index_t lo, index_t hi) {
      double sum = 0.0;
      for (index_t i = lo; i < hi; ++i) {
        const double ai = a ? double(a[i]) : 0.0;
        for (index_t p = obs.begin(i); p < obs.end(i); ++p) {
          const index_t j = index_t(obs.indices[p]);
          const double pred = mu + ai + (b ? double(b[j]) : 0.0) + factor_dot<K>(U + i * k, V + j * k, k);
          const double e = obs.value(p) - pred;
          sum += e * e;
        }
      }
      partial[std::size_t(blk)] = sum;
    });
  });
  double total = 0.0;
  for (double s : partial) total += s;
  return total;
}

// out[p] = mu + a[rows[p]] + b[cols[p]] + U[rows[p]] . V[cols[p]] (indices checked by the caller).
template <class Scalar>
void predict_entries(const Scalar* U, const Scalar* V, index_t k, double mu, const Scalar* a, const Scalar* b,
                     const std::int64_t* rows, const std::int64_t* cols, index_t count, Scalar* out) {
  with_factor_size(k, [&](auto size) {
    constexpr int K = decltype(size)::value;
    parallel_for(
        count,
        [&](index_t p) {
          const index_t i = index_t(rows[p]), j = index_t(cols[p]);
          const double pred = mu + (a ? double(a[i]) : 0.0) + (b ? double(b[j]) : 0.0) +
                              factor_dot<K>(U + i * k, V + j * k, k);
          out[p] = Scalar(pred);
        },
        4096);
  });
}

}  // namespace lralg
