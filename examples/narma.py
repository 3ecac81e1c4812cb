"""NARMA-10 with an echo state network: per-step regression of a nonlinear system.
===============================================================================

Input u ~ U[0, 0.5], target from the NARMA-10 recurrence (Atiya & Parlos 2000).
The reservoir is driven through 200 washout + 2000 training + 1000 test steps;
the readout is fitted on the training steps and scored on the test steps.
A well-tuned ESN reaches a test NRMSE of about 0.1.

Run: ``python examples/narma.py``; ``RESERVOIR_EXAMPLE_SMALL=1`` for a smoke run.
"""

import os

import numpy as np

from reservoir import ESN, ReservoirRegressor, RidgeReadout
from reservoir.datasets import narma
from reservoir.metrics import nrmse

SMALL = os.environ.get("RESERVOIR_EXAMPLE_SMALL") == "1"
N_UNITS = 100 if SMALL else 500
WASHOUT, N_TRAIN, N_TEST = 200, (500 if SMALL else 2000), (200 if SMALL else 1000)
SEEDS = range(2) if SMALL else range(5)


def test_error(seed):
    u, y = narma(n_steps=WASHOUT + N_TRAIN + N_TEST, order=10, random_state=seed)
    split = WASHOUT + N_TRAIN
    model = ReservoirRegressor(
        reservoir=ESN(n_units=N_UNITS, spectral_radius=0.95, input_scaling=0.1,
                      bias_scaling=0.2, random_state=seed),
        readout=RidgeReadout(alpha=1e-9),
        washout=WASHOUT,
    )
    model.fit(u[:split], y[:split])
    prediction = model.predict(u)  # one continuous run: the test part follows training
    return nrmse(y[split:], prediction[split:])


def main():
    errors = [test_error(seed) for seed in SEEDS]
    for seed, err in zip(SEEDS, errors, strict=True):
        print(f"seed {seed}: NARMA-10 test NRMSE = {err:.4f}")
    print(f"ESN N={N_UNITS}: median test NRMSE over {len(errors)} seeds = {np.median(errors):.4f}")
    return float(np.median(errors))


if __name__ == "__main__":
    main()
