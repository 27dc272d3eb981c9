"""The sweeps of :func:`lralg.complete` and its choice of ``reg`` on a held-out split.

``run_sweeps`` alternates the two half-sweeps of the core until the
regularized objective stops falling; ``select_reg`` fits a short, warm-started
path of regularizations on most of the observations and scores each on the
rest. Both work on factors the caller owns, in place.
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp

from . import _core

__all__ = [
    "FitState",
    "exact_fit_floor",
    "half_sweep_options",
    "has_converged",
    "objective",
    "run_sweeps",
    "select_reg",
    "solver_settings",
    "split_observations",
    "with_ones",
]

# robust-altmin's inner solver: at most _INNER_ITER conjugate-gradient steps per
# row and half-sweep, stopping early once the residual fell by _INNER_RTOL;
# the sketch has _SKETCH_FACTOR rows per unknown.
_INNER_ITER = 10
_INNER_RTOL = 1e-2
_SKETCH_FACTOR = 4
REG_PER_ENTRY = False

# A training RMSE this many machine epsilons of the data's RMS is an exact fit:
# later sweeps only move rounding errors.
_FLOOR_EPS = 10.0

# reg="auto": the path starts at _PATH_START times the mean number of
# observations per row and column and divides by _PATH_STEP at each point, at
# most _PATH_POINTS points, the last one reg = 0 (exact low-rank data), each
# fitted by at most _PATH_SWEEPS sweeps; it stops once two points in a row did
# no better on the held-out part than the best so far. (A finer step, or a refinement point between the best
# and its neighbour, chases the noise of the held-out RMSE.)
_PATH_START = 1.0
_PATH_STEP = 2.0
_PATH_POINTS = 8
_PATH_SWEEPS = 15


class FitState:
    """Observations (CSR and the pattern of its transpose) and the factors being fitted.

    With ``bias``, the unknowns of each side carry their offset as an extra
    column (``Xu = [U, a]``) and the regressors a column of ones (``Yu = [U, 1]``).
    """

    def __init__(self, csr: sp.csr_array, U, V, a, b, mu: float, solve_rows=None):
        self.csr = csr
        # the half-sweep: the core's, or lralg._cuda's (same signature) for device="cuda"
        self.solve_rows = _core.completion_solve_rows if solve_rows is None else solve_rows
        self.m, self.n = csr.shape
        self.k = U.shape[1]
        self.U, self.V, self.a, self.b, self.mu = U, V, a, b, mu
        self.t_indptr, self.t_indices, self.perm = _core.completion_transpose(
            csr.indptr, csr.indices, self.m, self.n
        )
        data_rms = math.sqrt(float(np.mean((csr.data - mu) ** 2, dtype=np.float64)))
        self.scale = data_rms if data_rms > 0 else 1.0

    @property
    def bias(self) -> bool:
        return self.a is not None

    def squared_error(self) -> float:
        c = self.csr
        return _core.completion_squared_residual(
            c.indptr, c.indices, c.data, self.m, self.n, self.U, self.V, self.mu, self.a, self.b
        )

    def objective(self, sq: float, reg: float) -> float:
        return objective(sq, reg, self.U, self.V, self.a, self.b)

    def sweep(self, common: tuple, sweep: int) -> int:
        """One V-step then U-step; returns the CG iterations (robust-altmin)."""
        c, m, n, k = self.csr, self.m, self.n, self.k
        U, V, a, b = self.U, self.V, self.a, self.b
        if not self.bias:
            its = self.solve_rows(
                self.t_indptr,
                self.t_indices,
                c.data,
                self.perm,
                n,
                m,
                None,
                U,
                V,
                half_sweep_options(common, 2 * sweep),
            )
            its += self.solve_rows(
                c.indptr, c.indices, c.data, None, m, n, None, V, U, half_sweep_options(common, 2 * sweep + 1)
            )
            return its
        Yu, Xv = with_ones(U), np.empty((n, k + 1), dtype=V.dtype)
        Xv[:, :k], Xv[:, k] = V, b
        its = self.solve_rows(
            self.t_indptr,
            self.t_indices,
            c.data,
            self.perm,
            n,
            m,
            a,
            Yu,
            Xv,
            half_sweep_options(common, 2 * sweep),
        )
        V[...], b[...] = Xv[:, :k], Xv[:, k]
        Yv, Xu = with_ones(V), np.empty((m, k + 1), dtype=U.dtype)
        Xu[:, :k], Xu[:, k] = U, a
        its += self.solve_rows(
            c.indptr, c.indices, c.data, None, m, n, b, Yv, Xu, half_sweep_options(common, 2 * sweep + 1)
        )
        U[...], a[...] = Xu[:, :k], Xu[:, k]
        return its


def objective(sq: float, reg: float, U, V, a, b) -> float:
    """The fitted objective: squared error plus reg times the squared norms of the unknowns."""
    if reg == 0.0:
        return sq
    norms = float(np.vdot(U, U)) + float(np.vdot(V, V))
    if a is not None:
        norms += float(np.vdot(a, a)) + float(np.vdot(b, b))
    return sq + reg * norms


def solver_settings(method_id, reg, mu, seed) -> tuple:
    """The arguments of the core's half-sweep after the factors (lralg.dask passes the same)."""
    return (method_id, reg, REG_PER_ENTRY, mu, _INNER_ITER, _INNER_RTOL, _SKETCH_FACTOR, seed)


