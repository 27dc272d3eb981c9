// The two-panel schedule (2 <= q <= 4 powers): the output E and ONE n x dim
// work panel W, nothing else of panel size.
//
// U_1 is sparse when R is (each row has about deg * dim / sqrt(n) entries)
// and cheap to recompute from R (U1Rows), so no panel keeps it. The route:
//  a. W = U_2, by rows: from a compact CSR copy of U_1 when that is small
//     (the "sparse" route: no dense product), else E = U_1 and W = M E.
//  b. (q = 4) E = U_3 = M W.
//  c. The last product, by rows, into the panel it does not read, merging
//     the terms of the row there:  q = 4: W[i] = self + w_1 N(U_1[i]) +
//     w_2 N(W[i]) + w_4 N((M E)[i]), then E[i] = W[i] + w_3 N(E[i]);
//     q = 3: E[i] = self + w_1 N(U_1[i]) + w_2 N(W[i]) + w_3 N((M W)[i]);
//     q = 2: E[i] = self + w_1 N(U_1[i]) + w_2 N(U_2[i]) (no panel at all on
//     the sparse route).
// Products run by whole rows (each gathered row is one run of dim contiguous
// entries: one TLB entry, adjacent lines prefetched together), or by column
// strips where a strip fits the cache and the panel does not.
//
// Nothing of size n is kept beside the two panels and the sparse U_1: row
// scales and degree weights are recomputed from the row's arcs where they
// are needed, and no vector of row norms is kept. A power's row that is
// rounding noise (negative signed_norm) is stored as zeros, so every stored
// row's norm is its true one, taken again (k flops) by whoever reads it.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "lralg/buffer.hpp"
#include "lralg/common.hpp"
#include "lralg/fastrp/column_stats.hpp"
#include "lralg/fastrp/gather.hpp"
#include "lralg/fastrp/options.hpp"
#include "lralg/fastrp/row_norms.hpp"
#include "lralg/fastrp/sparse_rows.hpp"
#include "lralg/fastrp/u1_rows.hpp"
#include "lralg/sparse.hpp"

namespace lralg {
namespace detail {

// Width of the column strips of a product (tests ask for narrow ones). Whole
// rows unless the panel is larger than the cache and a strip of 64 columns
// is well inside it (small graphs with a large dim); on larger graphs a
// strip's gathers touch too many rows for the cache, and whole rows win.
template <class Scalar>
inline index_t product_strip(index_t n, index_t k, index_t requested) {
  if (requested > 0) return std::min(requested, k);
  constexpr double kPanelInCache = 8.0 * (1 << 20), kStripInCache = 4.0 * (1 << 20);
  const double row = double(n) * double(sizeof(Scalar));
  return row * double(k) > kPanelInCache && row * 64.0 <= kStripInCache ? std::min<index_t>(64, k) : k;
}

// The largest of per-block maxima (a fixed order).
inline double max_of(const std::vector<double>& v) {
  double m = 0.0;
  for (double x : v) m = std::max(m, x);
  return m;
}

template <class Scalar, class Index>
class TwoPanelSchedule {
 public:
  TwoPanelSchedule(const CsrView<Scalar, Index>& A, const FastRPOptions& opt, double density, Scalar* E)
      : A_(A),
        opt_(opt),
        n_(A.rows),
        k_(opt.dim),
        q_(int(opt.weights.size())),
        nnz_(A.nnz()),
        E_(E),
        u1_(A, opt, density) {}

  // E = the embedding; false (E untouched) when R has more entries than
  // 32-bit offsets hold.
  bool run() {
    if (!u1_.draw()) return false;
    plan_u1_copy();
    advise_panel_pages();
    if (copy_) {
      const double max1 = fill_u1_copy();
      // G is kept for the self term, and for w_1's term in the last pass
      // (U_1[i] from G again: the copy is freed once U_2 is made).
      if (opt_.self_influence == 0.0 && (opt_.weights[0] == 0.0 || q_ == 2)) u1_.release();
      if (q_ == 2) {
        finish_two_powers_from_copy(max1);
        return true;
      }
      u2_from_copy(max1);
    } else {
      u1_into_panel();
      if (q_ > 2) {
        max_x_ = product(E_, w_.data(), max_x_);
        x_ = w_.data();
        p_ = 2;
      }
    }
    if (p_ == q_ - 1)
      finish_from_panel();
    else
      finish_four_powers();
    return true;
  }

