"""The tasks x models x seeds loop: tuning on validation, refit and test over seeds.

For each task and each model that applies to it:

1. tuning: :func:`reservoir.model_selection.tune` with ``evaluate=`` the
   task's validation score (``task.run(model, "validation")``: fitted on the
   training split with the first seed, scored on the validation split). Every
   model gets the same tuning: optuna's TPE sampler seeded with
   ``tuning_seed``, tune's median pruner, the model's search space from
   :mod:`reservoir.search_spaces` (see :mod:`.models`), and either ``budget``
   trials or, with ``time_budget``, as many trials as fit in that many
   seconds (at most :data:`TIME_BUDGET_MAX_TRIALS`; a trial running when the
   time is up finishes). The ridge penalty of reservoir models is chosen for
   free: each sampled reservoir is fitted once and scored with every penalty
   of the grid (``task.run_alphas``). The tuning's wall time and every trial
   are recorded. A model with nothing to tune (persistence) is scored once
   on the validation split;
2. the best configuration is refit on training + validation with every seed
   and scored on the test split; fit time, prediction time, peak memory of the
   fit and the number of trained parameters are recorded.

Models that need torch when it is missing get a row "skipped: torch not
installed"; models that do not apply to a task (ARIMA and persistence on
non-forecasting tasks) get an "n/a" row; a model that fails gets an "error"
row with the message (a tuning where every trial failed included), and the
run goes on. The whole run uses ``threads`` BLAS threads (torch models train
single-threaded, their own setting).

Parallel runs: the independent units of work go through
:class:`joblib.Parallel` with ``n_jobs`` (``reservoir-bench --n-jobs N``):
first the tuning of every (task, model) pair, then every test-seed run of
every tuned model together with every radius of the stability sweeps.
Under ``joblib.parallel_config(backend="dask")`` (``reservoir-bench
--dask-scheduler ADDRESS``) they run on the dask cluster. Each unit sets
the run's BLAS threads and silences warnings where it runs, and measures
its memory with a probe of that process. The results (tables, JSON) are
those of a serial run, in the same order; only the measured times and
memory differ, as they do between any two runs.
"""

from __future__ import annotations

import functools
import platform
import sys
import time
import warnings
from contextlib import ExitStack
from dataclasses import dataclass, field

import numpy as np

from .measure import memory_probe
from .models import count_parameters, make_models, torch_available
from .tasks import make_task

__all__ = ["RunConfig", "ModelResult", "BenchmarkResult", "run_benchmark", "sweep_radii",
           "TIME_BUDGET_MAX_TRIALS"]

TORCH_MISSING = "skipped: torch not installed"
#: Trials per model at most when tuning runs for a time budget instead of a trial count.
TIME_BUDGET_MAX_TRIALS = 1000
#: The tuned parameter the stability sweep replaces.
RADIUS_PARAMETER = "reservoir__spectral_radius"
#: Spectral radii of the ESN stability sweep.
SWEEP_RADII = {False: (0.1, 0.4, 0.7, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0),
               True: (0.2, 0.8, 1.0, 1.2, 1.8)}


@dataclass
class RunConfig:
    """What to run.

    Attributes
    ----------
    tasks, models : list of str
    seeds : list of int
    budget : int
        Tuning trials per model (ignored with ``time_budget``).
    quick : bool
    progress : bool
        Show a tqdm progress bar (stderr).
    threads : int
        BLAS threads for the whole run.
    sweep : bool
        Run the ESN spectral-radius stability sweep.
    tuning_seed : int
        Seed of the TPE sampler (the same for every model).
    max_epochs : int or None
        Maximum training epochs of the trained RNNs (None: the run's default).
    time_budget : float or None
        Tuning wall time per model in seconds (optuna's ``timeout``) instead of
        ``budget`` trials; trials are then capped at :data:`TIME_BUDGET_MAX_TRIALS`.
    n_jobs : int or None
        Units of work run in parallel through :class:`joblib.Parallel` (joblib's
        convention: None is 1, one after the other in this process, unless a
        :func:`joblib.parallel_config` says otherwise; -1 every core or
        worker). See the module docstring.
    """

    tasks: list
    models: list
    seeds: list
    budget: int
    quick: bool = False
    progress: bool = True
    threads: int = 1
    sweep: bool = True
    tuning_seed: int = 0
    max_epochs: int | None = None
    time_budget: float | None = None
    n_jobs: int | None = None

    @property
    def n_trials(self) -> int:
        """Trials per model: ``budget``, or the cap when tuning for ``time_budget`` seconds."""
        return self.budget if self.time_budget is None else TIME_BUDGET_MAX_TRIALS


