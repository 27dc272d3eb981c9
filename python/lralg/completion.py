"""Low-rank matrix completion by (robust) alternating minimization.

``complete`` fits ``M ~ U V^T`` (plus a global mean and row/column offsets
with ``bias=True``) to the observed entries of M. Each sweep updates V from U
and then U from V, one independent least-squares problem per row, in parallel.

* ``method="robust-altmin"`` (Gu, Song, Yin, Zhang 2023, arXiv 2302.11068):
  each row's regression is solved approximately by conjugate gradients,
  warm-started from the previous factor and preconditioned by the R factor of
  a sparse sketch of the fixed factor, so a sweep costs O(|Omega| k) plus
  O((m + n) k^2) for the change of basis.
* ``method="altmin"`` (Jain, Netrapalli, Sanghavi 2013): each row solved
  exactly through its k x k normal matrix, O(|Omega| k^2) per sweep.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from . import _core
from ._device import check_device, cuda_backend, no_cuda_kernel
from ._progress import ProgressBar
from ._result import Result

__all__ = ["CompletionResult", "complete"]
from ._validate import (
    check_array,
    check_int,
    check_rank,
    check_real,
    check_rng,
    check_sparse,
    is_sparse,
    seed_from_rng,
)

_METHODS = {"robust-altmin": 0, "altmin": 1}
_INITS = ("svd", "random")

# robust-altmin's inner solver: at most _INNER_ITER conjugate-gradient steps per
# row and half-sweep, stopping early once the residual fell by _INNER_RTOL;
# the sketch has _SKETCH_FACTOR rows per unknown.
_INNER_ITER = 10
_INNER_RTOL = 1e-2
_SKETCH_FACTOR = 4
_REG_PER_ENTRY = False

# to_dense() refuses results larger than this many bytes unless told otherwise.
_DENSE_LIMIT_BYTES = 2**30


def _observations(M, name: str, *, shape=None, dtype=None) -> sp.csr_array:
    """The observed entries of M as canonical CSR.

    Sparse input: every stored entry is observed (explicit zeros included);
    duplicate (row, col) entries are summed, as scipy.sparse does. Dense
    input: NaN marks a missing entry; +-Inf is refused.
    """
    if is_sparse(M):
        csr = check_sparse(M, name, dtype=dtype)
    else:
        arr = check_array(M, name, allow_nan=True, dtype=dtype)
        if np.isinf(arr).any():
            raise ValueError(f"{name} contains Inf (use NaN to mark missing entries)")
        rows, cols = np.nonzero(~np.isnan(arr))
        csr = sp.csr_array((arr[rows, cols], (rows, cols)), shape=arr.shape)
        csr.sum_duplicates()
    if shape is not None and csr.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {csr.shape}")
    if csr.indptr.dtype != csr.indices.dtype:
        index = np.result_type(csr.indptr.dtype, csr.indices.dtype)
        csr = sp.csr_array((csr.data, csr.indices.astype(index), csr.indptr.astype(index)), shape=csr.shape)
    return csr


def _index_array(x, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype.kind not in "iu":
        if arr.size == 0 and arr.dtype.kind == "f":
            arr = arr.astype(np.int64)
        else:
            raise TypeError(f"{name} must hold integers, got dtype {arr.dtype}")
    if arr.ndim > 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    return np.ascontiguousarray(arr.reshape(-1), dtype=np.int64)


@dataclass(repr=False, eq=False)
class CompletionResult(Result):
    """A completed low-rank matrix ``M ~ mu + a 1^T + 1 b^T + U V^T``, returned by :func:`complete`.

    ``U, V = result`` unpacks the factors. Rows or columns without any
    observation have zero factors (and zero offsets), so their predictions are
    ``mean`` plus the other side's offset.

    Attributes
    ----------
    U : ndarray, shape (m, k)
        Row factors.
    V : ndarray, shape (n, k)
        Column factors.
    mean : float
        Global offset ``mu`` (0 unless fitted with ``bias=True``).
    row_bias, col_bias : ndarray of shape (m,) and (n,), or None
        Row and column offsets (``bias=True`` only).
    n_iter : int
        Sweeps run.
    converged : bool
        Whether the stopping rule of ``tol`` was met.
    history : list of dict
        Per sweep: ``sweep``, ``rmse`` (training RMSE after it), ``seconds``
        (wall time of the sweep) and ``cg_iterations`` (robust-altmin).
    method : str
        The method that fitted it.
    reg : float
        The regularization it was fitted with.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> M = np.array([[5.0, 3.0, np.nan], [4.0, np.nan, 1.0], [np.nan, 1.0, 1.0]])
    >>> res = lralg.complete(M, 1, reg=0.1, rng=0)
    >>> U, V = res
    >>> U.shape, V.shape, res.shape, res.rank
    ((3, 1), (3, 1), (3, 3), 1)
    """

    _unpack = ("U", "V")

    U: np.ndarray
    V: np.ndarray
    mean: float = 0.0
    row_bias: np.ndarray | None = None
    col_bias: np.ndarray | None = None
    n_iter: int = 0
    converged: bool = False
    history: list = field(default_factory=list)
    method: str = "robust-altmin"
    reg: float = 0.0

    def __post_init__(self):
        self.mean = float(self.mean)

    @property
    def shape(self) -> tuple:
        """``(m, n)``, the shape of the completed matrix."""
        return (self.U.shape[0], self.V.shape[0])

    @property
    def rank(self) -> int:
        """The rank k of the factors."""
        return self.U.shape[1]

    @property
    def bias(self) -> bool:
        """Whether the mean and the row and column offsets were fitted."""
        return self.row_bias is not None

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the factors (that of the observations)."""
        return self.U.dtype

    def predict(self, rows, cols) -> np.ndarray:
        """Completed entries at the positions ``(rows[p], cols[p])``.

        Parameters
        ----------
        rows, cols : array_like of int, shape (p,)
            Row and column indices, of the same length.

        Returns
        -------
        numpy.ndarray of shape (p,)
            ``mean + row_bias[rows] + col_bias[cols] + sum_j U[rows, j] V[cols, j]``,
            in the factors' dtype.

        Raises
        ------
        ValueError
            Indices out of range, or ``rows`` and ``cols`` of different lengths.
        TypeError
            Indices that are not integers.

        Examples
        --------
        >>> import numpy as np, lralg
        >>> M = np.outer([1.0, 2.0, 3.0], [1.0, 1.0, 2.0])
        >>> M[0, 2] = np.nan
        >>> res = lralg.complete(M, 1, rng=0)
        >>> np.round(res.predict([0], [2]), 3)
        array([2.])
        """
        r = _index_array(rows, "rows")
        c = _index_array(cols, "cols")
        if r.shape != c.shape:
            raise ValueError(f"rows and cols must have the same length, got {r.size} and {c.size}")
        m, n = self.shape
        if r.size and (r.min() < 0 or r.max() >= m):
            raise ValueError(f"rows must be in [0, {m}), got values in [{r.min()}, {r.max()}]")
        if c.size and (c.min() < 0 or c.max() >= n):
            raise ValueError(f"cols must be in [0, {n}), got values in [{c.min()}, {c.max()}]")
        return _core.completion_predict(self.U, self.V, self.mean, self.row_bias, self.col_bias, r, c)

    def to_dense(self, *, max_bytes: int = _DENSE_LIMIT_BYTES) -> np.ndarray:
        """The full m x n completed matrix.

        Parameters
        ----------
        max_bytes : int, default 2**30
            Largest result allowed, in bytes.

        Returns
        -------
        numpy.ndarray of shape (m, n)

        Raises
        ------
        ValueError
            The result would need more than ``max_bytes``; use :meth:`predict`.

        Examples
        --------
        >>> import numpy as np, lralg
        >>> M = np.outer([1.0, 2.0, 3.0], [1.0, 1.0, 2.0])
        >>> M[0, 2] = np.nan
        >>> np.round(lralg.complete(M, 1, rng=0).to_dense(), 3)
        array([[1., 1., 2.],
               [2., 2., 4.],
               [3., 3., 6.]])
        """
        m, n = self.shape
        need = m * n * self.dtype.itemsize
        if need > max_bytes:
            raise ValueError(
                f"to_dense: the {m} x {n} result needs {need / 2**20:.1f} MiB, over the limit of "
                f"{max_bytes / 2**20:.1f} MiB; use predict(rows, cols) or raise max_bytes"
            )
        out = self.U @ self.V.T
        if self.bias:
            out += self.mean
            out += self.row_bias[:, None]
            out += self.col_bias[None, :]
        return out

    def rmse(self, M_test) -> float:
        """Root mean squared error at the observed entries of ``M_test``.

        Parameters
        ----------
        M_test : scipy.sparse matrix or array_like, shape (m, n)
            Held-out entries, read as ``M`` is by :func:`complete` (stored
            entries of a sparse matrix, non-NaN entries of a dense one).

        Returns
        -------
        float

        Raises
        ------
        ValueError
            A shape other than the fitted one, or no observed entry.

        Examples
        --------
        >>> import numpy as np, lralg
        >>> M = np.outer([1.0, 2.0, 3.0], [1.0, 1.0, 2.0])
        >>> test = np.full_like(M, np.nan)
        >>> test[0, 2], M[0, 2] = M[0, 2], np.nan
        >>> round(lralg.complete(M, 1, rng=0).rmse(test), 3)
        0.0
        """
        test = _observations(M_test, "M_test", shape=self.shape, dtype=self.dtype)
        if test.nnz == 0:
            raise ValueError("M_test has no observed entries")
        sq = _core.completion_squared_residual(
            test.indptr,
            test.indices,
            test.data,
            *self.shape,
            self.U,
            self.V,
            self.mean,
            self.row_bias,
            self.col_bias,
        )
        return math.sqrt(sq / test.nnz)

    def fold_in(self, rows) -> CompletionResult:
        """Factors for new rows of observations, with V and the offsets held fixed.

        Each new row is solved exactly: its k x k regularized least-squares
        problem, with the ``reg`` of the fit.

        Parameters
        ----------
        rows : scipy.sparse matrix or array_like, shape (n_new, n)
            Observations of the new rows: the stored entries of a sparse
            matrix, or the non-NaN entries of a dense one.

        Returns
        -------
        CompletionResult
            ``U`` (and ``row_bias``) of the new rows, ``V`` shared with this
            result, so ``result.fold_in(new).predict(i, j)`` predicts for
            new row i.

        Raises
        ------
        ValueError
            A number of columns other than n, or NaN/Inf in sparse input.

        Examples
        --------
        >>> import numpy as np, lralg
        >>> M = np.outer([1.0, 2.0, 3.0], [1.0, 1.0, 2.0])
        >>> res = lralg.complete(M, 1, rng=0)
        >>> new = res.fold_in(np.array([[4.0, np.nan, np.nan]]))
        >>> np.round(new.predict([0], [2]), 3)
        array([8.])
        """
        new = _observations(rows, "rows", dtype=self.dtype)
        if new.shape[1] != self.shape[1]:
            raise ValueError(f"rows must have {self.shape[1]} columns, got {new.shape[1]}")
        k = self.rank
        X = np.zeros((new.shape[0], k + (1 if self.bias else 0)), dtype=self.dtype)
        Y = _with_ones(self.V) if self.bias else self.V
        _core.completion_solve_rows(
            new.indptr,
            new.indices,
            new.data,
            None,
            new.shape[0],
            new.shape[1],
            self.col_bias,
            Y,
            X,
            _METHODS["altmin"],
            self.reg,
            _REG_PER_ENTRY,
            self.mean,
            0,
            0.0,
            1,
            0,
            0,
        )
        U = np.ascontiguousarray(X[:, :k])
        row_bias = np.ascontiguousarray(X[:, k]) if self.bias else None
        return CompletionResult(
            U,
            self.V,
            mean=self.mean,
            row_bias=row_bias,
            col_bias=self.col_bias,
            n_iter=0,
            converged=True,
            method=self.method,
            reg=self.reg,
        )


