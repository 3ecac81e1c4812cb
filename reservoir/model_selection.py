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

import dataclasses
import numbers
import threading
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import RidgeClassifier
from sklearn.model_selection import ParameterSampler, RandomizedSearchCV, TimeSeriesSplit

from . import search_spaces
from ._scaling import SeriesScaler
from ._scoring import (
    as_2d,
    check_metric,
    fit_and_score,
    metric_name,
    paired_series,
    part_of,
    validation_steps,
    washout_of,
)
from ._validation import check_bool, check_in_range, check_washout
from .base import RandomStreams, draws_at_random
from .baselines.recurrent import (
    GRUForecaster,
    GRURegressor,
    LeakyRNNForecaster,
    LeakyRNNRegressor,
    LSTMForecaster,
    LSTMRegressor,
)
from .classifier import ReservoirClassifier
from .esn import ESN
from .estimators import ReservoirForecaster, ReservoirRegressor, _ReservoirModel
from .metrics import nrmse, rmse
from .readouts import RidgeReadout

__all__ = [
    "ForecastCVResult",
    "SearchResult",
    "forecast_cv",
    "learning_curve",
    "ridge_alpha_path",
    "search_hyperparameters",
    "TuneResult",
    "tune",
]

_WINDOWS = ("expanding", "rolling")
#: The trained recurrent networks, whose training loop offers a per-epoch callback.
_TRAINED_RNNS = (LSTMRegressor, LSTMForecaster, GRURegressor, GRUForecaster, LeakyRNNRegressor,
                 LeakyRNNForecaster)


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
    metric = check_metric(metric)
    Xs, ys = paired_series(X, y, x_required=is_regressor(estimator))
    split = len(ys) - validation_steps(validation, len(ys))
    name = metric_name(metric)
    rows = []
    for n in _train_sizes(train_sizes, split):
        result = fit_and_score(estimator, Xs, ys, split - n, split, len(ys), metric)
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


def _check_forecaster(estimator):
    """Refuse regressors, classifiers and non-estimators where a forecaster is needed."""
    if not (hasattr(estimator, "fit") and hasattr(estimator, "predict")):
        kind = "not an estimator with fit and predict"
    else:
        kind = ("a regressor" if is_regressor(estimator)
                else "a classifier" if is_classifier(estimator) else None)
    if kind is not None:
        raise TypeError(
            "estimator must be a forecaster, with fit(y, X=None) and predict(n_steps, X=None), "
            "such as ReservoirForecaster or the forecasters of reservoir.baselines; got "
            f"{type(estimator).__name__}, {kind}. Cross-validate a regressor with "
            "learning_curve or scikit-learn's cross_val_score and TimeSeriesSplit."
        )


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
    model.fit(ys.part(start, origin), X=part_of(Xs, start, origin))
    fit_time = time.perf_counter() - began
    forecast = model.predict(horizon, X=part_of(Xs, origin, origin + horizon))
    return as_2d(forecast, horizon, "forecast"), fit_time


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
    _check_forecaster(estimator)
    horizon, n_splits, step, min_train_size = _check_forecast_cv_args(
        horizon, n_splits, window, step, min_train_size)
    metric = check_metric(metric, default=rmse)
    Xs, ys = paired_series(X, y, x_required=False)
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
                     metric_name(metric): _score_forecast(metric, truth, forecast, origin),
                     "fit_time": fit_time})
    return ForecastCVResult(
        scores=pd.DataFrame(rows),
        step_errors=pd.DataFrame(np.array(step_errors), columns=range(1, horizon + 1)),
        forecasts=forecasts,
        metric_name=metric_name(metric),
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
                      random_state, error_score, n_jobs):
    splitter = TimeSeriesSplit(n_splits=cv) if isinstance(cv, numbers.Integral) else cv
    search = RandomizedSearchCV(estimator, param_distributions, n_iter=n_iter, scoring=scoring,
                                cv=splitter, refit=refit, random_state=random_state,
                                error_score=error_score, n_jobs=n_jobs)
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
        fit_and_score(model, Xs, ys, 0, int(test[0]), int(test[-1]) + 1, metric).validation_error
        for _, test in folds
    ]


def _nbytes(value):
    """Bytes of the arrays in ``value`` (an array, a OneSeries, a list of them, a pandas object)."""
    if value is None:
        return 0
    if isinstance(value, (list, tuple)):
        return sum(_nbytes(item) for item in value)
    values = getattr(value, "values", value)
    return int(getattr(values, "nbytes", 0))


class _CarriesData:
    """Mixin of the objects that carry a search's data to joblib workers.

    ``sys.getsizeof`` (which dask's ``sizeof`` falls back to) counts their
    arrays, so that joblib's dask backend scatters such an object to the
    cluster once per ``Parallel`` call (it scatters arguments over 1 kB)
    instead of sending it with every task.
    """

    _data_fields = ("Xs", "ys", "X", "y")

    def __sizeof__(self):
        return object.__sizeof__(self) + sum(_nbytes(getattr(self, name, None))
                                             for name in self._data_fields)


@dataclass
class _CandidateScoring(_CarriesData):
    """How the forecaster search scores one configuration, with the data it scores on."""

    Xs: object
    ys: object
    X: object
    y: object
    cv: int
    horizon: int | None
    window: str
    min_train_size: int | None
    metric: object

    def errors(self, model):
        """Per-split errors of ``model`` (one-step, or closed loop with a horizon)."""
        if self.horizon is None:
            return _one_step_scores(model, self.Xs, self.ys, self.cv, self.metric)
        result = forecast_cv(model, self.y, self.horizon, n_splits=self.cv, window=self.window,
                             min_train_size=self.min_train_size, metric=self.metric, X=self.X)
        return result.scores[result.metric_name].tolist()


def _portable(exc):
    """``exc`` if it survives pickling (the way back from a joblib worker), else a RuntimeError."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - any pickling failure
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _score_candidate(model, scoring):
    """Score one configuration where joblib runs it; never raises.

    BLAS runs on one thread, whatever the backend, so that the scores do not
    depend on where they are computed. Warnings are recorded and sent back,
    for the caller to raise them again in order.

    Returns
    -------
    errors : list of float or None
        Per-split errors, None when scoring failed.
    error : Exception or None
        The failure.
    caught : list of (str, type)
        Message and category of every warning raised meanwhile.
    """
    from threadpoolctl import threadpool_limits

    with warnings.catch_warnings(record=True) as caught, \
            threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("always")
        try:
            errors, error = scoring.errors(model), None
        except Exception as exc:  # noqa: BLE001 - reported to the caller, see error_score
            errors, error = None, _portable(exc)
    return errors, error, [(str(w.message), w.category) for w in caught]


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
                       window, min_train_size, refit, random_state, error_score, n_jobs):
    from joblib import Parallel, delayed

    if not isinstance(cv, numbers.Integral) or isinstance(cv, bool) or cv < 2:
        raise ValueError(f"cv must be an int >= 2 (number of splits) for a forecaster; got {cv!r}.")
    metric = check_metric(scoring, default=rmse)
    Xs, ys = paired_series(X, y, x_required=False)
    candidates = list(ParameterSampler(param_distributions, n_iter, random_state=random_state))
    models = [clone(estimator).set_params(**params) for params in candidates]
    work = _CandidateScoring(Xs, ys, X, y, cv, horizon, window, min_train_size, metric)
    outcomes = Parallel(n_jobs=n_jobs)(delayed(_score_candidate)(model, work)
                                       for model in models)
    errors = []
    for model, (split_errors, error, caught) in zip(models, outcomes, strict=True):
        for message, category in caught:  # in the order a serial run raises them
            warnings.warn(message, category, stacklevel=3)
        if error is not None:
            if isinstance(error_score, str) and error_score == "raise":
                raise error
            warnings.warn(
                f"Fitting or scoring failed for {model.get_params(deep=False)}: {error!r}. Its "
                f"scores are set to error_score={error_score}.",
                FitFailedWarning,
                stacklevel=3,
            )
            split_errors = [float(error_score)] * cv
        errors.append(split_errors)
    results = _cv_results(candidates, -np.array(errors, dtype=float))
    if results["mean_test_score"].isna().all():
        raise ValueError("Every configuration failed; see the FitFailedWarning messages.")
    best = int(np.argmin(results["rank_test_score"].to_numpy()))
    best_params = candidates[best]
    best_estimator = None
    if refit:
        best_estimator = clone(estimator).set_params(**best_params).fit(y, X=X)
    return SearchResult(best_params, float(results["mean_test_score"][best]), best_estimator,
                        results, len(candidates))


def _check_n_jobs(n_jobs):
    """None or a nonzero int (joblib's convention: -1 all workers, -2 all but one, ...)."""
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral)
                               or n_jobs == 0):
        raise ValueError(f"n_jobs must be None or a nonzero integer (joblib's convention: -1 for "
                         f"every worker); got {n_jobs!r}.")
    return None if n_jobs is None else int(n_jobs)


