"""The sweeps of :func:`lralg.complete` and its choice of ``reg`` on a held-out split.

``run_sweeps`` alternates the two half-sweeps of the core until the
regularized objective stops falling; ``select_reg`` fits a short, warm-started
path of regularizations on most of the observations and scores each on the
rest; ``fit`` runs the two for :func:`lralg.complete`. All of them work on factors
the caller owns, in place, through :class:`SweepState` and :class:`Observations`:
one CSR on this machine, row blocks on a cluster for ``lralg.dask``, one loop.
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp

from . import _core
from ._validate import seed_from_rng

__all__ = [
    "AUTO_TOL",
    "EXACT_SOLVES",
    "ROBUST_SOLVES",
    "DeviceHalfSweeps",
    "FitState",
    "LocalObservations",
    "Observations",
    "SweepState",
    "check_split",
    "exact_fit_floor",
    "fit",
    "half_sweep_options",
    "has_converged",
    "objective",
    "row_solves",
    "run_sweeps",
    "select_reg",
    "solver_settings",
    "split_by_mask",
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

# The core's method ids. robust-altmin solves the rows exactly where a row has at most
# _EXACT_UNKNOWNS unknowns (k, plus the offset with bias): the core's fixed-size exact solve then
# costs less than the conjugate gradients, whose iterates tend to that solution.
ROBUST_SOLVES, EXACT_SOLVES = 0, 1
_EXACT_UNKNOWNS = 24  # measured; the core's fixed sizes go on to 32

# A training RMSE this many machine epsilons of the data's RMS, or _FLOOR_REL of
# it, is an exact fit: later sweeps only move rounding errors. robust-altmin's
# conjugate gradients stop at a residual 1e-13 of their right-hand side (the
# core's absolute floor), so its fits level off near 1e-13 of the data's RMS,
# where each sweep still shaves a percent off the objective.
_FLOOR_EPS = 10.0
_FLOOR_REL = 1e-12

# reg="auto": the path starts at _PATH_START times the mean number of
# observations per row and column and divides by _PATH_STEP at each point, at
# most _PATH_POINTS points, the last one reg = 0 (exact low-rank data). Each
# point is warm-started from the last and swept until its held-out RMSE falls
# by less than _PATH_RTOL of itself in a sweep (or rises), at most _PATH_SWEEPS
# sweeps: a point is scored, not fitted to convergence (its training objective
# is not computed). The path stops at the first point that did no better than the
# best so far (the held-out RMSE is unimodal along such a path); where the
# first point is the best, it goes on upwards (times _PATH_STEP) from the best
# factors. Last, one point between the best and the better of its two
# neighbours (their geometric mean), from the best sweep's factors: a rating
# set's optimum can lie between two points a factor of _PATH_STEP apart.
#
# A point below the reg of the factors it starts from starts with the singular
# values of U V^T raised by _PATH_LIFT times the drop of the soft threshold,
# (reg before - reg) / (fraction observed): ridge-regularized factors solve the
# nuclear-norm problem, whose singular values are the data's less that
# threshold, and the directions a larger reg shrank to nothing would otherwise
# regrow over many sweeps (half the drop: the whole one overshoots what the
# data support).
#
# The chosen reg is the largest whose held-out RMSE is within _PATH_RTOL of the best: a
# smaller gain is within the noise of one split (the gain a sweep must make), and of two
# such points the more regularized is the safer. The final fit on all observations starts
# from the factors of the best sweep and runs under the ``tol`` rule: where the path stopped
# a point on a plateau of the alternation, the held-out part cannot tell it from convergence.
_PATH_START = 1.0
_PATH_STEP = 2.0
_PATH_POINTS = 8
_PATH_SWEEPS = 15
_PATH_RTOL = 2e-3
_PATH_LIFT = 0.5

# The default ``tol`` with reg="auto": the final fit starts from the path's best factors, and
# past a sweep that lowers the objective by 3e-4 of it the held-out RMSE moves by about 0.1 %.
AUTO_TOL = 3e-4

# The final fit of reg="auto" also waits out plateaus (has_converged with last_drop): started
# near a fit, its drops fall fast at its end, while the slow tail of a fixed reg's fit from a
# settled start looks like a plateau and would run on without helping.
_PLATEAU_FACTOR = 3.0


class SweepState:
    """The factors being fitted and the alternation of one sweep, whoever solves the rows.

    With ``bias``, the unknowns of each side carry their offset as an extra
    column (``Xu = [U, a]``) and the regressors a column of ones (``Yu = [U, 1]``).
    A subclass holds the observations (``m``, ``n``, ``nnz``, ``mu``, ``scale``)
    and defines ``solve`` (one half-sweep of the core's per-row solver, the
    unknown updated in place) and ``squared_error``: :class:`FitState` on one
    machine, ``lralg.dask``'s on a cluster.
    """

    def __init__(self, U, V, a, b, mu: float):
        self.k = U.shape[1]
        self.U, self.V, self.a, self.b, self.mu = U, V, a, b, mu

    @property
    def bias(self) -> bool:
        return self.a is not None

    def finite(self) -> bool:
        """Whether the factors (and offsets) hold finite values only."""
        return all(x is None or np.isfinite(x).all() for x in (self.U, self.V, self.a, self.b))

    def solve(self, side: str, offset, fixed, unknown, settings: tuple, stream: int) -> int:
        """The rows of ``unknown`` (``side`` "rows": U's, "cols": V's) given ``fixed``; CG iterations."""
        raise NotImplementedError

    def squared_error(self) -> float:
        raise NotImplementedError

    def swept_squared_error(self) -> float:
        """The squared error right after a sweep (a subclass may have it from the sweep itself)."""
        return self.squared_error()

    def objective(self, sq: float, reg: float) -> float:
        return objective(sq, reg, self.U, self.V, self.a, self.b)

    def sweep(self, settings: tuple, sweep: int) -> int:
        """One V-step then U-step; returns the CG iterations (robust-altmin)."""
        U, V, a, b, k = self.U, self.V, self.a, self.b, self.k
        if not self.bias:
            its = self.solve("cols", None, U, V, settings, 2 * sweep)
            return its + self.solve("rows", None, V, U, settings, 2 * sweep + 1)
        Xv = np.empty((self.n, k + 1), dtype=V.dtype)
        Xv[:, :k], Xv[:, k] = V, b
        its = self.solve("cols", a, with_ones(U), Xv, settings, 2 * sweep)
        V[...], b[...] = Xv[:, :k], Xv[:, k]
        Xu = np.empty((self.m, k + 1), dtype=U.dtype)
        Xu[:, :k], Xu[:, k] = U, a
        its += self.solve("rows", b, with_ones(V), Xu, settings, 2 * sweep + 1)
        U[...], a[...] = Xu[:, :k], Xu[:, k]
        return its


class FitState(SweepState):
    """Observations in one CSR (and the pattern of its transpose) and the factors being fitted."""

    def __init__(self, csr: sp.csr_array, U, V, a, b, mu: float, solve_rows=None):
        super().__init__(U, V, a, b, mu)
        self.csr = csr
        # the half-sweep: the core's, or lralg._cuda's (same signature) for device="cuda"
        self.solve_rows = _core.completion_solve_rows if solve_rows is None else solve_rows
        # DeviceHalfSweeps: each side's observations, copied to the device at its first half-sweep
        self.resident = {} if isinstance(solve_rows, DeviceHalfSweeps) else None
        self.m, self.n = csr.shape
        self.nnz = csr.nnz
        self.t_indptr, self.t_indices, self.perm = _core.completion_transpose(
            csr.indptr, csr.indices, self.m, self.n
        )
        data_rms = math.sqrt(float(np.mean((csr.data - mu) ** 2, dtype=np.float64)))
        self.scale = data_rms if data_rms > 0 else 1.0

    def squared_error(self) -> float:
        c = self.csr
        return _core.completion_squared_residual(
            c.indptr, c.indices, c.data, self.m, self.n, self.U, self.V, self.mu, self.a, self.b
        )

    def solve(self, side, offset, fixed, unknown, settings, stream):
        c, m, n = self.csr, self.m, self.n
        if side == "rows":
            observations = (c.indptr, c.indices, c.data, None, m, n)
        else:
            observations = (self.t_indptr, self.t_indices, c.data, self.perm, n, m)
        options = half_sweep_options(settings, stream)
        if self.resident is None:
            return self.solve_rows(*observations, offset, fixed, unknown, options)
        if side not in self.resident:
            self.resident[side] = self.solve_rows.observations(*observations)
        return self.solve_rows(*observations, offset, fixed, unknown, options, resident=self.resident[side])


class DeviceHalfSweeps:
    """lralg._cuda's half-sweep for :class:`FitState`, which then copies each side's
    observations to the device once (``completion_observations``) and passes that copy to
    every half-sweep of the side, instead of their being copied at each one. The arrays are
    never changed during a fit."""

    def __init__(self, backend):
        self.observations = backend.completion_observations
        self._solve_rows = backend.completion_solve_rows

    def __call__(self, *args, resident):
        return self._solve_rows(*args, resident=resident)


def objective(sq: float, reg: float, U, V, a, b) -> float:
    """The fitted objective: squared error plus reg times the squared norms of the unknowns."""
    if reg == 0.0:
        return sq
    norms = float(np.vdot(U, U)) + float(np.vdot(V, V))
    if a is not None:
        norms += float(np.vdot(a, a)) + float(np.vdot(b, b))
    return sq + reg * norms


def row_solves(method_id: int, unknowns: int) -> int:
    """The core's method id of a half-sweep of ``method_id`` with ``unknowns`` per row."""
    return EXACT_SOLVES if unknowns <= _EXACT_UNKNOWNS else method_id


