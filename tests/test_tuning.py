"""Tests of reservoir.model_selection.tune and reservoir.search_spaces."""

import contextvars
import sys
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import Ridge, RidgeClassifier
from sklearn.model_selection import TimeSeriesSplit

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
from reservoir.datasets import mackey_glass, memory_task, narma, template_classification
from reservoir.metrics import nrmse, rmse
from reservoir.model_selection import DEFAULT_ALPHAS, TuneResult, tune

optuna = pytest.importorskip("optuna")

from reservoir import search_spaces  # noqa: E402 - after the optional-dependency skip

FIXED_ESN = {  # a one-point search space: tune then only chooses alpha
    "include_input": [True],
    "reservoir__spectral_radius": [0.9],
    "reservoir__leak_rate": [0.5],
}
STATES = {"complete", "pruned", "failed"}


@pytest.fixture(scope="module")
def narma_data():
    return narma(700, order=5, random_state=0)


@pytest.fixture(scope="module")
def mg():
    y = mackey_glass(700, random_state=0)
    return 2 * (y - y.min()) / (y.max() - y.min()) - 1


def small_regressor(**esn):
    return ReservoirRegressor(ESN(n_units=20, random_state=0, **esn), washout=30)


def small_forecaster(**esn):
    return ReservoirForecaster(ESN(n_units=20, random_state=0, **esn), washout=30)


def quiet_tune(*args, **kwargs):
    kwargs.setdefault("progress", False)
    return tune(*args, **kwargs)


class OddTrialPruner(optuna.pruners.BasePruner):
    """Prunes every odd-numbered trial at its first report."""

    def prune(self, study, trial):
        return trial.number % 2 == 1


# --- finding known optima -----------------------------------------------------------------------
def test_tune_finds_the_linear_ring_on_a_long_memory_task():
    # Recalling u[t - 25] with 30 units: a linear ring of radius ~1 holds the last 30 inputs
    # (test NRMSE ~1e-3); tanh or non-ring reservoirs of that size cannot (NRMSE >= 0.3).
    u, Y = memory_task(1500, max_delay=25, random_state=0)
    model = ReservoirRegressor(ESN(n_units=30), washout=50)
    # a search from scratch (the default ESN is a tanh random reservoir, far from the answer)
    result = quiet_tune(model, Y[:, 24], u, n_trials=30, random_state=0,
                        start_from_estimator=False)
    assert result.best_params_["reservoir__activation"] == "identity"
    assert result.best_params_["reservoir__topology"] == "ring"
    assert result.best_score_ < 0.05
    assert result.best_estimator_.reservoir.topology == "ring"
    fresh = clone(model).set_params(readout=RidgeReadout(), reservoir__random_state=0,
                                    **result.best_params_)
    prediction = fresh.fit(u[:1200], Y[:1200, 24]).predict(u)
    assert nrmse(Y[1200:, 24], prediction[1200:]) < 0.05


def test_tune_finds_the_leak_rate_of_a_slow_target():
    # The target is a leaky integral of the input with leak rate 0.1: a linear one-unit
    # reservoir with that leak rate reproduces it exactly.
    rng = np.random.default_rng(0)
    u = rng.uniform(-1, 1, 1000)
    y = np.zeros_like(u)
    for t in range(1, len(u)):
        y[t] = 0.9 * y[t - 1] + 0.1 * u[t]

    def space(trial):
        return {"reservoir__leak_rate": trial.suggest_float("leak_rate", 0.01, 1.0, log=True)}

    model = ReservoirRegressor(ESN(n_units=1, activation="identity", spectral_radius=0.0,
                                   input_scaling=1.0, random_state=0),
                               washout=50, include_input=False)
    result = quiet_tune(model, y, u, n_trials=40, search_space=space, random_state=0)
    assert result.best_params_["reservoir__leak_rate"] == pytest.approx(0.1, rel=0.15)
    assert result.best_score_ < 0.02