def search_hyperparameters(estimator, param_distributions, y, X=None, *, n_iter=10, cv=5,
                           scoring=None, horizon=None, window="expanding", min_train_size=None,
                           refit=True, random_state=None, error_score=np.nan, n_jobs=None):
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
    n_jobs : int, optional
        Configurations scored in parallel through :class:`joblib.Parallel`
        (joblib's convention: None is 1 unless a
        :func:`joblib.parallel_config` says otherwise, -1 every core or
        worker). Under ``joblib.parallel_config(backend="dask")`` they run
        on the dask cluster of the active ``distributed.Client``.
        Regressor: RandomizedSearchCV's ``n_jobs``. Forecaster: one job per
        configuration (its splits in turn); the data travel with the first
        job to each worker (the dask backend scatters them once per search,
        loky memory-maps large arrays). The results are the same for every
        ``n_jobs`` and backend: the configurations are sampled here, each is
        scored with BLAS on one thread, and warnings raised while scoring
        are raised again here in the order of the configurations.

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
    n_jobs = _check_n_jobs(n_jobs)
    if is_regressor(estimator):
        if X is None:
            raise ValueError("X is required for a regressor: it is the input series.")
        if horizon is not None:
            raise ValueError("horizon applies to forecasters only; the estimator is a regressor.")
        return _search_regressor(estimator, param_distributions, X, y, n_iter=n_iter, cv=cv,
                                 scoring=scoring, refit=refit, random_state=random_state,
                                 error_score=error_score, n_jobs=n_jobs)
    if horizon is not None:
        horizon = int(check_in_range(horizon, "horizon", 1, integer=True))
    return _search_forecaster(estimator, param_distributions, X, y, n_iter=n_iter, cv=cv,
                              scoring=scoring, horizon=horizon, window=window,
                              min_train_size=min_train_size, refit=refit,
                              random_state=random_state, error_score=error_score,
                              n_jobs=n_jobs)


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


def _path_predictions(model, inputs, scaled_targets, split, first, alphas, *, run_source,
                      training_source):
    """Scaled predictions of rows ``first:`` for every penalty, for one reservoir run.

    ``model`` (an unfitted clone with a RidgeReadout) is built on ``inputs[:split]``
    and its readout fitted on the training rows after the washout, as ``fit``
    fits it: with state noise when the reservoir draws at random, keyed by
    ``training_source``; the predicted rows come from one noise-free run over
    all ``inputs`` from rest, keyed by ``run_source``, as ``predict`` makes them.
    The readout is then solved along ``alphas`` (one decomposition).

    Returns
    -------
    list of ndarray of shape (len(inputs) - first, n_targets), one per alpha
    """
    washout = check_washout(model.washout, [split], name="washout")
    model._build([inputs[:split]])
    states, _ = model.reservoir_.run(inputs, streams=RandomStreams.of([run_source]))
    features = model._features(states, inputs)
    train_features = features[:split]
    if draws_at_random(model.reservoir_):
        train_states, _ = model.reservoir_.run(
            inputs[:split], noise=True, streams=RandomStreams.of([training_source]))
        train_features = model._features(train_states, inputs[:split])
    fit_targets = scaled_targets[:split]
    fit_targets = fit_targets[:, 0] if fit_targets.shape[1] == 1 else fit_targets
    model.readout_.partial_fit(train_features[washout:], fit_targets[washout:])
    coefs, intercepts = model.readout_.solve_path(alphas)
    held_out = features[first:]
    return [(held_out @ np.atleast_2d(coef).T + intercept).reshape(len(held_out), -1)
            for coef, intercept in zip(coefs, intercepts, strict=True)]


def _check_ridge_estimator(estimator):
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

    The reservoir runs once over training and validation data together (a
    reservoir that draws random numbers, with state noise or Poisson spikes,
    runs over the training rows a second time, with state noise, as ``fit``
    computes them); the readout accumulates the normal equations of the
    training rows (after the washout) and :meth:`~reservoir.RidgeReadout.solve_path` solves them
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
    metric = check_metric(metric)
    Xs, ys = paired_series(X, y, x_required=is_regressor(estimator))
    n_val = validation_steps(validation, len(ys))
    # Scaled as fit on the training part would scale them: with its statistics only.
    n_train = len(ys) - n_val
    target_scaler = SeriesScaler.fit(estimator.scale, [ys.values[:n_train]])
    scaled_ys = dataclasses.replace(ys, values=target_scaler.transform(ys.values))
    scaled_Xs = None if Xs is None else dataclasses.replace(
        Xs, values=SeriesScaler.fit(estimator.scale, [Xs.values[:n_train]]).transform(Xs.values))
    inputs, scaled_targets, split = _readout_pairs(estimator, scaled_Xs, scaled_ys, n_val)
    targets = target_scaler.inverse_transform(scaled_targets)
    # Random streams keyed by the raw series, as the estimators key them: the whole
    # series for the predictions, the training series for the training states.
    if is_regressor(estimator) or Xs is None:
        whole = Xs.values if is_regressor(estimator) else ys.values
    else:
        whole = np.hstack([ys.values, Xs.values])
    predictions = _path_predictions(clone(estimator), inputs, scaled_targets, split, split,
                                    alphas, run_source=whole, training_source=whole[:n_train])
    errors = [float(metric(targets[split:], target_scaler.inverse_transform(prediction)))
              for prediction in predictions]
    return pd.DataFrame({"alpha": np.atleast_1d(np.asarray(alphas, dtype=float)),
                         f"validation_{metric_name(metric)}": errors})


# -- tuning ------------------------------------------------------------------------------------
#: Ridge penalties the tuner chooses from for every sampled reservoir (one run, all penalties).
DEFAULT_ALPHAS = tuple(float(a) for a in np.logspace(-12, 0, 13))
TUNE_INSTALL_HINT = (
    "tune needs optuna, which could not be imported. Install it with: "
    'pip install "reservoir-rc[tune]"'
)
_DIRECTIONS = ("minimize", "maximize")
_STATE_NAMES = {"COMPLETE": "complete", "PRUNED": "pruned", "FAIL": "failed",
                "RUNNING": "running", "WAITING": "waiting"}


@dataclass
class TuneResult:
    """Outcome of :func:`tune`.

    Attributes
    ----------
    best_estimator_ : estimator or None
        A clone of the estimator with ``best_params_`` set, refitted on all
        the data (None when ``refit=False``).
    best_params_ : dict
        The best trial's parameters under their nested names
        (``reservoir__spectral_radius``, ...), with the ridge penalty chosen
        along the path as ``readout__alpha`` when one was.
    best_score_ : float
        The best trial's validation score (mean over the folds), in the
        units of the metric: lower is better for errors, higher for
        accuracies; see ``direction``.
    study_ : optuna.study.Study
        The study, for optuna's own analysis and plots.
    trials_ : pandas.DataFrame
        One row per trial: ``number``, one column per parameter (nested
        names, ``readout__alpha`` included), ``score``, ``state``
        (``"complete"``, ``"pruned"`` or ``"failed"``), ``duration``
        (seconds) and ``error`` (the message of a failed trial, else None).
    direction : {"minimize", "maximize"}
        Whether a lower or a higher score is better.
    metric_name : str
        Name of the metric behind the scores.
    """

    best_estimator_: object
    best_params_: dict
    best_score_: float
    study_: object
    trials_: pd.DataFrame
    direction: str = "minimize"
    metric_name: str = "score"

    def __repr__(self):
        counts = self.trials_["state"].value_counts().to_dict() if len(self.trials_) else {}
        return (f"TuneResult(best_score_={self.best_score_:.6g} ({self.metric_name}, "
                f"{self.direction}), best_params_={self.best_params_!r}, trials={counts})")


class _TrialFailed(Exception):
    """A trial's fit or score failed; recorded by optuna as a failed trial."""


def _import_optuna():
    try:
        import optuna
    except ImportError as exc:
        raise ImportError(TUNE_INSTALL_HINT) from exc
    return optuna


