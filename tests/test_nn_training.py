"""lralg.nn training-time methods: SLTrain, SST and Maestro layers against dense
autograd oracles, DCTAdamW against a hand-written projected Adam, exact
parameter and state sizes, state_dict round trips, determinism and bad input."""

import copy
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
nn = torch.nn

import lralg.nn as lnn  # noqa: E402
from lralg.nn.training.dct import dct_basis  # noqa: E402

torch.set_default_dtype(torch.float32)


def _x(n=7, d=24, seed=3, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=g, dtype=dtype)


# ---------------------------------------------------------------- SLTrain


def test_sltrain_init_and_counts():
    layer = lnn.SLTrainLinear(24, 16, rank=4, sparsity=0.1, alpha=8.0)
    nnz = int(0.1 * 24 * 16)
    assert layer.sparse_values.shape == (nnz,)
    assert layer.sparse_index.shape == (nnz,)
    assert torch.all(layer.sparse_index[1:] > layer.sparse_index[:-1])  # sorted, unique
    assert layer.sparse_index.max() < 24 * 16
    assert torch.count_nonzero(layer.B) == 0  # B starts at zero
    assert layer.sparse_values.abs().max() <= 1 / math.sqrt(24)
    assert layer.scaling == 8.0 / 4
    assert sum(p.numel() for p in layer.parameters()) == 4 * 24 + 16 * 4 + nnz + 16
    # no dense (out x in) tensor is held anywhere in the layer's state
    assert all(t.numel() < 24 * 16 for t in layer.state_dict().values())


def test_sltrain_forward_and_gradients_match_dense_oracle():
    layer = lnn.SLTrainLinear(24, 16, rank=4, sparsity=0.2, dtype=torch.float64)
    with torch.no_grad():
        layer.B.normal_()
    x = _x()
    y = layer(x)
    W = layer.scaling * layer.B @ layer.A
    dense = torch.zeros(16 * 24, dtype=torch.float64)
    dense[layer.sparse_index] = layer.sparse_values
    W = W + dense.reshape(16, 24)
    torch.testing.assert_close(y, x @ W.T + layer.bias)
    torch.testing.assert_close(layer.weight, W)
    # gradients: autograd through the sparse product against finite differences
    fn = lambda v: lnn.SLTrainLinear.forward(layer, x).pow(2).sum()  # noqa: E731
    layer.zero_grad()
    fn(None).backward()
    g = layer.sparse_values.grad.clone()
    eps = 1e-6
    for k in (0, 5, len(g) - 1):
        with torch.no_grad():
            layer.sparse_values[k] += eps
            up = fn(None).item()
            layer.sparse_values[k] -= 2 * eps
            down = fn(None).item()
            layer.sparse_values[k] += eps
        assert abs((up - down) / (2 * eps) - g[k].item()) < 1e-5 * max(1.0, abs(g[k].item()))
    assert torch.autograd.gradcheck(
        lambda a, b, v: torch.func.functional_call(
            layer,
            {"A": a, "B": b, "sparse_values": v, "bias": layer.bias, "sparse_index": layer.sparse_index},
            (x,),
        ),
        (
            layer.A.detach().clone().requires_grad_(),
            layer.B.detach().clone().requires_grad_(),
            layer.sparse_values.detach().clone().requires_grad_(),
        ),
    )


