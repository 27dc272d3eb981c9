"""Matrix completion over row blocks: each half-sweep solves its blocks where they live."""

from __future__ import annotations

import math
import operator
import time

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator

from .. import _core
from .._completion_init import random_factors, settle_schedule, svd_factors
from .._completion_sweeps import (
    exact_fit_floor,
    half_sweep_options,
    has_converged,
    objective,
    solver_settings,
    with_ones,
)
from .._validate import check_rank, check_rng, seed_from_rng
from ..completion import (
    CompletionResult,
    _check_options,
    _observations,
    _warm_factors,
)
from ._common import check_row_chunked, resolve_client, row_chunks, tree_reduce

__all__ = ["complete"]


def _observed_block(chunk, index):
    csr = _observations(chunk, f"M chunk {index}")
    if csr.indptr.dtype != np.int64:  # one index type for every block
        csr = sp.csr_array(
            (csr.data, csr.indices.astype(np.int64), csr.indptr.astype(np.int64)), shape=csr.shape
        )
    return csr


def _moments(csr, mu):
    d = csr.data.astype(np.float64)
    return np.array([d.size, d.sum(), np.dot(d - mu, d - mu)])


def _column_piece(csr, lo, hi):
    return csr[:, lo:hi]


def _transposed_block(*pieces):
    """The rows of M^T for one range of columns: the pieces of every row block, stacked."""
    t = sp.csr_array(sp.vstack(pieces, format="csr").T)
    t.sort_indices()
    return sp.csr_array((t.data, t.indices.astype(np.int64), t.indptr.astype(np.int64)), shape=t.shape)


def _transpose_times(blk, y):
    return blk.T @ y


def _centred(csr, mu):
    return sp.csr_array((csr.data - csr.dtype.type(mu), csr.indices, csr.indptr), shape=csr.shape)


def _solve_block(csr, offset, Y, start, settings, stream, rank=None, mu=0.0):
    """The block's rows of the unknown factor, from ``start``, solved given the fixed one Y (a copy).

    With ``rank`` (the half-sweep over M's rows, the last of a sweep) also the block's
    squared training residual with the new rows, so no pass of its own is needed for the RMSE.
    """
    X = np.array(start, order="C")
    iters = _core.completion_solve_rows(
        csr.indptr,
        csr.indices,
        csr.data,
        None,
        csr.shape[0],
        csr.shape[1],
        offset,
        Y,
        X,
        half_sweep_options(settings, stream),
    )
    sq = None
    if rank is not None:
        bias = X.shape[1] > rank
        U, V = np.ascontiguousarray(X[:, :rank]), np.ascontiguousarray(Y[:, :rank])
        a = np.ascontiguousarray(X[:, rank]) if bias else None
        sq = _squared_residual(csr, U, V, mu, a, offset if bias else None)
    return X, iters, sq


def _squared_residual(csr, U, V, mu, a, b):
    m, n = csr.shape
    return _core.completion_squared_residual(csr.indptr, csr.indices, csr.data, m, n, U, V, mu, a, b)


class _ClusterOperator(LinearOperator):
    """The centred observed matrix as an operator whose products run on the cluster."""

    def __init__(self, client, blocks, offsets, shape, dtype):
        super().__init__(dtype=dtype, shape=shape)
        self.client, self.blocks, self.offsets = client, blocks, offsets

    def _matmat(self, X):
        import dask

        parts = [dask.delayed(operator.matmul)(blk, X) for blk in self.blocks]
        return np.vstack(self.client.compute(parts, sync=True))

    def _rmatmat(self, Y):
        import dask

        parts = [
            dask.delayed(_transpose_times)(blk, Y[lo:hi])
            for blk, lo, hi in zip(self.blocks, self.offsets[:-1], self.offsets[1:])
        ]
        return self.client.compute(tree_reduce(parts, operator.add), sync=True)

    def _matvec(self, x):
        return self._matmat(x.reshape(-1, 1)).ravel()

    def _rmatvec(self, y):
        return self._rmatmat(y.reshape(-1, 1)).ravel()

    def toarray(self):
        return self._matmat(np.eye(self.shape[1], dtype=self.dtype))


