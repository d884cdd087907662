"""Where runs execute: a local process pool, the driver itself, or a Dask cluster.

Kept free of heavy imports on purpose: the command line starts the pool's fork server from here
before it imports the model, so that the server's import of the model and the driver's own run
side by side on two cores instead of one after the other (bench/batch.md).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager

from .scenario import ScenarioError

PRELOAD = ["sim.batch"]      # what every worker needs, imported once by the fork server


def _forkserver():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def start_forkserver() -> None:
    """Start the fork server now, so it imports the model while the caller does other work.
    Returns at once: the server's import finishes in the background, and the first worker forked
    from it waits for that."""
    _forkserver()
    multiprocessing.forkserver.ensure_running()


def local_pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes forked from a server that has already imported the model: safe in a
    threaded driver (unlike plain fork), and without the import cost per worker of spawn."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=_forkserver())


class InProcess(Executor):
    """Runs each task in the driver when it is submitted: the one-worker batch, no pickling."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:            # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)       # (Ctrl-C is not: it stops the batch at once)
        return future


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ScenarioError("--scheduler", "dask", "needs the cluster extra: pip install -e '.[cluster]'") from None
    return distributed


@contextmanager
def dask_executor(address: str, timeout_s: float | None = None):
    """A concurrent.futures executor whose runs go to the workers of a running Dask scheduler.

    `timeout_s`: how long to try to reach it; by default Dask's own `distributed.comm.timeouts.connect`
    (30 s unless set, e.g. by DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s).

    Dask re-runs the tasks of a worker that dies on the others; runs are idempotent (each writes
    its own shard), so a task run twice does no harm.
    """
    distributed = _distributed()
    if not address.startswith(("tcp://", "tls://", "inproc://", "ws://", "wss://")):
        raise ScenarioError("--scheduler", address, "must be a scheduler address such as tcp://127.0.0.1:8786")
    if timeout_s is None:
        import dask

        timeout_s = dask.utils.parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"))
    try:
        client = distributed.Client(address, timeout=timeout_s)
    except (OSError, TimeoutError) as exc:
        raise ScenarioError("--scheduler", address, f"no Dask scheduler answers there ({exc})") from None
    with client:
        yield client.get_executor(pure=False)


@contextmanager
def jobqueue_executor(cluster: dict):
    """Start the sweep file's [cluster] (a dask_jobqueue SLURM or PBS cluster), scale it to its
    jobs, and give an executor on it; the jobs end with the sweep."""
    from .cluster import jobqueue_cluster

    distributed = _distributed()
    with jobqueue_cluster(cluster) as jobs:
        jobs.scale(jobs=cluster["jobs"])
        with distributed.Client(jobs) as client:
            yield client.get_executor(pure=False)


# Dask's workers sample their own stack every 10 ms for the dashboard; for a pure-Python model that
# sampler competes for the GIL (bench/sweep.md). Off for the workers started here.
QUIET_WORKERS = {"DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False"}
