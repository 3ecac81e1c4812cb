"""Searches, tuning trials and reservoir-bench runs dispatched through joblib to a dask cluster.

Every test runs on the real ``distributed.LocalCluster`` of the session's
``dask_client`` fixture (2 worker processes, 1 thread each) and checks that
the results equal those of the same call run serially; the task stream of
the cluster shows that the work did run there. No mocks of dask.
"""

import ast
import json
import pathlib
import warnings

import numpy as np
import pytest
from joblib import parallel_config
from scipy.stats import uniform
from sklearn.exceptions import FitFailedWarning

import reservoir
from reservoir import ESN, ReservoirForecaster, ReservoirRegressor
from reservoir.datasets import mackey_glass, narma
from reservoir.model_selection import DEFAULT_ALPHAS, search_hyperparameters, tune

distributed = pytest.importorskip("distributed")
optuna = pytest.importorskip("optuna")

#: Measured quantities that differ between any two runs: dropped before comparing.
TIMINGS = {"wall_time_s", "train_time_s", "predict_time_s", "peak_memory_mib", "tune_time_s",
           "seconds", "duration"}


@pytest.fixture(scope="module")
def mg():
    y = mackey_glass(500, random_state=0)
    return 2 * (y - y.min()) / (y.max() - y.min()) - 1


@pytest.fixture(scope="module")
def narma_data():
    return narma(500, order=5, random_state=0)


def small_forecaster():
    return ReservoirForecaster(ESN(n_units=20, random_state=0), washout=30)


def small_regressor():
    return ReservoirRegressor(ESN(n_units=20, random_state=0), washout=30)


def on_cluster(client, function):
    """``function()`` under joblib's dask backend; (its result, the workers that ran tasks)."""
    with distributed.get_task_stream(client=client) as stream, parallel_config(backend="dask"):
        result = function()
    return result, {task["worker"] for task in stream.data}


def without_timings(value):
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k not in TIMINGS}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def trials_without_duration(result):
    return result.trials_.drop(columns=["duration"])


# --- search_hyperparameters ---------------------------------------------------------------------
def test_forecaster_search_on_dask_equals_serial_with_warnings_in_order(dask_client, mg):
    space = {"reservoir__spectral_radius": uniform(0.3, 0.7),
             "reservoir__leak_rate": [0.5, 1.0, 2.0]}  # 2.0 is invalid: a failed configuration

    def search(n_jobs):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = search_hyperparameters(small_forecaster(), space, mg, n_iter=5, cv=2,
                                            random_state=0, refit=False, n_jobs=n_jobs)
        return result, [(w.category, str(w.message)) for w in caught]

    (serial, serial_warnings) = search(1)
    (parallel, parallel_warnings), workers = on_cluster(dask_client, lambda: search(2))
    assert workers and workers <= set(dask_client.scheduler_info()["workers"])
    assert serial.cv_results.drop(columns=["params"]).equals(
        parallel.cv_results.drop(columns=["params"]))
    assert serial.cv_results["params"].tolist() == parallel.cv_results["params"].tolist()
    assert serial.best_params == parallel.best_params
    assert serial.best_score == parallel.best_score
    failed = [w for w in parallel_warnings if w[0] is FitFailedWarning]
    assert failed and all("leak_rate" in message for _, message in failed)
    assert parallel_warnings == serial_warnings  # raised again here, in the serial order


