"""Who a run is and which random numbers it gets.

A run is identified by (design point, policy label, replication); a batch is a sweep of one point.
Its seed is SeedSequence(seed, spawn_key=(rep,)): neither the policy nor the point is part of it, so
every policy of a replication faces the same luck (common random numbers), and no seed depends on
which worker ran it or when. A task is one replication's runs at one point, simulated together.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from .experiment import Experiment
from .model import KurskModel
from .sweep import Sweep

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
