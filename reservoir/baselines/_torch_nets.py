"""PyTorch networks behind the trained recurrent baselines.

This private module imports torch at import time; :mod:`reservoir.baselines.recurrent`
imports it only when a network is actually built, so ``import reservoir`` never
pulls in torch.

Every network is a :class:`SequenceNet`: input standardisation, a recurrent
core, a linear head. The cores share the calling convention of
:class:`torch.nn.GRU` with ``batch_first=True``: ``core(inputs, state)`` with
``inputs`` of shape (B, T, d) returns the top layer's hidden states (B, T, H)
and the final state. The LSTM, the GRU and the leaky-integrator RNN differ only
in the core.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["leaky_rnn_layer", "LeakyRNNLayer", "LeakyRNN", "SequenceNet", "build_net"]

#: A learned leak rate is sigmoid(logit); a requested initial rate of exactly 1
#: (logit = +inf) starts from this value instead.
MAX_INITIAL_LEARNED_RATE = 0.999


def leaky_rnn_layer(inputs, h0, weight_ih, weight_hh, bias, rate):
    """Run one layer of leaky-integrator tanh units over a batch of sequences.

    Implements ``h[t] = (1 - a) * h[t-1] + a * tanh(W h[t-1] + U x[t] + b)``
    with one leak rate ``a`` per unit (Jaeger et al. 2007, the update of a
    leaky echo state network, here with every weight trainable).

    Parameters
    ----------
    inputs : Tensor of shape (B, T, n_inputs)
    h0 : Tensor of shape (B, H)
        Initial hidden state.
    weight_ih : Tensor of shape (H, n_inputs)
        Input weights ``U``.
    weight_hh : Tensor of shape (H, H)
        Recurrent weights ``W``.
    bias : Tensor of shape (H,)
    rate : Tensor of shape (H,)
        Leak rates ``a`` in (0, 1].

    Returns
    -------
    outputs : Tensor of shape (B, T, H)
        Hidden state after every step.
    h_last : Tensor of shape (B, H)
    """
    drive = torch.matmul(inputs, weight_ih.T) + bias  # all input projections at once
    recurrent = weight_hh.T
    h = h0
    outputs = []
    for t in range(drive.shape[1]):
        h = h + rate * (torch.tanh(torch.addmm(drive[:, t], h, recurrent)) - h)
        outputs.append(h)
    return torch.stack(outputs, dim=1), h


class LeakyRNNLayer(nn.Module):
    """One layer of leaky-integrator tanh units with fixed or learned leak rates.

    Parameters
    ----------
    input_size : int
    hidden_size : int
    leak_rate : float in (0, 1]
        The fixed leak rate of every unit, or the initial one when learned.
    learn_time_constants : bool
        Learn one leak rate per unit, parameterised as ``sigmoid(logit)`` so
        that it stays in (0, 1).
    """

    def __init__(self, input_size, hidden_size, leak_rate, learn_time_constants):
        super().__init__()
        bound = 1.0 / math.sqrt(hidden_size)  # the initialisation of torch.nn.RNN
        self.weight_ih = nn.Parameter(torch.empty(hidden_size, input_size).uniform_(-bound, bound))
        self.weight_hh = nn.Parameter(torch.empty(hidden_size, hidden_size).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(hidden_size).uniform_(-bound, bound))
        self.learn_time_constants = bool(learn_time_constants)
        if self.learn_time_constants:
            start = min(float(leak_rate), MAX_INITIAL_LEARNED_RATE)
            logit = math.log(start / (1 - start))
            self.rate_logit = nn.Parameter(torch.full((hidden_size,), logit))
        else:
            self.register_buffer("fixed_rate", torch.full((hidden_size,), float(leak_rate)))

    @property
    def rate(self):
        """Leak rate of every unit, Tensor of shape (hidden_size,)."""
        return torch.sigmoid(self.rate_logit) if self.learn_time_constants else self.fixed_rate

    def forward(self, inputs, h0):
        """Advance (B, T, d) inputs from states (B, H); see :func:`leaky_rnn_layer`."""
        return leaky_rnn_layer(inputs, h0, self.weight_ih, self.weight_hh, self.bias, self.rate)


class LeakyRNN(nn.Module):
    """A stack of :class:`LeakyRNNLayer` called like ``nn.GRU(batch_first=True)``.

    Parameters
    ----------
    input_size : int
    hidden_size : int
    num_layers : int, default=1
    leak_rate : float in (0, 1], default=0.5
    learn_time_constants : bool, default=False
    """

    def __init__(self, input_size, hidden_size, num_layers=1, leak_rate=0.5,
                 learn_time_constants=False):
        super().__init__()
        self.hidden_size = hidden_size
        sizes = [input_size] + [hidden_size] * (num_layers - 1)
        self.layers = nn.ModuleList(
            LeakyRNNLayer(size, hidden_size, leak_rate, learn_time_constants) for size in sizes
        )

    def forward(self, inputs, state=None):
        """Return the top layer's states (B, T, H) and the final states (num_layers, B, H)."""
        if state is None:
            state = inputs.new_zeros(len(self.layers), inputs.shape[0], self.hidden_size)
        finals = []
        for layer, h0 in zip(self.layers, state, strict=True):
            inputs, h_last = layer(inputs, h0)
            finals.append(h_last)
        return inputs, torch.stack(finals)

    def time_constants(self):
        """Leak rates of all units, layer by layer: Tensor of shape (num_layers * hidden_size,)."""
        return torch.cat([layer.rate.detach() for layer in self.layers])


