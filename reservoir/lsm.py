"""Liquid state machines: a spiking reservoir of leaky integrate-and-fire neurons.

The liquid of Maass, Natschläger & Markram, "Real-time computing without stable
states" (Neural Computation 14, 2002): leaky integrate-and-fire (LIF) neurons,
80 % excitatory and 20 % inhibitory, coupled by current-based exponential
synapses, optionally placed on a 3-D grid and connected with probability
``C * exp(-(D / lambda)^2)``. The state handed to the readout is each neuron's
spike train filtered with exponential kernels, sampled once per input time
step. The default liquid (last section) is this network with fast neurons,
heterogeneous synaptic delays and two readout kernels; the biological
parameters of Maass et al. are listed next to it.

Units
-----
Time in milliseconds (ms). Membrane potentials in millivolts (mV) relative to
the resting potential (rest = 0 mV). Currents are expressed as the voltage
they would hold the membrane at, ``R * I`` in mV (the membrane resistance is
absorbed), so the membrane equation reads::

    tau_membrane * dv/dt = -v + I_syn,exc + I_syn,inh + I_background + I_input

Between steps each synaptic current decays exponentially
(``tau_syn_exc`` / ``tau_syn_inh``) and jumps when a presynaptic spike
arrives. The membrane is integrated exactly for a current held constant over
a step of length ``dt`` (exponential Euler)::

    v <- I + (v - I) * exp(-dt / tau_membrane)

A neuron whose potential reaches ``v_threshold`` spikes, is reset to
``v_reset`` and held there for ``refractory_period``.

Input
-----
With ``input_encoding="current"`` the input enters as the current
``I_input = W_in_ @ u``, held over the input step and not rectified: a
negative current hyperpolarises the membrane. The entries of ``W_in_`` are
uniform on ``±input_scaling``, so half the neurons are excited by a positive
input and the other half by a negative one (ON and OFF cells). A zero-mean
input, such as the standardised input the estimators feed by default
(``scale="standard"``), drives both halves in turn and nearly every neuron
takes part; a nonnegative input (e.g. the raw NARMA input on [0, 0.5]) holds
the OFF cells below threshold most of the time (20 % of the default liquid's
neurons stay silent on inputs in [0, 1], none on standardised ones), so the
liquid does better on standardised input. Without input, the default liquid
is silent (its background current is below threshold): a standardised input
of 0, the training mean, is rest. With ``input_encoding="poisson"``, ``|u|``
sets the rate of the input spikes and the sign of ``u`` the sign of their
jumps (see :class:`LSM`).

Recurrent weights
-----------------
``W_`` is dimensionless and has spectral radius ``spectral_radius`` exactly
(scaled with :func:`reservoir.weights.scale_to_spectral_radius`, as for the
ESN). A weight ``w`` from neuron ``j`` makes each spike of ``j`` deliver the
synaptic charge ``w * (v_threshold - v_reset) * tau_membrane``, i.e. a current
jump of ``w * (v_threshold - v_reset) * tau_membrane / tau_syn(j)`` mV. In
these units ``w = 1`` is the charge that takes a non-leaky neuron from reset
to threshold, so ``W_`` counts the spikes one presynaptic spike causes in a
strongly driven neuron, and its spectral radius is the gain of the linearised
firing-rate dynamics. When excitation dominates (``inhibition_balance < 1``)
the leading eigenvalue is the mean excitatory feedback and activity outlasts
the input from a radius between 1 and 2 on; in a balanced liquid
(``inhibition_balance=1``) the radius measures the fluctuation gain and, with
the biological neurons below, activity dies out after the input up to a
radius of 2 and sustains itself from 3 on. The default liquid is
inhibition-dominated (``inhibition_balance=2``); with 400 neurons its activity
dies out after the input up to a radius of 4 and sustains itself from 6 on
(``examples/liquid_state_machine.py`` runs this sweep), so its default radius
of 3 keeps a fading memory.

Time scales
-----------
The readout sees the liquid once per input step (``steps_per_input * dt``).
With the biological parameters (Maass 2002: 30 ms membranes, 30 ms trace)
the state is a smooth fading memory of the last few tens of ms. To recall
individual past inputs, make the liquid a discrete-time map like an ESN: a
synaptic latency of one input step (``synaptic_delay = (steps_per_input - 1)
* dt``) and membranes and synapses that forget within a step (e.g. 20 ms
input steps with ``tau_membrane=5, tau_syn_exc=2, tau_syn_inh=2`` and
``inhibition_balance=2``).

Such a map still forgets within a few input steps. Two additions give the
liquid a longer memory without slowing its neurons down:

* heterogeneous synaptic delays, ``synaptic_delay=(low, high)``: each
  connection draws its own latency, so a spike re-enters the liquid one to
  many input steps later. The liquid gains delay lines and recombines the
  present input with specific past ones (Izhikevich 2006, "Polychronization:
  computation with spikes", Neural Computation 18; Paugam-Moisy, Martinez &
  Bengio 2008, "Delay learning and polychronization for reservoir
  computing", Neurocomputing 71);
* several readout kernels, ``tau_trace=(10, 40)``: the same spikes filtered
  on several time scales, so the readout sees when in the last input steps
  each neuron fired, not just how much.

The default liquid
------------------
``LSM()`` is the delay-line liquid these additions make (the biological
liquid of Maass et al. 2002 in brackets, the defaults before it):

* 20 ms per input step, simulated in ``steps_per_input=10`` steps of
  ``dt=2`` ms (10 of 1 ms);
* fast neurons and synapses: ``tau_membrane=5``, ``tau_syn_exc=2``,
  ``tau_syn_inh=2`` ms (30, 3, 6 ms);
* ``synaptic_delay=(18, 198)`` ms: with the step in which the spike is
  emitted, each connection's latency is 1 to 10 input steps (0 ms);
* ``tau_trace=(10, 40)`` ms, two readout kernels (one of 30 ms);
* ``inhibition_balance=2``, inhibition-dominated (1, balanced);
* ``spectral_radius=3`` (2), ``input_scaling=5`` mV per unit of input, for
  standardised inputs (20 mV, for inputs in [-1, 1]);
* ``background_current=14`` mV, 1 mV below the threshold (13.5);
* unchanged: ``v_threshold=15``, ``v_reset=13.5``, ``refractory_period=2``,
  ``n_connections=20``, ``inhibitory_fraction=0.2``, random topology.

It was chosen by a sweep on NARMA-10 with standardised input and the
estimators' default ridge readout (test NRMSE, medians over liquid seeds):

* the delays make the memory: without them (``synaptic_delay=18``) the
  liquid forgets within a few input steps and fails (NRMSE above 1); a
  range of 1 to 10 input steps suits a task that reaches 9 steps back
  (1 to 6 steps: 0.51; 1 to 15 steps: 0.38);
* two kernels rather than the four (5, 10, 20, 40 ms) of the earlier
  delay-line example: each kernel adds ``n_units`` features, and with four
  (1600 for 400 neurons and 2000 training steps) the readout overfits unless
  its ridge penalty is large (0.52 at ``alpha`` 1e-9 to 1e-6, 0.45 at 1e-2,
  0.31 at 100), while two give the same result for every ``alpha`` from
  1e-9 to 1e-2; one kernel (40 ms) gives 0.46;
* lower gains than in the earlier example (radius 8, input scaling 20 for
  inputs in [-1, 1]), for rates of 40-50 Hz: radius 2 to 3 with input
  scaling 4 to 5 all give 0.34 to 0.35, higher gains are worse (0.41 at
  radius 6);
* a 14 mV background rather than 13.5: the same median on this run (0.340
  with 13.5 mV), but fewer neurons that fire only a few times in a run
  (about 2 of 200 below 1 Hz instead of 7), which a nearly unregularised
  readout fits to and then mispredicts on: over 30 short runs (200 neurons,
  800 training steps) one fails (NRMSE 10 at ``alpha=1e-6``, 39 at 1e-9)
  with 13.5 mV, none with 14 mV (worst 0.58);
* 2 ms steps: 1 ms steps (``dt=1, steps_per_input=20,
  synaptic_delay=(19, 199)``) do no better (0.358) at twice the cost. With
  2 ms steps the liquid costs about 1.4 to 1.5 times the biological liquid
  per input step (0.55 against 0.39 ms for 400 neurons and one series: the
  same number of simulation steps, but delayed transmission and more
  spikes).

Figures (``python examples/liquid_state_machine.py``, sections 3 to 5;
about two minutes):
``ReservoirRegressor(LSM(n_units=400, random_state=s), washout=200)`` on
NARMA-10 (``reservoir.datasets.narma(n_steps=3200, order=10,
random_state=0)``, the first 2200 steps for training, the last 1000 for
testing, the input standardised with the training statistics) has a test
NRMSE of 0.373, 0.351, 0.339 for s = 0, 1, 2 (median 0.351; 0.840 for the
biological liquid, 0.169 for the default ESN), the same within 0.001 for a
ridge ``alpha`` from 1e-9 to 1e-2 (0.345 at 1). On the raw input in [0, 0.5] the
median is 0.456 (biological liquid 0.893). Its memory capacity
(:func:`reservoir.metrics.memory_capacity`, 400 neurons, inputs on
[-0.5, 0.5]) is 11.0, with the inputs of the last 10 steps recalled at
``MC_k`` 0.7 to 0.9 (biological liquid 1.2); 15 on unit-variance input.
The two kernels give the readout two features per neuron: with only a few
hundred training steps per neuron, raise the ridge ``alpha`` (1e-2 costs
nothing on NARMA-10 and keeps closed-loop forecasts stable).
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from scipy.special import ndtri, pdtr
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._validation import BOOLEAN, RANDOM_STATE, Interval, Options, Satisfies, check_in_range
from .base import BaseReservoir, RandomStreams, check_rng
from .esn import one_blas_thread
from .weights import (
    DTYPE,
    INPUT_SCALING,
    WEIGHT_DISTRIBUTIONS,
    draw_weights,
    input_matrix,
    reservoir_matrix,
    scale_to_spectral_radius,
)

__all__ = ["LSM", "LiquidActivityWarning", "column_positions", "column_connectivity"]

_TOPOLOGIES = ("random", "column")
_ENCODINGS = ("current", "poisson")
#: Connection strength C of the column topology, (presynaptic, postsynaptic) type,
#: from Maass, Natschläger & Markram (2002): 0.3 EE, 0.2 EI, 0.4 IE, 0.1 II.
COLUMN_CONNECTION_PROBABILITY = {("E", "E"): 0.3, ("E", "I"): 0.2, ("I", "E"): 0.4, ("I", "I"): 0.1}
#: Width and depth of a column when ``grid_shape`` is not given (Maass 2002: 15 x 3 x 3).
_COLUMN_CROSS_SECTION = (3, 3)
#: A liquid in which more than this fraction of neurons never spike counts as silent ...
SILENT_FRACTION = 0.9
#: ... and one whose mean rate exceeds this fraction of the maximum rate as saturated.
SATURATED_FRACTION_OF_MAX_RATE = 0.5
#: Rows of the column's connection probabilities computed at once (bounds memory).
_ROW_BLOCK = 1024


class LiquidActivityWarning(RuntimeWarning):
    """The liquid is (nearly) silent or saturated: its states carry little information."""


# -- connectivity -------------------------------------------------------------------
def _is_grid_shape(shape):
    """Whether ``shape`` is three positive integers."""
    return isinstance(shape, (tuple, list, np.ndarray)) and len(shape) == 3 and all(
        isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1 for s in shape)


def _is_delay_pair(delay):
    """Whether ``delay`` is a pair (low, high) of finite numbers with 0 <= low <= high."""
    if not isinstance(delay, (tuple, list, np.ndarray)) or len(delay) != 2:
        return False
    if not all(Interval("real", 0).accepts(d) for d in delay):
        return False
    return delay[0] <= delay[1]


def _is_time_constants(taus):
    """Whether ``taus`` is a non-empty sequence of finite numbers > 0."""
    return (isinstance(taus, (tuple, list, np.ndarray)) and np.ndim(taus) == 1 and len(taus) > 0
            and all(Interval("real", 0, closed="neither").accepts(t) for t in taus))


def column_positions(n_units, grid_shape=None):
    """Integer 3-D grid coordinates of ``n_units`` neurons in a cortical column.

    Parameters
    ----------
    n_units : int
    grid_shape : tuple of 3 ints, optional
        Extent of the grid. By default a column ``(ceil(n_units / 9), 3, 3)``
        as in Maass et al. (2002), whose 135-neuron liquid is 15 x 3 x 3.

    Returns
    -------
    ndarray of shape (n_units, 3)
        The first ``n_units`` grid points in C order (long axis first).
    """
    n_units = check_in_range(n_units, "n_units", 1, integer=True)
    if grid_shape is None:
        width, depth = _COLUMN_CROSS_SECTION
        grid_shape = (-(-n_units // (width * depth)), width, depth)
    if not _is_grid_shape(grid_shape):
        raise ValueError(f"grid_shape must be three positive integers; got {grid_shape!r}.")
    shape = tuple(grid_shape)
    if np.prod(shape) < n_units:
        raise ValueError(
            f"grid_shape {shape} holds {int(np.prod(shape))} neurons, fewer than n_units={n_units}."
        )
    return np.stack(np.unravel_index(np.arange(n_units), shape), axis=1).astype(float)


def column_connectivity(positions, inhibitory, connection_lambda=2.0, random_state=None):
    """Boolean connection mask of the Maass et al. (2002) column.

    Neuron ``j`` connects to neuron ``i != j`` with probability
    ``C[type(j), type(i)] * exp(-(D(i, j) / connection_lambda)^2)``, ``D`` the
    Euclidean distance on the grid and ``C`` from
    :data:`COLUMN_CONNECTION_PROBABILITY`.

    Parameters
    ----------
    positions : ndarray of shape (n_units, 3)
    inhibitory : bool ndarray of shape (n_units,)
    connection_lambda : float > 0
        Length scale lambda of the connection probability (grid spacings).
    random_state : seed or RandomState, optional

    Returns
    -------
    scipy.sparse.csr_matrix of bool, shape (n_units, n_units)
        Entry (i, j) is True when j connects to i (rows are targets).
    """
    rng = check_random_state(random_state)
    check_in_range(connection_lambda, "connection_lambda", 0, low_inclusive=False)
    kind = np.where(inhibitory, 1, 0)
    strength = np.array([[COLUMN_CONNECTION_PROBABILITY[(pre, post)] for pre in "EI"]
                         for post in "EI"])  # strength[post, pre]
    n = positions.shape[0]
    blocks = []
    for start in range(0, n, _ROW_BLOCK):
        rows = slice(start, min(start + _ROW_BLOCK, n))
        sq_dist = ((positions[rows, None, :] - positions[None, :, :]) ** 2).sum(-1)
        prob = strength[kind[rows, None], kind[None, :]] * np.exp(-sq_dist / connection_lambda**2)
        np.fill_diagonal(prob[:, start:], 0.0)
        blocks.append(sp.csr_matrix(rng.random(prob.shape) < prob))
    return sp.vstack(blocks, format="csr")


# -- the state vector ----------------------------------------------------------------
class _LiquidState:
    """The internal state of a batch of series, unpacked into contiguous working arrays.

    Packed layout of one series' state vector (``pack`` / ``__init__``):
    membrane potentials (N), excitatory then inhibitory synaptic currents (2N),
    remaining refractory steps (N), filtered spike traces (n_traces x N, one
    block per trace time constant), then the synaptic current jumps still in
    flight, in order of arrival (n_pending x 2N: the jumps due in the next
    step first).
    """

    def __init__(self, block, n_units, n_pending, n_traces, dtype):
        n, n_batch = n_units, block.shape[0]
        end_traces = (4 + n_traces) * n
        self.v = np.array(block[:, :n], dtype=dtype)
        self.current = np.array(block[:, n:3 * n], dtype=dtype)
        self.refractory = np.array(block[:, 3 * n:4 * n], dtype=dtype)
        self.trace = np.array(block[:, 4 * n:end_traces], dtype=dtype).reshape(n_batch, n_traces, n)
        # Ring buffer (n_pending + 1, B, 2N): slot ``cursor`` is added to the currents in
        # the coming step, the following slots in the steps after it.
        self.pending = np.zeros((n_pending + 1, n_batch, 2 * n), dtype=dtype)
        self.pending[:n_pending] = block[:, end_traces:].reshape(n_batch, n_pending, 2 * n
                                                                 ).transpose(1, 0, 2)
        self.cursor = 0

    @staticmethod
    def size(n_units, n_pending, n_traces):
        return (4 + n_traces + 2 * n_pending) * n_units

    def pack(self):
        """The packed (B, S) state vectors."""
        n_batch = self.v.shape[0]
        due_first = np.roll(self.pending, -self.cursor, axis=0)[:-1].transpose(1, 0, 2)
        return np.concatenate([self.v, self.current, self.refractory,
                               self.trace.reshape(n_batch, -1),
                               due_first.reshape(n_batch, -1)], axis=1)


class _LIFStepper:
    """One simulation step of the whole liquid, in place, allocating nothing but the spikes."""

    def __init__(self, lsm, n_batch):
        dtype = lsm._dtype
        n = lsm.n_units
        self.membrane_decay = dtype(np.exp(-lsm.dt / lsm.tau_membrane))
        self.synaptic_decay = np.repeat(
            np.exp(-lsm.dt / np.array([lsm.tau_syn_exc, lsm.tau_syn_inh])), n).astype(dtype)
        self.trace_decay = np.exp(-lsm.dt / lsm._trace_time_constants)[:, None].astype(dtype)
        self.threshold, self.reset = dtype(lsm.v_threshold), dtype(lsm.v_reset)
        self.n_refractory = dtype(lsm._refractory_steps)
        self.synapses = lsm._synapses
        self.scatter_offsets = self.synapses.scatter_offsets(n_batch)
        self.clamped = np.empty((n_batch, n), dtype=bool)
        self.spikes = np.empty((n_batch, n), dtype=bool)

    def step(self, liquid, total):
        """Advance ``liquid`` by dt under the input current ``total`` (B, N); return the spikes."""
        v, refractory, spikes, clamped = liquid.v, liquid.refractory, self.spikes, self.clamped
        # Exponential Euler: exact for a current held constant over the step.
        v -= total
        v *= self.membrane_decay
        v += total
        np.greater(refractory, 0, out=clamped)
        np.copyto(v, self.reset, where=clamped)
        refractory -= clamped
        np.greater_equal(v, self.threshold, out=spikes)
        np.copyto(v, self.reset, where=spikes)
        np.copyto(refractory, self.n_refractory, where=spikes)
        liquid.trace *= self.trace_decay
        liquid.trace += spikes[:, None, :]
        liquid.current *= self.synaptic_decay
        self._transmit(liquid, spikes)
        return spikes

    def _transmit(self, liquid, spikes):
        """Send this step's spikes on their way, then apply the jumps due now."""
        if liquid.pending.shape[0] == 1:  # no delays: straight into the currents
            self.synapses.deliver(liquid.current.reshape(-1), spikes)
            return
        slot = liquid.cursor
        self.synapses.schedule(liquid.pending, slot, spikes, self.scatter_offsets)
        liquid.current += liquid.pending[slot]
        liquid.pending[slot] = 0
        liquid.cursor = (slot + 1) % liquid.pending.shape[0]


