"""The timing tables of bench/nn_compress.py: GPTQ per layer, the Matrix
Nuclear-Norm against the SVD-based measures, truncated_svd against its
anchors. Run alone with ``python -m bench.nn_compress --tables gptq,mnn,svd``."""

from __future__ import annotations

import numpy as np

import lralg
from bench._harness import report, time_call, time_call_cpu


def table_gptq(ev, repeat, conditions=""):
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
    torch_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    rows = []
    try:
        with lralg.threads(1):
            for name, layer in layers:
                H = grams[name]
                for bits in (4, 3):
                    for dtype in (np.float32, np.float64):
                        rows.append(_gptq_row(name, layer, H, bits, dtype, gptq, repeat))
                        print(rows[-1], flush=True)
            _report_gptq(rows, conditions)
    finally:
        torch.set_num_threads(torch_threads)


def _report_gptq(rows, conditions):
    note = (
        "Group 128, block 128, H from the calibration lines; direct_torch: GPTQ written in PyTorch "
        "from the paper's algorithm box (lazy batches); both on one thread (lralg.threads(1), "
        "torch.set_num_threads(1)); *_cpu_s: CPU time (time.process_time), *_wall_s: wall time, "
        "medians of the runs; speedup: direct's CPU time over lralg's; same_codes: fraction of "
        "equal codes. " + conditions
    )
    report(
        "nn_compress_gptq",
        rows,
        [
            "layer",
            "shape",
            "bits",
            "dtype",
            "lralg_cpu_s",
            "direct_cpu_s",
            "speedup",
            "lralg_wall_s",
            "direct_wall_s",
            "same_codes",
        ],
        note,
    )


def _gptq_row(name, layer, H, bits, dtype, gptq, repeat):
    import torch

    W = layer.weight.detach().numpy().astype(dtype)
    t_lralg, c_lralg, q = time_call_cpu(
        lambda: lralg.quantize_gptq(W, H, bits, group_size=128), repeat=repeat
    )
    Wt, Ht = torch.from_numpy(W.copy()), torch.from_numpy(H.copy())
    t_direct, c_direct, codes = time_call_cpu(lambda: gptq(Wt, Ht, bits, group_size=128), repeat=repeat)
    return {
        "layer": name.split("layer.0.")[1],
        "shape": "x".join(map(str, W.shape)),
        "bits": bits,
        "dtype": np.dtype(dtype).name,
        "lralg_cpu_s": c_lralg,
        "direct_cpu_s": c_direct,
        "speedup": c_direct / c_lralg,
        "lralg_wall_s": t_lralg,
        "direct_wall_s": t_direct,
        "same_codes": float(np.mean(q.codes == codes.numpy())),
    }


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


SVD_TARGETS = (1.01, 1.003, 1.001, 1.0001)


SVD_OVERSAMPLING = (10, 20, 40)


def _svd_runs(A, rank):
    """(method, setting, call): each method swept over its accuracy knobs."""
    from scipy.sparse.linalg import svds
    from sklearn.utils.extmath import randomized_svd

    for q in (1, 2, 3, 4):
        for p in SVD_OVERSAMPLING:
            yield (
                "lralg truncated_svd",
                f"power_iters={q}, oversampling={p}",
                lambda q=q, p=p: lralg.truncated_svd(A, rank, power_iters=q, oversampling=p, rng=0),
            )
    for it in (1, 2, 3, 4, 5, 7):
        for p in SVD_OVERSAMPLING:
            yield (
                "sklearn randomized_svd",
                f"n_iter={it}, n_oversamples={p}",
                lambda it=it, p=p: randomized_svd(A, rank, n_iter=it, n_oversamples=p, random_state=0),
            )
    for tol in (1e-2, 1e-4, 0):
        yield "scipy svds (arpack)", f"tol={tol:g}", lambda tol=tol: svds(A, rank, tol=tol, random_state=0)


def table_svd(repeat, quick, conditions=""):
    from threadpoolctl import threadpool_limits

    rank = 50
    shapes = [(1000, 1000), (4000, 400)] if quick else [(4096, 4096), (20000, 2000)]
    rows = []
    for m, n in shapes:
        A, s = _test_matrix(m, n)
        norm2 = float(np.sum(s**2))
        optimal = float(np.sqrt(np.sum(s[rank:] ** 2) / norm2))
        runs = list(_svd_runs(A, rank))
        times = {i: [] for i in range(len(runs))}
        results = {}
        for _ in range(repeat):  # rounds over every setting: a change of load hits all alike
            for i, (_, _, fn) in enumerate(runs):
                with threadpool_limits(1), lralg.threads(1):
                    wall, cpu, results[i] = time_call_cpu(fn, repeat=1, warmup=0)
                times[i].append((wall, cpu))
        for i, (method, setting, _) in enumerate(runs):
            u, sv, vt = results[i]
            err = float(np.linalg.norm(A - (u * sv) @ vt) / np.sqrt(norm2))
            rows.append(
                {
                    "matrix": f"{m}x{n}",
                    "method": method,
                    "setting": setting,
                    "cpu_s": float(np.median([c for _, c in times[i]])),
                    "wall_s": float(np.median([w for w, _ in times[i]])),
                    "error/optimal": err / optimal,
                }
            )
            print(rows[-1], flush=True)
    with lralg.threads(1):
        note = (
            f"rank {rank}, dense float64 with singular values 1/sqrt(i) in random bases, every method "
            "swept over its accuracy settings (power iterations and oversampling for both randomized "
            "methods, the tolerance for ARPACK); "
            "error/optimal: ||A - U S V^T||_F over the optimal rank-50 error; one thread everywhere "
            "(threadpoolctl, lralg.threads(1)); cpu_s: CPU time (time.process_time), wall_s: wall "
            "time, medians of the runs. " + conditions
        )
        report(
            "nn_compress_svd", rows, ["matrix", "method", "setting", "cpu_s", "wall_s", "error/optimal"], note
        )
        _report_svd_matched(rows, shapes)


def _report_svd_matched(rows, shapes):
    """Each method's fastest setting (CPU time) that reaches each target error/optimal."""
    matched = []
    for m, n in shapes:
        for target in SVD_TARGETS:
            best = {}
            for row in rows:
                if row["matrix"] != f"{m}x{n}" or row["error/optimal"] > target:
                    continue
                if row["method"] not in best or row["cpu_s"] < best[row["method"]]["cpu_s"]:
                    best[row["method"]] = row
            base = best.get("lralg truncated_svd")
            for method, row in best.items():
                matched.append(
                    {
                        "matrix": f"{m}x{n}",
                        "target": f"<= {target}",
                        "method": method,
                        "setting": row["setting"],
                        "cpu_s": row["cpu_s"],
                        "error/optimal": row["error/optimal"],
                        "cpu_vs_lralg": row["cpu_s"] / base["cpu_s"] if base else float("nan"),
                    }
                )
    note = (
        "From the sweep above: for each target error/optimal, the setting of each method that "
        "reaches it in the least CPU time; cpu_vs_lralg: that time over lralg's."
    )
    report(
        "nn_compress_svd_matched",
        matched,
        ["matrix", "target", "method", "setting", "cpu_s", "error/optimal", "cpu_vs_lralg"],
        note,
    )