def _with_ones(F: np.ndarray) -> np.ndarray:
    out = np.empty((F.shape[0], F.shape[1] + 1), dtype=F.dtype)
    out[:, :-1] = F
    out[:, -1] = 1
    return out


def _randomized_svd(A, k, rng, dtype, oversample=10, power=4):
    """Top-k singular triplets of sparse A by a randomized range finder with power
    iterations (Halko, Martinsson and Tropp 2011), in O(nnz(A) (k + oversample))
    per pass."""
    n = A.shape[1]
    Q = np.linalg.qr(A @ rng.standard_normal((n, min(n, k + oversample))).astype(dtype))[0]
    for _ in range(power):
        Q = np.linalg.qr(A @ np.linalg.qr(A.T @ Q)[0])[0]
    u, s, vt = np.linalg.svd((A.T @ Q).T, full_matrices=False)
    return (Q @ u)[:, :k], s[:k], vt[:k]


def _init_svd(csr, mu, k, rng, dtype):
    """Top-k singular vectors of the rescaled observed matrix, rows clipped (JNS13)."""
    A = (
        csr
        if mu == 0.0
        else sp.csr_array((csr.data - dtype.type(mu), csr.indices, csr.indptr), shape=csr.shape)
    )
    return _svd_factors(A, csr.nnz, k, rng, dtype)


