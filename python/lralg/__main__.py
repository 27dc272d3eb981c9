"""Command line: ``python -m lralg {info,demo,...} --help``."""

from __future__ import annotations

import argparse
import importlib
import sys
import time

# Capabilities shown by `demo`: each module here has a _demo() returning
# {"problem": ..., "result": ...}. A new capability adds its module name.
DEMO_MODULES = ("projection", "completion")


def _cmd_info(args) -> int:
    from . import show_config

    show_config()
    return 0


def _cmd_demo(args) -> int:
    rows = []
    for name in DEMO_MODULES:
        module = importlib.import_module(f"lralg.{name}")
        start = time.perf_counter()
        row = module._demo()
        rows.append((name, row["problem"], row["result"], f"{time.perf_counter() - start:.3f}"))
    header = ("capability", "problem", "result", "seconds")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))
    return 0


def _cmd_complete(args) -> int:
    from .completion import complete_ratings_file

    return complete_ratings_file(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lralg", description="lralg command line")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    info = commands.add_parser("info", help="print how lralg was built and how it runs")
    info.set_defaults(run=_cmd_info)
    demo = commands.add_parser("demo", help="run every capability on a small built-in example")
    demo.set_defaults(run=_cmd_demo)
    comp = commands.add_parser(
        "complete", help="complete a ratings matrix given as a CSV file (user,item,rating)"
    )
    comp.add_argument("ratings", help="CSV file with columns user,item,rating (header optional)")
    comp.add_argument("--rank", type=int, default=20, help="rank of the factorization")
    comp.add_argument("--out", required=True, help="output .npz (U, V, offsets, user/item ids)")
    comp.add_argument("--test", help="CSV file of held-out ratings: prints their RMSE")
    comp.add_argument("--method", default="robust-altmin", choices=["robust-altmin", "altmin"])
    comp.add_argument("--reg", type=float, default=10.0, help="Tikhonov regularization")
    comp.add_argument("--no-bias", dest="bias", action="store_false", help="no mean/user/item offsets")
    comp.add_argument("--max-iter", type=int, default=30, help="maximum sweeps")
    comp.add_argument("--tol", type=float, default=1e-4, help="stopping tolerance")
    comp.add_argument("--seed", type=int, default=0, help="random seed")
    comp.add_argument("--delimiter", default=None, help="field separator (default: sniffed)")
    comp.add_argument("--verbose", action="store_true", help="show a progress bar")
    comp.set_defaults(run=_cmd_complete)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
