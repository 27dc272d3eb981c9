"""cornac's MF with its settings chosen, beside lralg's defaults (bench.completion's ``tuned`` part).

lralg's defaults choose their regularization inside the fit, on a held-out part of the training
ratings. cornac's MF has three settings that decide its accuracy: the learning rate, the
regularization and the number of epochs. They are chosen over LEARNING_RATES x LAMBDAS and up to
MAX_EPOCHS epochs, per split and rank, in two ways:

- on the test ratings, an oracle no user has (the most that tuning can give): the fewest epochs of
  any setting whose test RMSE reaches lralg's defaults' or, where none does, the setting and
  epochs of the least test RMSE; that fit is timed alone, in one call;
- on a held-out 10 % of the training ratings, as lralg's defaults do: each setting fitted in
  steps of EPOCH_STEP epochs while its held-out RMSE falls, then the best setting and epochs
  refitted on all training ratings; the search and the refit are both timed (building the
  search's Dataset is not).

Beside them, cornac's MF with its defaults, and lralg's fit at the reg its defaults chose, given
(the settling sweeps, then sweeps at that reg), stopped once its test RMSE reaches that of cornac's
defaults: the time an ALS fit needs where nothing is left to choose.
"""

from __future__ import annotations

import itertools
import statistics
import warnings

import numpy as np
import scipy.sparse as sp

import lralg
from bench._ratings import (
    CORNAC_EPOCHS,
    CORNAC_SETTING,
    FITS_PER_SPLIT,
    CornacRatings,
    all_sweeps,
    entry_predict,
    fastest,
    rating_rmse,
    rmse,
    split,
    timed,
    timed_to_goals,
)

LEARNING_RATES = (0.005, 0.01, 0.02, 0.04)
LAMBDAS = (0.02, 0.05, 0.1, 0.2)
MAX_EPOCHS = 200
EPOCH_STEP = 5
GIVEN_MAX_SWEEPS = 20


def _trace(ratings, k, seed, setting, score, step, patience=MAX_EPOCHS):
    """(epochs, score) after every ``step`` epochs of one MF, until ``patience`` epochs have
    passed since the least score or MAX_EPOCHS have run."""
    model = ratings.model(k, seed, step, *setting)
    curve, best = [], (np.inf, 0)
    with warnings.catch_warnings():  # cornac warns that a fitted model is fitted again
        warnings.simplefilter("ignore", UserWarning)
        for epochs in range(step, MAX_EPOCHS + 1, step):
            model.fit(ratings.data)
            curve.append((epochs, score(model)))
            best = min(best, (curve[-1][1], epochs))
            if epochs - best[1] >= patience:
                break
    return curve


def oracle(ratings, k, seed, target, test_rmse):
    """The oracle's choice: ((lr, lambda), epochs, whether it reached ``target``): the fewest
    epochs of any setting whose ``test_rmse`` reaches ``target``, else the least ``test_rmse``."""
    reached, best = None, None
    for setting in itertools.product(LEARNING_RATES, LAMBDAS):
        # every epoch up to MAX_EPOCHS: SGD's test RMSE can rise for tens of epochs, then fall
        for epochs, score in _trace(ratings, k, seed, setting, test_rmse, 1):
            if score <= target and (reached is None or epochs < reached[1]):
                reached = (setting, epochs)
            if best is None or score < best[2]:
                best = (setting, epochs, score)
    return (*reached, True) if reached else (best[0], best[1], False)


def refit(ratings, k, seed, setting, epochs, repeats=FITS_PER_SPLIT):
    """``timed`` of one MF fit of ``epochs`` at ``setting``, the fastest of ``repeats``."""
    return fastest(lambda: ratings.model(k, seed, epochs, *setting).fit(ratings.data), repeats)


def _held_out_search(users, items, ratings_, k, seed):
    """``timed`` of the held-out search, whose result is the (lr, lambda) and epochs of the
    least held-out RMSE."""
    fit_part, held = split(ratings_.size, (seed, 1), 0.9)
    part = CornacRatings(users[fit_part], items[fit_part], ratings_[fit_part], seed)
    pairs, truth = part.pairs(users[held], items[held]), ratings_[held]

    def score(model):
        return rating_rmse(part.predict(model, pairs), truth)

    def search():
        best = (np.inf, None, 0)
        for setting in itertools.product(LEARNING_RATES, LAMBDAS):
            curve = _trace(part, k, seed, setting, score, EPOCH_STEP, 1)  # stop at the first rise
            epochs, held_rmse = min(curve, key=lambda point: point[1])
            best = min(best, (held_rmse, setting, epochs))
        return best[1], best[2]

    return timed(search)


def _reg_given(M, k, reg, seed, test, goal):
    """The fit at a given ``reg`` (the defaults' settling sweeps, then sweeps at ``reg``), stopped
    once its test RMSE reaches ``goal``: (test RMSE, CPU s to the goal, sweeps, setting, None),
    the fastest of FITS_PER_SPLIT runs; where the goal is not reached in GIVEN_MAX_SWEEPS, the
    whole run."""
    users, items, truth = test

    def test_rmse(e):
        return rating_rmse(entry_predict(e, users, items), truth)

    def fit(watch):
        options = {"reg": reg, "tol": 0, "max_iter": GIVEN_MAX_SWEEPS, "clip": "observed", "rng": seed}
        return lralg.complete(M, k, bias=True, callback=watch, **options)

    def cpu_to_goal(run):
        _, cpu, _, reached = run
        return reached["goal"][1] if "goal" in reached else cpu

    runs = [timed_to_goals(fit, test_rmse, {"goal": goal}, stop="goal") for _ in range(FITS_PER_SPLIT)]
    fastest_run = min(runs, key=cpu_to_goal)
    res = fastest_run[2]
    sweeps = res.settling_sweeps + res.n_iter
    setting = f"reg {reg:.3g}, {res.settling_sweeps} settling + {res.n_iter} sweeps"
    return rmse(res.predict(users, items), truth), cpu_to_goal(fastest_run), sweeps, setting, None


