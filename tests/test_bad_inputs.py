"""Bad inputs get a clear error naming the argument (issue 13, item 5).

Every finding of the audit in issue 13 ("Why") is a row of ``CASES`` (the
exception type and a message naming the argument) or a test of the documented
behaviour chosen instead (``n_connections > n_units`` warns, a ``seq_len``
longer than the series trains on whole series, numpy booleans are booleans,
the shape of ``RidgeReadout.coef_``).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LinearRegression, Ridge

from reservoir import (
    ESN,
    ReservoirClassifier,
    ReservoirForecaster,
    ReservoirRegressor,
    RidgeReadout,
    weights,
)
from reservoir import _forecast as forecast_module
from reservoir.analysis import edge_of_stability
from reservoir.base import RandomStreams
from reservoir.baselines import ARIMAForecaster, PersistenceForecaster
from reservoir.metrics import nrmse, valid_prediction_time
from reservoir.model_selection import forecast_cv
from reservoir.weights import ConnectivityWarning

Y = np.sin(np.arange(200) * 0.3)
U = np.random.default_rng(0).uniform(-1, 1, (200, 1))
HUGE = 10**12


def _forecaster():
    return ReservoirForecaster(ESN(n_units=20, random_state=0), washout=10).fit(Y)


def _regressor(**params):
    return ReservoirRegressor(ESN(n_units=20, random_state=0), washout=10, **params)


def _classifier_data():
    X = np.random.default_rng(0).normal(size=(10, 20, 1))
    return X, np.zeros(10)


def _ar(n):
    return np.random.default_rng(0).normal(size=n)


# (id, call, exception type, pattern the message must match: it names the argument)
CASES = [
    # forecast horizons: an upper bound checked against the memory the forecast needs
    ("n_steps-huge-reservoir", lambda: _forecaster().predict(n_steps=HUGE), ValueError,
     r"n_steps=1000000000000 is too large.*TiB"),
    ("n_steps-huge-context", lambda: _forecaster().predict(HUGE, context=[Y[:50], Y[:60]]),
     ValueError, r"n_steps=.*too large"),
    ("n_steps-huge-persistence", lambda: PersistenceForecaster().fit(Y).predict(HUGE),
     ValueError, r"n_steps=.*too large"),
    ("n_steps-huge-arima", lambda: ARIMAForecaster(order=(1, 0, 0)).fit(_ar(60)).predict(HUGE),
     ValueError, r"n_steps=.*too large"),
    ("n_steps-zero", lambda: _forecaster().predict(0), ValueError, r"n_steps must be"),
    ("n_steps-float", lambda: _forecaster().predict(2.5), ValueError, r"n_steps must be"),
    ("n_steps-bool", lambda: _forecaster().predict(True), ValueError, r"n_steps must be"),
    # parameters of the wrong kind
    ("input_scaling-string", lambda: ESN(input_scaling="x").fit(Y), ValueError,
     r"ESN: input_scaling must be a finite number.*'x'"),
    ("input_scaling-shape", lambda: ESN(input_scaling=[1.0, 2.0]).fit(Y), ValueError,
     r"input_scaling must be a scalar or have one entry per input feature"),
    ("input_scaling-nan", lambda: ESN(input_scaling=np.nan).fit(Y), ValueError,
     r"ESN: input_scaling must be a finite number.*got nan"),
    ("reservoir-is-a-readout",
     lambda: ReservoirRegressor(reservoir=RidgeReadout()).fit(U, Y), TypeError,
     r"reservoir must be a reservoir.*got RidgeReadout"),
    ("readout-is-a-reservoir", lambda: ReservoirRegressor(readout=ESN()).fit(U, Y), TypeError,
     r"readout must be a scikit-learn estimator with fit and predict.*got ESN"),
    ("forecast_cv-regressor", lambda: forecast_cv(ReservoirRegressor(), Y, 5), TypeError,
     r"estimator must be a forecaster.*ReservoirRegressor, a regressor"),
    ("forecast_cv-not-an-estimator", lambda: forecast_cv(np.mean, Y, 5), TypeError,
     r"estimator must be a forecaster"),
    ("spectral_radius-empty", lambda: weights.spectral_radius(np.zeros((0, 0))), ValueError,
     r"W must be a non-empty square matrix; got shape \(0, 0\)"),
    ("spectral_radius-empty-sparse", lambda: weights.spectral_radius(sp.csr_matrix((0, 0))),
     ValueError, r"W must be a non-empty square matrix"),
    ("spectral_radius-not-square", lambda: weights.spectral_radius(np.zeros((2, 3))),
     ValueError, r"W must be a non-empty square matrix; got shape \(2, 3\)"),
    ("edge-max_iter-float",
     lambda: edge_of_stability(ESN(n_units=10, random_state=0), Y, max_iter=2.5), ValueError,
     r"max_iter must be an integer; got 2.5"),
    ("edge-max_iter-zero",
     lambda: edge_of_stability(ESN(n_units=10, random_state=0), Y, max_iter=0), ValueError,
     r"max_iter must be in \[1, inf\); got 0"),
    ("arima-more-parameters-than-data", lambda: ARIMAForecaster(order=(60, 0, 0)).fit(_ar(80)),
     ValueError, r"order=\(60, 0, 0\).*61 parameters.*80 observations"),
    ("arima-seasonal-too-short",
     lambda: ARIMAForecaster(order=(1, 0, 0), seasonal_order=(2, 0, 0, 12)).fit(_ar(28)),
     ValueError, r"order=\(1, 0, 0\).*seasonal_order=\(2, 0, 0, 12\)"),
    ("classifier-one-class", lambda: ReservoirClassifier().fit(*_classifier_data()), ValueError,
     r"y holds a single class \(0\.0\).*got 1 class"),
    ("nrmse-std-at-rounding-level",
     lambda: nrmse(1.0 + 1e-16 * np.arange(5.0), np.ones(5) + 1e-3), ValueError,
     r"y_true has a zero 'std' scale.*zero up to rounding"),
    ("nrmse-exactly-constant", lambda: nrmse(np.full(5, 0.1), np.zeros(5)), ValueError,
     r"y_true has a zero 'std' scale"),
    ("nrmse-mean-of-zero-mean-series",
     lambda: nrmse(np.sin(np.linspace(0, 2 * np.pi, 101)), np.zeros(101), normalization="mean"),
     ValueError, r"y_true has a zero 'mean' scale"),
    ("vpt-std-at-rounding-level",
     lambda: valid_prediction_time(1.0 + 1e-16 * np.arange(5.0), np.ones(5)), ValueError,
     r"y_true has a zero 'std' scale"),
    ("input_matrix-n_features-zero", lambda: weights.input_matrix(5, 0), ValueError,
     r"n_features must be in \[1, inf\); got 0"),
    ("input_matrix-n_units-zero", lambda: weights.input_matrix(0, 2), ValueError,
     r"n_units must be in \[1, inf\); got 0"),
    ("include_input-string", lambda: _regressor(include_input="yes").fit(U, Y), ValueError,
     r"include_input must be True or False; got 'yes'"),
    ("include_input-int", lambda: _regressor(include_input=1).fit(U, Y), ValueError,
     r"include_input must be True or False; got 1"),
    # the noise switch and the random streams (item 3)
    ("predict-noise-string", lambda: _regressor().fit(U, Y).predict(U, noise="yes"), ValueError,
     r"noise must be True or False; got 'yes'"),
    ("forecast-noise-int", lambda: _forecaster().predict(3, noise=1), ValueError,
     r"noise must be True or False; got 1"),
    ("transform-noise-none", lambda: ESN(n_units=5, random_state=0).fit(U).transform(U, noise=None),
     ValueError, r"noise must be True or False; got None"),
    ("run-streams-count",
     lambda: ESN(n_units=5, random_state=0).fit(U).run([U, U], streams=RandomStreams([1])),
     ValueError, r"streams must be a reservoir.base.RandomStreams with one stream per series"),
    ("simulate-rng-RandomState",
     lambda: (lambda e: e.simulate(U[None], e.default_state(1), rng=np.random.RandomState(0)))(
         ESN(n_units=5, random_state=0).fit(U)),
     TypeError, r"rng must be None, a reservoir.base.RandomStreams or a numpy Generator"),
    ("streams-negative-offset", lambda: RandomStreams([1, 2], offsets=-1), ValueError,
     r"offsets must be integers >= 0"),
]


@pytest.mark.parametrize("call, error, match", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_with_a_message_naming_the_argument(call, error, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConnectivityWarning)
        with pytest.raises(error, match=match):
            call()


def test_every_case_has_a_distinct_id():
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids))


# -- horizons -------------------------------------------------------------------------------
def test_the_horizon_bound_is_the_memory_of_the_machine(monkeypatch):
    model = _forecaster()
    monkeypatch.setattr(forecast_module, "memory_bytes", lambda: 8 * 1000)
    assert model.predict(1000).shape == (1000,)  # exactly fits: 1000 float64 values
    with pytest.raises(ValueError, match=r"n_steps=1001 is too large.*1 forecast"):
        model.predict(1001)
    with pytest.raises(ValueError, match=r"n_steps=600 is too large: 2 forecast"):
        model.predict(600, context=[Y[:50], Y[:60]])
    monkeypatch.setattr(forecast_module, "memory_bytes", lambda: None)  # unknown: no bound
    assert model.predict(1001).shape == (1001,)


def test_recurrent_forecasters_refuse_a_huge_horizon_instead_of_looping():
    pytest.importorskip("torch")
    from reservoir.baselines import LSTMForecaster

    model = LSTMForecaster(hidden_size=2, max_epochs=1, seq_len=10, random_state=0).fit(Y[:60])
    with pytest.raises(ValueError, match=r"n_steps=1000000000000 is too large"):
        model.predict(HUGE)
    with pytest.raises(ValueError, match=r"n_steps=.*too large"):
        model.predict(HUGE // 2, context=[Y[:30], Y[:40]])


# -- documented behaviours ------------------------------------------------------------------
def test_numpy_booleans_are_booleans():
    plain = _regressor(include_input=True).fit(U, Y).predict(U)
    numpy_true = _regressor(include_input=np.True_).fit(U, Y).predict(U)
    np.testing.assert_array_equal(numpy_true, plain)
    without = _regressor(include_input=np.False_).fit(U, Y)
    assert without.readout_.n_features_in_ == 20  # states only
    assert _regressor().fit(U, Y).predict(U, noise=np.False_).shape == (200,)


def test_more_connections_than_units_warns_and_connects_every_unit():
    with pytest.warns(ConnectivityWarning, match=r"n_connections=20 exceeds n_units=5"):
        esn = ESN(n_units=5, n_connections=20, random_state=0).fit(U)
    assert np.all(np.diff(esn.W_.tocsr().indptr) == 5)  # each unit reads all 5 units
    with pytest.warns(ConnectivityWarning, match="n_connections"):
        weights.reservoir_matrix(3, n_connections=4, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        weights.reservoir_matrix(5, n_connections=5, random_state=0)  # exactly all: quiet


def test_seq_len_longer_than_the_series_trains_on_whole_series():
    pytest.importorskip("torch")
    from reservoir.baselines import LSTMForecaster

    params = dict(hidden_size=3, max_epochs=2, early_stopping=False, random_state=0)
    series = Y[:80]
    longer = LSTMForecaster(seq_len=10**6, **params).fit(series)
    whole = LSTMForecaster(seq_len=len(series) - 1, **params).fit(series)  # 79 training steps
    np.testing.assert_array_equal(longer.predict(5), whole.predict(5))
    np.testing.assert_array_equal(longer.loss_curve_, whole.loss_curve_)


def test_ridge_readout_keeps_the_shape_of_y_like_linear_regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.1 * rng.normal(size=40)
    one_d = RidgeReadout(alpha=1.0).fit(X, y)
    column = RidgeReadout(alpha=1.0).fit(X, y[:, None])
    two = RidgeReadout(alpha=1.0).fit(X, np.column_stack([y, -y]))
    assert one_d.coef_.shape == (4,) and np.ndim(one_d.intercept_) == 0
    assert one_d.predict(X).shape == (40,)
    assert column.coef_.shape == (1, 4) and column.intercept_.shape == (1,)
    assert column.predict(X).shape == (40, 1)
    assert two.coef_.shape == (2, 4) and two.predict(X).shape == (40, 2)
    # LinearRegression's convention; scikit-learn's Ridge ravels a one-column coef_
    reference = Ridge(alpha=1.0).fit(X, y[:, None])
    assert LinearRegression().fit(X, y[:, None]).coef_.shape == (1, 4)
    assert reference.coef_.shape == (4,) and reference.intercept_.shape == (1,)
    np.testing.assert_allclose(column.coef_[0], reference.coef_, rtol=1e-10)
    np.testing.assert_allclose(one_d.coef_, Ridge(alpha=1.0).fit(X, y).coef_, rtol=1e-10)


def test_nrmse_scale_is_relative_to_the_values():
    # a tiny but genuine spread is not rounding noise: nrmse works at any magnitude
    y = 1e-20 * np.sin(np.arange(50) * 0.3)
    assert nrmse(y, np.zeros(50)) == pytest.approx(1.0 / np.sqrt(1 - 0.0), rel=0.05)
    assert nrmse(1e6 + np.sin(np.arange(50.0)), 1e6 + np.sin(np.arange(50.0))) == 0.0


def test_arima_auto_skips_candidates_with_too_many_parameters():
    model = ARIMAForecaster(order="auto", auto_max_order=(3, 0, 3)).fit(_ar(9))
    grid = model.aic_grid_
    assert np.isnan(grid[(3, 0, 3)])  # 7 parameters, 6 steps after the lags: skipped
    assert np.isfinite(grid[(1, 0, 0)])
