"""Property-based tests with hypothesis (issue 13, item 6).

Random shapes, seeds and settings; few examples each (``max_examples`` small,
no deadline), so the whole file runs in seconds. Each property is also tested
on fixed cases elsewhere; here hypothesis looks for the case nobody wrote down.
"""

import tempfile
import warnings
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import Ridge

import reservoir.estimators as estimators
from reservoir import (
    ESN,
    LSM,
    DeepESN,
    ReservoirClassifier,
    ReservoirForecaster,
    ReservoirRegressor,
    RidgeReadout,
)
from reservoir.lsm import LiquidActivityWarning
from reservoir.weights import ConnectivityWarning

FAST = settings(max_examples=12, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(FAST, max_examples=6)

seeds = st.integers(0, 2**31 - 1)
#: Closed-loop forecasts of white noise may diverge; the structure is what is tested.
quiet_divergence = pytest.mark.filterwarnings(
    "ignore::reservoir.exceptions.ForecastDivergenceWarning")
lengths = st.integers(15, 60)


def _series(seed, lengths_, n_features=1):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1, 1, (n, n_features)) for n in lengths_]


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LiquidActivityWarning)
        warnings.simplefilter("ignore", ConnectivityWarning)
        return fn(*args, **kwargs)


def _max_diff(batched, singles):
    return max(float(np.abs(np.asarray(b) - np.asarray(s)).max())
               for b, s in zip(batched, singles, strict=True))


# -- the readout against scikit-learn ---------------------------------------------------------
@FAST
@given(seed=seeds, n_samples=st.integers(8, 80), n_features=st.integers(1, 8),
       n_targets=st.sampled_from([None, 1, 3]), alpha=st.floats(1e-6, 1e2),
       fit_intercept=st.booleans(), weighted=st.booleans(), n_blocks=st.integers(1, 4))
