"""Sparse Spectral Training: a linear layer trained in its SVD coordinates,
all singular values every step, a sampled subset of singular vectors
(Zhao et al. 2024, arXiv:2405.15481)."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..._validate import check_int
from ._common import DenseFoldable, bias_init, check_shape, dense_init, generator, layer_like

__all__ = ["SSTLinear"]

_TINY = 1e-6  # floor of |s| in the enhanced gradient's division


class _EnhancedGradient(torch.autograd.Function):
    """Identity forward; backward scales each column's gradient by ``1 / s`` of its vector."""

    @staticmethod
    def forward(ctx, columns, inverse):
        ctx.save_for_backward(inverse)
        return columns.view_as(columns)

    @staticmethod
    def backward(ctx, grad):
        (inverse,) = ctx.saved_tensors
        return grad * inverse, None


def _drop_state(optimizer, params) -> None:
    if optimizer is not None:
        for p in params:
            optimizer.state.pop(p, None)


class SSTLinear(DenseFoldable):
    """``y = x @ (U diag(s) V^T).T + bias``, trained as Sparse Spectral Training.

    The layer keeps the whole spectrum: ``U`` (out x k), ``s`` (k), ``V``
    (in x k), ``k = min(in, out)``, initialised from the SVD of an
    ``nn.Linear``-initialised weight. Every step trains all of ``s`` and the
    ``rank`` singular-vector pairs currently selected (parameters ``u_sel``,
    ``v_sel``); the other columns of ``U`` and ``V`` are frozen buffers. The
    selected vectors take the *enhanced gradient* (the gradient divided by
    their singular value). Call :func:`lralg.nn.low_rank_training_step` after
    each optimizer step: every ``sample_interval`` steps the selection is
    written back and redrawn (multinomially by singular value, without
    replacement), and every ``svd_interval`` steps ``U diag(s) V^T`` is
    re-decomposed by an SVD, which restores orthonormal ``U`` and ``V``.

    Parameters
    ----------
    in_features, out_features : int
    rank : int
        Singular-vector pairs trained at a time, ``1 <= rank <= min(in, out)``.
    sample_interval : int, default 50
        Steps between redraws of the selection.
    svd_interval : int, optional
        Steps between re-SVDs; default ``sample_interval * ceil(k / rank)``
        (about one visit of every vector between two re-SVDs).
    bias : bool, default True
    seed : int, default 0
        Seed of the initialisation and of every draw.
    device, dtype : optional

    Raises
    ------
    TypeError, ValueError
        For bad sizes, a rank out of range or non-positive intervals.

    References
    ----------
    J. Zhao et al., "Sparse Spectral Training and Inference on Euclidean and
    Hyperbolic Neural Networks", arXiv:2405.15481.

    Examples
    --------
    >>> import torch, lralg.nn
    >>> layer = lralg.nn.SSTLinear(32, 16, rank=4)
    >>> layer.s.shape, layer.u_sel.shape
    (torch.Size([16]), torch.Size([16, 4]))
    >>> layer(torch.zeros(2, 32)).shape
    torch.Size([2, 16])
    """

    def __init__(
        self,
        in_features,
        out_features,
        rank,
        *,
        sample_interval=50,
        svd_interval=None,
        bias=True,
        seed=0,
        device=None,
        dtype=None,
    ):
        super().__init__()
        n, m, r = check_shape(in_features, out_features, rank)
        self.in_features, self.out_features, self.rank = n, m, r
        k = min(m, n)
        self.sample_interval = check_int(sample_interval, "sample_interval", low=1)
        default_svd = self.sample_interval * math.ceil(k / r)
        self.svd_interval = (
            default_svd if svd_interval is None else check_int(svd_interval, "svd_interval", low=1)
        )
        self.seed = check_int(seed, "seed", low=0)
        gen = generator(self.seed)
        dtype = dtype or torch.get_default_dtype()
        w = dense_init(m, n, gen, torch.float64)
        kw = {"device": device, "dtype": dtype}
        self.register_buffer("U", torch.zeros(m, k, **kw))
        self.register_buffer("V", torch.zeros(n, k, **kw))
        self.s = nn.Parameter(torch.zeros(k, **kw))
        self.u_sel = nn.Parameter(torch.zeros(m, r, **kw))
        self.v_sel = nn.Parameter(torch.zeros(n, r, **kw))
        self.register_buffer("selected", torch.zeros(r, dtype=torch.long, device=device))
        self.register_buffer("steps", torch.zeros((), dtype=torch.long, device=device))
        self.bias = nn.Parameter(bias_init(m, n, gen).to(**kw)) if bias else None
        self._set_spectrum(w)
        self._draw()

    @classmethod
    def from_linear(cls, linear: nn.Linear, rank, **options) -> SSTLinear:
        """The layer whose spectrum is the SVD of ``linear.weight`` (the bias copied)."""
        layer = layer_like(cls, linear, rank, **options)
        layer._set_spectrum(linear.weight.detach())
        layer._draw()
        return layer

    @torch.no_grad()
    def _set_spectrum(self, weight: torch.Tensor) -> None:
        W = weight.detach().to("cpu", torch.float64).numpy()
        u, s, vt = np.linalg.svd(W, full_matrices=False)
        self.U.copy_(torch.from_numpy(u))
        self.s.copy_(torch.from_numpy(s))
        self.V.copy_(torch.from_numpy(vt.T))

    @torch.no_grad()
    def _draw(self) -> None:
        """Redraw the selection, multinomially by |s|, and load it into u_sel, v_sel."""
        count = int(self.steps) // self.sample_interval
        gen = generator((self.seed * 1_000_003 + count) % (2**63))
        weights = self.s.detach().abs().to("cpu", torch.float64) + 1e-12
        sel = torch.multinomial(weights, self.rank, replacement=False, generator=gen).sort().values
        self.selected.copy_(sel)
        self.u_sel.copy_(self.U[:, self.selected])
        self.v_sel.copy_(self.V[:, self.selected])

    def _factors(self):
        s = self.s.detach()[self.selected]
        inverse = 1.0 / torch.where(s >= 0, s.clamp(min=_TINY), s.clamp(max=-_TINY))
        U = self.U.index_copy(1, self.selected, _EnhancedGradient.apply(self.u_sel, inverse))
        V = self.V.index_copy(1, self.selected, _EnhancedGradient.apply(self.v_sel, inverse))
        return U, V

    @property
    def weight(self) -> torch.Tensor:
        """The dense weight ``U diag(s) V^T`` (out_features x in_features)."""
        U, V = self._factors()
        return (U * self.s) @ V.T

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight, self.bias)

    @torch.no_grad()
    def step(self, optimizer=None) -> None:
        """Count one optimizer step; redraw the selection or re-SVD when due.

        Where the selection changes, the optimizer's state of ``u_sel`` and
        ``v_sel`` is dropped (and of ``s`` after a re-SVD, whose order changes).
        """
        self.steps += 1
        t = int(self.steps)
        if t % self.sample_interval and t % self.svd_interval:
            return
        self.U[:, self.selected] = self.u_sel
        self.V[:, self.selected] = self.v_sel
        if t % self.svd_interval == 0:
            self._set_spectrum((self.U * self.s) @ self.V.T)
            _drop_state(optimizer, [self.s])
        self._draw()
        _drop_state(optimizer, [self.u_sel, self.v_sel])

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, rank={self.rank}, "
            f"sample_interval={self.sample_interval}, svd_interval={self.svd_interval}, "
            f"bias={self.bias is not None}"
        )
