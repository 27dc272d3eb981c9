import numpy as np
import pytest
import scipy.sparse as sp

from lralg import _validate as v


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_arrays_pass_through_without_copy(dtype):
    x = np.ones((3, 4), dtype=dtype)
    assert v.check_array(x, "X") is x
    f = np.asfortranarray(x)
    assert v.check_array(f, "X") is f


@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.uint16, bool])
def test_integer_and_bool_become_float64(dtype):
    out = v.check_array(np.ones((2, 2), dtype=dtype), "X")
    assert out.dtype == np.float64


@pytest.mark.parametrize("dtype", [np.complex128, object, "U3", "datetime64[s]"])
def test_other_dtypes_are_refused(dtype):
    with pytest.raises(TypeError, match="X must hold real numbers"):
        v.check_array(np.zeros((2, 2), dtype=dtype), "X")


def test_non_contiguous_input_is_copied_not_modified():
    base = np.arange(24.0).reshape(4, 6)
    view = base[:, ::2]
    out = v.check_array(view, "X")
    assert out.flags.c_contiguous
    np.testing.assert_array_equal(out, view)


@pytest.mark.parametrize("bad", [np.array([np.nan, 1.0]), np.array([np.inf, 1.0])])
def test_nan_and_inf_are_refused(bad):
    with pytest.raises(ValueError, match="X contains NaN or Inf"):
        v.check_array(bad.reshape(1, 2), "X")
    with pytest.raises(ValueError, match="X contains NaN or Inf"):
        v.check_sparse(sp.csr_array(bad.reshape(1, 2)), "X")


def test_shape_and_emptiness():
    with pytest.raises(ValueError, match="X must be 2-D"):
        v.check_array(np.ones(3), "X")
    with pytest.raises(ValueError, match="X is empty"):
        v.check_array(np.ones((0, 3)), "X")
    with pytest.raises(ValueError, match="X is empty"):
        v.check_sparse(sp.csr_array((0, 3)), "X")
    with pytest.raises(ValueError, match="could not be read"):
        v.check_array([[1.0, 2.0], [3.0]], "X")


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_sparse_becomes_canonical_csr_and_input_is_untouched(fmt):
    rows, cols, vals = np.array([1, 0, 1]), np.array([2, 1, 2]), np.array([1.0, 2.0, 3.0])
    coo = sp.coo_array((vals, (rows, cols)), shape=(2, 3))
    x = coo.asformat(fmt)
    before = x.copy()
    out = v.check_sparse(x, "X")
    assert isinstance(out, sp.csr_array) and out.has_canonical_format
    np.testing.assert_array_equal(out.toarray(), [[0, 2, 0], [0, 0, 4]])
    assert (x != before).nnz == 0


def test_sparse_refuses_dense_and_bad_dtype():
    with pytest.raises(TypeError, match="scipy.sparse"):
        v.check_sparse(np.ones((2, 2)), "X")
    with pytest.raises(TypeError, match="real numbers"):
        v.check_sparse(sp.csr_array(np.ones((2, 2), dtype=complex)), "X")


def test_check_int_and_rank():
    assert v.check_int(np.int64(3), "k") == 3
    for bad in (1.0, True, "3", None):
        with pytest.raises(TypeError, match="k must be an integer"):
            v.check_int(bad, "k")
    with pytest.raises(ValueError, match="rank must be >= 1"):
        v.check_rank(0)
    with pytest.raises(ValueError, match="rank must be <= 5"):
        v.check_rank(6, upper=5)


def test_check_real_intervals():
    assert v.check_real(0.5, "density", low=0, high=1, low_open=True) == 0.5
    assert v.check_real(1, "density", low=0, high=1, low_open=True) == 1.0
    for bad in (0.0, 1.5, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=r"density must be a finite number in \(0, 1\]"):
            v.check_real(bad, "density", low=0, high=1, low_open=True)
    with pytest.raises(TypeError, match="density must be a real number"):
        v.check_real("0.5", "density")


def test_rng_spec7():
    g = np.random.default_rng(1)
    assert v.check_rng(g) is g
    assert isinstance(v.check_rng(None), np.random.Generator)
    assert v.seed_from_rng(5) == v.seed_from_rng(5)
    assert v.seed_from_rng(5) != v.seed_from_rng(6)
    assert 0 <= v.seed_from_rng(np.random.default_rng(0)) < 2**64
    with pytest.raises(TypeError, match="rng must be"):
        v.check_rng("seed")
    with pytest.raises(TypeError, match="rng must be"):
        v.check_rng(True)
    with pytest.raises(ValueError, match="rng must be a non-negative seed"):
        v.check_rng(-1)


def test_forced_dtype_still_refuses_complex():
    with pytest.raises(TypeError, match="X must hold real numbers"):
        v.check_array(np.ones((2, 2), dtype=complex), "X", dtype=np.float64)
    with pytest.raises(TypeError, match="X must hold real numbers"):
        v.check_sparse(sp.csr_array(np.ones((2, 2), dtype=complex)), "X", dtype=np.float64)
