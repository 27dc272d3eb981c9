"""lralg.nn adapters: LoRA against PEFT and a hand-written oracle, TriAdaptLoRA's growth, MoRA's
mixture, merge/unmerge and save/load round trips, and bad input."""

import copy
import doctest
import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
nn = torch.nn

import lralg.nn as lnn  # noqa: E402
from lralg.nn.adapters import _config, _face, _io, _layer, lora, mora, triadapt  # noqa: E402


def _base(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 4))


def _data(seed=1, n=48):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 16, generator=g), torch.randint(0, 4, (n,), generator=g)


def _train(model, steps=6, lr=1e-2, x=None, y=None):
    if x is None:
        x, y = _data()
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    for _ in range(steps):
        loss = nn.functional.cross_entropy(model(x), y) + lnn.adapter_loss(model)
        opt.zero_grad()
        loss.backward()
        opt.step()
        lnn.adapter_step(model, opt)
    return opt


def _state(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _same_state(model, state):
    now = model.state_dict()
    return set(now) == set(state) and all(torch.equal(now[k], state[k]) for k in state)


TRI = {"total_steps": 40, "interval": 2}
METHODS = [("lora", {}), ("triadapt", TRI), ("mora", {})]


# --- LoRA -------------------------------------------------------------------------------------


def test_lora_matches_the_formula():
    base = _base()
    model = lnn.adapt(base, "lora", rank=3, alpha=6, rng=0)
    layer = model[2]
    with torch.no_grad():
        layer.lora_B.normal_()
    x = torch.randn(5, 32, dtype=torch.float64)
    a, b = layer.lora_A.double(), layer.lora_B.double()
    w, bias = base[2].weight.double(), base[2].bias.double()
    expected = x @ w.T + bias + (6 / 3) * x @ a.T @ b.T
    assert torch.allclose(layer.double()(x), expected, atol=1e-12)


def test_lora_starts_as_the_base_and_freezes_it():
    base = _base()
    before = _state(base)
    model = lnn.adapt(base, "lora", rank=2, targets=["0", "4"], rng=0)
    x, _ = _data()
    assert torch.equal(model(x), base(x))
    count, names = lnn.trainable_parameters(model)
    assert names == ["0.lora_A", "0.lora_B", "4.lora_A", "4.lora_B"]
    assert count == 2 * (16 + 32) + 2 * (64 + 4)
    assert isinstance(model[2], nn.Linear) and not model[2].weight.requires_grad
    assert _same_state(base, before) and all(p.requires_grad for p in base.parameters())


def test_lora_equals_peft_before_and_after_training():
    peft = pytest.importorskip("peft")
    base = _base()
    ours = lnn.adapt(base, "lora", rank=4, alpha=8, targets=["0", "2"], rng=3)
    theirs = peft.get_peft_model(
        copy.deepcopy(base), peft.LoraConfig(r=4, lora_alpha=8, target_modules=["0", "2"])
    )
    with torch.no_grad():
        for name in ("0", "2"):
            layer = theirs.base_model.model.get_submodule(name)
            layer.lora_A["default"].weight.copy_(ours.get_submodule(name).lora_A)
            layer.lora_B["default"].weight.copy_(ours.get_submodule(name).lora_B)
    x, y = _data()
    assert torch.allclose(ours(x), theirs(x), atol=1e-6)
    for model in (ours, theirs):
        opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
        for _ in range(5):
            loss = nn.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
    assert not torch.allclose(ours(x), base(x), atol=1e-3)
    assert torch.allclose(ours(x), theirs(x), atol=1e-6)


def test_inplace_adapts_the_model_itself():
    base = _base()
    model = lnn.adapt(base, "lora", rank=2, inplace=True, rng=0)
    assert model is base and isinstance(base[0], lora.LoraLinear)


def test_same_rng_same_initialisation():
    a = lnn.adapt(_base(), "mora", rank=3, rng=7)
    b = lnn.adapt(_base(), "mora", rank=3, rng=np.random.default_rng(7))
    assert torch.equal(a[0].lora_A, b[0].lora_A)
    assert not torch.equal(a[0].lora_A, lnn.adapt(_base(), "mora", rank=3, rng=8)[0].lora_A)


# --- merge, unmerge, unload, save, load -------------------------------------------------------


@pytest.mark.parametrize("method, options", METHODS[:2])
def test_merge_unmerge_round_trip_is_exact(method, options):
    base = _base()
    model = lnn.adapt(base, method, rank=4, rng=0, **options)
    _train(model, steps=8)
    x, _ = _data(5)
    out = model(x)
    weights = [layer.base_layer.weight.detach().clone() for _, layer in _face.adapter_layers(model)]
    lnn.merge(model)
    assert torch.allclose(model(x), out, atol=1e-5)
    lnn.unmerge(model)
    assert all(
        torch.equal(layer.base_layer.weight, w) for (_, layer), w in zip(_face.adapter_layers(model), weights)
    )
    assert torch.equal(model(x), out)
    plain = lnn.merge_and_unload(model)
    assert not _face.adapter_layers(plain) and _face.adapter_layers(model)
    assert all(type(m) is nn.Linear for m in plain if not isinstance(m, nn.ReLU))
    assert torch.allclose(plain(x), out, atol=1e-5)


@pytest.mark.parametrize("method, options", METHODS)
def test_save_load_round_trip(method, options, tmp_path):
    pytest.importorskip("safetensors")
    base = _base()
    model = lnn.adapt(base, method, rank=4, dropout=0.1, rng=0, **options)
    _train(model, steps=10)
    if method == "mora":
        lnn.next_task(model)
        _train(model, steps=3)
    model.eval()
    path = tmp_path / "adapter.safetensors"
    lnn.save_adapter(model, path)
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as fh:
        keys = list(fh.keys())
    assert keys and all(".base_layer." not in k for k in keys)
    loaded = lnn.load_adapter(base, path, method=method).eval()
    x, _ = _data(9)
    assert torch.equal(loaded(x), model(x))
    assert _same_state(loaded, model.state_dict())
    assert lnn.trainable_parameters(loaded).names == lnn.trainable_parameters(model).names
    again = lnn.load_adapter(copy.deepcopy(base), path, inplace=True).eval()
    assert torch.equal(again(x), model(x))


# --- TriAdaptLoRA -----------------------------------------------------------------------------


def test_triadapt_update_is_b_c_a_with_triangular_c():
    model = lnn.adapt(_base(), "triadapt", rank=4, init_rank=2, growth=3, total_steps=10, rng=0)
    layer = model[2]
    layer.add_block(3)
    with torch.no_grad():
        for p in layer.parameters():
            if p.requires_grad:
                p.normal_()
    c = layer.transformation()
    assert c.shape == (5, 5)
    lower = torch.zeros(5, 5)
    upper = torch.zeros(5, 5)
    lower[:2, :2], lower[2:, :] = layer.c_rows[0], layer.c_rows[1]
    upper[:2, :2], upper[:, 2:] = layer.c_cols[0], layer.c_cols[1]
    assert torch.equal(c, lower + upper)
    assert torch.equal(
        torch.triu(lower, 1)[:2, 2:], torch.zeros(2, 3)
    )  # lower part: nothing above the blocks
    a = torch.cat(list(layer.lora_A))
    b = torch.cat(list(layer.lora_B), 1)
    assert layer.scaling == 16 / 5
    assert torch.allclose(layer.delta_weight(), (16 / 5) * b @ c @ a, atol=1e-5)
    x = torch.randn(3, 32)
    assert torch.allclose(layer(x), layer.base_layer(x) + x @ layer.delta_weight().T, atol=1e-4)


def test_triadapt_starts_as_lora_and_growth_adds_nothing_until_trained():
    base = _base()
    tri = lnn.adapt(base, "triadapt", rank=4, init_rank=2, growth=2, total_steps=10, rng=0)
    layer = tri[2]
    assert torch.equal(layer.transformation(), torch.eye(2))  # C = I, B = 0: LoRA at rank 2
    assert torch.equal(layer.delta_weight(), torch.zeros(64, 32))
    bound = 1 / math.sqrt(32)  # A drawn as LoRA's (Kaiming uniform, a = sqrt 5)
    assert 0 < float(layer.lora_A[0].detach().abs().max()) <= bound
    with torch.no_grad():
        layer.lora_B[0].normal_()
    before = layer.delta_weight().clone()
    layer.add_block(2)
    assert torch.equal(layer.transformation(), torch.eye(4))
    # new B columns are zero: the update is unchanged but for the scale alpha / r (r: 2 -> 4)
    torch.testing.assert_close(layer.delta_weight(), before * 2 / 4)


def test_triadapt_growth_keeps_optimizer_state_and_reaches_the_budget():
    model = lnn.adapt(_base(), "triadapt", rank=4, total_steps=30, interval=2, rng=0)
    x, y = _data()
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    first = model[0].lora_A[0]
    grew_at = []
    for step in range(1, 31):
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        saved = {id(p): {k: v.clone() for k, v in opt.state[p].items()} for p in opt.state}
        grown = lnn.adapter_step(model, opt)
        for p in opt.state:  # growth touches no existing entry's optimizer state
            assert all(torch.equal(opt.state[p][k], v) for k, v in saved[id(p)].items())
        if grown:
            grew_at.append(step)
    assert grew_at and all(s % 2 == 0 for s in grew_at)
    ranks = [layer.rank_now() for _, layer in _face.adapter_layers(model)]
    assert sum(ranks) >= 4 * 3 and max(ranks) > 1
    assert model[0].lora_A[0] is first
    in_opt = {id(p) for g in opt.param_groups for p in g["params"]}
    assert all(id(p) in in_opt for p in model.parameters() if p.requires_grad)
    assert len(opt.param_groups) == 1


@pytest.mark.parametrize(
    "schedule, step, expected",
    [
        ("linear", 2, 1),
        ("linear", 5, 2),
        ("linear", 50, 20),
        ("exponential", 50, int(math.exp(0.5 * math.log(40)))),
    ],
)
def test_triadapt_threshold_schedule(schedule, step, expected):
    # 20 layers of rank 1, target average 3: the number that grows is the schedule's count
    layers = []
    for i in range(20):
        cfg = _config.TriAdaptConfig(rank=3, growth=1, total_steps=100, interval=1, schedule=schedule)
        layer = triadapt.TriAdaptLinear(nn.Linear(4, 4), cfg, seed=i)
        with torch.no_grad():
            layer.c_rows[0].fill_(i + 1.0)
        layer.steps = step - 1
        layers.append((str(i), layer))
    grown = triadapt.grow(layers, None)  # 40 ranks to go; at step t the linear count is int(40 t / 100)
    assert grown == [str(i) for i in range(20 - expected, 20)]  # the largest importance first


def test_triadapt_warmup_and_interval():
    model = lnn.adapt(_base(), "triadapt", rank=4, total_steps=20, warmup_steps=6, interval=3, rng=0)
    _train(model, steps=6)
    assert all(layer.rank_now() == 1 for _, layer in _face.adapter_layers(model))
    _train(model, steps=3)
    assert any(layer.rank_now() > 1 for _, layer in _face.adapter_layers(model))


# --- MoRA -------------------------------------------------------------------------------------


def test_mora_matches_a_numpy_oracle():
    model = lnn.adapt(_base(), "mora", rank=6, alpha=6, top_k=3, temperature=0.5, threshold=0.3, rng=0)
    layer = model[2]
    with torch.no_grad():
        layer.lora_B.normal_()
    x = torch.randn(7, 32)
    a, b = layer.lora_A.detach().numpy(), layer.lora_B.detach().numpy()
    p = x.numpy() @ a.T
    s = p / np.linalg.norm(p, axis=1, keepdims=True)
    for training in (True, False):
        layer.train(training)
        out = layer.update(x).detach().numpy()
        expected = np.zeros((7, 64))
        for i in range(7):
            top = np.argsort(-s[i])[:3]
            w = np.zeros(6)
            w[top] = np.exp(s[i, top] / 0.5) / np.exp(s[i, top] / 0.5).sum()
            if not training:
                w *= s[i] >= 0.3
            expected[i] = (p[i] * w) @ b.T
        np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


def test_mora_next_task_freezes_and_adds_experts():
    base = _base()
    model = lnn.adapt(base, "mora", rank=3, rng=0)
    _train(model, steps=5)
    learned = model[0].lora_A.detach().clone(), model[0].lora_B.detach().clone()
    count = lnn.trainable_parameters(model).count
    lnn.next_task(model)
    assert lnn.trainable_parameters(model).count == count
    assert model[0].rank_now() == 6 and torch.equal(model[0].frozen_A, learned[0])
    assert torch.equal(model[0].lora_B, torch.zeros_like(model[0].lora_B))
    _train(model, steps=5)
    assert torch.equal(model[0].frozen_A, learned[0]) and torch.equal(model[0].frozen_B, learned[1])
    w = model[0].weights(torch.randn(10, 6))
    assert ((w > 0).sum(-1) <= 3).all() and torch.allclose(w.sum(-1), torch.ones(10))


def test_next_task_leaves_lora_and_triadapt_alone():
    for method, options in METHODS[:2]:
        model = lnn.adapt(_base(), method, rank=2, rng=0, **options)
        before = _state(model)
        assert lnn.next_task(model) is model and _same_state(model, before)


# --- bad input --------------------------------------------------------------------------------


@given(rank=st.integers(max_value=0))
def test_bad_rank(rank):
    with pytest.raises(ValueError, match="rank"):
        lnn.adapt(_base(), "lora", rank=rank)


@given(alpha=st.one_of(st.floats(max_value=0), st.just(float("nan")), st.just(float("inf"))))
def test_bad_alpha(alpha):
    with pytest.raises(ValueError, match="alpha"):
        lnn.adapt(_base(), "lora", alpha=alpha)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"method": "dora"}, ValueError, "method"),
        ({"method": 3}, TypeError, "method"),
        ({"rank": 2.5}, TypeError, "rank"),
        ({"dropout": 1.0}, ValueError, "dropout"),
        ({"targets": ["nothing"]}, ValueError, "targets"),
        ({"targets": 5}, TypeError, "targets"),
        ({"top_k": 2}, TypeError, "top_k"),
        ({"method": "triadapt"}, ValueError, "total_steps"),
        ({"method": "triadapt", "total_steps": 10, "schedule": "cosine"}, ValueError, "schedule"),
        ({"method": "mora", "temperature": 0.0}, ValueError, "temperature"),
        ({"method": _config.LoraConfig(), "rank": 2}, TypeError, "rank"),
        ({"rng": "seed"}, TypeError, "rng"),
    ],
)
def test_bad_arguments_leave_the_model_untouched(kwargs, error, match):
    base = _base()
    before = _state(base)
    with pytest.raises(error, match=match):
        lnn.adapt(base, **kwargs)
    assert _same_state(base, before) and not _face.adapter_layers(base)


