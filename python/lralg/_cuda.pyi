"""
lralg's CUDA backend. Use the lralg package with device='cuda', not this module.
"""

from __future__ import annotations

import typing

import numpy
import numpy.typing

__all__: list[str] = [
    "completion_solve_rows",
    "device_count",
    "device_memory",
    "device_name",
    "fastrp",
    "random_projection_matrix",
    "runtime_version",
    "sparse_random_projection",
    "truncated_svd",
]

def _set_blas(capsules: dict) -> list[str]:
    """
    Give the host steps (the truncated SVD's QRs) SciPy's BLAS/LAPACK {name: PyCapsule}; returns the names taken.
    """

def _try_allocate(bytes: typing.SupportsInt | typing.SupportsIndex) -> None: ...
@typing.overload
def completion_solve_rows(
    indptr: numpy.typing.NDArray[numpy.int32],
    indices: numpy.typing.NDArray[numpy.int32],
    data: numpy.typing.NDArray[numpy.float32],
    perm: numpy.typing.NDArray[numpy.int32] | None,
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
    offset: numpy.typing.NDArray[numpy.float32] | None,
    Y: numpy.typing.NDArray[numpy.float32],
    X: numpy.typing.NDArray[numpy.float32],
    options: typing.Any,
) -> int: ...
@typing.overload
def completion_solve_rows(
    indptr: numpy.typing.NDArray[numpy.int64],
    indices: numpy.typing.NDArray[numpy.int64],
    data: numpy.typing.NDArray[numpy.float32],
    perm: numpy.typing.NDArray[numpy.int64] | None,
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
    offset: numpy.typing.NDArray[numpy.float32] | None,
    Y: numpy.typing.NDArray[numpy.float32],
    X: numpy.typing.NDArray[numpy.float32],
    options: typing.Any,
) -> int: ...
@typing.overload
def completion_solve_rows(
    indptr: numpy.typing.NDArray[numpy.int32],
    indices: numpy.typing.NDArray[numpy.int32],
    data: numpy.typing.NDArray[numpy.float64],
    perm: numpy.typing.NDArray[numpy.int32] | None,
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
    offset: numpy.typing.NDArray[numpy.float64] | None,
    Y: numpy.typing.NDArray[numpy.float64],
    X: numpy.typing.NDArray[numpy.float64],
    options: typing.Any,
) -> int: ...
@typing.overload
def completion_solve_rows(
    indptr: numpy.typing.NDArray[numpy.int64],
    indices: numpy.typing.NDArray[numpy.int64],
    data: numpy.typing.NDArray[numpy.float64],
    perm: numpy.typing.NDArray[numpy.int64] | None,
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
    offset: numpy.typing.NDArray[numpy.float64] | None,
    Y: numpy.typing.NDArray[numpy.float64],
    X: numpy.typing.NDArray[numpy.float64],
    options: typing.Any,
) -> int: ...
def device_count() -> int:
    """
    Number of visible CUDA devices (0 without a driver).
    """

def device_memory() -> int:
    """
    Memory of device 0, in bytes.
    """

def device_name() -> str:
    """
    Name of device 0.
    """

@typing.overload
def fastrp(
    indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
    indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
    data: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    n: typing.SupportsInt | typing.SupportsIndex,
    options: typing.Any,
) -> numpy.typing.NDArray[numpy.float32]: ...
@typing.overload
def fastrp(
    indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    data: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    n: typing.SupportsInt | typing.SupportsIndex,
    options: typing.Any,
) -> numpy.typing.NDArray[numpy.float32]: ...
@typing.overload
def fastrp(
    indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
    indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
    data: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    n: typing.SupportsInt | typing.SupportsIndex,
    options: typing.Any,
) -> numpy.typing.NDArray[numpy.float64]: ...
@typing.overload
def fastrp(
    indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    data: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    n: typing.SupportsInt | typing.SupportsIndex,
    options: typing.Any,
) -> numpy.typing.NDArray[numpy.float64]: ...
def random_projection_matrix(
    n_features: typing.SupportsInt | typing.SupportsIndex,
    n_components: typing.SupportsInt | typing.SupportsIndex,
    density: typing.SupportsFloat | typing.SupportsIndex,
    seed: typing.SupportsInt | typing.SupportsIndex,
) -> tuple[
    numpy.typing.NDArray[numpy.int64], numpy.typing.NDArray[numpy.int32], numpy.typing.NDArray[numpy.int8]
]: ...
def runtime_version() -> int:
    """
    CUDA runtime version built against.
    """

@typing.overload
def sparse_random_projection(
    X: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    n_components: typing.SupportsInt | typing.SupportsIndex,
    density: typing.SupportsFloat | typing.SupportsIndex,
    seed: typing.SupportsInt | typing.SupportsIndex,
) -> numpy.typing.NDArray[numpy.float32]: ...
@typing.overload
def sparse_random_projection(
    indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
    indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
    data: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
    n_components: typing.SupportsInt | typing.SupportsIndex,
    density: typing.SupportsFloat | typing.SupportsIndex,
    seed: typing.SupportsInt | typing.SupportsIndex,
) -> numpy.typing.NDArray[numpy.float32]: ...
@typing.overload
def sparse_random_projection(
    indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    data: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
    n_components: typing.SupportsInt | typing.SupportsIndex,
    density: typing.SupportsFloat | typing.SupportsIndex,
    seed: typing.SupportsInt | typing.SupportsIndex,
) -> numpy.typing.NDArray[numpy.float32]: ...
@typing.overload
def sparse_random_projection(
    X: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    n_components: typing.SupportsInt | typing.SupportsIndex,
    density: typing.SupportsFloat | typing.SupportsIndex,
    seed: typing.SupportsInt | typing.SupportsIndex,
) -> numpy.typing.NDArray[numpy.float64]: ...
@typing.overload
def sparse_random_projection(
    indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
    indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
    data: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
    n_components: typing.SupportsInt | typing.SupportsIndex,
    density: typing.SupportsFloat | typing.SupportsIndex,
    seed: typing.SupportsInt | typing.SupportsIndex,
) -> numpy.typing.NDArray[numpy.float64]: ...
@typing.overload
def sparse_random_projection(
    indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    data: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
    n_components: typing.SupportsInt | typing.SupportsIndex,
    density: typing.SupportsFloat | typing.SupportsIndex,
    seed: typing.SupportsInt | typing.SupportsIndex,
) -> numpy.typing.NDArray[numpy.float64]: ...
@typing.overload
def truncated_svd(
    A: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    sqnorm: typing.SupportsFloat | typing.SupportsIndex,
    rank: typing.SupportsInt | typing.SupportsIndex,
    oversampling: typing.SupportsInt | typing.SupportsIndex,
    power_iters: typing.SupportsInt | typing.SupportsIndex,
    seed: typing.SupportsInt | typing.SupportsIndex,
) -> tuple[
    numpy.typing.NDArray[numpy.float32],
    numpy.typing.NDArray[numpy.float64],
    numpy.typing.NDArray[numpy.float32],
    float,
]: ...
@typing.overload
def truncated_svd(
    A: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    sqnorm: typing.SupportsFloat | typing.SupportsIndex,
    rank: typing.SupportsInt | typing.SupportsIndex,
    oversampling: typing.SupportsInt | typing.SupportsIndex,
    power_iters: typing.SupportsInt | typing.SupportsIndex,
    seed: typing.SupportsInt | typing.SupportsIndex,
) -> tuple[
    numpy.typing.NDArray[numpy.float64],
    numpy.typing.NDArray[numpy.float64],
    numpy.typing.NDArray[numpy.float64],
    float,
]: ...