def test_sltrain_batched_input_and_state_dict_round_trip():
    layer = lnn.SLTrainLinear(12, 10, rank=3, sparsity=0.25, seed=5)
    x = torch.randn(2, 3, 12)
    other = lnn.SLTrainLinear(12, 10, rank=3, sparsity=0.25, seed=9)
    assert not torch.equal(other.sparse_index, layer.sparse_index)
    other.load_state_dict(layer.state_dict())
    torch.testing.assert_close(other(x), layer(x))
    assert layer(x).shape == (2, 3, 10)
    lin = layer.to_linear()
    torch.testing.assert_close(lin(x), layer(x), atol=1e-6, rtol=1e-5)


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(2, 12),
    m=st.integers(2, 12),
    data=st.data(),
)
def test_sltrain_matches_its_dense_weight_for_any_shape(n, m, data):
    rank = data.draw(st.integers(1, min(m, n)))
    sparsity = data.draw(st.floats(1.5 / (m * n), 0.99))
    seed = data.draw(st.integers(0, 2**32))
    layer = lnn.SLTrainLinear(n, m, rank, sparsity=sparsity, seed=seed, dtype=torch.float64)
    with torch.no_grad():
        layer.B.normal_()
    assert layer.sparse_values.numel() == int(sparsity * m * n)
    x = _x(3, n, seed=seed % 1000)
    torch.testing.assert_close(layer(x), x @ layer.weight.T + layer.bias)


@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 40))
def test_dct_basis_orthonormal_any_order(n):
    Q = dct_basis(n)
    torch.testing.assert_close(Q.T @ Q, torch.eye(n, dtype=torch.float64))


@pytest.mark.parametrize("sparsity", [0.0, 1.0, -0.1, 1.5])
def test_sltrain_bad_sparsity(sparsity):
    with pytest.raises(ValueError, match="sparsity"):
        lnn.SLTrainLinear(8, 8, 2, sparsity=sparsity)


@pytest.mark.parametrize("cls", [lnn.SLTrainLinear, lnn.SSTLinear, lnn.MaestroLinear])
@pytest.mark.parametrize("rank", [0, -1, 9])
def test_bad_rank(cls, rank):
    with pytest.raises(ValueError, match="rank"):
        cls(8, 12, rank)


@pytest.mark.parametrize("cls", [lnn.SLTrainLinear, lnn.SSTLinear, lnn.MaestroLinear])
def test_bad_types(cls):
    with pytest.raises(TypeError, match="rank"):
        cls(8, 12, 2.5)
    with pytest.raises(TypeError, match="in_features"):
        cls("8", 12, 2)


# ---------------------------------------------------------------- SST


def test_sst_starts_at_svd_of_linear():
    lin = nn.Linear(24, 16).double()
    layer = lnn.SSTLinear.from_linear(lin, rank=4)
    x = _x()
    torch.testing.assert_close(layer(x), lin(x))
    k = 16
    torch.testing.assert_close(layer.U.T @ layer.U, torch.eye(k, dtype=torch.float64))
    s = np.linalg.svd(lin.weight.detach().numpy(), compute_uv=False)
    np.testing.assert_allclose(layer.s.detach().numpy(), s, rtol=1e-12)
    # trainable: all singular values, the selected vectors, the bias; the rest are buffers
    assert sum(p.numel() for p in layer.parameters()) == k + 4 * (16 + 24) + 16


def test_sst_enhanced_gradient_is_dense_gradient_times_vectors():
    layer = lnn.SSTLinear(24, 16, rank=5, dtype=torch.float64, seed=1)
    x = _x()
    W = layer.weight.detach().requires_grad_()
    (x @ W.T + layer.bias).pow(2).sum().backward()
    G = W.grad  # the oracle: dL/dW of the dense layer
    layer(x).pow(2).sum().backward()
    sel = layer.selected
    U, V = layer.U[:, sel], layer.V[:, sel]
    torch.testing.assert_close(layer.u_sel.grad, G @ V)  # enhanced: no factor s
    torch.testing.assert_close(layer.v_sel.grad, G.T @ U)
    torch.testing.assert_close(layer.s.grad, torch.einsum("ik,ij,jk->k", layer.U, G, layer.V))


