"""Monte Carlo batches: every policy of an experiment over the same replications, resumable.

A run is identified by (policy label, replication). Its seed is SeedSequence(seed, spawn_key=(rep,)):
the policy is not part of it, so every policy of a replication faces the same luck (common random
numbers), and no seed depends on which worker ran it or when. Each finished run is written at once
as its own shard (Arrow IPC, through a temporary file and a rename), so a batch killed at any
moment loses no finished run; `--resume` runs what is missing. The shards are then compacted, in
(policy, replication) order, into

    DIR/timeseries.parquet   one row per run and day
    DIR/summary.parquet      one row per run: identity, seed, policy parameters, final metrics
    DIR/manifest.json        experiment file and hash, root seed, versions, git revision, wall time

The executor is any concurrent.futures.Executor; by default a local process pool.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import time
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from .executors import InProcess, local_pool
from .experiment import Experiment, load_experiment
from .model import COLUMNS, KurskModel
from .output import atomic_write, timeseries_table
from .scenario import ScenarioError

SHARDS = "shards"
ROW_GROUP_RUNS = 64          # runs per parquet row group: bounded memory, few row groups
IDENTITY = "experiment.json"


@dataclass(frozen=True)
class Run:
    label: str
    replication: int

    @property
    def run_id(self) -> str:
        return f"{self.label}__r{self.replication:06d}"


def run_seed(experiment: Experiment, replication: int) -> np.random.SeedSequence:
    """The seed of every run of `replication`, whatever its policy (common random numbers)."""
    return np.random.SeedSequence(experiment.seed, spawn_key=(replication,))


def summary_row(experiment: Experiment, run: Run, model: KurskModel) -> dict:
    """One row of summary.parquet: who the run is, and where it ended."""
    spec = experiment.policy(run.label)
    records = model.records
    final = model.summary()["final"]
    area = [r[COLUMNS.index("ua_kursk_area_km2")] for r in records]
    row = {
        "run_id": run.run_id, "policy": run.label, "policy_name": spec.name,
        "policy_parameters": json.dumps({k: str(v) for k, v in sorted(spec.params.items())}),
        "replication": run.replication, "seed": experiment.seed,
        "seed_spawn_key": json.dumps([run.replication]),
    }
    row.update({k: v for k, v in final.items() if k not in ("day", "date")})
    row["final_date"] = final["date"]
    # Derived: soldiers lost for good (killed, wounded or captured) and the ground held on average.
    row["ua_soldiers_lost"] = final["ua_losses"] + final["ua_captured"]
    row["ua_kursk_area_mean_km2"] = float(np.mean(area))
    return row


# --- the worker side -------------------------------------------------------------------------

_EXPERIMENTS: dict[tuple[str, str], Experiment] = {}


def _experiment(path: str, fingerprint: str, code: str) -> Experiment:
    """The experiment, loaded once per worker process; refuses one whose experiment or scenario file
    changed under the batch, or a worker running other model code than the driver."""
    key = (path, fingerprint)
    if key not in _EXPERIMENTS:
        experiment = load_experiment(path)
        if experiment.fingerprint != fingerprint:
            raise ScenarioError(path, "<file>", "it or its scenario changed while the batch was running; "
                                "run it again with --resume")
        if code_identity() != code:
            raise ScenarioError(path, "<code>", f"a worker runs model code {code_identity()}, the driver {code}")
        _EXPERIMENTS[key] = experiment
    return _EXPERIMENTS[key]


def run_one(path: str, fingerprint: str, code: str, label: str, replication: int, out: str) -> str:
    """Simulate one run and write its shard; returns the run id. Picklable, for any executor."""
    experiment = _experiment(path, fingerprint, code)
    run = Run(label, replication)
    scenario = experiment.scenarios[label]
    model = KurskModel(scenario, experiment.policy(label).name, run_seed(experiment, replication)).run()
    row = summary_row(experiment, run, model)
    table = timeseries_table(model.records)
    n = table.num_rows
    table = table.add_column(0, "replication", pa.array([replication] * n, pa.int32()))
    table = table.add_column(0, "policy", pa.array([label] * n, pa.string()))
    table = table.add_column(0, "run_id", pa.array([run.run_id] * n, pa.string()))
    table = table.replace_schema_metadata({"summary": json.dumps(row)})
    shard = Path(out) / SHARDS / f"{run.run_id}.arrow"

    def write(tmp):
        with ipc.new_file(tmp, table.schema) as writer:
            writer.write_table(table)
    atomic_write(shard, write)
    return run.run_id


# --- the driver side -------------------------------------------------------------------------

def planned_runs(experiment: Experiment, replications: int) -> list[Run]:
    """Every run of the batch, replication by replication (so pairs finish close together)."""
    return [Run(p.label, r) for r in range(replications) for p in experiment.policies]


def finished(out: Path) -> set[str]:
    shards = out / SHARDS
    return {p.stem for p in shards.glob("*.arrow")} if shards.is_dir() else set()


def code_identity() -> str:
    """The model code that makes the runs: package version and git revision (with '-dirty' when the
    work tree has changes). Runs made by other code are never mixed into a batch."""
    from . import __version__
    return f"{__version__}+{git_revision() or 'unknown'}"


def claim_folder(experiment: Experiment, out: Path, resume: bool) -> None:
    """Make `out` this experiment's folder, or refuse: nothing is ever silently overwritten."""
    identity_file = out / IDENTITY
    identity = {"name": experiment.name, "fingerprint": experiment.fingerprint, "code": code_identity()}
    if out.exists() and not out.is_dir():
        raise ScenarioError(out, "--out", "is a file; give a folder for the results")
    if identity_file.exists():
        try:
            held = json.loads(identity_file.read_text())
        except (OSError, ValueError) as exc:
            raise ScenarioError(identity_file, "<file>", f"unreadable ({exc}); this folder cannot be resumed") from None
        if held.get("fingerprint") != experiment.fingerprint:
            raise ScenarioError(out, "--out", f"holds results of a different experiment ({held.get('name')!r}); "
                                "choose another folder")
        if held.get("code") != identity["code"]:
            raise ScenarioError(out, "--out", f"holds runs made by other model code ({held.get('code')}, this is "
                                f"{identity['code']}); choose another folder")
        if not resume:
            raise ScenarioError(out, "--out", f"already holds results of {experiment.name!r}; pass --resume "
                                "to complete them, or choose another folder")
        return
    if out.exists() and any(out.iterdir()):
        raise ScenarioError(out, "--out", "is not empty and holds no batch; choose another folder")
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(identity_file, lambda tmp: Path(tmp).write_text(json.dumps(identity, indent=2) + "\n"))


