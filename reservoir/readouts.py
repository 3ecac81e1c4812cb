"""Linear readouts fitted from streaming, mergeable square-root normal equations.

A reservoir's readout is a ridge regression from states ``x`` (N features) to
targets ``y`` (T targets). Everything it needs from the data is a handful of
weighted statistics, which :class:`RidgeReadout` accumulates block by block:

* the total sample weight ``W = sum_i s_i``;
* the weighted means ``x_mean = sum_i s_i x_i / W`` and ``y_mean``;
* an upper-triangular factor ``R`` ((N + T) x (N + T)) of the centred data
  ``Z = sqrt(s) * [x - x_mean, y - y_mean]``: ``Z = Q R`` with ``Q`` orthonormal,
  so ``R^T R = Z^T Z`` is the centred scatter matrix.

Memory is O((N + T)^2), whatever the number of samples. Keeping the factor
``R`` instead of the scatter matrix ``Z^T Z`` (the "normal equations") is what
makes the solves exact: forming ``Z^T Z`` squares the condition number, so
states with condition number 1e8 or more (common in reservoirs) lose every
digit in their smallest directions, while ``R`` keeps the condition number of
the data (Golub & Van Loan, *Matrix Computations*, 4th ed., sec. 5.3). A block
is folded in with one Householder QR of ``[R; new rows]`` (LAPACK ``tpqrt``).
Two factors combine exactly with the pairwise update of Chan, Golub & LeVeque
(1979): with ``d = mean_b - mean_a``, ``R`` is the triangular factor of
``[R_a; R_b; sqrt(W_a W_b / W) d]``.

Splitting ``R = [[R_xx, R_xy], [0, R_yy]]`` (N rows, then T), the centred
least-squares residual is ``||Z [w; -1]||^2 = ||R_xx w - R_xy||^2 + ||R_yy||^2``,
so the ridge solution (the one of :class:`sklearn.linear_model.Ridge`, intercept
not penalised) solves the small problem

    min_w ||R_xx w - R_xy||^2 + alpha ||w||^2,        b = y_mean - w^T x_mean,

which is solved by a QR factorisation of ``[R_xx; sqrt(alpha) I]`` or an SVD of
``R_xx``, both backward stable in the data, never through ``R_xx^T R_xx``.
"""

from __future__ import annotations

import copy
import numbers
from typing import NamedTuple

import numpy as np
from scipy import linalg
from scipy.linalg import lapack
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._validation import BOOLEAN, Interval, Options, validate_params

__all__ = ["RidgeReadout"]

_SOLVERS = ("auto", "cholesky", "lstsq", "eigen")
#: Column block size of LAPACK's tpqrt (its blocked Householder update).
_TPQRT_BLOCK = 32


def _stack_factor(R, rows):
    """Upper-triangular factor of ``[R; rows]``: R (K, K) upper triangular, rows (m, K)."""
    rows = np.asarray(rows, dtype=np.float64)
    if rows.shape[0] == 0:
        return R
    n_cols = R.shape[1]
    top, _, _, info = lapack.dtpqrt(0, max(1, min(_TPQRT_BLOCK, n_cols)), np.asfortranarray(R),
                                    np.asfortranarray(rows), overwrite_a=1, overwrite_b=1)
    if info != 0:  # pragma: no cover - only for invalid arguments
        raise RuntimeError(f"LAPACK tpqrt failed with info={info}.")
    return np.triu(top)


