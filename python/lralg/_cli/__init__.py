"""The command line, ``python -m lralg COMMAND``: the registry of its commands."""

from __future__ import annotations

import argparse
import sys

from . import complete, demo, fastrp, info

__all__ = ["COMMANDS", "build_parser", "main"]

# Every command, in the order --help lists them; a new command adds its module here.
COMMANDS = (info.COMMAND, demo.COMMAND, complete.COMMAND, fastrp.COMMAND)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lralg", description="lralg command line")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.configure(sub.add_parser(command.name, help=command.help, description=command.help))
    return parser


def main(argv=None) -> int:
    """Run a command; a user error (a bad file, value or path) is one line on stderr and exit code 2."""
    args = build_parser().parse_args(argv)
    (command,) = (c for c in COMMANDS if c.name == args.command)
    try:
        return command.run(args)
    except (ValueError, TypeError, OSError, MemoryError) as exc:
        # the commands put the file (and line) into their messages; argparse's code for usage errors
        print(f"python -m lralg {command.name}: error: {exc}", file=sys.stderr)
        return 2