def test_sst_sampling_resvd_and_determinism():
    def run():
        torch.manual_seed(0)
        layer = lnn.SSTLinear(20, 12, rank=3, sample_interval=2, svd_interval=6, seed=4, dtype=torch.float64)
        opt = torch.optim.Adam(layer.parameters(), lr=1e-2)
        x, y = _x(16, 20), _x(16, 12, seed=8)
        draws = []
        for _ in range(12):
            loss = (layer(x) - y).pow(2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            w_before = layer.weight.detach().clone()
            lnn.low_rank_training_step(layer, opt)
            torch.testing.assert_close(layer.weight, w_before)  # redraws never change W
            draws.append(tuple(layer.selected.tolist()))
        return layer, draws, loss.item()

    a, draws, loss_a = run()
    b, _, loss_b = run()
    assert loss_a == loss_b
    assert len(set(draws)) > 1  # the selection moves
    assert int(a.steps) == 12
    # after the re-SVD at step 12, U and V are orthonormal again
    torch.testing.assert_close(a.U.T @ a.U, torch.eye(12, dtype=torch.float64))
    torch.testing.assert_close(a.V.T @ a.V, torch.eye(12, dtype=torch.float64))
    c = lnn.SSTLinear(20, 12, rank=3, sample_interval=2, svd_interval=6, dtype=torch.float64)
    c.load_state_dict(a.state_dict())
    torch.testing.assert_close(c(_x(4, 20)), a(_x(4, 20)))


def test_sst_multinomial_sampling_follows_singular_values():
    layer = lnn.SSTLinear(10, 10, rank=1, sample_interval=1)
    with torch.no_grad():
        layer.s.copy_(torch.tensor([100.0] + [1e-3] * 9))
    picks = []
    for _ in range(30):
        layer.step()
        picks.append(int(layer.selected[0]))
    assert picks.count(0) >= 28


# ---------------------------------------------------------------- Maestro


def test_maestro_init_truncate_and_ordered_forward():
    lin = nn.Linear(24, 16).double()
    layer = lnn.MaestroLinear.from_linear(lin, 16).eval()
    torch.testing.assert_close(layer(_x()), lin(_x()))
    small = layer.truncate(5)
    u, s, vt = np.linalg.svd(lin.weight.detach().numpy())
    np.testing.assert_allclose(small.weight.detach().numpy(), (u[:, :5] * s[:5]) @ vt[:5], atol=1e-10)
    torch.testing.assert_close(small(_x()), layer(_x(), rank=5))
    assert sum(p.numel() for p in small.parameters()) == 5 * (24 + 16) + 16


def test_maestro_training_samples_ranks_and_group_lasso_gradient():
    layer = lnn.MaestroLinear(12, 10, max_rank=6, dtype=torch.float64)
    ranks = {layer.sample_rank() for _ in range(200)}
    assert ranks == set(range(1, 7))
    U = layer.U.detach().clone().requires_grad_()
    V = layer.V.detach().clone().requires_grad_()
    oracle = sum(torch.sqrt(U[:, b:].pow(2).sum() + V[:, b:].pow(2).sum()) for b in range(6))
    penalty = layer.group_lasso()
    torch.testing.assert_close(penalty, oracle)
    penalty.backward()
    oracle.backward()
    torch.testing.assert_close(layer.U.grad, U.grad)
    torch.testing.assert_close(layer.V.grad, V.grad)
    # training mode uses a sampled prefix of the components; eval uses all
    x = _x(3, 12)
    layer.train()
    outs = {tuple(layer(x)[0].tolist()) for _ in range(40)}
    assert len(outs) > 1
    assert all(
        any(torch.allclose(torch.tensor(o, dtype=torch.float64), layer(x, rank=b)[0]) for b in range(1, 7))
        for o in outs
    )


def test_maestro_prune_and_state_dict_of_pruned_layer():
    layer = lnn.MaestroLinear(12, 10, max_rank=6)
    with torch.no_grad():
        layer.U[:, 4:] *= 1e-6
    assert layer.prune(1e-3) == 4
    fresh = lnn.MaestroLinear(12, 10, max_rank=6)
    fresh.load_state_dict(layer.state_dict())
    assert fresh.rank == 4
    torch.testing.assert_close(fresh.eval()(torch.ones(2, 12)), layer.eval()(torch.ones(2, 12)))
    with pytest.raises(ValueError, match="threshold"):
        layer.prune(-1.0)


def test_maestro_recovers_leading_principal_direction():
    from sklearn.datasets import load_digits

    X = load_digits().data[:400].astype(np.float64)
    X = (X - X.mean(0)) / 16.0
    Xt = torch.from_numpy(X)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny products: threads only contend
    try:
        ae = lnn.MaestroLinear(64, 64, max_rank=3, bias=False, dtype=torch.float64)
        opt = torch.optim.Adam(ae.parameters(), lr=2e-2)
        for _ in range(300):
            loss = (ae(Xt) - Xt).pow(2).sum(1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    finally:
        torch.set_num_threads(threads)
    _, _, vt = np.linalg.svd(X, full_matrices=False)
    u1 = ae.U.detach().numpy()[:, 0]
    cos = abs(u1 @ vt[0]) / np.linalg.norm(u1)
    assert np.arccos(min(cos, 1.0)) < 0.1


# ---------------------------------------------------------------- DCTAdamW


def test_dct_basis_is_orthonormal_dct2():
    Q = dct_basis(16)
    torch.testing.assert_close(Q.T @ Q, torch.eye(16, dtype=torch.float64))
    from scipy.fft import dct

    e = np.eye(16)
    np.testing.assert_allclose(Q.numpy(), dct(e, norm="ortho", axis=0).T, atol=1e-12)


def _oracle_steps(W0, grads, rank, interval, lr, betas, eps, scale, wd):
    """Projected Adam written out with numpy: the selection by L1 alignment, moments moved."""
    W = W0.copy()
    tall = W.shape[0] >= W.shape[1]
    n = min(W.shape)
    from scipy.fft import dct

    Q = dct(np.eye(n), norm="ortho", axis=0).T
    m = v = None
    idx = None
    for t, G in enumerate(grads):
        Gs = G if tall else G.T
        if t % interval == 0:
            new = np.sort(np.argsort(-np.abs(Gs @ Q).sum(0), kind="stable")[:rank])
            nm, nv = np.zeros((Gs.shape[0], rank)), np.zeros((Gs.shape[0], rank))
            if idx is not None:
                for k, j in enumerate(new):
                    if j in idx:
                        nm[:, k] = m[:, list(idx).index(j)]
                        nv[:, k] = v[:, list(idx).index(j)]
            m, v, idx = nm, nv, new
        g = Gs @ Q[:, idx]
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        upd = (m / (1 - betas[0] ** (t + 1))) / (np.sqrt(v / (1 - betas[1] ** (t + 1))) + eps)
        upd = scale * upd @ Q[:, idx].T
        W = W * (1 - lr * wd) - lr * (upd if tall else upd.T)
    return W


@pytest.mark.parametrize("shape", [(20, 12), (12, 20)])
def test_dct_adamw_matches_numpy_oracle(shape):
    rng = np.random.default_rng(0)
    W0 = rng.standard_normal(shape)
    grads = [rng.standard_normal(shape) for _ in range(7)]
    p = nn.Parameter(torch.from_numpy(W0.copy()))
    opt = lnn.DCTAdamW([p], rank=3, update_interval=3, lr=0.05, weight_decay=0.1, scale=0.5)
    for G in grads:
        p.grad = torch.from_numpy(G)
        opt.step()
    want = _oracle_steps(W0, grads, 3, 3, 0.05, (0.9, 0.999), 1e-8, 0.5, 0.1)
    np.testing.assert_allclose(p.detach().numpy(), want, rtol=1e-10, atol=1e-12)
    assert opt.state[p]["exp_avg"].shape == (20, 3)
    assert opt.state[p]["indices"].dtype == torch.long


def test_dct_adamw_plain_adamw_for_other_parameters():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 4), nn.Linear(4, 3))  # min dims 4 and 3 <= rank 4: plain
    twin = copy.deepcopy(model)
    a = lnn.DCTAdamW(model.parameters(), rank=4, lr=1e-2, weight_decay=0.01)
    b = torch.optim.AdamW(twin.parameters(), lr=1e-2, weight_decay=0.01)
    x = torch.randn(5, 6)
    for _ in range(3):
        for m, o in ((model, a), (twin, b)):
            o.zero_grad()
            m(x).pow(2).sum().backward()
            o.step()
    for p, q in zip(model.parameters(), twin.parameters()):
        torch.testing.assert_close(p, q)


