"""Tests for reservoir.baselines.statistical: ARIMA, ETS, persistence, seasonal naive."""

import itertools
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.statespace.sarimax import SARIMAX
from threadpoolctl import threadpool_limits

from reservoir.baselines import (
    ARIMAForecaster,
    ETSForecaster,
    PersistenceForecaster,
    SeasonalNaiveForecaster,
)

RTOL = 1e-8


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sunspots():
    """The last 200 years (1809-2008) of yearly sunspot numbers, on a yearly PeriodIndex."""
    from reservoir.datasets import load_sunspots

    return load_sunspots().iloc[-200:]


@pytest.fixture(scope="module")
def ar1():
    """An AR(1) series y_t = 2 + 0.7 y_{t-1} + e_t (stationary mean 6.67)."""
    rng = np.random.default_rng(0)
    y = np.empty(150)
    y[0] = 20 / 3
    for t in range(1, 150):
        y[t] = 2 + 0.7 * y[t - 1] + rng.standard_normal()
    return y


@pytest.fixture(scope="module")
def seasonal_series():
    """A positive series with level, trend and an additive season of length 4."""
    rng = np.random.default_rng(1)
    t = np.arange(48)
    return 20 + 0.1 * t + np.tile([2.0, -1.0, 0.5, -1.5], 12) + 0.3 * rng.standard_normal(48)


def quiet_fit(model, *args, **kwargs):
    """Fit a statsmodels model directly, as the wrapper does: one BLAS thread, no chatter."""
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore")
        return model.fit(*args, **kwargs)


# ---------------------------------------------------------------------------
# ARIMA
# ---------------------------------------------------------------------------
def test_arima_matches_direct_sarimax_on_sunspots(sunspots):
    model = ARIMAForecaster(order=(2, 0, 1), trend="c").fit(sunspots)
    direct = quiet_fit(SARIMAX(sunspots.to_numpy(), order=(2, 0, 1), trend="c"), disp=False)

    forecast = model.predict(n_steps=20)

    np.testing.assert_allclose(forecast.to_numpy(), direct.forecast(20), rtol=RTOL)
    np.testing.assert_allclose(model.results_.params, direct.params, rtol=RTOL)
    assert model.aic_ == pytest.approx(direct.aic, rel=RTOL)
    assert model.order_ == (2, 0, 1)
    assert model.aic_grid_ is None
    # pandas in, pandas out, on the continued yearly index and with the series name
    assert isinstance(forecast, pd.Series)
    assert forecast.index.equals(pd.period_range("2009", periods=20, freq="Y-DEC"))
    assert forecast.name == sunspots.name


def test_arima_auto_order_is_the_aic_minimiser_of_the_grid(sunspots):
    y = sunspots.to_numpy()[-100:]
    model = ARIMAForecaster(order="auto", auto_max_order=(2, 1, 1), trend="c").fit(y)

    brute = {}
    for order in itertools.product(range(3), range(2), range(2)):
        brute[order] = quiet_fit(SARIMAX(y, order=order, trend="c"), disp=False).aic
    best = min(brute, key=brute.get)

    assert model.order_ == best
    assert model.aic_ == pytest.approx(brute[best], rel=RTOL)
    assert set(model.aic_grid_) == set(brute)
    np.testing.assert_allclose([model.aic_grid_[o] for o in brute], list(brute.values()),
                               rtol=RTOL)
    assert model.results_.model.order == best


def test_arima_auto_warns_when_the_chosen_model_did_not_converge(ar1):
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        ARIMAForecaster(order="auto", auto_max_order=(1, 0, 1), maxiter=1).fit(ar1)


def test_arima_predict_next_is_the_ar1_one_step_rule(ar1):
    """For y_t = c + phi y_{t-1} + e_t the one-step prediction of y[t+1] is c + phi y[t]."""
    model = ARIMAForecaster(order=(1, 0, 0), trend="c").fit(ar1[:100])
    const, phi = model.results_.params[:2]
    new = ar1[100:]

    predictions = model.predict_next(new)

    assert predictions.shape == new.shape
    np.testing.assert_allclose(predictions, const + phi * new, rtol=1e-10)
    assert 0.5 < phi < 0.9


