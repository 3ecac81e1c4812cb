"""Tests of reservoir.datasets.

Generators against independent computations, loaders against known values.
"""

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import solve_ivp

from reservoir import datasets
from reservoir.datasets import (
    HENON_LYAPUNOV_EXPONENT,
    LORENZ_LYAPUNOV_EXPONENT,
    MSO_FREQUENCIES,
    henon,
    load_co2,
    load_elnino,
    load_nile,
    load_sunspots,
    logistic_map,
    lorenz,
    mackey_glass,
    memory_task,
    multiple_superimposed_oscillators,
    narma,
    rossler,
)

# -- determinism and argument checks shared by all generators -------------------------------
SEEDED = [
    lambda seed: mackey_glass(300, random_state=seed),
    lambda seed: lorenz(300, random_state=seed),
    lambda seed: rossler(300, random_state=seed),
    lambda seed: henon(300, random_state=seed),
    lambda seed: logistic_map(300, random_state=seed),
    lambda seed: narma(300, order=10, random_state=seed),
    lambda seed: narma(300, order=30, random_state=seed),
    lambda seed: memory_task(300, 5, random_state=seed),
]


def _flat(output):
    """One 1-D array from a generator's output (an array or a tuple of arrays)."""
    parts = output if isinstance(output, tuple) else (output,)
    return np.concatenate([np.ravel(part) for part in parts])


@pytest.mark.parametrize("generate", SEEDED)
def test_same_seed_same_numbers_other_seed_other_numbers(generate):
    first, again, other = (_flat(generate(seed)) for seed in (0, 0, 1))
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


@pytest.mark.parametrize(
    "generate, shape",
    [
        (lambda: mackey_glass(123), (123,)),
        (lambda: lorenz(123), (123, 3)),
        (lambda: rossler(123), (123, 3)),
        (lambda: henon(123), (123, 2)),
        (lambda: logistic_map(123), (123,)),
        (lambda: multiple_superimposed_oscillators(123, 5), (123,)),
    ],
)
def test_shapes_and_dtype(generate, shape):
    series = generate()
    assert series.shape == shape
    assert series.dtype == np.float64
    assert np.all(np.isfinite(series))


@pytest.mark.parametrize(
    "generator", [mackey_glass, lorenz, rossler, henon, logistic_map, narma,
                  multiple_superimposed_oscillators]
)
@pytest.mark.parametrize("bad", [0, -5, 2.5, "10", None, True])
def test_n_steps_must_be_a_positive_integer(generator, bad):
    with pytest.raises(ValueError, match="n_steps"):
        generator(bad)


@pytest.mark.parametrize("generator", [mackey_glass, lorenz, rossler, henon, logistic_map, narma])
def test_discard_must_be_a_non_negative_integer(generator):
    with pytest.raises(ValueError, match="discard"):
        generator(10, discard=-1)


def test_public_names_are_exported():
    for name in datasets.__all__:
        assert hasattr(datasets, name)


# -- Mackey-Glass ---------------------------------------------------------------------------
def test_mackey_glass_integration_is_converged_and_fourth_order():
    coarse, medium, fine = (mackey_glass(300, dt=dt, random_state=3) for dt in (0.1, 0.05, 0.025))
    error_coarse = np.abs(coarse - medium).max()
    error_medium = np.abs(medium - fine).max()
    assert error_coarse < 1e-6
    # RK4 with Hermite-interpolated delay: halving dt divides the error by ~16.
    assert error_coarse / error_medium > 8


def test_mackey_glass_matches_an_independent_euler_integration():
    x = mackey_glass(100, discard=0, random_state=5)  # x[0] is the constant history level
    dt, delay, per_sample = 0.001, 17_000, 1000
    history = x[0]
    path = [history]
    for i in range(100 * per_sample):
        lagged = history if i < delay else path[i - delay]
        path.append(path[i] + dt * (0.2 * lagged / (1 + lagged**10) - 0.1 * path[i]))
    euler = np.asarray(path[: 100 * per_sample : per_sample])
    np.testing.assert_allclose(x, euler, atol=2e-4)


def test_mackey_glass_with_a_delay_of_one_step_matches_a_fine_integration():
    # tau == dt: the delayed interval ends at the current grid point.
    coarse = mackey_glass(40, tau=0.5, dt=0.5, sample_step=0.5, discard=0, random_state=2)
    fine = mackey_glass(40, tau=0.5, dt=0.05, sample_step=0.5, discard=0, random_state=2)
    np.testing.assert_allclose(coarse, fine, atol=1e-4)


