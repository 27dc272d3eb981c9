"""Tests of lralg.truncated_svd against numpy's SVD."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import lralg


def _decaying(m, n, seed=0, decay=0.9, dtype=np.float64):
    rng = np.random.default_rng(seed)
    k = min(m, n)
    u, _ = np.linalg.qr(rng.standard_normal((m, k)))
    v, _ = np.linalg.qr(rng.standard_normal((n, k)))
    return ((u * decay ** np.arange(k)) @ v.T).astype(dtype)


def _best(A, r):
    s = np.linalg.svd(A, compute_uv=False)
    return np.sqrt(np.sum(s[r:] ** 2) / np.sum(s**2))


def test_exact_on_low_rank():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((400, 8)) @ rng.standard_normal((8, 300))
    u, s, vt = lralg.truncated_svd(A, 8, rng=0)
    np.testing.assert_allclose(s, np.linalg.svd(A, compute_uv=False)[:8], rtol=1e-10)
    np.testing.assert_allclose((u * s) @ vt, A, atol=1e-9 * np.abs(A).max())
    np.testing.assert_allclose(u.T @ u, np.eye(8), atol=1e-10)
    np.testing.assert_allclose(vt @ vt.T, np.eye(8), atol=1e-10)


@pytest.mark.parametrize("shape", [(500, 200), (200, 500)])
def test_near_optimal_and_error_estimate_exact(shape):
    A = _decaying(*shape, decay=0.97)
    res = lralg.truncated_svd(A, 20, rng=3)
    u, s, vt = res
    actual = np.linalg.norm(A - (u * s) @ vt) / np.linalg.norm(A)
    assert actual <= 1.01 * _best(A, 20)
    assert res.error_estimate == pytest.approx(actual, rel=1e-8)
    assert np.all(np.diff(s) <= 0)
    assert u.shape == (shape[0], 20) and vt.shape == (20, shape[1])


def test_power_iterations_improve_slow_spectrum():
    A = _decaying(600, 300, decay=0.995, seed=2)
    errors = [lralg.truncated_svd(A, 10, oversampling=2, power_iters=q, rng=0).error_estimate for q in (0, 3)]
    assert errors[1] < errors[0]
    assert errors[1] <= 1.01 * _best(A, 10)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_sparse_matches_dense(fmt):
    A = sp.random(300, 120, density=0.05, random_state=0, format=fmt)
    dense = lralg.truncated_svd(A.toarray(), 6, rng=5)
    sparse = lralg.truncated_svd(A, 6, rng=5)
    np.testing.assert_allclose(sparse.s, dense.s, rtol=1e-9)
    np.testing.assert_allclose((sparse.u * sparse.s) @ sparse.vt, (dense.u * dense.s) @ dense.vt, atol=1e-9)


def test_float32_kept():
    A = _decaying(300, 100, dtype=np.float32)
    u, s, vt = lralg.truncated_svd(A, 5, rng=0)
    assert u.dtype == s.dtype == vt.dtype == np.float32
    np.testing.assert_allclose(s, np.linalg.svd(A.astype(np.float64), compute_uv=False)[:5], rtol=1e-4)


def test_exact_path_when_krylov_space_covers_short_side():
    A = _decaying(40, 30, decay=0.8)
    u, s, vt = lralg.truncated_svd(A, 25, rng=0)
    np.testing.assert_allclose(s, np.linalg.svd(A, compute_uv=False)[:25], rtol=1e-10)


def test_same_seed_same_result_and_input_untouched():
    A = _decaying(200, 150)
    before = A.copy()
    a = lralg.truncated_svd(A, 5, rng=7)
    b = lralg.truncated_svd(A, 5, rng=7)
    np.testing.assert_array_equal(a.u, b.u)
    np.testing.assert_array_equal(A, before)


def test_integer_input_becomes_float64():
    A = np.arange(60).reshape(10, 6) % 7
    assert lralg.truncated_svd(A, 2, rng=0).s.dtype == np.float64


@pytest.mark.parametrize(
    "kwargs, exc",
    [
        ({"rank": 0}, ValueError),
        ({"rank": 31}, ValueError),
        ({"rank": 2.5}, TypeError),
        ({"rank": 2, "oversampling": -1}, ValueError),
        ({"rank": 2, "power_iters": -1}, ValueError),
        ({"rank": 2, "rng": "seed"}, TypeError),
    ],
)
def test_bad_arguments(kwargs, exc):
    with pytest.raises(exc):
        lralg.truncated_svd(np.ones((40, 30)), **kwargs)


def test_bad_matrices():
    A = np.ones((20, 10))
    A[3, 4] = np.nan
    with pytest.raises(ValueError, match="A contains NaN"):
        lralg.truncated_svd(A, 2)
    with pytest.raises(TypeError):
        lralg.truncated_svd(np.ones((5, 5), dtype=complex), 2)
    with pytest.raises(ValueError):
        lralg.truncated_svd(np.ones(5), 1)
    with pytest.raises(ValueError):
        lralg.truncated_svd(np.ones((0, 5)), 1)


@settings(max_examples=25)
@given(
    m=st.integers(1, 40),
    n=st.integers(1, 40),
    seed=st.integers(0, 2**16),
    data=st.data(),
)
def test_property_valid_factorization(m, n, seed, data):
    rank = data.draw(st.integers(1, min(m, n)))
    A = np.random.default_rng(seed).standard_normal((m, n))
    u, s, vt = res = lralg.truncated_svd(A, rank, oversampling=data.draw(st.integers(0, 5)), rng=seed)
    assert np.all(s >= 0) and np.all(np.diff(s) <= 1e-12)
    np.testing.assert_allclose(u.T @ u, np.eye(rank), atol=1e-8)
    actual = np.linalg.norm(A - (u * s) @ vt) / np.linalg.norm(A)
    assert res.error_estimate == pytest.approx(actual, abs=1e-6)
    assert actual >= _best(A, rank) - 1e-9


@settings(max_examples=25, deadline=None)
@given(
    decay=st.sampled_from([1.0, 0.97, 0.7, 0.3, 0.05]),
    true_rank=st.integers(1, 120),
    rank=st.integers(1, 12),
    power_iters=st.integers(0, 3),
    dtype=st.sampled_from([np.float64, np.float32]),
    seed=st.integers(0, 2**16),
)
def test_property_krylov_path_orthonormal_and_interlaced(decay, true_rank, rank, power_iters, dtype, seed):
    # flat to steep spectra (steep and rank-deficient ones defeat the Gram matrix and Cholesky QR,
    # which must then give way to Householder QR): the factors stay orthonormal, the Ritz values
    # lie below the singular values, and a matrix of rank <= `rank` is recovered
    rng = np.random.default_rng(seed)
    m, n = 200, 120
    u0, _ = np.linalg.qr(rng.standard_normal((m, true_rank)))
    v0, _ = np.linalg.qr(rng.standard_normal((n, true_rank)))
    sigma = decay ** np.arange(true_rank)
    A = ((u0 * sigma) @ v0.T).astype(dtype)
    u, s, vt = res = lralg.truncated_svd(A, rank, power_iters=power_iters, rng=seed)
    tol = 1e-10 if dtype == np.float64 else 2e-5
    np.testing.assert_allclose(u.T.astype(np.float64) @ u, np.eye(rank), atol=tol)
    np.testing.assert_allclose(vt.astype(np.float64) @ vt.T, np.eye(rank), atol=tol)
    exact = np.linalg.svd(A.astype(np.float64), compute_uv=False)[:rank]
    assert np.all(s >= 0) and np.all(np.diff(s.astype(np.float64)) <= tol)
    assert np.all(s <= exact * (1 + tol) + tol)
    if true_rank <= rank and dtype == np.float64:
        np.testing.assert_allclose((u * s) @ vt, A, atol=1e-9)
        assert res.error_estimate <= 1e-6
