"""Tests of lralg.matrix_nuclear_norm and lralg.matrix_entropy against numpy."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lralg


def _normalised(X):
    Z = X - X.mean(axis=0)
    norms = np.linalg.norm(Z, axis=1, keepdims=True)
    return np.divide(Z, norms, out=np.zeros_like(Z), where=norms > 0)


def _mnn(X, D=None):
    Z = _normalised(X.astype(np.float64))
    norms = np.sort(np.linalg.norm(Z, axis=0))[::-1]
    return norms[: D or min(X.shape)].sum()


def _entropy(X):
    Z = _normalised(X.astype(np.float64))
    lam = np.linalg.eigvalsh(Z.T @ Z)
    lam = np.clip(lam, 0, None) / np.clip(lam, 0, None).sum()
    lam = lam[lam > 0]
    return float(-(lam * np.log(lam)).sum() / np.log(X.shape[1]))


@pytest.mark.parametrize("shape", [(300, 20), (20, 300), (7, 7)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_against_numpy(shape, dtype):
    X = np.random.default_rng(0).standard_normal(shape).astype(dtype) * 3 + 1
    assert lralg.matrix_nuclear_norm(X) == pytest.approx(_mnn(X), rel=1e-6)
    assert lralg.matrix_nuclear_norm(X, rank=3) == pytest.approx(_mnn(X, 3), rel=1e-6)
    assert lralg.matrix_entropy(X) == pytest.approx(_entropy(X), rel=1e-6, abs=1e-9)


def test_approximates_nuclear_norm_for_spread_responses():
    # columns of nearly equal norm and nearly orthogonal: the L1,2 approximation is close
    X = np.random.default_rng(1).standard_normal((4000, 32))
    exact = np.linalg.svd(_normalised(X), compute_uv=False).sum()
    assert lralg.matrix_nuclear_norm(X) == pytest.approx(exact, rel=0.02)


def test_extremes():
    rng = np.random.default_rng(2)
    one_direction = np.outer(rng.standard_normal(100), rng.standard_normal(8))
    assert lralg.matrix_entropy(one_direction) == pytest.approx(0.0, abs=1e-6)
    assert lralg.matrix_entropy(rng.standard_normal((20000, 8))) > 0.99
    # the MNN of a response on one direction is sqrt(m) whatever n
    assert lralg.matrix_nuclear_norm(np.outer(rng.standard_normal(100), np.eye(8)[0])) == pytest.approx(10.0)


def test_constant_rows_give_zero():
    assert lralg.matrix_nuclear_norm(np.ones((10, 4))) == 0.0
    assert lralg.matrix_entropy(np.ones((10, 4))) == 0.0


def test_bad_input():
    with pytest.raises(ValueError, match="X contains NaN"):
        lralg.matrix_nuclear_norm(np.array([[1.0, np.nan], [0, 1]]))
    with pytest.raises(ValueError):
        lralg.matrix_nuclear_norm(np.ones(4))
    with pytest.raises(ValueError):
        lralg.matrix_nuclear_norm(np.ones((4, 3)), rank=4)
    with pytest.raises(ValueError):
        lralg.matrix_entropy(np.ones((4, 1)))
    with pytest.raises(TypeError):
        lralg.matrix_entropy(np.ones((4, 3), dtype=complex))


@settings(max_examples=30)
@given(m=st.integers(1, 30), n=st.integers(2, 30), seed=st.integers(0, 2**16))
def test_property_bounds(m, n, seed):
    X = np.random.default_rng(seed).standard_normal((m, n))
    value = lralg.matrix_nuclear_norm(X)
    assert value == pytest.approx(_mnn(X), rel=1e-9, abs=1e-12)
    assert value <= np.sqrt(min(m, n) * m) + 1e-9
    assert -1e-12 <= lralg.matrix_entropy(X) <= 1 + 1e-9
