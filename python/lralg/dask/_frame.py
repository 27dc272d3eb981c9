"""A dask DataFrame of (row, col, value) observations as row blocks of CSR on the workers."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._validate import check_int

__all__ = ["frame_row_blocks", "is_dask_frame"]

DEFAULT_COLUMNS = ("row", "col", "value")

# per partition, what the checks need: its length, the least and largest row and
# column indices, missing indices, NaN and Inf values
_COUNT, _ROW_MIN, _ROW_MAX, _COL_MIN, _COL_MAX, _MISSING, _NAN, _INF = range(8)


def is_dask_frame(M) -> bool:
    if not type(M).__module__.startswith("dask"):
        return False
    try:
        import dask.dataframe as dd
    except ImportError:  # pragma: no cover - dask without its dataframe extra
        return False
    return isinstance(M, dd.DataFrame)


def _value_dtype(dtype, name: str) -> np.dtype:
    """The dtype the values are fitted in: float32/float64 kept, integers and bools as float64."""
    kind = getattr(dtype, "kind", "O")
    if kind in "iub":
        return np.dtype(np.float64)
    if kind == "f":
        numpy_dtype = np.dtype(getattr(dtype, "numpy_dtype", dtype))
        if numpy_dtype in (np.float32, np.float64):
            return numpy_dtype
    raise TypeError(f"M's column {name!r} must hold real numbers (float32, float64, integers), got {dtype}")


def _check_columns(M, columns):
    names = DEFAULT_COLUMNS if columns is None else columns
    if isinstance(names, str) or not all(isinstance(c, str) for c in names) or len(names) != 3:
        raise TypeError(f"columns must be three column names (row, col, value), got {columns!r}")
    missing = [c for c in names if c not in M.columns]
    if missing:
        raise ValueError(f"M has no column {missing[0]!r} (columns: {list(M.columns)}); pass columns=")
    for c in names[:2]:
        if getattr(M.dtypes[c], "kind", "O") not in "iu":
            raise TypeError(f"M's column {c!r} must hold integer indices, got dtype {M.dtypes[c]}")
    return tuple(names), _value_dtype(M.dtypes[names[2]], names[2])


def _indices(series) -> np.ndarray:
    return series.to_numpy(dtype=np.int64)


def _values(series, dtype) -> np.ndarray:
    return series.to_numpy(dtype=dtype, na_value=np.nan)


def _summary(part, names) -> np.ndarray:
    row, col, value = names
    out = np.array([len(part), np.inf, -np.inf, np.inf, -np.inf, 0, 0, 0], dtype=np.float64)
    missing = int(part[row].isna().sum() + part[col].isna().sum())
    out[_MISSING] = missing
    if len(part) == 0 or missing:
        return out
    r, c = _indices(part[row]), _indices(part[col])
    v = _values(part[value], np.float64)
    out[_ROW_MIN : _COL_MAX + 1] = r.min(), r.max(), c.min(), c.max()
    out[_NAN], out[_INF] = np.isnan(v).sum(), np.isinf(v).sum()
    return out


def _check_summary(total, names, shape):
    """The matrix's (m, n) from the pass's totals; bad indices or values refused."""
    row, col, value = names
    if total[_MISSING]:
        raise ValueError(f"M's columns {row!r} and {col!r} hold {int(total[_MISSING])} missing indices")
    if total[_NAN] or total[_INF]:
        raise ValueError(
            f"M's column {value!r} holds {int(total[_NAN])} NaN and {int(total[_INF])} Inf values; "
            "a DataFrame lists the observed entries only, each with a finite value"
        )
    for name, low in ((row, total[_ROW_MIN]), (col, total[_COL_MIN])):
        if low < 0:
            raise ValueError(f"M's column {name!r} holds negative indices (the least is {int(low)})")
    if total[_COUNT] == 0:
        if shape is None:
            raise ValueError("M has no observed entries (and no shape to infer)")
        return shape
    found = (int(total[_ROW_MAX]) + 1, int(total[_COL_MAX]) + 1)
    if shape is None:
        return found
    for name, side, need, size in ((row, 0, found[0], shape[0]), (col, 1, found[1], shape[1])):
        if need > size:
            raise ValueError(
                f"M's column {name!r} holds indices up to {need - 1}, outside shape[{side}] = {size}"
            )
    return shape


def _cut_partition(part, names, row_offsets, dtype):
    """The partition's observations, one (local rows, cols, values) piece per row block."""
    row, col, value = names
    r, c, v = _indices(part[row]), _indices(part[col]), _values(part[value], dtype)
    block = np.searchsorted(row_offsets, r, side="right") - 1
    order = np.argsort(block, kind="stable")
    bounds = np.searchsorted(block[order], np.arange(len(row_offsets)))
    return [(r[idx] - row_offsets[i], c[idx], v[idx]) for i, idx in enumerate(np.split(order, bounds[1:-1]))]


def _assemble_block(height, n, dtype, *pieces):
    """The row block's CSR (int64 indices, duplicates summed) from its pieces of every partition."""
    r = np.concatenate([p[0] for p in pieces])
    c = np.concatenate([p[1] for p in pieces])
    v = np.concatenate([p[2] for p in pieces]).astype(dtype, copy=False)
    csr = sp.csr_array(sp.coo_array((v, (r, c)), shape=(height, n)))
    csr.sum_duplicates()
    return sp.csr_array(
        (csr.data, csr.indices.astype(np.int64), csr.indptr.astype(np.int64)), shape=csr.shape
    )


def frame_row_blocks(client, M, columns, shape):
    """(delayed CSR row blocks, row offsets, n, dtype) of a DataFrame of observations.

    The names and dtypes are checked on M's metadata; one pass over the
    partitions then finds the shape and refuses missing, negative or
    out-of-range indices and NaN/Inf values, before any block is built. The
    partitions are regrouped into as many row blocks of equal height.
    """
    import dask

    names, dtype = _check_columns(M, columns)
    if shape is not None:
        try:
            m, n = shape
        except (TypeError, ValueError):
            raise TypeError(f"shape must be a pair (m, n) of ints, got {shape!r}") from None
        shape = (check_int(m, "shape[0]", low=1), check_int(n, "shape[1]", low=1))
    parts = M[list(names)].to_delayed()
    delayed = dask.delayed(pure=True)
    summaries = client.compute([delayed(_summary)(p, names) for p in parts], sync=True)
    total = np.array(summaries).reshape(-1, 8)
    total = np.array(
        [
            total[:, _COUNT].sum(),
            total[:, _ROW_MIN].min(),
            total[:, _ROW_MAX].max(),
            total[:, _COL_MIN].min(),
            total[:, _COL_MAX].max(),
            total[:, _MISSING].sum(),
            total[:, _NAN].sum(),
            total[:, _INF].sum(),
        ]
    )
    m, n = _check_summary(total, names, shape)
    n_blocks = max(1, min(len(parts), m))
    row_offsets = np.linspace(0, m, n_blocks + 1).round().astype(np.int64)
    cut = dask.delayed(_cut_partition, pure=True, nout=n_blocks)
    pieces = [cut(p, names, row_offsets, dtype) for p in parts]
    assemble = dask.delayed(_assemble_block, pure=True)
    rows = [
        assemble(int(row_offsets[i + 1] - row_offsets[i]), n, dtype, *[p[i] for p in pieces])
        for i in range(n_blocks)
    ]
    return rows, row_offsets, n, dtype