def test_arima_context_applies_fitted_parameters_without_refit(sunspots):
    y = sunspots.to_numpy()
    model = ARIMAForecaster(order=(2, 0, 1), trend="c").fit(y[:150])
    context = y[150:]

    forecast = model.predict(n_steps=10, context=context)

    independent = SARIMAX(context, order=(2, 0, 1), trend="c").smooth(model.results_.params)
    np.testing.assert_allclose(forecast, independent.forecast(10), rtol=RTOL)
    assert forecast.shape == (10,)
    # the training-end forecast is a different thing
    assert not np.allclose(forecast, model.predict(n_steps=10))


def test_arima_predict_next_matches_shifted_filter_on_differenced_model(sunspots):
    y = sunspots.to_numpy()
    model = ARIMAForecaster(order=(1, 1, 1)).fit(y[:150])
    new = y[150:]

    out = model.predict_next(new)

    filtered = SARIMAX(new, order=(1, 1, 1)).smooth(model.results_.params)
    np.testing.assert_allclose(out[:-1], filtered.fittedvalues[1:], rtol=RTOL)
    assert out[-1] == pytest.approx(filtered.forecast(1)[0], rel=RTOL)


def test_arima_with_exogenous_regressors(ar1):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((150, 2))
    y = ar1 + X @ [3.0, -1.0]
    model = ARIMAForecaster(order=(1, 0, 0)).fit(y[:120], X=X[:120])
    direct = quiet_fit(SARIMAX(y[:120], exog=X[:120], order=(1, 0, 0)), disp=False)

    np.testing.assert_allclose(model.predict(5, X=X[120:125]), direct.forecast(5, exog=X[120:125]),
                               rtol=RTOL)
    assert model.n_exog_features_ == 2
    # context: X holds the horizon, context_X the rows aligned with the context
    with_context = model.predict(5, X=X[120:125], context=y[100:120], context_X=X[100:120])
    applied = direct.apply(y[100:120], exog=X[100:120])
    np.testing.assert_allclose(with_context, applied.forecast(5, exog=X[120:125]), rtol=RTOL)
    # one-step: T rows of X leave the step after the end unknown; T + 1 rows give it
    partial = model.predict_next(y[120:], X=X[120:])
    assert np.isnan(partial[-1]) and np.isfinite(partial[:-1]).all()
    with pytest.raises(ValueError, match="y has 30 time steps but X has 29"):
        model.predict_next(y[120:], X=X[121:])
    with pytest.raises(ValueError, match="X is required"):
        model.predict(5)
    with pytest.raises(ValueError, match="X must hold n_steps=5 rows"):
        model.predict(5, X=X[120:124])
    with pytest.raises(ValueError, match="2 exogenous features"):
        model.predict(5, X=X[120:125, :1])
    # the former form, X covering the context and the horizon, says what to pass instead
    with pytest.raises(ValueError, match=r"context_X=X\[:-n_steps\]"):
        model.predict(5, X=X[100:125], context=y[100:120])
    with pytest.raises(ValueError, match="context_X is required"):
        model.predict(5, X=X[120:125], context=y[100:120])


def test_arima_without_exog_refuses_x(ar1):
    model = ARIMAForecaster().fit(ar1)
    with pytest.raises(ValueError, match="fitted without exogenous"):
        model.predict(3, X=np.ones((3, 1)))


def test_arima_multivariate_fits_one_model_per_column(sunspots, ar1):
    y = np.column_stack([sunspots.to_numpy()[-150:], ar1])
    model = ARIMAForecaster(order=(1, 0, 0), trend="c").fit(y)

    forecast = model.predict(n_steps=4)

    assert forecast.shape == (4, 2)
    assert isinstance(model.results_, list) and len(model.results_) == 2
    assert model.order_ == [(1, 0, 0), (1, 0, 0)]
    for j in range(2):
        single = ARIMAForecaster(order=(1, 0, 0), trend="c").fit(y[:, j])
        np.testing.assert_allclose(forecast[:, j], single.predict(4), rtol=RTOL)
    assert model.predict_next(y[:10]).shape == (10, 2)


