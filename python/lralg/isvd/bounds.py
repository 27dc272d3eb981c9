"""A-posteriori error bounds of the concatenation's truncated SVD, and compression-aware clustering."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .. import _core
from .._blas import one_blas_thread
from .._result import Result
from .._validate import check_int, check_rank, check_real
from ._blocks import _as_block_allow_empty, _check_axis, _iter_blocks
from ._summary import _new_state

__all__ = ["ClusteringResult", "cluster_matrices", "svd_error_bound"]


@dataclass(repr=False, eq=False)
class ClusteringResult(Result):
    """Clusters of matrices returned by :func:`cluster_matrices`.

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

    Examples
    --------
    >>> import numpy as np, lralg
    >>> B = np.random.default_rng(0).standard_normal((20, 2))
    >>> res = lralg.cluster_matrices([B, 2 * B, 3 * B], 2, 0.1, method="estimate")
    >>> res.labels, round(res.compression_ratio, 4)
    (array([0, 0, 0]), 2.3077)
    """

    labels: np.ndarray
    clusters: list
    errors: np.ndarray
    compression_ratio: float
    bounds: np.ndarray


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
    """Upper bound on the relative error of the stacked blocks' best rank-``rank`` approximation.

    The bound comes without computing the SVD of the concatenation (Shamrai
    2026). Returns a number ``b`` with ``||M - M_r||_F / ||M||_F <= b`` for the
    concatenation M of the blocks (stacked along ``axis``) and its best
    rank-r approximation ``M_r``; the bound follows from a lower bound on
    ``sum_{i<=r} sigma_i(M)^2``.

    Parameters
    ----------
    blocks : iterable of array_like or scipy.sparse matrices
        The blocks; see :func:`incremental_svd` for ``axis``.
    rank : int
        The target rank r >= 1.
    axis : {0, 1}
        Stacking axis, as in :func:`incremental_svd`.
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
    oversampling : int, default 5
        Extra eigenpairs of the "estimate" summary.
    tol : float, default 1e-12
        Relative tolerance under which directions count as zero.

    Returns
    -------
    float
        The bound b, in [0, 1].

    Raises
    ------
    ValueError
        No data, blocks of mismatched sizes, NaN/Inf, an unknown method or order.
    TypeError
        Complex, object or string blocks.

    See Also
    --------
    cluster_matrices : clustering under this bound.

    References
    ----------
    .. [1] M. Shamrai, "Concatenated matrix SVD: compression bounds,
       incremental approximation, and error-constrained clustering", 2026,
       arXiv:2601.11626.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> rng = np.random.default_rng(0)
    >>> blocks = [rng.standard_normal((30, 10)) for _ in range(4)]
    >>> s = np.linalg.svd(np.hstack(blocks), compute_uv=False)
    >>> exact = np.sqrt(np.sum(s[5:] ** 2) / np.sum(s**2))
    >>> bounds = [lralg.svd_error_bound(blocks, 5, axis=1, method=m) for m in ("weyl", "residual", "estimate")]
    >>> all(exact <= b + 1e-12 for b in bounds)
    True
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
    """Cluster matrices so that each cluster's concatenation compresses to rank ``rank`` within ``eps``.

    Shamrai's greedy scheme (2026): take the remaining matrix of
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
    patience : int, default 10
        See above.
    oversampling : int, default 5
        Extra eigenpairs of the "estimate" summary.
    tol : float, default 1e-12
        Relative tolerance under which directions count as zero.

    Returns
    -------
    ClusteringResult
        Labels, clusters, the achieved errors and the compression ratio.

    Raises
    ------
    ValueError
        No data, matrices of mismatched sizes, NaN/Inf, ``eps`` outside
        [0, 1], an unknown method or order.
    TypeError
        Complex, object or string matrices.

    Notes
    -----
    The achieved error of every cluster is computed exactly afterwards
    (``errors``); with "weyl" and "residual" it is at most ``eps`` by
    construction, with "estimate" it may exceed it slightly. The compression
    ratio counts ``min(r (m + K), K m)`` parameters for a cluster of width K
    and ``K m`` for a singleton.

    References
    ----------
    .. [1] M. Shamrai, "Concatenated matrix SVD: compression bounds,
       incremental approximation, and error-constrained clustering", 2026,
       arXiv:2601.11626.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> rng = np.random.default_rng(0)
    >>> basis = rng.standard_normal((40, 3))
    >>> shared = [basis @ rng.standard_normal((3, 6)) for _ in range(4)]  # one 3-D span
    >>> other = [rng.standard_normal((40, 6)) for _ in range(2)]
    >>> res = lralg.cluster_matrices(shared + other, 3, 0.05, method="estimate", order="residual")
    >>> res.labels
    array([0, 0, 0, 0, 1, 2])
    >>> bool(res.errors.max() <= 0.05)
    True
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
