"""Weight-only quantization of a network's linear layers (RTN or GPTQ), with
optional low-rank compensation of the quantization error (LoRC)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .._blas import one_blas_thread
from .._progress import ProgressBar
from .._validate import check_int
from ..quantize import _check_bits, quantize_gptq, quantize_rtn
from ..svd import truncated_svd
from ._calibration import input_grams
from ._modules import find_layers, model_to_modify, replace_module
from ._report import LayerReport
from .layers import QuantizedLinear, _factors

__all__ = ["quantize"]

_COLUMNS = ["layer", "shape", "bits", "group_size", "lorc_rank", "rel_error", "bytes_before", "bytes_after"]


def _lorc(W, Wq, rank, like):
    """Rank-``rank`` factors of the quantization error ``W - Wq``."""
    rank = min(rank, *W.shape)
    u, s, vt = truncated_svd(W - Wq, rank, rng=0)
    return _factors(u, s, vt, like)


@one_blas_thread
def quantize(
    model: nn.Module,
    *,
    bits=4,
    group_size=128,
    method="rtn",
    calibration=None,
    lorc_rank=0,
    targets=None,
    inplace=False,
    damp=0.01,
    act_order=False,
    symmetric=False,
    verbose=False,
):
    """Quantize the weights of linear layers to integer codes (weight-only).

    Parameters
    ----------
    model : torch.nn.Module
    bits : {2, 3, 4, 8}, default 4
    group_size : int or None, default 128
        Input columns sharing a scale and zero point; must divide each
        targeted layer's ``in_features``. None: one group per output row.
    method : {"rtn", "gptq"}, default "rtn"
        Round-to-nearest (:func:`lralg.quantize_rtn`) or GPTQ
        (:func:`lralg.quantize_gptq`), which needs ``calibration``.
    calibration : iterable of batches, optional
        Model inputs: tensors, tuples of tensors (positional arguments), or
        dicts of keyword tensors (as a Hugging Face model takes them). They
        are run through the model (in eval mode, without gradients) and
        forward hooks collect each targeted layer's input Gram matrix
        ``H = X^T X``.
    lorc_rank : int, default 0
        Rank of the low-rank compensation (LoRC): the quantization error
        ``W - Q(W)`` is approximated by a rank-``lorc_rank`` product kept in
        floating point beside the codes. 0: none.
    targets : None, str or list of str
        Layers to quantize, as PEFT's ``target_modules`` (default: every
        ``nn.Linear``).
    inplace : bool, default False
        Modify ``model`` itself; otherwise ``model`` is left untouched (also
        when an error is raised).
    damp, act_order, symmetric
        See :func:`lralg.quantize_gptq` (``symmetric`` also for RTN).
    verbose : bool, default False
        A progress bar over layers.

    Returns
    -------
    quantized : torch.nn.Module
        The model with :class:`lralg.nn.QuantizedLinear` layers.
    report : LayerReport
        Per layer: shape, bits, group size, LoRC rank, the relative Frobenius
        error of the effective weight, and bytes before (float16) and after
        (packed codes and zero points, float16 scales, LoRC factors and bias).

    Raises
    ------
    ValueError
        For bits outside {2, 3, 4, 8}, a group size that does not divide a
        layer's input width, GPTQ without calibration, calibration batches the
        model cannot run or that never reach a targeted layer, non-finite
        weights or inputs, or ``targets`` matching no layer.
    TypeError
        For a model that is not a module or batches of the wrong type.

    Notes
    -----
    The Gram matrices of all layers are collected in one pass over the
    calibration data through the unquantized model.

    References
    ----------
    E. Frantar et al., "GPTQ", arXiv:2210.17323. Z. Yao et al., "ZeroQuant-V2:
    Exploring post-training quantization in LLMs from comprehensive study to
    low rank compensation", 2023, arXiv:2303.08302.

    Examples
    --------
    >>> import torch, lralg.nn
    >>> _ = torch.manual_seed(0)
    >>> model = torch.nn.Sequential(torch.nn.Linear(32, 32), torch.nn.ReLU(), torch.nn.Linear(32, 8))
    >>> calib = [torch.randn(64, 32) for _ in range(2)]
    >>> q, report = lralg.nn.quantize(model, bits=4, group_size=16, method="gptq", calibration=calib, lorc_rank=2)
    >>> type(q[0]).__name__, len(report)
    ('QuantizedLinear', 2)
    """
    if method not in ("rtn", "gptq"):
        raise ValueError(f"method must be 'rtn' or 'gptq', got {method!r}")
    bits = _check_bits(bits)
    lorc_rank = check_int(lorc_rank, "lorc_rank", low=0)
    if group_size is not None:
        group_size = check_int(group_size, "group_size", low=1)
    layers = find_layers(model, targets)
    for name, layer in layers:
        if group_size is not None and layer.in_features % group_size:
            raise ValueError(
                f"group_size={group_size} does not divide the input width {layer.in_features} of layer {name!r}"
            )
        if lorc_rank > min(layer.in_features, layer.out_features):
            raise ValueError(f"lorc_rank={lorc_rank} exceeds min(shape) of layer {name!r}")
    if method == "gptq" and calibration is None:
        raise ValueError("method='gptq' needs calibration: an iterable of model inputs")
    work = model_to_modify(model, inplace)
    layers = [(name, work.get_submodule(name)) for name, _ in layers]
    grams = input_grams(work, layers, calibration) if method == "gptq" else {}
    rows = []
    with ProgressBar(len(layers), f"quantize ({method}, {bits} bits)", enabled=verbose) as bar:
        for i, (name, layer) in enumerate(layers):
            W = layer.weight.detach().to("cpu", torch.float64).numpy()
            if not np.isfinite(W).all():
                raise ValueError(f"the weight of layer {name!r} contains NaN or Inf")
            Wf = W.astype(np.float32) if layer.weight.dtype != torch.float64 else W
            if method == "gptq":
                q = quantize_gptq(
                    Wf,
                    grams[name],
                    bits,
                    group_size=group_size,
                    damp=damp,
                    act_order=act_order,
                    symmetric=symmetric,
                )
            else:
                q = quantize_rtn(Wf, bits, group_size=group_size, symmetric=symmetric)
            Wq = q.dequantized.astype(np.float64)
            lorc = _lorc(W, Wq, lorc_rank, layer.weight) if lorc_rank else None
            new = QuantizedLinear.from_quantized(q, layer, lorc)
            replace_module(work, name, new)
            effective = new.weight.detach().to("cpu", torch.float64).numpy()
            rows.append(
                {
                    "layer": name,
                    "shape": f"{W.shape[0]}x{W.shape[1]}",
                    "bits": int(bits),
                    "group_size": group_size or W.shape[1],
                    "lorc_rank": lorc_rank,
                    "rel_error": float(np.linalg.norm(W - effective) / max(np.linalg.norm(W), 1e-300)),
                    "bytes_before": 2 * (W.size + (0 if layer.bias is None else layer.bias.numel())),
                    "bytes_after": new.nbytes(),
                }
            )
            bar.update(i + 1)
    before = sum(r["bytes_before"] for r in rows)
    after = sum(r["bytes_after"] for r in rows)
    summary = {"bytes_before": before, "bytes_after": after, "ratio": after / before}
    return work, LayerReport(rows, _COLUMNS, summary, title=f"quantize (method={method!r}, bits={bits})")
