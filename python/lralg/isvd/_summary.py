"""The ``(Q, S)`` summary of the data seen so far; its update lives in the core (isvd.hpp)."""

from __future__ import annotations

import numpy as np

from .. import _core
from ._blocks import _Block

__all__ = []


_RESIDUAL_CODE = {"auto": 0, "exact": 1, "sketch": 2}


def _new_state(m, k_keep, residual, tol, seed, dtype, power_iters=1, backend=_core):
    cls = backend.IsvdState32 if np.dtype(dtype) == np.float32 else backend.IsvdState64
    return cls(m, k_keep, _RESIDUAL_CODE[residual], tol, seed, power_iters)


class _Summary:
    """The running state (the core's IsvdState) plus, optionally, the items' coefficients."""

    def __init__(self, k_keep, residual, tol, seed, track_items, power_iters=1, backend=None):
        self.backend = backend  # None: lralg._core; lralg._cuda for device="cuda" (never pickled)
        self.k_keep = k_keep
        self.power_iters = power_iters
        self.residual = residual
        self.tol = tol
        self.seed = seed
        self.track = track_items
        self.state = None
        self.dtype = None
        self.m = None
        self.coefs = []  # per chunk: A_j^T Q_j (b_j x k_j)
        self.rots = []  # per chunk: rotation applied by that chunk's update

    def __getstate__(self):  # the core's state is saved as its arrays and counts
        d = self.__dict__.copy()
        d["backend"] = None
        st = d.pop("state")
        d["_saved"] = None if st is None else (st.Q, st.lam, st.blocks, st.items, st.sqnorm)
        return d

    def __setstate__(self, d):
        d = dict(d)
        saved = d.pop("_saved")
        self.__dict__.update(d)
        self.backend = None
        self.state = None
        _check_saved(self, saved)
        if saved is not None:
            self.state = self._new_state(self.dtype)
            self.state.load(*saved)

    def _new_state(self, dtype):
        backend = _core if self.backend is None else self.backend
        return _new_state(
            self.m, self.k_keep, self.residual, self.tol, self.seed, dtype, self.power_iters, backend
        )

    def _block_op(self, blk):
        return blk.core() if self.backend is None else blk.core(self.backend)

    @property
    def n(self):
        return 0 if self.state is None else int(self.state.items)

    @property
    def sqnorm(self):
        return 0.0 if self.state is None else float(self.state.sqnorm)

    @property
    def Q(self):
        return self.state.Q

    @property
    def lam(self):
        return self.state.lam

    def _start(self, m, dtype):
        self.m = m
        self.dtype = np.dtype(dtype)
        self.state = self._new_state(self.dtype)

    def _promote(self, dtype):
        dtype = np.promote_types(self.dtype, dtype)
        if dtype != self.dtype:  # float32 -> float64: carry the summary over
            old = self.state
            self.dtype = dtype
            self.state = self._new_state(dtype)
            self.state.load(old.Q.astype(dtype), old.lam, old.blocks, old.items, old.sqnorm)

    def push(self, blk: _Block, name="block"):
        if self.m is None:
            self._start(blk.m, blk.dtype)
        elif blk.m != self.m:
            raise ValueError(
                f"{name} has {blk.m} entries along the non-stacked axis, earlier blocks had {self.m}"
            )
        self._promote(blk.dtype)
        if blk.b == 0:
            return
        blk = blk.astype(self.dtype)
        out = self.state.update(self._block_op(blk), -1, blk.b, blk.sqnorm, self.track)
        if self.track:
            self.rots.append(out[0])
            self.coefs.append(out[1])

    def merge(self, other: _Summary):
        if other.m is None or other.n == 0:
            return
        if self.track and not other.track:  # refuse before any state changes
            raise ValueError("both summaries must track the items' vectors (compute_u=True) to merge them")
        if self.m is None:
            self._start(other.m, other.dtype)
        elif other.m != self.m:
            raise ValueError(f"cannot merge summaries of dimension {self.m} and {other.m}")
        self._promote(other.dtype)
        # the other summary as a block of k columns: Q_o diag(sqrt(lam_o)), folded in exactly
        s2 = np.sqrt(other.lam)
        A = np.asfortranarray(other.Q.astype(self.dtype) * s2.astype(self.dtype))
        blk = _Block(A, axis=1)
        items = other.item_coefficients() if self.track else None
        out = self.state.update(self._block_op(blk), 1, other.n, other.sqnorm, self.track)
        if self.track:
            with np.errstate(divide="ignore", invalid="ignore"):
                scaled = np.where(s2 > 0, 1.0 / s2, 0.0)
            self.rots.append(out[0])
            self.coefs.append((items * scaled) @ out[1])

    def item_coefficients(self):
        """X Q for all items seen, (n x k), from the stored chunks."""
        k = self.state.k if self.state is not None else 0
        T = np.eye(k)
        out = [None] * len(self.coefs)
        for j in range(len(self.coefs) - 1, -1, -1):
            out[j] = self.coefs[j] @ T
            T = self.rots[j] @ T
        if not out:
            return np.zeros((0, k))
        return np.vstack(out)

    def result(self, rank, compute_items):
        """(basis m x rank, s, items n x rank or None), padded where the data has lower rank."""
        lam = self.lam
        k = min(rank, lam.size)
        s = np.zeros(rank, dtype=self.dtype)
        s[:k] = np.sqrt(lam[:k])
        basis = _complete(np.asarray(self.Q[:, :k]), rank)
        items = None
        if compute_items:
            P = self.item_coefficients()[:, :k]
            U = (P / np.sqrt(lam[:k])).astype(self.dtype) if k else P.astype(self.dtype)
            items = _complete(U, rank)
        return basis.astype(self.dtype), s, items


