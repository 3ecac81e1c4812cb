"""Reservoirs composed of other reservoirs: stacked (:class:`DeepESN`) and bidirectional.

Both take a reservoir template (an :class:`~reservoir.ESN` by default), clone
it at fit and expose its parameters as nested ``reservoir__<name>``
parameters, so that a search reaches them (e.g.
``reservoir__reservoir__spectral_radius`` for the DeepESN of a
:class:`~reservoir.ReservoirRegressor`).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone

from ._validation import BOOLEAN, RANDOM_STATE, InstanceOf, Interval, Options, Satisfies
from .base import BaseReservoir, RandomStreams, check_rng, resolve_dtype
from .esn import ESN

__all__ = ["DeepESN", "BidirectionalESN"]

_ALIGNMENTS = ("time", "reading")
#: Parameters a DeepESN's ``layer_params`` may not set per layer: they are shared by every
#: layer (dtype, state noise, read by the estimators from the template) or drawn per layer.
_SHARED_ONLY = ("dtype", "random_state", "state_noise")


def _fit_to_n_features(reservoir, n_features):
    """Draw a reservoir's weights for ``n_features`` inputs (``fit`` only reads the width)."""
    return reservoir.fit(np.zeros((1, n_features)))


def _split_state(state, sizes):
    """Split (B, sum(sizes)) internal states into one (B, size) block per part."""
    return np.split(np.asarray(state), np.cumsum(sizes)[:-1], axis=1)


def _template_dtype(reservoir):
    return resolve_dtype(getattr(reservoir, "dtype", "float64"))


class DeepESN(BaseReservoir):
    """A stack of reservoirs, each driven by the states of the one below.

    Layer 0 reads the input series; layer ``l > 0`` reads the state sequence of
    layer ``l - 1`` at the same time step. The features handed to the readout
    are the states of all layers, concatenated in layer order, so that the
    readout sees the multiple time scales of the stack (Gallicchio, Micheli &
    Pedrelli 2017, "Deep reservoir computing: a critical experimental
    analysis", Neurocomputing 268:87-99).

    Every layer is a clone of one template reservoir, whose parameters are
    reachable as ``reservoir__<name>`` (for a search:
    ``reservoir__reservoir__spectral_radius`` inside a reservoir estimator);
    ``layer_params`` gives some parameters one value per layer.

    Parameters
    ----------
    reservoir : reservoir transformer, optional
        The template of every layer: an :class:`~reservoir.ESN` (default
        ``ESN()``) or any causal reservoir. Cloned at fit; its
        ``random_state`` is replaced by one seed per layer drawn from
        ``random_state``. For layer ``l > 0`` its ``input_scaling`` scales the
        inter-layer weights from layer ``l - 1``.
    n_layers : int >= 1, default=2
        Number of layers.
    layer_params : dict, optional
        Parameter name -> sequence of ``n_layers`` values, set on the clone of
        each layer over the template's, e.g. ``{"n_units": [50, 30, 20],
        "leak_rate": [1.0, 0.5, 0.2]}`` (decreasing leak rates up the stack
        give increasingly slow layers). Any parameter of the template except
        ``dtype``, ``random_state`` and ``state_noise``, which all layers share.
    random_state : int, RandomState instance or None
        Seeds every layer (one seed per layer is drawn from it) and the noise.

    Attributes
    ----------
    layers_ : list of reservoirs
        The fitted layers, bottom first.
    n_features_in_ : int
    n_features_out_ : int
        Total number of state features of the layers (``sum(n_units)`` for ESNs).
    final_state_ : ndarray
        Last state(s) of the most recent :meth:`transform` (all layers, concatenated).

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESN, DeepESN
    >>> u = np.sin(np.linspace(0, 20, 200))
    >>> deep = DeepESN(ESN(spectral_radius=0.9), n_layers=3,
    ...                layer_params={"n_units": [50, 30, 20], "leak_rate": [1.0, 0.5, 0.2]},
    ...                random_state=0)
    >>> deep.fit_transform(u).shape
    (200, 100)
    """

    _parameter_constraints = {
        "reservoir": [None, InstanceOf(BaseReservoir, description="a reservoir (a "
                                       "reservoir.base.BaseReservoir such as ESN)")],
        "n_layers": [Interval("integer", 1)],
        "layer_params": [None, Satisfies(lambda value: isinstance(value, dict) and all(
            isinstance(name, str) for name in value),
            "a dict of parameter name -> one value per layer")],
        "random_state": [RANDOM_STATE],
    }

    def __init__(self, reservoir=None, n_layers=2, layer_params=None, random_state=None):
        self.reservoir = reservoir
        self.n_layers = n_layers
        self.layer_params = layer_params
        self.random_state = random_state

    @property
    def _dtype(self):
        return _template_dtype(self.reservoir)

    def _template(self):
        return self.reservoir if self.reservoir is not None else ESN()

    def _check_params(self):
        """Check ``layer_params`` against ``n_layers`` and the template's parameters."""
        known = self._template().get_params(deep=False)
        for name, values in (self.layer_params or {}).items():
            if name in _SHARED_ONLY:
                raise ValueError(
                    f"layer_params may not set {name!r}: it is shared by every layer; set it "
                    f"on the template reservoir (or, for random_state, on the DeepESN)."
                )
            if name not in known:
                raise ValueError(
                    f"layer_params names {name!r}, which is not a parameter of the layer "
                    f"reservoir {type(self._template()).__name__}."
                )
            if not isinstance(values, (list, tuple, np.ndarray)) or len(values) != self.n_layers:
                count = len(values) if isinstance(values, (list, tuple, np.ndarray)) else 1
                raise ValueError(
                    f"layer_params[{name!r}] must hold one value per layer "
                    f"(n_layers={self.n_layers}); got {count} value(s)."
                )

    def _layer_params(self, layer):
        """Parameters set on the template's clone for one layer."""
        return {name: values[layer] for name, values in (self.layer_params or {}).items()}

    def _initialize(self, n_features, rng):
        template = self._template()
        self.layers_ = []
        for layer in range(self.n_layers):
            reservoir = clone(template).set_params(**self._layer_params(layer),
                                                   random_state=rng.randint(0, 2**31 - 1))
            try:
                _fit_to_n_features(reservoir, n_features)
            except ValueError as exc:
                raise type(exc)(f"layer {layer} of DeepESN: {exc}") from exc
            self.layers_.append(reservoir)
            n_features = reservoir.n_features_out_
        self.n_features_out_ = sum(layer.n_features_out_ for layer in self.layers_)

    def _layer_sizes(self):
        return [layer._state_size() for layer in self.layers_]

    def _state_size(self):
        return sum(self._layer_sizes())

    def saturated_count(self, states):
        """Saturated state values of all layers (None if no layer saturates).

        ``states`` holds the features of all layers, concatenated in layer order.
        """
        sizes = [layer.n_features_out_ for layer in self.layers_]
        counts = [layer.saturated_count(part) for layer, part in
                  zip(self.layers_, np.split(states, np.cumsum(sizes)[:-1], axis=-1), strict=True)]
        counts = [count for count in counts if count is not None]
        return sum(counts) if counts else None

    def simulate(self, inputs, state, rng=None):
        """Advance a block of equal-length series through the stack, bottom layer first.

        Parameters
        ----------
        inputs : ndarray of shape (B, T, n_features_in_)
        state : ndarray of shape (B, S)
            Internal states of all layers, concatenated in layer order.
        rng : RandomStreams, numpy Generator or None
            Source of state noise, passed to every layer (see
            :meth:`reservoir.ESN.simulate`); each layer draws with its own seed.

        Returns
        -------
        states : ndarray of shape (B, T, n_features_out_)
        final_state : ndarray of shape (B, S)
        """
        rng = check_rng(rng, len(inputs))
        layer_input = inputs
        outputs, finals = [], []
        starts = _split_state(state, self._layer_sizes())
        for layer, start in zip(self.layers_, starts, strict=True):
            layer_input, final = layer.simulate(layer_input, start, rng=rng)
            outputs.append(layer_input)
            finals.append(final)
        return np.concatenate(outputs, axis=-1), np.concatenate(finals, axis=-1)


