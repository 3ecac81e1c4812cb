import numpy as np
import pytest
from sklearn.metrics import (
    average_precision_score,
    precision_recall_curve,
    precision_recall_fscore_support,
)

from reservoir._classification_metrics import (
    coverage_accuracy_curve,
    event_precision_recall,
    pr_curve,
    precision_recall_f1,
)


# --- precision / recall / F1 ---------------------------------------------------------------------
def test_precision_recall_f1_matches_scikit_learn():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 3, 200), rng.integers(0, 3, 200)
    for average in ("macro", "micro", "weighted"):
        ours = precision_recall_f1(y_true, y_pred, average=average)
        ref = precision_recall_fscore_support(y_true, y_pred, average=average)[:3]
        np.testing.assert_allclose(ours, ref)
        assert all(isinstance(v, float) for v in ours)


def test_precision_recall_f1_known_binary_values_and_per_class():
    result = precision_recall_f1([0, 0, 1, 1], [0, 1, 1, 1], average="binary")
    assert result.precision == pytest.approx(2 / 3)
    assert result.recall == 1.0
    assert result.f1 == pytest.approx(0.8)
    per_class = precision_recall_f1([0, 0, 1, 1], [0, 1, 1, 1], average=None)
    np.testing.assert_allclose(per_class.precision, [1.0, 2 / 3])
    np.testing.assert_allclose(per_class.recall, [0.5, 1.0])


def test_precision_recall_f1_concatenates_per_step_outputs():
    y_true = [np.array([0, 1, 1]), np.array([1, 0])]
    y_pred = [np.array([0, 1, 0]), np.array([1, 1])]
    assert precision_recall_f1(y_true, y_pred) == precision_recall_f1(
        [0, 1, 1, 1, 0], [0, 1, 0, 1, 1]
    )


def test_precision_recall_f1_string_labels_and_length_mismatch():
    result = precision_recall_f1(["a", "b", "b"], ["a", "b", "a"], average="macro")
    assert result.recall == pytest.approx(0.75)
    with pytest.raises(ValueError, match="y_true has 3 samples but y_pred has 2"):
        precision_recall_f1([0, 1, 1], [0, 1])


# --- PR curve ------------------------------------------------------------------------------------
def test_pr_curve_is_scikit_learns():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 100)
    scores = y + rng.normal(0, 0.8, 100)
    curve = pr_curve(y, scores)
    precision, recall, thresholds = precision_recall_curve(y, scores)
    np.testing.assert_array_equal(curve.precision, precision)
    np.testing.assert_array_equal(curve.recall, recall)
    np.testing.assert_array_equal(curve.thresholds, thresholds)
    assert curve.average_precision == pytest.approx(average_precision_score(y, scores))


def test_pr_curve_known_average_precision_and_pos_label():
    assert pr_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]).average_precision == pytest.approx(5 / 6)
    strings = pr_curve(["no", "no", "yes", "yes"], [0.1, 0.4, 0.35, 0.8], pos_label="yes")
    assert strings.average_precision == pytest.approx(5 / 6)


def test_pr_curve_rejects_bad_scores():
    with pytest.raises(ValueError, match="NaN or infinity"):
        pr_curve([0, 1], [0.5, np.nan])
    with pytest.raises(ValueError, match="one label per sample"):
        pr_curve([0, 1], [[0.5, 0.5], [0.1, 0.9]])  # one column per class: ambiguous


# --- coverage / accuracy -------------------------------------------------------------------------
def brute_force_coverage(y, scores, classes):
    """Independent computation: for each distinct confidence, answer those at or above it."""
    predicted = classes[np.argmax(scores, axis=1)]
    confidence = scores.max(axis=1)
    points = []
    for threshold in np.unique(confidence)[::-1]:
        answered = confidence >= threshold
        points.append((answered.mean(), np.mean(predicted[answered] == y[answered]), threshold))
    return np.array(points).T


def test_coverage_accuracy_matches_brute_force_with_ties():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, 300)
    scores = np.round(rng.dirichlet(np.ones(3), 300) + 0.5 * np.eye(3)[y], 1)  # many ties
    curve = coverage_accuracy_curve(y, scores)
    coverage, accuracy, thresholds = brute_force_coverage(y, scores, np.arange(3))
    np.testing.assert_allclose(curve.coverage, coverage)
    np.testing.assert_allclose(curve.accuracy, accuracy)
    np.testing.assert_allclose(curve.thresholds, thresholds)
    assert curve.coverage[-1] == 1.0
    assert curve.accuracy[-1] == pytest.approx(np.mean(np.argmax(scores, 1) == y))


