"""Safe saving and loading of estimators, without pickle (optional extra ``io``).

:func:`save` writes an estimator of the library, fitted or not, to a file in
the `skops <https://skops.readthedocs.io>`_ format: a zip archive of a JSON
description and NumPy ``.npy`` arrays. :func:`load` reads it back. Unlike
:mod:`pickle`, loading never executes code taken from the file: the file only
names the types of its objects, and each of them must be on a list of trusted
types before anything is built. The library trusts its own estimators and the
helper types they hold (:data:`TRUSTED_TYPES`); skops trusts NumPy, SciPy
sparse matrices and scikit-learn's estimators. A file naming any other type is
refused (:class:`UntrustedTypeError`) unless the caller lists that type in
``load(path, trusted=[...])`` after reviewing it (a third-party readout, say).

What a file holds:

* the estimator's parameters and fitted attributes, without caches: an ESN's
  dense copies of ``W_``, a :class:`~reservoir.readouts.RidgeReadout`'s cached
  solutions, and, with ``RidgeReadout(keep_statistics=False)``, the readout's
  (N + T)^2 factor (only ``coef_``/``intercept_`` are kept);
* a trained-RNN baseline's network as its architecture and weights (its
  ``state_dict`` as arrays), rebuilt with torch on load, never a pickled module;
* an ARIMA/ETS baseline's data and fitted parameters, from which statsmodels'
  results are rebuilt on load (no refit);
* pandas indexes (a forecaster continues its training index) as their values,
  frequency, time zone and name;
* the versions of reservoir, Python, NumPy, SciPy, scikit-learn and skops that
  wrote it, and of torch, statsmodels and pandas where the estimator uses them.
  Loading a file written by another version of reservoir (or another
  major.minor version of those libraries) warns (:class:`VersionWarning`); a
  file that is not a reservoir file, is damaged or comes from a newer file
  format raises :class:`ReservoirFileError`.

Examples
--------
>>> import numpy as np, os, tempfile
>>> from reservoir import ESN, ReservoirForecaster
>>> from reservoir import io
>>> y = np.sin(np.arange(300) / 5)
>>> model = ReservoirForecaster(ESN(n_units=50, random_state=0), washout=20).fit(y)
>>> path = os.path.join(tempfile.mkdtemp(), "model.skops")
>>> io.save(model, path)
>>> bool(np.array_equal(io.load(path).predict(10), model.predict(10)))
True
"""

from __future__ import annotations

import io as _bytes_io
import json
import os
import platform
import re
import tempfile
import warnings
import zipfile
from importlib import metadata

import numpy as np

__all__ = [
    "FORMAT_VERSION",
    "TRUSTED_TYPES",
    "ReservoirFileError",
    "UntrustedTypeError",
    "VersionWarning",
    "file_info",
    "load",
    "save",
]

INSTALL_HINT = (
    "reservoir.io needs skops, which could not be imported. "
    'Install it with: pip install "reservoir-rc[io]"'
)

#: Marker of a reservoir file, stored in every file.
FORMAT = "reservoir-rc/estimator"
#: Version of the layout of the files :func:`save` writes; :func:`load` reads it and older.
FORMAT_VERSION = 1

#: Types of the library that a file may name, besides what skops trusts by default
#: (builtins, NumPy arrays and scalars, scikit-learn estimators) and SciPy's sparse
#: matrices (read as NumPy arrays, without pickle).
#: Loading only ever creates these objects with ``cls.__new__`` and restores their
#: attributes (``__setstate__``); no constructor or function named by the file is called.
TRUSTED_TYPES = (
    "reservoir.esn.ESN",
    "reservoir.composite.DeepESN",
    "reservoir.composite.BidirectionalESN",
    "reservoir.lsm.LSM",
    "reservoir.readouts.RidgeReadout",
    "reservoir.estimators.ReservoirRegressor",
    "reservoir.estimators.ReservoirForecaster",
    "reservoir.estimators._SeriesStream",
    "reservoir.classifier.ReservoirClassifier",
    "reservoir._scaling.SeriesScaler",
    "reservoir._validation.SeriesSet",
    "reservoir.baselines.statistical.ARIMAForecaster",
    "reservoir.baselines.statistical.ETSForecaster",
    "reservoir.baselines.statistical.PersistenceForecaster",
    "reservoir.baselines.statistical.SeasonalNaiveForecaster",
    "reservoir.baselines.recurrent.LSTMRegressor",
    "reservoir.baselines.recurrent.LSTMForecaster",
    "reservoir.baselines.recurrent.GRURegressor",
    "reservoir.baselines.recurrent.GRUForecaster",
    "reservoir.baselines.recurrent.LeakyRNNRegressor",
    "reservoir.baselines.recurrent.LeakyRNNForecaster",
    "reservoir.io._PandasIndex",
    "reservoir.nvar.NVAR",
    "reservoir.es2n.ES2N",
    "reservoir.union.ReservoirUnion",
    "reservoir.online.RLSReadout",
)


