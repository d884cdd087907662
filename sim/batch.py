"""Monte Carlo batches and sweeps: every policy over the same replications (at every design point), resumable.

A run is identified by (design point, policy label, replication); a batch is a sweep of one point.
Its seed is SeedSequence(seed, spawn_key=(rep,)): neither the policy nor the point is part of it, so
every policy of a replication faces the same luck (common random numbers), and no seed depends on
which worker ran it or when. A task runs one replication's policies together and simulates the
days they share once (run_replication). Each finished run is written at once as its own shard
(Arrow IPC, through a temporary file and a rename), so a batch killed at any moment loses no
finished run; `--resume` runs what is missing, and a run that keeps failing is recorded in
DIR/failed/ with its error. The shards are then compacted, in (point, policy, replication) order, into

    DIR/timeseries.parquet   one row per run and day
    DIR/summary.parquet      one row per run: identity, seed, policy parameters, final metrics
    DIR/manifest.json        experiment file and hash, root seed, versions, git revision, wall time

The executor is any concurrent.futures.Executor: by default a local process pool; a Dask cluster's
for `--scheduler` (sim.executors).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import time
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from .executors import InProcess, local_pool
from .experiment import BASELINE, Experiment
from .model import KurskModel, record_columns
from .output import atomic_write, timeseries_table
from .policy import make_policy
from .posterior import REPEATS, load_posterior
from .scenario import ScenarioError
from .sweep import Sweep, load_study

SHARDS = "shards"
FAILED = "failed"
ROW_GROUP_RUNS = 64          # runs per parquet row group: bounded memory, few row groups
IDENTITY = "experiment.json"
ATTEMPTS = 3                 # a run that raises is tried this many times, then recorded as failed

Study = Experiment | Sweep   # a batch is a sweep of one point


@dataclass(frozen=True)
class Run:
    label: str
    replication: int
    point: int | None = None     # design point of a sweep; None in a batch

    @property
    def run_id(self) -> str:
        run = f"{self.label}__r{self.replication:06d}"
        return run if self.point is None else f"p{self.point:04d}__{run}"


@dataclass(frozen=True)
class Task:
    """The runs of one replication at one design point, simulated together."""
    point: int | None
    replication: int
    labels: tuple[str, ...]

    def run(self, label: str) -> Run:
        return Run(label, self.replication, self.point)


def run_seed(study: Study, replication: int) -> np.random.SeedSequence:
    """The seed of every run of `replication`, whatever its policy or design point (common random
    numbers)."""
    return np.random.SeedSequence(study.seed, spawn_key=(replication,))


def run_identity(study: Study, run: Run, error: str | None = None) -> dict:
    """Who a run is: the first columns of its summary row, finished or failed."""
    spec = study.policy(run.label)
    row = {
        "run_id": run.run_id, "policy": run.label, "policy_name": spec.name,
        "policy_parameters": json.dumps({k: str(v) for k, v in sorted(spec.params.items())}),
        "replication": run.replication, "seed": study.seed,
        "seed_spawn_key": json.dumps([run.replication]),
        **study.identity(run.point), "error": error,
    }
    if study.posterior is not None:
        draw, index, _ = study.posterior.draw(study.seed, run.replication)
        row["posterior_draw"], row["posterior_row"] = draw, index
    return row


def run_scenario(study: Study, label: str, point: int | None, replication: int):
    """The scenario of `label` at `point` for `replication`: the study's, with the replication's
    posterior draw filling in the parameters the study does not set itself (sim.posterior)."""
    scenario = study.scenario(label, point)
    if study.posterior is None:
        return scenario
    _, _, theta = study.posterior.draw(study.seed, replication)
    own = study.settings(label, point)
    return scenario.with_params(**{k: v for k, v in theta.items() if k not in own})


def summary_row(study: Study, run: Run, model: KurskModel) -> dict:
    """One row of summary.parquet: who the run is, and where it ended."""
    records = model.records
    final = model.summary()["final"]
    area = [r[model.columns.index("ua_kursk_area_km2")] for r in records]
    row = run_identity(study, run)
    row.update({k: v for k, v in final.items() if k not in ("day", "date")})
    row["final_date"] = final["date"]
    # Derived: the ground held on average, and the day the salient was lost (None: never).
    row["ua_kursk_area_mean_km2"] = float(np.mean(area))
    row["salient_lost_on"] = model.salient_lost_on.isoformat() if model.salient_lost_on else None
    return row


# --- the worker side -------------------------------------------------------------------------

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


# --- the driver side -------------------------------------------------------------------------

def planned_runs(study: Study, replications: int) -> list[Run]:
    """Every run, point by point and replication by replication (so pairs finish close together)."""
    return [Run(p.label, r, point) for point in study.point_ids for r in range(replications)
            for p in study.policies]


def tasks_of(runs: list[Run]) -> list[Task]:
    """The runs grouped by (point, replication), in order: one task simulates a replication's
    policies together (run_replication)."""
    grouped: dict[tuple, list[str]] = {}
    for r in runs:
        grouped.setdefault((r.point, r.replication), []).append(r.label)
    return [Task(point, rep, tuple(labels)) for (point, rep), labels in grouped.items()]


def held_replications(out: Path) -> int:
    """How many replications the folder's finished or failed runs span (0 if none)."""
    names = [p.stem for p in (out / SHARDS).glob("*.arrow")] + [p.stem for p in (out / FAILED).glob("*.json")]
    return 1 + max((int(n.rsplit("__r", 1)[1]) for n in names), default=-1)


