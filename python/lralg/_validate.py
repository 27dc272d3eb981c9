"""Argument checks shared by every public function.

Each check either returns the argument in the form the core takes or raises
ValueError (bad value or shape) / TypeError (bad type) naming the argument.
Dtype policy: float32 and float64 are kept; integer and bool input becomes
float64; complex, object, string and other dtypes are refused.
"""

from __future__ import annotations

import numbers
import operator

import numpy as np
import scipy.sparse as sp

__all__ = [
    "check_array",
    "check_dtype",
    "check_int",
    "check_matrix",
    "check_rank",
    "check_real",
    "check_rng",
    "check_sparse",
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
    # min and max propagate NaN and meet any Inf, without the temporary
    # boolean array of np.isfinite (as large as the input, in bytes per entry)
    if values.size and not (np.isfinite(values.min()) and np.isfinite(values.max())):
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
        arr = arr.astype(target)
    if not (arr.flags.c_contiguous or arr.flags.f_contiguous):
        arr = np.ascontiguousarray(arr)
    if not allow_nan:
        _check_finite(arr, name)
    return arr


def check_sparse(x, name: str, *, allow_empty: bool = False, dtype=None) -> sp.csr_array:
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
    csr = sp.csr_array(x)  # shares data when x is already CSR
    if csr.dtype != target:
        csr = csr.astype(target)
    if not csr.has_canonical_format:
        csr = csr.copy()  # canonicalising works in place: keep the caller's arrays intact
        csr.sum_duplicates()
    _check_finite(csr.data, name)
    return csr


def check_matrix(x, name: str, *, allow_empty: bool = False, dtype=None):
    """A dense (see check_array) or sparse (see check_sparse) 2-D matrix."""
    if is_sparse(x):
        return check_sparse(x, name, allow_empty=allow_empty, dtype=dtype)
    return check_array(x, name, allow_empty=allow_empty, dtype=dtype)


def check_int(value, name: str, *, low=None, high=None) -> int:
    """An integer (Python or NumPy, not bool) within [low, high]."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    value = operator.index(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return value


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
