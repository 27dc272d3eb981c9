"""What the lralg.dask functions share: the client, the checks on dask arrays, the tree reduction."""

from __future__ import annotations

import math

import numpy as np

__all__ = []


def resolve_client(client):
    """The Client to run on: ``client``, or the current one; refused when closed."""
    from distributed import Client, default_client

    if client is None:
        try:
            client = default_client()
        except ValueError:
            raise ValueError(
                "no dask.distributed Client is running: start one (distributed.Client()) or pass client="
            ) from None
    if not isinstance(client, Client):
        raise TypeError(f"client must be a distributed.Client or None, got {type(client).__name__}")
    if client.status != "running":
        raise ValueError(f"client is not running (status {client.status!r}); start a new Client")
    return client


def check_row_chunked(X, name: str, *, known_rows: bool = False):
    """X as a 2-D dask array chunked by rows only; its dtype checked as the core's policy says.

    Returns the array with integer and bool dtypes converted to float64 (lazily).
    """
    import dask.array as da

    if not isinstance(X, da.Array):
        raise TypeError(f"{name} must be a dask.array.Array, got {type(X).__name__}")
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got {X.ndim}-D")
    kind = X.dtype.kind
    if kind not in "fiub":
        raise TypeError(f"{name} must hold real numbers, got dtype {X.dtype}")
    if kind == "f" and X.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name} must be float32 or float64, got dtype {X.dtype}")
    widths = X.chunks[1]
    if any(math.isnan(w) for w in widths):
        raise ValueError(f"{name} has chunks of unknown width (NaN); call {name}.compute_chunk_sizes()")
    if len(widths) != 1:
        raise ValueError(
            f"{name} must be chunked by rows only (each chunk spans all {X.shape[1]} columns), "
            f"got {len(widths)} chunks of widths {widths} along axis 1; use {name}.rechunk({{1: -1}})"
        )
    if widths[0] == 0:
        raise ValueError(f"{name} has no columns")
    if known_rows and any(math.isnan(h) for h in X.chunks[0]):
        raise ValueError(f"{name} has chunks of unknown height (NaN); call {name}.compute_chunk_sizes()")
    if kind != "f":
        X = X.astype(np.float64)
    return X


def chunk_seed(seed: int, index: int) -> int:
    """A 64-bit seed of its own for chunk ``index``, derived from the call's seed."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1, np.uint64)[0])


def tree_reduce(parts, combine):
    """Pairwise tree of ``combine`` over delayed ``parts``, left before right at every level."""
    import dask

    combine = dask.delayed(combine, pure=True)
    while len(parts) > 1:
        nxt = [combine(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
        if len(parts) % 2:
            nxt.append(parts[-1])
        parts = nxt
    return parts[0]


def row_chunks(X):
    """The chunks of a row-chunked dask array, as delayed objects in row order."""
    return list(X.to_delayed().ravel())
