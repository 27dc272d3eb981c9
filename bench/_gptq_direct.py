"""GPTQ written directly in PyTorch from the paper's algorithm box (Frantar et
al. 2022, arXiv 2210.17323, Algorithm 1): the anchor that lralg.quantize_gptq
is checked and timed against in bench/nn_compress.py.

Same conventions as lralg's: the min-max grid of GPTQ's reference quantizer,
damping by a fraction of the mean diagonal, dead inputs zeroed, act_order by
decreasing diag(H), a group's grid from its weights as updated when its first
column is reached, blocks aligned to groups.
"""

from __future__ import annotations

import torch


def _grid(block: torch.Tensor, bits: int):
    maxq = 2**bits - 1
    zero_t = torch.zeros(block.shape[0], dtype=block.dtype)
    lo = torch.minimum(block.min(dim=1).values, zero_t)
    hi = torch.maximum(block.max(dim=1).values, zero_t)
    both = (lo == 0) & (hi == 0)
    lo = torch.where(both, -torch.ones_like(lo), lo)
    hi = torch.where(both, torch.ones_like(hi), hi)
    scale = (hi - lo) / maxq
    return scale, torch.round(-lo / scale)


def gptq(W, H, bits, group_size=128, block_size=128, damp=0.01, act_order=False):
    """Codes (rows x cols, in W's column order) of GPTQ on W (torch tensors)."""
    W = W.clone()
    H = H.to(torch.float64).clone()
    cols = W.shape[1]
    maxq = 2**bits - 1
    dead = torch.diag(H) == 0
    H[dead, dead] = 1
    W[:, dead] = 0
    perm = torch.argsort(torch.diag(H), descending=True, stable=True) if act_order else torch.arange(cols)
    W, H = W[:, perm], H[perm][:, perm]
    H += damp * torch.mean(torch.diag(H)) * torch.eye(cols, dtype=H.dtype)
    # Cholesky of the inverse Hessian, upper factor
    Hinv = torch.linalg.cholesky(torch.cholesky_inverse(torch.linalg.cholesky(H)), upper=True).to(W.dtype)
    B = min(block_size, cols)
    B = (B // group_size) * group_size if group_size <= B else group_size
    Q = torch.zeros_like(W)
    for i in range(0, cols, B):
        i2 = min(i + B, cols)
        W1 = W[:, i:i2].clone()
        E = torch.zeros_like(W1)
        for j in range(i2 - i):
            if (i + j) % group_size == 0:
                scale, zero = _grid(W1[:, j : j + group_size], bits)
            w = W1[:, j]
            q = torch.clamp(torch.round(w / scale) + zero, 0, maxq)
            Q[:, i + j] = q
            err = (w - scale * (q - zero)) / Hinv[i + j, i + j]
            W1[:, j:] -= err.unsqueeze(1) @ Hinv[i + j, i + j : i2].unsqueeze(0)
            E[:, j] = err
        W[:, i2:] -= E @ Hinv[i:i2, i2:]
    codes = torch.empty_like(Q)
    codes[:, perm] = Q
    return codes.to(torch.uint8)