class SequenceNet(nn.Module):
    """Standardise inputs, run a recurrent core, map its hidden states linearly to outputs.

    The outputs are standardised targets: :meth:`to_raw` maps them back to the
    units of the training targets, :meth:`standardize_targets` the other way.

    Parameters
    ----------
    core : nn.Module
        ``core(inputs, state) -> (hidden (B, T, H), final_state)``.
    hidden_size : int
        Width ``H`` of the core's output.
    n_outputs : int
    input_mean, input_std : array-like of shape (n_inputs,)
    target_mean, target_std : array-like of shape (n_outputs,)
    """

    def __init__(self, core, hidden_size, n_outputs, input_mean, input_std, target_mean,
                 target_std):
        super().__init__()
        self.core = core
        self.head = nn.Linear(hidden_size, n_outputs)
        for name, value in (("input_mean", input_mean), ("input_std", input_std),
                            ("target_mean", target_mean), ("target_std", target_std)):
            self.register_buffer(name, torch.as_tensor(value, dtype=torch.get_default_dtype()))

    def forward(self, inputs, state=None):
        """Map raw inputs (B, T, d) to standardised outputs (B, T, k) and the core's final state."""
        hidden, state = self.core((inputs - self.input_mean) / self.input_std, state)
        return self.head(hidden), state

    def standardize_targets(self, targets):
        """Raw targets -> the units of :meth:`forward`'s outputs."""
        return (targets - self.target_mean) / self.target_std

    def to_raw(self, outputs):
        """Outputs of :meth:`forward` -> the units of the training targets."""
        return outputs * self.target_std + self.target_mean


def _torch_core(module_class):
    def build(input_size, hidden_size, num_layers):
        return module_class(input_size, hidden_size, num_layers, batch_first=True)

    return build


#: Name of a core -> ``factory(input_size, hidden_size, num_layers, **options)``.
CORES = {"lstm": _torch_core(nn.LSTM), "gru": _torch_core(nn.GRU), "leaky": LeakyRNN}


def build_net(core, *, n_inputs, n_outputs, hidden_size, num_layers, statistics, seed,
              dtype=torch.float64, device="cpu", **core_options):
    """Build a freshly initialised :class:`SequenceNet` reproducibly.

    Parameters
    ----------
    core : {"lstm", "gru", "leaky"}
    n_inputs, n_outputs, hidden_size, num_layers : int
    statistics : dict
        ``input_mean``, ``input_std``, ``target_mean``, ``target_std``.
    seed : int
        Seed of the weight initialisation; the global torch RNG is left untouched.
    dtype : torch.dtype
    device : str or torch.device
    **core_options
        Passed to the core's factory (leak rates of the leaky core).

    Returns
    -------
    SequenceNet
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        module = CORES[core](n_inputs, hidden_size, num_layers, **core_options)
        net = SequenceNet(module, hidden_size, n_outputs, **statistics)
    return net.to(device=device, dtype=dtype)
