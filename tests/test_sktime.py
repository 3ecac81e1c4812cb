"""reservoir.sktime: sktime forecasters around the library's forecasters."""

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sktime")

from sklearn.base import clone  # noqa: E402
from sktime.forecasting.base import ForecastingHorizon  # noqa: E402
from sktime.forecasting.model_evaluation import evaluate  # noqa: E402
from sktime.forecasting.model_selection import ForecastingGridSearchCV  # noqa: E402
from sktime.split import ExpandingWindowSplitter  # noqa: E402
from sktime.utils.estimator_checks import check_estimator  # noqa: E402

from reservoir import ESN, ReservoirForecaster  # noqa: E402
from reservoir.baselines import ARIMAForecaster, PersistenceForecaster  # noqa: E402
from reservoir.readouts import RidgeReadout  # noqa: E402
from reservoir.sktime import (  # noqa: E402
    SktimeForecaster,
    SktimeReservoirForecaster,
    expected_failed_checks,
)


def _series(n=120, index="period", columns=1):
    t = np.arange(n)
    values = np.column_stack([np.sin(0.3 * t + k) + 0.1 * k for k in range(columns)])
    idx = {"period": pd.period_range("2000-01", periods=n, freq="M"),
           "datetime": pd.date_range("2000-01-01", periods=n, freq="D"),
           "range": pd.RangeIndex(n),
           "int": pd.Index(np.arange(10, 10 + n))}[index]
    if columns == 1:
        return pd.Series(values[:, 0], index=idx, name="y")
    return pd.DataFrame(values, index=idx, columns=[f"y{k}" for k in range(columns)])


def _esn(**kwargs):
    return SktimeReservoirForecaster(ESN(n_units=40, random_state=0), washout=10, **kwargs)


def test_import_reservoir_does_not_import_sktime():
    code = "import sys, reservoir; print('sktime' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.slow
@pytest.mark.parametrize("cls", [SktimeReservoirForecaster, SktimeForecaster])
def test_sktime_estimator_checks_pass(cls):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(cls, raise_exceptions=False, verbose=False,
                                  tests_to_exclude=list(expected_failed_checks(cls)))
    failed = {name: str(result)[:300] for name, result in results.items() if result != "PASSED"}
    assert len(results) > 100 and not failed


@pytest.mark.parametrize("index", ["period", "datetime", "range", "int"])
def test_forecast_equals_the_library_forecast_on_the_absolute_index(index):
    y = _series(index=index)
    model = _esn().fit(y, fh=[1, 2, 3, 7])
    forecast = model.predict()
    direct = ReservoirForecaster(ESN(n_units=40, random_state=0), washout=10).fit(
        y.to_numpy()).predict(7)
    np.testing.assert_allclose(forecast.to_numpy(), direct[[0, 1, 2, 6]])
    expected_index = ForecastingHorizon([1, 2, 3, 7]).to_absolute_index(model.cutoff)
    assert forecast.index.equals(expected_index) and forecast.name == "y"


def test_absolute_fh_equals_relative_fh():
    y = _series()
    model = _esn().fit(y)
    relative = model.predict(fh=[2, 4])
    absolute = model.predict(fh=ForecastingHorizon(relative.index, is_relative=False))
    pd.testing.assert_series_equal(relative, absolute)


def test_in_sample_fh_is_refused_with_a_clear_error():
    model = _esn().fit(_series())
    with pytest.raises(NotImplementedError, match="in-sample"):
        model.predict(fh=[-1, 0, 1])


def test_multivariate_forecast_keeps_the_columns():
    y = _series(columns=2)
    forecast = _esn().fit(y).predict(fh=[1, 2])
    assert list(forecast.columns) == ["y0", "y1"] and forecast.shape == (2, 2)


def test_exogenous_X_is_used_and_must_cover_the_horizon():
    y = _series(n=130)
    X = pd.DataFrame({"x": np.cos(0.3 * np.arange(130))}, index=y.index)
    model = _esn().fit(y[:120], X=X[:120])
    forecast = model.predict(fh=[1, 2, 3], X=X[120:])
    direct = ReservoirForecaster(ESN(n_units=40, random_state=0), washout=10).fit(
        y[:120].to_numpy(), X=X[:120].to_numpy()).predict(3, X=X[120:123].to_numpy())
    np.testing.assert_allclose(forecast.to_numpy(), direct)
    assert not np.allclose(forecast.to_numpy(), model.predict(fh=[1, 2, 3], X=-X[120:]))
    with pytest.raises(ValueError, match="X must hold a row for every step"):
        model.predict(fh=[1, 2, 3], X=X[121:])


