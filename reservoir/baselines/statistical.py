"""Statistical and naive forecasting baselines behind the reservoir forecasters' interface.

Every model here is a scikit-learn ``BaseEstimator`` with the same three methods
as the reservoir forecasters:

* ``fit(y, X=None)`` learns from one series ``y`` of shape ``(T,)`` or ``(T, d)``
  (numpy or pandas; the naive models also accept a list of series);
* ``predict(n_steps, X=None, context=None, context_X=None)`` forecasts
  ``n_steps`` ahead from the end of the training series, or from the end of
  ``context`` (a new series with the same features) using the fitted
  parameters without refitting; ``X`` holds the ``n_steps`` future exogenous
  rows and ``context_X`` the rows aligned with ``context`` (models fitted with
  ``X`` only);
* ``predict_next(y, X=None)`` returns teacher-forced one-step-ahead predictions:
  row ``t`` of the output predicts ``y[t + 1]`` from ``y[:t + 1]``.

All of them follow the forecaster template of :mod:`reservoir._forecaster`
(validation, exogenous inputs, divergence warnings, output shapes), shared
with the reservoir and trained-RNN forecasters.

Models
------
:class:`ARIMAForecaster`
    (Seasonal) ARIMA with optional exogenous regressors, on
    :class:`statsmodels.tsa.statespace.sarimax.SARIMAX`; ``order="auto"`` picks
    ``(p, d, q)`` by AIC over a small grid.
:class:`ETSForecaster`
    Exponential smoothing (error, trend, seasonal) state-space models, on
    :class:`statsmodels.tsa.exponential_smoothing.ets.ETSModel`.
:class:`PersistenceForecaster`
    The last observed value, repeated.
:class:`SeasonalNaiveForecaster`
    The value observed one season earlier.

ARIMA and ETS are univariate: a series with ``d > 1`` columns gets one
independent model per column, and their fitted attributes (``results_``,
``order_``, ...) become lists with one entry per column.

References
----------
.. [1] R. J. Hyndman and G. Athanasopoulos, *Forecasting: Principles and
   Practice*, 3rd ed., OTexts, 2021, sections 5.2 (naive and seasonal naive
   methods), 8 (exponential smoothing) and 9 (ARIMA).
.. [2] R. J. Hyndman, A. B. Koehler, J. K. Ord and R. D. Snyder, *Forecasting
   with Exponential Smoothing: The State Space Approach*, Springer, 2008.
"""

from __future__ import annotations

import itertools
import warnings
from abc import ABCMeta, abstractmethod
from contextlib import contextmanager, nullcontext

import numpy as np
from sklearn.utils.validation import check_is_fitted
from statsmodels.tools.sm_exceptions import ConvergenceWarning, EstimationWarning
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.statespace.sarimax import SARIMAX
from threadpoolctl import threadpool_limits

from .._forecaster import BaseForecaster, ForecastLayout
from .._validation import BOOLEAN, Interval, Options, Satisfies, check_series

__all__ = [
    "ARIMAForecaster",
    "ETSForecaster",
    "PersistenceForecaster",
    "SeasonalNaiveForecaster",
]

_MISSING = object()
#: Model arguments a saved ARIMA/ETS column records (and the only ones read back).
_SARIMAX_SPEC = ("order", "seasonal_order", "trend", "enforce_stationarity",
                 "enforce_invertibility")
_ETS_SPEC = ("error", "trend", "damped_trend", "seasonal", "seasonal_periods")
_ETS_COMPONENTS = ("add", "mul")


