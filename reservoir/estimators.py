"""Reservoir estimators: a fixed reservoir, a trained readout, a washout.

* :class:`ReservoirRegressor` maps an input series to a target series step by
  step (e.g. NARMA).
* :class:`ReservoirForecaster` learns ``y[t] -> y[t+1]`` with teacher forcing
  and generates in closed loop, feeding its own predictions back.

Both take any reservoir that honours :class:`reservoir.base.BaseReservoir`
(``ESN``, ``LSM``, deep variants) and any scikit-learn regressor as readout.
With the default :class:`~reservoir.readouts.RidgeReadout`, states are
streamed into the readout's accumulated normal equations block by block, so
memory does not grow with the length of the training series.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from ._batching import equal_length_blocks
from ._forecaster import BaseForecaster, ForecastLayout
from ._scaling import SCALINGS, SeriesScaler
from ._scoring import SequenceRegressorMixin
from ._validation import (
    BOOLEAN,
    RANDOM_STATE,
    InstanceOf,
    Interval,
    Options,
    Satisfies,
    check_bool,
    check_paired_series,
    check_series,
    check_supervised_series,
    check_washout,
    record_n_features,
    validate_params,
)
from .base import (
    SATURATION_LEVEL,
    SATURATION_WARNING_FRACTION,
    BaseReservoir,
    RandomStreams,
    adds_state_noise,
    series_key,
)
from .esn import ESN
from .exceptions import SaturationWarning
from .readouts import RidgeReadout

__all__ = [
    "MIN_BLOCK_STEPS",
    "STATE_BLOCK_STEPS",
    "STATE_BLOCK_VALUES",
    "ReservoirForecaster",
    "ReservoirRegressor",
    "expected_failed_checks",
]

#: Most time steps simulated per block when states are streamed into the readout.
STATE_BLOCK_STEPS = 4096
#: Most state values (series x steps x features) of one simulated block: 32 MB in float64.
#: Fits and predictions run in blocks of this size, so their memory depends on the
#: reservoir's size, not on the length or the number of the series.
STATE_BLOCK_VALUES = 2**22
#: Fewest steps per block when a group of series is split to respect STATE_BLOCK_VALUES.
MIN_BLOCK_STEPS = 256


def expected_failed_checks(estimator) -> dict[str, str]:
    """The scikit-learn estimator checks a sequence model fails by nature, with the reason.

    Pass the result to ``sklearn.utils.estimator_checks.check_estimator(...,
    expected_failed_checks=...)``. Rows of ``X`` are time steps of one series,
    not independent samples, so any check that permutes or subsets rows and
    expects the per-row outputs to stay the same cannot hold.

    Parameters
    ----------
    estimator : estimator instance

    Returns
    -------
    dict of str -> str
    """
    own = getattr(estimator, "_expected_failed_checks", None)
    if own is not None:
        return own()
    return _sequence_failed_checks(estimator)


def _sequence_failed_checks(estimator) -> dict[str, str]:
    """The checks every sequence model fails (reservoirs also record their final state)."""
    sequence = {
        "check_methods_subset_invariance": (
            "rows are time steps: the output at a step depends on the steps before it"
        ),
        "check_methods_sample_order_invariance": (
            "rows are time steps: reordering them changes the reservoir's trajectory"
        ),
        "check_fit1d": "a 1-D array is one univariate series by the library's data conventions",
    }
    if isinstance(estimator, BaseReservoir):
        sequence["check_dict_unchanged"] = (
            "transform records the final reservoir state in final_state_ so a run can be continued"
        )
    return sequence


class _SeriesStream:
    """Series run through a reservoir chunk by chunk: their keys, positions and states.

    ``keys`` (B,) key each series' random streams (:func:`reservoir.base.series_key`
    of its first chunk as the caller gave it), ``steps`` (B,) count the steps fed
    so far (the position of the random streams, and of the washout), ``states``
    (B, S) are the reservoir states where the series stand. A training stream
    also keeps ``clean``, the noise-free state of its last series when the
    reservoir adds state noise (where forecasts and ``initial_state="end"``
    start), and for forecasters ``pending``, the last observation of each
    series, fed as an input once the next observation is its target.
    """

    def __init__(self, keys, states, steps=None):
        self.keys = np.asarray(keys, dtype=np.uint64).reshape(-1)
        self.states = np.array(states)
        self.steps = (np.zeros(len(self.keys), dtype=np.int64) if steps is None
                      else np.array(steps, dtype=np.int64))
        self.clean = None
        self.pending = None

    @classmethod
    def start(cls, reservoir, sources):
        """Fresh series at rest, keyed by ``sources`` (the caller's unscaled series)."""
        stream = cls([series_key(s) for s in sources], reservoir.default_state(len(sources)))
        if adds_state_noise(reservoir):
            stream.clean = reservoir.default_state(1)[0]
        return stream

    def last_series_without_noise(self):
        """A stream of the last series alone, at its noise-free state."""
        state = self.states[-1] if self.clean is None else self.clean
        return _SeriesStream(self.keys[-1:], state[None], self.steps[-1:])

    def end_state(self):
        """The noise-free state where the last series stands."""
        return np.array(self.states[-1] if self.clean is None else self.clean)


class _StateMonitor:
    """Watches the training states of one fit: refuses non-finite ones, counts saturated ones.

    Obtained through :meth:`_ReservoirModel._state_monitor`.
    """

    def __init__(self, reservoir):
        self.reservoir = reservoir
        self.n_saturated = 0
        self.n_values = 0

    def observe(self, states):
        """Check one block of states (..., n_features_out_)."""
        if not np.isfinite(states).all():
            raise ValueError(
                f"The reservoir's training states are infinite or NaN "
                f"({type(self.reservoir).__name__}({self.reservoir._regime()})): the "
                "reservoir is unstable for these inputs, so no readout can be fitted. Lower "
                "spectral_radius, use activation='tanh', or scale the inputs (scale='standard')."
            )
        count = self.reservoir.saturated_count(states)
        if count is not None:
            self.n_saturated += count
            self.n_values += states.size

    def warn_if_saturated(self):
        """Warn when most training state values were saturated."""
        if not self.n_values or self.n_saturated <= SATURATION_WARNING_FRACTION * self.n_values:
            return
        warnings.warn(
            f"{self.n_saturated / self.n_values:.0%} of the reservoir's training state values "
            f"are saturated (|x| > {SATURATION_LEVEL}): its units pass on little more than "
            f"the sign of their input ({type(self.reservoir).__name__}"
            f"({self.reservoir._regime()})). Scale the inputs (scale='standard' in the "
            "estimator) or lower input_scaling, bias_scaling or spectral_radius.",
            SaturationWarning, stacklevel=4,
        )


def with_default_components(model, params, components=("reservoir", "readout")):
    """``params`` plus the default of each None component that a nested name reaches.

    For each component (``reservoir``, ``readout``) that is None in ``model``
    (or set to None by ``params``) while ``params`` names one of its
    parameters (``reservoir__spectral_radius``), the returned dict also sets
    the component to its default, ``model._default_component(name,
    random_state)``, seeded with the ``random_state`` in ``params`` or the
    model's. Used by ``set_params`` of the reservoir estimators and of their
    sktime forecasters (:mod:`reservoir.sktime`).

    Parameters
    ----------
    model : estimator with the components as parameters and ``_default_component``
    params : dict
        Parameters about to be set.
    components : tuple of str
        Names of the component parameters.

    Returns
    -------
    dict
    """
    for name in components:
        nested = any(key.startswith(f"{name}__") for key in params)
        if nested and params.get(name, getattr(model, name)) is None:
            random_state = params.get("random_state", getattr(model, "random_state", None))
            params = {**params, name: model._default_component(name, random_state)}
    return params


def _has_fit_and_predict(value):
    return hasattr(value, "fit") and hasattr(value, "predict")


class _ReservoirModel(BaseEstimator):
    """Shared machinery: building the reservoir and readout, feature blocks, readout calls."""

    #: Constraints of the parameters every reservoir estimator has (see validate_params).
    _parameter_constraints: dict = {
        "reservoir": [InstanceOf(BaseReservoir, description=(
            "a reservoir (a reservoir.base.BaseReservoir such as ESN, LSM or DeepESN; the "
            "trained part goes in readout=)")), None],
        "readout": [Satisfies(_has_fit_and_predict, (
            "a scikit-learn estimator with fit and predict (e.g. RidgeReadout, Ridge)")), None],
        "washout": [Interval("integer", 0, None)],
        "include_input": [BOOLEAN],
        "scale": [Options(*(s for s in SCALINGS if s is not None)), None],
        "random_state": [RANDOM_STATE],
    }
    #: ESN parameters of the default reservoir (``reservoir=None``) besides the ESN's defaults.
    _default_reservoir_params: dict = {}

    def _state_monitor(self):
        """A fresh watcher of one fit's training states: refuses non-finite, counts saturated."""
        return _StateMonitor(self.reservoir_)

    def _expected_failed_checks(self) -> dict[str, str]:
        """The scikit-learn checks this estimator fails by nature (see expected_failed_checks)."""
        return _sequence_failed_checks(self)

    def _default_component(self, name, random_state=None):
        """The component used for ``name`` ("reservoir" or "readout") when it is None."""
        if name == "reservoir":
            return ESN(random_state=random_state, **self._default_reservoir_params)
        return RidgeReadout()

    def set_params(self, **params):
        """Set parameters; a nested name on a default component builds that component first.

        With ``reservoir=None`` (or ``readout=None``), a nested name such as
        ``reservoir__spectral_radius`` (``readout__alpha``) first sets
        ``reservoir`` (``readout``) to the component the estimator would build
        at fit (``ESN(random_state=random_state)``, :class:`RidgeReadout`),
        then sets the nested parameter on it; so ``GridSearchCV`` over nested
        names works with the default components. The built reservoir keeps the
        seed it was given: a later change of ``random_state`` no longer reaches
        it.

        Parameters
        ----------
        **params : dict
            Estimator parameters, nested ones as ``<component>__<parameter>``.

        Returns
        -------
        self
        """
        return super().set_params(**with_default_components(self, params))

    def _build(self, inputs: list):
        """Clone and fit the reservoir on ``inputs``; clone the readout."""
        reservoir = self.reservoir
        if reservoir is None:
            reservoir = self._default_component("reservoir", self.random_state)
        self.reservoir_ = clone(reservoir).fit(inputs)
        readout = self.readout if self.readout is not None else self._default_component("readout")
        self.readout_ = clone(readout)

    def _features(self, states, inputs):
        """Readout features for one block: states, followed by the inputs if include_input."""
        if self.include_input:
            return np.concatenate([states, inputs.astype(states.dtype, copy=False)], axis=-1)
        return states

    def _block_rows(self):
        """Series x steps of one simulated block: ``STATE_BLOCK_VALUES`` state values."""
        return max(STATE_BLOCK_VALUES // max(self.reservoir_.n_features_out_, 1), 1)

    def _block_steps(self, n_series, length):
        """Steps simulated at once for ``n_series`` series of ``length`` steps.

        At most ``STATE_BLOCK_VALUES`` state values and ``STATE_BLOCK_STEPS``
        steps per block, so that the memory of a fit or a prediction depends
        on the reservoir's size and not on the length or number of the series.
        A non-causal (bidirectional) reservoir sees each series whole.
        """
        if not self.reservoir_.causal:
            return length
        return max(1, min(STATE_BLOCK_STEPS, self._block_rows() // n_series))

    def _simulated_blocks(self, inputs, stream, *, noise):
        """Yield ``(rows, start, states, U)``: the reservoir run over ``inputs`` in blocks.

        ``inputs`` holds one (T_i, d) array per series of ``stream``; each series
        continues from the stream's state and position, which are updated.
        ``rows`` are the positions (in ``inputs``) of the block's series and
        ``start`` the block's first step within this call. Series of equal
        length advance together, at most ``_block_rows() // MIN_BLOCK_STEPS``
        of them at once (:meth:`_block_steps` bounds the steps).
        """
        max_batch = max(1, self._block_rows() // MIN_BLOCK_STEPS)
        for members, U in equal_length_blocks(inputs, max_batch=max_batch):
            rows, length = np.asarray(members), U.shape[1]
            if length == 0:
                continue
            steps = self._block_steps(len(rows), length)
            state = stream.states[rows]
            streams = RandomStreams(stream.keys[rows], stream.steps[rows], state_noise=noise)
            for start in range(0, length, steps):
                stop = min(start + steps, length)
                states, state = self.reservoir_.simulate(U[:, start:stop], state,
                                                         rng=streams.shifted(start))
                yield rows, start, states, U[:, start:stop]
            stream.states[rows] = state
            stream.steps[rows] += length

    def _training_blocks(self, inputs: list, targets: list, washout: int, stream):
        """Yield (features, targets) blocks for the readout, washout steps excluded.

        ``inputs`` and ``targets`` hold one (T_i, .) array per series of
        ``stream`` (a :class:`_SeriesStream`): each series continues from
        where the stream's previous chunk left it, and its first ``washout``
        steps (counted from the start of the series, over all chunks) are not
        fitted. State noise is on (training). Each series draws from its own
        random stream, keyed by the series (its first chunk, as the caller gave
        it) and positioned at each block's step, so the states do not depend
        on the other series, on the block size or on how the series is cut
        into chunks. The key is the caller's series, not the scaled one:
        scaling statistics, fitted on all training series, change in their
        last bits with the order of the series, and so would a key computed
        after scaling.
        """
        monitor = self._state_monitor()
        offsets = stream.steps.copy()
        for rows, start, states, U in self._simulated_blocks(inputs, stream, noise=True):
            n_steps = states.shape[1]
            keeps = np.clip(washout - (offsets[rows] + start), 0, n_steps)
            distinct = np.unique(keeps)
            Y = np.stack([targets[i][start:start + n_steps] for i in rows])
            for keep in distinct:
                if keep >= n_steps:
                    continue
                chosen = slice(None) if len(distinct) == 1 else keeps == keep
                kept = states[chosen, keep:]
                monitor.observe(kept)
                F = self._features(kept, U[chosen, keep:])
                yield F.reshape(-1, F.shape[-1]), Y[chosen, keep:].reshape(-1, Y.shape[-1])
        monitor.warn_if_saturated()

    def _fit_readout(self, blocks, streamed=None):
        """Fit the readout on feature blocks: streamed (``partial_fit``) or concatenated.

        ``streamed`` defaults to streaming for a :class:`RidgeReadout` only: its
        ``partial_fit`` equals its ``fit``, which a stochastic readout's does not.
        """
        if streamed is None:
            streamed = isinstance(self.readout_, RidgeReadout)
        if streamed:
            for F, Y in blocks:
                self.readout_.partial_fit(F, Y[:, 0] if self.n_outputs_ == 1 else Y)
            return
        pairs = list(blocks)
        # In float64 whatever the states' dtype: readout sums are accumulated in double.
        F = np.concatenate([f for f, _ in pairs], dtype=np.float64)
        Y = np.concatenate([y for _, y in pairs])
        self.readout_.fit(F, Y[:, 0] if self.n_outputs_ == 1 else Y)

    def _check_streaming(self, new_series):
        """Validate a ``partial_fit`` call's settings; return True for the first call."""
        check_bool(new_series, "new_series")
        first = not hasattr(self, "_stream")
        if first:
            validate_params(self)
            readout = (self.readout if self.readout is not None
                       else self._default_component("readout"))
            reservoir = self.reservoir
        else:
            readout, reservoir = self.readout_, self.reservoir_
        if not hasattr(readout, "partial_fit"):
            raise TypeError(
                f"partial_fit needs a readout with partial_fit (e.g. RidgeReadout); "
                f"readout is a {type(readout).__name__}. Use fit, or a readout that learns "
                "incrementally."
            )
        if reservoir is not None and not reservoir.causal:
            raise ValueError(
                f"partial_fit needs a causal reservoir: a {type(reservoir).__name__} reads "
                "each series backwards too, so a series cannot be continued chunk by chunk. "
                "Use fit on whole series."
            )
        return first

    def _check_series_count(self, n_series, new_series):
        """A chunk that continues the current series holds one chunk per series."""
        if not new_series and n_series != len(self._stream.keys):
            raise ValueError(
                f"This call holds {n_series} series, but the model is continuing "
                f"{len(self._stream.keys)}; pass one chunk per series being continued, or "
                "new_series=True to start new series (the readout keeps what it has learnt)."
            )

    def _train(self, inputs, targets, streamed):
        """Fit the readout on the next chunk of each series of the stream (scaled data).

        Also follows the last series without state noise, when the reservoir
        adds it: its noise-free end state is where forecasts continue.
        """
        stream = self._stream
        clean = stream.last_series_without_noise() if stream.clean is not None else None
        self._fit_readout(self._training_blocks(inputs, targets, int(self.washout), stream),
                          streamed)
        if clean is not None:
            for _ in self._simulated_blocks([inputs[-1]], clean, noise=False):
                pass
            stream.clean = clean.states[0]

    def _predict_into(self, inputs, sources, start, noise, outputs):
        """Readout predictions (in the user's units) of scaled ``inputs`` into ``outputs``.

        ``sources`` (the caller's series) key the random streams; ``start``
        (B, S) are the initial states; ``outputs`` one (T_i, n_outputs_) array
        per series. The reservoir runs block by block.
        """
        stream = _SeriesStream([series_key(s) for s in sources], start)
        for rows, first, states, U in self._simulated_blocks(inputs, stream, noise=noise):
            predicted = self.target_scaler_.inverse_transform(
                self._readout_predict(self._features(states, U)))
            for j, i in enumerate(rows):
                outputs[i][first:first + states.shape[1]] = predicted[j]

    def _readout_is_trained(self):
        """Raise a clear error when no training step past the washout has been fitted yet."""
        check_is_fitted(self)
        try:
            check_is_fitted(self.readout_)
        except NotFittedError as exc:  # partial_fit has seen only washout steps
            raise NotFittedError(
                f"{type(self).__name__} has seen no training step past the washout "
                f"(washout={self.washout}, steps per series so far: "
                f"{self._stream.steps.tolist()}); call partial_fit with more data first."
            ) from exc

    def _readout_predict(self, F):
        """Readout predictions as a 2-D array (n, n_outputs_)."""
        flat = F.reshape(-1, F.shape[-1])
        pred = np.asarray(self.readout_.predict(flat), dtype=float)
        return pred.reshape(*F.shape[:-1], self.n_outputs_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class ReservoirRegressor(SequenceRegressorMixin, _ReservoirModel):
    """Per-time-step regression on the states of a fixed reservoir.

    The reservoir turns the input series ``X`` into a state series; a readout
    trained on the states (after ``washout`` steps of each series) maps them
    to the target ``y`` at the same step.

    Parameters
    ----------
    reservoir : reservoir transformer, optional
        Any :class:`reservoir.base.BaseReservoir` (``ESN``, ``LSM``, ...);
        cloned at fit. Default ``ESN(random_state=random_state)``.
    readout : scikit-learn regressor, optional
        Cloned at fit. Default :class:`~reservoir.readouts.RidgeReadout`.
        Nested names (``readout__alpha``, ``reservoir__spectral_radius``)
        also work with the default components (see :meth:`set_params`).
    washout : int, default=0
        Initial steps of each series excluded from fitting and scoring, while
        the reservoir forgets its initial state.
    include_input : bool, default=True
        Concatenate the current input to the state before the readout, as in
        Jaeger's and Lukoševičius' ESNs.
    scale : {"standard", "minmax", None}, default="standard"
        How inputs and targets are brought to the reservoir's working range,
        with statistics of the training data (see :mod:`reservoir._scaling`):
        each feature to zero mean and unit variance, its training range to
        [-1, 1], or left as given. The reservoir's defaults are tuned for
        inputs of unit spread around zero. Predictions are returned in the
        units of ``y``.
    random_state : int, RandomState instance or None
        Seed of the default reservoir (ignored when ``reservoir`` is given,
        which keeps its own seed).

    Attributes
    ----------
    reservoir_ : fitted reservoir
    readout_ : fitted readout (on scaled inputs and targets)
    input_scaler_, target_scaler_ : reservoir._scaling.SeriesScaler
        The fitted scaling of ``X`` and ``y`` (identity maps when ``scale=None``).
    n_features_in_ : int
    n_outputs_ : int
    last_state_ : ndarray of shape (S,)
        Reservoir state at the end of the (last) training series, without
        state noise: where ``predict(X, initial_state="end")`` starts.

    Warns
    -----
    reservoir.exceptions.SaturationWarning
        At fit, when most training state values of a tanh reservoir are saturated.

    Examples
    --------
    >>> from reservoir import ESN, ReservoirRegressor
    >>> from reservoir.datasets import narma
    >>> u, y = narma(n_steps=1200, order=10, random_state=0)
    >>> reg = ReservoirRegressor(ESN(n_units=100, random_state=0), washout=100)
    >>> r2 = reg.fit(u[:1000], y[:1000]).score(u[1000:], y[1000:])
    """

    def __init__(self, reservoir=None, readout=None, washout=0, include_input=True,
                 scale="standard", random_state=None):
        self.reservoir = reservoir
        self.readout = readout
        self.washout = washout
        self.include_input = include_input
        self.scale = scale
        self.random_state = random_state

    def fit(self, X, y):
        """Fit the readout on the reservoir states of ``X`` to the targets ``y``.

        States are computed and folded into the readout block by block (at
        most ``STATE_BLOCK_VALUES`` values at once), so with the default
        :class:`~reservoir.readouts.RidgeReadout` the memory of a fit depends
        on the reservoir's size, not on the length of the series.

        Parameters
        ----------
        X : array-like (T,) or (T, d), list of such, or (n, T, d) array
        y : array-like (T,) or (T, k) per series, same structure and lengths as X

        Returns
        -------
        self
        """
        validate_params(self)
        Xs, ys, _ = check_supervised_series(self, X, y, self.washout)
        self._start(Xs, ys)
        self._consume(Xs.series, ys.series, new_series=True, streamed=None)
        return self

    def partial_fit(self, X, y, new_series=False):
        """Fit on one more chunk of the training series, continuing where the last chunk ended.

        Each call runs the reservoir on the chunk from the state where the
        previous chunk of the same series left it (and continues its random
        streams), and adds the chunk's states to the readout's accumulated
        statistics; the model can predict after any call. A fit in chunks
        equals the one-shot :meth:`fit` on the whole series (up to rounding),
        with these differences: the first call fixes the scaling statistics
        (``scale=``) from its own data, so use ``scale=None`` (or scale the data
        yourself) for a chunked fit to match a one-shot fit exactly; and a
        reservoir with state noise keys each series' noise by its first chunk.
        ``washout`` counts from the start of each series, over all its chunks.
        :meth:`fit` after ``partial_fit`` starts afresh; ``partial_fit`` after
        :meth:`fit` continues the series of that fit.

        Parameters
        ----------
        X : array-like (T,) or (T, d), list of such, or (n, T, d) array
            The next chunk of each series being fitted (one chunk per series,
            in the same order, every call), or the first chunks of new series.
        y : targets of the chunk(s), same structure and lengths as X
        new_series : bool, default=False
            Start new series from the resting state (their washout applies
            again) instead of continuing the current ones; the readout keeps
            what it has learnt. The first call always starts new series.

        Returns
        -------
        self

        Raises
        ------
        TypeError
            The readout has no ``partial_fit`` (e.g. scikit-learn's ``Ridge``).
        ValueError
            The number of series differs from the one being continued, or the
            reservoir is not causal (bidirectional).
        """
        first = self._check_streaming(new_series)
        Xs, ys = check_series(X, name="X"), check_series(y, name="y")
        check_paired_series(Xs, ys)
        if first:
            self._start(Xs, ys)
        else:
            self._check_series_count(len(Xs), new_series)
            record_n_features(self, Xs, reset=False)
            if ys.n_features != self.n_outputs_:
                raise ValueError(f"y has {ys.n_features} target feature(s), but the model was "
                                 f"fitted with {self.n_outputs_}; every chunk must have the same.")
        self._consume(Xs.series, ys.series, new_series=first or new_series, streamed=True)
        return self

    def _start(self, Xs, ys):
        """Record the data's shape, fit the scalings, build the reservoir and the readout."""
        record_n_features(self, Xs, reset=True)
        self._start_from(SeriesScaler.fit(self.scale, Xs.series),
                         SeriesScaler.fit(self.scale, ys.series), ys.n_features, ys.was_1d,
                         Xs.series)

    def _start_from(self, input_scaler, target_scaler, n_outputs, y_1d, X_series):
        """Set the scalings and the targets' shape; build the reservoir on ``X_series``."""
        self.n_outputs_ = n_outputs
        self._y_1d = y_1d
        self.input_scaler_, self.target_scaler_ = input_scaler, target_scaler
        self._build(self.input_scaler_.transform_all(X_series))

    def _consume(self, X_series, y_series, *, new_series, streamed):
        """Run chunks of training series (new ones, or the stream's next) into the readout."""
        if new_series:
            self._stream = _SeriesStream.start(self.reservoir_, X_series)
        self._train(self.input_scaler_.transform_all(X_series),
                    self.target_scaler_.transform_all(y_series), streamed)
        self.last_state_ = self._stream.end_state()

    def _start_states(self, initial_state):
        """The ``initial_state`` argument of :meth:`predict` as reservoir states (or None)."""
        if initial_state is None:
            return None
        if isinstance(initial_state, str):
            if initial_state != "end":
                raise ValueError('initial_state must be None, "end" or an array of reservoir '
                                 f"states; got {initial_state!r}.")
            if not self.reservoir_.causal:
                raise ValueError(
                    'initial_state="end" needs a causal reservoir: the state of a '
                    f"{type(self.reservoir_).__name__} at the end of training depends on the "
                    "whole training series read backwards, so nothing continues from it."
                )
            return self.last_state_
        return np.asarray(initial_state)

    def predict(self, X, noise=False, initial_state=None, out=None):
        """Predict the target at every step of ``X`` (washout steps included).

        The reservoir runs in blocks (at most ``STATE_BLOCK_VALUES`` state
        values at once), so memory beyond the predictions themselves does not
        grow with the length of ``X``; with ``out=`` a NumPy memmap, it does
        not grow at all.

        Parameters
        ----------
        X : array-like (T,) or (T, d), list of such, or (n, T, d) array
        noise : bool, default=False
            Add the reservoir's state noise, as in training. Off by default:
            state noise is a training-time regulariser. Each series draws its
            own noise (keyed by its values), so its prediction does not depend
            on the other series of ``X``.
        initial_state : None, "end", or array-like of shape (S,) or (n_series, S)
            The reservoir state every series of ``X`` starts from. None (the
            default): the resting state, as in training. ``"end"``: the state at
            the end of the (last) training series, ``last_state_``, so that a
            test segment that follows the training series is predicted without
            re-running the past; for a deterministic reservoir (an ESN without
            state noise, ``noise=False``) the predictions equal those of the
            whole series, training part included, on the test steps. An array:
            given states, e.g. the final state of ``reservoir_.run``.
        out : ndarray (or list of ndarrays for a list X), optional
            Where to write the predictions, shaped like the result (e.g. a
            ``numpy.memmap`` for a series whose predictions do not fit in
            memory); it is returned.

        Returns
        -------
        y_pred : same structure as X; (T,) per series when y was 1-D at fit
        """
        self._readout_is_trained()
        noise = check_bool(noise, "noise")
        Xs = check_series(X, name="X")
        record_n_features(self, Xs, reset=False)
        start = self.reservoir_._initial_states(self._start_states(initial_state), len(Xs))
        outputs = self._prediction_buffers(Xs, out)
        self._predict_into(self.input_scaler_.transform_all(Xs.series), Xs.series, start, noise,
                           outputs)
        if out is not None:
            return out
        return Xs.restore([o[:, 0] for o in outputs] if self._y_1d else outputs)

    def _prediction_buffers(self, Xs, out):
        """One (T_i, n_outputs_) array per series: fresh, or views into ``out``."""
        k = self.n_outputs_
        if out is None:
            return [np.empty((length, k)) for length in Xs.lengths]
        shapes = [(length,) if self._y_1d else (length, k) for length in Xs.lengths]
        if Xs.layout == "list":
            parts = list(out) if isinstance(out, (list, tuple)) else None
        elif Xs.layout == "array":
            parts = list(out) if getattr(out, "shape", None) == (len(Xs), *shapes[0]) else None
        else:
            parts = [out] if getattr(out, "shape", None) == shapes[0] else None
        if parts is None or len(parts) != len(shapes) or any(
                getattr(p, "shape", None) != shape for p, shape in zip(parts, shapes, strict=True)):
            expected = (shapes[0] if Xs.layout == "single" else
                        f"a list of arrays of shapes {shapes}" if Xs.layout == "list" else
                        (len(Xs), *shapes[0]))
            raise ValueError(f"out must have the shape of the predictions, {expected}; got "
                             f"{getattr(out, 'shape', type(out).__name__)}.")
        return [p.reshape(len(p), k) for p in parts]

class ReservoirForecaster(BaseForecaster, _ReservoirModel):
    """Autoregressive forecaster: teacher-forced training, closed-loop generation.

    Training feeds the true ``y[t]`` (and the exogenous ``X[t]``) and fits the
    readout to predict ``y[t+1]``. :meth:`predict` then runs in closed loop,
    feeding each prediction back as the next input.

    Parameters
    ----------
    reservoir : reservoir transformer, optional
        Must be causal (a bidirectional reservoir is refused). Default
        ``ESN(random_state=random_state)``.
    readout : scikit-learn regressor, optional
        Default :class:`~reservoir.readouts.RidgeReadout`. Nested names
        (``readout__alpha``, ``reservoir__spectral_radius``) also work with the
        default components (see :meth:`set_params`).
    washout : int, default=100
        Initial steps of each training series excluded from fitting.
    include_input : bool, default=True
        Concatenate the current input to the state before the readout.
    scale : {"standard", "minmax", None}, default="standard"
        How ``y`` (and the exogenous ``X``) are brought to the reservoir's
        working range, with statistics of the training data: each feature to
        zero mean and unit variance, its training range to [-1, 1], or left as
        given. The closed loop runs in these units; forecasts come back in the
        units of ``y``.
    divergence_factor : float > 0, default=1.0
        A closed-loop forecast that leaves the range of the training data by
        more than this multiple of the range's width (or turns non-finite)
        triggers a :class:`~reservoir.exceptions.ForecastDivergenceWarning`.
    random_state : int, RandomState instance or None
        Seed of the default reservoir.

    Attributes
    ----------
    reservoir_, readout_ : fitted reservoir and readout (in scaled units)
    target_scaler_, exog_scaler_ : reservoir._scaling.SeriesScaler
        The fitted scaling of ``y`` and ``X`` (identity maps when ``scale=None``
        or without exogenous inputs).
    training_range_ : tuple of two ndarrays of shape ``(n_outputs_,)``
        Per-feature minimum and maximum of the training ``y``, the reference
        of the divergence warning.
    n_features_in_ : int
        Number of features of ``y`` plus those of ``X``.
    n_outputs_ : int
        Number of features of ``y``.
    last_state_ : ndarray of shape (S,)
        Reservoir state at the end of the (last) training series.

    Warns
    -----
    reservoir.exceptions.SaturationWarning
        At fit, when most training state values of a tanh reservoir are saturated.
    reservoir.exceptions.ForecastDivergenceWarning
        At predict, when the forecast diverges (see ``divergence_factor``).

    Examples
    --------
    >>> from reservoir import ESN, ReservoirForecaster
    >>> from reservoir.datasets import mackey_glass
    >>> y = mackey_glass(n_steps=2000, random_state=0)
    >>> model = ReservoirForecaster(ESN(n_units=200, random_state=0), washout=100).fit(y[:1500])
    >>> path = model.predict(n_steps=50)
    >>> path.shape
    (50,)
    """

    _parameter_constraints = {**_ReservoirModel._parameter_constraints,
                              **BaseForecaster._parameter_constraints}

    def __init__(self, reservoir=None, readout=None, washout=100, include_input=True,
                 scale="standard", divergence_factor=1.0, random_state=None):
        self.reservoir = reservoir
        self.readout = readout
        self.washout = washout
        self.include_input = include_input
        self.scale = scale
        self.divergence_factor = divergence_factor
        self.random_state = random_state

    # -- input assembly ------------------------------------------------------------
    @staticmethod
    def _sources(series, exog):
        """The reservoir inputs as the caller gave them (unscaled): they key the random streams."""
        if exog is None:
            return list(series)
        return [np.concatenate([y, x], axis=1) for y, x in zip(series, exog, strict=True)]

    def _inputs(self, series, exog):
        """Scaled reservoir inputs per series: y, followed by the exogenous X when given."""
        targets = self.target_scaler_.transform_all(series)
        if exog is None:
            return targets
        exogenous = self.exog_scaler_.transform_all(exog)
        return [np.concatenate([y, x], axis=1) for y, x in zip(targets, exogenous, strict=True)]

    # -- hooks of the forecaster template -------------------------------------------
    def _fit(self, series, exog):
        """Teacher forcing: input ``y[t]`` (and ``X[t]``), target ``y[t+1]``."""
        self._refuse_non_causal()
        check_washout(self.washout, [len(s) for s in series], extra=1)
        self._start(series, exog)
        self._consume(series, exog, new_series=True, streamed=None)

    def _refuse_non_causal(self):
        if not getattr(self.reservoir, "causal", True):
            raise ValueError(
                "reservoir must be causal for forecasting: a bidirectional reservoir reads "
                "the future of the series. Use it in a regressor or classifier instead."
            )

    def partial_fit(self, y, X=None, new_series=False):
        """Fit on one more chunk of the training series, continuing where the last chunk ended.

        Teacher forcing across chunks: the last observation of a chunk is the
        input whose target is the first observation of the next chunk of the
        same series. Each call runs the reservoir from the state where the
        previous chunk left it (continuing its random streams) and adds the
        chunk's states to the readout's statistics; the model can forecast
        after any call, continuing the end of the last series. A fit in chunks
        equals the one-shot :meth:`fit` on the whole series (up to rounding),
        except that the first call fixes the scaling statistics (``scale=``)
        from its own data (use ``scale=None``, or scale the data yourself, for
        an exact match) and that a reservoir with state noise keys each series'
        noise by its first chunk. ``washout`` counts from the start of each
        series, over all its chunks; ``training_range_`` (the reference of the
        divergence warning) grows with every chunk.

        Parameters
        ----------
        y : series, list of series or (n, T, d) array
            The next chunk of each series being fitted (one chunk per series,
            in the same order, every call), or the first chunks of new series.
            The first call needs at least 2 steps per series.
        X : exogenous inputs aligned with ``y``, optional
            Required exactly when the first call had them.
        new_series : bool, default=False
            Start new series from the resting state (their washout applies
            again) instead of continuing the current ones; the readout keeps
            what it has learnt. The first call always starts new series.

        Returns
        -------
        self

        Raises
        ------
        TypeError
            The readout has no ``partial_fit`` (e.g. scikit-learn's ``Ridge``).
        ValueError
            The number of series differs from the one being continued.
        """
        first = self._check_streaming(new_series)
        if first:
            self._refuse_non_causal()
            series, exog = self._start_training(y, X)
            self._start(series, exog)
        else:
            series, exog = self._continue_training(y, X)
            self._check_series_count(len(series), new_series)
        self._consume(series, exog, new_series=first or new_series, streamed=True)
        return self

    def _start(self, series, exog):
        """Fit the scalings of y and X, build the reservoir and the readout."""
        self._start_from(SeriesScaler.fit(self.scale, series),
                         SeriesScaler.fit(self.scale if exog is not None else None, exog),
                         series, exog)

    def _start_from(self, target_scaler, exog_scaler, series, exog):
        """Set the scalings; build the reservoir on ``series`` (and ``exog``)."""
        self.target_scaler_, self.exog_scaler_ = target_scaler, exog_scaler
        self._build(self._inputs(series, exog))

    def _consume(self, series, exog, *, new_series, streamed):
        """Teacher-force chunks of training series (new ones, or the stream's next).

        Each series' pending observation (the last of its previous chunk) is
        fed first; the chunk's last observation becomes pending. Then the end
        of the last series is advanced by its pending observation, without
        state noise: where :meth:`predict` continues.
        """
        inputs = self._inputs(series, exog)
        if new_series:
            self._stream = _SeriesStream.start(self.reservoir_, self._sources(series, exog))
        stream = self._stream
        fed, targets = [], []
        for i, u in enumerate(inputs):
            if stream.pending is None:
                fed.append(u[:-1])
                targets.append(u[1:, :self.n_outputs_])
            else:
                fed.append(np.concatenate([stream.pending[i][None], u[:-1]]))
                targets.append(u[:, :self.n_outputs_])
        stream.pending = np.stack([u[-1] for u in inputs])
        self._train(fed, targets, streamed)
        end, last_input = stream.last_series_without_noise(), stream.pending[-1]
        for _, _, states, _ in self._simulated_blocks([last_input[None]], end, noise=False):
            self._last_features = self._features(states[0, -1], last_input)
        self.last_state_ = end.states[0]
        # Key and length of the last series: the closed loop continues its random streams.
        self._last_stream = (int(end.keys[0]), int(end.steps[0]))

    def _warm_up(self, inputs, sources, noise):
        """Run each context series through the reservoir; return (final states, last features).

        Block by block: only the last step's states are kept. ``sources`` (the
        caller's series) key the random streams.
        """
        stream = _SeriesStream([series_key(s) for s in sources],
                               self.reservoir_.default_state(len(inputs)))
        last_states = [None] * len(inputs)
        for rows, start, states, _ in self._simulated_blocks(inputs, stream, noise=noise):
            if start + states.shape[1] == len(inputs[rows[0]]):
                for j, i in enumerate(rows):
                    last_states[i] = states[j, -1]
        features = self._features(np.stack(last_states), np.stack([u[-1] for u in inputs]))
        return stream, features

    def _predict(self, n_steps, contexts, context_exog, future_exog, noise=False):
        """Warm up on each context (or continue the training end), then run in closed loop."""
        if contexts is None:
            states = self.last_state_[None, :]
            features = self._last_features[None, :]
            key, length = getattr(self, "_last_stream", (0, 0))  # (0, 0): fitted before keys
            streams = RandomStreams([key], [length], state_noise=noise)
        else:
            stream, features = self._warm_up(self._inputs(contexts, context_exog),
                                             self._sources(contexts, context_exog), noise)
            states = stream.states
            streams = RandomStreams(stream.keys, stream.steps, state_noise=noise)
        future_X = None if future_exog is None else self.exog_scaler_.transform(
            np.stack(future_exog))
        return self.target_scaler_.inverse_transform(
            self._closed_loop(states, features, n_steps, future_X, streams))

    # -- prediction ------------------------------------------------------------------
    def predict(self, n_steps, X=None, context=None, context_X=None, noise=False):
        """Generate ``n_steps`` values in closed loop.

        Parameters
        ----------
        n_steps : int
            Forecast horizon.
        X : array-like of shape (n_steps, n_exog), optional
            Exogenous values over the horizon (required iff fitted with X); one
            block shared by every forecast, or one per context series. As in
            training, the step producing forecast ``i`` reads the exogenous value
            one step before it (the last training/context value for ``i = 0``),
            so the last row is not used.
        context : series or list of series, optional
            Warm the reservoir up on these observations and forecast from their
            end (one forecast per series). By default forecasting continues from
            the end of the (last) training series.
        context_X : exogenous values aligned with ``context`` (required iff fitted with X).
        noise : bool, default=False
            Add the reservoir's state noise in the closed loop (and in the
            warm-up on ``context``), as in training: each call then gives the
            same noisy path, a sample of the noise-driven dynamics. Off by
            default: state noise is a training-time regulariser. Each series
            draws its own noise, continuing the stream of its context (keyed
            by its values), so a forecast does not depend on the other series
            of ``context``.

        Returns
        -------
        forecast : ndarray (n_steps,) or (n_steps, d), a pandas object when the
            series had a frequency index, or a list / 3-D array when ``context``
            holds several series (each element shaped like its context series).

        Warns
        -----
        reservoir.exceptions.ForecastDivergenceWarning
            When the forecast diverges (see ``divergence_factor``).
        """
        noise = check_bool(noise, "noise")
        return self._forecast(n_steps, X, context, context_X, noise=noise)

    def _closed_loop(self, state, features, n_steps, future_X, streams):
        """Feed predictions back: (B, S) states, (B, F) features -> (B, n_steps, d) paths.

        ``streams`` are the random streams of the series, positioned at the
        first closed-loop step (the end of the context). A series whose
        prediction turns non-finite is NaN from the next step on; the other
        series of the batch go on. An :class:`~reservoir.ESN` without state
        noise and a :class:`~reservoir.readouts.RidgeReadout` take the fast
        path (:meth:`_fast_closed_loop`); any other pair steps through the
        public ``simulate`` and ``predict``.
        """
        n_series = len(state)
        paths = np.full((n_series, n_steps, self.n_outputs_), np.nan)
        with np.errstate(invalid="ignore", over="ignore"):  # from diverged series only
            if self._has_fast_closed_loop(streams):
                self._fast_closed_loop(state, features, future_X, paths)
            else:
                self._generic_closed_loop(state, features, future_X, streams, paths)
        diverged = np.maximum.accumulate(~np.isfinite(paths).all(axis=2), axis=1)
        paths[:, 1:][diverged[:, :-1]] = np.nan
        return paths

    def _has_fast_closed_loop(self, streams):
        """Whether the fast path applies: an ESN's own time loop, a ridge readout, no noise."""
        reservoir = self.reservoir_
        noisy = streams.state_noise and getattr(reservoir, "state_noise", 0) > 0
        return (type(reservoir).simulate is ESN.simulate and not noisy
                and isinstance(self.readout_, RidgeReadout))

    def _generic_closed_loop(self, state, features, future_X, streams, paths):
        """The closed loop through the reservoir's ``simulate`` and the readout's ``predict``."""
        n_steps = paths.shape[1]
        for i in range(n_steps):
            y_next = self._readout_predict(features)
            paths[:, i] = y_next
            if i == n_steps - 1 or not np.isfinite(y_next).all(axis=1).any():
                break
            u = y_next if future_X is None else np.concatenate([y_next, future_X[:, i]], axis=1)
            out, state = self.reservoir_.simulate(u[:, None, :], state, rng=streams.shifted(i))
            features = self._features(out[:, 0], u)

    def _fast_closed_loop(self, state, features, future_X, paths):
        """The closed loop inside the ESN's own time loop (:meth:`ESN._loop`), into ``paths``.

        Per step: the readout's unchecked product
        (:meth:`RidgeReadout._unchecked_predictor`) on a preallocated feature
        row, the input projection into a preallocated drive buffer, and the
        ESN's in-place update; no validation and no allocation. The arithmetic
        is that of :meth:`ESN.simulate` (one series: ``u @ W_in.T + bias``;
        several: ``[W_in, bias] @ [u; 1]``), so both paths agree to rounding.
        """
        esn = self.reservoir_
        predict = self.readout_._unchecked_predictor()
        n_series, n_steps, n_out = paths.shape
        n_units, n_in = esn.n_units, esn.n_features_in_
        dtype = esn._dtype
        feats = np.array(features, dtype=np.float64)             # (B, F): [state, input]
        y_now = np.empty((n_series, n_out))
        inputs = np.ones((n_in + 1, n_series), dtype=dtype)       # [u; 1], one column per series
        single = n_series == 1
        if single:
            W_in_T, bias = np.ascontiguousarray(esn.W_in_.T), esn.bias_
            row = inputs[:n_in].T                                 # (1, n_in) view
            drives = [np.empty((1, n_units), dtype=dtype) for _ in range(2)]
        else:
            W_in_bias = np.hstack([esn.W_in_, esn.bias_[:, None]]).astype(dtype, copy=False)
            drives = [np.empty((n_units, n_series), dtype=dtype) for _ in range(2)]

        def load(t):
            predict(feats, y_now)
            paths[:, t] = y_now  # a non-finite value runs on as NaN, masked by the caller
            inputs[:n_out] = y_now.T
            if future_X is not None:
                inputs[n_out:n_in] = future_X[:, t].T
            drive = drives[t % 2]
            if single:
                np.matmul(row, W_in_T, out=drive)
                drive += bias
                return drive[0]
            np.matmul(W_in_bias, inputs, out=drive)
            return drive

        def store(t, current):
            feats[:, :n_units] = current if single else current.T
            if self.include_input:
                feats[:, n_units:] = inputs[:n_in].T

        start = np.array(state[0] if single else state.T, dtype=dtype)
        esn._loop(n_steps - 1, load, store, start, batch=n_series)
        paths[:, n_steps - 1] = predict(feats, y_now)

    def predict_next(self, y, X=None, noise=False):
        """Teacher-forced one-step-ahead predictions for every step of ``y``.

        The output at step ``t`` is the prediction of ``y[t+1]`` from the
        observations up to ``t``; the reservoir starts from rest, so the first
        ``washout`` outputs are transients.

        Parameters
        ----------
        y : series or list of series (same features as at fit)
        X : exogenous values aligned with ``y`` (required iff fitted with X)
        noise : bool, default=False
            Add the reservoir's state noise, as in training (see :meth:`predict`).

        Returns
        -------
        predictions : same structure, shape and (pandas) index as ``y``
        """
        self._readout_is_trained()
        noise = check_bool(noise, "noise")
        ys, Xs = self._check_observed(y, X)
        exog = None if Xs is None else Xs.series
        preds = [np.empty((length, self.n_outputs_)) for length in ys.lengths]
        self._predict_into(self._inputs(ys.series, exog), self._sources(ys.series, exog),
                           self.reservoir_.default_state(len(ys)), noise, preds)
        return ForecastLayout.of(y, ys).like_input(preds)
