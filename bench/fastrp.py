"""FastRP: lralg.fastrp against the same algorithm written with scipy.sparse + scikit-learn.

    python -m bench.fastrp [--quick] [--repeat N] [--huge] [--skip-accuracy]

1. BlogCatalog node classification with the paper's settings (dim 512, weights
   [1, 1, 7.81, 45.28], beta -0.628, transition matrix, row normalisation):
   one-vs-rest logistic regression (C = 0.1, liblinear), top-k label
   prediction, 10% labelled, 10 random splits; Micro/Macro-F1 (mean, std) for
   lralg, the scipy version and RandNE (Zhang et al., ICDM 2018, written here).
2. Speed and peak memory: BlogCatalog at dim 128 and at the paper's dim 512,
   synthetic stochastic block model graphs of 1e5 and 1e6 nodes (average
   degree 10) at dim 128; 1e7 with --huge (or alone with --huge-only).
   lralg against a lean scipy anchor at every size (fastrp_scipy_lean: the
   same algorithm and products, in place, about 2.5 panels, so it fits at
   1e7), and the authors'-way version on the small graphs. Peak memory is
   set against the memory budget: the CSR plus two n x dim float32
   panels.

The scipy version ("the authors' way", after the authors' published code):
M = D^-1 A as CSR, R from sklearn's SparseRandomProjection fitted on M with
its components scaled by deg^beta, U_1 = M R (made dense), U_i = M U_{i-1},
each U_i l2-normalised by rows (sklearn.preprocessing.normalize), the weighted
sum accumulated in place, then sklearn.preprocessing.scale. It runs in
float32 like lralg (the stronger baseline: float64 is slower).
"""

from __future__ import annotations

import gc
import os
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.io
import scipy.sparse as sp

import lralg

from ._harness import parser, peak_rss_increase, report, time_call, warm_memory

PAPER_WEIGHTS = (1.0, 1.0, 7.81, 45.28)
PAPER_BETA = -0.628
PAPER_F1 = {"micro": 0.371, "macro": 0.232}


def data_path(name: str) -> Path:
    root = os.environ.get("LRALG_DATA")
    base = Path(root) if root else Path(__file__).resolve().parents[1].parent / "shared" / "data"
    return base / name


def load_blogcatalog():
    mat = scipy.io.loadmat(data_path("blogcatalog.mat"))
    A = sp.csr_array(mat["network"], dtype=np.float32)
    Y = sp.csr_array(mat["group"]).toarray().astype(bool)
    return A, Y


# --- the anchors ----------------------------------------------------------------------------


def fastrp_scipy(A, dim, weights, beta=0.0, seed=42, R=None):
    """FastRP with scipy.sparse and scikit-learn (transition matrix, row normalisation).

    R (n x dim, sparse) may be given, e.g. lralg.random_projection_matrix(...), to
    compare with lralg exactly; otherwise sklearn's SparseRandomProjection makes it.
    """
    from sklearn.preprocessing import normalize, scale

    A = sp.csr_array(A, dtype=np.float32)
    n = A.shape[0]
    deg = np.asarray(A.sum(axis=1)).ravel()
    with np.errstate(divide="ignore"):
        inv = np.where(deg != 0, 1.0 / deg, 0.0).astype(np.float32)
        dbeta = np.where(deg > 0, deg**beta, 0.0) if beta != 0 else np.ones(n)
    M = sp.csr_array(sp.diags_array(inv) @ A)
    if R is None:
        from sklearn.random_projection import SparseRandomProjection

        proj = SparseRandomProjection(n_components=dim, random_state=seed).fit(M)
        R = proj.components_.T
    R = sp.csr_array(sp.diags_array(dbeta.astype(np.float32)) @ R, dtype=np.float32)
    U = (M @ R).toarray()
    E = np.zeros((n, dim), dtype=np.float32)
    for i, w in enumerate(weights):
        if i:
            U = M @ U
        E += np.float32(w) * normalize(U)
    with warnings.catch_warnings():
        # sklearn's float32 self-check after centring can warn on large sums; benign here
        warnings.simplefilter("ignore", UserWarning)
        return scale(E)


