"""Default against default: what a user gets with nothing set, and the sweep behind our defaults.

Four standard tasks, each with the reservoir size a user would pick:

* ``mackey_glass``: Mackey-Glass (tau=17) scaled to [-1, 1], 5000 teacher-forced
  steps, then an 84-step closed-loop forecast; NRMSE = RMSE / std of the series
  (lower is better). N = 1000.
* ``narma10``: NARMA-10 input-output regression, 2200 training steps, scored on
  the following 1000 steps of one run over the whole input; NRMSE. N = 500.
* ``lorenz``: Lorenz-63 (dt=0.02), 4000 teacher-forced steps, closed-loop
  forecasts from the end of training and from two later 300-step contexts;
  valid prediction time (threshold 0.4) in Lyapunov times, median of the three
  (higher is better). N = 500.
* ``memory_capacity``: :func:`reservoir.metrics.memory_capacity` of the bare
  reservoir (higher is better). N = 100.

``python -m reservoir.benchmark.defaults`` runs our estimators with their
defaults (only ``n_units`` and the seed set) and, when ReservoirPy is installed,
ReservoirPy's (``Reservoir(units, seed=seed) >> Ridge()``) on the same arrays;
ReservoirPy is never a dependency. ``--sweep`` re-runs the random search that
chose the region of the ESN's defaults (at smaller sizes) and prints its table,
``--refine`` the grid at full size that chose the defaults in it; ``--edge``
compares the default spectral radius with ``spectral_radius="edge"``.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator

from ..datasets import LORENZ_LYAPUNOV_EXPONENT, lorenz, mackey_glass, narma
from ..metrics import memory_capacity, nrmse, valid_prediction_time

__all__ = ["TASKS", "DefaultsTask", "compare_defaults", "compare_edge", "compare_systems",
           "our_system", "refine_defaults", "sweep_defaults", "main"]

SEEDS = (0, 1, 2, 3, 4)
MG_TRAIN, MG_HORIZON = 5000, 84
NARMA_TRAIN, NARMA_TEST = 2200, 1000
LORENZ_DT, LORENZ_TRAIN, LORENZ_CONTEXT, LORENZ_ORIGINS = 0.02, 4000, 300, 3
LORENZ_HORIZON = int(np.ceil(10 / (LORENZ_LYAPUNOV_EXPONENT * LORENZ_DT)))  # 10 Lyapunov times


# -- data -------------------------------------------------------------------------------------
def _mackey_glass_data():
    y = mackey_glass(n_steps=MG_TRAIN + MG_HORIZON, tau=17, random_state=0)
    return 2 * (y - y.min()) / (y.max() - y.min()) - 1


def _narma_data():
    return narma(n_steps=NARMA_TRAIN + NARMA_TEST, order=10, random_state=0)


def _lorenz_data():
    return lorenz(LORENZ_TRAIN + LORENZ_ORIGINS * LORENZ_HORIZON, dt=LORENZ_DT, random_state=0)


def _lorenz_origins():
    """(context start, forecast start) of each Lorenz forecast: the end of training, then later."""
    starts = [LORENZ_TRAIN + k * LORENZ_HORIZON for k in range(LORENZ_ORIGINS)]
    return [(0 if k == 0 else s - LORENZ_CONTEXT, s) for k, s in enumerate(starts)]


# -- the two systems ------------------------------------------------------------------------------
class _Ours:
    """Our estimators, with the given ESN and estimator parameters on top of the defaults."""

    name = "reservoir (defaults)"

    def __init__(self, esn_params=None, estimator_params=None):
        self.esn_params = dict(esn_params or {})
        self.estimator_params = dict(estimator_params or {})

    def _esn(self, n_units, seed):
        from ..esn import ESN

        return ESN(n_units=n_units, random_state=seed, **self.esn_params)

    def forecaster(self, n_units, seed):
        from ..estimators import ReservoirForecaster

        return _OurForecaster(ReservoirForecaster(self._esn(n_units, seed),
                                                  **self.estimator_params))

    def regressor(self, n_units, seed):
        from ..estimators import ReservoirRegressor

        return ReservoirRegressor(self._esn(n_units, seed), **self.estimator_params)

    def reservoir(self, n_units, seed):
        return self._esn(n_units, seed)


def our_system(esn_params=None, estimator_params=None):
    """Our estimators as a system of :func:`compare_systems`, with parameters on the defaults.

    Parameters
    ----------
    esn_params : dict, optional
        ESN parameters set on top of the defaults (e.g. ``{"dtype": "float32"}``).
    estimator_params : dict, optional
        Estimator parameters (e.g. a readout).

    Returns
    -------
    object
        With ``forecaster(n_units, seed)``, ``regressor(n_units, seed)`` and
        ``reservoir(n_units, seed)``, as every system of :data:`TASKS` needs.
    """
    return _Ours(esn_params, estimator_params)


class _OurForecaster:
    def __init__(self, model):
        self.model = model

    def fit(self, y):
        self.model.fit(y)
        return self

    def forecast(self, context, n_steps):
        return self.model.predict(n_steps, context=context)


class _ReservoirPy:
    """ReservoirPy's defaults: ``Reservoir(units, seed=seed) >> Ridge()``."""

    name = "ReservoirPy (defaults)"

    @staticmethod
    def available():
        try:
            import reservoirpy  # noqa: F401
        except ImportError:
            return False
        return True

    def _model(self, n_units, seed):
        from reservoirpy.nodes import Reservoir, Ridge

        return Reservoir(n_units, seed=seed) >> Ridge()

    def forecaster(self, n_units, seed):
        return _ReservoirPyForecaster(self._model(n_units, seed))

    def regressor(self, n_units, seed):
        return _ReservoirPyRegressor(self._model(n_units, seed))

    def reservoir(self, n_units, seed):
        return _ReservoirPyTransformer(n_units, seed)


