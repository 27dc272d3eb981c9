"""Command line: ``python -m lralg {info,demo,...} --help``."""

from __future__ import annotations

import argparse
import importlib
import sys
import time

# Capabilities shown by `demo`: each module here has a _demo() returning
# {"problem": ..., "result": ...}. A new capability adds its module name.
DEMO_MODULES = ("projection", "streaming", "graph")


def _cmd_info(args) -> int:
    from . import show_config

    show_config()
    return 0


def _cmd_demo(args) -> int:
    rows = []
    for name in DEMO_MODULES:
        module = importlib.import_module(f"lralg.{name}")
        start = time.perf_counter()
        row = module._demo()
        rows.append((name, row["problem"], row["result"], f"{time.perf_counter() - start:.3f}"))
    header = ("capability", "problem", "result", "seconds")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))
    return 0


def _read_graph(path: str, n_nodes):
    """An edge list (text: 'i j' or 'i j weight' per line, '#' comments, comma or
    whitespace separated) or a scipy.sparse .npz adjacency."""
    import numpy as np

    if path.endswith(".npz"):
        import scipy.sparse as sp

        return sp.load_npz(path), None
    with open(path) as fh:
        text = fh.read().replace(",", " ")
    import io

    edges = np.loadtxt(io.StringIO(text), comments="#", ndmin=2)
    if edges.size == 0:
        raise SystemExit(f"{path}: no edges")
    if n_nodes is None:
        n_nodes = int(edges[:, :2].max()) + 1
    return edges, n_nodes


def _cmd_fastrp(args) -> int:
    import numpy as np

    from .graph import fastrp

    graph, n_nodes = _read_graph(args.edges, args.n_nodes)
    weights = [float(w) for w in args.weights.split(",") if w.strip()]
    start = time.perf_counter()
    emb = fastrp(
        graph, args.dim, weights=weights, beta=args.beta, transition=not args.adjacency,
        normalize=not args.no_normalize, self_influence=args.self_influence,
        dtype=np.dtype(args.dtype), rng=args.seed, n_nodes=n_nodes, directed=args.directed,
    )
    elapsed = time.perf_counter() - start
    np.save(args.out, emb)
    print(f"embedded {emb.shape[0]} nodes into {emb.shape[1]} dimensions in {elapsed:.3f} s -> {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lralg", description="lralg command line")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    info = commands.add_parser("info", help="print how lralg was built and how it runs")
    info.set_defaults(run=_cmd_info)
    demo = commands.add_parser("demo", help="run every capability on a small built-in example")
    demo.set_defaults(run=_cmd_demo)
    frp = commands.add_parser(
        "fastrp", help="FastRP node embeddings of an edge list (or .npz adjacency) into a .npy file"
    )
    frp.add_argument("edges", help="edge list 'i j [weight]' per line, or a scipy.sparse .npz")
    frp.add_argument("--dim", type=int, default=128, help="embedding dimension (128)")
    frp.add_argument("--out", required=True, help="output .npy file (n_nodes x dim)")
    frp.add_argument("--weights", default="0,1,1,1", help="comma-separated weights of M^1..M^q")
    frp.add_argument("--beta", type=float, default=0.0, help="degree weighting exponent (0)")
    frp.add_argument("--self-influence", type=float, default=0.0, dest="self_influence")
    frp.add_argument("--adjacency", action="store_true", help="use A instead of D^-1 A")
    frp.add_argument("--no-normalize", action="store_true", dest="no_normalize",
                     help="do not row-normalise each power")
    frp.add_argument("--directed", action="store_true", help="edges are i -> j only")
    frp.add_argument("--n-nodes", type=int, default=None, dest="n_nodes",
                     help="number of nodes (default: largest id + 1)")
    frp.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    frp.add_argument("--seed", type=int, default=None, help="random seed")
    frp.set_defaults(run=_cmd_fastrp)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
