"""Every public entry point against the input classes that once crashed or lied.

Each class runs in its own subprocess: a segfault, an abort or a hang then
fails one test instead of killing the run. A case passes when the call raises
the expected exception class (or, where the input is valid, returns finite
numbers); it fails when it returns silently wrong numbers or dies.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

# The cases run inside the child; each prints one JSON line per case.
_PRELUDE = textwrap.dedent(
    """
    import json, pickle, sys, threading
    import numpy as np, scipy.sparse as sp
    import lralg

    def case(name, fn, expect=(ValueError, TypeError, MemoryError)):
        print(json.dumps({"start": name}), flush=True)
        try:
            out = fn()
        except expect as exc:
            print(json.dumps({"name": name, "ok": True, "raised": type(exc).__name__, "msg": str(exc)}), flush=True)
            return
        except Exception as exc:
            print(json.dumps({"name": name, "ok": False, "raised": type(exc).__name__, "msg": str(exc)}), flush=True)
            return
        finite = out is None or out is True
        if not finite:
            try:
                values = [np.asarray(v, dtype=float) for v in (out if isinstance(out, tuple) else (out,))]
                finite = all(np.isfinite(v).all() for v in values)
            except (TypeError, ValueError):
                finite = False
        print(json.dumps({"name": name, "ok": bool(finite), "raised": None, "msg": "returned"}), flush=True)
    """
)

_MALFORMED_SPARSE = textwrap.dedent(
    """
    def bad_compressed(kind, fmt, shape):
        dense = np.arange(1, shape[0] * shape[1] + 1, dtype=float).reshape(shape)
        X = sp.csr_array(dense) if fmt == "csr" else sp.csc_array(dense)
        minor = shape[1] if fmt == "csr" else shape[0]
        if kind == "index past the end":
            X.indices[5] = minor
        elif kind == "huge index":
            X.indices[5] = 2**30
        elif kind == "negative index":
            X.indices[5] = -1
        elif kind == "decreasing indptr":
            X.indptr[3] = X.indptr[4] + 1
        elif kind == "indptr beyond indices":
            X.indptr[-1] = X.indices.size + 7
        elif kind == "short indptr":
            X.indptr = X.indptr[:-2]
        return X

    def bad_coo(kind, shape=(8, 6)):
        C = sp.coo_array(np.arange(1, shape[0] * shape[1] + 1, dtype=float).reshape(shape))
        coords = C.coords if hasattr(C, "coords") else (C.row, C.col)
        if kind == "row one past the end":
            coords[0][0] = shape[0]
        elif kind == "huge row":
            coords[0][0] = 2**30
        elif kind == "negative column":
            coords[1][0] = -3
        return C

    def entry_points(X, square):
        yield "incremental_svd", lambda: lralg.incremental_svd(X, 2)
        yield "incremental_svd blocks", lambda: lralg.incremental_svd([X, X], 2)
        yield "IncrementalSVD.fit", lambda: lralg.IncrementalSVD(2).fit(X).singular_values_
        yield "IncrementalSVD.partial_fit", lambda: lralg.IncrementalSVD(2).partial_fit(X).singular_values_
        yield "truncated_svd", lambda: lralg.truncated_svd(X, 2)
        yield "svd_error_bound", lambda: lralg.svd_error_bound([X, X], 2)
        yield "cluster_matrices", lambda: lralg.cluster_matrices([X, X], 2, 0.5).labels
        yield "complete", lambda: lralg.complete(X, 1, max_iter=3, rng=0).U
        yield "top_eigenvector oja", lambda: lralg.top_eigenvector(X, method="oja", rng=0).vector
        yield "top_eigenvector exact", lambda: lralg.top_eigenvector(X, method="exact").vector
        yield "sparse_random_projection", lambda: lralg.sparse_random_projection(X, 3, rng=0)
        fitted = lralg.complete(np.ones(X.shape), 1, max_iter=2, rng=0)
        yield "CompletionResult.rmse", lambda: fitted.rmse(X)
        yield "CompletionResult.fold_in", lambda: fitted.fold_in(X).U
        yield "fastrp", lambda: lralg.fastrp(square, 4, rng=0)
        yield "graph_adjacency", lambda: lralg.graph_adjacency(square).toarray()

    for kind in ["index past the end", "huge index", "negative index", "decreasing indptr",
                 "indptr beyond indices", "short indptr"]:
        for fmt in ["csr", "csc"]:
            for name, fn in entry_points(bad_compressed(kind, fmt, (8, 6)), bad_compressed(kind, fmt, (6, 6))):
                case(f"{fmt} {kind}: {name}", fn, ValueError)
    for kind in ["row one past the end", "huge row", "negative column"]:
        for name, fn in entry_points(bad_coo(kind), bad_coo(kind, (6, 6))):
            case(f"coo {kind}: {name}", fn, ValueError)
    """
)

_HUGE_SIZES = textwrap.dedent(
    """
    X = np.random.default_rng(0).standard_normal((20, 8))
    case("random_projection_matrix(6, 10**12)", lambda: lralg.random_projection_matrix(6, 10**12))
    case("random_projection_matrix(2**62, 3)", lambda: lralg.random_projection_matrix(2**62, 3))
    case("random_projection_matrix(3, 2**63)", lambda: lralg.random_projection_matrix(3, 2**63))
    case("sparse_random_projection n_components=2**63", lambda: lralg.sparse_random_projection(X, 2**63))
    case("sparse_random_projection n_components=10**13", lambda: lralg.sparse_random_projection(X, 10**13))
    case("incremental_svd power_iters=2**31", lambda: lralg.incremental_svd(X, 2, power_iters=2**31))
    case("incremental_svd oversampling=2**63", lambda: lralg.incremental_svd(X, 2, oversampling=2**63))
    case("truncated_svd power_iters=2**31", lambda: lralg.truncated_svd(X, 2, power_iters=2**31))
    case("IncrementalSVD power_iters=2**31", lambda: lralg.IncrementalSVD(2, power_iters=2**31).fit(X))
    case("svd_error_bound oversampling=2**63", lambda: lralg.svd_error_bound([X, X], 2, oversampling=2**63))
    ring = np.array([[i, (i + 1) % 10] for i in range(10)])
    case("fastrp dim=10**30", lambda: lralg.fastrp(ring, 10**30, n_nodes=10))
    case("fastrp dim=10**15", lambda: lralg.fastrp(ring, 10**15, n_nodes=10))
    case("fastrp n_nodes=2**70", lambda: lralg.fastrp(ring, 4, n_nodes=2**70))
    case("StreamingTopEigenvector n_features=2**63", lambda: lralg.StreamingTopEigenvector(2**63, method="exact"))
    case("StreamingTopEigenvector n_features=10**12 exact", lambda: lralg.StreamingTopEigenvector(10**12, method="exact"))
    case("GaussianSensing n_measurements=2**63", lambda: lralg.GaussianSensing((3, 3), 2**63))
    case("complete max_iter=2**63", lambda: lralg.complete(X, 1, max_iter=2**63))
    case("quantize_rtn group_size=2**63", lambda: lralg.quantize_rtn(X, 4, group_size=2**63))
    case("set_num_threads(100_000)", lambda: lralg.set_num_threads(100_000))
    case("threads(2**40)", lambda: lralg.threads(2**40).__enter__())
    # the refused settings left the old one in place: a parallel call still works
    case("parallel call after refused thread counts", lambda: lralg.sparse_random_projection(X, 3, rng=0))
    """
)

_OVERFLOW = textwrap.dedent(
    """
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 8))
    big = X.copy(); big[0, 1] = 1e300
    case("incremental_svd one huge entry, two blocks", lambda: lralg.incremental_svd([X, big], 2).s)
    case("incremental_svd one huge entry, alone", lambda: lralg.incremental_svd(big, 2).s)
    case("IncrementalSVD.partial_fit huge", lambda: lralg.IncrementalSVD(2).partial_fit(X).partial_fit(big).singular_values_)
    case("truncated_svd 1e200", lambda: lralg.truncated_svd(X * 1e200, 2).s)
    case("truncated_svd float32 1e20", lambda: lralg.truncated_svd((X * 1e20).astype(np.float32), 2).s)
    case("svd_error_bound 1e200", lambda: lralg.svd_error_bound([X * 1e200, X], 2))
    case("matrix_nuclear_norm 1e200", lambda: lralg.matrix_nuclear_norm(X * 1e200))
    M = X.copy(); M[::3, ::2] = np.nan
    case("complete 1e200", lambda: lralg.complete(M * 1e200, 1, max_iter=3, rng=0).U)
    case("sparse_random_projection density=1e-80 float32",
         lambda: lralg.sparse_random_projection(X.astype(np.float32), 4, density=1e-80, rng=0))
    case("sparse_random_projection density=5e-324", lambda: lralg.sparse_random_projection(X, 4, density=5e-324, rng=0))
    case("random_projection_matrix density=5e-324", lambda: lralg.random_projection_matrix(8, 4, density=5e-324).data)
    case("sparse_random_projection float32 1e38", lambda: lralg.sparse_random_projection((X * 1e37).astype(np.float32), 4, density=0.01, rng=0))
    edges = np.array([[i, (i + 1) % 10, 1e10] for i in range(10)])
    case("fastrp transition=False weights 1e10", lambda: lralg.fastrp(edges, 4, n_nodes=10, transition=False, rng=0))
    heavy = np.array([[i, (i + 1) % 10, 1e39] for i in range(10)])
    case("fastrp edge weights 1e39 float32", lambda: lralg.fastrp(heavy, 4, n_nodes=10, rng=0))
    ring = np.array([[i, (i + 1) % 10] for i in range(10)])
    case("fastrp weights=[1e300]*4", lambda: lralg.fastrp(ring, 4, n_nodes=10, weights=[1e300] * 4, rng=0))
    neg = np.array([[i, (i + 1) % 10, -3.0] for i in range(10)])
    case("fastrp 80 powers on negative weights",
         lambda: lralg.fastrp(neg, 4, n_nodes=10, transition=False, weights=[1.0] * 80, rng=0))
    """
)

_CONCURRENT_AND_PICKLES = textwrap.dedent(
    """
    rng = np.random.default_rng(0)
    blocks = [rng.standard_normal((20, 2000)) for _ in range(8)]

    def isvd_two_threads():
        est = lralg.IncrementalSVD(5, rng=0)
        est.partial_fit(blocks[0])
        def feed(part):
            for b in part:
                est.partial_fit(b)
        threads = [threading.Thread(target=feed, args=(blocks[1 + i :: 2],)) for i in range(2)]
        for t in threads: t.start()
        for t in threads: t.join()
        C = est.components_
        assert est.n_samples_seen_ == 160, est.n_samples_seen_
        assert np.allclose(C @ C.T, np.eye(5), atol=1e-8)
        return True
    case("IncrementalSVD.partial_fit from two threads", isvd_two_threads, ())

    def oja_two_threads():
        A = rng.standard_normal((4000, 10)) * np.r_[5.0, np.ones(9)]
        est = lralg.StreamingTopEigenvector(10, method="oja", n_rows=4000, rng=0)
        parts = np.array_split(A, 40)
        def feed(k):
            for b in parts[k::2]:
                est.update(b)
        threads = [threading.Thread(target=feed, args=(k,)) for k in range(2)]
        for t in threads: t.start()
        for t in threads: t.join()
        assert est.n_rows_seen_ == 4000, est.n_rows_seen_
        assert est.vector_[0] ** 2 > 0.9
        return True
    case("StreamingTopEigenvector oja from two threads", oja_two_threads, ())

    def merge_both_ways():
        a = lralg.IncrementalSVD(3, rng=0).fit(blocks[0])
        b = lralg.IncrementalSVD(3, rng=0).fit(blocks[1])
        ts = [threading.Thread(target=a.merge, args=(b,)), threading.Thread(target=b.merge, args=(a,))]
        for t in ts: t.start()
        for t in ts: t.join(timeout=60)
        assert not any(t.is_alive() for t in ts), "deadlock"
        return True
    case("IncrementalSVD a.merge(b) and b.merge(a) at once", merge_both_ways, ())

    op = lralg.EntrySampling((4, 5), rows=[0, 1, 2, 3], cols=[0, 1, 2, 4])
    def tampered_entry_pickle():
        blob = pickle.dumps(op)
        fresh = pickle.loads(blob)
        state = fresh.__reduce__()
        bad_rows = np.array(state[1][1]); bad_rows[0] = 2**40
        return type(fresh)(state[1][0], bad_rows, state[1][2])
    case("EntrySampling rebuilt with a bad row", tampered_entry_pickle, ValueError)

    def edited_rows():
        rows = np.array([0, 1, 2, 3]); cols = np.array([0, 1, 2, 4])
        o = lralg.EntrySampling((4, 5), rows, cols)
        rows[0] = 2**40
        y = np.arange(1.0, 5.0)
        return lralg.recover(y, o, 1, parameterization="asymmetric", max_iter=5, rng=0).X
    case("EntrySampling rows edited after construction", edited_rows, ())

    def write_through_attribute():
        o = lralg.EntrySampling((4, 5), [0, 1, 2, 3], [0, 1, 2, 4])
        o.rows[0] = 2**40
    case("EntrySampling.rows written", write_through_attribute, ValueError)

    est = lralg.IncrementalSVD(2, rng=0).fit(blocks[0][:, :6])
    def tamper(edit):
        # what unpickling does: a bare summary, then __setstate__ with the saved dict
        d = pickle.loads(pickle.dumps(est))._summary.__getstate__()
        d["_saved"] = edit(*d["_saved"])
        summary = object.__new__(type(est._summary))
        summary.__setstate__(d)
        return True
    case("IncrementalSVD pickle: negative eigenvalue", lambda: tamper(lambda Q, l, nb, ni, sq: (Q, -l, nb, ni, sq)), ValueError)
    case("IncrementalSVD pickle: infinite eigenvalue", lambda: tamper(lambda Q, l, nb, ni, sq: (Q, l + np.inf, nb, ni, sq)), ValueError)
    case("IncrementalSVD pickle: scaled Q", lambda: tamper(lambda Q, l, nb, ni, sq: (Q * 3, l, nb, ni, sq)), ValueError)
    case("IncrementalSVD pickle: negative count", lambda: tamper(lambda Q, l, nb, ni, sq: (Q, l, nb, -5, sq)), ValueError)
    case("IncrementalSVD pickle: NaN norm", lambda: tamper(lambda Q, l, nb, ni, sq: (Q, l, nb, ni, float("nan"))), ValueError)
    case("IncrementalSVD pickle: untouched", lambda: tamper(lambda *saved: saved), ())
    """
)

_CLASSES = {
    "malformed_sparse": _MALFORMED_SPARSE,
    "huge_sizes": _HUGE_SIZES,
    "overflowing_values": _OVERFLOW,
    "concurrency_and_pickles": _CONCURRENT_AND_PICKLES,
}


def _run_class(source: str, timeout: float = 600):
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "2")
    proc = subprocess.run(
        [sys.executable, "-c", _PRELUDE + source],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    records, started = [], None
    for line in proc.stdout.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if "start" in record:
            started = record["start"]
        else:
            records.append(record)
            started = None
    return proc, records, started


@pytest.mark.parametrize("input_class", sorted(_CLASSES))
def test_every_entry_point_survives(input_class):
    proc, records, unfinished = _run_class(_CLASSES[input_class])
    assert unfinished is None and proc.returncode == 0, (
        f"the child died (exit code {proc.returncode}) in case {unfinished!r}:\n{proc.stderr[-3000:]}"
    )
    failed = [r for r in records if not r["ok"]]
    assert records, "no case ran"
    assert not failed, "\n".join(f"{r['name']}: {r['raised']}: {r['msg']}" for r in failed)
