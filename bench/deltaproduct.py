"""Benchmark of lralg's DeltaProduct scan.

Run from the repository root: ``python -m bench.deltaproduct [--tables speed,s3,s5]
[--quick] [--repeat N] [--steps N]``. Needs torch.

Tables:

1. ``speed``: forward and forward+backward of ``lralg.nn.delta_product`` (the chunked
   core through a ``torch.autograd.Function``) against the naive per-token PyTorch
   loop (autograd through it), sequence 1024, d_head 64, n_h 2, on the same
   inputs; medians and ratios.
2. ``s3`` / ``s5``: the word problem of the permutation group S3 (S5): a sequence of
   group elements, predict the running product at every position. A small
   DeltaProduct network is trained on sequences of length up to ``train_len`` and
   tested on longer ones: accuracy against length for n_h in {1, 2, 3}, with and
   without negative eigenvalues.
"""

from __future__ import annotations

import itertools
import time

import numpy as np

from bench._harness import parser, report, time_call


def _torch_loop(q, k, v, beta, n_h):
    import torch

    *lead, T, dk = q.shape
    S = torch.zeros(*lead, dk, v.shape[-1], dtype=q.dtype)
    outs = []
    for t in range(T):
        for j in range(n_h):
            r = t * n_h + j
            kr, vr, br = k[..., r, :], v[..., r, :], beta[..., r, None, None]
            err = vr - torch.einsum("...kv,...k->...v", S, kr)
            S = S + br * kr[..., :, None] * err[..., None, :]
        outs.append(torch.einsum("...kv,...k->...v", S, q[..., t, :]))
    return torch.stack(outs, -2), S


