"""Low-rank adapters with a PEFT-like face: LoRA, TriAdaptLoRA, MoRA.

One file per method (lora.py, triadapt.py, mora.py) on the shared layer in
_layer.py; the model-level functions are in _face.py, files in _io.py.
"""

from ._config import LoraConfig, MoraConfig, TriAdaptConfig
from ._face import (
    TrainableParameters,
    adapt,
    adapter_loss,
    adapter_step,
    merge,
    merge_and_unload,
    next_task,
    trainable_parameters,
    unmerge,
)
from ._io import load_adapter, save_adapter

__all__ = [
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
]
