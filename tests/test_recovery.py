"""Tests of lralg.recover, GaussianSensing and EntrySampling (small sizes)."""

import numpy as np
import pytest
import scipy.sparse.linalg as spla
from hypothesis import given, settings
from hypothesis import strategies as st

import lralg
from lralg import DivergenceError, EntrySampling, GaussianSensing, recover


def explicit(op):
    return np.stack([op.measurement_matrix(i) for i in range(op.n_measurements)])


def low_rank(rng, n1, n2, r, psd=False):
    F = rng.standard_normal((n1, r))
    if psd:
        return F @ F.T
    return F @ rng.standard_normal((n2, r)).T


# ----------------------------------------------------------------- operators


@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gaussian_matches_explicit(symmetric, dtype):
    shape = (7, 7) if symmetric else (6, 9)
    op = GaussianSensing(shape, 13, symmetric=symmetric, rng=3)
    A = explicit(op)
    if symmetric:
        assert np.allclose(A, A.transpose(0, 2, 1))
    rng = np.random.default_rng(0)
    X = rng.standard_normal(shape)
    y = op.matvec(X.astype(dtype))
    assert y.dtype == dtype
    ref = np.einsum("ijk,jk->i", A, X)
    assert np.allclose(y, ref, rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-4)
    w = rng.standard_normal(13)
    S = op.rmatvec(w.astype(dtype))
    assert S.dtype == dtype and S.shape == shape
    assert np.allclose(S, np.einsum("i,ijk->jk", w, A), rtol=1e-4, atol=1e-4)


def test_gaussian_adjoint_identity_and_statistics():
    op = GaussianSensing((20, 30), 50, symmetric=False, rng=1)
    rng = np.random.default_rng(1)
    X = rng.standard_normal((20, 30))
    w = rng.standard_normal(50)
    assert np.isclose(op.matvec(X) @ w, np.sum(X * op.rmatvec(w)))
    A = explicit(op)
    assert abs(A.mean()) < 0.02 and abs(A.var() - 1) < 0.03
    # F-ordered and strided input give the same answer as C order
    assert np.array_equal(op.matvec(np.asfortranarray(X)), op.matvec(X))
    big = np.zeros((40, 30))
    big[::2] = X
    assert np.array_equal(op.matvec(big[::2]), op.matvec(X))


def test_gaussian_symmetric_statistics():
    # A_i has N(0, 1) diagonal and N(0, 1/2) off-diagonal entries (the law of
    # (G + G^T) / 2), so <A_i, X> has variance ||X||_F^2 for a symmetric X.
    op = GaussianSensing(12, 400, rng=5)
    A = explicit(op)
    iu = np.triu_indices(12, 1)
    diag = A[:, np.arange(12), np.arange(12)]
    off = A[:, iu[0], iu[1]]
    assert abs(diag.var() - 1.0) < 0.06 and abs(off.var() - 0.5) < 0.03
    assert abs(A.mean()) < 0.02
    X = low_rank(np.random.default_rng(0), 12, 12, 2, psd=True)
    y = op.matvec(X)
    assert abs(np.mean(y**2) / np.sum(X**2) - 1.0) < 0.2


def test_gaussian_same_seed_same_operator_and_threads():
    X = np.random.default_rng(0).standard_normal((15, 15))
    a = GaussianSensing(15, 40, rng=5)
    b = GaussianSensing(15, 40, rng=5)
    c = GaussianSensing(15, 40, rng=6)
    assert np.array_equal(a.matvec(X), b.matvec(X))
    assert not np.allclose(a.matvec(X), c.matvec(X))
    with lralg.threads(1):
        y1, S1 = a.matvec(X), a.rmatvec(np.arange(40.0))
    with lralg.threads(2):
        y2, S2 = a.matvec(X), a.rmatvec(np.arange(40.0))
    assert np.array_equal(y1, y2) and np.array_equal(S1, S2)