 private:
  static constexpr index_t kRows = 256;  // rows per parallel block

  index_t degree(index_t i) const { return A_.row_end(i) - A_.row_begin(i); }
  double row_norm(const Scalar* x) const { return std::sqrt(sq_norm(x, k_)); }
  std::vector<double> block_maxima() const {
    return std::vector<double>(static_cast<std::size_t>((n_ + kRows - 1) / kRows), 0.0);
  }
  double factor(double w, double norm) const { return row_factor(w, norm, opt_.normalize); }

  // The route of U_2: from a copy of U_1 when that copy (bounded by the R
  // entries its rows sum) is at most an eighth of a panel (and its offsets
  // fit 32 bits). The count stops once the bound is passed (it only grows).
  void plan_u1_copy() {
    if (opt_.two_hop == 0) return;
    const double limit = opt_.two_hop == 1 ? std::numeric_limits<double>::infinity()
                                           : double(n_) * double(k_) * double(sizeof(Scalar)) /
                                                 (8.0 * double(sizeof(std::int32_t) + sizeof(Scalar)));
    const SparseRows<Scalar>& G = u1_.g();
    RawBuffer<std::uint32_t> count{std::size_t(n_)};
    std::uint32_t* cnt = count.data();
    std::atomic<std::uint64_t> total{0};
    parallel_blocks(n_, 1024, [&](index_t, index_t lo, index_t hi) {
      if (double(total.load(std::memory_order_relaxed)) > limit) return;
      std::uint64_t sum = 0;
      for (index_t i = lo; i < hi; ++i) {
        index_t c = 0;
        for (index_t pa = A_.row_begin(i); pa < A_.row_end(i); ++pa) {
          u1_.prefetch_rows(G, pa);
          const auto r = G.row(index_t(A_.indices[pa]));
          c += r.end - r.begin;
        }
        cnt[i] = std::uint32_t(std::min(c, k_));
        sum += cnt[i];
      }
      total.fetch_add(sum, std::memory_order_relaxed);
    });
    copy_ = double(total.load()) <= limit && u1_copy_.build(n_, cnt);
  }

  // The panels' pages: huge pages save TLB misses in the gathers, but their
  // first touch may compact memory, which can cost more on a busy machine.
  void advise_panel_pages() {
    huge_ = opt_.huge_panels != 0;
#if defined(__linux__) && defined(MADV_NOHUGEPAGE)
    if (!huge_) {  // E is not touched yet (an uninitialised numpy array)
      const auto lo = (reinterpret_cast<std::uintptr_t>(E_) + 4095) & ~std::uintptr_t(4095);
      const auto hi = (reinterpret_cast<std::uintptr_t>(E_ + n_ * k_)) & ~std::uintptr_t(4095);
      if (hi > lo) (void)madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_NOHUGEPAGE);
    }
#endif
  }
  void allocate_panel() { w_ = RawBuffer<Scalar>(std::size_t(n_) * std::size_t(k_), huge_, /*reused=*/true); }