def solver_settings(method_id, reg, mu, seed) -> tuple:
    """The arguments of the core's half-sweep after the factors (lralg.dask passes the same)."""
    return (method_id, reg, REG_PER_ENTRY, mu, _INNER_ITER, _INNER_RTOL, _SKETCH_FACTOR, seed)


def half_sweep_options(settings: tuple, stream: int, row_observations: float = 0.0):
    """The core's options of one half-sweep: ``settings`` (as :func:`solver_settings` orders
    them), the half-sweep's random stream and, where the rows are solved in blocks, the
    whole side's mean observations per row."""
    options = _core.HalfSweepOptions()
    names = ("method", "reg", "reg_per_entry", "mu", "inner_iter", "inner_rtol", "sketch_factor", "seed")
    for name, value in zip(names, settings):
        setattr(options, name, value)
    options.stream = stream
    options.row_observations = row_observations
    return options


def exact_fit_floor(dtype, scale: float) -> float:
    """The training RMSE below which a fit is exact (later sweeps only move rounding errors)."""
    return max(_FLOOR_EPS * float(np.finfo(dtype).eps), _FLOOR_REL) * scale


def has_converged(
    previous: float, current: float, rmse: float, floor: float, tol: float, last_drop: float | None = None
) -> bool:
    """The stopping rule: an exact fit, or a sweep that lowered the objective by at most ``tol``
    of it. Given ``last_drop`` (the drop of the sweep before; NaN: none), the drops must also
    shrink fast enough that those still to come, extrapolated geometrically, sum to at most
    _PLATEAU_FACTOR ``tol``: a small drop may be a plateau of the alternation, where a
    direction regrows over tens of sweeps."""
    if rmse <= floor:
        return True
    drop = previous - current
    if tol <= 0 or drop > tol * previous:
        return False
    if last_drop is None or not drop > 0:  # (not drop > 0: a rise, robust-altmin's inexact solves)
        return True
    if not last_drop > 0:
        return False
    ratio = drop / last_drop
    return ratio < 1.0 and drop * ratio / (1.0 - ratio) <= _PLATEAU_FACTOR * tol * previous


def lift_spectrum(U: np.ndarray, V: np.ndarray, shift: float) -> None:
    """Replaces U, V in place by balanced factors of ``U V^T`` with every singular value
    raised by ``shift``, the singular vectors kept."""
    qu, ru = np.linalg.qr(U)
    qv, rv = np.linalg.qr(V)
    left, s, right_t = np.linalg.svd(ru @ rv.T)
    root = np.sqrt(s + shift)
    U[...] = (qu @ left) * root
    V[...] = (qv @ right_t.T) * root


def with_ones(F: np.ndarray) -> np.ndarray:
    out = np.empty((F.shape[0], F.shape[1] + 1), dtype=F.dtype)
    out[:, :-1] = F
    out[:, -1] = 1
    return out


def run_sweeps(
    state: SweepState, *, method_id, reg, max_iter, tol, seed, progress=None, callback=None, plateau=False
):
    """Sweeps until the objective's relative decrease is at most ``tol`` (or an exact fit);
    with ``plateau``, also until the drops to come are small (see :func:`has_converged`).
    ``tol=None``: only ``callback`` stops the sweeps, and the objective is not computed (the
    history's ``rmse`` is NaN; the path, stopped by its held-out score).

    Returns ``(history, converged)``; the factors of ``state`` are updated in place.
    """
    common = solver_settings(row_solves(method_id, state.k + state.bias), reg, state.mu, seed)
    floor = exact_fit_floor(state.U.dtype, state.scale)
    nnz = state.nnz
    measured = tol is not None
    previous = state.objective(state.squared_error(), reg) if measured else math.nan
    history, converged = [], False
    last_drop = math.nan if plateau else None
    for sweep in range(1, max_iter + 1):
        start = time.perf_counter()
        iters = state.sweep(common, sweep)
        seconds = time.perf_counter() - start
        if measured:
            sq = state.swept_squared_error()
            current = state.objective(sq, reg)
            rmse = math.sqrt(sq / nnz)
            finite = np.isfinite(current)
        else:
            current = rmse = math.nan
            finite = state.finite()
        if not finite:
            raise FloatingPointError("complete: the factors diverged (non-finite values); try reg > 0")
        entry = {"sweep": sweep, "rmse": rmse, "seconds": seconds, "cg_iterations": int(iters)}
        history.append(dict(entry))
        if progress is not None:
            progress.update(sweep, rmse=rmse, s_per_sweep=seconds)
        converged = measured and has_converged(previous, current, rmse, floor, tol, last_drop)
        if plateau:
            last_drop = previous - current
        previous = current
        if callback is not None:
            entry.update(U=state.U, V=state.V, row_bias=state.a, col_bias=state.b, mean=state.mu)
            if callback(entry) is True:
                break
        if converged:
            break
    return history, converged


