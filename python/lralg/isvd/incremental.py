"""The streaming truncated SVD: :func:`incremental_svd` and the estimator :class:`IncrementalSVD`."""

from __future__ import annotations

import copy
import functools
import threading
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .._blas import one_blas_thread
from .._device import check_device, cuda_backend, fields_to_device, refuse_on_cpu, to_host
from .._result import Result
from .._sklearn import BaseEstimator, TransformerMixin, check_is_fitted
from .._validate import check_int, check_matrix, check_rank, check_real, seed_from_rng
from ._blocks import _as_block_allow_empty, _Block, _check_axis, _check_residual, _iter_blocks
from ._summary import _Summary

__all__ = ["IncrementalSVD", "SVDResult", "incremental_svd"]


@dataclass(repr=False, eq=False)
class SVDResult(Result):
    """Truncated SVD ``X ~ u @ diag(s) @ vt``, returned by :func:`incremental_svd`.

    Unpacks as ``u, s, vt``, in the order of ``numpy.linalg.svd``.

    Attributes
    ----------
    u : ndarray of shape (m, rank) or None
        Left singular vectors; None where they were not asked for
        (``compute_u=False``).
    s : ndarray of shape (rank,)
        Singular values, descending.
    vt : ndarray of shape (rank, n) or None
        Right singular vectors, as rows.
    error_estimate : float or None
        An estimate of the relative error ``||X - u diag(s) vt||_F / ||X||_F``
        where the method computes one.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> X = np.diag([3.0, 2.0, 1.0])
    >>> u, s, vt = lralg.incremental_svd(X, 2)
    >>> s
    array([3., 2.])
    """

    _unpack = ("u", "s", "vt")

    u: Optional[np.ndarray]
    s: np.ndarray
    vt: Optional[np.ndarray]
    error_estimate: Optional[float] = None


