"""Trained recurrent baselines (PyTorch): LSTM, GRU and leaky-integrator RNN.

Each network is offered as a regressor (``fit(X, y)``: per-step targets) and as
a forecaster (``fit(y, X=None)``: teacher forcing, input ``y[t]`` (+ exogenous
``X[t]``), target ``y[t+1]``; closed-loop ``predict(n_steps)``), with the data
conventions of the reservoir estimators: one series, a list of series or a 3-D
block; ``washout`` warm-up steps excluded from the loss; outputs in the caller's
structure.

All six classes share one training loop (:mod:`._torch_training`) and one
network wrapper (:mod:`._torch_nets`); they differ only in the recurrent core
they build. torch is imported when a network is first built, so that
``import reservoir.baselines`` works without it; without torch, ``fit`` raises
an ImportError that says how to install it.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._batching import equal_length_blocks, scatter
from .._forecaster import BaseForecaster, ForecastLayout
from .._scoring import SequenceRegressorMixin
from .._validation import (
    BOOLEAN,
    RANDOM_STATE,
    Interval,
    Options,
    Satisfies,
    check_series,
    check_supervised_series,
    check_washout,
    record_n_features,
    validate_params,
)

__all__ = [
    "RecurrentEstimator",
    "LSTMRegressor",
    "LSTMForecaster",
    "GRURegressor",
    "GRUForecaster",
    "LeakyRNNRegressor",
    "LeakyRNNForecaster",
]

INSTALL_HINT = (
    "The trained recurrent baselines need PyTorch, which could not be imported. "
    'Install it with: pip install "reservoir-rc[torch]"'
)
_DTYPES = ("float32", "float64")
#: Options of a core's factory that a saved network records (and the only ones read back).
_NET_OPTIONS = {"leaky": ("leak_rate", "learn_time_constants")}


def _torch_backend():
    """Import torch and the private torch modules, or explain how to install torch."""
    try:
        import torch  # noqa: F401
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    from . import _torch_nets, _torch_training

    return _torch_nets, _torch_training


# -- parameters ---------------------------------------------------------------------------
#: Constructor parameters and defaults, in signature order, of each group of classes.
_NETWORK_PARAMETERS = (("hidden_size", 32), ("num_layers", 1))
_LEAKY_PARAMETERS = (("leak_rate", 0.5), ("learn_time_constants", False))
_TRAINING_PARAMETERS = (
    ("washout", 0), ("learning_rate", 3e-3), ("max_epochs", 200), ("batch_size", 32),
    ("seq_len", 50), ("gradient_clip", 1.0), ("weight_decay", 0.0), ("early_stopping", True),
    ("validation_fraction", 0.1), ("patience", 20), ("optimizer", "adam"), ("device", "cpu"),
    ("dtype", "float32"), ("random_state", None), ("verbose", 0),
)
_FORECAST_PARAMETERS = (("divergence_factor", 1.0),)


def _init_with(*groups):
    """An ``__init__`` storing the given ``(name, default)`` parameters, with their signature.

    The six network classes combine the same parameter groups (network,
    leaky core, training, forecasting); the table above is their one
    definition. The returned function has the explicit signature (through
    ``__signature__``) that scikit-learn's ``get_params``, ``clone`` and
    ``repr`` read, accepts positional and keyword arguments as a written-out
    ``__init__`` would, and only stores the values (validation happens in
    ``fit``).
    """
    parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)] + [
        inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default)
        for group in groups for name, default in group]
    signature = inspect.Signature(parameters)

    def __init__(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        for name, value in list(bound.arguments.items())[1:]:
            setattr(self, name, value)

    __init__.__signature__ = signature
    return __init__


def _is_device(value):
    return isinstance(value, str) or type(value).__name__ == "device"


def _check_device(device):
    import torch

    message = f"device must be 'cpu' or a CUDA device such as 'cuda:0'; got {device!r}."
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(message) from exc
    if resolved.type not in ("cpu", "cuda"):
        raise ValueError(message)
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was requested but CUDA is not available.")
    return resolved


def _check_width(series, expected, name):
    if series.n_features != expected:
        raise ValueError(
            f"{name} has {series.n_features} features, but the estimator was fitted "
            f"with {expected}."
        )


def _join(series, exogenous):
    """Network inputs: each series with its exogenous columns (a list, or None) appended."""
    if exogenous is None:
        return list(series)
    return [np.hstack([s, x]) for s, x in zip(series, exogenous, strict=True)]


def _moments(series):
    stacked = np.concatenate(series)
    mean, std = stacked.mean(axis=0), stacked.std(axis=0)
    return mean, np.where(std > 1e-12 * (1.0 + np.abs(mean)), std, 1.0)


def _standardization(inputs, targets):
    """Mean/std of every input and target feature (constant features keep std 1)."""
    (input_mean, input_std), (target_mean, target_std) = _moments(inputs), _moments(targets)
    return {"input_mean": input_mean, "input_std": input_std,
            "target_mean": target_mean, "target_std": target_std}


def _describe_net(net, core):
    """A trained SequenceNet as plain data: its architecture and numpy copies of its tensors."""
    recurrent = net.core
    if core == "leaky":
        num_layers = len(recurrent.layers)
        options = {"leak_rate": 0.5,  # the initial value only; the rates are in the state_dict
                   "learn_time_constants": bool(recurrent.layers[0].learn_time_constants)}
    else:
        num_layers, options = int(recurrent.num_layers), {}
    parameter = next(net.parameters())
    return {
        "core": core,
        "n_inputs": int(net.input_mean.shape[0]),
        "n_outputs": int(net.head.out_features),
        "hidden_size": int(net.head.in_features),
        "num_layers": num_layers,
        "options": options,
        "dtype": str(parameter.dtype).removeprefix("torch."),
        "state_dict": {name: tensor.detach().cpu().numpy().copy()
                       for name, tensor in net.state_dict().items()},
    }


def _rebuild_net(record, device):
    """The SequenceNet described by :func:`_describe_net`, on ``device`` (else the CPU)."""
    nets, _ = _torch_backend()
    import torch

    core = record["core"]
    if core not in nets.CORES or record["dtype"] not in _DTYPES:
        raise ValueError(f"Unknown network in the saved state: core={core!r}, "
                         f"dtype={record['dtype']!r}; the file is corrupt or incompatible.")
    try:
        target = _check_device(device)
    except ValueError as exc:
        warnings.warn(f"{exc} The trained network is loaded on the CPU instead.",
                      RuntimeWarning, stacklevel=3)
        target = torch.device("cpu")
    n_inputs, n_outputs = record["n_inputs"], record["n_outputs"]
    statistics = {"input_mean": np.zeros(n_inputs), "input_std": np.ones(n_inputs),
                  "target_mean": np.zeros(n_outputs), "target_std": np.ones(n_outputs)}
    net = nets.build_net(core, n_inputs=n_inputs, n_outputs=n_outputs,
                         hidden_size=record["hidden_size"], num_layers=record["num_layers"],
                         statistics=statistics, seed=0, dtype=getattr(torch, record["dtype"]),
                         device="cpu", **{name: record["options"][name]
                                          for name in _NET_OPTIONS.get(core, ())})
    net.load_state_dict({name: torch.as_tensor(np.asarray(value))
                         for name, value in record["state_dict"].items()}, strict=True)
    return net.to(target).eval()


# -- the shared machinery ----------------------------------------------------------------
class RecurrentEstimator(BaseEstimator):
    """Base class of the trained RNN baselines: hyperparameters, training, batched inference.

    Every regressor and forecaster of this module derives from it, so
    ``isinstance(model, RecurrentEstimator)`` tells a model that trains a torch
    network by epochs (e.g. to hook a callback into its training loop).
    """

    #: Name of the recurrent core in :data:`._torch_nets.CORES`; set by each network family.
    _core = None
    _parameter_constraints: dict = {
        "hidden_size": [Interval("integer", 1, None)],
        "num_layers": [Interval("integer", 1, None)],
        "washout": [Interval("integer", 0, None)],
        "learning_rate": [Interval("real", 0, None, closed="neither")],
        "max_epochs": [Interval("integer", 1, None)],
        "batch_size": [Interval("integer", 1, None)],
        "seq_len": [Interval("integer", 1, None)],
        "gradient_clip": [Interval("real", 0, None, closed="neither"), None],
        "weight_decay": [Interval("real", 0, None)],
        "early_stopping": [BOOLEAN],
        "validation_fraction": [Interval("real", 0, 1, closed="neither")],
        "patience": [Interval("integer", 1, None)],
        "optimizer": [Options("adam", "sgd")],
        "device": [Satisfies(_is_device, "a device name such as 'cpu' or 'cuda:0', "
                                         "or a torch.device")],
        "dtype": [Options(*_DTYPES)],
        "random_state": [RANDOM_STATE],
        "verbose": [Interval("integer", 0, None), BOOLEAN],
    }

    __init__ = _init_with(_NETWORK_PARAMETERS, _TRAINING_PARAMETERS)

    # -- hooks of the network families ---------------------------------------------------
    def _core_options(self):
        """Validated keyword arguments of the core's factory."""
        return {}

    def _record_core(self):
        """Copy learned quantities of the core into fitted attributes after training."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    # -- persistence ---------------------------------------------------------------------
    def __getstate__(self):
        """Pickled (and :mod:`reservoir.io`) state: the network as numpy arrays.

        ``net_`` is stored as its architecture and its ``state_dict`` with every
        tensor converted to a numpy array, never as a pickled torch module;
        loading rebuilds the network (torch is needed then).
        """
        state = dict(super().__getstate__())  # a copy, not self.__dict__
        net = state.pop("net_", None)
        if net is not None:
            state["_net_arrays"] = _describe_net(net, self._core)
        return state

    def __setstate__(self, state):
        state = dict(state)
        record = state.pop("_net_arrays", None)
        super().__setstate__(state)
        if record is not None:
            self.net_ = _rebuild_net(record, self.device)

    # -- fitting -------------------------------------------------------------------------
    def _training_config(self, training):
        """The training loop's settings (parameters validated in fit by validate_params)."""
        return training.TrainingConfig(
            learning_rate=float(self.learning_rate),
            max_epochs=int(self.max_epochs),
            batch_size=int(self.batch_size),
            gradient_clip=None if self.gradient_clip is None else float(self.gradient_clip),
            weight_decay=float(self.weight_decay),
            optimizer=self.optimizer,
            early_stopping=bool(self.early_stopping),
            patience=int(self.patience),
            verbose=int(self.verbose),
        )

    def _split_validation(self, inputs, targets, washout):
        """Training parts, and held-out tails preceded by ``washout`` warm-up steps (or None)."""
        if not self.early_stopping:
            return (inputs, targets), None
        train_inputs, train_targets, tail_inputs, tail_targets = [], [], [], []
        for x, y in zip(inputs, targets, strict=True):
            n_train = x.shape[0] - max(1, round(self.validation_fraction * x.shape[0]))
            if n_train <= washout:
                raise ValueError(
                    f"Holding out validation_fraction={self.validation_fraction} of a series "
                    f"of {x.shape[0]} training steps (n_samples={x.shape[0]}) for early "
                    f"stopping leaves {n_train}, not more than washout={washout}; pass longer "
                    "series, a smaller validation_fraction or early_stopping=False."
                )
            train_inputs.append(x[:n_train])
            train_targets.append(y[:n_train])
            tail_inputs.append(x[n_train - washout:])
            tail_targets.append(y[n_train - washout:])
        return (train_inputs, train_targets), (tail_inputs, tail_targets)

    def _fit_sequences(self, inputs, targets, washout):
        """Build and train the network on paired (T_i, d) inputs and (T_i, k) targets."""
        nets, training = _torch_backend()
        import torch

        config = self._training_config(training)
        core_options = self._core_options()
        dtype = getattr(torch, self.dtype)
        device = _check_device(self.device)
        init_seed, order_seed = check_random_state(self.random_state).randint(0, 2**31 - 1, 2)
        train_part, validation_part = self._split_validation(inputs, targets, washout)
        self.net_ = nets.build_net(
            self._core, n_inputs=inputs[0].shape[1], n_outputs=targets[0].shape[1],
            hidden_size=self.hidden_size, num_layers=self.num_layers,
            statistics=_standardization(*train_part), seed=int(init_seed), dtype=dtype,
            device=device, **core_options,
        )
        windows, validation = (
            None if part is None else training.cut_windows(
                *part, warmup=washout, seq_len=self.seq_len, dtype=dtype, device=device)
            for part in (train_part, validation_part)
        )
        with training.cpu_threads(device):
            history = training.train(self.net_, windows, validation, config, int(order_seed))
        self.loss_curve_ = history.loss_curve
        self.validation_curve_ = history.validation_curve
        self.best_epoch_ = history.best_epoch
        self.n_epochs_ = history.n_epochs
        self._record_core()

    # -- inference -------------------------------------------------------------------
    def _run_groups(self, series):
        """Run the network from the zero state over equal-length groups of ``series``.

        Yields ``(members, outputs (B, T, k), final_state)`` per group.
        """
        _, training = _torch_backend()
        for members, block in equal_length_blocks(series):
            with training.cpu_threads(self.device):
                outputs, state = training.run_network(self.net_, block)
            yield members, outputs, state

    def _run_series(self, series):
        """Raw network outputs for each series, one (T_i, k) array per series."""
        return scatter(len(series), ((members, block)
                                     for members, block, _ in self._run_groups(series)))


