"""``python -m lralg info``: how lralg was built and how it runs."""

from __future__ import annotations

from ._command import Command

__all__ = ["COMMAND"]


def _run(args) -> int:
    from lralg import show_config

    show_config()
    return 0


COMMAND = Command("info", "print how lralg was built and how it runs", lambda parser: None, _run)
