"""Maestro: a trainable low-rank decomposition with ordered dropout over its
components and rank pruning (Horvath et al. 2024, arXiv:2308.14929)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..._validate import check_int, check_rank, check_real
from ._common import DenseFoldable, bias_init, check_shape, dense_init, generator, layer_like

__all__ = ["MaestroLinear"]


class MaestroLinear(DenseFoldable):
    """``y = x @ (U V^T).T + bias`` trained with low-rank ordered dropout (LoD).

    ``U`` (out x rank) and ``V`` (in x rank) start from the balanced SVD of an
    ``nn.Linear``-initialised weight (``U = u sqrt(s)``, ``V = v sqrt(s)``).
    In training mode each forward pass draws ``b`` uniformly from
    ``1..rank`` and uses only the first ``b`` components, so the leading
    components are trained most and the decomposition becomes ordered by
    importance; in eval mode all components are used. The hierarchical group
    lasso :meth:`group_lasso` is the published regulariser that drives the
    tail to zero, :meth:`prune` drops components whose norm
    ``||u_i|| ||v_i||`` is below a threshold, and :meth:`truncate` gives the
    smaller model.

    Parameters
    ----------
    in_features, out_features : int
    max_rank : int
        Components at the start, ``1 <= max_rank <= min(in, out)``.
    bias : bool, default True
    seed : int, default 0
        Seed of the initialisation and of the sampled ranks.
    device, dtype : optional

    Raises
    ------
    TypeError, ValueError
        For bad sizes or a rank out of range.

    References
    ----------
    S. Horvath, S. Laskaridis, S. Rajput, H. Wang, "Maestro: Uncovering
    Low-Rank Structures via Trainable Decomposition", ICML 2024,
    arXiv:2308.14929.

    Examples
    --------
    >>> import torch, lralg.nn
    >>> layer = lralg.nn.MaestroLinear(32, 16, max_rank=8)
    >>> small = layer.eval().truncate(3)
    >>> small.rank, small(torch.zeros(2, 32)).shape
    (3, torch.Size([2, 16]))
    """

    def __init__(self, in_features, out_features, max_rank, *, bias=True, seed=0, device=None, dtype=None):
        super().__init__()
        n, m, r = check_shape(in_features, out_features, max_rank, "max_rank")
        self.in_features, self.out_features = n, m
        self.seed = check_int(seed, "seed", low=0)
        gen = generator(self.seed)
        kw = {"device": device, "dtype": dtype or torch.get_default_dtype()}
        self.U = nn.Parameter(torch.zeros(m, r, **kw))
        self.V = nn.Parameter(torch.zeros(n, r, **kw))
        self.bias = nn.Parameter(bias_init(m, n, gen).to(**kw)) if bias else None
        self._set_weight(dense_init(m, n, gen, torch.float64))
        self._sampler = generator(self.seed + 1)

    @classmethod
    def from_linear(cls, linear: nn.Linear, max_rank, **options) -> MaestroLinear:
        """The layer starting from the balanced rank-``max_rank`` SVD of ``linear.weight``."""
        layer = layer_like(cls, linear, max_rank, **options)
        layer._set_weight(linear.weight.detach())
        return layer

    @torch.no_grad()
    def _set_weight(self, weight: torch.Tensor) -> None:
        r = self.rank
        W = weight.detach().to("cpu", torch.float64).numpy()
        u, s, vt = np.linalg.svd(W, full_matrices=False)
        root = np.sqrt(s[:r])
        self.U.copy_(torch.from_numpy(u[:, :r] * root))
        self.V.copy_(torch.from_numpy(vt[:r].T * root))

    @property
    def rank(self) -> int:
        """The number of components now."""
        return self.U.shape[1]

    @property
    def weight(self) -> torch.Tensor:
        """The dense weight ``U V^T`` (out_features x in_features), all components."""
        return self.U @ self.V.T

    def sample_rank(self) -> int:
        """A rank drawn uniformly from ``1..rank`` (what a training forward pass uses)."""
        return int(torch.randint(1, self.rank + 1, (1,), generator=self._sampler))

    def forward(self, x: torch.Tensor, rank=None) -> torch.Tensor:
        if rank is None:
            b = self.sample_rank() if self.training else self.rank
        else:
            b = check_rank(rank, "rank", upper=self.rank)
        return F.linear(F.linear(x, self.V[:, :b].T), self.U[:, :b], self.bias)

    def group_lasso(self) -> torch.Tensor:
        """The hierarchical group lasso ``sum_b sqrt(||U[:, b:]||^2 + ||V[:, b:]||^2)``.

        Add ``lambda * layer.group_lasso()`` to the loss: each tail group
        ``b..rank`` is one group, so trailing components shrink first.
        """
        sq = (self.U**2).sum(0) + (self.V**2).sum(0)
        tails = torch.flip(torch.cumsum(torch.flip(sq, [0]), 0), [0])
        return torch.sqrt(tails + 1e-30).sum()

    def component_norms(self) -> torch.Tensor:
        """``||u_i|| * ||v_i||`` for each component (the norm of its rank-one term)."""
        return (self.U.detach().norm(dim=0) * self.V.detach().norm(dim=0)).cpu()

    @torch.no_grad()
    def prune(self, threshold) -> int:
        """Drop every component whose norm ``||u_i|| ||v_i||`` is below ``threshold``.

        At least one component is kept. The parameters are replaced: build the
        optimizer again after a prune that removed something. Returns the new rank.
        """
        threshold = check_real(threshold, "threshold", low=0.0)
        norms = self.component_norms()
        keep = torch.nonzero(norms >= threshold).flatten()
        if keep.numel() == 0:
            keep = torch.argmax(norms).reshape(1)
        if keep.numel() < self.rank:
            keep = keep.to(self.U.device)
            self.U = nn.Parameter(self.U[:, keep].clone())
            self.V = nn.Parameter(self.V[:, keep].clone())
        return self.rank

    def truncate(self, rank) -> MaestroLinear:
        """A new layer with the first ``rank`` components (copies; this layer is unchanged)."""
        rank = check_rank(rank, "rank", upper=self.rank)
        new = MaestroLinear(
            self.in_features,
            self.out_features,
            rank,
            bias=self.bias is not None,
            seed=self.seed,
            device=self.U.device,
            dtype=self.U.dtype,
        )
        with torch.no_grad():
            new.U.copy_(self.U[:, :rank])
            new.V.copy_(self.V[:, :rank])
            if self.bias is not None:
                new.bias.copy_(self.bias)
        new.train(self.training)
        return new

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # a pruned layer's state: take its rank before loading
        u = state_dict.get(prefix + "U")
        if u is not None and u.shape[1] != self.rank and u.shape[0] == self.out_features:
            self.U = nn.Parameter(self.U.new_zeros(u.shape))
            self.V = nn.Parameter(self.V.new_zeros(self.in_features, u.shape[1]))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, rank={self.rank}, "
            f"bias={self.bias is not None}"
        )
