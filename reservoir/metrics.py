"""Forecast-error and reservoir-quality metrics.

RMSE, NRMSE, valid prediction time of free-running forecasts, and the
short-term memory capacity of a reservoir.

References
----------
.. [J01] H. Jaeger, "Short term memory in echo state networks", GMD Report
   152, German National Research Center for Information Technology, 2001.
.. [P18] J. Pathak, B. Hunt, M. Girvan, Z. Lu and E. Ott, "Model-free
   prediction of large spatiotemporally chaotic systems from data: a
   reservoir computing approach", Phys. Rev. Lett. 120:024102, 2018.
.. [V20] P. R. Vlachas, J. Pathak, B. R. Hunt, T. P. Sapsis, M. Girvan,
   E. Ott and P. Koumoutsakos, "Backpropagation algorithms and reservoir
   computing in recurrent neural networks for the forecasting of complex
   spatiotemporal dynamics", Neural Networks 126:191-217, 2020.
.. [G21] D. J. Gauthier, E. Bollt, A. Griffith and W. A. S. Barbosa, "Next
   generation reservoir computing", Nature Communications 12:5564, 2021.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone

from ._classification_metrics import (
    coverage_accuracy_curve,
    event_precision_recall,
    pr_curve,
    precision_recall_f1,
)
from ._validation import check_in_range, check_series, check_washout
from .readouts import RidgeReadout

__all__ = [
    "rmse",
    "nrmse",
    "valid_prediction_time",
    "memory_capacity",
    "squared_correlations",
    "precision_recall_f1",
    "pr_curve",
    "coverage_accuracy_curve",
    "event_precision_recall",
]

_NRMSE_NORMALIZATIONS = ("std", "range", "mean")
_VPT_NORMALIZATIONS = ("std", "rms")
_MULTIOUTPUT = ("uniform_average", "raw_values")


# -- input handling ----------------------------------------------------------------------------
def _one_series(values, name):
    """Validate one series (1-D, 2-D or pandas) and return it as a (T, d) float array."""
    series = check_series(values, name=name)
    if series.layout != "single":
        raise ValueError(
            f"{name} must be one series of shape (T,) or (T, d); got several series."
        )
    return series.series[0]


def _check_pair(y_true, y_pred):
    """Validate both arrays and check their shapes agree ((T,) and (T, 1) are the same)."""
    true = _one_series(y_true, "y_true")
    pred = _one_series(y_pred, "y_pred")
    if true.shape != pred.shape:
        raise ValueError(
            f"y_true has shape {np.shape(y_true)} but y_pred has shape {np.shape(y_pred)}; "
            "they must have the same number of time steps and outputs."
        )
    return true, pred


def _aggregate(per_output, multioutput):
    """Combine per-output scores like scikit-learn's ``multioutput`` argument."""
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return per_output
        if multioutput == "uniform_average":
            return float(np.mean(per_output))
        raise ValueError(
            f"multioutput must be one of {_MULTIOUTPUT} or an array of weights; "
            f"got {multioutput!r}."
        )
    weights = np.asarray(multioutput, dtype=float)
    if weights.shape != per_output.shape:
        raise ValueError(
            f"multioutput weights must have one entry per output ({per_output.size}); "
            f"got shape {weights.shape}."
        )
    return float(np.average(per_output, weights=weights))


def _rmse_per_output(true, pred):
    return np.sqrt(np.mean((true - pred) ** 2, axis=0))


# -- RMSE / NRMSE ------------------------------------------------------------------------------
def rmse(y_true, y_pred, *, multioutput="uniform_average"):
    """Root mean squared error.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (T,) or (T, d), or pandas objects
        Target and prediction; the index of pandas input is ignored (values
        are compared by position).
    multioutput : {"uniform_average", "raw_values"} or array-like of shape (d,)
        How to combine outputs: mean of the per-output RMSEs, the per-output
        values, or their weighted mean.

    Returns
    -------
    float or ndarray of shape (d,)

    Raises
    ------
    ValueError
        Shapes differ, NaN/inf present, or an unknown ``multioutput``.

    Examples
    --------
    >>> from reservoir.metrics import rmse
    >>> rmse([0.0, 0.0, 0.0, 0.0], [1.0, -1.0, 1.0, -1.0])
    1.0
    """
    true, pred = _check_pair(y_true, y_pred)
    return _aggregate(_rmse_per_output(true, pred), multioutput)


