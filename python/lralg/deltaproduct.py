"""DeltaProduct: linear recurrences whose state transitions are products of
generalized Householder matrices, and their compact WY form.

The chunked scan and its gradients run in the C++ core
(``lralg/deltaproduct.hpp``), one sequence per thread, without the GIL.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from . import _core
from ._result import Result
from ._validate import check_array, check_dtype, check_int

__all__ = [
    "DeltaProductGrad",
    "DeltaProductScan",
    "HouseholderProduct",
    "delta_product_scan",
    "delta_product_scan_backward",
    "householder_product",
]


@dataclasses.dataclass(repr=False, eq=False)
class HouseholderProduct(Result):
    """Compact WY form ``P = I - W Y^T`` of products of generalized Householder matrices.

    Attributes
    ----------
    W, Y : ndarray, shape (..., d, n)
        ``Y`` holds the vectors ``k_i`` as columns, ``W`` the columns that
        make ``P = I - W @ Y^T``.

    Unpacks as ``W, Y``.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> W, Y = lralg.householder_product(np.ones((1, 2, 3)), np.full((1, 2), 0.5))
    >>> W.shape, Y.shape
    ((1, 3, 2), (1, 3, 2))
    """

    W: np.ndarray
    Y: np.ndarray
    _unpack = ("W", "Y")

    def to_dense(self) -> np.ndarray:
        """The products as dense matrices, shape (..., d, d)."""
        d = self.W.shape[-2]
        return np.eye(d, dtype=self.W.dtype) - self.W @ np.swapaxes(self.Y, -1, -2)


@dataclasses.dataclass(repr=False, eq=False)
class DeltaProductScan(Result):
    """Outputs and final state of :func:`delta_product_scan`.

    Attributes
    ----------
    output : ndarray, shape (..., T, d_v)
        ``o_t = S_t^T q_t``, the state read after the last step of token t.
    final_state : ndarray, shape (..., d_k, d_v)
        The state after the last token.

    Unpacks as ``output, final_state``.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> res = lralg.delta_product_scan(np.ones((3, 2)), np.ones((3, 2)), np.ones((3, 1)), np.zeros(3), 1)
    >>> res.output.shape, res.final_state.shape
    ((3, 1), (2, 1))
    """

    output: np.ndarray
    final_state: np.ndarray
    _unpack = ("output", "final_state")


@dataclasses.dataclass(repr=False, eq=False)
class DeltaProductGrad(Result):
    """Gradients returned by :func:`delta_product_scan_backward`, shaped as the inputs.

    Unpacks as ``dq, dk, dv, dbeta, d_initial_state``.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> x = np.ones((3, 2))
    >>> dq, dk, dv, dbeta, ds0 = lralg.delta_product_scan_backward(x, x, x, np.zeros(3), 1, x)
    >>> dbeta.shape, ds0.shape
    ((3,), (2, 2))
    """

    dq: np.ndarray
    dk: np.ndarray
    dv: np.ndarray
    dbeta: np.ndarray
    d_initial_state: np.ndarray
    _unpack = ("dq", "dk", "dv", "dbeta", "d_initial_state")


def _arrays(named: dict) -> dict:
    """Checked arrays (finite, float32/float64), all in the widest dtype among them."""
    dtypes = [check_dtype(np.asarray(x).dtype, name) for name, (x, _) in named.items() if x is not None]
    dtype = np.result_type(*dtypes)
    out = {}
    for name, (x, ndim_min) in named.items():
        if x is None:
            out[name] = None
            continue
        arr = np.asarray(x)
        if arr.ndim < ndim_min:
            raise ValueError(f"{name} must have at least {ndim_min} dimensions, got shape {arr.shape}")
        out[name] = np.ascontiguousarray(check_array(arr, name, ndim=arr.ndim, allow_empty=True, dtype=dtype))
    return out


def _scan_inputs(q, k, v, beta, n_h, chunk_size, initial_state, extra=None):
    n_h = check_int(n_h, "n_h", low=1)
    chunk_size = check_int(chunk_size, "chunk_size", low=1)
    named = {"q": (q, 2), "k": (k, 2), "v": (v, 2), "beta": (beta, 1), "initial_state": (initial_state, 2)}
    named.update(extra or {})
    a = _arrays(named)
    q, k, v, beta = a["q"], a["k"], a["v"], a["beta"]
    lead, (T, dk) = q.shape[:-2], q.shape[-2:]
    dv = v.shape[-1]
    expect = {
        "k": (*lead, T * n_h, dk),
        "v": (*lead, T * n_h, dv),
        "beta": (*lead, T * n_h),
        "initial_state": (*lead, dk, dv),
    }
    for name, shape in expect.items():
        if a[name] is not None and a[name].shape != shape:
            raise ValueError(
                f"{name} must have shape {shape} (q is {q.shape}, n_h={n_h}), got {a[name].shape}"
            )
    if dk == 0 or dv == 0:
        raise ValueError(f"q and v need at least one feature, got d_k={dk}, d_v={dv}")
    if beta.size and (beta.min() < 0 or beta.max() > 2):
        raise ValueError("beta must lie in [0, 2]")
    G = int(np.prod(lead, dtype=np.int64))
    flat = {
        "q": q.reshape(G, T, dk),
        "k": k.reshape(G, T * n_h, dk),
        "v": v.reshape(G, T * n_h, dv),
        "beta": beta.reshape(G, T * n_h),
        "initial_state": None if a["initial_state"] is None else a["initial_state"].reshape(G, dk, dv),
    }
    for name in extra or {}:
        flat[name] = a[name]
    return flat, n_h, chunk_size, lead, (G, T, dk, dv)


def delta_product_scan(q, k, v, beta, n_h, *, chunk_size=64, initial_state=None) -> DeltaProductScan:
    """Run the DeltaProduct recurrence over sequences, chunked.

    Every token t takes ``n_h`` delta-rule steps on the state ``S`` (d_k x d_v),
    ``S <- (I - beta_j k_j k_j^T) S + beta_j k_j v_j^T`` for ``j = 1..n_h``, so
    its state transition is a product of ``n_h`` generalized Householder
    matrices; its output is ``o_t = S^T q_t`` after its last step. ``n_h = 1``
    is DeltaNet.

    Parameters
    ----------
    q : array_like, shape (..., T, d_k)
        Queries; the leading axes (batch, heads) are independent sequences.
    k : array_like, shape (..., T * n_h, d_k)
        Keys, the ``n_h`` keys of token t at rows ``t*n_h .. t*n_h + n_h - 1``.
        Used as given: normalise them for true (reflection-like) Householder
        factors.
    v : array_like, shape (..., T * n_h, d_v)
        Values, laid out as k.
    beta : array_like, shape (..., T * n_h)
        Step sizes in [0, 2]; above 1 the factors have negative eigenvalues.
    n_h : int
        Householder steps per token, at least 1.
    chunk_size : int
        Tokens per chunk (the chunk's ``chunk_size * n_h`` steps are solved
        with dense products).
    initial_state : array_like, shape (..., d_k, d_v), optional
        The state before the first token; None: zero.

    Returns
    -------
    DeltaProductScan
        ``output`` (..., T, d_v) and ``final_state`` (..., d_k, d_v), in the
        dtype of the inputs (float64 if any is float64).

    Raises
    ------
    ValueError
        If the shapes do not match, n_h or chunk_size is below 1, beta leaves
        [0, 2] or an input holds NaN/Inf.
    TypeError
        If an input is not real-valued, or n_h is not an integer.

    Notes
    -----
    Within a chunk the steps are combined in the WY form (a unit lower
    triangular solve and matrix products); across chunks the state is
    carried. ``O(T n_h (C n_h + d_k) (d_k + d_v))`` per sequence for chunks
    of C tokens.

    References
    ----------
    J. Siems et al., "DeltaProduct: Improving State-Tracking in Linear RNNs via
    Householder Products", 2025, arXiv:2502.10297.
    S. Yang et al., "Parallelizing Linear Transformers with the Delta Rule over
    Sequence Length", 2024, arXiv:2406.06484.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> rng = np.random.default_rng(0)
    >>> q = rng.standard_normal((2, 8, 4))
    >>> k = rng.standard_normal((2, 16, 4))
    >>> k /= np.linalg.norm(k, axis=-1, keepdims=True)
    >>> v = rng.standard_normal((2, 16, 3))
    >>> out, state = lralg.delta_product_scan(q, k, v, np.full((2, 16), 0.5), n_h=2)
    >>> out.shape, state.shape
    ((2, 8, 3), (2, 4, 3))
    """
    f, n_h, chunk_size, lead, (_, T, dk, dv) = _scan_inputs(q, k, v, beta, n_h, chunk_size, initial_state)
    out, state = _core.delta_product_scan(
        f["q"], f["k"], f["v"], f["beta"], n_h, chunk_size, f["initial_state"]
    )
    return DeltaProductScan(out.reshape(*lead, T, dv), state.reshape(*lead, dk, dv))


def delta_product_scan_backward(
    q, k, v, beta, n_h, d_output, *, d_final_state=None, chunk_size=64, initial_state=None
) -> DeltaProductGrad:
    """Gradients of :func:`delta_product_scan` (reverse-mode, chunked).

    Parameters
    ----------
    q, k, v, beta, n_h, chunk_size, initial_state
        As for :func:`delta_product_scan`.
    d_output : array_like, shape (..., T, d_v)
        Gradient of a loss with respect to the output.
    d_final_state : array_like, shape (..., d_k, d_v), optional
        Gradient with respect to the final state; None: zero.

    Returns
    -------
    DeltaProductGrad
        ``dq, dk, dv, dbeta, d_initial_state``, shaped as q, k, v, beta and
        the state (``d_initial_state`` is returned also when initial_state is
        None: the gradient at a zero state).

    Raises
    ------
    ValueError
        As :func:`delta_product_scan`, and if d_output or d_final_state has
        the wrong shape.
    TypeError
        If an input is not real-valued.

    Notes
    -----
    The states on entry of every chunk are recomputed by a forward sweep (one
    d_k x d_v matrix per chunk is kept), then the chunks are differentiated in
    reverse with the same dense products as the forward pass.

    References
    ----------
    J. Siems et al., arXiv:2502.10297.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> rng = np.random.default_rng(0)
    >>> q, k, v = rng.standard_normal((3, 1, 5, 2))
    >>> beta = np.full((1, 5), 0.3)
    >>> g = lralg.delta_product_scan_backward(q, k, v, beta, 1, np.ones((1, 5, 2)))
    >>> g.dk.shape, g.dbeta.shape, g.d_initial_state.shape
    ((1, 5, 2), (1, 5), (1, 2, 2))
    """
    extra = {"d_output": (d_output, 2), "d_final_state": (d_final_state, 2)}
    f, n_h, chunk_size, lead, (G, T, dk, dv) = _scan_inputs(
        q, k, v, beta, n_h, chunk_size, initial_state, extra
    )
    d_out, d_fin = f["d_output"], f["d_final_state"]
    if d_out.shape != (*lead, T, dv):
        raise ValueError(f"d_output must have shape {(*lead, T, dv)}, got {d_out.shape}")
    if d_fin is not None and d_fin.shape != (*lead, dk, dv):
        raise ValueError(f"d_final_state must have shape {(*lead, dk, dv)}, got {d_fin.shape}")
    dq, dk_, dv_, db, ds0 = _core.delta_product_scan_backward(
        f["q"],
        f["k"],
        f["v"],
        f["beta"],
        n_h,
        chunk_size,
        f["initial_state"],
        d_out.reshape(G, T, dv),
        None if d_fin is None else d_fin.reshape(G, dk, dv),
    )
    return DeltaProductGrad(
        dq.reshape(*lead, T, dk),
        dk_.reshape(*lead, T * n_h, dk),
        dv_.reshape(*lead, T * n_h, dv),
        db.reshape(*lead, T * n_h),
        ds0.reshape(*lead, dk, dv),
    )


def householder_product(K, beta) -> HouseholderProduct:
    """Compact WY form of products of generalized Householder matrices.

    ``P = (I - beta_1 k_1 k_1^T) (I - beta_2 k_2 k_2^T) ... (I - beta_n k_n k_n^T)
    = I - W Y^T`` for every product of a batch, without forming P.

    Parameters
    ----------
    K : array_like, shape (..., n, d)
        The vectors ``k_i`` as rows, in the order of the product.
    beta : array_like, shape (..., n)
        The coefficients (any finite reals; in [0, 2] with unit ``k_i`` every
        factor has eigenvalues in [-1, 1]).

    Returns
    -------
    HouseholderProduct
        ``W`` and ``Y`` (..., d, n), ``Y`` the ``k_i`` as columns; its
        ``to_dense()`` gives P.

    Raises
    ------
    ValueError
        If the shapes do not match or an input holds NaN/Inf.
    TypeError
        If an input is not real-valued.

    Notes
    -----
    ``W = Y diag(beta) A^{-T}`` with A the unit lower triangular
    ``I + strict_lower(diag(beta) K K^T)``, found by one triangular solve:
    ``O(n^2 d)`` per product.

    References
    ----------
    R. Schreiber and C. Van Loan, "A storage-efficient WY representation for
    products of Householder transformations", SIAM J. Sci. Stat. Comput., 1989.
    J. Siems et al., arXiv:2502.10297.

    Examples
    --------
    >>> import numpy as np, lralg
    >>> K = np.array([[1.0, 0.0], [0.6, 0.8]])
    >>> P = lralg.householder_product(K, [2.0, 2.0]).to_dense()
    >>> bool(np.allclose(P @ P.T, np.eye(2)))
    True
    """
    a = _arrays({"K": (K, 2), "beta": (beta, 1)})
    K, beta = a["K"], a["beta"]
    lead, (n, d) = K.shape[:-2], K.shape[-2:]
    if beta.shape != (*lead, n):
        raise ValueError(f"beta must have shape {(*lead, n)} (K is {K.shape}), got {beta.shape}")
    G = int(np.prod(lead, dtype=np.int64))
    W = _core.householder_product(K.reshape(G, n, d), beta.reshape(G, n)).reshape(*lead, n, d)
    return HouseholderProduct(np.swapaxes(W, -1, -2), np.swapaxes(K, -1, -2).copy())