  // The copy of U_1, rows in order (each padded with explicit zeros up to
  // its bound); returns the largest row norm.
  double fill_u1_copy() {
    std::vector<double> bmax = block_maxima();
    const double scale = u1_.scale();
    parallel_blocks(n_, kRows, [&](index_t b, index_t lo, index_t hi) {
      RowScratch<Scalar> scratch(k_);
      std::vector<Scalar>& acc = scratch.acc;
      std::vector<unsigned char>& seen = scratch.seen;
      double m = 0.0;
      std::int32_t* const ucol = u1_copy_.col.data();
      Scalar* const uval = u1_copy_.val.data();
      for (index_t i = lo; i < hi; ++i) {
        const auto own = u1_copy_.row(i);
        index_t out = own.begin + u1_.sparse_entries(i, scratch, ucol + own.begin);
        const Scalar s1 = Scalar(scale * u1_.row_scale(i));
        double sq = 0.0;
        for (index_t t = own.begin; t < out; ++t) {
          const auto c = std::size_t(ucol[t]);
          const Scalar v = acc[c] * s1;
          uval[t] = v;
          sq += double(v) * double(v);
          acc[c] = Scalar(0);
          seen[c] = 0;
        }
        for (; out < own.end; ++out) {
          ucol[out] = 0;
          uval[out] = Scalar(0);
        }
        m = std::max(m, std::sqrt(sq));
      }
      bmax[std::size_t(b)] = m;
    });
    return max_of(bmax);
  }
  // U_1[i] from the copy into u (k entries); its squared norm.
  double u1_from_copy(index_t i, Scalar* u) const {
    std::fill(u, u + k_, Scalar(0));
    const auto r = u1_copy_.row(i);
    for (index_t t = r.begin; t < r.end; ++t)
      u[u1_copy_.col.data()[t]] += u1_copy_.val.data()[t];  // padding adds 0
    return sq_norm(u, k_);
  }
  double copy_row_norm(index_t j) const {
    double sq = 0.0;
    const auto r = u1_copy_.row(j);
    for (index_t t = r.begin; t < r.end; ++t)
      sq += double(u1_copy_.val.data()[t]) * double(u1_copy_.val.data()[t]);
    return std::sqrt(sq);
  }
  // U_2[i] = M U_1 into v (k entries) from the copy; returns its signed norm.
  double u2_row_from_copy(index_t i, Scalar* v, double max1) const {
    std::fill(v, v + k_, Scalar(0));
    u1_.add_hop(i, u1_copy_, v);
    const double rs = u1_.row_scale(i);
    const Scalar r = Scalar(rs);
    for (index_t c = 0; c < k_; ++c) v[c] *= r;
    return product_norm(i, rs, sq_norm(v, k_), max1, [&](index_t j) { return copy_row_norm(j); });
  }
  // q = 2 on the sparse route: E[i] = w_1 N(U_1[i]) + self + w_2 N(U_2[i]), no panel.
  void finish_two_powers_from_copy(double max1) {
    ColumnStats stats(n_, k_);
    const auto& w = opt_.weights;
    parallel_blocks(n_, stats.rows, [&](index_t b, index_t lo, index_t hi) {
      std::vector<Scalar> u(static_cast<std::size_t>(k_));
      for (index_t i = lo; i < hi; ++i) {
        Scalar* e = E_ + i * k_;
        const double sq1 = u1_from_copy(i, u.data());
        const Scalar f1 = Scalar(factor(w[0], std::sqrt(sq1)));
        for (index_t c = 0; c < k_; ++c) e[c] = f1 * u[std::size_t(c)];
        u1_.add_self(i, e);
        const double n2 = u2_row_from_copy(i, u.data(), max1);
        const Scalar f2 = Scalar(factor(w[1], n2));
        for (index_t c = 0; c < k_; ++c) e[c] += f2 * u[std::size_t(c)];
      }
      stats.add_block(b, E_, lo, hi);
    });
    stats.standardize(E_, n_);
  }
  // W = U_2 from the copy, which is freed then.
  void u2_from_copy(double max1) {
    allocate_panel();
    x_ = w_.data();
    std::vector<double> bmax = block_maxima();
    parallel_blocks(n_, kRows, [&](index_t b, index_t lo, index_t hi) {
      double m = 0.0;
      for (index_t i = lo; i < hi; ++i)
        m = std::max(m, settle(x_ + i * k_, u2_row_from_copy(i, x_ + i * k_, max1)));
      bmax[std::size_t(b)] = m;
    });
    max_x_ = max_of(bmax);
    u1_copy_.release();  // w_1's term takes U_1[i] from G
    p_ = 2;
  }
  // The dense route: U_1 into W (q = 2) or into E (then W = M E follows).
  void u1_into_panel() {
    allocate_panel();
    Scalar* dst = q_ == 2 ? w_.data() : E_;
    std::vector<double> bmax = block_maxima();
    parallel_blocks(n_, kRows, [&](index_t b, index_t lo, index_t hi) {
      RowScratch<Scalar> s(k_);
      double m = 0.0;
      for (index_t i = lo; i < hi; ++i) {
        m = std::max(m, std::sqrt(u1_.dense_row(i, s.u.data())));
        std::copy(s.u.data(), s.u.data() + k_, dst + i * k_);
      }
      bmax[std::size_t(b)] = m;
    });
    x_ = dst;
    max_x_ = max_of(bmax);
    p_ = 1;
  }

