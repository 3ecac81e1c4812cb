import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

import reservoir.estimators as estimators_module
from reservoir import ESN, ReservoirForecaster, ReservoirRegressor, RidgeReadout
from reservoir._forecast import (
    check_future_exogenous,
    warn_if_diverged,
)
from reservoir.estimators import expected_failed_checks
from reservoir.exceptions import ForecastDivergenceWarning


@pytest.fixture
def regression_data():
    rng = np.random.default_rng(0)
    u = rng.uniform(-1, 1, (400, 2))
    y = 0.5 * u[:, 0] - 0.25 * np.roll(u[:, 1], 1)
    return u, y


def sine(n, period=25.0, phase=0.0):
    return np.sin(2 * np.pi * np.arange(n) / period + phase)


# --- ReservoirRegressor -------------------------------------------------------------
def test_regressor_readout_equals_ridge_on_states_after_washout(regression_data):
    u, y = regression_data
    esn = ESN(n_units=30, random_state=0)
    reg = ReservoirRegressor(esn, readout=RidgeReadout(alpha=1e-3), washout=50,
                             scale=None).fit(u, y)
    states = clone(esn).fit(u).transform(u)
    features = np.hstack([states, u])[50:]
    ref = Ridge(alpha=1e-3).fit(features, y[50:])
    np.testing.assert_allclose(reg.readout_.coef_.ravel(), ref.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(reg.predict(u), ref.predict(np.hstack([states, u])), atol=1e-8)


def test_regressor_include_input_false_uses_states_only(regression_data):
    u, y = regression_data
    reg = ReservoirRegressor(ESN(n_units=30, random_state=0), include_input=False).fit(u, y)
    assert reg.readout_.coef_.size == 30


def test_regressor_learns_a_delayed_target(regression_data):
    u, y = regression_data
    reg = ReservoirRegressor(ESN(n_units=100, random_state=0), washout=20).fit(u[:300], y[:300])
    assert reg.score(u[300:], y[300:]) > 0.99


def test_any_sklearn_regressor_is_a_readout(regression_data):
    u, y = regression_data
    ours = ReservoirRegressor(ESN(n_units=30, random_state=0), RidgeReadout(1e-2), washout=10)
    theirs = ReservoirRegressor(ESN(n_units=30, random_state=0), Ridge(1e-2), washout=10)
    np.testing.assert_allclose(ours.fit(u, y).predict(u), theirs.fit(u, y).predict(u), atol=1e-8)


def test_streamed_blocks_equal_one_block(regression_data, monkeypatch):
    u, y = regression_data
    whole = ReservoirRegressor(ESN(n_units=30, random_state=0), washout=70).fit(u, y).predict(u)
    monkeypatch.setattr(estimators_module, "STATE_BLOCK_STEPS", 32)
    blocked = ReservoirRegressor(ESN(n_units=30, random_state=0), washout=70).fit(u, y).predict(u)
    np.testing.assert_allclose(blocked, whole, rtol=1e-9, atol=1e-12)


def test_regressor_lists_and_blocks(regression_data):
    u, y = regression_data
    reg = ReservoirRegressor(ESN(n_units=20, random_state=0), washout=5)
    reg.fit([u[:200], u[200:350]], [y[:200], y[200:350]])
    pred = reg.predict([u[:100], u[100:130]])
    assert [p.shape for p in pred] == [(100,), (30,)]
    block = reg.predict(np.stack([u[:50], u[50:100]]))
    assert block.shape == (2, 50)
    np.testing.assert_allclose(block[0], reg.predict(u[:50]))


def test_regressor_multioutput(regression_data):
    u, y = regression_data
    Y = np.column_stack([y, -y])
    pred = ReservoirRegressor(ESN(n_units=20, random_state=0)).fit(u, Y).predict(u)
    assert pred.shape == (400, 2)
    np.testing.assert_allclose(pred[:, 0], -pred[:, 1], atol=1e-8)


def test_washout_excluded_from_fit():
    rng = np.random.default_rng(1)
    u = rng.uniform(-1, 1, (200, 1))
    y = u[:, 0].copy()
    y[:50] = 1e6  # garbage during the washout must not influence the fit
    reg = ReservoirRegressor(ESN(n_units=10, random_state=0), washout=50).fit(u, y)
    assert reg.score(u, y) > 0.999


def test_default_reservoir_is_seeded(regression_data):
    u, y = regression_data
    a = ReservoirRegressor(random_state=0).fit(u, y).predict(u)
    b = ReservoirRegressor(random_state=0).fit(u, y).predict(u)
    np.testing.assert_array_equal(a, b)


def test_nested_params_gridsearch_and_pickle(regression_data):
    u, y = regression_data
    reg = ReservoirRegressor(ESN(n_units=20, random_state=0), washout=10)
    reg.set_params(reservoir__spectral_radius=0.5, readout=RidgeReadout())
    assert reg.get_params()["reservoir__spectral_radius"] == 0.5
    search = GridSearchCV(
        reg,
        {"reservoir__spectral_radius": [0.1, 0.9], "readout__alpha": [1e-6, 1e2]},
        cv=TimeSeriesSplit(n_splits=3),
    ).fit(u, y)
    assert search.best_params_["readout__alpha"] == 1e-6  # heavy shrinkage cannot fit y
    restored = pickle.loads(pickle.dumps(search.best_estimator_))
    np.testing.assert_array_equal(restored.predict(u), search.best_estimator_.predict(u))


# --- ReservoirForecaster ------------------------------------------------------------
def test_forecaster_continues_a_sine():
    y = sine(600)
    model = ReservoirForecaster(ESN(n_units=100, random_state=0), washout=50).fit(y[:500])
    path = model.predict(100)
    assert path.shape == (100,)
    np.testing.assert_allclose(path, y[500:600], atol=1e-3)


@pytest.mark.parametrize("scale", [None, "standard"])
def test_forecaster_readout_equals_ridge_on_teacher_forced_states(scale):
    # Independent of the estimator's blocks and streamed sums: scale the series by hand
    # (statistics of all training steps), run the reservoir over each series, drop the
    # washout of each, and fit scikit-learn's Ridge from y[t] (states and input) to y[t+1].
    t = np.arange(300)
    series = [np.column_stack([sine(300), 0.5 * np.cos(2 * np.pi * t / 17) + 3.0]),
              np.column_stack([sine(220, phase=1.0), 0.5 * np.cos(2 * np.pi * t[:220] / 17)
                               + 3.0])]
    esn = ESN(n_units=30, random_state=0)
    model = ReservoirForecaster(esn, readout=RidgeReadout(alpha=1e-3), washout=40,
                                scale=scale).fit(series)
    pooled = np.vstack(series)
    center, width = ((0.0, 1.0) if scale is None else (pooled.mean(axis=0), pooled.std(axis=0)))
    scaled = [(s - center) / width for s in series]
    reservoir = clone(esn).fit(scaled)
    features = [np.hstack([reservoir.transform(z), z]) for z in scaled]
    F = np.vstack([f[:-1][40:] for f in features])
    Y = np.vstack([z[1:][40:] for z in scaled])
    ridge = Ridge(alpha=1e-3).fit(F, Y)
    # Measured 3e-11 apart (coefficients up to 3.2, condition number of F up to 1.4e6).
    np.testing.assert_allclose(model.readout_.coef_, ridge.coef_, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(model.readout_.intercept_, ridge.intercept_, rtol=1e-7, atol=1e-8)
    for s, f in zip(series, features, strict=True):
        np.testing.assert_allclose(model.predict_next(s), ridge.predict(f) * width + center,
                                   rtol=1e-7, atol=1e-8)


def test_first_forecast_equals_last_one_step_prediction():
    y = sine(300) + 0.3 * sine(300, 7.0)
    model = ReservoirForecaster(ESN(n_units=50, random_state=0), washout=20).fit(y)
    assert model.predict(1)[0] == pytest.approx(model.predict_next(y)[-1], rel=1e-10)


def test_context_equal_to_training_gives_same_forecast():
    y = sine(300)
    model = ReservoirForecaster(ESN(n_units=50, random_state=0), washout=20).fit(y)
    np.testing.assert_allclose(model.predict(30, context=y), model.predict(30), rtol=1e-10)


def test_context_list_gives_one_forecast_per_series():
    y = sine(400)
    model = ReservoirForecaster(ESN(n_units=80, random_state=0), washout=50).fit(y)
    contexts = [sine(200, phase=0.5), sine(250, phase=1.0)]
    paths = model.predict(20, context=contexts)
    assert isinstance(paths, list) and len(paths) == 2
    np.testing.assert_allclose(paths[0], sine(220, phase=0.5)[200:], atol=1e-2)
    np.testing.assert_allclose(paths[1], sine(270, phase=1.0)[250:], atol=1e-2)


def test_fit_on_a_list_of_series():
    series = [sine(200, phase=p) for p in (0.0, 1.0, 2.0)]
    model = ReservoirForecaster(ESN(n_units=80, random_state=0), washout=30).fit(series)
    np.testing.assert_allclose(model.predict(20), sine(220, phase=2.0)[200:], atol=1e-2)


def test_multivariate_series():
    y = np.column_stack([sine(400), np.cos(2 * np.pi * np.arange(400) / 25)])
    model = ReservoirForecaster(ESN(n_units=80, random_state=0), washout=30).fit(y[:350])
    path = model.predict(50)
    assert path.shape == (50, 2)
    np.testing.assert_allclose(path, y[350:], atol=1e-2)


def test_exogenous_inputs_are_used():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 601)
    y = np.zeros(601)
    for t in range(600):
        y[t + 1] = 0.5 * y[t] + x[t]
    model = ReservoirForecaster(ESN(n_units=50, random_state=0), washout=20)
    model.fit(y[:500], X=x[:500])
    path = model.predict(100, X=x[500:600])
    np.testing.assert_allclose(path, y[500:600], atol=1e-2)
    with pytest.raises(ValueError, match="X is required"):
        model.predict(5)
    with pytest.raises(ValueError, match="X must hold"):
        model.predict(5, X=x[:3])


def test_refit_may_change_whether_exogenous_inputs_are_used():
    y, x = sine(300), np.cos(np.arange(300) / 7)
    with_x = ReservoirForecaster(ESN(n_units=30, random_state=0), washout=20).fit(y, X=x)
    assert with_x.fit(y).n_exog_ == 0 and with_x.predict(5).shape == (5,)
    assert with_x.fit(y, X=x).n_exog_ == 1
    assert with_x.predict(5, X=x[:5]).shape == (5,)
    with pytest.raises(ValueError, match="context_X has 2 features, but the forecaster was "
                                         "fitted with 1"):
        with_x.predict(5, X=x[:5], context=y[:50], context_X=np.ones((50, 2)))


def test_pandas_index_continues():
    idx = pd.date_range("2020-01-01", periods=300, freq="D")
    y = pd.Series(sine(300), index=idx, name="signal")
    model = ReservoirForecaster(ESN(n_units=50, random_state=0), washout=20).fit(y)
    path = model.predict(10)
    assert isinstance(path, pd.Series) and path.name == "signal"
    assert path.index[0] == pd.Timestamp("2020-10-27") and path.index.freq == "D"
    frame = model.predict(5, context=y.iloc[:200].to_frame())
    assert isinstance(frame, pd.DataFrame)
    assert frame.index[0] == idx[200]


class ExplodingReadout(RegressorMixin, BaseEstimator):
    """A readout that multiplies the current input by 10: closed loop explodes."""

    def fit(self, X, y):
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        return 10 * X[:, -1]


def test_divergence_warns():
    y = sine(200)
    model = ReservoirForecaster(ESN(n_units=10, random_state=0), ExplodingReadout(),
                                washout=10).fit(y)
    with pytest.warns(ForecastDivergenceWarning, match="leaves the range of the training data"):
        model.predict(10)


class NaNAboveFiveReadout(RegressorMixin, BaseEstimator):
    """Persistence of the current input, NaN where it exceeds 5."""

    def fit(self, X, y):
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        return np.where(np.abs(X[:, -1]) > 5, np.nan, X[:, -1])


def test_one_diverging_series_does_not_blank_the_others():
    y = sine(200)
    model = ReservoirForecaster(ESN(n_units=10, random_state=0), NaNAboveFiveReadout(),
                                washout=10).fit(y)
    with pytest.warns(ForecastDivergenceWarning, match="from step 0"):
        paths = model.predict(5, context=[np.r_[y[:49], 0.5], np.r_[y[:49], 10.0]])
    np.testing.assert_array_equal(paths[0], np.full(5, 0.5))
    assert np.isnan(paths[1]).all()


def test_no_warning_for_a_good_forecast():
    model = ReservoirForecaster(ESN(n_units=50, random_state=0), washout=20).fit(sine(300))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ForecastDivergenceWarning)
        model.predict(50)


