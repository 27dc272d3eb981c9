"""decompose(method="shared"): one input basis shared by a group of layers.

Layers with the same input width are grouped by the error-bounded clustering
of the incremental SVD capability (:func:`lralg.cluster_matrices`, matrices
stacked vertically, its incremental estimate of the error); each cluster's stacked weight ``[W_1; ...; W_K] ~ U S V^T``
gives every member ``W_i ~ (U_i S^1/2)(S^1/2 V^T)``: the input factor is one
parameter held by all members, the output factors are per layer.
"""

from __future__ import annotations

import statistics
from collections import defaultdict

import numpy as np
from torch import nn

from .._progress import ProgressBar
from ..isvd import cluster_matrices
from ._modules import replace_module
from ._spectra import Spectrum, budget_threshold
from .layers import _factors, _low_rank_layer

__all__ = ["shared_bases"]


def _clusters(specs, ratio, rank):
    """Indices (into specs, all of one input width) of each cluster."""
    if len(specs) == 1:
        return [[0]]
    r0 = (
        rank
        if rank is not None
        else int(statistics.median(sp.rank_for_params(ratio * sp.dense_params) for sp in specs))
    )
    r0 = min(r0, min(min(sp.shape) for sp in specs))
    # a cluster may be as inaccurate as a typical layer alone at the same rank
    # (not below the rounding of float32 weights)
    eps = max(float(statistics.median(sp.error(r0) for sp in specs)), 1e-6)
    weights = [(sp.u * sp.s) @ sp.vt for sp in specs]
    # the guaranteed bounds ("weyl", "residual") do not count the growth of shared directions and
    # would keep every layer alone; the incremental estimate does
    result = cluster_matrices(weights, r0, eps, axis=0, method="estimate")
    return [list(map(int, c)) for c in result.clusters]


def _cluster_spectrum(members):
    stacked = np.vstack([(sp.u * sp.s) @ sp.vt for sp in members])
    u, s, vt = np.linalg.svd(stacked, full_matrices=False)
    name = "+".join(sp.name for sp in members)
    dense = sum(sp.dense_params for sp in members)
    return Spectrum(name, stacked.shape, u, s, vt, dense_params=dense)


def shared_bases(work: nn.Module, layers, spectra, ratio, rank, verbose) -> list:
    """Replace ``layers`` of ``work`` by shared-basis factors; the report rows."""
    by_width = defaultdict(list)
    for i, (_, layer) in enumerate(layers):
        by_width[(layer.in_features, layer.weight.dtype, layer.weight.device)].append(i)
    clusters = []  # lists of layer indices
    for idx in by_width.values():
        clusters += [[idx[j] for j in c] for c in _clusters([spectra[i] for i in idx], ratio, rank)]
    cspec = [_cluster_spectrum([spectra[i] for i in c]) for c in clusters]
    if rank is not None:
        choices = [sp.worth(min(rank, min(sp.shape))) for sp in cspec]
    else:
        choices = budget_threshold(cspec, ratio, "energy")
    rows = [None] * len(layers)
    done = 0
    with ProgressBar(len(layers), "decompose (shared)", enabled=verbose) as bar:
        for g, (members, spec, r) in enumerate(zip(clusters, cspec, choices)):
            offset = 0
            shared_down = None
            for j, i in enumerate(members):
                name, layer = layers[i]
                m, n = spectra[i].shape
                kind = f"group {g}" if len(members) > 1 else "alone"
                if r is None:
                    after, error, shown = m * n, 0.0, None
                else:
                    up, down = _factors(
                        spec.u[offset : offset + m, :r], spec.s[:r], spec.vt[:r], layer.weight
                    )
                    new = _low_rank_layer(layer, up, down)
                    if shared_down is None:
                        shared_down = new.down
                    else:
                        new.down = shared_down
                    replace_module(work, name, new)
                    after = m * r + (r * n if j == 0 else 0)
                    W = (spectra[i].u * spectra[i].s) @ spectra[i].vt
                    approx = (spec.u[offset : offset + m, :r] * spec.s[:r]) @ spec.vt[:r]
                    error = float(np.linalg.norm(W - approx) / max(np.linalg.norm(W), 1e-300))
                    shown = r
                offset += m
                rows[i] = {
                    "layer": name,
                    "shape": f"{m}x{n}",
                    "rank": "full" if shown is None else shown,
                    "kind": kind,
                    "params_before": m * n,
                    "params_after": after,
                    "rel_error": error,
                }
                done += 1
                bar.update(done)
    return rows
