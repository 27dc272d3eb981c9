"""Argument checks shared by every public function.

Each check either returns the argument in the form the core takes or raises
ValueError (bad value or shape) / TypeError (bad type) naming the argument.
Dtype policy: float32 and float64 are kept; integer and bool input becomes
float64; complex, object, string and other dtypes are refused.
"""

from __future__ import annotations

import math
import numbers
import operator
import os

import numpy as np
import scipy.sparse as sp

__all__ = [
    "check_array",
    "check_dtype",
    "check_int",
    "check_magnitude",
    "check_memory",
    "check_matrix",
    "check_rank",
    "check_real",
    "check_rng",
    "check_sparse",
    "check_sparse_structure",
    "check_value_range",
    "is_sparse",
    "seed_from_rng",
]

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def is_sparse(x) -> bool:
    return sp.issparse(x)


def check_dtype(dtype, name: str) -> np.dtype:
    """The floating dtype the core computes in for input of `dtype`."""
    dtype = np.dtype(dtype)
    if dtype in FLOAT_DTYPES:
        return dtype
    if dtype.kind in "biu":
        return np.dtype(np.float64)
    raise TypeError(f"{name} must hold real numbers (float32, float64, integer or bool), got dtype {dtype}")


def _check_finite(values: np.ndarray, name: str) -> None:
    # A finite sum proves every value finite in one pass, without the temporary
    # boolean array of np.isfinite; only a sum that overflowed needs min and max
    # (which propagate NaN and meet any Inf) to tell large values from bad ones.
    if not values.size:
        return
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(values.sum()):
            return
    if not (np.isfinite(values.min()) and np.isfinite(values.max())):
        raise ValueError(f"{name} contains NaN or Inf")


def check_array(
    x,
    name: str,
    *,
    ndim: int = 2,
    allow_nan: bool = False,
    allow_empty: bool = False,
    dtype=None,
) -> np.ndarray:
    """A dense array of `ndim` dimensions in float32/float64.

    C- and F-contiguous arrays pass through without a copy; other layouts are
    copied once into C order. `dtype` forces the result's dtype.
    """
    if is_sparse(x):
        raise TypeError(f"{name} must be a dense array here, got a scipy.sparse matrix")
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be an array of numbers, got {type(x).__name__}")
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:  # ragged nested lists and the like
        raise ValueError(f"{name} could not be read as an array: {exc}") from None
    target = check_dtype(arr.dtype, name)  # refuses complex/object even when dtype is forced
    if dtype is not None:
        target = np.dtype(dtype)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got an array of shape {arr.shape}")
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    if arr.dtype != target:
        with np.errstate(over="ignore"):  # values past the target's range become Inf, refused below
            arr = arr.astype(target)
    if not (arr.flags.c_contiguous or arr.flags.f_contiguous):
        arr = np.ascontiguousarray(arr)
    if not allow_nan:
        _check_finite(arr, name)
    return arr


def _check_index_vector(arr, name: str, what: str) -> np.ndarray:
    arr = np.asarray(arr)
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise ValueError(
            f"{name}: {what} must be a 1-D array of integers, got {arr.dtype} of shape {arr.shape}"
        )
    return arr


def _check_index_range(arr: np.ndarray, upper: int, name: str, what: str) -> None:
    # min and max make no temporary array, and run in O(len(arr))
    if arr.size and (int(arr.min()) < 0 or int(arr.max()) >= upper):
        raise ValueError(
            f"{name}: {what} out of range: must lie in [0, {upper - 1}], "
            f"found values in [{int(arr.min())}, {int(arr.max())}]"
        )


def _check_compressed(indptr, indices, data, n_major: int, n_minor: int, name: str) -> None:
    indptr = _check_index_vector(indptr, name, "indptr")
    indices = _check_index_vector(indices, name, "indices")
    if indptr.size != n_major + 1:
        raise ValueError(f"{name}: indptr must have {n_major + 1} entries for its shape, got {indptr.size}")
    if int(indptr[0]) != 0:
        raise ValueError(f"{name}: indptr must start at 0, got {int(indptr[0])}")
    if n_major and np.any(indptr[1:] < indptr[:-1]):  # a temporary of n_major bytes, not nnz
        raise ValueError(f"{name}: indptr must be non-decreasing")
    nnz = int(indptr[-1])
    if nnz > indices.size or nnz > len(data):
        raise ValueError(
            f"{name}: indptr says {nnz} stored entries, but indices has {indices.size} and data {len(data)}"
        )
    _check_index_range(indices[:nnz], n_minor, name, "index")


