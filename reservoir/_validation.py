"""Input validation shared by every estimator: one series, a list, or a 3-D block.

The data conventions of the design card live here and nowhere else:

* one series is an array ``(T, d)``; a 1-D array is ``(T, 1)``;
* several series are a list of ``(T_i, d)`` arrays or a 3-D array ``(n, T, d)``;
* pandas Series/DataFrame are accepted and their index is remembered;
* rows are time steps, so a pandas index of time stamps, periods, time deltas
  or numbers must be strictly increasing (:func:`check_time_order`): a
  descending, shuffled or duplicated index is an error that says how to fix it
  (``sort_index()``, dropping or aggregating duplicates), never a series fitted
  in scrambled order. An index of other labels (strings, a MultiIndex) carries
  no order and is not checked;
* outputs are handed back in the caller's structure (:meth:`SeriesSet.restore`).

Frequency gaps
--------------
An increasing index need not be regular. The models never read the time
stamps: the rows of a series are consecutive steps, whatever the time between
them, so a series with gaps (missing days, irregular sampling) is modelled as
if its observations were evenly spaced. Resample it first (e.g.
``y.resample("D").mean().interpolate()``) when the spacing matters. A forecast
is returned on a continued pandas index only when the training (or context)
index can be continued: a RangeIndex (with its step), a PeriodIndex, or a
DatetimeIndex whose ``freq`` is set or can be inferred from its stamps
(:func:`pandas.infer_freq`, at least three of them, regular spacing); otherwise
it is a plain NumPy array (see :func:`reservoir._forecast.future_index`).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array
from sklearn.utils.validation import validate_data

from .exceptions import InvalidParameterError

__all__ = [
    "SeriesSet",
    "check_series",
    "check_time_order",
    "check_paired_series",
    "check_supervised_series",
    "check_washout",
    "check_in_range",
    "check_bool",
    "record_n_features",
    "InvalidParameterError",
    "Interval",
    "Options",
    "InstanceOf",
    "Satisfies",
    "BOOLEAN",
    "RANDOM_STATE",
    "CALLABLE",
    "check_parameter",
    "validate_params",
]


@dataclass
class SeriesSet:
    """Validated series plus what is needed to return outputs in the caller's layout.

    Attributes
    ----------
    series : list of ndarray of shape (T_i, d)
        The validated series, each 2-D, finite, of the requested dtype.
    layout : {"single", "list", "array"}
        How the caller passed them: one series, a list, or a 3-D array.
    index : pandas.Index or None
        The index of a single pandas input, else None.
    was_1d : bool
        True when the series were passed as 1-D arrays or pandas Series.
    columns : list or None
        Column names of a single DataFrame input, else None.
    """

    series: list
    layout: str
    index: object = None
    was_1d: bool = False
    columns: object = None
    original_first: object = field(default=None, repr=False)

    @property
    def n_features(self) -> int:
        return self.series[0].shape[1]

    @property
    def lengths(self) -> list[int]:
        return [s.shape[0] for s in self.series]

    def __len__(self) -> int:
        return len(self.series)

    def restore(self, outputs):
        """Return ``outputs`` (one array per series) in the caller's structure."""
        outputs = list(outputs)
        if self.layout == "single":
            return outputs[0]
        if self.layout == "array":
            return np.stack(outputs)
        return outputs


def _is_pandas(obj) -> bool:
    return type(obj).__module__.split(".")[0] == "pandas"


def _as_numeric_array(x, name: str, dtype) -> np.ndarray:
    if _is_pandas(x):
        x = x.to_numpy()
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:  # ragged nested lists and the like
        raise ValueError(f"{name} could not be read as a numeric array: {exc}") from exc
    if arr.dtype.kind == "c":
        raise ValueError(
            f"Complex data not supported: {name} must be real-valued; got {arr.dtype}."
        )
    if arr.dtype.kind not in "biuf":
        try:
            arr = arr.astype(dtype)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"{name} must contain numbers; got an array of dtype {arr.dtype} "
                f"that cannot be converted to {np.dtype(dtype).name} ({exc})."
            ) from exc
    return arr