class _SeriesNRMSE:
    """RMSE over a forecast window divided by the standard deviation of the whole series."""

    __name__ = "nrmse"

    def __init__(self, scale):
        self.scale = np.where(scale > 0, scale, 1.0)

    def __call__(self, y_true, y_pred):
        true = np.asarray(y_true, dtype=float).reshape(len(y_true), -1)
        pred = np.asarray(y_pred, dtype=float).reshape(true.shape)
        return float(np.mean(np.sqrt(np.mean((true - pred) ** 2, axis=0)) / self.scale))


def _named_metric(scoring, kind, ys):
    """(metric, direction, name) for a ``scoring`` name, callable or None."""
    from sklearn.metrics import accuracy_score, balanced_accuracy_score

    names = {
        "nrmse": (nrmse, "minimize"),
        "rmse": (rmse, "minimize"),
        "accuracy": (accuracy_score, "maximize"),
        "balanced_accuracy": (balanced_accuracy_score, "maximize"),
    }
    if scoring is None:
        scoring = "accuracy" if kind == "classifier" else "nrmse"
    if isinstance(scoring, str):
        if scoring not in names:
            raise ValueError(f"scoring must be one of {sorted(names)} or a callable "
                             f"metric(y_true, y_pred) -> float; got {scoring!r}.")
        metric, direction = names[scoring]
        if kind == "forecaster" and scoring == "nrmse":
            metric = _SeriesNRMSE(np.std(ys.values, axis=0))
        return metric, direction, scoring
    if not callable(scoring):
        raise TypeError(f"scoring must be a metric name, a callable metric(y_true, y_pred) -> "
                        f"float or None; got {scoring!r}.")
    direction = "maximize" if kind == "classifier" else "minimize"
    return scoring, direction, metric_name(scoring)


def _kind(estimator):
    from sklearn.base import is_classifier

    if is_classifier(estimator):
        return "classifier"
    return "regressor" if is_regressor(estimator) else "forecaster"


def _check_tune_args(n_trials, timeout, n_jobs, direction):
    if n_trials is None:
        if timeout is None:
            raise ValueError("n_trials=None needs a timeout; set n_trials or timeout.")
    elif isinstance(n_trials, bool) or not isinstance(n_trials, numbers.Integral) or n_trials < 1:
        raise ValueError(f"n_trials must be a positive integer; got {n_trials!r}.")
    if timeout is not None:
        check_in_range(timeout, "timeout", 0, low_inclusive=False)
    if n_jobs is None:
        n_jobs = 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs == 0 \
            or n_jobs < -1:
        raise ValueError(f"n_jobs must be None, -1 or a positive integer; got {n_jobs!r}.")
    if direction is not None and direction not in _DIRECTIONS:
        raise ValueError(f"direction must be one of {_DIRECTIONS} or None; got {direction!r}.")
    return n_jobs


def _check_alpha_grid(alphas):
    if alphas is None:
        return None
    grid = np.atleast_1d(np.asarray(alphas, dtype=float)) if not isinstance(alphas, str) else None
    if grid is None or grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid)) \
            or np.any(grid < 0):
        raise ValueError(f"alphas must be a non-empty 1-D sequence of finite numbers >= 0, or "
                         f"None; got {alphas!r}.")
    return grid


def _seed_of(random_state):
    """An int seed drawn from ``random_state`` (None stays None)."""
    if random_state is None:
        return None
    from sklearn.utils import check_random_state

    return int(check_random_state(random_state).randint(0, 2**31 - 1))


# -- the estimator a trial starts from ---------------------------------------------------------
def _alpha_mode(estimator, kind):
    """How the ridge penalty is chosen for free: "path", "set_params", "classifier_cv" or None."""
    readout = getattr(estimator, "readout", "absent")
    if kind == "regressor" and isinstance(estimator, ReservoirRegressor):
        return "path" if readout is None or isinstance(readout, RidgeReadout) else None
    if kind == "forecaster" and isinstance(estimator, ReservoirForecaster):
        return "set_params" if readout is None or isinstance(readout, RidgeReadout) else None
    if kind == "classifier" and isinstance(estimator, ReservoirClassifier):
        ridge = readout is None or type(readout) is RidgeClassifier
        return "classifier_cv" if ridge else None
    return None


#: Random draws from a search space that find its parameters and their ranges (all branches
#: of a define-by-run space, e.g. tanh and linear reservoirs), for the starting trial.
_SPACE_PROBES = 16


def _starting_point(estimator, sample, optuna):
    """The estimator's own values of the parameters its search space suggests.

    Only values inside the space's ranges and choices are kept (the space is
    probed with a few random draws); enqueued as the first trial, where
    optuna uses them for the parameters the trial suggests.
    """
    probe = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    distributions = {}
    for _ in range(_SPACE_PROBES):
        trial = probe.ask()
        try:
            sample(trial)
        except Exception:  # noqa: BLE001 - a probe only collects distributions
            pass
        distributions.update(trial.distributions)
    values = estimator.get_params(deep=True)
    point = {}
    for name, distribution in distributions.items():
        value = values.get(name)
        try:
            if distribution._contains(distribution.to_internal_repr(value)):
                point[name] = value.item() if isinstance(value, np.generic) else value
        except (ValueError, TypeError):
            continue
    return point


def _explicit_defaults(estimator, seed):
    """A clone whose default components are built explicitly, so nested set_params works.

    Every ``reservoir=None`` (of the estimator, or nested, such as the layer
    template of a :class:`~reservoir.DeepESN` or the reservoir of a
    :class:`~reservoir.BidirectionalESN`) becomes the ESN its owner would
    build (``ESN(random_state=<owner>.random_state)``), and a reservoir
    estimator's ``readout=None`` its documented default (``RidgeReadout()``,
    ``RidgeClassifier()`` for the classifier), so that ``reservoir__...`` and
    ``readout__alpha`` can be set. With a ``seed``, every ``random_state``
    still None is set to it, so that trials differ only in their
    hyperparameters and the refitted estimator is the one scored.
    """
    model = clone(estimator)
    params = model.get_params(deep=False)
    if isinstance(model, _ReservoirModel) and params.get("readout") is None:
        model.set_params(readout=RidgeClassifier() if isinstance(model, ReservoirClassifier)
                         else RidgeReadout())
    while True:  # outermost first: building a component may reveal its own default reservoir
        params = model.get_params(deep=True)
        missing = sorted((name for name, value in params.items()
                          if value is None and name.split("__")[-1] == "reservoir"), key=len)
        if not missing:
            break
        owner = missing[0][:-len("reservoir")]
        model.set_params(**{missing[0]: ESN(random_state=params.get(f"{owner}random_state"))})
    if seed is not None:
        unseeded = {name: seed for name, value in model.get_params(deep=True).items()
                    if (name == "random_state" or name.endswith("__random_state"))
                    and value is None}
        model.set_params(**unseeded)
    return model


def _space_function(search_space, base, optuna):
    """``sample(trial) -> params`` from a user space (callable or dict) or the registered ones."""
    if search_space is None:
        if search_spaces.get_space(base) is None:
            raise ValueError(
                f"No search space is registered for {type(base).__name__}; pass search_space= "
                "(a callable space(trial) -> dict of parameters, or a dict of parameter name -> "
                "optuna distribution or list of choices), or declare one with "
                "reservoir.search_spaces.register."
            )
        reservoir = base.get_params(deep=False).get("reservoir")
        if reservoir is not None and search_spaces.get_space(reservoir) is None:
            warnings.warn(
                f"No search space is registered for the reservoir {type(reservoir).__name__}; "
                f"only the parameters of {type(base).__name__} itself are searched. Register "
                "one with reservoir.search_spaces.register, or pass search_space=.",
                UserWarning, stacklevel=3,
            )
        return lambda trial: search_spaces.suggest(trial, base)
    if callable(search_space):
        return search_space
    if not isinstance(search_space, dict) or not search_space:
        raise TypeError("search_space must be None, a callable space(trial) -> dict, or a "
                        f"non-empty dict of parameter name -> distribution; got {search_space!r}.")
    distributions = {}
    valid = base.get_params(deep=True)
    for name, spec in search_space.items():
        if name not in valid:
            raise ValueError(f"search_space names {name!r}, which is not a parameter of "
                             f"{type(base).__name__} (nested names such as "
                             "'reservoir__spectral_radius' are).")
        if isinstance(spec, optuna.distributions.BaseDistribution):
            distributions[name] = spec
        elif isinstance(spec, (list, tuple)) and len(spec) > 0:
            distributions[name] = optuna.distributions.CategoricalDistribution(list(spec))
        else:
            raise TypeError(f"search_space[{name!r}] must be an optuna distribution or a "
                            f"non-empty list of choices; got {spec!r}.")

    def sample(trial):
        params = {}
        for name, dist in distributions.items():
            if isinstance(dist, optuna.distributions.CategoricalDistribution):
                params[name] = trial.suggest_categorical(name, list(dist.choices))
            elif isinstance(dist, optuna.distributions.IntDistribution):
                params[name] = trial.suggest_int(name, dist.low, dist.high, step=dist.step,
                                                 log=dist.log)
            else:
                params[name] = trial.suggest_float(name, dist.low, dist.high, step=dist.step,
                                                   log=dist.log)
        return params

    return sample


