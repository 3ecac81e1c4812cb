"""Run many series as equal-length blocks: group by length, stack, compute, scatter back.

Reservoirs and recurrent networks update a ``(batch, N)`` block per step, so
series of the same length are stacked into one ``(B, T, d)`` block and run
together; the results go back to the caller's order. Every caller that runs
a list of series (reservoir ``run``, estimator fits, the classifier, the
trained RNNs, the Lyapunov estimate) goes through :func:`equal_length_blocks`
and, where it collects per-series outputs, :func:`scatter`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["equal_length_blocks", "group_by_length", "scatter"]


def group_by_length(lengths) -> dict[int, list[int]]:
    """Map each distinct length to the positions of the series that have it, in order."""
    groups: dict[int, list[int]] = {}
    for i, length in enumerate(lengths):
        groups.setdefault(int(length), []).append(i)
    return groups


def equal_length_blocks(series, *aligned, max_batch=None):
    """Yield ``(members, block, *aligned_blocks)`` for groups of equal-length series.

    Parameters
    ----------
    series : sequence of arrays of shape (T_i, ...)
        The series to group; ``block`` is ``np.stack`` of the members, shape
        ``(B, T, ...)``.
    *aligned : sequences of arrays, each of the same length as ``series``
        Per-series companions (targets, sources, ...) stacked with the same
        members. A companion that is not an array (for example a key) is
        collected into a list instead.
    max_batch : int, optional
        Split a group into batches of at most this many series (memory bound).

    Yields
    ------
    members : list of int
        Positions of the block's series in ``series``.
    block : ndarray of shape (B, T, ...)
    *aligned_blocks : ndarray or list
    """
    for _, group in group_by_length([len(s) for s in series]).items():
        step = len(group) if max_batch is None else max(int(max_batch), 1)
        for start in range(0, len(group), step):
            members = group[start:start + step]
            yield (members, _stack(series, members),
                   *(_stack(companion, members) for companion in aligned))


def _stack(values, members):
    chosen = [values[i] for i in members]
    return np.stack(chosen) if isinstance(chosen[0], np.ndarray) else chosen


def scatter(n_series, pieces) -> list:
    """Collect ``(members, block)`` pairs back into a list of ``n_series`` items in order.

    ``block[j]`` goes to position ``members[j]``; every position must be filled once.
    """
    outputs = [None] * n_series
    for members, block in pieces:
        for j, i in enumerate(members):
            outputs[i] = block[j]
    missing = [i for i, value in enumerate(outputs) if value is None]
    if missing:
        raise RuntimeError(f"scatter: positions {missing} received no block.")
    return outputs
