"""Edge-of-stability echo state network (ES2N), Ceni & Gallicchio (2024).

"Edge of stability echo state network", IEEE Transactions on Neural Networks
and Learning Systems (arXiv:2308.02902). The state update mixes a nonlinear
reservoir step with an orthogonal (norm-preserving) map of the previous state::

    x(t) = beta * tanh(W x(t-1) + W_in u(t) + b) + (1 - beta) * O x(t-1)

with ``O`` a random orthogonal matrix and ``beta`` in (0, 1] the *proximity*.
For small ``beta`` the Jacobian's eigenvalues sit close to the unit circle
(the edge of stability) whatever ``W``, so the reservoir keeps information for
long (memory capacity close to its size) while the tanh part keeps it
nonlinear. ``beta = 1`` is a plain ESN (leak rate 1); replacing ``O`` by the
identity would give a leaky ESN with leak rate ``beta``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.stats import ortho_group

from ._validation import RANDOM_STATE, Interval, Options
from .base import SATURATION_LEVEL, BaseReservoir
from .esn import one_blas_thread
from .weights import input_matrix, reservoir_matrix, scale_to_spectral_radius

__all__ = ["ES2N"]


class ES2N(BaseReservoir):
    """Edge-of-stability echo state network: a tanh step mixed with an orthogonal map.

    Parameters
    ----------
    n_units : int, default=100
    proximity : float in (0, 1], default=0.05
        ``beta``: weight of the nonlinear step; ``1 - beta`` is the weight of
        the orthogonal map. Small values put the dynamics at the edge of
        stability (long memory).
    spectral_radius : float > 0, default=0.9
        Spectral radius of the recurrent matrix ``W`` inside the tanh.
    input_scaling : float > 0, default=1.0
        Scale of the uniform [-1, 1] input weights.
    bias_scaling : float >= 0, default=0.0
        Scale of the uniform [-1, 1] bias.
    n_connections : int >= 1, default=10
        In-degree of each unit in the sparse random ``W``.
    random_state : int, RandomState, Generator or None
    dtype : {"float64", "float32"}, default="float64"

    Attributes
    ----------
    W_ : ndarray of shape (n_units, n_units)
        Recurrent matrix (dense), scaled to ``spectral_radius``.
    O_ : ndarray of shape (n_units, n_units)
        Random orthogonal matrix (Haar distributed).
    W_in_ : ndarray of shape (n_units, n_features_in_)
    bias_ : ndarray of shape (n_units,)
    n_features_in_, n_features_out_ : int
    final_state_ : ndarray of shape (n_units,) or (n_series, n_units)

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir.es2n import ES2N
    >>> states = ES2N(n_units=50, random_state=0).fit_transform(np.zeros((10, 1)))
    >>> states.shape
    (10, 50)
    """

    _parameter_constraints = {
        "n_units": [Interval("integer", 1, None)],
        "proximity": [Interval("real", 0, 1, closed="right")],
        "spectral_radius": [Interval("real", 0, None, closed="neither")],
        "input_scaling": [Interval("real", 0, None, closed="neither")],
        "bias_scaling": [Interval("real", 0, None)],
        "n_connections": [Interval("integer", 1, None)],
        "random_state": [RANDOM_STATE],
        "dtype": [Options("float64", "float32"), Options(np.float64, np.float32)],
    }

    def __init__(self, n_units=100, proximity=0.05, spectral_radius=0.9, input_scaling=1.0,
                 bias_scaling=0.0, n_connections=10, random_state=None, dtype="float64"):
        self.n_units = n_units
        self.proximity = proximity
        self.spectral_radius = spectral_radius
        self.input_scaling = input_scaling
        self.bias_scaling = bias_scaling
        self.n_connections = n_connections
        self.random_state = random_state
        self.dtype = dtype

    def _initialize(self, n_features, rng):
        dtype = self._dtype
        W = reservoir_matrix(self.n_units, n_connections=min(self.n_connections, self.n_units),
                             random_state=rng)
        W = scale_to_spectral_radius(W, self.spectral_radius)
        self.W_ = (W.toarray() if sp.issparse(W) else np.asarray(W)).astype(dtype)
        self.O_ = ortho_group.rvs(self.n_units, random_state=rng).astype(dtype) \
            if self.n_units > 1 else np.ones((1, 1), dtype=dtype)
        self.W_in_ = input_matrix(self.n_units, n_features, input_scaling=self.input_scaling,
                                  random_state=rng, dtype=dtype)
        self.bias_ = (self.bias_scaling * rng.uniform(-1, 1, self.n_units)).astype(dtype)
        self.n_features_out_ = self.n_units

    def _state_size(self) -> int:
        return self.n_units

    def simulate(self, inputs, state, rng=None):
        """Advance a block of equal-length series.

        Parameters
        ----------
        inputs : ndarray of shape (B, T, n_features_in_)
        state : ndarray of shape (B, n_units)
        rng : ignored
            ES2N draws no random numbers while it runs.

        Returns
        -------
        states : ndarray of shape (B, T, n_units)
        final_state : ndarray of shape (B, n_units)
        """
        dtype = self._dtype
        inputs = np.asarray(inputs, dtype=dtype)
        n_batch, n_steps, _ = inputs.shape
        drive = inputs @ self.W_in_.T + self.bias_  # (B, T, N), all inputs in one product
        beta = dtype(self.proximity)
        W_T, O_T = self.W_.T.copy(), ((1 - beta) * self.O_).T.copy()
        x = np.array(state, dtype=dtype)
        states = np.empty((n_batch, n_steps, self.n_units), dtype=dtype)
        nonlinear = np.empty_like(x)
        with one_blas_thread():  # two small products per step: threads would only wait
            for t in range(n_steps):
                np.matmul(x, W_T, out=nonlinear)
                nonlinear += drive[:, t]
                np.tanh(nonlinear, out=nonlinear)
                x = x @ O_T
                x += beta * nonlinear
                states[:, t] = x
        self._warn_if_non_finite(inputs, x)
        return states, x

    def saturated_count(self, states):
        """Units with ``|x| > SATURATION_LEVEL``: the tanh part is saturated there."""
        return int(np.count_nonzero(np.abs(states) > SATURATION_LEVEL))
