"""Weight-only quantization of matrices: round-to-nearest and GPTQ.

Both map a weight matrix (rows = outputs, columns = inputs, as a linear
layer's weight) to ``bits``-bit integer codes with a scale and a zero point per
row and group of columns; the work runs in the C++ core
(``lralg/quantize.hpp``) without the GIL.
"""

from __future__ import annotations

import dataclasses
from typing import Optional

import numpy as np

from . import _core
from ._blas import one_blas_thread
from ._result import Result
from ._validate import check_array, check_int, check_real

__all__ = ["QuantizedMatrix", "quantize_gptq", "quantize_rtn"]

_BITS = (2, 3, 4, 8)


@dataclasses.dataclass(repr=False, eq=False)
class QuantizedMatrix(Result):
    """A matrix quantized to integer codes on per-row, per-group grids.

    ``dequantized[r, c] = scales[r, g] * (codes[r, c] - zeros[r, g])`` with
    ``g = group_index[c]``.

    Attributes
    ----------
    codes : ndarray of uint8, shape (rows, cols)
        Integer codes in ``[0, 2**bits - 1]``.
    scales : ndarray, shape (rows, groups)
        Step of each row's grid in each group (dtype of the input).
    zeros : ndarray of uint8, shape (rows, groups)
        Code of the value 0 in each grid.
    group_index : ndarray of int32, shape (cols,)
        The group of each column (``c // group_size``, except for GPTQ with
        ``act_order``, where groups follow the order of quantization).
    dequantized : ndarray, shape (rows, cols)
        The quantized matrix in floating point.
    bits : int
    group_size : int or None
        Columns per group; None: one group per row.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> W = np.array([[0.0, 1.0, 2.0, 3.0], [-3.0, -2.0, -1.0, 0.0]])
    >>> q = lralg.quantize_rtn(W, 2, group_size=None)
    >>> q.codes
    array([[0, 1, 2, 3],
           [0, 1, 2, 3]], dtype=uint8)
    >>> bool(np.allclose(q.dequantize(), W)), q.nbytes() < W.nbytes
    (True, True)
    """

    codes: np.ndarray
    scales: np.ndarray
    zeros: np.ndarray
    group_index: np.ndarray
    dequantized: np.ndarray
    bits: int
    group_size: Optional[int]

    def dequantize(self) -> np.ndarray:
        """The matrix the codes stand for, recomputed from codes, scales and zeros."""
        g = self.group_index
        return (self.scales[:, g] * (self.codes.astype(self.scales.dtype) - self.zeros[:, g])).astype(
            self.scales.dtype, copy=False
        )

    def nbytes(self, scale_bytes: int = 2) -> int:
        """Storage of the packed form: ``bits`` per code and per zero point,
        ``scale_bytes`` per scale (2: float16)."""
        rows, cols = self.codes.shape
        return _packed_bytes(rows, cols, self.scales.shape[1], self.bits, scale_bytes)


