// The strip schedule (1 power, 5 and more, or an R too large for the
// two-panel schedule's 32-bit offsets): E, one work panel W kept as column
// strips, and one spare strip.
//  1. First pass, by rows: U_1[i] from the sparse R (never dense), written
//     (weighted, normalised) into E[i]. When U_1 is sparse enough, U_2 is
//     formed the same way (two hops over A into R) and stored in W;
//     otherwise U_1 is stored in W.
//  2. Middle powers, in place on W by column strips: column strip c of
//     U_{p+1} needs only strip c of U_p, so S = M W[:, c], then
//     E[:, c] += f_p W[:, c] and W[:, c] = S, with f_p = w_p / ||U_p[i]||.
//  3. The last power, by rows: u = M W[i] is never stored; E[i] += f_{q-1}
//     W[i] + w_q N(u), and the column statistics of the finished rows are
//     gathered while they are in cache.
//  4. E standardised in one more pass.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "lralg/buffer.hpp"
#include "lralg/common.hpp"
#include "lralg/fastrp/column_stats.hpp"
#include "lralg/fastrp/gather.hpp"
#include "lralg/fastrp/options.hpp"
#include "lralg/fastrp/row_norms.hpp"
#include "lralg/projection.hpp"
#include "lralg/sparse.hpp"

namespace lralg {
namespace detail {

// Strip width of the in-place products: 32 columns (4 float packs) by
// default, narrower for small dim so that the strip stays at most a quarter
// of the panel.
template <class Scalar>
inline index_t strip_width(index_t k, index_t requested) {
  if (requested > 0) return std::min(requested, k);
  constexpr index_t L = kLanes<Scalar>;
  index_t s = 64;
  while (s > L && 4 * s > k) s /= 2;
  return std::min(s, k);
}

template <class Scalar, class Index>
class StripSchedule {
 public:
  StripSchedule(const CsrView<Scalar, Index>& A, const FastRPOptions& opt, double density, Scalar* E)
      : A_(A),
        opt_(opt),
        n_(A.rows),
        k_(opt.dim),
        q_(int(opt.weights.size())),
        nnz_(A.nnz()),
        E_(E),
        R_(projection_pattern(n_, k_, density, opt.seed)),
        stats_(n_, k_) {}

  void run() {
    node_factors();
    two_hop_ = q_ >= 2 && opt_.two_hop != 0 && (opt_.two_hop == 1 || two_hop_is_cheaper());
    allocate_strips();
    first_pass();
    R_ = SignPattern();  // its memory back before the strips
    if (q_ >= 2) {
      middle_powers();
      last_pass();
    }
    w_.release();
    stats_.standardize(E_, n_);
  }

 private:
  static constexpr index_t kRows = 256;  // rows per parallel block

  // Row scales of M and degree weights of the rows of R (see
  // transition_scale and degree_weight), kept as n-vectors: this schedule
  // looks them up for neighbours.
  void node_factors() {
    row_scale_.resize(std::size_t(n_));
    if (opt_.beta != 0.0) degree_weight_.resize(std::size_t(n_));
    parallel_for(
        n_,
        [&](index_t i) {
          const double d = row_sum(A_, i);
          row_scale_[std::size_t(i)] = transition_scale(d, opt_.transition);
          if (opt_.beta != 0.0) degree_weight_[std::size_t(i)] = degree_weight(d, opt_.beta);
        },
        4096);
  }
  // The degree weight of node j's row of R; 1 when beta == 0.
  const double* degree_weights() const { return opt_.beta != 0.0 ? degree_weight_.data() : nullptr; }

