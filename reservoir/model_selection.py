"""Time-series model selection: forecast cross-validation, searches, ridge paths, learning curves.

Every function works for the two kinds of models of the library:

* **regressors** (``ReservoirRegressor``, ``LSTMRegressor``, any scikit-learn
  regressor of one series), ``fit(X, y)`` / ``predict(X)``, the output at
  step t read from the input up to t;
* **forecasters** (``ReservoirForecaster``, the baselines of
  :mod:`reservoir.baselines`), ``fit(y, X=None)``, closed-loop
  ``predict(n_steps, X=None)`` and teacher-forced ``predict_next(y, X=None)``.

A model is a regressor when :func:`sklearn.base.is_regressor` says so;
anything else is treated as a forecaster. Time order is always respected:
models are fitted on a leading part of the series and scored on what
follows it.

Hold-out scoring (used by :func:`learning_curve`, the one-step search and
:func:`reservoir.analysis.stability_sweep`): the model is fitted on the
training part, then run over training and validation part together, so that
its state at the first validation step is warmed up by the training data. A
regressor predicts ``y[t]`` from ``X[:t+1]``; a forecaster's teacher-forced
one-step prediction of ``y[t]`` uses ``y[:t]``. The training error skips the
model's ``washout`` steps.
"""

from __future__ import annotations

import functools
import numbers
import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.base import clone, is_regressor
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import ParameterSampler, RandomizedSearchCV, TimeSeriesSplit

from ._validation import check_in_range, check_series, check_washout

__all__ = [
    "ForecastCVResult",
    "SearchResult",
    "forecast_cv",
    "learning_curve",
    "ridge_alpha_path",
    "search_hyperparameters",
]

_WINDOWS = ("expanding", "rolling")


# -- data handling -----------------------------------------------------------------------------
@dataclass
class _Series:
    """One validated series: (T, d) values and whether the caller passed it 1-D."""

    values: np.ndarray
    was_1d: bool

    def __len__(self):
        return len(self.values)

    def part(self, start, stop):
        """Rows ``start:stop`` in the caller's dimensionality (1-D stays 1-D)."""
        block = self.values[start:stop]
        return block[:, 0] if self.was_1d else block


def _single_series(values, name):
    """Validate one series (array or pandas); None passes through."""
    if values is None:
        return None
    series = check_series(values, name=name)
    if series.layout != "single":
        raise ValueError(
            f"{name} must be one series of shape (T,) or (T, d); got {len(series)} series."
        )
    return _Series(series.series[0], series.was_1d)


def _paired(X, y, *, x_required):
    """Validated (X, y) of equal lengths; X may be None unless ``x_required``."""
    if x_required and X is None:
        raise ValueError("X is required for a regressor: it is the input series.")
    ys, Xs = _single_series(y, "y"), _single_series(X, "X")
    if Xs is not None and len(Xs) != len(ys):
        raise ValueError(f"X has {len(Xs)} time steps but y has {len(ys)}; lengths must match.")
    return Xs, ys


def _part(series, start, stop):
    return None if series is None else series.part(start, stop)


def _as_2d(values, n_rows, name):
    """A model's output as a float (n_rows, k) array."""
    array = np.asarray(values, dtype=float)
    if array.shape[0] != n_rows:
        raise ValueError(f"The model's {name} has {array.shape[0]} rows; expected {n_rows}.")
    return array.reshape(n_rows, -1)


def _washout_of(model):
    washout = getattr(model, "washout", 0)
    return int(washout) if isinstance(washout, numbers.Integral) else 0


# -- metrics -----------------------------------------------------------------------------------
def _check_metric(metric, default=None):
    """``metric`` if callable, ``default`` (NRMSE unless given) when None."""
    if metric is None:
        from .metrics import nrmse

        return default if default is not None else nrmse
    if not callable(metric):
        raise TypeError(
            f"metric must be a callable metric(y_true, y_pred) -> float; got {metric!r}."
        )
    return metric


def _metric_name(metric):
    """Column name for a metric: its function name (through functools.partial)."""
    while isinstance(metric, functools.partial):
        metric = metric.func
    return getattr(metric, "__name__", "score")


def _validation_steps(validation, n_steps, name="validation"):
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
class _Holdout:
    """A model fitted on [start, split) and its errors on the training and validation parts."""

    estimator: object
    train_error: float
    validation_error: float
    fit_time: float
    X_train: object
    y_train: object


