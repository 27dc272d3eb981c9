"""What every adapter layer shares: the frozen base ``nn.Linear``, dropout, merging."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["AdapterLinear", "generator"]


def generator(seed: int) -> torch.Generator:
    """A CPU generator for initialising adapter weights; one seed gives one initialisation."""
    g = torch.Generator()
    g.manual_seed(int(seed) % (2**63))
    return g


class AdapterLinear(nn.Module):
    """A frozen ``nn.Linear`` plus a trainable update; subclasses define the update.

    Subclasses implement ``update(x)`` (the update's output for input ``x``),
    and, where the update does not depend on the input, ``delta_weight()``
    (the out x in matrix added to the base weight by a merge).
    """

    mergeable = True

    def __init__(self, base: nn.Linear, config, seed: int):
        super().__init__()
        self.base_layer = base
        base.weight.requires_grad_(False)
        if base.bias is not None:
            base.bias.requires_grad_(False)
        self.config = config
        self.seed = int(seed)
        self.in_features = base.in_features
        self.out_features = base.out_features
        self.dropout = nn.Dropout(config.dropout) if config.dropout > 0 else nn.Identity()
        self._unmerged_weight = None

    def _new(self, *shape) -> torch.Tensor:
        w = self.base_layer.weight
        return torch.zeros(*shape, dtype=w.dtype, device=w.device)

    @property
    def merged(self) -> bool:
        return self._unmerged_weight is not None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.base_layer(x)
        if self.merged:
            return out
        return out + self.update(x)

    def update(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def delta_weight(self) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    @torch.no_grad()
    def merge(self) -> None:
        """Fold the update into the base weight; the unmerged weight is kept for ``unmerge``."""
        weight = self.base_layer.weight
        self._unmerged_weight = weight.data
        weight.data = weight.data + self.delta_weight().to(weight.dtype)

    @torch.no_grad()
    def unmerge(self) -> None:
        """Give the base weight back as it was before ``merge``, bit for bit."""
        self.base_layer.weight.data = self._unmerged_weight
        self._unmerged_weight = None

    def folded_linear(self) -> nn.Linear:
        """The base layer with the update folded in (the layer itself, merged)."""
        if not self.merged:
            self.merge()
        self._unmerged_weight = None
        return self.base_layer

    # What save_adapter stores besides tensors: the shapes the tensors need.
    def structure(self) -> dict:
        return {"in_features": self.in_features, "out_features": self.out_features}

    def set_structure(self, structure: dict) -> None:
        """Reshape the adapter to ``structure`` (as ``structure()`` wrote it) before loading tensors."""

    def adapter_tensors(self) -> dict[str, torch.Tensor]:
        """The adapter's own tensors (trainable and frozen), by name, without the base layer."""
        return {
            name: t
            for name, t in self.state_dict(keep_vars=True).items()
            if not name.startswith("base_layer.")
        }

    def extra_repr(self) -> str:
        return f"method={self.config.method!r}, rank={self.rank_now()}, merged={self.merged}"

    def rank_now(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError
