"""The model-level face: adapt, count, merge, unload, step, next task."""

from __future__ import annotations

import dataclasses
import re

import torch
from torch import nn

from ..._progress import ProgressBar
from ..._result import Result
from ..._validate import check_rng
from .._modules import find_layers, model_to_modify, replace_module
from .._report import LayerReport
from ._config import CONFIGS, _AdapterConfig
from ._layer import AdapterLinear
from .lora import LoraLinear
from .mora import MoraLinear
from .triadapt import TriAdaptLinear, grow

__all__ = [
    "TrainableParameters",
    "adapt",
    "adapter_layers",
    "adapter_loss",
    "adapter_step",
    "merge",
    "merge_and_unload",
    "next_task",
    "trainable_parameters",
    "unmerge",
]

_LAYERS = {"lora": LoraLinear, "triadapt": TriAdaptLinear, "mora": MoraLinear}
_UNSET = object()


def adapter_layers(model: nn.Module) -> list[tuple[str, AdapterLinear]]:
    """The ``(name, layer)`` pairs of the adapter layers of ``model``, in module order."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return [(n, m) for n, m in model.named_modules() if isinstance(m, AdapterLinear)]


def _adapted(model: nn.Module, action: str) -> list[tuple[str, AdapterLinear]]:
    layers = adapter_layers(model)
    if not layers:
        raise ValueError(f"model has no adapters to {action}: call lralg.nn.adapt on it first")
    return layers


def exact_targets(names) -> str:
    """A ``targets`` pattern that matches exactly these qualified names."""
    return "|".join(re.escape(n) for n in names)


def _make_config(method, rank, alpha, targets, dropout, options) -> _AdapterConfig:
    common = {"rank": rank, "alpha": alpha, "targets": targets, "dropout": dropout}
    common = {k: v for k, v in common.items() if v is not _UNSET}
    if isinstance(method, _AdapterConfig):
        if common or options:
            raise TypeError(
                f"method is a configuration object; give {sorted([*common, *options])} in it, not beside it"
            )
        return method
    if not isinstance(method, str):
        raise TypeError(f"method must be a string or an adapter configuration, got {type(method).__name__}")
    if method not in CONFIGS:
        raise ValueError(f"method must be one of {sorted(CONFIGS)}, got {method!r}")
    cls = CONFIGS[method]
    allowed = (
        {f.name for f in dataclasses.fields(cls)} - set(common) - {"rank", "alpha", "targets", "dropout"}
    )
    unknown = set(options) - allowed
    if unknown:
        raise TypeError(
            f"method={method!r} takes no option {sorted(unknown)}; its options are {sorted(allowed) or 'none'}"
        )
    return cls(**common, **options)


def adapt(
    model: nn.Module,
    method="lora",
    *,
    rank=_UNSET,
    alpha=_UNSET,
    targets=_UNSET,
    dropout=_UNSET,
    inplace: bool = False,
    rng=None,
    verbose: bool = False,
    **method_options,
) -> nn.Module:
    """Add low-rank adapters to the linear layers of a model; freeze everything else.

    Parameters
    ----------
    model : torch.nn.Module
        The base model. With ``inplace=False`` it is left untouched.
    method : {"lora", "triadapt", "mora"} or a configuration object
        The adapter: :class:`LoraConfig`, :class:`TriAdaptConfig` or
        :class:`MoraConfig` name the options of each. A configuration object
        carries all options itself.
    rank : int, default 8
        Rank of each update (LoRA), target average rank (TriAdaptLoRA), or
        experts added per task (MoRA).
    alpha : float, default 16
        The update is scaled by ``alpha / rank``.
    targets : None, str or list of str, default None
        Layers to adapt, as PEFT's ``target_modules``: None, every
        ``nn.Linear``; a list, names equal to or ending with ``"." + item``; a
        string, a regular expression matching the full name.
    dropout : float, default 0
        Dropout on the adapters' input.
    inplace : bool, default False
        Modify ``model`` itself instead of a copy.
    rng : None, int or numpy.random.Generator
        Seed of the adapters' random initialisation.
    verbose : bool
        Show a progress bar over the layers.
    **method_options
        The options of the method's configuration (e.g. ``total_steps`` for
        TriAdaptLoRA, ``top_k`` for MoRA).

    Returns
    -------
    torch.nn.Module
        The model with each chosen ``nn.Linear`` replaced by an adapter layer
        that holds it (``layer.base_layer``); only adapter weights train.

    Raises
    ------
    TypeError
        For arguments of the wrong type or options the method does not take.
    ValueError
        For bad values (rank <= 0, alpha <= 0, ...), ``targets`` that match
        no linear layer, or a model that already has adapters.

    Notes
    -----
    After adapting, create the optimizer on ``model.parameters()`` (frozen
    parameters receive no gradient) and call :func:`adapter_step` after each
    ``optimizer.step()``; it grows TriAdaptLoRA's ranks and does nothing for
    the other methods.

    References
    ----------
    .. [1] E. J. Hu et al., "LoRA: Low-Rank Adaptation of Large Language
       Models", arXiv:2106.09685, 2021.
    .. [2] Y. Liang, Y. Wang, Y. Zeng, "TriAdaptLoRA: Brain-Inspired
       Triangular Adaptive Low-Rank Adaptation for Parameter-Efficient
       Fine-Tuning", arXiv:2501.08008, 2025.
    .. [3] H. Lu et al., "Little By Little: Continual Learning via
       Self-Activated Sparse Mixture-of-Rank Adaptive Learning",
       arXiv:2506.21035, 2025.

    Examples
    --------
    >>> import torch, lralg.nn
    >>> base = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4))
    >>> model = lralg.nn.adapt(base, "lora", rank=4, alpha=8, targets=["0"], rng=0)
    >>> lralg.nn.trainable_parameters(model).count  # 4 * (16 + 32)
    192
    >>> x = torch.randn(3, 16)
    >>> bool(torch.equal(model(x), base(x)))  # B starts at zero
    True
    """
    config = _make_config(method, rank, alpha, targets, dropout, method_options)
    if not isinstance(verbose, bool):
        raise TypeError(f"verbose must be a bool, got {type(verbose).__name__}")
    if adapter_layers(model):
        raise ValueError("model already has adapters: adapt the base model, or merge_and_unload first")
    chosen = [name for name, _ in find_layers(model, config.targets, types=(nn.Linear,))]
    gen = check_rng(rng)
    seeds = gen.integers(0, 2**62, size=len(chosen))
    work = model_to_modify(model, inplace)
    for p in work.parameters():
        p.requires_grad_(False)
    layer_cls = _LAYERS[config.method]
    with ProgressBar(len(chosen), f"adapt ({config.method})", enabled=verbose) as bar:
        for i, (name, seed) in enumerate(zip(chosen, seeds)):
            replace_module(work, name, layer_cls(work.get_submodule(name), config, int(seed)))
            bar.update(i + 1)
    return work


@dataclasses.dataclass(repr=False, eq=False)
class TrainableParameters(Result):
    """What trains in a model.

    Attributes
    ----------
    count : int
        Number of trainable scalars.
    names : list of str
        Names of the trainable parameters.
    total : int
        Number of scalars in the model (trainable or not).
    fraction : float
        ``count / total``.
    layers : LayerReport
        Per adapter layer: its method, current rank and trainable scalars.

    Examples
    --------
    >>> import torch, lralg.nn
    >>> model = lralg.nn.adapt(torch.nn.Sequential(torch.nn.Linear(8, 8)), "lora", rank=2, rng=0)
    >>> result = lralg.nn.trainable_parameters(model)
    >>> result.count, result.total
    (32, 104)
    """

    count: int
    names: list
    total: int
    fraction: float
    layers: LayerReport = dataclasses.field(repr=False)

    _unpack = ("count", "names")


def trainable_parameters(model: nn.Module) -> TrainableParameters:
    """Count and name the trainable parameters of a model.

    Parameters
    ----------
    model : torch.nn.Module

    Returns
    -------
    TrainableParameters
        Unpacks as ``count, names``.

    Examples
    --------
    >>> import torch, lralg.nn
    >>> model = lralg.nn.adapt(torch.nn.Sequential(torch.nn.Linear(8, 8)), "lora", rank=2, rng=0)
    >>> count, names = lralg.nn.trainable_parameters(model)
    >>> count, names
    (32, ['0.lora_A', '0.lora_B'])
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    named = list(model.named_parameters())
    trainable = [(n, p) for n, p in named if p.requires_grad]
    count = sum(p.numel() for _, p in trainable)
    total = sum(p.numel() for _, p in named)
    rows = [
        {
            "layer": name,
            "method": layer.config.method,
            "rank": layer.rank_now(),
            "trainable": sum(p.numel() for p in layer.parameters() if p.requires_grad),
        }
        for name, layer in adapter_layers(model)
    ]
    report = LayerReport(
        rows,
        ["layer", "method", "rank", "trainable"],
        {"trainable": count, "total": total},
        title="trainable parameters",
    )
    return TrainableParameters(
        count=count,
        names=[n for n, _ in trainable],
        total=total,
        fraction=count / total if total else 0.0,
        layers=report,
    )


