"""Tests of lralg.dask on a real distributed.LocalCluster (2 worker processes, 1 thread each).

Every function is checked against the single-machine function on the same data
and seed, with dense and scipy.sparse chunks; a worker process is killed in
the middle of ``complete`` and of ``incremental_svd``.
"""

import os
import signal
import threading
import time

import numpy as np
import pytest
import scipy.sparse as sp

dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")

import lralg  # noqa: E402
import lralg.dask  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _chunked(X, rows, sparse=False):
    """X as a dask array of row chunks (scipy.sparse CSR chunks when sparse)."""
    if not sparse:
        return da.from_array(np.asarray(X), chunks=(rows, X.shape[1]))
    X = sp.csr_array(X)
    parts = []
    for lo in range(0, X.shape[0], rows):
        blk = sp.csr_matrix(X[lo : lo + rows])
        parts.append(da.from_delayed(dask.delayed(blk), shape=blk.shape, dtype=blk.dtype, meta=blk[:0]))
    return da.concatenate(parts, axis=0)


def _low_rank(m, n, r, seed=0, noise=0.0):
    rng = np.random.default_rng(seed)
    X = (rng.standard_normal((m, r)) / np.arange(1, r + 1)) @ rng.standard_normal((r, n))
    return X + noise * rng.standard_normal((m, n))


def _kill_one_worker(client, killed):
    """SIGKILL to one worker process; its pid and the time go to ``killed``."""
    pid = next(iter(client.run(os.getpid).values()))
    os.kill(pid, signal.SIGKILL)
    killed.update(pid=pid, at=time.perf_counter())


def _check_replaced(client, killed):
    client.wait_for_workers(2, timeout=60)
    assert killed["pid"] not in client.run(os.getpid).values()


def _slow_copy(chunk):
    time.sleep(0.3)
    return chunk


# ---------------------------------------------------------------- incremental_svd


