"""Tests of reservoir.io: safe save/load on skops, and small pickles (no caches)."""

import importlib.util
import io as bytes_io
import json
import pickle
import sys
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import Ridge

from reservoir import (
    ESN,
    LSM,
    BidirectionalESN,
    DeepESN,
    ReservoirClassifier,
    ReservoirForecaster,
    ReservoirRegressor,
    RidgeReadout,
)
from reservoir.baselines import (
    ARIMAForecaster,
    ETSForecaster,
    GRUForecaster,
    GRURegressor,
    LeakyRNNForecaster,
    LeakyRNNRegressor,
    LSTMForecaster,
    LSTMRegressor,
    PersistenceForecaster,
    SeasonalNaiveForecaster,
)
from reservoir.es2n import ES2N
from reservoir.nvar import NVAR
from reservoir.online import RLSReadout
from reservoir.union import ReservoirUnion

skops_io = pytest.importorskip("skops.io")
from reservoir import io  # noqa: E402  (needs skops)

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
RNN = dict(hidden_size=4, max_epochs=2, seq_len=10, batch_size=8, random_state=0)


# -- data ---------------------------------------------------------------------------------
def _sine(n, period=25.0):
    return np.sin(2 * np.pi * np.arange(n) / period)


def _daily(values):
    return pd.Series(values, index=pd.date_range("2021-01-01", periods=len(values), freq="D"),
                     name="load")


U = np.column_stack([_sine(160), np.cos(np.arange(160) / 7)])
Y = np.roll(U[:, 0], 3) * U[:, 1]
SERIES = _sine(150) + 0.1 * np.arange(150) / 150 + 2.0
rng = np.random.default_rng(0)
CLASS_X = [np.sin(np.arange(30)[:, None] * f + rng.normal(size=(30, 1)) * 0.1)
           for f in (0.2, 0.25, 0.6, 0.65, 0.2, 0.6)]
CLASS_Y = np.array(["slow", "slow", "fast", "fast", "slow", "fast"])


# -- one case per estimator class: (fitted estimator, function giving its outputs) -------------
def _reservoir_case(reservoir):
    reservoir.fit(U)
    return reservoir, lambda r: r.run(U)[0]


def _forecast(n=7):
    return lambda m: m.predict(n)


