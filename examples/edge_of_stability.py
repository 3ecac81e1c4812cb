"""Where does an echo state network compute best? A stability sweep on NARMA-10.
=============================================================================

For a range of spectral radii the script prints, for one fixed set of random
weights: the Lyapunov exponent of the reservoir driven by the NARMA input
(negative = echo state property, positive = chaotic), Jaeger's memory
capacity, and the validation NRMSE of a ridge readout on NARMA-10 (last 25 %
of the series held out). It then finds the radius at which the exponent is
-0.01 (the "edge of stability") by bisection and scores the ESN there.

Run:  python examples/edge_of_stability.py
Set RESERVOIR_EXAMPLE_SMALL=1 for a quick run with a smaller reservoir.
"""

import os

from reservoir import ESN, ReservoirRegressor, RidgeReadout
from reservoir.analysis import edge_of_stability, stability_sweep
from reservoir.datasets import narma
from reservoir.model_selection import learning_curve

SMALL = os.environ.get("RESERVOIR_EXAMPLE_SMALL") == "1"
N_UNITS = 50 if SMALL else 200
N_STEPS = 1200 if SMALL else 4000
RADII = [0.6, 0.9, 1.0, 1.1, 1.6] if SMALL else [0.5, 0.7, 0.8, 0.9, 1.0, 1.05, 1.1, 1.2, 1.4]
MEMORY = {"max_delay": 60, "n_steps": 1500} if SMALL else {"max_delay": 100, "n_steps": 4000}
VALIDATION = 0.25


def main():
    u, y = narma(N_STEPS, order=10, random_state=0)
    esn = ESN(n_units=N_UNITS, input_scaling=0.2, bias_scaling=0.2, random_state=0)
    model = ReservoirRegressor(esn, readout=RidgeReadout(alpha=1e-6), washout=100)

    table = stability_sweep(model, u, y, RADII, validation=VALIDATION,
                            memory_capacity_kwargs=MEMORY, random_state=0)
    print(f"NARMA-10, ESN with {N_UNITS} units, {N_STEPS} steps "
          f"(last {VALIDATION:.0%} for validation)")
    print(table.to_string(index=False, float_format=lambda v: f"{v:9.4f}"))
    best = table.loc[table["validation_nrmse"].idxmin()]
    print(f"lowest validation NRMSE {best['validation_nrmse']:.4f} at spectral radius "
          f"{best['spectral_radius']:g} (Lyapunov exponent {best['lyapunov_exponent']:+.4f})")

    n_train = int(round((1 - VALIDATION) * N_STEPS))
    edge, exponent = edge_of_stability(esn, u[:n_train], target=-0.01, return_exponent=True)
    at_edge = stability_sweep(model, u, y, [edge.spectral_radius], validation=VALIDATION,
                              memory_capacity_kwargs=MEMORY, random_state=0)
    print(f"edge of stability (exponent -0.01): spectral radius {edge.spectral_radius:.4f}, "
          f"measured exponent {exponent:+.4f}, memory capacity "
          f"{at_edge['memory_capacity'].iloc[0]:.2f}, validation NRMSE "
          f"{at_edge['validation_nrmse'].iloc[0]:.4f}")

    sizes = [0.25, 0.5, 1.0]
    curve = learning_curve(model.set_params(reservoir__spectral_radius=float(
        best["spectral_radius"])), u, y, sizes, validation=VALIDATION)
    print("learning curve at the best radius (would more data help?)")
    print(curve.drop(columns="fit_time").to_string(index=False,
                                                   float_format=lambda v: f"{v:9.4f}"))


if __name__ == "__main__":
    main()