def _fit_and_score(estimator, Xs, ys, start, split, stop, metric):
    """Fit a clone on steps [start, split), score it on [split, stop) (see the module docstring)."""
    model = clone(estimator)
    began = time.perf_counter()
    if is_regressor(model):
        model.fit(_part(Xs, start, split), ys.part(start, split))
        fit_time = time.perf_counter() - began
        predicted = _as_2d(model.predict(_part(Xs, start, stop)), stop - start, "prediction")
        first = _washout_of(model)
    else:
        model.fit(ys.part(start, split), X=_part(Xs, start, split))
        fit_time = time.perf_counter() - began
        one_step = model.predict_next(ys.part(start, stop), X=_part(Xs, start, stop))
        one_step = _as_2d(one_step, stop - start, "one-step prediction")
        # Row t of predict_next predicts step t + 1: shift so that row t predicts step t.
        predicted = np.vstack([np.full((1, one_step.shape[1]), np.nan), one_step[:-1]])
        first = _washout_of(model) + 1
    truth = ys.values[start:stop]
    n_train = split - start
    if first >= n_train:
        raise ValueError(
            f"The training part has {n_train} steps, not more than the washout; use more data."
        )
    return _Holdout(
        estimator=model,
        train_error=float(metric(truth[first:n_train], predicted[first:n_train])),
        validation_error=float(metric(truth[n_train:], predicted[n_train:])),
        fit_time=fit_time,
        X_train=_part(Xs, start, split),
        y_train=ys.part(start, split),
    )


def _holdout(estimator, X, y, *, train_size, validation, metric):
    """Fit on the ``train_size`` steps before the held-out end of the series; score both parts.

    ``train_size=None`` uses all steps before the validation part.
    """
    Xs, ys = _paired(X, y, x_required=is_regressor(estimator))
    split = len(ys) - _validation_steps(validation, len(ys))
    start = 0 if train_size is None else split - train_size
    return _fit_and_score(estimator, Xs, ys, start, split, len(ys), metric)


# -- learning curve ----------------------------------------------------------------------------
def _train_sizes(train_sizes, available):
    """Training lengths: ints as they are, floats in (0, 1] as fractions of ``available``."""
    sizes = []
    for size in np.atleast_1d(np.asarray(train_sizes, dtype=object)):
        if isinstance(size, numbers.Integral) and not isinstance(size, bool):
            n = int(size)
        elif isinstance(size, numbers.Real) and 0 < size <= 1:
            n = int(round(float(size) * available))
        else:
            raise ValueError(
                "train_sizes must hold ints (steps) or floats in (0, 1] (fractions of the "
                f"{available} training steps); got {size!r}."
            )
        if not 1 <= n <= available:
            raise ValueError(
                f"train size {size!r} gives {n} steps; it must be between 1 and the "
                f"{available} steps before the validation part."
            )
        sizes.append(n)
    if not sizes:
        raise ValueError("train_sizes is empty.")
    return sizes


def learning_curve(estimator, X, y, train_sizes=(0.2, 0.4, 0.6, 0.8, 1.0), *, validation=0.25,
                   metric=None):
    """Training and validation error against the length of the training series.

    The last ``validation`` part of the series is held out once. For each
    size n the model is fitted on the n steps just before it and scored on
    it (see the module docstring), so the validation set is the same for all
    sizes. A validation error still falling at the largest size says that
    more data would help; one that has levelled off near the training error
    says it would not.

    Parameters
    ----------
    estimator : regressor or forecaster
    X : array-like of shape (T,) or (T, d) or None
        Regressor: the input (required). Forecaster: optional exogenous input.
    y : array-like of shape (T,) or (T, k)
        Regressor: the target. Forecaster: the series.
    train_sizes : sequence of int or float, default=(0.2, 0.4, 0.6, 0.8, 1.0)
        Training lengths in steps (int) or as fractions (float in (0, 1]) of
        the steps before the validation part. Each must exceed the model's washout.
    validation : float in (0, 1) or int, default=0.25
        Fraction (or number) of final steps held out.
    metric : callable, default=reservoir.metrics.nrmse
        ``metric(y_true, y_pred) -> float``, lower is better.

    Returns
    -------
    pandas.DataFrame
        One row per size: ``train_size``, ``train_<metric>``,
        ``validation_<metric>``, ``fit_time`` (seconds).

    Examples
    --------
    >>> from reservoir import ESN, ReservoirRegressor
    >>> from reservoir.datasets import narma
    >>> from reservoir.model_selection import learning_curve
    >>> u, y = narma(1000, random_state=0)
    >>> reg = ReservoirRegressor(ESN(n_units=50, random_state=0), washout=50)
    >>> curve = learning_curve(reg, u, y, train_sizes=[200, 750])
    >>> curve["train_size"].tolist()
    [200, 750]
    """
    metric = _check_metric(metric)
    Xs, ys = _paired(X, y, x_required=is_regressor(estimator))
    split = len(ys) - _validation_steps(validation, len(ys))
    name = _metric_name(metric)
    rows = []
    for n in _train_sizes(train_sizes, split):
        result = _fit_and_score(estimator, Xs, ys, split - n, split, len(ys), metric)
        rows.append({"train_size": n, f"train_{name}": result.train_error,
                     f"validation_{name}": result.validation_error, "fit_time": result.fit_time})
    return pd.DataFrame(rows)


