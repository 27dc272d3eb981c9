"""Incremental truncated SVD with a-posteriori error bounds, and compression-aware
clustering of matrices (Shamrai 2026, "Concatenated Matrix SVD: Compression
Bounds, Incremental Approximation, and Error-Constrained Clustering",
arXiv 2601.11626).

The state after each block is the paper's summary ``(Q, S)`` with
``Q S Q^T`` approximating the Gram matrix of the data seen so far, ``S``
diagonal (its eigenvalues are the squared singular values). A block ``A``
(its columns are the new items) updates it by

    Y = Q^T A,  R = A - Q Y,  R = Q_r B  (Q_r orthonormal, orthogonal to Q),
    S_ext = [[S + Y Y^T, Y B^T], [B Y^T, B B^T]],

keeping the top ``rank + oversampling`` eigenpairs of ``S_ext`` (rotating
``[Q, Q_r]`` by their eigenvectors). The factorisation of the residual is the
paper's exact one when the block is narrow; for wide blocks the range of R is
approximated by a block Krylov space of R started from ``[Y^T, Omega]``: the
block's own coefficients ``Y^T`` carry the first-order change of the kept
directions, the Gaussian columns ``Omega`` the new ones (Halko, Martinsson and
Tropp 2011; Musco and Musco 2015). The cost stays linear in the size of the
block. For double precision blocks the Krylov space is built in the block's
item space from the residual Gram matrix ``R^T R = A^T A - Y Y^T`` when that
is cheaper (sparse blocks with a long dimension, e.g. TF-IDF).

The summary and its update live in the C++ core (``lralg/isvd.hpp``): dense
products go to SciPy's BLAS through the core's shared BLAS table, sparse
blocks are multiplied by the core's parallel sparse-dense kernel and are
never densified whole, and the update runs without the GIL. This module
validates, converts blocks and keeps the bookkeeping of the items' vectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import scipy.sparse as sp

from . import _core
from ._blas import one_blas_thread
from ._result import Result
from ._sklearn import BaseEstimator, TransformerMixin, check_is_fitted
from ._validate import check_int, check_matrix, check_rank, check_real, is_sparse, seed_from_rng

__all__ = [
    "ClusteringResult",
    "IncrementalSVD",
    "SVDResult",
    "cluster_matrices",
    "incremental_svd",
    "svd_error_bound",
]

_RESIDUAL_MODES = ("auto", "exact", "sketch")


@dataclass(repr=False, eq=False)
class SVDResult(Result):
    """Truncated SVD ``X ~ u @ diag(s) @ vt``; unpacks as ``u, s, vt``.

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
    """

    _unpack = ("u", "s", "vt")

    u: Optional[np.ndarray]
    s: np.ndarray
    vt: Optional[np.ndarray]
    error_estimate: Optional[float] = None


@dataclass(repr=False, eq=False)
class ClusteringResult(Result):
    """Result of :func:`cluster_matrices`.

    Attributes
    ----------
    labels : ndarray of int, shape (n_matrices,)
        Cluster of each input matrix.
    clusters : list of ndarray of int
        The indices of the matrices of each cluster, in the order they joined.
    errors : ndarray of float, shape (n_clusters,)
        Achieved relative error ``||M_c - (M_c)_r||_F / ||M_c||_F`` of the
        exact rank-``rank`` SVD of each cluster's concatenation ``M_c``
        (0 for a singleton, which is stored as it is).
    compression_ratio : float
        ``m * N / sum_c p_c`` with ``p_c = min(r (m + K_c), K_c m)`` for a
        cluster of several matrices and ``K_c m`` (stored as is) for a
        singleton; ``K_c`` is the cluster's width, N the total width.
    bounds : ndarray of float, shape (n_clusters,)
        The error each cluster was predicted to have by ``method``.
    """

    labels: np.ndarray
    clusters: list
    errors: np.ndarray
    compression_ratio: float
    bounds: np.ndarray


# --------------------------------------------------------------------------
# Blocks: a validated matrix seen as the operator A whose columns are items.


class _Block:
    """A block as the operator ``A`` (m x b): ``X.T`` for axis=0, ``X`` for axis=1."""

    __slots__ = ("sparse", "A", "A_csr", "At_csr", "m", "b", "sqnorm", "dtype", "X", "axis", "_core")

    def __init__(self, X, axis: int):
        self.dtype = X.dtype
        self.sparse = is_sparse(X)
        self.X, self.axis, self._core = None, axis, None
        if self.sparse:
            other = sp.csr_array(X.T)  # CSR of the transpose, O(nnz)
            other.sort_indices()
            index = np.promote_types(X.indices.dtype, other.indices.dtype)
            X = _csr_index(X, index)
            other = _csr_index(other, index)
            self.A_csr, self.At_csr = (other, X) if axis == 0 else (X, other)
            self.A = None
            self.m, self.b = self.A_csr.shape
            self.sqnorm = float(np.dot(X.data.astype(np.float64), X.data.astype(np.float64)))
        else:
            if not (X.flags.c_contiguous or X.flags.f_contiguous):
                X = np.ascontiguousarray(X)
            self.X = X
            self.A = X.T if axis == 0 else X
            self.A_csr = self.At_csr = None
            self.m, self.b = self.A.shape
            flat = X.ravel(order="K")
            self.sqnorm = (
                float(np.dot(flat, flat))
                if X.dtype == np.float64
                else float(np.dot(flat.astype(np.float64), flat.astype(np.float64)))
            )

    def astype(self, dtype):
        if dtype == self.dtype:
            return self
        new = object.__new__(_Block)
        new.dtype, new.sparse, new.m, new.b, new.sqnorm = (
            np.dtype(dtype),
            self.sparse,
            self.m,
            self.b,
            self.sqnorm,
        )
        new.axis, new._core, new.X = self.axis, None, None
        if self.sparse:
            new.A = None
            new.A_csr = self.A_csr.astype(dtype)
            new.At_csr = self.At_csr.astype(dtype)
        else:
            new.X = self.X.astype(dtype, order="K")
            new.A = new.X.T if self.axis == 0 else new.X
            new.A_csr = new.At_csr = None
        return new

    def core(self):
        """The block as the core's operator (made once; the arrays are not copied)."""
        if self._core is None:
            cls = _core.IsvdBlock32 if self.dtype == np.float32 else _core.IsvdBlock64
            if self.sparse:
                a, t = self.A_csr, self.At_csr
                self._core = cls.csr(
                    a.indptr, a.indices, a.data, t.indptr, t.indices, t.data, self.m, self.b, self.sqnorm
                )
            else:
                self._core = cls.dense(self.X, self.axis, self.sqnorm)
        return self._core

    def matmul(self, W):
        """A @ W for W (b x c)."""
        if not self.sparse:
            return self.A @ W
        return _csr_matmul(self.A_csr, W)

    def rmatmul(self, Z):
        """A.T @ Z for Z (m x c)."""
        if not self.sparse:
            return self.A.T @ Z
        return _csr_matmul(self.At_csr, Z)


