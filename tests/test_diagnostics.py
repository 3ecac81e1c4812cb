import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression

from reservoir import ESN, ReservoirClassifier, ReservoirForecaster, ReservoirRegressor
from reservoir.datasets.classification import template_classification
from reservoir.diagnostics import state_statistics, worst_errors


# --- state statistics ----------------------------------------------------------------------------
def test_histograms_match_numpy_per_unit_with_outliers_in_edge_bins():
    rng = np.random.default_rng(0)
    states = rng.uniform(-1.2, 1.2, (500, 4))
    stats = state_statistics(states, bins=8)
    clipped = np.clip(states, -1, 1)
    for unit in range(4):
        expected, edges = np.histogram(clipped[:, unit], bins=8, range=(-1, 1))
        np.testing.assert_array_equal(stats.histograms[unit], expected)
    np.testing.assert_allclose(stats.bin_edges, edges)
    assert stats.histograms.sum() == states.size


def test_fractions_means_and_frame_on_known_values():
    states = np.array([[0.99, 0.0], [-0.97, 0.01], [0.5, 0.2], [0.0, -0.3]])
    stats = state_statistics(states, saturation=0.95, near_zero=0.05)
    np.testing.assert_allclose(stats.fraction_saturated, [0.5, 0.0])
    np.testing.assert_allclose(stats.fraction_near_zero, [0.25, 0.5])
    np.testing.assert_allclose(stats.mean, states.mean(axis=0))
    np.testing.assert_allclose(stats.std, states.std(axis=0))
    assert stats.overall_fraction_saturated == pytest.approx(0.25)
    frame = stats.to_frame()
    assert list(frame.columns) == ["mean", "std", "fraction_saturated", "fraction_near_zero"]
    assert frame.index.name == "unit" and len(frame) == 2


def test_strong_inputs_saturate_the_reservoir():
    u = np.random.default_rng(1).uniform(-1, 1, 600)
    gentle = ESN(n_units=40, input_scaling=0.05, spectral_radius=0.5, random_state=0)
    strong = ESN(n_units=40, input_scaling=20.0, spectral_radius=0.5, random_state=0)
    calm = state_statistics(gentle.fit_transform(u), washout=50)
    saturated = state_statistics(strong.fit_transform(u), washout=50)
    assert saturated.overall_fraction_saturated > 0.5 > calm.overall_fraction_saturated
    assert calm.overall_fraction_near_zero > saturated.overall_fraction_near_zero


def test_washout_lists_and_automatic_range():
    a = np.full((10, 2), 5.0)
    a[:3] = 100.0
    b = np.full((6, 2), 7.0)
    stats = state_statistics([a, b], washout=3, value_range=None, bins=2)
    assert stats.n_steps == 7 + 3
    np.testing.assert_allclose(stats.bin_edges, [5.0, 6.0, 7.0])
    np.testing.assert_array_equal(stats.histograms, [[7, 3], [7, 3]])


@pytest.mark.parametrize("kwargs, match", [
    ({"bins": 0}, "bins"),
    ({"value_range": (1.0, -1.0)}, "value_range"),
    ({"value_range": "tanh"}, "value_range"),
    ({"washout": 20}, "washout"),
    ({"saturation": -0.1}, "saturation"),
])
def test_state_statistics_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        state_statistics(np.zeros((20, 3)), **kwargs)


# --- worst errors --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def classified():
    X, y = template_classification(n_series=60, n_classes=3, length=(30, 50), noise=1.0,
                                   random_state=0)
    clf = ReservoirClassifier(ESN(n_units=20, random_state=0), LogisticRegression(max_iter=500),
                              pooling="mean").fit(X[:40], y[:40])
    return clf, X[40:], y[40:]


def test_worst_series_are_the_least_probable_true_classes(classified):
    clf, X, y = classified
    worst = worst_errors(clf, X, y, k=4)
    assert list(worst.columns) == ["series", "y_true", "y_pred", "error"]
    proba = clf.predict_proba(X)
    loss = 1 - proba[np.arange(len(y)), y]
    np.testing.assert_array_equal(worst["series"], np.argsort(-loss, kind="stable")[:4])
    np.testing.assert_allclose(worst["error"], np.sort(loss)[::-1][:4])
    np.testing.assert_array_equal(worst["y_pred"], clf.predict(X)[worst["series"]])


def test_worst_series_without_probabilities_are_the_mistakes(classified):
    _, X, y = classified
    clf = ReservoirClassifier(ESN(n_units=20, random_state=0), pooling="mean").fit(X, y)
    worst = worst_errors(clf, X, y, k=len(y) + 5)
    assert len(worst) == len(y)
    wrong = clf.predict(X) != y
    assert worst["error"].sum() == wrong.sum()
    assert set(worst["series"][: wrong.sum()]) == set(np.flatnonzero(wrong))


def test_worst_steps_of_a_regressor_after_washout():
    rng = np.random.default_rng(2)
    u = rng.uniform(-1, 1, (300, 1))
    y = np.roll(u[:, 0], 2)
    reg = ReservoirRegressor(ESN(n_units=20, random_state=0), washout=10).fit(u, y)
    worst = worst_errors(reg, [u[:150], u[150:]], [y[:150], y[150:]], k=5)
    assert list(worst.columns) == ["series", "step", "y_true", "y_pred", "error"]
    errors = np.abs(np.concatenate([
        (y[:150] - reg.predict(u[:150]))[10:], (y[150:] - reg.predict(u[150:]))[10:]
    ]))
    np.testing.assert_allclose(worst["error"], np.sort(errors)[::-1][:5])
    assert (worst["step"] >= 10).all()
    series, step = int(worst.loc[0, "series"]), int(worst.loc[0, "step"])
    prediction = reg.predict(u[:150] if series == 0 else u[150:])[step]
    assert worst.loc[0, "y_pred"] == pytest.approx(prediction)
    assert worst["step"].dtype.kind == "i"


def test_worst_steps_of_a_per_step_classifier():
    rng = np.random.default_rng(3)
    u = rng.normal(size=200)
    labels = (u > 0).astype(int)
    clf = ReservoirClassifier(ESN(n_units=10, random_state=0), per_step=True).fit(u, labels)
    worst = worst_errors(clf, u, labels, k=3)
    assert len(worst) == 3 and (worst["series"] == 0).all()
    assert worst["error"].iloc[0] == (clf.predict(u) != labels).max()


def test_worst_errors_refuses_forecasters_and_unfitted_models():
    y = np.sin(np.arange(200) / 5)
    forecaster = ReservoirForecaster(ESN(n_units=10, random_state=0), washout=10).fit(y)
    with pytest.raises(TypeError, match="predict_next"):
        worst_errors(forecaster, y, y)
    with pytest.raises(NotFittedError):
        worst_errors(ReservoirRegressor(), y, y)
    with pytest.raises(ValueError, match="k must be"):
        worst_errors(forecaster, y, y, k=0)


def test_worst_errors_returns_a_dataframe(classified):
    clf, X, y = classified
    assert isinstance(worst_errors(clf, X, y), pd.DataFrame)
