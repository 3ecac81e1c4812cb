"""Streaming fits: partial_fit in chunks equals the one-shot fit; memory bounded by blocks."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge

from reservoir import (
    ESN,
    BidirectionalESN,
    ReservoirForecaster,
    ReservoirRegressor,
    RidgeReadout,
)
from reservoir import estimators as estimators_module
from reservoir.datasets import mackey_glass, narma


def _relative(a, b):
    return np.linalg.norm(np.asarray(a) - np.asarray(b)) / np.linalg.norm(np.asarray(b))


def _chunks(array, size):
    return [array[i:i + size] for i in range(0, len(array), size)]


def _regressor(**params):
    return ReservoirRegressor(ESN(n_units=60, leak_rate=0.7, random_state=3),
                              RidgeReadout(alpha=1e-6), washout=150, scale=None, **params)


def _forecaster(**params):
    return ReservoirForecaster(ESN(n_units=60, leak_rate=0.7, random_state=3),
                               RidgeReadout(alpha=1e-6), washout=150, scale=None, **params)


@pytest.mark.parametrize("n_inputs", [1, 3])
@pytest.mark.parametrize("chunk", [1000, 97])
def test_regressor_partial_fit_in_chunks_equals_fit(n_inputs, chunk):
    rng = np.random.default_rng(0)
    u = rng.uniform(-1, 1, (3000, n_inputs))
    y = np.tanh(np.roll(u, 2, axis=0) @ rng.normal(size=(n_inputs, 2)))
    whole = _regressor().fit(u, y)
    streamed = _regressor()
    for u_chunk, y_chunk in zip(_chunks(u, chunk), _chunks(y, chunk), strict=True):
        streamed.partial_fit(u_chunk, y_chunk)
    assert _relative(streamed.readout_.coef_, whole.readout_.coef_) < 1e-8
    assert streamed.readout_.n_samples_seen_ == whole.readout_.n_samples_seen_ == 3000 - 150
    np.testing.assert_allclose(streamed.last_state_, whole.last_state_, atol=1e-12)
    test = rng.uniform(-1, 1, (200, n_inputs))
    np.testing.assert_allclose(streamed.predict(test, initial_state="end"),
                               whole.predict(test, initial_state="end"), rtol=1e-7, atol=1e-9)


@pytest.mark.filterwarnings("ignore::reservoir.exceptions.ForecastDivergenceWarning")
@pytest.mark.parametrize("with_exog", [False, True])
def test_forecaster_partial_fit_in_chunks_equals_fit(with_exog):
    y = mackey_glass(n_steps=3001, random_state=0)
    X = np.sin(np.arange(len(y)) / 7.0)[:, None] if with_exog else None
    whole = _forecaster().fit(y, X=X)
    streamed = _forecaster()
    for start in range(0, len(y), 1000):
        stop = start + 1000
        streamed.partial_fit(y[start:stop], X=None if X is None else X[start:stop])
    assert _relative(streamed.readout_.coef_, whole.readout_.coef_) < 1e-8
    assert streamed.readout_.n_samples_seen_ == whole.readout_.n_samples_seen_ == 3000 - 150
    future = None if X is None else np.cos(np.arange(20))[:, None]
    np.testing.assert_allclose(streamed.predict(20, X=future), whole.predict(20, X=future),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(streamed.training_range_[0], whole.training_range_[0])
    np.testing.assert_array_equal(streamed.training_range_[1], whole.training_range_[1])


def test_forecaster_chunks_of_one_step_equal_fit():
    y = mackey_glass(n_steps=400, random_state=1)
    whole = _forecaster(divergence_factor=1.0).set_params(washout=20).fit(y)
    streamed = _forecaster().set_params(washout=20).partial_fit(y[:2])
    for value in y[2:]:
        streamed.partial_fit(value[None])
    assert _relative(streamed.readout_.coef_, whole.readout_.coef_) < 1e-8


def test_several_series_continue_in_parallel_and_new_series_start_afresh():
    rng = np.random.default_rng(1)
    series = [rng.uniform(-1, 1, (600, 1)) for _ in range(3)]
    targets = [np.roll(s, 1, axis=0) * 0.5 for s in series]
    whole = _regressor().set_params(washout=50).fit(series + series[:1], targets + targets[:1])
    streamed = _regressor().set_params(washout=50)
    for start in (0, 250):
        stop = start + 250 if start == 0 else 600
        streamed.partial_fit([s[start:stop] for s in series], [t[start:stop] for t in targets])
    streamed.partial_fit(series[0], targets[0], new_series=True)  # a fourth series, from rest
    assert _relative(streamed.readout_.coef_, whole.readout_.coef_) < 1e-8


def test_partial_fit_after_fit_continues_the_series():
    u, y = narma(n_steps=2000, order=10, random_state=0)
    whole = _regressor().fit(u, y)
    continued = _regressor().fit(u[:1200], y[:1200]).partial_fit(u[1200:], y[1200:])
    assert _relative(continued.readout_.coef_, whole.readout_.coef_) < 1e-8


def test_fit_after_partial_fit_starts_afresh():
    u, y = narma(n_steps=1200, order=10, random_state=0)
    model = _regressor().partial_fit(u[:500], y[:500])
    refit = model.fit(u[500:], y[500:])
    fresh = _regressor().fit(u[500:], y[500:])
    np.testing.assert_array_equal(refit.readout_.coef_, fresh.readout_.coef_)


def test_state_noise_chunks_continue_the_random_streams():
    """One chunk equals fit; further chunks draw the noise of their positions, not new noise."""
    u, y = narma(n_steps=1500, order=10, random_state=0)
    noisy = ReservoirRegressor(ESN(n_units=40, state_noise=1e-2, random_state=0),
                               washout=100, scale=None)
    one = clone(noisy).partial_fit(u, y)
    fitted = clone(noisy).fit(u, y)
    np.testing.assert_allclose(one.readout_.coef_, fitted.readout_.coef_, rtol=1e-10)
    # Chunked: the key is the first chunk's, so compare with a fit keyed the same way:
    # the noise of step t is that stream's draw at t whatever the chunking.
    a = clone(noisy).partial_fit(u[:500], y[:500]).partial_fit(
        u[500:], y[500:])
    b = clone(noisy).partial_fit(u[:500], y[:500])
    for start in range(500, 1500, 250):
        b.partial_fit(u[start:start + 250], y[start:start + 250])
    assert _relative(a.readout_.coef_, b.readout_.coef_) < 1e-8
    # The noise-free end state is where prediction continues.
    clean = ReservoirRegressor(ESN(n_units=40, random_state=0), washout=100,
                               scale=None).fit(u, y)
    np.testing.assert_allclose(a.last_state_, clean.last_state_, atol=1e-12)


def test_partial_fit_errors_name_the_problem():
    u, y = narma(n_steps=400, order=10, random_state=0)
    with pytest.raises(TypeError, match="partial_fit needs a readout with partial_fit"):
        ReservoirRegressor(ESN(n_units=10), Ridge()).partial_fit(u, y)
    with pytest.raises(ValueError, match="causal"):
        ReservoirRegressor(BidirectionalESN(ESN(n_units=10))).partial_fit(u, y)
    model = _regressor().set_params(washout=10).partial_fit(u, y)
    with pytest.raises(ValueError, match="continuing 1"):
        model.partial_fit([u, u], [y, y])
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(np.column_stack([u, u]), y)
    with pytest.raises(ValueError, match="new_series must be True or False"):
        model.partial_fit(u, y, new_series="yes")
    early = _regressor().partial_fit(u[:100], y[:100])
    with pytest.raises(NotFittedError, match="no training step past the washout"):
        early.predict(u)


def test_predict_writes_into_out_such_as_a_memmap(tmp_path):
    u, y = narma(n_steps=1500, order=10, random_state=0)
    model = _regressor().fit(u[:1000], y[:1000])
    expected = model.predict(u)
    out = np.lib.format.open_memmap(tmp_path / "pred.npy", mode="w+", dtype=np.float64,
                                    shape=expected.shape)
    assert model.predict(u, out=out) is out
    np.testing.assert_array_equal(np.load(tmp_path / "pred.npy"), expected)
    block = np.empty((2, 1500))
    model.predict(np.stack([u, u[::-1]])[:, :, None], out=block)
    np.testing.assert_allclose(block[0], expected, rtol=1e-10)  # batched: rounding apart
    with pytest.raises(ValueError, match="out must have the shape of the predictions"):
        model.predict(u, out=np.empty((1499,)))


def test_fit_and_predict_simulate_bounded_blocks(monkeypatch):
    """Every block the reservoir simulates holds at most STATE_BLOCK_VALUES state values."""
    monkeypatch.setattr(estimators_module, "STATE_BLOCK_VALUES", 4000)
    monkeypatch.setattr(estimators_module, "MIN_BLOCK_STEPS", 16)
    sizes = []
    original = ESN.simulate

    def recording(self, inputs, state, rng=None):
        states, final = original(self, inputs, state, rng)
        sizes.append(states.size)
        return states, final

    monkeypatch.setattr(ESN, "simulate", recording)
    rng = np.random.default_rng(0)
    series = [rng.uniform(-1, 1, (900, 1)) for _ in range(12)]
    targets = [np.roll(s, 1, axis=0) for s in series]
    small = _regressor().set_params(washout=20).fit(series, targets)
    bounded_prediction = small.predict(series)
    assert max(sizes) <= 4000 and len(sizes) > 12
    monkeypatch.undo()
    large = _regressor().set_params(washout=20).fit(series, targets)
    assert _relative(small.readout_.coef_, large.readout_.coef_) < 1e-8
    for got, want in zip(bounded_prediction, large.predict(series), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9)
