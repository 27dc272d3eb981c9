"""FastRP embeddings of a row-blocked adjacency: each power a distributed sparse product."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .. import _core
from .._validate import check_int, check_real, seed_from_rng
from ..graph import _check_compute_dtype, _check_weights
from ..projection import _density
from ._common import check_row_chunked, resolve_client, row_chunks

__all__ = ["fastrp"]


def _canonical_csr(chunk, dtype):
    csr = sp.csr_array(chunk, dtype=dtype) if sp.issparse(chunk) else sp.csr_array(np.asarray(chunk, dtype))
    csr.sum_duplicates()
    if not np.isfinite(csr.data).all():
        raise ValueError("A contains NaN or Inf")
    return csr


def _row_sums(chunk):
    return np.asarray(chunk.sum(axis=1, dtype=np.float64)).ravel()


def _row_factors(norms, w, normalize):
    if not normalize:
        return np.full(norms.shape, w)
    return np.divide(w, norms, out=np.zeros_like(norms), where=norms > 0)


def _first_panel(G, lo, hi, self_influence, normalize, dtype):
    """The block's rows of E before the powers: self_influence * N(G)."""
    rows = G[lo:hi]
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1), dtype=np.float64).ravel())
    f = _row_factors(norms, self_influence, normalize).astype(dtype)
    return np.asarray(rows.multiply(f[:, None]).toarray(), dtype=dtype)


def _stack(*parts):
    return np.vstack(parts)


def _power(chunk, scale, prev, prev_norms, E, w, normalize):
    """U = diag(scale) chunk @ prev, rows that are rounding noise zeroed; E += w N(U)."""
    dtype = E.dtype
    U = chunk @ prev
    U = np.asarray(U.toarray() if sp.issparse(U) else U, dtype=dtype)
    U *= scale.astype(dtype)[:, None]
    sq = np.einsum("ij,ij->i", U, U, dtype=np.float64)
    norms = np.sqrt(sq)
    # a row whose norm is below the rounding error of its sum (paths that cancel) is zero
    bound = np.abs(scale) * (abs(chunk) @ prev_norms)
    terms = np.diff(chunk.indptr)
    noise = 2.0 * (terms + 1) * np.finfo(dtype).eps * bound
    zero = norms <= noise
    U[zero] = 0
    norms[zero] = 0.0
    E = E + _row_factors(norms, w, normalize).astype(dtype)[:, None] * U
    return U, norms, E


def _column_stats(E):
    x = E.astype(np.float64)
    mu = x.mean(axis=0) if len(x) else np.zeros(x.shape[1])
    return len(x), mu, ((x - mu) ** 2).sum(axis=0)


def _standardize(E, mu, inv_std):
    return ((E.astype(np.float64) - mu) * inv_std).astype(E.dtype)


