"""The time loop on a torch device against the NumPy ESN, measured in the same run.

Run ``python -m reservoir.benchmark.torch_speed`` (``--quick`` for a short run;
needs the ``torch`` extra). For each case (N units, B series, T steps; one input,
the default ESN otherwise, float32 unless ``--dtype float64``) it times:

* the NumPy path: ``ESN.simulate`` of the B series as one block, with
  ``n_jobs=-1`` (the batch split between threads) and BLAS limited to one thread
  (``threadpoolctl``), as the library runs it;
* :meth:`TorchReservoir.advance <reservoir.torch.TorchReservoir.advance>`: the
  same loop on the device, the states left there (only the final states come
  back);
* :meth:`TorchReservoir.simulate <reservoir.torch.TorchReservoir.simulate>`,
  states copied back to the host, where the (B, T, N) states fit in
  ``HOST_STATE_BYTES``.

Both paths run the same fitted weights (the TorchReservoir's own NumPy
template). Reported: the median wall time over repeats (one untimed warm-up run
first), unit-updates per second (``B * T * N / s``) and the ratio of the NumPy
time to each row's time. Where the NumPy states of all T steps would not fit
in ``HOST_STATE_BYTES``, the NumPy path is timed on the first steps only and
its time scaled to T steps (the loop's cost is linear in T); ``steps_timed``
says so.

The CPU case (N = 1000, 100 series x 1000 steps) runs everywhere, on ``"cpu"``
and, with a GPU, on ``"cuda"``; the large cases (N = 10 000 and 50 000, 100
series x 10 000 steps) run only on a CUDA device. Without one they are skipped,
and the command says so.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
from threadpoolctl import threadpool_limits

from ..esn import ESN
from .speed import measure

__all__ = ["torch_rows", "format_table", "main", "CPU_CASES", "GPU_CASES", "HOST_STATE_BYTES"]

#: (n_units, n_series, n_steps) timed on every machine (NumPy, torch "cpu", and "cuda").
CPU_CASES = ((1_000, 100, 1_000),)
#: Cases timed only when a CUDA device is present.
GPU_CASES = ((10_000, 100, 10_000), (50_000, 100, 10_000))
_QUICK_CPU_CASES = ((200, 20, 200),)
_QUICK_GPU_CASES = ((10_000, 100, 1_000), (50_000, 100, 500))
#: Largest (B, T, N) block of states a timed run may hold in host memory.
HOST_STATE_BYTES = 2**30
#: Most seconds spent repeating one measurement (at least one timed run is made).
_BUDGET_S = 60.0


def _cuda_available():
    import torch

    return torch.cuda.is_available()


def _case_label(n_units, n_series, n_steps):
    return f"N={n_units}, {n_series} series x {n_steps} steps"


def _case_rows(n_units, n_series, n_steps, devices, repeats, dtype):
    """The rows of one case: the NumPy path first, then each device's torch paths."""
    from ..torch import TorchReservoir

    rng = np.random.default_rng(0)
    U = rng.uniform(-1.0, 1.0, (n_series, n_steps, 1)).astype(dtype)
    template = ESN(n_units=n_units, dtype=dtype, n_jobs=-1, random_state=0)
    itemsize = np.dtype(dtype).itemsize
    bytes_per_step = n_series * n_units * itemsize
    label = _case_label(n_units, n_series, n_steps)

    models = {device: TorchReservoir(template, device=device).fit(U[:1, :1])
              for device in devices}
    esn = next(iter(models.values())).reservoir_     # the same weights on every path
    start = esn.default_state(n_series)

    steps_timed = int(min(n_steps, max(1, HOST_STATE_BYTES // bytes_per_step)))
    head = np.ascontiguousarray(U[:, :steps_timed])
    with threadpool_limits(limits=1, user_api="blas"):
        t_numpy = measure(lambda: esn.simulate(head, start), repeats, _BUDGET_S)
    t_numpy *= n_steps / steps_timed
    updates = n_series * n_steps * n_units

    def row(backend, device, path, seconds, timed, w_format, threads):
        return {"case": label, "n_units": n_units, "n_series": n_series, "n_steps": n_steps,
                "dtype": dtype, "backend": backend, "device": device, "path": path,
                "W": w_format, "threads": threads, "steps_timed": timed, "seconds": seconds,
                "unit_updates_per_s": updates / seconds, "numpy_seconds": t_numpy,
                "speedup_vs_numpy": t_numpy / seconds}

    numpy_format = "sparse" if hasattr(esn.loop_matrix(n_series), "nnz") else "dense"
    rows = [row("numpy", "cpu", "ESN.simulate (n_jobs=-1, BLAS 1 thread)", t_numpy,
                steps_timed, numpy_format, os.cpu_count())]
    import torch

    for device, model in models.items():
        w_format = "sparse" if model._layers()[0].W.layout == torch.sparse_csr else "dense"
        threads = torch.get_num_threads() if device == "cpu" else None
        t_advance = measure(lambda model=model: model.advance(U, start), repeats, _BUDGET_S)
        rows.append(row("torch", device, "TorchReservoir.advance (states stay on device)",
                        t_advance, n_steps, w_format, threads))
        if n_steps * bytes_per_step <= HOST_STATE_BYTES:
            t_simulate = measure(lambda model=model: model.simulate(U, start), repeats,
                                 _BUDGET_S)
            rows.append(row("torch", device, "TorchReservoir.simulate (states to host)",
                            t_simulate, n_steps, w_format, threads))
    return rows


def torch_rows(quick=False, repeats=None, dtype="float32", cases=None, gpu_cases=None,
               torch_threads=None):
    """Time the NumPy ESN loop and the torch loop on "cpu" and, if present, "cuda".

    Parameters
    ----------
    quick : bool, default=False
        Small cases and fewer repeats (a test-sized run).
    repeats : int, optional
        Timed runs per measurement (median); default 3, 2 with ``quick``.
    dtype : {"float32", "float64"}, default="float32"
    cases : sequence of (n_units, n_series, n_steps), optional
        Cases run on the CPU (and on CUDA when present); default
        :data:`CPU_CASES` (a smaller one with ``quick``).
    gpu_cases : sequence of (n_units, n_series, n_steps), optional
        Cases run only on a CUDA device; default :data:`GPU_CASES` (shorter
        ones with ``quick``). Skipped when ``torch.cuda.is_available()`` is False.
    torch_threads : int, optional
        Threads of torch's CPU kernels during the run (``torch.set_num_threads``,
        restored afterwards); default torch's own setting (all cores, or
        ``OMP_NUM_THREADS``). On a loaded machine, one thread can be much faster.

    Returns
    -------
    list of dict
        One row per case and path (module docstring): ``case``, ``backend``,
        ``device``, ``path``, ``W`` ("sparse"/"dense"), ``steps_timed``,
        ``seconds`` (median, for all ``n_steps``), ``unit_updates_per_s``,
        ``numpy_seconds`` and ``speedup_vs_numpy``, among others.
    """
    repeats = repeats or (2 if quick else 3)
    cases = cases if cases is not None else (_QUICK_CPU_CASES if quick else CPU_CASES)
    gpu_cases = gpu_cases if gpu_cases is not None else (
        _QUICK_GPU_CASES if quick else GPU_CASES)
    import torch

    cuda = _cuda_available()
    saved_threads = torch.get_num_threads()
    if torch_threads is not None:
        torch.set_num_threads(int(torch_threads))
    rows = []
    try:
        for case in cases:
            rows += _case_rows(*case, ("cpu", "cuda") if cuda else ("cpu",), repeats, dtype)
        if cuda:
            for case in gpu_cases:
                rows += _case_rows(*case, ("cuda",), repeats, dtype)
    finally:
        torch.set_num_threads(saved_threads)
    return rows


def format_table(rows) -> str:
    """The rows as a markdown table."""
    lines = ["| case | path | device | W | median s | unit-updates/s | vs NumPy |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        seconds = f"{r['seconds']:.4g}"
        if r["steps_timed"] < r["n_steps"]:
            seconds += f" (from {r['steps_timed']} steps)"
        lines.append(f"| {r['case']} | {r['path']} | {r['device']} | {r['W']} | {seconds} "
                     f"| {r['unit_updates_per_s']:.3g} | {r['speedup_vs_numpy']:.2f}x |")
    return "\n".join(lines)


def main(argv=None):
    """Command line: ``python -m reservoir.benchmark.torch_speed [--quick] [--json PATH]``."""
    parser = argparse.ArgumentParser(
        prog="python -m reservoir.benchmark.torch_speed",
        description="Time the ESN loop with torch (cpu, cuda) against the NumPy path.")
    parser.add_argument("--quick", action="store_true", help="small cases, fewer repeats")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--torch-threads", type=int, default=None,
                        help="threads of torch's CPU kernels (default: torch's setting)")
    parser.add_argument("--json", default=None, help="also write the rows to this file")
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("torch is not installed: pip install 'reservoir-rc[torch]'", file=sys.stderr)
        return 1
    rows = torch_rows(quick=args.quick, repeats=args.repeats, dtype=args.dtype,
                      torch_threads=args.torch_threads)
    print(f"torch {torch.__version__}, {os.cpu_count()} CPU cores, dtype {args.dtype}")
    print(format_table(rows))
    print("threads: NumPy path", os.cpu_count(), "(n_jobs=-1, BLAS 1 thread); torch CPU",
          next((r["threads"] for r in rows if r["device"] == "cpu" and r["backend"] == "torch"),
               "-"))
    if not _cuda_available():
        print("\nGPU rows skipped: no CUDA device is present (torch.cuda.is_available() is "
              "False), so the cuda device and the large cases "
              + ", ".join(_case_label(*c) for c in (_QUICK_GPU_CASES if args.quick
                                                    else GPU_CASES))
              + " were not run.")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(rows, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
