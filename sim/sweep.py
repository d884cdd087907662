"""Sweep files: an experiment run at every point of a design over uncertain parameters.

    name = "sweep_withdraw_date"
    scenario = "../configs/kursk_2024.toml"
    seed = 20240806

    [[policies]]
    name = "hold"
    [[policies]]
    name = "withdraw"

    [design]
    kind = "nolh"                    # full_factorial | lhs | lhs_optimised | nolh
    points = 17                      # lhs: required; nolh and full factorial: their own size
    replications = 20                # per design point and policy
    seed = 1                         # lhs only: the design's own draw (optional, default 0)
    levels = 3                       # full factorial only: levels of each range factor
    [design.factors]
    withdraw_date = { low = 2024-09-15, high = 2025-03-15 }
    ua_troops_kursk = { low = 10000, high = 30000, kind = "int" }
    nk_initial_exposure = [2.0, 4.5, 7.0]

    [cluster]                        # optional: python -m sim sweep --cluster (dask_jobqueue)
    kind = "slurm"                   # slurm | pbs
    cores = 8
    memory = "16GB"
    walltime = "02:00:00"
    account = "my-project"
    jobs = 4

A design point sets its factors for every policy: a factor is a scenario parameter (or a policy's,
such as withdraw_date, which the baseline ignores), and may not also be set by [overrides] or by a
policy. Every point runs every policy over the same replications, and replication r is seeded by
SeedSequence(seed, spawn_key=(r,)) at every point, exactly as in a batch: the policies of a point
face the same luck, and so do the points of a replication, which sharpens the comparison between
points too (common random numbers across the design). A point's runs are those of a batch of the
same experiment with the point's values as [overrides].
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from .design import DESIGN_KINDS, Factor, design_points
from .experiment import Experiment, _jsonable, _set, experiment_from_doc
from .scenario import Scenario, ScenarioError, read_toml

CLUSTER_KINDS = ("slurm", "pbs")
_DESIGN_KEYS = {"kind", "points", "replications", "seed", "levels", "factors"}
_CLUSTER_KEYS = {"kind", "cores", "memory", "walltime", "account", "jobs", "queue", "processes",
                 "job_extra_directives", "python", "local_directory"}


@dataclass(frozen=True)
class Sweep:
    """An experiment (scenario, policies, root seed, overrides) and the design points it runs at."""

    experiment: Experiment
    kind: str
    factors: tuple[Factor, ...]
    points: tuple[dict[str, Any], ...]      # factor values, one dict per design point
    design_seed: int
    cluster: dict[str, Any] | None = field(default=None, compare=False)

    # What the batch machinery asks of any study (an Experiment answers the same questions).
    @property
    def name(self) -> str:
        return self.experiment.name

    @property
    def path(self) -> Path:
        return self.experiment.path

    @property
    def seed(self) -> int:
        return self.experiment.seed

    @property
    def replications(self) -> int:
        return self.experiment.replications

    @property
    def policies(self):
        return self.experiment.policies

    @property
    def text(self) -> str:
        return self.experiment.text

    @property
    def sha256(self) -> str:
        return self.experiment.sha256

    def policy(self, label: str):
        return self.experiment.policy(label)

    @property
    def point_ids(self) -> range:
        return range(len(self.points))

    @cached_property
    def fingerprint(self) -> str:
        """The experiment's fingerprint and the design's points: not the replications."""
        identity = {"experiment": self.experiment.fingerprint, "kind": self.kind,
                    "points": [_jsonable(p) for p in self.points]}
        return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()

    def scenario(self, label: str, point: int | None) -> Scenario:
        """The scenario of policy `label` at design `point`."""
        key = (label, point)
        cache = self._scenarios
        if key not in cache:
            cache[key] = _set(self.experiment.scenarios[label], self.points[point], self.path,
                              f"design.factors (point {point})")
        return cache[key]

    @cached_property
    def _scenarios(self) -> dict:
        return {}

    @property
    def posterior(self):
        return self.experiment.posterior

    def settings(self, label: str, point: int | None) -> frozenset[str]:
        """The parameters the sweep sets itself: the experiment's, and the design's factors."""
        return self.experiment.settings(label) | frozenset(self.points[point])

    def with_posterior(self, posterior) -> "Sweep":
        return replace(self, experiment=self.experiment.with_posterior(posterior))

    def identity(self, point: int | None) -> dict[str, Any]:
        """Columns a summary row carries for the run's design point."""
        return {"point": point, **{f.name: _column_value(self.points[point][f.name]) for f in self.factors}}


