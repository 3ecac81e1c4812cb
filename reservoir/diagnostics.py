"""Practical diagnostics: is the reservoir in a useful regime, and where does the model fail?

* :func:`state_statistics` summarises reservoir activations unit by unit:
  histograms, mean and spread, the fraction of time each unit is saturated
  (``|x|`` near 1 for tanh units, where it carries little information and
  its gradient-free readout sees a near-binary signal) and the fraction near 0
  (a unit that barely responds). Too much of either suggests rescaling the
  inputs or the spectral radius (Lukoševičius 2012, "A practical guide to
  applying echo state networks", Sec. 3.2.5 and 4.1).
* :func:`worst_errors` lists the examples (series, or time steps) a fitted
  classifier or regressor gets most wrong, for inspection.

Plots of both live in :mod:`reservoir.plotting`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import is_classifier, is_regressor
from sklearn.utils.validation import check_is_fitted

from ._validation import check_in_range, check_series, check_washout

__all__ = ["StateStatistics", "state_statistics", "worst_errors"]


@dataclass(frozen=True)
class StateStatistics:
    """Per-unit summary of reservoir activations, returned by :func:`state_statistics`.

    Attributes
    ----------
    histograms : ndarray of shape (n_units, bins)
        Counts of each unit's activations per bin (values outside the range
        are counted in the first or last bin).
    bin_edges : ndarray of shape (bins + 1,)
    mean, std : ndarray of shape (n_units,)
    fraction_saturated : ndarray of shape (n_units,)
        Fraction of steps with ``|x| >= saturation``.
    fraction_near_zero : ndarray of shape (n_units,)
        Fraction of steps with ``|x| <= near_zero``.
    n_steps : int
        Number of time steps summarised (all series together).
    saturation, near_zero : float
        The thresholds used.
    """

    histograms: np.ndarray
    bin_edges: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    fraction_saturated: np.ndarray
    fraction_near_zero: np.ndarray
    n_steps: int
    saturation: float
    near_zero: float

    @property
    def n_units(self) -> int:
        """Number of units (state features) summarised."""
        return self.histograms.shape[0]

    @property
    def overall_fraction_saturated(self) -> float:
        """Fraction of all activations (every unit, every step) that are saturated."""
        return float(self.fraction_saturated.mean())

    @property
    def overall_fraction_near_zero(self) -> float:
        """Fraction of all activations (every unit, every step) that are near zero."""
        return float(self.fraction_near_zero.mean())

    def to_frame(self) -> pd.DataFrame:
        """One row per unit: mean, std, fraction_saturated, fraction_near_zero.

        Returns
        -------
        pandas.DataFrame
        """
        return pd.DataFrame({
            "mean": self.mean,
            "std": self.std,
            "fraction_saturated": self.fraction_saturated,
            "fraction_near_zero": self.fraction_near_zero,
        }).rename_axis("unit")


def _check_value_range(value_range, values):
    """The histogram range: the given (low, high), or the data's (widened if constant)."""
    if value_range is None:
        low, high = float(values.min()), float(values.max())
        return (low - 0.5, high + 0.5) if low == high else (low, high)
    try:
        low, high = (float(v) for v in value_range)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"value_range must be (low, high) or None; got {value_range!r}.") from exc
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"value_range must be finite with low < high; got {value_range!r}.")
    return low, high


def _unit_histograms(values, bins, low, high):
    """(n_units, bins) counts of each column of (n_steps, n_units) values; outliers in edge bins."""
    n_units = values.shape[1]
    which = np.floor((values - low) / (high - low) * bins).astype(np.int64)
    np.clip(which, 0, bins - 1, out=which)
    flat = which + bins * np.arange(n_units)[None, :]
    return np.bincount(flat.ravel(), minlength=n_units * bins).reshape(n_units, bins)


def state_statistics(states, *, bins=50, value_range=(-1.0, 1.0), saturation=0.95,
                     near_zero=0.05, washout=0):
    """Histograms and saturation statistics of reservoir activations, unit by unit.

    Parameters
    ----------
    states : array-like (T, n_units), list of (T_i, n_units) arrays, or (n, T, n_units) array
        Reservoir states, e.g. ``reservoir.transform(X)``.
    bins : int, default=50
        Number of histogram bins.
    value_range : (float, float) or None, default=(-1.0, 1.0)
        Histogram range; the tanh range by default. None uses the data's
        minimum and maximum (e.g. for the non-negative states of an LSM).
    saturation : float >= 0, default=0.95
        An activation with ``|x| >= saturation`` counts as saturated.
    near_zero : float >= 0, default=0.05
        An activation with ``|x| <= near_zero`` counts as near zero.
    washout : int, default=0
        Initial steps of each series left out (the transient from the initial state).

    Returns
    -------
    StateStatistics

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESN
    >>> from reservoir.diagnostics import state_statistics
    >>> u = np.random.default_rng(0).uniform(-1, 1, 500)
    >>> states = ESN(n_units=50, input_scaling=10.0, random_state=0).fit_transform(u)
    >>> stats = state_statistics(states, washout=50)
    >>> stats.histograms.shape, stats.overall_fraction_saturated > 0.5
    ((50, 50), True)
    """
    check_in_range(bins, "bins", 1, integer=True)
    check_in_range(saturation, "saturation", 0)
    check_in_range(near_zero, "near_zero", 0)
    series = check_series(states, name="states")
    washout = check_washout(washout, series.lengths)
    values = np.concatenate([s[washout:] for s in series.series])
    low, high = _check_value_range(value_range, values)
    magnitude = np.abs(values)
    return StateStatistics(
        histograms=_unit_histograms(values, bins, low, high),
        bin_edges=np.linspace(low, high, bins + 1),
        mean=values.mean(axis=0),
        std=values.std(axis=0),
        fraction_saturated=(magnitude >= saturation).mean(axis=0),
        fraction_near_zero=(magnitude <= near_zero).mean(axis=0),
        n_steps=len(values),
        saturation=float(saturation),
        near_zero=float(near_zero),
    )