def half_sweep_options(settings: tuple, stream: int):
    """The core's options of one half-sweep: ``settings`` (as :func:`solver_settings` orders
    them) and the half-sweep's random stream."""
    options = _core.HalfSweepOptions()
    names = ("method", "reg", "reg_per_entry", "mu", "inner_iter", "inner_rtol", "sketch_factor", "seed")
    for name, value in zip(names, settings):
        setattr(options, name, value)
    options.stream = stream
    return options


def exact_fit_floor(dtype, scale: float) -> float:
    """The training RMSE below which a fit is exact (later sweeps only move rounding errors)."""
    return _FLOOR_EPS * float(np.finfo(dtype).eps) * scale


def has_converged(previous: float, current: float, rmse: float, floor: float, tol: float) -> bool:
    """The stopping rule: an exact fit, or a sweep that lowered the objective by at most ``tol`` of it."""
    return rmse <= floor or (tol > 0 and previous - current <= tol * previous)


def with_ones(F: np.ndarray) -> np.ndarray:
    out = np.empty((F.shape[0], F.shape[1] + 1), dtype=F.dtype)
    out[:, :-1] = F
    out[:, -1] = 1
    return out


def run_sweeps(state: FitState, *, method_id, reg, max_iter, tol, seed, progress=None, callback=None):
    """Sweeps until the objective's relative decrease is at most ``tol`` (or an exact fit).

    Returns ``(history, converged)``; the factors of ``state`` are updated in place.
    """
    common = solver_settings(method_id, reg, state.mu, seed)
    floor = exact_fit_floor(state.U.dtype, state.scale)
    nnz = state.csr.nnz
    previous = state.objective(state.squared_error(), reg)
    history, converged = [], False
    for sweep in range(1, max_iter + 1):
        start = time.perf_counter()
        iters = state.sweep(common, sweep)
        seconds = time.perf_counter() - start
        sq = state.squared_error()
        current = state.objective(sq, reg)
        rmse = math.sqrt(sq / nnz)
        if not np.isfinite(current):
            raise FloatingPointError("complete: the factors diverged (non-finite RMSE); try reg > 0")
        entry = {"sweep": sweep, "rmse": rmse, "seconds": seconds, "cg_iterations": int(iters)}
        history.append(dict(entry))
        if progress is not None:
            progress.update(sweep, rmse=rmse, s_per_sweep=seconds)
        converged = has_converged(previous, current, rmse, floor, tol)
        previous = current
        if callback is not None:
            entry.update(U=state.U, V=state.V)
            if callback(entry) is True:
                break
        if converged:
            break
    return history, converged


def split_observations(csr: sp.csr_array, fraction: float, generator):
    """(training CSR of the same shape, held-out rows, cols, values): each entry held out
    with probability ``fraction``."""
    held = generator.random(csr.nnz) < fraction
    if held.all() or not held.any():
        raise ValueError(
            f"validation={fraction} holds out {int(held.sum())} of {csr.nnz} observations; "
            "both parts need at least one (use a fixed reg for so few observations)"
        )
    rows = np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr))
    keep = ~held
    train = sp.csr_array((csr.data[keep], (rows[keep], csr.indices[keep])), shape=csr.shape)
    train.sum_duplicates()
    train = sp.csr_array(
        (train.data, train.indices.astype(csr.indices.dtype), train.indptr.astype(csr.indices.dtype)),
        shape=csr.shape,
    )
    return train, rows[held], csr.indices[held].astype(np.int64), csr.data[held]


def select_reg(train: FitState, *, method_id, max_iter, tol, seed, score):
    """Fits a decreasing path of reg on ``train`` (warm-started), scoring each point.

    ``score(state)`` is the held-out RMSE of the current factors. Returns the
    best reg, the path (a list of dicts ``reg``, ``validation_rmse``,
    ``n_iter``) and a copy of the factors ``(U, V, a, b)`` at the best reg.
    """
    per_line = train.csr.nnz / (train.m + train.n)
    regs = [_PATH_START * per_line / _PATH_STEP**i for i in range(_PATH_POINTS - 1)] + [0.0]
    path, best_factors, rises = [], None, 0

    def fit(reg):
        nonlocal best_factors
        history, _ = run_sweeps(
            train, method_id=method_id, reg=reg, max_iter=min(max_iter, _PATH_SWEEPS), tol=tol, seed=seed
        )
        rmse = score(train)
        better = all(rmse < p["validation_rmse"] for p in path)
        path.append({"reg": reg, "validation_rmse": rmse, "n_iter": len(history)})
        if better:
            best_factors = tuple(
                None if x is None else x.copy() for x in (train.U, train.V, train.a, train.b)
            )
        return better

    for reg in regs:
        if fit(reg):
            rises = 0
        else:
            rises += 1
            if rises == 2:
                break
    chosen = min(path, key=lambda p: p["validation_rmse"])["reg"]
    return chosen, path, best_factors
