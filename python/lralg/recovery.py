"""Robust low-rank matrix recovery from linear measurements.

Two algorithms on the factored (Burer-Monteiro) form of the unknown matrix:

* the sub-gradient method on the l1 loss ``(1/m) ||y - A(X)||_1`` with small
  random initialization and an over-estimated rank (Ma and Fattahi 2022,
  arXiv 2202.08788, "SubGM"), with ``X = U U^T`` (symmetric) or ``X = F G^T``
  (asymmetric), and geometrically decaying step sizes (by default lralg's
  adaptive variant: the step shrinks only at iterations where the loss rose);
* gradient descent on the l2 loss ``(1/2m) ||y - A(F G^T)||^2`` with the
  asymmetric parameterization, initialised at scales ``alpha`` and
  ``alpha / 3`` (Xiong, Ding and Du, ICLR 2024, arXiv 2310.01769), plain
  ("gd") or with their one-step modification ("gd-onestep") that makes the
  linear rate independent of ``alpha`` (see :func:`recover`).

Measurement operators: :class:`GaussianSensing` (Gaussian measurement matrices
generated on the fly from the core's counter-based generator, never stored),
:class:`EntrySampling` (observed entries: robust matrix completion), or any
object with ``matvec(X) -> y`` and ``rmatvec(y) -> matrix`` (and ``shape``),
including ``scipy.sparse.linalg.LinearOperator`` on the flattened matrix.
The measurement kernels run in the C++ core; the iteration itself is a short
Python loop around them so that built-in and user operators share it.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field

import numpy as np

from . import _core
from ._result import Result
from ._validate import (
    check_array,
    check_dtype,
    check_int,
    check_rank,
    check_real,
    seed_from_rng,
)

__all__ = ["DivergenceError", "EntrySampling", "GaussianSensing", "RecoveryResult", "recover"]


class DivergenceError(RuntimeError):
    """The iteration diverged (loss or factors blew up); no result is returned."""


def _check_shape(shape, name="shape"):
    if isinstance(shape, (tuple, list)):
        if len(shape) != 2:
            raise ValueError(f"{name} must be an int or a pair (n1, n2), got {shape!r}")
        n1 = check_int(shape[0], f"{name}[0]", low=1)
        n2 = check_int(shape[1], f"{name}[1]", low=1)
        return n1, n2
    n = check_int(shape, name, low=1)
    return n, n


# --------------------------------------------------------------------------- operators


class GaussianSensing:
    """Gaussian linear measurements ``A(X)_i = <A_i, X>``, i = 0..m-1.

    The entries of ``A_i`` are i.i.d. standard normal, drawn by the core's
    counter-based generator keyed by ``(seed, i, entry)``: the m matrices are
    never stored (an ``m x n1 x n2`` tensor would not fit in memory at the
    papers' sizes), each product regenerates them, and the result does not
    depend on the number of threads.

    With ``symmetric=True`` the operator acts on symmetric ``n x n`` matrices
    with ``A_i = (G_i + G_i^T) / 2``, ``G_i`` the i.i.d. Gaussian matrix. For a
    symmetric X, ``<A_i, X> = <G_i, X>``: the measurements are exactly those of
    Ma and Fattahi's i.i.d. Gaussian model for a PSD ground truth, and the
    adjoint ``rmatvec(y) = sum_i y_i A_i`` is symmetric.

    Parameters
    ----------
    shape : int or (int, int)
        Shape of the unknown matrix (an int n means ``(n, n)``).
    n_measurements : int
        Number of measurements m >= 1.
    symmetric : bool
        Symmetrised measurement matrices (needs a square shape).
    rng : None, int or numpy.random.Generator
        Source of the 64-bit key of the generator.
    """

    def __init__(self, shape, n_measurements, *, symmetric=True, rng=None):
        self.shape = _check_shape(shape)
        self.n_measurements = check_int(n_measurements, "n_measurements", low=1)
        if not isinstance(symmetric, (bool, np.bool_)):
            raise TypeError(f"symmetric must be a bool, got {type(symmetric).__name__}")
        self.symmetric = bool(symmetric)
        if self.symmetric and self.shape[0] != self.shape[1]:
            raise ValueError(f"symmetric=True needs a square shape, got {self.shape}")
        self.seed = seed_from_rng(rng)

    def __repr__(self):
        return (
            f"GaussianSensing(shape={self.shape}, n_measurements={self.n_measurements}, "
            f"symmetric={self.symmetric})"
        )

    def measurement_matrix(self, i) -> np.ndarray:
        """The matrix ``A_i`` (float64), regenerated from the key; for inspection."""
        i = check_int(i, "i", low=0, high=self.n_measurements - 1)
        return _core.gaussian_measurement_matrix(self.seed, *self.shape, i, self.symmetric)

    def matvec(self, X) -> np.ndarray:
        """``y = A(X)``, shape (m,), in X's floating dtype."""
        X = check_array(X, "X")
        if X.shape != self.shape:
            raise ValueError(f"X must have shape {self.shape}, got {X.shape}")
        return _core.gaussian_matvec(self.seed, self.n_measurements, self.symmetric, np.ascontiguousarray(X))

    def rmatvec(self, y) -> np.ndarray:
        """The adjoint ``sum_i y_i A_i``, shape ``self.shape``, in y's floating dtype."""
        y = check_array(y, "y", ndim=1)
        if y.shape[0] != self.n_measurements:
            raise ValueError(f"y must have length {self.n_measurements}, got {y.shape[0]}")
        return _core.gaussian_rmatvec(self.seed, *self.shape, self.symmetric, np.ascontiguousarray(y))

    # -- the two products the iterations need, from the factors
    def _forward(self, F, G):
        return self._forward_matrix(F @ G.T)

    def _forward_matrix(self, X):
        return _core.gaussian_matvec(self.seed, self.n_measurements, self.symmetric, X)

    def _adjoint_times(self, s, F, G):
        S = _core.gaussian_rmatvec(self.seed, *self.shape, self.symmetric, s)
        return S @ G, S.T @ F

    def _adjoint_norm(self, s):
        return float(np.linalg.norm(_core.gaussian_rmatvec(self.seed, *self.shape, self.symmetric, s), 2))


class EntrySampling:
    """Observed entries: ``A(X)_k = X[rows[k], cols[k]]`` (matrix completion).

    With ``loss="l1"`` in :func:`recover` this is robust matrix completion:
    a fraction of the observed entries may be grossly corrupted.

    Parameters
    ----------
    shape : int or (int, int)
        Shape of the matrix.
    rows, cols : array_like of int, shape (m,)
        Positions of the observed entries (repeats are allowed and count twice).
    """

    def __init__(self, shape, rows, cols):
        self.shape = _check_shape(shape)
        rows = self._indices(rows, "rows", self.shape[0])
        cols = self._indices(cols, "cols", self.shape[1])
        if rows.shape != cols.shape:
            raise ValueError(f"rows and cols must have the same length, got {rows.size} and {cols.size}")
        self.rows, self.cols = rows, cols
        self.n_measurements = int(rows.size)
        n1, n2 = self.shape
        self._order_r = np.argsort(rows, kind="stable").astype(np.int64)
        self._order_c = np.argsort(cols, kind="stable").astype(np.int64)
        self._ptr_r = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n1))]).astype(np.int64)
        self._ptr_c = np.concatenate([[0], np.cumsum(np.bincount(cols, minlength=n2))]).astype(np.int64)
        self._index = (n1, n2, self.rows, self.cols, self._ptr_r, self._order_r, self._ptr_c, self._order_c)

    @staticmethod
    def _indices(a, name, n):
        if isinstance(a, (str, bytes)) or a is None:
            raise TypeError(f"{name} must be an array of integers")
        arr = np.asarray(a)
        if arr.ndim != 1:
            raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
        if arr.size == 0:
            raise ValueError(f"{name} is empty")
        if arr.dtype.kind not in "iu":
            raise TypeError(f"{name} must hold integers, got dtype {arr.dtype}")
        if arr.min() < 0 or arr.max() >= n:
            raise ValueError(f"{name} must lie in [0, {n - 1}]")
        return np.ascontiguousarray(arr, dtype=np.int64)

    def __repr__(self):
        return f"EntrySampling(shape={self.shape}, n_measurements={self.n_measurements})"

    def matvec(self, X) -> np.ndarray:
        X = check_array(X, "X")
        if X.shape != self.shape:
            raise ValueError(f"X must have shape {self.shape}, got {X.shape}")
        return X[self.rows, self.cols]

    def rmatvec(self, y) -> np.ndarray:
        y = check_array(y, "y", ndim=1)
        if y.shape[0] != self.n_measurements:
            raise ValueError(f"y must have length {self.n_measurements}, got {y.shape[0]}")
        n1, n2 = self.shape
        flat = np.bincount(self.rows * n2 + self.cols, weights=y, minlength=n1 * n2)
        return flat.reshape(n1, n2).astype(y.dtype, copy=False)

    def _forward(self, F, G):
        return _core.entry_forward(*self._index, F, G)

    def _adjoint_times(self, s, F, G):
        return _core.entry_adjoint_times(*self._index, s, F, G)

    def _adjoint_norm(self, s):
        # Spectral norm of the sparse S = A*(s) by power iteration from a fixed start.
        n1, n2 = self.shape
        v = np.ones((n2, 1), dtype=s.dtype) / math.sqrt(n2)
        u1 = np.ones((n1, 1), dtype=s.dtype)
        est = 0.0
        for _ in range(30):
            u, _ = _core.entry_adjoint_times(*self._index, s, u1, v)
            nu = float(np.linalg.norm(u))
            if nu == 0.0:
                return 0.0
            u /= nu
            _, v = _core.entry_adjoint_times(*self._index, s, u, v)
            est = float(np.linalg.norm(v))
            if est == 0.0:
                return 0.0
            v /= est
        return est