class _Factor(NamedTuple):
    """Weighted sufficient statistics of a ridge regression in square-root form.

    ``weight`` W, means ``x_mean`` (N,) and ``y_mean`` (T,), and ``R`` (N + T,
    N + T) upper triangular with ``R^T R`` the centred weighted scatter of
    ``[X, Y]`` (see the module docstring).
    """

    weight: float
    x_mean: np.ndarray
    y_mean: np.ndarray
    R: np.ndarray

    @classmethod
    def empty(cls, n_features, n_targets):
        """Statistics of no data (zero weight)."""
        size = n_features + n_targets
        return cls(0.0, np.zeros(n_features), np.zeros(n_targets), np.zeros((size, size)))

    def with_block(self, X, Y, sample_weight) -> _Factor:
        """Statistics of these data plus one block: X (n, N), Y (n, T), weights (n,) or None."""
        weight = float(X.shape[0] if sample_weight is None else sample_weight.sum())
        if weight == 0.0:
            return self
        x_mean = np.average(X, axis=0, weights=sample_weight)
        y_mean = np.average(Y, axis=0, weights=sample_weight)
        rows = np.concatenate([X - x_mean, Y - y_mean], axis=1)
        if sample_weight is not None:
            rows *= np.sqrt(sample_weight)[:, None]
        return self._merged(weight, x_mean, y_mean, rows)

    def merged(self, other: _Factor) -> _Factor:
        """Statistics of the union of the two data sets (Chan, Golub & LeVeque 1979)."""
        if other.weight == 0.0:
            return self
        return self._merged(other.weight, other.x_mean, other.y_mean, other.R)

    def _merged(self, weight, x_mean, y_mean, rows):
        """Fold in data of total weight ``weight``, these means and centred factor rows."""
        if self.weight == 0.0:
            return _Factor(weight, x_mean, y_mean, _stack_factor(np.zeros_like(self.R), rows))
        total = self.weight + weight
        dx, dy = x_mean - self.x_mean, y_mean - self.y_mean
        shift = np.sqrt(self.weight * weight / total) * np.concatenate([dx, dy])
        return _Factor(
            total,
            self.x_mean + dx * (weight / total),
            self.y_mean + dy * (weight / total),
            _stack_factor(self.R, np.vstack([rows, shift[None, :]])),
        )

    def least_squares(self, fit_intercept: bool):
        """The (N, N) triangular ``A`` and (N, T) ``B`` with residual ``||A w - B||`` + const.

        Centred data with an intercept; raw (uncentred) data without one, whose
        factor adds the row ``sqrt(W) [x_mean, y_mean]``.
        """
        R = self.R
        if not fit_intercept:
            means = np.sqrt(self.weight) * np.concatenate([self.x_mean, self.y_mean])
            R = _stack_factor(R.copy(), means[None, :])
        n_features = self.x_mean.shape[0]
        return R[:n_features, :n_features], R[:n_features, n_features:]

    def scatter(self):
        """The centred weighted scatter matrix ``R^T R`` of ``[X, Y]``."""
        return self.R.T @ self.R


def _rank_cutoff(shape) -> float:
    """Relative size below which a singular value counts as zero (that of ``lstsq``)."""
    return max(shape) * np.finfo(np.float64).eps


class _SVD(NamedTuple):
    """Singular value decomposition ``A = U diag(s) V^T`` with the projected rhs ``U^T B``."""

    s: np.ndarray
    V: np.ndarray
    projected: np.ndarray

    @classmethod
    def of(cls, A, B):
        U, s, Vt = linalg.svd(A, full_matrices=False, lapack_driver="gesdd")
        return cls(s, Vt.T, U.T @ B)

    def ridge(self, alphas):
        """Ridge solutions (n_alphas, N, T) of ``min ||A w - B||^2 + alpha ||w||^2``.

        ``w(alpha) = V diag(s / (s^2 + alpha)) U^T B``. With ``alpha = 0``,
        singular values below ``N * eps * s_max`` are dropped: the minimum-norm
        least-squares solution, as :func:`scipy.linalg.lstsq` gives it.
        """
        s = self.s
        alphas = np.asarray(alphas, dtype=np.float64)[:, None]
        significant = s > _rank_cutoff(self.V.shape) * s.max(initial=0.0)
        denominator = s**2 + alphas
        usable = (denominator > 0) & ((alphas > 0) | significant)
        gains = np.where(usable, s / np.where(usable, denominator, 1.0), 0.0)  # (A, N)
        return self.V @ (gains[:, :, None] * self.projected)