def test_mackey_glass_tau17_statistics():
    x = mackey_glass(3000, random_state=0)
    assert 0.2 < x.min() < 0.5
    assert 1.2 < x.max() < 1.4
    assert 0.85 < x.mean() < 1.0
    # Chaotic, not settled on a fixed point or a short cycle.
    assert x[1000:].std() > 0.15
    assert not np.allclose(x[1000:1500], x[1500:2000], atol=0.05)


def test_mackey_glass_sample_step_subsamples_the_same_trajectory():
    every_two = mackey_glass(100, sample_step=2, discard=250, random_state=1)
    every_one = mackey_glass(200, sample_step=1, discard=500, random_state=1)
    np.testing.assert_allclose(every_two, every_one[::2], rtol=1e-12)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"tau": 17.05}, "tau"),
        ({"sample_step": 0.25}, "sample_step"),
        ({"dt": 0}, "dt"),
        ({"x0": -1.0}, "x0"),
        ({"n": 0}, "n must"),
        ({"gamma": -0.1}, "gamma"),
    ],
)
def test_mackey_glass_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        mackey_glass(10, **kwargs)


# -- flows ------------------------------------------------------------------------------------
def _lorenz_rhs(t, s):
    x, y, z = s
    return [10.0 * (y - x), x * (28.0 - z) - y, x * y - 8.0 / 3.0 * z]


def _rossler_rhs(t, s):
    x, y, z = s
    return [-y - z, x + 0.2 * y, 0.2 + z * (x - 5.7)]


def _error_against_reference(generator, rhs, start, dt, duration):
    n_steps = round(duration / dt) + 1
    path = generator(n_steps, dt=dt, initial_state=start, discard=0)
    times = dt * np.arange(n_steps)
    reference = solve_ivp(rhs, (0, duration), start, method="DOP853", t_eval=times,
                          rtol=1e-12, atol=1e-12).y.T
    np.testing.assert_allclose(path[0], start)
    return np.abs(path - reference).max()


@pytest.mark.parametrize(
    "generator, rhs, dt, start",
    [
        (lorenz, _lorenz_rhs, 0.01, (1.0, 2.0, 20.0)),
        (rossler, _rossler_rhs, 0.05, (1.0, -2.0, 0.5)),
    ],
)
def test_flows_converge_to_a_high_order_adaptive_solution(generator, rhs, dt, start):
    duration = 2.0 if generator is lorenz else 10.0  # about two Lyapunov times / one turn
    coarse = _error_against_reference(generator, rhs, start, dt, duration)
    fine = _error_against_reference(generator, rhs, start, dt / 2, duration)
    assert coarse < 2e-3  # default step: accurate to ~1e-4 of the attractor's size
    assert coarse / fine > 12  # fourth-order Runge-Kutta: halving dt divides the error by ~16


def test_lorenz_attractor_statistics():
    x, y, z = lorenz(5000, random_state=0).T
    assert 20 < z.mean() < 27
    assert 15 < np.abs(x).max() < 21
    assert x.min() < -10 and x.max() > 10  # visits both wings


def test_lorenz_lyapunov_constant_matches_the_simulated_divergence_rate():
    # Benettin's method: follow a neighbour at distance d0, renormalize every time unit.
    assert LORENZ_LYAPUNOV_EXPONENT == 0.9056
    state = lorenz(1, random_state=0)[0]
    neighbour = state + np.array([1e-8, 0.0, 0.0])
    d0, log_growth, n_segments = 1e-8, 0.0, 150
    for _ in range(n_segments):
        state = lorenz(2, initial_state=state, discard=99)[-1]
        neighbour = lorenz(2, initial_state=neighbour, discard=99)[-1]
        distance = np.linalg.norm(neighbour - state)
        log_growth += np.log(distance / d0)
        neighbour = state + (neighbour - state) * (d0 / distance)
    assert abs(log_growth / n_segments - LORENZ_LYAPUNOV_EXPONENT) < 0.15


def test_rossler_statistics():
    x, y, z = rossler(4000, random_state=2).T
    assert -11 < x.min() < -7 and 9 < x.max() < 13
    assert z.min() >= 0 and z.max() > 10  # spikes of z: the folding of the attractor


@pytest.mark.parametrize(
    "generate, match",
    [
        (lambda: lorenz(10, sigma="ten"), "sigma"),
        (lambda: lorenz(10, rho=np.nan), "rho"),
        (lambda: rossler(10, c=None), "c must"),
        (lambda: henon(10, a=np.inf), "a must"),
    ],
)
def test_system_parameters_must_be_finite_numbers(generate, match):
    with pytest.raises(ValueError, match=match):
        generate()


