"""One configuration object per adapter method: what ``adapt`` builds and ``save_adapter`` stores."""

from __future__ import annotations

import dataclasses
from typing import ClassVar, Optional, Union

from ..._validate import check_int, check_real

__all__ = ["LoraConfig", "MoraConfig", "TriAdaptConfig", "config_from_dict"]

_SCHEDULES = ("linear", "exponential")


def _check_targets(targets):
    if targets is None or isinstance(targets, str):
        return targets
    try:
        targets = list(targets)
    except TypeError:
        raise TypeError(
            f"targets must be None, a string or a list of strings, got {type(targets).__name__}"
        ) from None
    if not targets or not all(isinstance(t, str) for t in targets):
        raise TypeError("targets must be a non-empty list of strings")
    return targets


@dataclasses.dataclass
class _AdapterConfig:
    rank: int = 8
    alpha: float = 16.0
    targets: Union[None, str, list] = None
    dropout: float = 0.0

    method: ClassVar[str] = ""

    def __post_init__(self):
        self.rank = check_int(self.rank, "rank", low=1)
        self.alpha = check_real(self.alpha, "alpha", low=0.0, low_open=True)
        self.targets = _check_targets(self.targets)
        self.dropout = check_real(self.dropout, "dropout", low=0.0, high=1.0, high_open=True)

    @property
    def scaling(self) -> float:
        """The factor ``alpha / rank`` applied to the update."""
        return self.alpha / self.rank

    def to_dict(self) -> dict:
        """The fields and the method name, as plain JSON-able values."""
        return {"method": self.method, **dataclasses.asdict(self)}


@dataclasses.dataclass
class LoraConfig(_AdapterConfig):
    """LoRA (Hu et al. 2021): ``W x + (alpha / rank) B A x``, A random, B zero.

    Parameters
    ----------
    rank : int
        Rank r of the update ``B A`` (B is out x r, A is r x in).
    alpha : float
        Scale numerator; the update is multiplied by ``alpha / rank``.
    targets : None, str or list of str
        Layers to adapt (see :func:`lralg.nn.adapt`).
    dropout : float
        Dropout on the adapter's input, in [0, 1).

    Examples
    --------
    >>> import torch, lralg.nn
    >>> config = lralg.nn.LoraConfig(rank=4, alpha=8, targets=["0"])
    >>> config.scaling
    2.0
    >>> model = lralg.nn.adapt(torch.nn.Sequential(torch.nn.Linear(8, 8)), config, rng=0)
    >>> model[0].lora_A.shape
    torch.Size([4, 8])
    """

    method: ClassVar[str] = "lora"