class _RecurrentRegressor(SequenceRegressorMixin, RecurrentEstimator):
    """fit(X, y) / predict(X) with per-step targets."""

    def fit(self, X, y):
        """Train the network to map the input series ``X`` to the target series ``y``.

        Parameters
        ----------
        X : array-like (T,) or (T, d), list of (T_i, d) arrays, or (n, T, d) array
            Input series.
        y : array-like with the same structure as ``X``
            Per-step targets, (T,) or (T, k) per series. The first ``washout``
            steps of every training window are excluded from the loss.

        Returns
        -------
        self
        """
        validate_params(self)
        inputs, targets, washout = check_supervised_series(self, X, y, self.washout)
        record_n_features(self, inputs, reset=True)
        self._fit_sequences(inputs.series, targets.series, washout)
        self.n_outputs_ = targets.n_features
        self._targets_1d_ = targets.was_1d
        return self

    def predict(self, X):
        """Per-step predictions for each input series, run from the zero state.

        Parameters
        ----------
        X : array-like (T,) or (T, d), list of (T_i, d) arrays, or (n, T, d) array

        Returns
        -------
        ndarray (T,) or (T, k), list of arrays, or (n, T, k) array
            Same structure as ``X``; 1-D per series when ``y`` was 1-D in ``fit``.
        """
        check_is_fitted(self)
        inputs = check_series(X, name="X")
        record_n_features(self, inputs, reset=False)
        outputs = self._run_series(inputs.series)
        if self._targets_1d_:
            outputs = [out[:, 0] for out in outputs]
        return inputs.restore(outputs)