def tuned_split(users, items, ratings_, shape, seed, ranks, results):
    """One random 80/20 split (bench.completion's): lralg's defaults and cornac tuned both ways,
    into ``results``: (name, rank) -> [(test RMSE, CPU s, epochs or sweeps, setting, reached)]."""
    tr, te = split(ratings_.size, seed)
    M = sp.csr_array((ratings_[tr], (users[tr], items[tr])), shape=shape)
    truth = ratings_[te]
    cornac = CornacRatings(users[tr], items[tr], ratings_[tr], seed)
    pairs = cornac.pairs(users[te], items[te])

    def test_rmse(model):
        return rating_rmse(cornac.predict(model, pairs), truth)

    def timed_fit(setting, epochs):
        _, cpu, model = refit(cornac, k, seed, setting, epochs)
        return test_rmse(model), cpu

    for k in ranks:
        _, cpu, res = fastest(lambda: lralg.complete(M, k, bias=True, clip="observed", rng=seed))
        target = rmse(res.predict(users[te], items[te]), truth)
        results.setdefault(("lralg defaults", k), []).append(
            (target, cpu, all_sweeps(res), f"reg {res.reg:.3g}", None)
        )

        score, cpu = timed_fit(CORNAC_SETTING, CORNAC_EPOCHS)
        results.setdefault(("cornac MF, its defaults", k), []).append(
            (score, cpu, CORNAC_EPOCHS, setting_text(CORNAC_SETTING, CORNAC_EPOCHS), False)
        )
        results.setdefault(("lralg, the defaults' reg given, stopped at cornac's RMSE", k), []).append(
            _reg_given(M, k, res.reg, seed, (users[te], items[te], truth), score)
        )

        setting, epochs, reached = oracle(cornac, k, seed, target, test_rmse)
        score, cpu = timed_fit(setting, epochs)
        results.setdefault(("cornac MF, chosen on the test ratings", k), []).append(
            (score, cpu, epochs, setting_text(setting, epochs), reached)
        )

        _, search_cpu, (setting, epochs) = _held_out_search(users[tr], items[tr], ratings_[tr], k, seed)
        score, cpu = timed_fit(setting, epochs)
        results.setdefault(("cornac MF, chosen on a held-out 10%", k), []).append(
            (score, search_cpu + cpu, epochs, setting_text(setting, epochs), score <= target)
        )
        print(seed, k, {name: v[-1] for (name, kk), v in results.items() if kk == k}, flush=True)


def tuned_note() -> str:
    """The tuned tables' note: what each row is and how it is timed."""
    rates, lambdas = (", ".join(f"{x:g}" for x in grid) for grid in (LEARNING_RATES, LAMBDAS))
    return (
        f"lralg's defaults against cornac's MF with its learning rate ({rates}), lambda_reg ({lambdas}) "
        f"and epochs (up to {MAX_EPOCHS}) chosen on the test ratings (an oracle: the fewest epochs of "
        "any setting whose test RMSE reaches lralg's defaults' on the split, else the least test RMSE; "
        "that fit alone is timed) or on a held-out 10% of the training ratings (each setting run in "
        f"steps of {EPOCH_STEP} epochs while its held-out RMSE falls, the best refitted on all training "
        "ratings; search and refit timed). Everything on one thread, CPU seconds of the fastest of "
        f"{FITS_PER_SPLIT} fits (the search: one run), medians over the splits. Beside them cornac's MF "
        f"with its defaults (learning rate {CORNAC_SETTING[0]:g}, lambda_reg {CORNAC_SETTING[1]:g}, "
        f"{CORNAC_EPOCHS} epochs), and lralg at the reg its defaults chose, given (complete(M, k, "
        "bias=True, reg=that reg): its settling sweeps, then sweeps at that reg), stopped once its test "
        "RMSE reaches that of cornac's defaults, the scoring excluded from its time. "
    )


def setting_text(setting, epochs):
    return f"lr {setting[0]:g}, lambda {setting[1]:g}, {epochs} ep"


def bench_tuned(load, seeds, ranks):
    """Rows per rank: lralg's defaults and cornac's MF tuned both ways (medians over splits)."""
    from threadpoolctl import threadpool_limits

    users, items, ratings_ = load()
    shape = (users.max() + 1, items.max() + 1)
    results = {}
    with threadpool_limits(1):
        for seed in seeds:
            tuned_split(users, items, ratings_, shape, seed, ranks, results)
    rows = []
    for (name, k), vals in results.items():
        lralg_cpu = statistics.median(v[1] for v in results[("lralg defaults", k)])
        cornac_cpu = statistics.median(v[1] for v in results[("cornac MF, its defaults", k)])
        cpu = statistics.median(v[1] for v in vals)
        rows.append(
            {
                "rank": k,
                "method": name,
                "mean test RMSE": f"{statistics.mean(v[0] for v in vals):.4f}",
                "median fit CPU s": cpu,
                "x lralg defaults' CPU s": cpu / lralg_cpu,
                "x cornac defaults' CPU s": cpu / cornac_cpu,
                "reaches lralg's RMSE": ""
                if vals[0][4] is None
                else f"{sum(v[4] for v in vals)}/{len(vals)}",
                "setting per split": "; ".join(v[3] for v in vals),
            }
        )
    return sorted(rows, key=lambda row: row["rank"])
