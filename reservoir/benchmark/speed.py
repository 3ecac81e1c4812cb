"""Throughput of the reservoir time loop, against references measured in the same run.

Run ``python -m reservoir.benchmark.speed`` (``--quick`` for a short run).
Reported per case: the median wall time over repeats, unit-updates per second
(``T * N * n_series / s``) and ratios against

* a plain numpy per-step loop (``x = tanh(W @ x + W_in @ u[t])``, the code a
  user would write by hand), and
* the mat-vec floor: the same number of bare ``W @ x`` products (with the
  kernel the ESN loop itself uses), the part of an update no implementation
  can skip.

The batched cases drive 100 series of 1000 steps at N = 300 as one
``(100, 1000, 1)`` block, at the default density (10 connections per unit,
the CSR kernel) and at 10% density (a dense block product), in float64 and
float32: on one thread (``n_jobs=1``) and with the default ``n_jobs=None``
(as many threads as BLAS would use). Next to each, the block floor: the 1000
block products and tanh alone, timed with the loop's own kernel
(:func:`reservoir.esn.product_accumulator` and ``np.tanh`` on ``(N, B)``
blocks, BLAS on one thread); ``loop / floor`` is the time of the batched loop
itself (``simulate`` on the block, one thread) over it, and ``transform /
floor`` adds the input validation of ``transform``. The float64 case at the
default density is also compared with looping the single-series path over
the same series.

The 10k-unit case runs one series of 20000 steps through N = 10000 units
with 5 connections per unit, in float64 and float32, against its mat-vec floor.

The closed-loop case times ``ReservoirForecaster.predict`` (N = 1000, one
series), which feeds each prediction back as the next input, against the
open loop of the same fitted reservoir (``reservoir_.transform`` over as many
steps): their ratio is the cost of the readout and the feedback per step.

``--peer reservoirpy`` adds the peer comparison: ReservoirPy's
``Reservoir(units, sr=1, lr=1, rc_connectivity=...).run`` against our
``ESN(...).transform`` (defaults otherwise, ``n_jobs=None``) on the same
arrays, in the same run, for the cases of issue 15: one series of 5000 steps
at N = 100, 500 and 2000 with 10% density; 100 series x 1000 steps at N = 300
with 10% density (a list of series for both); one series of 20000 steps at
N = 10000 with 5 connections per unit; and the last two in float32 as well.
The ratio is the peer's time over ours (above 1: we are faster). ``--busy``
measures the comparison cases again while a subprocess keeps one core busy
(an endless Python loop), the situation in which BLAS threads that
synchronise every step lose most. BLAS threads are left as the environment
sets them ("default threads", printed with the table) unless
``--blas-threads K`` pins them to K for the whole run, for both libraries.

``--float32-accuracy`` instead compares the accuracy of float64 and float32
reservoirs on two tasks of :mod:`reservoir.benchmark.defaults` (Mackey-Glass
84-step closed-loop NRMSE, N = 1000; NARMA-10 NRMSE, N = 500; seeds 0-2).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import time
from functools import partial

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from ..esn import ESN, one_blas_thread, product_accumulator
from ..estimators import ReservoirForecaster
from ..lsm import LSM

__all__ = ["measure", "run_speed_benchmark", "product_crossover", "peer_comparison",
           "float32_accuracy", "busy_core", "main"]

#: Peers the comparison can run against (``--peer``).
PEERS = ("reservoirpy",)


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
    per-step work that no loop around these kernels can skip. The blocks
    have the dtype of ``W``.
    """
    add_product = product_accumulator(W, batch)
    shape = (W.shape[0],) if batch == 1 else (W.shape[0], batch)
    x = np.full(shape, 1.0 / W.shape[0], dtype=W.dtype)
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


def _large_rows(n_units, n_steps, n_connections, repeats, dtypes=("float64", "float32")):
    """One long series through a large sparse reservoir, against its mat-vec floor."""
    u = np.sin(0.1 * np.arange(n_steps))[:, None]
    rows = []
    for dtype in dtypes:
        esn = ESN(n_units=n_units, n_connections=n_connections, dtype=dtype,
                  random_state=0).fit(u)
        t_esn = measure(lambda esn=esn: esn.transform(u), repeats)
        t_floor = measure(partial(_matvec_floor, esn.loop_matrix(), n_steps), repeats)
        rows.append({
            "case": (f"ESN N={n_units}, {n_connections} connections per unit, 1 series x "
                     f"{n_steps} steps, {dtype}"),
            "seconds": t_esn,
            "unit_updates_per_s": n_steps * n_units / t_esn,
            "matvec_floor_seconds": t_floor,
            "time_over_matvec_floor": t_esn / t_floor,
        })
    return rows