def test_flows_reject_bad_initial_state():
    with pytest.raises(ValueError, match="initial_state"):
        lorenz(10, initial_state=[1.0, 2.0])
    with pytest.raises(ValueError, match="initial_state"):
        rossler(10, initial_state=[1.0, np.nan, 0.0])


# -- maps ---------------------------------------------------------------------------------------
def test_henon_follows_its_map_and_stays_on_the_attractor():
    path = henon(2000, random_state=0)
    x, y = path.T
    np.testing.assert_allclose(x[1:], 1 - 1.4 * x[:-1] ** 2 + y[:-1], atol=1e-12)
    np.testing.assert_allclose(y[1:], 0.3 * x[:-1], atol=1e-12)
    assert -1.3 < x.min() < -1.2 and 1.2 < x.max() < 1.3


def test_henon_lyapunov_constant_matches_the_tangent_dynamics():
    # Largest exponent: mean log-growth of a tangent vector under the Jacobian along the orbit.
    assert HENON_LYAPUNOV_EXPONENT == 0.41922
    x = henon(20000, random_state=0)[:, 0]
    vector, log_growth = np.array([1.0, 0.0]), 0.0
    for xt in x:
        vector = np.array([-2.8 * xt * vector[0] + vector[1], 0.3 * vector[0]])
        norm = np.hypot(*vector)
        log_growth += np.log(norm)
        vector /= norm
    assert abs(log_growth / len(x) - HENON_LYAPUNOV_EXPONENT) < 0.02


def test_henon_divergence_is_reported():
    with pytest.raises(ValueError, match="diverged"):
        henon(50, a=3.0, initial_state=(2.0, 0.0))


def test_logistic_map_follows_its_map():
    x = logistic_map(1000, r=3.9, random_state=0)
    np.testing.assert_allclose(x[1:], 3.9 * x[:-1] * (1 - x[:-1]), atol=1e-12)
    assert x.min() >= 0 and x.max() <= 1
    assert logistic_map(3, r=2.0, x0=0.5, discard=0).tolist() == [0.5, 0.5, 0.5]


@pytest.mark.parametrize("kwargs, match", [({"r": 4.5}, "r must"), ({"x0": 1.5}, "x0")])
def test_logistic_map_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        logistic_map(10, **kwargs)


# -- NARMA --------------------------------------------------------------------------------------
def _narma_prediction(u, y, order, a, b, c, d):
    """y[t+1] from the recurrence, computed independently, for t >= order - 1."""
    t = np.arange(order - 1, len(y) - 1)
    window_sums = np.convolve(y, np.ones(order), mode="valid")[: len(t)]
    return t, a * y[t] + b * y[t] * window_sums + c * u[t - order + 1] * u[t] + d


def test_narma10_follows_the_atiya_parlos_recurrence():
    u, y = narma(2000, order=10, random_state=0)
    assert u.shape == y.shape == (2000,)
    assert 0 <= u.min() and u.max() <= 0.5
    t, expected = _narma_prediction(u, y, 10, 0.3, 0.05, 1.5, 0.1)
    np.testing.assert_allclose(y[t + 1], expected, rtol=1e-12)
    assert 0.1 < y.min() and y.max() < 1.2


@pytest.mark.parametrize("order", [20, 30])
def test_high_order_narma_is_the_bounded_tanh_variant(order):
    u, y = narma(3000, order=order, random_state=1)
    t, inner = _narma_prediction(u, y, order, 0.2, 0.04, 1.5, 0.001)
    np.testing.assert_allclose(y[t + 1], np.tanh(inner), rtol=1e-12)
    assert 0 <= y.min() and y.max() < 1
    assert y.std() > 0.05  # not saturated


def test_narma_redraws_a_diverging_input(monkeypatch):
    from reservoir.datasets import tasks

    # Constant u = 0.5 has no fixed point in NARMA-10: the run explodes.
    assert tasks._narma_output(np.full(300, 0.5), 10, False) is None
    calls = []
    real = tasks._narma_output

    def fail_once(u, order, wrapped):
        calls.append(u.copy())
        return None if len(calls) == 1 else real(u, order, wrapped)

    monkeypatch.setattr(tasks, "_narma_output", fail_once)
    u, y = narma(100, random_state=0)
    assert len(calls) == 2
    np.testing.assert_array_equal(u, calls[1][-100:])  # the second draw is returned


