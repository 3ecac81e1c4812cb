"""Chaotic benchmark systems: Mackey-Glass, Lorenz-63, Rössler, Hénon and the logistic map.

Every generator draws its initial condition from ``random_state`` (same seed,
same numbers), drops a transient of ``discard`` samples so that the returned
series lies on the attractor, and returns a numpy array.

References
----------
.. [MG77] M. C. Mackey and L. Glass, "Oscillation and chaos in physiological
   control systems", Science 197(4300):287-289, 1977.
.. [L63] E. N. Lorenz, "Deterministic nonperiodic flow", J. Atmos. Sci.
   20(2):130-141, 1963.
.. [R76] O. E. Rössler, "An equation for continuous chaos", Phys. Lett. A
   57(5):397-398, 1976.
.. [H76] M. Hénon, "A two-dimensional mapping with a strange attractor",
   Commun. Math. Phys. 50:69-77, 1976.
.. [S03] J. C. Sprott, *Chaos and Time-Series Analysis*, Oxford University
   Press, 2003 (Appendix A: largest Lyapunov exponents of common systems).
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
from sklearn.utils import check_random_state

from reservoir._validation import check_in_range

from ._common import (
    check_discard,
    check_initial_state,
    check_n_steps,
    iterate,
    rk4_step,
    steps_per,
)

__all__ = [
    "LORENZ_LYAPUNOV_EXPONENT",
    "ROSSLER_LYAPUNOV_EXPONENT",
    "HENON_LYAPUNOV_EXPONENT",
    "mackey_glass",
    "lorenz",
    "rossler",
    "henon",
    "logistic_map",
]

#: Largest Lyapunov exponent of Lorenz-63 (sigma=10, rho=28, beta=8/3), per unit
#: time [S03]_. One Lyapunov time is ``1 / 0.9056 ≈ 1.1`` time units.
LORENZ_LYAPUNOV_EXPONENT = 0.9056
#: Largest Lyapunov exponent of the Rössler system (a=b=0.2, c=5.7), per unit time [S03]_.
ROSSLER_LYAPUNOV_EXPONENT = 0.0714
#: Largest Lyapunov exponent of the Hénon map (a=1.4, b=0.3), per iteration [S03]_.
HENON_LYAPUNOV_EXPONENT = 0.41922

#: Relative spread of the random constant initial history of Mackey-Glass.
_MG_HISTORY_SPREAD = 0.1


def _check_positive(value, name):
    return float(check_in_range(value, name, 0, low_inclusive=False))


def _check_finite(value, name):
    return float(check_in_range(value, name))


# -- Mackey-Glass ---------------------------------------------------------------------
def mackey_glass(
    n_steps,
    tau=17,
    beta=0.2,
    gamma=0.1,
    n=10,
    dt=0.1,
    sample_step=1,
    x0=1.2,
    discard=500,
    random_state=None,
):
    """Mackey-Glass delay differential equation, integrated with RK4 and sampled regularly.

    .. math:: \\frac{dx}{dt} = \\beta \\frac{x(t-\\tau)}{1 + x(t-\\tau)^n} - \\gamma x(t)

    The equation [MG77]_ is integrated with the classical fourth-order
    Runge-Kutta scheme on a grid of step ``dt``. ``tau`` must be a whole
    multiple of ``dt``, so the delayed values at the start and end of a step
    are grid values; the delayed value at the half step is the cubic Hermite
    interpolant of the neighbouring grid values and derivatives, which keeps
    the scheme fourth-order (halving ``dt`` shrinks the error about 16-fold).

    The initial history on ``[-tau, 0]`` is a constant ``x0 * (1 + e)`` with
    ``e`` uniform on [-0.1, 0.1] drawn from ``random_state``. With ``tau=17``
    the series is chaotic and lies roughly in [0.4, 1.3].

    Parameters
    ----------
    n_steps : int
        Number of samples returned.
    tau : float, default=17
        Delay; 17 gives the classical mildly chaotic benchmark, 30 a harder one.
    beta, gamma : float, default=0.2, 0.1
        Production and decay rates.
    n : float, default=10
        Exponent of the nonlinearity.
    dt : float, default=0.1
        Internal integration step; ``tau`` and ``sample_step`` must be whole
        multiples of it.
    sample_step : float, default=1
        Time between returned samples (Jaeger's benchmark samples every 1 time
        unit; some authors use 3).
    x0 : float, default=1.2
        Level of the initial history (positive).
    discard : int, default=500
        Number of leading samples dropped as transient (``discard * sample_step``
        time units).
    random_state : int, RandomState instance or None
        Seed of the initial history.

    Returns
    -------
    ndarray of shape (n_steps,)
        ``x`` at times ``(discard + i) * sample_step``, ``i = 0 .. n_steps-1``.

    Examples
    --------
    >>> from reservoir.datasets import mackey_glass
    >>> x = mackey_glass(1000, random_state=0)
    >>> x.shape
    (1000,)
    """
    n_steps = check_n_steps(n_steps)
    discard = check_discard(discard)
    tau, dt = _check_positive(tau, "tau"), _check_positive(dt, "dt")
    beta = float(check_in_range(beta, "beta", 0))
    gamma = float(check_in_range(gamma, "gamma", 0))
    n = _check_positive(n, "n")
    x0 = _check_positive(x0, "x0")
    delay_steps = steps_per(tau, dt, "tau")
    sample_steps = steps_per(_check_positive(sample_step, "sample_step"), dt, "sample_step")
    rng = check_random_state(random_state)
    history = x0 * (1.0 + rng.uniform(-_MG_HISTORY_SPREAD, _MG_HISTORY_SPREAD))
    rhs = partial(_mackey_glass_rhs, beta=beta, gamma=gamma, n=n)
    n_internal = (discard + n_steps - 1) * sample_steps
    grid = _integrate_delay_rk4(rhs, history, delay_steps, dt, n_internal)
    return np.asarray(grid[discard * sample_steps :: sample_steps], dtype=float)


def _mackey_glass_rhs(x, x_delayed, *, beta, gamma, n):
    return beta * x_delayed / (1.0 + x_delayed**n) - gamma * x


def _integrate_delay_rk4(rhs, history, delay_steps, dt, n_internal):
    """RK4 for ``dx/dt = rhs(x(t), x(t - delay_steps*dt))`` with a constant history.

    Returns the list of grid values ``x(i*dt)``, ``i = 0 .. n_internal``.
    ``slopes[i]`` is ``dx/dt`` at grid point ``i`` (the first RK4 stage of step
    ``i``), used for the Hermite interpolation of the delayed half-step value.
    """
    values = [history]
    slopes = []
    x = history
    half = 0.5 * dt
    for i in range(n_internal):
        j = i - delay_steps  # grid index of t - tau
        delayed = j >= 0  # else the whole delayed interval lies in the constant history
        lag_start, lag_end = (values[j], values[j + 1]) if delayed else (history, history)
        k1 = rhs(x, lag_start)
        slopes.append(k1)  # appended first: with delay_steps == 1, slopes[j + 1] is this k1
        lag_mid = (0.5 * (lag_start + lag_end) + dt * (slopes[j] - slopes[j + 1]) / 8.0
                   if delayed else history)
        k2 = rhs(x + half * k1, lag_mid)
        k3 = rhs(x + half * k2, lag_mid)
        k4 = rhs(x + dt * k3, lag_end)
        x = x + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        values.append(x)
    if not math.isfinite(x):
        raise ValueError("The Mackey-Glass integration diverged; check beta, gamma, n and dt.")
    return values


# -- flows ------------------------------------------------------------------------------
def _lorenz_rhs(x, y, z, *, sigma, rho, beta):
    return sigma * (y - x), x * (rho - z) - y, x * y - beta * z


def _rossler_rhs(x, y, z, *, a, b, c):
    return -y - z, x + a * y, b + z * (x - c)


def _lorenz_initial(rng):
    return (*rng.uniform(-10.0, 10.0, 2), rng.uniform(10.0, 40.0))


def _rossler_initial(rng):
    return (*rng.uniform(-5.0, 5.0, 2), rng.uniform(0.0, 1.0))


def _flow(rhs, n_steps, dt, discard, initial_state, draw_initial, random_state, system):
    """Shared body of the 3-D flows: checks, random initial state, RK4 trajectory."""
    n_steps = check_n_steps(n_steps)
    discard = check_discard(discard)
    dt = _check_positive(dt, "dt")
    if initial_state is None:
        state = tuple(float(v) for v in draw_initial(check_random_state(random_state)))
    else:
        state = check_initial_state(initial_state, 3)
    return iterate(partial(rk4_step, rhs, dt=dt), state, n_steps, discard, system=system)


def lorenz(
    n_steps,
    dt=0.01,
    sigma=10.0,
    rho=28.0,
    beta=8.0 / 3.0,
    random_state=None,
    initial_state=None,
    discard=2000,
):
    """Lorenz-63 system integrated with fourth-order Runge-Kutta.

    .. math:: \\dot x = \\sigma (y - x),\\quad \\dot y = x (\\rho - z) - y,\\quad
              \\dot z = x y - \\beta z

    With the classical parameters [L63]_ the largest Lyapunov exponent is
    :data:`LORENZ_LYAPUNOV_EXPONENT` (0.9056 per time unit [S03]_); pass it to
    :func:`reservoir.metrics.valid_prediction_time` to measure forecasts in
    Lyapunov times.

    Parameters
    ----------
    n_steps : int
        Number of samples returned.
    dt : float, default=0.01
        Integration step and sampling interval (time units).
    sigma, rho, beta : float, default=10, 28, 8/3
    random_state : int, RandomState instance or None
        Seed of the random initial state: x, y uniform on [-10, 10], z uniform on [10, 40].
    initial_state : array-like of shape (3,), optional
        Start here instead of at a random point.
    discard : int, default=2000
        Number of leading steps dropped as transient (20 time units at the default dt).

    Returns
    -------
    ndarray of shape (n_steps, 3)
        Columns x, y, z at times ``(discard + i) * dt``.
    """
    rhs = partial(_lorenz_rhs, sigma=_check_finite(sigma, "sigma"), rho=_check_finite(rho, "rho"),
                  beta=_check_finite(beta, "beta"))
    return _flow(rhs, n_steps, dt, discard, initial_state, _lorenz_initial, random_state, "Lorenz")


def rossler(
    n_steps,
    dt=0.05,
    a=0.2,
    b=0.2,
    c=5.7,
    random_state=None,
    initial_state=None,
    discard=2000,
):
    """Rössler system integrated with fourth-order Runge-Kutta.

    .. math:: \\dot x = -y - z,\\quad \\dot y = x + a y,\\quad \\dot z = b + z (x - c)

    With the classical parameters [R76]_ the largest Lyapunov exponent is
    :data:`ROSSLER_LYAPUNOV_EXPONENT` (0.0714 per time unit [S03]_).

    Parameters
    ----------
    n_steps : int
        Number of samples returned.
    dt : float, default=0.05
        Integration step and sampling interval (about 120 samples per turn).
    a, b, c : float, default=0.2, 0.2, 5.7
    random_state : int, RandomState instance or None
        Seed of the random initial state: x, y uniform on [-5, 5], z uniform on [0, 1].
    initial_state : array-like of shape (3,), optional
        Start here instead of at a random point.
    discard : int, default=2000
        Number of leading steps dropped as transient (100 time units at the default dt).

    Returns
    -------
    ndarray of shape (n_steps, 3)
        Columns x, y, z at times ``(discard + i) * dt``.
    """
    rhs = partial(_rossler_rhs, a=_check_finite(a, "a"), b=_check_finite(b, "b"),
                  c=_check_finite(c, "c"))
    return _flow(
        rhs, n_steps, dt, discard, initial_state, _rossler_initial, random_state, "Rössler"
    )


# -- maps ---------------------------------------------------------------------------------
def _henon_step(state, *, a, b):
    x, y = state
    return 1.0 - a * x * x + y, b * x


def henon(n_steps, a=1.4, b=0.3, random_state=None, initial_state=None, discard=100):
    """Hénon map ``x' = 1 - a x² + y``, ``y' = b x``.

    With the classical parameters [H76]_ the orbit settles on the strange
    attractor (x in about [-1.3, 1.3]); the largest Lyapunov exponent is
    :data:`HENON_LYAPUNOV_EXPONENT` per iteration [S03]_.

    Parameters
    ----------
    n_steps : int
        Number of iterates returned.
    a, b : float, default=1.4, 0.3
    random_state : int, RandomState instance or None
        Seed of the random initial state, uniform on [-0.1, 0.1]².
    initial_state : array-like of shape (2,), optional
        Start here instead of at a random point.
    discard : int, default=100
        Number of leading iterates dropped as transient.

    Returns
    -------
    ndarray of shape (n_steps, 2)

    Raises
    ------
    ValueError
        If the orbit escapes to infinity (parameters outside the bounded regime).
    """
    n_steps = check_n_steps(n_steps)
    discard = check_discard(discard)
    if initial_state is None:
        state = tuple(check_random_state(random_state).uniform(-0.1, 0.1, 2).tolist())
    else:
        state = check_initial_state(initial_state, 2)
    step = partial(_henon_step, a=_check_finite(a, "a"), b=_check_finite(b, "b"))
    with np.errstate(over="ignore", invalid="ignore"):
        return iterate(step, state, n_steps, discard, system="Hénon")


def _logistic_step(state, *, r):
    (x,) = state
    return (r * x * (1.0 - x),)


def logistic_map(n_steps, r=3.9, random_state=None, x0=None, discard=100):
    """Logistic map ``x' = r x (1 - x)`` on [0, 1].

    Chaotic for most ``r`` between about 3.57 and 4 (``r=4`` has Lyapunov
    exponent ln 2).

    Parameters
    ----------
    n_steps : int
        Number of iterates returned.
    r : float in [0, 4], default=3.9
    random_state : int, RandomState instance or None
        Seed of the random initial value (used when ``x0`` is None).
    x0 : float in [0, 1], optional
        Initial value; uniform on [0.1, 0.9] from ``random_state`` when None.
    discard : int, default=100
        Number of leading iterates dropped as transient.

    Returns
    -------
    ndarray of shape (n_steps,)
    """
    n_steps = check_n_steps(n_steps)
    discard = check_discard(discard)
    r = float(check_in_range(r, "r", 0, 4))
    if x0 is None:
        x0 = check_random_state(random_state).uniform(0.1, 0.9)
    x0 = float(check_in_range(x0, "x0", 0, 1))
    step = partial(_logistic_step, r=r)
    return iterate(step, (x0,), n_steps, discard, system="logistic")[:, 0]
