"""FastRP graph embeddings (Chen, Sultan, Tian, Chen and Skiena, CIKM 2019; arXiv 1908.11512)."""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

from . import _core
from ._device import all_finite_on_device, check_device, cuda_backend, empty_on_device, refuse_on_cpu, to_host
from ._validate import (
    FLOAT_DTYPES,
    check_array,
    check_dtype,
    check_int,
    check_memory,
    check_real,
    check_sparse,
    seed_from_rng,
)
from .projection import _density

__all__ = ["fastrp", "graph_adjacency"]


def _is_networkx(graph) -> bool:
    return type(graph).__module__.split(".")[0] == "networkx"


def _check_compute_dtype(dtype) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be numpy.float32 or numpy.float64, got {dtype!r}") from None
    if dt not in FLOAT_DTYPES:
        raise TypeError(f"dtype must be numpy.float32 or numpy.float64, got {dt}")
    return dt


def _edge_list_adjacency(edges, n_nodes, directed: bool, dtype) -> sp.csr_array:
    if n_nodes is None:
        raise ValueError("an edge list needs n_nodes= (the number of nodes)")
    n_nodes = check_int(n_nodes, "n_nodes", low=1)
    arr = check_array(edges, "graph", allow_empty=True, dtype=None)
    if arr.shape[1] not in (2, 3):
        raise ValueError(
            f"an edge list must have 2 columns (i, j) or 3 (i, j, weight), got shape {arr.shape}"
        )
    ids = arr[:, :2]
    if ids.size and not np.all(ids == np.round(ids)):
        raise ValueError("graph: node ids in an edge list must be integers")
    if ids.size and (ids.min() < 0 or ids.max() >= n_nodes):
        raise ValueError(
            f"graph: node ids must be in [0, n_nodes) = [0, {n_nodes}), "
            f"got ids in [{ids.min():.0f}, {ids.max():.0f}]"
        )
    index = np.int32 if n_nodes < 2**31 else np.int64
    rows = ids[:, 0].astype(index)
    cols = ids[:, 1].astype(index)
    with np.errstate(over="ignore"):  # an overflowing cast is refused just below
        weights = arr[:, 2].astype(dtype) if arr.shape[1] == 3 else np.ones(len(arr), dtype=dtype)
    if weights.size and not np.isfinite(weights).all():  # finite in float64, beyond float32's range
        raise ValueError(
            f"graph: edge weights overflow {np.dtype(dtype).name} (largest |weight| {np.abs(arr[:, 2]).max():.3g})"
        )
    if not directed:
        loop = rows == cols  # a self-loop is listed once, not twice
        rows, cols = np.concatenate([rows, cols[~loop]]), np.concatenate([cols, rows[~loop]])
        weights = np.concatenate([weights, weights[~loop]])
    A = sp.coo_array((weights, (rows, cols)), shape=(n_nodes, n_nodes)).tocsr()
    A.sum_duplicates()
    return A


def graph_adjacency(graph, *, n_nodes=None, directed=False, dtype=np.float64) -> sp.csr_array:
    """The adjacency matrix :func:`fastrp` embeds, as canonical CSR.

    Parameters
    ----------
    graph : scipy.sparse matrix, networkx graph or edge list
        A square sparse adjacency (row i lists the out-edges of node i) is
        taken as is. A networkx graph becomes
        ``networkx.to_scipy_sparse_array(graph, nodelist=list(graph))`` (edge
        attribute ``"weight"``, 1 where missing), so row i is node
        ``list(graph)[i]``. An array of shape (E, 2) or (E, 3) lists edges
        ``(i, j)`` or ``(i, j, weight)`` with integer ids in ``[0, n_nodes)``.
    n_nodes : int
        Number of nodes; required for an edge list, ignored otherwise.
    directed : bool
        Edge lists only: False (default) adds every edge in both directions
        (a self-loop once); True takes ``(i, j)`` as the edge i -> j.
    dtype : numpy.float32 or numpy.float64
        dtype of the returned matrix.

    Returns
    -------
    scipy.sparse.csr_array of shape (n_nodes, n_nodes)
        Canonical CSR (sorted indices, no duplicates): duplicate edges add
        up their weights.

    Raises
    ------
    ValueError
        A sparse matrix that is not square, an edge list without
        ``n_nodes``, ids out of range or not integers, NaN/Inf weights.
    TypeError
        A dtype other than float32 or float64, complex weights.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> A = lralg.graph_adjacency(np.array([[0, 1], [1, 2], [1, 2]]), n_nodes=3)
    >>> A.toarray()
    array([[0., 1., 0.],
           [1., 0., 2.],
           [0., 2., 0.]])
    """
    dtype = _check_compute_dtype(dtype)
    if sp.issparse(graph):
        if graph.ndim != 2 or graph.shape[0] != graph.shape[1]:
            raise ValueError(f"graph: the adjacency matrix must be square, got shape {graph.shape}")
        check_dtype(graph.dtype, "graph")  # refuses complex before the cast to dtype
        return check_sparse(graph, "graph", dtype=dtype)
    if _is_networkx(graph):
        import networkx as nx

        if graph.number_of_nodes() == 0:
            raise ValueError("graph has no nodes")
        A = nx.to_scipy_sparse_array(graph, nodelist=list(graph), dtype=dtype, format="csr")
        return check_sparse(A, "graph", dtype=dtype)
    return _edge_list_adjacency(graph, n_nodes, bool(directed), dtype)


