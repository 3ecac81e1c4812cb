import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")  # no display needed; the functions do not use pyplot anyway

from matplotlib.figure import Figure  # noqa: E402

from reservoir import ESN  # noqa: E402
from reservoir._classification_metrics import coverage_accuracy_curve, pr_curve  # noqa: E402
from reservoir.diagnostics import state_statistics  # noqa: E402
from reservoir.plotting import (  # noqa: E402
    plot_activation_histograms,
    plot_coverage_curve,
    plot_forecast,
    plot_pr_curve,
    plot_stability_sweep,
    plot_states,
)


@pytest.fixture(scope="module")
def states():
    u = np.random.default_rng(0).uniform(-1, 1, 200)
    return ESN(n_units=12, input_scaling=3.0, random_state=0).fit_transform(u)


def saved(figure, tmp_path, name="figure.png"):
    path = tmp_path / name
    figure.savefig(path, dpi=40)
    return path.stat().st_size > 0


def test_activation_histograms(states, tmp_path):
    figure = plot_activation_histograms(states, bins=20)
    assert isinstance(figure, Figure)
    pooled, per_unit = figure.axes[:2]
    image = per_unit.get_images()[0].get_array()
    stats = state_statistics(states, bins=20)
    np.testing.assert_allclose(image, np.log1p(stats.histograms))
    assert f"{stats.overall_fraction_saturated:.1%}" in pooled.get_title()
    assert saved(figure, tmp_path)
    assert isinstance(plot_activation_histograms(stats), Figure)  # precomputed statistics


def test_states_over_time(states, tmp_path):
    figure = plot_states(states, units=[0, 5, 7])
    lines = figure.axes[0].get_lines()
    assert len(lines) == 3
    np.testing.assert_allclose(lines[1].get_ydata(), states[:, 5])
    assert len(plot_states(states).axes[0].get_lines()) == 10
    assert saved(figure, tmp_path)
    with pytest.raises(ValueError, match="units"):
        plot_states(states, units=[12])
    with pytest.raises(ValueError, match="one series"):
        plot_states([states, states])


def test_forecast_vs_truth_with_history_and_pandas_index(tmp_path):
    index = pd.date_range("2024-01-01", periods=30, freq="D")
    truth = pd.Series(np.sin(np.arange(30) / 3), index=index)
    figure = plot_forecast(truth, truth * 0.9, history=np.zeros(10))
    lines = figure.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["history", "truth", "forecast"]
    np.testing.assert_allclose(lines[2].get_ydata(), truth.to_numpy() * 0.9)
    assert saved(figure, tmp_path)
    multi = plot_forecast(np.ones((5, 2)), np.zeros((5, 2)))
    assert len(multi.axes[0].get_lines()) == 4
    with pytest.raises(ValueError, match="must match"):
        plot_forecast(np.ones(5), np.ones(4))


def test_pr_curve_draws_scikit_learns_curve_into_a_given_axes(tmp_path):
    y = np.array([0, 1, 1, 0, 1, 0, 1, 1])
    scores = np.array([0.1, 0.8, 0.6, 0.3, 0.2, 0.5, 0.9, 0.7])
    figure = Figure()
    ax = figure.add_subplot()
    assert plot_pr_curve(y, scores, ax=ax, label="model") is figure
    line = ax.get_lines()[0]
    curve = pr_curve(y, scores)
    np.testing.assert_allclose(line.get_xdata(), curve.recall)
    np.testing.assert_allclose(line.get_ydata(), curve.precision)
    assert f"AP = {curve.average_precision:.3f}" in line.get_label()
    assert saved(figure, tmp_path)


def test_coverage_curve(tmp_path):
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 60)
    scores = rng.dirichlet(np.ones(3), 60)
    figure = plot_coverage_curve(y, scores)
    curve = coverage_accuracy_curve(y, scores)
    np.testing.assert_allclose(figure.axes[0].get_lines()[0].get_xdata(), curve.coverage)
    np.testing.assert_allclose(figure.axes[0].get_lines()[0].get_ydata(), curve.accuracy)
    assert saved(figure, tmp_path)


def test_stability_sweep_averages_seeds_and_marks_the_edge(tmp_path):
    df = pd.DataFrame({
        "spectral_radius": [0.5, 0.5, 1.0, 1.0, 1.5, 1.5],
        "lyapunov_exponent": [-0.6, -0.4, -0.1, -0.1, 0.3, 0.3],
        "memory_capacity": [5.0, 7.0, 20.0, 22.0, 10.0, 8.0],
        "score": [0.5, 0.6, 0.9, 0.8, 0.2, 0.3],
        "seed": [0, 1, 0, 1, 0, 1],
    })
    figure = plot_stability_sweep(df)
    assert len(figure.axes) == 3
    mc = figure.axes[1].get_lines()[0]
    np.testing.assert_allclose(mc.get_xdata(), [0.5, 1.0, 1.5])
    np.testing.assert_allclose(mc.get_ydata(), [6.0, 21.0, 9.0])
    # Exponent -0.1 at 1.0 and 0.3 at 1.5: zero crossing at 1.0 + 0.5 * 0.1 / 0.4 = 1.125.
    assert "1.12" in figure.axes[0].get_title()
    assert saved(figure, tmp_path)
    only_score = plot_stability_sweep(df[["spectral_radius", "score"]])
    assert len(only_score.axes) == 1 and "edge" not in only_score.axes[0].get_title()


def test_stability_sweep_needs_its_columns():
    with pytest.raises(ValueError, match="spectral_radius"):
        plot_stability_sweep(pd.DataFrame({"score": [1.0]}))
    with pytest.raises(ValueError, match="at least one of"):
        plot_stability_sweep(pd.DataFrame({"spectral_radius": [1.0], "other": [2.0]}))


def test_missing_matplotlib_gives_an_install_hint(monkeypatch, states):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # makes the import fail
    with pytest.raises(ImportError, match=r'pip install "reservoir-rc\[plot\]"'):
        plot_states(states)


def test_importing_reservoir_plotting_does_not_import_matplotlib():
    code = "import sys, reservoir.plotting; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
