"""Online readouts: recursive least squares (RLS) and FORCE learning.

:class:`RLSReadout` updates a linear readout one sample at a time, with a
forgetting factor for drifting data; it is a scikit-learn regressor with
``partial_fit`` and works as the ``readout`` of any estimator here. With
forgetting 1 and initial inverse covariance ``I / alpha`` it converges to the
ridge solution of all samples seen (intercept included as a penalised
constant feature), up to rounding.

:func:`force_learning` (Sussillo & Abbott 2009, "Generating coherent patterns
of activity from chaotic neural networks", Neuron 63:544-557) trains a readout
while its own output is fed back into the reservoir: the loop runs closed from
the first step, and RLS keeps the output on the target, so the reservoir learns
the dynamics it will see when it generates on its own.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ._validation import BOOLEAN, Interval, check_series, validate_params
from .base import BaseReservoir

__all__ = ["RLSReadout", "force_learning", "ForceResult"]


class RLSReadout(RegressorMixin, BaseEstimator):
    """Linear readout fitted by recursive least squares, one sample at a time.

    For each sample ``x`` (with a constant 1 appended when ``fit_intercept``)
    and target ``y``::

        k = P x / (forgetting + x' P x)
        W += k (y - W' x)'
        P = (P - k x' P) / forgetting

    starting from ``W = 0`` and ``P = I / alpha``.

    Parameters
    ----------
    alpha : float > 0, default=1e-6
        Initial inverse covariance ``P = I / alpha``: the ridge penalty that the
        solution starts from (and keeps, with ``forgetting=1``).
    forgetting : float in (0, 1], default=1.0
        Weight of the past per sample: a sample ``n`` steps old counts
        ``forgetting ** n``. 1 is ordinary (growing-window) least squares;
        0.99 remembers about 100 samples.
    fit_intercept : bool, default=True
        Append a constant 1 to the features (its weight is the intercept, and
        it is penalised by ``alpha`` like the others).

    Attributes
    ----------
    coef_ : ndarray of shape (n_targets, n_features) or (n_features,)
    intercept_ : ndarray of shape (n_targets,) or float
    P_ : ndarray of shape (n_features + fit_intercept, n_features + fit_intercept)
        Current inverse (weighted) covariance.
    n_samples_seen_ : int
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> rng = np.random.default_rng(0)
    >>> X, w = rng.normal(size=(200, 3)), np.array([1.0, -2.0, 0.5])
    >>> y = X @ w
    >>> rls = RLSReadout(alpha=1e-6, fit_intercept=False).fit(X, y)
    >>> bool(np.allclose(rls.coef_, Ridge(alpha=1e-6, fit_intercept=False).fit(X, y).coef_))
    True
    """

    _parameter_constraints = {
        "alpha": [Interval("real", 0, None, closed="neither")],
        "forgetting": [Interval("real", 0, 1, closed="right")],
        "fit_intercept": [BOOLEAN],
    }

    def __init__(self, alpha=1e-6, forgetting=1.0, fit_intercept=True):
        self.alpha = alpha
        self.forgetting = forgetting
        self.fit_intercept = fit_intercept

    def _expected_failed_checks(self) -> dict[str, str]:
        """None: rows are independent samples for a readout (see ``expected_failed_checks``)."""
        return {}

    def fit(self, X, y):
        """Start from ``W = 0``, ``P = I / alpha`` and update with every row in order.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self
        """
        for attribute in ("W_", "P_", "n_samples_seen_"):
            self.__dict__.pop(attribute, None)
        return self.partial_fit(X, y)

    def partial_fit(self, X, y):
        """Update with every row of ``X`` in order, continuing from the current state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self
        """
        validate_params(self)
        first = not hasattr(self, "W_")
        X, y = validate_data(self, X, y, reset=first, multi_output=True, y_numeric=True,
                             dtype=np.float64)
        Y = y.reshape(len(y), -1)
        if first:
            self._start(X.shape[1], Y.shape[1])
            self._y_1d = y.ndim == 1
        elif Y.shape[1] != self.W_.shape[1]:
            raise ValueError(f"y has {Y.shape[1]} target(s), but RLSReadout was fitted with "
                             f"{self.W_.shape[1]}.")
        for x, target in zip(self.augment(X), Y, strict=True):
            self.update(x, target)
        return self

    def _start(self, n_features, n_targets):
        size = n_features + int(self.fit_intercept)
        self.W_ = np.zeros((size, n_targets))
        self.P_ = np.eye(size) / self.alpha
        self.n_samples_seen_ = 0

    def initialize(self, n_features, n_targets):
        """Start from ``W = 0``, ``P = I / alpha`` without data, for :meth:`update` loops.

        Parameters
        ----------
        n_features, n_targets : int

        Returns
        -------
        self
        """
        validate_params(self)
        self._start(n_features, n_targets)
        self.n_features_in_ = n_features
        self._y_1d = False
        return self

    def augment(self, X):
        """``X`` with a constant column appended when ``fit_intercept`` (what ``update`` takes).

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_features + fit_intercept)
        """
        return np.hstack([X, np.ones((len(X), 1))]) if self.fit_intercept else X

    def update(self, x, target):
        """One RLS step with an already augmented feature vector ``x``; returns the prior error.

        Parameters
        ----------
        x : ndarray of shape (n_features + fit_intercept,)
        target : ndarray of shape (n_targets,)

        Returns
        -------
        error : ndarray of shape (n_targets,)
            ``W' x - target`` before the update.
        """
        Px = self.P_ @ x
        gain = Px / (self.forgetting + x @ Px)
        error = x @ self.W_ - target
        self.W_ -= np.outer(gain, error)
        self.P_ -= np.outer(gain, Px)
        if self.forgetting != 1.0:
            self.P_ /= self.forgetting
        self.P_ = 0.5 * (self.P_ + self.P_.T)  # keep P symmetric against rounding
        self.n_samples_seen_ += 1
        return error

    @property
    def coef_(self):
        check_is_fitted(self, "W_")
        coef = self.W_[:self.n_features_in_].T
        return coef[0] if self._y_1d else coef

    @property
    def intercept_(self):
        check_is_fitted(self, "W_")
        if not self.fit_intercept:
            intercept = np.zeros(self.W_.shape[1])
        else:
            intercept = self.W_[-1].copy()
        return float(intercept[0]) if self._y_1d else intercept

    def predict(self, X):
        """Linear prediction ``X coef_' + intercept_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        check_is_fitted(self, "W_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        out = self.augment(X) @ self.W_
        return out[:, 0] if self._y_1d else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class ForceResult:
    """What :func:`force_learning` returns: the trained loop, ready to generate.

    Attributes
    ----------
    reservoir : fitted reservoir
    readout : RLSReadout
        Trained on the reservoir's states (and inputs, see ``include_input``).
    state : ndarray of shape (S,)
        Reservoir state at the end of training.
    output : ndarray of shape (d,)
        Last fed-back output (the loop's next input).
    training_output : ndarray of shape (T, d)
        The fed-back output during training, after the washout of ``output``.
    scale, offset : ndarray of shape (d,)
        The target was standardised as ``(y - offset) / scale`` inside the loop.
    """

    def __init__(self, reservoir, readout, state, output, training_output, scale, offset,
                 include_input):
        self.reservoir, self.readout = reservoir, readout
        self.state, self.output = state, output
        self.training_output = training_output
        self.scale, self.offset = scale, offset
        self.include_input = include_input

    def _step(self, state, fed):
        """One reservoir step driven by the fed-back value: (new state, readout input x)."""
        states, final = self.reservoir.simulate(fed[None, None, :], state[None, :])
        features = np.concatenate([states[0, 0], fed]) if self.include_input else states[0, 0]
        return final[0], self.readout.augment(features[None, :])[0]

    def generate(self, n_steps):
        """Run the loop on its own for ``n_steps`` steps, in the target's units.

        Parameters
        ----------
        n_steps : int >= 1

        Returns
        -------
        ndarray of shape (n_steps, d)
        """
        Interval("integer", 1, None).check(n_steps, "n_steps")
        state, fed = self.state.copy(), self.output.copy()
        path = np.empty((int(n_steps), fed.size))
        for t in range(int(n_steps)):
            state, x = self._step(state, fed)
            fed = path[t] = x @ self.readout.W_
        return path * self.scale + self.offset


def force_learning(reservoir, y, *, readout=None, washout=100, include_input=False,
                   update_every=1):
    """Train a fed-back readout with FORCE: closed loop from the start, RLS on the target.

    The reservoir's input at step t is the readout's own output at step t - 1
    (the first input is the target's first value). After each step the RLS
    readout is updated toward the target's next value, so the output stays
    close to the target while the weights converge; ``update_every`` > 1
    updates less often (Sussillo & Abbott's Δt). The target is standardised
    inside the loop and the generated path is returned in its units.

    Parameters
    ----------
    reservoir : reservoir (ESN, ...)
        Fitted here on the target's dimension; its weights stay fixed.
    y : array-like of shape (T,) or (T, d)
        The pattern to learn to generate.
    readout : RLSReadout, optional
        Default ``RLSReadout(alpha=1.0)``: Sussillo & Abbott's ``P = I / alpha``
        with alpha of order 1 keeps early outputs near the target.
    washout : int, default=100
        Steps at the start driven by the target (teacher forcing) before the
        loop closes and learning starts.
    include_input : bool, default=False
        Give the readout the fed-back value too, not only the states.
    update_every : int, default=1
        RLS update every this many steps.

    Returns
    -------
    ForceResult
        Use ``.generate(n_steps)`` to continue on its own.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESN
    >>> t = np.arange(3000) * 0.05
    >>> y = np.sin(t)
    >>> loop = force_learning(ESN(n_units=200, spectral_radius=1.2, random_state=0), y)
    >>> path = loop.generate(200)
    >>> bool(np.sqrt(np.mean((path[:, 0] - np.sin(t[-1] + 0.05 * np.arange(1, 201))) ** 2)) < 0.1)
    True
    """
    if not isinstance(reservoir, BaseReservoir):
        raise TypeError(f"reservoir must be a reservoir (ESN, LSM, ...); got {reservoir!r}.")
    readout = RLSReadout(alpha=1.0) if readout is None else readout
    if not isinstance(readout, RLSReadout):
        raise TypeError(f"readout must be an RLSReadout; got {readout!r}.")
    series = check_series(y, name="y", min_length=washout + 2)
    if len(series) != 1:
        raise ValueError("y must be one series for force_learning.")
    Y = series.series[0]
    Interval("integer", 0, None).check(washout, "washout")
    Interval("integer", 1, None).check(update_every, "update_every")
    offset, scale = Y.mean(axis=0), Y.std(axis=0)
    scale[scale == 0] = 1.0
    Z = (Y - offset) / scale
    reservoir = reservoir.fit(Z)
    state = reservoir.run(Z[:washout])[1] if washout else reservoir.default_state(1)[0]
    result = ForceResult(reservoir, readout, state, Z[washout], None, scale, offset,
                         bool(include_input))
    n_features = reservoir.n_features_out_ + (Z.shape[1] if include_input else 0)
    readout.initialize(n_features, Z.shape[1])
    fed, outputs = Z[washout].copy(), []
    for t in range(washout, len(Z) - 1):
        state, x = result._step(state, fed)
        if (t - washout) % update_every == 0:
            readout.update(x, Z[t + 1])
        fed = x @ readout.W_
        outputs.append(fed)
    result.state, result.output = state, fed
    result.training_output = np.array(outputs) * scale + offset
    return result
