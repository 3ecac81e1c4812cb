"""LSTM against an echo state network on Mackey-Glass (tau=17): one-step-ahead accuracy and cost.
==============================================================================================

Both models see the same series (6000 samples scaled to [-1, 1] with the range
of the training part), train on the first 5000 samples with teacher forcing
(input y[t], target y[t+1]), and predict each of the next 500 samples from the
observations before it (``predict_next`` over the whole series, so both start
the test with the full history). The script prints the one-step test NRMSE
and the training time of each model.

Run::

    python examples/lstm_vs_esn.py

``RESERVOIR_EXAMPLE_SMALL=1`` shrinks everything to a few seconds (the test
suite runs every example that way).
"""

import os
import time

import torch  # noqa: F401  (imported up front: the LSTM's training time should not include it)

from reservoir import ESN, ReservoirForecaster
from reservoir.baselines import LSTMForecaster
from reservoir.datasets import mackey_glass
from reservoir.metrics import nrmse

SMALL = os.environ.get("RESERVOIR_EXAMPLE_SMALL") == "1"
N_TRAIN, N_TEST = (400, 50) if SMALL else (5000, 500)


def mackey_glass_scaled():
    """Mackey-Glass tau=17, scaled to [-1, 1] by the range of the training part."""
    y = mackey_glass(n_steps=N_TRAIN + N_TEST + 500, tau=17, random_state=0)
    low, high = y[:N_TRAIN].min(), y[:N_TRAIN].max()
    return 2 * (y - low) / (high - low) - 1


def models():
    lstm = LSTMForecaster(hidden_size=32, washout=10, learning_rate=1e-2, seq_len=50,
                          batch_size=32, max_epochs=1000, patience=50, random_state=0)
    esn = ReservoirForecaster(
        reservoir=ESN(n_units=500, spectral_radius=0.95, leak_rate=0.3, random_state=0),
        washout=100,
    )
    if SMALL:
        lstm.set_params(hidden_size=8, max_epochs=3)
        esn.set_params(reservoir__n_units=50, washout=20)
    return {"LSTM": lstm, "ESN": esn}


def one_step_test_nrmse(model, y):
    """NRMSE of the teacher-forced predictions of y[N_TRAIN : N_TRAIN + N_TEST]."""
    predictions = model.predict_next(y[: N_TRAIN + N_TEST - 1])[N_TRAIN - 1:]
    return nrmse(y[N_TRAIN: N_TRAIN + N_TEST], predictions)


def main():
    y = mackey_glass_scaled()
    print(f"Mackey-Glass tau=17: train {N_TRAIN} steps, one-step test on {N_TEST} steps")
    print(f"{'model':<6} {'test NRMSE':>11} {'train time [s]':>15}")
    for name, model in models().items():
        start = time.perf_counter()
        model.fit(y[:N_TRAIN])
        seconds = time.perf_counter() - start
        print(f"{name:<6} {one_step_test_nrmse(model, y):>11.2e} {seconds:>15.2f}")


if __name__ == "__main__":
    main()
