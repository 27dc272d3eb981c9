"""The CUDA backend: the device= keyword, its errors, and the kernels against the CPU.

Tests marked ``cuda`` need lralg._cuda (built with LRALG_CUDA=ON) and a visible GPU, and skip
otherwise; the others run everywhere and check the selection and error paths on the CPU.
"""

import hashlib
import inspect

import numpy as np
import pytest
import scipy.sparse as sp

import lralg
from lralg import _device

CUDA = _device._cuda_module()
HAS_DEVICE = CUDA is not None and CUDA.device_count() > 0
needs_device = pytest.mark.skipif(not HAS_DEVICE, reason="no CUDA build or no visible GPU")


def _dense(seed=0, shape=(30, 40)):
    return np.random.default_rng(seed).standard_normal(shape)


def _ring_graph(n=60):
    return np.array([[i, (i + 1) % n] for i in range(n)]), n


# One call per function with a device= keyword, on small valid input.
CALLS = {
    "sparse_random_projection": lambda device: lralg.sparse_random_projection(
        _dense(), 8, rng=0, device=device
    ),
    "fastrp": lambda device: lralg.fastrp(_ring_graph()[0], 8, n_nodes=60, rng=0, device=device),
    "complete": lambda device: lralg.complete(
        sp.random(20, 15, density=0.5, random_state=0, format="csr"), 2, max_iter=2, device=device
    ),
    "incremental_svd": lambda device: lralg.incremental_svd(_dense(), 3, rng=0, device=device),
    "truncated_svd": lambda device: lralg.truncated_svd(_dense(), 3, rng=0, device=device),
    "top_eigenvector": lambda device: lralg.top_eigenvector(_dense(), rng=0, device=device),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_device_cpu_is_the_default(name):
    assert inspect.signature(getattr(lralg, name)).parameters["device"].default == "cpu"
    assert CALLS[name]("cpu") is not None


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("device, error", [("gpu", ValueError), ("CUDA", ValueError), (0, TypeError)])
def test_bad_device_is_refused(name, device, error):
    with pytest.raises(error, match="device"):
        CALLS[name](device)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_cuda_without_a_cuda_build_says_so(name, monkeypatch):
    monkeypatch.setattr(_device, "_cuda_module", lambda: None)
    with pytest.raises(RuntimeError, match=rf"{name}\(device='cuda'\).*built without the CUDA backend"):
        CALLS[name]("cuda")


class _NoDevice:
    """A CUDA module as it is on a machine without a GPU."""

    @staticmethod
    def device_count():
        return 0

    @staticmethod
    def runtime_version():
        return 13000


@pytest.mark.parametrize("name", sorted(CALLS))
def test_cuda_without_a_device_says_so(name, monkeypatch):
    monkeypatch.setattr(_device, "_cuda_module", lambda: _NoDevice)
    with pytest.raises(RuntimeError, match="no CUDA device is visible"):
        CALLS[name]("cuda")


def test_input_is_validated_before_the_device_is_asked_for(monkeypatch):
    monkeypatch.setattr(_device, "_cuda_module", lambda: None)
    X = _dense()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        lralg.sparse_random_projection(X, 8, device="cuda")
    with pytest.raises(ValueError, match="n_components"):
        lralg.sparse_random_projection(_dense(), 0, device="cuda")
    with pytest.raises(ValueError, match="dim"):
        lralg.fastrp(_ring_graph()[0], 0, n_nodes=60, device="cuda")
    with pytest.raises(ValueError, match="rank"):
        lralg.truncated_svd(_dense(), 0, device="cuda")
    with pytest.raises(ValueError, match="NaN"):
        lralg.truncated_svd(sp.csr_array(X), 2, device="cuda")
    with pytest.raises(ValueError, match="NaN"):
        lralg.top_eigenvector(X, device="cuda")
    with pytest.raises(ValueError, match="block_size"):
        lralg.top_eigenvector(_dense(), block_size=0, device="cuda")


class _CoreAsDevice(_NoDevice):
    """A CUDA module whose kernels are the core's: the host code around them, checked on the CPU."""

    calls = uploads = 0

    @staticmethod
    def device_count():
        return 1

    @classmethod
    def completion_observations(cls, *observations):
        cls.uploads += 1
        return observations

    @classmethod
    def completion_solve_rows(cls, *args, resident=None):
        # every half-sweep gets the device copy of the very arrays it is given
        assert resident is not None and len(resident) == 6
        assert all(a is b for a, b in zip(resident[:4], args[:4])) and resident[4:] == args[4:6]
        cls.calls += 1
        return lralg._core.completion_solve_rows(*args)


@pytest.mark.parametrize(
    "options",
    [{}, {"method": "altmin", "reg": 0.5}, {"bias": True}, {"reg": "auto", "max_iter": 5}],
)
def test_complete_on_device_keeps_the_host_loop(monkeypatch, options):
    # device="cuda" changes only who solves the rows: the sweeps, stopping rule and
    # reg path are the CPU's, so a device that solves as the core does gives the CPU's fit.
    M = _observed_low_rank(seed=2)
    cpu = lralg.complete(M, 3, rng=4, **options)
    monkeypatch.setattr(_device, "_cuda_module", lambda: _CoreAsDevice)
    _CoreAsDevice.calls = _CoreAsDevice.uploads = 0
    dev = lralg.complete(M, 3, rng=4, device="cuda", **options)
    sweeps = sum(p["n_iter"] for p in dev.reg_path or []) + dev.settling_sweeps + dev.n_iter
    assert _CoreAsDevice.calls == 2 * sweeps
    # the observations go to the device once per side and fit state (the training split's
    # too, where reg is chosen on it), not once per half-sweep
    assert _CoreAsDevice.uploads == (4 if dev.reg_path else 2)
    np.testing.assert_array_equal(dev.U, cpu.U)
    np.testing.assert_array_equal(dev.V, cpu.V)
    assert dev.reg == cpu.reg and dev.history[-1]["rmse"] == cpu.history[-1]["rmse"]


class _CoreSvdAsDevice(_CoreAsDevice):
    """The SVD face of the CUDA module (blocks, state, truncated_svd) served by the core's."""

    IsvdBlock32, IsvdBlock64 = lralg._core.IsvdBlock32, lralg._core.IsvdBlock64
    IsvdState32, IsvdState64 = lralg._core.IsvdState32, lralg._core.IsvdState64
    calls = 0

    @classmethod
    def truncated_svd(cls, block, *args):
        assert isinstance(block, (cls.IsvdBlock32, cls.IsvdBlock64))
        cls.calls += 1
        return lralg._core.truncated_svd(block, *args)


@pytest.mark.parametrize("layout", ["C", "F", "csr"])
def test_truncated_svd_on_device_is_the_cpu_algorithm(monkeypatch, layout):
    A = _dense(3, (60, 45))
    A = sp.csr_array(A * (np.abs(A) > 1)) if layout == "csr" else np.asarray(A, order=layout)
    cpu = lralg.truncated_svd(A, 4, rng=2, power_iters=1)
    monkeypatch.setattr(_device, "_cuda_module", lambda: _CoreSvdAsDevice)
    _CoreSvdAsDevice.calls = 0
    dev = lralg.truncated_svd(A, 4, rng=2, power_iters=1, device="cuda")
    assert _CoreSvdAsDevice.calls == 1
    for a, b in zip(dev, cpu):
        np.testing.assert_array_equal(a, b)
    assert dev.error_estimate == cpu.error_estimate


class _CountingState:
    """Wraps the core's IsvdState64 and counts the updates the device module is asked for."""

    updates = 0

    def __init__(self, *args):
        self._state = lralg._core.IsvdState64(*args)

    def update(self, block, *args):
        assert isinstance(block, lralg._core.IsvdBlock64)
        type(self).updates += 1
        return self._state.update(block, *args)

    def __getattr__(self, name):
        return getattr(self._state, name)


@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("residual", ["auto", "exact", "sketch"])
@pytest.mark.parametrize("sparse", [False, True])
def test_incremental_svd_on_device_is_the_cpu_algorithm(monkeypatch, axis, residual, sparse):
    # device="cuda" hands every block to the device module's state: a module whose state is
    # the core's gives the CPU's result bit for bit, so the host loop is the same.
    X = _dense(5, (90, 40)) @ np.diag(0.8 ** np.arange(40))
    blocks = np.array_split(X, 4, axis=axis)
    if sparse:
        blocks = [sp.csr_array(b * (np.abs(b) > 0.3)) for b in blocks]
    cpu = lralg.incremental_svd(blocks, 5, axis=axis, residual=residual, rng=1)

    class Device(_CoreSvdAsDevice):
        IsvdState64 = _CountingState

    monkeypatch.setattr(_device, "_cuda_module", lambda: Device)
    _CountingState.updates = 0
    dev = lralg.incremental_svd(blocks, 5, axis=axis, residual=residual, rng=1, device="cuda")
    assert _CountingState.updates == 4
    for a, b in zip(dev, cpu):
        np.testing.assert_array_equal(a, b)


class _CoreStreamAsDevice(_NoDevice):
    """The streaming face of the CUDA module served by the core's, counting the updates."""

    StreamingTopEigenvector = lralg._core.StreamingTopEigenvector
    updates = 0

    @staticmethod
    def device_count():
        return 1

    @classmethod
    def streaming_update(cls, *args):
        cls.updates += 1
        return lralg._core.streaming_update(*args)

    @classmethod
    def streaming_update_csr(cls, *args):
        cls.updates += 1
        return lralg._core.streaming_update_csr(*args)


@pytest.mark.parametrize("sparse", [False, True])
def test_top_eigenvector_on_device_keeps_the_host_loop(monkeypatch, sparse):
    A = _dense(2, (3000, 20)) * np.r_[3.0, np.ones(19)]
    A = sp.csr_array(A * (np.abs(A) > 0.5)) if sparse else A
    cpu = lralg.top_eigenvector(A, rng=1, block_size=700)
    monkeypatch.setattr(_device, "_cuda_module", lambda: _CoreStreamAsDevice)
    _CoreStreamAsDevice.updates = 0
    dev = lralg.top_eigenvector(A, rng=1, block_size=700, device="cuda")
    assert _CoreStreamAsDevice.updates == 5
    np.testing.assert_array_equal(dev.vector, cpu.vector)
    assert dev.value == cpu.value and dev.n_heavy == cpu.n_heavy
    for method in ("oja", "exact"):
        with pytest.raises(NotImplementedError, match="random-order"):
            lralg.top_eigenvector(A, method=method, device="cuda")


def test_incremental_svd_validates_before_the_device_is_asked_for(monkeypatch):
    monkeypatch.setattr(_device, "_cuda_module", lambda: None)
    for kwargs, match in [
        ({"rank": 0}, "rank"),
        ({"rank": 2, "residual": "qr"}, "residual"),
        ({"rank": 2, "axis": 2}, "axis"),
        ({"rank": 2, "tol": -1.0}, "tol"),
    ]:
        with pytest.raises(ValueError, match=match):
            lralg.incremental_svd(_dense(), device="cuda", **kwargs)


def _observed_low_rank(seed=0, m=120, n=90, k=3, fraction=0.4, dtype=np.float64):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((m, k)) @ rng.standard_normal((k, n)) + 0.01 * rng.standard_normal((m, n))
    mask = rng.random((m, n)) < fraction
    rows, cols = np.nonzero(mask)
    return sp.csr_array((M[rows, cols].astype(dtype), (rows, cols)), shape=(m, n))


def test_complete_validates_before_the_device_is_asked_for(monkeypatch):
    monkeypatch.setattr(_device, "_cuda_module", lambda: None)
    M = _observed_low_rank()
    with pytest.raises(ValueError, match="rank"):
        lralg.complete(M, 0, device="cuda")
    bad = M.copy()
    bad.data[0] = np.inf
    with pytest.raises(ValueError, match="finite|NaN|Inf"):
        lralg.complete(bad, 2, device="cuda")
    with pytest.raises(ValueError, match="method"):
        lralg.complete(M, 2, method="sgd", device="cuda")


def test_config_reports_the_cuda_module_and_devices(monkeypatch):
    info = lralg.config()
    assert info["cuda"] is (CUDA is not None)
    assert isinstance(info["cuda_devices"], int) and info["cuda_devices"] >= 0
    assert (info["cuda_device"] is None) == (info["cuda_devices"] == 0)
    monkeypatch.setattr(_device, "_cuda_module", lambda: _NoDevice)
    info = lralg.config()
    assert info["cuda"] is True and info["cuda_devices"] == 0 and info["cuda_device"] is None
    assert info["cuda_runtime"] == 13000


@pytest.mark.skipif(CUDA is None, reason="lralg was built without the CUDA backend")
def test_cuda_module_imports_and_counts_devices():
    assert CUDA.device_count() >= 0
    assert CUDA.runtime_version() >= 12000
    if not HAS_DEVICE:
        with pytest.raises(RuntimeError, match="no CUDA device"):
            CUDA.device_name()


@pytest.mark.skipif(CUDA is None, reason="lralg was built without the CUDA backend")
def test_cuda_module_takes_scipy_blas_for_its_host_steps():
    from lralg import _blas

    assert sorted(CUDA._set_blas(_blas.scipy_capsules())) == sorted(_blas.LOADED)


# The host side of the generator shared with the device (LRALG_HD) must give
# the numbers it gave before it was shared: values recorded from the build
# before the change.
def test_shared_generator_host_path_is_unchanged():
    seed = 2**63 + 7
    draws = [lralg._core._uniform(seed, s, c) for s in (0, 1, 2**40) for c in (0, 1, 2**33)]
    assert [x.hex() for x in draws] == [
        "0x1.f1df6fe2646a0p-1",
        "0x1.55a3c4d573405p-1",
        "0x1.6fd43c5bb6fc8p-2",
        "0x1.183137385a2a7p-1",
        "0x1.b8382bbf5bde2p-2",
        "0x1.5ba32a4ff51e4p-2",
        "0x1.47821606b1523p-1",
        "0x1.4f8b75bc1f2d0p-2",
        "0x1.098cd5bb0df55p-1",
    ]
    indptr, indices, signs, scale = lralg._core.random_projection_matrix(1000, 64, 0.05, 12345)
    digest = hashlib.sha256(
        np.asarray(indptr, np.int64).tobytes()
        + np.asarray(indices, np.int64).tobytes()
        + np.asarray(signs, np.int8).tobytes()
    ).hexdigest()
    assert (len(indices), scale) == (3281, 0.5590169943749475)
    assert digest == "7e114c9fef6d0859dd3f59e84c3390eb110e20ef7138ed034710c31d81321cac"
    _, _, signs, _ = lralg._core.random_projection_matrix(50, 30, 1.0, 7)
    digest = hashlib.sha256(np.asarray(signs, np.int8).tobytes()).hexdigest()
    assert digest == "c767373b7cba84b187b2cafc5c88b55db544d7f17216dfc585a60fa313d52143"


# ---- on a GPU -------------------------------------------------------------


@pytest.mark.cuda
@needs_device
@pytest.mark.parametrize(
    "n_features, n_components, density", [(1000, 64, 0.05), (300, 17, 1.0), (5000, 256, None)]
)
def test_device_draws_the_cpu_projection(n_features, n_components, density):
    density = density or 1 / np.sqrt(n_features)
    cpu = lralg._core.random_projection_matrix(n_features, n_components, density, 42)
    gpu = CUDA.random_projection_matrix(n_features, n_components, density, 42)
    np.testing.assert_array_equal(gpu[0], cpu[0])
    np.testing.assert_array_equal(gpu[1], cpu[1])
    np.testing.assert_array_equal(gpu[2], cpu[2])


@pytest.mark.cuda
@needs_device
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["C", "F", "csr32", "csr64"])
def test_projection_on_device_matches_cpu(dtype, layout):
    X = np.random.default_rng(1).standard_normal((257, 900)).astype(dtype)
    if layout == "F":
        X = np.asfortranarray(X)
    elif layout.startswith("csr"):
        X = sp.random(257, 900, density=0.05, random_state=1, format="csr", dtype=dtype)
        index = np.int32 if layout == "csr32" else np.int64
        X.indptr, X.indices = X.indptr.astype(index), X.indices.astype(index)
    cpu = lralg.sparse_random_projection(X, 100, rng=3)
    gpu = lralg.sparse_random_projection(X, 100, rng=3, device="cuda")
    assert gpu.dtype == cpu.dtype and gpu.shape == cpu.shape
    # The same R and the same order of the sums: equal up to the last bit,
    # bar the compiler's contractions.
    np.testing.assert_allclose(gpu, cpu, rtol=1e-6 if dtype == np.float32 else 1e-13, atol=1e-6)


