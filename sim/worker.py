"""The worker side of a batch: simulate one replication's runs (forking the policies from the shared
`hold` days) and write each finished run as its own shard. Picklable entry points for any executor.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc

from .experiment import BASELINE
from .model import KurskModel
from .output import atomic_write, timeseries_table
from .policy import make_policy
from .posterior import load_posterior
from .provenance import code_identity
from .results_folder import SHARDS
from .runs import Run, Study, Task, run_scenario, run_seed, summary_row
from .scenario import ScenarioError
from .sweep import load_study

_STUDIES: dict[tuple[str, str], Study] = {}


def _study(path: str, fingerprint: str, code: str, posterior: str | None = None) -> Study:
    """The experiment or sweep (with the posterior its replications draw from), loaded once per
    worker process; refuses one whose file, scenario or posterior changed under the batch, or a
    worker running other model code than the driver."""
    key = (path, fingerprint)
    if key not in _STUDIES:
        study = load_study(path)
        if posterior is not None:
            study = study.with_posterior(load_posterior(posterior))
        if study.fingerprint != fingerprint:
            raise ScenarioError(path, "<file>", "it or its scenario changed while the batch was running; "
                                "run it again with --resume")
        if code_identity() != code:
            raise ScenarioError(path, "<code>", f"a worker runs model code {code_identity()}, the driver {code}")
        _STUDIES[key] = study
    return _STUDIES[key]


FORK_MIN_DAYS = 20   # a fork (~4 ms) costs about what 20 simulated days do: shorter prefixes are re-run


def run_replication(path: str, fingerprint: str, code: str, task: Task, out: str,
                    posterior: str | None = None) -> list[str]:
    """Simulate the runs of one replication (at one design point) and write their shards; returns
    their run ids. Picklable, for any executor, and idempotent: run twice (a cluster may), it
    writes the same shards twice.

    Under common random numbers a policy's run is the `hold` run of the same seed up to the day
    the policy first gives other orders (Policy.diverges_on). Those days are simulated once: the
    `hold` run goes first and each such policy forks from it on the eve of its divergence
    (KurskModel.fork). The results are those of separate runs, byte for byte (tests/test_batch.py).
    """
    study = _study(path, fingerprint, code, posterior)
    seed = run_seed(study, task.replication)
    rep = task.replication
    forks: dict[dt.date, list[str]] = {}
    alone = []
    for label in task.labels:
        if label != BASELINE:
            date = _fork_date(study, label, task.point)
            (forks.setdefault(date, []) if date else alone).append(label)
    written = []
    if BASELINE in task.labels or forks:
        hold = KurskModel(run_scenario(study, BASELINE, task.point, rep), study.policy(BASELINE).name, seed)
        twins = []
        for date in sorted(forks):
            hold.run(until=date)
            twins += [(label, hold.fork(run_scenario(study, label, task.point, rep), study.policy(label).name))
                      for label in forks[date]]
        hold.run()
        if BASELINE in task.labels:
            written.append(_write_shard(study, task.run(BASELINE), hold, out))
        for label, twin in twins:
            written.append(_write_shard(study, task.run(label), twin.run(), out))
    for label in alone:
        model = KurskModel(run_scenario(study, label, task.point, rep), study.policy(label).name, seed).run()
        written.append(_write_shard(study, task.run(label), model, out))
    return written


_FORK_DATES: dict[tuple, dt.date | None] = {}


def _fork_date(study: Study, label: str, point: int | None) -> dt.date | None:
    """The date on whose eve `label` can fork from the hold run, or None if it must run alone: its
    scenario differs from hold's in more than its own policy parameters, or it diverges too early
    for a fork to pay."""
    key = (study.fingerprint, label, point)
    if key not in _FORK_DATES:
        base, scenario = study.scenario(BASELINE, point), study.scenario(label, point)
        policy = make_policy(study.policy(label).name, scenario.params)
        date = policy.diverges_on()
        own = set(policy.parameters)
        exact = (date is not None and make_policy(study.policy(BASELINE).name, base.params).diverges_on() is None
                 and replace(scenario, params=base.params) == base
                 and all(v == getattr(base.params, k) for k, v in scenario.params.as_dict().items() if k not in own))
        _FORK_DATES[key] = date if exact and (date - base.start).days >= FORK_MIN_DAYS else None
    return _FORK_DATES[key]


def run_table(run: Run, records: list[tuple], columns: tuple[str, ...]) -> pa.Table:
    """A run's daily rows as stored: who the run is, then the daily record."""
    table = timeseries_table(records, columns)
    n = table.num_rows
    table = table.add_column(0, "replication", pa.array([run.replication] * n, pa.int32()))
    table = table.add_column(0, "policy", pa.array([run.label] * n, pa.string()))
    if run.point is not None:
        table = table.add_column(0, "point", pa.array([run.point] * n, pa.int32()))
    return table.add_column(0, "run_id", pa.array([run.run_id] * n, pa.string()))


def _write_shard(study: Study, run: Run, model: KurskModel, out: str) -> str:
    row = summary_row(study, run, model)
    table = run_table(run, model.records, model.columns).replace_schema_metadata({"summary": json.dumps(row)})
    shard = Path(out) / SHARDS / f"{run.run_id}.arrow"

    def write(tmp):
        with ipc.new_file(tmp, table.schema) as writer:
            writer.write_table(table)
    atomic_write(shard, write)
    return run.run_id


CHUNK_RUNS = 16     # runs per submitted task: ~0.7 s of work, so a cluster's scheduler (~8 ms a
                    # task on this machine) costs ~1%, and the last chunk leaves a short tail


def run_chunk(path: str, fingerprint: str, code: str, tasks: tuple[Task, ...], out: str,
              posterior: str | None = None) -> list[str | None]:
    """Run `tasks` one after another in one submitted task; per task None, or the error it raised
    (so one failing replication does not cost its neighbours in the chunk their results)."""
    errors = []
    for task in tasks:
        try:
            run_replication(path, fingerprint, code, task, out, posterior)
            errors.append(None)
        except ScenarioError:
            raise                                # the study changed under the batch: stop
        except Exception as exc:                 # noqa: BLE001 - reported to the driver, which retries
            errors.append(f"{type(exc).__name__}: {exc}")
    return errors
