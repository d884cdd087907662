"""A finished batch's or sweep's results, read back and paired: what both reports share.

Reads DIR/summary.parquet and DIR/manifest.json (checking DIR/timeseries.parquet is readable),
keeps the replications that finished under every policy, groups a column by policy (index i pairs
across policies), averages over the replications of a posterior draw, and formats numbers the
same way in every report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .scenario import ScenarioError


@dataclass(frozen=True)
class Metric:
    column: str
    title: str
    higher_is_better: bool      # for Ukraine
    unit: str


BOOTSTRAP_SEED = 0          # the report's own resampling; fixed so the report is reproducible


@dataclass(frozen=True)
class Report:
    path: Path
    table: str                  # the comparison table, as printed in the terminal


def fmt(x: float) -> str:
    if not np.isfinite(x):
        return "∞" if x > 0 else "—"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.1f}"


def share(x: float) -> str:
    return f"{x:.0%}" if np.isfinite(x) else "—"


def load(folder: Path):
    for name in ("summary.parquet", "timeseries.parquet", "manifest.json"):
        if not (folder / name).is_file():
            raise ScenarioError(folder, name, "missing; this is not a finished batch folder "
                                "(run `python -m sim batch ...`, or `--resume` an interrupted one)")
    try:
        summary = pq.read_table(folder / "summary.parquet").to_pydict()
        manifest = json.loads((folder / "manifest.json").read_text())
        pq.ParquetFile(folder / "timeseries.parquet")
    except (OSError, ValueError, pa.ArrowException) as exc:     # ValueError includes bad JSON
        raise ScenarioError(folder, "<results>", f"unreadable ({exc}); rebuild them with "
                            "`python -m sim batch ... --resume`") from None
    return complete_pairs(summary, manifest["policies"]), manifest


def complete_pairs(summary: dict, labels: list[str]) -> dict:
    """The rows of replications that finished under every policy (at their design point): a run
    that failed takes its replication out of every paired comparison."""
    n = len(summary["policy"])
    errors = summary.get("error", [None] * n)
    points = summary.get("point", [None] * n)
    ok: dict[tuple, set] = {}
    for i in range(n):
        if errors[i] is None:
            ok.setdefault((points[i], summary["replication"][i]), set()).add(summary["policy"][i])
    keep = [i for i in range(n) if len(ok.get((points[i], summary["replication"][i]), ())) == len(labels)]
    if len(keep) == n:
        return summary
    return {column: [values[i] for i in keep] for column, values in summary.items()}


def by_policy(summary: dict, column: str, labels: list[str]) -> dict[str, np.ndarray]:
    """column values per policy, ordered by replication (so that index i pairs across policies)."""
    policy, rep, values = summary["policy"], np.array(summary["replication"]), np.array(summary[column], float)
    out = {}
    for label in labels:
        mask = np.array([p == label for p in policy])
        order = np.argsort(rep[mask], kind="stable")
        out[label] = values[mask][order]
    return out


def by_draw(values: dict[str, np.ndarray], draws: np.ndarray) -> dict[str, np.ndarray]:
    """Per policy, the mean over the replications that share a posterior draw: under parameter
    uncertainty those replications are not independent, the draws are (sim.posterior)."""
    ids = np.unique(draws)
    return {label: np.array([x[draws == j].mean() for j in ids]) for label, x in values.items()}
