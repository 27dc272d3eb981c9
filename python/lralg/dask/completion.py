"""Matrix completion over row blocks: each half-sweep solves its blocks where they live."""

from __future__ import annotations

import math
import operator

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator

from .. import _core
from .._completion_init import random_factors, svd_factors
from .._completion_sweeps import (
    Observations,
    SweepState,
    check_split,
    fit,
    half_sweep_options,
    split_by_mask,
)
from .._validate import check_rank, check_rng, check_value_range
from ..completion import (
    CompletionResult,
    _check_clip,
    _check_options,
    _fitted,
    _observations,
    _warm_factors,
    _zero_offsets,
)
from ._common import check_row_chunked, resolve_client, row_chunks, tree_reduce
from ._frame import frame_row_blocks, is_dask_frame

__all__ = ["complete"]


def _int64_indices(csr):
    """csr with int64 indices, one index type for every block."""
    if csr.indptr.dtype == np.int64 and csr.indices.dtype == np.int64:
        return csr
    return sp.csr_array(
        (csr.data, csr.indices.astype(np.int64), csr.indptr.astype(np.int64)), shape=csr.shape
    )


def _observed_block(chunk, index):
    return _int64_indices(_observations(chunk, f"M chunk {index}"))


def _block_summary(csr):
    """(count, sum, min, max) of a block's observed values."""
    d = csr.data.astype(np.float64)
    if d.size == 0:
        return np.array([0.0, 0.0, np.inf, -np.inf])
    return np.array([d.size, d.sum(), d.min(), d.max()])


def _centred_square_sum(csr, mu):
    d = csr.data.astype(np.float64) - mu
    return float(np.dot(d, d))


def _column_piece(csr, lo, hi):
    return csr[:, lo:hi]


def _transposed_block(*pieces):
    """The rows of M^T for one range of columns: the pieces of every row block, stacked."""
    t = sp.csr_array(sp.vstack(pieces, format="csr").T)
    t.sort_indices()
    return _int64_indices(t)


def _transpose_times(blk, y):
    return blk.T @ y


def _centred(csr, mu):
    return sp.csr_array((csr.data - csr.dtype.type(mu), csr.indices, csr.indptr), shape=csr.shape)


def _split_block(csr, packed, count):
    """The block's training CSR and its held-out (rows, cols, values), for its part of the mask."""
    held = np.unpackbits(packed, count=count).astype(bool)
    train, rows, cols, values = split_by_mask(csr, held)
    return _int64_indices(train), (rows, cols, values)


def _held_out_squares(held, U, V, mu, a, b, clip):
    rows, cols, values = held
    pred = _core.completion_predict(U, V, mu, a, b, rows, cols)
    if clip is not None:
        np.clip(pred, *clip, out=pred)
    return float(np.sum((pred - values) ** 2, dtype=np.float64))


def _solve_block(csr, offset, Y, start, settings, stream, row_observations, rank=None, mu=0.0):
    """The block's rows of the unknown factor, from ``start``, solved given the fixed one Y (a copy).

    With ``rank`` (the half-sweep over M's rows, the last of a sweep) also the block's
    squared training residual with the new rows, so no pass of its own is needed for the RMSE.
    """
    X = np.array(start, order="C")
    m, n = csr.shape
    iters = _core.completion_solve_rows(
        csr.indptr,
        csr.indices,
        csr.data,
        None,
        m,
        n,
        offset,
        Y,
        X,
        half_sweep_options(settings, stream, row_observations),
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


def _slices(offsets):
    return list(zip(offsets[:-1].tolist(), offsets[1:].tolist()))


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
            for blk, (lo, hi) in zip(self.blocks, _slices(self.offsets))
        ]
        return self.client.compute(tree_reduce(parts, operator.add), sync=True)

    def _matvec(self, x):
        return self._matmat(x.reshape(-1, 1)).ravel()

    def _rmatvec(self, y):
        return self._rmatmat(y.reshape(-1, 1)).ravel()


