"""Per-step event detection: find oscillation bursts in a noisy series, ignore distractors.
========================================================================================

A :class:`~reservoir.ReservoirClassifier` with ``per_step=True`` labels every
time step of a series as event (1) or background (0). The events are bursts
of one period; distractor bursts of another period must be ignored, so the
detector has to discriminate frequencies, not just notice activity. The
reservoir is bidirectional (offline detection may look ahead), with a bias so
that its tanh units respond to the energy of the oscillation.

Prints per-step accuracy and event-level precision and recall (raw and after
smoothing the probabilities), and saves the precision-recall curve of the
per-step scores as a PNG.

Run::

    python examples/event_detection.py [--out pr_curve.png]

The PNG goes to ``--out``, else to ``$RESERVOIR_EXAMPLE_OUT/event_detection_pr.png``
when that directory is set, else to the system temp directory.
``RESERVOIR_EXAMPLE_SMALL=1`` runs a tiny version in a few seconds.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from reservoir import ESN, BidirectionalESN, ReservoirClassifier
from reservoir.datasets.classification import event_detection
from reservoir.metrics import event_precision_recall, pr_curve
from reservoir.plotting import plot_pr_curve

SMALL = os.environ.get("RESERVOIR_EXAMPLE_SMALL") == "1"
TRAIN_STEPS, TEST_STEPS, N_UNITS = (1500, 800, 40) if SMALL else (8000, 4000, 200)
WASHOUT = 20
#: Steps a detected event may be off from a true one and still count.
TOLERANCE = 5
#: Width (steps) of the moving average applied to the per-step probabilities.
SMOOTHING = 9


def output_path(out):
    """Where to save the PNG: --out, else $RESERVOIR_EXAMPLE_OUT, else the temp directory."""
    if out:
        return Path(out)
    directory = os.environ.get("RESERVOIR_EXAMPLE_OUT") or tempfile.gettempdir()
    return Path(directory) / "event_detection_pr.png"


def moving_average(values, width):
    """Centered moving average (edges averaged over the available steps)."""
    kernel = np.ones(width)
    return np.convolve(values, kernel, mode="same") / np.convolve(np.ones_like(values), kernel,
                                                                  mode="same")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--out", help="path of the precision-recall PNG")
    args = parser.parse_args(argv)

    x_train, labels_train = event_detection(n_steps=TRAIN_STEPS, random_state=0)
    x_test, labels_test = event_detection(n_steps=TEST_STEPS, random_state=1)
    esn = ESN(n_units=N_UNITS, spectral_radius=0.9, bias_scaling=1.0, random_state=0)
    detector = ReservoirClassifier(BidirectionalESN(esn), LogisticRegression(max_iter=2000),
                                   per_step=True, washout=WASHOUT)
    detector.fit(x_train, labels_train)

    score = detector.predict_proba(x_test)[:, 1]
    raw = detector.predict(x_test)
    smoothed = (moving_average(score, SMOOTHING) >= 0.5).astype(int)
    print(f"train {TRAIN_STEPS} steps, test {TEST_STEPS} steps, {N_UNITS} units per direction")
    print(f"per-step accuracy: {detector.score(x_test, labels_test):.3f} "
          f"(always 'background': {1 - labels_test[WASHOUT:].mean():.3f})")
    print(f"{'event level (tolerance ' + str(TOLERANCE) + ' steps)':<34}"
          f"{'precision':>10}{'recall':>8}{'F1':>7}{'events':>8}")
    for name, predicted in (("raw per-step labels", raw),
                            (f"smoothed probabilities ({SMOOTHING})", smoothed)):
        result = event_precision_recall(labels_test, predicted, tolerance=TOLERANCE)
        print(f"{name:<34}{result.precision:>10.3f}{result.recall:>8.3f}{result.f1:>7.3f}"
              f"{result.n_pred_events:>5}/{result.n_true_events}")

    path = output_path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure = plot_pr_curve(labels_test, score, label="per-step score")
    figure.savefig(path, dpi=100)
    print(f"per-step average precision {pr_curve(labels_test, score).average_precision:.3f}; "
          f"PR curve saved to {path}")
    return path


if __name__ == "__main__":
    main()
