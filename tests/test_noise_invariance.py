"""Randomness that does not depend on the batch or the chunking (issue 13, item 3).

State noise (ESN ``state_noise``) and Poisson spike encoding (LSM
``input_encoding="poisson"``) draw from per-series streams keyed by the series'
values and positioned at the time step (:class:`reservoir.base.RandomStreams`):
a series gets the same draws wherever it sits in a batch and however it is cut
into blocks. State noise is a training-time regulariser: on in ``fit`` and
``fit_transform``, off at prediction unless ``noise=True``.
"""

import warnings

import numpy as np
import pytest
from scipy import stats

import reservoir.estimators as estimators
from reservoir import (
    ESN,
    LSM,
    BidirectionalESN,
    DeepESN,
    ReservoirClassifier,
    ReservoirForecaster,
    ReservoirRegressor,
    RidgeReadout,
)
from reservoir.base import RandomStreams, draws_at_random, series_key
from reservoir.lsm import LiquidActivityWarning, poisson_quantiles
from reservoir.metrics import nrmse
from reservoir.model_selection import ridge_alpha_path

BATCH_TOL = 1e-12
CHUNK_TOL = 1e-8


@pytest.fixture(scope="module")
def series():
    rng = np.random.default_rng(0)
    return [rng.uniform(-1, 1, (n, 1)) for n in (120, 90, 120, 60)]


def _targets(inputs):
    return [np.roll(u, 2, axis=0) ** 2 for u in inputs]


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LiquidActivityWarning)
        return fn(*args, **kwargs)


def _max_diff(batched, singles):
    return max(float(np.abs(np.asarray(b) - np.asarray(s)).max())
               for b, s in zip(batched, singles, strict=True))


# -- the streams -------------------------------------------------------------------------------
def test_stream_draws_depend_only_on_key_and_time_step():
    streams = RandomStreams([11, 22, 33], [0, 5, 2])
    whole = streams.uniforms(7, 20, 6)
    assert whole.shape == (3, 20, 6)
    # a later block of the same series, alone or with others, draws the same values
    later = streams.take([1]).shifted(8).uniforms(7, 12, 6)
    np.testing.assert_array_equal(later[0], whole[1, 8:])
    single = RandomStreams([22], 13).uniforms(7, 3, 6)
    np.testing.assert_array_equal(single[0], whole[1, 8:11])
    # another seed, another key or another tag: other draws
    assert not np.allclose(streams.uniforms(8, 20, 6), whole)
    assert not np.allclose(streams.derived(1).uniforms(7, 20, 6), whole)
    assert np.all((whole >= 0) & (whole < 1))
    normals = streams.normals(7, 20, 6)
    assert np.all(np.isfinite(normals))


def test_normal_draws_are_standard_normal():
    draws = RandomStreams(np.arange(40)).normals(3, 250, 10).ravel()
    assert abs(draws.mean()) < 0.02
    assert draws.std() == pytest.approx(1.0, abs=0.02)
    assert stats.kstest(draws, "norm").pvalue > 1e-3


def test_series_key_is_a_hash_of_the_values():
    u = np.arange(50.0)[:, None] / 8  # exact in float32
    assert series_key(u) == series_key(u.copy()) == series_key(u.astype(np.float32))
    assert series_key(u) != series_key(u + 1e-15)  # keyed by the exact values
    assert series_key(u) != series_key(u[::-1])
    assert series_key(u) != series_key(u.reshape(25, 2))  # same values, other shape
    streams = RandomStreams.of([u, u[::-1]])
    np.testing.assert_array_equal(streams.keys, [series_key(u), series_key(u[::-1])])


@pytest.mark.parametrize("rate", [0.0, 0.05, 0.4, 3.0, 25.0, 400.0])
def test_poisson_quantiles_follow_the_poisson_distribution(rate):
    uniforms = RandomStreams(np.arange(8)).uniforms(0, 1000, 25)
    counts = poisson_quantiles(uniforms, rate).ravel()
    assert np.all(counts == np.round(counts)) and counts.min() >= 0
    assert counts.mean() == pytest.approx(rate, rel=0.03, abs=0.005)
    assert counts.var() == pytest.approx(rate, rel=0.06, abs=0.005)
    # inversion: the counts are the Poisson quantiles of the uniforms
    np.testing.assert_array_equal(counts, stats.poisson.ppf(uniforms.ravel(), rate)
                                  if rate > 0 else 0.0)


