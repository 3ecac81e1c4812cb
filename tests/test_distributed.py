"""reservoir.distributed.fit on a real dask LocalCluster (the session's ``dask_client``)."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone

from reservoir import ESN, ReservoirForecaster, ReservoirRegressor, RidgeReadout
from reservoir.datasets import mackey_glass

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
db = pytest.importorskip("dask.bag")
rd = pytest.importorskip("reservoir.distributed")


def _relative(a, b):
    return np.linalg.norm(np.asarray(a) - np.asarray(b)) / np.linalg.norm(np.asarray(b))


def _series(n_series, length, seed=0):
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, 3000, n_series)
    y = mackey_glass(n_steps=3000 + length, random_state=seed)
    return [y[s:s + length] + 0.01 * rng.normal(size=length) for s in starts]


def _forecaster(**params):
    return ReservoirForecaster(ESN(n_units=40, random_state=0), RidgeReadout(alpha=1e-6),
                               washout=20, **params)


def test_distributed_forecaster_fit_over_200_series_equals_local_fit(dask_client):
    series = _series(200, 120)
    local = _forecaster().fit(series)
    bag = db.from_sequence(series, npartitions=7)
    remote = rd.fit(_forecaster(), bag, client=dask_client)
    assert _relative(remote.readout_.coef_, local.readout_.coef_) < 1e-10
    assert remote.readout_.n_samples_seen_ == local.readout_.n_samples_seen_
    np.testing.assert_allclose(remote.target_scaler_.center, local.target_scaler_.center,
                               rtol=1e-13)
    np.testing.assert_allclose(remote.last_state_, local.last_state_, atol=1e-12)
    np.testing.assert_allclose(remote.predict(10), local.predict(10), rtol=1e-8)
    np.testing.assert_allclose(remote.predict(5, context=series[:3]),
                               local.predict(5, context=series[:3]), rtol=1e-8)


def test_distributed_regressor_from_delayed_series_and_arrays_equals_local(dask_client):
    rng = np.random.default_rng(1)
    X = [rng.uniform(-1, 1, (150, 2)) for _ in range(40)]
    y = [np.tanh(x[:, :1] + np.roll(x[:, 1:], 1, axis=0)) for x in X]
    model = ReservoirRegressor(ESN(n_units=30, state_noise=1e-3, random_state=0),
                               RidgeReadout(alpha=1e-6), washout=10)
    local = clone(model).fit(X, y)
    delayed = [dask.delayed((a, b)) for a, b in zip(X, y, strict=True)]
    from_delayed = rd.fit(clone(model), delayed, client=dask_client)
    assert _relative(from_delayed.readout_.coef_, local.readout_.coef_) < 1e-10
    np.testing.assert_allclose(from_delayed.last_state_, local.last_state_, atol=1e-12)
    arrays = (da.from_array(np.stack(X), chunks=(9, 150, 2)),
              da.from_array(np.stack(y), chunks=(13, 50, 1)))
    from_arrays = rd.fit(clone(model), arrays, client=dask_client)
    local_block = clone(model).fit(np.stack(X), np.stack(y))
    assert _relative(from_arrays.readout_.coef_, local_block.readout_.coef_) < 1e-10


def test_distributed_forecaster_with_exogenous_pairs_and_a_dask_array(dask_client):
    series = _series(30, 100, seed=2)
    exog = [np.sin(np.arange(100) / 5.0 + i)[:, None] for i in range(30)]
    local = _forecaster(scale="minmax").fit(series, X=exog)
    remote = rd.fit(_forecaster(scale="minmax"),
                    db.from_sequence(list(zip(series, exog, strict=True)), npartitions=4),
                    client=dask_client)
    assert _relative(remote.readout_.coef_, local.readout_.coef_) < 1e-10
    assert remote.n_exog_ == 1 and remote.n_features_in_ == 2
    block = da.from_array(np.stack(series), chunks=(8, 100))
    from_array = rd.fit(_forecaster(), block, client=dask_client)
    assert _relative(from_array.readout_.coef_,
                     _forecaster().fit(np.stack(series)[:, :, None]).readout_.coef_) < 1e-10


def test_distributed_fit_errors(dask_client):
    from sklearn.linear_model import Ridge

    bag = db.from_sequence(_series(4, 50), npartitions=2)
    with pytest.raises(TypeError, match="RidgeReadout"):
        rd.fit(ReservoirForecaster(readout=Ridge()), bag, client=dask_client)
    with pytest.raises(TypeError, match="ReservoirRegressor or a ReservoirForecaster"):
        rd.fit(ESN(), bag, client=dask_client)
    with pytest.raises(TypeError, match="series must be a dask.bag.Bag"):
        rd.fit(_forecaster(), _series(4, 50), client=dask_client)
    with pytest.raises(ValueError, match="washout"):
        rd.fit(_forecaster().set_params(washout=60), bag, client=dask_client)


def test_importing_reservoir_does_not_import_dask():
    code = ("import reservoir, sys; "
            "assert 'dask' not in sys.modules and 'distributed' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_scaling_benchmark_quick_rows_are_measured():
    from reservoir.benchmark.scaling import distributed_rows, memory_rows, synthetic_series

    np.testing.assert_array_equal(synthetic_series(3, 50), synthetic_series(3, 50))
    assert not np.array_equal(synthetic_series(3, 50), synthetic_series(4, 50))
    rows = memory_rows(quick=True)
    assert [r["case"] for r in rows] == ["forecaster_fit", "streamed_fit"]
    assert all(r["seconds"] > 0 and 50 < r["peak_rss_mb"] < 2000 for r in rows)
    rows = distributed_rows(quick=True)
    assert [r["workers"] for r in rows] == [1, 2]
    assert rows[0]["speedup"] == 1.0 and rows[1]["seconds"] > 0
    assert rows[1]["coef_relative_difference"] < 1e-10
