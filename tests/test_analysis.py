import warnings

import numpy as np
import pytest
from sklearn.base import clone

from reservoir import ESN, ReservoirForecaster, ReservoirRegressor
from reservoir.analysis import (
    EchoStateResult,
    echo_state_property,
    edge_of_stability,
    lyapunov_exponent,
    scale_to_edge,
    stability_sweep,
)
from reservoir.base import BaseReservoir
from reservoir.datasets import mackey_glass
from reservoir.weights import effective_spectral_radius, spectral_radius


@pytest.fixture(scope="module")
def noise_input():
    return np.random.default_rng(0).uniform(-1, 1, 700)


@pytest.fixture(scope="module")
def mg():
    return mackey_glass(700, random_state=0)


@pytest.fixture
def global_numpy_seed():
    """Seed numpy's global RandomState, what ``random_state=None`` draws from; restore it after."""
    saved = np.random.get_state()  # noqa: NPY002 - the legacy global state is the point here
    np.random.seed(0)  # noqa: NPY002
    yield
    np.random.set_state(saved)  # noqa: NPY002


class DiagonalReservoir(BaseReservoir):
    """A linear reservoir x[t] = diag(decay) x[t-1] + u[t]; exponent log(max |decay|).

    Not an ESN: exercises the generic perturbation method through the contract.
    """

    def __init__(self, decay=(0.5, -0.8, 0.3), random_state=None):
        self.decay = decay
        self.random_state = random_state

    def _check_params(self):
        pass

    def _initialize(self, n_features, rng):
        self.decay_ = np.asarray(self.decay, dtype=float)
        self.n_features_out_ = len(self.decay_)

    def _state_size(self):
        return len(self.decay_)

    def simulate(self, inputs, state, rng=None):
        out = np.empty((inputs.shape[0], inputs.shape[1], len(self.decay_)))
        x = np.array(state, dtype=float)
        for t in range(inputs.shape[1]):
            x = self.decay_ * x + inputs[:, t, :1]
            out[:, t] = x
        return out, x


# --- lyapunov_exponent: known answers -------------------------------------------------------
@pytest.mark.parametrize("method", ["jacobian", "perturbation"])
@pytest.mark.parametrize("radius", [0.5, 0.95])
def test_linear_reservoir_exponent_is_log_spectral_radius(noise_input, method, radius):
    esn = ESN(n_units=40, spectral_radius=radius, activation="identity", random_state=0)
    esn.fit(noise_input)
    exponent = lyapunov_exponent(esn, noise_input, method=method, washout=200, random_state=0)
    assert exponent == pytest.approx(np.log(spectral_radius(esn.W_)), abs=2e-3)


def test_leaky_linear_reservoir_exponent_is_log_effective_radius(noise_input):
    esn = ESN(n_units=40, spectral_radius=0.9, leak_rate=0.3, activation="identity",
              random_state=1).fit(noise_input)
    expected = np.log(effective_spectral_radius(esn.W_, 0.3))
    assert lyapunov_exponent(esn, noise_input, washout=200) == pytest.approx(expected, abs=2e-3)


def test_state_noise_does_not_change_a_linear_reservoirs_exponent(noise_input):
    # Both trajectories see the same noise, so it cancels in their difference.
    esn = ESN(n_units=30, spectral_radius=0.7, activation="identity", state_noise=0.3,
              random_state=0).fit(noise_input)
    expected = np.log(spectral_radius(esn.W_))
    for method in ("jacobian", "perturbation"):
        exponent = lyapunov_exponent(esn, noise_input[:400], method=method, washout=100)
        assert exponent == pytest.approx(expected, abs=3e-3)


def test_jacobian_and_perturbation_methods_agree_on_tanh_reservoir(mg):
    esn = ESN(n_units=40, spectral_radius=1.8, leak_rate=0.5, random_state=3).fit(mg)
    exact = lyapunov_exponent(esn, mg[:400], method="jacobian", random_state=0)
    finite = lyapunov_exponent(esn, mg[:400], method="perturbation", random_state=0)
    assert finite == pytest.approx(exact, abs=1e-6)


