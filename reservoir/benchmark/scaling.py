"""Scaling benchmarks: memory of streamed fits, and fits spread over dask workers.

``python -m reservoir.benchmark.scaling`` measures, each in a fresh process so
that peak resident memory (``ru_maxrss``) belongs to one measurement:

* ``forecaster_fit``: ``ReservoirForecaster(ESN(n_units=2000)).fit`` on one
  series of 80,000 steps;
* ``streamed_fit``: ``ReservoirRegressor(ESN(n_units=1000)).partial_fit`` over
  1,000,000 steps in chunks of 10,000, generated chunk by chunk;

and with ``--distributed``, the wall time of :func:`reservoir.distributed.fit`
on 2,000 series x 2,000 steps at N=500 on a ``LocalCluster`` of 1 worker and of
2 workers (processes, one thread and one BLAS thread each), in the same run,
with the speed-up and the agreement of the two fits. The series are generated
on the workers (``dask.delayed``), so only readout statistics travel.

``--quick`` shrinks every case (for the test suite).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

__all__ = ["memory_rows", "distributed_rows", "synthetic_series", "main"]

#: (name, code) of the memory cases; ``{quick}`` selects the small sizes.
_MEMORY_CASES = {
    "forecaster_fit": """
import numpy as np
from reservoir import ESN, ReservoirForecaster
n_units, n_steps = (200, 8000) if {quick} else (2000, 80000)
t = np.arange(n_steps)
noise = 0.01 * np.random.default_rng(0).normal(size=n_steps)
y = np.sin(0.05 * t) + 0.5 * np.sin(0.0123 * t) + noise
ReservoirForecaster(ESN(n_units=n_units, random_state=0)).fit(y)
""",
    "streamed_fit": """
import numpy as np
from reservoir import ESN, ReservoirRegressor
n_units, n_steps, chunk = (100, 100000, 10000) if {quick} else (1000, 1000000, 10000)
model = ReservoirRegressor(ESN(n_units=n_units, random_state=0), washout=100, scale=None)
rng = np.random.default_rng(0)
for start in range(0, n_steps, chunk):
    u = rng.uniform(-1, 1, chunk)
    model.partial_fit(u, np.roll(u, 3) * u)
""",
}

_REPORT = """
import json, resource, time
_clock = time.perf_counter()
{body}
print(json.dumps({{"seconds": time.perf_counter() - _clock,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def _single_threaded_env():
    env = dict(os.environ)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"
    return env


def memory_rows(quick=False):
    """Peak resident memory of each memory case, each run in a fresh Python process.

    Parameters
    ----------
    quick : bool, default=False
        Small sizes.

    Returns
    -------
    list of dict
        ``case``, ``seconds``, ``peak_rss_mb``.
    """
    rows = []
    for name, body in _MEMORY_CASES.items():
        code = _REPORT.format(body=body.format(quick=bool(quick)))
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                env=_single_threaded_env(), check=True)
        rows.append({"case": name, **json.loads(result.stdout.strip().splitlines()[-1])})
    return rows


def synthetic_series(index, length):
    """A reproducible test series (two sines and noise), the ``index``-th of a set.

    Parameters
    ----------
    index, length : int

    Returns
    -------
    ndarray of shape (length,)
    """
    rng = np.random.default_rng(index)
    t = np.arange(length)
    period = rng.uniform(20, 80)
    return (np.sin(2 * np.pi * t / period + rng.uniform(0, 6.3))
            + 0.3 * np.sin(2 * np.pi * t / (3.1 * period)) + 0.05 * rng.normal(size=length))


def _distributed_fit(n_workers, n_series, length, n_units):
    """Wall time and coefficients of a distributed fit on a fresh LocalCluster."""
    import dask
    from distributed import Client, LocalCluster

    from reservoir import ESN, ReservoirForecaster
    from reservoir.distributed import fit

    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=50) as cluster, \
            Client(cluster) as client:
        client.run(lambda: None)  # workers up before the clock starts
        series = [dask.delayed(synthetic_series)(i, length) for i in range(n_series)]
        model = ReservoirForecaster(ESN(n_units=n_units, random_state=0), washout=100)
        start = time.perf_counter()
        fit(model, series, client=client)
        seconds = time.perf_counter() - start
    return seconds, model.readout_.coef_


def distributed_rows(quick=False, repeats=1):
    """Distributed fit on 1 worker and on 2 workers, in the same run; speed-up and agreement.

    Parameters
    ----------
    quick : bool, default=False
        20 series x 300 steps at N=50 instead of 2,000 x 2,000 at N=500.
    repeats : int, default=1
        Fits per worker count; the median time is reported.

    Returns
    -------
    list of dict
        ``workers``, ``seconds`` (median), ``speedup`` (against 1 worker) and
        ``coef_relative_difference`` (against the 1-worker fit).
    """
    n_series, length, n_units = (20, 300, 50) if quick else (2000, 2000, 500)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"  # inherited by the workers
    results = {}
    for n_workers in (1, 2):
        runs = [_distributed_fit(n_workers, n_series, length, n_units) for _ in range(repeats)]
        results[n_workers] = (float(np.median([r[0] for r in runs])), runs[0][1])
    reference_seconds, reference = results[1]
    return [{"workers": n_workers, "series": n_series, "steps": length, "n_units": n_units,
             "seconds": seconds, "speedup": reference_seconds / seconds,
             "coef_relative_difference": float(np.linalg.norm(coef - reference)
                                               / np.linalg.norm(reference))}
            for n_workers, (seconds, coef) in results.items()]


def _print_table(rows):
    columns = list(rows[0])
    print(" | ".join(columns))
    for row in rows:
        print(" | ".join(f"{row[c]:.3g}" if isinstance(row[c], float) else str(row[c])
                         for c in columns))


def main(argv=None):
    """Command-line entry point (``python -m reservoir.benchmark.scaling``)."""
    parser = argparse.ArgumentParser(prog="python -m reservoir.benchmark.scaling",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--distributed", action="store_true",
                        help="also time reservoir.distributed.fit on 1 and 2 workers")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory cases")
    parser.add_argument("--repeats", type=int, default=1,
                        help="distributed fits per worker count (median reported)")
    args = parser.parse_args(argv)
    if not args.no_memory:
        print("Peak resident memory, each case in a fresh process:")
        _print_table(memory_rows(quick=args.quick))
    if args.distributed:
        print("\nreservoir.distributed.fit on a LocalCluster (1 thread per worker):")
        _print_table(distributed_rows(quick=args.quick, repeats=args.repeats))


if __name__ == "__main__":  # pragma: no cover
    main()
