"""Tests of lralg.nn's compression: LowRankLinear, from_linear, decompose, freeze_non_lrc."""

import io

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn
lnn = pytest.importorskip("lralg.nn")


class _Tiny(nn.Module):
    """Two blocks of a transformer-like MLP, widths 16-48, with weights of decaying spectra."""

    def __init__(self, seed=0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.embed = nn.Embedding(10, 32)
        self.blocks = nn.ModuleList()
        for _ in range(2):
            block = nn.ModuleDict(
                {
                    "query": nn.Linear(32, 32),
                    "key": nn.Linear(32, 32),
                    "up": nn.Linear(32, 48),
                    "down": nn.Linear(48, 32),
                }
            )
            self.blocks.append(block)
        self.head = nn.Linear(32, 16)
        with torch.no_grad():
            for m in self.modules():
                if isinstance(m, nn.Linear):
                    r = min(m.weight.shape)
                    decay = torch.rand(r, generator=g) ** 3
                    u = torch.linalg.qr(torch.randn(m.out_features, r, generator=g))[0]
                    v = torch.linalg.qr(torch.randn(m.in_features, r, generator=g))[0]
                    m.weight.copy_((u * decay) @ v.T)

    def forward(self, x):
        h = self.embed(x) if x.dtype == torch.long else x
        for b in self.blocks:
            h = h + b["down"](torch.relu(b["up"](b["query"](h) + b["key"](h))))
        return self.head(h)


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def _same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_low_rank_linear_is_a_plain_module():
    layer = lnn.LowRankLinear(16, 8, 3)
    with torch.no_grad():
        layer.up.normal_()
    x = torch.randn(5, 16, requires_grad=True)
    y = layer(x)
    torch.testing.assert_close(y, x @ layer.weight.T + layer.bias)
    y.sum().backward()
    assert layer.down.grad is not None and layer.up.grad is not None
    buffer = io.BytesIO()
    torch.save(layer.state_dict(), buffer)
    buffer.seek(0)
    other = lnn.LowRankLinear(16, 8, 3)
    other.load_state_dict(torch.load(buffer))
    torch.testing.assert_close(other(x), layer(x))
    assert "rank=3" in repr(layer)
    with pytest.raises(ValueError, match="rank"):
        lnn.LowRankLinear(16, 8, 9)


def test_from_linear_matches_truncated_svd():
    linear = nn.Linear(40, 24).double()
    low = lnn.from_linear(linear, 5)
    W = linear.weight.detach().numpy()
    u, s, vt = np.linalg.svd(W)
    np.testing.assert_allclose(low.weight.detach().numpy(), (u[:, :5] * s[:5]) @ vt[:5], atol=1e-8)
    torch.testing.assert_close(low.bias, linear.bias)
    full = lnn.from_linear(linear, 24)
    torch.testing.assert_close(
        full(torch.ones(2, 40, dtype=torch.float64)), linear(torch.ones(2, 40, dtype=torch.float64))
    )
    with pytest.raises(TypeError):
        lnn.from_linear(nn.Conv1d(2, 2, 1), 1)
    with pytest.raises(ValueError):
        lnn.from_linear(linear, 0)


@pytest.mark.parametrize("method", ["uniform", "lord", "welore", "shared"])
@pytest.mark.parametrize("ratio", [0.5, 0.75])
def test_decompose_meets_the_budget_and_leaves_the_model(method, ratio):
    model = _Tiny()
    before = _state(model)
    small, report = lnn.decompose(model, method=method, ratio=ratio)
    assert _same(before, _state(model))
    assert report.summary["params_after"] <= ratio * report.summary["params_before"]
    # parameters really held by the compressed linear layers (a shared basis once)
    held = {
        id(p): p.numel()
        for n, m in small.named_modules()
        for p in m.parameters(recurse=False)
        if isinstance(m, (nn.Linear, lnn.LowRankLinear)) and not n.endswith("embed") and p.dim() == 2
    }
    assert sum(held.values()) == report.summary["params_after"]
    x = torch.randint(0, 10, (4, 6))
    out, ref = small(x), model(x)
    assert torch.nn.functional.cosine_similarity(out.flatten(), ref.flatten(), dim=0) > 0.8
    for row in report:
        assert row["rel_error"] >= 0
        assert row["params_after"] <= row["params_before"] or row["kind"].startswith("group")
    assert "params_after" in str(report)


def test_welore_beats_uniform_on_heterogeneous_spectra_and_labels_lrc():
    model = _Tiny()
    with torch.no_grad():  # one layer of full rank, flat spectrum: WeLore leaves it dense
        w = torch.linalg.qr(torch.randn(32, 32))[0]
        model.blocks[0]["query"].weight.copy_(w)
    _, uniform = lnn.decompose(model, method="uniform", ratio=0.6)
    _, welore = lnn.decompose(model, method="welore", ratio=0.6)

    def err(rep):
        return sum(r["rel_error"] ** 2 * r["params_before"] for r in rep)

    assert err(welore) < err(uniform)
    kinds = dict(zip(welore.column("layer"), welore.column("kind")))
    assert kinds["blocks.0.query"] == "N-LRC"
    assert set(kinds.values()) == {"LRC", "N-LRC"}


def test_lord_rank_and_energy_and_dense_where_no_saving():
    model = _Tiny()
    small, report = lnn.decompose(model, method="lord", rank=30, targets=r"blocks\..*")
    # 30 * (32 + 32) >= 32 * 32: low rank saves nothing on a 32 x 32 layer
    assert isinstance(small.blocks[0]["query"], nn.Linear)
    assert report[0]["rank"] == "full"
    small, report = lnn.decompose(model, method="lord", energy=0.9)
    for spec_row, (_name, m) in zip(
        report, [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Linear)]
    ):
        s = np.linalg.svd(m.weight.detach().double().numpy(), compute_uv=False)
        if spec_row["rank"] != "full":
            r = spec_row["rank"]
            assert np.sum(s[:r] ** 2) >= 0.9 * np.sum(s**2) > np.sum(s[: r - 1] ** 2)
            assert spec_row["rel_error"] == pytest.approx(np.sqrt(np.sum(s[r:] ** 2) / np.sum(s**2)))


