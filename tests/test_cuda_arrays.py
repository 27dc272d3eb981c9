"""GPU arrays (CuPy, or anything with ``__cuda_array_interface__``) as input to the device= functions.

On the CPU, stand-ins check the Python side: a host array behind a ``__cuda_array_interface__``,
a CuPy stand-in made of NumPy, and a CUDA module whose kernels are the core's (its pointer entry
points read the stand-ins' host memory). Tests marked ``cuda`` need CuPy and a GPU.
"""

import ctypes
import sys
import types

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import lralg
from lralg import _device

CUDA = _device._cuda_module()
HAS_DEVICE = CUDA is not None and CUDA.device_count() > 0
try:
    import cupy
    import cupyx.scipy.sparse as cupy_sparse
except ImportError:  # the CPU suite needs no CuPy
    cupy = cupy_sparse = None
needs_cupy_and_device = pytest.mark.skipif(
    not HAS_DEVICE or cupy is None, reason="needs CuPy, lralg._cuda and a visible GPU"
)


class GpuArray:
    """A stand-in for a CuPy array: host memory described by a __cuda_array_interface__."""

    def __init__(self, host, explicit_strides=False):
        self.host = host
        self.explicit_strides = explicit_strides  # as the interface allows even for C order

    @property
    def __cuda_array_interface__(self):
        interface = self.host.__array_interface__
        return {
            "shape": interface["shape"],
            "typestr": interface["typestr"],
            "data": interface["data"],
            "strides": self.host.strides if self.explicit_strides else interface["strides"],
            "version": 3,
        }


class GpuSparse:
    """A stand-in for a cupyx.scipy.sparse matrix."""

    def __init__(self, host):
        self.host = sp.csr_matrix(host)
        self.format = "csr"
        self.data = GpuArray(self.host.data)

    def get(self):
        return self.host.copy()


def _fake_cupy():
    return types.SimpleNamespace(
        asnumpy=lambda x: x.host.copy(),
        asarray=lambda x: x if isinstance(x, GpuArray) else GpuArray(np.asarray(x)),
        isfinite=lambda x: np.isfinite(x.host),
        empty=lambda shape, dtype: GpuArray(np.empty(shape, dtype)),
    )


def _host_view(address, shape, dtype):
    """The memory at `address` (host memory, as the stand-ins' addresses are) as an array."""
    dtype = np.dtype(dtype)
    count = int(np.prod(shape)) * dtype.itemsize
    raw = np.ctypeslib.as_array((ctypes.c_char * count).from_address(address))
    return raw.view(dtype).reshape(shape)


class CoreAsGpu:
    """lralg._cuda as the host code sees it, its kernels the core's; counts the pointer calls."""

    def __init__(self):
        self.pointer_calls = 0

    def __getattr__(self, name):
        return getattr(lralg._core, name)

    @staticmethod
    def device_count():
        return 1

    def sparse_random_projection_on_device(self, X, rows, cols, row_major, k, density, seed, out, dtype):
        self.pointer_calls += 1
        x = _host_view(X, (rows, cols), dtype) if row_major else _host_view(X, (cols, rows), dtype).T
        _host_view(out, (rows, k), dtype)[...] = lralg._core.sparse_random_projection(x, k, density, seed)

    @staticmethod
    def completion_observations(*observations):
        return observations

    @staticmethod
    def completion_solve_rows(*args, resident):
        return lralg._core.completion_solve_rows(*args)

    def fastrp_to_device(self, indptr, indices, data, n, options, out):
        self.pointer_calls += 1
        E = lralg._core.fastrp(indptr, indices, data, n, options)
        _host_view(out, E.shape, E.dtype)[...] = E


class _Untouchable:
    """Fails any use: what must not be reached before the arguments are checked."""

    def __getattr__(self, name):
        raise AssertionError(f"the device was asked for ({name}) before the arguments were checked")