class _Synapses:
    """Recurrent jumps arranged by presynaptic neuron, for propagating only the neurons that spiked.

    Row j of ``targets`` / ``values`` / ``delays`` lists the outgoing synapses
    of neuron j, padded to the largest out-degree with weight 0 (onto slot 0,
    a no-op). ``targets`` indexes the (2N,) current vector of a series: an
    excitatory source feeds slot i of target i, an inhibitory source slot
    N + i. ``delays`` holds each synapse's transmission delay in steps.
    """

    def __init__(self, jumps, inhibitory, delays=None):
        csc = sp.csc_matrix(jumps)
        n = csc.shape[0]
        out_degree = np.diff(csc.indptr)
        width = max(int(out_degree.max(initial=0)), 1)
        rank = np.arange(csc.nnz) - np.repeat(csc.indptr[:-1], out_degree)
        source = np.repeat(np.arange(n), out_degree)
        self.targets = np.zeros((n, width), dtype=np.intp)
        self.values = np.zeros((n, width), dtype=csc.dtype)
        self.delays = np.zeros((n, width), dtype=np.intp)
        self.targets[source, rank] = csc.indices + n * inhibitory[source]
        self.values[source, rank] = csc.data
        if delays is not None and csc.nnz:  # (N, N) delays in steps, rows are targets
            steps = np.asarray(sp.csr_matrix(delays)[csc.indices, source]).ravel()
            self.delays[source, rank] = np.rint(steps).astype(np.intp)
        self.n_units = n

    @staticmethod
    def _fired(spikes):
        """Presynaptic neuron and series of each spike in ``spikes`` (B, N) bool."""
        batch, fired = np.nonzero(spikes)
        return fired, batch

    def deliver(self, current_flat, spikes):
        """Add the jumps of ``spikes`` (B, N) bool to ``current_flat`` (B * 2N,) in place."""
        fired, batch = self._fired(spikes)
        if fired.size == 0:
            return
        slots = self.targets[fired] + (2 * self.n_units) * batch[:, None]
        current_flat += np.bincount(slots.ravel(), weights=self.values[fired].ravel(),
                                    minlength=current_flat.size)

    def scatter_offsets(self, n_batch):
        """Flat offset of each synapse's jump in a ring buffer of ``n_batch`` series, (N, width).

        Relative to the cursor's slot and series 0: ``delay * n_batch * 2N + target``.
        """
        return self.delays * (n_batch * 2 * self.n_units) + self.targets

    def schedule(self, pending, cursor, spikes, offsets):
        """Add the jumps of ``spikes`` (B, N) to the ring buffer ``pending`` (L, B, 2N).

        A jump with delay d lands in slot ``(cursor + d) % L``, applied d steps
        after slot ``cursor``; ``offsets`` comes from :meth:`scatter_offsets`.
        """
        fired, batch = self._fired(spikes)
        if fired.size == 0:
            return
        n_batch, width = pending.shape[1:]
        flat = pending.reshape(-1)
        # (cursor + d) % L * B * 2N + b * 2N + target: the flat index, wrapped once.
        index = offsets[fired]
        if n_batch == 1:
            index += cursor * width
        else:
            index += ((cursor * n_batch + batch) * width)[:, None]
        np.remainder(index, flat.size, out=index)
        np.add.at(flat, index.ravel(), self.values[fired].ravel())


