"""Tests of lralg.incremental_svd, IncrementalSVD, svd_error_bound and cluster_matrices."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import lralg


def _low_rank(n, d, rank, seed=0, noise=1e-3, dtype=np.float64):
    rng = np.random.default_rng(seed)
    decay = 1.0 / np.arange(1, rank + 1)
    X = (rng.standard_normal((n, rank)) * decay) @ rng.standard_normal((rank, d))
    X += noise * rng.standard_normal((n, d))
    return X.astype(dtype)


def _best_error(X, r):
    s = np.linalg.svd(X, compute_uv=False)
    return np.sqrt(np.sum(s[r:] ** 2) / np.sum(s**2))


def _rel(X, u, s, vt):
    return np.linalg.norm(X - (u * s) @ vt) / np.linalg.norm(X)


# ---------------------------------------------------------------- incremental_svd


@pytest.mark.parametrize("residual", ["auto", "exact", "sketch"])
def test_matches_exact_svd_on_low_rank(residual):
    X = _low_rank(600, 80, 10, noise=0.0)
    u, s, vt = lralg.incremental_svd(np.array_split(X, 6), 10, residual=residual, rng=0)
    s_exact = np.linalg.svd(X, compute_uv=False)[:10]
    np.testing.assert_allclose(s, s_exact, rtol=1e-8)
    np.testing.assert_allclose((u * s) @ vt, X, atol=1e-8 * np.abs(X).max())
    np.testing.assert_allclose(u.T @ u, np.eye(10), atol=1e-8)
    np.testing.assert_allclose(vt @ vt.T, np.eye(10), atol=1e-8)
    assert np.all(np.diff(s) <= 0)


@pytest.mark.parametrize("residual", ["exact", "sketch"])
def test_accuracy_ratio_digits(residual):
    from sklearn.datasets import load_digits

    X = load_digits().data
    u, s, vt = lralg.incremental_svd(np.array_split(X, 18), 20, residual=residual, rng=1)
    assert _rel(X, u, s, vt) / _best_error(X, 20) <= 1.01


def test_axis1_is_transpose_of_axis0():
    X = _low_rank(200, 150, 8, noise=1e-2)
    u0, s0, vt0 = lralg.incremental_svd(np.array_split(X, 4), 5, axis=0, residual="exact")
    u1, s1, vt1 = lralg.incremental_svd([b.T for b in np.array_split(X, 4)], 5, axis=1, residual="exact")
    np.testing.assert_allclose(s0, s1, rtol=1e-10)
    np.testing.assert_allclose(np.abs(u0.T @ vt1.T), np.eye(5), atol=1e-8)


def test_sparse_blocks_match_dense():
    rng = np.random.default_rng(3)
    X = sp.random(200, 60, density=0.1, random_state=rng, format="csr")
    blocks_sp = [X[i : i + 50] for i in range(0, 200, 50)]
    blocks_d = [b.toarray() for b in blocks_sp]
    for residual in ("exact", "sketch"):
        a = lralg.incremental_svd(blocks_sp, 6, residual=residual, rng=5)
        b = lralg.incremental_svd(blocks_d, 6, residual=residual, rng=5)
        np.testing.assert_allclose(a.s, b.s, rtol=1e-9)
    # COO / CSC and int indices work too
    lralg.incremental_svd([sp.coo_matrix(b) for b in blocks_sp], 6)
    lralg.incremental_svd([sp.csc_array(b) for b in blocks_sp], 6, axis=0)


def test_sparse_input_is_not_modified():
    X = sp.random(200, 50, density=0.1, random_state=0, format="csr")
    copy = X.copy()
    lralg.incremental_svd([X[:100], X[100:]], 4)
    assert (copy != X).nnz == 0


def test_float32_kept_and_mixed_promotes():
    X = _low_rank(300, 40, 5).astype(np.float32)
    r = lralg.incremental_svd(np.array_split(X, 3), 4)
    assert r.s.dtype == np.float32 and r.u.dtype == np.float32 and r.vt.dtype == np.float32
    blocks = np.array_split(X, 3)
    blocks[1] = blocks[1].astype(np.float64)
    r = lralg.incremental_svd(blocks, 4)
    assert r.s.dtype == np.float64
    r = lralg.incremental_svd([np.ones((5, 6), dtype=np.int64), np.eye(6, dtype=bool)], 2)
    assert r.s.dtype == np.float64


def assert_same_on_one_and_two_threads(blocks):
    with lralg.threads(1):
        a = lralg.incremental_svd(blocks, 5, rng=7, residual="sketch")
    with lralg.threads(2):
        b = lralg.incremental_svd(blocks, 5, rng=7, residual="sketch")
    np.testing.assert_array_equal(a.s, b.s)
    np.testing.assert_array_equal(a.vt, b.vt)
    np.testing.assert_array_equal(a.u, b.u)


def test_same_seed_same_result_any_threads():
    assert_same_on_one_and_two_threads(np.array_split(_low_rank(3000, 200, 40, noise=0.05), 3))
    S = sp.random(2000, 300, density=0.02, random_state=1, format="csr")
    assert_same_on_one_and_two_threads(blocks_of_rows(S, 500))


def blocks_of_rows(X, size):
    return [X[i : i + size] for i in range(0, X.shape[0], size)]


def test_compute_u_false_and_generator_blocks():
    X = _low_rank(300, 30, 5)
    r = lralg.incremental_svd((b for b in np.array_split(X, 3)), 3, compute_u=False)
    assert r.u is None and r.vt.shape == (3, 30)
    r = lralg.incremental_svd((b.T for b in np.array_split(X, 3)), 3, axis=1, compute_u=False)
    assert r.vt is None and r.u.shape == (30, 3)


def test_rank_deficient_data_is_padded():
    X = np.outer(np.arange(1, 21.0), np.arange(1, 11.0))  # rank 1
    u, s, vt = lralg.incremental_svd([X[:10], X[10:]], 3)
    assert s[0] > 0 and np.all(s[1:] == 0)
    np.testing.assert_allclose(vt @ vt.T, np.eye(3), atol=1e-10)
    np.testing.assert_allclose(u.T @ u, np.eye(3), atol=1e-10)
    u, s, vt = lralg.incremental_svd([np.zeros((5, 4))], 2)
    assert np.all(s == 0)


def test_bad_input():
    X = np.ones((10, 5))
    with pytest.raises(ValueError, match="non-stacked"):
        lralg.incremental_svd([X, np.ones((10, 6))], 2)
    with pytest.raises(ValueError, match="rank"):
        lralg.incremental_svd([X], 0)
    with pytest.raises(ValueError, match="rank"):
        lralg.incremental_svd([X], 6)
    with pytest.raises(ValueError, match="rank"):
        lralg.incremental_svd([X[:2]], 3)
    with pytest.raises(ValueError, match="no data"):
        lralg.incremental_svd([], 2)
    with pytest.raises(ValueError, match="no data"):
        lralg.incremental_svd([np.ones((0, 5))], 2)
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        lralg.incremental_svd([X, bad], 2)
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="NaN or Inf"):
        lralg.incremental_svd([bad], 2)
    with pytest.raises(TypeError):
        lralg.incremental_svd([X.astype(complex)], 2)
    with pytest.raises(TypeError):
        lralg.incremental_svd(5, 2)
    with pytest.raises(ValueError):
        lralg.incremental_svd([np.ones(5)], 2)
    with pytest.raises(ValueError, match="axis"):
        lralg.incremental_svd([X], 2, axis=2)
    with pytest.raises(ValueError, match="residual"):
        lralg.incremental_svd([X], 2, residual="qr")
    with pytest.raises(ValueError, match="power_iters"):
        lralg.incremental_svd([X], 2, power_iters=-1)
    # empty blocks in the middle are skipped
    r = lralg.incremental_svd([X, np.ones((0, 5)), X], 1)
    assert r.u.shape == (20, 1)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 40),
    d=st.integers(1, 12),
    nb=st.integers(1, 4),
    dtype=st.sampled_from([np.float32, np.float64, np.int32]),
    order=st.sampled_from(["C", "F", "slice"]),
    sparse=st.booleans(),
    axis=st.sampled_from([0, 1]),
)
def test_property_never_crashes(n, d, nb, dtype, order, sparse, axis):
    rng = np.random.default_rng(n * 100 + d)
    X = (rng.standard_normal((n, 2 * d)) * 3).astype(dtype)
    X = X[:, ::2] if order == "slice" else np.asarray(X[:, :d], order=order)
    blocks = np.array_split(X, nb, axis=axis)
    if sparse:
        blocks = [sp.csr_array(b) for b in blocks]
    rank = min(2, n, d)
    u, s, vt = lralg.incremental_svd(blocks, rank, axis=axis)
    assert np.all(np.isfinite(s)) and np.all(np.diff(s) <= 1e-6 * max(s[0], 1))
    ref = np.linalg.svd(np.asarray(X, dtype=np.float64), compute_uv=False)[:rank]
    if axis == 0 and n >= 1:
        # the top singular value is never overestimated and is found on these tiny problems
        assert s[0] <= ref[0] * (1 + 1e-4) + 1e-5


# ---------------------------------------------------------------- bounds


def _blocks_with_structure(seed, n_blocks=12, m=40, width=6):
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((m, 5))
    out = []
    for _i in range(n_blocks):
        A = base @ rng.standard_normal((5, width)) + 0.3 * rng.standard_normal((m, width))
        out.append(A * rng.uniform(0.2, 3))
    return out


def _exact_concat_error(blocks, r, axis=1):
    M = np.hstack(blocks) if axis == 1 else np.vstack(blocks)
    return _best_error(M, r)


@pytest.mark.parametrize("method", ["weyl", "residual", "estimate"])
@pytest.mark.parametrize("seed", range(4))
def test_bounds_are_upper_bounds(method, seed):
    blocks = _blocks_with_structure(seed)
    for r in (3, 5, 8, 20):
        for order in ("norm", "given"):
            b = lralg.svd_error_bound(blocks, r, axis=1, method=method, order=order)
            assert _exact_concat_error(blocks, r) <= b + 1e-9
            assert 0 <= b <= 1


def test_bound_ordering_and_axis0():
    blocks = _blocks_with_structure(9)
    r = 5
    w = lralg.svd_error_bound(blocks, r, axis=1, method="weyl")
    res = lralg.svd_error_bound(blocks, r, axis=1, method="residual")
    est = lralg.svd_error_bound(blocks, r, axis=1, method="estimate")
    true = _exact_concat_error(blocks, r)
    assert true <= est + 1e-9 and est <= res + 1e-9 and res <= w + 1e-9
    # axis=0 on the transposed blocks gives the same numbers
    assert lralg.svd_error_bound([b.T for b in blocks], r, axis=0, method="residual") == pytest.approx(
        res, rel=1e-9
    )


def test_bounds_on_real_data_digits():
    from sklearn.datasets import load_digits

    X = load_digits().data
    blocks = np.array_split(X, 8)  # row blocks, axis=0
    for r in (5, 20):
        true = _best_error(X, r)
        for method in ("weyl", "residual", "estimate"):
            assert true <= lralg.svd_error_bound(blocks, r, axis=0, method=method) + 1e-9


def test_weyl_with_wide_block_is_still_a_bound():
    rng = np.random.default_rng(0)
    blocks = [rng.standard_normal((30, 25)) for _ in range(3)]
    b = lralg.svd_error_bound(blocks, 4, axis=1, method="weyl")
    assert _exact_concat_error(blocks, 4) <= b + 1e-12 < 1


def test_bounds_sparse():
    rng = np.random.default_rng(1)
    blocks = [sp.random(50, 8, density=0.2, random_state=rng, format="csr") for _ in range(6)]
    dense = [b.toarray() for b in blocks]
    for method in ("weyl", "residual", "estimate"):
        a = lralg.svd_error_bound(blocks, 4, axis=1, method=method)
        b = lralg.svd_error_bound(dense, 4, axis=1, method=method)
        assert a == pytest.approx(b, rel=1e-9)
        assert _exact_concat_error(dense, 4) <= a + 1e-9


def test_bound_bad_input():
    with pytest.raises(ValueError, match="method"):
        lralg.svd_error_bound([np.ones((3, 3))], 1, method="exact")
    with pytest.raises(ValueError, match="order"):
        lralg.svd_error_bound([np.ones((3, 3))], 1, order="random")
    with pytest.raises(ValueError, match="non-stacked"):
        lralg.svd_error_bound([np.ones((3, 3)), np.ones((4, 3))], 1, axis=1)
    assert lralg.svd_error_bound([np.zeros((3, 3))], 1) == 0.0


# ---------------------------------------------------------------- clustering


@pytest.mark.parametrize("method", ["weyl", "residual", "estimate"])
@pytest.mark.parametrize("order", ["norm", "residual"])
def test_clustering_respects_eps(method, order):
    rng = np.random.default_rng(4)
    groups = [rng.standard_normal((30, 3)) for _ in range(3)]
    mats = []
    for i in range(18):
        g = groups[i % 3]
        mats.append(g @ rng.standard_normal((3, 5)) + 0.02 * rng.standard_normal((30, 5)))
    res = lralg.cluster_matrices(mats, 3, 0.1, method=method, order=order)
    assert sorted(np.concatenate(res.clusters).tolist()) == list(range(18))
    for c, members in enumerate(res.clusters):
        assert np.all(res.labels[members] == c)
    assert np.all(res.errors <= res.bounds + 1e-9)
    assert np.all(res.errors <= 0.1 + 1e-9)
    assert res.compression_ratio >= 1.0
    # the structure is found: each cluster holds one group
    for members in res.clusters:
        if len(members) > 1:
            assert len({j % 3 for j in members}) == 1


def test_clustering_axis0_and_ratio_formula():
    rng = np.random.default_rng(2)
    mats = [rng.standard_normal((4, 20)) for _ in range(5)]
    res = lralg.cluster_matrices(mats, 2, 0.0, axis=0, patience=1)
    assert len(res.clusters) == 5 and res.compression_ratio == pytest.approx(1.0)
    res = lralg.cluster_matrices(mats, 20, 0.0, axis=0)
    # rank 20 >= width: everything fits in one exact cluster
    m, N = 20, 20
    assert len(res.clusters) == 1
    assert res.compression_ratio == pytest.approx(m * N / min(20 * (m + N), N * m))


def test_clustering_bad_input():
    with pytest.raises(ValueError, match="eps"):
        lralg.cluster_matrices([np.ones((3, 3))], 1, 1.5)
    with pytest.raises(ValueError, match="patience"):
        lralg.cluster_matrices([np.ones((3, 3))], 1, 0.1, patience=0)
    with pytest.raises(ValueError, match="non-stacked"):
        lralg.cluster_matrices([np.ones((3, 3)), np.ones((4, 3))], 1, 0.1)


# ---------------------------------------------------------------- estimator


def test_estimator_partial_fit_matches_function():
    X = _low_rank(500, 40, 6, noise=1e-2)
    est = lralg.IncrementalSVD(4, compute_u=True, rng=3)
    for b in np.array_split(X, 5):
        est.partial_fit(b)
    u, s, vt = lralg.incremental_svd(np.array_split(X, 5), 4, rng=3)
    np.testing.assert_allclose(est.singular_values_, s, rtol=1e-10)
    np.testing.assert_allclose(np.abs(est.components_ @ vt.T), np.eye(4), atol=1e-8)
    assert est.n_samples_seen_ == 500 and est.u_.shape == (500, 4)
    Z = est.transform(X)
    np.testing.assert_allclose(est.inverse_transform(Z), X @ vt.T @ vt, atol=1e-8)
    evr = est.explained_variance_ratio_
    assert evr.sum() <= 1 and evr[0] == pytest.approx(s[0] ** 2 / np.sum(X**2))


def test_estimator_merge():
    X = _low_rank(600, 50, 8, noise=1e-3)
    a = lralg.IncrementalSVD(8, compute_u=True).fit(X[:300])
    b = lralg.IncrementalSVD(8, compute_u=True).fit(X[300:])
    a.merge(b)
    s = np.linalg.svd(X, compute_uv=False)[:8]
    np.testing.assert_allclose(a.singular_values_, s, rtol=1e-4)
    assert a.n_samples_seen_ == 600
    np.testing.assert_allclose((a.u_ * a.singular_values_) @ a.components_, X, atol=1e-2)
    with pytest.raises(ValueError, match="features"):
        a.merge(lralg.IncrementalSVD(2).fit(np.ones((5, 3)) + np.eye(5, 3)))
    with pytest.raises(TypeError):
        a.merge("x")


def test_estimator_sparse_and_errors():
    X = sp.random(300, 40, density=0.1, random_state=0, format="csr")
    est = lralg.IncrementalSVD(3).fit(X)
    assert est.transform(X).shape == (300, 3)
    with pytest.raises(ValueError, match="features"):
        est.transform(np.ones((3, 41)))
    with pytest.raises(ValueError, match="features"):
        est.partial_fit(np.ones((3, 41)))
    with pytest.raises(ValueError, match="n_features = 2"):
        lralg.IncrementalSVD(3).fit(np.ones((5, 2)))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
def test_check_estimator():
    from sklearn.utils.estimator_checks import check_estimator

    # The house dtype policy refuses object and complex arrays with TypeError
    # (scikit-learn expects object arrays of numbers to be accepted and
    # complex ones refused with ValueError).
    expected = {
        "check_dtype_object": "object arrays are refused with TypeError (lralg's dtype policy)",
        "check_complex_data": "complex arrays are refused with TypeError (lralg's dtype policy)",
    }
    check_estimator(lralg.IncrementalSVD(2, rng=0), expected_failed_checks=expected)


# ---------------------------------------------------------------- the core's update vs a numpy oracle
#
# A compact numpy version of the update (the module's former Python implementation), used only
# as the oracle of the C++ core: same orthonormalisation, same Gaussian test matrix.


def _ref_orth(Z, Q, tol, ref, light=False):
    """light: Z already orthogonal to Q, one pass only (inside the power iteration)."""
    dtype = Z.dtype
    if Q.shape[1] and not (light and Z.shape[1] <= Z.shape[0]):
        Z = Z - Q @ (Q.T @ Z)
        Z = Z - Q @ (Q.T @ Z)
    eps = float(np.finfo(dtype).eps)
    rel, floor_abs = max(tol, 100 * eps), (16 * eps) ** 2 * ref
    m, c = Z.shape
    if c == 0 or m == 0:
        return Z[:, :0]
    wide = c > m
    if wide:
        w, V = np.linalg.eigh(Z.astype(np.float64) @ Z.T.astype(np.float64))
        keep = w > max(rel * max(w[-1], 0.0), floor_abs)
        Z = V[:, keep][:, ::-1].astype(dtype)
    for p in range(1 if wide or light else 2):
        if Z.shape[1] == 0:
            break
        if (p == 1 or wide) and Q.shape[1]:
            Z = Z - Q @ (Q.T @ Z)
        Zd = Z.astype(np.float64)
        w, V = np.linalg.eigh(Zd.T @ Zd)
        thr = rel * max(w[-1], 0.0)
        if p == 0 and not wide:
            thr = max(thr, floor_abs)
        keep = w > thr
        Z = (Zd @ (V[:, keep] / np.sqrt(w[keep]))).astype(dtype)
    return Z


def _ref_update(Q, lam, A, k_keep, exact, tol, seed, stream, power_iters=1):
    """A (m x b) dense; returns (Q_new, lam_new)."""
    dtype = Q.dtype
    sq = float(np.sum(A.astype(np.float64) ** 2))
    Yt = A.T @ Q
    if exact:
        R = A - Q @ Yt.T
        Qr = _ref_orth(R, Q, tol, sq)
        Bt = R.T @ Qr
    else:  # block Krylov space of R from [Y^T (columns scaled to sqrt(b)), Gaussian]
        b = A.shape[1]
        omega = lralg._core.isvd_gaussian(seed, stream, b, k_keep, dtype == np.float32)
        norms = np.linalg.norm(Yt, axis=0)
        seeds = Yt * np.where(norms > 0, np.sqrt(b) / np.where(norms > 0, norms, 1), 0)
        R = A - Q @ Yt.T
        iterates = [_ref_orth(R @ np.hstack([seeds, omega]).astype(dtype), Q, tol, sq)]
        for _ in range(power_iters):
            Z = R @ (R.T @ iterates[-1])
            iterates.append(
                _ref_orth(Z, np.hstack([Q] + iterates), tol, float(np.sum(Z.astype(np.float64) ** 2)))
            )
        Qr = np.hstack(iterates)
        Bt = R.T @ Qr
    C = np.hstack([Yt, Bt]).astype(np.float64)
    S = C.T @ C
    S[np.arange(Q.shape[1]), np.arange(Q.shape[1])] += lam
    w, V = np.linalg.eigh(S)
    w, V = w[::-1], V[:, ::-1]
    kn = (
        0
        if w.size == 0 or w[0] <= 0
        else int(min(k_keep, np.count_nonzero(w > max(tol, np.finfo(dtype).eps) * w[0])))
    )
    return np.hstack([Q, Qr]) @ V[:, :kn].astype(dtype), w[:kn]


def _ref_stream(blocks, k_keep, exact, seed=0, tol=1e-12, power_iters=1):
    """The reference summary of the row blocks (axis 0): A = X^T."""
    dtype = blocks[0].dtype
    Q, lam = np.zeros((blocks[0].shape[1], 0), dtype), np.zeros(0)
    for t, X in enumerate(blocks):
        Q, lam = _ref_update(
            Q,
            lam,
            np.asarray(X.T.toarray() if sp.issparse(X) else X.T),
            k_keep,
            exact,
            tol,
            seed,
            t,
            power_iters,
        )
    return Q, lam


@pytest.mark.parametrize("blas", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("residual", ["exact", "sketch", "sketch2"])
def test_core_update_matches_numpy_reference(blas, dtype, sparse, residual):
    from lralg._blas import use_blas

    rng = np.random.default_rng(11)
    if sparse:
        X = sp.random(240, 70, density=0.15, random_state=rng, format="csr").astype(dtype)
    else:
        X = _low_rank(240, 70, 12, seed=4, noise=0.05).astype(dtype)
    blocks = [X[i : i + 60] for i in range(0, 240, 60)]
    k_keep, q = 8, 2 if residual == "sketch2" else 1
    Q_ref, lam_ref = _ref_stream(blocks, k_keep, residual == "exact", seed=5, power_iters=q)
    with use_blas(blas):
        summary = lralg.isvd._summary._Summary(k_keep, residual.rstrip("2"), 1e-12, 5, False, q)
        for b in blocks:
            summary.push(lralg.isvd._blocks._Block(b, 0))
    rtol = 1e-9 if dtype == np.float64 else 2e-3
    np.testing.assert_allclose(summary.lam, lam_ref, rtol=rtol, atol=rtol * lam_ref[0])
    assert summary.Q.dtype == dtype
    # same subspace: the projections agree (eigenvectors of close eigenvalues may rotate)
    P, P_ref = summary.Q[:, :6].astype(np.float64), Q_ref[:, :6].astype(np.float64)
    np.testing.assert_allclose(P @ P.T, P_ref @ P_ref.T, atol=50 * rtol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_blas_and_eigen_paths_agree_end_to_end(dtype):
    from lralg._blas import use_blas

    X = _low_rank(1200, 90, 15, noise=0.02, dtype=dtype)
    S = sp.random(1200, 90, density=0.05, random_state=2, format="csr").astype(dtype)
    for data in (X, S):
        blocks = [data[i : i + 300] for i in range(0, 1200, 300)]
        with use_blas(True):
            a = lralg.incremental_svd(blocks, 6, rng=2, residual="sketch")
        with use_blas(False):
            b = lralg.incremental_svd(blocks, 6, rng=2, residual="sketch")
        rtol = 1e-9 if dtype == np.float64 else 1e-3
        np.testing.assert_allclose(a.s, b.s, rtol=rtol)
        np.testing.assert_allclose(np.abs(a.vt @ b.vt.T), np.eye(6), atol=100 * rtol)


def test_eigen_path_same_result_any_threads():
    from lralg._blas import use_blas

    X = _low_rank(1500, 600, 30, noise=0.05)  # wide enough for several fixed blocks of the Eigen GEMM
    with use_blas(False):
        assert_same_on_one_and_two_threads(np.array_split(X, 3))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_merge_is_an_exact_update_with_the_other_factors(dtype):
    X = _low_rank(400, 60, 20, noise=0.05, dtype=dtype)
    a = lralg.IncrementalSVD(5, residual="exact").fit(X[:200])
    b = lralg.IncrementalSVD(5, residual="exact").fit(X[200:])
    Qa, la = a._summary.Q.copy(), a._summary.lam.copy()
    F = b._summary.Q * np.sqrt(b._summary.lam).astype(dtype)  # m x k, the other summary's factors
    Q_ref, lam_ref = _ref_update(Qa, la, F, 10, True, 1e-12, 0, 0)
    a.merge(b)
    rtol = 1e-9 if dtype == np.float64 else 1e-3
    np.testing.assert_allclose(a._summary.lam, lam_ref, rtol=rtol)
    assert a.n_samples_seen_ == 400 and a._summary.sqnorm == pytest.approx(
        float(np.sum(X.astype(float) ** 2)), rel=1e-5
    )
    assert a.components_.dtype == dtype


def test_mixed_dtype_promotes_the_core_state():
    X = _low_rank(300, 40, 6, noise=0.01)
    est = lralg.IncrementalSVD(4)
    est.partial_fit(X[:150].astype(np.float32))
    assert est.components_.dtype == np.float32
    est.partial_fit(X[150:])
    assert est.components_.dtype == np.float64 and est.n_samples_seen_ == 300
    s = np.linalg.svd(X, compute_uv=False)[:4]
    np.testing.assert_allclose(est.singular_values_, s, rtol=1e-3)


def test_estimator_pickles():
    import pickle

    X = _low_rank(300, 40, 6, noise=0.01)
    est = lralg.IncrementalSVD(4, compute_u=True).fit(X[:200])
    clone = pickle.loads(pickle.dumps(est))
    est.partial_fit(X[200:])
    clone.partial_fit(X[200:])
    np.testing.assert_array_equal(est.singular_values_, clone.singular_values_)
    np.testing.assert_array_equal(est.u_, clone.u_)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sketch_close_to_exact_on_a_slowly_decaying_spectrum(dtype):
    # sigma_j ~ 1/j: the residual of each block is heavy, and a Gaussian sketch of it alone
    # loses ~1e-3 of the error ratio; the Krylov space seeded with Y^T keeps it near 1
    rng = np.random.default_rng(1)
    G = rng.standard_normal((2000, 200)) / np.arange(1, 201)
    X = (G @ np.linalg.qr(rng.standard_normal((200, 200)))[0]).astype(dtype)
    blocks = [X[i : i + 100] for i in range(0, 2000, 100)]
    res = lralg.incremental_svd(blocks, 10, rng=0, residual="sketch")
    V = res.vt.T.astype(np.float64)
    Xd = X.astype(np.float64)
    err = np.linalg.norm(Xd - Xd @ V @ V.T) / np.linalg.norm(Xd)
    assert err / _best_error(Xd, 10) <= 1.0002