def test_gaussian_chunks_blocks_and_threads():
    # d = 50: 1275 packed entries (a partial last quad), more than one generation
    # chunk per matrix and several adjoint blocks: still the explicit matrices, and
    # the same bits on 1 and 2 threads.
    d, m = 50, 24
    op = GaussianSensing(d, m, rng=9)
    A = explicit(op)
    rng = np.random.default_rng(2)
    X = rng.standard_normal((d, d))
    w = rng.standard_normal(m)
    with lralg.threads(1):
        y1, S1 = op.matvec(X), op.rmatvec(w)
    with lralg.threads(2):
        y2, S2 = op.matvec(X), op.rmatvec(w)
    assert np.array_equal(y1, y2) and np.array_equal(S1, S2)
    assert np.allclose(y1, np.einsum("ijk,jk->i", A, X), rtol=1e-10, atol=1e-9)
    assert np.allclose(S1, np.einsum("i,ijk->jk", w, A), rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("symmetric", [True, False])
def test_gaussian_kept_draws_give_the_regenerated_bits(symmetric):
    # Under the memory budget the draws are kept after the first product; above
    # it (max_bytes=0) every product regenerates them: the same bits either way,
    # on any number of threads, for float32 and float64.
    shape = (50, 50) if symmetric else (23, 31)
    kept = GaussianSensing(shape, 37, symmetric=symmetric, rng=4)
    regen = GaussianSensing(shape, 37, symmetric=symmetric, rng=4, max_bytes=0)
    assert kept.stored_bytes == 0  # nothing drawn before the first product
    rng = np.random.default_rng(3)
    X, w = rng.standard_normal(shape), rng.standard_normal(37)
    for dtype in (np.float64, np.float32):
        for threads in (1, 2):
            with lralg.threads(threads):
                assert np.array_equal(kept.matvec(X.astype(dtype)), regen.matvec(X.astype(dtype)))
                assert np.array_equal(kept.rmatvec(w.astype(dtype)), regen.rmatvec(w.astype(dtype)))
    entries = 50 * 51 // 2 if symmetric else 23 * 31
    assert kept.stored_bytes == 8 * 37 * 4 * ((entries + 3) // 4) and regen.stored_bytes == 0
    A = explicit(kept)
    assert np.allclose(kept.matvec(X), np.einsum("ijk,jk->i", A, X), rtol=1e-10, atol=1e-9)
    # a budget just below the draws' size regenerates
    small = GaussianSensing(shape, 37, symmetric=symmetric, rng=4, max_bytes=kept.stored_bytes - 1)
    small.matvec(X)
    assert small.stored_bytes == 0
    with pytest.raises(ValueError, match="max_bytes"):
        GaussianSensing(shape, 37, symmetric=symmetric, max_bytes=-1)


def test_entry_sampling_ops():
    rng = np.random.default_rng(2)
    rows = rng.integers(0, 8, 30)
    cols = rng.integers(0, 5, 30)
    op = EntrySampling((8, 5), rows, cols)
    X = rng.standard_normal((8, 5))
    assert np.array_equal(op.matvec(X), X[rows, cols])
    w = rng.standard_normal(30)
    S = np.zeros((8, 5))
    np.add.at(S, (rows, cols), w)
    assert np.allclose(op.rmatvec(w), S)
    F, G = rng.standard_normal((8, 3)), rng.standard_normal((5, 3))
    assert np.allclose(op.forward(F, G), (F @ G.T)[rows, cols])
    SG, StF = op.adjoint_times(w, F, G)
    assert np.allclose(SG, S @ G) and np.allclose(StF, S.T @ F)
    assert np.isclose(op.adjoint_norm(w), np.linalg.norm(S, 2), rtol=1e-3)


# ----------------------------------------------------------------- recovery


def test_subgradient_symmetric_overparameterized_with_outliers():
    rng = np.random.default_rng(0)
    d, r = 16, 2
    X = low_rank(rng, d, d, r, psd=True)
    op = GaussianSensing(d, 640, rng=1)
    y = op.matvec(X)
    bad = rng.random(y.size) < 0.2
    y[bad] += 20 * np.abs(y).mean() * rng.standard_normal(bad.sum())
    res = recover(y, op, 2 * r, rng=2, max_iter=400, X_true=X)
    assert res.U.shape == (d, 2 * r)
    err = np.linalg.norm(res.X - X) / np.linalg.norm(X)
    assert err < 1e-3
    assert np.isclose(res.error_history[-1], err)
    assert len(res.loss_history) == res.n_iter + 1


def test_robust_completion_asymmetric():
    rng = np.random.default_rng(1)
    n1, n2, r = 80, 70, 2
    X = low_rank(rng, n1, n2, r)
    mask = rng.random((n1, n2)) < 0.4
    rows, cols = np.nonzero(mask)
    op = EntrySampling((n1, n2), rows, cols)
    y = op.matvec(X)
    bad = rng.random(y.size) < 0.1
    y[bad] += 30 * rng.standard_normal(bad.sum())
    res = recover(y, op, r, parameterization="asymmetric", rng=0, max_iter=800, X_true=X)
    err = np.linalg.norm(res.X - X) / np.linalg.norm(X)
    assert err < 1e-5
    assert res.F.shape == (n1, r) and res.G.shape == (n2, r)
    # least squares (gd on the l2 loss) is thrown off by the outliers
    l2 = recover(y, op, r, method="gd", parameterization="asymmetric", rng=0, max_iter=100)
    assert np.linalg.norm(l2.X - X) / np.linalg.norm(X) > 100 * err


def dense_sensing(rng, n1, n2, m):
    A = rng.standard_normal((m, n1 * n2))
    return spla.aslinearoperator(A), A


def test_gd_onestep_is_faster_than_gd_at_small_scale():
    rng = np.random.default_rng(3)
    d, r, k = 15, 2, 4
    X = low_rank(rng, d, d, r)
    op, _ = dense_sensing(rng, d, d, 8 * d * k)
    y = op.matvec(X.ravel())
    runs = {}
    for method in ("gd", "gd-onestep"):
        res = recover(
            y,
            op,
            k,
            method=method,
            parameterization="asymmetric",
            init_scale=1e-2,
            max_iter=3000,
            tol=1e-12,
            rng=0,
            X_true=X,
            matrix_shape=(d, d),
        )
        runs[method] = res
        assert res.F.shape == (d, k)
    hit = {
        m: int(np.argmax(r.error_history < 1e-6)) if (r.error_history < 1e-6).any() else 10**9
        for m, r in runs.items()
    }
    assert runs["gd-onestep"].switch_iter is not None
    assert hit["gd-onestep"] < 10**9
    assert hit["gd-onestep"] < hit["gd"]


def contraction(err, lo, hi):
    """Mean per-iteration factor by which the error shrinks between iterations lo and hi."""
    return (err[hi] / err[lo]) ** (1.0 / (hi - lo))


def test_gd_onestep_rate_does_not_depend_on_alpha():
    # Xiong, Ding and Du: plain asymmetric GD over-parameterized (k > r) converges at
    # a rate that degrades with alpha; after the one-step modification the linear
    # rate is the same for every alpha.
    rng = np.random.default_rng(3)
    d, r, k = 12, 2, 4
    X = low_rank(rng, d, d, r)
    op, _ = dense_sensing(rng, d, d, 8 * d * k)
    y = op.matvec(X.ravel())
    kw = dict(parameterization="asymmetric", tol=0.0, rng=0, X_true=X, matrix_shape=(d, d))
    rates = {}
    for alpha in (1e-1, 1e-3):
        res = recover(y, op, k, method="gd-onestep", init_scale=alpha, max_iter=700, **kw)
        err = res.error_history
        assert res.switch_iter is not None
        hit = int(np.argmax(err < 1e-8))
        assert err[hit] < 1e-8
        rates[alpha] = contraction(err, res.switch_iter + 10, hit)
    assert abs(np.log(rates[1e-1]) / np.log(rates[1e-3]) - 1.0) < 0.3
    plain = recover(y, op, k, method="gd", init_scale=1e-3, max_iter=600, **kw).error_history
    assert contraction(plain, 400, 600) > 0.995 > 0.98 > max(rates.values())


@pytest.mark.parametrize("mult", [1, 2, 5])
def test_subgradient_overparameterized_noiseless_below_1e6(mult):
    # Ma and Fattahi: with small initialization the over-estimated rank r' does not
    # stop SubGM from recovering X; with lralg's defaults (alpha 1e-10, adaptive
    # steps) the error falls below 1e-6 for r' = r, 2r, 5r.
    rng = np.random.default_rng(10)
    d, r = 12, 2
    X = low_rank(rng, d, d, r, psd=True)
    op = GaussianSensing(d, 10 * d * r, rng=3)
    res = recover(op.matvec(X), op, mult * r, max_iter=800, tol=0.0, X_true=X, rng=0)
    assert res.error_history[-1] < 1e-6
    # the adaptive schedule: the step shrinks by rho = 0.93 after a rise of the loss
    # and grows by at most 1.01 otherwise, never above eta_0; it stays at eta_0
    # while the signal grows out of the initialization, then it shrinks overall
    h = res.step_history
    ratios = h[1:] / h[:-1]
    shrink = np.isclose(ratios, 0.93)
    assert np.all(shrink | ((ratios >= 1.0) & (ratios <= 1.01 * (1 + 1e-12))))
    assert h.max() == h[0]
    assert res.decay_start is not None and res.decay_start > 10
    assert np.all(ratios[: res.decay_start - 1] == 1.0)
    assert shrink.sum() > 100 and h[-1] < 1e-4 * h[0]


def test_subgradient_user_decay_is_geometric():
    rng = np.random.default_rng(10)
    X = low_rank(rng, 10, 10, 1, psd=True)
    op = GaussianSensing(10, 120, rng=3)
    res = recover(op.matvec(X), op, 2, decay=0.97, step=0.4, max_iter=50, tol=0.0, rng=0)
    assert np.allclose(res.step_history / res.step_history[0], 0.97 ** np.arange(50))
    assert res.decay_start is None
    gd = recover(op.matvec(X), op, 2, method="gd", parameterization="asymmetric", max_iter=5, rng=0)
    assert gd.decay_start is None and np.all(gd.step_history == gd.step_history[0])


@pytest.mark.parametrize("p", [0.0, 0.2])
def test_subgradient_asymmetric_overparameterized_sensing_below_1e6(p):
    # X = F G^T with r' = 2r on Gaussian sensing: the defaults (alpha 1e-10, adaptive
    # steps) reach 1e-6; the former fixed budget (alpha 1e-4, steps summing to
    # 2.5 log(1/alpha)) froze far above it.
    rng = np.random.default_rng(21)
    d, r = 12, 2
    X = low_rank(rng, d, d, r)
    m = int(12 * d * r / (1 - p) ** 2)
    op = GaussianSensing(d, m, symmetric=False, rng=4)
    y = op.matvec(X)
    bad = rng.random(m) < p
    y[bad] += 10 * np.abs(y).mean() * rng.standard_normal(bad.sum())
    kw = dict(parameterization="asymmetric", max_iter=600, tol=0.0, X_true=X, rng=0)
    res = recover(y, op, 2 * r, **kw)
    assert res.error_history[-1] < 1e-6
    old = recover(y, op, 2 * r, init_scale=1e-4, step=0.5, decay=1.0 - 0.5 / (2.5 * np.log(1e4)), **kw)
    assert old.error_history[-1] > 100 * res.error_history[-1]


@pytest.mark.parametrize("seed", [30, 31])
def test_subgradient_ill_conditioned_symmetric_defaults(seed):
    # sigma_1 / sigma_r = 4 on a small Gaussian problem with the default steps: the
    # weak component needs the step to stay large after the strong one is fitted.
    # A step that only ever shrinks (at each rise of the loss) left it unfitted
    # (error 0.25); the step that also grows back after falls of the loss
    # ("bold driver", capped at eta_0) fits it.
    rng = np.random.default_rng(seed)
    d, r = 20, 2
    Q, _ = np.linalg.qr(rng.standard_normal((d, r)))
    X = (Q * [4.0, 1.0]) @ Q.T
    op = GaussianSensing(d, 12 * d * r, rng=5)
    y = op.matvec(X)
    res = recover(y, op, 2 * r, max_iter=800, tol=0.0, X_true=X, rng=0)
    assert res.error_history[-1] < 1e-6
    assert np.any(res.step_history[1:] > res.step_history[:-1])  # the step grew back


@pytest.mark.parametrize("seed", [30, 31])
def test_scaled_subgradient_fits_ill_conditioned_asymmetric(seed):
    # X = F G^T with sigma_1 / sigma_r = 4, r' = 2r, Gaussian sensing: the plain
    # sub-gradient method's step dies out before the weak component has grown
    # (error about 0.26, the weak component's share); the preconditioned steps
    # grow every component at a rate that does not depend on its singular value.
    rng = np.random.default_rng(seed)
    d, r = 12, 2
    Q1, _ = np.linalg.qr(rng.standard_normal((d, r)))
    Q2, _ = np.linalg.qr(rng.standard_normal((d, r)))
    X = (Q1 * [4.0, 1.0]) @ Q2.T
    op = GaussianSensing(d, 12 * d * r, symmetric=False, rng=5)
    y = op.matvec(X)
    kw = dict(parameterization="asymmetric", max_iter=800, tol=0.0, X_true=X, rng=0)
    scaled = recover(y, op, 2 * r, method="scaled-subgradient", **kw)
    plain = recover(y, op, 2 * r, **kw)
    err = np.linalg.norm(scaled.X - X) / np.linalg.norm(X)
    assert err < 1e-6 and scaled.error_history[-1] == pytest.approx(err)
    assert plain.error_history[-1] > 0.1
    assert scaled.method == "scaled-subgradient" and scaled.decay_start is not None


def test_scaled_subgradient_symmetric_outliers_overparameterized():
    # U U^T with sigma_1 / sigma_r = 4, 20% gross outliers and r' = 2r.
    rng = np.random.default_rng(12)
    d, r, p = 12, 2, 0.2
    Q, _ = np.linalg.qr(rng.standard_normal((d, r)))
    X = (Q * [4.0, 1.0]) @ Q.T
    m = int(12 * d * r / (1 - p) ** 2)
    op = GaussianSensing(d, m, rng=3)
    y = op.matvec(X)
    bad = rng.random(m) < p
    y[bad] += 10 * np.abs(y).mean() * rng.standard_normal(bad.sum())
    res = recover(y, op, 2 * r, method="scaled-subgradient", max_iter=800, tol=0.0, X_true=X, rng=0)
    assert np.linalg.norm(res.X - X) / np.linalg.norm(X) < 1e-6
    assert res.U.shape == (d, 2 * r)


@pytest.mark.parametrize("parameterization", ["symmetric", "asymmetric"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scaled_subgradient_threads_identical(parameterization, dtype):
    rng = np.random.default_rng(15)
    X = low_rank(rng, 10, 10, 2, psd=True)
    op = GaussianSensing(10, 160, symmetric=parameterization == "symmetric", rng=2)
    y = op.matvec(X).astype(dtype)
    kw = dict(method="scaled-subgradient", parameterization=parameterization, max_iter=150, rng=0)
    with lralg.threads(1):
        a = recover(y, op, 3, **kw)
    with lralg.threads(2):
        b = recover(y, op, 3, **kw)
    assert a.F.dtype == dtype and np.isfinite(a.X).all()
    assert all(np.array_equal(u, v) for u, v in zip(a.factors, b.factors))
    assert np.array_equal(a.loss_history, b.loss_history)
    assert np.array_equal(a.step_history, b.step_history)


def test_scaled_subgradient_completion_and_divergence():
    rng = np.random.default_rng(1)
    n1, n2, r = 40, 30, 2
    X = low_rank(rng, n1, n2, r)
    rows, cols = np.nonzero(rng.random((n1, n2)) < 0.5)
    op = EntrySampling((n1, n2), rows, cols)
    y = op.matvec(X)
    bad = rng.random(y.size) < 0.1
    y[bad] += 30 * rng.standard_normal(bad.sum())
    res = recover(
        y, op, r, method="scaled-subgradient", parameterization="asymmetric", rng=0, max_iter=800, X_true=X
    )
    assert np.linalg.norm(res.X - X) / np.linalg.norm(X) < 1e-5
    with pytest.raises(DivergenceError):
        recover(
            y,
            op,
            r,
            method="scaled-subgradient",
            parameterization="asymmetric",
            rng=0,
            step=1e12,
            decay=1.0,
            max_iter=200,
        )


def test_subgradient_outliers_overparameterized_below_1e6():
    # Gross outliers on 20% of the measurements and r' = 2r: with the default
    # (adaptive) steps the surplus columns stay small and the error still falls
    # below 1e-6.
    rng = np.random.default_rng(12)
    d, r, p = 12, 2, 0.2
    X = low_rank(rng, d, d, r, psd=True)
    m = int(12 * d * r / (1 - p) ** 2)
    op = GaussianSensing(d, m, rng=3)
    y = op.matvec(X)
    bad = rng.random(m) < p
    y[bad] += 10 * np.abs(y).mean() * rng.standard_normal(bad.sum())
    res = recover(y, op, 2 * r, max_iter=800, tol=0.0, X_true=X, rng=0)
    assert res.error_history[-1] < 1e-6
    # ... while fixed geometric steps summing to 1.5 log(1/alpha) (a budget half
    # again as long as the former default) stop far above it
    long = recover(
        y, op, 2 * r, max_iter=800, tol=0.0, X_true=X, rng=0, step=0.5, decay=1.0 - 0.5 / (1.5 * np.log(1e10))
    )
    assert long.error_history.min() > 10 * res.error_history[-1]


def test_user_operator_matches_builtin():
    rng = np.random.default_rng(4)
    d = 10
    g = GaussianSensing((d, d), 120, symmetric=False, rng=9)
    A = explicit(g).reshape(120, -1)
    X = low_rank(rng, d, d, 2)
    y = g.matvec(X)
    kw = dict(method="gd", parameterization="asymmetric", max_iter=30, rng=1)
    a = recover(y, g, 3, **kw)
    b = recover(y, spla.aslinearoperator(A), 3, matrix_shape=(d, d), **kw)
    assert np.allclose(a.X, b.X, rtol=1e-7, atol=1e-9)


class _DenseSensing(lralg.MeasurementOperator):
    """A user operator written to the protocol: an explicit stack of measurement matrices."""

    def __init__(self, A):
        self.A = A
        self.n_measurements, *self.shape = A.shape
        self.shape = tuple(self.shape)

    def matvec(self, X):
        return np.einsum("mij,ij->m", self.A, X)

    def rmatvec(self, y):
        return np.einsum("m,mij->ij", y, self.A)


def test_measurement_operator_protocol():
    rng = np.random.default_rng(4)
    d = 10
    g = GaussianSensing((d, d), 120, symmetric=False, rng=9)
    op = _DenseSensing(explicit(g))
    F, G, s = rng.standard_normal((d, 2)), rng.standard_normal((d, 2)), rng.standard_normal(120)
    # the protocol's default factored products agree with the built-in operator's
    np.testing.assert_allclose(op.forward(F, G), g.forward(F, G), rtol=1e-10)
    for a, b in zip(op.adjoint_times(s, F, G), g.adjoint_times(s, F, G)):
        np.testing.assert_allclose(a, b, rtol=1e-10)
    assert op.adjoint_norm(s) == pytest.approx(g.adjoint_norm(s), rel=1e-10)
    X = low_rank(rng, d, d, 2)
    kw = dict(method="gd", parameterization="asymmetric", max_iter=30, rng=1)
    np.testing.assert_allclose(
        recover(g.matvec(X), op, 3, **kw).X, recover(g.matvec(X), g, 3, **kw).X, rtol=1e-7, atol=1e-9
    )
    with pytest.raises(TypeError, match="abstract"):
        lralg.MeasurementOperator()


def test_float32_kept_and_threads_identical():
    rng = np.random.default_rng(5)
    X = low_rank(rng, 12, 12, 1, psd=True)
    op = GaussianSensing(12, 150, rng=2)
    y = op.matvec(X).astype(np.float32)
    with lralg.threads(1):
        a = recover(y, op, 2, max_iter=30, rng=0)
    with lralg.threads(2):
        b = recover(y, op, 2, max_iter=30, rng=0)
    assert a.U.dtype == np.float32
    assert np.array_equal(a.U, b.U)


def test_callback_and_verbose(capsys):
    rng = np.random.default_rng(6)
    X = low_rank(rng, 10, 10, 1)
    rows, cols = np.nonzero(rng.random((10, 10)) < 0.7)
    op = EntrySampling(10, rows, cols)
    seen = []
    res = recover(
        op.matvec(X),
        op,
        2,
        parameterization="asymmetric",
        verbose=True,
        callback=lambda s: seen.append(s["iteration"]) or s["iteration"] >= 5,
        rng=0,
    )
    assert res.n_iter == 5 and seen == [1, 2, 3, 4, 5] and "callback" in res.message
    assert "recover[subgradient]" in capsys.readouterr().err


def test_divergence_is_reported():
    rng = np.random.default_rng(7)
    X = low_rank(rng, 10, 10, 2)
    rows, cols = np.nonzero(rng.random((10, 10)) < 0.8)
    op = EntrySampling(10, rows, cols)
    with pytest.raises(DivergenceError):
        recover(
            op.matvec(X),
            op,
            3,
            method="gd",
            parameterization="asymmetric",
            step=50.0,
            init_scale=0.5,
            rng=0,
            max_iter=200,
        )


# ----------------------------------------------------------------- bad input


def test_bad_input():
    op = GaussianSensing(6, 20, rng=0)
    y = np.ones(20)
    with pytest.raises(ValueError, match="measurements"):
        recover(np.ones(19), op, 2)
    with pytest.raises(ValueError, match="rank"):
        recover(y, op, 0)
    with pytest.raises(ValueError, match="rank"):
        recover(y, op, 7)
    with pytest.raises(TypeError, match="rank"):
        recover(y, op, 1.5)
    for bad_step in (0.0, -1.0, np.inf, np.nan):
        with pytest.raises(ValueError, match="step"):
            recover(y, op, 2, step=bad_step)
    for bad_decay in (0.0, 1.5, -0.1):
        with pytest.raises(ValueError, match="decay"):
            recover(y, op, 2, decay=bad_decay)
    with pytest.raises(ValueError, match="init_scale"):
        recover(y, op, 2, init_scale=0.0)
    for bad in (np.nan, np.inf):
        yy = y.copy()
        yy[3] = bad
        with pytest.raises(ValueError, match="y"):
            recover(yy, op, 2)
    with pytest.raises(TypeError, match="y"):
        recover(y.astype(complex), op, 2)
    with pytest.raises(ValueError, match="2-D|1-D"):
        recover(np.ones((20, 1)), op, 2)
    with pytest.raises(TypeError, match="operator"):
        recover(y, "not an operator", 2)
    with pytest.raises(ValueError, match="method"):
        recover(y, op, 2, method="newton")
    with pytest.raises(ValueError, match="loss"):
        recover(y, op, 2, method="gd", loss="l1")
    with pytest.raises(ValueError, match="asymmetric"):
        recover(y, op, 2, method="gd-onestep", parameterization="symmetric")
    for bad_damping in (0.0, -1.0, np.nan, np.inf):
        with pytest.raises(ValueError, match="damping"):
            recover(y, op, 2, method="scaled-subgradient", damping=bad_damping)
    with pytest.raises(TypeError, match="damping"):
        recover(y, op, 2, method="scaled-subgradient", damping="big")
    with pytest.raises(ValueError, match="damping"):
        recover(y, op, 2, damping=0.1)  # not a parameter of "subgradient"
    with pytest.raises(ValueError, match="loss"):
        recover(y, op, 2, method="scaled-subgradient", loss="l2")
    with pytest.raises(ValueError, match="zeros"):
        recover(np.zeros(20), op, 2)
    with pytest.raises(ValueError, match="X_true"):
        recover(y, op, 2, X_true=np.ones((5, 5)))
    with pytest.raises(ValueError, match="square"):
        GaussianSensing((4, 5), 10, symmetric=True)
    with pytest.raises(ValueError, match="n_measurements"):
        GaussianSensing(4, 0)
    with pytest.raises(ValueError, match="shape"):
        GaussianSensing((4, 0), 3, symmetric=False)
    with pytest.raises(ValueError, match="shape"):
        op.matvec(np.ones((6, 5)))
    with pytest.raises(ValueError, match="length"):
        op.rmatvec(np.ones(3))
    with pytest.raises(ValueError, match="NaN"):
        op.matvec(np.full((6, 6), np.nan))
    with pytest.raises(ValueError, match="rows"):
        EntrySampling(5, [0, 5], [0, 1])
    with pytest.raises(ValueError, match="same length"):
        EntrySampling(5, [0, 1], [0])
    with pytest.raises(TypeError, match="rows"):
        EntrySampling(5, [0.5, 1], [0, 1])
    with pytest.raises(ValueError, match="rows"):
        EntrySampling(5, [], [])
    with pytest.raises(ValueError, match="square"):
        recover(np.ones(2), EntrySampling((4, 5), [0, 1], [0, 1]), 1)


def test_inputs_not_modified():
    rng = np.random.default_rng(8)
    X = low_rank(rng, 8, 8, 1, psd=True)
    op = GaussianSensing(8, 60, rng=1)
    y = op.matvec(X)
    y0 = y.copy()
    recover(y, op, 2, max_iter=5, X_true=X)
    assert np.array_equal(y, y0)


@settings(max_examples=25, deadline=None)
@given(
    n1=st.integers(1, 7),
    n2=st.integers(1, 7),
    m=st.integers(1, 30),
    symmetric=st.booleans(),
    dtype=st.sampled_from([np.float32, np.float64, np.int64, np.bool_]),
    order=st.sampled_from(["C", "F", "strided"]),
    seed=st.integers(0, 2**32),
)
def test_property_operators_and_short_runs(n1, n2, m, symmetric, dtype, order, seed):
    if symmetric:
        n2 = n1
    rng = np.random.default_rng(seed)
    op = GaussianSensing((n1, n2), m, symmetric=symmetric, rng=seed)
    X = (rng.standard_normal((n1, 2 * n2)) * 3).astype(dtype)
    X = X[:, ::2] if order == "strided" else np.asarray(X[:, :n2], order=order)
    y = op.matvec(X)
    expect = np.float32 if dtype == np.float32 else np.float64
    assert y.dtype == expect and y.shape == (m,) and np.isfinite(y).all()
    S = op.rmatvec(y)
    assert S.shape == (n1, n2) and S.dtype == expect
    if not np.any(y):
        return
    k = int(rng.integers(1, min(n1, n2) + 1))
    method = ["subgradient", "gd", "gd-onestep", "scaled-subgradient"][seed % 4]
    try:
        res = recover(y, op, k, method=method, parameterization="asymmetric", max_iter=5, rng=seed)
    except DivergenceError:
        return
    assert res.X.shape == (n1, n2) and np.isfinite(res.X).all()