def _sparse_types():
    """SciPy's sparse matrix and array classes (skops trusts only their base class by name).

    skops rebuilds every sparse matrix with :func:`scipy.sparse.load_npz`, which
    reads NumPy arrays without pickle, whatever class the file names.
    """
    import scipy.sparse as sp

    names = [f"{kind}_{suffix}" for kind in ("csr", "csc", "coo", "bsr", "dia", "lil", "dok")
             for suffix in ("matrix", "array")]
    classes = [getattr(sp, name) for name in names if hasattr(sp, name)]
    return tuple(f"{cls.__module__}.{cls.__name__}" for cls in classes)


def _trusted(extra=()):
    """Everything a file of the library may name, plus the caller's ``extra`` types."""
    return [*TRUSTED_TYPES, *_sparse_types(), *_type_names(extra or ())]


#: Libraries whose version is recorded in every file; others only when used.
_CORE_LIBRARIES = ("numpy", "scipy", "scikit-learn", "skops")
#: Distribution names of the libraries compared on load (major.minor).
_COMPARED = ("numpy", "scipy", "scikit-learn", "torch", "statsmodels", "pandas")


class ReservoirFileError(ValueError):
    """A file that :func:`load` cannot read: not a reservoir file, damaged, or too new."""


class UntrustedTypeError(ReservoirFileError):
    """A file names types that are not trusted; nothing from it was executed."""


class VersionWarning(UserWarning):
    """The file was written with other versions of reservoir or of its dependencies."""


def _skops_io():
    try:
        import skops.io
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    return skops.io


# -- versions ------------------------------------------------------------------------------
def _library_version(name):
    """Installed version of a distribution, without importing it; None if absent."""
    if name == "reservoir":
        from . import __version__

        return __version__
    if name == "python":
        return platform.python_version()
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _versions(used):
    names = ("reservoir", "python", *_CORE_LIBRARIES, *sorted(used))
    return {name: _library_version(name) for name in names}


def _major_minor(version):
    match = re.match(r"(\d+)\.(\d+)", str(version))
    return match.groups() if match else str(version)


def _version_differences(saved):
    """'<library> <saved> (running <current>)' for every version that differs."""
    differences = []
    if saved.get("reservoir") != _library_version("reservoir"):
        differences.append(f"reservoir {saved.get('reservoir')} "
                           f"(running {_library_version('reservoir')})")
    for name in _COMPARED:
        if name not in saved:
            continue
        current = _library_version(name)
        if current is not None and _major_minor(saved[name]) != _major_minor(current):
            differences.append(f"{name} {saved[name]} (running {current})")
    return differences


# -- pandas indexes --------------------------------------------------------------------------
def _is_pandas(obj):
    return type(obj).__module__.split(".")[0] == "pandas"