def finished(out: Path) -> set[str]:
    shards = out / SHARDS
    return {p.stem for p in shards.glob("*.arrow")} if shards.is_dir() else set()


def code_identity() -> str:
    """The model code that makes the runs: package version and git revision (with '-dirty' when the
    work tree has changes). Runs made by other code are never mixed into a batch."""
    from . import __version__
    return f"{__version__}+{git_revision() or 'unknown'}"


def claim_folder(study: Study, out: Path, resume: bool) -> None:
    """Make `out` this study's folder, or refuse: nothing is ever silently overwritten."""
    identity_file = out / IDENTITY
    identity = {"name": study.name, "fingerprint": study.fingerprint, "code": code_identity()}
    if out.exists() and not out.is_dir():
        raise ScenarioError(out, "--out", "is a file; give a folder for the results")
    if identity_file.exists():
        try:
            held = json.loads(identity_file.read_text())
        except (OSError, ValueError) as exc:
            raise ScenarioError(identity_file, "<file>", f"unreadable ({exc}); this folder cannot be resumed") from None
        if held.get("fingerprint") != study.fingerprint:
            raise ScenarioError(out, "--out", f"holds results of a different experiment ({held.get('name')!r}); "
                                "choose another folder")
        if held.get("code") != identity["code"]:
            raise ScenarioError(out, "--out", f"holds runs made by other model code ({held.get('code')}, this is "
                                f"{identity['code']}); choose another folder")
        if not resume:
            raise ScenarioError(out, "--out", f"already holds results of {study.name!r}; pass --resume "
                                "to complete them, or choose another folder")
        return
    # Shards of one study may claim the folder at once: another's shards, failures and half-written
    # (hidden) temporary files are no reason to refuse.
    foreign = [p.name for p in out.iterdir() if p.name not in (IDENTITY, SHARDS, FAILED)
               and not p.name.startswith(".")] if out.exists() else []
    if foreign:
        raise ScenarioError(out, "--out", f"is not empty and holds no batch ({foreign[0]}); choose another folder")
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(identity_file, lambda tmp: Path(tmp).write_text(json.dumps(identity, indent=2) + "\n"))


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
        _execute(pools, executor is None, study, out, todo, sum(len(t.labels) for t in mine), progress)
    if shard is not None:
        return None
    if not todo and all((out / name).exists() for name in ("timeseries.parquet", "summary.parquet", "manifest.json")):
        held = json.loads((out / "manifest.json").read_text())
        if held.get("runs") == len(runs) and not held.get("failed"):
            return held                          # finished already: nothing to redo, nothing overwritten
    return compact(study, out, runs, started, workers)


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


def _execute(pools, own: bool, study: Study, out: Path, todo: list[Task], total: int, progress: bool) -> None:
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


def record_failure(out: Path, run: Run, error: str, attempts: int) -> None:
    """Write DIR/failed/<run id>.json: the run, its error and how often it was tried."""
    record = {"run_id": run.run_id, "policy": run.label, "replication": run.replication, "point": run.point,
              "error": error, "attempts": attempts}
    target = out / FAILED / f"{run.run_id}.json"
    target.parent.mkdir(exist_ok=True)
    atomic_write(target, lambda tmp: Path(tmp).write_text(json.dumps(record, indent=2) + "\n"))