# --- result and trials table --------------------------------------------------------------------
def test_trials_table_has_one_row_per_trial_with_parameters_score_state_duration(narma_data):
    u, y = narma_data
    result = quiet_tune(small_regressor(), y, u, n_trials=6, random_state=0)
    assert isinstance(result, TuneResult)
    table = result.trials_
    assert len(table) == 6
    assert table["number"].tolist() == list(range(6))
    for column in ["include_input", "reservoir__spectral_radius", "reservoir__leak_rate",
                   "reservoir__input_scaling", "reservoir__bias_scaling",
                   "reservoir__topology", "reservoir__activation", "readout__alpha",
                   "score", "state", "duration", "error"]:
        assert column in table.columns
    assert table.columns[-4:].tolist() == ["score", "state", "duration", "error"]
    assert set(table["state"]) <= STATES
    complete = table[table["state"] == "complete"]
    assert np.all(np.isfinite(complete["score"])) and np.all(table["duration"] > 0)
    assert complete["readout__alpha"].isin(DEFAULT_ALPHAS).all()
    best = table.loc[table["score"].idxmin()]
    assert result.best_score_ == pytest.approx(best["score"])
    for name, value in result.best_params_.items():
        assert best[name] == value
    assert result.direction == "minimize" and result.metric_name == "nrmse"
    assert len(result.study_.trials) == 6
    assert "best_score_" in repr(result)


def test_best_estimator_is_refitted_with_the_best_parameters(narma_data):
    u, y = narma_data
    result = quiet_tune(small_regressor(), y, u, n_trials=4, random_state=0)
    best = result.best_estimator_
    assert hasattr(best, "readout_")
    params = best.get_params()
    for name, value in result.best_params_.items():
        assert params[name] == value
    expected = clone(best).fit(u, y).predict(u)
    np.testing.assert_allclose(best.predict(u), expected)
    assert quiet_tune(small_regressor(), y, u, n_trials=2, random_state=0,
                      refit=False).best_estimator_ is None


def test_default_reservoir_none_is_built_and_the_estimator_is_untouched(narma_data):
    u, y = narma_data
    model = ReservoirRegressor(washout=30, random_state=3)
    result = quiet_tune(model, y, u, n_trials=2, random_state=0,
                        search_space={"reservoir__n_units": [15]})
    assert model.reservoir is None and model.readout is None
    assert isinstance(result.best_estimator_.reservoir, ESN)
    assert result.best_estimator_.reservoir.n_units == 15
    assert result.best_estimator_.reservoir.random_state == 3  # the estimator's seed is kept


# --- the free ridge penalty ---------------------------------------------------------------------
def test_regressor_alpha_from_the_path_is_the_brute_force_best(narma_data):
    u, y = narma_data
    alphas = [1e-10, 1e-6, 1e-3, 1e-1, 10.0]
    model = small_regressor()
    result = quiet_tune(model, y, u, n_trials=1, search_space=FIXED_ESN, alphas=alphas,
                        validation=0.25)
    split = 525
    errors = []
    for alpha in alphas:
        refit = clone(model).set_params(readout=RidgeReadout(alpha=alpha), **{
            k: v[0] for k, v in FIXED_ESN.items()}).fit(u[:split], y[:split])
        errors.append(nrmse(y[split:], refit.predict(u)[split:]))
    assert result.best_params_["readout__alpha"] == alphas[int(np.argmin(errors))]
    assert result.best_score_ == pytest.approx(min(errors), rel=1e-6)


def test_regressor_alpha_is_the_best_mean_over_folds(narma_data):
    u, y = narma_data
    alphas = [1e-8, 1e-2, 1.0]
    model = small_regressor()
    result = quiet_tune(model, y, u, n_trials=1, search_space=FIXED_ESN, alphas=alphas,
                        validation=200, cv=2)
    errors = np.zeros((2, len(alphas)))
    for k, (split, stop) in enumerate([(500, 600), (600, 700)]):
        for a, alpha in enumerate(alphas):
            refit = clone(model).set_params(readout=RidgeReadout(alpha=alpha), **{
                key: v[0] for key, v in FIXED_ESN.items()}).fit(u[:split], y[:split])
            errors[k, a] = nrmse(y[split:stop], refit.predict(u[:stop])[split:])
    best = int(np.argmin(errors.mean(axis=0)))
    assert result.best_params_["readout__alpha"] == alphas[best]
    assert result.best_score_ == pytest.approx(errors.mean(axis=0)[best], rel=1e-6)


