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

from .adapters import (
    LoraConfig,
    MoraConfig,
    TrainableParameters,
    TriAdaptConfig,
    adapt,
    adapter_loss,
    adapter_step,
    load_adapter,
    merge,
    merge_and_unload,
    next_task,
    save_adapter,
    trainable_parameters,
    unmerge,
)
from .compress import decompose, freeze_non_lrc
from .deltaproduct import DeltaProduct, delta_product
from .layers import LowRankLinear, QuantizedLinear, from_linear
from .quantize import quantize

__all__: list[str] = [
    # compression of trained networks
    "LowRankLinear",
    "QuantizedLinear",
    "decompose",
    "freeze_non_lrc",
    "from_linear",
    "quantize",
    # adapters
    "LoraConfig",
    "MoraConfig",
    "TrainableParameters",
    "TriAdaptConfig",
    "adapt",
    "adapter_loss",
    "adapter_step",
    "load_adapter",
    "merge",
    "merge_and_unload",
    "next_task",
    "save_adapter",
    "trainable_parameters",
    "unmerge",
    # Householder-product recurrences
    "DeltaProduct",
    "delta_product",
]
