"""Tests of reservoir.union.ReservoirUnion."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from reservoir import (
    ES2N,
    ESN,
    LSM,
    ReservoirClassifier,
    ReservoirForecaster,
    ReservoirRegressor,
    RidgeReadout,
)
from reservoir.datasets import mackey_glass, narma, template_classification
from reservoir.exceptions import InvalidParameterError
from reservoir.nvar import NVAR
from reservoir.union import ReservoirUnion


def _pair():
    return ReservoirUnion([("fast", ESN(n_units=30, leak_rate=1.0, random_state=0)),
                           ("slow", ESN(n_units=20, leak_rate=0.2, random_state=1))])


def test_states_are_the_members_states_side_by_side():
    u = np.random.default_rng(0).uniform(-1, 1, size=(80, 2))
    union = _pair().fit(u)
    fast = ESN(n_units=30, leak_rate=1.0, random_state=0).fit(u)
    slow = ESN(n_units=20, leak_rate=0.2, random_state=1).fit(u)
    np.testing.assert_array_equal(union.transform(u),
                                  np.hstack([fast.transform(u), slow.transform(u)]))
    np.testing.assert_array_equal(union.final_state_,
                                  np.concatenate([fast.final_state_, slow.final_state_]))
    assert union.n_features_out_ == 50


def test_readout_equals_readout_on_concatenated_states():
    u, y = narma(n_steps=600, order=10, random_state=0)
    union = _pair()
    model = ReservoirRegressor(union, readout=RidgeReadout(alpha=1e-8), washout=50,
                               include_input=False, scale=None).fit(u, y)
    states = np.hstack([ESN(n_units=30, leak_rate=1.0, random_state=0).fit_transform(u[:, None]),
                        ESN(n_units=20, leak_rate=0.2, random_state=1).fit_transform(u[:, None])])
    by_hand = RidgeReadout(alpha=1e-8).fit(states[50:], y[50:])
    np.testing.assert_allclose(model.readout_.coef_, by_hand.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.predict(u)[50:], by_hand.predict(states[50:]), atol=1e-10)


def test_continuing_from_the_final_state_equals_one_run():
    u = np.random.default_rng(1).normal(size=(60, 1))
    union = ReservoirUnion([("esn", ESN(n_units=15, random_state=0)),
                            ("nvar", NVAR(delay=3, order=2))]).fit(u)
    whole = union.transform(u)
    first = union.transform(u[:25])
    second = union.transform(u[25:], initial_state=union.final_state_)
    np.testing.assert_allclose(np.vstack([first, second]), whole, rtol=1e-12, atol=1e-14)


def test_nested_parameters_reach_members_and_clone_keeps_them():
    union = _pair()
    params = union.get_params()
    assert params["slow__leak_rate"] == 0.2 and params["fast"] is union.reservoirs[0][1]
    union.set_params(slow__leak_rate=0.5, fast=ESN(n_units=7, random_state=3))
    assert union.get_params()["slow__leak_rate"] == 0.5
    assert union.get_params()["fast__n_units"] == 7
    copy = clone(union)
    assert copy.get_params()["slow__leak_rate"] == 0.5 and copy.reservoirs[1][1] is not \
        union.reservoirs[1][1]
    with pytest.raises(ValueError, match="Invalid parameter 'medium__leak_rate'"):
        union.set_params(medium__leak_rate=0.1)


def test_grid_search_tunes_a_member_parameter():
    u, y = narma(n_steps=700, order=10, random_state=1)
    model = ReservoirRegressor(_pair(), washout=50)
    search = GridSearchCV(model, {"reservoir__slow__leak_rate": [0.05, 0.5]},
                          cv=TimeSeriesSplit(n_splits=2)).fit(u, y)
    assert search.best_params_["reservoir__slow__leak_rate"] in (0.05, 0.5)
    assert len(search.cv_results_["mean_test_score"]) == 2


@pytest.mark.parametrize("members", [
    [], [("a", ESN())] * 2, [("a__b", ESN())], [("a", "not a reservoir")], "ESN",
])
def test_bad_member_lists_are_refused(members):
    with pytest.raises(InvalidParameterError, match="reservoirs must be a non-empty list"):
        ReservoirUnion(members).fit(np.zeros((5, 1)))


def test_forecasts_mackey_glass_with_an_esn_and_nvar():
    y = mackey_glass(n_steps=2100, tau=17, random_state=0)
    union = ReservoirUnion([("esn", ESN(n_units=100, random_state=0)),
                            ("nvar", NVAR(delay=2, stride=5, order=2))])
    model = ReservoirForecaster(union, washout=100).fit(y[:2000])
    error = np.sqrt(np.mean((model.predict(50) - y[2000:2050]) ** 2)) / y.std()
    assert error < 0.05


def test_a_liquid_member_works_and_unions_nest():
    u = np.random.default_rng(2).uniform(-1, 1, size=(30, 1))
    inner = ReservoirUnion([("liquid", LSM(n_units=20, random_state=0)),
                            ("esn", ESN(n_units=10, random_state=0))])
    outer = ReservoirUnion([("inner", inner), ("nvar", NVAR(delay=2, order=1))]).fit(u)
    assert outer.transform(u).shape == (30, outer.reservoirs_[0][1].n_features_out_ + 2)
    assert outer.causal


@pytest.mark.parametrize("make", [
    lambda: NVAR(delay=3, stride=4, order=2),
    lambda: ES2N(n_units=60, proximity=0.2, random_state=0),
    lambda: ReservoirUnion([("esn", ESN(n_units=40, random_state=0)), ("nvar", NVAR(order=2))]),
], ids=["NVAR", "ES2N", "union"])
def test_new_reservoirs_work_in_the_classifier(make):
    X, y = template_classification(n_series=120, random_state=0)
    X_test, y_test = template_classification(n_series=60, random_state=1)
    clf = ReservoirClassifier(make(), pooling="mean").fit(X, y)
    assert clf.score(X_test, y_test) > 0.5  # four balanced classes: chance is 0.25
