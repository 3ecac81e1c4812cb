"""The reservoir contract: a scikit-learn transformer from input series to state series.

Every reservoir (``ESN``, ``LSM``, deep and bidirectional variants) derives from
:class:`BaseReservoir` and implements three hooks:

* ``_initialize(n_features, rng)`` draws the fixed weights at ``fit`` time;
* ``_state_size()`` is the length of the internal state vector S that a run
  starts from and ends in (``initial_state=`` / ``final_state_``);
* ``simulate(inputs, state, rng)`` advances a block of equal-length series,
  ``inputs`` of shape (B, T, d) from internal states (B, S), and returns the
  features handed to the readout, ``(B, T, n_features_out_)``, and the final
  internal states (B, S). ``rng`` says where its random numbers come from
  (see "Randomness" below).

The base class does the rest once for all reservoirs: input validation, the
caller's data layout (one series, a list, a 3-D block), grouping ragged lists
by length so that equal-length series advance together, and initial states.
The estimators in :mod:`reservoir.estimators` only ever call ``fit``,
``transform``, ``run``, ``simulate`` and ``default_state``, so any reservoir
that honours this contract works in all of them.

Randomness
----------
Some reservoirs draw random numbers while they run: the state noise of an
:class:`~reservoir.ESN` (``state_noise``) and the Poisson spikes of an
:class:`~reservoir.LSM` with ``input_encoding="poisson"``. A series' result
never depends on which other series share its batch, nor on how it is cut
into blocks, because every series draws from its own stream
(:class:`RandomStreams`): a counter-based generator (numpy's
:class:`~numpy.random.Philox`) keyed by the reservoir's ``noise_seed_`` and by
the series' key, a hash of its values (:func:`series_key`), and positioned at
the time step, so the draws for step ``t`` of a series are the same whether
the step is simulated alone, in a block starting at ``t`` or in the whole
series, and whichever series run beside it. "The same series" is the same
values: two runs of one series see the same draws, in any batch. The
estimators key a series by the values the caller gave them, before scaling
(the scaling statistics depend in their last bits on the order of the training
series), and cut training series into blocks themselves
(``STATE_BLOCK_STEPS``), keying every block by the whole series and its
offset in it. A series cut into pieces that are run separately
(``run(piece, initial_state=...)``) keys each piece by its own values, unless
the pieces are given the series' streams (``run(piece, initial_state=...,
streams=RandomStreams([key], offsets=[t]))``).

State noise is a training-time regulariser, like dropout: the estimators add
it when they compute training states (``fit``), :meth:`BaseReservoir.fit_transform`
adds it (it returns training features, as a pipeline's ``fit`` uses them),
and prediction, :meth:`BaseReservoir.transform` and :meth:`BaseReservoir.run`
leave it out unless asked for with ``noise=True``. Poisson spikes encode the
input, so they are drawn in every run.

``simulate`` receives as ``rng``:

* a :class:`RandomStreams` (what the library passes): per-series streams, with
  ``state_noise`` telling whether state noise is added;
* None: the streams of the block's own series (keys from their values, time
  offset 0), without state noise;
* a :class:`numpy.random.Generator`: one stream shared by the whole block and
  drawn in order, state noise included (two runs given generators of the same
  seed see the same noise; :mod:`reservoir.analysis` uses this to drive a
  reference and a perturbed trajectory with identical noise). The draws then
  depend on the block's composition.
"""

from __future__ import annotations

import hashlib
import numbers
import warnings
from abc import ABCMeta, abstractmethod

import numpy as np
from scipy.special import ndtri
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._batching import equal_length_blocks, scatter
from ._validation import check_bool, check_series, record_n_features, validate_params
from .exceptions import NonFiniteStateWarning

__all__ = [
    "BaseReservoir",
    "RandomStreams",
    "adds_state_noise",
    "resolve_dtype",
    "series_key",
]

_DTYPES = {"float64": np.float64, "float32": np.float32}


def resolve_dtype(dtype):
    """Map the ``dtype`` parameter ("float64"/"float32" or the numpy type) to a numpy type."""
    key = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    if key not in _DTYPES:
        raise ValueError(f"dtype must be 'float64' or 'float32'; got {dtype!r}.")
    return _DTYPES[key]