def _packed_bytes(rows: int, cols: int, groups: int, bits: int, scale_bytes: int = 2) -> int:
    """Bytes of codes and zero points packed at ``bits`` each, plus the scales."""
    return -(-(rows * cols * bits) // 8) + -(-(rows * groups * bits) // 8) + rows * groups * scale_bytes


def _check_bits(bits) -> int:
    if isinstance(bits, (bool, np.bool_)) or not isinstance(bits, (int, np.integer)):
        raise TypeError(f"bits must be an integer, got {type(bits).__name__}")
    if int(bits) not in _BITS:
        raise ValueError(f"bits must be one of {_BITS}, got {bits}")
    return int(bits)


def _check_grid(W, bits, group_size):
    W = check_array(W, "W")
    bits = _check_bits(bits)
    cols = W.shape[1]
    if group_size is not None:
        group_size = check_int(group_size, "group_size", low=1)
        if cols % group_size:
            raise ValueError(
                f"group_size={group_size} does not divide the number of columns of W ({cols}); "
                "pass a divisor of it, or group_size=None for one group per row"
            )
    return np.ascontiguousarray(W), bits, group_size


def _result(parts, bits, group_size) -> QuantizedMatrix:
    codes, scales, zeros, group, dequantized = parts
    return QuantizedMatrix(codes, scales, zeros, group, dequantized, bits, group_size)


def quantize_rtn(W, bits, *, group_size=128, symmetric=False) -> QuantizedMatrix:
    """Round every weight to the nearest point of its group's grid (RTN).

    Parameters
    ----------
    W : array_like, shape (rows, cols)
        The weights (a linear layer's ``weight``: rows are outputs).
    bits : {2, 3, 4, 8}
        Bits per code.
    group_size : int or None, default 128
        Columns sharing a scale and zero point in each row; must divide
        ``cols``. None: one group per row.
    symmetric : bool, default False
        A grid symmetric about 0 (zero point ``2**(bits-1)``) instead of the
        min-max grid.

    Returns
    -------
    QuantizedMatrix

    Raises
    ------
    ValueError
        For bits outside {2, 3, 4, 8}, a group size that does not divide
        ``cols``, or non-finite weights.

    Notes
    -----
    The grid of a group spans the range of its weights widened to include 0
    (GPTQ's reference quantizer): ``scale = (max - min) / (2**bits - 1)``,
    ``zero = round(-min / scale)``. Ties round to even.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> W = np.random.default_rng(0).standard_normal((4, 8))
    >>> q = lralg.quantize_rtn(W, 8, group_size=4)
    >>> q.codes.shape, q.scales.shape
    ((4, 8), (4, 2))
    >>> bool(np.abs(q.dequantized - W).max() <= q.scales.max() / 2 + 1e-12)
    True
    """
    W, bits, group_size = _check_grid(W, bits, group_size)
    parts = _core.quantize_rtn(W, bits, group_size or 0, bool(symmetric))
    return _result(parts, bits, group_size)


def _asymmetry(H, tile=128) -> float:
    """max |H - H^T|, tile by tile: a tile and its mirror stay in cache, where H - H.T would
    read H with a long stride."""
    n, worst = H.shape[0], 0.0
    for i in range(0, n, tile):
        for j in range(0, i + 1, tile):
            worst = max(
                worst, float(np.abs(H[i : i + tile, j : j + tile] - H[j : j + tile, i : i + tile].T).max())
            )
    return worst


def _check_hessian(H, cols) -> np.ndarray:
    H = check_array(H, "H", dtype=np.float64)
    if H.shape != (cols, cols):
        raise ValueError(f"H must be the ({cols}, {cols}) Gram matrix of the inputs, got shape {H.shape}")
    scale = max(float(H.max()), -float(H.min()))
    if _asymmetry(H) > 1e-5 * scale:
        raise ValueError("H must be symmetric (the Gram matrix X^T X of the layer's inputs)")
    if float(np.diag(H).min()) < 0:
        raise ValueError("H has a negative diagonal entry: it is not a Gram matrix X^T X")
    # The core reads one triangle; a Fortran-ordered H is passed as its (C-ordered) transpose.
    return H if H.flags.c_contiguous else H.T


@one_blas_thread
def quantize_gptq(
    W, H, bits, *, group_size=128, block_size=128, damp=0.01, act_order=False, symmetric=False
) -> QuantizedMatrix:
    """GPTQ: quantize the columns one at a time, correcting the rest for each error.

    Minimises ``||(W - W_hat) X^T||_F`` over the calibration inputs X of the
    layer (rows of X are inputs), given ``H = X^T X``: each column is rounded
    to its group's grid and its error, weighted by the Cholesky factor of
    ``H^-1``, is subtracted from the columns not yet quantized, with the
    paper's lazy batch updates per block of columns.

    Parameters
    ----------
    W : array_like, shape (rows, cols)
        The weights (rows are outputs, columns inputs).
    H : array_like, shape (cols, cols)
        The Gram matrix ``X^T X`` of the layer's inputs (any positive scale).
    bits : {2, 3, 4, 8}
    group_size : int or None, default 128
        As in :func:`quantize_rtn`; a group's grid is set when its first
        column is reached, from its weights as updated so far.
    block_size : int, default 128
        Columns per lazy batch update (a speed setting: the result is the
        same up to rounding); aligned to ``group_size``.
    damp : float, default 0.01
        ``damp * mean(diag(H))`` is added to the diagonal of H.
    act_order : bool, default False
        Quantize the columns in order of decreasing ``H[j, j]``.
    symmetric : bool, default False
        See :func:`quantize_rtn`.

    Returns
    -------
    QuantizedMatrix

    Raises
    ------
    ValueError
        As :func:`quantize_rtn`; for H of the wrong shape, not symmetric,
        with NaN/Inf, or not positive definite after damping.

    Notes
    -----
    Columns whose input is always 0 (``H[j, j] == 0``) are quantized to 0.
    The time is ``O(cols^3 + rows cols^2)``; rows are processed in parallel.

    References
    ----------
    E. Frantar, S. Ashkboos, T. Hoefler, D. Alistarh, "GPTQ: Accurate
    post-training quantization for generative pre-trained transformers",
    ICLR 2023, arXiv:2210.17323.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> rng = np.random.default_rng(0)
    >>> W, X = rng.standard_normal((16, 32)), rng.standard_normal((256, 32))
    >>> gptq = lralg.quantize_gptq(W, X.T @ X, 3, group_size=16)
    >>> rtn = lralg.quantize_rtn(W, 3, group_size=16)
    >>> err = lambda q: np.linalg.norm((W - q.dequantized) @ X.T)
    >>> bool(err(gptq) < err(rtn))
    True
    """
    W, bits, group_size = _check_grid(W, bits, group_size)
    H = _check_hessian(H, W.shape[1])
    block_size = check_int(block_size, "block_size", low=1)
    damp = check_real(damp, "damp", low=0.0)
    if not isinstance(act_order, (bool, np.bool_)):
        raise TypeError(f"act_order must be a bool, got {type(act_order).__name__}")
    parts = _core.quantize_gptq(
        W, H, bits, group_size or 0, bool(symmetric), block_size, damp, bool(act_order)
    )
    return _result(parts, bits, group_size)