class _RecurrentForecaster(BaseForecaster, RecurrentEstimator):
    """fit(y, X=None) with teacher forcing; closed-loop predict(n_steps) (see BaseForecaster)."""

    _parameter_constraints = {**RecurrentEstimator._parameter_constraints,
                              **BaseForecaster._parameter_constraints}
    __init__ = _init_with(_NETWORK_PARAMETERS, _TRAINING_PARAMETERS, _FORECAST_PARAMETERS)

    # -- hooks of the forecaster template ---------------------------------------------
    def _fit(self, series, exog):
        """Train one-step-ahead prediction: input ``y[t]`` (and ``X[t]``), target ``y[t+1]``."""
        washout = check_washout(self.washout, [len(s) for s in series], extra=1)
        inputs = _join(series, exog)
        self._fit_sequences([x[:-1] for x in inputs], [s[1:] for s in series], washout)
        self._last_inputs_ = inputs[-1]

    def _predict(self, n_steps, contexts, context_exog, future_exog):
        """Warm up on each context (or the end of training), then run in closed loop."""
        inputs = [self._last_inputs_] if contexts is None else _join(contexts, context_exog)
        return self._generate(inputs, future_exog, n_steps)

    def predict_next(self, y, X=None):
        """Teacher-forced one-step-ahead predictions: output ``t`` predicts ``y[t+1]``.

        The network is run from the zero state over the observed ``y`` (and
        ``X``); no prediction is fed back.

        Parameters
        ----------
        y : array-like (T,) or (T, d), list of (T_i, d) arrays, or (n, T, d) array
        X : exogenous inputs paired with ``y``; required when ``X`` was given to ``fit``.

        Returns
        -------
        ndarray (T,) or (T, d), pandas object, list of them, or (n, T, d) array
            Same structure, shape and (pandas) index as ``y``.
        """
        check_is_fitted(self)
        series, exogenous = self._check_observed(y, X)
        inputs = _join(series.series, None if exogenous is None else exogenous.series)
        return ForecastLayout.of(y, series).like_input(self._run_series(inputs))

    def _generate(self, contexts, futures, n_steps):
        """Warm up on each context, then run in closed loop; one (n_steps, d) path per context."""
        _, training = _torch_backend()

        def closed_loop(members, outputs, state):
            exogenous = None if futures is None else np.stack(
                [futures[i][: n_steps - 1] for i in members])
            with training.cpu_threads(self.device):
                return training.run_closed_loop(self.net_, outputs[:, -1], state, n_steps,
                                                exogenous)

        return scatter(len(contexts), ((members, closed_loop(members, outputs, state))
                                       for members, outputs, state in self._run_groups(contexts)))


