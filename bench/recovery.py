"""Benchmark of lralg.recover: the papers' synthetic experiments, speed, robust completion.

    python -m bench.recovery [--quick] [--repeat N] [--no-plot | --plot-only | --illcond-only]

The full run takes about 2 minutes on a quiet 2-core machine (the
d = 500 cases and the n = 1000 convex RPCA baseline take most of it); --quick
takes well under a minute. Each section prints its time.

1. Ma and Fattahi (arXiv 2202.08788): sub-gradient method on the l1 loss with
   small initialization, X = U U^T of rank r, factors of rank r' in {r, 2r, 5r},
   a fraction p in {0, 0.1, 0.3, 0.5} of the measurements grossly corrupted, or
   dense Gaussian noise: relative error against iteration, iterations to 1e-6;
   and X = F G^T (parameterization="asymmetric") on the DCT operator.
   (a) Gaussian measurements (the papers' model, lralg.GaussianSensing) at
   d = 30 and d = 100 (the operator keeps its draws within its memory
   budget; regenerating them on every product took minutes per run). (b) d = 100, 200, 500 with a structured
   operator that has the same isotropy, a random-sign orthonormal DCT of
   vec(X) sampled at m positions (a user operator: the Python path of recover).
2. Xiong, Ding and Du (arXiv 2310.01769): asymmetric GD on the l2 loss, plain
   and with the one-step modification: iterations to relative error 1e-6 and
   the measured linear rate against the initialization scale alpha.
3. Speed of the Gaussian operator, its draws kept (the default, within 256
   MiB) and regenerated on every product (max_bytes=0), beside NumPy with the
   matrices kept: time per matvec / rmatvec (one iteration does one of each)
   against d and m, on 1 and 2 threads, and peak memory; the time per
   iteration of recover() beside it (the Python loop's share).
4. Robust completion (rank 5, 20% observed, 10% of those corrupted): lralg's
   sub-gradient method against convex robust PCA with missing entries (inexact
   ALM, numpy) and tensorly's robust_pca with a mask (n <= 300 only: slow).
A convergence plot goes to docs/recovery_convergence.png (matplotlib).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import scipy.fft

import lralg
from bench._harness import parser, peak_python_memory, report, time_call
from bench._recovery_completion import completion

DOCS = Path(__file__).resolve().parent.parent / "docs"


def first_below(hist, level):
    idx = np.nonzero(np.asarray(hist) < level)[0]
    return int(idx[0]) if idx.size else None


class RandomSignDCT:
    """A(X)_j = sqrt(n1 n2) [C (s * vec X)]_{p_j}: C the orthonormal DCT-II, s random signs.

    E A(X)_j^2 = ||X||_F^2 as for Gaussian measurements; O(n1 n2 log(n1 n2))
    per product whatever m. A user operator (matvec / rmatvec / shape).
    """

    def __init__(self, shape, n_measurements, rng=0):
        gen = np.random.default_rng(rng)
        self.shape = tuple(shape)
        self.size = self.shape[0] * self.shape[1]
        self.n_measurements = int(n_measurements)
        self.signs = gen.choice([-1.0, 1.0], self.size)
        self.rows = np.sort(gen.choice(self.size, self.n_measurements, replace=False))
        self.c = math.sqrt(self.size)

    def matvec(self, X):
        z = scipy.fft.dct(self.signs * np.asarray(X, dtype=np.float64).reshape(-1), norm="ortho", workers=-1)
        return self.c * z[self.rows]

    def rmatvec(self, s):
        z = np.zeros(self.size)
        z[self.rows] = self.c * np.asarray(s, dtype=np.float64)
        return (self.signs * scipy.fft.idct(z, norm="ortho", workers=-1)).reshape(self.shape)


def n_measurements(d, r, p, cap):
    """m = 12 d r / (1 - p)^2: the clean measurements the l1 loss needs grow as 1/(1-p)^2."""
    return int(min(round(12 * d * r / (1.0 - p) ** 2), cap))


# --------------------------------------------------------------------------- 1. sub-gradient

CASES = [("outliers", p) for p in (0.0, 0.1, 0.3, 0.5)] + [("gaussian noise", 1e-3)]


def subgradient_experiment(
    d,
    r,
    max_iter,
    operator="dct",
    cases=CASES,
    rp_mults=(1, 2, 5),
    seed=0,
    parameterization="symmetric",
    singular_values=None,
    method="subgradient",
):
    rng = np.random.default_rng(seed)
    symmetric = parameterization == "symmetric"
    if singular_values is None:
        U = rng.standard_normal((d, r))
        X = U @ U.T if symmetric else U @ rng.standard_normal((d, r)).T
    else:  # prescribed singular values (ill-conditioned X), random singular vectors
        Q1 = np.linalg.qr(rng.standard_normal((d, r)))[0]
        Q2 = Q1 if symmetric else np.linalg.qr(rng.standard_normal((d, r)))[0]
        X = (Q1 * np.asarray(singular_values, dtype=float)) @ Q2.T
    rows, curves = [], {}
    for kind, level in cases:
        p = level if kind == "outliers" else 0.0
        if operator == "gaussian":
            m = n_measurements(d, r, p, np.inf)
            op = lralg.GaussianSensing(d, m, symmetric=symmetric, rng=seed + 1)
            shape = None
        else:
            m = n_measurements(d, r, p, d * d)
            op = RandomSignDCT((d, d), m, rng=seed + 1)
            shape = (d, d)
        clean = op.matvec(X)
        scale = float(np.abs(clean).mean())
        y = clean.copy()
        if kind == "outliers":
            bad = rng.random(m) < level
            y[bad] += 10 * scale * rng.standard_normal(int(bad.sum()))
            noise_floor = 0.0
        else:
            noise = level * scale * rng.standard_normal(m)
            y += noise
            noise_floor = float(np.linalg.norm(noise) / np.linalg.norm(clean))
        for rp_mult in rp_mults:
            rp = rp_mult * r
            start = time.perf_counter()
            res = lralg.recover(
                y,
                op,
                rp,
                max_iter=max_iter,
                tol=0.0,
                X_true=X,
                rng=seed,
                matrix_shape=shape,
                parameterization=parameterization,
                method=method,
            )
            seconds = time.perf_counter() - start
            err = res.error_history
            hit = first_below(err, 1e-6)
            rows.append(
                {
                    "method": method,
                    "max_iter": max_iter,
                    "X": "U U^T" if symmetric else "F G^T",
                    "sigma_1/sigma_r": round(
                        float(
                            np.linalg.svd(X, compute_uv=False)[0] / np.linalg.svd(X, compute_uv=False)[r - 1]
                        ),
                        1,
                    ),
                    "operator": operator,
                    "d": d,
                    "r": r,
                    "r'": rp,
                    "m": m,
                    "corruption": f"{kind} {level:g}",
                    "final error": float(err[-1]),
                    "min error": float(err.min()),
                    "iters to 1e-6": hit if hit is not None else f">{max_iter}",
                    "noise level": noise_floor,
                    "s/iter": seconds / max(res.n_iter, 1),
                    "decay from": res.decay_start,
                }
            )
            curves[(operator, d, rp_mult, kind, level)] = err
    return rows, curves


# --------------------------------------------------------------------------- 2. GD, one step


def linear_rate(err, window=200):
    """Per-iteration contraction of the error over the last `window` iterations above 1e-12."""
    err = np.asarray(err)
    err = err[err > 1e-12]
    if err.size < 20:
        return float("nan")
    w = min(window, err.size - 1)
    return float((err[-1] / err[-1 - w]) ** (1.0 / w))


def gd_experiment(d, r, k, factor, max_iter, seed=0, alphas=(1e-1, 1e-2, 1e-3, 1e-4)):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((d, r)) @ rng.standard_normal((d, r)).T
    m = min(factor * d * k, d * d // 2)
    op = RandomSignDCT((d, d), m, rng=seed + 1)
    y = op.matvec(X)
    rows, curves = [], {}
    for alpha in alphas:
        row = {"d": d, "r": r, "k": k, "m": m, "alpha": alpha}
        for method in ("gd", "gd-onestep"):
            res = lralg.recover(
                y,
                op,
                k,
                method=method,
                parameterization="asymmetric",
                init_scale=alpha,
                max_iter=max_iter,
                tol=0.0,
                X_true=X,
                rng=seed,
                matrix_shape=(d, d),
            )
            err = res.error_history
            hit = first_below(err, 1e-6)
            row[f"{method} iters to 1e-6"] = hit if hit is not None else f">{max_iter}"
            row[f"{method} rate"] = linear_rate(err)
            if method == "gd-onestep":
                row["switch at"] = res.switch_iter
                row["after switch to 1e-6"] = (
                    (hit - res.switch_iter) if (hit is not None and res.switch_iter is not None) else ""
                )
            else:
                row["gd final error"] = float(err[-1])
            curves[(method, alpha)] = err
        rows.append(row)
    return rows, curves


# --------------------------------------------------------------------------- 3. speed


def numpy_stored(op):
    """The operator's matrices as one m x d^2 float64 array: the NumPy anchor of a kept operator."""
    A = np.stack([op.measurement_matrix(i).ravel() for i in range(op.n_measurements)])
    return (lambda X: A @ X.ravel()), (lambda y: (y @ A).reshape(op.shape))


