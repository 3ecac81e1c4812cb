"""Threads: the time loops run BLAS on one thread; ``n_jobs`` splits batches, never the results.

The per-step products are far too small for multi-threaded BLAS (DESIGN.md,
"Performance model"): every loop that runs a BLAS product per step must see
one BLAS thread, whatever the caller's setting, and give it back afterwards.
Each test first raises BLAS to 2 threads (``threadpool_limits``), so that a
loop left at the caller's setting would be seen.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import reservoir.esn as esn_module
import reservoir.lsm as lsm_module
from reservoir import (
    ESN,
    LSM,
    BidirectionalESN,
    DeepESN,
    ReservoirForecaster,
    ReservoirRegressor,
)
from reservoir.esn import one_blas_thread


def blas_threads():
    """Thread counts of the loaded BLAS libraries, as threadpoolctl reports them now."""
    return {info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"}


@pytest.fixture
def two_blas_threads():
    with threadpool_limits(limits=2, user_api="blas"):
        assert blas_threads() == {2}
        yield


@pytest.fixture
def seen_in_products(monkeypatch):
    """BLAS thread counts seen by every per-step product of ESN loops (first step of each)."""
    seen = []
    original = esn_module.product_accumulator

    def recording(W, n_batch):
        add = original(W, n_batch)
        first = [True]

        def add_and_record(x, out, scratch):
            if first[0]:
                first[0] = False
                seen.append(blas_threads())
            add(x, out, scratch)
        return add_and_record

    monkeypatch.setattr(esn_module, "product_accumulator", recording)
    return seen


def _series(n_series, n_steps=30, n_features=1, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n_series, n_steps, n_features))


# --- the switch itself --------------------------------------------------------------------------
def test_one_blas_thread_limits_and_restores(two_blas_threads):
    with one_blas_thread():
        assert blas_threads() == {1}
        with one_blas_thread():  # re-entrant: the inner exit keeps the limit
            assert blas_threads() == {1}
        assert blas_threads() == {1}
    assert blas_threads() == {2}


def test_one_blas_thread_holds_while_any_thread_is_inside(two_blas_threads):
    entered, release, seen = threading.Event(), threading.Event(), []

    def worker():
        with one_blas_thread():
            entered.set()
            release.wait()
            seen.append(blas_threads())

    with one_blas_thread():
        thread = threading.Thread(target=worker)
        thread.start()
        entered.wait()
    # The main thread left first; the worker is still inside: the limit holds.
    assert blas_threads() == {1}
    release.set()
    thread.join()
    assert seen == [{1}]
    # The worker left last. OpenBLAS may ignore a restore asked for by a thread other
    # than the main one; it is then done at the next exit, never forgotten.
    with one_blas_thread():
        pass
    assert blas_threads() == {2}


def test_worker_threads_of_a_batch_leave_the_limit_to_the_caller(two_blas_threads):
    with one_blas_thread():
        thread = threading.Thread(target=lambda: one_blas_thread().__enter__().__exit__())
        thread.start()
        thread.join()
        assert blas_threads() == {1}
    assert blas_threads() == {2}


# --- every loop -------------------------------------------------------------------------------
@pytest.mark.parametrize("connectivity", [None, 0.5])  # CSR and dense batch products
@pytest.mark.parametrize("n_jobs", [1, 2, None])
def test_batched_esn_loop_runs_on_one_blas_thread(two_blas_threads, seen_in_products,
                                                  connectivity, n_jobs):
    U = _series(60)
    esn = ESN(n_units=300, connectivity=connectivity, n_jobs=n_jobs, random_state=0).fit(U)
    esn.transform(U)
    assert seen_in_products and all(seen == {1} for seen in seen_in_products)
    assert blas_threads() == {2}  # given back
    if n_jobs == 2:
        assert len(seen_in_products) == 2  # two threads, each its own loop


def test_single_series_dense_loop_runs_on_one_blas_thread(two_blas_threads, seen_in_products):
    esn = ESN(n_units=60, connectivity=0.5, random_state=0).fit(_series(1)[0])
    assert isinstance(esn.loop_matrix(1), np.ndarray)  # a BLAS product per step
    esn.transform(_series(1)[0])
    assert seen_in_products == [{1}]
    assert blas_threads() == {2}


def test_single_series_sparse_loop_keeps_the_callers_setting(two_blas_threads,
                                                             seen_in_products):
    # Through the CSR kernel a step runs no BLAS product: no thread-count change is paid.
    esn = ESN(n_units=60, random_state=0).fit(_series(1)[0])
    assert not isinstance(esn.loop_matrix(1), np.ndarray)
    esn.transform(_series(1)[0])
    assert seen_in_products == [{2}]


@pytest.mark.parametrize("make", [
    lambda: DeepESN(ESN(n_units=100, connectivity=0.5), n_layers=2, random_state=0),
    lambda: BidirectionalESN(ESN(n_units=100, connectivity=0.5, random_state=0)),
    lambda: DeepESN(ESN(n_units=300), n_layers=2, random_state=0),
], ids=["deep-dense", "bidirectional-dense", "deep-batched"])
def test_composite_loops_run_on_one_blas_thread(two_blas_threads, seen_in_products, make):
    U = _series(40)
    make().fit(U).transform(U)
    assert seen_in_products and all(seen == {1} for seen in seen_in_products)
    assert blas_threads() == {2}


@pytest.mark.parametrize("n_series", [1, 3])
def test_closed_loop_runs_on_one_blas_thread(two_blas_threads, seen_in_products, n_series):
    y = np.sin(0.2 * np.arange(300))
    model = ReservoirForecaster(ESN(n_units=50, random_state=0), washout=20).fit(y)
    seen_in_products.clear()
    contexts = [y[:100 + 10 * k] for k in range(n_series)]
    model.predict(20, context=contexts if n_series > 1 else contexts[0])
    # The warm-up on the contexts comes first (one series through the CSR kernel runs no
    # BLAS product and keeps the setting); the closed loop, last, runs its readout and
    # input projection per step.
    assert seen_in_products[-1] == {1}
    assert blas_threads() == {2}


def test_lsm_loop_runs_on_one_blas_thread(two_blas_threads, monkeypatch):
    seen = []
    original = lsm_module._LIFStepper.step

    def step(self, liquid, total):
        if not seen:
            seen.append(blas_threads())
        return original(self, liquid, total)

    monkeypatch.setattr(lsm_module._LIFStepper, "step", step)
    u = np.sin(0.1 * np.arange(20))
    LSM(n_units=50, random_state=0).fit(u).transform(u)
    assert seen == [{1}]
    assert blas_threads() == {2}


# --- n_jobs -------------------------------------------------------------------------------------
@pytest.mark.parametrize("params", [
    {},                                                  # CSR block product
    {"connectivity": 0.5},                               # dense block product
    {"leak_rate": 0.3, "state_noise": 0.01},             # leak and noise
    {"dtype": "float32"},
])
def test_states_do_not_depend_on_n_jobs(params, monkeypatch):
    monkeypatch.setattr(esn_module, "_available_cores", lambda: 4)
    U = _series(83, n_steps=25, n_features=2)  # 400 x 83 unit-updates: work for 4 threads
    runs = {}
    for n_jobs in (1, 2, None, -1):
        esn = ESN(n_units=400, random_state=0, n_jobs=n_jobs, **params).fit(U)
        with threadpool_limits(limits=3, user_api="blas"):
            runs[n_jobs] = (esn.transform(U, noise=True), esn.final_state_,
                            esn._thread_count(len(U)))
    assert [runs[n][2] for n in (1, 2, None, -1)] == [1, 2, 3, 4]  # the threads really ran
    for n_jobs in (2, None, -1):
        np.testing.assert_array_equal(runs[n_jobs][0], runs[1][0])
        np.testing.assert_array_equal(runs[n_jobs][1], runs[1][1])


def test_default_n_jobs_follows_blas_and_the_cores(monkeypatch):
    esn = ESN(n_units=300)
    monkeypatch.setattr(esn_module, "_available_cores", lambda: 4)
    with threadpool_limits(limits=1, user_api="blas"):   # e.g. OMP_NUM_THREADS=1
        assert esn._thread_count(100) == 1
    with threadpool_limits(limits=2, user_api="blas"):
        assert esn._thread_count(100) == 2
    with threadpool_limits(limits=8, user_api="blas"):
        assert esn._thread_count(100) == 3                # the work limit: 300 x 100 / 8192
        assert ESN(n_units=1000)._thread_count(100) == 4  # the cores
        assert esn._thread_count(10) == 1                 # too little work for a second thread
    monkeypatch.setattr(esn_module, "_available_cores", lambda: 1)
    with threadpool_limits(limits=8, user_api="blas"):
        assert esn._thread_count(100) == 1


def test_regressor_results_do_not_depend_on_n_jobs():
    U = _series(40, n_steps=60)
    y = np.roll(U, 1, axis=1)
    predictions = [
        ReservoirRegressor(ESN(n_units=300, n_jobs=n_jobs, random_state=0), washout=5)
        .fit(U, y).predict(U)
        for n_jobs in (1, 2)
    ]
    np.testing.assert_array_equal(predictions[0], predictions[1])
