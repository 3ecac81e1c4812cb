"""The forecaster contract, the same for every family (reservoir, trained RNN, statistical).

Every forecaster follows the template of :mod:`reservoir._forecaster`:
``fit(y, X=None)`` and ``predict(n_steps, X=None, context=None, context_X=None)``,
with the same output types for the same inputs, the same exogenous contract
and the same errors.
"""

import importlib.util
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from reservoir import ESN, ReservoirForecaster
from reservoir.baselines import (
    ARIMAForecaster,
    ETSForecaster,
    PersistenceForecaster,
    SeasonalNaiveForecaster,
)
from reservoir.exceptions import InvalidParameterError

HAS_TORCH = importlib.util.find_spec("torch") is not None
TINY_RNN = dict(hidden_size=3, max_epochs=1, seq_len=10, batch_size=16, early_stopping=False,
                random_state=0)


def _forecasters():
    models = {
        "esn": ReservoirForecaster(ESN(n_units=20, random_state=0), washout=5),
        "arima": ARIMAForecaster(order=(1, 0, 0)),
        "ets": ETSForecaster(),
        "persistence": PersistenceForecaster(),
        "seasonal_naive": SeasonalNaiveForecaster(period=4),
    }
    if HAS_TORCH:
        from reservoir.baselines import GRUForecaster, LeakyRNNForecaster, LSTMForecaster

        models.update(lstm=LSTMForecaster(**TINY_RNN), gru=GRUForecaster(**TINY_RNN),
                      leaky_rnn=LeakyRNNForecaster(**TINY_RNN))
    return models


FORECASTERS = _forecasters()
NAMES = list(FORECASTERS)
#: Families that model several series at once (the univariate statistical models do not).
SEVERAL_SERIES = {"esn", "persistence", "seasonal_naive", "lstm", "gru", "leaky_rnn"}
#: Families that take exogenous inputs.
EXOGENOUS = {"esn", "arima", "lstm", "gru", "leaky_rnn"}

T = 60
Y = 2.0 + np.sin(np.arange(T) / 3.0)
EXOG = np.cos(np.arange(T + 5) / 5.0)[:, None]
MONTHLY = pd.Series(Y, index=pd.date_range("2000-01-31", periods=T, freq="ME"), name="sales")

_FITTED = {}


def fitted(name, how="1d"):
    """A forecaster of family ``name`` fitted once per module on a 1-D, 2-D, pandas or
    exogenous training set."""
    key = (name, how)
    if key not in _FITTED:
        model = clone(FORECASTERS[name])
        if how == "1d":
            model.fit(Y)
        elif how == "2d":
            model.fit(Y[:, None])
        elif how == "pandas":
            model.fit(MONTHLY)
        else:
            model.fit(Y, X=EXOG[:T])
        _FITTED[key] = model
    return _FITTED[key]


@pytest.mark.parametrize("name", NAMES)
def test_numpy_outputs_follow_the_input(name):
    assert isinstance(fitted(name).predict(5), np.ndarray)
    assert fitted(name).predict(5).shape == (5,)
    assert fitted(name, "2d").predict(5).shape == (5, 1)
    assert fitted(name).predict(4, context=Y[:40]).shape == (4,)
    assert fitted(name, "2d").predict(4, context=Y[:40, None]).shape == (4, 1)


@pytest.mark.parametrize("name", NAMES)
def test_pandas_forecast_continues_the_index(name):
    model = fitted(name, "pandas")
    forecast = model.predict(3)
    assert isinstance(forecast, pd.Series) and forecast.name == "sales"
    assert forecast.index.equals(pd.date_range("2005-01-31", periods=3, freq="ME"))
    from_context = model.predict(2, context=MONTHLY.iloc[:30])
    assert isinstance(from_context, pd.Series)
    assert from_context.index.equals(MONTHLY.index[30:32])
    one_step = model.predict_next(MONTHLY)
    assert isinstance(one_step, pd.Series) and one_step.index.equals(MONTHLY.index)


