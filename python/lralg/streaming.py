"""Streaming top eigenvector of ``A^T A`` from the rows of A, read once.

Three methods share :class:`StreamingTopEigenvector` and
:func:`top_eigenvector`: "random-order" (heavy rows kept, a block power
method over the light ones; Kacham and Woodruff, arXiv 2412.11963), "oja"
(Oja's rule with a fixed step; Price and Xun, arXiv 2408.10332) and "exact"
(``A^T A`` accumulated, the in-memory reference). The state lives in the
compiled core; updates run with the GIL released.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from . import _core
from ._device import check_device, cuda_backend, fields_to_device, refuse_on_cpu, to_host
from ._result import Result
from ._validate import (
    check_array,
    check_int,
    check_memory,
    check_real,
    check_sparse,
    is_sparse,
    seed_from_rng,
)

__all__ = ["EigResult", "StreamingTopEigenvector", "top_eigenvector"]

_METHODS = {"random-order": 0, "oja": 1, "exact": 2}


@dataclass(repr=False, eq=False)
class EigResult(Result):
    """Top eigenpair estimate returned by :func:`top_eigenvector`.

    Unpacks as ``value, vector``, in the order ``scipy.sparse.linalg.eigsh``
    returns them.

    Attributes
    ----------
    vector : ndarray of shape (d,), float64
        Unit estimate of the top eigenvector v_1 of ``A^T A``; its entry of
        largest magnitude is positive.
    value : float
        Estimate of the top eigenvalue ``sigma_1(A)^2`` (exact for "exact";
        the Rayleigh quotient of the last power step for "random-order";
        ``sum_i <a_i, z_{i-1}>^2`` with the running iterate for "oja").
    n_rows_seen : int
        Rows read.
    n_heavy : int
        Rows stored exactly as heavy ("random-order"; 0 otherwise).
    memory_bytes : int
        Bytes of state kept across rows (vectors, heavy rows, Gram matrix).

    Examples
    --------
    >>> import numpy as np, lralg
    >>> A = np.random.default_rng(0).standard_normal((500, 4)) * [3.0, 1.0, 1.0, 1.0]
    >>> value, vector = lralg.top_eigenvector(A, method="exact")
    >>> np.round(np.abs(vector), 1)
    array([1., 0., 0., 0.])
    """

    _unpack = ("value", "vector")

    vector: np.ndarray
    value: float
    n_rows_seen: int
    n_heavy: int
    memory_bytes: int


def _method(method) -> str:
    if not isinstance(method, str) or method not in _METHODS:
        raise ValueError(f"method must be one of {sorted(_METHODS)}, got {method!r}")
    return method


#: The constant C of the default Oja step ``eta = C ln(d) / lambda_1``.
_OJA_RATE_CONSTANT = 2.0


def _default_learning_rate(n_features: int, top_eigenvalue: float) -> float:
    """The default fixed Oja step ``eta = 2 ln(max(d, 2)) / lambda_1``.

    ``lambda_1 = sigma_1(A)^2`` is the top eigenvalue of ``A^T A`` (the
    spectral norm squared, not ``||A||_F^2``). The scale ``ln(d) / lambda_1``
    is the fixed rate of the arbitrary-order analysis of Oja's algorithm
    (Price and Xun, arXiv 2408.10332): over the stream the v_1 component of
    the iterate grows by about ``exp(eta lambda_1)`` and must overcome the
    ``1/sqrt(d)`` share of a random start, while the other directions grow by
    at most ``exp(eta lambda_j)``. The constant 2 is lralg's (see the docs page).
    """
    return _OJA_RATE_CONSTANT * math.log(max(n_features, 2)) / top_eigenvalue


def _oja_warmup_rows(n_features: int, n_rows: int) -> int:
    """Rows buffered to estimate lambda_1 when Oja's step is not given."""
    return min(n_rows, max(1024, 4 * n_features))


def _top_eigenvalue(blocks, n_features: int, seed: int, iterations: int = 64) -> float:
    """lambda_1 of ``sum_k B_k^T B_k`` by the power method over float64 blocks."""
    v = np.random.default_rng(seed).standard_normal(n_features)
    v /= np.linalg.norm(v)
    value = 0.0
    for _ in range(iterations):
        w = np.zeros(n_features)
        for B in blocks:
            w += B.T @ (B @ v)
        previous, value = value, float(v @ w)
        norm = np.linalg.norm(w)
        if norm == 0.0:
            return 0.0
        v = w / norm
        if abs(value - previous) <= 1e-4 * value:  # the step needs lambda_1 to a few per cent at most
            break
    return value