def _csr_index(X, index):
    if X.indices.dtype == index and X.indptr.dtype == index:
        return X
    return sp.csr_array((X.data, X.indices.astype(index), X.indptr.astype(index)), shape=X.shape)


def _csr_matmul(X, W):
    W = np.ascontiguousarray(W, dtype=X.dtype)
    return _core.isvd_csr_matmul(X.indptr, X.indices, X.data, X.shape[0], X.shape[1], W)


def _iter_blocks(blocks, name="blocks"):
    """The blocks of `blocks`: an iterable of matrices, or one matrix."""
    if isinstance(blocks, np.ndarray) or is_sparse(blocks):
        yield blocks
        return
    if isinstance(blocks, (str, bytes)) or blocks is None:
        raise TypeError(f"{name} must be an iterable of 2-D arrays, got {type(blocks).__name__}")
    try:
        it = iter(blocks)
    except TypeError:
        raise TypeError(f"{name} must be an iterable of 2-D arrays, got {type(blocks).__name__}") from None
    yield from it


def _check_axis(axis) -> int:
    axis = check_int(axis, "axis")
    if axis not in (0, 1):
        raise ValueError(f"axis must be 0 (blocks of rows) or 1 (blocks of columns), got {axis}")
    return axis


def _check_residual(residual) -> str:
    if residual not in _RESIDUAL_MODES:
        raise ValueError(f"residual must be one of {_RESIDUAL_MODES}, got {residual!r}")
    return residual


