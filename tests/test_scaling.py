"""Scaling built into the estimators (scale=) and the warnings of degraded regimes."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from reservoir import (
    ESN,
    ReservoirClassifier,
    ReservoirForecaster,
    ReservoirRegressor,
    RidgeReadout,
)
from reservoir._scaling import SeriesScaler
from reservoir.datasets import mackey_glass, narma, template_classification
from reservoir.exceptions import (
    ForecastDivergenceWarning,
    NonFiniteStateWarning,
    ReservoirWarning,
    SaturationWarning,
)


@pytest.fixture(scope="module")
def narma_data():
    return narma(n_steps=900, order=10, random_state=0)


@pytest.fixture(scope="module")
def mackey():
    return mackey_glass(n_steps=1300, tau=17, random_state=0)


# -- SeriesScaler ----------------------------------------------------------------------
@pytest.mark.parametrize("scale", ["standard", "minmax"])
def test_series_scaler_pools_all_series_and_inverts(scale):
    rng = np.random.default_rng(0)
    series = [rng.normal(3.0, 5.0, size=(n, 2)) for n in (50, 80)]
    scaler = SeriesScaler.fit(scale, series)
    scaled = np.concatenate(scaler.transform_all(series))
    if scale == "standard":
        assert_allclose(scaled.mean(axis=0), 0.0, atol=1e-12)
        assert_allclose(scaled.std(axis=0), 1.0, rtol=1e-12)
    else:
        assert_allclose(scaled.min(axis=0), -1.0, atol=1e-12)
        assert_allclose(scaled.max(axis=0), 1.0, atol=1e-12)
    for original, back in zip(series, scaler.inverse_transform_all(scaler.transform_all(series)),
                              strict=True):
        assert_allclose(back, original, rtol=1e-12)


def test_series_scaler_keeps_constant_features_finite():
    scaler = SeriesScaler.fit("standard", [np.column_stack([np.full(10, 4.0), np.arange(10.0)])])
    assert np.all(np.isfinite(scaler.transform(np.ones((3, 2)))))
    assert SeriesScaler.fit(None, [np.ones((3, 1))]).is_identity


@pytest.mark.parametrize("estimator", [ReservoirRegressor, ReservoirForecaster,
                                       ReservoirClassifier])
def test_scale_is_validated(estimator):
    with pytest.raises(ValueError, match="scale must be one of"):
        estimator(scale="zscore").fit(np.ones((20, 1)), np.ones(20)) if estimator is not \
            ReservoirForecaster else estimator(scale="zscore").fit(np.ones(200))


# -- scale= in the estimators ---------------------------------------------------------------
@pytest.mark.parametrize("scale", ["standard", "minmax"])
def test_regressor_results_do_not_depend_on_the_units(narma_data, scale):
    u, y = narma_data
    model = ReservoirRegressor(ESN(n_units=50, random_state=0), washout=50, scale=scale)
    reference = model.fit(u[:700], y[:700]).predict(u[700:])
    # inputs in other units, targets in other units: the same model, predictions in y's units
    rescaled = model.fit(1e3 * u[:700] - 7.0, -50.0 * y[:700] + 2.0).predict(1e3 * u[700:] - 7.0)
    assert_allclose(rescaled, -50.0 * reference + 2.0, rtol=1e-7, atol=1e-7)


def test_standard_scaler_in_front_changes_nothing(narma_data):
    # a scikit-learn user's pipeline: the built-in scaling makes the pre-scaling harmless
    u, y = narma_data
    u = u.reshape(-1, 1)
    model = ReservoirRegressor(ESN(n_units=50, random_state=0), washout=50)
    plain = model.fit(u[:700], y[:700]).score(u[700:], y[700:])
    piped = make_pipeline(StandardScaler(), model).fit(u[:700], y[:700]).score(u[700:], y[700:])
    assert piped == pytest.approx(plain, rel=1e-9)


@pytest.mark.parametrize("scale", ["standard", "minmax"])
def test_forecaster_forecasts_come_back_in_the_users_units(mackey, scale):
    model = ReservoirForecaster(ESN(n_units=60, random_state=0), washout=50, scale=scale)
    reference = model.fit(mackey[:1000]).predict(30)
    shifted = model.fit(300.0 * mackey[:1000] + 40.0).predict(30)
    assert_allclose(shifted, 300.0 * reference + 40.0, rtol=1e-7)
    context = model.predict(30, context=300.0 * mackey[:600] + 40.0)
    assert_allclose(context, 300.0 * model.set_params().fit(mackey[:1000]).predict(
        30, context=mackey[:600]) + 40.0, rtol=1e-7)
    assert_allclose(model.fit(mackey[:1000]).training_range_[0], [mackey[:1000].min()])


def test_forecaster_scales_exogenous_inputs():
    t = np.arange(600)
    exog = np.sin(t / 7.0)
    y = np.cos(t / 7.0) + 0.5 * exog
    model = ReservoirForecaster(ESN(n_units=40, random_state=0), washout=50)
    reference = model.fit(y[:500], X=exog[:500]).predict(20, X=exog[500:520])
    other_units = model.fit(y[:500], X=1e4 * exog[:500]).predict(20, X=1e4 * exog[500:520])
    assert_allclose(other_units, reference, rtol=1e-7, atol=1e-9)
    assert_allclose(model.exog_scaler_.width, 1e4 * exog[:500].std(), rtol=1e-12)


def test_classifier_scales_its_inputs():
    X, y = template_classification(n_series=40, n_classes=2, random_state=0)
    clf = ReservoirClassifier(ESN(n_units=30, random_state=0), pooling="mean")
    labels = clf.fit(X, y).decision_function(X)
    big = clf.fit([1e3 * x + 5 for x in X], y).decision_function([1e3 * x + 5 for x in X])
    assert_allclose(big, labels, rtol=1e-7, atol=1e-9)


# -- warnings ---------------------------------------------------------------------------------
def test_saturated_reservoir_warns_and_scaling_prevents_it(narma_data):
    u, y = narma_data
    with pytest.warns(SaturationWarning, match="saturated"):
        ReservoirRegressor(ESN(n_units=50, random_state=0), washout=50,
                           scale=None).fit(1e3 * u, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ReservoirRegressor(ESN(n_units=50, random_state=0), washout=50).fit(1e3 * u, y)


def test_non_finite_states_warn_at_the_reservoir_and_fail_the_fit_clearly(narma_data):
    u, y = narma(n_steps=3000, order=10, random_state=0)
    unstable = ESN(n_units=100, spectral_radius=1.5, activation="identity", random_state=0)
    with pytest.warns(ReservoirWarning, match="unstable"):
        unstable.fit(u)
    with pytest.warns(NonFiniteStateWarning, match="spectral_radius=1.5, activation='identity'"):
        states = unstable.transform(u)
    assert not np.isfinite(states).all()
    with pytest.warns(NonFiniteStateWarning), \
            pytest.raises(ValueError, match="training states are infinite or NaN"):
        ReservoirRegressor(unstable, washout=50).fit(u, y)


def test_diverging_tanh_forecaster_warns():
    # measured: this forecast leaves the training range at step 157 and reaches 10x its top
    y = mackey_glass(n_steps=1500, tau=17, random_state=0)
    model = ReservoirForecaster(ESN(n_units=200, spectral_radius=1.5, input_scaling=1.0,
                                    bias_scaling=0.0, random_state=0),
                                readout=RidgeReadout(alpha=1e-6))
    with pytest.warns(ForecastDivergenceWarning, match="leaves the range of the training data"):
        model.fit(y).predict(300)


@pytest.mark.parametrize("factor", [-1.0, 0.0, float("nan"), float("inf"), "x", True])
def test_divergence_factor_is_validated(mackey, factor):
    with pytest.raises(ValueError, match="divergence_factor"):
        ReservoirForecaster(ESN(n_units=10), divergence_factor=factor).fit(mackey[:300])


def test_healthy_defaults_are_quiet(mackey, narma_data):
    u, y = narma_data
    X, labels = template_classification(n_series=30, n_classes=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ReservoirForecaster(ESN(n_units=100, random_state=0)).fit(mackey[:1000]).predict(200)
        ReservoirRegressor(ESN(n_units=100, random_state=0), washout=50).fit(u, y).predict(u)
        ReservoirClassifier(ESN(n_units=50, random_state=0)).fit(X, labels).predict(X)
