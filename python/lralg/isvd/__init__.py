"""Incremental truncated SVD with a-posteriori error bounds, and compression-aware
clustering of matrices (Shamrai 2026, arXiv 2601.11626).

:mod:`lralg.isvd.incremental` holds the streaming SVD, :mod:`lralg.isvd.bounds`
the error bounds of a concatenation and the clustering built on them.
"""

from .bounds import ClusteringResult, cluster_matrices, svd_error_bound
from .incremental import IncrementalSVD, SVDResult, incremental_svd

__all__ = [
    "ClusteringResult",
    "IncrementalSVD",
    "SVDResult",
    "cluster_matrices",
    "incremental_svd",
    "svd_error_bound",
]
