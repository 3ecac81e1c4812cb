"""Tests of the trained recurrent baselines (LSTM, GRU, leaky RNN) of reservoir.baselines."""

import importlib.util
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from reservoir.baselines import (
    GRUForecaster,
    GRURegressor,
    LeakyRNNForecaster,
    LeakyRNNRegressor,
    LSTMForecaster,
    LSTMRegressor,
)

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")

REGRESSORS = [LSTMRegressor, GRURegressor, LeakyRNNRegressor]
FORECASTERS = [LSTMForecaster, GRUForecaster, LeakyRNNForecaster]
#: Tiny settings: these tests check behaviour, not accuracy.
FAST = dict(hidden_size=4, max_epochs=2, seq_len=10, batch_size=8, random_state=0)


def _sine(n, period=25.0, phase=0.0):
    return np.sin(2 * np.pi * np.arange(n) / period + phase)


def _run_python(code):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120)


# -- optional dependency ----------------------------------------------------------------
def test_importing_reservoir_and_baselines_does_not_import_torch():
    result = _run_python("""
        import sys
        import reservoir, reservoir.baselines
        from reservoir.baselines import LSTMRegressor, LeakyRNNForecaster
        LSTMRegressor(hidden_size=3).get_params()
        assert "torch" not in sys.modules, "torch was imported"
        print("ok")
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_fit_without_torch_raises_import_error_with_install_hint():
    result = _run_python("""
        import sys

        class NoTorch:  # an import hook that makes torch look uninstalled
            def find_spec(self, name, path=None, target=None):
                if name == "torch" or name.startswith("torch."):
                    raise ModuleNotFoundError(f"No module named {name!r}")

        sys.meta_path.insert(0, NoTorch())
        import numpy as np
        from sklearn.base import clone
        from reservoir.baselines import GRUForecaster
        model = clone(GRUForecaster(hidden_size=3))  # parameters need no torch
        try:
            model.fit(np.sin(np.arange(50.0)))
        except ImportError as exc:
            print(exc)
        else:
            print("no error")
    """)
    assert result.returncode == 0, result.stderr
    assert 'pip install "reservoir-rc[torch]"' in result.stdout


# -- shapes and layouts ------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("cls", REGRESSORS)
def test_regressor_output_keeps_the_callers_structure(cls):
    rng = np.random.default_rng(0)
    u = rng.uniform(-1, 1, 60)
    model = cls(**FAST).fit(u, np.roll(u, 1))
    assert model.predict(u).shape == (60,)
    assert model.n_features_in_ == 1 and model.n_outputs_ == 1

    X = rng.uniform(-1, 1, (60, 3))
    model = cls(**FAST).fit(X, X[:, :2] ** 2)
    assert model.predict(X[:30]).shape == (30, 2)

    series = [rng.uniform(-1, 1, (n, 2)) for n in (40, 55, 40)]
    model = cls(**FAST).fit(series, [s[:, 0] * s[:, 1] for s in series])
    out = model.predict(series)
    assert isinstance(out, list) and [o.shape for o in out] == [(40,), (55,), (40,)]

    block = rng.uniform(-1, 1, (3, 30, 2))
    model = cls(**FAST).fit(block, block[..., :1] * 2)
    assert model.predict(block).shape == (3, 30, 1)


@needs_torch
@pytest.mark.parametrize("cls", FORECASTERS)
def test_forecaster_output_keeps_the_callers_structure(cls):
    y = _sine(80)
    model = cls(**FAST).fit(y)
    assert model.predict(7).shape == (7,)
    assert model.predict_next(y).shape == (80,)
    contexts = [y[:30], y[10:50]]
    forecasts = model.predict(5, context=contexts)
    assert isinstance(forecasts, list) and [f.shape for f in forecasts] == [(5,), (5,)]
    assert model.predict(5, context=np.stack([y[:30, None], y[5:35, None]])).shape == (2, 5, 1)

    two = np.column_stack([y, np.cos(np.arange(80) / 4)])
    model = cls(**FAST).fit([two, two[:50]])
    assert model.predict(4).shape == (4, 2)
    assert [p.shape for p in model.predict_next([two, two[:50]])] == [(80, 2), (50, 2)]


@needs_torch
def test_list_prediction_equals_prediction_of_each_series_alone():
    rng = np.random.default_rng(1)
    series = [rng.normal(size=(n, 2)) for n in (30, 45, 30, 12)]
    model = LeakyRNNRegressor(**FAST).fit(series, [s.sum(axis=1) for s in series])
    together = model.predict(series)
    for s, out in zip(series, together, strict=True):
        np.testing.assert_allclose(out, model.predict(s), rtol=1e-6, atol=1e-7)


@needs_torch
def test_forecast_continues_the_training_series_like_predict_next_and_context():
    y = _sine(120)
    model = GRUForecaster(**FAST).fit(y)
    path = model.predict(6)
    # The first forecast is the teacher-forced prediction after the last observation.
    np.testing.assert_allclose(path[0], model.predict_next(y)[-1], rtol=1e-6, atol=1e-7)
    # Forecasting from the end of training == forecasting with the training series as context.
    np.testing.assert_allclose(path, model.predict(6, context=y), rtol=1e-6, atol=1e-7)


@needs_torch
def test_lstm_forecasts_a_sine_wave_in_closed_loop():
    y = _sine(450, period=8 * np.pi)
    model = LSTMForecaster(hidden_size=16, seq_len=20, batch_size=8, max_epochs=60,
                           learning_rate=1e-2, early_stopping=False, random_state=0)
    path = model.fit(y[:400]).predict(50)
    rmse = np.sqrt(np.mean((path - y[400:]) ** 2))
    last_value_rmse = np.sqrt(np.mean((y[399] - y[400:]) ** 2))
    assert rmse < 0.1 < last_value_rmse


@needs_torch
def test_pandas_series_forecast_continues_the_date_index():
    index = pd.date_range("2024-01-01", periods=60, freq="D")
    y = pd.Series(_sine(60), index=index, name="level")
    forecast = LSTMForecaster(**FAST).fit(y).predict(3)
    assert isinstance(forecast, pd.Series) and forecast.name == "level"
    assert list(forecast.index) == list(pd.date_range("2024-03-01", periods=3, freq="D"))


@needs_torch
@pytest.mark.parametrize("cls", [LSTMForecaster, LeakyRNNForecaster])
def test_forecaster_with_exogenous_inputs(cls):
    t = np.arange(100)
    X = np.column_stack([np.sin(t / 3), np.cos(t / 5)])
    y = X[:, 0] + 0.5 * np.roll(X[:, 1], 1)
    model = cls(**FAST).fit(y[:80], X[:80])
    assert model.n_exog_ == 2 and model.n_features_in_ == 3
    assert model.predict(20, X=X[80:]).shape == (20,)
    assert model.predict_next(y, X=X).shape == (100,)
    assert model.predict(5, X=X[80:85], context=y[:50], context_X=X[:50]).shape == (5,)
    with pytest.raises(ValueError, match="X is required"):
        model.predict(20)
    with pytest.raises(ValueError, match="n_steps=20"):
        model.predict(20, X=X[80:90])
    with pytest.raises(ValueError, match="context_X is required"):
        model.predict(5, X=X[80:85], context=y[:50])
    with pytest.raises(ValueError, match="without exogenous"):
        cls(**FAST).fit(y).predict(5, X=X[:5])
    assert model.fit(y[:80]).n_exog_ == 0  # a refit may drop the exogenous inputs


# -- training ----------------------------------------------------------------------------
@needs_torch
def test_windows_tile_every_step_after_the_warmup_exactly_once():
    import torch

    from reservoir.baselines._torch_training import cut_windows

    lengths, warmup = (7, 23, 50, 61), 3
    inputs = [np.arange(n, dtype=float)[:, None] + 1000 * i for i, n in enumerate(lengths)]
    windows = cut_windows(inputs, inputs, warmup=warmup, seq_len=10, dtype=torch.float64)
    scored = np.sort(windows.inputs[..., 0][windows.mask.bool()].numpy())
    expected = np.sort(np.concatenate([x[warmup:, 0] for x in inputs]))
    np.testing.assert_array_equal(scored, expected)
    assert windows.inputs.shape[1] == warmup + 10


@needs_torch
def test_gradient_clipping_bounds_the_norm_the_optimizer_sees():
    from torch.optim.optimizer import register_optimizer_step_pre_hook

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = np.sign(X[:, 0]) * 5 + rng.normal(size=200)

    def grad_norms(gradient_clip):
        norms = []

        def record(optimizer, args, kwargs):
            grads = [p.grad for group in optimizer.param_groups for p in group["params"]
                     if p.grad is not None]
            norms.append(float(sum((g.double() ** 2).sum() for g in grads) ** 0.5))

        handle = register_optimizer_step_pre_hook(record)
        try:
            LSTMRegressor(**{**FAST, "max_epochs": 4, "learning_rate": 0.1},
                          gradient_clip=gradient_clip).fit(X, y)
        finally:
            handle.remove()
        return np.array(norms)

    unclipped = grad_norms(None)
    clip = float(unclipped.min()) / 2  # every unclipped step exceeds it
    clipped = grad_norms(clip)
    assert len(clipped) == len(unclipped) > 0
    assert (clipped <= clip * (1 + 1e-4)).all()
    assert clipped.max() > 0.99 * clip  # the clip was engaged, not trivially satisfied


@needs_torch
def test_early_stopping_restores_the_weights_of_the_best_epoch():
    import torch

    from reservoir.baselines._torch_training import cut_windows, evaluate

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    y = X[:, 0] * np.roll(X[:, 1], 1) + 0.3 * rng.normal(size=300)
    model = GRURegressor(hidden_size=8, seq_len=20, batch_size=4, max_epochs=60,
                         learning_rate=0.05, patience=4, validation_fraction=0.2,
                         random_state=0).fit(X, y)
    curve = model.validation_curve_
    assert len(curve) == len(model.loss_curve_) == model.n_epochs_ < 60  # stopped early
    assert model.best_epoch_ == int(np.argmin(curve)) < model.n_epochs_ - 1
    # Held-out tail: the last 20% of the series (washout=0, so no warm-up before it).
    tail = cut_windows([X[240:]], [y[240:, None]], warmup=0, seq_len=20, dtype=torch.float32)
    assert evaluate(model.net_, tail) == pytest.approx(min(curve), rel=1e-5)


@needs_torch
def test_sgd_optimizer_reduces_the_training_loss():
    X = np.random.default_rng(0).normal(size=(200, 1))
    model = LSTMRegressor(**{**FAST, "max_epochs": 15}, optimizer="sgd", learning_rate=0.1,
                          early_stopping=False).fit(X, np.roll(X[:, 0], 1))
    assert model.loss_curve_[-1] < 0.7 * model.loss_curve_[0]
    assert model.validation_curve_ == [] and model.best_epoch_ is None


@needs_torch
def test_verbose_shows_a_progress_bar_with_the_loss(capsys):
    LSTMForecaster(**FAST, verbose=1).fit(_sine(60))
    assert "loss=" in capsys.readouterr().err
    LSTMForecaster(**FAST).fit(_sine(60))
    assert capsys.readouterr().err == ""


@needs_torch
def test_score_is_r2_after_the_washout():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 2))
    y = X.sum(axis=1)
    model = LSTMRegressor(**FAST, washout=10).fit(X, y)
    assert model.score(X, y) == pytest.approx(r2_score(y[10:], model.predict(X)[10:]))


# -- the leaky-integrator cell -------------------------------------------------------------
@needs_torch
def test_leaky_layer_gradients_pass_gradcheck():
    import torch

    from reservoir.baselines._torch_nets import LeakyRNNLayer, leaky_rnn_layer

    gen = torch.Generator().manual_seed(0)

    def arg(*shape):
        return torch.randn(*shape, generator=gen, dtype=torch.float64, requires_grad=True)

    rate = torch.rand(4, generator=gen, dtype=torch.float64).clamp(0.1, 1).requires_grad_()
    args = (arg(2, 5, 3), arg(2, 4), arg(4, 3), arg(4, 4), arg(4), rate)
    assert torch.autograd.gradcheck(leaky_rnn_layer, args)

    # ...and through the learned sigmoid parameterisation of the leak rates.
    layer = LeakyRNNLayer(3, 4, 0.3, learn_time_constants=True).double()

    def through_logits(inputs, logits):
        return leaky_rnn_layer(inputs, torch.zeros(2, 4, dtype=torch.float64), layer.weight_ih,
                               layer.weight_hh, layer.bias, torch.sigmoid(logits))

    assert torch.autograd.gradcheck(through_logits, (arg(2, 5, 3), arg(4)))


@needs_torch
def test_leaky_rnn_matches_an_independent_numpy_recurrence():
    import torch

    from reservoir.baselines._torch_nets import LeakyRNN

    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 6, 3))
    for rate in (1.0, 0.3):
        net = LeakyRNN(3, 5, leak_rate=rate).double()
        layer = net.layers[0]
        W_in, W, b, a = (p.detach().numpy() for p in (layer.weight_ih, layer.weight_hh,
                                                      layer.bias, layer.rate))
        np.testing.assert_allclose(a, rate, rtol=1e-7)
        h = np.zeros((2, 5))
        expected = []
        for t in range(6):
            h = (1 - a) * h + a * np.tanh(x[:, t] @ W_in.T + h @ W.T + b)
            expected.append(h)
        out, final = net(torch.as_tensor(x))
        # atol: states near 0 differ from the reference by rounding of the O(1) terms.
        np.testing.assert_allclose(out.detach().numpy(), np.stack(expected, 1), rtol=1e-12,
                                   atol=1e-15)
        np.testing.assert_allclose(final[0].detach().numpy(), h, rtol=1e-12, atol=1e-15)


@needs_torch
def test_time_constants_are_learned_per_unit_in_the_unit_interval():
    u, y = np.random.default_rng(0).uniform(0, 0.5, 200), None
    y = np.convolve(u, np.ones(5) / 5)[:200]
    fixed = LeakyRNNRegressor(**FAST, leak_rate=0.7).fit(u, y)
    np.testing.assert_array_equal(fixed.learned_time_constants_, np.full(4, 0.7, dtype=np.float32))
    learned = LeakyRNNRegressor(**{**FAST, "max_epochs": 5}, leak_rate=0.7,
                                learn_time_constants=True, learning_rate=0.05).fit(u, y)
    rates = learned.learned_time_constants_
    assert rates.shape == (4,) and rates.dtype == np.float64
    assert ((rates > 0) & (rates < 1)).all()
    assert np.abs(rates - 0.7).max() > 1e-3  # they moved
    two_layers = LeakyRNNRegressor(**FAST, num_layers=2, learn_time_constants=True).fit(u, y)
    assert two_layers.learned_time_constants_.shape == (8,)


# -- scikit-learn integration ----------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("cls", REGRESSORS + FORECASTERS)
def test_same_seed_same_predictions(cls):
    y = _sine(70)
    if cls in REGRESSORS:
        fit = lambda seed: cls(**{**FAST, "random_state": seed}).fit(y, np.roll(y, 2)).predict(y)  # noqa: E731
    else:
        fit = lambda seed: cls(**{**FAST, "random_state": seed}).fit(y).predict(10)  # noqa: E731
    np.testing.assert_array_equal(fit(3), fit(3))
    assert not np.array_equal(fit(3), fit(4))


@needs_torch
def test_clone_get_params_and_grid_search_with_time_series_split():
    model = LSTMRegressor(hidden_size=3, learning_rate=0.01, max_epochs=2, seq_len=10,
                          random_state=0)
    params = model.get_params()
    assert params["hidden_size"] == 3 and params["optimizer"] == "adam"
    assert clone(model).get_params() == params
    assert set(LeakyRNNForecaster().get_params()) == set(params) | {
        "leak_rate", "learn_time_constants", "divergence_factor"}
    assert set(LeakyRNNRegressor().get_params()) == set(params) | {"leak_rate",
                                                                   "learn_time_constants"}
    assert LeakyRNNForecaster(8, 2, 0.3).get_params()["leak_rate"] == 0.3  # positional
    t = np.arange(300)
    X, y = np.column_stack([np.sin(t / 4), np.cos(t / 7)]), np.sin(t / 4 + 0.5)
    search = GridSearchCV(model, {"hidden_size": [2, 4]}, cv=TimeSeriesSplit(n_splits=3))
    search.fit(X, y)
    assert search.best_params_["hidden_size"] in (2, 4)
    assert search.predict(X).shape == (300,)


@needs_torch
@pytest.mark.parametrize("cls", [LSTMForecaster, LeakyRNNRegressor])
def test_pickle_round_trip_keeps_predictions(cls):
    y = _sine(60)
    model = cls(**FAST, learn_time_constants=True) if cls is LeakyRNNRegressor else cls(**FAST)
    if cls is LeakyRNNRegressor:
        model.fit(y, np.roll(y, 1))
        predict = lambda m: m.predict(y)  # noqa: E731
    else:
        model.fit(y)
        predict = lambda m: m.predict(8)  # noqa: E731
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(predict(restored), predict(model))


# -- bad input -----------------------------------------------------------------------------
@needs_torch
def test_bad_input_raises_clear_errors():
    y = _sine(50)
    with pytest.raises(NotFittedError):
        LSTMRegressor().predict(y)
    with pytest.raises(NotFittedError):
        GRUForecaster().predict(3)
    bad = y.copy()
    bad[5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        LSTMRegressor(**FAST).fit(bad, y)
    with pytest.raises(ValueError, match="lengths must match"):
        LSTMRegressor(**FAST).fit(y, y[:40])
    with pytest.raises(ValueError, match="washout"):
        LSTMRegressor(**FAST, washout=50).fit(y, y)
    with pytest.raises(ValueError, match="washout"):
        LSTMForecaster(**FAST, washout=49).fit(y)
    with pytest.raises(ValueError, match="empty"):
        LSTMForecaster(**FAST).fit([])
    with pytest.raises(TypeError, match="numbers"):
        LSTMForecaster(**FAST).fit(np.array(["a", "b", "c"]))
    with pytest.raises(ValueError, match="requires y"):
        LSTMRegressor(**FAST).fit(y, None)
    with pytest.raises(ValueError, match="validation_fraction"):
        LSTMRegressor(**FAST, washout=45).fit(y, y)
    model = LSTMRegressor(**FAST).fit(np.column_stack([y, y]), y)
    with pytest.raises(ValueError, match="features"):
        model.predict(y)
    forecaster = LSTMForecaster(**FAST).fit(y)
    with pytest.raises(ValueError, match="n_steps"):
        forecaster.predict(0)
    with pytest.raises(ValueError, match="context has 2 features"):
        forecaster.predict(3, context=np.column_stack([y, y]))


@needs_torch
@pytest.mark.parametrize("cls", [LSTMRegressor, LeakyRNNRegressor])
@pytest.mark.parametrize("param, value", [
    ("hidden_size", 0), ("hidden_size", 2.5), ("num_layers", 0), ("learning_rate", 0.0),
    ("max_epochs", 0), ("batch_size", -1), ("seq_len", 0), ("gradient_clip", -1.0),
    ("weight_decay", -0.1), ("early_stopping", "yes"), ("validation_fraction", 1.0),
    ("patience", 0), ("optimizer", "rmsprop"), ("device", "tpu"), ("dtype", "float16"),
    ("verbose", -1),
])
def test_bad_hyperparameters_are_rejected_at_fit(cls, param, value):
    y = _sine(40)
    model = cls(**{**FAST, param: value})
    with pytest.raises(ValueError, match=param):
        model.fit(y, y)


@needs_torch
@pytest.mark.parametrize("param, value", [("leak_rate", 0.0), ("leak_rate", 1.5),
                                          ("learn_time_constants", "no")])
def test_bad_leak_parameters_are_rejected_at_fit(param, value):
    with pytest.raises(ValueError, match=param):
        LeakyRNNForecaster(**{**FAST, param: value}).fit(_sine(40))


# -- the per-epoch hook (used by reservoir.model_selection.tune to prune) -------------------
@needs_torch
def test_epoch_callback_sees_every_epoch_and_can_stop_training():
    from reservoir.baselines import _torch_training

    u = _sine(300)
    seen = []

    def record(epoch, train_loss, validation_loss):
        seen.append((epoch, train_loss, validation_loss))

    token = _torch_training.EPOCH_CALLBACK.set(record)
    try:
        model = LSTMRegressor(**dict(FAST, max_epochs=4), early_stopping=True).fit(u[:-1], u[1:])
    finally:
        _torch_training.EPOCH_CALLBACK.reset(token)
    assert [epoch for epoch, _, _ in seen] == list(range(model.n_epochs_))
    assert all(np.isfinite(loss) and np.isfinite(val) for _, loss, val in seen)
    assert [loss for _, loss, _ in seen] == pytest.approx(model.loss_curve_)

    class Stop(Exception):
        pass

    def stop_at_second(epoch, train_loss, validation_loss):
        if epoch == 1:
            raise Stop

    token = _torch_training.EPOCH_CALLBACK.set(stop_at_second)
    try:
        with pytest.raises(Stop):
            LSTMRegressor(**dict(FAST, max_epochs=10)).fit(u[:-1], u[1:])
    finally:
        _torch_training.EPOCH_CALLBACK.reset(token)
    LSTMRegressor(**FAST).fit(u[:-1], u[1:])  # unset again: trains normally
