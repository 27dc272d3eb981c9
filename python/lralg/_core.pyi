"""
lralg's compiled core. Use the lralg package, not this module.
"""

from __future__ import annotations

import collections.abc
import typing

import numpy
import numpy.typing

__all__: list[str] = [
    "FastRPOptions",
    "HalfSweepOptions",
    "IsvdBlock32",
    "IsvdBlock64",
    "IsvdState32",
    "IsvdState64",
    "StreamingTopEigenvector",
    "build_info",
    "completion_bayes_rows",
    "completion_predict",
    "completion_solve_rows",
    "completion_squared_residual",
    "completion_transpose",
    "delta_product_scan",
    "delta_product_scan_backward",
    "entry_adjoint_times",
    "entry_forward",
    "entry_index_check",
    "fastrp",
    "gaussian_draws",
    "gaussian_matvec",
    "gaussian_measurement_matrix",
    "gaussian_rmatvec",
    "get_num_threads",
    "householder_product",
    "isvd_csr_matmul",
    "isvd_gaussian",
    "isvd_residual_basis",
    "matrix_entropy",
    "matrix_nuclear_norm",
    "max_threads",
    "quantize_gptq",
    "quantize_rtn",
    "random_projection_matrix",
    "set_num_threads",
    "sparse_random_projection",
    "streaming_update",
    "streaming_update_csr",
    "truncated_svd",
]

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

