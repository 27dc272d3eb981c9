"""Benchmark of lralg.dask: 1 and 2 workers, bytes moved between workers, against dask's own SVD.

Run from the repository root: ``python -m bench.dask_scale [--quick] [--repeat N]``.

Every case runs on a distributed.LocalCluster of processes with one thread
each (the core's OpenMP and BLAS at one thread per worker, so that two
workers use the two cores), first with 1 worker, then with 2, in this one
process. Reported: median wall time, the speed-up of 2 workers over 1, and
the bytes the workers sent one another during one call (the workers'
``transfer_outgoing_bytes_total``), per pass or sweep. For the SVD,
``dask.array.linalg.svd_compressed`` at the same rank runs beside
``lralg.dask.incremental_svd`` on the same array, with the relative error of
each against the best rank-r error (numpy's SVD).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

import lralg
import lralg.dask
from bench._harness import parser, report, time_call


def _sent(client):
    return sum(client.run(lambda dask_worker: dask_worker.transfer_outgoing_bytes_total).values())


def _measure(client, fn, repeat):
    before = _sent(client)
    fn()
    moved = _sent(client) - before
    median, _, result = time_call(fn, repeat=repeat, warmup=0)
    return median, moved, result


def _rel_error(X, u, s, vt):
    return float(np.linalg.norm(X - (u * s) @ vt) / np.linalg.norm(X))


def _problems(quick):
    import dask
    import dask.array as da

    rng = np.random.default_rng(0)
    m, d, rank = (4000, 100, 10) if quick else (40000, 200, 10)
    X = (rng.standard_normal((m, 30)) / np.arange(1, 31)) @ rng.standard_normal((30, d))
    X += 0.01 * rng.standard_normal((m, d))
    n_nodes = 5000 if quick else 50000
    edges = rng.integers(0, n_nodes, size=(8 * n_nodes, 2))
    A = lralg.graph_adjacency(edges, n_nodes=n_nodes)
    rows, cols, p = (1000, 600, 0.05) if quick else (8000, 3000, 0.03)
    L = rng.standard_normal((rows, 8)) @ rng.standard_normal((8, cols))
    mask = sp.random_array((rows, cols), density=p, rng=1, format="csr")
    R = sp.csr_array((L[mask.nonzero()], mask.indices, mask.indptr), shape=(rows, cols))

    def sparse_rows(S, step):
        parts = []
        for lo in range(0, S.shape[0], step):
            blk = sp.csr_matrix(S[lo : lo + step])
            parts.append(da.from_delayed(dask.delayed(blk), shape=blk.shape, dtype=blk.dtype, meta=blk[:0]))
        return da.concatenate(parts)

    coo = R.tocoo()
    order = rng.permutation(R.nnz)  # ratings in no particular order, as a file holds them
    frame = {"row": coo.row[order], "col": coo.col[order], "value": coo.data[order]}

    return {
        "frame": frame,
        "X": X,
        "Xd": da.from_array(X, chunks=(m // 8, d)),
        "rank": rank,
        "A": A,
        "Ad": sparse_rows(A, n_nodes // 8),
        "R": R,
        "Rd": sparse_rows(R, rows // 8),
    }


def run(workers, problems, repeat):
    import dask.array as da
    import distributed

    env = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    cluster = distributed.LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0", env=env
    )
    rows = []
    with distributed.Client(cluster) as client:
        P = problems
        Xd = client.persist(P["Xd"])
        X, rank = P["X"], P["rank"]
        t, moved, res = _measure(
            client, lambda: lralg.dask.incremental_svd(Xd, rank, rng=0, client=client), repeat
        )
        vt = res.vt
        u_ = X @ vt.T / res.s
        rows.append(("incremental_svd", t, moved, 1, _rel_error(X, u_, res.s, vt)))

        def dask_svd():
            u, s, vt = da.linalg.svd_compressed(Xd, rank, seed=0)
            return client.compute([u, s, vt], sync=True)

        t, moved, (u, s, vt) = _measure(client, dask_svd, repeat)
        rows.append(("dask svd_compressed", t, moved, 1, _rel_error(X, u, s, vt)))
        t, moved, res = _measure(client, lambda: lralg.dask.top_eigenvector(Xd, rng=0, client=client), repeat)
        rows.append(("top_eigenvector", t, moved, None, None))
        Ad = client.persist(P["Ad"])
        weights = (0.0, 1.0, 1.0, 1.0)
        t, moved, _ = _measure(
            client, lambda: lralg.dask.fastrp(Ad, 64, weights=weights, rng=0, client=client).compute(), repeat
        )
        rows.append(("fastrp (64 dims, 4 powers)", t, moved, len(weights), None))
        Rd = client.persist(P["Rd"])
        t, moved, res = _measure(
            client,
            lambda: lralg.dask.complete(Rd, 8, max_iter=5, tol=0.0, init="random", rng=0, client=client),
            repeat,
        )
        rows.append((f"complete ({_sweeps(res)})", t, moved, res.n_iter + res.settling_sweeps, None))
        if P["frame"] is not None:
            import dask.dataframe as dd
            import pandas as pd

            frame = client.persist(dd.from_pandas(pd.DataFrame(P["frame"]), npartitions=8, sort=False))
            t, moved, res = _measure(
                client,
                lambda: lralg.dask.complete(
                    frame, 8, max_iter=5, tol=0.0, init="random", rng=0, client=client
                ),
                repeat,
            )
            rows.append(
                (
                    f"complete from a DataFrame ({_sweeps(res)})",
                    t,
                    moved,
                    res.n_iter + res.settling_sweeps,
                    None,
                )
            )
        t, moved, res = _measure(
            client,
            lambda: lralg.dask.complete(
                Rd, 8, reg="auto", max_iter=3, tol=0.0, init="random", rng=0, client=client
            ),
            repeat,
        )
        rows.append(
            (f"complete, reg='auto' ({len(res.reg_path)} path points + 3 sweeps)", t, moved, None, None)
        )
    cluster.close()
    return rows


def _sweeps(res) -> str:
    """The sweeps of a fit, the settling ones named (each moves the factors as a sweep does)."""
    return f"{res.n_iter} sweeps + {res.settling_sweeps} settling"


def main(argv=None):
    args = parser(__doc__.splitlines()[0]).parse_args(argv)
    repeat = 1 if args.quick else args.repeat
    problems = _problems(args.quick)
    try:
        import dask.dataframe  # noqa: F401
    except ImportError:  # pandas or pyarrow missing: no DataFrame row
        problems["frame"] = None
    s = np.linalg.svd(problems["X"], compute_uv=False)
    best = float(np.sqrt(np.sum(s[problems["rank"] :] ** 2) / np.sum(s**2)))
    one, two = run(1, problems, repeat), run(2, problems, repeat)
    table = []
    for (name, t1, _, passes, err), (_, t2, b2, _, _) in zip(one, two):
        row = {
            "function": name,
            "1 worker (s)": t1,
            "2 workers (s)": t2,
            "speed-up": t1 / t2,
            "bytes between workers (2 workers)": b2,
        }
        if passes:
            row["per pass or sweep"] = b2 / passes
        if err is not None:
            row["rel. error / best"] = err / best
        table.append(row)
    X, A, R = problems["X"], problems["A"], problems["R"]
    note = (
        f"SVD and eigenvector: {X.shape[0]} x {X.shape[1]} dense in 8 row chunks, rank {problems['rank']}; "
        f"fastrp: {A.shape[0]} nodes, {A.nnz} arcs in 8 row blocks; complete: {R.shape[0]} x {R.shape[1]}, "
        f"{R.nnz} ratings in 8 row blocks (the DataFrame: 8 partitions of shuffled (row, col, value), "
        "regrouped by the call), rank 8; reg='auto' fits each point of its path with at most 3 sweeps. "
        "Taken on a loaded machine (2 cores shared with other jobs): the times are indicative only; "
        "the bytes do not depend on the load."
    )
    columns = [
        "function",
        "1 worker (s)",
        "2 workers (s)",
        "speed-up",
        "bytes between workers (2 workers)",
        "per pass or sweep",
        "rel. error / best",
    ]
    report("dask_scale", table, columns, note=note)


if __name__ == "__main__":
    main()
