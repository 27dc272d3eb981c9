"""Training-time low-rank methods: layers that train with fewer parameters
(SLTrain, Sparse Spectral Training, Maestro) and an optimizer with low-rank
moments (DCTAdamW). One file per method; convert.py swaps a model's layers."""

from .convert import low_rank_training_step, merge_low_rank_training, to_low_rank_training
from .dct import DCTAdamW
from .maestro import MaestroLinear
from .sltrain import SLTrainLinear
from .sst import SSTLinear

__all__ = [
    "DCTAdamW",
    "MaestroLinear",
    "SLTrainLinear",
    "SSTLinear",
    "low_rank_training_step",
    "merge_low_rank_training",
    "to_low_rank_training",
]
