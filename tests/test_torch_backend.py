"""The torch backend (reservoir.torch) against the NumPy reservoirs, on the CPU device."""

import math
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from reservoir import (  # noqa: E402
    ESN,
    LSM,
    DeepESN,
    ReservoirForecaster,
    ReservoirRegressor,
    RidgeReadout,
)
from reservoir.base import RandomStreams  # noqa: E402
from reservoir.benchmark.torch_speed import format_table, torch_rows  # noqa: E402
from reservoir.exceptions import InvalidParameterError  # noqa: E402
from reservoir.torch import TorchReservoir  # noqa: E402

TOL = {"float64": 1e-10, "float32": 1e-5}


@pytest.fixture(scope="module")
def block():
    """Three series of 120 steps, two inputs."""
    return np.random.default_rng(0).uniform(-1, 1, (3, 120, 2))


def _pair(template, data, **params):
    """The NumPy reservoir and the TorchReservoir fitted from the same template."""
    from sklearn.base import clone

    return clone(template).fit(data), TorchReservoir(template, **params).fit(data)


TEMPLATES = {
    "dense W": (ESN(n_units=30, random_state=0), {"sparse": False}),
    "sparse W": (ESN(n_units=30, random_state=0), {"sparse": True}),
    "auto, large sparse W": (ESN(n_units=300, random_state=1), {}),
    "leak and identity": (ESN(n_units=30, leak_rate=0.3, activation="identity",
                              spectral_radius=0.9, random_state=2), {"sparse": True}),
    "dense orthogonal W": (ESN(n_units=25, topology="orthogonal", leak_rate=0.7,
                               random_state=3), {}),
    "deep": (DeepESN(ESN(n_units=20, leak_rate=0.5), n_layers=3,
                     layer_params={"n_units": [20, 15, 10]}, random_state=4), {"sparse": True}),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(TEMPLATES))
def test_states_equal_the_numpy_path(name, dtype, block):
    template, params = TEMPLATES[name]
    if isinstance(template, DeepESN):
        template = template.set_params(reservoir__dtype=dtype)
    else:
        template = template.set_params(dtype=dtype)
    numpy_res, torch_res = _pair(template, block, block_steps=17, **params)
    expected_sparse = params.get("sparse", "auto")
    if expected_sparse is not True:
        expected_sparse = name == "auto, large sparse W"
    layout = torch_res._layers()[0].W.layout
    assert (layout == torch.sparse_csr) is expected_sparse
    # one series, then the batch, from a non-zero start
    rng = np.random.default_rng(5)
    start = rng.uniform(-0.5, 0.5, (3, numpy_res.default_state(1).shape[1]))
    for X, x0 in ((block[0], start[0]), (block, start)):
        expected, expected_final = numpy_res.run(X, initial_state=x0)
        states, final = torch_res.run(X, initial_state=x0)
        assert states.dtype == np.dtype(dtype) and states.shape == expected.shape
        assert np.max(np.abs(states - expected)) <= TOL[dtype]
        assert np.max(np.abs(final - expected_final)) <= TOL[dtype]
    np.testing.assert_allclose(torch_res.advance(block, start), final, rtol=0, atol=0)


def test_weights_are_those_of_the_numpy_template(block):
    numpy_res, torch_res = _pair(ESN(n_units=40, random_state=7), block, sparse=True)
    layer = torch_res._layers()[0]
    np.testing.assert_array_equal(layer.W.to_dense().numpy(), numpy_res.W_.toarray())
    np.testing.assert_array_equal(layer.W_in.numpy(), numpy_res.W_in_)
    assert torch_res.reservoir_.noise_seed_ == numpy_res.noise_seed_


def test_state_noise_draws_the_numpy_streams(block):
    template = DeepESN(ESN(n_units=15, state_noise=0.05), n_layers=2, random_state=0)
    numpy_res, torch_res = _pair(template, block, block_steps=11)
    start = numpy_res.default_state(3)
    streams = RandomStreams.of(block, state_noise=True).shifted(4)
    expected, _ = numpy_res.simulate(block, start, rng=streams)
    states, _ = torch_res.simulate(block, start, rng=streams)
    assert np.max(np.abs(states - expected)) <= 1e-10
    noiseless, _ = numpy_res.simulate(block, start)
    assert np.max(np.abs(states - noiseless)) > 1e-3  # the noise was added
    # one generator shared by the block, drawn layer after layer as the NumPy layers draw
    expected, _ = numpy_res.simulate(block, start, rng=np.random.default_rng(1))
    states, _ = torch_res.simulate(block, start, rng=np.random.default_rng(1))
    assert np.max(np.abs(states - expected)) <= 1e-10