@pytest.mark.cuda
@needs_device
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"weights": (1, 1, 7.81, 45.28), "beta": -0.628},
        {"weights": (0.5, 1.0), "transition": False, "normalize": False, "self_influence": 0.3},
        {"weights": (1.0,) * 6, "beta": 0.5, "self_influence": 1.0},
    ],
)
def test_fastrp_on_device_matches_cpu(dtype, options):
    rng = np.random.default_rng(5)
    n = 2000
    rows, cols = rng.integers(0, n, 20000), rng.integers(0, n, 20000)
    A = sp.csr_array((rng.random(20000), (rows, cols)), shape=(n, n))
    A = (A + A.T).tocsr()
    cpu = lralg.fastrp(A, 64, dtype=dtype, rng=7, **options)
    gpu = lralg.fastrp(A, 64, dtype=dtype, rng=7, device="cuda", **options)
    assert gpu.dtype == cpu.dtype and gpu.shape == cpu.shape
    tol = 2e-3 if dtype == np.float32 else 1e-9
    np.testing.assert_allclose(gpu, cpu, rtol=tol, atol=tol)


@pytest.mark.cuda
@needs_device
def test_out_of_device_memory_is_a_memory_error_naming_the_size():
    with pytest.raises(MemoryError, match=r"asked for 1125899906842624 bytes"):
        CUDA._try_allocate(2**50)
    CUDA._try_allocate(2**20)  # the device still works after the failure