def nrmse(y_true, y_pred, *, normalization="std", multioutput="uniform_average"):
    """Normalized root mean squared error: RMSE divided by a scale of ``y_true``.

    Computed per output, then combined. With ``normalization="std"`` it is
    ``sqrt(MSE / var(y_true))``, the NRMSE of the echo-state-network
    literature (Jaeger 2001 [J01]_): 1 is the error of always predicting the
    mean, 0 a perfect prediction.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (T,) or (T, d), or pandas objects
    normalization : {"std", "range", "mean"}, default="std"
        Scale of each output of ``y_true``: its standard deviation, its range
        ``max - min``, or the absolute value of its mean.
    multioutput : {"uniform_average", "raw_values"} or array-like of shape (d,)
        As in :func:`rmse`.

    Returns
    -------
    float or ndarray of shape (d,)

    Raises
    ------
    ValueError
        Shapes differ, NaN/inf present, unknown option, or a zero scale
        (e.g. constant ``y_true`` with ``"std"``), for which NRMSE is undefined.
        A scale at most ``ZERO_SCALE_EPSILONS`` (100) machine epsilons times
        the largest ``|y_true|`` of its output counts as zero: it is rounding
        noise, as the standard deviation 1e-16 of a constant series computed
        in floating point, and dividing by it would report an error of 1e15.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir.metrics import nrmse
    >>> y = np.array([1.0, 2.0, 3.0, 4.0])
    >>> nrmse(y, np.full(4, y.mean()))
    1.0
    """
    if normalization not in _NRMSE_NORMALIZATIONS:
        raise ValueError(
            f"normalization must be one of {_NRMSE_NORMALIZATIONS}; got {normalization!r}."
        )
    true, pred = _check_pair(y_true, y_pred)
    scale = _scale(true, normalization)
    return _aggregate(_rmse_per_output(true, pred) / scale, multioutput)


#: A normalising scale at most this many machine epsilons times the largest ``|y_true|``
#: of its output is rounding noise (e.g. the standard deviation of a constant series
#: computed in floating point), and counts as zero.
ZERO_SCALE_EPSILONS = 100


def _scale(true, normalization):
    """Per-output scale of ``true``; raise if one is zero up to rounding.

    A scale of at most ``ZERO_SCALE_EPSILONS`` epsilons times the largest ``|true|`` is zero.
    """
    if normalization == "std":
        scale = true.std(axis=0)
    elif normalization == "range":
        scale = np.ptp(true, axis=0)
    elif normalization == "mean":
        scale = np.abs(true.mean(axis=0))
    else:  # "rms": root mean squared norm of the state vector, one value for all outputs
        scale = np.full(true.shape[1], np.sqrt(np.mean(np.sum(true**2, axis=1))))
    magnitude = np.abs(true).max(axis=0) if true.size else np.zeros(true.shape[1])
    if normalization == "rms":
        magnitude = np.full(true.shape[1], magnitude.max(initial=0.0))
    zero = scale <= ZERO_SCALE_EPSILONS * np.finfo(np.float64).eps * magnitude
    if np.any(zero):
        raise ValueError(
            f"y_true has a zero {normalization!r} scale in output(s) "
            f"{np.flatnonzero(zero).tolist()} (scale {scale[zero].tolist()} for values up "
            f"to {magnitude[zero].tolist()}: zero up to rounding); the normalized error is "
            "undefined. Use rmse, or another normalization."
        )
    return scale