# ---------------------------------------------------------------------------
# Shared fit / predict / predict_next machinery
# ---------------------------------------------------------------------------
class _StatisticalForecaster(BaseForecaster):
    """The forecaster template (:class:`reservoir._forecaster.BaseForecaster`) for this module.

    Subclasses implement ``_fit_series``, ``_forecast_series`` and ``_one_step``, and
    may refine ``_check_params``, ``_min_fit_length`` and ``_min_context_length``.
    Exogenous inputs are refused unless ``_supports_exog`` is True; one series
    per model unless ``_multiple_series`` is True.
    """

    _supports_exog = False
    _multiple_series = False

    # -- hooks of the forecaster template -----------------------------------------
    def _fit(self, series, exog):
        with self._compute_limits():
            self._fit_series(series, None if exog is None else exog[0])

    def _predict(self, n_steps, contexts, context_exog, future_exog):
        with self._compute_limits():
            return self._forecast_series(n_steps, contexts,
                                  None if context_exog is None else context_exog[0],
                                  None if future_exog is None else future_exog[0])

    def _min_fit_length(self) -> int:
        return 1

    def predict_next(self, y, X=None):
        """Teacher-forced one-step-ahead predictions for every step of ``y``.

        Parameters
        ----------
        y : array-like of shape (T,) or (T, d), or pandas object
            The series to run the fitted model over (no refit).
        X : array-like, optional
            Exogenous regressors (only for models fitted with them), with
            ``T`` rows aligned with ``y``, or ``T + 1`` rows to also predict
            the step after ``y``.

        Returns
        -------
        predictions : same shape and type as ``y``
            Row ``t`` predicts ``y[t + 1]`` from ``y[:t + 1]``; the last row
            predicts the step after the end of ``y`` (NaN when that needs the
            exogenous row after ``y`` and ``X`` has only ``T`` rows).
        """
        check_is_fitted(self)
        self._refuse_exog(X=X)
        exog_next = None
        if X is not None and self.n_exog_ and np.ndim(X) == 2 and np.ndim(y) <= 2 \
                and len(X) == len(y) + 1:
            rows = check_series(X, name="X").series[0]
            X, exog_next = rows[:-1], rows[-1:]
        series_set, exog = self._check_observed(y, X, min_length=self._min_context_length())
        with self._compute_limits():
            outputs = self._one_step(series_set.series,
                                     None if exog is None else exog.series[0], exog_next)
        return ForecastLayout.of(y, series_set).like_input(outputs)

    # -- hooks of this module --------------------------------------------------------
    def _compute_limits(self):
        """Context manager around the model computations (none by default)."""
        return nullcontext()


def _is_int_tuple(length):
    """Predicate: a tuple (or list) of ``length`` non-negative integers."""
    def check(value):
        return isinstance(value, (tuple, list)) and len(value) == length and all(
            Interval("integer", 0, None).accepts(v) for v in value)
    return check


def _int_tuple(length, what):
    return Satisfies(_is_int_tuple(length), f"a tuple of {length} non-negative integers {what}")