def test_arima_seasonal_order_matches_direct_fit(seasonal_series):
    model = ARIMAForecaster(order=(1, 0, 0), seasonal_order=(0, 1, 1, 4), trend="c")
    forecast = model.fit(seasonal_series).predict(8)
    direct = quiet_fit(SARIMAX(seasonal_series, order=(1, 0, 0), seasonal_order=(0, 1, 1, 4),
                               trend="c"), disp=False)
    np.testing.assert_allclose(forecast, direct.forecast(8), rtol=RTOL)


@pytest.mark.parametrize("params, match", [
    ({"order": (1, 0)}, "order must be a tuple of 3"),
    ({"order": (1, -1, 0)}, "order must be a tuple of 3 non-negative integers"),
    ({"order": "best"}, "order must be a tuple"),
    ({"auto_max_order": (1, 1)}, "auto_max_order"),
    ({"seasonal_order": (1, 0, 0, 1)}, "period s"),
    ({"seasonal_order": (1, 0, 0)}, "seasonal_order must be a tuple of 4"),
    ({"trend": "quadratic"}, "trend must be one of"),
    ({"enforce_stationarity": "yes"}, "enforce_stationarity must be True or False"),
    ({"maxiter": 0}, "maxiter"),
])
def test_arima_rejects_bad_parameters(ar1, params, match):
    with pytest.raises(ValueError, match=match):
        ARIMAForecaster(**params).fit(ar1)


def test_arima_rejects_series_too_short_for_the_order():
    with pytest.raises(ValueError, match="at least 7 are required"):
        ARIMAForecaster(order=(2, 1, 2)).fit(np.arange(6.0))


# ---------------------------------------------------------------------------
# ETS
# ---------------------------------------------------------------------------
def test_ets_matches_direct_etsmodel_fit(seasonal_series):
    params = dict(trend="add", damped_trend=True, seasonal="add", seasonal_periods=4)
    model = ETSForecaster(**params).fit(seasonal_series[:40])
    direct = quiet_fit(ETSModel(seasonal_series[:40], **params), disp=False)

    np.testing.assert_allclose(model.predict(12), direct.forecast(12), rtol=RTOL)
    np.testing.assert_allclose(model.results_.params, direct.params, rtol=RTOL)

    context = seasonal_series[30:]
    smoothed = ETSModel(context, **params).smooth(direct.params)
    np.testing.assert_allclose(model.predict(5, context=context), smoothed.forecast(5), rtol=RTOL)
    one_step = model.predict_next(context)
    np.testing.assert_allclose(one_step[:-1], smoothed.fittedvalues[1:], rtol=RTOL)
    assert one_step[-1] == pytest.approx(smoothed.forecast(1)[0], rel=RTOL)


def test_ets_simple_smoothing_predict_next_is_the_smoothing_recursion(ar1):
    """Simple exponential smoothing: level_t = level_{t-1} + alpha (y_t - level_{t-1})."""
    model = ETSForecaster().fit(ar1[:100])
    alpha = model.results_.params[0]
    level = model.results_.params[1]  # fitted initial level
    new = ar1[100:]
    expected = []
    for value in new:
        level = level + alpha * (value - level)
        expected.append(level)
    np.testing.assert_allclose(model.predict_next(new), expected, rtol=1e-10)
    assert np.allclose(model.predict(3), model.predict(3)[0])  # flat forecast


def test_ets_multiplicative_requires_positive_data(ar1):
    with pytest.raises(ValueError, match="strictly positive"):
        ETSForecaster(error="mul").fit(ar1 - 100)


