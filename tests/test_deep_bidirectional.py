import pickle

import numpy as np
import pytest
from sklearn.base import clone

from reservoir import (
    ESN,
    BidirectionalESN,
    DeepESN,
    ReservoirForecaster,
    ReservoirRegressor,
)
from reservoir.weights import spectral_radius


@pytest.fixture
def u():
    return np.random.default_rng(0).uniform(-1, 1, (300, 2))


# --- DeepESN -------------------------------------------------------------------------------------
def test_deep_states_are_the_layers_chained(u):
    deep = DeepESN(n_layers=3, layer_params={"n_units": [20, 15, 10],
                                             "leak_rate": [1.0, 0.5, 0.2]},
                   random_state=0).fit(u)
    states = deep.transform(u)
    assert states.shape == (300, 45) and deep.n_features_out_ == 45
    layer_input = u
    for esn, block in zip(deep.layers_, np.split(states, [20, 35], axis=1), strict=True):
        expected = esn.transform(layer_input)  # each layer is a plain ESN on the one below
        np.testing.assert_allclose(block, expected, rtol=1e-12, atol=1e-12)
        layer_input = expected


def test_deep_per_layer_and_shared_parameters(u):
    template = ESN(n_units=30, leak_rate=0.4, topology="ring")
    deep = DeepESN(template, n_layers=2, layer_params={"spectral_radius": [0.5, 1.1],
                                                       "input_scaling": [2.0, 0.5]},
                   random_state=1).fit(u)
    first, second = deep.layers_
    assert spectral_radius(first.W_) == pytest.approx(0.5, rel=1e-6)
    assert spectral_radius(second.W_) == pytest.approx(1.1, rel=1e-6)
    assert (first.leak_rate, second.leak_rate) == (0.4, 0.4)
    assert first.W_in_.shape == (30, 2) and second.W_in_.shape == (30, 30)
    assert np.abs(first.W_in_).max() <= 2.0 and np.abs(second.W_in_).max() <= 0.5
    assert first.topology == second.topology == "ring"
    assert not np.allclose(first.W_in_[:, 0], second.W_in_[:, 0])  # layers drawn independently
    assert template.random_state is None and template.get_params()["spectral_radius"] == 1.0


def test_deep_layer_template_is_a_nested_parameter(u):
    deep = DeepESN(ESN(n_units=10), n_layers=3, random_state=0)
    assert deep.get_params()["reservoir__leak_rate"] == 1.0
    deep.set_params(reservoir__leak_rate=0.3, reservoir__n_units=7).fit(u)
    assert [layer.leak_rate for layer in deep.layers_] == [0.3, 0.3, 0.3]
    assert deep.n_features_out_ == 21
    # The default template is an ESN with its defaults.
    default = DeepESN(random_state=0).fit(u)
    assert [layer.n_units for layer in default.layers_] == [100, 100]
    assert all(type(layer) is ESN for layer in default.layers_)


def test_deep_same_seed_same_numbers_and_continuation(u):
    a = DeepESN(ESN(n_units=10, state_noise=0.01), random_state=3).fit(u)
    b = DeepESN(ESN(n_units=10, state_noise=0.01), random_state=3).fit(u)
    np.testing.assert_array_equal(a.transform(u), b.transform(u))
    quiet = DeepESN(ESN(n_units=10), random_state=3).fit(u)
    whole, final = quiet.run(u)
    first, middle = quiet.run(u[:100])
    second, _ = quiet.run(u[100:], initial_state=middle)
    np.testing.assert_allclose(np.vstack([first, second]), whole, atol=1e-12)
    assert final.shape == (20,)


def test_deep_parameter_errors(u):
    with pytest.raises(ValueError, match=r"layer_params\['spectral_radius'\] must hold one "
                                         r"value per layer \(n_layers=3\); got 2"):
        DeepESN(n_layers=3, layer_params={"spectral_radius": [0.9, 0.8]}).fit(u)
    with pytest.raises(ValueError, match="layer 1 of DeepESN: ESN: leak_rate must be in"):
        DeepESN(n_layers=2, layer_params={"leak_rate": [0.5, 1.5]}).fit(u)
    with pytest.raises(ValueError, match="DeepESN: n_layers must be in"):
        DeepESN(n_layers=0).fit(u)
    with pytest.raises(ValueError, match="'spectral_radios', which is not a parameter of"):
        DeepESN(layer_params={"spectral_radios": [1.0, 1.0]}).fit(u)
    with pytest.raises(ValueError, match="may not set 'state_noise'"):
        DeepESN(layer_params={"state_noise": [0.0, 0.1]}).fit(u)
    with pytest.raises(TypeError, match="DeepESN: reservoir must be None or a reservoir"):
        DeepESN(reservoir="esn").fit(u)


