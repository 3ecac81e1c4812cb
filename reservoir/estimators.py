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
    series_key,
)
from .esn import ESN
from .exceptions import SaturationWarning
from .readouts import RidgeReadout

__all__ = ["ReservoirRegressor", "ReservoirForecaster", "expected_failed_checks"]

#: Time steps simulated per block when states are streamed into the readout.
STATE_BLOCK_STEPS = 4096


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

    def _training_blocks(self, inputs: list, targets: list, washout: int, sources: list,
                         ends=None):
        """Yield (features, targets) blocks for the readout, washout steps excluded.

        ``ends`` (a dict, optional) receives under "last" the reservoir state at
        the end of the last series of ``inputs``, as simulated in training.

        ``sources`` are the series as the caller gave them (before scaling),
        one per input series: they key the random streams (see below).

        Equal-length series advance together through the reservoir; each group
        is simulated in blocks of ``STATE_BLOCK_STEPS`` steps, continuing from
        the state where the previous block ended (whole series for a non-causal
        reservoir, whose state at t depends on later steps). State noise is on
        (training); each series draws from its own stream, keyed by the whole
        series and positioned at each block's first step, so the states do not
        depend on the other series or on the block size. The key is the
        caller's series, not the scaled one: scaling statistics, fitted on all
        training series, change in their last bits with the order of the
        series, and so would a key computed after scaling.
        """
        monitor = self._state_monitor()
        for members, U, Y in equal_length_blocks(inputs, targets):
            length = U.shape[1]
            state = self.reservoir_.default_state(len(members))
            streams = RandomStreams.of([sources[i] for i in members], state_noise=True)
            # A non-causal (bidirectional) reservoir must see each series whole.
            block_steps = STATE_BLOCK_STEPS if self.reservoir_.causal else length
            for start in range(0, length, block_steps):
                stop = min(start + block_steps, length)
                states, state = self.reservoir_.simulate(U[:, start:stop], state,
                                                         rng=streams.shifted(start))
                keep = max(washout - start, 0)
                if keep >= stop - start:
                    continue
                monitor.observe(states[:, keep:])
                F = self._features(states[:, keep:], U[:, start + keep:stop])
                yield F.reshape(-1, F.shape[-1]), Y[:, start + keep:stop].reshape(-1, Y.shape[-1])
            last = np.flatnonzero(np.asarray(members) == len(inputs) - 1)
            if ends is not None and last.size:
                ends["last"] = np.array(state[last[0]])
        monitor.warn_if_saturated()

    def _fit_readout(self, blocks):
        """Fit the readout on feature blocks: streamed for RidgeReadout, concatenated otherwise."""
        if isinstance(self.readout_, RidgeReadout):
            for F, Y in blocks:
                self.readout_.partial_fit(F, Y[:, 0] if self.n_outputs_ == 1 else Y)
            return
        pairs = list(blocks)
        F = np.concatenate([f for f, _ in pairs])
        Y = np.concatenate([y for _, y in pairs])
        self.readout_.fit(F, Y[:, 0] if self.n_outputs_ == 1 else Y)

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

        Parameters
        ----------
        X : array-like (T,) or (T, d), list of such, or (n, T, d) array
        y : array-like (T,) or (T, k) per series, same structure and lengths as X

        Returns
        -------
        self
        """
        validate_params(self)
        Xs, ys, washout = check_supervised_series(self, X, y, self.washout)
        record_n_features(self, Xs, reset=True)
        self.n_outputs_ = ys.n_features
        self._y_1d = ys.was_1d
        self.input_scaler_ = SeriesScaler.fit(self.scale, Xs.series)
        self.target_scaler_ = SeriesScaler.fit(self.scale, ys.series)
        inputs = self.input_scaler_.transform_all(Xs.series)
        self._build(inputs)
        ends = {}
        self._fit_readout(self._training_blocks(
            inputs, self.target_scaler_.transform_all(ys.series), washout, Xs.series, ends))
        if getattr(self.reservoir_, "state_noise", 0) > 0:  # training states are noisy
            _, ends["last"] = self.reservoir_.run(inputs[-1],
                                                  streams=RandomStreams.of([Xs.series[-1]]))
        self.last_state_ = ends["last"]
        return self

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

    def predict(self, X, noise=False, initial_state=None):
        """Predict the target at every step of ``X`` (washout steps included).

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

        Returns
        -------
        y_pred : same structure as X; (T,) per series when y was 1-D at fit
        """
        check_is_fitted(self)
        noise = check_bool(noise, "noise")
        Xs = check_series(X, name="X")
        record_n_features(self, Xs, reset=False)
        start = self._start_states(initial_state)
        inputs = self.input_scaler_.transform_all(Xs.series)
        states, _ = self.reservoir_.run(inputs, initial_state=start, noise=noise,
                                        streams=RandomStreams.of(Xs.series))
        preds = [self.target_scaler_.inverse_transform(self._readout_predict(self._features(s, u)))
                 for s, u in zip(states, inputs, strict=True)]
        if self._y_1d:
            preds = [p[:, 0] for p in preds]
        return Xs.restore(preds)


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
        if not getattr(self.reservoir, "causal", True):
            raise ValueError(
                "reservoir must be causal for forecasting: a bidirectional reservoir reads "
                "the future of the series. Use it in a regressor or classifier instead."
            )
        washout = check_washout(self.washout, [len(s) for s in series], extra=1)
        self.target_scaler_ = SeriesScaler.fit(self.scale, series)
        self.exog_scaler_ = SeriesScaler.fit(self.scale if exog is not None else None, exog)
        inputs = self._inputs(series, exog)
        self._build(inputs)
        sources = self._sources(series, exog)
        self._fit_readout(self._training_blocks(
            [u[:-1] for u in inputs], [u[1:, :self.n_outputs_] for u in inputs], washout,
            [u[:-1] for u in sources],
        ))
        self.last_state_, self._last_features = self._warm_up(inputs[-1], sources[-1])
        # Key and length of the last series: the closed loop continues its random streams.
        self._last_stream = (series_key(sources[-1]), len(sources[-1]))

    def _warm_up(self, inputs, source, noise=False):
        """Drive the reservoir through one input series; return (final state, last features).

        ``source`` is the series as the caller gave it, the key of its random streams.
        """
        states, final = self.reservoir_.run(inputs, noise=noise,
                                            streams=RandomStreams.of([source]))
        return final, self._features(states[-1], inputs[-1])

    def _predict(self, n_steps, contexts, context_exog, future_exog, noise=False):
        """Warm up on each context (or continue the training end), then run in closed loop."""
        if contexts is None:
            states = self.last_state_[None, :]
            features = self._last_features[None, :]
            key, length = getattr(self, "_last_stream", (0, 0))  # (0, 0): fitted before keys
            streams = RandomStreams([key], [length], state_noise=noise)
        else:
            sources = self._sources(contexts, context_exog)
            warm = [self._warm_up(u, source, noise)
                    for u, source in zip(self._inputs(contexts, context_exog), sources,
                                         strict=True)]
            states = np.stack([w[0] for w in warm])
            features = np.stack([w[1] for w in warm])
            streams = RandomStreams([series_key(u) for u in sources],
                                    [len(u) for u in sources], state_noise=noise)
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
        check_is_fitted(self)
        noise = check_bool(noise, "noise")
        ys, Xs = self._check_observed(y, X)
        exog = None if Xs is None else Xs.series
        inputs = self._inputs(ys.series, exog)
        states, _ = self.reservoir_.run(inputs, noise=noise,
                                        streams=RandomStreams.of(self._sources(ys.series, exog)))
        preds = [self.target_scaler_.inverse_transform(self._readout_predict(self._features(s, u)))
                 for s, u in zip(states, inputs, strict=True)]
        return ForecastLayout.of(y, ys).like_input(preds)