def fastrp_scipy_lean(A, dim, weights, beta=0.0, seed=42, R=None, block=32, chunk=1 << 16):
    """The same algorithm as fastrp_scipy, with the same scipy.sparse products and
    sklearn's R, written to fit at 1e7 nodes: no copy of the CSR (M @ U is A @ U
    with its rows scaled in place by 1/deg), each power normalised and accumulated
    into E by chunks of rows, the next power computed in place by column blocks
    (U[:, b] = M @ U[:, b]: a block of the next power needs only the same block of
    this one), and the columns standardised in place (statistics in float64).
    Memory: E, U and two n x block strips (scipy's copy of the block and its
    product), about 2.5 panels at block = dim / 4 (the authors' way: about 4.5).
    block=None makes whole products (3 panels)."""
    from sklearn.random_projection import SparseRandomProjection

    A = sp.csr_array(A, dtype=np.float32) if A.dtype != np.float32 or A.format != "csr" else A
    n = A.shape[0]
    deg = np.asarray(A.sum(axis=1)).ravel()
    with np.errstate(divide="ignore"):
        inv = np.where(deg != 0, 1.0 / deg, 0.0).astype(np.float32)[:, None]
        dbeta = np.where(deg > 0, deg**beta, 0.0) if beta != 0 else np.ones(n)
    if R is None:
        proj = SparseRandomProjection(n_components=dim, random_state=seed).fit(
            sp.csr_array((1, n), dtype=np.float32)
        )  # R depends on the shape and the seed only
        R = proj.components_.T
    R = sp.csr_array(sp.diags_array(dbeta.astype(np.float32)) @ R, dtype=np.float32)
    U = (A @ R).toarray()
    U *= inv
    E = np.zeros((n, dim), dtype=np.float32)
    for i, w in enumerate(weights):
        if i:
            if block is None:
                U = A @ U
                U *= inv
            else:
                for c in range(0, dim, block):
                    V = A @ U[:, c : c + block]
                    V *= inv
                    U[:, c : c + block] = V
                    del V
        for r in range(0, n, chunk):
            u = U[r : r + chunk]
            norm = np.sqrt(np.einsum("ij,ij->i", u, u))
            f = np.where(norm > 0, np.float32(w) / np.where(norm > 0, norm, 1), 0).astype(np.float32)
            E[r : r + chunk] += f[:, None] * u
    del U
    mean = np.zeros(dim)
    for r in range(0, n, chunk):
        mean += E[r : r + chunk].sum(axis=0, dtype=np.float64)
    mean /= n
    var = np.zeros(dim)
    for r in range(0, n, chunk):
        d = E[r : r + chunk] - mean
        var += np.einsum("ij,ij->j", d, d)
    std = np.sqrt(var / n)
    std[std < 10 * np.finfo(np.float32).eps] = 1.0  # a constant column is only centred
    for r in range(0, n, chunk):
        e = E[r : r + chunk]
        e -= mean.astype(np.float32)
        e /= std.astype(np.float32)
    return E


def randne(A, dim, weights=(0.0, 1.0, 10.0, 100.0), seed=0):
    """RandNE (Zhang, Cui, Pei, Wang and Zhu, ICDM 2018): an orthogonal Gaussian
    projection U_0 smoothed by powers of the transition matrix, sum_i a_i U_i
    (i = 0 .. q), then standardised columns (as karateclub's version). The
    default weights are the best of a small grid tried on BlogCatalog (2 splits,
    dim 128): (0, 1, 1), (0, 1, 1, 1), (1, 1, 1, 1), (0, 1, 1, 7.81, 45.28),
    (1, 1e2, 1e4) and (0, 1, 10, 100)."""
    A = sp.csr_array(A, dtype=np.float64)
    n = A.shape[0]
    deg = np.asarray(A.sum(axis=1)).ravel()
    with np.errstate(divide="ignore"):
        M = sp.csr_array(sp.diags_array(np.where(deg != 0, 1.0 / deg, 0.0)) @ A)
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((n, dim)) / np.sqrt(dim))
    E = weights[0] * U
    for w in weights[1:]:
        U = M @ U
        E += w * U
    return (E - E.mean(0)) / E.std(0)


# --- evaluation -----------------------------------------------------------------------------


