"""Benchmark models: how each is built for a task, and the space its tuning samples.

Every model with hyperparameters gets the same tuning budget: ``budget``
configurations drawn with :class:`sklearn.model_selection.ParameterSampler`
from its space (same sampler seed for all models) and scored on the
validation split. Persistence has nothing to tune.

Spaces
------
* reservoirs (ESN, LSM): spectral radius, leak rate (ESN) or state-filter time
  constant (LSM, the spiking analogue of the leak), input scaling, ridge alpha.
  Sizes are fixed (``n_units``), weights are never trained. The LSM's input
  scaling (mV of input current per unit of input) spans 5-300 mV: below about
  20 mV most neurons of the default liquid stay silent.
* trained RNNs (LSTM, GRU, leaky RNN): learning rate, hidden size, truncated
  BPTT length ``seq_len`` (and the leak rate of the leaky RNN); Adam, early
  stopping on the last 10% of the training data, ``max_epochs`` epochs at most.
* ARIMA: ``(p, d, q)`` and constant/no trend, maximum likelihood (statsmodels).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.stats import loguniform, uniform
from sklearn.model_selection import ParameterSampler

__all__ = ["MODEL_NAMES", "ModelSpec", "make_models", "count_parameters", "torch_available"]

MODEL_NAMES = ("esn", "lsm", "lstm", "gru", "leaky_rnn", "arima", "persistence")
FORECAST_ONLY = ("forecast",)
ALL_KINDS = ("forecast", "regression", "memory")
#: Warm-up steps of each trained-RNN training window (capped by the task's washout).
RNN_WASHOUT = 20
#: Constant bias input of the ESN (not tuned; the same for every task).
ESN_BIAS_SCALING = 0.2


def torch_available() -> bool:
    """Whether PyTorch can be imported (without importing it).

    Returns
    -------
    bool
    """
    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):
        return False


@dataclass(frozen=True)
class Settings:
    """Fixed sizes of a run (full or ``--quick``): reservoir sizes, RNN training length."""

    esn_units: int
    lsm_units: int
    max_epochs: int
    patience: int


#: Settings of the full run (False) and of ``--quick`` (True).
SETTINGS = {False: Settings(esn_units=500, lsm_units=500, max_epochs=300, patience=15),
             True: Settings(esn_units=100, lsm_units=100, max_epochs=20, patience=5)}


@dataclass(frozen=True)
class ModelSpec:
    """A benchmark model: its builder, search space and the task kinds it applies to.

    Attributes
    ----------
    name : str
    label : str
        Name shown in tables and figures.
    build : callable
        ``build(task, params, seed)`` returns an unfitted estimator for the task.
    space : dict
        ``ParameterSampler`` distributions; empty when nothing is tuned.
    kinds : tuple of str
        Task kinds the model applies to.
    needs_torch : bool
    fixed : dict
        Settings that are not tuned (reported with the results).
    """

    name: str
    label: str
    build: object
    space: dict = field(default_factory=dict)
    kinds: tuple = ALL_KINDS
    needs_torch: bool = False
    fixed: dict = field(default_factory=dict)

    def applies_to(self, task) -> bool:
        """Whether the model can do ``task``."""
        return task.kind in self.kinds

    def configurations(self, budget, random_state=0) -> list[dict]:
        """The configurations tuning evaluates: ``budget`` samples of the space.

        Parameters
        ----------
        budget : int
        random_state : int, default=0

        Returns
        -------
        list of dict
            One empty configuration when there is nothing to tune.
        """
        if not self.space:
            return [{}]
        sampler = ParameterSampler(self.space, n_iter=budget, random_state=random_state)
        return [_plain(params) for params in sampler]


def _plain(params):
    """Numpy scalars -> Python numbers, so configurations serialise to JSON."""
    return {key: value.item() if isinstance(value, np.generic) else value
            for key, value in params.items()}


# -- reservoirs ----------------------------------------------------------------------------
def _reservoir_estimator(task, reservoir, alpha, seed):
    from ..estimators import ReservoirForecaster, ReservoirRegressor
    from ..readouts import RidgeReadout

    readout = RidgeReadout(alpha=alpha)
    if task.kind == "forecast":
        return ReservoirForecaster(reservoir, readout=readout, washout=task.washout,
                                   random_state=seed)
    washout = task.washout if task.kind == "regression" else 0
    return ReservoirRegressor(reservoir, readout=readout, washout=washout, random_state=seed)


def _esn_builder(n_units):
    def build(task, params, seed):
        from ..esn import ESN

        params = dict(params)
        alpha = params.pop("alpha")
        reservoir = ESN(n_units=n_units, bias_scaling=ESN_BIAS_SCALING, random_state=seed,
                        **params)
        return _reservoir_estimator(task, reservoir, alpha, seed)

    return build


def _lsm_builder(n_units):
    def build(task, params, seed):
        from .. import LSM

        params = dict(params)
        alpha = params.pop("alpha")
        liquid = LSM(n_units=n_units, random_state=seed, **LSM_FIXED, **params)
        return _reservoir_estimator(task, liquid, alpha, seed)

    return build


ESN_SPACE = {
    "spectral_radius": uniform(0.3, 1.2),
    "leak_rate": uniform(0.1, 0.9),
    "input_scaling": loguniform(0.05, 2.0),
    "alpha": loguniform(1e-10, 1e-2),
}
#: The liquid's architecture is fixed to the delay-line liquid of
#: examples/liquid_state_machine.py (per-connection synaptic delays spanning
#: about ten input steps, four readout kernels); its gain is tuned.
LSM_FIXED = {
    "steps_per_input": 20,
    "synaptic_delay": (19.0, 219.0),
    "tau_trace": (5.0, 10.0, 20.0, 40.0),
    "tau_membrane": 5.0,
    "tau_syn_exc": 2.0,
    "tau_syn_inh": 2.0,
    "inhibition_balance": 2.0,
}
LSM_SPACE = {
    "spectral_radius": uniform(4.0, 8.0),
    "input_scaling": loguniform(5.0, 100.0),
    "alpha": loguniform(1e-2, 1e3),
}


# -- trained RNNs ------------------------------------------------------------------------------
_RNN_CLASSES = {
    "lstm": ("LSTMForecaster", "LSTMRegressor"),
    "gru": ("GRUForecaster", "GRURegressor"),
    "leaky_rnn": ("LeakyRNNForecaster", "LeakyRNNRegressor"),
}


def _rnn_builder(name, settings):
    forecaster, regressor = _RNN_CLASSES[name]

    def build(task, params, seed):
        from .. import baselines

        cls = getattr(baselines, forecaster if task.kind == "forecast" else regressor)
        return cls(washout=min(RNN_WASHOUT, task.washout), max_epochs=settings.max_epochs,
                   patience=settings.patience, early_stopping=True, random_state=seed,
                   **params)

    return build


RNN_SPACE = {
    "learning_rate": loguniform(3e-4, 3e-2),
    "hidden_size": [16, 32, 64],
    "seq_len": [25, 50, 100],
}
LEAKY_RNN_SPACE = {**RNN_SPACE, "leak_rate": uniform(0.1, 0.9)}


# -- statistical baselines ---------------------------------------------------------------------
def _build_arima(task, params, seed):
    from ..baselines import ARIMAForecaster

    return ARIMAForecaster(order=(params["p"], params["d"], params["q"]), trend=params["trend"])


def _build_persistence(task, params, seed):
    from ..baselines import PersistenceForecaster

    return PersistenceForecaster()


ARIMA_SPACE = {"p": list(range(9)), "d": [0, 1], "q": [0, 1, 2], "trend": ["n", "c"]}


def make_models(quick=False, max_epochs=None) -> dict:
    """All benchmark models, keyed by name (see :data:`MODEL_NAMES`).

    Parameters
    ----------
    quick : bool, default=False
        Small reservoirs and few training epochs (the ``--quick`` run).
    max_epochs : int, optional
        Maximum training epochs of the trained RNNs instead of the run's default.

    Returns
    -------
    dict of str -> ModelSpec
    """
    settings = SETTINGS[bool(quick)]
    if max_epochs is not None:
        settings = replace(settings, max_epochs=int(max_epochs),
                           patience=min(settings.patience, int(max_epochs)))
    rnn_fixed = {"max_epochs": settings.max_epochs, "patience": settings.patience,
                 "early_stopping": "last 10% of the training data", "optimizer": "adam",
                 "washout": f"min({RNN_WASHOUT}, task washout)"}
    specs = [
        ModelSpec("esn", "ESN", _esn_builder(settings.esn_units), ESN_SPACE,
                  fixed={"n_units": settings.esn_units, "bias_scaling": ESN_BIAS_SCALING}),
        ModelSpec("lsm", "LSM", _lsm_builder(settings.lsm_units), LSM_SPACE,
                  fixed={"n_units": settings.lsm_units, **LSM_FIXED}),
        ModelSpec("lstm", "LSTM", _rnn_builder("lstm", settings), RNN_SPACE, needs_torch=True,
                  fixed=rnn_fixed),
        ModelSpec("gru", "GRU", _rnn_builder("gru", settings), RNN_SPACE, needs_torch=True,
                  fixed=rnn_fixed),
        ModelSpec("leaky_rnn", "leaky RNN", _rnn_builder("leaky_rnn", settings),
                  LEAKY_RNN_SPACE, needs_torch=True, fixed=rnn_fixed),
        ModelSpec("arima", "ARIMA", _build_arima, ARIMA_SPACE, kinds=FORECAST_ONLY,
                  fixed={"maxiter": 50}),
        ModelSpec("persistence", "persistence", _build_persistence, kinds=FORECAST_ONLY),
    ]
    return {spec.name: spec for spec in specs}


def count_parameters(model) -> int:
    """Number of trained parameters of a fitted benchmark model.

    Trained RNNs: every trainable torch parameter. Reservoir estimators: the
    readout's coefficients and intercepts (the reservoir is not trained).
    ARIMA: the estimated statsmodels parameters (all columns). Persistence: 0.

    Parameters
    ----------
    model : fitted estimator

    Returns
    -------
    int
    """
    net = getattr(model, "net_", None)
    if net is not None:
        return int(sum(p.numel() for p in net.parameters() if p.requires_grad))
    readout = getattr(model, "readout_", None)
    if readout is not None:
        return int(np.size(readout.coef_) + np.size(readout.intercept_))
    results = getattr(model, "results_", None)
    if results is not None:
        results = results if isinstance(results, list) else [results]
        return int(sum(np.size(r.params) for r in results))
    return 0