def test_adapting_twice_and_unadapted_models():
    model = lnn.adapt(_base(), "lora", rng=0)
    with pytest.raises(ValueError, match="already has adapters"):
        lnn.adapt(model, "lora")
    for fn in (lnn.merge, lnn.unmerge, lnn.merge_and_unload, lnn.next_task, lnn.adapter_step):
        with pytest.raises(ValueError, match="no adapters"):
            fn(_base())
    with pytest.raises(TypeError, match="model"):
        lnn.merge("model")
    with pytest.raises(ValueError, match="not merged"):
        lnn.unmerge(model)
    lnn.merge(model)
    with pytest.raises(ValueError, match="already merged"):
        lnn.merge(model)
    pytest.importorskip("safetensors")
    with pytest.raises(ValueError, match="merged"):
        lnn.save_adapter(model, "unused.safetensors")


def test_mora_cannot_merge():
    model = lnn.adapt(_base(), "mora", rng=0)
    for fn in (lnn.merge, lnn.merge_and_unload):
        with pytest.raises(ValueError, match="mora"):
            fn(model)


def _saved(tmp_path, method="lora", **options):
    pytest.importorskip("safetensors")
    model = lnn.adapt(_base(), method, rank=2, targets=["2"], rng=0, **options)
    path = tmp_path / f"{method}.safetensors"
    lnn.save_adapter(model, path)
    return path


