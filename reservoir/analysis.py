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
* ``"jacobian"`` (:class:`reservoir.ESN`): a tangent vector is propagated
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
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone, is_regressor
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._batching import group_by_length
from ._validation import check_in_range, check_series, check_washout
from .base import BaseReservoir
from .esn import ESN

__all__ = [
    "EchoStateResult",
    "echo_state_property",
    "edge_of_stability",
    "lyapunov_exponent",
    "scale_to_edge",
    "stability_sweep",
]

_METHODS = ("auto", "jacobian", "perturbation")
#: Washout used when none is given: this many steps, or a quarter of the shortest series.
DEFAULT_WASHOUT = 200
#: Seed of the perturbation directions in the edge search (the weights use the reservoir's own).
_EDGE_DIRECTION_SEED = 0


# -- shared helpers ----------------------------------------------------------------------------
def _check_reservoir(reservoir):
    if not isinstance(reservoir, BaseReservoir):
        raise TypeError(
            "reservoir must be a reservoir honouring reservoir.base.BaseReservoir (ESN, LSM, ...); "
            f"got {type(reservoir).__name__}."
        )


def _fitted(reservoir, series):
    """``reservoir`` itself when fitted (it is not modified), else a clone fitted on ``series``."""
    _check_reservoir(reservoir)
    try:
        check_is_fitted(reservoir)
    except NotFittedError:
        return clone(reservoir).fit(series.series)
    if reservoir.n_features_in_ != series.n_features:
        raise ValueError(
            f"X has {series.n_features} features, but the reservoir was fitted with "
            f"{reservoir.n_features_in_}."
        )
    return reservoir


def _resolve_washout(washout, lengths):
    if washout is None:
        washout = min(DEFAULT_WASHOUT, min(lengths) // 4)
    return check_washout(washout, lengths)


def _resolve_method(method, reservoir):
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; got {method!r}.")
    has_jacobian = type(reservoir) is ESN
    if method == "jacobian" and not has_jacobian:
        raise ValueError(
            f"method='jacobian' is implemented for ESN only; got {type(reservoir).__name__}. "
            "Use method='perturbation', which works for any reservoir."
        )
    if method == "auto":
        return "jacobian" if has_jacobian else "perturbation"
    return method


def _random_directions(rng, shape):
    """Unit vectors drawn uniformly on the sphere, one per row."""
    directions = rng.standard_normal(shape)
    return directions / np.linalg.norm(directions, axis=1, keepdims=True)


def _renormalize(vectors, rng):
    """Norms of the rows of ``vectors``, which are scaled to unit length in place.

    A row that collapsed to exactly zero (the map annihilated the perturbation)
    has norm 0 and is replaced by a fresh random direction.
    """
    norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors))
    if np.all(norms > 0):
        vectors /= norms[:, None]
        return norms
    dead = norms == 0
    vectors[~dead] /= norms[~dead, None]
    vectors[dead] = _random_directions(rng, (int(dead.sum()), vectors.shape[1]))
    return norms


def _log_growth(norms):
    """Natural logs of the per-step growth factors; -inf where a perturbation was annihilated."""
    with np.errstate(divide="ignore"):
        return np.log(norms)


def _warn_diverged():
    warnings.warn(
        "The driven reservoir's states overflowed (non-finite values); its Lyapunov "
        "exponent is reported as +inf.",
        RuntimeWarning,
        stacklevel=3,
    )


# -- Lyapunov exponent -------------------------------------------------------------------------
def _jacobian_logs(esn, block, rng, noise_rng):
    """Per-step log growth (B, T) of a tangent vector of an ESN driven by ``block`` (B, T, d).

    The derivative of the activation is read off the states themselves:
    ``f(pre[t]) = (x[t] - (1 - a) x[t-1]) / a``, so state noise inside the
    activation is accounted for without redrawing it. Returns None when the
    trajectory overflows.
    """
    n_batch, n_steps, _ = block.shape
    start = esn.default_state(n_batch).astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below
        states, _ = esn.simulate(block, esn.default_state(n_batch), rng=noise_rng)
    states = np.asarray(states, dtype=np.float64)
    if not np.all(np.isfinite(states)):
        return None
    leak = float(esn.leak_rate)
    if esn.activation == "tanh":
        previous = np.concatenate([start[:, None, :], states[:, :-1]], axis=1)
        activated = (states - (1.0 - leak) * previous) / leak
        gains = leak * (1.0 - activated**2)
    else:
        gains = np.full(states.shape, leak)
    W = esn._loop_matrix().astype(np.float64)
    tangent = _random_directions(rng, (n_batch, esn.n_units))
    norms = np.empty((n_batch, n_steps))
    for t in range(n_steps):
        tangent = (1.0 - leak) * tangent + gains[:, t] * (W @ tangent.T).T
        norms[:, t] = _renormalize(tangent, rng)
    return _log_growth(norms)


