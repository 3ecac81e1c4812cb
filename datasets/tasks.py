"""Input-output tasks of the reservoir-computing literature: NARMA, memory, MSO.

References
----------
.. [AP00] A. F. Atiya and A. G. Parlos, "New results on recurrent network
   training: unifying the algorithms and accelerating convergence", IEEE
   Trans. Neural Networks 11(3):697-709, 2000.
.. [J01] H. Jaeger, "Short term memory in echo state networks", GMD Report
   152, German National Research Center for Information Technology, 2001.
.. [RT11] A. Rodan and P. Tiňo, "Minimum complexity echo state network",
   IEEE Trans. Neural Networks 22(1):131-144, 2011.
.. [KU19] T. Kubota, K. Nakajima and H. Takahashi, "Dynamical anatomy of
   NARMA10 benchmark task", arXiv:1906.04608, 2019.
.. [K12] D. Koryakin, J. Lohmann and M. V. Butz, "Balanced echo state
   networks", Neural Networks 36:35-45, 2012.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.utils import check_random_state

from reservoir._validation import check_in_range

from ._common import check_discard, check_n_steps

__all__ = ["MSO_FREQUENCIES", "narma", "memory_task", "multiple_superimposed_oscillators"]

#: (a, b, c, d) of y[t+1] = a y[t] + b y[t] sum y[t-i] + c u[t-m+1] u[t] + d, order <= 10 [AP00]_.
NARMA_LOW_ORDER_COEFFICIENTS = (0.3, 0.05, 1.5, 0.1)
#: (a, b, c, d) of the tanh-wrapped recurrence used for orders above 10.
NARMA_HIGH_ORDER_COEFFICIENTS = (0.2, 0.04, 1.5, 0.001)
#: Orders up to this use the plain recurrence; higher orders are wrapped in tanh.
NARMA_MAX_PLAIN_ORDER = 10
#: A plain NARMA run whose |y| exceeds this has left the bounded regime (it then explodes).
_NARMA_DIVERGENCE_LEVEL = 10.0
#: How many input sequences are drawn before giving up on a diverging plain NARMA.
_NARMA_MAX_DRAWS = 20

#: Angular frequencies of the MSO benchmark, in the order they are added [K12]_.
MSO_FREQUENCIES = (0.2, 0.311, 0.42, 0.51, 0.63, 0.74, 0.85, 0.97)

_MEMORY_DISTRIBUTIONS = ("uniform", "normal")


# -- NARMA ----------------------------------------------------------------------------------
def narma(n_steps, order=10, random_state=None, discard=200):
    """Input and output of the NARMA (nonlinear autoregressive moving average) task.

    The input ``u`` is i.i.d. uniform on [0, 0.5]. For ``order`` m <= 10 the
    output follows the recurrence of Atiya & Parlos [AP00]_ (m = 10 is the
    standard NARMA-10)::

        y[t+1] = 0.3 y[t] + 0.05 y[t] sum_{i=0}^{m-1} y[t-i] + 1.5 u[t-m+1] u[t] + 0.1

    With these coefficients orders above 10 diverge for almost every input
    sequence, so higher orders (NARMA-20, NARMA-30) use the tanh-wrapped
    variant with smaller coefficients::

        y[t+1] = tanh(0.2 y[t] + 0.04 y[t] sum_{i=0}^{m-1} y[t-i] + 1.5 u[t-m+1] u[t] + 0.001)

    Wrapping the update in tanh keeps it bounded (y stays in [0, 1)), as done
    for NARMA-20 by Rodan & Tiňo [RT11]_; the coefficients
    (0.2, 0.04, 1.5, 0.001) are those used for the 30th-order system in the
    reservoir-computing literature (and ReservoirPy's ``narma``).

    The plain recurrence can itself diverge for rare inputs [KU19]_. Such a
    run is detected (``|y| > 10``) and the input redrawn from the same generator,
    so a seed still gives one fixed result; the returned series is thus
    conditioned on staying bounded.

    Parameters
    ----------
    n_steps : int
        Length of the returned series.
    order : int >= 2, default=10
        Memory m of the system; 10, 20 and 30 are the usual benchmarks.
    random_state : int, RandomState instance or None
        Seed of the input sequence.
    discard : int, default=200
        Number of leading steps dropped (the recurrence starts from y = 0).

    Returns
    -------
    u : ndarray of shape (n_steps,)
        Input.
    y : ndarray of shape (n_steps,)
        Output; ``y[t]`` depends on the inputs up to ``u[t-1]``, so a model
        fed ``u[t]`` to predict ``y[t]`` must remember the past m inputs.

    Examples
    --------
    >>> from reservoir.datasets import narma
    >>> u, y = narma(2000, order=10, random_state=0)
    >>> u.shape, y.shape
    ((2000,), (2000,))
    """
    n_steps = check_n_steps(n_steps)
    order = int(check_in_range(order, "order", 2, integer=True))
    discard = check_discard(discard)
    rng = check_random_state(random_state)
    length = order + discard + n_steps
    wrapped = order > NARMA_MAX_PLAIN_ORDER
    for _ in range(_NARMA_MAX_DRAWS):
        u = rng.uniform(0.0, 0.5, length)
        y = _narma_output(u, order, wrapped)
        if y is not None:
            return u[-n_steps:], y[-n_steps:]
    raise RuntimeError(  # pragma: no cover - never observed for orders <= 10
        f"NARMA-{order} diverged for {_NARMA_MAX_DRAWS} input sequences in a row."
    )


def _narma_output(u, order, wrapped):
    """Run the recurrence on ``u`` from zero history; None if a plain run diverges."""
    a, b, c, d = NARMA_HIGH_ORDER_COEFFICIENTS if wrapped else NARMA_LOW_ORDER_COEFFICIENTS
    u = u.tolist()
    y = [0.0] * order
    for t in range(order - 1, len(u) - 1):
        window = math.fsum(y[t - order + 1 : t + 1])
        value = a * y[t] + b * y[t] * window + c * u[t - order + 1] * u[t] + d
        if wrapped:
            value = math.tanh(value)
        elif not abs(value) <= _NARMA_DIVERGENCE_LEVEL:
            return None
        y.append(value)
    return np.asarray(y)


# -- memory task ------------------------------------------------------------------------------
def memory_task(n_steps, max_delay, random_state=None, distribution="uniform"):
    """I.i.d. input and its delayed copies, for Jaeger's short-term memory task [J01]_.

    ``n_steps + max_delay`` values are drawn; the first ``max_delay`` serve
    only as the past of the returned targets, so every row of ``Y`` is a valid
    target (no NaN padding).

    Parameters
    ----------
    n_steps : int
        Length of the returned input.
    max_delay : int >= 1
        Largest delay k.
    random_state : int, RandomState instance or None
    distribution : {"uniform", "normal"}, default="uniform"
        ``"uniform"``: uniform on [-0.5, 0.5] (as in [J01]_ and [RT11]_);
        ``"normal"``: Gaussian with the same variance (1/12).

    Returns
    -------
    u : ndarray of shape (n_steps,)
        Input.
    Y : ndarray of shape (n_steps, max_delay)
        ``Y[t, k-1] = u[t-k]`` for k = 1 .. max_delay, where the values
        ``u[-max_delay] .. u[-1]`` are the extra draws that precede ``u``
        (they were never part of ``u``: a system driven with ``u`` can recall
        delay k only from row k on, so drop at least ``max_delay`` rows as
        washout).

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir.datasets import memory_task
    >>> u, Y = memory_task(100, max_delay=5, random_state=0)
    >>> bool(np.array_equal(Y[10:, 2], u[7:-3]))
    True
    """
    n_steps = check_n_steps(n_steps)
    max_delay = int(check_in_range(max_delay, "max_delay", 1, integer=True))
    if distribution not in _MEMORY_DISTRIBUTIONS:
        raise ValueError(
            f"distribution must be one of {_MEMORY_DISTRIBUTIONS}; got {distribution!r}."
        )
    rng = check_random_state(random_state)
    size = n_steps + max_delay
    if distribution == "uniform":
        draws = rng.uniform(-0.5, 0.5, size)
    else:
        draws = rng.normal(0.0, math.sqrt(1.0 / 12.0), size)
    # Row t of the window holds draws[t .. t+max_delay]; its last entry is u[t],
    # the entry k places before it is u[t-k].
    windows = sliding_window_view(draws, max_delay + 1)
    delayed = np.ascontiguousarray(windows[:, -2::-1])
    return draws[max_delay:].copy(), delayed


# -- MSO ----------------------------------------------------------------------------------------
def multiple_superimposed_oscillators(n_steps, n_sines=2):
    """Sum of sines with incommensurate frequencies (the MSO benchmark of Koryakin et al. [K12]_).

    ``x[t] = sum_{k=1}^{n_sines} sin(alpha_k t)``, ``t = 0, 1, ..., n_steps-1``,
    with ``alpha`` = 0.2, 0.311, 0.42, 0.51, 0.63, 0.74, 0.85, 0.97
    (:data:`MSO_FREQUENCIES`). ``n_sines`` = 2 .. 8 are the tasks MSO2 .. MSO8;
    the series is deterministic (no ``random_state``).

    Parameters
    ----------
    n_steps : int
    n_sines : int in [1, 8], default=2

    Returns
    -------
    ndarray of shape (n_steps,)
    """
    n_steps = check_n_steps(n_steps)
    n_sines = int(check_in_range(n_sines, "n_sines", 1, len(MSO_FREQUENCIES), integer=True))
    t = np.arange(n_steps, dtype=float)
    alphas = np.asarray(MSO_FREQUENCIES[:n_sines])
    return np.sin(np.outer(t, alphas)).sum(axis=1)
