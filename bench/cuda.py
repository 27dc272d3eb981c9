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

3. Matrix completion, "altmin" with reg 0.1, rank 16, float64, 1e7 observations of
   a 200000 x 100000 matrix (1e6 of 20000 x 10000 with --quick), 2 sweeps from the
   same random start: lralg CPU, lralg CUDA, and the same exact half-sweeps
   written with CuPy (per-row normal matrices by scatter-adds, a batched solve).
4. Truncated SVD (rank 20, 2 power iterations) of a dense 100000 x 20000
   float32 matrix (20000 x 4000 with --quick): lralg CPU, lralg CUDA, and the
   same block Krylov range finder written with CuPy (cuBLAS products,
   cuSOLVER QR and SVD).
5. Incremental SVD (rank 20, oversampling 5, the sketched residual with one
   power iteration) of the same matrix streamed in 10 blocks of rows, one
   run each: lralg CPU, lralg CUDA, and the same block update written with
   CuPy (the Krylov space of the residual from [Y^T D, Omega], the small
   eigenproblem, the rotation).
6. Top eigenvector of A^T A (random-order block power method, 16 power
   steps) from the rows of the same matrix, one run each: lralg CPU, lralg
   CUDA, and the same power steps written with CuPy (one block of rows per
   step, z <- B^T (B z) normalised; no heavy rows kept, as this matrix has none
   to speak of; its start vector is CuPy's, so its "max |diff|" measures how far
   16 steps are from convergence, not an error).

Times are wall times of one call from host arrays to a host result: the
transfers to and from the device are included for lralg's CUDA path and for
CuPy alike. FastRP has one row more, from a CuPy graph (its CSR built on the
host) to a CuPy embedding, copied to the host inside the timing. "max |diff|" is against lralg on the CPU (for the SVD: of the
singular values; for completion: of the fitted entries; for the eigenvector:
of the vector). Each row is printed as it is measured. Without a GPU (or
without CuPy) the rows that need one are left out.
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
    if has_gpu and cp is not None:
        _, cusparse = _cupy()
        A_gpu = cusparse.csr_matrix(sp.csr_matrix(A))
        measure(
            task,
            "lralg, CUDA, CuPy graph in, CuPy E out",
            lambda: cp.asnumpy(lralg.fastrp(A_gpu, DIM, device="cuda", **kw)),
            E,
        )
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


def completion_problem(n_obs, rank=16, seed=0):
    """(observed CSR, start factors U, V): a rank-``rank`` matrix plus noise, entries uniformly at random."""
    m, n = (200000, 100000) if n_obs >= 10**7 else (20000, 10000)
    rng = np.random.default_rng(seed)
    A, B = rng.standard_normal((m, rank)), rng.standard_normal((n, rank))
    rows, cols = rng.integers(0, m, n_obs), rng.integers(0, n, n_obs)
    values = np.einsum("ij,ij->i", A[rows], B[cols]) + 0.1 * rng.standard_normal(n_obs)
    M = sp.csr_array((values, (rows, cols)), shape=(m, n))
    M.sum_duplicates()
    return M


def completion_cupy(M, rank, reg, sweeps, seed):
    """Exact alternating least squares on the GPU with CuPy, from lralg's random start."""
    cp, _ = _cupy()
    start = lralg.complete(M, rank, method="altmin", reg=reg, init="random", max_iter=0, rng=seed)
    U, V = cp.asarray(start.U), cp.asarray(start.V)
    csr = sp.csr_array(M)
    csc = csr.tocsc()
    by_row = (cp.asarray(np.repeat(np.arange(M.shape[0]), np.diff(csr.indptr))), cp.asarray(csr.indices))
    by_col = (cp.asarray(np.repeat(np.arange(M.shape[1]), np.diff(csc.indptr))), cp.asarray(csc.indices))
    values_r, values_c = cp.asarray(csr.data), cp.asarray(csc.data)
    eye = cp.eye(rank)

    def half_sweep(owner, other, values, Y, count):
        G = cp.zeros((count, rank, rank))
        h = cp.zeros((count, rank))
        for lo in range(0, owner.size, 1 << 20):  # outer products in chunks: 2 GiB at rank 16
            o, y = owner[lo : lo + (1 << 20)], Y[other[lo : lo + (1 << 20)]]
            cp.add.at(G, o, y[:, :, None] * y[:, None, :])
            cp.add.at(h, o, y * values[lo : lo + (1 << 20), None])
        return cp.linalg.solve(G + reg * eye, h[:, :, None])[:, :, 0]

    for _ in range(sweeps):
        V = half_sweep(by_col[0], by_col[1], values_c, U, M.shape[1])
        U = half_sweep(by_row[0], by_row[1], values_r, V, M.shape[0])
    out = (cp.asnumpy(U), cp.asnumpy(V))
    cp.cuda.runtime.deviceSynchronize()
    return out