@dataclass
class ModelResult:
    """Everything measured for one model on one task.

    Attributes
    ----------
    task, model, label : str
    status : {"ok", "n/a", "skipped", "error"}
    reason : str or None
        Why the status is not "ok".
    best_params : dict
        The configuration chosen on the validation split (``set_params`` names,
        ``readout__alpha`` the penalty chosen for free).
    validation_score : float or None
        The best trial's validation score.
    tuning : list of dict
        Every trial: ``number``, ``params``, ``validation_score`` (None unless
        complete), ``state`` ("complete", "pruned" or "failed"), ``seconds``,
        ``error``.
    tune_seconds : float or None
        Wall time of the tuning (all trials, sampler included); None for a model
        with nothing to tune.
    outcomes : list of Outcome
        One per test seed.
    seeds : list of int
    n_parameters : int or None
        Trained parameters of the first test fit.
    epochs : list of int
        Epochs run per test seed (trained RNNs only).
    """

    task: str
    model: str
    label: str
    status: str = "ok"
    reason: str | None = None
    best_params: dict = field(default_factory=dict)
    validation_score: float | None = None
    tuning: list = field(default_factory=list)
    tune_seconds: float | None = None
    outcomes: list = field(default_factory=list)
    seeds: list = field(default_factory=list)
    n_parameters: int | None = None
    epochs: list = field(default_factory=list)

    @property
    def n_trials(self) -> int:
        """Tuning trials run (pruned and failed ones included)."""
        return len(self.tuning)

    def trial_counts(self) -> dict:
        """Number of trials per state: ``{"complete": .., "pruned": .., "failed": ..}``."""
        counts = dict.fromkeys(("complete", "pruned", "failed"), 0)
        for trial in self.tuning:
            counts[trial["state"]] = counts.get(trial["state"], 0) + 1
        return counts

    @property
    def scores(self) -> np.ndarray:
        """Test scores, one per seed."""
        return np.array([o.score for o in self.outcomes], dtype=float)

    def _median_of(self, attribute):
        values = [getattr(o, attribute) for o in self.outcomes]
        values = [v for v in values if v is not None]
        return float(np.median(values)) if values else None

    def summary(self) -> dict:
        """JSON-ready summary: score statistics over seeds and median costs."""
        scores = self.scores
        stats = dict.fromkeys(("median", "q1", "q3", "min", "max"))
        if scores.size:
            q1, median, q3 = np.percentile(scores, [25, 50, 75])
            stats = {"median": float(median), "q1": float(q1), "q3": float(q3),
                     "min": float(scores.min()), "max": float(scores.max())}
        extras = {}
        for key in (self.outcomes[0].extras if self.outcomes else {}):
            values = np.array([o.extras[key] for o in self.outcomes], dtype=float)
            extras[key] = {"median": float(np.median(values)), "min": float(values.min()),
                           "max": float(values.max())}
        return {
            "task": self.task, "model": self.model, "label": self.label,
            "status": self.status, "reason": self.reason, **stats,
            "scores": [float(s) for s in scores], "seeds": list(self.seeds), "extras": extras,
            "train_time_s": self._median_of("fit_seconds"),
            "predict_time_s": self._median_of("predict_seconds"),
            "peak_memory_mib": self._median_of("peak_mib"),
            "n_parameters": self.n_parameters,
            "n_epochs": list(self.epochs) if self.epochs else None,
            "n_diverged": int(sum(o.n_diverged for o in self.outcomes)),
            "best_params": self.best_params, "validation_score": self.validation_score,
            "tune_time_s": self.tune_seconds, "n_trials": self.n_trials,
            "trial_states": self.trial_counts(), "tuning": self.tuning,
            "horizon_error": _median_curve([o.horizon_error for o in self.outcomes]),
            "memory_curve": _median_curve([o.curve for o in self.outcomes]),
        }


