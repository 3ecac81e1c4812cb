"""The reservoir contract: a scikit-learn transformer from input series to state series.

Every reservoir (``ESN``, ``LSM``, deep and bidirectional variants) derives from
:class:`BaseReservoir` and implements three hooks:

* ``_initialize(n_features, rng)`` draws the fixed weights at ``fit`` time;
* ``_state_size()`` is the length of the internal state vector S that a run
  starts from and ends in (``initial_state=`` / ``final_state_``);
* ``simulate(inputs, state, rng)`` advances a block of equal-length series,
  ``inputs`` of shape (B, T, d) from internal states (B, S), and returns the
  features handed to the readout, (B, T, n_features_out_), and the final
  internal states (B, S).

The base class does the rest once for all reservoirs: input validation, the
caller's data layout (one series, a list, a 3-D block), grouping ragged lists
by length so that equal-length series advance together, and initial states.
The estimators in :mod:`reservoir.estimators` only ever call ``fit``,
``transform``, ``run``, ``simulate`` and ``default_state``, so any reservoir
that honours this contract works in all of them.
"""

from __future__ import annotations

import warnings
from abc import ABCMeta, abstractmethod

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._validation import check_series, group_by_length, record_n_features

__all__ = [
    "BaseReservoir",
    "NonFiniteStateWarning",
    "ReservoirWarning",
    "SaturationWarning",
    "resolve_dtype",
]

_DTYPES = {"float64": np.float64, "float32": np.float32}


def resolve_dtype(dtype):
    """Map the ``dtype`` parameter ("float64"/"float32" or the numpy type) to a numpy type."""
    key = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    if key not in _DTYPES:
        raise ValueError(f"dtype must be 'float64' or 'float32'; got {dtype!r}.")
    return _DTYPES[key]


#: |x| beyond which a tanh unit counts as saturated: its derivative is below 0.02, so the
#: unit passes on little more than the sign of its input.
SATURATION_LEVEL = 0.99
#: Estimators warn when more than this fraction of the training state values are saturated.
SATURATION_WARNING_FRACTION = 0.5


class ReservoirWarning(RuntimeWarning):
    """A reservoir runs in a regime where its states carry little or no information."""


class SaturationWarning(ReservoirWarning):
    """Most state values sit at the limits of a saturating activation."""


class NonFiniteStateWarning(ReservoirWarning):
    """A reservoir's states became infinite or NaN."""


