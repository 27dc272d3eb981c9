"""What the training-time layers share: argument checks, a seeded generator,
the nn.Linear initialisation, and folding a layer back into an nn.Linear."""

from __future__ import annotations

import math

import torch
from torch import nn

from ..._validate import check_int, check_rank

__all__ = ["DenseFoldable", "check_shape", "dense_init", "generator", "linear_from_weight"]


def check_shape(in_features, out_features, rank, rank_name: str = "rank") -> tuple[int, int, int]:
    """Validated ``(in_features, out_features, rank)`` with ``1 <= rank <= min(in, out)``."""
    n = check_rank(in_features, "in_features")
    m = check_rank(out_features, "out_features")
    return n, m, check_rank(rank, rank_name, upper=min(m, n))


def generator(seed) -> torch.Generator:
    """A CPU generator: one seed, one draw (initialisations, supports, sampled ranks)."""
    seed = check_int(seed, "seed", low=0)
    g = torch.Generator()
    g.manual_seed(seed % (2**63))
    return g


def dense_init(out_features, in_features, gen: torch.Generator, dtype=None) -> torch.Tensor:
    """A weight drawn as ``nn.Linear`` draws it (Kaiming uniform, a = sqrt(5)), from ``gen``."""
    bound = 1.0 / math.sqrt(in_features)  # kaiming_uniform with a=sqrt(5) gives this bound
    w = torch.rand(out_features, in_features, generator=gen, dtype=torch.float64)
    return ((2 * w - 1) * bound).to(dtype or torch.get_default_dtype())


def bias_init(out_features, in_features, gen: torch.Generator, dtype=None) -> torch.Tensor:
    """``nn.Linear``'s bias initialisation, uniform in +-1/sqrt(in_features), from ``gen``."""
    bound = 1.0 / math.sqrt(in_features)
    b = torch.rand(out_features, generator=gen, dtype=torch.float64)
    return ((2 * b - 1) * bound).to(dtype or torch.get_default_dtype())


@torch.no_grad()
def linear_from_weight(weight: torch.Tensor, bias) -> nn.Linear:
    """An ``nn.Linear`` holding copies of ``weight`` (out x in) and ``bias``."""
    m, n = weight.shape
    linear = nn.Linear(n, m, bias=bias is not None, device=weight.device, dtype=weight.dtype)
    linear.weight.copy_(weight)
    if bias is not None:
        linear.bias.copy_(bias)
    return linear


def layer_like(cls, linear: nn.Linear, rank, **options):
    """A ``cls`` layer of ``linear``'s shape, dtype and device, with its bias copied;
    the caller sets the weight."""
    w = linear.weight
    layer = cls(
        linear.in_features,
        linear.out_features,
        rank,
        bias=linear.bias is not None,
        device=w.device,
        dtype=w.dtype,
        **options,
    )
    if linear.bias is not None:
        with torch.no_grad():
            layer.bias.copy_(linear.bias)
    return layer


class DenseFoldable(nn.Module):
    """A training-time layer whose ``weight`` property composes the dense matrix it stands for."""

    def to_linear(self) -> nn.Linear:
        """An ``nn.Linear`` with the dense weight and the bias (copies)."""
        with torch.no_grad():
            return linear_from_weight(self.weight, self.bias)
