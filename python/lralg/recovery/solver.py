"""The solvers of robust recovery: sub-gradient methods on the l1 loss and gradient descent on the l2 loss."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._progress import ProgressBar
from .._result import Result
from .._validate import check_array, check_dtype, check_int, check_rank, check_real, seed_from_rng
from .operators import _as_operator

__all__ = ["DivergenceError", "RecoveryResult", "recover"]


class DivergenceError(RuntimeError):
    """Raised by :func:`recover` when the iteration diverges; no result is returned.

    The loss or the factors became non-finite, or the loss grew 1e8-fold
    over its initial value: the step is too large for the problem.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> op = lralg.GaussianSensing(6, 60, rng=0)
    >>> y = op.matvec(np.eye(6))
    >>> try:
    ...     lralg.recover(y, op, 2, method="gd", step=1e4, rng=0)
    ... except lralg.DivergenceError:
    ...     print("diverged: use a smaller step")
    diverged: use a smaller step
    """


# --------------------------------------------------------------------------- result


@dataclass(repr=False, eq=False)
class RecoveryResult(Result):
    """Factors and histories returned by :func:`recover`.

    Attributes
    ----------
    factors : tuple of ndarray
        ``(U,)`` for the symmetric parameterization (X = U U^T) or ``(F, G)``
        for the asymmetric one (X = F G^T).
    loss_history : ndarray
        Loss at every iterate, starting with the initial point.
    error_history : ndarray
        ``||X_t - X_true||_F / ||X_true||_F`` per iterate when ``X_true`` was
        given; otherwise the relative change of the factors per step.
    step_history : ndarray
        Step size used at each iteration.
    n_iter : int
        Iterations run.
    converged : bool
        Whether the fit met the tolerance: the relative residual below tol, or
        a relative change of the factors below tol with the data fitted: for
        GD the loss below half its start, for the sub-gradient methods (whose
        steps decay anywhere) ``median_residual <= sqrt(tol)``. Otherwise
        max_iter, the callback or a stall stopped the run (``message`` says which).
    median_residual : float
        ``median |A(X) - y| / median |y|`` at the result (``mean |y|`` where the
        median is 0): near 0 where at least half of the measurements are
        fitted (exact recovery from sparse outliers), at the noise level or
        above otherwise.
    method : str
        The method that ran.
    parameterization : str
        "symmetric" (X = U U^T) or "asymmetric" (X = F G^T).
    switch_iter : int or None
        Iteration at which "gd-onestep" applied its one-step modification.
    decay_start : int or None
        First iteration whose step raised the loss (adaptive sub-gradient steps).
    message : str
        Why the run stopped.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> op = lralg.EntrySampling((3, 3), rows=[0, 0, 1, 1, 2, 2, 0], cols=[0, 1, 1, 2, 0, 2, 2])
    >>> X = np.ones((3, 3))
    >>> res = lralg.recover(op.matvec(X), op, 1, rng=0)
    >>> res.U.shape, res.n_iter < 1000, np.allclose(res.X, X, atol=1e-6)
    ((3, 1), True, True)
    """

    factors: tuple
    loss_history: np.ndarray
    error_history: np.ndarray
    step_history: np.ndarray
    n_iter: int
    converged: bool
    method: str
    parameterization: str
    switch_iter: int | None = None
    decay_start: int | None = None
    message: str = ""
    median_residual: float = math.nan
    _X: np.ndarray | None = field(default=None, repr=False)

    @property
    def X(self) -> np.ndarray:
        """The recovered matrix, ``U U^T`` or ``F G^T`` (computed on first access)."""
        if self._X is None:
            F = self.factors[0]
            G = self.factors[-1]
            self._X = F @ G.T
        return self._X

    @property
    def U(self):
        """The factor U of ``X = U U^T`` (symmetric parameterization only)."""
        if self.parameterization != "symmetric":
            raise AttributeError("U exists for parameterization='symmetric'; use F and G")
        return self.factors[0]

    @property
    def F(self):
        """The left factor (U for the symmetric parameterization)."""
        return self.factors[0]

    @property
    def G(self):
        """The right factor (U for the symmetric parameterization)."""
        return self.factors[-1]


# --------------------------------------------------------------------------- the solver

_METHODS = {"subgradient": "l1", "scaled-subgradient": "l1", "gd": "l2", "gd-onestep": "l2"}
_L1_METHODS = ("subgradient", "scaled-subgradient")


def _check_choice(value, name, choices):
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r}")
    return value


# Adaptive steps of the sub-gradient method (see recover's Notes and docs/recovery.md):
# the step shrinks by _RHO at each iteration whose step raised the loss and grows
# by _GROW at each other iteration, never above eta_0 ("bold driver"; _GROW = 1
# holds it). _STEP: the default eta_0 (relative units).
_RHO = 0.93
_GROW = {"symmetric": 1.01, "asymmetric": 1.0}
_STEP = {"symmetric": 0.2, "asymmetric": 0.1}
# The scaled (preconditioned) sub-gradient method, "scaled-subgradient" (constants
# chosen on the benchmark's problems, see docs/recovery.md): eta_0 in relative units, the damping
# lambda relative to L2 (about sigma_1(X)) and alpha; the schedule is that of
# "subgradient" (_RHO, _GROW).
_SCALED_STEP = 0.025
_SCALED_INIT = 1e-30
_DAMPING = 0.05
# A stop on a small relative change counts as convergence only where the data
# are fitted: for the l2 methods (fixed step: the change is the gradient's size)
# once the loss fell below _STALL_FRACTION of its start; for the l1 methods (the
# change vanishes with the decaying step wherever the iterate is) once the median
# relative residual is at most sqrt(tol).
_STALL_FRACTION = 0.5


class _StepSchedule:
    """Step sizes of the sub-gradient method (see :func:`recover`, Notes).

    With a user-given decay: ``eta_t = base_step * decay^t`` (geometric).
    Adaptive (no decay given): ``eta_{t+1} = decay * eta_t`` after an
    iteration whose step raised the loss, ``min(grow * eta_t, base_step)``
    after any other; O(1) per iteration.
    """

    def __init__(self, base_step, decay, adaptive, f0, grow=1.0):
        self.base_step = base_step
        self.decay = decay
        self.adaptive = adaptive
        self.grow = grow
        self.eta = base_step
        self.start = None  # first iteration whose step raised the loss
        self.t = 0
        self.f = f0

    def step(self):
        if not self.adaptive:
            return self.base_step * self.decay**self.t
        return self.eta

    def observe(self, f):
        """Account for iteration t, after which the loss is ``f``."""
        self.t += 1
        rose = f > self.f
        self.f = f
        if not self.adaptive:
            return
        if rose:
            if self.start is None:
                self.start = self.t
            self.eta *= self.decay
        else:
            self.eta = min(self.eta * self.grow, self.base_step)


def _precondition(grad, factor, lam):
    """``grad (factor^T factor + lam I)^{-1}`` (k x k, k = rank; the Gram matrix in float64).

    The matrix is symmetric with eigenvalues in [lam, lam + ||factor||_2^2], so its
    explicit inverse is accurate (condition number about 1 + sigma_1 / lam); it is
    cheaper than a solve at these sizes. Returns None when the Gram matrix is not
    finite (the caller reports divergence).
    """
    f = factor.astype(np.float64, copy=False)
    P = f.T @ f
    if not np.isfinite(P).all():
        return None
    P.flat[:: P.shape[0] + 1] += lam
    return grad @ np.linalg.inv(P).astype(grad.dtype, copy=False)


def _median_residual(r, y_scale: float) -> float:
    """``median |r|`` relative to ``y_scale``, median |y| (mean |y| where that is 0)."""
    return float(np.median(np.abs(r))) / y_scale


def _judge_stop(loss: str, fit: float, median_residual: float, tol: float) -> tuple:
    """(converged, message) of a stop on a relative change of the factors below tol."""
    if loss == "l2":
        # a fixed step: the change is the gradient's size, a stationary point
        # unless the factors never left the saddle near zero or never moved
        if fit < _STALL_FRACTION:
            return True, "relative change below tol"
        return False, (
            f"stalled: the factors stopped moving with the loss still at {fit:.3g} of its start "
            "(a start or step that leaves them in place?)"
        )
    # the sub-gradient steps decay: the change vanishes wherever the iterate is
    if median_residual <= math.sqrt(tol):
        return True, "relative change below tol with half the measurements fitted"
    return False, (
        f"stalled: the step decayed until the factors stopped moving, the median residual "
        f"{median_residual:.3g} of the median measurement and the loss {fit:.3g} of its start "
        "(dense noise, a poor local fit, or a start, step or damping that leaves them in place)"
    )


def recover(
    y,
    operator,
    rank,
    *,
    loss=None,
    parameterization=None,
    method="subgradient",
    init_scale=None,
    step=None,
    decay=None,
    damping=None,
    max_iter=1000,
    tol=1e-8,
    rng=None,
    verbose=False,
    callback=None,
    X_true=None,
    switch_tol=1e-2,
    matrix_shape=None,
) -> RecoveryResult:
    """Recover a low-rank matrix from linear measurements, a fraction of them grossly corrupted.

    Fits ``X = U U^T`` or ``X = F G^T`` to ``y = A(X) + noise`` from a small random start.

    Parameters
    ----------
    y : array_like, shape (m,)
        Measurements; float32 stays float32. Outliers and noise are allowed.
    operator : MeasurementOperator or object with matvec and rmatvec
        The operator A (:class:`GaussianSensing`, :class:`EntrySampling`, ...),
        or an object with ``matvec``, ``rmatvec`` and a 2-D ``shape``.
    rank : int
        Rank r' of the factors, at least the true rank.
    loss : {"l1", "l2"}, optional
        The method's loss (the default); another raises ValueError.
    parameterization : {"symmetric", "asymmetric"}, optional
        ``X = U U^T`` (the default) or ``X = F G^T`` (needed by "gd-onestep").
    method : {"subgradient", "scaled-subgradient", "gd", "gd-onestep"}
        "subgradient": SubGM on the l1 loss [1]_. "scaled-subgradient": the
        same with each factor's step preconditioned by the damped Gram matrix
        of the other [2]_ [3]_, a rate free of the condition number of X.
        "gd": gradient descent on the l2 loss. "gd-onestep": "gd" with the
        one-step rebalancing of [4]_, a rate free of ``init_scale``.
    init_scale : float, optional
        alpha, the size of the random start relative to the data. Default
        1e-10 ("subgradient"), 1e-30 ("scaled-subgradient"), 1e-3 (GD).
    step : float, optional
        eta_0, relative to the data scale. Default 0.2 ("subgradient", U U^T),
        0.1 ("subgradient", F G^T), 0.025 ("scaled-subgradient"), 0.25 (GD).
    decay : float in (0, 1], optional
        Sub-gradient methods: a number gives geometric steps ``eta_0
        decay^t``; None (default) the adaptive schedule of the Notes.
    damping : float, optional
        "scaled-subgradient" only: lambda relative to the data scale,
        default 0.05. Pass 0.02 for X with sigma_1 / sigma_r near 10 or more.
    max_iter : int, default 1000
        Largest number of iterations.
    tol : float, default 1e-8
        Relative residual, or relative change of the factors, that stops the run.
    rng : None, int or numpy.random.Generator
        Seed of the random start.
    verbose : bool, default False
        Show a progress bar on stderr.
    callback : callable, optional
        Called after every iteration with a dict of the state; True stops.
    X_true : array_like, optional
        Ground truth, only to record ``error_history``.
    switch_tol : float in (0, 1), default 1e-2
        "gd-onestep" rebalances once ``||A(X_t) - y|| / ||y||`` falls below it.
    matrix_shape : (int, int), optional
        The matrix shape of an operator on flattened vectors (a LinearOperator).

    Returns
    -------
    RecoveryResult
        The factors, the recovered ``X`` and the per-iteration histories.

    Raises
    ------
    DivergenceError
        The loss or the factors blew up (step too large).
    ValueError
        Bad sizes or values (NaN/Inf, y all zero, a rank out of range).
    TypeError
        An operator without matvec and rmatvec, complex input.

    Notes
    -----
    Steps are scaled by the operator and the data, so the defaults do not
    depend on the scale of y. The adaptive schedule multiplies the step by
    0.93 after each iteration whose step raised the l1 loss and otherwise by
    1.01 (U U^T) or 1 (F G^T), never above eta_0. The docs page gives the
    measurements behind the defaults, the limits and what ``converged`` means.

    References
    ----------
    .. [1] J. Ma and S. Fattahi, "Global convergence of sub-gradient method
       for robust matrix recovery: small initialization, noisy measurements,
       and over-parameterization", arXiv:2202.08788.
    .. [2] T. Tong, C. Ma and Y. Chi, "Low-rank matrix recovery with scaled
       subgradient methods", arXiv:2010.13364.
    .. [3] X. Xu, Y. Shen, Y. Chi and C. Ma, "The power of preconditioning in
       overparameterized low-rank matrix sensing", arXiv:2302.01186.
    .. [4] N. Xiong, L. Ding and S. S. Du, "How over-parameterization slows
       down gradient descent in matrix sensing", arXiv:2310.01769.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> u = np.random.default_rng(0).standard_normal((8, 1))
    >>> X = u @ u.T  # PSD, rank 1
    >>> op = lralg.GaussianSensing(8, 120, rng=1)
    >>> y = op.matvec(X)
    >>> y[::10] += 100.0  # 10% gross outliers
    >>> res = lralg.recover(y, op, rank=2, rng=0)  # rank over-estimated
    >>> bool(np.linalg.norm(res.X - X) / np.linalg.norm(X) < 1e-6)
    True
    """
    # ---- arguments
    method = _check_choice(method, "method", _METHODS)
    if loss is None:
        loss = _METHODS[method]
    loss = _check_choice(loss, "loss", {"l1", "l2"})
    if loss != _METHODS[method]:
        raise ValueError(f"method={method!r} minimises the {_METHODS[method]} loss, got loss={loss!r}")
    if parameterization is None:
        parameterization = "asymmetric" if method == "gd-onestep" else "symmetric"
    parameterization = _check_choice(parameterization, "parameterization", {"symmetric", "asymmetric"})
    if method == "gd-onestep" and parameterization != "asymmetric":
        raise ValueError("method='gd-onestep' needs parameterization='asymmetric' (X = F G^T)")

    y = check_array(y, "y", ndim=1)
    dtype = check_dtype(y.dtype, "y")
    y = np.ascontiguousarray(y, dtype=dtype)
    m = y.shape[0]
    op = _as_operator(operator, m, matrix_shape)
    n1, n2 = op.shape
    if parameterization == "symmetric" and n1 != n2:
        raise ValueError(f"parameterization='symmetric' needs a square matrix, the operator's is {op.shape}")
    rank = check_rank(rank, "rank", upper=min(n1, n2))
    if init_scale is None:
        init_scale = {"subgradient": 1e-10, "scaled-subgradient": _SCALED_INIT}.get(method, 1e-3)
    alpha = check_real(init_scale, "init_scale", low=0.0, low_open=True)
    adaptive = False
    if method in _L1_METHODS:
        default_step = _SCALED_STEP if method == "scaled-subgradient" else _STEP[parameterization]
        step = default_step if step is None else check_real(step, "step", low=0.0, low_open=True)
        if decay is None:
            adaptive = True
            decay = _RHO
        else:
            decay = check_real(decay, "decay", low=0.0, high=1.0, low_open=True)
    else:
        step = 0.25 if step is None else check_real(step, "step", low=0.0, low_open=True)
        if decay is not None:
            check_real(decay, "decay", low=0.0, high=1.0, low_open=True)
    if damping is not None:
        damping = check_real(damping, "damping", low=0.0, low_open=True)
        if method != "scaled-subgradient":
            raise ValueError(f"damping is a parameter of method='scaled-subgradient', not {method!r}")
    elif method == "scaled-subgradient":
        damping = _DAMPING
    max_iter = check_int(max_iter, "max_iter", low=0)
    tol = check_real(tol, "tol", low=0.0)
    switch_tol = check_real(switch_tol, "switch_tol", low=0.0, high=1.0, low_open=True, high_open=True)
    if not isinstance(verbose, (bool, np.bool_)):
        raise TypeError(f"verbose must be a bool, got {type(verbose).__name__}")
    if callback is not None and not callable(callback):
        raise TypeError("callback must be callable or None")
    if X_true is not None:
        X_true = check_array(X_true, "X_true")
        if X_true.shape != (n1, n2):
            raise ValueError(f"X_true must have shape {(n1, n2)}, got {X_true.shape}")
        X_true = np.asarray(X_true, dtype=np.float64)
        true_norm = float(np.linalg.norm(X_true)) or 1.0
    gen = np.random.default_rng(seed_from_rng(rng))

    # ---- scales (see Notes)
    y_norm = float(np.linalg.norm(y))
    if y_norm == 0.0:
        raise ValueError("y is all zeros: nothing to recover")
    y_scale = float(np.median(np.abs(y))) or float(np.mean(np.abs(y)))
    Z1 = gen.standard_normal((n1, 1)).astype(dtype)
    Z2 = gen.standard_normal((n2, 1)).astype(dtype)
    gamma = float(np.linalg.norm(op.forward(Z1, Z2)) ** 2) / (m * float(np.sum(Z1**2) * np.sum(Z2**2)))
    if not gamma > 0.0:
        raise ValueError("the operator maps a random rank-one matrix to zero; it cannot recover X")
    L2 = op.adjoint_norm(y) / (m * gamma)
    if not (L2 > 0.0 and math.isfinite(L2)):
        raise ValueError("the back-projection of y is zero or not finite")
    scale = math.sqrt(L2)

    # ---- initialization: U_0 = alpha B (Ma-Fattahi); F_0 ~ alpha, G_0 ~ alpha/3 (Xiong et al.)
    def draw(n):
        return (gen.standard_normal((n, rank)) / math.sqrt(n)).astype(dtype)

    if parameterization == "symmetric":
        U = alpha * scale * draw(n1)
        F = G = U
    else:
        g_alpha = alpha / 3.0 if method not in _L1_METHODS else alpha
        F = alpha * scale * draw(n1)
        G = g_alpha * scale * draw(n2)

    if method in _L1_METHODS:
        L1 = op.adjoint_norm(np.sign(y).astype(dtype)) / m
        if not L1 > 0.0:
            raise ValueError("the back-projection of sign(y) is zero")
        base_step = step / L1
        if method == "scaled-subgradient":
            base_step *= L2  # the preconditioner divides by factor Gram matrices (units of X)
    else:
        base_step = step / (gamma * L2)

    # Operators that measure the matrix itself (Gaussian, user) take X_t = F G^T,
    # formed once per iterate and reused for the recorded error.
    dense = op.measures_product
    current = {}

    def evaluate(F, G):
        if dense or X_true is not None:
            current["X"] = F @ G.T
        r = (op.matvec(current["X"]) if dense else op.forward(F, G)) - y
        if loss == "l1":
            return r, float(np.mean(np.abs(r)))
        return r, 0.5 * float(np.mean(r.astype(np.float64) ** 2))

    def error_of(F, G, change):
        if X_true is None:
            return change
        return float(np.linalg.norm(current["X"] - X_true)) / true_norm

    lam = damping * L2 if method == "scaled-subgradient" else 0.0
    r, f = evaluate(F, G)
    f0 = f
    losses, errors, steps = [f], [error_of(F, G, np.nan)], []
    converged = False
    switch_iter = None
    message = "max_iter reached"
    t = 0
    schedule = (
        _StepSchedule(base_step, decay, adaptive, f0, _GROW[parameterization]) if loss == "l1" else None
    )
    report_every = max(1, max_iter // 20)
    with ProgressBar(max_iter, f"recover[{method}]", enabled=bool(verbose)) as progress:
        for t in range(1, max_iter + 1):
            if loss == "l1":
                s = np.sign(r).astype(dtype) / m  # Q_t = A*(sign(A(X_t) - y)) / m, times the factors
                eta = schedule.step()
            else:
                s = (r / m).astype(dtype)
                eta = base_step
            SG, StF = op.adjoint_times(s, F, G)
            if parameterization == "symmetric":
                grad = SG + StF  # d/dU of loss(A(U U^T)) = (S + S^T) U
                if lam:
                    grad = _precondition(grad, U, lam)  # (S + S^T) U (U^T U + lambda I)^{-1}
                    if grad is None:
                        raise DivergenceError(f"{method} diverged at iteration {t} (the factors blew up)")
                U_new = U - eta * grad
                change = float(np.linalg.norm(U_new - U)) / max(float(np.linalg.norm(U)), 1e-300)
                U = U_new
                F = G = U
            else:
                if lam:
                    # S G (G^T G + lambda I)^{-1} and S^T F (F^T F + lambda I)^{-1}
                    SG, StF = _precondition(SG, G, lam), _precondition(StF, F, lam)
                    if SG is None or StF is None:
                        raise DivergenceError(f"{method} diverged at iteration {t} (the factors blew up)")
                F_new = F - eta * SG
                G_new = G - eta * StF
                change = math.sqrt(
                    float(np.sum((F_new - F) ** 2) + np.sum((G_new - G) ** 2))
                    / max(float(np.sum(F**2) + np.sum(G**2)), 1e-300)
                )
                F, G = F_new, G_new
            r, f = evaluate(F, G)
            if not (math.isfinite(f) and f <= 1e8 * max(f0, 1e-300)) or not (
                np.isfinite(F).all() and np.isfinite(G).all()
            ):
                raise DivergenceError(
                    f"{method} diverged at iteration {t} (loss {f:.3g}, initial {f0:.3g}); use a smaller step"
                )
            # Xiong, Ding and Du's one-step modification (see Notes).
            if (
                method == "gd-onestep"
                and switch_iter is None
                and float(np.linalg.norm(r)) <= switch_tol * y_norm
            ):
                P = (F.T @ F).astype(np.float64)
                w, V = np.linalg.eigh(P)
                w = np.maximum(w, np.finfo(np.float64).tiny * max(w.max(), 1.0) * 1e3)
                P_isqrt = (V / np.sqrt(w)) @ V.T
                P_sqrt = (V * np.sqrt(w)) @ V.T
                F = (F @ P_isqrt * scale).astype(dtype)
                G = (G @ P_sqrt / scale).astype(dtype)
                r, f = evaluate(F, G)
                switch_iter = t
            if schedule is not None:
                schedule.observe(f)
            losses.append(f)
            errors.append(error_of(F, G, change))
            steps.append(eta)
            if t % report_every == 0 or t == 1:
                progress.update(t, loss=f, error=errors[-1], step=eta)
            if callback is not None:
                state = {
                    "iteration": t,
                    "loss": f,
                    "error": errors[-1],
                    "step": eta,
                    "factors": (U,) if parameterization == "symmetric" else (F, G),
                }
                if callback(state):
                    message = "stopped by callback"
                    break
            fit = f / f0 if loss == "l1" else math.sqrt(f / f0)
            if fit <= tol:
                converged, message = True, "residual below tol (relative)"
                break
            if change <= tol:
                converged, message = _judge_stop(loss, fit, _median_residual(r, y_scale), tol)
                break
        factors = (U,) if parameterization == "symmetric" else (F, G)
    return RecoveryResult(
        factors=factors,
        loss_history=np.asarray(losses),
        error_history=np.asarray(errors),
        step_history=np.asarray(steps),
        n_iter=t if max_iter > 0 else 0,
        converged=converged,
        method=method,
        parameterization=parameterization,
        switch_iter=switch_iter,
        decay_start=None if schedule is None else schedule.start,
        message=message,
        median_residual=_median_residual(r, y_scale),
    )
