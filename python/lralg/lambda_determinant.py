"""The lambda-determinant of Robbins and Rumsey, and its two-index generalisation,
by lambda-Dodgson condensation: exact over integers, fractions and symbolic entries,
or in floating point."""

from __future__ import annotations

import numbers
from fractions import Fraction

import numpy as np

from ._validate import check_array

__all__ = ["lambda_determinant"]


def _is_exact(x) -> bool:
    if isinstance(x, (bool, np.bool_)):
        return False
    if isinstance(x, numbers.Rational):
        return True
    return type(x).__module__.split(".")[0] == "sympy"  # a symbolic expression


def _matrix(M):
    """(array, exact): an object array of Fractions/sympy expressions, or float64/float32."""
    arr = np.asarray(M, dtype=object) if not isinstance(M, np.ndarray) else M
    if arr.dtype == object:
        if arr.ndim != 2:
            raise ValueError(f"M must be 2-D, got an array of shape {arr.shape}")
        flat = arr.ravel()
        if all(_is_exact(x) for x in flat):
            out = np.empty(arr.shape, dtype=object)
            out.ravel()[:] = [Fraction(x) if isinstance(x, numbers.Rational) else x for x in flat]
            return out, True
        if all(isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_)) for x in flat):
            return check_array(arr.astype(np.float64), "M", allow_empty=True), False
        raise TypeError("M must hold real numbers, fractions.Fraction or sympy expressions")
    if arr.dtype.kind in "iu":  # integer input is computed exactly
        return _matrix(arr.astype(object))
    return check_array(arr, "M", allow_empty=True), False


def _parameter(value, name, n, exact, default):
    """A scalar, or an (n-1, n-1) array of per-position parameters, as an (n-1, n-1) array."""
    shape = (max(n - 1, 0), max(n - 1, 0))
    if value is None:
        value = default
    if np.ndim(value) == 0:
        if not (_is_exact(value) or isinstance(value, numbers.Real)) or isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be a real number or an array of them, got {type(value).__name__}")
        if not _is_exact(value) and not np.isfinite(float(value)):
            raise ValueError(f"{name} must be finite, got {value}")
        full = np.empty(shape, dtype=object)
        full.fill(value)
        value = full
    arr, arr_exact = _matrix(np.asarray(value, dtype=object))
    if arr.shape != shape:
        raise ValueError(f"{name} must be a scalar or of shape {shape} for a {n}x{n} M, got {arr.shape}")
    if exact and not arr_exact:
        return arr, False  # a float parameter makes the computation floating
    return arr, arr_exact


def lambda_determinant(M, lam=-1, *, mu=None):
    """The lambda-determinant of a square matrix, by lambda-Dodgson condensation.

    Builds the pyramid ``x[0] = ones(n+1, n+1)``, ``x[1] = M`` and
    ``x[k+1][i, j] = (mu[i, n-k-j-1] x[k][i, j] x[k][i+1, j+1]
    + lam[i, j] x[k][i, j+1] x[k][i+1, j]) / x[k-1][i+1, j+1]`` (0-based),
    and returns its apex ``x[n][0, 0]``. With scalar ``lam`` and ``mu = 1``
    this is the lambda-determinant of Robbins and Rumsey; ``lam = -1`` gives
    the determinant (Dodgson's condensation).

    Parameters
    ----------
    M : array_like, shape (n, n)
        Integers or ``fractions.Fraction`` (object arrays) are computed
        exactly; sympy expressions symbolically; floats in floating point.
    lam : number or array_like of shape (n-1, n-1), default -1
        The parameter, or one per position ``(i, j)`` (the two-index
        generalisation).
    mu : number or array_like of shape (n-1, n-1), optional
        The coefficient of the diagonal product, per position as above;
        None: 1.

    Returns
    -------
    Fraction, sympy expression or float
        Exact input gives a Fraction (or a sympy expression), float input a
        float. The 0x0 matrix gives 1.

    Raises
    ------
    ValueError
        If M is not square, holds NaN/Inf, the parameters have the wrong
        shape, or the condensation divides by zero (an interior connected
        minor's lambda-determinant vanishes): there the pyramid is undefined.
    TypeError
        If M or a parameter holds something other than real numbers,
        fractions or sympy expressions.

    Notes
    -----
    ``O(n^3)`` operations. The result is a Laurent polynomial in the entries
    of M whose monomials are indexed by the alternating sign matrices; for a
    scalar ``lam`` the coefficient of the monomial of an ASM A is
    ``lam^inv(A) (1 + 1/lam)^N(A)``, with N(A) its number of -1 entries.

    References
    ----------
    D. P. Robbins and H. Rumsey, "Determinants and alternating sign
    matrices", Adv. Math. 62 (1986).
    R. Langer, "Lambda determinants", 2013, arXiv:1304.7367; and the thesis
    "Cylindric plane partitions, Lambda determinants, Commutants in
    semicircular systems", 2013, arXiv:2110.12629.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> M = np.array([[2, 1], [3, 4]])
    >>> lralg.lambda_determinant(M)
    Fraction(5, 1)
    >>> lralg.lambda_determinant(M, lam=1)  # the permanent, for n = 2
    Fraction(11, 1)
    >>> round(lralg.lambda_determinant(np.eye(3) * 2.0), 12)
    8.0
    """
    x, exact = _matrix(M)
    if x.ndim != 2 or x.shape[0] != x.shape[1]:
        raise ValueError(f"M must be a square matrix, got shape {x.shape}")
    n = x.shape[0]
    lam_arr, lam_exact = _parameter(lam, "lam", n, exact, -1)
    mu_arr, mu_exact = _parameter(mu, "mu", n, exact, 1)
    if not (lam_exact and mu_exact):
        exact = False
    if not exact:
        x = x.astype(np.float64)
        lam_arr = lam_arr.astype(np.float64)
        mu_arr = mu_arr.astype(np.float64)
    if n == 0:
        return Fraction(1) if exact else 1.0
    below = np.ones((n + 1, n + 1), dtype=x.dtype)
    if exact:
        below = below.astype(object)
    for k in range(1, n):
        size = n - k
        divisor = below[1 : size + 1, 1 : size + 1]
        if any(d == 0 for d in divisor.ravel()):
            raise ValueError(
                f"M: the condensation divides by zero at step {k} (a connected {k - 1}x{k - 1} "
                "interior minor has lambda-determinant 0); the lambda-determinant is undefined there"
            )
        mu_k = mu_arr[:size, :size][:, ::-1]  # mu[i, n-k-j-1] for j = 0..size-1
        top = mu_k * x[:-1, :-1] * x[1:, 1:] + lam_arr[:size, :size] * x[:-1, 1:] * x[1:, :-1]
        below, x = x, top / divisor
    result = x[0, 0]
    if exact:
        return result
    result = float(result)
    if not np.isfinite(result):
        raise ValueError("M: the lambda-determinant overflowed (not finite in floating point)")
    return result
