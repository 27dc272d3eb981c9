"""Tests of lralg.top_eigenvector and StreamingTopEigenvector."""

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import lralg
from lralg.streaming import _exact_top_eigenvector


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    # The oracles (QR, eigh, products of test matrices) run in numpy's BLAS; one thread keeps them
    # from spinning against lralg's own threads and other jobs on a loaded machine.
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # a test extra; without it the tests only run slower
        yield
        return
    with threadpool_limits(1, user_api="blas"):
        yield


def gapped(n, d, R, *, heavy=0, heavy_scale=30.0, seed=0, dtype=np.float64):
    """Rows in random order whose A^T A has sigma_1^2 / sigma_2^2 about R, plus heavy rows."""
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((d, d)))
    scales = np.concatenate([[math.sqrt(R)], np.linspace(1.0, 0.3, d - 1)])
    A = (rng.standard_normal((n, d)) * scales) @ U.T
    A[:heavy] *= heavy_scale
    return A[rng.permutation(n)].astype(dtype)


def exact_gap(n, d, R, *, heavy, seed):
    """A = W diag(sigma) V^T, sigma_1^2 / sigma_2^2 = R exactly, `heavy` high-leverage rows."""
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((n, d))
    G[:heavy] *= 30.0
    W, _ = np.linalg.qr(G)
    V, _ = np.linalg.qr(rng.standard_normal((d, d)))
    sigma2 = np.concatenate([[R], np.linspace(1.0, 0.1, d - 1)]) * n
    return ((W * np.sqrt(sigma2)) @ V.T)[rng.permutation(n)]


def corr(v, w):
    return float(np.dot(v, w) ** 2 / (np.dot(v, v) * np.dot(w, w)))


# ---------------------------------------------------------------- oracles


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", ["C", "F"])
def test_exact_matches_numpy(dtype, order):
    A = np.asarray(gapped(500, 20, 4.0, seed=1), dtype=dtype, order=order)
    v1, lam = _exact_top_eigenvector(A)
    res = lralg.top_eigenvector(A, method="exact", block_size=77)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    assert res.vector.dtype == np.float64
    assert np.allclose(res.vector, v1, atol=tol * 10)
    assert res.value == pytest.approx(lam, rel=tol)
    assert res.n_rows_seen == 500 and res.n_heavy == 0
    assert res.memory_bytes >= 20 * 20 * 8


@pytest.mark.parametrize("R", [5.0, 10.0, 100.0])
def test_random_order_correlation_bound(R):
    # The paper's guarantee: correlation 1 - O(1/sqrt(R)) with heavy rows present.
    A = exact_gap(20000, 50, R, heavy=4, seed=2)
    v1, lam = _exact_top_eigenvector(A)
    res = lralg.top_eigenvector(A, rng=0)
    assert corr(res.vector, v1) >= 1.0 - 1.0 / math.sqrt(R)
    assert res.n_heavy >= 4
    assert np.linalg.norm(res.vector) == pytest.approx(1.0)
    assert res.value == pytest.approx(lam, rel=0.2)


def test_heavy_rows_beat_oja_small_gap():
    A = exact_gap(20000, 50, 2.0, heavy=5, seed=3)
    v1, lam = _exact_top_eigenvector(A)
    ro = [corr(lralg.top_eigenvector(A, rng=s).vector, v1) for s in range(3)]
    oja = [corr(lralg.top_eigenvector(A, method="oja", rng=s).vector, v1) for s in range(3)]
    assert np.mean(ro) > np.mean(oja)


def test_heavy_rows_are_stored_exactly():
    A = gapped(5000, 30, 10.0, seed=4)
    A[[10, 2000, 4999]] *= np.array([[100.0], [50.0], [25.0]])  # heavy rows anywhere in the stream
    res = lralg.top_eigenvector(A, rng=0)
    assert res.n_heavy >= 3
    # z and the running product, plus the heavy rows (std::vector capacity)
    assert 8 * (2 + res.n_heavy) * 30 <= res.memory_bytes <= 8 * (2 + 2 * res.n_heavy) * 30
    v1, _ = _exact_top_eigenvector(A)
    assert corr(res.vector, v1) > 0.99


