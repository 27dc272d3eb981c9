"""Robust completion for bench.recovery: lralg.recover with EntrySampling against convex RPCA
(inexact ALM written here, and tensorly's robust_pca)."""

from __future__ import annotations

import numpy as np

import lralg
from bench._harness import time_call


def rel(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def rpca_ialm(D, mask, lam, tol=1e-7, max_iter=200):
    """min ||L||_* + lam ||S||_1 s.t. L + S = D on the observed entries (S free elsewhere)."""
    norm2 = np.linalg.norm(D, 2)
    Y = D / max(norm2, np.abs(D).max() / lam)
    mu, mu_max, rho = 1.25 / norm2, 1e7 / norm2, 1.5
    S = np.zeros_like(D)
    L = np.zeros_like(D)
    dnorm = np.linalg.norm(D)
    for it in range(1, max_iter + 1):  # noqa: B007 (returned)
        U, sv, Vt = np.linalg.svd(D - S + Y / mu, full_matrices=False)
        keep = sv > 1.0 / mu
        L = (U[:, keep] * (sv[keep] - 1.0 / mu)) @ Vt[keep]
        T = D - L + Y / mu
        S = np.where(mask, np.sign(T) * np.maximum(np.abs(T) - lam / mu, 0.0), T)
        Z = D - L - S
        Y += mu * Z
        mu = min(mu * rho, mu_max)
        if np.linalg.norm(Z) <= tol * dnorm:
            break
    return L, it


def completion(n, r, repeat, seed=0, max_iter=800):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, r)) @ rng.standard_normal((n, r)).T
    mask = rng.random((n, n)) < 0.2
    rows_, cols_ = np.nonzero(mask)
    op = lralg.EntrySampling((n, n), rows_, cols_)
    y = op.matvec(X)
    bad = rng.random(y.size) < 0.1
    y[bad] += 10 * np.abs(X).max() * rng.choice([-1.0, 1.0], int(bad.sum()))
    out = []

    def run_lralg():
        return lralg.recover(y, op, r, parameterization="asymmetric", max_iter=max_iter, rng=seed)

    t, _, res = time_call(run_lralg, repeat=repeat, warmup=0)
    out.append(
        {
            "method": "lralg.recover (subgradient, l1)",
            "n": n,
            "observed": y.size,
            "iterations": res.n_iter,
            "seconds": t,
            "relative error": rel(res.X, X),
        }
    )
    # Baseline 1: convex robust PCA with missing entries by the inexact augmented
    # Lagrangian method (Lin, Chen and Ma 2010), lambda = 1/sqrt(p n), in numpy.
    D = np.zeros((n, n))
    D[rows_, cols_] = y
    t, _, (L, its) = time_call(
        lambda: rpca_ialm(D, mask, 1.0 / np.sqrt(0.2 * n)), repeat=max(1, repeat // 2), warmup=0
    )
    out.append(
        {
            "method": "RPCA inexact ALM with mask (numpy)",
            "n": n,
            "observed": y.size,
            "iterations": its,
            "seconds": t,
            "relative error": rel(L, X),
            "time ratio vs lralg": t / out[0]["seconds"],
        }
    )
    # Baseline 2: tensorly's robust_pca with a mask (tensor RPCA by ALM); its
    # full-size SVDs make it slow here, so it runs only up to n = 300.
    try:
        import tensorly as tl
        from tensorly.decomposition import robust_pca
    except ImportError:
        out.append({"method": "tensorly robust_pca", "n": n, "iterations": "not installed"})
        return out
    if n > 300:
        out.append({"method": "tensorly robust_pca (masked)", "n": n, "iterations": "skipped (n > 300)"})
        return out
    tl.set_backend("numpy")
    n_iter = 30 if n <= 100 else 100

    def run_rpca():
        return robust_pca(
            D,
            mask=mask.astype(float),
            reg_E=2.0 / np.sqrt(n),
            mu_init=1e-2,
            learning_rate=1.2,
            n_iter_max=n_iter,
            verbose=0,
        )

    t, _, (Dt, _E) = time_call(run_rpca, repeat=1, warmup=0)
    out.append(
        {
            "method": "tensorly robust_pca (masked, reg_E=2/sqrt(n))",
            "n": n,
            "observed": y.size,
            "iterations": n_iter,
            "seconds": t,
            "relative error": rel(Dt, X),
            "time ratio vs lralg": t / out[0]["seconds"],
        }
    )
    return out


# --------------------------------------------------------------------------- plot
