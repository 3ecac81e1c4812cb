"""Scoring shared by the estimators and the model-selection and analysis tools.

* :class:`SequenceRegressorMixin`: ``score`` of every per-step sequence
  regressor (reservoir or trained RNN).
* Metric helpers: :func:`check_metric` (a callable metric, NRMSE by default)
  and :func:`metric_name` (the column name of a metric).
* Hold-out scoring on one series: :func:`holdout` fits a clone of a
  regressor or forecaster on the leading steps and scores it on the training
  part and on the held-out end (:class:`Holdout`); a forecaster is scored on
  its one-step predictions (``predict_next``). :func:`fit_and_score` is the
  same on explicit step ranges; :func:`single_series`,
  :func:`paired_series`, :func:`validation_steps`, :func:`part_of`,
  :func:`as_2d` and :func:`washout_of` are its building blocks, shared with
  :mod:`reservoir.model_selection`.
"""

from __future__ import annotations

import functools
import numbers
import time
from dataclasses import dataclass

import numpy as np
from sklearn.base import RegressorMixin, clone, is_regressor
from sklearn.metrics import r2_score

from ._validation import check_in_range, check_series, check_supervised_series
from .metrics import nrmse

__all__ = [
    "Holdout",
    "OneSeries",
    "SequenceRegressorMixin",
    "as_2d",
    "check_metric",
    "fit_and_score",
    "holdout",
    "metric_name",
    "paired_series",
    "part_of",
    "single_series",
    "validation_steps",
    "washout_of",
]


class SequenceRegressorMixin(RegressorMixin):
    """``score`` as R² over the steps after the washout of each series.

    The estimator needs a ``washout`` parameter and a ``predict(X)`` that
    returns one prediction per step in the caller's structure.
    """

    def score(self, X, y, sample_weight=None):
        """R² of the predictions on the steps after the washout of each series.

        Parameters
        ----------
        X, y : as in ``fit``
        sample_weight : array-like of shape (n_scored_steps,), optional
            Weights of the scored steps (all series concatenated, washout removed).

        Returns
        -------
        float
        """
        inputs, targets, washout = check_supervised_series(self, X, y, self.washout)
        predictions = self.predict(X)  # X as given, so its feature names are checked as in fit
        if inputs.layout == "single":
            predictions = [predictions]
        y_true = np.concatenate([t[washout:] for t in targets.series])
        y_pred = np.concatenate([np.asarray(p).reshape(len(p), -1)[washout:]
                                 for p in predictions])
        return r2_score(y_true, y_pred, sample_weight=sample_weight)


# -- data handling -----------------------------------------------------------------------------
@dataclass
class OneSeries:
    """One validated series: (T, d) values and whether the caller passed it 1-D."""

    values: np.ndarray
    was_1d: bool

    def __len__(self):
        return len(self.values)

    def part(self, start, stop):
        """Rows ``start:stop`` in the caller's dimensionality (1-D stays 1-D)."""
        block = self.values[start:stop]
        return block[:, 0] if self.was_1d else block


def single_series(values, name):
    """Validate one series (array or pandas); None passes through."""
    if values is None:
        return None
    series = check_series(values, name=name)
    if series.layout != "single":
        raise ValueError(
            f"{name} must be one series of shape (T,) or (T, d); got {len(series)} series."
        )
    return OneSeries(series.series[0], series.was_1d)


def paired_series(X, y, *, x_required):
    """Validated (X, y) of equal lengths; X may be None unless ``x_required``."""
    if x_required and X is None:
        raise ValueError("X is required for a regressor: it is the input series.")
    ys, Xs = single_series(y, "y"), single_series(X, "X")
    if Xs is not None and len(Xs) != len(ys):
        raise ValueError(f"X has {len(Xs)} time steps but y has {len(ys)}; lengths must match.")
    return Xs, ys


def part_of(series, start, stop):
    return None if series is None else series.part(start, stop)


def as_2d(values, n_rows, name):
    """A model's output as a float (n_rows, k) array."""
    array = np.asarray(values, dtype=float)
    if array.shape[0] != n_rows:
        raise ValueError(f"The model's {name} has {array.shape[0]} rows; expected {n_rows}.")
    return array.reshape(n_rows, -1)


def washout_of(model):
    washout = getattr(model, "washout", 0)
    return int(washout) if isinstance(washout, numbers.Integral) else 0


