"""The one progress bar of lralg (``verbose=True``): a line on stderr, redrawn in place."""

from __future__ import annotations

import sys

__all__ = ["ProgressBar"]


class ProgressBar:
    """``[####....] done/total label`` on stderr; silent unless ``enabled``.

    ``update(done, **status)`` redraws the line with the given status
    (numbers are printed compactly); ``close()`` ends it. Usable as a
    context manager.
    """

    width = 30

    def __init__(self, total: int, label: str, *, enabled: bool = True, file=None):
        self.total, self.label, self.enabled = max(int(total), 1), label, bool(enabled)
        self.file = sys.stderr if file is None else file
        self._drawn = False
        self._last = 0

    def update(self, done: int, **status) -> None:
        if not self.enabled:
            return
        filled = int(self.width * min(done, self.total) / self.total)
        extra = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in status.items())
        bar = "#" * filled + "." * (self.width - filled)
        line = f"{self.label} [{bar}] {done}/{self.total} {extra}".rstrip()
        # pad over what a longer previous line left on the terminal
        self.file.write("\r" + line.ljust(self._last))
        self._last = len(line)
        self.file.flush()
        self._drawn = True

    def close(self) -> None:
        if self.enabled and self._drawn:
            self.file.write("\n")
            self.file.flush()
            self._drawn = False
            self._last = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