@pytest.mark.parametrize("params, match", [
    ({"trend": "linear"}, "trend must be one of"),
    ({"seasonal": "additive"}, "seasonal must be one of"),
    ({"error": None}, "error must be one of"),
    ({"damped_trend": True}, "damped_trend=True requires a trend"),
    ({"seasonal": "add"}, "requires seasonal_periods"),
    ({"seasonal": "add", "seasonal_periods": 1}, r"seasonal_periods must be an integer in \[2"),
])
def test_ets_rejects_bad_parameters(ar1, params, match):
    with pytest.raises(ValueError, match=match):
        ETSForecaster(**params).fit(ar1)


def test_ets_needs_two_seasons():
    with pytest.raises(ValueError, match="at least 8 are required"):
        ETSForecaster(seasonal="add", seasonal_periods=4).fit(np.arange(1.0, 8.0))


# ---------------------------------------------------------------------------
# naive forecasts
# ---------------------------------------------------------------------------
def test_persistence_repeats_the_last_value():
    y = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]])
    model = PersistenceForecaster().fit(y)
    np.testing.assert_array_equal(model.predict(4), np.tile([3.0, 30.0], (4, 1)))
    np.testing.assert_array_equal(model.predict(2, context=y[:2]), [[2.0, 20.0]] * 2)
    np.testing.assert_array_equal(model.predict_next(y), y)
    assert PersistenceForecaster().fit([5.0, 7.0]).predict(3).tolist() == [7.0, 7.0, 7.0]


def test_persistence_works_per_series():
    series = [np.arange(5.0), np.arange(8.0) * 2]
    model = PersistenceForecaster().fit(series)
    # without context, the forecast continues the last training series (as every forecaster)
    np.testing.assert_array_equal(model.predict(3), [14.0] * 3)
    forecasts = model.predict(3, context=series)
    assert isinstance(forecasts, list)
    assert forecasts[0].shape == (3,)  # a list of 1-D series gives 1-D forecasts
    np.testing.assert_array_equal(forecasts[0], [4.0] * 3)
    np.testing.assert_array_equal(forecasts[1], [14.0] * 3)
    block = np.arange(24.0).reshape(2, 6, 2)
    out = PersistenceForecaster().fit(block).predict(2, context=block)
    assert out.shape == (2, 2, 2)
    np.testing.assert_array_equal(out[1], [[22.0, 23.0]] * 2)
    assert [o.shape for o in model.predict_next(series)] == [(5,), (8,)]


def test_seasonal_naive_is_exact_on_a_periodic_series():
    pattern = np.array([3.0, -1.0, 4.0, 1.0, -5.0, 9.0, 2.0])
    y = np.tile(pattern, 10)
    model = SeasonalNaiveForecaster(period=7).fit(y[:52])
    np.testing.assert_array_equal(model.predict(18), y[52:70])
    np.testing.assert_array_equal(model.predict(5, context=y[3:20]), y[20:25])
    out = model.predict_next(y)
    np.testing.assert_array_equal(out[6:-1], y[7:])  # exact once a period of history exists


def test_seasonal_naive_predict_next_rule():
    rng = np.random.default_rng(3)
    y = rng.standard_normal((20, 2))
    out = SeasonalNaiveForecaster(period=5).fit(y).predict_next(y)
    for t in range(20):
        expected = y[t + 1 - 5] if t + 1 - 5 >= 0 else y[t]
        np.testing.assert_array_equal(out[t], expected)


def test_seasonal_naive_period_one_is_persistence():
    y = np.random.default_rng(4).standard_normal(30)
    seasonal = SeasonalNaiveForecaster(period=1).fit(y)
    persistence = PersistenceForecaster().fit(y)
    np.testing.assert_array_equal(seasonal.predict(6), persistence.predict(6))
    np.testing.assert_array_equal(seasonal.predict_next(y), persistence.predict_next(y))


@pytest.mark.parametrize("period", [0, -2, 1.5, "7", None, True])
def test_seasonal_naive_rejects_bad_period(period):
    with pytest.raises(ValueError, match="period must be"):
        SeasonalNaiveForecaster(period=period).fit(np.arange(10.0))