class _LeakyRNN:
    """The leaky-integrator core: adds ``leak_rate`` and ``learn_time_constants``."""

    _core = "leaky"
    _leaky_constraints = {"leak_rate": [Interval("real", 0, 1, closed="right")],
                          "learn_time_constants": [BOOLEAN]}

    def _core_options(self):
        return {"leak_rate": float(self.leak_rate),
                "learn_time_constants": bool(self.learn_time_constants)}

    def _record_core(self):
        rates = self.net_.core.time_constants()
        self.learned_time_constants_ = rates.cpu().numpy().astype(np.float64)


# -- documentation shared by the six public classes -----------------------------------
_TRAINING_DOC = """\
washout : int, default=0
    Warm-up steps at the start of every training window (and of every series)
    whose outputs are excluded from the loss. Each training window has
    ``washout + seq_len`` steps and starts from the zero state.
learning_rate : float, default=3e-3
    Initial step size of the optimizer.
max_epochs : int, default=200
    Maximum number of passes over the training windows.
batch_size : int, default=32
    Windows per mini-batch.
seq_len : int, default=50
    Loss-bearing steps per training window: the truncated-BPTT length. A
    training series with at most ``washout + seq_len`` steps (after the
    early-stopping hold-out) is one window, trained on whole: a ``seq_len``
    longer than the series then trains exactly as ``seq_len`` equal to its
    length (no error, so that a tuner may sample lengths beyond short series).
gradient_clip : float or None, default=1.0
    Maximum total gradient norm (``torch.nn.utils.clip_grad_norm_``); None
    disables clipping.
weight_decay : float, default=0.0
    L2 penalty passed to the optimizer.
early_stopping : bool, default=True
    Hold out the last ``validation_fraction`` of every series, stop when its
    loss has not improved for ``patience`` epochs and restore the weights of
    the best epoch.
validation_fraction : float in (0, 1), default=0.1
patience : int, default=20
optimizer : {"adam", "sgd"}, default="adam"
    Adam, or SGD with momentum 0.9 and learning rate
    ``learning_rate / (1 + 0.05 * epoch)``.
device : str, default="cpu"
    torch device to train and predict on.
dtype : {"float32", "float64"}, default="float32"
    Precision of the network (inputs and outputs are float64 numpy arrays).
random_state : int, RandomState instance or None, default=None
    Seeds the weight initialisation and the order of mini-batches; the same
    seed gives identical predictions on the CPU.
verbose : int, default=0
    Show a tqdm progress bar over epochs with the current losses when > 0.
"""

