"""Module surgery shared by every model-level function of lralg.nn.

One place for: choosing layers by name pattern (PEFT's ``target_modules``),
replacing a submodule by name, and copying a model unless ``inplace``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable

from torch import nn

__all__ = ["find_layers", "model_to_modify", "replace_module"]


def _matches(name: str, targets) -> bool:
    if isinstance(targets, str):  # one pattern: a regular expression over the full name
        return re.fullmatch(targets, name) is not None
    # a list: a name matches a pattern equal to it or to one of its dotted suffixes
    return any(name == t or name.endswith("." + t) for t in targets)


def find_layers(
    model: nn.Module, targets=None, *, types: tuple[type, ...] = (nn.Linear,), name: str = "targets"
) -> list[tuple[str, nn.Module]]:
    """The ``(qualified name, module)`` pairs of ``model`` to work on.

    Parameters
    ----------
    model : torch.nn.Module
    targets : None, str or iterable of str
        None: every module of ``types``. A string: a regular expression that
        must match a module's full name. A list: names, each matching a module
        whose full name equals it or ends with ``"." + name`` (as PEFT's
        ``target_modules``).
    types : tuple of types
        The module types that may be chosen.
    name : str
        The argument name used in error messages.

    Raises
    ------
    TypeError
        If ``model`` is not a module or ``targets`` is not a string or strings.
    ValueError
        If nothing matches.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if targets is not None and not isinstance(targets, str):
        if not isinstance(targets, Iterable):
            raise TypeError(
                f"{name} must be None, a string or a list of strings, got {type(targets).__name__}"
            )
        targets = list(targets)
        if not targets or not all(isinstance(t, str) for t in targets):
            raise TypeError(f"{name} must be a non-empty list of strings")
    found = [
        (qualified, module)
        for qualified, module in model.named_modules()
        if qualified and isinstance(module, types) and (targets is None or _matches(qualified, targets))
    ]
    if not found:
        kinds = "/".join(t.__name__ for t in types)
        if targets is None:
            raise ValueError(f"model has no {kinds} layer to work on")
        candidates = [q for q, m in model.named_modules() if q and isinstance(m, types)]
        shown = ", ".join(candidates[:8]) + (", ..." if len(candidates) > 8 else "")
        raise ValueError(
            f"{name}={targets!r} matched no {kinds} layer of the model (its layers: {shown or 'none'})"
        )
    return found


def replace_module(model: nn.Module, qualified_name: str, new: nn.Module) -> None:
    """Put ``new`` in place of the submodule called ``qualified_name``."""
    parent_name, _, child = qualified_name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    setattr(parent, child, new)


def model_to_modify(model: nn.Module, inplace: bool) -> nn.Module:
    """``model`` itself when ``inplace``, else a deep copy (the caller's model stays untouched)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(inplace, bool):
        raise TypeError(f"inplace must be a bool, got {type(inplace).__name__}")
    return model if inplace else copy.deepcopy(model)