def _median_curve(curves):
    curves = [c for c in curves if c is not None]
    if not curves:
        return None
    return [float(v) for v in np.median(np.stack(curves), axis=0)]


@dataclass
class BenchmarkResult:
    """The outcome of a whole run.

    Attributes
    ----------
    config : RunConfig
    meta : dict
        Settings, versions, memory method and wall time of the run.
    tasks : dict of str -> dict
        Description of every task (``info()``).
    results : list of ModelResult
        One per task and model, in run order.
    sweeps : dict of str -> dict or None
        ESN stability sweep per task (None where the ESN did not run).
    """

    config: RunConfig
    meta: dict
    tasks: dict
    results: list
    sweeps: dict = field(default_factory=dict)


# -- one model on one task ------------------------------------------------------------------
def _is_torch_import_error(exc) -> bool:
    return isinstance(exc, ImportError) and "torch" in str(exc).lower()


def _short(exc) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}"[:200]


def _trial_rows(table):
    """The trials table of a TuneResult as JSON-ready dicts."""
    fixed = ("number", "score", "state", "duration", "error")
    rows = []
    for record in table.to_dict("records"):
        params = {key: _plain(value) for key, value in record.items()
                  if key not in fixed and not _missing(value)}
        score = record["score"]
        rows.append({"number": int(record["number"]), "params": params,
                     "validation_score": None if _missing(score) else float(score),
                     "state": record["state"],
                     "seconds": None if _missing(record["duration"]) else float(
                         record["duration"]),
                     "error": record["error"] if isinstance(record["error"], str) else None})
    return rows


def _missing(value):
    return isinstance(value, float) and not np.isfinite(value)


def _plain(value):
    """Numpy scalars -> Python numbers (the report writes tuples as JSON lists)."""
    return value.item() if isinstance(value, np.generic) else value


def _tune(spec, task, config, advance):
    """Tune ``spec`` on ``task``'s validation split; return (best params, score, trials, seconds).

    Every model goes through :func:`reservoir.model_selection.tune`: the
    objective of a trial is ``task.run(model, "validation").score`` (for a
    reservoir with a ridge readout, the best over the penalty grid of
    ``task.run_alphas``). ``advance`` is called after each trial when the
    run counts trials (not with a time budget).
    """
    from ..model_selection import tune

    base = spec.build(task, {}, config.seeds[0])
    if not spec.tuned:
        score = task.run(base, "validation").score
        advance()
        return {}, float(score), [], None
    per_trial = config.time_budget is None

    def evaluate(model, alphas=None):
        try:
            if alphas is None:
                return task.run(model, "validation").score
            return [outcome.score for outcome in task.run_alphas(model, "validation", alphas)]
        finally:
            if per_trial:
                advance()

    started = time.perf_counter()
    result = tune(base, evaluate=evaluate, search_space=spec.search_space, alphas=spec.alphas,
                  direction="maximize" if task.higher_is_better else "minimize",
                  n_trials=config.n_trials, timeout=config.time_budget,
                  random_state=config.tuning_seed, refit=False, progress=False)
    seconds = time.perf_counter() - started
    if not per_trial:
        advance()
    best = {key: _plain(value) for key, value in result.best_params_.items()}
    return best, float(result.best_score_), _trial_rows(result.trials_), seconds


@dataclass
class _Failed:
    """A unit of work that failed: the (status, reason) of its model's row."""

    status: str
    reason: str


@dataclass
class _Tested:
    """One test-seed run: its outcome (model dropped), trained parameters and epochs."""

    outcome: object
    n_parameters: int | None
    epochs: int | None


class _Advance:
    """Progress of one unit of work, ``units`` steps at most on ``bar``.

    Called in this process, it advances the bar live. Pickled (a unit sent
    to a joblib worker), it arrives as a no-op; :meth:`finish` then counts
    the unit's steps when its result comes back.
    """

    def __init__(self, bar, units):
        self.bar, self.units, self.done = bar, units, 0

    def __call__(self):
        if self.done >= self.units:  # a time-budget run has more trials than units
            return
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)

    def finish(self):
        """Count the steps not advanced yet (run elsewhere, or skipped by a failure)."""
        if self.bar is not None and self.done < self.units:
            self.bar.update(self.units - self.done)
        self.done = self.units

    def __reduce__(self):
        return (_Advance, (None, self.units))