#: |x| beyond which a tanh unit counts as saturated: its derivative is below 0.02, so the
#: unit passes on little more than the sign of its input.
SATURATION_LEVEL = 0.99
#: Estimators warn when more than this fraction of the training state values are saturated.
SATURATION_WARNING_FRACTION = 0.5


# -- per-series random streams ---------------------------------------------------------------
#: 64-bit words numpy's Philox generator produces per increment of its counter.
_PHILOX_WORDS = 4
#: Smallest uniform handed to the inverse normal CDF, in place of an exact 0.
_SMALLEST_UNIFORM = 2.0**-54


def series_key(series) -> int:
    """The 64-bit key of a series' random streams: a hash of its values and shape.

    Parameters
    ----------
    series : array-like
        One series, e.g. (T, d); hashed as float64, so the key does not
        depend on the dtype the values are stored in.

    Returns
    -------
    int in [0, 2**64)
    """
    values = np.ascontiguousarray(series, dtype=np.float64)
    digest = hashlib.blake2b(repr(values.shape).encode(), digest_size=8)
    digest.update(values.data if values.size else b"")
    return int.from_bytes(digest.digest(), "little")


def _mix64(values):
    """SplitMix64's finaliser on a uint64 array: well spread new keys from old ones."""
    with np.errstate(over="ignore"):
        z = values.astype(np.uint64, copy=True)
        z ^= z >> np.uint64(30)
        z *= np.uint64(0xBF58476D1CE4E5B9)
        z ^= z >> np.uint64(27)
        z *= np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return z