def _complete(Q, r):
    """Q (m x k, orthonormal columns) extended to r orthonormal columns."""
    m, k = Q.shape
    if k >= r:
        return np.ascontiguousarray(Q[:, :r])
    G = np.random.default_rng(0).standard_normal((m, r - k)).astype(Q.dtype)
    for _ in range(2):
        if k:
            G -= Q @ (Q.T @ G)
        G, _ = np.linalg.qr(G)
    return np.ascontiguousarray(np.hstack([Q, G]))


def _check_saved(summary, saved) -> None:
    """Refuse a pickled summary whose values could not come from a fit."""

    def bad(what):
        return ValueError(f"the pickled IncrementalSVD state is invalid: {what}")

    if summary.residual not in _RESIDUAL_CODE:
        raise bad(f"residual {summary.residual!r}")
    for name in ("k_keep", "power_iters"):
        value = getattr(summary, name)
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < (name == "k_keep"):
            raise bad(f"{name} = {value!r}")
    if not (isinstance(summary.tol, float) and 0.0 <= summary.tol <= 1.0):
        raise bad(f"tol = {summary.tol!r}")
    if saved is None:
        return
    if summary.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise bad(f"dtype {summary.dtype!r}")
    Q, lam, blocks, items, sqnorm = saved
    Q, lam = np.asarray(Q), np.asarray(lam, dtype=np.float64)
    if Q.ndim != 2 or lam.ndim != 1 or Q.shape != (summary.m, lam.size) or lam.size > summary.k_keep:
        raise bad(
            f"Q of shape {Q.shape} and lam of shape {lam.shape} for m={summary.m}, k_keep={summary.k_keep}"
        )
    for name, count in (("blocks", blocks), ("items", items)):
        if not isinstance(count, (int, np.integer)) or count < 0:
            raise bad(f"{name} = {count!r}")
    if not (np.isfinite(sqnorm) and sqnorm >= 0.0):
        raise bad(f"squared norm {sqnorm!r}")
    if not (np.all(np.isfinite(lam)) and np.all(lam >= 0.0)):
        raise bad("eigenvalues must be finite and non-negative")
    if lam.sum() > sqnorm * (1.0 + 1e-3) + np.finfo(np.float64).tiny:
        raise bad(f"eigenvalues sum to {lam.sum():.6g}, more than the squared norm {sqnorm:.6g}")
    if not np.all(np.isfinite(Q)):
        raise bad("Q holds NaN or Inf")
    gram = Q.T.astype(np.float64) @ Q.astype(np.float64)
    tol = 1e-3 if Q.dtype == np.float32 else 1e-6
    if lam.size and np.abs(gram - np.eye(lam.size)).max() > tol:
        raise bad("the columns of Q are not orthonormal")