class _ClusterObservations(Observations):
    """Observations kept on the workers: M's row blocks, and its columns in as many blocks."""

    def __init__(self, client, rows, row_offsets, n, dtype, bias):
        import dask

        self.client, self.rows, self.row_offsets = client, rows, row_offsets
        self.dtype, self.bias = dtype, bias
        self.delayed = dask.delayed(pure=True)
        self.m, self.n = int(row_offsets[-1]), n
        summaries = client.compute([self.delayed(_block_summary)(r) for r in rows], sync=True)
        self.counts = [int(s[0]) for s in summaries]
        self.nnz = sum(self.counts)
        self.value_range = (min(s[2] for s in summaries), max(s[3] for s in summaries))
        self.mu = math.fsum(s[1] for s in summaries) / self.nnz if bias and self.nnz else 0.0
        squares = [self.delayed(_centred_square_sum)(r, self.mu) for r in rows]
        self.mean_square = client.compute(tree_reduce(squares, operator.add), sync=True) / max(self.nnz, 1)
        self.cols, self.col_offsets = None, None

    def column_blocks(self):
        """M's columns, in as many blocks as its rows (built once, from the row blocks)."""
        if self.cols is None:
            n_blocks = min(len(self.rows), self.n)
            self.col_offsets = np.linspace(0, self.n, n_blocks + 1).round().astype(int)
            self.cols = self.client.persist(
                [
                    self.delayed(_transposed_block)(
                        *[self.delayed(_column_piece)(r, lo, hi) for r in self.rows]
                    )
                    for lo, hi in _slices(self.col_offsets)
                ]
            )
        return self.cols, self.col_offsets

    def start_factors(self, init, k, generator):
        """init_svd (on the client, every product on the cluster) or init_random."""
        if init == "random":
            return random_factors((self.m, self.n), self.mean_square, k, generator, self.dtype)
        centred = self.rows
        if self.mu != 0.0:
            centred = self.client.persist([self.delayed(_centred)(r, self.mu) for r in self.rows])
        A = _ClusterOperator(self.client, centred, self.row_offsets, (self.m, self.n), self.dtype)
        return svd_factors(A, self.nnz, k, generator, self.dtype)

    def state(self, factors):
        return _ClusterFit(self, *factors)

    def split(self, fraction, generator, clip):
        # the mask drawn on the client in CSR order, block after block, as one draw over all
        # the entries: the single-machine split; packed as drawn, one bit per observation travels
        masks, n_held = [], 0
        for count in self.counts:
            drawn = generator.random(count) < fraction
            n_held += int(drawn.sum())
            masks.append(np.packbits(drawn))
        check_split(n_held, self.nnz, fraction)
        split = self.delayed(_split_block, nout=2)
        parts = [split(r, h, c) for r, h, c in zip(self.rows, masks, self.counts)]
        train_rows = self.client.persist([p[0] for p in parts])
        held = self.client.persist([p[1] for p in parts])
        train = _ClusterObservations(self.client, train_rows, self.row_offsets, self.n, self.dtype, self.bias)

        def held_out_rmse(state):
            V, b = self.delayed(state.V), self.delayed(state.b)
            parts = [
                self.delayed(_held_out_squares)(
                    h, state.U[lo:hi], V, state.mu, None if state.a is None else state.a[lo:hi], b, clip
                )
                for h, (lo, hi) in zip(held, _slices(self.row_offsets))
            ]
            return math.sqrt(self.client.compute(tree_reduce(parts, operator.add), sync=True) / n_held)

        return train, held_out_rmse


