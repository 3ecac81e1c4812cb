"""Tests of reservoir.metrics against hand computations, scikit-learn and known answers."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.metrics import root_mean_squared_error

from reservoir import ESN
from reservoir.datasets import LORENZ_LYAPUNOV_EXPONENT
from reservoir.metrics import memory_capacity, nrmse, rmse, valid_prediction_time

RNG = np.random.RandomState(0)
Y_TRUE = RNG.normal(size=(50, 3)) * [1.0, 5.0, 0.1] + [0.0, 10.0, -2.0]
Y_PRED = Y_TRUE + RNG.normal(scale=0.3, size=(50, 3))


# -- RMSE / NRMSE --------------------------------------------------------------------------------
def test_a_list_of_numpy_scalars_is_one_series_like_a_list_of_floats():
    values = np.array([0.0, 1.0, 3.0])
    assert rmse(list(values), [1.0, 1.0, 1.0]) == rmse(values.tolist(), [1.0, 1.0, 1.0])
    assert rmse(list(values), [1.0, 1.0, 1.0]) == pytest.approx(np.sqrt(5 / 3))


def test_rmse_known_value_and_agreement_with_scikit_learn():
    assert rmse([0.0, 0.0, 0.0, 0.0], [1.0, -1.0, 1.0, -1.0]) == 1.0
    assert rmse([1.0, 2.0], [1.0, 2.0]) == 0.0
    np.testing.assert_allclose(
        rmse(Y_TRUE, Y_PRED, multioutput="raw_values"),
        root_mean_squared_error(Y_TRUE, Y_PRED, multioutput="raw_values"),
    )
    assert rmse(Y_TRUE, Y_PRED) == pytest.approx(root_mean_squared_error(Y_TRUE, Y_PRED))


def test_multioutput_weights():
    raw = rmse(Y_TRUE, Y_PRED, multioutput="raw_values")
    assert rmse(Y_TRUE, Y_PRED, multioutput=[1, 0, 3]) == pytest.approx((raw[0] + 3 * raw[2]) / 4)


@pytest.mark.parametrize(
    "normalization, scale",
    [
        ("std", Y_TRUE.std(axis=0)),
        ("range", Y_TRUE.max(axis=0) - Y_TRUE.min(axis=0)),
        ("mean", np.abs(Y_TRUE.mean(axis=0))),
    ],
)
def test_nrmse_is_rmse_over_the_chosen_scale(normalization, scale):
    per_output = np.sqrt(((Y_TRUE - Y_PRED) ** 2).mean(axis=0)) / scale
    raw = nrmse(Y_TRUE, Y_PRED, normalization=normalization, multioutput="raw_values")
    np.testing.assert_allclose(raw, per_output)
    assert nrmse(Y_TRUE, Y_PRED, normalization=normalization) == pytest.approx(per_output.mean())


def test_nrmse_of_the_mean_predictor_is_one_and_scale_free():
    y = np.sin(np.arange(200) * 0.1)
    assert nrmse(y, np.full_like(y, y.mean())) == pytest.approx(1.0)
    noisy = y + 0.05 * np.cos(np.arange(200))
    assert nrmse(1000 * y + 7, 1000 * noisy + 7) == pytest.approx(nrmse(y, noisy))


def test_one_d_column_and_pandas_inputs_agree():
    y, p = Y_TRUE[:, 1], Y_PRED[:, 1]
    expected = nrmse(y, p)
    assert nrmse(y[:, None], p[:, None]) == pytest.approx(expected)
    assert nrmse(y, p[:, None]) == pytest.approx(expected)
    index = pd.date_range("2000-01-01", periods=len(y), freq="D")
    assert nrmse(pd.Series(y, index=index), pd.Series(p)) == pytest.approx(expected)
    frame_true, frame_pred = pd.DataFrame(Y_TRUE), pd.DataFrame(Y_PRED, columns=list("abc"))
    assert rmse(frame_true, frame_pred) == pytest.approx(rmse(Y_TRUE, Y_PRED))


def test_shape_mismatch_names_both_arguments():
    message = r"y_true has shape \(50, 3\) but y_pred has shape \(49, 3\)"
    with pytest.raises(ValueError, match=message):
        rmse(Y_TRUE, Y_PRED[:-1])
    with pytest.raises(ValueError, match="y_true.*y_pred"):
        nrmse(Y_TRUE[:, 0], Y_PRED[:, :2])


@pytest.mark.parametrize("metric", [rmse, nrmse, valid_prediction_time])
def test_nan_and_infinity_are_rejected(metric):
    bad = Y_PRED.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="y_pred"):
        metric(Y_TRUE, bad)
    bad[3, 1] = np.inf
    with pytest.raises(ValueError, match="y_pred"):
        metric(Y_TRUE, bad)
    with pytest.raises(ValueError, match="y_true"):
        metric(bad, Y_TRUE)


def test_bad_options_and_undefined_scales_raise():
    with pytest.raises(ValueError, match="normalization"):
        nrmse(Y_TRUE, Y_PRED, normalization="iqr")
    with pytest.raises(ValueError, match="multioutput"):
        rmse(Y_TRUE, Y_PRED, multioutput="variance_weighted")
    with pytest.raises(ValueError, match="multioutput"):
        rmse(Y_TRUE, Y_PRED, multioutput=[1.0, 2.0])
    with pytest.raises(ValueError, match="zero 'std' scale"):
        nrmse(np.ones(10), np.zeros(10))
    with pytest.raises(ValueError, match="one series"):
        rmse([Y_TRUE, Y_TRUE], [Y_PRED, Y_PRED])


# -- valid prediction time ---------------------------------------------------------------------
def _hand_vpt(y_true, y_pred, threshold):
    """First step where the std-normalized error exceeds the threshold, by an explicit loop."""
    sigma = y_true.std(axis=0)
    for t in range(len(y_true)):
        if np.sqrt(np.mean(((y_true[t] - y_pred[t]) / sigma) ** 2)) > threshold:
            return t
    return len(y_true)


def test_vpt_counts_the_steps_before_the_first_exceedance():
    y = np.sin(np.arange(100) * 0.3)
    forecast = y.copy()
    forecast[40:] += 1.0  # 1 / std(y) ~ 1.4 > 0.4 from step 40 on
    assert valid_prediction_time(y, forecast) == 40.0
    assert valid_prediction_time(y, forecast, dt=0.5) == 20.0
    assert valid_prediction_time(y, y) == 100.0  # never exceeds: the whole length


def test_vpt_matches_an_explicit_loop_on_a_growing_error():
    truth = np.column_stack([np.sin(np.arange(300) * 0.05), 3 * np.cos(np.arange(300) * 0.07)])
    growth = 1e-3 * np.exp(np.arange(300) / 40.0)
    forecast = truth + growth[:, None] * [1.0, -2.0]
    for threshold in (0.1, 0.4, 1.0):
        expected = _hand_vpt(truth, forecast, threshold)
        assert 0 < expected < 300
        assert valid_prediction_time(truth, forecast, threshold=threshold) == expected


def test_vpt_in_lyapunov_times():
    y = np.sin(np.arange(100) * 0.3)
    forecast = y.copy()
    forecast[40:] += 1.0
    result = valid_prediction_time(y, forecast, dt=0.01, lyapunov_exponent=LORENZ_LYAPUNOV_EXPONENT)
    assert result == pytest.approx(40 * 0.01 * 0.9056)


def test_vpt_rms_normalization_is_pathaks_error():
    truth = np.column_stack([np.full(10, 3.0), np.arange(10.0)])
    forecast = truth.copy()
    forecast[6:, 0] += 2.0
    rms = np.sqrt(np.mean(np.sum(truth**2, axis=1)))
    assert 2.0 / rms > 0.2  # so the error at step 6 crosses a threshold of 0.2
    assert valid_prediction_time(truth, forecast, threshold=0.2, normalization="rms") == 6.0
    assert valid_prediction_time(truth, forecast, threshold=2.1 / rms, normalization="rms") == 10.0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"threshold": 0}, "threshold"),
        ({"dt": -1.0}, "dt"),
        ({"lyapunov_exponent": 0.0}, "lyapunov_exponent"),
        ({"normalization": "range"}, "normalization"),
    ],
)
def test_vpt_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        valid_prediction_time(Y_TRUE, Y_PRED, **kwargs)


# -- memory capacity -----------------------------------------------------------------------------
class ShiftRegister(TransformerMixin, BaseEstimator):
    """Reference reservoir whose state is exactly (u[t], u[t-1], ..., u[t-n_units+1])."""

    def __init__(self, n_units=10):
        self.n_units = n_units

    def fit(self, X, y=None):
        self.n_features_in_ = 1
        return self

    def transform(self, X):
        u = np.asarray(X, dtype=float)[:, 0]
        padded = np.concatenate([np.zeros(self.n_units - 1), u])
        windows = np.lib.stride_tricks.sliding_window_view(padded, self.n_units)
        return windows[:, ::-1].copy()


def test_shift_register_has_memory_capacity_n_minus_one_exactly():
    # Delays 1 .. N-1 are columns of the state (delay 0 is the current input, not counted).
    n_units = 15
    mc, curve = memory_capacity(ShiftRegister(n_units), n_steps=3000, max_delay=30,
                                random_state=0, return_curve=True)
    np.testing.assert_allclose(curve[: n_units - 1], 1.0, atol=1e-9)
    assert np.all(curve[n_units - 1 :] < 0.02)  # chance correlations only
    assert n_units - 1 <= mc < n_units - 1 + 0.1


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_linear_delay_line_esn_has_memory_capacity_close_to_n(seed):
    n_units = 20
    esn = ESN(n_units=n_units, topology="delay_line", spectral_radius=1.0,
              activation="identity", input_scaling=1, random_state=seed)
    mc, curve = memory_capacity(esn, max_delay=2 * n_units, random_state=seed, return_curve=True)
    # Every delay below N is in the span of the states; dense random input weights make
    # the last few ill-conditioned in float64, so MC lies between N - 3.5 and N.
    assert n_units - 3.5 < mc <= n_units
    np.testing.assert_allclose(curve[:12], 1.0, atol=1e-6)
    assert mc == pytest.approx(curve.sum())


def test_memoryless_reservoir_has_no_memory():
    esn = ESN(n_units=30, spectral_radius=0.0, random_state=0)
    assert memory_capacity(esn, max_delay=40, random_state=0) < 0.15


def test_memory_grows_with_spectral_radius_and_stays_below_n():
    n_units = 40
    capacities = [
        memory_capacity(ESN(n_units=n_units, spectral_radius=rho, input_scaling=0.1,
                            random_state=1), max_delay=80, n_steps=3000, random_state=0)
        for rho in (0.3, 0.6, 0.9)
    ]
    assert capacities[0] < capacities[1] < capacities[2] <= n_units
    assert capacities[2] > 10


def test_memory_capacity_does_not_modify_the_callers_reservoir_and_is_reproducible():
    esn = ESN(n_units=20, spectral_radius=0.8, random_state=0)
    params = esn.get_params()
    first = memory_capacity(esn, max_delay=30, n_steps=1500, random_state=7)
    assert not hasattr(esn, "W_") and esn.get_params() == params
    assert memory_capacity(esn, max_delay=30, n_steps=1500, random_state=7) == first
    assert memory_capacity(esn, max_delay=30, n_steps=1500, random_state=8) != first


class SumOfLastTwo(TransformerMixin, BaseEstimator):
    """Reference one-unit reservoir with state u[t] + u[t-1]."""

    def fit(self, X, y=None):
        self.n_features_in_ = 1
        return self

    def transform(self, X):
        u = np.asarray(X, dtype=float)
        return u + np.vstack([np.zeros((1, 1)), u[:-1]])


def test_include_input_lets_the_readout_subtract_the_current_input():
    # corr(u[t] + u[t-1], u[t-1])^2 = 1/2; with u[t] as a feature, u[t-1] is recovered exactly.
    without = memory_capacity(SumOfLastTwo(), max_delay=5, random_state=0, return_curve=True)[1]
    with_input = memory_capacity(SumOfLastTwo(), max_delay=5, random_state=0,
                                 include_input=True, return_curve=True)[1]
    assert without[0] == pytest.approx(0.5, abs=0.05)
    assert with_input[0] == pytest.approx(1.0, abs=1e-9)
    assert np.all(without[1:] < 0.01) and np.all(with_input[1:] < 0.01)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"max_delay": 50, "washout": 20}, "washout"),
        ({"washout": 5000}, "washout"),
        ({"alpha": -1.0}, "alpha"),
        ({"test_size": 1.0}, "test_size"),
        ({"max_delay": 0}, "max_delay"),
        ({"n_steps": 110, "washout": 100, "max_delay": 10, "test_size": 0.01}, "test_size"),
        ({"distribution": "cauchy"}, "distribution"),
    ],
)
def test_memory_capacity_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        memory_capacity(ShiftRegister(5), **kwargs)


def test_memory_capacity_requires_a_transformer():
    with pytest.raises(TypeError, match="fit"):
        memory_capacity(object())