def test_seasonal_naive_needs_one_full_period():
    with pytest.raises(ValueError, match="at least 12 are required"):
        SeasonalNaiveForecaster(period=12).fit(np.arange(11.0))
    model = SeasonalNaiveForecaster(period=3).fit(np.arange(10.0))
    with pytest.raises(ValueError, match="context has 2 time steps"):
        model.predict(2, context=[1.0, 2.0])


# ---------------------------------------------------------------------------
# interface shared by all four
# ---------------------------------------------------------------------------
ALL_MODELS = [
    ARIMAForecaster(order=(1, 0, 0)),
    ETSForecaster(),
    PersistenceForecaster(),
    SeasonalNaiveForecaster(period=12),
]
IDS = ["arima", "ets", "persistence", "seasonal_naive"]


@pytest.fixture(scope="module")
def monthly():
    index = pd.date_range("2000-01-31", periods=60, freq="ME")
    values = 10 + np.sin(np.arange(60) * 2 * np.pi / 12) + 0.01 * np.arange(60)
    return pd.Series(values, index=index, name="sales")


@pytest.mark.parametrize("model", ALL_MODELS, ids=IDS)
def test_pandas_index_is_continued(model, monthly):
    model = clone(model).fit(monthly)
    forecast = model.predict(n_steps=6)
    expected_index = pd.date_range("2005-01-31", periods=6, freq="ME")
    assert isinstance(forecast, pd.Series)
    assert forecast.index.equals(expected_index)
    assert forecast.name == "sales"
    one_step = model.predict_next(monthly)
    assert isinstance(one_step, pd.Series) and one_step.index.equals(monthly.index)
    from_context = model.predict(n_steps=2, context=monthly.iloc[:30])
    assert from_context.index.equals(monthly.index[30:32])

    frame = monthly.to_frame()
    frame["other"] = monthly * 2
    forecast = clone(model).fit(frame).predict(n_steps=3)
    assert isinstance(forecast, pd.DataFrame)
    assert list(forecast.columns) == ["sales", "other"]
    assert forecast.index.equals(expected_index[:3])
    renamed = frame.rename(columns={"other": "unknown"})
    with pytest.raises(ValueError, match="feature names"):
        clone(model).fit(frame).predict(n_steps=3, context=renamed)


@pytest.mark.parametrize("model", ALL_MODELS, ids=IDS)
def test_numpy_shapes_follow_the_input(model, monthly):
    y = monthly.to_numpy()
    fitted = clone(model).fit(y)
    assert fitted.predict(5).shape == (5,)
    assert fitted.predict_next(y[:30]).shape == (30,)
    assert fitted.predict(5, context=y[:40]).shape == (5,)
    assert clone(model).fit(y[:, None]).predict(5).shape == (5, 1)
    assert fitted.n_features_in_ == 1


@pytest.mark.parametrize("model", ALL_MODELS, ids=IDS)
def test_clone_get_params_and_pickle(model, monthly):
    params = model.get_params()
    assert clone(model).get_params() == params
    if "period" in params:
        assert model.set_params(period=4).period == 4
        model.set_params(period=12)
    fitted = clone(model).fit(monthly.to_numpy())
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(4), fitted.predict(4))