# ---------------------------------------------------------------------------
# ARIMA and ETS: one univariate statsmodels model per column
# ---------------------------------------------------------------------------
class _ColumnwiseForecaster(_StatisticalForecaster, metaclass=ABCMeta):
    """A univariate statsmodels model fitted independently to each column of ``y``.

    Subclasses implement ``_fit_column(y, exog)``, ``_apply_column(results, y,
    exog)`` (fitted parameters applied to a new series, no refit) and
    ``_forecast_column(results, n_steps, exog)``; ``_fitted_attributes`` turns
    the per-column outputs of ``_fit_column`` into fitted attributes.
    """

    def _compute_limits(self):
        """Run statsmodels with one BLAS thread.

        Its Kalman filters multiply matrices of a few rows, where BLAS threads
        only add synchronisation; on a busy machine, multithreaded BLAS made
        SARIMAX fits more than ten times slower. The limit is lifted on exit.
        """
        return threadpool_limits(limits=1, user_api="blas")

    def _fit_series(self, series, exog):
        y = series[0]
        fits = [self._fit_column(y[:, j], exog) for j in range(y.shape[1])]
        for name, per_column in self._fitted_attributes(fits).items():
            # like scikit-learn's coef_: a single value for one column, a list for several
            setattr(self, name, per_column[0] if len(per_column) == 1 else per_column)

    def _fitted_attributes(self, fits):
        """Map attribute names to per-column values, from the outputs of ``_fit_column``."""
        return {"results_": fits, "model_": [r.model for r in fits]}

    def _column_results(self):
        return [self.results_] if self.n_outputs_ == 1 else self.results_

    # -- persistence ---------------------------------------------------------------
    def __getstate__(self):
        """Pickled (and :mod:`reservoir.io`) state: fitted parameters, not statsmodels objects.

        Each column's results are stored as the data they were fitted on, the
        model specification and the fitted parameters (plain arrays); loading
        rebuilds ``results_`` and ``model_`` by running the model with those
        parameters (no refit), which gives the same forecasts, likelihood and
        standard errors.
        """
        state = dict(super().__getstate__())  # a copy, not self.__dict__
        if "results_" in state:
            state["_column_fits"] = [self._describe_results(r) for r in self._column_results()]
            del state["results_"]
            state.pop("model_", None)
        return state

    def __setstate__(self, state):
        state = dict(state)
        fits = state.pop("_column_fits", None)
        super().__setstate__(state)
        if fits is not None:
            with self._compute_limits():
                results = [self._rebuild_results(spec) for spec in fits]
            for name, value in (("results_", results), ("model_", [r.model for r in results])):
                setattr(self, name, value[0] if len(value) == 1 else value)

    @staticmethod
    def _fit_record(results):
        """What every column keeps: its data, fitted parameters and optimiser report."""
        data = results.model.data
        retvals = getattr(results, "mle_retvals", None)
        return {
            "endog": np.asarray(data.endog, dtype=float),
            "exog": None if data.exog is None else np.asarray(data.exog, dtype=float),
            "params": np.asarray(results.params, dtype=float),
            "mle_retvals": None if retvals is None else dict(retvals),
        }

    @staticmethod
    def _restore_record(results, spec):
        if spec.get("mle_retvals") is not None:
            inner = getattr(results, "_results", results)
            inner.mle_retvals = spec["mle_retvals"]
        return results

    @abstractmethod
    def _describe_results(self, results) -> dict:
        """A column's fitted results as plain data (see ``__getstate__``)."""

    @abstractmethod
    def _rebuild_results(self, spec):
        """The fitted results of a column from :meth:`_describe_results`' record."""

    def _uses_exog(self) -> bool:
        return self.n_exog_ > 0

    def _forecast_series(self, n_steps, history, exog_past, exog_future):
        results = self._column_results()
        if history is not None:
            results = [self._apply_column(r, history[0][:, j], exog_past)
                       for j, r in enumerate(results)]
        columns = [self._forecast_column(r, n_steps, exog_future) for r in results]
        return [np.column_stack(columns)]

    def _one_step(self, series, exog_past, exog_next):
        y = series[0]
        can_look_ahead = exog_next is not None or not self._uses_exog()
        columns = []
        for j, results in enumerate(self._column_results()):
            applied = self._apply_column(results, y[:, j], exog_past)
            fitted = np.asarray(applied.fittedvalues, dtype=float)
            after_end = (self._forecast_column(applied, 1, exog_next)[0]
                         if can_look_ahead else np.nan)
            columns.append(np.append(fitted[1:], after_end))
        return [np.column_stack(columns)]