class ChosenDirections(np.random.RandomState):
    """A RandomState whose normal draws are given rows: the initial tangent directions."""

    def __init__(self, directions):
        super().__init__(0)
        self.directions = np.asarray(directions, dtype=float)
        self.calls = 0

    def standard_normal(self, size=None):
        self.calls += 1
        assert tuple(size) == self.directions.shape
        return self.directions.copy()


def finite_difference_jacobian(esn, u_t, x_previous, h=1e-6):
    """d x[t] / d x[t-1] by central differences of one public ``simulate`` step, (N, N)."""
    n = esn.n_units
    starts = np.concatenate([x_previous + h * np.eye(n), x_previous - h * np.eye(n)])
    _, ends = esn.simulate(np.repeat(u_t[None, None, :], 2 * n, axis=0), starts)
    return (ends[:n] - ends[n:]).T / (2 * h)


@pytest.mark.parametrize("leak_rate", [1.0, 0.4])
def test_jacobian_exponent_equals_finite_difference_tangent_propagation(mg, leak_rate):
    # Independent of the code's tangent map: the Jacobian of each step is measured by
    # finite differences of the update itself, a chosen direction is carried through these
    # matrices, and the mean log growth is compared with the code's exponent (washout 0).
    # Reading the derivative off the wrong quantity, dropping the leak from the gains or the
    # (1 - a) I term, or applying W transposed all change the result by 1e-4 or more.
    esn = ESN(n_units=20, spectral_radius=1.5, leak_rate=leak_rate, input_scaling=0.5,
              random_state=3).fit(mg)
    U = np.stack([mg[:40], mg[200:240]])[:, :, None]
    directions = np.random.default_rng(1).standard_normal((2, 20))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    logs = []
    for u, v in zip(U, directions, strict=True):
        states, _ = esn.run(u)
        previous = np.vstack([np.zeros(20), states[:-1]])
        for t in range(len(u)):
            v = finite_difference_jacobian(esn, u[t], previous[t]) @ v
            logs.append(np.log(np.linalg.norm(v)))
            v /= np.linalg.norm(v)
    chosen = ChosenDirections(directions)
    exponent = lyapunov_exponent(esn, U, method="jacobian", washout=0, random_state=chosen)
    assert chosen.calls == 1
    assert exponent == pytest.approx(np.mean(logs), abs=1e-8)  # measured: 1e-11 apart


def test_generic_reservoir_uses_perturbation_method(noise_input):
    reservoir = DiagonalReservoir(decay=(0.5, -0.8, 0.3))
    exponent = lyapunov_exponent(reservoir, noise_input[:300], washout=50, random_state=0)
    assert exponent == pytest.approx(np.log(0.8), abs=1e-6)
    with pytest.raises(ValueError, match="needs a reservoir that offers its Jacobian"):
        lyapunov_exponent(reservoir, noise_input[:300], method="jacobian")


def test_state_components_restrict_the_perturbation(noise_input):
    reservoir = DiagonalReservoir(decay=(0.5, -0.8, 0.3))
    exponent = lyapunov_exponent(reservoir, noise_input[:300], washout=50,
                                 state_components=[0, 2])
    assert exponent == pytest.approx(np.log(0.5), abs=1e-6)
    with pytest.raises(ValueError, match="state_components"):
        lyapunov_exponent(reservoir, noise_input[:300], state_components=slice(3, 3))
    with pytest.raises(ValueError, match="state_components"):
        lyapunov_exponent(reservoir, noise_input[:300], state_components=[7])
    with pytest.raises(ValueError, match="perturbation"):
        lyapunov_exponent(ESN(n_units=5), noise_input[:300], state_components=[0])


def test_exponent_averages_over_several_series(noise_input):
    esn = ESN(n_units=20, spectral_radius=0.6, activation="identity", random_state=0)
    series = [noise_input[:300], noise_input[300:500], noise_input[500:700]]
    exponent = lyapunov_exponent(esn, series, washout=50)
    assert exponent == pytest.approx(np.log(spectral_radius(clone(esn).fit(series).W_)),
                                     abs=3e-3)


