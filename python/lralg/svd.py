"""Truncated SVD by a randomized block Krylov range finder, with its exact error.

The products with the matrix and the small factorisations run in the C++ core
(``lralg/svd.hpp``) on the incremental SVD's operators: dense input goes to
BLAS, sparse input to the core's parallel CSR kernel and is never densified.
"""

from __future__ import annotations

import math

from . import _core
from ._blas import one_blas_thread
from ._device import check_device, cuda_backend, fields_to_device, refuse_on_cpu, to_host
from ._validate import check_int, check_matrix, check_rank, seed_from_rng
from .isvd import SVDResult
from .isvd._blocks import _Block

__all__ = ["truncated_svd"]


@one_blas_thread
def truncated_svd(A, rank, *, oversampling=10, power_iters=2, rng=None, device="cpu") -> SVDResult:
    """The ``rank`` largest singular triplets of a dense or sparse matrix.

    A randomized range finder (Halko, Martinsson and Tropp 2011) in its block
    Krylov form (Musco and Musco 2015): ``rank + oversampling`` Gaussian test
    vectors, ``power_iters`` products with ``A A^T``, every iterate kept in the
    basis, then the exact SVD of ``A`` projected on that basis.

    Parameters
    ----------
    A : array_like or scipy.sparse matrix, shape (m, n)
        float32 and float64 are kept; integer and bool input becomes float64.
    rank : int
        Number of singular triplets, ``1 <= rank <= min(m, n)``.
    oversampling : int, default 10
        Extra test vectors; more gives a better basis for a little more work.
    power_iters : int, default 2
        Depth q of the Krylov space; each costs two more products with A.
        Raise it for slowly decaying spectra.
    rng : None, int or numpy.random.Generator
        Seed of the Gaussian test matrix (SPEC 7).
    device : {"cpu", "cuda"}, default "cpu"
        "cuda": the products with A (dense or CSR, copied there once) and
        the large products with the basis run on the GPU; the QRs and the
        small SVD stay on the host. A CuPy A is copied to the host once and
        ``u, s, vt`` are returned as CuPy arrays.

    Returns
    -------
    SVDResult
        ``u`` (m x rank), ``s`` (descending), ``vt`` (rank x n), in the
        dtype of ``A``; unpacks as ``u, s, vt``. ``error_estimate`` is the
        relative error ``||A - u diag(s) vt||_F / ||A||_F``, computed exactly
        from ``||A||_F^2 - sum(s**2)`` (accurate down to about the square
        root of the machine epsilon).

    Raises
    ------
    ValueError
        If ``rank`` is not in ``[1, min(m, n)]``, A is empty or holds NaN/Inf.
    TypeError
        If A is not a real matrix, or is a CuPy array with ``device="cpu"``.
    RuntimeError
        ``device="cuda"`` where lralg was built without CUDA or no GPU is
        visible.

    Notes
    -----
    The cost is ``(2 q + 2) (rank + oversampling)`` products of A with a
    vector, plus ``O((m + n) ((q + 1) (rank + oversampling))^2)`` dense
    work. Where the Krylov space would cover the short side of A, the exact
    SVD of the densified matrix is returned.

    References
    ----------
    N. Halko, P.-G. Martinsson, J. A. Tropp, "Finding structure with
    randomness", SIAM Review 2011, arXiv:0909.4061.
    C. Musco, C. Musco, "Randomized block Krylov methods for stronger and
    faster approximate singular value decomposition", NeurIPS 2015,
    arXiv:1504.05477.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((200, 5)) @ rng.standard_normal((5, 100))
    >>> u, s, vt = lralg.truncated_svd(A, 5, rng=0)
    >>> bool(np.allclose((u * s) @ vt, A))
    True
    >>> round(lralg.truncated_svd(A, 3, rng=0).error_estimate, 3)
    0.521
    """
    device = check_device(device)
    on_gpu = refuse_on_cpu(A, "A", "truncated_svd", device)
    if on_gpu:
        A = to_host(A)  # the core's host steps read A; its products run on the GPU from one copy
    A = check_matrix(A, "A", allow_nan=True)  # _Block refuses NaN/Inf
    m, n = A.shape
    rank = check_rank(rank, upper=min(m, n))
    oversampling = check_int(oversampling, "oversampling", low=0)
    power_iters = check_int(power_iters, "power_iters", low=0, high=1000)
    block = _Block(A, 1, "A")  # validates the values (NaN/Inf) before the device is asked for
    backend = cuda_backend("truncated_svd") if device == "cuda" else _core
    seed = seed_from_rng(rng)
    u, s, vt, error_sq = backend.truncated_svd(block.core(backend), rank, oversampling, power_iters, seed)
    total = block.sqnorm
    error = math.sqrt(error_sq / total) if total > 0 else 0.0
    result = SVDResult(u, s.astype(A.dtype, copy=False), vt, error_estimate=error)
    return fields_to_device(result, "u", "s", "vt") if on_gpu else result