@one_blas_thread
def incremental_svd(
    blocks,
    rank,
    *,
    axis=0,
    oversampling=5,
    tol=1e-12,
    compute_u=True,
    rng=None,
    residual="auto",
    power_iters=1,
    device="cpu",
) -> SVDResult:
    """Truncated SVD of a matrix given as a stream of blocks, in one pass.

    Implements the incremental truncated SVD of Shamrai (2026, arXiv
    2601.11626): a summary ``(Q, S)`` of the Gram matrix is updated block by
    block and only its top ``rank + oversampling`` eigenpairs are kept, so
    memory is ``O((n + block) * (rank + oversampling))`` and the blocks are
    read once.

    Parameters
    ----------
    blocks : iterable of array_like or scipy.sparse matrices, or one matrix
        The blocks, stacked along ``axis``: with ``axis=0`` each block is a
        set of rows (items arriving, the usual streaming case) and all blocks
        share the number of columns; with ``axis=1`` each block is a set of
        columns (the paper's horizontal concatenation) and all share the
        number of rows. Sparse blocks are never densified. Empty blocks are
        skipped. Dtypes: float32 is kept when every block is float32;
        otherwise the result is float64 (integers and bool become float64;
        mixed float32/float64 blocks promote to float64).
    rank : int
        Number of singular triplets, ``1 <= rank <= min(M.shape)``.
    axis : {0, 1}
        Stacking axis, see ``blocks``.
    oversampling : int
        Extra eigenpairs kept in the summary (the paper's default, 5).
    tol : float
        Relative tolerance under which directions of the residual and
        eigenvalues of the summary are treated as zero.
    compute_u : bool
        Also return the singular vectors along the stacked axis (``u`` for
        axis=0, ``vt`` for axis=1; they grow with the stream). When False
        that factor is None.
    rng : None, int or numpy.random.Generator
        Seed of the Gaussian test matrices of the residual sketch.
    residual : {"auto", "exact", "sketch"}
        How the range of the residual ``R = A - Q Q^T A`` is factored:
        "exact" (the paper's factorisation of the whole residual; ``O(m b^2)``
        per block of width b), "sketch" (a block Krylov space of R started
        from the block's coefficients ``Y^T`` and ``rank + oversampling``
        Gaussian columns, with ``power_iters`` more blocks; ``O(m b (rank +
        oversampling) (power_iters + 1))``) or "auto" (exact when ``min(m, b)``
        is no wider than that Krylov space, sketch otherwise).
    power_iters : int, default 1
        Depth of the residual's Krylov space (0: the start block only). A
        larger ``oversampling`` or depth brings the result closer to the
        exact update on matrices with a flat spectrum (e.g. TF-IDF), at the
        cost of more products with the block.
    device : {"cpu", "cuda"}, default "cpu"
        "cuda": each block's products with the block and the basis run on
        the GPU (lralg built with CUDA; see docs/cuda.md). CuPy blocks are
        copied to the host once each; ``u, s, vt`` are then CuPy arrays.

    Returns
    -------
    SVDResult
        ``u, s, vt`` with ``s`` descending; ``M ~ u @ diag(s) @ vt`` where
        M is the stacked matrix. No centring is done.

    Raises
    ------
    ValueError
        Blocks of mismatched widths, no data, NaN/Inf, rank out of range.
    TypeError
        Complex, object or string blocks; CuPy blocks with ``device="cpu"``.
    RuntimeError
        ``device="cuda"`` without a CUDA build or a visible GPU.

    See Also
    --------
    IncrementalSVD : the same as a scikit-learn transformer.
    svd_error_bound : bounds on the error of the stacked matrix's truncation.

    Notes
    -----
    The summary ``(Q, S)``, ``Q S Q^T`` close to the Gram matrix of the data
    seen, is updated by each block A with ``Y = Q^T A``, the residual
    ``A - Q Y = Q_r B`` and the eigendecomposition of ``[[S + Y Y^T, Y B^T],
    [B Y^T, B B^T]]``, truncated to ``rank + oversampling``. A block of b
    items costs ``O(m b (rank + oversampling))`` with the sketched residual.
    float32 blocks stay float32 in the products; the small eigenproblems run
    in float64.

    References
    ----------
    .. [1] M. Shamrai, "Concatenated matrix SVD: compression bounds,
       incremental approximation, and error-constrained clustering", 2026,
       arXiv:2601.11626.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((600, 8)) @ rng.standard_normal((8, 40))  # rank 8
    >>> u, s, vt = lralg.incremental_svd(np.array_split(X, 6), 8, rng=0)
    >>> u.shape, s.shape, vt.shape
    ((600, 8), (8,), (8, 40))
    >>> np.allclose(s, np.linalg.svd(X, compute_uv=False)[:8])
    True
    >>> np.allclose(u * s @ vt, X)
    True
    """
    device = check_device(device)
    axis = _check_axis(axis)
    rank = check_rank(rank)
    oversampling = check_int(oversampling, "oversampling", low=0)
    tol = check_real(tol, "tol", low=0.0, high=1.0)
    compute_u = bool(compute_u)
    residual = _check_residual(residual)
    power_iters = check_int(power_iters, "power_iters", low=0, high=1000)
    backend = cuda_backend("incremental_svd") if device == "cuda" else None
    seed = seed_from_rng(rng)
    summary = _Summary(rank + oversampling, residual, tol, seed, compute_u, power_iters, backend)
    on_gpu = refuse_on_cpu(blocks, "blocks", "incremental_svd", device)
    if on_gpu:
        blocks = to_host(blocks)  # one matrix on the GPU
    for i, X in enumerate(_iter_blocks(blocks)):
        if refuse_on_cpu(X, f"blocks[{i}]", "incremental_svd", device):
            on_gpu, X = True, to_host(X)  # the core's host steps read each block once
        blk = _as_block_allow_empty(X, axis, f"blocks[{i}]")
        if summary.m is None and rank > blk.m:
            raise ValueError(
                f"rank must be <= {blk.m} (the blocks' size along the non-stacked axis), got {rank}"
            )
        summary.push(blk, f"blocks[{i}]")
    if summary.m is None or summary.n == 0:
        raise ValueError("blocks contain no data (no block, or only empty blocks)")
    if rank > min(summary.m, summary.n):
        raise ValueError(
            f"rank must be <= min of the stacked matrix's shape ({min(summary.m, summary.n)}), got {rank}"
        )
    basis, s, items = summary.result(rank, compute_u)
    if axis == 0:
        result = SVDResult(items, s, basis.T.copy())
    else:
        result = SVDResult(basis, s, None if items is None else items.T.copy())
    return fields_to_device(result, "u", "s", "vt") if on_gpu else result