class LSM(BaseReservoir):
    """Liquid state machine: a spiking reservoir of LIF neurons (a scikit-learn transformer).

    ``fit`` draws the fixed liquid (connectivity, weights, input weights);
    ``transform`` drives it with input series and returns, for every input
    time step, each neuron's exponentially filtered spike train (optionally
    with its membrane potential). Put it in a
    :class:`~reservoir.ReservoirRegressor` or
    :class:`~reservoir.ReservoirForecaster` to train a readout. After
    :meth:`transform`, ``mean_rate_`` and ``fraction_silent_`` describe the
    activity, and a :class:`LiquidActivityWarning` is raised for a silent or
    saturated liquid.

    Units: time in ms, potentials and currents (as ``R * I``) in mV relative
    to rest; see the module docstring for the equations.

    The defaults are the delay-line liquid of the module docstring ("The
    default liquid"), chosen by a sweep on NARMA-10 with standardised input:
    fast neurons stepped as a discrete-time map (20 ms per input step),
    synaptic latencies of 1 to 10 input steps and two readout kernels (10 and
    40 ms). With 400 neurons in ``ReservoirRegressor(..., washout=200)`` it
    reaches a NARMA-10 test NRMSE of 0.35 (median of 3 seeds; 0.84 for the
    biological liquid of Maass et al. 2002, the earlier defaults, which are
    ``spectral_radius=2, inhibition_balance=1, input_scaling=20,
    background_current=13.5, tau_membrane=30, tau_syn_exc=3, tau_syn_inh=6,
    synaptic_delay=0, tau_trace=30, dt=1``). Reproduce with
    ``python examples/liquid_state_machine.py``.

    Parameters
    ----------
    n_units : int, default=200
        Number of neurons N.
    spectral_radius : float >= 0, default=3.0
        Spectral radius of the dimensionless recurrent matrix ``W_`` (the
        linearised gain of the firing rates; see the module docstring). The
        default liquid fades after the input up to a radius of about 4 and
        sustains its own activity from about 6 on (400 neurons).
    inhibitory_fraction : float in [0, 1), default=0.2
        Fraction of inhibitory neurons; their outgoing weights are negative,
        those of excitatory neurons positive (Dale's law).
    inhibition_balance : float >= 0, default=2.0
        Total inhibitory weight as a multiple of the total excitatory weight.
        1 balances them (zero mean recurrent input at uniform firing); larger
        values, like the default, make the liquid inhibition-dominated, which
        keeps it stable at a high gain.
    topology : {"random", "column"}, default="random"
        ``"random"``: sparse random graph with ``n_connections`` inputs per
        neuron (or density ``connectivity``). ``"column"``: neurons on a 3-D
        grid connected with probability ``C * exp(-(D / connection_lambda)^2)``
        (Maass et al. 2002, C = 0.3 EE, 0.2 EI, 0.4 IE, 0.1 II).
    n_connections : int, default=20
        In-degree of each neuron in the random topology. At most ``n_units``:
        a larger value connects every neuron to all ``n_units`` neurons and
        warns (:class:`~reservoir.weights.ConnectivityWarning`).
    connectivity : float in (0, 1], optional
        Density of the random topology, instead of ``n_connections``.
    connection_lambda : float > 0, default=2.0
        Length scale lambda of the column topology, in grid spacings.
    grid_shape : tuple of 3 ints, optional
        Grid of the column topology; ``(ceil(n_units / 9), 3, 3)`` by default.
    weight_distribution : {"normal", "uniform"}, default="normal"
        Magnitudes of the recurrent weights: half-normal or uniform, before
        signs (Dale's law) and spectral-radius scaling.
    input_scaling : float or array-like of shape (n_features,), default=5.0
        Input current (mV) per unit of input: ``I_input = W_in_ @ u`` with
        ``W_in_`` uniform on ±input_scaling. The default suits standardised
        inputs (unit variance, what the estimators feed with
        ``scale="standard"``); for raw inputs of another size, scale it
        inversely (e.g. about 17 for inputs uniform on [-0.5, 0.5], whose
        standard deviation is 0.29).
    input_connectivity : float in (0, 1], optional
        Fraction of neurons each input feature reaches; all when None.
    input_encoding : {"current", "poisson"}, default="current"
        ``"current"``: the input is injected as the current ``W_in_ @ u``,
        held for the input time step; a negative current hyperpolarises (it
        is not rectified), so neurons with positive input weights respond to
        positive inputs and those with negative weights to negative ones
        (see the module docstring). ``"poisson"``: each neuron receives, per
        feature j, an independent Poisson spike train of rate
        ``input_rate * |u_j|`` whose spikes jump its excitatory synaptic
        current by ``W_in_[:, j] * sign(u_j) * (1 - exp(-dt / tau_syn_exc)) /
        (input_rate * dt)`` (rate in spikes/ms), so that the mean input current
        equals that of the current encoding; the shot noise shrinks as
        ``input_rate`` grows. Each series draws its spikes from its own
        random stream, keyed by its values and positioned at the time step,
        so its states do not depend on the other series of a batch or on
        how it is cut into blocks (:mod:`reservoir.base`, "Randomness").
    input_rate : float > 0, default=200.0
        Poisson rate in Hz for ``|u| = 1``.
    background_current : float, default=14.0
        Constant current (mV) into every neuron, 1 mV below the threshold
        (Maass 2002: 13.5): without input the liquid is silent; with input,
        fewer neurons stay silent or fire only rarely than at 13.5 mV.
    tau_membrane : float > 0, default=5.0
        Membrane time constant (ms); the default forgets within an input step
        (Maass 2002: 30).
    v_threshold : float, default=15.0
        Firing threshold (mV).
    v_reset : float < v_threshold, default=13.5
        Reset potential after a spike (mV).
    refractory_period : float >= 0, default=2.0
        Absolute refractory period (ms), rounded to whole steps of ``dt``.
    tau_syn_exc, tau_syn_inh : float > 0, default=2.0, 2.0
        Decay time constants (ms) of excitatory and inhibitory synaptic
        currents (Maass 2002: 3 and 6).
    synaptic_delay : float >= 0 or pair (low, high), default=(18.0, 198.0)
        Extra transmission delay (ms), rounded to whole steps of ``dt``. A
        spike emitted during step k changes its targets' currents from step
        ``k + 1 + round(synaptic_delay / dt)`` on. A pair draws each
        connection's delay independently at ``fit``, uniform over the whole
        steps from ``round(low / dt)`` to ``round(high / dt)`` (``delays_``):
        delays spanning several input steps act as delay lines that bring
        specific past inputs back into the liquid (Izhikevich 2006 draws
        conduction delays of 1-20 ms; Paugam-Moisy et al. 2008 use such delays
        in a reservoir). The default, with ``dt=2`` and 20 ms input steps,
        makes each connection's latency 1 to 10 input steps (Maass 2002: 0).
    tau_trace : float > 0 or sequence of floats > 0, default=(10.0, 40.0)
        Time constant(s) (ms) of the exponential kernels that filter the
        spike trains into the liquid state: each spike adds 1 to its neuron's
        trace, which decays by ``exp(-dt / tau)`` per step. With several time
        constants every neuron has one trace per kernel, and the state
        concatenates them (all neurons' traces for the first time constant,
        then the second, ...): a multi-timescale view of the same spikes.
        Each kernel adds ``n_units`` features to the readout's input (Maass
        2002: one of 30 ms).
    dt : float > 0, default=2.0
        Simulation step (ms); spike times, delays and the refractory period
        are resolved to it. 1 ms steps do no better with the default liquid
        and cost twice as much.
    steps_per_input : int >= 1, default=10
        Simulation steps per input time step; the inputs are held for
        ``steps_per_input * dt`` ms (20 ms by default) and the traces sampled
        at the end. The cost of a run grows in proportion.
    include_membrane : bool, default=False
        Append the membrane potentials (mV) to the traces in the output.
    dtype : {"float64", "float32"}, default="float64"
    random_state : int, RandomState instance or None
        Seed for the liquid, the initial potentials and the Poisson input;
        the same seed gives identical states.

    Attributes
    ----------
    W_ : scipy.sparse.csr_matrix of shape (n_units, n_units)
        Dimensionless recurrent weights (row i holds the inputs of neuron i),
        spectral radius ``spectral_radius``. Read-only: the synaptic jumps
        the simulation uses are derived from it at ``fit``.
    W_in_ : ndarray of shape (n_units, n_features_in_)
        Input weights, mV of current per unit of input.
    inhibitory_ : ndarray of bool, shape (n_units,)
        Which neurons are inhibitory.
    positions_ : ndarray of shape (n_units, 3) or None
        Grid coordinates for the column topology.
    initial_potential_ : ndarray of shape (n_units,)
        Membrane potentials of the default initial state, uniform on
        [v_reset, v_threshold) so that the neurons start desynchronised.
    n_features_in_ : int
    delays_ : scipy.sparse.csr_matrix of shape (n_units, n_units)
        Synaptic delay (ms, whole steps of ``dt``) of each connection of
        ``W_``, same sparsity pattern (a stored entry may be 0). Read-only,
        like ``W_``.
    n_features_out_ : int
        ``n_traces * n_units`` (``n_traces`` the number of ``tau_trace``
        values), plus ``n_units`` with ``include_membrane``.
    firing_rates_ : ndarray of shape (n_units,)
        Firing rate of each neuron (Hz) over the last :meth:`transform`.
    mean_rate_ : float
        Mean firing rate (Hz) over the last :meth:`transform`.
    fraction_silent_ : float
        Fraction of neurons that did not spike in the last :meth:`transform`.
    final_state_ : ndarray
        Last internal state(s) of the most recent :meth:`transform`. One
        series' state is the flat vector [membrane potentials (N), excitatory
        and inhibitory synaptic currents (2N), remaining refractory steps (N),
        filtered traces (n_traces x N), synaptic current jumps still in
        flight, in order of arrival (D x 2N, D the longest delay in steps of
        ``dt``)]; a run started from it continues exactly where the previous
        one stopped.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import LSM
    >>> u = np.sin(np.linspace(0, 20, 300))
    >>> lsm = LSM(n_units=100, random_state=0)
    >>> states = lsm.fit_transform(u)
    >>> states.shape  # two traces (10 and 40 ms) per neuron
    (300, 200)
    >>> bool(lsm.mean_rate_ > 0)
    True
    """

    def __init__(
        self,
        n_units=200,
        spectral_radius=3.0,
        inhibitory_fraction=0.2,
        inhibition_balance=2.0,
        topology="random",
        n_connections=20,
        connectivity=None,
        connection_lambda=2.0,
        grid_shape=None,
        weight_distribution="normal",
        input_scaling=5.0,
        input_connectivity=None,
        input_encoding="current",
        input_rate=200.0,
        background_current=14.0,
        tau_membrane=5.0,
        v_threshold=15.0,
        v_reset=13.5,
        refractory_period=2.0,
        tau_syn_exc=2.0,
        tau_syn_inh=2.0,
        synaptic_delay=(18.0, 198.0),
        tau_trace=(10.0, 40.0),
        dt=2.0,
        steps_per_input=10,
        include_membrane=False,
        dtype="float64",
        random_state=None,
    ):
        self.n_units = n_units
        self.spectral_radius = spectral_radius
        self.inhibitory_fraction = inhibitory_fraction
        self.inhibition_balance = inhibition_balance
        self.topology = topology
        self.n_connections = n_connections
        self.connectivity = connectivity
        self.connection_lambda = connection_lambda
        self.grid_shape = grid_shape
        self.weight_distribution = weight_distribution
        self.input_scaling = input_scaling
        self.input_connectivity = input_connectivity
        self.input_encoding = input_encoding
        self.input_rate = input_rate
        self.background_current = background_current
        self.tau_membrane = tau_membrane
        self.v_threshold = v_threshold
        self.v_reset = v_reset
        self.refractory_period = refractory_period
        self.tau_syn_exc = tau_syn_exc
        self.tau_syn_inh = tau_syn_inh
        self.synaptic_delay = synaptic_delay
        self.tau_trace = tau_trace
        self.dt = dt
        self.steps_per_input = steps_per_input
        self.include_membrane = include_membrane
        self.dtype = dtype
        self.random_state = random_state

    _parameter_constraints = {
        "n_units": [Interval("integer", 1)],
        "spectral_radius": [Interval("real", 0)],
        "inhibitory_fraction": [Interval("real", 0, 1, closed="left")],
        "inhibition_balance": [Interval("real", 0)],
        "topology": [Options(*_TOPOLOGIES)],
        "n_connections": [Interval("integer", 1)],
        "connectivity": [Interval("real", 0, 1, closed="right"), None],
        "connection_lambda": [Interval("real", 0, closed="neither")],
        "grid_shape": [None, Satisfies(_is_grid_shape, "three positive integers")],
        "weight_distribution": [Options(*WEIGHT_DISTRIBUTIONS)],
        "input_scaling": INPUT_SCALING,
        "input_connectivity": [Interval("real", 0, 1, closed="right"), None],
        "input_encoding": [Options(*_ENCODINGS)],
        "input_rate": [Interval("real", 0, closed="neither")],
        "background_current": [Interval("real")],
        "tau_membrane": [Interval("real", 0, closed="neither")],
        "v_threshold": [Interval("real")],
        "v_reset": [Interval("real")],
        "refractory_period": [Interval("real", 0)],
        "tau_syn_exc": [Interval("real", 0, closed="neither")],
        "tau_syn_inh": [Interval("real", 0, closed="neither")],
        "synaptic_delay": [Interval("real", 0),
                           Satisfies(_is_delay_pair, "a pair (low, high) with 0 <= low <= high")],
        "tau_trace": [Interval("real", 0, closed="neither"),
                      Satisfies(_is_time_constants, "a non-empty sequence of numbers > 0")],
        "dt": [Interval("real", 0, closed="neither")],
        "steps_per_input": [Interval("integer", 1)],
        "include_membrane": [BOOLEAN],
        "dtype": DTYPE,
        "random_state": [RANDOM_STATE],
    }

    # -- validation ---------------------------------------------------------------------
    def _check_params(self):
        """What ``_parameter_constraints`` cannot say: the reset potential is below threshold."""
        if self.v_reset >= self.v_threshold:
            raise ValueError(
                f"v_reset must be below v_threshold; got v_reset={self.v_reset!r} and "
                f"v_threshold={self.v_threshold!r}."
            )

    # -- derived step counts ------------------------------------------------------------
    @property
    def _refractory_steps(self):
        return int(round(self.refractory_period / self.dt))

    @property
    def _delay_range_steps(self):
        """Shortest and longest synaptic delay in whole steps of ``dt``."""
        low, high = np.broadcast_to(np.asarray(self.synaptic_delay, dtype=float), (2,))
        return int(round(low / self.dt)), int(round(high / self.dt))

    @property
    def _trace_time_constants(self):
        return np.atleast_1d(np.asarray(self.tau_trace, dtype=float))

    # -- hooks ---------------------------------------------------------------------------
    def _initialize(self, n_features, rng):
        n = self.n_units
        self.inhibitory_ = self._draw_inhibitory(rng)
        magnitudes = self._draw_magnitudes(rng)
        signed = self._apply_dale(magnitudes)
        self.W_ = scale_to_spectral_radius(signed, float(self.spectral_radius)).tocsr()
        self.W_in_ = input_matrix(
            n, n_features, input_scaling=self.input_scaling, distribution="uniform",
            connectivity=self.input_connectivity, random_state=rng, dtype=self._dtype,
        )
        self.initial_potential_ = rng.uniform(self.v_reset, self.v_threshold, n).astype(self._dtype)
        n_traces = len(self._trace_time_constants)
        self.n_features_out_ = (n_traces + 1) * n if self.include_membrane else n_traces * n
        self.delays_ = self._draw_delays(rng)
        self._synapses = _Synapses(self._jumps(), self.inhibitory_, self.delays_ / self.dt)

    def __getstate__(self):
        """Pickled (and :mod:`reservoir.io`) state without the synapse tables.

        They are derived from ``W_``, ``inhibitory_`` and ``delays_`` (several
        times the size of ``W_``'s data) and rebuilt on loading.
        """
        state = dict(super().__getstate__())  # a copy, not self.__dict__
        state.pop("_synapses", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "W_" in state and "_synapses" not in state:
            self._synapses = _Synapses(self._jumps(), self.inhibitory_, self.delays_ / self.dt)

    def _draw_delays(self, rng):
        """Delay (ms) of each connection of ``W_``, on whole steps uniform over the range.

        Nothing is drawn for a single delay, so that the liquid of a given seed
        does not depend on it.
        """
        low, high = self._delay_range_steps
        delays = self.W_.copy().astype(float)
        steps = rng.randint(low, high + 1, delays.nnz) if high > low else np.full(delays.nnz, low)
        delays.data = steps * float(self.dt)
        return delays

    def _draw_inhibitory(self, rng):
        n_inhibitory = int(round(self.inhibitory_fraction * self.n_units))
        inhibitory = np.zeros(self.n_units, dtype=bool)
        inhibitory[rng.choice(self.n_units, n_inhibitory, replace=False)] = True
        return inhibitory

    def _draw_magnitudes(self, rng):
        """Positive weight magnitudes on the chosen topology (rows are targets)."""
        if self.topology == "column":
            self.positions_ = column_positions(self.n_units, self.grid_shape)
            mask = column_connectivity(self.positions_, self.inhibitory_,
                                       self.connection_lambda, rng).tocoo()
            values = np.abs(draw_weights(rng, mask.nnz, self.weight_distribution))
            return sp.csr_matrix((values, (mask.row, mask.col)), shape=mask.shape)
        self.positions_ = None
        W = reservoir_matrix(
            self.n_units, topology="random", n_connections=self.n_connections,
            connectivity=self.connectivity, distribution=self.weight_distribution,
            random_state=rng,
        )
        return abs(sp.csr_matrix(W))

    def _apply_dale(self, magnitudes):
        """Sign the columns by neuron type and scale inhibition to ``inhibition_balance``."""
        excitatory_total = magnitudes[:, ~self.inhibitory_].sum()
        inhibitory_total = magnitudes[:, self.inhibitory_].sum()
        gain = (self.inhibition_balance * excitatory_total / inhibitory_total
                if inhibitory_total > 0 else 0.0)
        column_sign = np.where(self.inhibitory_, -gain, 1.0)
        return sp.csr_matrix(magnitudes @ sp.diags(column_sign))

    def _jumps(self):
        """Current jump (mV) each spike delivers, from the dimensionless ``W_``."""
        tau_syn = np.where(self.inhibitory_, self.tau_syn_inh, self.tau_syn_exc)
        unit = (self.v_threshold - self.v_reset) * self.tau_membrane / tau_syn
        return sp.csr_matrix(self.W_ @ sp.diags(unit)).astype(self._dtype)

    def _state_size(self):
        return _LiquidState.size(self.n_units, self._delay_range_steps[1],
                                 len(self._trace_time_constants))

    def default_state(self, batch_size):
        """Resting state: no current, no spikes, potentials ``initial_potential_``.

        Parameters
        ----------
        batch_size : int

        Returns
        -------
        ndarray of shape (batch_size, S)
        """
        check_is_fitted(self)
        state = super().default_state(batch_size)
        state[:, :self.n_units] = self.initial_potential_
        return state

    # -- simulation ----------------------------------------------------------------------
    def simulate(self, inputs, state, rng=None):
        """Advance a block of equal-length series.

        Parameters
        ----------
        inputs : ndarray of shape (B, T, n_features_in_)
        state : ndarray of shape (B, S)
            Internal states (layout under ``final_state_`` in the class docstring).
        rng : RandomStreams, numpy Generator or None
            Source of the Poisson input spikes (:mod:`reservoir.base`,
            "Randomness"): per-series streams; one generator shared by the
            block, drawn in order; or None, the streams of the block's own
            series (keyed by their values, time offset 0).

        Returns
        -------
        features : ndarray of shape (B, T, n_features_out_)
            Filtered spike traces (then membrane potentials if
            ``include_membrane``) at the end of each input step.
        final_state : ndarray of shape (B, S)
        """
        dtype = self._dtype
        inputs = np.asarray(inputs, dtype=dtype)
        n_batch, n_steps, _ = inputs.shape
        rng = check_rng(rng, n_batch)
        liquid = _LiquidState(np.asarray(state), self.n_units, self._delay_range_steps[1],
                              len(self._trace_time_constants), dtype)
        if self.input_encoding == "poisson":
            rng = RandomStreams.of(inputs) if rng is None else rng
            drive = _PoissonDrive(self, inputs, rng)
        else:
            drive = _CurrentDrive(self, inputs)
        features, spike_counts = self._run(liquid, drive, n_batch, n_steps)
        tally = getattr(self, "_tally", None)
        if tally is not None:
            tally.add(spike_counts, n_steps * self.steps_per_input * self.dt)
        return features, liquid.pack()

    def _run(self, liquid, drive, n_batch, n_steps):
        """The time loop; returns the features and the spike count of every neuron, (B, N).

        BLAS runs on one thread meanwhile (:func:`reservoir.esn.one_blas_thread`).
        """
        n_trace_features = liquid.trace.shape[1] * self.n_units
        stepper = _LIFStepper(self, n_batch)
        features = np.empty((n_batch, n_steps, self.n_features_out_), dtype=self._dtype)
        total = np.empty_like(liquid.v)
        counts = np.zeros(liquid.v.shape, dtype=np.int64)
        with one_blas_thread():  # no per-step product may wait on BLAS's threads
            for t in range(n_steps):
                for k in range(self.steps_per_input):
                    drive.current_at(t, k, liquid.current, out=total)
                    counts += stepper.step(liquid, total)
                features[:, t, :n_trace_features] = liquid.trace.reshape(n_batch, -1)
                if self.include_membrane:
                    features[:, t, n_trace_features:] = liquid.v
        return features, counts

    # -- transform with activity statistics -------------------------------------------------
    def transform(self, X, initial_state=None, noise=False, streams=None):
        """Return the liquid states for ``X`` and record the firing statistics.

        Parameters
        ----------
        X : array-like (T, d), list of (T_i, d) arrays, or (n, T, d) array
        initial_state : array-like of shape (S,) or (n_series, S), optional
        noise : bool, default=False
            Accepted for the reservoir interface (:meth:`BaseReservoir.run`);
            the liquid has no state noise. Poisson input spikes are always
            drawn, from each series' own stream.
        streams : RandomStreams, optional
            The series' random streams (see :meth:`BaseReservoir.run`).

        Returns
        -------
        states : ndarray ``(T, n_features_out_)``, list of ``(T_i, n_features_out_)`` arrays,
            or ``(n, T, n_features_out_)`` array, in the layout of ``X``.

        Warns
        -----
        LiquidActivityWarning
            When more than 90 % of the neurons stay silent, or the mean rate
            exceeds half the maximum rate ``1 / (refractory_period + dt)``.
        """
        self._tally = _SpikeTally(self.n_units)
        try:
            states = super().transform(X, initial_state=initial_state, noise=noise,
                                       streams=streams)
            self.firing_rates_ = self._tally.rates()
        finally:
            del self._tally
        self.mean_rate_ = float(self.firing_rates_.mean())
        self.fraction_silent_ = float(np.mean(self.firing_rates_ == 0))
        self._warn_on_activity()
        return states

    @property
    def max_rate(self):
        """Highest firing rate a neuron can reach (Hz): one spike per refractory period + step."""
        return 1000.0 / ((self._refractory_steps + 1) * self.dt)

    def _warn_on_activity(self):
        if self.fraction_silent_ > SILENT_FRACTION:
            warnings.warn(
                f"The liquid is nearly silent: {self.fraction_silent_:.0%} of the neurons never "
                f"spiked (mean rate {self.mean_rate_:.2f} Hz). Raise input_scaling, "
                "background_current or spectral_radius.",
                LiquidActivityWarning, stacklevel=4,
            )
        elif self.mean_rate_ > SATURATED_FRACTION_OF_MAX_RATE * self.max_rate:
            warnings.warn(
                f"The liquid is saturated: mean rate {self.mean_rate_:.0f} Hz, more than half "
                f"the maximum {self.max_rate:.0f} Hz. Lower spectral_radius, input_scaling or "
                "background_current.",
                LiquidActivityWarning, stacklevel=4,
            )


class _SpikeTally:
    """Spike counts reported by ``simulate`` while ``transform`` runs."""

    def __init__(self, n_units):
        self.counts = np.zeros(n_units)
        self.neuron_ms = 0.0

    def add(self, counts, duration_ms):
        """Add the spike counts (B, N) of a batch of series that each ran ``duration_ms``."""
        self.counts += counts.sum(axis=0)
        self.neuron_ms += duration_ms * counts.shape[0]

    def rates(self):
        return 1000.0 * self.counts / self.neuron_ms if self.neuron_ms else self.counts * 0.0


class _CurrentDrive:
    """Input injected as current: ``background + W_in @ u`` held over each input step."""

    def __init__(self, lsm, inputs):
        self.drive = np.einsum("btd,nd->tbn", inputs, lsm.W_in_)  # (T, B, N)
        self.drive += inputs.dtype.type(lsm.background_current)
        self.n = lsm.n_units

    def current_at(self, t, k, synaptic, *, out):
        """Total current (B, N) in sub-step k of input step t, given the synaptic currents."""
        np.add(synaptic[:, :self.n], synaptic[:, self.n:], out=out)
        out += self.drive[t]


class _PoissonDrive:
    """Input as Poisson spike trains into the excitatory synaptic current (see ``LSM``).

    With per-series :class:`~reservoir.base.RandomStreams`, the spike counts of
    an input step are drawn by inversion from that step's uniforms in the
    series' own stream, a window of input steps at a time; with a numpy
    Generator, from the shared stream, one input step at a time.
    """

    def __init__(self, lsm, inputs, rng):
        self.n = lsm.n_units
        rate_per_ms = lsm.input_rate / 1000.0
        self.expected = np.abs(inputs) * (rate_per_ms * lsm.dt)  # (B, T, d) spikes per step
        self.jump = np.sign(inputs)
        # A jump J per spike at lam spikes per step holds the filtered current at
        # J * lam / (1 - exp(-dt / tau_syn)) on average: J is chosen to make that W_in @ u.
        self.weights = lsm.W_in_ * (-np.expm1(-lsm.dt / lsm.tau_syn_exc) / (rate_per_ms * lsm.dt))
        self.background = inputs.dtype.type(lsm.background_current)
        self.steps = lsm.steps_per_input
        self.rng = rng
        self.seed = getattr(lsm, "noise_seed_", 0)
        self._block = None
        self._window = None
        self._window_start = 0

    def _draw(self, t):
        """Jumps for all sub-steps of input step t: (steps, B, N)."""
        if isinstance(self.rng, RandomStreams):
            return self._draw_keyed(t)
        n_batch, _, n_features = self.expected.shape
        lam = np.broadcast_to(self.expected[None, :, t, None, :],
                              (self.steps, n_batch, self.n, n_features))
        counts = self.rng.poisson(lam)
        signed = counts * self.jump[None, :, t, None, :]
        return np.einsum("sbnd,nd->sbn", signed, self.weights).astype(self.background.dtype)

    def _draw_keyed(self, t):
        """Jumps of input step t from the per-series streams, drawn a window of steps at a time."""
        if self._window is None or t - self._window_start >= len(self._window):
            self._fill_window(t)
        return self._window[t - self._window_start]

    def _fill_window(self, start):
        n_batch, n_steps, n_features = self.expected.shape
        per_step = self.steps * self.n * n_features
        length = min(n_steps - start, max(1, POISSON_WINDOW_VALUES // max(n_batch * per_step, 1)))
        stop = start + length
        uniforms = self.rng.shifted(start).uniforms(self.seed, length, per_step)
        uniforms = uniforms.reshape(n_batch, length, self.steps, self.n, n_features)
        counts = poisson_quantiles(uniforms, self.expected[:, start:stop, None, None, :])
        counts *= self.jump[:, start:stop, None, None, :]
        self._window = np.einsum("btsnd,nd->tsbn", counts, self.weights).astype(
            self.background.dtype)
        self._window_start = start

    def current_at(self, t, k, synaptic, *, out):
        """Total current (B, N) in sub-step k of input step t; adds the input spikes first."""
        if k == 0:
            self._block = self._draw(t)
        synaptic[:, :self.n] += self._block[k]
        np.add(synaptic[:, :self.n], synaptic[:, self.n:], out=out)
        out += self.background


#: Uniform draws held at once by the Poisson encoding (bounds its memory: 32 MB).
POISSON_WINDOW_VALUES = 2**22
#: Rates up to this many spikes per step are drawn by sequential search of the CDF;
#: larger ones start from a normal approximation and correct it with the exact CDF.
_POISSON_SEARCH_MAX_RATE = 10.0


def poisson_quantiles(uniforms, rates):
    """Poisson draws by inversion: the smallest ``k`` with ``P(K <= k) > u``, ``K ~ Poisson(rate)``.

    A deterministic function of each uniform, so that spike counts follow the
    per-series, per-step streams exactly (numpy's samplers consume a variable
    number of random values).

    Parameters
    ----------
    uniforms : ndarray of values in [0, 1)
    rates : ndarray >= 0 broadcastable to ``uniforms.shape`` (NaN gives 0)

    Returns
    -------
    ndarray of float64 counts, shape of ``uniforms``
    """
    shape = uniforms.shape
    u = uniforms.reshape(-1)
    lam = np.broadcast_to(np.nan_to_num(np.asarray(rates, dtype=np.float64), posinf=0.0), shape)
    counts = np.zeros(u.size)
    # Sequential search for small rates: P(0) = exp(-lam), P(k) = P(k-1) lam / k.
    first = np.exp(-lam).reshape(-1)
    lam = lam.reshape(-1)
    index = np.flatnonzero((u >= first) & (lam <= _POISSON_SEARCH_MAX_RATE))
    rate, target = lam[index], u[index]
    term = first[index]
    cdf = term.copy()
    k = 0
    while index.size:
        k += 1
        counts[index] = k
        term = term * rate / k
        cdf += term
        going = (target >= cdf) & (term > 0)
        index, rate, target, term, cdf = (a[going] for a in (index, rate, target, term, cdf))
    # Large rates: normal start, then the exact CDF moves k to the quantile.
    index = np.flatnonzero(lam > _POISSON_SEARCH_MAX_RATE)
    if index.size:
        rate, target = lam[index], u[index]
        guess = np.floor(rate + np.sqrt(rate) * ndtri(np.clip(target, 2.0**-54, None)))
        k = np.maximum(guess, 0.0)
        for _ in range(64):  # a few steps suffice; bounded for safety
            up = pdtr(k, rate) <= target
            down = (k > 0) & (pdtr(k - 1, rate) > target)
            if not (up.any() or down.any()):
                break
            k = k + up - down
        counts[index] = k
    return counts.reshape(shape)