# -- ESN state noise: training only, unless asked for ---------------------------------------------
def test_state_noise_is_on_in_fit_transform_and_off_in_transform(series):
    u = series[0]
    esn = ESN(n_units=30, state_noise=0.05, random_state=0)
    training = esn.fit_transform(u)
    quiet = ESN(n_units=30, random_state=0).fit(u).transform(u)
    np.testing.assert_array_equal(esn.transform(u), quiet)
    np.testing.assert_array_equal(esn.transform(u, noise=True), training)
    assert 1e-3 < np.abs(training - quiet).mean() < 0.2
    assert draws_at_random(esn) and not draws_at_random(ESN())


def test_generator_rng_still_gives_a_shared_noise_stream(series):
    u = series[0][None]
    esn = ESN(n_units=20, state_noise=0.05, random_state=0).fit(u)
    start = esn.default_state(1)
    a, _ = esn.simulate(u, start, rng=np.random.default_rng(4))
    b, _ = esn.simulate(u, start, rng=np.random.default_rng(4))
    quiet, _ = esn.simulate(u, start)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, quiet)
    with pytest.raises(TypeError, match="rng"):
        esn.simulate(u, start, rng=np.random.RandomState(0))


@pytest.mark.parametrize("make", [
    lambda: ESN(n_units=40, state_noise=0.05, random_state=0),
    lambda: ESN(n_units=40, state_noise=0.05, leak_rate=0.5, dtype="float32", random_state=1),
    lambda: DeepESN(ESN(n_units=20, state_noise=0.05), layer_params={"n_units": [20, 15]},
                    random_state=0),
    lambda: BidirectionalESN(ESN(n_units=20, state_noise=0.05, random_state=0)),
], ids=["esn", "esn-float32", "deep", "bidirectional"])
def test_noisy_states_do_not_depend_on_the_batch(make, series):
    reservoir = make().fit(series)
    tol = 1e-5 if getattr(reservoir, "dtype", "float64") == "float32" else BATCH_TOL
    batched = reservoir.transform(series, noise=True)
    reordered = reservoir.transform(series[::-1], noise=True)[::-1]
    singles = [reservoir.transform(u, noise=True) for u in series]
    assert _max_diff(batched, singles) <= tol
    assert _max_diff(reordered, singles) <= tol
    block = np.stack([series[0], series[2]])  # a 3-D block and its series one by one
    assert _max_diff(reservoir.transform(block, noise=True), singles[::2]) <= tol
    assert not np.allclose(singles[0], reservoir.transform(series[0]))  # the noise is there


def test_regressor_prediction_is_batch_invariant_and_noise_free_by_default(series):
    # the example: predict([b, a])[1] against predict(a) with state_noise=1e-2
    targets = _targets(series)
    reg = ReservoirRegressor(ESN(n_units=50, state_noise=1e-2, random_state=0), washout=10)
    reg.fit(series, targets)
    a, b = series[0], series[1]
    for noise in (False, True):
        assert np.abs(reg.predict([b, a], noise=noise)[1]
                      - reg.predict(a, noise=noise)).max() <= BATCH_TOL
    assert np.abs(reg.predict(a) - reg.predict(a, noise=True)).max() > 1e-4
    quiet = ESN(n_units=50, random_state=0).fit(series)
    features = np.hstack([quiet.transform(reg.input_scaler_.transform(a)),
                          reg.input_scaler_.transform(a)])
    expected = reg.target_scaler_.inverse_transform(reg.readout_.predict(features)[:, None])
    np.testing.assert_allclose(reg.predict(a), expected, rtol=0, atol=1e-12)


def test_regressor_fit_does_not_depend_on_the_order_of_the_series(series):
    targets = _targets(series)
    make = lambda: ReservoirRegressor(  # noqa: E731
        ESN(n_units=40, state_noise=1e-2, random_state=0), RidgeReadout(alpha=1e-6), washout=10)
    forward = make().fit(series, targets)
    backward = make().fit(series[::-1], targets[::-1])
    assert np.abs(forward.predict(series[0]) - backward.predict(series[0])).max() <= CHUNK_TOL


