"""Packages fetched for benchmarks with ``pip download --no-deps`` into bench/.cache (git-ignored)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"


def pip_download(requirement: str, pattern: str) -> Path:
    """The cached file matching ``pattern`` (a glob), downloaded once from ``requirement``."""
    CACHE.mkdir(exist_ok=True)
    found = sorted(CACHE.glob(pattern))
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", requirement, "-d", str(CACHE)],
            check=True,
        )
        found = sorted(CACHE.glob(pattern))
    if not found:
        raise FileNotFoundError(f"pip download {requirement} gave no file matching {pattern}")
    return found[-1]