# -- worst errors -------------------------------------------------------------------------------
def _per_series(values, X):
    """Split outputs or targets that follow X's structure into one array per series."""
    layout = check_series(X, name="X").layout
    if layout == "single":
        return [np.asarray(values)]
    return [np.asarray(v) for v in values]


def _true_class_loss(estimator, y_true, y_pred, proba):
    """1 - probability of the true class when available, else 0/1 misclassification."""
    if proba is None:
        return (y_true != y_pred).astype(float)
    column = {label: i for i, label in enumerate(estimator.classes_)}
    index = np.array([column.get(label, -1) for label in y_true])
    p_true = np.where(index >= 0, proba[np.arange(len(y_true)), np.maximum(index, 0)], 0.0)
    return 1.0 - p_true


def _worst_series(estimator, X, y, k):
    y_true = np.asarray(y).reshape(-1)
    y_pred = np.asarray(estimator.predict(X)).reshape(-1)
    if len(y_true) != len(y_pred):
        raise ValueError(f"y holds {len(y_true)} labels but X holds {len(y_pred)} examples.")
    proba = estimator.predict_proba(X) if hasattr(estimator, "predict_proba") else None
    frame = pd.DataFrame({"series": np.arange(len(y_true)), "y_true": y_true, "y_pred": y_pred,
                          "error": _true_class_loss(estimator, y_true, y_pred, proba)})
    return _top(frame, k)


def _step_errors(estimator, true, pred, proba):
    """Per-step error of one series: 1 - p(true class)/misclassification, or |error| (L2)."""
    if is_classifier(estimator):
        return _true_class_loss(estimator, true.reshape(-1), pred.reshape(-1), proba)
    diff = true.reshape(len(true), -1).astype(float) - pred.reshape(len(pred), -1)
    return np.sqrt((diff**2).sum(axis=1))


def _worst_steps(estimator, X, y, k):
    washout = int(getattr(estimator, "washout", 0) or 0)
    trues = _per_series(y, X)
    preds = _per_series(estimator.predict(X), X)
    has_proba = is_classifier(estimator) and hasattr(estimator, "predict_proba")
    probas = _per_series(estimator.predict_proba(X), X) if has_proba else [None] * len(preds)
    if len(trues) != len(preds):
        raise ValueError(f"y holds {len(trues)} series but X holds {len(preds)}.")
    frames = []
    for i, (true, pred, proba) in enumerate(zip(trues, preds, probas, strict=True)):
        if len(true) != len(pred):
            raise ValueError(f"y[{i}] has {len(true)} steps but X[{i}] has {len(pred)}.")
        steps = np.arange(washout, len(true))
        errors = _step_errors(estimator, true, pred, proba)[washout:]
        frames.append(pd.DataFrame({
            "series": i, "step": steps,
            "y_true": list(true[washout:]) if true.ndim > 1 else true[washout:],
            "y_pred": list(pred[washout:]) if pred.ndim > 1 else pred[washout:],
            "error": errors,
        }))
    return _top(pd.concat(frames, ignore_index=True), k)


def _top(frame, k):
    """The k rows of largest error, largest first; ties in their original order."""
    return frame.sort_values("error", ascending=False, kind="stable").head(k).reset_index(
        drop=True
    )


def worst_errors(estimator, X, y, k=5):
    """The k examples a fitted classifier or regressor gets most wrong.

    For a classifier that predicts one label per series (or per row), each
    series is an example and its error is ``1 - p(true class)`` when the
    estimator has ``predict_proba``, else 1 for a wrong label and 0 for a right
    one. For per-step models (a regressor, or a classifier with
    ``per_step=True``) each time step after the estimator's ``washout`` is an
    example; its error is ``1 - p(true class)`` (or 0/1) for classifiers and
    the Euclidean norm of the prediction error for regressors.

    Parameters
    ----------
    estimator : fitted classifier or regressor
        E.g. :class:`~reservoir.ReservoirClassifier`,
        :class:`~reservoir.ReservoirRegressor`, or any scikit-learn model.
    X, y : data in the structure the estimator's ``predict`` and ``score`` take
    k : int, default=5
        Number of examples returned (fewer if there are fewer).

    Returns
    -------
    pandas.DataFrame
        Columns ``series`` (position of the series or row in X), ``step``
        (per-step models only), ``y_true``, ``y_pred`` and ``error``, sorted by
        decreasing error.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from reservoir import ESN, ReservoirClassifier
    >>> from reservoir.datasets import template_classification
    >>> from reservoir.diagnostics import worst_errors
    >>> X, y = template_classification(n_series=40, random_state=0)
    >>> clf = ReservoirClassifier(ESN(n_units=30, random_state=0), LogisticRegression(),
    ...                           pooling="mean").fit(X, y)
    >>> list(worst_errors(clf, X, y, k=3).columns)
    ['series', 'y_true', 'y_pred', 'error']
    """
    check_is_fitted(estimator)
    k = int(check_in_range(k, "k", 1, integer=True))
    if is_classifier(estimator) and not getattr(estimator, "per_step", False):
        return _worst_series(estimator, X, y, k)
    if is_classifier(estimator) or is_regressor(estimator):
        return _worst_steps(estimator, X, y, k)
    raise TypeError(
        "worst_errors needs a classifier or regressor whose predict(X) follows X's series "
        f"or rows; got {type(estimator).__name__}. For a forecaster, compare "
        "predict_next(y) with the next values of y."
    )
