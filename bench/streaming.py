"""Benchmark of lralg.top_eigenvector (streaming top eigenvector of A^T A).

    python -m bench.streaming [--quick] [--repeat N]

1. Accuracy against the gap R = sigma_1^2 / sigma_2^2 with a few very heavy
   rows: <v, v_1>^2 over seeds for "random-order", "oja" (default learning
   rate 2 ln(d) / lambda_1 with lambda_1 estimated from the first rows, and
   the best of a grid c ln(d) / lambda_1 around it, which needs the exact
   lambda_1: an oracle tuning that favours Oja) and
   scikit-learn's IncrementalPCA(n_components=1). IncrementalPCA always
   centres its input; each batch is fed as [X_b; -X_b], whose mean is zero,
   so that it estimates the uncentred top eigenvector of A^T A.
2. Memory (state bytes) against n and d, and throughput in rows per second
   on n x d float32 rows generated chunk by chunk (never held whole), against
   IncrementalPCA (plain partial_fit on the same chunks, timed on the first
   chunks only: its per-row cost is constant) and against the non-streaming
   answer: A^T A accumulated by numpy (BLAS) chunk by chunk, then
   scipy.sparse.linalg.eigsh(k=1); and rows per second on CSR rows (the
   sparse path of the core) against the same rows dense.
3. Real rows: load_digits and a TF-IDF matrix (docstrings of numpy and scipy
   as documents), dense and as scipy.sparse CSR, in random order:
   correlation with the exact v_1.
"""

from __future__ import annotations

import inspect
import math
import time

import numpy as np

import lralg
from bench._harness import parser, report
from lralg.streaming import _exact_top_eigenvector


def gapped(n, d, R, *, heavy, seed, heavy_scale=30.0):
    """A = W diag(sigma) V^T in random row order with sigma_1^2 / sigma_2^2 = R exactly.

    W has orthonormal columns taken from a Gaussian matrix whose first `heavy`
    rows are scaled by heavy_scale: those rows of W (and of A) have a large
    norm (high leverage) in random directions, while A^T A keeps its spectrum.
    """
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((n, d))
    G[:heavy] *= heavy_scale
    W, _ = np.linalg.qr(G)
    V, _ = np.linalg.qr(rng.standard_normal((d, d)))
    sigma2 = np.concatenate([[R], np.linspace(1.0, 0.1, d - 1)]) * n
    A = (W * np.sqrt(sigma2)) @ V.T
    return A[rng.permutation(n)]


def corr(v, w):
    return float(np.dot(v, w) ** 2 / (np.dot(v, v) * np.dot(w, w)))


def ipca_vector(A, batch):
    from sklearn.decomposition import IncrementalPCA

    ipca = IncrementalPCA(n_components=1)
    for lo in range(0, A.shape[0], batch):
        X = A[lo : lo + batch]
        ipca.partial_fit(np.vstack([X, -X]))  # zero mean: uncentred A^T A
    return ipca.components_[0]


def oja_grid(A, v1, lam, seed):
    d = A.shape[1]
    best = []
    for c in (0.5, 1.0, 2.0, 4.0, 8.0):
        eta = c * math.log(max(d, 2)) / lam
        best.append(corr(lralg.top_eigenvector(A, method="oja", learning_rate=eta, rng=seed).vector, v1))
    return best


def accuracy(args):
    n, d, seeds = (3000, 40, 3) if args.quick else (20000, 200, 10)
    heavy = 5
    rows = []
    for R in (2.0, 5.0, 10.0, 100.0):
        res = {"random-order": [], "oja": [], "oja (oracle eta)": [], "IncrementalPCA": []}
        grids = []
        heavy_counts = []
        for seed in range(seeds):
            A = gapped(n, d, R, heavy=heavy, seed=seed)
            v1, lam = _exact_top_eigenvector(A)
            ro = lralg.top_eigenvector(A, rng=seed)
            heavy_counts.append(ro.n_heavy)
            res["random-order"].append(corr(ro.vector, v1))
            res["oja"].append(corr(lralg.top_eigenvector(A, method="oja", rng=seed).vector, v1))
            grids.append(oja_grid(A, v1, lam, seed))
            res["IncrementalPCA"].append(corr(ipca_vector(A, max(5 * d, 1000)), v1))
        grids = np.array(grids)
        best = int(np.argmax(grids.mean(axis=0)))  # one eta for all seeds: the best mean
        res["oja (oracle eta)"] = list(grids[:, best])
        for name, vals in res.items():
            rows.append(
                {
                    "R (nominal)": R,
                    "method": name,
                    "mean <v,v1>^2": float(np.mean(vals)),
                    "worst <v,v1>^2": float(np.min(vals)),
                    "1-1/sqrt(R)": 1 - 1 / math.sqrt(R),
                    "heavy rows kept": float(np.mean(heavy_counts)) if name == "random-order" else "",
                }
            )
    report(
        "streaming_accuracy",
        rows,
        note=f"{n} x {d} rows in random order, sigma_1^2 / sigma_2^2 = R exactly, sigma_j^2 for j >= 2 "
        f"linear from 1 to 0.1 (times n); {heavy} heavy rows (high-leverage rows of the left factor, "
        f"each about 100x the mean row norm^2); {seeds} seeds. oja: default eta = 2 ln(d) / lambda_1, "
        "lambda_1 estimated from the rows buffered until at least max(1024, 4d) have arrived (here the "
        "first block of 4096 rows, the whole matrix when n <= 4096). "
        "oracle eta: best of c*ln(d)/lambda_1 (exact lambda_1), c in {0.5,1,2,4,8}, chosen on the mean over seeds.",
    )


