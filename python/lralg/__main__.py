"""Command line: ``python -m lralg {info,demo,...} --help``."""

from __future__ import annotations

import argparse
import importlib
import sys
import time

# Capabilities shown by `demo`: each module here has a _demo() returning
# {"problem": ..., "result": ...}. A new capability adds its module name.
DEMO_MODULES = ("projection", "completion", "isvd", "streaming", "recovery", "graph")

# Capabilities with a subcommand: each module here has _add_command(commands),
# which adds its parser to the argparse sub-parsers with set_defaults(run=...).
COMMAND_MODULES = ("completion", "graph")


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lralg", description="lralg command line")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    info = commands.add_parser("info", help="print how lralg was built and how it runs")
    info.set_defaults(run=_cmd_info)
    demo = commands.add_parser("demo", help="run every capability on a small built-in example")
    demo.set_defaults(run=_cmd_demo)
    for name in COMMAND_MODULES:
        importlib.import_module(f"lralg.{name}")._add_command(commands)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
