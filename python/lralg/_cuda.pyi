"""
lralg's CUDA backend. Use the lralg package with device='cuda', not this module.
"""

from __future__ import annotations

import typing

import numpy
import numpy.typing

__all__: list[str] = [
    "CompletionObservations",
    "IsvdBlock32",
    "IsvdBlock64",
    "IsvdState32",
    "IsvdState64",
    "StreamingTopEigenvector",
    "completion_observations",
    "completion_solve_rows",
    "device_count",
    "device_memory",
    "device_name",
    "fastrp",
    "fastrp_to_device",
    "random_projection_matrix",
    "runtime_version",
    "sparse_random_projection",
    "sparse_random_projection_on_device",
    "streaming_update",
    "streaming_update_csr",
    "truncated_svd",
]

class CompletionObservations:
    """
    One side's observations of a completion fit, kept on the device.
    """

class IsvdBlock32:
    @staticmethod
    @typing.overload
    def csr(
        indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
        indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
        data: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
        t_indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
        t_indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
        t_data: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
        m: typing.SupportsInt | typing.SupportsIndex,
        b: typing.SupportsInt | typing.SupportsIndex,
        sqnorm: typing.SupportsFloat | typing.SupportsIndex,
    ) -> IsvdBlock32: ...
    @staticmethod
    @typing.overload
    def csr(
        indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
        indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
        data: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
        t_indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
        t_indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
        t_data: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
        m: typing.SupportsInt | typing.SupportsIndex,
        b: typing.SupportsInt | typing.SupportsIndex,
        sqnorm: typing.SupportsFloat | typing.SupportsIndex,
    ) -> IsvdBlock32: ...
    @staticmethod
    def dense(
        X: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
        axis: typing.SupportsInt | typing.SupportsIndex,
        sqnorm: typing.SupportsFloat | typing.SupportsIndex,
    ) -> IsvdBlock32: ...
    @property
    def shape(self) -> tuple[int, int]: ...

class IsvdState32:
    def __init__(
        self,
        m: typing.SupportsInt | typing.SupportsIndex,
        k_keep: typing.SupportsInt | typing.SupportsIndex,
        residual: typing.SupportsInt | typing.SupportsIndex,
        tol: typing.SupportsFloat | typing.SupportsIndex,
        seed: typing.SupportsInt | typing.SupportsIndex,
        power_iters: typing.SupportsInt | typing.SupportsIndex = 1,
        sketch: typing.SupportsInt | typing.SupportsIndex = 0,
    ) -> None: ...
    def copy(self) -> IsvdState32: ...
    def load(
        self,
        Q: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
        lam: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        blocks: typing.SupportsInt | typing.SupportsIndex,
        items: typing.SupportsInt | typing.SupportsIndex,
        sqnorm: typing.SupportsFloat | typing.SupportsIndex,
    ) -> None: ...
    def update(
        self,
        block: IsvdBlock32,
        exact: typing.SupportsInt | typing.SupportsIndex,
        n_items: typing.SupportsInt | typing.SupportsIndex,
        sqnorm: typing.SupportsFloat | typing.SupportsIndex,
        track: bool,
    ) -> typing.Any: ...
    @property
    def Q(self) -> numpy.typing.NDArray[numpy.float32]: ...
    @property
    def blocks(self) -> int: ...
    @property
    def items(self) -> int: ...
    @property
    def k(self) -> int: ...
    @property
    def k_keep(self) -> int: ...
    @property
    def lam(self) -> numpy.typing.NDArray[numpy.float64]: ...
    @property
    def m(self) -> int: ...
    @property
    def sqnorm(self) -> float: ...