@dataclasses.dataclass
class TriAdaptConfig(_AdapterConfig):
    """TriAdaptLoRA (Liang, Wang, Zeng 2025): ``W x + (alpha / r_t) B C A x`` with growing rank.

    ``C`` is the sum of a block lower-triangular part (one stripe of rows per
    growth) and a block upper-triangular part (one stripe of columns per
    growth); a layer's rank grows while its importance (the change of
    ``||C||_F`` divided by its number of blocks) is among the largest, as
    many layers per growth as the threshold schedule allows, until the
    average rank reaches ``rank``.

    Parameters
    ----------
    rank : int
        Target average rank over the adapted layers (the budget).
    alpha : float
        Scale numerator; the update is multiplied by ``alpha / r_t``, r_t the
        layer's current rank.
    targets, dropout
        As for :class:`LoraConfig`.
    total_steps : int
        Number of optimizer steps of the run (the schedule needs it).
    init_rank : int
        Rank of every layer at the start.
    growth : int or None
        Rank added to a layer at each growth; None: ``max(1, rank // 2)``.
    schedule : {"linear", "exponential"}
        How the number of layers that grow at once rises over training.
    warmup_steps : int
        Steps before the first growth.
    interval : int
        Steps between two growth decisions.
    orth_reg_weight : float
        Weight of the orthogonality penalty on A and B returned by
        :func:`lralg.nn.adapter_loss`.

    Examples
    --------
    >>> import lralg.nn
    >>> config = lralg.nn.TriAdaptConfig(rank=8, total_steps=1000)
    >>> config.init_rank, config.growth, config.schedule
    (1, 4, 'linear')
    """

    total_steps: Optional[int] = None
    init_rank: int = 1
    growth: Optional[int] = None
    schedule: str = "linear"
    warmup_steps: int = 0
    interval: int = 10
    orth_reg_weight: float = 0.5

    method: ClassVar[str] = "triadapt"

    def __post_init__(self):
        super().__post_init__()
        if self.total_steps is None:
            raise ValueError("method='triadapt' needs total_steps, the number of optimizer steps of the run")
        self.total_steps = check_int(self.total_steps, "total_steps", low=1)
        self.init_rank = check_int(self.init_rank, "init_rank", low=1, high=self.rank)
        if self.growth is None:
            self.growth = max(1, self.rank // 2)
        self.growth = check_int(self.growth, "growth", low=1)
        if self.schedule not in _SCHEDULES:
            raise ValueError(f"schedule must be one of {_SCHEDULES}, got {self.schedule!r}")
        self.warmup_steps = check_int(self.warmup_steps, "warmup_steps", low=0, high=self.total_steps - 1)
        self.interval = check_int(self.interval, "interval", low=1)
        self.orth_reg_weight = check_real(self.orth_reg_weight, "orth_reg_weight", low=0.0)


@dataclasses.dataclass
class MoraConfig(_AdapterConfig):
    """MoRA (Lu et al. 2025): the update as rank-1 experts that select themselves per input.

    For input x with expert keys A_i (rows of A) and values B_i (columns of
    B), the scores ``s = A x / ||A x||`` keep their ``top_k`` largest; the
    weights are ``softmax(s / temperature)`` over those, and, in eval mode,
    experts with ``s_i < threshold`` are dropped. The update is
    ``(alpha / rank) sum_i w_i (A_i x) B_i``. Each task adds ``rank`` experts
    (:func:`lralg.nn.next_task`) and freezes the earlier ones.

    Parameters
    ----------
    rank : int
        Experts added per task.
    alpha : float
        Scale numerator; the update is multiplied by ``alpha / rank``.
    targets, dropout
        As for :class:`LoraConfig`.
    top_k : int or None
        Activation budget: experts that may be active per input; None: ``rank``.
    temperature : float
        Softmax temperature of the expert weights.
    threshold : float
        Rank pruning at inference: an expert with normalised score below it
        contributes nothing (0 turns pruning off).

    Examples
    --------
    >>> import lralg.nn
    >>> config = lralg.nn.MoraConfig(rank=4)
    >>> config.top_k, config.temperature, config.threshold
    (4, 0.01, 0.2)
    """

    top_k: Optional[int] = None
    temperature: float = 0.01
    threshold: float = 0.2

    method: ClassVar[str] = "mora"

    def __post_init__(self):
        super().__post_init__()
        if self.top_k is None:
            self.top_k = self.rank
        self.top_k = check_int(self.top_k, "top_k", low=1)
        self.temperature = check_real(self.temperature, "temperature", low=0.0, low_open=True)
        self.threshold = check_real(self.threshold, "threshold", low=0.0, high=1.0)


CONFIGS = {c.method: c for c in (LoraConfig, TriAdaptConfig, MoraConfig)}


def config_from_dict(fields: dict):
    """The configuration object that ``to_dict`` wrote."""
    fields = dict(fields)
    method = fields.pop("method", None)
    if method not in CONFIGS:
        raise ValueError(f"unknown adapter method {method!r}; expected one of {sorted(CONFIGS)}")
    cls = CONFIGS[method]
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = set(fields) - known
    if unknown:
        raise ValueError(f"the {method} configuration has unknown fields {sorted(unknown)}")
    return cls(**fields)
