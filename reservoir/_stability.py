"""Lyapunov exponent of a driven reservoir and the edge-of-stability search.

The machinery behind :func:`reservoir.analysis.lyapunov_exponent` and
``ESN(spectral_radius="edge")``. It sits below the reservoirs in the import
order (it depends on :mod:`reservoir.base` only): a reservoir is asked for
what it offers instead of being tested for its class:

* every :class:`reservoir.base.BaseReservoir` can be perturbed through
  ``simulate`` (method ``"perturbation"``);
* a reservoir with a ``jacobian_factors(states, initial_state)`` method
  (:meth:`reservoir.ESN.jacobian_factors`) gets the exact tangent dynamics
  (method ``"jacobian"``);
* a reservoir with a ``scaled_copy(factor)`` method
  (:meth:`reservoir.ESN.scaled_copy`) is rescaled, not refitted, by the edge
  search.

The public entry points are re-exported by :mod:`reservoir.analysis`, whose
docstring describes the estimators and gives the references.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._batching import equal_length_blocks
from ._validation import check_in_range, check_series, check_washout
from .base import BaseReservoir

__all__ = [
    "DEFAULT_WASHOUT",
    "EDGE_DIRECTION_SEED",
    "check_reservoir",
    "fitted_reservoir",
    "has_jacobian",
    "lyapunov_exponent",
    "scale_to_edge",
    "search_edge",
]

_METHODS = ("auto", "jacobian", "perturbation")
#: Washout used when none is given: this many steps, or a quarter of the shortest series.
DEFAULT_WASHOUT = 200
#: Seed of the perturbation directions in the edge search (the weights use the reservoir's own).
EDGE_DIRECTION_SEED = 0


# -- shared helpers ----------------------------------------------------------------------------
def check_reservoir(reservoir):
    """Raise TypeError unless ``reservoir`` honours :class:`reservoir.base.BaseReservoir`."""
    if not isinstance(reservoir, BaseReservoir):
        raise TypeError(
            "reservoir must be a reservoir honouring reservoir.base.BaseReservoir (ESN, LSM, ...); "
            f"got {type(reservoir).__name__}."
        )


def fitted_reservoir(reservoir, series):
    """``reservoir`` itself when fitted (it is not modified), else a clone fitted on ``series``.

    Parameters
    ----------
    reservoir : reservoir
    series : SeriesSet
        The validated driving input (:func:`reservoir._validation.check_series`).

    Returns
    -------
    fitted reservoir
    """
    check_reservoir(reservoir)
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


def has_jacobian(reservoir):
    """Whether ``reservoir`` offers its Jacobian (a ``jacobian_factors`` method)."""
    return callable(getattr(reservoir, "jacobian_factors", None))


def _resolve_washout(washout, lengths):
    if washout is None:
        washout = min(DEFAULT_WASHOUT, min(lengths) // 4)
    return check_washout(washout, lengths)


def _resolve_method(method, reservoir):
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; got {method!r}.")
    jacobian = has_jacobian(reservoir)
    if method == "jacobian" and not jacobian:
        raise ValueError(
            "method='jacobian' needs a reservoir that offers its Jacobian (a jacobian_factors "
            f"method, as ESN has); got {type(reservoir).__name__}. "
            "Use method='perturbation', which works for any reservoir."
        )
    if method == "auto":
        return "jacobian" if jacobian else "perturbation"
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
def _jacobian_logs(reservoir, block, rng, noise_rng):
    """Per-step log growth (B, T) of a tangent vector of a reservoir driven by ``block`` (B, T, d).

    The Jacobian along the trajectory comes from the reservoir's
    ``jacobian_factors``: ``J[t] = keep I + diag(gains[:, t]) W``. Returns None
    when the trajectory overflows.
    """
    n_batch, n_steps, _ = block.shape
    start = reservoir.default_state(n_batch)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below
        states, _ = reservoir.simulate(block, start, rng=noise_rng)
    states = np.asarray(states, dtype=np.float64)
    if not np.all(np.isfinite(states)):
        return None
    keep, gains, W = reservoir.jacobian_factors(states, start)
    tangent = _random_directions(rng, (n_batch, W.shape[0]))
    norms = np.empty((n_batch, n_steps))
    for t in range(n_steps):
        tangent = keep * tangent + gains[:, t] * (W @ tangent.T).T
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
        ``"jacobian"`` (exact tangent dynamics, for reservoirs with a
        ``jacobian_factors`` method such as :class:`reservoir.ESN`),
        ``"perturbation"`` (renormalised finite perturbation of the internal
        state vector, any reservoir). ``"auto"`` picks ``"jacobian"`` when the
        reservoir offers it and ``"perturbation"`` otherwise.
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
        Unknown method, ``"jacobian"`` for a reservoir without ``jacobian_factors``, a
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
    fitted = fitted_reservoir(reservoir, series)
    method = _resolve_method(method, fitted)
    components = _state_components(state_components, method, fitted)
    washout = _resolve_washout(washout, series.lengths)
    if perturbation is not None:
        perturbation = float(check_in_range(perturbation, "perturbation", 0, low_inclusive=False))
    rng = check_random_state(random_state)
    noise_rng = fitted.noise_rng()
    noise_seed = int(getattr(fitted, "noise_seed_", 0))
    total, count = 0.0, 0
    for _, block in equal_length_blocks(series.series):
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


# -- edge of stability -------------------------------------------------------------------------
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


def search_edge(family, series, *, target=-0.01, tol=2e-3, bracket=(0.0, 1.0), max_radius=64.0,
                max_iter=60, method="auto", washout=None):
    """Bisection on the spectral radius for a driven Lyapunov exponent equal to ``target``.

    Parameters
    ----------
    family : callable
        ``family(radius) -> fitted reservoir`` with that spectral radius and
        otherwise the same random weights.
    series : SeriesSet
        The validated driving input.
    target, tol, bracket, max_radius, max_iter, method, washout
        As in :func:`reservoir.analysis.edge_of_stability`. The perturbation
        directions use the fixed seed ``EDGE_DIRECTION_SEED``, so the search
        is deterministic.

    Returns
    -------
    radius, exponent : float
    """
    _check_edge_args(target, tol, bracket, max_radius, max_iter)

    def exponent_at(radius):
        return lyapunov_exponent(family(radius), series.series, method=method, washout=washout,
                                 random_state=EDGE_DIRECTION_SEED)

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The driven reservoir's states overflowed")
        return _bisect_edge(exponent_at, target, tol, tuple(map(float, bracket)),
                            float(max_radius), max_iter)


def scale_to_edge(esn, X, target=-0.01, *, tol=2e-3, bracket=(0.0, 1.0), max_radius=64.0,
                  max_iter=60, washout=None):
    """Rescale a fitted ESN's ``W_`` in place to the edge of stability under the input ``X``.

    The fit-time hook of ``ESN(spectral_radius="edge")``: the ESN has drawn
    its weights with ``W_`` at spectral radius 1; this searches the factor
    ``r`` (by bisection, as :func:`reservoir.analysis.edge_of_stability`) for which the
    exponent of the ESN driven by ``X`` is ``target``, and sets
    ``W_ <- r W_``. Only ``W_`` changes; the parameters are untouched.

    Parameters
    ----------
    esn : fitted ESN whose ``W_`` has spectral radius 1
        Any reservoir with ``jacobian_factors`` and ``scaled_copy`` methods.
    X : the input the ESN is fitted on (array, list of series or 3-D array)
    target, tol, bracket, max_radius, max_iter, washout
        As in :func:`reservoir.analysis.edge_of_stability`.

    Returns
    -------
    float
        The spectral radius found (store it as ``spectral_radius_``).
    """
    if not (has_jacobian(esn) and callable(getattr(esn, "scaled_copy", None))):
        raise TypeError(
            "esn must be an ESN (a reservoir with jacobian_factors and scaled_copy methods); "
            f"got {type(esn).__name__}."
        )
    check_is_fitted(esn)
    series = check_series(X, name="X")
    unit = copy.copy(esn)
    radius, _ = search_edge(
        unit.scaled_copy, series, target=target, tol=tol, bracket=bracket,
        max_radius=max_radius, max_iter=max_iter, method="jacobian", washout=washout,
    )
    esn.W_ = unit.scaled_copy(radius).W_
    return float(radius)