@pytest.mark.parametrize("block_steps", [1, 7, 50])
def test_chunked_fit_equals_one_shot_fit(block_steps, series, monkeypatch):
    targets = _targets(series)
    make = lambda: ReservoirRegressor(  # noqa: E731
        ESN(n_units=40, state_noise=1e-2, random_state=0), RidgeReadout(alpha=1e-6), washout=10)
    whole = make().fit(series, targets)
    monkeypatch.setattr(estimators, "STATE_BLOCK_STEPS", block_steps)
    chunked = make().fit(series, targets)
    for u in series[:2]:
        assert np.abs(chunked.predict(u) - whole.predict(u)).max() <= CHUNK_TOL


def test_chunked_forecaster_fit_equals_one_shot_fit(monkeypatch):
    y = np.sin(np.arange(300) * 0.21) + 0.3 * np.sin(np.arange(300) * 0.05)
    make = lambda: ReservoirForecaster(  # noqa: E731
        ESN(n_units=40, state_noise=1e-3, random_state=0), RidgeReadout(alpha=1e-6), washout=20)
    whole = make().fit(y)
    monkeypatch.setattr(estimators, "STATE_BLOCK_STEPS", 13)
    chunked = make().fit(y)
    assert np.abs(chunked.predict(30) - whole.predict(30)).max() <= CHUNK_TOL


def test_forecasts_do_not_depend_on_the_other_contexts():
    y = np.sin(np.arange(300) * 0.21)
    model = ReservoirForecaster(ESN(n_units=40, state_noise=1e-2, random_state=0), washout=20)
    model.fit(y)
    contexts = [y[:120], y[50:200], y[:120][::-1]]
    for noise in (False, True):
        batched = model.predict(15, context=contexts, noise=noise)
        singles = [model.predict(15, context=c, noise=noise) for c in contexts]
        assert _max_diff(batched, singles) <= BATCH_TOL
    assert not np.allclose(model.predict(15, context=y[:120], noise=True),
                           model.predict(15, context=y[:120]))
    np.testing.assert_allclose(model.predict(15), model.predict(15, context=y), atol=1e-12)


def test_ridge_path_trains_on_noisy_states_as_fit_does():
    rng = np.random.default_rng(1)
    u = rng.uniform(-1, 1, 400)
    y = np.roll(u, 1) * np.roll(u, 2)
    model = ReservoirRegressor(ESN(n_units=30, state_noise=1e-2, random_state=0), washout=20)
    alphas = [1e-6, 1e-2]
    path = ridge_alpha_path(model, u, y, alphas, validation=100)
    for alpha, error in zip(path["alpha"], path.iloc[:, 1], strict=True):
        refit = model.set_params(readout=RidgeReadout(alpha=alpha)).fit(u[:300], y[:300])
        assert error == pytest.approx(nrmse(y[300:], refit.predict(u)[300:]), rel=1e-7)


# -- LSM Poisson encoding ----------------------------------------------------------------------
def _poisson_lsm(**kwargs):
    return LSM(n_units=40, input_encoding="poisson", random_state=0, **kwargs)


def test_poisson_states_do_not_depend_on_the_batch(series):
    lsm = _quiet(_poisson_lsm().fit, series)
    batched = _quiet(lsm.transform, series)
    singles = [_quiet(lsm.transform, u) for u in series]
    assert _max_diff(batched, singles) <= BATCH_TOL
    assert _max_diff(_quiet(lsm.transform, series[::-1])[::-1], singles) <= BATCH_TOL
    again = _quiet(lsm.transform, series[0])
    np.testing.assert_array_equal(again, singles[0])
    assert singles[0].max() > 0  # the liquid spikes


def test_poisson_blocks_continue_the_streams_exactly(series):
    lsm = _quiet(_poisson_lsm(include_membrane=True).fit, series)
    U = np.stack([series[0], series[2]])
    streams = RandomStreams.of(U)
    whole, end = lsm.simulate(U, lsm.default_state(2), rng=streams)
    state, parts = lsm.default_state(2), []
    for start, stop in [(0, 1), (1, 33), (33, 34), (34, 120)]:
        out, state = lsm.simulate(U[:, start:stop], state, rng=streams.shifted(start))
        parts.append(out)
    np.testing.assert_array_equal(np.concatenate(parts, axis=1), whole)
    np.testing.assert_array_equal(state, end)