def test_update_without_refit_continues_the_whole_series():
    y = _series(n=140)
    model = _esn().fit(y[:120])
    readout = model.forecaster_.readout_
    model.update(y[120:], update_params=False)
    assert model.forecaster_.readout_ is readout  # not refitted
    forecast = model.predict(fh=[1, 2, 3])
    direct = model.forecaster_.predict(3, context=y.to_numpy())
    np.testing.assert_allclose(forecast.to_numpy(), direct)
    assert forecast.index[0] == y.index[-1] + 1


def test_update_with_refit_fits_all_data_seen():
    y = _series(n=140)
    model = _esn().fit(y[:120]).update(y[120:], update_params=True)
    refit = _esn().fit(y)
    pd.testing.assert_series_equal(model.predict(fh=[1, 2]), refit.predict(fh=[1, 2]))


def test_nested_parameters_with_default_components():
    model = SktimeReservoirForecaster(random_state=3)
    model.set_params(reservoir__spectral_radius=0.5, readout__alpha=0.1)
    assert model.reservoir.spectral_radius == 0.5 and model.reservoir.random_state == 3
    assert model.readout.alpha == 0.1
    assert clone(model).get_params()["reservoir__spectral_radius"] == 0.5


def test_grid_search_tunes_spectral_radius_and_alpha():
    y = _series(n=150)
    search = ForecastingGridSearchCV(
        SktimeReservoirForecaster(washout=10, random_state=0),
        cv=ExpandingWindowSplitter(initial_window=100, step_length=20, fh=[1, 2, 3]),
        param_grid={"reservoir__spectral_radius": [0.5, 0.9], "readout__alpha": [1e-6, 1.0],
                    "reservoir__n_units": [30]},
    ).fit(y)
    assert set(search.best_params_) == {"reservoir__spectral_radius", "readout__alpha",
                                        "reservoir__n_units"}
    assert len(search.cv_results_) == 4
    assert search.predict(fh=[1, 2]).shape == (2,)


def test_evaluate_with_expanding_window_against_an_independent_loop():
    y = _series(n=130)
    cv = ExpandingWindowSplitter(initial_window=100, step_length=10, fh=[1, 2, 3])
    results = evaluate(SktimeForecaster(PersistenceForecaster()), cv=cv, y=y)
    assert len(results) == 3
    for k, (train, test) in enumerate(cv.split(y)):
        last = y.iloc[train[-1]]
        expected = np.mean(np.abs(y.iloc[test].to_numpy() - last) / np.abs(y.iloc[test]))
        assert results.iloc[k, 0] == pytest.approx(expected)


def test_generic_adapter_serves_arima_with_exogenous_inputs():
    y = _series(n=130)
    X = pd.DataFrame({"x": np.cos(0.3 * np.arange(130))}, index=y.index)
    adapter = SktimeForecaster(ARIMAForecaster(order=(1, 0, 0)))
    assert adapter.get_tag("capability:exogenous")
    forecast = adapter.fit(y[:120], X=X[:120]).predict(fh=[1, 2], X=X[120:])
    direct = ARIMAForecaster(order=(1, 0, 0)).fit(y[:120].to_numpy(), X=X[:120].to_numpy())
    np.testing.assert_allclose(forecast.to_numpy(), direct.predict(2, X=X[120:122].to_numpy()))
    assert adapter.get_params()["forecaster__order"] == (1, 0, 0)
    assert not SktimeForecaster(PersistenceForecaster()).get_tag("capability:exogenous")


def test_generic_adapter_refuses_what_is_not_a_library_forecaster():
    with pytest.raises(TypeError, match="forecaster must be a forecaster of this library"):
        SktimeForecaster(RidgeReadout())


def test_generic_adapter_serves_a_trained_rnn_forecaster():
    pytest.importorskip("torch")
    from reservoir.baselines import LeakyRNNForecaster

    y = _series(n=80, columns=2)
    rnn = LeakyRNNForecaster(hidden_size=8, max_epochs=3, early_stopping=False, random_state=0)
    forecast = SktimeForecaster(rnn).fit(y).predict(fh=[1, 3])
    direct = clone(rnn).fit(y.to_numpy()).predict(3)
    np.testing.assert_allclose(forecast.to_numpy(), direct[[0, 2]], rtol=1e-6)
    assert list(forecast.columns) == ["y0", "y1"]
