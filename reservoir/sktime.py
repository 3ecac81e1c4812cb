"""sktime forecasters for this library's forecasters (optional extra ``sktime``).

``import reservoir`` never imports sktime; this module does, and is imported as
``import reservoir.sktime`` (``pip install "reservoir[sktime]"``).

* :class:`SktimeReservoirForecaster` is the sktime face of
  :class:`reservoir.ReservoirForecaster`: the same parameters, so that
  ``ForecastingGridSearchCV`` tunes ``reservoir__spectral_radius``,
  ``readout__alpha`` or ``washout`` directly (nested names also work with the
  default components, ``reservoir=None``/``readout=None``).
* :class:`SktimeForecaster` wraps any forecaster of this library (the trained
  RNN forecasters of :mod:`reservoir.baselines.recurrent`, the statistical ones
  of :mod:`reservoir.baselines.statistical`, or a ``ReservoirForecaster``);
  its parameters are reached as ``forecaster__<name>``.

Both follow sktime's forecasting extension template (private ``_fit``,
``_predict``, ``_update`` behind sktime's public methods, which check and
convert the data):

* ``fh`` may be relative or absolute, and must lie after the cutoff: the
  library's forecasters generate the future from the end of the observed
  series, so an in-sample ``fh`` is refused (tag ``capability:insample`` is
  False; sktime raises ``NotImplementedError`` naming the horizon).
* ``y`` may be univariate or multivariate, on any index sktime accepts
  (``RangeIndex``, integer, ``DatetimeIndex``, ``PeriodIndex``); the
  forecast is on ``fh``'s absolute index. Panel and hierarchical ``y`` are
  forecast series by series by sktime.
* ``X`` (exogenous series) is used when the wrapped forecaster accepts it
  (tag ``capability:exogenous``): ``fit`` takes it aligned with ``y``, and
  ``predict`` needs its rows at every step from the cutoff's successor to
  the last step of ``fh`` (the library's forecasters step through the
  whole horizon).
* ``update(y, X, update_params=False)`` extends the observed series without
  refitting: the next forecast continues the end of all data seen, with the
  fitted parameters (the library's ``predict(context=...)``, which runs the
  reservoir over all data seen from rest: for a deterministic reservoir the
  same forecast as a model continued step by step). ``update_params=True``
  refits on all data seen.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod

import numpy as np
import pandas as pd
from sklearn.base import clone
from sktime.forecasting.base import BaseForecaster as _SktimeBaseForecaster
from sktime.forecasting.base import ForecastingHorizon

from ._forecaster import BaseForecaster
from .estimators import ReservoirForecaster, with_default_components

__all__ = ["SktimeReservoirForecaster", "SktimeForecaster", "expected_failed_checks"]


def expected_failed_checks(forecaster) -> dict[str, str]:
    """sktime estimator checks a forecaster of this module fails by nature, with the reason.

    Pass the names to ``sktime.utils.estimator_checks.check_estimator(...,
    tests_to_exclude=list(expected_failed_checks(forecaster)))``.

    Parameters
    ----------
    forecaster : SktimeReservoirForecaster or SktimeForecaster

    Returns
    -------
    dict of str -> str
    """
    return dict(_EXPECTED_FAILED_CHECKS)


#: sktime checks that cannot pass, with the reason (see expected_failed_checks). None at
#: present: both forecasters pass every check of sktime's suite (tests/test_sktime.py).
_EXPECTED_FAILED_CHECKS: dict[str, str] = {}


class _LibraryForecasterAdapter(_SktimeBaseForecaster, metaclass=ABCMeta):
    """sktime's contract around a forecaster of this library (``forecaster_`` once fitted).

    Subclasses implement :meth:`_library_forecaster`, the unfitted forecaster
    of this library that ``fit`` fits.
    """

    _tags = {
        "authors": ["reservoir developers"],
        "maintainers": ["reservoir developers"],
        "y_inner_mtype": "pd.DataFrame",
        "X_inner_mtype": "pd.DataFrame",
        "capability:multivariate": True,
        "capability:exogenous": True,
        "capability:insample": False,
        "capability:pred_int": False,
        "capability:pred_int:insample": False,
        "capability:missing_values": False,
        "capability:update": True,
        "requires-fh-in-fit": False,
        "X-y-must-have-same-index": True,
        "enforce_index_type": None,
        "fit_is_empty": False,
        # The horizon is stepped through, so X is needed at every step up to the last of fh.
        "capability:non_contiguous_X": False,
    }
    # The data seen are kept by _fit/_update (the context of predict), not by sktime.
    _config = {"remember_data": False}

    def __init__(self):
        super().__init__()
        # sktime creates _y and _X only when remember_data is on at construction; with
        # them present, turning it on later (set_config) records the data as documented.
        self._y = self._X = None

    @abstractmethod
    def _library_forecaster(self) -> BaseForecaster:
        """The unfitted forecaster of this library that ``fit`` fits."""

    # -- sktime hooks --------------------------------------------------------------------
    def _fit(self, y, X, fh):
        """Fit the library's forecaster on ``y`` (and ``X``) as float arrays."""
        forecaster = self._library_forecaster()
        exog = None if X is None or not forecaster._supports_exog else _values(X)
        self.forecaster_ = forecaster.fit(_values(y), exog)
        self._seen_y, self._seen_X = y, None if exog is None else X
        self._fit_end = y.index[-1]
        return self

    def _update(self, y, X=None, update_params=True):
        """Extend the data seen; refit on all of it (``update_params=True``) or not.

        Without refitting, :meth:`_predict` continues the end of all data seen
        with the fitted parameters (the new observations extend the context).
        """
        seen_y = _extend(self._seen_y, y)
        seen_X = None if self._seen_X is None else _extend(self._seen_X, X, name="X")
        if update_params:
            return self._fit(seen_y, seen_X, self._fh)
        self._seen_y, self._seen_X = seen_y, seen_X
        return self

    def _predict(self, fh, X):
        """Forecast the steps of ``fh`` after the cutoff, as a DataFrame on fh's index."""
        # sktime refuses an in-sample fh before this point (tag capability:insample).
        steps = np.asarray(fh.to_relative(self.cutoff).to_numpy(), dtype=int)
        n_steps = int(steps.max())
        context = context_X = None
        if self._seen_y.index[-1] != self._fit_end:  # updated without refitting
            context = _values(self._seen_y)
            context_X = None if self._seen_X is None else _values(
                self._seen_X.loc[self._seen_y.index])
        future = self._future_exog(X, n_steps, fh)
        path = self.forecaster_.predict(n_steps, X=future, context=context, context_X=context_X)
        values = np.asarray(path, dtype=np.float64).reshape(n_steps, -1)[steps - 1]
        return pd.DataFrame(values, index=fh.to_absolute_index(self.cutoff),
                            columns=self._seen_y.columns)

    def _future_exog(self, X, n_steps, fh):
        """The exogenous rows of the ``n_steps`` steps after the cutoff, or None."""
        if not self.forecaster_.n_exog_:
            return None
        if X is None:
            raise ValueError(
                f"X is required: the forecaster was fitted with {self.forecaster_.n_exog_} "
                f"exogenous series; pass their values over the {n_steps} steps after the cutoff."
            )
        horizon = ForecastingHorizon(np.arange(1, n_steps + 1), is_relative=True, freq=fh.freq)
        index = horizon.to_absolute_index(self.cutoff)
        missing = index.difference(X.index)
        if len(missing):
            raise ValueError(
                f"X must hold a row for every step from the cutoff's successor to the end of "
                f"fh ({n_steps} steps: {index[0]} to {index[-1]}), as the forecast steps "
                f"through them; missing {len(missing)}, first {missing[0]}."
            )
        return _values(X.loc[index])


