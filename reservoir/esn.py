"""Echo state network: the leaky-tanh reservoir (:class:`ESN`).

Its deep and bidirectional compositions are in :mod:`reservoir.composite`.

The update is the leaky-integrator ESN of Jaeger et al. (2007)::

    x[t] = (1 - a) x[t-1] + a f(W x[t-1] + W_in u[t] + b + noise)

with ``f`` = tanh (or identity for a linear reservoir), ``W`` a fixed random
matrix rescaled to ``spectral_radius``, ``a`` the leak rate.
"""

from __future__ import annotations

import contextlib
import copy
import os
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import ThreadpoolController

from ._stability import scale_to_edge
from ._validation import RANDOM_STATE, Interval, Options
from .base import SATURATION_LEVEL, BaseReservoir, RandomStreams, check_rng
from .exceptions import ReservoirWarning
from .weights import (
    DTYPE,
    INPUT_DISTRIBUTIONS,
    INPUT_SCALING,
    TOPOLOGIES,
    WEIGHT_DISTRIBUTIONS,
    input_matrix,
    reservoir_matrix,
    scale_to_spectral_radius,
)

try:  # SciPy's CSR kernels computing ``out += W @ x`` without allocating; see ESN._loop.
    from scipy.sparse._sparsetools import csr_matvec as _csr_matvec
    from scipy.sparse._sparsetools import csr_matvecs as _csr_matvecs
except ImportError:  # pragma: no cover - private API moved
    _csr_matvec = _csr_matvecs = None

__all__ = ["ESN", "one_blas_thread", "product_accumulator", "saturated_count"]

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


class _OneBlasThread:
    """Process-wide, re-entrant and thread-safe "BLAS on one thread" switch (see one_blas_thread).

    The BLAS libraries are found once, on first use (threadpoolctl enumerates
    the loaded libraries, about 1.5 ms); entering then costs one
    ``get_num_threads`` per library (about 2 µs) plus one ``set_num_threads``
    for each that runs more than one thread, and a nested or concurrent entry
    (the threads of one batch, the layers of a deep reservoir) only counts.
    The thread counts found at the outermost entry are restored at its exit.

    OpenBLAS (0.3.31 with pthreads, as NumPy's wheels ship it) ignores a
    thread-count change asked for by any thread but the main one. A restore
    that did not take (the last thread out was not the main one) is kept
    pending and done by the next outermost entry's exit, so BLAS is never
    left on one thread for good.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._depth = 0
        self._saved = ()
        self._pending = {}
        self._libraries = None

    def libraries(self):
        """threadpoolctl's controllers of the BLAS libraries loaded in this process."""
        if self._libraries is None:
            controller = ThreadpoolController()
            self._libraries = tuple(controller.select(user_api="blas").lib_controllers)
        return self._libraries

    def thread_count(self):
        """The largest thread count of the BLAS libraries (None if none was found)."""
        counts = [lib.get_num_threads() for lib in self.libraries()]
        counts = [count for count in counts if count is not None]
        return max(counts) if counts else None

    def __enter__(self):
        with self._lock:
            if self._depth == 0:
                saved = []
                for lib in self.libraries():
                    count = self._pending.pop(lib, None) or lib.get_num_threads()
                    if count is not None and count != 1:
                        lib.set_num_threads(1)
                        saved.append((lib, count))
                self._saved = tuple(saved)
            self._depth += 1
        return self

    def __exit__(self, *exc_info):
        with self._lock:
            self._depth -= 1
            if self._depth == 0:
                for lib, count in self._saved:
                    lib.set_num_threads(count)
                    if lib.get_num_threads() != count:  # not taken: see the class docstring
                        self._pending[lib] = count
                self._saved = ()
        return False


_ONE_BLAS_THREAD = _OneBlasThread()