  // U_2 by two hops into R when that touches far fewer entries than a dense
  // product: cost sum_i sum_{j in N(i)} c_j, c_j = the arcs out of j and
  // the R entries they reach, against nnz(A) * dim / 16 (a dense product
  // moves 8 floats per instruction, a scattered add one).
  bool two_hop_is_cheaper() const {
    std::vector<index_t> reach(static_cast<std::size_t>(n_));
    parallel_for(
        n_,
        [&](index_t j) {
          index_t c = 0;
          for (index_t p = A_.row_begin(j); p < A_.row_end(j); ++p) {
            const auto l = std::size_t(A_.indices[p]);
            c += R_.indptr[l + 1] - R_.indptr[l] + (A_.row_end(index_t(l)) - A_.row_begin(index_t(l)));
          }
          reach[std::size_t(j)] = c;
        },
        4096);
    constexpr index_t kBlock = 4096;
    std::vector<double> partial(std::size_t((n_ + kBlock - 1) / kBlock), 0.0);
    parallel_blocks(n_, kBlock, [&](index_t b, index_t lo, index_t hi) {
      index_t c = 0;
      for (index_t p = A_.row_begin(lo); p < A_.row_end(hi - 1); ++p) c += reach[std::size_t(A_.indices[p])];
      partial[std::size_t(b)] = double(c);
    });
    double cost = 0.0;
    for (double c : partial) cost += c;
    return 16.0 * cost < double(nnz_) * double(k_);
  }

  // The work panel W (n x k) in column strips of width s, each strip an
  // n x s row-major block (the last one possibly narrower), plus one spare
  // block: a strip of M W is written into the spare, which then takes the
  // place of the strip it replaces. Row norms (signed) in nrm. None when q == 1.
  void allocate_strips() {
    s_ = strip_width<Scalar>(k_, opt_.strip);
    strips_ = (k_ + s_ - 1) / s_;
    const bool middle = (two_hop_ ? 2 : 1) < q_ - 1;  // any power computed by strips
    const index_t n_blocks = q_ >= 2 ? strips_ + (middle ? 1 : 0) : 0;
    w_ = RawBuffer<Scalar>(std::size_t(n_ * s_ * n_blocks));
    blk_.assign(std::size_t(strips_ + 1), nullptr);
    for (index_t c = 0; c < n_blocks; ++c) blk_[std::size_t(c)] = w_.data() + c * n_ * s_;
    nrm_.resize(q_ >= 2 ? static_cast<std::size_t>(n_) : 0);
  }
  index_t strip_cols(index_t c) const { return std::min(s_, k_ - c * s_); }
  // Row i of W into the strips.
  void put_row(index_t i, const Scalar* x) {
    for (index_t c = 0; c < strips_; ++c)
      std::copy(x + c * s_, x + c * s_ + strip_cols(c), blk_[std::size_t(c)] + i * s_);
  }
  // e += f W[i], row i gathered from the strips.
  void add_from_strips(Scalar* e, Scalar f, index_t i) const {
    for (index_t c = 0; c < strips_; ++c) {
      const Scalar* x = blk_[std::size_t(c)] + i * s_;
      Scalar* y = e + c * s_;
      for (index_t t = 0, wc = strip_cols(c); t < wc; ++t) y[t] += f * x[t];
    }
  }
  // The signed norms of U_p's rows, as nrm_ holds them.
  double stored_norm(index_t j) const { return nrm_[std::size_t(j)]; }

