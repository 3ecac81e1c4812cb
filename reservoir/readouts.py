"""Linear readouts fitted from streaming normal equations.

A reservoir's readout is a ridge regression from states ``x`` (N features) to
targets ``y``. Everything it needs from the data is a handful of weighted
moments, which :class:`RidgeReadout` accumulates block by block:

* the total sample weight ``W = sum_i s_i``;
* the weighted means ``x_mean = sum_i s_i x_i / W`` and ``y_mean``;
* the centered scatter matrices ``S_xx = sum_i s_i (x_i - x_mean)(x_i - x_mean)^T``
  and ``S_xy = sum_i s_i (x_i - x_mean)(y_i - y_mean)^T``.

Memory is O(N^2 + N * n_targets), whatever the number of samples. Two sets of
moments combine exactly with the pairwise update of Chan, Golub & LeVeque
(1979, "Updating formulae and a pairwise algorithm for computing sample
variances"): with ``d = mean_b - mean_a``,
``S = S_a + S_b + (W_a W_b / W) d d^T``. Keeping the moments centered (rather
than raw sums ``X^T X`` and ``X^T y``) avoids the cancellation of
``X^T X - W x_mean x_mean^T`` when the states have a large mean; the raw sums are
recovered exactly as ``S_xx + W x_mean x_mean^T`` when no intercept is fitted.

With an intercept, the ridge solution (the one of
:class:`sklearn.linear_model.Ridge`, intercept not penalised) is

    (S_xx + alpha I) w = S_xy,        b = y_mean - w^T x_mean.
"""

from __future__ import annotations

import copy
import numbers
import warnings
from typing import NamedTuple

import numpy as np
from scipy import linalg
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._validation import check_in_range

__all__ = ["RidgeReadout"]

_SOLVERS = ("auto", "cholesky", "lstsq", "eigen")


class _Moments(NamedTuple):
    """Weighted sufficient statistics of a ridge regression (see the module docstring)."""

    weight: float
    x_mean: np.ndarray
    y_mean: np.ndarray
    xx: np.ndarray
    xy: np.ndarray

    @classmethod
    def of_block(cls, X, Y, sample_weight):
        """Moments of one block: X (n, N), Y (n, T), sample_weight (n,) or None."""
        weight = float(X.shape[0] if sample_weight is None else sample_weight.sum())
        if weight == 0.0:
            return cls.empty(X.shape[1], Y.shape[1])
        x_mean = np.average(X, axis=0, weights=sample_weight)
        y_mean = np.average(Y, axis=0, weights=sample_weight)
        Xc = X - x_mean
        Xc_weighted = Xc if sample_weight is None else Xc * sample_weight[:, None]
        xx = Xc_weighted.T @ Xc
        return cls(weight, x_mean, y_mean, (xx + xx.T) / 2, Xc_weighted.T @ (Y - y_mean))

    @classmethod
    def empty(cls, n_features, n_targets):
        """Moments of no data (zero weight)."""
        return cls(0.0, np.zeros(n_features), np.zeros(n_targets),
                   np.zeros((n_features, n_features)), np.zeros((n_features, n_targets)))

    def merged(self, other: _Moments) -> _Moments:
        """Moments of the union of the two data sets (Chan, Golub & LeVeque 1979)."""
        if other.weight == 0.0:
            return self
        if self.weight == 0.0:
            return other
        weight = self.weight + other.weight
        dx = other.x_mean - self.x_mean
        dy = other.y_mean - self.y_mean
        shrink = self.weight * other.weight / weight
        return _Moments(
            weight,
            self.x_mean + dx * (other.weight / weight),
            self.y_mean + dy * (other.weight / weight),
            self.xx + other.xx + shrink * np.outer(dx, dx),
            self.xy + other.xy + shrink * np.outer(dx, dy),
        )

    def normal_equations(self, fit_intercept: bool):
        """Gram matrix and right-hand side: centered with an intercept, raw without."""
        if fit_intercept:
            return self.xx, self.xy
        return (self.xx + self.weight * np.outer(self.x_mean, self.x_mean),
                self.xy + self.weight * np.outer(self.x_mean, self.y_mean))