_LEAKY_DOC = """\
leak_rate : float in (0, 1], default=0.5
    Leak rate ``a`` of the units, ``h <- (1 - a) h + a tanh(W h + U x + b)``;
    the initial value when the time constants are learned.
learn_time_constants : bool, default=False
    Learn one leak rate per unit, parameterised as ``sigmoid(theta)`` so that
    it stays in (0, 1); an initial ``leak_rate`` of 1 starts at 0.999.
"""

_ATTRIBUTES = """\
net_ : torch.nn.Module
    The trained network (standardisation, recurrent core, linear head).
loss_curve_ : list of float
    Training loss (MSE of standardised targets) per epoch.
validation_curve_ : list of float
    Validation loss per epoch (empty without early stopping).
best_epoch_ : int or None
    Epoch (from 0) whose weights were kept under early stopping.
n_epochs_ : int
    Number of epochs run.
n_features_in_ : int
    Number of input features (for a forecaster: those of ``y`` plus those of ``X``).
feature_names_in_ : ndarray of str
    Only when the input had string column names.
"""

_LEAKY_ATTRIBUTES = """\
learned_time_constants_ : ndarray of shape (num_layers * hidden_size,)
    Leak rate of every unit after training, layer by layer (all equal to
    ``leak_rate`` when they are not learned).
"""

_NETWORKS = {
    "lstm": "an LSTM (``torch.nn.LSTM``)",
    "gru": "a GRU (``torch.nn.GRU``)",
    "leaky": "a leaky-integrator tanh RNN with fixed or learned per-unit leak rates",
}