def complete(
    M,
    rank,
    *,
    method="robust-altmin",
    reg=None,
    bias=False,
    max_iter=100,
    tol=1e-4,
    init="svd",
    warm_start=None,
    rng=None,
    callback=None,
    client=None,
) -> CompletionResult:
    """Matrix completion of a row-blocked dask array: each half-sweep solved where its blocks live.

    The problem, methods, options and result of :func:`lralg.complete`. M's
    row blocks stay on the workers, with a copy of M's columns cut into as
    many blocks (made once); a half-sweep sends the fixed factor (``(m + n)
    k`` numbers in all) to every block's task, which solves the block's
    rows with lralg's core and returns them. For the same seed the factors
    are those of ``lralg.complete`` up to the order of floating-point sums.

    Parameters
    ----------
    M : dask.array.Array of shape (m, n)
        Chunked by rows only, with known chunk sizes. Sparse chunks: the
        stored entries are observed; dense chunks: NaN marks missing.
    rank, method, reg, bias, max_iter, tol, init, warm_start, rng, callback
        As in :func:`lralg.complete`, but for ``reg``: a number (``None``
        means 0 without ``bias``); the held-out choice ``reg="auto"`` runs
        on one machine only. ``init="svd"`` runs ARPACK on the driver with
        every product on the cluster.
    client : distributed.Client, optional
        The client to run on; the current one by default.

    Returns
    -------
    CompletionResult
        As :func:`lralg.complete` returns it (factors in the driver's memory).

    Raises
    ------
    TypeError
        M not a dask array, a complex dtype, a bad ``callback``/``warm_start``.
    ValueError
        Chunks across columns or of unknown size, no running client, no
        observed entry, a rank out of range, unknown method or init, ``reg`` not a number;
        NaN/Inf among a chunk's observed values (raised by its task).
    FloatingPointError
        The factors diverged (try ``reg > 0``).

    See Also
    --------
    lralg.complete : the single-machine function.

    References
    ----------
    .. [1] Y. Gu, Z. Song, J. Yin and L. Zhang, "Low rank matrix completion
       via robust alternating minimization in nearly linear time", ICLR 2024,
       arXiv:2302.11068.

    Examples
    --------
    >>> import numpy as np, dask.array as da, lralg, lralg.dask
    >>> from distributed import Client
    >>> client = Client(processes=False, n_workers=1, dashboard_address=":0")
    >>> rng = np.random.default_rng(0)
    >>> M = rng.standard_normal((200, 5)) @ rng.standard_normal((5, 150))
    >>> observed = np.where(rng.random(M.shape) < 0.3, M, np.nan)
    >>> res = lralg.dask.complete(da.from_array(observed, chunks=(50, 150)), 5, rng=0)
    >>> single = lralg.complete(observed, 5, rng=0)
    >>> np.allclose(res.to_dense(), single.to_dense())
    True
    >>> client.close()
    """
    client = resolve_client(client)
    method_id, reg, auto, _, max_iter, tol = _check_options(
        method, init, reg, bias, 0.5, max_iter, tol, False, callback
    )
    if auto:
        raise ValueError(
            "reg must be a number for lralg.dask.complete ('auto', the default with bias=True, is not)"
        )
    M = check_row_chunked(M, "M", known_rows=True)
    generator = check_rng(rng)
    m, n = (int(x) for x in M.shape)
    k = check_rank(rank, upper=min(m, n))

    import dask

    delayed = dask.delayed(pure=True)
    rows = client.persist([delayed(_observed_block)(c, i) for i, c in enumerate(row_chunks(M))])
    row_offsets = np.concatenate([[0], np.cumsum(M.chunks[0])]).astype(int)
    count, total, _ = client.compute(
        tree_reduce([delayed(_moments)(c, 0.0) for c in rows], operator.add), sync=True
    )
    if count == 0:
        raise ValueError("M has no observed entries")
    mu = float(total / count) if bias else 0.0
    mean_square = (
        client.compute(tree_reduce([delayed(_moments)(c, mu) for c in rows], operator.add), sync=True)[2]
        / count
    )
    dtype = M.dtype if M.dtype.kind == "f" else np.dtype(np.float64)
    # M's columns in as many blocks as its rows, made once from the row blocks
    n_col_blocks = min(len(rows), n)
    col_offsets = np.linspace(0, n, n_col_blocks + 1).round().astype(int)
    cols = client.persist(
        [
            delayed(_transposed_block)(*[delayed(_column_piece)(r, lo, hi) for r in rows])
            for lo, hi in zip(col_offsets[:-1], col_offsets[1:])
        ]
    )

    if warm_start is not None:
        U, V, a, b = _warm_factors(warm_start, (m, n), k, bias, dtype)
    else:
        if init == "svd":
            centred = client.persist([delayed(_centred)(r, mu) for r in rows]) if mu != 0.0 else rows
            A = _ClusterOperator(client, centred, row_offsets, (m, n), dtype)
            U, V = svd_factors(A, int(count), k, generator, dtype)
        else:
            U, V = random_factors((m, n), float(mean_square), k, generator, dtype)
        a = np.zeros(m, dtype=dtype) if bias else None
        b = np.zeros(n, dtype=dtype) if bias else None
    seed = seed_from_rng(generator)
    settings = solver_settings(method_id, reg, mu, seed)
    rslices = list(zip(row_offsets[:-1], row_offsets[1:]))
    cslices = list(zip(col_offsets[:-1], col_offsets[1:]))
    solve = dask.delayed(_solve_block, pure=True, nout=3)

    def half_sweep(blocks, slices, offset, fixed, unknown, stream, rank=None, settings=settings):
        """Every block of the unknown factor solved given the fixed one, sent once to each worker."""
        # one key each for the fixed factor and the offsets, which every task reads: the
        # scheduler keeps them in the graph, so they outlive a worker that dies
        fixed_d, offset_d = delayed(fixed), delayed(offset)
        out = [
            solve(blk, offset_d, fixed_d, unknown[lo:hi], settings, stream, rank, mu)
            for blk, (lo, hi) in zip(blocks, slices)
        ]
        solved = client.compute([(o[0], o[1], o[2]) for o in out], sync=True)
        sq = sum(x[2] for x in solved) if rank is not None else None
        return np.vstack([x[0] for x in solved]), sum(int(x[1]) for x in solved), sq

    def training_rmse():
        V_d, b_d = delayed(V), delayed(b)
        parts = [
            delayed(_squared_residual)(r, U[lo:hi], V_d, mu, None if a is None else a[lo:hi], b_d)
            for r, (lo, hi) in zip(rows, rslices)
        ]
        return math.sqrt(client.compute(tree_reduce(parts, operator.add), sync=True) / count)

    def full_sweep(sweep, options):
        """V then U (with their offsets); returns the CG iterations and the squared residual."""
        nonlocal U, V, a, b
        if bias:
            Xv, iv, _ = half_sweep(
                cols, cslices, a, with_ones(U), np.column_stack([V, b]), 2 * sweep, None, options
            )
            V, b = np.ascontiguousarray(Xv[:, :k]), np.ascontiguousarray(Xv[:, k])
            Xu, iu, sq = half_sweep(
                rows, rslices, b, with_ones(V), np.column_stack([U, a]), 2 * sweep + 1, k, options
            )
            U, a = np.ascontiguousarray(Xu[:, :k]), np.ascontiguousarray(Xu[:, k])
        else:
            V, iv, _ = half_sweep(cols, cslices, None, U, V, 2 * sweep, None, options)
            U, iu, sq = half_sweep(rows, rslices, None, V, U, 2 * sweep + 1, k, options)
        return iv + iu, sq

    data_rms = math.sqrt(mean_square)
    scale = data_rms if data_rms > 0 else 1.0
    # the settling sweeps of lralg.complete's start, with the same streams
    schedule = [] if warm_start is not None else settle_schedule(reg, int(count), (m, n), scale)
    for sweep, settle_reg in enumerate(schedule, start=1):
        full_sweep(sweep, solver_settings(method_id, settle_reg, mu, seed))
    if schedule and not (np.isfinite(U).all() and np.isfinite(V).all()):
        raise FloatingPointError("complete: the factors diverged while settling the start; try reg > 0")
    floor = exact_fit_floor(dtype, scale)
    history, converged = [], False
    previous = objective(training_rmse() ** 2 * count, reg, U, V, a, b)
    for sweep in range(1, max_iter + 1):
        start = time.perf_counter()
        iters, sq = full_sweep(sweep, settings)
        seconds = time.perf_counter() - start
        rmse = math.sqrt(sq / count)
        current = objective(sq, reg, U, V, a, b)
        if not np.isfinite(current):
            raise FloatingPointError("complete: the factors diverged (non-finite RMSE); try reg > 0")
        state = {"sweep": sweep, "rmse": rmse, "seconds": seconds, "cg_iterations": iters}
        history.append(dict(state))
        converged = has_converged(previous, current, rmse, floor, tol)
        previous = current
        if callback is not None:
            state.update(U=U, V=V)
            if callback(state) is True:
                break
        if converged:
            break
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
        settling_sweeps=len(schedule),
    )