def test_dct_adamw_state_dict_round_trip_and_bad_state():
    torch.manual_seed(0)
    model = nn.Linear(16, 12)
    opt = lnn.DCTAdamW(model.parameters(), rank=2, update_interval=2)
    x = torch.randn(4, 16)
    for _ in range(3):
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()
    saved = copy.deepcopy(opt.state_dict())
    twin_model = copy.deepcopy(model)
    twin = lnn.DCTAdamW(twin_model.parameters(), rank=2, update_interval=2)
    twin.load_state_dict(saved)
    for o, m in ((opt, model), (twin, twin_model)):
        o.zero_grad()
        m(x).sum().backward()
        o.step()
    torch.testing.assert_close(model.weight, twin_model.weight)
    other = lnn.DCTAdamW(nn.Linear(16, 10).parameters(), rank=2)
    with pytest.raises(ValueError, match="state_dict"):
        other.load_state_dict(saved)


def test_dct_adamw_bad_input():
    p = [nn.Parameter(torch.zeros(4, 4))]
    with pytest.raises(ValueError, match="rank"):
        lnn.DCTAdamW(p, rank=0)
    with pytest.raises(TypeError, match="rank"):
        lnn.DCTAdamW(p, rank=1.5)
    with pytest.raises(ValueError, match="update_interval"):
        lnn.DCTAdamW(p, rank=1, update_interval=0)
    with pytest.raises(ValueError, match="lr"):
        lnn.DCTAdamW(p, rank=1, lr=-1.0)


