"""Tests of lralg.delta_product_scan, its backward pass and lralg.householder_product
against a plain sequential NumPy recurrence."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lralg


def _sequential(q, k, v, beta, n_h, s0=None):
    """The recurrence step by step (one sequence): outputs and the states before every step."""
    T, dk = q.shape
    dv = v.shape[1]
    S = np.zeros((dk, dv)) if s0 is None else s0.astype(np.float64).copy()
    states, out = [], np.zeros((T, dv))
    for t in range(T):
        for j in range(n_h):
            r = t * n_h + j
            states.append(S.copy())
            S = S + beta[r] * np.outer(k[r], v[r] - S.T @ k[r])
        out[t] = S.T @ q[t]
    return out, S, states


def _sequential_grad(q, k, v, beta, n_h, d_out, d_fin, s0=None):
    """Reverse mode through the sequential recurrence, step by step."""
    out, S, states = _sequential(q, k, v, beta, n_h, s0)
    T = q.shape[0]
    dq, dk, dv, db = np.zeros(q.shape), np.zeros(k.shape), np.zeros(v.shape), np.zeros(beta.shape)
    dS = np.zeros_like(S) if d_fin is None else d_fin.astype(np.float64).copy()
    for t in reversed(range(T)):
        S_t = states[t * n_h + n_h - 1]
        r = t * n_h + n_h - 1
        S_after = S_t + beta[r] * np.outer(k[r], v[r] - S_t.T @ k[r])
        dq[t] = S_after @ d_out[t]
        dS = dS + np.outer(q[t], d_out[t])
        for j in reversed(range(n_h)):
            r = t * n_h + j
            Sp = states[r]
            e = v[r] - Sp.T @ k[r]
            db[r] = k[r] @ dS @ e
            de = beta[r] * dS.T @ k[r]
            dk[r] = beta[r] * dS @ e - Sp @ de
            dv[r] = de
            dS = dS - np.outer(k[r], de)
    return dq, dk, dv, db, dS


def _problem(rng, lead, T, n_h, dk, dv, dtype=np.float64, beta_high=2.0):
    q = rng.standard_normal((*lead, T, dk))
    k = rng.standard_normal((*lead, T * n_h, dk))
    k /= np.linalg.norm(k, axis=-1, keepdims=True)
    v = rng.standard_normal((*lead, T * n_h, dv))
    beta = rng.uniform(0, beta_high, (*lead, T * n_h))
    s0 = rng.standard_normal((*lead, dk, dv))
    return [x.astype(dtype) for x in (q, k, v, beta, s0)]


@pytest.mark.parametrize("n_h", [1, 2, 3])
@pytest.mark.parametrize("chunk_size", [1, 4, 7, 64])
def test_forward_against_sequential(n_h, chunk_size):
    rng = np.random.default_rng(n_h * 100 + chunk_size)
    q, k, v, beta, s0 = _problem(rng, (2, 3), 19, n_h, 5, 4)
    res = lralg.delta_product_scan(q, k, v, beta, n_h, chunk_size=chunk_size, initial_state=s0)
    for b in range(2):
        for h in range(3):
            out, S, _ = _sequential(q[b, h], k[b, h], v[b, h], beta[b, h], n_h, s0[b, h])
            np.testing.assert_allclose(res.output[b, h], out, rtol=1e-9, atol=1e-9)
            np.testing.assert_allclose(res.final_state[b, h], S, rtol=1e-9, atol=1e-9)


@settings(max_examples=30)
@given(
    T=st.integers(0, 12),
    n_h=st.integers(1, 4),
    dk=st.integers(1, 5),
    dv=st.integers(1, 4),
    chunk_size=st.integers(1, 14),
    seed=st.integers(0, 2**31),
)
def test_scan_and_gradients_match_the_sequential_recurrence(T, n_h, dk, dv, chunk_size, seed):
    rng = np.random.default_rng(seed)
    q, k, v, beta, s0 = _problem(rng, (1,), T, n_h, dk, dv)
    res = lralg.delta_product_scan(q, k, v, beta, n_h, chunk_size=chunk_size, initial_state=s0)
    out, S, _ = _sequential(q[0], k[0], v[0], beta[0], n_h, s0[0])
    np.testing.assert_allclose(res.output[0], out, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(res.final_state[0], S, rtol=1e-8, atol=1e-9)
    d_out = rng.standard_normal((1, T, dv))
    d_fin = rng.standard_normal((1, dk, dv))
    g = lralg.delta_product_scan_backward(
        q, k, v, beta, n_h, d_out, d_final_state=d_fin, chunk_size=chunk_size, initial_state=s0
    )
    ref = _sequential_grad(q[0], k[0], v[0], beta[0], n_h, d_out[0], d_fin[0], s0[0])
    for got, want in zip(g, ref):
        np.testing.assert_allclose(got[0], want, rtol=1e-7, atol=1e-8)


def test_zero_initial_state_and_unpacking():
    rng = np.random.default_rng(1)
    q, k, v, beta, _ = _problem(rng, (3,), 10, 2, 4, 6)
    out, S = lralg.delta_product_scan(q, k, v, beta, 2, chunk_size=3)
    ref_out, ref_S, _ = _sequential(q[1], k[1], v[1], beta[1], 2)
    np.testing.assert_allclose(out[1], ref_out, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(S[1], ref_S, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("n_h", [1, 2, 3])
@pytest.mark.parametrize("chunk_size", [1, 5, 64])
@pytest.mark.parametrize("with_state", [True, False])
def test_backward_against_sequential(n_h, chunk_size, with_state):
    rng = np.random.default_rng(7 * n_h + chunk_size)
    q, k, v, beta, s0 = _problem(rng, (2,), 13, n_h, 4, 3)
    s0 = s0 if with_state else None
    d_out = rng.standard_normal((2, 13, 3))
    d_fin = rng.standard_normal((2, 4, 3)) if with_state else None
    g = lralg.delta_product_scan_backward(
        q, k, v, beta, n_h, d_out, d_final_state=d_fin, chunk_size=chunk_size, initial_state=s0
    )
    for b in range(2):
        ref = _sequential_grad(
            q[b],
            k[b],
            v[b],
            beta[b],
            n_h,
            d_out[b],
            None if d_fin is None else d_fin[b],
            None if s0 is None else s0[b],
        )
        for got, want in zip(g, ref):
            np.testing.assert_allclose(got[b], want, rtol=1e-8, atol=1e-9)


def test_backward_is_the_gradient_by_finite_differences():
    # an independent check of the NumPy oracle itself: a directional derivative
    rng = np.random.default_rng(3)
    q, k, v, beta, s0 = _problem(rng, (1,), 6, 2, 3, 2, beta_high=1.5)
    d_out = rng.standard_normal((1, 6, 2))
    d_fin = rng.standard_normal((1, 3, 2))

    def loss(q, k, v, beta, s0):
        out, S = lralg.delta_product_scan(q, k, v, beta, 2, chunk_size=4, initial_state=s0)
        return float((out * d_out).sum() + (S * d_fin).sum())

    g = lralg.delta_product_scan_backward(
        q, k, v, beta, 2, d_out, d_final_state=d_fin, chunk_size=4, initial_state=s0
    )
    args = [q, k, v, beta, s0]
    dirs = [rng.standard_normal(x.shape) for x in args]
    eps = 1e-6
    plus = loss(*[x + eps * d for x, d in zip(args, dirs)])
    minus = loss(*[x - eps * d for x, d in zip(args, dirs)])
    predicted = sum(float((gi * d).sum()) for gi, d in zip(g, dirs))
    assert (plus - minus) / (2 * eps) == pytest.approx(predicted, rel=1e-6)


def test_float32_is_kept_and_close():
    rng = np.random.default_rng(4)
    q, k, v, beta, s0 = _problem(rng, (2,), 70, 2, 8, 8)
    res64 = lralg.delta_product_scan(q, k, v, beta, 2, chunk_size=16, initial_state=s0)
    res32 = lralg.delta_product_scan(
        *[x.astype(np.float32) for x in (q, k, v, beta)],
        2,
        chunk_size=16,
        initial_state=s0.astype(np.float32),
    )
    assert res32.output.dtype == np.float32 and res32.final_state.dtype == np.float32
    scale = np.abs(res64.output).max()
    np.testing.assert_allclose(res32.output, res64.output, atol=1e-3 * scale)
    g32 = lralg.delta_product_scan_backward(
        *[x.astype(np.float32) for x in (q, k, v, beta)], 2, np.ones((2, 70, 8), np.float32), chunk_size=16
    )
    g64 = lralg.delta_product_scan_backward(q, k, v, beta, 2, np.ones((2, 70, 8)), chunk_size=16)
    for a, b in zip(g32, g64):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, atol=2e-3 * np.abs(b).max())


def test_threads_do_not_change_the_result():
    rng = np.random.default_rng(5)
    q, k, v, beta, s0 = _problem(rng, (6,), 40, 2, 6, 5)
    with lralg.threads(1):
        one = lralg.delta_product_scan(q, k, v, beta, 2, chunk_size=8, initial_state=s0)
    with lralg.threads(2):
        two = lralg.delta_product_scan(q, k, v, beta, 2, chunk_size=8, initial_state=s0)
    np.testing.assert_array_equal(one.output, two.output)


def test_inputs_are_not_modified():
    rng = np.random.default_rng(6)
    args = _problem(rng, (2,), 9, 2, 3, 3)
    copies = [a.copy() for a in args]
    lralg.delta_product_scan(*args[:4], 2, chunk_size=4, initial_state=args[4])
    lralg.delta_product_scan_backward(*args[:4], 2, np.ones((2, 9, 3)), chunk_size=4, initial_state=args[4])
    for a, c in zip(args, copies):
        np.testing.assert_array_equal(a, c)


@settings(max_examples=25)
@given(
    n=st.integers(1, 6),
    d=st.integers(1, 6),
    seed=st.integers(0, 2**31),
    batch=st.integers(1, 3),
)
def test_householder_product_matches_the_dense_product(n, d, seed, batch):
    rng = np.random.default_rng(seed)
    K = rng.standard_normal((batch, n, d))
    beta = rng.uniform(-1, 3, (batch, n))
    res = lralg.householder_product(K, beta)
    assert res.W.shape == (batch, d, n) and res.Y.shape == (batch, d, n)
    for b in range(batch):
        P = np.eye(d)
        for i in range(n):
            P = P @ (np.eye(d) - beta[b, i] * np.outer(K[b, i], K[b, i]))
        np.testing.assert_allclose(res.to_dense()[b], P, rtol=1e-9, atol=1e-9 * max(1, np.abs(P).max()))


def test_householder_product_of_reflections_is_orthogonal_with_negative_determinant():
    rng = np.random.default_rng(8)
    K = rng.standard_normal((4, 3, 5))
    K /= np.linalg.norm(K, axis=-1, keepdims=True)
    P = lralg.householder_product(K, np.full((4, 3), 2.0)).to_dense()
    for b in range(4):
        np.testing.assert_allclose(P[b] @ P[b].T, np.eye(5), atol=1e-12)
        assert np.linalg.det(P[b]) == pytest.approx(-1.0)  # three reflections


def test_scan_transition_is_the_householder_product():
    # with v = 0 and no queries, one token maps the state by P^T, P the product of its factors
    rng = np.random.default_rng(9)
    n_h, d = 3, 4
    k = rng.standard_normal((1, n_h, d))
    k /= np.linalg.norm(k, axis=-1, keepdims=True)
    beta = rng.uniform(0, 2, (1, n_h))
    s0 = rng.standard_normal((1, d, 2))
    _, S = lralg.delta_product_scan(
        np.zeros((1, 1, d)), k, np.zeros((1, n_h, 2)), beta, n_h, initial_state=s0
    )
    P = lralg.householder_product(k, beta).to_dense()[0]
    np.testing.assert_allclose(S[0], P.T @ s0[0], atol=1e-12)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"n_h": 0}, "n_h"),
        ({"chunk_size": 0}, "chunk_size"),
        ({"k": np.zeros((2, 7, 3))}, "k must have shape"),
        ({"v": np.zeros((2, 8, 3, 1))}, "v must have shape"),
        ({"beta": np.full((2, 8), 2.5)}, "beta must lie"),
        ({"beta": np.full((2, 8), -0.1)}, "beta must lie"),
        ({"q": np.full((2, 4, 3), np.nan)}, "q contains NaN"),
        ({"initial_state": np.zeros((2, 3, 2))}, "initial_state must have shape"),
    ],
)
def test_bad_input(change, match):
    args = {
        "q": np.zeros((2, 4, 3)),
        "k": np.zeros((2, 8, 3)),
        "v": np.zeros((2, 8, 3)),
        "beta": np.zeros((2, 8)),
        "n_h": 2,
        "chunk_size": 4,
        "initial_state": None,
    }
    args.update(change)
    with pytest.raises(ValueError, match=match):
        lralg.delta_product_scan(
            args["q"],
            args["k"],
            args["v"],
            args["beta"],
            args["n_h"],
            chunk_size=args["chunk_size"],
            initial_state=args["initial_state"],
        )


def test_bad_types():
    with pytest.raises(TypeError, match="n_h"):
        lralg.delta_product_scan(np.zeros((1, 2)), np.zeros((1, 2)), np.zeros((1, 2)), np.zeros(1), 1.5)
    with pytest.raises(TypeError, match="q"):
        lralg.delta_product_scan(
            np.zeros((1, 2), complex), np.zeros((1, 2)), np.zeros((1, 2)), np.zeros(1), 1
        )
    with pytest.raises(ValueError, match="d_output"):
        lralg.delta_product_scan_backward(
            np.zeros((1, 2)), np.zeros((1, 2)), np.zeros((1, 2)), np.zeros(1), 1, np.zeros((2, 2))
        )
    with pytest.raises(ValueError, match="beta"):
        lralg.householder_product(np.zeros((2, 3)), np.zeros(3))
