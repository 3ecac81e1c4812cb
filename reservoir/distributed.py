"""Fit reservoir estimators on series that live on a dask cluster.

:func:`fit` trains a :class:`~reservoir.ReservoirRegressor` or
:class:`~reservoir.ReservoirForecaster` on series held by a
:mod:`dask.distributed` cluster, without bringing them to the client:

1. **Statistics pass.** Each partition reports its series' shapes and the
   per-feature moments the scalings need (:class:`reservoir._scaling.Moments`:
   count, mean, sum of squared deviations, minimum, maximum); the reports are
   merged in a tree. The client fits the scalings from them and draws the
   reservoir's weights (the first series is the one shipped back, for a
   reservoir whose weights depend on data, ``spectral_radius="edge"``).
2. **Readout pass.** The prepared model (weights, scalings) goes to the
   workers once; each runs the reservoir over its partition's series and
   returns its readout's accumulated statistics: the triangular factor of
   :class:`~reservoir.RidgeReadout`, (F + k) x (F + k) numbers for F features
   and k targets, whatever the number and length of the series. The factors
   are merged in a tree (:meth:`RidgeReadout.merge`); the client solves once.

Only those moments, factors and the prepared model travel; reservoir states
never leave the worker that computed them. The result equals a local ``fit``
on the same series in the same order, up to rounding (the series' random
streams are keyed by their values, so state noise is the same too).

dask is an optional dependency (``pip install "reservoir-rc[distributed]"``),
imported only when :func:`fit` is called.
"""

from __future__ import annotations

import copy

import numpy as np

from ._scaling import Moments, SeriesScaler
from ._validation import check_paired_series, check_series, check_washout, validate_params
from .estimators import ReservoirForecaster, ReservoirRegressor
from .readouts import RidgeReadout

__all__ = ["PARTITIONS_PER_WORKER", "fit"]

#: Partitions made per worker from a list of delayed series (load balance vs batching).
PARTITIONS_PER_WORKER = 4


def fit(estimator, series, *, client=None):
    """Fit ``estimator`` on series held by a dask cluster; the states stay on the workers.

    Parameters
    ----------
    estimator : ReservoirRegressor or ReservoirForecaster
        With the default :class:`~reservoir.RidgeReadout` (a readout whose
        statistics merge). Fitted in place, as ``estimator.fit`` would be.
    series : dask collection
        The training series, in order (the last one is where a forecaster's
        ``predict()`` continues):

        * a :class:`dask.bag.Bag` of elements;
        * a list of :class:`dask.delayed.Delayed` elements (grouped into
          ``PARTITIONS_PER_WORKER`` partitions per worker);
        * a :class:`dask.array.Array` with a leading series axis, (n, T) or
          (n, T, d), for a forecaster; a pair ``(X, y)`` of such arrays for a
          regressor.

        An element is a forecaster's series ``y_i`` ((T_i,) or (T_i, d)) or a
        pair ``(y_i, X_i)`` with exogenous inputs; a regressor's pair
        ``(X_i, y_i)``.
    client : distributed.Client, optional
        The cluster's client; by default the current one
        (:func:`distributed.get_client`).

    Returns
    -------
    estimator
        The fitted estimator.

    Raises
    ------
    TypeError
        The estimator is not a reservoir regressor or forecaster with a
        RidgeReadout, or ``series`` is not one of the collections above.
    ValueError
        The series are inconsistent (features, lengths against ``washout``).

    Notes
    -----
    A ``partial_fit`` after this fit starts afresh (the series' reservoir
    states stayed on the workers). Series are read twice, once per pass.

    Examples
    --------
    >>> import dask.bag as db                                 # doctest: +SKIP
    >>> from distributed import Client, LocalCluster          # doctest: +SKIP
    >>> from reservoir import ESN, ReservoirForecaster        # doctest: +SKIP
    >>> from reservoir import distributed as rd               # doctest: +SKIP
    >>> client = Client(LocalCluster(n_workers=2))            # doctest: +SKIP
    >>> bag = db.from_sequence(list_of_series, npartitions=8)  # doctest: +SKIP
    >>> model = rd.fit(ReservoirForecaster(ESN(n_units=500)), bag)  # doctest: +SKIP
    """
    kind = _kind(estimator)
    client = _client(client)
    import dask

    parts = _partitions(series, kind, client)
    summarize = dask.delayed(_summary, pure=True)
    summary = client.compute(_tree([summarize(kind, part) for part in parts],
                                   _merged_summaries)).result()
    if summary is None:
        raise ValueError("series holds no series to fit on.")
    _prepare(estimator, kind, summary)
    [prepared] = client.scatter([estimator], broadcast=True)
    accumulate = dask.delayed(_partition_readout, pure=True)
    readout, end = client.compute(_tree([accumulate(prepared, kind, part) for part in parts],
                                        _merged_readouts)).result()
    estimator.readout_ = readout.set_params(
        keep_statistics=estimator.readout_.get_params()["keep_statistics"])
    for name, value in end.items():
        setattr(estimator, name, value)
    return estimator