@pytest.mark.cuda
@needs_device
@pytest.mark.parametrize("method", ["oja", "exact"])
def test_top_eigenvector_methods_without_a_kernel_say_so_on_a_gpu(method):
    with pytest.raises(NotImplementedError, match="random-order"):
        lralg.top_eigenvector(_dense(), method=method, device="cuda")


@pytest.mark.cuda
@needs_device
@pytest.mark.parametrize("method", ["robust-altmin", "altmin"])
@pytest.mark.parametrize(
    "options",
    [{}, {"reg": 0.3}, {"bias": True, "reg": 0.5}, {"reg": "auto", "max_iter": 10}, {"init": "random"}],
)
def test_complete_on_device_matches_cpu(method, options):
    M = _observed_low_rank(seed=7, m=700, n=500, k=4, fraction=0.05)
    cpu = lralg.complete(M, 4, method=method, rng=1, **options)
    gpu = lralg.complete(M, 4, method=method, rng=1, device="cuda", **options)
    assert gpu.n_iter == cpu.n_iter and gpu.reg == cpu.reg
    assert [h["cg_iterations"] for h in gpu.history] == [h["cg_iterations"] for h in cpu.history]
    np.testing.assert_allclose(gpu.U @ gpu.V.T, cpu.U @ cpu.V.T, rtol=0, atol=1e-10)
    if options.get("bias"):
        np.testing.assert_allclose(gpu.row_bias, cpu.row_bias, rtol=0, atol=1e-10)
        np.testing.assert_allclose(gpu.col_bias, cpu.col_bias, rtol=0, atol=1e-10)