# -- forecast cross-validation -----------------------------------------------------------------
@dataclass
class ForecastCVResult:
    """Outcome of :func:`forecast_cv`.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per split: ``train_start``, ``origin`` (first forecast step),
        ``train_size``, the metric (column named after it), ``fit_time``.
    step_errors : pandas.DataFrame
        One row per split, one column per horizon step 1 .. horizon: the
        root mean square over the outputs of the forecast error at that step
        (the absolute error for one output).
    forecasts : list of ndarray of shape (horizon, d)
        The forecasts, one per split.
    metric_name : str
        Name of the metric column of ``scores``.
    """

    scores: pd.DataFrame
    step_errors: pd.DataFrame
    forecasts: list
    metric_name: str

    @property
    def mean_score(self) -> float:
        """Mean of the per-split scores (NaN for failed splits ignored)."""
        return float(np.nanmean(self.scores[self.metric_name].to_numpy(dtype=float)))

    @property
    def horizon_rmse(self) -> pd.Series:
        """RMSE at each horizon step over all splits: how the error grows with the lead time."""
        return np.sqrt((self.step_errors**2).mean(axis=0))


def _forecast_origins(n_steps, horizon, n_splits, step, min_train_size):
    """First forecast step of each split: the last ends the series, the others ``step`` apart."""
    last = n_steps - horizon
    origins = [last - step * (n_splits - 1 - k) for k in range(n_splits)]
    if origins[0] < min_train_size:
        raise ValueError(
            f"y has {n_steps} steps, too few for n_splits={n_splits} forecasts of horizon="
            f"{horizon} spaced by step={step} after min_train_size={min_train_size} training "
            f"steps (need {min_train_size + horizon + step * (n_splits - 1)})."
        )
    return origins


def _check_forecast_cv_args(horizon, n_splits, window, step, min_train_size):
    horizon = int(check_in_range(horizon, "horizon", 1, integer=True))
    n_splits = int(check_in_range(n_splits, "n_splits", 1, integer=True))
    if window not in _WINDOWS:
        raise ValueError(f"window must be one of {_WINDOWS}; got {window!r}.")
    step = horizon if step is None else int(check_in_range(step, "step", 1, integer=True))
    if min_train_size is not None:
        min_train_size = int(check_in_range(min_train_size, "min_train_size", 1, integer=True))
    return horizon, n_splits, step, min_train_size


def _forecast_split(estimator, Xs, ys, start, origin, horizon):
    """Fit a clone on [start, origin) and forecast ``horizon`` steps in closed loop."""
    model = clone(estimator)
    began = time.perf_counter()
    model.fit(ys.part(start, origin), X=_part(Xs, start, origin))
    fit_time = time.perf_counter() - began
    forecast = model.predict(horizon, X=_part(Xs, origin, origin + horizon))
    return _as_2d(forecast, horizon, "forecast"), fit_time


def _score_forecast(metric, truth, forecast, origin):
    if not np.all(np.isfinite(forecast)):
        warnings.warn(
            f"The forecast from origin {origin} is not finite; its score is NaN.",
            RuntimeWarning,
            stacklevel=3,
        )
        return float("nan")
    return float(metric(truth, forecast))