def _rank_cutoff(n_features: int) -> float:
    """Relative size below which an eigen/singular value of the Gram matrix counts as zero."""
    return n_features * np.finfo(np.float64).eps


def _with_ridge(gram, alpha):
    """Return ``gram + alpha * I`` as a new array."""
    system = gram.copy()
    system.flat[:: gram.shape[0] + 1] += alpha
    return system


def _solve_cholesky(system, rhs):
    """Cholesky solve that turns scipy's ill-conditioning warning into an exception."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", linalg.LinAlgWarning)
        return linalg.solve(system, rhs, assume_a="pos")


def _solve_lstsq(system, rhs):
    """Minimum-norm least-squares solve, treating tiny singular values as zero."""
    return linalg.lstsq(system, rhs, cond=_rank_cutoff(system.shape[0]))[0]


def _solve_eigen(eigenvalues, eigenvectors, rhs, alphas):
    """Ridge solutions for many alphas from one eigendecomposition of the Gram matrix.

    With ``G = V diag(lam) V^T``, ``(G + alpha I)^+ b = V diag(1 / (lam + alpha)) V^T b``;
    directions with ``lam + alpha`` below the rank cutoff get 0 (pseudo-inverse,
    as :func:`scipy.linalg.lstsq` does). Returns an array (n_alphas, N, T).
    """
    projected = eigenvectors.T @ rhs                                    # (N, T), once
    shifted = eigenvalues[None, :] + np.asarray(alphas)[:, None]        # (n_alphas, N)
    cutoff = _rank_cutoff(eigenvalues.size) * eigenvalues.max(initial=0.0)  # clipped >= 0
    safe = np.where(shifted > cutoff, shifted, 1.0)
    gains = np.where(shifted > cutoff, 1.0 / safe, 0.0)
    return eigenvectors @ (gains[:, :, None] * projected)               # O(N^2 T) per alpha


def _solve_ridge(gram, rhs, alpha, solver):
    """Solve ``(gram + alpha I) w = rhs`` with solver "auto", "cholesky" or "lstsq"; w is (N, T)."""
    system = _with_ridge(gram, alpha)
    if solver == "lstsq":
        return _solve_lstsq(system, rhs)
    if solver == "cholesky":
        return linalg.solve(system, rhs, assume_a="pos")
    try:
        return _solve_cholesky(system, rhs)
    except (linalg.LinAlgError, linalg.LinAlgWarning):
        return _solve_lstsq(system, rhs)


def _check_alphas(alphas) -> np.ndarray:
    """Validate a grid of ridge penalties: a non-empty 1-D sequence of finite numbers >= 0."""
    try:
        grid = np.atleast_1d(np.asarray(alphas, dtype=np.float64))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"alphas must be a sequence of numbers >= 0; got {alphas!r}.") from exc
    if grid.ndim != 1 or grid.size == 0:
        raise ValueError(f"alphas must be a non-empty 1-D sequence; got shape {grid.shape}.")
    if not np.all(np.isfinite(grid)) or np.any(grid < 0):
        raise ValueError(f"alphas must be finite and >= 0; got {alphas!r}.")
    return grid


def _read_only(array):
    array = np.asarray(array)
    array.flags.writeable = False
    return array


class RidgeReadout(RegressorMixin, BaseEstimator):
    """Ridge regression fitted from streaming, mergeable normal equations.

    The readout keeps only the weighted means and centered scatter matrices of
    the data (see :mod:`reservoir.readouts`), so it can be fitted block by
    block with :meth:`partial_fit` as a reservoir produces states, merged
    across workers with :meth:`merge` (or ``+``), and re-solved for a whole
    grid of penalties with :meth:`solve_path`. Memory does not grow with the
    number of samples. The solution equals that of
    :class:`sklearn.linear_model.Ridge` with the same ``alpha`` and
    ``fit_intercept`` (the intercept is never penalised).

    Parameters
    ----------
    alpha : float, default=1e-6
        Ridge penalty (L2 regularisation strength), >= 0. With ``alpha=0`` the
        solution is ordinary least squares (the minimum-norm one when the
        features are collinear).
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept, by centering with the
        accumulated weighted means.
    solver : {"auto", "cholesky", "lstsq", "eigen"}, default="auto"
        How the N x N normal equations ``(G + alpha I) w = b`` are solved.

        - ``"auto"``: Cholesky (:func:`scipy.linalg.solve` with
          ``assume_a="pos"``); when the system is singular or
          ill-conditioned (``LinAlgError`` or scipy's ``LinAlgWarning``), the
          minimum-norm least-squares solution of ``"lstsq"`` instead.
        - ``"cholesky"``: Cholesky only; errors and warnings propagate.
        - ``"lstsq"``: :func:`scipy.linalg.lstsq`, singular values below
          ``N * eps`` times the largest treated as zero.
        - ``"eigen"``: eigendecomposition of ``G`` (the method of
          :meth:`solve_path`, cached, so changing ``alpha`` afterwards costs
          only O(N^2) per target).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Weights; 1-D when ``y`` was 1-D at the first fit. Computed on first
        access after (partial) fitting and cached, read-only.
    intercept_ : float or ndarray of shape (n_targets,)
        Intercept; ``0.0`` when ``fit_intercept=False``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when X had string column names.
    n_samples_seen_ : int
        Number of rows accumulated (zero-weight rows included).
    sum_weights_ : float
        Total sample weight ``W`` accumulated.
    X_mean_ : ndarray of shape (n_features,)
        Weighted mean of the features.
    y_mean_ : ndarray of shape (n_targets,)
        Weighted mean of the targets.
    X_scatter_ : ndarray of shape (n_features, n_features)
        Centered weighted scatter ``sum_i s_i (x_i - X_mean_)(x_i - X_mean_)^T``.
    Xy_scatter_ : ndarray of shape (n_features, n_targets)
        Centered weighted cross scatter ``sum_i s_i (x_i - X_mean_)(y_i - y_mean_)^T``.

    Notes
    -----
    Solving is lazy: :meth:`partial_fit` only updates the moments (cost
    O(n N^2) for a block of n rows), and the O(N^3) solve runs once, on the
    first access to ``coef_``/``intercept_``, :meth:`predict` or
    :meth:`solve`, then is cached. A reservoir estimator can thus call
    :meth:`partial_fit` once per block without paying one solve per block,
    and a closed-loop forecast calling :meth:`predict` once per step pays
    for one solve in all. :meth:`fit` solves at once, so that a degenerate
    problem fails at fit time. The cache is keyed by ``alpha``,
    ``fit_intercept`` and ``solver``: after ``set_params(alpha=...)`` the
    next prediction uses the new penalty without re-reading any data.

    Inputs of any float dtype are accepted; all computations are done and all
    outputs returned in float64 (the normal equations square the condition
    number, which float32 cannot afford).

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import RidgeReadout
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 5))
    >>> y = X @ np.arange(5.0) + 3.0
    >>> readout = RidgeReadout(alpha=1e-8)
    >>> for block in np.array_split(np.arange(1000), 4):
    ...     readout = readout.partial_fit(X[block], y[block])
    >>> bool(np.allclose(readout.coef_, [0, 1, 2, 3, 4])), round(float(readout.intercept_), 6)
    (True, 3.0)
    """

    def __init__(self, alpha=1e-6, fit_intercept=True, solver="auto"):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver

    # -- fitting -----------------------------------------------------------------
    def fit(self, X, y, sample_weight=None):
        """Fit on (X, y), discarding previously accumulated data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features (reservoir states).
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights; an integer weight is equivalent to repeating the row.

        Returns
        -------
        self : RidgeReadout
        """
        self._check_params()
        self._accumulate(X, y, sample_weight, reset=True)
        return self.solve()

    def partial_fit(self, X, y, sample_weight=None):
        """Add one block of samples to the accumulated moments.

        The first call fixes the number of features and targets (and whether
        predictions are 1-D); later calls must match them. No solve happens
        here; see the class Notes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features of this block.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets of this block.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights of this block.

        Returns
        -------
        self : RidgeReadout
        """
        self._check_params()
        self._accumulate(X, y, sample_weight, reset=not hasattr(self, "n_samples_seen_"))
        return self

    def _accumulate(self, X, y, sample_weight, *, reset):
        """Validate a block and fold its moments into the fitted state."""
        X, y = validate_data(self, X, y, reset=reset, multi_output=True, y_numeric=True,
                             dtype=np.float64)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64,
                                                 ensure_non_negative=True,
                                                 allow_all_zero_weights=True)
        Y = y.astype(np.float64, copy=False).reshape(y.shape[0], -1)  # X is float64 already
        block = _Moments.of_block(X, Y, sample_weight)
        if reset:
            self._y_1d = y.ndim == 1
            self.n_samples_seen_ = 0
            self._set_moments(block)
        else:
            self._check_n_targets(Y.shape[1])
            self._set_moments(self._moments().merged(block))
        self.n_samples_seen_ += X.shape[0]

    def _check_n_targets(self, n_targets):
        if n_targets != self.y_mean_.shape[0]:
            raise ValueError(
                f"y has {n_targets} target(s), but {type(self).__name__} was fitted with "
                f"{self.y_mean_.shape[0]}; every block must have the same targets."
            )

    def _moments(self) -> _Moments:
        return _Moments(self.sum_weights_, self.X_mean_, self.y_mean_,
                        self.X_scatter_, self.Xy_scatter_)

    def _set_moments(self, moments: _Moments):
        """Store new moments and forget every solution computed from the old ones."""
        self.sum_weights_ = moments.weight
        self.X_mean_ = moments.x_mean
        self.y_mean_ = moments.y_mean
        self.X_scatter_ = moments.xx
        self.Xy_scatter_ = moments.xy
        self._memo = {}

    # -- combining ---------------------------------------------------------------
    def merge(self, other):
        """Add the data accumulated by ``other`` to this readout, in place.

        Merging readouts fitted on disjoint data gives the moments (and so the
        solution) of one fit on the union, up to rounding: fit shards on
        separate workers, then merge. An unfitted ``other`` adds nothing; an
        unfitted ``self`` takes over ``other``'s data. Hyperparameters are
        ``self``'s.

        Parameters
        ----------
        other : RidgeReadout

        Returns
        -------
        self : RidgeReadout
        """
        if not isinstance(other, RidgeReadout):
            raise TypeError(f"other must be a RidgeReadout; got {type(other).__name__}.")
        if not hasattr(other, "n_samples_seen_"):
            return self
        if not hasattr(self, "n_samples_seen_"):
            self._adopt_data_of(other)
            return self
        self._check_compatible(other)
        self._set_moments(self._moments().merged(other._moments()))
        self.n_samples_seen_ += other.n_samples_seen_
        return self

    def _adopt_data_of(self, other):
        for name in ("n_features_in_", "feature_names_in_", "_y_1d", "n_samples_seen_"):
            if hasattr(other, name):
                setattr(self, name, copy.deepcopy(getattr(other, name)))
        self._set_moments(_Moments(*(copy.deepcopy(part) for part in other._moments())))

    def _check_compatible(self, other):
        if other.n_features_in_ != self.n_features_in_:
            raise ValueError(
                f"other has {other.n_features_in_} features, but this readout has "
                f"{self.n_features_in_}; only readouts of the same features can be merged."
            )
        self._check_n_targets(other.y_mean_.shape[0])
        names, other_names = (getattr(r, "feature_names_in_", None) for r in (self, other))
        if (names is None) != (other_names is None) or (
            names is not None and not np.array_equal(names, other_names)
        ):
            raise ValueError("other was fitted on different feature names; cannot merge.")

    def __add__(self, other):
        """Return a new readout holding the data of both (see :meth:`merge`)."""
        if not isinstance(other, RidgeReadout):
            return NotImplemented
        return copy.deepcopy(self).merge(other)

    def __radd__(self, other):
        """Support ``sum(readouts)``, which starts from 0."""
        if isinstance(other, numbers.Number) and other == 0:
            return copy.deepcopy(self)
        return NotImplemented

    # -- solving -----------------------------------------------------------------
    def _check_params(self):
        check_in_range(self.alpha, "alpha", low=0)
        if not isinstance(self.fit_intercept, (bool, np.bool_)):
            raise ValueError(f"fit_intercept must be True or False; got {self.fit_intercept!r}.")
        if self.solver not in _SOLVERS:
            raise ValueError(f"solver must be one of {_SOLVERS}; got {self.solver!r}.")

    def _check_solvable(self):
        check_is_fitted(self)
        if self.sum_weights_ <= 0:
            raise ValueError(
                "The accumulated samples have zero total sample_weight; nothing to fit."
            )

    def solve(self):
        """Solve the normal equations now for the current parameters (cached).

        Returns
        -------
        self : RidgeReadout
        """
        self._solution()
        return self

    def _solution(self):
        """(coef, intercept) in scikit-learn's shapes for the current params, memoised."""
        self._check_solvable()
        self._check_params()
        key = ("solution", float(self.alpha), bool(self.fit_intercept), self.solver)
        if key not in self._memo:
            if self.solver == "eigen":
                weights = self._path_weights([float(self.alpha)])[0]
            else:
                gram, rhs = self._moments().normal_equations(self.fit_intercept)
                weights = _solve_ridge(gram, rhs, float(self.alpha), self.solver)
            self._memo[key] = self._to_sklearn_shapes(weights)
        return self._memo[key]

    def _path_weights(self, alphas):
        """Weights (n_alphas, N, T) from the cached eigendecomposition of the Gram matrix."""
        key = ("eigh", bool(self.fit_intercept))
        if key not in self._memo:
            gram, rhs = self._moments().normal_equations(self.fit_intercept)
            eigenvalues, eigenvectors = linalg.eigh(gram, driver="evd")
            self._memo[key] = (np.clip(eigenvalues, 0.0, None), eigenvectors, rhs)
        return _solve_eigen(*self._memo[key], alphas)

    def _intercepts(self, weights):
        """Intercepts (..., T) of weights (..., N, T): y_mean - w^T x_mean, or 0."""
        if not self.fit_intercept:
            return np.zeros(weights.shape[:-2] + weights.shape[-1:])
        return self.y_mean_ - np.einsum("...nt,n->...t", weights, self.X_mean_)

    def _to_sklearn_shapes(self, weights):
        """coef_ (n_features,) or (T, n_features); intercept_ float, 0.0 or (T,)."""
        coef = weights[:, 0] if self._y_1d else weights.T
        if not self.fit_intercept:
            return _read_only(coef.copy()), 0.0
        intercept = self._intercepts(weights)
        return _read_only(coef.copy()), (float(intercept[0]) if self._y_1d
                                         else _read_only(intercept))

    def solve_path(self, alphas):
        """Ridge solutions for a whole grid of penalties from the accumulated data.

        The Gram matrix ``G`` is eigendecomposed once, ``G = V diag(lam) V^T``
        (O(N^3), cached); then each alpha costs O(N^2) per target:
        ``w(alpha) = V diag(1 / (lam + alpha)) V^T b``. Directions where
        ``lam + alpha`` is below ``N * eps * max(lam)`` are dropped
        (pseudo-inverse), so ``alpha=0`` gives the minimum-norm least-squares
        solution. Searching alpha thus costs one reservoir run and one
        decomposition, not one fit per alpha.

        Parameters
        ----------
        alphas : array-like of shape (n_alphas,)
            Penalties, each finite and >= 0.

        Returns
        -------
        coefs : ndarray of shape (n_alphas, n_features) or (n_alphas, n_targets, n_features)
            ``coefs[k]`` is the ``coef_`` a fit with ``alpha=alphas[k]`` would give.
        intercepts : ndarray of shape (n_alphas,) or (n_alphas, n_targets)
            The matching intercepts (zeros when ``fit_intercept=False``).
        """
        self._check_solvable()
        self._check_params()
        weights = self._path_weights(_check_alphas(alphas))              # (A, N, T)
        intercepts = self._intercepts(weights)                          # (A, T)
        if self._y_1d:
            return weights[:, :, 0], intercepts[:, 0]
        return weights.transpose(0, 2, 1), intercepts

    @property
    def coef_(self):
        """Weights, shape (n_features,) or (n_targets, n_features); see the class docs."""
        return self._solution()[0]  # NotFittedError is an AttributeError: hasattr works

    @property
    def intercept_(self):
        """Intercept, float or shape (n_targets,); see the class docs."""
        return self._solution()[1]

    # -- predicting --------------------------------------------------------------
    def predict(self, X):
        """Predict targets: ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            1-D when ``y`` was 1-D at the first fit; float64.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        coef, intercept = self._solution()
        return X @ coef.T + intercept

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