def speed(sizes, repeat):
    rows = []
    for (d, m), budget in ((size, budget) for size in sizes for budget in (0, None)):
        # budget 0: every product regenerates the draws; None: the default budget (kept if they fit)
        kwargs = {} if budget is None else {"max_bytes": budget}
        op = lralg.GaussianSensing(d, m, rng=0, **kwargs)
        X = np.random.default_rng(0).standard_normal((d, d))
        y = op.matvec(X)
        reps = repeat if d <= 100 else 1
        row = {
            "operator": "GaussianSensing" + (" (regenerated)" if budget == 0 else " (defaults)"),
            "d": d,
            "m": m,
            "kept MB": op.stored_bytes / 2**20,
        }
        for threads in (1, 2):
            with lralg.threads(threads):
                t_mv, _, _ = time_call(lambda: op.matvec(X), repeat=reps, warmup=0)
                t_rm, _, _ = time_call(lambda: op.rmatvec(y), repeat=reps, warmup=0)
            row[f"matvec s ({threads}t)"] = t_mv
            row[f"rmatvec s ({threads}t)"] = t_rm
        row["s/iter (2t)"] = row["matvec s (2t)"] + row["rmatvec s (2t)"]
        row["speed-up 2t"] = (row["matvec s (1t)"] + row["rmatvec s (1t)"]) / row["s/iter (2t)"]
        drawn = m * d * (d + 1) // 2  # the symmetric operator draws the packed upper triangle
        row["Mnormals/s (2t)"] = 2 * drawn / row["s/iter (2t)"] / 1e6
        if d <= 100:
            # recover() per iteration: the two products plus the Python loop around them
            n_it = 5
            start = time.perf_counter()
            lralg.recover(y, op, 4, max_iter=n_it, tol=0.0, rng=0)
            whole = time.perf_counter() - start
            start = time.perf_counter()
            lralg.recover(y, op, 4, max_iter=0, rng=0)
            setup = time.perf_counter() - start
            row["recover s/iter"] = (whole - setup) / n_it
        peak, _ = peak_python_memory(lambda: op.rmatvec(y))
        row["peak Python MB (rmatvec)"] = peak / 2**20  # plus one n1 x n2 float64 buffer in the core
        row["stored A would be MB"] = drawn * 8 / 2**20
        rows.append(row)
        if budget is None and m * d * d * 8 <= 2**29:
            matvec, rmatvec = numpy_stored(op)
            t_mv, _, _ = time_call(lambda: matvec(X), repeat=reps, warmup=1)
            t_rm, _, _ = time_call(lambda: rmatvec(y), repeat=reps, warmup=1)
            rows.append(
                {
                    "operator": "NumPy, m x d^2 matrix kept",
                    "d": d,
                    "m": m,
                    "kept MB": m * d * d * 8 / 2**20,
                    "matvec s (2t)": t_mv,
                    "rmatvec s (2t)": t_rm,
                    "s/iter (2t)": t_mv + t_rm,
                }
            )
    for d in sorted({d for d, _ in sizes}):
        m = 5 * d * d // 10
        op = RandomSignDCT((d, d), m)
        X = np.random.default_rng(0).standard_normal((d, d))
        y = op.matvec(X)
        t_mv, _, _ = time_call(lambda: op.matvec(X), repeat=3, warmup=1)
        t_rm, _, _ = time_call(lambda: op.rmatvec(y), repeat=3, warmup=1)
        rows.append(
            {
                "operator": "RandomSignDCT (bench)",
                "d": d,
                "m": m,
                "matvec s (2t)": t_mv,
                "rmatvec s (2t)": t_rm,
                "s/iter (2t)": t_mv + t_rm,
            }
        )
    return rows


