"""Sequence classification with a fixed reservoir: one label per series, or one per step.

:class:`ReservoirClassifier` drives a reservoir with each series and either

* pools the state sequence of each series into one feature vector (last
  state, mean, max, last and mean, or the reservoir model space of Bianchi et
  al. 2020) and trains a scikit-learn classifier on these vectors, one label
  per series; or
* with ``per_step=True``, trains the classifier on the state of every step,
  one label per step (event detection, segmentation).

References
----------
.. [B20] F. M. Bianchi, S. Scardapane, S. Løkse and R. Jenssen, "Reservoir
   computing approaches for representation and classification of
   multivariate time series", IEEE Trans. Neural Networks and Learning
   Systems 32(5):2169-2179, 2020.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin, is_classifier
from sklearn.decomposition import PCA
from sklearn.linear_model import RidgeClassifier
from sklearn.metrics import accuracy_score
from sklearn.utils import check_array
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._batching import equal_length_blocks, scatter
from ._scaling import SeriesScaler
from ._validation import (
    BOOLEAN,
    Interval,
    Options,
    SeriesSet,
    check_bool,
    check_series,
    check_washout,
    record_n_features,
    validate_params,
)
from .base import RandomStreams
from .estimators import _ReservoirModel
from .readouts import RidgeReadout

__all__ = ["ReservoirClassifier", "POOLINGS"]

POOLINGS = ("last", "mean", "max", "last_and_mean", "model_space")
#: At most this many state values (series x steps x features) are simulated at once.
STATE_BLOCK_VALUES = 2**24


def _as_labels(y, name="y"):
    """A 1-D array of finite labels (a column vector is flattened with a warning)."""
    return column_or_1d(check_array(y, ensure_2d=False, dtype=None, input_name=name), warn=True)


def _readout_has(method):
    """``available_if`` condition: the (fitted, else configured) readout has ``method``."""
    def check(self):
        if hasattr(self, "readout_"):
            readout = self.readout_
        else:
            readout = self.readout if self.readout is not None else RidgeClassifier()
        return hasattr(readout, method)
    return check


class ReservoirClassifier(ClassifierMixin, _ReservoirModel):
    """Classify time series (or each of their steps) from the states of a fixed reservoir.

    Pooled mode (default): the states of each series, after ``washout``
    steps, are pooled into one feature vector, and ``readout`` (any
    scikit-learn classifier) learns one label per series. Per-step mode
    (``per_step=True``): the readout learns a label for every step after the
    washout, from that step's state.

    Parameters
    ----------
    reservoir : reservoir transformer, optional
        Any :class:`reservoir.base.BaseReservoir` (``ESN``, ``DeepESN``,
        ``BidirectionalESN``, ``LSM``, ...); cloned at fit. Default
        ``ESN(input_scaling=1.0, random_state=random_state)``: classification
        wants more nonlinear features than forecasting, for which the ESN's
        own default (0.1) is chosen. On 3-class template series (N=100, seeds
        0-2) mean pooling reaches 0.89 test accuracy with input scaling 1.0
        and 0.54 with 0.1; last-state pooling 1.0 and 0.98.
    readout : scikit-learn classifier, optional
        Cloned at fit. Default :class:`sklearn.linear_model.RidgeClassifier`
        (which has ``decision_function`` but no ``predict_proba``; use e.g.
        ``LogisticRegression`` for probabilities).
    pooling : {"last", "mean", "max", "last_and_mean", "model_space"}, default="last"
        How the feature sequence of a series becomes one vector (pooled mode):

        - ``"last"``: the features at the last step;
        - ``"mean"``/``"max"``: their mean/maximum over the steps after the washout;
        - ``"last_and_mean"``: the last features followed by the mean;
        - ``"model_space"``: the reservoir model space of [B20]_: the
          features, reduced to ``model_space_components`` by a PCA fitted on
          all training steps, are summarised by the coefficients and
          intercept of a ridge model (penalty ``model_space_alpha``) that
          predicts the next reduced state from the current one: ``D * D + D``
          values for ``D`` components.

        With a :class:`~reservoir.BidirectionalESN`, last-state pooling needs
        ``alignment="reading"`` (see there).
    washout : int, default=0
        Initial steps of each series excluded from pooling (pooled mode) or
        from fitting and scoring (per-step mode). Every series must be longer
        than the washout (by two steps for ``"model_space"``, which needs a
        transition).
    per_step : bool, default=False
        Learn and predict one label per time step instead of one per series.
    include_input : bool, default=False
        Concatenate the current input to the state before pooling or the
        readout. Off by default: representations built from reservoir states
        alone, as in [B20]_.
    model_space_components : int or None, default=10
        Number of PCA components of the model space; None keeps all features
        (the representation then has ``F * F + F`` values for ``F`` features).
    model_space_alpha : float, default=1.0
        Ridge penalty of the per-series model of the model space.
    scale : {"standard", "minmax", None}, default="standard"
        How the inputs are brought to the reservoir's working range, with
        statistics of all training steps: each feature to zero mean and unit
        variance, its training range to [-1, 1], or left as given.
    random_state : int, RandomState instance or None
        Seed of the default reservoir (a given ``reservoir`` keeps its own seed).

    Attributes
    ----------
    reservoir_ : fitted reservoir
    readout_ : fitted classifier
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
        Number of features per time step.
    projection_ : sklearn.decomposition.PCA or None
        The PCA of the model space (``pooling="model_space"``), else None.
    input_scaler_ : reservoir._scaling.SeriesScaler
        The fitted scaling of ``X`` (an identity map when ``scale=None``).

    Notes
    -----
    **What X means.** ``X`` is a list of ``(T_i, d)`` series (lengths may
    differ) or a 3-D array ``(n_series, T, d)``. In pooled mode, where ``y``
    holds one label per series, a 2-D array (or DataFrame) ``(n, d)`` is read
    as ``n`` series of length 1: each row is one sample, as in any
    scikit-learn classifier, and the reservoir acts as a random nonlinear
    feature map. To classify a single ``(T, d)`` series pass ``[series]``. A
    1-D array is refused in pooled mode (it could be one series or one
    sample). In per-step mode the library's usual conventions hold: a 1-D or
    2-D array is one series, and ``y`` holds one label per step in the same
    structure as ``X`` (an array ``(T,)`` for one series, a list of ``(T_i,)``
    arrays, or an ``(n_series, T)`` array for a 3-D ``X``).

    Examples
    --------
    >>> from reservoir import ESN, ReservoirClassifier
    >>> from reservoir.datasets import template_classification
    >>> X, y = template_classification(n_series=60, n_classes=3, random_state=0)
    >>> clf = ReservoirClassifier(ESN(n_units=50, random_state=0), pooling="mean")
    >>> clf.fit(X[:40], y[:40]).predict(X[40:]).shape
    (20,)
    """

    _default_reservoir_params = {"input_scaling": 1.0}
    _parameter_constraints = {
        **_ReservoirModel._parameter_constraints,
        "pooling": [Options(*POOLINGS)],
        "per_step": [BOOLEAN],
        "model_space_components": [Interval("integer", 1, None), None],
        "model_space_alpha": [Interval("real", 0, None)],
    }

    def __init__(self, reservoir=None, readout=None, pooling="last", washout=0, per_step=False,
                 include_input=False, model_space_components=10, model_space_alpha=1.0,
                 scale="standard", random_state=None):
        self.reservoir = reservoir
        self.readout = readout
        self.pooling = pooling
        self.washout = washout
        self.per_step = per_step
        self.include_input = include_input
        self.model_space_components = model_space_components
        self.model_space_alpha = model_space_alpha
        self.scale = scale
        self.random_state = random_state

    # -- validation ---------------------------------------------------------------------------
    def _expected_failed_checks(self) -> dict[str, str]:
        if not self.per_step:
            return {}  # pooled: a 2-D X is n independent length-1 series, so row checks hold
        return super()._expected_failed_checks()

    @property
    def _model_space(self):
        return not self.per_step and self.pooling == "model_space"

    def _check_X(self, X) -> SeriesSet:
        """Validate X; in pooled mode a 2-D array is n series of length 1 (see Notes).

        The rows of such a 2-D table are independent samples, whose index need
        not be in time order (e.g. after ``train_test_split``).
        """
        pooled_rows = not self.per_step and getattr(X, "ndim", 0) == 2 and hasattr(X, "index")
        series = check_series(X, name="X", time_ordered=not pooled_rows)
        if self.per_step or series.layout != "single":
            return series
        if series.was_1d:
            raise ValueError(
                "X is 1-D, which is ambiguous for a sequence classifier (one series or one "
                "sample?). Reshape your data: pass a list of series, an (n_series, T, d) "
                "array, or a 2-D (n_samples, n_features) array, read as n_samples series "
                "of length 1."
            )
        rows = series.series[0]
        return SeriesSet([row[None, :] for row in rows], "array",
                         original_first=series.original_first)

    def _check_washout(self, Xs):
        return check_washout(self.washout, Xs.lengths, extra=1 if self._model_space else 0)

    def _check_series_labels(self, y, Xs):
        """One label per series (pooled mode), as a 1-D array."""
        labels = _as_labels(y)
        if len(labels) != len(Xs):
            raise ValueError(
                f"y holds {len(labels)} labels but X holds {len(Xs)} series; pooled "
                "classification needs one label per series."
            )
        return labels

    def _check_step_labels(self, y, Xs):
        """One label array per series, each as long as its series (per-step mode)."""
        if Xs.layout == "single":
            parts = [y]
        elif isinstance(y, (list, tuple)):
            parts = list(y)
        else:
            parts = list(np.asarray(y))
        if len(parts) != len(Xs):
            raise ValueError(
                f"y holds labels for {len(parts)} series but X holds {len(Xs)}; per-step "
                "classification needs one label array per series."
            )
        labels = [_as_labels(part, "y" if len(parts) == 1 else f"y[{i}]")
                  for i, part in enumerate(parts)]
        for i, (part, length) in enumerate(zip(labels, Xs.lengths, strict=True)):
            if len(part) != length:
                where = "" if len(Xs) == 1 else f" (series {i})"
                raise ValueError(
                    f"y has {len(part)} labels but X has {length} time steps{where}; "
                    "per-step classification needs one label per step."
                )
        return labels

    def _default_component(self, name, random_state=None):
        """The default readout of a classifier is a RidgeClassifier."""
        if name == "readout":
            return RidgeClassifier()
        return super()._default_component(name, random_state)

    def _build(self, inputs):
        super()._build(inputs)
        if not is_classifier(self.readout_):
            raise TypeError(
                "readout must be a scikit-learn classifier (e.g. RidgeClassifier, "
                f"LogisticRegression); got {type(self.readout).__name__}."
            )

    # -- features ----------------------------------------------------------------------------
    def _max_batch(self, length):
        """Series of ``length`` steps simulated at once: at most STATE_BLOCK_VALUES state values."""
        per_series = max(length * self.reservoir_.n_features_out_, 1)
        return max(STATE_BLOCK_VALUES // per_series, 1)

    def _feature_blocks(self, series, washout, sources, monitor=None, noise=False):
        """Yield (positions, features (B, T - washout, F)) for batches of equal-length series.

        Whole series go through the reservoir at once, so that a non-causal
        (bidirectional) reservoir reads each series entirely. A ``monitor``
        (training only) sees the states after the washout. ``noise`` adds the
        state noise (training); each series draws from its own stream, keyed
        by its values as the caller gave them (``sources``, before scaling),
        whatever batch it is in.
        """
        max_batch = self._max_batch(max(len(s) for s in series))
        for batch, U, batch_sources in equal_length_blocks(series, sources, max_batch=max_batch):
            start = self.reservoir_.default_state(len(batch))
            streams = RandomStreams.of(list(batch_sources), state_noise=noise)
            states, _ = self.reservoir_.simulate(U, start, rng=streams)
            if monitor is not None:
                monitor.observe(states[:, washout:])
            yield batch, self._features(states, U)[:, washout:]
        if monitor is not None:
            monitor.warn_if_saturated()

    def _pool(self, F):
        """Pool a (B, T, F) feature block into (B, P) vectors."""
        if self.pooling == "last":
            return F[:, -1]
        if self.pooling == "mean":
            return F.mean(axis=1)
        if self.pooling == "max":
            return F.max(axis=1)
        if self.pooling == "last_and_mean":
            return np.concatenate([F[:, -1], F.mean(axis=1)], axis=1)
        return self._model_space_vectors(F)

    def _model_space_vectors(self, F):
        """Reservoir model space: per series, ridge coefficients of z[t+1] on z[t] ([B20]_)."""
        Z = F if self.projection_ is None else (
            self.projection_.transform(F.reshape(-1, F.shape[-1])).reshape(*F.shape[:2], -1)
        )
        vectors = []
        for z in Z:
            model = RidgeReadout(alpha=float(self.model_space_alpha)).fit(z[:-1], z[1:])
            vectors.append(np.concatenate([model.coef_.ravel(), model.intercept_]))
        return np.stack(vectors)

    def _fit_projection(self, blocks):
        """The PCA of the model space, fitted on every training step after the washout."""
        if self.model_space_components is None:
            return None
        n_features = blocks[0][1].shape[-1]
        if self.model_space_components > n_features:
            raise ValueError(
                f"model_space_components={self.model_space_components} exceeds the "
                f"{n_features} features per step; choose at most {n_features}, or None."
            )
        steps = np.concatenate([F.reshape(-1, n_features) for _, F in blocks])
        pca = PCA(n_components=self.model_space_components, svd_solver="covariance_eigh")
        return pca.fit(steps)

    def _pooled(self, blocks, n_series):
        """Pooled vectors (n_series, P) from the feature blocks, in series order."""
        return np.stack(scatter(n_series, ((batch, self._pool(F)) for batch, F in blocks)))

    # -- fitting ------------------------------------------------------------------------------
    def fit(self, X, y):
        """Fit the readout on pooled (or per-step) reservoir features of ``X``.

        Parameters
        ----------
        X : list of (T_i, d) arrays, (n_series, T, d) array, or (n, d) array
            See the class Notes for what a 2-D array means in each mode.
        y : array-like of shape (n_series,), or per-step labels (``per_step=True``)

        Returns
        -------
        self
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        validate_params(self)
        Xs = self._check_X(X)
        labels = (self._check_step_labels(y, Xs) if self.per_step
                  else self._check_series_labels(y, Xs))
        all_labels = np.concatenate(labels) if self.per_step else labels
        check_classification_targets(all_labels)
        classes = np.unique(all_labels)
        if len(classes) < 2:
            raise ValueError(
                f"y holds a single class ({classes.tolist()[0]!r}): the number of classes "
                "has to be greater than one; got 1 class."
            )
        washout = self._check_washout(Xs)
        record_n_features(self, Xs, reset=True)
        self.n_outputs_ = 1
        self.input_scaler_ = SeriesScaler.fit(self.scale, Xs.series)
        inputs = self.input_scaler_.transform_all(Xs.series)
        self._build(inputs)
        if self.per_step:
            self._fit_per_step(inputs, labels, washout, Xs.series)
        else:
            self._fit_pooled(inputs, labels, washout, Xs.series)
        self.classes_ = np.asarray(self.readout_.classes_ if hasattr(self.readout_, "classes_")
                                   else np.unique(all_labels))
        return self

    def _fit_pooled(self, series, labels, washout, sources):
        blocks = self._feature_blocks(series, washout, sources, self._state_monitor(),
                                      noise=True)
        self.projection_ = None
        if self._model_space:
            blocks = list(blocks)
            self.projection_ = self._fit_projection(blocks)
        self.readout_.fit(self._pooled(blocks, len(series)), labels)

    def _fit_per_step(self, series, labels, washout, sources):
        self.projection_ = None
        blocks = (
            (F.reshape(-1, F.shape[-1]),
             np.concatenate([labels[i][washout:] for i in batch])[:, None])
            for batch, F in self._feature_blocks(series, washout, sources,
                                                 self._state_monitor(), noise=True)
        )
        self._fit_readout(blocks)

    # -- prediction ---------------------------------------------------------------------------
    def _apply(self, method, X, noise=False):
        """Call a readout method on the pooled vectors or on every step of ``X``."""
        check_is_fitted(self)
        noise = check_bool(noise, "noise")
        Xs = self._check_X(X)
        record_n_features(self, Xs, reset=False)
        inputs = self.input_scaler_.transform_all(Xs.series)
        call = getattr(self.readout_, method)
        if not self.per_step:
            blocks = self._feature_blocks(inputs, self._check_washout(Xs), Xs.series,
                                          noise=noise)
            return call(self._pooled(blocks, len(Xs)))
        def per_step(F):
            out = np.asarray(call(F.reshape(-1, F.shape[-1])))
            return out.reshape(*F.shape[:2], *out.shape[1:])

        blocks = self._feature_blocks(inputs, 0, Xs.series, noise=noise)
        return Xs.restore(scatter(len(Xs), ((batch, per_step(F)) for batch, F in blocks)))

    def predict(self, X, noise=False):
        """Predict one label per series (or per step with ``per_step=True``).

        Parameters
        ----------
        X : as in :meth:`fit`
        noise : bool, default=False
            Add the reservoir's state noise, as in training. Off by default:
            state noise is a training-time regulariser. Each series draws its
            own noise (keyed by its values), so its output does not depend on
            the other series of ``X``.

        Returns
        -------
        labels : ndarray of shape (n_series,); per step: the structure of X
            with one label per step, washout steps included
        """
        return self._apply("predict", X, noise=noise)

    @available_if(_readout_has("predict_proba"))
    def predict_proba(self, X, noise=False):
        """Class probabilities from the readout (available when it has ``predict_proba``).

        Parameters
        ----------
        X : as in :meth:`fit`
        noise : bool, default=False
            Add the reservoir's state noise, as in training. Off by default:
            state noise is a training-time regulariser. Each series draws its
            own noise (keyed by its values), so its output does not depend on
            the other series of ``X``.

        Returns
        -------
        proba : ndarray of shape (n_series, n_classes), columns in the order of
            ``classes_``; per step: (T_i, n_classes) per series, in X's structure
        """
        return self._apply("predict_proba", X, noise=noise)

    @available_if(_readout_has("predict_log_proba"))
    def predict_log_proba(self, X, noise=False):
        """Logarithm of :meth:`predict_proba` (available when the readout has it).

        Parameters
        ----------
        X : as in :meth:`fit`
        noise : bool, default=False
            Add the reservoir's state noise, as in training. Off by default:
            state noise is a training-time regulariser. Each series draws its
            own noise (keyed by its values), so its output does not depend on
            the other series of ``X``.

        Returns
        -------
        log_proba : same shapes as :meth:`predict_proba`
        """
        return self._apply("predict_log_proba", X, noise=noise)

    @available_if(_readout_has("decision_function"))
    def decision_function(self, X, noise=False):
        """Decision values from the readout (available when it has ``decision_function``).

        Parameters
        ----------
        X : as in :meth:`fit`
        noise : bool, default=False
            Add the reservoir's state noise, as in training. Off by default:
            state noise is a training-time regulariser. Each series draws its
            own noise (keyed by its values), so its output does not depend on
            the other series of ``X``.

        Returns
        -------
        scores : ndarray of shape (n_series,) for two classes, (n_series,
            n_classes) otherwise; per step: one such array per series
        """
        return self._apply("decision_function", X, noise=noise)

    def score(self, X, y, sample_weight=None):
        """Accuracy: over series, or (per step) over the steps after each series' washout.

        Parameters
        ----------
        X, y : as in :meth:`fit`
        sample_weight : array-like of shape (n_series,), optional
            Per-series weights (pooled mode only).

        Returns
        -------
        float
        """
        if not self.per_step:
            return accuracy_score(_as_labels(y), self.predict(X),
                                  sample_weight=sample_weight)
        if sample_weight is not None:
            raise ValueError("sample_weight is not supported with per_step=True.")
        Xs = self._check_X(X)
        labels = self._check_step_labels(y, Xs)
        washout = self._check_washout(Xs)
        predicted = self.predict(Xs.series)
        return accuracy_score(np.concatenate([t[washout:] for t in labels]),
                              np.concatenate([p[washout:] for p in predicted]))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = False
        return tags