class _UserOperator:
    """Any object with matvec/rmatvec: the generic (Python) path."""

    def __init__(self, op, n_measurements, matrix_shape):
        self.op = op
        self.n_measurements = n_measurements
        self.symmetric = False
        shape = getattr(op, "shape", None)
        self._flat = False
        if matrix_shape is not None:
            self.shape = _check_shape(matrix_shape, "matrix_shape")
            if (
                shape is not None
                and len(shape) == 2
                and tuple(shape) == (n_measurements, self.shape[0] * self.shape[1])
            ):
                self._flat = True  # LinearOperator-like: vectors of length n1*n2
        elif shape is not None and len(shape) == 2:
            self.shape = _check_shape(tuple(shape), "operator.shape")
        else:
            raise ValueError("operator has no 2-D `shape`; pass matrix_shape=(n1, n2)")

    def matvec(self, X):
        out = self.op.matvec(X.ravel() if self._flat else X)
        y = np.asarray(out, dtype=np.float64).reshape(-1)
        if y.shape[0] != self.n_measurements:
            raise ValueError(f"operator.matvec returned {y.shape[0]} values, expected {self.n_measurements}")
        if not np.isfinite(y).all():
            raise ValueError("operator.matvec returned NaN or Inf")
        return y

    def rmatvec(self, s):
        out = np.asarray(self.op.rmatvec(s), dtype=np.float64)
        if out.size != self.shape[0] * self.shape[1]:
            raise ValueError(f"operator.rmatvec returned {out.size} values, expected a {self.shape} matrix")
        out = out.reshape(self.shape)
        if not np.isfinite(out).all():
            raise ValueError("operator.rmatvec returned NaN or Inf")
        return out

    def _forward(self, F, G):
        return self.matvec(F @ G.T)

    def _forward_matrix(self, X):
        return self.matvec(X)

    def _adjoint_times(self, s, F, G):
        S = self.rmatvec(s)
        return S @ G, S.T @ F

    def _adjoint_norm(self, s):
        return float(np.linalg.norm(self.rmatvec(s), 2))


