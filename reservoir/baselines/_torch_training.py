"""The one trainer of the recurrent baselines: windows, mini-batches, clipping, early stopping.

Training follows the usual recipe for RNN regression (truncated backpropagation
through time): each series is cut into windows of ``warmup + seq_len`` steps;
every window starts from the zero state, its first ``warmup`` outputs are
warm-up and excluded from the loss, and the loss-bearing parts of the windows
tile each series after its first ``warmup`` steps exactly once. Windows are
shuffled into mini-batches by a seeded :class:`torch.Generator`, so a fixed
seed gives the same training run.
"""

from __future__ import annotations

import contextvars
import copy
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm.auto import tqdm

__all__ = [
    "Windows",
    "TrainingConfig",
    "TrainingHistory",
    "window_starts",
    "cut_windows",
    "masked_mse",
    "make_optimizer",
    "train_step",
    "evaluate",
    "train",
    "run_network",
    "run_closed_loop",
    "cpu_threads",
]

#: Momentum of the "sgd" optimizer.
SGD_MOMENTUM = 0.9
#: The "sgd" learning rate at epoch e is learning_rate / (1 + SGD_DECAY * e).
SGD_DECAY = 0.05
#: Called after every epoch as ``callback(epoch, train_loss, validation_loss or None)`` when
#: set (:func:`reservoir.model_selection.tune` uses it to prune bad trials); an exception it
#: raises ends the training and propagates.
EPOCH_CALLBACK = contextvars.ContextVar("epoch_callback", default=None)


@contextmanager
def cpu_threads(device, n_threads=1):
    """Limit torch's intra-op threads on the CPU for the duration of the block.

    Small recurrent networks are dominated by per-step overhead: extra threads
    only add synchronisation (on a busy 2-core machine a 32 x 50 LSTM batch ran
    ~10x slower with 2 threads than with 1). The previous setting is restored.
    """
    if torch.device(device).type != "cpu":
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@dataclass
class Windows:
    """Equal-length training windows: inputs (N, L, d), targets (N, L, k), loss mask (N, L)."""

    inputs: torch.Tensor
    targets: torch.Tensor
    mask: torch.Tensor

    def __len__(self) -> int:
        return self.inputs.shape[0]

    def subset(self, rows) -> Windows:
        """The windows at positions ``rows``."""
        return Windows(self.inputs[rows], self.targets[rows], self.mask[rows])


@dataclass
class TrainingConfig:
    """Optimisation settings, already validated by the estimator."""

    learning_rate: float
    max_epochs: int
    batch_size: int
    gradient_clip: float | None
    weight_decay: float
    optimizer: str
    early_stopping: bool
    patience: int
    verbose: int = 0


@dataclass
class TrainingHistory:
    """Per-epoch losses (standardised units) and where the best validation loss was."""

    loss_curve: list = field(default_factory=list)
    validation_curve: list = field(default_factory=list)
    best_epoch: int | None = None

    @property
    def n_epochs(self) -> int:
        return len(self.loss_curve)


def window_starts(length: int, warmup: int, seq_len: int) -> list[int]:
    """Start of every window of ``warmup + seq_len`` steps cut from a series of ``length`` steps.

    Consecutive windows are ``seq_len`` apart, so their loss-bearing parts
    tile the series; a final window aligned with the end of the series covers
    any remainder. A series no longer than one window gives one window.
    """
    span = warmup + seq_len
    if length <= span:
        return [0]
    starts = list(range(0, length - span + 1, seq_len))
    if starts[-1] + span < length:
        starts.append(length - span)
    return starts


def _series_windows(inputs, targets, warmup, seq_len, width):
    """Windows of one series, zero-padded to ``width`` steps, with their loss masks."""
    length = inputs.shape[0]
    covered = warmup  # first step whose output has not been put into the loss yet
    rows = []
    for start in window_starts(length, warmup, seq_len):
        stop = min(start + warmup + seq_len, length)
        mask = np.zeros(width)
        mask[max(start + warmup, covered) - start: stop - start] = 1.0
        covered = stop
        rows.append((_pad(inputs[start:stop], width), _pad(targets[start:stop], width), mask))
    return rows


def _pad(block, width):
    return np.concatenate([block, np.zeros((width - block.shape[0], block.shape[1]))])


def cut_windows(inputs, targets, *, warmup, seq_len, dtype, device="cpu") -> Windows:
    """Cut paired series into training windows (see :func:`window_starts`).

    Parameters
    ----------
    inputs, targets : list of ndarray of shape (T_i, d) and (T_i, k)
        Each series must be longer than ``warmup``.
    warmup : int
        Leading outputs of each window excluded from the loss.
    seq_len : int
        Loss-bearing steps per window.
    dtype : torch.dtype
    device : str or torch.device

    Returns
    -------
    Windows
        Windows from short series are zero-padded at the end; padding is masked out.
    """
    width = min(warmup + seq_len, max(x.shape[0] for x in inputs))
    rows = [row for x, y in zip(inputs, targets, strict=True)
            for row in _series_windows(x, y, warmup, seq_len, width)]
    as_tensor = lambda arrays: torch.as_tensor(np.stack(arrays), dtype=dtype, device=device)  # noqa: E731
    return Windows(*(as_tensor([row[i] for row in rows]) for i in range(3)))


def masked_mse(outputs, targets, mask):
    """Mean squared error over the unmasked steps (all output features weighted equally)."""
    squared = ((outputs - targets) ** 2).sum(dim=-1)
    return (squared * mask).sum() / (mask.sum() * outputs.shape[-1])


