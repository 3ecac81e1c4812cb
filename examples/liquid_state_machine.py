"""A spiking reservoir: firing statistics, the edge of self-sustained activity, memory, NARMA-10.

1. Firing statistics of the default liquid (``LSM()``) on inputs in [-1, 1]
   and in [0, 1]: mean rate and fraction of silent neurons.
2. Spectral-radius sweep: drive the liquid with input, then remove the input
   and measure whether the activity dies out or sustains itself.
3. Delayed recall (Jaeger's memory capacity) of a liquid configured as a
   discrete-time map (synaptic latency of one input step, fast membranes),
   and of the same liquid with heterogeneous synaptic delays (each
   connection's latency drawn from 1 to 11 input steps) read out through
   four trace kernels (5, 10, 20, 40 ms).
4. NARMA-10 with ``ReservoirRegressor(reservoir=LSM(...))`` (200 washout,
   2000 training and 1000 test steps of one continuous series, as in
   ``examples/narma.py``): the discrete-time map, and the liquid with
   heterogeneous delays and several kernels (median test NRMSE over 3 seeds;
   about 0.31 with 500 neurons), next to an ESN of the same size.

Run::

    python examples/liquid_state_machine.py
    RESERVOIR_EXAMPLE_SMALL=1 python examples/liquid_state_machine.py   # a few seconds
"""

import os
import warnings

import numpy as np

from reservoir import ESN, LSM, ReservoirRegressor
from reservoir.datasets import narma
from reservoir.lsm import LiquidActivityWarning
from reservoir.metrics import memory_capacity, nrmse
from reservoir.readouts import RidgeReadout

SMALL = os.environ.get("RESERVOIR_EXAMPLE_SMALL") == "1"
N_UNITS = 40 if SMALL else 500
SWEEP_RADII = (0.5, 1.0, 2.0, 3.0, 4.0, 8.0)
SEED = 0
NARMA_WASHOUT, NARMA_TRAIN, NARMA_TEST = (50, 300, 200) if SMALL else (200, 2000, 1000)
NARMA_SEEDS = (0,) if SMALL else (0, 1, 2)


def memory_liquid(**params):
    """An LSM tuned for recalling individual past inputs (inputs of roughly unit size).

    Each input is held for 20 ms; spikes reach their targets one input step
    later (19 ms of delay plus the 1 ms step), and membranes (5 ms) and
    synapses (2 ms) forget within a step, so the liquid acts as a
    discrete-time map x[t] = F(x[t-1], u[t]) like an ESN. Strong inhibition
    (``inhibition_balance=2``) keeps it stable at a high gain.
    """
    config = dict(n_units=N_UNITS, steps_per_input=20, synaptic_delay=19.0, tau_membrane=5.0,
                  tau_syn_exc=2.0, tau_syn_inh=2.0, tau_trace=5.0, spectral_radius=12.0,
                  inhibition_balance=2.0, input_scaling=10.0, random_state=SEED)
    config.update(params)
    return LSM(**config)


def delay_line_liquid(**params):
    """The memory liquid with heterogeneous synaptic delays and four readout kernels.

    Each connection's latency is drawn from 19 to 219 ms, i.e. 1 to 11 input
    steps, so spikes re-enter the liquid up to 11 inputs later (delay lines);
    the spikes are filtered with 5, 10, 20 and 40 ms kernels, so the readout
    sees when in the last few input steps each neuron fired.
    """
    config = dict(synaptic_delay=(19.0, 219.0), tau_trace=(5.0, 10.0, 20.0, 40.0),
                  spectral_radius=8.0, input_scaling=20.0)
    config.update(params)
    return memory_liquid(**config)