class _ReservoirPyForecaster:
    def __init__(self, model):
        self.model = model

    def fit(self, y):
        self.model.fit(y[:-1], y[1:], warmup=100)
        return self

    def forecast(self, context, n_steps):
        self.model.reset()
        x = self.model.run(context)[-1]
        path = [x]
        for _ in range(n_steps - 1):
            x = self.model.step(x)
            path.append(x)
        return np.asarray(path)


class _ReservoirPyRegressor:
    def __init__(self, model):
        self.model = model

    def fit(self, X, y):
        self.model.fit(X, y, warmup=200)
        return self

    def predict(self, X):
        self.model.reset()
        return self.model.run(X)


class _ReservoirPyTransformer(BaseEstimator):
    """A ReservoirPy reservoir as a scikit-learn transformer, for memory_capacity."""

    def __init__(self, n_units=100, seed=None):
        self.n_units = n_units
        self.seed = seed

    def fit(self, X):
        from reservoirpy.nodes import Reservoir

        self.node = Reservoir(self.n_units, seed=self.seed)
        return self

    def transform(self, X):
        X = np.asarray(X, dtype=float).reshape(len(X), -1)
        if getattr(self.node, "initialized", False):
            self.node.reset()
        return self.node.run(X)


# -- the tasks ------------------------------------------------------------------------------------
def _column(values):
    return np.asarray(values, dtype=float).reshape(len(values), -1)


def _run_mackey_glass(system, n_units, seed):
    y = _column(_mackey_glass_data())
    model = system.forecaster(n_units, seed).fit(y[:MG_TRAIN])
    path = _column(model.forecast(y[:MG_TRAIN], MG_HORIZON))
    return float(np.sqrt(np.mean((path - y[MG_TRAIN:]) ** 2)) / y.std())  # std of the series


def _run_narma(system, n_units, seed):
    u, y = _narma_data()
    u, y = _column(u), _column(y)
    model = system.regressor(n_units, seed).fit(u[:NARMA_TRAIN], y[:NARMA_TRAIN])
    prediction = _column(model.predict(u))[NARMA_TRAIN:]
    return float(nrmse(y[NARMA_TRAIN:], prediction))


def _run_lorenz(system, n_units, seed):
    series = _lorenz_data()
    model = system.forecaster(n_units, seed).fit(series[:LORENZ_TRAIN])
    times = []
    for context_start, start in _lorenz_origins():
        path = _column(model.forecast(series[context_start:start], LORENZ_HORIZON))
        truth = series[start:start + LORENZ_HORIZON]
        times.append(valid_prediction_time(truth, path, dt=LORENZ_DT,
                                           lyapunov_exponent=LORENZ_LYAPUNOV_EXPONENT))
    return float(np.median(times))


