"""A spiking reservoir: the default liquid, its firing, its edge of stability, memory, NARMA-10.
=============================================================================================

The default ``LSM()`` is a delay-line liquid (see the docstring of
``reservoir/lsm.py``): fast LIF neurons stepped as a discrete-time map (20 ms
per input step), synaptic latencies drawn per connection from 1 to 10 input
steps, and spike trains read out through two kernels (10 and 40 ms). This
script shows, for that liquid and for the biological liquid of Maass et al.
(2002) that was the default before it:

1. Firing statistics of the default liquid on standardised input (zero mean,
   unit variance, what the estimators feed it), on [-1, 1] and on [0, 1].
2. Spectral-radius sweep: drive the liquid with input, then remove the input
   and measure whether the activity dies out or sustains itself.
3. Delayed recall (Jaeger's memory capacity, inputs uniform on [-0.5, 0.5]).
4. NARMA-10 with ``ReservoirRegressor(LSM(n_units=400, random_state=s),
   washout=200)``: one series of 3200 steps, the first 2200 for training, the
   last 1000 for testing, the input standardised with the training statistics;
   test NRMSE per liquid seed s = 0, 1, 2 and their median, for the default
   liquid, for it without the delay lines or without the second kernel, for
   the biological liquid, and for an ESN of the same size. The default liquid's
   median (0.35) is the figure quoted in the docstring of ``reservoir/lsm.py``.
   Then the same regression done by hand from the liquid's states (states and
   input -> ``RidgeReadout``), for ridge penalties from 1e-9 to 1, and on the
   raw NARMA input in [0, 0.5] instead of the standardised one.
5. Cost per input step of the default and the biological liquid (400 neurons).

Run::

    python examples/liquid_state_machine.py
    RESERVOIR_EXAMPLE_SMALL=1 python examples/liquid_state_machine.py   # a few seconds
"""

import os
import time
import warnings

import numpy as np

from reservoir import ESN, LSM, ReservoirRegressor
from reservoir.datasets import narma
from reservoir.lsm import LiquidActivityWarning
from reservoir.metrics import memory_capacity, nrmse
from reservoir.readouts import RidgeReadout

SMALL = os.environ.get("RESERVOIR_EXAMPLE_SMALL") == "1"
N_UNITS = 40 if SMALL else 400
SWEEP_RADII = (1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0)
SEED = 0
NARMA_WASHOUT, NARMA_TRAIN, NARMA_TEST = (50, 300, 200) if SMALL else (200, 2000, 1000)
NARMA_SEEDS = (0,) if SMALL else (0, 1, 2)

#: The biological liquid (Maass, Natschlaeger & Markram 2002), the defaults of ``LSM``
#: before the delay-line liquid: balanced excitation and inhibition, 30 ms membranes,
#: 3 / 6 ms synapses, no synaptic delay, one 30 ms trace, 1 ms steps.
BIOLOGICAL = dict(spectral_radius=2.0, inhibition_balance=1.0, input_scaling=20.0,
                  background_current=13.5, tau_membrane=30.0, tau_syn_exc=3.0, tau_syn_inh=6.0,
                  synaptic_delay=0.0, tau_trace=30.0, dt=1.0)


def standardised(u, n_train):
    """``u`` with zero mean and unit variance over its first ``n_train`` steps."""
    return (u - u[:n_train].mean()) / u[:n_train].std()


def firing_statistics():
    u = np.random.default_rng(SEED).uniform(-1.0, 1.0, 200 if SMALL else 2000)
    lsm = LSM(n_units=N_UNITS, random_state=SEED).fit(u)
    print(f"1. Default liquid, {N_UNITS} neurons")
    inputs = (("standardised", np.sqrt(3.0) * u), ("[-1, 1]", u), ("[0, 1]", (u + 1.0) / 2.0))
    for name, x in inputs:
        lsm.transform(x)
        print(f"   input {name:13s} mean rate {lsm.mean_rate_:6.1f} Hz, silent "
              f"{lsm.fraction_silent_:5.1%}, busiest neuron {lsm.firing_rates_.max():.0f} Hz")
    print("   (a nonnegative input holds the neurons with negative input weights below "
          "threshold: more of them stay silent)")