def _has_time_order(index) -> bool:
    """Whether the labels of a pandas index are ordered in time (stamps, periods, numbers)."""
    import pandas as pd

    if isinstance(index, pd.MultiIndex):
        return False
    if isinstance(index, (pd.DatetimeIndex, pd.TimedeltaIndex, pd.PeriodIndex)):
        return True
    dtype = index.dtype
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def check_time_order(index, name: str = "y") -> None:
    """Refuse a pandas index that is not strictly increasing.

    Rows are time steps: a series whose index is descending, shuffled or
    holds the same label twice would be fitted in scrambled order (and its
    forecasts dated wrongly), so it is refused with a message that says how
    to fix it. Indexes of time stamps, periods, time deltas and numbers are
    checked; other labels (strings, a MultiIndex) carry no order and are
    accepted as they are. Gaps are allowed (see the module docstring).

    Parameters
    ----------
    index : pandas.Index or None
    name : str
        Argument name used in the message.

    Raises
    ------
    ValueError
        When the index has duplicate labels or is not increasing.
    """
    if index is None or len(index) < 2 or not _has_time_order(index):
        return
    if index.is_monotonic_increasing and index.is_unique:
        return
    if not index.is_unique:
        duplicated = index[index.duplicated()]
        first = duplicated[0]
        count = int((index == first).sum())
        problem = (f"it holds duplicate labels ({len(duplicated)} repeated; e.g. {first} "
                   f"appears {count} times)")
        fix = (f"drop or aggregate the duplicates, e.g. "
               f"{name}[~{name}.index.duplicated(keep='last')] or "
               f"{name}.groupby(level=0).mean()")
        if not index.is_monotonic_increasing:
            fix += f", and sort with {name}.sort_index()"
    elif index.is_monotonic_decreasing:
        problem = f"it is in descending order (from {index[0]} down to {index[-1]})"
        fix = f"put it in time order with {name}.sort_index()"
    else:
        values = index.asi8 if hasattr(index, "asi8") else index.to_numpy()
        step = int(np.flatnonzero(~(values[1:] > values[:-1]))[0]) + 1
        problem = (f"it is not sorted ({index[step]} at position {step} comes after "
                   f"{index[step - 1]})")
        fix = f"put it in time order with {name}.sort_index()"
    raise ValueError(
        f"{name} must be in time order, but its pandas index is not strictly increasing: "
        f"{problem}. Rows are read as consecutive time steps; {fix}."
    )


def _check_one_series(x, name: str, dtype, min_length: int,
                      time_ordered: bool = True) -> np.ndarray:
    if time_ordered and _is_pandas(x):
        check_time_order(x.index, name)
    arr = _as_numeric_array(x, name, dtype)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be one series of shape (T,) or (T, d); got an array with "
            f"{arr.ndim} dimensions and shape {arr.shape}."
        )
    arr = check_array(arr, dtype=dtype, ensure_all_finite=True, input_name=name)
    if arr.shape[0] < min_length:
        raise ValueError(
            f"{name} has {arr.shape[0]} time steps; at least {min_length} are required."
        )
    return arr


