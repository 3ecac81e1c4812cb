"""Matplotlib figures for diagnostics, classification and forecasts (optional extra).

Every function returns a :class:`matplotlib.figure.Figure`. Figures are built
with matplotlib's object-oriented API, not ``pyplot``: they need no display and
no global state, render with the Agg backend when saved
(``fig.savefig("out.png")``), and show inline in Jupyter. Functions drawing a
single panel take an optional ``ax`` to draw into an existing axes (e.g. one
made with ``pyplot``), and then return that axes' figure.

matplotlib is imported only when a function is called; install it with
``pip install "reservoir-rc[plot]"``.
"""

from __future__ import annotations

import numpy as np

from ._classification_metrics import coverage_accuracy_curve, pr_curve
from ._validation import check_in_range, check_series
from .diagnostics import StateStatistics, state_statistics

__all__ = [
    "plot_activation_histograms",
    "plot_pr_curve",
    "plot_coverage_curve",
    "plot_states",
    "plot_forecast",
    "plot_stability_sweep",
]

#: Columns of a stability sweep that :func:`plot_stability_sweep` draws, with their labels.
SWEEP_METRICS = {
    "lyapunov_exponent": "Lyapunov exponent",
    "memory_capacity": "memory capacity",
    "score": "score",
}


def _figure_class():
    """matplotlib's Figure, imported on first use with an install hint if missing."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(
            'Plotting needs matplotlib: pip install "reservoir-rc[plot]"'
        ) from exc
    return Figure


def _figure_and_axes(ax, figsize):
    """(figure, axes): the given axes and its figure, or a new one-panel figure."""
    if ax is not None:
        return ax.figure, ax
    figure = _figure_class()(figsize=figsize, layout="constrained")
    return figure, figure.add_subplot()


# -- diagnostics ----------------------------------------------------------------------------------
def plot_activation_histograms(states, *, bins=50, value_range=(-1.0, 1.0), washout=0):
    """Histograms of reservoir activations: all units together, and unit by unit.

    Left: the histogram of every activation, with the saturated and
    near-zero fractions in the title. Right: one row per unit, the colour
    giving the (log) count per bin, so that saturated units (mass at the
    edges) and silent units (mass at 0) stand out.

    Parameters
    ----------
    states : array-like of states (see :func:`~reservoir.diagnostics.state_statistics`)
        or a :class:`~reservoir.diagnostics.StateStatistics`
    bins, value_range, washout
        Passed to :func:`~reservoir.diagnostics.state_statistics` (ignored
        when ``states`` is already a ``StateStatistics``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    stats = states if isinstance(states, StateStatistics) else state_statistics(
        states, bins=bins, value_range=value_range, washout=washout
    )
    figure = _figure_class()(figsize=(10, 4), layout="constrained")
    pooled, per_unit = figure.subplots(1, 2, width_ratios=[1, 1.3])
    edges = stats.bin_edges
    pooled.stairs(stats.histograms.sum(axis=0), edges, fill=True)
    pooled.set(xlabel="activation", ylabel="count (all units)",
               title=f"saturated (|x| ≥ {stats.saturation:g}): "
                     f"{stats.overall_fraction_saturated:.1%}, "
                     f"near 0 (|x| ≤ {stats.near_zero:g}): {stats.overall_fraction_near_zero:.1%}")
    pooled.title.set_fontsize("small")
    image = per_unit.imshow(np.log1p(stats.histograms), aspect="auto", origin="lower",
                            extent=(edges[0], edges[-1], -0.5, stats.n_units - 0.5),
                            interpolation="nearest")
    per_unit.set(xlabel="activation", ylabel="unit", title="per unit")
    figure.colorbar(image, ax=per_unit, label="log(1 + count)")
    return figure


def plot_states(states, *, units=None, max_units=10, ax=None):
    """Activations of a few reservoir units over time, for one series.

    Parameters
    ----------
    states : array-like of shape (T, n_units) or pandas DataFrame
        States of one series (a pandas index becomes the time axis).
    units : sequence of int, optional
        Units to draw; by default the first ``max_units``.
    max_units : int, default=10
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    series = check_series(states, name="states")
    if series.layout != "single":
        raise ValueError("states must be the states of one series, shape (T, n_units).")
    values = series.series[0]
    check_in_range(max_units, "max_units", 1, integer=True)
    units = list(range(min(max_units, values.shape[1]))) if units is None else list(units)
    if not units or not all(0 <= int(u) < values.shape[1] for u in units):
        raise ValueError(f"units must be non-empty positions in [0, {values.shape[1]}); "
                         f"got {units!r}.")
    time = series.index if series.index is not None else np.arange(len(values))
    figure, ax = _figure_and_axes(ax, (9, 3.5))
    for unit in units:
        ax.plot(time, values[:, int(unit)], linewidth=1, label=f"unit {unit}")
    ax.set(xlabel="time step", ylabel="activation", title="reservoir states")
    if len(units) <= 10:
        ax.legend(fontsize="small", ncols=min(len(units), 5), loc="upper right")
    return figure


def plot_forecast(y_true, y_pred, *, history=None, ax=None):
    """A forecast against the truth (and optionally the history before it).

    Parameters
    ----------
    y_true : array-like of shape (T,) or (T, d), or pandas object
        The observed values over the forecast horizon.
    y_pred : array-like, same shape as ``y_true``
        The forecast. Pandas indexes (of ``y_pred``, else ``y_true``) become
        the time axis.
    history : array-like of shape (T0,) or (T0, d), optional
        Observations before the horizon, drawn in grey before step 0.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    true, pred = check_series(y_true, name="y_true"), check_series(y_pred, name="y_pred")
    if true.layout != "single" or pred.layout != "single":
        raise ValueError("y_true and y_pred must each be one series.")
    if true.series[0].shape != pred.series[0].shape:
        raise ValueError(f"y_true has shape {true.series[0].shape} but y_pred has shape "
                         f"{pred.series[0].shape}; they must match.")
    index = pred.index if pred.index is not None else true.index
    time = index if index is not None else np.arange(len(true.series[0]))
    figure, ax = _figure_and_axes(ax, (9, 3.5))
    if history is not None:
        past = check_series(history, name="history")
        past_time = past.index if past.index is not None and index is not None else (
            np.arange(-len(past.series[0]), 0))
        ax.plot(past_time, past.series[0], color="0.6", linewidth=1, label="history")
    for j in range(true.n_features):
        suffix = f" [{j}]" if true.n_features > 1 else ""
        line, = ax.plot(time, true.series[0][:, j], linewidth=1.2, label=f"truth{suffix}")
        ax.plot(time, pred.series[0][:, j], linestyle="--", color=line.get_color(),
                linewidth=1.2, label=f"forecast{suffix}")
    ax.set(xlabel="time step", ylabel="value", title="forecast vs truth")
    ax.legend(fontsize="small")
    return figure


# -- classification -------------------------------------------------------------------------------
def plot_pr_curve(y_true, scores, *, pos_label=None, ax=None, label=None):
    """Precision-recall curve of a binary score, average precision in the legend.

    Parameters
    ----------
    y_true, scores, pos_label
        As in :func:`reservoir.metrics.pr_curve` (per-step lists accepted).
    ax : matplotlib Axes, optional
        Draw into it (e.g. to compare several models on one plot).
    label : str, optional
        Legend label; "AP = ..." is appended.

    Returns
    -------
    matplotlib.figure.Figure
    """
    curve = pr_curve(y_true, scores, pos_label=pos_label)
    figure, ax = _figure_and_axes(ax, (5, 4.5))
    text = f"AP = {curve.average_precision:.3f}"
    ax.step(curve.recall, curve.precision, where="post",
            label=f"{label} ({text})" if label else text)
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1.01), ylim=(0, 1.02),
           title="precision-recall curve")
    ax.legend(loc="lower left", fontsize="small")
    return figure