# --------------------------------------------------------------------------- 4. completion


PLOT_D = 200  # the DCT size whose curves the figure shows (all five corruption cases)


def plot(sub_curves, gd_curves, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), dpi=90)
    d_big = (
        PLOT_D
        if any(k[:2] == ("dct", PLOT_D) for k in sub_curves)
        else max(k[1] for k in sub_curves if k[0] == "dct")
    )
    for ax, mult in zip(axes[:2], (1, 5)):
        for key, err in sub_curves.items():
            op, d, rp_mult, kind, level = key
            if op == "dct" and d == d_big and rp_mult == mult:
                ax.semilogy(err, label=f"{kind} {level:g}")
        ax.axhline(1e-6, color="grey", lw=0.5, ls=":")
        ax.set_title(f"sub-gradient (l1), d={d_big}, r'={'r' if mult == 1 else f'{mult}r'}")
        ax.set_xlabel("iteration")
        ax.legend(fontsize=7)
    axes[0].set_ylabel("||X_t - X*||_F / ||X*||_F")
    ax = axes[2]
    colors = dict(
        zip(
            sorted({a for _, a in gd_curves}, reverse=True), plt.rcParams["axes.prop_cycle"].by_key()["color"]
        )
    )
    for (method, alpha), err in gd_curves.items():
        ax.semilogy(
            err, ls="-" if method == "gd" else "--", color=colors[alpha], label=f"{method} a={alpha:g}"
        )
    ax.axhline(1e-6, color="grey", lw=0.5, ls=":")
    ax.set_title("asymmetric GD (l2), d=100: plain -, one-step --")
    ax.set_xlabel("iteration")
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    path.parent.mkdir(exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


SUB_COLS = [
    "X",
    "operator",
    "d",
    "r",
    "r'",
    "m",
    "corruption",
    "final error",
    "min error",
    "iters to 1e-6",
    "decay from",
    "noise level",
    "s/iter",
]


def illcond_table(ill, ill_scaled, cols, conditions):
    """Ill-conditioned X: "subgradient" (both parameterizations) and "scaled-subgradient"."""
    rows = []
    for kw in ill:
        for par in ("symmetric", "asymmetric"):
            part, _ = subgradient_experiment(operator="dct", parameterization=par, **kw)
            rows += part
    for kw in ill_scaled:
        for par in ("asymmetric", "symmetric"):
            part, _ = subgradient_experiment(
                operator="dct", parameterization=par, method="scaled-subgradient", **kw
            )
            rows += part
    report(
        "recovery_subgradient_illcond",
        rows,
        ["method", "max_iter", "sigma_1/sigma_r"] + cols,
        note=noted(
            "Ill-conditioned X: singular values 1, 1/2, 1/4 (quick: 1, 1/4), random singular "
            "vectors, lralg defaults. U U^T fits the weak components in most cases thanks to the "
            "step's regrowth after falls of the loss (g = 1.01; at d = 30, p = 0, r' = r this seed "
            "is one that stays unfitted); X = F G^T is still left unfitted by the "
            "'subgradient' defaults (its weak components would need about 4x the growth budget of the strong one: see "
            "docs/recovery.md). method='scaled-subgradient' (sub-gradient blocks preconditioned "
            "by (G^T G + lambda I)^{-1}, (F^T F + lambda I)^{-1}, or (U^T U + lambda I)^{-1}; defaults "
            "eta_0 0.025, lambda 0.05 L2, init_scale 1e-30, the same adaptive schedule) at "
            "sigma_1/sigma_r = 4 and 10 (singular values 1, 10^-1/2, 1/10), r' up to 5r, max_iter 1000.",
            conditions,
        ),
    )


def noted(note: str, conditions: str) -> str:
    """A table's note with the run's --conditions after it."""
    return " ".join(filter(None, (note.strip(), conditions)))


SPEED_NOTE = (
    "Gaussian operator (symmetric): one iteration = one matvec + one rmatvec. "
    "'defaults': the packed upper triangles of all A_i (m d(d+1)/2 normals) drawn once and "
    "kept when they fit the 256 MiB budget (kept MB > 0), else regenerated; "
    "'regenerated' (max_bytes=0): every product regenerates them (batched, vectorised "
    "Philox4x32-10 + ziggurat); Mnormals/s counts those. NumPy anchor: the m x d^2 "
    "matrix kept, one BLAS matrix-vector product each way. The two products of an "
    "iteration cannot be fused: the adjoint's weights sign(A(X_t) - y) need the whole "
    "forward product first."
)


def main(argv=None):
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--no-plot", action="store_true", help="do not write the convergence PNG")
    p.add_argument(
        "--illcond-only",
        action="store_true",
        help="run only the ill-conditioned table (recovery_subgradient_illcond)",
    )
    p.add_argument(
        "--plot-only", action="store_true", help="run only the cases the convergence PNG shows, then write it"
    )
    p.add_argument("--speed-only", action="store_true", help="run only the Gaussian operator's speed table")
    args = p.parse_args(argv)
    start = time.perf_counter()
    if args.plot_only:
        _, sub_curves = subgradient_experiment(operator="dct", d=PLOT_D, r=4, max_iter=1000, rp_mults=(1, 5))
        _, gd_curves = gd_experiment(d=100, r=3, k=6, factor=8, max_iter=3000)
        plot(sub_curves, gd_curves, DOCS / "recovery_convergence.png")
        print(f"wrote {DOCS / 'recovery_convergence.png'} in {time.perf_counter() - start:.1f} s")
        return
    if args.quick:
        gauss = [dict(d=10, r=1, max_iter=800, cases=[("outliers", 0.0), ("outliers", 0.3)], rp_mults=(1, 2))]
        dct = [dict(d=30, r=2, max_iter=800)]
        asym = [dict(d=30, r=2, max_iter=800, cases=[("outliers", 0.0), ("outliers", 0.3)], rp_mults=(1, 2))]
        ill = [
            dict(
                d=30,
                r=2,
                max_iter=800,
                cases=[("outliers", 0.0), ("outliers", 0.3)],
                rp_mults=(1, 2),
                singular_values=(1.0, 0.25),
            )
        ]
        ill_scaled = [
            dict(
                d=30,
                r=2,
                max_iter=1000,
                cases=[("outliers", 0.0), ("outliers", 0.3)],
                rp_mults=(1, 2),
                singular_values=sv,
            )
            for sv in [(1.0, 0.25)]
        ]
        gd = [dict(d=20, r=2, k=4, factor=8, max_iter=600, alphas=(1e-1, 1e-2))]
        sizes = [(30, 300), (60, 2000)]
        comp_n, _repeat = 150, 1
    else:
        gauss = [
            dict(
                d=30,
                r=2,
                max_iter=800,
                cases=[("outliers", 0.0), ("outliers", 0.3), ("gaussian noise", 1e-3)],
            ),
            # d = 100: m = 3600 and 4444, whose draws (145 and 180 MB) the operator keeps
            dict(d=100, r=3, max_iter=800, cases=[("outliers", 0.0), ("outliers", 0.1)], rp_mults=(1, 2)),
        ]
        dct = [
            dict(d=100, r=3, max_iter=800),
            dict(d=200, r=4, max_iter=800),
            dict(d=500, r=5, max_iter=760, cases=[("outliers", 0.3)]),
        ]  # ~30-90 s a run at d = 500
        asym = [dict(d=100, r=3, max_iter=800, cases=[("outliers", p) for p in (0.0, 0.3, 0.5)])]
        ill = [
            dict(
                d=100,
                r=3,
                max_iter=800,
                cases=[("outliers", p) for p in (0.0, 0.3, 0.5)],
                rp_mults=(1, 2),
                singular_values=(1.0, 0.5, 0.25),
            )
        ]
        ill_scaled = [
            dict(
                d=100,
                r=3,
                max_iter=1000,
                cases=[("outliers", p) for p in (0.0, 0.3, 0.5)],
                rp_mults=(1, 2, 5),
                singular_values=sv,
            )
            for sv in [(1.0, 0.5, 0.25), (1.0, 10**-0.5, 0.1)]
        ]
        gd = [dict(d=100, r=3, k=6, factor=8, max_iter=3000), dict(d=200, r=4, k=8, factor=8, max_iter=1500)]
        sizes = [(60, 2000), (100, 1000), (100, 3000), (200, 3000), (300, 3000), (500, 1500)]
        comp_n, _repeat = 1000, args.repeat

    section = time.perf_counter()
    if args.speed_only:
        report(
            "recovery_speed",
            speed(sizes, max(1, min(args.repeat, 3))),
            note=noted(SPEED_NOTE, args.conditions),
        )
        print(f"\ntotal {time.perf_counter() - start:.1f} s")
        return
    if args.illcond_only:
        illcond_table(ill, ill_scaled, SUB_COLS, args.conditions)
        print(f"\ntotal {time.perf_counter() - start:.1f} s")
        return

    def lap(name):
        nonlocal section
        now = time.perf_counter()
        print(f"[{name}: {now - section:.1f} s]", flush=True)
        section = now

    rows, sub_curves = [], {}
    for kw in gauss:
        part, curves = subgradient_experiment(operator="gaussian", **kw)
        rows += part
        sub_curves.update(curves)
    for kw in dct:
        part, curves = subgradient_experiment(operator="dct", **kw)
        rows += part
        sub_curves.update(curves)
    cols = SUB_COLS
    report(
        "recovery_subgradient",
        rows,
        cols,
        note=noted(
            "Ma-Fattahi SubGM, X = U U^T (U: i.i.d. normal, sigma_1/sigma_r about 2), lralg "
            "defaults (init_scale 1e-10, eta_0 0.2, adaptive steps: shrunk by 0.93 after each iteration "
            "whose step raised the l1 loss, grown by 1.01 after any other, never above eta_0; "
            "'decay from' = the first rise; "
            "lralg's design, see docs/recovery.md); outliers: +-10x the mean |y| "
            "on a fraction p, m = 12 d r / (1-p)^2 (at most d^2 for the DCT operator: full "
            "sampling at d = 100, p = 0.5). Gaussian sensing (the papers' model) at d = 30 and "
            "d = 100 (p <= 0.1: the operator keeps its draws within its 256 MiB budget, see "
            "recovery_speed); d = 100..500 also with the random-sign DCT user operator (same "
            "isotropy).",
            args.conditions,
        ),
    )
    rows = []
    for kw in asym:
        part, _ = subgradient_experiment(operator="dct", parameterization="asymmetric", **kw)
        rows += part
    report(
        "recovery_subgradient_asym",
        rows,
        cols,
        note=noted(
            "The same with X = F G^T (F, G i.i.d. normal) and parameterization='asymmetric': "
            "defaults init_scale 1e-10, eta_0 0.1, adaptive steps without regrowth (g = 1); "
            "random-sign DCT operator.",
            args.conditions,
        ),
    )
    illcond_table(ill, ill_scaled, cols, args.conditions)
    lap("sub-gradient")
    rows, gd_curves = [], {}
    for kw in gd:
        part, curves = gd_experiment(**kw)
        rows += part
        if not gd_curves:
            gd_curves = curves
    report(
        "recovery_gd_onestep",
        rows,
        [
            "d",
            "r",
            "k",
            "m",
            "alpha",
            "gd iters to 1e-6",
            "gd rate",
            "gd final error",
            "gd-onestep iters to 1e-6",
            "gd-onestep rate",
            "switch at",
            "after switch to 1e-6",
        ],
        note=noted(
            "Xiong-Ding-Du: asymmetric F G^T, F_0 ~ alpha, G_0 ~ alpha/3, constant step; "
            "random-sign DCT measurements; rate = error contraction per iteration at the end.",
            args.conditions,
        ),
    )
    lap("gd")
    report(
        "recovery_speed",
        speed(sizes, max(1, min(args.repeat, 3))),
        note=noted(SPEED_NOTE, args.conditions),
    )
    lap("speed")
    report(
        "recovery_completion",
        completion(comp_n, 5, max(1, min(args.repeat, 2))),
        note=noted("rank 5, 20% observed, 10% of observations corrupted by +-10 max|X|.", args.conditions),
    )
    lap("completion")
    if not args.no_plot:
        try:
            plot(sub_curves, gd_curves, DOCS / "recovery_convergence.png")
            print(f"\nwrote {DOCS / 'recovery_convergence.png'}")
        except ImportError:
            print("\nmatplotlib not installed: no plot")
    print(f"\ntotal {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