  // The signed norm of row i of M U (sq its squared norm, rs the row's
  // scale): the bound of product_row_bound is only summed when the norm is
  // not clearly above the rounding error (max_src: the largest ||U[j]||).
  template <class NormOf>
  double product_norm(index_t i, double rs, double sq, double max_src, NormOf&& norm_of) const {
    constexpr double eps = double(std::numeric_limits<Scalar>::epsilon());
    const double norm = std::sqrt(sq);
    const index_t terms = degree(i);
    const double abs_row = row_reduce(A_, i, [](double x) { return std::abs(x); });
    const double quick = 2.0 * double(terms + 1) * eps * std::abs(rs) * abs_row * max_src;
    if (norm > quick) return norm;
    return signed_norm<Scalar>(sq, product_row_bound(A_, i, rs, norm_of), terms);
  }
  // Row y of a stored power: zeroed when its signed norm marks it as
  // rounding noise; returns the norm it keeps.
  double settle(Scalar* y, double signed_nrm) const {
    if (signed_nrm >= 0.0) return signed_nrm;
    std::fill(y, y + k_, Scalar(0));
    return 0.0;
  }
  // dst = M src (n x k panels), by whole rows or column strips; returns the
  // largest row norm of dst. max_src: the largest row norm of src.
  double product(const Scalar* src, Scalar* dst, double max_src) const {
    auto norm_of = [&](index_t j) { return row_norm(src + j * k_); };
    std::vector<double> bmax = block_maxima();
    const index_t s = product_strip<Scalar>(n_, k_, opt_.strip);
    if (s < k_) {
      for (index_t c0 = 0; c0 < k_; c0 += s) {
        const index_t wc = std::min(s, k_ - c0);
        parallel_blocks(n_, kRows, [&](index_t, index_t lo, index_t hi) {
          for (index_t i = lo; i < hi; ++i)
            gather(A_, nnz_, i, src + c0, k_, wc, Scalar(u1_.row_scale(i)), dst + i * k_ + c0);
        });
      }
    }
    parallel_blocks(n_, kRows, [&](index_t b, index_t lo, index_t hi) {
      double m = 0.0;
      for (index_t i = lo; i < hi; ++i) {
        Scalar* y = dst + i * k_;
        const double rs = u1_.row_scale(i);
        if (s == k_) gather(A_, nnz_, i, src, k_, k_, Scalar(rs), y);
        m = std::max(m, settle(y, product_norm(i, rs, sq_norm(y, k_), max_src, norm_of)));
      }
      bmax[std::size_t(b)] = m;
    });
    return max_of(bmax);
  }