def _refuse_unmergeable(layers, action):
    for name, layer in layers:
        if not layer.mergeable:
            raise ValueError(
                f"cannot {action} layer {name!r}: method={layer.config.method!r} mixes its experts per "
                "input, so its update is not one matrix that a weight can hold"
            )


def merge(model: nn.Module) -> nn.Module:
    """Fold every adapter's update into its base weight (in place); undo with :func:`unmerge`.

    The merged model computes the base layers only; the weights before the
    merge are kept, so :func:`unmerge` restores them bit for bit.

    Raises
    ------
    ValueError
        If the model has no adapters, is already merged, or uses MoRA (its
        update depends on the input).

    Examples
    --------
    >>> import torch, lralg.nn
    >>> base = torch.nn.Sequential(torch.nn.Linear(8, 8))
    >>> model = lralg.nn.adapt(base, "lora", rank=2, rng=0)
    >>> _ = torch.nn.init.normal_(model[0].lora_B)
    >>> x = torch.randn(4, 8)
    >>> before = model(x)
    >>> merged = lralg.nn.merge(model)
    >>> bool(torch.allclose(model(x), before, atol=1e-5))
    True
    >>> bool(torch.equal(lralg.nn.unmerge(model)[0].base_layer.weight, base[0].weight))
    True
    """
    layers = _adapted(model, "merge")
    _refuse_unmergeable(layers, "merge")
    if any(layer.merged for _, layer in layers):
        raise ValueError("model is already merged: unmerge it first")
    for _, layer in layers:
        layer.merge()
    return model


