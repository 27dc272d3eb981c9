"""The starting factors of :func:`lralg.complete`: the clipped SVD of the
observed matrix (Jain, Netrapalli and Sanghavi 2013) or a random orthonormal U,
then settled by a few sweeps along a decreasing regularization."""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

__all__ = ["init_random", "init_svd", "random_factors", "settle", "settle_schedule", "svd_factors"]

# The settling sweeps (see settle_schedule): _SETTLE_SWEEPS sweeps at each of
# _SETTLE_POINTS values of reg, from _SETTLE_START units down by _SETTLE_STEP
# per point; points at or below the fit's own reg are skipped.
_SETTLE_START = 0.3
_SETTLE_STEP = 0.3
_SETTLE_POINTS = 5
_SETTLE_SWEEPS = 2


def _randomized_svd(A, k, rng, dtype, oversample=10, power=4):
    """Top-k singular triplets of A (sparse, or an operator with ``@`` and ``.T``) by a
    randomized range finder with power iterations (Halko, Martinsson and Tropp 2011),
    in O(nnz(A) (k + oversample)) per pass."""
    n = A.shape[1]
    Q = np.linalg.qr(A @ rng.standard_normal((n, min(n, k + oversample))).astype(dtype))[0]
    for _ in range(power):
        Q = np.linalg.qr(A @ np.linalg.qr(A.T @ Q)[0])[0]
    u, s, vt = np.linalg.svd((A.T @ Q).T, full_matrices=False)
    return (Q @ u)[:, :k], s[:k], vt[:k]


def init_svd(csr, mu, k, rng, dtype):
    """Top-k singular vectors of the rescaled observed matrix, rows clipped (JNS13)."""
    A = (
        csr
        if mu == 0.0
        else sp.csr_array((csr.data - dtype.type(mu), csr.indices, csr.indptr), shape=csr.shape)
    )
    return svd_factors(A, csr.nnz, k, rng, dtype)


def svd_factors(A, nnz, k, rng, dtype):
    """init_svd from the centred observations A (sparse, or a LinearOperator) and
    their count: lralg.dask passes an operator on the cluster."""
    m, n = A.shape
    p = nnz / (m * n)
    # a start needs the top subspace roughly, not converged singular vectors
    u, s, vt = _randomized_svd(A, k, rng, dtype)
    # the signs follow the rounding of the products (lralg.dask's differ from one
    # machine's): each pair's sign is fixed by the largest entry of u, as sklearn's svd_flip does
    signs = np.sign(u[np.argmax(np.abs(u), axis=0), np.arange(u.shape[1])])
    signs[signs == 0] = 1.0
    u, vt = u * signs, vt * signs[:, None]
    s = s / p
    # Clipping (Jain, Netrapalli, Sanghavi 2013): rows far above the incoherent
    # row norm sqrt(k / m) are zeroed, then the basis is re-orthonormalized.
    norms = np.linalg.norm(u, axis=1)
    limit = 2.0 * math.sqrt(max(math.log(m), 1.0)) * math.sqrt(k / m)
    u = np.where((norms > limit)[:, None], 0.0, u)
    q, r = np.linalg.qr(u)
    q *= np.where(np.diag(r) < 0, -1.0, 1.0)  # the signs of u, which V shares, not QR's own
    scale = np.sqrt(np.maximum(s, 0.0))
    U = np.ascontiguousarray(q * scale, dtype=dtype)
    V = np.ascontiguousarray(vt.T * scale, dtype=dtype)
    return U, V


def init_random(csr, mu, k, rng, dtype):
    centered = csr.data - mu
    mean_square = float(np.mean(centered**2)) if centered.size else None
    return random_factors(csr.shape, mean_square, k, rng, dtype)


def random_factors(shape, mean_square, k, rng, dtype):
    """init_random from the mean square of the centred observations (None: none)."""
    m, n = shape
    q, _ = np.linalg.qr(rng.standard_normal((m, k)))
    level = math.sqrt(mean_square * m * n) if mean_square is not None else 1.0
    U = np.ascontiguousarray(q * math.sqrt(level / k), dtype=dtype)
    return U, np.zeros((n, k), dtype=dtype)


def settle_schedule(reg: float, nnz: int, shape, rms: float) -> list:
    """The reg of each settling sweep: a short decreasing path above the fit's ``reg``.

    The unit, ``rms nnz / sqrt(m n)``, is about p sigma_1 for an m x n matrix
    of RMS ``rms`` observed at the rate p: a row's normal matrix has
    eigenvalues near p sigma_l, so the first point damps every direction and
    the last leaves the top ones free. Unregularized exact solves from a
    poor start overfit the start's errors on rows and columns with few
    observations, and alternating minimization then follows a valley in
    which those factor rows grow without bound while the training error
    creeps down (the infimum of the masked fit lies at infinity there); the
    path keeps the factors bounded until they fit.
    """
    m, n = shape
    unit = rms * nnz / math.sqrt(m * n)
    points = [_SETTLE_START * unit * _SETTLE_STEP**i for i in range(_SETTLE_POINTS)]
    return [r for r in points if r > reg for _ in range(_SETTLE_SWEEPS)]


def settle(state, schedule, method_id: int, seed: int) -> None:
    """Runs one sweep of ``state`` (a SweepState, updated in place) at each reg of ``schedule``."""
    from ._completion_sweeps import EXACT_SOLVES, solver_settings  # that module imports this one

    # exact solves whatever the method: robust-altmin's preconditioner follows each block's
    # share of observations once reg > 0, and the two homes must settle alike
    for sweep, reg in enumerate(schedule, start=1):
        state.sweep(solver_settings(EXACT_SOLVES, reg, state.mu, seed), sweep)
    if schedule and not state.finite():
        raise FloatingPointError("complete: the factors diverged while settling the start; try reg > 0")
