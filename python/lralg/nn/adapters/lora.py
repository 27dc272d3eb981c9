"""LoRA (Hu et al. 2021): ``W x + (alpha / r) B A x`` with A random and B zero."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ._layer import AdapterLinear, generator

__all__ = ["LoraLinear"]


class LoraLinear(AdapterLinear):
    """A frozen linear layer plus the rank-r update ``(alpha / r) B A``.

    A (r x in) starts as PyTorch's default Linear initialisation (Kaiming
    uniform with a = sqrt(5)), as PEFT's LoRA does; B (out x r) starts at zero,
    so the adapted layer first computes what the base layer computes.
    """

    def __init__(self, base: nn.Linear, config, seed: int):
        super().__init__(base, config, seed)
        self.scaling = config.alpha / config.rank
        self.lora_A = nn.Parameter(self._new(config.rank, self.in_features))
        self.lora_B = nn.Parameter(self._new(self.out_features, config.rank))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5), generator=generator(seed))

    def update(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(F.linear(self.dropout(x), self.lora_A), self.lora_B) * self.scaling

    def delta_weight(self) -> torch.Tensor:
        return (self.lora_B @ self.lora_A) * self.scaling

    def rank_now(self) -> int:
        return self.lora_A.shape[0]
