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
from itertools import pairwise
from pathlib import Path
from typing import Any

from . import parameters
from .parameters import ParameterError, Parameters

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
    params: Parameters
    param_info: dict[str, dict[str, str]]      # name -> {unit, source} as the file gives them
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
        total = self.params.ua_troops_kursk if unit.side == "UA" else self.params.nk_troops
        shares = sum(u.share for u in self.units if u.side == unit.side and u.share is not None)
        return total * unit.share / shares

    def arrival(self, unit: UnitSpec) -> dt.date:
        if unit.side == "NK":
            return self.params.nk_arrival
        return unit.arrival or self.start

    def with_params(self, **changes: Any) -> "Scenario":
        """A copy with some parameters changed (strings are parsed to the parameter's type)."""
        values = {key: _param(self.path, key, value, getattr(self.params, key, None)) for key, value in changes.items()}
        scenario = replace(self, params=self.params.replace(**values))
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


# --- parameters (sim.parameters says which exist and what each may hold) -----------------------

def _param(path, key: str, value: Any, like: Any = None) -> Any:
    """parameters.coerce, its errors naming the file."""
    try:
        return parameters.coerce(key, value, like)
    except ParameterError as exc:
        raise ScenarioError(path, exc.where, exc.message) from None


def _check_params(sc: Scenario) -> None:
    try:
        parameters.check(sc.params, sc.start, sc.end, tuple(s.node for s in sc.east_sectors))
    except ParameterError as exc:
        raise ScenarioError(sc.path, exc.where, exc.message) from None


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
    name, title, start, end = _read_meta(path, doc)
    params, info = _read_parameters(path, doc)
    terrain = _read_terrain(path, doc)
    road_classes = _read_road_classes(path, doc)
    theatre = _table(path, "theatre", doc.get("theatre"))
    forces = _table(path, "forces", doc.get("forces"))
    east = _table(path, "east", doc.get("east"))
    nodes = _read_nodes(path, theatre, terrain)
    nodes_by_name = {n.name: n for n in nodes}
    edges = _read_edges(path, theatre, nodes_by_name, road_classes)
    depots = _read_depots(path, theatre, nodes_by_name)
    units = _read_units(path, forces, nodes_by_name, start, end)
    sectors = _read_sectors(path, east, nodes_by_name, units)
    allocation = _read_allocation(path, east, nodes_by_name, sectors)
    msr, targets = _read_routes(path, theatre, nodes_by_name, edges)
    _check_rail_to_sectors(path, depots, edges, sectors)
    variants = _read_variants(path, doc)

    sc = Scenario(path, name, title, start, end, params, info, terrain, road_classes, tuple(nodes),
                  tuple(edges), tuple(depots), tuple(units), tuple(sectors), allocation, msr, targets,
                  variants)
    _check_params(sc)
    for key, changes in variants.items():        # every variant, so that `check` refuses a broken one
        try:
            sc.with_params(**changes)
        except ScenarioError as exc:
            where = exc.field.removeprefix("parameters.")
            raise ScenarioError(path, f"variants.{key}.{where}", exc.message) from None
    _check_edges_and_depots(sc)

    changes: dict[str, Any] = {}
    if variant is not None:
        if variant not in variants:
            raise ScenarioError(path, "--variant", f"unknown variant {variant!r}; allowed: {', '.join(sorted(variants)) or 'none'}")
        changes.update(variants[variant])
    changes.update(overrides or {})
    return replace(sc.with_params(**changes), variant=variant)


# --- one reader per table -----------------------------------------------------------------------

def _read_meta(path, doc: dict) -> tuple[str, str, dt.date, dt.date]:
    meta = _table(path, "scenario", doc.get("scenario"))
    name = _text(path, "scenario.name", meta.get("name"))
    start = _date(path, "scenario.start_date", meta.get("start_date"))
    end = _date(path, "scenario.end_date", meta.get("end_date"))
    if end <= start:
        raise ScenarioError(path, "scenario.end_date", f"must be after start_date {start}, got {end}")
    return name, str(meta.get("title", name)), start, end


