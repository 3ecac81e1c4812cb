"""Tests of the comparative study's tuning: the runner through tune(evaluate=...)."""

import json
import time

import numpy as np
import pytest
from sklearn.base import BaseEstimator

from reservoir.benchmark.__main__ import main
from reservoir.benchmark.models import ModelSpec, make_models
from reservoir.benchmark.report import format_table
from reservoir.benchmark.runner import ModelResult, RunConfig, run_model
from reservoir.benchmark.tasks import Outcome, make_task
from reservoir.model_selection import tune

optuna = pytest.importorskip("optuna")

try:
    import torch  # noqa: F401

    HAS_TORCH = True
except ImportError:
    HAS_TORCH = False


# -- a model and a task with a known optimum ---------------------------------------------------
class Dial(BaseEstimator):
    """A 'model' with one knob ``c``; fitting it takes ``delay`` seconds."""

    def __init__(self, c=0.0, delay=0.0):
        self.c = c
        self.delay = delay

    def fit(self, y):
        time.sleep(self.delay)
        self.fitted_c_ = self.c
        return self


class DialTask:
    """Scores a Dial by its distance to ``optimum``: loss (c - optimum)^2, or minus that."""

    kind = "forecast"
    name = "dial"
    metric = "loss"

    def __init__(self, higher_is_better=False, optimum=0.3):
        self.higher_is_better = higher_is_better
        self.optimum = optimum
        self.stages = []

    def loss(self, c):
        return (c - self.optimum) ** 2

    def run(self, model, stage, probe=None):
        model.fit(None)
        self.stages.append(stage)
        loss = self.loss(model.fitted_c_)
        return Outcome(score=-loss if self.higher_is_better else loss, model=model)


def dial_spec(name="dial", delay=0.0):
    return ModelSpec(name, name, lambda task, params, seed: Dial(delay=delay).set_params(**params),
                     search_space={"c": optuna.distributions.FloatDistribution(-1.0, 1.0)})


def quiet_run(spec, task, **config):
    config.setdefault("budget", 8)
    return run_model(spec, task, RunConfig([task.name], [spec.name], [0, 1], **config),
                     probe=None)


# -- the best configuration is kept --------------------------------------------------------------
@pytest.mark.parametrize("higher_is_better", [False, True])
def test_tuning_keeps_the_best_trial_in_the_task_direction(higher_is_better):
    task = DialTask(higher_is_better=higher_is_better)
    result = quiet_run(dial_spec(), task)
    assert result.status == "ok" and result.n_trials == 8
    scores = [t["validation_score"] for t in result.tuning]
    best = max(scores) if higher_is_better else min(scores)
    worst = min(scores) if higher_is_better else max(scores)
    assert best != worst
    assert result.validation_score == best
    chosen = result.tuning[scores.index(best)]["params"]["c"]
    assert result.best_params == {"c": chosen}
    # The test runs use the chosen configuration: every seed scores its loss.
    expected = task.loss(chosen)
    assert result.scores == pytest.approx([-expected if higher_is_better else expected] * 2)
    assert task.stages == ["validation"] * 8 + ["test"] * 2


def test_more_trials_find_a_configuration_near_the_optimum():
    result = quiet_run(dial_spec(), DialTask(optimum=0.3), budget=25)
    assert abs(result.best_params["c"] - 0.3) < 0.1


# -- the same budget for every model -------------------------------------------------------------
def test_every_model_gets_the_same_number_of_trials():
    task = DialTask()
    results = [quiet_run(dial_spec(f"dial{k}"), task, budget=5) for k in range(3)]
    assert [r.n_trials for r in results] == [5, 5, 5]
    # Trial parameters differ only by model: the same sampler seed gives the same sequence.
    assert [t["params"] for t in results[0].tuning] == [t["params"] for t in results[1].tuning]


