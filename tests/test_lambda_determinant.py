"""Tests of lralg.lambda_determinant: the determinant at lam = -1, the Robbins-Rumsey
expansion over alternating sign matrices, the Laurent phenomenon, and bad input."""

import itertools
from fractions import Fraction

import numpy as np
import pytest

import lralg


def _alternating_sign_matrices(n):
    """All n x n ASMs, row by row: the columns whose partial sums are 1 grow by one per row,
    and the row (new indicator - old indicator) must alternate +1, -1, ..., +1."""
    result = []

    def extend(rows, ones):
        if len(rows) == n:
            result.append(np.array(rows, dtype=int).reshape(n, n))
            return
        for new in itertools.combinations(range(n), len(ones) + 1):
            row = [int(j in new) - int(j in ones) for j in range(n)]
            nonzero = [r for r in row if r]
            if all(a == (1 if i % 2 == 0 else -1) for i, a in enumerate(nonzero)):
                extend(rows + [row], set(new))

    extend([], set())
    return result


def _inversions(A):
    n = A.shape[0]
    return sum(
        A[i, j] * A[k, l]
        for i in range(n)
        for k in range(i + 1, n)
        for j in range(n)
        for l in range(j)
        if A[i, j] and A[k, l]
    )


def _asm_expansion(M, lam):
    """Robbins-Rumsey: sum over ASMs A of lam^(inv-N) (1 + lam)^N prod M_ij^A_ij."""
    n = M.shape[0]
    total = Fraction(0)
    for A in _alternating_sign_matrices(n):
        N = int((A == -1).sum())
        term = Fraction(lam) ** (_inversions(A) - N) * (1 + Fraction(lam)) ** N
        for i in range(n):
            for j in range(n):
                if A[i, j]:
                    term *= Fraction(M[i, j]) ** int(A[i, j])
        total += term
    return total


