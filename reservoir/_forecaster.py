"""The forecaster template shared by every family: reservoir, trained RNN, statistical.

:class:`BaseForecaster` owns the public ``fit``/``predict`` contract (as
sktime's public ``fit``/``predict`` over private ``_fit``/``_predict``):

* ``fit(y, X=None)``: ``y`` is one series ``(T,)``/``(T, d)`` (numpy or
  pandas), a list of series or an ``(n, T, d)`` block; ``X`` holds exogenous
  inputs with the same structure and lengths;
* ``predict(n_steps, X=None, context=None, context_X=None)``: ``X`` holds the
  ``n_steps`` future exogenous rows (one block shared by every forecast, or one
  per context series), ``context`` the observations to continue from (by
  default the end of the last training series) and ``context_X`` the
  exogenous rows aligned with ``context``.

The base validates parameters (``_parameter_constraints``, once at the start of
``fit``), the series, the exogenous inputs and the horizon; records
``n_features_in_``, ``n_outputs_``, ``n_exog_`` and ``training_range_``;
warns when a forecast diverges (``divergence_factor``); and shapes every
forecast through one :class:`ForecastLayout`, so that the same inputs give the
same output types in every family: a 1-D series gives 1-D forecasts, a pandas
series whose index can be continued gives a pandas forecast on the continued
index, a list of contexts gives a list (each element shaped like its
context), a 3-D block a 3-D array.

Hooks of the families
---------------------
``_fit(series, exog)``
    Learn from ``series`` (list of ``(T_i, d)`` float arrays) and ``exog``
    (list of ``(T_i, e)`` arrays, or None).
``_predict(n_steps, contexts, context_exog, future_exog, **options)``
    Return one ``(n_steps, d)`` array per forecast (a list or a 3-D array).
    ``contexts`` is None to continue the end of the last training series
    (one forecast), else a list of ``(T_c, d)`` arrays; ``context_exog`` the
    aligned exogenous rows (or None); ``future_exog`` one ``(n_steps, e)``
    array per forecast (or None).
``_check_params()``
    Checks that involve several parameters (the single-parameter ones are
    declared in ``_parameter_constraints``); optional.
``_min_fit_length()``, ``_min_context_length()``, ``_check_y(y, name, min_length)``
    Optional refinements of the series checks.

Class attributes ``_supports_exog`` (False: ``X`` is refused with a clear
error) and ``_multiple_series`` (False: one series per model) declare what
a family accepts.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ._forecast import (
    check_exogenous,
    check_future_exogenous,
    check_n_steps,
    format_forecast,
    training_range,
    warn_if_diverged,
)
from ._validation import (
    Interval,
    SeriesSet,
    _is_pandas,
    check_parameter,
    check_series,
    record_n_features,
    validate_params,
)

__all__ = ["BaseForecaster", "ForecastLayout", "DIVERGENCE_FACTOR"]

#: Constraint of ``divergence_factor``: a finite number > 0.
DIVERGENCE_FACTOR = Interval("real", 0, None, closed="neither")


def _format_of(raw) -> dict:
    """How one series was passed: 1-D or not, its pandas index, columns and name."""
    if _is_pandas(raw):
        one_d = raw.ndim == 1
        return {"was_1d": one_d, "index": raw.index, "name": raw.name if one_d else None,
                "columns": None if one_d else list(raw.columns)}
    return {"was_1d": np.ndim(raw) == 1, "index": None, "name": None, "columns": None}


class ForecastLayout:
    """How the caller passed a set of series, to shape outputs like them.

    Parameters
    ----------
    layout : {"single", "list", "array"}
        One series, a list of series or a 3-D block.
    formats : list of dict
        Per series: ``was_1d``, ``index`` (pandas index or None), ``name`` and
        ``columns`` (see :func:`reservoir._forecast.format_forecast`).
    """

    def __init__(self, layout, formats):
        self.layout = layout
        self.formats = list(formats)

    @classmethod
    def of(cls, raw, series_set: SeriesSet) -> ForecastLayout:
        """The layout of ``raw``, validated as ``series_set``."""
        if series_set.layout == "single":
            return cls("single", [_format_of(raw)])
        if series_set.layout == "list":
            return cls("list", [_format_of(r) for r in raw])
        return cls("array", [_format_of(s) for s in series_set.series])

    def forecast(self, paths):
        """Forecasts (one ``(n_steps, d)`` array per series) continuing each series' index."""
        if self.layout == "array":
            return np.stack([np.asarray(p) for p in paths])
        shaped = [format_forecast(p, **fmt) for p, fmt in zip(paths, self.formats, strict=True)]
        return shaped[0] if self.layout == "single" else shaped

    def like_input(self, outputs):
        """Per-step outputs (one ``(T_i, d)`` array per series) on each series' own index."""
        if self.layout == "array":
            return np.stack(outputs)
        shaped = [_like(out, fmt) for out, fmt in zip(outputs, self.formats, strict=True)]
        return shaped[0] if self.layout == "single" else shaped