def test_oja_large_gap():
    A = gapped(20000, 40, 100.0, seed=5)
    v1, lam = _exact_top_eigenvector(A)
    res = lralg.top_eigenvector(A, method="oja", learning_rate=2 * math.log(40) / lam, rng=0)
    assert corr(res.vector, v1) > 0.98
    assert res.n_heavy == 0 and res.memory_bytes == 8 * 2 * 40


def test_real_rows_digits():
    datasets = pytest.importorskip("sklearn.datasets")
    X = datasets.load_digits().data
    X = X[np.random.default_rng(0).permutation(X.shape[0])]
    v1, _ = _exact_top_eigenvector(X)
    res = lralg.top_eigenvector(X, rng=0)
    assert corr(res.vector, v1) >= 0.99


def test_memory_flat_in_n():
    small = lralg.top_eigenvector(gapped(1000, 40, 10.0, seed=6), rng=0)
    large = lralg.top_eigenvector(gapped(30000, 40, 10.0, seed=6), rng=0)
    assert small.n_heavy == large.n_heavy == 0
    assert small.memory_bytes == large.memory_bytes == 8 * 2 * 40


def test_heavy_rows_follow_the_papers_definition():
    # Heavy: ||a|| >= ||A||_F / sqrt(d polylog d), i.e. ||a||^2 >= ||A||_F^2 / (d * heavy_factor).
    # ||A||_F is estimated on the fly, so compare with margins around the exact threshold.
    A = gapped(8000, 40, 10.0, seed=13)
    A[[5, 900, 4000, 7999]] *= np.array([[40.0], [12.0], [8.0], [20.0]])
    A = A[np.random.default_rng(13).permutation(8000)]
    d = A.shape[1]
    factor = max(1.0, math.log2(d))
    threshold = np.sum(A**2) / (d * factor)
    norms = np.sum(A**2, axis=1)
    res = lralg.top_eigenvector(A, rng=0)
    assert np.sum(norms >= 2.0 * threshold) <= res.n_heavy <= np.sum(norms >= 0.5 * threshold)
    # a larger polylog factor lowers the threshold: more rows kept
    more = lralg.top_eigenvector(A, rng=0, heavy_factor=8 * factor)
    assert more.n_heavy >= res.n_heavy


def test_oja_default_rate_is_two_log_d_over_lambda1():
    A = gapped(6000, 30, 10.0, seed=14)
    v1, lam = _exact_top_eigenvector(A)
    est = lralg.StreamingTopEigenvector(30, method="oja", top_eigenvalue=lam, rng=0)
    assert est.learning_rate_ == pytest.approx(2.0 * math.log(30) / lam)
    est.update(A)
    assert corr(est.vector_, v1) > 0.95
    # the warm-up estimate of lambda_1 (random order) gives a step of the same size
    est = lralg.StreamingTopEigenvector(30, method="oja", n_rows=6000, rng=0)
    est.update(A)
    assert 0.5 < est.learning_rate_ / (2.0 * math.log(30) / lam) < 2.0
    assert corr(est.vector_, v1) > 0.95


@pytest.mark.parametrize("R", [5.0, 100.0])
def test_oja_default_rate_accuracy(R):
    # The default step recovers v1 where the old ln(d)/||A||_F^2 step did not (R >> log n log d: Price-Xun's regime).
    A = exact_gap(20000, 50, R, heavy=0, seed=15)
    v1, _ = _exact_top_eigenvector(A)
    res = lralg.top_eigenvector(A, method="oja", rng=0)
    assert corr(res.vector, v1) > (0.9 if R == 5.0 else 0.99)