@pytest.mark.parametrize(("n", "count"), [(1, 1), (2, 2), (3, 7), (4, 42), (5, 429), (6, 7436)])
def test_asm_counts(n, count):
    asms = _alternating_sign_matrices(n)
    assert len(asms) == count
    for A in asms[:: max(1, count // 50)]:
        assert (A.sum(axis=0) == 1).all() and (A.sum(axis=1) == 1).all()


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
def test_lam_minus_one_is_the_determinant(n):
    rng = np.random.default_rng(n)
    M = rng.integers(1, 9, (n, n))
    while n > 2 and _has_zero_interior(M):
        M = rng.integers(1, 9, (n, n))
    assert lralg.lambda_determinant(M) == round(np.linalg.det(M.astype(float)))
    Mf = rng.standard_normal((n, n))
    assert lralg.lambda_determinant(Mf) == pytest.approx(np.linalg.det(Mf), rel=1e-8, abs=1e-10)


def _has_zero_interior(M):
    try:
        lralg.lambda_determinant(M)
        lralg.lambda_determinant(M, 2)
        lralg.lambda_determinant(M, Fraction(-1, 3))
    except ValueError:
        return True
    return False


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
@pytest.mark.parametrize("lam", [2, Fraction(-1, 3), 1])
def test_condensation_equals_the_asm_expansion(n, lam):
    rng = np.random.default_rng(10 * n + 1)
    M = rng.integers(1, 7, (n, n))
    while _has_zero_interior(M):
        M = rng.integers(1, 7, (n, n))
    got = lralg.lambda_determinant(M, lam)
    assert isinstance(got, Fraction)
    assert got == _asm_expansion(M, lam)


def test_fraction_input_is_exact_and_float_close():
    M = np.array(
        [[Fraction(1, 2), Fraction(2, 3), 1], [3, Fraction(5, 7), 2], [1, 1, Fraction(1, 9)]], dtype=object
    )
    exact = lralg.lambda_determinant(M, Fraction(3, 2))
    assert exact == _asm_expansion(M, Fraction(3, 2))
    approx = lralg.lambda_determinant(M.astype(float), 1.5)
    assert approx == pytest.approx(float(exact), rel=1e-12)


def test_two_index_parameters():
    rng = np.random.default_rng(2)
    M = rng.integers(1, 6, (4, 4))
    # constant arrays give the scalar version
    assert lralg.lambda_determinant(
        M, np.full((3, 3), 2), mu=np.ones((3, 3), int)
    ) == lralg.lambda_determinant(M, 2)
    # n = 2 by hand: mu[0, 0] M11 M22 + lam[0, 0] M12 M21
    M2 = np.array([[2, 3], [5, 7]])
    assert lralg.lambda_determinant(M2, [[4]], mu=[[Fraction(1, 2)]]) == Fraction(1, 2) * 14 + 4 * 15
    # scaling mu by c and lam by c scales the determinant by c^(n(n-1)/2)... for n = 2 just by c
    assert lralg.lambda_determinant(M2, [[8]], mu=[[1]]) == 2 * lralg.lambda_determinant(
        M2, [[4]], mu=[[Fraction(1, 2)]]
    )


def test_laurent_phenomenon_with_symbolic_entries():
    sympy = pytest.importorskip("sympy")
    n = 4
    xs = sympy.symbols(f"m0:{n * n}")
    M = np.array(xs, dtype=object).reshape(n, n)
    lam = np.array(sympy.symbols("l0:9"), dtype=object).reshape(3, 3)
    mu = np.array(sympy.symbols("u0:9"), dtype=object).reshape(3, 3)
    for params in [(sympy.Symbol("t"), None), (lam, mu)]:
        value = sympy.cancel(sympy.together(lralg.lambda_determinant(M, params[0], mu=params[1])))
        numer, denom = sympy.fraction(value)
        # a Laurent polynomial in the entries: the denominator is a monomial
        assert denom.is_Mul or denom.is_Pow or denom.is_Symbol or denom == 1
        assert len(sympy.Poly(denom, *xs).terms()) == 1
    # and at t = -1 it is the determinant
    det = sympy.cancel(lralg.lambda_determinant(M, -1))
    assert sympy.expand(det - sympy.Matrix(M.tolist()).det()) == 0


def test_zero_interior_minor_is_an_error_not_nan():
    M = np.array([[1, 2, 3], [4, 0, 6], [7, 8, 9]])
    with pytest.raises(ValueError, match="divides by zero"):
        lralg.lambda_determinant(M)
    with pytest.raises(ValueError, match="divides by zero"):
        lralg.lambda_determinant(M.astype(float), 0.5)


def test_small_and_empty():
    assert lralg.lambda_determinant(np.zeros((0, 0))) == 1.0
    assert lralg.lambda_determinant([[7]]) == 7
    assert lralg.lambda_determinant(np.array([[2.5]], dtype=np.float32)) == 2.5


def test_bad_input():
    with pytest.raises(ValueError, match="square"):
        lralg.lambda_determinant(np.ones((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        lralg.lambda_determinant(np.array([[1.0, np.nan], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="lam"):
        lralg.lambda_determinant(np.ones((3, 3)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="mu"):
        lralg.lambda_determinant(np.ones((3, 3)), 1, mu=np.ones(2))
    with pytest.raises(TypeError, match="M"):
        lralg.lambda_determinant(np.array([["a", "b"], ["c", "d"]], dtype=object))
    with pytest.raises(TypeError, match="lam"):
        lralg.lambda_determinant(np.ones((2, 2)), "x")
    with pytest.raises(ValueError, match="lam"):
        lralg.lambda_determinant(np.ones((2, 2)), float("nan"))


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7])
def test_two_enumeration_of_asms(n):
    # all-ones M, lam = 1: every ASM weighs 2^N(A), and the sum is 2^(n(n-1)/2) (Mills-Robbins-Rumsey)
    assert lralg.lambda_determinant(np.ones((n, n), dtype=int), 1) == 2 ** (n * (n - 1) // 2)
