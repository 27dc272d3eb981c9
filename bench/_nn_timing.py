"""The timing tables of bench/nn_compress.py: GPTQ per layer, the Matrix
Nuclear-Norm against the SVD-based measures, truncated_svd against its
anchors. Run alone with ``python -m bench.nn_compress --tables gptq,mnn,svd``."""

from __future__ import annotations

import numpy as np

import lralg
from bench._harness import report, time_call


def table_gptq(ev, repeat):
    import torch

    from bench._gptq_direct import gptq
    from lralg.nn._calibration import input_grams

    names = [
        "encoder.layer.0.attention.self.query",
        "encoder.layer.0.intermediate.dense",
        "encoder.layer.0.output.dense",
    ]
    layers = [(n, ev.model.get_submodule(n)) for n in names]
    grams = input_grams(ev.model, layers, ev.calibration)
    rows = []
    for name, layer in layers:
        H = grams[name]
        for dtype in (np.float32, np.float64):
            W = layer.weight.detach().numpy().astype(dtype)
            t_lralg, _, q = time_call(lambda: lralg.quantize_gptq(W, H, 4, group_size=128), repeat=repeat)
            Wt, Ht = torch.from_numpy(W.copy()), torch.from_numpy(H.copy())
            t_direct, _, codes = time_call(lambda: gptq(Wt, Ht, 4, group_size=128), repeat=repeat)
            same = float(np.mean(q.codes == codes.numpy()))
            rows.append(
                {
                    "layer": name.split("layer.0.")[1],
                    "shape": "x".join(map(str, W.shape)),
                    "dtype": np.dtype(dtype).name,
                    "lralg_s": t_lralg,
                    "direct_torch_s": t_direct,
                    "speedup": t_direct / t_lralg,
                    "same_codes": same,
                }
            )
            print(rows[-1], flush=True)
    note = (
        "INT4, group 128, block 128, H from 256 calibration lines; direct_torch: GPTQ written in "
        f"PyTorch from the paper's algorithm box (lazy batches), torch on {torch.get_num_threads()} "
        "threads; same_codes: fraction of equal codes; medians of the runs."
    )
    report(
        "nn_compress_gptq",
        rows,
        ["layer", "shape", "dtype", "lralg_s", "direct_torch_s", "speedup", "same_codes"],
        note,
    )


def _normalised(X):
    Z = X - X.mean(axis=0)
    return Z / np.maximum(np.linalg.norm(Z, axis=1, keepdims=True), 1e-30)


def _exact_nuclear(X):
    return float(np.linalg.svd(_normalised(X.astype(np.float64)), compute_uv=False).sum())


def _numpy_entropy(X):
    Z = _normalised(X.astype(np.float64))
    lam = np.clip(np.linalg.eigvalsh(Z.T @ Z), 0, None)
    lam = lam[lam > 0] / lam.sum()
    return float(-(lam * np.log(lam)).sum() / np.log(X.shape[1]))


def _response(m, n, seed=0):
    """Hidden-state-like rows: a few strong directions, a decaying spread, float32."""
    rng = np.random.default_rng(seed)
    k = min(n, 64)
    basis = rng.standard_normal((k, n)) / np.arange(1, k + 1)[:, None]
    return (rng.standard_normal((m, k)) @ basis + 0.05 * rng.standard_normal((m, n))).astype(np.float32)


def table_mnn(repeat, quick):
    sizes = (
        [(1000, 384), (4000, 1024)]
        if quick
        else [(1000, 384), (10000, 384), (100000, 384), (1000, 4096), (10000, 1024), (10000, 4096)]
    )
    rows = []
    for m, n in sizes:
        X = _response(m, n)
        reps = repeat if m * n * min(m, n) < 5e10 else 1
        t_mnn, _, v_mnn = time_call(lambda: lralg.matrix_nuclear_norm(X), repeat=reps)
        t_nuc, _, v_nuc = time_call(lambda: _exact_nuclear(X), repeat=reps, warmup=0 if reps == 1 else 1)
        t_ent, _, v_ent = time_call(lambda: lralg.matrix_entropy(X), repeat=reps)
        t_np, _, v_np = time_call(lambda: _numpy_entropy(X), repeat=reps, warmup=0 if reps == 1 else 1)
        rows.append(
            {
                "rows": m,
                "cols": n,
                "mnn_s": t_mnn,
                "nuclear_svd_s": t_nuc,
                "entropy_s": t_ent,
                "entropy_numpy_s": t_np,
                "vs_svd": t_nuc / t_mnn,
                "vs_entropy": t_ent / t_mnn,
                "vs_entropy_numpy": t_np / t_mnn,
                "mnn/nuclear": v_mnn / v_nuc,
                "entropy_diff": abs(v_ent - v_np),
            }
        )
        print(rows[-1], flush=True)
    note = (
        "float32 response matrices (64 decaying directions plus noise); times in seconds (medians); "
        "vs_*: time of the SVD-based measure over the Matrix Nuclear-Norm's (the paper reports "
        "8-24x against matrix entropy); mnn/nuclear: the approximation over the exact nuclear norm "
        "of the normalised matrix; entropy_diff: lralg.matrix_entropy against numpy's eigvalsh."
    )
    report("nn_compress_mnn", rows, list(rows[0]), note)


