"""SLTrain: a linear layer whose weight is a low-rank product plus a sparse
matrix on a fixed random support (Han et al. 2024, arXiv:2406.02214)."""

from __future__ import annotations

import math

import torch
from torch import nn

from ..._validate import check_real
from ._common import DenseFoldable, check_shape, generator

__all__ = ["SLTrainLinear"]


def _compose(A, B, values, index, scaling):
    W = torch.mm(B, A).mul_(scaling)
    W.view(-1).index_add_(0, index, values)
    return W


class _SparsePlusLowRank(torch.autograd.Function):
    """``x @ (scaling * B @ A + S).T`` with ``S`` given by (flat index, values).

    The weight is composed densely for the product and composed again in the
    backward pass instead of being saved: the saved tensors are the input and
    the factors, as for the layers it replaces, and both products run on BLAS.
    """

    @staticmethod
    def forward(ctx, x, A, B, values, index, scaling):
        ctx.save_for_backward(x, A, B, values, index)
        ctx.scaling = scaling
        return x @ _compose(A, B, values, index, scaling).T

    @staticmethod
    def backward(ctx, grad):
        x, A, B, values, index = ctx.saved_tensors
        needs = ctx.needs_input_grad
        grad_x = grad_A = grad_B = grad_values = None
        if needs[0]:
            grad_x = grad @ _compose(A, B, values, index, ctx.scaling)
        if needs[1] or needs[2] or needs[3]:
            grad_W = grad.T @ x
            if needs[3]:
                grad_values = grad_W.view(-1).index_select(0, index)
            if needs[1] or needs[2]:
                grad_W.mul_(ctx.scaling)
                grad_A = B.T @ grad_W if needs[1] else None
                grad_B = grad_W @ A.T if needs[2] else None
        return grad_x, grad_A, grad_B, grad_values, None, None


class SLTrainLinear(DenseFoldable):
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

    def sparse_dense(self) -> torch.Tensor:
        """``S`` as a dense tensor (for inspection)."""
        dense = self.sparse_values.new_zeros(self.out_features * self.in_features)
        dense = dense.index_put((self.sparse_index,), self.sparse_values)
        return dense.reshape(self.out_features, self.in_features)

    @property
    def weight(self) -> torch.Tensor:
        """The dense weight ``scaling * B @ A + S`` (out_features x in_features)."""
        return _compose(self.A, self.B, self.sparse_values, self.sparse_index, self.scaling)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(-1, self.in_features)
        y = _SparsePlusLowRank.apply(
            flat, self.A, self.B, self.sparse_values, self.sparse_index, self.scaling
        )
        if self.bias is not None:
            y = y + self.bias
        return y.reshape(*x.shape[:-1], self.out_features)

    def trainable_count(self) -> int:
        """Trained numbers: both factors, the sparse values, the bias."""
        return sum(p.numel() for p in self.parameters())

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, rank={self.rank}, "
            f"sparsity={self.sparsity}, alpha={self.alpha}, bias={self.bias is not None}"
        )
