"""Hand a batch's tasks to an executor in chunks, retry what fails, replace a local pool that dies,
and record a run that keeps failing (so one bad run never takes the batch down)."""
from __future__ import annotations

from concurrent.futures import as_completed
from pathlib import Path

from .executors import InProcess
from .provenance import code_identity
from .results_folder import finished, record_failure
from .runs import Study, Task
from .scenario import ScenarioError
from .worker import CHUNK_RUNS, run_chunk

ATTEMPTS = 3                 # a run that raises is tried this many times, then recorded as failed


def execute(pools, own: bool, study: Study, out: Path, todo: list[Task], total: int, progress: bool) -> None:
    """Run `todo` on executors from `pools()`, in chunks of about CHUNK_RUNS runs.

    A task that raises is tried again, up to ATTEMPTS times, then its runs are recorded in
    DIR/failed/ with the error: one bad run never takes the batch down. When a chunk's worker dies
    (the process killed, a crash), which of its tasks was to blame is unknown, and a local pool
    fails every unfinished chunk with it: those tasks are not charged an attempt but run again one at
    a time, where a death is the running task's own. A broken local pool is replaced.
    """
    from tqdm import tqdm

    path, code = str(study.path.resolve()), code_identity()
    posterior = None if study.posterior is None else str(study.posterior.path)
    size = max(1, CHUNK_RUNS // len(study.policies))
    attempts = {task: 0 for task in todo}
    queue, alone = list(todo), []          # tasks to run in chunks; tasks to run one at a time
    with tqdm(total=total, initial=total - sum(len(t.labels) for t in todo), unit="run",
              disable=not progress, desc=study.name, smoothing=0.05) as bar:

        def settle(task: Task, error: str | None, again: list) -> None:
            if error is not None:
                attempts[task] += 1
                if attempts[task] < ATTEMPTS:
                    again.append(task)
                    return
                shards = finished(out)
                for label in task.labels:
                    if task.run(label).run_id not in shards:
                        record_failure(out, task.run(label), error, attempts[task])
            bar.update(len(task.labels))

        def outcome(future, chunk) -> list[str | None] | None:
            """Per task None or its error; None as a whole if the worker died under the chunk."""
            try:
                return future.result()
            except ScenarioError:
                raise                            # the study changed under us: stop, finished shards stay
            except Exception:                    # noqa: BLE001 - a dead worker, a broken pool, a lost task
                return None

        pool = pools()
        try:
            while queue or alone:
                died = False
                if queue:
                    chunks = [tuple(queue[i:i + size]) for i in range(0, len(queue), size)]
                    queue, futures = [], {}
                    for chunk in chunks:
                        try:
                            future = pool.submit(run_chunk, path, study.fingerprint, code, chunk, str(out), posterior)
                        except Exception:        # noqa: BLE001 - the pool broke while we were submitting
                            if not own:
                                raise            # the caller's executor: not ours to replace
                            died = True
                            break
                        futures[future] = chunk
                        if isinstance(pool, InProcess):
                            break                # it ran already: settle it (and the bar) before the next
                    # Chunks not yet submitted (in process, one at a time) wait for the next round.
                    queue = [t for chunk in chunks[len(futures):] for t in chunk]
                    for future in as_completed(futures):
                        chunk = futures[future]
                        errors = outcome(future, chunk)
                        if errors is None:
                            died = True
                            alone.extend(chunk)
                            continue
                        for task, error in zip(chunk, errors, strict=True):
                            settle(task, error, queue)
                else:
                    task = alone.pop(0)
                    try:
                        future = pool.submit(run_chunk, path, study.fingerprint, code, (task,), str(out), posterior)
                    except Exception:            # noqa: BLE001 - broken before it ran: not its fault
                        if not own:
                            raise
                        alone.insert(0, task)
                        future = None
                    errors = None if future is None else outcome(future, (task,))
                    died = errors is None
                    if future is not None:
                        settle(task, "the worker running it died (killed, or crashed)" if died else errors[0], alone)
                if died and own:
                    pool.shutdown(cancel_futures=True)
                    pool = pools()
        finally:
            if own:
                pool.shutdown(cancel_futures=True)