def _check_weights(weights) -> np.ndarray:
    if isinstance(weights, (str, bytes)) or weights is None:
        raise TypeError(f"weights must be a sequence of real numbers, got {type(weights).__name__}")
    if isinstance(weights, numbers.Number):
        weights = [weights]
    try:
        w = np.asarray(weights)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"weights could not be read as numbers: {exc}") from None
    if w.dtype.kind not in "biuf" or w.dtype == np.bool_:
        raise TypeError(f"weights must be real numbers, got dtype {w.dtype}")
    w = w.astype(np.float64).ravel() if w.ndim <= 1 else None
    if w is None:
        raise ValueError("weights must be a 1-D sequence")
    if w.size == 0:
        raise ValueError("weights must not be empty: give one weight per power of M")
    if not np.isfinite(w).all():
        raise ValueError("weights contains NaN or Inf")
    return np.ascontiguousarray(w)


def fastrp(
    graph,
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
    n_nodes=None,
    directed=False,
    device="cpu",
) -> np.ndarray:
    """FastRP node embeddings: a weighted sum of random projections of powers of M.

    With A the adjacency, ``deg`` its row sums (weighted out-degrees), M the
    transition matrix ``D^-1 A`` (or A itself), R the very sparse random
    projection of :func:`lralg.random_projection_matrix` (``n_nodes x dim``)::

        U_1 = M @ diag(deg**beta) @ R,   U_i = M @ U_{i-1}   (i = 2 .. len(weights))
        E   = self_influence * N(diag(deg**beta) @ R) + sum_i weights[i-1] * N(U_i)

    where N scales each row to unit l2 norm when ``normalize`` (else does
    nothing), and finally every column of E is standardised to mean 0 and
    variance 1 (as ``sklearn.preprocessing.scale``; a constant column is only
    centred). The powers of M are never formed: ``len(weights)`` sparse times
    dense products, accumulated in place.

    Parameters
    ----------
    graph : scipy.sparse matrix, networkx graph or edge list (or CuPy: docs/cuda.md)
        See :func:`graph_adjacency`. Row i of the result embeds node i; for a
        networkx graph, node ``list(graph)[i]``.
    dim : int
        Embedding dimension, >= 1.
    weights : sequence of float
        ``weights[i-1]`` weighs ``U_i``; the length is the number of powers.
        The paper's BlogCatalog setting is ``(1, 1, 7.81, 45.28)``.
    beta : float
        Degree weighting exponent (the paper's beta; negative values damp
        high-degree nodes). Nodes of degree <= 0 get weight 0 unless beta == 0.
    transition : bool
        Use ``M = D^-1 A`` (True, the paper's choice) or ``M = A``. A node
        without out-weight (degree 0) keeps a zero row in M: no division by
        zero.
    normalize : bool
        Scale the rows of each ``U_i`` to unit l2 norm before summing (zero
        rows stay zero).
    self_influence : float
        Weight of each node's own random vector ``diag(deg**beta) @ R`` (0 by
        default, as in the paper).
    density : "auto" or float in (0, 1]
        Non-zero probability of R; "auto" is ``1 / sqrt(n_nodes)``.
    dtype : numpy.float32 or numpy.float64
        Precision of the computation and of the result. Panels and sparse
        products run in this dtype; row norms and column statistics
        accumulate in float64.
    rng : None, int or numpy.random.Generator
        Seed source of R. The same rng gives the same R as
        ``lralg.random_projection_matrix(n_nodes, dim, density=..., rng=rng)``
        and the same result for any number of threads.
    n_nodes : int, optional
        Number of nodes; required when ``graph`` is an edge list.
    directed : bool
        Edge lists only: see :func:`graph_adjacency`.
    device : {"cpu", "cuda"}, default "cpu"
        "cuda": on the GPU, the same R; RuntimeError without one (docs/cuda.md).

    Returns
    -------
    numpy.ndarray of shape (n_nodes, dim)
        C order, of ``dtype``; a cupy.ndarray for a CuPy graph.

    Raises
    ------
    ValueError
        A graph that is not square or has no nodes, empty weights or
        weights with NaN/Inf, ``dim < 1``, an edge list without ``n_nodes``,
        edge weights or an embedding that overflow ``dtype``.
    TypeError
        A dtype not float32/float64, non-numeric weights, CuPy with ``device="cpu"``.

    See Also
    --------
    graph_adjacency : the matrix that is embedded.
    random_projection_matrix : the projection R.

    Notes
    -----
    Self-loops are ordinary edges, duplicate edges add up and negative
    weights are allowed; a node of weighted degree 0 keeps a zero row in M.
    A row of some ``U_i`` that is zero up to rounding (paths that cancel)
    stays zero instead of being normalised up to unit length. Memory: the
    CSR matrix, the result and one ``n_nodes x dim`` work panel, plus
    ``diag(deg**beta) @ R`` (about ``dim / sqrt(n_nodes)`` entries a node)
    with 2 to 4 powers.

    References
    ----------
    .. [1] H. Chen, S. F. Sultan, Y. Tian, M. Chen and S. Skiena, "Fast and
       accurate network embeddings via very sparse random projection",
       CIKM 2019, arXiv:1908.11512.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> ring = np.array([[i, (i + 1) % 100] for i in range(100)])
    >>> E = lralg.fastrp(ring, 16, n_nodes=100, rng=0)
    >>> E.shape, E.dtype
    ((100, 16), dtype('float32'))
    >>> np.allclose(E.mean(axis=0), 0, atol=1e-5), np.allclose(E.std(axis=0), 1, atol=1e-4)
    (True, True)
    >>> E = lralg.fastrp(ring, 16, n_nodes=100, weights=(1, 1, 7.81, 45.28), beta=-0.628, rng=0)
    """
    device = check_device(device)
    on_gpu = refuse_on_cpu(graph, "graph", "fastrp", device)
    if on_gpu:
        graph = to_host(graph)  # the CSR is built and checked on the host; E is made on the GPU
    dt = _check_compute_dtype(dtype)
    dim = check_int(dim, "dim", low=1)
    w = _check_weights(weights)
    beta = check_real(beta, "beta")
    self_influence = check_real(self_influence, "self_influence")
    if not isinstance(transition, (bool, np.bool_)):
        raise TypeError(f"transition must be a bool, got {type(transition).__name__}")
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"normalize must be a bool, got {type(normalize).__name__}")
    A = graph_adjacency(graph, n_nodes=n_nodes, directed=directed, dtype=dt)
    n = A.shape[0]
    if n == 0:
        raise ValueError("graph has no nodes")
    dens = _density(density, n)
    check_memory(2.0 * n * dim * dt.itemsize, "dim", "the embedding and its work panel")
    seed = seed_from_rng(rng)
    options = _core.FastRPOptions()
    options.dim = dim
    options.weights = w
    options.beta = beta
    options.transition = bool(transition)
    options.normalize = bool(normalize)
    options.self_influence = self_influence
    options.density = dens
    options.seed = seed
    backend = cuda_backend("fastrp") if device == "cuda" else _core
    if on_gpu:
        E, address = empty_on_device((n, dim), dt)
        backend.fastrp_to_device(A.indptr, A.indices, A.data, n, options, address)
        finite = all_finite_on_device(E)
    else:
        E = backend.fastrp(A.indptr, A.indices, A.data, n, options)
        finite = not E.size or np.isfinite(E.min()) and np.isfinite(E.max())
    # The powers of M (and the weights on them) can overflow the dtype well
    # before any single input does; a NaN embedding must not pass as a result.
    if not finite:
        raise ValueError(
            f"fastrp overflowed {dt.name}: the powers of the adjacency times the weights exceed its range; "
            "use transition=True, smaller edge weights or weights, or dtype=numpy.float64"
        )
    return E
