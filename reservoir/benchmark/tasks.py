"""Benchmark tasks: data, chronological splits, and how a model is fitted and scored.

Every task splits its data in time into a training, a validation and a test
part. Tuning fits on the training part and scores on the validation part; the
final models are refit on training + validation and scored on the test part.
All models see the same splits. The data are fixed (data seed 0); the
benchmark's seeds vary only the models' own randomness.

Series are standardised with the mean and standard deviation of the training
part before any model sees them (trained RNNs, ARIMA and persistence are
unaffected; reservoirs need inputs of order one); predictions are mapped back
and scored in the original units.

Every task offers ``run(model, stage)`` (fit, then score) and
``run_alphas(model, stage, alphas)``: fit once, then score the fitted model
once per ridge penalty, its :class:`~reservoir.RidgeReadout` re-solved from
the statistics it kept (``readout_.set_params(alpha=a)``); the memory task
drives the reservoir once and passes each penalty to
:func:`reservoir.metrics.memory_capacity`. Tuning uses ``run_alphas`` to
choose the ridge penalty of reservoir models for free.

Tasks
-----
``mackey_glass``
    Mackey-Glass (tau = 17, one sample per time unit). From origins spread
    over the held-out part, each model forecasts 84 steps in closed loop after
    warming up on the preceding observations. Score: NRMSE over all forecast
    steps, RMSE divided by the standard deviation of the training series (the
    84-step free-run benchmark of Jaeger 2001; Jaeger & Haas 2004).
``narma10``
    NARMA-10 input-output regression (Atiya & Parlos 2000). Score: test NRMSE.
``lorenz``
    Lorenz-63 (dt = 0.02) closed-loop forecast of all three coordinates. Score:
    mean valid prediction time over the forecast origins, in Lyapunov times
    (:func:`reservoir.metrics.valid_prediction_time`, threshold 0.4).
``memory_capacity``
    Jaeger's short-term memory capacity. Reservoirs: the readout-independent
    :func:`reservoir.metrics.memory_capacity` of the reservoir. Trained RNNs: a
    regressor trained on the same kind of data to output the delayed inputs,
    scored by the same sum of squared correlations on the held-out steps.
``sunspots``
    Yearly sunspot numbers (statsmodels), 11-year (one solar cycle) closed-loop
    forecasts from origins in the last 44 years. Score: NRMSE (RMSE over the
    training standard deviation); the MAE in sunspot numbers is also reported.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import clone

from .._scaling import SeriesScaler
from ..datasets import (
    LORENZ_LYAPUNOV_EXPONENT,
    load_sunspots,
    lorenz,
    mackey_glass,
    memory_task,
    narma,
)
from ..metrics import memory_capacity, nrmse, rmse, squared_correlations, valid_prediction_time
from .measure import measured

__all__ = ["TASK_NAMES", "Outcome", "ForecastTask", "RegressionTask", "MemoryTask", "make_task"]

TASK_NAMES = ("mackey_glass", "narma10", "lorenz", "memory_capacity", "sunspots")
STAGES = ("validation", "test")
#: Forecast values beyond this multiple of the largest training magnitude count as diverged.
DIVERGENCE_FACTOR = 1e3
#: Data seed shared by all tasks and models.
DATA_SEED = 0
#: Steps of the held-out part shown in the example figures of regression tasks.
EXAMPLE_STEPS = 200


@dataclass
class Outcome:
    """What one fit-and-score of a model on a task produced.

    Attributes
    ----------
    score : float
        The task's metric.
    extras : dict of str -> float
        Secondary metrics.
    fit_seconds, predict_seconds : float or None
        Wall time of the fit and of producing all scored predictions.
    peak_mib : float or None
        Peak memory of the fit.
    model : object
        The fitted model (for counting its trained parameters).
    n_parameters : int or None
        Trained parameters when the task knows them better than the model.
    n_diverged : int
        Forecasts that became non-finite or exceeded
        ``DIVERGENCE_FACTOR`` times the largest training magnitude.
    horizon_error : ndarray or None
        Normalised RMSE per forecast step (forecast tasks).
    curve : ndarray or None
        Memory capacity per delay (memory task).
    example : dict or None
        ``{"truth", "prediction", "time"}`` arrays for a figure.
    """

    score: float
    extras: dict = field(default_factory=dict)
    fit_seconds: float | None = None
    predict_seconds: float | None = None
    peak_mib: float | None = None
    model: object = None
    n_parameters: int | None = None
    n_diverged: int = 0
    horizon_error: np.ndarray | None = None
    curve: np.ndarray | None = None
    example: dict | None = None


def _check_stage(stage):
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {STAGES}; got {stage!r}.")
    return stage


def _as_columns(values, n_rows, n_columns):
    return np.asarray(values, dtype=float).reshape(n_rows, n_columns)


def _sanitize(predictions, limit):
    """Clip predictions to ``±limit`` (non-finite values included); count diverged rows.

    ``predictions`` has shape (n_forecasts, n_steps, d); a forecast counts as
    diverged when any of its values is non-finite or beyond ``limit``.
    """
    bad = ~np.isfinite(predictions) | (np.abs(predictions) > limit)
    diverged = int(np.any(bad.reshape(len(predictions), -1), axis=1).sum())
    clipped = np.clip(np.nan_to_num(predictions, nan=limit, posinf=limit, neginf=-limit),
                      -limit, limit)
    return clipped, diverged


class _Task(metaclass=ABCMeta):
    """Shared description of a task."""

    kind = None

    def __init__(self, name, description, *, metric, higher_is_better, washout):
        self.name = name
        self.description = description
        self.metric = metric
        self.higher_is_better = higher_is_better
        self.washout = washout

    def info(self) -> dict:
        """JSON-ready description of the task."""
        return {"kind": self.kind, "description": self.description, "metric": self.metric,
                "higher_is_better": self.higher_is_better, "washout": self.washout}

    def run(self, model, stage, probe=None) -> Outcome:
        """Fit ``model`` on the data before ``stage`` and score it on ``stage``.

        Parameters
        ----------
        model : unfitted model (see the task class for the interface it needs)
        stage : {"validation", "test"}
        probe : memory probe or None, see :mod:`reservoir.benchmark.measure`

        Returns
        -------
        Outcome
        """
        fit_cost = self._fit(model, _check_stage(stage), probe)
        return self._score(model, stage, fit_cost)

    def run_alphas(self, model, stage, alphas, probe=None) -> list:
        """Fit ``model`` once, then score it once per ridge penalty of ``alphas``.

        The model's fitted readout (``model.readout_``, a
        :class:`~reservoir.RidgeReadout`) is re-solved for each penalty with
        ``set_params(alpha=a)`` from the statistics it accumulated during the
        fit; the score of each is that of :meth:`run` for a model fitted with
        that penalty. The readout is left at the last penalty.

        Parameters
        ----------
        model : unfitted reservoir estimator with a RidgeReadout
        stage : {"validation", "test"}
        alphas : sequence of float
        probe : memory probe or None

        Returns
        -------
        list of Outcome
            One per penalty, in the order of ``alphas`` (all share the fit's cost).
        """
        fit_cost = self._fit(model, _check_stage(stage), probe)
        readout = _fitted_ridge_readout(model)
        outcomes = []
        for alpha in alphas:
            readout.set_params(alpha=float(alpha))
            outcomes.append(self._score(model, stage, fit_cost))
        return outcomes

    @abstractmethod
    def _fit(self, model, stage, probe):
        """Fit ``model`` for ``stage``; return the fit's measured cost."""

    @abstractmethod
    def _score(self, model, stage, fit_cost) -> Outcome:
        """Score the fitted ``model`` on ``stage``."""


def _fitted_ridge_readout(model):
    from ..readouts import RidgeReadout

    readout = getattr(model, "readout_", None)
    if not isinstance(readout, RidgeReadout):
        raise TypeError(f"run_alphas needs a model whose fitted readout_ is a RidgeReadout; "
                        f"{type(model).__name__} has {type(readout).__name__}.")
    return readout


def _standardization(values, n_train):
    """The map to zero mean and unit variance fitted on the training part of ``values``."""
    return SeriesScaler.fit("standard", [values[:n_train].reshape(n_train, -1)])


# -- closed-loop forecasting ----------------------------------------------------------------
class ForecastTask(_Task):
    """Closed-loop multi-step forecasts from several origins in the held-out part.

    For each origin ``o`` the model gets the ``context_length`` observations
    before ``o`` as context (``predict(horizon, context=...)``) and forecasts
    ``horizon`` steps without seeing the truth.

    Parameters
    ----------
    name, description : str
    series : ndarray of shape (T,) or (T, d)
        The whole series, original units.
    n_train, n_validation : int
        Lengths of the training and validation parts; the test part is the rest.
    horizon, stride, context_length : int
        Forecast length, spacing of the origins, warm-up observations per forecast.
    washout : int
        Washout of the reservoir forecasters (the RNNs use at most 20 steps).
    metric : str
    higher_is_better : bool
    scorer : callable
        ``scorer(truth, forecasts, train_std) -> (score, extras)`` on arrays of
        shape (n_origins, horizon, d) in original units.
    time_step : float, default=1.0
        Length of one step in ``time_unit``.
    time_unit : str, default="steps"

    Attributes
    ----------
    values : ndarray of shape (T, d)
        The series in original units.
    standardized : ndarray of shape (T, d)
        The series the models see, standardised with the training part's statistics.
    train_std : ndarray of shape (d,)
        Standard deviation of the training part (the NRMSE scale).
    """

    kind = "forecast"

    def __init__(self, name, description, series, *, n_train, n_validation, horizon, stride,
                 context_length, washout, metric, higher_is_better, scorer, time_step=1.0,
                 time_unit="steps"):
        super().__init__(name, description, metric=metric, higher_is_better=higher_is_better,
                         washout=washout)
        values = np.asarray(series, dtype=float)
        self.values = values.reshape(len(values), -1)
        self.n_train, self.n_validation = n_train, n_validation
        self.horizon, self.stride, self.context_length = horizon, stride, context_length
        self.scorer = scorer
        self.time_step, self.time_unit = time_step, time_unit
        self._scaler = _standardization(self.values, n_train)
        self.standardized = self._scaler.transform(self.values)
        self.train_std = self.values[:n_train].std(axis=0)
        if min(len(self.origins(stage)) for stage in STAGES) < 1:
            raise ValueError(f"Task {name!r}: a split is shorter than the horizon {horizon}.")
        if context_length > n_train:
            raise ValueError(f"Task {name!r}: context_length exceeds the training part.")

    def _segment(self, stage):
        start = self.n_train if _check_stage(stage) == "validation" else (
            self.n_train + self.n_validation)
        stop = self.n_train + self.n_validation if stage == "validation" else len(self.values)
        return start, stop

    def origins(self, stage) -> list[int]:
        """Indices of the first forecast step of every forecast of ``stage``."""
        start, stop = self._segment(stage)
        return list(range(start, stop - self.horizon + 1, self.stride))

    def _univariate(self, values):
        return values[:, 0] if values.shape[1] == 1 else values

    def run(self, model, stage, probe=None) -> Outcome:
        """Fit ``model`` on the data before ``stage`` and score its forecasts of ``stage``.

        Parameters
        ----------
        model : forecaster with ``fit(y)`` and ``predict(n_steps, context=...)``
        stage : {"validation", "test"}
        probe : memory probe or None, see :mod:`reservoir.benchmark.measure`

        Returns
        -------
        Outcome
        """
        return super().run(model, stage, probe)

    def _fit(self, model, stage, probe):
        train_end = self._segment(stage)[0]
        with measured(probe) as fit_cost:
            model.fit(self._univariate(self.standardized[:train_end]))
        return fit_cost

    def _score(self, model, stage, fit_cost):
        train_end = self._segment(stage)[0]
        origins = self.origins(stage)
        n_columns = self.values.shape[1]
        contexts = [self._univariate(self.standardized[o - self.context_length:o])
                    for o in origins]
        with measured() as predict_cost:
            raw = [model.predict(self.horizon, context=context) for context in contexts]
        z_forecasts = np.stack([_as_columns(r, self.horizon, n_columns) for r in raw])
        limit = DIVERGENCE_FACTOR * np.abs(self.standardized[:train_end]).max()
        z_forecasts, diverged = _sanitize(z_forecasts, limit)
        forecasts = self._scaler.inverse_transform(z_forecasts)
        truth = np.stack([self.values[o:o + self.horizon] for o in origins])
        score, extras = self.scorer(truth, forecasts, self.train_std)
        example = {"truth": truth[0], "prediction": forecasts[0],
                   "time": np.arange(1, self.horizon + 1) * self.time_step}
        return Outcome(
            score=float(score), extras=extras, fit_seconds=fit_cost.seconds,
            predict_seconds=predict_cost.seconds, peak_mib=fit_cost.peak_mib, model=model,
            n_diverged=diverged, horizon_error=_horizon_error(truth, forecasts, self.train_std),
            example=example,
        )

    def info(self) -> dict:
        info = super().info()
        info.update(n_train=self.n_train, n_validation=self.n_validation,
                    n_test=len(self.values) - self.n_train - self.n_validation,
                    n_features=self.values.shape[1], horizon=self.horizon, stride=self.stride,
                    context_length=self.context_length,
                    n_origins={stage: len(self.origins(stage)) for stage in STAGES},
                    time_step=self.time_step, time_unit=self.time_unit)
        return info


def _horizon_error(truth, forecasts, scale):
    """RMSE per forecast step over origins and outputs, each output divided by its scale."""
    return np.sqrt(np.mean(((forecasts - truth) / scale) ** 2, axis=(0, 2)))


def _flatten(windows):
    return windows.reshape(-1, windows.shape[-1])


def pooled_nrmse(truth, forecasts, scale):
    """RMSE over all forecast steps and origins divided by ``scale``, averaged over outputs.

    Parameters
    ----------
    truth, forecasts : ndarray of shape (n_origins, horizon, d)
    scale : ndarray of shape (d,)
        Standard deviation of the training series.

    Returns
    -------
    float
    """
    per_output = rmse(_flatten(truth), _flatten(forecasts), multioutput="raw_values")
    return float(np.mean(per_output / scale))


def _score_nrmse(truth, forecasts, scale):
    return pooled_nrmse(truth, forecasts, scale), {}


def _score_nrmse_and_mae(truth, forecasts, scale):
    mae = float(np.mean(np.abs(forecasts - truth)))
    return pooled_nrmse(truth, forecasts, scale), {"mae": mae}


def _vpt_scorer(dt):
    def score(truth, forecasts, scale):
        times = [valid_prediction_time(t, f, dt=dt, lyapunov_exponent=LORENZ_LYAPUNOV_EXPONENT)
                 for t, f in zip(truth, forecasts, strict=True)]
        return float(np.mean(times)), {"nrmse_first_lyapunov_time": pooled_nrmse(
            truth[:, :_steps_per_lyapunov_time(dt)], forecasts[:, :_steps_per_lyapunov_time(dt)],
            scale)}

    return score


def _steps_per_lyapunov_time(dt):
    return int(np.ceil(1.0 / (LORENZ_LYAPUNOV_EXPONENT * dt)))


# -- input-output regression ----------------------------------------------------------------
class RegressionTask(_Task):
    """Per-step regression from an input series to a target series.

    Scored predictions run from the zero state over the ``washout`` steps
    before the scored part and then over the scored part.

    Parameters
    ----------
    name, description : str
    inputs, targets : ndarray of shape (T,)
    n_train, n_validation, washout : int
    """

    kind = "regression"

    def __init__(self, name, description, inputs, targets, *, n_train, n_validation, washout):
        super().__init__(name, description, metric="NRMSE", higher_is_better=False,
                         washout=washout)
        self.inputs = np.asarray(inputs, dtype=float)
        self.targets = np.asarray(targets, dtype=float)
        self.n_train, self.n_validation = n_train, n_validation
        self._x = _standardization(self.inputs, n_train).transform(self.inputs)
        self._y_scaler = _standardization(self.targets, n_train)
        self._y = self._y_scaler.transform(self.targets)

    def _segment(self, stage):
        if _check_stage(stage) == "validation":
            return self.n_train, self.n_train + self.n_validation
        return self.n_train + self.n_validation, len(self.inputs)

    def run(self, model, stage, probe=None) -> Outcome:
        """Fit ``model`` on the data before ``stage``; score its NRMSE on ``stage``.

        Parameters
        ----------
        model : regressor with ``fit(X, y)`` and ``predict(X)``
        stage : {"validation", "test"}
        probe : memory probe or None

        Returns
        -------
        Outcome
        """
        return super().run(model, stage, probe)

    def _fit(self, model, stage, probe):
        start = self._segment(stage)[0]
        with measured(probe) as fit_cost:
            model.fit(self._x[:start], self._y[:start])
        return fit_cost

    def _score(self, model, stage, fit_cost):
        start, stop = self._segment(stage)
        with measured() as predict_cost:
            z_pred = np.asarray(model.predict(self._x[start - self.washout:stop]), dtype=float)
        z_pred = z_pred.reshape(-1)[self.washout:]
        limit = DIVERGENCE_FACTOR * np.abs(self._y[:start]).max()
        z_pred, diverged = _sanitize(z_pred[None, :, None], limit)
        prediction = self._y_scaler.inverse_transform(z_pred.reshape(-1))
        truth = self.targets[start:stop]
        steps = min(EXAMPLE_STEPS, len(truth))
        return Outcome(
            score=float(nrmse(truth, prediction)), fit_seconds=fit_cost.seconds,
            predict_seconds=predict_cost.seconds, peak_mib=fit_cost.peak_mib, model=model,
            n_diverged=diverged,
            example={"truth": truth[:steps], "prediction": prediction[:steps],
                     "time": np.arange(steps, dtype=float)},
        )

    def info(self) -> dict:
        info = super().info()
        info.update(n_train=self.n_train, n_validation=self.n_validation,
                    n_test=len(self.inputs) - self.n_train - self.n_validation)
        return info


# -- short-term memory capacity ----------------------------------------------------------------
class MemoryTask(_Task):
    """Jaeger's short-term memory capacity, for reservoirs and for trained RNNs.

    A model with a ``reservoir`` attribute (a reservoir regressor) is scored
    with :func:`reservoir.metrics.memory_capacity` of that reservoir, its
    readout's ridge ``alpha`` as penalty. Any other regressor is trained on the
    same kind of data (``memory_task`` input, all delayed copies as targets)
    with the same washout and test fraction, and scored with the same sum over
    delays of squared correlations on the held-out steps. Validation and test
    use different input sequences.

    Parameters
    ----------
    name, description : str
    n_steps, max_delay : int
    input_seeds : dict, default={"validation": 1, "test": 2}
    test_size : float, default=0.3
    """

    kind = "memory"

    def __init__(self, name, description, *, n_steps, max_delay, input_seeds=None,
                 test_size=0.3):
        washout = max(100, max_delay)
        super().__init__(name, description, metric="memory capacity", higher_is_better=True,
                         washout=washout)
        self.n_steps, self.max_delay, self.test_size = n_steps, max_delay, test_size
        self.input_seeds = dict(input_seeds or {"validation": 1, "test": 2})

    def run(self, model, stage, probe=None) -> Outcome:
        """Measure the memory capacity of ``model`` on the input sequence of ``stage``.

        Parameters
        ----------
        model : reservoir regressor or any regressor with ``fit(X, y)``/``predict(X)``
        stage : {"validation", "test"}
        probe : memory probe or None

        Returns
        -------
        Outcome
        """
        if hasattr(model, "reservoir"):
            seed = self.input_seeds[_check_stage(stage)]
            return self._reservoir_capacity(model, seed, probe, [model.readout.alpha])[0]
        return super().run(model, stage, probe)

    def run_alphas(self, model, stage, alphas, probe=None) -> list:
        """Memory capacity for each ridge penalty of ``alphas``, the reservoir driven once.

        A reservoir regressor's reservoir runs once over the input sequence of
        ``stage``; :func:`reservoir.metrics.memory_capacity` is then called
        with each penalty on those states (the same figure as :meth:`run`
        with that penalty as the readout's ``alpha``). Other models: see
        :meth:`_Task.run_alphas`.

        Parameters
        ----------
        model : reservoir regressor (RidgeReadout)
        stage : {"validation", "test"}
        alphas : sequence of float
        probe : memory probe or None

        Returns
        -------
        list of Outcome
        """
        if hasattr(model, "reservoir"):
            seed = self.input_seeds[_check_stage(stage)]
            return self._reservoir_capacity(model, seed, probe, alphas)
        return super().run_alphas(model, stage, alphas, probe)

    def _reservoir_capacity(self, model, seed, probe, alphas):
        reservoir = _StatesOnce(model.reservoir)
        outcomes, cost = [], None
        for alpha in alphas:
            with measured(probe if cost is None else None) as measure:
                mc, curve = memory_capacity(
                    reservoir, n_steps=self.n_steps, max_delay=self.max_delay,
                    washout=self.washout, alpha=float(alpha), test_size=self.test_size,
                    random_state=seed, return_curve=True,
                )
            cost = cost or measure  # the first call drives the reservoir: the fit's cost
            n_states = int(getattr(model.reservoir, "n_units", 0))
            outcomes.append(Outcome(score=mc, fit_seconds=cost.seconds, peak_mib=cost.peak_mib,
                                    model=model, n_parameters=(n_states + 1) * self.max_delay,
                                    curve=curve))
        return outcomes

    def _split(self, seed):
        u, delayed = memory_task(self.n_steps, self.max_delay, random_state=seed)
        n_test = int(round(self.test_size * (self.n_steps - self.washout)))
        return u[:, None], delayed, self.n_steps - n_test

    def _fit(self, model, stage, probe):
        inputs, delayed, split = self._split(self.input_seeds[stage])
        with measured(probe) as fit_cost:
            model.fit(inputs[self.washout:split], delayed[self.washout:split])
        return fit_cost

    def _score(self, model, stage, fit_cost):
        inputs, delayed, split = self._split(self.input_seeds[stage])
        with measured() as predict_cost:
            predicted = np.asarray(model.predict(inputs), dtype=float)[split:]
        curve = squared_correlations(delayed[split:], np.nan_to_num(predicted))
        return Outcome(score=float(curve.sum()), fit_seconds=fit_cost.seconds,
                       predict_seconds=predict_cost.seconds, peak_mib=fit_cost.peak_mib,
                       model=model, curve=curve)

    def info(self) -> dict:
        info = super().info()
        info.update(n_steps=self.n_steps, max_delay=self.max_delay, test_size=self.test_size,
                    input_seeds=self.input_seeds)
        return info


class _StatesOnce:
    """A reservoir whose states are computed once, for several memory_capacity calls.

    :func:`~reservoir.metrics.memory_capacity` clones its reservoir, fits it
    and transforms the input; this wrapper clones to itself and runs a clone
    of the wrapped reservoir only when the input changes, so that scoring
    several penalties on the same input drives the reservoir once.
    """

    def __init__(self, reservoir):
        self.reservoir = reservoir
        self._inputs = self._states = None

    def __sklearn_clone__(self):
        return self

    def fit(self, X, y=None):
        X = np.asarray(X)
        if self._inputs is None or not np.array_equal(X, self._inputs):
            self._states = clone(self.reservoir).fit(X).transform(X)
            self._inputs = X.copy()
        return self

    def transform(self, X):
        if self._inputs is None or not np.array_equal(np.asarray(X), self._inputs):
            raise ValueError("_StatesOnce transforms only the input it was fitted on.")
        return self._states


# -- the task catalogue ----------------------------------------------------------------------
#: Sizes of the full run and of ``--quick``.
_SIZES = {
    "mackey_glass": {False: dict(n_train=3000, n_val_origins=10, n_test_origins=20),
                     True: dict(n_train=1000, n_val_origins=3, n_test_origins=5)},
    "narma10": {False: dict(n_train=2000, n_validation=1000, n_test=1000),
                True: dict(n_train=800, n_validation=400, n_test=400)},
    "lorenz": {False: dict(n_train=4000, lyapunov_times=10, n_val_origins=3, n_test_origins=6),
               True: dict(n_train=1500, lyapunov_times=5, n_val_origins=2, n_test_origins=3)},
    "memory_capacity": {False: dict(n_steps=5000, max_delay=400),
                        True: dict(n_steps=1500, max_delay=100)},
}

MACKEY_GLASS_HORIZON = 84
LORENZ_DT = 0.02
SUNSPOT_HORIZON = 11
SUNSPOT_TEST_YEARS = 44


def _mackey_glass(quick):
    size = _SIZES["mackey_glass"][quick]
    horizon = MACKEY_GLASS_HORIZON
    n_validation = horizon * size["n_val_origins"]
    total = size["n_train"] + n_validation + horizon * size["n_test_origins"]
    series = mackey_glass(total, tau=17, random_state=DATA_SEED)
    return ForecastTask(
        "mackey_glass",
        f"Mackey-Glass tau=17: {horizon}-step closed-loop forecasts, NRMSE (RMSE / training std)",
        series, n_train=size["n_train"], n_validation=n_validation, horizon=horizon,
        stride=horizon, context_length=300, washout=100, metric=f"NRMSE ({horizon} steps)",
        higher_is_better=False, scorer=_score_nrmse,
    )


def _narma10(quick):
    size = _SIZES["narma10"][quick]
    total = size["n_train"] + size["n_validation"] + size["n_test"]
    u, y = narma(total, order=10, random_state=DATA_SEED)
    return RegressionTask(
        "narma10", "NARMA-10 input-output regression, test NRMSE", u, y,
        n_train=size["n_train"], n_validation=size["n_validation"], washout=100,
    )


def _lorenz(quick):
    size = _SIZES["lorenz"][quick]
    horizon = int(np.ceil(size["lyapunov_times"] / (LORENZ_LYAPUNOV_EXPONENT * LORENZ_DT)))
    n_validation = horizon * size["n_val_origins"]
    total = size["n_train"] + n_validation + horizon * size["n_test_origins"]
    series = lorenz(total, dt=LORENZ_DT, random_state=DATA_SEED)
    return ForecastTask(
        "lorenz",
        f"Lorenz-63 (dt={LORENZ_DT}) closed-loop forecast of x, y, z; valid prediction time "
        f"(threshold 0.4) in Lyapunov times, at most {size['lyapunov_times']}",
        series, n_train=size["n_train"], n_validation=n_validation, horizon=horizon,
        stride=horizon, context_length=300, washout=100, metric="valid time (Lyapunov times)",
        higher_is_better=True, scorer=_vpt_scorer(LORENZ_DT),
        time_step=LORENZ_DT * LORENZ_LYAPUNOV_EXPONENT, time_unit="Lyapunov times",
    )


def _memory_capacity(quick):
    size = _SIZES["memory_capacity"][quick]
    return MemoryTask(
        "memory_capacity",
        f"Short-term memory capacity, delays 1..{size['max_delay']} "
        f"({size['n_steps']} i.i.d. uniform inputs, 30% held out)",
        n_steps=size["n_steps"], max_delay=size["max_delay"],
    )


def _sunspots(quick):
    series = load_sunspots().to_numpy()
    n_train = len(series) - 2 * SUNSPOT_TEST_YEARS
    return ForecastTask(
        "sunspots",
        f"Yearly sunspot numbers 1700-2008: {SUNSPOT_HORIZON}-year closed-loop forecasts from "
        f"origins in the last {SUNSPOT_TEST_YEARS} years; NRMSE (RMSE / training std), MAE",
        series, n_train=n_train, n_validation=SUNSPOT_TEST_YEARS, horizon=SUNSPOT_HORIZON,
        stride=SUNSPOT_HORIZON, context_length=100, washout=20,
        metric=f"NRMSE ({SUNSPOT_HORIZON} years)", higher_is_better=False,
        scorer=_score_nrmse_and_mae, time_unit="years",
    )


_BUILDERS = {
    "mackey_glass": _mackey_glass,
    "narma10": _narma10,
    "lorenz": _lorenz,
    "memory_capacity": _memory_capacity,
    "sunspots": _sunspots,
}


def make_task(name, quick=False):
    """Build one benchmark task with its data.

    Parameters
    ----------
    name : str
        One of :data:`TASK_NAMES`.
    quick : bool, default=False
        Smaller data and fewer forecast origins (the ``--quick`` run).

    Returns
    -------
    ForecastTask, RegressionTask or MemoryTask
    """
    if name not in _BUILDERS:
        raise ValueError(f"Unknown task {name!r}; choose from {list(TASK_NAMES)}.")
    return _BUILDERS[name](bool(quick))
