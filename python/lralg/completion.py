"""Low-rank matrix completion by (robust) alternating minimization.

``complete`` fits ``M ~ U V^T`` (plus a global mean and row/column offsets
with ``bias=True``) to the observed entries of M. Each sweep updates V from U
and then U from V, one independent least-squares problem per row, in parallel.

* ``method="robust-altmin"`` (Gu, Song, Yin, Zhang 2023, arXiv 2302.11068):
  each row's regression is solved approximately by conjugate gradients,
  warm-started from the previous factor and preconditioned by the R factor of
  a sparse sketch of the fixed factor, so a sweep costs O(|Omega| k) plus
  O((m + n) k^2) for the change of basis. Rows of at most 24 unknowns (k, plus
  the offset with ``bias``) are solved exactly, which costs less at that size.
* ``method="altmin"`` (Jain, Netrapalli, Sanghavi 2013): each row solved
  exactly through its k x k normal matrix, O(|Omega| k^2) per sweep.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from . import _core
from ._blas import one_blas_thread
from ._completion_bayes import BAYES_TOL, BayesFit, fit_bayes, solve_new_rows
from ._completion_init import init_random, init_svd
from ._completion_sweeps import (
    AUTO_TOL,
    EXACT_SOLVES,
    REG_PER_ENTRY,
    ROBUST_SOLVES,
    DeviceHalfSweeps,
    LocalObservations,
    fit,
    half_sweep_options,
    with_ones,
)
from ._device import check_device, cuda_backend, refuse_on_cpu, to_host
from ._progress import ProgressBar
from ._result import Result

__all__ = ["CompletionResult", "complete"]
from ._validate import (
    check_array,
    check_int,
    check_magnitude,
    check_rank,
    check_real,
    check_rng,
    check_sparse,
    is_sparse,
)

_METHODS = {"robust-altmin": ROBUST_SOLVES, "altmin": EXACT_SOLVES}
_INITS = ("svd", "random")

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
        (wall time of the sweep) and ``cg_iterations`` (robust-altmin), or
        ``noise_variance`` and ``columns`` (those still fitted) with "bayes".
    method : str
        The method that fitted it.
    reg : float or None
        The regularization it was fitted with (the chosen one with ``reg="auto"``;
        None with ``reg="bayes"``, whose per-column regularization is
        ``noise_variance / prior_variance``).
    clip : (float, float) or None
        The range that ``predict``, ``to_dense`` and ``rmse`` clip predictions to.
    reg_path : list of dict or None
        With ``reg="auto"``: per point of the path in the order fitted
        (decreasing; then upwards where the first point was best; last, the point
        between the best and its better neighbour), ``reg``, ``validation_rmse``
        (its best sweep's, on the held-out observations) and ``n_iter``.
    settling_sweeps : int
        Sweeps at a larger reg that settled the start (see ``init``), not in ``n_iter``.
    noise_variance : float or None
        With ``reg="bayes"``: the learned variance of the observations around the model.
    prior_variance : (ndarray, ndarray) or None
        With ``reg="bayes"``: the learned prior variances of the row side's unknowns
        (the k columns of U, then ``row_bias``'s with ``bias``) and of the column side's;
        0 for the columns the fit dropped (their factors are zero).

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
    clip: tuple | None = None
    reg_path: list | None = None
    settling_sweeps: int = 0
    noise_variance: float | None = None
    prior_variance: tuple | None = None
    _posterior: BayesFit | None = field(default=None, repr=False)

    def __post_init__(self):
        self.mean = float(self.mean)

    def _clipped(self, pred: np.ndarray) -> np.ndarray:
        if self.clip is not None:
            np.clip(pred, *self.clip, out=pred)
        return pred

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
            in the factors' dtype, clipped to ``clip`` when set.

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
        pred = _core.completion_predict(self.U, self.V, self.mean, self.row_bias, self.col_bias, r, c)
        return self._clipped(pred)

    def to_dense(self, *, max_bytes: int = _DENSE_LIMIT_BYTES) -> np.ndarray:
        """The full m x n completed matrix.

        Parameters
        ----------
        max_bytes : int, default 2**30
            Largest result allowed, in bytes.

        Returns
        -------
        numpy.ndarray of shape (m, n)
            Clipped to ``clip`` when set.

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
        return self._clipped(out)

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
            Of the predictions clipped to ``clip`` when set.

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
        if self.clip is not None:
            rows = np.repeat(np.arange(test.shape[0]), np.diff(test.indptr))
            pred = self.predict(rows, test.indices)
            return math.sqrt(float(np.mean((pred - test.data) ** 2, dtype=np.float64)))
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
        if not math.isfinite(sq):  # squares past float64's range: redo with the residuals scaled
            rows = np.repeat(np.arange(test.shape[0]), np.diff(test.indptr))
            r = self.predict(rows, test.indices).astype(np.float64) - test.data.astype(np.float64)
            top = float(np.abs(r).max())
            return top * math.sqrt(float(np.mean((r / top) ** 2))) if math.isfinite(top) else math.inf
        return math.sqrt(sq / test.nnz)

    def fold_in(self, rows) -> CompletionResult:
        """Factors for new rows of observations, with V and the offsets held fixed.

        Each new row is solved exactly: its k x k regularized least-squares
        problem, with the ``reg`` of the fit (with ``reg="bayes"``: the row's
        posterior mean given the columns' posterior and the learned variances).

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
        if self._posterior is not None:
            return self._folded(*solve_new_rows(new, self._posterior, self.dtype))
        X = np.zeros((new.shape[0], k + (1 if self.bias else 0)), dtype=self.dtype)
        Y = with_ones(self.V) if self.bias else self.V
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
            half_sweep_options((EXACT_SOLVES, self.reg, REG_PER_ENTRY, self.mean, 0, 0.0, 1, 0), 0),
        )
        U = np.ascontiguousarray(X[:, :k])
        row_bias = np.ascontiguousarray(X[:, k]) if self.bias else None
        return self._folded(U, row_bias)

    def _folded(self, U, row_bias) -> CompletionResult:
        """fold_in's result: new rows beside this result's columns."""
        model = (np.ascontiguousarray(U), self.V, row_bias, self.col_bias, self.mean)
        learned = {"noise_variance": self.noise_variance, "prior_variance": self.prior_variance}
        return _result(
            model, [], True, self.method, self.reg, self.clip, **learned, _posterior=self._posterior
        )


@one_blas_thread
def complete(
    M,
    rank,
    *,
    method="robust-altmin",
    reg=None,
    bias=False,
    max_iter=100,
    tol=None,
    init="svd",
    warm_start=None,
    validation=0.1,
    clip=None,
    rng=None,
    verbose=False,
    callback=None,
    device="cpu",
):
    """Complete a partially observed matrix with a rank-``rank`` factorization.

    Minimizes ``sum_{(i,j) observed} (M_ij - mu - a_i - b_j - u_i^T v_j)^2 +
    reg (||U||^2 + ||V||^2 + ||a||^2 + ||b||^2)`` by alternating minimization (the offsets
    ``mu, a, b`` only with ``bias=True``; ``mu`` is then the mean of the observed values):
    each sweep updates V given U, then U given V.

    Parameters
    ----------
    M : scipy.sparse matrix/array or array_like, shape (m, n)
        Sparse: the stored entries are observed (explicit zeros too; duplicates
        summed). Dense: NaN marks a missing entry. Observed values must be
        finite. float32 stays float32; integer/bool input becomes float64.
    rank : int
        Rank k of the factorization, 1 <= k <= min(m, n).
    method : {"robust-altmin", "altmin"}
        "robust-altmin": approximate per-row solves (sketch-preconditioned conjugate gradients,
        warm-started; exact for rows of at most 24 unknowns). "altmin": exact per-row solves.
    reg : float >= 0, "auto", "bayes" or None
        Tikhonov regularization of the factors (and offsets). "auto": chosen on a held-out
        fraction ``validation`` along a short path, then refitted on all. "bayes": learned per
        factor column with the noise variance (variational Bayes [3]; ``method`` does not apply).
        None: "auto" with ``bias``, else 0.
    bias : bool
        Fit a global mean and per-row and per-column offsets (ratings data).
    max_iter : int >= 0
        Maximum number of sweeps (of each fit).
    tol : float >= 0 or None
        Stop when a sweep lowers the objective by at most ``tol`` of it (and, in the final fit
        of "auto", the drops to come, extrapolated from the last two, by at most ``3 tol``;
        "bayes": the noise variance moves by at most ``tol``), or at an exact fit; 0:
        ``max_iter`` sweeps. None: 1e-4 (3e-4 with "auto", 1e-3 with "bayes").
    init : {"svd", "random"}
        "svd": top-k singular vectors of the rescaled observed matrix, rows clipped [2]; "random":
        a random orthonormal U. Then up to 10 sweeps at a decreasing reg above ``reg`` (not with
        "auto", "bayes" or warm_start).
    warm_start : CompletionResult, optional
        Start from these factors (same shape, rank and bias) instead of ``init``.
    validation : float in (0, 1)
        With ``reg="auto"``: the fraction of the observations held out.
    clip : None, "observed" or (float, float)
        Clip predictions to this range ("observed": that of the observed values, e.g. a
        rating scale); kept in the result.
    rng : None, int or numpy.random.Generator
        Seeds the initialization and the sketches.
    verbose : bool
        Show a progress bar on stderr.
    callback : callable, optional
        Called after each sweep with the history's dict plus ``U``, ``V``, ``row_bias``,
        ``col_bias`` and ``mean``; returning True stops the run.
    device : {"cpu", "cuda"}, default "cpu"
        "cuda": each half-sweep's row solves run on the GPU (built with ``LRALG_CUDA=ON``); the
        sweeps, "auto" and the model (NumPy, also for a CuPy M) stay on the host.

    Returns
    -------
    CompletionResult
        The factors (``U, V = result``), offsets, history, ``reg``, ``reg_path`` ("auto"),
        ``noise_variance`` and ``prior_variance`` ("bayes"); ``predict``, ``rmse``, ``fold_in``.

    Raises
    ------
    ValueError
        No observed entry, NaN/Inf observed, a rank out of range, an unknown method or init, a
        ``warm_start`` that does not fit, a ``clip`` with lo > hi, a validation split that
        leaves either part empty, "bayes" with ``device="cuda"``.
    TypeError
        Complex, object or string input; a CuPy M with ``device="cpu"``.
    FloatingPointError
        The factors diverged (try ``reg > 0``).

    Notes
    -----
    A sweep costs ``O(|Omega| k + (m + n) k^2)`` ("robust-altmin"), ``O(|Omega| k^2)`` ("altmin")
    or ``O(|Omega| k^2 + (m + n) k^3)`` ("bayes"); "auto" adds fits of at most 15 sweeps. Any
    thread count gives the same result. Unobserved rows or columns get zero factors. l1 loss:
    :func:`recover`.

    References
    ----------
    .. [1] Y. Gu, Z. Song, J. Yin and L. Zhang, "Low rank matrix completion via robust
       alternating minimization in nearly linear time", ICLR 2024, arXiv:2302.11068.
    .. [2] P. Jain, P. Netrapalli and S. Sanghavi, "Low-rank matrix
       completion using alternating minimization", STOC 2013, arXiv:1212.0467.
    .. [3] Y. J. Lim and Y. W. Teh, "Variational Bayesian approach to movie rating prediction", 2007.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> rng = np.random.default_rng(0)
    >>> M = rng.standard_normal((200, 5)) @ rng.standard_normal((5, 150))
    >>> observed = np.where(rng.random(M.shape) < 0.3, M, np.nan)  # NaN: missing
    >>> res = lralg.complete(observed, 5, rng=0)
    >>> error = np.linalg.norm(res.to_dense() - M) / np.linalg.norm(M)
    >>> bool(error < 1e-8), res.converged
    (True, True)
    >>> ratings = np.array([[5, 4, np.nan], [4, np.nan, 2], [np.nan, 2, 1.0]])
    >>> fit = lralg.complete(ratings, 1, bias=True, reg="bayes", clip="observed", rng=0)
    >>> round(fit.mean, 4), fit.clip, fit.reg, bool(fit.noise_variance > 0)
    (3.0, (1.0, 5.0), None, True)
    """
    device = check_device(device)
    method_id, reg, auto, validation, max_iter, tol = _check_options(
        method, init, reg, bias, validation, max_iter, tol, verbose, callback
    )
    bayes = reg == "bayes"
    if bayes and device == "cuda":
        raise ValueError("reg='bayes' runs on the CPU only: use device='cpu' or reg='auto'")
    generator = check_rng(rng)

    if refuse_on_cpu(M, "M", "complete", device):
        M = to_host(M)  # the sweeps and the fitted model are the host's; the row solves run on the GPU
    csr = _observations(M, "M")
    m, n = csr.shape
    if csr.nnz == 0:
        raise ValueError("M has no observed entries")
    check_magnitude(csr, "M")  # squares past the dtype's range break the SVD start and the solves
    k = check_rank(rank, upper=min(m, n))
    dtype = csr.dtype
    clip_range = _clip_range(clip, csr)
    solve_rows = DeviceHalfSweeps(cuda_backend("complete")) if device == "cuda" else None

    if warm_start is not None:
        _warm_factors(warm_start, (m, n), k, bias, dtype)  # refused before any work

    def start_factors(obs):
        """Initial (U, V, a, b) for the observations ``obs``."""
        if warm_start is not None:
            return _warm_factors(warm_start, (m, n), k, bias, dtype)
        make = init_svd if init == "svd" else init_random
        return (*make(obs.csr, obs.mu, k, generator, dtype), *_zero_offsets(m, n, bias, dtype))

    progress = ProgressBar(max_iter, "complete", enabled=bool(verbose))
    if bayes:
        obs = LocalObservations(csr, bias)
        try:
            model, history, converged = fit_bayes(
                csr,
                start_factors(obs),
                bias=bias,
                mu=obs.mu,
                max_iter=max_iter,
                tol=tol,
                progress=progress,
                callback=callback,
            )
        finally:
            progress.close()
        posterior = {"noise_variance": model.noise_variance, "prior_variance": model.prior_variance}
        return _result(
            (*model.factors(dtype), obs.mu),
            history,
            converged,
            method,
            None,
            clip_range,
            **posterior,
            _posterior=model,
        )
    try:
        state, history, converged, reg, reg_path = fit(
            LocalObservations(csr, bias, solve_rows),
            start_factors,
            auto=auto,
            reg=reg,
            validation=validation,
            clip=clip_range,
            generator=generator,
            method_id=method_id,
            max_iter=max_iter,
            tol=tol,
            progress=progress,
            callback=callback,
            settle_start=warm_start is None,
        )
    finally:
        progress.close()

    return _fitted(state, history, converged, method, reg, clip_range, reg_path)


def _fitted(state, history, converged, method, reg, clip, reg_path) -> CompletionResult:
    """The result of an alternating-minimization fit (lralg.dask.complete's too)."""
    model = (state.U, state.V, state.a, state.b, state.mu)
    settling = getattr(state, "settling_sweeps", 0)
    return _result(model, history, converged, method, reg, clip, reg_path=reg_path, settling_sweeps=settling)


def _result(model, history, converged, method, reg, clip, **more) -> CompletionResult:
    """A CompletionResult from ``model`` = (U, V, row offsets, column offsets, mean) and a fit's record."""
    U, V, a, b, mu = model
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
        clip=clip,
        **more,
    )