def one_blas_thread():
    """Context manager that runs BLAS on one thread while a time loop runs.

    A per-step product is far too small for multi-threaded BLAS: each step
    would wait on the synchronisation of BLAS's threads, and on a busy machine
    for a core to free up. The time loops of :class:`ESN` and
    :class:`~reservoir.LSM` run inside it (parallelism comes from splitting a
    batch of series between threads of our own, ``n_jobs``); products outside
    the loop (the input projection of a whole series, readout sums and solves)
    keep BLAS's threads.

    Re-entrant and thread-safe: the outermost entry sets every BLAS library to
    one thread and its exit restores the counts it found. The libraries are
    found once per process (with :class:`threadpoolctl.ThreadpoolController`),
    so an entry costs a few microseconds (about 10 µs when it changes the
    count of two OpenBLAS copies, NumPy's and SciPy's). The limit is
    process-wide, as all BLAS thread settings are: BLAS products that other
    threads of the program run meanwhile are limited too.

    OpenBLAS as NumPy's wheels ship it (0.3.31, pthreads) accepts thread-count
    changes from the main thread only, as with :mod:`threadpoolctl`'s own
    limits: a loop run from another thread of your program keeps BLAS's
    setting. There, set ``OMP_NUM_THREADS=1`` (or call
    :func:`threadpoolctl.threadpool_limits` from the main thread) and
    parallelise across series.

    Returns
    -------
    context manager

    Examples
    --------
    >>> import numpy as np
    >>> from threadpoolctl import threadpool_info
    >>> from reservoir.esn import one_blas_thread
    >>> with one_blas_thread():
    ...     counts = {info["num_threads"] for info in threadpool_info()
    ...               if info["user_api"] == "blas"}
    >>> counts <= {1}
    True
    """
    return _ONE_BLAS_THREAD


