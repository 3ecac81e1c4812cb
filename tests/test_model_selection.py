import warnings

import numpy as np
import pytest
from scipy.stats import uniform
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import Ridge
from sklearn.model_selection import RandomizedSearchCV, TimeSeriesSplit

from reservoir import ESN, ReservoirForecaster, ReservoirRegressor, RidgeReadout
from reservoir.baselines import PersistenceForecaster
from reservoir.datasets import mackey_glass, narma
from reservoir.metrics import nrmse, rmse
from reservoir.model_selection import (
    ForecastCVResult,
    SearchResult,
    forecast_cv,
    learning_curve,
    ridge_alpha_path,
    search_hyperparameters,
)


@pytest.fixture(scope="module")
def mg():
    return mackey_glass(600, random_state=0)


@pytest.fixture(scope="module")
def narma_data():
    return narma(600, order=5, random_state=0)


def small_forecaster(**esn):
    return ReservoirForecaster(ESN(n_units=20, random_state=0, **esn), washout=30)


def small_regressor(**esn):
    return ReservoirRegressor(ESN(n_units=20, random_state=0, **esn), washout=30)


class CountingESN(ESN):
    """An ESN that records every call of ``simulate``."""

    calls = []

    def simulate(self, inputs, state, rng=None):
        CountingESN.calls.append(inputs.shape)
        return super().simulate(inputs, state, rng=rng)


class NaNForecaster(BaseEstimator):
    """A forecaster with the shared interface whose forecasts are NaN."""

    def fit(self, y, X=None):
        self.fitted_ = True
        return self

    def predict(self, n_steps, X=None):
        return np.full(n_steps, np.nan)


# --- forecast_cv ----------------------------------------------------------------------------
def test_forecast_cv_persistence_on_a_ramp_has_known_errors():
    y = np.arange(40.0)
    result = forecast_cv(PersistenceForecaster(), y, horizon=4, n_splits=3)
    assert isinstance(result, ForecastCVResult)
    assert result.scores["origin"].tolist() == [28, 32, 36]
    assert result.scores["train_size"].tolist() == [28, 32, 36]
    assert result.scores["train_start"].tolist() == [0, 0, 0]
    np.testing.assert_array_equal(result.step_errors.to_numpy(), [[1, 2, 3, 4]] * 3)
    assert result.step_errors.columns.tolist() == [1, 2, 3, 4]
    expected = np.sqrt(np.mean(np.arange(1, 5) ** 2))
    np.testing.assert_allclose(result.scores["rmse"], expected)
    assert result.mean_score == pytest.approx(expected)
    np.testing.assert_allclose(result.horizon_rmse, [1, 2, 3, 4])
    np.testing.assert_array_equal(result.forecasts[0][:, 0], [27.0] * 4)


def test_forecast_cv_rolling_window_and_step():
    y = np.arange(50.0)
    result = forecast_cv(PersistenceForecaster(), y, horizon=2, n_splits=4, window="rolling",
                         min_train_size=10, step=5)
    assert result.scores["origin"].tolist() == [33, 38, 43, 48]
    assert result.scores["train_size"].tolist() == [10] * 4
    assert result.scores["train_start"].tolist() == [23, 28, 33, 38]


def test_forecast_cv_matches_manual_fit_and_forecast(mg):
    model = small_forecaster()
    result = forecast_cv(model, mg, horizon=10, n_splits=2, metric=nrmse)
    for origin, forecast in zip(result.scores["origin"], result.forecasts, strict=True):
        manual = clone(model).fit(mg[:origin]).predict(10)
        np.testing.assert_allclose(forecast[:, 0], manual, rtol=1e-12)
    last = result.scores.iloc[-1]
    assert last["nrmse"] == pytest.approx(nrmse(mg[-10:], result.forecasts[-1][:, 0]))


def test_forecast_cv_passes_exogenous_rows(mg):
    exog = np.sin(np.arange(len(mg)) / 7.0)
    model = small_forecaster()
    result = forecast_cv(model, mg, horizon=5, n_splits=1, X=exog)
    manual = clone(model).fit(mg[:-5], X=exog[:-5]).predict(5, X=exog[-5:])
    np.testing.assert_allclose(result.forecasts[0][:, 0], manual, rtol=1e-12)


def test_forecast_cv_non_finite_forecast_scores_nan():
    with pytest.warns(RuntimeWarning, match="not finite"):
        result = forecast_cv(NaNForecaster(), np.arange(20.0), horizon=2, n_splits=2)
    assert result.scores["rmse"].isna().all()


