"""Real series from the data sets that statsmodels ships (no download).

Each loader returns a pandas Series with a regular index that carries its
frequency (a PeriodIndex for yearly and monthly aggregates, a DatetimeIndex
with ``freq`` for the weekly CO2 record), so forecasters can continue it.
statsmodels is imported on first use only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["load_sunspots", "load_co2", "load_nile", "load_elnino"]

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def _consecutive_years(years, dataset: str) -> pd.PeriodIndex:
    """A yearly PeriodIndex for ``years``, after checking that they run without gaps."""
    years = np.asarray(years, dtype=float)
    first = int(years[0])
    if not np.array_equal(years, np.arange(first, first + len(years))):
        raise RuntimeError(f"The statsmodels {dataset} data set is not a gap-free yearly record.")
    return pd.period_range(start=str(first), periods=len(years), freq="Y")


def load_sunspots() -> pd.Series:
    """Yearly mean sunspot number, 1700-2008 (309 values).

    Source: the National Geophysical Data Center (NOAA NGDC,
    http://www.ngdc.noaa.gov/stp/solar/solarda3.html), as shipped in
    ``statsmodels.datasets.sunspots`` (column SUNACTIVITY). Public domain.

    Returns
    -------
    pandas.Series
        Name ``"sunactivity"``, yearly PeriodIndex (freq ``"Y-DEC"``).
    """
    from statsmodels.datasets import sunspots

    data = sunspots.load_pandas().data
    index = _consecutive_years(data["YEAR"], "sunspots")
    return pd.Series(data["SUNACTIVITY"].to_numpy(float), index=index, name="sunactivity")


def load_nile() -> pd.Series:
    """Yearly flow volume of the Nile at Aswan, 1871-1970 (100 values, 10^8 m^3).

    Source: ``statsmodels.datasets.nile``, first analysed in G. W. Cobb, "The
    problem of the Nile: conditional solution to a changepoint problem",
    Biometrika 65(2):243-251, 1978. A level shift near 1898 is well known.
    Public domain.

    Returns
    -------
    pandas.Series
        Name ``"volume"``, yearly PeriodIndex (freq ``"Y-DEC"``).
    """
    from statsmodels.datasets import nile

    data = nile.load_pandas().data
    index = _consecutive_years(data["year"], "nile")
    return pd.Series(data["volume"].to_numpy(float), index=index, name="volume")


def load_elnino() -> pd.Series:
    """Monthly sea-surface temperature of the Niño 1+2 region, Jan 1950 - Dec 2010 (732 values).

    The statsmodels table (one row per year, one column per month) is read
    row by row into one monthly series, in degrees Celsius, averaged over
    0-10°S, 90-80°W.

    Source: NOAA National Weather Service, Climate Prediction Center, ERSST.V3B
    Niño 1+2 index (http://www.cpc.ncep.noaa.gov/data/indices/), as shipped in
    ``statsmodels.datasets.elnino``. Public domain.

    Returns
    -------
    pandas.Series
        Name ``"sst"``, monthly PeriodIndex (freq ``"M"``).
    """
    from statsmodels.datasets import elnino

    data = elnino.load_pandas().data
    years = _consecutive_years(data["YEAR"], "elnino")
    values = data.loc[:, list(_MONTHS)].to_numpy(float).ravel()
    index = pd.period_range(start=f"{years[0].year}-01", periods=values.size, freq="M")
    return pd.Series(values, index=index, name="sst")


def load_co2(freq=None) -> pd.Series:
    """Weekly atmospheric CO2 at Mauna Loa, March 1958 - December 2001 (ppm).

    The shipped record is weekly (weeks ending on Saturday) with 59 missing
    weeks. The index is made explicitly regular (``asfreq("W-SAT")``) and the
    gaps are filled by linear interpolation in time (``interpolate("time")``),
    which suits this smooth, slowly varying series; the result has 2284
    values and no NaN. With ``freq`` the filled weekly series is resampled to
    that frequency by averaging (e.g. ``"MS"`` for 526 monthly means).

    Source: C. D. Keeling and T. P. Whorf, "Atmospheric CO2 concentrations
    derived from flask air samples at sites in the SIO network", in *Trends: A
    Compendium of Data on Global Change*, Carbon Dioxide Information Analysis
    Center, Oak Ridge National Laboratory, 2004; continuous air samples at
    Mauna Loa Observatory, Hawaii; as shipped in ``statsmodels.datasets.co2``.
    Public domain.

    Parameters
    ----------
    freq : str or pandas offset, optional
        Frequency to resample to by averaging; weekly (``"W-SAT"``) when None.

    Returns
    -------
    pandas.Series
        Name ``"co2"``, DatetimeIndex with ``freq`` set.
    """
    from statsmodels.datasets import co2

    weekly = co2.load_pandas().data["co2"].asfreq("W-SAT")
    weekly = weekly.interpolate(method="time", limit_direction="both").astype(float)
    weekly.index.name = None
    if freq is None:
        return weekly
    try:
        return weekly.resample(freq).mean()
    except (ValueError, TypeError) as exc:
        raise ValueError(f"freq must be a pandas frequency such as 'MS'; got {freq!r}.") from exc