@pytest.mark.cuda
@needs_device
@pytest.mark.parametrize("method", ["robust-altmin", "altmin"])
def test_complete_on_device_float32_and_empty_rows(method):
    M = _observed_low_rank(seed=3, m=300, n=200, k=3, fraction=0.1, dtype=np.float32).tolil()
    M[5, :] = 0  # a row and a column without observations get zero factors
    M[:, 7] = 0
    M = sp.csr_array(M.tocsr())
    M.eliminate_zeros()
    cpu = lralg.complete(M, 3, method=method, rng=2, max_iter=20)
    gpu = lralg.complete(M, 3, method=method, rng=2, max_iter=20, device="cuda")
    assert gpu.U.dtype == np.float32
    assert not gpu.U[5].any() and not gpu.V[7].any()
    np.testing.assert_allclose(gpu.U @ gpu.V.T, cpu.U @ cpu.V.T, rtol=0, atol=1e-3)


@pytest.mark.cuda
@needs_device
def test_complete_half_sweep_on_device_matches_the_core_with_k_past_a_block():
    # d = 150 > the 128 threads of a row's block: every loop over d wraps.
    rng = np.random.default_rng(0)
    M = sp.random(400, 300, density=0.8, random_state=1, format="csr")
    Y = rng.standard_normal((300, 150))
    for method in (0, 1):
        options = lralg._core.HalfSweepOptions()
        options.method, options.reg, options.seed, options.stream = method, 0.1, 5, 3
        X_cpu = rng.standard_normal((400, 150))
        X_gpu = X_cpu.copy()
        args = (M.indptr, M.indices, M.data, None, 400, 300, None, Y)
        its_cpu = lralg._core.completion_solve_rows(*args, X_cpu, options)
        its_gpu = CUDA.completion_solve_rows(*args, X_gpu, options)
        assert its_gpu == its_cpu
        np.testing.assert_allclose(X_gpu, X_cpu, rtol=0, atol=1e-9)


