"""The shape every command of ``python -m lralg`` has."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Callable

__all__ = ["Command", "output_path", "read_text"]


@dataclass(frozen=True)
class Command:
    """A subcommand: its name, one-line help, how it adds its arguments, and what it runs.

    ``run(args)`` returns the process's exit code.
    """

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def output_path(path: str, suffix: str) -> str:
    """The file numpy's save functions write for `path` (they append `suffix` when it is missing)."""
    import os

    if os.path.isdir(path):
        raise ValueError(f"--out {path}: is a directory; give a file name")
    return path if path.endswith(suffix) else path + suffix


def read_text(path: str) -> str:
    """A text file's contents, with the file named in the errors of a binary or non-UTF-8 file."""
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return fh.read()
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not a UTF-8 text file (undecodable byte at offset {exc.start})") from None