class _PandasIndex:
    """A pandas index as plain data: its kind, values, frequency, time zone and name."""

    @classmethod
    def of(cls, index, where):
        import pandas as pd

        record = cls()
        record.kind = type(index).__name__
        record.name = _plain_label(index.name, f"{where}.name")
        record.freq = record.tz = record.range = None
        record.dtype = str(index.dtype)
        if isinstance(index, pd.RangeIndex):
            record.range = (int(index.start), int(index.stop), int(index.step))
            record.values = None
            return record
        if isinstance(index, pd.MultiIndex):
            raise TypeError(f"{where} is a pandas MultiIndex, which reservoir.io does not store.")
        if isinstance(index, pd.PeriodIndex):
            record.values = np.asarray(index.asi8)
            record.freq = index.freqstr
            return record
        if isinstance(index, pd.DatetimeIndex):
            record.tz = None if index.tz is None else str(index.tz)
            record.values = (index.tz_convert("UTC").tz_localize(None) if index.tz is not None
                             else index).to_numpy()
        else:
            values = index.to_numpy()
            if values.dtype == object:
                values = np.array([_plain_label(v, f"{where} label") for v in values],
                                  dtype=object)
            record.values = values
        record.freq = getattr(index, "freqstr", None)
        return record

    def to_index(self):
        import pandas as pd

        if self.kind == "RangeIndex":
            return pd.RangeIndex(*self.range, name=self.name)
        if self.kind == "PeriodIndex":
            ordinals = np.asarray(self.values, dtype=np.int64)
            return pd.PeriodIndex(pd.arrays.PeriodArray(ordinals, dtype=pd.PeriodDtype(self.freq)),
                                  name=self.name)
        if self.kind == "DatetimeIndex":
            index = pd.DatetimeIndex(self.values, name=self.name)
            if self.tz is not None:
                index = index.tz_localize("UTC").tz_convert(self.tz)
            return pd.DatetimeIndex(index, freq=self.freq) if self.freq else index
        if self.kind == "TimedeltaIndex":
            return pd.TimedeltaIndex(self.values, name=self.name, freq=self.freq)
        try:
            return pd.Index(self.values, dtype=self.dtype, name=self.name)
        except (TypeError, ValueError):
            return pd.Index(self.values, name=self.name)