# ---------------------------------------------------------------- conversion


def _mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(16, 24), nn.ReLU(), nn.Linear(24, 8))


@pytest.mark.parametrize("method", ["sltrain", "sst", "maestro"])
def test_to_low_rank_training_and_back(method):
    model = _mlp()
    before = copy.deepcopy(model.state_dict())
    low, report = lnn.to_low_rank_training(model, method, rank=4)
    for k, v in model.state_dict().items():  # the caller's model is untouched
        assert torch.equal(v, before[k])
    assert len(report) == 2 and report.summary["params_before"] == 16 * 24 + 24 + 24 * 8 + 8
    assert report[0]["params_after"] == sum(p.numel() for p in low[0].parameters())
    low.eval()
    x = torch.randn(3, 16)
    dense = lnn.merge_low_rank_training(low)
    assert all(type(m) in (nn.Linear, nn.ReLU) for m in dense)
    torch.testing.assert_close(dense(x), low(x), atol=1e-5, rtol=1e-5)
    if method == "sst":  # from the SVD of the weights: the same function at the start
        torch.testing.assert_close(low(x), model(x), atol=1e-5, rtol=1e-5)


def test_to_low_rank_training_bad_input():
    with pytest.raises(ValueError, match="method"):
        lnn.to_low_rank_training(_mlp(), "galore", rank=2)
    with pytest.raises(ValueError, match="rank"):
        lnn.to_low_rank_training(_mlp(), "sst", rank=9)
    with pytest.raises(ValueError, match="rank"):
        lnn.to_low_rank_training(_mlp(), "sst", rank=0)
    with pytest.raises(ValueError, match="targets"):
        lnn.to_low_rank_training(_mlp(), "sst", rank=2, targets=["nothing"])
    with pytest.raises(TypeError, match="sparsity"):
        lnn.to_low_rank_training(_mlp(), "sst", rank=2, sparsity=0.1)
    with pytest.raises(TypeError, match="model"):
        lnn.low_rank_training_step("model")