@pytest.mark.cuda
@needs_device
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, order", [((300, 120), "C"), ((120, 300), "F"), ((500, 400), "C")])
@pytest.mark.parametrize("power_iters", [0, 2])
def test_truncated_svd_on_device_matches_cpu(dtype, shape, order, power_iters):
    rng = np.random.default_rng(9)
    A = rng.standard_normal((shape[0], 8)) * 0.7 ** np.arange(8) @ rng.standard_normal((8, shape[1]))
    A = np.asarray(A + 1e-3 * rng.standard_normal(shape), dtype=dtype, order=order)
    cpu = lralg.truncated_svd(A, 5, power_iters=power_iters, rng=3)
    gpu = lralg.truncated_svd(A, 5, power_iters=power_iters, rng=3, device="cuda")
    assert gpu.u.dtype == dtype and gpu.u.shape == cpu.u.shape and gpu.vt.shape == cpu.vt.shape
    tol = 1e-3 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(gpu.s, cpu.s, rtol=tol)
    scale = np.linalg.norm(A)
    np.testing.assert_allclose((gpu.u * gpu.s) @ gpu.vt, (cpu.u * cpu.s) @ cpu.vt, rtol=0, atol=tol * scale)
    np.testing.assert_allclose(gpu.u.T @ gpu.u, np.eye(5), atol=tol)