def test_real_models_get_the_same_number_of_trials():
    task = make_task("sunspots", quick=True)
    names = ["esn", "arima", "persistence"] + (["lstm"] if HAS_TORCH else [])
    specs = make_models(quick=True, max_epochs=1)
    counts = {}
    for name in names:
        result = run_model(specs[name], task, RunConfig(["sunspots"], [name], [0], 3,
                                                        quick=True), probe=None)
        assert result.status == "ok", (name, result.reason)
        counts[name] = result.n_trials
        if specs[name].tuned:
            assert result.tune_seconds > 0
            assert sum(result.trial_counts().values()) == 3
    assert counts == {name: 0 if name == "persistence" else 3 for name in names}


# -- tuning wall time: recorded, reported, and a time budget ---------------------------------------
def test_tuning_time_is_recorded_and_shown():
    result = quiet_run(dial_spec(delay=0.05), DialTask(), budget=4)
    assert result.tune_seconds >= 4 * 0.05
    assert result.tune_seconds >= sum(t["seconds"] for t in result.tuning)
    row = {**result.summary(), "metric": "loss", "higher_is_better": False}
    assert row["tune_time_s"] == result.tune_seconds and row["n_trials"] == 4
    table = format_table([row])
    head, _, line = table.splitlines()
    columns = [c.strip() for c in head.strip("|").split("|")]
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[columns.index("Tune (s)")] == f"{result.tune_seconds:.3g}"
    assert cells[columns.index("Trials")] == "4"


def test_time_budget_bounds_the_tuning_of_a_slow_model():
    delay, budget = 0.2, 1.0
    task = DialTask()
    result = quiet_run(dial_spec(delay=delay), task, budget=2, time_budget=budget)
    assert result.status == "ok"
    # Trials start until the budget is spent (not the 2 of --budget); the last one finishes.
    assert 3 <= result.n_trials <= budget / delay + 1
    assert budget <= result.tune_seconds < budget + 2 * delay + 0.5


def test_time_budget_from_the_command_line(tmp_path):
    code = main(["--quick", "--tasks", "sunspots", "--models", "esn,persistence", "--seeds",
                 "1", "--time-budget", "1.5", "--no-progress", "--no-figures", "--no-sweep",
                 "--out", str(tmp_path)])
    assert code == 0
    document = json.loads((tmp_path / "results.json").read_text())
    assert document["meta"]["time_budget_s"] == 1.5
    esn = next(r for r in document["results"] if r["model"] == "esn")
    assert esn["n_trials"] >= 1
    longest = max(t["seconds"] for t in esn["tuning"])
    assert esn["tune_time_s"] < 1.5 + longest + 1.0
    assert "1.5 s of tuning per model" in (tmp_path / "results.md").read_text()


# -- the ridge penalty for free --------------------------------------------------------------------
ALPHAS = (1e-8, 1e-4, 1e-1, 10.0)
SMALL_ESN = {"reservoir__n_units": 30, "reservoir__spectral_radius": 0.9,
             "reservoir__leak_rate": 0.6, "reservoir__input_scaling": 0.5}


@pytest.mark.filterwarnings("ignore:The closed-loop forecast is diverging")
@pytest.mark.parametrize("task_name", ["mackey_glass", "narma10", "memory_capacity"])
def test_scores_along_the_alpha_grid_equal_refits(task_name):
    task = make_task(task_name, quick=True)
    spec = make_models(quick=True)["esn"]
    free = [o.score for o in task.run_alphas(spec.build(task, SMALL_ESN, 0), "validation",
                                             ALPHAS)]
    refits = [task.run(spec.build(task, {**SMALL_ESN, "readout__alpha": a}, 0),
                       "validation").score for a in ALPHAS]
    assert free == pytest.approx(refits, rel=1e-7)
    assert len(set(np.round(refits, 6))) > 1  # the penalty matters on these tasks


def test_tuning_picks_the_alpha_a_brute_force_search_would():
    task = make_task("narma10", quick=True)
    fixed = {name: [value] for name, value in SMALL_ESN.items()}
    fixed.update(include_input=[False], reservoir__activation=["tanh"],
                 reservoir__topology=["random"], reservoir__bias_scaling=[0.2])
    spec = ModelSpec("esn", "ESN", make_models(quick=True)["esn"].build, search_space=fixed,
                     alphas=ALPHAS)
    result = run_model(spec, task, RunConfig(["narma10"], ["esn"], [0], 1), probe=None)
    params = {name: values[0] for name, values in fixed.items()}
    refits = [task.run(spec.build(task, {**params, "readout__alpha": a}, 0),
                       "validation").score for a in ALPHAS]
    assert result.best_params["readout__alpha"] == ALPHAS[int(np.argmin(refits))]
    assert result.validation_score == pytest.approx(min(refits), rel=1e-7)


