"""The ``device=`` keyword: "cpu" (the core) or "cuda" (lralg._cuda, built with LRALG_CUDA=ON)."""

from __future__ import annotations

import functools
import importlib

from . import _blas

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
