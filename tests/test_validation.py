"""Tests of reservoir._validation: time order of pandas inputs, in every forecaster."""

import importlib.util

import numpy as np
import pandas as pd
import pytest

from reservoir import ESN, ReservoirForecaster, ReservoirRegressor
from reservoir._validation import check_series, check_time_order
from reservoir.baselines import (
    ARIMAForecaster,
    ETSForecaster,
    GRUForecaster,
    LeakyRNNForecaster,
    LSTMForecaster,
    PersistenceForecaster,
    SeasonalNaiveForecaster,
)

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
RNN = dict(hidden_size=3, max_epochs=1, seq_len=5, random_state=0)

FORECASTERS = [
    pytest.param(lambda: ReservoirForecaster(ESN(n_units=20, random_state=0), washout=5),
                 id="ReservoirForecaster"),
    pytest.param(lambda: LSTMForecaster(**RNN), id="LSTMForecaster", marks=needs_torch),
    pytest.param(lambda: GRUForecaster(**RNN), id="GRUForecaster", marks=needs_torch),
    pytest.param(lambda: LeakyRNNForecaster(**RNN), id="LeakyRNNForecaster", marks=needs_torch),
    pytest.param(lambda: ARIMAForecaster(order=(1, 0, 0)), id="ARIMAForecaster"),
    pytest.param(lambda: ETSForecaster(), id="ETSForecaster"),
    pytest.param(PersistenceForecaster, id="PersistenceForecaster"),
    pytest.param(lambda: SeasonalNaiveForecaster(period=4), id="SeasonalNaiveForecaster"),
]

N = 60
VALUES = np.sin(np.arange(N) / 4.0) + 2.0
DAYS = pd.date_range("2022-01-01", periods=N, freq="D")


def _series(index):
    return pd.Series(VALUES, index=index, name="y")


BAD_INDEXES = {
    "descending": (DAYS[::-1], r"descending order.*sort_index\(\)"),
    "shuffled": (DAYS[np.random.default_rng(0).permutation(N)],
                 r"not sorted \(.* at position \d+ comes after .*\).*sort_index\(\)"),
    "duplicates": (DAYS[np.r_[0:30, 29:N - 1]],
                   r"duplicate labels .*2022-01-30.* appears 2 times.*duplicated"),
    "duplicates-unsorted": (DAYS[np.r_[0:30, 29:N - 1]][::-1],
                            r"duplicate labels.*and sort with y\.sort_index\(\)"),
    "descending-range": (pd.RangeIndex(N, 0, -1), r"descending order"),
    "shuffled-numbers": (pd.Index(np.random.default_rng(1).permutation(N) * 0.5),
                         r"not sorted"),
    "descending-periods": (pd.period_range("2000-01", periods=N, freq="M")[::-1],
                           r"descending order"),
}
BAD = [pytest.param(kind, id=kind) for kind in BAD_INDEXES]


@pytest.mark.parametrize("kind", BAD)
@pytest.mark.parametrize("make", FORECASTERS)
def test_every_forecaster_refuses_a_training_index_out_of_time_order(make, kind):
    index, message = BAD_INDEXES[kind]
    with pytest.raises(ValueError, match=r"y must be in time order.*" + message):
        make().fit(_series(index))


@pytest.mark.parametrize("make", FORECASTERS)
def test_every_forecaster_refuses_a_context_out_of_time_order(make):
    model = make().fit(_series(DAYS))
    context = _series(DAYS[::-1])
    with pytest.raises(ValueError, match=r"context must be in time order.*sort_index"):
        model.predict(3, context=context)
    with pytest.raises(ValueError, match=r"y must be in time order.*sort_index"):
        model.predict_next(context)


@pytest.mark.parametrize("make", FORECASTERS)
def test_sorting_the_index_is_the_fix_and_continues_the_dates(make):
    shuffled = _series(DAYS).sample(frac=1.0, random_state=0)
    with pytest.raises(ValueError, match="sort_index"):
        make().fit(shuffled)
    fixed = shuffled.sort_index()
    forecast = make().fit(fixed).predict(3)
    assert isinstance(forecast, pd.Series)
    assert forecast.index.equals(pd.date_range(DAYS[-1] + DAYS.freq, periods=3, freq="D"))


def test_a_descending_persistence_forecast_is_no_longer_dated_before_the_series():
    # The audit's example: it used to return a forecast dated before the series starts.
    with pytest.raises(ValueError, match="descending"):
        PersistenceForecaster().fit(_series(DAYS).sort_index(ascending=False)).predict(3)


def test_lists_of_series_and_exogenous_inputs_are_checked_too():
    good, bad = _series(DAYS), _series(DAYS[::-1])
    with pytest.raises(ValueError, match=r"y\[1\] must be in time order"):
        PersistenceForecaster().fit([good, bad])
    with pytest.raises(ValueError, match=r"X must be in time order"):
        ReservoirForecaster(ESN(n_units=10, random_state=0), washout=5).fit(
            good, X=pd.DataFrame({"x": VALUES}, index=DAYS[::-1]))
    with pytest.raises(ValueError, match=r"X must be in time order"):
        ReservoirRegressor(ESN(n_units=10, random_state=0)).fit(
            pd.DataFrame({"x": VALUES}, index=DAYS[::-1]), VALUES)


def test_irregular_increasing_indexes_are_accepted_and_forecast_without_dates():
    # Gap policy: rows are consecutive steps; without a frequency the forecast is an array.
    irregular = DAYS.delete([20, 21])  # two missing days
    series = pd.Series(VALUES[:len(irregular)], index=irregular)
    assert series.index.is_monotonic_increasing and pd.infer_freq(series.index) is None
    forecast = PersistenceForecaster().fit(series).predict(3)
    assert isinstance(forecast, np.ndarray) and forecast.shape == (3,)
    regular_without_freq = pd.Series(VALUES, index=pd.DatetimeIndex(list(DAYS)))
    assert regular_without_freq.index.freq is None
    continued = PersistenceForecaster().fit(regular_without_freq).predict(2)
    assert continued.index[0] == DAYS[-1] + pd.Timedelta(days=1)  # inferred frequency


def test_unordered_labels_are_not_checked():
    labels = pd.Series(VALUES[:3], index=["b", "a", "c"])
    assert check_series(labels).index.tolist() == ["b", "a", "c"]
    multi = pd.Series(VALUES[:2], index=pd.MultiIndex.from_tuples([(2, "x"), (1, "y")]))
    check_series(multi)


def test_time_order_check_can_be_switched_off_for_independent_samples():
    shuffled = pd.DataFrame({"a": VALUES}, index=DAYS[::-1])
    with pytest.raises(ValueError, match="time order"):
        check_series(shuffled)
    assert check_series(shuffled, time_ordered=False).index.equals(DAYS[::-1])


@pytest.mark.parametrize("index", [None, pd.RangeIndex(0), pd.RangeIndex(1), DAYS, DAYS[:1]])
def test_check_time_order_accepts_strictly_increasing_or_trivial_indexes(index):
    check_time_order(index, "y")
