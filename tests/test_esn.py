import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone

from reservoir import ESN


def reference_states(esn, u, x0=None):
    """Independent per-step implementation of the leaky ESN update."""
    W = esn.W_.toarray() if sp.issparse(esn.W_) else esn.W_
    x = np.zeros(esn.n_units) if x0 is None else x0.copy()
    out = []
    f = np.tanh if esn.activation == "tanh" else (lambda z: z)
    for t in range(len(u)):
        pre = W @ x + esn.W_in_ @ u[t] + esn.bias_
        x = (1 - esn.leak_rate) * x + esn.leak_rate * f(pre)
        out.append(x)
    return np.array(out)


@pytest.fixture
def series():
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, (150, 2))


@pytest.mark.parametrize("n_units", [30, 400])  # dense and sparse loop paths
@pytest.mark.parametrize("leak_rate", [1.0, 0.3])
@pytest.mark.parametrize("activation", ["tanh", "identity"])
def test_states_match_reference_update(series, n_units, leak_rate, activation):
    esn = ESN(n_units=n_units, leak_rate=leak_rate, activation=activation, bias_scaling=0.5,
              spectral_radius=0.8, random_state=1).fit(series)
    np.testing.assert_allclose(esn.transform(series), reference_states(esn, series),
                               rtol=1e-10, atol=1e-12)


def test_layouts_are_preserved(series):
    esn = ESN(n_units=20, random_state=0).fit(series)
    single = esn.transform(series)
    assert single.shape == (150, 20)
    as_list = esn.transform([series, series[:40], series])
    assert isinstance(as_list, list) and [s.shape for s in as_list] == [(150, 20), (40, 20),
                                                                         (150, 20)]
    np.testing.assert_allclose(as_list[0], single)
    np.testing.assert_allclose(as_list[1], single[:40])
    block = esn.transform(np.stack([series, series[::-1]]))
    assert block.shape == (2, 150, 20)
    np.testing.assert_allclose(block[1], esn.transform(series[::-1]))


def test_one_dimensional_input_is_one_series():
    u = np.sin(np.arange(50.0))
    esn = ESN(n_units=10, random_state=0).fit(u)
    np.testing.assert_allclose(esn.transform(u), esn.transform(u[:, None]))


def test_initial_and_final_state_continue_a_run(series):
    esn = ESN(n_units=25, leak_rate=0.5, random_state=0).fit(series)
    full = esn.transform(series)
    first = esn.transform(series[:70])
    second = esn.transform(series[70:], initial_state=esn.final_state_)
    np.testing.assert_allclose(np.vstack([first, second]), full, rtol=1e-12)
    states, final = esn.run([series, series[:10]])
    assert final.shape == (2, 25)
    np.testing.assert_allclose(final[1], states[1][-1])


def test_initial_state_shape_checked(series):
    esn = ESN(n_units=5, random_state=0).fit(series)
    with pytest.raises(ValueError, match="initial_state"):
        esn.transform(series, initial_state=np.zeros(4))
    with pytest.raises(ValueError, match="initial_state"):
        esn.transform(series, initial_state=np.full(5, np.nan))


def test_deterministic_for_a_seed(series):
    a = ESN(n_units=50, state_noise=0.01, random_state=7).fit_transform(series)
    b = ESN(n_units=50, state_noise=0.01, random_state=7).fit_transform(series)
    c = ESN(n_units=50, state_noise=0.01, random_state=8).fit_transform(series)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_state_noise_perturbs_states(series):
    # Small noise perturbs the tanh reservoir linearly; accumulated through W (radius 1) the
    # mean effect is about 1.4 x state_noise (measured 1.406 and 1.399): +-14 % allowed.
    clean = ESN(n_units=50, random_state=0).fit_transform(series)
    for state_noise in (0.01, 0.05):
        noisy = ESN(n_units=50, state_noise=state_noise, random_state=0).fit_transform(series)
        assert 1.2 * state_noise < np.abs(noisy - clean).mean() < 1.6 * state_noise