class BidirectionalESN(BaseReservoir):
    """Reads each series forwards and backwards and concatenates the two state sequences.

    A forward reservoir reads ``u[0], ..., u[T-1]``; a backward reservoir reads
    ``u[T-1], ..., u[0]``. Their features are concatenated, forward first, so
    the readout sees the past and the future of each step (Bianchi, Scardapane,
    Løkse & Jenssen 2020, "Reservoir computing approaches for representation
    and classification of multivariate time series", IEEE TNNLS 32(5)). The
    reservoir reads the future of the series: it is not causal
    (``causal = False``), so forecasters refuse it; use it in a
    :class:`~reservoir.ReservoirClassifier` or for offline per-step tasks in a
    :class:`~reservoir.ReservoirRegressor`.

    Parameters
    ----------
    reservoir : reservoir transformer, optional
        The (causal) reservoir run in each direction: an :class:`ESN`,
        :class:`DeepESN`, :class:`~reservoir.LSM`, ... Cloned at fit; its
        parameters are reachable as ``reservoir__<name>``. Default
        ``ESN(random_state=random_state)``.
    share_weights : bool, default=True
        True: both directions use the same fitted reservoir (same weights), as
        in Bianchi et al. (2020). False: the backward reservoir is a second
        clone whose ``random_state`` is drawn from ``random_state``, so its
        weights are independent; set ``random_state`` for reproducible results.
    alignment : {"time", "reading"}, default="time"
        How the backward features are lined up with the forward ones.

        - ``"time"``: row ``t`` holds the forward state after ``u[:t+1]`` and
          the backward state after ``u[t:]``: both describe step ``t``. Use it
          for per-step tasks (segmentation, event detection).
        - ``"reading"``: row ``k`` holds the states of both reservoirs after
          each has read ``k + 1`` values, as in Bianchi et al. (2020). The last
          row then summarises the whole series in both directions, which is
          what last-state pooling of a classifier needs.
    random_state : int, RandomState instance or None
        Seed of the default reservoir and of the independent backward reservoir
        (a given ``reservoir`` keeps its own seed for the forward direction).

    Attributes
    ----------
    forward_, backward_ : fitted reservoirs
        The same object when ``share_weights=True``.
    n_features_in_ : int
    n_features_out_ : int
        Forward plus backward features.

    Notes
    -----
    :meth:`simulate` reads the block it is given backwards: give it whole
    series. The internal state (``initial_state``/``final_state_``) is the
    forward state followed by the backward one; the backward part ends, after a
    run, in the state reached after reading the series down to its first step.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESN, BidirectionalESN
    >>> u = np.sin(np.linspace(0, 20, 200))
    >>> bi = BidirectionalESN(ESN(n_units=50, random_state=0)).fit(u)
    >>> bi.transform(u).shape
    (200, 100)
    """

    causal = False

    _parameter_constraints = {
        "reservoir": [None, InstanceOf(BaseReservoir, description="a reservoir (a "
                                       "reservoir.base.BaseReservoir such as ESN)")],
        "share_weights": [BOOLEAN],
        "alignment": [Options(*_ALIGNMENTS)],
        "random_state": [RANDOM_STATE],
    }

    def __init__(self, reservoir=None, share_weights=True, alignment="time", random_state=None):
        self.reservoir = reservoir
        self.share_weights = share_weights
        self.alignment = alignment
        self.random_state = random_state

    @property
    def _dtype(self):
        return _template_dtype(self.reservoir)

    def _check_params(self):
        """Nothing beyond ``_parameter_constraints`` (checked by ``fit``)."""

    def _initialize(self, n_features, rng):
        template = self.reservoir if self.reservoir is not None else ESN(
            random_state=self.random_state
        )
        self.forward_ = _fit_to_n_features(clone(template), n_features)
        if self.share_weights:
            self.backward_ = self.forward_
        else:
            backward = clone(template).set_params(random_state=rng.randint(0, 2**31 - 1))
            self.backward_ = _fit_to_n_features(backward, n_features)
        self.n_features_out_ = self.forward_.n_features_out_ + self.backward_.n_features_out_

    def __getstate__(self):
        """Pickled state; a backward reservoir shared with the forward one is stored once."""
        state = dict(super().__getstate__())  # a copy, not self.__dict__
        if "backward_" in state and state["backward_"] is state.get("forward_"):
            del state["backward_"]
            state["_backward_is_forward"] = True
        return state

    def __setstate__(self, state):
        state = dict(state)
        if state.pop("_backward_is_forward", False):
            state["backward_"] = state["forward_"]
        super().__setstate__(state)

    def _state_sizes(self):
        return [self.forward_._state_size(), self.backward_._state_size()]

    def _state_size(self):
        return sum(self._state_sizes())

    def saturated_count(self, states):
        """Saturated state values of both directions (None if the reservoir does not saturate)."""
        return self.forward_.saturated_count(states)

    def default_state(self, batch_size):
        """Resting states of the forward and backward reservoirs, concatenated.

        Parameters
        ----------
        batch_size : int

        Returns
        -------
        ndarray of shape (batch_size, S)
        """
        return np.concatenate(
            [self.forward_.default_state(batch_size), self.backward_.default_state(batch_size)],
            axis=1,
        )

    def simulate(self, inputs, state, rng=None):
        """Read a block of equal-length series forwards and backwards.

        Parameters
        ----------
        inputs : ndarray of shape (B, T, n_features_in_)
            Whole series: the backward reservoir starts at their last step.
        state : ndarray of shape (B, S)
            Forward internal state followed by the backward one.
        rng : RandomStreams, numpy Generator or None
            Source of the random draws of both directions (see
            :mod:`reservoir.base`); per-series streams give the backward pass
            streams of its own (:meth:`RandomStreams.derived`), so that the two
            directions draw independently even when they share weights.

        Returns
        -------
        states : ndarray of shape (B, T, n_features_out_)
        final_state : ndarray of shape (B, S)
        """
        rng = check_rng(rng, len(inputs))
        if rng is None:  # the streams of the series themselves, as for a causal reservoir
            rng = RandomStreams.of(inputs)
        backward_rng = rng.derived(1) if isinstance(rng, RandomStreams) else rng
        forward_start, backward_start = _split_state(state, self._state_sizes())
        forward, forward_final = self.forward_.simulate(inputs, forward_start, rng=rng)
        backward, backward_final = self.backward_.simulate(
            np.ascontiguousarray(inputs[:, ::-1]), backward_start, rng=backward_rng
        )
        if self.alignment == "time":
            backward = backward[:, ::-1]
        states = np.concatenate([forward, backward], axis=-1)
        return states, np.concatenate([forward_final, backward_final], axis=-1)
