"""Sequence classification: which template shape is hidden in a noisy, time-warped series?
=======================================================================================

The library generates variable-length series, each a noisy, randomly
time-warped and rescaled copy of one of several template shapes (sine,
square, sawtooth, bump, chirp, step); the class is the shape. A
:class:`~reservoir.ReservoirClassifier` pools each series' reservoir states
(last state and mean) and a logistic regression reads the pooled vectors.

Prints test accuracy, macro F1, and a coverage/accuracy table: the accuracy
on the series the model answers when it abstains on its least confident ones.

Run::

    python examples/classification.py

``RESERVOIR_EXAMPLE_SMALL=1`` runs a tiny version in a few seconds.
"""

from __future__ import annotations

import os

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from reservoir import ESN, ReservoirClassifier
from reservoir.datasets.classification import template_classification
from reservoir.metrics import coverage_accuracy_curve, precision_recall_f1

SMALL = os.environ.get("RESERVOIR_EXAMPLE_SMALL") == "1"
N_SERIES, N_CLASSES, N_UNITS = (120, 3, 40) if SMALL else (900, 6, 300)
TRAIN_FRACTION = 2 / 3
COVERAGES = (1.0, 0.9, 0.75, 0.5)


def accuracy_at_coverage(curve, coverage):
    """(coverage, accuracy) of the curve point with the largest coverage not above ``coverage``."""
    i = max(int(np.searchsorted(curve.coverage, coverage, side="right")) - 1, 0)
    return curve.coverage[i], curve.accuracy[i]


def main():
    X, y = template_classification(n_series=N_SERIES, n_classes=N_CLASSES, length=(50, 150),
                                   noise=0.5, warp=0.4, random_state=0)
    n_train = int(TRAIN_FRACTION * N_SERIES)
    model = ReservoirClassifier(
        ESN(n_units=N_UNITS, spectral_radius=0.9, leak_rate=0.3, bias_scaling=0.2,
            random_state=0),
        readout=make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000)),
        pooling="last_and_mean",
        washout=10,
    )
    model.fit(X[:n_train], y[:n_train])
    X_test, y_test = X[n_train:], y[n_train:]
    predicted = model.predict(X_test)
    scores = precision_recall_f1(y_test, predicted, average="macro")
    print(f"{N_CLASSES} classes, {n_train} training / {len(y_test)} test series, "
          f"lengths 50-150, {N_UNITS} units")
    print(f"accuracy {np.mean(predicted == y_test):.3f}   macro F1 {scores.f1:.3f}   "
          f"(chance {1 / N_CLASSES:.3f})")
    curve = coverage_accuracy_curve(y_test, model.predict_proba(X_test), classes=model.classes_)
    print(f"{'target coverage':>16}{'coverage':>10}{'accuracy':>10}")
    for target in COVERAGES:
        coverage, accuracy = accuracy_at_coverage(curve, target)
        print(f"{target:>16.2f}{coverage:>10.3f}{accuracy:>10.3f}")
    return model


if __name__ == "__main__":
    main()
