"""Tests of the parameter-constraint framework in reservoir._validation."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator

from reservoir._validation import (
    BOOLEAN,
    CALLABLE,
    RANDOM_STATE,
    InstanceOf,
    Interval,
    Options,
    Satisfies,
    check_in_range,
    check_parameter,
    validate_params,
)
from reservoir.exceptions import InvalidParameterError


@pytest.mark.parametrize("closed, low_ok, high_ok", [
    ("both", True, True), ("left", True, False), ("right", False, True), ("neither", False, False),
])
def test_interval_bounds_follow_closed(closed, low_ok, high_ok):
    interval = Interval("real", 0, 1, closed=closed)
    assert interval.accepts(0) is low_ok
    assert interval.accepts(1) is high_ok
    assert interval.accepts(0.5)
    assert not interval.accepts(-0.1) and not interval.accepts(1.1)


def test_interval_kinds_refuse_booleans_non_finite_and_wrong_types():
    integer = Interval("integer", 1, None)
    assert integer.accepts(3) and integer.accepts(np.int64(3))
    assert not integer.accepts(3.0) and not integer.accepts(True) and not integer.accepts("3")
    real = Interval("real", None, None)
    assert real.accepts(np.float32(2.5)) and real.accepts(-1e300)
    assert not real.accepts(np.nan) and not real.accepts(np.inf) and not real.accepts(False)


def test_interval_text_and_errors():
    assert str(Interval("integer", 1, None)) == "an integer in [1, inf)"
    assert str(Interval("real", 0, 1, closed="right")) == "a number in (0, 1]"
    with pytest.raises(InvalidParameterError, match=r"leak_rate must be in \(0, 1\]; got 1.5"):
        Interval("real", 0, 1, closed="right").check(1.5, "leak_rate")
    with pytest.raises(InvalidParameterError, match="n_units must be an integer; got 2.5"):
        Interval("integer", 1, None).check(2.5, "n_units")
    with pytest.raises(ValueError, match="unknown kind"):
        Interval("complex")


def test_check_in_range_keeps_its_contract():
    assert check_in_range(3, "n", 1, integer=True) == 3
    with pytest.raises(ValueError, match=r"n must be in \[1, inf\); got 0"):
        check_in_range(0, "n", 1, integer=True)
    with pytest.raises(ValueError, match=r"x must be in \(0, 2\); got 2"):
        check_in_range(2, "x", 0, 2, low_inclusive=False, high_inclusive=False)


def test_options_compare_by_value_and_type():
    options = Options("tanh", "identity")
    assert options.accepts("tanh") and options.accepts(np.str_("identity"))
    assert not options.accepts("relu") and not options.accepts(1)
    assert not options.accepts(np.array(["tanh", "tanh"]))  # elementwise == is not a match
    assert str(options) == "one of 'tanh', 'identity'"


def test_named_constraints():
    assert BOOLEAN.accepts(True) and BOOLEAN.accepts(np.False_) and not BOOLEAN.accepts(1)
    for seed in (None, 0, np.int32(5), np.random.RandomState(0), np.random.default_rng(0)):
        assert RANDOM_STATE.accepts(seed)
    assert not RANDOM_STATE.accepts(1.5) and not RANDOM_STATE.accepts(True)
    assert CALLABLE.accepts(len) and not CALLABLE.accepts("len")
    assert InstanceOf(BaseEstimator, description="an estimator").accepts(_Toy())
    assert str(InstanceOf(int, float)) == "an instance of int or an instance of float"
    broken = Satisfies(lambda value: value.missing_attribute, "anything with an attribute")
    assert not broken.accepts(3)  # a predicate that raises counts as a refusal


def test_check_parameter_lists_every_alternative():
    constraints = [Interval("real", 0, None, closed="neither"), Options("edge"), None]
    assert check_parameter(None, "spectral_radius", constraints) is None
    assert check_parameter("edge", "spectral_radius", constraints) == "edge"
    with pytest.raises(InvalidParameterError) as info:
        check_parameter(-1.0, "spectral_radius", constraints)
    assert str(info.value) == ("spectral_radius must be a number in (0, inf) or one of 'edge' "
                               "or None; got -1.0.")


class _Toy(BaseEstimator):
    _parameter_constraints = {"size": [Interval("integer", 1, None)], "flag": [BOOLEAN]}

    def __init__(self, size=3, flag=False):
        self.size = size
        self.flag = flag


def test_validate_params_names_the_estimator_and_parameter():
    validate_params(_Toy())
    with pytest.raises(InvalidParameterError, match=r"_Toy: size must be in \[1, inf\); got 0"):
        validate_params(_Toy(size=0))
    with pytest.raises(TypeError, match="_Toy: flag must be True or False; got 'yes'"):
        validate_params(_Toy(flag="yes"))


def test_invalid_parameter_error_is_a_value_error_and_a_type_error():
    assert issubclass(InvalidParameterError, ValueError)
    assert issubclass(InvalidParameterError, TypeError)