class RandomStreams:
    """The random streams of a block of series: one per series, positioned in time.

    Series ``b`` draws from numpy's counter-based :class:`~numpy.random.Philox`
    generator with the 128-bit key ``(keys[b], seed)`` (``seed`` the
    reservoir's ``noise_seed_``), its counter set to the time step
    ``offsets[b]``: every time step owns a fixed stretch of the stream, so the
    values drawn for step ``t`` of a series do not depend on where the block
    starts or which series run beside it (see the module docstring).

    Parameters
    ----------
    keys : array-like of int, shape (B,)
        One key per series (:func:`series_key`).
    offsets : int or array-like of int, shape (B,), default=0
        Time step, within each series, of the first step of the block.
    state_noise : bool, default=False
        Whether reservoirs with state noise add it (training) or not
        (prediction). Draws that encode the input (Poisson spikes) are made
        either way.
    """

    def __init__(self, keys, offsets=0, *, state_noise=False):
        self._series = None
        self._keys = np.asarray(keys, dtype=np.uint64).reshape(-1)
        self._set_offsets(offsets, len(self._keys))
        self.state_noise = bool(state_noise)

    def _set_offsets(self, offsets, n_series):
        offsets = np.asarray(offsets)
        if offsets.dtype.kind not in "iu" or np.any(offsets < 0):
            raise ValueError(f"offsets must be integers >= 0; got {offsets!r}.")
        self.offsets = np.broadcast_to(offsets.astype(np.int64), (n_series,)).copy()

    @classmethod
    def of(cls, series, *, state_noise=False):
        """The streams of whole series (offset 0), keyed by their values.

        The keys are computed when first needed, so a run that draws nothing
        pays nothing.

        Parameters
        ----------
        series : list of (T_i, d) arrays or (B, T, d) array
        state_noise : bool, default=False

        Returns
        -------
        RandomStreams
        """
        streams = cls.__new__(cls)
        streams._series = list(series)
        streams._keys = None
        streams._set_offsets(0, len(streams._series))
        streams.state_noise = bool(state_noise)
        return streams

    @property
    def keys(self):
        """The series keys, uint64 array of shape (B,)."""
        if self._keys is None:
            self._keys = np.array([series_key(s) for s in self._series], dtype=np.uint64)
            self._series = None
        return self._keys

    def __len__(self):
        return len(self.offsets)

    def _copy(self, offsets):
        streams = RandomStreams.__new__(RandomStreams)
        streams._series, streams._keys = self._series, self._keys
        streams.offsets, streams.state_noise = offsets, self.state_noise
        return streams

    def take(self, members):
        """The streams of the series at positions ``members`` (a list of indices)."""
        members = np.asarray(members, dtype=np.intp)
        streams = self._copy(self.offsets[members])
        if self._keys is None:
            streams._series = [self._series[i] for i in members]
        else:
            streams._keys = self._keys[members]
        return streams

    def with_state_noise(self, state_noise):
        """The same streams, adding state noise or not."""
        streams = self._copy(self.offsets)
        streams.state_noise = bool(state_noise)
        return streams

    def shifted(self, steps):
        """The same streams ``steps`` time steps later (for the next block of a series)."""
        if steps == 0:
            return self
        return self._copy(self.offsets + int(steps))

    def derived(self, tag):
        """Independent streams for the same series (e.g. a second pass over them).

        Parameters
        ----------
        tag : int >= 1
            Distinct tags give distinct, independent keys.
        """
        streams = self._copy(self.offsets)
        streams._series = None
        streams._keys = _mix64(self.keys ^ _mix64(np.full(len(self), tag, dtype=np.uint64)))
        return streams

    def _draws(self, seed, n_steps, n_per_step):
        """Uniforms on [0, 1) in a (B, n_steps, words) buffer, ``words`` >= ``n_per_step``.

        Each time step takes whole Philox blocks (``words`` a multiple of 4), so
        step ``t`` starts at counter ``t * words / 4`` of every series' stream.
        """
        words = -(-n_per_step // _PHILOX_WORDS) * _PHILOX_WORDS
        out = np.empty((len(self), n_steps, words))
        for b, (key, offset) in enumerate(zip(self.keys, self.offsets, strict=True)):
            counter = int(offset) * (words // _PHILOX_WORDS)
            generator = np.random.Generator(np.random.Philox(
                key=np.array([key, seed], dtype=np.uint64), counter=counter))
            generator.random(out=out[b].reshape(-1))
        return out

    def uniforms(self, seed, n_steps, n_per_step):
        """Uniform draws on [0, 1), ``n_per_step`` per series and time step.

        Parameters
        ----------
        seed : int in [0, 2**64)
            The drawing reservoir's seed (``noise_seed_``).
        n_steps, n_per_step : int

        Returns
        -------
        ndarray of shape (B, n_steps, n_per_step), float64
        """
        return self._draws(seed, n_steps, n_per_step)[:, :, :n_per_step]

    def normals(self, seed, n_steps, n_per_step):
        """Standard normal draws (inverse CDF of :meth:`uniforms`), (B, n_steps, n_per_step)."""
        draws = self._draws(seed, n_steps, n_per_step)
        np.maximum(draws, _SMALLEST_UNIFORM, out=draws)
        ndtri(draws, out=draws)
        return draws[:, :, :n_per_step]


def check_rng(rng, n_series):
    """Validate the ``rng`` argument of ``simulate`` (see the module docstring)."""
    if rng is None or isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, RandomStreams):
        if len(rng) != n_series:
            raise ValueError(f"rng holds the streams of {len(rng)} series but the block has "
                             f"{n_series}.")
        return rng
    raise TypeError("rng must be None, a reservoir.base.RandomStreams or a numpy Generator; "
                    f"got {type(rng).__name__}.")


def adds_state_noise(reservoir) -> bool:
    """Whether training runs of ``reservoir`` add state noise (a ``state_noise`` above 0).

    Read from its (nested) parameters, so a deep or composed reservoir with
    noise in any layer counts.
    """
    return any(name.rsplit("__", 1)[-1] == "state_noise" and isinstance(value, numbers.Real)
               and value > 0 for name, value in reservoir.get_params(deep=True).items())


def draws_at_random(reservoir) -> bool:
    """Whether runs of ``reservoir`` draw random numbers (state noise or Poisson spikes).

    Read from its (nested) parameters: a ``state_noise`` above 0 or an
    ``input_encoding`` of ``"poisson"`` anywhere in it.
    """
    return adds_state_noise(reservoir) or any(
        name.rsplit("__", 1)[-1] == "input_encoding" and value == "poisson"
        for name, value in reservoir.get_params(deep=True).items())


class BaseReservoir(TransformerMixin, BaseEstimator, metaclass=ABCMeta):
    """Base class for reservoirs; see the module docstring for the contract."""

    #: False for reservoirs that read the future of a series (bidirectional);
    #: forecasters refuse those.
    causal = True

    # -- hooks -----------------------------------------------------------------
    #: ``{parameter: [constraint, ...]}`` checked at ``fit`` by
    #: :func:`reservoir._validation.validate_params`; subclasses declare their own.
    _parameter_constraints: dict = {}

    def _check_params(self):
        """Checks that involve several parameters, run at fit after the constraint table."""

    @abstractmethod
    def _initialize(self, n_features, rng):
        """Draw the fixed weights for ``n_features`` inputs."""

    @abstractmethod
    def _state_size(self) -> int:
        """Length S of the internal state vector."""

    @abstractmethod
    def simulate(self, inputs, state, rng=None):
        """Advance (B, T, d) inputs from (B, S) states; return (states_out, final_state)."""

    def saturated_count(self, states):
        """Number of state values in the saturated range of the activation, or None.

        None (the default) for reservoirs without a saturating activation; tanh
        reservoirs count the values with ``|x| > SATURATION_LEVEL``. Estimators
        use it to warn (:class:`SaturationWarning`) when most training states
        are saturated.

        Parameters
        ----------
        states : ndarray (..., n_features_out_)

        Returns
        -------
        int or None
        """
        return None

    def _regime(self) -> str:
        """The parameters that set the reservoir's dynamics, for warning messages."""
        names = ("spectral_radius", "activation", "leak_rate", "input_scaling")
        return ", ".join(f"{name}={getattr(self, name)!r}" for name in names
                         if hasattr(self, name))

    def _warn_if_non_finite(self, inputs, final_state):
        """Warn when finite inputs drove the state to inf/NaN (it then stays non-finite)."""
        if np.isfinite(final_state).all() or not np.isfinite(inputs).all():
            return
        warnings.warn(
            f"The states of {type(self).__name__}({self._regime()}) became infinite or NaN: "
            "the reservoir is unstable for these inputs. Lower spectral_radius (below 1 "
            "for a linear reservoir), use a saturating activation ('tanh'), or scale the "
            "inputs down (scale='standard' in the estimators).",
            NonFiniteStateWarning, stacklevel=3,
        )

    # -- shared machinery ----------------------------------------------------------
    @property
    def _dtype(self):
        return resolve_dtype(getattr(self, "dtype", "float64"))

    def fit(self, X, y=None):
        """Draw the fixed weights for the number of features of ``X``.

        Parameters
        ----------
        X : array-like (T, d), list of (T_i, d) arrays, or (n, T, d) array
            Input series; only their number of features is used.
        y : ignored

        Returns
        -------
        self
        """
        series = self._validated_for_fit(X)
        rng = check_random_state(getattr(self, "random_state", None))
        self._initialize(series.n_features, rng)
        # Seed of the state-noise stream: every run with the same seed sees the same noise.
        self.noise_seed_ = int(rng.randint(0, 2**31 - 1))
        return self

    def _validated_for_fit(self, X):
        """Check the parameters and ``X`` at fit; record ``n_features_in_``; return X validated."""
        validate_params(self)
        self._check_params()
        series = check_series(X, name="X", dtype=self._dtype)
        record_n_features(self, series, reset=True)
        return series

    def default_state(self, batch_size: int) -> np.ndarray:
        """The resting internal state, shape (batch_size, S): zeros unless overridden."""
        return np.zeros((batch_size, self._state_size()), dtype=self._dtype)

    def noise_rng(self):
        """A fresh generator of the shared noise stream (same stream for every call).

        One stream for a whole block of series, drawn in order: what
        :mod:`reservoir.analysis` passes to :meth:`simulate` to give two
        trajectories the same noise. Runs and the estimators use per-series
        :class:`RandomStreams` instead (module docstring).
        """
        return np.random.default_rng(self.noise_seed_)

    def run(self, X, initial_state=None, noise=False, streams=None):
        """Drive the reservoir with ``X``; return the states and the final internal state(s).

        Unlike :meth:`transform`, this does not modify the estimator.

        Parameters
        ----------
        X : array-like (T, d), list of (T_i, d) arrays, or (n, T, d) array
        initial_state : array-like of shape (S,) or (n_series, S), optional
            Internal state(s) to start from; the resting state by default.
        noise : bool, default=False
            Add the reservoir's state noise (``state_noise`` of an ESN), as
            training does. Off by default: state noise is a training-time
            regulariser. Each series draws from its own stream, keyed by its
            values, so its states do not depend on the other series of ``X``
            (module docstring). Poisson input spikes are drawn either way.
        streams : RandomStreams, optional
            The random streams of the series of ``X``, one per series in the
            order of ``X`` (their ``state_noise`` is replaced by ``noise``).
            By default each series' own streams, keyed by its values, from
            time step 0. Pass ``RandomStreams([key], offsets=[t])`` to continue
            a series cut into pieces where its previous piece stopped, or keys
            of your own to identify series by something other than their values.

        Returns
        -------
        states : same layout as ``X`` with the last axis replaced by the
            number of output features
        final_state : ndarray of shape (S,) for one series, (n_series, S) otherwise
        """
        check_is_fitted(self)
        noise = check_bool(noise, "noise")
        series = check_series(X, name="X", dtype=self._dtype)
        record_n_features(self, series, reset=False)
        start = self._initial_states(initial_state, len(series))
        if streams is None:
            streams = RandomStreams.of(series.series, state_noise=noise)
        elif isinstance(streams, RandomStreams) and len(streams) == len(series):
            streams = streams.with_state_noise(noise)
        else:
            raise ValueError(
                f"streams must be a reservoir.base.RandomStreams with one stream per series "
                f"of X ({len(series)}); got {streams!r}."
            )
        if series.layout == "array":  # one block already: no split and re-stack
            states, final = self.simulate(np.stack(series.series), start, rng=streams)
            return states, final
        pieces, finals = [], np.empty_like(start)
        for members, block in equal_length_blocks(series.series):
            states, finals[members] = self.simulate(block, start[members],
                                                    rng=streams.take(members))
            pieces.append((members, states))
        final_state = finals[0] if series.layout == "single" else finals
        return series.restore(scatter(len(series), pieces)), final_state

    def transform(self, X, initial_state=None, noise=False, streams=None):
        """Return the state sequence(s) for ``X``; the last state is kept in ``final_state_``.

        Parameters
        ----------
        X : array-like (T, d), list of (T_i, d) arrays, or (n, T, d) array
        initial_state : array-like of shape (S,) or (n_series, S), optional
        noise : bool, default=False
            Add the state noise, as training does (see :meth:`run`).
        streams : RandomStreams, optional
            The series' random streams (see :meth:`run`).

        Returns
        -------
        states : ndarray (T, n_out), list of (T_i, n_out) arrays, or (n, T, n_out) array
            Same layout as ``X``.
        """
        states, self.final_state_ = self.run(X, initial_state=initial_state, noise=noise,
                                             streams=streams)
        return states

    def fit_transform(self, X, y=None):
        """Fit, then return the training states of ``X``, state noise included.

        The features a readout is trained on: ``fit(X).transform(X, noise=True)``.
        In a :class:`~sklearn.pipeline.Pipeline`, ``fit`` thus trains the next
        step on noisy states and ``predict`` feeds it noise-free ones
        (:meth:`transform`), as dropout works. Without state noise this is
        ``fit(X).transform(X)``.

        Parameters
        ----------
        X : array-like (T, d), list of (T_i, d) arrays, or (n, T, d) array
        y : ignored

        Returns
        -------
        states : same layout as ``X``
        """
        return self.fit(X, y).transform(X, noise=True)

    def _initial_states(self, initial_state, n_series):
        size = self._state_size()
        if initial_state is None:
            return self.default_state(n_series)
        state = np.asarray(initial_state, dtype=self._dtype)
        if not np.all(np.isfinite(state)):
            raise ValueError("initial_state contains NaN or infinity.")
        if state.shape == (size,):
            return np.repeat(state[None, :], n_series, axis=0)
        if state.shape == (n_series, size):
            return state.copy()
        raise ValueError(
            f"initial_state must have shape ({size},) or ({n_series}, {size}); got {state.shape}."
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        return tags
