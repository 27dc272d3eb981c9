"""TriAdaptLoRA (Liang, Wang, Zeng 2025): a triangular transformation matrix and rank growth.

A layer's update is ``(alpha / r) B C A``. Each growth by n appends n rows to
A, n columns to B, a stripe of n rows to the block lower-triangular part of C
and a stripe of n columns to its block upper-triangular part. The stripes are
new tensors: the entries that exist keep their values and their optimizer
state.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ._layer import AdapterLinear, generator

__all__ = ["TriAdaptLinear", "grow"]


class TriAdaptLinear(AdapterLinear):
    """A frozen linear layer plus ``(alpha / r) B C A`` whose rank r grows during training."""

    def __init__(self, base: nn.Linear, config, seed: int):
        super().__init__(base, config, seed)
        self.lora_A = nn.ParameterList()
        self.lora_B = nn.ParameterList()
        self.c_rows = nn.ParameterList()  # block k: n_k x (r_k), rows of the lower-triangular part
        self.c_cols = nn.ParameterList()  # block k: (r_k) x n_k, columns of the upper-triangular part
        self.register_buffer("prev_norm", self._new(()))
        self.steps = 0
        self.add_block(config.init_rank)

    def rank_now(self) -> int:
        return sum(a.shape[0] for a in self.lora_A)

    @property
    def scaling(self) -> float:
        return self.config.alpha / self.rank_now()

    def add_block(self, n: int, *, init: bool = True) -> list[nn.Parameter]:
        """Add n to the rank; returns the new parameters (for the optimizer)."""
        r = self.rank_now() + n
        new = [
            nn.Parameter(self._new(n, self.in_features)),
            nn.Parameter(self._new(self.out_features, n)),
            nn.Parameter(self._new(n, r)),
            nn.Parameter(self._new(r, n)),
        ]
        if init:  # A as LoRA's, B zero, C's new diagonal block the identity: the new ranks start as LoRA
            g = generator(self.seed + 7919 * len(self.lora_A))
            nn.init.kaiming_uniform_(new[0], a=math.sqrt(5), generator=g)
            with torch.no_grad():
                new[2][:, r - n :] = torch.eye(n, dtype=new[2].dtype, device=new[2].device)
        for plist, p in zip((self.lora_A, self.lora_B, self.c_rows, self.c_cols), new):
            plist.append(p)
        return new

    def transformation(self) -> torch.Tensor:
        """C (r x r): the block lower-triangular rows plus the block upper-triangular columns."""
        r = self.rank_now()
        lower = torch.cat([F.pad(row, (0, r - row.shape[1])) for row in self.c_rows], 0)
        upper = torch.cat([F.pad(col, (0, 0, 0, r - col.shape[0])) for col in self.c_cols], 1)
        return lower + upper

    def _factors(self):
        a = torch.cat(list(self.lora_A), 0) if len(self.lora_A) > 1 else self.lora_A[0]
        b = torch.cat(list(self.lora_B), 1) if len(self.lora_B) > 1 else self.lora_B[0]
        return a, b

    def update(self, x: torch.Tensor) -> torch.Tensor:
        a, b = self._factors()
        h = F.linear(F.linear(self.dropout(x), a), self.transformation())
        return F.linear(h, b) * self.scaling

    def delta_weight(self) -> torch.Tensor:
        a, b = self._factors()
        return (b @ self.transformation() @ a) * self.scaling

    @torch.no_grad()
    def importance(self) -> float:
        """Change of ``||C||_F / (number of blocks)`` since the previous call."""
        norm = torch.linalg.matrix_norm(self.transformation()) / len(self.c_rows)
        score = float(norm - self.prev_norm)
        self.prev_norm.copy_(norm)
        return score

    def orthogonality(self) -> torch.Tensor:
        """``||A A^T - I||_F + ||B^T B - I||_F``."""
        a, b = self._factors()
        eye = torch.eye(a.shape[0], dtype=a.dtype, device=a.device)
        return torch.linalg.matrix_norm(a @ a.T - eye) + torch.linalg.matrix_norm(b.T @ b - eye)

    def structure(self) -> dict:
        return {**super().structure(), "blocks": [a.shape[0] for a in self.lora_A], "steps": self.steps}

    def set_structure(self, structure: dict) -> None:
        blocks = [int(n) for n in structure["blocks"]]
        for name in ("lora_A", "lora_B", "c_rows", "c_cols"):
            setattr(self, name, nn.ParameterList())
        for n in blocks:
            self.add_block(n, init=False)
        self.steps = int(structure["steps"])


def _group_of(optimizer, param):
    for group in optimizer.param_groups:
        if any(p is param for p in group["params"]):
            return group
    return None


def grow(layers: list[tuple[str, TriAdaptLinear]], optimizer) -> list[str]:
    """One step of the rank allocator; returns the names of the layers that grew."""
    cfg = layers[0][1].config
    for _, layer in layers:
        layer.steps += 1
    step = layers[0][1].steps
    target = cfg.rank * len(layers)
    total = sum(layer.rank_now() for _, layer in layers)
    if total >= target or step <= cfg.warmup_steps or step % cfg.interval:
        return []
    scores = [layer.importance() for _, layer in layers]
    progress = min(1.0, (step - cfg.warmup_steps) / (cfg.total_steps - cfg.warmup_steps))
    remaining = target - total
    if cfg.schedule == "linear":
        count = int(remaining * progress)
    else:
        count = int(math.exp(progress * math.log(remaining)))
    count = min(max(count, 1), len(layers))
    threshold = sorted(scores, reverse=True)[count - 1]
    grown = []
    for (name, layer), score in zip(layers, scores):
        if score < threshold:
            continue
        group = _group_of(optimizer, layer.lora_A[0]) if optimizer is not None else None
        new = layer.add_block(cfg.growth)
        if group is not None:
            group["params"].extend(new)
        elif optimizer is not None:
            optimizer.add_param_group({"params": new})
        grown.append(name)
    return grown