def _run_memory(system, n_units, seed):
    return float(memory_capacity(system.reservoir(n_units, seed), random_state=0))


@dataclass(frozen=True)
class DefaultsTask:
    """One task of the defaults comparison."""

    name: str
    metric: str
    n_units: int
    higher_is_better: bool
    run: object  # (system, n_units, seed) -> float

    def better(self, a, b) -> bool:
        return a > b if self.higher_is_better else a < b


TASKS = {
    "mackey_glass": DefaultsTask("mackey_glass", "NRMSE (84 steps)", 1000, False,
                                 _run_mackey_glass),
    "narma10": DefaultsTask("narma10", "NRMSE", 500, False, _run_narma),
    "lorenz": DefaultsTask("lorenz", "valid time (Lyapunov times)", 500, True, _run_lorenz),
    "memory_capacity": DefaultsTask("memory_capacity", "memory capacity", 100, True,
                                    _run_memory),
}


def _median_score(task, system, n_units, seeds):
    """Median score over seeds (a failed or non-finite run scores worst), and the wall time."""
    scores, start = [], time.perf_counter()
    for seed in seeds:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                score = task.run(system, n_units, seed)
        except Exception:  # noqa: BLE001 - a broken configuration scores worst
            score = np.nan
        if not np.isfinite(score):
            score = -np.inf if task.higher_is_better else np.inf
        scores.append(score)
    return float(np.median(scores)), time.perf_counter() - start


# -- default against default ----------------------------------------------------------------------
def compare_defaults(tasks=tuple(TASKS), seeds=SEEDS, include_reservoirpy=True):
    """Median score of our defaults and (if installed) ReservoirPy's on each task.

    Parameters
    ----------
    tasks : sequence of str
        Names from :data:`TASKS`.
    seeds : sequence of int
        Seeds of the reservoirs (the data are fixed).
    include_reservoirpy : bool, default=True
        Add ReservoirPy's rows when it can be imported.

    Returns
    -------
    list of dict
        One row per task and system: ``task``, ``system``, ``n_units``,
        ``metric``, ``median``, ``seconds``.
    """
    systems = [_Ours()]
    if include_reservoirpy and _ReservoirPy.available():
        systems.append(_ReservoirPy())
    return compare_systems(systems, tasks, seeds)


def compare_edge(tasks=("narma10",), seeds=SEEDS):
    """Our defaults against the same ESN with ``spectral_radius="edge"`` (see :class:`ESN`)."""
    edge = _Ours({"spectral_radius": "edge"})
    edge.name = 'reservoir, spectral_radius="edge"'
    return compare_systems([_Ours(), edge], tasks, seeds)


def compare_systems(systems, tasks, seeds):
    """Rows of median scores, one per task and system (see :func:`compare_defaults`)."""
    rows = []
    for name in tasks:
        task = TASKS[name]
        for system in systems:
            median, seconds = _median_score(task, system, task.n_units, seeds)
            rows.append({"task": name, "system": system.name, "n_units": task.n_units,
                         "metric": task.metric, "median": median, "seconds": seconds})
    return rows


def format_comparison(rows) -> str:
    """A Markdown table of :func:`compare_defaults` rows."""
    lines = ["| task | N | metric | system | median | time (s) |", "|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['task']} | {row['n_units']} | {row['metric']} | {row['system']} "
                     f"| {row['median']:.3g} | {row['seconds']:.1f} |")
    return "\n".join(lines)


# -- the sweep behind the defaults ----------------------------------------------------------------
#: The ESN and estimator parameters the sweep draws from (log-uniform where the scale spans
#: decades); ``spectral_radius`` etc. are ESN parameters, ``readout__alpha`` and
#: ``include_input`` the estimator's.
SWEEP_SPACE = {
    "spectral_radius": ("uniform", 0.5, 1.3),
    "leak_rate": ("uniform", 0.1, 1.0),
    "input_scaling": ("log", 0.05, 2.0),
    "bias_scaling": ("uniform", 0.0, 1.5),
    "input_connectivity": ("choice", (None, 0.5, 0.1)),
    "readout__alpha": ("log", 1e-10, 1e-3),
    "include_input": ("choice", (True, False)),
}
#: Reservoir sizes of the sweep (smaller than the comparison's, to afford many configurations).
SWEEP_UNITS = {"mackey_glass": 300, "narma10": 200, "lorenz": 200, "memory_capacity": 100}