@pytest.fixture
def fake_gpu(monkeypatch):
    backend = CoreAsGpu()
    monkeypatch.setattr(_device, "_cuda_module", lambda: backend)
    monkeypatch.setattr(_device, "_cupy", _fake_cupy)
    return backend


@pytest.fixture
def untouchable_gpu(monkeypatch):
    monkeypatch.setattr(_device, "_cuda_module", lambda: _Untouchable())
    monkeypatch.setattr(_device, "_cupy", lambda: _Untouchable())


def _dense(seed=0, shape=(40, 30), dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _edges(n=60):
    return np.array([[i, (i + 1) % n] for i in range(n)] + [[i, (i + 7) % n] for i in range(0, n, 3)])


def _observed(seed=2, m=60, n=45, k=3):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((m, k)) @ rng.standard_normal((k, n))
    rows, cols = np.nonzero(rng.random((m, n)) < 0.4)
    return sp.csr_array((M[rows, cols], (rows, cols)), shape=(m, n))


# One call per device= function, on a GPU stand-in of valid input.
GPU_CALLS = {
    "sparse_random_projection": lambda X, device: lralg.sparse_random_projection(X, 8, rng=0, device=device),
    "fastrp": lambda X, device: lralg.fastrp(X, 8, rng=0, device=device),
    "complete": lambda X, device: lralg.complete(X, 2, max_iter=2, rng=0, device=device),
    "incremental_svd": lambda X, device: lralg.incremental_svd(X, 3, rng=0, device=device),
    "truncated_svd": lambda X, device: lralg.truncated_svd(X, 3, rng=0, device=device),
    "top_eigenvector": lambda X, device: lralg.top_eigenvector(X, rng=0, device=device),
}
GPU_INPUT = {
    "sparse_random_projection": lambda: GpuArray(_dense()),
    "fastrp": lambda: GpuSparse(sp.random(50, 50, density=0.1, random_state=0)),
    "complete": lambda: GpuSparse(_observed()),
    "incremental_svd": lambda: GpuArray(_dense()),
    "truncated_svd": lambda: GpuArray(_dense()),
    "top_eigenvector": lambda: GpuArray(_dense()),
}


def test_device_arrays_are_told_apart_from_host_ones():
    assert _device.is_device_array(GpuArray(_dense()))
    assert _device.is_device_array(GpuSparse(sp.eye(3)))
    assert not _device.is_device_array(_dense())
    assert not _device.is_device_array(sp.csr_array(sp.eye(3)))
    assert not _device.is_device_array([[1.0, 2.0]])


@pytest.mark.parametrize("name", sorted(GPU_CALLS))
def test_gpu_input_with_device_cpu_is_a_type_error(name, untouchable_gpu):
    with pytest.raises(TypeError, match=r"GPU array .* device='cpu'.*device='cuda'.*cupy\.asnumpy"):
        GPU_CALLS[name](GPU_INPUT[name](), "cpu")


def test_a_gpu_block_with_device_cpu_is_a_type_error(untouchable_gpu):
    with pytest.raises(TypeError, match=r"blocks\[1\] is a GPU array"):
        lralg.incremental_svd([_dense(1), GpuArray(_dense(2))], 3, device="cpu")


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: GpuArray(_dense().astype(np.int64)), TypeError, "float32 or float64"),
        (lambda: GpuArray(_dense().astype(np.complex128)), TypeError, "float32 or float64"),
        (lambda: GpuArray(_dense()[0]), ValueError, "2-D"),
        (lambda: GpuArray(np.zeros((0, 5))), ValueError, "empty"),
        (lambda: GpuArray(_dense()[:, ::2]), ValueError, "contiguous"),
        (lambda: GpuArray(_dense()[::2]), ValueError, "contiguous"),
    ],
)
def test_gpu_matrix_is_checked_before_the_device_is_asked_for(untouchable_gpu, make, error, match):
    with pytest.raises(error, match=rf"X.*{match}|{match}.*X"):
        lralg.sparse_random_projection(make(), 8, rng=0, device="cuda")