def check_sparse_structure(x, name: str) -> None:
    """Check the index arrays of a scipy.sparse matrix before anything reads them.

    scipy trusts a matrix's index arrays once it is built: an index edited
    afterwards (or a hand-made matrix) makes its conversions and the core read
    and write out of bounds. This checks what ``check_format(full_check=True)``
    checks (lengths, ``indptr`` monotone, every index within the shape) in
    O(nnz) without copying the arrays, and raises ValueError naming `name`.
    """
    fmt = x.format
    if fmt in ("csr", "csc"):
        n_major, n_minor = x.shape if fmt == "csr" else x.shape[::-1]
        _check_compressed(x.indptr, x.indices, x.data, n_major, n_minor, name)
    elif fmt == "bsr":
        r, c = x.blocksize
        if r < 1 or c < 1 or x.shape[0] % r or x.shape[1] % c:
            raise ValueError(f"{name}: blocksize {x.blocksize} does not divide the shape {x.shape}")
        _check_compressed(x.indptr, x.indices, x.data, x.shape[0] // r, x.shape[1] // c, name)
    elif fmt == "coo":
        coords = x.coords if hasattr(x, "coords") else (x.row, x.col)
        n = len(x.data)
        for axis, (idx, size) in enumerate(zip(coords, x.shape)):
            what = "row index" if axis == 0 else "column index" if axis == 1 else f"axis-{axis} index"
            idx = _check_index_vector(idx, name, what)
            if idx.size != n:
                raise ValueError(f"{name}: {idx.size} {what}es for {n} stored values")
            _check_index_range(idx, size, name, what)


def check_sparse(
    x, name: str, *, allow_empty: bool = False, allow_nan: bool = False, dtype=None
) -> sp.csr_array:
    """A scipy.sparse matrix or array as canonical CSR (sorted, no duplicates).

    The input is never densified; it is converted (copied) only where its
    format, dtype or index layout differ from what the core reads.
    """
    if not is_sparse(x):
        raise TypeError(f"{name} must be a scipy.sparse matrix or array")
    if x.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {x.shape}")
    if not allow_empty and (x.shape[0] == 0 or x.shape[1] == 0):
        raise ValueError(f"{name} is empty (shape {x.shape})")
    target = check_dtype(x.dtype, name)
    if dtype is not None:
        target = np.dtype(dtype)
    check_sparse_structure(x, name)  # before scipy's conversions read the index arrays
    csr = sp.csr_array(x)  # shares data when x is already CSR
    if csr.dtype != target:
        with np.errstate(over="ignore"):  # values past the target's range become Inf, refused below
            csr = csr.astype(target)
    if not csr.has_canonical_format:
        csr = csr.copy()  # canonicalising works in place: keep the caller's arrays intact
        csr.sum_duplicates()
    if not allow_nan:
        _check_finite(csr.data, name)
    return csr


def check_magnitude(x, name: str, *, sqnorm: float | None = None) -> None:
    """Refuse a matrix whose squares overflow its dtype when summed along a side.

    The SVD-type methods form Gram matrices and squared norms (sums of
    ``max(m, n)`` squares) in the dtype of the data: with values near
    ``sqrt(max)`` (1e154 in float64, 1e19 in float32) those overflow and the
    eigensolvers fail or drop the block. Refused with the largest value named.
    `sqnorm`, the squared Frobenius norm where the caller has it, bounds every
    value and spares the passes over the data when it is small enough.
    """
    values = x.data if is_sparse(x) else x
    if values.size == 0:
        return
    if (
        sqnorm is not None
        and math.isfinite(sqnorm)
        and math.sqrt(sqnorm) <= _magnitude_limit(values.dtype, x.shape)
    ):
        return
    check_value_range((float(values.min()), float(values.max())), values.dtype, x.shape, name)


def _magnitude_limit(dtype, shape) -> float:
    return float(np.sqrt(np.finfo(dtype).max / (16.0 * max(shape))))


def check_value_range(value_range, dtype, shape, name: str) -> None:
    """check_magnitude from the smallest and largest values (lralg.dask gathers only those)."""
    amax = max(abs(value_range[0]), abs(value_range[1]))
    dtype = np.dtype(dtype)
    limit = _magnitude_limit(dtype, shape)
    if amax > limit:
        raise ValueError(
            f"{name} holds values up to {amax:.3g} in magnitude: their squares, summed over "
            f"{max(shape)} entries, overflow {dtype.name} (limit {limit:.3g}); rescale {name}, "
            f"or pass float64"
        )


def check_matrix(x, name: str, *, allow_empty: bool = False, allow_nan: bool = False, dtype=None):
    """A dense (see check_array) or sparse (see check_sparse) 2-D matrix."""
    if is_sparse(x):
        return check_sparse(x, name, allow_empty=allow_empty, allow_nan=allow_nan, dtype=dtype)
    return check_array(x, name, allow_empty=allow_empty, allow_nan=allow_nan, dtype=dtype)


# The largest integer an argument may carry into the core: its sizes are
# 64-bit and it adds to them (n + 1 entries of indptr, offsets), so a margin
# below 2**63 keeps every such sum exact.
INT_MAX = 2**62


def check_int(value, name: str, *, low=None, high=None) -> int:
    """An integer (Python or NumPy, not bool) within [low, high].

    Without `high`, values above :data:`INT_MAX` are refused too: they do not
    fit the core's 64-bit sizes.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    value = operator.index(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    if high is None and value > INT_MAX:
        raise ValueError(f"{name} is too large: at most 2**62, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return value


def memory_limit() -> int:
    """Bytes of physical memory of this machine (a bound on any one allocation)."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows): a generous 1 TiB
        return 2**40


def check_memory(nbytes, name: str, what: str) -> None:
    """Refuse, before any work, a call whose arrays would not fit in memory.

    `nbytes` is the size of what the call must allocate (a float: it may
    exceed any integer type); `name` is the argument that sets it.
    """
    limit = memory_limit()
    if not nbytes <= limit:
        raise MemoryError(
            f"{name} is too large: {what} would need {float(nbytes) / 2**30:.3g} GiB, "
            f"more than this machine's {limit / 2**30:.3g} GiB of memory"
        )


def check_rank(rank, name: str = "rank", *, upper: int | None = None) -> int:
    """A target rank: an integer in [1, upper]."""
    return check_int(rank, name, low=1, high=upper)


def check_real(value, name: str, *, low=None, high=None, low_open=False, high_open=False) -> float:
    """A finite real number in the interval given by low/high (closed unless *_open)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    too_low = low is not None and (value < low or (low_open and value == low))
    too_high = high is not None and (value > high or (high_open and value == high))
    if not np.isfinite(value) or too_low or too_high:
        interval = (
            ("(" if low_open or low is None else "[")
            + ("-inf" if low is None else f"{low}")
            + ", "
            + ("inf" if high is None else f"{high}")
            + (")" if high_open or high is None else "]")
        )
        raise ValueError(f"{name} must be a finite number in {interval}, got {value}")
    return value


def check_rng(rng) -> np.random.Generator:
    """SPEC 7: None (fresh entropy), an int seed, or a numpy.random.Generator."""
    if rng is None or isinstance(rng, (numbers.Integral, np.random.SeedSequence)):
        if isinstance(rng, (bool, np.bool_)):
            raise TypeError("rng must be None, an int or a numpy.random.Generator, got bool")
        if isinstance(rng, numbers.Integral) and rng < 0:
            raise ValueError(f"rng must be a non-negative seed, got {rng}")
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    raise TypeError(f"rng must be None, an int or a numpy.random.Generator, got {type(rng).__name__}")


def seed_from_rng(rng) -> int:
    """A 64-bit key for the core's counter-based generator, drawn from rng."""
    return int(check_rng(rng).integers(0, 2**64, dtype=np.uint64))
