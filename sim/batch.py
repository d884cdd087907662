"""Monte Carlo batches and sweeps: every policy over the same replications (at every design point), resumable.

A run is identified by (design point, policy label, replication); a batch is a sweep of one point.
Its seed is SeedSequence(seed, spawn_key=(rep,)): neither the policy nor the point is part of it, so
every policy of a replication faces the same luck (common random numbers), and no seed depends on
which worker ran it or when. A task runs one replication's policies together and simulates the
days they share once (run_replication). Each finished run is written at once as its own shard
(Arrow IPC, through a temporary file and a rename), so a batch killed at any moment loses no
finished run; `--resume` runs what is missing, and a run that keeps failing is recorded in
DIR/failed/ with its error. The shards are then compacted (sim.compaction).

The executor is any concurrent.futures.Executor: by default a local process pool; a Dask cluster's
for `--scheduler` (sim.executors).

The pieces, one concern each: run identities and seeds (sim.runs), the worker and its fork
(sim.worker), chunks and retries (sim.dispatch), the results folder (sim.results_folder),
compaction (sim.compaction) and provenance (sim.provenance).
"""
from __future__ import annotations

import json
import os
import time
from concurrent.futures import Executor
from pathlib import Path

from .compaction import compact
from .dispatch import execute
from .executors import InProcess, local_pool
from .experiment import BASELINE
from .results_folder import claim_folder, finished, held_replications
from .runs import Study, Task, planned_runs, tasks_of


def run_batch(study: Study, out: Path, replications: int | None = None, workers: int | None = None,
              resume: bool = False, executor: Executor | None = None, progress: bool = True,
              shard: tuple[int, int] | None = None, posterior=None) -> dict | None:
    """Run the missing runs of a batch or sweep, then compact. Returns the manifest.

    Parameters
    ----------
    study : the loaded experiment (a batch) or sweep.
    out : results folder (claimed for this study; see claim_folder).
    replications : overrides the study's replications (--runs).
    workers : processes of the default local pool (default: all cores).
    resume : continue a batch whose folder already holds some of its runs.
    executor : any concurrent.futures.Executor to use instead of the local pool (the cluster path).
    progress : show a tqdm bar.
    shard : (i, n): run only the i-th of n slices of the runs (1 <= i <= n), as one task of a job
        array does, and do not compact (returns None); a later call without it compacts.
        Shards of one study share the folder, so a shard never needs --resume.
    posterior : a sim.posterior.Posterior: replication r runs with the parameters of its draw
        (same for every policy and design point); part of the study's fingerprint.
    """
    started = time.time()
    out = Path(out)
    if posterior is not None:
        posterior.check(study.scenario(BASELINE, study.point_ids[0]))
        study = study.with_posterior(posterior)
    claim_folder(study, out, resume or shard is not None)
    # A folder never shrinks: resuming a batch that was run with more replications keeps them all.
    replications = max(replications or study.replications, held_replications(out))
    runs = planned_runs(study, replications)
    tasks = tasks_of(runs)
    mine = tasks if shard is None else tasks[shard[0] - 1::shard[1]]
    done = finished(out)
    todo = [t for t in (Task(t.point, t.replication, tuple(lab for lab in t.labels if t.run(lab).run_id not in done))
                        for t in mine) if t.labels]
    workers = workers or os.cpu_count()
    if todo:
        if executor is not None:
            pools = lambda: executor                                    # noqa: E731 - the caller's, kept
        elif workers == 1:
            pools = InProcess
        else:
            pools = lambda: local_pool(workers)                         # noqa: E731 - a fresh one after a crash
        execute(pools, executor is None, study, out, todo, sum(len(t.labels) for t in mine), progress)
    if shard is not None:
        return None
    if not todo and all((out / name).exists() for name in ("timeseries.parquet", "summary.parquet", "manifest.json")):
        held = json.loads((out / "manifest.json").read_text())
        if held.get("runs") == len(runs) and not held.get("failed"):
            return held                          # finished already: nothing to redo, nothing overwritten
    return compact(study, out, runs, started, workers)
