"""The ESN time loop on a torch device (a GPU, or the CPU): :class:`TorchReservoir`.

An optional backend (it needs the ``torch`` extra; ``import reservoir`` never
imports torch). :class:`TorchReservoir` wraps an :class:`~reservoir.ESN` or a
:class:`~reservoir.DeepESN` of ESNs, the *template*:

* ``fit`` clones the template and fits it with NumPy, so the weights are
  exactly those of the NumPy reservoir with the same ``random_state``; then
  ``W``, ``W_in`` and the bias of every layer are copied to ``device`` in the
  template's ``dtype``, ``W`` as a sparse CSR tensor when it is sparse enough
  (``sparse="auto"``, :data:`SPARSE_MAX_DENSITY`).
* :meth:`TorchReservoir.simulate` honours the reservoir contract of
  :mod:`reservoir.base` (NumPy in, NumPy out): the whole block of series
  advances on the device as one ``(N, B)`` matrix, one product ``W @ x`` per
  step, and the states come back to the host block by block.
* :meth:`TorchReservoir.advance` runs the same loop and returns only the final
  states: the states never leave the device.
* :meth:`TorchReservoir.fit_readout` runs series on the device and accumulates
  the statistics of a :class:`~reservoir.RidgeReadout` there (a streamed
  triangular factor, in float64); only the ``(N + d + k)``-square factor and
  the means come back to the host, never the ``(T, N)`` states.

It is a reservoir like any other: ``ReservoirRegressor(TorchReservoir(ESN(...)))``
and ``ReservoirForecaster(TorchReservoir(ESN(...)))`` work unchanged (the
forecaster's closed loop then steps through :meth:`~TorchReservoir.simulate`,
one device call per step).

State noise (``state_noise > 0`` on the template) is supported: the noise is
drawn on the host from the same per-series :class:`~reservoir.base.RandomStreams`
as the NumPy ESN draws (:mod:`reservoir.base`, "Randomness"), block by block,
and copied to the device, so noisy states match the NumPy path too.

Precision: float64 states agree with the NumPy path to rounding (about 1e-15);
float32 states to about 1e-6. On a CUDA device, float32 products follow torch's
``torch.backends.cuda.matmul.allow_tf32`` setting (off by default); with TF32
on they are only accurate to about 1e-3.
"""

from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from ._batching import equal_length_blocks
from ._validation import (
    BOOLEAN,
    InstanceOf,
    Interval,
    Options,
    Satisfies,
    check_bool,
    check_paired_series,
    check_series,
    check_washout,
    record_n_features,
)
from .base import BaseReservoir, RandomStreams, check_rng, resolve_dtype
from .composite import DeepESN
from .esn import ESN
from .readouts import RidgeReadout

__all__ = ["TorchReservoir", "SPARSE_MAX_DENSITY", "BLOCK_ELEMENTS"]

#: Density of ``W`` below which ``sparse="auto"`` keeps it as a sparse CSR tensor on the
#: device. Not measured in this project (no GPU was available to its CI): a sparse product
#: (cuSPARSE, or torch's CPU kernel) runs at a few percent of a dense product's speed per
#: multiply-add, so it pays below a few percent nonzeros. The default ESN (10 connections per
#: unit) is sparse from N = 200 up. Force either format with ``sparse=True`` / ``False``.
SPARSE_MAX_DENSITY = 0.05
#: State values (time steps x units x series) held on the device per block of time steps:
#: the input drive of a block is computed in one product, and ``simulate`` copies the states
#: to the host one block at a time. 2**24 values are 64 MiB in float32.
BLOCK_ELEMENTS = 2**24
#: Fewest rows folded into the readout's triangular factor at once (see ``_DeviceFactor``).
MIN_FOLD_ROWS = 1024

_TORCH_DTYPES = {np.float64: torch.float64, np.float32: torch.float32}


class _Layer(NamedTuple):
    """One ESN layer's weights on the device and its update constants."""

    W: torch.Tensor          # (N, N), sparse CSR or dense
    W_in: torch.Tensor       # (N, d)
    bias: torch.Tensor       # (N, 1)
    leak: float
    tanh: bool
    n_units: int
    state_noise: float
    noise_seed: int