class StreamingTopEigenvector:
    """Top eigenvector of ``A^T A`` from blocks of rows of A, each seen once.

    The estimator behind :func:`top_eigenvector`, for streams fed block by
    block with :meth:`update`. Blocks may be dense arrays (float32 and
    float64 read in place when C- or F-contiguous) or scipy.sparse matrices
    (read as CSR, never densified). A refused block leaves the stream as it
    was. Thread-safe: calls from several threads are serialised (one lock
    per object), so blocks fed concurrently are each read once, in some order.

    Parameters
    ----------
    n_features : int
        Width d of every row.
    method : {"random-order", "oja", "exact"}, default "random-order"
        "random-order": rows with ``||a||^2 >= ||A||_F^2 / (d heavy_factor)``
        are kept exactly and the stream is cut into blocks, each one power
        step with its light rows (rescaled to the whole stream) and the heavy
        rows kept so far (when every row is kept, the exact answer of those
        rows); it assumes the rows arrive in uniformly random order (shuffle
        them first otherwise). "oja": Oja's rule
        ``z <- z + eta <a, z> a`` with a fixed step, O(d) memory, any order.
        "exact": accumulates ``A^T A``, O(d^2) memory.
    n_rows : int or None
        Stream length n, if known. "random-order" places its power blocks by
        it; without it the blocks grow with the stream (64 rows, then a
        quarter of the rows seen), each step scaled to the rows read so far.
        For "oja" without ``learning_rate`` or ``top_eigenvalue`` it scales
        the estimate of lambda_1 from the first rows. A stream may end early
        (the estimate is then that of the rows seen) but may not exceed it.
    rng : None, int or numpy.random.Generator
        Seed of the Gaussian start vector.
    n_blocks : int or None
        "random-order" with ``n_rows``: number of power steps (blocks).
        Default ``max(ceil(log2 d) + 2, n // (8 d))``, capped so that each
        block holds at least 64 rows.
    heavy_factor : float or None
        "random-order": the polylog(d) of the heavy threshold
        ``||a||^2 >= ||A||_F^2 / (d heavy_factor)``. Default ``max(1, log2 d)``.
        ``||A||_F^2`` is estimated on the fly (the rows seen plus the unseen
        rows at the mean light-row mass).
    learning_rate : float or None
        "oja": the fixed step eta. Default ``2 ln(d) / lambda_1``, with
        ``lambda_1 = top_eigenvalue`` when given, else ``n_rows / m`` times
        the top eigenvalue of the first ``m = max(1024, 4 d)`` rows, which
        are buffered until then. That estimate assumes a random order; for
        an adversarial order pass ``top_eigenvalue`` or ``learning_rate``.
    top_eigenvalue : float or None
        "oja": a known (or upper-bounded) ``lambda_1 = sigma_1(A)^2``.

    Attributes
    ----------
    vector_ : numpy.ndarray of shape (d,)
        Current unit estimate of v_1 (see :class:`EigResult`).
    value_ : float
        Current estimate of ``sigma_1(A)^2``.
    n_rows_seen_ : int
        Rows read so far.
    n_heavy_ : int
        Heavy rows kept ("random-order").
    memory_bytes_ : int
        Bytes of state kept across blocks.
    learning_rate_ : float or None
        The Oja step in use (None before it is fixed, and for other methods).

    Raises
    ------
    ValueError
        ``n_blocks`` without ``n_rows``; "oja" with none of
        ``learning_rate``, ``top_eigenvalue`` and ``n_rows``; values out of
        range.

    See Also
    --------
    top_eigenvector : the same over a whole array or iterable.

    References
    ----------
    .. [1] P. Kacham and D. P. Woodruff, "Approximating the top eigenvector
       in random order streams", NeurIPS 2024, arXiv:2412.11963.
    .. [2] E. Price and Z. Xun, "Spectral guarantees for adversarial
       streaming PCA", FOCS 2024, arXiv:2408.10332.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((4000, 20)) * np.r_[4.0, np.ones(19)]
    >>> est = lralg.StreamingTopEigenvector(20, n_rows=4000, rng=0)
    >>> for block in np.array_split(A, 8):
    ...     _ = est.update(block)
    >>> est.n_rows_seen_
    4000
    >>> bool(est.vector_[0] ** 2 > 0.99)
    True
    """

    def __init__(
        self,
        n_features,
        *,
        method="random-order",
        n_rows=None,
        rng=None,
        n_blocks=None,
        heavy_factor=None,
        learning_rate=None,
        top_eigenvalue=None,
    ):
        self.n_features = check_int(n_features, "n_features", low=1)
        self.method = _method(method)
        if self.method == "exact":  # A^T A is kept densely
            check_memory(8.0 * self.n_features**2, "n_features", "the d x d matrix A^T A of method='exact'")
        self.n_rows = None if n_rows is None else check_int(n_rows, "n_rows", low=1)
        self.n_blocks = None if n_blocks is None else check_int(n_blocks, "n_blocks", low=1)
        if self.n_blocks is not None and self.n_rows is None and self.method == "random-order":
            raise ValueError(
                "n_blocks needs n_rows (the stream length); leave both out for a stream of unknown length"
            )
        if self.n_blocks is not None and self.n_rows is not None and self.n_blocks > self.n_rows:
            raise ValueError(f"n_blocks must be <= n_rows={self.n_rows}, got {self.n_blocks}")
        self.heavy_factor = (
            None if heavy_factor is None else check_real(heavy_factor, "heavy_factor", low=0.0, low_open=True)
        )
        self.learning_rate = (
            None
            if learning_rate is None
            else check_real(learning_rate, "learning_rate", low=0.0, low_open=True)
        )
        self.top_eigenvalue = (
            None
            if top_eigenvalue is None
            else check_real(top_eigenvalue, "top_eigenvalue", low=0.0, low_open=True)
        )
        eta = self.learning_rate
        if self.method == "oja" and eta is None and self.top_eigenvalue is not None:
            eta = _default_learning_rate(self.n_features, self.top_eigenvalue)
        if self.method == "oja" and eta is None and self.n_rows is None:
            raise ValueError(
                "method='oja' needs learning_rate, top_eigenvalue, or n_rows (to estimate "
                "lambda_1 from the first rows)"
            )
        # One update or read at a time: the core's state and Oja's warm-up
        # buffer are changed with the GIL released, so two threads would race.
        self._lock = threading.RLock()
        self._seed = seed_from_rng(rng)
        self._backend = _core  # lralg._cuda where top_eigenvector(device="cuda") runs it
        self._stream = None
        self._eta = None
        self._buffer = []  # oja: the first rows (float64 copies) until eta is fixed
        self._buffered = 0
        self._skipped = 0  # oja: all-zero warm-up rows, dropped (they do not move the iterate)
        if self.method != "oja" or eta is not None:
            self._stream = self._make(eta or 0.0)

    def _make(self, learning_rate: float):
        self._eta = learning_rate if self.method == "oja" else None
        return self._backend.StreamingTopEigenvector(
            _METHODS[self.method],
            self.n_features,
            self.n_rows or 0,
            self.n_blocks or 0,
            self.heavy_factor or 0.0,
            learning_rate,
            self._seed,
        )

    def _check_block(self, block):
        if is_sparse(block):
            block = check_sparse(block, "block", allow_empty=True)
        else:
            arr = np.asarray(block) if not isinstance(block, np.ndarray) else block
            if isinstance(arr, np.ndarray) and arr.ndim == 1:
                block = arr.reshape(1, -1)
            block = check_array(block, "block", allow_empty=True)
        if block.shape[1] != self.n_features:
            raise ValueError(
                f"block has rows of width {block.shape[1]}, the stream has n_features={self.n_features}"
            )
        if block.shape[0] == 0:
            raise ValueError("block has no rows")
        if self.n_rows is not None and self.n_rows_seen_ + block.shape[0] > self.n_rows:
            raise ValueError(
                f"the stream was declared with n_rows={self.n_rows}; this block brings it to "
                f"{self.n_rows_seen_ + block.shape[0]} rows"
            )
        return block

    def _feed(self, block) -> None:
        if sp.issparse(block):
            indptr, indices = block.indptr, block.indices
            if indptr.dtype != indices.dtype:
                indptr, indices = indptr.astype(np.int64), indices.astype(np.int64)
            self._backend.streaming_update_csr(
                self._stream, indptr, indices, block.data, block.shape[0], block.shape[1]
            )
        else:
            self._backend.streaming_update(self._stream, block)

    def _start_oja(self) -> bool:
        """Fix Oja's step from the buffered rows and feed them; False (nothing changed) if they are all zero."""
        with np.errstate(over="ignore", invalid="ignore"):
            lam = _top_eigenvalue(self._buffer, self.n_features, self._seed)
        if not np.isfinite(lam):
            raise ValueError(
                "the rows are too large: lambda_1 overflows float64; scale them, or pass learning_rate"
            )
        if not lam > 0.0:
            return False
        lam *= self.n_rows / (self._buffered + self._skipped)
        self._stream = self._make(_default_learning_rate(self.n_features, lam))
        try:
            for block in self._buffer:
                self._feed(block)
        except Exception:
            self._stream, self._eta = None, None  # back to buffering, as before the call
            raise
        self._buffer, self._buffered = [], 0
        return True

    def update(self, block) -> StreamingTopEigenvector:
        """Feed a block of rows.

        Parameters
        ----------
        block : array_like of shape (b, d) or (d,), or scipy.sparse matrix
            Rows of A; a 1-D array is one row. Dense float32 and float64
            blocks are read without a copy when C- or F-contiguous, CSR blocks
            in place; the core accumulates in float64.

        Returns
        -------
        StreamingTopEigenvector
            The estimator itself.

        Raises
        ------
        ValueError
            A block of the wrong width, with no rows, with NaN or Inf, or
            one that brings the stream past ``n_rows``; the stream is left
            as it was.
        TypeError
            Complex, object or string values.

        Examples
        --------
        >>> import numpy as np, lralg
        >>> est = lralg.StreamingTopEigenvector(3, method="exact")
        >>> est.update(np.eye(3)[:2] * [2.0, 1.0, 0.0]).update([0.0, 0.0, 1.0]).n_rows_seen_
        3
        >>> est.vector_
        array([1., 0., 0.])
        """
        with self._lock:
            return self._update(block)

    def _update(self, block) -> StreamingTopEigenvector:
        block = self._check_block(block)
        if self._stream is None:  # oja: buffer the first rows to estimate lambda_1
            self._buffer.append(block.astype(np.float64, copy=True))
            self._buffered += block.shape[0]
            try:
                started = self._buffered < _oja_warmup_rows(self.n_features, self.n_rows) or self._start_oja()
            except Exception:  # refused: the stream stays as it was before this block
                self._buffer.pop()
                self._buffered -= block.shape[0]
                raise
            if not started:
                # All zero so far: zero rows leave Oja's iterate as it is; count them, keep waiting.
                self._skipped += self._buffered
                self._buffer, self._buffered = [], 0
            return self
        self._feed(block)
        return self

    def _result(self):
        with self._lock:
            return self._result_unlocked()

    def _result_unlocked(self):
        # The stream ended (or is read) before the warm-up filled.
        if self._stream is None and self._buffered > 0 and not self._start_oja():
            raise ValueError("every row seen is zero: A^T A = 0 has no top eigenvector")
        if self._stream is None and self._skipped > 0:
            raise ValueError("every row seen is zero: A^T A = 0 has no top eigenvector")
        if self._stream is None or self._stream.rows_seen == 0:
            raise ValueError("no rows were seen: the stream is empty")
        return self._stream.result()

    @property
    def vector_(self) -> np.ndarray:
        """Current unit estimate of v_1 (largest-magnitude entry positive)."""
        return self._result()[0]

    @property
    def value_(self) -> float:
        """Current estimate of the top eigenvalue sigma_1^2."""
        return float(self._result()[1])

    @property
    def n_rows_seen_(self) -> int:
        """Rows read so far."""
        core = 0 if self._stream is None else int(self._stream.rows_seen)
        return self._buffered + self._skipped + core

    @property
    def n_heavy_(self) -> int:
        """Heavy rows kept exactly ("random-order"; 0 otherwise)."""
        return 0 if self._stream is None else int(self._stream.n_heavy)

    @property
    def memory_bytes_(self) -> int:
        """Bytes of state kept across blocks (core state, plus Oja's warm-up buffer while it fills)."""
        core = 0 if self._stream is None else int(self._stream.memory_bytes)
        buffered = 0
        for b in self._buffer:
            buffered += b.data.nbytes + b.indices.nbytes + b.indptr.nbytes if sp.issparse(b) else b.nbytes
        return core + buffered

    @property
    def learning_rate_(self) -> float | None:
        """The Oja step in use (given or estimated); None for the other methods or before it is fixed."""
        return self._eta

    def result(self) -> EigResult:
        """The current estimate as an :class:`EigResult`.

        Returns
        -------
        EigResult

        Raises
        ------
        ValueError
            No rows were seen, or every row seen is zero.

        Examples
        --------
        >>> import numpy as np, lralg
        >>> est = lralg.StreamingTopEigenvector(2, method="exact")
        >>> value, vector = est.update([[3.0, 0.0], [0.0, 1.0]]).result()
        >>> value, vector
        (9.0, array([1., 0.]))
        """
        with self._lock:
            vector, value = self._result()
            return EigResult(vector, float(value), self.n_rows_seen_, self.n_heavy_, self.memory_bytes_)

    def __repr__(self) -> str:
        return (
            f"StreamingTopEigenvector(n_features={self.n_features}, method={self.method!r}, "
            f"n_rows={self.n_rows}, n_rows_seen_={self.n_rows_seen_})"
        )


