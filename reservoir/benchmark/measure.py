"""Wall time and peak memory of one call, measured the same way for every model.

Two memory probes exist; the benchmark uses the first one available and
states which in its output:

* ``"rss"`` (Linux): the increase of the process's peak resident set size
  during the call. The kernel's high-water mark ``VmHWM`` is reset before the
  call (``/proc/self/clear_refs``) and compared with the resident size
  ``VmRSS`` at its start. With glibc, the mmap threshold is pinned at
  128 KiB and free heap pages are released (``malloc_trim``) before the call,
  so memory freed by earlier calls does not hide this call's allocations. It
  sees every allocator: numpy, statsmodels and torch alike.
* ``"tracemalloc"`` (elsewhere): the :mod:`tracemalloc` peak of the call,
  which traces Python and numpy allocations but not memory allocated by
  torch's C++ allocator.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time
import tracemalloc
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["Measurement", "RssProbe", "TracemallocProbe", "measured", "memory_probe"]

_PROC_STATUS = "/proc/self/status"
_CLEAR_REFS = "/proc/self/clear_refs"
_RESET_PEAK_RSS = "5"
_GLIBC_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD_BYTES = 128 * 1024
_MIB = 2.0**20


@dataclass
class Measurement:
    """Cost of one measured call.

    Attributes
    ----------
    seconds : float
        Wall time (``time.perf_counter``).
    peak_mib : float or None
        Peak memory of the call in MiB, None when no probe was used.
    """

    seconds: float = 0.0
    peak_mib: float | None = None


def _status_mib(field: str) -> float:
    """A ``kB`` field of ``/proc/self/status`` (``VmRSS``, ``VmHWM``) in MiB."""
    with open(_PROC_STATUS) as status:
        for line in status:
            key, _, value = line.partition(":")
            if key == field:
                return int(value.split()[0]) / 1024.0
    raise OSError(f"{field} is missing from {_PROC_STATUS}.")


def _reset_peak_rss():
    with open(_CLEAR_REFS, "w") as clear_refs:
        clear_refs.write(_RESET_PEAK_RSS)


def _glibc():
    """The C library when it is glibc (has ``mallopt`` and ``malloc_trim``), else None."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        libc.mallopt, libc.malloc_trim  # noqa: B018 - glibc-only symbols
    except (OSError, AttributeError, TypeError):
        return None
    return libc


class RssProbe:
    """Peak resident-set increase of a call (Linux ``/proc``); see the module docstring."""

    name = "rss"
    description = (
        "peak memory = increase of the process's peak resident set size during the fit "
        "(Linux VmHWM, reset before each fit, minus VmRSS at its start, free heap pages "
        "released first); counts numpy, statsmodels and torch allocations"
    )

    @staticmethod
    def available() -> bool:
        """Whether ``/proc`` lets this process reset and read its peak RSS."""
        try:
            _reset_peak_rss()
            _status_mib("VmHWM")
            _status_mib("VmRSS")
        except (OSError, ValueError):
            return False
        return True

    def __init__(self):
        self._libc = _glibc()
        if self._libc is not None:
            self._libc.mallopt(_GLIBC_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES)
        self._start = 0.0

    def start(self):
        """Release free heap pages, reset the high-water mark, remember the resident size."""
        if self._libc is not None:
            self._libc.malloc_trim(0)
        _reset_peak_rss()
        self._start = _status_mib("VmRSS")

    def stop(self) -> float:
        """Peak increase in MiB since :meth:`start`."""
        return max(_status_mib("VmHWM") - self._start, 0.0)


class TracemallocProbe:
    """:mod:`tracemalloc` peak of a call (Python and numpy allocations only)."""

    name = "tracemalloc"
    description = (
        "peak memory = tracemalloc peak of the fit (Python and numpy allocations; "
        "torch's C++ allocator is not traced, so trained-RNN figures are lower bounds)"
    )

    @staticmethod
    def available() -> bool:
        """Always available."""
        return True

    def start(self):
        """Start tracing (or restart the peak if tracing is already on)."""
        if tracemalloc.is_tracing():
            tracemalloc.reset_peak()
            self._owner = False
        else:
            tracemalloc.start()
            self._owner = True

    def stop(self) -> float:
        """Peak traced memory in MiB since :meth:`start`."""
        _, peak = tracemalloc.get_traced_memory()
        if self._owner:
            tracemalloc.stop()
        return peak / _MIB


def memory_probe():
    """The best memory probe on this platform: :class:`RssProbe`, else :class:`TracemallocProbe`.

    Returns
    -------
    RssProbe or TracemallocProbe
    """
    return RssProbe() if RssProbe.available() else TracemallocProbe()


@contextmanager
def measured(probe=None):
    """Measure the wall time (and, with a probe, the peak memory) of the block.

    Parameters
    ----------
    probe : RssProbe, TracemallocProbe or None
        Memory probe; None measures time only.

    Yields
    ------
    Measurement
        Filled in when the block ends.

    Examples
    --------
    >>> from reservoir.benchmark.measure import measured
    >>> with measured() as cost:
    ...     total = sum(range(1000))
    >>> cost.seconds >= 0.0 and cost.peak_mib is None
    True
    """
    result = Measurement()
    if probe is not None:
        probe.start()
    start = time.perf_counter()
    try:
        yield result
    finally:
        result.seconds = time.perf_counter() - start
        if probe is not None:
            result.peak_mib = probe.stop()