# --------------------------------------------------------------------------
# The (Q, S) summary: the state and its update live in the core.

_RESIDUAL_CODE = {"auto": 0, "exact": 1, "sketch": 2}


def _new_state(m, k_keep, residual, tol, seed, dtype, power_iters=1):
    cls = _core.IsvdState32 if np.dtype(dtype) == np.float32 else _core.IsvdState64
    return cls(m, k_keep, _RESIDUAL_CODE[residual], tol, seed, power_iters)


def _state_dtype(state):
    return np.dtype(np.float32) if isinstance(state, _core.IsvdState32) else np.dtype(np.float64)


class _Summary:
    """The running state (the core's IsvdState) plus, optionally, the items' coefficients."""

    def __init__(self, k_keep, residual, tol, seed, track_items, power_iters=1):
        self.k_keep = k_keep
        self.power_iters = power_iters
        self.residual = residual
        self.tol = tol
        self.seed = seed
        self.track = track_items
        self.state = None
        self.dtype = None
        self.m = None
        self.coefs = []  # per chunk: A_j^T Q_j (b_j x k_j)
        self.rots = []  # per chunk: rotation applied by that chunk's update

    def __getstate__(self):  # the core's state is saved as its arrays and counts
        d = self.__dict__.copy()
        st = d.pop("state")
        d["_saved"] = None if st is None else (st.Q, st.lam, st.blocks, st.items, st.sqnorm)
        return d

    def __setstate__(self, d):
        d = dict(d)
        saved = d.pop("_saved")
        self.__dict__.update(d)
        self.state = None
        if saved is not None:
            self.state = _new_state(
                self.m, self.k_keep, self.residual, self.tol, self.seed, self.dtype, self.power_iters
            )
            self.state.load(*saved)

    @property
    def n(self):
        return 0 if self.state is None else int(self.state.items)

    @property
    def sqnorm(self):
        return 0.0 if self.state is None else float(self.state.sqnorm)

    @property
    def Q(self):
        return self.state.Q

    @property
    def lam(self):
        return self.state.lam

    def _start(self, m, dtype):
        self.m = m
        self.dtype = np.dtype(dtype)
        self.state = _new_state(
            m, self.k_keep, self.residual, self.tol, self.seed, self.dtype, self.power_iters
        )

    def _promote(self, dtype):
        dtype = np.promote_types(self.dtype, dtype)
        if dtype != self.dtype:  # float32 -> float64: carry the summary over
            old = self.state
            self.dtype = dtype
            self.state = _new_state(
                self.m, self.k_keep, self.residual, self.tol, self.seed, dtype, self.power_iters
            )
            self.state.load(old.Q.astype(dtype), old.lam, old.blocks, old.items, old.sqnorm)

    def push(self, blk: _Block, name="block"):
        if self.m is None:
            self._start(blk.m, blk.dtype)
        elif blk.m != self.m:
            raise ValueError(
                f"{name} has {blk.m} entries along the non-stacked axis, earlier blocks had {self.m}"
            )
        self._promote(blk.dtype)
        if blk.b == 0:
            return
        blk = blk.astype(self.dtype)
        out = self.state.update(blk.core(), -1, blk.b, blk.sqnorm, self.track)
        if self.track:
            self.rots.append(out[0])
            self.coefs.append(out[1])

    def merge(self, other: _Summary):
        if other.m is None or other.n == 0:
            return
        if self.track and not other.track:  # refuse before any state changes
            raise ValueError("both summaries must track the items' vectors (compute_u=True) to merge them")
        if self.m is None:
            self._start(other.m, other.dtype)
        elif other.m != self.m:
            raise ValueError(f"cannot merge summaries of dimension {self.m} and {other.m}")
        self._promote(other.dtype)
        # the other summary as a block of k columns: Q_o diag(sqrt(lam_o)), folded in exactly
        s2 = np.sqrt(other.lam)
        A = np.asfortranarray(other.Q.astype(self.dtype) * s2.astype(self.dtype))
        blk = _Block(A, axis=1)
        items = other.item_coefficients() if self.track else None
        out = self.state.update(blk.core(), 1, other.n, other.sqnorm, self.track)
        if self.track:
            with np.errstate(divide="ignore", invalid="ignore"):
                scaled = np.where(s2 > 0, 1.0 / s2, 0.0)
            self.rots.append(out[0])
            self.coefs.append((items * scaled) @ out[1])

    def item_coefficients(self):
        """X Q for all items seen, (n x k), from the stored chunks."""
        k = self.state.k if self.state is not None else 0
        T = np.eye(k)
        out = [None] * len(self.coefs)
        for j in range(len(self.coefs) - 1, -1, -1):
            out[j] = self.coefs[j] @ T
            T = self.rots[j] @ T
        if not out:
            return np.zeros((0, k))
        return np.vstack(out)

    def result(self, rank, compute_items):
        """(basis m x rank, s, items n x rank or None), padded where the data has lower rank."""
        lam = self.lam
        k = min(rank, lam.size)
        s = np.zeros(rank, dtype=self.dtype)
        s[:k] = np.sqrt(lam[:k])
        basis = _complete(np.asarray(self.Q[:, :k]), rank)
        items = None
        if compute_items:
            P = self.item_coefficients()[:, :k]
            U = (P / np.sqrt(lam[:k])).astype(self.dtype) if k else P.astype(self.dtype)
            items = _complete(U, rank)
        return basis.astype(self.dtype), s, items


