import time

import numpy as np
import pytest

from reservoir.benchmark import speed


def test_measure_returns_the_median_and_respects_the_budget():
    calls = []

    def fn():
        calls.append(1)
        time.sleep(0.01 * (len(calls) % 3))

    median = speed.measure(fn, repeats=5, budget_s=100)
    assert len(calls) == 6  # one warm-up + five timed
    assert 0.005 < median < 0.05
    calls.clear()
    speed.measure(lambda: time.sleep(0.02), repeats=50, budget_s=0.05)


def test_matvec_floor_applies_w_repeatedly():
    W = np.diag([0.5, 2.0])
    # out accumulates W @ x each step with x fixed: n * W @ x
    out = speed._matvec_floor(W, 4)
    np.testing.assert_allclose(out, 4 * W @ np.full(2, 0.5))


def test_block_floor_with_tanh_iterates_the_activated_sum():
    W = np.array([[0.5, 0.0], [0.25, 1.0]])
    x = np.full((2, 3), 0.5)
    expected = np.zeros((2, 3))
    for _ in range(3):
        expected = np.tanh(expected + W @ x)
    np.testing.assert_allclose(speed._matvec_floor(W, 3, batch=3, activation=True), expected)


def test_rows_and_table(monkeypatch):
    rows = speed._single_series_rows((20,), n_steps=50, repeats=1)
    rows.extend(speed._batched_rows(n_series=4, n_steps=30, n_units=20, repeats=1))
    row = rows[0]
    assert row["unit_updates_per_s"] == pytest.approx(50 * 20 / row["seconds"])
    assert row["speedup_vs_numpy_loop"] == pytest.approx(row["numpy_loop_seconds"] / row["seconds"])
    batched = rows[1]
    assert batched["speedup_vs_looped_single_series"] > 0
    assert batched["looped_over_floor"] == pytest.approx(
        batched["looped_single_series_seconds"] / batched["product_tanh_floor_seconds"])
    table = speed.format_table(rows)
    assert len(rows) == 3 and "n_jobs=-1" in rows[2]["case"]
    assert table.count("\n") == 4 and "numpy loop" in table and "looped single series" in table
    assert "product + tanh floor" in table


def test_main_prints_a_table(monkeypatch, capsys, tmp_path):
    fake = [{"case": "x", "seconds": 1.0, "unit_updates_per_s": 2.0,
             "looped_single_series_seconds": 3.0, "speedup_vs_looped_single_series": 3.0,
             "product_tanh_floor_seconds": 0.5, "looped_over_floor": 6.0}]
    monkeypatch.setattr(speed, "run_speed_benchmark", lambda quick, repeats: fake)
    assert speed.main(["--quick", "--json", str(tmp_path / "s.json")]) == 0
    assert "| x | 1.0000 |" in capsys.readouterr().out
    assert (tmp_path / "s.json").read_text().startswith("[")


def test_product_crossover_times_both_kernels_and_names_the_faster():
    rows = speed.product_crossover(sizes=(20,), densities=(0.1, 0.9), batches=(1, 8), repeats=1)
    assert [(r["density"], r["batch"]) for r in rows] == [(0.1, 1), (0.1, 8), (0.9, 1), (0.9, 8)]
    for row in rows:
        assert row["sparse_us"] > 0 and row["dense_us"] > 0
        assert row["faster"] == ("sparse" if row["sparse_us"] < row["dense_us"] else "dense")
    table = speed.format_crossover(rows)
    assert table.count("\n") == 5 and "| 20 | 0.9 | 8 |" in table


def test_main_crossover_mode(monkeypatch, capsys):
    fake = [{"n_units": 5, "density": 0.5, "batch": 1, "sparse_us": 1.0, "dense_us": 2.0,
             "faster": "sparse"}]
    monkeypatch.setattr(speed, "product_crossover", lambda repeats: fake)
    assert speed.main(["--crossover", "--quick"]) == 0
    assert "| 5 | 0.5 | 1 | 1.00 | 2.00 | sparse |" in capsys.readouterr().out


def test_closed_loop_row_times_predict_against_the_open_loop():
    row = speed._closed_loop_row(n_units=30, n_steps=40, repeats=1)
    assert row["closed_over_open_loop"] == pytest.approx(row["seconds"] / row["open_loop_seconds"])
    assert row["closed_loop_us_per_step"] == pytest.approx(1e6 * row["seconds"] / 40)
    table = speed.format_table([row])
    assert "closed loop" in table and "open loop of the same reservoir" in table