def test_exponent_sign_follows_stability(noise_input):
    stable = ESN(n_units=40, spectral_radius=0.5, input_scaling=0.1, random_state=0)
    chaotic = ESN(n_units=40, spectral_radius=3.0, input_scaling=0.1, random_state=0)
    assert lyapunov_exponent(stable, noise_input) < -0.3
    assert lyapunov_exponent(chaotic, noise_input) > 0.05


def test_memoryless_reservoir_has_exponent_minus_infinity(noise_input):
    esn = ESN(n_units=10, spectral_radius=0.0, random_state=0)
    assert lyapunov_exponent(esn, noise_input[:100]) == -np.inf


def test_diverging_linear_reservoir_reports_infinity():
    u = np.ones(2000)
    esn = ESN(n_units=10, spectral_radius=1.5, activation="identity", random_state=0)
    with pytest.warns(RuntimeWarning, match="overflowed"):
        assert lyapunov_exponent(esn, u) == np.inf


def test_lyapunov_exponent_does_not_modify_the_reservoir(noise_input):
    unfitted = ESN(n_units=10, random_state=0)
    lyapunov_exponent(unfitted, noise_input[:100])
    assert not hasattr(unfitted, "W_")
    fitted = ESN(n_units=10, random_state=0).fit(noise_input)
    W = fitted.W_.copy()
    lyapunov_exponent(fitted, noise_input[:100])
    assert (fitted.W_ != W).nnz == 0
    assert not hasattr(fitted, "final_state_")


def test_lyapunov_exponent_is_reproducible(mg):
    esn = ESN(n_units=30, spectral_radius=1.5, random_state=0)
    assert lyapunov_exponent(esn, mg, random_state=4) == lyapunov_exponent(esn, mg, random_state=4)


def test_lyapunov_exponent_bad_input(noise_input):
    esn = ESN(n_units=10, random_state=0)
    with pytest.raises(ValueError, match="method"):
        lyapunov_exponent(esn, noise_input, method="qr")
    with pytest.raises(ValueError, match="washout"):
        lyapunov_exponent(esn, noise_input[:50], washout=50)
    with pytest.raises(ValueError, match="perturbation"):
        lyapunov_exponent(esn, noise_input, method="perturbation", perturbation=0.0)
    with pytest.raises(ValueError, match="features"):
        lyapunov_exponent(clone(esn).fit(noise_input), np.ones((50, 2)))
    with pytest.raises(TypeError, match="reservoir"):
        lyapunov_exponent(ReservoirRegressor(), noise_input)


# --- echo_state_property --------------------------------------------------------------------
def test_contracting_reservoir_has_echo_state_property(noise_input):
    esn = ESN(n_units=40, spectral_radius=0.5, input_scaling=0.1, random_state=0)
    result = echo_state_property(esn, noise_input[:300], random_state=0)
    assert isinstance(result, EchoStateResult)
    assert result.converged
    assert result.steps_to_converge is not None and result.steps_to_converge < 60
    assert result.final_distance <= result.threshold
    assert np.all(result.distances[result.steps_to_converge - 1:] <= result.threshold)
    assert result.distances[result.steps_to_converge - 2] > result.threshold
    # Differences shrink at about the rate given by the Lyapunov exponent: -0.712 against
    # -0.704 here (0.008 apart; 0.011 to 0.029 for reservoir seeds 1-3), about 2.5x margin.
    exponent = lyapunov_exponent(esn, noise_input[:300], random_state=0)
    assert result.convergence_rate == pytest.approx(exponent, abs=0.02)


def test_expanding_reservoir_lacks_echo_state_property(noise_input):
    esn = ESN(n_units=40, spectral_radius=3.0, input_scaling=0.1, random_state=0)
    result = echo_state_property(esn, noise_input[:300], random_state=0)
    assert not result.converged
    assert result.steps_to_converge is None
    assert result.final_distance > 1.0
    assert abs(result.convergence_rate) < 0.01