class _ClusterFit(SweepState):
    """The factors on the client; each half-sweep solves the blocks where they live."""

    def __init__(self, data: _ClusterObservations, U, V, a, b):
        super().__init__(U, V, a, b, data.mu)
        self.data, self.m, self.n, self.nnz = data, data.m, data.n, data.nnz
        data_rms = math.sqrt(data.mean_square)
        self.scale = data_rms if data_rms > 0 else 1.0
        self._swept_sq = None

    def solve(self, side, offset, fixed, unknown, settings, stream):
        import dask

        data = self.data
        if side == "rows":
            blocks, offsets, rank = data.rows, data.row_offsets, self.k
        else:
            (blocks, offsets), rank = data.column_blocks(), None
        # one key each for the fixed factor and the offsets, which every task reads: the
        # scheduler keeps them in the graph, so they outlive a worker that dies
        fixed_d, offset_d = data.delayed(fixed), data.delayed(offset)
        per_row = self.nnz / (self.m if side == "rows" else self.n)  # the undivided side's
        solve = dask.delayed(_solve_block, pure=True, nout=3)
        out = [
            solve(blk, offset_d, fixed_d, unknown[lo:hi], settings, stream, per_row, rank, self.mu)
            for blk, (lo, hi) in zip(blocks, _slices(offsets))
        ]
        solved = data.client.compute([(o[0], o[1], o[2]) for o in out], sync=True)
        unknown[...] = np.vstack([x[0] for x in solved])
        self._swept_sq = sum(x[2] for x in solved) if rank is not None else None
        return sum(int(x[1]) for x in solved)

    def squared_error(self):
        data = self.data
        V, b = data.delayed(self.V), data.delayed(self.b)
        parts = [
            data.delayed(_squared_residual)(
                r, self.U[lo:hi], V, self.mu, None if self.a is None else self.a[lo:hi], b
            )
            for r, (lo, hi) in zip(data.rows, _slices(data.row_offsets))
        ]
        return data.client.compute(tree_reduce(parts, operator.add), sync=True)

    def swept_squared_error(self):
        # the U-step, the last of a sweep, returned its blocks' squared residuals
        return self._swept_sq


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
    callback=None,
    columns=None,
    shape=None,
    client=None,
) -> CompletionResult:
    """Matrix completion of row blocks on a cluster: each half-sweep solved where its blocks live.

    The problem, methods, options and result of :func:`lralg.complete`. M's
    row blocks stay on the workers, with a copy of M's columns cut into as
    many blocks (made once); a half-sweep sends the fixed factor (``(m + n)
    k`` numbers in all) to every block's task, which solves the block's
    rows with lralg's core and returns them. For the same seed the factors,
    and with ``reg="auto"`` the split, the path and the chosen reg, are
    those of ``lralg.complete`` up to the order of floating-point sums.

    Parameters
    ----------
    M : dask.array.Array of shape (m, n), or dask.dataframe.DataFrame
        An array chunked by rows only, with known chunk sizes (sparse
        chunks: the stored entries are observed; dense chunks: NaN marks
        missing), or a DataFrame with one observation per row: integer row
        and column indices and a real value (duplicates are summed, as
        scipy.sparse does); its partitions are regrouped into as many row blocks.
    rank, method, reg, bias, max_iter, tol, init, warm_start, validation, clip, rng, callback
        As in :func:`lralg.complete`. ``init="svd"`` runs the randomized
        SVD of the start on the client with every product on the cluster.
    columns : (str, str, str), optional
        The DataFrame's columns of row index, column index and value;
        ``("row", "col", "value")`` by default.
    shape : (int, int), optional
        (m, n) of a DataFrame's matrix; by default one past its largest indices.
    client : distributed.Client, optional
        The client to run on; the current one by default.

    Returns
    -------
    CompletionResult
        As :func:`lralg.complete` returns it (factors in the client's memory).

    Raises
    ------
    TypeError
        M neither a dask array nor a dask DataFrame, complex, object or
        non-integer index dtypes, a bad ``callback``/``warm_start``/``clip``.
    ValueError
        Array chunks across columns or of unknown size, ``columns``/``shape``
        with an array, missing columns, no running client, no observed
        entry, a rank out of range, unknown method or init; for a
        DataFrame, missing, negative or out-of-range indices or NaN/Inf
        values (found by one pass over it before the fit); NaN/Inf among
        an array chunk's observed values (raised by its task).
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
    method_id, reg, auto, validation, max_iter, tol = _check_options(
        method, init, reg, bias, validation, max_iter, tol, False, callback, bayes_allowed=False
    )
    clip = _check_clip(clip)
    if warm_start is not None and not isinstance(warm_start, CompletionResult):
        raise TypeError("warm_start must be a CompletionResult or None")
    generator = check_rng(rng)
    if is_dask_frame(M):
        rows, row_offsets, n, dtype = frame_row_blocks(client, M, columns, shape)
    else:
        rows, row_offsets, n, dtype = _array_row_blocks(M, columns, shape)
    m = int(row_offsets[-1])
    k = check_rank(rank, upper=min(m, n))
    if warm_start is not None:
        _warm_factors(warm_start, (m, n), k, bias, dtype)  # refused before any work

    data = _ClusterObservations(client, client.persist(rows), row_offsets, n, dtype, bias)
    if data.nnz == 0:
        raise ValueError("M has no observed entries")
    check_value_range(data.value_range, dtype, (m, n), "M")
    if clip == "observed":
        clip = tuple(float(x) for x in data.value_range)

    def start_factors(obs):
        if warm_start is not None:
            return _warm_factors(warm_start, (m, n), k, bias, dtype)
        return (*obs.start_factors(init, k, generator), *_zero_offsets(m, n, bias, dtype))

    state, history, converged, reg, reg_path = fit(
        data,
        start_factors,
        auto=auto,
        reg=reg,
        validation=validation,
        clip=clip,
        generator=generator,
        method_id=method_id,
        max_iter=max_iter,
        tol=tol,
        callback=callback,
        settle_start=warm_start is None,
    )
    return _fitted(state, history, converged, method, reg, clip, reg_path)


def _array_row_blocks(M, columns, shape):
    """(delayed CSR row blocks, row offsets, n, dtype) of a row-chunked dask array."""
    if columns is not None or shape is not None:
        raise ValueError("columns and shape are for a DataFrame M; a dask array has its own shape")
    import dask
    import dask.array as da

    if not isinstance(M, da.Array):
        kind = f"{type(M).__module__}.{type(M).__name__}"
        hint = " (dask.dataframe.from_pandas makes one)" if kind.startswith("pandas") else ""
        raise TypeError(f"M must be a dask.array.Array or a dask DataFrame{hint}, got {kind}")
    M = check_row_chunked(M, "M", known_rows=True)

    observed = dask.delayed(_observed_block, pure=True)
    rows = [observed(c, i) for i, c in enumerate(row_chunks(M))]
    row_offsets = np.concatenate([[0], np.cumsum(M.chunks[0])]).astype(int)
    dtype = M.dtype if M.dtype.kind == "f" else np.dtype(np.float64)
    return rows, row_offsets, int(M.shape[1]), dtype