@pytest.mark.parametrize("sparse", [False, True])
def test_isvd_equals_the_same_merges_on_one_machine(client, sparse):
    X = _low_rank(360, 25, 25, noise=0.1)
    if sparse:
        X[np.abs(X) < 0.8] = 0.0
    res = lralg.dask.incremental_svd(
        _chunked(X, 50, sparse), 4, oversampling=3, residual="exact", client=client
    )
    # the single-machine estimator, one per chunk, merged by the same tree (left before right)
    parts = [
        lralg.IncrementalSVD(4, oversampling=3, residual="exact").fit(
            sp.csr_array(X[lo : lo + 50]) if sparse else X[lo : lo + 50]
        )
        for lo in range(0, 360, 50)
    ]
    while len(parts) > 1:
        nxt = [parts[i].merge(parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
        parts = nxt + ([parts[-1]] if len(parts) % 2 else [])
    np.testing.assert_allclose(res.s, parts[0].singular_values_, rtol=1e-12)
    np.testing.assert_allclose(np.abs(res.vt @ parts[0].components_.T), np.eye(4), atol=1e-9)


@pytest.mark.parametrize("sparse", [False, True])
def test_isvd_matches_the_single_machine_function_and_the_svd(client, sparse):
    X = _low_rank(400, 40, 5)
    if sparse:  # rank 5 and sparse: one factor's rows with one entry each, the other sparse
        rng = np.random.default_rng(1)
        S = np.zeros((400, 5))
        S[np.arange(400), rng.integers(0, 5, 400)] = rng.standard_normal(400)
        X = S @ sp.random_array((5, 40), density=0.3, rng=2).toarray()
    res = lralg.dask.incremental_svd(_chunked(X, 64, sparse), 5, rng=0, compute_u=True, client=client)
    single = lralg.incremental_svd(np.array_split(X, 7), 5, rng=0)
    s_exact = np.linalg.svd(X, compute_uv=False)
    rtol = 1e-9
    np.testing.assert_allclose(res.s, single.s, rtol=rtol)
    np.testing.assert_allclose(res.s, s_exact[:5], rtol=rtol)
    best = np.sqrt(np.sum(s_exact[5:] ** 2) / np.sum(s_exact**2))
    assert res.error_estimate >= best - 1e-9
    u = res.u.compute()
    assert u.shape == (400, 5)
    np.testing.assert_allclose((u * res.s) @ res.vt, X, atol=1e-8)


def test_isvd_bound_is_an_upper_bound(client):
    X = _low_rank(300, 30, 30, seed=3, noise=0.5)
    res = lralg.dask.incremental_svd(_chunked(X, 40), 5, residual="exact", client=client)
    s = np.linalg.svd(X, compute_uv=False)
    best = np.sqrt(np.sum(s[5:] ** 2) / np.sum(s**2))
    assert best - 1e-9 <= res.error_estimate <= 1.0
    assert res.error_estimate < best * 1.5


def test_isvd_float32_stays_float32(client):
    X = _low_rank(200, 20, 3).astype(np.float32)
    res = lralg.dask.incremental_svd(_chunked(X, 50), 3, rng=0, client=client)
    assert res.s.dtype == np.float32 and res.vt.dtype == np.float32
    np.testing.assert_allclose(res.s, np.linalg.svd(X.astype(np.float64), compute_uv=False)[:3], rtol=1e-4)


# ---------------------------------------------------------------- top_eigenvector


@pytest.mark.parametrize("sparse", [False, True])
def test_top_eigenvector_matches_exact(client, sparse):
    rng = np.random.default_rng(2)
    A = rng.standard_normal((500, 30)) * np.linspace(3, 1, 30)
    if sparse:
        A[rng.random(A.shape) < 0.7] = 0.0
    res = lralg.dask.top_eigenvector(_chunked(A, 80, sparse), rng=0, client=client)
    exact = lralg.top_eigenvector(A, method="exact")
    np.testing.assert_allclose(res.value, exact.value, rtol=1e-9)
    np.testing.assert_allclose(res.vector, exact.vector, atol=1e-6)
    assert res.n_rows_seen == 500


# ---------------------------------------------------------------- fastrp


def _graph(n=300, seed=0):
    rng = np.random.default_rng(seed)
    edges = rng.integers(0, n, size=(4 * n, 2))
    return lralg.graph_adjacency(edges, n_nodes=n)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("options", [{}, {"beta": -0.5, "weights": (1, 1, 7.8, 45.3), "self_influence": 0.5}])
def test_fastrp_equals_single_machine(client, dtype, options):
    A = _graph()
    E = lralg.dask.fastrp(_chunked(A, 70, sparse=True), 32, dtype=dtype, rng=5, client=client, **options)
    ref = lralg.fastrp(A, 32, dtype=dtype, rng=5, **options)
    out = E.compute()
    assert out.dtype == dtype and out.shape == ref.shape
    np.testing.assert_allclose(out, ref, atol=2e-4 if dtype == np.float32 else 1e-9)


def test_fastrp_dense_chunks_and_no_normalize(client):
    A = _graph(120, seed=4)
    E = lralg.dask.fastrp(
        _chunked(A.toarray(), 50),
        8,
        normalize=False,
        transition=False,
        dtype=np.float64,
        rng=1,
        client=client,
    )
    ref = lralg.fastrp(A, 8, normalize=False, transition=False, dtype=np.float64, rng=1)
    np.testing.assert_allclose(E.compute(), ref, atol=1e-9)


# ---------------------------------------------------------------- complete


def _ratings(m=120, n=90, k=3, p=0.35, seed=0):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((m, k)) @ rng.standard_normal((k, n)) + 3.0
    return np.where(rng.random((m, n)) < p, M, np.nan)


@pytest.mark.parametrize(
    "options",
    [
        {"method": "altmin", "init": "random"},
        {"method": "robust-altmin", "init": "random"},
        {"method": "robust-altmin", "init": "svd", "bias": True, "reg": 0.1},
        {"method": "altmin", "init": "svd"},
    ],
)
@pytest.mark.parametrize("sparse", [False, True])
def test_complete_equals_single_machine(client, options, sparse):
    M = _ratings()
    if sparse:
        rows, cols = np.nonzero(~np.isnan(M))
        Min = sp.csr_array((M[rows, cols], (rows, cols)), shape=M.shape)
    else:
        Min = M
    res = lralg.dask.complete(_chunked(Min, 40, sparse), 3, max_iter=8, rng=7, client=client, **options)
    ref = lralg.complete(Min, 3, max_iter=8, rng=7, **options)
    assert res.n_iter == ref.n_iter
    np.testing.assert_allclose(res.U, ref.U, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(res.V, ref.V, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose([h["rmse"] for h in res.history], [h["rmse"] for h in ref.history], rtol=1e-8)
    if options.get("bias"):
        np.testing.assert_allclose(res.row_bias, ref.row_bias, rtol=1e-6, atol=1e-8)
        assert res.mean == pytest.approx(ref.mean)


def test_complete_recovers_a_low_rank_matrix(client):
    rng = np.random.default_rng(1)
    M = rng.standard_normal((150, 4)) @ rng.standard_normal((4, 100))
    observed = np.where(rng.random(M.shape) < 0.4, M, np.nan)
    res = lralg.dask.complete(_chunked(observed, 60), 4, tol=1e-10, rng=0, client=client)
    assert np.linalg.norm(res.to_dense() - M) / np.linalg.norm(M) < 1e-6


# ---------------------------------------------------------------- bad input


def test_bad_input_is_refused_before_any_task(client):
    X = da.ones((100, 20), chunks=(25, 10))
    with pytest.raises(ValueError, match="chunked by rows only"):
        lralg.dask.incremental_svd(X, 2, client=client)
    with pytest.raises(TypeError, match="dask.array"):
        lralg.dask.incremental_svd(np.ones((10, 3)), 2, client=client)
    with pytest.raises(TypeError, match="real numbers"):
        lralg.dask.top_eigenvector(da.ones((10, 3), dtype=complex, chunks=(5, 3)), client=client)
    with pytest.raises(ValueError, match="rank"):
        lralg.dask.incremental_svd(da.ones((100, 20), chunks=(25, 20)), 21, client=client)
    unknown = da.ones((100, 20), chunks=(25, 20))[da.ones(100, chunks=25) > 0]
    with pytest.raises(ValueError, match="unknown height"):
        lralg.dask.complete(unknown, 2, client=client)
    with pytest.raises(ValueError, match="square"):
        lralg.dask.fastrp(da.ones((10, 5), chunks=(5, 5)), 4, client=client)
    with pytest.raises(ValueError, match="method"):
        lralg.dask.complete(da.ones((10, 5), chunks=(5, 5)), 2, method="nope", client=client)
    with pytest.raises(ValueError, match="reg must be a number"):
        lralg.dask.complete(da.ones((10, 5), chunks=(5, 5)), 2, bias=True, client=client)
    with pytest.raises(TypeError, match="client"):
        lralg.dask.top_eigenvector(da.ones((10, 5), chunks=(5, 5)), client="localhost")


def test_a_closed_client_is_refused():
    with distributed.Client(processes=False, n_workers=1, dashboard_address=":0") as c:
        pass
    with pytest.raises(ValueError, match="not running"):
        lralg.dask.incremental_svd(da.ones((10, 5), chunks=(5, 5)), 2, client=c)


# ---------------------------------------------------------------- faults


def test_isvd_survives_a_killed_worker(client):
    X = _low_rank(480, 30, 8, seed=5, noise=0.01)
    expected = lralg.dask.incremental_svd(_chunked(X, 40), 5, rng=3, client=client)
    slow = _chunked(X, 40).map_blocks(_slow_copy, dtype=X.dtype)  # 12 chunks, 0.3 s each
    killed = {}
    timer = threading.Timer(1.0, _kill_one_worker, args=(client, killed))
    timer.start()
    try:
        res = lralg.dask.incremental_svd(slow, 5, rng=3, client=client)
        finished = time.perf_counter()
    finally:
        timer.join()
    assert killed["at"] < finished  # the worker died while the tasks ran
    np.testing.assert_allclose(res.s, expected.s, rtol=1e-12)
    np.testing.assert_allclose(res.vt, expected.vt, atol=1e-12)
    _check_replaced(client, killed)


def test_complete_survives_a_killed_worker(client):
    M = _ratings(seed=3)
    # tol=0: all 6 sweeps run, so tasks follow the kill at sweep 2 and the scheduler sees it
    expected = lralg.complete(M, 3, max_iter=6, tol=0, rng=1)

    killed = {}

    def kill_at_sweep_2(state):
        if state["sweep"] == 2:
            _kill_one_worker(client, killed)

    res = lralg.dask.complete(
        _chunked(M, 30), 3, max_iter=6, tol=0, rng=1, callback=kill_at_sweep_2, client=client
    )
    assert res.n_iter == expected.n_iter
    np.testing.assert_allclose(res.U, expected.U, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(res.V, expected.V, rtol=1e-6, atol=1e-8)
    _check_replaced(client, killed)
