"""Low-rank decomposition of a trained network's linear layers: LoRD, WeLore,
uniform truncation and bases shared across layers."""

from __future__ import annotations

from torch import nn

from .._blas import one_blas_thread
from .._progress import ProgressBar
from .._validate import check_rank, check_real
from ._modules import find_layers, model_to_modify, replace_module
from ._report import LayerReport
from ._spectra import Spectrum, budget_threshold, kept_params
from .layers import LowRankLinear, _factors, _low_rank_layer

__all__ = ["decompose", "freeze_non_lrc"]

_METHODS = ("lord", "welore", "shared", "uniform")
_COLUMNS = ["layer", "shape", "rank", "kind", "params_before", "params_after", "rel_error"]


def _check_budget(method, ratio, rank, energy):
    given = {k: v for k, v in (("ratio", ratio), ("rank", rank), ("energy", energy)) if v is not None}
    allowed = {
        "lord": ("ratio", "rank", "energy"),
        "uniform": ("ratio", "rank"),
        "welore": ("ratio",),
        "shared": ("ratio", "rank"),
    }[method]
    if len(given) != 1 or next(iter(given)) not in allowed:
        names = " or ".join(allowed)
        got = ", ".join(given) or "none"
        raise ValueError(f"method={method!r} takes exactly one of {names} (got {got})")
    if ratio is not None:
        ratio = check_real(ratio, "ratio", low=0.0, high=1.0, low_open=True)
    if rank is not None:
        rank = check_rank(rank, "rank")
    if energy is not None:
        energy = check_real(energy, "energy", low=0.0, high=1.0, low_open=True)
    return ratio, rank, energy


def _ranks_for(method, spectra, ratio, rank, energy):
    """The rank each layer keeps (None: stays dense) and its LRC flag."""
    if rank is not None:
        return [sp_.worth(rank) for sp_ in spectra]
    if method == "uniform":
        return [sp_.worth(sp_.rank_for_params(ratio * sp_.dense_params)) for sp_ in spectra]
    if method == "lord" and energy is not None:
        return [sp_.worth(sp_.rank_for_energy(energy)) for sp_ in spectra]
    score = "energy" if method == "lord" else "normalized"
    return budget_threshold(spectra, ratio, score)


def _report_row(name, shape, rank, kind, before, after, error):
    return {
        "layer": name,
        "shape": f"{shape[0]}x{shape[1]}",
        "rank": "full" if rank is None else rank,
        "kind": kind,
        "params_before": before,
        "params_after": after,
        "rel_error": error,
    }


