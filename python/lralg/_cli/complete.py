"""``python -m lralg complete``: complete a ratings file, save the factors, report test RMSE."""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from lralg.completion import complete

from ._command import Command, output_path, read_text

__all__ = ["COMMAND"]


def _configure(parser) -> None:
    parser.add_argument("ratings", help="CSV file with columns user,item,rating (header optional)")
    parser.add_argument("--rank", type=int, default=20, help="rank of the factorization")
    parser.add_argument("--out", required=True, help="output .npz (U, V, offsets, user/item ids)")
    parser.add_argument("--test", help="CSV file of held-out ratings: prints their RMSE")
    parser.add_argument("--method", default="robust-altmin", choices=["robust-altmin", "altmin"])
    parser.add_argument(
        "--reg",
        type=_reg,
        default="auto",
        help="Tikhonov regularization, 'auto' (chosen on 10%% held out) or 'bayes' (learned)",
    )
    parser.add_argument("--no-bias", dest="bias", action="store_false", help="no mean/user/item offsets")
    parser.add_argument("--max-iter", type=int, default=100, help="maximum sweeps")
    parser.add_argument("--tol", type=float, default=None, help="stopping tolerance (default: complete's)")
    parser.add_argument(
        "--no-clip", dest="clip", action="store_false", help="do not clip to the rating range"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--delimiter", default=None, help="field separator (default: sniffed)")
    parser.add_argument("--verbose", action="store_true", help="show a progress bar")


def _reg(text: str):
    return text if text in ("auto", "bayes") else float(text)


def _read_ratings(path: str, delimiter=None):
    """(users, items, ratings) columns of a CSV file; a non-numeric first line is a header."""
    import csv
    import io
    import math

    text = read_text(path)
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t ").delimiter
        except csv.Error:
            delimiter = ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = [(reader.line_num, r) for r in reader if r and any(c.strip() for c in r)]
    if rows:
        try:
            float(rows[0][1][2])
        except (ValueError, IndexError):
            rows = rows[1:]  # header
    if not rows:
        raise ValueError(f"{path}: no ratings found")
    ratings = np.empty(len(rows))
    for p, (line, r) in enumerate(rows):
        if len(r) < 3:
            raise ValueError(f"{path}, line {line}: expected three columns user,item,rating, got {len(r)}")
        try:
            ratings[p] = float(r[2])
        except ValueError:
            raise ValueError(f"{path}, line {line}: rating {r[2]!r} is not a number") from None
        if not math.isfinite(ratings[p]):
            raise ValueError(f"{path}, line {line}: rating {r[2]!r} is not a finite number")
    users = np.array([r[0].strip() for _, r in rows])
    items = np.array([r[1].strip() for _, r in rows])
    return users, items, ratings


def _run(args) -> int:
    """``python -m lralg complete``: fit a ratings CSV, save the factors, report test RMSE."""
    out = output_path(args.out, ".npz")
    users, items, ratings = _read_ratings(args.ratings, args.delimiter)
    user_ids, u = np.unique(users, return_inverse=True)
    item_ids, i = np.unique(items, return_inverse=True)
    M = sp.coo_array((ratings, (u, i)), shape=(user_ids.size, item_ids.size)).tocsr()
    rank = min(args.rank, min(M.shape))
    start = time.perf_counter()
    try:
        res = complete(
            M,
            rank,
            method=args.method,
            reg=args.reg,
            bias=args.bias,
            clip="observed" if args.clip else None,
            max_iter=args.max_iter,
            tol=args.tol,
            rng=args.seed,
            verbose=args.verbose,
        )
    except ValueError as exc:  # the ratings (or an option) are at fault: name the file
        raise ValueError(f"{args.ratings}: {exc}") from None
    seconds = time.perf_counter() - start
    print(
        f"{M.shape[0]} users x {M.shape[1]} items, {M.nnz} ratings; rank {rank}, "
        f"{res.n_iter} sweeps in {seconds:.2f} s; training RMSE {res.history[-1]['rmse']:.4f}"
        if res.history
        else f"{M.shape[0]} x {M.shape[1]}, no sweeps run"
    )
    if args.test:
        tu, ti, tr = _read_ratings(args.test, args.delimiter)
        pu = np.searchsorted(user_ids, tu).clip(0, user_ids.size - 1)
        pi = np.searchsorted(item_ids, ti).clip(0, item_ids.size - 1)
        known = (user_ids[pu] == tu) & (item_ids[pi] == ti)
        pred = res.predict(pu[known], pi[known])
        rmse = float(np.sqrt(np.mean((pred - tr[known]) ** 2))) if known.any() else float("nan")
        print(
            f"test RMSE {rmse:.4f} on {int(known.sum())} ratings"
            f" ({int((~known).sum())} with an unseen user or item skipped)"
        )
    np.savez(
        out,
        U=res.U,
        V=res.V,
        mean=res.mean,
        user_bias=res.row_bias if res.bias else np.zeros(0),
        item_bias=res.col_bias if res.bias else np.zeros(0),
        user_ids=user_ids,
        item_ids=item_ids,
    )
    print(f"factors written to {out}")
    return 0


COMMAND = Command(
    "complete", "complete a ratings matrix given as a CSV file (user,item,rating)", _configure, _run
)
