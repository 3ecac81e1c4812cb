"""Reports of a benchmark run: markdown table, results.json, results.csv, PNG figures.

matplotlib is imported only by :func:`write_figures` (through the object
API, so no pyplot state or backend is touched); without it the figures are
skipped and the other outputs are still written.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np

__all__ = ["format_report", "write_json", "write_csv", "write_figures", "write_outputs",
           "JSON_SCHEMA_VERSION"]

JSON_SCHEMA_VERSION = 2
CSV_COLUMNS = ("task", "model", "status", "reason", "metric", "higher_is_better", "median",
               "q1", "q3", "min", "max", "tune_time_s", "n_trials", "train_time_s",
               "predict_time_s", "n_parameters", "peak_memory_mib", "n_diverged",
               "validation_score", "seeds", "best_params", "trial_states", "extras")
_DASH = "—"
MATPLOTLIB_MISSING = 'matplotlib is not installed (pip install "reservoir-rc[plot]")'


# -- numbers ------------------------------------------------------------------------------
def _fmt(value, digits=3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return _DASH if value is None else str(value)
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    return f"{value:.{digits}g}"


def _jsonable(value):
    """Nested structure with numpy scalars/arrays -> Python, non-finite floats -> None."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _rows(result):
    rows = []
    for model_result in result.results:
        row = model_result.summary()
        task = result.tasks[row["task"]]
        row["metric"], row["higher_is_better"] = task["metric"], task["higher_is_better"]
        rows.append(row)
    return rows


# -- markdown ------------------------------------------------------------------------------
def _header(result) -> list[str]:
    meta, seeds = result.meta, result.meta["seeds"]
    seed_text = ", ".join(map(str, seeds))
    lines = [
        "# reservoir-bench results",
        "",
        f"Mode: {'quick' if meta['quick'] else 'full'}. Tuning: **{_budget_text(meta)}** "
        "with `reservoir.model_selection.tune` (optuna TPE, the same sampler seed for every "
        "model, median pruner) over each model's search space (`reservoir.search_spaces`); a "
        "trial is fitted on the training split and scored on the validation split, and the "
        "ridge penalty of reservoir readouts is chosen over a grid for free (one fit per "
        "trial). Persistence has nothing to tune. The best configuration is refit on "
        f"training + validation and scored on the test split with seeds {seed_text}: median, "
        "IQR (25th-75th percentile) and min-max over seeds.",
        "",
        "Tune (s): wall time of the model's whole tuning. Trials: trials run (pruned or "
        "failed ones noted). "
        f"Train / predict: median wall time of one fit / of all test predictions, "
        f"{meta['threads']} BLAS thread(s). Params: trained parameters (readout only for "
        f"reservoirs). Memory: {meta['memory_description']}.",
        "",
    ]
    for name, task in result.tasks.items():
        direction = "higher is better" if task["higher_is_better"] else "lower is better"
        lines.append(f"- **{name}**: {task['description']} ({direction}).")
    return lines + [""]


def _budget_text(meta) -> str:
    if meta.get("time_budget_s") is not None:
        return (f"{_fmt(float(meta['time_budget_s']))} s of tuning per model (at most "
                f"{meta['max_trials']} trials)")
    return f"{meta['budget']} trials per model"


def _trials_cell(row) -> str:
    if row["n_trials"] == 0:
        return "0 (nothing to tune)" if row["status"] == "ok" else _DASH
    states = row.get("trial_states") or {}
    extra = [f"{states[k]} {k}" for k in ("pruned", "failed") if states.get(k)]
    return str(row["n_trials"]) + (f" ({', '.join(extra)})" if extra else "")


def _notes(row) -> str:
    if row["status"] != "ok":
        return row["reason"] or row["status"]
    notes = [f"{key} {_fmt(stats['median'])}" for key, stats in row["extras"].items()]
    if row["n_epochs"]:
        notes.append(f"epochs {min(row['n_epochs'])}-{max(row['n_epochs'])}")
    if row["n_diverged"]:
        notes.append(f"{row['n_diverged']} diverged forecast(s)")
    return "; ".join(notes)