# --- BidirectionalESN ----------------------------------------------------------------------------
def test_bidirectional_time_alignment_reads_the_series_both_ways(u):
    esn = ESN(n_units=12, random_state=0)
    bi = BidirectionalESN(esn).fit(u)
    states = bi.transform(u)
    forward = clone(esn).fit(u)
    assert bi.backward_ is bi.forward_
    np.testing.assert_allclose(states[:, :12], forward.transform(u), atol=1e-12)
    np.testing.assert_allclose(states[:, 12:], forward.transform(u[::-1])[::-1], atol=1e-12)


def test_bidirectional_reading_alignment_and_final_state(u):
    esn = ESN(n_units=12, random_state=0)
    bi = BidirectionalESN(esn, alignment="reading").fit(u)
    states, final = bi.run(u)
    backward = clone(esn).fit(u).transform(u[::-1])
    np.testing.assert_allclose(states[:, 12:], backward, atol=1e-12)
    # The last row has read the whole series in both directions; so has the final state.
    np.testing.assert_allclose(final, states[-1], atol=1e-12)


def test_bidirectional_independent_weights_are_seeded(u):
    def make(seed):
        return BidirectionalESN(ESN(n_units=8, random_state=0), share_weights=False,
                                random_state=seed).fit(u)

    a, b, other = make(5), make(5), make(6)
    assert a.backward_ is not a.forward_
    assert not np.allclose(a.forward_.W_in_, a.backward_.W_in_)
    np.testing.assert_array_equal(a.transform(u), b.transform(u))
    # The forward reservoir keeps its own seed; random_state draws the backward one.
    np.testing.assert_array_equal(a.forward_.W_in_, other.forward_.W_in_)
    assert not np.allclose(a.backward_.W_in_, other.backward_.W_in_)


def test_bidirectional_composes_with_any_reservoir_and_nested_params(u):
    deep = DeepESN(ESN(n_units=5), layer_params={"n_units": [6, 4]}, random_state=0)
    bi = BidirectionalESN(deep).fit(u)
    assert bi.transform(u).shape == (300, 20)
    bi.set_params(reservoir__layer_params={"n_units": [3, 3]}).fit(u)
    assert bi.n_features_out_ == 12
    bi.set_params(reservoir__layer_params=None, reservoir__reservoir__n_units=2).fit(u)
    assert bi.n_features_out_ == 8
    with pytest.raises(TypeError, match="reservoir must be None or a reservoir"):
        BidirectionalESN(reservoir="esn").fit(u)
    with pytest.raises(ValueError, match="alignment"):
        BidirectionalESN(alignment="backwards").fit(u)


def test_bidirectional_is_not_causal_and_forecasters_refuse_it(u):
    assert BidirectionalESN.causal is False and DeepESN.causal is True
    with pytest.raises(ValueError, match="causal"):
        ReservoirForecaster(BidirectionalESN(ESN(n_units=5)), washout=5).fit(u[:, 0])


def test_bidirectional_regressor_sees_the_future():
    # Target: the input 3 steps ahead. Only a reservoir that reads the future can know it.
    rng = np.random.default_rng(4)
    u = rng.uniform(-1, 1, 1200)
    y = np.roll(u, -3)
    train, test = slice(0, 800), slice(800, 1197)
    esn = ESN(n_units=60, spectral_radius=0.5, random_state=0)
    uni = ReservoirRegressor(esn, washout=20).fit(u[train], y[train])
    bi = ReservoirRegressor(BidirectionalESN(esn), washout=20).fit(u[train], y[train])
    assert uni.score(u[test], y[test]) < 0.2
    assert bi.score(u[test], y[test]) > 0.9


@pytest.mark.parametrize("reservoir", [
    DeepESN(ESN(n_units=8), layer_params={"n_units": [8, 6]}, random_state=0),
    BidirectionalESN(ESN(n_units=8, random_state=0), share_weights=False, random_state=0),
], ids=["deep", "bidirectional"])
def test_pickle_round_trip(reservoir, u):
    fitted = reservoir.fit(u)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.transform(u), fitted.transform(u))


def test_regressor_with_bidirectional_reservoir_does_not_split_series(monkeypatch):
    import reservoir.estimators as estimators_module

    rng = np.random.default_rng(5)
    u = rng.uniform(-1, 1, 300)
    y = np.roll(u, -2)
    reservoir = BidirectionalESN(ESN(n_units=20, random_state=0))
    whole = ReservoirRegressor(reservoir, washout=10).fit(u, y).predict(u)
    monkeypatch.setattr(estimators_module, "STATE_BLOCK_STEPS", 64)
    blocked = ReservoirRegressor(reservoir, washout=10).fit(u, y).predict(u)
    np.testing.assert_allclose(blocked, whole, atol=1e-8)
