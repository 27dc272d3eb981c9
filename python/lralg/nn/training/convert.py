"""Swapping a model's linear layers for the training-time layers, and back."""

from __future__ import annotations

from torch import nn

from ..._progress import ProgressBar
from ..._validate import check_int
from .._modules import find_layers, model_to_modify, replace_module
from .._report import LayerReport
from .maestro import MaestroLinear
from .sltrain import SLTrainLinear
from .sst import SSTLinear

__all__ = ["low_rank_training_step", "merge_low_rank_training", "to_low_rank_training"]

_METHODS = ("sltrain", "sst", "maestro")
_TRAINING_LAYERS = (SLTrainLinear, SSTLinear, MaestroLinear)
_COLUMNS = ["layer", "shape", "method", "rank", "params_before", "params_after"]


def _new_layer(method, linear: nn.Linear, rank, seed, options):
    if method == "sltrain":
        w = linear.weight
        return SLTrainLinear(
            linear.in_features,
            linear.out_features,
            rank,
            bias=linear.bias is not None,
            seed=seed,
            device=w.device,
            dtype=w.dtype,
            **options,
        )
    if method == "sst":
        return SSTLinear.from_linear(linear, rank, seed=seed, **options)
    return MaestroLinear.from_linear(linear, rank, seed=seed, **options)


def to_low_rank_training(
    model: nn.Module, method="sltrain", *, rank, targets=None, seed=0, inplace=False, verbose=False, **options
):
    """Replace linear layers by SLTrain, SST or Maestro layers for training.

    Parameters
    ----------
    model : torch.nn.Module
    method : {"sltrain", "sst", "maestro"}, default "sltrain"
        :class:`SLTrainLinear` (the published initialisation: ``B = 0``, a new
        random support), :class:`SSTLinear` (from the SVD of each layer's
        weight) or :class:`MaestroLinear` (from its balanced truncated SVD,
        ``rank`` as ``max_rank``).
    rank : int
        One rank for every layer, at most ``min(in, out)`` of each.
    targets : None, str or list of str
        Layers to replace, as PEFT's ``target_modules`` (default: every ``nn.Linear``).
    seed : int, default 0
        Layer ``i`` (in module order) takes seed ``seed + i``.
    inplace : bool, default False
        Modify ``model`` itself; otherwise a copy (``model`` stays untouched).
    verbose : bool, default False
        A progress bar over layers.
    **options
        Passed to the layer (``sparsity``, ``alpha`` for SLTrain;
        ``sample_interval``, ``svd_interval`` for SST).

    Returns
    -------
    model : torch.nn.Module
    report : LayerReport
        Per layer: shape, method, rank, trainable parameters before and after.

    Raises
    ------
    TypeError, ValueError
        For a bad model, method, rank or targets, or options the layer does not take.

    Examples
    --------
    >>> import torch, lralg.nn
    >>> net = torch.nn.Sequential(torch.nn.Linear(32, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4))
    >>> low, report = lralg.nn.to_low_rank_training(net, "sst", rank=4, targets=["0"])
    >>> type(low[0]).__name__, report[0]["params_after"]
    ('SSTLinear', 320)
    >>> type(lralg.nn.merge_low_rank_training(low)[0]).__name__
    'Linear'
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    rank = check_int(rank, "rank", low=1)
    seed = check_int(seed, "seed", low=0)
    layers = find_layers(model, targets)
    for name, layer in layers:  # check every rank before touching anything
        if rank > min(layer.in_features, layer.out_features):
            raise ValueError(
                f"rank={rank} exceeds min(in_features, out_features)="
                f"{min(layer.in_features, layer.out_features)} of layer {name!r}"
            )
    work = model_to_modify(model, inplace)
    layers = find_layers(work, targets)
    rows = []
    with ProgressBar(len(layers), f"to_low_rank_training ({method})", enabled=verbose) as bar:
        for i, (name, linear) in enumerate(layers):
            new = _new_layer(method, linear, rank, seed + i, options)
            replace_module(work, name, new)
            rows.append(
                {
                    "layer": name,
                    "shape": f"{linear.out_features}x{linear.in_features}",
                    "method": method,
                    "rank": rank,
                    "params_before": sum(p.numel() for p in linear.parameters()),
                    "params_after": trainable_per_step(new),
                }
            )
            bar.update(i + 1)
    summary = {
        "params_before": sum(r["params_before"] for r in rows),
        "params_after": sum(r["params_after"] for r in rows),
    }
    return work, LayerReport(rows, _COLUMNS, summary, title=f"to_low_rank_training ({method})")


def trainable_per_step(layer: nn.Module) -> int:
    """Numbers a step trains in ``layer`` (its parameters; SST's frozen columns are buffers)."""
    return sum(p.numel() for p in layer.parameters() if p.requires_grad)


def merge_low_rank_training(model: nn.Module, *, inplace=False) -> nn.Module:
    """Replace every SLTrain, SST and Maestro layer by an ``nn.Linear`` with its dense weight.

    Parameters
    ----------
    model : torch.nn.Module
    inplace : bool, default False
        Modify ``model`` itself; otherwise a copy.

    Returns
    -------
    torch.nn.Module
        The model with plain linear layers (same outputs, in eval mode for Maestro).

    Raises
    ------
    TypeError
        If ``model`` is not a module.
    ValueError
        If it has no training-time layer.

    Examples
    --------
    >>> import torch, lralg.nn
    >>> net = torch.nn.Sequential(lralg.nn.MaestroLinear(8, 8, max_rank=4))
    >>> dense = lralg.nn.merge_low_rank_training(net.eval())
    >>> bool(torch.allclose(dense[0].weight, net[0].weight))
    True
    """
    work = model_to_modify(model, inplace)
    for name, layer in find_layers(work, types=_TRAINING_LAYERS):
        replace_module(work, name, layer.to_linear())
    return work


def low_rank_training_step(model: nn.Module, optimizer=None) -> None:
    """Count one optimizer step in every :class:`SSTLinear` of ``model``.

    Call it after ``optimizer.step()``: SST layers redraw their trained
    singular vectors and re-SVD when due, and drop the optimizer state of
    the tensors whose meaning changed. Other layers are left alone.

    Parameters
    ----------
    model : torch.nn.Module
    optimizer : torch.optim.Optimizer, optional
        The optimizer training ``model`` (its state is reset where needed).

    Raises
    ------
    TypeError
        If ``model`` is not a module.

    Examples
    --------
    >>> import torch, lralg.nn
    >>> net = torch.nn.Sequential(lralg.nn.SSTLinear(8, 8, rank=2, sample_interval=1))
    >>> opt = torch.optim.Adam(net.parameters())
    >>> net(torch.ones(1, 8)).sum().backward()
    >>> opt.step()
    >>> lralg.nn.low_rank_training_step(net, opt)
    >>> int(net[0].steps)
    1
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    for module in model.modules():
        if isinstance(module, SSTLinear):
            module.step(optimizer)
