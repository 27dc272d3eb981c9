import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.spatial.distance import pdist

import lralg


def random_dense(n, d, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal((n, d)).astype(dtype)


# --- the matrix R -----------------------------------------------------------


def test_projection_matrix_has_the_published_distribution():
    d, k, s = 4000, 300, 0.05
    R = lralg.random_projection_matrix(d, k, density=s, rng=3)
    assert R.shape == (d, k) and isinstance(R, sp.csr_array)
    scale = math.sqrt(1 / (s * k))
    np.testing.assert_allclose(np.unique(np.abs(R.data)), [scale])
    n = d * k
    # Non-zero count ~ Binomial(n, s); signs fair: within 5 standard deviations.
    assert abs(R.nnz - n * s) < 5 * math.sqrt(n * s * (1 - s))
    n_pos = int((R.data > 0).sum())
    assert abs(n_pos - R.nnz / 2) < 5 * math.sqrt(R.nnz / 4)
    # Row sums of squares have expectation 1, so E ||x R||^2 = ||x||^2.
    np.testing.assert_allclose((R.multiply(R)).sum(axis=1).mean(), 1.0, rtol=0.02)
    assert R.has_canonical_format


def test_auto_density_is_one_over_sqrt_features():
    d, k = 10000, 200
    R = lralg.random_projection_matrix(d, k, rng=0)
    s = 1 / math.sqrt(d)
    assert abs(R.nnz - d * k * s) < 5 * math.sqrt(d * k * s)
    np.testing.assert_allclose(np.abs(R.data), math.sqrt(1 / (s * k)))


def test_density_one_is_a_dense_sign_matrix():
    R = lralg.random_projection_matrix(50, 20, density=1.0, rng=0)
    assert R.nnz == 1000
    np.testing.assert_allclose(np.abs(R.data), math.sqrt(1 / 20))


def test_same_seed_same_matrix_other_seed_other_matrix():
    a = lralg.random_projection_matrix(300, 40, rng=7)
    b = lralg.random_projection_matrix(300, 40, rng=np.random.default_rng(7))
    c = lralg.random_projection_matrix(300, 40, rng=8)
    assert (a != b).nnz == 0
    assert (a != c).nnz > 0


# --- the kernel against X @ R -------------------------------------------------


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("layout", ["C", "F", "strided"])
def test_dense_kernel_equals_product_with_the_matrix(dtype, rtol, layout):
    X = random_dense(101, 333, dtype=dtype)  # 101: a partial last panel
    if layout == "F":
        X = np.asfortranarray(X)
    elif layout == "strided":
        X = random_dense(101, 666, dtype=dtype)[:, ::2]
    Y = lralg.sparse_random_projection(X, 64, rng=11)
    R = lralg.random_projection_matrix(333, 64, rng=11)
    assert Y.dtype == dtype and Y.shape == (101, 64) and Y.flags.c_contiguous
    expected = X.astype(np.float64) @ R
    np.testing.assert_allclose(Y, expected, rtol=rtol, atol=rtol * np.abs(expected).max())


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_sparse_kernel_equals_product_with_the_matrix(fmt, dtype, index_dtype):
    X = sp.random_array((120, 500), density=0.02, format="csr", dtype=dtype, rng=np.random.default_rng(1))
    X.indices = X.indices.astype(index_dtype)
    X.indptr = X.indptr.astype(index_dtype)
    X = X.asformat(fmt)
    Y = lralg.sparse_random_projection(X, 32, density=0.1, rng=5)
    R = lralg.random_projection_matrix(500, 32, density=0.1, rng=5)
    assert Y.dtype == dtype
    expected = (X.astype(np.float64) @ R).toarray()
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(Y, expected, rtol=tol, atol=tol * max(1.0, np.abs(expected).max()))


def test_dense_and_sparse_input_agree():
    X = random_dense(40, 200)
    X[X < 0.5] = 0
    dense = lralg.sparse_random_projection(X, 16, rng=2)
    sparse = lralg.sparse_random_projection(sp.csr_array(X), 16, rng=2)
    np.testing.assert_allclose(dense, sparse, rtol=1e-12, atol=1e-12)


def test_integer_and_bool_input_become_float64():
    X = np.random.default_rng(0).integers(0, 5, (10, 30))
    Y = lralg.sparse_random_projection(X, 8, rng=0)
    assert Y.dtype == np.float64
    np.testing.assert_allclose(Y, X @ lralg.random_projection_matrix(30, 8, rng=0), atol=1e-12)
    assert lralg.sparse_random_projection(X > 2, 8, rng=0).dtype == np.float64


def test_input_is_not_modified():
    X = random_dense(30, 50)
    before = X.copy()
    lralg.sparse_random_projection(X, 10, rng=0)
    np.testing.assert_array_equal(X, before)


@pytest.mark.parametrize("sparse", [False, True])
def test_result_does_not_depend_on_thread_count(sparse):
    X = random_dense(500, 400, seed=4)
    if sparse:
        X = sp.csr_array(np.where(X > 1, X, 0))
    with lralg.threads(1):
        one = lralg.sparse_random_projection(X, 50, rng=9)
    with lralg.threads(2):
        two = lralg.sparse_random_projection(X, 50, rng=9)
    np.testing.assert_array_equal(one, two)
    with lralg.threads(1):
        r1 = lralg.random_projection_matrix(400, 50, rng=9)
    with lralg.threads(2):
        r2 = lralg.random_projection_matrix(400, 50, rng=9)
    assert (r1 != r2).nnz == 0


# --- Johnson-Lindenstrauss ----------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_pairwise_distances_kept_within_the_jl_bound(seed):
    from sklearn.random_projection import johnson_lindenstrauss_min_dim

    n, d, eps = 60, 3000, 0.5
    k = int(johnson_lindenstrauss_min_dim(n, eps=eps)) + 1
    X = random_dense(n, d, seed=seed)
    Y = lralg.sparse_random_projection(X, k, rng=seed)
    ratio = pdist(Y, "sqeuclidean") / pdist(X, "sqeuclidean")
    assert ratio.min() > 1 - eps and ratio.max() < 1 + eps
    # And on average the projection is unbiased.
    assert abs(ratio.mean() - 1) < 0.05


# --- bad input ------------------------------------------------------------------


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.ones(5), ValueError, "X must be 2-D"),
        (np.ones((2, 2, 2)), ValueError, "X must be 2-D"),
        (np.ones((0, 4)), ValueError, "X is empty"),
        (np.ones((4, 0)), ValueError, "X is empty"),
        (np.array([[1.0, np.nan]]), ValueError, "NaN or Inf"),
        (np.array([[1.0, np.inf]]), ValueError, "NaN or Inf"),
        (np.ones((2, 2), dtype=complex), TypeError, "real numbers"),
        (np.ones((2, 2), dtype=object), TypeError, "real numbers"),
        ("abc", TypeError, "array of numbers"),
        (None, TypeError, "array of numbers"),
        (sp.csr_array(np.array([[np.nan, 1.0]])), ValueError, "NaN or Inf"),
    ],
)
def test_bad_x(X, error, match):
    with pytest.raises(error, match=match):
        lralg.sparse_random_projection(X, 4, rng=0)