def test_forecaster_alpha_is_the_brute_force_best_closed_loop_forecast(mg):
    alphas = [1e-10, 1e-6, 1e-2]
    model = small_forecaster()
    result = quiet_tune(model, mg, n_trials=1, search_space=FIXED_ESN, alphas=alphas,
                        horizon=30, cv=2, scoring="rmse")
    errors = np.zeros((2, len(alphas)))
    for k, origin in enumerate([640, 670]):
        for a, alpha in enumerate(alphas):
            refit = clone(model).set_params(readout=RidgeReadout(alpha=alpha), **{
                key: v[0] for key, v in FIXED_ESN.items()}).fit(mg[:origin])
            errors[k, a] = rmse(mg[origin:origin + 30], refit.predict(30))
    best = int(np.argmin(errors.mean(axis=0)))
    assert result.best_params_["readout__alpha"] == alphas[best]
    assert result.best_score_ == pytest.approx(errors.mean(axis=0)[best], rel=1e-6)


def test_forecaster_default_score_is_nrmse_over_the_series_std(mg):
    model = small_forecaster()
    result = quiet_tune(model, mg, n_trials=1, search_space=FIXED_ESN, alphas=[1e-8])
    horizon = 70  # min(100, 700 // 10)
    refit = clone(model).set_params(readout=RidgeReadout(alpha=1e-8), **{
        key: v[0] for key, v in FIXED_ESN.items()}).fit(mg[:-horizon])
    error = rmse(mg[-horizon:], refit.predict(horizon)) / np.std(mg)
    assert result.best_score_ == pytest.approx(error, rel=1e-6)


def test_sampled_alpha_turns_the_path_off(narma_data):
    u, y = narma_data
    space = {**FIXED_ESN, "readout__alpha": [1e-3]}
    result = quiet_tune(small_regressor(), y, u, n_trials=1, search_space=space)
    assert result.best_params_["readout__alpha"] == 1e-3
    result = quiet_tune(small_regressor(), y, u, n_trials=1, search_space=FIXED_ESN,
                        alphas=None)
    assert "readout__alpha" not in result.best_params_


# --- pruned and failed trials -------------------------------------------------------------------
def test_pruned_trials_are_recorded(narma_data):
    u, y = narma_data
    result = quiet_tune(small_regressor(), y, u, n_trials=4, cv=2, pruner=OddTrialPruner(),
                        random_state=0)
    assert result.trials_["state"].tolist() == ["complete", "pruned"] * 2
    pruned = result.trials_[result.trials_["state"] == "pruned"]
    assert pruned["score"].isna().all()
    assert len(result.study_.trials[1].intermediate_values) == 1  # stopped after fold 0


def test_median_pruner_stops_bad_trials_between_folds(narma_data):
    u, y = narma_data
    space = {"reservoir__spectral_radius": [0.9], "reservoir__input_scaling": [0.5, 1e-9]}
    model = ReservoirRegressor(ESN(n_units=20, random_state=0), washout=30, include_input=False)
    result = quiet_tune(model, y, u, n_trials=14, cv=3, search_space=space, random_state=0)
    table = result.trials_
    assert (table["state"] == "pruned").any()
    assert (table.loc[table["state"] == "pruned", "reservoir__input_scaling"] == 1e-9).all()


def test_failed_trials_are_recorded_and_the_study_goes_on(narma_data):
    u, y = narma_data
    space = {"reservoir__leak_rate": [0.5, -1.0]}
    with pytest.warns(UserWarning, match="trials failed"):
        result = quiet_tune(small_regressor(), y, u, n_trials=8, search_space=space,
                            random_state=0)
    table = result.trials_
    failed = table[table["state"] == "failed"]
    assert len(failed) and (failed["reservoir__leak_rate"] == -1.0).all()
    assert failed["error"].str.contains("leak_rate").all()
    assert failed["score"].isna().all()
    assert (table.loc[table["state"] == "complete", "reservoir__leak_rate"] == 0.5).all()
    assert result.best_params_["reservoir__leak_rate"] == 0.5


def test_non_finite_scores_fail_the_trial(narma_data):
    u, y = narma_data
    # A linear reservoir far above radius 1 explodes: its states overflow to inf.
    space = {"reservoir__activation": ["identity"], "reservoir__spectral_radius": [50.0, 0.5]}
    with pytest.warns(UserWarning, match="trials failed"):
        result = quiet_tune(small_regressor(), y, u, n_trials=6, search_space=space,
                            random_state=1)
    failed = result.trials_[result.trials_["state"] == "failed"]
    assert len(failed) and (failed["reservoir__spectral_radius"] == 50.0).all()