def _extend(seen, new, name="y"):
    """The data ``seen`` extended (or overwritten, where the indexes overlap) by ``new``."""
    if new is None:
        raise ValueError(f"{name} is required in update: the forecaster was fitted with it.")
    return new.combine_first(seen)[seen.columns]


def _values(frame) -> np.ndarray:
    """A DataFrame's values as a 2-D float64 array."""
    return frame.to_numpy(dtype=np.float64)


class SktimeReservoirForecaster(_LibraryForecasterAdapter):
    """sktime forecaster of a reservoir: :class:`reservoir.ReservoirForecaster` in sktime.

    Teacher-forced training (input ``y[t]`` and ``X[t]``, target ``y[t+1]``),
    closed-loop generation over ``fh``. The parameters are those of
    :class:`reservoir.ReservoirForecaster`, so that sktime's tuners reach them
    directly: ``reservoir__spectral_radius``, ``readout__alpha``, ``washout``.
    A nested name on a default component (``reservoir=None`` or
    ``readout=None``) first builds that component (see :meth:`set_params`).

    Parameters
    ----------
    reservoir : reservoir transformer, optional
        A causal reservoir (``ESN``, ``LSM``, ``DeepESN``, ...). Default
        ``ESN(random_state=random_state)``.
    readout : scikit-learn regressor, optional
        Default :class:`~reservoir.readouts.RidgeReadout`.
    washout : int, default=100
        Initial training steps excluded from fitting; ``y`` needs more than
        ``washout + 1`` observations.
    include_input : bool, default=True
        Concatenate the current input to the state before the readout.
    scale : {"standard", "minmax", None}, default="standard"
        How ``y`` and ``X`` are brought to the reservoir's working range.
    divergence_factor : float > 0, default=1.0
        A forecast leaving the training range by more than this multiple of its
        width warns (:class:`~reservoir.exceptions.ForecastDivergenceWarning`).
    random_state : int, RandomState instance or None
        Seed of the default reservoir.

    Attributes
    ----------
    forecaster_ : reservoir.ReservoirForecaster
        The fitted forecaster.

    Examples
    --------
    >>> from sktime.datasets import load_airline
    >>> from reservoir import ESN
    >>> from reservoir.sktime import SktimeReservoirForecaster
    >>> y = load_airline()
    >>> model = SktimeReservoirForecaster(ESN(n_units=50, random_state=0), washout=20)
    >>> forecast = model.fit(y).predict(fh=[1, 2, 3])
    >>> forecast.index.tolist()
    [Period('1961-01', 'M'), Period('1961-02', 'M'), Period('1961-03', 'M')]
    """

    _tags = {
        "capability:random_state": True,
        "property:randomness": "derandomized",
    }

    def __init__(self, reservoir=None, readout=None, washout=100, include_input=True,
                 scale="standard", divergence_factor=1.0, random_state=None):
        self.reservoir = reservoir
        self.readout = readout
        self.washout = washout
        self.include_input = include_input
        self.scale = scale
        self.divergence_factor = divergence_factor
        self.random_state = random_state
        super().__init__()

    def _library_forecaster(self):
        return ReservoirForecaster(**self.get_params(deep=False))

    def _default_component(self, name, random_state=None):
        """The component ReservoirForecaster builds for ``name`` when it is None."""
        return ReservoirForecaster()._default_component(name, random_state)

    def set_params(self, **params):
        """Set parameters; a nested name on a default component builds that component first.

        As :meth:`reservoir.ReservoirForecaster.set_params`:
        ``reservoir__spectral_radius`` with ``reservoir=None`` first sets
        ``reservoir=ESN(random_state=random_state)``, ``readout__alpha`` with
        ``readout=None`` first sets ``readout=RidgeReadout()``.

        Parameters
        ----------
        **params : dict
            Parameters, nested ones as ``<component>__<parameter>``.

        Returns
        -------
        self
        """
        return super().set_params(**with_default_components(self, params))

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Small, fast settings for sktime's estimator checks.

        Parameters
        ----------
        parameter_set : str, default="default"

        Returns
        -------
        list of dict
        """
        from .esn import ESN
        from .readouts import RidgeReadout

        return [
            {"reservoir": ESN(n_units=20, random_state=0), "washout": 5, "random_state": 0},
            {"readout": RidgeReadout(alpha=1e-3), "washout": 3, "scale": "minmax",
             "random_state": 1},
        ]


class SktimeForecaster(_LibraryForecasterAdapter):
    """sktime forecaster around any forecaster of this library.

    Serves the trained RNN forecasters (``LSTMForecaster``, ``GRUForecaster``,
    ``LeakyRNNForecaster``), the statistical ones (``ARIMAForecaster``,
    ``ETSForecaster``, ``PersistenceForecaster``, ``SeasonalNaiveForecaster``)
    and ``ReservoirForecaster`` alike; its parameters are tuned as
    ``forecaster__<name>`` (e.g. ``forecaster__order``). The tag
    ``capability:exogenous`` follows the wrapped forecaster: ``X`` is used when
    it accepts exogenous inputs, and ignored otherwise.

    Parameters
    ----------
    forecaster : forecaster of this library
        A :class:`reservoir._forecaster.BaseForecaster` (unfitted or fitted);
        cloned at fit.

    Attributes
    ----------
    forecaster_ : the fitted clone of ``forecaster``

    Examples
    --------
    >>> from sktime.datasets import load_airline
    >>> from reservoir.baselines import ARIMAForecaster
    >>> from reservoir.sktime import SktimeForecaster
    >>> model = SktimeForecaster(ARIMAForecaster(order=(1, 1, 0)))
    >>> forecast = model.fit(load_airline()).predict(fh=[1, 2])
    >>> len(forecast)
    2
    """

    def __init__(self, forecaster):
        self.forecaster = forecaster
        super().__init__()
        if not isinstance(forecaster, BaseForecaster):
            raise TypeError(
                "forecaster must be a forecaster of this library (e.g. ReservoirForecaster, "
                "ARIMAForecaster, LSTMForecaster: a reservoir._forecaster.BaseForecaster); got "
                f"{type(forecaster).__name__}. sktime's own forecasters need no adapter."
            )
        self.set_tags(**{"capability:exogenous": bool(forecaster._supports_exog)})

    def _library_forecaster(self):
        return clone(self.forecaster)

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Small, fast settings for sktime's estimator checks.

        Parameters
        ----------
        parameter_set : str, default="default"

        Returns
        -------
        list of dict
        """
        from .baselines.statistical import PersistenceForecaster
        from .esn import ESN

        # A statistical and a reservoir forecaster; every family goes through the same
        # template, so more families would test the adapter no further (and ARIMA's fits
        # made the checks slow).
        return [
            {"forecaster": PersistenceForecaster()},
            {"forecaster": ReservoirForecaster(ESN(n_units=20, random_state=0), washout=5)},
        ]