def fastrp(
    A,
    dim=128,
    *,
    weights=(0.0, 1.0, 1.0, 1.0),
    beta=0.0,
    transition=True,
    normalize=True,
    self_influence=0.0,
    density="auto",
    dtype=np.float32,
    rng=None,
    client=None,
):
    """FastRP node embeddings of a row-blocked adjacency matrix held by a cluster.

    The method and parameters of :func:`lralg.fastrp`: ``U_1 = M diag(deg**beta) R``,
    ``U_i = M U_{i-1}``, ``E = self_influence N(diag(deg**beta) R) + sum_i
    weights[i-1] N(U_i)``, columns of E standardised. Each power is a
    distributed product: every row block of M times the previous panel
    (gathered once per power and sent to each worker), where the block
    lives; the column statistics are merged in block order.

    Parameters
    ----------
    A : dask.array.Array of shape (n, n)
        Adjacency, chunked by rows only with known chunk sizes; chunks
        scipy.sparse (CSR best) or dense.
    dim, weights, beta, transition, normalize, self_influence, density, dtype, rng
        As in :func:`lralg.fastrp`; the same rng gives the same R.
    client : distributed.Client, optional
        The client to run on; the current one by default.

    Returns
    -------
    dask.array.Array of shape (n, dim)
        The embeddings, persisted on the cluster, chunked as A's rows
        (``.compute()`` brings them back).

    Raises
    ------
    TypeError
        A not a dask array, a dtype other than float32/float64.
    ValueError
        A not square, chunks across columns or of unknown size, bad
        weights/dim/density, no running client; NaN/Inf in a chunk (raised by its task).

    See Also
    --------
    lralg.fastrp : the single-machine function.

    References
    ----------
    .. [1] H. Chen, S. F. Sultan, Y. Tian, M. Chen and S. Skiena, "Fast and
       accurate network embeddings via very sparse random projection",
       CIKM 2019, arXiv:1908.11512.

    Examples
    --------
    >>> import numpy as np, dask.array as da, lralg, lralg.dask
    >>> from distributed import Client
    >>> client = Client(processes=False, n_workers=1, dashboard_address=":0")
    >>> ring = np.array([[i, (i + 1) % 100] for i in range(100)])
    >>> A = lralg.graph_adjacency(ring, n_nodes=100)
    >>> blocks = da.from_array(A, chunks=(25, 100), asarray=False)  # CSR chunks of 25 rows
    >>> E = lralg.dask.fastrp(blocks, 16, rng=0).compute()
    >>> np.allclose(E, lralg.fastrp(A, 16, rng=0), atol=1e-5)
    True
    >>> client.close()
    """
    client = resolve_client(client)
    dt = _check_compute_dtype(dtype)
    A = check_row_chunked(A, "A", known_rows=True)
    n = int(A.shape[0])
    if A.shape[1] != n:
        raise ValueError(f"A must be square (an adjacency), got shape {A.shape}")
    if n == 0:
        raise ValueError("graph has no nodes")
    dim = check_int(dim, "dim", low=1)
    w = _check_weights(weights)
    beta = check_real(beta, "beta")
    self_influence = check_real(self_influence, "self_influence")
    if not isinstance(transition, (bool, np.bool_)):
        raise TypeError(f"transition must be a bool, got {type(transition).__name__}")
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"normalize must be a bool, got {type(normalize).__name__}")
    dens = _density(density, n)
    seed = seed_from_rng(rng)

    import dask
    import dask.array as da

    delayed = dask.delayed(pure=True)
    A = client.persist(A.map_blocks(_canonical_csr, dt, dtype=dt))
    chunks = row_chunks(A)
    offsets = np.concatenate([[0], np.cumsum(A.chunks[0])]).astype(int)
    deg = np.concatenate(client.compute([delayed(_row_sums)(c) for c in chunks], sync=True))
    indptr, indices, signs, _ = _core.projection_matrix(n, dim, dens, seed)
    with np.errstate(divide="ignore"):
        g = np.where(deg > 0, np.abs(deg) ** beta, 0.0) if beta != 0 else np.ones(n)
    G = sp.csr_array(
        ((signs * g[np.repeat(np.arange(n), np.diff(indptr))]).astype(dt), indices, indptr), shape=(n, dim)
    )
    G.eliminate_zeros()
    scale = np.divide(1.0, deg, out=np.zeros(n), where=deg != 0) if transition else np.ones(n)

    Gd = delayed(G)
    bounds = list(zip(offsets[:-1], offsets[1:]))
    E = [delayed(_first_panel)(Gd, lo, hi, self_influence, bool(normalize), dt) for lo, hi in bounds]
    prev = Gd
    G_norms = np.sqrt(np.asarray(G.multiply(G).sum(axis=1), dtype=np.float64).ravel())
    prev_norms = delayed(G_norms)
    power = dask.delayed(_power, pure=True, nout=3)
    for wi in w:
        out = [
            power(c, scale[lo:hi], prev, prev_norms, e, float(wi), bool(normalize))
            for c, (lo, hi), e in zip(chunks, bounds, E)
        ]
        E = [o[2] for o in out]
        prev = delayed(_stack)(*[o[0] for o in out])
        prev_norms = delayed(np.concatenate)([o[1] for o in out])
    E = client.persist(E)
    stats = client.compute([delayed(_column_stats)(e) for e in E], sync=True)
    mu, m2, total = np.zeros(dim), np.zeros(dim), 0
    for count, bmu, bm2 in stats:  # Chan et al.'s merge, in block order
        if count == 0:
            continue
        merged = total + count
        d = bmu - mu
        mu = mu + d * count / merged
        m2 = m2 + bm2 + d * d * total * count / merged
        total = merged
    sd = np.sqrt(m2 / n)
    floor = 10.0 * np.finfo(dt).eps * np.maximum(1.0, np.abs(mu))
    inv_std = np.where(sd > floor, 1.0 / np.where(sd > 0, sd, 1.0), 1.0)
    parts = [
        da.from_delayed(delayed(_standardize)(e, mu, inv_std), shape=(hi - lo, dim), dtype=dt)
        for e, (lo, hi) in zip(E, bounds)
    ]
    return client.persist(da.concatenate(parts, axis=0))
