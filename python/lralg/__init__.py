"""lralg: low-rank linear algebra on a C++/Eigen core.

Functions follow SciPy's conventions and estimators scikit-learn's; see the
README for a tour. ``lralg.show_config()`` tells how this copy was built.
"""

from . import _core
from ._config import config, get_num_threads, set_num_threads, show_config, threads
from .projection import random_projection_matrix, sparse_random_projection
from .recovery import DivergenceError, EntrySampling, GaussianSensing, RecoveryResult, recover

__version__ = _core.build_info()["version"]

__all__ = [
    "__version__",
    "DivergenceError",
    "EntrySampling",
    "GaussianSensing",
    "RecoveryResult",
    "config",
    "get_num_threads",
    "random_projection_matrix",
    "recover",
    "set_num_threads",
    "show_config",
    "sparse_random_projection",
    "threads",
]