def _read_parameters(path, doc: dict) -> tuple[Parameters, dict[str, dict[str, str]]]:
    """[parameters]: name = { value, unit, source }, one row for each of sim.parameters' names."""
    raw = _table(path, "parameters", doc.get("parameters"))
    values: dict[str, Any] = {}
    info: dict[str, dict[str, str]] = {}
    for key, row in raw.items():
        if key not in Parameters.names():
            raise ScenarioError(path, f"parameters.{key}", parameters.unknown(key).message)
        row = _table(path, f"parameters.{key}", row)
        if "value" not in row:
            raise ScenarioError(path, f"parameters.{key}.value", "missing")
        _source(path, f"parameters.{key}", row)
        if isinstance(row["value"], str):          # a file gives numbers and dates as TOML values
            raise ScenarioError(path, f"parameters.{key}.value", f"must be {Parameters.kind(key)}, got the string {row['value']!r}")
        try:
            values[key] = parameters.coerce(key, row["value"])
        except ParameterError as exc:
            raise ScenarioError(path, f"parameters.{key}.value", exc.message) from None
        info[key] = {"unit": str(row.get("unit", "")), "source": row["source"]}
    missing = [n for n in Parameters.names() if n not in values]
    if missing:
        raise ScenarioError(path, "parameters", f"missing required parameter(s): {', '.join(missing)}")
    return Parameters(**values), info


def _read_terrain(path, doc: dict) -> dict[str, float]:
    terrain = {}
    for key, row in _table(path, "terrain", doc.get("terrain")).items():
        row = _table(path, f"terrain.{key}", row)
        _source(path, f"terrain.{key}", row)
        terrain[key] = _number(path, f"terrain.{key}.value", row.get("value"), minimum=1e-9)
    return terrain


def _read_road_classes(path, doc: dict) -> dict[str, RoadClass]:
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
    return road_classes


def _node_ref(path, nodes: dict[str, Node], where: str, value: Any) -> str:
    value = _text(path, where, value)
    if value not in nodes:
        raise ScenarioError(path, where, f"unknown node {value!r}; allowed: the names in theatre.nodes")
    return value


def _read_nodes(path, theatre: dict, terrain: dict[str, float]) -> list[Node]:
    nodes = []
    seen: set[str] = set()
    for i, row in enumerate(_rows(path, theatre, "theatre.nodes")):
        nm = _text(path, f"theatre.nodes[{i}].name", row.get("name"))
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
    return nodes


def _read_edges(path, theatre: dict, nodes: dict[str, Node], road_classes: dict[str, RoadClass]) -> list[Edge]:
    edges = []
    pairs: set[frozenset] = set()
    for i, row in enumerate(_rows(path, theatre, "theatre.edges")):
        where = f"theatre.edges[{i}]"
        a, b = _node_ref(path, nodes, f"{where}.a", row.get("a")), _node_ref(path, nodes, f"{where}.b", row.get("b"))
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
    return edges


def _read_depots(path, theatre: dict, nodes: dict[str, Node]) -> list[Depot]:
    depots = []
    for i, row in enumerate(_rows(path, theatre, "theatre.depots")):
        where = f"theatre.depots[{i}]"
        nd = _node_ref(path, nodes, f"{where}.node", row.get("node"))
        _source(path, where, row)
        side = _choice(path, f"{where}.side", row.get("side"), SIDES)
        if nodes[nd].control != side:
            raise ScenarioError(path, f"{where}.node", f"depot {nd!r} is not held by {side} at the start")
        depots.append(Depot(nd, side, _number(path, f"{where}.capacity", row.get("capacity"))))
    return depots


def _read_units(path, forces: dict, nodes: dict[str, Node], start: dt.date, end: dt.date) -> list[UnitSpec]:
    units = []
    unit_names: set[str] = set()
    for i, row in enumerate(_rows(path, forces, "forces.units")):
        nm = _text(path, f"forces.units[{i}].name", row.get("name"))
        where = f"forces.units[{nm}]"
        if nm in unit_names:
            raise ScenarioError(path, f"{where}.name", "duplicate unit name")
        unit_names.add(nm)
        _source(path, where, row)
        side = _choice(path, f"{where}.side", row.get("side"), UNIT_SIDES)
        nd = _node_ref(path, nodes, f"{where}.node", row.get("node"))
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
            None if target is None else _node_ref(path, nodes, f"{where}.target", target),
            None if "quality" not in row else _number(path, f"{where}.quality", row["quality"], minimum=1e-9),
            _flag(path, f"{where}.garrison", row.get("garrison", False)),
        )
        if nodes[nd].region == "east":
            # A sector's own forces: they hold or attack there, and nothing else.
            if side == "NK" or spec.reserve or spec.garrison or spec.target or strength is None:
                raise ScenarioError(path, f"{where}.node", f"{nd!r} is an eastern sector; a unit there is a UA or RU "
                                    "force with its own personnel, not a reserve, garrison or unit with a target")
        elif spec.garrison and side != "UA":
            raise ScenarioError(path, f"{where}.garrison", "only Ukrainian units garrison a node")
        units.append(spec)
    return units