def _solve_qr(A, B, alpha):
    """Ridge solution by Householder QR of ``[A; sqrt(alpha) I]`` (backward stable), or None.

    None when ``alpha`` is too small next to ``A`` for the stacked factor to be
    well determined; the SVD then gives the (minimum-norm) solution.
    """
    n = A.shape[1]
    stacked = np.vstack([A, np.sqrt(alpha) * np.eye(n)])
    Q, T = linalg.qr(stacked, mode="economic", check_finite=False)
    diagonal = np.abs(np.diag(T))
    if diagonal.min(initial=np.inf) <= _rank_cutoff(stacked.shape) * diagonal.max(initial=0.0):
        return None
    return linalg.solve_triangular(T, Q[:n].T @ B, check_finite=False)


def _solve_cholesky(A, B, alpha):
    """Normal equations ``(A^T A + alpha I) w = A^T B`` by Cholesky; scipy's errors propagate."""
    system = A.T @ A
    system.flat[:: system.shape[0] + 1] += alpha
    return linalg.solve(system, A.T @ B, assume_a="pos")


def _solve_lstsq(A, B, alpha):
    """Minimum-norm least squares of the stacked problem ``[A; sqrt(alpha) I] w = [B; 0]``."""
    n = A.shape[1]
    stacked = np.vstack([A, np.sqrt(alpha) * np.eye(n)])
    rhs = np.vstack([B, np.zeros((n, B.shape[1]))])
    return linalg.lstsq(stacked, rhs, cond=_rank_cutoff(stacked.shape))[0]


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
    """Ridge regression fitted from streaming, mergeable square-root normal equations.

    The readout keeps only the weighted means and a triangular factor of the
    centred data (see :mod:`reservoir.readouts`), so it can be fitted block by
    block with :meth:`partial_fit` as a reservoir produces states, merged
    across workers with :meth:`merge` (or ``+``), and re-solved for a whole
    grid of penalties with :meth:`solve_path`. Memory does not grow with the
    number of samples. The problem solved is that of
    :class:`sklearn.linear_model.Ridge` with the same ``alpha`` and
    ``fit_intercept`` (the intercept is never penalised), and the default
    solver reaches its optimum at least as closely as scikit-learn does, also on
    ill-conditioned states (condition number 1e13) and at ``alpha=0``, where
    solvers that form ``X^T X`` lose the smallest directions of the data.

    Parameters
    ----------
    alpha : float, default=1e-10
        Ridge penalty (L2 regularisation strength), >= 0. The default, chosen
        by the defaults study (``python -m reservoir.benchmark.defaults``), is
        small because reservoir states of clean signals are nearly collinear and
        the exact solver does not need a penalty for numerical stability; on
        noisy or short series a larger one generalises better (tune it:
        :func:`reservoir.model_selection.ridge_alpha_path` costs one fit). With ``alpha=0`` the
        solution is ordinary least squares (the minimum-norm one when the
        features are collinear).
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept, by centering with the
        accumulated weighted means.
    solver : {"auto", "cholesky", "lstsq", "eigen"}, default="auto"
        How the small problem ``min ||R_xx w - R_xy||^2 + alpha ||w||^2`` on the
        accumulated N x N triangular factor is solved (module docstring).

        - ``"auto"``: Householder QR of ``[R_xx; sqrt(alpha) I]`` (backward
          stable, O(N^3)); when ``alpha`` is 0 or too small to make that factor
          well determined, the SVD of ``"eigen"``, which is exact there too (at
          ``alpha=0`` the minimum-norm least-squares solution). No accuracy is
          traded for speed, so there is nothing to fall back from.
        - ``"cholesky"``: Cholesky of the normal equations
          ``(R_xx^T R_xx + alpha I) w = R_xx^T R_xy``: the fastest solve (about
          15x faster than ``"auto"`` at N=1000) but it squares the condition
          number; scipy's ``LinAlgError`` and ``LinAlgWarning`` propagate.
        - ``"lstsq"``: :func:`scipy.linalg.lstsq` on the stacked problem,
          singular values below ``max(2N, N) * eps`` times the largest treated
          as zero.
        - ``"eigen"``: SVD of ``R_xx`` (whose squared singular values and right
          singular vectors are the eigendecomposition of ``X^T X``), the method
          of :meth:`solve_path`; cached, so changing ``alpha`` afterwards costs
          only O(N^2) per target.
    keep_statistics : bool, default=False
        Whether pickles and :mod:`reservoir.io` files keep the accumulated
        statistics (the (N + T) x (N + T) triangular factor
        ``scatter_factor_``). In memory the readout always keeps them, so it
        can go on with :meth:`partial_fit`, be merged, re-solved for other
        penalties (:meth:`solve_path`, ``set_params(alpha=...)``, as the tuner
        does) or read through ``X_scatter_``. By default a saved readout holds
        only its solution (``coef_``, ``intercept_``, the means and sample
        counts): a fitted readout of N=2000 states takes 16 KB instead of
        32 MB. After loading such a file, continuing to fit, merging or
        re-solving for another penalty raises a ``ValueError``; set
        ``keep_statistics=True`` before saving to continue fitting later.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Weights; 1-D when ``y`` was 1-D at the first fit, 2-D when it was 2-D,
        also with a single column: a ``y`` of shape (n_samples, 1) gives
        ``coef_`` of shape (1, n_features), ``intercept_`` of shape (1,) and
        predictions of shape (n_samples, 1). The shape of ``y`` is kept, as
        :class:`sklearn.linear_model.LinearRegression` does (scikit-learn's
        ``Ridge`` instead ravels a one-column ``coef_`` to (n_features,) and
        predicts 1-D, while its ``intercept_`` stays (1,)). Computed on first
        access after (partial) fitting and cached, read-only.
    intercept_ : float or ndarray of shape (n_targets,)
        Intercept; a float for 1-D ``y``; ``0.0`` when ``fit_intercept=False``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape ``(n_features_in_,)``
        Feature names, when X had string column names.
    n_samples_seen_ : int
        Number of rows accumulated (zero-weight rows included).
    sum_weights_ : float
        Total sample weight ``W`` accumulated.
    X_mean_ : ndarray of shape (n_features,)
        Weighted mean of the features.
    y_mean_ : ndarray of shape (n_targets,)
        Weighted mean of the targets.
    scatter_factor_ : ndarray of shape (n_features + n_targets, n_features + n_targets)
        Upper-triangular ``R`` with ``R^T R`` the centred weighted scatter of
        ``[X, y]`` (module docstring). Absent once solved with
        ``keep_statistics=False``.
    X_scatter_ : ndarray of shape (n_features, n_features)
        Centered weighted scatter ``sum_i s_i (x_i - X_mean_)(x_i - X_mean_)^T``
        (computed from ``scatter_factor_`` on access).
    Xy_scatter_ : ndarray of shape (n_features, n_targets)
        Centered weighted cross scatter ``sum_i s_i (x_i - X_mean_)(y_i - y_mean_)^T``
        (computed from ``scatter_factor_`` on access).

    Notes
    -----
    Solving is lazy: :meth:`partial_fit` only updates the factor (one
    Householder QR, cost O(n N^2) for a block of n rows, about three times the
    cost of forming ``X^T X``), and the O(N^3) solve runs once, on the
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

    _parameter_constraints = {
        "alpha": [Interval("real", 0, None)],
        "fit_intercept": [BOOLEAN],
        "solver": [Options(*_SOLVERS)],
        "keep_statistics": [BOOLEAN],
    }

    def __init__(self, alpha=1e-10, fit_intercept=True, solver="auto", keep_statistics=False):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.keep_statistics = keep_statistics

    def _expected_failed_checks(self) -> dict[str, str]:
        """None: rows are independent samples for a readout (see ``expected_failed_checks``)."""
        return {}

    # -- persistence -------------------------------------------------------------
    def __getstate__(self):
        """Pickled state without caches; with ``keep_statistics=False``, without the factor.

        Solutions and decompositions cached for the current data (``_memo``)
        are recomputed on demand after loading. A readout that does not keep
        its statistics is saved solved: ``coef_``/``intercept_`` and the means,
        not the (N + T)^2 factor.
        """
        state = dict(super().__getstate__())  # a copy, not self.__dict__
        state.pop("_memo", None)
        if (not self._keeps_statistics() and "scatter_factor_" in self.__dict__
                and self.sum_weights_ > 0):
            try:
                solution = self._solution()
            except (ValueError, np.linalg.LinAlgError):  # unsolvable: saved with its factor
                return state
            del state["scatter_factor_"]
            state["_frozen"] = (self._solution_key(), *solution)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        self._memo = {}

    def __deepcopy__(self, memo):
        """An in-memory copy keeps everything, statistics included (unlike a saved file)."""
        duplicate = type(self).__new__(type(self))
        memo[id(self)] = duplicate
        duplicate.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return duplicate

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
        reset = not hasattr(self, "n_samples_seen_")
        if not reset:
            self._require_statistics("partial_fit")
        self._accumulate(X, y, sample_weight, reset=reset)
        return self

    @classmethod
    def from_statistics(cls, X_mean, y_mean, scatter_factor, *, sum_weights, n_samples=None,
                        y_1d=False, **params):
        """A readout holding statistics accumulated elsewhere (another process, a GPU).

        The statistics are those a :meth:`partial_fit` accumulates (module
        docstring): the total sample weight, the weighted means and a square
        factor ``R`` of the centred weighted data ``Z = sqrt(s) [x - X_mean,
        y - y_mean]`` with ``R^T R = Z^T Z``, e.g. the ``R`` of a QR
        factorisation of ``Z``. The readout is not solved yet (as after
        :meth:`partial_fit`); it can be solved, extended with
        :meth:`partial_fit` and merged like any other.

        Parameters
        ----------
        X_mean : array-like of shape (n_features,)
            Weighted mean of the features.
        y_mean : array-like of shape (n_targets,)
            Weighted mean of the targets.
        scatter_factor : array-like of shape (n_features + n_targets, n_features + n_targets)
            ``R`` with ``R^T R`` the centred weighted scatter of ``[X, y]``.
            Upper triangular as a QR factorisation gives it; any other square
            factor is brought to that form with one QR factorisation.
        sum_weights : float > 0
            Total sample weight (the number of rows for unit weights).
        n_samples : int, optional
            Number of rows (``n_samples_seen_``); by default ``sum_weights``
            rounded down.
        y_1d : bool, default=False
            Whether ``y`` was 1-D (then ``coef_`` is 1-D); needs one target.
        **params
            Hyperparameters of the readout (``alpha``, ``fit_intercept``, ...).

        Returns
        -------
        RidgeReadout

        Examples
        --------
        >>> import numpy as np
        >>> from reservoir import RidgeReadout
        >>> rng = np.random.default_rng(0)
        >>> X, y = rng.normal(size=(200, 3)), rng.normal(size=200)
        >>> Z = np.column_stack([X - X.mean(axis=0), y - y.mean()])
        >>> R = np.linalg.qr(Z, mode="r")
        >>> readout = RidgeReadout.from_statistics(X.mean(axis=0), [y.mean()], R,
        ...                                        sum_weights=200, y_1d=True, alpha=1e-3)
        >>> bool(np.allclose(readout.coef_, RidgeReadout(alpha=1e-3).fit(X, y).coef_))
        True
        """
        readout = cls(**params)
        readout._check_params()
        X_mean = np.array(X_mean, dtype=np.float64, ndmin=1)
        y_mean = np.array(y_mean, dtype=np.float64, ndmin=1)
        if X_mean.ndim != 1 or y_mean.ndim != 1:
            raise ValueError(f"X_mean and y_mean must be 1-D; got shapes {X_mean.shape} and "
                             f"{y_mean.shape}.")
        size = X_mean.size + y_mean.size
        R = np.array(scatter_factor, dtype=np.float64)
        if R.shape != (size, size):
            raise ValueError(f"scatter_factor must have shape ({size}, {size}) for "
                             f"{X_mean.size} features and {y_mean.size} target(s); got {R.shape}.")
        for name, value in (("X_mean", X_mean), ("y_mean", y_mean), ("scatter_factor", R)):
            if not np.all(np.isfinite(value)):
                raise ValueError(f"{name} contains NaN or infinity.")
        if (not isinstance(sum_weights, numbers.Real) or not np.isfinite(sum_weights)
                or sum_weights <= 0):
            raise ValueError(f"sum_weights must be a finite number > 0; got {sum_weights!r}.")
        if n_samples is None:
            n_samples = int(sum_weights)
        if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral) \
                or n_samples < 0:
            raise ValueError(f"n_samples must be an integer >= 0; got {n_samples!r}.")
        if y_1d and y_mean.size != 1:
            raise ValueError(f"y_1d=True needs exactly one target; y_mean has {y_mean.size}.")
        if np.any(np.tril(R, -1)):
            R = _stack_factor(np.zeros_like(R), R)
        readout.n_features_in_ = X_mean.size
        readout._y_1d = bool(y_1d)
        readout.n_samples_seen_ = int(n_samples)
        readout._set_factor(_Factor(float(sum_weights), X_mean, y_mean, R))
        return readout

    def _accumulate(self, X, y, sample_weight, *, reset):
        """Validate a block and fold its moments into the fitted state."""
        X, y = validate_data(self, X, y, reset=reset, multi_output=True, y_numeric=True,
                             dtype=np.float64)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64,
                                                 ensure_non_negative=True,
                                                 allow_all_zero_weights=True)
        Y = y.astype(np.float64, copy=False).reshape(y.shape[0], -1)  # X is float64 already
        if reset:
            self._y_1d = y.ndim == 1
            self.n_samples_seen_ = 0
            current = _Factor.empty(X.shape[1], Y.shape[1])
        else:
            self._check_n_targets(Y.shape[1])
            current = self._factor()
        self._set_factor(current.with_block(X, Y, sample_weight))
        self.n_samples_seen_ += X.shape[0]

    def _check_n_targets(self, n_targets):
        if n_targets != self.y_mean_.shape[0]:
            raise ValueError(
                f"y has {n_targets} target(s), but {type(self).__name__} was fitted with "
                f"{self.y_mean_.shape[0]}; every block must have the same targets."
            )

    def _factor(self) -> _Factor:
        return _Factor(self.sum_weights_, self.X_mean_, self.y_mean_, self.scatter_factor_)

    def _set_factor(self, factor: _Factor):
        """Store new statistics and forget every solution computed from the old ones."""
        self.sum_weights_ = factor.weight
        self.X_mean_ = factor.x_mean
        self.y_mean_ = factor.y_mean
        self.scatter_factor_ = factor.R
        self._memo = {}
        self.__dict__.pop("_frozen", None)

    # -- keep_statistics=False: a solved readout without its statistics -------------
    def _keeps_statistics(self) -> bool:
        validate_params(self)
        return bool(self.keep_statistics)

    def _solution_key(self):
        return ("solution", float(self.alpha), bool(self.fit_intercept), self.solver)

    def _has_statistics(self) -> bool:
        return "scatter_factor_" in self.__dict__ or "_frozen" not in self.__dict__

    def _require_statistics(self, action):
        """Raise a clear error when the factor was dropped (``keep_statistics=False``)."""
        if self._has_statistics():
            return
        key = self._frozen[0]
        raise ValueError(
            f"{action} needs the accumulated statistics, but this RidgeReadout was saved "
            f"with keep_statistics=False and kept only its solution (alpha={key[1]!r}, "
            f"fit_intercept={key[2]!r}, solver={key[3]!r}). Refit, or set "
            "keep_statistics=True before saving, to continue fitting, merge, re-solve for "
            "another alpha or read the scatter matrices."
        )

    @property
    def X_scatter_(self):
        """Centred weighted scatter of the features, shape (n_features, n_features)."""
        check_is_fitted(self)
        self._require_statistics("X_scatter_")
        n = self.X_mean_.shape[0]
        return self._factor().scatter()[:n, :n]

    @property
    def Xy_scatter_(self):
        """Centred weighted cross scatter of features and targets, (n_features, n_targets)."""
        check_is_fitted(self)
        self._require_statistics("Xy_scatter_")
        n = self.X_mean_.shape[0]
        return self._factor().scatter()[:n, n:]

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
        other._require_statistics("merge")
        if not hasattr(self, "n_samples_seen_"):
            self._adopt_data_of(other)
            return self
        self._require_statistics("merge")
        self._check_compatible(other)
        self._set_factor(self._factor().merged(other._factor()))
        self.n_samples_seen_ += other.n_samples_seen_
        return self

    def _adopt_data_of(self, other):
        for name in ("n_features_in_", "feature_names_in_", "_y_1d", "n_samples_seen_"):
            if hasattr(other, name):
                setattr(self, name, copy.deepcopy(getattr(other, name)))
        self._set_factor(_Factor(*(copy.deepcopy(part) for part in other._factor())))

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
        validate_params(self)

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
        alpha = float(self.alpha)
        key = self._solution_key()
        if not self._has_statistics():
            if key != self._frozen[0]:
                self._require_statistics(f"Solving with alpha={alpha!r}, fit_intercept="
                                         f"{bool(self.fit_intercept)!r}, solver={self.solver!r}")
            return self._frozen[1:]
        if key not in self._memo:
            weights = None
            direct = self.solver in ("cholesky", "lstsq") or (self.solver == "auto" and alpha > 0)
            if direct:
                A, B = self._factor().least_squares(self.fit_intercept)
                solve = {"auto": _solve_qr, "cholesky": _solve_cholesky,
                         "lstsq": _solve_lstsq}[self.solver]
                weights = solve(A, B, alpha)
            if weights is None:  # "eigen", or "auto" with alpha too small for the QR
                weights = self._path_weights([alpha])[0]
            self._memo[key] = self._to_sklearn_shapes(weights)
        return self._memo[key]

    def _path_weights(self, alphas):
        """Weights (n_alphas, N, T) from the cached SVD of the triangular factor."""
        key = ("svd", bool(self.fit_intercept))
        if key not in self._memo:
            self._memo[key] = _SVD.of(*self._factor().least_squares(self.fit_intercept))
        return self._memo[key].ridge(alphas)

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

        The triangular factor ``R_xx`` of the data is decomposed once,
        ``R_xx = U diag(s) V^T`` (O(N^3), cached); then each alpha costs O(N^2)
        per target: ``w(alpha) = V diag(s / (s^2 + alpha)) U^T R_xy``. At
        ``alpha=0`` singular values below ``N * eps * max(s)`` are dropped, which
        gives the minimum-norm least-squares solution. Searching alpha thus
        costs one reservoir run and one decomposition, not one fit per alpha.

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
        self._require_statistics("solve_path")
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

    def _unchecked_predictor(self):
        """A function ``predict(X, out)``: ``X @ coef_.T + intercept_`` without any checks.

        For inner loops that call the readout once per step on arrays they
        built themselves (the closed loop of
        :class:`~reservoir.ReservoirForecaster`): the weights are solved and
        laid out once, here, and each call is one matrix product and one
        addition into ``out``, with no validation and no allocation.

        Returns
        -------
        callable
            ``predict(X, out)`` with ``X`` a float64 array (n_samples,
            n_features) and ``out`` a float64 array (n_samples, n_targets)
            (``n_targets`` is 1 when ``y`` was 1-D); returns ``out``.
        """
        check_is_fitted(self)
        coef, intercept = self._solution()
        weights = np.ascontiguousarray(np.reshape(coef, (-1, coef.shape[-1])).T)  # (N, T)
        bias = np.broadcast_to(np.asarray(intercept, dtype=np.float64), weights.shape[1:]).copy()

        def predict(X, out):
            np.matmul(X, weights, out=out)
            out += bias
            return out

        return predict

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
