"""Speed-up of a hyperparameter search on a dask cluster over the same search run serially.

``python -m reservoir.benchmark.scaling_search`` runs one randomized search
(:func:`reservoir.model_selection.search_hyperparameters`) of 64
configurations of an ESN forecaster of 300 units on Mackey-Glass (2000
steps, one-step errors over 3 time-series splits: about 0.5-1 s per
configuration on one core) twice per repeat: serially in this process, and
through ``joblib.parallel_config(backend="dask")`` on a
``distributed.LocalCluster`` of 2 worker processes with one thread each
(``--scheduler ADDRESS``: an existing cluster instead). It reports the
median wall time of each, the speed-up, and checks that both searches give
the same configurations, the same split scores and the same best
configuration (exit status 1 if not).

BLAS runs on one thread everywhere: ``OMP_NUM_THREADS``,
``OPENBLAS_NUM_THREADS`` and ``MKL_NUM_THREADS`` are set to 1 before the
local cluster starts (its workers inherit them), the serial search runs
under ``threadpoolctl.threadpool_limits(1)``, and the search pins each
configuration's BLAS to one thread wherever it runs. The serial and the
parallel runs alternate, so that a noisy machine slows both alike; the
cluster is started, and its workers have imported the library and run a
small search, before the clock starts. With 2 workers on a 2-core machine the
target is a speed-up of at least 1.6.

``--quick`` runs a small version (8 configurations of a 30-unit ESN, one
repeat) in a few seconds, as a check that it works.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field

import numpy as np

from ._arguments import positive_int

__all__ = ["ScalingResult", "scaling_search", "main", "TARGET_SPEEDUP"]

#: The speed-up expected from 2 workers on a 2-core machine.
TARGET_SPEEDUP = 1.6
#: Environment variables that pin BLAS and OpenMP to one thread in the local cluster's workers.
BLAS_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
#: (n_configurations, n_units, n_steps, cv, repeats) of the full and of the quick run.
SIZES = {False: (64, 300, 2000, 3, 3), True: (8, 30, 600, 2, 1)}


@dataclass
class ScalingResult:
    """Outcome of :func:`scaling_search`.

    Attributes
    ----------
    n_configurations : int
    n_workers : int
        Worker threads of the cluster (all its workers together).
    serial_seconds, parallel_seconds : list of float
        Wall time of each repeat of the serial and of the dask search.
    worker_seconds : list of float
        Per repeat of the dask search, the compute time of its tasks summed
        over the workers (dask's task stream).
    identical : bool
        Whether every repeat of both gave the same configurations, split
        scores and best configuration.
    best_params : dict
    best_score : float
    settings : dict
        Model size, series length, splits, repeats, scheduler.
    """

    n_configurations: int
    n_workers: int
    serial_seconds: list = field(default_factory=list)
    parallel_seconds: list = field(default_factory=list)
    worker_seconds: list = field(default_factory=list)
    identical: bool = True
    best_params: dict = field(default_factory=dict)
    best_score: float = float("nan")
    settings: dict = field(default_factory=dict)

    @property
    def serial_median(self) -> float:
        """Median wall time of the serial search (s)."""
        return statistics.median(self.serial_seconds)

    @property
    def parallel_median(self) -> float:
        """Median wall time of the search on the cluster (s)."""
        return statistics.median(self.parallel_seconds)

    @property
    def speedup(self) -> float:
        """Serial median over parallel median."""
        return self.serial_median / self.parallel_median

    @property
    def utilization(self) -> float:
        """Median over repeats of worker compute time / (worker threads x dask wall time).

        Near 1: the workers were kept busy (dispatch and data transfer cost
        little). The speed-up is then ``utilization x n_workers x
        serial time / worker compute time``; the last ratio falls below 1
        when the workers compute more slowly than the serial process (other
        processes competing for the cores).
        """
        return statistics.median(w / (self.n_workers * p) for w, p in
                                 zip(self.worker_seconds, self.parallel_seconds, strict=True))

    def report(self) -> str:
        """A few lines for the terminal."""
        s = self.settings
        return "\n".join([
            f"search_hyperparameters: {self.n_configurations} configurations of an ESN "
            f"forecaster ({s['n_units']} units) on Mackey-Glass ({s['n_steps']} steps), "
            f"cv={s['cv']} one-step splits, {s['repeats']} repeat(s)",
            f"serial (1 process, 1 BLAS thread):  median {self.serial_median:.2f} s  "
            f"({', '.join(f'{t:.2f}' for t in self.serial_seconds)})",
            f"dask ({self.n_workers} worker threads, {s['scheduler']}):  median "
            f"{self.parallel_median:.2f} s  "
            f"({', '.join(f'{t:.2f}' for t in self.parallel_seconds)})",
            f"speed-up: {self.speedup:.2f}x (target >= {TARGET_SPEEDUP}x with 2 workers on a "
            "2-core machine)",
            f"workers busy {100 * self.utilization:.0f}% of the dask wall time; their compute "
            f"time {statistics.median(self.worker_seconds):.2f} s vs {self.serial_median:.2f} s "
            "serial (more: the cores were shared with other processes)",
            f"identical results: {'yes' if self.identical else 'NO'} (best score "
            f"{self.best_score:.6g})",
        ])


def _problem(n_units, n_steps):
    """(estimator, parameter distributions, series) of the search."""
    from scipy.stats import loguniform, uniform

    from .. import ESN, ReservoirForecaster
    from ..datasets import mackey_glass

    y = mackey_glass(n_steps, random_state=0)
    estimator = ReservoirForecaster(ESN(n_units=n_units, random_state=0),
                                    washout=min(100, n_steps // 10))
    space = {
        "reservoir__spectral_radius": uniform(0.5, 0.5),
        "reservoir__leak_rate": uniform(0.1, 0.9),
        "reservoir__input_scaling": loguniform(0.1, 2.0),
        "readout__alpha": loguniform(1e-10, 1e-2),
    }
    return estimator, space, y


def _search(problem, n_configurations, cv, n_jobs):
    from ..model_selection import search_hyperparameters

    estimator, space, y = problem
    return search_hyperparameters(estimator, space, y, n_iter=n_configurations, cv=cv,
                                  random_state=0, refit=False, n_jobs=n_jobs)


def _same(first, second):
    """Same configurations, split scores and best configuration."""
    a, b = first.cv_results, second.cv_results
    splits = [c for c in a.columns if c.startswith("split")]
    return (a["params"].tolist() == b["params"].tolist()
            and list(splits) == [c for c in b.columns if c.startswith("split")]
            and np.array_equal(a[splits].to_numpy(float), b[splits].to_numpy(float),
                               equal_nan=True)
            and first.best_params == second.best_params)


def _compute_seconds(tasks):
    """Compute time of the tasks of a dask task stream, summed."""
    return float(sum(part["stop"] - part["start"] for task in tasks
                     for part in task.get("startstops", ()) if part["action"] == "compute"))


def _warm_up():
    """Import the library in a worker (run there before the clock starts)."""
    import reservoir.model_selection  # noqa: F401

    return os.getpid()


def _check_count(value, name, low=1):
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be an int >= {low}; got {value!r}.")
    return value


def scaling_search(*, n_configurations=None, n_workers=2, repeats=None, quick=False,
                   scheduler=None, n_units=None, n_steps=None, cv=None) -> ScalingResult:
    """Time the same search serially and on a dask cluster; check that the results agree.

    Parameters
    ----------
    n_configurations : int, optional
        Configurations sampled (default 64; ``quick``: 8).
    n_workers : int, default=2
        Worker processes (one thread each) of the local cluster; ignored
        with ``scheduler``.
    repeats : int, optional
        Timed repeats of each search; the medians are reported (default 3;
        ``quick``: 1).
    quick : bool, default=False
        The small version: a 30-unit ESN on 600 steps, 2 splits.
    scheduler : str, optional
        Address of an existing dask scheduler to use instead of a local
        cluster (its workers should run one thread each for a fair
        comparison).
    n_units, n_steps, cv : int, optional
        ESN size, series length and number of splits (defaults 300, 2000, 3;
        ``quick``: 30, 600, 2).

    Returns
    -------
    ScalingResult

    Raises
    ------
    ImportError
        dask.distributed is not installed.
    ValueError
        A count is not a positive int.
    """
    try:
        import distributed
    except ImportError as exc:
        raise ImportError('scaling_search needs dask.distributed: pip install '
                          '"reservoir-rc[distributed]"') from exc
    from joblib import parallel_config
    from threadpoolctl import threadpool_limits

    sizes = dict(zip(("n_configurations", "n_units", "n_steps", "cv", "repeats"), SIZES[quick],
                     strict=True))
    given = {"n_configurations": n_configurations, "n_units": n_units, "n_steps": n_steps,
             "cv": cv, "repeats": repeats}
    sizes.update({key: value for key, value in given.items() if value is not None})
    for key, value in sizes.items():
        _check_count(value, key, low=2 if key == "cv" else 1)
    _check_count(n_workers, "n_workers")
    problem = _problem(sizes["n_units"], sizes["n_steps"])
    settings = {**sizes, "scheduler": scheduler or f"LocalCluster({n_workers} processes)"}
    with ExitStack() as stack:
        if scheduler is None:
            saved = {name: os.environ.get(name) for name in BLAS_VARIABLES}
            stack.callback(_restore_environment, saved)
            os.environ.update(dict.fromkeys(BLAS_VARIABLES, "1"))
            cluster = stack.enter_context(distributed.LocalCluster(
                n_workers=n_workers, threads_per_worker=1, processes=True,
                dashboard_address=None, silence_logs=50))
            client = stack.enter_context(distributed.Client(cluster))
        else:
            client = stack.enter_context(distributed.Client(scheduler))
        client.run(_warm_up)
        stack.enter_context(threadpool_limits(limits=1))
        n_threads = sum(client.nthreads().values())
        result = ScalingResult(sizes["n_configurations"], n_threads, settings=settings)
        with parallel_config(backend="dask", client=client):  # warm-up, untimed
            _search(_problem(10, 300), 2 * n_threads, 2, n_jobs=-1)
        _search(_problem(10, 300), 2, 2, n_jobs=1)
        reference = None
        for _ in range(sizes["repeats"]):
            began = time.perf_counter()
            serial = _search(problem, sizes["n_configurations"], sizes["cv"], n_jobs=1)
            result.serial_seconds.append(time.perf_counter() - began)
            with parallel_config(backend="dask", client=client), \
                    distributed.get_task_stream(client=client) as stream:
                began = time.perf_counter()
                parallel = _search(problem, sizes["n_configurations"], sizes["cv"], n_jobs=-1)
                result.parallel_seconds.append(time.perf_counter() - began)
            result.worker_seconds.append(_compute_seconds(stream.data))
            if reference is None:
                reference = serial
            result.identical &= _same(reference, serial) and _same(reference, parallel)
    result.best_params = {key: float(value) for key, value in reference.best_params.items()}
    result.best_score = float(reference.best_score)
    return result


def _restore_environment(saved):
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser of ``python -m reservoir.benchmark.scaling_search``.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="python -m reservoir.benchmark.scaling_search",
        description="Time a 64-configuration hyperparameter search serially and on a dask "
                    "cluster (2 worker processes, 1 thread each); report the speed-up and "
                    "check that the results are identical.")
    parser.add_argument("--quick", action="store_true",
                        help="a small search (8 configurations, 30 units, 1 repeat)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="use the dask cluster at ADDRESS instead of a local one")
    parser.add_argument("--workers", type=positive_int, default=2, metavar="N",
                        help="worker processes of the local cluster (default: 2)")
    parser.add_argument("--configurations", type=positive_int, default=None, metavar="N",
                        help="configurations sampled (default: 64; --quick: 8)")
    parser.add_argument("--repeats", type=positive_int, default=None, metavar="N",
                        help="timed repeats, medians reported (default: 3; --quick: 1)")
    parser.add_argument("--units", type=positive_int, default=None, metavar="N",
                        help="ESN units (default: 300; --quick: 30)")
    parser.add_argument("--min-speedup", type=float, default=None, metavar="X",
                        help="exit with status 1 when the speed-up is below X")
    return parser


def main(argv=None) -> int:
    """Run the scaling benchmark from the command line.

    Parameters
    ----------
    argv : list of str, optional

    Returns
    -------
    int
        0 on success; 1 when the results differ, the speed-up is below
        ``--min-speedup``, or dask is missing; 2 for invalid arguments.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    try:
        result = scaling_search(n_configurations=args.configurations, n_workers=args.workers,
                                repeats=args.repeats, quick=args.quick, scheduler=args.scheduler,
                                n_units=args.units)
    except ImportError as exc:
        print(f"scaling_search: {exc}", file=sys.stderr)
        return 1
    print(result.report())
    if not result.identical:
        print("FAILED: the serial and the dask searches differ.", file=sys.stderr)
        return 1
    if args.min_speedup is not None and result.speedup < args.min_speedup:
        print(f"FAILED: speed-up {result.speedup:.2f}x is below {args.min_speedup}x.",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