def table_mnn_rank(ev):
    """Rank correlation of MNN and matrix entropy over the compressed models scored so far."""
    if ev is not None and len(ev.embeddings) >= 3:
        from scipy.stats import spearmanr

        labels = sorted(ev.embeddings)
        mnn = [lralg.matrix_nuclear_norm(ev.embeddings[k]) for k in labels]
        ent = [lralg.matrix_entropy(ev.embeddings[k]) for k in labels]
        cos = [float(np.mean(np.sum(ev.embeddings[k] * ev.E, axis=1))) for k in labels]
        rho = spearmanr(mnn, ent).statistic
        rows = [
            {
                "models": len(labels),
                "spearman_mnn_entropy": float(rho),
                "spearman_mnn_cosine": float(spearmanr(mnn, cos).statistic),
                "spearman_entropy_cosine": float(spearmanr(ent, cos).statistic),
                "mnn_range": f"{min(mnn):.1f}-{max(mnn):.1f}",
                "entropy_range": f"{min(ent):.4f}-{max(ent):.4f}",
            }
        ]
        note = (
            f"MNN and matrix entropy of the {len(ev.E)} x 384 evaluation embeddings of every compressed "
            "model of the decomposition and quantization tables run with it."
        )
        report("nn_compress_mnn_rank", rows, list(rows[0]), note)


def _test_matrix(m, n, seed=0):
    """A dense m x n matrix with singular values 1/sqrt(i) (slow decay) in random bases."""
    rng = np.random.default_rng(seed)
    k = min(m, n)
    U, _ = np.linalg.qr(rng.standard_normal((m, k)))
    V, _ = np.linalg.qr(rng.standard_normal((n, k)))
    s = 1 / np.sqrt(np.arange(1, k + 1))
    return (U * s) @ V.T, s


def table_svd(repeat, quick):
    from scipy.sparse.linalg import svds
    from sklearn.utils.extmath import randomized_svd

    rank = 50
    shapes = [(1000, 1000), (4000, 400)] if quick else [(4096, 4096), (20000, 2000)]
    rows = []
    for m, n in shapes:
        A, s = _test_matrix(m, n)
        norm2 = float(np.sum(s**2))
        optimal = float(np.sqrt(np.sum(s[rank:] ** 2) / norm2))
        runs = {
            "lralg (default: q=2, p=10)": lambda: lralg.truncated_svd(A, rank, rng=0),
            "lralg (q=1)": lambda: lralg.truncated_svd(A, rank, power_iters=1, rng=0),
            "lralg (q=4)": lambda: lralg.truncated_svd(A, rank, power_iters=4, rng=0),
            "sklearn randomized_svd (default: n_iter=7, p=10)": lambda: randomized_svd(
                A, rank, random_state=0
            ),
            "sklearn randomized_svd (n_iter=2)": lambda: randomized_svd(A, rank, n_iter=2, random_state=0),
            "scipy svds (arpack)": lambda: svds(A, rank, random_state=0),
        }
        times = {}
        for label, fn in runs.items():
            t, _, res = time_call(fn, repeat=repeat)
            u, sv, vt = res
            err = float(np.linalg.norm(A - (u * sv) @ vt) / np.sqrt(norm2))
            times[label] = t
            rows.append({"matrix": f"{m}x{n}", "method": label, "seconds": t, "error/optimal": err / optimal})
            print(rows[-1], flush=True)
        base = times["lralg (default: q=2, p=10)"]
        for row in rows:
            if row["matrix"] == f"{m}x{n}":
                row["time_vs_lralg"] = row["seconds"] / base
    note = (
        f"rank {rank}, dense float64 with singular values 1/sqrt(i) in random bases; error/optimal: "
        "||A - U S V^T||_F over the optimal rank-50 error; medians of the runs; time_vs_lralg: "
        "time over lralg's default."
    )
    report("nn_compress_svd", rows, ["matrix", "method", "seconds", "error/optimal", "time_vs_lralg"], note)