# -- valid prediction time -----------------------------------------------------------------------
def valid_prediction_time(
    y_true,
    y_pred,
    *,
    threshold=0.4,
    dt=1.0,
    lyapunov_exponent=None,
    normalization="std",
):
    """Time until a forecast's normalized error first exceeds ``threshold``.

    The normalized error at step t is

    * ``normalization="std"``: ``sqrt(mean_i ((y_i(t) - ŷ_i(t)) / σ_i)²)``,
      each output scaled by its standard deviation over ``y_true``, as in
      Vlachas et al. [V20]_ and, up to the threshold, Gauthier et al. [G21]_;
    * ``normalization="rms"``: ``||y(t) - ŷ(t)|| / sqrt(mean_t ||y(t)||²)``,
      the error of Pathak et al. [P18]_.

    The default ``threshold=0.4`` is the value of Pathak et al. [P18]_ (Vlachas
    et al. use 0.5). The result is the number of steps before the first
    exceedance, times ``dt``; if the error never exceeds the threshold, the
    whole length of ``y_true`` times ``dt``.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (T,) or (T, d), or pandas objects
        True continuation and free-running forecast, aligned from the first
        forecast step.
    threshold : float > 0, default=0.4
    dt : float > 0, default=1.0
        Time between samples.
    lyapunov_exponent : float > 0, optional
        Largest Lyapunov exponent of the system (per time unit); when given the
        result is in Lyapunov times (``steps * dt * lyapunov_exponent``), e.g.
        with :data:`reservoir.datasets.LORENZ_LYAPUNOV_EXPONENT`.
    normalization : {"std", "rms"}, default="std"

    Returns
    -------
    float
        Valid prediction time in units of ``dt`` (or Lyapunov times).

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir.metrics import valid_prediction_time
    >>> y = np.sin(np.arange(100) * 0.3)
    >>> forecast = y.copy(); forecast[40:] += 1.0
    >>> valid_prediction_time(y, forecast, dt=0.5)
    20.0
    """
    if normalization not in _VPT_NORMALIZATIONS:
        raise ValueError(
            f"normalization must be one of {_VPT_NORMALIZATIONS}; got {normalization!r}."
        )
    threshold = check_in_range(threshold, "threshold", 0, low_inclusive=False)
    dt = check_in_range(dt, "dt", 0, low_inclusive=False)
    if lyapunov_exponent is not None:
        check_in_range(lyapunov_exponent, "lyapunov_exponent", 0, low_inclusive=False)
    true, pred = _check_pair(y_true, y_pred)
    errors = _normalized_errors(true, pred, normalization)
    exceeded = np.flatnonzero(errors > threshold)
    n_valid = int(exceeded[0]) if exceeded.size else len(errors)
    time = n_valid * float(dt)
    return time * float(lyapunov_exponent) if lyapunov_exponent is not None else time


def _normalized_errors(true, pred, normalization):
    """Normalized error at each time step, shape (T,)."""
    scale = _scale(true, normalization)
    if normalization == "std":
        return np.sqrt(np.mean(((true - pred) / scale) ** 2, axis=1))
    return np.linalg.norm(true - pred, axis=1) / scale[0]


# -- memory capacity ----------------------------------------------------------------------------
def memory_capacity(
    reservoir,
    *,
    n_steps=4000,
    max_delay=100,
    washout=None,
    alpha=1e-6,
    test_size=0.3,
    include_input=False,
    distribution="uniform",
    random_state=None,
    return_curve=False,
):
    """Jaeger's short-term memory capacity of a reservoir [J01]_.

    A clone of ``reservoir`` (the caller's object is not modified) is driven
    with i.i.d. input ``u`` from :func:`reservoir.datasets.memory_task`. After
    the washout the states are split in time into a training and a test
    part. One ridge readout per delay k = 1 .. ``max_delay`` is trained to
    output ``u[t-k]`` (all delays in one multi-output solve), and

    ``MC_k = corr(u[t-k], ŷ_k[t])²`` on the test part,  ``MC = sum_k MC_k``.

    For an N-unit reservoir with linear readout MC <= N [J01]_. Delay 0 (the
    current input) is not counted, so a reservoir whose state holds
    ``u[t], ..., u[t-N+1]`` exactly (a linear delay line) scores N - 1.
    Finite test sets add a small positive bias of about
    ``max_delay / n_test`` from chance correlations.

    Parameters
    ----------
    reservoir : estimator
        Any object with scikit-learn ``fit(X)`` / ``transform(X)`` mapping a
        (T, 1) input to (T, N) states, e.g. :class:`reservoir.ESN`. Its own
        ``random_state`` decides its weights; set it for reproducible results.
        The readouts are trained on its training states, ``fit_transform``
        where it has one: a reservoir's state noise is included, as in the
        estimators' ``fit``.
    n_steps : int, default=4000
        Length of the input sequence, washout included.
    max_delay : int, default=100
        Largest delay; choose it well above the expected capacity (e.g. 2 N).
    washout : int, optional
        Number of leading steps dropped; at least ``max_delay`` so that every
        target was fed to the reservoir. Default ``max(100, max_delay)``.
    alpha : float >= 0, default=1e-6
        Ridge penalty added to the diagonal of ``XᵀX`` (centred states).
    test_size : float in (0, 1), default=0.3
        Fraction of the post-washout steps used to measure the correlations.
    include_input : bool, default=False
        Also give the readout the current input ``u[t]``.
    distribution : {"uniform", "normal"}, default="uniform"
        Input distribution, see :func:`reservoir.datasets.memory_task`.
    random_state : int, RandomState instance or None
        Seed of the input sequence.
    return_curve : bool, default=False
        Also return the per-delay capacities ``MC_k``.

    Returns
    -------
    mc : float
    curve : ndarray of shape (max_delay,)
        Only with ``return_curve=True``; ``curve[k-1] = MC_k`` and
        ``curve.sum() == mc``.

    Examples
    --------
    >>> from reservoir import ESN
    >>> from reservoir.metrics import memory_capacity
    >>> esn = ESN(n_units=20, topology="delay_line", spectral_radius=1.0,
    ...           activation="identity", random_state=0)
    >>> mc = memory_capacity(esn, max_delay=40, random_state=0)
    >>> 17 < mc <= 20  # at most N; delays 1 .. N-1 are held in the state
    True
    """
    from reservoir.datasets import memory_task

    n_steps, max_delay, washout = _check_memory_lengths(n_steps, max_delay, washout)
    alpha = float(check_in_range(alpha, "alpha", 0))
    test_size = check_in_range(test_size, "test_size", 0, 1, low_inclusive=False,
                               high_inclusive=False)
    u, delayed = memory_task(n_steps, max_delay, random_state=random_state,
                             distribution=distribution)
    features = _reservoir_states(reservoir, u)
    if include_input:
        features = np.hstack([features, u[:, None]])
    features, delayed = features[washout:], delayed[washout:]
    n_test = int(round(test_size * len(delayed)))
    if n_test < 2 or len(delayed) - n_test < 2:
        raise ValueError(
            f"test_size={test_size} leaves {n_test} test and {len(delayed) - n_test} "
            "training steps; both need at least 2. Increase n_steps."
        )
    split = len(delayed) - n_test
    readout = RidgeReadout(alpha=alpha).fit(features[:split], delayed[:split])
    predicted = readout.predict(features[split:])
    curve = squared_correlations(delayed[split:], predicted)
    mc = float(curve.sum())
    return (mc, curve) if return_curve else mc


