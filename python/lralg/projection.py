"""Very sparse random projection (Achlioptas 2003; Li, Hastie and Church 2006)."""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from . import _core
from ._validate import check_int, check_matrix, check_real, is_sparse, seed_from_rng

__all__ = ["random_projection_matrix", "sparse_random_projection"]


def _density(density, n_features: int) -> float:
    if isinstance(density, str):
        if density != "auto":
            raise ValueError(f"density must be 'auto' or a number in (0, 1], got {density!r}")
        return 1.0 / math.sqrt(n_features)
    return check_real(density, "density", low=0.0, high=1.0, low_open=True)


def random_projection_matrix(n_features, n_components, *, density="auto", rng=None) -> sp.csr_array:
    """The projection matrix R used by :func:`sparse_random_projection`, as CSR.

    R is ``n_features x n_components`` with entries ``+s`` or ``-s`` with
    probability ``density / 2`` each and 0 otherwise, ``s = sqrt(1 / (density *
    n_components))``. The same ``rng`` gives the same R as
    ``sparse_random_projection`` uses, so ``X @ random_projection_matrix(...)``
    equals ``sparse_random_projection(X, ...)``.

    Parameters
    ----------
    n_features, n_components : int
        Shape of R, both >= 1.
    density : "auto" or float in (0, 1]
        Probability that an entry is non-zero; "auto" is ``1 / sqrt(n_features)``.
    rng : None, int or numpy.random.Generator
        Source of the 64-bit key of the counter-based generator.
    """
    n_features = check_int(n_features, "n_features", low=1)
    n_components = check_int(n_components, "n_components", low=1)
    density = _density(density, n_features)
    indptr, indices, signs, scale = _core.projection_matrix(
        n_features, n_components, density, seed_from_rng(rng)
    )
    data = signs.astype(np.float64) * scale
    return sp.csr_array((data, indices, indptr), shape=(n_features, n_components))


def sparse_random_projection(X, n_components, *, density="auto", rng=None) -> np.ndarray:
    """Project the rows of X with a very sparse random matrix: ``X @ R``.

    The entries of R come from a counter-based generator keyed by (seed, row
    of R), so R is never stored densely and the result is the same for any
    number of threads. Pairwise distances between rows are kept up to the
    Johnson-Lindenstrauss distortion.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n_samples, n_features)
        Input. float32 stays float32; integer and bool input become float64.
        Sparse input (CSR, CSC, COO) is never densified.
    n_components : int
        Dimension of the projection, >= 1.
    density : "auto" or float in (0, 1]
        Probability that an entry of R is non-zero; "auto" is ``1 / sqrt(n_features)``.
    rng : None, int or numpy.random.Generator
        Seed source; see :func:`random_projection_matrix` for the matrix used.

    Returns
    -------
    numpy.ndarray, shape (n_samples, n_components), C order, the dtype of X.
    """
    X = check_matrix(X, "X")
    n_components = check_int(n_components, "n_components", low=1)
    density = _density(density, X.shape[1])
    seed = seed_from_rng(rng)
    if is_sparse(X):
        return _core.project_csr(
            X.indptr, X.indices, X.data, X.shape[0], X.shape[1], n_components, density, seed
        )
    return _core.project_dense(X, n_components, density, seed)
