"""reservoir: reservoir computing and time-series forecasting with scikit-learn estimators.

Echo state networks (:class:`ESN`) and liquid state machines (:class:`LSM`)
have fixed random recurrent weights; only a linear readout is trained, through
:class:`ReservoirRegressor`, :class:`ReservoirForecaster` and
:class:`ReservoirClassifier`. Trained RNNs and statistical models live in
:mod:`reservoir.baselines` for honest comparisons.

Public names are imported lazily, so ``import reservoir`` stays light (and
never imports torch or matplotlib).
"""

from importlib import import_module

__version__ = "0.1.0"

_LAZY = {
    "ESN": "esn",
    "DeepESN": "composite",
    "BidirectionalESN": "composite",
    "LSM": "lsm",
    "NVAR": "nvar",
    "ES2N": "es2n",
    "ReservoirUnion": "union",
    "RidgeReadout": "readouts",
    "RLSReadout": "online",
    "ReservoirRegressor": "estimators",
    "ReservoirForecaster": "estimators",
    "ReservoirClassifier": "classifier",
}
_SUBMODULES = {
    "analysis", "baselines", "base", "benchmark", "classifier", "composite", "datasets",
    "diagnostics", "es2n", "esn", "estimators", "exceptions", "io", "lsm", "metrics",
    "model_selection", "nvar", "online", "plotting", "readouts", "search_spaces", "union",
    "weights",
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module 'reservoir' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | _SUBMODULES)
