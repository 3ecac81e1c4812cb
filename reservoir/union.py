"""Several reservoirs driven by the same input, their features side by side for one readout.

``ReservoirUnion([("fast", ESN(leak_rate=1.0)), ("slow", ESN(leak_rate=0.1))])``
is itself a reservoir: it works unchanged inside ``ReservoirRegressor``,
``ReservoirForecaster`` and ``ReservoirClassifier``. Its features at step t are
the members' features at step t, concatenated in the order given; its internal
state is the members' states, concatenated likewise. Members are named, as in
scikit-learn's :class:`~sklearn.pipeline.FeatureUnion`, so that their
parameters are reachable for search: ``reservoir__slow__leak_rate``.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone

from ._validation import Satisfies
from .base import BaseReservoir

__all__ = ["ReservoirUnion"]


def _is_member_list(value):
    return (isinstance(value, list | tuple) and len(value) > 0
            and all(isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)
                    and isinstance(item[1], BaseReservoir) for item in value)
            and len({name for name, _ in value}) == len(value)
            and not any("__" in name for name, _ in value))


class ReservoirUnion(BaseReservoir):
    """Reservoirs run side by side on the same input; their features are concatenated.

    Parameters
    ----------
    reservoirs : list of (str, reservoir) tuples
        Named members (any :class:`~reservoir.base.BaseReservoir`: ESN, LSM,
        NVAR, deep or other unions). Names are unique and contain no ``"__"``.
        Each member is cloned and fitted on the same input at :meth:`fit`.

    Attributes
    ----------
    reservoirs_ : list of (str, reservoir)
        The fitted members.
    n_features_in_ : int
    n_features_out_ : int
        Sum of the members' ``n_features_out_``.
    final_state_ : ndarray
        Concatenated members' internal states after :meth:`transform`.

    Notes
    -----
    A readout on the union's features equals a readout on the members' states
    stacked by hand: the union adds no weights of its own. Members with
    random numbers (state noise, Poisson spikes) draw from their own streams,
    keyed by their own ``noise_seed_``. The union is causal when every member is.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESN, ReservoirRegressor
    >>> from reservoir.union import ReservoirUnion
    >>> union = ReservoirUnion([("fast", ESN(n_units=30, leak_rate=1.0, random_state=0)),
    ...                         ("slow", ESN(n_units=20, leak_rate=0.1, random_state=1))])
    >>> union.fit(np.zeros((10, 1))).n_features_out_
    50
    >>> union.set_params(slow__n_units=40).get_params()["slow__n_units"]
    40
    """

    _parameter_constraints = {
        "reservoirs": [Satisfies(_is_member_list,
                                 "a non-empty list of (name, reservoir) tuples with unique "
                                 "names without '__'")],
    }

    def __init__(self, reservoirs):
        self.reservoirs = reservoirs

    # -- nested parameters, as scikit-learn's FeatureUnion ------------------------------
    def get_params(self, deep=True):
        """Parameters, with each member as ``name`` and its parameters as ``name__param``."""
        params = {"reservoirs": self.reservoirs}
        if deep and _is_member_list(self.reservoirs):
            for name, member in self.reservoirs:
                params[name] = member
                params.update({f"{name}__{key}": value
                               for key, value in member.get_params(deep=True).items()})
        return params

    def set_params(self, **params):
        """Set ``reservoirs``, replace a member by name, or set ``name__param``."""
        if "reservoirs" in params:
            self.reservoirs = params.pop("reservoirs")
        members = dict(self.reservoirs) if _is_member_list(self.reservoirs) else {}
        for key in [key for key in params if key in members]:
            self.reservoirs = [(name, params[key] if name == key else member)
                               for name, member in self.reservoirs]
            members[key] = params.pop(key)
        nested: dict = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in members or not sub:
                raise ValueError(
                    f"Invalid parameter {key!r} for ReservoirUnion: use 'reservoirs', a "
                    f"member name ({', '.join(members)}) or 'name__parameter'.")
            nested.setdefault(name, {})[sub] = value
        for name, values in nested.items():
            members[name].set_params(**values)
        return self

    # -- the reservoir contract ---------------------------------------------------------
    @property
    def causal(self):
        return all(member.causal for _, member in self.reservoirs)

    @property
    def _dtype(self):
        members = getattr(self, "reservoirs_", self.reservoirs)
        kinds = {np.dtype(member._dtype) for _, member in members}
        return np.float32 if kinds == {np.dtype(np.float32)} else np.float64

    def fit(self, X, y=None):
        """Clone and fit every member on ``X``.

        Parameters
        ----------
        X : array-like (T, d), list of (T_i, d) arrays, or (n, T, d) array
        y : ignored

        Returns
        -------
        self
        """
        super().fit(X, y)  # parameters, input checks, n_features_in_
        self.reservoirs_ = [(name, clone(member).fit(X)) for name, member in self.reservoirs]
        self.n_features_out_ = sum(member.n_features_out_ for _, member in self.reservoirs_)
        sizes = [member._state_size() for _, member in self.reservoirs_]
        self._state_splits = np.cumsum(sizes)[:-1]
        return self

    def _initialize(self, n_features, rng):
        """Nothing to draw: the members draw their own weights when :meth:`fit` fits them
        on the data (an ESN at ``spectral_radius="edge"`` needs the data, not only its width).
        """

    def _state_size(self) -> int:
        return sum(member._state_size() for _, member in self.reservoirs_)

    def default_state(self, batch_size: int) -> np.ndarray:
        """The members' resting states side by side, shape (batch_size, S)."""
        return np.concatenate([member.default_state(batch_size).astype(self._dtype)
                               for _, member in self.reservoirs_], axis=1)

    def simulate(self, inputs, state, rng=None):
        """Run every member on ``inputs`` from its part of ``state``; concatenate.

        Parameters
        ----------
        inputs : ndarray of shape (B, T, n_features_in_)
        state : ndarray of shape (B, S)
        rng : RandomStreams, numpy Generator or None
            Passed to every member (see :mod:`reservoir.base`, "Randomness").

        Returns
        -------
        features : ndarray of shape (B, T, n_features_out_)
        final_state : ndarray of shape (B, S)
        """
        parts = np.split(np.asarray(state), self._state_splits, axis=1)
        outputs, finals = [], []
        for (_, member), part in zip(self.reservoirs_, parts, strict=True):
            features, final = member.simulate(inputs, part.astype(member._dtype), rng=rng)
            outputs.append(features)
            finals.append(final)
        return (np.concatenate(outputs, axis=2).astype(self._dtype, copy=False),
                np.concatenate(finals, axis=1).astype(self._dtype, copy=False))

    def saturated_count(self, states):
        """Saturated values summed over the members that count them; None if none does."""
        counts = []
        start = 0
        for _, member in self.reservoirs_:
            stop = start + member.n_features_out_
            count = member.saturated_count(states[..., start:stop])
            if count is not None:
                counts.append(count)
            start = stop
        return sum(counts) if counts else None