def test_options_are_checked_before_the_device_is_asked_for(untouchable_gpu):
    with pytest.raises(ValueError, match="n_components"):
        lralg.sparse_random_projection(GpuArray(_dense()), 0, device="cuda")
    with pytest.raises(ValueError, match="density"):
        lralg.sparse_random_projection(GpuArray(_dense()), 4, density=2.0, device="cuda")


def test_gpu_layouts_read_from_the_interface():
    C = _dense(shape=(5, 4))
    assert _device.gpu_matrix(GpuArray(C), "X").row_major
    F = np.asfortranarray(C)
    assert not _device.gpu_matrix(GpuArray(F), "X", orders="CF").row_major
    with pytest.raises(ValueError, match="C-contiguous"):
        _device.gpu_matrix(GpuArray(F), "X")
    column = np.asfortranarray(_dense(shape=(5, 1)))  # a length-1 axis may have any stride
    assert _device.gpu_matrix(GpuArray(column), "X").row_major
    view = _device.gpu_matrix(GpuArray(C), "X")
    assert view.address == C.ctypes.data and view.shape == (5, 4) and view.dtype == np.float64


@settings(max_examples=80)
@given(
    rows=st.integers(1, 6),
    cols=st.integers(1, 6),
    step_r=st.integers(1, 3),
    step_c=st.integers(1, 3),
    transpose=st.booleans(),
    dtype=st.sampled_from([np.float32, np.float64]),
    explicit=st.booleans(),
)
def test_gpu_layouts_agree_with_numpy_flags(rows, cols, step_r, step_c, transpose, dtype, explicit):
    # the interface's strides, read as NumPy reads its own: taken in place exactly when
    # NumPy calls the array C- (or F-) contiguous, in the order NumPy says
    base = np.arange(rows * step_r * cols * step_c, dtype=dtype).reshape(rows * step_r, cols * step_c)
    view = base[::step_r, ::step_c]
    view = view.T if transpose else view
    for orders in ("C", "CF"):
        if view.flags.c_contiguous or ("F" in orders and view.flags.f_contiguous):
            checked = _device.gpu_matrix(GpuArray(view, explicit), "X", orders=orders)
            assert checked.row_major == view.flags.c_contiguous
            assert checked.address == view.ctypes.data and checked.shape == view.shape
        else:
            with pytest.raises(ValueError, match="contiguous"):
                _device.gpu_matrix(GpuArray(view, explicit), "X", orders=orders)


def test_nan_in_a_gpu_matrix_is_refused_before_the_kernel(fake_gpu):
    X = _dense()
    X[3, 4] = np.nan
    with pytest.raises(ValueError, match="X contains NaN or Inf"):
        lralg.sparse_random_projection(GpuArray(X), 8, device="cuda")
    assert fake_gpu.pointer_calls == 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", ["C", "F"])
def test_projection_of_a_gpu_matrix_is_read_in_place_and_returned_on_the_gpu(fake_gpu, dtype, order):
    X = np.asarray(_dense(4, (33, 70), dtype), order=order)
    before = X.copy()
    cpu = lralg.sparse_random_projection(X, 12, rng=5)
    gpu = lralg.sparse_random_projection(GpuArray(X), 12, rng=5, device="cuda")
    assert fake_gpu.pointer_calls == 1
    assert isinstance(gpu, GpuArray) and gpu.host.dtype == dtype
    np.testing.assert_array_equal(gpu.host, cpu)
    np.testing.assert_array_equal(X, before)


def test_projection_overflow_on_the_gpu_is_a_value_error(fake_gpu):
    X = np.full((4, 50), 3e38, dtype=np.float32)
    with pytest.raises(ValueError, match="overflowed float32"):
        lralg.sparse_random_projection(GpuArray(X), 4, density=1.0, rng=0, device="cuda")


