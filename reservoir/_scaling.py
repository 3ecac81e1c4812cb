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
from sklearn.preprocessing import MinMaxScaler, StandardScaler

__all__ = ["SCALINGS", "SeriesScaler", "check_scale"]

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
        values = np.concatenate([np.asarray(s, dtype=np.float64) for s in series])
        if scale == "standard":
            fitted = StandardScaler().fit(values)
            return cls(fitted.mean_.copy(), fitted.scale_.copy())
        fitted = MinMaxScaler(feature_range=(-1.0, 1.0)).fit(values)
        # MinMaxScaler maps x to x * scale_ + min_; as (x - center) / width:
        return cls(-fitted.min_ / fitted.scale_, 1.0 / fitted.scale_)

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