def forecast_cv(estimator, y, horizon, n_splits=5, window="expanding", min_train_size=None,
                metric=None, X=None, *, step=None):
    """Cross-validate a forecaster with a rolling or expanding forecast origin.

    For each split the forecaster (a clone) is fitted on ``y`` up to the
    origin and forecasts ``horizon`` steps in closed loop, scored against the
    truth. The last split's forecast ends with the series; earlier origins
    are ``step`` steps apart (default ``horizon``: adjacent, non-overlapping
    test windows), like :class:`sklearn.model_selection.TimeSeriesSplit`
    with ``test_size=horizon``.

    Parameters
    ----------
    estimator : forecaster
        Anything with ``fit(y, X=None)`` and ``predict(n_steps, X=None)``:
        :class:`~reservoir.ReservoirForecaster`, the baselines in
        :mod:`reservoir.baselines`.
    y : array-like of shape (T,) or (T, d), or pandas Series/DataFrame
        One series.
    horizon : int >= 1
        Number of steps forecast from each origin.
    n_splits : int >= 1, default=5
    window : {"expanding", "rolling"}, default="expanding"
        ``"expanding"``: train on everything before the origin.
        ``"rolling"``: train on the last ``min_train_size`` steps before it
        (by default as many as the first split has).
    min_train_size : int, optional
        Steps before the first origin required (and the rolling window length).
    metric : callable, default=reservoir.metrics.rmse
        ``metric(y_true, y_pred) -> float`` on (horizon, d) arrays, lower is
        better. (NRMSE over a short horizon is dominated by the variance of
        the few true values, hence RMSE by default.)
    X : array-like of shape (T, k), optional
        Exogenous input aligned with ``y``; each forecast receives the
        ``horizon`` rows after its origin as ``predict(..., X=...)``.
    step : int, optional
        Distance between consecutive origins; default ``horizon``.

    Returns
    -------
    ForecastCVResult
        ``scores`` (per split), ``step_errors`` (per split and horizon step),
        ``forecasts``; ``mean_score`` and ``horizon_rmse`` summarise them.

    Warns
    -----
    RuntimeWarning
        A forecast is not finite; its score is NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir.baselines import PersistenceForecaster
    >>> from reservoir.model_selection import forecast_cv
    >>> result = forecast_cv(PersistenceForecaster(), np.arange(30.0), horizon=3, n_splits=2)
    >>> result.step_errors.to_numpy().tolist()
    [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]
    """
    from .metrics import rmse

    horizon, n_splits, step, min_train_size = _check_forecast_cv_args(
        horizon, n_splits, window, step, min_train_size)
    metric = _check_metric(metric, default=rmse)
    Xs, ys = _paired(X, y, x_required=False)
    origins = _forecast_origins(len(ys), horizon, n_splits, step, min_train_size or 1)
    window_size = min_train_size or origins[0]
    rows, step_errors, forecasts = [], [], []
    for origin in origins:
        start = 0 if window == "expanding" else origin - window_size
        forecast, fit_time = _forecast_split(estimator, Xs, ys, start, origin, horizon)
        truth = ys.values[origin:origin + horizon]
        forecasts.append(forecast)
        step_errors.append(np.sqrt(np.mean((truth - forecast) ** 2, axis=1)))
        rows.append({"train_start": start, "origin": origin, "train_size": origin - start,
                     _metric_name(metric): _score_forecast(metric, truth, forecast, origin),
                     "fit_time": fit_time})
    return ForecastCVResult(
        scores=pd.DataFrame(rows),
        step_errors=pd.DataFrame(np.array(step_errors), columns=range(1, horizon + 1)),
        forecasts=forecasts,
        metric_name=_metric_name(metric),
    )


# -- hyperparameter search ---------------------------------------------------------------------
@dataclass
class SearchResult:
    """Outcome of :func:`search_hyperparameters`.

    Attributes
    ----------
    best_params : dict
        The configuration with the highest mean score.
    best_score : float
        Its mean cross-validated score (higher is better; for forecasters
        the negated error).
    best_estimator : estimator or None
        A clone with ``best_params`` refitted on all the data (None when
        ``refit=False``).
    cv_results : pandas.DataFrame
        One row per configuration, with scikit-learn's columns ``params``,
        ``param_<name>``, ``split<k>_test_score``, ``mean_test_score``,
        ``std_test_score``, ``rank_test_score``.
    n_configurations : int
        Number of configurations evaluated (each on every split): the tuning
        budget actually spent.
    search : RandomizedSearchCV or None
        The scikit-learn search object for a regressor, None for a forecaster.
    """

    best_params: dict
    best_score: float
    best_estimator: object
    cv_results: pd.DataFrame
    n_configurations: int
    search: object = None


