"""``reservoir-bench``: reservoirs vs trained RNNs vs statistical baselines, same data, same budget.

Run ``reservoir-bench`` (or ``python -m reservoir.benchmark``); ``--quick``
for a run of a few minutes. The markdown table is printed; results.md,
results.json, results.csv and PNG figures are written to ``--out``. See
:mod:`reservoir.benchmark.tasks` for the tasks,
:mod:`reservoir.benchmark.models` for the models and their search spaces and
:mod:`reservoir.benchmark.runner` for the protocol.

Every model is tuned by :func:`reservoir.model_selection.tune` (optuna TPE,
the same sampler seed for every model, a median pruner) on the task's
validation split, with the same budget: ``--budget N`` trials per model
(the default), or ``--time-budget SECONDS`` of tuning wall time per model
for an equal-time comparison (trials then unlimited up to
:data:`~reservoir.benchmark.runner.TIME_BUDGET_MAX_TRIALS`; a trial running
when the time is up finishes). Each result is reported with the wall time
its tuning took and the number of trials.

``--n-jobs N`` runs the independent units of work (the tuning of each task
and model, then each test-seed run and each radius of the stability sweep)
in N joblib worker processes; ``--dask-scheduler ADDRESS`` sends them to a
dask cluster (a ``distributed.Client(ADDRESS)`` and
``joblib.parallel_config(backend="dask")``). The tables and the JSON are
those of a serial run; see :mod:`reservoir.benchmark.runner`.
"""

from __future__ import annotations

import argparse
import sys

from ._arguments import n_jobs_argument, positive_float, positive_int
from .models import MODEL_NAMES, SETTINGS, make_models, torch_available
from .runner import TIME_BUDGET_MAX_TRIALS
from .tasks import TASK_NAMES

__all__ = ["main", "build_parser", "DEFAULTS"]

#: (tuning trials per model, number of seeds) of the full and of the quick run.
DEFAULTS = {False: {"budget": 20, "seeds": 5}, True: {"budget": 2, "seeds": 2}}
DEFAULT_OUT = "reservoir-bench-results"
OPTUNA_INSTALL_HINT = 'Install it with: pip install "reservoir-rc[tune]"'
DASK_INSTALL_HINT = 'Install it with: pip install "reservoir-rc[distributed]"'
#: Seconds to wait for the scheduler of --dask-scheduler.
DASK_CONNECT_TIMEOUT = 30


def _names(values, known, what, parser):
    """Comma- or space-separated names, "all" for every one; unknown names are an error."""
    names = [n.strip() for value in values for n in value.split(",") if n.strip()]
    if not names or "all" in names:
        return list(known)
    unknown = [n for n in names if n not in known]
    if unknown:
        parser.error(f"unknown {what} {', '.join(map(repr, unknown))}; "
                     f"choose from {', '.join(known)} (or all).")
    return list(dict.fromkeys(names))


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser of ``reservoir-bench``.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="reservoir-bench",
        description="Compare reservoirs (ESN, LSM), trained RNNs (LSTM, GRU, leaky RNN) and "
                    "statistical baselines (ARIMA, persistence) on forecasting, regression and "
                    "memory tasks, with equal tuning budgets and several seeds. Each result is "
                    "reported with its tuning wall time and number of trials.",
    )
    parser.add_argument("--tasks", nargs="+", default=["all"], metavar="TASK",
                        help=f"tasks to run, comma or space separated: {', '.join(TASK_NAMES)} "
                             "(default: all)")
    parser.add_argument("--models", nargs="+", default=["all"], metavar="MODEL",
                        help=f"models to run: {', '.join(MODEL_NAMES)} (default: all)")
    parser.add_argument("--seeds", type=positive_int, default=None, metavar="N",
                        help="number of seeds (0..N-1) for the test runs (default: "
                             f"{DEFAULTS[False]['seeds']}; --quick: {DEFAULTS[True]['seeds']})")
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--budget", type=positive_int, default=None, metavar="N",
                        help="tuning trials per model, the same for every model: each trial "
                             "is one configuration from the model's search space (optuna TPE, "
                             "median pruner) scored on the validation split (default: "
                             f"{DEFAULTS[False]['budget']}; --quick: {DEFAULTS[True]['budget']})")
    budget.add_argument("--time-budget", type=positive_float, default=None, metavar="SECONDS",
                        help="tuning wall time per model instead of a trial count, for an "
                             "equal-time comparison: trials run until SECONDS have passed "
                             f"(at most {TIME_BUDGET_MAX_TRIALS}; the trial running then "
                             "finishes)")
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                        help=f"output folder (default: ./{DEFAULT_OUT})")
    parser.add_argument("--quick", action="store_true",
                        help="small data, small reservoirs, few epochs: a few minutes")
    parser.add_argument("--epochs", type=positive_int, default=None, metavar="N",
                        help="maximum training epochs of the trained RNNs (default: "
                             f"{SETTINGS[False].max_epochs}; --quick: {SETTINGS[True].max_epochs});"
                             " early stopping may end training sooner")
    parser.add_argument("--threads", type=positive_int, default=1, metavar="N",
                        help="BLAS threads for the whole run (default: 1)")
    parser.add_argument("--n-jobs", type=n_jobs_argument, default=None, metavar="N",
                        help="run the independent units of work (tuning of each task and "
                             "model, test-seed runs, sweep radii) in N joblib worker processes "
                             "(-1: one per core; with --dask-scheduler: default every worker "
                             "of the cluster); results are those of a serial run "
                             "(default: 1, serial)")
    parser.add_argument("--dask-scheduler", default=None, metavar="ADDRESS",
                        help="run the units of work on the dask cluster whose scheduler is at "
                             "ADDRESS (e.g. tcp://10.0.0.1:8786), through joblib's dask backend; "
                             "needs dask.distributed")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--no-figures", action="store_true", help="do not write PNG figures")
    parser.add_argument("--no-sweep", action="store_true",
                        help="skip the ESN spectral-radius stability sweep")
    return parser