def test_non_causal_reservoir_refused():
    class Backwards(ESN):
        causal = False

    with pytest.raises(ValueError, match="causal"):
        ReservoirForecaster(Backwards(n_units=5)).fit(sine(300))


def test_forecaster_clone_params_pickle():
    model = ReservoirForecaster(ESN(n_units=30, random_state=0), washout=20)
    model.set_params(reservoir__leak_rate=0.5)
    assert clone(model).get_params()["reservoir__leak_rate"] == 0.5
    model.fit(sine(200))
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(15), model.predict(15))


# --- bad input ----------------------------------------------------------------------
U = np.random.default_rng(0).uniform(-1, 1, (50, 1))
Y = U[:, 0]
U_NAN = U.copy()
U_NAN[3] = np.nan
U_INF = U.copy()
U_INF[3] = np.inf

BAD_INPUTS = [
    ("NaN in X", lambda: ReservoirRegressor().fit(U_NAN, Y), ValueError, "X.*NaN"),
    ("inf in X", lambda: ReservoirRegressor().fit(U_INF, Y), ValueError, "X.*infinity"),
    ("NaN in y", lambda: ReservoirForecaster(washout=5).fit(U_NAN), ValueError, "y.*NaN"),
    ("4-D X", lambda: ReservoirRegressor().fit(np.zeros((2, 3, 4, 5)), Y), ValueError, "X must"),
    ("X/y lengths", lambda: ReservoirRegressor().fit(U, Y[:40]), ValueError, "lengths must match"),
    ("series count", lambda: ReservoirRegressor().fit([U, U], [Y]), ValueError, "series"),
    ("washout too long", lambda: ReservoirRegressor(washout=50).fit(U, Y), ValueError, "washout"),
    ("forecast washout", lambda: ReservoirForecaster(washout=49).fit(Y), ValueError, "washout"),
    ("negative washout", lambda: ReservoirRegressor(washout=-1).fit(U, Y), ValueError, "washout"),
    ("empty list", lambda: ReservoirRegressor().fit([], []), ValueError, "X is empty"),
    ("strings", lambda: ReservoirRegressor().fit(np.array([["a"], ["b"]]), [1, 2]), TypeError,
     "X must contain numbers"),
    ("None y", lambda: ReservoirRegressor().fit(U, None), ValueError, "requires y"),
    ("negative n_units", lambda: ReservoirRegressor(ESN(n_units=-1)).fit(U, Y), ValueError,
     "n_units"),
    ("negative radius", lambda: ReservoirRegressor(ESN(spectral_radius=-1)).fit(U, Y),
     ValueError, "spectral_radius"),
    ("leak rate 0", lambda: ReservoirRegressor(ESN(leak_rate=0)).fit(U, Y), ValueError,
     "leak_rate"),
    ("leak rate > 1", lambda: ReservoirForecaster(ESN(leak_rate=2), washout=5).fit(Y),
     ValueError, "leak_rate"),
    ("predict before fit", lambda: ReservoirRegressor().predict(U), NotFittedError, "not fitted"),
    ("forecast before fit", lambda: ReservoirForecaster().predict(5), NotFittedError, "not fitted"),
    ("n_steps 0", lambda: ReservoirForecaster(washout=5).fit(Y).predict(0), ValueError, "n_steps"),
    ("context features", lambda: ReservoirForecaster(washout=5).fit(Y).predict(
        3, context=np.zeros((10, 2))), ValueError, "context has 2 features"),
    ("include_input", lambda: ReservoirRegressor(include_input="yes").fit(U, Y), ValueError,
     "include_input"),
]


