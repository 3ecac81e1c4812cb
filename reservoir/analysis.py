"""Dynamics of driven reservoirs: Lyapunov exponent, echo state property, edge of stability.

A reservoir driven by an input ``u`` is a non-autonomous dynamical system
``s[t] = F(s[t-1], u[t])``. Its *conditional* (input-driven) largest
Lyapunov exponent

    lambda = lim (1/T) sum_t log(||delta s[t]|| / ||delta s[t-1]||)

measures how a small difference between two states evolves under the same
input: ``lambda < 0`` means the reservoir forgets its initial state (the echo
state property, Jaeger 2001 [J01]_), ``lambda > 0`` means it amplifies small
differences (chaos). Reservoirs tend to compute best close to ``lambda = 0``
from below, the "edge of stability" or "edge of chaos" (Bertschinger &
Natschläger 2004 [BN04]_; Boedecker et al. 2012 [B12]_).

Two estimators of ``lambda`` are offered (per time step, natural log):

* ``"perturbation"`` (any reservoir honouring :class:`reservoir.base.BaseReservoir`):
  a reference and a perturbed copy of the internal state vector are driven
  by the same input and the same noise; after every step the distance is
  measured and the perturbation renormalised to its initial size, as in the
  method of Benettin et al. (1980) [B80]_.
* ``"jacobian"`` (reservoirs offering their Jacobian, such as :class:`reservoir.ESN`,
  see :meth:`reservoir.ESN.jacobian_factors`): a tangent vector is propagated
  exactly with the Jacobian ``(1 - a) I + a diag(f'(pre[t])) W`` of the
  leaky update along the actual trajectory and renormalised every step (the
  one-vector case of the QR method; Boedecker et al. 2012 [B12]_ use it for
  ESNs).

In both, the first ``washout`` steps are run but not counted, so that the
trajectory settles on the input-driven attractor and the perturbation aligns
with the most expanding direction.

References
----------
.. [J01] H. Jaeger, "The 'echo state' approach to analysing and training
   recurrent neural networks", GMD Report 148, 2001.
.. [B80] G. Benettin, L. Galgani, A. Giorgilli and J.-M. Strelcyn, "Lyapunov
   characteristic exponents for smooth dynamical systems and for Hamiltonian
   systems; a method for computing all of them", Meccanica 15:9-30, 1980.
.. [BN04] N. Bertschinger and T. Natschläger, "Real-time computation at the
   edge of chaos in recurrent neural networks", Neural Computation
   16(7):1413-1436, 2004.
.. [B12] J. Boedecker, O. Obst, J. T. Lizier, N. M. Mayer and M. Asada,
   "Information processing in echo state networks at the edge of chaos",
   Theory in Biosciences 131:205-213, 2012.
"""

from __future__ import annotations

import copy
import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone, is_regressor
from sklearn.utils import check_random_state

from ._scoring import check_metric, holdout, metric_name
from ._stability import (
    check_reservoir,
    fitted_reservoir,
    lyapunov_exponent,
    scale_to_edge,
    search_edge,
)
from ._validation import check_in_range, check_series
from .metrics import memory_capacity

__all__ = [
    "EchoStateResult",
    "echo_state_property",
    "edge_of_stability",
    "lyapunov_exponent",
    "scale_to_edge",
    "stability_sweep",
]

# -- echo state property -----------------------------------------------------------------------
@dataclass
class EchoStateResult:
    """Outcome of :func:`echo_state_property`.

    Attributes
    ----------
    converged : bool
        Whether the trajectories from all initial states ended (and stayed)
        within ``threshold`` of each other.
    steps_to_converge : int or None
        Number of driven steps after which the spread stays below
        ``threshold`` until the end; None when not converged.
    final_distance : float
        Spread of the trajectories at the last step.
    distances : ndarray of shape (T,)
        Spread after each step: the largest Euclidean distance between the
        output features of any two trajectories.
    threshold : float
        ``tol`` times the largest spread observed.
    convergence_rate : float
        Least-squares slope of ``log(distances)`` per step until convergence
        (or over the whole run): about the Lyapunov exponent while the
        distances are small, about 0 for a reservoir without the property.
        NaN when fewer than two positive distances are available.
    """

    converged: bool
    steps_to_converge: int | None
    final_distance: float
    distances: np.ndarray
    threshold: float
    convergence_rate: float


def _trajectory_spread(features):
    """Largest pairwise Euclidean distance at each step; ``features`` is (n, T, F)."""
    spread = np.zeros(features.shape[1])
    for i in range(len(features) - 1):
        gaps = np.linalg.norm(features[i + 1:] - features[i], axis=2)
        spread = np.maximum(spread, gaps.max(axis=0))
    return spread