def unmerge(model: nn.Module) -> nn.Module:
    """Take the adapters' updates back out of the base weights (in place), exactly.

    Raises
    ------
    ValueError
        If the model has no adapters or is not merged.

    Examples
    --------
    >>> import torch, lralg.nn
    >>> model = lralg.nn.adapt(torch.nn.Sequential(torch.nn.Linear(8, 8)), "lora", rng=0)
    >>> weight = model[0].base_layer.weight.clone()
    >>> _ = torch.nn.init.normal_(model[0].lora_B)
    >>> _ = lralg.nn.unmerge(lralg.nn.merge(model))
    >>> bool(torch.equal(model[0].base_layer.weight, weight))
    True
    """
    layers = _adapted(model, "unmerge")
    if not all(layer.merged for _, layer in layers):
        raise ValueError("model is not merged: nothing to unmerge")
    for _, layer in layers:
        layer.unmerge()
    return model


def merge_and_unload(model: nn.Module, *, inplace: bool = False) -> nn.Module:
    """A plain model: each adapter layer replaced by its base ``nn.Linear`` with the update folded in.

    Parameters
    ----------
    model : torch.nn.Module
        An adapted model (merged or not).
    inplace : bool, default False
        Modify ``model`` itself instead of a copy.

    Returns
    -------
    torch.nn.Module
        The model without adapter layers; it runs at the base model's speed.

    Raises
    ------
    ValueError
        If the model has no adapters or uses MoRA.

    Examples
    --------
    >>> import torch, lralg.nn
    >>> model = lralg.nn.adapt(torch.nn.Sequential(torch.nn.Linear(8, 8)), "lora", rng=0)
    >>> type(lralg.nn.merge_and_unload(model)[0]).__name__
    'Linear'
    """
    layers = _adapted(model, "merge and unload")
    _refuse_unmergeable(layers, "merge and unload")
    work = model_to_modify(model, inplace)
    for name, layer in adapter_layers(work):
        replace_module(work, name, layer.folded_linear())
    return work