def test_ridge_readout_matches_scikit_learn(seed, n_samples, n_features, n_targets, alpha,
                                            fit_intercept, weighted, n_blocks):
    rng = np.random.default_rng(seed)
    # well conditioned: independent standard normal features, more samples than features
    n_samples = max(n_samples, 2 * n_features)
    X = rng.normal(size=(n_samples, n_features)) + rng.normal(size=n_features)
    coef = rng.normal(size=(n_features, n_targets or 1))
    y = X @ coef + 0.1 * rng.normal(size=(n_samples, n_targets or 1)) + rng.normal()
    y = y[:, 0] if n_targets is None else y
    weight = rng.uniform(0.5, 2.0, n_samples) if weighted else None
    readout = RidgeReadout(alpha=alpha, fit_intercept=fit_intercept)
    for block in np.array_split(np.arange(n_samples), n_blocks):
        readout.partial_fit(X[block], y[block],
                            sample_weight=None if weight is None else weight[block])
    reference = Ridge(alpha=alpha, fit_intercept=fit_intercept, solver="svd").fit(
        X, y, sample_weight=weight)
    np.testing.assert_allclose(np.ravel(readout.coef_), np.ravel(reference.coef_),
                               rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(np.ravel(readout.predict(X)), np.ravel(reference.predict(X)),
                               rtol=1e-7, atol=1e-9)
    # the shape of y is kept: 1-D in, 1-D out; 2-D in (even one column), 2-D out
    assert readout.predict(X).shape == np.shape(y)
    assert readout.coef_.shape == ((n_features,) if n_targets is None
                                   else (n_targets, n_features))


# -- output shapes and structure -------------------------------------------------------------
layouts = st.sampled_from(["single-1d", "single-2d", "list", "array", "dataframe", "series"])


def _as_layout(layout, series):
    if layout == "single-1d":
        return series[0][:, 0]
    if layout == "single-2d":
        return series[0]
    if layout == "list":
        return series
    if layout == "array":
        length = min(len(s) for s in series)
        return np.stack([s[:length] for s in series])
    index = pd.date_range("2024-01-01", periods=len(series[0]), freq="h")
    if layout == "series":
        return pd.Series(series[0][:, 0], index=index, name="load")
    columns = [f"c{j}" for j in range(series[0].shape[1])]
    return pd.DataFrame(series[0], index=index, columns=columns)


def _check_structure(layout, given, output, n_out):
    if layout == "list":
        assert isinstance(output, list) and len(output) == len(given)
        for g, o in zip(given, output, strict=True):
            assert o.shape == (len(g), n_out)
    elif layout == "array":
        assert isinstance(output, np.ndarray) and output.shape == given.shape[:2] + (n_out,)
    elif layout == "single-1d":
        assert isinstance(output, np.ndarray) and output.shape == given.shape
    else:  # 2-D array or pandas: one series of n_out columns
        assert np.shape(output) == (len(given), n_out) or (
            np.ndim(given) == 1 and np.shape(output) == (len(given),))


@FAST
@given(seed=seeds, layout=layouts, lengths_=st.lists(lengths, min_size=1, max_size=4),
       n_features=st.integers(1, 3), n_targets=st.integers(1, 2))
def test_regressor_keeps_the_callers_structure(seed, layout, lengths_, n_features, n_targets):
    if layout in ("single-1d", "series"):
        n_features = n_targets = 1
    X = _as_layout(layout, _series(seed, lengths_, n_features))
    y = _as_layout(layout, _series(seed + 1, lengths_, n_targets))
    model = ReservoirRegressor(ESN(n_units=10, n_connections=5, random_state=seed % 1000),
                               washout=5).fit(X, y)
    prediction = model.predict(X)
    _check_structure(layout, X, prediction, n_targets)
    if layout in ("list", "array"):  # and each series gets what it gets alone
        assert _max_diff(prediction, [model.predict(x) for x in X]) <= 1e-12


@quiet_divergence
@FAST
@given(seed=seeds, layout=layouts, lengths_=st.lists(lengths, min_size=1, max_size=3),
       n_features=st.integers(1, 2), horizon=st.integers(1, 8))
def test_forecaster_keeps_the_callers_structure(seed, layout, lengths_, n_features, horizon):
    if layout in ("single-1d", "series"):
        n_features = 1
    y = _as_layout(layout, _series(seed, lengths_, n_features))
    model = ReservoirForecaster(ESN(n_units=10, n_connections=5, random_state=seed % 1000),
                                washout=5).fit(y)
    forecast = model.predict(horizon, context=y)
    if layout == "list":
        assert isinstance(forecast, list) and len(forecast) == len(y)
        assert all(f.shape == (horizon, n_features) for f in forecast)
    elif layout == "array":
        assert isinstance(forecast, np.ndarray) and forecast.shape == (len(y), horizon,
                                                                        n_features)
    elif layout == "single-1d":
        assert isinstance(forecast, np.ndarray) and forecast.shape == (horizon,)
    elif layout == "single-2d":
        assert isinstance(forecast, np.ndarray) and forecast.shape == (horizon, n_features)
    else:  # pandas with a frequency: pandas on the continued index
        expected_index = pd.date_range(y.index[-1], periods=horizon + 1, freq="h")[1:]
        assert isinstance(forecast, type(y))
        assert forecast.index.equals(expected_index)
        if layout == "dataframe":
            assert list(forecast.columns) == list(y.columns)
        # The training end is reached chunk by chunk, the context in one run: rounding apart.
        np.testing.assert_allclose(np.asarray(model.predict(horizon)), np.asarray(forecast),
                                   rtol=1e-9, atol=1e-12)


@FAST
@given(seed=seeds, n_series=st.integers(4, 10), length=st.integers(5, 25),
       per_step=st.booleans())
def test_classifier_keeps_the_callers_structure(seed, n_series, length, per_step):
    X = _series(seed, [length] * n_series)
    rng = np.random.default_rng(seed)
    if per_step:
        y = [np.arange(length) % 2 for _ in X]
    else:
        y = np.arange(n_series) % 2
        rng.shuffle(y)
    clf = ReservoirClassifier(ESN(n_units=10, n_connections=5, random_state=0),
                              per_step=per_step).fit(X, y)
    labels = clf.predict(X)
    if per_step:
        assert isinstance(labels, list) and [len(p) for p in labels] == [length] * n_series
        block = clf.predict(np.stack(X))
        assert isinstance(block, np.ndarray) and block.shape == (n_series, length)
    else:
        assert labels.shape == (n_series,)
        np.testing.assert_array_equal(clf.predict(np.stack(X)), labels)


# -- batch and chunk invariance ---------------------------------------------------------------
@FAST
@given(seed=seeds, lengths_=st.lists(lengths, min_size=2, max_size=5),
       leak_rate=st.floats(0.1, 1.0), state_noise=st.floats(1e-4, 0.2),
       deep=st.booleans(), order=st.randoms(use_true_random=False))
def test_noisy_states_are_batch_invariant(seed, lengths_, leak_rate, state_noise, deep, order):
    series = _series(seed, lengths_)
    if deep:
        reservoir = DeepESN(ESN(n_units=8, leak_rate=leak_rate, state_noise=state_noise,
                                n_connections=4), n_layers=2, random_state=seed % 1000)
    else:
        reservoir = ESN(n_units=12, leak_rate=leak_rate, state_noise=state_noise,
                        n_connections=4, random_state=seed % 1000)
    reservoir.fit(series)
    singles = [reservoir.transform(s, noise=True) for s in series]
    positions = list(range(len(series)))
    order.shuffle(positions)
    shuffled = reservoir.transform([series[i] for i in positions], noise=True)
    assert _max_diff(shuffled, [singles[i] for i in positions]) <= 1e-12


@SLOW
@given(seed=seeds, lengths_=st.lists(st.integers(3, 25), min_size=2, max_size=4),
       input_rate=st.sampled_from([50.0, 200.0, 5000.0]))
def test_poisson_states_are_batch_invariant(seed, lengths_, input_rate):
    series = _series(seed, lengths_)
    lsm = _quiet(LSM(n_units=15, n_connections=5, input_encoding="poisson",
                     input_rate=input_rate, steps_per_input=4, random_state=seed % 1000).fit,
                 series)
    batched = _quiet(lsm.transform, series[::-1])[::-1]
    singles = [_quiet(lsm.transform, s) for s in series]
    assert _max_diff(batched, singles) <= 1e-12


@FAST
@given(seed=seeds, lengths_=st.lists(st.integers(20, 70), min_size=1, max_size=3),
       block_steps=st.integers(1, 40), state_noise=st.floats(1e-4, 0.05))
def test_chunked_fits_equal_one_shot_fits(seed, lengths_, block_steps, state_noise):
    series = _series(seed, lengths_)
    targets = [np.roll(s, 1, axis=0) * s for s in series]

    def fit():
        return ReservoirRegressor(ESN(n_units=12, n_connections=4, state_noise=state_noise,
                                      random_state=seed % 1000),
                                  RidgeReadout(alpha=1e-4), washout=5).fit(series, targets)

    whole = fit()
    with mock.patch.object(estimators, "STATE_BLOCK_STEPS", block_steps):
        chunked = fit()
    assert _max_diff(chunked.predict(series), whole.predict(series)) <= 1e-8


# -- save and load -----------------------------------------------------------------------------
@quiet_divergence
@SLOW
@given(seed=seeds, kind=st.sampled_from(["regressor", "forecaster", "classifier", "deep"]),
       n_units=st.integers(5, 20), state_noise=st.sampled_from([0.0, 1e-3]),
       keep_statistics=st.booleans())
def test_save_and_load_round_trip(seed, kind, n_units, state_noise, keep_statistics):
    pytest.importorskip("skops")
    from reservoir import io

    esn = ESN(n_units=n_units, n_connections=min(5, n_units), state_noise=state_noise,
              random_state=seed % 1000)
    readout = RidgeReadout(keep_statistics=keep_statistics)
    series = _series(seed, [40, 40, 40])
    if kind == "regressor":
        model = ReservoirRegressor(esn, readout, washout=5).fit(series, series[::-1])
        outputs = lambda m: m.predict(series, noise=True)  # noqa: E731
    elif kind == "forecaster":
        model = ReservoirForecaster(esn, readout, washout=5).fit(series[0])
        outputs = lambda m: m.predict(7, noise=True)  # noqa: E731
    elif kind == "deep":
        deep = DeepESN(ESN(n_units=n_units, n_connections=min(5, n_units),
                           state_noise=state_noise), n_layers=2, random_state=seed % 1000)
        model = ReservoirForecaster(deep, readout, washout=5).fit(series[0])
        outputs = lambda m: m.predict(7, context=series)  # noqa: E731
    else:
        model = ReservoirClassifier(esn, pooling="mean").fit(series, [0, 1, 0])
        outputs = lambda m: m.decision_function(series)  # noqa: E731
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.skops"
        io.save(model, path)
        loaded = io.load(path)
    np.testing.assert_array_equal(np.asarray(outputs(loaded)), np.asarray(outputs(model)))