def plot_coverage_curve(y_true, scores, *, classes=None, ax=None, label=None):
    """Accuracy against coverage when the classifier abstains on low-confidence examples.

    Parameters
    ----------
    y_true, scores, classes
        As in :func:`reservoir.metrics.coverage_accuracy_curve`.
    ax : matplotlib Axes, optional
    label : str, optional
        Legend label.

    Returns
    -------
    matplotlib.figure.Figure
    """
    curve = coverage_accuracy_curve(y_true, scores, classes=classes)
    figure, ax = _figure_and_axes(ax, (5, 4.5))
    ax.plot(curve.coverage, curve.accuracy, marker=".", label=label)
    ax.axhline(curve.accuracy[-1], color="0.6", linestyle=":", linewidth=1,
               label="accuracy at full coverage")
    ax.set(xlabel="coverage (fraction answered)", ylabel="accuracy on answered",
           xlim=(0, 1.02), title="coverage vs accuracy")
    ax.legend(loc="lower left", fontsize="small")
    return figure


# -- stability sweeps -----------------------------------------------------------------------------
def _sweep_summary(df):
    """Mean and standard deviation of each metric per spectral radius (over seeds)."""
    if "spectral_radius" not in getattr(df, "columns", ()):
        raise ValueError("df must be a DataFrame with a 'spectral_radius' column.")
    metrics = [name for name in SWEEP_METRICS if name in df.columns]
    if not metrics:
        raise ValueError(
            f"df must have at least one of the columns {list(SWEEP_METRICS)}; "
            f"got {list(df.columns)}."
        )
    grouped = df.groupby("spectral_radius", sort=True)[metrics]
    return metrics, grouped.mean(), grouped.std(ddof=0).fillna(0.0)


