// Weight-only quantization of a matrix W (rows x cols; a linear layer's weight, rows = outputs,
// cols = inputs) to `bits`-bit integer codes with per-row, per-group scales and zero points:
//
//   W_hat[r, c] = scale[r, g(c)] * (code[r, c] - zero[r, g(c)]),   code in [0, 2^bits - 1].
//
// The grid of a group is the min-max grid of GPTQ's reference quantizer: the range of the
// group's weights widened to include 0; asymmetric: scale = (max - min) / maxq, zero =
// round(-min / scale); symmetric: max = max(|min|, max), min = -max where min < 0, zero =
// (maxq + 1) / 2. An all-zero group gets the range [-1, 1]. Rounding is to nearest, ties to even.
//
// quantize_rtn rounds every weight to its group's grid (round-to-nearest).
//
// quantize_gptq is GPTQ (Frantar, Ashkboos, Hoefler and Alistarh 2022, arXiv 2210.17323): the
// columns are quantized one at a time, and the error of each is spread over the columns not yet
// quantized so as to minimise ||(W - W_hat) X^T||^2 for the calibration inputs X, H = X^T X:
//
//   U = Cholesky(H^-1) (upper),  for each column j:
//     code_j = quant(W[:, j]),  e = (W[:, j] - W_hat[:, j]) / U[j, j],  W[:, j+1:] -= e U[j, j+1:],
//
// with the paper's lazy batch updates: inside a block of `block_size` columns the updates touch
// the block only; the columns after it receive the block's errors at once as one product
// W[:, after] -= E U[block, after]. H is damped first (H += damp * mean(diag H) I); a weight
// column whose input is always zero (H[j, j] = 0) is set to 0 and its H[j, j] to 1. act_order
// quantizes the columns in order of decreasing H[j, j]. A group's grid is computed when its first
// column is reached, from the group's weights as updated so far; blocks are aligned to groups
// (block_size is rounded down to a multiple of group_size, or raised to group_size) so that the
// lazy updates give the same result as updating every column at once.
//
// U itself is never formed whole. With J the reversal permutation, J H J = L L^T (Cholesky)
// gives H = R R^T with R = J L J upper triangular, and U = R^-1. Since W - W_hat = E U column by
// column (W the weights before any update), E = (W - W_hat) R, and the update a column j gets
// from all the columns before it, -sum_{k<j} E[:, k] U[k, j], equals sum_{k<j} D[:, k] Rn[k, j]
// with D = W - W_hat and Rn = R diag(R)^-1 (GPTQ read as Babai's nearest plane algorithm on the
// lattice of H's Cholesky factor: Chen et al. 2025, arXiv 2507.18553). So the trailing update
// after a block is W[:, after] += D[:, block] Rn[block, after]: the same product as with U,
// without the triangular inverse (half of the factorisation's work). The partial sums differ,
// though: a grid is set from the columns of its group updated by the columns before it, as U
// does. At a block's start its columns hold W + (sum over the earlier blocks through Rn); with
// U_b = R_b^-1 (R's and U's diagonal blocks), adding (that - W) (diag(R_b) U_b - I) turns them
// into U's partial sums, and the block's own columns then run on U_b as in the paper.
//
// Inside a block the column loop goes by panels of 16 columns (a divisor of the group size):
// rank-one updates within the panel, one product for the rest of the block (a second level of
// the lazy batches), so that most of the work is done by GEMM.
//
// Rows are independent: each block's column loop runs over chunks of rows in parallel, the
// trailing update is one BLAS product outside any parallel region. Weights are processed in
// Scalar, H and its factor in double.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

#include "lralg/blas.hpp"
#include "lralg/common.hpp"