def test_all_trials_failing_raises_with_the_last_error(narma_data):
    u, y = narma_data
    with pytest.raises(RuntimeError, match="All 3 trials failed.*leak_rate") as info:
        quiet_tune(small_regressor(), y, u, n_trials=3,
                   search_space={"reservoir__leak_rate": [-1.0]})
    assert isinstance(info.value.__cause__, ValueError)


# --- reproducibility and parallel trials --------------------------------------------------------
def test_same_random_state_same_study(narma_data):
    u, y = narma_data
    model = ReservoirRegressor(ESN(n_units=20), washout=30)  # unseeded: tune seeds it
    first = quiet_tune(model, y, u, n_trials=6, cv=2, random_state=7)
    second = quiet_tune(model, y, u, n_trials=6, cv=2, random_state=7)
    columns = [c for c in first.trials_.columns if c not in ("duration",)]
    assert first.trials_[columns].equals(second.trials_[columns])
    assert first.best_params_ == second.best_params_
    np.testing.assert_array_equal(first.best_estimator_.predict(u),
                                  second.best_estimator_.predict(u))
    other = quiet_tune(model, y, u, n_trials=6, cv=2, random_state=8)
    assert not first.trials_["reservoir__leak_rate"].equals(other.trials_["reservoir__leak_rate"])


def test_parallel_trials_in_threads(narma_data):
    u, y = narma_data
    result = quiet_tune(small_regressor(), y, u, n_trials=6, n_jobs=2, random_state=0)
    assert len(result.trials_) == 6
    assert (result.trials_["state"] == "complete").sum() >= 1


def test_timeout_stops_the_study(narma_data):
    u, y = narma_data
    result = quiet_tune(small_regressor(), y, u, n_trials=None, timeout=0.5, random_state=0)
    assert len(result.trials_) >= 1


def test_progress_bar_shows_the_best_score(narma_data, capsys):
    u, y = narma_data
    tune(small_regressor(), y, u, n_trials=2, random_state=0, progress=True)
    err = capsys.readouterr().err
    assert "tune" in err and "best=" in err and "2/2" in err


# --- other models -------------------------------------------------------------------------------
def test_classifier_is_tuned_on_accuracy_with_a_free_alpha():
    X, y = template_classification(n_series=60, n_classes=3, length=(30, 40), random_state=0)
    model = ReservoirClassifier(ESN(n_units=20), random_state=0)
    result = quiet_tune(model, y, X, n_trials=4, random_state=0)
    assert result.direction == "maximize" and result.metric_name == "accuracy"
    table = result.trials_
    assert table["score"].between(0, 1).all()
    assert result.best_score_ == table["score"].max()
    assert result.best_params_["readout__alpha"] in DEFAULT_ALPHAS
    assert {"pooling", "include_input"} <= set(result.best_params_)
    readout = result.best_estimator_.readout_
    assert type(readout) is RidgeClassifier and readout.alpha == result.best_params_[
        "readout__alpha"]
    assert result.best_estimator_.score(X, y) > 0.5


def test_classifier_with_cv_folds_and_a_custom_readout():
    from sklearn.linear_model import LogisticRegression

    X, y = template_classification(n_series=40, n_classes=2, length=(30, 40), random_state=1)
    model = ReservoirClassifier(ESN(n_units=15), readout=LogisticRegression(max_iter=200))
    result = quiet_tune(model, y, X, n_trials=2, cv=2, random_state=0,
                        scoring="balanced_accuracy")
    assert "readout__alpha" not in result.best_params_
    assert result.metric_name == "balanced_accuracy"


def test_per_step_classifier_of_one_series_is_split_in_time():
    from reservoir.datasets import event_detection

    x, labels = event_detection(n_steps=800, random_state=0)
    model = ReservoirClassifier(ESN(n_units=20), per_step=True, washout=20)
    result = quiet_tune(model, labels, x, n_trials=2, random_state=0)
    assert "pooling" not in result.best_params_
    assert 0.5 < result.best_score_ <= 1.0
    assert result.best_estimator_.predict(x).shape == labels.shape


