"""Blocks of items: validated matrices seen as operators whose columns are the items."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .. import _core
from .._validate import _check_finite, check_int, check_magnitude, check_matrix, is_sparse

__all__ = []


_RESIDUAL_MODES = ("auto", "exact", "sketch")


class _Block:
    """A block as the operator ``A`` (m x b): ``X.T`` for axis=0, ``X`` for axis=1."""

    __slots__ = ("sparse", "A", "A_csr", "At_csr", "m", "b", "sqnorm", "dtype", "X", "axis", "_core")

    def __init__(self, X, axis: int, name: str = "X"):
        self.dtype = X.dtype
        self.sparse = is_sparse(X)
        self.X, self.axis, self._core = None, axis, None
        if not self.sparse and not (X.flags.c_contiguous or X.flags.f_contiguous):
            X = np.ascontiguousarray(X)
        values = X.data if self.sparse else X.ravel(order="K")
        if values.dtype != np.float64:
            values = values.astype(np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            self.sqnorm = float(np.dot(values, values))
        # A finite squared norm proves every value finite: callers may leave NaN/Inf to this pass.
        # Squares that overflow would make the update drop the block: check_magnitude.
        if not np.isfinite(self.sqnorm):
            _check_finite(values, name)
        check_magnitude(X, name, sqnorm=self.sqnorm)
        if self.sparse:
            other = sp.csr_array(X.T)  # CSR of the transpose, O(nnz)
            other.sort_indices()
            index = np.promote_types(X.indices.dtype, other.indices.dtype)
            X = _csr_index(X, index)
            other = _csr_index(other, index)
            self.A_csr, self.At_csr = (other, X) if axis == 0 else (X, other)
            self.A = None
            self.m, self.b = self.A_csr.shape
        else:
            self.X = X
            self.A = X.T if axis == 0 else X
            self.A_csr = self.At_csr = None
            self.m, self.b = self.A.shape

    def astype(self, dtype):
        if dtype == self.dtype:
            return self
        new = object.__new__(_Block)
        new.dtype, new.sparse, new.m, new.b, new.sqnorm = (
            np.dtype(dtype),
            self.sparse,
            self.m,
            self.b,
            self.sqnorm,
        )
        new.axis, new._core, new.X = self.axis, None, None
        if self.sparse:
            new.A = None
            new.A_csr = self.A_csr.astype(dtype)
            new.At_csr = self.At_csr.astype(dtype)
        else:
            new.X = self.X.astype(dtype, order="K")
            new.A = new.X.T if self.axis == 0 else new.X
            new.A_csr = new.At_csr = None
        return new

    def core(self, backend=_core):
        """The block as the operator of ``backend`` (lralg._core, or lralg._cuda: the block then
        copied to the device); made once per backend; the host arrays are not copied."""
        if self._core is None or self._core[0] is not backend:
            cls = backend.IsvdBlock32 if self.dtype == np.float32 else backend.IsvdBlock64
            if self.sparse:
                a, t = self.A_csr, self.At_csr
                op = cls.csr(
                    a.indptr, a.indices, a.data, t.indptr, t.indices, t.data, self.m, self.b, self.sqnorm
                )
            else:
                op = cls.dense(self.X, self.axis, self.sqnorm)
            self._core = (backend, op)
        return self._core[1]

    def matmul(self, W):
        """A @ W for W (b x c)."""
        if not self.sparse:
            return self.A @ W
        return _csr_matmul(self.A_csr, W)

    def rmatmul(self, Z):
        """A.T @ Z for Z (m x c)."""
        if not self.sparse:
            return self.A.T @ Z
        return _csr_matmul(self.At_csr, Z)


def _csr_index(X, index):
    if X.indices.dtype == index and X.indptr.dtype == index:
        return X
    return sp.csr_array((X.data, X.indices.astype(index), X.indptr.astype(index)), shape=X.shape)


def _csr_matmul(X, W):
    W = np.ascontiguousarray(W, dtype=X.dtype)
    return _core.isvd_csr_matmul(X.indptr, X.indices, X.data, X.shape[0], X.shape[1], W)


def _iter_blocks(blocks, name="blocks"):
    """The blocks of `blocks`: an iterable of matrices, or one matrix."""
    if isinstance(blocks, np.ndarray) or is_sparse(blocks):
        yield blocks
        return
    if isinstance(blocks, (str, bytes)) or blocks is None:
        raise TypeError(f"{name} must be an iterable of 2-D arrays, got {type(blocks).__name__}")
    try:
        it = iter(blocks)
    except TypeError:
        raise TypeError(f"{name} must be an iterable of 2-D arrays, got {type(blocks).__name__}") from None
    yield from it


def _check_axis(axis) -> int:
    axis = check_int(axis, "axis")
    if axis not in (0, 1):
        raise ValueError(f"axis must be 0 (blocks of rows) or 1 (blocks of columns), got {axis}")
    return axis


def _check_residual(residual) -> str:
    if residual not in _RESIDUAL_MODES:
        raise ValueError(f"residual must be one of {_RESIDUAL_MODES}, got {residual!r}")
    return residual


def _as_block_allow_empty(X, axis, name) -> _Block:
    if is_sparse(X):
        if X.ndim != 2:
            raise ValueError(f"{name} must be 2-D, got shape {X.shape}")
        return _Block(check_matrix(X, name, allow_empty=True, allow_nan=True), axis, name)
    if isinstance(X, (str, bytes)) or X is None:
        raise TypeError(f"{name} must be a 2-D array, got {type(X).__name__}")
    return _Block(check_matrix(X, name, allow_empty=True, allow_nan=True), axis, name)
