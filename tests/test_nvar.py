"""Tests of reservoir.nvar: NVAR features against an explicit computation, forecasting."""

from itertools import combinations_with_replacement
from math import comb

import numpy as np
import pytest

from reservoir import ReservoirForecaster, ReservoirRegressor, RidgeReadout
from reservoir.datasets import lorenz
from reservoir.exceptions import InvalidParameterError
from reservoir.metrics import valid_prediction_time
from reservoir.nvar import NVAR, nvar_feature_count


def explicit_features(u, delay, stride, order, constant):
    """NVAR features step by step with Python loops, zeros before the series starts."""
    T, d = u.shape
    rows = []
    for t in range(T):
        linear = []
        for lag in range(delay):
            s = t - lag * stride
            linear.extend(u[s] if s >= 0 else np.zeros(d))
        row = list(linear)
        for degree in range(2, order + 1):
            for combo in combinations_with_replacement(range(len(linear)), degree):
                row.append(np.prod([linear[i] for i in combo]))
        if constant:
            row.append(1.0)
        rows.append(row)
    return np.array(rows)


@pytest.mark.parametrize("delay, stride, order, constant", [
    (1, 1, 1, False), (2, 1, 2, False), (3, 2, 3, True), (2, 4, 2, True),
])
def test_features_match_explicit_loop(delay, stride, order, constant):
    u = np.random.default_rng(0).normal(size=(23, 2))
    nvar = NVAR(delay=delay, stride=stride, order=order, include_constant=constant)
    features = nvar.fit_transform(u)
    np.testing.assert_allclose(features, explicit_features(u, delay, stride, order, constant),
                               rtol=1e-12, atol=1e-14)
    assert features.shape[1] == nvar.n_features_out_ == nvar_feature_count(2, delay, order,
                                                                           constant)


@pytest.mark.parametrize("d, delay, order", [(1, 1, 1), (3, 2, 2), (3, 2, 3), (2, 4, 4)])
def test_feature_count_formula(d, delay, order):
    linear = d * delay
    expected = linear + sum(comb(linear + p - 1, p) for p in range(2, order + 1))
    assert nvar_feature_count(d, delay, order) == expected
    assert nvar_feature_count(d, delay, order, include_constant=True) == expected + 1
    assert NVAR(delay=delay, order=order).fit(np.zeros((5, d))).n_features_out_ == expected


def test_lorenz_gauthier_configuration_has_27_features():
    assert nvar_feature_count(3, delay=2, order=2) == 27  # 6 linear + 21 quadratic


def test_continuing_from_the_final_state_equals_one_run():
    u = np.random.default_rng(1).normal(size=(40, 3))
    nvar = NVAR(delay=3, stride=2, order=2).fit(u)
    whole = nvar.transform(u)
    first = nvar.transform(u[:17])
    second = nvar.transform(u[17:], initial_state=nvar.final_state_)
    np.testing.assert_allclose(np.vstack([first, second]), whole, rtol=1e-12)
    np.testing.assert_array_equal(nvar.final_state_, u[-4:].ravel())  # (k - 1) s = 4 inputs


def test_batches_equal_single_runs():
    rng = np.random.default_rng(2)
    series = [rng.normal(size=(n, 2)) for n in (12, 20, 12)]
    nvar = NVAR(delay=2, order=3).fit(series)
    for one, together in zip(series, nvar.transform(series), strict=True):
        np.testing.assert_allclose(nvar.transform(one), together, rtol=1e-12)


@pytest.mark.parametrize("params, name", [
    (dict(delay=0), "delay"), (dict(stride=1.5), "stride"), (dict(order=0), "order"),
    (dict(include_constant="yes"), "include_constant"), (dict(dtype="float16"), "dtype"),
])
def test_bad_parameters_are_named(params, name):
    with pytest.raises(InvalidParameterError, match=f"NVAR: {name} must be"):
        NVAR(**params).fit(np.zeros((5, 1)))


def test_regressor_recovers_a_quadratic_autoregression_exactly():
    rng = np.random.default_rng(3)
    u = rng.uniform(-1, 1, size=300)
    target = 0.5 * u - 0.3 * np.roll(u, 1) + 0.8 * u * np.roll(u, 1)
    model = ReservoirRegressor(NVAR(delay=2, order=2), readout=RidgeReadout(alpha=0.0),
                               washout=1, scale=None).fit(u, target)
    np.testing.assert_allclose(model.predict(u)[1:], target[1:], atol=1e-10)


def test_lorenz_closed_loop_lasts_several_lyapunov_times():
    # Gauthier et al. (2021) reach about 5 Lyapunov times with k=2, order 2 from 400 points;
    # cubic monomials (83 features) and 2000 points reach 11 (median of seeds 0-4).
    dt = 0.025
    y = lorenz(3000, dt=dt, random_state=0)
    model = ReservoirForecaster(NVAR(delay=2, order=3), readout=RidgeReadout(alpha=2.5e-6),
                                washout=2).fit(y[:2000])
    forecast = model.predict(600)
    valid = valid_prediction_time(y[2000:2600], forecast, dt=dt, lyapunov_exponent=0.9056)
    assert valid > 8.0


def test_mackey_glass_closed_loop():
    from reservoir.datasets import mackey_glass

    y = mackey_glass(n_steps=2100, tau=17, random_state=0)
    model = ReservoirForecaster(NVAR(delay=4, stride=5, order=3), washout=20).fit(y[:2000])
    error = np.sqrt(np.mean((model.predict(50) - y[2000:2050]) ** 2)) / y.std()
    assert error < 0.05
