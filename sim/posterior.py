"""Batches and sweeps under parameter uncertainty: replications drawn from a calibration's posterior.

`python -m sim batch EXP --posterior DIR/posterior.parquet` (and `sim sweep ... --posterior`) runs
replication r with the parameters of posterior draw j = r // REPEATS: a row of the posterior picked
by weight with the draw's own seed stream, SeedSequence(seed, (POSTERIOR_KEY, j)). Every policy (and
every design point) of a replication uses the same draw and the same run seed, so the pairing holds.
Two replications per draw, with different run seeds, let the report split the spread of an outcome
into parameter uncertainty (between draws) and chance (within a draw).

A parameter the study sets itself (a variant, [overrides], a policy's parameters, a sweep's
factors) keeps the study's value: the posterior fills in the rest.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .parameters import Parameters
from .scenario import Scenario, ScenarioError

POSTERIOR_KEY = 2**31     # first entry of the draws' spawn keys; replication numbers never reach it
REPEATS = 2               # replications per posterior draw (2j and 2j + 1 share draw j)


@dataclass(frozen=True)
class Posterior:
    """Accepted parameter sets and their weights (a calibration's posterior.parquet)."""
    path: Path
    sha256: str
    names: tuple[str, ...]
    values: np.ndarray = field(repr=False, compare=False)       # (sets, parameters)
    cumulative: np.ndarray = field(repr=False, compare=False)   # cumulative normalised weights

    def draw(self, seed: int, replication: int) -> tuple[int, int, dict[str, float]]:
        """(draw number, row of the posterior, its parameters) for `replication`."""
        j = replication // REPEATS
        u = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(POSTERIOR_KEY, j))).random()
        row = min(int(np.searchsorted(self.cumulative, u, side="right")), len(self.cumulative) - 1)
        return j, row, {name: float(v) for name, v in zip(self.names, self.values[row], strict=True)}

    def check(self, scenario: Scenario) -> None:
        """Refuse a posterior whose parameters the scenario does not have or does not accept."""
        unknown = [n for n in self.names if n not in Parameters.names()]
        if unknown:
            raise ScenarioError(self.path, unknown[0], f"is not a parameter of {scenario.path.name}")
        for lo_hi in (self.values.min(axis=0), self.values.max(axis=0)):
            try:
                scenario.with_params(**dict(zip(self.names, map(float, lo_hi), strict=True)))
            except ScenarioError as exc:
                raise ScenarioError(self.path, exc.field.split(".")[-1], exc.message) from None


_LOADED: dict[str, Posterior] = {}


def load_posterior(path: str | Path) -> Posterior:
    """Read and check a posterior.parquet (cached per process and file content).

    Raises
    ------
    ScenarioError : not a readable parquet file, no `weight` column, no parameter columns, or
        weights or values that are not finite and non-negative.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(path, "--posterior", "no such file") from None
    except IsADirectoryError:
        raise ScenarioError(path, "--posterior", "is a folder; give its posterior.parquet") from None
    sha = hashlib.sha256(data).hexdigest()
    if sha in _LOADED:
        return _LOADED[sha]
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowInvalid, OSError) as exc:
        raise ScenarioError(path, "<file>", f"not a parquet file ({exc})") from None
    if "weight" not in table.column_names:
        raise ScenarioError(path, "weight", "missing: a posterior has one row per parameter set and a weight column")
    names = tuple(n for n in table.column_names if n not in ("weight", "distance"))
    if not names or table.num_rows == 0:
        raise ScenarioError(path, "<file>", "holds no parameter sets")
    try:
        values = np.column_stack([table[n].to_numpy().astype(float) for n in names])
        weights = table["weight"].to_numpy().astype(float)
    except (TypeError, ValueError, pa.ArrowInvalid):
        raise ScenarioError(path, "<file>", "every column must be numeric") from None
    if not (np.isfinite(values).all() and np.isfinite(weights).all() and (weights >= 0).all() and weights.sum() > 0):
        raise ScenarioError(path, "weight", "values and weights must be finite, weights >= 0 and not all 0")
    cumulative = np.cumsum(weights) / weights.sum()
    posterior = _LOADED[sha] = Posterior(path.resolve(), sha, names, values, cumulative)
    return posterior


def spread_split(diff: np.ndarray, draw: np.ndarray) -> dict[str, float]:
    """How much of the spread of `diff` (one value per replication) comes from parameter
    uncertainty and how much from chance, from the replications that share a draw (one-way
    random-effects ANOVA): chance = the variance within a draw, parameters = the variance of the
    draw means less its chance part (floored at 0).

    Returns sd_total, sd_parameters, sd_chance and share_parameters (of the variance); NaN when
    there are fewer than two complete draws.
    """
    groups: dict[int, list[float]] = {}
    for d, j in zip(diff, draw, strict=True):
        groups.setdefault(int(j), []).append(float(d))
    full = [g for g in groups.values() if len(g) == REPEATS]
    if len(full) < 2:
        nan = float("nan")
        return {"sd_total": nan, "sd_parameters": nan, "sd_chance": nan, "share_parameters": nan}
    x = np.array(full)
    within = float(np.mean(np.var(x, axis=1, ddof=1)))
    between = float(np.var(x.mean(axis=1), ddof=1))
    parameters = max(0.0, between - within / REPEATS)
    total = parameters + within
    return {"sd_total": math.sqrt(total), "sd_parameters": math.sqrt(parameters), "sd_chance": math.sqrt(within),
            "share_parameters": parameters / total if total > 0 else float("nan")}
