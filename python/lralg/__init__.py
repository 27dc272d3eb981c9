"""lralg: low-rank linear algebra on a C++/Eigen core.

Functions follow SciPy's conventions and estimators scikit-learn's; see the
README for a tour. ``lralg.show_config()`` tells how this copy was built.
"""

from . import _core
from ._config import config, get_num_threads, set_num_threads, show_config, threads
from .isvd import (
    ClusteringResult,
    IncrementalSVD,
    SVDResult,
    cluster_matrices,
    incremental_svd,
    svd_error_bound,
)
from .projection import random_projection_matrix, sparse_random_projection

__version__ = _core.build_info()["version"]

__all__ = [
    "ClusteringResult",
    "IncrementalSVD",
    "SVDResult",
    "__version__",
    "cluster_matrices",
    "config",
    "get_num_threads",
    "incremental_svd",
    "random_projection_matrix",
    "set_num_threads",
    "show_config",
    "sparse_random_projection",
    "svd_error_bound",
    "threads",
]