def test_run_alphas_needs_a_ridge_readout():
    with pytest.raises(TypeError, match="RidgeReadout"):
        make_task("sunspots").run_alphas(make_models()["persistence"].build(None, {}, 0),
                                         "validation", ALPHAS)


# -- aggregation over seeds ------------------------------------------------------------------------
def test_summary_percentiles_over_seeds():
    result = ModelResult("t", "m", "M")
    result.outcomes = [Outcome(score=s, fit_seconds=f) for s, f in
                       [(4.0, 1.0), (1.0, 3.0), (3.0, 2.0), (2.0, 5.0), (10.0, 4.0)]]
    summary = result.summary()
    assert (summary["median"], summary["q1"], summary["q3"]) == (3.0, 2.0, 4.0)
    assert (summary["min"], summary["max"]) == (1.0, 10.0)
    assert summary["train_time_s"] == 3.0 and summary["scores"] == [4.0, 1.0, 3.0, 2.0, 10.0]
    assert summary["n_trials"] == 0 and summary["tune_time_s"] is None


# -- tune(evaluate=...) ---------------------------------------------------------------------------
def test_tune_with_a_custom_evaluation():
    seen = []

    def evaluate(model):
        seen.append(model.c)
        assert not hasattr(model, "fitted_c_")  # an unfitted clone with the trial's params
        return (model.c - 0.3) ** 2

    result = tune(Dial(), evaluate=evaluate, n_trials=6, random_state=0, progress=False,
                  search_space={"c": optuna.distributions.FloatDistribution(-1, 1)})
    assert len(seen) == 6 and result.best_params_ == {"c": seen[int(np.argmin(
        [(c - 0.3) ** 2 for c in seen]))]}
    assert result.direction == "minimize" and result.metric_name == "evaluate"
    assert result.best_estimator_.c == result.best_params_["c"]
    assert not hasattr(result.best_estimator_, "fitted_c_")  # nothing to refit on


def test_tune_evaluate_with_alphas_keeps_the_best_penalty():
    from reservoir import ESN, ReservoirRegressor

    calls = []

    def evaluate(model, alphas=None):
        calls.append(alphas)
        return [abs(np.log10(a) + 4) for a in alphas]  # best at 1e-4

    model = ReservoirRegressor(ESN(n_units=10, random_state=0), washout=5)
    result = tune(model, evaluate=evaluate, n_trials=2, alphas=ALPHAS, random_state=0,
                  progress=False)
    assert [list(a) for a in calls] == [list(ALPHAS)] * 2
    assert result.best_params_["readout__alpha"] == 1e-4 and result.best_score_ == 0.0
    # A plain evaluate(model) keeps the readout's own penalty.
    plain = tune(model, evaluate=lambda m: 1.0, n_trials=1, random_state=0, progress=False)
    assert "readout__alpha" not in plain.best_params_


def test_tune_evaluate_failures_and_argument_errors():
    space = {"c": optuna.distributions.FloatDistribution(-1, 1)}

    def sometimes(model):
        if model.c < 0:
            raise ValueError("negative")
        return model.c

    with pytest.warns(UserWarning, match="trials failed"):
        result = tune(Dial(), evaluate=sometimes, search_space=space, n_trials=8,
                      direction="maximize", random_state=0, progress=False)
    states = result.trials_["state"]
    assert (states == "failed").any() and result.best_params_["c"] >= 0
    with pytest.raises(ValueError, match="do not pass y"):
        tune(Dial(), np.zeros(10), evaluate=sometimes, search_space=space, progress=False)
    with pytest.raises(TypeError, match="evaluate must be a callable"):
        tune(Dial(), evaluate=3, search_space=space, progress=False)
    with pytest.raises(ValueError, match="y is required"):
        tune(Dial(), search_space=space, progress=False)