def _plain_label(value, where):
    """A label or name that a file can hold as JSON: str, number, bool, None or a tuple of them."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, tuple):
        return tuple(_plain_label(v, where) for v in value)
    raise TypeError(f"{where} is a {type(value).__name__}, which reservoir.io cannot store; "
                    "use strings or numbers as pandas labels and names.")


# -- walking the estimator ------------------------------------------------------------------
def _has_state(obj):
    """Objects whose attributes are walked: the library's and scikit-learn's estimators."""
    if not hasattr(obj, "__dict__") or isinstance(obj, type):
        return False
    module = type(obj).__module__
    if module.split(".")[0] == "reservoir":
        return True
    from sklearn.base import BaseEstimator

    return isinstance(obj, BaseEstimator)


class _Encoder:
    """Replaces pandas indexes by :class:`_PandasIndex` records, on shallow copies.

    The estimator itself is never modified; only the objects on the path to a
    pandas index are copied. Also notes which optional libraries the
    estimator uses, for the version record.
    """

    def __init__(self):
        self.memo = {}
        self.used = set()

    def __call__(self, obj, where="estimator"):
        key = id(obj)
        if key in self.memo:
            return self.memo[key][1]
        self.memo[key] = (obj, obj)  # keeps obj alive, and stops cycles
        result = self._encode(obj, where)
        self.memo[key] = (obj, result)
        return result

    def _encode(self, obj, where):
        import sys

        if _is_pandas(obj):
            pd = sys.modules["pandas"]
            if isinstance(obj, pd.Index):
                self.used.add("pandas")
                return _PandasIndex.of(obj, where)
            raise TypeError(f"{where} is a pandas {type(obj).__name__}, which reservoir.io "
                            "does not store.")
        if type(obj) in (list, tuple):
            items = [self(item, f"{where}[{i}]") for i, item in enumerate(obj)]
            changed = any(new is not old for new, old in zip(items, obj, strict=True))
            return type(obj)(items) if changed else obj
        if type(obj) is dict:
            items = {k: self(v, f"{where}[{k!r}]") for k, v in obj.items()}
            changed = any(items[k] is not v for k, v in obj.items())
            return items if changed else obj
        if not _has_state(obj):
            return obj
        module = type(obj).__module__
        if module.startswith("reservoir.baselines.recurrent"):
            self.used.add("torch")
        elif type(obj).__name__ in ("ARIMAForecaster", "ETSForecaster"):
            self.used.add("statsmodels")
        attributes = vars(obj)
        changes = {}
        for name, value in attributes.items():
            new = self(value, f"{where}.{name}")
            if new is not value:
                changes[name] = new
        if not changes:
            return obj
        copy = object.__new__(type(obj))
        copy.__dict__.update(attributes)
        copy.__dict__.update(changes)
        return copy


def _decode(obj, memo=None):
    """Turn :class:`_PandasIndex` records back into pandas indexes, in the loaded objects."""
    memo = {} if memo is None else memo
    key = id(obj)
    if key in memo:
        return memo[key]
    memo[key] = obj
    if isinstance(obj, _PandasIndex):
        result = obj.to_index()
    elif type(obj) is list:
        obj[:] = [_decode(item, memo) for item in obj]
        result = obj
    elif type(obj) is tuple:
        result = tuple(_decode(item, memo) for item in obj)
    elif type(obj) is dict:
        for k, v in obj.items():
            obj[k] = _decode(v, memo)
        result = obj
    elif _has_state(obj):
        attributes = vars(obj)
        for name, value in list(attributes.items()):
            attributes[name] = _decode(value, memo)  # __dict__: frozen dataclasses too
        result = obj
    else:
        result = obj
    memo[key] = result
    return result


# -- saving ------------------------------------------------------------------------------------
def save(estimator, path):
    """Save an estimator (fitted or not) to a file that :func:`load` reads back safely.

    Parameters
    ----------
    estimator : estimator of the library
        Any reservoir, readout, reservoir estimator or baseline, e.g. a fitted
        :class:`~reservoir.ReservoirForecaster`. Caches are not saved (see the
        module docstring).
    path : str, os.PathLike or binary file object
        Destination; by convention with the ``.skops`` extension. An existing
        file is replaced only once the new one is complete.

    Warns
    -----
    UserWarning
        When the estimator holds types outside :data:`TRUSTED_TYPES` and
        skops' defaults (a third-party readout, say): :func:`load` then needs
        them listed in ``trusted=``.
    """
    skops_io = _skops_io()
    from sklearn.base import BaseEstimator

    if not isinstance(estimator, BaseEstimator):
        raise TypeError("estimator must be a scikit-learn compatible estimator of the "
                        f"library; got {type(estimator).__name__}.")
    encoder = _Encoder()
    encoded = encoder(estimator)
    envelope = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": _versions(encoder.used),
        "estimator_type": f"{type(estimator).__module__}.{type(estimator).__qualname__}",
        "estimator": encoded,
    }
    data = skops_io.dumps(envelope, compression=zipfile.ZIP_DEFLATED)
    extra = sorted(set(skops_io.get_untrusted_types(data=data)) - set(_trusted()))
    if extra:
        warnings.warn(
            f"The saved {type(estimator).__name__} holds types that reservoir.io does not "
            f"trust by default: {extra}. Loading the file needs them listed after review: "
            f"reservoir.io.load(path, trusted={extra!r}).", UserWarning, stacklevel=2)
    if hasattr(path, "write"):
        path.write(data)
        return
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".reservoir-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


# -- loading ---------------------------------------------------------------------------------
def _read(path):
    if hasattr(path, "read"):
        return path.read(), getattr(path, "name", "the file")
    path = os.fspath(path)
    with open(path, "rb") as file:
        return file.read(), path


def _json_field(node, field):
    """The value of a primitive entry of the file's top-level dict, read as JSON (no objects)."""
    entry = node.get(field) if isinstance(node, dict) else None
    if not isinstance(entry, dict) or entry.get("__loader__") != "JsonNode":
        return None
    try:
        return json.loads(entry["content"])
    except (KeyError, TypeError, ValueError):
        return None


