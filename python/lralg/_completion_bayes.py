"""``reg="bayes"`` of :func:`lralg.complete`: variational Bayesian completion.

The model of Lim and Teh (2007): each observation is ``mu + a_i + b_j + u_i^T v_j`` plus
Gaussian noise; every column of U and of V, and each offset vector, has a zero-mean Gaussian
prior of its own variance. The sweeps alternate the two sides' Gaussian posteriors (a full
covariance per row, in the core) and, after each half-sweep, set that side's prior variances,
and after each sweep the noise variance, to their maximum-likelihood values under the
posteriors: the regularization is learned by the sweeps, per factor column, instead of being
chosen on a held-out split. Columns the data do not support are shrunk to zero.
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp

from . import _core
from ._completion_sweeps import exact_fit_floor

__all__ = ["BAYES_TOL", "BayesFit", "fit_bayes", "solve_new_rows"]

# The default ``tol`` of reg="bayes": the noise variance moves by about this much of itself
# per sweep on rating sets while the held-out error still falls by more than 0.1 %.
BAYES_TOL = 1e-3

# A factor column whose posterior means add less than this fraction of the noise variance to
# an entry's variance (mean u_l^2 times mean v_l^2) is dropped: the prior has shrunk it, and
# a shrunk column would cost O(k^2) per observation and O(k^3) per row while it decays.
PRUNE_POWER = 1e-6


def packed_diagonal(d: int) -> np.ndarray:
    """Positions of the diagonal in the core's packed lower triangle of a d x d matrix."""
    r = np.arange(d)
    return r * (r + 1) // 2 + r


def present(X: np.ndarray, offsets) -> tuple:
    """Presented moments (mean, packed second moment) of factors known exactly: [x, 1, offset]."""
    mean = np.ascontiguousarray(X, dtype=np.float64)
    if offsets is not None:
        mean = np.column_stack([mean, np.ones(len(X)), np.asarray(offsets, dtype=np.float64)])
    rows, cols = np.tril_indices(mean.shape[1])
    return mean, np.ascontiguousarray(mean[:, rows] * mean[:, cols])


class BayesFit:
    """The posteriors and hyperparameters of a variational fit.

    ``active``: the factor columns still fitted (the others dropped, their factors zero);
    ``rows``/``cols``: each side's presented (mean, packed second moment) over the active
    columns; ``priors``: the (row side, column side) prior variances of the active unknowns
    (factor columns, then the offset with ``bias``); ``noise_variance``: of the observations
    around the model.
    """

    def __init__(self, k: int, bias: bool, mu: float):
        self.k, self.bias, self.mu = k, bias, mu
        self.active = np.arange(k)
        self.rows = self.cols = self.priors = self.noise_variance = None

    @property
    def prior_variance(self) -> tuple:
        """Each side's prior variances over all k columns (0 where dropped), then the offset's."""
        out = []
        for prior in self.priors:
            full = np.zeros(self.k + self.bias)
            full[self.active] = prior[: self.active.size]
            if self.bias:
                full[-1] = prior[-1]
            out.append(full)
        return tuple(out)

    def factors(self, dtype) -> tuple:
        """(U, V, a, b) of the posterior means, in ``dtype``."""
        (U, a), (V, b) = self.unpresent(self.rows[0], dtype), self.unpresent(self.cols[0], dtype)
        return U, V, a, b

    def unpresent(self, mean: np.ndarray, dtype) -> tuple:
        """(factor over all k columns, zero where dropped; offset or None) of presented means."""
        ka = self.active.size
        factor = np.zeros((mean.shape[0], self.k), dtype=dtype)
        factor[:, self.active] = mean[:, :ka]
        return factor, (np.ascontiguousarray(mean[:, ka + 1], dtype=dtype) if self.bias else None)

    def prune(self) -> None:
        """Drops the active columns whose posterior means carry under PRUNE_POWER of the noise."""
        ka = self.active.size
        power = np.mean(self.rows[0][:, :ka] ** 2, axis=0) * np.mean(self.cols[0][:, :ka] ** 2, axis=0)
        keep = power >= PRUNE_POWER * self.noise_variance
        if keep.all() or (not self.bias and not keep.any()):
            return
        slots = np.append(np.flatnonzero(keep), np.arange(ka, self.rows[0].shape[1]))
        r, c = np.tril_indices(slots.size)
        hi, lo = np.maximum(slots[r], slots[c]), np.minimum(slots[r], slots[c])
        packed = hi * (hi + 1) // 2 + lo

        def sliced(side):
            return np.ascontiguousarray(side[0][:, slots]), np.ascontiguousarray(side[1][:, packed])

        self.rows, self.cols = sliced(self.rows), sliced(self.cols)
        unknowns = np.append(np.flatnonzero(keep), [ka] if self.bias else [])
        self.priors = tuple(np.ascontiguousarray(p[unknowns.astype(int)]) for p in self.priors)
        self.active = self.active[keep]


