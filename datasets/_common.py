"""Helpers shared by the generators: argument checks and the iteration of a step function."""

from __future__ import annotations

import math

import numpy as np

from reservoir._forecast import check_n_steps
from reservoir._validation import check_in_range

__all__ = [
    "check_n_steps",
    "check_discard",
    "check_initial_state",
    "iterate",
    "rk4_step",
    "steps_per",
]


def check_discard(discard) -> int:
    """Validate the number of transient steps to drop: a non-negative integer."""
    return int(check_in_range(discard, "discard", 0, integer=True))


def check_initial_state(initial_state, n_dims: int, name: str = "initial_state"):
    """Validate a user-given initial state of ``n_dims`` finite numbers; return it as a tuple."""
    try:
        state = np.asarray(initial_state, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        state = np.full(0, np.nan)  # not numbers: reported below
    if state.shape != (n_dims,) or not np.all(np.isfinite(state)):
        raise ValueError(
            f"{name} must hold {n_dims} finite numbers; got {initial_state!r}."
        )
    return tuple(float(v) for v in state)


def iterate(step, state, n_steps: int, discard: int, *, system: str) -> np.ndarray:
    """Apply ``step`` repeatedly; drop ``discard`` states, then record ``n_steps`` states.

    Parameters
    ----------
    step : callable
        Maps a state (tuple of floats) to the next state.
    state : tuple of float
        Initial state.
    n_steps, discard : int
    system : str
        Name used in the error raised when the orbit leaves every bounded region.

    Returns
    -------
    ndarray of shape (n_steps, len(state))
        Row 0 is the state after ``discard`` steps.
    """
    for _ in range(discard):
        state = step(state)
    out = np.empty((n_steps, len(state)))
    for i in range(n_steps):
        out[i] = state
        state = step(state)
    if not np.all(np.isfinite(out)):
        raise ValueError(
            f"The {system} orbit diverged (non-finite values): the parameters or the "
            "initial state lie outside the bounded (chaotic) regime."
        )
    return out


def rk4_step(rhs, state, dt: float):
    """One classical fourth-order Runge-Kutta step of the autonomous ODE ``dx/dt = rhs(*x)``."""
    half = 0.5 * dt
    k1 = rhs(*state)
    k2 = rhs(*[s + half * k for s, k in zip(state, k1, strict=True)])
    k3 = rhs(*[s + half * k for s, k in zip(state, k2, strict=True)])
    k4 = rhs(*[s + dt * k for s, k in zip(state, k3, strict=True)])
    sixth = dt / 6.0
    stages = zip(state, k1, k2, k3, k4, strict=True)
    return tuple(s + sixth * (a + 2.0 * b + 2.0 * c + d) for s, a, b, c, d in stages)


def steps_per(interval: float, dt: float, interval_name: str) -> int:
    """Number of ``dt`` steps in ``interval``; raise unless it is a positive whole number."""
    ratio = interval / dt
    whole = round(ratio)
    if whole < 1 or not math.isclose(ratio, whole, rel_tol=1e-9, abs_tol=1e-9):
        raise ValueError(
            f"{interval_name}={interval!r} must be a positive whole multiple of dt={dt!r}."
        )
    return int(whole)