def check_series(X, *, name: str = "X", dtype=np.float64, min_length: int = 1,
                 time_ordered: bool = True) -> SeriesSet:
    """Validate one or several time series.

    Parameters
    ----------
    X : array-like, pandas object, list of array-likes, or 3-D array
        ``(T,)`` or ``(T, d)`` for one series; a list of ``(T_i, d)`` arrays
        or an ``(n, T, d)`` array for several.
    name : str
        Argument name used in error messages.
    dtype : numpy dtype
        Dtype of the returned arrays.
    min_length : int
        Minimum number of time steps of each series.
    time_ordered : bool, default=True
        Refuse a pandas input whose index is not strictly increasing
        (:func:`check_time_order`). Pass False only where rows are independent
        samples rather than time steps (a pooled classifier's 2-D ``X``).

    Returns
    -------
    SeriesSet

    Raises
    ------
    TypeError
        Non-numeric or complex data, or ``None``.
    ValueError
        NaN/inf, wrong number of dimensions, empty input, series that are too
        short, series with different numbers of features, or a pandas index
        that is not strictly increasing.
    """
    if X is None:
        raise TypeError(f"{name} is required; got None.")
    if sp.issparse(X):
        check_array(X, accept_sparse=False, input_name=name)  # raises scikit-learn's TypeError
    if isinstance(X, (str, bytes, numbers.Number)):
        raise TypeError(f"{name} must be an array-like of numbers; got {type(X).__name__}.")
    if isinstance(X, (list, tuple)) and len(X) == 0:
        raise ValueError(f"{name} is empty; pass at least one series.")
    if isinstance(X, (list, tuple)) and _looks_like_list_of_series(X):
        series = [
            _check_one_series(x, f"{name}[{i}]", dtype, min_length, time_ordered)
            for i, x in enumerate(X)
        ]
        widths = {s.shape[1] for s in series}
        if len(widths) > 1:
            raise ValueError(
                f"All series in {name} must have the same number of features; "
                f"got {sorted(widths)}."
            )
        return SeriesSet(series, "list", was_1d=all(np.ndim(x) == 1 for x in X),
                         original_first=X[0])
    if _is_pandas(X):
        index = X.index
        columns = list(X.columns) if X.ndim == 2 else None
        arr = _check_one_series(X, name, dtype, min_length, time_ordered)
        return SeriesSet([arr], "single", index=index, was_1d=X.ndim == 1,
                         columns=columns, original_first=X if X.ndim == 2 else arr)
    arr = _as_numeric_array(X, name, dtype)
    if arr.ndim == 3:
        if arr.shape[0] == 0:
            raise ValueError(f"{name} is empty; the 3-D array holds 0 series.")
        series = [_check_one_series(a, f"{name}[{i}]", dtype, min_length)
                  for i, a in enumerate(arr)]
        return SeriesSet(series, "array", original_first=series[0])
    if arr.ndim == 0 or arr.ndim > 3:
        raise ValueError(
            f"{name} must be (T,), (T, d), (n_series, T, d) or a list of series; "
            f"got an array of shape {arr.shape}."
        )
    checked = _check_one_series(arr, name, dtype, min_length)
    return SeriesSet([checked], "single", was_1d=arr.ndim == 1, original_first=checked)


def _looks_like_list_of_series(X) -> bool:
    """A list of arrays/pandas objects is several series; nested lists of numbers (numpy
    scalars included) are one array."""
    return all(hasattr(x, "shape") and np.ndim(x) >= 1 for x in X)


def check_paired_series(X: SeriesSet, y: SeriesSet, *, x_name="X", y_name="y") -> None:
    """Check that two validated inputs hold the same number of series of equal lengths."""
    if len(X) != len(y):
        raise ValueError(
            f"{x_name} holds {len(X)} series but {y_name} holds {len(y)}; they must match."
        )
    for i, (tx, ty) in enumerate(zip(X.lengths, y.lengths, strict=True)):
        if tx != ty:
            where = "" if len(X) == 1 else f" (series {i})"
            raise ValueError(
                f"{x_name} has {tx} time steps but {y_name} has {ty}{where}; lengths must match."
            )


def check_supervised_series(estimator, X, y, washout):
    """Validate inputs and per-step targets of a sequence regressor.

    Parameters
    ----------
    estimator : estimator instance
        Used only for the message when ``y`` is None.
    X, y : series, lists of series or 3-D blocks with the same structure
    washout : int
        Steps dropped from the start of each series; each must be longer.

    Returns
    -------
    X, y : SeriesSet
    washout : int
    """
    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y is None."
        )
    inputs = check_series(X, name="X")
    targets = check_series(y, name="y")
    check_paired_series(inputs, targets)
    return inputs, targets, check_washout(washout, inputs.lengths)


