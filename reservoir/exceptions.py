"""Warnings and exceptions the library issues, in one public place.

Every warning names its cause and the remedy in its message; the classes let
users filter them (``warnings.simplefilter("error", SaturationWarning)``) or
assert on them in tests.

============================= ==================================================
``ReservoirWarning``          base class: a reservoir runs in a regime where its
                              states carry little or no information
``SaturationWarning``         most training state values sit at the limits of a
                              saturating activation
``NonFiniteStateWarning``     a reservoir's states became infinite or NaN
``ForecastDivergenceWarning`` a closed-loop forecast turned non-finite or left the
                              training range
============================= ==================================================

and one exception, :class:`InvalidParameterError`, raised at ``fit`` when a
constructor parameter is outside the constraints its estimator declares.
"""

__all__ = [
    "InvalidParameterError",
    "ForecastDivergenceWarning",
    "NonFiniteStateWarning",
    "ReservoirWarning",
    "SaturationWarning",
]


class ReservoirWarning(RuntimeWarning):
    """A reservoir runs in a regime where its states carry little or no information."""


class SaturationWarning(ReservoirWarning):
    """Most state values sit at the limits of a saturating activation."""


class NonFiniteStateWarning(ReservoirWarning):
    """A reservoir's states became infinite or NaN."""


class ForecastDivergenceWarning(RuntimeWarning):
    """A closed-loop forecast produced non-finite values or left the training range."""


class InvalidParameterError(ValueError, TypeError):
    """A constructor parameter has a value outside its declared constraints.

    A ``ValueError`` (what the library raises for bad parameter values) and a
    ``TypeError`` (what scikit-learn's estimator checks expect for a value of the
    wrong type), so ``except ValueError`` keeps working.
    """
