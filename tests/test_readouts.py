"""Tests for reservoir.readouts.RidgeReadout."""

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import linalg
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, Ridge

from reservoir import RidgeReadout

RTOL = 1e-8


def make_problem(n_samples=300, n_features=12, n_targets=None, offset=2.0, seed=0):
    """Random regression data with non-centered features; y 1-D when n_targets is None."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features)) + offset * rng.normal(size=n_features)
    shape = (n_features,) if n_targets is None else (n_features, n_targets)
    y = X @ rng.normal(size=shape) + 0.1 * rng.normal(size=(n_samples,) + shape[1:]) + 1.5
    weights = rng.uniform(0.1, 3.0, size=n_samples)
    return X, y, weights


def collinear_problem(seed=0):
    """Rank-deficient features: column 2 = column 0 + column 1, column 5 duplicates column 4."""
    X, y, _ = make_problem(n_samples=80, n_features=8, seed=seed)
    X[:, 2] = X[:, 0] + X[:, 1]
    X[:, 5] = X[:, 4]
    return X, y


def assert_same_solution(readout, reference, X, rtol=RTOL):
    """coef_, intercept_ and predictions agree relative to the size of the reference.

    Values are compared flattened: for a (n, 1) target scikit-learn 1.9's Ridge
    returns 1-D coef_ and predictions, RidgeReadout keeps the 2-D shapes of y
    (as LinearRegression does); shapes are tested separately.
    """
    scale = np.abs(reference.coef_).max()
    assert_allclose(np.ravel(readout.coef_), np.ravel(reference.coef_), rtol=rtol,
                    atol=rtol * scale)
    assert_allclose(np.ravel(readout.intercept_), np.ravel(reference.intercept_), rtol=rtol,
                    atol=rtol * scale)
    expected = np.ravel(reference.predict(X))
    assert_allclose(np.ravel(readout.predict(X)), expected, rtol=rtol,
                    atol=rtol * np.abs(expected).max())


def min_norm_coef(X, y):
    """Minimum-norm least squares on centered data, computed independently with numpy."""
    X_mean, y_mean = X.mean(axis=0), y.mean(axis=0)
    coef = np.linalg.lstsq(X - X_mean, y - y_mean, rcond=None)[0]
    return coef, y_mean - X_mean @ coef


# -- agreement with scikit-learn's Ridge ------------------------------------------------------
@pytest.mark.parametrize("n_targets", [None, 1, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("alpha", [1e-6, 0.3, 50.0])
def test_fit_matches_sklearn_ridge(n_targets, fit_intercept, weighted, alpha):
    X, y, weights = make_problem(n_targets=n_targets, seed=n_targets or 0)
    sample_weight = weights if weighted else None
    reference = Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(X, y, sample_weight)
    readout = RidgeReadout(alpha=alpha, fit_intercept=fit_intercept).fit(X, y, sample_weight)
    assert_same_solution(readout, reference, X)
    lr = LinearRegression(fit_intercept=fit_intercept).fit(X, y)  # reference for shapes
    assert np.shape(readout.coef_) == np.shape(lr.coef_)
    assert np.shape(readout.intercept_) == np.shape(lr.intercept_)
    assert readout.predict(X).shape == np.shape(y)


@pytest.mark.parametrize("solver", ["cholesky", "lstsq", "eigen"])
def test_every_solver_matches_sklearn_ridge(solver):
    X, y, weights = make_problem(n_targets=2)
    reference = Ridge(alpha=0.1).fit(X, y, weights)
    assert_same_solution(RidgeReadout(alpha=0.1, solver=solver).fit(X, y, weights), reference, X)


def test_score_is_r2():
    X, y, _ = make_problem()
    readout = RidgeReadout().fit(X, y)
    residual = ((y - readout.predict(X)) ** 2).sum()
    assert readout.score(X, y) == pytest.approx(1 - residual / ((y - y.mean()) ** 2).sum())


@pytest.mark.parametrize("n_targets, expected_shape", [(None, (7,)), (1, (7, 1)), (4, (7, 4))])
def test_predict_shape_follows_y(n_targets, expected_shape):
    X, y, _ = make_problem(n_targets=n_targets)
    assert RidgeReadout().fit(X, y).predict(X[:7]).shape == expected_shape


# -- streaming and merging ----------------------------------------------------------------------
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_partial_fit_blocks_equal_one_fit(weighted, fit_intercept):
    X, y, weights = make_problem(n_targets=2)
    readout = RidgeReadout(alpha=0.01, fit_intercept=fit_intercept)
    for block in np.array_split(np.arange(len(X)), 7):
        readout.partial_fit(X[block], y[block], weights[block] if weighted else None)
    reference = Ridge(alpha=0.01, fit_intercept=fit_intercept).fit(
        X, y, weights if weighted else None
    )
    assert_same_solution(readout, reference, X)
    assert readout.n_samples_seen_ == len(X)


def test_memory_does_not_grow_with_samples():
    X, y, _ = make_problem(n_samples=2000, n_features=5, n_targets=2)
    small = RidgeReadout().partial_fit(X[:10], y[:10])
    large = RidgeReadout().partial_fit(X, y).partial_fit(X, y)
    sizes = [sum(np.asarray(v).nbytes for k, v in vars(r).items() if k.endswith("_"))
             for r in (small, large)]
    assert sizes[0] == sizes[1]
    assert large.X_scatter_.shape == (5, 5) and large.Xy_scatter_.shape == (5, 2)


def test_blocks_with_large_mean_stay_accurate():
    """Centered moments avoid the cancellation of raw sums: features with mean 1e5, std 1.

    Raw sums (X^T X - n m m^T) lose ~1e-5 relative accuracy on coef_ here.
    The intercept y_mean - coef . x_mean is itself ill-conditioned (|x_mean| = 1e5),
    so it is compared on the scale of coef . x_mean.
    """
    X, y, _ = make_problem(n_samples=1000, n_features=6, offset=0.0)
    X += 1e5
    readout = RidgeReadout(alpha=1e-3)
    for block in np.array_split(np.arange(len(X)), 10):
        readout.partial_fit(X[block], y[block])
    reference = Ridge(alpha=1e-3).fit(X, y)
    assert_allclose(readout.coef_, reference.coef_, rtol=1e-8, atol=1e-8)
    intercept_scale = np.abs(reference.coef_) @ np.abs(X.mean(axis=0))
    assert readout.intercept_ == pytest.approx(reference.intercept_, abs=1e-10 * intercept_scale)


@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(1, 119), max_size=6, unique=True))
def test_any_split_gives_the_same_moments(cuts):
    X, y, weights = make_problem(n_samples=120, n_features=4, n_targets=2)
    readout = RidgeReadout(alpha=0.2)
    for X_block, y_block, w_block in zip(
        *(np.split(a, sorted(cuts)) for a in (X, y, weights)), strict=True
    ):
        readout.partial_fit(X_block, y_block, w_block)
    whole = RidgeReadout(alpha=0.2).fit(X, y, weights)
    assert readout.sum_weights_ == pytest.approx(whole.sum_weights_, rel=1e-12)
    assert_allclose(readout.X_mean_, whole.X_mean_, rtol=1e-10)
    assert_allclose(readout.X_scatter_, whole.X_scatter_, rtol=1e-10, atol=1e-9)
    assert_allclose(readout.Xy_scatter_, whole.Xy_scatter_, rtol=1e-10, atol=1e-9)
    assert_allclose(readout.coef_, whole.coef_, rtol=1e-9, atol=1e-11)


def test_zero_weight_block_adds_nothing():
    X, y, weights = make_problem()
    reference = RidgeReadout().fit(X, y, weights)
    readout = RidgeReadout().fit(X, y, weights).partial_fit(X[:9] * 5, y[:9], np.zeros(9))
    assert_allclose(readout.coef_, reference.coef_, rtol=1e-12)
    assert readout.n_samples_seen_ == len(X) + 9


def test_merge_of_disjoint_fits_equals_fit_on_union():
    X, y, weights = make_problem(n_targets=3)
    left = RidgeReadout(alpha=0.05).fit(X[:100], y[:100], weights[:100])
    right = RidgeReadout(alpha=0.05).fit(X[100:], y[100:], weights[100:])
    reference = Ridge(alpha=0.05).fit(X, y, weights)
    assert_same_solution(left + right, reference, X)
    assert_same_solution(sum([left, right]), reference, X)
    assert left.n_samples_seen_ == 100  # + does not modify its operands
    assert left.merge(right) is left
    assert_same_solution(left, reference, X)
    assert left.n_samples_seen_ == len(X)


def test_merge_with_unfitted_readouts():
    X, y, _ = make_problem()
    fitted = RidgeReadout().fit(X, y)
    assert_allclose(RidgeReadout().merge(fitted).predict(X), fitted.predict(X))
    assert_allclose(fitted.merge(RidgeReadout()).predict(X), RidgeReadout().fit(X, y).predict(X))


def test_merge_rejects_incompatible_readouts():
    X, y, _ = make_problem(n_targets=2)
    readout = RidgeReadout().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        readout.merge(RidgeReadout().fit(X[:, :3], y))
    with pytest.raises(ValueError, match="target"):
        readout.merge(RidgeReadout().fit(X, y[:, 0]))
    with pytest.raises(TypeError, match="other must be a RidgeReadout"):
        readout.merge(Ridge().fit(X, y))


# -- lazy solving and caching ---------------------------------------------------------------------
def test_partial_fit_updates_the_solution():
    X, y, _ = make_problem()
    readout = RidgeReadout().partial_fit(X[:150], y[:150])
    first = readout.coef_.copy()
    readout.partial_fit(X[150:], y[150:])
    assert not np.allclose(readout.coef_, first)
    assert_same_solution(readout, Ridge(alpha=1e-6).fit(X, y), X)


@pytest.mark.parametrize("solver", ["auto", "eigen"])
def test_set_params_after_fit_uses_new_parameters(solver):
    X, y, weights = make_problem(n_targets=2)
    readout = RidgeReadout(alpha=1e-6, solver=solver).fit(X, y, weights)
    readout.predict(X)
    readout.set_params(alpha=30.0, fit_intercept=False)
    assert_same_solution(readout, Ridge(alpha=30.0, fit_intercept=False).fit(X, y, weights), X)


def test_coef_is_read_only_and_survives_pickle():
    X, y, _ = make_problem()
    readout = RidgeReadout().partial_fit(X, y)
    with pytest.raises(ValueError, match="read-only"):
        readout.coef_[0] = 1.0
    restored = pickle.loads(pickle.dumps(readout))
    assert_allclose(restored.predict(X), readout.predict(X), rtol=0, atol=0)


# -- ill-conditioned and singular systems ---------------------------------------------------------
@pytest.mark.parametrize("solver", ["auto", "lstsq", "eigen"])
def test_alpha_zero_collinear_gives_min_norm_least_squares(solver):
    X, y = collinear_problem()
    readout = RidgeReadout(alpha=0.0, solver=solver).fit(X, y)
    coef, intercept = min_norm_coef(X, y)
    assert np.all(np.isfinite(readout.coef_))
    assert_allclose(readout.coef_, coef, rtol=1e-8, atol=1e-10)
    assert readout.intercept_ == pytest.approx(intercept, rel=1e-8)
    X_new = np.random.default_rng(5).normal(size=(20, X.shape[1]))
    lr = LinearRegression().fit(X, y)
    assert_allclose(readout.predict(X), lr.predict(X), rtol=1e-8, atol=1e-8)
    # on new rows off the data's span only the minimum-norm solution is determined:
    assert_allclose(readout.predict(X_new), X_new @ coef + intercept, rtol=1e-8, atol=1e-8)


def test_more_features_than_samples_without_penalty():
    X, y, _ = make_problem(n_samples=15, n_features=40)
    readout = RidgeReadout(alpha=0.0).fit(X, y)
    assert_allclose(readout.predict(X), y, atol=1e-8)  # interpolates
    assert_allclose(readout.coef_, min_norm_coef(X, y)[0], rtol=1e-7, atol=1e-9)


def test_cholesky_solver_does_not_fall_back():
    X, y = collinear_problem()
    with pytest.raises(linalg.LinAlgError):
        RidgeReadout(alpha=0.0, solver="cholesky").fit(X, y)


def ill_conditioned_problem(condition, n_samples=400, n_features=30, seed=0):
    """Features with singular values spread log-uniformly over ``condition``, noisy targets.

    The targets have a component along every direction, also the smallest, so
    that a solver that loses those directions pays for it in the objective.
    """
    rng = np.random.default_rng(seed)
    U = np.linalg.qr(rng.normal(size=(n_samples, n_features)))[0]
    V = np.linalg.qr(rng.normal(size=(n_features, n_features)))[0]
    singular_values = np.logspace(0, -np.log10(condition), n_features)
    X = (U * singular_values) @ V.T + 0.5  # not centred: the intercept must be exact too
    y = U @ rng.normal(size=n_features) + 0.01 * rng.normal(size=n_samples)
    return X, y


def ridge_objective(X, y, coef, intercept, alpha):
    """The ridge objective, evaluated in extended precision: with coefficients up to 1e13
    (alpha=0, cond 1e13) a float64 residual would cancel away the differences compared."""
    wide = np.longdouble
    coef = np.asarray(coef, dtype=wide)
    residual = X.astype(wide) @ coef + wide(intercept) - y.astype(wide)
    return float(residual @ residual + wide(alpha) * (coef @ coef))


def svd_reference_objective(X, y, alpha):
    """The optimum, from an SVD of the centred data (backward stable in X, not X^T X)."""
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    keep = s > (max(Xc.shape) * np.finfo(float).eps * s[0] if alpha == 0 else 0)
    gains = np.where(keep, s / np.where(keep, s**2 + alpha, 1.0), 0.0)
    coef = Vt.T @ (gains * (U.T @ yc))
    return ridge_objective(X, y, coef, y.mean() - X.mean(axis=0) @ coef, alpha)


@pytest.mark.parametrize("condition", [1e4, 1e8, 1e13])
@pytest.mark.parametrize("alpha", [0.0, 1e-14, 1e-10, 1e-6, 1e-2, 1.0])
def test_default_solver_reaches_the_optimum_on_ill_conditioned_states(condition, alpha):
    X, y = ill_conditioned_problem(condition)
    readout = RidgeReadout(alpha=alpha).fit(X, y)
    ours = ridge_objective(X, y, readout.coef_, readout.intercept_, alpha)
    optimum = svd_reference_objective(X, y, alpha)
    assert ours <= optimum * (1 + 1e-6)
    sklearn = Ridge(alpha=alpha, solver="auto").fit(X, y)
    assert ours <= ridge_objective(X, y, sklearn.coef_, sklearn.intercept_, alpha) * (1 + 1e-6)


def test_default_solver_beats_the_normal_equations_where_they_lose_digits():
    # cond(X) = 1e13: the normal equations (cond 1e26) cannot see the smallest directions.
    X, y = ill_conditioned_problem(1e13)
    optimum = svd_reference_objective(X, y, 0.0)
    exact = RidgeReadout(alpha=0.0).fit(X, y)
    assert ridge_objective(X, y, exact.coef_, exact.intercept_, 0.0) <= optimum * (1 + 1e-6)
    Xc = X - X.mean(axis=0)
    gram_solution = linalg.lstsq(Xc.T @ Xc, Xc.T @ (y - y.mean()))[0]
    gram_objective = ridge_objective(X, y, gram_solution,
                                     y.mean() - X.mean(axis=0) @ gram_solution, 0.0)
    assert gram_objective > 2 * optimum  # what the factor avoids


@pytest.mark.parametrize("alpha", [0.0, 1e-12, 1e-4])
def test_partial_fit_and_merge_stay_exact_on_ill_conditioned_states(alpha):
    X, y = ill_conditioned_problem(1e12)
    blocks = np.array_split(np.arange(len(y)), 7)
    streamed = RidgeReadout(alpha=alpha)
    for rows in blocks[:4]:
        streamed.partial_fit(X[rows], y[rows])
    other = RidgeReadout(alpha=alpha)
    for rows in blocks[4:]:
        other.partial_fit(X[rows], y[rows])
    streamed.merge(other)
    ours = ridge_objective(X, y, streamed.coef_, streamed.intercept_, alpha)
    # Re-centring at each merge perturbs the smallest directions by rounding: without a
    # penalty at cond 1e12 the streamed optimum is within 1e-3 (measured 2.3e-4), else 1e-6.
    assert ours <= svd_reference_objective(X, y, alpha) * (1 + (1e-3 if alpha == 0 else 1e-6))


def test_scatter_factor_is_triangular_and_squares_to_the_scatter():
    X, y, weights = make_problem(n_targets=2)
    readout = RidgeReadout().fit(X, y, weights)
    R = readout.scatter_factor_
    assert R.shape == (14, 14) and np.allclose(R, np.triu(R))
    Z = np.hstack([X - readout.X_mean_, y - readout.y_mean_]) * np.sqrt(weights)[:, None]
    assert_allclose(R.T @ R, Z.T @ Z, rtol=1e-10, atol=1e-8 * np.abs(Z.T @ Z).max())


# -- solve_path -----------------------------------------------------------------------------------
@pytest.mark.parametrize("n_targets", [None, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_solve_path_matches_separate_fits(n_targets, fit_intercept):
    X, y, weights = make_problem(n_targets=n_targets)
    alphas = [0.0, 1e-6, 1e-2, 1.0, 1e3]
    readout = RidgeReadout(fit_intercept=fit_intercept).fit(X, y, weights)
    coefs, intercepts = readout.solve_path(alphas)
    assert coefs.shape == (len(alphas),) + np.shape(readout.coef_)
    assert intercepts.shape == (len(alphas),) + np.shape(y)[1:]
    for alpha, coef, intercept in zip(alphas, coefs, intercepts, strict=True):
        reference = Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(X, y, weights)
        scale = np.abs(reference.coef_).max()
        assert_allclose(coef, reference.coef_, rtol=RTOL, atol=RTOL * scale)
        assert_allclose(intercept, reference.intercept_, rtol=RTOL, atol=RTOL * scale)


def test_solve_path_collinear_alpha_zero_is_min_norm():
    X, y = collinear_problem()
    coefs, intercepts = RidgeReadout().fit(X, y).solve_path([0.0, 1.0])
    coef, intercept = min_norm_coef(X, y)
    assert_allclose(coefs[0], coef, rtol=1e-8, atol=1e-10)
    assert intercepts[0] == pytest.approx(intercept, rel=1e-8)
    assert_allclose(coefs[1], Ridge(alpha=1.0).fit(X, y).coef_, rtol=RTOL, atol=1e-12)


@pytest.mark.parametrize("alphas", [[], [-1.0], [np.nan], [[0.1, 1.0]], ["a"]])
def test_solve_path_rejects_bad_alphas(alphas):
    X, y, _ = make_problem()
    with pytest.raises(ValueError, match="alphas"):
        RidgeReadout().fit(X, y).solve_path(alphas)


# -- input validation -----------------------------------------------------------------------------
@pytest.mark.parametrize("params, name", [
    ({"alpha": -1.0}, "alpha"), ({"alpha": np.inf}, "alpha"), ({"alpha": "big"}, "alpha"),
    ({"fit_intercept": "yes"}, "fit_intercept"), ({"solver": "svd"}, "solver"),
])
def test_bad_parameters_raise_naming_them(params, name):
    X, y, _ = make_problem()
    with pytest.raises(ValueError, match=name):
        RidgeReadout(**params).fit(X, y)
    readout = RidgeReadout().fit(X, y).set_params(**params)
    with pytest.raises(ValueError, match=name):
        readout.predict(X)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_input_raises(bad):
    X, y, _ = make_problem()
    X_bad, y_bad = X.copy(), y.copy()
    X_bad[3, 2], y_bad[4] = bad, bad
    with pytest.raises(ValueError):
        RidgeReadout().fit(X_bad, y)
    with pytest.raises(ValueError):
        RidgeReadout().partial_fit(X, y_bad)


def test_unfitted_readout():
    X, _, _ = make_problem()
    readout = RidgeReadout()
    with pytest.raises(NotFittedError):
        readout.predict(X)
    with pytest.raises(NotFittedError):
        readout.solve_path([1.0])
    assert not hasattr(readout, "coef_")


def test_partial_fit_rejects_different_features_or_targets():
    X, y, _ = make_problem(n_targets=2)
    readout = RidgeReadout().partial_fit(X, y)
    with pytest.raises(ValueError, match="features"):
        readout.partial_fit(X[:, :-1], y)
    with pytest.raises(ValueError, match="target"):
        readout.partial_fit(X, y[:, :1])


def test_bad_sample_weight_raises():
    X, y, _ = make_problem()
    with pytest.raises(ValueError, match="[Nn]egative"):
        RidgeReadout().fit(X, y, sample_weight=-np.ones(len(X)))
    with pytest.raises(ValueError, match="zero total sample_weight"):
        RidgeReadout().fit(X, y, sample_weight=np.zeros(len(X)))


def test_float32_is_computed_in_float64():
    X, y, _ = make_problem()
    readout = RidgeReadout(alpha=0.1).fit(X.astype(np.float32), y.astype(np.float32))
    assert readout.coef_.dtype == np.float64
    assert readout.predict(X.astype(np.float32)).dtype == np.float64
    reference = Ridge(alpha=0.1).fit(X.astype(np.float32).astype(np.float64),
                                     y.astype(np.float32).astype(np.float64))
    assert_same_solution(readout, reference, X)


@pytest.mark.parametrize("n_targets", [None, 3])
def test_unchecked_predictor_equals_predict(n_targets):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5))
    y = rng.normal(size=60 if n_targets is None else (60, n_targets))
    readout = RidgeReadout(alpha=0.1).fit(X, y)
    predict = readout._unchecked_predictor()
    out = np.empty((7, n_targets or 1))
    assert predict(X[:7], out) is out
    assert_allclose(out, readout.predict(X[:7]).reshape(7, -1))
    with pytest.raises(NotFittedError):
        RidgeReadout()._unchecked_predictor()