def _batched_rows(n_series, n_steps, n_units, repeats, connectivity=None, dtype="float64",
                  looped=True):
    """The batch on one thread and with the default ``n_jobs``, against the block floor.

    The one-thread row also times the loop alone (``simulate`` on the block,
    no input validation) and, with ``looped``, looping the single-series path
    over the same series.
    """
    rng = np.random.default_rng(0)
    U = rng.uniform(-1, 1, (n_series, n_steps, 1))
    params = {"n_units": n_units, "connectivity": connectivity, "dtype": dtype,
              "random_state": 0}
    one = ESN(n_jobs=1, **params).fit(U)
    block, start = U.astype(dtype), one.default_state(n_series)
    W_block = one.loop_matrix(n_series)
    with one_blas_thread():
        t_floor = measure(partial(_matvec_floor, W_block, n_steps, n_series, activation=True),
                          repeats)
    t_one = measure(lambda: one.transform(U), repeats)
    t_loop = measure(lambda: one.simulate(block, start), repeats)
    density = "10 connections per unit" if connectivity is None else f"{connectivity:.0%} density"
    kernel = "dense" if isinstance(W_block, np.ndarray) else "CSR"
    label = f"ESN N={n_units}, {density} ({kernel}), {n_series} series x {n_steps} steps, {dtype}"
    floor_fields = {"product_tanh_floor_seconds": t_floor, "loop_seconds": t_loop,
                    "loop_over_floor": t_loop / t_floor, "transform_over_floor": t_one / t_floor}
    first = {"case": f"{label} (batched, 1 thread)", "seconds": t_one,
             "unit_updates_per_s": n_series * n_steps * n_units / t_one, **floor_fields}
    if looped:
        t_looped = measure(lambda: [one.transform(series) for series in U], repeats)
        first.update(looped_single_series_seconds=t_looped,
                     speedup_vs_looped_single_series=t_looped / t_one,
                     looped_over_floor=t_looped / t_floor)
    default = ESN(**params).fit(U)
    t_default = measure(lambda: default.transform(U), repeats)
    threads = default._thread_count(n_series)
    second = {"case": f"{label} (batched, n_jobs=None: {threads} thread(s))",
              "seconds": t_default,
              "unit_updates_per_s": n_series * n_steps * n_units / t_default,
              "one_thread_seconds": t_one, "speedup_vs_one_thread": t_one / t_default,
              "threads": threads, **floor_fields}
    return [first, second]


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
    for connectivity in (None, 0.1):
        for dtype in ("float64", "float32"):
            rows.extend(_batched_rows(100, 1000, 300, repeats, connectivity=connectivity,
                                      dtype=dtype,
                                      looped=connectivity is None and dtype == "float64"))
    rows.extend(_large_rows(10_000, 2000 if quick else 20_000, 5, max(1, repeats // 2)))
    rows.append(_lsm_row(500, 2000 if quick else 10_000, max(1, repeats // 2)))
    rows.append(_closed_loop_row(1000, n_steps, repeats))
    return rows


# -- the peer comparison ---------------------------------------------------------------------------
def _comparison_cases(quick):
    """(label, n_series, n_steps, n_units, connectivity, dtype) of issue 15's comparison."""
    single, long = (1000, 4000) if quick else (5000, 20_000)
    batch_steps = 200 if quick else 1000
    cases = [(f"1 series x {single} steps, N={n}, 10% density", 1, single, n, 0.1, "float64")
             for n in (100, 500, 2000)]
    for dtype in ("float64", "float32"):
        cases.append((f"100 series x {batch_steps} steps, N=300, 10% density, {dtype}", 100,
                      batch_steps, 300, 0.1, dtype))
    for dtype in ("float64", "float32"):
        cases.append((f"1 series x {long} steps, N=10000, 5 connections per unit, {dtype}", 1,
                      long, 10_000, 5 / 10_000, dtype))
    return cases


def _reservoirpy_available():
    try:
        import reservoirpy  # noqa: F401
    except ImportError:
        return False
    return True


def _reservoirpy_reservoir(n_units, connectivity, dtype):
    """ReservoirPy's reservoir with the same size, density and leak as ours (seed 0)."""
    from reservoirpy.nodes import Reservoir

    return Reservoir(n_units, sr=1.0, lr=1.0, rc_connectivity=connectivity, input_scaling=0.1,
                     dtype=np.dtype(dtype).type, seed=0)


def _our_esn(n_units, connectivity, dtype):
    if connectivity * n_units < 10:  # a few connections per unit: say so, as ReservoirPy's
        return ESN(n_units=n_units, n_connections=round(connectivity * n_units), dtype=dtype,
                   random_state=0)
    return ESN(n_units=n_units, connectivity=connectivity, dtype=dtype, random_state=0)


def peer_comparison(peer=None, quick=False, repeats=None, condition="quiet") -> list[dict]:
    """Our time and (with ``peer``) the peer's on the comparison cases, in this run.

    Parameters
    ----------
    peer : {"reservoirpy"} or None
        The peer to time on the same arrays; None times ours only.
    quick : bool, default=False
        Shorter series.
    repeats : int, optional
        Timed repeats per case (3 with ``quick``, else 5; half that for the
        10k-unit cases).
    condition : str, default="quiet"
        Label of the machine's condition, added to each case (``"one core
        busy"`` while :func:`busy_core` runs).

    Returns
    -------
    list of dict
        One row per case: ``seconds`` (ours), and with a peer ``peer_seconds``
        and ``peer_over_ours`` (above 1: we are faster).

    Raises
    ------
    ValueError
        An unknown peer.
    ImportError
        The peer is not installed.
    """
    if peer is not None and peer not in PEERS:
        raise ValueError(f"peer must be one of {PEERS}; got {peer!r}.")
    if peer == "reservoirpy" and not _reservoirpy_available():
        raise ImportError("--peer reservoirpy: ReservoirPy is not installed "
                          "(pip install reservoirpy); it is a benchmark peer, never a dependency.")
    repeats = repeats or (3 if quick else 5)
    rng = np.random.default_rng(0)
    rows = []
    for label, n_series, n_steps, n_units, connectivity, dtype in _comparison_cases(quick):
        reps = max(1, repeats // 2) if n_units >= 10_000 else repeats
        data = rng.uniform(-1, 1, (n_series, n_steps, 1)).astype(dtype)
        series = data[0] if n_series == 1 else list(data)
        ours = _our_esn(n_units, connectivity, dtype).fit(series)
        t_ours = measure(lambda ours=ours, series=series: ours.transform(series), reps)
        row = {"case": f"{label} [{condition}]", "seconds": t_ours,
               "unit_updates_per_s": n_series * n_steps * n_units / t_ours,
               "threads": ours._thread_count(n_series) if n_series > 1 else 1}
        if peer is not None:
            theirs = _reservoirpy_reservoir(n_units, connectivity, dtype)
            t_peer = measure(lambda theirs=theirs, series=series: theirs.run(series), reps)
            row.update(peer=peer, peer_seconds=t_peer, peer_over_ours=t_peer / t_ours)
        rows.append(row)
    return rows


@contextlib.contextmanager
def busy_core():
    """Keep one core busy (a subprocess running an endless Python loop) while inside."""
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)  # let it start and take its core
        yield burner
    finally:
        burner.terminate()
        burner.wait()


def blas_description() -> str:
    """The BLAS libraries loaded and their thread counts, for the table's header."""
    infos = [info for info in threadpool_info() if info["user_api"] == "blas"]
    return "; ".join(f"{info['internal_api']} {info.get('version') or ''} "
                     f"({info['num_threads']} threads)" for info in infos) or "no BLAS found"


# -- float32 accuracy ----------------------------------------------------------------------------
def float32_accuracy(tasks=("mackey_glass", "narma10"), seeds=(0, 1, 2)) -> list[dict]:
    """NRMSE of float64 and float32 reservoirs on tasks of :mod:`reservoir.benchmark.defaults`.

    Parameters
    ----------
    tasks : sequence of str
        Names from :data:`reservoir.benchmark.defaults.TASKS` (each sets the
        reservoir size: N = 1000 for Mackey-Glass, 500 for NARMA-10).
    seeds : sequence of int

    Returns
    -------
    list of dict
        One row per task and seed: ``float64``, ``float32`` (the scores) and
        ``ratio`` (float32 over float64).
    """
    import warnings

    from .defaults import TASKS, our_system

    rows = []
    for name in tasks:
        task = TASKS[name]
        for seed in seeds:
            scores = {}
            for dtype in ("float64", "float32"):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    scores[dtype] = task.run(our_system({"dtype": dtype}), task.n_units, seed)
            rows.append({"task": name, "metric": task.metric, "n_units": task.n_units,
                         "seed": seed, **scores, "ratio": scores["float32"] / scores["float64"]})
    return rows


def format_accuracy(rows) -> str:
    """The float32 accuracy comparison as a markdown table."""
    lines = ["| task | N | seed | float64 | float32 | float32 / float64 |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['task']} ({r['metric']}) | {r['n_units']} | {r['seed']} | {r['float64']:.3g} "
              f"| {r['float32']:.3g} | {r['ratio']:.3f} |" for r in rows]
    return "\n".join(lines)


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
    if "peer_over_ours" in row:
        return (f"{row['peer']} {row['peer_seconds']:.4f} s (peer time / ours; ours on "
                f"{row['threads']} thread(s))", row["peer_over_ours"])
    if "speedup_vs_numpy_loop" in row:
        return (f"numpy loop {row['numpy_loop_seconds']:.4f} s; mat-vec floor "
                f"{row['matvec_floor_seconds']:.4f} s ({row['time_over_matvec_floor']:.2f}x floor)",
                row["speedup_vs_numpy_loop"])
    if "loop_over_floor" in row:
        floor = (f"block product + tanh floor {row['product_tanh_floor_seconds']:.4f} s; loop "
                 f"{row['loop_seconds']:.4f} s ({row['loop_over_floor']:.2f}x floor, transform "
                 f"{row['transform_over_floor']:.2f}x)")
        if "speedup_vs_one_thread" in row:
            return f"1 thread {row['one_thread_seconds']:.4f} s; {floor}", row[
                "speedup_vs_one_thread"]
        if "speedup_vs_looped_single_series" in row:
            return (f"looped single series {row['looped_single_series_seconds']:.4f} s; "
                    f"{floor}", row["speedup_vs_looped_single_series"])
        return floor, row["loop_over_floor"]
    if "time_over_matvec_floor" in row:
        return (f"mat-vec floor {row['matvec_floor_seconds']:.4f} s (time / floor)",
                row["time_over_matvec_floor"])
    if "closed_over_open_loop" in row:
        return (f"open loop of the same reservoir {row['open_loop_seconds']:.4f} s "
                f"({row['closed_loop_us_per_step']:.1f} vs {row['open_loop_us_per_step']:.1f} "
                "µs per step; closed / open time)", row["closed_over_open_loop"])
    if "lsm_over_esn_time" in row:
        return f"ESN same N {row['esn_same_n_seconds']:.4f} s (LSM time / ESN time)", row[
            "lsm_over_esn_time"]
    return "", float("nan")


RATIO_NOTE = (
    "ratio: speed-up over the reference (higher is better): numpy loop, looped single series, "
    "1 thread, or the peer (peer time / ours); time over the floor for the batched float32 rows "
    "without a looped reference and the 10k-unit rows, LSM time over ESN time, closed-loop "
    "over open-loop time (lower is better)."
)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reservoir.benchmark.speed",
        description="Reservoir throughput against a numpy loop, the mat-vec floor and a peer.",
    )
    parser.add_argument("--quick", action="store_true", help="shorter series, fewer repeats")
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats per case")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    parser.add_argument("--crossover", action="store_true",
                        help="instead, time the CSR and the dense product by size, density "
                             "and batch width (where the ESN loop switches to dense)")
    parser.add_argument("--peer", choices=PEERS, default=None,
                        help="add the comparison cases timed with this peer in the same run")
    parser.add_argument("--busy", action="store_true",
                        help="measure the comparison cases again with one core kept busy")
    parser.add_argument("--comparison-only", action="store_true",
                        help="skip our own cases; only the comparison (with --peer / --busy)")
    parser.add_argument("--blas-threads", type=int, default=None, metavar="K",
                        help="pin BLAS to K threads for the whole run (default: as the "
                             "environment sets it)")
    parser.add_argument("--float32-accuracy", action="store_true",
                        help="instead, compare float64 and float32 reservoirs on Mackey-Glass "
                             "and NARMA-10 (seeds 0-2)")
    args = parser.parse_args(argv)
    if args.peer == "reservoirpy" and not _reservoirpy_available():
        print("--peer reservoirpy: ReservoirPy is not installed (pip install reservoirpy); "
              "it is a benchmark peer, never a dependency.", file=sys.stderr)
        return 2
    pin = (threadpool_limits(limits=args.blas_threads, user_api="blas")
           if args.blas_threads else contextlib.nullcontext())
    with pin:
        rows = _run_mode(args)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=2)
    return 0


def _run_mode(args):
    """Run what the command line asks for, print its table(s), return the rows."""
    if args.crossover:
        rows = product_crossover(repeats=args.repeats or (3 if args.quick else 5))
        print(format_crossover(rows))
        return rows
    if args.float32_accuracy:
        rows = float32_accuracy()
        print(format_accuracy(rows))
        return rows
    print(f"BLAS: {blas_description()}" + (" (pinned)" if args.blas_threads else
                                            " (default threads)"))
    rows = [] if args.comparison_only else run_speed_benchmark(quick=args.quick,
                                                               repeats=args.repeats)
    if args.peer or args.busy:
        rows.extend(peer_comparison(args.peer, quick=args.quick, repeats=args.repeats))
    if args.busy:
        with busy_core():
            rows.extend(peer_comparison(args.peer, quick=args.quick, repeats=args.repeats,
                                        condition="one core busy"))
    print(format_table(rows))
    print(RATIO_NOTE)
    return rows


if __name__ == "__main__":
    sys.exit(main())