def _decaying(shape, seed, dtype=np.float64, order="C"):
    rng = np.random.default_rng(seed)
    k = min(shape) // 2
    A = (rng.standard_normal((shape[0], k)) * 0.9 ** np.arange(k)) @ rng.standard_normal((k, shape[1]))
    return np.asarray(A + 1e-3 * rng.standard_normal(shape), dtype=dtype, order=order)


def _same_svd(gpu, cpu, A, rank, tol):
    assert gpu.s.dtype == cpu.s.dtype and gpu.u.shape == cpu.u.shape and gpu.vt.shape == cpu.vt.shape
    np.testing.assert_allclose(gpu.s, cpu.s, rtol=tol)
    scale = np.linalg.norm(A.toarray() if sp.issparse(A) else A)
    np.testing.assert_allclose((gpu.u * gpu.s) @ gpu.vt, (cpu.u * cpu.s) @ cpu.vt, rtol=0, atol=tol * scale)
    np.testing.assert_allclose(gpu.u.T @ gpu.u, np.eye(rank), atol=tol)


@pytest.mark.cuda
@needs_device
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("index", [np.int32, np.int64])
def test_truncated_svd_of_sparse_a_on_device_matches_cpu(dtype, index):
    A = sp.random(700, 300, density=0.05, random_state=4, format="csr", dtype=dtype)
    A.indices, A.indptr = A.indices.astype(index), A.indptr.astype(index)
    cpu = lralg.truncated_svd(A, 6, rng=2)
    gpu = lralg.truncated_svd(A, 6, rng=2, device="cuda")
    _same_svd(gpu, cpu, A, 6, 1e-3 if dtype == np.float32 else 1e-10)


