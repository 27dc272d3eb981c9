"""Build information and the thread setting of the core."""

from __future__ import annotations

import contextlib
import os
import platform
import sys

from . import _core
from ._validate import check_int

__all__ = ["config", "get_num_threads", "set_num_threads", "show_config", "threads"]


def get_num_threads() -> int:
    """Number of threads the core's parallel loops use."""
    return _core.get_num_threads()


def set_num_threads(n: int) -> None:
    """Set the number of threads of the core (default: all cores, or OMP_NUM_THREADS)."""
    _core.set_num_threads(check_int(n, "n", low=1))


@contextlib.contextmanager
def threads(n: int):
    """Run the enclosed block with the core on `n` threads, then restore the setting."""
    n = check_int(n, "n", low=1)
    previous = get_num_threads()
    _core.set_num_threads(n)
    try:
        yield
    finally:
        _core.set_num_threads(previous)


def config() -> dict:
    """How this copy of lralg was built and how it runs, as a dict."""
    info = dict(_core.build_info())
    info["threads"] = get_num_threads()
    info["omp_num_threads_env"] = os.environ.get("OMP_NUM_THREADS")
    info["python"] = sys.version.split()[0]
    info["platform"] = platform.platform()
    import numpy
    import scipy

    info["numpy"] = numpy.__version__
    info["scipy"] = scipy.__version__
    return info


def show_config(file=None) -> None:
    """Print the build and runtime configuration (compiler, Eigen, OpenMP, threads, CUDA)."""
    info = config()
    width = max(map(len, info))
    for key, value in info.items():
        print(f"{key:<{width}} : {value}", file=file or sys.stdout)
