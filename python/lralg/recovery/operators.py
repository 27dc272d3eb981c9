"""Measurement operators of robust recovery: the protocol and the built-in operators."""

from __future__ import annotations

import abc

import numpy as np

from .. import _core
from .._validate import check_array, check_int, seed_from_rng

__all__ = ["EntrySampling", "GaussianSensing", "MeasurementOperator"]


class MeasurementOperator(abc.ABC):
    """A linear measurement operator ``A``: ``(n1, n2)`` matrices to ``R^m``.

    :func:`recover` works with any subclass. A subclass sets ``shape`` (the
    matrix shape ``(n1, n2)``) and ``n_measurements`` (m) and implements
    :meth:`matvec` and :meth:`rmatvec`; the three products the iterations
    need have default implementations through those two, which an operator
    with a faster way to apply itself to factors overrides. Objects that only
    have ``matvec`` and ``rmatvec`` (a ``scipy.sparse.linalg.LinearOperator``
    on the flattened matrix among them) are wrapped in one by :func:`recover`.

    Attributes
    ----------
    shape : (int, int)
        Shape of the measured matrices.
    n_measurements : int
        Number of measurements m.
    measures_product : bool
        True when the operator measures the matrix ``F G^T`` itself, which
        :func:`recover` then forms once per iteration and passes to
        :meth:`matvec`; False when :meth:`forward` works from the factors.

    Examples
    --------
    Measurements of the row sums of a matrix:

    >>> import numpy as np, lralg
    >>> class RowSums(lralg.MeasurementOperator):
    ...     def __init__(self, n1, n2):
    ...         self.shape, self.n_measurements = (n1, n2), n1
    ...     def matvec(self, X):
    ...         return np.asarray(X).sum(axis=1)
    ...     def rmatvec(self, y):
    ...         return np.repeat(np.asarray(y)[:, None], self.shape[1], axis=1)
    >>> op = RowSums(3, 2)
    >>> op.matvec(np.ones((3, 2)))
    array([2., 2., 2.])
    >>> op.forward(np.ones((3, 1)), np.ones((2, 1)))  # A(F G^T), through matvec
    array([2., 2., 2.])
    """

    shape: tuple
    n_measurements: int
    measures_product = True

    @abc.abstractmethod
    def matvec(self, X) -> np.ndarray:
        """``y = A(X)`` for an ``(n1, n2)`` matrix X.

        Parameters
        ----------
        X : numpy.ndarray of shape ``shape``
            The matrix to measure.

        Returns
        -------
        numpy.ndarray of shape (m,)
        """

    @abc.abstractmethod
    def rmatvec(self, y) -> np.ndarray:
        """The adjoint ``A*(y) = sum_i y_i A_i``.

        Parameters
        ----------
        y : numpy.ndarray of shape (m,)
            Weights of the measurement matrices.

        Returns
        -------
        numpy.ndarray of shape ``shape``
        """

    def forward(self, F, G) -> np.ndarray:
        """``A(F G^T)`` for factors F and G.

        Parameters
        ----------
        F : numpy.ndarray of shape (n1, k)
            Left factor.
        G : numpy.ndarray of shape (n2, k)
            Right factor.

        Returns
        -------
        numpy.ndarray of shape (m,)
        """
        return self.matvec(F @ G.T)

    def adjoint_times(self, s, F, G) -> tuple:
        """``(S G, S^T F)`` with ``S = A*(s)``: the blocks of the factored gradient.

        Parameters
        ----------
        s : numpy.ndarray of shape (m,)
            Weights of the measurement matrices.
        F : numpy.ndarray of shape (n1, k)
            Left factor.
        G : numpy.ndarray of shape (n2, k)
            Right factor.

        Returns
        -------
        tuple of numpy.ndarray
            ``S G`` of shape (n1, k) and ``S^T F`` of shape (n2, k).
        """
        S = self.rmatvec(s)
        return S @ G, S.T @ F

    def adjoint_norm(self, s) -> float:
        """The spectral norm ``||A*(s)||_2``.

        Parameters
        ----------
        s : numpy.ndarray of shape (m,)
            Weights of the measurement matrices.

        Returns
        -------
        float
        """
        return float(np.linalg.norm(self.rmatvec(s), 2))


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


