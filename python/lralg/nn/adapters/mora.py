"""MoRA (Lu et al. 2025): the update as rank-1 experts that decide their own relevance.

Expert i is the pair (A_i, B_i): a key (row of A) and a value (column of B).
For an input x the scores ``s = A x / ||A x||_2`` rank the experts; the
``top_k`` best get weights ``softmax(s / temperature)``, the rest none, and at
inference an expert whose score is under ``threshold`` is pruned. There is no
router: the keys route. ``next_task`` freezes the experts learned so far and
adds ``rank`` new ones; frozen experts keep taking part where their keys match.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ._layer import AdapterLinear, generator

__all__ = ["MoraLinear"]


class MoraLinear(AdapterLinear):
    """A frozen linear layer plus a self-activated sparse mixture of rank-1 experts."""

    mergeable = False

    def __init__(self, base: nn.Linear, config, seed: int):
        super().__init__(base, config, seed)
        self.scaling = config.alpha / config.rank
        self.tasks = 0
        self.register_buffer("frozen_A", self._new(0, self.in_features))
        self.register_buffer("frozen_B", self._new(self.out_features, 0))
        self._fresh_experts()

    def _fresh_experts(self) -> None:
        r = self.config.rank
        self.lora_A = nn.Parameter(self._new(r, self.in_features))
        self.lora_B = nn.Parameter(self._new(self.out_features, r))
        g = generator(self.seed + 104729 * self.tasks)
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5), generator=g)

    def rank_now(self) -> int:
        return self.frozen_A.shape[0] + self.lora_A.shape[0]

    def weights(self, projection: torch.Tensor) -> torch.Tensor:
        """The experts' mixture weights for the projections ``A x`` (last axis: experts)."""
        cfg = self.config
        scores = F.normalize(projection, p=2.0, dim=-1, eps=1e-8)
        k = min(cfg.top_k, scores.shape[-1])
        if k < scores.shape[-1]:
            top, index = torch.topk(scores, k, dim=-1)
            logits = torch.full_like(scores, float("-inf")).scatter(-1, index, top)
        else:
            logits = scores
        w = torch.softmax(logits / cfg.temperature, dim=-1)
        if not self.training and cfg.threshold > 0:
            w = w * (scores >= cfg.threshold).to(w.dtype)
        return w

    def update(self, x: torch.Tensor) -> torch.Tensor:
        if self.frozen_A.shape[0]:
            a = torch.cat([self.frozen_A, self.lora_A], 0)
            b = torch.cat([self.frozen_B, self.lora_B], 1)
        else:
            a, b = self.lora_A, self.lora_B
        projection = F.linear(self.dropout(x), a)
        return F.linear(projection * self.weights(projection), b) * self.scaling

    @torch.no_grad()
    def next_task(self) -> None:
        """Freeze the current experts and open ``rank`` new ones (new Parameter objects)."""
        self.frozen_A = torch.cat([self.frozen_A, self.lora_A.detach()], 0)
        self.frozen_B = torch.cat([self.frozen_B, self.lora_B.detach()], 1)
        self.tasks += 1
        self._fresh_experts()

    def structure(self) -> dict:
        return {**super().structure(), "frozen": self.frozen_A.shape[0], "tasks": self.tasks}

    def set_structure(self, structure: dict) -> None:
        frozen = int(structure["frozen"])
        self.frozen_A = self._new(frozen, self.in_features)
        self.frozen_B = self._new(self.out_features, frozen)
        self.tasks = int(structure["tasks"])
