"""The ``device=`` keyword: "cpu" (the core) or "cuda" (lralg._cuda, built with LRALG_CUDA=ON)."""

from __future__ import annotations

import dataclasses
import functools
import importlib

import numpy as np

from . import _blas
from ._validate import FLOAT_DTYPES

DEVICES = ("cpu", "cuda")


@functools.cache
def _cuda_module():
    """lralg._cuda, or None where this copy was built without it; given SciPy's BLAS/LAPACK
    for its host steps on first use, as the core is at import."""
    try:
        module = importlib.import_module("lralg._cuda")
    except ImportError:
        return None
    module._set_blas(_blas.scipy_capsules())
    return module


def cuda_info() -> dict:
    """Whether the CUDA module was built, how many devices it sees, and the first one's name."""
    module = _cuda_module()
    info = {"cuda": module is not None, "cuda_devices": 0, "cuda_device": None}
    if module is not None:
        info["cuda_runtime"] = module.runtime_version()
        info["cuda_devices"] = module.device_count()
        if info["cuda_devices"] > 0:
            info["cuda_device"] = module.device_name()
    return info


def check_device(device) -> str:
    """Validate the ``device`` argument; nothing is asked of the device yet."""
    if not isinstance(device, str):
        raise TypeError(f"device must be 'cpu' or 'cuda', got {type(device).__name__}")
    if device not in DEVICES:
        raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
    return device


def cuda_backend(function: str):
    """lralg._cuda, once a device is known to be there; a RuntimeError saying why not otherwise.

    Called after the arguments are validated, before anything is copied to the device.
    """
    module = _cuda_module()
    if module is None:
        raise RuntimeError(
            f"{function}(device='cuda'): this copy of lralg was built without the CUDA backend; "
            "rebuild it with LRALG_CUDA=ON (see the CUDA page of the documentation)"
        )
    if module.device_count() < 1:
        raise RuntimeError(f"{function}(device='cuda'): no CUDA device is visible")
    return module


# GPU arrays as input (CuPy, or any array with __cuda_array_interface__). CuPy is imported
# only where such an array is passed in: lralg neither builds against it nor needs it.


def _cupy():
    """The cupy module, imported on first use (tests replace it with a stand-in)."""
    try:
        return importlib.import_module("cupy")
    except ImportError:
        raise RuntimeError(
            "a GPU array was passed in, but CuPy is not installed: lralg allocates its GPU results "
            "with CuPy (pip install cupy-cuda13x, or the CuPy build for your CUDA)"
        ) from None


def is_sparse_on_device(x) -> bool:
    # cupyx.scipy.sparse matrices: a format and their data array on the device
    return isinstance(getattr(x, "format", None), str) and hasattr(
        getattr(x, "data", None), "__cuda_array_interface__"
    )


def is_device_array(x) -> bool:
    """Whether `x` lives in GPU memory: a dense GPU array or a CuPy sparse matrix."""
    return hasattr(x, "__cuda_array_interface__") or is_sparse_on_device(x)


def refuse_on_cpu(x, name: str, function: str, device: str) -> bool:
    """Whether `x` is a GPU array; a TypeError if it is one and device is "cpu".

    A GPU array is never copied to the host behind the caller's back: they choose
    between computing there and copying it themselves.
    """
    if not is_device_array(x):
        return False
    if device == "cpu":
        raise TypeError(
            f"{function}: {name} is a GPU array ({type(x).__name__}) but device='cpu': pass "
            f"device='cuda' to compute on the GPU, or cupy.asnumpy({name}) to compute on the CPU"
        )
    return True


@dataclasses.dataclass(frozen=True)
class GpuMatrix:
    """A dense GPU matrix, checked: where it is, its shape, dtype and layout."""

    array: object  # the caller's array, kept alive while its address is in use
    address: int
    shape: tuple[int, int]
    dtype: np.dtype
    row_major: bool


def _contiguous(shape, strides, itemsize: int, order: str) -> bool:
    expected = itemsize
    axes = range(len(shape) - 1, -1, -1) if order == "C" else range(len(shape))
    for axis in axes:
        if shape[axis] > 1 and strides[axis] != expected:  # a length-1 axis has any stride
            return False
        expected *= shape[axis]
    return True


def gpu_matrix(x, name: str, *, orders: str = "C") -> GpuMatrix:
    """The checks of the CPU path on a dense GPU matrix, read from its
    ``__cuda_array_interface__`` alone: nothing is asked of the device.

    float32 and float64 are taken as they are; other dtypes are refused
    (TypeError: converting would allocate on the device unasked). The layout must
    be one of `orders` ("C", or "CF" for either), else ValueError: the kernels
    read the memory in place.
    """
    interface = x.__cuda_array_interface__
    shape = tuple(int(s) for s in interface["shape"])
    dtype = np.dtype(interface["typestr"])
    if dtype not in FLOAT_DTYPES:
        raise TypeError(
            f"{name}: a GPU array must be float32 or float64 here, got dtype {dtype}; convert it on the "
            f"device first ({name}.astype(cupy.float64))"
        )
    if len(shape) != 2:
        raise ValueError(f"{name} must be 2-D, got an array of shape {shape}")
    if shape[0] == 0 or shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {shape})")
    if interface.get("mask") is not None:
        raise ValueError(f"{name}: masked GPU arrays are not supported")
    strides = interface.get("strides")
    if strides is None or _contiguous(shape, strides, dtype.itemsize, "C"):
        row_major = True
    elif "F" in orders and _contiguous(shape, strides, dtype.itemsize, "F"):
        row_major = False
    else:
        layouts = "C- or F-contiguous" if "F" in orders else "C-contiguous"
        raise ValueError(
            f"{name} must be {layouts} on the GPU, got strides {tuple(strides)} for shape {shape}; "
            f"make it so with cupy.ascontiguousarray({name})"
        )
    return GpuMatrix(x, int(interface["data"][0]), shape, dtype, row_major)


def all_finite_on_device(x) -> bool:
    """Whether a GPU array holds no NaN or Inf (one reduction on the device)."""
    cp = _cupy()
    return bool(cp.isfinite(cp.asarray(x)).all())


def empty_on_device(shape, dtype):
    """A new C-order GPU array that CuPy owns, and its address for the kernels."""
    out = _cupy().empty(shape, dtype=dtype)
    return out, int(out.__cuda_array_interface__["data"][0])


def to_host(x):
    """A GPU array as a NumPy array, a CuPy sparse matrix as a SciPy one (copies)."""
    if is_sparse_on_device(x):
        return x.get()
    return _cupy().asnumpy(x)


def to_device(x):
    """A NumPy result as a CuPy array (a copy); None stays None."""
    return None if x is None else _cupy().asarray(x)


def fields_to_device(result, *names):
    """`result` (a dataclass) with its array fields `names` copied to the GPU as CuPy arrays."""
    return dataclasses.replace(result, **{name: to_device(getattr(result, name)) for name in names})
