"""Very sparse random projection (Achlioptas 2003; Li, Hastie and Church 2006)."""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from . import _core
from ._device import (
    all_finite_on_device,
    check_device,
    cuda_backend,
    empty_on_device,
    gpu_matrix,
    is_sparse_on_device,
    refuse_on_cpu,
    to_device,
    to_host,
)
from ._validate import check_int, check_matrix, check_memory, check_real, is_sparse, seed_from_rng

__all__ = ["random_projection_matrix", "sparse_random_projection"]


def _density(density, n_features: int) -> float:
    if isinstance(density, str):
        if density != "auto":
            raise ValueError(f"density must be 'auto' or a number in (0, 1], got {density!r}")
        return 1.0 / math.sqrt(n_features)
    return check_real(density, "density", low=0.0, high=1.0, low_open=True)


def _check_scale(density: float, n_components: int, dtype) -> None:
    # The entries of R are +-sqrt(1 / (density * n_components)): a density so
    # small that this overflows the dtype would turn every output into NaN.
    scale = math.sqrt(1.0 / (density * n_components)) if density * n_components > 0 else math.inf
    if not scale <= float(np.finfo(dtype).max):
        raise ValueError(
            f"density is too small: the entries of R, sqrt(1 / (density * n_components)) = {scale:.3g}, "
            f"overflow {np.dtype(dtype).name}"
        )


def _check_pattern_size(
    n_features: int, n_components: int, density: float, name: str, extra: float = 0.0
) -> None:
    # R's non-zeros are drawn before any of them is stored: refuse a matrix that
    # cannot fit before the draw starts (it would run for hours, then fail).
    # Per row: an indptr entry; per expected non-zero: a column index and a
    # sign in the core, then an index and a value in the returned matrix.
    expected_nnz = float(n_features) * float(n_components) * density
    check_memory(8.0 * (n_features + 1) + 25.0 * expected_nnz + extra, name, "the projection matrix")


def random_projection_matrix(n_features, n_components, *, density="auto", rng=None) -> sp.csr_array:
    """The very sparse random matrix R that :func:`sparse_random_projection` applies, as CSR.

    R is ``n_features x n_components``; each entry is ``+s`` or ``-s`` with
    probability ``density / 2`` each and 0 otherwise, ``s = sqrt(1 / (density
    * n_components))``. The same ``rng`` gives the same R as
    :func:`sparse_random_projection` draws.

    Parameters
    ----------
    n_features, n_components : int
        Shape of R, both at least 1.
    density : "auto" or float in (0, 1], default "auto"
        Probability that an entry is non-zero; "auto" is ``1 / sqrt(n_features)``.
    rng : None, int or numpy.random.Generator
        Source of the key of the counter-based generator (SPEC 7).

    Returns
    -------
    scipy.sparse.csr_array of shape (n_features, n_components), float64

    Raises
    ------
    ValueError
        A size below 1 or above 2**62, a density outside (0, 1], or one so
        small that the entries of R overflow.
    MemoryError
        R would not fit in this machine's memory (checked before drawing it).
    TypeError
        A size that is not an integer.

    See Also
    --------
    sparse_random_projection : ``X @ R`` without storing R.

    References
    ----------
    .. [1] D. Achlioptas, "Database-friendly random projections:
       Johnson-Lindenstrauss with binary coins", J. Comput. Syst. Sci. 66(4), 2003.
    .. [2] P. Li, T. J. Hastie and K. W. Church, "Very sparse random
       projections", KDD 2006.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> R = lralg.random_projection_matrix(10000, 64, rng=0)
    >>> R.shape
    (10000, 64)
    >>> bool(abs(R.nnz / (10000 * 64) - 0.01) < 0.001)  # density 1/sqrt(10000)
    True
    >>> X = np.random.default_rng(1).standard_normal((3, 10000))
    >>> np.allclose(X @ R, lralg.sparse_random_projection(X, 64, rng=0))
    True
    """
    n_features = check_int(n_features, "n_features", low=1)
    n_components = check_int(n_components, "n_components", low=1)
    density = _density(density, n_features)
    _check_scale(density, n_components, np.float64)
    _check_pattern_size(n_features, n_components, density, "n_features * n_components")
    indptr, indices, signs, scale = _core.random_projection_matrix(
        n_features, n_components, density, seed_from_rng(rng)
    )
    data = signs.astype(np.float64) * scale
    return sp.csr_array((data, indices, indptr), shape=(n_features, n_components))


