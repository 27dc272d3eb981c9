"""Build information and the thread setting of the core."""

from __future__ import annotations

import contextlib
import os
import platform
import sys

from . import _core
from ._device import cuda_info
from ._validate import check_int

__all__ = ["config", "get_num_threads", "set_num_threads", "show_config", "threads"]


def _check_threads(n) -> int:
    # Bounded: a team of 100000 threads exhausts the process and crashes in
    # the OpenMP runtime at the next parallel call.
    return check_int(n, "n", low=1, high=_core.max_threads())


def get_num_threads() -> int:
    """Number of threads the core's parallel loops use.

    Returns
    -------
    int
        The current setting: all cores, ``OMP_NUM_THREADS`` when set, or
        what :func:`set_num_threads` last chose.

    See Also
    --------
    set_num_threads, threads

    Examples
    --------
    >>> import lralg
    >>> lralg.get_num_threads() >= 1
    True
    """
    return _core.get_num_threads()


def set_num_threads(n: int) -> None:
    """Set the number of threads of the core's parallel loops.

    The default is all cores, or ``OMP_NUM_THREADS`` when it is set. Results
    do not depend on the setting: the same seed gives the same numbers on any
    number of threads.

    Parameters
    ----------
    n : int
        Number of threads, at least 1 and at most 8 per core (at least 64).

    Raises
    ------
    ValueError
        ``n < 1``, or more threads than the bound above.
    TypeError
        ``n`` is not an integer.

    See Also
    --------
    get_num_threads, threads : the same for a block of code.

    Examples
    --------
    >>> import lralg
    >>> before = lralg.get_num_threads()
    >>> lralg.set_num_threads(1)
    >>> lralg.get_num_threads()
    1
    >>> lralg.set_num_threads(before)
    """
    _core.set_num_threads(_check_threads(n))


@contextlib.contextmanager
def threads(n: int):
    """Context manager: run the enclosed block with the core on ``n`` threads.

    The previous setting is restored on leaving the block, also after an
    exception.

    Parameters
    ----------
    n : int
        Number of threads inside the block, at least 1 and at most 8 per
        core (at least 64).

    Raises
    ------
    ValueError
        ``n < 1``, or more threads than the bound above.
    TypeError
        ``n`` is not an integer.

    See Also
    --------
    set_num_threads, get_num_threads

    Examples
    --------
    >>> import lralg
    >>> with lralg.threads(1):
    ...     lralg.get_num_threads()
    1
    """
    n = _check_threads(n)
    previous = get_num_threads()
    _core.set_num_threads(n)
    try:
        yield
    finally:
        _core.set_num_threads(previous)


def config() -> dict:
    """How this copy of lralg was built and how it runs.

    Returns
    -------
    dict
        Version, compiler, Eigen and OpenMP versions, whether the build is
        sanitized, CUDA support (``cuda``: whether lralg._cuda was built;
        ``cuda_devices``, ``cuda_device``: the GPUs it sees), the thread
        setting, ``OMP_NUM_THREADS``, and the versions of Python, NumPy and
        SciPy.

    See Also
    --------
    show_config : the same, printed.

    Examples
    --------
    >>> import lralg
    >>> info = lralg.config()
    >>> info["version"] == lralg.__version__
    True
    >>> info["threads"] == lralg.get_num_threads()
    True
    """
    info = dict(_core.build_info())
    info.update(cuda_info())
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
    """Print the build and runtime configuration, one ``key : value`` a line.

    Parameters
    ----------
    file : file-like object, optional
        Where to print; standard output by default.

    See Also
    --------
    config : the same as a dict.

    Examples
    --------
    >>> import io, lralg
    >>> out = io.StringIO()
    >>> lralg.show_config(file=out)
    >>> "version" in out.getvalue()
    True
    """
    info = config()
    width = max(map(len, info))
    for key, value in info.items():
        print(f"{key:<{width}} : {value}", file=file or sys.stdout)
