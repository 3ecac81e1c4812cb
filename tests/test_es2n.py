"""Tests of reservoir.es2n.ES2N against an explicit loop, and its memory."""

import numpy as np
import pytest

from reservoir import ES2N, ReservoirRegressor
from reservoir.datasets import narma
from reservoir.exceptions import InvalidParameterError
from reservoir.metrics import memory_capacity, nrmse


def explicit_states(es2n, u):
    x = np.zeros(es2n.n_units)
    states = []
    for step in u:
        x = (es2n.proximity * np.tanh(es2n.W_ @ x + es2n.W_in_ @ step + es2n.bias_)
             + (1 - es2n.proximity) * es2n.O_ @ x)
        states.append(x)
    return np.array(states)


@pytest.mark.parametrize("proximity", [0.05, 0.5, 1.0])
def test_states_match_the_update_equation(proximity):
    u = np.random.default_rng(0).uniform(-1, 1, size=(40, 2))
    es2n = ES2N(n_units=15, proximity=proximity, bias_scaling=0.3, random_state=0).fit(u)
    np.testing.assert_allclose(es2n.transform(u), explicit_states(es2n, u), rtol=1e-12,
                               atol=1e-14)


def test_weights_have_the_declared_properties():
    es2n = ES2N(n_units=30, spectral_radius=0.7, input_scaling=0.2, random_state=1).fit(
        np.zeros((5, 3)))
    np.testing.assert_allclose(es2n.O_ @ es2n.O_.T, np.eye(30), atol=1e-12)
    assert np.max(np.abs(np.linalg.eigvals(es2n.W_))) == pytest.approx(0.7, rel=1e-6)
    assert es2n.W_in_.shape == (30, 3) and np.abs(es2n.W_in_).max() <= 0.2
    assert not es2n.bias_.any()  # bias_scaling defaults to 0


def test_same_seed_same_weights_and_continuation():
    u = np.random.default_rng(2).normal(size=(50, 1))
    a = ES2N(n_units=20, random_state=3).fit(u)
    b = ES2N(n_units=20, random_state=3).fit(u)
    np.testing.assert_array_equal(a.W_, b.W_)
    whole = a.transform(u)
    first = a.transform(u[:20])
    np.testing.assert_allclose(np.vstack([first, a.transform(u[20:],
                                                             initial_state=a.final_state_)]),
                               whole, rtol=1e-12)


def test_small_proximity_gives_long_memory():
    # 50 units: the edge of stability (proximity 0.04) remembers about 49 steps,
    # a plain tanh step (proximity 1) far fewer.
    edge = memory_capacity(ES2N(n_units=50, proximity=0.04, spectral_radius=0.3,
                                input_scaling=0.3, random_state=0),
                           n_steps=3000, max_delay=100, alpha=1e-9, random_state=0)
    plain = memory_capacity(ES2N(n_units=50, proximity=1.0, random_state=0),
                            n_steps=3000, max_delay=100, alpha=1e-9, random_state=0)
    assert edge > 45 and plain < 30


def test_narma10_with_tuned_settings():
    u, y = narma(n_steps=2400, order=10, random_state=0)
    es2n = ES2N(n_units=200, proximity=0.16, spectral_radius=0.37, input_scaling=0.047,
                bias_scaling=0.92, random_state=0)
    model = ReservoirRegressor(es2n, washout=200, include_input=False).fit(u[:1800], y[:1800])
    assert nrmse(y[1800:], model.predict(u)[1800:]) < 0.3


@pytest.mark.parametrize("params, name", [
    (dict(proximity=0.0), "proximity"), (dict(proximity=1.5), "proximity"),
    (dict(n_units=0), "n_units"), (dict(spectral_radius=-1), "spectral_radius"),
    (dict(bias_scaling=-0.1), "bias_scaling"), (dict(random_state="x"), "random_state"),
])
def test_bad_parameters_are_named(params, name):
    with pytest.raises(InvalidParameterError, match=f"ES2N: {name} must be"):
        ES2N(**params).fit(np.zeros((5, 1)))