def next_task(model: nn.Module) -> nn.Module:
    """Continual learning: keep what was learned and open capacity for the next task (in place).

    MoRA freezes its current rank-1 experts and adds ``rank`` new ones per
    layer (new parameter objects: create the optimizer for the next task after
    this call). LoRA and TriAdaptLoRA change nothing: they go on training the
    same update (plain sequential fine-tuning).

    Raises
    ------
    ValueError
        If the model has no adapters or is merged.

    Examples
    --------
    >>> import torch, lralg.nn
    >>> model = lralg.nn.adapt(torch.nn.Sequential(torch.nn.Linear(8, 8)), "mora", rank=2, rng=0)
    >>> model[0].rank_now(), model[0].rank_now() == lralg.nn.next_task(model)[0].rank_now()
    (2, False)
    >>> model[0].rank_now()
    4
    """
    layers = _adapted(model, "open a next task for")
    if any(layer.merged for _, layer in layers):
        raise ValueError("model is merged: unmerge it before the next task")
    for _, layer in layers:
        if isinstance(layer, MoraLinear):
            layer.next_task()
    return model


def adapter_step(model: nn.Module, optimizer=None) -> list[str]:
    """Call after each ``optimizer.step()``: TriAdaptLoRA's rank allocation.

    For TriAdaptLoRA this counts the step and, at each ``interval``, grows the
    rank of the layers whose importance passes the schedule's threshold; the
    new parameters join the optimizer group that holds the layer's first
    block (existing entries keep their optimizer state). For LoRA and MoRA it
    does nothing.

    Returns
    -------
    list of str
        Names of the layers that grew at this step.

    Examples
    --------
    >>> import torch, lralg.nn
    >>> base = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.Linear(8, 2))
    >>> model = lralg.nn.adapt(base, "triadapt", rank=4, total_steps=20, interval=5, rng=0)
    >>> opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    >>> x = torch.randn(16, 8)
    >>> for step in range(5):
    ...     loss = model(x).square().mean() + lralg.nn.adapter_loss(model)
    ...     opt.zero_grad(); loss.backward(); opt.step()
    ...     grown = lralg.nn.adapter_step(model, opt)
    >>> len(grown), sorted(layer.rank_now() for layer in model)  # one layer grew by rank // 2
    (1, [1, 3])
    """
    layers = _adapted(model, "step")
    if optimizer is not None and not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer or None, got {type(optimizer).__name__}")
    tri = [(n, m) for n, m in layers if isinstance(m, TriAdaptLinear)]
    if not tri:
        return []
    if any(m.merged for _, m in tri):
        raise ValueError("model is merged: unmerge it before training on")
    return grow(tri, optimizer)


def adapter_loss(model: nn.Module) -> torch.Tensor:
    """The adapters' own regulariser, to add to the training loss.

    TriAdaptLoRA: ``orth_reg_weight`` times the mean over layers of
    ``(||A A^T - I||_F + ||B^T B - I||_F) / 2``. Zero for LoRA and MoRA.

    Examples
    --------
    >>> import torch, lralg.nn
    >>> model = lralg.nn.adapt(torch.nn.Sequential(torch.nn.Linear(8, 8)), "lora", rng=0)
    >>> float(lralg.nn.adapter_loss(model))
    0.0
    """
    layers = _adapted(model, "regularise")
    tri = [m for _, m in layers if isinstance(m, TriAdaptLinear)]
    first = layers[0][1].base_layer.weight
    if not tri or tri[0].config.orth_reg_weight == 0:
        return torch.zeros((), dtype=first.dtype, device=first.device)
    total = sum(m.orthogonality() for m in tri)
    return tri[0].config.orth_reg_weight * total / (2 * len(tri))
