"""Low-rank and quantized linear layers: plain modules that save and load with ``state_dict``."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._validate import check_rank
from ..quantize import _packed_bytes

__all__ = ["LowRankLinear", "QuantizedLinear", "from_linear"]


class LowRankLinear(nn.Module):
    """``y = x @ (up @ down).T + bias``: a linear layer stored as two factors.

    ``down`` (rank x in_features) maps the input to ``rank`` coordinates and
    ``up`` (out_features x rank) maps them out. Both are ordinary parameters,
    so the layer trains, saves and loads like ``nn.Linear``. Several layers
    may hold the same ``down`` parameter (a basis shared across layers, see
    :func:`lralg.nn.decompose` with ``method="shared"``).

    Parameters
    ----------
    in_features, out_features, rank : int
    bias : bool, default True
    device, dtype : optional
        As for ``nn.Linear``.

    Examples
    --------
    >>> import torch, lralg.nn
    >>> layer = lralg.nn.LowRankLinear(16, 8, rank=2)
    >>> layer(torch.zeros(3, 16)).shape
    torch.Size([3, 8])
    """

    def __init__(self, in_features, out_features, rank, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = check_rank(in_features, "in_features")
        self.out_features = check_rank(out_features, "out_features")
        self.rank = check_rank(rank, "rank", upper=min(self.in_features, self.out_features))
        kw = {"device": device, "dtype": dtype}
        self.down = nn.Parameter(torch.empty(self.rank, self.in_features, **kw))
        self.up = nn.Parameter(torch.empty(self.out_features, self.rank, **kw))
        self.bias = nn.Parameter(torch.empty(self.out_features, **kw)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """nn.Linear's initialisation for ``down``, zeros for ``up`` and the bias's."""
        nn.init.kaiming_uniform_(self.down, a=math.sqrt(5))
        nn.init.zeros_(self.up)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            nn.init.uniform_(self.bias, -bound, bound)

    @property
    def weight(self) -> torch.Tensor:
        """The dense weight ``up @ down`` (out_features x in_features)."""
        return self.up @ self.down

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(F.linear(x, self.down), self.up, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, rank={self.rank}, "
            f"bias={self.bias is not None}"
        )


def _factors(u, s, vt, like: torch.Tensor):
    """Balanced factors ``up = u sqrt(s)``, ``down = sqrt(s) vt`` as tensors like ``like``."""
    root = np.sqrt(np.asarray(s, dtype=np.float64))
    up = torch.as_tensor(np.asarray(u, dtype=np.float64) * root, dtype=like.dtype, device=like.device)
    down = torch.as_tensor(
        root[:, None] * np.asarray(vt, dtype=np.float64), dtype=like.dtype, device=like.device
    )
    return up, down


def _low_rank_layer(linear: nn.Linear, up: torch.Tensor, down: torch.Tensor) -> LowRankLinear:
    """A LowRankLinear holding the given factors and a copy of ``linear``'s bias."""
    w = linear.weight
    layer = LowRankLinear(
        linear.in_features,
        linear.out_features,
        down.shape[0],
        bias=linear.bias is not None,
        device=w.device,
        dtype=w.dtype,
    )
    with torch.no_grad():
        layer.up.copy_(up)
        layer.down.copy_(down)
        if linear.bias is not None:
            layer.bias.copy_(linear.bias)
    return layer


def from_linear(linear: nn.Linear, rank, *, rng=0) -> LowRankLinear:
    """The rank-``rank`` truncated SVD of an ``nn.Linear`` as a :class:`LowRankLinear`.

    The factors are balanced (``up = U sqrt(S)``, ``down = sqrt(S) V^T``) and
    computed by :func:`lralg.truncated_svd` in float64; the bias is copied.

    Parameters
    ----------
    linear : torch.nn.Linear
    rank : int
        ``1 <= rank <= min(in_features, out_features)``.
    rng : None, int or numpy.random.Generator, default 0
        Seed of the randomized SVD (a fixed seed: the same layer gives the
        same factors).

    Returns
    -------
    LowRankLinear

    Raises
    ------
    TypeError
        If ``linear`` is not an ``nn.Linear``.
    ValueError
        For a rank out of range or non-finite weights.

    Examples
    --------
    >>> import torch, lralg.nn
    >>> linear = torch.nn.Linear(32, 16)
    >>> low = lralg.nn.from_linear(linear, 16)
    >>> bool(torch.allclose(low.weight, linear.weight, atol=1e-5))
    True
    """
    from ..svd import truncated_svd

    if not isinstance(linear, nn.Linear):
        raise TypeError(f"linear must be a torch.nn.Linear, got {type(linear).__name__}")
    rank = check_rank(rank, "rank", upper=min(linear.in_features, linear.out_features))
    W = linear.weight.detach().to("cpu", torch.float64).numpy()
    u, s, vt = truncated_svd(W, rank, rng=rng)
    up, down = _factors(u, s, vt, linear.weight)
    return _low_rank_layer(linear, up, down)