@pytest.mark.parametrize("n_series", [1, 4])  # the single-series and the batched loop
def test_state_noise_has_the_configured_standard_deviation(n_series):
    # With W = 0, W_in = 0, no bias and a linear activation the state is the noise itself.
    # fit_transform returns training states, which carry the noise.
    U = np.random.default_rng(0).uniform(-1, 1, (n_series, 500, 1))
    esn = ESN(n_units=40, spectral_radius=0.0, activation="identity", input_scaling=0.0,
              bias_scaling=0.0, state_noise=0.02, random_state=0)
    noise = esn.fit_transform(U).ravel()
    # 20000 or 80000 draws: the sample std is within 0.5 % (one sigma) of 0.02.
    assert noise.std() == pytest.approx(0.02, rel=0.03)
    assert abs(noise.mean()) < 5 * 0.02 / np.sqrt(noise.size)
    # Leaky: x[t] = (1 - a) x[t-1] + a e[t], a stationary AR(1) of std a s / sqrt(1 - (1 - a)^2).
    filtered = clone(esn).set_params(leak_rate=0.3).fit_transform(U)[:, 50:]  # after transients
    assert filtered.std() == pytest.approx(0.02 * 0.3 / np.sqrt(1 - 0.7**2), rel=0.05)


@pytest.mark.parametrize("n_units", [12, 300])  # dense and sparse loop paths
def test_leaky_linear_states_are_the_effective_matrix_impulse_response(n_units):
    # Independent of the step-by-step recursion: with a linear activation the leaky update is
    # x[t] = M x[t-1] + a d[t], M = (1 - a) I + a W, d[t] = W_in u[t] + b, so
    # x[t] = M^(t+1) x0 + a sum_k M^(t-k) d[k], computed here with matrix powers.
    a = 0.3
    rng = np.random.default_rng(3)
    U = rng.uniform(-1, 1, (3, 25, 2))
    x0 = rng.uniform(-1, 1, (3, n_units))
    esn = ESN(n_units=n_units, leak_rate=a, activation="identity", spectral_radius=0.9,
              input_scaling=0.5, bias_scaling=0.5, random_state=0).fit(U)
    W = esn.W_.toarray() if sp.issparse(esn.W_) else esn.W_
    M = (1 - a) * np.eye(n_units) + a * W
    powers = [np.eye(n_units)]
    for _ in range(25):
        powers.append(M @ powers[-1])
    drive = U @ esn.W_in_.T + esn.bias_  # (3, 25, N)
    expected = np.stack([
        np.stack([powers[t + 1] @ x0[b] + a * sum(powers[t - k] @ drive[b, k] for k in range(t + 1))
                  for t in range(25)])
        for b in range(3)
    ])
    np.testing.assert_allclose(esn.transform(U, initial_state=x0), expected, rtol=1e-9,
                               atol=1e-12)  # batched loop
    np.testing.assert_allclose(esn.transform(U[1], initial_state=x0[1]), expected[1], rtol=1e-9,
                               atol=1e-12)  # single-series loop
    # With tanh and W = 0 the leak is a first-order low-pass of tanh(d[t]), written out.
    memoryless = ESN(n_units=n_units, leak_rate=a, spectral_radius=0.0, input_scaling=0.5,
                     bias_scaling=0.5, random_state=0).fit(U)
    d = np.tanh(U[0] @ memoryless.W_in_.T + memoryless.bias_)
    x1 = 0.7 * x0[0] + 0.3 * d[0]
    x2 = 0.7 * x1 + 0.3 * d[1]
    x3 = 0.7 * x2 + 0.3 * d[2]
    np.testing.assert_allclose(memoryless.transform(U[0, :3], initial_state=x0[0]),
                               np.stack([x1, x2, x3]), rtol=1e-12, atol=1e-14)


def test_float32(series):
    esn = ESN(n_units=300, dtype="float32", random_state=0).fit(series)
    states = esn.transform(series)
    assert states.dtype == np.float32
    ref = ESN(n_units=300, random_state=0).fit_transform(series)
    np.testing.assert_allclose(states, ref, atol=1e-4)