def split_observations(csr: sp.csr_array, fraction: float, generator):
    """(training CSR of the same shape, held-out rows, cols, values): each entry held out
    with probability ``fraction``."""
    held = generator.random(csr.nnz) < fraction
    check_split(int(held.sum()), csr.nnz, fraction)
    return split_by_mask(csr, held)


def check_split(n_held: int, nnz: int, fraction: float) -> None:
    """Refuses a split that leaves either part empty."""
    if n_held in (0, nnz):
        raise ValueError(
            f"validation={fraction} holds out {n_held} of {nnz} observations; "
            "both parts need at least one (use a fixed reg for so few observations)"
        )


def split_by_mask(csr: sp.csr_array, held: np.ndarray):
    """split_observations for a given mask over the entries in CSR order (lralg.dask
    splits each row block with its part of the mask)."""
    rows = np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr))
    keep = ~held
    train = sp.csr_array((csr.data[keep], (rows[keep], csr.indices[keep])), shape=csr.shape)
    train.sum_duplicates()
    train = sp.csr_array(
        (train.data, train.indices.astype(csr.indices.dtype), train.indptr.astype(csr.indices.dtype)),
        shape=csr.shape,
    )
    return train, rows[held], csr.indices[held].astype(np.int64), csr.data[held]


def select_reg(train: SweepState, *, method_id, max_iter, seed, score):
    """Fits a path of reg on ``train`` (warm-started), scoring each sweep.

    ``score(state)`` is the held-out RMSE of the current factors. Returns the
    chosen reg (the largest within _PATH_RTOL of the best held-out RMSE), the
    path (a list of dicts ``reg``, ``validation_rmse`` (the point's best
    sweep), ``n_iter``, in the order fitted, the refinement point last) and a
    copy of the factors ``(U, V, a, b)`` of the best sweep.
    """
    per_line = train.nnz / (train.m + train.n)
    observed = train.nnz / (train.m * train.n)
    path, best = [], {"rmse": math.inf, "reg": None, "factors": None}

    def fit(reg, start) -> bool:
        """Fits ``reg`` from the current factors, fitted at reg ``start`` (None: the start's);
        whether it beat every earlier point."""
        trail, before = [], best["rmse"]
        if start is not None and reg < start:
            lift_spectrum(train.U, train.V, _PATH_LIFT * (start - reg) / observed)

        def watch(entry):  # stop once another sweep no longer helps on the held-out part
            trail.append(score(train))
            if trail[-1] < best["rmse"]:  # (a NaN score never counts as better)
                factors = tuple(None if x is None else x.copy() for x in (train.U, train.V, train.a, train.b))
                best.update(rmse=trail[-1], reg=reg, factors=factors)
            return len(trail) >= 2 and trail[-1] > (1.0 - _PATH_RTOL) * trail[-2]

        history, _ = run_sweeps(
            train,
            method_id=method_id,
            reg=reg,
            max_iter=min(max_iter, _PATH_SWEEPS),
            tol=None,
            seed=seed,
            callback=watch,
        )
        if not trail:  # max_iter=0
            watch(None)
        path.append({"reg": reg, "validation_rmse": min(trail), "n_iter": len(history)})
        return best["rmse"] < before

    def restore_best():
        for mine, kept in zip((train.U, train.V, train.a, train.b), best["factors"]):
            if mine is not None:
                mine[...] = kept

    for i in range(_PATH_POINTS):
        reg = _PATH_START * per_line / _PATH_STEP**i if i < _PATH_POINTS - 1 else 0.0
        if not fit(reg, path[-1]["reg"] if path else None):
            break
    reg, upwards = path[0]["reg"], len(path) > 1 and best["reg"] == path[0]["reg"]
    while upwards and len(path) < 2 * _PATH_POINTS:
        restore_best()
        reg *= _PATH_STEP
        upwards = fit(reg, best["reg"])
    chosen = best["reg"]
    if chosen:  # (not reg = 0, exact data)
        apart = [abs(math.log(p["reg"] / chosen)) if p["reg"] > 0 else math.inf for p in path]
        neighbours = [p for p, d in zip(path, apart) if math.isclose(d, math.log(_PATH_STEP))]
        if neighbours:
            other = min(neighbours, key=lambda p: p["validation_rmse"])["reg"]
            restore_best()
            fit(math.sqrt(chosen * other), chosen)
    level = (1.0 + _PATH_RTOL) * best["rmse"]
    chosen = max((p["reg"] for p in path if p["validation_rmse"] <= level), default=best["reg"])
    return chosen, path, best["factors"]