def run_batch(experiment: Experiment, out: Path, replications: int | None = None, workers: int | None = None,
              resume: bool = False, executor: Executor | None = None, progress: bool = True) -> dict:
    """Run the missing runs of the batch, then compact. Returns the manifest.

    Parameters
    ----------
    experiment : the loaded experiment.
    out : results folder (claimed for this experiment; see claim_folder).
    replications : overrides experiment.replications (--runs).
    workers : processes of the default local pool (default: all cores).
    resume : continue a batch whose folder already holds some of its runs.
    executor : any concurrent.futures.Executor to use instead of the local pool (the cluster path).
    progress : show a tqdm bar.
    """
    started = time.time()
    out = Path(out)
    replications = replications or experiment.replications
    claim_folder(experiment, out, resume)
    runs = planned_runs(experiment, replications)
    done = finished(out)
    todo = [r for r in runs if r.run_id not in done]
    workers = workers or os.cpu_count()
    if todo and executor is None and workers == 1:
        executor = InProcess()
    if todo:
        own = executor is None
        pool = executor or local_pool(workers)
        try:
            _execute(pool, experiment, out, todo, len(runs), progress)
        finally:
            if own:
                pool.shutdown(cancel_futures=True)
    if not todo and all((out / name).exists() for name in ("timeseries.parquet", "summary.parquet", "manifest.json")):
        held = json.loads((out / "manifest.json").read_text())
        if held.get("runs") == len(runs):
            return held                          # finished already: nothing to redo, nothing overwritten
    return compact(experiment, out, runs, started, workers)


def _execute(pool: Executor, experiment: Experiment, out: Path, todo: list[Run], total: int, progress: bool):
    from tqdm import tqdm

    path, code = str(experiment.path.resolve()), code_identity()
    futures = [pool.submit(run_one, path, experiment.fingerprint, code, r.label, r.replication, str(out))
               for r in todo]
    with tqdm(total=total, initial=total - len(todo), unit="run", disable=not progress,
              desc=experiment.name, smoothing=0.05) as bar:
        for future in as_completed(futures):
            future.result()                      # a failed run stops the batch; finished shards stay
            bar.update()


def compact(experiment: Experiment, out: Path, runs: list[Run], started: float, workers: int | None) -> dict:
    """Merge the shards of `runs` into timeseries.parquet and summary.parquet, in run order, and
    write the manifest. Streams shard by shard: memory does not grow with the number of runs."""
    shard_dir = out / SHARDS
    missing = [r.run_id for r in runs if not (shard_dir / f"{r.run_id}.arrow").exists()]
    if missing:
        raise ScenarioError(out, "shards", f"{len(missing)} runs are missing (first {missing[0]}); run with --resume")
    order = sorted(runs, key=lambda r: ([p.label for p in experiment.policies].index(r.label), r.replication))
    rows = []

    def write_timeseries(tmp):
        writer, group = None, []
        try:
            for i, run in enumerate(order):
                shard = shard_dir / f"{run.run_id}.arrow"
                try:
                    table = ipc.open_file(pa.OSFile(str(shard))).read_all()
                except (OSError, pa.ArrowInvalid) as exc:
                    raise ScenarioError(shard, "<file>", f"unreadable shard ({exc}); delete it and run with "
                                        "--resume") from None
                rows.append(json.loads(table.schema.metadata[b"summary"]))
                group.append(table.replace_schema_metadata(None))
                if len(group) == ROW_GROUP_RUNS or i == len(order) - 1:
                    merged = pa.concat_tables(group)
                    if writer is None:
                        writer = pq.ParquetWriter(tmp, merged.schema)
                    writer.write_table(merged)
                    group = []
        finally:
            if writer is not None:
                writer.close()
    atomic_write(out / "timeseries.parquet", write_timeseries)
    summary = pa.Table.from_pylist(rows)
    atomic_write(out / "summary.parquet", lambda tmp: pq.write_table(summary, tmp))
    manifest = {
        "experiment": experiment.name, "experiment_file": str(experiment.path),
        "experiment_sha256": experiment.sha256, "experiment_text": experiment.text,
        "fingerprint": experiment.fingerprint, "root_seed": experiment.seed,
        "replications": max(r.replication for r in runs) + 1,
        "policies": [p.label for p in experiment.policies], "runs": len(runs),
        "versions": versions(), "git_revision": git_revision(),
        "workers": workers, "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "wall_time_s": round(time.time() - started, 3),
    }
    atomic_write(out / "manifest.json",
                 lambda tmp: Path(tmp).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n"))
    return manifest


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
