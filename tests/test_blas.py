"""Tests of the core's shared BLAS/LAPACK table (cpp/include/lralg/blas.hpp): both paths
(SciPy's BLAS through the capsules, and the Eigen fallback) against numpy."""

import numpy as np
import pytest

import lralg
from lralg import _blas, _core


def test_scipy_routines_are_loaded():
    info = _blas.info()
    assert info["enabled"]
    for name in ("dgemm", "sgemm", "dsyrk", "ssyrk", "dsyevd", "ssyevd"):
        assert info[name], name
    with _blas.use_blas(False):
        assert not _blas.info()["enabled"]
    assert _blas.info()["enabled"]


def _fn(name, dtype):
    return getattr(_core, f"_blas_{name}_{'f32' if dtype == np.float32 else 'f64'}")


@pytest.mark.parametrize("on", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_wrappers_match_numpy(on, dtype):
    rng = np.random.default_rng(0)
    tol = 1e-10 if dtype == np.float64 else 1e-4
    with _blas.use_blas(on):
        for ta in "NT":
            for tb in "NT":
                for m, n, k in ((7, 5, 3), (300, 270, 40), (3, 600, 2), (5, 4, 0)):
                    A = rng.standard_normal((k, m) if ta == "T" else (m, k)).astype(dtype)
                    B = rng.standard_normal((n, k) if tb == "T" else (k, n)).astype(dtype)
                    C = rng.standard_normal((m, n)).astype(dtype)
                    ref = 0.5 * (A.T if ta == "T" else A) @ (B.T if tb == "T" else B) - 2 * C
                    got = _fn("gemm", dtype)(ta, tb, 0.5, A, B, -2.0, C)
                    np.testing.assert_allclose(got, ref, rtol=tol, atol=tol * max(k, 1) * 10)
        A = rng.standard_normal((50, 8)).astype(dtype)
        np.testing.assert_allclose(_fn("syrk", dtype)("T", A), A.T @ A, rtol=tol, atol=tol * 50)
        np.testing.assert_allclose(_fn("syrk", dtype)("N", A), A @ A.T, rtol=tol, atol=tol * 50)
        S = A.T @ A
        w, V = _fn("syev", dtype)(S)
        np.testing.assert_allclose(w.ravel(), np.linalg.eigvalsh(S), rtol=tol * 10, atol=tol * 100)
        np.testing.assert_allclose(V @ np.diag(w.ravel()) @ V.T, S, atol=tol * 1000)
        big = rng.standard_normal((3000, 150)).astype(dtype)  # above the small-size cut: BLAS/LAPACK
        G = _fn("syrk", dtype)("T", big)
        np.testing.assert_allclose(G, big.T.astype(np.float64) @ big, rtol=tol, atol=tol * 3000)
        w, V = _fn("syev", dtype)(G)
        np.testing.assert_allclose(
            w.ravel(), np.linalg.eigvalsh(G.astype(np.float64)), rtol=tol * 10, atol=tol * 1e5
        )
        np.testing.assert_allclose(V.T @ V, np.eye(150), atol=tol * 100)
        Q = _fn("qr", dtype)(A)
        np.testing.assert_allclose(Q.T @ Q, np.eye(8), atol=tol * 10)
        np.testing.assert_allclose(Q @ (Q.T @ A), A, atol=tol * 100)


def test_eigen_gemm_does_not_depend_on_threads():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((900, 60))
    B = rng.standard_normal((60, 700))
    C = np.zeros((900, 700))
    with _blas.use_blas(False):
        with lralg.threads(1):
            a = _core._blas_gemm_f64("N", "N", 1.0, A, B, 0.0, C)
        with lralg.threads(2):
            b = _core._blas_gemm_f64("N", "N", 1.0, A, B, 0.0, C)
    np.testing.assert_array_equal(a, b)


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match="shapes"):
        _core._blas_gemm_f64("N", "N", 1.0, np.ones((3, 2)), np.ones((3, 2)), 0.0, np.ones((3, 2)))