class QuantizedLinear(nn.Module):
    """A linear layer with weights stored as integer codes on per-group grids,
    plus an optional low-rank compensation (LoRC) kept in floating point.

    ``y = x @ W_hat.T + (x @ lorc_down.T) @ lorc_up.T + bias`` with
    ``W_hat[r, c] = scales[r, g] * (codes[r, c] - zeros[r, g])``,
    ``g = group_index[c]``. Codes, scales, zero points and group indices are
    buffers (saved by ``state_dict``); the LoRC factors are parameters.

    Build it with :func:`lralg.nn.quantize`, or from a
    :class:`lralg.QuantizedMatrix` with :meth:`from_quantized`.

    Examples
    --------
    >>> import torch, lralg
    >>> from lralg.nn import QuantizedLinear
    >>> linear = torch.nn.Linear(8, 4)
    >>> q = lralg.quantize_rtn(linear.weight.detach().numpy(), 8, group_size=4)
    >>> layer = QuantizedLinear.from_quantized(q, linear)
    >>> x = torch.randn(3, 8)
    >>> bool(torch.allclose(layer(x), linear(x), atol=0.05)), layer.nbytes() < 4 * 8 * 4
    (True, True)
    """

    def __init__(
        self, in_features, out_features, bits, groups, *, lorc_rank=0, bias=True, device=None, dtype=None
    ):
        super().__init__()
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.bits, self.lorc_rank = int(bits), int(lorc_rank)
        kw = {"device": device}
        self.register_buffer("codes", torch.zeros(out_features, in_features, dtype=torch.uint8, **kw))
        self.register_buffer("scales", torch.ones(out_features, groups, dtype=dtype, **kw))
        self.register_buffer("zeros", torch.zeros(out_features, groups, dtype=torch.uint8, **kw))
        self.register_buffer("group_index", torch.zeros(in_features, dtype=torch.long, **kw))
        if lorc_rank:
            self.lorc_up = nn.Parameter(torch.zeros(out_features, lorc_rank, dtype=dtype, **kw))
            self.lorc_down = nn.Parameter(torch.zeros(lorc_rank, in_features, dtype=dtype, **kw))
        else:
            self.lorc_up = self.lorc_down = None
        self.bias = nn.Parameter(torch.zeros(out_features, dtype=dtype, **kw)) if bias else None

    @classmethod
    def from_quantized(cls, q, linear: nn.Linear, lorc=None) -> QuantizedLinear:
        """The layer for ``q`` (a QuantizedMatrix of ``linear.weight``), with
        ``lorc = (up, down)`` factors if given; the bias is copied."""
        w = linear.weight
        rank = 0 if lorc is None else lorc[0].shape[1]
        layer = cls(
            linear.in_features,
            linear.out_features,
            q.bits,
            q.scales.shape[1],
            lorc_rank=rank,
            bias=linear.bias is not None,
            device=w.device,
            dtype=w.dtype,
        )
        with torch.no_grad():
            layer.codes.copy_(torch.from_numpy(q.codes))
            layer.scales.copy_(torch.from_numpy(np.asarray(q.scales, dtype=np.float64)))
            layer.zeros.copy_(torch.from_numpy(q.zeros))
            layer.group_index.copy_(torch.from_numpy(q.group_index.astype(np.int64)))
            if lorc is not None:
                layer.lorc_up.copy_(lorc[0])
                layer.lorc_down.copy_(lorc[1])
            if linear.bias is not None:
                layer.bias.copy_(linear.bias)
        return layer

    def dequantized_weight(self) -> torch.Tensor:
        """``W_hat`` (without the LoRC term), in the layer's floating dtype."""
        g = self.group_index
        return self.scales[:, g] * (self.codes.to(self.scales.dtype) - self.zeros[:, g].to(self.scales.dtype))

    @property
    def weight(self) -> torch.Tensor:
        """The effective dense weight: ``W_hat`` plus the LoRC term."""
        w = self.dequantized_weight()
        if self.lorc_up is not None:
            w = w + self.lorc_up @ self.lorc_down
        return w

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.linear(x, self.dequantized_weight(), self.bias)
        if self.lorc_up is not None:
            y = y + F.linear(F.linear(x, self.lorc_down), self.lorc_up)
        return y

    def nbytes(self) -> int:
        """Bytes of the packed layer: ``bits`` per code and zero point, float16
        scales, LoRC factors and bias."""
        total = _packed_bytes(self.out_features, self.in_features, self.scales.shape[1], self.bits)
        if self.lorc_up is not None:
            total += 2 * (self.lorc_up.numel() + self.lorc_down.numel())
        if self.bias is not None:
            total += 2 * self.bias.numel()
        return total

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, bits={self.bits}, "
            f"groups={self.scales.shape[1]}, lorc_rank={self.lorc_rank}, bias={self.bias is not None}"
        )
