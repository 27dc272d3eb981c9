"""``python -m lralg fastrp``: FastRP embeddings of an edge list (or .npz adjacency) into a .npy file."""

from __future__ import annotations

import io
import time
import zipfile

import numpy as np
import scipy.sparse as sp

from lralg.graph import fastrp

from ._command import Command, output_path, read_text

__all__ = ["COMMAND"]


def _configure(parser) -> None:
    parser.add_argument("edges", help="edge list 'i j [weight]' per line, or a scipy.sparse .npz")
    parser.add_argument("--dim", type=int, default=128, help="embedding dimension (128)")
    parser.add_argument("--out", required=True, help="output .npy file (n_nodes x dim)")
    parser.add_argument("--weights", default="0,1,1,1", help="comma-separated weights of M^1..M^q")
    parser.add_argument("--beta", type=float, default=0.0, help="degree weighting exponent (0)")
    parser.add_argument("--self-influence", type=float, default=0.0, dest="self_influence")
    parser.add_argument("--adjacency", action="store_true", help="use A instead of D^-1 A")
    parser.add_argument(
        "--no-normalize", action="store_true", dest="no_normalize", help="do not row-normalise each power"
    )
    parser.add_argument("--directed", action="store_true", help="edges are i -> j only")
    parser.add_argument(
        "--n-nodes", type=int, default=None, dest="n_nodes", help="number of nodes (default: largest id + 1)"
    )
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--seed", type=int, default=None, help="random seed")


def _read_graph(path: str, n_nodes):
    """An edge list (text: 'i j' or 'i j weight' per line, '#' comments, comma or
    whitespace separated) or a scipy.sparse .npz adjacency."""
    if path.endswith(".npz"):
        try:
            return sp.load_npz(path), None
        except (ValueError, OSError, KeyError, zipfile.BadZipFile) as exc:
            raise ValueError(f"{path}: not a scipy.sparse .npz file ({type(exc).__name__})") from None
    text = read_text(path).replace(",", " ")
    try:
        edges = np.loadtxt(io.StringIO(text), comments="#", ndmin=2)
    except ValueError as exc:  # numpy names the line
        raise ValueError(f"{path}: {exc}") from None
    if edges.size == 0:
        raise ValueError(f"{path}: no edges")
    if not np.isfinite(edges).all():
        line = int(np.flatnonzero(~np.isfinite(edges).all(axis=1))[0]) + 1
        raise ValueError(f"{path}: edge number {line} holds NaN or Inf")
    if n_nodes is None:
        n_nodes = int(edges[:, :2].max()) + 1
    return edges, n_nodes


def _run(args) -> int:
    out = output_path(args.out, ".npy")
    graph, n_nodes = _read_graph(args.edges, args.n_nodes)
    try:
        weights = [float(w) for w in args.weights.split(",") if w.strip()]
    except ValueError:
        raise ValueError(f"--weights {args.weights!r}: expected comma-separated numbers") from None
    start = time.perf_counter()
    try:
        emb = fastrp(
            graph,
            args.dim,
            weights=weights,
            beta=args.beta,
            transition=not args.adjacency,
            normalize=not args.no_normalize,
            self_influence=args.self_influence,
            dtype=np.dtype(args.dtype),
            rng=args.seed,
            n_nodes=n_nodes,
            directed=args.directed,
        )
    except ValueError as exc:  # the file's contents (weights, ids) are at fault: name it
        raise ValueError(f"{args.edges}: {exc}") from None
    elapsed = time.perf_counter() - start
    np.save(out, emb)
    print(f"embedded {emb.shape[0]} nodes into {emb.shape[1]} dimensions in {elapsed:.3f} s -> {out}")
    return 0


COMMAND = Command(
    "fastrp", "FastRP node embeddings of an edge list (or .npz adjacency) into a .npy file", _configure, _run
)
