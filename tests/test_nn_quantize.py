"""Tests of lralg.nn.quantize (RTN, GPTQ, LoRC) and QuantizedLinear."""

import io

import numpy as np
import pytest

import lralg

torch = pytest.importorskip("torch")
nn = torch.nn
lnn = pytest.importorskip("lralg.nn")


class _Keyword(nn.Module):
    """Takes its input by keyword, as a Hugging Face model does."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(32, 64)
        self.out = nn.Linear(64, 16)

    def forward(self, inputs=None, scale=None):
        h = torch.relu(self.proj(inputs))
        return self.out(h) * (1 if scale is None else scale)


def _model(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 16))


def _calibration(seed=1, batches=2, width=32):
    g = torch.Generator().manual_seed(seed)
    mix = torch.randn(width, width, generator=g)
    return [torch.randn(64, width, generator=g) @ mix for _ in range(batches)]


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def _output_error(q, model, xs):
    with torch.no_grad():
        return sum(float(torch.linalg.norm(q(x) - model(x))) for x in xs)


def test_rtn_layers_hold_the_core_codes():
    model = _model()
    q, report = lnn.quantize(model, bits=4, group_size=16)
    assert [type(m).__name__ for m in q if not isinstance(m, nn.ReLU)] == ["QuantizedLinear"] * 3
    ref = lralg.quantize_rtn(model[0].weight.detach().numpy(), 4, group_size=16)
    np.testing.assert_array_equal(q[0].codes.numpy(), ref.codes)
    np.testing.assert_allclose(q[0].weight.detach().numpy(), ref.dequantized, rtol=1e-6)
    x = torch.randn(3, 32)
    torch.testing.assert_close(q[0](x), x @ torch.from_numpy(ref.dequantized).T + model[0].bias)
    assert report.summary["bytes_after"] < 0.35 * report.summary["bytes_before"]
    assert report[0]["rel_error"] == pytest.approx(
        np.linalg.norm(ref.dequantized - model[0].weight.detach().numpy())
        / np.linalg.norm(model[0].weight.detach().numpy()),
        rel=1e-4,
    )


def test_gptq_uses_hooked_grams_and_beats_rtn():
    model = _model()
    calib = _calibration()
    q, _ = lnn.quantize(model, bits=3, group_size=16, method="gptq", calibration=calib)
    X = torch.cat(calib).double()
    ref = lralg.quantize_gptq(model[0].weight.detach().numpy(), (X.T @ X).numpy(), 3, group_size=16)
    np.testing.assert_array_equal(q[0].codes.numpy(), ref.codes)
    rtn, _ = lnn.quantize(model, bits=3, group_size=16)
    assert _output_error(q, model, calib) < _output_error(rtn, model, calib)


def test_lorc_reduces_the_weight_error():
    model = _model()
    calib = _calibration()
    for method in ("rtn", "gptq"):
        plain, r0 = lnn.quantize(model, bits=3, group_size=16, method=method, calibration=calib)
        lorc, r8 = lnn.quantize(model, bits=3, group_size=16, method=method, calibration=calib, lorc_rank=8)
        for a, b in zip(r0, r8):
            assert b["rel_error"] < a["rel_error"]
        assert r8.summary["bytes_after"] > r0.summary["bytes_after"]
        W = model[0].weight.detach().numpy().astype(np.float64)
        Wq = plain[0].weight.detach().numpy().astype(np.float64)
        s = np.linalg.svd(W - Wq, compute_uv=False)
        best = np.sqrt(np.sum(s[8:] ** 2)) / np.linalg.norm(W)
        assert r8[0]["rel_error"] == pytest.approx(best, rel=1e-3)


def test_keyword_batches_and_state_dict_round_trip():
    model = _Keyword()
    calib = [{"inputs": torch.randn(20, 32), "scale": torch.tensor(2.0)} for _ in range(2)]
    q, report = lnn.quantize(model, bits=4, group_size=32, method="gptq", calibration=calib, lorc_rank=2)
    assert len(report) == 2
    buffer = io.BytesIO()
    torch.save(q.state_dict(), buffer)
    buffer.seek(0)
    other, _ = lnn.quantize(_Keyword(), bits=4, group_size=32, lorc_rank=2)
    other.load_state_dict(torch.load(buffer))
    x = torch.randn(3, 32)
    torch.testing.assert_close(other(inputs=x), q(inputs=x))


def test_group_none_targets_and_inplace():
    model = _model()
    q, report = lnn.quantize(model, bits=8, group_size=None, targets=["4"])
    assert isinstance(q[0], nn.Linear) and isinstance(q[4], lnn.QuantizedLinear)
    assert q[4].scales.shape == (16, 1) and report[0]["group_size"] == 32
    same, _ = lnn.quantize(model, bits=8, group_size=None, inplace=True)
    assert same is model and isinstance(model[0], lnn.QuantizedLinear)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"bits": 5}, ValueError, "bits"),
        ({"bits": "4"}, TypeError, "bits"),
        ({"group_size": 24}, ValueError, "group_size"),
        ({"method": "awq"}, ValueError, "method"),
        ({"method": "gptq"}, ValueError, "calibration"),
        ({"method": "gptq", "calibration": []}, ValueError, "calibration is empty"),
        ({"method": "gptq", "calibration": [torch.randn(4, 31)]}, ValueError, "calibration batch 0"),
        ({"method": "gptq", "calibration": [torch.randn(4, 32), "text"]}, TypeError, "calibration batch 1"),
        ({"method": "gptq", "calibration": [torch.full((4, 32), float("nan"))]}, ValueError, "NaN"),
        ({"lorc_rank": -1}, ValueError, "lorc_rank"),
        ({"lorc_rank": 17}, ValueError, "lorc_rank"),
        ({"targets": ["missing"]}, ValueError, "targets"),
    ],
)
def test_bad_arguments_leave_the_model_untouched(kwargs, exc, match):
    model = _model()
    before = _state(model)
    kwargs = {"group_size": 16, **kwargs}
    with pytest.raises(exc, match=match):
        lnn.quantize(model, **kwargs)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert isinstance(model[0], nn.Linear)
