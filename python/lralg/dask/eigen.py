"""Top eigenvector of ``X^T X`` by a block power method over the row chunks of a dask array."""

from __future__ import annotations

import operator

import numpy as np

from .._validate import check_int, check_real, check_rng
from ..streaming import EigResult
from ._common import check_row_chunked, resolve_client, row_chunks, tree_reduce

__all__ = ["top_eigenvector"]


def _gram_times(chunk, Q):
    """chunk^T (chunk Q) in float64: the chunk's share of X^T X Q."""
    XQ = np.asarray(chunk @ Q)
    return np.asarray(chunk.T @ XQ)


def _height(chunk):
    return chunk.shape[0]


def top_eigenvector(X, *, block=4, max_iter=300, tol=1e-10, rng=None, client=None) -> EigResult:
    """Top eigenvector of ``X^T X`` (the top right singular vector of X) by block power steps over chunks.

    Each step computes ``Y = X^T X Q`` for a block Q of ``block``
    orthonormal vectors as a sum over the row chunks (each chunk's share
    ``X_c^T (X_c Q)`` where the chunk lives, summed by a tree), takes the
    Rayleigh-Ritz pair of the top eigenvalue from ``Q^T Y``, and
    orthonormalises Y into the next Q (subspace iteration). Only ``d x block``
    panels travel; X is read once per step.

    Parameters
    ----------
    X : dask.array.Array of shape (m, d)
        Chunked by rows only; dense or scipy.sparse chunks. Work is in float64.
    block : int, default 4
        Vectors iterated together (capped at d); more vectors converge in
        fewer passes when the top eigenvalues are close.
    max_iter : int, default 300
        Passes over X at most.
    tol : float, default 1e-10
        Stop when the Ritz residual ``||X^T X v - value v|| / value`` is below.
    rng : None, int or numpy.random.Generator
        Seed of the random start block.
    client : distributed.Client, optional
        The client to run on; the current one by default.

    Returns
    -------
    EigResult
        ``value, vector``, as :func:`lralg.top_eigenvector` returns them (the
        vector's entry of largest magnitude positive); ``n_heavy`` is 0 and
        ``memory_bytes`` the driver's panels.

    Raises
    ------
    TypeError
        X not a dask array, a complex dtype.
    ValueError
        Chunks across columns or of unknown width, bad ``block``,
        ``max_iter`` or ``tol``, no running client.

    See Also
    --------
    lralg.top_eigenvector : the single-pass streaming methods and "exact".

    Notes
    -----
    The convergence rate per pass is ``(lambda_{block+1} / lambda_1)``; the
    result matches ``lralg.top_eigenvector(X, method="exact")`` to the
    tolerance. Unlike the streaming methods, it reads X several times: it
    suits data that stays on the cluster (``X.persist()`` is done here).

    References
    ----------
    .. [1] G. H. Golub and C. F. Van Loan, "Matrix Computations", 4th ed.,
       section 8.2.4 (orthogonal iteration), 2013.

    Examples
    --------
    >>> import numpy as np, dask.array as da, lralg.dask
    >>> from distributed import Client
    >>> client = Client(processes=False, n_workers=1, dashboard_address=":0")
    >>> A = np.random.default_rng(0).standard_normal((500, 4)) * [3.0, 1.0, 1.0, 1.0]
    >>> value, vector = lralg.dask.top_eigenvector(da.from_array(A, chunks=(100, 4)), rng=0)
    >>> np.round(np.abs(vector), 1)
    array([1., 0., 0., 0.])
    >>> client.close()
    """
    client = resolve_client(client)
    X = check_row_chunked(X, "X")
    d = int(X.shape[1])
    block = min(check_int(block, "block", low=1), d)
    max_iter = check_int(max_iter, "max_iter", low=1)
    tol = check_real(tol, "tol", low=0.0)
    generator = check_rng(rng)

    import dask

    X = client.persist(X)
    chunks = row_chunks(X)
    share = dask.delayed(_gram_times, pure=True)
    Q, _ = np.linalg.qr(generator.standard_normal((d, block)))
    value, vector = 0.0, Q[:, 0]
    for _ in range(max_iter):
        Qd = dask.delayed(Q)
        Y = client.compute(tree_reduce([share(c, Qd) for c in chunks], operator.add)).result()
        H = Q.T @ Y
        w, W = np.linalg.eigh((H + H.T) / 2)
        value, vector = float(w[-1]), Q @ W[:, -1]
        residual = np.linalg.norm(Y @ W[:, -1] - value * vector)
        Q, _ = np.linalg.qr(Y)
        if value <= 0 or residual <= tol * value:
            break
    vector = vector / np.linalg.norm(vector)
    if vector[np.argmax(np.abs(vector))] < 0:
        vector = -vector
    n_rows = X.shape[0]
    if np.isnan(n_rows):
        n_rows = sum(client.compute([dask.delayed(_height)(c) for c in chunks], sync=True))
    return EigResult(
        vector=vector,
        value=max(value, 0.0),
        n_rows_seen=int(n_rows),
        n_heavy=0,
        memory_bytes=int(2 * Q.nbytes),
    )