def _edge_of_stability(mean):
    """Spectral radius where the mean Lyapunov exponent first reaches 0, or None.

    Interpolated linearly between the last negative and the first non-negative
    point; the first point itself when the exponent is never negative.
    """
    if "lyapunov_exponent" not in mean.columns:
        return None
    rho = mean.index.to_numpy(dtype=float)
    exponent = mean["lyapunov_exponent"].to_numpy(dtype=float)
    unstable = np.flatnonzero(exponent >= 0)
    if len(unstable) == 0:
        return None
    first = unstable[0]
    if first == 0:
        return float(rho[0])
    (r0, r1), (e0, e1) = rho[first - 1:first + 1], exponent[first - 1:first + 1]
    return float(r0 + (r1 - r0) * (-e0) / (e1 - e0))


def plot_stability_sweep(df):
    """Lyapunov exponent, memory capacity and score against the spectral radius.

    One panel per metric present among ``lyapunov_exponent``,
    ``memory_capacity`` and ``score``, sharing the spectral-radius axis. Rows
    with the same spectral radius (several seeds) are averaged, with a band of
    one standard deviation. A dashed line marks the edge of stability, where
    the mean Lyapunov exponent first crosses zero (linear interpolation).

    Parameters
    ----------
    df : pandas.DataFrame
        Columns ``spectral_radius`` and at least one of ``lyapunov_exponent``,
        ``memory_capacity``, ``score``; other columns are ignored.

    Returns
    -------
    matplotlib.figure.Figure
    """
    metrics, mean, spread = _sweep_summary(df)
    edge = _edge_of_stability(mean)
    rho = mean.index.to_numpy(dtype=float)
    figure = _figure_class()(figsize=(6, 2.3 * len(metrics) + 0.5), layout="constrained")
    axes = np.atleast_1d(figure.subplots(len(metrics), 1, sharex=True))
    for ax, name in zip(axes, metrics, strict=True):
        centre, band = mean[name].to_numpy(), spread[name].to_numpy()
        ax.plot(rho, centre, marker="o", markersize=3)
        ax.fill_between(rho, centre - band, centre + band, alpha=0.25)
        ax.set_ylabel(SWEEP_METRICS[name])
        if name == "lyapunov_exponent":
            ax.axhline(0.0, color="0.5", linewidth=0.8)
        if edge is not None:
            ax.axvline(edge, color="tab:red", linestyle="--", linewidth=1)
    axes[0].set_title("stability sweep" + (f" (edge of stability at ρ ≈ {edge:.3g})"
                                           if edge is not None else ""))
    axes[-1].set_xlabel("spectral radius")
    return figure
