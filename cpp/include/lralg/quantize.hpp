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
// U is computed without forming H^-1: with J the reversal permutation, J H J = L L^T (Cholesky),
// H = (J L J)(J L J)^T with J L J upper triangular, and H^-1 = U^T U for U = (J L J)^-1.
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

// GPTQ. W row-major (rows x cols), H row-major (cols x cols, symmetric; only its lower triangle
// is read by the factorisation).
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

  Mat<double> H = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      H_in, cols, cols);
  // The processing order: act_order sorts by decreasing H[j, j], a dead column's counted as 1
  // (ties keep their order).
  std::vector<index_t> perm(static_cast<std::size_t>(cols));
  std::iota(perm.begin(), perm.end(), index_t(0));
  auto diag = [&](index_t c) { return H(c, c) == 0.0 ? 1.0 : H(c, c); };
  if (opt.act_order)
    std::stable_sort(perm.begin(), perm.end(), [&](index_t a, index_t b) { return diag(a) > diag(b); });
  // Wk: column-major, column p = column perm[p] of W (the dead ones zeroed); Hp: H permuted.
  Mat<S> Wk(rows, cols);
  Mat<double> Hp(cols, cols);
  for (index_t p = 0; p < cols; ++p) {
    const index_t c = perm[std::size_t(p)];
    const bool dead = H(c, c) == 0.0;
    for (index_t r = 0; r < rows; ++r) Wk(r, p) = dead ? S(0) : W[r * cols + c];
    for (index_t p2 = 0; p2 < cols; ++p2) Hp(p2, p) = H(perm[std::size_t(p2)], c);
    if (dead) Hp(p, p) = 1.0;
  }
  H.resize(0, 0);
  const double mean_diag = Hp.diagonal().mean();
  Hp.diagonal().array() += opt.damp * mean_diag;
  // U = (J L J)^-1 with J Hp J = L L^T.
  Mat<double> Ud = Hp.reverse();
  Hp.resize(0, 0);
  require(blas::cholesky_lower(Ud),
          "H is not positive definite after damping (raise damp, or check the calibration data)");
  Ud = Ud.reverse().eval();  // upper triangular: J L J
  blas::inverse_upper(Ud);
  require(Ud.allFinite(), "H is too ill-conditioned for GPTQ after damping (raise damp)");
  const Mat<S> U = Ud.template cast<S>();
  Ud.resize(0, 0);

  const index_t groups = gs > 0 ? quant_groups(cols, gs) : 1;
  Mat<S> scales(rows, groups), zeros(rows, groups), codes(rows, cols);
  Mat<S> E(rows, B);
  for (index_t i = 0; i < cols; i += B) {
    const index_t i2 = std::min(cols, i + B), width = i2 - i;
    parallel_blocks(rows, 32, [&](index_t, index_t r0, index_t r1) {
      const index_t nr = r1 - r0;
      std::vector<Grid<S>> grid(static_cast<std::size_t>(nr));
      for (index_t j = i; j < i2; ++j) {
        const bool starts = gs > 0 ? j % gs == 0 : j == 0;
        if (starts) {
          const index_t c1 = gs > 0 ? std::min(cols, j + gs) : cols;
          const index_t g = gs > 0 ? j / gs : 0;
          for (index_t r = r0; r < r1; ++r) {
            S lo = Wk(r, j), hi = lo;
            for (index_t c = j + 1; c < c1; ++c) {
              lo = std::min(lo, Wk(r, c));
              hi = std::max(hi, Wk(r, c));
            }
            grid[std::size_t(r - r0)] = grid_of(lo, hi, opt.grid);
            scales(r, g) = grid[std::size_t(r - r0)].scale;
            zeros(r, g) = grid[std::size_t(r - r0)].zero;
          }
        }
        const S d = U(j, j);
        S* w = &Wk(r0, j);
        S* e = &E(r0, j - i);
        for (index_t t = 0; t < nr; ++t) {
          const Grid<S>& gr = grid[std::size_t(t)];
          const S code = gr.code(w[t]);
          codes(r0 + t, j) = code;
          const S q = gr.value(code);
          e[t] = (w[t] - q) / d;
          w[t] = q;
        }
        for (index_t c = j + 1; c < i2; ++c) {
          const S u = U(j, c);
          S* wc = &Wk(r0, c);
          for (index_t t = 0; t < nr; ++t) wc[t] -= e[t] * u;
        }
      }
    });
    if (i2 < cols) {
      auto tail = Wk.rightCols(cols - i2);
      blas::gemm<S>('N', 'N', S(-1), E.leftCols(width), U.block(i, i2, width, cols - i2), S(1), tail);
    }
  }
  // Back to the caller's column order; Wk holds the dequantized weights.
  for (index_t p = 0; p < cols; ++p) out.group[perm[std::size_t(p)]] = std::int32_t(gs > 0 ? p / gs : 0);
  parallel_for(
      rows,
      [&](index_t r) {
        for (index_t p = 0; p < cols; ++p) {
          const index_t c = perm[std::size_t(p)];
          out.codes[r * cols + c] = std::uint8_t(codes(r, p));
          out.dequantized[r * cols + c] = Wk(r, p);
        }
        for (index_t g = 0; g < groups; ++g) {
          out.scales[r * groups + g] = scales(r, g);
          out.zeros[r * groups + g] = std::uint8_t(zeros(r, g));
        }
      },
      16);
}

}  // namespace lralg
