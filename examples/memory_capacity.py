"""Short-term memory capacity (Jaeger 2001) of a 100-unit reservoir, with the per-delay curve.
===========================================================================================

MC = sum over delays k of the squared correlation between u[t-k] and its
best linear reconstruction from the state at t; it is at most N. A linear
reservoir with an orthogonal recurrent matrix near the edge of stability and
small inputs comes close to the bound (White, Lee & Sompolinsky 2004).

Run: ``python examples/memory_capacity.py``; ``RESERVOIR_EXAMPLE_SMALL=1`` for a smoke run.
"""

import os

from reservoir import ESN
from reservoir.metrics import memory_capacity

SMALL = os.environ.get("RESERVOIR_EXAMPLE_SMALL") == "1"
N_UNITS = 30 if SMALL else 100
MAX_DELAY = 2 * N_UNITS


def main():
    configs = {
        "tanh, random, rho=0.9": ESN(n_units=N_UNITS, spectral_radius=0.9, input_scaling=0.1,
                                      random_state=0),
        "linear, orthogonal, rho=0.99": ESN(n_units=N_UNITS, spectral_radius=0.99,
                                             topology="orthogonal", activation="identity",
                                             input_scaling=0.1, random_state=0),
    }
    results = {}
    for name, esn in configs.items():
        mc, curve = memory_capacity(esn, n_steps=2000 if SMALL else 10000, max_delay=MAX_DELAY,
                                    alpha=1e-10, random_state=0, return_curve=True)
        results[name] = mc
        print(f"{name}: MC = {mc:.1f} (bound N = {N_UNITS})")
        marks = range(0, MAX_DELAY, max(1, MAX_DELAY // 20))
        print("  delay: " + " ".join(f"{k + 1:5d}" for k in marks))
        print("  r^2:   " + " ".join(f"{curve[k]:5.2f}" for k in marks))
    return results


if __name__ == "__main__":
    main()