def format_table(rows) -> str:
    """Markdown table of result rows (as produced by ``ModelResult.summary``).

    Parameters
    ----------
    rows : list of dict

    Returns
    -------
    str
    """
    head = ("Task", "Model", "Metric", "Median", "IQR", "Min-max", "Tune (s)", "Trials",
            "Train (s)", "Predict (s)", "Params", "Peak MiB", "Notes")
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for row in rows:
        ok = row["status"] == "ok"
        cells = [
            row["task"], row["label"], row["metric"],
            _fmt(row["median"]) if ok else _DASH,
            f"{_fmt(row['q1'])} to {_fmt(row['q3'])}" if ok else _DASH,
            f"{_fmt(row['min'])} to {_fmt(row['max'])}" if ok else _DASH,
            _fmt(row["tune_time_s"]) if ok else _DASH,
            _trials_cell(row),
            _fmt(row["train_time_s"]) if ok else _DASH,
            _fmt(row["predict_time_s"]) if ok else _DASH,
            _fmt(row["n_parameters"]) if ok else _DASH,
            _fmt(row["peak_memory_mib"]) if ok else _DASH,
            _notes(row),
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def format_report(result) -> str:
    """The terminal report: how the numbers were made, then the markdown table.

    Parameters
    ----------
    result : BenchmarkResult

    Returns
    -------
    str
    """
    footer = f"\nTotal wall time: {result.meta['wall_time_s']:.1f} s."
    return "\n".join(_header(result)) + "\n" + format_table(_rows(result)) + "\n" + footer


# -- files -----------------------------------------------------------------------------------
def results_document(result) -> dict:
    """The content of results.json (see :func:`write_json`).

    Parameters
    ----------
    result : BenchmarkResult

    Returns
    -------
    dict
    """
    return _jsonable({
        "schema_version": JSON_SCHEMA_VERSION,
        "meta": result.meta,
        "tasks": result.tasks,
        "results": _rows(result),
        "stability_sweep": result.sweeps,
    })


def write_json(result, path) -> Path:
    """Write results.json.

    Top-level keys: ``schema_version`` (int), ``meta`` (run settings, versions,
    memory method, wall time), ``tasks`` (name -> description, metric, splits),
    ``results`` (one dict per task and model: ``task``, ``model``, ``label``,
    ``status`` in {"ok", "skipped", "n/a", "error"}, ``reason``, ``metric``,
    ``higher_is_better``, ``median``, ``q1``, ``q3``, ``min``, ``max``,
    ``scores``, ``seeds``, ``extras``, ``train_time_s``, ``predict_time_s``,
    ``peak_memory_mib``, ``n_parameters``, ``n_epochs`` (trained RNNs: epochs run
    per seed, else null), ``n_diverged``, ``best_params`` (``set_params``
    names), ``validation_score`` (the best trial's), ``tune_time_s`` (wall
    time of the model's tuning, null when there was nothing to tune),
    ``n_trials``, ``trial_states`` (trials per state: complete, pruned,
    failed), ``tuning`` (every trial: ``number``, ``params``,
    ``validation_score``, ``state``, ``seconds``, ``error``),
    ``horizon_error``, ``memory_curve``) and ``stability_sweep`` (task ->
    sweep or null). ``meta`` holds ``budget`` (trials per model),
    ``time_budget_s`` (tuning seconds per model, or null) and ``max_trials``
    (the trial limit in force). Non-finite numbers are written as null.

    Parameters
    ----------
    result : BenchmarkResult
    path : str or Path

    Returns
    -------
    Path
    """
    path = Path(path)
    path.write_text(json.dumps(results_document(result), indent=2, allow_nan=False) + "\n")
    return path


def write_csv(result, path) -> Path:
    """Write results.csv: one row per task and model, columns :data:`CSV_COLUMNS`.

    Parameters
    ----------
    result : BenchmarkResult
    path : str or Path

    Returns
    -------
    Path
    """
    path = Path(path)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in _jsonable(_rows(result)):
            flat = {key: row.get(key) for key in CSV_COLUMNS}
            for key in ("best_params", "extras", "seeds", "trial_states"):
                flat[key] = json.dumps(row[key])
            writer.writerow(flat)
    return path


# -- figures -----------------------------------------------------------------------------------
def _ok(result):
    return [r for r in result.results if r.status == "ok" and r.outcomes]


def _null_formatter():
    from matplotlib.ticker import NullFormatter

    return NullFormatter()


def _new_figure(n_panels, width=5.0, height=3.6):
    from matplotlib.figure import Figure

    n_cols = min(n_panels, 3)
    n_rows = int(math.ceil(n_panels / n_cols))
    figure = Figure(figsize=(width * n_cols, height * n_rows), layout="constrained")
    axes = figure.subplots(n_rows, n_cols, squeeze=False).ravel()
    for extra in axes[n_panels:]:
        extra.set_visible(False)
    return figure, axes[:n_panels]


def _limit_to_truth(axis, truth, margin=0.5):
    """Keep the y-axis near the truth, so that diverged forecasts do not squash it."""
    low, high = float(np.min(truth)), float(np.max(truth))
    pad = margin * max(high - low, 1e-12)
    axis.set_ylim(low - pad, high + pad)


def _forecast_figure(result, task_name, folder):
    rows = [r for r in _ok(result) if r.task == task_name]
    task = result.tasks[task_name]
    if not rows:
        return None
    if task["kind"] == "memory":
        figure, (axis,) = _new_figure(1, width=6.0)
        for row in rows:
            curve = row.summary()["memory_curve"]
            axis.plot(np.arange(1, len(curve) + 1), curve, label=row.label)
        axis.set(xlabel="delay k", ylabel="MC_k (squared correlation)",
                 title=f"{task_name}: memory per delay (median over seeds)")
        axis.legend(fontsize="small")
    else:
        first = rows[0].outcomes[0].example
        n_columns = np.reshape(first["truth"], (len(first["truth"]), -1)).shape[1]
        figure, axes = _new_figure(n_columns, width=6.0)
        for column, axis in enumerate(axes):
            truth = np.reshape(first["truth"], (len(first["time"]), -1))[:, column]
            axis.plot(first["time"], truth, color="black", linewidth=2, label="truth")
            for row in rows:
                example = row.outcomes[0].example
                prediction = np.reshape(example["prediction"], (len(example["time"]), -1))
                axis.plot(example["time"], prediction[:, column], label=row.label, alpha=0.8)
            _limit_to_truth(axis, truth)
            unit = task.get("time_unit", "steps")
            axis.set(xlabel=unit if task["kind"] == "forecast" else "test step",
                     title=f"{task_name}" + (f" (output {column})" if n_columns > 1 else ""))
        axes[0].legend(fontsize="small")
        shown = "forecast" if task["kind"] == "forecast" else "window"
        figure.suptitle(f"{task_name}: first test {shown} vs truth "
                        f"(seed {result.meta['seeds'][0]})")
    path = Path(folder) / f"forecast_{task_name}.png"
    figure.savefig(path, dpi=110)
    return path


def _horizon_figure(result, folder):
    names = [n for n, t in result.tasks.items() if t["kind"] == "forecast"
             and any(r.task == n for r in _ok(result))]
    if not names:
        return None
    figure, axes = _new_figure(len(names))
    for name, axis in zip(names, axes, strict=True):
        task = result.tasks[name]
        for row in (r for r in _ok(result) if r.task == name):
            curve = row.summary()["horizon_error"]
            steps = np.arange(1, len(curve) + 1) * task["time_step"]
            axis.plot(steps, curve, label=row.label)
        axis.set(xlabel=task["time_unit"], ylabel="RMSE / training std", title=name)
        axis.set_yscale("log")
        axis.legend(fontsize="small")
    figure.suptitle("Error vs forecast horizon (test origins, median over seeds)")
    path = Path(folder) / "error_vs_horizon.png"
    figure.savefig(path, dpi=110)
    return path


def _tradeoff_figure(result, folder):
    names = [n for n in result.tasks if any(r.task == n for r in _ok(result))]
    if not names:
        return None
    figure, axes = _new_figure(len(names))
    for name, axis in zip(names, axes, strict=True):
        for row in (r for r in _ok(result) if r.task == name):
            summary = row.summary()
            x = max(summary["train_time_s"] or 0.0, 1e-4)
            yerr = [[summary["median"] - summary["q1"]], [summary["q3"] - summary["median"]]]
            axis.errorbar([x], [summary["median"]], yerr=yerr, fmt="o", capsize=3,
                          label=row.label)
        axis.set_xscale("log")
        # A narrow range on a log axis otherwise labels every minor tick, overlapping.
        axis.xaxis.set_minor_formatter(_null_formatter())
        axis.set(xlabel="training time per fit (s)", ylabel=result.tasks[name]["metric"],
                 title=name)
        axis.legend(fontsize="small")
    figure.suptitle("Test accuracy vs training time (median and IQR over seeds)")
    path = Path(folder) / "accuracy_vs_training_time.png"
    figure.savefig(path, dpi=110)
    return path


def _sweep_figure(result, folder):
    sweeps = {name: sweep for name, sweep in result.sweeps.items() if sweep}
    if not sweeps:
        return None
    figure, axes = _new_figure(len(sweeps))
    for (name, sweep), axis in zip(sweeps.items(), axes, strict=True):
        radii = np.array(sweep["spectral_radius"])
        scores = np.array([np.nan if s is None else s for s in sweep["score"]], dtype=float)
        axis.plot(radii, scores, marker="o")
        if sweep["tuned_radius"] is not None:
            axis.axvline(sweep["tuned_radius"], color="grey", linestyle="--", label="tuned")
        axis.axvline(1.0, color="red", linestyle=":", label="radius 1")
        if not sweep["higher_is_better"] and np.nanmin(scores, initial=np.inf) > 0:
            axis.set_yscale("log")
        axis.set(xlabel="spectral radius", ylabel=sweep["metric"], title=name)
        axis.legend(fontsize="small")
    figure.suptitle(f"ESN stability sweep: test score vs spectral radius (other "
                    f"hyperparameters as tuned, seed {result.meta['seeds'][0]})")
    path = Path(folder) / "stability_sweep.png"
    figure.savefig(path, dpi=110)
    return path


def write_figures(result, folder) -> list[Path]:
    """Write the PNG figures of a run into ``folder``.

    * ``forecast_<task>.png``: first test forecast (or test window) vs truth,
      per model; for the memory task, the capacity per delay;
    * ``error_vs_horizon.png``: normalised error per forecast step;
    * ``accuracy_vs_training_time.png``: test metric vs training time;
    * ``stability_sweep.png``: ESN test score vs spectral radius.

    Parameters
    ----------
    result : BenchmarkResult
    folder : str or Path

    Returns
    -------
    list of Path

    Raises
    ------
    ImportError
        When matplotlib is not installed.
    """
    import matplotlib  # noqa: F401 - fail early, with the standard message

    paths = [_forecast_figure(result, name, folder) for name in result.tasks]
    paths += [_horizon_figure(result, folder), _tradeoff_figure(result, folder),
              _sweep_figure(result, folder)]
    return [p for p in paths if p is not None]


def write_outputs(result, folder, figures=True) -> dict:
    """Write results.md, results.json, results.csv and (when possible) the figures.

    Parameters
    ----------
    result : BenchmarkResult
    folder : str or Path
        Created if needed.
    figures : bool, default=True

    Returns
    -------
    dict
        ``{"markdown", "json", "csv": Path, "figures": list of Path,
        "figures_skipped": str or None}``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    markdown = folder / "results.md"
    markdown.write_text(format_report(result) + "\n")
    written = {"markdown": markdown, "json": write_json(result, folder / "results.json"),
               "csv": write_csv(result, folder / "results.csv"), "figures": [],
               "figures_skipped": None}
    if not figures:
        written["figures_skipped"] = "disabled with --no-figures"
        return written
    try:
        written["figures"] = write_figures(result, folder)
    except ImportError:
        written["figures_skipped"] = MATPLOTLIB_MISSING
    return written
