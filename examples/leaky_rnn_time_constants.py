"""Do learned time constants help a leaky-integrator RNN? NARMA-10, median of 3 seeds.
===================================================================================

The same network, ``LeakyRNNRegressor`` with 32 leaky-tanh units
``h <- (1 - a) h + a tanh(W h + U u + b)``, is trained three ways on the same
NARMA-10 data (2000 training steps, test on the next 1000):

* fixed a = 0.5 for every unit (the class default);
* fixed a = 1.0 (a plain tanh RNN);
* learned per-unit a, parameterised as sigmoid(theta), starting from a = 0.5,
  i.e. the first network with the leak rates made trainable and nothing else
  changed.

Every variant gets the same optimiser settings and the same three seeds. The
script prints each variant's test NRMSE per seed and the median, and the
spread of the learned time constants.

Run::

    python examples/leaky_rnn_time_constants.py

``RESERVOIR_EXAMPLE_SMALL=1`` shrinks everything to a few seconds.
"""

import os

import numpy as np

from reservoir.baselines import LeakyRNNRegressor
from reservoir.datasets import narma
from reservoir.metrics import nrmse

SMALL = os.environ.get("RESERVOIR_EXAMPLE_SMALL") == "1"
N_TRAIN, N_TEST = (300, 100) if SMALL else (2000, 1000)
SEEDS = (0, 1) if SMALL else (0, 1, 2)
TRAINING = dict(hidden_size=8, max_epochs=3) if SMALL else dict(hidden_size=32, max_epochs=1000)
VARIANTS = {
    "fixed a=0.5": dict(leak_rate=0.5, learn_time_constants=False),
    "fixed a=1.0": dict(leak_rate=1.0, learn_time_constants=False),
    "learned a (from 0.5)": dict(leak_rate=0.5, learn_time_constants=True),
}


def test_nrmse(model, u, y):
    """Fit on the training part; NRMSE on the test part (run after the training inputs)."""
    model.fit(u[:N_TRAIN], y[:N_TRAIN])
    return nrmse(y[N_TRAIN:], model.predict(u)[N_TRAIN:])


def main():
    u, y = narma(n_steps=N_TRAIN + N_TEST, order=10, random_state=0)
    print(f"NARMA-10: train {N_TRAIN} steps, test {N_TEST}; seeds {list(SEEDS)}")
    for name, leak in VARIANTS.items():
        scores, rates = [], []
        for seed in SEEDS:
            model = LeakyRNNRegressor(washout=20, learning_rate=1e-2, patience=100,
                                      random_state=seed, **leak, **TRAINING)
            scores.append(test_nrmse(model, u, y))
            rates.append(model.learned_time_constants_)
        spread = np.percentile(np.concatenate(rates), [5, 50, 95])
        print(f"{name:<21} NRMSE per seed {np.round(scores, 3)}  median {np.median(scores):.3f}"
              f"  time constants 5/50/95%: {np.round(spread, 2)}")


if __name__ == "__main__":
    main()