def test_deep_esn_lsm_and_bidirectional_reservoirs_are_searched(narma_data):
    u, y = narma_data
    deep = ReservoirRegressor(DeepESN(ESN(n_units=10), n_layers=2, random_state=0), washout=30)
    result = quiet_tune(deep, y[:300], u[:300], n_trials=2, random_state=0)
    # The layer template is searched as an ESN.
    assert {"reservoir__reservoir__leak_rate",
            "reservoir__reservoir__input_scaling"} <= set(result.best_params_)
    # A DeepESN with the default template (reservoir=None) is searched too.
    default = ReservoirRegressor(DeepESN(n_layers=2, random_state=0), washout=30)
    result = quiet_tune(default, y[:300], u[:300], n_trials=1, random_state=0)
    assert "reservoir__reservoir__leak_rate" in result.best_params_
    liquid = ReservoirRegressor(LSM(n_units=20, steps_per_input=2, random_state=0), washout=30)
    result = quiet_tune(liquid, y[:200], u[:200], n_trials=2, random_state=0)
    assert {"reservoir__inhibition_balance", "reservoir__tau_membrane"} <= set(result.best_params_)
    bi = ReservoirRegressor(BidirectionalESN(ESN(n_units=10, random_state=0)), washout=30)
    result = quiet_tune(bi, y[:300], u[:300], n_trials=2, random_state=0)
    assert "reservoir__reservoir__leak_rate" in result.best_params_


def test_trained_rnn_forecaster_is_tuned_and_pruned_between_folds():
    pytest.importorskip("torch")
    from reservoir.baselines import LeakyRNNForecaster

    y = np.sin(np.arange(300) / 6.0)
    model = LeakyRNNForecaster(hidden_size=4, max_epochs=2, batch_size=16, random_state=0)

    def space(trial):
        return {**search_spaces.leaky_rnn_space(trial), "hidden_size": 4}

    result = quiet_tune(model, y, n_trials=3, horizon=10, cv=2, search_space=space,
                        pruner=OddTrialPruner(), random_state=0)
    assert result.trials_["state"].tolist() == ["complete", "pruned", "complete"]
    assert {"learning_rate", "seq_len", "leak_rate"} <= set(result.best_params_)
    assert "readout__alpha" not in result.best_params_
    assert result.best_estimator_.predict(5).shape == (5,)


def test_trained_rnn_reports_epochs_when_the_training_loop_offers_a_hook(monkeypatch):
    # The contract tune expects from reservoir.baselines._torch_training (see _epoch_hook):
    # EPOCH_CALLBACK, a ContextVar holding callback(epoch, train_loss, validation_loss).
    pytest.importorskip("torch")
    from reservoir.baselines import LSTMRegressor, _torch_training

    hook = contextvars.ContextVar("epoch_callback", default=None)
    real_train = _torch_training.train

    def train_with_hook(net, windows, validation, config, seed):
        history = real_train(net, windows, validation, config, seed)
        callback = hook.get()
        for epoch, loss in enumerate(history.validation_curve):
            if callback is not None:
                callback(epoch, history.loss_curve[epoch], loss)
        return history

    monkeypatch.setattr(_torch_training, "EPOCH_CALLBACK", hook, raising=False)
    monkeypatch.setattr(_torch_training, "train", train_with_hook)
    u = np.sin(np.arange(200) / 5.0)
    model = LSTMRegressor(hidden_size=4, max_epochs=3, random_state=0)

    def space(trial):
        return {"learning_rate": trial.suggest_float("learning_rate", 1e-3, 1e-2, log=True)}

    result = quiet_tune(model, np.roll(u, 2), u, n_trials=2, search_space=space,
                        pruner=OddTrialPruner(), random_state=0)
    first, second = result.study_.trials
    assert sorted(first.intermediate_values) == [0, 1, 2]  # one report per epoch
    assert list(second.intermediate_values) == [0]  # pruned at its first epoch
    assert result.trials_["state"].tolist() == ["complete", "pruned"]
    assert hook.get() is None


def test_any_model_with_a_given_search_space(narma_data):
    u, y = narma_data
    result = quiet_tune(Ridge(), y, u[:, None], n_trials=3, random_state=0,
                        search_space={"alpha": optuna.distributions.FloatDistribution(
                            1e-3, 1.0, log=True)})
    assert 1e-3 <= result.best_params_["alpha"] <= 1.0