class IsvdBlock64:
    @staticmethod
    @typing.overload
    def csr(
        indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
        indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
        data: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        t_indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
        t_indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
        t_data: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        m: typing.SupportsInt | typing.SupportsIndex,
        b: typing.SupportsInt | typing.SupportsIndex,
        sqnorm: typing.SupportsFloat | typing.SupportsIndex,
    ) -> IsvdBlock64: ...
    @staticmethod
    @typing.overload
    def csr(
        indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
        indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
        data: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        t_indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
        t_indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
        t_data: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        m: typing.SupportsInt | typing.SupportsIndex,
        b: typing.SupportsInt | typing.SupportsIndex,
        sqnorm: typing.SupportsFloat | typing.SupportsIndex,
    ) -> IsvdBlock64: ...
    @staticmethod
    def dense(
        X: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        axis: typing.SupportsInt | typing.SupportsIndex,
        sqnorm: typing.SupportsFloat | typing.SupportsIndex,
    ) -> IsvdBlock64: ...
    @property
    def shape(self) -> tuple[int, int]: ...

class IsvdState64:
    def __init__(
        self,
        m: typing.SupportsInt | typing.SupportsIndex,
        k_keep: typing.SupportsInt | typing.SupportsIndex,
        residual: typing.SupportsInt | typing.SupportsIndex,
        tol: typing.SupportsFloat | typing.SupportsIndex,
        seed: typing.SupportsInt | typing.SupportsIndex,
        power_iters: typing.SupportsInt | typing.SupportsIndex = 1,
        sketch: typing.SupportsInt | typing.SupportsIndex = 0,
    ) -> None: ...
    def copy(self) -> IsvdState64: ...
    def load(
        self,
        Q: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        lam: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        blocks: typing.SupportsInt | typing.SupportsIndex,
        items: typing.SupportsInt | typing.SupportsIndex,
        sqnorm: typing.SupportsFloat | typing.SupportsIndex,
    ) -> None: ...
    def update(
        self,
        block: IsvdBlock64,
        exact: typing.SupportsInt | typing.SupportsIndex,
        n_items: typing.SupportsInt | typing.SupportsIndex,
        sqnorm: typing.SupportsFloat | typing.SupportsIndex,
        track: bool,
    ) -> typing.Any: ...
    @property
    def Q(self) -> numpy.typing.NDArray[numpy.float64]: ...
    @property
    def blocks(self) -> int: ...
    @property
    def items(self) -> int: ...
    @property
    def k(self) -> int: ...
    @property
    def k_keep(self) -> int: ...
    @property
    def lam(self) -> numpy.typing.NDArray[numpy.float64]: ...
    @property
    def m(self) -> int: ...
    @property
    def sqnorm(self) -> float: ...

class StreamingTopEigenvector:
    def __init__(
        self,
        method: typing.SupportsInt | typing.SupportsIndex,
        n_features: typing.SupportsInt | typing.SupportsIndex,
        n_rows: typing.SupportsInt | typing.SupportsIndex,
        n_blocks: typing.SupportsInt | typing.SupportsIndex,
        heavy_factor: typing.SupportsFloat | typing.SupportsIndex,
        learning_rate: typing.SupportsFloat | typing.SupportsIndex,
        seed: typing.SupportsInt | typing.SupportsIndex,
    ) -> None: ...
    def result(self) -> tuple[numpy.typing.NDArray[numpy.float64], float]: ...
    @property
    def blocks_done(self) -> int: ...
    @property
    def heavy_factor(self) -> float: ...
    @property
    def memory_bytes(self) -> int: ...
    @property
    def n_blocks(self) -> int: ...
    @property
    def n_heavy(self) -> int: ...
    @property
    def rows_seen(self) -> int: ...

def _set_blas(capsules: dict) -> list[str]:
    """
    Give the host steps (the truncated SVD's QRs) SciPy's BLAS/LAPACK {name: PyCapsule}; returns the names taken.
    """

def _try_allocate(bytes: typing.SupportsInt | typing.SupportsIndex) -> None: ...
@typing.overload
def completion_observations(
    indptr: numpy.typing.NDArray[numpy.int32],
    indices: numpy.typing.NDArray[numpy.int32],
    data: numpy.typing.NDArray[numpy.float32],
    perm: numpy.typing.NDArray[numpy.int32] | None,
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
) -> CompletionObservations:
    """
    The observations of completion_solve_rows copied to the device, for every half-sweep of a fit on these same (unchanged) arrays.
    """

