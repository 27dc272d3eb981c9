"""lralg: low-rank linear algebra on a C++/Eigen core.

Functions follow SciPy's conventions and estimators scikit-learn's; see the
README for a tour. ``lralg.show_config()`` tells how this copy was built.
"""

from . import (
    _blas,  # noqa: F401 - hands SciPy's BLAS/LAPACK to the core
    _core,
)
from ._config import config, get_num_threads, set_num_threads, show_config, threads
from .completion import CompletionResult, complete
from .deltaproduct import (
    DeltaProductGrad,
    DeltaProductScan,
    HouseholderProduct,
    delta_product_scan,
    delta_product_scan_backward,
    householder_product,
)
from .graph import fastrp, graph_adjacency
from .isvd import (
    ClusteringResult,
    IncrementalSVD,
    SVDResult,
    cluster_matrices,
    incremental_svd,
    svd_error_bound,
)
from .lambda_determinant import lambda_determinant
from .nuclear_norm import matrix_entropy, matrix_nuclear_norm
from .projection import random_projection_matrix, sparse_random_projection
from .quantize import QuantizedMatrix, quantize_gptq, quantize_rtn
from .recovery import (
    DivergenceError,
    EntrySampling,
    GaussianSensing,
    MeasurementOperator,
    RecoveryResult,
    recover,
)
from .streaming import EigResult, StreamingTopEigenvector, top_eigenvector
from .svd import truncated_svd

__version__ = _core.build_info()["version"]

__all__ = [
    "__version__",
    # configuration
    "config",
    "get_num_threads",
    "set_num_threads",
    "show_config",
    "threads",
    # random projection
    "random_projection_matrix",
    "sparse_random_projection",
    # matrix completion
    "CompletionResult",
    "complete",
    # incremental SVD
    "ClusteringResult",
    "IncrementalSVD",
    "SVDResult",
    "cluster_matrices",
    "incremental_svd",
    "svd_error_bound",
    # streaming eigenvector
    "EigResult",
    "StreamingTopEigenvector",
    "top_eigenvector",
    # robust recovery
    "DivergenceError",
    "EntrySampling",
    "GaussianSensing",
    "MeasurementOperator",
    "RecoveryResult",
    "recover",
    # graph embeddings
    "fastrp",
    "graph_adjacency",
    # compression: truncated SVD, quantization, matrix nuclear norm
    "QuantizedMatrix",
    "matrix_entropy",
    "matrix_nuclear_norm",
    "quantize_gptq",
    "quantize_rtn",
    "truncated_svd",
    # DeltaProduct: Householder-product recurrences
    "DeltaProductGrad",
    "DeltaProductScan",
    "HouseholderProduct",
    "delta_product_scan",
    "delta_product_scan_backward",
    "householder_product",
    # lambda-determinants
    "lambda_determinant",
]