  // dst += [w_1 N(U_1[i])] + self + w_q N((M src)[i]), src holding U_{q-1}:
  // the terms of row i beside the powers kept in the panels. The last
  // product's row goes through s.u and is never stored.
  void add_outer_terms(index_t i, Scalar* dst, const Scalar* src, double max_src,
                       RowScratch<Scalar>& s) const {
    const double w1 = opt_.weights[0], wq = opt_.weights[std::size_t(q_ - 1)];
    if (p_ > 1 && w1 != 0.0) u1_.add_weighted(i, dst, s);
    Scalar* u = s.u.data();
    u1_.add_self(i, dst);
    if (wq == 0.0) return;
    const double rs = u1_.row_scale(i);
    gather(A_, nnz_, i, src, k_, k_, Scalar(rs), u);
    const double nq =
        product_norm(i, rs, sq_norm(u, k_), max_src, [&](index_t j) { return row_norm(src + j * k_); });
    const Scalar f = Scalar(factor(wq, nq));
    for (index_t c = 0; c < k_; ++c) dst[c] += f * u[c];
  }
  // X (= W, or E when q = 2) holds U_{q-1}; E[i] = self + [w_1 N(U_1)] +
  // w_{q-1} N(X[i]) + w_q N((M X)[i]).
  void finish_from_panel() {
    const double wp = opt_.weights[std::size_t(p_ - 1)];
    ColumnStats stats(n_, k_);
    parallel_blocks(n_, stats.rows, [&](index_t b, index_t lo, index_t hi) {
      RowScratch<Scalar> scratch(k_);
      for (index_t i = lo; i < hi; ++i) {
        Scalar* e = E_ + i * k_;
        const Scalar* x = x_ + i * k_;
        const Scalar f = Scalar(factor(wp, row_norm(x)));
        for (index_t c = 0; c < k_; ++c) e[c] = f * x[c];
        add_outer_terms(i, e, x_, max_x_, scratch);
      }
      stats.add_block(b, E_, lo, hi);
    });
    w_.release();
    stats.standardize(E_, n_);
  }
  // q = 4: E = U_3 = M W; then W[i] = self + w_1 N(U_1[i]) + w_2 N(W[i]) +
  // w_4 N((M E)[i]); then E[i] = W[i] + w_3 N(E[i]).
  void finish_four_powers() {
    const auto& w = opt_.weights;
    const double max3 = product(x_, E_, max_x_);
    parallel_blocks(n_, kRows, [&](index_t, index_t lo, index_t hi) {
      RowScratch<Scalar> scratch(k_);
      for (index_t i = lo; i < hi; ++i) {
        Scalar* x = x_ + i * k_;
        const Scalar f2 = Scalar(factor(w[1], row_norm(x)));
        for (index_t c = 0; c < k_; ++c) x[c] *= f2;
        add_outer_terms(i, x, E_, max3, scratch);
      }
    });
    ColumnStats stats(n_, k_, x_);  // in the rows of W this pass is done with
    parallel_blocks(n_, stats.rows, [&](index_t b, index_t lo, index_t hi) {
      for (index_t i = lo; i < hi; ++i) {
        Scalar* e = E_ + i * k_;
        const Scalar f3 = Scalar(factor(w[2], row_norm(e)));
        const Scalar* x = x_ + i * k_;
        for (index_t c = 0; c < k_; ++c) e[c] = x[c] + f3 * e[c];
      }
      stats.add_block(b, E_, lo, hi);
    });
    stats.standardize(E_, n_);
    w_.release();
  }

  const CsrView<Scalar, Index>& A_;
  const FastRPOptions& opt_;
  const index_t n_, k_;
  const int q_;
  const index_t nnz_;
  Scalar* const E_;
  U1Rows<Scalar, Index> u1_;
  SparseRows<Scalar> u1_copy_;  // the sparse route's copy of U_1, kept until U_2 is made
  bool copy_ = false;           // U_2 from the copy (else by a dense product)
  bool huge_ = true;            // the panels on transparent huge pages
  RawBuffer<Scalar> w_;         // the work panel W
  Scalar* x_ = nullptr;         // the panel that holds U_p
  double max_x_ = 0.0;          // its largest row norm
  int p_ = 0;
};

}  // namespace detail
}  // namespace lralg
