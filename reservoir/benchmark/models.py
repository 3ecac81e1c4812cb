"""Benchmark models: how each is built for a task, and how its tuning searches.

Every model with hyperparameters is tuned the same way, by
:func:`reservoir.model_selection.tune` with ``evaluate=`` the task's own
validation score (see :mod:`.runner`): optuna's TPE sampler with the same
seed for every model, a median pruner, and the same number of trials
(``--budget``) or the same tuning wall time (``--time-budget``) per model.
Persistence has nothing to tune.

Search spaces
-------------
The spaces are those declared in :mod:`reservoir.search_spaces`, the one
place where the library's spaces live; the benchmark fixes only the sizes
that set the cost (``n_units``, ``max_epochs``, early-stopping patience,
the task's washout):

* ESN (:func:`~reservoir.search_spaces.esn_space` inside a
  ``ReservoirForecaster`` / ``ReservoirRegressor``): activation (tanh or
  linear), topology (random, ring, orthogonal), spectral radius, leak rate,
  input and bias scaling, and ``include_input``;
* ES2N (:func:`~reservoir.search_spaces.es2n_space`, 300 units: dense ``W`` and ``O``):
  proximity, spectral radius, input and bias scaling, and ``include_input``;
* NVAR (:func:`~reservoir.search_spaces.nvar_space`): number of delayed
  copies, their stride and the monomial order (which set the feature count),
  and ``include_input``;
* LSM (:func:`~reservoir.search_spaces.lsm_space`): recurrent gain,
  inhibition balance, input scaling, background current, membrane and trace
  time constants, and ``include_input``; the rest of the liquid is the
  library's default (the delay-line liquid; :data:`LSM_FIXED` lists what the
  benchmark changes: nothing);
* trained RNNs (:func:`~reservoir.search_spaces.rnn_space`,
  :func:`~reservoir.search_spaces.leaky_rnn_space`): learning rate, hidden
  size, truncated-BPTT length (and the leak rate of the leaky RNN); Adam,
  early stopping on the last 10% of the training data, ``max_epochs`` epochs
  at most, trials pruned on their validation loss epoch by epoch;
* ARIMA (:func:`arima_space`, the library declares none): ``(p, d, q)`` and
  constant/no trend, maximum likelihood (statsmodels).

The ridge penalty of the reservoirs' readout is not sampled: each sampled
reservoir is fitted once and scored with every penalty of :attr:`ModelSpec.alphas`
(the readout re-solved from its kept statistics), the best one kept.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field, replace

import numpy as np

from ..model_selection import DEFAULT_ALPHAS

__all__ = ["MODEL_NAMES", "ModelSpec", "make_models", "count_parameters", "torch_available",
           "arima_space"]

MODEL_NAMES = ("esn", "es2n", "nvar", "lsm", "lstm", "gru", "leaky_rnn", "arima", "persistence")
FORECAST_ONLY = ("forecast",)
ALL_KINDS = ("forecast", "regression", "memory")
#: Warm-up steps of each trained-RNN training window (capped by the task's washout).
RNN_WASHOUT = 20


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
    es2n_units: int
    lsm_units: int
    max_epochs: int
    patience: int


#: Settings of the full run (False) and of ``--quick`` (True). The full run's ESN has 1000
#: units, the size of the Mackey-Glass anchors (Jaeger & Haas 2004) and of the defaults
#: study: with 500 it reached 84-step NRMSE 3.96e-4 after 20 trials, with 1000 2.92e-5.
#: The ES2N has 300 units: its ``W`` and ``O`` are dense, so a step costs two dense N x N
#: products (at 1000 units its Mackey-Glass tuning alone took over an hour on 2 cores).
SETTINGS = {False: Settings(esn_units=1000, es2n_units=300, lsm_units=500, max_epochs=300,
                            patience=15),
            True: Settings(esn_units=100, es2n_units=100, lsm_units=100, max_epochs=20,
                           patience=5)}


@dataclass(frozen=True)
class ModelSpec:
    """A benchmark model: its builder, how it is tuned and the task kinds it applies to.

    Attributes
    ----------
    name : str
    label : str
        Name shown in tables and figures.
    build : callable
        ``build(task, params, seed)`` returns an unfitted scikit-learn
        estimator for the task with the fixed settings and ``params`` (names
        as ``set_params`` takes them, nested ones included:
        ``reservoir__spectral_radius``, ``readout__alpha``) set. Called with
        empty ``params`` it gives the estimator tuning starts from.
    search_space : callable, dict or None
        Passed to :func:`~reservoir.model_selection.tune` as ``search_space``;
        None: the spaces registered in :mod:`reservoir.search_spaces` for the
        built estimator and its components.
    tuned : bool
        False for a model with nothing to tune (persistence): it is scored
        once on the validation split, no trials.
    kinds : tuple of str
        Task kinds the model applies to.
    needs_torch : bool
    fixed : dict
        Settings that are not tuned (reported with the results).
    alphas : tuple of float or None
        Ridge penalties chosen from for free (reservoir models, whose readout
        is a :class:`~reservoir.RidgeReadout`); None for the other models.
    space_name : str
        What is searched, for the report.
    """

    name: str
    label: str
    build: object
    search_space: object = None
    tuned: bool = True
    kinds: tuple = ALL_KINDS
    needs_torch: bool = False
    fixed: dict = field(default_factory=dict)
    alphas: tuple | None = None
    space_name: str = "reservoir.search_spaces"

    def applies_to(self, task) -> bool:
        """Whether the model can do ``task``."""
        return task.kind in self.kinds


def _with_params(estimator, params):
    return estimator.set_params(**params) if params else estimator


# -- reservoirs ----------------------------------------------------------------------------
def _reservoir_estimator(task, reservoir, seed):
    from ..estimators import ReservoirForecaster, ReservoirRegressor
    from ..readouts import RidgeReadout

    if task.kind == "forecast":
        return ReservoirForecaster(reservoir, readout=RidgeReadout(), washout=task.washout,
                                   random_state=seed)
    washout = task.washout if task.kind == "regression" else 0
    return ReservoirRegressor(reservoir, readout=RidgeReadout(), washout=washout,
                              random_state=seed)


def _esn_builder(n_units):
    def build(task, params, seed):
        from ..esn import ESN

        reservoir = ESN(n_units=n_units, random_state=seed)
        return _with_params(_reservoir_estimator(task, reservoir, seed), params)

    return build


def _es2n_builder(n_units):
    def build(task, params, seed):
        from ..es2n import ES2N

        return _with_params(_reservoir_estimator(task, ES2N(n_units=n_units, random_state=seed),
                                                 seed), params)

    return build


def _build_nvar(task, params, seed):
    from ..nvar import NVAR

    return _with_params(_reservoir_estimator(task, NVAR(), seed), params)


def _lsm_builder(n_units):
    def build(task, params, seed):
        from .. import LSM

        liquid = LSM(n_units=n_units, random_state=seed, **LSM_FIXED)
        return _with_params(_reservoir_estimator(task, liquid, seed), params)

    return build


#: Settings of the benchmark's liquid that differ from :class:`~reservoir.LSM`'s defaults:
#: none. The default liquid is the delay-line liquid (per-connection synaptic delays
#: spanning about ten input steps, several readout kernels) of
#: examples/liquid_state_machine.py; its gains and time constants are tuned.
LSM_FIXED: dict = {}


#: Ridge penalties of the LSM's readout, one per decade from 1e-5 to 1e3: its
#: spike-trace features are larger than an ESN's states (the best penalties found lie
#: in 1e-3 .. 1e2), and each penalty costs a re-prediction with the slow spiking liquid
#: (at N=500 on Mackey-Glass, about half the cost of the fit).
LSM_ALPHAS = tuple(float(a) for a in np.logspace(-5, 3, 9))


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
        model = cls(washout=min(RNN_WASHOUT, task.washout), max_epochs=settings.max_epochs,
                    patience=settings.patience, early_stopping=True, random_state=seed)
        return _with_params(model, params)

    return build


# -- statistical baselines ---------------------------------------------------------------------
def arima_space(trial, prefix="", estimator=None):
    """Search space of the ARIMA baseline: ``order=(p, d, q)`` and ``trend``.

    ``p`` in 0..8, ``d`` in {0, 1}, ``q`` in 0..2, ``trend`` "n" (none) or
    "c" (constant); the signature of :mod:`reservoir.search_spaces`.

    Parameters
    ----------
    trial : optuna.trial.Trial
    prefix : str, default=""
    estimator : ARIMAForecaster, optional
        Unused.

    Returns
    -------
    dict
        ``{prefix + "order": (p, d, q), prefix + "trend": trend}``.
    """
    order = (trial.suggest_int(f"{prefix}p", 0, 8), trial.suggest_int(f"{prefix}d", 0, 1),
             trial.suggest_int(f"{prefix}q", 0, 2))
    return {f"{prefix}order": order,
            f"{prefix}trend": trial.suggest_categorical(f"{prefix}trend", ["n", "c"])}


def _build_arima(task, params, seed):
    from ..baselines import ARIMAForecaster

    return _with_params(ARIMAForecaster(), params)


def _build_persistence(task, params, seed):
    from ..baselines import PersistenceForecaster

    return _with_params(PersistenceForecaster(), params)


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
        ModelSpec("esn", "ESN", _esn_builder(settings.esn_units),
                  fixed={"n_units": settings.esn_units}, alphas=DEFAULT_ALPHAS,
                  space_name="reservoir.search_spaces: ESN + reservoir estimator"),
        ModelSpec("es2n", "ES2N", _es2n_builder(settings.es2n_units),
                  fixed={"n_units": settings.es2n_units}, alphas=DEFAULT_ALPHAS,
                  space_name="reservoir.search_spaces: ES2N + reservoir estimator"),
        ModelSpec("nvar", "NVAR", _build_nvar, alphas=DEFAULT_ALPHAS,
                  space_name="reservoir.search_spaces: NVAR + reservoir estimator"),
        ModelSpec("lsm", "LSM", _lsm_builder(settings.lsm_units),
                  fixed={"n_units": settings.lsm_units, **LSM_FIXED}, alphas=LSM_ALPHAS,
                  space_name="reservoir.search_spaces: LSM + reservoir estimator"),
        ModelSpec("lstm", "LSTM", _rnn_builder("lstm", settings), needs_torch=True,
                  fixed=rnn_fixed, space_name="reservoir.search_spaces: rnn_space"),
        ModelSpec("gru", "GRU", _rnn_builder("gru", settings), needs_torch=True,
                  fixed=rnn_fixed, space_name="reservoir.search_spaces: rnn_space"),
        ModelSpec("leaky_rnn", "leaky RNN", _rnn_builder("leaky_rnn", settings),
                  needs_torch=True, fixed=rnn_fixed,
                  space_name="reservoir.search_spaces: leaky_rnn_space"),
        ModelSpec("arima", "ARIMA", _build_arima, search_space=arima_space,
                  kinds=FORECAST_ONLY, fixed={"maxiter": 50},
                  space_name="reservoir.benchmark.models.arima_space"),
        ModelSpec("persistence", "persistence", _build_persistence, tuned=False,
                  kinds=FORECAST_ONLY, space_name="nothing to tune"),
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
