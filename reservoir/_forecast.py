"""Pieces every forecaster shares: horizon checks, output formatting, divergence warnings.

Reservoir forecasters, trained-RNN forecasters and statistical forecasters
all return forecasts through :func:`format_forecast`, so that a 1-D input
gives a 1-D forecast and a pandas input with a frequency gives a pandas
forecast on the continued index.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

__all__ = [
    "ForecastDivergenceWarning",
    "check_n_steps",
    "future_index",
    "format_forecast",
    "warn_if_diverged",
]


class ForecastDivergenceWarning(RuntimeWarning):
    """A closed-loop forecast produced non-finite or exploding values."""


def check_n_steps(n_steps) -> int:
    """Validate a forecast horizon: a positive integer."""
    if isinstance(n_steps, bool) or not isinstance(n_steps, numbers.Integral) or n_steps < 1:
        raise ValueError(f"n_steps must be a positive integer; got {n_steps!r}.")
    return int(n_steps)


def future_index(index, n_steps):
    """The ``n_steps`` index labels after the end of ``index``, or None if it cannot be continued.

    A pandas DatetimeIndex/PeriodIndex continues with its frequency; a
    RangeIndex continues with its step. Anything else returns None.
    """
    import pandas as pd

    if index is None or len(index) == 0:
        return None
    if isinstance(index, pd.RangeIndex):
        start = index[-1] + index.step
        return pd.RangeIndex(start, start + n_steps * index.step, index.step)
    freq = getattr(index, "freq", None)
    if freq is None and isinstance(index, pd.DatetimeIndex) and len(index) >= 3:
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


def warn_if_diverged(path, reference_scale, *, factor=1e3, name="forecast"):
    """Warn (ForecastDivergenceWarning) when a closed-loop path is non-finite or explodes.

    Parameters
    ----------
    path : ndarray
        Generated values.
    reference_scale : float
        Typical magnitude of the training data (e.g. max absolute value).
    factor : float
        A value beyond ``factor * reference_scale`` counts as exploding.

    Returns
    -------
    bool
        True when divergence was detected.
    """
    path = np.asarray(path)
    finite = np.isfinite(path)
    limit = factor * max(float(reference_scale), np.finfo(float).tiny)
    if not finite.all():
        finite_steps = finite.all(axis=tuple(range(1, path.ndim))) if path.ndim > 1 else finite
        step = int(np.argmin(finite_steps))
        warnings.warn(
            f"The closed-loop {name} diverged: non-finite values from step {step}. "
            "Lower the spectral radius, add state_noise or increase the ridge alpha.",
            ForecastDivergenceWarning,
            stacklevel=3,
        )
        return True
    if path.size and np.abs(path).max() > limit:
        warnings.warn(
            f"The closed-loop {name} is exploding: |values| reach {np.abs(path).max():.3g}, "
            f"more than {factor:g} times the scale of the training data "
            f"({reference_scale:.3g}). Lower the spectral radius, add state_noise or "
            "increase the ridge alpha.",
            ForecastDivergenceWarning,
            stacklevel=3,
        )
        return True
    return False