def test_empty_block_returns_the_start(block):
    _, torch_res = _pair(ESN(n_units=10, random_state=0), block)
    start = np.full((3, 10), 0.25)
    states, final = torch_res.simulate(block[:, :0], start)
    assert states.shape == (3, 0, 10)
    np.testing.assert_array_equal(final, start)


@pytest.mark.parametrize("include_input", [True, False])
def test_fit_readout_equals_the_host_fit(include_input):
    rng = np.random.default_rng(1)
    X = [rng.uniform(-1, 1, (n, 2)) for n in (200, 200, 170)]
    y = [np.column_stack([np.sin(u.sum(axis=1)), u[:, 0] ** 2]) for u in X]
    esn = ESN(n_units=40, random_state=0)
    torch_res = TorchReservoir(esn, block_steps=23).fit(X)
    readout = torch_res.fit_readout(X, y, washout=15, include_input=include_input,
                                    readout=RidgeReadout(alpha=1e-4))
    # independent host computation: the NumPy ESN's states, stacked, fitted by RidgeReadout
    states = esn.fit(X).run(X)[0]
    features = np.concatenate([np.hstack([s, u])[15:] if include_input else s[15:]
                               for s, u in zip(states, X)])
    host = RidgeReadout(alpha=1e-4).fit(features, np.concatenate([t[15:] for t in y]))
    scale = np.max(np.abs(host.coef_))
    assert np.max(np.abs(readout.coef_ - host.coef_)) <= 1e-8 * scale
    np.testing.assert_allclose(readout.intercept_, host.intercept_, rtol=1e-8, atol=1e-12)
    assert readout.n_samples_seen_ == host.n_samples_seen_ == 185 * 2 + 155
    assert readout.alpha == 1e-4 and readout.coef_.shape == host.coef_.shape


def test_fit_readout_many_folds_and_1d_target():
    """More rows than one fold holds: several QR folds merged on the device."""
    rng = np.random.default_rng(2)
    u = rng.uniform(-1, 1, (3000, 1))
    target = np.roll(u[:, 0], 2)
    esn = ESN(n_units=20, random_state=3, dtype="float32")
    torch_res = TorchReservoir(esn, block_steps=250).fit(u)
    readout = torch_res.fit_readout(u, target, washout=50, readout=RidgeReadout(alpha=1e-3))
    states = torch_res.transform(u)                    # the same float32 states, on the host
    host = RidgeReadout(alpha=1e-3).fit(np.hstack([states, u.astype(np.float32)])[50:],
                                        target[50:])
    assert readout.coef_.ndim == 1 and isinstance(readout.intercept_, float)
    assert np.max(np.abs(readout.coef_ - host.coef_)) <= 1e-8 * np.max(np.abs(host.coef_))
    assert math.isclose(readout.intercept_, host.intercept_, rel_tol=1e-8, abs_tol=1e-12)


