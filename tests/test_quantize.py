"""Tests of lralg.quantize_rtn and lralg.quantize_gptq against direct NumPy versions."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lralg


def _grid(block, bits, symmetric):
    """GPTQ's reference min-max grid for each row of block."""
    maxq = 2**bits - 1
    lo = np.minimum(block.min(axis=1), 0)
    hi = np.maximum(block.max(axis=1), 0)
    if symmetric:
        hi = np.maximum(-lo, hi)
        lo = np.where(lo < 0, -hi, lo)
    both = (lo == 0) & (hi == 0)
    lo, hi = np.where(both, -1, lo), np.where(both, 1, hi)
    scale = (hi - lo) / maxq
    zero = np.full_like(scale, (maxq + 1) // 2) if symmetric else np.round(-lo / scale)
    return scale, zero


def _codes(x, scale, zero, bits):
    return np.clip(np.round(x / scale) + zero, 0, 2**bits - 1)


def _rtn(W, bits, gs, symmetric=False):
    codes = np.empty_like(W)
    for c0 in range(0, W.shape[1], gs):
        scale, zero = _grid(W[:, c0 : c0 + gs], bits, symmetric)
        codes[:, c0 : c0 + gs] = _codes(W[:, c0 : c0 + gs], scale[:, None], zero[:, None], bits)
    return codes


def _gptq(W, H, bits, gs, damp=0.01, act_order=False):
    """GPTQ one column at a time, without lazy batches (the paper's update rule)."""
    W, H = W.astype(np.float64).copy(), H.astype(np.float64).copy()
    cols = W.shape[1]
    dead = np.diag(H) == 0
    H[dead, dead] = 1
    W[:, dead] = 0
    perm = np.argsort(-np.diag(H), kind="stable") if act_order else np.arange(cols)
    W, H = W[:, perm], H[perm][:, perm]
    H += damp * np.mean(np.diag(H)) * np.eye(cols)
    U = np.linalg.cholesky(np.linalg.inv(H)).T
    codes = np.empty_like(W)
    for j in range(cols):
        if j % gs == 0:
            scale, zero = _grid(W[:, j : j + gs], bits, False)
        codes[:, j] = _codes(W[:, j], scale, zero, bits)
        q = scale * (codes[:, j] - zero)
        err = (W[:, j] - q) / U[j, j]
        W[:, j + 1 :] -= np.outer(err, U[j, j + 1 :])
    out = np.empty_like(codes)
    out[:, perm] = codes
    return out


def _problem(rows=24, cols=64, seed=0):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((rows, cols))
    X = rng.standard_normal((400, cols)) @ (np.eye(cols) + 0.3 * rng.standard_normal((cols, cols)))
    return W, X.T @ X, X


@pytest.mark.parametrize("bits", [2, 3, 4, 8])
@pytest.mark.parametrize("symmetric", [False, True])
def test_rtn_matches_numpy(bits, symmetric):
    W, _, _ = _problem()
    q = lralg.quantize_rtn(W, bits, group_size=16, symmetric=symmetric)
    np.testing.assert_array_equal(q.codes, _rtn(W, bits, 16, symmetric))
    np.testing.assert_allclose(q.dequantize(), q.dequantized, rtol=0, atol=0)
    assert q.codes.dtype == np.uint8 and q.codes.max() <= 2**bits - 1
    np.testing.assert_array_equal(q.group_index, np.arange(64) // 16)


@pytest.mark.parametrize("bits", [2, 3, 4])
@pytest.mark.parametrize("act_order", [False, True])
def test_gptq_matches_column_by_column_numpy(bits, act_order):
    W, H, _ = _problem(seed=bits)
    H[5, :] = H[:, 5] = 0  # a dead input
    q = lralg.quantize_gptq(W, H, bits, group_size=16, block_size=32, act_order=act_order)
    np.testing.assert_array_equal(q.codes, _gptq(W, H, bits, 16, act_order=act_order))
    np.testing.assert_allclose(q.dequantize(), q.dequantized, rtol=0, atol=1e-12)
    assert np.all(q.dequantized[:, 5] == 0)


def test_gptq_block_size_does_not_change_the_result():
    W, H, _ = _problem(cols=96)
    ref = lralg.quantize_gptq(W, H, 3, group_size=32, block_size=128)
    for block_size in (1, 5, 32, 40, 96):
        q = lralg.quantize_gptq(W, H, 3, group_size=32, block_size=block_size)
        np.testing.assert_array_equal(q.codes, ref.codes)
        np.testing.assert_allclose(q.dequantized, ref.dequantized, atol=1e-12)


@pytest.mark.parametrize(
    ("group_size", "block_size"),
    [(8, 32), (12, 24), (6, 18), (48, 96), (None, 16), (None, 40)],
)
def test_gptq_matches_column_by_column_numpy_across_blocks_and_panels(group_size, block_size):
    # several blocks (the trailing updates and the switch of partial sums at each block's start),
    # groups that start inside a block, group sizes whose panels are 8, 4, 16 columns or a whole
    # block, and one group per row spanning several blocks
    W, H, _ = _problem(rows=40, cols=96, seed=7)
    H[10, :] = H[:, 10] = 0
    for act_order in (False, True):
        q = lralg.quantize_gptq(W, H, 3, group_size=group_size, block_size=block_size, act_order=act_order)
        ref = _gptq(W, H, 3, group_size or 96, act_order=act_order)
        np.testing.assert_array_equal(q.codes, ref)


def test_gptq_float32_codes_match_float64_almost_everywhere():
    W, H, _ = _problem(rows=64, cols=128, seed=3)
    q64 = lralg.quantize_gptq(W, H, 4, group_size=32, block_size=64)
    q32 = lralg.quantize_gptq(W.astype(np.float32), H, 4, group_size=32, block_size=64)
    assert q32.dequantized.dtype == np.float32
    # a code near a rounding tie may flip in float32 and steer its row's later columns
    assert np.mean(q32.codes == q64.codes) > 0.97


def test_gptq_beats_rtn_on_the_layer_output():
    W, H, X = _problem(rows=64, cols=128, seed=3)
    for bits in (2, 3, 4):
        rtn = lralg.quantize_rtn(W, bits, group_size=32)
        gptq = lralg.quantize_gptq(W, H, bits, group_size=32)
        out = [np.linalg.norm((W - q.dequantized) @ X.T) for q in (rtn, gptq)]
        assert out[1] < 0.9 * out[0]


def test_gptq_with_identity_hessian_is_rtn():
    W, _, _ = _problem()
    q = lralg.quantize_gptq(W, np.eye(64), 4, group_size=16)
    np.testing.assert_array_equal(q.codes, lralg.quantize_rtn(W, 4, group_size=16).codes)


def test_float32_kept_and_one_group_per_row():
    W, H, _ = _problem()
    for q in (
        lralg.quantize_rtn(W.astype(np.float32), 4, group_size=None),
        lralg.quantize_gptq(W.astype(np.float32), H, 4, group_size=None),
    ):
        assert q.dequantized.dtype == q.scales.dtype == np.float32
        assert q.scales.shape == (24, 1) and q.group_size is None


def test_inputs_untouched_and_nbytes():
    W, H, _ = _problem()
    W0, H0 = W.copy(), H.copy()
    q = lralg.quantize_gptq(W, H, 4, group_size=16)
    np.testing.assert_array_equal(W, W0)
    np.testing.assert_array_equal(H, H0)
    assert q.nbytes() == 24 * 64 // 2 + 24 * 4 * 2 + 24 * 4 // 2


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"bits": 5}, ValueError, "bits"),
        ({"bits": 4.0}, TypeError, "bits"),
        ({"bits": 4, "group_size": 24}, ValueError, "group_size"),
        ({"bits": 4, "group_size": 0}, ValueError, "group_size"),
    ],
)
def test_bad_grid(kwargs, exc, match):
    W, H, _ = _problem()
    with pytest.raises(exc, match=match):
        lralg.quantize_rtn(W, **kwargs)
    with pytest.raises(exc, match=match):
        lralg.quantize_gptq(W, H, **kwargs)