def _draw(rng, spec):
    kind = spec[0]
    if kind == "uniform":
        return float(rng.uniform(spec[1], spec[2]))
    if kind == "log":
        return float(np.exp(rng.uniform(np.log(spec[1]), np.log(spec[2]))))
    return spec[1][rng.integers(len(spec[1]))]


def _system_of(config):
    from ..readouts import RidgeReadout

    esn = {k: v for k, v in config.items() if k not in ("readout__alpha", "include_input")}
    estimator = {"readout": RidgeReadout(alpha=config["readout__alpha"]),
                 "include_input": config["include_input"]}
    return _Ours(esn, estimator)


#: Loss (decades) of a failed or diverged run, and the most any run can lose on one task.
MAX_LOSS = 4.0


def _relative_loss(task, score, best):
    """How far a score is from the task's best, in decades (0 for the best, at most MAX_LOSS)."""
    if task.higher_is_better:
        loss = np.log10(max(best, 1e-3) / max(score, 1e-3))
    else:
        loss = np.log10(min(score, 1e12) / max(best, 1e-12))
    return float(min(loss, MAX_LOSS))


def sweep_defaults(n_configs=60, seeds=(0, 1), random_state=0, tasks=tuple(TASKS),
                   candidates=(), progress=True):
    """Random search for defaults that do well on every task at once.

    Each configuration (drawn from :data:`SWEEP_SPACE`; ``candidates`` are
    evaluated first) gets the median score over ``seeds`` on every task at the
    sizes of :data:`SWEEP_UNITS`. Its overall loss is the mean over tasks of
    the distance to that task's best configuration, in decades of the metric,
    so that no task dominates: the default is the configuration with the
    smallest loss.

    Returns
    -------
    list of dict
        One row per configuration, best first: the parameters, one score per
        task and ``loss``.
    """
    rng = np.random.default_rng(random_state)
    configs = [dict(c) for c in candidates]
    configs += [{name: _draw(rng, spec) for name, spec in SWEEP_SPACE.items()}
                for _ in range(n_configs)]
    return _ranked(_evaluate_configs(configs, seeds, tasks, progress, sizes=SWEEP_UNITS), tasks)


def _evaluate_configs(configs, seeds, tasks, progress, sizes):
    """One row per configuration: its parameters and median score per task.

    ``sizes`` maps task names to reservoir sizes; None uses each task's own.
    """
    from tqdm.auto import tqdm

    rows = []
    for config in tqdm(configs, desc="defaults study", disable=not progress):
        row = dict(config)
        system = _system_of(config)
        for name in tasks:
            n_units = TASKS[name].n_units if sizes is None else sizes[name]
            row[name] = _median_score(TASKS[name], system, n_units, seeds)[0]
        rows.append(row)
    return rows


def _ranked(rows, tasks, reference=None):
    """Rows with per-task losses (decades from the task's best) and their mean, best first.

    With a ``reference`` (score to beat per task), rows that beat it on every
    task come first.
    """
    for name in tasks:
        task = TASKS[name]
        best = max(r[name] for r in rows) if task.higher_is_better else min(r[name] for r in rows)
        for r in rows:
            r[f"{name}_loss"] = _relative_loss(task, r[name], best)
    for r in rows:
        r["loss"] = float(np.mean([r[f"{name}_loss"] for name in tasks]))
        r["beats_reference"] = reference is not None and all(
            TASKS[name].better(r[name], reference[name]) for name in tasks)
    return sorted(rows, key=lambda r: (not r["beats_reference"], r["loss"]))


#: Second stage: a grid around the first stage's best region, evaluated at the comparison's
#: sizes (N = 1000 / 500 / 500 / 100) and seeds 0-2; ridge alpha 1e-8 in the grid, then the
#: winner's alpha among REFINE_ALPHAS.
REFINE_GRID = {
    "spectral_radius": (1.0,),
    "leak_rate": (0.8, 0.9, 1.0),
    "input_scaling": (0.1, 0.2),
    "bias_scaling": (0.1, 0.2, 0.3),
    "input_connectivity": (None,),
    "readout__alpha": (1e-8,),
    "include_input": (True,),
}
REFINE_ALPHAS = (1e-8, 1e-9, 1e-10)


