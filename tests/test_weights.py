import numpy as np
import pytest
import scipy.sparse as sp

from reservoir.weights import (
    effective_spectral_radius,
    input_matrix,
    reservoir_matrix,
    scale_to_spectral_radius,
    spectral_radius,
)


def dense_radius(W):
    W = W.toarray() if sp.issparse(W) else W
    return np.abs(np.linalg.eigvals(W)).max()


@pytest.mark.parametrize("n_units", [50, 800])
def test_in_degree_is_n_connections(n_units):
    W = reservoir_matrix(n_units, n_connections=7, random_state=0)
    assert sp.issparse(W)
    assert np.all(np.diff(W.indptr) == 7)


def test_connectivity_gives_expected_density():
    W = reservoir_matrix(400, connectivity=0.05, random_state=0)
    assert W.nnz / 400**2 == pytest.approx(0.05, rel=0.1)


def test_uniform_distribution_bounded():
    W = reservoir_matrix(100, distribution="uniform", random_state=0)
    assert np.abs(W.data).max() <= 1.0
    assert W.data.min() < -0.5 < 0.5 < W.data.max()


def test_ring_is_a_permutation_cycle():
    W = reservoir_matrix(6, topology="ring").toarray()
    assert np.array_equal(W.sum(axis=0), np.ones(6))
    assert np.array_equal(W.sum(axis=1), np.ones(6))
    assert np.array_equal(np.linalg.matrix_power(W, 6), np.eye(6))
    assert spectral_radius(W) == pytest.approx(1.0)


def test_delay_line_is_nilpotent_shift():
    W = reservoir_matrix(5, topology="delay_line").toarray()
    x = np.arange(1.0, 6.0)
    assert np.array_equal(W @ x, [0, 1, 2, 3, 4])
    assert spectral_radius(W) == 0.0


def test_orthogonal_is_orthogonal():
    W = reservoir_matrix(30, topology="orthogonal", random_state=0)
    np.testing.assert_allclose(W @ W.T, np.eye(30), atol=1e-12)


def test_same_seed_same_matrix_different_seed_different():
    a = reservoir_matrix(100, random_state=3)
    b = reservoir_matrix(100, random_state=3)
    c = reservoir_matrix(100, random_state=4)
    assert (a != b).nnz == 0
    assert (a != c).nnz > 0


@pytest.mark.parametrize("n_units", [20, 300, 800])
def test_spectral_radius_matches_dense_eigenvalues(n_units):
    W = reservoir_matrix(n_units, random_state=1)
    assert spectral_radius(W) == pytest.approx(dense_radius(W), rel=1e-9)


@pytest.mark.parametrize("topology, n_units", [("random", 700), ("random", 200), ("ring", 200),
                                               ("orthogonal", 200)])
@pytest.mark.parametrize("rho", [0.5, 0.95, 1.3])
def test_scale_to_spectral_radius(topology, n_units, rho):
    W = reservoir_matrix(n_units, topology=topology, random_state=2)
    scaled = scale_to_spectral_radius(W, rho)
    assert dense_radius(scaled) == pytest.approx(rho, rel=1e-6)


def test_arpack_failure_falls_back_to_dense(monkeypatch):
    import scipy.sparse.linalg as spla

    def failing_eigs(*args, **kwargs):
        raise spla.ArpackNoConvergence("no", np.array([]), np.array([]))

    monkeypatch.setattr(spla, "eigs", failing_eigs)
    W = reservoir_matrix(600, random_state=0)
    assert spectral_radius(W) == pytest.approx(dense_radius(W), rel=1e-9)


def test_zero_radius_cannot_be_scaled():
    with pytest.raises(ValueError, match="nilpotent"):
        scale_to_spectral_radius(reservoir_matrix(10, topology="delay_line"), 0.9)
    with pytest.raises(ValueError, match="nilpotent"):
        scale_to_spectral_radius(sp.csr_matrix((10, 10)), 0.9)


def test_rho_zero_gives_zero_matrix():
    W = scale_to_spectral_radius(reservoir_matrix(10, random_state=0), 0.0)
    assert abs(W).max() == 0


@pytest.mark.parametrize("bad", [-0.1, np.nan, np.inf])
def test_negative_or_nonfinite_rho_rejected(bad):
    with pytest.raises(ValueError, match="spectral_radius"):
        scale_to_spectral_radius(reservoir_matrix(10, random_state=0), bad)


def test_effective_spectral_radius_of_leaky_map():
    W = scale_to_spectral_radius(reservoir_matrix(200, random_state=0), 0.9)
    a = 0.3
    expected = np.abs((1 - a) + a * np.linalg.eigvals(W.toarray())).max()
    assert effective_spectral_radius(W, a) == pytest.approx(expected, rel=1e-9)
    assert effective_spectral_radius(W, 1.0) == pytest.approx(0.9, rel=1e-9)
    with pytest.raises(ValueError, match="leak_rate"):
        effective_spectral_radius(W, 0.0)


def test_input_matrix_scaling_per_feature():
    W_in = input_matrix(500, 3, input_scaling=[1.0, 0.1, 0.0], random_state=0)
    assert W_in.shape == (500, 3)
    assert np.abs(W_in[:, 0]).max() <= 1.0 and np.abs(W_in[:, 0]).max() > 0.9
    assert np.abs(W_in[:, 1]).max() <= 0.1 and np.abs(W_in[:, 1]).max() > 0.09
    assert np.all(W_in[:, 2] == 0)
    with pytest.raises(ValueError, match="input_scaling"):
        input_matrix(10, 3, input_scaling=[1.0, 2.0])


def test_bernoulli_and_sparse_inputs():
    W_in = input_matrix(1000, 2, distribution="bernoulli", input_scaling=0.5, random_state=0)
    assert set(np.unique(W_in)) == {-0.5, 0.5}
    sparse = input_matrix(1000, 2, connectivity=0.2, random_state=0)
    assert np.mean(sparse != 0) == pytest.approx(0.2, abs=0.03)


def test_bad_arguments():
    with pytest.raises(ValueError, match="topology"):
        reservoir_matrix(10, topology="star")
    with pytest.raises(ValueError, match="n_units"):
        reservoir_matrix(-1)
    with pytest.raises(ValueError, match="connectivity"):
        reservoir_matrix(10, connectivity=1.5)
    with pytest.raises(ValueError, match="distribution"):
        reservoir_matrix(10, distribution="cauchy")
    with pytest.raises(ValueError, match="input_distribution"):
        input_matrix(10, 1, distribution="normal")
    with pytest.raises(ValueError, match="square"):
        spectral_radius(np.ones((3, 4)))
