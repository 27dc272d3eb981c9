"""Scale-out on dask.distributed: lralg's functions over chunked dask arrays.

Needs the optional extra ``dask`` (``pip install lralg[dask]``). Every function
takes a ``client=`` (the current :class:`distributed.Client` by default), runs
lralg's core inside the tasks and gives the single-machine function's answer.
"""

try:
    import dask.array  # noqa: F401
    import distributed  # noqa: F401
except ImportError as exc:  # pragma: no cover - the extra is missing
    raise ImportError("lralg.dask needs dask and distributed: pip install 'lralg[dask]'") from exc

from .completion import complete
from .eigen import top_eigenvector
from .graph import fastrp
from .svd import incremental_svd

__all__ = ["complete", "fastrp", "incremental_svd", "top_eigenvector"]
