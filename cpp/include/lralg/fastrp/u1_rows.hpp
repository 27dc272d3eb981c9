// Rows of U_1 = M diag(deg^beta) R and of the self term, for the two-panel
// schedule: G = diag(deg^beta) R is drawn once into a compact CSR, and any
// row of U_1 is formed again from it when a pass needs it (no panel keeps
// U_1), dense or sparse, always summed in one order so that every route
// agrees to the bit.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "lralg/buffer.hpp"
#include "lralg/common.hpp"
#include "lralg/fastrp/options.hpp"
#include "lralg/fastrp/row_heads.hpp"
#include "lralg/fastrp/row_norms.hpp"
#include "lralg/fastrp/sparse_rows.hpp"
#include "lralg/projection.hpp"
#include "lralg/sparse.hpp"

namespace lralg {
namespace detail {

template <class Scalar, class Index>
class U1Rows {
 public:
  U1Rows(const CsrView<Scalar, Index>& A, const FastRPOptions& opt, double density)
      : A_(A),
        opt_(opt),
        n_(A.rows),
        k_(opt.dim),
        nnz_(A.nnz()),
        density_(density),
        scale_(projection_scale(density, opt.dim)) {}

  // Draws G and, where most of its rows have entries, their heads; false
  // (nothing kept) when G's entries do not fit 32-bit offsets.
  bool draw() {
    if (!draw_g()) return false;
    // Heads where G has its plain row index: the dense rows of U_1 are then
    // made from the heads, and from G only for the entries past a row's
    // first two.
    if (!g_.succinct && RowHeads<Scalar>::fits(k_)) heads_.build(g_, n_, k_);
    // Rows of U_1 are sparse when R's are: on average deg * nnz(R) / n
    // entries, under k / 8 here. Denser rows take dense passes, where the
    // sparse bookkeeping would cost more than it saves.
    sparse_ = 8.0 * (double(nnz_) / double(n_)) * (double(g_.col_count) / double(n_)) < double(k_);
    return true;
  }
  void release() {
    g_.release();
    heads_.release();
  }

  const SparseRows<Scalar>& g() const { return g_; }
  double scale() const { return scale_; }
  // The row scale of M at row i, recomputed from its arcs (no n-vector kept).
  double row_scale(index_t i) const { return transition_scale(row_sum(A_, i), opt_.transition); }

  // Prefetches of a three-level lookup into S by arc pa: the index word of
  // the node met kFar arcs ahead, the offset of the node met kMid arcs
  // ahead, and the first entries (col and val) of the row of the node met
  // kNear arcs ahead; each in cache by the time the next level needs it.
  void prefetch_rows(const SparseRows<Scalar>& S, index_t pa) const {
    constexpr index_t kFar = 16, kMid = 10, kNear = 5;
    if (!S.large) return;  // in cache: the lookups would only cost
    if (pa + kFar < nnz_) __builtin_prefetch(S.word_of(index_t(A_.indices[pa + kFar])));
    if (pa + kMid < nnz_) {
      if (const std::uint32_t* o = S.offset_of(index_t(A_.indices[pa + kMid]))) __builtin_prefetch(o);
    }
    if (pa + kNear < nnz_) {
      if (const std::uint32_t* o = S.offset_of(index_t(A_.indices[pa + kNear]))) {
        __builtin_prefetch(S.col.data() + *o);
        __builtin_prefetch(S.val.data() + *o);
      }
    }
  }

  // u += (row i of A) S, u of k entries; prefetching the rows of S ahead.
  void add_hop(index_t i, const SparseRows<Scalar>& S, Scalar* u) const {
    for (index_t pa = A_.row_begin(i); pa < A_.row_end(i); ++pa) {
      prefetch_rows(S, pa);
      const index_t j = index_t(A_.indices[pa]);
      const Scalar a = A_.data[pa];
      const auto r = S.row(j);
      for (index_t t = r.begin; t < r.end; ++t) u[S.col.data()[t]] += a * S.val.data()[t];
    }
  }

