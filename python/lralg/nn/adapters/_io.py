"""Adapters on disk: safetensors with the adapter tensors only, the configuration as metadata."""

from __future__ import annotations

import dataclasses
import json
import os

import torch
from torch import nn

from .._modules import model_to_modify
from ._config import config_from_dict
from ._face import _adapted, adapt, adapter_layers, exact_targets

__all__ = ["load_adapter", "save_adapter"]

_FORMAT = "lralg.nn.adapter"
_VERSION = 1


def _check_path(path, name="path"):
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a str or os.PathLike, got {type(path).__name__}")
    return os.fspath(path)


def save_adapter(model: nn.Module, path) -> None:
    """Write the adapters of a model (not its base weights) to a safetensors file.

    The file holds each adapter tensor under ``<layer name>.<tensor name>``
    and, as metadata, the method's configuration and each layer's shapes.

    Parameters
    ----------
    model : torch.nn.Module
        An adapted, unmerged model.
    path : str or os.PathLike
        The file to write.

    Raises
    ------
    ValueError
        If the model has no adapters or is merged.

    Examples
    --------
    >>> import os, tempfile, torch, lralg.nn
    >>> base = torch.nn.Sequential(torch.nn.Linear(8, 8))
    >>> model = lralg.nn.adapt(base, "lora", rank=2, rng=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "adapter.safetensors")
    >>> lralg.nn.save_adapter(model, path)
    >>> again = lralg.nn.load_adapter(base, path)
    >>> bool(torch.equal(again[0].lora_A, model[0].lora_A))
    True
    """
    from safetensors.torch import save_file

    path = _check_path(path)
    layers = _adapted(model, "save")
    if any(layer.merged for _, layer in layers):
        raise ValueError("model is merged: unmerge it before saving its adapters")
    tensors = {}
    structure = {}
    for name, layer in layers:
        structure[name] = layer.structure()
        for key, t in layer.adapter_tensors().items():
            tensors[f"{name}.{key}"] = t.detach().contiguous().cpu()
    metadata = {
        "format": _FORMAT,
        "version": str(_VERSION),
        "config": json.dumps(layers[0][1].config.to_dict()),
        "layers": json.dumps(structure),
    }
    save_file(tensors, path, metadata=metadata)


def _read(path):
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(path, framework="pt") as fh:
            metadata = fh.metadata() or {}
            tensors = {k: fh.get_tensor(k) for k in fh.keys()}  # noqa: SIM118 - safe_open is not a dict
    except (SafetensorError, OSError) as exc:
        raise ValueError(f"path={path!r} is not a readable safetensors file: {exc}") from exc
    if metadata.get("format") != _FORMAT:
        raise ValueError(f"path={path!r} holds no lralg adapter (its metadata names no lralg adapter format)")
    if metadata.get("version") != str(_VERSION):
        raise ValueError(
            f"path={path!r} has adapter format version {metadata.get('version')!r}; "
            f"this lralg reads version {_VERSION}"
        )
    try:
        config = config_from_dict(json.loads(metadata["config"]))
        structure = json.loads(metadata["layers"])
    except (KeyError, json.JSONDecodeError, TypeError) as exc:
        raise ValueError(f"path={path!r} has damaged adapter metadata: {exc}") from exc
    return config, structure, tensors


def load_adapter(model: nn.Module, path, *, method=None, inplace: bool = False) -> nn.Module:
    """Put the adapters saved by :func:`save_adapter` onto a base model.

    Parameters
    ----------
    model : torch.nn.Module
        The base model (without adapters) the adapters were trained on, or one
        of the same architecture.
    path : str or os.PathLike
        A file written by :func:`save_adapter`.
    method : None or {"lora", "triadapt", "mora"}
        If given, the method the file must hold.
    inplace : bool, default False
        Modify ``model`` itself instead of a copy.

    Returns
    -------
    torch.nn.Module
        The adapted model, in the state it was saved in.

    Raises
    ------
    ValueError
        If the file is not an lralg adapter, holds another method than
        ``method``, was saved for another architecture (a layer missing or of
        another shape), holds NaN or Inf, or if ``model`` already has
        adapters. The model is untouched when this is raised.

    Examples
    --------
    >>> import os, tempfile, torch, lralg.nn
    >>> model = lralg.nn.adapt(torch.nn.Sequential(torch.nn.Linear(8, 8)), "mora", rng=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "adapter.safetensors")
    >>> lralg.nn.save_adapter(model, path)
    >>> lralg.nn.load_adapter(torch.nn.Sequential(torch.nn.Linear(8, 4)), path)
    Traceback (most recent call last):
    ...
    ValueError: path=... was saved for another architecture: layer '0' is 8 -> 4 here, 8 -> 8 in the file
    """
    path = _check_path(path)
    if method is not None and not isinstance(method, str):
        raise TypeError(f"method must be None or a string, got {type(method).__name__}")
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if adapter_layers(model):
        raise ValueError("model already has adapters: load onto the base model")
    config, structure, tensors = _read(path)
    if method is not None and method != config.method:
        raise ValueError(f"method={method!r}, but path={path!r} holds a {config.method!r} adapter")
    modules = dict(model.named_modules())
    for name, shape in structure.items():
        layer = modules.get(name)
        if not isinstance(layer, nn.Linear):
            raise ValueError(
                f"path={path!r} was saved for another architecture: the model has no linear layer {name!r}"
            )
        if (layer.in_features, layer.out_features) != (shape["in_features"], shape["out_features"]):
            raise ValueError(
                f"path={path!r} was saved for another architecture: layer {name!r} is "
                f"{layer.in_features} -> {layer.out_features} here, "
                f"{shape['in_features']} -> {shape['out_features']} in the file"
            )
    for key, t in tensors.items():
        if t.is_floating_point() and not torch.isfinite(t).all():
            raise ValueError(f"path={path!r}: tensor {key!r} holds NaN or Inf")
    config = dataclasses.replace(config, targets=exact_targets(structure))
    # A dry run on a copy finds every remaining mismatch before the model is touched.
    _load_into(adapt(model_to_modify(model, False), config, inplace=True, rng=0), structure, tensors, path)
    return _load_into(adapt(model, config, inplace=inplace, rng=0), structure, tensors, path)


def _load_into(work, structure, tensors, path):
    expected = {}
    for name, layer in adapter_layers(work):
        layer.set_structure(structure[name])
        expected.update({f"{name}.{k}": t for k, t in layer.adapter_tensors().items()})
    missing, extra = set(expected) - set(tensors), set(tensors) - set(expected)
    if missing or extra:
        raise ValueError(
            f"path={path!r} does not match its own metadata: missing {sorted(missing)[:4]}, "
            f"unexpected {sorted(extra)[:4]}"
        )
    for key, target in expected.items():
        if tuple(tensors[key].shape) != tuple(target.shape):
            raise ValueError(
                f"path={path!r}: tensor {key!r} has shape {tuple(tensors[key].shape)}, "
                f"the layer needs {tuple(target.shape)}"
            )
    with torch.no_grad():
        for key, target in expected.items():
            target.copy_(tensors[key].to(dtype=target.dtype, device=target.device))
    return work