def _as_operator(operator, n_measurements, matrix_shape):
    if isinstance(operator, (GaussianSensing, EntrySampling)):
        if matrix_shape is not None and _check_shape(matrix_shape, "matrix_shape") != operator.shape:
            raise ValueError(f"matrix_shape {matrix_shape} differs from operator.shape {operator.shape}")
        if operator.n_measurements != n_measurements:
            raise ValueError(
                f"y has {n_measurements} measurements but the operator makes {operator.n_measurements}"
            )
        return operator
    if not (callable(getattr(operator, "matvec", None)) and callable(getattr(operator, "rmatvec", None))):
        raise TypeError(
            "operator must be GaussianSensing, EntrySampling or an object with matvec and rmatvec, "
            f"got {type(operator).__name__}"
        )
    n_op = getattr(operator, "n_measurements", None)
    if n_op is None:
        shape = getattr(operator, "shape", None)
        if matrix_shape is not None and shape is not None and len(shape) == 2:
            n_op = shape[0]
    if n_op is not None and int(n_op) != n_measurements:
        raise ValueError(f"y has {n_measurements} measurements but the operator makes {n_op}")
    return _UserOperator(operator, n_measurements, matrix_shape)


# --------------------------------------------------------------------------- result


@dataclass(repr=False, eq=False)
class RecoveryResult(Result):
    """Result of :func:`recover`.

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
        Whether the tolerance was met (otherwise max_iter or the callback stopped it).
    switch_iter : int or None
        Iteration at which "gd-onestep" applied its one-step modification.
    message : str
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
        if self.parameterization != "symmetric":
            raise AttributeError("U exists for parameterization='symmetric'; use F and G")
        return self.factors[0]

    @property
    def F(self):
        return self.factors[0]

    @property
    def G(self):
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


# Adaptive steps of the sub-gradient method (lralg's design, see recover's Notes):
# the step shrinks by _RHO at each iteration whose step raised the loss and grows
# by _GROW at each other iteration, never above eta_0 ("bold driver"; _GROW = 1
# holds it). _STEP: the default eta_0 (relative units).
_RHO = 0.93
_GROW = {"symmetric": 1.01, "asymmetric": 1.0}
_STEP = {"symmetric": 0.2, "asymmetric": 0.1}
# The scaled (preconditioned) sub-gradient method, "scaled-subgradient" (lralg's
# constants, measured; see recover's Notes): eta_0 in relative units, the damping
# lambda relative to L2 (about sigma_1(X)) and alpha; the schedule is that of
# "subgradient" (_RHO, _GROW).
_SCALED_STEP = 0.025
_SCALED_INIT = 1e-30
_DAMPING = 0.05


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
    """Recover a low-rank matrix X from measurements ``y = A(X) + noise``.

    Parameters
    ----------
    y : array_like, shape (m,)
        Measurements (float32 stays float32). Outliers and noise allowed.
    operator : GaussianSensing, EntrySampling or object with matvec/rmatvec
        The measurement operator A. A user operator needs ``matvec(X)`` for an
        ``(n1, n2)`` matrix and ``rmatvec(y)`` returning the adjoint as a matrix,
        and a ``shape`` of ``(n1, n2)``; a ``scipy.sparse.linalg.LinearOperator``
        of shape ``(m, n1*n2)`` works on the row-major flattened matrix when
        ``matrix_shape=(n1, n2)`` is given.
    rank : int
        Rank r' of the factors, >= the true rank (over-parameterization is
        what the algorithms are built for).
    loss : {"l1", "l2"} or None
        Defaults to the method's loss: "l1" for "subgradient", "l2" for GD.
    parameterization : {"symmetric", "asymmetric"} or None
        ``X = U U^T`` or ``X = F G^T``. Default "symmetric" for "subgradient"
        and "gd", "asymmetric" for "gd-onestep" (which needs it).
    method : {"subgradient", "scaled-subgradient", "gd", "gd-onestep"}
        "subgradient": Ma and Fattahi's sub-gradient method (SubGM) on the l1
        loss, ``U_{t+1} = U_t - eta_t Q_t`` with ``Q_t`` a sub-gradient and
        steps that start at eta_0 and decay (see ``decay``).
        "scaled-subgradient": the same l1 loss and schedule with each factor's
        sub-gradient preconditioned by the damped Gram matrix of the other
        factor, ``F <- F - eta Q_F (G^T G + lambda I)^{-1}``, ``G <- G - eta
        Q_G (F^T F + lambda I)^{-1}`` (``U <- U - eta Q_U (U^T U + lambda
        I)^{-1}`` for X = U U^T), after Tong, Ma and Chi's scaled sub-gradient
        method and Xu, Shen, Ma and Chi's damped ScaledGD(lambda); its rate
        does not depend on the condition number of X (see Notes and
        ``damping``). "gd": gradient descent on the l2 loss with a constant
        step. "gd-onestep": "gd" with Xiong, Ding and Du's one-step
        modification (see Notes).
    init_scale : float > 0 or None
        alpha: U_0 = alpha * s * B (subgradient, both factors alike), or
        F_0 = alpha * s * B_F, G_0 = (alpha / 3) * s * B_G (GD, as in Xiong et
        al.), with B's entries i.i.d. N(0, 1/n) and s = sqrt of the spectral
        norm of the normalised back-projection of y (a scale of the factors).
        Default: 1e-10 for "subgradient" (both parameterizations), 1e-30 for
        "scaled-subgradient", 1e-3 for GD (see Notes).
    step : float > 0 or None
        eta_0 for "subgradient" (default 0.2 for X = U U^T, 0.1 for X = F G^T)
        and "scaled-subgradient" (default 0.025), or the constant step of GD
        (default 0.25), in units relative to the data (see Notes).
    decay : float in (0, 1] or None
        rho of the sub-gradient steps. A number: plain geometric steps
        ``eta_t = eta_0 rho^t``. None (the default): adaptive, ``rho = 0.93``:
        after an iteration whose step raised the l1 loss the step is
        multiplied by rho; after any other it is multiplied by ``g`` (1.01
        for X = U U^T, 1 for X = F G^T) but never above eta_0. The step stays
        at eta_0 while the signal grows out of the small initialization,
        shrinks once steps overshoot, and (U U^T) grows back while the loss
        falls, which lets weak components of an ill-conditioned X grow (see
        Notes). Ignored by GD. For an ill-conditioned X = F G^T (sigma_1 /
        sigma_r of 3 or more) the defaults of "subgradient" leave the weak
        components unfitted (see Notes); "scaled-subgradient" fits them (same
        rule and g).
    damping : float > 0 or None
        lambda of "scaled-subgradient" relative to ``L2`` (about sigma_1(X),
        see Notes): ``lambda = damping * L2``. Default 0.05. Components of X
        with singular values below about ``2 lambda`` grow out of the small
        initialization at the unscaled rate, so for sigma_1 / sigma_r of about
        10 or more pass a smaller damping (0.02 fitted all the small
        condition-10 problems measured; it costs accuracy with many outliers
        and r' > r, see Notes). Only for "scaled-subgradient" (ValueError
        otherwise).
    max_iter : int
    tol : float >= 0
        Stops when the residual falls below ``tol`` relative to the initial one
        (the l1 loss, or the root of the l2 loss) or the factors change by less
        than ``tol`` (relative) in one step.
    rng : None, int or numpy.random.Generator
        Seed of the random initialization.
    verbose : bool
        Print progress lines.
    callback : callable(state) -> bool or None
        Called after every iteration with a dict (iteration, loss, error, step,
        factors); returning True stops the run.
    X_true : array_like or None
        Ground truth, only to record ``error_history``.
    switch_tol : float in (0, 1)
        "gd-onestep" applies its modification at the first iterate whose
        relative residual ``||A(X_t) - y|| / ||y||`` is below switch_tol.
    matrix_shape : (int, int) or None
        Matrix shape for user operators acting on flattened vectors.

    Returns
    -------
    RecoveryResult

    Raises
    ------
    DivergenceError
        When the loss or the factors become non-finite or the loss grows by a
        factor 1e8 over its initial value (step too large).

    Notes
    -----
    Step-size units. Let ``gamma = ||A(Z)||^2 / (m ||Z||_F^2)`` for a random
    Z (1 for Gaussian sensing, about ``1/(n1 n2)`` for entry sampling) and
    ``L2 = ||A*(y)||_2 / (m gamma)`` (about sigma_1(X) for Gaussian sensing).
    GD uses the constant step ``step / (gamma L2)``; the sub-gradient method
    uses ``eta_t = step * decay^{k_t} / L1`` with
    ``L1 = ||A*(sign(y))||_2 / m``, so that the first step changes the factors
    by about ``step`` relative to their size whatever the operator. These
    normalisations are lralg's (they make the defaults independent of the data
    scale); the rules themselves, geometric decay for SubGM and a constant step
    for GD, are the papers'.

    The sub-gradient step schedule (lralg's design, measured; the paper's
    rule is geometric decay from the first step, whose constants could not be
    read). Both parameterizations start at alpha = 1e-10 and use the same
    adaptive rule, O(1) per iteration (one comparison): after an iteration
    whose step raised the l1 loss, ``eta_{t+1} = rho eta_t`` (rho = 0.93);
    after any other, ``eta_{t+1} = min(g eta_t, eta_0)``, a "bold driver"
    with g = 1.01 for X = U U^T and g = 1 (the step held) for X = F G^T.
    ``RecoveryResult.step_history`` records every step and ``decay_start``
    the first iteration whose step raised the loss.
    Three phases follow from it: (1) while the signal grows out of the
    alpha-sized initialization the loss does not rise and the step stays at
    eta_0, however long the growth takes on the given operator; (2) once the
    leading components are fitted, overshooting steps raise the loss and the
    step shrinks by rho at each of them; (3) when the step has become too
    small for the remaining distance (the iterate moving steadily), the loss
    falls at every step and the step is held (F G^T) or grows back by g per
    step (U U^T) until it overshoots again. Phase (3) is what lets slowly
    contracting problems (robust completion) converge with a fast rho, and
    (U U^T) what leaves weak components of an ill-conditioned X the step
    they need to grow after the strong ones are fitted: with g = 1 the step
    only ever shrinks once the fitted part zigzags (a sub-gradient step
    raises the l1 loss at about every other iteration there, whatever its
    size), so the budget left after the fit is about 2 eta_0 / (1 - rho) and
    a component kappa times weaker, which needs about kappa times the budget
    of the strong one's growth, stays at its initial size. Phase (1) removes
    the dependence on log(1/alpha) and on the operator's normalisation that a
    budget fixed in advance has.

    Why the former fixed budget could not serve every case (measured): with
    ``eta_t = eta_0 rho^t`` summing to K log(1/alpha), the budget left after
    the signal is fitted decides two competing things. With r' > r, gross
    outliers add a fixed matrix S_out = -(1/m) sum_outliers sign(o_i) A_i to
    every sub-gradient (spectral norm about 2 sqrt(p d / m)), along whose
    negative directions the r' - r surplus columns grow by about
    exp(2 |lambda| eta_t) per step; the clean measurements pull them back only
    once they are a sizeable part of the error, so they freeze where the steps
    die out and the error levels off there: the budget must be short. U U^T,
    DCT operator, d = 100, r = 3: alpha = 1e-7 with K = 1.5 froze at 2e-5
    (p = 0.3) and 3e-3 (p = 0.5) with r' = 2r against 1e-9 with r' = r, and
    slower decay made it worse (rho = 0.99: 3e-3 at p = 0.3), so neither the
    iteration cap nor rounding was the cause; with alpha = 1e-10, K = 0.75
    left the signal unfitted (0.5), K = 1 gave 2e-12 .. 3e-8, K = 1.1 1e-13 ..
    4e-7 and K = 1.25 already 1e-5 at p = 0.5. Smaller alpha lowers the floors
    (alpha = 1e-13, K = 1: 2e-10 at p = 0.5, r' = 2r); so does it under the
    adaptive rule (F G^T, p = 0.5, r' = 5r: alpha = 1e-6, 1e-8, 1e-10 give
    4e-4, 2e-5, 7e-7), hence alpha = 1e-10 for both parameterizations. The weakest signal component needs the budget to be long
    enough to grow (K = 1 left sigma_1 / sigma_r = 2.5 unfitted). For
    X = F G^T no K served both: alpha = 1e-4, K = 2.5 froze at 1e-4 .. 9e-2 on
    DCT sensing with r' > r even without outliers, while alpha = 1e-10 with
    K = 1.5 left a component of the 80 x 70 robust completion test unfitted
    (2e-2; it needs K = 1.75 and about 1500 iterations). The adaptive rule
    keeps the short post-fit budget (eta_0 / (1 - rho) in relative units,
    plus the held steps) but no longer spends budget during the growth.

    Measured with the defaults (random-sign DCT operator of bench/recovery.py,
    m = 12 d r / (1-p)^2 capped at d^2, outliers +-10 x mean |y| on a
    fraction p, max_iter 800, float64): X = U U^T, d = 100 (r = 3) and
    d = 200 (r = 4), p in {0, 0.1, 0.3, 0.5}, r' in {r, 2r, 5r}: final
    errors 3e-11 .. 1.3e-7 (the largest at d = 100, p = 0.5, r' > r), 1e-6
    reached in 462-499 iterations (g = 1: 2e-12 .. 3.3e-8 in 414-440; the
    former fixed budget: 640-690, final errors up to 3.5e-7); Gaussian noise
    1e-3 (noise level 7.9e-4): 3.0e-4 whatever the rule.
    X = F G^T on the same operator at d = 100, p in {0, 0.3, 0.5}: 6e-10 ..
    6.5e-7 (the largest at p = 0.5, r' > r), 590-630 iterations; on
    Gaussian sensing (d = 24, r = 2, p in {0, 0.3}, r' up to 5r) 2e-9 ..
    7e-8 in about 610-650 iterations; robust completion (the 80 x 70 test,
    and 1000 x 1000 rank 5 with 20% observed, 10% corrupted) 1.6e-9 and
    8.3e-9 (1e-6 at 624 and 611; the latter stops at tol after 743).
    Ill-conditioned X = U U^T, singular values 1, 1/2, 1/4 (d = 100, r = 3,
    p in {0, 0.3, 0.5}, r' in {r, 2r}): 1.1e-10 .. 6.6e-9, 1e-6 in 508-545
    iterations (g = 1: 5e-12 .. 1.2e-9 in 464-518). Small problems with
    sigma_1 / sigma_r = 4 (r = 2): Gaussian sensing, d = 20, no outliers,
    six seeds: all six below 1e-6 (7e-11 .. 1e-8, 1e-6 in 487-599
    iterations; g = 1: two of six, the others at 0.25-0.3); DCT, d = 30,
    p in {0, 0.3}, r' in {r, 2r}, six seeds (24 runs): 18 below 1e-6 (1e-6
    in 515-697 iterations), one at 4.3e-6, five left at 0.2-0.3 (g = 1: 7 of
    24 below 1e-6). Singular values 1, 1/sqrt(10), 1/10, max_iter 1500:
    three of the six DCT d = 100 cases reach 8e-16 .. 8e-9 (p = 0.3 both r',
    p = 0.5 with r' = 2r; 1e-6 in 785-901 iterations), the others and both
    small Gaussian problems stay at 0.1 (g = 1: all at 0.1).
    The regrowth costs where gross outliers already left a floor: d = 30,
    p = 0.5 with full sampling (m = d^2), r' in {2r, 5r}, three seeds: 3.3e-6
    .. 1.4e-3 (g = 1: 5.2e-7 .. 9.2e-3; g = 1.02: 2.2e-4 .. 2.3e-2).
    What remains: an ill-conditioned X = F G^T. Its default step (eta_0
    0.1, needed by the surplus floors below) makes the growth phase about
    four times longer than for U U^T (first rise near iteration 285 against
    80), so a component four times weaker needs about 1100 iterations at
    eta_0 after that, which no rule that still converges the other cases in
    800 iterations keeps: with the defaults all six cases above stay at
    0.50-0.52 (condition 10: 0.33) even with max_iter 1500. Measured
    alternatives for F G^T (1500 iterations on the ill-conditioned cases,
    800 on the F G^T grid above): g = 1.01 or 1.02 fits at most one of six
    (g = 1.01 also slows the grid to 630-690 iterations); g = 1.03 fits four
    but leaves the grid at 7e-7 .. 4.4e-6; g = 1.02 with rho = 0.97 fits
    five (in 1310-1430 iterations) but leaves the grid at 6e-5 .. 3e-4;
    eta_0 0.2 with g = 1.01 fits four and speeds the grid up (1e-6 in
    514-551 iterations) but lifts its p = 0.5, r' > r floors to 9e-6 ..
    2.5e-5, and a cap of 4 eta_0 reached by g = 1.01 during the growth does
    the same (7e-4 .. 2e-3). The case p = 0.5, r' = 2r stayed above 1e-5 in
    every variant: the surplus columns' growth along the outliers' matrix
    outruns the weak component's. For U U^T, g = 1.02 fits more weak
    components (condition 4: 23 of the 24 small DCT runs; condition 10: 5
    of the 6 DCT cases) but slows the grid to 536-575 iterations (floors up
    to 3.1e-7) and raises the d = 30, p = 0.5 floors above (2.2e-4 .. 2.3e-2
    against 3.3e-6 .. 1.4e-3 with 1.01); g = 1.015 lies between (21 of 24
    small DCT runs, one more at 1.0e-6; one Gaussian problem needs 704
    iterations); g = 1.005 left a condition-4 Gaussian problem unfitted. Also tried and dropped: shrinking
    only when the mean loss over the last 10 iterations rose above that of
    the 10 before (the step stays large: 2e-4 .. 2e-2 on the F G^T cases).
    So eta_0 and rho still trade the same two effects: they set the post-fit
    budget, and rho must also stay above what the slowest contraction
    allows (robust completion stalled at 2e-4 .. 2e-3 with rho = 0.9); the
    defaults lie inside the window on all the well-conditioned cases above.
    Earlier rules tried and dropped: hold until the loss first falls by 1%,
    then geometric; hold while consecutive sub-gradients agree (cosine >=
    0.3); pause the decay while the best loss falls by 0.3% per 20
    iterations; a larger ``step`` for ill-conditioned X (0.3 fits the U U^T
    cases but lifts the U U^T floors with outliers and r' > r to 8e-6 ..
    2e-5 at d = 30, p = 0.5). Each served either robust completion or
    F G^T with p = 0.5, r' > r, not both.

    Provenance. The l1 objective ``f(U) = (1/m) ||y - A(U U^T)||_1``,
    SubGM ``U_{t+1} = U_t - eta_t Q_t`` with the sub-gradient
    ``Q_t = (1/m) sum_i sign(<A_i, U_t U_t^T> - y_i) (A_i + A_i^T) U_t``,
    small initialization ``U_0 = alpha B`` and geometric steps
    ``eta_t = eta_0 rho^t`` are Ma and Fattahi's (arXiv 2202.08788, as
    stated in its abstract and introduction); Xiong, Ding and Du (arXiv
    2310.01769) initialise F and G at scales alpha and alpha/3 and apply their
    modification once, as step (5.1) of their Section 5, when the iterate is
    close to the solution (both as cited by the paper's ICLR 2024 reviews).
    The bodies of the papers (their algorithm boxes, equations and constants)
    could not be read when this was written: the stored copies reachable
    (ar5iv and markdown mirrors of both arXiv ids, the SPIQA text of
    2202.08788) gave only their openings. The step-size normalisations, the
    default eta_0, decay and alpha, and the rebalancing below are therefore
    lralg's; the rebalancing reproduces the published behaviour (an
    alpha-independent linear rate after the switch, see bench/recovery.py
    and tests/test_recovery.py) but is to be checked against (5.1).

    The one-step modification of "gd-onestep": at the first iterate with
    relative residual below ``switch_tol``, replace ``(F, G)`` by
    ``(F P^{-1/2} c, G P^{1/2} / c)`` with ``P = F^T F`` and ``c = sqrt(L2)``.
    The product ``F G^T`` is unchanged; F becomes perfectly conditioned
    (all its singular values equal c), which removes the dependence of the
    later linear rate on the (alpha-sized) smallest singular values of F. Then
    plain GD resumes.

    "scaled-subgradient" (preconditioned sub-gradient steps). With
    ``Q_F = S G`` and ``Q_G = S^T F`` the blocks of the l1 sub-gradient
    (``S = A*(sign(A(F G^T) - y)) / m``), each iteration is
    ``F <- F - eta_t Q_F (G^T G + lambda I)^{-1}``,
    ``G <- G - eta_t Q_G (F^T F + lambda I)^{-1}`` (both from the current
    F, G), and ``U <- U - eta_t (S + S^T) U (U^T U + lambda I)^{-1}`` for
    X = U U^T: one k x k solve per factor (k = r'), O((n1 + n2) k^2 + k^3)
    on top of the sub-gradient. The undamped update
    ``L <- L - eta S R (R^T R)^{-1}``, ``R <- R - eta S^T L (L^T L)^{-1}``
    is Tong, Ma and Chi's ScaledSM (arXiv 2010.13364), which starts from a
    spectral initialization with the true rank and uses Polyak's or
    geometrically decaying steps normalised by the scaled norm of the
    sub-gradient (as in the authors' published experiment code; the stored
    copies of the paper gave only its abstract). The damping ``lambda I``,
    which keeps the step bounded from a small random initialization and with
    an over-estimated rank, is that of Xu, Shen, Ma and Chi's ScaledGD(lambda)
    (arXiv 2302.01186, gradient descent on the l2 loss; only its abstract
    could be read: "damped preconditioning", small random initialization,
    over-parameterization, a rate logarithmic in the condition number).
    lralg's choices, measured: the sub-gradient of the l1 loss in place of
    the gradient with the damped preconditioner, the step units
    ``eta_0 = step * L2 / L1`` (the preconditioner divides by factor Gram
    matrices, which have the units of X), the adaptive schedule of
    "subgradient" (same rule, rho and g), eta_0 = 0.025, lambda = 0.05 L2
    and alpha = 1e-30. While a column of the factors is below about
    ``sqrt(lambda)`` it grows as in "subgradient" with the step scaled by
    ``1 / lambda``; above, the preconditioner equalises the rates of strong
    and weak components, which is what removes the condition number. The
    damping trades two effects: the surplus columns (r' > r) grow along the
    outliers' matrix at a rate ``1 / lambda``, and a component with
    ``sigma_i`` below about ``2 lambda`` grows as slowly as without
    preconditioning. The tiny alpha keeps the surplus columns small (the
    growth phase costs only about ``log(1/alpha)`` times a constant in
    iterations). Measured on the DCT operator of bench/recovery.py, d = 100,
    r = 3, p in {0, 0.3, 0.5}, r' in {r, 2r, 5r}, max_iter 1000, singular
    values 1, kappa^-1/2, 1/kappa, two seeds: X = F G^T with kappa = 1, 4
    and 10: 53 of 54 runs below 1e-6 (final 6e-15 .. 1e-7; 1e-6 in 477-697
    iterations, against 590-630 for "subgradient" at kappa = 1, which leaves
    kappa = 4 and 10 at 0.5 and 0.33); the 54th (kappa = 10, p = 0.5,
    r' = r) is at 3e-6 after 1000 and reaches 1e-6 at iteration 1032.
    X = U U^T with g = 1.01: 54 of 54 (3e-14 .. 6e-12, 1e-6 in 443-555
    iterations). The benchmark's table (its own draws, seed 0, r' up to 5r):
    F G^T 18 of 18 (1e-13 .. 5e-8, 1e-6 in 560-650), U U^T 18 of 18.
    Extra cost per iteration: the two k x k Gram matrices, inverses and
    products, 20-45 us at d = 100 (k = 3 .. 15) and 35-160 us at n = 1000
    (k = 5 .. 25), against about 0.5 ms (DCT, d = 100) and 10 ms
    (completion, n = 1000) for the sub-gradient itself. Robust completion 1000 x 1000
    (rank 5, 20% observed, 10% corrupted): 2.9e-14, 1e-6 at iteration 511
    (against 611 for "subgradient"); the 80 x 70 test 3.5e-11 (1e-6 at 518
    against 624). Alternatives measured on the
    F G^T grid (eta_0 in {0.02, 0.03, 0.05}): lambda = 0.1 L2 leaves
    kappa = 10 unfitted (lambda equals sigma_r); lambda = 0.03 L2 leaves
    p = 0.5, r' > r at 4e-5 or above; alpha = 1e-20 at 4e-5 .. 1e-3 and
    with alpha = 1e-10 no lambda in 0.01 .. 1 L2 fitted all of them; with
    the other defaults, eta_0 = 0.05 leaves them at 3e-6 .. 4e-4, eta_0 = 0.02 one
    kappa = 10 case unfitted in 1000 iterations (it needs 1450), and g = 1.01
    the kappa = 10 ones at 4e-6 .. 7e-6. Limits: small
    problems (Gaussian sensing, d = 12, r = 2, m = 12 d r / (1-p)^2,
    p in {0, 0.2}, r' = 2r, 12 runs each): sigma_1 / sigma_r = 4 fitted in
    10 of 12 (F G^T; U U^T 10 of 12), sigma_1 / sigma_r = 10 in 0 of 12 (F
    G^T; U U^T 3 of 12): there lambda = 0.05 L2 is above sigma_r / 2.
    ``damping=0.02`` fits all 48 (both conditionings), but a damping of 0.03 (with
    eta_0 0.02 .. 0.05) left the d = 100, p = 0.5, r' > r cases at
    4e-5 or above: pass a smaller damping for strongly ill-conditioned X with
    few outliers.
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
    Z1 = gen.standard_normal((n1, 1)).astype(dtype)
    Z2 = gen.standard_normal((n2, 1)).astype(dtype)
    gamma = float(np.linalg.norm(op._forward(Z1, Z2)) ** 2) / (m * float(np.sum(Z1**2) * np.sum(Z2**2)))
    if not gamma > 0.0:
        raise ValueError("the operator maps a random rank-one matrix to zero; it cannot recover X")
    L2 = op._adjoint_norm(y) / (m * gamma)
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
        L1 = op._adjoint_norm(np.sign(y).astype(dtype)) / m
        if not L1 > 0.0:
            raise ValueError("the back-projection of sign(y) is zero")
        base_step = step / L1
        if method == "scaled-subgradient":
            base_step *= L2  # the preconditioner divides by factor Gram matrices (units of X)
    else:
        base_step = step / (gamma * L2)

    # Operators that measure the matrix itself (Gaussian, user) take X_t = F G^T,
    # formed once per iterate and reused for the recorded error.
    dense = hasattr(op, "_forward_matrix")
    current = {}

    def evaluate(F, G):
        if dense or X_true is not None:
            current["X"] = F @ G.T
        r = (op._forward_matrix(current["X"]) if dense else op._forward(F, G)) - y
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
    for t in range(1, max_iter + 1):
        if loss == "l1":
            s = np.sign(r).astype(dtype) / m  # Q_t = A*(sign(A(X_t) - y)) / m, times the factors
            eta = schedule.step()
        else:
            s = (r / m).astype(dtype)
            eta = base_step
        SG, StF = op._adjoint_times(s, F, G)
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
        if method == "gd-onestep" and switch_iter is None and float(np.linalg.norm(r)) <= switch_tol * y_norm:
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
        if verbose and (t % report_every == 0 or t == 1):
            print(
                f"recover[{method}] iter {t:6d}  loss {f:.4e}  error {errors[-1]:.3e}  step {eta:.3e}",
                file=sys.stderr,
            )
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
        if fit <= tol or change <= tol:
            converged = True
            message = "residual below tol (relative)" if fit <= tol else "relative change below tol"
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
    )
