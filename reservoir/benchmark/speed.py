"""Throughput of the reservoir time loop, against references measured in the same run.

Run ``python -m reservoir.benchmark.speed`` (``--quick`` for a short run).
Reported per case: the median wall time over repeats, unit-updates per second
(``T * N * n_series / s``) and ratios against

* a plain numpy per-step loop (``x = tanh(W @ x + W_in @ u[t])``, the code a
  user would write by hand), and
* the mat-vec floor: the same number of bare ``W @ x`` products (with the
  kernel the ESN loop itself uses), the part of an update no implementation
  can skip.

The batched case drives 100 series of 1000 steps at N = 300 as one
``(100, 1000, 1)`` block, on one thread and split over all cores
(``n_jobs=-1``), and compares it with looping the single-series path over the
same series. Next to it, the block floor: the 1000 block products and tanh
alone, whose ratio to the looped time bounds what any one-thread loop around
these kernels could gain from batching.

The closed-loop case times ``ReservoirForecaster.predict`` (N = 1000, one
series), which feeds each prediction back as the next input, against the
open loop of the same fitted reservoir (``reservoir_.transform`` over as many
steps): their ratio is the cost of the readout and the feedback per step.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from functools import partial

import numpy as np

from ..esn import ESN, product_accumulator
from ..estimators import ReservoirForecaster
from ..lsm import LSM

__all__ = ["measure", "run_speed_benchmark", "product_crossover", "main"]


def measure(fn, repeats: int, budget_s: float = 20.0) -> float:
    """Median wall time of ``fn()`` over up to ``repeats`` timed calls.

    One untimed warm-up call comes first. Slow references (the dense numpy
    loop at N = 2000) stop repeating once ``budget_s`` seconds have been spent,
    so the median is then over fewer (but at least one) calls.
    """
    start = time.perf_counter()
    fn()
    times = []
    for _ in range(repeats):
        if times and time.perf_counter() - start > budget_s:
            break
        tic = time.perf_counter()
        fn()
        times.append(time.perf_counter() - tic)
    return statistics.median(times)


def _numpy_loop(W, W_in, u):
    """The hand-written reference: one dense mat-vec and tanh per step."""
    x = np.zeros(W.shape[0])
    out = np.empty((len(u), W.shape[0]))
    for t in range(len(u)):
        x = np.tanh(W @ x + W_in @ u[t])
        out[t] = x
    return out


def _matvec_floor(W, n_steps, batch=1, activation=False):
    """Only the recurrent products, with the same in-place kernel the ESN loop uses.

    With ``batch > 1`` the products are (N, batch) blocks, as in the batched
    loop; ``activation=True`` adds the in-place tanh of each result, the other
    per-step work that no loop around these kernels can skip.
    """
    add_product = product_accumulator(W, batch)
    shape = (W.shape[0],) if batch == 1 else (W.shape[0], batch)
    x = np.full(shape, 1.0 / W.shape[0])
    out = np.zeros_like(x)
    scratch = np.empty_like(x)
    for _ in range(n_steps):
        add_product(x, out, scratch)
        if activation:
            np.tanh(out, out=out)
    return out


def _single_series_rows(sizes, n_steps, repeats):
    u = np.sin(0.1 * np.arange(n_steps))[:, None]
    rows = []
    for n_units in sizes:
        esn = ESN(n_units=n_units, random_state=0).fit(u)
        W_loop = esn.loop_matrix()
        t_esn = measure(lambda esn=esn: esn.transform(u), repeats)
        W_dense = esn.W_.toarray()
        t_numpy = measure(lambda W=W_dense, W_in=esn.W_in_: _numpy_loop(W, W_in, u), repeats)
        t_floor = measure(lambda W=W_loop: _matvec_floor(W, n_steps), repeats)
        rows.append({
            "case": f"ESN N={n_units}, 1 series x {n_steps} steps",
            "seconds": t_esn,
            "unit_updates_per_s": n_steps * n_units / t_esn,
            "numpy_loop_seconds": t_numpy,
            "speedup_vs_numpy_loop": t_numpy / t_esn,
            "matvec_floor_seconds": t_floor,
            "time_over_matvec_floor": t_esn / t_floor,
        })
    return rows


def _batched_rows(n_series, n_steps, n_units, repeats):
    """The batch on one thread and on all cores, each against looping the single-series path."""
    rng = np.random.default_rng(0)
    U = rng.uniform(-1, 1, (n_series, n_steps, 1))
    esn = ESN(n_units=n_units, random_state=0).fit(U)
    t_loop = measure(lambda: [esn.transform(series) for series in U], repeats)
    W_block = esn.loop_matrix(n_series)
    t_floor = measure(partial(_matvec_floor, W_block, n_steps, n_series, activation=True),
                      repeats)
    rows = []
    for n_jobs, label in ((None, "batched, 1 thread"), (-1, "batched, n_jobs=-1")):
        threaded = ESN(n_units=n_units, random_state=0, n_jobs=n_jobs).fit(U)
        t_batch = measure(lambda model=threaded: model.transform(U), repeats)
        rows.append({
            "case": f"ESN N={n_units}, {n_series} series x {n_steps} steps ({label})",
            "seconds": t_batch,
            "unit_updates_per_s": n_series * n_steps * n_units / t_batch,
            "looped_single_series_seconds": t_loop,
            "speedup_vs_looped_single_series": t_loop / t_batch,
            "product_tanh_floor_seconds": t_floor,
            "looped_over_floor": t_loop / t_floor,
        })
    return rows


def product_crossover(sizes=(30, 100, 300, 1000), densities=(0.05, 0.1, 0.2, 0.3, 0.5),
                      batches=(1, 100), repeats=5) -> list[dict]:
    """Time ``out += W @ x`` with SciPy's CSR kernel and with a dense product.

    The measurements behind ``reservoir.esn.DENSE_LOOP_MIN_DENSITY``: for each
    size, density of W and batch width, the median time per product of each
    kernel over ``repeats`` timed runs of a fixed number of products.
    """
    from scipy import sparse

    rng = np.random.default_rng(0)
    rows = []
    for n_units in sizes:
        n_products = max(20, 200_000 // n_units)
        for density in densities:
            W = sparse.random(n_units, n_units, density=density, format="csr", random_state=rng)
            for batch in batches:
                seconds = {
                    kind: measure(partial(_matvec_floor, matrix, n_products, batch),
                                  repeats) / n_products
                    for kind, matrix in (("sparse", W), ("dense", W.toarray()))
                }
                rows.append({"n_units": n_units, "density": density, "batch": batch,
                             "sparse_us": 1e6 * seconds["sparse"],
                             "dense_us": 1e6 * seconds["dense"],
                             "faster": min(seconds, key=seconds.get)})
    return rows


def format_crossover(rows) -> str:
    """The crossover measurements as a markdown table."""
    lines = ["| N | density | batch | CSR product µs | dense product µs | faster |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['n_units']} | {r['density']:g} | {r['batch']} | {r['sparse_us']:.2f} "
              f"| {r['dense_us']:.2f} | {r['faster']} |" for r in rows]
    return "\n".join(lines)


def _lsm_row(n_units, n_steps, repeats):
    u = np.sin(0.1 * np.arange(n_steps))[:, None]
    lsm = LSM(n_units=n_units, random_state=0).fit(u)
    esn = ESN(n_units=n_units, random_state=0).fit(u)
    t_lsm = measure(lambda: lsm.transform(u), repeats)
    t_esn = measure(lambda: esn.transform(u), repeats)
    simulation_steps = n_steps * lsm.steps_per_input
    return {
        "case": (f"LSM N={n_units}, 1 series x {n_steps} input steps "
                 f"({simulation_steps} simulation steps)"),
        "seconds": t_lsm,
        "unit_updates_per_s": simulation_steps * n_units / t_lsm,
        "esn_same_n_seconds": t_esn,
        "lsm_over_esn_time": t_lsm / t_esn,
    }


def _closed_loop_row(n_units, n_steps, repeats):
    """Closed-loop forecast step against the open-loop step of the same fitted reservoir."""
    u = np.sin(0.1 * np.arange(2000))
    model = ReservoirForecaster(ESN(n_units=n_units, random_state=0), washout=100).fit(u)
    drive = np.sin(0.1 * np.arange(n_steps))[:, None]
    t_open = measure(lambda: model.reservoir_.transform(drive), repeats)
    t_closed = measure(lambda: model.predict(n_steps), repeats)
    return {
        "case": f"ReservoirForecaster N={n_units}, closed loop, 1 series x {n_steps} steps",
        "seconds": t_closed,
        "unit_updates_per_s": n_steps * n_units / t_closed,
        "closed_loop_us_per_step": 1e6 * t_closed / n_steps,
        "open_loop_seconds": t_open,
        "open_loop_us_per_step": 1e6 * t_open / n_steps,
        "closed_over_open_loop": t_closed / t_open,
    }


def run_speed_benchmark(quick: bool = False, repeats: int | None = None) -> list[dict]:
    """Measure all cases; return one dict per row (see the module docstring)."""
    repeats = repeats or (3 if quick else 5)
    n_steps = 2000 if quick else 10_000
    rows = _single_series_rows((100, 500, 2000), n_steps, repeats)
    rows.extend(_batched_rows(100, 1000, 300, repeats))
    rows.append(_lsm_row(500, 2000 if quick else 10_000, max(1, repeats // 2)))
    rows.append(_closed_loop_row(1000, n_steps, repeats))
    return rows


def format_table(rows) -> str:
    """A markdown table: case, median seconds, unit-updates/s, and the ratio of the row.

    Unit-updates count simulation steps: for the LSM, ``steps_per_input``
    integration steps per input sample.
    """
    lines = ["| case | median s | unit-updates/s | reference | ratio |", "|---|---|---|---|---|"]
    for row in rows:
        ref, ratio = _reference_of(row)
        lines.append(
            f"| {row['case']} | {row['seconds']:.4f} | {row['unit_updates_per_s']:.3g} "
            f"| {ref} | {ratio:.2f}x |"
        )
    return "\n".join(lines)


def _reference_of(row):
    if "speedup_vs_numpy_loop" in row:
        return (f"numpy loop {row['numpy_loop_seconds']:.4f} s; mat-vec floor "
                f"{row['matvec_floor_seconds']:.4f} s ({row['time_over_matvec_floor']:.2f}x floor)",
                row["speedup_vs_numpy_loop"])
    if "speedup_vs_looped_single_series" in row:
        return (f"looped single series {row['looped_single_series_seconds']:.4f} s; block "
                f"product + tanh floor {row['product_tanh_floor_seconds']:.4f} s (at most "
                f"{row['looped_over_floor']:.2f}x)",
                row["speedup_vs_looped_single_series"])
    if "closed_over_open_loop" in row:
        return (f"open loop of the same reservoir {row['open_loop_seconds']:.4f} s "
                f"({row['closed_loop_us_per_step']:.1f} vs {row['open_loop_us_per_step']:.1f} "
                "µs per step; closed / open time)", row["closed_over_open_loop"])
    return f"ESN same N {row['esn_same_n_seconds']:.4f} s (LSM time / ESN time)", row[
        "lsm_over_esn_time"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reservoir.benchmark.speed",
        description="Reservoir throughput against a numpy loop and the mat-vec floor.",
    )
    parser.add_argument("--quick", action="store_true", help="shorter series, fewer repeats")
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats per case")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    parser.add_argument("--crossover", action="store_true",
                        help="instead, time the CSR and the dense product by size, density "
                             "and batch width (where the ESN loop switches to dense)")
    args = parser.parse_args(argv)
    if args.crossover:
        rows = product_crossover(repeats=args.repeats or (3 if args.quick else 5))
        print(format_crossover(rows))
    else:
        rows = run_speed_benchmark(quick=args.quick, repeats=args.repeats)
        print(format_table(rows))
        print("ratio: speed-up over the reference (higher is better), except the LSM row "
              "(LSM time over ESN time) and the closed-loop row (closed-loop time over "
              "open-loop time), where lower is better.")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