# -- arguments -----------------------------------------------------------------------------
def _kind(estimator):
    if isinstance(estimator, ReservoirRegressor):
        kind = "regressor"
    elif isinstance(estimator, ReservoirForecaster):
        kind = "forecaster"
    else:
        raise TypeError("estimator must be a ReservoirRegressor or a ReservoirForecaster; got "
                        f"{type(estimator).__name__}.")
    readout = estimator.readout
    if readout is not None and not isinstance(readout, RidgeReadout):
        raise TypeError(
            f"estimator's readout must be a RidgeReadout, whose statistics merge across "
            f"workers; got {type(readout).__name__}."
        )
    return kind


def _client(client):
    try:
        import distributed
    except ImportError as exc:  # pragma: no cover - the extra is installed in CI
        raise ImportError('reservoir.distributed needs dask.distributed: pip install '
                          '"reservoir-rc[distributed]"') from exc
    if client is None:
        try:
            return distributed.get_client()
        except ValueError as exc:
            raise ValueError("No dask client: pass client= or create a distributed.Client "
                             "first.") from exc
    if not isinstance(client, distributed.Client):
        raise TypeError(f"client must be a distributed.Client; got {type(client).__name__}.")
    return client


def _partitions(series, kind, client):
    """The series as a list of delayed partitions, each computing to a list of elements."""
    import dask
    import dask.array as da
    import dask.bag as db
    from dask.delayed import Delayed

    if isinstance(series, db.Bag):
        return list(series.to_delayed())
    if isinstance(series, da.Array) or (
            isinstance(series, tuple) and len(series) == 2
            and all(isinstance(a, da.Array) for a in series)):
        return _array_partitions(series, kind)
    if isinstance(series, (list, tuple)) and series and all(
            isinstance(s, Delayed) for s in series):
        n_workers = max(len(client.scheduler_info().get("workers", {})), 1)
        bounds = np.linspace(0, len(series), min(len(series), n_workers * PARTITIONS_PER_WORKER)
                             + 1).astype(int)
        collect = dask.delayed(_collected, pure=True)
        return [collect(*series[lo:hi]) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
    raise TypeError(
        "series must be a dask.bag.Bag, a non-empty list of dask.delayed series, a dask array "
        "with a leading series axis (forecaster) or a pair (X, y) of such arrays (regressor); "
        f"got {type(series).__name__}."
    )


def _array_partitions(series, kind):
    import dask

    arrays = series if isinstance(series, tuple) else (series,)
    if (kind == "forecaster") != (len(arrays) == 1):
        expected = "one array of y" if kind == "forecaster" else "a pair (X, y) of arrays"
        raise TypeError(f"series for a {kind} held in dask arrays must be {expected}.")
    for array in arrays:
        if array.ndim not in (2, 3):
            raise ValueError("a dask array of series must be (n, T) or (n, T, d); got "
                             f"{array.ndim} dimensions.")
    first = arrays[0].rechunk({axis: -1 for axis in range(1, arrays[0].ndim)})
    blocks = [first.to_delayed().ravel()]
    if len(arrays) == 2:
        second = arrays[1].rechunk({0: first.chunks[0],
                                    **{axis: -1 for axis in range(1, arrays[1].ndim)}})
        blocks.append(second.to_delayed().ravel())
    split = dask.delayed(_block_elements, pure=True)
    return [split(*group) for group in zip(*blocks, strict=True)]


def _collected(*elements):
    return list(elements)


def _block_elements(*blocks):
    """The elements of one block of series: series (forecaster) or (X_i, y_i) pairs."""
    if len(blocks) == 1:
        return list(blocks[0])
    return list(zip(*blocks, strict=True))


# -- statistics pass -------------------------------------------------------------------------
def _series_sets(kind, elements):
    """Validated (first, second) SeriesSets of a partition: (X, y) or (y, exogenous or None)."""
    pairs = [isinstance(e, tuple) for e in elements]
    if kind == "regressor" or any(pairs):
        if not all(pairs) or any(len(e) != 2 for e in elements):
            shape = "(X_i, y_i)" if kind == "regressor" else "y_i or (y_i, X_i)"
            raise ValueError(f"every element of series must be {shape}, the same form for all.")
        names = ("X", "y") if kind == "regressor" else ("y", "X")
        first = check_series([e[0] for e in elements], name=names[0])
        second = check_series([e[1] for e in elements], name=names[1])
        check_paired_series(first, second, x_name=names[0], y_name=names[1])
        return first, second
    return check_series(list(elements), name="y"), None


def _summary(kind, elements):
    """Shapes and moments of one partition (None when it is empty)."""
    elements = list(elements)
    if not elements:
        return None
    first, second = _series_sets(kind, elements)
    return {
        "n_features": (first.n_features, None if second is None else second.n_features),
        "moments": (Moments.of(first.series),
                    None if second is None else Moments.of(second.series)),
        "min_length": min(first.lengths),
        "one_d": (first.was_1d, None if second is None else second.was_1d),
        "first_series": (first.series[0], None if second is None else second.series[0]),
    }


def _merged_summaries(left, right):
    if left is None or right is None:
        return left if right is None else right
    if left["n_features"] != right["n_features"]:
        raise ValueError(f"The series do not all have the same features: {left['n_features']} "
                         f"and {right['n_features']} (first, second part of each element).")
    return {
        "n_features": left["n_features"],
        "moments": tuple(None if a is None else a.merged(b)
                         for a, b in zip(left["moments"], right["moments"], strict=True)),
        "min_length": min(left["min_length"], right["min_length"]),
        "one_d": right["one_d"],
        "first_series": left["first_series"],
    }


def _prepare(estimator, kind, summary):
    """Fit the scalings and draw the reservoir of ``estimator`` from the merged summary."""
    validate_params(estimator)
    estimator.__dict__.pop("_stream", None)
    estimator.__dict__.pop("feature_names_in_", None)
    (n_first, n_second), (m_first, m_second) = summary["n_features"], summary["moments"]
    first_series, second_series = summary["first_series"]
    scale = estimator.scale
    if kind == "regressor":
        check_washout(estimator.washout, [summary["min_length"]])
        estimator.n_features_in_ = n_first
        estimator._start_from(SeriesScaler.from_moments(scale, m_first),
                              SeriesScaler.from_moments(scale, m_second), n_second,
                              summary["one_d"][1], [first_series])
        return
    estimator._check_params()
    estimator._refuse_non_causal()
    check_washout(estimator.washout, [summary["min_length"]], extra=1)
    estimator.n_exog_ = n_second or 0
    estimator.n_features_in_ = n_first + estimator.n_exog_
    estimator.n_outputs_ = n_first
    estimator.training_range_ = (m_first.low.copy(), m_first.high.copy())
    estimator._end_format = {"was_1d": summary["one_d"][0], "index": None, "name": None,
                             "columns": None}
    estimator._start_from(SeriesScaler.from_moments(scale, m_first),
                          SeriesScaler.from_moments(scale if m_second else None, m_second),
                          [first_series], None if second_series is None else [second_series])


# -- readout pass ----------------------------------------------------------------------------
#: Attributes a partition's fit sets about the end of its last series.
_END_ATTRIBUTES = {"regressor": ("last_state_",),
                   "forecaster": ("last_state_", "_last_features", "_last_stream")}


def _partition_readout(prepared, kind, elements):
    """The readout statistics of one partition's series and the end of its last series."""
    elements = list(elements)
    if not elements:
        return None, None
    model = copy.deepcopy(prepared)  # a worker shares one deserialised copy between tasks
    first, second = _series_sets(kind, elements)
    # The statistics must travel with the readout, whatever the user's setting for saving.
    model.readout_.set_params(keep_statistics=True)
    model._consume(first.series, None if second is None else second.series, new_series=True,
                   streamed=True)
    return model.readout_, {name: getattr(model, name) for name in _END_ATTRIBUTES[kind]}


def _merged_readouts(left, right):
    if left[0] is None or right[0] is None:
        return left if right[0] is None else right
    return left[0] + right[0], right[1]


def _tree(items, combine):
    """Combine delayed ``items`` pairwise, in order, into one delayed result."""
    import dask

    combine = dask.delayed(combine, pure=True)
    while len(items) > 1:
        items = [combine(items[i], items[i + 1]) if i + 1 < len(items) else items[i]
                 for i in range(0, len(items), 2)]
    return items[0]
