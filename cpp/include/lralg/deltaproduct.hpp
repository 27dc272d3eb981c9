// DeltaProduct (Siems et al. 2025, arXiv:2502.10297): a linear recurrence whose state transition
// per token is a product of n_h generalized Householder matrices (I - beta k k^T).
//
// The state S (d_k x d_v) of one sequence takes, for every token t, n_h delta-rule steps
//   S <- (I - beta_j k_j k_j^T) S + beta_j k_j v_j^T,    j = 1..n_h,
// and the token's output is o_t = S^T q_t, read after its last step. The n_h steps of every token
// are laid out one after the other ("interleaved"), so the scan runs over L = T n_h steps.
//
// Chunked form (the WY representation of Yang et al. 2024, arXiv:2406.06484): for a chunk of m
// steps with keys K (m x d_k), values V (m x d_v), betas b and the state S0 on entry,
//   A  = I + strict_lower(diag(b) K K^T)            (unit lower triangular, m x m)
//   U' = A^{-1} diag(b) (V - K S0)                  (m x d_v)
//   S  = S0 + K^T U'                                (the state on exit)
//   O  = Q S0 + (M o Q K^T) U'                      (M: step i is visible to the token whose
//                                                    last step is at or after i)
// so that a chunk costs a few dense products and one triangular solve instead of m rank-one
// updates. The backward pass runs the chunks in reverse from the states on entry of each chunk
// (recomputed by a forward sweep, one d_k x d_v matrix per chunk) and differentiates the same
// products. The products of one chunk are small (m <= a few hundred), so they stay in Eigen on
// the thread that owns the sequence; the sequences (batch x heads) run in parallel.
//
// householder_product gives the same compact WY form for a batch of products
//   P = (I - b_1 k_1 k_1^T)(I - b_2 k_2 k_2^T)...(I - b_n k_n k_n^T) = I - W^T K   (rows w_i, k_i)
// with W = A^{-1} diag(b) K, A as above.
#pragma once

#include <Eigen/Core>

#include <algorithm>
#include <vector>

#include "lralg/blas.hpp"
#include "lralg/common.hpp"

namespace lralg {

// Sizes of a scan: `groups` independent sequences (batch x heads) of `tokens` tokens, each token
// n_h steps; keys d_k, values d_v; `chunk` tokens per chunk.
struct DeltaScanShape {
  index_t groups = 0, tokens = 0, n_h = 1, dk = 0, dv = 0, chunk = 64;
  index_t steps() const { return tokens * n_h; }
};

// Inputs, all C-ordered: q (groups, tokens, dk), k (groups, steps, dk), v (groups, steps, dv),
// beta (groups, steps), s0 (groups, dk, dv) or null for a zero initial state.
template <class S>
struct DeltaScanInputs {
  const S* q;
  const S* k;
  const S* v;
  const S* beta;
  const S* s0;
};

namespace deltaproduct_detail {

template <class S>
using RowMat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class S>
using CMap = Eigen::Map<const RowMat<S>>;
template <class S>
using MMap = Eigen::Map<RowMat<S>>;
template <class S>
using CVecMap = Eigen::Map<const Vec<S>>;

inline void check(const DeltaScanShape& s) {
  require(s.groups >= 0 && s.tokens >= 0, "delta_product_scan: negative sizes");
  require(s.n_h >= 1, "delta_product_scan: n_h must be at least 1");
  require(s.dk >= 1 && s.dv >= 1, "delta_product_scan: d_k and d_v must be at least 1");
  require(s.chunk >= 1, "delta_product_scan: chunk_size must be at least 1");
}

// One chunk of one sequence, as views into the inputs, with the quantities shared by the
// forward and backward passes.
template <class S>
struct Chunk {
  index_t tokens, steps;  // tc tokens, m = tc n_h steps
  CMap<S> Q, K, V;
  CVecMap<S> b;
  Mat<S> gram;  // K K^T
  Mat<S> A;     // diag(b) K K^T: its strict lower triangle is that of the unit lower A
  Mat<S> E;     // V - K S0
  Mat<S> Up;    // U' = A^{-1} diag(b) E
  Mat<S> P;     // M o (Q K^T)

