"""Random reservoir and input matrices, topologies and spectral-radius control.

Reservoir matrices follow the conventions of Lukoševičius, "A Practical Guide
to Applying Echo State Networks" (2012): sparse, with a fixed small in-degree
(about 10 incoming connections per unit) so that the cost of one update grows
linearly with the number of units, then rescaled to a chosen spectral radius.
Row ``i`` of ``W`` holds the weights *into* unit ``i`` (``x_new = W @ x``).
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from sklearn.utils import check_random_state

from ._validation import Options, Satisfies, check_in_range

__all__ = [
    "ConnectivityWarning",
    "DTYPE",
    "INPUT_SCALING",
    "INPUT_DISTRIBUTIONS",
    "TOPOLOGIES",
    "WEIGHT_DISTRIBUTIONS",
    "draw_weights",
    "reservoir_matrix",
    "input_matrix",
    "spectral_radius",
    "scale_to_spectral_radius",
    "effective_spectral_radius",
]

#: Topologies of :func:`reservoir_matrix`.
TOPOLOGIES = ("random", "ring", "delay_line", "orthogonal")
#: Distributions of the nonzero recurrent weights (:func:`draw_weights`).
WEIGHT_DISTRIBUTIONS = ("normal", "uniform")
#: Distributions of the input weights (:func:`input_matrix`).
INPUT_DISTRIBUTIONS = ("uniform", "bernoulli")


def _is_input_scaling(value):
    """One finite real number, or a non-empty 1-D array-like of them."""
    if isinstance(value, (bool, np.bool_, str, bytes)):
        return False
    try:
        values = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return values.ndim <= 1 and values.size > 0 and bool(np.all(np.isfinite(values)))


#: Parameter constraint (:mod:`reservoir._validation`) of a reservoir's ``input_scaling``:
#: one finite number, or one per input feature (whether their number matches the input
#: is checked by :func:`input_matrix`).
INPUT_SCALING = [Satisfies(_is_input_scaling, "a finite number or a 1-D array-like of finite "
                                              "numbers (one per input feature)")]
#: Parameter constraint of a reservoir's ``dtype``, the dtype of its weights and states.
DTYPE = [Options("float64", "float32", np.float64, np.float32)]
#: Matrices up to this size get their eigenvalues from a dense solver.
DENSE_EIGEN_MAX_SIZE = 500


class ConnectivityWarning(UserWarning):
    """A requested connectivity cannot be realised and was capped (e.g. more inputs than units)."""


def draw_weights(rng, size, distribution):
    """Draw ``size`` random weights: standard normal, or uniform on [-1, 1].

    Parameters
    ----------
    rng : numpy.random.RandomState
    size : int or tuple of int
    distribution : {"normal", "uniform"}
        One of :data:`WEIGHT_DISTRIBUTIONS`.

    Returns
    -------
    ndarray of shape ``size``
    """
    if distribution == "normal":
        return rng.standard_normal(size)
    if distribution == "uniform":
        return rng.uniform(-1.0, 1.0, size)
    raise ValueError(f"distribution must be one of {WEIGHT_DISTRIBUTIONS}; got {distribution!r}.")


def reservoir_matrix(
    n_units,
    *,
    topology="random",
    n_connections=10,
    connectivity=None,
    distribution="normal",
    random_state=None,
    dtype=np.float64,
):
    """Draw an (unscaled) recurrent weight matrix.

    Parameters
    ----------
    n_units : int
        Number of reservoir units N.
    topology : {"random", "ring", "delay_line", "orthogonal"}
        ``"random"``: sparse random graph. ``"ring"``: a simple cycle with all
        weights 1 (Rodan & Tino 2011, spectral radius 1). ``"delay_line"``:
        unit i feeds unit i+1 with weight 1 (nilpotent, spectral radius 0).
        ``"orthogonal"``: a dense random orthogonal matrix (spectral radius 1).
    n_connections : int, default=10
        In-degree of each unit for the random topology (ignored when
        ``connectivity`` is given). A unit cannot have more inputs than there
        are units: ``n_connections > n_units`` gives every unit all
        ``n_units`` inputs (a dense ``W``) and warns
        (:class:`ConnectivityWarning`).
    connectivity : float in (0, 1], optional
        Fraction of non-zero weights for the random topology, instead of a
        fixed in-degree.
    distribution : {"normal", "uniform"}
        Distribution of the non-zero weights of the random topology
        (standard normal, or uniform on [-1, 1]).
    random_state : int, RandomState or Generator-compatible seed, optional
    dtype : numpy dtype

    Returns
    -------
    W : scipy.sparse.csr_matrix or ndarray of shape (n_units, n_units)
        Sparse for ``random``, ``ring`` and ``delay_line``; dense for ``orthogonal``.
    """
    n_units = check_in_range(n_units, "n_units", 1, integer=True)
    rng = check_random_state(random_state)
    if topology == "random":
        W = _random_sparse(n_units, n_connections, connectivity, distribution, rng)
    elif topology == "ring":
        rows = np.arange(n_units)
        W = sp.csr_matrix((np.ones(n_units), (rows, (rows - 1) % n_units)), (n_units, n_units))
    elif topology == "delay_line":
        rows = np.arange(1, n_units)
        W = sp.csr_matrix((np.ones(n_units - 1), (rows, rows - 1)), (n_units, n_units))
    elif topology == "orthogonal":
        q, r = np.linalg.qr(rng.standard_normal((n_units, n_units)))
        W = q * np.sign(np.diag(r))  # Haar-distributed (Mezzadri 2007)
    else:
        raise ValueError(f"topology must be one of {TOPOLOGIES}; got {topology!r}.")
    return W.astype(dtype)


def _random_sparse(n_units, n_connections, connectivity, distribution, rng):
    if connectivity is not None:
        check_in_range(connectivity, "connectivity", 0, 1, low_inclusive=False)
        mask = rng.random((n_units, n_units)) < connectivity
        rows, cols = np.nonzero(mask)
    else:
        n_connections = check_in_range(n_connections, "n_connections", 1, integer=True)
        if n_connections > n_units:
            warnings.warn(
                f"n_connections={n_connections} exceeds n_units={n_units}: every unit gets "
                f"all {n_units} units as inputs (a dense W). Set n_connections <= n_units "
                "to silence this warning.",
                ConnectivityWarning, stacklevel=4,
            )
        k = min(int(n_connections), n_units)
        # k distinct sources per row: argsort of uniform keys is a vectorised
        # sample without replacement, for small n; above that, rejection-free choice.
        if n_units <= 2000:
            cols = np.argsort(rng.random((n_units, n_units)), axis=1)[:, :k].ravel()
        else:
            cols = np.concatenate([rng.choice(n_units, k, replace=False) for _ in range(n_units)])
        rows = np.repeat(np.arange(n_units), k)
    values = draw_weights(rng, rows.size, distribution)
    return sp.csr_matrix((values, (rows, cols)), shape=(n_units, n_units))


def input_matrix(
    n_units,
    n_features,
    *,
    input_scaling=1.0,
    distribution="uniform",
    connectivity=None,
    random_state=None,
    dtype=np.float64,
):
    """Draw the input weight matrix ``W_in`` of shape (n_units, n_features).

    Parameters
    ----------
    n_units, n_features : int >= 1
    input_scaling : float or array-like of shape (n_features,)
        Multiplies column j of ``W_in`` by ``input_scaling[j]`` (one scale per
        input feature, as Lukoševičius recommends when inputs differ in kind).
    distribution : {"uniform", "bernoulli"}
        Entries uniform on [-1, 1] or ±1 with equal probability.
    connectivity : float in (0, 1], optional
        Fraction of non-zero entries; dense when None.
    random_state : seed, optional
    dtype : numpy dtype

    Returns
    -------
    ndarray of shape (n_units, n_features)
        Dense: inputs are projected once per series (``U @ W_in.T``), so a
        sparse ``W_in`` would save nothing in the time loop.
    """
    n_units = check_in_range(n_units, "n_units", 1, integer=True)
    n_features = check_in_range(n_features, "n_features", 1, integer=True)
    rng = check_random_state(random_state)
    try:
        scaling = np.asarray(input_scaling, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            "input_scaling must be a number or an array of numbers (one per input feature); "
            f"got {input_scaling!r}."
        ) from None
    if scaling.ndim == 0:
        scaling = np.full(n_features, float(scaling))
    if scaling.shape != (n_features,):
        raise ValueError(
            f"input_scaling must be a scalar or have one entry per input feature "
            f"({n_features}); got shape {scaling.shape}."
        )
    if not np.all(np.isfinite(scaling)):
        raise ValueError(f"input_scaling must be finite; got {input_scaling!r}.")
    if distribution == "uniform":
        W_in = rng.uniform(-1.0, 1.0, (n_units, n_features))
    elif distribution == "bernoulli":
        W_in = rng.choice([-1.0, 1.0], size=(n_units, n_features))
    else:
        raise ValueError(
            f"input_distribution must be one of {INPUT_DISTRIBUTIONS}; got {distribution!r}."
        )
    if connectivity is not None:
        check_in_range(connectivity, "input_connectivity", 0, 1, low_inclusive=False)
        W_in = W_in * (rng.random(W_in.shape) < connectivity)
    return (W_in * scaling).astype(dtype)


def spectral_radius(W) -> float:
    """Largest absolute eigenvalue of a square matrix.

    Dense eigenvalues for matrices up to ``DENSE_EIGEN_MAX_SIZE`` (and for
    dense input), ARPACK (``scipy.sparse.linalg.eigs``) for large sparse ones,
    falling back to the dense solver when ARPACK does not converge.
    """
    shape = np.shape(W)
    if len(shape) != 2 or shape[0] != shape[1] or shape[0] == 0:
        raise ValueError(f"W must be a non-empty square matrix; got shape {shape}.")
    n = shape[0]
    if sp.issparse(W) and W.nnz == 0:
        return 0.0
    if sp.issparse(W) and n > DENSE_EIGEN_MAX_SIZE:
        try:
            # A fixed start vector keeps the result reproducible; a wide Krylov
            # space keeps ARPACK from settling on a wrong eigenvalue of the
            # crowded circular spectrum of random matrices. A spectrum with many
            # eigenvalues of equal modulus (a ring) defeats ARPACK: give up early.
            start = np.random.default_rng(0).standard_normal(n)
            vals = spla.eigs(W.astype(np.float64), k=1, which="LM", return_eigenvectors=False,
                             tol=0, ncv=min(n - 1, 64), v0=start, maxiter=300)
            return float(np.abs(vals).max())
        except spla.ArpackNoConvergence:
            pass  # fall through to the dense solver
    dense = W.toarray() if sp.issparse(W) else np.asarray(W)
    return float(np.abs(scipy.linalg.eigvals(dense.astype(np.float64))).max())


def scale_to_spectral_radius(W, rho):
    """Return ``W`` rescaled to spectral radius ``rho``.

    Parameters
    ----------
    W : sparse or dense square matrix
    rho : float >= 0
        Target spectral radius; 0 gives the zero matrix (a memoryless reservoir).

    Raises
    ------
    ValueError
        If ``rho`` is negative or not finite, or ``W`` has spectral radius 0
        (nilpotent or all zero) so that no multiple of it has radius ``rho > 0``.
    """
    if not isinstance(rho, numbers.Real) or not np.isfinite(rho) or rho < 0:
        raise ValueError(f"spectral_radius must be a finite number >= 0; got {rho!r}.")
    if rho == 0:
        return W * 0.0
    current = spectral_radius(W)
    if current <= np.finfo(float).eps * max(1.0, _max_abs(W)) * W.shape[0]:
        raise ValueError(
            "W has spectral radius 0 (it is nilpotent or all zero), so it cannot be "
            f"scaled to spectral_radius={rho}. Use another topology or more connections."
        )
    return W * (rho / current)


def _max_abs(W) -> float:
    if sp.issparse(W):
        return float(abs(W).max()) if W.nnz else 0.0
    return float(np.abs(W).max()) if np.size(W) else 0.0


def effective_spectral_radius(W, leak_rate) -> float:
    """Spectral radius of the linearised leaky map ``(1 - a) I + a W``.

    For the leaky-integrator ESN ``x <- (1 - a) x + a tanh(W x + ...)`` the
    Jacobian at the origin is ``(1 - a) I + a W`` (Jaeger et al. 2007); its
    spectral radius, not that of ``W``, governs the fading of memory.
    """
    check_in_range(leak_rate, "leak_rate", 0, 1, low_inclusive=False)
    n = W.shape[0]
    identity = sp.identity(n, format="csr") if sp.issparse(W) else np.eye(n)
    return spectral_radius((1.0 - leak_rate) * identity + leak_rate * W)