def speed(args):
    import torch

    import lralg.nn

    rows = []
    all_threads = lralg.get_num_threads()  # before torch.set_num_threads, which sets OpenMP's
    T, d, n_h, heads = (256, 64, 2, 2) if args.quick else (1024, 64, 2, 2)
    g = torch.Generator().manual_seed(0)
    q = torch.randn(1, heads, T, d, generator=g)
    k = torch.nn.functional.normalize(torch.randn(1, heads, T * n_h, d, generator=g), dim=-1)
    v = torch.randn(1, heads, T * n_h, d, generator=g)
    beta = 2 * torch.rand(1, heads, T * n_h, generator=g)
    leaves = [x.requires_grad_() for x in (q, k, v, beta)]

    def fwd_lralg():
        with torch.no_grad():
            return lralg.nn.delta_product(q, k, v, beta, n_h)[0]

    def fwd_loop():
        with torch.no_grad():
            return _torch_loop(q, k, v, beta, n_h)[0]

    def fb(fn):
        def run():
            out = fn(q, k, v, beta, n_h)[0]
            return torch.autograd.grad(out.sum(), leaves)

        return run

    # torch's own threads spin against each other on a loaded 2-core machine (the loop's
    # forward measured 80x slower on 2 threads than on 1): the anchor runs on one thread,
    # its best here; lralg is timed on one thread and on all.
    torch.set_num_threads(1)
    t_t, _, out_t = time_call(fwd_loop, repeat=max(1, args.repeat // 2))
    t_tb, _, g_t = time_call(fb(_torch_loop), repeat=max(1, args.repeat // 2))
    for threads in sorted({1, all_threads}):
        with lralg.threads(threads):
            t_l, _, out_l = time_call(fwd_lralg, repeat=args.repeat)
            t_lb, _, g_l = time_call(fb(lralg.nn.delta_product), repeat=args.repeat)
        err = float((out_l - out_t).abs().max() / out_t.abs().max())
        err_b = max(float((a - b).abs().max() / b.abs().max()) for a, b in zip(g_l, g_t))
        for name, tl, tt, e in (("forward", t_l, t_t, err), ("forward+backward", t_lb, t_tb, err_b)):
            rows.append(
                {
                    "pass": name,
                    "T": T,
                    "lralg threads": threads,
                    "lralg s": tl,
                    "torch loop s": tt,
                    "speed-up": tt / tl,
                    "max rel diff": e,
                }
            )
    note = (
        f"batch 1, {heads} heads, d_head {d}, n_h {n_h}, chunk 64, float32, median of {args.repeat} runs "
        f"(the torch loop: of {max(1, args.repeat // 2)}, on 1 torch thread). " + args.conditions
    )
    report("deltaproduct_speed", rows, note=note)


def _group(name):
    n = {"s3": 3, "s5": 5}[name]
    elements = list(itertools.permutations(range(n)))
    index = {p: i for i, p in enumerate(elements)}
    table = np.array([[index[tuple(a[b[i]] for i in range(n))] for b in elements] for a in elements])
    return table  # table[a, b] = index of the composition a o b


def _words(table, batch, length, rng):
    x = rng.integers(0, table.shape[0], (batch, length))
    y = np.empty_like(x)
    acc = x[:, 0].copy()
    y[:, 0] = acc
    for t in range(1, length):
        acc = table[x[:, t], acc]  # running product x_t o ... o x_1
        y[:, t] = acc
    return x, y


def _model(n_classes, d_model, n_h, neg, layers):
    import torch
    from torch import nn

    import lralg.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
            self.mix = lralg.nn.DeltaProduct(d_model, n_heads=1, n_h=n_h, allow_neg_eigval=neg)
            self.mlp = nn.Sequential(
                nn.Linear(d_model, 2 * d_model), nn.GELU(), nn.Linear(2 * d_model, d_model)
            )

        def forward(self, x):
            x = x + self.mix(self.norm1(x))
            return x + self.mlp(self.norm2(x))

    return nn.Sequential(
        nn.Embedding(n_classes, d_model),
        *[Block() for _ in range(layers)],
        nn.LayerNorm(d_model),
        nn.Linear(d_model, n_classes),
    ), torch


def state_tracking(args, name):
    import torch

    torch.set_num_threads(1)  # see speed(): one thread is faster on the loaded machine
    table = _group(name)
    G = table.shape[0]
    train_len = 32 if args.quick else 64
    test_lens = (32, 64, 128, 256) if args.quick else (64, 128, 256, 512)
    steps = args.steps or (500 if args.quick else 3000)
    rows = []
    n_hs = (
        (1, 2, 3) if name == "s3" else (1, 2, 3, 4)
    )  # a permutation of 5 is a product of <= 4 transpositions (reflections)
    seeds = 1 if args.quick else args.seeds
    for n_h, neg in itertools.product(n_hs, (False, True)):
        row = {"n_h": n_h, "beta range": "[0, 2]" if neg else "[0, 1]", "train s": 0.0}
        accuracy = {L: [] for L in test_lens}
        for seed in range(seeds):
            torch.manual_seed(seed)  # the same initialisation and batches for every configuration
            rng = np.random.default_rng(seed)
            model, torch = _model(G, 32, n_h, neg, layers=1)
            opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
            start = time.perf_counter()
            for _ in range(steps):
                length = int(rng.integers(2, train_len + 1))
                x, y = _words(table, 32, length, rng)
                logits = model(torch.from_numpy(x))
                loss = torch.nn.functional.cross_entropy(
                    logits.reshape(-1, G), torch.from_numpy(y).reshape(-1)
                )
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
            row["train s"] += (time.perf_counter() - start) / seeds
            with torch.no_grad():
                for L in test_lens:
                    x, y = _words(table, 64, L, np.random.default_rng(L))
                    pred = model(torch.from_numpy(x)).argmax(-1).numpy()
                    accuracy[L].append(float((pred == y).mean()))
        row[f"seeds learned (acc@{train_len} >= 0.99)"] = (
            f"{sum(a >= 0.99 for a in accuracy[train_len])}/{seeds}"
        )
        for L in test_lens:
            row[f"acc@{L}"] = float(np.mean(accuracy[L]))
        rows.append(row)
        print(row, flush=True)
    note = (
        f"{name.upper()} word problem; 1 layer DeltaProduct (1 head, d_model 32) + MLP; trained {steps} steps "
        f"(batch 32, lengths 2..{train_len}) from {seeds} seeds; mean accuracy over the seeds, of all positions of "
        f"64 test sequences per length. " + ("Quick configuration. " if args.quick else "") + args.conditions
    )
    report(f"deltaproduct_{name}", rows, note=note)


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--tables", default="speed,s3", help="comma-separated: speed, s3, s5")
    p.add_argument("--steps", type=int, default=0, help="training steps of the state-tracking runs")
    p.add_argument("--seeds", type=int, default=3, help="training runs per configuration (--quick: 1)")
    args = p.parse_args()
    for table in args.tables.split(","):
        if table == "speed":
            speed(args)
        else:
            state_tracking(args, table)


if __name__ == "__main__":
    main()