_FORECAST_DOC = """\
divergence_factor : float > 0, default=1.0
    A closed-loop forecast that leaves the range of the training data by more
    than this multiple of the range's width (or turns non-finite) triggers a
    :class:`~reservoir.exceptions.ForecastDivergenceWarning`.
"""


def _docstring(network, role, name):
    description, leaky = _NETWORKS[network], network == "leaky"
    forecaster = role == "forecaster"
    if role == "regressor":
        summary = (f"Sequence-to-sequence regression with {description}.\n\n"
                   "``fit(X, y)`` learns per-step targets ``y`` from input series ``X``; "
                   "``predict(X)`` runs the\nnetwork over new series from the zero state.")
        extra_attrs = "n_outputs_ : int\n    Number of target features.\n"
        usage = (f">>> model = {name}(hidden_size=8, max_epochs=5, random_state=0)\n"
                 ">>> model.fit(u[:150], np.roll(u, 1)[:150]).predict(u[150:]).shape\n(50,)")
    else:
        summary = (f"Time-series forecasting with {description}.\n\n"
                   "``fit(y, X=None)`` trains one-step-ahead prediction with teacher forcing "
                   "(input ``y[t]``,\nplus exogenous ``X[t]``, target ``y[t+1]``); "
                   "``predict(n_steps)`` forecasts in closed loop;\n"
                   "``predict_next(y)`` gives teacher-forced one-step-ahead predictions.")
        extra_attrs = ("n_outputs_ : int\n    Number of features of ``y``.\n"
                       "n_exog_ : int\n    Number of exogenous features (0 without X).\n"
                       "training_range_ : tuple of two ndarrays\n    Per-feature minimum and "
                       "maximum of the training ``y`` (reference of the divergence warning).\n")
        usage = (f">>> model = {name}(hidden_size=8, max_epochs=5, random_state=0)\n"
                 ">>> model.fit(u).predict(n_steps=10).shape\n(10,)")
    return f"""{summary}

Mirrors the interface of the reservoir estimators (one series, a list or a 3-D
block; outputs in the caller's structure) so the two can be compared on the
same data. Inputs and targets are standardised inside the network with the
mean and standard deviation of the training data.

Parameters
----------
hidden_size : int, default=32
    Units per recurrent layer.
num_layers : int, default=1
    Stacked recurrent layers.
{_LEAKY_DOC if leaky else ""}{_TRAINING_DOC}{_FORECAST_DOC if forecaster else ""}
Attributes
----------
{_ATTRIBUTES}{extra_attrs}{_LEAKY_ATTRIBUTES if leaky else ""}
Examples
--------
>>> import numpy as np
>>> from reservoir.baselines import {name}
>>> u = np.sin(np.arange(200) / 5)
{usage}
"""


class LSTMRegressor(_RecurrentRegressor):
    __doc__ = _docstring("lstm", "regressor", "LSTMRegressor")
    _core = "lstm"


class LSTMForecaster(_RecurrentForecaster):
    __doc__ = _docstring("lstm", "forecaster", "LSTMForecaster")
    _core = "lstm"


class GRURegressor(_RecurrentRegressor):
    __doc__ = _docstring("gru", "regressor", "GRURegressor")
    _core = "gru"


class GRUForecaster(_RecurrentForecaster):
    __doc__ = _docstring("gru", "forecaster", "GRUForecaster")
    _core = "gru"


class LeakyRNNRegressor(_LeakyRNN, _RecurrentRegressor):
    __doc__ = _docstring("leaky", "regressor", "LeakyRNNRegressor")
    _parameter_constraints = {**_RecurrentRegressor._parameter_constraints,
                              **_LeakyRNN._leaky_constraints}
    __init__ = _init_with(_NETWORK_PARAMETERS, _LEAKY_PARAMETERS, _TRAINING_PARAMETERS)


class LeakyRNNForecaster(_LeakyRNN, _RecurrentForecaster):
    __doc__ = _docstring("leaky", "forecaster", "LeakyRNNForecaster")
    _parameter_constraints = {**_RecurrentForecaster._parameter_constraints,
                              **_LeakyRNN._leaky_constraints}
    __init__ = _init_with(_NETWORK_PARAMETERS, _LEAKY_PARAMETERS, _TRAINING_PARAMETERS,
                          _FORECAST_PARAMETERS)