class Observations:
    """The observations a fit reads, and how to split them (a subclass per home).

    ``mu`` is their mean with ``bias`` (else 0); ``state(factors)`` the
    :class:`SweepState` of these observations from ``(U, V, a, b)``;
    ``split(fraction, generator, clip)`` the training part (same kind) and the
    held-out RMSE of a state's factors on the rest, predictions clipped to
    ``clip`` when set, drawing the split as :func:`split_observations` does.
    """

    mu: float = 0.0

    def state(self, factors) -> SweepState:
        raise NotImplementedError

    def split(self, fraction: float, generator, clip):
        raise NotImplementedError


class LocalObservations(Observations):
    """The observations in one CSR, on this machine."""

    def __init__(self, csr: sp.csr_array, bias: bool, solve_rows=None):
        self.csr, self.bias, self.solve_rows = csr, bias, solve_rows
        self.mu = float(np.mean(csr.data, dtype=np.float64)) if bias else 0.0

    def state(self, factors) -> FitState:
        return FitState(self.csr, *factors, self.mu, self.solve_rows)

    def split(self, fraction, generator, clip):
        train, rows, cols, values = split_observations(self.csr, fraction, generator)

        def held_out_rmse(state):
            pred = _core.completion_predict(state.U, state.V, state.mu, state.a, state.b, rows, cols)
            if clip is not None:
                np.clip(pred, *clip, out=pred)
            return math.sqrt(float(np.mean((pred - values) ** 2)))

        return LocalObservations(train, self.bias, self.solve_rows), held_out_rmse


def fit(
    data: Observations,
    start_factors,
    *,
    auto: bool,
    reg,
    validation: float,
    clip,
    generator,
    method_id: int,
    max_iter: int,
    tol: float,
    progress=None,
    callback=None,
    settle_start=True,
):
    """complete's fit, wherever ``data`` lives: with ``auto``, reg chosen by :func:`select_reg`
    on a split of ``data`` (started from ``start_factors(train)``), then the sweeps on all of
    it (from the factors of the path's best sweep, or ``start_factors(data)`` settled by
    :func:`~lralg._completion_init.settle` unless ``settle_start`` is False: a warm start).

    Returns ``(state, history, converged, reg, reg_path)``.
    """
    reg_path = None
    if auto:
        train, score = data.split(validation, generator, clip)
        seed = seed_from_rng(generator)
        path_state = train.state(start_factors(train))
        reg, reg_path, factors = select_reg(
            path_state, method_id=method_id, max_iter=max_iter, seed=seed, score=score
        )
    else:
        factors = start_factors(data)
        seed = seed_from_rng(generator)
    state = data.state(factors)
    from ._completion_init import settle, settle_schedule  # the init imports this module

    settled = settle_start and not auto and max_iter > 0
    schedule = settle_schedule(reg, state.nnz, (state.m, state.n), state.scale) if settled else []
    settle(state, schedule, method_id, seed)
    state.settling_sweeps = len(schedule)
    history, converged = run_sweeps(
        state,
        method_id=method_id,
        reg=reg,
        max_iter=max_iter,
        tol=tol,
        seed=seed,
        progress=progress,
        callback=callback,
        plateau=auto,
    )
    return state, history, converged, reg, reg_path