def compact(study: Study, out: Path, runs: list[Run], started: float, workers: int | None) -> dict:
    """Merge the shards of `runs` into timeseries.parquet and summary.parquet, in run order, and
    write the manifest. Streams shard by shard: memory does not grow with the number of runs.
    A run that failed has a summary row with its error and no daily rows."""
    shard_dir, failed_dir = out / SHARDS, out / FAILED
    failed = {r.run_id for r in runs if not (shard_dir / f"{r.run_id}.arrow").exists()
              and (failed_dir / f"{r.run_id}.json").exists()}
    missing = [r.run_id for r in runs if not (shard_dir / f"{r.run_id}.arrow").exists() and r.run_id not in failed]
    if missing:
        raise ScenarioError(out, "shards", f"{len(missing)} runs are missing (first {missing[0]}); run with --resume")
    labels = [p.label for p in study.policies]
    order = sorted(runs, key=lambda r: (-1 if r.point is None else r.point, labels.index(r.label), r.replication))
    rows = []

    def write_timeseries(tmp):
        writer, group = None, []
        try:
            for i, run in enumerate(order):
                if run.run_id in failed:
                    record = json.loads((failed_dir / f"{run.run_id}.json").read_text())
                    rows.append(run_identity(study, run, record["error"]))
                else:
                    shard = shard_dir / f"{run.run_id}.arrow"
                    try:
                        table = ipc.open_file(pa.OSFile(str(shard))).read_all()
                    except (OSError, pa.ArrowInvalid) as exc:
                        raise ScenarioError(shard, "<file>", f"unreadable shard ({exc}); delete it and run with "
                                            "--resume") from None
                    rows.append(json.loads(table.schema.metadata[b"summary"]))
                    group.append(table.replace_schema_metadata(None))
                if group and (len(group) == ROW_GROUP_RUNS or i == len(order) - 1):
                    merged = pa.concat_tables(group)
                    if writer is None:
                        writer = pq.ParquetWriter(tmp, merged.schema)
                    writer.write_table(merged)
                    group = []
            if writer is None:                   # every run failed: an empty table, not an empty file
                columns = record_columns(study.scenario(order[0].label, order[0].point))
                writer = pq.ParquetWriter(tmp, run_table(order[0], [], columns).schema)
        finally:
            if writer is not None:
                writer.close()
    atomic_write(out / "timeseries.parquet", write_timeseries)
    columns = list(dict.fromkeys(k for row in rows for k in row))       # failed rows lack the metrics
    summary = pa.Table.from_pylist(rows, schema=_summary_schema(rows, columns))
    atomic_write(out / "summary.parquet", lambda tmp: pq.write_table(summary, tmp))
    manifest = {
        "experiment": study.name, "experiment_file": str(study.path),
        "experiment_sha256": study.sha256, "experiment_text": study.text,
        "fingerprint": study.fingerprint, "root_seed": study.seed,
        "replications": max(r.replication for r in runs) + 1,
        "policies": labels, "runs": len(runs), "failed": sorted(failed),
        "versions": versions(), "git_revision": git_revision(),
        "workers": workers, "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "wall_time_s": round(time.time() - started, 3),
    }
    if study.posterior is not None:
        manifest["posterior"] = {"file": str(study.posterior.path), "sha256": study.posterior.sha256,
                                 "parameters": list(study.posterior.names), "replications_per_draw": REPEATS}
    if isinstance(study, Sweep):
        manifest["design"] = {"kind": study.kind, "seed": study.design_seed,
                              "factors": [f.name for f in study.factors],
                              "points": [study.identity(i) for i in study.point_ids]}
    atomic_write(out / "manifest.json",
                 lambda tmp: Path(tmp).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n"))
    return manifest


def _summary_schema(rows: list[dict], columns: list[str]) -> pa.Schema:
    """Each column's type from its values (a failed run's row has nulls; all-null columns are text)."""
    fields = []
    for name in columns:
        kind = pa.array([row.get(name) for row in rows]).type
        fields.append(pa.field(name, pa.string() if kind == pa.null() else kind))
    return pa.schema(fields)


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for package in ("kursk-sim", "mesa", "numpy", "networkx", "pyarrow", "scipy", "matplotlib"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = None
    return out


def git_revision() -> str | None:
    """The git revision of the code that ran, if it runs from a git checkout."""
    try:
        here = Path(__file__).resolve().parent
        rev = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5)
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    if rev.returncode != 0:
        return None
    return rev.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
