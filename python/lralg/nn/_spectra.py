"""Singular value spectra of weight matrices and the global thresholds that
turn a parameter budget into per-matrix ranks (LoRD's energy, WeLore's
normalised singular values)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch

__all__ = ["Spectrum", "budget_threshold", "kept_params"]


@dataclasses.dataclass
class Spectrum:
    """The SVD of one weight matrix (or of a group's concatenation), float64."""

    name: str
    shape: tuple
    u: np.ndarray
    s: np.ndarray
    vt: np.ndarray
    dense_params: int = 0

    def __post_init__(self):
        m, n = self.shape
        self.dense_params = self.dense_params or m * n
        self._energy = np.cumsum(self.s**2)
        self._total = float(self._energy[-1]) if self.s.size else 0.0

    @classmethod
    def of(cls, name: str, weight: torch.Tensor) -> Spectrum:
        W = weight.detach().to("cpu", torch.float64).numpy()
        if not np.isfinite(W).all():
            raise ValueError(f"the weight of layer {name!r} contains NaN or Inf")
        u, s, vt = np.linalg.svd(W, full_matrices=False)
        return cls(name, W.shape, u, s, vt)

    def factor_params(self, r: int) -> int:
        m, n = self.shape
        return r * (m + n)

    def worth(self, r: int):
        """r where the factors are smaller than the dense matrix, else None (stay dense)."""
        return r if self.factor_params(r) < self.dense_params else None

    def rank_for_params(self, params: float) -> int:
        m, n = self.shape
        return int(min(max(1, math.floor(params / (m + n))), min(m, n)))

    def rank_for_energy(self, energy: float) -> int:
        if self._total == 0:
            return 1
        r = int(np.searchsorted(self._energy / self._total, energy * (1 - 1e-12))) + 1
        return min(r, self.s.size)

    def rank_above(self, level: float) -> int:
        """How many singular values are >= level times the largest (at least 1)."""
        if self.s.size == 0 or self.s[0] == 0:
            return 1
        return max(1, int(np.count_nonzero(self.s / self.s[0] >= level)))

    def error(self, r) -> float:
        """Relative Frobenius error of the rank-r truncation (0 for None: dense)."""
        if r is None or self._total == 0:
            return 0.0
        return math.sqrt(max(0.0, self._total - float(self._energy[r - 1])) / self._total)


def kept_params(spec: Spectrum, r) -> int:
    return spec.dense_params if r is None else spec.factor_params(r)


def _ranks(spectra, score, t):
    if score == "energy":
        return [sp.rank_for_energy(t) for sp in spectra]
    return [sp.rank_above(t) for sp in spectra]


def budget_threshold(spectra, ratio: float, score: str) -> list:
    """Per-matrix ranks (None: dense) from one threshold shared by all matrices,
    the least aggressive one whose total parameters are <= ratio of the dense total.

    score "energy": each matrix keeps the smallest rank whose share of its
    squared singular values reaches the level (LoRD). "normalized": each keeps
    the singular values that are at least the level times its largest (WeLore).
    """
    budget = ratio * sum(sp.dense_params for sp in spectra)

    def total(t):
        return sum(
            min(sp.factor_params(r), sp.dense_params) for sp, r in zip(spectra, _ranks(spectra, score, t))
        )

    if score == "energy":  # more energy, more parameters: candidates ascending
        levels = np.unique(np.concatenate([sp._energy / sp._total for sp in spectra if sp._total > 0]))
    else:  # a higher level keeps fewer values: candidates descending in cost
        levels = np.unique(np.concatenate([sp.s / sp.s[0] for sp in spectra if sp.s.size and sp.s[0] > 0]))[
            ::-1
        ]
    lo, hi = 0, len(levels) - 1  # cost grows with the index
    if total(levels[0]) > budget:
        smallest = total(levels[0]) / (budget / ratio)
        raise ValueError(
            f"ratio={ratio} is below what rank 1 in every layer keeps ({smallest:.4g}); raise ratio"
        )
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if total(levels[mid]) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return [sp.worth(r) for sp, r in zip(spectra, _ranks(spectra, score, levels[lo]))]