CASES = {
    "ESN": lambda: _reservoir_case(ESN(n_units=30, state_noise=1e-3, random_state=0)),
    "ESN-dense": lambda: _reservoir_case(ESN(n_units=30, connectivity=0.8, random_state=1)),
    "DeepESN": lambda: _reservoir_case(DeepESN(ESN(n_units=20), n_layers=2,
                                               layer_params={"n_units": [20, 10]}, random_state=0)),
    "BidirectionalESN": lambda: _reservoir_case(
        BidirectionalESN(ESN(n_units=20, random_state=0))),
    "BidirectionalESN-independent": lambda: _reservoir_case(
        BidirectionalESN(ESN(n_units=20), share_weights=False, random_state=3)),
    "LSM": lambda: _reservoir_case(LSM(n_units=40, steps_per_input=2, random_state=0)),
    "NVAR": lambda: _reservoir_case(NVAR(delay=3, stride=2, order=2)),
    "ES2N": lambda: _reservoir_case(ES2N(n_units=20, random_state=0)),
    "ReservoirUnion": lambda: _reservoir_case(ReservoirUnion(
        [("esn", ESN(n_units=10, random_state=0)), ("nvar", NVAR(order=2))])),
    "RLSReadout": lambda: (RLSReadout(forgetting=0.99).fit(U, Y), lambda r: r.predict(U)),
    "RidgeReadout": lambda: (RidgeReadout(alpha=1e-3).fit(U, Y), lambda r: r.predict(U)),
    "RidgeReadout-no-statistics": lambda: (
        RidgeReadout(alpha=1e-3, keep_statistics=False).fit(U, Y), lambda r: r.predict(U)),
    "ReservoirRegressor": lambda: (
        ReservoirRegressor(ESN(n_units=30, random_state=0), washout=10).fit(U, Y),
        lambda m: m.predict(U)),
    "ReservoirRegressor-DataFrame": lambda: (
        ReservoirRegressor(ESN(n_units=20, random_state=0)).fit(
            pd.DataFrame(U, columns=["u", "v"]), Y),
        lambda m: (m.predict(pd.DataFrame(U, columns=["u", "v"])), m.feature_names_in_)),
    "ReservoirRegressor-LSM-sklearn-readout": lambda: (
        ReservoirRegressor(LSM(n_units=30, steps_per_input=2, random_state=0),
                           readout=Ridge(alpha=1e-2), washout=5).fit(U, Y),
        lambda m: m.predict(U)),
    "ReservoirForecaster": lambda: (
        ReservoirForecaster(ESN(n_units=30, random_state=0), washout=10).fit(SERIES),
        _forecast()),
    "ReservoirForecaster-pandas": lambda: (
        ReservoirForecaster(ESN(n_units=30, random_state=0), washout=10).fit(_daily(SERIES)),
        _forecast()),
    "ReservoirClassifier": lambda: (
        ReservoirClassifier(ESN(n_units=20, random_state=0)).fit(CLASS_X, CLASS_Y),
        lambda m: (m.predict(CLASS_X), m.decision_function(CLASS_X))),
    "ARIMAForecaster": lambda: (
        ARIMAForecaster(order=(1, 1, 1)).fit(_daily(SERIES)),
        lambda m: (m.predict(5), m.predict_next(SERIES[:40]), m.results_.bse)),
    "ARIMAForecaster-auto-2-columns": lambda: (
        ARIMAForecaster(order="auto", auto_max_order=(1, 0, 1)).fit(
            np.column_stack([SERIES, SERIES[::-1]])),
        lambda m: (m.predict(5), m.aic_, [sorted(g.items()) for g in m.aic_grid_])),
    "ETSForecaster": lambda: (
        ETSForecaster(trend="add").fit(SERIES), lambda m: (m.predict(5), m.results_.aic)),
    "PersistenceForecaster": lambda: (PersistenceForecaster().fit(_daily(SERIES)), _forecast()),
    "SeasonalNaiveForecaster": lambda: (
        SeasonalNaiveForecaster(period=25).fit([SERIES, SERIES[:60]]), _forecast(30)),
}
TORCH_CASES = {
    "LSTMRegressor": lambda: (LSTMRegressor(**RNN).fit(U, Y), lambda m: m.predict(U)),
    "GRURegressor": lambda: (GRURegressor(**RNN).fit(U, Y), lambda m: m.predict(U)),
    "LeakyRNNRegressor": lambda: (
        LeakyRNNRegressor(learn_time_constants=True, **RNN).fit(U, Y), lambda m: m.predict(U)),
    "LSTMForecaster": lambda: (LSTMForecaster(**RNN).fit(_daily(SERIES)), _forecast()),
    "GRUForecaster": lambda: (GRUForecaster(num_layers=2, **RNN).fit(SERIES), _forecast()),
    "LeakyRNNForecaster": lambda: (
        LeakyRNNForecaster(dtype="float64", **RNN).fit(SERIES), _forecast()),
}
ALL_CASES = [pytest.param(name, id=name) for name in CASES] + [
    pytest.param(name, id=name, marks=needs_torch) for name in TORCH_CASES]