@contextmanager
def _quiet_statsmodels(*categories):
    """Silence statsmodels' harmless start-value notices (and ``categories``) locally.

    When its default starting parameters are non-stationary or non-invertible,
    statsmodels warns and starts the optimiser from zeros instead; the fit is
    unaffected, so the notice is noise.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Non-(stationary|invertible) starting",
                                category=EstimationWarning)
        for category in categories:
            warnings.simplefilter("ignore", category)
        yield


class ARIMAForecaster(_ColumnwiseForecaster):
    """(Seasonal) ARIMA forecaster with optional exogenous regressors.

    A thin scikit-learn wrapper around statsmodels'
    :class:`~statsmodels.tsa.statespace.sarimax.SARIMAX`, fitted by maximum
    likelihood. ``order="auto"`` chooses ``(p, d, q)`` by AIC.

    Parameters
    ----------
    order : tuple of 3 int or "auto", default=(1, 0, 0)
        Non-seasonal ``(p, d, q)``: autoregressive order, differences, moving
        average order. ``"auto"`` fits every ``(p, d, q)`` with
        ``0 <= p <= P``, ``0 <= d <= D``, ``0 <= q <= Q`` where
        ``(P, D, Q) = auto_max_order`` (32 candidates by default), keeping
        ``seasonal_order`` and ``trend`` fixed, and keeps the one with the
        lowest AIC (the first in ``itertools.product`` order on ties).
        Candidates whose fit fails or whose AIC is not finite are skipped.
        A model needs more observations after its lags and differences
        (``p + d + s * (P + D)`` steps) than it has parameters; a fixed order
        that has too few raises a ``ValueError``, an ``"auto"`` candidate is
        skipped.
    seasonal_order : tuple of 4 int, default=(0, 0, 0, 0)
        Seasonal ``(P, D, Q, s)``; ``s`` is the period (0 when there is no
        seasonal part, at least 2 otherwise).
    trend : {None, "n", "c", "t", "ct"}, default=None
        Deterministic trend: none, constant, linear in time, or both.
    auto_max_order : tuple of 3 int, default=(3, 1, 3)
        Largest ``(p, d, q)`` tried when ``order="auto"``.
    enforce_stationarity : bool, default=True
        Restrict autoregressive parameters to the stationary region.
    enforce_invertibility : bool, default=True
        Restrict moving-average parameters to the invertible region.
    maxiter : int, default=50
        Maximum number of optimiser (L-BFGS) iterations per fit.
    divergence_factor : float > 0, default=1.0
        A forecast that leaves the range of the training data by more than
        this multiple of the range's width (or turns non-finite) triggers a
        :class:`~reservoir.exceptions.ForecastDivergenceWarning`.

    Attributes
    ----------
    results_ : statsmodels SARIMAXResults, or list of them
        Fitted results; one per column when ``y`` has several columns.
    model_ : statsmodels SARIMAX, or list of them
        The fitted models (``results_.model``).
    order_ : tuple of 3 int, or list of them
        The ``(p, d, q)`` used (the chosen one when ``order="auto"``).
    aic_ : float, or list of float
        Akaike information criterion of the fitted model(s).
    aic_grid_ : dict, list of dict, or None
        With ``order="auto"``: every candidate ``(p, d, q)`` mapped to its AIC
        (NaN where the fit failed). None for a fixed order.
    n_exog_ : int
        Number of exogenous regressors seen in ``fit`` (0 without ``X``).
    n_exog_features_ : int
        The same as ``n_exog_`` (its former name).
    n_outputs_ : int
        Number of columns of ``y``.
    n_features_in_ : int
        Number of columns of ``y`` plus those of ``X``.
    feature_names_in_ : ndarray of str
        Column names of ``y`` when it was a DataFrame with string names (and
        no ``X``).
    training_range_ : tuple of two ndarrays
        Per-column minimum and maximum of ``y``, the reference of the
        divergence warning.

    Notes
    -----
    Multivariate ``y`` gets one independent univariate model per column (all
    sharing ``X``), not a VARMA model. With ``X``, ``predict`` takes the
    ``n_steps`` future rows as ``X`` and, with ``context``, the rows aligned with
    the context as ``context_X``. ``predict(context=...)`` and
    ``predict_next`` apply the fitted parameters to the new series with
    ``SARIMAXResults.apply`` (Kalman filter from the model's default
    initialisation, no refit). Exogenous regressors enter contemporaneously
    (``y_t = beta' x_t + ARIMA error``), so forecasts need future ``X``.

    AIC values of candidates with different ``d`` are compared as statsmodels
    reports them; with differencing the first ``d`` observations only serve as
    a diffuse burn-in, so such comparisons are approximate. The grid search
    silences convergence warnings of the candidates and warns once if the
    chosen model did not converge.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir.baselines import ARIMAForecaster
    >>> rng = np.random.default_rng(0)
    >>> y = np.zeros(200)
    >>> for t in range(1, 200):
    ...     y[t] = 0.8 * y[t - 1] + rng.standard_normal()
    >>> model = ARIMAForecaster(order=(1, 0, 0)).fit(y)
    >>> model.predict(n_steps=3).shape
    (3,)
    """

    _supports_exog = True
    _parameter_constraints = {
        **BaseForecaster._parameter_constraints,
        "order": [_int_tuple(3, "(p, d, q)"), Options("auto")],
        "seasonal_order": [_int_tuple(4, "(P, D, Q, s)")],
        "trend": [Options("n", "c", "t", "ct"), None],
        "auto_max_order": [_int_tuple(3, "(p, d, q)")],
        "enforce_stationarity": [BOOLEAN],
        "enforce_invertibility": [BOOLEAN],
        "maxiter": [Interval("integer", 1, None)],
    }

    def __init__(self, order=(1, 0, 0), seasonal_order=(0, 0, 0, 0), trend=None,
                 auto_max_order=(3, 1, 3), enforce_stationarity=True,
                 enforce_invertibility=True, maxiter=50, divergence_factor=1.0):
        self.order = order
        self.seasonal_order = seasonal_order
        self.trend = trend
        self.auto_max_order = auto_max_order
        self.enforce_stationarity = enforce_stationarity
        self.enforce_invertibility = enforce_invertibility
        self.maxiter = maxiter
        self.divergence_factor = divergence_factor

    # -- parameters --------------------------------------------------------------
    @property
    def _auto(self) -> bool:
        """Whether the order is chosen by AIC (``order="auto"``)."""
        return isinstance(self.order, str) and self.order == "auto"

    def _check_params(self):
        period = self.seasonal_order[3]
        if period == 1 or (any(self.seasonal_order[:3]) and period < 2):
            raise ValueError(
                "seasonal_order[3] (the period s) must be 0 without a seasonal part and at "
                f"least 2 with one; got seasonal_order={self.seasonal_order!r}."
            )

    def _largest_order(self):
        return self.auto_max_order if self._auto else self.order

    def _min_fit_length(self) -> int:
        """Series must be longer than the total lag span of the largest model, plus 2."""
        p, d, q = self._largest_order()
        big_p, big_d, big_q, period = self.seasonal_order
        return p + d + q + period * (big_p + big_d + big_q) + 2

    # -- exogenous regressors ----------------------------------------------------
    @property
    def n_exog_features_(self) -> int:
        """Number of exogenous regressors seen in ``fit``: the same as ``n_exog_``."""
        return self.n_exog_

    # -- fitting -------------------------------------------------------------------
    def _sarimax(self, y, exog, order):
        return SARIMAX(
            y, exog=exog, order=order, seasonal_order=tuple(self.seasonal_order),
            trend=self.trend, enforce_stationarity=self.enforce_stationarity,
            enforce_invertibility=self.enforce_invertibility,
        )

    def _fit_order(self, y, exog, order):
        with _quiet_statsmodels():
            model = self._sarimax(y, exog, order)
            self._check_enough_observations(model, order, len(y))
            return model.fit(disp=False, maxiter=self.maxiter)

    def _check_enough_observations(self, model, order, n_obs):
        """More observations after the lags and differences than parameters to estimate.

        A model with as many parameters as data points interpolates noise (an
        ARIMA(60, 0, 0) on 80 points has 61 parameters and 20 steps after its
        lags); its likelihood has no useful optimum.
        """
        p, d, _ = order
        big_p, big_d, _, period = self.seasonal_order
        span = p + d + period * (big_p + big_d)
        if n_obs - span <= model.k_params:
            name = "order" if not self._auto else "order='auto' candidate"
            raise ValueError(
                f"{name}={tuple(order)} (seasonal_order={tuple(self.seasonal_order)}) has "
                f"{model.k_params} parameters to estimate, but y has {n_obs} observations, "
                f"{n_obs - span} after the {span} steps its lags and differences use: it "
                f"needs more than {span + model.k_params}. Use a lower order or a longer series."
            )

    def _search_order(self, y, exog):
        """Fit every candidate order; return the lowest-AIC results and the AIC grid."""
        grid = itertools.product(*(range(m + 1) for m in self.auto_max_order))
        aics, best, last_error = {}, None, None
        with _quiet_statsmodels(ConvergenceWarning):
            for order in grid:
                try:
                    results = self._fit_order(y, exog, order)
                except (ValueError, np.linalg.LinAlgError) as exc:
                    aics[order], last_error = np.nan, exc
                    continue
                aics[order] = float(results.aic)
                if np.isfinite(results.aic) and (best is None or results.aic < best.aic):
                    best = results
        if best is None:
            raise ValueError(
                f"order='auto': none of the {len(aics)} candidate orders up to "
                f"auto_max_order={tuple(self.auto_max_order)} could be fitted."
            ) from last_error
        if not best.mle_retvals.get("converged", True):
            warnings.warn(
                f"The AIC-selected ARIMA order {best.model.order} did not converge "
                f"within maxiter={self.maxiter} iterations; increase maxiter.",
                ConvergenceWarning, stacklevel=5,
            )
        return best, aics

    def _fit_column(self, y, exog):
        if self._auto:
            return self._search_order(y, exog)
        return self._fit_order(y, exog, tuple(int(v) for v in self.order)), None

    def _fitted_attributes(self, fits):
        results = [r for r, _ in fits]
        return {
            "results_": results,
            "model_": [r.model for r in results],
            "order_": [tuple(r.model.order) for r in results],
            "aic_": [float(r.aic) for r in results],
            # a fixed order has no grid: one None, whatever the number of columns
            "aic_grid_": [grid for _, grid in fits] if self._auto else [None],
        }

    # -- persistence ---------------------------------------------------------------
    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy, not self.__dict__
        grid = state.pop("aic_grid_", _MISSING)
        if grid is not _MISSING:  # {order: aic} -> [(order, aic), ...]: skops keys must be str
            grids = grid if isinstance(grid, list) else [grid]
            state["_aic_grid_items"] = (isinstance(grid, list), [
                None if g is None else [(tuple(order), aic) for order, aic in g.items()]
                for g in grids])
        return state

    def __setstate__(self, state):
        state = dict(state)
        items = state.pop("_aic_grid_items", None)
        if items is not None:
            is_list, grids = items
            grids = [None if g is None else {tuple(order): aic for order, aic in g}
                     for g in grids]
            state["aic_grid_"] = grids if is_list else grids[0]
        super().__setstate__(state)

    def _describe_results(self, results):
        model = results.model
        return {**self._fit_record(results), "cov_type": results.cov_type, "model": {
            "order": tuple(model.order), "seasonal_order": tuple(model.seasonal_order),
            "trend": model.trend, "enforce_stationarity": bool(model.enforce_stationarity),
            "enforce_invertibility": bool(model.enforce_invertibility)}}

    def _rebuild_results(self, spec):
        model = SARIMAX(spec["endog"], exog=spec["exog"],
                        **{name: spec["model"][name] for name in _SARIMAX_SPEC})
        with _quiet_statsmodels():
            results = model.smooth(spec["params"], cov_type=spec["cov_type"])
        return self._restore_record(results, spec)

    # -- forecasting ---------------------------------------------------------------
    def _apply_column(self, results, y, exog):
        return results.apply(y, exog=exog)

    def _forecast_column(self, results, n_steps, exog):
        return np.asarray(results.forecast(n_steps, exog=exog), dtype=float)


class ETSForecaster(_ColumnwiseForecaster):
    """Exponential smoothing (ETS) forecaster.

    Fits the innovations state-space form of exponential smoothing [2]_ by
    maximum likelihood with statsmodels'
    :class:`~statsmodels.tsa.exponential_smoothing.ets.ETSModel`. ``ETSModel``
    is used rather than ``holtwinters.ExponentialSmoothing`` because its
    ``smooth(params)`` runs fitted parameters (smoothing weights and initial
    states) over a new series without refitting, which is what
    ``predict(context=...)`` and ``predict_next`` need, and because it has a
    proper likelihood (AIC, prediction intervals via ``results_``).

    Parameters
    ----------
    error : {"add", "mul"}, default="add"
        Additive or multiplicative errors.
    trend : {None, "add", "mul"}, default=None
        Trend component.
    damped_trend : bool, default=False
        Damp the trend (requires a trend).
    seasonal : {None, "add", "mul"}, default=None
        Seasonal component.
    seasonal_periods : int, optional
        Season length, at least 2; required when ``seasonal`` is set and
        ignored otherwise.
    divergence_factor : float > 0, default=1.0
        A forecast that leaves the range of the training data by more than
        this multiple of the range's width (or turns non-finite) triggers a
        :class:`~reservoir.exceptions.ForecastDivergenceWarning`.

    Attributes
    ----------
    results_ : statsmodels ETSResults, or list of them
        Fitted results; one per column when ``y`` has several columns.
    model_ : statsmodels ETSModel, or list of them
        The fitted models.
    n_features_in_ : int
        Number of columns of ``y``.
    feature_names_in_ : ndarray of str
        Column names of ``y`` when it was a DataFrame with string names.
    training_range_ : tuple of two ndarrays
        Per-column minimum and maximum of ``y``, the reference of the
        divergence warning.

    Notes
    -----
    Multivariate ``y`` gets one independent model per column. Multiplicative
    components need strictly positive data. A seasonal model needs at least
    two full seasons of data (statsmodels' initialisation), also in
    ``context``. Exogenous inputs are not supported (``X`` must be None).
    ``predict(context=...)`` starts the smoother on ``context`` from the
    fitted initial states.

    References
    ----------
    .. [2] R. J. Hyndman, A. B. Koehler, J. K. Ord and R. D. Snyder,
       *Forecasting with Exponential Smoothing: The State Space Approach*,
       Springer, 2008.
    """

    _parameter_constraints = {
        **BaseForecaster._parameter_constraints,
        "error": [Options(*_ETS_COMPONENTS)],
        "trend": [Options(*_ETS_COMPONENTS), None],
        "damped_trend": [BOOLEAN],
        "seasonal": [Options(*_ETS_COMPONENTS), None],
        "seasonal_periods": [Interval("integer", 2, None), None],
    }

    def __init__(self, error="add", trend=None, damped_trend=False, seasonal=None,
                 seasonal_periods=None, divergence_factor=1.0):
        self.error = error
        self.trend = trend
        self.damped_trend = damped_trend
        self.seasonal = seasonal
        self.seasonal_periods = seasonal_periods
        self.divergence_factor = divergence_factor

    def _check_params(self):
        if self.damped_trend and self.trend is None:
            raise ValueError("damped_trend=True requires a trend ('add' or 'mul'); got trend=None.")
        if self.seasonal is not None and self.seasonal_periods is None:
            raise ValueError(f"seasonal={self.seasonal!r} requires seasonal_periods "
                             "(an integer >= 2); got None.")

    def _min_fit_length(self) -> int:
        return 2 * self.seasonal_periods if self.seasonal is not None else 2

    _min_context_length = _min_fit_length

    def _check_y(self, y, name, min_length):
        series_set = super()._check_y(y, name, min_length)
        multiplicative = "mul" in (self.error, self.trend, self.seasonal)
        if multiplicative and (series_set.series[0] <= 0).any():
            raise ValueError(f"{name} must be strictly positive for an ETS model with "
                             "multiplicative components.")
        return series_set

    def _ets(self, y):
        return ETSModel(y, error=self.error, trend=self.trend, damped_trend=self.damped_trend,
                        seasonal=self.seasonal,
                        seasonal_periods=self.seasonal_periods if self.seasonal else None)

    def _fit_column(self, y, exog):
        return self._ets(y).fit(disp=False)

    def _apply_column(self, results, y, exog):
        return self._ets(y).smooth(results.params)

    def _forecast_column(self, results, n_steps, exog):
        return np.asarray(results.forecast(n_steps), dtype=float)

    def _describe_results(self, results):
        model = results.model
        return {**self._fit_record(results), "model": {
            "error": model.error, "trend": model.trend, "damped_trend": bool(model.damped_trend),
            "seasonal": model.seasonal,
            "seasonal_periods": int(model.seasonal_periods) if model.seasonal else None}}

    def _rebuild_results(self, spec):
        with _quiet_statsmodels():
            results = ETSModel(spec["endog"], **{name: spec["model"][name] for name in _ETS_SPEC}
                               ).smooth(spec["params"])
        return self._restore_record(results, spec)


# ---------------------------------------------------------------------------
# Naive forecasts
# ---------------------------------------------------------------------------
class _NaiveForecaster(_StatisticalForecaster, metaclass=ABCMeta):
    """Repeat the last season of each series; ``_period()`` is the season length."""

    _multiple_series = True

    @abstractmethod
    def _period(self) -> int:
        """The season length: the forecast repeats the last ``_period()`` values."""

    def _min_fit_length(self) -> int:
        return self._period()

    _min_context_length = _min_fit_length

    def _fit_series(self, series, exog):
        period = self._period()
        self.recent_values_ = [s[-period:].copy() for s in series]

    def _forecast_series(self, n_steps, history, exog_past, exog_future):
        period = self._period()
        # without context: the end of the last training series, as every forecaster
        seasons = self.recent_values_[-1:] if history is None else [s[-period:] for s in history]
        positions = np.arange(n_steps) % period
        return [season[positions] for season in seasons]

    def _one_step(self, series, exog_past, exog_next):
        lag = self._period() - 1
        outputs = []
        for y in series:
            out = y.copy()
            out[lag:] = y[: len(y) - lag]
            outputs.append(out)
        return outputs


class PersistenceForecaster(_NaiveForecaster):
    """Naive forecast: the last observed value, repeated over the horizon.

    Works for any number of columns and for several series at once:
    ``predict(n_steps, context=[...])`` (a list or a 3-D block) continues each
    series from its own last value; without ``context`` the forecast
    continues the last training series. Exogenous inputs are refused (``X``
    must be None).

    Parameters
    ----------
    divergence_factor : float > 0, default=1.0
        A forecast that leaves the range of the training data by more than
        this multiple of the range's width triggers a
        :class:`~reservoir.exceptions.ForecastDivergenceWarning` (a context
        far outside the training range, say).

    Attributes
    ----------
    recent_values_ : list of ndarray of shape (1, d)
        Last row of each training series.
    n_features_in_ : int
        Number of columns of the series.
    feature_names_in_ : ndarray of str
        Column names when the series was a DataFrame with string names.
    training_range_ : tuple of two ndarrays
        Per-column minimum and maximum of the training series, the reference
        of the divergence warning.

    Notes
    -----
    ``predict_next(y)`` returns ``y`` itself: the prediction of ``y[t + 1]``
    is ``y[t]``. See [1]_, section 5.2.

    References
    ----------
    .. [1] R. J. Hyndman and G. Athanasopoulos, *Forecasting: Principles and
       Practice*, 3rd ed., OTexts, 2021.

    Examples
    --------
    >>> from reservoir.baselines import PersistenceForecaster
    >>> PersistenceForecaster().fit([1.0, 2.0, 3.0]).predict(n_steps=2)
    array([3., 3.])
    """

    _parameter_constraints = BaseForecaster._parameter_constraints

    def __init__(self, divergence_factor=1.0):
        self.divergence_factor = divergence_factor

    def _period(self) -> int:
        return 1


class SeasonalNaiveForecaster(_NaiveForecaster):
    """Seasonal naive forecast: each step repeats the value one period earlier.

    The forecast ``h`` steps after the last observation ``T`` is
    ``y[T + h - period * ceil(h / period)]``, i.e. the last observed season
    repeated ([1]_, section 5.2). Works for any number of columns and for
    several series at once (``context=[...]``; without ``context`` the forecast
    continues the last training series). Exogenous inputs are refused (``X``
    must be None).

    Parameters
    ----------
    period : int
        Season length, at least 1 (``period=1`` is persistence). Training and
        context series need at least ``period`` steps.
    divergence_factor : float > 0, default=1.0
        A forecast that leaves the range of the training data by more than
        this multiple of the range's width triggers a
        :class:`~reservoir.exceptions.ForecastDivergenceWarning`.

    Attributes
    ----------
    recent_values_ : list of ndarray of shape (period, d)
        Last season of each training series.
    n_features_in_ : int
        Number of columns of the series.
    feature_names_in_ : ndarray of str
        Column names when the series was a DataFrame with string names.
    training_range_ : tuple of two ndarrays
        Per-column minimum and maximum of the training series, the reference
        of the divergence warning.

    Notes
    -----
    In ``predict_next(y)``, row ``t`` is ``y[t + 1 - period]``; for the first
    ``period - 1`` rows no value one period back exists and the prediction
    falls back to persistence (``y[t]``).

    References
    ----------
    .. [1] R. J. Hyndman and G. Athanasopoulos, *Forecasting: Principles and
       Practice*, 3rd ed., OTexts, 2021.

    Examples
    --------
    >>> from reservoir.baselines import SeasonalNaiveForecaster
    >>> SeasonalNaiveForecaster(period=3).fit([1.0, 2.0, 3.0, 4.0]).predict(n_steps=4)
    array([2., 3., 4., 2.])
    """

    _parameter_constraints = {**BaseForecaster._parameter_constraints,
                              "period": [Interval("integer", 1, None)]}

    def __init__(self, period, divergence_factor=1.0):
        self.period = period
        self.divergence_factor = divergence_factor

    def _period(self) -> int:
        return int(self.period)