  // 1. U_1 (and U_2 by two hops) by rows; E = self term + w_1 N(U_1).
  void first_pass() {
    const double scale = R_.scale;
    const double* g = degree_weights();
    const double* rs = row_scale_.data();
    const bool first_is_final = q_ == 1;
    const index_t block = first_is_final ? stats_.rows : kRows;
    parallel_blocks(n_, block, [&](index_t b, index_t lo, index_t hi) {
      std::vector<Scalar> u(static_cast<std::size_t>(k_)), v(two_hop_ ? static_cast<std::size_t>(k_) : 0);
      for (index_t i = lo; i < hi; ++i) {
        std::fill(u.begin(), u.end(), Scalar(0));
        for (index_t pa = A_.row_begin(i); pa < A_.row_end(i); ++pa) {
          const auto j = std::size_t(A_.indices[pa]);
          const Scalar x = Scalar(g ? double(A_.data[pa]) * g[j] : double(A_.data[pa]));
          add_r_row(j, x, u.data());
        }
        const Scalar s1 = Scalar(scale * rs[i]);
        for (auto& x : u) x *= s1;
        const double sq1 = sq_norm(u.data(), k_);
        Scalar* e = E_ + i * k_;
        // U_1 enters E here unless it goes on in W (then it enters when W is consumed).
        const Scalar f1 = two_hop_ || q_ == 1
                              ? Scalar(row_factor(opt_.weights[0], std::sqrt(sq1), opt_.normalize))
                              : Scalar(0);
        for (index_t c = 0; c < k_; ++c) e[c] = f1 * u[std::size_t(c)];
        add_self(i, scale * (g ? g[i] : 1.0), e);
        if (two_hop_) {
          nrm_[std::size_t(i)] = u2_by_two_hops(i, s1, v.data());
          put_row(i, v.data());
        } else if (q_ >= 2) {
          put_row(i, u.data());
          nrm_[std::size_t(i)] = std::sqrt(sq1);  // sums of signed equal terms: exact zeros
        }
      }
      if (first_is_final) stats_.add_block(b, E_, lo, hi);
    });
    p_ = two_hop_ ? 2 : 1;
  }
  // u += +-x over the entries of row j of R.
  void add_r_row(std::size_t j, Scalar x, Scalar* u) const {
    for (index_t r = R_.indptr[j]; r < R_.indptr[j + 1]; ++r)
      u[std::size_t(R_.indices[std::size_t(r)])] += R_.signs[std::size_t(r)] > 0 ? x : -x;
  }
  // e += the self term of node i, whose row of R is scaled by own.
  void add_self(index_t i, double own, Scalar* e) const {
    if (opt_.self_influence == 0.0) return;
    const index_t cnt = R_.indptr[std::size_t(i) + 1] - R_.indptr[std::size_t(i)];
    const Scalar x = Scalar(self_term_factor(opt_, own, cnt) * own);
    add_r_row(std::size_t(i), x, e);
  }
  // U_2[i] = rs_i sum_j A_ij rs_j sum_l A_jl g_l R_l into v (s1 = scale * rs_i
  // applied last); returns its signed norm.
  double u2_by_two_hops(index_t i, Scalar s1, Scalar* v) const {
    const double* g = degree_weights();
    const double* rs = row_scale_.data();
    std::fill(v, v + k_, Scalar(0));
    double bound = 0.0;
    index_t terms = 0;
    for (index_t pa = A_.row_begin(i); pa < A_.row_end(i); ++pa) {
      const auto j = index_t(A_.indices[pa]);
      const double a = double(A_.data[pa]) * rs[j];
      if (a == 0.0) continue;
      for (index_t pb = A_.row_begin(j); pb < A_.row_end(j); ++pb) {
        const auto l = std::size_t(A_.indices[pb]);
        const Scalar x = Scalar(a * (g ? double(A_.data[pb]) * g[l] : double(A_.data[pb])));
        const index_t hits = R_.indptr[l + 1] - R_.indptr[l];
        bound += double(hits) * std::abs(double(x));
        terms += hits;
        add_r_row(l, x, v);
      }
    }
    for (index_t c = 0; c < k_; ++c) v[c] *= s1;
    return signed_norm<Scalar>(sq_norm(v, k_), std::abs(double(s1)) * bound, terms);
  }

