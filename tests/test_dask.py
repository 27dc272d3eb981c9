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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    """Two workers again, the killed one not among them (the scheduler may list it for a while)."""
    deadline = time.monotonic() + 60
    while True:
        client.wait_for_workers(2, timeout=60)
        try:
            if killed["pid"] not in client.run(os.getpid).values():
                return
        except (OSError, distributed.comm.CommClosedError):  # run() reached the dead worker
            pass
        assert time.monotonic() < deadline, "the killed worker was not replaced in 60 s"
        time.sleep(0.5)


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


def _triples(M, seed=0, duplicates=0):
    """M's observed entries as shuffled (row, col, value) columns, ``duplicates`` of them twice."""
    rows, cols = np.nonzero(~np.isnan(M))
    vals = M[rows, cols]
    rng = np.random.default_rng(seed)
    if duplicates:  # a repeated entry's value split in two: the sum is M's value
        pick = rng.choice(rows.size, duplicates, replace=False)
        half = vals[pick] / 2
        vals = vals.copy()
        vals[pick] = half
        rows, cols, vals = np.r_[rows, rows[pick]], np.r_[cols, cols[pick]], np.r_[vals, half]
    order = rng.permutation(rows.size)
    return rows[order], cols[order], vals[order]


def _frame(rows, cols, vals, npartitions=3, names=("row", "col", "value")):
    dd = pytest.importorskip("dask.dataframe")  # (which needs pandas)
    import pandas as pd

    pdf = pd.DataFrame({names[0]: rows, names[1]: cols, names[2]: vals})
    return dd.from_pandas(pdf, npartitions=npartitions, sort=False)


