"""Tests of reservoir.online: RLSReadout against ridge, forgetting, FORCE learning."""

import numpy as np
import pytest
from sklearn.linear_model import Ridge

from reservoir import ESN, ReservoirRegressor
from reservoir.datasets import narma
from reservoir.exceptions import InvalidParameterError
from reservoir.online import RLSReadout, force_learning


def _problem(n=400, d=5, targets=None, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    W = rng.normal(size=(d, targets or 1))
    Y = X @ W + 0.3 + 0.1 * rng.normal(size=(n, targets or 1))
    return X, (Y[:, 0] if targets is None else Y)


@pytest.mark.parametrize("targets", [None, 3])
def test_forgetting_one_matches_ridge_without_intercept(targets):
    X, y = _problem(targets=targets)
    rls = RLSReadout(alpha=1e-3, fit_intercept=False).fit(X, y)
    ridge = Ridge(alpha=1e-3, fit_intercept=False).fit(X, y)
    np.testing.assert_allclose(rls.coef_, ridge.coef_, rtol=1e-6)
    np.testing.assert_allclose(rls.predict(X), ridge.predict(X), rtol=1e-6, atol=1e-9)


def test_intercept_is_a_penalised_constant_feature():
    X, y = _problem()
    rls = RLSReadout(alpha=1e-3).fit(X, y)
    augmented = np.hstack([X, np.ones((len(X), 1))])
    reference = Ridge(alpha=1e-3, fit_intercept=False).fit(augmented, y).coef_
    np.testing.assert_allclose(rls.coef_, reference[:-1], rtol=1e-6)
    np.testing.assert_allclose(rls.intercept_, reference[-1], rtol=1e-6)


def test_partial_fit_in_chunks_equals_fit():
    X, y = _problem()
    whole = RLSReadout().fit(X, y)
    chunked = RLSReadout()
    for rows in np.array_split(np.arange(len(X)), 7):
        chunked.partial_fit(X[rows], y[rows])
    np.testing.assert_allclose(chunked.coef_, whole.coef_, rtol=1e-12)
    assert chunked.n_samples_seen_ == len(X)


def test_forgetting_equals_exponentially_weighted_ridge():
    X, y = _problem(n=300)
    lam = 0.98
    rls = RLSReadout(alpha=1e-4, forgetting=lam, fit_intercept=False).fit(X, y)
    weights = lam ** np.arange(len(X) - 1, -1, -1)  # newest sample weight 1
    reference = Ridge(alpha=1e-4 * lam ** len(X), fit_intercept=False).fit(
        X, y, sample_weight=weights)
    np.testing.assert_allclose(rls.coef_, reference.coef_, rtol=1e-6)


def test_forgetting_tracks_a_change_of_the_true_weights():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(1000, 2))
    y = np.where(np.arange(1000) < 500, X @ [1.0, 2.0], X @ [-1.0, 0.5])
    forgetful = RLSReadout(forgetting=0.95, fit_intercept=False).fit(X, y)
    remembering = RLSReadout(fit_intercept=False).fit(X, y)
    np.testing.assert_allclose(forgetful.coef_, [-1.0, 0.5], atol=1e-6)
    assert np.abs(remembering.coef_ - [-1.0, 0.5]).max() > 0.5


def test_works_as_the_readout_of_a_reservoir_regressor():
    u, y = narma(n_steps=1500, order=10, random_state=0)
    esn = ESN(n_units=100, random_state=0)
    online = ReservoirRegressor(esn, readout=RLSReadout(alpha=1e-4), washout=100).fit(
        u[:1000], y[:1000])
    assert online.score(u[1000:], y[1000:]) > 0.7


@pytest.mark.parametrize("params, name", [
    (dict(alpha=0.0), "alpha"), (dict(forgetting=1.5), "forgetting"),
    (dict(forgetting=0.0), "forgetting"), (dict(fit_intercept=1), "fit_intercept"),
])
def test_bad_parameters_are_named(params, name):
    with pytest.raises(InvalidParameterError, match=f"RLSReadout: {name} must be"):
        RLSReadout(**params).fit(np.zeros((3, 2)), np.zeros(3))


def test_refuses_a_different_number_of_targets():
    X, y = _problem(targets=2)
    rls = RLSReadout().fit(X, y)
    with pytest.raises(ValueError, match="y has 3 target"):
        rls.partial_fit(X, np.zeros((len(X), 3)))


def test_force_learning_bad_arguments():
    with pytest.raises(TypeError, match="reservoir must be a reservoir"):
        force_learning("esn", np.zeros(300))
    with pytest.raises(TypeError, match="readout must be an RLSReadout"):
        force_learning(ESN(n_units=5), np.zeros(300), readout=object())


def test_force_generates_a_sum_of_two_sines_for_ten_periods():
    # Median of seeds 0-4 is 0.037 (examples/more_models.py); seed 0 gives 0.039.
    t = np.arange(5300) * 0.05
    y = np.sin(t) + 0.5 * np.sin(2.3 * t)
    esn = ESN(n_units=500, spectral_radius=1.2, input_scaling=0.5, leak_rate=0.2, random_state=0)
    loop = force_learning(esn, y[:4000])
    path = loop.generate(1260)  # 10 periods of sin(t)
    assert path.shape == (1260, 1)
    error = np.sqrt(np.mean((path[:, 0] - y[4000:5260]) ** 2)) / y.std()
    assert error <= 0.05
    # While learning, the fed-back output tracks the target closely.
    assert np.sqrt(np.mean((loop.training_output[-500:, 0] - y[3500:4000]) ** 2)) < 0.05