@pytest.mark.parametrize("name", NAMES)
def test_several_contexts_give_one_forecast_each_in_the_callers_structure(name):
    model = fitted(name)
    pandas_contexts = [MONTHLY.iloc[:30], MONTHLY.iloc[10:50]]
    if name not in SEVERAL_SERIES:
        with pytest.raises(ValueError, match="one model per series"):
            model.predict(3, context=pandas_contexts)
        return
    forecasts = model.predict(3, context=pandas_contexts)
    assert isinstance(forecasts, list) and len(forecasts) == 2
    for forecast, context in zip(forecasts, pandas_contexts, strict=True):
        assert isinstance(forecast, pd.Series) and forecast.name == "sales"
        assert forecast.index[0] == context.index[-1] + context.index.freq
    arrays = model.predict(3, context=[Y[:30], Y[10:50]])
    assert isinstance(arrays, list) and [a.shape for a in arrays] == [(3,), (3,)]
    block = model.predict(3, context=np.stack([Y[:30], Y[20:50]])[..., None])
    assert isinstance(block, np.ndarray) and block.shape == (2, 3, 1)
    # the same series alone or in a list: the same numbers
    np.testing.assert_allclose(arrays[1], model.predict(3, context=Y[10:50]), rtol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_exogenous_inputs_are_required_exactly_when_fitted_with_them(name):
    plain = fitted(name)
    with pytest.raises(ValueError, match="fitted without exogenous|does not use exogenous"):
        plain.predict(5, X=EXOG[T:])
    if name not in EXOGENOUS:
        with pytest.raises(ValueError, match="does not use exogenous inputs"):
            clone(FORECASTERS[name]).fit(Y, X=EXOG[:T])
        with pytest.raises(ValueError, match="does not use exogenous inputs"):
            plain.predict(5, context=Y[:30], context_X=EXOG[:30])
        return
    model = fitted(name, "exog")
    assert model.n_exog_ == 1 and model.n_outputs_ == 1 and model.n_features_in_ == 2
    with pytest.raises(ValueError, match="X is required"):
        model.predict(5)
    assert model.predict(5, X=EXOG[T:]).shape == (5,)
    with pytest.raises(ValueError, match="context_X is required"):
        model.predict(5, X=EXOG[T:], context=Y[:40])
    forecast = model.predict(5, X=EXOG[40:45], context=Y[:40], context_X=EXOG[:40])
    assert forecast.shape == (5,) and np.isfinite(forecast).all()
    with pytest.raises(ValueError, match="context_X was given without context"):
        model.predict(5, X=EXOG[T:], context_X=EXOG[:40])
    with pytest.raises(ValueError, match="lengths must match"):
        model.predict(5, X=EXOG[40:45], context=Y[:40], context_X=EXOG[:39])
    with pytest.raises(ValueError, match=r"X must hold n_steps=5 rows"):
        model.predict(5, X=EXOG[T:T + 4])
    # the exogenous rows of a context followed by the future ones: told what to pass instead
    with pytest.raises(ValueError, match="context_X"):
        model.predict(5, X=EXOG[:45], context=Y[:40])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("n_steps", [0, -1, 2.5, None, True, "3"])
def test_n_steps_must_be_a_positive_integer(name, n_steps):
    with pytest.raises(ValueError, match="n_steps must be a positive integer"):
        fitted(name).predict(n_steps)


@pytest.mark.parametrize("name", NAMES)
def test_predict_before_fit_raises_not_fitted(name):
    with pytest.raises(NotFittedError):
        clone(FORECASTERS[name]).predict(3)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("factor", [0, -1.0, math.inf, "large", None])
def test_divergence_factor_is_validated(name, factor):
    model = clone(FORECASTERS[name]).set_params(divergence_factor=factor)
    with pytest.raises(InvalidParameterError, match="divergence_factor"):
        model.fit(Y)
    model = clone(fitted(name)).fit(Y).set_params(divergence_factor=factor)
    with pytest.raises(InvalidParameterError, match="divergence_factor"):
        model.predict(3)


@pytest.mark.parametrize("name", NAMES)
def test_context_must_have_the_fitted_features(name):
    with pytest.raises(ValueError, match="context has 2 features"):
        fitted(name).predict(3, context=np.column_stack([Y, Y]))


@pytest.mark.parametrize("name", ["persistence", "seasonal_naive"])
def test_a_forecast_far_outside_the_training_range_warns(name):
    import warnings

    from reservoir.exceptions import ForecastDivergenceWarning

    far = Y[:30] + 100.0  # training range [1, 3]: these forecasts repeat values near 100
    with pytest.warns(ForecastDivergenceWarning, match="divergence_factor=1"):
        fitted(name).predict(3, context=far)
    tolerant = clone(FORECASTERS[name]).set_params(divergence_factor=1000.0).fit(Y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ForecastDivergenceWarning)
        tolerant.predict(3, context=far)
