"""Tests of lralg.nn.delta_product (gradcheck in float64 through the core) and the
DeltaProduct layer, against a per-token PyTorch loop."""

import pytest

torch = pytest.importorskip("torch")

import lralg.nn  # noqa: E402


def _torch_loop(q, k, v, beta, n_h, s0=None):
    """The recurrence token by token in PyTorch (autograd through it)."""
    *lead, T, dk = q.shape
    dv = v.shape[-1]
    S = torch.zeros(*lead, dk, dv, dtype=q.dtype) if s0 is None else s0
    outs = []
    for t in range(T):
        for j in range(n_h):
            r = t * n_h + j
            kr, vr, br = k[..., r, :], v[..., r, :], beta[..., r, None, None]
            err = vr - (S * kr[..., :, None]).sum(-2)
            S = S + br * kr[..., :, None] * err[..., None, :]
        outs.append((S * q[..., t, :, None]).sum(-2))
    return torch.stack(outs, -2), S


def _inputs(seed, lead=(2,), T=5, n_h=2, dk=3, dv=2):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(*lead, T, dk, generator=g, dtype=torch.float64)
    k = torch.nn.functional.normalize(
        torch.randn(*lead, T * n_h, dk, generator=g, dtype=torch.float64), dim=-1
    )
    v = torch.randn(*lead, T * n_h, dv, generator=g, dtype=torch.float64)
    beta = 0.1 + 1.8 * torch.rand(*lead, T * n_h, generator=g, dtype=torch.float64)
    s0 = torch.randn(*lead, dk, dv, generator=g, dtype=torch.float64)
    return q, k, v, beta, s0


@pytest.mark.parametrize("n_h", [1, 2, 3])
def test_gradcheck(n_h):
    args = [x.requires_grad_() for x in _inputs(n_h, n_h=n_h)]

    def f(q, k, v, beta, s0):
        return lralg.nn.delta_product(q, k, v, beta, n_h, chunk_size=2, initial_state=s0)

    assert torch.autograd.gradcheck(f, args)


def test_gradcheck_without_initial_state_and_output_only():
    q, k, v, beta, _ = [x.requires_grad_() for x in _inputs(9, T=4, n_h=2)]

    def f(q, k, v, beta):
        return lralg.nn.delta_product(q, k, v, beta, 2, chunk_size=3)[0]

    assert torch.autograd.gradcheck(f, (q, k, v, beta))


def test_matches_the_torch_loop_and_its_gradients():
    q, k, v, beta, s0 = [x.requires_grad_() for x in _inputs(3, lead=(2, 2), T=11, n_h=2, dk=4, dv=3)]
    out, S = lralg.nn.delta_product(q, k, v, beta, 2, chunk_size=4, initial_state=s0)
    ref_out, ref_S = _torch_loop(q, k, v, beta, 2, s0)
    torch.testing.assert_close(out, ref_out)
    torch.testing.assert_close(S, ref_S)
    w = torch.randn_like(out)
    grads = torch.autograd.grad((out * w).sum() + S.sum(), (q, k, v, beta, s0))
    ref = torch.autograd.grad((ref_out * w).sum() + ref_S.sum(), (q, k, v, beta, s0))
    for a, b in zip(grads, ref):
        torch.testing.assert_close(a, b)


def test_layer_shapes_state_dict_and_training_step():
    torch.manual_seed(0)
    layer = lralg.nn.DeltaProduct(16, n_heads=2, n_h=3, chunk_size=4)
    x = torch.randn(2, 9, 16)
    y = layer(x)
    assert y.shape == x.shape and y.dtype == torch.float32
    y.pow(2).mean().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in layer.parameters())
    clone = lralg.nn.DeltaProduct(16, n_heads=2, n_h=3, chunk_size=4)
    clone.load_state_dict(layer.state_dict())
    torch.testing.assert_close(clone(x), y.detach())


def test_layer_beta_range():
    layer = lralg.nn.DeltaProduct(8, n_heads=1, n_h=1, allow_neg_eigval=False)
    with torch.no_grad():
        layer.b_proj.bias.fill_(50.0)  # sigmoid saturates at 1: eigenvalue 0, never negative
    layer(torch.randn(1, 3, 8))
    layer = lralg.nn.DeltaProduct(8, n_heads=1, n_h=1, allow_neg_eigval=True)
    with torch.no_grad():
        layer.b_proj.bias.fill_(50.0)  # beta -> 2: a reflection, still valid
    assert torch.isfinite(layer(torch.randn(1, 3, 8))).all()


def test_bad_input():
    with pytest.raises(ValueError, match="n_heads"):
        lralg.nn.DeltaProduct(10, n_heads=3)
    with pytest.raises(ValueError, match="n_h"):
        lralg.nn.DeltaProduct(8, n_heads=2, n_h=0)
    with pytest.raises(ValueError, match="x must have shape"):
        lralg.nn.DeltaProduct(8, n_heads=2)(torch.randn(2, 8))
    q, k, v, beta, _ = _inputs(1)
    with pytest.raises(ValueError, match="beta must lie"):
        lralg.nn.delta_product(q, k, v, beta + 2, 2)
