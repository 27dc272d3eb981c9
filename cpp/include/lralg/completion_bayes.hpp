// Variational Bayesian matrix completion (Lim and Teh 2007): one half-sweep.
//
// The model: t_ij = M_ij - mu = x_i^T y_j + a_i + b_j + noise (the offsets a, b only with
// bias), noise ~ N(0, noise_variance), every coordinate of x_i (and a_i) with a zero-mean
// Gaussian prior of its own variance. q(x_i) is Gaussian with a full covariance; a half-sweep
// sets it, every row independently, to the optimum given q of the other side.
//
// Each side is handed to the other "presented": its posterior mean p_j of the vector that
// multiplies the other side's unknowns, [y_j, 1, b_j] with bias (d = k + 2) or y_j (d = k),
// and the second moment E[p_j p_j^T], stored as the packed lower triangle (entry (r, c),
// c <= r, at r (r + 1) / 2 + c). The unknowns of a row are z = [x_i, a_i] (s = d - 1) or
// x_i (s = d), and q = [z, 1] (or z) pairs with p_j slot by slot, so that
//   E[(t_ij - q^T p_j)^2] = t_ij^2 - 2 E[q]^T E[p_j] t_ij + <E[q q^T], E[p_j p_j^T]>,
// and with F_i = sum_j E[p_j p_j^T], h_i = sum_j t_ij E[p_j] over the row's observations:
//   Cov(z) = (diag(prior_precision) + F_i[:s, :s] / noise)^{-1},
//   E[z]   = Cov(z) (h_i[:s] - F_i[:s, s]) / noise      (the last term with bias only).
// The row's expected squared residual (for the noise update) follows from F_i and h_i alone.
// O(|Omega_i| d^2 + d^3) per row: the packed second moments are summed, not recomputed.
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <algorithm>
#include <cmath>

#include "lralg/common.hpp"
#include "lralg/row_observations.hpp"
#include "lralg/small_spd.hpp"