def _case(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence notes of the tiny baselines
        return {**CASES, **TORCH_CASES}[name]()


def _assert_same(a, b):
    if isinstance(a, (tuple, list)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    elif isinstance(a, (pd.Series, pd.DataFrame)):
        pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(b), check_exact=True)
        assert a.index.equals(b.index) and getattr(a.index, "freq", None) == getattr(
            b.index, "freq", None)
    else:
        assert type(a) is type(b)
        np.testing.assert_array_equal(a, b)


def _save_load(estimator, tmp_path, **load_args):
    path = tmp_path / "model.skops"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no untrusted-type or version warning
        io.save(estimator, path)
        return io.load(path, **load_args)


# -- round trips --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ALL_CASES)
def test_round_trip_gives_identical_outputs_for_every_estimator_class(name, tmp_path):
    estimator, outputs = _case(name)
    expected = outputs(estimator)
    loaded = _save_load(estimator, tmp_path)
    assert type(loaded) is type(estimator)
    assert loaded.get_params(deep=False).keys() == estimator.get_params(deep=False).keys()
    _assert_same(outputs(loaded), expected)
    _assert_same(outputs(estimator), expected)  # saving left the estimator unchanged


@pytest.mark.parametrize("name", ALL_CASES)
def test_pickle_round_trip_gives_identical_outputs(name):
    estimator, outputs = _case(name)
    expected = outputs(estimator)
    loaded = pickle.loads(pickle.dumps(estimator))
    _assert_same(outputs(loaded), expected)


@pytest.mark.parametrize("estimator", [
    ESN(n_units=7, spectral_radius="edge"), LSM(synaptic_delay=(1.0, 3.0)),
    ReservoirForecaster(DeepESN(n_layers=3), readout=RidgeReadout(keep_statistics=False)),
    ReservoirClassifier(pooling="last_and_mean"), ARIMAForecaster(order="auto"),
    SeasonalNaiveForecaster(period=4),
    LeakyRNNForecaster(hidden_size=3, random_state=np.random.RandomState(1)),
], ids=type)
def test_round_trip_of_unfitted_estimators_keeps_their_parameters(estimator, tmp_path):
    def described(model):
        return {name: (value.get_state()[1].tolist() if isinstance(value, np.random.RandomState)
                       else repr(value)) for name, value in model.get_params().items()}

    loaded = _save_load(estimator, tmp_path)
    assert described(loaded) == described(estimator)
    assert described(clone(loaded)) == described(clone(estimator))


def test_loaded_forecaster_continues_a_period_index_and_a_tz_aware_index(tmp_path):
    periods = pd.Series(SERIES[:60], index=pd.period_range("2000-01", periods=60, freq="M"))
    stamps = pd.Series(SERIES[:60], index=pd.date_range("2021-03-01", periods=60, freq="h",
                                                        tz="Europe/Paris", name="when"))
    for series in (periods, stamps):
        model = PersistenceForecaster().fit(series)
        loaded = _save_load(model, tmp_path)
        pd.testing.assert_series_equal(loaded.predict(3), model.predict(3))


def test_a_shared_bidirectional_reservoir_is_stored_once_and_stays_shared(tmp_path):
    shared, _ = _case("BidirectionalESN")
    independent, _ = _case("BidirectionalESN-independent")
    loaded = _save_load(shared, tmp_path)
    assert loaded.backward_ is loaded.forward_
    assert len(pickle.dumps(shared)) < 0.6 * len(pickle.dumps(independent))


@needs_torch
def test_torch_network_is_stored_as_arrays_and_rebuilt_on_load(tmp_path):
    import torch

    model, _ = _case("LSTMForecaster")
    path = tmp_path / "lstm.skops"
    io.save(model, path)
    with zipfile.ZipFile(path) as archive:
        schema = archive.read("schema.json").decode()
    assert "torch" not in json.dumps(
        [t for t in skops_io.get_untrusted_types(file=path)])  # no torch type in the file
    assert "_net_arrays" in schema and "net_" not in schema.replace("_net_arrays", "")
    assert io.file_info(path)["versions"]["torch"] == __import__(
        "importlib.metadata").metadata.version("torch")
    loaded = io.load(path)
    assert isinstance(loaded.net_, torch.nn.Module) and not loaded.net_.training
    for (name, a), (_, b) in zip(model.net_.state_dict().items(),
                                 loaded.net_.state_dict().items()):
        assert torch.equal(a, b), name


@needs_torch
def test_a_network_saved_for_an_unavailable_device_loads_on_the_cpu_with_a_warning(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    model, _ = _case("GRURegressor")
    expected = model.predict(U)
    model.device = "cuda:0"  # as if saved on a GPU machine
    with pytest.warns(RuntimeWarning, match="CUDA is not available.*loaded on the CPU"):
        loaded = io.load(_saved(tmp_path, model)[1])
    assert next(loaded.net_.parameters()).device.type == "cpu"
    np.testing.assert_array_equal(loaded.set_params(device="cpu").predict(U), expected)


# -- what the file records, and what load refuses -----------------------------------------------
def _rewrite_schema(source, target, edit):
    """Copy a saved file, passing its JSON description through ``edit``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "schema.json":
                data = json.dumps(edit(json.loads(data))).encode()
            new.writestr(item, data)


def _saved(tmp_path, estimator=None):
    estimator = estimator if estimator is not None else _case("ReservoirForecaster")[0]
    path = tmp_path / "saved.skops"
    io.save(estimator, path)
    return estimator, path


def test_file_records_the_versions_and_the_estimator_type(tmp_path):
    from importlib.metadata import version

    import reservoir

    _, path = _saved(tmp_path)
    info = io.file_info(path)
    assert info["format_version"] == io.FORMAT_VERSION
    assert info["estimator_type"] == "reservoir.estimators.ReservoirForecaster"
    versions = info["versions"]
    assert versions["reservoir"] == reservoir.__version__
    for name in ("numpy", "scipy", "scikit-learn", "skops"):
        assert versions[name] == version(name)
    assert "torch" not in versions  # recorded only where used
    arima_info = io.file_info(_saved(tmp_path, _case("ARIMAForecaster")[0])[1])
    assert {"statsmodels", "pandas"} <= set(arima_info["versions"])


def test_loading_a_file_of_another_library_version_warns(tmp_path):
    model, path = _saved(tmp_path)
    older = tmp_path / "older.skops"

    def edit(schema):
        versions = schema["content"]["versions"]["content"]
        versions["reservoir"]["content"] = json.dumps("0.0.1")
        versions["numpy"]["content"] = json.dumps("1.0.0")
        return schema

    _rewrite_schema(path, older, edit)
    with pytest.warns(io.VersionWarning, match=r"reservoir 0\.0\.1 \(running .*numpy 1\.0\.0"):
        loaded = io.load(older)
    np.testing.assert_array_equal(loaded.predict(5), model.predict(5))


def test_a_newer_file_format_is_refused_with_an_upgrade_hint(tmp_path):
    _, path = _saved(tmp_path)
    newer = tmp_path / "newer.skops"

    def edit(schema):
        schema["content"]["format_version"]["content"] = "99"
        return schema

    _rewrite_schema(path, newer, edit)
    with pytest.raises(io.ReservoirFileError, match="file format 99.*pip install -U"):
        io.load(newer)


@pytest.mark.parametrize("kind", ["text", "skops-of-another-object", "truncated",
                                  "missing-array", "bad-json"])
def test_non_library_corrupt_or_incompatible_files_get_a_clear_error(kind, tmp_path):
    _, path = _saved(tmp_path)
    bad = tmp_path / "bad.skops"
    if kind == "text":
        bad.write_text("not a model")
        match = "not a model file written by reservoir.io.save"
    elif kind == "skops-of-another-object":
        skops_io.dump(Ridge().fit(U, Y), bad)
        match = "no reservoir header"
    elif kind == "truncated":
        bad.write_bytes(path.read_bytes()[:-200])
        match = "not a skops archive"
    elif kind == "missing-array":
        with zipfile.ZipFile(path) as old, zipfile.ZipFile(bad, "w") as new:
            arrays = [name for name in old.namelist() if name.endswith(".npy")]
            for item in old.infolist():
                if item.filename != arrays[0]:
                    new.writestr(item, old.read(item.filename))
        match = "damaged or incompatible"
    else:
        with zipfile.ZipFile(path) as old, zipfile.ZipFile(bad, "w") as new:
            for item in old.infolist():
                data = old.read(item.filename)
                new.writestr(item, data[:50] if item.filename == "schema.json" else data)
        match = "not a skops archive"
    with pytest.raises(io.ReservoirFileError, match=match):
        io.load(bad)


#: Set when a crafted file manages to run the code of the type it names.
EXECUTED = []


class Exploit:
    """Runs code when built from a file (a stand-in for any dangerous type)."""

    def __setstate__(self, state):
        EXECUTED.append(state)


def test_a_crafted_file_naming_an_untrusted_type_is_refused_without_executing_it(tmp_path):
    _, path = _saved(tmp_path)
    # 1. The payload itself names an untrusted class, in place of the reservoir's ESN.
    crafted = tmp_path / "crafted.skops"

    def swap_reservoir(schema):
        node = schema["content"]["estimator"]["content"]["content"]["reservoir_"]
        assert node["__class__"] == "ESN"
        node["__module__"], node["__class__"] = __name__, "Exploit"
        return schema

    _rewrite_schema(path, crafted, swap_reservoir)
    with pytest.raises(io.UntrustedTypeError, match=r"test_io\.Exploit.*Nothing from the file"):
        io.load(crafted)
    assert EXECUTED == []
    # The exploit is real: trusting the type would have run it.
    io.load(crafted, trusted=[f"{__name__}.Exploit"])
    assert len(EXECUTED) == 1
    EXECUTED.clear()

    # 2. A function (os.system) smuggled in as a parameter value.
    smuggled = tmp_path / "smuggled.skops"

    def add_function(schema):
        content = schema["content"]["estimator"]["content"]["content"]
        content["washout"] = {"__class__": "system", "__module__": "os",
                              "__loader__": "FunctionNode", "__id__": 1}
        return schema

    _rewrite_schema(path, smuggled, add_function)
    with pytest.raises(io.UntrustedTypeError, match="os.system"):
        io.load(smuggled)


def test_third_party_types_must_be_listed_by_the_user(tmp_path):
    class_name = f"{__name__}.Exploit"
    model = ReservoirRegressor(ESN(n_units=10, random_state=0), readout=Ridge()).fit(U, Y)
    model.readout_.extra_ = Exploit()  # a readout holding a foreign object
    path = tmp_path / "foreign.skops"
    with pytest.warns(UserWarning, match=r"does not trust by default.*Exploit"):
        io.save(model, path)
    with pytest.raises(io.UntrustedTypeError, match="Exploit"):
        io.load(path)
    assert EXECUTED == []
    loaded = io.load(path, trusted=[class_name])
    np.testing.assert_array_equal(loaded.predict(U), model.predict(U))
    EXECUTED.clear()


def test_save_refuses_non_estimators_and_pandas_data(tmp_path):
    with pytest.raises(TypeError, match="estimator"):
        io.save({"W": np.eye(2)}, tmp_path / "dict.skops")
    model = PersistenceForecaster().fit(SERIES)
    model.data_ = pd.Series(SERIES)
    with pytest.raises(TypeError, match=r"estimator\.data_ is a pandas Series"):
        io.save(model, tmp_path / "series.skops")


def test_save_writes_to_file_objects_and_leaves_no_partial_file(tmp_path):
    model, _ = _case("ReservoirRegressor")
    buffer = bytes_io.BytesIO()
    io.save(model, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(io.load(buffer).predict(U), model.predict(U))
    model.readout_.extra_ = (step for step in range(3))  # cannot be saved
    target = tmp_path / "model.skops"
    with pytest.raises(TypeError, match="generator"):
        io.save(model, target)
    assert list(tmp_path.iterdir()) == []


def test_without_skops_save_and_load_raise_an_import_error_with_the_install_hint(
        monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "skops", None)
    monkeypatch.setitem(sys.modules, "skops.io", None)
    for call in (lambda: io.save(ESN(), tmp_path / "x.skops"),
                 lambda: io.load(tmp_path / "x.skops")):
        with pytest.raises(ImportError, match=r'pip install "reservoir-rc\[io\]"'):
            call()


# -- small files ----------------------------------------------------------------------------
def _coefficient_bytes(model):
    W = model.reservoir_.W_
    sparse_bytes = W.data.nbytes + W.indices.nbytes + W.indptr.nbytes
    return sparse_bytes + model.reservoir_.W_in_.nbytes + np.asarray(model.readout_.coef_).nbytes


def test_a_2000_unit_regressor_saves_to_at_most_twice_its_weights(tmp_path):
    u = _sine(300)
    y = np.roll(u, 2)
    # The Cholesky solve keeps the test fast; the saved size does not depend on the solver.
    model = ReservoirRegressor(
        ESN(n_units=2000, random_state=0),
        readout=RidgeReadout(alpha=1e-6, solver="cholesky", keep_statistics=False),
        washout=20).fit(u, y)
    expected = model.predict(u)
    weights = _coefficient_bytes(model)
    pickled = pickle.dumps(model)
    path = tmp_path / "small.skops"
    io.save(model, path)
    assert len(pickled) <= 2 * weights
    assert path.stat().st_size <= 2 * weights
    np.testing.assert_array_equal(pickle.loads(pickled).predict(u), expected)
    np.testing.assert_array_equal(io.load(path).predict(u), expected)
    # Keeping the statistics keeps the (N + 2)^2 factor: about 32 MB.
    keeping = clone(model).set_params(readout__keep_statistics=True).fit(u, y)
    assert len(pickle.dumps(keeping)) > 8 * 2002**2


def test_pickles_carry_no_loop_matrix_or_solution_cache():
    esn = ESN(n_units=200, connectivity=0.5, random_state=0).fit(U)
    before = len(pickle.dumps(esn))
    esn.transform(U)
    esn.transform(np.stack([U, U]))  # dense copies for one series and for a batch
    assert esn._loop_matrices[1]
    assert len(pickle.dumps(esn)) < before + 2 * U.nbytes + 20 * 200  # + final_state_
    readout = RidgeReadout().fit(U, Y)
    size = len(pickle.dumps(readout))
    readout.solve_path(np.logspace(-6, 0, 5))
    readout.set_params(alpha=0.1).predict(U)
    assert readout._memo
    assert len(pickle.dumps(readout)) == size
    assert not pickle.loads(pickle.dumps(readout))._memo


# -- RidgeReadout(keep_statistics=False), the default -----------------------------------------
def _pickled(readout):
    return pickle.loads(pickle.dumps(readout))


def test_keep_statistics_false_saves_the_same_solution_without_the_factor():
    kept = RidgeReadout(alpha=1e-3, keep_statistics=True).fit(U, Y)
    live = RidgeReadout(alpha=1e-3).fit(U, Y)
    assert hasattr(live, "scatter_factor_")  # in memory the statistics stay
    dropped = _pickled(live)
    assert not hasattr(dropped, "scatter_factor_") and hasattr(live, "scatter_factor_")
    np.testing.assert_array_equal(dropped.coef_, kept.coef_)
    assert dropped.intercept_ == kept.intercept_
    np.testing.assert_array_equal(dropped.predict(U), kept.predict(U))
    assert dropped.n_samples_seen_ == len(U) and dropped.X_mean_.shape == (2,)
    assert hasattr(_pickled(kept), "scatter_factor_")


def test_in_memory_readout_keeps_going_after_solving():
    readout = RidgeReadout(alpha=1e-3)
    for block in np.array_split(np.arange(len(U)), 3):
        readout.partial_fit(U[block], Y[block])
    expected = RidgeReadout(alpha=1e-3).fit(U, Y).coef_
    np.testing.assert_allclose(readout.coef_, expected, rtol=1e-10)
    readout.set_params(alpha=0.5).predict(U)  # re-solved, as the tuner does
    readout.partial_fit(U, Y)
    readout.solve_path([1e-3, 1e-2])
    copied = (readout + RidgeReadout().fit(U, Y))  # in-memory copies keep the statistics
    assert hasattr(copied, "scatter_factor_")


@pytest.mark.parametrize("action", [
    lambda r: r.partial_fit(U, Y),
    lambda r: r.merge(RidgeReadout().fit(U, Y)),
    lambda r: RidgeReadout().fit(U, Y).merge(r),
    lambda r: r + RidgeReadout().fit(U, Y),
    lambda r: r.solve_path([1e-3, 1e-2]),
    lambda r: r.set_params(alpha=0.5).predict(U),
    lambda r: r.set_params(fit_intercept=False).coef_,
    lambda r: r.X_scatter_,
], ids=["partial_fit", "merge", "merge-into", "add", "solve_path", "set_alpha",
        "set_fit_intercept", "X_scatter_"])
def test_loaded_readout_without_statistics_refuses_to_go_on_with_a_clear_error(action):
    readout = _pickled(RidgeReadout(alpha=1e-3).fit(U, Y))
    with pytest.raises(ValueError, match="keep_statistics=False.*set keep_statistics=True"):
        action(readout)


def test_loaded_readout_refit_restores_everything():
    readout = RidgeReadout(alpha=1e-3).partial_fit(U, Y)
    loaded = _pickled(readout)
    assert not hasattr(loaded, "scatter_factor_")
    np.testing.assert_array_equal(loaded.predict(U), readout.predict(U))
    refit = loaded.fit(U, Y)
    assert hasattr(refit, "scatter_factor_")
    refit.partial_fit(U, Y)
    refit.solve_path([0.1])


def test_keep_statistics_must_be_a_boolean():
    with pytest.raises(ValueError, match="keep_statistics must be True or False"):
        RidgeReadout(keep_statistics="no").fit(U, Y)