def test_zero_spectral_radius_is_memoryless(series):
    esn = ESN(n_units=20, spectral_radius=0.0, random_state=0).fit(series)
    np.testing.assert_allclose(esn.transform(series), np.tanh(series @ esn.W_in_.T + esn.bias_))


def test_delay_line_topology_shifts_the_input():
    u = np.random.default_rng(0).uniform(-1, 1, 30)
    esn = ESN(n_units=6, topology="delay_line", spectral_radius=1.0, activation="identity",
              input_scaling=1.0, bias_scaling=0.0, random_state=0).fit(u)
    # Unit k holds W_in[0] * u[t-k] for a pure delay line with input into unit 0 only.
    esn.W_in_[1:] = 0.0
    states = esn.transform(u)
    for k in range(6):
        np.testing.assert_allclose(states[k:, k], esn.W_in_[0, 0] * u[: 30 - k])


def test_spectral_radius_of_drawn_matrix():
    esn = ESN(n_units=600, spectral_radius=0.77, random_state=0).fit(np.zeros((5, 1)))
    assert np.abs(np.linalg.eigvals(esn.W_.toarray())).max() == pytest.approx(0.77, rel=1e-6)


def test_clone_and_pickle_keep_states(series):
    esn = ESN(n_units=40, random_state=3).fit(series)
    restored = pickle.loads(pickle.dumps(esn))
    np.testing.assert_array_equal(restored.transform(series), esn.transform(series))
    cloned = clone(esn).fit(series)
    np.testing.assert_array_equal(cloned.transform(series), esn.transform(series))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_units": -3}, "n_units"),
        ({"n_units": 2.5}, "n_units"),
        ({"spectral_radius": -0.5}, "spectral_radius"),
        ({"leak_rate": 0.0}, "leak_rate"),
        ({"leak_rate": 1.5}, "leak_rate"),
        ({"topology": "star"}, "topology"),
        ({"activation": "relu"}, "activation"),
        ({"state_noise": -1.0}, "state_noise"),
        ({"dtype": "int8"}, "dtype"),
        ({"connectivity": 0.0}, "connectivity"),
        ({"input_scaling": [1.0, 2.0, 3.0]}, "input_scaling"),
        ({"n_jobs": 0}, "n_jobs"),
        ({"n_jobs": 1.5}, "n_jobs"),
    ],
)
def test_bad_parameters(series, params, match):
    with pytest.raises(ValueError, match=match):
        ESN(**params).fit(series)


def test_transform_before_fit():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        ESN().transform(np.zeros((5, 1)))


def test_wrong_number_of_features(series):
    esn = ESN(n_units=5, random_state=0).fit(series)
    with pytest.raises(ValueError, match="features"):
        esn.transform(np.zeros((10, 3)))


def test_edge_radius_found_at_fit():
    from reservoir.analysis import lyapunov_exponent
    from reservoir.datasets import mackey_glass

    y = mackey_glass(700, random_state=0)
    esn = ESN(n_units=50, spectral_radius="edge", random_state=0).fit(y)
    assert esn.spectral_radius_ > 0.5
    assert np.abs(np.linalg.eigvals(esn.W_.toarray())).max() == pytest.approx(
        esn.spectral_radius_, rel=1e-6)
    assert lyapunov_exponent(esn, y) == pytest.approx(-0.01, abs=0.01)


def test_edge_is_the_only_string_radius():
    with pytest.raises(ValueError, match="spectral_radius"):
        ESN(spectral_radius="high").fit(np.zeros((10, 1)))


@pytest.mark.parametrize("n_jobs", [2, 3, -1])
def test_threads_give_identical_states(n_jobs):
    U = np.random.default_rng(0).uniform(-1, 1, (83, 20, 2))
    serial = ESN(n_units=300, state_noise=0.01, random_state=0).fit(U)
    threaded = ESN(n_units=300, state_noise=0.01, random_state=0, n_jobs=n_jobs).fit(U)
    np.testing.assert_array_equal(threaded.transform(U), serial.transform(U))
    np.testing.assert_array_equal(threaded.final_state_, serial.final_state_)
    assert threaded._thread_count(len(U)) > 1  # the threaded path really ran


