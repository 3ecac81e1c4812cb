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
    assert batched["loop_over_floor"] == pytest.approx(
        batched["loop_seconds"] / batched["product_tanh_floor_seconds"])
    assert batched["transform_over_floor"] == pytest.approx(
        batched["seconds"] / batched["product_tanh_floor_seconds"])
    default = rows[2]
    assert "n_jobs=None" in default["case"] and default["threads"] >= 1
    assert default["speedup_vs_one_thread"] == pytest.approx(
        default["one_thread_seconds"] / default["seconds"])
    table = speed.format_table(rows)
    assert len(rows) == 3
    assert table.count("\n") == 4 and "numpy loop" in table and "looped single series" in table
    assert "product + tanh floor" in table and "1 thread" in table


def test_batched_rows_at_ten_percent_density_in_float32_use_the_dense_float32_kernel():
    rows = speed._batched_rows(n_series=4, n_steps=20, n_units=30, repeats=1, connectivity=0.5,
                               dtype="float32", looped=False)
    assert "(dense)" in rows[0]["case"] and "float32" in rows[0]["case"]
    assert "looped_single_series_seconds" not in rows[0]
    assert "x floor" in speed.format_table(rows[:1])


def test_matvec_floor_keeps_the_dtype_of_w():
    from scipy import sparse

    W = sparse.random(30, 30, density=0.2, format="csr", random_state=0, dtype=np.float32)
    out = speed._matvec_floor(W, 3, batch=4, activation=True)
    assert out.dtype == np.float32
    x = np.full((30, 4), 1 / 30, dtype=np.float32)
    expected = np.zeros((30, 4), dtype=np.float32)
    for _ in range(3):
        expected = np.tanh(expected + W @ x)
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_large_rows_time_float64_and_float32_against_the_floor():
    rows = speed._large_rows(n_units=200, n_steps=30, n_connections=5, repeats=1)
    assert ["float64" in rows[0]["case"], "float32" in rows[1]["case"]] == [True, True]
    for row in rows:
        assert row["time_over_matvec_floor"] == pytest.approx(
            row["seconds"] / row["matvec_floor_seconds"])


def test_comparison_cases_are_those_of_the_issue():
    cases = speed._comparison_cases(quick=False)
    assert [(c[1], c[2], c[3], c[4], c[5]) for c in cases] == [
        (1, 5000, 100, 0.1, "float64"), (1, 5000, 500, 0.1, "float64"),
        (1, 5000, 2000, 0.1, "float64"),
        (100, 1000, 300, 0.1, "float64"), (100, 1000, 300, 0.1, "float32"),
        (1, 20_000, 10_000, 5e-4, "float64"), (1, 20_000, 10_000, 5e-4, "float32")]
    esn = speed._our_esn(10_000, 5e-4, "float32")
    assert esn.n_connections == 5 and esn.connectivity is None
    assert speed._our_esn(300, 0.1, "float64").connectivity == 0.1


def test_peer_comparison_times_ours_and_the_peer(monkeypatch):
    small = [("1 series", 1, 40, 30, 0.1, "float64"), ("4 series", 4, 20, 30, 0.1, "float32")]
    monkeypatch.setattr(speed, "_comparison_cases", lambda quick: small)
    rows = speed.peer_comparison(None, repeats=1, condition="one core busy")
    assert [r["case"] for r in rows] == ["1 series [one core busy]", "4 series [one core busy]"]
    assert all("peer_seconds" not in r for r in rows)
    pytest.importorskip("reservoirpy")
    rows = speed.peer_comparison("reservoirpy", repeats=1)
    for row in rows:
        assert row["peer_over_ours"] == pytest.approx(row["peer_seconds"] / row["seconds"])
    assert "reservoirpy" in speed.format_table(rows)


def test_peer_comparison_refuses_an_unknown_or_missing_peer(monkeypatch):
    with pytest.raises(ValueError, match="peer must be one of"):
        speed.peer_comparison("echotorch")
    monkeypatch.setattr(speed, "_reservoirpy_available", lambda: False)
    with pytest.raises(ImportError, match="ReservoirPy is not installed"):
        speed.peer_comparison("reservoirpy")


def test_main_says_when_the_peer_is_missing(monkeypatch, capsys):
    monkeypatch.setattr(speed, "_reservoirpy_available", lambda: False)
    assert speed.main(["--peer", "reservoirpy"]) == 2
    assert "ReservoirPy is not installed" in capsys.readouterr().err


def test_busy_core_runs_a_burner_and_stops_it():
    with speed.busy_core() as burner:
        assert burner.poll() is None  # running
    assert burner.poll() is not None


def test_main_busy_and_pinned_comparison(monkeypatch, capsys):
    calls = []

    def fake(peer, quick, repeats, condition="quiet"):
        calls.append((peer, condition, speed.blas_description()))
        return [{"case": f"c [{condition}]", "seconds": 1.0, "unit_updates_per_s": 1.0,
                 "threads": 1}]

    monkeypatch.setattr(speed, "peer_comparison", fake)
    monkeypatch.setattr(speed, "busy_core", lambda: __import__("contextlib").nullcontext())
    assert speed.main(["--comparison-only", "--busy", "--blas-threads", "1"]) == 0
    assert [c[:2] for c in calls] == [(None, "quiet"), (None, "one core busy")]
    assert all("(1 threads)" in c[2] for c in calls)
    out = capsys.readouterr().out
    assert "(pinned)" in out and "c [one core busy]" in out


def test_float32_accuracy_rows(monkeypatch):
    from reservoir.benchmark import defaults

    seen = []

    def run(system, n_units, seed):
        dtype = system.regressor(n_units, seed).reservoir.dtype
        seen.append(dtype)
        return 0.1 if dtype == "float64" else 0.11

    task = defaults.DefaultsTask("narma10", "NRMSE", 50, False, run)
    monkeypatch.setitem(defaults.TASKS, "narma10", task)
    rows = speed.float32_accuracy(tasks=("narma10",), seeds=(0, 1))
    assert [r["ratio"] for r in rows] == pytest.approx([1.1, 1.1])
    assert seen[:2] == ["float64", "float32"]
    assert "| narma10 (NRMSE) | 50 | 0 | 0.1 | 0.11 | 1.100 |" in speed.format_accuracy(rows)


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
