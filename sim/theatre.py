"""The theatre: the supply-line graph and the geometry that never changes during a run.

Nodes are integers 0..n-1 (their names are attributes), so that the daily rules can index flat
lists instead of hashing names. Built once per process per geography and shared by its models;
read-only afterwards, except for memos of pure functions of the geography (fire control's reach,
searches keyed on a map of who holds which node), which only grow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import networkx as nx
import numpy as np

from .fire_control import FireControl
from .scenario import Scenario

KM_PER_DEG_LAT = 110.57          # WGS84 mean, good to <1% at these latitudes
KM_PER_DEG_LON_EQUATOR = 111.32


def local_xy_km(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float) -> tuple[np.ndarray, np.ndarray]:
    """Equirectangular projection around (lat0, lon0): adequate for distances of tens of km."""
    x = (lon - lon0) * KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))
    y = (lat - lat0) * KM_PER_DEG_LAT
    return x, y


_BUILT: dict[tuple, "Theatre"] = {}


@dataclass(frozen=True)
class Link:
    """One edge of the graph as the daily rules see it."""
    index: int
    a: int
    b: int
    km: float
    road_class: str
    speed_km_day: float
    capacity: float
    infantry_only: bool
    rail_days: int | None

    def other(self, node: int) -> int:
        return self.b if node == self.a else self.a


class Theatre:
    """Static graph, geometry and lookups of a scenario."""

    @classmethod
    def of(cls, scenario: Scenario) -> "Theatre":
        """The theatre of `scenario`, built once per process and shared by every model that uses the
        same geography (it is read-only): a batch builds it once, not once per run."""
        key = (scenario.nodes, scenario.edges, scenario.depots, scenario.main_supply_route, scenario.sumy_targets,
               tuple(scenario.road_classes.items()), tuple(scenario.terrain.items()),
               scenario.params.tortuosity)
        theatre = _BUILT.get(key)
        if theatre is None:
            if len(_BUILT) > 32:
                _BUILT.clear()
            theatre = _BUILT[key] = cls(scenario)
        return theatre

    def __init__(self, scenario: Scenario):
        sc = scenario
        self.names = [n.name for n in sc.nodes]
        self.index = {name: i for i, name in enumerate(self.names)}
        self.n = len(self.names)
        self.lat = np.array([n.lat for n in sc.nodes])
        self.lon = np.array([n.lon for n in sc.nodes])
        self.area = [n.area_km2 for n in sc.nodes]
        self.region = [n.region for n in sc.nodes]
        self.in_kursk = [r == "kursk" for r in self.region]
        # Defender's multiplier: terrain and fortification protect whoever holds the node.
        self.protection = [sc.terrain[n.terrain] * (1.0 + n.fortification) for n in sc.nodes]
        self.initial_control = [n.control for n in sc.nodes]

        kursk = [i for i, r in enumerate(self.region) if r != "east"]
        lat0, lon0 = float(self.lat[kursk].mean()), float(self.lon[kursk].mean())
        self.x, self.y = local_xy_km(self.lat, self.lon, lat0, lon0)

        tortuosity = sc.params.tortuosity
        self.links: list[Link] = []
        for e in sc.edges:
            a, b = self.index[e.a], self.index[e.b]
            straight = float(math.hypot(self.x[a] - self.x[b], self.y[a] - self.y[b]))
            km = e.km if e.km is not None else straight * tortuosity
            if e.road_class == "rail":
                link = Link(len(self.links), a, b, km, "rail", km / e.days, 0.0, False, e.days)
            else:
                rc = sc.road_classes[e.road_class]
                link = Link(len(self.links), a, b, km, rc.name, rc.speed_km_day, rc.capacity,
                            rc.infantry_only, None)
            self.links.append(link)
        self.link_capacity = [lk.capacity for lk in self.links]
        # Ground links (road, track, pipeline) per node; rail is separate: it only serves the east.
        self.ground: list[list[Link]] = [[] for _ in range(self.n)]
        self.rail: list[list[Link]] = [[] for _ in range(self.n)]
        for link in self.links:
            bucket = self.rail if link.rail_days else self.ground
            bucket[link.a].append(link)
            bucket[link.b].append(link)
        self.neighbours = [[lk.other(i) for lk in self.ground[i] if not lk.infantry_only]
                           for i in range(self.n)]
        # What Russian doctrine may attack from each node: Kursk ground; once the salient is lost,
        # also the Sumy-oblast settlements of the scenario's sumy_targets.
        self.sumy_target = [name in sc.sumy_targets for name in self.names]
        self.sumy_target_nodes = [self.index[name] for name in sc.sumy_targets]
        self._target = tuple([self.in_kursk[i] or (sumy_open and self.sumy_target[i]) for i in range(self.n)]
                             for sumy_open in (False, True))
        self._attackable = tuple([[m for m in self.neighbours[i] if target[m]] for i in range(self.n)]
                                 for target in self._target)
        # Ground links as plain tuples for the hot loops: (other node, link, km, infantry only), and
        # what supply can flow over: (other node, link, capacity, km).
        self.ground_links = [[(lk.other(i), lk.index, lk.km, lk.infantry_only) for lk in self.ground[i]]
                             for i in range(self.n)]
        self.supply_links = [[(lk.other(i), lk.index, lk.capacity, lk.km) for lk in self.ground[i]
                              if lk.capacity > 0] for i in range(self.n)]
        # Hops between nodes over ground links: a brigade defends the nodes near its own.
        self.hops = [[-1] * self.n for _ in range(self.n)]
        for source in range(self.n):
            row, frontier, h = self.hops[source], [source], 0
            row[source] = 0
            while frontier:
                h += 1
                nxt = []
                for node in frontier:
                    for nb in self.neighbours[node]:
                        if row[nb] < 0:
                            row[nb] = h
                            nxt.append(nb)
                frontier = nxt
        self._sectors: dict[tuple, list] = {}
        self._control_states: dict[tuple, int] = {}      # who holds each node -> an id never reused
        self._next_state = 0
        self.memo: dict[tuple, object] = {}               # searches keyed on a control state (KurskModel)
        self.link_between = {}
        for link in self.links:
            self.link_between[(link.a, link.b)] = link
            self.link_between[(link.b, link.a)] = link

        # Fire control geometry: distance (km) from every node to the middle of every ground link.
        # Drones control a road when they reach its middle stretch, not merely one end of it (a
        # front-line node's last mile is always near the enemy; its road is not always closed).
        ground_links = [lk for lk in self.links if not lk.rail_days]
        mx = np.array([(self.x[lk.a] + self.x[lk.b]) / 2 for lk in ground_links])
        my = np.array([(self.y[lk.a] + self.y[lk.b]) / 2 for lk in ground_links])
        self.node_link_km = np.full((self.n, len(self.links)), np.inf)
        self.node_link_km[:, [lk.index for lk in ground_links]] = np.hypot(
            self.x[:, None] - mx[None, :], self.y[:, None] - my[None, :])
        self.fire_control = FireControl(self.node_link_km)   # its memo serves every run in the process

        self.depots = {side: [(self.index[d.node], d.capacity) for d in sc.depots if d.side == side]
                       for side in ("UA", "RU")}
        self.main_supply_route = [self.index[n] for n in sc.main_supply_route]
        self.msr_links = [self.link_between[(a, b)].index      # consecutive nodes are joined (validated)
                          for a, b in pairwise(self.main_supply_route)]
        self.sumy = self.depots["UA"][0][0]          # the first Ukrainian depot is the base in the rear

    def control_state(self, control: list[str]) -> int:
        """A small integer naming `control` (who holds each node): the same map gets the same id in
        every run of the process, so that searches that depend only on it (supply trees, routes,
        the frontier) are done once per map, not once per run."""
        key = tuple(control)
        state = self._control_states.get(key)
        if state is None:
            if len(self._control_states) > 65536:      # keep memory bounded: forget, never reuse an id
                self._control_states.clear()
                self.memo.clear()
            state = self._control_states[key] = self._next_state
            self._next_state += 1
        return state

    def attackable_neighbours(self, sumy_open: bool) -> list[list[int]]:
        """Per node, the neighbours Russian doctrine may attack from it (Kursk ground, and the Sumy
        targets once `sumy_open`)."""
        return self._attackable[sumy_open]

    def may_attack(self, sumy_open: bool) -> list[bool]:
        """Per node, whether Russian doctrine may attack it (see attackable_neighbours)."""
        return self._target[sumy_open]

    def sectors(self, depth: int, support: float) -> list[dict[int, float]]:
        """Per node, the weight support^h of each node h <= `depth` hops away (cached): how much of
        a brigade's power reaches a node of its sector (combat.defence)."""
        key = (int(depth), float(support))
        if key not in self._sectors:
            self._sectors[key] = [{m: support ** h for m, h in enumerate(row) if 0 <= h <= key[0]}
                                  for row in self.hops]
        return self._sectors[key]

    def graph(self) -> nx.Graph:
        """The theatre as a networkx graph, nodes carrying name, lat/lon, area and region."""
        g = nx.Graph()
        for i, name in enumerate(self.names):
            g.add_node(i, name=name, lat=float(self.lat[i]), lon=float(self.lon[i]),
                       area_km2=self.area[i], region=self.region[i])
        for lk in self.links:
            g.add_edge(lk.a, lk.b, index=lk.index, km=lk.km, road_class=lk.road_class,
                       capacity=lk.capacity)
        return g

    def positions(self) -> dict[int, tuple[float, float]]:
        """(lon, lat) per node, for Mesa's Network layout and for maps."""
        return {i: (float(self.lon[i]), float(self.lat[i])) for i in range(self.n)}
