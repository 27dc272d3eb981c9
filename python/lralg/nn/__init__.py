"""PyTorch face of lralg: compression, adapters, training-time layers and optimizers.

Needs the optional extra ``torch`` (``pip install "lralg[torch]"``). The rest
of lralg never imports torch; numerics that are not autograd go through
lralg's NumPy API.
"""

try:
    import torch  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without torch
    raise ImportError(
        'lralg.nn needs PyTorch; install it with pip install "lralg[torch]"'
        " (on CPU-only machines: pip install torch --index-url https://download.pytorch.org/whl/cpu)"
    ) from exc

__all__: list[str] = []

# adapters (issue 17)
from . import adapters as _adapters
from .adapters import *  # noqa: F403

__all__ += _adapters.__all__