class FastRPOptions:
    """
    The parameters of fastrp; strip, two_hop and huge_panels choose code paths (tests).
    """

    normalize: bool
    transition: bool
    def __init__(self) -> None: ...
    @property
    def beta(self) -> float: ...
    @beta.setter
    def beta(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def density(self) -> float: ...
    @density.setter
    def density(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def dim(self) -> int: ...
    @dim.setter
    def dim(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def huge_panels(self) -> int: ...
    @huge_panels.setter
    def huge_panels(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def seed(self) -> int: ...
    @seed.setter
    def seed(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def self_influence(self) -> float: ...
    @self_influence.setter
    def self_influence(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def strip(self) -> int: ...
    @strip.setter
    def strip(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def two_hop(self) -> int: ...
    @two_hop.setter
    def two_hop(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def weights(self) -> list[float]: ...
    @weights.setter
    def weights(
        self, arg0: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex]
    ) -> None: ...

class HalfSweepOptions:
    """
    The options of one half-sweep of completion_solve_rows.
    """

    reg_per_entry: bool
    def __init__(self) -> None: ...
    @property
    def inner_iter(self) -> int: ...
    @inner_iter.setter
    def inner_iter(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def inner_rtol(self) -> float: ...
    @inner_rtol.setter
    def inner_rtol(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def method(self) -> int: ...
    @method.setter
    def method(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def mu(self) -> float: ...
    @mu.setter
    def mu(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def reg(self) -> float: ...
    @reg.setter
    def reg(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def row_observations(self) -> float: ...
    @row_observations.setter
    def row_observations(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def seed(self) -> int: ...
    @seed.setter
    def seed(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def sketch_factor(self) -> int: ...
    @sketch_factor.setter
    def sketch_factor(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def stream(self) -> int: ...
    @stream.setter
    def stream(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...

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

def _blas_gemm_f32(
    arg0: str,
    arg1: str,
    arg2: typing.SupportsFloat | typing.SupportsIndex,
    arg3: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    arg4: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    arg5: typing.SupportsFloat | typing.SupportsIndex,
    arg6: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
) -> numpy.typing.NDArray[numpy.float32]: ...
def _blas_gemm_f64(
    arg0: str,
    arg1: str,
    arg2: typing.SupportsFloat | typing.SupportsIndex,
    arg3: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    arg4: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    arg5: typing.SupportsFloat | typing.SupportsIndex,
    arg6: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
) -> numpy.typing.NDArray[numpy.float64]: ...
def _blas_info() -> dict: ...
def _blas_qr_f32(
    arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
) -> numpy.typing.NDArray[numpy.float32]: ...
def _blas_qr_f64(
    arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
) -> numpy.typing.NDArray[numpy.float64]: ...
def _blas_syev_f32(
    arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
) -> tuple[numpy.typing.NDArray[numpy.float32], numpy.typing.NDArray[numpy.float32]]: ...
def _blas_syev_f64(
    arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
) -> tuple[numpy.typing.NDArray[numpy.float64], numpy.typing.NDArray[numpy.float64]]: ...
def _blas_syrk_f32(
    arg0: str, arg1: typing.Annotated[numpy.typing.ArrayLike, numpy.float32]
) -> numpy.typing.NDArray[numpy.float32]: ...
def _blas_syrk_f64(
    arg0: str, arg1: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]
) -> numpy.typing.NDArray[numpy.float64]: ...
def _philox4x32(
    arg0: typing.Annotated[
        collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], "FixedSize(4)"
    ],
    arg1: typing.Annotated[
        collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], "FixedSize(2)"
    ],
) -> typing.Annotated[list[int], "FixedSize(4)"]: ...
def _set_blas(capsules: dict) -> list[str]:
    """
    Give the core the BLAS/LAPACK routines {name: PyCapsule} (scipy.linalg.cython_blas / cython_lapack __pyx_capi__ entries); returns the names it took.
    """

def _uniform(
    arg0: typing.SupportsInt | typing.SupportsIndex,
    arg1: typing.SupportsInt | typing.SupportsIndex,
    arg2: typing.SupportsInt | typing.SupportsIndex,
) -> float: ...
def _use_blas(on: bool) -> None:
    """
    True: use the BLAS/LAPACK pointers where set; False: Eigen everywhere.
    """

def build_info() -> dict: ...
@typing.overload
def completion_bayes_rows(
    indptr: numpy.typing.NDArray[numpy.int32],
    indices: numpy.typing.NDArray[numpy.int32],
    data: numpy.typing.NDArray[numpy.float32],
    perm: numpy.typing.NDArray[numpy.int32] | None,
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
    partner_mean: numpy.typing.NDArray[numpy.float64],
    partner_second: numpy.typing.NDArray[numpy.float64],
    prior_precision: numpy.typing.NDArray[numpy.float64],
    noise_variance: typing.SupportsFloat | typing.SupportsIndex,
    mu: typing.SupportsFloat | typing.SupportsIndex,
    bias: bool,
) -> tuple[
    numpy.typing.NDArray[numpy.float64],
    numpy.typing.NDArray[numpy.float64],
    numpy.typing.NDArray[numpy.float64],
    numpy.typing.NDArray[numpy.float64],
]: ...
@typing.overload
def completion_bayes_rows(
    indptr: numpy.typing.NDArray[numpy.int32],
    indices: numpy.typing.NDArray[numpy.int32],
    data: numpy.typing.NDArray[numpy.float64],
    perm: numpy.typing.NDArray[numpy.int32] | None,
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
    partner_mean: numpy.typing.NDArray[numpy.float64],
    partner_second: numpy.typing.NDArray[numpy.float64],
    prior_precision: numpy.typing.NDArray[numpy.float64],
    noise_variance: typing.SupportsFloat | typing.SupportsIndex,
    mu: typing.SupportsFloat | typing.SupportsIndex,
    bias: bool,
) -> tuple[
    numpy.typing.NDArray[numpy.float64],
    numpy.typing.NDArray[numpy.float64],
    numpy.typing.NDArray[numpy.float64],
    numpy.typing.NDArray[numpy.float64],
]: ...
@typing.overload
def completion_bayes_rows(
    indptr: numpy.typing.NDArray[numpy.int64],
    indices: numpy.typing.NDArray[numpy.int64],
    data: numpy.typing.NDArray[numpy.float32],
    perm: numpy.typing.NDArray[numpy.int64] | None,
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
    partner_mean: numpy.typing.NDArray[numpy.float64],
    partner_second: numpy.typing.NDArray[numpy.float64],
    prior_precision: numpy.typing.NDArray[numpy.float64],
    noise_variance: typing.SupportsFloat | typing.SupportsIndex,
    mu: typing.SupportsFloat | typing.SupportsIndex,
    bias: bool,
) -> tuple[
    numpy.typing.NDArray[numpy.float64],
    numpy.typing.NDArray[numpy.float64],
    numpy.typing.NDArray[numpy.float64],
    numpy.typing.NDArray[numpy.float64],
]: ...
@typing.overload
def completion_bayes_rows(
    indptr: numpy.typing.NDArray[numpy.int64],
    indices: numpy.typing.NDArray[numpy.int64],
    data: numpy.typing.NDArray[numpy.float64],
    perm: numpy.typing.NDArray[numpy.int64] | None,
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
    partner_mean: numpy.typing.NDArray[numpy.float64],
    partner_second: numpy.typing.NDArray[numpy.float64],
    prior_precision: numpy.typing.NDArray[numpy.float64],
    noise_variance: typing.SupportsFloat | typing.SupportsIndex,
    mu: typing.SupportsFloat | typing.SupportsIndex,
    bias: bool,
) -> tuple[
    numpy.typing.NDArray[numpy.float64],
    numpy.typing.NDArray[numpy.float64],
    numpy.typing.NDArray[numpy.float64],
    numpy.typing.NDArray[numpy.float64],
]: ...
@typing.overload
def completion_predict(
    U: numpy.typing.NDArray[numpy.float32],
    V: numpy.typing.NDArray[numpy.float32],
    mu: typing.SupportsFloat | typing.SupportsIndex,
    a: numpy.typing.NDArray[numpy.float32] | None,
    b: numpy.typing.NDArray[numpy.float32] | None,
    rows: numpy.typing.NDArray[numpy.int64],
    cols: numpy.typing.NDArray[numpy.int64],
) -> numpy.typing.NDArray[numpy.float32]: ...
@typing.overload
def completion_predict(
    U: numpy.typing.NDArray[numpy.float64],
    V: numpy.typing.NDArray[numpy.float64],
    mu: typing.SupportsFloat | typing.SupportsIndex,
    a: numpy.typing.NDArray[numpy.float64] | None,
    b: numpy.typing.NDArray[numpy.float64] | None,
    rows: numpy.typing.NDArray[numpy.int64],
    cols: numpy.typing.NDArray[numpy.int64],
) -> numpy.typing.NDArray[numpy.float64]: ...
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
    options: HalfSweepOptions,
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
    options: HalfSweepOptions,
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
    options: HalfSweepOptions,
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
    options: HalfSweepOptions,
) -> int: ...
@typing.overload
def completion_squared_residual(
    indptr: numpy.typing.NDArray[numpy.int32],
    indices: numpy.typing.NDArray[numpy.int32],
    data: numpy.typing.NDArray[numpy.float32],
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
    U: numpy.typing.NDArray[numpy.float32],
    V: numpy.typing.NDArray[numpy.float32],
    mu: typing.SupportsFloat | typing.SupportsIndex,
    a: numpy.typing.NDArray[numpy.float32] | None,
    b: numpy.typing.NDArray[numpy.float32] | None,
) -> float: ...
@typing.overload
def completion_squared_residual(
    indptr: numpy.typing.NDArray[numpy.int32],
    indices: numpy.typing.NDArray[numpy.int32],
    data: numpy.typing.NDArray[numpy.float64],
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
    U: numpy.typing.NDArray[numpy.float64],
    V: numpy.typing.NDArray[numpy.float64],
    mu: typing.SupportsFloat | typing.SupportsIndex,
    a: numpy.typing.NDArray[numpy.float64] | None,
    b: numpy.typing.NDArray[numpy.float64] | None,
) -> float: ...
@typing.overload
def completion_squared_residual(
    indptr: numpy.typing.NDArray[numpy.int64],
    indices: numpy.typing.NDArray[numpy.int64],
    data: numpy.typing.NDArray[numpy.float32],
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
    U: numpy.typing.NDArray[numpy.float32],
    V: numpy.typing.NDArray[numpy.float32],
    mu: typing.SupportsFloat | typing.SupportsIndex,
    a: numpy.typing.NDArray[numpy.float32] | None,
    b: numpy.typing.NDArray[numpy.float32] | None,
) -> float: ...
@typing.overload
def completion_squared_residual(
    indptr: numpy.typing.NDArray[numpy.int64],
    indices: numpy.typing.NDArray[numpy.int64],
    data: numpy.typing.NDArray[numpy.float64],
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
    U: numpy.typing.NDArray[numpy.float64],
    V: numpy.typing.NDArray[numpy.float64],
    mu: typing.SupportsFloat | typing.SupportsIndex,
    a: numpy.typing.NDArray[numpy.float64] | None,
    b: numpy.typing.NDArray[numpy.float64] | None,
) -> float: ...
@typing.overload
def completion_transpose(
    indptr: numpy.typing.NDArray[numpy.int32],
    indices: numpy.typing.NDArray[numpy.int32],
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
) -> tuple[
    numpy.typing.NDArray[numpy.int32], numpy.typing.NDArray[numpy.int32], numpy.typing.NDArray[numpy.int32]
]: ...
@typing.overload
def completion_transpose(
    indptr: numpy.typing.NDArray[numpy.int64],
    indices: numpy.typing.NDArray[numpy.int64],
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
) -> tuple[
    numpy.typing.NDArray[numpy.int64], numpy.typing.NDArray[numpy.int64], numpy.typing.NDArray[numpy.int64]
]: ...
@typing.overload
def delta_product_scan(
    q: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    k: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    v: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    beta: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    n_h: typing.SupportsInt | typing.SupportsIndex,
    chunk: typing.SupportsInt | typing.SupportsIndex,
    initial_state: typing.Annotated[numpy.typing.ArrayLike, numpy.float32] | None,
) -> tuple[numpy.typing.NDArray[numpy.float32], numpy.typing.NDArray[numpy.float32]]: ...
@typing.overload
def delta_product_scan(
    q: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    k: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    v: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    beta: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    n_h: typing.SupportsInt | typing.SupportsIndex,
    chunk: typing.SupportsInt | typing.SupportsIndex,
    initial_state: typing.Annotated[numpy.typing.ArrayLike, numpy.float64] | None,
) -> tuple[numpy.typing.NDArray[numpy.float64], numpy.typing.NDArray[numpy.float64]]: ...
@typing.overload
def delta_product_scan_backward(
    q: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    k: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    v: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    beta: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    n_h: typing.SupportsInt | typing.SupportsIndex,
    chunk: typing.SupportsInt | typing.SupportsIndex,
    initial_state: typing.Annotated[numpy.typing.ArrayLike, numpy.float32] | None,
    d_out: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    d_final: typing.Annotated[numpy.typing.ArrayLike, numpy.float32] | None,
) -> tuple[
    numpy.typing.NDArray[numpy.float32],
    numpy.typing.NDArray[numpy.float32],
    numpy.typing.NDArray[numpy.float32],
    numpy.typing.NDArray[numpy.float32],
    numpy.typing.NDArray[numpy.float32],
]: ...
@typing.overload
def delta_product_scan_backward(
    q: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    k: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    v: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    beta: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    n_h: typing.SupportsInt | typing.SupportsIndex,
    chunk: typing.SupportsInt | typing.SupportsIndex,
    initial_state: typing.Annotated[numpy.typing.ArrayLike, numpy.float64] | None,
    d_out: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    d_final: typing.Annotated[numpy.typing.ArrayLike, numpy.float64] | None,
) -> tuple[
    numpy.typing.NDArray[numpy.float64],
    numpy.typing.NDArray[numpy.float64],
    numpy.typing.NDArray[numpy.float64],
    numpy.typing.NDArray[numpy.float64],
    numpy.typing.NDArray[numpy.float64],
]: ...
@typing.overload
def entry_adjoint_times(
    n1: typing.SupportsInt | typing.SupportsIndex,
    n2: typing.SupportsInt | typing.SupportsIndex,
    rows: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    cols: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    ptr_r: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    order_r: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    ptr_c: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    order_c: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    s: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    F: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    G: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
) -> tuple[numpy.typing.NDArray[numpy.float32], numpy.typing.NDArray[numpy.float32]]: ...
@typing.overload
def entry_adjoint_times(
    n1: typing.SupportsInt | typing.SupportsIndex,
    n2: typing.SupportsInt | typing.SupportsIndex,
    rows: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    cols: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    ptr_r: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    order_r: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    ptr_c: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    order_c: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    s: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    F: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    G: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
) -> tuple[numpy.typing.NDArray[numpy.float64], numpy.typing.NDArray[numpy.float64]]: ...
@typing.overload
def entry_forward(
    n1: typing.SupportsInt | typing.SupportsIndex,
    n2: typing.SupportsInt | typing.SupportsIndex,
    rows: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    cols: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    ptr_r: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    order_r: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    ptr_c: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    order_c: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    F: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    G: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
) -> numpy.typing.NDArray[numpy.float32]: ...
@typing.overload
def entry_forward(
    n1: typing.SupportsInt | typing.SupportsIndex,
    n2: typing.SupportsInt | typing.SupportsIndex,
    rows: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    cols: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    ptr_r: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    order_r: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    ptr_c: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    order_c: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    F: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    G: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
) -> numpy.typing.NDArray[numpy.float64]: ...
def entry_index_check(
    n1: typing.SupportsInt | typing.SupportsIndex,
    n2: typing.SupportsInt | typing.SupportsIndex,
    rows: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    cols: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    ptr_r: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    order_r: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    ptr_c: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    order_c: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
) -> None: ...
@typing.overload
def fastrp(
    indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
    indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
    data: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    n_nodes: typing.SupportsInt | typing.SupportsIndex,
    options: FastRPOptions,
) -> numpy.typing.NDArray[numpy.float32]: ...
@typing.overload
def fastrp(
    indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    data: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    n_nodes: typing.SupportsInt | typing.SupportsIndex,
    options: FastRPOptions,
) -> numpy.typing.NDArray[numpy.float32]: ...
@typing.overload
def fastrp(
    indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
    indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
    data: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    n_nodes: typing.SupportsInt | typing.SupportsIndex,
    options: FastRPOptions,
) -> numpy.typing.NDArray[numpy.float64]: ...
@typing.overload
def fastrp(
    indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    data: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    n_nodes: typing.SupportsInt | typing.SupportsIndex,
    options: FastRPOptions,
) -> numpy.typing.NDArray[numpy.float64]: ...
def gaussian_draws(
    seed: typing.SupportsInt | typing.SupportsIndex,
    n1: typing.SupportsInt | typing.SupportsIndex,
    n2: typing.SupportsInt | typing.SupportsIndex,
    n_measurements: typing.SupportsInt | typing.SupportsIndex,
    symmetric: bool,
) -> numpy.typing.NDArray[numpy.float64]: ...
@typing.overload
def gaussian_matvec(
    seed: typing.SupportsInt | typing.SupportsIndex,
    n_measurements: typing.SupportsInt | typing.SupportsIndex,
    symmetric: bool,
    X: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    stored: typing.Annotated[numpy.typing.ArrayLike, numpy.float64] | None = None,
) -> numpy.typing.NDArray[numpy.float32]: ...
@typing.overload
def gaussian_matvec(
    seed: typing.SupportsInt | typing.SupportsIndex,
    n_measurements: typing.SupportsInt | typing.SupportsIndex,
    symmetric: bool,
    X: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    stored: typing.Annotated[numpy.typing.ArrayLike, numpy.float64] | None = None,
) -> numpy.typing.NDArray[numpy.float64]: ...
def gaussian_measurement_matrix(
    seed: typing.SupportsInt | typing.SupportsIndex,
    n1: typing.SupportsInt | typing.SupportsIndex,
    n2: typing.SupportsInt | typing.SupportsIndex,
    i: typing.SupportsInt | typing.SupportsIndex,
    symmetric: bool,
) -> numpy.typing.NDArray[numpy.float64]: ...
@typing.overload
def gaussian_rmatvec(
    seed: typing.SupportsInt | typing.SupportsIndex,
    n1: typing.SupportsInt | typing.SupportsIndex,
    n2: typing.SupportsInt | typing.SupportsIndex,
    symmetric: bool,
    y: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    stored: typing.Annotated[numpy.typing.ArrayLike, numpy.float64] | None = None,
) -> numpy.typing.NDArray[numpy.float32]: ...
@typing.overload
def gaussian_rmatvec(
    seed: typing.SupportsInt | typing.SupportsIndex,
    n1: typing.SupportsInt | typing.SupportsIndex,
    n2: typing.SupportsInt | typing.SupportsIndex,
    symmetric: bool,
    y: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    stored: typing.Annotated[numpy.typing.ArrayLike, numpy.float64] | None = None,
) -> numpy.typing.NDArray[numpy.float64]: ...
def get_num_threads() -> int:
    """
    Threads used by the core's parallel loops.
    """

@typing.overload
def householder_product(
    K: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    beta: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
) -> numpy.typing.NDArray[numpy.float32]: ...
@typing.overload
def householder_product(
    K: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    beta: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
) -> numpy.typing.NDArray[numpy.float64]: ...
@typing.overload
def isvd_csr_matmul(
    indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
    indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
    data: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
    W: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
) -> numpy.typing.NDArray[numpy.float32]: ...
@typing.overload
def isvd_csr_matmul(
    indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    data: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
    W: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
) -> numpy.typing.NDArray[numpy.float32]: ...
@typing.overload
def isvd_csr_matmul(
    indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
    indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int32],
    data: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
    W: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
) -> numpy.typing.NDArray[numpy.float64]: ...
@typing.overload
def isvd_csr_matmul(
    indptr: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    indices: typing.Annotated[numpy.typing.ArrayLike, numpy.int64],
    data: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
    W: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
) -> numpy.typing.NDArray[numpy.float64]: ...
def isvd_gaussian(
    seed: typing.SupportsInt | typing.SupportsIndex,
    stream: typing.SupportsInt | typing.SupportsIndex,
    rows: typing.SupportsInt | typing.SupportsIndex,
    cols: typing.SupportsInt | typing.SupportsIndex,
    single: bool,
) -> typing.Any: ...
@typing.overload
def isvd_residual_basis(
    Q: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    block: IsvdBlock32,
    tol: typing.SupportsFloat | typing.SupportsIndex,
) -> tuple[numpy.typing.NDArray[numpy.float32], numpy.typing.NDArray[numpy.float64]]: ...
@typing.overload
def isvd_residual_basis(
    Q: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    block: IsvdBlock64,
    tol: typing.SupportsFloat | typing.SupportsIndex,
) -> tuple[numpy.typing.NDArray[numpy.float64], numpy.typing.NDArray[numpy.float64]]: ...
@typing.overload
def matrix_entropy(X: typing.Annotated[numpy.typing.ArrayLike, numpy.float32]) -> float: ...
@typing.overload
def matrix_entropy(X: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]) -> float: ...
@typing.overload
def matrix_nuclear_norm(
    X: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    rank: typing.SupportsInt | typing.SupportsIndex,
) -> float: ...
@typing.overload
def matrix_nuclear_norm(
    X: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    rank: typing.SupportsInt | typing.SupportsIndex,
) -> float: ...
def max_threads() -> int:
    """
    The most threads set_num_threads accepts.
    """

@typing.overload
def quantize_gptq(
    W: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    H: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    bits: typing.SupportsInt | typing.SupportsIndex,
    group_size: typing.SupportsInt | typing.SupportsIndex,
    symmetric: bool,
    block_size: typing.SupportsInt | typing.SupportsIndex,
    damp: typing.SupportsFloat | typing.SupportsIndex,
    act_order: bool,
) -> tuple: ...
@typing.overload
def quantize_gptq(
    W: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    H: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    bits: typing.SupportsInt | typing.SupportsIndex,
    group_size: typing.SupportsInt | typing.SupportsIndex,
    symmetric: bool,
    block_size: typing.SupportsInt | typing.SupportsIndex,
    damp: typing.SupportsFloat | typing.SupportsIndex,
    act_order: bool,
) -> tuple: ...
@typing.overload
def quantize_rtn(
    W: typing.Annotated[numpy.typing.ArrayLike, numpy.float32],
    bits: typing.SupportsInt | typing.SupportsIndex,
    group_size: typing.SupportsInt | typing.SupportsIndex,
    symmetric: bool,
) -> tuple: ...
@typing.overload
def quantize_rtn(
    W: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    bits: typing.SupportsInt | typing.SupportsIndex,
    group_size: typing.SupportsInt | typing.SupportsIndex,
    symmetric: bool,
) -> tuple: ...
def random_projection_matrix(
    n_features: typing.SupportsInt | typing.SupportsIndex,
    n_components: typing.SupportsInt | typing.SupportsIndex,
    density: typing.SupportsFloat | typing.SupportsIndex,
    seed: typing.SupportsInt | typing.SupportsIndex,
) -> tuple[
    numpy.typing.NDArray[numpy.int64],
    numpy.typing.NDArray[numpy.int64],
    numpy.typing.NDArray[numpy.int8],
    float,
]: ...
def set_num_threads(n: typing.SupportsInt | typing.SupportsIndex) -> None: ...
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