def _loss(net, batch: Windows):
    outputs, _ = net(batch.inputs)
    return masked_mse(outputs, net.standardize_targets(batch.targets), batch.mask)


def make_optimizer(parameters, config: TrainingConfig):
    """Adam, or SGD with momentum and an inverse-time learning-rate decay per epoch.

    Returns
    -------
    optimizer : torch.optim.Optimizer
    scheduler : torch.optim.lr_scheduler.LRScheduler or None
    """
    parameters = list(parameters)
    if config.optimizer == "adam":
        return torch.optim.Adam(parameters, lr=config.learning_rate,
                                weight_decay=config.weight_decay), None
    optimizer = torch.optim.SGD(parameters, lr=config.learning_rate, momentum=SGD_MOMENTUM,
                                weight_decay=config.weight_decay)
    decay = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda epoch: 1.0 / (1.0 + SGD_DECAY * epoch))
    return optimizer, decay


def train_step(net, optimizer, batch: Windows, gradient_clip=None) -> float:
    """One optimiser step on one mini-batch; the gradient norm is clipped to ``gradient_clip``.

    Returns
    -------
    float
        The batch loss before the step.
    """
    optimizer.zero_grad(set_to_none=True)
    loss = _loss(net, batch)
    loss.backward()
    if gradient_clip is not None:
        torch.nn.utils.clip_grad_norm_(net.parameters(), gradient_clip)
    optimizer.step()
    return float(loss.detach())


def evaluate(net, windows: Windows) -> float:
    """Masked MSE of ``net`` on ``windows`` (standardised units), without gradients."""
    with torch.no_grad():
        return float(_loss(net, windows))


def _train_epoch(net, optimizer, windows: Windows, config: TrainingConfig, generator) -> float:
    order = torch.randperm(len(windows), generator=generator)
    total, weight = 0.0, 0.0
    for rows in order.split(config.batch_size):
        batch = windows.subset(rows.to(windows.inputs.device))
        n_terms = float(batch.mask.sum())
        total += train_step(net, optimizer, batch, config.gradient_clip) * n_terms
        weight += n_terms
    return total / weight


def _snapshot(net):
    return copy.deepcopy(net.state_dict())


def train(net, windows: Windows, validation: Windows | None, config: TrainingConfig,
          seed: int) -> TrainingHistory:
    """Fit ``net`` in place on ``windows``; ``seed`` fixes the order of the mini-batches.

    With ``config.early_stopping`` (and ``validation`` given) training stops
    once the validation loss has not improved for ``config.patience`` epochs
    and the weights of the best epoch are restored.

    Returns
    -------
    TrainingHistory
    """
    generator = torch.Generator().manual_seed(seed)
    optimizer, scheduler = make_optimizer(net.parameters(), config)
    history = TrainingHistory()
    stop_early = config.early_stopping and validation is not None
    best_loss, best_state, waited = np.inf, None, 0
    epochs = tqdm(range(config.max_epochs), disable=not config.verbose, desc="training",
                  unit="epoch")
    net.train()
    callback = EPOCH_CALLBACK.get()
    try:
        for epoch in epochs:
            history.loss_curve.append(_train_epoch(net, optimizer, windows, config, generator))
            if scheduler is not None:
                scheduler.step()
            postfix = {"loss": f"{history.loss_curve[-1]:.4g}"}
            if stop_early:
                history.validation_curve.append(evaluate(net, validation))
                postfix["val"] = f"{history.validation_curve[-1]:.4g}"
                if history.validation_curve[-1] < best_loss:
                    best_loss, best_state, waited = history.validation_curve[-1], _snapshot(net), 0
                    history.best_epoch = epoch
                else:
                    waited += 1
            epochs.set_postfix(postfix)
            if callback is not None:
                callback(epoch, history.loss_curve[-1],
                         history.validation_curve[-1] if stop_early else None)
            if stop_early and waited >= config.patience:
                break
    finally:
        epochs.close()
    if best_state is not None:
        net.load_state_dict(best_state)
    net.eval()
    return history


def run_network(net, block, state=None):
    """Run ``net`` on a raw (B, T, d) numpy block; return raw outputs (B, T, k) and final state."""
    parameter = next(net.parameters())
    inputs = torch.as_tensor(block, dtype=parameter.dtype, device=parameter.device)
    with torch.no_grad():
        outputs, state = net(inputs, state)
        return net.to_raw(outputs).cpu().numpy().astype(np.float64), state


def run_closed_loop(net, first_output, state, n_steps, exogenous=None):
    """Generate ``n_steps`` outputs by feeding each output back as the next input.

    Parameters
    ----------
    net : SequenceNet
        A forecaster's network: its inputs are its outputs (+ exogenous features).
    first_output : ndarray of shape (B, k)
        The first generated value (raw units), already computed from the context.
    state : core state
        The network's state after the context.
    n_steps : int
        Number of values returned, ``first_output`` included.
    exogenous : ndarray of shape (B, n_steps - 1, e), optional
        Exogenous inputs that accompany generated values 1 .. n_steps - 1.

    Returns
    -------
    ndarray of shape (B, n_steps, k)
    """
    path = [np.asarray(first_output, dtype=np.float64)]
    for step in range(n_steps - 1):
        current = path[-1] if exogenous is None else np.hstack([path[-1], exogenous[:, step]])
        outputs, state = run_network(net, current[:, None, :], state)
        path.append(outputs[:, 0])
    return np.stack(path, axis=1)
