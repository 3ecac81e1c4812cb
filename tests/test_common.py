"""scikit-learn's estimator checks over every estimator of the library, in one place.

One list of estimators, one list of expected failures: the checks a sequence
model fails by nature (rows are time steps, not independent samples), each with
its reason, come from :func:`reservoir.estimators.expected_failed_checks` and
nowhere else. Forecasters, whose ``fit(y)`` / ``predict(n_steps)`` interface
is not scikit-learn's ``fit(X, y)``, have their own contract test in
``test_forecaster_contract.py``.
"""

import importlib.util
import warnings

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from reservoir import (
    ESN,
    LSM,
    BidirectionalESN,
    DeepESN,
    ReservoirClassifier,
    ReservoirRegressor,
    RidgeReadout,
)
from reservoir.es2n import ES2N
from reservoir.estimators import expected_failed_checks
from reservoir.nvar import NVAR
from reservoir.online import RLSReadout
from reservoir.union import ReservoirUnion

HAS_TORCH = importlib.util.find_spec("torch") is not None


def _estimators():
    small = ESN(n_units=20, random_state=0)
    estimators = [
        small,
        DeepESN(ESN(n_units=8), layer_params={"n_units": [8, 6]}, random_state=0),
        BidirectionalESN(ESN(n_units=8, random_state=0)),
        LSM(n_units=20, steps_per_input=2, random_state=0),
        NVAR(delay=2, order=2),
        ES2N(n_units=20, random_state=0),
        ReservoirUnion([("esn", ESN(n_units=10, random_state=0)), ("nvar", NVAR(order=1))]),
        RidgeReadout(),
        RidgeReadout(alpha=0.0, solver="eigen"),
        RLSReadout(),
        ReservoirRegressor(ESN(n_units=20, random_state=0)),
        ReservoirClassifier(ESN(n_units=20, random_state=0)),
        ReservoirClassifier(ESN(n_units=20, random_state=0), per_step=True),
    ]
    if HAS_TORCH:
        from reservoir.baselines import GRURegressor, LeakyRNNRegressor, LSTMRegressor

        fast = dict(hidden_size=8, max_epochs=20, learning_rate=0.02, early_stopping=False,
                    random_state=0)
        estimators += [LSTMRegressor(**fast), GRURegressor(**fast), LeakyRNNRegressor(**fast)]
    return estimators


def test_expected_failures_are_only_the_sequence_checks():
    allowed = {"check_methods_subset_invariance", "check_methods_sample_order_invariance",
               "check_fit1d", "check_dict_unchanged"}
    for estimator in _estimators():
        failures = expected_failed_checks(estimator)
        assert set(failures) <= allowed, type(estimator).__name__
        assert all(reason.strip() for reason in failures.values())
    # A pooled classifier reads a 2-D X as independent length-1 series: no exemption.
    assert expected_failed_checks(ReservoirClassifier(ESN(n_units=5))) == {}
    assert "check_dict_unchanged" in expected_failed_checks(ESN())
    assert "check_dict_unchanged" not in expected_failed_checks(ReservoirRegressor())
    assert expected_failed_checks(RidgeReadout()) == expected_failed_checks(RLSReadout()) == {}


@parametrize_with_checks(_estimators(), expected_failed_checks=expected_failed_checks)
@pytest.mark.filterwarnings("ignore::reservoir.lsm.LiquidActivityWarning")
def test_scikit_learn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # tiny random data: saturation etc.
        check(estimator)
