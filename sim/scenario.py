"""Load and validate a scenario file (TOML).

Everything scenario-specific lives in the file; this module turns it into plain data and refuses a
broken file with one line that names the file, the field and what is allowed (`ScenarioError`).
The model never sees an unchecked value.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

SIDES = ("UA", "RU")
UNIT_SIDES = ("UA", "RU", "NK")          # NK units fight on the Russian side
REGIONS = ("kursk", "ua_rear", "ru_rear", "east")
MOBILITIES = ("mechanized", "infantry")


class ScenarioError(Exception):
    """A scenario or experiment file that cannot be used. str() is the one line shown to the user."""

    def __init__(self, path: Path | str, field: str, message: str):
        self.path, self.field, self.message = str(path), field, message
        super().__init__(f"{self.path}: {field}: {message}")

    def __reduce__(self):              # so that a worker process can hand it back to the driver
        return type(self), (self.path, self.field, self.message)


@dataclass(frozen=True)
class Node:
    name: str
    lat: float
    lon: float
    area_km2: float
    terrain: str
    fortification: float
    control: str
    region: str


@dataclass(frozen=True)
class RoadClass:
    name: str
    speed_km_day: float
    capacity: float
    infantry_only: bool = False


@dataclass(frozen=True)
class Edge:
    a: str
    b: str
    road_class: str            # a key of road_classes, or "rail"
    km: float | None           # None: straight distance × tortuosity
    days: int | None           # rail only


@dataclass(frozen=True)
class Depot:
    node: str
    side: str
    capacity: float


@dataclass(frozen=True)
class UnitSpec:
    name: str
    side: str                   # UA, RU or NK
    node: str
    personnel: float | None     # explicit strength, or
    share: float | None         # a share of the side's parameter total (ua_troops_kursk, nk_troops)
    arrival: dt.date | None     # None: at the start (NK units: the nk_arrival parameter)
    reserve: bool = False       # a Ukrainian reserve brigade: its destination follows the policy
    mobility: str = "mechanized"
    target: str | None = None   # a fixed objective (the pipeline detachment)
    quality: float | None = None  # combat power per soldier; None: the side's parameter
    garrison: bool = False      # holds its own node: never ordered elsewhere or withdrawn (falls back if it falls)


@dataclass(frozen=True)
class EastSector:
    node: str
    frontage: float             # node-wide axes the sector's attacks go in on at once
    gain_share: float           # its share of the reported eastern gains: a calibration target only
    grouping_origin: float      # share of the Russian Kursk grouping drawn from it (ru_grouping_from_east)

    @property
    def column(self) -> str:
        """Its column of Russian gains in the record: ru_gain_km2_<name>, lower case, spaces as _."""
        return "ru_gain_km2_" + self.node.lower().replace(" ", "_").replace("-", "_")


@dataclass(frozen=True)
class Scenario:
    path: Path
    name: str
    title: str
    start: dt.date
    end: dt.date
    params: dict[str, Any]
    param_info: dict[str, dict[str, str]]
    terrain: dict[str, float]
    road_classes: dict[str, RoadClass]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    depots: tuple[Depot, ...]
    units: tuple[UnitSpec, ...]
    east_sectors: tuple[EastSector, ...]
    east_allocation: dict[str, float]
    main_supply_route: tuple[str, ...]
    sumy_targets: tuple[str, ...]       # Sumy-oblast settlements Russia attacks once the salient is lost
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)
    variant: str | None = None

    @property
    def n_days(self) -> int:
        return (self.end - self.start).days

    def strength(self, unit: UnitSpec) -> float:
        """Personnel of a unit: its own figure, or its share of ua_troops_kursk / nk_troops."""
        if unit.personnel is not None:
            return unit.personnel
        total = self.params["ua_troops_kursk" if unit.side == "UA" else "nk_troops"]
        shares = sum(u.share for u in self.units if u.side == unit.side and u.share is not None)
        return total * unit.share / shares

    def arrival(self, unit: UnitSpec) -> dt.date:
        if unit.side == "NK":
            return self.params["nk_arrival"]
        return unit.arrival or self.start

    def with_params(self, **changes: Any) -> "Scenario":
        """A copy with some parameters changed (already-typed values)."""
        params = dict(self.params)
        for key, value in changes.items():
            params[key] = _coerce_param(self.path, key, params, value)
        scenario = replace(self, params=params)
        _check_params(scenario)
        return scenario


# --- small typed readers ------------------------------------------------------------------------

def _number(path, where: str, value: Any, *, minimum: float | None = 0.0, maximum: float | None = None,
            integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(path, where, f"must be a number, got {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise ScenarioError(path, where, f"must be a finite number, got {value!r}")
    if integer and int(value) != value:
        raise ScenarioError(path, where, f"must be a whole number, got {value!r}")
    if minimum is not None and value < minimum:
        raise ScenarioError(path, where, f"must be >= {minimum:g}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ScenarioError(path, where, f"must be <= {maximum:g}, got {value!r}")
    return int(value) if integer else float(value)


def _text(path, where: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(path, where, f"must be a non-empty string, got {value!r}")
    return value


def _date(path, where: str, value: Any) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ScenarioError(path, where, f"must be a date like 2024-08-20, got {value!r}")
    return value


def _flag(path, where: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ScenarioError(path, where, f"must be true or false, got {value!r}")
    return value


def _choice(path, where: str, value: Any, allowed) -> str:
    if value not in allowed:
        raise ScenarioError(path, where, f"{value!r} is not allowed; allowed: {', '.join(allowed)}")
    return value


def _table(path, where: str, value: Any) -> dict:
    if not isinstance(value, dict):
        raise ScenarioError(path, where, f"must be a table, got {type(value).__name__}")
    return value


def _rows(path, table: dict, key: str) -> list[dict]:
    rows = table.get(key.rsplit(".", 1)[-1])
    if not isinstance(rows, list) or not rows:
        raise ScenarioError(path, key, "must be a non-empty array of tables")
    for i, row in enumerate(rows):
        _table(path, f"{key}[{i}]", row)
    return rows


def _source(path, where: str, row: dict) -> None:
    """Every number in a scenario cites where it comes from, or says `assumption`."""
    _text(path, f"{where}.source", row.get("source"))


def read_toml(path: Path) -> dict:
    """Parse a TOML file, turning every failure into a ScenarioError."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ScenarioError(path, "<file>", "no such file") from None
    except IsADirectoryError:
        raise ScenarioError(path, "<file>", "is a directory, expected a .toml file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(path, "<toml>", f"syntax error: {exc}") from None
    except UnicodeDecodeError:
        raise ScenarioError(path, "<file>", "is not UTF-8 text") from None


# --- parameters ---------------------------------------------------------------------------------

# Bounds that make a parameter meaningful; anything not listed must be a finite number >= 0.
_UNIT_INTERVAL = {
    "withdraw_fraction", "nk_east_without_incursion", "unsupplied_power", "surrender_cohesion", "surrender_daily_prob",
    "surrender_captured_share", "breakout_loss_share", "attack_cohesion_min", "break_cohesion",
    "sector_support", "fire_loss_per_km", "ru_redeploy_share", "ru_grouping_from_east",
    "cut_cohesion_loss_per_day", "cohesion_recovery_per_day",
}
_POSITIVE = {"force_unit", "stock_days", "tortuosity", "breakthrough_ratio", "nk_learning_days"}
_DATES_IN_HORIZON = {"withdraw_date", "nk_arrival", "drone_ramp_start", "drone_ramp_end"}
_SECTOR_LISTS = {"withdraw_sectors"}       # lists of eastern sector names ([] = the [east] allocation)


def _names(path, where: str, value: Any) -> tuple[str, ...]:
    """A list of names: a TOML array of strings, or (from --set) one string of comma-separated names."""
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ScenarioError(path, where, f"must be a list of names, e.g. [\"Orikhiv\", \"Huliaipole\"], got {value!r}")
    return tuple(value)


def _coerce_param(path, key: str, params: dict[str, Any], value: Any) -> Any:
    """Turn `value` (from the file, --set, or an experiment) into the type of the parameter."""
    if key not in params:
        raise ScenarioError(path, key, f"unknown parameter; allowed: {', '.join(sorted(params))}")
    default = params[key]
    where = f"parameters.{key}"
    if isinstance(default, tuple):
        return _names(path, where, value)
    if isinstance(default, dt.date):
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                raise ScenarioError(path, where, f"must be a date like 2025-01-15, got {value!r}") from None
        return _date(path, where, value)
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ScenarioError(path, where, f"must be a number, got {value!r}") from None
    value = _number(path, where, value, minimum=None)
    if isinstance(default, int) and value == int(value):
        return int(value)
    return float(value)


def _check_params(sc: Scenario) -> None:
    p, path = sc.params, sc.path
    for key, value in p.items():
        where = f"parameters.{key}"
        if (key in _SECTOR_LISTS) != isinstance(value, tuple):
            raise ScenarioError(path, where, f"must be {'a list of eastern sector names' if key in _SECTOR_LISTS else 'a number'}, "
                                f"got {value!r}")
        if isinstance(value, tuple):
            sectors = [s.node for s in sc.east_sectors]
            unknown = [v for v in value if v not in sectors]
            if unknown:
                raise ScenarioError(path, where, f"{unknown[0]!r} is not an eastern sector; allowed: {', '.join(sectors)}")
            continue
        if (key in _DATES_IN_HORIZON) != isinstance(value, dt.date):
            kind = "a date like 2025-01-15" if key in _DATES_IN_HORIZON else "a number"
            raise ScenarioError(path, where, f"must be {kind}, got {value!r}")
        if isinstance(value, dt.date):
            if key in _DATES_IN_HORIZON and not sc.start <= value <= sc.end:
                raise ScenarioError(path, where,
                                    f"{value} is outside the horizon; allowed: {sc.start} .. {sc.end}")
            continue
        if key in _UNIT_INTERVAL:
            _number(path, where, value, minimum=0.0, maximum=1.0)
        elif key in _POSITIVE:
            _number(path, where, value, minimum=1e-9)
        else:
            _number(path, where, value, minimum=0.0)
    if p["drone_ramp_end"] < p["drone_ramp_start"]:
        raise ScenarioError(path, "parameters.drone_ramp_end", "must not be before drone_ramp_start")


# --- the loader ---------------------------------------------------------------------------------

def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None,
                  variant: str | None = None) -> Scenario:
    """Read, check and return the scenario at `path`.

    Parameters
    ----------
    path : the TOML file.
    overrides : parameter name -> value (strings are parsed to the parameter's type), as `--set`.
    variant : the name of a `[variants.NAME]` table whose values are applied before `overrides`.

    Raises
    ------
    ScenarioError : the first problem found, naming file and field.
    """
    path = Path(path)
    doc = read_toml(path)

    meta = _table(path, "scenario", doc.get("scenario"))
    name = _text(path, "scenario.name", meta.get("name"))
    title = str(meta.get("title", name))
    start = _date(path, "scenario.start_date", meta.get("start_date"))
    end = _date(path, "scenario.end_date", meta.get("end_date"))
    if end <= start:
        raise ScenarioError(path, "scenario.end_date", f"must be after start_date {start}, got {end}")

    # parameters: name = { value, unit, source }
    raw = _table(path, "parameters", doc.get("parameters"))
    params: dict[str, Any] = {}
    info: dict[str, dict[str, str]] = {}
    for key, row in raw.items():
        row = _table(path, f"parameters.{key}", row)
        if "value" not in row:
            raise ScenarioError(path, f"parameters.{key}.value", "missing")
        _source(path, f"parameters.{key}", row)
        value = row["value"]
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            params[key] = value
        elif isinstance(value, list):              # a list of eastern sector names (_SECTOR_LISTS)
            params[key] = _names(path, f"parameters.{key}.value", value)
        else:
            params[key] = _number(path, f"parameters.{key}.value", value, minimum=None)
            if isinstance(value, int) and not isinstance(value, bool):
                params[key] = int(value)
        info[key] = {"unit": str(row.get("unit", "")), "source": row["source"]}
    missing = sorted(REQUIRED_PARAMS - params.keys())
    if missing:
        raise ScenarioError(path, "parameters", f"missing required parameter(s): {', '.join(missing)}")

    terrain = {}
    for key, row in _table(path, "terrain", doc.get("terrain")).items():
        row = _table(path, f"terrain.{key}", row)
        _source(path, f"terrain.{key}", row)
        terrain[key] = _number(path, f"terrain.{key}.value", row.get("value"), minimum=1e-9)

    road_classes = {}
    for key, row in _table(path, "road_classes", doc.get("road_classes")).items():
        row = _table(path, f"road_classes.{key}", row)
        _source(path, f"road_classes.{key}", row)
        road_classes[key] = RoadClass(
            key,
            _number(path, f"road_classes.{key}.speed_km_day", row.get("speed_km_day"), minimum=1e-9),
            _number(path, f"road_classes.{key}.capacity", row.get("capacity")),
            bool(row.get("infantry_only", False)),
        )

    theatre = _table(path, "theatre", doc.get("theatre"))
    forces = _table(path, "forces", doc.get("forces"))
    east = _table(path, "east", doc.get("east"))
    nodes = []
    seen: set[str] = set()
    for i, row in enumerate(_rows(path, theatre, "theatre.nodes")):
        where = f"theatre.nodes[{i}]"
        nm = _text(path, f"{where}.name", row.get("name"))
        where = f"theatre.nodes[{nm}]"
        if nm in seen:
            raise ScenarioError(path, f"{where}.name", "duplicate node name")
        seen.add(nm)
        _source(path, where, row)
        nodes.append(Node(
            nm,
            _number(path, f"{where}.lat", row.get("lat"), minimum=-90, maximum=90),
            _number(path, f"{where}.lon", row.get("lon"), minimum=-180, maximum=180),
            _number(path, f"{where}.area_km2", row.get("area_km2")),
            _choice(path, f"{where}.terrain", row.get("terrain"), tuple(terrain)),
            _number(path, f"{where}.fortification", row.get("fortification"), maximum=1.0),
            _choice(path, f"{where}.control", row.get("control"), SIDES),
            _choice(path, f"{where}.region", row.get("region"), REGIONS),
        ))
    by_name = {n.name: n for n in nodes}

    def node_ref(where: str, value: Any) -> str:
        value = _text(path, where, value)
        if value not in by_name:
            raise ScenarioError(path, where, f"unknown node {value!r}; allowed: the names in theatre.nodes")
        return value

    edges = []
    pairs: set[frozenset] = set()
    for i, row in enumerate(_rows(path, theatre, "theatre.edges")):
        where = f"theatre.edges[{i}]"
        a, b = node_ref(f"{where}.a", row.get("a")), node_ref(f"{where}.b", row.get("b"))
        where = f"theatre.edges[{a}–{b}]"
        if a == b:
            raise ScenarioError(path, where, "an edge must join two different nodes")
        if frozenset((a, b)) in pairs:
            raise ScenarioError(path, where, "duplicate edge")
        pairs.add(frozenset((a, b)))
        _source(path, where, row)
        cls = _choice(path, f"{where}.class", row.get("class"), (*road_classes, "rail"))
        km = row.get("km")
        km = None if km is None else _number(path, f"{where}.km", km, minimum=1e-9)
        days = row.get("days")
        if cls == "rail":
            days = int(_number(path, f"{where}.days", days, minimum=1, integer=True))
        elif days is not None:
            raise ScenarioError(path, f"{where}.days", "only rail edges take transit days")
        edges.append(Edge(a, b, cls, km, days))

    depots = []
    for i, row in enumerate(_rows(path, theatre, "theatre.depots")):
        where = f"theatre.depots[{i}]"
        nd = node_ref(f"{where}.node", row.get("node"))
        _source(path, where, row)
        side = _choice(path, f"{where}.side", row.get("side"), SIDES)
        if by_name[nd].control != side:
            raise ScenarioError(path, f"{where}.node", f"depot {nd!r} is not held by {side} at the start")
        depots.append(Depot(nd, side, _number(path, f"{where}.capacity", row.get("capacity"))))

    units = []
    unit_names: set[str] = set()
    for i, row in enumerate(_rows(path, forces, "forces.units")):
        where = f"forces.units[{i}]"
        nm = _text(path, f"{where}.name", row.get("name"))
        where = f"forces.units[{nm}]"
        if nm in unit_names:
            raise ScenarioError(path, f"{where}.name", "duplicate unit name")
        unit_names.add(nm)
        _source(path, where, row)
        side = _choice(path, f"{where}.side", row.get("side"), UNIT_SIDES)
        nd = node_ref(f"{where}.node", row.get("node"))
        strength = share = None
        if "personnel" in row:
            strength = _number(path, f"{where}.personnel", row["personnel"], minimum=1e-9)
        elif side in ("UA", "NK") and "share" in row:
            share = _number(path, f"{where}.share", row["share"], minimum=1e-9)
        else:
            raise ScenarioError(path, f"{where}.personnel",
                                "missing; give personnel, or share for UA/NK units of the parameter total")
        arrival = None
        if "arrival" in row:
            if side == "NK":
                raise ScenarioError(path, f"{where}.arrival", "NK units arrive on the nk_arrival parameter")
            arrival = _date(path, f"{where}.arrival", row["arrival"])
            if not start <= arrival <= end:
                raise ScenarioError(path, f"{where}.arrival",
                                    f"{arrival} is outside the horizon; allowed: {start} .. {end}")
        target = row.get("target")
        spec = UnitSpec(
            nm, side, nd, strength, share, arrival, _flag(path, f"{where}.reserve", row.get("reserve", False)),
            _choice(path, f"{where}.mobility", row.get("mobility", "mechanized"), MOBILITIES),
            None if target is None else node_ref(f"{where}.target", target),
            None if "quality" not in row else _number(path, f"{where}.quality", row["quality"], minimum=1e-9),
            _flag(path, f"{where}.garrison", row.get("garrison", False)),
        )
        if by_name[nd].region == "east":
            # A sector's own forces: they hold or attack there, and nothing else.
            if side == "NK" or spec.reserve or spec.garrison or spec.target or strength is None:
                raise ScenarioError(path, f"{where}.node", f"{nd!r} is an eastern sector; a unit there is a UA or RU "
                                    "force with its own personnel, not a reserve, garrison or unit with a target")
        elif spec.garrison and side != "UA":
            raise ScenarioError(path, f"{where}.garrison", "only Ukrainian units garrison a node")
        units.append(spec)

    sectors = []
    for i, row in enumerate(_rows(path, east, "east.sectors")):
        where = f"east.sectors[{i}]"
        nd = node_ref(f"{where}.node", row.get("node"))
        if by_name[nd].region != "east":
            raise ScenarioError(path, f"{where}.node", f"{nd!r} is not a node of region 'east'")
        _source(path, where, row)
        sectors.append(EastSector(
            nd,
            _number(path, f"{where}.frontage", row.get("frontage"), minimum=1e-9),
            _number(path, f"{where}.gain_share", row.get("gain_share"), maximum=1.0),
            _number(path, f"{where}.grouping_origin", row.get("grouping_origin"), maximum=1.0),
        ))
        for side in SIDES:
            if not any(u.node == nd and u.side == side and u.arrival is None for u in units):
                raise ScenarioError(path, f"{where}.node", f"no {side} unit holds sector {nd!r} at the start; "
                                    f"give it one in forces.units")
    total = sum(s.gain_share for s in sectors)
    if abs(total - 1.0) > 1e-6:
        raise ScenarioError(path, "east.sectors.gain_share", f"must sum to 1 over the sectors, got {total:g}")
    total = sum(s.grouping_origin for s in sectors)
    if total > 1.0 + 1e-6:       # the rest comes from fronts the model does not hold
        raise ScenarioError(path, "east.sectors.grouping_origin", f"must sum to at most 1, got {total:g}")
    if len({s.column for s in sectors}) < len(sectors):
        raise ScenarioError(path, "east.sectors", "two sectors give the same column name")
    sector_nodes = {s.node for s in sectors}
    for u in units:
        if by_name[u.node].region == "east" and u.node not in sector_nodes:
            raise ScenarioError(path, f"forces.units[{u.name}].node", f"{u.node!r} is not an eastern sector")

    allocation = {}
    for i, row in enumerate(_rows(path, east, "east.allocation")):
        where = f"east.allocation[{i}]"
        nd = node_ref(f"{where}.node", row.get("node"))
        if nd not in sector_nodes:
            raise ScenarioError(path, f"{where}.node", f"{nd!r} is not an eastern sector")
        _source(path, where, row)
        allocation[nd] = _number(path, f"{where}.share", row.get("share"), maximum=1.0)
    if sum(allocation.values()) <= 0:
        raise ScenarioError(path, "east.allocation", "shares must not all be zero")

    msr = theatre.get("main_supply_route")
    if not isinstance(msr, list) or len(msr) < 2:
        raise ScenarioError(path, "theatre.main_supply_route", "must list at least two node names")
    msr = tuple(node_ref(f"theatre.main_supply_route[{i}]", n) for i, n in enumerate(msr))
    for a, b in zip(msr, msr[1:]):
        if frozenset((a, b)) not in pairs:
            raise ScenarioError(path, "theatre.main_supply_route", f"{a!r} and {b!r} are not joined by an edge")
    targets = theatre.get("sumy_targets", [])
    if not isinstance(targets, list):
        raise ScenarioError(path, "theatre.sumy_targets", "must be a list of node names")
    targets = tuple(node_ref(f"theatre.sumy_targets[{i}]", n) for i, n in enumerate(targets))
    for i, nd in enumerate(targets):
        if by_name[nd].region != "ua_rear" or by_name[nd].control != "UA":
            raise ScenarioError(path, f"theatre.sumy_targets[{i}]", f"{nd!r} must be a Ukrainian-held node of region 'ua_rear'")
    base = next((d.node for d in depots if d.side == "UA"), None)
    rail = {frozenset((e.a, e.b)) for e in edges if e.road_class == "rail"}
    for nd in sector_nodes:
        if frozenset((base, nd)) not in rail:
            raise ScenarioError(path, "east.sectors", f"no rail edge from {base!r} (the first UA depot) to {nd!r}")

    variants = {}
    for key, row in _table(path, "variants", doc.get("variants", {})).items():
        row = _table(path, f"variants.{key}", row)
        variants[key] = {k: v for k, v in row.items() if k != "description"}
        for k, v in variants[key].items():       # checked now, so that `check` refuses a broken variant
            try:
                _coerce_param(path, k, params, v)
            except ScenarioError as exc:
                raise ScenarioError(path, f"variants.{key}.{k}", exc.message) from None

    sc = Scenario(path, name, title, start, end, params, info, terrain, road_classes, tuple(nodes),
                  tuple(edges), tuple(depots), tuple(units), tuple(sectors), allocation, msr, targets,
                  variants)

    changes: dict[str, Any] = {}
    if variant is not None:
        if variant not in variants:
            raise ScenarioError(path, "--variant", f"unknown variant {variant!r}; allowed: {', '.join(sorted(variants)) or 'none'}")
        changes.update(variants[variant])
    changes.update(overrides or {})
    for key, value in changes.items():
        params[key] = _coerce_param(path, key, params, value)
    sc = replace(sc, params=params, variant=variant)
    _check_params(sc)
    _check_edges_and_depots(sc)
    return sc


