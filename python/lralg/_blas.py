"""Hands SciPy's BLAS/LAPACK to the core (see cpp/include/lralg/blas.hpp).

At import the core receives function pointers to the routines it uses, taken
from the PyCapsules that ``scipy.linalg.cython_blas`` and
``scipy.linalg.cython_lapack`` export in ``__pyx_capi__``. Without SciPy the
core falls back to Eigen. ``use_blas(False)`` switches to the Eigen fallback
(tests compare both paths).
"""

from __future__ import annotations

import contextlib
import functools

from . import _core

__all__ = ["info", "one_blas_thread", "use_blas"]

_BLAS = ("dgemm", "sgemm", "dsyrk", "ssyrk")
_LAPACK = ("dsyevd", "ssyevd", "dgeqrf", "sgeqrf", "dorgqr", "sorgqr", "dpotrf", "dtrtri")


def scipy_capsules() -> dict:
    """{routine name: PyCapsule} of the routines the core uses, from SciPy (empty without it)."""
    try:
        from scipy.linalg import cython_blas, cython_lapack
    except Exception:
        return {}
    capsules = {}
    for module, names in ((cython_blas, _BLAS), (cython_lapack, _LAPACK)):
        api = getattr(module, "__pyx_capi__", {})
        capsules.update({n: api[n] for n in names if n in api})
    return capsules


def _load() -> list:
    return _core._set_blas(scipy_capsules())


LOADED = tuple(_load())


def info() -> dict:
    """Which routines the core has from SciPy, and whether it uses them."""
    return dict(_core._blas_info())


@contextlib.contextmanager
def use_blas(on: bool):
    """Run the enclosed block with the core's BLAS path on or off (Eigen), then restore it."""
    previous = bool(_core._blas_info()["enabled"])
    _core._use_blas(bool(on))
    try:
        yield
    finally:
        _core._use_blas(previous)


_controller = None


def one_blas_thread(func):
    """Run ``func`` with the BLAS libraries (SciPy's, NumPy's) limited to one thread.

    The core's updates call BLAS on skinny products (a block of rows against a basis
    of a few dozen columns) between its own OpenMP loops; a threaded BLAS gains
    little on such products and its threads compete with the core's (see the
    incremental SVD docs page). One level of parallelism at a time: the core's.
    Uses threadpoolctl; the limit is process-wide while ``func`` runs.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        global _controller
        if _controller is None:
            from threadpoolctl import ThreadpoolController

            _controller = ThreadpoolController()
        with _controller.limit(limits=1, user_api="blas"):
            return func(*args, **kwargs)

    return wrapper
