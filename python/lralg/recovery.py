"""Robust low-rank matrix recovery from linear measurements.

Two algorithms on the factored (Burer-Monteiro) form of the unknown matrix:

* the sub-gradient method on the l1 loss ``(1/m) ||y - A(X)||_1`` with small
  random initialization and an over-estimated rank (Ma and Fattahi 2022,
  arXiv 2202.08788, "SubGM"), with ``X = U U^T`` (symmetric) or ``X = F G^T``
  (asymmetric), and geometrically decaying step sizes ``eta_t = eta_0 rho^t``;
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
        return (f"GaussianSensing(shape={self.shape}, n_measurements={self.n_measurements}, "
                f"symmetric={self.symmetric})")

    def measurement_matrix(self, i) -> np.ndarray:
        """The matrix ``A_i`` (float64), regenerated from the key; for inspection."""
        i = check_int(i, "i", low=0, high=self.n_measurements - 1)
        return _core.gaussian_measurement_matrix(self.seed, *self.shape, i, self.symmetric)

    def matvec(self, X) -> np.ndarray:
        """``y = A(X)``, shape (m,), in X's floating dtype."""
        X = check_array(X, "X")
        if X.shape != self.shape:
            raise ValueError(f"X must have shape {self.shape}, got {X.shape}")
        return _core.gaussian_matvec(self.seed, self.n_measurements, self.symmetric,
                                     np.ascontiguousarray(X))

    def rmatvec(self, y) -> np.ndarray:
        """The adjoint ``sum_i y_i A_i``, shape ``self.shape``, in y's floating dtype."""
        y = check_array(y, "y", ndim=1)
        if y.shape[0] != self.n_measurements:
            raise ValueError(f"y must have length {self.n_measurements}, got {y.shape[0]}")
        return _core.gaussian_rmatvec(self.seed, *self.shape, self.symmetric,
                                      np.ascontiguousarray(y))

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
        self._index = (n1, n2, self.rows, self.cols, self._ptr_r, self._order_r, self._ptr_c,
                       self._order_c)

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
            if shape is not None and len(shape) == 2 and tuple(shape) == (n_measurements, self.shape[0] * self.shape[1]):
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


@dataclass
class RecoveryResult:
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

_METHODS = {"subgradient": "l1", "gd": "l2", "gd-onestep": "l2"}


def _check_choice(value, name, choices):
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r}")
    return value


