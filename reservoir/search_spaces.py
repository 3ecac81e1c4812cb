"""Hyperparameter search spaces of the library's models, for :func:`reservoir.model_selection.tune`.

Each model class declares its search space in one place, here: a function
``space(trial, prefix="", estimator=None) -> dict`` written with optuna's
define-by-run API. It asks ``trial`` for values (``trial.suggest_float``,
``trial.suggest_categorical``, ...) and returns the parameters to set, keyed
by their names on the estimator being tuned: ``prefix`` is prepended both to
the names of the trial's parameters and to the returned keys, so that the
space of an :class:`~reservoir.ESN` inside a
:class:`~reservoir.ReservoirRegressor` yields ``reservoir__spectral_radius``
and friends. ``estimator`` is the (unfitted) instance whose parameters are
searched, for spaces that depend on its fixed settings.

:func:`suggest` composes the spaces of an estimator and of its components:
the estimator's own space first, then, for each parameter holding an
estimator (a ``reservoir``, the ``reservoir`` of a
:class:`~reservoir.BidirectionalESN` or the layer template of a
:class:`~reservoir.DeepESN`, ...), that component's space under the
nested prefix. Components without a space (the readout) are not searched;
the ridge penalty of the readout is chosen by the tuner along a path instead
(see :func:`reservoir.model_selection.tune`).

What is searched:

* :class:`~reservoir.ESN`: ``spectral_radius``, ``leak_rate``,
  ``input_scaling``, ``bias_scaling`` and the choices ``activation`` (tanh or
  identity) and ``topology`` (random, ring or orthogonal), so that a memory
  task can find a linear ring. A linear (identity) reservoir is stable only
  below radius 1, so its radius is a separate trial parameter,
  ``spectral_radius_linear``, drawn from [0.5, 1).
* :class:`~reservoir.DeepESN`: its layer template, searched as an ESN under
  ``reservoir__`` (values given per layer in ``layer_params`` override it).
* :class:`~reservoir.es2n.ES2N`: ``proximity``, ``spectral_radius``,
  ``input_scaling``, ``bias_scaling``.
* :class:`~reservoir.nvar.NVAR`: ``delay``, ``stride``, ``order``.
* :class:`~reservoir.union.ReservoirUnion`: each member's space, under its name.
* :class:`~reservoir.LSM`: ``spectral_radius``, ``inhibition_balance``,
  ``input_scaling``, ``background_current``, ``tau_membrane``, ``tau_trace``.
* ``ReservoirRegressor`` / ``ReservoirForecaster``: ``include_input``;
  ``ReservoirClassifier``: ``include_input`` and (pooled mode) ``pooling``.
* The trained RNN baselines: ``learning_rate``, ``hidden_size``,
  ``seq_len``, and ``leak_rate`` for the leaky RNN.

The fixed sizes (``n_units``, ``n_layers``, ``washout``, ``max_epochs``)
are never searched: they set the cost, which the caller chooses.

Add or replace a space with :func:`register`; pass ``search_space=`` to
:func:`~reservoir.model_selection.tune` to override it for one call.

Examples
--------
>>> import optuna
>>> from reservoir import ESN, ReservoirRegressor
>>> from reservoir.search_spaces import suggest
>>> trial = optuna.trial.FixedTrial({"include_input": False,
...     "reservoir__activation": "tanh", "reservoir__topology": "ring",
...     "reservoir__spectral_radius": 0.9, "reservoir__leak_rate": 0.5,
...     "reservoir__input_scaling": 0.1, "reservoir__bias_scaling": 0.0})
>>> sorted(suggest(trial, ReservoirRegressor(ESN(n_units=50))))[:3]
['include_input', 'reservoir__activation', 'reservoir__bias_scaling']
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

from sklearn.base import BaseEstimator

from .baselines.recurrent import (
    GRUForecaster,
    GRURegressor,
    LeakyRNNForecaster,
    LeakyRNNRegressor,
    LSTMForecaster,
    LSTMRegressor,
)
from .classifier import ReservoirClassifier
from .composite import BidirectionalESN, DeepESN
from .es2n import ES2N
from .esn import ESN
from .estimators import ReservoirForecaster, ReservoirRegressor
from .lsm import LSM
from .nvar import NVAR, nvar_feature_count
from .union import ReservoirUnion

__all__ = [
    "SEARCH_SPACES",
    "esn_space",
    "lsm_space",
    "es2n_space",
    "nvar_space",
    "union_space",
    "reservoir_estimator_space",
    "classifier_space",
    "rnn_space",
    "leaky_rnn_space",
    "get_space",
    "register",
    "suggest",
]

#: Topologies searched for an ESN (a delay line is a special case of little use on its own).
ESN_TOPOLOGIES = ("random", "ring", "orthogonal")
#: Activations searched for an ESN.
ESN_ACTIVATIONS = ("tanh", "identity")


# -- the spaces --------------------------------------------------------------------------------
def _leaky_reservoir_scalars(trial, prefix):
    """Leak rate, input and bias scaling: the scalars every ESN-like reservoir shares."""
    return {
        f"{prefix}leak_rate": trial.suggest_float(f"{prefix}leak_rate", 0.05, 1.0, log=True),
        f"{prefix}input_scaling": trial.suggest_float(f"{prefix}input_scaling", 1e-3, 3.0,
                                                      log=True),
        f"{prefix}bias_scaling": trial.suggest_float(f"{prefix}bias_scaling", 0.0, 1.0),
    }


def esn_space(trial, prefix="", estimator=None):
    """Search space of :class:`~reservoir.ESN`.

    ``activation`` (tanh, identity) and ``topology`` (random, ring,
    orthogonal) are categorical. A tanh reservoir's ``spectral_radius`` is
    drawn from [0.1, 1.5]; a linear one's, which must stay below 1 for the
    echo state property, from [0.5, 1) under the trial parameter
    ``<prefix>spectral_radius_linear``. ``leak_rate`` from [0.05, 1] and
    ``input_scaling`` from [0.001, 3] on a log scale (the estimators
    standardise inputs by default), ``bias_scaling`` from
    [0, 1].

    Parameters
    ----------
    trial : optuna.trial.Trial
    prefix : str, default=""
        Prepended to every name (e.g. ``"reservoir__"``).
    estimator : ESN, optional
        Unused; part of the common signature.

    Returns
    -------
    dict
        Parameter name (with ``prefix``) -> value.
    """
    activation = trial.suggest_categorical(f"{prefix}activation", list(ESN_ACTIVATIONS))
    topology = trial.suggest_categorical(f"{prefix}topology", list(ESN_TOPOLOGIES))
    if activation == "identity":
        radius = trial.suggest_float(f"{prefix}spectral_radius_linear", 0.5, 0.999)
    else:
        radius = trial.suggest_float(f"{prefix}spectral_radius", 0.1, 1.5)
    return {f"{prefix}activation": activation, f"{prefix}topology": topology,
            f"{prefix}spectral_radius": radius, **_leaky_reservoir_scalars(trial, prefix)}


def es2n_space(trial, prefix="", estimator=None):
    """Search space of :class:`~reservoir.es2n.ES2N`.

    ``proximity`` from [0.005, 1] (log: the edge of stability lies at small
    values), ``spectral_radius`` from [0.1, 1.5], ``input_scaling`` from
    [0.001, 3] (log) and ``bias_scaling`` from [0, 1].

    Parameters
    ----------
    trial : optuna.trial.Trial
    prefix : str, default=""
    estimator : ES2N, optional
        Unused; part of the common signature.

    Returns
    -------
    dict
    """
    return {
        f"{prefix}proximity": trial.suggest_float(f"{prefix}proximity", 0.005, 1.0, log=True),
        f"{prefix}spectral_radius": trial.suggest_float(f"{prefix}spectral_radius", 0.1, 1.5),
        f"{prefix}input_scaling": trial.suggest_float(f"{prefix}input_scaling", 1e-3, 3.0,
                                                      log=True),
        f"{prefix}bias_scaling": trial.suggest_float(f"{prefix}bias_scaling", 0.0, 1.0),
    }


#: Largest NVAR feature count a trial may ask for (beyond it the order is lowered).
NVAR_MAX_FEATURES = 1000


def nvar_space(trial, prefix="", estimator=None):
    """Search space of :class:`~reservoir.nvar.NVAR`.

    ``delay`` (copies of the input) from 1 to 4, ``stride`` from 1 to 10
    (log), ``order`` from 1 to 3. The feature count grows as
    ``(d * delay) ** order``; a combination beyond :data:`NVAR_MAX_FEATURES`
    features for the estimator's input dimension (known once ``estimator``
    has been fitted; 1 otherwise) is refused by pruning the trial.

    Parameters
    ----------
    trial : optuna.trial.Trial
    prefix : str, default=""
    estimator : NVAR, optional
        Its ``n_features_in_``, when fitted, bounds the feature count.

    Returns
    -------
    dict
    """
    params = {
        f"{prefix}delay": trial.suggest_int(f"{prefix}delay", 1, 4),
        f"{prefix}stride": trial.suggest_int(f"{prefix}stride", 1, 10, log=True),
        f"{prefix}order": trial.suggest_int(f"{prefix}order", 1, 3),
    }
    n_inputs = getattr(estimator, "n_features_in_", 1)
    if nvar_feature_count(n_inputs, params[f"{prefix}delay"],
                          params[f"{prefix}order"]) > NVAR_MAX_FEATURES:
        import optuna

        raise optuna.TrialPruned(f"more than {NVAR_MAX_FEATURES} NVAR features")
    return params


def union_space(trial, prefix="", estimator=None):
    """Search space of a :class:`~reservoir.union.ReservoirUnion`: each member's own space.

    Member ``name``'s parameters are searched under ``<prefix><name>__``.

    Parameters
    ----------
    trial : optuna.trial.Trial
    prefix : str, default=""
    estimator : ReservoirUnion
        Its members decide the space.

    Returns
    -------
    dict
    """
    params = {}
    for name, member in getattr(estimator, "reservoirs", []):
        nested = _suggest(trial, member, f"{prefix}{name}__")
        params.update(nested or {})
    return params


def lsm_space(trial, prefix="", estimator=None):
    """Search space of the spiking :class:`~reservoir.LSM`, around its default liquid.

    The default liquid (see :mod:`reservoir.lsm`) is a discrete-time map with
    fast membranes and synapses, synaptic delays of 1 to 10 input steps and two
    readout kernels; its architecture stays fixed and its gain is tuned:
    ``spectral_radius`` in [1, 6] (the default liquid's activity fades after
    the input up to about 4 and sustains itself from about 6),
    ``inhibition_balance`` in [1, 3], ``input_scaling`` in [1, 20] mV (log),
    ``background_current`` in [13, 14.8] mV (the threshold is 15 mV),
    ``tau_membrane`` in [2, 10] ms (log; longer membranes blur the input
    steps the delays separate). ``tau_trace`` keeps its two default kernels.

    Parameters
    ----------
    trial : optuna.trial.Trial
    prefix : str, default=""
    estimator : LSM, optional
        Unused; part of the common signature.

    Returns
    -------
    dict
    """
    return {
        f"{prefix}spectral_radius": trial.suggest_float(f"{prefix}spectral_radius", 1.0, 6.0),
        f"{prefix}inhibition_balance": trial.suggest_float(f"{prefix}inhibition_balance",
                                                           1.0, 3.0),
        f"{prefix}input_scaling": trial.suggest_float(f"{prefix}input_scaling", 1.0, 20.0,
                                                      log=True),
        f"{prefix}background_current": trial.suggest_float(f"{prefix}background_current",
                                                           13.0, 14.8),
        f"{prefix}tau_membrane": trial.suggest_float(f"{prefix}tau_membrane", 2.0, 10.0,
                                                     log=True),
    }


def reservoir_estimator_space(trial, prefix="", estimator=None):
    """Estimator-level space of ``ReservoirRegressor`` / ``ReservoirForecaster``: ``include_input``.

    The reservoir's own space is added by :func:`suggest` under ``reservoir__``.

    Parameters
    ----------
    trial : optuna.trial.Trial
    prefix : str, default=""
    estimator : estimator, optional
        Unused; part of the common signature.

    Returns
    -------
    dict
    """
    return {f"{prefix}include_input": trial.suggest_categorical(f"{prefix}include_input",
                                                                [True, False])}


def classifier_space(trial, prefix="", estimator=None):
    """Estimator-level space of ``ReservoirClassifier``: ``include_input`` and ``pooling``.

    ``pooling`` ("last", "mean" or "last_and_mean") is searched in pooled
    mode only, not with ``per_step=True``.

    Parameters
    ----------
    trial : optuna.trial.Trial
    prefix : str, default=""
    estimator : ReservoirClassifier, optional
        Its ``per_step`` decides whether ``pooling`` is searched.

    Returns
    -------
    dict
    """
    params = {f"{prefix}include_input": trial.suggest_categorical(f"{prefix}include_input",
                                                                  [False, True])}
    if not getattr(estimator, "per_step", False):
        params[f"{prefix}pooling"] = trial.suggest_categorical(
            f"{prefix}pooling", ["last", "mean", "last_and_mean"])
    return params


def rnn_space(trial, prefix="", estimator=None):
    """Search space of the trained RNN baselines (LSTM, GRU).

    ``learning_rate`` in [1e-4, 3e-2] and ``hidden_size`` in [8, 128] and
    ``seq_len`` (the truncated-BPTT length) in [10, 200], all on a log
    scale. ``max_epochs`` is not searched: the pruner stops bad trials early.

    Parameters
    ----------
    trial : optuna.trial.Trial
    prefix : str, default=""
    estimator : estimator, optional
        Unused; part of the common signature.

    Returns
    -------
    dict
    """
    return {
        f"{prefix}learning_rate": trial.suggest_float(f"{prefix}learning_rate", 1e-4, 3e-2,
                                                      log=True),
        f"{prefix}hidden_size": trial.suggest_int(f"{prefix}hidden_size", 8, 128, log=True),
        f"{prefix}seq_len": trial.suggest_int(f"{prefix}seq_len", 10, 200, log=True),
    }


def leaky_rnn_space(trial, prefix="", estimator=None):
    """Search space of the leaky-integrator RNN: :func:`rnn_space` plus ``leak_rate`` in [0.05, 1].

    Parameters
    ----------
    trial : optuna.trial.Trial
    prefix : str, default=""
    estimator : estimator, optional
        Unused; part of the common signature.

    Returns
    -------
    dict
    """
    return {**rnn_space(trial, prefix, estimator),
            f"{prefix}leak_rate": trial.suggest_float(f"{prefix}leak_rate", 0.05, 1.0, log=True)}


def _no_parameters(trial, prefix="", estimator=None):
    """A wrapper whose own parameters are not searched (its components' are)."""
    return {}


#: Model class -> search space. Looked up along the class's MRO, so subclasses inherit
#: their parent's space. Change it with :func:`register`.
SEARCH_SPACES: dict[type, Callable] = {
    ESN: esn_space,
    DeepESN: _no_parameters,
    BidirectionalESN: _no_parameters,
    LSM: lsm_space,
    ES2N: es2n_space,
    NVAR: nvar_space,
    ReservoirUnion: union_space,
    ReservoirRegressor: reservoir_estimator_space,
    ReservoirForecaster: reservoir_estimator_space,
    ReservoirClassifier: classifier_space,
    LSTMRegressor: rnn_space,
    LSTMForecaster: rnn_space,
    GRURegressor: rnn_space,
    GRUForecaster: rnn_space,
    LeakyRNNRegressor: leaky_rnn_space,
    LeakyRNNForecaster: leaky_rnn_space,
}

#: Parameters whose default value None stands for a component the estimator builds itself.
_DEFAULT_COMPONENTS = {"reservoir": ESN}


# -- lookup and composition ----------------------------------------------------------------------
def register(cls, space):
    """Declare (or replace) the search space of a model class.

    Parameters
    ----------
    cls : type
        The estimator or reservoir class; subclasses inherit the space.
    space : callable
        ``space(trial, prefix="", estimator=None) -> dict`` (see the module docstring).

    Examples
    --------
    >>> from reservoir.search_spaces import SEARCH_SPACES, register
    >>> class MyESN(ESN):
    ...     pass
    >>> register(MyESN, lambda trial, prefix="", estimator=None: {})
    >>> del SEARCH_SPACES[MyESN]
    """
    if not isinstance(cls, type):
        raise TypeError(f"cls must be a class; got {cls!r}.")
    if not callable(space):
        raise TypeError(f"space must be a callable space(trial, prefix, estimator); got {space!r}.")
    SEARCH_SPACES[cls] = space


def get_space(estimator):
    """The registered search space of ``estimator``'s class (or of its nearest parent), or None.

    Parameters
    ----------
    estimator : estimator instance or class

    Returns
    -------
    callable or None
    """
    cls = estimator if isinstance(estimator, type) else type(estimator)
    for klass in cls.__mro__:
        if klass in SEARCH_SPACES:
            return SEARCH_SPACES[klass]
    return None


def _components(estimator):
    """(name, component) for each parameter holding an estimator (defaults built for None)."""
    for name, value in estimator.get_params(deep=False).items():
        if value is None and name in _DEFAULT_COMPONENTS:
            value = _DEFAULT_COMPONENTS[name]()
        if isinstance(value, BaseEstimator):
            yield name, value


def suggest(trial, estimator, prefix=""):
    """Sample the parameters of ``estimator`` and of its components for one trial.

    The estimator's registered space is called with ``prefix``; then each
    parameter holding an estimator with a registered space (a ``reservoir``,
    including the default ESN of a reservoir estimator whose ``reservoir`` is
    None) is searched recursively under ``<prefix><name>__``. Components
    without a space, such as readouts, are skipped.

    Parameters
    ----------
    trial : optuna.trial.Trial
    estimator : estimator instance
    prefix : str, default=""

    Returns
    -------
    dict
        Nested parameter name -> value, ready for ``estimator.set_params``
        (after ``reservoir=None`` has been replaced by an explicit reservoir).

    Raises
    ------
    ValueError
        When neither the estimator nor any of its components has a space.
    """
    params = _suggest(trial, estimator, prefix)
    if params is None:
        raise ValueError(
            f"No search space is registered for {type(estimator).__name__}; pass "
            "search_space= to tune, or declare one with reservoir.search_spaces.register."
        )
    return params


def _suggest(trial, estimator, prefix):
    space = get_space(estimator)
    params = None if space is None else dict(space(trial, prefix, estimator))
    for name, component in _components(estimator):
        nested = _suggest(trial, component, f"{prefix}{name}__")
        if nested is not None:
            params = {**(params or {}), **nested}
        elif name == "reservoir" and space is not None:
            warnings.warn(
                f"No search space is registered for the reservoir {type(component).__name__}; "
                f"only the parameters of {type(estimator).__name__} itself are searched. "
                "Register one with reservoir.search_spaces.register.",
                UserWarning,
                stacklevel=3,
            )
    return params