@pytest.mark.parametrize(("n_jobs", "n_units", "n_batch", "expected"), [
    (1, 300, 100, 1),
    (4, 300, 100, 3),    # 300 x 100 unit-updates per step: work for 3 threads
    (4, 300, 6, 1),      # too little work per step for a second thread
    (8, 10_000, 5, 2),   # at least 2 series per thread
    (2, 1000, 100, 2),
])
def test_thread_count_respects_the_work_limits(n_jobs, n_units, n_batch, expected):
    esn = ESN(n_units=n_units, n_jobs=n_jobs)
    assert esn._thread_count(n_batch) == expected


@pytest.mark.parametrize(("connectivity", "single_dense", "batch_dense"),
                         [(None, False, False), (0.15, False, True), (0.5, True, True)])
def test_loop_matrix_follows_the_density_crossover(connectivity, single_dense, batch_dense):
    U = np.random.default_rng(1).uniform(-1, 1, (3, 40, 1))
    esn = ESN(n_units=100, connectivity=connectivity, random_state=0).fit(U)
    assert isinstance(esn.loop_matrix(1), np.ndarray) == single_dense
    assert isinstance(esn.loop_matrix(3), np.ndarray) == batch_dense
    # Whichever kernel each path picked, one series and a block give the same states.
    np.testing.assert_allclose(esn.transform(U)[2], esn.transform(U[2]), rtol=1e-12, atol=1e-14)


def test_dense_loop_matrix_is_made_once_per_weight_matrix():
    U = np.random.default_rng(1).uniform(-1, 1, (3, 40, 1))
    esn = ESN(n_units=60, connectivity=0.5, random_state=0).fit(U)
    first = esn.loop_matrix(1)
    esn.transform(U[0])
    assert esn.loop_matrix(1) is first and isinstance(first, np.ndarray)
    esn.W_ = esn.W_ * 0.5  # a new W_ (as analysis rescaling does) is not served stale
    np.testing.assert_allclose(esn.loop_matrix(1), 0.5 * first)


# --- parameter constraints as data ---------------------------------------------------------------
@pytest.mark.parametrize("reservoir_class", ["ESN", "DeepESN", "BidirectionalESN", "LSM"])
def test_every_constructor_parameter_has_constraints(reservoir_class):
    import reservoir

    cls = getattr(reservoir, reservoir_class)
    assert set(cls._parameter_constraints) == set(cls().get_params(deep=False))


@pytest.mark.parametrize("params, message", [
    ({"input_scaling": np.nan}, "input_scaling must be a finite number or a 1-D array-like"),
    ({"input_scaling": [[0.1]]}, "input_scaling must be a finite number or a 1-D array-like"),
    ({"n_connections": 0}, r"n_connections must be in \[1, inf"),
    ({"n_connections": 2.5}, "n_connections must be an integer"),
    ({"weight_distribution": "cauchy"}, "weight_distribution must be one of 'normal', 'uniform'"),
    ({"input_distribution": "normal"}, "input_distribution must be one of 'uniform', 'bernoulli'"),
    ({"spectral_radius": "edgy"}, "spectral_radius must be a number in .* or one of 'edge'"),
    ({"spectral_radius": -1.0}, "spectral_radius must be a number in"),
    ({"n_jobs": 0}, "n_jobs must be"),
    ({"connectivity": 1.5}, "connectivity must be"),
    ({"dtype": "float16"}, "dtype must be one of 'float64', 'float32'"),
    ({"random_state": "seed"}, "random_state must be None, an int"),
])
def test_invalid_parameters_are_refused_before_drawing_weights(params, message):
    from reservoir.exceptions import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="ESN: " + message):
        ESN(n_units=5, **params).fit(np.zeros((10, 1)))