def recover(y, operator, rank, *, loss=None, parameterization=None, method="subgradient",
            init_scale=None, step=None, decay=None, max_iter=1000, tol=1e-8, rng=None,
            verbose=False, callback=None, X_true=None, switch_tol=1e-2, matrix_shape=None,
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
    method : {"subgradient", "gd", "gd-onestep"}
        "subgradient": Ma and Fattahi's sub-gradient method (SubGM) on the l1
        loss, ``U_{t+1} = U_t - eta_t Q_t`` with ``Q_t`` a sub-gradient and
        ``eta_t = eta_0 rho^t``. "gd": gradient descent on the l2 loss with a
        constant step. "gd-onestep": "gd" with Xiong, Ding and Du's one-step
        modification (see Notes).
    init_scale : float > 0 or None
        alpha: U_0 = alpha * s * B (subgradient, both factors alike), or
        F_0 = alpha * s * B_F, G_0 = (alpha / 3) * s * B_G (GD, as in Xiong et
        al.), with B's entries i.i.d. N(0, 1/n) and s = sqrt of the spectral
        norm of the normalised back-projection of y (a scale of the factors).
        Default: 1e-10 for "subgradient" with X = U U^T, 1e-4 for
        "subgradient" with X = F G^T, 1e-3 for GD (see Notes).
    step : float > 0 or None
        eta_0 for "subgradient" (default 0.5) or the constant step of GD
        (default 0.25), both in units relative to the data (see Notes).
    decay : float in (0, 1] or None
        rho of the geometric step sizes of "subgradient". Default
        ``1 - step / (K log(1/alpha))`` with K = 1.1 for X = U U^T and 2.5
        for X = F G^T, so that the steps sum to K log(1/alpha) (0.980 with
        alpha 1e-10, 0.978 with alpha 1e-4). Ignored by GD. For an ill-conditioned X
        (sigma_1 / sigma_r above about 3) the default budget is too short for
        the weakest component to grow: raise ``decay`` (see Notes).
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
    uses ``eta_t = step * decay^t / L1`` with
    ``L1 = ||A*(sign(y))||_2 / m``, so that the first step changes the factors
    by about ``step`` relative to their size whatever the operator. These
    normalisations are lralg's (they make the defaults independent of the data
    scale); the rules themselves, geometric decay for SubGM and a constant step
    for GD, are the papers'.

    Small initialization, over-estimated rank and the decay (measured; the
    defaults are lralg's, derived from these measurements, not the paper's
    constants, which could not be read). With r' > r the r' - r surplus
    columns of U (their component outside the range of X) start at the alpha
    scale. Gross outliers whose residual sign never flips add a fixed matrix
    S_out = -(1/m) sum_outliers sign(o_i) A_i to every sub-gradient, of
    spectral norm about 2 sqrt(p d / m); along its negative directions the
    surplus columns grow by about exp(2 |lambda| eta_t) per step, and the
    clean measurements pull them back only once they are a sizeable part of
    the error. So the surplus grows during every step taken while the signal
    error (which tracks eta_t) is large, and freezes where the steps die out:
    the error of SubGM levels off at the frozen surplus. Measured on a
    random-sign DCT operator (d = 100, r = 3, random U, m = 12 d r / (1-p)^2
    capped at d^2; surplus = ||P_perp U U^T P_perp||_F / ||X||_F, float64):
    with alpha = 1e-7 and steps summing to 1.5 log(1/alpha) (the former
    defaults) the error froze at the surplus, 2e-5 for p = 0.3 and 3e-3 for
    p = 0.5 with r' = 2r, against 1e-9 with r' = r; slower decay made it worse
    (rho = 0.99: 3e-3 at p = 0.3), so neither the iteration cap nor rounding
    is the cause. What decides the floor is the step budget sum_t eta_t beyond
    what the signal needs to grow out of the initialization: with budget
    K log(1/alpha), K = 0.75 leaves the signal unfitted (error ~0.5), K = 1
    gives final errors 2e-12 .. 3e-8 for every p in {0, 0.1, 0.3, 0.5} and
    r' in {r, 2r, 5r} (alpha = 1e-10; at alpha = 1e-7 p = 0.5 still stops at
    2e-6), K = 1.25 already 1e-5 at p = 0.5. Smaller alpha helps (alpha =
    1e-10, 1e-13: floors 2e-8, 2e-10 at p = 0.5, r' = 2r, K = 1). The budget
    the signal needs grows with the condition number of X: K = 1 left the
    weaker component of a d = 30, r = 2, sigma_1 / sigma_2 = 2.5 case
    unfitted (error 0.23; K = 1.1: 6e-8); with sigma_1 / sigma_r = 4 (d = 100)
    K = 1 leaves it unfitted and K = 1.5 reaches 1e-9 for p <= 0.3 but 4e-6
    for p = 0.5, r' = 2r; more measurements (smaller S_out) widen that
    window. Hence the defaults alpha = 1e-10, K = 1.1: at d = 100 final
    errors 1e-13 .. 4e-7 for every p in {0, 0.1, 0.3, 0.5} and r' in
    {r, 2r, 5r} (the worst at p = 0.5, r' > r), about 640-690 iterations to
    1e-6; d = 200, r = 4, p = 0.5: 1e-13 .. 2e-9.
    X = F G^T behaves alike with a longer budget (each factor's gradient has
    one term, not two). Its defaults (alpha = 1e-4, K = 2.5) are kept for
    robust completion with r' = r (EntrySampling: 2e-15 on the test problem,
    where alpha = 1e-10 with K = 1.5 leaves a component unfitted, 2e-2, and
    needs K = 1.75 .. 2); on Gaussian-like sensing with r' > r they freeze
    at 1e-4 .. 9e-2 even without outliers, and ``init_scale=1e-10`` with
    ``decay = 1 - step / (1.5 log(1/alpha))`` (0.9855) gives 5e-9 .. 5e-7 for
    p in {0, 0.3, 0.5}, r' in {r, 2r, 5r} at d = 100 (850-890 iterations).

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
    symmetric = parameterization == "symmetric"
    if init_scale is None:
        init_scale = (1e-10 if symmetric else 1e-4) if method == "subgradient" else 1e-3
    alpha = check_real(init_scale, "init_scale", low=0.0, low_open=True)
    if method == "subgradient":
        step = 0.5 if step is None else check_real(step, "step", low=0.0, low_open=True)
        if decay is None:
            # Steps summing to K log(1/alpha) (K = 1.1 for U U^T, 2.5 for F G^T, whose
            # factors grow half as fast): just enough for the signal of a
            # well-conditioned X to grow out of the alpha-sized initialization
            # before the steps die out; more than that lets outliers inflate the
            # surplus columns (measured, see Notes).
            budget = (1.1 if symmetric else 2.5) * math.log(1.0 / min(alpha, 0.5))
            decay = 1.0 - min(0.5, step / budget)
        else:
            decay = check_real(decay, "decay", low=0.0, high=1.0, low_open=True)
    else:
        step = 0.25 if step is None else check_real(step, "step", low=0.0, low_open=True)
        if decay is not None:
            check_real(decay, "decay", low=0.0, high=1.0, low_open=True)
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
        g_alpha = alpha / 3.0 if method != "subgradient" else alpha
        F = alpha * scale * draw(n1)
        G = g_alpha * scale * draw(n2)

    if method == "subgradient":
        L1 = op._adjoint_norm(np.sign(y).astype(dtype)) / m
        if not L1 > 0.0:
            raise ValueError("the back-projection of sign(y) is zero")
        base_step = step / L1
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

    r, f = evaluate(F, G)
    f0 = f
    losses, errors, steps = [f], [error_of(F, G, np.nan)], []
    converged = False
    switch_iter = None
    message = "max_iter reached"
    t = 0
    report_every = max(1, max_iter // 20)
    for t in range(1, max_iter + 1):
        if loss == "l1":
            s = np.sign(r).astype(dtype) / m  # Q_t = A*(sign(A(X_t) - y)) / m, times the factors
            eta = base_step * decay ** (t - 1)
        else:
            s = (r / m).astype(dtype)
            eta = base_step
        SG, StF = op._adjoint_times(s, F, G)
        if parameterization == "symmetric":
            grad = SG + StF  # d/dU of loss(A(U U^T)) = (S + S^T) U
            U_new = U - eta * grad
            change = float(np.linalg.norm(U_new - U)) / max(float(np.linalg.norm(U)), 1e-300)
            U = U_new
            F = G = U
        else:
            F_new = F - eta * SG
            G_new = G - eta * StF
            change = math.sqrt(float(np.sum((F_new - F) ** 2) + np.sum((G_new - G) ** 2))
                               / max(float(np.sum(F**2) + np.sum(G**2)), 1e-300))
            F, G = F_new, G_new
        r, f = evaluate(F, G)
        if not (math.isfinite(f) and f <= 1e8 * max(f0, 1e-300)) or not (
            np.isfinite(F).all() and np.isfinite(G).all()
        ):
            raise DivergenceError(
                f"{method} diverged at iteration {t} (loss {f:.3g}, initial {f0:.3g}); "
                "use a smaller step"
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
        losses.append(f)
        errors.append(error_of(F, G, change))
        steps.append(eta)
        if verbose and (t % report_every == 0 or t == 1):
            print(f"recover[{method}] iter {t:6d}  loss {f:.4e}  error {errors[-1]:.3e}  step {eta:.3e}",
                  file=sys.stderr)
        if callback is not None:
            state = {"iteration": t, "loss": f, "error": errors[-1], "step": eta,
                     "factors": (U,) if parameterization == "symmetric" else (F, G)}
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
        message=message,
    )


def _demo() -> dict:
    """A small run for ``python -m lralg demo``: robust sensing with 20% outliers."""
    rng = np.random.default_rng(0)
    d, r, m = 16, 2, 640
    U = rng.standard_normal((d, r))
    X = U @ U.T
    op = GaussianSensing(d, m, rng=1)
    y = op.matvec(X)
    bad = rng.random(y.size) < 0.2
    y[bad] += 20 * rng.standard_normal(bad.sum()) * np.abs(y).mean()
    res = recover(y, op, 2 * r, rng=2, max_iter=800)
    err = np.linalg.norm(res.X - X) / np.linalg.norm(X)
    return {
        "problem": f"{d}x{d} rank {r} PSD, {m} Gaussian measurements, 20% outliers, rank 2r",
        "result": f"relative error {err:.1e} after {res.n_iter} sub-gradient steps",
    }