def _read_sectors(path, east: dict, nodes: dict[str, Node], units: list[UnitSpec]) -> list[EastSector]:
    sectors = []
    for i, row in enumerate(_rows(path, east, "east.sectors")):
        where = f"east.sectors[{i}]"
        nd = _node_ref(path, nodes, f"{where}.node", row.get("node"))
        if nodes[nd].region != "east":
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
        if nodes[u.node].region == "east" and u.node not in sector_nodes:
            raise ScenarioError(path, f"forces.units[{u.name}].node", f"{u.node!r} is not an eastern sector")
    return sectors


def _read_allocation(path, east: dict, nodes: dict[str, Node], sectors: list[EastSector]) -> dict[str, float]:
    sector_nodes = {s.node for s in sectors}
    allocation = {}
    for i, row in enumerate(_rows(path, east, "east.allocation")):
        where = f"east.allocation[{i}]"
        nd = _node_ref(path, nodes, f"{where}.node", row.get("node"))
        if nd not in sector_nodes:
            raise ScenarioError(path, f"{where}.node", f"{nd!r} is not an eastern sector")
        _source(path, where, row)
        allocation[nd] = _number(path, f"{where}.share", row.get("share"), maximum=1.0)
    if sum(allocation.values()) <= 0:
        raise ScenarioError(path, "east.allocation", "shares must not all be zero")
    return allocation


def _read_routes(path, theatre: dict, nodes: dict[str, Node], edges: list[Edge]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """theatre.main_supply_route (joined by edges) and theatre.sumy_targets (Ukrainian-held, in Sumy oblast)."""
    pairs = {frozenset((e.a, e.b)) for e in edges}
    msr = theatre.get("main_supply_route")
    if not isinstance(msr, list) or len(msr) < 2:
        raise ScenarioError(path, "theatre.main_supply_route", "must list at least two node names")
    msr = tuple(_node_ref(path, nodes, f"theatre.main_supply_route[{i}]", n) for i, n in enumerate(msr))
    for a, b in pairwise(msr):
        if frozenset((a, b)) not in pairs:
            raise ScenarioError(path, "theatre.main_supply_route", f"{a!r} and {b!r} are not joined by an edge")
    targets = theatre.get("sumy_targets", [])
    if not isinstance(targets, list):
        raise ScenarioError(path, "theatre.sumy_targets", "must be a list of node names")
    targets = tuple(_node_ref(path, nodes, f"theatre.sumy_targets[{i}]", n) for i, n in enumerate(targets))
    for i, nd in enumerate(targets):
        if nodes[nd].region != "ua_rear" or nodes[nd].control != "UA":
            raise ScenarioError(path, f"theatre.sumy_targets[{i}]", f"{nd!r} must be a Ukrainian-held node of region 'ua_rear'")
    return msr, targets


def _check_rail_to_sectors(path, depots: list[Depot], edges: list[Edge], sectors: list[EastSector]) -> None:
    """Brigades go east by rail from the first Ukrainian depot: every sector needs that line."""
    base = next((d.node for d in depots if d.side == "UA"), None)
    rail = {frozenset((e.a, e.b)) for e in edges if e.road_class == "rail"}
    for s in sectors:
        if frozenset((base, s.node)) not in rail:
            raise ScenarioError(path, "east.sectors", f"no rail edge from {base!r} (the first UA depot) to {s.node!r}")


def _read_variants(path, doc: dict) -> dict[str, dict[str, Any]]:
    """[variants.NAME]: parameter values (and a description); checked against the scenario by the loader."""
    variants = {}
    for key, row in _table(path, "variants", doc.get("variants", {})).items():
        row = _table(path, f"variants.{key}", row)
        variants[key] = {k: v for k, v in row.items() if k != "description"}
    return variants


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
