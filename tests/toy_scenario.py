"""Build small, valid scenario files from Python data, for tests that must not depend on calibration.

`toy_doc(...)` returns a plain dict shaped like a scenario TOML document; tests change what they
need and `write_scenario(doc, path)` turns it into a file that `sim.scenario.load_scenario` accepts.

Every behaviour-relevant parameter of the toy theatres is set here explicitly. Only parameters that
the model requires and this file does not know yet (added later to sim.parameters) are copied from
the default scenario, so a new parameter does not break the suite.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import tomllib
from pathlib import Path
from typing import Any

from sim.parameters import Parameters

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = ROOT / "configs" / "kursk_2024.toml"

START = dt.date(2024, 9, 1)
END = dt.date(2024, 10, 31)

# The toy's parameters: plain reference values, chosen so each rule is easy to reason about.
TOY_PARAMS: dict[str, Any] = {
    "ua_troops_kursk": 3000, "nk_troops": 2000,
    "ua_quality": 1.0, "ru_quality": 0.8, "nk_quality": 0.7,
    "ua_replacements_per_day": 0, "ru_replacements_per_day": 0,    # keeps personnel accounting exact
    "withdraw_date": END,                                           # `withdraw` inert unless a test sets it
    "withdraw_fraction": 1.0, "refit_days": 2,
    "tortuosity": 1.0,
    "drone_range_km": 10.0, "drone_range_2024_km": 10.0,            # constant range over the horizon
    "drone_ramp_start": START, "drone_ramp_end": END,
    "fire_loss_per_km": 0.002,
    "stock_days": 7, "resupply_days_per_day": 2.0, "unsupplied_power": 0.5,
    "cut_cohesion_loss_per_day": 0.04, "surrender_cohesion": 0.35, "surrender_daily_prob": 0.0,
    "surrender_captured_share": 0.5, "breakout_loss_share": 0.3,
    "attrition_coefficient": 0.01, "attrition_enemy_exponent": 1.0, "attrition_own_exponent": 0.0,
    "force_unit": 1000, "attrition_noise_cv": 0.5, "attacker_exposure": 1.5,
    "breakthrough_ratio": 3.0, "attack_ratio_min": 1.2, "attack_cohesion_min": 0.55,
    "break_cohesion": 0.3, "consolidation_days": 0, "cohesion_per_loss": 2.0,
    "cohesion_recovery_per_day": 0.02, "sector_support": 0.5, "sector_depth_hops": 2,
    "remnant_personnel": 150, "pipeline_surprise": 2.0,
    "nk_arrival": START, "nk_initial_exposure": 3.0, "nk_learned_exposure": 1.2,
    "nk_learning_days": 30, "nk_learned_quality": 0.9,
    "east_ua_replacements_per_day": 0, "east_ru_replacements_per_day": 0,
    "ru_grouping_from_east": 0.0, "ru_redeploy_delay_days": 30, "ru_redeploy_share": 0.5, "ru_transit_days": 2,
}

# The toy's eastern sector and its own forces: quiet by default (the Russians, at 5,000 × 0.8 against
# 10,000 Ukrainians, stay below attack_ratio_min), so that tests of the Kursk rules see no eastern losses.
EAST_UNITS = [
    {"name": "East UA", "side": "UA", "node": "East", "personnel": 10000, "source": "test"},
    {"name": "East RU", "side": "RU", "node": "East", "personnel": 5000, "source": "test"},
]

# Node tuples: (name, lat, lon, control, region, area_km2)
LINE_NODES = [
    ("Base", 51.00, 35.00, "UA", "ua_rear", 0.0),
    ("Mid", 51.10, 35.00, "UA", "kursk", 100.0),
    ("Town", 51.20, 35.00, "UA", "kursk", 100.0),
    ("Hill", 51.30, 35.00, "RU", "kursk", 100.0),
    ("RuBase", 51.40, 35.00, "RU", "ru_rear", 0.0),
]
LINE_EDGES = [("Base", "Mid", "road"), ("Mid", "Town", "road"), ("Town", "Hill", "road"),
              ("Hill", "RuBase", "road")]


# One road from the depot to the front town. Hill stands 0.1° of longitude (~7.0 km at 51.1°N) east
# of the road's midpoint, and ~13 km from either end of it: inside a 10 km drone range of the middle
# of the road, outside it of both ends.
SUPPLY_NODES = [
    ("Base", 51.00, 35.00, "UA", "ua_rear", 0.0),
    ("Town", 51.20, 35.00, "UA", "kursk", 100.0),
    ("Hill", 51.10, 35.10, "RU", "kursk", 100.0),
    ("RuBase", 51.10, 35.40, "RU", "ru_rear", 0.0),
]
SUPPLY_EDGES = [("Base", "Town", "road"), ("Town", "Hill", "road"), ("Hill", "RuBase", "road")]

# Pocket is Ukrainian but both its neighbours (R1, RuBase) are Russian: encircled from the start.
# Front gives the Ukrainian depot the front line the loader requires.
POCKET_NODES = [
    ("Base", 51.00, 35.00, "UA", "ua_rear", 0.0),
    ("Front", 51.10, 35.00, "UA", "kursk", 100.0),
    ("R1", 51.20, 35.00, "RU", "kursk", 100.0),
    ("Pocket", 51.30, 35.00, "UA", "kursk", 100.0),
    ("RuBase", 51.30, 35.30, "RU", "ru_rear", 0.0),
]
POCKET_EDGES = [("Base", "Front", "road"), ("Front", "R1", "road"), ("R1", "Pocket", "road"),
                ("Pocket", "RuBase", "road"), ("R1", "RuBase", "road")]

def default_params_from_config() -> dict[str, Any]:
    """Values of the default scenario's [parameters] (only used to fill unknown required ones)."""
    with open(DEFAULT_CONFIG, "rb") as fh:
        raw = tomllib.load(fh)["parameters"]
    return {k: row["value"] for k, row in raw.items()}