def _search_regressor(estimator, param_distributions, X, y, *, n_iter, cv, scoring, refit,
                      random_state, error_score):
    splitter = TimeSeriesSplit(n_splits=cv) if isinstance(cv, numbers.Integral) else cv
    search = RandomizedSearchCV(estimator, param_distributions, n_iter=n_iter, scoring=scoring,
                                cv=splitter, refit=refit, random_state=random_state,
                                error_score=error_score)
    search.fit(X, y)
    results = pd.DataFrame(search.cv_results_)
    return SearchResult(
        best_params=search.best_params_,
        best_score=float(search.best_score_),
        best_estimator=search.best_estimator_ if refit else None,
        cv_results=results,
        n_configurations=len(results),
        search=search,
    )


def _one_step_scores(model, Xs, ys, n_splits, metric):
    """Validation errors of teacher-forced one-step predictions on TimeSeriesSplit folds."""
    folds = TimeSeriesSplit(n_splits=n_splits).split(np.arange(len(ys)))
    return [
        _fit_and_score(model, Xs, ys, 0, int(test[0]), int(test[-1]) + 1, metric).validation_error
        for _, test in folds
    ]


def _candidate_errors(model, Xs, ys, X, y, *, cv, horizon, window, min_train_size, metric,
                      error_score):
    """Per-split errors of one configuration; ``error_score`` for each split if it fails."""
    try:
        if horizon is None:
            return _one_step_scores(model, Xs, ys, cv, metric)
        result = forecast_cv(model, y, horizon, n_splits=cv, window=window,
                             min_train_size=min_train_size, metric=metric, X=X)
        return result.scores[result.metric_name].tolist()
    except Exception as exc:  # noqa: BLE001 - same policy as scikit-learn's error_score
        if isinstance(error_score, str) and error_score == "raise":
            raise
        warnings.warn(
            f"Fitting or scoring failed for {model.get_params(deep=False)}: {exc!r}. Its scores "
            f"are set to error_score={error_score}.",
            FitFailedWarning,
            stacklevel=3,
        )
        return [float(error_score)] * cv


def _cv_results(candidates, scores):
    """scikit-learn-style cv_results of ``candidates`` and their (n, n_splits) ``scores``."""
    results = {"params": candidates}
    for name in sorted({key for params in candidates for key in params}):
        results[f"param_{name}"] = [params.get(name, np.nan) for params in candidates]
    for k in range(scores.shape[1]):
        results[f"split{k}_test_score"] = scores[:, k]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows of failed configurations
        mean = np.nanmean(scores, axis=1)
        results["std_test_score"] = np.nanstd(scores, axis=1)
    results["mean_test_score"] = mean
    ranked = np.where(np.isnan(mean), -np.inf, mean)
    results["rank_test_score"] = rankdata(-ranked, method="min").astype(int)
    return pd.DataFrame(results)


def _search_forecaster(estimator, param_distributions, X, y, *, n_iter, cv, scoring, horizon,
                       window, min_train_size, refit, random_state, error_score):
    from .metrics import rmse

    if not isinstance(cv, numbers.Integral) or isinstance(cv, bool) or cv < 2:
        raise ValueError(f"cv must be an int >= 2 (number of splits) for a forecaster; got {cv!r}.")
    metric = _check_metric(scoring, default=rmse)
    Xs, ys = _paired(X, y, x_required=False)
    candidates = list(ParameterSampler(param_distributions, n_iter, random_state=random_state))
    errors = np.array([
        _candidate_errors(clone(estimator).set_params(**params), Xs, ys, X, y, cv=cv,
                          horizon=horizon, window=window, min_train_size=min_train_size,
                          metric=metric, error_score=error_score)
        for params in candidates
    ], dtype=float)
    results = _cv_results(candidates, -errors)
    if results["mean_test_score"].isna().all():
        raise ValueError("Every configuration failed; see the FitFailedWarning messages.")
    best = int(np.argmin(results["rank_test_score"].to_numpy()))
    best_params = candidates[best]
    best_estimator = None
    if refit:
        best_estimator = clone(estimator).set_params(**best_params).fit(y, X=X)
    return SearchResult(best_params, float(results["mean_test_score"][best]), best_estimator,
                        results, len(candidates))