def test_projection_of_a_gpu_sparse_matrix_goes_through_the_host(fake_gpu):
    X = sp.random(40, 200, density=0.05, random_state=3, format="csr")
    cpu = lralg.sparse_random_projection(X, 10, rng=2)
    gpu = lralg.sparse_random_projection(GpuSparse(X), 10, rng=2, device="cuda")
    assert isinstance(gpu, GpuArray) and fake_gpu.pointer_calls == 0
    np.testing.assert_array_equal(gpu.host, cpu)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fastrp_of_a_gpu_graph_writes_the_embedding_on_the_gpu(fake_gpu, dtype):
    g = GpuSparse(sp.random(80, 80, density=0.08, random_state=1))
    cpu = lralg.fastrp(g.host, 16, dtype=dtype, rng=3, weights=(1.0, 0.5, 2.0))
    gpu = lralg.fastrp(g, 16, dtype=dtype, rng=3, weights=(1.0, 0.5, 2.0), device="cuda")
    assert fake_gpu.pointer_calls == 1
    assert isinstance(gpu, GpuArray) and gpu.host.dtype == dtype
    np.testing.assert_array_equal(gpu.host, cpu)


def test_fastrp_of_a_gpu_edge_list_is_checked_on_the_host(fake_gpu):
    with pytest.raises(ValueError, match="n_nodes"):
        lralg.fastrp(GpuArray(_edges()), 8, device="cuda")
    cpu = lralg.fastrp(_edges(), 8, n_nodes=60, rng=1)
    gpu = lralg.fastrp(GpuArray(_edges()), 8, n_nodes=60, rng=1, device="cuda")
    np.testing.assert_array_equal(gpu.host, cpu)


@pytest.mark.parametrize("sparse", [False, True])
def test_truncated_svd_of_a_gpu_matrix_returns_gpu_factors(fake_gpu, sparse):
    A = _dense(6, (50, 35))
    A = sp.csr_array(A * (np.abs(A) > 0.5)) if sparse else A
    cpu = lralg.truncated_svd(A, 4, rng=1)
    gpu = lralg.truncated_svd(GpuSparse(A) if sparse else GpuArray(A), 4, rng=1, device="cuda")
    for a, b in zip(gpu, cpu):
        assert isinstance(a, GpuArray)
        np.testing.assert_array_equal(a.host, b)
    assert gpu.error_estimate == cpu.error_estimate


@pytest.mark.parametrize("axis", [0, 1])
def test_incremental_svd_of_gpu_blocks_returns_gpu_factors(fake_gpu, axis):
    X = _dense(7, (80, 30)) @ np.diag(0.8 ** np.arange(30))
    blocks = np.array_split(X, 4, axis=axis)
    # a list of GPU blocks, and one GPU matrix (a single block)
    for host, gpu_input in [
        (blocks, [GpuArray(np.ascontiguousarray(b)) for b in blocks]),
        (X, GpuArray(X)),
    ]:
        cpu = lralg.incremental_svd(host, 5, axis=axis, rng=2)
        gpu = lralg.incremental_svd(gpu_input, 5, axis=axis, rng=2, device="cuda")
        for a, b in zip(gpu, cpu):
            assert isinstance(a, GpuArray)
            np.testing.assert_array_equal(a.host, b)


def test_top_eigenvector_of_gpu_rows_returns_a_gpu_vector(fake_gpu):
    A = _dense(2, (900, 12)) * np.r_[3.0, np.ones(11)]
    cpu = lralg.top_eigenvector(A, rng=1, block_size=200)
    gpu = lralg.top_eigenvector(GpuArray(A), rng=1, block_size=200, device="cuda")
    assert isinstance(gpu.vector, GpuArray)
    np.testing.assert_array_equal(gpu.vector.host, cpu.vector)
    assert gpu.value == cpu.value and gpu.n_rows_seen == cpu.n_rows_seen