def _config(args, parser):
    from .runner import RunConfig

    defaults = DEFAULTS[args.quick]
    n_seeds = args.seeds if args.seeds is not None else defaults["seeds"]
    return RunConfig(
        tasks=_names(args.tasks, TASK_NAMES, "task(s)", parser),
        models=_names(args.models, MODEL_NAMES, "model(s)", parser),
        seeds=list(range(n_seeds)),
        budget=args.budget if args.budget is not None else defaults["budget"],
        quick=args.quick, progress=not args.no_progress, threads=args.threads,
        sweep=not args.no_sweep, max_epochs=args.epochs, time_budget=args.time_budget,
        n_jobs=args.n_jobs,
    )


def _needs_tuner(config) -> bool:
    specs = make_models(config.quick)
    return any(specs[name].tuned for name in config.models)


def _optuna_available() -> bool:
    try:
        import optuna  # noqa: F401
    except ImportError:
        return False
    return True


def _dask_client(address):
    """``(client, None)`` connected to the scheduler at ``address``, or ``(None, message)``.

    dask is imported here only, when ``--dask-scheduler`` is given.
    """
    try:
        import distributed
    except ImportError:
        return None, (f"--dask-scheduler needs dask.distributed, which could not be imported. "
                      f"{DASK_INSTALL_HINT}")
    try:
        return distributed.Client(address, timeout=DASK_CONNECT_TIMEOUT), None
    except (OSError, TimeoutError, ValueError) as exc:
        return None, (f"--dask-scheduler: could not connect to the dask scheduler at "
                      f"{address!r}: {type(exc).__name__}: {exc}")


def _run(config, client):
    """run_benchmark(config); on the dask cluster of ``client`` (then closed) when given."""
    from .runner import run_benchmark

    if client is None:
        return run_benchmark(config)
    from joblib import parallel_config

    with client, parallel_config(backend="dask"):
        return run_benchmark(config)


def main(argv=None) -> int:
    """Run the comparative benchmark from the command line.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 when optuna (the tuner) or, with ``--dask-scheduler``, dask is
        missing or the scheduler cannot be reached, 2 for invalid arguments.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        config = _config(args, parser)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    from .report import format_report, write_outputs

    if _needs_tuner(config) and not _optuna_available():
        print(f"reservoir-bench tunes every model with optuna, which could not be imported. "
              f"{OPTUNA_INSTALL_HINT}", file=sys.stderr)
        return 1
    if not torch_available():
        print("torch is not installed: trained-RNN rows will be skipped "
              '(pip install "reservoir-rc[torch]").', file=sys.stderr)
    client = None
    if args.dask_scheduler is not None:
        client, error = _dask_client(args.dask_scheduler)
        if client is None:
            print(f"reservoir-bench: {error}", file=sys.stderr)
            return 1
    result = _run(config, client)
    print(format_report(result))
    written = write_outputs(result, args.out, figures=not args.no_figures)
    print(f"\nWrote {written['markdown']}, {written['json']}, {written['csv']}")
    if written["figures"]:
        print("Figures: " + ", ".join(str(p) for p in written["figures"]))
    else:
        print(f"Figures skipped: {written['figures_skipped'] or 'nothing to plot'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