  Chunk(const DeltaScanShape& s, const DeltaScanInputs<S>& in, index_t g, index_t t0)
      : tokens(std::min(s.chunk, s.tokens - t0)),
        steps(tokens * s.n_h),
        Q(in.q + (g * s.tokens + t0) * s.dk, tokens, s.dk),
        K(in.k + (g * s.steps() + t0 * s.n_h) * s.dk, steps, s.dk),
        V(in.v + (g * s.steps() + t0 * s.n_h) * s.dv, steps, s.dv),
        b(in.beta + g * s.steps() + t0 * s.n_h, steps) {}

  // Everything up to U' from the state on entry; with_output also forms P.
  void solve(const Mat<S>& S0, index_t n_h, bool with_output) {
    gram.noalias() = K * K.transpose();
    A = b.asDiagonal() * gram;
    E = V;
    E.noalias() -= K * S0;
    Up = b.asDiagonal() * E;
    A.template triangularView<Eigen::UnitLower>().solveInPlace(Up);
    if (!with_output) return;
    P.noalias() = Q * K.transpose();
    mask(P, n_h);
  }

  // Token s sees the steps 0 .. (s + 1) n_h - 1 of its chunk.
  static void mask(Mat<S>& M, index_t n_h) {
    for (index_t s = 0; s < M.rows(); ++s) {
      const index_t last = (s + 1) * n_h;
      for (index_t i = last; i < M.cols(); ++i) M(s, i) = S(0);
    }
  }
};

template <class S>
Mat<S> initial_state(const DeltaScanShape& s, const DeltaScanInputs<S>& in, index_t g) {
  if (!in.s0) return Mat<S>::Zero(s.dk, s.dv);
  return CMap<S>(in.s0 + g * s.dk * s.dv, s.dk, s.dv);
}

}  // namespace deltaproduct_detail

// Forward scan: out (groups, tokens, dv) and the final state (groups, dk, dv), both C-ordered.
template <class S>
void delta_product_scan(const DeltaScanShape& s, const DeltaScanInputs<S>& in, S* out, S* final_state) {
  using namespace deltaproduct_detail;
  check(s);
  parallel_for(
      s.groups,
      [&](index_t g) {
        Mat<S> state = initial_state(s, in, g);
        for (index_t t0 = 0; t0 < s.tokens; t0 += s.chunk) {
          Chunk<S> c(s, in, g, t0);
          c.solve(state, s.n_h, true);
          MMap<S> O(out + (g * s.tokens + t0) * s.dv, c.tokens, s.dv);
          O.noalias() = c.Q * state;
          O.noalias() += c.P * c.Up;
          state.noalias() += c.K.transpose() * c.Up;
        }
        MMap<S>(final_state + g * s.dk * s.dv, s.dk, s.dv) = state;
      },
      1);
}

// Gradients of the scan. d_out (groups, tokens, dv) and d_final (groups, dk, dv, or null for
// zero) are the gradients of a loss with respect to the outputs and the final state; dq, dk, dv,
// dbeta, ds0 (shaped as q, k, v, beta, s0) receive the gradients with respect to the inputs.
template <class S>
void delta_product_scan_backward(const DeltaScanShape& s, const DeltaScanInputs<S>& in, const S* d_out,
                                 const S* d_final, S* dq, S* dk, S* dv, S* dbeta, S* ds0) {
  using namespace deltaproduct_detail;
  check(s);
  const index_t n_chunks = s.tokens > 0 ? (s.tokens + s.chunk - 1) / s.chunk : 0;
  parallel_for(
      s.groups,
      [&](index_t g) {
        // The state on entry of every chunk.
        std::vector<Mat<S>> entry(static_cast<std::size_t>(n_chunks));
        Mat<S> state = initial_state(s, in, g);
        for (index_t c = 0; c < n_chunks; ++c) {
          entry[std::size_t(c)] = state;
          Chunk<S> ch(s, in, g, c * s.chunk);
          ch.solve(state, s.n_h, false);
          state.noalias() += ch.K.transpose() * ch.Up;
        }
        Mat<S> dS =
            d_final ? Mat<S>(CMap<S>(d_final + g * s.dk * s.dv, s.dk, s.dv)) : Mat<S>::Zero(s.dk, s.dv);
        Mat<S> dUp, dP, dY, dA, D, dE;
        for (index_t c = n_chunks - 1; c >= 0; --c) {
          const index_t t0 = c * s.chunk;
          const Mat<S>& S0 = entry[std::size_t(c)];
          Chunk<S> ch(s, in, g, t0);
          ch.solve(S0, s.n_h, true);
          const index_t m = ch.steps;
          CMap<S> dO(d_out + (g * s.tokens + t0) * s.dv, ch.tokens, s.dv);
          MMap<S> dQ(dq + (g * s.tokens + t0) * s.dk, ch.tokens, s.dk);
          MMap<S> dK(dk + (g * s.steps() + t0 * s.n_h) * s.dk, m, s.dk);
          MMap<S> dV(dv + (g * s.steps() + t0 * s.n_h) * s.dv, m, s.dv);
          Eigen::Map<Vec<S>> db(dbeta + g * s.steps() + t0 * s.n_h, m);

          // O = Q S0 + P U',  S = S0 + K^T U'.
          dUp.noalias() = ch.P.transpose() * dO;
          dUp.noalias() += ch.K * dS;
          dP.noalias() = dO * ch.Up.transpose();
          Chunk<S>::mask(dP, s.n_h);
          dQ.noalias() = dP * ch.K;
          dQ.noalias() += dO * S0.transpose();
          dK.noalias() = dP.transpose() * ch.Q;
          dK.noalias() += ch.Up * dS.transpose();
          // U' = A^{-1} Y,  Y = diag(b) E.
          dY = dUp;
          ch.A.template triangularView<Eigen::UnitLower>().transpose().solveInPlace(dY);
          dA.noalias() = -dY * ch.Up.transpose();
          dA.template triangularView<Eigen::Upper>().setZero();
          // A_ij = b_i (K K^T)_ij below the diagonal.
          db = dA.cwiseProduct(ch.gram).rowwise().sum() + dY.cwiseProduct(ch.E).rowwise().sum();
          D = ch.b.asDiagonal() * dA;
          dK.noalias() += D * ch.K;
          dK.noalias() += D.transpose() * ch.K;
          // E = V - K S0.
          dE = ch.b.asDiagonal() * dY;
          dV = dE;
          dK.noalias() -= dE * S0.transpose();
          dS.noalias() += ch.Q.transpose() * dO;
          dS.noalias() -= ch.K.transpose() * dE;
        }
        MMap<S>(ds0 + g * s.dk * s.dv, s.dk, s.dv) = dS;
      },
      1);
}

// Compact WY form of `groups` products of n generalized Householder matrices of size d:
// k (groups, n, d) and beta (groups, n) in, w (groups, n, d) out with
// P = (I - b_1 k_1 k_1^T) ... (I - b_n k_n k_n^T) = I - sum_i w_i k_i^T.
template <class S>
void householder_product(index_t groups, index_t n, index_t d, const S* k, const S* beta, S* w) {
  using namespace deltaproduct_detail;
  require(groups >= 0 && n >= 0 && d >= 0, "householder_product: negative sizes");
  parallel_for(
      groups,
      [&](index_t g) {
        CMap<S> K(k + g * n * d, n, d);
        CVecMap<S> b(beta + g * n, n);
        Mat<S> A = b.asDiagonal() * (K * K.transpose());
        Mat<S> W = b.asDiagonal() * K;
        A.template triangularView<Eigen::UnitLower>().solveInPlace(W);
        MMap<S>(w + g * n * d, n, d) = W;
      },
      1);
}

}  // namespace lralg
