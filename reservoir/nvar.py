"""Next-generation reservoir computing: a nonlinear vector autoregression (NVAR) as features.

Gauthier, Bollt, Griffith & Barbosa (2021), "Next generation reservoir
computing", Nature Communications 12:5564, replace the random recurrent network
by its explicit equivalent: the feature vector at step t is

* the linear part: ``k`` delayed copies of the input, spaced ``s`` steps apart,
  ``[u(t), u(t - s), ..., u(t - (k - 1) s)]`` (``k * d`` values);
* the nonlinear part: every unique monomial of the linear part of degree 2 to
  ``order`` (for ``L`` linear values, ``C(L + p - 1, p)`` monomials of degree p);
* optionally a constant 1 (the readouts here fit an intercept already).

Nothing is random and nothing is trained but the readout, so the same
estimators serve: ``ReservoirForecaster(NVAR(delay=2, order=2))`` is the
paper's Lorenz-63 forecaster. The internal state is the input history the next
step needs, ``(k - 1) * s`` past inputs, zeros at rest: the first
``(k - 1) * s`` steps of a series see zeros for the missing past, which the
estimators' ``washout`` removes.
"""

from __future__ import annotations

from itertools import combinations_with_replacement
from math import comb

import numpy as np

from ._validation import BOOLEAN, Interval, Options
from .base import BaseReservoir

__all__ = ["NVAR", "nvar_feature_count"]


def nvar_feature_count(n_inputs, delay, order, include_constant=False) -> int:
    """Number of NVAR features for ``n_inputs`` input dimensions.

    ``L = n_inputs * delay`` linear features plus ``C(L + p - 1, p)`` unique
    monomials of each degree ``p`` from 2 to ``order``, plus one constant if asked.

    Examples
    --------
    >>> nvar_feature_count(3, delay=2, order=2)  # Gauthier et al.'s Lorenz-63 NVAR, no constant
    27
    """
    linear = n_inputs * delay
    nonlinear = sum(comb(linear + p - 1, p) for p in range(2, order + 1))
    return int(include_constant) + linear + nonlinear


class NVAR(BaseReservoir):
    """Nonlinear vector autoregression features (next-generation reservoir computing).

    Parameters
    ----------
    delay : int, default=2
        Number ``k`` of input copies in the linear part: the current input and
        ``k - 1`` delayed ones.
    stride : int, default=1
        Steps ``s`` between two copies.
    order : int, default=2
        Highest degree of the monomials; 1 keeps the linear part only.
    include_constant : bool, default=False
        Append a constant 1 to the features. Redundant with a readout that
        fits an intercept (the default of every readout here).
    dtype : {"float64", "float32"}, default="float64"

    Attributes
    ----------
    n_features_in_ : int
    n_features_out_ : int
        :func:`nvar_feature_count` of the input dimension.
    monomials_ : list of tuple of int
        Positions in the linear part multiplied together in each nonlinear
        feature, degree 2 first.
    final_state_ : ndarray of shape (S,) or (n_series, S)
        The last ``(k - 1) * s`` inputs, oldest first, after :meth:`transform`.

    Notes
    -----
    Per step the cost is one product per monomial: ``O(L^order)`` for ``L``
    linear features, independent of any network size. Gauthier et al. forecast
    Lorenz-63 (d=3) with k=2, s=1, order 2: 6 linear and 21 quadratic features.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ReservoirForecaster
    >>> from reservoir.nvar import NVAR
    >>> t = np.arange(600) * 0.1
    >>> y = np.sin(t)
    >>> model = ReservoirForecaster(NVAR(delay=2, order=2), washout=2).fit(y[:500])
    >>> bool(np.max(np.abs(model.predict(50) - y[500:550])) < 1e-2)
    True
    """

    _parameter_constraints = {
        "delay": [Interval("integer", 1, None)],
        "stride": [Interval("integer", 1, None)],
        "order": [Interval("integer", 1, None)],
        "include_constant": [BOOLEAN],
        "dtype": [Options("float64", "float32"), Options(np.float64, np.float32)],
    }

    def __init__(self, delay=2, stride=1, order=2, include_constant=False, dtype="float64"):
        self.delay = delay
        self.stride = stride
        self.order = order
        self.include_constant = include_constant
        self.dtype = dtype

    def _initialize(self, n_features, rng):
        linear = n_features * self.delay
        self.monomials_ = [combo for degree in range(2, self.order + 1)
                           for combo in combinations_with_replacement(range(linear), degree)]
        # One (M_p, p) index array per degree p, so that each degree is one product per step.
        self._index_arrays = [np.array([c for c in self.monomials_ if len(c) == degree])
                              for degree in range(2, self.order + 1)]
        self.n_features_out_ = nvar_feature_count(n_features, self.delay, self.order,
                                                  self.include_constant)

    def _history_length(self) -> int:
        return (self.delay - 1) * self.stride

    def _state_size(self) -> int:
        return self._history_length() * self.n_features_in_

    def simulate(self, inputs, state, rng=None):
        """Features of a block of equal-length series.

        Parameters
        ----------
        inputs : ndarray of shape (B, T, n_features_in_)
        state : ndarray of shape (B, S)
            The previous ``(k - 1) * s`` inputs, flattened, oldest first.
        rng : ignored
            NVAR draws no random numbers.

        Returns
        -------
        features : ndarray of shape (B, T, n_features_out_)
            Linear part (current input first), then the monomials of
            ``monomials_``, then the constant if ``include_constant``.
        final_state : ndarray of shape (B, S)
        """
        inputs = np.asarray(inputs, dtype=self._dtype)
        n_batch, n_steps, d = inputs.shape
        past = self._history_length()
        history = np.concatenate([np.asarray(state, dtype=self._dtype).reshape(n_batch, past, d),
                                  inputs], axis=1)
        linear = np.concatenate(
            [history[:, past - lag * self.stride:past - lag * self.stride + n_steps]
             for lag in range(self.delay)], axis=2)
        features = np.empty((n_batch, n_steps, self.n_features_out_), dtype=self._dtype)
        column = linear.shape[2]
        features[..., :column] = linear
        for positions in self._index_arrays:
            features[..., column:column + len(positions)] = linear[..., positions].prod(axis=3)
            column += len(positions)
        if self.include_constant:
            features[..., -1] = 1.0
        final = history[:, history.shape[1] - past:].reshape(n_batch, past * d)
        return features, final.copy()
