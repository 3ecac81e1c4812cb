"""Pieces every forecaster shares: horizon and exogenous-input checks, output formatting,
divergence warnings.

Reservoir forecasters, trained-RNN forecasters and statistical forecasters
share the template of :mod:`reservoir._forecaster`, which uses these pieces
and returns forecasts through :func:`format_forecast`, so that a 1-D input
gives a 1-D forecast and a pandas input with a frequency gives a pandas
forecast on the continued index.
"""

from __future__ import annotations

import numbers
import os
import warnings

import numpy as np

from ._validation import check_paired_series, check_series
from .exceptions import ForecastDivergenceWarning

__all__ = [
    "check_n_steps",
    "memory_bytes",
    "training_range",
    "check_exogenous",
    "check_future_exogenous",
    "future_index",
    "format_forecast",
    "warn_if_diverged",
]


def memory_bytes():
    """The machine's physical memory in bytes, or None where the OS does not say.

    The upper bound of :func:`check_n_steps`.
    """
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, OSError, ValueError):  # pragma: no cover - not POSIX
        return None


def _size(n_bytes):
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n_bytes < 1024 or unit == "PiB":
            return f"{n_bytes:.3g} {unit}" if unit != "bytes" else f"{n_bytes:.0f} bytes"
        n_bytes /= 1024
    return None  # pragma: no cover


def check_n_steps(n_steps, *, n_series=1, n_outputs=1, name="n_steps") -> int:
    """Validate a forecast horizon: a positive integer whose forecast fits in memory.

    The forecast holds ``n_steps * n_series * n_outputs`` float64 values; a
    horizon whose forecast alone would need more than the machine's physical
    memory (:func:`memory_bytes`) is refused before any work starts, rather
    than failing with a ``MemoryError`` deep inside, or (for a loop that
    builds its output step by step) running for ever.

    Parameters
    ----------
    n_steps : int
    n_series : int, default=1
        Forecasts made at once.
    n_outputs : int, default=1
        Values per forecast step.
    name : str, default="n_steps"
        Argument name used in error messages.

    Returns
    -------
    int
    """
    if isinstance(n_steps, bool) or not isinstance(n_steps, numbers.Integral) or n_steps < 1:
        raise ValueError(f"{name} must be a positive integer; got {n_steps!r}.")
    n_steps = int(n_steps)
    needed = n_steps * int(n_series) * int(n_outputs) * np.dtype(np.float64).itemsize
    available = memory_bytes()
    if available is not None and needed > available:
        raise ValueError(
            f"{name}={n_steps} is too large: {n_series} forecast(s) of {n_steps} steps x "
            f"{n_outputs} value(s) need {_size(needed)} of float64, more than this machine's "
            f"memory ({_size(available)}). Forecast a shorter horizon, or in pieces (predict "
            "with context= continues from given observations)."
        )
    return n_steps


def training_range(series) -> tuple:
    """Per-feature (low, high) of a list of (T_i, d) series: the reference of divergence checks."""
    stacked = np.concatenate([np.asarray(s, dtype=np.float64) for s in series])
    return stacked.min(axis=0), stacked.max(axis=0)


def check_exogenous(X, series, n_exog=None, *, x_name="X", y_name="y"):
    """Validate exogenous inputs paired with the observed ``series``.

    Parameters
    ----------
    X : exogenous series (same structure and lengths as ``series``), or None
    series : SeriesSet
        The validated observed series (``y`` or ``context``).
    n_exog : int or None
        Exogenous features seen in ``fit`` (0: fitted without X); None while
        fitting, when X is optional and may have any width.
    x_name, y_name : str
        Argument names used in error messages.

    Returns
    -------
    SeriesSet or None
    """
    if n_exog is not None:
        _check_exogenous_given(X, n_exog, x_name, f"pass their values aligned with {y_name}")
    if X is None:
        return None
    exogenous = check_series(X, name=x_name)
    check_paired_series(series, exogenous, x_name=y_name, y_name=x_name)
    if n_exog is not None and exogenous.n_features != n_exog:
        raise ValueError(f"{x_name} has {exogenous.n_features} features, but the forecaster was "
                         f"fitted with {n_exog} exogenous features.")
    return exogenous


def check_future_exogenous(X, n_exog, n_steps, n_series):
    """Validate the exogenous values over a forecast horizon.

    Parameters
    ----------
    X : one (n_steps, n_exog) series shared by every forecast, one per forecast, or None
    n_exog : int
        Exogenous features seen in ``fit`` (0: fitted without X, so X must be None).
    n_steps : int
        Forecast horizon.
    n_series : int
        Number of series forecast at once.

    Returns
    -------
    list of n_series ndarrays of shape (n_steps, n_exog), or None without exogenous inputs
    """
    _check_exogenous_given(X, n_exog, "X",
                           f"predict needs their values over the {n_steps} forecast steps")
    if X is None:
        return None
    future = check_series(X, name="X")
    if future.n_features != n_exog or any(length != n_steps for length in future.lengths):
        raise ValueError(
            f"X must hold n_steps={n_steps} rows of {n_exog} exogenous features per series; "
            f"got lengths {future.lengths} with {future.n_features} features."
        )
    if len(future) == 1:
        return future.series * n_series
    if len(future) != n_series:
        raise ValueError(f"X holds {len(future)} series but {n_series} are forecast; "
                         "they must match.")
    return future.series