def test_coverage_accuracy_known_values_and_classes_argument():
    scores = [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]]
    curve = coverage_accuracy_curve(["a", "b", "b", "a"], scores, classes=["a", "b"])
    np.testing.assert_allclose(curve.coverage, [0.25, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(curve.accuracy, [1.0, 1.0, 2 / 3, 0.5])


def test_coverage_accuracy_binary_decision_values():
    curve = coverage_accuracy_curve([0, 1, 1, 0], [-2.0, 1.5, -0.5, 0.2])
    # confidence |d|: 2.0 (right), 1.5 (right), 0.5 (wrong), 0.2 (wrong)
    np.testing.assert_allclose(curve.accuracy, [1.0, 1.0, 2 / 3, 0.5])


def test_coverage_accuracy_errors():
    with pytest.raises(ValueError, match=r"\(n, 3\)"):
        coverage_accuracy_curve([0, 1, 2], [[0.5, 0.5]] * 3)
    with pytest.raises(ValueError, match="binary decision values"):
        coverage_accuracy_curve([0, 1, 2], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="2 samples but scores has 3"):
        coverage_accuracy_curve([0, 1], [[1, 0], [0, 1], [1, 0]])


# --- event-level precision / recall --------------------------------------------------------------
def naive_event_scores(y_true, y_pred, tolerance):
    """Independent O(n^2) computation of the any-overlap criterion."""
    def runs(labels):
        events, start = [], None
        for t, value in enumerate(list(labels) + [0]):
            if value == 1 and start is None:
                start = t
            if value != 1 and start is not None:
                events.append((start, t - 1))
                start = None
        return events

    def overlaps(a, b):
        return a[0] <= b[1] + tolerance and a[1] >= b[0] - tolerance

    true, pred = runs(y_true), runs(y_pred)
    correct = sum(any(overlaps(p, t) for t in true) for p in pred)
    detected = sum(any(overlaps(p, t) for p in pred) for t in true)
    return correct, len(pred), detected, len(true)


@pytest.mark.parametrize("tolerance", [0, 1, 3, 10])
def test_event_scores_match_naive_computation(tolerance):
    rng = np.random.default_rng(tolerance)
    for _ in range(20):
        y_true = (rng.uniform(size=80) < 0.3).astype(int)
        y_pred = (rng.uniform(size=80) < 0.3).astype(int)
        correct, n_pred, detected, n_true = naive_event_scores(y_true, y_pred, tolerance)
        result = event_precision_recall(y_true, y_pred, tolerance)
        assert (result.n_pred_events, result.n_true_events) == (n_pred, n_true)
        assert result.precision == pytest.approx(correct / n_pred)
        assert result.recall == pytest.approx(detected / n_true)


def test_event_scores_tolerance_window():
    y_true = [0, 1, 1, 0, 0, 0, 1, 1, 0, 0]
    y_pred = [0, 0, 1, 0, 0, 0, 0, 0, 0, 1]
    assert event_precision_recall(y_true, y_pred, 0)[:2] == (0.5, 0.5)
    assert event_precision_recall(y_true, y_pred, 1)[:2] == (0.5, 0.5)  # gap of 2 steps
    result = event_precision_recall(y_true, y_pred, 2)
    assert result == (1.0, 1.0, 1.0, 2, 2)


def test_fragmented_detection_counts_every_fragment_and_one_true_event():
    y_true = [0, 1, 1, 1, 1, 1, 0, 0]
    y_pred = [0, 1, 0, 1, 0, 1, 0, 0]
    result = event_precision_recall(y_true, y_pred)
    assert (result.precision, result.recall, result.n_pred_events) == (1.0, 1.0, 3)


def test_events_do_not_span_series_and_zero_division():
    # Series 0 ends in an event, series 1 starts with one: two events, not one.
    result = event_precision_recall([np.array([0, 1]), np.array([1, 0])],
                                    [np.array([0, 1]), np.array([0, 0])])
    assert (result.n_true_events, result.n_pred_events) == (2, 1)
    assert (result.precision, result.recall) == (1.0, 0.5)
    empty = event_precision_recall([1, 1, 0], [0, 0, 0], zero_division=1.0)
    assert (empty.precision, empty.recall, empty.n_pred_events) == (1.0, 0.0, 0)


def test_event_scores_pos_label_and_errors():
    result = event_precision_recall(["x", "ev", "x"], ["ev", "x", "x"], 1, pos_label="ev")
    assert result.recall == 1.0
    with pytest.raises(ValueError, match="tolerance"):
        event_precision_recall([0, 1], [0, 1], tolerance=-1)
    with pytest.raises(ValueError, match="y_true has 3 samples but y_pred has 2"):
        event_precision_recall([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="holds 2 series"):
        event_precision_recall([np.zeros(3), np.zeros(2)], [np.zeros(3)])