def _perturbation_logs(reservoir, block, rng, size, seed, components):
    """Per-step log growth (B, T) of a renormalised finite perturbation of the internal state.

    Only the state entries ``components`` (an index array) are perturbed and
    measured; the other entries of the perturbed copy are reset to the
    reference's after every step. Reference and perturbed states advance one
    step at a time through ``reservoir.simulate`` with generators of the same
    seed, so both see the same noise. Returns None when a trajectory overflows.
    """
    n_batch, n_steps, _ = block.shape
    reference = reservoir.default_state(n_batch)
    if size is None:
        size = np.sqrt(np.finfo(reference.dtype).eps * components.size)
    direction = _random_directions(rng, (n_batch, components.size))
    norms = np.empty((n_batch, n_steps))
    for t in range(n_steps):
        step = block[:, t:t + 1]
        perturbed = np.array(reference, dtype=np.float64)
        perturbed[:, components] += size * direction
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below
            _, reference = reservoir.simulate(step, reference,
                                              rng=np.random.default_rng((seed, t)))
            _, perturbed = reservoir.simulate(step, perturbed,
                                              rng=np.random.default_rng((seed, t)))
            difference = (np.asarray(perturbed, dtype=np.float64) - reference)[:, components]
        if not (np.all(np.isfinite(reference)) and np.all(np.isfinite(difference))):
            return None
        direction = difference / size
        norms[:, t] = _renormalize(direction, rng)
    return _log_growth(norms)


def _state_components(components, method, reservoir):
    """Indices of the internal state entries to perturb (all by default)."""
    size = reservoir.default_state(1).shape[1]
    if components is None:
        return np.arange(size)
    if method != "perturbation":
        raise ValueError("state_components applies to method='perturbation' only.")
    try:
        indices = np.arange(size)[components]
    except (IndexError, TypeError) as exc:
        raise ValueError(
            f"state_components must index the {size} entries of the internal state; "
            f"got {components!r} ({exc})."
        ) from exc
    indices = np.atleast_1d(indices)
    if indices.size == 0:
        raise ValueError("state_components selects no entry of the internal state.")
    return indices


