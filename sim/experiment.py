"""Experiment files: which policies to compare, on which scenario, over how many replications.

    name = "hold_vs_withdraw"
    scenario = "../configs/kursk_2024.toml"   # relative to this file
    replications = 500
    seed = 20240806

    [[policies]]
    name = "hold"                              # the baseline every other policy is compared with

    [[policies]]
    name = "withdraw"
    label = "withdraw_jan"                     # optional; default: name and parameter values
    withdraw_date = "2025-01-15"               # any scenario parameter, for this policy only

    [overrides]                                # optional: any scenario parameter, for all policies

A refused file gives one line naming the file, the field and what is allowed (ScenarioError).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from .policy import POLICIES
from .scenario import Scenario, ScenarioError, load_scenario, read_toml

BASELINE = "hold"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_KNOWN_KEYS = {"name", "scenario", "replications", "seed", "variant", "policies", "overrides", "description"}


@dataclass(frozen=True)
class PolicySpec:
    label: str                  # unique in the experiment; names the runs and their shards
    name: str                   # a key of sim.policy.POLICIES
    params: dict[str, Any]      # scenario parameters set for this policy only


@dataclass(frozen=True)
class Experiment:
    path: Path
    name: str
    scenario_path: Path
    replications: int
    seed: int
    variant: str | None
    policies: tuple[PolicySpec, ...]
    overrides: dict[str, Any]
    text: str = field(repr=False)
    posterior: Any = field(default=None, repr=False)    # a sim.posterior.Posterior the replications draw from

    @property
    def sha256(self) -> str:
        """Hash of the experiment file as written."""
        return hashlib.sha256(self.text.encode()).hexdigest()

    @cached_property
    def fingerprint(self) -> str:
        """What makes two batches the same experiment: everything that decides a run's result
        (the scenario file's content included), but not the number of replications."""
        identity = {
            "name": self.name, "seed": self.seed, "variant": self.variant,
            "scenario": hashlib.sha256(self.scenario_path.read_bytes()).hexdigest(),
            "overrides": _jsonable(self.overrides),
            "policies": [[p.label, p.name, _jsonable(p.params)] for p in self.policies],
        }
        if self.posterior is not None:
            identity["posterior"] = self.posterior.sha256
        return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()

    @cached_property
    def scenarios(self) -> dict[str, Scenario]:
        """The scenario each policy runs on (label -> Scenario), validated. Problems of the scenario
        file name that file; problems of [overrides], a variant or a policy's parameters name this one."""
        try:
            base = load_scenario(self.scenario_path, variant=self.variant)
        except ScenarioError as exc:
            if exc.field != "--variant":
                raise
            raise ScenarioError(self.path, "variant", exc.message) from None
        base = _set(base, self.overrides, self.path, "overrides")
        return {p.label: _set(base, p.params, self.path, f"policies[{p.label}]") for p in self.policies}

    def policy(self, label: str) -> PolicySpec:
        return next(p for p in self.policies if p.label == label)

    # A batch is a sweep of one design point (None): the questions sim.batch asks of either.
    point_ids = (None,)

    def scenario(self, label: str, point: None = None) -> Scenario:
        return self.scenarios[label]

    def identity(self, point: None) -> dict:
        return {}

    def settings(self, label: str, point: None = None) -> frozenset[str]:
        """The parameters the study sets itself for `label`: its variant, [overrides] and the
        policy's own (a posterior draw fills in only the others, sim.posterior)."""
        variant = self.scenarios[label].variants.get(self.variant, {}) if self.variant else {}
        return frozenset(variant) | frozenset(self.overrides) | frozenset(self.policy(label).params)

    def with_posterior(self, posterior) -> "Experiment":
        return replace(self, posterior=posterior)


def _set(scenario: Scenario, params: dict, path: Path, where: str) -> Scenario:
    """scenario.with_params(**params), with errors that name the experiment file and `where`."""
    try:
        return scenario.with_params(**params)
    except ScenarioError as exc:
        raise ScenarioError(path, f"{where}.{exc.field.split('.')[-1]}", exc.message) from None


def _jsonable(d: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in sorted(d.items())}


def load_experiment(path: str | Path) -> Experiment:
    """Read and check an experiment file (and the scenario it names)."""
    path = Path(path)
    return experiment_from_doc(path, read_toml(path), path.read_text())


def experiment_from_doc(path: Path, doc: dict, text: str) -> Experiment:
    """Check the experiment part of a parsed file (a sweep file is one with a [design] more)."""
    unknown = sorted(set(doc) - _KNOWN_KEYS)
    if unknown:
        raise ScenarioError(path, unknown[0], f"unknown key; allowed: {', '.join(sorted(_KNOWN_KEYS))}")
    name = doc.get("name")
    if not isinstance(name, str) or not _SAFE_NAME.match(name):
        raise ScenarioError(path, "name", f"must be a name of letters, digits, '_', '.', '-', got {name!r}")
    scenario = doc.get("scenario")
    if not isinstance(scenario, str) or not scenario:
        raise ScenarioError(path, "scenario", "must be the path of a scenario file, relative to this file")
    scenario_path = (path.parent / scenario).resolve()
    if not scenario_path.is_file():
        raise ScenarioError(path, "scenario", f"no scenario file at {scenario_path}")
    reps = doc.get("replications")
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 1:
        raise ScenarioError(path, "replications", f"must be a whole number >= 1, got {reps!r}")
    seed = doc.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ScenarioError(path, "seed", f"must be a whole number >= 0, got {seed!r}")
    variant = doc.get("variant")
    if variant is not None and not isinstance(variant, str):
        raise ScenarioError(path, "variant", f"must be the name of a scenario variant, got {variant!r}")
    overrides = doc.get("overrides", {})
    if not isinstance(overrides, dict):
        raise ScenarioError(path, "overrides", "must be a table of scenario parameters")

    rows = doc.get("policies")
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise ScenarioError(path, "policies", "must be an array of tables ([[policies]]), at least one")
    policies, labels = [], set()
    for i, row in enumerate(rows):
        pname = row.get("name")
        if pname not in POLICIES:
            raise ScenarioError(path, f"policies[{i}].name", f"{pname!r} is not a policy; allowed: {', '.join(POLICIES)}")
        params = {k: v for k, v in row.items() if k not in ("name", "label")}
        label = row.get("label") or "_".join([pname, *(str(v) for _, v in sorted(params.items()))])
        if not isinstance(label, str) or not _SAFE_NAME.match(label):
            raise ScenarioError(path, f"policies[{i}].label", f"must be letters, digits, '_', '.', '-', got {label!r}")
        if label in labels:
            raise ScenarioError(path, f"policies[{i}].label", f"{label!r} is used twice; give each policy its own label")
        labels.add(label)
        policies.append(PolicySpec(label, pname, params))
    if BASELINE not in labels:
        raise ScenarioError(path, "policies", f"needs a policy labelled {BASELINE!r}, the baseline of every comparison")

    experiment = Experiment(path, name, scenario_path, reps, seed, variant, tuple(policies), overrides, text)
    _ = experiment.scenarios                      # load and check the scenario under every policy
    return experiment


def is_experiment_file(path: str | Path) -> bool:
    """An experiment file has [[policies]]; a scenario file has [scenario]."""
    try:
        return "policies" in read_toml(Path(path))
    except ScenarioError:
        return False