def _complete(Q, r):
    """Q (m x k, orthonormal columns) extended to r orthonormal columns."""
    m, k = Q.shape
    if k >= r:
        return np.ascontiguousarray(Q[:, :r])
    G = np.random.default_rng(0).standard_normal((m, r - k)).astype(Q.dtype)
    for _ in range(2):
        if k:
            G -= Q @ (Q.T @ G)
        G, _ = np.linalg.qr(G)
    return np.ascontiguousarray(np.hstack([Q, G]))


# --------------------------------------------------------------------------
# incremental_svd


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
        Complex, object or string blocks.
    """
    axis = _check_axis(axis)
    rank = check_rank(rank)
    oversampling = check_int(oversampling, "oversampling", low=0)
    tol = check_real(tol, "tol", low=0.0, high=1.0)
    compute_u = bool(compute_u)
    residual = _check_residual(residual)
    power_iters = check_int(power_iters, "power_iters", low=0)
    seed = seed_from_rng(rng)
    summary = _Summary(rank + oversampling, residual, tol, seed, compute_u, power_iters)
    for i, X in enumerate(_iter_blocks(blocks)):
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
        return SVDResult(items, s, basis.T.copy())
    return SVDResult(basis, s, None if items is None else items.T.copy())


def _as_block_allow_empty(X, axis, name) -> _Block:
    if is_sparse(X):
        if X.ndim != 2:
            raise ValueError(f"{name} must be 2-D, got shape {X.shape}")
        return _Block(check_matrix(X, name, allow_empty=True), axis)
    if isinstance(X, (str, bytes)) or X is None:
        raise TypeError(f"{name} must be a 2-D array, got {type(X).__name__}")
    arr = check_matrix(X, name, allow_empty=True)
    return _Block(arr, axis)


# --------------------------------------------------------------------------
# Error bounds


def _collect(blocks, axis, name="blocks"):
    out = []
    m = None
    for i, X in enumerate(_iter_blocks(blocks, name)):
        blk = _as_block_allow_empty(X, axis, f"{name}[{i}]")
        if m is None:
            m = blk.m
        elif blk.m != m:
            raise ValueError(f"{name}[{i}] has {blk.m} entries along the non-stacked axis, {name}[0] has {m}")
        out.append(blk)
    if not out:
        raise ValueError(f"{name} is empty")
    dtype = np.result_type(*[b.dtype for b in out])
    out = [b.astype(dtype) for b in out]
    if sum(b.b for b in out) == 0 or out[0].m == 0:
        raise ValueError(f"{name} contain no data")
    return out


def _seed_prefix(blks, order, r):
    """Largest-norm block plus the next largest while the rank cap min(m, width) <= r."""
    m = blks[order[0]].m
    width = blks[order[0]].b
    i = 1
    while i < len(order) and min(m, width + blks[order[i]].b) <= r:
        width += blks[order[i]].b
        i += 1
    return list(order[:i])


def _full_basis(blks, idx, tol, dtype):
    """Exact (untruncated) summary of the blocks idx: Q spans them, lam = squared singular values."""
    m = blks[idx[0]].m
    state = _new_state(m, max(m, 1), "exact", tol, 0, dtype)
    for j in idx:
        if blks[j].b:
            state.update(blks[j].core(), 1, blks[j].b, blks[j].sqnorm, False)
    return state.Q, state.lam


class _WeylState:
    """The Weyl (max-norm) bound: sum_{i<=r} sigma_i(M)^2 >= energy of the seed."""

    def __init__(self, blks, seed, r, tol):
        energy = sum(blks[j].sqnorm for j in seed)
        if min(blks[seed[0]].m, sum(blks[j].b for j in seed)) > r:
            # a single block wider than r: its top-r energy, not its norm
            _, lam = _full_basis(blks, seed, tol, blks[seed[0]].dtype)
            energy = float(np.sum(lam[:r]))
        self.lower = energy

    def add(self, blk):
        return self

    def lower_bound(self, r):
        return self.lower


class _ResidualState:
    """The residual bound: top-r of the union of sigma^2(seed) and sigma^2(residuals)."""

    def __init__(self, blks, seed, r, tol):
        dtype = blks[seed[0]].dtype
        self.Q, lam = _full_basis(blks, seed, tol, dtype)
        self.values = np.sort(lam)[::-1][:r]
        self.r = r
        self.tol = tol

    def add(self, blk):
        new = object.__new__(_ResidualState)
        new.r, new.tol = self.r, self.tol
        Q = self.Q
        if blk.b == 0:
            new.Q, new.values = Q, self.values
            return new
        Qr, values = _core.isvd_residual_basis(Q, blk.core(), self.tol)
        new.Q = np.asfortranarray(np.hstack([Q, Qr]))
        new.values = np.sort(np.concatenate([self.values, values]))[::-1][: self.r]
        return new

    def lower_bound(self, r):
        return float(np.sum(self.values[:r]))


class _EstimateState:
    """The incremental estimate: the (Q, S) summary with exact residuals, truncated to r + p."""

    def __init__(self, blks, seed, r, tol, k_keep):
        self.state = _new_state(blks[seed[0]].m, k_keep, "exact", tol, 0, blks[seed[0]].dtype)
        for j in seed:
            if blks[j].b:
                self.state.update(blks[j].core(), 1, blks[j].b, blks[j].sqnorm, False)

    def add(self, blk):
        new = object.__new__(_EstimateState)
        new.state = self.state.copy()
        if blk.b:
            new.state.update(blk.core(), 1, blk.b, blk.sqnorm, False)
        return new

    def lower_bound(self, r):
        return float(np.sum(self.state.lam[:r]))


_METHODS = ("weyl", "residual", "estimate")


def _make_state(method, blks, seed, r, tol, oversampling):
    if method == "weyl":
        return _WeylState(blks, seed, r, tol)
    if method == "residual":
        return _ResidualState(blks, seed, r, tol)
    return _EstimateState(blks, seed, r, tol, r + oversampling)


def _relative(total, lower):
    if total <= 0:
        return 0.0
    return float(np.sqrt(max(total - lower, 0.0) / total))


def _check_method(method):
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    return method


@one_blas_thread
def svd_error_bound(
    blocks, rank, *, axis=0, method="residual", order="norm", oversampling=5, tol=1e-12
) -> float:
    """Upper bound on the relative error of the best rank-``rank`` approximation
    of the stacked blocks, without computing their SVD (Shamrai 2026).

    Returns a number ``b`` with ``||M - M_r||_F / ||M||_F <= b`` for the
    concatenation M of the blocks (stacked along ``axis``) and its best
    rank-r approximation ``M_r``; the bound follows from a lower bound on
    ``sum_{i<=r} sigma_i(M)^2``.

    Parameters
    ----------
    blocks : iterable of array_like or scipy.sparse matrices
        The blocks; see :func:`incremental_svd` for ``axis``.
    rank : int
        The target rank r >= 1.
    method : {"weyl", "residual", "estimate"}
        - "weyl": Weyl-type monotonicity ``sigma_i([A, B]) >= sigma_i(A)``
          applied to the largest-norm blocks whose joint rank cap is <= r
          (their whole energy counts; a single block wider than r counts
          its top-r energy). Cheapest, loosest.
        - "residual": the top r of the union of the squared singular values
          of the first (largest) blocks and of the residual of every further
          block against the span of all blocks before it (pinching
          inequality). Tighter; keeps a basis of the whole span.
        - "estimate": the paper's incremental estimate, the sum of the top r
          eigenvalues of the (Q, S) summary truncated to ``rank +
          oversampling`` with exact residuals. Since ``Q S Q^T`` stays below
          the Gram matrix in the Loewner order, it is an upper bound as
          well, and the tightest of the three; memory O(m (r + p)).
        All three are true upper bounds in exact arithmetic; rounding moves
        them by about ``tol``.
    order : {"norm", "given"}
        Order in which the blocks are taken: largest Frobenius norm first
        (the paper's seed) or as given. Any order gives a valid bound.

    Returns
    -------
    float in [0, 1].
    """
    axis = _check_axis(axis)
    rank = check_rank(rank)
    method = _check_method(method)
    if order not in ("norm", "given"):
        raise ValueError(f"order must be 'norm' or 'given', got {order!r}")
    oversampling = check_int(oversampling, "oversampling", low=0)
    tol = check_real(tol, "tol", low=0.0, high=1.0)
    blks = _collect(blocks, axis)
    total = sum(b.sqnorm for b in blks)
    if total == 0:
        return 0.0
    idx = list(range(len(blks)))
    if order == "norm":
        idx.sort(key=lambda j: -blks[j].sqnorm)
    seed = _seed_prefix(blks, idx, rank)
    state = _make_state(method, blks, seed, rank, tol, oversampling)
    if method != "weyl":
        for j in idx[len(seed) :]:
            state = state.add(blks[j])
    return _relative(total, state.lower_bound(rank))


# --------------------------------------------------------------------------
# Clustering


def _exact_error(blks, idx, r):
    """Relative error of the exact rank-r SVD of the concatenation of blocks idx."""
    m = blks[idx[0]].m
    width = sum(blks[j].b for j in idx)
    total = sum(blks[j].sqnorm for j in idx)
    if total == 0 or min(m, width) <= r:
        return 0.0
    if not any(blks[j].sparse for j in idx) or min(m, width) <= 4000:
        if m <= width:
            G = np.zeros((m, m))
            for j in idx:
                A = blks[j].A if not blks[j].sparse else blks[j].A_csr
                G += np.asarray(
                    (A @ A.T).toarray() if sp.issparse(A) else A.astype(np.float64) @ A.T.astype(np.float64)
                )
        else:
            mats = [blks[j].A_csr.toarray() if blks[j].sparse else blks[j].A for j in idx]
            M = np.hstack(mats).astype(np.float64)
            G = M.T @ M
        w = np.linalg.eigvalsh(G)[::-1]
        top = float(np.sum(np.clip(w[:r], 0, None)))
    else:
        from scipy.sparse.linalg import svds

        M = sp.hstack([blks[j].A_csr for j in idx]).astype(np.float64)
        s = svds(M, k=r, return_singular_vectors=False, random_state=0)
        top = float(np.sum(s**2))
    return _relative(total, top)


@one_blas_thread
def cluster_matrices(
    matrices, rank, eps, *, axis=1, method="residual", order="norm", patience=10, oversampling=5, tol=1e-12
) -> ClusteringResult:
    """Compression-aware clustering of matrices under an SVD error constraint.

    The paper's greedy scheme (Shamrai 2026): take the remaining matrix of
    largest Frobenius norm (with the next largest ones while their joint
    rank cap stays <= rank) as a seed, then try to add the other matrices in
    turn, keeping each only while the predicted relative error of the
    rank-``rank`` SVD of the cluster's concatenation stays <= ``eps``; the
    cluster closes at the first candidate that would break it. After
    ``patience`` seeds in a row that take no candidate, every remaining
    matrix becomes a singleton.

    Parameters
    ----------
    matrices : iterable of array_like or scipy.sparse matrices
        All of the same size along the non-stacked axis.
    rank : int
        Rank r of the shared SVD of each cluster.
    eps : float in [0, 1]
        Largest allowed relative error of a cluster.
    axis : {0, 1}
        1: concatenate horizontally (the paper's), all matrices m x K_i; 0:
        stack vertically, all K_i x m.
    method : {"weyl", "residual", "estimate"}
        The predicted error, see :func:`svd_error_bound`: the paper's three
        algorithms (max-norm/Weyl, residual, incremental approximation). With
        "weyl" and "residual" the achieved error is guaranteed <= eps.
    order : {"norm", "residual"}
        Order of the candidates: ascending Frobenius norm, or ascending norm
        of the residual against the seed's span.
    patience : int
        See above.

    Returns
    -------
    ClusteringResult
    """
    axis = _check_axis(axis)
    rank = check_rank(rank)
    eps = check_real(eps, "eps", low=0.0, high=1.0)
    method = _check_method(method)
    if order not in ("norm", "residual"):
        raise ValueError(f"order must be 'norm' or 'residual', got {order!r}")
    patience = check_int(patience, "patience", low=1)
    oversampling = check_int(oversampling, "oversampling", low=0)
    tol = check_real(tol, "tol", low=0.0, high=1.0)
    blks = _collect(matrices, axis, "matrices")
    m = blks[0].m
    avail = sorted(range(len(blks)), key=lambda j: -blks[j].sqnorm)
    clusters, bounds = [], []
    ones = 0
    while avail:
        seed = _seed_prefix(blks, avail, rank)
        rest = avail[len(seed) :]
        state = _make_state(method, blks, seed, rank, tol, oversampling)
        total = sum(blks[j].sqnorm for j in seed)
        if order == "norm":
            candidates = rest[::-1]
        else:
            Qs, _ = _full_basis(blks, seed, tol, blks[seed[0]].dtype)
            res = []
            for j in rest:
                P = blks[j].rmatmul(Qs)
                res.append(blks[j].sqnorm - float(np.sum(P.astype(np.float64) ** 2)))
            candidates = [rest[i] for i in np.argsort(res, kind="stable")]
        accepted = []
        bound = _relative(total, state.lower_bound(rank))
        for j in candidates:
            trial = state.add(blks[j])
            t_total = total + blks[j].sqnorm
            predicted = _relative(t_total, trial.lower_bound(rank))
            if predicted > eps:
                break
            state, total, bound = trial, t_total, predicted
            accepted.append(j)
        if not accepted:
            ones += 1
            if ones >= patience:
                for j in avail:
                    clusters.append([j])
                    bounds.append(0.0)
                break
        else:
            ones = 0
        members = seed + accepted
        clusters.append(members)
        bounds.append(bound if len(members) > 1 else 0.0)
        taken = set(members)
        avail = [j for j in avail if j not in taken]
    labels = np.empty(len(blks), dtype=np.intp)
    for c, members in enumerate(clusters):
        labels[members] = c
    # a singleton is stored as it is: no error
    errors = np.array([_exact_error(blks, c, rank) if len(c) > 1 else 0.0 for c in clusters])
    N = sum(b.b for b in blks)
    params = 0
    for c in clusters:
        K = sum(blks[j].b for j in c)
        params += K * m if len(c) == 1 else min(rank * (m + K), K * m)
    ratio = float(m * N / params) if params else 1.0
    return ClusteringResult(
        labels,
        [np.asarray(c, dtype=np.intp) for c in clusters],
        errors,
        ratio,
        np.asarray(bounds, dtype=np.float64),
    )


# --------------------------------------------------------------------------
# The estimator


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


class IncrementalSVD(TransformerMixin, BaseEstimator):
    """Incremental truncated SVD as a scikit-learn transformer (Shamrai 2026).

    Like ``sklearn.decomposition.IncrementalPCA`` but without centring (as
    ``TruncatedSVD``): the rows of X are the samples, and
    ``components_`` are the top right singular vectors of all rows seen.
    Sparse input is accepted and never densified.

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
    power_iters : int, default 1
        Depth of the residual's Krylov space, see :func:`incremental_svd`.
    rng : None, int or numpy.random.Generator
        Seed of the residual sketch.

    Attributes
    ----------
    components_ : ndarray (rank, n_features)
    singular_values_ : ndarray (rank,)
    explained_variance_ratio_ : ndarray (rank,)
        ``singular_values_**2 / ||X||_F^2``: the fraction of the total
        (uncentred) sum of squares each component carries.
    n_samples_seen_ : int
    n_features_in_ : int
    u_ : ndarray (n_samples_seen_, rank), only with compute_u=True
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
        check_int(self.power_iters, "power_iters", low=0)
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
        elif d != self.n_features_in_:
            raise ValueError(
                f"X has {d} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input"
            )
        return X

    @one_blas_thread
    def partial_fit(self, X, y=None):
        """Update the summary with the rows of X."""
        first = not hasattr(self, "_summary")
        X = self._check_X(X, reset=first)
        if first:
            self._start()
            self.n_features_in_ = X.shape[1]
        self._summary.push(_Block(X, 0), "X")
        self._publish()
        return self

    @one_blas_thread
    def fit(self, X, y=None):
        """Fit on X from scratch, in blocks of ``batch_size`` rows."""
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

    def transform(self, X):
        """Coordinates of the rows of X on the components: ``X @ components_.T``."""
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
        """Rows back in feature space: ``Z @ components_``."""
        check_is_fitted(self)
        Z = check_matrix(Z, "Z")
        if Z.shape[1] != self.components_.shape[0]:
            raise ValueError(f"Z has {Z.shape[1]} columns, expected {self.components_.shape[0]} (rank)")
        return np.asarray(Z @ self.components_.astype(Z.dtype, copy=False))

    @one_blas_thread
    def merge(self, other: IncrementalSVD) -> IncrementalSVD:
        """Fold the summary of ``other`` (fitted on other rows) into this one; returns self.

        The result summarises the rows seen by both, as if they had been
        streamed through one estimator (up to the truncation to ``rank +
        oversampling``). ``u_`` is kept when both have ``compute_u=True``;
        the rows of ``other`` come after those of self.
        """
        if not isinstance(other, IncrementalSVD):
            raise TypeError(f"other must be an IncrementalSVD, got {type(other).__name__}")
        check_is_fitted(other)
        if not hasattr(self, "_summary"):
            self._start()
            self.n_features_in_ = other.n_features_in_
        if other.n_features_in_ != self.n_features_in_:
            raise ValueError(f"other has {other.n_features_in_} features, self has {self.n_features_in_}")
        self._summary.merge(other._summary)
        self._publish()
        return self