def _svd_factors(A, nnz, k, rng, dtype):
    """_init_svd from the centred observations A (sparse, or an operator with
    ``toarray``) and their count: lralg.dask passes an operator on the cluster."""
    from scipy.sparse.linalg import ArpackError, svds

    m, n = A.shape
    p = nnz / (m * n)
    if k < min(m, n) - 1:
        v0 = rng.standard_normal(min(m, n)).astype(dtype)
        try:
            u, s, vt = svds(A, k=k, v0=v0)
        except ArpackError:
            # ARPACK stops when its Krylov space collapses (an observed matrix
            # of rank below k, e.g. one or two entries); a randomized range
            # finder has no such failure.
            u, s, vt = _randomized_svd(A, k, rng, dtype)
        order = np.argsort(s)[::-1]
        u, s, vt = u[:, order], s[order], vt[order]
    else:  # svds needs k < min(m, n) - 1; such ranks only make sense for small matrices
        if m * n > 4 * 10**7:
            raise ValueError(f"rank {k} is too close to min(m, n) for init='svd'; use init='random'")
        u, s, vt = np.linalg.svd(A.toarray(), full_matrices=False)
        u, s, vt = u[:, :k], s[:k], vt[:k]
    s = s / p
    # Clipping (Jain, Netrapalli, Sanghavi 2013): rows far above the incoherent
    # row norm sqrt(k / m) are zeroed, then the basis is re-orthonormalized.
    norms = np.linalg.norm(u, axis=1)
    limit = 2.0 * math.sqrt(max(math.log(m), 1.0)) * math.sqrt(k / m)
    u = np.where((norms > limit)[:, None], 0.0, u)
    q, _ = np.linalg.qr(u)
    scale = np.sqrt(np.maximum(s, 0.0))
    U = np.ascontiguousarray(q * scale, dtype=dtype)
    V = np.ascontiguousarray(vt.T * scale, dtype=dtype)
    return U, V


