"""Echo state networks: the leaky-tanh reservoir and its deep and bidirectional variants.

The update is the leaky-integrator ESN of Jaeger et al. (2007)::

    x[t] = (1 - a) x[t-1] + a f(W x[t-1] + W_in u[t] + b + noise)

with ``f`` = tanh (or identity for a linear reservoir), ``W`` a fixed random
matrix rescaled to ``spectral_radius``, ``a`` the leak rate.
"""

from __future__ import annotations

import numbers
import os
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from ._validation import check_bool, check_in_range
from .base import SATURATION_LEVEL, BaseReservoir, RandomStreams, check_rng
from .exceptions import ReservoirWarning
from .weights import TOPOLOGIES, input_matrix, reservoir_matrix, scale_to_spectral_radius

try:  # SciPy's CSR kernels computing ``out += W @ x`` without allocating; see ESN._loop.
    from scipy.sparse._sparsetools import csr_matvec as _csr_matvec
    from scipy.sparse._sparsetools import csr_matvecs as _csr_matvecs
except ImportError:  # pragma: no cover - private API moved
    _csr_matvec = _csr_matvecs = None

__all__ = ["ESN"]

_ACTIVATIONS = ("tanh", "identity")
#: Density of W above which the time loop uses a dense product instead of SciPy's
#: CSR kernel, for one series and for a batch (measured on N = 30 to 1000 with
#: ``python -m reservoir.benchmark.speed --crossover``: on one vector the CSR kernel
#: wins below 20-30% nonzeros, and up to 50% for N = 30; on a block of 100 series it
#: wins up to about 10%). The default reservoir (10 connections per unit) stays sparse
#: from N = 50 up.
DENSE_LOOP_MIN_DENSITY = {"single": 0.2, "batch": 0.1}
#: Fewest unit-updates per step (units x series) worth giving a thread of its own:
#: below it, per-step Python overhead and contention for the GIL outweigh the
#: parallel work (2 threads: N = 50 x 50 series per thread was 1.4x slower than
#: one thread, N = 300 x 50 per thread 1.5x faster).
MIN_UNITS_PER_THREAD = 8192


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
    spectral_radius : float or "edge", default=1.0
        Spectral radius of the recurrent matrix ``W``. Values near 1 give long
        memory (the "edge of stability"); 0 gives a memoryless reservoir.
        ``"edge"`` finds, at fit time, the radius at which the reservoir driven
        by the training input has a largest conditional Lyapunov exponent of
        -0.01: the longest fading memory that still forgets its initial state.
        That maximises memory, not accuracy: a task that needs strong
        nonlinearity more than long memory does better below the edge (NARMA-10,
        N=500, default settings otherwise: test NRMSE 0.42 with
        ``"edge"`` against 0.18 with the default 1.0, median of seeds 0-4, ``python -m
        reservoir.benchmark.defaults --edge``). Use it as a starting point for a
        search, not as a tuned value.
        For ``topology="ring"`` it is the common weight of the cycle (which is
        its spectral radius); for ``"delay_line"`` (nilpotent, radius 0) it is
        the common weight of the line.
    leak_rate : float in (0, 1], default=1.0
        Leak rate ``a``; small values slow the reservoir down.
    input_scaling : float or array-like of shape (n_features,), default=0.1
        Scale of the input weights, one per input feature if an array. The
        default suits inputs of unit spread, which the estimators produce with
        their default ``scale="standard"``.
    bias_scaling : float, default=0.2
        Scale of the constant bias input (entries uniform on ±bias_scaling). A
        bias breaks the odd symmetry of tanh, without which the states are an
        odd function of the inputs and a closed loop cannot learn asymmetric
        dynamics.
    n_connections : int, default=10
        In-degree of each unit in the random topology. At most ``n_units``:
        a larger value gives every unit all ``n_units`` inputs (a dense
        ``W``) and warns (:class:`~reservoir.weights.ConnectivityWarning`).
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
        regulariser for closed-loop stability (Jaeger 2001). A training-time
        regulariser, like dropout: added to the training states (the
        estimators' ``fit``, :meth:`fit_transform`) and left out at
        prediction and in :meth:`transform` / :meth:`run` unless they are
        called with ``noise=True``. Each series draws its own noise, keyed by
        its values and the time step, so its states do not depend on the
        other series of a batch or on how it is cut into blocks
        (:mod:`reservoir.base`, "Randomness").
    dtype : {"float64", "float32"}, default="float64"
    n_jobs : int or None, default=None
        Threads that advance a batch of series in parallel (the batch is split
        between them; each part runs the same time loop). None means 1, -1 all
        cores. Fewer threads are used when a part would hold fewer than
        ``MIN_UNITS_PER_THREAD`` unit-updates per step (then the per-step
        overhead outweighs the parallel work), and BLAS runs single-threaded
        meanwhile, so the two kinds of threads do not compete for cores.
        Results do not depend on it.
    random_state : int, RandomState instance or None
        Seed for the weights and the noise; the same seed gives identical states.

    Attributes
    ----------
    W_ : scipy.sparse.csr_matrix or ndarray of shape (n_units, n_units)
        Scaled recurrent weights.
    W_in_ : ndarray of shape (n_units, n_features_in_)
    bias_ : ndarray of shape (n_units,)
    spectral_radius_ : float
        The spectral radius of ``W_`` (found at fit time for ``"edge"``).
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
        spectral_radius=1.0,
        leak_rate=1.0,
        input_scaling=0.1,
        bias_scaling=0.2,
        n_connections=10,
        connectivity=None,
        topology="random",
        weight_distribution="normal",
        input_distribution="uniform",
        input_connectivity=None,
        activation="tanh",
        state_noise=0.0,
        dtype="float64",
        n_jobs=None,
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
        self.n_jobs = n_jobs
        self.random_state = random_state

    # -- hooks ---------------------------------------------------------------------
    def _check_params(self):
        check_in_range(self.n_units, "n_units", 1, integer=True)
        if not self._radius_at_edge():
            if not isinstance(self.spectral_radius, numbers.Real) or self.spectral_radius < 0:
                raise ValueError(
                    f"spectral_radius must be a number >= 0 or 'edge'; got "
                    f"{self.spectral_radius!r}."
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
        if self.n_jobs is not None and (not isinstance(self.n_jobs, numbers.Integral)
                                        or self.n_jobs == 0 or self.n_jobs < -1):
            raise ValueError(f"n_jobs must be None, -1 or a positive integer; got {self.n_jobs!r}.")

    def _radius_at_edge(self):
        return isinstance(self.spectral_radius, str) and self.spectral_radius == "edge"

    def fit(self, X, y=None):
        """Draw the fixed weights for the number of features of ``X``.

        With ``spectral_radius="edge"``, ``W_`` is then rescaled so that the
        reservoir driven by ``X`` sits at the edge of stability (largest
        conditional Lyapunov exponent -0.01, see
        :func:`reservoir.analysis.edge_of_stability`).

        Parameters
        ----------
        X : array-like (T, d), list of (T_i, d) arrays, or (n, T, d) array
        y : ignored

        Returns
        -------
        self
        """
        super().fit(X, y)
        if self._radius_at_edge():
            from .analysis import scale_to_edge

            self.spectral_radius_ = scale_to_edge(self, X)
        else:
            self.spectral_radius_ = float(self.spectral_radius)
        if self.activation == "identity" and self.spectral_radius_ > 1:
            warnings.warn(
                f"A linear ESN (activation='identity') with spectral_radius="
                f"{self.spectral_radius_:g} > 1 is unstable: its states grow geometrically "
                "and turn infinite on long inputs. Use spectral_radius < 1 or activation='tanh'.",
                ReservoirWarning, stacklevel=2,
            )
        return self

    def _initialize(self, n_features, rng):
        dtype = self._dtype
        radius = 1.0 if self._radius_at_edge() else float(self.spectral_radius)
        W = reservoir_matrix(
            self.n_units,
            topology=self.topology,
            n_connections=self.n_connections,
            connectivity=self.connectivity,
            distribution=self.weight_distribution,
            random_state=rng,
        )
        if self.topology in ("ring", "delay_line"):
            # Unit-weight cycle (radius 1) and delay line (nilpotent): the weight is the radius.
            W = W * radius
        else:
            W = scale_to_spectral_radius(W, radius)
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

    def saturated_count(self, states):
        """Number of state values with ``|x| > SATURATION_LEVEL`` (tanh), else None."""
        return _saturated_count(self.activation, states)

    def _loop_matrix(self, batch=1):
        """W in the format that is fastest for the time loop of ``batch`` series.

        Sparse (CSR) unless W is dense enough for a BLAS product to win; see
        ``DENSE_LOOP_MIN_DENSITY``. A dense copy is made once per ``W_`` and
        kind, not at every ``simulate`` call (closed-loop forecasting calls it
        once per step); replacing ``W_`` (as :mod:`reservoir.analysis` does)
        starts a fresh cache.
        """
        W = self.W_
        if not sp.issparse(W):
            return W
        kind = "single" if batch == 1 else "batch"
        cache = getattr(self, "_loop_matrices", None)
        if cache is None or cache[0] is not W:
            cache = self._loop_matrices = (W, {})
        if kind not in cache[1]:
            dense = W.nnz > DENSE_LOOP_MIN_DENSITY[kind] * W.shape[0] * W.shape[1]
            cache[1][kind] = W.toarray() if dense else W
        return cache[1][kind]

    def __getstate__(self):
        """Pickled (and :mod:`reservoir.io`) state without the loop-matrix cache.

        The dense copies of ``W_`` made for the time loop (up to two N x N
        arrays) are rebuilt on the first run after loading.
        """
        state = dict(super().__getstate__())  # a copy, not self.__dict__
        state.pop("_loop_matrices", None)
        return state

    def simulate(self, inputs, state, rng=None):
        """Advance a block of equal-length series.

        Parameters
        ----------
        inputs : ndarray of shape (B, T, n_features_in_)
        state : ndarray of shape (B, n_units)
        rng : RandomStreams, numpy Generator or None
            Source of the state noise (:mod:`reservoir.base`, "Randomness"):
            per-series streams, which add noise when their ``state_noise`` is
            set; a generator, whose stream is always added; None: no noise.

        Returns
        -------
        states : ndarray of shape (B, T, n_units)
        final_state : ndarray of shape (B, n_units)
        """
        dtype = self._dtype
        inputs = np.asarray(inputs, dtype=dtype)
        n_batch, n_steps, n_features = inputs.shape
        rng = check_rng(rng, n_batch)
        start = np.asarray(state, dtype=dtype)
        if n_steps == 0:
            return np.empty((n_batch, 0, self.n_units), dtype=dtype), start.copy()
        noise = self._state_noise(rng, n_batch, n_steps)
        if n_batch == 1:
            states = self._run_single(inputs[0], start[0], noise)[None]
        else:
            states = np.empty((n_batch, n_steps, self.n_units), dtype=dtype)
            self._run_batches_in_threads(inputs, start, noise, states)
        final = states[:, -1, :].copy()
        self._warn_if_non_finite(inputs, final)
        return states, final

    def _state_noise(self, rng, n_batch, n_steps):
        """The (B, T, N) state noise of a block, or None (see :meth:`simulate`)."""
        if not self.state_noise > 0 or rng is None:
            return None
        if isinstance(rng, RandomStreams):
            if not rng.state_noise:
                return None
            draws = rng.normals(self.noise_seed_, n_steps, self.n_units)
        else:  # one generator shared by the block, drawn in order
            draws = rng.standard_normal((n_batch, n_steps, self.n_units))
        draws *= self.state_noise
        return draws.astype(self._dtype, copy=False)

    def _run_batches_in_threads(self, inputs, start, noise, out):
        """Split the batch between ``n_jobs`` threads.

        Each thread keeps at least 2 series and ``MIN_UNITS_PER_THREAD``
        unit-updates per step; BLAS is limited to one thread while they run.

        NumPy's ufuncs and SciPy's CSR kernel release the GIL, so the halves
        of a batch advance on different cores.
        """
        n_batch = len(inputs)
        n_jobs = self._thread_count(n_batch)
        if n_jobs == 1:
            self._run_batch(inputs, start, noise, out)
            return
        bounds = np.linspace(0, n_batch, n_jobs + 1).astype(int)
        slices = [slice(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
        with threadpool_limits(limits=1, user_api="blas"), \
                ThreadPoolExecutor(max_workers=n_jobs) as pool:
            jobs = [pool.submit(self._run_batch, inputs[part], start[part],
                                None if noise is None else noise[part], out[part])
                    for part in slices]
            for job in jobs:
                job.result()

    def _thread_count(self, n_batch):
        """Threads for a batch of ``n_batch`` series: ``n_jobs``, within the work limits."""
        n_jobs = (os.cpu_count() or 1) if self.n_jobs == -1 else (self.n_jobs or 1)
        work_limit = self.n_units * n_batch // MIN_UNITS_PER_THREAD
        return max(1, min(n_jobs, n_batch // 2, work_limit))

    def _run_single(self, inputs, x, noise):
        """One series: project all inputs in one product, then update in place row by row."""
        states = inputs @ self.W_in_.T
        states += self.bias_
        if noise is not None:
            states += noise[0]
        self._loop(states.shape[0], lambda t: states[t], None, np.array(x), batch=1)
        return states

    def _run_batch(self, inputs, start, noise, out):
        """B series as (N, B) blocks: one product W @ x advances all of them per step.

        The input projection (bias folded in as a constant input) is computed per
        step straight into the (N, B) block, and each new block is copied into
        the (B, T, N) output ``out``: small cache-resident copies instead of a
        large transpose of the whole output.
        """
        n_batch, n_steps, n_features = inputs.shape
        dtype = self._dtype
        W_in_bias = np.hstack([self.W_in_, self.bias_[:, None]])
        inputs_t = np.ones((n_steps, n_features + 1, n_batch), dtype=dtype)
        inputs_t[:, :n_features, :] = inputs.transpose(1, 2, 0)
        buffers = (np.empty((self.n_units, n_batch), dtype=dtype),
                   np.empty((self.n_units, n_batch), dtype=dtype))

        def load(t):
            current = buffers[t % 2]
            np.matmul(W_in_bias, inputs_t[t], out=current)
            if noise is not None:
                current += noise[:, t, :].T
            return current

        def store(t, current):
            np.copyto(out[:, t, :], current.T)

        self._loop(n_steps, load, store, np.ascontiguousarray(start.T), batch=n_batch)

    def _loop(self, n_steps, load, store, x, batch):
        """The time loop, the only sequential part; it allocates nothing per step.

        ``load(t)`` returns the buffer holding the input drive of step t, which
        is turned in place into the state at t (for sparse W, SciPy's CSR
        kernel accumulates ``W @ x`` straight into it); ``store(t, state)``
        (if given) copies the state out.
        """
        leak = float(self.leak_rate)
        keep = 1.0 - leak
        nonlinear = self.activation == "tanh"
        add_product = _product_accumulator(self._loop_matrix(batch), batch)
        scratch = np.empty_like(x)
        for t in range(n_steps):
            current = load(t)
            add_product(x, current, scratch)
            if nonlinear:
                np.tanh(current, out=current)
            if leak != 1.0:
                current *= leak
                np.multiply(x, keep, out=scratch)
                current += scratch
            if store is not None:
                store(t, current)
            x = current


def _product_accumulator(W, n_batch):
    """A function ``add(x, out, scratch)`` doing ``out += W @ x``.

    ``x`` and ``out`` are (N,) vectors for one series, (N, B) blocks for B.
    """
    if not sp.issparse(W):
        def add_dense(x, out, scratch):
            np.matmul(W, x, out=scratch)
            out += scratch
        return add_dense
    if _csr_matvecs is None:  # pragma: no cover - SciPy without the private kernels
        def add_sparse_public(x, out, scratch):
            out += W @ x
        return add_sparse_public
    n_rows, n_cols = W.shape
    indptr, indices, data = W.indptr, W.indices, W.data
    if n_batch == 1:
        def add_sparse_vector(x, out, scratch):
            _csr_matvec(n_rows, n_cols, indptr, indices, data, x, out)
        return add_sparse_vector

    def add_sparse_block(x, out, scratch):
        _csr_matvecs(n_rows, n_cols, n_batch, indptr, indices, data, x.reshape(-1),
                     out.reshape(-1))
    return add_sparse_block


def _saturated_count(activation, states):
    """Values of tanh states beyond ``SATURATION_LEVEL``; None for a linear reservoir."""
    if activation != "tanh":
        return None
    return int(np.count_nonzero(np.abs(states) > SATURATION_LEVEL))


# ============================================================================================
# Deep and bidirectional reservoirs
# ============================================================================================
from sklearn.base import clone  # noqa: E402  (imports kept with the section that needs them)

from .base import resolve_dtype  # noqa: E402

__all__ += ["DeepESN", "BidirectionalESN"]

#: DeepESN parameters that take one value per layer (a scalar applies to every layer).
_PER_LAYER_PARAMS = ("n_units", "spectral_radius", "leak_rate", "input_scaling", "bias_scaling")
#: DeepESN parameters shared by every layer, passed unchanged to each layer's ESN.
_SHARED_LAYER_PARAMS = (
    "n_connections", "connectivity", "topology", "weight_distribution", "input_distribution",
    "input_connectivity", "activation", "state_noise", "dtype",
)
_ALIGNMENTS = ("time", "reading")


def _fit_to_n_features(reservoir, n_features):
    """Draw a reservoir's weights for ``n_features`` inputs (``fit`` only reads the width)."""
    return reservoir.fit(np.zeros((1, n_features)))


def _split_state(state, sizes):
    """Split (B, sum(sizes)) internal states into one (B, size) block per part."""
    return np.split(np.asarray(state), np.cumsum(sizes)[:-1], axis=1)


class DeepESN(BaseReservoir):
    """A stack of leaky-tanh reservoirs, each driven by the states of the one below.

    Layer 0 reads the input series; layer ``l > 0`` reads the state sequence of
    layer ``l - 1`` at the same time step. The features handed to the readout
    are the states of all layers, concatenated in layer order, so that the
    readout sees the multiple time scales of the stack (Gallicchio, Micheli &
    Pedrelli 2017, "Deep reservoir computing: a critical experimental
    analysis", Neurocomputing 268:87-99).

    Parameters
    ----------
    n_layers : int, default=2
        Number of layers.
    n_units : int or list of int, default=100
        Units per layer: one value for every layer, or a list of ``n_layers`` values.
    spectral_radius : float or list of float, default=0.9
        Spectral radius of each layer's recurrent matrix (scalar or per layer).
    leak_rate : float or list of float, default=1.0
        Leak rate of each layer (scalar or per layer); decreasing leak rates
        up the stack give increasingly slow layers.
    input_scaling : float or list, default=1.0
        Scale of each layer's input weights: for layer 0 the weights from the
        input series, for layer ``l > 0`` the inter-layer weights from layer
        ``l - 1``. A list gives one entry per layer (the entry of layer 0 may
        itself be an array with one scale per input feature).
    bias_scaling : float or list of float, default=0.0
        Bias scale of each layer (scalar or per layer).
    n_connections, connectivity, topology, weight_distribution, input_distribution, \
input_connectivity, activation, state_noise, dtype
        Shared by all layers; see :class:`ESN`.
    random_state : int, RandomState instance or None
        Seeds every layer (one seed per layer is drawn from it) and the noise.

    Attributes
    ----------
    layers_ : list of ESN
        The fitted layers, bottom first.
    n_features_in_ : int
    n_features_out_ : int
        Total number of units, ``sum(n_units)``.
    final_state_ : ndarray
        Last state(s) of the most recent :meth:`transform` (all layers, concatenated).

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import DeepESN
    >>> u = np.sin(np.linspace(0, 20, 200))
    >>> deep = DeepESN(n_layers=3, n_units=[50, 30, 20], leak_rate=[1.0, 0.5, 0.2],
    ...                random_state=0)
    >>> deep.fit_transform(u).shape
    (200, 100)
    """

    def __init__(
        self,
        n_layers=2,
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
        self.n_layers = n_layers
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

    def _check_params(self):
        check_in_range(self.n_layers, "n_layers", 1, integer=True)
        for name in _PER_LAYER_PARAMS:
            self._per_layer(name)
        resolve = self._dtype  # noqa: F841 - validates dtype

    def _per_layer(self, name):
        """The value of a per-layer parameter as a list of ``n_layers`` entries."""
        value = getattr(self, name)
        if isinstance(value, (list, tuple, np.ndarray)):
            if len(value) != self.n_layers:
                raise ValueError(
                    f"{name} must be a scalar or hold one value per layer "
                    f"(n_layers={self.n_layers}); got {len(value)} values."
                )
            return list(value)
        return [value] * self.n_layers

    def _layer_params(self, layer):
        """Keyword arguments of the ESN of one layer."""
        params = {name: self._per_layer(name)[layer] for name in _PER_LAYER_PARAMS}
        params.update({name: getattr(self, name) for name in _SHARED_LAYER_PARAMS})
        return params

    def _initialize(self, n_features, rng):
        self.layers_ = []
        for layer in range(self.n_layers):
            esn = ESN(**self._layer_params(layer), random_state=rng.randint(0, 2**31 - 1))
            try:
                _fit_to_n_features(esn, n_features)
            except ValueError as exc:
                raise ValueError(f"layer {layer} of DeepESN: {exc}") from exc
            self.layers_.append(esn)
            n_features = esn.n_features_out_
        self.n_features_out_ = sum(esn.n_features_out_ for esn in self.layers_)

    def _layer_sizes(self):
        return [esn._state_size() for esn in self.layers_]

    def _state_size(self):
        return sum(self._layer_sizes())

    def saturated_count(self, states):
        """Number of state values with ``|x| > SATURATION_LEVEL`` (tanh layers), else None."""
        return _saturated_count(self.activation, states)

    def simulate(self, inputs, state, rng=None):
        """Advance a block of equal-length series through the stack, bottom layer first.

        Parameters
        ----------
        inputs : ndarray of shape (B, T, n_features_in_)
        state : ndarray of shape (B, n_features_out_)
            Internal states of all layers, concatenated in layer order.
        rng : RandomStreams, numpy Generator or None
            Source of state noise, passed to every layer (see :meth:`ESN.simulate`);
            each layer draws with its own seed.

        Returns
        -------
        states : ndarray of shape (B, T, n_features_out_)
        final_state : ndarray of shape (B, n_features_out_)
        """
        rng = check_rng(rng, len(inputs))
        layer_input = inputs
        outputs, finals = [], []
        starts = _split_state(state, self._layer_sizes())
        for esn, start in zip(self.layers_, starts, strict=True):
            layer_input, final = esn.simulate(layer_input, start, rng=rng)
            outputs.append(layer_input)
            finals.append(final)
        return np.concatenate(outputs, axis=-1), np.concatenate(finals, axis=-1)


class BidirectionalESN(BaseReservoir):
    """Reads each series forwards and backwards and concatenates the two state sequences.

    A forward reservoir reads ``u[0], ..., u[T-1]``; a backward reservoir reads
    ``u[T-1], ..., u[0]``. Their features are concatenated, forward first, so
    the readout sees the past and the future of each step (Bianchi, Scardapane,
    Løkse & Jenssen 2020, "Reservoir computing approaches for representation
    and classification of multivariate time series", IEEE TNNLS 32(5)). The
    reservoir reads the future of the series: it is not causal
    (``causal = False``), so forecasters refuse it; use it in a
    :class:`~reservoir.ReservoirClassifier` or for offline per-step tasks in a
    :class:`~reservoir.ReservoirRegressor`.

    Parameters
    ----------
    reservoir : reservoir transformer, optional
        The (causal) reservoir run in each direction: an :class:`ESN`,
        :class:`DeepESN`, :class:`~reservoir.LSM`, ... Cloned at fit; its
        parameters are reachable as ``reservoir__<name>``. Default
        ``ESN(random_state=random_state)``.
    share_weights : bool, default=True
        True: both directions use the same fitted reservoir (same weights), as
        in Bianchi et al. (2020). False: the backward reservoir is a second
        clone whose ``random_state`` is drawn from ``random_state``, so its
        weights are independent; set ``random_state`` for reproducible results.
    alignment : {"time", "reading"}, default="time"
        How the backward features are lined up with the forward ones.

        - ``"time"``: row ``t`` holds the forward state after ``u[:t+1]`` and
          the backward state after ``u[t:]``: both describe step ``t``. Use it
          for per-step tasks (segmentation, event detection).
        - ``"reading"``: row ``k`` holds the states of both reservoirs after
          each has read ``k + 1`` values, as in Bianchi et al. (2020). The last
          row then summarises the whole series in both directions, which is
          what last-state pooling of a classifier needs.
    random_state : int, RandomState instance or None
        Seed of the default reservoir and of the independent backward reservoir
        (a given ``reservoir`` keeps its own seed for the forward direction).

    Attributes
    ----------
    forward_, backward_ : fitted reservoirs
        The same object when ``share_weights=True``.
    n_features_in_ : int
    n_features_out_ : int
        Forward plus backward features.

    Notes
    -----
    :meth:`simulate` reads the block it is given backwards: give it whole
    series. The internal state (``initial_state``/``final_state_``) is the
    forward state followed by the backward one; the backward part ends, after a
    run, in the state reached after reading the series down to its first step.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESN, BidirectionalESN
    >>> u = np.sin(np.linspace(0, 20, 200))
    >>> bi = BidirectionalESN(ESN(n_units=50, random_state=0)).fit(u)
    >>> bi.transform(u).shape
    (200, 100)
    """

    causal = False

    def __init__(self, reservoir=None, share_weights=True, alignment="time", random_state=None):
        self.reservoir = reservoir
        self.share_weights = share_weights
        self.alignment = alignment
        self.random_state = random_state

    @property
    def _dtype(self):
        return resolve_dtype(getattr(self.reservoir, "dtype", "float64"))

    def _check_params(self):
        check_bool(self.share_weights, "share_weights")
        if self.alignment not in _ALIGNMENTS:
            raise ValueError(f"alignment must be one of {_ALIGNMENTS}; got {self.alignment!r}.")
        if self.reservoir is not None and not isinstance(self.reservoir, BaseReservoir):
            raise TypeError(
                "reservoir must be a reservoir (a reservoir.base.BaseReservoir such as ESN); "
                f"got {type(self.reservoir).__name__}."
            )

    def _initialize(self, n_features, rng):
        template = self.reservoir if self.reservoir is not None else ESN(
            random_state=self.random_state
        )
        self.forward_ = _fit_to_n_features(clone(template), n_features)
        if self.share_weights:
            self.backward_ = self.forward_
        else:
            backward = clone(template).set_params(random_state=rng.randint(0, 2**31 - 1))
            self.backward_ = _fit_to_n_features(backward, n_features)
        self.n_features_out_ = self.forward_.n_features_out_ + self.backward_.n_features_out_

    def __getstate__(self):
        """Pickled state; a backward reservoir shared with the forward one is stored once."""
        state = dict(super().__getstate__())  # a copy, not self.__dict__
        if "backward_" in state and state["backward_"] is state.get("forward_"):
            del state["backward_"]
            state["_backward_is_forward"] = True
        return state

    def __setstate__(self, state):
        state = dict(state)
        if state.pop("_backward_is_forward", False):
            state["backward_"] = state["forward_"]
        super().__setstate__(state)

    def _state_sizes(self):
        return [self.forward_._state_size(), self.backward_._state_size()]

    def _state_size(self):
        return sum(self._state_sizes())

    def saturated_count(self, states):
        """Saturated state values of both directions (None if the reservoir does not saturate)."""
        return self.forward_.saturated_count(states)

    def default_state(self, batch_size):
        """Resting states of the forward and backward reservoirs, concatenated.

        Parameters
        ----------
        batch_size : int

        Returns
        -------
        ndarray of shape (batch_size, S)
        """
        return np.concatenate(
            [self.forward_.default_state(batch_size), self.backward_.default_state(batch_size)],
            axis=1,
        )

    def simulate(self, inputs, state, rng=None):
        """Read a block of equal-length series forwards and backwards.

        Parameters
        ----------
        inputs : ndarray of shape (B, T, n_features_in_)
            Whole series: the backward reservoir starts at their last step.
        state : ndarray of shape (B, S)
            Forward internal state followed by the backward one.
        rng : RandomStreams, numpy Generator or None
            Source of the random draws of both directions (see
            :mod:`reservoir.base`); per-series streams give the backward pass
            streams of its own (:meth:`RandomStreams.derived`), so that the two
            directions draw independently even when they share weights.

        Returns
        -------
        states : ndarray of shape (B, T, n_features_out_)
        final_state : ndarray of shape (B, S)
        """
        rng = check_rng(rng, len(inputs))
        if rng is None:  # the streams of the series themselves, as for a causal reservoir
            rng = RandomStreams.of(inputs)
        backward_rng = rng.derived(1) if isinstance(rng, RandomStreams) else rng
        forward_start, backward_start = _split_state(state, self._state_sizes())
        forward, forward_final = self.forward_.simulate(inputs, forward_start, rng=rng)
        backward, backward_final = self.backward_.simulate(
            np.ascontiguousarray(inputs[:, ::-1]), backward_start, rng=backward_rng
        )
        if self.alignment == "time":
            backward = backward[:, ::-1]
        states = np.concatenate([forward, backward], axis=-1)
        return states, np.concatenate([forward_final, backward_final], axis=-1)