def bench_completion(n_obs, measure, has_gpu, cp, rank=16, reg=0.1, sweeps=2):
    M = completion_problem(n_obs, rank)
    task = f"complete altmin, {M.nnz:.1e} observations, rank {rank}, {sweeps} sweeps"
    sample = np.random.default_rng(1).integers(0, [[M.shape[0]], [M.shape[1]]], (2, 10000))

    def run(device):
        def fit():
            res = lralg.complete(
                M, rank, method="altmin", reg=reg, init="random", max_iter=sweeps, tol=0, rng=0, device=device
            )
            return res.predict(*sample)

        return fit

    def run_cupy():
        U, V = completion_cupy(M, rank, reg, sweeps, 0)
        return np.einsum("ij,ij->i", U[sample[0]], V[sample[1]])

    _, P = measure(task, "lralg, CPU", run("cpu"), None)
    if has_gpu:
        measure(task, "lralg, CUDA", run("cuda"), P)
    if cp is not None:
        measure(task, "CuPy (scatter-add + batched solve)", run_cupy, P)


def svd_cupy(A, rank, oversampling, power_iters, seed):
    """The block Krylov range finder of lralg.truncated_svd, written with CuPy."""
    cp, _ = _cupy()
    Ad = cp.asarray(A)
    short = Ad.T if A.shape[0] > A.shape[1] else Ad  # work on the short side, as lralg does
    rng = cp.random.default_rng(seed)
    Y, _ = cp.linalg.qr(short @ rng.standard_normal((short.shape[1], rank + oversampling), dtype=A.dtype))
    blocks = [Y]
    for _ in range(power_iters):
        Z, _ = cp.linalg.qr(short.T @ Y)
        Y, _ = cp.linalg.qr(short @ Z)
        blocks.append(Y)
    K, _ = cp.linalg.qr(cp.concatenate(blocks, axis=1))
    s = cp.linalg.svd(short.T @ K, compute_uv=False)[:rank]
    out = cp.asnumpy(s)
    cp.cuda.runtime.deviceSynchronize()
    return out


def decaying_matrix(shape):
    rng = np.random.default_rng(0)
    # decaying spectrum: a rank-50 signal plus noise, made in float32 by blocks of rows
    W = rng.standard_normal((50, shape[1]), dtype=np.float32)
    decay = (0.9 ** np.arange(50)).astype(np.float32)
    A = np.empty(shape, dtype=np.float32)
    for lo in range(0, shape[0], 10000):
        hi = min(lo + 10000, shape[0])
        A[lo:hi] = (rng.standard_normal((hi - lo, 50), dtype=np.float32) * decay) @ W
        A[lo:hi] += 0.01 * rng.standard_normal((hi - lo, shape[1]), dtype=np.float32)
    return A


def bench_svd(A, measure, has_gpu, cp, rank=20, power_iters=2):
    shape = A.shape
    task = f"truncated SVD, {shape[0]} x {shape[1]} float32, rank {rank}"

    def run(device):
        return lambda: lralg.truncated_svd(A, rank, power_iters=power_iters, rng=0, device=device).s

    _, s = measure(task, "lralg, CPU", run("cpu"), None)
    if has_gpu:
        measure(task, "lralg, CUDA", run("cuda"), s)
    if cp is not None:
        measure(task, "CuPy (cuBLAS + cuSOLVER)", lambda: svd_cupy(A, rank, 10, power_iters, 0), s)


def _orth(cp, Z, against):
    """Orthonormal basis of Z with the columns of `against` projected out twice."""
    for _ in range(2):
        if against is not None and against.shape[1]:
            Z = Z - against @ (against.T @ Z)
    Z, _ = cp.linalg.qr(Z)
    return Z


def isvd_cupy(blocks, rank, k_keep, seed):
    """The incremental SVD's sketched block update (lralg/isvd.hpp, one power iteration), with CuPy."""
    cp, _ = _cupy()
    rng = cp.random.default_rng(seed)
    Q, lam = None, None
    for X in blocks:
        A = cp.asarray(X).T  # m x b: the items are the block's rows
        b = A.shape[1]
        Yt = A.T @ Q if Q is not None else cp.zeros((b, 0), dtype=A.dtype)
        norms = cp.linalg.norm(Yt, axis=0)
        start = cp.concatenate(
            [Yt * (np.sqrt(b) / cp.maximum(norms, 1e-30)), rng.standard_normal((b, k_keep), dtype=A.dtype)],
            axis=1,
        )

        def residual_times(W, A=A, Yt=Yt):
            Z = A @ W
            return Z - Q @ (Yt.T @ W) if Q is not None else Z

        K0 = _orth(cp, residual_times(start), Q)
        QK = K0 if Q is None else cp.concatenate([Q, K0], axis=1)
        K1 = _orth(cp, residual_times(A.T @ K0), QK)
        Qr = cp.concatenate([K0, K1], axis=1)
        C = cp.concatenate([Yt, A.T @ Qr], axis=1).astype(cp.float64)
        E = C.T @ C
        k0 = Yt.shape[1]
        E[cp.arange(k0), cp.arange(k0)] += lam if lam is not None else 0
        w, V = cp.linalg.eigh(E)
        V, lam = V[:, ::-1][:, :k_keep], w[::-1][:k_keep]
        V = V.astype(A.dtype)
        Q = (Qr @ V[k0:]) if Q is None else Q @ V[:k0] + Qr @ V[k0:]
    out = cp.asnumpy(cp.sqrt(cp.maximum(lam[:rank], 0)))
    cp.cuda.runtime.deviceSynchronize()
    return out


