"""Forecasting pipelines: an echo state network in sktime's evaluation and tuning tools.
=====================================================================================

On the yearly sunspot numbers (1700-2008, statsmodels' data), sktime's ``evaluate``
with an ``ExpandingWindowSplitter`` (a refit every 10 years, forecasts 1 to 10 years
ahead) compares

* an echo state network (:class:`reservoir.sktime.SktimeReservoirForecaster`),
* sktime's own ``ThetaForecaster``,
* this library's ARIMA(9, 0, 0) through the generic adapter
  (:class:`reservoir.sktime.SktimeForecaster`),

on the same folds; then ``ForecastingGridSearchCV`` tunes the ESN's spectral radius
and ridge penalty by the same kind of cross-validation on the years before 1950 and
scores the tuned model on 1950-1959.

Run: ``python examples/forecasting_pipelines.py`` (about a minute; needs the extra
``sktime``: ``pip install "reservoir-rc[sktime]"``). Set ``RESERVOIR_EXAMPLE_SMALL=1``
for a seconds-long smoke run.
"""

import os
import sys
import time

import numpy as np

try:
    import sktime  # noqa: F401
except ImportError:
    print('skipped: this example needs sktime (pip install "reservoir-rc[sktime]")')
    sys.exit(0)

from sktime.forecasting.model_evaluation import evaluate
from sktime.forecasting.model_selection import ForecastingGridSearchCV
from sktime.forecasting.theta import ThetaForecaster
from sktime.performance_metrics.forecasting import MeanAbsoluteError
from sktime.split import ExpandingWindowSplitter

from reservoir import ESN
from reservoir.baselines import ARIMAForecaster
from reservoir.datasets import load_sunspots
from reservoir.readouts import RidgeReadout
from reservoir.sktime import SktimeForecaster, SktimeReservoirForecaster

SMALL = os.environ.get("RESERVOIR_EXAMPLE_SMALL") == "1"
N_UNITS = 50 if SMALL else 200
STEP = 40 if SMALL else 10

y = load_sunspots()
fh = np.arange(1, 11)
cv = ExpandingWindowSplitter(initial_window=200, step_length=STEP, fh=fh)
models = {
    # 200 training years are few for 200 readout weights: a firm ridge penalty (with the
    # default alpha=1e-10 the closed loop diverges on one fold).
    "ESN (reservoir)": SktimeReservoirForecaster(
        ESN(n_units=N_UNITS, spectral_radius=0.9, leak_rate=0.5, random_state=0),
        readout=RidgeReadout(alpha=1.0), washout=20, random_state=0),
    "Theta (sktime)": ThetaForecaster(deseasonalize=False),  # sunspots reach 0
    "ARIMA(9,0,0) (reservoir)": SktimeForecaster(ARIMAForecaster(order=(9, 0, 0))),
}

print(f"sunspots, {len(y)} years; expanding window from 200 years, refit every {STEP}, "
      f"fh = 1..{fh[-1]} years; {cv.get_n_splits(y)} folds")
print("| model | MAE | fit + predict s (all folds) |")
print("|---|---|---|")
for name, model in models.items():
    tic = time.perf_counter()
    results = evaluate(model, cv=cv, y=y, scoring=MeanAbsoluteError())
    seconds = time.perf_counter() - tic
    print(f"| {name} | {results['test_MeanAbsoluteError'].mean():.2f} | {seconds:.1f} |")

train, test = y[y.index.year < 1950], y[(y.index.year >= 1950) & (y.index.year < 1960)]
search = ForecastingGridSearchCV(
    SktimeReservoirForecaster(ESN(n_units=N_UNITS, leak_rate=0.5, random_state=0),
                              washout=20, random_state=0),
    cv=ExpandingWindowSplitter(initial_window=150, step_length=STEP, fh=fh),
    param_grid={"reservoir__spectral_radius": [0.5, 0.9] if SMALL else [0.5, 0.8, 0.95],
                "readout__alpha": [1e-2, 1.0] if SMALL else [1e-4, 1e-2, 1.0, 10.0]},
    scoring=MeanAbsoluteError(),
).fit(train)
forecast = search.predict(fh=fh)
print(f"\nForecastingGridSearchCV over the ESN (years before 1950): best {search.best_params_}, "
      f"CV MAE {abs(search.best_score_):.2f}; "
      f"MAE on 1950-1959: {MeanAbsoluteError()(test, forecast):.2f}")