  // U_1[i] into u (dense: k entries and RowHeads' spare columns, zeroed here)
  // and its squared norm (sums of signed equal terms: no rounding noise to
  // tell apart). With heads, two adds per arc and no loop over the row of G.
  double dense_row(index_t i, Scalar* u) const {
    constexpr index_t kHeadAhead = 8;  // arcs: the head of a later arc's row is prefetched
    std::fill(u, u + k_ + RowHeads<Scalar>::kSpare, Scalar(0));
    auto add = [&](std::int32_t c, Scalar v) { u[c] += v; };
    if (heads_.built) {
      const auto* h = heads_.heads.data();
      by_chunks(
          i,
          [&](index_t pa) {
            if (pa + kHeadAhead < nnz_) __builtin_prefetch(h + A_.indices[pa + kHeadAhead]);
            const auto hd = h[A_.indices[pa]];
            const Scalar a = A_.data[pa];
            // the same expression as G's entries take (u[c] + a * val, fused or not alike)
            u[RowHeads<Scalar>::column(hd, 0)] += a * RowHeads<Scalar>::signed_weight(hd, 0);
            u[RowHeads<Scalar>::column(hd, 1)] += a * RowHeads<Scalar>::signed_weight(hd, 1);
            return RowHeads<Scalar>::more(hd);
          },
          [&](index_t pa) { visit_tail(pa, add); });
    } else {
      for_each_term(i, add);
    }
    const Scalar s1 = Scalar(scale_ * row_scale(i));
    for (index_t c = 0; c < k_; ++c) u[c] *= s1;
    return sq_norm(u, k_);
  }

  // The same row sparse, unscaled: acc[c] for the columns cols[0 .. m) in
  // the order first met, summed in the order dense_row sums them (acc and
  // seen: k entries, zero on entry; the caller zeroes them again).
  index_t sparse_entries(index_t i, RowScratch<Scalar>& s, std::int32_t* cols) const {
    Scalar* acc = s.acc.data();
    unsigned char* seen = s.seen.data();
    index_t m = 0;
    for_each_term(i, [&](std::int32_t c, Scalar v) {
      if (!seen[c]) {
        seen[c] = 1;
        cols[m++] = c;
      }
      acc[c] += v;
    });
    return m;
  }

  // dst += w_1 N(U_1[i]): in O(arcs + entries) when rows of U_1 are sparse,
  // by dense passes otherwise; bit-identical either way (sq_norm_sparse).
  void add_weighted(index_t i, Scalar* dst, RowScratch<Scalar>& s) const {
    const double w1 = opt_.weights[0];
    if (!sparse_) {
      const double sq1 = dense_row(i, s.u.data());
      const Scalar f = Scalar(row_factor(w1, std::sqrt(sq1), opt_.normalize));
      for (index_t c = 0; c < k_; ++c) dst[c] += f * s.u[std::size_t(c)];
      return;
    }
    Scalar* acc = s.acc.data();
    std::int32_t* cols = s.cols.data();
    const index_t m = sparse_entries(i, s, cols);
    const Scalar s1 = Scalar(scale_ * row_scale(i));
    std::sort(cols, cols + m);
    for (index_t t = 0; t < m; ++t) acc[cols[t]] *= s1;
    const Scalar f = Scalar(row_factor(w1, std::sqrt(sq_norm_sparse(acc, cols, m, k_)), opt_.normalize));
    for (index_t t = 0; t < m; ++t) {
      const auto c = cols[t];
      dst[c] += f * acc[c];
      acc[c] = Scalar(0);
      s.seen[std::size_t(c)] = 0;
    }
  }

  // e += the self term of node i.
  void add_self(index_t i, Scalar* e) const {
    if (opt_.self_influence == 0.0) return;
    const double own = scale_ * degree_weight(row_sum(A_, i), opt_.beta);
    const auto r = g_.row(i);
    const Scalar x = Scalar(self_term_factor(opt_, own, r.end - r.begin) * scale_);
    for (index_t t = r.begin; t < r.end; ++t) e[g_.col.data()[t]] += x * g_.val.data()[t];
  }