namespace lralg {

inline index_t packed_size(index_t d) { return d * (d + 1) / 2; }

struct BayesHalfSweep {
  index_t d = 0;                            // presented length: k + 2 with bias, else k (k >= 0 with bias)
  bool bias = false;                        // unknowns [x, a] and a constant 1 in every q
  double mu = 0.0;                          // subtracted from every observed value
  double noise_variance = 1.0;              // of the observations around the model
  const double* prior_precision = nullptr;  // s = d - bias entries: 1 / prior variance of each unknown
};

namespace detail {

using RowMajorMatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// A^{-1} and the solution of A x = b for a small symmetric positive definite A (its lower
// triangle, s x s, row-major), by cholesky_solve and L's inverse, row by row. On return the lower
// triangle of A holds A^{-1}'s, b holds x, Wt is L^{-T}; false where A is not positive definite.
template <class Vec>
bool invert_spd(RowMajorMatD& A, Vec& b, RowMajorMatD& Wt, index_t s) {
  if (!cholesky_solve(A.data(), b.data(), s, A.cols())) return false;
  for (index_t c = 0; c < s; ++c) {  // row c of Wt is column c of L^{-1}
    Wt(c, c) = 1.0 / A(c, c);
    for (index_t i = c + 1; i < s; ++i)
      Wt(c, i) = -A.row(i).segment(c, i - c).dot(Wt.row(c).segment(c, i - c)) / A(i, i);
  }
  for (index_t c = 0; c < s; ++c)  // A^{-1} = L^{-T} L^{-1}, lower
    for (index_t r = c; r < s; ++r) A(r, c) = Wt.row(r).tail(s - r).dot(Wt.row(c).tail(s - r));
  return true;
}

}  // namespace detail

// Per row i of this side: its presented mean (rows x d) and packed second moment
// (rows x packed_size(d)); expected[i] = E[sum_j (t_ij - q_i^T p_j)^2] under q, and
// fitted[i] = sum_j (t_ij - E[q_i]^T E[p_j])^2, the squared residual of the posterior means.
// A row without observations gets its prior: mean zero (and the constant), covariance the prior.
template <class Scalar, class Index>
void bayes_solve_rows(const RowObservations<Scalar, Index>& obs, const double* partner_mean,
                      const double* partner_second, const BayesHalfSweep& opt, double* mean, double* second,
                      double* expected, double* fitted) {
  using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic>;
  using VecD = Eigen::Matrix<double, Eigen::Dynamic, 1>;
  using ConstVecMap = Eigen::Map<const VecD>;
  const index_t d = opt.d, s = opt.bias ? d - 1 : d, packed = packed_size(d);
  require(s >= 1, "completion: the factors need at least one column");
  require(opt.noise_variance > 0.0 && std::isfinite(opt.noise_variance),
          "completion: the noise variance must be finite and > 0");
  for (index_t c = 0; c < s; ++c)
    require(opt.prior_precision[c] > 0.0 && std::isfinite(opt.prior_precision[c]),
            "completion: prior precisions must be finite and > 0");
  const double inv_noise = 1.0 / opt.noise_variance;
  // Presented to the other side: [x, 1, a], the last two slots of q swapped.
  Eigen::VectorXi order = Eigen::VectorXi::LinSpaced(int(d), 0, int(d) - 1);
  if (opt.bias) std::swap(order[d - 2], order[d - 1]);
  parallel_blocks(obs.rows, 32, [&](index_t, index_t lo, index_t hi) {
    VecD F_packed(packed), h(d), q(d);
    MatD F(d, d);
    detail::RowMajorMatD A(s, s), Wt(s, s);
    for (index_t i = lo; i < hi; ++i) {
      F_packed.setZero();
      h.setZero();
      double t2 = 0.0;
      for (index_t p = obs.begin(i); p < obs.end(i); ++p) {
        const index_t j = index_t(obs.indices[p]);
        const double t = obs.value(p) - opt.mu;
        F_packed += ConstVecMap(partner_second + j * packed, packed);
        h += t * ConstVecMap(partner_mean + j * d, d);
        t2 += t * t;
      }
      for (index_t r = 0, at = 0; r < d; ++r)
        for (index_t c = 0; c <= r; ++c, ++at) F(r, c) = F_packed[at];
      // only lower triangles: F's upper one is never filled
      A.triangularView<Eigen::Lower>() = inv_noise * F.topLeftCorner(s, s);
      for (index_t c = 0; c < s; ++c) A(c, c) += opt.prior_precision[c];
      auto z = q.head(s);  // the right-hand side, then the posterior mean
      z = h.head(s);
      if (opt.bias) z -= F.row(s).head(s).transpose();
      z *= inv_noise;
      if (!detail::invert_spd(A, z, Wt, s))
        throw value_error("completion: a posterior covariance is not positive definite (non-finite values?)");
      if (opt.bias) q[s] = 1.0;
      const detail::RowMajorMatD& cov = A;  // its lower triangle
      // <E[q q^T], F> = q^T F q + <cov, F[:s, :s]>, from the lower triangles
      const double qFq = q.dot(F.selfadjointView<Eigen::Lower>() * q);
      double cF = 0.0;
      for (index_t c = 0; c < s; ++c) {
        cF += cov(c, c) * F(c, c);
        for (index_t r = c + 1; r < s; ++r) cF += 2.0 * cov(r, c) * F(r, c);
      }
      expected[i] = obs.end(i) > obs.begin(i) ? t2 - 2.0 * q.dot(h) + qFq + cF : 0.0;
      double fit = 0.0;
      for (index_t p = obs.begin(i); p < obs.end(i); ++p) {
        const double e =
            obs.value(p) - opt.mu - q.dot(ConstVecMap(partner_mean + index_t(obs.indices[p]) * d, d));
        fit += e * e;
      }
      fitted[i] = fit;
      double* out_mean = mean + i * d;
      double* out_second = second + i * packed;
      for (index_t r = 0, at = 0; r < d; ++r) {
        const index_t qr = order[r];
        out_mean[r] = q[qr];
        for (index_t c = 0; c <= r; ++c, ++at) {
          const index_t qc = order[c];
          const double covariance = qr < s && qc < s ? cov(std::max(qr, qc), std::min(qr, qc)) : 0.0;
          out_second[at] = q[qr] * q[qc] + covariance;
        }
      }
    }
  });
}

}  // namespace lralg