def test_shared_groups_share_one_basis():
    model = _Tiny()
    with torch.no_grad():  # query and key of a block read the same input subspace
        base = torch.linalg.qr(torch.randn(32, 6))[0]
        for b in model.blocks:
            b["query"].weight.copy_(torch.randn(32, 6) @ base.T)
            b["key"].weight.copy_(torch.randn(32, 6) @ base.T)
    small, report = lnn.decompose(model, method="shared", rank=6, targets=["query", "key"])
    downs = {id(small.blocks[i][n].down) for i in range(2) for n in ("query", "key")}
    assert len(downs) == 1
    assert max(report.column("rel_error")) < 1e-5
    assert report.summary["params_after"] == 6 * 32 + 4 * 32 * 6
    state = small.state_dict()
    fresh = _Tiny()
    fresh_small, _ = lnn.decompose(fresh, method="shared", rank=6, targets=["query", "key"])
    fresh_small.load_state_dict(state)
    x = torch.randint(0, 10, (2, 3))
    torch.testing.assert_close(fresh_small(x), small(x))


def test_targets_and_inplace():
    model = _Tiny()
    small, report = lnn.decompose(model, method="lord", rank=4, targets=["up", "down"])
    assert [r["layer"] for r in report] == ["blocks.0.up", "blocks.0.down", "blocks.1.up", "blocks.1.down"]
    small, report = lnn.decompose(model, method="lord", rank=4, targets=r"blocks\.1\..*")
    assert len(report) == 4
    same, _ = lnn.decompose(model, method="lord", rank=4, targets=["head"], inplace=True)
    assert same is model and isinstance(model.head, lnn.LowRankLinear)


def test_freeze_non_lrc():
    model = _Tiny()
    small, report = lnn.decompose(model, method="welore", ratio=0.6)
    n = lnn.freeze_non_lrc(small)
    trainable = [p for p in small.parameters() if p.requires_grad]
    assert n == sum(p.numel() for p in trainable) > 0
    assert not small.embed.weight.requires_grad
    for m in small.modules():
        if isinstance(m, lnn.LowRankLinear):
            assert m.up.requires_grad and m.down.requires_grad
        elif isinstance(m, nn.Linear):
            assert not m.weight.requires_grad
    with pytest.raises(ValueError, match="LowRankLinear"):
        lnn.freeze_non_lrc(_Tiny())


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"method": "svd", "ratio": 0.5}, ValueError, "method"),
        ({"method": "lord"}, ValueError, "exactly one"),
        ({"method": "lord", "ratio": 0.5, "rank": 3}, ValueError, "exactly one"),
        ({"method": "welore", "rank": 3}, ValueError, "exactly one"),
        ({"method": "uniform", "ratio": 0.0}, ValueError, "ratio"),
        ({"method": "uniform", "ratio": 1.5}, ValueError, "ratio"),
        ({"method": "lord", "rank": 0}, ValueError, "rank"),
        ({"method": "lord", "rank": 17}, ValueError, "rank=17 exceeds"),
        ({"method": "lord", "energy": 2.0}, ValueError, "energy"),
        ({"method": "lord", "rank": 2, "targets": ["nothing"]}, ValueError, "targets"),
        ({"method": "lord", "rank": 2, "targets": 3}, TypeError, "targets"),
        ({"method": "lord", "rank": 2, "inplace": "no"}, TypeError, "inplace"),
        ({"method": "welore", "ratio": 1e-4}, ValueError, "ratio"),
    ],
)
def test_bad_arguments_leave_the_model_untouched(kwargs, exc, match):
    model = _Tiny()
    before = _state(model)
    with pytest.raises(exc, match=match):
        lnn.decompose(model, **kwargs)
    assert _same(before, _state(model))


def test_non_finite_weights_and_non_modules():
    model = _Tiny()
    with torch.no_grad():
        model.head.weight[0, 0] = float("nan")
    before = _state(model)
    with pytest.raises(ValueError, match="head"):
        lnn.decompose(model, method="lord", rank=2)
    assert all(
        torch.equal(a, b) or torch.isnan(a).any() for a, b in zip(before.values(), _state(model).values())
    )
    with pytest.raises(TypeError):
        lnn.decompose("model", method="lord", rank=2)
    with pytest.raises(ValueError, match="no Linear"):
        lnn.decompose(nn.Sequential(nn.ReLU()), method="lord", rank=2)