def _tuning_unit(spec, task, config, advance):
    """(best params, validation score, trials, seconds) of :func:`_tune`, or _Failed."""
    try:
        return _tune(spec, task, config, advance)
    except Exception as exc:  # noqa: BLE001 - one broken model must not end the run
        return _Failed(*_failure(exc))


def _test_unit(spec, task, params, seed, probe, count):
    """Refit ``params`` with ``seed`` and score it on the test split: _Tested, or _Failed.

    ``count``: count the trained parameters of the fitted model.
    """
    try:
        outcome = task.run(spec.build(task, params, seed), "test", probe)
        n_parameters = None
        if count:
            n_parameters = (outcome.n_parameters if outcome.n_parameters is not None
                            else count_parameters(outcome.model))
        epochs = getattr(outcome.model, "n_epochs_", None)
        outcome.model = None
        return _Tested(outcome, n_parameters, None if epochs is None else int(epochs))
    except Exception as exc:  # noqa: BLE001 - one broken model must not end the run
        return _Failed(*_failure(exc))


def _model_result(spec, task, config, tuned, tests) -> ModelResult:
    """The row of one model from its tuning and its test runs (in seed order).

    A failure of the tuning or of a test run (the first, in seed order) gives
    the model's "error" (or "skipped") row, as a serial run stops there.
    """
    failure = tuned if isinstance(tuned, _Failed) else next(
        (test for test in tests if isinstance(test, _Failed)), None)
    if failure is not None:
        return ModelResult(task.name, spec.name, spec.label, status=failure.status,
                           reason=failure.reason)
    result = ModelResult(task.name, spec.name, spec.label)
    (result.best_params, result.validation_score, result.tuning,
     result.tune_seconds) = tuned
    for seed, test in zip(config.seeds, tests, strict=True):
        if result.n_parameters is None:
            result.n_parameters = test.n_parameters
        if test.epochs is not None:
            result.epochs.append(test.epochs)
        result.outcomes.append(test.outcome)
        result.seeds.append(seed)
    return result


def _tuning_units(spec, config) -> int:
    """Progress units of one model's tuning: its trials (one for a time budget)."""
    return config.budget if spec.tuned and config.time_budget is None else 1


def _units(spec, config) -> int:
    """Progress units of one model: its trials (one for a time budget) and its test fits."""
    return _tuning_units(spec, config) + len(config.seeds)


def _unavailable(spec, task):
    """(status, reason) when the model cannot run on the task, else None."""
    if not spec.applies_to(task):
        return "n/a", f"{spec.label} does not apply to {task.kind} tasks"
    if spec.needs_torch and not torch_available():
        return "skipped", TORCH_MISSING
    return None


def _failure(exc):
    """(status, reason) of a model that raised ``exc`` (or whose every trial failed with it)."""
    cause = exc
    while cause is not None:
        if _is_torch_import_error(cause):
            return "skipped", TORCH_MISSING
        cause = cause.__cause__
    return "error", _short(exc)


def run_model(spec, task, config, probe, bar=None) -> ModelResult:
    """Tune, refit and score one model on one task; never raises for a model failure.

    Parameters
    ----------
    spec : ModelSpec
    task : task object from :mod:`.tasks`
    config : RunConfig
    probe : memory probe
    bar : tqdm progress bar or None

    Returns
    -------
    ModelResult
        Status "ok", or "n/a" / "skipped" / "error" with the reason.
    """
    unavailable = _unavailable(spec, task)
    if unavailable is not None:
        status, reason = unavailable
        return ModelResult(task.name, spec.name, spec.label, status=status, reason=reason)
    advance = _Advance(bar, _units(spec, config))
    try:
        tuned = _tuning_unit(spec, task, config, advance)
        tests = []
        if not isinstance(tuned, _Failed):
            for seed in config.seeds:
                tests.append(_test_unit(spec, task, tuned[0], seed, probe,
                                        count=seed == config.seeds[0]))
                advance()
                if isinstance(tests[-1], _Failed):
                    break
        return _model_result(spec, task, config, tuned, tests)
    finally:
        advance.finish()  # the fits a failed model did not run