def test_loading_onto_another_architecture_is_refused(tmp_path):
    path = _saved(tmp_path)
    wider = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 48))
    shorter = nn.Sequential(nn.Linear(16, 32))
    for other, match in ((wider, "32 -> 48"), (shorter, "no linear layer '2'")):
        before = _state(other)
        with pytest.raises(ValueError, match=match):
            lnn.load_adapter(other, path)
        with pytest.raises(ValueError, match=match):
            lnn.load_adapter(other, path, inplace=True)
        assert _same_state(other, before) and not _face.adapter_layers(other)


def test_loading_another_method_or_a_damaged_file_is_refused(tmp_path):
    pytest.importorskip("safetensors")
    from safetensors.torch import load_file, save_file

    path = _saved(tmp_path, "triadapt", total_steps=5)
    base = _base()
    before = _state(base)
    with pytest.raises(ValueError, match="'triadapt' adapter"):
        lnn.load_adapter(base, path, method="lora")
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as fh:
        meta = fh.metadata()
    tensors = load_file(str(path))
    bad = dict(tensors)
    key = next(k for k in bad if k.endswith("lora_A.0"))
    bad[key] = bad[key].clone()
    bad[key][0, 0] = float("nan")
    save_file(bad, str(tmp_path / "nan.safetensors"), metadata=meta)
    with pytest.raises(ValueError, match="NaN"):
        lnn.load_adapter(base, tmp_path / "nan.safetensors", inplace=True)
    missing = {k: v for k, v in tensors.items() if k != key}
    save_file(missing, str(tmp_path / "missing.safetensors"), metadata=meta)
    with pytest.raises(ValueError, match="missing"):
        lnn.load_adapter(base, tmp_path / "missing.safetensors", inplace=True)
    other_meta = dict(meta, config=json.dumps({"method": "lora", "rank": 0}))
    save_file(tensors, str(tmp_path / "meta.safetensors"), metadata=other_meta)
    with pytest.raises(ValueError, match="rank"):
        lnn.load_adapter(base, tmp_path / "meta.safetensors")
    save_file(tensors, str(tmp_path / "plain.safetensors"))
    with pytest.raises(ValueError, match="no lralg adapter"):
        lnn.load_adapter(base, tmp_path / "plain.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"not a file")
    with pytest.raises(ValueError, match="safetensors"):
        lnn.load_adapter(base, tmp_path / "junk.safetensors")
    with pytest.raises(TypeError, match="path"):
        lnn.load_adapter(base, 5)
    assert _same_state(base, before) and not _face.adapter_layers(base)


def test_docstring_examples_run():
    modules = [_face, _config, _layer, lora, mora, triadapt]
    try:
        import safetensors  # noqa: F401

        modules.append(_io)
    except ImportError:
        pass
    for module in modules:
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__