# -- folds -------------------------------------------------------------------------------------
def _contiguous(indices, what):
    indices = np.asarray(indices)
    if indices.size == 0 or np.any(np.diff(indices) != 1):
        raise ValueError(f"Every {what} set of cv must be a non-empty run of consecutive steps "
                         "(as TimeSeriesSplit gives); got a split that is not.")
    return int(indices[0]), int(indices[-1]) + 1


def _time_folds(cv, validation, n_steps):
    """(train_start, train_stop, test_start, test_stop) per fold, in time order."""
    if cv is not None and not isinstance(cv, numbers.Integral) and hasattr(cv, "split"):
        folds = []
        for train, test in cv.split(np.arange(n_steps)):
            start, split = _contiguous(train, "training")
            first, stop = _contiguous(test, "test")
            if first < split:
                raise ValueError("cv must test on steps after the training steps of each split.")
            folds.append((start, split, first, stop))
        if not folds:
            raise ValueError("cv produced no splits.")
        return folds
    n_folds = 1 if cv is None else int(check_in_range(cv, "cv", 1, integer=True))
    n_val = validation_steps(0.2 if validation is None else validation, n_steps)
    if n_val < n_folds:
        raise ValueError(f"The validation part ({n_val} steps) is shorter than cv={n_folds} folds.")
    bounds = np.linspace(n_steps - n_val, n_steps, n_folds + 1).round().astype(int)
    return [(0, int(a), int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _forecast_origins_of(cv, horizon, n_steps, washout):
    if cv is not None and not (isinstance(cv, numbers.Integral) and not isinstance(cv, bool)):
        raise ValueError(f"cv must be None or an int >= 1 (number of forecast origins) for a "
                         f"forecaster; got {cv!r}.")
    n_origins = 1 if cv is None else int(check_in_range(cv, "cv", 1, integer=True))
    origins = [n_steps - horizon * (n_origins - k) for k in range(n_origins)]
    if origins[0] <= washout + 1:
        raise ValueError(
            f"y has {n_steps} steps, too few for cv={n_origins} forecasts of horizon={horizon} "
            f"after more than washout={washout} training steps."
        )
    return origins


def _classifier_folds(cv, validation, labels, n_series, seed):
    from sklearn.model_selection import KFold, ShuffleSplit, StratifiedKFold, StratifiedShuffleSplit

    index = np.arange(n_series)
    if cv is not None and not isinstance(cv, numbers.Integral) and hasattr(cv, "split"):
        return [(np.asarray(tr), np.asarray(te)) for tr, te in cv.split(index, labels)]
    n_folds = 1 if cv is None else int(check_in_range(cv, "cv", 1, integer=True))
    stratify = labels is not None and np.unique(labels, return_counts=True)[1].min() >= max(
        n_folds, 2)
    if n_folds == 1:
        n_val = validation_steps(0.2 if validation is None else validation, n_series)
        splitter = (StratifiedShuffleSplit if stratify else ShuffleSplit)(
            n_splits=1, test_size=n_val, random_state=seed)
    else:
        splitter = (StratifiedKFold if stratify else KFold)(n_splits=n_folds, shuffle=True,
                                                            random_state=seed)
    return list(splitter.split(index, labels if stratify else None))


# -- scoring one configuration -----------------------------------------------------------------
def _score_or_nan(metric, truth, prediction):
    """``metric(truth, prediction)``; NaN when the prediction or the score is not finite."""
    prediction = np.asarray(prediction, dtype=float).reshape(truth.shape[0], -1)
    if not np.all(np.isfinite(prediction)):
        return float("nan")
    value = float(metric(truth, prediction))
    return value if np.isfinite(value) else float("nan")


def _best_over_alphas(scores, direction):
    """(best mean score over the folds so far, its column) of a (n_folds, n_alphas) array."""
    worst = np.inf if direction == "minimize" else -np.inf
    mean = np.where(np.isfinite(scores), scores, worst).mean(axis=0)
    if not np.any(np.isfinite(mean)):
        return float("nan"), 0
    best = int(np.argmin(mean) if direction == "minimize" else np.argmax(mean))
    return float(mean[best]), best


@dataclass
class _Evaluation(_CarriesData):
    """Everything a trial needs to score one configuration (see :func:`tune`).

    Its ``sys.getsizeof`` counts the data it carries (see :class:`_CarriesData`).
    """

    kind: str
    mode: str | None
    alphas: np.ndarray | None
    metric: object
    direction: str
    Xs: object = None
    ys: object = None
    folds: list = None
    origins: list = None
    horizon: int = None
    X: object = None
    y: object = None

    @property
    def n_folds(self):
        return len(self.origins) if self.kind == "forecaster" else len(self.folds)

    def __call__(self, model, on_fold, fit_context):
        """Scores (n_folds, n_alphas) of ``model`` and the alphas (or None); calls on_fold(k, s)."""
        if self.kind == "forecaster":
            return self._forecaster(model, on_fold, fit_context)
        if self.kind == "regressor" and self.mode == "path":
            return self._regressor_path(model, on_fold)
        if self.kind == "regressor":
            return self._regressor(model, on_fold, fit_context)
        return self._classifier(model, on_fold)

    # regressors ------------------------------------------------------------------------
    def _regressor_path(self, model, on_fold):
        """Per fold: one reservoir run over training and test steps, the readout solved along
        the path of penalties (as :func:`ridge_alpha_path` does).

        Inputs and targets are scaled as the estimator's ``fit`` on the fold's
        training steps would scale them (``scale=``), and predictions mapped back.
        """
        inputs, targets = self.Xs.values, self.ys.values
        scale = getattr(model, "scale", None)
        scores = np.full((len(self.folds), len(self.alphas)), np.nan)
        for k, (start, split, first, stop) in enumerate(self.folds):
            input_scaler = SeriesScaler.fit(scale, [inputs[start:split]])
            target_scaler = SeriesScaler.fit(scale, [targets[start:split]])
            predictions = _path_predictions(
                clone(model), input_scaler.transform(inputs[start:stop]),
                target_scaler.transform(targets[start:split]), split - start, first - start,
                self.alphas, run_source=inputs[start:stop],
                training_source=inputs[start:split])
            truth = targets[first:stop]
            for a, prediction in enumerate(predictions):
                scores[k, a] = _score_or_nan(self.metric, truth,
                                             target_scaler.inverse_transform(prediction))
            on_fold(k, scores[:k + 1])
        return scores, self.alphas

    def _regressor(self, model, on_fold, fit_context):
        scores = np.full((len(self.folds), 1), np.nan)
        for k, (start, split, first, stop) in enumerate(self.folds):
            fitted = clone(model)
            with fit_context(k):
                fitted.fit(part_of(self.Xs, start, split), self.ys.part(start, split))
            predicted = as_2d(fitted.predict(part_of(self.Xs, start, stop)), stop - start,
                               "prediction")
            scores[k, 0] = _score_or_nan(self.metric, self.ys.values[first:stop],
                                         predicted[first - start:])
            on_fold(k, scores[:k + 1])
        return scores, None

    # forecasters -----------------------------------------------------------------------
    def _forecaster(self, model, on_fold, fit_context):
        """Fit once per origin; then each alpha re-solves the fitted readout, no refit."""
        n_alphas = 1 if self.mode is None else len(self.alphas)
        scores = np.full((len(self.origins), n_alphas), np.nan)
        for k, origin in enumerate(self.origins):
            fitted = clone(model)
            with fit_context(k):
                fitted.fit(self.ys.part(0, origin), X=part_of(self.Xs, 0, origin))
            truth = self.ys.values[origin:origin + self.horizon]
            future = part_of(self.Xs, origin, origin + self.horizon)
            for a in range(n_alphas):
                if self.mode is not None:
                    fitted.readout_.set_params(alpha=float(self.alphas[a]))
                forecast = as_2d(fitted.predict(self.horizon, X=future), self.horizon,
                                  "forecast")
                scores[k, a] = _score_or_nan(self.metric, truth, forecast)
            on_fold(k, scores[:k + 1])
        return scores, None if self.mode is None else self.alphas

    # classifiers -----------------------------------------------------------------------
    def _classifier(self, model, on_fold):
        """Fit per fold; a RidgeClassifier readout becomes RidgeClassifierCV over the grid."""
        from sklearn.linear_model import RidgeClassifierCV

        if self.mode == "classifier_cv":
            ridge = model.readout
            model = clone(model).set_params(readout=RidgeClassifierCV(
                alphas=self.alphas, fit_intercept=ridge.fit_intercept,
                class_weight=ridge.class_weight))
        scores = np.full((len(self.folds), 1), np.nan)
        chosen = []
        for k, (train, test) in enumerate(self.folds):
            fitted = clone(model)
            if isinstance(train, tuple):  # one per-step series, split in time
                (start, split, first, stop) = train
                fitted.fit(_slice(self.X, start, split), _slice(self.y, start, split))
                truth = np.asarray(self.y)[first:stop]
                predicted = np.asarray(fitted.predict(_slice(self.X, start, stop)))[first - start:]
            else:
                fitted.fit(_take(self.X, train), _take(self.y, train))
                truth, predicted = _labels_after_washout(
                    fitted, _take(self.y, test), fitted.predict(_take(self.X, test)))
            scores[k, 0] = float(self.metric(truth, predicted))
            if self.mode == "classifier_cv":
                chosen.append(float(fitted.readout_.alpha_))
            on_fold(k, scores[:k + 1])
        if self.mode == "classifier_cv":
            values, counts = np.unique(chosen, return_counts=True)
            return scores, np.array([values[np.argmax(counts)]])
        return scores, None


@dataclass
class _CustomEvaluation:
    """A caller's ``evaluate(model) -> score`` as one fold of a trial (``tune(evaluate=...)``).

    With ``mode="evaluate"`` (a reservoir estimator with a RidgeReadout and an
    ``evaluate`` that takes ``alphas``), ``evaluate(model, alphas=grid)``
    returns one score per penalty of the grid and the best is kept.
    """

    evaluate: object
    mode: str | None
    alphas: np.ndarray | None
    direction: str
    n_folds: int = 1

    def __call__(self, model, on_fold, fit_context):
        with fit_context(0):
            if self.mode is None:
                values = np.array([float(self.evaluate(model))])
            else:
                values = np.asarray(self.evaluate(model, alphas=self.alphas), dtype=float)
                if values.shape != (len(self.alphas),):
                    raise ValueError(f"evaluate(model, alphas=...) must return one score per "
                                     f"alpha ({len(self.alphas)}); got shape {values.shape}.")
        scores = np.where(np.isfinite(values), values, np.nan)[None, :]
        on_fold(0, scores)
        return scores, None if self.mode is None else self.alphas


def _takes_alphas(evaluate):
    """Whether ``evaluate`` accepts an ``alphas`` keyword (or any keyword)."""
    import inspect

    try:
        parameters = inspect.signature(evaluate).parameters.values()
    except (TypeError, ValueError):
        return False
    return any((p.name == "alphas" and p.kind is not p.POSITIONAL_ONLY)
               or p.kind is p.VAR_KEYWORD for p in parameters)


def _custom_evaluation(evaluate, estimator, kind, alpha_grid, direction, data):
    """The _CustomEvaluation of ``tune(evaluate=...)``, arguments checked."""
    if not callable(evaluate):
        raise TypeError(f"evaluate must be a callable evaluate(model) -> float; got {evaluate!r}.")
    given = [name for name, value in data.items() if value is not None]
    if given:
        raise ValueError(f"evaluate replaces the built-in validation: do not pass "
                         f"{', '.join(given)} with it.")
    mode = None
    if alpha_grid is not None and _takes_alphas(evaluate) \
            and _alpha_mode(estimator, kind) in ("path", "set_params"):
        mode = "evaluate"
    return _CustomEvaluation(evaluate, mode, alpha_grid, direction or "minimize")


def _slice(data, start, stop):
    if hasattr(data, "iloc"):
        return data.iloc[start:stop]
    return np.asarray(data)[start:stop]


def _take(data, rows):
    """Series (or labels) at positions ``rows`` of a list, an array or a pandas object."""
    if isinstance(data, (list, tuple)):
        return [data[i] for i in rows]
    if hasattr(data, "iloc"):
        return data.iloc[rows]
    return np.asarray(data)[rows]


def _labels_after_washout(model, labels, predicted):
    """Pooled: labels and predictions as they are. Per step: flattened, washout steps dropped."""
    if not getattr(model, "per_step", False):
        return np.asarray(labels), np.asarray(predicted)
    washout = washout_of(model)
    truth = np.concatenate([np.asarray(part)[washout:] for part in labels])
    pred = np.concatenate([np.asarray(part)[washout:] for part in predicted])
    return truth, pred


def _single_per_step_series(model, X):
    """True for a per-step classifier given one (T,) or (T, d) series."""
    if not getattr(model, "per_step", False) or isinstance(X, (list, tuple)):
        return False
    return np.ndim(X) in (1, 2)


def _evaluation(kind, mode, base, y, X, *, cv, validation, horizon, alphas, scoring, direction,
                seed):
    """The _Evaluation of one tuning problem, arguments checked."""
    if kind == "classifier":
        if X is None:
            raise ValueError("X is required for a classifier: it holds the series to classify.")
        if horizon is not None:
            raise ValueError("horizon applies to forecasters only; the estimator is a classifier.")
        metric, default_direction, name = _named_metric(scoring, kind, None)
        if _single_per_step_series(base, X):
            folds = [(fold, None) for fold in _time_folds(cv, validation, len(X))]
        else:
            n_series = len(X)
            if not getattr(base, "per_step", False) and len(y) != n_series:
                raise ValueError(f"y holds {len(y)} labels but X holds {n_series} series.")
            labels = None if getattr(base, "per_step", False) else np.asarray(y)
            folds = _classifier_folds(cv, validation, labels, n_series, seed)
        evaluation = _Evaluation(kind, mode, alphas, metric, direction or default_direction,
                                 folds=folds, X=X, y=y)
        return evaluation, name
    if kind == "regressor":
        if X is None:
            raise ValueError("X is required for a regressor: it is the input series.")
        if horizon is not None:
            raise ValueError("horizon applies to forecasters only; the estimator is a regressor.")
        Xs, ys = paired_series(X, y, x_required=True)
        metric, default_direction, name = _named_metric(scoring, kind, ys)
        folds = _time_folds(cv, validation, len(ys))
        evaluation = _Evaluation(kind, mode, alphas, metric, direction or default_direction,
                                 Xs=Xs, ys=ys, folds=folds)
        return evaluation, name
    if validation is not None:
        raise ValueError("validation applies to regressors and classifiers; a forecaster is "
                         "validated on the last cv * horizon steps of y.")
    Xs, ys = paired_series(X, y, x_required=False)
    if horizon is None:
        horizon = max(1, min(100, len(ys) // 10))
    horizon = int(check_in_range(horizon, "horizon", 1, integer=True))
    origins = _forecast_origins_of(cv, horizon, len(ys), washout_of(base))
    metric, default_direction, name = _named_metric(scoring, kind, ys)
    evaluation = _Evaluation(kind, mode, alphas, metric, direction or default_direction,
                             Xs=Xs, ys=ys, origins=origins, horizon=horizon)
    return evaluation, name


def _epoch_hook(estimator):
    """The trained-RNN training loop's per-epoch callback variable, when it offers one.

    ``reservoir.baselines._torch_training.EPOCH_CALLBACK`` (a
    :class:`contextvars.ContextVar`), if present, is called after every
    epoch as ``callback(epoch, train_loss, validation_loss)``; the tuner
    reports the validation loss to the pruner from it. Without it, trained
    RNNs are pruned between folds like every other model.
    """
    if not isinstance(estimator, _TRAINED_RNNS):
        return None
    try:
        from .baselines import _torch_training
    except ImportError:
        return None
    return getattr(_torch_training, "EPOCH_CALLBACK", None)


def _trials_table(study):
    rows = []
    for trial in study.trials:
        row = {"number": trial.number}
        row.update(trial.user_attrs.get("params", {}))
        complete = trial.state.name == "COMPLETE"
        row["score"] = float(trial.value) if complete and trial.value is not None else np.nan
        row["state"] = _STATE_NAMES.get(trial.state.name, trial.state.name.lower())
        if "duration" in trial.user_attrs:  # scored in a batch: the time where it ran
            row["duration"] = float(trial.user_attrs["duration"])
        else:
            row["duration"] = (trial.duration.total_seconds() if trial.duration is not None
                               else np.nan)
        row["error"] = trial.user_attrs.get("error")
        rows.append(row)
    table = pd.DataFrame(rows)
    ordered = ["number"] + [c for c in table.columns
                            if c not in ("number", "score", "state", "duration", "error")]
    return table[ordered + ["score", "state", "duration", "error"]] if rows else table


class _Progress:
    """A tqdm bar over the trials showing the best score so far (thread-safe callback)."""

    def __init__(self, total, enabled, direction):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=total, disable=not enabled, desc="tune", unit="trial")
        self.direction = direction
        self.lock = threading.Lock()
        self.counts = {"pruned": 0, "failed": 0}

    def __call__(self, study, trial):
        with self.lock:
            state = _STATE_NAMES.get(trial.state.name, "")
            if state in self.counts:
                self.counts[state] += 1
            postfix = {}
            try:
                postfix["best"] = f"{study.best_value:.4g}"
            except ValueError:  # no complete trial yet
                pass
            postfix.update({k: v for k, v in self.counts.items() if v})
            self.bar.set_postfix(postfix, refresh=False)
            self.bar.update(1)

    def close(self):
        self.bar.close()


def _sampled_params(trial, sample):
    """The trial's configuration from the search space, recorded as its ``params``."""
    params = sample(trial)
    if not isinstance(params, dict):
        raise TypeError("The search space must return a dict of parameters; got "
                        f"{type(params).__name__}.")
    params = dict(params)
    trial.set_user_attr("params", params)
    return params


def _score_configuration(model, evaluation, fixed_alpha, max_epochs, report):
    """Scores ``(n_folds, n_alphas)`` of one configuration and the alphas (or None).

    ``report(value, step, check)`` receives every intermediate value in turn:
    the best running score over the penalties after each fold (``check``
    unless it is the last fold), or, for a trained RNN whose training loop
    offers the epoch hook, its validation loss after each epoch (always
    ``check``). ``check`` says whether the pruner is asked after the value.
    """
    hook = _epoch_hook(model)
    if fixed_alpha:  # a space that samples the penalty turns the free choice along the path off
        evaluation = dataclasses.replace(evaluation, mode=None, alphas=None)
    n_folds = evaluation.n_folds

    def on_fold(step, scores):
        if hook is not None:
            return  # pruned from the epochs instead
        value, _ = _best_over_alphas(scores, evaluation.direction)
        if np.isfinite(value):
            report(value, step, step < n_folds - 1)

    @contextmanager
    def fit_context(fold):
        if hook is None:
            yield
            return

        def callback(epoch, train_loss, validation_loss):
            if validation_loss is None or not np.isfinite(validation_loss):
                return
            report(float(validation_loss), fold * max_epochs + epoch, True)

        token = hook.set(callback)
        try:
            yield
        finally:
            hook.reset(token)

    with np.errstate(all="ignore"):
        return evaluation(model, on_fold, fit_context)


def _chosen(scores, alphas, params, direction):
    """(the trial's value, its params with the chosen ``readout__alpha``); raises if not finite."""
    value, best = _best_over_alphas(scores, direction)
    if not np.isfinite(value):
        raise FloatingPointError(
            "the score is not finite (diverged forecast or non-finite predictions)")
    if alphas is not None:
        params = {**params, "readout__alpha": float(alphas[best])}
    return value, params


def _record_failure(trial, message, exc, errors):
    trial.set_user_attr("error", message)
    errors.append(exc)


def _make_objective(optuna, base, sample, evaluation, errors):
    """The optuna objective: sample, score, pick alpha, record; failures raise _TrialFailed."""
    max_epochs = int(getattr(base, "max_epochs", 0) or 0)

    def objective(trial):
        params = _sampled_params(trial, sample)

        def report(value, step, check):
            trial.report(value, step)
            if check and trial.should_prune():
                raise optuna.TrialPruned(f"pruned at step {step}")

        try:
            model = clone(base).set_params(**params)
            scores, alphas = _score_configuration(model, evaluation, "readout__alpha" in params,
                                                  max_epochs, report)
            value, params = _chosen(scores, alphas, params, evaluation.direction)
        except optuna.TrialPruned:
            raise
        except Exception as exc:  # noqa: BLE001 - recorded as a failed trial, see tune
            _record_failure(trial, f"{type(exc).__name__}: {exc}", exc, errors)
            raise _TrialFailed(str(exc)) from exc
        trial.set_user_attr("params", params)
        return value

    return objective


# -- trials in batches, through joblib -----------------------------------------------------------
@dataclass
class _TrialRun:
    """What scoring one configuration where joblib ran it sends back (see :func:`_run_trial`).

    Attributes
    ----------
    reports : list of (float, int, bool)
        The intermediate values in order: value, step, whether the pruner is
        asked after it (see :func:`_score_configuration`).
    scores, alphas : ndarray or None
        As the evaluation returns them; None when it failed.
    error : Exception or None
        The failure (as it survives pickling).
    message : str or None
        ``"<type>: <message>"`` of the failure, for the trials table.
    seconds : float
        Wall time of the scoring where it ran.
    """

    reports: list
    scores: object = None
    alphas: object = None
    error: BaseException | None = None
    message: str | None = None
    seconds: float = 0.0


def _run_trial(model, evaluation, fixed_alpha, max_epochs):
    """Score one configuration where joblib runs it (this process, a loky or dask worker).

    Never raises: a failure comes back in the result. Warnings are silenced
    and BLAS runs on one thread, in every backend, so the result depends
    only on the configuration and the data.

    Parameters
    ----------
    model : estimator
        Unfitted clone with the trial's parameters set.
    evaluation : _Evaluation or _CustomEvaluation
        The protocol and its data.
    fixed_alpha : bool
        The configuration sets ``readout__alpha`` itself.
    max_epochs : int
        Epochs per fold, to number the epoch reports of trained RNNs.

    Returns
    -------
    _TrialRun
    """
    from threadpoolctl import threadpool_limits

    reports = []
    began = time.perf_counter()
    run = _TrialRun(reports)
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore")
        try:
            run.scores, run.alphas = _score_configuration(
                model, evaluation, fixed_alpha, max_epochs,
                lambda value, step, check: reports.append((value, step, check)))
        except Exception as exc:  # noqa: BLE001 - a failed trial, told by the driver
            run.error, run.message = _portable(exc), f"{type(exc).__name__}: {exc}"
    run.seconds = time.perf_counter() - began
    return run


def _tell(study, optuna, trial, params, run, direction, errors):
    """Replay a trial's reports to the pruner, then tell the study its outcome; the FrozenTrial.

    The pruner sees the same values at the same steps as in a trial scored
    here, and stops the trial at the same step; the scores computed after
    that step are discarded.
    """
    states = optuna.trial.TrialState
    trial.set_user_attr("duration", run.seconds)
    for value, step, check in run.reports:
        trial.report(value, step)
        if check and trial.should_prune():
            return study.tell(trial, state=states.PRUNED)
    if run.error is None:
        try:
            value, params = _chosen(run.scores, run.alphas, params, direction)
        except FloatingPointError as exc:
            run.error, run.message = exc, f"{type(exc).__name__}: {exc}"
    if run.error is not None:
        _record_failure(trial, run.message, run.error, errors)
        return study.tell(trial, state=states.FAIL)
    trial.set_user_attr("params", params)
    return study.tell(trial, value)


def _optimize_in_batches(study, optuna, base, sample, evaluation, errors, *, n_trials, timeout,
                         batch_size, n_jobs, callback):
    """The study's trials, ``batch_size`` at a time, scored through ``joblib.Parallel``.

    Each batch: ``batch_size`` trials are asked and their configurations
    sampled here, scored by :func:`_run_trial` in ``joblib.Parallel(n_jobs)``
    (one job per trial, the evaluation object shared by all), then told in
    trial order (:func:`_tell`). No batch starts after ``timeout`` seconds.
    """
    from joblib import Parallel, delayed

    max_epochs = int(getattr(base, "max_epochs", 0) or 0)
    started = time.perf_counter()
    done = 0
    while n_trials is None or done < n_trials:
        if timeout is not None and time.perf_counter() - started >= timeout:
            break
        size = batch_size if n_trials is None else min(batch_size, n_trials - done)
        batch = []
        try:
            for _ in range(size):
                trial = study.ask()
                batch.append([trial, None, None, None])
                params = batch[-1][1] = _sampled_params(trial, sample)
                try:
                    batch[-1][2] = clone(base).set_params(**params)
                except Exception as exc:  # noqa: BLE001 - a failed trial
                    batch[-1][3] = _TrialRun([], error=exc,
                                             message=f"{type(exc).__name__}: {exc}")
            jobs = [entry for entry in batch if entry[3] is None]
            runs = Parallel(n_jobs=n_jobs)(
                delayed(_run_trial)(model, evaluation, "readout__alpha" in params, max_epochs)
                for _, params, model, _ in jobs)
            for entry, run in zip(jobs, runs, strict=True):
                entry[3] = run
            for trial, params, _, run in batch:
                callback(study, _tell(study, optuna, trial, params, run, evaluation.direction,
                                      errors))
        except BaseException:  # a broken space or backend, an interrupt: no trial left running
            for trial, *_ in batch:
                study.tell(trial, state=optuna.trial.TrialState.FAIL, skip_if_finished=True)
            raise
        done += size


def tune(estimator, y=None, X=None, *, n_trials=50, timeout=None, cv=None, validation=None,
         horizon=None, search_space=None, alphas=DEFAULT_ALPHAS, scoring=None, direction=None,
         sampler=None, pruner=None, refit=True, random_state=None, n_jobs=None, progress=True,
         evaluate=None, start_from_estimator=True, batch_size=None):
    """Tune a model's hyperparameters with optuna; the ridge penalty comes for free.

    Each trial samples one configuration from the model's search space
    (:mod:`reservoir.search_spaces`, or ``search_space``), scores it on
    held-out data in time order, and reports the score fold by fold so that
    the pruner can stop bad trials early. The sampler is optuna's TPE,
    seeded from ``random_state``; the pruner a median pruner.

    **The ridge penalty is not sampled.** For each sampled reservoir the
    readout's ``alpha`` is chosen over the grid ``alphas`` at almost no cost,
    and reported as ``readout__alpha``:

    * ``ReservoirRegressor`` (RidgeReadout): per fold, the reservoir runs
      once over training and validation steps; the readout's accumulated
      statistics are solved for every alpha
      (:meth:`~reservoir.RidgeReadout.solve_path`, as in
      :func:`ridge_alpha_path`), inputs and targets scaled as ``fit`` would
      scale them (``scale=``);
    * ``ReservoirForecaster`` (RidgeReadout): fitted once per origin; then
      for each alpha ``readout_.set_params(alpha=a)`` re-solves the kept
      statistics and the closed-loop forecast is scored;
    * ``ReservoirClassifier`` (RidgeClassifier): the readout is replaced by
      :class:`~sklearn.linear_model.RidgeClassifierCV` over the grid
      (efficient leave-one-out on the training series); the alpha it picks
      most often over the folds is kept.

    Validation, in time order:

    * **forecasters** (``ReservoirForecaster``, the trained RNN and other
      forecasters): ``cv`` origins (default 1) at the end of ``y``, each
      ``horizon`` steps apart, the last forecast ending with the series.
      For each origin the model is fitted on everything before it and
      forecasts ``horizon`` steps in closed loop. The default score is
      Jaeger's NRMSE: the RMSE over the horizon divided by the standard
      deviation of ``y``;
    * **regressors**: the last ``validation`` part of the series (default
      0.2), split into ``cv`` consecutive folds (default 1), each predicted
      by a model trained on everything before it and warmed up through it;
      or any splitter (``TimeSeriesSplit``) with consecutive training and
      test steps. Default score: NRMSE;
    * **classifiers**: a stratified hold-out of ``validation`` of the
      series (default 0.2), or ``cv`` stratified shuffled folds (seeded by
      ``random_state``), or a splitter. A per-step classifier of one series
      is split in time like a regressor. Default score: accuracy;
    * **your own protocol**: ``evaluate(model) -> score`` replaces all of
      the above (and ``y``, ``X``, ``cv``, ``validation``, ``horizon``,
      ``scoring``). It receives an unfitted clone of the estimator with the
      trial's parameters set, fits and scores it however it likes, and
      returns a float (lower is better unless ``direction="maximize"``).
      If it also accepts an ``alphas`` keyword and the estimator is a
      ``ReservoirRegressor`` or ``ReservoirForecaster`` with a RidgeReadout,
      it is called as ``evaluate(model, alphas=grid)`` and returns one score
      per penalty of the grid, e.g. fitting once and re-solving with
      ``model.readout_.set_params(alpha=a)``; the best penalty is kept as
      ``readout__alpha``. Sampling, pruning (trained RNNs report their
      epochs to the pruner while ``evaluate`` fits them), the trials
      table, the progress bar and failure handling are those of every
      other call. This is how ``reservoir-bench`` tunes each model on its
      task's validation split.

    Parameters
    ----------
    estimator : estimator
        ``ReservoirRegressor``, ``ReservoirForecaster``, ``ReservoirClassifier``,
        a trained RNN of :mod:`reservoir.baselines`, or any model with
        ``search_space`` given. Its fixed settings (``n_units``, ``washout``,
        ``max_epochs``, ...) are kept; a default ``reservoir=None`` is built
        explicitly so that nested parameters can be set.
    y : array-like
        Forecaster: the series (one). Regressor: the target series.
        Classifier: the labels. Required unless ``evaluate`` is given.
    X : array-like, optional
        Regressor: the input series (required). Classifier: the series
        (required). Forecaster: optional exogenous input.
    n_trials : int, default=50
        Number of trials (fewer if ``timeout`` comes first); None with a
        ``timeout`` runs until the timeout.
    timeout : float, optional
        Stop starting trials after this many seconds.
    cv : int or splitter, optional
        Number of folds (forecasters: forecast origins); see above.
    validation : float in (0, 1) or int, optional
        Regressors and classifiers: held-out fraction (or number of steps /
        series); default 0.2.
    horizon : int, optional
        Forecasters: steps forecast from each origin; default
        ``min(100, len(y) // 10)``.
    search_space : callable or dict, optional
        Replaces the registered space: a callable ``space(trial) -> dict`` of
        nested parameter names and values (optuna's define-by-run API), or a
        dict of nested parameter name -> optuna distribution or list of
        choices. Include ``readout__alpha`` to sample the penalty yourself.
    alphas : array-like of float >= 0 or None, default=np.logspace(-12, 0, 13)
        Grid of ridge penalties chosen from for every configuration; None
        keeps the readout's own alpha.
    scoring : str or callable, optional
        ``"nrmse"`` (default for regressors and forecasters), ``"rmse"``,
        ``"accuracy"`` (default for classifiers), ``"balanced_accuracy"``,
        or a callable ``metric(y_true, y_pred) -> float`` (lower is better
        for regressors and forecasters, higher for classifiers, unless
        ``direction`` says otherwise).
    direction : {"minimize", "maximize"}, optional
        Whether a lower or a higher score is better, for a callable
        ``scoring``; inferred otherwise.
    sampler : optuna.samplers.BaseSampler, optional
        Default ``TPESampler(seed=...)`` seeded from ``random_state``.
    pruner : optuna.pruners.BasePruner, optional
        Default ``MedianPruner(n_startup_trials=5)``: from the sixth
        trial on, a trial whose running score after a fold (or, for trained
        RNNs when the training loop reports epochs, whose validation loss
        after an epoch) is worse than the median of earlier trials at the
        same step is stopped. With a single fold (the default ``cv``) a
        reservoir trial has no step to be stopped at; ``cv >= 2`` gives the
        pruner one per fold.
    refit : bool, default=True
        Refit a clone with the best parameters on all the data.
    random_state : int, RandomState instance or None
        Seeds the sampler and the classifier folds, and sets every
        ``random_state`` of the estimator that is None (all trials and the
        refit then use the same reservoir weights, so trials differ only in
        their hyperparameters). The same seed gives the same study with
        ``n_jobs=1`` and no ``timeout``, and with ``batch_size`` for any
        ``n_jobs`` and joblib backend.
    n_jobs : int, optional
        Without ``batch_size``: trials run in parallel in this many threads
        (-1: one per core); BLAS is limited to one thread meanwhile
        (threadpoolctl). Default 1. The time loop holds the GIL between its
        small matrix products, so the gain depends on the model size;
        results are no longer reproducible (trials finish in any order).
        With ``batch_size``: the ``n_jobs`` of the ``joblib.Parallel`` that
        scores each batch (joblib's convention: None is 1 unless a
        :func:`joblib.parallel_config` says otherwise, -1 every core or
        worker of the backend).
    progress : bool, default=True
        Show a tqdm progress bar over the trials with the best score so far.
    evaluate : callable, optional
        ``evaluate(model) -> float`` (or ``evaluate(model, alphas=grid) ->
        scores``): score one configuration by your own protocol instead of
        the built-in validation; see above. There is then no data to refit
        on: ``best_estimator_`` is the best configuration, unfitted.
    start_from_estimator : bool, default=True
        With the registered search space (``search_space=None``), the first
        trial evaluates the estimator's own values of the searched parameters
        where they lie in the space (for a default estimator, the library's
        defaults, chosen by ``python -m reservoir.benchmark.defaults``), so
        the result is never worse on validation than where tuning started.
    batch_size : int, optional
        Score the trials in batches through :mod:`joblib`, so that they run
        in worker processes or on a dask cluster
        (``joblib.parallel_config(backend="dask")``); see "Trials in
        batches" below. Default None: trials run one after the other here
        (or in ``n_jobs`` threads).

    Returns
    -------
    TuneResult
        ``best_estimator_``, ``best_params_``, ``best_score_``, ``study_``,
        ``trials_``.

    Raises
    ------
    ImportError
        optuna is not installed (``pip install "reservoir-rc[tune]"``).
    ValueError
        Bad arguments (``y`` missing without ``evaluate``, data or ``cv``
        given with it); no search space for the estimator.
    RuntimeError
        Every trial failed (the last error is chained) or none completed.

    Warns
    -----
    UserWarning
        Some trials failed (their errors are in ``trials_["error"]``).

    Notes
    -----
    A trial fails when fitting or predicting (or ``evaluate``) raises, or
    when its score is not finite (a forecast that diverged for every alpha). Failed trials are
    recorded with their error and the study goes on. Warnings raised inside
    trials (divergence, ill-conditioned solves of tiny penalties) are
    silenced; the refit's are not.

    **Trials in batches** (``batch_size=k``). Here, optuna is asked for
    ``k`` trials (``study.ask``) and each one's configuration is sampled
    (the sampler sees the trials told so far, not those of the running
    batch). The ``k`` configurations are scored through
    ``joblib.Parallel(n_jobs=n_jobs)``, one job per trial, wherever the
    active joblib backend runs them: this process, loky worker processes,
    or the workers of a dask cluster under
    ``joblib.parallel_config(backend="dask")``. Then, in trial order, each
    trial's intermediate values (per fold, or per epoch for trained RNNs)
    are reported to it and the pruner is asked after each, as a trial run
    here would be; the trial is told complete, pruned or failed, and the
    progress bar advances. The trials table is therefore the same for every
    ``n_jobs`` and backend, and depends only on the seeds and ``k``
    (``batch_size=1`` gives the study of the default sequential run).
    Scores computed remotely are reported after the fact: a pruned trial
    is recorded as pruned at the same step, but its later folds have been
    computed anyway, so pruning saves no time there. ``duration`` in
    ``trials_`` is then the time the scoring took where it ran.

    What travels to the workers, per job: the estimator clone with the
    trial's parameters set (unfitted, small) and the evaluation object, the
    validation protocol with the data (or ``evaluate`` with what it holds,
    pickled with cloudpickle). joblib's dask backend scatters the
    evaluation object to the cluster once per batch, since its reported
    size (``sys.getsizeof``) counts the data; loky memory-maps large arrays.
    Each job runs with warnings silenced and BLAS on one thread, in every
    backend, and sends back its per-fold (per-alpha) scores, the alpha
    grid, and the error of a failed trial.

    Examples
    --------
    >>> from reservoir import ESN, ReservoirForecaster
    >>> from reservoir.datasets import mackey_glass
    >>> from reservoir.model_selection import tune
    >>> y = mackey_glass(1200, random_state=0)
    >>> model = ReservoirForecaster(ESN(n_units=50), washout=100)
    >>> result = tune(model, y, n_trials=5, random_state=0, progress=False)
    >>> sorted(result.best_params_)[:2]
    ['include_input', 'readout__alpha']
    >>> result.trials_.shape[0]
    5
    """
    optuna = _import_optuna()
    joblib_n_jobs = n_jobs
    n_jobs = _check_tune_args(n_trials, timeout, n_jobs, direction)
    if batch_size is not None:
        batch_size = int(check_in_range(batch_size, "batch_size", 1, integer=True))
    check_bool(refit, "refit")
    kind = _kind(estimator)
    alpha_grid = _check_alpha_grid(alphas)
    seed = _seed_of(random_state)
    mode = None if alpha_grid is None else _alpha_mode(estimator, kind)
    base = _explicit_defaults(estimator, seed)
    sample = _space_function(search_space, base, optuna)
    if evaluate is not None:
        evaluation = _custom_evaluation(evaluate, estimator, kind, alpha_grid, direction,
                                        {"y": y, "X": X, "cv": cv, "validation": validation,
                                         "horizon": horizon, "scoring": scoring})
        score_name = metric_name(evaluate)
    elif y is None:
        raise ValueError("y is required (the data to validate on), unless evaluate= scores "
                         "each configuration by your own protocol.")
    else:
        evaluation, score_name = _evaluation(kind, mode, base, y, X, cv=cv,
                                              validation=validation, horizon=horizon,
                                              alphas=alpha_grid, scoring=scoring,
                                              direction=direction, seed=seed)
    if sampler is None:
        sampler = optuna.samplers.TPESampler(seed=seed)
    if pruner is None:
        pruner = optuna.pruners.MedianPruner(n_startup_trials=5)
    errors = []
    objective = _make_objective(optuna, base, sample, evaluation, errors)
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # the bar and trials_ report instead
    bar = _Progress(n_trials, progress, evaluation.direction)
    try:
        study = optuna.create_study(direction=evaluation.direction, sampler=sampler,
                                    pruner=pruner)
        if start_from_estimator and search_space is None:
            study.enqueue_trial(_starting_point(base, sample, optuna), skip_if_exists=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if batch_size is None:
                with _blas_limit(n_jobs):
                    study.optimize(objective, n_trials=n_trials, timeout=timeout,
                                   n_jobs=n_jobs, catch=(_TrialFailed,), callbacks=[bar])
            else:
                _optimize_in_batches(study, optuna, base, sample, evaluation, errors,
                                     n_trials=n_trials, timeout=timeout, batch_size=batch_size,
                                     n_jobs=joblib_n_jobs, callback=bar)
    finally:
        bar.close()
        optuna.logging.set_verbosity(verbosity)
    table = _trials_table(study)
    states = table["state"] if len(table) else pd.Series(dtype=object)
    n_failed = int((states == "failed").sum())
    if not (states == "complete").any():
        if n_failed and n_failed == len(table):
            last = errors[-1] if errors else None
            raise RuntimeError(f"All {n_failed} trials failed; the last error: "
                               f"{type(last).__name__}: {last}") from last
        raise RuntimeError(f"No trial completed ({len(table)} started); raise n_trials or "
                           "timeout.")
    if n_failed:
        warnings.warn(f"{n_failed} of {len(table)} trials failed; see trials_['error']. The "
                      f"last error: {type(errors[-1]).__name__}: {errors[-1]}",
                      UserWarning, stacklevel=2)
    best_trial = study.best_trial
    best_params = dict(best_trial.user_attrs["params"])
    best_estimator = None
    if refit:
        best_estimator = clone(base).set_params(**best_params)
        if evaluate is not None:
            pass  # no data to refit on: the best configuration, unfitted
        elif kind == "forecaster":
            best_estimator.fit(y, X=X)
        else:
            best_estimator.fit(X, y)
    return TuneResult(best_estimator_=best_estimator, best_params_=best_params,
                      best_score_=float(best_trial.value), study_=study, trials_=table,
                      direction=evaluation.direction, metric_name=score_name)


@contextmanager
def _blas_limit(n_jobs):
    """One BLAS thread per trial while trials run in parallel threads."""
    if n_jobs == 1:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