def test_echo_state_property_with_state_noise(noise_input):
    # All trajectories receive the same noise, so a contracting reservoir still converges.
    esn = ESN(n_units=30, spectral_radius=0.6, state_noise=0.1, random_state=0)
    assert echo_state_property(esn, noise_input[:300], random_state=0).converged


def test_echo_state_property_distances_match_direct_runs(noise_input):
    esn = ESN(n_units=20, spectral_radius=0.9, random_state=0).fit(noise_input)
    result = echo_state_property(esn, noise_input[:50], n_initial_states=2, random_state=7)
    starts = np.random.RandomState(7).uniform(-1, 1, (2, 20))
    first, _ = esn.run(noise_input[:50], initial_state=starts[0])
    second, _ = esn.run(noise_input[:50], initial_state=starts[1])
    np.testing.assert_allclose(result.distances, np.linalg.norm(first - second, axis=1),
                               rtol=1e-12)


def test_echo_state_property_bad_input(noise_input):
    esn = ESN(n_units=10, random_state=0)
    with pytest.raises(ValueError, match="one series"):
        echo_state_property(esn, [noise_input[:50], noise_input[:60]])
    with pytest.raises(ValueError, match="n_initial_states"):
        echo_state_property(esn, noise_input, n_initial_states=1)
    with pytest.raises(ValueError, match="tol"):
        echo_state_property(esn, noise_input, tol=2.0)


# --- edge of stability ----------------------------------------------------------------------
def test_edge_of_stability_on_mackey_glass_hits_the_target(mg):
    esn = ESN(n_units=50, random_state=0)
    edge, exponent = edge_of_stability(esn, mg, target=-0.01, return_exponent=True)
    assert isinstance(edge, ESN)
    assert abs(exponent + 0.01) <= 2e-3
    # Measured independently (another perturbation direction, a refit from parameters):
    refitted = clone(edge).fit(mg)
    assert abs(lyapunov_exponent(refitted, mg, random_state=123) + 0.01) <= 0.01
    assert spectral_radius(refitted.W_) == pytest.approx(edge.spectral_radius, rel=1e-9)
    assert esn.spectral_radius == ESN().spectral_radius and not hasattr(esn, "W_")  # untouched


def test_edge_of_stability_is_deterministic_with_unseeded_reservoir(mg, global_numpy_seed):
    seeded = edge_of_stability(ESN(n_units=30, random_state=5), mg[:400])
    again = edge_of_stability(ESN(n_units=30, random_state=5), mg[:400])
    assert seeded.spectral_radius == again.spectral_radius
    # random_state=None draws the reservoir's seed from numpy's global RandomState, seeded
    # by the fixture: for some draws (3 of the first 40 global seeds) this 30-unit reservoir
    # never reaches the target under this input (ValueError), for others (2 of 40) the search
    # warns that it missed its tolerance. Global seed 0 draws 209652396, which reaches it.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        unseeded, exponent = edge_of_stability(ESN(n_units=30), mg[:400], return_exponent=True)
    assert isinstance(unseeded.random_state, int)
    assert abs(exponent + 0.01) <= 2e-3
    np.testing.assert_allclose(clone(unseeded).fit(mg[:400]).W_.toarray(),
                               unseeded.W_.toarray(), rtol=1e-12)


def test_edge_of_stability_for_generic_reservoir(noise_input):
    # A reservoir with a spectral_radius parameter but no Jacobian: refitted per radius.
    class ScaledDiagonal(DiagonalReservoir):
        def __init__(self, spectral_radius=1.0, random_state=None):
            self.spectral_radius = spectral_radius
            self.random_state = random_state

        def _initialize(self, n_features, rng):
            self.decay_ = self.spectral_radius * np.array([0.5, 1.0])
            self.n_features_out_ = 2

    edge = edge_of_stability(ScaledDiagonal(), noise_input[:300], target=-0.1, tol=1e-4)
    assert edge.spectral_radius == pytest.approx(np.exp(-0.1), abs=2e-4)