def test_poisson_window_size_does_not_change_the_draws(series, monkeypatch):
    import reservoir.lsm as lsm_module

    lsm = _quiet(_poisson_lsm().fit, series)
    expected = _quiet(lsm.transform, series[:3])
    monkeypatch.setattr(lsm_module, "POISSON_WINDOW_VALUES", 1)  # one input step at a time
    assert _max_diff(_quiet(lsm.transform, series[:3]), expected) == 0.0


def test_poisson_classifier_labels_do_not_depend_on_the_batch():
    # the example: 8 of 20 labels changed between batched and one-by-one calls
    rng = np.random.default_rng(3)
    X = [rng.uniform(-1, 1, (30, 1)) for _ in range(20)]
    y = np.array([int(x.mean() > 0) for x in X])
    clf = _quiet(ReservoirClassifier(_poisson_lsm(), pooling="mean").fit, X, y)
    batched = _quiet(clf.decision_function, X)
    singles = np.array([_quiet(clf.decision_function, [x])[0] for x in X])
    assert np.abs(batched - singles).max() <= BATCH_TOL
    np.testing.assert_array_equal(_quiet(clf.predict, X),
                                  [_quiet(clf.predict, [x])[0] for x in X])


def test_poisson_forecaster_is_batch_and_chunk_invariant(monkeypatch):
    y = np.sin(np.arange(160) * 0.3)
    make = lambda: ReservoirForecaster(_poisson_lsm(), RidgeReadout(alpha=1e-2),  # noqa: E731
                                       washout=20)
    model = _quiet(make().fit, y)
    contexts = [y[:60], y[40:100]]
    batched = _quiet(model.predict, 8, context=contexts)
    singles = [_quiet(model.predict, 8, context=c) for c in contexts]
    assert _max_diff(batched, singles) <= BATCH_TOL
    # the default context is the training series: the same streams, the same forecast
    np.testing.assert_array_equal(_quiet(model.predict, 8), _quiet(model.predict, 8, context=y))
    monkeypatch.setattr(estimators, "STATE_BLOCK_STEPS", 11)
    chunked = _quiet(make().fit, y)
    assert np.abs(_quiet(chunked.predict, 8) - _quiet(model.predict, 8)).max() <= CHUNK_TOL


@pytest.mark.parametrize("kind", ["regressor", "forecaster"])
def test_ridge_path_with_a_poisson_liquid_equals_refitting(kind):
    rng = np.random.default_rng(2)
    u = rng.uniform(-1, 1, 160)
    y = np.roll(u, 1) * np.roll(u, 2)
    alphas = [1e-4, 1e-1]
    if kind == "regressor":
        model = ReservoirRegressor(_poisson_lsm(), washout=10)
        path = _quiet(ridge_alpha_path, model, u, y, alphas, validation=40)
    else:
        model = ReservoirForecaster(_poisson_lsm(), washout=10)
        path = _quiet(ridge_alpha_path, model, None, y, alphas, validation=40)
    for alpha, error in zip(path["alpha"], path.iloc[:, 1], strict=True):
        refit = model.set_params(readout=RidgeReadout(alpha=alpha))
        if kind == "regressor":
            refit = _quiet(refit.fit, u[:120], y[:120])
            expected = nrmse(y[120:], _quiet(refit.predict, u)[120:])
        else:
            refit = _quiet(refit.fit, y[:120])
            expected = nrmse(y[120:], _quiet(refit.predict_next, y)[119:-1])
        assert error == pytest.approx(expected, rel=1e-7)


def test_threads_draw_the_same_noise_as_one_thread():
    U = np.random.default_rng(0).uniform(-1, 1, (60, 15, 1))
    serial = ESN(n_units=300, state_noise=0.01, random_state=0).fit(U)
    threaded = ESN(n_units=300, state_noise=0.01, random_state=0, n_jobs=2).fit(U)
    assert threaded._thread_count(len(U)) > 1  # the threaded path really runs
    np.testing.assert_array_equal(threaded.transform(U, noise=True),
                                  serial.transform(U, noise=True))
    np.testing.assert_array_equal(threaded.fit_transform(U), serial.fit_transform(U))