def _convergence_step(distances, threshold):
    """Steps after which ``distances`` stay <= threshold, or None if the last one is above."""
    above = np.flatnonzero(distances > threshold)
    if above.size and above[-1] == len(distances) - 1:
        return None
    return int(above[-1]) + 2 if above.size else 1


def _log_slope(distances):
    positive = np.flatnonzero(distances > 0)
    if positive.size < 2:
        return float("nan")
    return float(np.polyfit(positive, np.log(distances[positive]), 1)[0])


def echo_state_property(reservoir, X, *, n_initial_states=10, initial_scale=1.0, tol=1e-6,
                        random_state=None):
    """Test whether a reservoir driven by ``X`` forgets its initial state, and how fast.

    The reservoir is driven by the same input (and the same state noise) from
    ``n_initial_states`` random internal states, the resting state plus
    uniform noise on ``[-initial_scale, initial_scale]`` per component. A
    reservoir with the echo state property [J01]_ maps them all onto one
    trajectory: the spread between trajectories shrinks to (numerically)
    zero. A reservoir without it keeps them apart (chaos, or several stable
    responses to the same input).

    Parameters
    ----------
    reservoir : reservoir (any :class:`reservoir.base.BaseReservoir`)
        Used as it is when fitted (not modified); otherwise a clone is fitted on ``X``.
    X : array-like of shape (T,) or (T, d)
        One driving input series.
    n_initial_states : int >= 2, default=10
    initial_scale : float > 0, default=1.0
        Spread of the initial states around the resting state. For an ESN
        (states in [-1, 1]) the default covers the whole state space.
    tol : float in (0, 1), default=1e-6
        The trajectories count as converged once their spread stays below
        ``tol`` times the largest spread observed.
    random_state : int, RandomState instance or None
        Seed of the initial states.

    Returns
    -------
    EchoStateResult

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESN
    >>> from reservoir.analysis import echo_state_property
    >>> u = np.random.default_rng(0).uniform(-1, 1, 300)
    >>> result = echo_state_property(ESN(n_units=50, spectral_radius=0.5, random_state=0), u,
    ...                              random_state=0)
    >>> result.converged
    True
    """
    series = check_series(X, name="X")
    if series.layout != "single":
        raise ValueError(f"X must be one series; got {len(series)} series.")
    n_initial_states = check_in_range(n_initial_states, "n_initial_states", 2, integer=True)
    initial_scale = check_in_range(initial_scale, "initial_scale", 0, low_inclusive=False)
    tol = check_in_range(tol, "tol", 0, 1, low_inclusive=False, high_inclusive=False)
    fitted = fitted_reservoir(reservoir, series)
    rng = check_random_state(random_state)
    resting = fitted.default_state(n_initial_states)
    starts = resting + initial_scale * rng.uniform(-1.0, 1.0, resting.shape).astype(resting.dtype)
    block = series.series[0][None]
    noise_seed = int(getattr(fitted, "noise_seed_", 0))
    features = np.stack([
        fitted.simulate(block, start[None], rng=np.random.default_rng(noise_seed))[0][0]
        for start in starts
    ]).astype(np.float64)
    distances = _trajectory_spread(features)
    threshold = tol * float(distances.max())
    steps = _convergence_step(distances, threshold)
    return EchoStateResult(
        converged=steps is not None,
        steps_to_converge=steps,
        final_distance=float(distances[-1]),
        distances=distances,
        threshold=threshold,
        convergence_rate=_log_slope(distances[:steps]),
    )


# -- edge of stability -------------------------------------------------------------------------
def _fixed_seed(random_state):
    """An int seed: ``random_state`` if an int, else one drawn from (a copy of) it."""
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    source = copy.deepcopy(random_state) if random_state is not None else None
    return int(check_random_state(source).randint(0, 2**31 - 1))


def _with_fixed_weights(reservoir):
    """A clone whose ``random_state`` is an int, so that every refit draws the same weights."""
    if "spectral_radius" not in reservoir.get_params():
        raise ValueError(
            f"reservoir must have a spectral_radius parameter; {type(reservoir).__name__} has none."
        )
    base = clone(reservoir)
    if "random_state" in base.get_params():
        base.set_params(random_state=_fixed_seed(base.random_state))
    return base