@pytest.mark.parametrize("model", ALL_MODELS, ids=IDS)
def test_bad_input_raises_clear_errors(model, monthly):
    y = monthly.to_numpy()
    with pytest.raises(NotFittedError):
        clone(model).predict(3)
    bad = y.copy()
    bad[5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clone(model).fit(bad)
    with pytest.raises(ValueError, match=r"must be \(T,\), \(T, d\)"):
        clone(model).fit(np.ones((2, 3, 4, 5)))
    fitted = clone(model).fit(y)
    for n_steps in (0, -1, 2.5, None):
        with pytest.raises(ValueError, match="n_steps must be a positive integer"):
            fitted.predict(n_steps)
    with pytest.raises(ValueError, match="2 features"):
        fitted.predict(3, context=np.column_stack([y, y]))
    with pytest.raises(TypeError, match="y is required"):
        fitted.predict_next(None)


@pytest.mark.parametrize("model", ALL_MODELS[2:], ids=IDS[2:])
def test_naive_models_refuse_exogenous_inputs(model, monthly):
    y = monthly.to_numpy()
    with pytest.raises(ValueError, match="does not use exogenous inputs"):
        clone(model).fit(y, X=np.ones((60, 1)))
    fitted = clone(model).fit(y)
    with pytest.raises(ValueError, match="does not use exogenous inputs"):
        fitted.predict(3, X=np.ones((3, 1)))
    with pytest.raises(ValueError, match="does not use exogenous inputs"):
        fitted.predict_next(y, X=np.ones((60, 1)))


@pytest.mark.parametrize("model", ALL_MODELS[:2], ids=IDS[:2])
def test_univariate_models_refuse_several_series(model, monthly):
    y = monthly.to_numpy()
    with pytest.raises(ValueError, match="Fit one model per series"):
        clone(model).fit([y, y])
    with pytest.raises(ValueError, match="Fit one model per series"):
        clone(model).fit(np.stack([y, y])[..., None])
    with pytest.raises(ValueError, match="Fit one model per series"):
        clone(model).fit(y).predict(2, context=[y[:30], y[30:]])


def test_ets_refuses_exogenous_inputs(monthly):
    with pytest.raises(ValueError, match="does not use exogenous inputs"):
        ETSForecaster().fit(monthly, X=np.ones((60, 1)))


# ---------------------------------------------------------------------------
# persistence and time order
# ---------------------------------------------------------------------------
def test_pickled_arima_and_ets_hold_fitted_parameters_not_statsmodels_objects(ar1):
    rng = np.random.default_rng(2)
    exog = rng.standard_normal((150, 1))
    models = [ARIMAForecaster(order=(1, 0, 1)).fit(ar1, X=exog),
              ETSForecaster(trend="add", damped_trend=True).fit(ar1 + 10)]
    for model in models:
        data = pickle.dumps(model)
        assert b"statsmodels" not in data
        expected = model.predict(5, X=exog[:5] if model is models[0] else None)
        model.set_params(trend=None)  # changed after fitting: the fitted model is what is kept
        loaded = pickle.loads(data)
        np.testing.assert_array_equal(
            loaded.predict(5, X=exog[:5] if model is models[0] else None), expected)
        np.testing.assert_array_equal(loaded.results_.params, model.results_.params)
        assert loaded.results_.llf == model.results_.llf
        np.testing.assert_array_equal(loaded.results_.bse, model.results_.bse)
        assert loaded.results_.mle_retvals["converged"] == model.results_.mle_retvals["converged"]
        assert loaded.model_.endog.shape == model.model_.endog.shape


def test_pickled_auto_arima_keeps_its_aic_grid(ar1):
    model = ARIMAForecaster(order="auto", auto_max_order=(1, 0, 1)).fit(
        np.column_stack([ar1, ar1[::-1]]))
    loaded = pickle.loads(pickle.dumps(model))
    assert loaded.aic_grid_ == model.aic_grid_ and loaded.order_ == model.order_
    assert len(loaded.results_) == 2
    np.testing.assert_array_equal(loaded.predict(4), model.predict(4))


@pytest.mark.parametrize("model", ALL_MODELS, ids=IDS)
@pytest.mark.parametrize("order", ["descending", "shuffled", "duplicates"])
def test_models_refuse_an_index_out_of_time_order(model, order, monthly):
    index = {"descending": monthly.index[::-1],
             "shuffled": monthly.index[np.random.default_rng(0).permutation(len(monthly))],
             "duplicates": monthly.index[np.r_[0, 0:len(monthly) - 1]]}[order]
    bad = pd.Series(monthly.to_numpy(), index=index)
    with pytest.raises(ValueError, match=r"y must be in time order.*(sort_index|duplicated)"):
        clone(model).fit(bad)
    with pytest.raises(ValueError, match=r"context must be in time order"):
        clone(model).fit(monthly).predict(2, context=bad)