def _check_samples(X):
    """check_matrix with scikit-learn's wording for empty input."""
    shape = getattr(X, "shape", None)
    if shape is None and not isinstance(X, (str, bytes)) and X is not None:
        try:
            shape = np.shape(X)
        except (TypeError, ValueError):
            shape = None
    if shape is not None and len(shape) == 1:
        raise ValueError(
            f"X must be 2-D, got a 1-D array of shape {tuple(shape)}; Reshape your data with "
            "X.reshape(-1, 1) for a single feature or X.reshape(1, -1) for a single sample."
        )
    if shape is not None and len(shape) == 2:
        if shape[0] == 0:
            raise ValueError(
                f"Found array with 0 sample(s) (shape={tuple(shape)}) while a minimum of 1 is required."
            )
        if shape[1] == 0:
            raise ValueError(
                f"Found array with 0 feature(s) (shape={tuple(shape)}) while a minimum of 1 is required."
            )
    return check_matrix(X, "X")


def _serialised(method):
    """Run `method` holding the estimator's lock: the core updates its state
    with the GIL released, so two threads updating one estimator would race."""

    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self._object_lock():
            return method(self, *args, **kwargs)

    return locked


class IncrementalSVD(TransformerMixin, BaseEstimator):
    """Incremental truncated SVD as a scikit-learn transformer.

    The estimator form of :func:`incremental_svd` (Shamrai 2026). Like ``sklearn.decomposition.IncrementalPCA`` but without centring (as
    ``TruncatedSVD``): the rows of X are the samples, and
    ``components_`` are the top right singular vectors of all rows seen.
    Sparse input is accepted and never densified. Thread-safe: ``fit``,
    ``partial_fit``, ``merge`` and ``transform`` on one object from several
    threads are serialised (one lock per object).

    Parameters
    ----------
    rank : int
        Number of components.
    oversampling : int, default 5
        Extra eigenpairs kept in the summary.
    tol : float, default 1e-12
        Relative tolerance for numerically zero directions.
    compute_u : bool, default False
        Keep the left singular vectors of all rows seen in ``u_``
        (``n_samples_seen_ x rank``; memory grows with the stream).
    residual : {"auto", "exact", "sketch"}, default "auto"
        See :func:`incremental_svd`.
    batch_size : int or None, default None
        Rows per block in ``fit`` (None: 1000).
    rng : None, int or numpy.random.Generator
        Seed of the residual sketch.
    power_iters : int, default 1
        Depth of the residual's Krylov space, see :func:`incremental_svd`.

    Attributes
    ----------
    components_ : ndarray (rank, n_features)
    singular_values_ : ndarray (rank,)
    explained_variance_ratio_ : ndarray (rank,)
        ``singular_values_**2 / ||X||_F^2``: the fraction of the total
        (uncentred) sum of squares each component carries.
    n_samples_seen_ : int
    n_features_in_ : int
    u_ : ndarray of shape (``n_samples_seen_``, rank)
        Left singular vectors of the rows seen, only with ``compute_u=True``.

    See Also
    --------
    incremental_svd : the one-pass function.

    References
    ----------
    .. [1] M. Shamrai, "Concatenated matrix SVD: compression bounds,
       incremental approximation, and error-constrained clustering", 2026,
       arXiv:2601.11626.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 5)) @ rng.standard_normal((5, 30))
    >>> est = lralg.IncrementalSVD(5, rng=0).partial_fit(X[:150]).partial_fit(X[150:])
    >>> est.components_.shape, est.n_samples_seen_
    ((5, 30), 300)
    >>> Z = est.transform(X)
    >>> np.allclose(est.inverse_transform(Z), X)
    True
    """

    def __init__(
        self,
        rank,
        *,
        oversampling=5,
        tol=1e-12,
        compute_u=False,
        residual="auto",
        batch_size=None,
        rng=None,
        power_iters=1,
    ):
        self.rank = rank
        self.oversampling = oversampling
        self.tol = tol
        self.compute_u = compute_u
        self.residual = residual
        self.batch_size = batch_size
        self.rng = rng
        self.power_iters = power_iters

    def _object_lock(self):
        # Made on first use; setdefault keeps one lock when two threads race here.
        return self.__dict__.setdefault("_lock", threading.RLock())

    def __getstate__(self):
        state = super().__getstate__() if hasattr(super(), "__getstate__") else self.__dict__
        state = dict(state)
        state.pop("_lock", None)  # a lock does not pickle; the copy makes its own
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _validate_params(self):
        rank = check_rank(self.rank)
        check_int(self.oversampling, "oversampling", low=0)
        check_real(self.tol, "tol", low=0.0, high=1.0)
        _check_residual(self.residual)
        if self.batch_size is not None:
            check_int(self.batch_size, "batch_size", low=1)
        check_int(self.power_iters, "power_iters", low=0, high=1000)
        return rank

    def _start(self):
        rank = self._validate_params()
        self._summary = _Summary(
            rank + self.oversampling,
            self.residual,
            float(self.tol),
            seed_from_rng(self.rng),
            bool(self.compute_u),
            int(self.power_iters),
        )

    def _check_X(self, X, reset):
        X = _check_samples(X)
        d = X.shape[1]
        if reset:
            rank = check_rank(self.rank)
            if rank > d:
                raise ValueError(f"rank={rank} must be <= n_features = {d}")
        else:
            if d != self.n_features_in_:
                raise ValueError(
                    f"X has {d} features, but {type(self).__name__} is expecting "
                    f"{self.n_features_in_} features as input"
                )
            self._check_kept_rank()
        return X

    def _check_kept_rank(self):
        # set_params may have changed rank since the summary was started
        rank, kept, d = check_rank(self.rank), self._summary.k_keep, self.n_features_in_
        if rank > min(d, kept):
            raise ValueError(
                f"rank={rank} must be <= n_features = {d} and <= the {kept} directions the summary "
                "keeps since the first fit (rank + oversampling then); call fit to start over"
            )

    @_serialised
    @one_blas_thread
    def partial_fit(self, X, y=None):
        """Update the summary with the rows of X.

        Parameters
        ----------
        X : array_like or scipy.sparse matrix, shape (n_samples, n_features)
            New rows; the first call fixes ``n_features``.
        y : None
            Ignored.

        Returns
        -------
        IncrementalSVD
            The estimator itself.

        Raises
        ------
        ValueError
            Empty X, NaN/Inf, a number of features other than the first call's.

        Examples
        --------
        >>> import numpy as np, lralg
        >>> est = lralg.IncrementalSVD(1).partial_fit(np.array([[3.0, 0.0]]))
        >>> est.partial_fit(np.array([[0.0, 1.0]])).singular_values_
        array([3.])
        """
        first = not hasattr(self, "_summary")
        X = self._check_X(X, reset=first)
        if first:
            self._start()
            self.n_features_in_ = X.shape[1]
        self._summary.push(_Block(X, 0), "X")
        self._publish()
        return self

    @_serialised
    @one_blas_thread
    def fit(self, X, y=None):
        """Fit on X from scratch, in blocks of ``batch_size`` rows.

        Parameters
        ----------
        X : array_like or scipy.sparse matrix, shape (n_samples, n_features)
            The rows to fit; float32 stays float32.
        y : None
            Ignored.

        Returns
        -------
        IncrementalSVD
            The estimator itself.

        Raises
        ------
        ValueError
            Empty X, NaN/Inf, or ``rank > n_features``.

        Examples
        --------
        >>> import numpy as np, lralg
        >>> lralg.IncrementalSVD(2).fit(np.diag([4.0, 3.0, 1.0])).singular_values_
        array([4., 3.])
        """
        X = self._check_X(X, reset=True)
        self._start()
        self.n_features_in_ = X.shape[1]
        batch = 1000 if self.batch_size is None else check_int(self.batch_size, "batch_size", low=1)
        for lo in range(0, X.shape[0], batch):
            self._summary.push(_Block(X[lo : lo + batch], 0), "X")
        self._publish()
        return self

    def _publish(self):
        rank = check_rank(self.rank)
        s = self._summary
        basis, sv, items = s.result(rank, bool(self.compute_u))
        self.components_ = basis.T.copy()
        self.singular_values_ = sv
        self.n_samples_seen_ = int(s.n)
        total = s.sqnorm
        self.explained_variance_ratio_ = (
            (sv.astype(np.float64) ** 2) / total if total > 0 else np.zeros(rank)
        ).astype(sv.dtype)
        if self.compute_u:
            self.u_ = items

    @_serialised
    def transform(self, X):
        """Coordinates of the rows of X on the components: ``X @ components_.T``.

        Parameters
        ----------
        X : array_like or scipy.sparse matrix, shape (n_samples, n_features)
            Rows to project.

        Returns
        -------
        numpy.ndarray of shape (n_samples, rank)

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before a fit (a ValueError where scikit-learn is missing).
        ValueError
            A number of features other than the fit's.

        Examples
        --------
        >>> import numpy as np, lralg
        >>> est = lralg.IncrementalSVD(1).fit(np.diag([4.0, 3.0]))
        >>> np.abs(est.transform(np.array([[2.0, 5.0]])))
        array([[2.]])
        """
        check_is_fitted(self)
        X = _check_samples(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input"
            )
        C = self.components_.astype(X.dtype, copy=False)
        return np.asarray(X @ C.T)

    def inverse_transform(self, Z):
        """Rows back in feature space: ``Z @ components_``.

        Parameters
        ----------
        Z : array_like, shape (n_samples, rank)
            Coordinates on the components.

        Returns
        -------
        numpy.ndarray of shape (n_samples, n_features)

        Raises
        ------
        ValueError
            Z with a number of columns other than ``rank``.

        Examples
        --------
        >>> import numpy as np, lralg
        >>> est = lralg.IncrementalSVD(1).fit(np.diag([4.0, 3.0]))
        >>> np.abs(est.inverse_transform(np.array([[2.0]])))
        array([[2., 0.]])
        """
        check_is_fitted(self)
        Z = check_matrix(Z, "Z")
        if Z.shape[1] != self.components_.shape[0]:
            raise ValueError(f"Z has {Z.shape[1]} columns, expected {self.components_.shape[0]} (rank)")
        return np.asarray(Z @ self.components_.astype(Z.dtype, copy=False))

    @one_blas_thread
    def merge(self, other: IncrementalSVD) -> IncrementalSVD:
        """Fold the summary of ``other`` (fitted on other rows) into this one.

        The result summarises the rows seen by both, as if they had been
        streamed through one estimator (up to the truncation to ``rank +
        oversampling``). ``u_`` is kept when both have ``compute_u=True``;
        the rows of ``other`` come after those of self.

        Parameters
        ----------
        other : IncrementalSVD
            A fitted estimator with the same number of features.

        Returns
        -------
        IncrementalSVD
            The estimator itself.

        Raises
        ------
        TypeError
            ``other`` is not an IncrementalSVD.
        ValueError
            A different number of features.

        Examples
        --------
        >>> import numpy as np, lralg
        >>> a = lralg.IncrementalSVD(2).fit(np.array([[3.0, 0.0]]))
        >>> b = lralg.IncrementalSVD(2).fit(np.array([[0.0, 2.0]]))
        >>> a.merge(b).singular_values_, a.n_samples_seen_
        (array([3., 2.]), 2)
        """
        if not isinstance(other, IncrementalSVD):
            raise TypeError(f"other must be an IncrementalSVD, got {type(other).__name__}")
        # A copy of other's summary taken under its lock, then released before
        # self's is taken: holding both could deadlock a.merge(b) || b.merge(a).
        with other._object_lock():
            check_is_fitted(other)
            summary = copy.deepcopy(other._summary) if other is not self else other._summary
            n_features = other.n_features_in_
        with self._object_lock():
            if not hasattr(self, "_summary"):
                self._start()
                self.n_features_in_ = n_features
            if n_features != self.n_features_in_:
                raise ValueError(f"other has {n_features} features, self has {self.n_features_in_}")
            self._check_kept_rank()
            if summary is self._summary:
                summary = copy.deepcopy(summary)
            self._summary.merge(summary)
            self._publish()
        return self