class GaussianSensing(MeasurementOperator):
    """Gaussian linear measurements ``A(X)_i = <A_i, X>``, i = 0..m-1.

    The entries of ``A_i`` are i.i.d. standard normal, drawn by the core's
    counter-based generator keyed by ``(seed, i, entry)``. The draws are kept
    (drawn once, at the first product) when they fit in ``max_bytes``;
    above it each product regenerates them, so the papers' sizes need no
    ``m x n1 x n2`` tensor. Both give the same bits, for any number of threads.

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
        Source of the 64-bit key of the generator (SPEC 7).
    max_bytes : int >= 0, default 2**28
        Memory budget for keeping the draws (``8 m n1 n2`` bytes, about half
        that with ``symmetric=True``); 0 always regenerates. The property
        ``stored_bytes`` says how many bytes are kept.

    Raises
    ------
    ValueError
        A shape or m below 1, ``symmetric=True`` with a non-square shape, a
        negative ``max_bytes``.
    TypeError
        Sizes that are not integers, a ``symmetric`` that is not a bool.

    Notes
    -----
    A product costs O(m n1 n2) either way: reading the kept draws (memory
    bound), or regenerating the ``m n1 n2`` normals (``m n (n+1) / 2`` with
    ``symmetric=True``) in vectorised batches, several times slower.

    References
    ----------
    .. [1] J. Ma and S. Fattahi, "Global convergence of sub-gradient method
       for robust matrix recovery: small initialization, noisy measurements,
       and over-parameterization", arXiv:2202.08788.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> op = lralg.GaussianSensing(4, 10, rng=0)
    >>> X = np.eye(4)
    >>> y = op.matvec(X)
    >>> y.shape
    (10,)
    >>> A3 = op.measurement_matrix(3)
    >>> np.allclose(A3, A3.T), bool(np.isclose(y[3], np.sum(A3 * X)))
    (True, True)
    >>> np.allclose(op.rmatvec(np.eye(10)[3]), A3)  # the adjoint of e_3 is A_3
    True
    """

    def __init__(self, shape, n_measurements, *, symmetric=True, rng=None, max_bytes=2**28):
        self.shape = _check_shape(shape)
        self.n_measurements = check_int(n_measurements, "n_measurements", low=1)
        if not isinstance(symmetric, (bool, np.bool_)):
            raise TypeError(f"symmetric must be a bool, got {type(symmetric).__name__}")
        self.symmetric = bool(symmetric)
        if self.symmetric and self.shape[0] != self.shape[1]:
            raise ValueError(f"symmetric=True needs a square shape, got {self.shape}")
        self.seed = seed_from_rng(rng)
        self.max_bytes = check_int(max_bytes, "max_bytes", low=0)
        self._draws = None

    @property
    def stored_bytes(self) -> int:
        """Bytes of draws kept (0 before the first product or above ``max_bytes``)."""
        return 0 if self._draws is None else self._draws.nbytes

    def _stored(self):
        """The kept draws (drawn now if they fit the budget), or None."""
        if self._draws is None:
            n1, n2 = self.shape
            entries = n1 * (n1 + 1) // 2 if self.symmetric else n1 * n2
            if 8 * self.n_measurements * 4 * ((entries + 3) // 4) <= self.max_bytes:
                self._draws = _core.gaussian_draws(self.seed, n1, n2, self.n_measurements, self.symmetric)
        return self._draws

    def __repr__(self):
        return (
            f"GaussianSensing(shape={self.shape}, n_measurements={self.n_measurements}, "
            f"symmetric={self.symmetric})"
        )

    def measurement_matrix(self, i) -> np.ndarray:
        """The measurement matrix ``A_i``, regenerated from the key.

        Parameters
        ----------
        i : int
            Index of the measurement, in ``[0, m)``.

        Returns
        -------
        numpy.ndarray of shape ``shape``, float64

        Raises
        ------
        ValueError
            ``i`` out of range.
        """
        i = check_int(i, "i", low=0, high=self.n_measurements - 1)
        return _core.gaussian_measurement_matrix(self.seed, *self.shape, i, self.symmetric)

    def matvec(self, X) -> np.ndarray:
        """``y = A(X)``, in X's floating dtype.

        Parameters
        ----------
        X : array_like of shape ``shape``
            The matrix to measure.

        Returns
        -------
        numpy.ndarray of shape (m,)

        Raises
        ------
        ValueError
            X of another shape, or with NaN or Inf.
        """
        X = check_array(X, "X")
        if X.shape != self.shape:
            raise ValueError(f"X must have shape {self.shape}, got {X.shape}")
        return _core.gaussian_matvec(
            self.seed, self.n_measurements, self.symmetric, np.ascontiguousarray(X), self._stored()
        )

    def rmatvec(self, y) -> np.ndarray:
        """The adjoint ``sum_i y_i A_i``, in y's floating dtype.

        Parameters
        ----------
        y : array_like of shape (m,)
            Weights of the measurement matrices.

        Returns
        -------
        numpy.ndarray of shape ``shape``

        Raises
        ------
        ValueError
            y of another length, or with NaN or Inf.
        """
        y = check_array(y, "y", ndim=1)
        if y.shape[0] != self.n_measurements:
            raise ValueError(f"y must have length {self.n_measurements}, got {y.shape[0]}")
        return _core.gaussian_rmatvec(
            self.seed, *self.shape, self.symmetric, np.ascontiguousarray(y), self._stored()
        )


class EntrySampling(MeasurementOperator):
    """Observed entries: ``A(X)_k = X[rows[k], cols[k]]`` (matrix completion).

    With ``loss="l1"`` in :func:`recover` this is robust matrix completion:
    a fraction of the observed entries may be grossly corrupted.

    Parameters
    ----------
    shape : int or (int, int)
        Shape of the matrix.
    rows, cols : array_like of int, shape (m,)
        Positions of the observed entries (repeats are allowed and count twice).

    Raises
    ------
    ValueError
        Empty or out-of-range indices, ``rows`` and ``cols`` of different lengths.
    TypeError
        Indices that are not integers.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> op = lralg.EntrySampling((2, 3), rows=[0, 1, 1], cols=[2, 0, 2])
    >>> X = np.arange(6.0).reshape(2, 3)
    >>> op.matvec(X)
    array([2., 3., 5.])
    >>> op.rmatvec(np.array([1.0, 1.0, 1.0]))
    array([[0., 0., 1.],
           [1., 0., 1.]])
    """

    measures_product = False

    def __init__(self, shape, rows, cols):
        self.shape = _check_shape(shape)
        rows = self._indices(rows, "rows", self.shape[0])
        cols = self._indices(cols, "cols", self.shape[1])
        if rows.shape != cols.shape:
            raise ValueError(f"rows and cols must have the same length, got {rows.size} and {cols.size}")
        self._rows, self._cols = rows, cols
        self.n_measurements = int(rows.size)
        n1, n2 = self.shape
        self._order_r = np.argsort(rows, kind="stable").astype(np.int64)
        self._order_c = np.argsort(cols, kind="stable").astype(np.int64)
        self._ptr_r = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n1))]).astype(np.int64)
        self._ptr_c = np.concatenate([[0], np.cumsum(np.bincount(cols, minlength=n2))]).astype(np.int64)
        for index in (self._order_r, self._order_c, self._ptr_r, self._ptr_c):
            index.flags.writeable = False
        self._index = (n1, n2, self._rows, self._cols, self._ptr_r, self._order_r, self._ptr_c, self._order_c)

    @property
    def rows(self) -> np.ndarray:
        """Row of each observed entry (a read-only copy of what was passed)."""
        return self._rows

    @property
    def cols(self) -> np.ndarray:
        """Column of each observed entry (a read-only copy of what was passed)."""
        return self._cols

    def __reduce__(self):
        # Rebuilt through __init__, so a tampered pickle is validated like any input.
        return (type(self), (self.shape, np.array(self._rows), np.array(self._cols)))

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
        # A private copy: the kernels index with it, so the caller's array
        # (which they may edit later) is never shared.
        out = np.array(arr, dtype=np.int64, order="C", copy=True)
        out.flags.writeable = False
        return out

    def __repr__(self):
        return f"EntrySampling(shape={self.shape}, n_measurements={self.n_measurements})"

    def matvec(self, X) -> np.ndarray:
        X = check_array(X, "X")
        if X.shape != self.shape:
            raise ValueError(f"X must have shape {self.shape}, got {X.shape}")
        return X[self._rows, self._cols]

    def rmatvec(self, y) -> np.ndarray:
        y = check_array(y, "y", ndim=1)
        if y.shape[0] != self.n_measurements:
            raise ValueError(f"y must have length {self.n_measurements}, got {y.shape[0]}")
        n1, n2 = self.shape
        flat = np.bincount(self._rows * n2 + self._cols, weights=y, minlength=n1 * n2)
        return flat.reshape(n1, n2).astype(y.dtype, copy=False)

    def forward(self, F, G):
        return _core.entry_forward(*self._index, F, G)

    def adjoint_times(self, s, F, G):
        return _core.entry_adjoint_times(*self._index, s, F, G)

    def adjoint_norm(self, s):
        # Spectral norm of the sparse S = A*(s) by power iteration from a fixed start.
        n1, n2 = self.shape
        # A fixed Gaussian start: the all-ones vector lies in the null space of
        # sign patterns such as [[1, -1], [-2, 2]], which then read as zero.
        v = np.random.default_rng(0).standard_normal((n2, 1)).astype(s.dtype)
        v /= np.linalg.norm(v)
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


class _UserOperator(MeasurementOperator):
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


def _as_operator(operator, n_measurements, matrix_shape):
    if isinstance(operator, MeasurementOperator):
        if matrix_shape is not None and _check_shape(matrix_shape, "matrix_shape") != operator.shape:
            raise ValueError(f"matrix_shape {matrix_shape} differs from operator.shape {operator.shape}")
        if operator.n_measurements != n_measurements:
            raise ValueError(
                f"y has {n_measurements} measurements but the operator makes {operator.n_measurements}"
            )
        return operator
    if not (callable(getattr(operator, "matvec", None)) and callable(getattr(operator, "rmatvec", None))):
        raise TypeError(
            "operator must be a MeasurementOperator (GaussianSensing, EntrySampling, ...) "
            "or an object with matvec and rmatvec, "
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