def node_classification(E, Y, *, train_ratio=0.1, splits=10, C=0.1):
    """Micro/Macro-F1 of one-vs-rest logistic regression with top-k prediction
    (k = the node's true number of labels), averaged over random splits."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.multiclass import OneVsRestClassifier

    n = Y.shape[0]
    n_train = int(round(train_ratio * n))
    micro, macro = [], []
    for split in range(splits):
        order = np.random.default_rng(split).permutation(n)
        train, test = order[:n_train], order[n_train:]
        clf = OneVsRestClassifier(LogisticRegression(C=C, solver="liblinear"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # labels absent from a small training set
            clf.fit(E[train], Y[train])
            prob = clf.predict_proba(E[test])
        k = Y[test].sum(axis=1)
        ranked = np.argsort(-prob, axis=1, kind="stable")
        pred = np.zeros_like(Y[test])
        for row, kk in enumerate(k):
            pred[row, ranked[row, :kk]] = True
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # labels never predicted nor present
            micro.append(f1_score(Y[test], pred, average="micro"))
            macro.append(f1_score(Y[test], pred, average="macro"))
    return (np.mean(micro), np.std(micro)), (np.mean(macro), np.std(macro))


# --- memory ---------------------------------------------------------------------------------


def mem_available():
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


# --- synthetic graphs -----------------------------------------------------------------------


def sbm_graph(n, avg_degree=10, block=1000, p_in=0.8, seed=0):
    """An undirected stochastic-block-model-like graph: n * avg_degree / 2 edges,
    each inside the first end's block of `block` nodes with probability p_in,
    else to a uniform node; unit weights, duplicates summed, float32 CSR."""
    rng = np.random.default_rng(seed)
    m = n * avg_degree // 2
    index = np.int32 if 2 * m < 2**31 else np.int64
    i = rng.integers(0, n, m, dtype=index)
    j = rng.integers(0, n, m, dtype=index)
    inside = rng.random(m) < p_in
    j[inside] = (i[inside] // block) * block + (j[inside] % block)
    j[inside] = np.minimum(j[inside], n - 1)
    rows = np.concatenate([i, j])
    cols = np.concatenate([j, i])
    del i, j, inside
    A = sp.coo_array((np.ones(rows.size, dtype=np.float32), (rows, cols)), shape=(n, n))
    del rows, cols
    return sp.csr_array(A.tocsr())


def cached_sbm_graph(n):
    """sbm_graph(n), kept in bench/.cache for n >= 1e6 (1e7 takes minutes to generate)."""
    if n < 10**6:
        return sbm_graph(n)
    path = Path(__file__).resolve().parent / ".cache" / f"sbm_{n}.npz"
    if path.exists():
        with np.load(path) as f:
            return sp.csr_array((f["data"], f["indices"], f["indptr"]), shape=(n, n))
    A = sbm_graph(n)
    path.parent.mkdir(exist_ok=True)
    np.savez(path, data=A.data, indices=A.indices, indptr=A.indptr)
    return A


def csr_bytes(A):
    return A.data.nbytes + A.indices.nbytes + A.indptr.nbytes


# --- the benchmark --------------------------------------------------------------------------


def accuracy_table(A, Y, dim, splits):
    rows = []
    n = A.shape[0]
    cases = [
        ("lralg.fastrp", lambda: lralg.fastrp(A, dim, weights=PAPER_WEIGHTS, beta=PAPER_BETA, rng=42)),
        ("scipy + sklearn (authors' way)", lambda: fastrp_scipy(A, dim, PAPER_WEIGHTS, PAPER_BETA, seed=42)),
        ("RandNE (q=3, a=[0, 1, 10, 100])", lambda: randne(A, dim, seed=0)),
    ]
    times = {}
    for name, fn in cases:
        t, _, E = time_call(fn, repeat=3, warmup=1)
        times[name] = t
        (mi, mi_sd), (ma, ma_sd) = node_classification(E, Y, splits=splits)
        rows.append(
            {
                "method": name,
                "dim": dim,
                "Micro-F1": f"{mi:.3f} ± {mi_sd:.3f}",
                "Macro-F1": f"{ma:.3f} ± {ma_sd:.3f}",
                "embed s": t,
            }
        )
    rows.append(
        {
            "method": "paper (Chen et al. 2019)",
            "dim": 512,
            "Micro-F1": f"{PAPER_F1['micro']:.3f}",
            "Macro-F1": f"{PAPER_F1['macro']:.3f}",
            "embed s": "",
        }
    )
    note = (
        f"BlogCatalog ({n} nodes, {A.nnz} arcs, 39 labels): one-vs-rest logistic regression "
        f"(C = 0.1, liblinear), top-k prediction, 10% labelled, {splits} splits (seeds 0..{splits - 1}); "
        f"FastRP with weights {list(PAPER_WEIGHTS)}, beta {PAPER_BETA}, transition matrix, row "
        "normalisation. lralg and the scipy version draw different random matrices (lralg's "
        "counter-based R vs sklearn's), so they agree within split/projection noise, not digit by digit."
    )
    return rows, note


def speed_row(label, A, dim, repeat, weights, beta, authors=True):
    n = A.shape[0]
    panel = n * dim * 4
    warm = 3 * panel  # more than either side's peak (see warm_memory)
    row = {"graph": label, "nodes": n, "arcs": A.nnz, "dim": dim}

    def peak_and_time(fn):
        """Peak memory of one warmed run, and the median time of `repeat` more
        (that first run is their warm-up); at 1e7 the one run gives both.
        Below 1e7 an untimed call comes first, so that the peak is the call's
        own and not the process's one-time costs (thread stacks and arenas,
        lazy imports), which a first call in a process also pays."""
        if n < 10**7:
            fn()
        warm_memory(warm)
        start = time.perf_counter()
        mem, E = peak_rss_increase(fn)
        t = time.perf_counter() - start
        del E
        if n < 10**7:
            t, _, _ = time_call(fn, repeat=max(1, repeat), warmup=0, warm_bytes=warm)
        return mem, t

    lr = lambda: lralg.fastrp(A, dim, weights=weights, beta=beta, rng=1)  # noqa: E731
    mem, t_l = peak_and_time(lr)
    row["lralg peak MB"] = mem / 2**20
    row["lralg s"] = t_l
    row["CSR MB"] = csr_bytes(A) / 2**20
    row["panel MB"] = panel / 2**20
    # the budget: CSR + 2 panels in all; the CSR is resident before the call,
    # so the peak above that level is set against the two panels
    row["lralg peak / 2 panels"] = mem / (2 * panel)
    # float32 against float64 (lralg's float64 path matches a float64 scipy
    # oracle to ~1e-12 in the tests)
    if n <= 10**6:  # float64 needs twice the memory
        E64 = lralg.fastrp(A, dim, weights=weights, beta=beta, rng=1, dtype=np.float64)
        row["lralg f32 vs f64"] = float(np.abs(E64 - lr()).max())
        del E64
    # the anchor: the scipy version written lean (fits at 1e7), at every size
    sc = lambda: fastrp_scipy_lean(A, dim, weights, beta, seed=1)  # noqa: E731
    mem_s, t_s = peak_and_time(sc)
    row["scipy peak MB"] = mem_s / 2**20
    row["scipy s"] = t_s
    row["speedup"] = t_s / t_l
    if authors and n <= 10**5:
        t_a, _, _ = time_call(
            lambda: fastrp_scipy(A, dim, weights, beta, seed=1), repeat=repeat, warmup=0, warm_bytes=2 * warm
        )
        row["authors' way s"] = t_a
    if n <= 10**6:
        # the same R on both sides: the two implementations agree to float32 rounding
        R = lralg.random_projection_matrix(n, dim, rng=1)
        ref = fastrp_scipy_lean(A, dim, weights, beta, R=R)
        row["max |diff| same R"] = float(np.abs(ref - lr()).max())
        del ref
    gc.collect()
    return row


def huge_row(dim):
    """1e7 nodes, once, if the memory is there: lralg needs the CSR, the result and
    one work panel; the lean scipy anchor about 2.5 panels (it runs once: memory
    and time from the same run)."""
    n = 10**7
    need = 3.0 * n * dim * 4 + 12 * n * 10 * 2  # the warmed memory (3 panels) and the CSR
    have = mem_available()
    if have < 1.05 * need:
        print(f"1e7 skipped: {have / 2**30:.1f} GB available, ~{need / 2**30:.1f} GB needed")
        return None
    G = cached_sbm_graph(n)
    gc.collect()
    return speed_row("SBM 1e7", G, dim, 1, PAPER_WEIGHTS, PAPER_BETA, authors=False)


SPEED_COLUMNS = [
    "graph",
    "nodes",
    "arcs",
    "dim",
    "lralg s",
    "scipy s",
    "speedup",
    "authors' way s",
    "lralg peak MB",
    "scipy peak MB",
    "CSR MB",
    "panel MB",
    "lralg peak / 2 panels",
    "max |diff| same R",
    "lralg f32 vs f64",
]
SPEED_NOTE = (
    f"weights {list(PAPER_WEIGHTS)}, beta {PAPER_BETA}, float32, lralg on all cores (scipy.sparse "
    "products are single-threaded); medians of the timed runs (--repeat of them, 5 at 1e6). scipy s: "
    "the scipy anchor at every "
    "size, the same algorithm with the same scipy.sparse products and sklearn's R written lean (no "
    "copy of the CSR, powers normalised and accumulated in place by row chunks, each next power "
    "made in place by blocks of 32 columns, columns standardised in place: about 2.5 panels, so "
    "it fits at 1e7 nodes; the tests check that it computes what the authors'-way version does); "
    "authors' way s: that version as the authors wrote it (sklearn normalize and scale, a new "
    "panel per power, about 4.5 panels), small graphs only. Peak MB: resident memory above the "
    "level before the call (VmHWM), the result included; panel MB: one n x dim float32 panel; "
    "the budget (CSR + 2 panels) holds when lralg peak / 2 panels <= 1 (the CSR is resident "
    "before the call). max |diff| same R: lralg against the scipy anchor given lralg's R, both "
    "float32; lralg f32 vs f64: lralg's float32 result against its float64 one. SBM: blocks of "
    "1000 nodes, 80% of edges inside, average degree 10. Before each timed call the process writes "
    "and frees 3 panels of memory (bench._harness.warm_memory): on the virtual machine these runs "
    "were made on, freed memory goes back to the host after a few seconds, and the first write to "
    "it then costs 2-4 s per GB, which falls on whichever side runs first."
)
SPEED_1E7_NOTE = (
    "SBM, 1e7 nodes, average degree 10, dim 128: lralg and the scipy anchor (see the table above) "
    "each run once, memory and time from the same run, each right after the process wrote and "
    "freed 3 panels (15 GB) of memory. Without that, on the virtual machine these runs were made "
    "on, the first write to memory the host has taken back costs 2-4 s per GB (numpy alone: 15-20 s "
    "to fill a fresh 4.8 GiB array, 0.7 s to fill a new one right after freeing the first), and it "
    "fell on lralg, which ran first."
)


def main(argv=None):
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--huge", action="store_true", help="also 1e7 nodes (needs ~20 GB)")
    p.add_argument("--skip-accuracy", action="store_true", help="speed table only")
    p.add_argument("--huge-only", action="store_true", help="only the 1e7-node run (lralg alone)")
    args = p.parse_args(argv)
    start = time.perf_counter()
    if args.huge_only:
        row = huge_row(128)
        if row:
            report("fastrp_speed_1e7", [row], SPEED_COLUMNS, note=SPEED_1E7_NOTE)
        print(f"\nbenchmark wall time: {time.perf_counter() - start:.1f} s")
        return
    A, Y = load_blogcatalog()

    repeat = 1 if args.quick else args.repeat
    dim = 128
    rows = [speed_row("BlogCatalog", A, dim, repeat, PAPER_WEIGHTS, PAPER_BETA)]
    if not args.quick:
        rows.append(speed_row("BlogCatalog", A, 512, repeat, PAPER_WEIGHTS, PAPER_BETA))
    sizes = [10**4] if args.quick else [10**5, 10**6]
    for n in sizes:
        G = cached_sbm_graph(n)
        rows.append(
            speed_row(
                f"SBM 1e{len(str(n)) - 1}",
                G,
                dim,
                max(1, repeat if n <= 10**5 else 5),
                PAPER_WEIGHTS,
                PAPER_BETA,
            )
        )
        del G
        gc.collect()
    if args.huge:
        row = huge_row(dim)
        if row:
            rows.append(row)
    report("fastrp_speed", rows, SPEED_COLUMNS, note=SPEED_NOTE)
    # after the speed table: measured in a process that had run the
    # classifiers first, BlogCatalog's peak came out at 1.24-1.30 of the two
    # panels instead of 1.02, for older builds alike (the state the
    # classifiers leave in the heap, not the call's own memory)
    if not args.skip_accuracy:
        splits = 2 if args.quick else 10
        dim = 128 if args.quick else 512
        rows, note = accuracy_table(A, Y, dim, splits)
        report("fastrp_blogcatalog", rows, note=note)

    print(f"\nbenchmark wall time: {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