  // 2. Middle powers: E += f_p W by rows, then W <- M W strip by strip.
  void middle_powers() {
    const double* rs = row_scale_.data();
    std::vector<double> nsq_next(p_ < q_ - 1 ? static_cast<std::size_t>(n_) : 0);
    std::vector<double> bound(p_ < q_ - 1 ? static_cast<std::size_t>(n_) : 0);
    for (; p_ < q_ - 1; ++p_) {
      const double wp = opt_.weights[std::size_t(p_ - 1)];
      parallel_blocks(n_, kRows, [&](index_t, index_t lo, index_t hi) {
        for (index_t i = lo; i < hi; ++i) {
          nsq_next[std::size_t(i)] = 0.0;
          if (wp == 0.0) continue;
          add_from_strips(E_ + i * k_, Scalar(row_factor(wp, nrm_[std::size_t(i)], opt_.normalize)), i);
        }
      });
      for (index_t c = 0; c < strips_; ++c) {
        const index_t wc = strip_cols(c);
        const Scalar* src = blk_[std::size_t(c)];
        Scalar* dst = blk_[std::size_t(strips_)];
        parallel_blocks(n_, kRows, [&](index_t, index_t lo, index_t hi) {
          for (index_t i = lo; i < hi; ++i) {
            gather(A_, nnz_, i, src, s_, wc, Scalar(rs[i]), dst + i * s_);
            nsq_next[std::size_t(i)] += sq_norm(dst + i * s_, wc);
            if (c == 0)  // bounds ||U_{p+1}[i]||
              bound[std::size_t(i)] =
                  product_row_bound(A_, i, rs[i], [&](index_t j) { return stored_norm(j); });
          }
        });
        std::swap(blk_[std::size_t(c)], blk_[std::size_t(strips_)]);
      }
      parallel_for(
          n_,
          [&](index_t i) {
            nsq_next[std::size_t(i)] = signed_norm<Scalar>(nsq_next[std::size_t(i)], bound[std::size_t(i)],
                                                           A_.row_end(i) - A_.row_begin(i));
          },
          4096);
      std::swap(nrm_, nsq_next);  // now the signed norms of U_{p+1}
    }
  }

  // 3. The last power by rows (u never stored), or only the last
  //    accumulation when U_q is already in W; column statistics per block.
  void last_pass() {
    const double* rs = row_scale_.data();
    const double wl = opt_.weights[std::size_t(p_ - 1)];  // weight of U_p, in W
    const double wq = opt_.weights[std::size_t(q_ - 1)];
    const bool product = p_ < q_ && wq != 0.0;
    parallel_blocks(n_, stats_.rows, [&](index_t b, index_t lo, index_t hi) {
      std::vector<Scalar> u(product ? static_cast<std::size_t>(k_) : 0);
      for (index_t i = lo; i < hi; ++i) {
        Scalar* e = E_ + i * k_;
        if (wl != 0.0) add_from_strips(e, Scalar(row_factor(wl, nrm_[std::size_t(i)], opt_.normalize)), i);
        if (!product) continue;
        for (index_t c = 0; c < strips_; ++c)
          gather(A_, nnz_, i, blk_[std::size_t(c)], s_, strip_cols(c), Scalar(rs[i]), u.data() + c * s_);
        const double norm = signed_norm<Scalar>(
            sq_norm(u.data(), k_), product_row_bound(A_, i, rs[i], [&](index_t j) { return stored_norm(j); }),
            A_.row_end(i) - A_.row_begin(i));
        const Scalar f = Scalar(row_factor(wq, norm, opt_.normalize));
        for (index_t c = 0; c < k_; ++c) e[c] += f * u[std::size_t(c)];
      }
      stats_.add_block(b, E_, lo, hi);
    });
  }

  const CsrView<Scalar, Index>& A_;
  const FastRPOptions& opt_;
  const index_t n_, k_;
  const int q_;
  const index_t nnz_;
  Scalar* const E_;
  SignPattern R_;
  ColumnStats stats_;
  std::vector<double> row_scale_, degree_weight_;
  bool two_hop_ = false;
  index_t s_ = 0, strips_ = 0;  // strip width and count
  RawBuffer<Scalar> w_;         // the strips of W and the spare
  std::vector<Scalar*> blk_;    // blk_[c]: strip c of W; blk_[strips_]: the spare
  std::vector<double> nrm_;     // signed row norms of U_p, the power W holds
  int p_ = 0;                   // W holds U_p
};

}  // namespace detail
}  // namespace lralg