@one_blas_thread
def decompose(
    model: nn.Module,
    *,
    method="lord",
    ratio=None,
    rank=None,
    energy=None,
    targets=None,
    inplace=False,
    verbose=False,
):
    """Replace linear layers by low-rank factorizations of their weights.

    Parameters
    ----------
    model : torch.nn.Module
    method : {"lord", "welore", "shared", "uniform"}, default "lord"
        "lord": the truncated SVD of every layer (LoRD) at one ``rank``, at the
        smallest rank keeping ``energy`` of each layer's squared singular
        values, or, for a ``ratio``, at one energy level across layers chosen
        to meet it. "uniform": every layer keeps the same fraction ``ratio``
        of its parameters (or the same ``rank``). "welore": per-layer ranks
        from one global threshold on the singular values normalised by each
        layer's largest, chosen to meet ``ratio`` (WeLore); layers that stay
        low rank are its LRCs, the rest (N-LRCs) stay dense. "shared": layers
        with the same input width are grouped by :func:`lralg.cluster_matrices`
        and each group shares one input basis (stored once), with per-layer
        output factors.
    ratio : float in (0, 1], optional
        Fraction of the targeted layers' weight parameters kept.
    rank : int, optional
        One rank for every layer (not with "welore").
    energy : float in (0, 1], optional
        Fraction of each layer's squared singular values kept ("lord" only).
    targets : None, str or list of str
        Layers to decompose, as PEFT's ``target_modules`` (default: every
        ``nn.Linear``).
    inplace : bool, default False
        Modify ``model`` itself; otherwise a copy is modified and ``model`` is
        left untouched (also when an error is raised).
    verbose : bool, default False
        A progress bar over layers.

    Returns
    -------
    compressed : torch.nn.Module
    report : LayerReport
        Per layer: shape, rank ("full" where low rank saves nothing and the
        layer stays dense), kind ("LRC"/"N-LRC" for WeLore, the group for
        "shared"), weight parameters before and after (a shared basis counted
        once, in its group's first layer) and the relative Frobenius error of
        the weight. ``report.summary`` holds the totals.

    Raises
    ------
    ValueError
        For a budget out of range, not exactly one of the budgets the method
        takes, a rank above a layer's ``min(shape)``, non-finite weights, or
        ``targets`` matching no layer.
    TypeError
        If ``model`` is not a module.

    Notes
    -----
    A layer is left dense where its low-rank form would not have fewer
    parameters (``rank (m + n) >= m n``). Biases are kept as they are and not
    counted. The SVDs are exact (LAPACK, float64).

    References
    ----------
    A. Kaushal, T. Vaidhya, I. Rish, "LORD: Low rank decomposition of
    monolingual code LLMs for one-shot compression", 2023, arXiv:2309.14021.
    A. Jaiswal et al., "From GaLore to WeLore: How low-rank weights
    non-uniformly emerge from low-rank gradients", 2024, arXiv:2407.11239.
    J. Wang et al., "Basis sharing: cross-layer parameter sharing for large
    language model compression", 2024, arXiv:2410.03765.

    Examples
    --------
    >>> import torch, lralg.nn
    >>> _ = torch.manual_seed(0)
    >>> model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 16))
    >>> small, report = lralg.nn.decompose(model, method="welore", ratio=0.5)
    >>> report.summary["params_after"] <= 0.5 * report.summary["params_before"]
    True
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    ratio, rank, energy = _check_budget(method, ratio, rank, energy)
    layers = find_layers(model, targets)
    for name, layer in layers:
        if rank is not None and rank > min(layer.weight.shape):
            raise ValueError(f"rank={rank} exceeds min(shape) = {min(layer.weight.shape)} of layer {name!r}")
    work = model_to_modify(model, inplace)
    layers = [(name, work.get_submodule(name)) for name, _ in layers]
    spectra = [Spectrum.of(name, layer.weight) for name, layer in layers]
    if method == "shared":
        from ._shared import shared_bases

        rows = shared_bases(work, layers, spectra, ratio, rank, verbose)
    else:
        rows = []
        choices = _ranks_for(method, spectra, ratio, rank, energy)
        with ProgressBar(len(layers), f"decompose ({method})", enabled=verbose) as bar:
            for i, ((name, layer), spec, r) in enumerate(zip(layers, spectra, choices)):
                kind = "LRC" if r is not None else "N-LRC"
                if r is not None:
                    up, down = _factors(spec.u[:, :r], spec.s[:r], spec.vt[:r], layer.weight)
                    replace_module(work, name, _low_rank_layer(layer, up, down))
                rows.append(
                    _report_row(
                        name,
                        spec.shape,
                        r,
                        kind if method == "welore" else "",
                        spec.dense_params,
                        kept_params(spec, r),
                        spec.error(r),
                    )
                )
                bar.update(i + 1)
    before = sum(r["params_before"] for r in rows)
    after = sum(r["params_after"] for r in rows)
    summary = {"params_before": before, "params_after": after, "ratio": after / before}
    return work, LayerReport(rows, _COLUMNS, summary, title=f"decompose (method={method!r})")


def freeze_non_lrc(model: nn.Module) -> int:
    """Set up WeLore's LRC-only fine-tuning: only the low-rank factors train.

    Every parameter of ``model`` is frozen (``requires_grad = False``) except
    those of its :class:`LowRankLinear` layers (the low-rank components, LRCs,
    left by :func:`decompose`); the dense layers (N-LRCs), embeddings and
    normalisations stay fixed. Modifies ``model`` in place.

    Returns
    -------
    int
        The number of parameters left trainable.

    Raises
    ------
    ValueError
        If ``model`` has no LowRankLinear layer.

    Examples
    --------
    >>> import torch, lralg.nn
    >>> model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.Linear(64, 64))
    >>> small, _ = lralg.nn.decompose(model, method="lord", rank=4, targets=["0"])
    >>> lralg.nn.freeze_non_lrc(small)  # the 4 x 64 + 64 x 4 factors and the bias
    576
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    lrc = [m for m in model.modules() if isinstance(m, LowRankLinear)]
    if not lrc:
        raise ValueError("model has no LowRankLinear layer (decompose it first)")
    for p in model.parameters():
        p.requires_grad_(False)
    trainable = {}
    for m in lrc:
        for p in m.parameters():
            p.requires_grad_(True)
            trainable[id(p)] = p.numel()
    return int(sum(trainable.values()))