# -- stability sweep --------------------------------------------------------------------------
def sweep_radii(task, spec, best_params, radii, seed, advance=None) -> dict:
    """Test score of the tuned ESN with its spectral radius replaced by each of ``radii``.

    Parameters
    ----------
    task : task object
    spec : ModelSpec of the ESN
    best_params : dict
        Tuned configuration; only ``reservoir__spectral_radius`` is changed.
    radii : sequence of float
    seed : int
    advance : callable or None
        Called after each radius (progress).

    Returns
    -------
    dict
        ``{"spectral_radius": [...], "score": [...], "metric": ..., "tuned_radius": ...}``;
        a failed fit scores None.
    """
    scores = []
    for radius in radii:
        scores.append(_radius_score(task, spec, best_params, radius, seed))
        if advance is not None:
            advance()
    return _sweep_result(task, best_params, radii, scores)


def _radius_score(task, spec, best_params, radius, seed):
    """Test score of ``best_params`` with the spectral radius ``radius``; None if the fit fails."""
    try:
        params = {**best_params, RADIUS_PARAMETER: float(radius)}
        return float(task.run(spec.build(task, params, seed), "test").score)
    except Exception:  # noqa: BLE001 - an unstable reservoir may fail to fit
        return None


def _sweep_result(task, best_params, radii, scores):
    return {"spectral_radius": [float(r) for r in radii], "score": list(scores),
            "metric": task.metric, "higher_is_better": task.higher_is_better,
            "tuned_radius": best_params.get(RADIUS_PARAMETER)}


# -- the whole run -------------------------------------------------------------------------------
def _versions() -> dict:
    import scipy
    import sklearn

    from .. import __version__

    versions = {"reservoir": __version__, "python": platform.python_version(),
                "numpy": np.__version__, "scipy": scipy.__version__,
                "scikit-learn": sklearn.__version__, "torch": None}
    if "torch" in sys.modules and sys.modules["torch"] is not None:
        versions["torch"] = getattr(sys.modules["torch"], "__version__", None)
    return versions


def _import_statsmodels():
    """Import statsmodels now: on import it puts "always" warning filters in front, which
    would otherwise override the run's "ignore" when ARIMA first loads it."""
    try:
        import statsmodels.tools.sm_exceptions  # noqa: F401
    except ImportError:
        pass


def _limit_threads(stack, threads):
    from threadpoolctl import threadpool_limits

    stack.enter_context(threadpool_limits(limits=threads))


def _run_context(stack, threads):
    """The run's settings, in the driver and in every unit of work: BLAS threads, no warnings."""
    _limit_threads(stack, threads)
    stack.enter_context(warnings.catch_warnings())
    _import_statsmodels()
    warnings.simplefilter("ignore")


def _progress_bar(config, total):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="reservoir-bench", unit="fit", disable=not config.progress,
                file=sys.stderr, dynamic_ncols=True)


@functools.cache
def _process_probe():
    """The memory probe of this process (the driver's, or a joblib worker's), made once."""
    return memory_probe()


def _unit(threads, key, function, *args):
    """``(key, function(*args))``, run with the run's settings wherever joblib runs it."""
    with ExitStack() as stack:
        _run_context(stack, threads)
        return key, function(*args)


def _test_job(spec, task, params, seed, count):
    return _test_unit(spec, task, params, seed, _process_probe(), count)