def _check_memory_lengths(n_steps, max_delay, washout):
    n_steps = int(check_in_range(n_steps, "n_steps", 1, integer=True))
    max_delay = int(check_in_range(max_delay, "max_delay", 1, integer=True))
    washout = max(100, max_delay) if washout is None else washout
    washout = check_washout(washout, [n_steps], extra=4)
    if washout < max_delay:
        raise ValueError(
            f"washout={washout} is shorter than max_delay={max_delay}: the first targets "
            "would be inputs the reservoir never received. Use washout >= max_delay."
        )
    return n_steps, max_delay, washout


def _reservoir_states(reservoir, u):
    """Fit a clone of ``reservoir`` on ``u`` (T,) and return its (T, N) states."""
    if not (hasattr(reservoir, "fit") and hasattr(reservoir, "transform")):
        raise TypeError(
            "reservoir must be an estimator with fit(X) and transform(X) methods; "
            f"got {type(reservoir).__name__}."
        )
    inputs = u[:, None]
    fresh = clone(reservoir)
    # training states: a reservoir's fit_transform includes its state noise
    states = fresh.fit_transform(inputs) if hasattr(fresh, "fit_transform") else (
        fresh.fit(inputs).transform(inputs))
    states = np.asarray(states, dtype=float)
    if states.ndim != 2 or states.shape[0] != len(u):
        raise ValueError(
            f"reservoir.transform must map a ({len(u)}, 1) input to ({len(u)}, N) states; "
            f"got shape {states.shape}."
        )
    if not np.all(np.isfinite(states)):
        raise ValueError("The reservoir states contain NaN or infinity.")
    return states


def squared_correlations(targets, predictions):
    """Squared Pearson correlation of each pair of columns; 0 where a column is constant.

    The per-delay terms of :func:`memory_capacity`: column ``k`` of
    ``targets`` against column ``k`` of ``predictions``.

    Parameters
    ----------
    targets, predictions : ndarray of shape (n_samples, n_columns)

    Returns
    -------
    ndarray of shape (n_columns,)
        Values in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir.metrics import squared_correlations
    >>> t = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 1.0]])
    >>> squared_correlations(t, np.array([[1.0, 0.0], [3.0, 5.0], [5.0, 1.0]])).tolist()
    [1.0, 0.0]
    """
    t = targets - targets.mean(axis=0)
    p = predictions - predictions.mean(axis=0)
    covariance = np.sum(t * p, axis=0)
    variance = np.sum(t**2, axis=0) * np.sum(p**2, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        squared = np.where(variance > 0, covariance**2 / variance, 0.0)
    return squared