def persistence(lsm, u, n_quiet):
    """Mean rates while driven, and in the second half of a quiet period after the input."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LiquidActivityWarning)
        lsm.transform(u)
        driven = lsm.mean_rate_
        lsm.transform(np.zeros(n_quiet // 2), initial_state=lsm.final_state_)
        lsm.transform(np.zeros(n_quiet // 2), initial_state=lsm.final_state_)
    return driven, lsm.mean_rate_


def spectral_radius_sweep():
    u = np.random.default_rng(SEED).normal(size=50 if SMALL else 200)
    n_quiet = 40 if SMALL else 200
    step_ms = LSM().steps_per_input * LSM().dt
    print(f"\n2. Spectral-radius sweep of the default liquid ({N_UNITS} neurons): {len(u)} "
          f"standardised input steps, then {n_quiet} without input ({n_quiet * step_ms:.0f} ms)")
    print("   radius  rate driven  rate late after input  activity")
    for radius in SWEEP_RADII:
        lsm = LSM(n_units=N_UNITS, spectral_radius=radius, random_state=SEED).fit(u)
        driven, late = persistence(lsm, u, n_quiet)
        verdict = "self-sustained" if late > 1.0 else "dies out"
        print(f"   {radius:6.1f}  {driven:8.1f} Hz  {late:18.1f} Hz  {verdict}")


def delayed_recall():
    n_steps = 500 if SMALL else 4000
    print(f"\n3. Delayed recall, {N_UNITS} neurons, inputs uniform on [-0.5, 0.5]")
    liquids = {
        "default liquid": LSM(n_units=N_UNITS, random_state=SEED),
        "biological liquid": LSM(n_units=N_UNITS, random_state=SEED, **BIOLOGICAL),
    }
    for name, lsm in liquids.items():
        mc, curve = memory_capacity(lsm, n_steps=n_steps, max_delay=20, random_state=SEED,
                                    return_curve=True)
        remembered = int(np.sum(curve >= 0.5))
        print(f"   {name:18s} memory capacity {mc:5.2f} ({remembered} delays with "
              f"MC_k >= 0.5); MC_k, k = 1..12: {' '.join(f'{c:.2f}' for c in curve[:12])}")


def narma_10():
    n_steps = NARMA_WASHOUT + NARMA_TRAIN + NARMA_TEST
    split = NARMA_WASHOUT + NARMA_TRAIN
    u, y = narma(n_steps, order=10, random_state=0)
    x = standardised(u, split)
    print(f"\n4. NARMA-10: {NARMA_TRAIN} training steps after a washout of {NARMA_WASHOUT}, "
          f"{NARMA_TEST} test steps, {N_UNITS} units, standardised input; test NRMSE per "
          f"seed {list(NARMA_SEEDS)} and median")
    models = {
        "LSM, default": lambda seed: LSM(n_units=N_UNITS, random_state=seed),
        "LSM, no delay lines": lambda seed: LSM(n_units=N_UNITS, synaptic_delay=18.0,
                                                random_state=seed),
        "LSM, one kernel (40 ms)": lambda seed: LSM(n_units=N_UNITS, tau_trace=40.0,
                                                    random_state=seed),
        "LSM, biological": lambda seed: LSM(n_units=N_UNITS, random_state=seed, **BIOLOGICAL),
        "ESN, default": lambda seed: ESN(n_units=N_UNITS, random_state=seed),
    }
    for name, make in models.items():
        errors = []
        for seed in NARMA_SEEDS:
            reg = ReservoirRegressor(make(seed), washout=NARMA_WASHOUT)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", LiquidActivityWarning)
                reg.fit(x[:split], y[:split])
                errors.append(nrmse(y[split:], reg.predict(x)[split:]))
        print(f"   {name:24s} {' '.join(f'{e:.3f}' for e in errors)}   median "
              f"{np.median(errors):.3f}")
    print("   by hand from the states, per ridge alpha (default liquid, standardised input):")
    by_alpha = {alpha: [] for alpha in (1e-9, 1e-6, 1e-4, 1e-2, 1.0)}
    for seed in NARMA_SEEDS:
        for alpha, error in by_hand(LSM(n_units=N_UNITS, random_state=seed), x, y, split,
                                    by_alpha).items():
            by_alpha[alpha].append(error)
    for alpha, errors in by_alpha.items():
        label = f"alpha={alpha:g}"
        print(f"   {label:24s} {' '.join(f'{e:.3f}' for e in errors)}   median "
              f"{np.median(errors):.3f}")
    print("   raw input in [0, 0.5], default readout:")
    for name, params in (("LSM, default", {}), ("LSM, biological", BIOLOGICAL)):
        errors = [by_hand(LSM(n_units=N_UNITS, random_state=seed, **params), u, y, split,
                          [None])[None] for seed in NARMA_SEEDS]
        print(f"   {name:24s} {' '.join(f'{e:.3f}' for e in errors)}   median "
              f"{np.median(errors):.3f}")


def by_hand(lsm, x, y, split, alphas):
    """Test NRMSE per ridge alpha (None: the default) of states + input -> ridge readout.

    What ``ReservoirRegressor(lsm, washout=NARMA_WASHOUT)`` does on ``x`` as
    given, with the liquid run once for all penalties.
    """
    x = x[:, None]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LiquidActivityWarning)
        features = np.hstack([lsm.fit(x[:split]).transform(x), x])
    errors = {}
    for alpha in alphas:
        readout = RidgeReadout() if alpha is None else RidgeReadout(alpha=alpha)
        readout.fit(features[NARMA_WASHOUT:split], y[NARMA_WASHOUT:split])
        errors[alpha] = nrmse(y[split:], readout.predict(features[split:]))
    return errors


def cost_per_step():
    n_steps = 100 if SMALL else 1000
    x = np.random.default_rng(SEED).normal(size=(n_steps, 1))
    print(f"\n5. Cost of one input step, {N_UNITS} neurons, one series (best of 3 runs)")
    for name, params in (("default liquid", {}), ("biological liquid", BIOLOGICAL)):
        lsm = LSM(n_units=N_UNITS, random_state=SEED, **params).fit(x)
        best = np.inf
        for _ in range(3):
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", LiquidActivityWarning)
                lsm.transform(x)
            best = min(best, time.perf_counter() - start)
        print(f"   {name:18s} {1e3 * best / n_steps:.3f} ms ({lsm.steps_per_input} simulation "
              f"steps of {lsm.dt:g} ms, mean rate {lsm.mean_rate_:.0f} Hz)")


if __name__ == "__main__":
    firing_statistics()
    spectral_radius_sweep()
    delayed_recall()
    narma_10()
    cost_per_step()