def test_oja_warmup_buffer():
    A = gapped(3000, 10, 20.0, seed=16)
    est = lralg.StreamingTopEigenvector(10, method="oja", n_rows=3000, rng=0)
    est.update(A[:500])  # warm-up: min(n, max(1024, 4 d)) = 1024 rows
    assert est.learning_rate_ is None and est.n_rows_seen_ == 500
    assert est.memory_bytes_ >= 500 * 10 * 8
    with pytest.raises(ValueError, match="width"):
        est.update(np.ones((3, 11)))
    assert est.n_rows_seen_ == 500
    early = est.vector_  # reading fixes the step from the rows so far
    assert est.learning_rate_ > 0 and early.shape == (10,)
    est.update(A[500:])
    assert est.memory_bytes_ == 8 * 2 * 10
    v1, _ = _exact_top_eigenvector(A)
    assert corr(est.vector_, v1) > 0.95
    # leading zero rows do not stop the warm-up
    Z = np.vstack([np.zeros((1100, 10)), A[:1900]])
    res = lralg.top_eigenvector(Z, method="oja", rng=0, block_size=100)
    assert res.n_rows_seen == 3000
    assert corr(res.vector, _exact_top_eigenvector(A[:1900])[0]) > 0.9


# ---------------------------------------------------------------- sparse input