def _init_random(csr, mu, k, rng, dtype):
    centered = csr.data - mu
    mean_square = float(np.mean(centered**2)) if centered.size else None
    return _random_factors(csr.shape, mean_square, k, rng, dtype)


def _random_factors(shape, mean_square, k, rng, dtype):
    """_init_random from the mean square of the centred observations (None: none)."""
    m, n = shape
    q, _ = np.linalg.qr(rng.standard_normal((m, k)))
    level = math.sqrt(mean_square * m * n) if mean_square is not None else 1.0
    U = np.ascontiguousarray(q * math.sqrt(level / k), dtype=dtype)
    return U, np.zeros((n, k), dtype=dtype)


def complete(
    M,
    rank,
    *,
    method="robust-altmin",
    reg=0.0,
    bias=False,
    max_iter=100,
    tol=1e-6,
    init="svd",
    warm_start=None,
    rng=None,
    verbose=False,
    callback=None,
    device="cpu",
):
    """Complete a partially observed matrix with a rank-``rank`` factorization.

    Minimizes ``sum_{(i,j) observed} (M_ij - mu - a_i - b_j - u_i^T v_j)^2 +
    reg (||U||^2 + ||V||^2 + ||a||^2 + ||b||^2)`` by alternating minimization
    (the offsets ``mu, a, b`` only with ``bias=True``; ``mu`` is then the mean
    of the observed values). Each sweep updates V given U, then U given V, row
    by row in parallel.

    Parameters
    ----------
    M : scipy.sparse matrix/array or array_like, shape (m, n)
        Sparse: the stored entries are the observed ones (explicit zeros count
        as observed; duplicate (row, col) entries are summed, as scipy does).
        Dense: NaN marks a missing entry. Observed values must be finite.
        float32 stays float32; integer/bool input becomes float64.
    rank : int
        Rank k of the factorization, 1 <= k <= min(m, n).
    method : {"robust-altmin", "altmin"}
        "robust-altmin": approximate per-row solves (conjugate gradients,
        warm-started, preconditioned by a sketch of the fixed factor),
        ``O(|Omega| k)`` per sweep. "altmin": exact per-row solves,
        ``O(|Omega| k^2)`` per sweep.
    reg : float >= 0
        Tikhonov regularization of the factors (and offsets).
    bias : bool
        Fit a global mean and per-row and per-column offsets (ratings data).
    max_iter : int >= 0
        Maximum number of sweeps.
    tol : float >= 0
        Stop when the training RMSE falls below ``tol`` times the RMS of the
        (centered) observed values, or changes by less than ``tol`` relative to
        the previous sweep.
    init : {"svd", "random"}
        "svd": top-k singular vectors of the rescaled observed matrix with the
        row-norm clipping of Jain, Netrapalli and Sanghavi (2013), computed with
        scipy.sparse.linalg.svds. "random": a random orthonormal U.
    warm_start : CompletionResult, optional
        Start from these factors (same shape, rank and bias) instead of ``init``.
    rng : None, int or numpy.random.Generator
        Seeds the initialization and the sketches. Same seed, same result, for
        any number of threads.
    verbose : bool
        Show a progress bar on stderr.
    callback : callable, optional
        Called after each sweep with a dict (``sweep``, ``rmse``, ``seconds``,
        ``cg_iterations``, ``U``, ``V``); returning True stops the run.
    device : {"cpu", "cuda"}, default "cpu"
        "cuda": no CUDA kernel yet, it raises (see docs/cuda.md).

    Returns
    -------
    CompletionResult
        The factors (``U, V = result``), offsets, history and the methods
        ``predict``, ``rmse``, ``to_dense`` and ``fold_in``.

    Raises
    ------
    ValueError
        No observed entry, NaN/Inf among the observed values, a rank out of
        range, an unknown method or init, a ``warm_start`` that does not fit.
    TypeError
        Complex, object or string input.
    FloatingPointError
        The factors diverged (try ``reg > 0``).

    See Also
    --------
    recover : robust completion (l1 loss) with ``EntrySampling``.

    Notes
    -----
    "robust-altmin" costs ``O(|Omega| k)`` per sweep plus ``O((m + n) k^2)``, "altmin" ``O(|Omega| k^2)``.
    Both halves of a sweep run in parallel over rows, with the same result for any number of threads.
    No dense m x n array is formed. Rows or columns without observations get zero factors.

    References
    ----------
    .. [1] Y. Gu, Z. Song, J. Yin and L. Zhang, "Low rank matrix completion
       via robust alternating minimization in nearly linear time", ICLR 2024,
       arXiv:2302.11068.
    .. [2] P. Jain, P. Netrapalli and S. Sanghavi, "Low-rank matrix
       completion using alternating minimization", STOC 2013, arXiv:1212.0467.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> rng = np.random.default_rng(0)
    >>> M = rng.standard_normal((200, 5)) @ rng.standard_normal((5, 150))
    >>> observed = np.where(rng.random(M.shape) < 0.3, M, np.nan)  # NaN: missing
    >>> res = lralg.complete(observed, 5, tol=1e-10, rng=0)
    >>> error = np.linalg.norm(res.to_dense() - M) / np.linalg.norm(M)
    >>> bool(error < 1e-8), res.converged
    (True, True)

    Ratings, with a global mean and per-row and per-column offsets:

    >>> ratings = np.array([[5, 4, np.nan], [4, np.nan, 2], [np.nan, 2, 1.0]])
    >>> fit = lralg.complete(ratings, 1, bias=True, reg=0.5, rng=0)
    >>> round(fit.mean, 4)
    3.0
    """
    device = check_device(device)
    method_id, reg, max_iter, tol = _check_options(method, init, reg, bias, max_iter, tol, verbose, callback)
    generator = check_rng(rng)

    csr = _observations(M, "M")
    m, n = csr.shape
    if csr.nnz == 0:
        raise ValueError("M has no observed entries")
    k = check_rank(rank, upper=min(m, n))
    dtype = csr.dtype
    mu = float(np.mean(csr.data, dtype=np.float64)) if bias else 0.0
    if device == "cuda":
        cuda_backend("complete")
        no_cuda_kernel("complete")

    if warm_start is not None:
        U, V, a, b = _warm_factors(warm_start, (m, n), k, bias, dtype)
    else:
        make = _init_svd if init == "svd" else _init_random
        U, V = make(csr, mu, k, generator, dtype)
        a = np.zeros(m, dtype=dtype) if bias else None
        b = np.zeros(n, dtype=dtype) if bias else None
    seed = seed_from_rng(generator)

    t_indptr, t_indices, perm = _core.completion_transpose(csr.indptr, csr.indices, m, n)
    # Factors with the offset column appended (bias=True): unknowns [F, offset],
    # regressors [G, 1].
    if bias:
        Xu, Xv = np.empty((m, k + 1), dtype=dtype), np.empty((n, k + 1), dtype=dtype)
        Xu[:, :k], Xu[:, k] = U, a
        Xv[:, :k], Xv[:, k] = V, b
        Yu, Yv = _with_ones(U), _with_ones(V)
    data_rms = math.sqrt(float(np.mean((csr.data - mu) ** 2, dtype=np.float64)))
    scale = data_rms if data_rms > 0 else 1.0

    def training_rmse():
        sq = _core.completion_squared_residual(csr.indptr, csr.indices, csr.data, m, n, U, V, mu, a, b)
        return math.sqrt(sq / csr.nnz)

    history = []
    converged = False
    previous = training_rmse()
    progress = ProgressBar(max_iter, "complete", enabled=bool(verbose))
    sweep = 0
    try:
        for sweep in range(1, max_iter + 1):
            start = time.perf_counter()
            iters = 0
            common = _solver_settings(method_id, reg, mu, seed)
            if bias:
                Yu[:, :k] = U
                iters += _core.completion_solve_rows(
                    t_indptr, t_indices, csr.data, perm, n, m, a, Yu, Xv, *common, 2 * sweep
                )
                V[...], b[...] = Xv[:, :k], Xv[:, k]
                Yv[:, :k] = V
                iters += _core.completion_solve_rows(
                    csr.indptr, csr.indices, csr.data, None, m, n, b, Yv, Xu, *common, 2 * sweep + 1
                )
                U[...], a[...] = Xu[:, :k], Xu[:, k]
            else:
                iters += _core.completion_solve_rows(
                    t_indptr, t_indices, csr.data, perm, n, m, None, U, V, *common, 2 * sweep
                )
                iters += _core.completion_solve_rows(
                    csr.indptr, csr.indices, csr.data, None, m, n, None, V, U, *common, 2 * sweep + 1
                )
            seconds = time.perf_counter() - start
            current = training_rmse()
            if not np.isfinite(current):
                raise FloatingPointError("complete: the factors diverged (non-finite RMSE); try reg > 0")
            state = {"sweep": sweep, "rmse": current, "seconds": seconds, "cg_iterations": int(iters)}
            history.append(dict(state))
            progress.update(sweep, rmse=current, s_per_sweep=seconds)
            converged = _converged(previous, current, tol, scale)
            previous = current
            if callback is not None:
                state.update(U=U, V=V)
                if callback(state) is True:
                    break
            if converged:
                break
    finally:
        progress.close()

    return CompletionResult(
        U,
        V,
        mean=mu,
        row_bias=a,
        col_bias=b,
        n_iter=len(history),
        converged=converged,
        history=history,
        method=method,
        reg=reg,
    )


