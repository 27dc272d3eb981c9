"""Incremental SVD over the row chunks of a dask array: one summary per chunk, merged by a tree."""

from __future__ import annotations

import copy
import math

import numpy as np

from .._blas import one_blas_thread
from .._validate import check_int, check_rank, check_real, seed_from_rng
from ..isvd._blocks import _as_block_allow_empty, _check_residual
from ..isvd._summary import _Summary
from ..isvd.incremental import SVDResult
from ._common import check_row_chunked, chunk_seed, resolve_client, row_chunks, tree_reduce

__all__ = ["incremental_svd"]


@one_blas_thread
def _chunk_summary(chunk, index, k_keep, residual, tol, seed, power_iters):
    summary = _Summary(k_keep, residual, tol, chunk_seed(seed, index), False, power_iters)
    summary.push(_as_block_allow_empty(chunk, 0, f"X chunk {index}"), f"X chunk {index}")
    return summary


@one_blas_thread
def _merge_summaries(left, right):
    merged = copy.deepcopy(left)  # a task never changes its inputs: Dask may reuse or retry them
    merged.merge(right)
    return merged


def _finish(summary, rank):
    if summary.m is None or summary.n == 0:
        raise ValueError("X contains no data")
    if rank > min(summary.m, summary.n):
        raise ValueError(f"rank must be <= min(X.shape) = {min(summary.m, summary.n)}, got {rank}")
    basis, s, _ = summary.result(rank, False)
    total = summary.sqnorm
    kept = float(np.sum(summary.lam[:rank]))
    bound = math.sqrt(max(total - kept, 0.0) / total) if total > 0 else 0.0
    return basis, s, bound, summary.n


def incremental_svd(
    X,
    rank,
    *,
    oversampling=5,
    tol=1e-12,
    compute_u=False,
    rng=None,
    residual="auto",
    power_iters=1,
    client=None,
) -> SVDResult:
    """Truncated SVD of a row-chunked dask array: one summary per chunk, merged by a tree.

    Each chunk of rows is summarised where it lives by the incremental SVD of
    :func:`lralg.incremental_svd` (a ``(Q, S)`` summary of its Gram matrix,
    ``rank + oversampling`` eigenpairs); the summaries are merged pairwise,
    in row order, as :meth:`lralg.IncrementalSVD.merge` merges them. Only the
    summaries (``n_cols x (rank + oversampling)`` each) travel.

    Parameters
    ----------
    X : dask.array.Array of shape (m, n)
        Chunked by rows only (one chunk along axis 1); chunks dense or
        scipy.sparse (never densified). float32 is kept; integer and bool
        become float64.
    rank : int
        Number of singular triplets, ``1 <= rank <= min(m, n)``.
    oversampling, tol, rng, residual, power_iters
        As in :func:`lralg.incremental_svd`; chunk i's sketch is seeded by
        ``(seed, i)``, so the result does not depend on where chunks run.
    compute_u : bool, default False
        Also return ``u = X @ vt.T / s`` as a lazy dask array (a second pass).
    client : distributed.Client, optional
        The client to run on; the current one by default.

    Returns
    -------
    SVDResult
        ``u, s, vt``; ``u`` a dask array or None. ``error_estimate`` is the
        a-posteriori bound ``sqrt((||X||_F^2 - sum(lam[:rank])) / ||X||_F^2)``
        of the merged summary: an upper bound on the relative error of X's
        best rank-``rank`` approximation when the residuals are exact.

    Raises
    ------
    TypeError
        X not a dask array, a complex dtype, client not a Client.
    ValueError
        Chunks across columns or of unknown width, a rank out of range, no
        running client; NaN/Inf in a chunk (raised by its task).

    See Also
    --------
    lralg.incremental_svd : the single-machine function.

    References
    ----------
    .. [1] M. Shamrai, "Concatenated matrix SVD: compression bounds,
       incremental approximation, and error-constrained clustering", 2026,
       arXiv:2601.11626.

    Examples
    --------
    >>> import numpy as np, dask.array as da, lralg.dask
    >>> from distributed import Client
    >>> client = Client(processes=False, n_workers=1, dashboard_address=":0")
    >>> rng = np.random.default_rng(0)
    >>> M = rng.standard_normal((400, 6)) @ rng.standard_normal((6, 30))
    >>> res = lralg.dask.incremental_svd(da.from_array(M, chunks=(100, 30)), 6, rng=0)
    >>> np.allclose(res.s, np.linalg.svd(M, compute_uv=False)[:6])
    True
    >>> res.error_estimate < 1e-6
    True
    >>> client.close()
    """
    client = resolve_client(client)
    X = check_row_chunked(X, "X")
    rank = check_rank(rank)
    limit = min(X.shape) if not math.isnan(X.shape[0]) else X.shape[1]
    if rank > limit:
        raise ValueError(f"rank must be <= min(X.shape) = {limit}, got {rank}")
    oversampling = check_int(oversampling, "oversampling", low=0)
    tol = check_real(tol, "tol", low=0.0, high=1.0)
    residual = _check_residual(residual)
    power_iters = check_int(power_iters, "power_iters", low=0)
    compute_u = bool(compute_u)
    seed = seed_from_rng(rng)

    import dask

    summarise = dask.delayed(_chunk_summary, pure=True)
    parts = [
        summarise(chunk, i, rank + oversampling, residual, tol, seed, power_iters)
        for i, chunk in enumerate(row_chunks(X))
    ]
    merged = tree_reduce(parts, _merge_summaries)
    result = dask.delayed(_finish, pure=True)(merged, rank)
    basis, s, bound, _ = client.compute(result).result()
    vt = np.ascontiguousarray(basis.T)
    u = None
    if compute_u:
        inverse = np.divide(1.0, s, out=np.zeros_like(s), where=s > 0)
        u = X.map_blocks(_project, vt.T * inverse, dtype=vt.dtype, chunks=(X.chunks[0], (rank,)))
    return SVDResult(u, s, vt, error_estimate=bound)


def _project(chunk, W):
    return np.asarray(chunk @ W.astype(np.result_type(chunk.dtype, W.dtype), copy=False))
