"""Classification and event-detection metrics (re-exported by :mod:`reservoir.metrics`).

* :func:`precision_recall_f1` and :func:`pr_curve` are thin wrappers of
  scikit-learn that also accept per-step outputs (one label array per series);
* :func:`coverage_accuracy_curve` measures a classifier that may abstain: the
  accuracy on the examples it answers when it answers only above a
  confidence threshold, against the fraction it answers (the coverage), as in
  selective classification (El-Yaniv & Wiener 2010, "On the foundations of
  noise-free selective classification", JMLR 11:1605-1641);
* :func:`event_precision_recall` scores per-step detections at the level of
  events, runs of consecutive positive steps, with a tolerance window.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    precision_recall_curve,
    precision_recall_fscore_support,
)

from ._validation import _looks_like_list_of_series, check_in_range

__all__ = [
    "PrecisionRecallF1",
    "PRCurve",
    "CoverageAccuracyCurve",
    "EventScores",
    "precision_recall_f1",
    "pr_curve",
    "coverage_accuracy_curve",
    "event_precision_recall",
]


class PrecisionRecallF1(NamedTuple):
    """Result of :func:`precision_recall_f1`."""

    precision: float | np.ndarray
    recall: float | np.ndarray
    f1: float | np.ndarray


class PRCurve(NamedTuple):
    """Result of :func:`pr_curve`."""

    precision: np.ndarray
    recall: np.ndarray
    thresholds: np.ndarray
    average_precision: float


class CoverageAccuracyCurve(NamedTuple):
    """Result of :func:`coverage_accuracy_curve`, ordered by increasing coverage."""

    coverage: np.ndarray
    accuracy: np.ndarray
    thresholds: np.ndarray


class EventScores(NamedTuple):
    """Result of :func:`event_precision_recall`."""

    precision: float
    recall: float
    f1: float
    n_true_events: int
    n_pred_events: int


# -- input handling ----------------------------------------------------------------------------
def _is_list_of_series(values) -> bool:
    """A list of arrays is several series; a nested list of numbers is one array
    (the rule of :func:`reservoir._validation.check_series`)."""
    return (isinstance(values, (list, tuple)) and len(values) > 0
            and _looks_like_list_of_series(values))


def _per_series(values, name):
    """Labels or scores as a list of arrays, one per series (a plain array is one series)."""
    if values is None:
        raise TypeError(f"{name} is required; got None.")
    parts = list(values) if _is_list_of_series(values) else [values]
    arrays = [np.asarray(p) for p in parts]
    if any(a.ndim == 0 for a in arrays):
        raise ValueError(f"{name} must be an array of per-sample values; got a scalar.")
    return arrays


def _flat_labels(values, name):
    """Concatenate per-series label arrays (a plain array passes through), checked 1-D."""
    arrays = _per_series(values, name)
    flat = np.concatenate([a.reshape(len(a), -1) for a in arrays])
    if flat.shape[1] != 1:
        raise ValueError(f"{name} must hold one label per sample; got shape {flat.shape}.")
    return flat[:, 0]


def _check_same_length(a, b, a_name, b_name):
    if len(a) != len(b):
        raise ValueError(
            f"{a_name} has {len(a)} samples but {b_name} has {len(b)}; they must match."
        )


def _check_scores(scores, name="scores"):
    scores = np.asarray(scores, dtype=float)
    if not np.all(np.isfinite(scores)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return scores


# -- precision / recall / F1 ---------------------------------------------------------------------
def precision_recall_f1(y_true, y_pred, *, average="macro", labels=None, pos_label=1,
                        zero_division=0.0):
    """Precision, recall and F1 of predicted labels (scikit-learn's definitions).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,) or list of per-series label arrays
        True and predicted labels; per-step outputs of several series (a list
        of arrays) are concatenated.
    average : {"macro", "micro", "weighted", "binary"} or None, default="macro"
        As in :func:`sklearn.metrics.precision_recall_fscore_support`; None
        returns one value per class (in the order of ``labels``, else sorted).
    labels : array-like, optional
        Classes to include.
    pos_label : label, default=1
        The positive class when ``average="binary"``.
    zero_division : float, default=0.0
        Value of a ratio whose denominator is zero (e.g. precision of a class
        never predicted).

    Returns
    -------
    PrecisionRecallF1
        Named tuple ``(precision, recall, f1)``; floats, or arrays with one
        entry per class when ``average=None``.

    Examples
    --------
    >>> from reservoir.metrics import precision_recall_f1
    >>> precision_recall_f1([0, 0, 1, 1], [0, 1, 1, 1], average="binary")
    PrecisionRecallF1(precision=0.6666666666666666, recall=1.0, f1=0.8)
    """
    true = _flat_labels(y_true, "y_true")
    pred = _flat_labels(y_pred, "y_pred")
    _check_same_length(true, pred, "y_true", "y_pred")
    precision, recall, f1, _ = precision_recall_fscore_support(
        true, pred, average=average, labels=labels, pos_label=pos_label,
        zero_division=zero_division,
    )
    if average is not None:
        precision, recall, f1 = float(precision), float(recall), float(f1)
    return PrecisionRecallF1(precision, recall, f1)


def pr_curve(y_true, scores, *, pos_label=None):
    """Precision-recall curve and average precision of a binary score.

    Computed by :func:`sklearn.metrics.precision_recall_curve` and
    :func:`sklearn.metrics.average_precision_score`.

    Parameters
    ----------
    y_true : array-like of shape (n,) or list of per-series label arrays
        Binary labels.
    scores : array-like of shape (n,) or list of per-series arrays
        Score of the positive class (probability or decision value), higher
        meaning more likely positive. For a multi-class model pass one column
        of ``predict_proba`` (one-vs-rest).
    pos_label : label, optional
        The positive class; 1 (or True) by default.

    Returns
    -------
    PRCurve
        Named tuple ``(precision, recall, thresholds, average_precision)``; the
        first three as scikit-learn returns them (recall decreasing to 0).

    Examples
    --------
    >>> from reservoir.metrics import pr_curve
    >>> curve = pr_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> round(curve.average_precision, 4)
    0.8333
    """
    true = _flat_labels(y_true, "y_true")
    score = _check_scores(_flat_labels(scores, "scores"))
    _check_same_length(true, score, "y_true", "scores")
    precision, recall, thresholds = precision_recall_curve(true, score, pos_label=pos_label)
    ap = average_precision_score(true, score, pos_label=1 if pos_label is None else pos_label)
    return PRCurve(precision, recall, thresholds, float(ap))


# -- selective classification -----------------------------------------------------------------
def _predictions_and_confidence(scores, classes):
    """Predicted labels and their confidence from (n,) decision values or (n, k) scores."""
    if scores.ndim == 1:
        if len(classes) != 2:
            raise ValueError(
                "1-D scores are binary decision values (positive means classes[1]); "
                f"got {len(classes)} classes. Pass (n, n_classes) scores instead."
            )
        return np.where(scores > 0, classes[1], classes[0]), np.abs(scores)
    if scores.ndim != 2 or scores.shape[1] != len(classes):
        raise ValueError(
            f"scores must have shape (n,) or (n, {len(classes)}) (one column per class); "
            f"got {scores.shape}."
        )
    return classes[np.argmax(scores, axis=1)], np.max(scores, axis=1)


def coverage_accuracy_curve(y_true, scores, *, classes=None):
    """Accuracy against coverage for a classifier that abstains below a confidence threshold.

    The classifier predicts the class of highest score; its confidence is
    that score (the absolute decision value for binary 1-D scores). For each
    distinct confidence threshold ``c``, it answers the examples whose
    confidence is at least ``c``: the coverage is the fraction answered, the
    accuracy is measured on those alone. A useful confidence gives accuracy
    that rises as coverage falls.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True labels.
    scores : array-like of shape (n, n_classes) or (n,)
        Class scores, e.g. ``predict_proba`` or ``decision_function``
        (columns in the order of ``classes``), or binary decision values
        (positive means ``classes[1]``).
    classes : array-like of shape (n_classes,), optional
        The class of each score column, e.g. ``model.classes_``. By default
        the sorted distinct labels of ``y_true``, which must then number as
        many as the columns.

    Returns
    -------
    CoverageAccuracyCurve
        Named tuple ``(coverage, accuracy, thresholds)`` of arrays ordered by
        increasing coverage (decreasing threshold); the last point is the
        full coverage 1.0 with the plain accuracy.

    Examples
    --------
    >>> from reservoir.metrics import coverage_accuracy_curve
    >>> curve = coverage_accuracy_curve([0, 1, 1, 0], [[0.9, 0.1], [0.2, 0.8],
    ...                                                [0.6, 0.4], [0.3, 0.7]])
    >>> curve.coverage.tolist(), curve.accuracy.tolist()
    ([0.25, 0.5, 0.75, 1.0], [1.0, 1.0, 0.6666666666666666, 0.5])
    """
    true = _flat_labels(y_true, "y_true")
    score = _check_scores(scores)
    _check_same_length(true, score, "y_true", "scores")
    if len(true) == 0:
        raise ValueError("y_true is empty; the curve needs at least one example.")
    classes = np.unique(true) if classes is None else np.asarray(classes)
    predicted, confidence = _predictions_and_confidence(score, classes)
    order = np.argsort(-confidence, kind="stable")
    correct = np.cumsum(predicted[order] == true[order])
    sorted_confidence = confidence[order]
    # The last position of each run of equal confidences: every tie is answered together.
    ends = np.flatnonzero(np.r_[sorted_confidence[1:] != sorted_confidence[:-1], True])
    answered = ends + 1
    return CoverageAccuracyCurve(answered / len(true), correct[ends] / answered,
                                 sorted_confidence[ends])


# -- event detection ----------------------------------------------------------------------------
def _events(labels, pos_label):
    """Start and end (inclusive) of each run of ``pos_label`` in a 1-D label array."""
    positive = np.concatenate([[False], labels == pos_label, [False]])
    edges = np.flatnonzero(positive[1:] != positive[:-1])
    return edges[0::2], edges[1::2] - 1


def _n_matched(starts, ends, other_starts, other_ends, tolerance):
    """How many events [starts, ends] overlap some other event widened by ``tolerance``.

    The other events are sorted and disjoint, so the only candidate for each
    event is the first other event that does not end before it starts.
    """
    if len(other_starts) == 0:
        return 0
    candidate = np.searchsorted(other_ends + tolerance, starts, side="left")
    valid = candidate < len(other_starts)
    hits = other_starts[candidate[valid]] - tolerance <= ends[valid]
    return int(np.count_nonzero(hits))


def event_precision_recall(y_true, y_pred, tolerance=0, *, pos_label=1, zero_division=0.0):
    """Event-level precision and recall of per-step detections.

    An event is a maximal run of consecutive steps labelled ``pos_label``.
    A predicted event is correct if it overlaps a true event widened by
    ``tolerance`` steps on each side (the "any overlap" criterion); a true
    event is detected if a predicted event overlaps it in the same way.
    Precision is the fraction of predicted events that are correct, recall
    the fraction of true events detected. Events never span two series.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (T,) or list of per-series arrays
        Per-step labels of one series or of several series (lists of equal
        structure).
    tolerance : int >= 0, default=0
        Allowed gap in steps between a predicted and a true event.
    pos_label : label, default=1
        The label of event steps.
    zero_division : float, default=0.0
        Precision when nothing is predicted, recall when there is no true event.

    Returns
    -------
    EventScores
        Named tuple ``(precision, recall, f1, n_true_events, n_pred_events)``.

    Examples
    --------
    >>> from reservoir.metrics import event_precision_recall
    >>> y_true = [0, 1, 1, 0, 0, 0, 1, 1, 0, 0]
    >>> y_pred = [0, 0, 1, 0, 0, 0, 0, 0, 0, 1]
    >>> event_precision_recall(y_true, y_pred, tolerance=1)
    EventScores(precision=0.5, recall=0.5, f1=0.5, n_true_events=2, n_pred_events=2)
    >>> event_precision_recall(y_true, y_pred, tolerance=2).recall
    1.0
    """
    tolerance = int(check_in_range(tolerance, "tolerance", 0, integer=True))
    true_series = _per_series(y_true, "y_true")
    pred_series = _per_series(y_pred, "y_pred")
    if len(true_series) != len(pred_series):
        raise ValueError(
            f"y_true holds {len(true_series)} series but y_pred holds {len(pred_series)}."
        )
    counts = np.zeros(4, dtype=int)  # true events, detected, predicted events, correct
    for true, pred in zip(true_series, pred_series, strict=True):
        true, pred = true.reshape(-1), pred.reshape(-1)
        _check_same_length(true, pred, "y_true", "y_pred")
        t_starts, t_ends = _events(true, pos_label)
        p_starts, p_ends = _events(pred, pos_label)
        counts += [len(t_starts), _n_matched(t_starts, t_ends, p_starts, p_ends, tolerance),
                   len(p_starts), _n_matched(p_starts, p_ends, t_starts, t_ends, tolerance)]
    n_true, detected, n_pred, correct = (int(c) for c in counts)
    precision = correct / n_pred if n_pred else float(zero_division)
    recall = detected / n_true if n_true else float(zero_division)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return EventScores(float(precision), float(recall), float(f1), n_true, n_pred)
