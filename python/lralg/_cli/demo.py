"""``python -m lralg demo``: every capability on a small built-in example."""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp

import lralg
from lralg.streaming import _exact_top_eigenvector

from ._command import Command

__all__ = ["COMMAND", "DEMOS"]


def _projection() -> dict:
    """A small run for ``python -m lralg demo``: distance distortion on random points."""
    from scipy.spatial.distance import pdist

    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 5000))
    Y = lralg.sparse_random_projection(X, 1000, rng=0)
    ratio = pdist(Y) / pdist(X)
    return {
        "problem": "300 points in 5000-D -> 1000-D",
        "result": f"distance ratios in [{ratio.min():.3f}, {ratio.max():.3f}]",
    }


def _completion() -> dict:
    """A small run for ``python -m lralg demo``: exact recovery of a rank-5 matrix."""
    rng = np.random.default_rng(0)
    m, n, k = 400, 300, 5
    A = rng.standard_normal((m, k)) @ rng.standard_normal((k, n))
    mask = rng.random((m, n)) < 0.15
    M = sp.csr_array((A[mask], np.nonzero(mask)), shape=(m, n))
    res = lralg.complete(M, k, rng=0, tol=1e-10)
    err = np.linalg.norm(res.to_dense() - A) / np.linalg.norm(A)
    return {
        "problem": f"rank-{k} {m}x{n}, 15% of entries seen",
        "result": f"relative error {err:.1e} after {res.n_iter} sweeps",
    }


def _isvd() -> dict:
    """A small run for ``python -m lralg demo``: streaming digits-like data."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2000, 30)) @ rng.standard_normal((30, 300))
    X += 0.01 * rng.standard_normal(X.shape)
    u, s, vt = lralg.incremental_svd(np.array_split(X, 10), 10, rng=0)
    exact = np.linalg.svd(X, compute_uv=False)
    err = np.linalg.norm(X - (u * s) @ vt) / np.linalg.norm(X)
    best = np.sqrt(np.sum(exact[10:] ** 2) / np.sum(exact**2))
    return {
        "problem": "2000 x 300 rank-30 matrix in 10 row blocks, rank 10",
        "result": f"relative error {err:.4f} (exact SVD {best:.4f})",
    }


def _streaming() -> dict:
    """``python -m lralg demo``: a random-order stream with heavy rows, small gap."""
    rng = np.random.default_rng(0)
    n, d = 10000, 100
    U, _ = np.linalg.qr(rng.standard_normal((d, d)))
    scales = np.concatenate([[math.sqrt(5.0)], np.linspace(1.0, 0.3, d - 1)])
    A = (rng.standard_normal((n, d)) * scales) @ U.T
    A[:5] *= 30.0
    A = A[rng.permutation(n)]
    v1, _ = _exact_top_eigenvector(A)
    res = lralg.top_eigenvector(A, rng=0)
    oja = lralg.top_eigenvector(A, method="oja", rng=0)
    return {
        "problem": f"{n}x{d} rows in random order, gap 5, 5 heavy rows",
        "result": f"<v,v1>^2 random-order {np.dot(res.vector, v1) ** 2:.4f} "
        f"({res.n_heavy} heavy kept), oja (default eta) {np.dot(oja.vector, v1) ** 2:.4f}",
    }


def _recovery() -> dict:
    """A small run for ``python -m lralg demo``: robust sensing with 20% outliers."""
    rng = np.random.default_rng(0)
    d, r, m = 16, 2, 640
    U = rng.standard_normal((d, r))
    X = U @ U.T
    op = lralg.GaussianSensing(d, m, rng=1)
    y = op.matvec(X)
    bad = rng.random(y.size) < 0.2
    y[bad] += 20 * rng.standard_normal(bad.sum()) * np.abs(y).mean()
    res = lralg.recover(y, op, 2 * r, rng=2, max_iter=800)
    err = np.linalg.norm(res.X - X) / np.linalg.norm(X)
    return {
        "problem": f"{d}x{d} rank {r} PSD, {m} Gaussian measurements, 20% outliers, rank 2r",
        "result": f"relative error {err:.1e} after {res.n_iter} sub-gradient steps",
    }


def _fastrp() -> dict:
    """A small run for ``python -m lralg demo``: two communities, embedded and separated."""
    rng = np.random.default_rng(0)
    n, half = 400, 200
    block = np.arange(n) // half
    p = np.where(block[:, None] == block[None, :], 0.1, 0.005)
    upper = np.triu(rng.random((n, n)) < p, 1)
    A = sp.csr_array((upper | upper.T).astype(np.float64))
    E = lralg.fastrp(A, 32, rng=0)
    centroids = np.stack([E[block == b].mean(0) for b in (0, 1)])
    nearest = np.argmin(((E[:, None, :] - centroids[None]) ** 2).sum(-1), axis=1)
    accuracy = (nearest == block).mean()
    return {
        "problem": "2-block SBM, 400 nodes -> 32-D FastRP",
        "result": f"nearest-centroid accuracy {accuracy:.3f}",
    }


def _deltaproduct() -> dict:
    """A small run for ``python -m lralg demo``: the chunked scan against one step at a time."""
    rng = np.random.default_rng(0)
    T, n_h, d = 256, 2, 16
    q = rng.standard_normal((4, T, d))
    k = rng.standard_normal((4, T * n_h, d))
    k /= np.linalg.norm(k, axis=-1, keepdims=True)
    v = rng.standard_normal((4, T * n_h, d))
    beta = rng.uniform(0, 2, (4, T * n_h))
    chunked = lralg.delta_product_scan(q, k, v, beta, n_h, chunk_size=32).output
    stepwise = lralg.delta_product_scan(q, k, v, beta, n_h, chunk_size=1).output
    err = np.abs(chunked - stepwise).max() / np.abs(stepwise).max()
    return {
        "problem": f"4 sequences x {T} tokens, n_h {n_h}, d {d}",
        "result": f"chunked vs token-by-token: max relative difference {err:.1e}",
    }


def _lambda_determinant() -> dict:
    """A small run for ``python -m lralg demo``: the 2-enumeration of alternating sign matrices."""
    n = 6
    value = lralg.lambda_determinant(np.ones((n, n), dtype=int), 1)
    return {
        "problem": f"lambda-determinant of the {n}x{n} ones matrix at lam = 1",
        "result": f"{value} (= 2^(n(n-1)/2) = {2 ** (n * (n - 1) // 2)})",
    }


# Each returns {"problem": ..., "result": ...}; a new capability adds its demo here.
DEMOS = {
    "projection": _projection,
    "completion": _completion,
    "isvd": _isvd,
    "streaming": _streaming,
    "recovery": _recovery,
    "fastrp": _fastrp,
    "deltaproduct": _deltaproduct,
    "lambda_determinant": _lambda_determinant,
}


def _run(args) -> int:
    rows = []
    for name, demo in DEMOS.items():
        start = time.perf_counter()
        row = demo()
        rows.append((name, row["problem"], row["result"], f"{time.perf_counter() - start:.3f}"))
    header = ("capability", "problem", "result", "seconds")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"

    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))
    return 0


COMMAND = Command("demo", "run every capability on a small built-in example", lambda parser: None, _run)
