"""Where runs execute: a local process pool, or the driver itself.

Kept free of heavy imports on purpose: the command line starts the pool's fork server from here
before it imports the model, so that the server's import of the model and the driver's own run
side by side on two cores instead of one after the other (bench/batch.md).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
from concurrent.futures import Executor, Future, ProcessPoolExecutor

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
        except BaseException as exc:        # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        return future