class BaseReservoir(TransformerMixin, BaseEstimator, metaclass=ABCMeta):
    """Base class for reservoirs; see the module docstring for the contract."""

    #: False for reservoirs that read the future of a series (bidirectional);
    #: forecasters refuse those.
    causal = True

    # -- hooks -----------------------------------------------------------------
    def _check_params(self):  # pragma: no cover - overridden
        """Validate hyperparameters; raise ValueError naming the bad one."""

    @abstractmethod
    def _initialize(self, n_features, rng):
        """Draw the fixed weights for ``n_features`` inputs."""

    @abstractmethod
    def _state_size(self) -> int:
        """Length S of the internal state vector."""

    @abstractmethod
    def simulate(self, inputs, state, rng=None):
        """Advance (B, T, d) inputs from (B, S) states; return (states_out, final_state)."""

    def saturated_count(self, states):
        """Number of state values in the saturated range of the activation, or None.

        None (the default) for reservoirs without a saturating activation; tanh
        reservoirs count the values with ``|x| > SATURATION_LEVEL``. Estimators
        use it to warn (:class:`SaturationWarning`) when most training states
        are saturated.

        Parameters
        ----------
        states : ndarray (..., n_features_out_)

        Returns
        -------
        int or None
        """
        return None

    def _regime(self) -> str:
        """The parameters that set the reservoir's dynamics, for warning messages."""
        names = ("spectral_radius", "activation", "leak_rate", "input_scaling")
        return ", ".join(f"{name}={getattr(self, name)!r}" for name in names
                         if hasattr(self, name))

    def _warn_if_non_finite(self, inputs, final_state):
        """Warn when finite inputs drove the state to inf/NaN (it then stays non-finite)."""
        if np.isfinite(final_state).all() or not np.isfinite(inputs).all():
            return
        warnings.warn(
            f"The states of {type(self).__name__}({self._regime()}) became infinite or NaN: "
            "the reservoir is unstable for these inputs. Lower spectral_radius (below 1 "
            "for a linear reservoir), use a saturating activation ('tanh'), or scale the "
            "inputs down (scale='standard' in the estimators).",
            NonFiniteStateWarning, stacklevel=3,
        )

    # -- shared machinery ----------------------------------------------------------
    @property
    def _dtype(self):
        return resolve_dtype(getattr(self, "dtype", "float64"))

    def fit(self, X, y=None):
        """Draw the fixed weights for the number of features of ``X``.

        Parameters
        ----------
        X : array-like (T, d), list of (T_i, d) arrays, or (n, T, d) array
            Input series; only their number of features is used.
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        series = check_series(X, name="X", dtype=self._dtype)
        record_n_features(self, series, reset=True)
        rng = check_random_state(self.random_state)
        self._initialize(series.n_features, rng)
        # Seed of the state-noise stream: every run with the same seed sees the same noise.
        self.noise_seed_ = int(rng.randint(0, 2**31 - 1))
        return self

    def default_state(self, batch_size: int) -> np.ndarray:
        """The resting internal state, shape (batch_size, S): zeros unless overridden."""
        return np.zeros((batch_size, self._state_size()), dtype=self._dtype)

    def noise_rng(self):
        """A fresh generator for the state-noise stream (same stream for every run)."""
        return np.random.default_rng(self.noise_seed_)

    def run(self, X, initial_state=None):
        """Drive the reservoir with ``X``; return the states and the final internal state(s).

        Unlike :meth:`transform`, this does not modify the estimator.

        Parameters
        ----------
        X : array-like (T, d), list of (T_i, d) arrays, or (n, T, d) array
        initial_state : array-like of shape (S,) or (n_series, S), optional
            Internal state(s) to start from; the resting state by default.

        Returns
        -------
        states : same layout as ``X`` with the last axis replaced by the
            number of output features
        final_state : ndarray of shape (S,) for one series, (n_series, S) otherwise
        """
        check_is_fitted(self)
        series = check_series(X, name="X", dtype=self._dtype)
        record_n_features(self, series, reset=False)
        start = self._initial_states(initial_state, len(series))
        if series.layout == "array":  # one block already: no split and re-stack
            states, final = self.simulate(np.stack(series.series), start, rng=self.noise_rng())
            return states, final
        outputs = [None] * len(series)
        finals = np.empty_like(start)
        rng = self.noise_rng()
        for _, members in group_by_length(series.lengths).items():
            block = np.stack([series.series[i] for i in members])
            states, final = self.simulate(block, start[members], rng=rng)
            for j, i in enumerate(members):
                outputs[i] = states[j]
            finals[members] = final
        final_state = finals[0] if series.layout == "single" else finals
        return series.restore(outputs), final_state

    def transform(self, X, initial_state=None):
        """Return the state sequence(s) for ``X``; the last state is kept in ``final_state_``.

        Parameters
        ----------
        X : array-like (T, d), list of (T_i, d) arrays, or (n, T, d) array
        initial_state : array-like of shape (S,) or (n_series, S), optional

        Returns
        -------
        states : ndarray (T, n_out), list of (T_i, n_out) arrays, or (n, T, n_out) array
            Same layout as ``X``.
        """
        states, self.final_state_ = self.run(X, initial_state=initial_state)
        return states

    def _initial_states(self, initial_state, n_series):
        size = self._state_size()
        if initial_state is None:
            return self.default_state(n_series)
        state = np.asarray(initial_state, dtype=self._dtype)
        if not np.all(np.isfinite(state)):
            raise ValueError("initial_state contains NaN or infinity.")
        if state.shape == (size,):
            return np.repeat(state[None, :], n_series, axis=0)
        if state.shape == (n_series, size):
            return state.copy()
        raise ValueError(
            f"initial_state must have shape ({size},) or ({n_series}, {size}); got {state.shape}."
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        return tags