def test_forecast_cv_bad_input(mg):
    model = PersistenceForecaster()
    with pytest.raises(ValueError, match="too few"):
        forecast_cv(model, mg[:30], horizon=10, n_splits=3, min_train_size=5)
    with pytest.raises(ValueError, match="window"):
        forecast_cv(model, mg, horizon=5, window="sliding")
    with pytest.raises(ValueError, match="horizon"):
        forecast_cv(model, mg, horizon=0)
    with pytest.raises(ValueError, match="lengths"):
        forecast_cv(model, mg, horizon=5, X=np.ones(10))
    with pytest.raises(TypeError, match="metric"):
        forecast_cv(model, mg, horizon=5, metric="rmse")


# --- search_hyperparameters -----------------------------------------------------------------
def manual_one_step_error(model, y, n_splits):
    errors = []
    for _, test in TimeSeriesSplit(n_splits=n_splits).split(y):
        start, stop = test[0], test[-1] + 1
        fitted = clone(model).fit(y[:start])
        predicted = fitted.predict_next(y[:stop])[start - 1:stop - 1]
        errors.append(rmse(y[start:stop], predicted))
    return np.mean(errors)


def test_forecaster_search_scores_one_step_errors(mg):
    model = small_forecaster()
    grid = {"reservoir__spectral_radius": [0.3, 0.9], "reservoir__leak_rate": [0.5, 1.0]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # grid smaller than n_iter
        result = search_hyperparameters(model, grid, mg, n_iter=10, cv=3, random_state=0)
    assert isinstance(result, SearchResult)
    assert result.n_configurations == 4 == len(result.cv_results)
    results = result.cv_results
    for params, score in zip(results["params"], results["mean_test_score"], strict=True):
        expected = manual_one_step_error(clone(model).set_params(**params), mg, 3)
        assert score == pytest.approx(-expected, rel=1e-10)
    best = int(np.argmax(result.cv_results["mean_test_score"]))
    assert result.best_params == result.cv_results["params"][best]
    assert result.cv_results["rank_test_score"][best] == 1
    assert result.best_estimator.get_params()["reservoir__spectral_radius"] == \
        result.best_params["reservoir__spectral_radius"]
    assert result.best_estimator.n_features_in_ == 1  # refitted


def test_forecaster_search_counts_sampled_configurations(mg):
    model = small_forecaster()
    result = search_hyperparameters(
        model, {"reservoir__spectral_radius": uniform(0.2, 1.0)}, mg, n_iter=3, cv=2,
        random_state=0, refit=False)
    assert result.n_configurations == 3
    assert result.best_estimator is None
    again = search_hyperparameters(
        model, {"reservoir__spectral_radius": uniform(0.2, 1.0)}, mg, n_iter=3, cv=2,
        random_state=0, refit=False)
    assert result.cv_results["params"].tolist() == again.cv_results["params"].tolist()


def test_forecaster_search_with_horizon_uses_forecast_cv(mg):
    model = small_forecaster()
    grid = {"reservoir__spectral_radius": [0.5, 0.9]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        result = search_hyperparameters(model, grid, mg, cv=2, horizon=8, refit=False)
    results = result.cv_results
    for params, score in zip(results["params"], results["mean_test_score"], strict=True):
        cv = forecast_cv(clone(model).set_params(**params), mg, horizon=8, n_splits=2)
        assert score == pytest.approx(-cv.mean_score, rel=1e-12)


def test_regressor_search_is_randomized_search_cv(narma_data):
    u, y = narma_data
    model = small_regressor()
    distributions = {"reservoir__spectral_radius": uniform(0.2, 1.0)}
    result = search_hyperparameters(model, distributions, y, X=u, n_iter=3, cv=3,
                                    random_state=0)
    reference = RandomizedSearchCV(model, distributions, n_iter=3, cv=TimeSeriesSplit(3),
                                   random_state=0).fit(u, y)
    assert result.n_configurations == 3
    assert result.best_params == reference.best_params_
    assert result.best_score == pytest.approx(reference.best_score_)
    np.testing.assert_allclose(result.cv_results["mean_test_score"],
                               reference.cv_results_["mean_test_score"])


def test_failed_configurations_get_error_score(mg):
    model = small_forecaster()
    grid = {"reservoir__leak_rate": [0.5, 2.0]}  # 2.0 is invalid
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.warns(FitFailedWarning, match="leak_rate"):
            result = search_hyperparameters(model, grid, mg, cv=2, refit=False)
        failed = [p["reservoir__leak_rate"] == 2.0 for p in result.cv_results["params"]]
        assert result.cv_results["mean_test_score"][failed].isna().all()
        assert result.best_params == {"reservoir__leak_rate": 0.5}
        with pytest.raises(ValueError, match="leak_rate"):
            search_hyperparameters(model, grid, mg, cv=2, error_score="raise")


def test_search_bad_input(mg, narma_data):
    with pytest.raises(ValueError, match="X is required"):
        search_hyperparameters(small_regressor(), {}, mg)
    with pytest.raises(ValueError, match="cv"):
        search_hyperparameters(small_forecaster(), {}, mg, cv=1)
    u, y = narma_data
    with pytest.raises(ValueError, match="horizon"):
        search_hyperparameters(small_regressor(), {}, y, X=u, horizon=5)
    for n_iter in (0, 2.5):
        with pytest.raises(ValueError, match="n_iter"):
            search_hyperparameters(small_forecaster(), {}, mg, n_iter=n_iter)


# --- ridge_alpha_path -----------------------------------------------------------------------
ALPHAS = [1e-6, 1e-4, 1e-2, 1.0]


def test_ridge_path_equals_refitting_regressor_and_runs_reservoir_once(narma_data):
    u, y = narma_data
    model = ReservoirRegressor(CountingESN(n_units=25, random_state=0), washout=30)
    CountingESN.calls.clear()
    path = ridge_alpha_path(model, u, y, ALPHAS, validation=150)
    assert CountingESN.calls == [(1, 600, 1)]  # one run over training + validation
    assert path.columns.tolist() == ["alpha", "validation_nrmse"]
    for alpha, error in zip(path["alpha"], path["validation_nrmse"], strict=True):
        refit = clone(model).set_params(readout=RidgeReadout(alpha=alpha)).fit(u[:450], y[:450])
        assert error == pytest.approx(nrmse(y[450:], refit.predict(u)[450:]), rel=1e-7)


def test_ridge_path_equals_refitting_forecaster(mg):
    model = ReservoirForecaster(CountingESN(n_units=25, random_state=0), washout=30)
    CountingESN.calls.clear()
    path = ridge_alpha_path(model, None, mg, ALPHAS, validation=0.25, metric=rmse)
    assert len(CountingESN.calls) == 1
    for alpha, error in zip(path["alpha"], path["validation_rmse"], strict=True):
        refit = clone(model).set_params(readout=RidgeReadout(alpha=alpha)).fit(mg[:450])
        one_step = refit.predict_next(mg)[449:-1]
        assert error == pytest.approx(rmse(mg[450:], one_step), rel=1e-7)


def test_ridge_path_bad_input(narma_data):
    u, y = narma_data
    with pytest.raises(ValueError, match="RidgeReadout"):
        ridge_alpha_path(ReservoirRegressor(readout=Ridge()), u, y, ALPHAS)
    with pytest.raises(TypeError, match="ReservoirRegressor"):
        ridge_alpha_path(Ridge(), u, y, ALPHAS)
    with pytest.raises(ValueError, match="alphas"):
        ridge_alpha_path(small_regressor(), u, y, [-1.0])


# --- learning_curve -------------------------------------------------------------------------
def test_learning_curve_of_persistence_is_flat_and_known(mg):
    curve = learning_curve(PersistenceForecaster(), None, mg, [10, 0.5, 1.0], validation=100,
                           metric=rmse)
    assert curve["train_size"].tolist() == [10, 250, 500]
    expected = rmse(mg[500:], mg[499:-1])  # persistence predicts the previous value
    np.testing.assert_allclose(curve["validation_rmse"], expected, rtol=1e-12)
    assert curve["train_rmse"].iloc[-1] == pytest.approx(rmse(mg[1:500], mg[:499]))


def test_learning_curve_validation_error_falls_with_more_data(narma_data):
    u, y = narma_data
    curve = learning_curve(small_regressor(), u, y, [60, 450], validation=150)
    assert list(curve.columns) == ["train_size", "train_nrmse", "validation_nrmse", "fit_time"]
    first, last = curve["validation_nrmse"]
    assert last < first
    fitted = small_regressor().fit(u[:450], y[:450])
    assert last == pytest.approx(nrmse(y[450:], fitted.predict(u)[450:]), rel=1e-10)


def test_learning_curve_bad_input(narma_data):
    u, y = narma_data
    with pytest.raises(ValueError, match="train size"):
        learning_curve(small_regressor(), u, y, [1000])
    with pytest.raises(ValueError, match="train_sizes"):
        learning_curve(small_regressor(), u, y, [1.5])
    with pytest.raises(ValueError, match="washout"):
        learning_curve(small_regressor(), u, y, [20])
    with pytest.raises(ValueError, match="X is required"):
        learning_curve(small_regressor(), None, y)
