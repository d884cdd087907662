"""Merge a batch's shards, in (point, policy, replication) order, into

    DIR/timeseries.parquet   one row per run and day
    DIR/summary.parquet      one row per run: identity, seed, policy parameters, final metrics
    DIR/manifest.json        experiment file and hash, root seed, versions, git revision, wall time
"""
from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from .model import record_columns
from .output import atomic_write
from .posterior import REPEATS
from .provenance import git_revision, versions
from .results_folder import FAILED, SHARDS
from .runs import Run, Study, run_identity
from .scenario import ScenarioError
from .sweep import Sweep
from .worker import run_table

ROW_GROUP_RUNS = 64          # runs per parquet row group: bounded memory, few row groups


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