def _run_units(parallel, pairs, config, radii, do_sweep, bar):
    """Every unit of work of the run through ``parallel``; (results, sweeps) in run order.

    Phase 1 tunes every available (task, model) pair; phase 2 runs every test
    seed of every tuned model and every radius of the ESN stability sweeps
    (of a task whose ESN was tuned; the sweep is dropped if a test run of the
    ESN fails, as a serial run skips it then).
    """
    from joblib import delayed

    threads = config.threads
    available = [i for i, (task, spec) in enumerate(pairs) if _unavailable(spec, task) is None]
    advances = {i: _Advance(bar, _tuning_units(pairs[i][1], config)) for i in available}
    tuned = {}
    for i, result in parallel(delayed(_unit)(threads, i, _tuning_unit, pairs[i][1], pairs[i][0],
                                             config, advances[i]) for i in available):
        tuned[i] = result
        advances[i].finish()
        bar.set_postfix_str(f"{pairs[i][0].name} / {pairs[i][1].name}", refresh=True)
        if isinstance(result, _Failed):
            bar.update(len(config.seeds))  # the test fits it will not run

    jobs, swept = [], set()
    for i in sorted(tuned):
        if isinstance(tuned[i], _Failed):
            continue
        task, spec = pairs[i]
        jobs += [delayed(_unit)(threads, ("test", i, k), _test_job, spec, task, tuned[i][0], seed,
                                k == 0) for k, seed in enumerate(config.seeds)]
    for i, (task, spec) in enumerate(pairs):
        if not do_sweep or spec.name != "esn":
            continue
        if i not in tuned or isinstance(tuned[i], _Failed):
            bar.update(len(radii))
            continue
        swept.add(i)
        jobs += [delayed(_unit)(threads, ("sweep", i, r), _radius_score, task, spec, tuned[i][0],
                                radius, config.seeds[0]) for r, radius in enumerate(radii)]
    done = {}
    for key, value in parallel(jobs):
        done[key] = value
        bar.update(1)

    results = []
    for i, (task, spec) in enumerate(pairs):
        if i not in tuned:
            status, reason = _unavailable(spec, task)
            results.append(ModelResult(task.name, spec.name, spec.label, status=status,
                                       reason=reason))
            continue
        tests = [done[("test", i, k)] for k in range(len(config.seeds)) if ("test", i, k) in done]
        results.append(_model_result(spec, task, config, tuned[i], tests))
    sweeps = {}
    for task in dict.fromkeys(task for task, _ in pairs) if do_sweep else ():
        i = next((i for i, (t, spec) in enumerate(pairs) if t is task and spec.name == "esn"),
                 None)
        ok = i in swept and results[i].status == "ok"
        sweeps[task.name] = _sweep_result(
            task, results[i].best_params, radii,
            [done[("sweep", i, r)] for r in range(len(radii))]) if ok else None
    return results, sweeps


def run_benchmark(config: RunConfig) -> BenchmarkResult:
    """Run every selected model on every selected task over the seeds.

    The units of work go through ``joblib.Parallel(n_jobs=config.n_jobs)``;
    see the module docstring.

    Parameters
    ----------
    config : RunConfig

    Returns
    -------
    BenchmarkResult
    """
    from joblib import Parallel

    started = time.perf_counter()
    specs = make_models(config.quick, config.max_epochs)
    probe = _process_probe()
    tasks = {name: make_task(name, config.quick) for name in config.tasks}
    selected = [specs[name] for name in config.models]
    radii = SWEEP_RADII[bool(config.quick)]
    do_sweep = config.sweep and "esn" in config.models
    total = sum(_units(spec, config) for task in tasks.values() for spec in selected
                if spec.applies_to(task) and not (spec.needs_torch and not torch_available()))
    total += len(radii) * len(tasks) if do_sweep else 0
    pairs = [(task, spec) for task in tasks.values() for spec in selected]
    with ExitStack() as stack:
        _run_context(stack, config.threads)
        bar = stack.enter_context(_progress_bar(config, total))
        parallel = stack.enter_context(Parallel(n_jobs=config.n_jobs,
                                                return_as="generator_unordered"))
        results, sweeps = _run_units(parallel, pairs, config, radii, do_sweep, bar)
    meta = {
        "quick": config.quick, "budget": config.budget, "time_budget_s": config.time_budget,
        "max_trials": config.n_trials, "seeds": list(config.seeds),
        "tasks": list(config.tasks), "models": list(config.models), "threads": config.threads,
        "tuning_seed": config.tuning_seed, "memory_method": probe.name,
        "memory_description": probe.description, "versions": _versions(),
        "platform": platform.platform(), "processor": platform.processor() or platform.machine(),
        "wall_time_s": time.perf_counter() - started,
        "tuner": "reservoir.model_selection.tune: optuna TPESampler(seed from tuning_seed), "
                 "MedianPruner(n_startup_trials=5); objective: the task's validation score",
        "model_settings": {spec.name: {
            "fixed": spec.fixed, "search_space": spec.space_name,
            "free_alphas": None if spec.alphas is None else [float(a) for a in spec.alphas]}
            for spec in selected},
    }
    return BenchmarkResult(config, meta, {name: t.info() for name, t in tasks.items()},
                           results, sweeps)