def _radius_family(base, series):
    """Map radius -> reservoir fitted on ``series`` with that radius and the same random weights.

    A reservoir that can rescale itself (a ``scaled_copy`` method, as
    :class:`reservoir.ESN`) draws its weights once, at radius 1, and is
    rescaled; any other reservoir is refitted with the same integer seed.
    """
    if callable(getattr(base, "scaled_copy", None)):
        unit = clone(base).set_params(spectral_radius=1.0).fit(series)
        return unit.scaled_copy
    return lambda radius: clone(base).set_params(spectral_radius=radius).fit(series)


def edge_of_stability(reservoir, X, target=-0.01, *, tol=2e-3, bracket=(0.0, 1.0),
                      max_radius=64.0, max_iter=60, method="auto", washout=None,
                      return_exponent=False):
    """The reservoir rescaled to the radius where its driven Lyapunov exponent is ``target``.

    Bisection on the spectral radius with the random weights held fixed:
    for an :class:`reservoir.ESN` ``W`` is drawn once and rescaled; other
    reservoirs with a ``spectral_radius`` parameter are refitted with the same
    integer seed. The bracket's upper end is doubled until the exponent
    exceeds the target. The search stops when the measured exponent is
    within ``tol`` of the target.

    Parameters
    ----------
    reservoir : reservoir with a ``spectral_radius`` parameter (ESN, LSM)
        Not modified. Its ``random_state`` fixes the weights; when it is not
        an int, one int seed is drawn from it and used throughout (and set
        on the result).
    X : array-like (T,) or (T, d), list of series, or (n, T, d) array
        The driving input; the exponent depends on it (a strong input
        stabilises the reservoir).
    target : float, default=-0.01
        The exponent sought; slightly negative keeps the echo state property.
    tol : float > 0, default=2e-3
        Accepted distance between the measured exponent and ``target``.
    bracket : (float, float), default=(0.0, 1.0)
        Initial radii; the exponent at ``bracket[0]`` must be below ``target``.
    max_radius : float, default=64.0
        Largest radius tried when extending the bracket.
    max_iter : int >= 1, default=60
        Maximum number of bisection steps.
    method, washout
        Passed to :func:`lyapunov_exponent` (the perturbation directions use
        a fixed seed, so the search is deterministic).
    return_exponent : bool, default=False
        Also return the exponent measured at the found radius.

    Returns
    -------
    reservoir : fitted reservoir
        A fitted copy with ``spectral_radius`` set to the radius found and an
        int ``random_state``; refitting it on ``X`` gives the same weights.
    exponent : float
        Only with ``return_exponent=True``.

    Raises
    ------
    ValueError
        The exponent at ``bracket[0]`` is not below the target, or stays
        below it up to ``max_radius``.

    Examples
    --------
    >>> from reservoir import ESN
    >>> from reservoir.analysis import edge_of_stability, lyapunov_exponent
    >>> from reservoir.datasets import mackey_glass
    >>> u = mackey_glass(800, random_state=0)
    >>> esn = edge_of_stability(ESN(n_units=50, random_state=0), u)
    >>> bool(abs(lyapunov_exponent(esn, u) + 0.01) <= 2e-3)
    True
    """
    series = check_series(X, name="X")
    check_reservoir(reservoir)
    base = _with_fixed_weights(reservoir)
    family = _radius_family(base, series.series)
    radius, exponent = search_edge(
        family, series, target=target, tol=tol, bracket=bracket, max_radius=max_radius,
        max_iter=max_iter, method=method, washout=washout,
    )
    found = family(radius)
    found.set_params(spectral_radius=float(radius))
    return (found, float(exponent)) if return_exponent else found


# -- stability sweep ---------------------------------------------------------------------------
def _driving_input(estimator, X, y):
    """What the estimator feeds its reservoir: X for a regressor, y (and exogenous X) otherwise."""
    if is_regressor(estimator):
        return np.asarray(X, dtype=float).reshape(len(X), -1)
    y2 = np.asarray(y, dtype=float).reshape(len(y), -1)
    return y2 if X is None else np.hstack([y2, np.asarray(X, dtype=float).reshape(len(X), -1)])


