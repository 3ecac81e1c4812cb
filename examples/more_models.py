"""Next-generation RC (NVAR), the edge-of-stability ESN (ES2N), reservoir unions and FORCE.
========================================================================================

Four results, each a median over seeds 0-4:

* Lorenz-63 closed-loop valid time (threshold 0.4, in Lyapunov times) of an NVAR
  (2 delayed copies, monomials up to order 3: 83 features; Gauthier et al. 2021 use
  order 2 and reach about 5) and of a union of that NVAR with a 300-unit ESN;
* memory capacity of 100-unit reservoirs: ES2N (Ceni & Gallicchio 2024), a linear
  ring and a linear orthogonal reservoir;
* NARMA-10 test NRMSE of a 500-unit ES2N;
* FORCE learning (Sussillo & Abbott 2009) of a sum of two sines, then 10 periods of
  the slower sine generated on its own.

Run: ``python examples/more_models.py`` (about a minute on 2 cores). Set
``RESERVOIR_EXAMPLE_SMALL=1`` for a seconds-long smoke run.
"""

import os

import numpy as np

from reservoir import (
    ES2N,
    ESN,
    NVAR,
    ReservoirForecaster,
    ReservoirRegressor,
    ReservoirUnion,
    RidgeReadout,
)
from reservoir.datasets import lorenz, narma
from reservoir.datasets.chaotic import LORENZ_LYAPUNOV_EXPONENT
from reservoir.metrics import memory_capacity, nrmse, valid_prediction_time
from reservoir.online import force_learning

SMALL = os.environ.get("RESERVOIR_EXAMPLE_SMALL") == "1"
SEEDS = range(2) if SMALL else range(5)
DT = 0.025
LORENZ_TRAIN, LORENZ_TEST = (1000, 300) if SMALL else (2000, 1000)
MC_STEPS = 3000 if SMALL else 10000
NARMA_UNITS = 100 if SMALL else 500
FORCE_UNITS = 200 if SMALL else 500


def lorenz_valid_times():
    """Median valid time of NVAR and of an NVAR + ESN union on Lorenz-63."""
    def nvar():
        return NVAR(delay=2, order=3)

    models = {
        "NVAR (k=2, order 3, 83 features)": lambda seed: nvar(),
        "union: NVAR + ESN(300)": lambda seed: ReservoirUnion(
            [("nvar", nvar()), ("esn", ESN(n_units=300, random_state=seed))]),
    }
    results = {}
    for name, make in models.items():
        times = []
        for seed in SEEDS:
            y = lorenz(LORENZ_TRAIN + LORENZ_TEST, dt=DT, random_state=seed)
            model = ReservoirForecaster(make(seed), readout=RidgeReadout(alpha=2.5e-6),
                                        washout=2).fit(y[:LORENZ_TRAIN])
            forecast = model.predict(LORENZ_TEST)
            times.append(valid_prediction_time(y[LORENZ_TRAIN:], forecast, dt=DT,
                                               lyapunov_exponent=LORENZ_LYAPUNOV_EXPONENT))
        results[name] = times
    return results


def memory_capacities():
    """Median memory capacity of three 100-unit reservoirs built for memory."""
    reservoirs = {
        "ES2N (proximity 0.04, radius 0.3)": lambda seed: ES2N(
            n_units=100, proximity=0.04, spectral_radius=0.3, input_scaling=0.3,
            random_state=seed),
        "linear ring (radius 0.99)": lambda seed: ESN(
            n_units=100, topology="ring", activation="identity", spectral_radius=0.99,
            bias_scaling=0.0, random_state=seed),
        "linear orthogonal (radius 0.99)": lambda seed: ESN(
            n_units=100, topology="orthogonal", activation="identity", spectral_radius=0.99,
            bias_scaling=0.0, random_state=seed),
    }
    return {name: [memory_capacity(make(seed), n_steps=MC_STEPS, max_delay=200, alpha=1e-9,
                                   random_state=0) for seed in SEEDS]
            for name, make in reservoirs.items()}


def es2n_narma():
    u, y = narma(n_steps=3200, order=10, random_state=0)
    errors = []
    for seed in SEEDS:
        # Found by tune(ReservoirRegressor(ES2N(n_units=500), washout=200), ...) in 30 trials.
        es2n = ES2N(n_units=NARMA_UNITS, proximity=0.16, spectral_radius=0.37,
                    input_scaling=0.047, bias_scaling=0.92, random_state=seed)
        model = ReservoirRegressor(es2n, washout=200, include_input=False)
        model.fit(u[:2200], y[:2200])
        errors.append(nrmse(y[2200:], model.predict(u)[2200:]))
    return errors


def force_two_sines():
    t = np.arange(5300) * 0.05
    y = np.sin(t) + 0.5 * np.sin(2.3 * t)
    n_generate = 1260  # 10 periods of sin(t) at 0.05 per step
    errors = []
    for seed in SEEDS:
        esn = ESN(n_units=FORCE_UNITS, spectral_radius=1.2, input_scaling=0.5, leak_rate=0.2,
                  random_state=seed)
        loop = force_learning(esn, y[:4000])
        path = loop.generate(n_generate)[:, 0]
        errors.append(nrmse(y[4000:4000 + n_generate], path))
    return errors


def report(title, results, unit):
    print(title)
    for name, values in results.items():
        print(f"  {name:36s} median {np.median(values):8.4g} {unit}  "
              f"(seeds: {', '.join(f'{v:.4g}' for v in values)})")


if __name__ == "__main__":
    report("Lorenz-63 closed-loop valid time", lorenz_valid_times(), "Lyapunov times")
    report("Memory capacity, 100 units (max delay 200)", memory_capacities(), "")
    report("NARMA-10 test NRMSE", {f"ES2N({NARMA_UNITS})": es2n_narma()}, "")
    report("FORCE: sum of two sines generated on its own, 10 periods",
           {f"ESN({FORCE_UNITS}) + RLS": force_two_sines()}, "NRMSE")
