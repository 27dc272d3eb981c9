"""DeltaProduct layer: a linear RNN whose per-token state transition is a product of
generalized Householder matrices; the scan and its gradients run in lralg's core."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._validate import check_int
from ..deltaproduct import delta_product_scan as _scan
from ..deltaproduct import delta_product_scan_backward as _scan_backward

__all__ = ["DeltaProduct", "delta_product"]


def _numpy(t):
    return None if t is None else t.detach().cpu().numpy()


class _ScanFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, q, k, v, beta, initial_state, n_h, chunk_size):
        arrays = [_numpy(t) for t in (q, k, v, beta, initial_state)]
        out, state = _scan(*arrays[:4], n_h, chunk_size=chunk_size, initial_state=arrays[4])
        ctx.save_for_backward(q, k, v, beta, initial_state)
        ctx.n_h, ctx.chunk_size = n_h, chunk_size
        return torch.from_numpy(out).to(q.device), torch.from_numpy(state).to(q.device)

    @staticmethod
    def backward(ctx, d_out, d_state):
        q, k, v, beta, s0 = ctx.saved_tensors
        if d_out is None:
            d_out = torch.zeros(*q.shape[:-1], v.shape[-1], dtype=q.dtype)
        g = _scan_backward(
            *[_numpy(t) for t in (q, k, v, beta)],
            ctx.n_h,
            _numpy(d_out),
            d_final_state=_numpy(d_state),
            chunk_size=ctx.chunk_size,
            initial_state=_numpy(s0),
        )
        dq, dk, dv, db, ds0 = (torch.from_numpy(np.ascontiguousarray(x)).to(q.device) for x in g)
        return dq, dk, dv, db, (ds0 if s0 is not None else None), None, None


def delta_product(q, k, v, beta, n_h, *, chunk_size=64, initial_state=None):
    """Differentiable DeltaProduct scan on tensors (CPU autograd through lralg's core).

    The same recurrence and shapes as :func:`lralg.delta_product_scan`; the
    backward pass calls :func:`lralg.delta_product_scan_backward`.

    Parameters
    ----------
    q : Tensor, shape (..., T, d_k)
    k : Tensor, shape (..., T * n_h, d_k)
    v : Tensor, shape (..., T * n_h, d_v)
    beta : Tensor, shape (..., T * n_h)
        In [0, 2].
    n_h : int
        Householder steps per token.
    chunk_size : int
        Tokens per chunk.
    initial_state : Tensor, shape (..., d_k, d_v), optional

    Returns
    -------
    output : Tensor, shape (..., T, d_v)
    final_state : Tensor, shape (..., d_k, d_v)

    Raises
    ------
    ValueError
        As :func:`lralg.delta_product_scan`.

    Examples
    --------
    >>> import torch, lralg.nn
    >>> q = torch.randn(1, 4, 3, dtype=torch.float64, requires_grad=True)
    >>> k = torch.nn.functional.normalize(torch.randn(1, 8, 3, dtype=torch.float64), dim=-1)
    >>> out, state = lralg.nn.delta_product(q, k, torch.randn(1, 8, 2, dtype=torch.float64),
    ...                                     torch.full((1, 8), 0.5, dtype=torch.float64), 2)
    >>> out.sum().backward()
    >>> q.grad.shape
    torch.Size([1, 4, 3])
    """
    return _ScanFunction.apply(q, k, v, beta, initial_state, n_h, chunk_size)


class DeltaProduct(nn.Module):
    """A DeltaProduct token mixer: ``n_h`` Householder steps per token and head.

    Per head, queries and the ``n_h`` keys are L2-normalised linear maps of the
    input, the ``n_h`` values linear maps, and ``beta = sigmoid(.)`` (times 2
    with ``allow_neg_eigval``, so that each factor ``I - beta k k^T`` can
    reflect). The heads' outputs are joined by an output projection.

    Parameters
    ----------
    d_model : int
        Width of the input and output.
    n_heads : int
        Heads; must divide d_model.
    n_h : int, default 2
        Householder steps per token (1: DeltaNet).
    allow_neg_eigval : bool, default True
        beta in [0, 2] (eigenvalues of the transition in [-1, 1]) instead of
        [0, 1] (eigenvalues in [0, 1]).
    chunk_size : int, default 64
        Tokens per chunk of the scan.

    Raises
    ------
    ValueError
        If n_heads does not divide d_model, or a size is below 1.

    Notes
    -----
    A simplified layer: no short convolutions and no output gate, which the
    paper's language models add; the state-tracking mechanism is the same.

    References
    ----------
    J. Siems et al., "DeltaProduct: Improving State-Tracking in Linear RNNs via
    Householder Products", 2025, arXiv:2502.10297.

    Examples
    --------
    >>> import torch, lralg.nn
    >>> layer = lralg.nn.DeltaProduct(16, n_heads=2, n_h=2)
    >>> layer(torch.randn(3, 10, 16)).shape
    torch.Size([3, 10, 16])
    """

    def __init__(
        self, d_model, n_heads, n_h=2, allow_neg_eigval=True, chunk_size=64, device=None, dtype=None
    ):
        super().__init__()
        self.d_model = check_int(d_model, "d_model", low=1)
        self.n_heads = check_int(n_heads, "n_heads", low=1)
        if self.d_model % self.n_heads:
            raise ValueError(f"n_heads ({n_heads}) must divide d_model ({d_model})")
        self.n_h = check_int(n_h, "n_h", low=1)
        self.chunk_size = check_int(chunk_size, "chunk_size", low=1)
        self.allow_neg_eigval = bool(allow_neg_eigval)
        self.d_head = self.d_model // self.n_heads
        kw = {"device": device, "dtype": dtype}
        self.q_proj = nn.Linear(d_model, d_model, bias=False, **kw)
        self.k_proj = nn.Linear(d_model, n_h * d_model, bias=False, **kw)
        self.v_proj = nn.Linear(d_model, n_h * d_model, bias=False, **kw)
        self.b_proj = nn.Linear(d_model, n_h * n_heads, bias=True, **kw)
        self.o_proj = nn.Linear(d_model, d_model, bias=False, **kw)

    def _steps(self, x, width):
        # (B, T, n_h * H * width) -> (B, H, T * n_h, width), the n_h steps of a token together
        B, T = x.shape[:2]
        x = x.view(B, T, self.n_h, self.n_heads, width).permute(0, 3, 1, 2, 4)
        return x.reshape(B, self.n_heads, T * self.n_h, width)

    def forward(self, x):
        """Mix the tokens of ``x`` (batch, T, d_model); returns the same shape."""
        if x.dim() != 3 or x.shape[-1] != self.d_model:
            raise ValueError(f"x must have shape (batch, T, {self.d_model}), got {tuple(x.shape)}")
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.n_heads, self.d_head).transpose(1, 2)
        q = F.normalize(q, dim=-1)
        k = F.normalize(self._steps(self.k_proj(x), self.d_head), dim=-1)
        v = self._steps(self.v_proj(x), self.d_head)
        beta = torch.sigmoid(self._steps(self.b_proj(x), 1)).squeeze(-1)
        if self.allow_neg_eigval:
            beta = 2 * beta
        out, _ = delta_product(q, k, v, beta, self.n_h, chunk_size=self.chunk_size)
        return self.o_proj(out.transpose(1, 2).reshape(B, T, self.d_model))