def _check_options(method, init, reg, bias, validation, max_iter, tol, verbose, callback, bayes_allowed=True):
    """complete's scalar options checked: (method id, reg, auto, validation, max_iter, tol).

    ``reg=None`` is "auto" with ``bias`` and 0 without; with ``auto`` the
    returned reg is None (chosen later); "bayes" is returned as is. ``tol=None``
    is the default of the fit's kind.
    """
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
    if reg is None:
        reg = "auto" if bias else 0.0
    auto = isinstance(reg, str) and reg == "auto"
    if auto:
        reg = None
    elif isinstance(reg, str):
        if reg != "bayes" or not bayes_allowed:
            choices = "'auto', 'bayes'" if bayes_allowed else "'auto'"
            raise ValueError(f"reg must be a number >= 0, {choices} or None, got {reg!r}")
    else:
        reg = check_real(reg, "reg", low=0.0)
    validation = check_real(validation, "validation", low=0.0, high=1.0, low_open=True, high_open=True)
    max_iter = check_int(max_iter, "max_iter", low=0)
    if tol is None:
        tol = BAYES_TOL if reg == "bayes" else AUTO_TOL if auto else 1e-4
    tol = check_real(tol, "tol", low=0.0)
    return method_id, reg, auto, validation, max_iter, tol


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


def _zero_offsets(m, n, bias, dtype):
    """The starting offsets (a, b): zeros with ``bias``, else (None, None)."""
    if not bias:
        return None, None
    return np.zeros(m, dtype=dtype), np.zeros(n, dtype=dtype)


def _clip_range(clip, csr):
    """``clip`` as a (lo, hi) pair of floats, or None."""
    clip = _check_clip(clip)
    if clip == "observed":
        return (float(csr.data.min()), float(csr.data.max()))
    return clip


def _check_clip(clip):
    """``clip`` checked: None, "observed" or a (lo, hi) pair of floats."""
    if clip is None:
        return None
    if isinstance(clip, str):
        if clip != "observed":
            raise ValueError(f"clip must be None, 'observed' or a pair (lo, hi), got {clip!r}")
        return clip
    try:
        lo, hi = clip
    except (TypeError, ValueError):
        raise TypeError(f"clip must be None, 'observed' or a pair (lo, hi), got {clip!r}") from None
    lo, hi = check_real(lo, "clip[0]"), check_real(hi, "clip[1]")
    if lo > hi:
        raise ValueError(f"clip must have lo <= hi, got {clip!r}")
    return (lo, hi)
