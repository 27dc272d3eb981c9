"""Robust low-rank matrix recovery from linear measurements.

:mod:`lralg.recovery.operators` holds the measurement operators and their
protocol, :mod:`lralg.recovery.solver` the iterations of :func:`recover`.
"""

from .operators import EntrySampling, GaussianSensing, MeasurementOperator
from .solver import DivergenceError, RecoveryResult, recover

__all__ = [
    "DivergenceError",
    "EntrySampling",
    "GaussianSensing",
    "MeasurementOperator",
    "RecoveryResult",
    "recover",
]
