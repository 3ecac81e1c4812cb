"""Synthetic classification tasks: whole-series classes and per-step events.

* :func:`template_classification`: variable-length series, each a noisy,
  randomly time-warped and rescaled copy of one of a few template shapes; the
  class is the template. A sequence-classification task in the spirit of the
  UCR "synthetic control" and "CBF" (cylinder-bell-funnel; Saito 1994) data
  sets, generated rather than downloaded.
* :func:`event_detection`: one long noisy series with bursts of oscillation of
  a target period (events, label 1) and distractor bursts of another period
  (label 0): a per-step detection task that needs frequency discrimination,
  not mere energy detection.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils import check_random_state

from reservoir._validation import check_in_range

from ._common import check_n_steps

__all__ = ["TEMPLATES", "template_classification", "event_detection"]


def _sine(s):
    return np.sin(2 * np.pi * s)


def _square(s):
    return np.sign(np.sin(4 * np.pi * s) + 1e-12)


def _sawtooth(s):
    return 2.0 * np.mod(2.0 * s, 1.0) - 1.0


def _bump(s):
    return 2.5 * np.exp(-(((s - 0.5) / 0.12) ** 2)) - 0.5


def _chirp(s):
    return np.sin(2 * np.pi * (s + 3.0 * s**2))


def _step(s):
    return np.where(s < 0.5, -1.0, 1.0)


def _ramp(s):
    return 2.0 * s - 1.0


def _damped(s):
    return 1.5 * np.exp(-3.0 * s) * np.sin(8 * np.pi * s)


#: Template shapes on [0, 1], in class order: class k follows ``TEMPLATES[k]``.
TEMPLATES = {
    "sine": _sine,
    "square": _square,
    "sawtooth": _sawtooth,
    "bump": _bump,
    "chirp": _chirp,
    "step": _step,
    "ramp": _ramp,
    "damped": _damped,
}
#: Knots of the random log-speed profile of the time warp.
_WARP_KNOTS = 5


def _check_range(value, name, low):
    """Validate an integer pair ``(smallest, largest)`` with ``low <= smallest <= largest``."""
    if (not isinstance(value, (tuple, list)) or len(value) != 2
            or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value)
            or not low <= value[0] <= value[1]):
        raise ValueError(
            f"{name} must be a pair of integers (min, max) with {low} <= min <= max; "
            f"got {value!r}."
        )
    return int(value[0]), int(value[1])


def _time_warp(n_steps, warp, rng):
    """Monotone positions in [0, 1] for n_steps samples; ``warp`` is the std of the log-speed."""
    log_speed = np.interp(np.linspace(0, 1, n_steps), np.linspace(0, 1, _WARP_KNOTS),
                          warp * rng.standard_normal(_WARP_KNOTS))
    position = np.concatenate([[0.0], np.cumsum(np.exp(log_speed[1:]))])
    return position / position[-1] if n_steps > 1 else position


def template_classification(n_series=200, n_classes=4, length=(60, 120), noise=0.2, warp=0.3,
                            scale_jitter=0.2, random_state=None):
    """Noisy, time-warped template shapes of random length; the class is the template.

    Series ``i`` of class ``k`` is::

        x_i[t] = a_i * TEMPLATES[k](w_i(t)) + b_i + noise * e_t

    where ``w_i`` is a random monotone time warp of [0, 1] (log-speed a
    smooth Gaussian profile of standard deviation ``warp``), ``a_i`` is
    ``1 + scale_jitter * N(0, 1)``, ``b_i`` is ``scale_jitter * N(0, 1)``,
    ``e_t`` is white Gaussian noise and the length is uniform on ``length``.
    Classes are balanced (series are assigned classes in turn, then shuffled).

    Parameters
    ----------
    n_series : int, default=200
    n_classes : int in [2, 8], default=4
        Classes use the first ``n_classes`` shapes of :data:`TEMPLATES`
        (sine, square, sawtooth, bump, chirp, step, ramp, damped).
    length : (int, int), default=(60, 120)
        Smallest and largest length of a series, both included.
    noise : float >= 0, default=0.2
        Standard deviation of the additive white noise.
    warp : float >= 0, default=0.3
        Strength of the time warp (0: uniform time).
    scale_jitter : float >= 0, default=0.2
        Spread of the random amplitude and offset.
    random_state : int, RandomState instance or None

    Returns
    -------
    X : list of ndarray of shape (T_i,)
        The series (univariate, of varying length).
    y : ndarray of shape (n_series,)
        Integer class labels in ``range(n_classes)``.

    Examples
    --------
    >>> from reservoir.datasets import template_classification
    >>> X, y = template_classification(n_series=10, n_classes=3, random_state=0)
    >>> len(X), sorted(set(y.tolist()))
    (10, [0, 1, 2])
    """
    n_series = int(check_in_range(n_series, "n_series", 1, integer=True))
    check_in_range(n_classes, "n_classes", 2, len(TEMPLATES), integer=True)
    shortest, longest = _check_range(length, "length", 2)
    for name, value in (("noise", noise), ("warp", warp), ("scale_jitter", scale_jitter)):
        check_in_range(value, name, 0)
    rng = check_random_state(random_state)
    shapes = list(TEMPLATES.values())[:n_classes]
    y = rng.permutation(np.arange(n_series) % n_classes)
    X = []
    for label in y:
        n_steps = int(rng.randint(shortest, longest + 1))
        amplitude = 1.0 + scale_jitter * rng.standard_normal()
        offset = scale_jitter * rng.standard_normal()
        clean = amplitude * shapes[label](_time_warp(n_steps, warp, rng)) + offset
        X.append(clean + noise * rng.standard_normal(n_steps))
    return X, y


def _burst(n_steps, period, amplitude, rng):
    """A sinusoidal burst with random phase and short raised-cosine edges."""
    t = np.arange(n_steps)
    wave = np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi))
    edge = min(max(int(period // 2), 1), n_steps // 2)
    envelope = np.ones(n_steps)
    if edge:
        ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(edge) + 0.5) / edge)
        envelope[:edge] = ramp
        envelope[n_steps - edge:] = ramp[::-1]
    return amplitude * envelope * wave


def event_detection(n_steps=2000, event_length=(20, 40), gap=(20, 80), event_period=10.0,
                    distractor_period=4.0, distractor_fraction=0.4, amplitude=1.0, noise=0.3,
                    random_state=None):
    """A noisy series with oscillation bursts to detect step by step, and distractor bursts.

    Bursts are laid out one after the other, separated by gaps of background
    noise. Each burst is a sine of period ``event_period`` (an event: its
    steps are labelled 1) or, with probability ``distractor_fraction``, of
    period ``distractor_period`` (a distractor: labelled 0). All bursts have
    amplitude ``amplitude`` and raised-cosine edges; white noise of standard
    deviation ``noise`` is added everywhere. A detector must tell the two
    periods apart, not just notice activity.

    Parameters
    ----------
    n_steps : int, default=2000
    event_length : (int, int), default=(20, 40)
        Smallest and largest burst length in steps, both included.
    gap : (int, int), default=(20, 80)
        Smallest and largest number of quiet steps before each burst.
    event_period, distractor_period : float > 0, default=10.0 and 4.0
        Periods (in steps) of the event and distractor oscillations.
    distractor_fraction : float in [0, 1), default=0.4
        Probability that a burst is a distractor.
    amplitude : float > 0, default=1.0
    noise : float >= 0, default=0.3
    random_state : int, RandomState instance or None

    Returns
    -------
    x : ndarray of shape (n_steps,)
        The series.
    labels : ndarray of shape (n_steps,) of int
        1 on the steps of events, 0 elsewhere.

    Examples
    --------
    >>> from reservoir.datasets import event_detection
    >>> x, labels = event_detection(n_steps=500, random_state=0)
    >>> x.shape, labels.shape, set(labels.tolist()) <= {0, 1}
    ((500,), (500,), True)
    """
    n_steps = check_n_steps(n_steps)
    shortest, longest = _check_range(event_length, "event_length", 1)
    min_gap, max_gap = _check_range(gap, "gap", 0)
    check_in_range(event_period, "event_period", 0, low_inclusive=False)
    check_in_range(distractor_period, "distractor_period", 0, low_inclusive=False)
    check_in_range(distractor_fraction, "distractor_fraction", 0, 1, high_inclusive=False)
    check_in_range(amplitude, "amplitude", 0, low_inclusive=False)
    check_in_range(noise, "noise", 0)
    rng = check_random_state(random_state)
    x = np.zeros(n_steps)
    labels = np.zeros(n_steps, dtype=int)
    start = int(rng.randint(min_gap, max_gap + 1))
    while True:
        length = int(rng.randint(shortest, longest + 1))
        if start + length > n_steps:
            break
        is_event = rng.uniform() >= distractor_fraction
        period = event_period if is_event else distractor_period
        x[start:start + length] = _burst(length, period, amplitude, rng)
        labels[start:start + length] = int(is_event)
        start += length + int(rng.randint(min_gap, max_gap + 1))
    return x + noise * rng.standard_normal(n_steps), labels