@pytest.mark.parametrize("k, error", [(0, ValueError), (-3, ValueError), (2.0, TypeError), ("4", TypeError)])
def test_bad_n_components(k, error):
    with pytest.raises(error, match="n_components"):
        lralg.sparse_random_projection(np.ones((3, 3)), k)
    with pytest.raises(error, match="n_components"):
        lralg.random_projection_matrix(3, k)


@pytest.mark.parametrize(
    "density, error",
    [
        (0.0, ValueError),
        (1.01, ValueError),
        (-0.5, ValueError),
        (float("nan"), ValueError),
        ("sparse", ValueError),
        (None, TypeError),
    ],
)
def test_bad_density(density, error):
    with pytest.raises(error, match="density"):
        lralg.sparse_random_projection(np.ones((3, 3)), 2, density=density)
    with pytest.raises(error, match="density"):
        lralg.random_projection_matrix(3, 2, density=density)


def test_bad_n_features_and_rng():
    with pytest.raises(ValueError, match="n_features"):
        lralg.random_projection_matrix(0, 2)
    with pytest.raises(TypeError, match="rng"):
        lralg.sparse_random_projection(np.ones((3, 3)), 2, rng="seed")


def test_core_refuses_malformed_csr():
    indptr = np.array([0, 2, 1], dtype=np.int64)  # decreasing
    indices = np.array([0, 1], dtype=np.int64)
    data = np.ones(2)
    with pytest.raises(ValueError, match="indptr"):
        lralg._core.sparse_random_projection(indptr, indices, data, 2, 3, 4, 0.5, 0)
    indptr = np.array([0, 1, 2], dtype=np.int64)
    indices = np.array([0, 7], dtype=np.int64)  # out of range
    with pytest.raises(ValueError, match="out of range"):
        lralg._core.sparse_random_projection(indptr, indices, data, 2, 3, 4, 0.5, 0)


# --- hypothesis: any shape, dtype and layout either works exactly or raises cleanly ---

dtypes = st.sampled_from([np.float32, np.float64, np.int32, np.int64, np.bool_, np.complex64, np.object_])


@st.composite
def arrays_any_layout(draw):
    dtype = draw(dtypes)
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=12))
    if dtype is np.object_:
        X = np.empty(shape, dtype=object)
        X.fill(1.0)
    else:
        X = draw(
            hnp.arrays(dtype, shape, elements=st.integers(-3, 3).map(float) if dtype != np.bool_ else None)
        )
    order = draw(st.sampled_from(["C", "F", "slice"]))
    if order == "F":
        X = np.asfortranarray(X)
    elif order == "slice" and X.ndim == 2:
        X = np.repeat(np.repeat(X, 2, axis=0), 2, axis=1)[::2, ::2]
    return X


@given(X=arrays_any_layout(), k=st.integers(-1, 8), sparse=st.booleans(), seed=st.integers(0, 2**32))
def test_any_input_works_exactly_or_raises_cleanly(X, k, sparse, seed):
    if sparse and X.ndim == 2 and X.dtype != object:
        X = sp.csr_array(X)
    try:
        Y = lralg.sparse_random_projection(X, k, density=0.5, rng=seed)
    except (ValueError, TypeError):
        return
    R = lralg.random_projection_matrix(X.shape[1], k, density=0.5, rng=seed)
    expected = X.astype(np.float64) @ R
    if sp.issparse(expected):
        expected = expected.toarray()
    np.testing.assert_allclose(Y, expected, rtol=1e-5, atol=1e-5)


@given(
    n_features=st.one_of(st.integers(-2, 300), st.floats(allow_nan=True), st.none()),
    n_components=st.integers(-2, 40),
    density=st.one_of(st.just("auto"), st.floats(-0.5, 1.5), st.text(max_size=3)),
)
def test_projection_matrix_any_parameters(n_features, n_components, density):
    try:
        R = lralg.random_projection_matrix(n_features, n_components, density=density, rng=1)
    except (ValueError, TypeError):
        return
    s = 1 / math.sqrt(n_features) if density == "auto" else density
    assert R.shape == (n_features, n_components)
    assert R.indices.min(initial=0) >= 0 and R.indices.max(initial=0) < n_components
    np.testing.assert_allclose(np.abs(R.data), math.sqrt(1 / (s * n_components)))