def test_regressor_with_a_time_series_splitter(narma_data):
    u, y = narma_data
    result = quiet_tune(small_regressor(), y, u, n_trials=2, cv=TimeSeriesSplit(3),
                        random_state=0)
    assert len(result.study_.trials[0].intermediate_values) == 3


def test_custom_metric_and_direction(narma_data):
    u, y = narma_data

    def r2(y_true, y_pred):
        return 1 - np.sum((y_true - y_pred) ** 2) / np.sum((y_true - y_true.mean()) ** 2)

    result = quiet_tune(small_regressor(), y, u, n_trials=3, scoring=r2, direction="maximize",
                        random_state=0)
    assert result.direction == "maximize" and result.metric_name == "r2"
    assert result.best_score_ == result.trials_["score"].max()


# --- search spaces ------------------------------------------------------------------------------
def _sample(estimator, seed=0):
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    return search_spaces.suggest(study.ask(), estimator)


def test_registered_spaces_use_nested_names():
    params = _sample(ReservoirForecaster())
    assert set(params) == {"include_input", "reservoir__spectral_radius", "reservoir__leak_rate",
                           "reservoir__input_scaling", "reservoir__bias_scaling",
                           "reservoir__topology", "reservoir__activation"}
    clone(ReservoirForecaster(ESN())).set_params(**params)  # all settable
    assert set(_sample(ESN())) == {"spectral_radius", "leak_rate", "input_scaling",
                                   "bias_scaling", "topology", "activation"}
    assert set(_sample(ReservoirClassifier(per_step=True))) >= {"include_input"}
    assert "pooling" not in _sample(ReservoirClassifier(per_step=True))


def test_linear_reservoirs_stay_below_radius_one():
    for seed in range(30):
        params = _sample(ESN(), seed)
        if params["activation"] == "identity":
            assert 0.5 <= params["spectral_radius"] < 1.0
        else:
            assert 0.1 <= params["spectral_radius"] <= 1.5


def test_rnn_spaces():
    from reservoir.baselines import GRURegressor, LeakyRNNForecaster, LSTMForecaster

    assert set(_sample(LSTMForecaster())) == {"learning_rate", "hidden_size", "seq_len"}
    assert set(_sample(GRURegressor())) == {"learning_rate", "hidden_size", "seq_len"}
    leaky = _sample(LeakyRNNForecaster())
    assert set(leaky) == {"learning_rate", "hidden_size", "seq_len", "leak_rate"}
    clone(LeakyRNNForecaster()).set_params(**leaky)


def test_register_and_lookup_along_the_mro():
    class MyESN(ESN):
        pass

    assert search_spaces.get_space(MyESN()) is search_spaces.esn_space
    try:
        search_spaces.register(MyESN, lambda trial, prefix="", estimator=None: {
            f"{prefix}leak_rate": 0.3})
        assert _sample(ReservoirRegressor(MyESN())) == {
            "include_input": _sample(ReservoirRegressor(MyESN()))["include_input"],
            "reservoir__leak_rate": 0.3}
    finally:
        del search_spaces.SEARCH_SPACES[MyESN]
    with pytest.raises(TypeError, match="class"):
        search_spaces.register("ESN", search_spaces.esn_space)
    with pytest.raises(ValueError, match="No search space"):
        _sample(Ridge())


# --- errors -------------------------------------------------------------------------------------
@pytest.mark.parametrize("n_trials", [0, -3, 2.5, "10", True])
def test_n_trials_must_be_a_positive_int(narma_data, n_trials):
    u, y = narma_data
    with pytest.raises(ValueError, match="n_trials must be a positive integer"):
        tune(small_regressor(), y, u, n_trials=n_trials)