def lyapunov_exponent(reservoir, X, *, method="auto", washout=None, perturbation=None,
                      state_components=None, random_state=None):
    """Largest conditional Lyapunov exponent of a reservoir driven by ``X``, per time step.

    Negative: nearby states converge under the input (echo state property,
    stable); positive: they diverge (chaotic); near zero: the edge of
    stability. See the module docstring for the two estimators.

    Parameters
    ----------
    reservoir : reservoir (ESN, LSM, ... any :class:`reservoir.base.BaseReservoir`)
        A fitted reservoir is used as it is and not modified; an unfitted one
        is cloned and the clone fitted on ``X`` (the caller's object is never
        modified).
    X : array-like (T,) or (T, d), list of series, or (n, T, d) array
        The driving input. With several series the exponent is the average
        over all their counted steps.
    method : {"auto", "jacobian", "perturbation"}, default="auto"
        ``"jacobian"`` (exact tangent dynamics, :class:`reservoir.ESN` only),
        ``"perturbation"`` (renormalised finite perturbation of the internal
        state vector, any reservoir). ``"auto"`` picks ``"jacobian"`` for an
        ESN and ``"perturbation"`` otherwise.
    washout : int, optional
        Leading steps run but not counted. Default ``min(200, T_min // 4)``.
    perturbation : float > 0, optional
        Euclidean size of the perturbation for ``method="perturbation"``.
        Default ``sqrt(eps * S)`` for the reservoir's dtype and the number S
        of perturbed state entries (about 1.5e-8 per entry in float64).
    state_components : slice or array of int, optional
        For ``method="perturbation"``: the entries of the internal state
        vector that are perturbed and measured (all by default); the others
        follow the reference trajectory. Spiking reservoirs hold discrete
        entries (refractory counters, spikes in flight) whose tiny
        perturbations are meaningless; for :class:`reservoir.LSM` pass
        ``slice(0, 3 * n_units)`` (membrane potentials and synaptic currents).
    random_state : int, RandomState instance or None
        Seed of the initial perturbation directions. After the washout the
        result hardly depends on it.

    Returns
    -------
    float
        Exponent per time step (natural log). ``-inf`` when perturbations are
        annihilated exactly (e.g. ``spectral_radius=0`` with ``leak_rate=1``);
        ``+inf`` (with a RuntimeWarning) when the driven states overflow.

    Raises
    ------
    ValueError
        Unknown method, ``"jacobian"`` for a reservoir other than ESN, a
        washout not shorter than the series, or input of the wrong width.

    Notes
    -----
    In a spiking reservoir an infinitesimal perturbation never moves a
    spike, so the exponent is the subthreshold decay rate whatever the
    weights. A finite ``perturbation`` (e.g. 1 mV on the potentials of an
    LSM) probes spike-timing chaos instead: a finite-size Lyapunov exponent,
    which grows with the spectral radius.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESN
    >>> from reservoir.analysis import lyapunov_exponent
    >>> u = np.random.default_rng(0).uniform(-1, 1, 600)
    >>> esn = ESN(n_units=50, spectral_radius=0.5, activation="identity", random_state=0)
    >>> bool(abs(lyapunov_exponent(esn, u, washout=100) - np.log(0.5)) < 0.02)
    True
    """
    series = check_series(X, name="X")
    fitted = _fitted(reservoir, series)
    method = _resolve_method(method, fitted)
    components = _state_components(state_components, method, fitted)
    washout = _resolve_washout(washout, series.lengths)
    if perturbation is not None:
        perturbation = float(check_in_range(perturbation, "perturbation", 0, low_inclusive=False))
    rng = check_random_state(random_state)
    noise_rng = fitted.noise_rng()
    noise_seed = int(getattr(fitted, "noise_seed_", 0))
    total, count = 0.0, 0
    for _, members in group_by_length(series.lengths).items():
        block = np.stack([series.series[i] for i in members])
        if method == "jacobian":
            logs = _jacobian_logs(fitted, block, rng, noise_rng)
        else:
            logs = _perturbation_logs(fitted, block, rng, perturbation, noise_seed, components)
        if logs is None:
            _warn_diverged()
            return float("inf")
        total += float(logs[:, washout:].sum())
        count += logs[:, washout:].size
    return total / count


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
    fitted = _fitted(reservoir, series)
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


def _rescaled(unit_esn, radius):
    """A shallow copy of a fitted ESN with unit-radius ``W_``, its ``W_`` times ``radius``."""
    scaled = copy.copy(unit_esn)
    scaled.W_ = (unit_esn.W_ * radius).astype(unit_esn.W_.dtype)
    return scaled


def _radius_family(base, series):
    """Map radius -> reservoir fitted on ``series`` with that radius and the same random weights.

    For an ESN the weights are drawn once (at radius 1) and rescaled; any
    other reservoir is refitted with the same integer seed.
    """
    if type(base) is ESN:
        unit = clone(base).set_params(spectral_radius=1.0).fit(series)
        return lambda radius: _rescaled(unit, radius)
    return lambda radius: clone(base).set_params(spectral_radius=radius).fit(series)


def _bisect_edge(exponent_at, target, tol, bracket, max_radius, max_iter):
    """Bisection on the radius for ``exponent_at(radius) == target``; returns (radius, exponent)."""
    low, high = bracket
    value_low = exponent_at(low)
    if not value_low < target:
        raise ValueError(
            f"At spectral_radius={low} the Lyapunov exponent is already {value_low:.4g} >= "
            f"target={target}; lower bracket[0], lower the target or raise the leak rate."
        )
    value_high = exponent_at(high)
    while value_high < target:
        if high >= max_radius:
            raise ValueError(
                f"The Lyapunov exponent stays below target={target} up to spectral_radius="
                f"{high:g} ({value_high:.4g}); the input keeps the reservoir stable. Lower the "
                "input scaling or raise max_radius."
            )
        low, value_low = high, value_high
        high = min(2.0 * high, max_radius)
        value_high = exponent_at(high)
    best = min([(low, value_low), (high, value_high)], key=lambda p: abs(p[1] - target))
    for _ in range(max_iter):
        if abs(best[1] - target) <= tol or high - low <= 1e-12 * high:
            break
        middle = 0.5 * (low + high)
        value = exponent_at(middle)
        if abs(value - target) < abs(best[1] - target):
            best = (middle, value)
        if value < target:
            low = middle
        else:
            high = middle
    if not abs(best[1] - target) <= tol:
        warnings.warn(
            f"The edge search stopped at spectral_radius={best[0]:.6g} with exponent "
            f"{best[1]:.4g}, not within tol={tol} of target={target} (the exponent jumps there).",
            RuntimeWarning,
            stacklevel=3,
        )
    return best