REQUIRED_PARAMS = {
    "ua_troops_kursk", "nk_troops", "ua_quality", "ru_quality", "nk_quality", "ua_replacements_per_day",
    "ru_replacements_per_day", "withdraw_date", "withdraw_fraction", "refit_days", "tortuosity",
    "drone_range_km", "drone_range_2024_km", "drone_ramp_start", "drone_ramp_end", "fire_loss_per_km",
    "stock_days", "resupply_days_per_day", "unsupplied_power", "cut_cohesion_loss_per_day",
    "surrender_cohesion", "surrender_daily_prob", "surrender_captured_share", "breakout_loss_share",
    "attrition_coefficient", "attrition_enemy_exponent", "attrition_own_exponent", "force_unit",
    "attrition_noise_cv", "attacker_exposure", "breakthrough_ratio", "advance_km2_per_day", "attack_ratio_min",
    "attack_cohesion_min", "break_cohesion", "consolidation_days", "cohesion_per_loss", "cohesion_recovery_per_day",
    "sector_support", "sector_depth_hops", "remnant_personnel", "pipeline_surprise", "nk_arrival", "nk_initial_exposure", "nk_learned_exposure",
    "nk_learning_days", "nk_learned_quality", "east_ua_replacements_per_day", "east_ru_replacements_per_day",
    "ru_redeploy_delay_days", "ru_redeploy_share", "ru_grouping_from_east", "ru_transit_days", "withdraw_sectors",
    "nk_east_without_incursion",
}


def _check_edges_and_depots(sc: Scenario) -> None:
    """Each depot must reach its side's front through its own side's ground (no rail, no pipeline)."""
    import networkx as nx

    control = {n.name: n.control for n in sc.nodes}
    for side in SIDES:
        g = nx.Graph()
        g.add_nodes_from(n for n, c in control.items() if c == side)
        for e in sc.edges:
            if e.road_class == "rail" or sc.road_classes[e.road_class].infantry_only:
                continue
            if control[e.a] == side and control[e.b] == side:
                g.add_edge(e.a, e.b)
        front = {e.a if control[e.a] == side else e.b for e in sc.edges
                 if e.road_class != "rail" and control[e.a] != control[e.b]}
        for i, depot in enumerate(sc.depots):
            if depot.side != side:
                continue
            if not front & nx.node_connected_component(g, depot.node):
                raise ScenarioError(sc.path, f"theatre.depots[{i}].node",
                                    f"depot {depot.node!r} is cut off from {side}'s front; "
                                    f"it must connect to it through {side}-held nodes by road")
    if not any(d.side == "UA" for d in sc.depots) or not any(d.side == "RU" for d in sc.depots):
        raise ScenarioError(sc.path, "theatre.depots", "each side (UA, RU) needs at least one depot")