def search_hyperparameters(estimator, param_distributions, y, X=None, *, n_iter=10, cv=5,
                           scoring=None, horizon=None, window="expanding", min_train_size=None,
                           refit=True, random_state=None, error_score=np.nan):
    """Randomized hyperparameter search for a regressor or a forecaster, time order respected.

    * **Regressor** (``is_regressor(estimator)``): scikit-learn's
      :class:`~sklearn.model_selection.RandomizedSearchCV` on ``(X, y)`` with
      :class:`~sklearn.model_selection.TimeSeriesSplit` folds (``cv`` splits).
    * **Forecaster**: the same sampling (:class:`~sklearn.model_selection.ParameterSampler`
      with ``random_state``) and one score per split:

      - ``horizon=None`` (default): the error of teacher-forced one-step
        predictions (``predict_next``) over each TimeSeriesSplit test fold,
        the model fitted on everything before the fold. Every test step
        counts, so scores are far less noisy than from a few forecasts;
      - ``horizon=h``: the closed-loop error of :func:`forecast_cv` with
        ``n_splits=cv`` origins, for models meant to free-run.

    Parameters
    ----------
    estimator : regressor or forecaster
    param_distributions : dict or list of dicts
        As in RandomizedSearchCV: lists are sampled uniformly, scipy
        distributions through their ``rvs``; nested names such as
        ``reservoir__spectral_radius`` work.
    y : array-like
        Regressor: the target. Forecaster: the series (one).
    X : array-like, optional
        Regressor: the input (required). Forecaster: exogenous input.
    n_iter : int, default=10
        Configurations sampled; fewer when a grid of lists has fewer points.
    cv : int or scikit-learn splitter, default=5
        Number of splits (a splitter object for regressors only).
    scoring : optional
        Regressor: scikit-learn ``scoring`` (None: the estimator's ``score``,
        R²). Forecaster: an error ``metric(y_true, y_pred) -> float``
        (default :func:`reservoir.metrics.rmse`); scores are its negation, so
        that higher is better in both cases.
    horizon : int, optional
        Forecasters only; see above.
    window, min_train_size
        Forecasters with ``horizon``: passed to :func:`forecast_cv`.
    refit : bool, default=True
        Refit the best configuration on all the data.
    random_state : int, RandomState instance or None
        Seed of the sampling of configurations.
    error_score : "raise" or float, default=np.nan
        Score of a configuration whose fit or prediction fails (with a
        FitFailedWarning), or "raise" to propagate the error.

    Returns
    -------
    SearchResult
        ``best_params``, ``best_score``, ``best_estimator``, ``cv_results``
        and ``n_configurations``, the number of configurations evaluated (the
        benchmark gives every model the same number).

    Examples
    --------
    >>> from reservoir import ESN, ReservoirForecaster
    >>> from reservoir.datasets import mackey_glass
    >>> from reservoir.model_selection import search_hyperparameters
    >>> y = mackey_glass(900, random_state=0)
    >>> model = ReservoirForecaster(ESN(n_units=30, random_state=0), washout=50)
    >>> result = search_hyperparameters(model, {"reservoir__spectral_radius": [0.5, 0.9]}, y,
    ...                                 cv=3, refit=False)
    >>> result.n_configurations
    2
    """
    n_iter = int(check_in_range(n_iter, "n_iter", 1, integer=True))
    if is_regressor(estimator):
        if X is None:
            raise ValueError("X is required for a regressor: it is the input series.")
        if horizon is not None:
            raise ValueError("horizon applies to forecasters only; the estimator is a regressor.")
        return _search_regressor(estimator, param_distributions, X, y, n_iter=n_iter, cv=cv,
                                 scoring=scoring, refit=refit, random_state=random_state,
                                 error_score=error_score)
    if horizon is not None:
        horizon = int(check_in_range(horizon, "horizon", 1, integer=True))
    return _search_forecaster(estimator, param_distributions, X, y, n_iter=n_iter, cv=cv,
                              scoring=scoring, horizon=horizon, window=window,
                              min_train_size=min_train_size, refit=refit,
                              random_state=random_state, error_score=error_score)