 private:
  // G = diag(deg^beta) R (entries +-g_j), drawn from the generator exactly
  // as projection_pattern draws R (two passes over the same draws: count,
  // then fill), with no copy of R's own arrays.
  bool draw_g() {
    const CounterRng rng(opt_.seed);
    const index_t k = k_;
    const double density = density_;
    RawBuffer<std::uint32_t> count{std::size_t(n_)};
    std::uint32_t* cnt = count.data();
    parallel_for(
        n_,
        [&](index_t j) {
          std::uint32_t c = 0;
          for_each_projection_entry(rng, j, k, density, [&](index_t, std::int8_t) { ++c; });
          cnt[j] = c;
        },
        1024);
    if (!g_.build(n_, cnt)) return false;
    count.release();
    parallel_for(
        n_,
        [&](index_t j) {
          const std::uint32_t* o = g_.offset_of(j);
          if (!o) return;
          const Scalar gj = Scalar(degree_weight(row_sum(A_, j), opt_.beta));
          std::uint32_t t = *o;
          for_each_projection_entry(rng, j, k, density, [&](index_t c, std::int8_t sign) {
            g_.col.data()[t] = std::int32_t(c);
            g_.val.data()[t] = sign > 0 ? gj : -gj;
            ++t;
          });
        },
        1024);
    return true;
  }

  // Row i's arcs in chunks of kChunk: head(pa) for each arc of a chunk
  // (true: the arc's row of G has more than two entries), then tail(pa) for
  // those arcs, in arc order. This is RowHeads' order, with the deferred
  // arcs kept on the stack.
  template <class Head, class Tail>
  void by_chunks(index_t i, Head&& head, Tail&& tail) const {
    constexpr index_t kChunk = 256;
    index_t deferred[kChunk];
    for (index_t lo = A_.row_begin(i), end = A_.row_end(i); lo < end; lo += kChunk) {
      const index_t hi = std::min(end, lo + kChunk);
      index_t m = 0;
      for (index_t pa = lo; pa < hi; ++pa) {
        deferred[m] = pa;
        m += head(pa) ? 1 : 0;
      }
      for (index_t d = 0; d < m; ++d) tail(deferred[d]);
    }
  }
  // visit(c, a * G[j, c]) for the entries of the arc's row of G past the first two.
  template <class Visit>
  void visit_tail(index_t pa, Visit&& visit) const {
    const Scalar a = A_.data[pa];
    const auto r = g_.row(index_t(A_.indices[pa]));
    for (index_t t = r.begin + 2; t < r.end; ++t) visit(g_.col.data()[t], a * g_.val.data()[t]);
  }
  // The entries of U_1[i] (unscaled: a * G[j, c] for the arcs i -> j), in
  // RowHeads' order: visit(c, value).
  template <class Visit>
  void for_each_term(index_t i, Visit&& visit) const {
    by_chunks(
        i,
        [&](index_t pa) {
          prefetch_rows(g_, pa);
          const Scalar a = A_.data[pa];
          const auto r = g_.row(index_t(A_.indices[pa]));
          const index_t head = std::min(r.end, r.begin + 2);
          for (index_t t = r.begin; t < head; ++t) visit(g_.col.data()[t], a * g_.val.data()[t]);
          return r.end > head;
        },
        [&](index_t pa) { visit_tail(pa, visit); });
  }

  const CsrView<Scalar, Index>& A_;
  const FastRPOptions& opt_;
  const index_t n_, k_, nnz_;
  const double density_, scale_;
  SparseRows<Scalar> g_;
  RowHeads<Scalar> heads_;
  bool sparse_ = false;  // rows of U_1 summed sparse in add_weighted
};

}  // namespace detail
}  // namespace lralg