def _is_plain_esn(reservoir) -> bool:
    """An ESN whose update is ESN's own (a subclass with another update is not)."""
    return isinstance(reservoir, ESN) and type(reservoir).simulate is ESN.simulate


def _check_device(device):
    """A ``torch.device`` for ``device``, or a ValueError naming the argument.

    The device must exist and hold data that can be copied back to the host
    (``"meta"`` cannot).

    Parameters
    ----------
    device : str or torch.device
        E.g. ``"cpu"``, ``"cuda"``, ``"cuda:1"``.

    Returns
    -------
    torch.device
    """
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise ValueError(f"device must be a torch device such as 'cpu' or 'cuda'; got "
                         f"{device!r} ({exc}).") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} needs a CUDA GPU, but torch.cuda.is_available() "
                         "is False on this machine; use device='cpu'.")
    try:
        torch.zeros(1, device=resolved).cpu()
    except Exception as exc:  # noqa: BLE001 - torch raises many types for unusable devices
        raise ValueError(f"device={device!r} cannot be used by torch here: {exc}") from None
    return resolved


class TorchReservoir(BaseReservoir):
    """An ESN (or a DeepESN of ESNs) whose time loop runs with torch, on a GPU or the CPU.

    The weights are drawn by the NumPy template (``fit``), so they are exactly
    those of the template fitted alone, and copied to ``device``; every run
    then advances the whole block of series on the device, one product per
    step. See :mod:`reservoir.torch` for what travels to the device and back.

    Parameters
    ----------
    reservoir : ESN or DeepESN, optional
        The template, cloned and fitted at ``fit``: an :class:`~reservoir.ESN`
        (default ``ESN()``) or a :class:`~reservoir.DeepESN` whose layers are
        ESNs. Its ``dtype`` sets the precision on the device; its ``n_jobs``
        is not used. Its parameters are reachable as ``reservoir__<name>``.
    device : str, default="cpu"
        A torch device: ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ... Checked at
        ``fit``. It may be changed after fitting (``set_params(device=...)``):
        the weights are copied to the new device on the next run.
    sparse : {"auto", True, False}, default="auto"
        Keep ``W`` as a sparse CSR tensor on the device (True), dense (False),
        or sparse when its density is below :data:`SPARSE_MAX_DENSITY` ("auto").
    block_steps : int or None, default=None
        Time steps computed per block on the device (the input drive of a
        block is one product; ``simulate`` copies the states to the host a
        block at a time). None: as many as keep a block below
        :data:`BLOCK_ELEMENTS` state values. Results do not depend on it.

    Attributes
    ----------
    reservoir_ : ESN or DeepESN
        The fitted NumPy template (its weights are the ones on the device).
    n_features_in_ : int
    n_features_out_ : int
        State features per step (units of all layers).
    noise_seed_ : int
        The fitted template's noise seed.
    final_state_ : ndarray
        Last state(s) of the most recent :meth:`transform`.

    Notes
    -----
    The loop computes, per layer and step, ``x[t] = (1 - a) x[t-1] + a
    f(W x[t-1] + W_in u[t] + b + noise)`` as :class:`~reservoir.ESN` does; with
    the same weights the float64 states agree with the NumPy path to rounding.
    A ``ReservoirForecaster`` built on a TorchReservoir forecasts through
    :meth:`simulate` one step at a time, paying one host-device round trip per
    step: the device pays off for long open-loop runs of many or large
    reservoirs, not for the closed loop.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESN
    >>> from reservoir.torch import TorchReservoir
    >>> u = np.sin(np.linspace(0, 20, 200))
    >>> gpu_ready = TorchReservoir(ESN(n_units=50, random_state=0), device="cpu").fit(u)
    >>> numpy_esn = ESN(n_units=50, random_state=0).fit(u)
    >>> bool(np.allclose(gpu_ready.transform(u), numpy_esn.transform(u), atol=1e-12))
    True
    """

    _parameter_constraints = {
        "reservoir": [None, InstanceOf(ESN, DeepESN, description="an ESN or a DeepESN of ESNs")],
        "device": [Satisfies(lambda value: isinstance(value, (str, torch.device)),
                             "a torch device string such as 'cpu' or 'cuda'")],
        "sparse": [BOOLEAN, Options("auto")],
        "block_steps": [None, Interval("integer", 1)],
    }

    def __init__(self, reservoir=None, device="cpu", sparse="auto", block_steps=None):
        self.reservoir = reservoir
        self.device = device
        self.sparse = sparse
        self.block_steps = block_steps

    # -- the template ------------------------------------------------------------
    def _template(self):
        return self.reservoir if self.reservoir is not None else ESN()

    def _esn_template(self):
        """The ESN that every layer is cloned from."""
        template = self._template()
        if isinstance(template, DeepESN):
            return template.reservoir if template.reservoir is not None else ESN()
        return template

    @property
    def _dtype(self):
        """The fitted weights' dtype once fitted, else the template's ``dtype``."""
        if "reservoir_" in self.__dict__:
            return self._fitted_esns()[0].W_in_.dtype.type
        return resolve_dtype(getattr(self._esn_template(), "dtype", "float64"))

    @property
    def state_noise(self):
        """The template's ``state_noise`` (read-only; estimators read it to know runs are noisy)."""
        return getattr(self._esn_template(), "state_noise", 0.0)

    def _regime(self):
        esn = self._esn_template()
        names = ("spectral_radius", "activation", "leak_rate", "input_scaling")
        return ", ".join([f"reservoir={type(self._template()).__name__}",
                          *(f"reservoir__{name}={getattr(esn, name)!r}" for name in names),
                          f"device={self.device!r}"])

    def _check_params(self):
        """Refuse templates this backend cannot run and unusable devices."""
        template = self._template()
        if isinstance(template, DeepESN):
            if not _is_plain_esn(self._esn_template()):
                raise ValueError(
                    "reservoir must be an ESN or a DeepESN of ESNs; got a DeepESN of "
                    f"{type(self._esn_template()).__name__}, whose update the torch loop "
                    "does not implement."
                )
        elif not _is_plain_esn(template):
            raise ValueError(
                f"reservoir must be an ESN or a DeepESN of ESNs; got "
                f"{type(template).__name__}, whose update the torch loop does not implement."
            )
        _check_device(self.device)

    # -- fitting -----------------------------------------------------------------
    def fit(self, X, y=None):
        """Fit a clone of the template with NumPy and copy its weights to ``device``.

        Parameters
        ----------
        X : array-like (T, d), list of (T_i, d) arrays, or (n, T, d) array
            Input series; the template's ``fit`` reads them (their width, and
            the series themselves for ``spectral_radius="edge"``).
        y : ignored

        Returns
        -------
        self
        """
        series = self._validated_for_fit(X)
        self._adopt(clone(self._template()).fit(series.series))
        return self

    def _initialize(self, n_features, rng):
        """Fit the template to the width ``n_features`` alone (``fit`` passes the data).

        The template draws from its own ``random_state``; ``rng`` is not used.
        """
        self._adopt(clone(self._template()).fit(np.zeros((1, n_features))))

    def _adopt(self, fitted):
        self.reservoir_ = fitted
        self.n_features_out_ = fitted.n_features_out_
        self.noise_seed_ = fitted.noise_seed_
        self.__dict__.pop("_device_cache", None)
        self._layers()  # copy to the device now, so that a bad device fails at fit

    def _fitted_esns(self):
        fitted = self.reservoir_
        return list(fitted.layers_) if isinstance(fitted, DeepESN) else [fitted]

    def _layers(self) -> list[_Layer]:
        """The layers' weights on the device, copied once per device and format."""
        key = (str(self.device), self.sparse)
        cache = self.__dict__.get("_device_cache")
        if cache is not None and cache[0] == key:
            return cache[1]
        device = _check_device(self.device)
        dtype = _TORCH_DTYPES[self._dtype]
        layers = [_Layer(W=self._device_matrix(esn.W_, device, dtype),
                         W_in=torch.as_tensor(np.asarray(esn.W_in_), dtype=dtype, device=device),
                         bias=torch.as_tensor(np.asarray(esn.bias_), dtype=dtype,
                                              device=device)[:, None],
                         leak=float(esn.leak_rate), tanh=esn.activation == "tanh",
                         n_units=int(esn.n_units), state_noise=float(esn.state_noise),
                         noise_seed=int(esn.noise_seed_))
                  for esn in self._fitted_esns()]
        self._device_cache = (key, layers)
        return layers

    def _device_matrix(self, W, device, dtype):
        """``W`` on the device: sparse CSR below the density threshold (or when forced)."""
        n_rows, n_cols = W.shape
        nnz = W.nnz if sp.issparse(W) else np.count_nonzero(W)
        if isinstance(self.sparse, str):  # "auto"
            keep_sparse = nnz < SPARSE_MAX_DENSITY * n_rows * n_cols
        else:
            keep_sparse = bool(self.sparse)
        if not keep_sparse:
            dense = W.toarray() if sp.issparse(W) else np.asarray(W)
            return torch.as_tensor(dense, dtype=dtype, device=device)
        csr = sp.csr_matrix(W, copy=True)  # sort_indices works in place: not on the template's
        csr.sort_indices()
        # 32-bit indices where they suffice: torch's CPU kernel (MKL) is several times
        # faster with them (N = 1000: 0.9 ms against 6 ms per product of 100 series).
        index = np.int32 if max(csr.nnz, n_rows, n_cols) < 2**31 else np.int64
        with warnings.catch_warnings():  # torch flags its CSR support as beta, once
            warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
            return torch.sparse_csr_tensor(
                torch.as_tensor(csr.indptr.astype(index)),
                torch.as_tensor(csr.indices.astype(index)),
                torch.as_tensor(csr.data, dtype=dtype),
                size=(n_rows, n_cols), check_invariants=True,
            ).to(device)

    # -- the reservoir contract --------------------------------------------------
    def _state_size(self):
        return sum(esn.n_units for esn in self._fitted_esns())

    def default_state(self, batch_size):
        """The template's resting state, shape (batch_size, S).

        Parameters
        ----------
        batch_size : int

        Returns
        -------
        ndarray of shape (batch_size, S)
        """
        check_is_fitted(self)
        return self.reservoir_.default_state(batch_size)

    def saturated_count(self, states):
        """Saturated state values as the template counts them (tanh), else None.

        Parameters
        ----------
        states : ndarray (..., n_features_out_)

        Returns
        -------
        int or None
        """
        check_is_fitted(self)
        return self.reservoir_.saturated_count(states)

    def simulate(self, inputs, state, rng=None):
        """Advance a block of equal-length series on the device; states come back to the host.

        Parameters
        ----------
        inputs : ndarray of shape (B, T, n_features_in_)
        state : ndarray of shape (B, S)
            Internal states (all layers, concatenated in layer order).
        rng : RandomStreams, numpy Generator or None
            Source of the state noise, as for :meth:`reservoir.ESN.simulate`.

        Returns
        -------
        states : ndarray of shape (B, T, n_features_out_)
        final_state : ndarray of shape (B, S)
        """
        inputs, start, rng = self._check_block(inputs, state, rng)
        n_batch, n_steps, _ = inputs.shape
        out = np.empty((n_batch, n_steps, self.n_features_out_), dtype=self._dtype)

        def to_host(t0, block):  # block (Tb, F, B) on the device
            block = block.permute(2, 0, 1)
            if block.device.type != "cpu":  # transpose on the device, then one plain copy
                block = block.contiguous().cpu()
            out[:, t0:t0 + block.shape[1]] = block.numpy()

        final = self._stream(inputs, start, rng, to_host)
        return out, final

    def advance(self, inputs, state, rng=None):
        """Run the time loop on the device and return only the final states.

        The states of the steps stay on the device (and are discarded): what a
        run costs without the copy of its states to the host.

        Parameters
        ----------
        inputs : ndarray of shape (B, T, n_features_in_)
        state : ndarray of shape (B, S)
        rng : RandomStreams, numpy Generator or None
            Source of the state noise (see :meth:`simulate`).

        Returns
        -------
        final_state : ndarray of shape (B, S)
            Equal to the ``final_state`` of :meth:`simulate`.
        """
        inputs, start, rng = self._check_block(inputs, state, rng)
        return self._stream(inputs, start, rng, None)

    def _check_block(self, inputs, state, rng):
        check_is_fitted(self)
        dtype = self._dtype
        inputs = np.asarray(inputs, dtype=dtype)
        if inputs.ndim != 3 or inputs.shape[2] != self.n_features_in_:
            raise ValueError(f"inputs must have shape (B, T, {self.n_features_in_}); got "
                             f"{inputs.shape}.")
        start = np.asarray(state, dtype=dtype)
        if start.shape != (inputs.shape[0], self._state_size()):
            raise ValueError(f"state must have shape ({inputs.shape[0]}, {self._state_size()}); "
                             f"got {start.shape}.")
        return inputs, start, check_rng(rng, inputs.shape[0])

    # -- the loop ----------------------------------------------------------------
    def _block_length(self, n_batch, n_steps):
        if self.block_steps is not None:
            return int(self.block_steps)
        per_step = max(n_batch * self.n_features_out_, 1)
        return max(1, min(n_steps, BLOCK_ELEMENTS // per_step))

    def _stream(self, inputs, start, rng, consume):
        """Advance (B, T, d) ``inputs`` from (B, S) ``start``; return the final (B, S) states.

        ``consume(t0, block)``, if given, receives the states of steps
        ``t0, t0 + 1, ...`` as a device tensor of shape (Tb, n_features_out_, B).
        """
        layers = self._layers()
        n_batch, n_steps, _ = inputs.shape
        device = layers[0].W_in.device
        bounds = np.cumsum([0] + [layer.n_units for layer in layers])
        states = [torch.as_tensor(np.ascontiguousarray(start[:, lo:hi].T), device=device)
                  for lo, hi in zip(bounds[:-1], bounds[1:])]      # (N_l, B) per layer
        if n_steps == 0:
            return np.concatenate([x.T.cpu().numpy() for x in states], axis=1)
        drawn = self._noise_source(rng, layers, n_batch, n_steps)
        U = torch.as_tensor(inputs, device=device)                 # (B, T, d)
        block = self._block_length(n_batch, n_steps)
        for t0 in range(0, n_steps, block):
            t1 = min(t0 + block, n_steps)
            layer_input = U[:, t0:t1].permute(1, 2, 0)               # (Tb, d, B)
            outputs = []
            for index, layer in enumerate(layers):
                drive = torch.matmul(layer.W_in, layer_input)        # (Tb, N, B)
                drive += layer.bias
                noise = drawn(index, t0, t1)
                if noise is not None:
                    drive += torch.as_tensor(noise, device=device).permute(1, 2, 0)
                states[index] = _run_layer(layer, drive, states[index])
                outputs.append(drive)
                layer_input = drive
            if consume is not None:
                consume(t0, outputs[0] if len(outputs) == 1 else torch.cat(outputs, dim=1))
        final = np.concatenate([x.T.cpu().numpy() for x in states], axis=1)
        self._warn_if_non_finite(inputs, final)
        return final

    def _noise_source(self, rng, layers, n_batch, n_steps):
        """A function ``(layer, t0, t1) -> (B, t1 - t0, N) ndarray or None``: the state noise.

        Drawn as :class:`~reservoir.ESN` draws it: from per-series streams
        positioned at ``t0`` (each layer with its own seed), or, for a numpy
        Generator, the whole (B, T, N) block of each noisy layer, layer after
        layer, in the order the NumPy layers draw it.
        """
        dtype = self._dtype
        noisy = [layer.state_noise > 0 for layer in layers]
        if rng is None or not any(noisy) or (isinstance(rng, RandomStreams)
                                             and not rng.state_noise):
            return lambda index, t0, t1: None
        if isinstance(rng, RandomStreams):
            def from_streams(index, t0, t1):
                layer = layers[index]
                if not noisy[index]:
                    return None
                draws = rng.shifted(t0).normals(layer.noise_seed, t1 - t0, layer.n_units)
                draws *= layer.state_noise
                return draws.astype(dtype, copy=False)
            return from_streams
        whole = []
        for layer, is_noisy in zip(layers, noisy):
            if is_noisy:
                draws = rng.standard_normal((n_batch, n_steps, layer.n_units))
                draws *= layer.state_noise
                whole.append(draws.astype(dtype, copy=False))
            else:
                whole.append(None)
        return lambda index, t0, t1: (None if whole[index] is None
                                      else whole[index][:, t0:t1])

    # -- the readout on the device ----------------------------------------------
    def fit_readout(self, X, y, *, washout=0, include_input=True, readout=None, noise=False):
        """Fit a ridge readout on the states of ``X``, accumulating its statistics on the device.

        Runs the series through the reservoir on the device and folds each block
        of features into the readout's statistics there (the weighted means and
        the triangular factor of the centred data that
        :class:`~reservoir.RidgeReadout` keeps, streamed with Householder QR in
        float64 and merged block by block with Chan, Golub & LeVeque's update).
        Only the statistics, ``(F + k)``-square for ``F`` features and ``k``
        targets, come back to the host; the ``(T, N)`` states never do. The
        result equals ``RidgeReadout().fit(features, y)`` on the host features
        (to rounding), where ``features`` are the states after ``washout``,
        followed by the inputs if ``include_input``, all series stacked.

        Parameters
        ----------
        X : array-like (T, d), list of (T_i, d) arrays, or (n, T, d) array
            Input series (the reservoir must be fitted).
        y : array-like (T,) or (T, k), list, or (n, T, k) array
            Targets, one row per input step, with the structure of ``X``.
        washout : int, default=0
            Steps dropped from the start of each series; each series must be longer.
        include_input : bool, default=True
            Append the inputs to the states, as the reservoir estimators do.
        readout : RidgeReadout, optional
            Its hyperparameters (``alpha``, ``fit_intercept``, ``solver``,
            ``keep_statistics``) are used; it is cloned, not modified.
            Default ``RidgeReadout()``.
        noise : bool, default=False
            Add the template's state noise, as training in the estimators does
            (see :meth:`reservoir.base.BaseReservoir.run`).

        Returns
        -------
        RidgeReadout
            Fitted (solved), with statistics that :meth:`~RidgeReadout.partial_fit`
            and :meth:`~RidgeReadout.merge` can extend. ``coef_`` is 1-D when
            ``y`` was 1-D.
        """
        check_is_fitted(self)
        include_input = check_bool(include_input, "include_input")
        noise = check_bool(noise, "noise")
        if readout is None:
            readout = RidgeReadout()
        elif not isinstance(readout, RidgeReadout):
            raise ValueError(f"readout must be a reservoir.RidgeReadout (its statistics are "
                             f"accumulated on the device); got {type(readout).__name__}.")
        series = check_series(X, name="X", dtype=self._dtype)
        record_n_features(self, series, reset=False)
        targets = check_series(y, name="y", dtype=np.float64)
        check_paired_series(series, targets)
        washout = check_washout(washout, series.lengths)
        layers = self._layers()
        device = layers[0].W_in.device
        n_features = self.n_features_out_ + (series.n_features if include_input else 0)
        factor = _DeviceFactor(n_features + targets.n_features, device)
        streams = RandomStreams.of(series.series, state_noise=noise)
        for members, U, Y in equal_length_blocks(series.series, targets.series):
            U_device = torch.as_tensor(U, device=device)                       # (B, T, d)
            Y_device = torch.as_tensor(Y, dtype=torch.float64, device=device)  # (B, T, k)

            def fold(t0, block, U_device=U_device, Y_device=Y_device):
                keep = max(washout - t0, 0)
                t1 = t0 + block.shape[0]
                if keep >= t1 - t0:
                    return
                parts = [block[keep:].permute(0, 2, 1)]                   # (Tb, B, F)
                if include_input:
                    parts.append(U_device[:, t0 + keep:t1].permute(1, 0, 2))
                parts.append(Y_device[:, t0 + keep:t1].permute(1, 0, 2))
                rows = torch.cat([part.to(torch.float64) for part in parts], dim=2)
                factor.add(rows.reshape(-1, rows.shape[-1]))

            self._stream(U, self.default_state(len(members)), streams.take(members), fold)
        weight, mean, R = factor.result()
        fitted = RidgeReadout.from_statistics(
            mean[:n_features], mean[n_features:], R, sum_weights=weight,
            n_samples=int(weight), y_1d=targets.was_1d, **readout.get_params())
        return fitted.solve()

    def __getstate__(self):
        """Pickled state without the device copies of the weights (rebuilt on the next run)."""
        state = dict(super().__getstate__())
        state.pop("_device_cache", None)
        return state


def _run_layer(layer, drive, x):
    """Turn the (Tb, N, B) input drive of one layer into its states, in place; return the last.

    Per step: ``drive[t] += W @ x`` (dense or sparse CSR product), the
    activation, and the leak ``a * f + (1 - a) * x`` (``lerp``).
    """
    W, keep = layer.W, 1.0 - layer.leak
    for t in range(drive.shape[0]):
        current = drive[t]
        current.addmm_(W, x)
        if layer.tanh:
            current.tanh_()
        if keep != 0.0:
            current.lerp_(x, keep)
        x = current
    return x


class _DeviceFactor:
    """The streamed statistics of a ridge readout on a torch device, in float64.

    Holds the number of rows ``weight``, their ``mean`` (K,) and an upper
    triangular ``R`` (K, K) with ``R^T R`` the centred scatter of the rows:
    the statistics of :class:`~reservoir.RidgeReadout` (unit sample weights).
    Rows are buffered until at least ``max(MIN_FOLD_ROWS, 2 K)`` have come,
    then folded in with one QR of ``[R; centred rows; shift]``, where
    ``shift = sqrt(W_a W_b / W) (mean_b - mean_a)`` merges the means (Chan,
    Golub & LeVeque 1979). Each fold costs about ``4/3 K^3 + 2 K^2 m`` for
    ``m`` rows (torch has no QR for a triangle on top of a block), so folding
    at least ``2 K`` rows keeps that within 1.5x of the cost of the rows alone.
    """

    def __init__(self, size, device):
        self.size = size
        self.weight = 0
        self.mean = torch.zeros(size, dtype=torch.float64, device=device)
        self.R = torch.zeros((size, size), dtype=torch.float64, device=device)
        self.pending, self.n_pending = [], 0
        self.threshold = max(MIN_FOLD_ROWS, 2 * size)

    def add(self, rows):
        """Add (m, K) float64 rows."""
        if not bool(torch.isfinite(rows).all()):
            raise ValueError(
                "The reservoir's states are infinite or NaN, so no readout can be fitted: "
                "the reservoir is unstable for these inputs. Lower spectral_radius, use "
                "activation='tanh', or scale the inputs."
            )
        self.pending.append(rows)
        self.n_pending += rows.shape[0]
        if self.n_pending >= self.threshold:
            self._fold()

    def _fold(self):
        if not self.n_pending:
            return
        rows = torch.cat(self.pending) if len(self.pending) > 1 else self.pending[0]
        self.pending, self.n_pending = [], 0
        count = rows.shape[0]
        mean = rows.mean(dim=0)
        stacked = [self.R, rows - mean]
        if self.weight:
            total = self.weight + count
            shift = mean - self.mean
            stacked.append(math.sqrt(self.weight * count / total) * shift[None, :])
            mean = self.mean + shift * (count / total)
        self.R = torch.triu(torch.linalg.qr(torch.cat(stacked), mode="r")[1])
        self.mean = mean
        self.weight += count

    def result(self):
        """(number of rows, mean (K,), R (K, K)) as host NumPy arrays."""
        self._fold()
        return self.weight, self.mean.cpu().numpy(), self.R.cpu().numpy()