def chunks(n, d, chunk, seed, R=10.0):
    """Rows of an n x d float32 matrix with a planted top direction, chunk by chunk."""
    rng = np.random.default_rng(seed)
    u = rng.standard_normal(d).astype(np.float32)
    u /= np.linalg.norm(u)
    boost = np.float32(math.sqrt(R * d / 2.0))  # sigma_1^2 / sigma_2^2 about R
    for lo in range(0, n, chunk):
        m = min(chunk, n - lo)
        X = rng.standard_normal((m, d), dtype=np.float32)
        X += np.outer(rng.standard_normal(m).astype(np.float32) * (boost / np.float32(math.sqrt(d))), u)
        yield X


def memory(args):
    ns = (10_000, 100_000) if args.quick else (10_000, 100_000, 1_000_000)
    ds = (50, 200) if args.quick else (100, 1000)
    rows = []
    for d in ds:
        for n in ns:
            if n * d > 2e8 and args.quick:
                continue
            est = {
                m: lralg.StreamingTopEigenvector(d, method=m, n_rows=n, rng=0, learning_rate=1e-6)
                for m in ("random-order", "oja")
            }
            offset = 0
            for X in chunks(n, d, 50_000, seed=1):
                # 4 heavy rows per stream, at global positions n/8, 3n/8, 5n/8, 7n/8, 100x the norm
                for pos in range(n // 8, n, n // 4):
                    if offset <= pos < offset + X.shape[0]:
                        X[pos - offset] *= 100.0
                offset += X.shape[0]
                for e in est.values():
                    e.update(X)
            for m, e in est.items():
                rows.append(
                    {
                        "d": d,
                        "n": n,
                        "method": m,
                        "state bytes": e.memory_bytes_,
                        "heavy rows": e.n_heavy_,
                        "bytes / d": e.memory_bytes_ / d,
                    }
                )
            rows.append(
                {
                    "d": d,
                    "n": n,
                    "method": "exact (A^T A)",
                    "state bytes": 8 * d * d,
                    "heavy rows": "",
                    "bytes / d": 8 * d,
                }
            )
    report(
        "streaming_memory",
        rows,
        note="State kept across rows (z, running product, heavy rows; "
        "4 rows of 100x norm planted per stream); flat in n once n >> d log2 d (below that, rows of about the "
        "mean norm pass the heavy threshold, as at d = 1000, n = 10000). The heavy-row store is a std::vector "
        "(capacity counted).",
    )


def throughput(args):
    from scipy.sparse.linalg import eigsh
    from sklearn.decomposition import IncrementalPCA

    n, d, chunk = (40_000, 200, 10_000) if args.quick else (1_000_000, 1000, 50_000)
    ipca_rows = chunk if args.quick else 100_000
    ro = lralg.StreamingTopEigenvector(d, n_rows=n, rng=0)
    oja = lralg.StreamingTopEigenvector(d, method="oja", n_rows=n, rng=0)
    ipca = IncrementalPCA(n_components=1, batch_size=5 * d)
    gram = np.zeros((d, d))
    t = {"random-order": [], "oja": [], "A^T A (numpy)": [], "IncrementalPCA": []}
    seen_ipca = 0
    for X in chunks(n, d, chunk, seed=2):
        for name, fn in (
            ("random-order", lambda: ro.update(X)),
            ("oja", lambda: oja.update(X)),
            ("A^T A (numpy)", lambda: gram.__iadd__(X.T @ X)),
        ):
            start = time.perf_counter()
            fn()
            t[name].append((time.perf_counter() - start, X.shape[0]))
        if seen_ipca < ipca_rows:
            start = time.perf_counter()
            for lo in range(0, X.shape[0], 5 * d):
                ipca.partial_fit(X[lo : lo + 5 * d])
            t["IncrementalPCA"].append((time.perf_counter() - start, X.shape[0]))
            seen_ipca += X.shape[0]
    start = time.perf_counter()
    w, V = eigsh(gram, k=1, which="LA")
    eig_time = time.perf_counter() - start
    v1 = V[:, 0]
    rate = {name: sum(m for _, m in v) / sum(s for s, _ in v) for name, v in t.items()}
    median_rate = {name: float(np.median([m / s for s, m in v])) for name, v in t.items()}
    total_eigsh = sum(s for s, _ in t["A^T A (numpy)"]) + eig_time
    rows = []
    for name, vec in (
        ("random-order", ro.vector_),
        ("oja", oja.vector_),
        ("IncrementalPCA", ipca.components_[0]),
        ("A^T A (numpy)", v1),
    ):
        label = "A^T A + eigsh" if name == "A^T A (numpy)" else name
        r = n / total_eigsh if name == "A^T A (numpy)" else rate[name]
        rows.append(
            {
                "method": label,
                "rows/s (total)": r,
                "rows/s (median chunk)": median_rate[name] if name != "A^T A (numpy)" else "",
                "x IncrementalPCA": r / rate["IncrementalPCA"],
                "rows timed": sum(m for _, m in t[name]),
                "<v, v1(eigsh)>^2": corr(vec, v1),
            }
        )
    report(
        "streaming_throughput",
        rows,
        note=f"{n} x {d} float32, generated in chunks of {chunk} rows; lralg threads "
        f"{lralg.get_num_threads()}, BLAS threads {_blas_threads()}; IncrementalPCA (centred, batch {5 * d}) timed on its first "
        f"{ipca_rows} rows; eigsh time includes accumulating A^T A.",
    )


def sparse_throughput(args):
    """Rows per second on CSR rows (never densified): random-order and Oja, against the same
    rows dense (random-order) where they fit in memory."""
    import scipy.sparse as sp

    n, d, nnz_row, chunk = (40_000, 2000, 20, 10_000) if args.quick else (1_000_000, 10_000, 20, 50_000)
    rng = np.random.default_rng(3)
    ro = lralg.StreamingTopEigenvector(d, n_rows=n, rng=0)
    oja = lralg.StreamingTopEigenvector(d, method="oja", n_rows=n, rng=0)
    ro_dense = lralg.StreamingTopEigenvector(d, n_rows=n, rng=0)
    t = {"random-order (CSR)": 0.0, "oja (CSR)": 0.0, "random-order (same rows dense)": 0.0}
    dense_rows = 0
    for lo in range(0, n, chunk):
        m = min(chunk, n - lo)
        cols = rng.integers(0, d, size=(m, nnz_row))
        vals = rng.standard_normal((m, nnz_row)).astype(np.float32)
        X = sp.csr_array((vals.ravel(), cols.ravel(), np.arange(0, m * nnz_row + 1, nnz_row)), shape=(m, d))
        X.sum_duplicates()
        for name, est in (("random-order (CSR)", ro), ("oja (CSR)", oja)):
            start = time.perf_counter()
            est.update(X)
            t[name] += time.perf_counter() - start
        if dense_rows < 20_000:  # the dense copy is m x d: time the first 20000 rows only
            Xd = X[: min(m, 5000)].toarray()
            start = time.perf_counter()
            ro_dense.update(Xd)
            t["random-order (same rows dense)"] += time.perf_counter() - start
            dense_rows += Xd.shape[0]
    rows = []
    for name, secs in t.items():
        timed = dense_rows if "dense" in name else n
        rows.append(
            {"method": name, "rows timed": timed, "rows/s": timed / secs, "nnz/s": timed * nnz_row / secs}
        )
    report(
        "streaming_sparse",
        rows,
        note=f"{n} x {d} CSR float32, {nnz_row} non-zeros per row at random columns, chunks of {chunk} "
        f"rows (generation not timed); lralg threads {lralg.get_num_threads()}. The dense rows are the "
        "same rows densified (the first 20000, 5000 per chunk).",
    )


def _blas_threads():
    from threadpoolctl import threadpool_info

    return ",".join(str(i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas")


_DOC_MODULES = (
    "numpy",
    "numpy.linalg",
    "numpy.random",
    "numpy.fft",
    "numpy.ma",
    "scipy.linalg",
    "scipy.sparse",
    "scipy.sparse.linalg",
    "scipy.sparse.csgraph",
    "scipy.stats",
    "scipy.optimize",
    "scipy.signal",
    "scipy.special",
    "scipy.interpolate",
    "scipy.integrate",
    "scipy.ndimage",
    "scipy.spatial",
    "scipy.io",
    "scipy.cluster.vq",
    "scipy.fft",
)


def tfidf_rows():
    """Dense TF-IDF (1000 terms, English stop words removed) of the distinct docstrings
    (> 200 characters) of the public functions, classes and methods of numpy and scipy."""
    import importlib

    from sklearn.feature_extraction.text import TfidfVectorizer

    docs, seen = [], set()
    for module_name in _DOC_MODULES:
        module = importlib.import_module(module_name)
        for name in sorted(dir(module)):
            obj = getattr(module, name, None)
            if name.startswith("_") or inspect.ismodule(obj):
                continue
            members = [obj]
            if inspect.isclass(obj):
                members += [getattr(obj, m, None) for m in sorted(vars(obj)) if not m.startswith("_")]
            for member in members:
                doc = inspect.getdoc(member)
                if doc and len(doc) > 200 and doc not in seen:
                    seen.add(doc)
                    docs.append(doc)
    return TfidfVectorizer(max_features=1000, stop_words="english").fit_transform(docs).tocsr()


def real_rows(args):
    from sklearn.datasets import load_digits

    seeds = 2 if args.quick else 10
    rows = []
    tfidf = tfidf_rows()
    for name, X in (
        ("load_digits", load_digits().data),
        ("TF-IDF (docstrings), dense", tfidf.toarray()),
        ("TF-IDF (docstrings), sparse CSR", tfidf),
    ):
        dense = X.toarray() if hasattr(X, "toarray") else X
        v1, lam = _exact_top_eigenvector(dense)
        sv = np.linalg.svd(dense, compute_uv=False)
        gap = float((sv[0] / sv[1]) ** 2)
        res = {"random-order": [], "random-order, n unknown": [], "oja": []}
        kept = []
        if name != "TF-IDF (docstrings), sparse CSR":
            res["IncrementalPCA"] = []
        for seed in range(seeds):
            P = X[np.random.default_rng(seed).permutation(X.shape[0])]
            ro = lralg.top_eigenvector(P, rng=seed)
            kept.append(ro.n_heavy)
            res["random-order"].append(corr(ro.vector, v1))
            blocks = (P[i : i + 256] for i in range(0, P.shape[0], 256))  # a stream of unknown length
            res["random-order, n unknown"].append(corr(lralg.top_eigenvector(blocks, rng=seed).vector, v1))
            res["oja"].append(corr(lralg.top_eigenvector(P, method="oja", rng=seed).vector, v1))
            if "IncrementalPCA" in res:
                res["IncrementalPCA"].append(corr(ipca_vector(P, max(5 * X.shape[1], 500)), v1))
        for m, vals in res.items():
            rows.append(
                {
                    "data": f"{name} {X.shape[0]}x{X.shape[1]}",
                    "R": gap,
                    "method": m,
                    "mean <v,v1>^2": float(np.mean(vals)),
                    "worst <v,v1>^2": float(np.min(vals)),
                    "heavy rows kept": float(np.mean(kept)) if m == "random-order" else "",
                    "target": 0.99 if m.startswith("random-order") else "",
                }
            )
    report(
        "streaming_real",
        rows,
        note=f"rows in random order, {seeds} orders; exact v1 by eigh of A^T A; "
        "the sparse rows go through the core's CSR path (never densified). Heavy rows: ||a||^2 >= "
        "||A||_F^2 / (d log2 d); the TF-IDF rows have unit norm and n < d log2 d, so every row is heavy "
        "and random-order keeps them all (the paper's O(h d) memory with h = n), which makes its "
        "answer exact. 'n unknown': the same rows as an iterable of 256-row blocks without n_rows.",
    )


def main(argv=None):
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--only", choices=["accuracy", "memory", "throughput", "sparse", "real"], default=None)
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads for lralg and for BLAS alike (default: each library's own default)",
    )
    args = p.parse_args(argv)
    import scipy.sparse.linalg  # noqa: F401  (load every BLAS before limiting threads)
    import sklearn.decomposition  # noqa: F401
    from threadpoolctl import threadpool_limits

    start = time.perf_counter()
    with threadpool_limits(args.threads), lralg.threads(args.threads or lralg.get_num_threads()):
        for name, fn in (
            ("accuracy", accuracy),
            ("memory", memory),
            ("throughput", throughput),
            ("sparse", sparse_throughput),
            ("real", real_rows),
        ):
            if args.only in (None, name):
                fn(args)
    print(f"\n(total {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