@pytest.mark.parametrize("order", [1, 0, 2.5])
def test_narma_rejects_bad_order(order):
    with pytest.raises(ValueError, match="order"):
        narma(100, order=order)


# -- memory task ----------------------------------------------------------------------------------
def test_memory_task_targets_are_delayed_inputs():
    u, Y = memory_task(500, max_delay=7, random_state=0)
    assert u.shape == (500,) and Y.shape == (500, 7)
    for k in range(1, 8):
        np.testing.assert_array_equal(Y[k:, k - 1], u[:-k])
    # The first rows hold the extra draws that precede u, shifted consistently:
    # Y[t, k-1] = u[t-k] = Y[t-1, k-2].
    np.testing.assert_array_equal(Y[1:, 1:], Y[:-1, :-1])
    assert np.all(np.isfinite(Y))
    assert -0.5 <= u.min() and u.max() <= 0.5


def test_memory_task_normal_has_the_variance_of_the_uniform():
    u, _ = memory_task(20000, 1, random_state=0, distribution="normal")
    assert abs(u.var() - 1 / 12) < 0.005
    assert u.min() < -0.5  # unbounded, unlike the uniform


@pytest.mark.parametrize("kwargs, match", [({"max_delay": 0}, "max_delay"),
                                           ({"distribution": "poisson"}, "distribution")])
def test_memory_task_rejects_bad_arguments(kwargs, match):
    args = {"max_delay": 3} | kwargs
    with pytest.raises(ValueError, match=match):
        memory_task(10, **args)


# -- MSO ------------------------------------------------------------------------------------------
def test_mso_is_the_sum_of_the_standard_sines():
    assert MSO_FREQUENCIES == (0.2, 0.311, 0.42, 0.51, 0.63, 0.74, 0.85, 0.97)
    x = multiple_superimposed_oscillators(50, n_sines=3)
    expected = [np.sin(0.2 * t) + np.sin(0.311 * t) + np.sin(0.42 * t) for t in range(50)]
    np.testing.assert_allclose(x, expected, atol=1e-12)
    assert multiple_superimposed_oscillators(10, 1)[0] == 0.0


@pytest.mark.parametrize("n_sines", [0, 9])
def test_mso_rejects_bad_number_of_sines(n_sines):
    with pytest.raises(ValueError, match="n_sines"):
        multiple_superimposed_oscillators(10, n_sines)


# -- real series ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "loader, length, first, last, start, freq_prefix",
    [
        (load_sunspots, 309, 5.0, 2.9, "1700", "Y"),
        (load_nile, 100, 1120.0, 740.0, "1871", "Y"),
        (load_elnino, 732, 23.11, 22.07, "1950-01", "M"),
    ],
)
def test_period_loaders(loader, length, first, last, start, freq_prefix):
    series = loader()
    assert isinstance(series, pd.Series)
    assert isinstance(series.index, pd.PeriodIndex)
    assert series.index.freqstr.startswith(freq_prefix)
    assert len(series) == length and not series.isna().any()
    assert series.iloc[0] == first and series.iloc[-1] == last
    assert series.index[0] == pd.Period(start, freq=series.index.freq)
    assert series.index.is_monotonic_increasing and series.index.is_unique


def test_elnino_is_read_year_by_year_month_by_month():
    series = load_elnino()
    assert series[pd.Period("1950-02", freq="M")] == 24.20
    assert series[pd.Period("1951-01", freq="M")] == 24.19
    assert series.index[-1] == pd.Period("2010-12", freq="M")


def test_co2_is_weekly_regular_and_gap_free():
    series = load_co2()
    assert isinstance(series.index, pd.DatetimeIndex)
    assert series.index.freqstr == "W-SAT"
    assert len(series) == 2284 and not series.isna().any()
    assert series.iloc[0] == 316.1 and series.iloc[-1] == 371.5
    # 1958-05-10 is missing in the raw record: interpolated halfway between its neighbours.
    before, gap, after = series["1958-05-03"], series["1958-05-10"], series["1958-05-17"]
    assert gap == pytest.approx((before + after) / 2)


def test_co2_monthly_resampling_averages_the_weeks():
    weekly, monthly = load_co2(), load_co2(freq="MS")
    assert monthly.index.freqstr == "MS" and not monthly.isna().any()
    assert monthly["1958-04-01"] == pytest.approx(weekly["1958-04"].mean())
    with pytest.raises(ValueError, match="freq"):
        load_co2(freq="not-a-frequency")