# Every path of the update: "exact" (the residual factored whole), "sketch" on float32 and on
# float64 with wide blocks (the block Krylov space) and with narrow float64 blocks (the residual
# Gram path), dense blocks in both layouts and sparse ones, with the items' vectors tracked.
@pytest.mark.cuda
@needs_device
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("residual", ["auto", "exact", "sketch"])
@pytest.mark.parametrize("layout, axis", [("C", 0), ("F", 0), ("C", 1), ("csr", 0), ("csr", 1)])
def test_incremental_svd_on_device_matches_cpu(dtype, residual, layout, axis):
    X = _decaying((1200, 400), seed=6, dtype=dtype)
    blocks = np.array_split(X, 5, axis=axis)
    if layout == "csr":
        blocks = [sp.csr_array(b * (np.abs(b) > np.abs(b).mean())) for b in blocks]
    else:
        blocks = [np.asarray(b, order=layout) for b in blocks]
    cpu = lralg.incremental_svd(blocks, 8, axis=axis, residual=residual, rng=4)
    gpu = lralg.incremental_svd(blocks, 8, axis=axis, residual=residual, rng=4, device="cuda")
    M = (sp.vstack if axis == 0 else sp.hstack)(blocks) if layout == "csr" else X
    _same_svd(gpu, cpu, M, 8, 1e-3 if dtype == np.float32 else 1e-10)


@pytest.mark.cuda
@needs_device
def test_incremental_svd_on_device_of_a_tall_stream():
    # m = 20000 along the basis: the rotation, residual and projections are large products.
    X = _decaying((400, 20000), seed=8)
    blocks = np.array_split(X, 4, axis=0)
    cpu = lralg.incremental_svd(blocks, 10, rng=0)
    gpu = lralg.incremental_svd(blocks, 10, rng=0, device="cuda")
    _same_svd(gpu, cpu, X, 10, 1e-10)


# The random-order stream with heavy rows (kept on the host) and light ones, split across power
# steps by the blocks: the device's chunk sums are the host's arithmetic in the host's order.
@pytest.mark.cuda
@needs_device
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["C", "F", "csr32", "csr64"])
@pytest.mark.parametrize("n_rows", ["known", "unknown"])
def test_top_eigenvector_on_device_matches_cpu(dtype, layout, n_rows):
    rng = np.random.default_rng(11)
    A = rng.standard_normal((20000, 300)) * np.r_[2.0, 1.5, np.ones(298)]
    A[rng.choice(20000, 30, replace=False)] *= 40  # heavy rows
    A = A.astype(dtype)
    if layout.startswith("csr"):
        A = sp.csr_array(A * (rng.random(A.shape) < 0.1))
        A.indices = A.indices.astype(np.int32 if layout == "csr32" else np.int64)
        A.indptr = A.indptr.astype(A.indices.dtype)
    else:
        A = np.asarray(A, order=layout)
    if n_rows == "known":
        cpu = lralg.top_eigenvector(A, rng=5, block_size=3000)
        gpu = lralg.top_eigenvector(A, rng=5, block_size=3000, device="cuda")
    else:
        blocks = [A[lo : lo + 3000] for lo in range(0, 20000, 3000)]
        cpu = lralg.top_eigenvector(iter(blocks), rng=5)
        gpu = lralg.top_eigenvector(iter(blocks), rng=5, device="cuda")
    assert gpu.n_heavy == cpu.n_heavy > 0 and gpu.n_rows_seen == cpu.n_rows_seen
    np.testing.assert_allclose(gpu.vector, cpu.vector, rtol=0, atol=1e-12)
    np.testing.assert_allclose(gpu.value, cpu.value, rtol=1e-12)
