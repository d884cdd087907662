"""Toy theatres and helpers for the rule tests of helper b2 (movement, doctrine, units, randomness,
theatre). Distances are given explicitly (edge `km`) wherever a test computes with them by hand.
"""

from __future__ import annotations

from toy_scenario import toy_doc

import sim.theatre as theatre_module
from sim.model import KurskModel

# A line A - B - C - D - E: A is the Ukrainian depot (ua_rear), B and C Ukrainian Kursk ground, D
# Russian Kursk ground, E the Russian depot (ru_rear). B-C is a track (12 km/day), the rest roads
# (25 km/day).
LINE = [
    ("A", 51.00, 35.00, "UA", "ua_rear", 0.0),
    ("B", 51.10, 35.00, "UA", "kursk", 100.0),
    ("C", 51.20, 35.00, "UA", "kursk", 100.0),
    ("D", 51.30, 35.00, "RU", "kursk", 100.0),
    ("E", 51.40, 35.00, "RU", "ru_rear", 0.0),
]
LINE_EDGES = [("A", "B", "road"), ("B", "C", "track"), ("C", "D", "road"), ("D", "E", "road")]
LINE_KM = {("A", "B"): 10.0, ("B", "C"): 20.0, ("C", "D"): 5.0, ("D", "E"): 5.0}

# The same line with a pipeline from E (Russian depot) to B (Ukrainian, behind C): 7 km at 3.5 km/day.
PIPE_EDGES = LINE_EDGES + [("E", "B", "pipeline")]
PIPE_KM = {**LINE_KM, ("E", "B"): 7.0}

# A diamond S - {P, Q} - G for routing choices (all Ukrainian; R is the Russian depot behind G).
DIAMOND = [
    ("S", 51.00, 35.00, "UA", "ua_rear", 0.0),
    ("P", 51.10, 34.90, "UA", "kursk", 100.0),
    ("Q", 51.10, 35.10, "UA", "kursk", 100.0),
    ("G", 51.20, 35.00, "UA", "kursk", 100.0),
    ("R", 51.30, 35.00, "RU", "ru_rear", 0.0),
]
DIAMOND_EDGES = [("S", "P", "road"), ("P", "G", "road"), ("S", "Q", "road"), ("Q", "G", "road"),
                 ("G", "R", "road")]

# A fork for Russian target choice: from the Russian node X, two Ukrainian Kursk nodes U1 and U2 are
# adjacent; W (ua_rear, a Sumy target in some tests) is adjacent to X too; Y is Russian rear ground.
FORK = [
    ("Base", 51.00, 35.00, "UA", "ua_rear", 0.0),
    ("U1", 51.10, 34.90, "UA", "kursk", 100.0),
    ("U2", 51.10, 35.10, "UA", "kursk", 100.0),
    ("X", 51.20, 35.00, "RU", "kursk", 100.0),
    ("W", 51.20, 35.30, "UA", "ua_rear", 50.0),
    ("Y", 51.30, 35.00, "RU", "ru_rear", 0.0),
]
FORK_EDGES = [("Base", "U1", "road"), ("Base", "U2", "road"), ("U1", "X", "road"), ("U2", "X", "road"),
              ("X", "W", "road"), ("Base", "W", "road"), ("X", "Y", "road")]


def with_km(doc: dict, km: dict[tuple[str, str], float]) -> dict:
    """Give the edges of `doc` explicit lengths (either direction of a pair)."""
    for row in doc["theatre"]["edges"]:
        length = km.get((row["a"], row["b"]), km.get((row["b"], row["a"])))
        if length is not None:
            row["km"] = length
    return doc


def line_doc(units, edges=LINE_EDGES, km=LINE_KM, **params) -> dict:
    params.setdefault("attrition_noise_cv", 0.0)
    return with_km(toy_doc(LINE, edges, units, ua_depot="A", ru_depot="E", msr=["A", "B"], **params), km)


def fork_doc(units, **params) -> dict:
    params.setdefault("attrition_noise_cv", 0.0)
    return toy_doc(FORK, FORK_EDGES, units, ua_depot="Base", ru_depot="Y", msr=["Base", "U1"], **params)


def fresh_model(scenario, policy: str = "hold", seed: int = 0) -> KurskModel:
    """A model on a theatre built now (not one memoised by an earlier test or an earlier process:
    Theatre.of shares theatres, and a mutation test must see its own build)."""
    theatre_module._BUILT.clear()
    return KurskModel(scenario, policy, seed)


def named(model, name: str):
    return next(u for u in model.units if u.name == name)