@pytest.mark.parametrize("method", ["random-order", "oja", "exact"])
@pytest.mark.parametrize("fmt", ["csr_array", "csc_array", "coo_array", "csr_matrix"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sparse_matches_dense(method, fmt, dtype):
    rng = np.random.default_rng(17)
    A = gapped(2000, 25, 8.0, heavy=3, seed=17)
    A[rng.random(A.shape) < 0.6] = 0.0
    A = A.astype(dtype)
    S = getattr(sp, fmt)(A)
    kw = dict(method=method, rng=3, block_size=333)
    dense = lralg.top_eigenvector(A, **kw)
    sparse = lralg.top_eigenvector(S, **kw)
    assert np.allclose(sparse.vector, dense.vector, atol=1e-9)
    assert sparse.value == pytest.approx(dense.value, rel=1e-9)
    assert sparse.n_heavy == dense.n_heavy and sparse.n_rows_seen == 2000


def test_sparse_blocks_in_a_stream():
    A = gapped(3000, 20, 6.0, heavy=2, seed=18)
    A[np.abs(A) < 0.7] = 0.0
    blocks = [sp.csr_array(A[:1000]), A[1000:1500], sp.coo_array(A[1500:2900]), *A[2900:]]
    mixed = lralg.top_eigenvector(iter(blocks), n_rows=3000, rng=1)
    dense = lralg.top_eigenvector(A, rng=1, block_size=97)
    assert np.allclose(mixed.vector, dense.vector, atol=1e-10)
    # int64 indices, duplicate entries (summed), caller's matrix untouched
    C = sp.coo_array(A[:1000])
    D = sp.coo_array(
        (
            np.concatenate([C.data / 2, C.data / 2]),
            (np.concatenate([C.row, C.row]), np.concatenate([C.col, C.col])),
        ),
        shape=C.shape,
    )
    D_copy = D.copy()
    est = lralg.StreamingTopEigenvector(20, n_rows=1000, rng=1)
    est.update(D)
    ref = lralg.StreamingTopEigenvector(20, n_rows=1000, rng=1).update(A[:1000])
    assert np.allclose(est.vector_, ref.vector_, atol=1e-10)
    assert np.array_equal(D.data, D_copy.data) and np.array_equal(D.row, D_copy.row)
    S = sp.csr_array(A[:1000])
    S64 = sp.csr_array((S.data, S.indices.astype(np.int64), S.indptr.astype(np.int64)), shape=S.shape)
    est64 = lralg.StreamingTopEigenvector(20, n_rows=1000, rng=1).update(S64)
    assert np.allclose(est64.vector_, ref.vector_, atol=1e-10)


def test_sparse_rows_meet_the_bound():
    # Sparse non-negative unit rows (bag-of-words like), gap R about 3: the paper's 1 - O(1/sqrt(R)).
    rng = np.random.default_rng(19)
    S = sp.random_array((5000, 300), density=0.02, format="csr", rng=rng)
    S = sp.csr_array(S.multiply(1.0 / (sp.linalg.norm(S, axis=1)[:, None] + 1e-12)))
    w, V = np.linalg.eigh((S.T @ S).toarray())
    R, v1 = w[-1] / w[-2], V[:, -1]
    res = lralg.top_eigenvector(S, rng=0)
    assert corr(res.vector, v1) >= 1.0 - 1.0 / math.sqrt(R)


# ---------------------------------------------------------------- determinism and streaming


@pytest.mark.parametrize("method", ["random-order", "oja", "exact"])
def test_same_seed_same_result_any_threads(method):
    A = gapped(6000, 30, 5.0, heavy=3, seed=7)
    with lralg.threads(1):
        a = lralg.top_eigenvector(A, method=method, rng=42)
    with lralg.threads(2):
        b = lralg.top_eigenvector(A, method=method, rng=42)
    assert np.array_equal(a.vector, b.vector)
    assert a.value == b.value


def test_block_splits_agree():
    A = gapped(3000, 25, 5.0, heavy=2, seed=8)
    whole = lralg.top_eigenvector(A, rng=1, block_size=3000)
    rows = lralg.top_eigenvector(list(A), n_rows=3000, rng=1, block_size=13)
    blocks = lralg.top_eigenvector((A[i : i + 101] for i in range(0, 3000, 101)), n_rows=3000, rng=1)
    assert np.allclose(whole.vector, rows.vector, atol=1e-10)
    assert np.allclose(whole.vector, blocks.vector, atol=1e-10)
    assert whole.n_heavy == rows.n_heavy == blocks.n_heavy


def test_streaming_estimator_attributes():
    A = gapped(4000, 20, 10.0, seed=9)
    est = lralg.StreamingTopEigenvector(20, n_rows=4000, rng=0)
    assert est.n_rows_seen_ == 0
    for lo in range(0, 4000, 500):
        est.update(A[lo : lo + 500])
        assert est.n_rows_seen_ == lo + 500
        v = est.vector_
        assert v.shape == (20,) and np.linalg.norm(v) == pytest.approx(1.0)
    v1, lam = _exact_top_eigenvector(A)
    assert corr(est.vector_, v1) > 0.99
    assert est.value_ == pytest.approx(lam, rel=0.2)
    res = est.result()
    assert isinstance(res, lralg.EigResult)
    value, vector = res
    assert value == res.value and vector is res.vector
    assert res.n_rows_seen == 4000 and res.memory_bytes == est.memory_bytes_
    # one 1-D row is accepted as a block
    est2 = lralg.StreamingTopEigenvector(20, n_rows=5)
    est2.update(A[0])
    assert est2.n_rows_seen_ == 1


def test_oja_learning_rate_from_first_block():
    A = gapped(2000, 10, 50.0, seed=10)
    est = lralg.StreamingTopEigenvector(10, method="oja", n_rows=2000, rng=0)
    assert est.learning_rate_ is None
    est.update(A[:1000]).update(A[1000:])
    assert est.learning_rate_ > 0
    with pytest.raises(ValueError, match="learning_rate"):
        lralg.StreamingTopEigenvector(10, method="oja")


def test_integer_input_becomes_float64():
    A = np.random.default_rng(0).integers(0, 5, size=(300, 8))
    res = lralg.top_eigenvector(A, method="exact")
    v1, _ = _exact_top_eigenvector(A.astype(float))
    assert np.allclose(res.vector, v1, atol=1e-10)


def test_input_not_modified():
    A = gapped(500, 10, 5.0, heavy=2, seed=11)
    copy = A.copy()
    for method in ("random-order", "oja", "exact"):
        lralg.top_eigenvector(A, method=method, rng=0)
    assert np.array_equal(A, copy)


# ---------------------------------------------------------------- bad input


def _stream_with_state():
    A = gapped(1000, 12, 5.0, seed=12)
    est = lralg.StreamingTopEigenvector(12, n_rows=1000, rng=0)
    est.update(A[:300])
    return est, A


@pytest.mark.parametrize(
    "bad, err, match",
    [
        (np.ones((5, 11)), ValueError, "width"),
        (np.ones((5, 13)), ValueError, "width"),
        (np.full((3, 12), np.nan), ValueError, "NaN"),
        (np.vstack([np.ones((2, 12)), np.full((1, 12), np.inf)]), ValueError, "NaN or Inf"),
        (np.ones((0, 12)), ValueError, "no rows"),
        (np.ones((800, 12)), ValueError, "n_rows"),
        (np.ones((2, 12), dtype=complex), TypeError, "real"),
        (np.array([["a"] * 12]), TypeError, "real"),
        (sp.csr_array(np.ones((2, 11))), ValueError, "width"),
        (sp.csr_array(np.full((2, 12), np.nan)), ValueError, "NaN"),
        (sp.csr_array((0, 12)), ValueError, "no rows"),
        (sp.csr_array(np.ones((2, 12), dtype=complex)), TypeError, "real"),
        (np.full((400, 12), 1e200), ValueError, "too large"),  # spans a power step: all undone
        (sp.csr_array(np.full((3, 12), 1e200)), ValueError, "too large"),
        (np.ones((2, 3, 12)), ValueError, "2-D"),
        (None, TypeError, "array"),
    ],
)
def test_refused_block_leaves_state_usable(bad, err, match):
    est, A = _stream_with_state()
    before = (est.vector_.copy(), est.value_, est.n_rows_seen_, est.n_heavy_)
    with pytest.raises(err, match=match):
        est.update(bad)
    after = (est.vector_, est.value_, est.n_rows_seen_, est.n_heavy_)
    assert np.array_equal(before[0], after[0]) and before[1:] == after[1:]
    est.update(A[300:])  # the stream goes on
    v1, _ = _exact_top_eigenvector(A)
    assert corr(est.vector_, v1) > 0.9


@pytest.mark.parametrize("method", ["random-order", "oja", "exact"])
def test_empty_and_zero_streams(method):
    with pytest.raises(ValueError, match="empty"):
        lralg.top_eigenvector(np.ones((0, 5)), method=method)
    with pytest.raises(ValueError, match="empty"):
        lralg.top_eigenvector(iter([]), method=method, n_rows=3)
    est = lralg.StreamingTopEigenvector(5, method=method, n_rows=10, learning_rate=0.1)
    with pytest.raises(ValueError, match="empty"):
        _ = est.vector_
    est.update(np.zeros((4, 5)))
    with pytest.raises(ValueError, match="zero"):
        _ = est.vector_
    with pytest.raises(ValueError, match="zero"):
        lralg.top_eigenvector(np.zeros((6, 5)), method=method)


@pytest.mark.parametrize("method", ["random-order", "oja", "exact"])
@pytest.mark.parametrize("sparse", [False, True])
def test_overflowing_rows_are_refused(method, sparse):
    # Finite values whose squares overflow float64: a clear error, never NaN.
    A = np.random.default_rng(20).standard_normal((300, 6)) * 1e200
    with pytest.raises(ValueError, match="too large"):
        lralg.top_eigenvector(sp.csr_array(A) if sparse else A, method=method, rng=0)
    est = lralg.StreamingTopEigenvector(6, method=method, n_rows=900, rng=0, learning_rate=1e-3)
    B = np.random.default_rng(21).standard_normal((600, 6))
    est.update(B[:300])
    before = est.vector_.copy()
    with pytest.raises(ValueError, match="too large|over- or underflowed"):
        est.update(sp.csr_array(A) if sparse else A)
    assert np.array_equal(est.vector_, before) and est.n_rows_seen_ == 300
    est.update(B[300:])
    assert np.all(np.isfinite(est.vector_))


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_rows"):
        lralg.StreamingTopEigenvector(5)
    with pytest.raises(ValueError, match="n_rows"):
        lralg.top_eigenvector(iter([np.ones(3)]))
    with pytest.raises(ValueError, match="method"):
        lralg.top_eigenvector(np.ones((3, 3)), method="power")
    with pytest.raises(TypeError):
        lralg.StreamingTopEigenvector(2.5, n_rows=3)
    with pytest.raises(ValueError):
        lralg.StreamingTopEigenvector(0, n_rows=3)
    with pytest.raises(ValueError, match="n_blocks"):
        lralg.StreamingTopEigenvector(3, n_rows=3, n_blocks=4)
    with pytest.raises(ValueError):
        lralg.StreamingTopEigenvector(3, n_rows=3, heavy_factor=-1.0)
    with pytest.raises(ValueError):
        lralg.StreamingTopEigenvector(3, method="oja", learning_rate=float("nan"))
    with pytest.raises(ValueError, match="empty"):
        lralg.top_eigenvector(sp.csr_array((0, 3)))
    with pytest.raises(ValueError, match="NaN"):
        lralg.top_eigenvector(sp.csr_array(np.array([[1.0, np.inf], [1.0, 2.0]])))
    with pytest.raises(TypeError):
        lralg.top_eigenvector(5)
    with pytest.raises(ValueError, match="widths"):
        lralg.top_eigenvector([np.ones(3), np.ones(4)], n_rows=2)
    with pytest.raises(ValueError, match="width"):
        lralg.top_eigenvector(iter([np.ones((2, 3)), np.ones((2, 4))]), n_rows=4)
    with pytest.raises(ValueError, match="NaN"):
        lralg.top_eigenvector(np.array([[1.0, np.nan], [1.0, 2.0]]))


# ---------------------------------------------------------------- properties


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 60),
    d=st.integers(1, 9),
    dtype=st.sampled_from([np.float32, np.float64, np.int64, np.bool_]),
    order=st.sampled_from(["C", "F", "slice"]),
    method=st.sampled_from(["random-order", "oja", "exact"]),
    block=st.integers(1, 70),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_shape_dtype_layout(n, d, dtype, order, method, block, seed):
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((n, 2 * d)) * rng.choice([1e-3, 1.0, 1e3], size=(n, 1))
    base = (base > 0) if dtype == np.bool_ else base.astype(dtype)
    A = base[:, ::2] if order == "slice" else np.asarray(base[:, :d], order=order)
    Af = np.asarray(A, dtype=np.float64)
    if not np.any(Af):
        with pytest.raises(ValueError):
            lralg.top_eigenvector(A, method=method, block_size=block, rng=seed)
        return
    res = lralg.top_eigenvector(A, method=method, block_size=block, rng=seed)
    assert res.vector.shape == (d,) and np.all(np.isfinite(res.vector))
    assert np.linalg.norm(res.vector) == pytest.approx(1.0)
    assert np.isfinite(res.value) and res.n_rows_seen == n
    if method == "exact":
        v1, lam = _exact_top_eigenvector(Af)
        assert res.value == pytest.approx(lam, rel=1e-4, abs=1e-8 * lam)
        # compare the Rayleigh quotient: v1 may not be unique when eigenvalues tie
        tol = 1e-3 if A.dtype == np.float32 else 1e-8
        assert float(np.linalg.norm(Af @ res.vector) ** 2) == pytest.approx(lam, rel=tol, abs=1e-8 * lam)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 50),
    d=st.integers(1, 8),
    density=st.sampled_from([0.0, 0.2, 0.7]),
    fmt=st.sampled_from(["csr_array", "csc_array", "coo_array", "csr_matrix"]),
    dtype=st.sampled_from([np.float32, np.float64, np.int64]),
    method=st.sampled_from(["random-order", "oja", "exact"]),
    block=st.integers(1, 60),
    seed=st.integers(0, 2**32 - 1),
)
def test_sparse_any_shape_agrees_with_dense(n, d, density, fmt, dtype, method, block, seed):
    rng = np.random.default_rng(seed)
    A = (rng.standard_normal((n, d)) * (rng.random((n, d)) < density) * 10).astype(dtype)
    S = getattr(sp, fmt)(A)
    kw = dict(method=method, block_size=block, rng=seed)
    if not np.any(A):
        with pytest.raises(ValueError):
            lralg.top_eigenvector(S, **kw)
        return
    dense = lralg.top_eigenvector(A, **kw)
    sparse = lralg.top_eigenvector(S, **kw)
    tol = 1e-5 if dtype == np.float32 else 1e-9
    lam = float(np.linalg.norm(np.asarray(A, dtype=np.float64), 2) ** 2)
    assert sparse.value == pytest.approx(dense.value, rel=tol, abs=tol * lam)
    Af = np.asarray(A, dtype=np.float64)
    # compare Rayleigh quotients: the vector need not be unique when eigenvalues tie
    rq = lambda v: float(np.linalg.norm(Af @ v) ** 2)  # noqa: E731
    assert rq(sparse.vector) == pytest.approx(rq(dense.vector), rel=tol, abs=tol * lam)
