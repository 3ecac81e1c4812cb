"""Baselines that every reservoir result is measured against.

* Trained recurrent networks (PyTorch, optional extra ``torch``):
  ``LSTMRegressor``, ``LSTMForecaster``, ``GRURegressor``, ``GRUForecaster``,
  ``LeakyRNNRegressor``, ``LeakyRNNForecaster``; all derive from
  ``RecurrentEstimator`` (``isinstance(model, RecurrentEstimator)``: a model
  that trains a torch network by epochs).
* Statistical and naive forecasts (statsmodels): ``ARIMAForecaster``,
  ``ETSForecaster``, ``PersistenceForecaster``, ``SeasonalNaiveForecaster``.

Names are imported lazily: ``import reservoir.baselines`` does not import torch.
"""

from importlib import import_module

_LAZY = {
    "LSTMRegressor": "recurrent",
    "LSTMForecaster": "recurrent",
    "GRURegressor": "recurrent",
    "GRUForecaster": "recurrent",
    "LeakyRNNRegressor": "recurrent",
    "LeakyRNNForecaster": "recurrent",
    "RecurrentEstimator": "recurrent",
    "ARIMAForecaster": "statistical",
    "ETSForecaster": "statistical",
    "PersistenceForecaster": "statistical",
    "SeasonalNaiveForecaster": "statistical",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'reservoir.baselines' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