def _check_options(method, init, reg, bias, max_iter, tol, verbose, callback):
    """complete's scalar options checked: (method id, reg, max_iter, tol)."""
    if isinstance(method, str) and method in _METHODS:
        method_id = _METHODS[method]
    else:
        raise ValueError(f"method must be one of {sorted(_METHODS)}, got {method!r}")
    if not isinstance(init, str) or init not in _INITS:
        raise ValueError(f"init must be one of {_INITS}, got {init!r}")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None, got {type(callback).__name__}")
    if not isinstance(bias, (bool, np.bool_)):
        raise TypeError(f"bias must be a bool, got {type(bias).__name__}")
    if not isinstance(verbose, (bool, np.bool_)):
        raise TypeError(f"verbose must be a bool, got {type(verbose).__name__}")
    reg = check_real(reg, "reg", low=0.0)
    max_iter = check_int(max_iter, "max_iter", low=0)
    tol = check_real(tol, "tol", low=0.0)
    return method_id, reg, max_iter, tol


def _warm_factors(warm_start, shape, k, bias, dtype):
    """(U, V, a, b) copied from a warm start that fits the problem."""
    if not isinstance(warm_start, CompletionResult):
        raise TypeError("warm_start must be a CompletionResult or None")
    if warm_start.shape != tuple(shape) or warm_start.rank != k or warm_start.bias != bool(bias):
        raise ValueError(
            f"warm_start has shape {warm_start.shape}, rank {warm_start.rank}, bias "
            f"{warm_start.bias}; this fit needs shape {tuple(shape)}, rank {k}, bias {bool(bias)}"
        )
    U = np.array(warm_start.U, dtype=dtype, order="C")
    V = np.array(warm_start.V, dtype=dtype, order="C")
    a = np.array(warm_start.row_bias, dtype=dtype) if bias else None
    b = np.array(warm_start.col_bias, dtype=dtype) if bias else None
    return U, V, a, b


def _solver_settings(method_id, reg, mu, seed):
    """The arguments of the core's half-sweep after the factors (shared with lralg.dask)."""
    return (method_id, reg, _REG_PER_ENTRY, mu, _INNER_ITER, _INNER_RTOL, _SKETCH_FACTOR, seed)


def _converged(previous, current, tol, scale):
    """The stopping rule of ``tol``: RMSE below ``tol * scale`` or a relative change below tol."""
    return current <= tol * scale or abs(previous - current) <= tol * previous