def refine_defaults(seeds=(0, 1, 2), tasks=tuple(TASKS), reference=None, progress=True):
    """Second stage of the defaults study: :data:`REFINE_GRID` at full size, then alpha.

    Configurations that beat the ``reference`` (the peer's default) on every
    task rank first, by mean loss (see :func:`sweep_defaults`); the others
    follow, by mean loss. The winner of the grid is then tried with each alpha
    of :data:`REFINE_ALPHAS` and everything is ranked again.

    Parameters
    ----------
    seeds : sequence of int
    tasks : sequence of str
    reference : dict of str -> float, optional
        The score to beat per task. By default ReservoirPy's defaults, measured
        on the same seeds when ReservoirPy is installed (else no reference).
    progress : bool

    Returns
    -------
    list of dict
        Rows as :func:`sweep_defaults` returns them, best first, with
        ``beats_reference``.
    """
    import itertools

    if reference is None and _ReservoirPy.available():
        reference = {row["task"]: row["median"]
                     for row in compare_systems([_ReservoirPy()], tasks, seeds)}
    names = list(REFINE_GRID)
    grid = [dict(zip(names, values, strict=True))
            for values in itertools.product(*REFINE_GRID.values())]
    rows = _ranked(_evaluate_configs(grid, seeds, tasks, progress, sizes=None), tasks, reference)
    winner = {name: rows[0][name] for name in names}
    alphas = [dict(winner, readout__alpha=alpha) for alpha in REFINE_ALPHAS
              if alpha != winner["readout__alpha"]]
    return _ranked(rows + _evaluate_configs(alphas, seeds, tasks, progress, sizes=None), tasks,
                   reference)


def format_sweep(rows, top=15) -> str:
    """A Markdown table of the best ``top`` rows of :func:`sweep_defaults`."""
    params = list(SWEEP_SPACE)
    tasks = [name for name in TASKS if name in rows[0]]
    header = "| " + " | ".join(params + tasks + ["loss (decades)", "beats peer"]) + " |"
    lines = [header, "|" + "---|" * (len(params) + len(tasks) + 2)]
    for row in rows[:top]:
        cells = [f"{row[p]:.3g}" if isinstance(row[p], float) else str(row[p]) for p in params]
        cells += [f"{row[t]:.3g}" for t in tasks] + [f"{row['loss']:.2f}"]
        cells.append("yes" if row.get("beats_reference") else "no")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# -- command line -----------------------------------------------------------------------------
def main(argv=None) -> int:
    """``python -m reservoir.benchmark.defaults [--sweep] [--quick]``."""
    parser = argparse.ArgumentParser(prog="python -m reservoir.benchmark.defaults",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true",
                        help="re-run the random search that chose the ESN's defaults")
    parser.add_argument("--refine", action="store_true",
                        help="re-run the second stage of the defaults study (full sizes)")
    parser.add_argument("--edge", action="store_true",
                        help='compare the default spectral radius with spectral_radius="edge"')
    parser.add_argument("--configs", type=int, default=60,
                        help="configurations drawn by --sweep (default 60)")
    parser.add_argument("--tasks", nargs="+", choices=sorted(TASKS), default=None,
                        help="tasks to run (default: all; narma10 with --edge)")
    parser.add_argument("--quick", action="store_true", help="seeds 0-1 only")
    parser.add_argument("--no-reservoirpy", action="store_true",
                        help="skip ReservoirPy's rows even when it is installed")
    args = parser.parse_args(argv)
    if args.tasks is None:
        args.tasks = ["narma10"] if args.edge else list(TASKS)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        if args.sweep:
            rows = sweep_defaults(n_configs=args.configs, tasks=tuple(args.tasks))
            print(format_sweep(rows))
            return 0
        if args.refine:
            print(format_sweep(refine_defaults(tasks=tuple(args.tasks)), top=25))
            return 0
        seeds = SEEDS[:2] if args.quick else SEEDS
        if args.edge:
            print(format_comparison(compare_edge(tuple(args.tasks), seeds)))
            return 0
        rows = compare_defaults(tuple(args.tasks), seeds,
                                include_reservoirpy=not args.no_reservoirpy)
        print(format_comparison(rows))
        if not _ReservoirPy.available() and not args.no_reservoirpy:
            print("\nReservoirPy is not installed: its rows are skipped.")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