def test_from_statistics_rebuilds_a_host_fit():
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(80, 4)), rng.normal(size=(80, 2))
    Z = np.hstack([X - X.mean(axis=0), Y - Y.mean(axis=0)])
    host = RidgeReadout(alpha=0.1).fit(X, Y)
    for factor in (np.linalg.qr(Z, mode="r"), np.linalg.qr(Z, mode="r")[::-1]):  # any square F
        readout = RidgeReadout.from_statistics(X.mean(axis=0), Y.mean(axis=0), factor,
                                               sum_weights=80, alpha=0.1)
        np.testing.assert_allclose(readout.coef_, host.coef_, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(readout.intercept_, host.intercept_, rtol=1e-10, atol=1e-12)
    # the rebuilt readout keeps streaming
    more = rng.normal(size=(20, 4)), rng.normal(size=(20, 2))
    readout.partial_fit(*more)
    both = RidgeReadout(alpha=0.1).fit(np.vstack([X, more[0]]), np.vstack([Y, more[1]]))
    np.testing.assert_allclose(readout.coef_, both.coef_, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="scatter_factor must have shape"):
        RidgeReadout.from_statistics(X.mean(axis=0), Y.mean(axis=0), np.eye(3), sum_weights=1)
    with pytest.raises(ValueError, match="sum_weights"):
        RidgeReadout.from_statistics([0.0], [0.0], np.eye(2), sum_weights=0)


def test_regressor_with_torch_reservoir_predicts_as_with_the_esn():
    rng = np.random.default_rng(4)
    X = rng.uniform(-1, 1, (600, 1))
    y = np.roll(X[:, 0], 3) * X[:, 0]
    esn = ESN(n_units=40, random_state=0)
    with_torch = ReservoirRegressor(TorchReservoir(esn), washout=20).fit(X, y)
    with_numpy = ReservoirRegressor(esn, washout=20).fit(X, y)
    np.testing.assert_allclose(with_torch.predict(X), with_numpy.predict(X), rtol=0, atol=1e-8)
    assert with_torch.get_params()["reservoir__reservoir__n_units"] == 40


def test_forecaster_with_torch_reservoir_and_state_noise():
    y = np.sin(0.1 * np.arange(500))
    esn = ESN(n_units=40, state_noise=1e-3, random_state=0)
    with_torch = ReservoirForecaster(TorchReservoir(esn), washout=20).fit(y)
    with_numpy = ReservoirForecaster(esn, washout=20).fit(y)
    np.testing.assert_allclose(with_torch.last_state_, with_numpy.last_state_, atol=1e-10)
    np.testing.assert_allclose(with_torch.predict(25), with_numpy.predict(25), atol=1e-8)


def test_pickle_and_device_change_rebuild_the_device_weights(block):
    import pickle

    numpy_res, torch_res = _pair(ESN(n_units=20, random_state=0), block)
    loaded = pickle.loads(pickle.dumps(torch_res))
    assert "_device_cache" not in pickle.loads(pickle.dumps(torch_res)).__getstate__()
    np.testing.assert_allclose(loaded.transform(block), numpy_res.transform(block), atol=1e-12)
    dense = loaded.set_params(sparse=False).transform(block)
    assert loaded._layers()[0].W.layout == torch.strided
    np.testing.assert_allclose(dense, numpy_res.transform(block), atol=1e-12)


@pytest.mark.parametrize("params, match", [
    ({"reservoir": LSM(n_units=20)}, "reservoir must be None or an ESN or a DeepESN"),
    ({"reservoir": DeepESN(LSM(n_units=20))}, "reservoir must be an ESN or a DeepESN"),
    ({"device": "gpu0"}, "device must be a torch device"),
    ({"device": 3}, "device must be"),
    ({"device": "meta"}, "device='meta' cannot be used"),
    ({"sparse": "yes"}, "sparse must be"),
    ({"block_steps": 0}, "block_steps must be"),
])
def test_bad_arguments_name_the_argument(params, match, block):
    with pytest.raises(ValueError, match=match):
        TorchReservoir(**params).fit(block)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message without a GPU")
def test_cuda_without_a_gpu_is_refused(block):
    with pytest.raises(ValueError, match=r"device='cuda' needs a CUDA GPU"):
        TorchReservoir(ESN(n_units=5), device="cuda").fit(block)


def test_bad_calls_give_clear_errors(block):
    torch_res = TorchReservoir(ESN(n_units=10, random_state=0)).fit(block)
    with pytest.raises(ValueError, match=r"state must have shape \(3, 10\)"):
        torch_res.simulate(block, np.zeros((3, 9)))
    with pytest.raises(ValueError, match=r"inputs must have shape \(B, T, 2\)"):
        torch_res.simulate(block[..., :1], np.zeros((3, 10)))
    with pytest.raises(ValueError, match="readout must be a reservoir.RidgeReadout"):
        torch_res.fit_readout(block, block[..., :1], readout=object())
    with pytest.raises(ValueError, match="washout=120"):
        torch_res.fit_readout(block, block[..., :1], washout=120)
    with pytest.raises(ValueError, match="X has 120 time steps but y has 119"):
        torch_res.fit_readout(block[0], block[0, 1:, 0])
    unstable = TorchReservoir(ESN(n_units=10, activation="identity", spectral_radius=1.0,
                                  input_scaling=1e200, random_state=0)).fit(block)
    with pytest.raises(ValueError, match="infinite or NaN"):
        unstable.fit_readout(block * 1e200, block[..., :1])
    assert isinstance(InvalidParameterError("x"), ValueError)


def test_import_reservoir_does_not_import_torch():
    code = ("import reservoir, sys; reservoir.ESN; reservoir.RidgeReadout; "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_torch_rows_quick_gives_finite_positive_timings():
    rows = torch_rows(quick=True, repeats=1, cases=[(30, 4, 20)], gpu_cases=[])
    assert [r["backend"] for r in rows][:3] == ["numpy", "torch", "torch"]
    for r in rows:
        assert math.isfinite(r["seconds"]) and r["seconds"] > 0
        assert math.isfinite(r["speedup_vs_numpy"]) and r["speedup_vs_numpy"] > 0
        assert r["unit_updates_per_s"] == pytest.approx(30 * 4 * 20 / r["seconds"])
    assert "N=30, 4 series x 20 steps" in format_table(rows)
