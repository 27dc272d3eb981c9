"""Benchmark of lralg.recover: the papers' synthetic experiments, speed, robust completion.

    python -m bench.recovery [--quick] [--repeat N] [--no-plot]

1. Ma and Fattahi (arXiv 2202.08788): sub-gradient method on the l1 loss with
   small initialization, X = U U^T of rank r, factors of rank r' in {r, 2r, 5r},
   Gaussian measurements with a fraction of gross outliers (0 .. 0.5) or
   Gaussian noise: relative error against iteration.
2. Xiong, Ding and Du (arXiv 2310.01769): asymmetric GD on the l2 loss, plain
   and with the one-step modification: iterations to relative error 1e-6
   against the initialization scale alpha.
3. Speed of the Gaussian operator (the measurement matrices are regenerated
   on every product, never stored): time per matvec / rmatvec (one iteration
   does one of each) against d and m, on 1 and 2 threads, and peak memory.
4. Robust completion (rank 5, 20% observed, 10% of those corrupted): lralg's
   sub-gradient method against convex robust PCA with missing entries (inexact
   ALM, numpy) and tensorly's robust_pca with a mask (n <= 300 only: slow).
A convergence plot goes to docs/recovery_convergence.png (matplotlib).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

import lralg
from bench._harness import parser, peak_python_memory, report, time_call

DOCS = Path(__file__).resolve().parent.parent / "docs"


def rel(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def first_below(hist, level):
    idx = np.nonzero(np.asarray(hist) < level)[0]
    return int(idx[0]) if idx.size else None


# --------------------------------------------------------------------------- 1. sub-gradient


def subgradient_experiment(d, r, factor, max_iter, seed=0):
    rng = np.random.default_rng(seed)
    U = rng.standard_normal((d, r))
    X = U @ U.T
    m = factor * d * r
    op = lralg.GaussianSensing(d, m, rng=seed + 1)
    clean = op.matvec(X)
    scale = float(np.abs(clean).mean())
    rows, curves = [], {}
    cases = [("outliers", p) for p in (0.0, 0.1, 0.3, 0.5)] + [("gaussian noise", 1e-3)]
    for rp_mult in (1, 2, 5):
        rp = rp_mult * r
        for kind, level in cases:
            y = clean.copy()
            if kind == "outliers":
                bad = rng.random(m) < level
                y[bad] += 10 * scale * rng.standard_normal(int(bad.sum()))
                noise_floor = 0.0
            else:
                noise = level * scale * rng.standard_normal(m)
                y += noise
                noise_floor = float(np.linalg.norm(noise) / np.linalg.norm(clean))
            start = time.perf_counter()
            res = lralg.recover(y, op, rp, init_scale=1e-5, max_iter=max_iter, tol=0.0,
                                X_true=X, rng=seed)
            seconds = time.perf_counter() - start
            err = res.error_history
            rows.append({
                "d": d, "r": r, "r'": rp, "m": m, "corruption": f"{kind} {level:g}",
                "final error": float(err[-1]), "min error": float(err.min()),
                "iters to 1e-6": first_below(err, 1e-6) or f">{max_iter}",
                "noise level": noise_floor, "s/iter": seconds / max(res.n_iter, 1),
            })
            curves[(rp, kind, level)] = err
    return rows, curves


# --------------------------------------------------------------------------- 2. GD, one step


def gd_experiment(d, r, k, factor, max_iter, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((d, r)) @ rng.standard_normal((d, r)).T
    op = lralg.GaussianSensing((d, d), factor * d * k, symmetric=False, rng=seed + 1)
    y = op.matvec(X)
    rows, curves = [], {}
    for alpha in (1e-1, 1e-2, 1e-3, 1e-4):
        row = {"d": d, "r": r, "k": k, "m": op.n_measurements, "alpha": alpha}
        for method in ("gd", "gd-onestep"):
            res = lralg.recover(y, op, k, method=method, parameterization="asymmetric",
                                init_scale=alpha, max_iter=max_iter, tol=0.0, X_true=X, rng=seed)
            hit = first_below(res.error_history, 1e-6)
            row[f"{method} iters to 1e-6"] = hit if hit is not None else f">{max_iter}"
            row[f"{method} final error"] = float(res.error_history[-1])
            if method == "gd-onestep":
                row["switch at"] = res.switch_iter
            curves[(method, alpha)] = res.error_history
        rows.append(row)
    return rows, curves


# --------------------------------------------------------------------------- 3. speed


def speed(sizes, repeat):
    rows = []
    for d, m in sizes:
        op = lralg.GaussianSensing(d, m, rng=0)
        X = np.random.default_rng(0).standard_normal((d, d))
        y = op.matvec(X)
        row = {"d": d, "m": m}
        for threads in (1, 2):
            with lralg.threads(threads):
                t_mv, _, _ = time_call(lambda: op.matvec(X), repeat=repeat, warmup=0)
                t_rm, _, _ = time_call(lambda: op.rmatvec(y), repeat=repeat, warmup=0)
            row[f"matvec s ({threads}t)"] = t_mv
            row[f"rmatvec s ({threads}t)"] = t_rm
        row["s/iter (2t)"] = row["matvec s (2t)"] + row["rmatvec s (2t)"]
        row["speed-up 2t"] = (row["matvec s (1t)"] + row["rmatvec s (1t)"]) / row["s/iter (2t)"]
        row["Mnormals/s (2t)"] = 2 * m * d * d / row["s/iter (2t)"] / 1e6
        peak, _ = peak_python_memory(lambda: op.rmatvec(y))
        row["peak Python MB (rmatvec)"] = peak / 2**20  # plus one n1 x n2 float64 buffer in the core
        row["stored A would be MB"] = m * d * d * 8 / 2**20
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- 4. completion


def rpca_ialm(D, mask, lam, tol=1e-7, max_iter=200):
    """min ||L||_* + lam ||S||_1 s.t. L + S = D on the observed entries (S free elsewhere)."""
    norm2 = np.linalg.norm(D, 2)
    Y = D / max(norm2, np.abs(D).max() / lam)
    mu, mu_max, rho = 1.25 / norm2, 1e7 / norm2, 1.5
    S = np.zeros_like(D)
    L = np.zeros_like(D)
    dnorm = np.linalg.norm(D)
    for it in range(1, max_iter + 1):
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
    out.append({"method": "lralg.recover (subgradient, l1)", "n": n, "observed": y.size,
                "iterations": res.n_iter, "seconds": t, "relative error": rel(res.X, X)})
    # Baseline 1: convex robust PCA with missing entries by the inexact augmented
    # Lagrangian method (Lin, Chen and Ma 2010), lambda = 1/sqrt(p n), in numpy.
    D = np.zeros((n, n))
    D[rows_, cols_] = y
    t, _, (L, its) = time_call(lambda: rpca_ialm(D, mask, 1.0 / np.sqrt(0.2 * n)),
                               repeat=max(1, repeat // 2), warmup=0)
    out.append({"method": "RPCA inexact ALM with mask (numpy)", "n": n, "observed": y.size,
                "iterations": its, "seconds": t, "relative error": rel(L, X),
                "time ratio vs lralg": t / out[0]["seconds"]})
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
        return robust_pca(D, mask=mask.astype(float), reg_E=2.0 / np.sqrt(n), mu_init=1e-2,
                          learning_rate=1.2, n_iter_max=n_iter, verbose=0)

    t, _, (Dt, _E) = time_call(run_rpca, repeat=1, warmup=0)
    out.append({"method": f"tensorly robust_pca (masked, reg_E=2/sqrt(n))", "n": n,
                "observed": y.size, "iterations": n_iter, "seconds": t, "relative error": rel(Dt, X),
                "time ratio vs lralg": t / out[0]["seconds"]})
    return out


# --------------------------------------------------------------------------- plot


def plot(sub_curves, gd_curves, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), dpi=90)
    ax = axes[0]
    rps = sorted({k[0] for k in sub_curves})
    rp = rps[1] if len(rps) > 1 else rps[0]
    for (rp_, kind, level), err in sub_curves.items():
        if rp_ == rp:
            ax.semilogy(err, label=f"{kind} {level:g}")
    ax.set_title(f"sub-gradient (l1), r'={rp}")
    ax.set_xlabel("iteration")
    ax.set_ylabel("||X_t - X*||_F / ||X*||_F")
    ax.legend(fontsize=7)
    ax = axes[1]
    for (method, alpha), err in gd_curves.items():
        ax.semilogy(err, ls="-" if method == "gd" else "--", label=f"{method} a={alpha:g}")
    ax.set_title("asymmetric GD (l2): plain vs one-step")
    ax.set_xlabel("iteration")
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    path.parent.mkdir(exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def main(argv=None):
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--no-plot", action="store_true", help="do not write the convergence PNG")
    args = p.parse_args(argv)
    start = time.perf_counter()
    if args.quick:
        sub = dict(d=10, r=1, factor=20, max_iter=100)
        gd = dict(d=10, r=1, k=2, factor=10, max_iter=300)
        sizes = [(30, 300)]
        comp_n, repeat = 150, 1
    else:
        sub = dict(d=40, r=2, factor=10, max_iter=800)
        gd = dict(d=20, r=2, k=4, factor=8, max_iter=1500)
        sizes = [(100, 1000), (100, 3000), (200, 3000), (300, 3000), (500, 1500)]
        comp_n, repeat = 1000, args.repeat

    rows, sub_curves = subgradient_experiment(**sub)
    report("recovery_subgradient", rows,
           ["d", "r", "r'", "m", "corruption", "final error", "min error", "iters to 1e-6",
            "noise level", "s/iter"],
           note="Ma-Fattahi SubGM, X = U U^T, init_scale 1e-5, default steps (eta_0 0.5, rho 0.97).")
    rows, gd_curves = gd_experiment(**gd)
    report("recovery_gd_onestep", rows,
           note="Xiong-Ding-Du: asymmetric F G^T, F_0 ~ alpha, G_0 ~ alpha/3; iterations to 1e-6.")
    report("recovery_speed", speed(sizes, max(1, min(args.repeat, 3))),
           note="Gaussian operator: one iteration = one matvec + one rmatvec; A_i regenerated each time.")
    report("recovery_completion", completion(comp_n, 5, max(1, min(args.repeat, 3))),
           note="rank 5, 20% observed, 10% of observations corrupted by +-10 max|X|.")
    if not args.no_plot:
        try:
            plot(sub_curves, gd_curves, DOCS / "recovery_convergence.png")
            print(f"\nwrote {DOCS / 'recovery_convergence.png'}")
        except ImportError:
            print("\nmatplotlib not installed: no plot")
    print(f"\ntotal {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
