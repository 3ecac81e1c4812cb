"""Benchmarks of the library, each a command in the repository.

* ``reservoir-bench`` / ``python -m reservoir.benchmark``: the comparative
  study. Reservoirs (ESN, LSM), trained RNNs (LSTM, GRU, leaky RNN) and
  statistical baselines (ARIMA, persistence) on Mackey-Glass, NARMA-10,
  Lorenz-63, memory capacity and sunspots, with equal tuning budgets on a
  validation split and several seeds on a held-out test split
  (:mod:`.tasks`, :mod:`.models`, :mod:`.runner`, :mod:`.report`).
* ``python -m reservoir.benchmark.speed``: throughput of the reservoir time
  loop (:mod:`.speed`).
"""