def bench_isvd(A, measure, has_gpu, cp, rank=20, oversampling=5, n_blocks=10):
    shape = A.shape
    task = f"incremental SVD, {shape[0]} x {shape[1]} float32 in {n_blocks} blocks, rank {rank}"
    blocks = np.array_split(A, n_blocks, axis=0)

    def run(device):
        return lambda: (
            lralg.incremental_svd(
                blocks,
                rank,
                oversampling=oversampling,
                residual="sketch",
                compute_u=False,
                rng=0,
                device=device,
            ).s
        )

    _, s = measure(task, "lralg, CPU", run("cpu"), None, repeat=1, warmup=0)
    if has_gpu:
        measure(task, "lralg, CUDA", run("cuda"), s, repeat=1)
    if cp is not None:
        measure(
            task,
            "CuPy (cuBLAS + cuSOLVER)",
            lambda: isvd_cupy(blocks, rank, rank + oversampling, 0),
            s,
            repeat=1,
        )


def eig_cupy(A, n_blocks, seed):
    """The random-order block power method's steps (no heavy rows), with CuPy."""
    cp, _ = _cupy()
    n = A.shape[0]
    z = cp.random.default_rng(seed).standard_normal(A.shape[1])
    z /= cp.linalg.norm(z)
    for p in range(n_blocks):
        lo, hi = p * n // n_blocks, (p + 1) * n // n_blocks
        B = cp.asarray(A[lo:hi]).astype(cp.float64)
        step = (n / (hi - lo)) * (B.T @ (B @ z))
        z = step / cp.linalg.norm(step)
    out = cp.asnumpy(z)
    out *= np.sign(out[np.argmax(np.abs(out))])
    cp.cuda.runtime.deviceSynchronize()
    return out


def bench_eig(A, measure, has_gpu, cp, n_blocks=16):
    task = f"top eigenvector, {A.shape[0]} x {A.shape[1]} float32, {n_blocks} power steps"

    def run(device):
        return lambda: lralg.top_eigenvector(A, n_blocks=n_blocks, rng=0, device=device).vector

    _, v = measure(task, "lralg, CPU", run("cpu"), None, repeat=1, warmup=0)
    if has_gpu:
        measure(task, "lralg, CUDA", run("cuda"), v, repeat=1)
    if cp is not None:
        measure(task, "CuPy (cuBLAS)", lambda: eig_cupy(A, n_blocks, 0), v, repeat=1)


def main(argv=None):
    args = parser(__doc__).parse_args(argv)
    info = lralg.config()
    has_gpu = info["cuda"] and info["cuda_devices"] > 0
    cp, _ = _cupy()
    rows = []

    def measure(task, label, fn, reference, repeat=None, warmup=1):
        try:
            median, _, out = time_call(fn, repeat=repeat or args.repeat, warmup=warmup)
        except Exception as exc:  # one failing side (CuPy, the device) must not lose the others
            print(f"{task}, {label}: failed: {type(exc).__name__}: {exc}")
            return None, None
        diff = float(np.max(np.abs(out - reference))) if reference is not None else 0.0
        rows.append({"task": task, "method": label, "median s": median, "max |diff|": diff})
        print(f"{task} | {label} | {median:.3f} s | max |diff| {diff:.3g}", flush=True)
        return median, out

    n = 10**5 if args.quick else 10**6
    bench_fastrp(n, measure, has_gpu, cp)
    bench_projection(n, measure, has_gpu, cp)
    bench_completion(10**6 if args.quick else 10**7, measure, has_gpu, cp)
    A = decaying_matrix((20000, 4000) if args.quick else (100000, 20000))
    bench_svd(A, measure, has_gpu, cp)
    bench_isvd(A, measure, has_gpu, cp)
    bench_eig(A, measure, has_gpu, cp)
    for row in rows:
        cpu = next(r["median s"] for r in rows if r["task"] == row["task"] and r["method"] == "lralg, CPU")
        row["speed-up over CPU"] = cpu / row["median s"]
    report(
        "cuda",
        rows,
        ["task", "method", "median s", "speed-up over CPU", "max |diff|"],
        note=f"device: {info['cuda_device'] or 'no GPU'}; CPU: {info['threads']} threads; transfers included",
    )


if __name__ == "__main__":
    main()