def _check_exogenous_given(X, n_exog, name, what_to_pass):
    """X must be given exactly when the forecaster was fitted with exogenous inputs."""
    if n_exog == 0 and X is not None:
        raise ValueError(f"{name} was given, but the forecaster was fitted without exogenous X.")
    if n_exog and X is None:
        raise ValueError(f"{name} is required: the forecaster was fitted with {n_exog} "
                         f"exogenous features; {what_to_pass}.")


def future_index(index, n_steps):
    """The ``n_steps`` index labels after the end of ``index``, or None if it cannot be continued.

    A pandas DatetimeIndex/PeriodIndex continues with its frequency; a
    RangeIndex continues with its step. Anything else returns None.

    Frequency gaps: a DatetimeIndex without ``freq`` continues with the
    frequency :func:`pandas.infer_freq` finds in it (at least three stamps,
    evenly spaced); an irregular one (gaps, uneven sampling) has none, so the
    forecast is returned as a plain array. The index was checked to be
    strictly increasing when the series was validated
    (:func:`reservoir._validation.check_time_order`); its spacing never
    changes the model, which reads the rows as consecutive steps (see
    :mod:`reservoir._validation`).
    """
    import pandas as pd

    if index is None or len(index) == 0:
        return None
    if isinstance(index, pd.RangeIndex):
        start = index[-1] + index.step
        return pd.RangeIndex(start, start + n_steps * index.step, index.step)
    freq = getattr(index, "freq", None)
    if freq is None and isinstance(index, pd.DatetimeIndex) and len(index) >= 3:
        with warnings.catch_warnings():
            # pandas >= 3.1 warns that infer_freq will return an offset; to_offset takes both.
            warnings.simplefilter("ignore", DeprecationWarning)
            inferred = pd.infer_freq(index)
        freq = pd.tseries.frequencies.to_offset(inferred) if inferred else None
    if freq is None:
        return None
    if isinstance(index, pd.PeriodIndex):
        return pd.period_range(index[-1] + 1, periods=n_steps, freq=index.freq)
    if isinstance(index, pd.DatetimeIndex):
        return pd.date_range(index[-1] + freq, periods=n_steps, freq=freq)
    return None


def format_forecast(values, *, was_1d=False, index=None, columns=None, name=None):
    """Shape a ``(n_steps, d)`` forecast like the series it continues.

    Parameters
    ----------
    values : ndarray of shape (n_steps, d)
    was_1d : bool
        Return a 1-D array (or pandas Series) when the training series was 1-D.
    index : pandas.Index, optional
        Index of the training/context series; when it can be continued
        (:func:`future_index`), a pandas object is returned.
    columns : list, optional
        Column names for a DataFrame result.
    name : hashable, optional
        Name of a Series result.
    """
    values = np.asarray(values)
    future = future_index(index, values.shape[0]) if index is not None else None
    if future is None:
        return values[:, 0] if was_1d else values
    import pandas as pd

    if was_1d:
        return pd.Series(values[:, 0], index=future, name=name)
    return pd.DataFrame(values, index=future, columns=columns)


def warn_if_diverged(path, reference_range, *, factor=1.0, name="forecast"):
    """Warn (ForecastDivergenceWarning) when a closed-loop path is non-finite or leaves the
    range of the training data by more than ``factor`` times its width.

    Parameters
    ----------
    path : ndarray of shape (n_steps,), (n_steps, d) or (n_series, n_steps, d)
        Generated values; the reported step counts along the ``n_steps`` axis.
    reference_range : (low, high)
        Per-feature (arrays of shape (d,)) or overall bounds of the training
        data, e.g. from :func:`training_range`.
    factor : float, default=1.0
        A value below ``low - factor * (high - low)`` or above
        ``high + factor * (high - low)`` counts as divergence: with 1.0, a
        forecast that strays one training range beyond what was ever observed.

    Returns
    -------
    bool
        True when divergence was detected.
    """
    path = np.asarray(path, dtype=np.float64)
    step_axis = 1 if path.ndim == 3 else 0
    other_axes = tuple(axis for axis in range(path.ndim) if axis != step_axis)
    remedy = ("Lower the spectral radius, add state_noise or increase the ridge alpha "
              "(or raise divergence_factor if the series may leave its training range).")
    finite = np.isfinite(path)
    if not finite.all():
        step = int(np.argmin(finite.all(axis=other_axes)))
        warnings.warn(f"The closed-loop {name} diverged: non-finite values from step {step}. "
                      + remedy, ForecastDivergenceWarning, stacklevel=3)
        return True
    low, high = (np.asarray(bound, dtype=np.float64) for bound in reference_range)
    width = high - low
    width = np.where(width > 0, width, np.maximum(np.maximum(np.abs(low), np.abs(high)), 1.0))
    lower, upper = low - factor * width, high + factor * width
    outside = (path < lower) | (path > upper)
    if path.ndim == 1:
        outside = outside.reshape(-1, 1)
    if not outside.any():
        return False
    step = int(np.argmax(outside.any(axis=other_axes if path.ndim > 1 else (1,))))
    warnings.warn(
        f"The closed-loop {name} is diverging: from step {step} it leaves the range of the "
        f"training data ({np.min(low):.3g} to {np.max(high):.3g}) by more than "
        f"divergence_factor={factor:g} times its width (values reach "
        f"{path.min():.3g} to {path.max():.3g}). " + remedy,
        ForecastDivergenceWarning,
        stacklevel=3,
    )
    return True
