"""Tuning an echo state network with ``reservoir.model_selection.tune`` (optuna).
==============================================================================

Starts from default estimators and lets the tuner search each reservoir's declared
search space (spectral radius, leak rate, input and bias scaling, topology,
activation); the ridge penalty is not sampled but chosen for free along the
regularisation path for every sampled reservoir. Two tasks:

* NARMA-10 regression, 2200 training steps, test NRMSE on the next 1000;
* Mackey-Glass (tau=17) 84-step closed-loop forecast after 5000 teacher-forced steps.

Run: ``python examples/tuning.py`` (a few minutes on 2 cores; needs the extra ``tune``:
``pip install "reservoir-rc[tune]"``). Set ``RESERVOIR_EXAMPLE_SMALL=1`` for a
seconds-long smoke run.
"""

import os
import time

import numpy as np

from reservoir import ESN, ReservoirForecaster, ReservoirRegressor
from reservoir.datasets import mackey_glass, narma
from reservoir.metrics import nrmse
from reservoir.model_selection import tune

SMALL = os.environ.get("RESERVOIR_EXAMPLE_SMALL") == "1"
N_UNITS = 50 if SMALL else 500
N_TRIALS = 4 if SMALL else 50
NARMA_TRAIN, NARMA_TEST = (600, 300) if SMALL else (2200, 1000)
MG_TRAIN, HORIZON = (1000, 84) if SMALL else (5000, 84)


def tune_narma():
    u, y = narma(n_steps=NARMA_TRAIN + NARMA_TEST, order=10, random_state=0)
    start = time.perf_counter()
    result = tune(ReservoirRegressor(ESN(n_units=N_UNITS), washout=200), y[:NARMA_TRAIN],
                  u[:NARMA_TRAIN], n_trials=N_TRIALS, random_state=0, progress=False)
    seconds = time.perf_counter() - start
    default = ReservoirRegressor(ESN(n_units=N_UNITS, random_state=0), washout=200)
    default_error = nrmse(y[NARMA_TRAIN:],
                          default.fit(u[:NARMA_TRAIN], y[:NARMA_TRAIN]).predict(u)[NARMA_TRAIN:])
    tuned_error = nrmse(y[NARMA_TRAIN:], result.best_estimator_.predict(u)[NARMA_TRAIN:])
    return result, seconds, default_error, tuned_error


def tune_mackey_glass():
    y = mackey_glass(n_steps=MG_TRAIN + HORIZON, tau=17, random_state=0)
    y = 2 * (y - y.min()) / (y.max() - y.min()) - 1
    start = time.perf_counter()
    result = tune(ReservoirForecaster(ESN(n_units=N_UNITS)), y[:MG_TRAIN], n_trials=N_TRIALS,
                  random_state=0, progress=False)
    seconds = time.perf_counter() - start
    default = ReservoirForecaster(ESN(n_units=N_UNITS, random_state=0)).fit(y[:MG_TRAIN])

    def error(model):
        return float(np.sqrt(np.mean((model.predict(HORIZON) - y[MG_TRAIN:]) ** 2)) / y.std())

    return result, seconds, error(default), error(result.best_estimator_)


def report(name, metric, outcome):
    result, seconds, default_error, tuned_error = outcome
    trials = result.trials_
    print(f"{name} (N={N_UNITS}, {len(trials)} trials, {seconds:.0f} s): {metric} "
          f"{default_error:.3g} with the defaults, {tuned_error:.3g} tuned")
    print("  trial states:", trials["state"].value_counts().to_dict())
    for key, value in sorted(result.best_params_.items()):
        shown = f"{value:.3g}" if isinstance(value, float) else value
        print(f"  {key} = {shown}")


if __name__ == "__main__":
    report("NARMA-10", "test NRMSE", tune_narma())
    report("Mackey-Glass", "84-step NRMSE", tune_mackey_glass())