def test_forecaster_search_with_horizon_and_raise_on_dask(dask_client, mg):
    space = {"reservoir__spectral_radius": [0.5, 0.9]}
    serial = search_hyperparameters(small_forecaster(), space, mg, n_iter=2, cv=2, horizon=8,
                                    refit=False)
    parallel, _ = on_cluster(dask_client, lambda: search_hyperparameters(
        small_forecaster(), space, mg, n_iter=2, cv=2, horizon=8, refit=False, n_jobs=-1))
    assert serial.cv_results["mean_test_score"].equals(parallel.cv_results["mean_test_score"])
    with pytest.raises(ValueError, match="leak_rate"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        on_cluster(dask_client, lambda: search_hyperparameters(
            small_forecaster(), {"reservoir__leak_rate": [2.0]}, mg, n_iter=1, cv=2, n_jobs=2,
            error_score="raise"))


def test_regressor_search_on_dask_equals_serial(dask_client, narma_data):
    u, y = narma_data
    space = {"reservoir__spectral_radius": uniform(0.2, 1.0)}
    serial = search_hyperparameters(small_regressor(), space, y, X=u, n_iter=3, cv=2,
                                    random_state=0, refit=False)
    parallel, workers = on_cluster(dask_client, lambda: search_hyperparameters(
        small_regressor(), space, y, X=u, n_iter=3, cv=2, random_state=0, refit=False,
        n_jobs=2))
    assert workers
    np.testing.assert_array_equal(serial.cv_results["mean_test_score"],
                                  parallel.cv_results["mean_test_score"])
    assert serial.best_params == parallel.best_params


@pytest.mark.parametrize("n_jobs", [0, 1.5, True, "2"])
def test_search_n_jobs_must_be_a_nonzero_int(mg, n_jobs):
    with pytest.raises(ValueError, match="n_jobs"):
        search_hyperparameters(small_forecaster(), {"reservoir__leak_rate": [0.5]}, mg, cv=2,
                               n_jobs=n_jobs)


# --- tune in batches ----------------------------------------------------------------------------
class OddTrialPruner(optuna.pruners.BasePruner):
    """Prunes every odd-numbered trial at its first report."""

    def prune(self, study, trial):
        return trial.number % 2 == 1


def test_tune_batches_on_dask_equal_the_default_backend(dask_client, narma_data):
    u, y = narma_data
    model = ReservoirRegressor(ESN(n_units=20), washout=30)  # unseeded: tune seeds it

    def run(**kwargs):
        return tune(model, y, u, n_trials=10, cv=2, random_state=3, batch_size=4,
                    progress=False, **kwargs)

    local = run()
    remote, workers = on_cluster(dask_client, run)
    assert workers and workers <= set(dask_client.scheduler_info()["workers"])
    assert trials_without_duration(local).equals(trials_without_duration(remote))
    assert local.best_params_ == remote.best_params_ and local.best_score_ == remote.best_score_
    np.testing.assert_array_equal(local.best_estimator_.predict(u),
                                  remote.best_estimator_.predict(u))
    assert len(remote.trials_) == 10 and (remote.trials_["duration"] > 0).all()
    with parallel_config(backend="dask"):
        other = tune(model, y, u, n_trials=10, cv=2, random_state=4, batch_size=4,
                     progress=False)
    assert not trials_without_duration(other).equals(trials_without_duration(remote))


def test_tune_batches_replay_pruning_and_failures_on_dask(dask_client, mg):
    space = {"reservoir__leak_rate": [0.5, 0.9, -1.0]}  # -1.0 is invalid: failed trials

    def run(n_jobs=None):
        with pytest.warns(UserWarning, match="trials failed"):
            return tune(small_forecaster(), mg, n_trials=8, cv=2, horizon=10,
                        search_space=space, pruner=OddTrialPruner(), random_state=0,
                        batch_size=3, n_jobs=n_jobs, progress=False)

    local = run()
    remote, _ = on_cluster(dask_client, lambda: run(n_jobs=2))
    table = remote.trials_
    assert trials_without_duration(local).equals(trials_without_duration(remote))
    failed = table[table["state"] == "failed"]
    assert len(failed) and (failed["reservoir__leak_rate"] == -1.0).all()
    assert failed["error"].str.contains("leak_rate").all()
    pruned = table[table["state"] == "pruned"]
    assert len(pruned) and (pruned["number"] % 2 == 1).all() and pruned["score"].isna().all()
    for number in pruned["number"]:  # stopped at its first fold, as a trial run here would be
        assert list(remote.study_.trials[number].intermediate_values) == [0]
    assert "readout__alpha" in remote.best_params_


def test_tune_batch_size_one_reproduces_the_sequential_study(narma_data):
    u, y = narma_data
    model = ReservoirRegressor(ESN(n_units=20), washout=30)
    sequential = tune(model, y, u, n_trials=8, cv=2, random_state=7, progress=False)
    batched = tune(model, y, u, n_trials=8, cv=2, random_state=7, progress=False, batch_size=1)
    assert (sequential.trials_["state"] == "pruned").any()
    assert trials_without_duration(sequential).equals(trials_without_duration(batched))


def test_tune_batches_with_a_custom_evaluate_on_dask(dask_client, mg, capsys):
    train, validation = mg[:400], mg[400:]

    def evaluate(model, alphas=None):  # a closure: travels to the workers by value
        model.fit(train)
        scores = []
        for alpha in alphas:
            model.readout_.set_params(alpha=float(alpha))
            scores.append(float(np.sqrt(np.mean((model.predict(20) - validation[:20]) ** 2))))
        return scores

    def run():
        return tune(small_forecaster(), evaluate=evaluate, n_trials=4, random_state=0,
                    batch_size=2, refit=False, progress=True)

    local = run()
    capsys.readouterr()
    remote, workers = on_cluster(dask_client, run)
    err = capsys.readouterr().err  # the progress bar advances as the batches are told
    assert "4/4" in err and "best=" in err
    assert workers
    assert trials_without_duration(local).equals(trials_without_duration(remote))
    assert remote.best_params_["readout__alpha"] in DEFAULT_ALPHAS  # chosen along the grid


@pytest.mark.parametrize("batch_size", [0, -1, 1.5, True])
def test_tune_batch_size_must_be_a_positive_int(narma_data, batch_size):
    u, y = narma_data
    with pytest.raises(ValueError, match="batch_size"):
        tune(small_regressor(), y, u, n_trials=1, batch_size=batch_size, progress=False)


def test_tune_batches_stop_at_the_timeout(narma_data):
    u, y = narma_data
    result = tune(small_regressor(), y, u, n_trials=None, timeout=0.3, batch_size=2,
                  random_state=0, progress=False)
    assert len(result.trials_) >= 2 and len(result.trials_) % 2 == 0


# --- reservoir-bench ----------------------------------------------------------------------------
BENCH_ARGS = ["--quick", "--tasks", "sunspots", "--models", "esn,persistence", "--seeds", "2",
              "--budget", "2", "--no-progress", "--no-figures"]


def test_reservoir_bench_on_dask_equals_serial(dask_client, tmp_path, capsys):
    from reservoir.benchmark.__main__ import main

    assert main(BENCH_ARGS + ["--out", str(tmp_path / "serial")]) == 0
    address = dask_client.scheduler.address
    with distributed.get_task_stream(client=dask_client) as stream:
        assert main(BENCH_ARGS + ["--out", str(tmp_path / "dask"), "--dask-scheduler",
                                  address]) == 0
    assert stream.data  # the units of work ran on the cluster
    serial, remote = (json.loads((tmp_path / name / "results.json").read_text())
                      for name in ("serial", "dask"))
    assert without_timings(serial) == without_timings(remote)
    esn = next(row for row in remote["results"] if row["model"] == "esn")
    assert esn["status"] == "ok" and len(esn["scores"]) == 2 and esn["n_trials"] == 2
    assert remote["stability_sweep"]["sunspots"]["score"]
    table = capsys.readouterr().out
    assert "| sunspots | ESN |" in table


def test_reservoir_bench_cannot_reach_the_scheduler(monkeypatch, tmp_path, capsys):
    from reservoir.benchmark import __main__ as cli

    monkeypatch.setattr(cli, "DASK_CONNECT_TIMEOUT", 1)
    code = cli.main(["--quick", "--tasks", "sunspots", "--models", "persistence",
                     "--dask-scheduler", "tcp://127.0.0.1:9", "--out", str(tmp_path)])
    assert code == 1
    assert "could not connect to the dask scheduler at 'tcp://127.0.0.1:9'" in \
        capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "-2", "x"])
def test_reservoir_bench_n_jobs_errors(value, capsys):
    from reservoir.benchmark.__main__ import main

    assert main(["--n-jobs", value]) == 2
    assert "--n-jobs" in capsys.readouterr().err


def test_no_module_of_the_library_imports_dask_when_imported():
    """dask and distributed are imported inside functions only, when a cluster is asked for."""
    root = pathlib.Path(reservoir.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            offenders += [f"{path.relative_to(root)}: {name}" for name in names
                          if name.split(".")[0] in ("dask", "distributed")]
    assert not offenders


# --- the scaling benchmark ----------------------------------------------------------------------
def test_scaling_search_quick_runs_and_the_results_agree(dask_client, capsys):
    from reservoir.benchmark.scaling_search import main, scaling_search

    assert main(["--quick", "--scheduler", dask_client.scheduler.address]) == 0
    out = capsys.readouterr().out
    assert "8 configurations" in out and "dask (2 worker threads" in out
    assert "identical results: yes" in out and "speed-up:" in out and "workers busy" in out
    with pytest.raises(ValueError, match="n_workers"):
        scaling_search(quick=True, n_workers=0)
