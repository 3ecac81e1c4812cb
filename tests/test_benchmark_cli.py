"""Tests of the reservoir-bench comparative study (reservoir/benchmark, except speed.py)."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from reservoir import ESN
from reservoir.baselines import ARIMAForecaster, PersistenceForecaster
from reservoir.benchmark.__main__ import main
from reservoir.benchmark.measure import measured, memory_probe
from reservoir.benchmark.models import MODEL_NAMES, count_parameters, make_models
from reservoir.benchmark.runner import TORCH_MISSING, RunConfig, run_model, sweep_radii
from reservoir.benchmark.tasks import TASK_NAMES, make_task
from reservoir.estimators import ReservoirForecaster
from reservoir.metrics import memory_capacity
from reservoir.readouts import RidgeReadout

try:
    import torch  # noqa: F401

    HAS_TORCH = True
except ImportError:
    HAS_TORCH = False
try:
    import matplotlib  # noqa: F401

    HAS_MATPLOTLIB = True
except ImportError:
    HAS_MATPLOTLIB = False

QUICK_ARGS = ["--quick", "--tasks", "sunspots", "--models", "esn,persistence,lstm",
              "--seeds", "1", "--budget", "1", "--epochs", "1", "--no-progress"]
ROW_TYPES = {
    "task": str, "model": str, "label": str, "status": str, "metric": str,
    "higher_is_better": bool, "scores": list, "seeds": list, "extras": dict,
    "best_params": dict, "n_trials": int, "trial_states": dict, "tuning": list,
    "n_diverged": int,
}
NUMBER_KEYS = ("median", "q1", "q3", "min", "max", "train_time_s", "predict_time_s",
               "peak_memory_mib", "validation_score", "tune_time_s")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One tiny end-to-end run through the CLI; the tests below inspect its outputs."""
    out = tmp_path_factory.mktemp("bench")
    code = main(QUICK_ARGS + ["--out", str(out)])
    return code, out, json.loads((out / "results.json").read_text())


def _row(document, model):
    return next(r for r in document["results"] if r["model"] == model)


# -- the command line end to end ----------------------------------------------------------
def test_quick_run_succeeds_and_writes_outputs(quick_run):
    code, out, _ = quick_run
    assert code == 0
    for name in ("results.md", "results.json", "results.csv"):
        assert (out / name).stat().st_size > 0
    table = (out / "results.md").read_text()
    assert "| sunspots | ESN |" in table and "| sunspots | persistence |" in table
    assert "1 trials per model" in table and "| Tune (s) | Trials |" in table


def test_json_schema(quick_run):
    _, _, document = quick_run
    assert set(document) == {"schema_version", "meta", "tasks", "results", "stability_sweep"}
    meta = document["meta"]
    assert meta["budget"] == 1 and meta["seeds"] == [0] and meta["quick"] is True
    assert meta["time_budget_s"] is None and meta["max_trials"] == 1
    assert meta["memory_method"] in ("rss", "tracemalloc")
    assert isinstance(meta["wall_time_s"], float)
    task = document["tasks"]["sunspots"]
    assert task["kind"] == "forecast" and task["higher_is_better"] is False
    assert task["n_train"] + task["n_validation"] + task["n_test"] == 309
    assert len(document["results"]) == 3
    for row in document["results"]:
        for key, kind in ROW_TYPES.items():
            assert isinstance(row[key], kind), key
        for key in NUMBER_KEYS:
            assert row[key] is None or isinstance(row[key], float), key
        assert row["n_parameters"] is None or isinstance(row["n_parameters"], int)


def test_json_values_are_consistent(quick_run):
    _, _, document = quick_run
    esn, persistence = _row(document, "esn"), _row(document, "persistence")
    assert esn["status"] == "ok" and esn["n_trials"] == 1 and len(esn["scores"]) == 1
    assert esn["min"] <= esn["q1"] <= esn["median"] <= esn["q3"] <= esn["max"]
    assert esn["tune_time_s"] > 0 and esn["tuning"][0]["seconds"] <= esn["tune_time_s"]
    assert esn["tuning"][0]["validation_score"] == esn["validation_score"]
    include_input = esn["best_params"]["include_input"]
    assert esn["n_parameters"] == 100 + include_input + 1  # readout over the units (+ input)
    assert {"reservoir__spectral_radius", "reservoir__leak_rate", "reservoir__input_scaling",
            "reservoir__activation", "reservoir__topology", "readout__alpha"} <= set(
        esn["best_params"])
    assert persistence["n_parameters"] == 0 and persistence["n_trials"] == 0
    assert persistence["tune_time_s"] is None and persistence["validation_score"] > 0
    assert "mae" in persistence["extras"]
    assert len(persistence["horizon_error"]) == 11
    sweep = document["stability_sweep"]["sunspots"]
    assert len(sweep["spectral_radius"]) == len(sweep["score"])


