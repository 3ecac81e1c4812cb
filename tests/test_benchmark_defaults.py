"""Tests for reservoir.benchmark.defaults (default-against-default comparison and sweep)."""

import numpy as np
import pytest

from reservoir import ESN
from reservoir.benchmark import defaults
from reservoir.metrics import memory_capacity


def test_memory_row_equals_an_independent_computation(monkeypatch):
    monkeypatch.setattr(defaults._ReservoirPy, "available", staticmethod(lambda: False))
    rows = defaults.compare_defaults(tasks=("memory_capacity",), seeds=(0, 1, 2))
    assert [row["system"] for row in rows] == ["reservoir (defaults)"]  # peer skipped
    expected = np.median([memory_capacity(ESN(n_units=100, random_state=s), random_state=0)
                          for s in (0, 1, 2)])
    assert rows[0]["median"] == pytest.approx(expected, rel=1e-12)
    assert rows[0]["n_units"] == 100 and rows[0]["metric"] == "memory capacity"


def test_failed_runs_score_worst():
    def broken(system, n_units, seed):
        raise RuntimeError("boom")

    lower = defaults.DefaultsTask("x", "err", 5, False, broken)
    higher = defaults.DefaultsTask("y", "mc", 5, True, broken)
    assert defaults._median_score(lower, None, 5, (0,))[0] == np.inf
    assert defaults._median_score(higher, None, 5, (0,))[0] == -np.inf


@pytest.mark.parametrize("higher, score, best, expected", [
    (False, 1e-3, 1e-5, 2.0), (False, 1e-5, 1e-5, 0.0), (True, 10.0, 100.0, 1.0),
    (False, np.inf, 1e-4, 4.0), (True, -np.inf, 10.0, 4.0), (False, 1e9, 1e-4, 4.0),
])
def test_relative_loss_counts_decades_from_the_best(higher, score, best, expected):
    task = defaults.DefaultsTask("t", "m", 5, higher, None)
    assert defaults._relative_loss(task, score, best) == pytest.approx(expected)


def test_sweep_ranks_configurations_by_mean_loss(monkeypatch):
    # Two fake tasks whose optimum is a known spectral radius: the sweep must rank by both.
    def distance_to(target):
        def run(system, n_units, seed):
            return 1e-3 * 10 ** abs(system.esn_params["spectral_radius"] - target)
        return run

    fake = {"a": defaults.DefaultsTask("a", "err", 10, False, distance_to(0.7)),
            "b": defaults.DefaultsTask("b", "err", 10, False, distance_to(0.9))}
    monkeypatch.setattr(defaults, "TASKS", fake)
    monkeypatch.setattr(defaults, "SWEEP_UNITS", {"a": 10, "b": 10})
    base = {"leak_rate": 1.0, "input_scaling": 1.0, "bias_scaling": 0.0,
            "input_connectivity": None, "readout__alpha": 1e-6, "include_input": True}
    candidates = [dict(base, spectral_radius=r) for r in (0.8, 0.5, 1.3)]
    rows = defaults.sweep_defaults(n_configs=0, seeds=(0,), tasks=("a", "b"),
                                   candidates=candidates, progress=False)
    assert [r["spectral_radius"] for r in rows] == [0.8, 0.5, 1.3]
    assert rows[0]["loss"] == pytest.approx(0.0)  # the best on both tasks
    assert rows[1]["a_loss"] == pytest.approx(0.1) and rows[1]["b_loss"] == pytest.approx(0.3)
    assert rows[-1]["a_loss"] == pytest.approx(0.5) and rows[-1]["b_loss"] == pytest.approx(0.3)
    table = defaults.format_sweep(rows)
    assert table.count("\n") == 2 + len(rows) - 1 and "loss (decades)" in table
    # with a score to beat, configurations beating it on every task rank first
    reference = {"a": 1e-3 * 10 ** 0.25, "b": 1e-3 * 10 ** 0.45}
    ranked = defaults._ranked([dict(r) for r in rows], ("a", "b"), reference)
    assert [r["spectral_radius"] for r in ranked] == [0.8, 0.5, 1.3]
    reference = {"a": 1e-3 * 10 ** 0.15, "b": 1e-3 * 10 ** 0.5}  # only 0.8 beats a
    ranked = defaults._ranked([dict(r) for r in rows], ("a", "b"), reference)
    assert [(r["spectral_radius"], r["beats_reference"]) for r in ranked] == [
        (0.8, True), (0.5, False), (1.3, False)]


def test_cli_prints_the_table(capsys):
    assert defaults.main(["--tasks", "memory_capacity", "--quick", "--no-reservoirpy"]) == 0
    out = capsys.readouterr().out
    assert "| memory_capacity | 100 | memory capacity | reservoir (defaults) |" in out
    assert "ReservoirPy (defaults)" not in out
