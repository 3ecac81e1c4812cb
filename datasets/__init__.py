"""Generators of benchmark series and loaders of real series (installed as ``reservoir.datasets``).

Synthetic generators take ``random_state`` (same seed, same numbers) and
return numpy arrays; the loaders of real series return pandas Series with a
regular, frequency-carrying index, read from the data sets that statsmodels
ships (no download).

* chaotic systems: :func:`mackey_glass`, :func:`lorenz`, :func:`rossler`,
  :func:`henon`, :func:`logistic_map` (and their Lyapunov exponents);
* tasks: :func:`narma`, :func:`memory_task`,
  :func:`multiple_superimposed_oscillators`;
* classification: :func:`template_classification` (variable-length shapes),
  :func:`event_detection` (per-step labels);
* real series: :func:`load_sunspots`, :func:`load_co2`, :func:`load_nile`,
  :func:`load_elnino`.
"""

from .chaotic import (
    HENON_LYAPUNOV_EXPONENT,
    LORENZ_LYAPUNOV_EXPONENT,
    ROSSLER_LYAPUNOV_EXPONENT,
    henon,
    logistic_map,
    lorenz,
    mackey_glass,
    rossler,
)
from .classification import event_detection, template_classification
from .real import load_co2, load_elnino, load_nile, load_sunspots
from .tasks import (
    MSO_FREQUENCIES,
    memory_task,
    multiple_superimposed_oscillators,
    narma,
)

__all__ = [
    "HENON_LYAPUNOV_EXPONENT",
    "LORENZ_LYAPUNOV_EXPONENT",
    "MSO_FREQUENCIES",
    "ROSSLER_LYAPUNOV_EXPONENT",
    "event_detection",
    "henon",
    "load_co2",
    "load_elnino",
    "load_nile",
    "load_sunspots",
    "logistic_map",
    "lorenz",
    "mackey_glass",
    "memory_task",
    "multiple_superimposed_oscillators",
    "narma",
    "rossler",
    "template_classification",
]
