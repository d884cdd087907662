"""Toys for the rule tests of the eastern front and the Ukrainian policies (helper c).

Two kinds of toy:

- `make_front(...)`: an `EasternFront` built straight from plain numbers (sectors, their forces,
  protection, allocation) and the toy parameters, with `FakeModel` standing in for the model: the
  few attributes the front reads and writes (p, date, losses, losses_east, the day's draws). No
  scenario file, no Mesa: a rule function is called alone and its result compared with numbers
  worked out by hand from docs/ODD.md.
- `sectors_doc(...)`: a toy scenario document (tests/toy_scenario.py) with several eastern sectors,
  each railed to the Ukrainian depot, for the rules that need a real model (rail journeys,
  redeployment, the policies).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from toy_scenario import START, toy_doc, toy_params

from sim.eastern_front import EasternFront
from sim.parameters import Parameters
from sim.scenario import EastSector, UnitSpec

# The sector nodes of `make_front` are numbered from FIRST_NODE, so that a sector's node number
# (used by allocation and rail) differs from its position in the list of sectors.
FIRST_NODE = 10


_BASE: dict = {}


def params(**overrides) -> Parameters:
    """toy_parameters(**overrides), without reading the default scenario again for each test."""
    if not _BASE:
        _BASE.update(toy_params())
    return Parameters(**{**_BASE, **overrides})


def spec(side: str, node: str, personnel: float, quality: float | None = None,
         arrival: dt.date | None = None) -> UnitSpec:
    """A unit of `[forces]` placed on an eastern sector (or elsewhere)."""
    return UnitSpec(name=f"{side} {node} {personnel}", side=side, node=node, personnel=personnel, share=None,
                    arrival=arrival, quality=quality)


def make_front(sectors, units, *, allocation=None, protection=None, **kw) -> EasternFront:
    """An eastern front of `sectors` = [(node name, frontage, grouping_origin)], with the sector
    forces `units` (made with `spec`), `protection` per sector (default 1) and `allocation`
    {name: share} (default equal shares), under the toy parameters with `kw` changed."""
    p = params(**kw)
    names = [s[0] for s in sectors]
    index = {"Kursk town": 0, **{name: FIRST_NODE + k for k, name in enumerate(names)}}
    prot = [1.0] * (FIRST_NODE + len(names))
    for k, x in enumerate(protection or [1.0] * len(names)):
        prot[FIRST_NODE + k] = x
    scenario = SimpleNamespace(
        params=p,
        east_sectors=tuple(EastSector(node=n, frontage=f, gain_share=1.0 / len(sectors), grouping_origin=o)
                           for n, f, o in sectors),
        units=tuple(units),
        east_allocation=dict(allocation if allocation is not None else {n: 1.0 for n in names}),
    )
    return EasternFront(scenario, index, prot)


def node_of(k: int) -> int:
    """The node number of the k-th sector of `make_front`."""
    return FIRST_NODE + k


class FakeModel:
    """What the eastern front reads from and writes to the model, and nothing else: the parameters,
    the date, the loss accounts, the units (for rail arrivals), the salient and the day's draws."""

    def __init__(self, p, n_sectors: int = 1, date: dt.date = START, noise=None):
        self.p = p
        self.date = date
        self.losses = {"UA": 0.0, "RU": 0.0, "NK": 0.0}
        self.losses_east = {"UA": 0.0, "RU": 0.0, "NK": 0.0}
        self.units: list = []
        self.field_units: list = []
        self.salient_lost_on = None
        self.draws = SimpleNamespace(east=list(noise) if noise is not None else [1.0] * (2 * n_sectors))


def world(sectors, units, *, allocation=None, protection=None, date: dt.date = START, noise=None, **kw):
    """(front, model): `make_front(...)` and a FakeModel with the same parameters."""
    front = make_front(sectors, units, allocation=allocation, protection=protection, **kw)
    return front, FakeModel(params(**kw), len(sectors), date, noise)


def sectors_doc(sector_names=("East",), *, east_units=None, allocation=None, rail_days=None, origin=None,
                frontage=None, **kw) -> dict:
    """toy_doc with several eastern sectors (in the order given), each railed to the UA depot
    ("Base") in rail_days[name] days (default 1), with their own forces `east_units`."""
    doc = toy_doc(east_units=east_units if east_units is not None else [], **kw)
    nodes, edges = doc["theatre"]["nodes"], doc["theatre"]["edges"]
    nodes[:] = [n for n in nodes if n["name"] != "East"]
    edges[:] = [e for e in edges if e["b"] != "East"]
    rail_days = rail_days or {}
    for k, name in enumerate(sector_names):
        nodes.append({"name": name, "lat": 48.5, "lon": 37.0 + 0.2 * k, "area_km2": 0.0, "terrain": "open",
                      "fortification": 0.0, "control": "UA", "region": "east", "source": "test"})
        edges.append({"a": "Base", "b": name, "class": "rail", "days": rail_days.get(name, 1), "source": "test"})
    doc["east"]["sectors"] = [
        {"node": name, "frontage": (frontage or {}).get(name, 1.0), "gain_share": 1.0 / len(sector_names),
         "grouping_origin": (origin or {}).get(name, 0.0), "source": "test"}
        for name in sector_names]
    alloc = allocation if allocation is not None else {name: 1.0 / len(sector_names) for name in sector_names}
    doc["east"]["allocation"] = [{"node": n, "share": s, "source": "test"} for n, s in alloc.items()]
    return doc