def _column_value(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def is_sweep_file(path: str | Path) -> bool:
    try:
        return "design" in read_toml(Path(path))
    except ScenarioError:
        return False


def load_sweep(path: str | Path) -> Sweep:
    """Read and check a sweep file: the experiment part, the design, the optional [cluster]."""
    path = Path(path)
    doc = dict(read_toml(path))
    design = doc.pop("design", None)
    cluster = doc.pop("cluster", None)
    if not isinstance(design, dict):
        raise ScenarioError(path, "design", "must be a table: [design] with kind, factors and replications")
    unknown = sorted(set(design) - _DESIGN_KEYS)
    if unknown:
        raise ScenarioError(path, f"design.{unknown[0]}", f"unknown key; allowed: {', '.join(sorted(_DESIGN_KEYS))}")
    if "replications" in doc:
        raise ScenarioError(path, "replications", "in a sweep file, set replications in [design] (per design point)")
    doc["replications"] = design.get("replications")
    try:
        experiment = experiment_from_doc(path, doc, path.read_text())
    except ScenarioError as exc:
        if exc.field == "replications":
            raise ScenarioError(path, "design.replications", exc.message) from None
        raise

    kind = design.get("kind")
    if kind not in DESIGN_KINDS:
        raise ScenarioError(path, "design.kind", f"must be one of {', '.join(DESIGN_KINDS)}, got {kind!r}")
    specs = design.get("factors")
    if not isinstance(specs, dict) or not specs:
        raise ScenarioError(path, "design.factors", "must be a table of parameters, each a range "
                            "{ low = ..., high = ... } or a list of levels")
    taken = set(experiment.overrides) | {k for p in experiment.policies for k in p.params}
    factors = []
    for name, spec in specs.items():
        if name in taken:
            raise ScenarioError(path, f"design.factors.{name}", "is also set by [overrides] or a policy; "
                                "a factor must be set by the design alone")
        try:
            factors.append(Factor.from_spec(name, spec))
        except (ValueError, TypeError) as exc:
            raise ScenarioError(path, f"design.factors.{name}", str(exc)) from None
    points, seed, levels = design.get("points"), design.get("seed", 0), design.get("levels", 3)
    for key, value, minimum in (("points", points, 1), ("seed", seed, 0), ("levels", levels, 2)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < minimum):
            raise ScenarioError(path, f"design.{key}", f"must be a whole number >= {minimum}, got {value!r}")
    try:
        values = design_points(kind, factors, points, seed=seed, levels_per_range=levels)
    except (ValueError, TypeError) as exc:
        raise ScenarioError(path, "design", str(exc)) from None
    sweep = Sweep(experiment, kind, tuple(factors), tuple(values), seed, _check_cluster(path, cluster))
    for label in (p.label for p in experiment.policies):   # every point is a valid scenario
        for i in range(len(values)):
            sweep.scenario(label, i)
    return sweep


def _check_cluster(path: Path, cluster) -> dict | None:
    if cluster is None:
        return None
    if not isinstance(cluster, dict):
        raise ScenarioError(path, "cluster", "must be a table: [cluster] with kind, cores, memory, walltime, jobs")
    unknown = sorted(set(cluster) - _CLUSTER_KEYS)
    if unknown:
        raise ScenarioError(path, f"cluster.{unknown[0]}", f"unknown key; allowed: {', '.join(sorted(_CLUSTER_KEYS))}")
    if cluster.get("kind") not in CLUSTER_KINDS:
        raise ScenarioError(path, "cluster.kind", f"must be one of {', '.join(CLUSTER_KINDS)}, got {cluster.get('kind')!r}")
    for key in ("cores", "jobs"):
        value = cluster.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ScenarioError(path, f"cluster.{key}", f"must be a whole number >= 1, got {value!r}")
    for key in ("memory", "walltime"):
        if not isinstance(cluster.get(key), str):
            raise ScenarioError(path, f"cluster.{key}", "must be a string, e.g. memory = \"16GB\", "
                                "walltime = \"02:00:00\"")
    for key in ("account", "queue", "python", "local_directory"):
        if key in cluster and not isinstance(cluster[key], str):
            raise ScenarioError(path, f"cluster.{key}", f"must be a string, got {cluster[key]!r}")
    processes = cluster.get("processes", 1)
    if isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
        raise ScenarioError(path, "cluster.processes", f"must be a whole number >= 1, got {processes!r}")
    extra = cluster.get("job_extra_directives", [])
    if not isinstance(extra, list) or not all(isinstance(x, str) for x in extra):
        raise ScenarioError(path, "cluster.job_extra_directives", "must be a list of strings, e.g. [\"--qos=long\"]")
    return dict(cluster)


def load_study(path: str | Path):
    """An experiment or a sweep file, by what it holds (a sweep has [design])."""
    from .experiment import load_experiment
    return load_sweep(path) if is_sweep_file(path) else load_experiment(path)
