import os

# Figures are drawn off-screen in tests.
os.environ.setdefault("MPLBACKEND", "Agg")


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def dask_client():
    """A real dask cluster for the whole session: 2 worker processes, 1 thread each.

    Started on first use and shut down at the end of the session; tests that
    need it take ``dask_client`` as an argument. No mocks of dask.
    """
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=50,
                                  worker_class=distributed.Nanny) as cluster, \
            distributed.Client(cluster) as client:
        yield client