def _check_edge_args(target, tol, bracket, max_radius, max_iter):
    check_in_range(max_iter, "max_iter", 1, integer=True)
    check_in_range(target, "target")
    check_in_range(tol, "tol", 0, low_inclusive=False)
    if len(bracket) != 2 or not 0 <= bracket[0] < bracket[1]:
        raise ValueError(f"bracket must be (low, high) with 0 <= low < high; got {bracket!r}.")
    check_in_range(max_radius, "max_radius", bracket[1])


def _search_edge(family, series, *, target, tol, bracket, max_radius, max_iter, method, washout):
    _check_edge_args(target, tol, bracket, max_radius, max_iter)

    def exponent_at(radius):
        return lyapunov_exponent(family(radius), series.series, method=method, washout=washout,
                                 random_state=_EDGE_DIRECTION_SEED)

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The driven reservoir's states overflowed")
        return _bisect_edge(exponent_at, target, tol, tuple(map(float, bracket)),
                            float(max_radius), max_iter)


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
    _check_reservoir(reservoir)
    base = _with_fixed_weights(reservoir)
    family = _radius_family(base, series.series)
    radius, exponent = _search_edge(
        family, series, target=target, tol=tol, bracket=bracket, max_radius=max_radius,
        max_iter=max_iter, method=method, washout=washout,
    )
    found = family(radius)
    found.set_params(spectral_radius=float(radius))
    return (found, float(exponent)) if return_exponent else found


def scale_to_edge(esn, X, target=-0.01, *, tol=2e-3, bracket=(0.0, 1.0), max_radius=64.0,
                  max_iter=60, washout=None):
    """Rescale a fitted ESN's ``W_`` in place to the edge of stability under the input ``X``.

    The fit-time hook of ``ESN(spectral_radius="edge")``: the ESN has drawn
    its weights with ``W_`` at spectral radius 1; this searches the factor
    ``r`` (by bisection, as :func:`edge_of_stability`) for which the
    exponent of the ESN driven by ``X`` is ``target``, and sets
    ``W_ <- r W_``. Only ``W_`` changes; the parameters are untouched.

    Parameters
    ----------
    esn : fitted ESN whose ``W_`` has spectral radius 1
    X : the input the ESN is fitted on (array, list of series or 3-D array)
    target, tol, bracket, max_radius, max_iter, washout
        As in :func:`edge_of_stability`.

    Returns
    -------
    float
        The spectral radius found (store it as ``spectral_radius_``).
    """
    if type(esn) is not ESN:
        raise TypeError(f"esn must be an ESN; got {type(esn).__name__}.")
    check_is_fitted(esn)
    series = check_series(X, name="X")
    unit = copy.copy(esn)
    radius, _ = _search_edge(
        lambda r: _rescaled(unit, r), series, target=target, tol=tol, bracket=bracket,
        max_radius=max_radius, max_iter=max_iter, method="jacobian", washout=washout,
    )
    esn.W_ = (unit.W_ * radius).astype(unit.W_.dtype)
    return float(radius)


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
    from .model_selection import _check_metric

    radii = _check_radii(spectral_radii)
    params = estimator.get_params() if hasattr(estimator, "get_params") else {}
    if "reservoir__spectral_radius" not in params:
        raise ValueError(
            "estimator must be a ReservoirRegressor or ReservoirForecaster whose reservoir has a "
            "spectral_radius parameter (pass reservoir=ESN(...) explicitly)."
        )
    metric = _check_metric(metric)
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
    from .metrics import memory_capacity
    from .model_selection import _holdout, _metric_name

    result = _holdout(model, X, y, train_size=None, validation=validation, metric=metric)
    inputs = _driving_input(model, result.X_train, result.y_train)
    capacity = np.nan
    if memory_capacity_kwargs is not False:
        capacity = memory_capacity(model.reservoir, random_state=random_state,
                                   **(memory_capacity_kwargs or {}))
    name = _metric_name(metric)
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