def test_csv_matches_json(quick_run):
    _, out, document = quick_run
    with (out / "results.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["task"], r["model"]) for r in rows] == [
        (r["task"], r["model"]) for r in document["results"]]
    esn = next(r for r in rows if r["model"] == "esn")
    assert float(esn["median"]) == pytest.approx(_row(document, "esn")["median"])
    assert float(esn["tune_time_s"]) == pytest.approx(_row(document, "esn")["tune_time_s"])
    assert int(esn["n_trials"]) == 1
    assert json.loads(esn["best_params"]) == _row(document, "esn")["best_params"]


@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="matplotlib not installed")
def test_figures_written(quick_run):
    _, out, _ = quick_run
    for name in ("forecast_sunspots.png", "error_vs_horizon.png",
                 "accuracy_vs_training_time.png", "stability_sweep.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.skipif(not HAS_TORCH, reason="torch not installed")
def test_torch_model_runs_when_torch_is_installed(quick_run):
    _, _, document = quick_run
    lstm = _row(document, "lstm")
    assert lstm["status"] == "ok" and lstm["n_parameters"] > 0
    assert lstm["n_epochs"] == [1]  # --epochs 1
    assert _row(document, "esn")["n_epochs"] is None


def test_missing_torch_gives_skipped_rows(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    code = main(["--quick", "--tasks", "sunspots", "--models", "persistence,gru,leaky_rnn",
                 "--seeds", "1", "--budget", "1", "--no-progress", "--no-figures",
                 "--no-sweep", "--out", str(tmp_path)])
    assert code == 0
    document = json.loads((tmp_path / "results.json").read_text())
    for model in ("gru", "leaky_rnn"):
        row = _row(document, model)
        assert row["status"] == "skipped" and row["reason"] == TORCH_MISSING
        assert row["median"] is None and row["scores"] == []
    assert _row(document, "persistence")["status"] == "ok"
    captured = capsys.readouterr()
    assert TORCH_MISSING in captured.out and "torch is not installed" in captured.err


def test_missing_optuna_stops_before_running(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "optuna", None)  # import optuna now raises ImportError
    args = ["--quick", "--tasks", "sunspots", "--seeds", "1", "--no-progress", "--no-figures",
            "--no-sweep", "--out", str(tmp_path)]
    assert main(args + ["--models", "esn,persistence"]) == 1
    assert 'pip install "reservoir-rc[tune]"' in capsys.readouterr().err
    assert not (tmp_path / "results.json").exists()
    assert main(args + ["--models", "persistence"]) == 0  # nothing to tune: no tuner needed


def test_import_error_mentioning_torch_at_fit_is_skipped():
    task = make_task("sunspots")

    class NeedsTorch:
        def fit(self, y):
            raise ImportError('Install it with: pip install "reservoir-rc[torch]"')

    spec = make_models(quick=True)["persistence"]
    spec = type(spec)("fake", "fake", lambda task, params, seed: NeedsTorch(),
                      kinds=spec.kinds, tuned=False)
    result = run_model(spec, task, RunConfig(["sunspots"], ["fake"], [0], 1), probe=None)
    assert (result.status, result.reason) == ("skipped", TORCH_MISSING)


def test_import_error_mentioning_torch_in_every_trial_is_skipped():
    from sklearn.base import BaseEstimator

    class NeedsTorch(BaseEstimator):
        def __init__(self, size=1):
            self.size = size

        def fit(self, y):
            raise ImportError('Install it with: pip install "reservoir-rc[torch]"')

    spec = type(make_models()["esn"])("fake", "fake",
                                      lambda task, params, seed: NeedsTorch(**params),
                                      search_space={"size": [1, 2]})
    result = run_model(spec, make_task("sunspots"), RunConfig(["sunspots"], ["fake"], [0], 2),
                       probe=None)
    assert (result.status, result.reason) == ("skipped", TORCH_MISSING)


@pytest.mark.parametrize("args, message", [
    (["--tasks", "weather"], "unknown task(s) 'weather'"),
    (["--models", "esn,transformer"], "unknown model(s) 'transformer'"),
    (["--seeds", "0"], "positive integer"),
    (["--budget", "many"], "positive integer"),
    (["--time-budget", "0"], "positive number"),
    (["--time-budget", "soon"], "positive number"),
    (["--budget", "3", "--time-budget", "10"], "not allowed with argument"),
    (["--no-such-option"], "unrecognized arguments"),
])
def test_argument_errors_exit_with_code_2(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err
    if "unknown" in message:
        assert "choose from" in err


def test_python_dash_m_entry_point():
    completed = subprocess.run([sys.executable, "-m", "reservoir.benchmark", "--help"],
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0
    assert "reservoir-bench" in completed.stdout and "--quick" in completed.stdout
    assert "--time-budget SECONDS" in completed.stdout and "--budget N" in completed.stdout
    for name in TASK_NAMES + MODEL_NAMES:
        assert name in completed.stdout


# -- protocol: splits, scores, budgets ---------------------------------------------------------
class _Oracle:
    """Forecaster that returns the true continuation of its context (perfect forecasts)."""

    def __init__(self, standardized):
        self.series = standardized

    def fit(self, y):
        return self

    def predict(self, n_steps, context):
        context = np.reshape(context, (len(context), -1))
        for end in range(len(context), len(self.series) + 1):
            if np.array_equal(self.series[end - len(context):end], context):
                path = self.series[end:end + n_steps]
                return path[:, 0] if path.shape[1] == 1 else path
        raise AssertionError("context not found in the series")


def test_persistence_score_matches_independent_computation():
    task = make_task("sunspots")
    outcome = task.run(PersistenceForecaster(), "test")
    values = task.values[:, 0]
    start = task.n_train + task.n_validation
    origins = range(start, len(values) - task.horizon + 1, task.horizon)
    errors = np.concatenate([values[o:o + task.horizon] - values[o - 1] for o in origins])
    expected = np.sqrt(np.mean(errors**2)) / values[:task.n_train].std()
    assert outcome.score == pytest.approx(expected, rel=1e-12)
    assert outcome.extras["mae"] == pytest.approx(np.mean(np.abs(errors)), rel=1e-12)
    assert len(list(origins)) == 4 and outcome.n_diverged == 0


@pytest.mark.parametrize("name", ["mackey_glass", "lorenz"])
def test_perfect_forecasts_get_the_best_score(name):
    task = make_task(name, quick=True)
    outcome = task.run(_Oracle(task.standardized), "validation")
    if task.higher_is_better:  # valid time of a perfect forecast: the whole horizon
        assert outcome.score == pytest.approx(task.horizon * task.time_step)
    else:
        assert outcome.score == pytest.approx(0.0, abs=1e-12)
    assert np.allclose(outcome.horizon_error, 0.0, atol=1e-12)


def test_diverging_forecasts_are_counted_and_scored_finite():
    class Exploding:
        def fit(self, y):
            return self

        def predict(self, n_steps, context):
            path = np.full(n_steps, np.nan)
            path[0] = 1.0
            return path

    task = make_task("mackey_glass", quick=True)
    outcome = task.run(Exploding(), "test")
    assert outcome.n_diverged == len(task.origins("test"))
    assert np.isfinite(outcome.score) and outcome.score > 100


def test_regression_score_of_the_training_mean():
    class Mean:
        def fit(self, X, y):
            return self

        def predict(self, X):
            return np.zeros(len(X))  # standardised units: the training mean

    task = make_task("narma10", quick=True)
    outcome = task.run(Mean(), "test")
    truth = task.targets[task.n_train + task.n_validation:]
    mean = task.targets[:task.n_train].mean()  # the standardisation uses the training part
    expected = np.sqrt(np.mean((truth - mean) ** 2)) / truth.std()
    assert outcome.score == pytest.approx(expected, rel=1e-10)


def test_memory_task_perfect_recall_scores_max_delay():
    class DelayLine:
        """Outputs u[t-1], ..., u[t-K] exactly (zeros before the start)."""

        def fit(self, X, y):
            self.n_delays = y.shape[1]
            return self

        def predict(self, X):
            u = np.asarray(X)[:, 0]
            out = np.zeros((len(u), self.n_delays))
            for k in range(1, self.n_delays + 1):
                out[k:, k - 1] = u[:-k]
            return out

    task = make_task("memory_capacity", quick=True)
    assert task.run(DelayLine(), "test").score == pytest.approx(task.max_delay)


def test_memory_task_uses_memory_capacity_for_reservoirs():
    task = make_task("memory_capacity", quick=True)
    spec = make_models(quick=True)["esn"]
    params = {"reservoir__spectral_radius": 0.9, "reservoir__leak_rate": 1.0,
              "reservoir__input_scaling": 0.1, "readout__alpha": 1e-6}
    outcome = task.run(spec.build(task, params, 3), "test")
    expected = memory_capacity(
        ESN(n_units=100, random_state=3, spectral_radius=0.9, leak_rate=1.0,
            input_scaling=0.1),
        n_steps=task.n_steps, max_delay=task.max_delay, washout=task.washout, alpha=1e-6,
        random_state=task.input_seeds["test"])
    assert outcome.score == pytest.approx(expected, rel=1e-10)
    assert 0 < outcome.score <= 100 and outcome.n_parameters == 101 * task.max_delay


ESN_PARAMS = {"reservoir__spectral_radius": 0.8, "reservoir__leak_rate": 0.5,
              "reservoir__input_scaling": 0.3, "readout__alpha": 1e-4}


def test_same_seed_same_numbers_and_seeds_differ():
    task = make_task("sunspots")
    spec = make_models(quick=True)["esn"]
    params = ESN_PARAMS
    first = task.run(spec.build(task, params, 0), "test").score
    assert task.run(spec.build(task, params, 0), "test").score == first
    assert task.run(spec.build(task, params, 1), "test").score != first


def test_every_model_but_persistence_is_tuned_from_the_registered_spaces():
    specs = make_models()
    assert [n for n, s in specs.items() if not s.tuned] == ["persistence"]
    assert [n for n, s in specs.items() if s.search_space is not None] == ["arima"]
    assert [n for n, s in specs.items() if s.alphas is not None] == ["esn", "es2n", "nvar", "lsm"]


def test_failing_model_gives_an_error_row_not_a_crash():
    from sklearn.base import BaseEstimator

    class Broken(BaseEstimator):
        def __init__(self, x=1):
            self.x = x

        def fit(self, y):
            raise ValueError("cannot fit")

    task = make_task("sunspots")
    spec = type(make_models()["esn"])("broken", "broken", lambda t, p, s: Broken(**p),
                                       search_space={"x": [1, 2]})
    result = run_model(spec, task, RunConfig(["sunspots"], ["broken"], [0], 2), probe=None)
    assert result.status == "error" and "cannot fit" in result.reason


def test_count_parameters():
    y = make_task("sunspots").standardized[:, 0]
    esn = ReservoirForecaster(ESN(n_units=30, random_state=0), readout=RidgeReadout(),
                              washout=10).fit(y)
    assert count_parameters(esn) == 30 + 1 + 1
    arima = ARIMAForecaster(order=(2, 0, 0), trend="c").fit(y)
    assert count_parameters(arima) == 4  # constant, two AR coefficients, noise variance
    assert count_parameters(PersistenceForecaster().fit(y)) == 0


def test_stability_sweep_reproduces_the_task_score():
    task = make_task("sunspots")
    spec = make_models(quick=True)["esn"]
    sweep = sweep_radii(task, spec, ESN_PARAMS, [0.5, 1.0], seed=0)
    direct = task.run(spec.build(task, {**ESN_PARAMS, "reservoir__spectral_radius": 1.0}, 0),
                      "test").score
    assert sweep["spectral_radius"] == [0.5, 1.0] and sweep["score"][1] == direct
    assert sweep["tuned_radius"] == 0.8


def test_memory_probe_sees_a_large_allocation():
    with measured(memory_probe()) as cost:
        block = np.ones((64, 2**17))  # 64 MiB
        block += 1.0
    assert cost.peak_mib >= 50 and cost.seconds >= 0.0


def test_missing_matplotlib_skips_figures_only(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    code = main(["--quick", "--tasks", "sunspots", "--models", "persistence", "--seeds", "1",
                 "--no-progress", "--out", str(tmp_path)])
    assert code == 0
    assert (tmp_path / "results.json").exists() and (tmp_path / "results.csv").exists()
    assert not list(tmp_path.glob("*.png"))
    assert "Figures skipped: matplotlib is not installed" in capsys.readouterr().out
