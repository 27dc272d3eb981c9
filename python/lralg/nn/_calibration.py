"""Calibration: run batches through a model and collect, with forward hooks,
the Gram matrix ``H = X^T X`` of each chosen layer's inputs."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

__all__ = ["input_grams"]


def _run(model: nn.Module, batch, index: int) -> None:
    if isinstance(batch, torch.Tensor):
        args, kwargs = (batch,), {}
    elif isinstance(batch, Mapping):
        if not all(isinstance(k, str) for k in batch):
            raise TypeError(f"calibration batch {index}: a dict batch must have string keys")
        args, kwargs = (), dict(batch)
    elif isinstance(batch, (tuple, list)) and all(isinstance(t, torch.Tensor) for t in batch):
        args, kwargs = tuple(batch), {}
    else:
        raise TypeError(
            f"calibration batch {index} must be a tensor, a tuple of tensors or a dict of keyword "
            f"tensors, got {type(batch).__name__}"
        )
    try:
        model(*args, **kwargs)
    except (RuntimeError, ValueError, TypeError, IndexError) as exc:
        raise ValueError(f"calibration batch {index} could not be run through the model: {exc}") from exc


def input_grams(model: nn.Module, layers, calibration) -> dict:
    """``{name: H}`` (float64, in x in) for the ``(name, nn.Linear)`` pairs in
    ``layers``, summed over every input row that reaches each layer."""
    if calibration is None:
        raise ValueError("calibration is required: an iterable of model inputs")
    if isinstance(calibration, (torch.Tensor, Mapping)):
        calibration = [calibration]
    try:
        batches = iter(calibration)
    except TypeError:
        raise TypeError(
            f"calibration must be an iterable of batches, got {type(calibration).__name__}"
        ) from None
    grams = {
        name: torch.zeros(layer.in_features, layer.in_features, dtype=torch.float64) for name, layer in layers
    }
    counts = dict.fromkeys(grams, 0)

    def hook_for(name):
        def hook(module, inputs):
            x = inputs[0].detach().reshape(-1, module.in_features).to("cpu", torch.float64)
            grams[name].addmm_(x.T, x)
            counts[name] += x.shape[0]

        return hook

    handles = [layer.register_forward_pre_hook(hook_for(name)) for name, layer in layers]
    seen = 0
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            for i, batch in enumerate(batches):
                _run(model, batch, i)
                seen += 1
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    if seen == 0:
        raise ValueError("calibration is empty: give at least one batch")
    silent = [name for name, c in counts.items() if c == 0]
    if silent:
        raise ValueError(f"calibration did not reach layer(s) {', '.join(silent[:5])}")
    for name, H in grams.items():
        if not torch.isfinite(H).all():
            raise ValueError(f"the inputs of layer {name!r} contain NaN or Inf")
    return {name: H.numpy() for name, H in grams.items()}
