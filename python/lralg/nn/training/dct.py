"""DCTAdamW: AdamW with the moments of 2-D parameters kept in a low-rank
subspace spanned by columns of a fixed DCT basis chosen per layer by their
alignment with the gradient (Modoranu et al. 2025, arXiv:2505.17967)."""

from __future__ import annotations

import math

import torch

from ..._validate import check_int, check_rank, check_real

__all__ = ["DCTAdamW", "dct_basis"]


def dct_basis(n: int, *, dtype=torch.float64, device=None) -> torch.Tensor:
    """The orthonormal DCT-II matrix of order ``n``, one basis vector per column."""
    j = torch.arange(n, dtype=torch.float64)
    q = torch.cos(math.pi * (2 * j[:, None] + 1) * j[None, :] / (2 * n)) * math.sqrt(2.0 / n)
    q[:, 0] /= math.sqrt(2.0)
    return q.to(dtype=dtype, device=device)


def _check_rank_option(rank, name="rank"):
    return None if rank is None else check_rank(rank, name)


class DCTAdamW(torch.optim.Optimizer):
    """AdamW whose 2-D parameters keep their moments on ``rank`` DCT columns.

    For a 2-D parameter of shape (m, n) with ``min(m, n) > rank``, the
    gradient ``G`` is projected on its shorter side onto ``rank`` columns of
    the orthonormal DCT-II basis ``Q`` of that side: every ``update_interval``
    steps the columns with the largest alignment ``||G q_j||_1`` are chosen
    (one product ``G Q`` and a sort; only the indices are stored). Adam's
    moments live in the projected space (m x rank or rank x n); where the
    selection changes, moments of columns kept move with them and new columns
    start at zero (the moments expressed in the new basis). The update is
    projected back, scaled by ``scale``. Every other parameter (1-D, or with
    ``min(m, n) <= rank``, or in a group with ``rank=None``) takes plain AdamW.

    Parameters
    ----------
    params : iterable of tensors or dicts
        As for ``torch.optim.AdamW``; a group may set its own ``rank``
        (None: plain AdamW for that group), ``update_interval`` and ``scale``.
    rank : int
        Columns kept per 2-D parameter.
    update_interval : int, default 200
        Steps between two selections of the columns.
    lr : float, default 1e-3
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8
    weight_decay : float, default 0.0
        Decoupled weight decay (AdamW's).
    scale : float, default 0.25
        Factor of the projected-back update (GaLore's ``scale``).

    Raises
    ------
    TypeError, ValueError
        For bad options; ``load_state_dict`` raises ValueError for a state of
        other shapes.

    References
    ----------
    I.-V. Modoranu, M. Safaryan, E. Schultheis, D. Alistarh, "SVD-Free Low-Rank
    Adaptive Gradient Optimization for Large Language Models", arXiv:2505.17967.

    Examples
    --------
    >>> import torch, lralg.nn
    >>> model = torch.nn.Linear(64, 32)
    >>> opt = lralg.nn.DCTAdamW(model.parameters(), rank=4, lr=1e-2)
    >>> model(torch.randn(8, 64)).pow(2).mean().backward()
    >>> opt.step()
    >>> opt.state[model.weight]["exp_avg"].shape
    torch.Size([64, 4])
    """

    def __init__(
        self,
        params,
        rank,
        update_interval=200,
        *,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0.0,
        scale=0.25,
    ):
        rank = _check_rank_option(rank)
        if rank is None:
            raise TypeError("rank must be an integer, got None")
        defaults = {
            "rank": rank,
            "update_interval": check_int(update_interval, "update_interval", low=1),
            "lr": check_real(lr, "lr", low=0.0),
            "betas": self._check_betas(betas),
            "eps": check_real(eps, "eps", low=0.0),
            "weight_decay": check_real(weight_decay, "weight_decay", low=0.0),
            "scale": check_real(scale, "scale", low=0.0, low_open=True),
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            group["rank"] = _check_rank_option(group["rank"])
        self._bases: dict = {}

    @staticmethod
    def _check_betas(betas):
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair of floats, got {betas!r}")
        return tuple(check_real(b, "betas", low=0.0, high=1.0, high_open=True) for b in betas)

    @staticmethod
    def projected(p: torch.Tensor, rank) -> bool:
        """Whether a parameter takes the DCT projection (2-D and ``min(shape) > rank``)."""
        return rank is not None and p.ndim == 2 and min(p.shape) > rank

    def _basis(self, n, like):
        key = (n, like.dtype, like.device)
        if key not in self._bases:
            self._bases[key] = dct_basis(n, dtype=like.dtype, device=like.device)
        return self._bases[key]

    @staticmethod
    def _oriented(t: torch.Tensor) -> torch.Tensor:
        """``t`` with its shorter side last (the side that is projected)."""
        return t if t.shape[0] >= t.shape[1] else t.T

    @torch.no_grad()
    def step(self, closure=None):
        """One optimisation step; ``closure`` as for ``torch.optim.AdamW``."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.is_sparse:
                    raise TypeError("DCTAdamW does not take sparse gradients")
                state = self.state[p]
                low_rank = self.projected(p, group["rank"])
                if not state:
                    state["step"] = torch.zeros((), dtype=torch.float64)
                    shape = (max(p.shape), group["rank"]) if low_rank else p.shape
                    state["exp_avg"] = torch.zeros(shape, dtype=p.dtype, device=p.device)
                    state["exp_avg_sq"] = torch.zeros(shape, dtype=p.dtype, device=p.device)
                    if low_rank:
                        state["indices"] = torch.full((group["rank"],), -1, dtype=torch.long)
                t = int(state["step"])
                state["step"] += 1
                grad = p.grad
                Q = None
                if low_rank:
                    G = self._oriented(grad)
                    Q = self._basis(G.shape[1], G)
                    if t % group["update_interval"] == 0:
                        self._select(state, G, Q, group["rank"])
                    Q = Q[:, state["indices"].to(Q.device)]
                    grad = G @ Q
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m.lerp_(grad, 1 - beta1)
                v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                bc1 = 1 - beta1 ** (t + 1)
                bc2 = 1 - beta2 ** (t + 1)
                update = (m / bc1) / ((v / bc2).sqrt() + group["eps"])
                if low_rank:
                    update = group["scale"] * (update @ Q.T)
                    if p.shape[0] < p.shape[1]:
                        update = update.T
                if group["weight_decay"]:
                    p.mul_(1 - group["lr"] * group["weight_decay"])
                p.add_(update, alpha=-group["lr"])
        return loss

    @staticmethod
    def _select(state, G, Q, rank):
        """Choose the columns of ``Q`` best aligned with ``G``; move the moments along."""
        score = (G @ Q).abs().sum(0)
        new = torch.topk(score, rank).indices.sort().values.cpu()
        old = state["indices"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        new_m, new_v = torch.zeros_like(m), torch.zeros_like(v)
        where_old = {int(j): k for k, j in enumerate(old.tolist()) if j >= 0}
        for k, j in enumerate(new.tolist()):
            if j in where_old:
                new_m[:, k] = m[:, where_old[j]]
                new_v[:, k] = v[:, where_old[j]]
        m.copy_(new_m)
        v.copy_(new_v)
        old.copy_(new)

    def load_state_dict(self, state_dict) -> None:
        """As ``torch.optim.Optimizer.load_state_dict``, after checking every moment's shape.

        Raises
        ------
        ValueError
            If a saved state does not fit its parameter (another model, rank or layout).
        """
        params = [p for g in self.param_groups for p in g["params"]]
        ranks = [g["rank"] for g in self.param_groups for _ in g["params"]]
        saved_groups = state_dict.get("param_groups", [])
        saved_ranks = [g.get("rank") for g in saved_groups for _ in g.get("params", [])]
        if saved_ranks and len(saved_ranks) == len(ranks):
            ranks = saved_ranks
        for key, st in state_dict.get("state", {}).items():
            if not isinstance(key, int) or not 0 <= key < len(params):
                raise ValueError(f"state_dict holds a state for parameter {key!r}, not of this optimizer")
            p, r = params[key], ranks[key]
            want = (max(p.shape), r) if self.projected(p, r) else tuple(p.shape)
            for name in ("exp_avg", "exp_avg_sq"):
                got = tuple(st[name].shape) if name in st else None
                if got != want:
                    raise ValueError(
                        f"state_dict: {name} of parameter {key} has shape {got}, "
                        f"expected {want} for a parameter of shape {tuple(p.shape)}"
                    )
            if self.projected(p, r) and tuple(st.get("indices", torch.empty(0)).shape) != (r,):
                raise ValueError(f"state_dict: indices of parameter {key} must hold {r} columns")
        super().load_state_dict(state_dict)
        for p in params:  # indices stay on the CPU, whatever the moments' device
            if "indices" in self.state.get(p, {}):
                self.state[p]["indices"] = self.state[p]["indices"].to("cpu", torch.long)
