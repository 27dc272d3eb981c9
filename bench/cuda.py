"""The CUDA backend: lralg on the GPU against lralg on the CPU and against CuPy written directly.

    python -m bench.cuda [--quick] [--repeat N]

1. FastRP on the stochastic-block-model graph of bench/fastrp.py (1e6 nodes,
   average degree 10; 1e5 with --quick), dim 128, the paper's weights and
   beta, float32: lralg device="cpu" (all cores, and 2), lralg device="cuda", and the same
   algorithm written with CuPy/cuSPARSE (R from lralg.random_projection_matrix,
   the transition matrix as a cupyx CSR, one SpMM per power, rows
   normalised, columns standardised).
2. Very sparse random projection of a CSR matrix (1e6 x 1e5 with 20 non-zeros
   a row; 1e5 rows with --quick) to 256 components, float32: lralg CPU (all
   cores, and 2), lralg CUDA and CuPy (X @ R as cupyx CSR x CSR).

Times are wall times of one call from host arrays to a host result: the
transfers to and from the device are included for lralg's CUDA path and for
CuPy alike. "max |diff|" is against lralg on the CPU. complete, incremental_svd
/ truncated_svd and top_eigenvector have no CUDA kernel yet and are not timed.
Without a GPU (or without CuPy) the rows that need one are left out.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

import lralg

from ._harness import parser, report, time_call
from .fastrp import PAPER_BETA, PAPER_WEIGHTS, sbm_graph

DIM = 128
N_COMPONENTS = 256


def _cupy():
    try:
        import cupy
        import cupyx.scipy.sparse as cusparse
    except ImportError:
        return None, None
    try:
        cupy.cuda.runtime.getDeviceCount()
    except Exception:
        return None, None
    return cupy, cusparse


def fastrp_cupy(A, dim, weights, beta, seed):
    """FastRP with CuPy/cuSPARSE: the same R and the same algorithm as lralg.fastrp."""
    cp, cusparse = _cupy()
    n = A.shape[0]
    deg = np.asarray(A.sum(axis=1), dtype=np.float64).ravel()
    inv = np.divide(1.0, deg, out=np.zeros_like(deg), where=deg != 0)
    g = np.where(deg > 0, np.abs(deg) ** beta, 0.0) if beta != 0 else np.ones(n)
    R = lralg.random_projection_matrix(n, dim, density=1 / np.sqrt(n), rng=seed)
    M = cusparse.csr_matrix(sp.csr_matrix(sp.diags_array(inv.astype(np.float32)) @ A))
    G = cusparse.csr_matrix(sp.csr_matrix((sp.diags_array(g) @ R).astype(np.float32)))
    U = (M @ G).toarray()
    E = cp.zeros((n, dim), dtype=cp.float32)
    for i, w in enumerate(weights):
        if i > 0:
            U = M @ U
        norms = cp.linalg.norm(U, axis=1, keepdims=True)
        E += cp.float32(w) * cp.where(norms > 0, U / cp.where(norms > 0, norms, 1), 0)
    mu, sd = E.mean(axis=0), E.std(axis=0)
    E = (E - mu) / cp.where(sd > 0, sd, 1)
    out = cp.asnumpy(E)
    cp.cuda.runtime.deviceSynchronize()
    return out


def project_cupy(X, n_components, seed):
    cp, cusparse = _cupy()
    R = lralg.random_projection_matrix(X.shape[1], n_components, rng=seed).astype(np.float32)
    Y = cusparse.csr_matrix(sp.csr_matrix(X)) @ cusparse.csr_matrix(sp.csr_matrix(R))
    return cp.asnumpy(Y.toarray())


def sparse_rows(n, d, per_row, seed=0):
    rng = np.random.default_rng(seed)
    nnz = n * per_row
    indptr = np.arange(0, nnz + 1, per_row, dtype=np.int64)
    indices = np.sort(rng.integers(0, d, (n, per_row)), axis=1).ravel()
    X = sp.csr_array((rng.standard_normal(nnz).astype(np.float32), indices, indptr), shape=(n, d))
    X.sum_duplicates()
    return X


def on_two_threads(fn, *args, **kwargs):
    """fn on 2 threads: the CPU of the machines this library is developed on."""
    with lralg.threads(2):
        return fn(*args, **kwargs)


def bench_fastrp(n, measure, has_gpu, cp):
    A = sbm_graph(n)
    task = f"FastRP, {n:.0e} nodes, dim {DIM}"
    kw = {"weights": PAPER_WEIGHTS, "beta": PAPER_BETA, "rng": 0}
    _, E = measure(task, "lralg, CPU", lambda: lralg.fastrp(A, DIM, **kw), None)
    measure(task, "lralg, CPU, 2 threads", lambda: on_two_threads(lralg.fastrp, A, DIM, **kw), E)
    if has_gpu:
        measure(task, "lralg, CUDA", lambda: lralg.fastrp(A, DIM, device="cuda", **kw), E)
    if cp is not None:
        measure(task, "CuPy/cuSPARSE", lambda: fastrp_cupy(A, DIM, PAPER_WEIGHTS, PAPER_BETA, 0), E)


def bench_projection(n, measure, has_gpu, cp):
    X = sparse_rows(n, 10**5, 20)
    task = f"projection, CSR {n:.0e} x 1e5, 20 nnz/row, k {N_COMPONENTS}"

    def run(device):
        return lambda: lralg.sparse_random_projection(X, N_COMPONENTS, rng=0, device=device)

    _, Y = measure(task, "lralg, CPU", run("cpu"), None)
    measure(
        task,
        "lralg, CPU, 2 threads",
        lambda: on_two_threads(lralg.sparse_random_projection, X, N_COMPONENTS, rng=0),
        Y,
    )
    if has_gpu:
        measure(task, "lralg, CUDA", run("cuda"), Y)
    if cp is not None:
        measure(task, "CuPy/cuSPARSE", lambda: project_cupy(X, N_COMPONENTS, 0), Y)


def main(argv=None):
    args = parser(__doc__).parse_args(argv)
    info = lralg.config()
    has_gpu = info["cuda"] and info["cuda_devices"] > 0
    cp, _ = _cupy()
    rows = []

    def measure(task, label, fn, reference):
        try:
            median, _, out = time_call(fn, repeat=args.repeat)
        except Exception as exc:  # one failing side (CuPy, the device) must not lose the others
            print(f"{task}, {label}: failed: {type(exc).__name__}: {exc}")
            return None, None
        diff = float(np.max(np.abs(out - reference))) if reference is not None else 0.0
        rows.append({"task": task, "method": label, "median s": median, "max |diff|": diff})
        return median, out

    n = 10**5 if args.quick else 10**6
    bench_fastrp(n, measure, has_gpu, cp)
    bench_projection(n, measure, has_gpu, cp)
    for row in rows:
        cpu = next(r["median s"] for r in rows if r["task"] == row["task"] and r["method"] == "lralg, CPU")
        row["speed-up over CPU"] = cpu / row["median s"]
    report(
        "cuda",
        rows,
        ["task", "method", "median s", "speed-up over CPU", "max |diff|"],
        note=f"device: {info['cuda_device'] or 'no GPU'}; CPU: {info['threads']} threads; float32; "
        "transfers included",
    )


if __name__ == "__main__":
    main()