def _blocks(rows, block_size: int):
    """Yield 2-D blocks from an array, a CSR matrix, or an iterable of 1-D rows / 2-D blocks."""
    if isinstance(rows, np.ndarray) or sp.issparse(rows):
        if rows.ndim != 2:
            raise ValueError(f"rows must be 2-D when given as an array, got shape {rows.shape}")
        for lo in range(0, rows.shape[0], block_size):
            yield rows[lo : lo + block_size]
        return
    pending = []
    for item in rows:
        if is_sparse(item):
            if pending:
                yield _stack(pending)
                pending = []
            yield item
            continue
        arr = np.asarray(item)
        if arr.ndim == 1:
            pending.append(arr)
            if len(pending) >= block_size:
                yield _stack(pending)
                pending = []
        else:
            if pending:
                yield _stack(pending)
                pending = []
            yield arr
    if pending:
        yield _stack(pending)


def _stack(rows):
    widths = {r.shape[0] for r in rows}
    if len(widths) > 1:
        raise ValueError(f"rows of different widths in the stream: {sorted(widths)}")
    return np.stack(rows)


def top_eigenvector(
    rows,
    *,
    method="random-order",
    n_rows=None,
    rng=None,
    n_blocks=None,
    heavy_factor=None,
    learning_rate=None,
    top_eigenvalue=None,
    block_size=4096,
    device="cpu",
) -> EigResult:
    """Top eigenvector of ``A^T A`` (the top right singular vector of A) from the rows of A, read once.

    Parameters
    ----------
    rows : array_like (n, d), scipy.sparse (n, d), or iterable of rows / blocks
        The stream. A 2-D array or sparse matrix is streamed in blocks of
        ``block_size`` rows in its own order (a sparse matrix is converted to
        CSR once, never densified); an iterable may yield 1-D rows, 2-D
        arrays and scipy.sparse blocks. For "random-order" the order must be
        uniformly random (shuffle first otherwise).
    method : {"random-order", "oja", "exact"}
        See :class:`StreamingTopEigenvector`.
    n_rows : int or None
        Stream length; taken from an array's shape; for an iterable, an
        optional hint (see :class:`StreamingTopEigenvector`).
    rng : None, int or numpy.random.Generator
        Seed of the random start vector (SPEC 7).
    n_blocks, heavy_factor, learning_rate, top_eigenvalue : int or float or None
        See :class:`StreamingTopEigenvector`.
    block_size : int, default 4096
        Rows per call to the core.
    device : {"cpu", "cuda"}, default "cpu"
        "cuda" (method "random-order"): each block's products (the rows'
        inner products with z and the chunks' sums) run on the GPU. A CuPy
        matrix of rows is copied to the host once; ``vector`` is then CuPy.

    Returns
    -------
    EigResult
        ``value, vector = result``; also ``n_rows_seen``, ``n_heavy`` and
        ``memory_bytes``.

    Raises
    ------
    ValueError
        Empty stream, NaN/Inf, rows of the wrong width, all-zero rows, more
        rows than ``n_rows``.
    TypeError
        Input that is not an array or an iterable, complex values; CuPy
        rows with ``device="cpu"``.
    RuntimeError, NotImplementedError
        ``device="cuda"`` without a CUDA build or GPU, or with another method.

    Notes
    -----
    For rows in uniformly random order with gap
    ``R = sigma_1^2 / sigma_2^2``, Kacham and Woodruff prove that
    ``O(h d polylog d)`` bits of memory (h heavy rows) give a unit vector
    with correlation ``1 - O(1/sqrt(R))`` with v_1. "random-order" keeps
    ``O(d + h d)`` numbers. "oja" needs a larger gap (Price and Xun:
    ``R = O(log n log d)`` for an arbitrary order) but no more than O(d).

    References
    ----------
    .. [1] P. Kacham and D. P. Woodruff, "Approximating the top eigenvector
       in random order streams", NeurIPS 2024, arXiv:2412.11963.
    .. [2] E. Price and Z. Xun, "Spectral guarantees for adversarial
       streaming PCA", FOCS 2024, arXiv:2408.10332.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((5000, 50)) * np.r_[3.0, np.ones(49)]  # v_1 = e_0
    >>> res = lralg.top_eigenvector(A, rng=0)
    >>> bool(res.vector[0] ** 2 > 0.95), res.n_rows_seen
    (True, 5000)
    >>> oja = lralg.top_eigenvector(A, method="oja", rng=0)
    >>> bool(oja.vector[0] ** 2 > 0.9)
    True
    """
    device = check_device(device)
    on_gpu = refuse_on_cpu(rows, "rows", "top_eigenvector", device)
    if on_gpu:
        rows = to_host(rows)  # the core's host steps read every row: one copy, blocks from it
    method = _method(method)
    block_size = check_int(block_size, "block_size", low=1)
    if isinstance(rows, (str, bytes)) or rows is None:
        raise TypeError(f"rows must be an array or an iterable of rows, got {type(rows).__name__}")
    if not is_sparse(rows) and hasattr(rows, "__array__") and not isinstance(rows, np.ndarray):
        rows = np.asarray(rows)
    if not is_sparse(rows) and not isinstance(rows, np.ndarray) and not hasattr(rows, "__iter__"):
        raise TypeError(f"rows must be an array or an iterable of rows, got {type(rows).__name__}")
    if is_sparse(rows) or isinstance(rows, np.ndarray):
        if is_sparse(rows):
            rows = check_sparse(rows, "rows", allow_empty=True)  # CSR once; slices are CSR blocks
        else:
            rows = check_array(rows, "rows", allow_empty=True)
        if rows.shape[0] == 0:
            raise ValueError("rows is empty: the stream has no rows")
        if rows.shape[1] == 0:
            raise ValueError("rows have width 0")
        if n_rows is None:
            n_rows = rows.shape[0]
        n_features = rows.shape[1]
        blocks = _blocks(rows, block_size)
    else:
        blocks = _blocks(iter(rows), block_size)
        first = next(blocks, None)
        if first is None:
            raise ValueError("rows is empty: the stream has no rows")
        shape = first.shape if is_sparse(first) else np.shape(first)
        if len(shape) != 2:
            raise ValueError(f"rows must be 1-D rows or 2-D blocks, got an item of shape {shape}")
        n_features = shape[1]
        if n_features == 0:
            raise ValueError("rows have width 0")
        blocks = _chain(first, blocks)
    stream = StreamingTopEigenvector(
        n_features,
        method=method,
        n_rows=n_rows,
        rng=rng,
        n_blocks=n_blocks,
        heavy_factor=heavy_factor,
        learning_rate=learning_rate,
        top_eigenvalue=top_eigenvalue,
    )
    if device == "cuda":
        backend = cuda_backend("top_eigenvector")
        if method != "random-order":
            raise NotImplementedError(
                f"top_eigenvector(device='cuda') runs method='random-order' (its block products); "
                f"method={method!r} has no CUDA kernel, use device='cpu'"
            )
        stream._backend = backend
        stream._stream = stream._make(0.0)  # nothing fed yet: the same stream, on the device
    for block in blocks:
        stream.update(block)
    result = stream.result()
    return fields_to_device(result, "vector") if on_gpu else result


def _chain(first, rest):
    yield first
    yield from rest


def _exact_top_eigenvector(A) -> tuple[np.ndarray, float]:
    """(v_1, sigma_1^2) of a dense in-memory A by LAPACK (numpy.linalg.eigh of A^T A).

    A reference for tests and benchmarks; sign as in :class:`EigResult`.
    """
    A = check_array(A, "A")
    w, V = np.linalg.eigh(A.T.astype(np.float64) @ A.astype(np.float64))
    v = V[:, -1]
    if v[np.argmax(np.abs(v))] < 0:
        v = -v
    return v, float(w[-1])
