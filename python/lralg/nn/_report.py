"""The per-layer report that model-level functions of lralg.nn return."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["LayerReport"]


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


class LayerReport:
    """Rows of per-layer figures that print as a table.

    Attributes
    ----------
    rows : list of dict
        One dict per layer, keyed by column name.
    columns : list of str
        The columns, in print order.
    summary : dict
        Whole-model figures (printed under the table).
    """

    def __init__(
        self, rows: Sequence[dict], columns: Sequence[str], summary: dict | None = None, title: str = ""
    ):
        self.rows = list(rows)
        self.columns = list(columns)
        self.summary = dict(summary or {})
        self.title = title

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __getitem__(self, index):
        return self.rows[index]

    def column(self, name: str) -> list:
        """The values of one column, in row order."""
        return [row.get(name) for row in self.rows]

    def __str__(self) -> str:
        cells = [self.columns] + [[_cell(row.get(c, "")) for c in self.columns] for row in self.rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.columns))]
        lines = [self.title] if self.title else []
        for k, r in enumerate(cells):
            lines.append("  ".join(v.rjust(w) if k else v.ljust(w) for v, w in zip(r, widths)).rstrip())
            if k == 0:
                lines.append("  ".join("-" * w for w in widths))
        lines += [f"{key}: {_cell(value)}" for key, value in self.summary.items()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {len(self.rows)} layers>\n{self}"