namespace lralg {

struct QuantizeOptions {
  int bits = 4;
  index_t group_size = 128;  // 0: one group per row
  bool symmetric = false;
};

struct GptqOptions {
  QuantizeOptions grid;
  index_t block_size = 128;
  double damp = 0.01;
  bool act_order = false;
};

// Where the results go: row-major arrays allocated by the caller.
template <class S>
struct QuantizedOut {
  std::uint8_t* codes;  // rows x cols
  S* scales;            // rows x groups
  std::uint8_t* zeros;  // rows x groups
  std::int32_t* group;  // cols: the group of each column
  S* dequantized;       // rows x cols
};

inline index_t quant_groups(index_t cols, index_t group_size) {
  return group_size <= 0 ? 1 : (cols + group_size - 1) / group_size;
}

namespace quant_detail {

template <class S>
struct Grid {
  S scale;
  S zero;
  S maxq;
  S code(S x) const { return std::clamp(S(std::nearbyint(x / scale)) + zero, S(0), maxq); }
  S value(S code) const { return scale * (code - zero); }
};

template <class S>
Grid<S> grid_of(S lo, S hi, const QuantizeOptions& opt) {
  const S maxq = S((1 << opt.bits) - 1);
  lo = std::min(lo, S(0));
  hi = std::max(hi, S(0));
  if (opt.symmetric) {
    hi = std::max(-lo, hi);
    if (lo < S(0)) lo = -hi;
  }
  if (lo == S(0) && hi == S(0)) {
    lo = S(-1);
    hi = S(1);
  }
  Grid<S> g;
  g.maxq = maxq;
  g.scale = (hi - lo) / maxq;
  g.zero = opt.symmetric ? S((maxq + 1) / 2) : S(std::nearbyint(-lo / g.scale));
  return g;
}

inline void check(const QuantizeOptions& opt, index_t rows, index_t cols) {
  require(opt.bits >= 2 && opt.bits <= 8, "bits must be 2, 3, 4 or 8");
  require(opt.group_size >= 0, "group_size must be >= 0");
  require(rows >= 1 && cols >= 1, "W must not be empty");
}

// The grids of rows r0 .. r0 + nr of the group of columns [c0, c1) of Wk (column-major): the
// range of each row, read column by column.
template <class S>
void set_grids(const Mat<S>& Wk, index_t r0, index_t nr, index_t c0, index_t c1, index_t g,
               const QuantizeOptions& opt, Grid<S>* grid, Mat<S>& scales, Mat<S>& zeros) {
  std::vector<S> lo(&Wk(r0, c0), &Wk(r0, c0) + nr), hi = lo;
  for (index_t c = c0 + 1; c < c1; ++c) {
    const S* wc = &Wk(r0, c);
    for (index_t t = 0; t < nr; ++t) {
      lo[std::size_t(t)] = std::min(lo[std::size_t(t)], wc[t]);
      hi[std::size_t(t)] = std::max(hi[std::size_t(t)], wc[t]);
    }
  }
  for (index_t t = 0; t < nr; ++t) {
    grid[t] = grid_of(lo[std::size_t(t)], hi[std::size_t(t)], opt);
    scales(r0 + t, g) = grid[t].scale;
    zeros(r0 + t, g) = grid[t].zero;
  }
}

inline constexpr index_t kPanel = 16;

}  // namespace quant_detail

// Round-to-nearest. W is row-major (rows x cols).
template <class S>
void quantize_rtn(const S* W, index_t rows, index_t cols, const QuantizeOptions& opt, QuantizedOut<S> out) {
  using namespace quant_detail;
  check(opt, rows, cols);
  const index_t gs = opt.group_size > 0 ? std::min(opt.group_size, cols) : cols;
  const index_t groups = quant_groups(cols, gs);
  for (index_t c = 0; c < cols; ++c) out.group[c] = std::int32_t(c / gs);
  parallel_for(
      rows,
      [&](index_t r) {
        const S* w = W + r * cols;
        for (index_t g = 0; g < groups; ++g) {
          const index_t c0 = g * gs, c1 = std::min(cols, c0 + gs);
          const auto [lo, hi] = std::minmax_element(w + c0, w + c1);
          const Grid<S> grid = grid_of(*lo, *hi, opt);
          out.scales[r * groups + g] = grid.scale;
          out.zeros[r * groups + g] = std::uint8_t(grid.zero);
          for (index_t c = c0; c < c1; ++c) {
            const S code = grid.code(w[c]);
            out.codes[r * cols + c] = std::uint8_t(code);
            out.dequantized[r * cols + c] = grid.value(code);
          }
        }
      },
      16);
}

// Tiles of the copies between the caller's row-major arrays and the column-major work arrays:
// a 64 x 64 tile of either side stays in cache, so neither is walked with a long stride.
inline constexpr index_t kCopyTile = 64;

// GPTQ. W row-major (rows x cols), H row-major (cols x cols, symmetric; only the entries of the
// permuted lower triangle are read by the factorisation).
template <class S>
void quantize_gptq(const S* W, const double* H_in, index_t rows, index_t cols, const GptqOptions& opt,
                   QuantizedOut<S> out) {
  using namespace quant_detail;
  check(opt.grid, rows, cols);
  require(opt.block_size >= 1, "block_size must be >= 1");
  require(opt.damp >= 0, "damp must be >= 0");
  const index_t gs = opt.grid.group_size > 0 ? std::min(opt.grid.group_size, cols) : 0;
  index_t B = std::min(opt.block_size, cols);
  if (gs > 0) B = gs <= B ? (B / gs) * gs : gs;

  auto H = [&](index_t a, index_t b) { return H_in[a * cols + b]; };
  // The processing order: act_order sorts by decreasing H[j, j], a dead column's counted as 1
  // (ties keep their order).
  std::vector<index_t> perm(static_cast<std::size_t>(cols));
  std::iota(perm.begin(), perm.end(), index_t(0));
  auto diag = [&](index_t c) { return H(c, c) == 0.0 ? 1.0 : H(c, c); };
  if (opt.act_order)
    std::stable_sort(perm.begin(), perm.end(), [&](index_t a, index_t b) { return diag(a) > diag(b); });
  double mean_diag = 0;
  for (index_t c = 0; c < cols; ++c) mean_diag += diag(c);
  mean_diag /= double(cols);

  // Hr = J Hp J (Hp: H permuted, dead diagonal set to 1, damped; J the reversal), lower triangle.
  Mat<double> L(cols, cols);
  for (index_t b = 0; b < cols; ++b) {
    const index_t cb = perm[std::size_t(cols - 1 - b)];
    for (index_t a = b; a < cols; ++a) L(a, b) = H(cb, perm[std::size_t(cols - 1 - a)]);
    L(b, b) = diag(cb) + opt.damp * mean_diag;
  }
  require(blas::cholesky_lower(L),
          "H is not positive definite after damping (raise damp, or check the calibration data)");
  // R = J L J: R(k, j) = L(n-1-k, n-1-j). Rn = R diag(R)^-1 (its strict upper triangle) for the
  // trailing updates; per block, U_b = R_b^-1 (U's diagonal block) for the column loop and
  // G_b = diag(R_b) U_b - I for the switch from Rn's partial sums to U's at the block's start.
  auto R = [&](index_t k, index_t j) { return L(cols - 1 - k, cols - 1 - j); };
  Mat<S> Rn(cols, cols);
  bool finite = true;
  for (index_t j = 0; j < cols; ++j)
    for (index_t k = 0; k < j; ++k) {
      const double v = R(k, j) / R(j, j);
      finite = finite && std::isfinite(v);
      Rn(k, j) = S(v);
    }
  Mat<S> Ub = Mat<S>::Zero(B, cols), Gb = Mat<S>::Zero(B, cols);
  for (index_t i = 0; i < cols; i += B) {
    const index_t w = std::min(B, cols - i);
    Mat<double> Rb = Mat<double>::Zero(w, w);
    for (index_t j = 0; j < w; ++j)
      for (index_t k = 0; k <= j; ++k) Rb(k, j) = R(i + k, i + j);
    Mat<double> Ui = Mat<double>::Identity(w, w);
    Rb.triangularView<Eigen::Upper>().solveInPlace(Ui);
    finite = finite && Ui.allFinite();
    Ub.block(0, i, w, w) = Ui.template cast<S>();
    Mat<double> G = Rb.diagonal().asDiagonal() * Ui;
    G.diagonal().setZero();
    Gb.block(0, i, w, w) = G.template cast<S>();
  }
  L.resize(0, 0);
  require(finite, "H is too ill-conditioned for GPTQ after damping (raise damp)");

  // W0: column-major, column p = column perm[p] of W (the dead ones zeroed); Wk: W0 as updated,
  // then the dequantized weights.
  Mat<S> W0(rows, cols);
  for (index_t r0 = 0; r0 < rows; r0 += kCopyTile)
    for (index_t p0 = 0; p0 < cols; p0 += kCopyTile)
      for (index_t p = p0; p < std::min(cols, p0 + kCopyTile); ++p) {
        const index_t c = perm[std::size_t(p)];
        const bool dead = H(c, c) == 0.0;
        for (index_t r = r0; r < std::min(rows, r0 + kCopyTile); ++r)
          W0(r, p) = dead ? S(0) : W[r * cols + c];
      }
  Mat<S> Wk = W0;

  // Inside a block the columns go by panels of `panel` columns: the updates within a panel are
  // rank-one, the rest of the block gets the panel's errors as one product. Panels divide the
  // groups, so a group's columns have every earlier update when its grid is set.
  index_t panel = gs > 0 ? std::gcd(gs, kPanel) : kPanel;
  if (panel < 4) panel = B;
  const index_t groups = gs > 0 ? quant_groups(cols, gs) : 1;
  Mat<S> scales(rows, groups), zeros(rows, groups);
  Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic> codes(rows, cols);
  Mat<S> D(rows, B);  // W0 - W_hat on the block's columns
  Mat<S> E(rows, B);  // the errors e of the column loop
  std::vector<Grid<S>> grid(static_cast<std::size_t>(rows));
  for (index_t i = 0; i < cols; i += B) {
    const index_t i2 = std::min(cols, i + B), w = i2 - i;
    auto Wb = Wk.middleCols(i, w);
    if (i >
        0) {  // Wk holds W0 + sum_{k<i} D[:, k] Rn[k, :] here; U's partial sums are that plus (Wk - W0) G_b
      auto T = E.leftCols(w);
      T = Wb - W0.middleCols(i, w);
      blas::gemm<S>('N', 'N', S(1), T, Gb.block(0, i, w, w), S(1), Wb);
    }
    for (index_t s0 = i; s0 < i2; s0 += panel) {
      const index_t s1 = std::min(i2, s0 + panel);
      parallel_blocks(rows, 32, [&](index_t, index_t r0, index_t r1) {
        const index_t nr = r1 - r0;
        for (index_t j = s0; j < s1; ++j) {
          const bool starts = gs > 0 ? j % gs == 0 : j == 0;
          if (starts)
            set_grids(Wk, r0, nr, j, gs > 0 ? std::min(cols, j + gs) : cols, gs > 0 ? j / gs : 0, opt.grid,
                      &grid[std::size_t(r0)], scales, zeros);
          S* wj = &Wk(r0, j);
          const S* w0 = &W0(r0, j);
          S* d = &D(r0, j - i);
          S* e = &E(r0, j - i);
          const S ujj = Ub(j - i, j);
          std::uint8_t* code_out = &codes(r0, j);
          for (index_t t = 0; t < nr; ++t) {
            const Grid<S>& gr = grid[std::size_t(r0 + t)];
            const S code = gr.code(wj[t]);
            code_out[t] = std::uint8_t(code);
            const S q = gr.value(code);
            e[t] = (wj[t] - q) / ujj;
            d[t] = w0[t] - q;
            wj[t] = q;
          }
          for (index_t c = j + 1; c < s1; ++c) {
            const S u = Ub(j - i, c);
            S* wc = &Wk(r0, c);
            for (index_t t = 0; t < nr; ++t) wc[t] -= e[t] * u;
          }
        }
      });
      if (s1 < i2) {
        auto rest = Wk.middleCols(s1, i2 - s1);
        blas::gemm<S>('N', 'N', S(-1), E.middleCols(s0 - i, s1 - s0), Ub.block(s0 - i, s1, s1 - s0, i2 - s1),
                      S(1), rest);
      }
    }
    if (i2 < cols) {
      auto tail = Wk.rightCols(cols - i2);
      blas::gemm<S>('N', 'N', S(1), D.leftCols(w), Rn.block(i, i2, w, cols - i2), S(1), tail);
    }
  }
  // Back to the caller's row-major layout and column order; Wk holds the dequantized weights.
  for (index_t p = 0; p < cols; ++p) out.group[perm[std::size_t(p)]] = std::int32_t(gs > 0 ? p / gs : 0);
  const index_t row_tiles = (rows + kCopyTile - 1) / kCopyTile;
  parallel_for(
      row_tiles,
      [&](index_t tile) {
        const index_t r0 = tile * kCopyTile, r1 = std::min(rows, r0 + kCopyTile);
        for (index_t p0 = 0; p0 < cols; p0 += kCopyTile)
          for (index_t r = r0; r < r1; ++r)
            for (index_t p = p0; p < std::min(cols, p0 + kCopyTile); ++p) {
              const index_t c = perm[std::size_t(p)];
              out.codes[r * cols + c] = codes(r, p);
              out.dequantized[r * cols + c] = Wk(r, p);
            }
        for (index_t r = r0; r < r1; ++r)
          for (index_t g = 0; g < groups; ++g) {
            out.scales[r * groups + g] = scales(r, g);
            out.zeros[r * groups + g] = std::uint8_t(zeros(r, g));
          }
      },
      1);
}

}  // namespace lralg