def toy_params(**overrides: Any) -> dict[str, Any]:
    params = dict(TOY_PARAMS)
    missing = set(Parameters.names()) - params.keys()
    if missing:
        defaults = default_params_from_config()
        params.update({k: defaults[k] for k in missing})
    params.update(overrides)
    return params


def toy_parameters(**overrides: Any) -> Parameters:
    """The toy's parameters as the typed record the rules read (for testing a rule function alone)."""
    return Parameters(**toy_params(**overrides))


def unit(name: str, side: str, node: str, personnel: float | None = None, **extra: Any) -> dict:
    row = {"name": name, "side": side, "node": node}
    if personnel is not None:
        row["personnel"] = personnel
    row.update(extra)
    row.setdefault("source", "test")
    return row


def toy_doc(nodes=None, edges=None, units=None, *, ua_depot: str = "Base", ru_depot: str = "RuBase",
            msr: list[str] | None = None, start: dt.date = START, end: dt.date = END,
            rail_days: int = 1, east_units: list[dict] | None = None, sumy_targets: list[str] | None = None,
            east_sector: dict | None = None, **param_overrides: Any) -> dict:
    """A scenario document: a ground theatre plus one eastern sector ("East"), railed to the UA depot.

    nodes : (name, lat, lon, control, region, area_km2) tuples; default LINE_NODES.
    edges : (a, b, road class) tuples; default LINE_EDGES.
    units : rows made with `unit(...)`; default one UA brigade at Town.
    east_units : the sector's own forces; default EAST_UNITS (quiet).
    east_sector : fields of the sector row to change (frontage, grouping_origin, ...).
    sumy_targets : the Sumy targets list; default none.
    """
    nodes = LINE_NODES if nodes is None else nodes
    edges = LINE_EDGES if edges is None else edges
    units = [unit("UA 1", "UA", "Town", 2000)] if units is None else units
    node_rows = [
        {"name": n, "lat": lat, "lon": lon, "area_km2": area, "terrain": "open", "fortification": 0.0,
         "control": c, "region": r, "source": "test"}
        for n, lat, lon, c, r, area in nodes
    ]
    node_rows.append({"name": "East", "lat": 48.5, "lon": 37.5, "area_km2": 0.0, "terrain": "open",
                      "fortification": 0.0, "control": "UA", "region": "east", "source": "test"})
    edge_rows = [{"a": a, "b": b, "class": cls, "source": "test"} for a, b, cls in edges]
    edge_rows.append({"a": ua_depot, "b": "East", "class": "rail", "days": rail_days, "source": "test"})
    # dates that must lie in the horizon follow it unless the test sets them
    for key, value in (("drone_ramp_start", start), ("nk_arrival", start),
                       ("drone_ramp_end", end), ("withdraw_date", end)):
        param_overrides.setdefault(key, value)
    params = toy_params(**param_overrides)
    return {
        "scenario": {"name": "toy", "title": "toy theatre for tests", "start_date": start, "end_date": end},
        "parameters": {k: {"value": v, "unit": "-", "source": "test"} for k, v in sorted(params.items())},
        "terrain": {"open": {"value": 1.0, "source": "test"}, "urban": {"value": 1.5, "source": "test"}},
        "road_classes": {
            "road": {"speed_km_day": 25.0, "capacity": 15000, "source": "test"},
            "track": {"speed_km_day": 12.0, "capacity": 5000, "source": "test"},
            "pipeline": {"speed_km_day": 3.5, "capacity": 0, "infantry_only": True, "source": "test"},
        },
        "theatre": {
            "main_supply_route": msr or [nodes[0][0], nodes[1][0]],
            "sumy_targets": list(sumy_targets or []),
            "nodes": node_rows,
            "edges": edge_rows,
            "depots": [{"node": ua_depot, "side": "UA", "capacity": 100000, "source": "test"},
                       {"node": ru_depot, "side": "RU", "capacity": 100000, "source": "test"}],
        },
        "forces": {"units": list(units) + list(EAST_UNITS if east_units is None else east_units)},
        "east": {
            "sectors": [{"node": "East", "frontage": 1.0, "gain_share": 1.0, "grouping_origin": 0.0, "source": "test",
                         **(east_sector or {})}],
            "allocation": [{"node": "East", "share": 1.0, "source": "test"}],
        },
    }


# --- a small TOML writer (tomllib only reads) ---------------------------------------------------

def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() else json.dumps(k)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple)):
        if v and all(isinstance(x, dict) for x in v):
            return "[\n" + "".join(f"  {_value(x)},\n" for x in v) + "]"
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def to_toml(doc: dict) -> str:
    lines = []
    for table, body in doc.items():
        lines.append(f"[{_key(table)}]")
        for k, v in body.items():
            lines.append(f"{_key(k)} = {_value(v)}")
        lines.append("")
    return "\n".join(lines)


def write_scenario(doc: dict, path: Path) -> Path:
    path = Path(path)
    path.write_text(to_toml(doc), encoding="utf-8")
    return path