# -- metrics -----------------------------------------------------------------------------------
def check_metric(metric, default=None):
    """``metric`` if callable, ``default`` (NRMSE unless given) when None.

    Raises
    ------
    TypeError
        When ``metric`` is neither None nor callable.
    """
    if metric is None:
        return default if default is not None else nrmse
    if not callable(metric):
        raise TypeError(
            f"metric must be a callable metric(y_true, y_pred) -> float; got {metric!r}."
        )
    return metric


def metric_name(metric):
    """Column name for a metric: its function name (through functools.partial)."""
    while isinstance(metric, functools.partial):
        metric = metric.func
    return getattr(metric, "__name__", "score")


def validation_steps(validation, n_steps, name="validation"):
    """Number of held-out final steps: a fraction in (0, 1) of ``n_steps`` or an int."""
    if isinstance(validation, numbers.Integral) and not isinstance(validation, bool):
        n_val = int(validation)
    else:
        check_in_range(validation, name, 0, 1, low_inclusive=False, high_inclusive=False)
        n_val = int(round(validation * n_steps))
    if not 1 <= n_val < n_steps:
        raise ValueError(
            f"{name}={validation!r} holds out {n_val} of {n_steps} steps; at least 1 must be "
            "held out and at least 1 left for training."
        )
    return n_val


# -- hold-out scoring --------------------------------------------------------------------------
@dataclass
class Holdout:
    """A model fitted on [start, split) and its errors on the training and validation parts."""

    estimator: object
    train_error: float
    validation_error: float
    fit_time: float
    X_train: object
    y_train: object


def fit_and_score(estimator, Xs, ys, start, split, stop, metric):
    """Fit a clone on steps [start, split), score it on [split, stop) (see :func:`holdout`)."""
    model = clone(estimator)
    began = time.perf_counter()
    if is_regressor(model):
        model.fit(part_of(Xs, start, split), ys.part(start, split))
        fit_time = time.perf_counter() - began
        predicted = as_2d(model.predict(part_of(Xs, start, stop)), stop - start, "prediction")
        first = washout_of(model)
    else:
        model.fit(ys.part(start, split), X=part_of(Xs, start, split))
        fit_time = time.perf_counter() - began
        one_step = model.predict_next(ys.part(start, stop), X=part_of(Xs, start, stop))
        one_step = as_2d(one_step, stop - start, "one-step prediction")
        # Row t of predict_next predicts step t + 1: shift so that row t predicts step t.
        predicted = np.vstack([np.full((1, one_step.shape[1]), np.nan), one_step[:-1]])
        first = washout_of(model) + 1
    truth = ys.values[start:stop]
    n_train = split - start
    if first >= n_train:
        raise ValueError(
            f"The training part has {n_train} steps, not more than the washout; use more data."
        )
    return Holdout(
        estimator=model,
        train_error=float(metric(truth[first:n_train], predicted[first:n_train])),
        validation_error=float(metric(truth[n_train:], predicted[n_train:])),
        fit_time=fit_time,
        X_train=part_of(Xs, start, split),
        y_train=ys.part(start, split),
    )


def holdout(estimator, X, y, *, train_size, validation, metric):
    """Fit on the ``train_size`` steps before the held-out end of the series; score both parts.

    Parameters
    ----------
    estimator : regressor or forecaster
        Cloned, never modified. A regressor is fitted on ``(X, y)`` and
        scored on ``predict``; a forecaster on ``y`` (``X`` exogenous) and
        scored on its one-step predictions ``predict_next``. The washout
        steps (and a forecaster's first step) are not scored.
    X : array-like of shape (T,) or (T, d) or None
        Required for a regressor.
    y : array-like of shape (T,) or (T, k)
    train_size : int or None
        Training steps just before the validation part; None uses them all.
    validation : float in (0, 1) or int
        Fraction (or number) of final steps held out.
    metric : callable
        ``metric(y_true, y_pred) -> float``.

    Returns
    -------
    Holdout
    """
    Xs, ys = paired_series(X, y, x_required=is_regressor(estimator))
    split = len(ys) - validation_steps(validation, len(ys))
    start = 0 if train_size is None else split - train_size
    return fit_and_score(estimator, Xs, ys, start, split, len(ys), metric)