def firing_statistics():
    u = np.random.default_rng(SEED).uniform(-1.0, 1.0, 200 if SMALL else 2000)
    lsm = LSM(n_units=N_UNITS, random_state=SEED).fit(u)
    print(f"1. Default liquid, {N_UNITS} neurons")
    for name, x in (("[-1, 1]", u), ("[0, 1]", (u + 1.0) / 2.0)):
        lsm.transform(x)
        print(f"   input in {name:8s} mean rate {lsm.mean_rate_:6.1f} Hz, silent "
              f"{lsm.fraction_silent_:5.1%}, busiest neuron {lsm.firing_rates_.max():.0f} Hz")


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
    u = np.random.default_rng(SEED).uniform(-1.0, 1.0, 50 if SMALL else 200)
    n_quiet = 40 if SMALL else 200
    print(f"\n2. Spectral-radius sweep ({N_UNITS} neurons): {len(u)} input steps, then "
          f"{n_quiet} without input ({n_quiet * 10} ms)")
    print("   radius  rate driven  rate late after input  activity")
    for radius in SWEEP_RADII:
        lsm = LSM(n_units=N_UNITS, spectral_radius=radius, random_state=SEED).fit(u)
        driven, late = persistence(lsm, u, n_quiet)
        verdict = "self-sustained" if late > 1.0 else "dies out"
        print(f"   {radius:6.1f}  {driven:8.1f} Hz  {late:18.1f} Hz  {verdict}")


def delayed_recall():
    n_steps = 500 if SMALL else 3000
    print(f"\n3. Delayed recall, {N_UNITS} neurons")
    # memory_capacity feeds inputs uniform on [-0.5, 0.5]: twice the input scaling.
    liquids = {
        "one-step latency": (memory_liquid(input_scaling=20.0), 1e-2),
        "delays 1-11 steps, 4 kernels": (delay_line_liquid(input_scaling=40.0), 1.0),
    }
    for name, (lsm, alpha) in liquids.items():
        mc, curve = memory_capacity(lsm, n_steps=n_steps, max_delay=20, alpha=alpha,
                                    random_state=SEED, return_curve=True)
        remembered = int(np.sum(curve >= 0.05))
        print(f"   {name:29s} memory capacity {mc:5.2f} ({remembered} delays with "
              f"MC_k >= 0.05); MC_k, k = 1..12: {' '.join(f'{c:.2f}' for c in curve[:12])}")


def narma_error(reservoir, alpha, seed):
    """Test NRMSE on NARMA-10: fit on the training steps, score the test steps of one run."""
    u, y = narma(NARMA_WASHOUT + NARMA_TRAIN + NARMA_TEST, order=10, random_state=seed)
    x = 4.0 * u - 1.0  # NARMA inputs are uniform on [0, 0.5]; the liquid expects [-1, 1]
    split = NARMA_WASHOUT + NARMA_TRAIN
    reg = ReservoirRegressor(reservoir=reservoir, readout=RidgeReadout(alpha=alpha),
                             washout=NARMA_WASHOUT)
    reg.fit(x[:split], y[:split])
    return nrmse(y[split:], reg.predict(x)[split:])


def narma_10():
    print(f"\n4. NARMA-10: {NARMA_TRAIN} training steps, {NARMA_TEST} test steps, "
          f"{N_UNITS} units; test NRMSE per seed and median over seeds {list(NARMA_SEEDS)}")
    # Spike-count states need a fairly strong ridge penalty, the more so with several kernels.
    models = {
        "LSM, one-step latency": (lambda seed: memory_liquid(random_state=seed), 1e-2),
        "LSM, delays + 4 kernels": (lambda seed: delay_line_liquid(random_state=seed), 100.0),
        "ESN": (lambda seed: ESN(n_units=N_UNITS, spectral_radius=0.9, input_scaling=0.25,
                                 random_state=seed), 1e-2),
    }
    for name, (make, alpha) in models.items():
        errors = [narma_error(make(seed), alpha, seed) for seed in NARMA_SEEDS]
        print(f"   {name:24s} {' '.join(f'{e:.3f}' for e in errors)}   median "
              f"{np.median(errors):.3f}")
    lsm = delay_line_liquid().fit(np.zeros(1))
    x = np.random.default_rng(SEED).uniform(-1.0, 1.0, NARMA_TEST)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LiquidActivityWarning)
        lsm.transform(x)
    print(f"   delay-line liquid firing: mean rate {lsm.mean_rate_:.1f} Hz, "
          f"silent {lsm.fraction_silent_:.1%}")


if __name__ == "__main__":
    firing_statistics()
    spectral_radius_sweep()
    delayed_recall()
    narma_10()