def _like(values, fmt):
    values = np.asarray(values)
    if fmt["index"] is None:
        return values[:, 0] if fmt["was_1d"] else values
    import pandas as pd

    if fmt["was_1d"]:
        return pd.Series(values[:, 0], index=fmt["index"], name=fmt["name"])
    return pd.DataFrame(values, index=fmt["index"], columns=fmt["columns"])


class BaseForecaster(BaseEstimator, metaclass=ABCMeta):
    """Template of every forecaster: validation, exogenous inputs, divergence, output shape.

    Subclasses implement :meth:`_fit` and :meth:`_predict` (see the module
    docstring) and declare ``_parameter_constraints`` for their constructor
    parameters, merging this class's table:
    ``{**BaseForecaster._parameter_constraints, ...}``.
    """

    _parameter_constraints: dict = {"divergence_factor": [DIVERGENCE_FACTOR]}
    #: Whether exogenous inputs ``X`` are accepted.
    _supports_exog = True
    #: Whether ``fit`` and ``context`` accept several series (a list or a 3-D block).
    _multiple_series = True

    # -- hooks -------------------------------------------------------------------------
    @abstractmethod
    def _fit(self, series, exog):
        """Learn from ``series`` (list of (T_i, d) arrays) and ``exog`` (list or None)."""

    @abstractmethod
    def _predict(self, n_steps, contexts, context_exog, future_exog, **options):
        """One (n_steps, d) forecast per context (``contexts=None``: the training end)."""

    def _check_params(self):
        """Checks involving several parameters (single ones are in _parameter_constraints)."""

    def _min_fit_length(self) -> int:
        """Fewest time steps of a training series."""
        return 2

    def _min_context_length(self) -> int:
        """Fewest time steps of a context series."""
        return 1

    def _check_y(self, y, name, min_length) -> SeriesSet:
        """Validate observed series (``y`` or ``context``)."""
        series_set = check_series(y, name=name, min_length=min_length)
        if not self._multiple_series and series_set.layout != "single":
            raise ValueError(
                f"{type(self).__name__} models one series; {name} holds "
                f"{len(series_set)} series (a {series_set.layout} of series). "
                "Fit one model per series."
            )
        return series_set

    # -- shared checks ------------------------------------------------------------------
    def _refuse_exog(self, **given):
        """A family without exogenous inputs refuses every exogenous argument by name."""
        if self._supports_exog:
            return
        for name, value in given.items():
            if value is not None:
                raise ValueError(
                    f"{type(self).__name__} does not use exogenous inputs; {name} must be "
                    f"None, got {type(value).__name__}."
                )

    def _check_observed(self, y, X, *, y_name="y", x_name="X", min_length=1):
        """Validate observed series and their exogenous inputs against the fitted model."""
        self._refuse_exog(**{x_name: X})
        series_set = self._check_y(y, y_name, min_length)
        if series_set.n_features != self.n_outputs_:
            raise ValueError(
                f"{y_name} has {series_set.n_features} features, but the forecaster was "
                f"fitted on {self.n_outputs_}."
            )
        exog = check_exogenous(X, series_set, self.n_exog_, x_name=x_name, y_name=y_name)
        if exog is None and hasattr(self, "feature_names_in_"):
            record_n_features(self, series_set, reset=False)  # the column names must match
        return series_set, exog

    # -- the contract ---------------------------------------------------------------------
    def fit(self, y, X=None):
        """Fit the forecaster to the series ``y`` (and the exogenous inputs ``X``).

        Parameters
        ----------
        y : array-like (T,) or (T, d), pandas Series/DataFrame, list of series, or (n, T, d)
            Series to forecast (one series only for the univariate statistical
            models). A pandas index with a frequency (or a RangeIndex) is
            continued in the forecasts.
        X : exogenous series with the same structure and lengths as ``y``, optional
            :meth:`predict` then needs their values over the forecast horizon.

        Returns
        -------
        self
        """
        self._fit(*self._start_training(y, X))
        return self

    def _start_training(self, y, X):
        """Validate parameters and training data; record what prediction needs.

        Returns the training series and their exogenous inputs (or None) as
        lists of float arrays.
        """
        validate_params(self)
        self._check_params()
        self._refuse_exog(X=X)
        series_set = self._check_y(y, "y", self._min_fit_length())
        exog = check_exogenous(X, series_set)
        self.n_exog_ = 0 if exog is None else exog.n_features
        record_n_features(self, series_set if exog is None else SeriesSet(
            [np.hstack([s, x]) for s, x in zip(series_set.series, exog.series, strict=True)],
            series_set.layout), reset=True)
        self.n_outputs_ = series_set.n_features
        self.training_range_ = training_range(series_set.series)
        # Shape of the last training series: a forecast without context continues it.
        self._end_format = ForecastLayout.of(y, series_set).formats[-1]
        return series_set.series, None if exog is None else exog.series

    def _continue_training(self, y, X):
        """Validate more training data (``partial_fit``) against the fitted model.

        Widens ``training_range_`` to the new data and records the shape of
        the last series. Returns the series and exogenous inputs as
        :meth:`_start_training` does.
        """
        series_set, exog = self._check_observed(y, X)
        low, high = training_range(series_set.series)
        self.training_range_ = (np.minimum(self.training_range_[0], low),
                                np.maximum(self.training_range_[1], high))
        self._end_format = ForecastLayout.of(y, series_set).formats[-1]
        return series_set.series, None if exog is None else exog.series

    def predict(self, n_steps, X=None, context=None, context_X=None):
        """Forecast ``n_steps`` values after the training series or after each ``context`` series.

        Parameters
        ----------
        n_steps : int
            Forecast horizon, a positive integer.
        X : array-like (n_steps, e), or one such block per context series, optional
            Future exogenous inputs over the horizon; required exactly when
            ``fit`` was given ``X``.
        context : series, list of series, or (n, T, d) array, optional
            Observations to continue from (fitted parameters applied, no
            refit); by default the forecast continues the end of the (last)
            training series.
        context_X : exogenous inputs aligned with ``context``, optional
            Required with ``context`` exactly when ``fit`` was given ``X``.

        Returns
        -------
        forecast : ndarray (n_steps,) or (n_steps, d), pandas object, list, or 3-D array
            One forecast per context series in the caller's structure; 1-D for a
            1-D series, pandas on the continued index when the series' index can
            be continued.

        Warns
        -----
        reservoir.exceptions.ForecastDivergenceWarning
            When the forecast turns non-finite or leaves the training range by
            more than ``divergence_factor`` times its width.
        """
        return self._forecast(n_steps, X, context, context_X)

    def _forecast(self, n_steps, X, context, context_X, **options):
        """The body of :meth:`predict`; ``options`` go to the family's :meth:`_predict`."""
        check_is_fitted(self)
        n_steps = check_n_steps(n_steps, n_outputs=self.n_outputs_)
        factor = float(check_parameter(self.divergence_factor, "divergence_factor",
                                       [DIVERGENCE_FACTOR]))
        self._refuse_exog(X=X, context_X=context_X)
        if context is None:
            if context_X is not None:
                raise ValueError("context_X was given without context; pass the context "
                                 "it is aligned with, or leave it out.")
            contexts = context_exog = None
            layout, n_series = ForecastLayout("single", [self._end_format]), 1
        else:
            self._refuse_old_exogenous_form(X, context, context_X, n_steps)
            context_set, exog = self._check_observed(
                context, context_X, y_name="context", x_name="context_X",
                min_length=self._min_context_length())
            contexts, context_exog = context_set.series, None if exog is None else exog.series
            layout, n_series = ForecastLayout.of(context, context_set), len(context_set)
            check_n_steps(n_steps, n_series=n_series, n_outputs=self.n_outputs_)
        future = check_future_exogenous(X, self.n_exog_, n_steps, n_series)
        paths = self._predict(n_steps, contexts, context_exog, future, **options)
        warn_if_diverged(np.stack([np.asarray(p) for p in paths]), self.training_range_,
                         factor=factor)
        return layout.forecast(paths)

    def _refuse_old_exogenous_form(self, X, context, context_X, n_steps):
        """Explain the contract to a caller who passes the context's exogenous rows in X."""
        if not self.n_exog_ or context_X is not None or X is None:
            return
        one_series = all(hasattr(a, "shape") and a.ndim in (1, 2) for a in (X, context))
        if one_series and isinstance(n_steps, int) and len(X) == len(context) + n_steps:
            n_rows = len(X)
            raise ValueError(
                f"X has {n_rows} rows: the rows aligned with context followed by the "
                f"n_steps={n_steps} future rows. X now holds only the future rows and "
                "context_X the rows aligned with context: pass "
                "predict(n_steps, X=X[-n_steps:], context=context, context_X=X[:-n_steps])."
            )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