def check_washout(washout, lengths, *, name: str = "washout", extra: int = 0) -> int:
    """Validate a washout length against the series it will be cut from.

    ``extra`` is the number of further steps each series needs after the washout
    (e.g. 1 for a forecaster, whose last step has no target).
    """
    if isinstance(washout, bool) or not isinstance(washout, numbers.Integral) or washout < 0:
        raise ValueError(f"{name} must be a non-negative integer; got {washout!r}.")
    for i, length in enumerate(lengths):
        if length <= washout + extra:
            where = "the series" if len(lengths) == 1 else f"series {i}"
            raise ValueError(
                f"{where} has {length} time steps, which is not longer than "
                f"{name}={washout}" + (f" + {extra}" if extra else "")
                + "; pass longer series or a smaller washout."
            )
    return int(washout)


def check_bool(value, name: str) -> bool:
    """Validate a flag: True or False (numpy booleans included); return it as a bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidParameterError(f"{name} must be True or False; got {value!r}.")
    return bool(value)


def check_in_range(value, name: str, low=None, high=None, *, low_inclusive=True,
                   high_inclusive=True, integer=False):
    """Check a scalar hyperparameter lies in an interval; return it unchanged."""
    closed = {(True, True): "both", (True, False): "left", (False, True): "right",
              (False, False): "neither"}[(low_inclusive, high_inclusive)]
    Interval("integer" if integer else "real", low, high, closed=closed).check(value, name)
    return value


# -- parameter constraints as data ----------------------------------------------------------
class Interval:
    """Numbers of one kind in an interval: ``Interval("real", 0, 1, closed="right")`` is (0, 1].

    Parameters
    ----------
    kind : {"integer", "real"}
        Integers (numpy integers included) or any real number; booleans are
        neither, and non-finite numbers are refused.
    low, high : number or None
        Bounds; None is unbounded.
    closed : {"both", "left", "right", "neither"}, default="both"
        Which bounds belong to the interval.
    """

    _KINDS = {"integer": (numbers.Integral, "an integer"), "real": (numbers.Real, "a number")}
    _CLOSED = {"both": (True, True), "left": (True, False), "right": (False, True),
               "neither": (False, False)}

    def __init__(self, kind, low=None, high=None, *, closed="both"):
        if kind not in self._KINDS or closed not in self._CLOSED:
            raise ValueError(f"Interval: unknown kind {kind!r} or closed {closed!r}.")
        self.kind, self.low, self.high, self.closed = kind, low, high, closed

    def _has_kind(self, value):
        kind = self._KINDS[self.kind][0]
        return (isinstance(value, kind) and not isinstance(value, (bool, np.bool_))
                and bool(np.isfinite(value)))

    def accepts(self, value) -> bool:
        if not self._has_kind(value):
            return False
        low_in, high_in = self._CLOSED[self.closed]
        too_low = self.low is not None and (value < self.low if low_in else value <= self.low)
        too_high = self.high is not None and (value > self.high if high_in else value >= self.high)
        return not (too_low or too_high)

    def bounds(self) -> str:
        low_in, high_in = self._CLOSED[self.closed]
        left = "[" if low_in and self.low is not None else "("
        right = "]" if high_in and self.high is not None else ")"
        low = "-inf" if self.low is None else self.low
        high = "inf" if self.high is None else self.high
        return f"{left}{low}, {high}{right}"

    def __str__(self):
        return f"{self._KINDS[self.kind][1]} in {self.bounds()}"

    def check(self, value, name):
        """Raise :class:`InvalidParameterError` unless ``value`` is in the interval."""
        if not self._has_kind(value):
            raise InvalidParameterError(f"{name} must be {self._KINDS[self.kind][1]}; "
                                        f"got {value!r}.")
        if not self.accepts(value):
            raise InvalidParameterError(f"{name} must be in {self.bounds()}; got {value!r}.")


class Options:
    """One of a fixed set of values (strings, usually): ``Options("tanh", "identity")``."""

    def __init__(self, *choices):
        self.choices = choices

    def accepts(self, value) -> bool:
        try:
            return any(value == choice and isinstance(value, type(choice))
                       for choice in self.choices)
        except (TypeError, ValueError):  # arrays compare elementwise
            return False

    def __str__(self):
        return "one of " + ", ".join(repr(choice) for choice in self.choices)


class InstanceOf:
    """An instance of one of ``types``, e.g. ``InstanceOf(BaseEstimator, description="...")``."""

    def __init__(self, *types, description=None):
        self.types, self.description = types, description

    def accepts(self, value) -> bool:
        return isinstance(value, self.types)

    def __str__(self):
        if self.description:
            return self.description
        return " or ".join(f"an instance of {kind.__name__}" for kind in self.types)


class Satisfies:
    """Values for which ``predicate(value)`` is true, described by ``description``."""

    def __init__(self, predicate, description):
        self.predicate, self.description = predicate, description

    def accepts(self, value) -> bool:
        try:
            return bool(self.predicate(value))
        except (AttributeError, TypeError, ValueError):
            return False

    def __str__(self):
        return self.description


def _is_random_state(value):
    return value is None or isinstance(value, (numbers.Integral, np.random.RandomState,
                                               np.random.Generator)) and not isinstance(
        value, (bool, np.bool_))


#: Constraints used by many estimators, by name.
BOOLEAN = InstanceOf(bool, np.bool_, description="True or False")
RANDOM_STATE = Satisfies(_is_random_state,
                         "None, an int, a numpy RandomState or a numpy Generator")
CALLABLE = Satisfies(callable, "a callable")
NONE = Satisfies(lambda value: value is None, "None")


def _as_constraint(constraint):
    return NONE if constraint is None else constraint


def check_parameter(value, name, constraints):
    """Raise :class:`InvalidParameterError` unless ``value`` meets one of ``constraints``.

    With a single :class:`Interval` the message says whether the type or the
    range is wrong; otherwise it lists every accepted alternative.
    """
    constraints = [_as_constraint(c) for c in constraints]
    if any(c.accepts(value) for c in constraints):
        return value
    if len(constraints) == 1 and isinstance(constraints[0], Interval):
        constraints[0].check(value, name)
    alternatives = " or ".join(str(c) for c in constraints)
    raise InvalidParameterError(f"{name} must be {alternatives}; got {value!r}.")


def validate_params(estimator):
    """Check every parameter of ``estimator`` declared in its ``_parameter_constraints``.

    Each estimator class declares a table ``{name: [constraint, ...]}``; a value
    is valid when it meets at least one constraint of its list (``None`` in the
    list accepts None). Estimators call this once at the start of ``fit``
    (scikit-learn's convention: ``__init__`` stores, ``fit`` validates). The error
    names the estimator, the parameter and what was expected.
    """
    table = getattr(type(estimator), "_parameter_constraints", {})
    for name, constraints in table.items():
        try:
            check_parameter(getattr(estimator, name), name, constraints)
        except InvalidParameterError as exc:
            raise InvalidParameterError(f"{type(estimator).__name__}: {exc}") from None


def record_n_features(estimator, X: SeriesSet, *, reset: bool) -> None:
    """Set (``reset=True``) or check ``n_features_in_`` / ``feature_names_in_``.

    Delegates to scikit-learn so that error and warning messages are the ones
    its users know.
    """
    first = X.original_first
    if not (_is_pandas(first) and getattr(first, "ndim", 0) == 2):
        first = X.series[0]
    try:
        validate_data(estimator, first, reset=reset, skip_check_array=True)
    except ValueError as exc:
        if X.was_1d and "features" in str(exc):
            raise ValueError(
                f"{exc} A 1-D array is read as one univariate series (T, 1); "
                "Reshape your data if it holds one step of several features."
            ) from exc
        raise
