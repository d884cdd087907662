"""The scenario's parameters, typed: one field per knob of the rules, each with the range that makes it
meaningful.

Values, units and sources live in the scenario file's `[parameters]` table; this module says which
names exist and what each may hold. So a misspelt or unknown name fails when the file is loaded, a
name missing from the file is named, and the rules read `params.stock_days` (an attribute every test
and a static checker see), not a string key that a typo would turn into a KeyError mid-run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

# What a parameter may hold (field metadata "kind"):
AMOUNT = "a number >= 0"
SHARE = "a number in [0, 1]"
SWITCH = "0 or 1"
POSITIVE = "a number > 0"
DATE = "a date inside the horizon"
SECTORS = "a list of eastern sector names"


def _p(kind: str) -> Any:
    return field(metadata={"kind": kind})


@dataclass(frozen=True, slots=True)
class Parameters:
    """Every parameter of a scenario. Numbers keep the type the file gave (a whole number stays int)."""

    # forces
    ua_troops_kursk: float = _p(AMOUNT)
    nk_troops: float = _p(AMOUNT)
    ua_quality: float = _p(AMOUNT)
    ru_quality: float = _p(AMOUNT)
    nk_quality: float = _p(AMOUNT)
    ua_replacements_per_day: float = _p(AMOUNT)
    ru_replacements_per_day: float = _p(AMOUNT)
    # the policy
    withdraw_date: dt.date = _p(DATE)
    withdraw_fraction: float = _p(SHARE)
    withdraw_sectors: tuple[str, ...] = _p(SECTORS)
    nk_east_without_incursion: int = _p(SWITCH)
    refit_days: float = _p(AMOUNT)
    # movement and fire control
    tortuosity: float = _p(POSITIVE)
    drone_range_km: float = _p(AMOUNT)
    drone_range_2024_km: float = _p(AMOUNT)
    drone_ramp_start: dt.date = _p(DATE)
    drone_ramp_end: dt.date = _p(DATE)
    fire_loss_per_km: float = _p(SHARE)
    # supply
    stock_days: float = _p(POSITIVE)
    resupply_days_per_day: float = _p(AMOUNT)
    unsupplied_power: float = _p(SHARE)
    cut_cohesion_loss_per_day: float = _p(SHARE)
    surrender_cohesion: float = _p(SHARE)
    surrender_daily_prob: float = _p(SHARE)
    surrender_captured_share: float = _p(SHARE)
    breakout_loss_share: float = _p(SHARE)
    # combat
    attrition_coefficient: float = _p(AMOUNT)
    attrition_enemy_exponent: float = _p(AMOUNT)
    attrition_own_exponent: float = _p(AMOUNT)
    force_unit: float = _p(POSITIVE)
    attrition_noise_cv: float = _p(AMOUNT)
    attacker_exposure: float = _p(AMOUNT)
    breakthrough_ratio: float = _p(POSITIVE)
    advance_km2_per_day: float = _p(AMOUNT)
    attack_ratio_min: float = _p(AMOUNT)
    attack_cohesion_min: float = _p(SHARE)
    break_cohesion: float = _p(SHARE)
    consolidation_days: float = _p(AMOUNT)
    cohesion_per_loss: float = _p(AMOUNT)
    cohesion_recovery_per_day: float = _p(SHARE)
    remnant_personnel: float = _p(AMOUNT)
    sector_support: float = _p(SHARE)
    sector_depth_hops: float = _p(AMOUNT)
    pipeline_surprise: float = _p(AMOUNT)
    # North Korean troops
    nk_arrival: dt.date = _p(DATE)
    nk_initial_exposure: float = _p(AMOUNT)
    nk_learned_exposure: float = _p(AMOUNT)
    nk_learning_days: float = _p(POSITIVE)
    nk_learned_quality: float = _p(AMOUNT)
    # the eastern front and the Russian grouping
    east_ua_replacements_per_day: float = _p(AMOUNT)
    east_ru_replacements_per_day: float = _p(AMOUNT)
    ru_grouping_from_east: float = _p(SHARE)
    ru_redeploy_delay_days: float = _p(AMOUNT)
    ru_redeploy_share: float = _p(SHARE)
    ru_transit_days: float = _p(AMOUNT)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return NAMES

    @staticmethod
    def kind(name: str) -> str:
        """What parameter `name` may hold (AMOUNT, SHARE, SWITCH, POSITIVE, DATE or SECTORS)."""
        return KINDS[name]

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in NAMES}

    def replace(self, **changes: Any) -> "Parameters":
        """A copy with some values changed; the values are not checked here (Scenario.with_params does)."""
        return dataclasses.replace(self, **changes)


NAMES = tuple(f.name for f in dataclasses.fields(Parameters))
KINDS = {f.name: f.metadata["kind"] for f in dataclasses.fields(Parameters)}


class ParameterError(ValueError):
    """A value a parameter cannot hold: `where` names the field, str() says what is allowed."""

    def __init__(self, where: str, message: str):
        self.where, self.message = where, message
        super().__init__(f"{where}: {message}")


def unknown(name: str) -> ParameterError:
    return ParameterError(name, f"unknown parameter; allowed: {', '.join(sorted(NAMES))}")


def coerce(name: str, value: Any, like: Any = None) -> Any:
    """`value` (from the file, --set, an experiment or a posterior) as the type parameter `name` holds.

    Strings are parsed (dates as 2025-01-15, lists as comma-separated names). A number stays int when
    it is whole and `like` (the current value) is int, so integral defaults keep their type.
    Ranges are checked by `check`, which knows the horizon and the sectors.
    """
    if name not in KINDS:
        raise unknown(name)
    kind, where = KINDS[name], f"parameters.{name}"
    if kind == SECTORS:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ParameterError(where, f"must be a list of names, e.g. [\"Orikhiv\", \"Huliaipole\"], got {value!r}")
        return tuple(value)
    if kind == DATE:
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                raise ParameterError(where, f"must be a date like 2025-01-15, got {value!r}") from None
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise ParameterError(where, f"must be a date like 2025-01-15, got {value!r}")
        return value
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ParameterError(where, f"must be a number, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(where, f"must be a number, got {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise ParameterError(where, f"must be a finite number, got {value!r}")
    if isinstance(value, int) and (like is None or isinstance(like, int)):
        return value
    if isinstance(like, int) and value == int(value):
        return int(value)
    return float(value)


def check(params: Parameters, start: dt.date, end: dt.date, sectors: tuple[str, ...]) -> None:
    """Refuse a value outside its parameter's range (ParameterError naming the first one)."""
    for name in NAMES:
        value, kind, where = getattr(params, name), KINDS[name], f"parameters.{name}"
        if kind == SECTORS:
            bad = [v for v in value if v not in sectors]
            if bad:
                raise ParameterError(where, f"{bad[0]!r} is not an eastern sector; allowed: {', '.join(sectors)}")
        elif kind == DATE:
            if not start <= value <= end:
                raise ParameterError(where, f"{value} is outside the horizon; allowed: {start} .. {end}")
        elif kind == SWITCH:
            if value not in (0, 1):
                raise ParameterError(where, f"must be {kind}, got {value!r}")
        elif value < (0.0 if kind != POSITIVE else 1e-9) or (kind == SHARE and value > 1.0):
            raise ParameterError(where, f"must be {kind}, got {value!r}")
    if params.drone_ramp_end < params.drone_ramp_start:
        raise ParameterError("parameters.drone_ramp_end", "must not be before drone_ramp_start")
