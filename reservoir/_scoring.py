"""Scoring shared by every per-step sequence regressor (reservoir or trained RNN)."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score

from ._validation import check_supervised_series

__all__ = ["SequenceRegressorMixin"]


class SequenceRegressorMixin(RegressorMixin):
    """``score`` as R² over the steps after the washout of each series.

    The estimator needs a ``washout`` parameter and a ``predict(X)`` that
    returns one prediction per step in the caller's structure.
    """

    def score(self, X, y, sample_weight=None):
        """R² of the predictions on the steps after the washout of each series.

        Parameters
        ----------
        X, y : as in ``fit``
        sample_weight : array-like of shape (n_scored_steps,), optional
            Weights of the scored steps (all series concatenated, washout removed).

        Returns
        -------
        float
        """
        inputs, targets, washout = check_supervised_series(self, X, y, self.washout)
        predictions = self.predict(X)  # X as given, so its feature names are checked as in fit
        if inputs.layout == "single":
            predictions = [predictions]
        y_true = np.concatenate([t[washout:] for t in targets.series])
        y_pred = np.concatenate([np.asarray(p).reshape(len(p), -1)[washout:]
                                 for p in predictions])
        return r2_score(y_true, y_pred, sample_weight=sample_weight)