def test_scaled_copy_rescales_recurrent_weights_only():
    u = np.random.default_rng(0).uniform(-1, 1, (50, 1))
    unit = ESN(n_units=20, spectral_radius=1.0, random_state=0).fit(u)
    direct = ESN(n_units=20, spectral_radius=0.6, random_state=0).fit(u)
    scaled = unit.scaled_copy(0.6)
    np.testing.assert_allclose(scaled.W_.toarray(), direct.W_.toarray(), rtol=1e-12)
    np.testing.assert_allclose(scaled.transform(u), direct.transform(u), atol=1e-12)
    assert scaled.W_in_ is unit.W_in_ and scaled.spectral_radius_ == pytest.approx(0.6)
    assert unit.spectral_radius_ == 1.0  # the original is not modified


@pytest.mark.parametrize("activation", ["tanh", "identity"])
def test_jacobian_factors_match_finite_differences(activation):
    rng = np.random.default_rng(1)
    u = rng.uniform(-1, 1, (1, 6, 2))
    esn = ESN(n_units=8, leak_rate=0.7, activation=activation, spectral_radius=0.9,
              random_state=0).fit(u[0])
    start = rng.uniform(-0.5, 0.5, (1, 8))
    states, _ = esn.simulate(u, start)
    keep, gains, W = esn.jacobian_factors(states, start)
    t, h = 3, 1e-6
    previous = states[:, t - 1]
    exact = keep * np.eye(8) + gains[0, t][:, None] * np.asarray(sp.csr_matrix(W).toarray())
    numeric = np.empty((8, 8))
    for j in range(8):
        bumped = previous.copy()
        bumped[0, j] += h
        ahead, _ = esn.simulate(u[:, t:t + 1], bumped)
        base, _ = esn.simulate(u[:, t:t + 1], previous)
        numeric[:, j] = (ahead[0, 0] - base[0, 0]) / h
    np.testing.assert_allclose(exact, numeric, atol=1e-5)


# --- the batched kernel against the update written out --------------------------------------------
def _reference_states(esn, U, start=None):
    """x[t] = (1 - a) x[t-1] + a tanh(W x[t-1] + W_in u[t] + b), one series at a time, dense."""
    W = esn.W_.toarray() if hasattr(esn.W_, "toarray") else np.asarray(esn.W_)
    W, W_in, b = W.astype(np.float64), esn.W_in_.astype(np.float64), esn.bias_.astype(np.float64)
    a = esn.leak_rate
    out = np.empty(U.shape[:2] + (esn.n_units,))
    for i, u in enumerate(U):
        x = np.zeros(esn.n_units) if start is None else start[i]
        for t in range(len(u)):
            x = (1 - a) * x + a * np.tanh(W @ x + W_in @ u[t] + b)
            out[i, t] = x
    return out


@pytest.mark.parametrize("params", [
    {},                                                  # CSR block product
    {"connectivity": 0.5},                               # dense block product
    {"leak_rate": 0.3, "n_jobs": 2},                     # leak, two threads
])
def test_batched_states_equal_the_reference_update(params):
    U = np.random.default_rng(3).uniform(-1, 1, (40, 30, 2))
    esn = ESN(n_units=250, input_scaling=0.5, random_state=0, **params).fit(U)
    start = np.random.default_rng(4).uniform(-0.5, 0.5, (40, 250))
    np.testing.assert_allclose(esn.transform(U, initial_state=start),
                               _reference_states(esn, U, start), rtol=0, atol=1e-12)


def test_float32_states_stay_float32_and_close_to_float64():
    U = np.random.default_rng(3).uniform(-1, 1, (30, 40, 1))
    for batch in (U, U[0]):  # the batched and the single-series loop
        esn32 = ESN(n_units=250, dtype="float32", leak_rate=0.5, state_noise=0.01,
                    random_state=0).fit(U)
        assert esn32.W_.dtype == esn32.W_in_.dtype == esn32.bias_.dtype == np.float32
        noisy = esn32.fit_transform(batch)  # noise drawn and added in float32
        assert noisy.dtype == np.float32 and esn32.final_state_.dtype == np.float32
        states = esn32.transform(batch)
        assert states.dtype == np.float32 and not np.allclose(noisy, states)
        esn64 = ESN(n_units=250, leak_rate=0.5, state_noise=0.01, random_state=0).fit(U)
        np.testing.assert_allclose(states, esn64.transform(batch), rtol=0, atol=1e-5)