def test_bad_hessian():
    W, H, _ = _problem()
    with pytest.raises(ValueError, match="H must be the"):
        lralg.quantize_gptq(W, H[:10, :10], 4, group_size=16)
    bad = H.copy()
    bad[0, 1] += 1e3
    with pytest.raises(ValueError, match="symmetric"):
        lralg.quantize_gptq(W, bad, 4, group_size=16)
    bad = H.copy()
    bad[2, 2] = np.inf
    with pytest.raises(ValueError, match="H contains NaN or Inf"):
        lralg.quantize_gptq(W, bad, 4, group_size=16)
    indefinite = -np.eye(64)
    indefinite[0, 0] = 100
    with pytest.raises(ValueError, match="negative diagonal"):
        lralg.quantize_gptq(W, indefinite, 4, group_size=16)
    v = np.ones(64)
    with pytest.raises(ValueError, match="positive definite"):
        lralg.quantize_gptq(W, np.eye(64) - 2 * np.outer(v, v) / 64, 4, group_size=16, damp=0.0)
    Wn = W.copy()
    Wn[0, 0] = np.nan
    with pytest.raises(ValueError, match="W contains NaN"):
        lralg.quantize_gptq(Wn, H, 4, group_size=16)


@settings(max_examples=30)
@given(
    rows=st.integers(1, 12),
    groups=st.integers(1, 4),
    gs=st.sampled_from([1, 2, 8]),
    bits=st.sampled_from([2, 3, 4, 8]),
    seed=st.integers(0, 2**16),
)
def test_property_codes_in_range_and_error_bounded(rows, groups, gs, bits, seed):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((rows, groups * gs))
    q = lralg.quantize_rtn(W, bits, group_size=gs)
    assert q.codes.max() <= 2**bits - 1
    # every weight is within half a step of its grid (0 is always on the grid's range)
    steps = q.scales[:, q.group_index]
    assert np.all(np.abs(W - q.dequantized) <= steps / 2 * (1 + 1e-9))
    X = rng.standard_normal((3 * groups * gs, groups * gs))
    g = lralg.quantize_gptq(W, X.T @ X, bits, group_size=gs)
    np.testing.assert_allclose(g.dequantize(), g.dequantized, atol=1e-12)