def _half_sweep(observations, partner, prior_variance, noise, mu, bias):
    mean, second, expected, fitted = _core.completion_bayes_rows(
        *observations, *partner, 1.0 / prior_variance, noise, mu, bias
    )
    return (mean, second), float(np.sum(expected)), float(np.sum(fitted))


def _learned_prior(posterior, counts, bias: bool) -> np.ndarray:
    """Each unknown's prior variance: its posterior second moment averaged over the observed rows."""
    mean, second = posterior
    d = mean.shape[1]
    slots = list(range(d - 2 if bias else d)) + ([d - 1] if bias else [])
    moments = second[counts > 0][:, packed_diagonal(d)[slots]]
    if len(moments) == 0:
        return np.ones(len(slots))
    return np.maximum(moments.mean(axis=0), np.finfo(np.float64).tiny)


def solve_new_rows(csr: sp.csr_array, model: BayesFit, dtype) -> tuple:
    """Posterior means (x, a) of new rows ``csr`` given the fitted column posterior, in ``dtype``."""
    observations = (csr.indptr, csr.indices, csr.data, None, *csr.shape)
    prior = model.priors[0]
    (mean, _), _, _ = _half_sweep(observations, model.cols, prior, model.noise_variance, model.mu, model.bias)
    return model.unpresent(mean, dtype)


def fit_bayes(csr: sp.csr_array, factors, *, bias, mu, max_iter, tol, progress=None, callback=None):
    """Variational sweeps from ``factors`` (U, V, a, b; their covariances taken as zero).

    Returns ``(model, history, converged)``; each sweep updates V's posterior given U's,
    then U's given V's, then the noise variance.
    """
    m, n = csr.shape
    U, V, a, b = factors
    k = U.shape[1]
    t_indptr, t_indices, perm = _core.completion_transpose(csr.indptr, csr.indices, m, n)
    by_rows = (csr.indptr, csr.indices, csr.data, None, m, n)
    by_cols = (t_indptr, t_indices, csr.data, perm, n, m)
    row_counts, col_counts = np.diff(csr.indptr), np.diff(t_indptr)
    centred = np.asarray(csr.data, dtype=np.float64) - mu
    data_var = float(np.mean(centred**2))
    scale = math.sqrt(data_var) if data_var > 0 else 1.0
    floor = exact_fit_floor(csr.dtype, scale)
    noise_floor = (floor / 10.0) ** 2

    def start_prior(X, other):
        col_ms = np.mean(np.asarray(X, dtype=np.float64) ** 2, axis=0)
        other_ms = np.mean(np.asarray(other, dtype=np.float64) ** 2, axis=0)
        prior = np.where(col_ms > 0, col_ms, other_ms)
        prior = np.where(prior > 0, prior, scale / math.sqrt(k))
        return np.append(prior, scale**2) if bias else prior

    model = BayesFit(k, bias, mu)
    model.rows, model.cols = present(U, a), present(V, b)
    model.priors = (start_prior(U, V), start_prior(V, U))
    noise = model.noise_variance = max(data_var, noise_floor)
    history, converged = [], False
    for sweep in range(1, max_iter + 1):
        start = time.perf_counter()
        model.cols, _, _ = _half_sweep(by_cols, model.rows, model.priors[1], noise, mu, bias)
        col_prior = _learned_prior(model.cols, col_counts, bias)
        model.rows, expected, fitted = _half_sweep(by_rows, model.cols, model.priors[0], noise, mu, bias)
        row_prior = _learned_prior(model.rows, row_counts, bias)
        model.priors = (row_prior, col_prior)
        previous, noise = noise, max(expected / csr.nnz, noise_floor)
        model.noise_variance = noise
        model.prune()
        seconds = time.perf_counter() - start
        rmse = math.sqrt(fitted / csr.nnz)
        if not math.isfinite(rmse):
            raise FloatingPointError("complete: the factors diverged (non-finite RMSE)")
        entry = {"sweep": sweep, "rmse": rmse, "seconds": seconds, "noise_variance": noise}
        entry["columns"] = int(model.active.size)
        history.append(dict(entry))
        if progress is not None:
            progress.update(sweep, rmse=rmse, s_per_sweep=seconds)
        converged = rmse <= floor or (tol > 0 and abs(previous - noise) <= tol * noise)
        if callback is not None:
            U, V, a, b = model.factors(csr.dtype)
            entry.update(U=U, V=V, row_bias=a, col_bias=b, mean=mu)
            if callback(entry) is True:
                break
        if converged:
            break
    return model, history, converged