def stability_sweep(estimator, X, y, spectral_radii, *, validation=0.25, metric=None,
                    method="auto", memory_capacity_kwargs=None, random_state=None):
    """Lyapunov exponent, memory capacity and validation error for each spectral radius.

    For each radius, a clone of ``estimator`` with
    ``reservoir__spectral_radius`` set is fitted on the leading part of the
    data and scored on the last ``validation`` part (see
    :func:`reservoir.model_selection.learning_curve` for how a regressor and
    a forecaster are scored). The Lyapunov exponent is that of the fitted
    reservoir driven by the training input; the memory capacity is Jaeger's
    (:func:`reservoir.metrics.memory_capacity`) of the same reservoir. The
    reservoir's random weights are held fixed across radii (an int seed is
    drawn once when its ``random_state`` is not an int), so the table shows
    the effect of the radius alone: the validation error is typically lowest
    a little below the radius where the exponent crosses zero.

    Parameters
    ----------
    estimator : ReservoirRegressor or ReservoirForecaster
        Its ``reservoir`` must have a ``spectral_radius`` parameter.
    X : array-like of shape (T,) or (T, d) or None
        Regressor: the input. Forecaster: optional exogenous input.
    y : array-like of shape (T,) or (T, k)
        Regressor: the target. Forecaster: the series to forecast.
    spectral_radii : sequence of float >= 0
    validation : float in (0, 1) or int, default=0.25
        Fraction (or number) of final steps held out for the validation score.
    metric : callable, default=reservoir.metrics.nrmse
        ``metric(y_true, y_pred) -> float``, lower is better.
    method : {"auto", "jacobian", "perturbation"}, default="auto"
        Passed to :func:`lyapunov_exponent`.
    memory_capacity_kwargs : dict or False, optional
        Keyword arguments of :func:`reservoir.metrics.memory_capacity`
        (e.g. ``{"max_delay": 50, "n_steps": 2000}``); ``False`` skips the
        memory capacity (column of NaN), e.g. for reservoirs with several
        input-specific ``input_scaling`` values.
    random_state : int, RandomState instance or None
        Seed of the memory-capacity input sequence.

    Returns
    -------
    pandas.DataFrame
        One row per radius: ``spectral_radius``, ``lyapunov_exponent``,
        ``memory_capacity``, ``train_<metric>``, ``validation_<metric>``.

    Examples
    --------
    >>> from reservoir import ESN, ReservoirRegressor
    >>> from reservoir.analysis import stability_sweep
    >>> from reservoir.datasets import narma
    >>> u, y = narma(800, random_state=0)
    >>> reg = ReservoirRegressor(ESN(n_units=30, random_state=0), washout=50)
    >>> table = stability_sweep(reg, u, y, [0.5, 1.0], memory_capacity_kwargs=False)
    >>> list(table.columns)
    ['spectral_radius', 'lyapunov_exponent', 'memory_capacity', 'train_nrmse', 'validation_nrmse']
    """
    radii = _check_radii(spectral_radii)
    params = estimator.get_params() if hasattr(estimator, "get_params") else {}
    if "reservoir__spectral_radius" not in params:
        raise ValueError(
            "estimator must be a ReservoirRegressor or ReservoirForecaster whose reservoir has a "
            "spectral_radius parameter (pass reservoir=ESN(...) explicitly)."
        )
    metric = check_metric(metric)
    reservoir = _with_fixed_weights(params["reservoir"])
    rows = [
        _sweep_row(clone(estimator).set_params(
                       reservoir=clone(reservoir).set_params(spectral_radius=radius)),
                   X, y, validation=validation, metric=metric, method=method,
                   memory_capacity_kwargs=memory_capacity_kwargs, random_state=random_state)
        for radius in radii
    ]
    return pd.DataFrame(rows)


def _sweep_row(model, X, y, *, validation, metric, method, memory_capacity_kwargs, random_state):
    """One row of :func:`stability_sweep` for a model configured with one radius."""
    result = holdout(model, X, y, train_size=None, validation=validation, metric=metric)
    inputs = _driving_input(model, result.X_train, result.y_train)
    capacity = np.nan
    if memory_capacity_kwargs is not False:
        capacity = memory_capacity(model.reservoir, random_state=random_state,
                                   **(memory_capacity_kwargs or {}))
    name = metric_name(metric)
    return {
        "spectral_radius": float(model.reservoir.spectral_radius),
        "lyapunov_exponent": lyapunov_exponent(result.estimator.reservoir_, inputs,
                                               method=method, random_state=0),
        "memory_capacity": capacity,
        f"train_{name}": result.train_error,
        f"validation_{name}": result.validation_error,
    }


def _check_radii(spectral_radii):
    radii = np.atleast_1d(np.asarray(spectral_radii, dtype=float))
    if radii.ndim != 1 or radii.size == 0 or not np.all(np.isfinite(radii)) or np.any(radii < 0):
        raise ValueError(
            f"spectral_radii must be a non-empty 1-D sequence of finite numbers >= 0; "
            f"got {spectral_radii!r}."
        )
    return [float(r) for r in radii]