def sparse_random_projection(X, n_components, *, density="auto", rng=None, device="cpu") -> np.ndarray:
    """Project the rows of X with a very sparse random matrix: ``X @ R``.

    R (see :func:`random_projection_matrix`) is drawn row by row from a
    counter-based generator keyed by the seed and the row, so it is never
    stored densely, drawing it costs O(nnz(R)), and the result is the same
    for any number of threads. Pairwise distances between the rows of X are
    kept up to the Johnson-Lindenstrauss distortion.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n_samples, n_features)
        Input; float32 stays float32, integer and bool become float64.
        Sparse input (CSR, CSC, COO) is never densified. A CuPy array
        (C or F order) is read on the GPU in place; see docs/cuda.md.
    n_components : int
        Dimension of the projection, at least 1.
    density : "auto" or float in (0, 1], default "auto"
        Probability that an entry of R is non-zero; "auto" is ``1 / sqrt(n_features)``.
    rng : None, int or numpy.random.Generator
        Source of the key of the generator (SPEC 7).
    device : {"cpu", "cuda"}, default "cpu"
        Where to compute. "cuda" copies X to the GPU and draws the same R
        there from the same generator (see docs/cuda.md).

    Returns
    -------
    numpy.ndarray of shape (n_samples, n_components)
        C order, in the dtype of X; a cupy.ndarray where X is a CuPy array.

    Raises
    ------
    ValueError
        X with NaN or Inf, an empty X, ``n_components < 1`` or a density
        outside (0, 1]; malformed sparse index arrays; a result that
        overflows the dtype of X; an unknown device.
    MemoryError
        R and the result would not fit in this machine's memory.
    TypeError
        Complex, object or string input; a CuPy X with ``device="cpu"``.
    RuntimeError
        ``device="cuda"`` where lralg was built without CUDA or no GPU is visible.
    MemoryError
        ``device="cuda"`` and the GPU cannot hold X and the result.

    See Also
    --------
    random_projection_matrix : the matrix R itself.

    Notes
    -----
    Each entry of R is non-zero with probability ``density``; the scale
    ``sqrt(1 / (density * n_components))`` makes ``E ||x R||^2 = ||x||^2``.
    Li, Hastie and Church show that ``density = 1 / sqrt(n_features)`` keeps
    the distortion of the dense Gaussian projection at a fraction of its cost.

    References
    ----------
    .. [1] D. Achlioptas, "Database-friendly random projections:
       Johnson-Lindenstrauss with binary coins", J. Comput. Syst. Sci. 66(4), 2003.
    .. [2] P. Li, T. J. Hastie and K. W. Church, "Very sparse random
       projections", KDD 2006.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> X = np.random.default_rng(0).standard_normal((100, 5000), dtype=np.float32)
    >>> Y = lralg.sparse_random_projection(X, 1000, rng=0)
    >>> Y.shape, Y.dtype
    ((100, 1000), dtype('float32'))
    >>> ratio = np.linalg.norm(Y[0] - Y[1]) / np.linalg.norm(X[0] - X[1])
    >>> bool(0.8 < ratio < 1.2)
    True
    >>> with lralg.threads(1):  # the same numbers on any number of threads
    ...     same = lralg.sparse_random_projection(X, 1000, rng=0)
    >>> np.array_equal(Y, same)
    True
    """
    device = check_device(device)
    on_gpu = refuse_on_cpu(X, "X", "sparse_random_projection", device)
    if on_gpu and not is_sparse_on_device(X):
        return _project_on_device(gpu_matrix(X, "X", orders="CF"), n_components, density, rng)
    if on_gpu:
        X = to_host(X)  # a CuPy sparse matrix: projected from the host's CSR, returned to the GPU
    X = check_matrix(X, "X")
    n_components, density, seed = _projection_options(X.shape, X.dtype, n_components, density, rng)
    backend = cuda_backend("sparse_random_projection") if device == "cuda" else _core
    if is_sparse(X):
        Y = backend.sparse_random_projection(
            X.indptr, X.indices, X.data, X.shape[0], X.shape[1], n_components, density, seed
        )
    else:
        Y = backend.sparse_random_projection(X, n_components, density, seed)
    if on_gpu:
        Y = to_device(Y)
    _check_overflow(Y, X.dtype, on_gpu)
    return Y


def _projection_options(shape, dtype, n_components, density, rng) -> tuple[int, float, int]:
    """n_components, density and seed, checked against X's shape and dtype."""
    n_components = check_int(n_components, "n_components", low=1)
    density = _density(density, shape[1])
    out_bytes = float(shape[0]) * n_components * dtype.itemsize
    _check_pattern_size(shape[1], n_components, density, "n_components", extra=out_bytes)
    _check_scale(density, n_components, dtype)
    return n_components, density, seed_from_rng(rng)


def _check_overflow(Y, dtype, on_gpu: bool) -> None:
    finite = (
        all_finite_on_device(Y) if on_gpu else not Y.size or np.isfinite(Y.min()) and np.isfinite(Y.max())
    )
    if not finite:
        raise ValueError(
            f"the projection overflowed {dtype.name}: X holds values too large for the scale "
            f"sqrt(1 / (density * n_components)); rescale X or use float64"
        )


def _project_on_device(X, n_components, density, rng):
    """X @ R for a dense GPU matrix X (checked), read in place; the result a new CuPy array."""
    n_components, density, seed = _projection_options(X.shape, X.dtype, n_components, density, rng)
    backend = cuda_backend("sparse_random_projection")
    if not all_finite_on_device(X.array):
        raise ValueError("X contains NaN or Inf")
    Y, address = empty_on_device((X.shape[0], n_components), X.dtype)
    backend.sparse_random_projection_on_device(
        X.address, X.shape[0], X.shape[1], X.row_major, n_components, density, seed, address, X.dtype.name
    )
    _check_overflow(Y, X.dtype, True)
    return Y
