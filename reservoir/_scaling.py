"""Bringing inputs and targets to the reservoir's working range, and back.

A tanh reservoir responds to its inputs through ``W_in @ u``: with the default
input scaling it works best when every input feature has a spread of order one
around zero. Inputs a thousand times larger saturate every unit (the states
then carry almost no information), inputs a thousand times smaller leave the
reservoir linear. The estimators therefore rescale each feature with statistics
of the training data (``scale=`` parameter) and map predictions back to the
user's units, as :class:`sklearn.compose.TransformedTargetRegressor` does for
targets:

* ``"standard"``: zero mean, unit variance (:class:`sklearn.preprocessing.StandardScaler`);
* ``"minmax"``: the training range mapped onto [-1, 1]
  (:class:`sklearn.preprocessing.MinMaxScaler`);
* ``None``: the data as given.

The fitted scaler is kept as one affine map per feature, ``(x - center) / width``,
so that applying it inside a closed loop costs two vector operations, not an
input validation per step.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SCALINGS", "Moments", "SeriesScaler", "check_scale"]

SCALINGS = ("standard", "minmax", None)


def check_scale(scale):
    """Validate the ``scale`` parameter of an estimator."""
    if scale is not None and (not isinstance(scale, str) or scale not in SCALINGS):
        raise ValueError(f"scale must be one of {SCALINGS}; got {scale!r}.")
    return scale


class SeriesScaler:
    """A per-feature affine map ``(x - center) / width`` fitted on a set of series.

    Parameters
    ----------
    center, width : ndarray of shape (d,) or None
        None for both gives the identity map (``scale=None``).

    Attributes
    ----------
    center, width : ndarray of shape (d,) or None
    """

    def __init__(self, center=None, width=None):
        self.center = center
        self.width = width

    @classmethod
    def fit(cls, scale, series) -> SeriesScaler:
        """Fit the map of method ``scale`` on a list of (T_i, d) series (all steps pooled).

        Parameters
        ----------
        scale : {"standard", "minmax", None}
        series : list of ndarray of shape (T_i, d)

        Returns
        -------
        SeriesScaler
        """
        check_scale(scale)
        if scale is None:
            return cls()
        return cls.from_moments(scale, Moments.of(series))

    @classmethod
    def from_moments(cls, scale, moments) -> SeriesScaler:
        """The map of method ``scale`` from the pooled per-feature :class:`Moments` of the data.

        ``"standard"`` is :class:`~sklearn.preprocessing.StandardScaler`'s map
        (population standard deviation; a constant feature keeps width 1),
        ``"minmax"`` :class:`~sklearn.preprocessing.MinMaxScaler`'s onto
        [-1, 1] (a constant feature keeps width 1/2).

        Parameters
        ----------
        scale : {"standard", "minmax", None}
        moments : Moments

        Returns
        -------
        SeriesScaler
        """
        check_scale(scale)
        if scale is None:
            return cls()
        eps = np.finfo(np.float64).eps
        if scale == "standard":
            variance = moments.m2 / moments.count
            # StandardScaler's test for a constant feature: variance within rounding of 0.
            constant = variance <= moments.count * eps * variance + (
                moments.count * moments.mean * eps) ** 2
            width = np.where(constant, 1.0, np.sqrt(variance))
            return cls(moments.mean.copy(), width)
        spread = moments.high - moments.low
        half_width = np.where(spread < 10 * eps, 1.0, spread) / 2.0
        return cls(moments.low + half_width, half_width)

    @property
    def is_identity(self) -> bool:
        return self.center is None

    def transform(self, values):
        """Values (..., d) in the reservoir's units."""
        if self.is_identity:
            return values
        return (np.asarray(values, dtype=np.float64) - self.center) / self.width

    def inverse_transform(self, values):
        """Values (..., d) from the reservoir's units back to the user's."""
        if self.is_identity:
            return values
        return np.asarray(values, dtype=np.float64) * self.width + self.center

    def transform_all(self, series) -> list:
        """:meth:`transform` of each series of a list."""
        return [self.transform(s) for s in series]

    def inverse_transform_all(self, series) -> list:
        """:meth:`inverse_transform` of each series of a list."""
        return [self.inverse_transform(s) for s in series]


class Moments:
    """Per-feature count, mean, sum of squared deviations, minimum and maximum of some series.

    What the scalings need, in a form that merges exactly (Chan, Golub &
    LeVeque 1979): moments of shards computed apart (on the workers of a
    cluster, :mod:`reservoir.distributed`) merge into the moments of the whole.

    Parameters
    ----------
    count : int
    mean, m2, low, high : ndarray of shape (d,)
    """

    def __init__(self, count, mean, m2, low, high):
        self.count, self.mean, self.m2, self.low, self.high = count, mean, m2, low, high

    @classmethod
    def of(cls, series) -> Moments:
        """The pooled moments of a list of (T_i, d) series (every step of every series)."""
        values = np.concatenate([np.asarray(s, dtype=np.float64) for s in series])
        mean = values.mean(axis=0)
        return cls(len(values), mean, ((values - mean) ** 2).sum(axis=0),
                   values.min(axis=0), values.max(axis=0))

    def merged(self, other: Moments) -> Moments:
        """The moments of the union of both data sets."""
        count = self.count + other.count
        delta = other.mean - self.mean
        return Moments(count, self.mean + delta * (other.count / count),
                       self.m2 + other.m2 + delta**2 * (self.count * other.count / count),
                       np.minimum(self.low, other.low), np.maximum(self.high, other.high))