@pytest.mark.parametrize(
    "options",
    [
        {"method": "altmin", "init": "random"},
        {"method": "robust-altmin", "init": "svd", "bias": True, "reg": 0.1},
    ],
)
def test_complete_dataframe_equals_single_machine(client, options):
    pytest.importorskip("dask.dataframe")
    M = _ratings(seed=4)
    rows, cols, vals = _triples(M, duplicates=25)
    frame = _frame(rows, cols, vals)
    res = lralg.dask.complete(frame, 3, max_iter=8, rng=7, client=client, **options)
    coo = sp.coo_array((vals, (rows, cols)), shape=M.shape)
    ref = lralg.complete(coo, 3, max_iter=8, rng=7, **options)
    assert res.shape == ref.shape == M.shape and res.n_iter == ref.n_iter
    np.testing.assert_allclose(res.U, ref.U, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(res.V, ref.V, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose([h["rmse"] for h in res.history], [h["rmse"] for h in ref.history], rtol=1e-8)
    if options.get("bias"):
        assert res.mean == pytest.approx(ref.mean, rel=1e-12)
        np.testing.assert_allclose(res.col_bias, ref.col_bias, rtol=1e-6, atol=1e-8)


def test_complete_dataframe_names_shape_and_dtypes(client):
    pytest.importorskip("dask.dataframe")
    M = _ratings(m=60, n=40, seed=5)
    rows, cols, vals = _triples(M)
    # named columns, int32 indices, float32 values, a shape past the largest indices
    frame = _frame(rows.astype(np.int32), cols.astype(np.int32), vals.astype(np.float32), 4, ("u", "i", "r"))
    res = lralg.dask.complete(
        frame, 2, columns=("u", "i", "r"), shape=(70, 45), reg=0.5, max_iter=5, rng=1, client=client
    )
    ref = lralg.complete(
        sp.csr_array((vals.astype(np.float32), (rows, cols)), shape=(70, 45)), 2, reg=0.5, max_iter=5, rng=1
    )
    assert res.shape == (70, 45) and res.dtype == np.float32
    np.testing.assert_allclose(res.to_dense(), ref.to_dense(), rtol=1e-4, atol=1e-4)
    assert not res.U[60:].any() and not res.V[40:].any()  # rows and columns without observations


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    m=st.integers(1, 30),
    n=st.integers(1, 12),
    nnz=st.integers(0, 80),
    npartitions=st.integers(1, 6),
    seed=st.integers(0, 2**16),
)
def test_dataframe_row_blocks_are_the_coo_matrix(client, m, n, nnz, npartitions, seed):
    # any number of partitions against rows (more partitions than rows, empty ones, empty
    # blocks), repeated entries: the blocks stacked are scipy's CSR of the same COO matrix
    pytest.importorskip("dask.dataframe")
    from lralg.dask._frame import frame_row_blocks

    rng = np.random.default_rng(seed)
    rows, cols = rng.integers(0, m, nnz), rng.integers(0, n, nnz)
    vals = rng.integers(-3, 4, nnz).astype(np.float64)  # exact sums: any order gives the same
    frame = _frame(rows, cols, vals, npartitions=min(npartitions, max(nnz, 1)))
    blocks, offsets, n_out, dtype = frame_row_blocks(client, frame, None, (m, n))
    assert n_out == n and dtype == np.float64 and offsets[0] == 0 and offsets[-1] == m
    got = sp.vstack(client.compute(blocks, sync=True), format="csr")
    want = sp.csr_array(sp.coo_array((vals, (rows, cols)), shape=(m, n)))
    want.sum_duplicates()
    assert got.shape == (m, n) and got.indices.dtype == np.int64
    np.testing.assert_array_equal(got.indptr, want.indptr)
    np.testing.assert_array_equal(got.indices, want.indices)
    np.testing.assert_array_equal(got.data, want.data)


@pytest.mark.parametrize("source", ["array", "dataframe"])
def test_complete_reg_auto_equals_single_machine(client, source):
    M = _ratings(m=150, n=100, seed=6)
    M[~np.isnan(M)] += 0.3 * np.random.default_rng(2).standard_normal(int((~np.isnan(M)).sum()))
    if source == "array":
        Md = _chunked(M, 40)
        single = M
    else:
        rows, cols = np.nonzero(~np.isnan(M))  # in CSR order: the split draws in that order
        Md = _frame(*_triples(M))
        single = sp.csr_array((M[rows, cols], (rows, cols)), shape=M.shape)
    options = dict(bias=True, max_iter=10, clip="observed", rng=3)  # reg=None: "auto" with bias
    res = lralg.dask.complete(Md, 3, client=client, **options)
    ref = lralg.complete(single, 3, **options)
    assert [p["reg"] for p in res.reg_path] == [p["reg"] for p in ref.reg_path]
    assert len(ref.reg_path) >= 3 and res.reg == ref.reg
    np.testing.assert_allclose(
        [p["validation_rmse"] for p in res.reg_path], [p["validation_rmse"] for p in ref.reg_path], rtol=1e-7
    )
    assert [p["n_iter"] for p in res.reg_path] == [p["n_iter"] for p in ref.reg_path]
    assert res.clip == ref.clip and res.n_iter == ref.n_iter
    np.testing.assert_allclose(res.U, ref.U, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(res.row_bias, ref.row_bias, rtol=1e-6, atol=1e-8)


def _ran(stream, *names):
    return [t["key"] for t in stream.data if str(t["key"]).strip("('").startswith(names)]


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (lambda f: f.drop(columns="col"), ValueError, "no column 'col'"),
        (lambda f: f.assign(row=f["row"] * 1.0), TypeError, "'row' must hold integer"),
        (lambda f: f.assign(value=f["value"].astype(str)), TypeError, "'value' must hold real"),
        (lambda f: f.assign(value=f["value"].astype(complex)), TypeError, "'value' must hold real"),
        (lambda f: f.assign(col=f["col"] - 3), ValueError, "'col' holds negative"),
        (lambda f: f.assign(value=f["value"].where(f["row"] != 7)), ValueError, "NaN"),
        (lambda f: f.assign(value=f["value"].where(f["row"] != 7, np.inf)), ValueError, "Inf"),
        (lambda f: f.assign(row=f["row"].astype("Int64").where(f["col"] != 5)), ValueError, "missing"),
    ],
)
def test_dataframe_bad_input_refused_before_the_fit(client, change, error, match):
    pytest.importorskip("dask.dataframe")
    frame = change(_frame(*_triples(_ratings(m=30, n=20, seed=8))))
    with distributed.get_task_stream(client=client) as stream, pytest.raises(error, match=match):
        lralg.dask.complete(frame, 2, client=client)
    # at most the checking pass ran: no block was built, no factor solved
    assert not _ran(stream, "_cut_partition", "_assemble_block", "_block_summary", "_solve_block")
    if error is TypeError or "no column" in match:
        assert not _ran(stream, "_summary")  # found on the metadata alone


def test_dataframe_bad_names_and_shape(client):
    pytest.importorskip("dask.dataframe")
    frame = _frame(*_triples(_ratings(m=30, n=20, seed=8)))
    with pytest.raises(ValueError, match=r"'row' holds indices up to \d+, outside shape\[0\] = 10"):
        lralg.dask.complete(frame, 2, shape=(10, 20), client=client)
    with pytest.raises(ValueError, match="rank"):
        lralg.dask.complete(frame, 25, client=client)
    with pytest.raises(TypeError, match="from_pandas makes one"):
        lralg.dask.complete(frame.compute(), 2, client=client)
    with pytest.raises(TypeError, match="columns"):
        lralg.dask.complete(frame, 2, columns="row", client=client)
    with pytest.raises(TypeError, match="shape"):
        lralg.dask.complete(frame, 2, shape=30, client=client)
    with pytest.raises(ValueError, match="no observed entries"):
        lralg.dask.complete(frame[frame["row"] < 0], 2, client=client)


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
    with pytest.raises(ValueError, match="reg must be"):
        lralg.dask.complete(da.ones((10, 5), chunks=(5, 5)), 2, reg="best", client=client)
    with pytest.raises(ValueError, match="columns and shape are for a DataFrame"):
        lralg.dask.complete(da.ones((10, 5), chunks=(5, 5)), 2, shape=(10, 5), client=client)
    with pytest.raises(TypeError, match="dask DataFrame"):
        lralg.dask.complete(np.ones((10, 5)), 2, client=client)
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
