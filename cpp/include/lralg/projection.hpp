// Very sparse random projection (Achlioptas 2003; Li, Hastie and Church 2006).
//
// R is n_features x n_components with entries +scale or -scale with
// probability density/2 each and 0 otherwise, scale = sqrt(1 / (density *
// n_components)). Row j of R is drawn from the counter-based generator keyed
// by (seed, j) by geometric skips between non-zeros, so making R costs
// O(nnz(R)) and never touches its zeros, and the same seed gives the same R
// whatever the thread count. R is kept only as its sign pattern.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "lralg/common.hpp"
#include "lralg/host_device.hpp"
#include "lralg/random.hpp"
#include "lralg/sparse.hpp"

namespace lralg {

// The non-zeros of a matrix whose entries are +scale or -scale, by rows:
// row i holds columns indices[indptr[i] .. indptr[i+1]) (ascending) with
// signs[...] in {+1, -1}.
struct SignPattern {
  index_t rows = 0;
  index_t cols = 0;
  double scale = 1.0;
  std::vector<index_t> indptr;
  std::vector<index_t> indices;
  std::vector<std::int8_t> signs;

  index_t nnz() const { return index_t(indices.size()); }
};

// The same matrix by columns, the positive entries of each column first:
// column c has rows pos[start[c] .. neg[c]) with sign +1 and rows
// pos[neg[c] .. start[c+1]) with sign -1.
struct SplitColumns {
  std::vector<index_t> start;
  std::vector<index_t> neg;
  std::vector<index_t> pos;
};

inline double projection_scale(double density, index_t n_components) {
  return std::sqrt(1.0 / (density * double(n_components)));
}

namespace detail {
// Visits the non-zeros of row `row` of R in ascending column order. log_keep
// is projection_log_keep(density), computed once by the caller (on the host,
// also for the CUDA kernels, so that both draw the same gaps).
inline double projection_log_keep(double density) { return density < 1.0 ? std::log1p(-density) : 0.0; }

template <class Visit>
LRALG_HD void for_each_projection_entry(const CounterRng& rng, index_t row, index_t n_components,
                                        double density, double log_keep, Visit&& visit) {
  index_t col = -1;
  for (std::uint64_t draw = 0;; ++draw) {
    const auto w = rng.bits(std::uint64_t(row), draw);
    if (density < 1.0) {
      // Number of zeros before the next non-zero: Geometric(density).
      const double gap = std::floor(std::log(CounterRng::to_open_unit(w[0])) / log_keep);
      if (gap >= double(n_components - col - 1)) return;
      col += index_t(gap) + 1;
    } else {
      if (++col >= n_components) return;
    }
    visit(col, (w[1] & 1u) ? std::int8_t(1) : std::int8_t(-1));
  }
}

template <class Visit>
void for_each_projection_entry(const CounterRng& rng, index_t row, index_t n_components, double density,
                               Visit&& visit) {
  for_each_projection_entry(rng, row, n_components, density, projection_log_keep(density), visit);
}
}  // namespace detail

inline SignPattern projection_pattern(index_t n_features, index_t n_components, double density,
                                      std::uint64_t seed) {
  require(n_features >= 1, "n_features must be >= 1");
  require(n_components >= 1, "n_components must be >= 1");
  require(density > 0.0 && density <= 1.0, "density must be in (0, 1]");
  const CounterRng rng(seed);
  const double log_keep = detail::projection_log_keep(density);
  SignPattern R;
  R.rows = n_features;
  R.cols = n_components;
  R.scale = projection_scale(density, n_components);
  R.indptr.assign(std::size_t(n_features) + 1, 0);
  // Two passes over the same draws (count, then fill) keep the fill parallel
  // and the result independent of the thread count.
  parallel_for(
      n_features,
      [&](index_t j) {
        index_t count = 0;
        detail::for_each_projection_entry(rng, j, n_components, density, log_keep,
                                          [&](index_t, std::int8_t) { ++count; });
        R.indptr[std::size_t(j) + 1] = count;
      },
      1024);
  for (index_t j = 0; j < n_features; ++j) R.indptr[std::size_t(j) + 1] += R.indptr[std::size_t(j)];
  R.indices.resize(std::size_t(R.indptr.back()));
  R.signs.resize(std::size_t(R.indptr.back()));
  parallel_for(
      n_features,
      [&](index_t j) {
        index_t p = R.indptr[std::size_t(j)];
        detail::for_each_projection_entry(rng, j, n_components, density, log_keep,
                                          [&](index_t c, std::int8_t s) {
                                            R.indices[std::size_t(p)] = c;
                                            R.signs[std::size_t(p)] = s;
                                            ++p;
                                          });
      },
      1024);
  return R;
}

inline SplitColumns split_columns(const SignPattern& R) {
  SplitColumns out;
  std::vector<index_t> n_pos(std::size_t(R.cols), 0), n_all(std::size_t(R.cols), 0);
  for (index_t p = 0; p < R.nnz(); ++p) {
    const auto c = std::size_t(R.indices[std::size_t(p)]);
    ++n_all[c];
    if (R.signs[std::size_t(p)] > 0) ++n_pos[c];
  }
  out.start.assign(std::size_t(R.cols) + 1, 0);
  out.neg.resize(std::size_t(R.cols));
  for (std::size_t c = 0; c < std::size_t(R.cols); ++c) {
    out.start[c + 1] = out.start[c] + n_all[c];
    out.neg[c] = out.start[c] + n_pos[c];
  }
  out.pos.resize(std::size_t(R.nnz()));
  std::vector<index_t> next_pos(out.start.begin(), out.start.end() - 1), next_neg(out.neg);
  for (index_t j = 0; j < R.rows; ++j)
    for (index_t p = R.indptr[std::size_t(j)]; p < R.indptr[std::size_t(j) + 1]; ++p) {
      const auto c = std::size_t(R.indices[std::size_t(p)]);
      auto& next = R.signs[std::size_t(p)] > 0 ? next_pos[c] : next_neg[c];
      out.pos[std::size_t(next++)] = j;
    }
  return out;
}

// out (n x k, row-major) = X @ R for dense X (n x d), row- or column-major.
// Samples are taken in panels of kPanel, laid out feature-major, so each
// signed sum over a column of R is a run of contiguous vector additions.
template <class Scalar>
void project_dense(const Scalar* X, index_t n, index_t d, bool row_major, const SignPattern& R, Scalar* out) {
  require(d == R.rows, "X has a different number of features than the projection");
  constexpr index_t kPanel = 16;
  const index_t k = R.cols;
  const SplitColumns cols = split_columns(R);
  const Scalar scale = Scalar(R.scale);
  parallel_blocks(n, kPanel, [&](index_t, index_t lo, index_t hi) {
    const index_t width = hi - lo;
    // Feature j of sample lo + b sits at panel[j * ld + b].
    std::vector<Scalar> buffer;
    const Scalar* panel;
    index_t ld;
    if (!row_major && width == kPanel) {
      panel = X + lo;  // a column-major full panel is already in place
      ld = n;
    } else {
      // Transpose the block: 16 sequential read streams, contiguous writes.
      buffer.assign(std::size_t(d * kPanel), Scalar(0));
      for (index_t j = 0; j < d; ++j) {
        Scalar* dst = buffer.data() + j * kPanel;
        for (index_t b = 0; b < width; ++b) dst[b] = row_major ? X[(lo + b) * d + j] : X[j * n + lo + b];
      }
      panel = buffer.data();
      ld = kPanel;
    }
    Scalar acc[kPanel];
    for (index_t c = 0; c < k; ++c) {
      std::fill(acc, acc + kPanel, Scalar(0));
      const std::size_t neg = std::size_t(cols.neg[std::size_t(c)]);
      for (std::size_t p = std::size_t(cols.start[std::size_t(c)]); p < neg; ++p) {
        const Scalar* x = panel + cols.pos[p] * ld;
        for (index_t b = 0; b < kPanel; ++b) acc[b] += x[b];
      }
      const std::size_t end = std::size_t(cols.start[std::size_t(c) + 1]);
      for (std::size_t p = neg; p < end; ++p) {
        const Scalar* x = panel + cols.pos[p] * ld;
        for (index_t b = 0; b < kPanel; ++b) acc[b] -= x[b];
      }
      for (index_t b = 0; b < width; ++b) out[(lo + b) * k + c] = scale * acc[b];
    }
  });
}

// out (n x k, row-major) = diag(row_scale) X diag(feature_scale) R for X in
// CSR form; a null scale pointer stands for all ones (plain X @ R).
template <class Scalar, class Index>
void project_csr(const CsrView<Scalar, Index>& X, const SignPattern& R, Scalar* out,
                 const double* feature_scale = nullptr, const double* row_scale = nullptr) {
  require(X.cols == R.rows, "X has a different number of features than the projection");
  const index_t k = R.cols;
  parallel_blocks(X.rows, 256, [&](index_t, index_t lo, index_t hi) {
    std::vector<Scalar> acc(static_cast<std::size_t>(k));
    for (index_t i = lo; i < hi; ++i) {
      std::fill(acc.begin(), acc.end(), Scalar(0));
      for (index_t p = X.row_begin(i); p < X.row_end(i); ++p) {
        const auto j = std::size_t(X.indices[p]);
        const Scalar x = feature_scale ? Scalar(double(X.data[p]) * feature_scale[j]) : X.data[p];
        for (index_t q = R.indptr[j]; q < R.indptr[j + 1]; ++q)
          acc[std::size_t(R.indices[std::size_t(q)])] += R.signs[std::size_t(q)] > 0 ? x : -x;
      }
      const Scalar scale = Scalar(row_scale ? R.scale * row_scale[i] : R.scale);
      Scalar* row = out + i * k;
      for (index_t c = 0; c < k; ++c) row[c] = scale * acc[std::size_t(c)];
    }
  });
}

}  // namespace lralg
