"""Echo state networks: the leaky-tanh reservoir and its deep and bidirectional variants.

The update is the leaky-integrator ESN of Jaeger et al. (2007)::

    x[t] = (1 - a) x[t-1] + a f(W x[t-1] + W_in u[t] + b + noise)

with ``f`` = tanh (or identity for a linear reservoir), ``W`` a fixed random
matrix rescaled to ``spectral_radius``, ``a`` the leak rate.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

from ._validation import check_in_range
from .base import BaseReservoir
from .weights import TOPOLOGIES, input_matrix, reservoir_matrix, scale_to_spectral_radius

__all__ = ["ESN"]

_ACTIVATIONS = ("tanh", "identity")
#: Below this many units a dense mat-vec beats the per-call overhead of scipy.sparse.
DENSE_LOOP_MAX_UNITS = 256


class ESN(BaseReservoir):
    """Leaky-tanh echo state network reservoir (a scikit-learn transformer).

    ``fit`` draws fixed random weights; ``transform`` maps input series to
    state series. The weights are never trained: put the reservoir in a
    :class:`~reservoir.ReservoirRegressor` or :class:`~reservoir.ReservoirForecaster`
    to fit a readout on its states.

    Parameters
    ----------
    n_units : int, default=100
        Number of reservoir units N.
    spectral_radius : float, default=0.9
        Spectral radius of the recurrent matrix ``W``. Values near 1 give long
        memory (the "edge of stability"); 0 gives a memoryless reservoir.
        For ``topology="delay_line"`` (nilpotent, radius 0) it is the common
        weight of the line instead.
    leak_rate : float in (0, 1], default=1.0
        Leak rate ``a``; small values slow the reservoir down.
    input_scaling : float or array-like of shape (n_features,), default=1.0
        Scale of the input weights, one per input feature if an array.
    bias_scaling : float, default=0.0
        Scale of the constant bias input (entries uniform on ±bias_scaling).
    n_connections : int, default=10
        In-degree of each unit in the random topology.
    connectivity : float in (0, 1], optional
        Density of ``W`` for the random topology, instead of ``n_connections``.
    topology : {"random", "ring", "delay_line", "orthogonal"}, default="random"
    weight_distribution : {"normal", "uniform"}, default="normal"
        Distribution of the random recurrent weights.
    input_distribution : {"uniform", "bernoulli"}, default="uniform"
        Input weights uniform on [-1, 1] or ±1.
    input_connectivity : float in (0, 1], optional
        Density of ``W_in``; dense when None.
    activation : {"tanh", "identity"}, default="tanh"
    state_noise : float, default=0.0
        Standard deviation of Gaussian noise added inside the activation, a
        regulariser for closed-loop stability (Jaeger 2001).
    dtype : {"float64", "float32"}, default="float64"
    random_state : int, RandomState instance or None
        Seed for the weights and the noise; the same seed gives identical states.

    Attributes
    ----------
    W_ : scipy.sparse.csr_matrix or ndarray of shape (n_units, n_units)
        Scaled recurrent weights.
    W_in_ : ndarray of shape (n_units, n_features_in_)
    bias_ : ndarray of shape (n_units,)
    n_features_in_ : int
    n_features_out_ : int
        Number of state features per step (``n_units``).
    final_state_ : ndarray
        Last state(s) of the most recent :meth:`transform`.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESN
    >>> u = np.sin(np.linspace(0, 20, 200))
    >>> states = ESN(n_units=50, random_state=0).fit_transform(u)
    >>> states.shape
    (200, 50)
    """

    def __init__(
        self,
        n_units=100,
        spectral_radius=0.9,
        leak_rate=1.0,
        input_scaling=1.0,
        bias_scaling=0.0,
        n_connections=10,
        connectivity=None,
        topology="random",
        weight_distribution="normal",
        input_distribution="uniform",
        input_connectivity=None,
        activation="tanh",
        state_noise=0.0,
        dtype="float64",
        random_state=None,
    ):
        self.n_units = n_units
        self.spectral_radius = spectral_radius
        self.leak_rate = leak_rate
        self.input_scaling = input_scaling
        self.bias_scaling = bias_scaling
        self.n_connections = n_connections
        self.connectivity = connectivity
        self.topology = topology
        self.weight_distribution = weight_distribution
        self.input_distribution = input_distribution
        self.input_connectivity = input_connectivity
        self.activation = activation
        self.state_noise = state_noise
        self.dtype = dtype
        self.random_state = random_state

    # -- hooks ---------------------------------------------------------------------
    def _check_params(self):
        check_in_range(self.n_units, "n_units", 1, integer=True)
        if not isinstance(self.spectral_radius, numbers.Real) or self.spectral_radius < 0:
            raise ValueError(
                f"spectral_radius must be a number >= 0; got {self.spectral_radius!r}."
            )
        check_in_range(self.spectral_radius, "spectral_radius", 0)
        check_in_range(self.leak_rate, "leak_rate", 0, 1, low_inclusive=False)
        check_in_range(self.bias_scaling, "bias_scaling", 0)
        check_in_range(self.state_noise, "state_noise", 0)
        if self.topology not in TOPOLOGIES:
            raise ValueError(f"topology must be one of {TOPOLOGIES}; got {self.topology!r}.")
        if self.activation not in _ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {_ACTIVATIONS}; got {self.activation!r}."
            )
        resolve = self._dtype  # noqa: F841 - validates dtype

    def _initialize(self, n_features, rng):
        dtype = self._dtype
        W = reservoir_matrix(
            self.n_units,
            topology=self.topology,
            n_connections=self.n_connections,
            connectivity=self.connectivity,
            distribution=self.weight_distribution,
            random_state=rng,
        )
        if self.topology == "delay_line":
            W = W * float(self.spectral_radius)
        else:
            W = scale_to_spectral_radius(W, float(self.spectral_radius))
        self.W_ = W.astype(dtype)
        self.W_in_ = input_matrix(
            self.n_units,
            n_features,
            input_scaling=self.input_scaling,
            distribution=self.input_distribution,
            connectivity=self.input_connectivity,
            random_state=rng,
            dtype=dtype,
        )
        self.bias_ = (self.bias_scaling * rng.uniform(-1.0, 1.0, self.n_units)).astype(dtype)
        self.n_features_out_ = self.n_units

    def _state_size(self):
        return self.n_units

    def _loop_matrix(self):
        """W in the format that is fastest for the time loop (dense when small)."""
        W = self.W_
        if sp.issparse(W) and (self.n_units <= DENSE_LOOP_MAX_UNITS or W.nnz > 0.25 * W.shape[0] ** 2):
            return W.toarray()
        return W

    def simulate(self, inputs, state, rng=None):
        """Advance a block of equal-length series.

        Parameters
        ----------
        inputs : ndarray of shape (B, T, n_features_in_)
        state : ndarray of shape (B, n_units)
        rng : numpy Generator, optional
            Source of state noise; a fresh stream from ``noise_seed_`` if None.

        Returns
        -------
        states : ndarray of shape (B, T, n_units)
        final_state : ndarray of shape (B, n_units)
        """
        dtype = self._dtype
        inputs = np.asarray(inputs, dtype=dtype)
        n_batch, n_steps, _ = inputs.shape
        # All inputs projected in one product, time-major with units before batch,
        # so that drive[t] and the state x are (N, B) blocks for one W @ x per step.
        drive = np.ascontiguousarray(np.einsum("btd,nd->tnb", inputs, self.W_in_))
        drive += self.bias_[None, :, None]
        if self.state_noise > 0:
            rng = self.noise_rng() if rng is None else rng
            drive += (self.state_noise * rng.standard_normal(drive.shape)).astype(dtype)
        out = np.empty((n_steps, self.n_units, n_batch), dtype=dtype)
        x = np.ascontiguousarray(np.asarray(state, dtype=dtype).T)
        self._loop(self._loop_matrix(), drive, x, out)
        final = out[-1].T.copy() if n_steps else np.asarray(state, dtype=dtype).copy()
        return np.ascontiguousarray(out.transpose(2, 0, 1)), final

    def _loop(self, W, drive, x, out):
        """The time loop: the only sequential part, written to allocate nothing per step."""
        leak = float(self.leak_rate)
        keep = 1.0 - leak
        nonlinear = self.activation == "tanh"
        dense = not sp.issparse(W)
        pre = np.empty_like(x)
        for t in range(drive.shape[0]):
            if dense:
                np.matmul(W, x, out=pre)
            else:
                pre = W @ x
            pre += drive[t]
            if nonlinear:
                np.tanh(pre, out=pre)
            x_new = out[t]
            if leak == 1.0:
                x_new[...] = pre
            else:
                np.multiply(x, keep, out=x_new)
                pre *= leak
                x_new += pre
            x = x_new
