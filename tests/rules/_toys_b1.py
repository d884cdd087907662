"""Toy theatres and helpers for the rule tests of combat, control, supply and fire control (helper b1).

Every toy model is built without noise (attrition_noise_cv = 0, so every combat draw is exactly 1)
unless a test sets the draws itself, and with ru_quality = 1 so that a unit's power is its personnel
(power = personnel × quality × (0.5 + 0.5 × cohesion), cohesion 1 at the start).
"""

from __future__ import annotations

from toy_scenario import toy_doc, unit

from sim import KurskModel

# A line: Base(0) - Mid(1) - Town(2) - Hill(3) - RuBase(4), plus the toy's eastern sector East(5).
# Nodes 1-3 are in the kursk region, 100 km² each.
LINE = ["Base", "Mid", "Town", "Hill", "RuBase"]

# A fork behind Town: its depot-ward neighbour Mid has a HIGHER index than the dead end Side, so the
# rule "fall back towards the depots" and the rule "lowest-index friendly neighbour" disagree.
FORK_NODES = [
    ("Base", 51.00, 35.00, "UA", "ua_rear", 0.0),
    ("Side", 51.20, 34.90, "UA", "kursk", 50.0),
    ("Mid", 51.10, 35.00, "UA", "kursk", 100.0),
    ("Town", 51.20, 35.00, "UA", "kursk", 100.0),
    ("Hill", 51.30, 35.00, "RU", "kursk", 100.0),
    ("RuBase", 51.40, 35.00, "RU", "ru_rear", 0.0),
]
FORK_EDGES = [("Base", "Mid", "road"), ("Mid", "Town", "road"), ("Town", "Side", "road"),
              ("Town", "Hill", "road"), ("Hill", "RuBase", "road")]

# Two ways from Base to Town: Base-A-Town ends on a track (capacity 5,000), Base-B-Town is road all
# along (capacity 15,000) and longer.
WIDE_NODES = [("Base", 51.00, 35.00, "UA", "ua_rear", 0.0), ("A", 51.10, 35.00, "UA", "kursk", 10.0),
              ("B", 51.10, 35.20, "UA", "kursk", 10.0), ("Town", 51.20, 35.00, "UA", "kursk", 10.0),
              ("Hill", 51.30, 35.00, "RU", "kursk", 10.0), ("RuBase", 51.40, 35.00, "RU", "ru_rear", 0.0)]
WIDE_EDGES = [("Base", "A", "road"), ("A", "Town", "track"), ("Base", "B", "road"), ("B", "Town", "road"),
              ("Town", "Hill", "road"), ("Hill", "RuBase", "road")]

BASE_PARAMS = {"attrition_noise_cv": 0.0, "ru_quality": 1.0, "ua_quality": 1.0}


def toy_model(load_toy, nodes=None, edges=None, units=None, *, depot_capacity=None, policy="hold", seed=0,
              doc_edit=None, **params):
    """A KurskModel on a toy theatre (toy_scenario.toy_doc), noise off unless `params` says otherwise.

    depot_capacity : {"UA": c, "RU": c} to change the depots' daily capacity (personnel supplied).
    doc_edit : a function changing the document before it is loaded.
    """
    doc = toy_doc(nodes, edges, units, **{**BASE_PARAMS, **params})
    for row in doc["theatre"]["depots"]:
        if depot_capacity and row["side"] in depot_capacity:
            row["capacity"] = depot_capacity[row["side"]]
    if doc_edit is not None:
        doc_edit(doc)
    return KurskModel(load_toy(doc), policy, seed)


def node(model, name: str) -> int:
    return model.theatre.index[name]


def link(model, a: str, b: str) -> int:
    th = model.theatre
    return th.link_between[(th.index[a], th.index[b])].index


def named(model, name: str):
    return next(u for u in model.units if u.name == name)


def set_combat_draws(model, values: dict[tuple[str, str], float]) -> None:
    """Today's combat draws: 1 everywhere except {(node name, "UA"/"RU"): value}."""
    d = model.draws
    d._combat[:] = 1.0
    for (name, side), value in values.items():
        d._combat[:, 2 * node(model, name) + (0 if side == "UA" else 1)] = value
    d.day(model.day)


def set_supply_draws(model, value: float) -> None:
    """Today's surrender draw of every unit."""
    d = model.draws
    d._supply[:] = value
    d.day(model.day)


__all__ = ["FORK_EDGES", "FORK_NODES", "LINE", "WIDE_EDGES", "WIDE_NODES", "link", "named", "node",
           "set_combat_draws", "set_supply_draws", "toy_model", "unit"]
