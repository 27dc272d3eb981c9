"""The one form of every result object lralg returns.

A result is a dataclass deriving from :class:`Result`: its fields are
attributes, it prints as a short readable summary (arrays by shape and dtype),
and where SciPy would return a tuple it unpacks as one, in the order its
``_unpack`` names (``u, s, vt = lralg.incremental_svd(A, 5)``).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import numpy as np

__all__ = ["Result"]

_SHORT = 6  # arrays of at most this many entries print in full


def _summary(value: Any) -> str:
    if isinstance(value, np.ndarray):
        if value.size <= _SHORT:
            return np.array2string(value, precision=4, separator=", ")
        return f"<array {'x'.join(map(str, value.shape))} {value.dtype}>"
    if hasattr(value, "shape") and hasattr(value, "nnz"):  # scipy.sparse
        return f"<sparse {'x'.join(map(str, value.shape))} nnz={value.nnz}>"
    if isinstance(value, (list, tuple)) and len(value) > _SHORT:
        return f"<{type(value).__name__} of {len(value)}>"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_summary(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value)


@dataclasses.dataclass(repr=False, eq=False)
class Result:
    """Base of result objects: attributes, a readable repr, tuple unpacking.

    Subclasses are dataclasses (declared ``@dataclass(repr=False, eq=False)``)
    and name in ``_unpack`` the fields that tuple unpacking yields.
    """

    _unpack: ClassVar[tuple[str, ...]] = ()

    def __iter__(self):
        if not self._unpack:
            raise TypeError(f"{type(self).__name__} does not unpack; read its attributes")
        return iter(tuple(getattr(self, name) for name in self._unpack))

    def __getitem__(self, index):
        if not self._unpack:
            raise TypeError(f"{type(self).__name__} is not indexable; read its attributes")
        return tuple(getattr(self, name) for name in self._unpack)[index]

    def __repr__(self) -> str:
        shown = [f for f in dataclasses.fields(self) if f.repr and not f.name.startswith("_")]
        body = ",\n".join(f"    {f.name}={_summary(getattr(self, f.name))}" for f in shown)
        return f"{type(self).__name__}(\n{body},\n)" if shown else f"{type(self).__name__}()"