# -- ridge path --------------------------------------------------------------------------------
def _readout_pairs(estimator, Xs, ys, n_val):
    """Reservoir inputs, readout targets and the split between training and validation rows.

    Regressor: input ``X[t]``, target ``y[t]``. Forecaster: input ``y[t]``
    (and ``X[t]``), target ``y[t+1]``. In both the validation targets are the
    last ``n_val`` steps of ``y``.
    """
    if is_regressor(estimator):
        return Xs.values, ys.values, len(ys) - n_val
    inputs = ys.values if Xs is None else np.hstack([ys.values, Xs.values])
    return inputs[:-1], ys.values[1:], len(ys) - 1 - n_val


def _check_ridge_estimator(estimator):
    from .estimators import ReservoirForecaster, ReservoirRegressor
    from .readouts import RidgeReadout

    if not isinstance(estimator, (ReservoirRegressor, ReservoirForecaster)):
        raise TypeError(
            "estimator must be a ReservoirRegressor or ReservoirForecaster; "
            f"got {type(estimator).__name__}."
        )
    if estimator.readout is not None and not isinstance(estimator.readout, RidgeReadout):
        raise ValueError(
            "estimator.readout must be a RidgeReadout (or None, its default) to search alpha "
            f"along a path; got {type(estimator.readout).__name__}."
        )


def ridge_alpha_path(estimator, X, y, alphas, *, validation=0.25, metric=None):
    """Validation error of every ridge penalty in ``alphas`` for the price of one reservoir run.

    The reservoir runs once over training and validation data together; the
    readout accumulates the normal equations of the training rows (after
    the washout) and :meth:`~reservoir.RidgeReadout.solve_path` solves them
    for all penalties from one eigendecomposition. The errors equal those of
    refitting the estimator with ``readout__alpha`` set to each value and
    scoring it as :func:`learning_curve` does (one-step predictions for a
    forecaster).

    Parameters
    ----------
    estimator : ReservoirRegressor or ReservoirForecaster
        With a :class:`~reservoir.RidgeReadout` readout (or the default).
    X : array-like of shape (T,) or (T, d) or None
        Regressor: the input. Forecaster: optional exogenous input.
    y : array-like of shape (T,) or (T, k)
        Regressor: the target. Forecaster: the series.
    alphas : sequence of float >= 0
    validation : float in (0, 1) or int, default=0.25
        Fraction (or number) of final steps of ``y`` held out.
    metric : callable, default=reservoir.metrics.nrmse
        ``metric(y_true, y_pred) -> float``, lower is better.

    Returns
    -------
    pandas.DataFrame
        Columns ``alpha`` and ``validation_<metric>``, one row per alpha in
        the order given; ``table.loc[table.iloc[:, 1].idxmin(), "alpha"]`` is the best.

    Examples
    --------
    >>> from reservoir import ESN, ReservoirRegressor
    >>> from reservoir.datasets import narma
    >>> from reservoir.model_selection import ridge_alpha_path
    >>> u, y = narma(1000, random_state=0)
    >>> reg = ReservoirRegressor(ESN(n_units=50, random_state=0), washout=50)
    >>> path = ridge_alpha_path(reg, u, y, [1e-8, 1e-4, 1.0])
    >>> path.shape
    (3, 2)
    """
    _check_ridge_estimator(estimator)
    metric = _check_metric(metric)
    Xs, ys = _paired(X, y, x_required=is_regressor(estimator))
    n_val = _validation_steps(validation, len(ys))
    inputs, targets, split = _readout_pairs(estimator, Xs, ys, n_val)
    model = clone(estimator)
    washout = check_washout(model.washout, [split], name="washout")
    model._build([inputs[:split]])
    states, _ = model.reservoir_.run(inputs)
    features = model._features(states, inputs)
    fit_targets = targets[:, 0] if targets.shape[1] == 1 else targets
    model.readout_.partial_fit(features[washout:split], fit_targets[washout:split])
    coefs, intercepts = model.readout_.solve_path(alphas)
    held_out = features[split:]
    errors = [
        float(metric(targets[split:], (held_out @ coef.T + intercept).reshape(len(held_out), -1)))
        for coef, intercept in zip(coefs, intercepts, strict=True)
    ]
    return pd.DataFrame({"alpha": np.atleast_1d(np.asarray(alphas, dtype=float)),
                         f"validation_{_metric_name(metric)}": errors})
