"""The Matrix Nuclear-Norm of a response matrix, and the matrix entropy it replaces.

Both read the response matrix (rows: e.g. the tokens of a response; columns:
the hidden features) as the papers normalise it: every column centred, every
row scaled to unit norm. The sums run in the C++ core
(``lralg/nuclear_norm.hpp``) without the GIL.
"""

from __future__ import annotations

import numpy as np

from . import _core
from ._blas import one_blas_thread
from ._validate import check_array, check_magnitude, check_rank

__all__ = ["matrix_entropy", "matrix_nuclear_norm"]


def matrix_nuclear_norm(X, *, rank=None) -> float:
    """The Matrix Nuclear-Norm: the L1,2 approximation of the nuclear norm, no SVD.

    With Z the normalised response matrix (columns centred, rows of unit
    norm), the sum of the ``rank`` largest column norms of Z, which
    approximates ``||Z||_*`` (the sum of its singular values).

    Parameters
    ----------
    X : array_like, shape (m, n)
        The response matrix: m rows (tokens, sentences) of n features.
    rank : int or None
        How many column norms to sum, ``1 <= rank <= min(m, n)``;
        None: ``min(m, n)``.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If X is empty, not 2-D or holds NaN/Inf, or rank is out of range.

    Notes
    -----
    ``O(m n)`` time. Every row of Z has norm 1, so the value lies between
    ``sqrt(m)`` (all rows on one feature) and ``sqrt(rank m)`` (spread evenly
    over the features); the paper divides it by m to compare responses of
    different lengths. A larger value means a more spread out (less
    compressed) response.

    References
    ----------
    Y. Li et al., "Large Language Model Evaluation via Matrix Nuclear-Norm",
    2024, arXiv:2410.10672.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> X = np.random.default_rng(0).standard_normal((500, 16))
    >>> round(lralg.matrix_nuclear_norm(X) / (500 * 16) ** 0.5, 2)
    1.0
    """
    X = np.ascontiguousarray(check_array(X, "X"))
    check_magnitude(X, "X")
    m, n = X.shape
    rank = 0 if rank is None else check_rank(rank, upper=min(m, n))
    return float(_core.matrix_nuclear_norm(X, rank))


@one_blas_thread
def matrix_entropy(X) -> float:
    """Matrix entropy of a response matrix: the SVD-based measure that
    :func:`matrix_nuclear_norm` replaces.

    With Z the normalised response matrix (columns centred, rows of unit
    norm), the von Neumann entropy ``-sum_i l_i log l_i`` of the eigenvalues
    ``l_i`` of ``Z^T Z / tr(Z^T Z)``, divided by ``log n``.

    Parameters
    ----------
    X : array_like, shape (m, n), n >= 2

    Returns
    -------
    float
        In [0, 1]: 0 for a response on one direction, 1 for one spread
        evenly over all n.

    Raises
    ------
    ValueError
        If X is empty, has one column, or holds NaN/Inf.

    Notes
    -----
    Needs the eigenvalues of a ``min(m, n)``-square Gram matrix:
    ``O(m n min(m, n) + min(m, n)^3)`` time.

    References
    ----------
    L. Wei et al., "Diff-eRank: A novel rank-based metric for evaluating
    large language models", NeurIPS 2024, arXiv:2401.17139.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> X = np.random.default_rng(0).standard_normal((2000, 8))
    >>> round(lralg.matrix_entropy(X), 2)
    1.0
    """
    X = np.ascontiguousarray(check_array(X, "X"))
    check_magnitude(X, "X")
    if X.shape[1] < 2:
        raise ValueError(f"X must have at least 2 columns, got shape {X.shape}")
    return float(_core.matrix_entropy(X))