@typing.overload
def completion_observations(
    indptr: numpy.typing.NDArray[numpy.int64],
    indices: numpy.typing.NDArray[numpy.int64],
    data: numpy.typing.NDArray[numpy.float32],
    perm: numpy.typing.NDArray[numpy.int64] | None,
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
) -> CompletionObservations:
    """
    The observations of completion_solve_rows copied to the device, for every half-sweep of a fit on these same (unchanged) arrays.
    """

@typing.overload
def completion_observations(
    indptr: numpy.typing.NDArray[numpy.int32],
    indices: numpy.typing.NDArray[numpy.int32],
    data: numpy.typing.NDArray[numpy.float64],
    perm: numpy.typing.NDArray[numpy.int32] | None,
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
) -> CompletionObservations:
    """
    The observations of completion_solve_rows copied to the device, for every half-sweep of a fit on these same (unchanged) arrays.
    """

@typing.overload
def completion_observations(
    indptr: numpy.typing.NDArray[numpy.int64],
    indices: numpy.typing.NDArray[numpy.int64],
    data: numpy.typing.NDArray[numpy.float64],
    perm: numpy.typing.NDArray[numpy.int64] | None,
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
) -> CompletionObservations:
    """
    The observations of completion_solve_rows copied to the device, for every half-sweep of a fit on these same (unchanged) arrays.
    """

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
    resident: CompletionObservations = None,
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
    resident: CompletionObservations = None,
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
    resident: CompletionObservations = None,
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
    resident: CompletionObservations = None,
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
@typing.overload
def fastrp_to_device(
    indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
    indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
    data: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    n: typing.SupportsInt | typing.SupportsIndex,
    options: typing.Any,
    out: typing.SupportsInt | typing.SupportsIndex,
) -> None: ...
@typing.overload
def fastrp_to_device(
    indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    data: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    n: typing.SupportsInt | typing.SupportsIndex,
    options: typing.Any,
    out: typing.SupportsInt | typing.SupportsIndex,
) -> None: ...
@typing.overload
def fastrp_to_device(
    indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
    indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
    data: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    n: typing.SupportsInt | typing.SupportsIndex,
    options: typing.Any,
    out: typing.SupportsInt | typing.SupportsIndex,
) -> None: ...
@typing.overload
def fastrp_to_device(
    indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    data: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    n: typing.SupportsInt | typing.SupportsIndex,
    options: typing.Any,
    out: typing.SupportsInt | typing.SupportsIndex,
) -> None: ...
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
def sparse_random_projection_on_device(
    X: typing.SupportsInt | typing.SupportsIndex,
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
    row_major: bool,
    n_components: typing.SupportsInt | typing.SupportsIndex,
    density: typing.SupportsFloat | typing.SupportsIndex,
    seed: typing.SupportsInt | typing.SupportsIndex,
    out: typing.SupportsInt | typing.SupportsIndex,
    dtype: str,
) -> None: ...
@typing.overload
def streaming_update(
    stream: StreamingTopEigenvector, block: typing.Annotated[numpy.typing.ArrayLike, numpy.float32]
) -> None: ...
@typing.overload
def streaming_update(
    stream: StreamingTopEigenvector, block: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]
) -> None: ...
@typing.overload
def streaming_update_csr(
    stream: StreamingTopEigenvector,
    indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
    indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
    data: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
) -> None: ...
@typing.overload
def streaming_update_csr(
    stream: StreamingTopEigenvector,
    indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    data: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
) -> None: ...
@typing.overload
def streaming_update_csr(
    stream: StreamingTopEigenvector,
    indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
    indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
    data: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
) -> None: ...
@typing.overload
def streaming_update_csr(
    stream: StreamingTopEigenvector,
    indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    data: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
) -> None: ...
@typing.overload
def truncated_svd(
    block: IsvdBlock32,
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
    block: IsvdBlock64,
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