@pytest.mark.parametrize("case, call, error, match", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_table(case, call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_expected_failures_are_few_and_explained():
    failures = expected_failed_checks(ReservoirRegressor())
    assert len(failures) <= 4
    assert all(isinstance(reason, str) and len(reason) > 20 for reason in failures.values())


def test_future_exogenous_is_shared_or_one_per_forecast():
    one = np.arange(6.0).reshape(3, 2)
    shared = check_future_exogenous(one, n_exog=2, n_steps=3, n_series=4)
    assert len(shared) == 4 and all(np.array_equal(f, one) for f in shared)
    assert len(check_future_exogenous([one, one + 1], 2, 3, 2)) == 2
    assert check_future_exogenous(None, 0, 3, 2) is None
    with pytest.raises(ValueError, match="X holds 2 series but 3 are forecast"):
        check_future_exogenous([one, one], 2, 3, 3)
    with pytest.raises(ValueError, match="X must hold n_steps=3 rows of 2 exogenous features"):
        check_future_exogenous(one[:, :1], 2, 3, 1)
    with pytest.raises(ValueError, match="X is required"):
        check_future_exogenous(None, 2, 3, 1)


@pytest.mark.parametrize("shape", [(10,), (10, 2), (3, 10, 2)])
def test_divergence_warning_names_the_first_non_finite_step(shape):
    path = np.zeros(shape)
    if len(shape) == 3:
        path[1, 7:] = np.nan  # only the second series diverges, from step 7
    else:
        path[7:] = np.nan
    with pytest.warns(ForecastDivergenceWarning, match="non-finite values from step 7"):
        assert warn_if_diverged(path, (-1.0, 1.0))
    assert not warn_if_diverged(np.zeros(shape), (-1.0, 1.0))


@pytest.mark.parametrize("layout", ["frame", "list", "block"])
def test_score_is_washout_r2_without_feature_name_warnings(layout):
    t = np.arange(200)
    X, y = np.sin(t / 5), np.cos(t / 5)
    model = ReservoirRegressor(ESN(n_units=20, random_state=0), washout=10)
    if layout == "frame":
        X = pd.DataFrame({"a": X})
        expected_true, expected_pred = y[10:], lambda m: np.asarray(m.predict(X))[10:]
    elif layout == "list":
        X, y = [X[:120, None], X[120:, None]], [y[:120], y[120:]]
        expected_true = np.r_[y[0][10:], y[1][10:]]
        expected_pred = lambda m: np.concatenate([p[10:] for p in m.predict(X)])  # noqa: E731
    else:
        X, y = X.reshape(2, 100, 1), y.reshape(2, 100, 1)
        expected_true = y[:, 10:].ravel()
        expected_pred = lambda m: m.predict(X)[:, 10:].ravel()  # noqa: E731
    model.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        score = model.score(X, y)
    assert score == pytest.approx(r2_score(expected_true, expected_pred(model)))


def _generic_only(monkeypatch):
    monkeypatch.setattr(ReservoirForecaster, "_has_fast_closed_loop", lambda self, streams: False)


@pytest.mark.parametrize("case", ["single", "contexts", "exogenous", "no_input", "float32"])
def test_fast_closed_loop_equals_the_loop_through_simulate(case, monkeypatch):
    rng = np.random.default_rng(0)
    y = np.sin(0.2 * np.arange(400))[:, None] * [1.0, 0.5]
    X = rng.normal(size=(400, 1)) if case == "exogenous" else None
    esn = ESN(n_units=60, random_state=0, dtype="float32" if case == "float32" else "float64")
    model = ReservoirForecaster(esn, washout=20, include_input=case != "no_input").fit(y, X=X)
    assert model._has_fast_closed_loop(estimators_module.RandomStreams([0]))
    kwargs = {}
    if case == "contexts":
        kwargs = {"context": [y[:150], y[200:330], y[100:170]]}
    if case == "exogenous":
        kwargs = {"X": rng.normal(size=(30, 1))}
    fast = model.predict(30, **kwargs)
    _generic_only(monkeypatch)
    np.testing.assert_allclose(fast, model.predict(30, **kwargs), rtol=1e-9, atol=1e-12)


def test_fast_closed_loop_warns_and_masks_like_the_generic_loop(monkeypatch):
    y = np.sin(0.2 * np.arange(300))
    model = ReservoirForecaster(ESN(n_units=30, random_state=0), washout=20, scale=None).fit(y)
    model.readout_ = RidgeReadout().fit(np.eye(31), np.r_[np.zeros(30), 1e308])
    with pytest.warns(ForecastDivergenceWarning):
        fast = model.predict(10, context=[y[:50], y[:60]])
    _generic_only(monkeypatch)
    with pytest.warns(ForecastDivergenceWarning):
        generic = model.predict(10, context=[y[:50], y[:60]])
    np.testing.assert_array_equal(np.isnan(fast[0]), np.isnan(generic[0]))
    np.testing.assert_allclose(fast[1], generic[1])


def test_state_noise_and_other_readouts_take_the_generic_loop():
    y = np.sin(0.2 * np.arange(300))
    noisy = ReservoirForecaster(ESN(n_units=30, state_noise=1e-3, random_state=0),
                                washout=20).fit(y)
    streams = estimators_module.RandomStreams
    assert not noisy._has_fast_closed_loop(streams([0], state_noise=True))
    assert noisy._has_fast_closed_loop(streams([0], state_noise=False))
    ridge = ReservoirForecaster(ESN(n_units=30, random_state=0), readout=Ridge(),
                                washout=20).fit(y)
    assert not ridge._has_fast_closed_loop(streams([0]))


@pytest.mark.parametrize("cls", [ReservoirRegressor, ReservoirForecaster])
def test_nested_parameters_build_the_default_components(cls):
    model = cls(random_state=4).set_params(reservoir__spectral_radius=0.5, readout__alpha=0.1)
    assert model.reservoir.get_params() == ESN(random_state=4, spectral_radius=0.5).get_params()
    assert model.readout.get_params() == RidgeReadout(alpha=0.1).get_params()
    seeded = cls().set_params(random_state=7, reservoir__n_units=20)
    assert seeded.reservoir.random_state == 7 and seeded.random_state == 7
    explicit = cls(reservoir=ESN(n_units=5)).set_params(reservoir__n_units=8)
    assert explicit.reservoir.n_units == 8 and explicit.readout is None


def test_grid_search_over_nested_parameters_of_default_components():
    rng = np.random.default_rng(0)
    u = rng.uniform(-1, 1, (300, 1))
    y = np.convolve(u[:, 0], [0.5, 0.3, 0.2])[:300]
    search = GridSearchCV(ReservoirRegressor(random_state=0, washout=20),
                          {"readout__alpha": [1e-8, 10.0], "reservoir__spectral_radius": [0.5],
                           "reservoir__n_units": [30]},
                          cv=TimeSeriesSplit(2)).fit(u, y)
    assert search.best_params_["readout__alpha"] == 1e-8
    fitted = search.best_estimator_
    same = ReservoirRegressor(ESN(n_units=30, spectral_radius=0.5, random_state=0),
                              readout=RidgeReadout(alpha=1e-8), washout=20).fit(u, y)
    np.testing.assert_allclose(fitted.predict(u), same.predict(u))


@pytest.mark.parametrize("split", [1, 250, 399])
def test_regressor_continuation_equals_running_the_whole_series(split):
    rng = np.random.default_rng(1)
    u = rng.uniform(-1, 1, (600, 2))
    y = np.column_stack([np.convolve(u[:, 0], [0.4, 0.3, 0.2])[:600], u[:, 1] ** 2])
    reg = ReservoirRegressor(ESN(n_units=50, random_state=0), washout=0).fit(u[:split], y[:split])
    whole = reg.predict(u)
    np.testing.assert_allclose(reg.predict(u[split:], initial_state="end"), whole[split:],
                               rtol=1e-10, atol=1e-12)
    _, state = reg.reservoir_.run(reg.input_scaler_.transform(u[:split]))
    np.testing.assert_allclose(reg.last_state_, state)
    np.testing.assert_allclose(reg.predict(u[split:], initial_state=state), whole[split:],
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(reg.predict(u[split:]), reg.predict(u[split:],
                                                                      initial_state=None))


def test_regressor_end_state_of_a_noisy_reservoir_is_the_noise_free_state():
    u = np.sin(0.1 * np.arange(300))
    esn = ESN(n_units=30, state_noise=1e-2, random_state=0)
    reg = ReservoirRegressor(esn, washout=10).fit([u[:100], u[:200]], [u[:100], u[:200]])
    _, state = reg.reservoir_.run(reg.input_scaler_.transform(u[:200, None]))
    np.testing.assert_allclose(reg.last_state_, state)
    np.testing.assert_allclose(reg.predict(u[200:], initial_state="end"),
                               reg.predict(u)[200:], rtol=1e-10, atol=1e-12)


def test_regressor_initial_state_errors_name_the_argument():
    from reservoir import BidirectionalESN

    u = np.sin(0.1 * np.arange(200))
    reg = ReservoirRegressor(ESN(n_units=20, random_state=0)).fit(u, u)
    with pytest.raises(ValueError, match="initial_state must be None"):
        reg.predict(u, initial_state="start")
    bidirectional = ReservoirRegressor(BidirectionalESN(ESN(n_units=10, random_state=0))).fit(u, u)
    with pytest.raises(ValueError, match="causal"):
        bidirectional.predict(u, initial_state="end")