def test_bad_arguments_raise_clear_errors(narma_data, mg):
    u, y = narma_data
    model = small_regressor()
    cases = [
        (dict(estimator=Ridge()), ValueError, "No search space is registered for Ridge"),
        (dict(n_trials=None), ValueError, "needs a timeout"),
        (dict(timeout=-1), ValueError, "timeout"),
        (dict(n_jobs=0), ValueError, "n_jobs"),
        (dict(direction="up"), ValueError, "direction"),
        (dict(scoring="r3"), ValueError, "scoring must be one of"),
        (dict(scoring=3), TypeError, "scoring"),
        (dict(alphas=[-1.0]), ValueError, "alphas"),
        (dict(alphas="auto"), ValueError, "alphas"),
        (dict(refit="yes"), ValueError, "refit"),
        (dict(X=None), ValueError, "X is required"),
        (dict(horizon=5), ValueError, "horizon applies to forecasters"),
        (dict(cv=0), ValueError, "cv"),
        (dict(validation=2.0), ValueError, "validation"),
        (dict(search_space={"reservoir__nope": [1]}), ValueError, "reservoir__nope"),
        (dict(search_space={"reservoir__leak_rate": 0.5}), TypeError, "distribution"),
        (dict(search_space=[1, 2]), TypeError, "search_space"),
    ]
    for overrides, error, message in cases:
        kwargs = dict(estimator=model, y=y, X=u, n_trials=1, progress=False)
        kwargs.update(overrides)
        with pytest.raises(error, match=message):
            tune(**kwargs)
    forecaster = small_forecaster()
    with pytest.raises(ValueError, match="validation applies to regressors"):
        tune(forecaster, mg, n_trials=1, validation=0.2)
    with pytest.raises(ValueError, match="too few"):
        tune(forecaster, mg[:80], n_trials=1, horizon=30, cv=2)
    with pytest.raises(ValueError, match="cv must be None or an int"):
        tune(forecaster, mg, n_trials=1, cv=TimeSeriesSplit(2))
    with pytest.raises(TypeError, match="must return a dict"):
        tune(model, y, u, n_trials=1, search_space=lambda trial: [1], progress=False)


def test_search_space_for_an_unknown_reservoir_warns(narma_data):
    from sklearn.preprocessing import StandardScaler

    class Scaler(StandardScaler):
        pass

    with pytest.warns(UserWarning, match="No search space is registered for the reservoir"):
        try:
            tune(ReservoirRegressor(reservoir=Scaler()), narma_data[1], narma_data[0],
                 n_trials=1, progress=False)
        except RuntimeError:
            pass  # the scaler is no reservoir: every trial fails, which is fine here


def test_missing_optuna_names_the_extra(monkeypatch, narma_data):
    monkeypatch.setitem(sys.modules, "optuna", None)
    u, y = narma_data
    with pytest.raises(ImportError, match=r"pip install \"reservoir-rc\[tune\]\""):
        tune(small_regressor(), y, u, n_trials=1)


def test_importing_the_tuner_imports_neither_optuna_nor_torch():
    import subprocess

    code = ("import sys, reservoir.model_selection, reservoir.search_spaces; "
            "assert 'optuna' not in sys.modules and 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_tune_silences_trial_warnings_but_restores_filters(narma_data):
    u, y = narma_data
    before = list(warnings.filters)
    level = optuna.logging.get_verbosity()
    quiet_tune(small_regressor(), y, u, n_trials=1, random_state=0)
    assert warnings.filters == before
    assert optuna.logging.get_verbosity() == level


def test_first_trial_is_the_estimators_own_configuration(narma_data):
    u, y = narma_data
    model = ReservoirRegressor(ESN(n_units=20, spectral_radius=0.8, leak_rate=0.7,
                                   input_scaling=0.3, random_state=0), washout=30)
    result = quiet_tune(model, y, u, n_trials=4, random_state=0)
    first = result.trials_.iloc[0]
    assert first["reservoir__spectral_radius"] == 0.8 and first["reservoir__leak_rate"] == 0.7
    assert first["reservoir__input_scaling"] == 0.3
    assert first["reservoir__activation"] == "tanh" and first["reservoir__topology"] == "random"
    assert result.best_score_ <= first["score"]
    # values outside the space are left to the sampler rather than forced
    odd = model.set_params(reservoir__leak_rate=5.0)  # not a valid leak rate
    result = quiet_tune(odd, y, u, n_trials=2, random_state=0)
    assert result.trials_.iloc[0]["reservoir__leak_rate"] <= 1.0
    fresh = quiet_tune(model, y, u, n_trials=2, random_state=0, start_from_estimator=False)
    assert fresh.trials_.iloc[0]["reservoir__spectral_radius"] != 0.8