def _header(data, where):
    """Format, versions and estimator type from the file's JSON description, before any load."""
    not_ours = (f"{where} is not a model file written by reservoir.io.save")
    try:
        with zipfile.ZipFile(_bytes_io.BytesIO(data)) as archive:
            schema = json.loads(archive.read("schema.json"))
    except (zipfile.BadZipFile, KeyError, ValueError, UnicodeDecodeError) as exc:
        raise ReservoirFileError(f"{not_ours}: it is not a skops archive ({exc}).") from exc
    content = schema.get("content") if isinstance(schema, dict) else None
    if _json_field(content, "format") != FORMAT:
        raise ReservoirFileError(
            f"{not_ours}: it has no reservoir header (a skops file of another object can be "
            "read with skops.io.load after reviewing skops.io.get_untrusted_types).")
    version = _json_field(content, "format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ReservoirFileError(f"{where} is damaged: invalid format_version {version!r}.")
    versions_node = content.get("versions", {})
    versions = {name: _json_field(versions_node.get("content"), name)
                for name in (versions_node.get("content") or {})}
    header = {"format_version": version, "versions": versions,
              "estimator_type": _json_field(content, "estimator_type")}
    if version > FORMAT_VERSION:
        raise ReservoirFileError(
            f"{where} was written by reservoir {versions.get('reservoir')} in file format "
            f"{version}; this reservoir ({_library_version('reservoir')}) reads formats up to "
            f"{FORMAT_VERSION}. Upgrade it: pip install -U reservoir-rc")
    return header


def file_info(path):
    """What a file written by :func:`save` holds, read without loading the estimator.

    Parameters
    ----------
    path : str, os.PathLike or binary file object

    Returns
    -------
    dict
        ``format_version``, ``versions`` (library name -> version that wrote
        the file) and ``estimator_type`` (qualified class name).

    Raises
    ------
    ReservoirFileError
        When the file is not a reservoir file.
    """
    data, where = _read(path)
    return _header(data, where)


def load(path, *, trusted=None):
    """Load an estimator saved with :func:`save`, without executing code from the file.

    Parameters
    ----------
    path : str, os.PathLike or binary file object
    trusted : list of str or type, optional
        Further types to trust, after reviewing them: those of a third-party
        readout, for instance (:func:`save` warns with their names). The
        library's own types never need listing.

    Returns
    -------
    estimator
        The saved estimator, with the same predictions as when it was saved.

    Raises
    ------
    ReservoirFileError
        The file is not a reservoir file, is damaged, or comes from a newer
        file format.
    UntrustedTypeError
        The file names a type that is not trusted (nothing from the file was
        executed).
    ImportError
        skops (``pip install "reservoir-rc[io]"``), or a library the estimator
        needs (torch for the trained-RNN baselines), is not installed.

    Warns
    -----
    VersionWarning
        The file was written by another version of reservoir, or another
        major.minor version of NumPy, SciPy, scikit-learn, torch, statsmodels
        or pandas.
    """
    skops_io = _skops_io()
    from skops.io.exceptions import UntrustedTypesFoundException

    data, where = _read(path)
    header = _header(data, where)
    written_by = ", ".join(f"{k} {v}" for k, v in header["versions"].items())
    differences = _version_differences(header["versions"])
    if differences:
        warnings.warn(
            f"{where} was written with {', '.join(differences)}. It is loaded, but the "
            "model may behave differently; save it again with this version (or refit it) "
            "to silence this warning.", VersionWarning, stacklevel=2)
    trust = _trusted(trusted)
    try:
        envelope = skops_io.loads(data, trusted=trust)
    except UntrustedTypesFoundException as exc:
        untrusted = sorted(set(skops_io.get_untrusted_types(data=data))
                           - set(trust))
        raise UntrustedTypeError(
            f"Refused to load {where}: it names types that are not trusted: {untrusted}. "
            "Nothing from the file was executed. A file written by reservoir.io.save holds "
            "only trusted types unless the estimator contained third-party objects; list "
            "such types in load(path, trusted=[...]) only after reviewing them.") from exc
    except (ImportError, MemoryError):
        raise
    except Exception as exc:  # anything skops or a __setstate__ raises on a damaged file
        raise ReservoirFileError(
            f"{where} could not be loaded: it is damaged or incompatible with this "
            f"installation (written by {written_by}). {type(exc).__name__}: {exc}") from exc
    estimator = envelope.get("estimator") if isinstance(envelope, dict) else None
    from sklearn.base import BaseEstimator

    if not isinstance(estimator, BaseEstimator):
        raise ReservoirFileError(f"{where} is damaged: it holds no estimator.")
    return _decode(estimator)


def _type_names(types):
    return [t if isinstance(t, str) else f"{t.__module__}.{t.__qualname__}" for t in types]