@pytest.mark.parametrize(
    "gpu_input", [GpuSparse, lambda M: GpuArray(np.where(M.toarray() != 0, M.toarray(), np.nan))]
)
def test_complete_of_gpu_observations_fits_the_host_model(fake_gpu, gpu_input):
    M = _observed()
    dense = np.where(M.toarray() != 0, M.toarray(), np.nan)
    cpu = lralg.complete(M if gpu_input is GpuSparse else dense, 3, rng=4, max_iter=5)
    gpu = lralg.complete(gpu_input(M), 3, rng=4, max_iter=5, device="cuda")
    assert isinstance(gpu.U, np.ndarray)  # the fitted model lives on the host (docs/cuda.md)
    np.testing.assert_array_equal(gpu.U, cpu.U)
    np.testing.assert_array_equal(gpu.V, cpu.V)


def test_without_cupy_a_gpu_array_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)
    with pytest.raises(RuntimeError, match="CuPy is not installed"):
        _device._cupy()


# ---- on a GPU, with CuPy --------------------------------------------------


@pytest.mark.cuda
@needs_cupy_and_device
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", ["C", "F"])
def test_cupy_projection_matches_the_host_input(dtype, order):
    X = np.asarray(_dense(1, (257, 900), dtype), order=order)
    host = lralg.sparse_random_projection(X, 100, rng=3, device="cuda")
    X_gpu = cupy.asarray(X, order=order)
    gpu = lralg.sparse_random_projection(X_gpu, 100, rng=3, device="cuda")
    assert isinstance(gpu, cupy.ndarray) and gpu.dtype == dtype and gpu.flags.c_contiguous
    np.testing.assert_array_equal(cupy.asnumpy(gpu), host)  # the same kernel on the same numbers
    np.testing.assert_array_equal(cupy.asnumpy(X_gpu), X)  # read in place, not written


@pytest.mark.cuda
@needs_cupy_and_device
def test_cupy_sparse_inputs_match_the_host_input():
    A = sp.random(500, 500, density=0.02, random_state=2, format="csr")
    A = (A + A.T).tocsr()
    host = lralg.fastrp(A, 32, rng=1, device="cuda")
    gpu = lralg.fastrp(cupy_sparse.csr_matrix(A), 32, rng=1, device="cuda")
    assert isinstance(gpu, cupy.ndarray)
    np.testing.assert_array_equal(cupy.asnumpy(gpu), host)
    X = sp.random(300, 800, density=0.03, random_state=4, format="csr")
    host = lralg.sparse_random_projection(X, 50, rng=2, device="cuda")
    gpu = lralg.sparse_random_projection(cupy_sparse.csr_matrix(X), 50, rng=2, device="cuda")
    np.testing.assert_array_equal(cupy.asnumpy(gpu), host)


@pytest.mark.cuda
@needs_cupy_and_device
def test_cupy_svds_and_eigenvector_return_cupy():
    A = _dense(3, (400, 120)) @ np.diag(0.9 ** np.arange(120))
    host = lralg.truncated_svd(A, 5, rng=1, device="cuda")
    gpu = lralg.truncated_svd(cupy.asarray(A), 5, rng=1, device="cuda")
    for a, b in zip(gpu, host):
        np.testing.assert_array_equal(cupy.asnumpy(a), b)
    gpu = lralg.incremental_svd([cupy.asarray(b) for b in np.array_split(A, 4)], 5, rng=1, device="cuda")
    host = lralg.incremental_svd(np.array_split(A, 4), 5, rng=1, device="cuda")
    for a, b in zip(gpu, host):
        np.testing.assert_array_equal(cupy.asnumpy(a), b)
    host = lralg.top_eigenvector(A, rng=1, device="cuda")
    gpu = lralg.top_eigenvector(cupy.asarray(A), rng=1, device="cuda")
    np.testing.assert_array_equal(cupy.asnumpy(gpu.vector), host.vector)


@pytest.mark.cuda
@needs_cupy_and_device
def test_cupy_with_device_cpu_is_a_type_error():
    with pytest.raises(TypeError, match="device='cuda'"):
        lralg.truncated_svd(cupy.ones((5, 4)), 2)