def test_edge_of_stability_explains_unreachable_targets(mg):
    slow = ESN(n_units=20, leak_rate=0.005, random_state=0)  # exponent >= log(0.995) at radius 0
    with pytest.raises(ValueError, match="already"):
        edge_of_stability(slow, mg[:300])
    with pytest.raises(ValueError, match="max_radius"):
        edge_of_stability(ESN(n_units=20, random_state=0), mg[:300], max_radius=1.0)
    with pytest.raises(ValueError, match="bracket"):
        edge_of_stability(ESN(n_units=20, random_state=0), mg[:300], bracket=(1.0, 0.5))


def test_scale_to_edge_rescales_in_place_like_edge_of_stability(mg):
    esn = ESN(n_units=30, spectral_radius=1.0, random_state=2).fit(mg[:400])
    radius = scale_to_edge(esn, mg[:400])
    assert spectral_radius(esn.W_) == pytest.approx(radius, rel=1e-9)
    expected = edge_of_stability(ESN(n_units=30, random_state=2), mg[:400])
    assert radius == pytest.approx(expected.spectral_radius, rel=1e-12)


# --- stability sweep ------------------------------------------------------------------------
def test_stability_sweep_exponent_increases_and_crosses_zero(mg):
    # (Small reservoirs can be non-monotonic: with 40 units and seed 0 the exponent
    # falls again at radius 3.5 as the units saturate.)
    model = ReservoirForecaster(ESN(n_units=60, random_state=0), washout=50)
    radii = [0.5, 1.0, 1.5, 2.5, 3.5]
    table = stability_sweep(model, None, mg, radii,
                            memory_capacity_kwargs={"max_delay": 40, "n_steps": 800},
                            random_state=0)
    assert list(table.columns) == ["spectral_radius", "lyapunov_exponent", "memory_capacity",
                                   "train_nrmse", "validation_nrmse"]
    assert table["spectral_radius"].tolist() == radii
    exponents = table["lyapunov_exponent"].to_numpy()
    assert np.all(np.diff(exponents) > 0)
    assert exponents[0] < 0 < exponents[-1]
    assert np.all((table["memory_capacity"] > 0) & (table["memory_capacity"] <= 60))
    assert np.all(np.isfinite(table["validation_nrmse"]))


def test_stability_sweep_rows_match_direct_computations(noise_input):
    target = np.roll(noise_input, 2)
    model = ReservoirRegressor(ESN(n_units=20, random_state=0), washout=20)
    table = stability_sweep(model, noise_input, target, [0.8], validation=100,
                            memory_capacity_kwargs=False)
    fitted = clone(model).set_params(reservoir__spectral_radius=0.8).fit(
        noise_input[:600], target[:600])
    predicted = fitted.predict(noise_input)[600:]
    residual = np.sqrt(np.mean((predicted - target[600:]) ** 2)) / target[600:].std()
    assert table["validation_nrmse"].iloc[0] == pytest.approx(residual, rel=1e-10)
    assert np.isnan(table["memory_capacity"].iloc[0])
    assert table["lyapunov_exponent"].iloc[0] == pytest.approx(
        lyapunov_exponent(fitted.reservoir_, noise_input[:600], random_state=0), rel=1e-12)


def test_stability_sweep_bad_input(noise_input):
    with pytest.raises(ValueError, match="spectral_radius"):
        stability_sweep(ReservoirRegressor(), noise_input, noise_input, [0.9])
    model = ReservoirRegressor(ESN(n_units=10, random_state=0))
    with pytest.raises(ValueError, match="spectral_radii"):
        stability_sweep(model, noise_input, noise_input, [-1.0])
    with pytest.raises(ValueError, match="validation"):
        stability_sweep(model, noise_input, noise_input, [0.9], validation=1.5)


def test_analysis_functions_emit_no_warnings_on_ordinary_input(mg):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lyapunov_exponent(ESN(n_units=10, random_state=0), mg[:200])
        echo_state_property(ESN(n_units=10, random_state=0), mg[:200], random_state=0)