def _available_cores():
    """Cores this process may run on (its CPU affinity where the platform tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


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
        Precision of the weights, the states and every product of the time
        loop (input projection, recurrent product, tanh, state noise).
        float32 halves the memory of the states and runs the loop faster
        (the single-precision tanh vectorises where the double-precision one
        may not); readout sums are accumulated in float64 all the same
        (:class:`~reservoir.readouts.RidgeReadout` upcasts each block). See
        the user guide, "Performance and scale", for when it pays.
    n_jobs : int or None, default=None
        Threads that advance a batch of series in parallel (the batch is split
        between them; each part runs the same time loop). None: as many as
        BLAS would use, that is the available cores unless BLAS is limited
        (``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS``
        or :mod:`threadpoolctl`), so that a batch gets the cores a
        multi-threaded product would have had without paying its per-step
        synchronisation. -1: all available cores; an int: that many. Fewer
        threads are used when a part would hold fewer than 2 series or
        ``MIN_UNITS_PER_THREAD`` unit-updates per step (then the per-step
        overhead outweighs the parallel work). Whatever the count, the time
        loop runs BLAS on one thread (:func:`one_blas_thread`), so the two
        kinds of threads never compete for cores. Results do not depend on it.
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

    _parameter_constraints = {
        "n_units": [Interval("integer", 1)],
        "spectral_radius": [Interval("real", 0), Options("edge")],
        "leak_rate": [Interval("real", 0, 1, closed="right")],
        "input_scaling": INPUT_SCALING,
        "bias_scaling": [Interval("real", 0)],
        "n_connections": [Interval("integer", 1)],
        "connectivity": [Interval("real", 0, 1, closed="right"), None],
        "topology": [Options(*TOPOLOGIES)],
        "weight_distribution": [Options(*WEIGHT_DISTRIBUTIONS)],
        "input_distribution": [Options(*INPUT_DISTRIBUTIONS)],
        "input_connectivity": [Interval("real", 0, 1, closed="right"), None],
        "activation": [Options(*_ACTIVATIONS)],
        "state_noise": [Interval("real", 0)],
        "dtype": DTYPE,
        "n_jobs": [Interval("integer", 1), Options(-1), None],
        "random_state": [RANDOM_STATE],
    }

    # -- hooks ---------------------------------------------------------------------
    def _check_params(self):
        """Nothing beyond ``_parameter_constraints`` (checked by ``fit``)."""

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
        return saturated_count(self.activation, states)

    def loop_matrix(self, batch=1):
        """W in the format that is fastest for the time loop of ``batch`` series.

        Sparse (CSR) unless W is dense enough for a BLAS product to win; see
        ``DENSE_LOOP_MIN_DENSITY``. A dense copy is made once per ``W_`` and
        kind, not at every ``simulate`` call (closed-loop forecasting calls it
        once per step); replacing ``W_`` (as :meth:`scaled_copy` does) starts
        a fresh cache.

        Parameters
        ----------
        batch : int, default=1
            Number of series advanced together.

        Returns
        -------
        scipy.sparse.csr_matrix or ndarray of shape (n_units, n_units)
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

    def jacobian_factors(self, states, initial_state):
        """The Jacobian of the update along a trajectory, in factored form.

        The derivative of ``x[t]`` with respect to ``x[t-1]`` is
        ``J[t] = (1 - a) I + diag(gains[:, t]) W`` with
        ``gains = a f'(pre[t])``. The derivative of the activation is read off
        the states themselves, ``f(pre[t]) = (x[t] - (1 - a) x[t-1]) / a``, so
        state noise inside the activation is accounted for without redrawing
        it. Used by :func:`reservoir.analysis.lyapunov_exponent` (method
        ``"jacobian"``).

        Parameters
        ----------
        states : ndarray of shape (B, T, n_units)
            States of a run of :meth:`simulate` ...
        initial_state : ndarray of shape (B, n_units)
            ... started from these states.

        Returns
        -------
        keep : float
            ``1 - leak_rate``.
        gains : ndarray of shape (B, T, n_units)
        W : scipy.sparse.csr_matrix or ndarray of shape (n_units, n_units)
            The recurrent weights in float64.
        """
        check_is_fitted(self)
        states = np.asarray(states, dtype=np.float64)
        leak = float(self.leak_rate)
        if self.activation == "tanh":
            start = np.asarray(initial_state, dtype=np.float64)
            previous = np.concatenate([start[:, None, :], states[:, :-1]], axis=1)
            activated = (states - (1.0 - leak) * previous) / leak
            gains = leak * (1.0 - activated**2)
        else:
            gains = np.full(states.shape, leak)
        return 1.0 - leak, gains, self.loop_matrix().astype(np.float64)

    def scaled_copy(self, factor):
        """A shallow copy of this fitted ESN with its recurrent weights ``W_`` times ``factor``.

        An ESN fitted with ``spectral_radius=1`` and scaled by ``r`` has the
        weights of the same ESN fitted with ``spectral_radius=r`` (up to
        rounding): the edge-of-stability search
        (:func:`reservoir.analysis.edge_of_stability`) draws the weights once
        and rescales them. The input weights and bias are shared with this
        ESN, which is not modified; ``spectral_radius_`` is scaled when set.

        Parameters
        ----------
        factor : float >= 0

        Returns
        -------
        ESN
        """
        check_is_fitted(self)
        scaled = copy.copy(self)
        scaled.W_ = (self.W_ * factor).astype(self.W_.dtype)
        if hasattr(self, "spectral_radius_"):
            scaled.spectral_radius_ = self.spectral_radius_ * factor
        return scaled

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
        """Split the batch between the threads of :meth:`_thread_count`.

        Each thread keeps at least 2 series and ``MIN_UNITS_PER_THREAD``
        unit-updates per step; BLAS runs on one thread meanwhile
        (:func:`one_blas_thread`, entered once for all of them). NumPy's
        ufuncs and SciPy's CSR kernel release the GIL, so the parts of a batch
        advance on different cores. Each series is updated by the same
        column-wise kernels whatever part it falls in, so the states do not
        depend on the split.
        """
        n_batch = len(inputs)
        n_jobs = self._thread_count(n_batch)
        W = self.loop_matrix(n_batch)  # made once, before the threads share it
        if n_jobs == 1:
            self._run_batch(inputs, start, noise, out, W)
            return
        bounds = np.linspace(0, n_batch, n_jobs + 1).astype(int)
        slices = [slice(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
        with one_blas_thread(), ThreadPoolExecutor(max_workers=n_jobs) as pool:
            jobs = [pool.submit(self._run_batch, inputs[part], start[part],
                                None if noise is None else noise[part], out[part], W)
                    for part in slices]
            for job in jobs:
                job.result()

    def _thread_count(self, n_batch):
        """Threads for a batch of ``n_batch`` series: ``n_jobs``, within the work limits.

        With ``n_jobs=None``, the thread count of BLAS (read only when the work
        limits allow more than one thread), at most the available cores.
        """
        work_limit = min(n_batch // 2, self.n_units * n_batch // MIN_UNITS_PER_THREAD)
        if work_limit <= 1:
            return 1
        if self.n_jobs is None:
            n_jobs = min(_available_cores(), _ONE_BLAS_THREAD.thread_count() or 1)
        elif self.n_jobs == -1:
            n_jobs = _available_cores()
        else:
            n_jobs = self.n_jobs
        return max(1, min(n_jobs, work_limit))

    def _run_single(self, inputs, x, noise):
        """One series: project all inputs in one product, then update in place row by row.

        The projection, a product over the whole series, runs on BLAS's
        threads; the loop limits BLAS to one thread only when ``W`` is dense
        (through the sparse kernel a step runs no BLAS product).
        """
        states = inputs @ self.W_in_.T
        states += self.bias_
        if noise is not None:
            states += noise[0]
        W = self.loop_matrix(1)
        self._loop(states.shape[0], lambda t: states[t], None, np.array(x), batch=1, W=W,
                   limit_blas=not sp.issparse(W))
        return states

    def _run_batch(self, inputs, start, noise, out, W=None):
        """B series as (N, B) blocks: one product W @ x advances all of them per step.

        The input projection (bias folded in as a constant input) is computed per
        step straight into the (N, B) block, and each new block is copied into
        the (B, T, N) output ``out``: small cache-resident copies instead of a
        large transpose of the whole output. ``W`` is the loop matrix (by
        default ``loop_matrix(B)``).
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

        self._loop(n_steps, load, store, np.ascontiguousarray(start.T), batch=n_batch, W=W)

    def _loop(self, n_steps, load, store, x, batch, W=None, limit_blas=True):
        """The time loop, the only sequential part; it allocates nothing per step.

        ``load(t)`` returns the buffer holding the input drive of step t, which
        is turned in place into the state at t (for sparse W, SciPy's CSR
        kernel accumulates ``W @ x`` straight into it); ``store(t, state)``
        (if given) copies the state out. ``W`` is the loop matrix (by default
        ``loop_matrix(batch)``).

        With ``limit_blas`` (the default), BLAS runs on one thread throughout
        (:func:`one_blas_thread`): the per-step products and whatever ``load``
        and ``store`` compute (the closed loop of
        :class:`~reservoir.ReservoirForecaster` runs its readout and input
        projection there). A caller whose steps run no BLAS product at all
        (one series through the CSR kernel) passes False and saves the two
        thread-count changes, which cost more than a short loop itself.
        """
        leak = float(self.leak_rate)
        keep = 1.0 - leak
        nonlinear = self.activation == "tanh"
        if W is None:
            W = self.loop_matrix(batch)
        add_product = product_accumulator(W, batch)
        scratch = np.empty_like(x)
        with one_blas_thread() if limit_blas else contextlib.nullcontext():
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


def product_accumulator(W, n_batch):
    """A function ``add(x, out, scratch)`` doing ``out += W @ x``, the product of the time loop.

    For a sparse ``W`` it calls SciPy's CSR kernels, which accumulate into
    ``out`` without allocating; for a dense one a BLAS product into
    ``scratch``. :mod:`reservoir.benchmark.speed` times it directly.

    Parameters
    ----------
    W : scipy.sparse.csr_matrix or ndarray of shape (N, N)
    n_batch : int
        Number of series: ``x`` and ``out`` are (N,) vectors for one series,
        (N, B) blocks for B.

    Returns
    -------
    callable
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


def saturated_count(activation, states):
    """Values of tanh states beyond ``SATURATION_LEVEL``; None for a linear reservoir.

    Parameters
    ----------
    activation : {"tanh", "identity"}
    states : ndarray

    Returns
    -------
    int or None
    """
    if activation != "tanh":
        return None
    return int(np.count_nonzero(np.abs(states) > SATURATION_LEVEL))
