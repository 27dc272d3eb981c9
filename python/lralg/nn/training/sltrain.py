"""SLTrain: a linear layer whose weight is a low-rank product plus a sparse
matrix on a fixed random support (Han et al. 2024, arXiv:2406.02214)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..._validate import check_real
from ._common import check_shape, generator, linear_from_weight

__all__ = ["SLTrainLinear"]

_CHUNK = 1024  # rows of the input per piece of the sparse values' gradient


def _coo(rows, cols, values, shape, coalesced):
    return torch.sparse_coo_tensor(
        torch.stack([rows, cols]), values, shape, is_coalesced=coalesced, check_invariants=False
    )


class _SparseProduct(torch.autograd.Function):
    """``x @ S.T`` for ``S`` given by (rows, cols, values): sparse products forward
    and for the input's gradient, the values' gradient gathered per nonzero; no
    dense (out x in) matrix is formed, forward or backward."""

    @staticmethod
    def forward(ctx, x, values, rows, cols, out_features):
        ctx.save_for_backward(x, values, rows, cols)
        S = _coo(rows, cols, values, (out_features, x.shape[1]), True)
        return torch.sparse.mm(S, x.T).T

    @staticmethod
    def backward(ctx, grad):
        x, values, rows, cols = ctx.saved_tensors
        grad_x = grad_values = None
        if ctx.needs_input_grad[0]:
            St = _coo(cols, rows, values, (x.shape[1], grad.shape[1]), False)
            grad_x = torch.sparse.mm(St, grad.T).T
        if ctx.needs_input_grad[1]:
            grad_values = torch.zeros_like(values)
            for i in range(0, x.shape[0], _CHUNK):
                g, xi = grad[i : i + _CHUNK], x[i : i + _CHUNK]
                grad_values += (g.index_select(1, rows) * xi.index_select(1, cols)).sum(0)
        return grad_x, grad_values, None, None, None


class SLTrainLinear(nn.Module):
    """``y = x @ (scaling * B @ A + S).T + bias`` with ``S`` sparse on a fixed random support.

    ``A`` (rank x in_features) and ``B`` (out_features x rank) are the low-rank
    factors, ``scaling = alpha / rank``. ``S`` has ``int(sparsity * in * out)``
    nonzeros at positions drawn uniformly at random once (without replacement)
    and kept fixed; only their values train. ``S`` is stored as a parameter
    ``sparse_values`` and a buffer ``sparse_index`` (flat row-major positions,
    sorted), never as a dense matrix.

    Parameters
    ----------
    in_features, out_features : int
    rank : int
        ``1 <= rank <= min(in_features, out_features)``.
    sparsity : float in (0, 1), default 0.03
        Fraction of the weight's entries in the support of ``S`` (the paper's delta).
    alpha : float, default 32.0
        Scale of the low-rank term, applied as ``alpha / rank``.
    bias : bool, default True
    seed : int, default 0
        Seed of the initialisation and of the support.
    device, dtype : optional
        As for ``nn.Linear``.

    Raises
    ------
    TypeError
        For non-integer sizes or a non-real sparsity.
    ValueError
        For a rank out of range or a sparsity outside (0, 1).

    Notes
    -----
    Initialisation as published: ``A`` Kaiming uniform (as ``nn.Linear``),
    ``B = 0``, the sparse values uniform in +-1/sqrt(in_features), the bias
    uniform in +-1/sqrt(out_features). The product with ``S`` is a sparse
    COO product and the gradient of its values is gathered per nonzero, so
    memory grows with its nonzeros only.

    References
    ----------
    A. Han et al., "SLTrain: a sparse plus low-rank approach for parameter and
    memory efficient pretraining", NeurIPS 2024, arXiv:2406.02214.

    Examples
    --------
    >>> import torch, lralg.nn
    >>> layer = lralg.nn.SLTrainLinear(64, 32, rank=8, sparsity=0.05)
    >>> layer.sparse_values.numel() == int(0.05 * 64 * 32)
    True
    >>> layer(torch.zeros(5, 64)).shape
    torch.Size([5, 32])
    """

    def __init__(
        self,
        in_features,
        out_features,
        rank,
        sparsity=0.03,
        *,
        alpha=32.0,
        bias=True,
        seed=0,
        device=None,
        dtype=None,
    ):
        super().__init__()
        n, m, r = check_shape(in_features, out_features, rank)
        self.in_features, self.out_features, self.rank = n, m, r
        self.sparsity = check_real(sparsity, "sparsity", low=0.0, high=1.0, low_open=True, high_open=True)
        self.alpha = check_real(alpha, "alpha", low=0.0, low_open=True)
        self.scaling = self.alpha / r
        nnz = int(self.sparsity * m * n)
        if nnz < 1:
            raise ValueError(f"sparsity={sparsity} leaves no entry of a {m}x{n} weight in the support")
        gen = generator(seed)
        dtype = dtype or torch.get_default_dtype()
        a = torch.empty(r, n, dtype=dtype)
        bound = 1.0 / math.sqrt(n)  # nn.Linear's Kaiming uniform with a = sqrt(5)
        a.copy_((2 * torch.rand(r, n, generator=gen, dtype=torch.float64) - 1) * bound)
        index = torch.randperm(m * n, generator=gen)[:nnz].sort().values
        values = (2 * torch.rand(nnz, generator=gen, dtype=torch.float64) - 1) * bound
        kw = {"device": device, "dtype": dtype}
        self.A = nn.Parameter(a.to(**kw))
        self.B = nn.Parameter(torch.zeros(m, r, **kw))
        self.sparse_values = nn.Parameter(values.to(**kw))
        self.register_buffer("sparse_index", index.to(device))
        if bias:
            b_bound = 1.0 / math.sqrt(m)
            b = (2 * torch.rand(m, generator=gen, dtype=torch.float64) - 1) * b_bound
            self.bias = nn.Parameter(b.to(**kw))
        else:
            self.bias = None

    def _rows_cols(self):
        rows = torch.div(self.sparse_index, self.in_features, rounding_mode="floor")
        return rows, self.sparse_index - rows * self.in_features

    def sparse_dense(self) -> torch.Tensor:
        """``S`` as a dense tensor (for inspection and merging; training never forms it)."""
        dense = self.sparse_values.new_zeros(self.out_features * self.in_features)
        dense = dense.index_put((self.sparse_index,), self.sparse_values)
        return dense.reshape(self.out_features, self.in_features)

    @property
    def weight(self) -> torch.Tensor:
        """The dense weight ``scaling * B @ A + S`` (out_features x in_features)."""
        return self.scaling * (self.B @ self.A) + self.sparse_dense()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(-1, self.in_features)
        y = F.linear(F.linear(flat, self.A), self.B) * self.scaling
        rows, cols = self._rows_cols()
        y = y + _SparseProduct.apply(flat, self.sparse_values, rows, cols, self.out_features)
        if self.bias is not None:
            y = y + self.bias
        return y.reshape(*x.shape[:-1], self.out_features)

    def to_linear(self) -> nn.Linear:
        """An ``nn.Linear`` with the dense weight and the bias (copies)."""
        with torch.no_grad():
            return linear_from_weight(self.weight, self.bias)

    def trainable_count(self) -> int:
        """Trained numbers: both factors, the sparse values, the bias."""
        return sum(p.numel() for p in self.parameters())

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, rank={self.rank}, "
            f"sparsity={self.sparsity}, alpha={self.alpha}, bias={self.bias is not None}"
        )
