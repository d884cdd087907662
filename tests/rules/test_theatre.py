"""ODD 7.12 Theatre geometry (sim/theatre.py): projection, edge lengths and speeds, ground and rail,
neighbours and hops, what Russia may attack, sector weights, protection, fire-control geometry, the
control-state ids, and the theatre shared between models.

The toy: A (UA depot, ua_rear) - B (urban, fortification 0.5) - C - D - E (RU depot, ru_rear) on the
meridian 35°E, 0.1° of latitude apart, plus the pipeline E-B and the eastern sector East railed to A.
The mean of the nodes outside the east is (51.2, 35.0): C is the origin.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from _toys_b2 import FORK, FORK_EDGES, LINE, with_km
from toy_scenario import toy_doc, unit

import sim.theatre as theatre_module
from sim.theatre import Theatre, local_xy_km

A, B, C, D, E, EAST = range(6)
AB, BC, CD, DE, EB, RAIL = range(6)
DY = 0.1 * 110.57                                        # km between neighbours on the line
TORTUOSITY = 1.3


def theatre_doc(**params):
    edges = [("A", "B", "road"), ("B", "C", "track"), ("C", "D", "road"), ("D", "E", "road"), ("E", "B", "pipeline")]
    doc = toy_doc(LINE, edges, [unit("U", "UA", "B", 1000)], ua_depot="A", ru_depot="E", msr=["A", "B", "C"],
                  sumy_targets=["A"], rail_days=2, tortuosity=TORTUOSITY, **params)
    with_km(doc, {("B", "C"): 20.0, ("D", "E"): 5.0, ("E", "B"): 7.0})      # A-B and C-D: from the map
    b = next(n for n in doc["theatre"]["nodes"] if n["name"] == "B")
    b["terrain"], b["fortification"] = "urban", 0.5
    return doc


@pytest.fixture
def scenario(load_toy):
    return load_toy(theatre_doc())


@pytest.fixture
def th(scenario):
    return Theatre(scenario)


# --- projection and lengths -------------------------------------------------------------------------

def test_local_projection_is_equirectangular():
    x, y = local_xy_km(np.array([60.1, 59.0]), np.array([35.1, 34.0]), 60.0, 35.0)
    assert x == pytest.approx([0.1 * 111.32 * 0.5, -111.32 * 0.5])      # cos 60° = 1/2
    assert y == pytest.approx([11.057, -110.57])


def test_nodes_are_placed_around_the_mean_of_the_nodes_outside_the_east(th):
    assert th.y[:5] == pytest.approx([-2 * DY, -DY, 0.0, DY, 2 * DY])
    assert th.x[:5] == pytest.approx([0.0] * 5, abs=1e-9)
    assert th.x[EAST] == pytest.approx(2.5 * 111.32 * math.cos(math.radians(51.2)))
    assert th.y[EAST] == pytest.approx(-2.7 * 110.57)
    assert th.names == ["A", "B", "C", "D", "E", "East"] and th.index["D"] == D and th.n == 6
    assert list(th.lat[:2]) == [51.0, 51.1] and list(th.lon[:2]) == [35.0, 35.0]


def test_edges_take_the_files_km_else_the_straight_distance_times_tortuosity(th):
    km = [lk.km for lk in th.links]
    assert km[:5] == pytest.approx([DY * TORTUOSITY, 20.0, DY * TORTUOSITY, 5.0, 7.0])
    assert [(lk.index, lk.a, lk.b) for lk in th.links] == [(0, A, B), (1, B, C), (2, C, D), (3, D, E), (4, E, B),
                                                           (5, A, EAST)]


def test_road_classes_give_speed_capacity_and_the_infantry_only_pipeline(th):
    ab, bc, eb = th.links[AB], th.links[BC], th.links[EB]
    assert (ab.road_class, ab.speed_km_day, ab.capacity, ab.infantry_only, ab.rail_days) == ("road", 25.0, 15000, False, None)
    assert (bc.road_class, bc.speed_km_day, bc.capacity) == ("track", 12.0, 5000)
    assert (eb.road_class, eb.speed_km_day, eb.capacity, eb.infantry_only) == ("pipeline", 3.5, 0, True)
    assert th.link_capacity == [15000, 5000, 15000, 15000, 0, 0]


def test_rail_runs_at_km_over_days_carries_no_supply_and_is_kept_apart(th):
    rail = th.links[RAIL]
    straight = math.hypot(th.x[A] - th.x[EAST], th.y[A] - th.y[EAST])
    assert rail.km == pytest.approx(straight * TORTUOSITY)
    assert (rail.road_class, rail.capacity, rail.rail_days, rail.infantry_only) == ("rail", 0.0, 2, False)
    assert rail.speed_km_day == pytest.approx(rail.km / 2)
    assert th.rail[A] == [rail] and th.rail[EAST] == [rail]
    assert all(rail not in links for links in th.ground)
    assert th.rail[B] == []


def test_geometry_off_the_meridian(load_toy):
    # The fork: mean (51.15, 35.05); kx, ky km per degree there. Base-U1 has no km: the straight
    # distance (0.1° each way) x tortuosity 1.2. W's distance to the middle of U1-X: U1 is at
    # (-0.15 kx, -0.05 ky), X at (-0.05 kx, 0.05 ky), their middle at (-0.1 kx, 0); W at (0.25 kx, 0.05 ky).
    edges = [e if e != ("Base", "W", "road") else ("Base", "W", "trail") for e in FORK_EDGES]
    doc = toy_doc(FORK, edges, [unit("U", "UA", "U1", 1000)], ua_depot="Base", ru_depot="Y", msr=["Base", "U1"],
                  tortuosity=1.2)
    doc["road_classes"]["trail"] = {"speed_km_day": 5.0, "capacity": 0.5, "source": "test"}
    th = Theatre(load_toy(doc))
    kx, ky = 111.32 * math.cos(math.radians(51.15)), 110.57
    base, u1, x, w = (th.index[n] for n in ("Base", "U1", "X", "W"))
    assert th.x[u1] == pytest.approx(-0.15 * kx) and th.y[u1] == pytest.approx(-0.05 * ky)
    assert th.link_between[(base, u1)].km == pytest.approx(math.hypot(0.1 * kx, 0.1 * ky) * 1.2)
    u1x = th.link_between[(u1, x)].index
    assert th.node_link_km[w, u1x] == pytest.approx(math.hypot(0.35 * kx, 0.05 * ky))
    trail = th.link_between[(base, w)]
    assert trail.capacity == 0.5
    assert (base, trail.index, 0.5, trail.km) in th.supply_links[w]     # a little capacity is capacity


# --- the ground graph --------------------------------------------------------------------------------

def test_ground_links_and_neighbours_leave_out_rail_and_neighbours_the_pipeline(th):
    assert [lk.index for lk in th.ground[B]] == [AB, BC, EB]
    assert [lk.index for lk in th.ground[A]] == [AB]
    assert th.neighbours == [[B], [A, C], [B, D], [C, E], [D], []]
    assert th.ground_links[B] == [(A, AB, pytest.approx(DY * TORTUOSITY), False), (C, BC, 20.0, False),
                                  (E, EB, 7.0, True)]
    assert th.supply_links[B] == [(A, AB, 15000, pytest.approx(DY * TORTUOSITY)), (C, BC, 5000, 20.0)]
    assert th.supply_links[EAST] == []


def test_link_between_goes_both_ways_and_other_gives_the_far_end(th):
    assert th.link_between[(B, C)] is th.links[BC] and th.link_between[(C, B)] is th.links[BC]
    assert th.link_between[(E, B)] is th.links[EB] and th.link_between[(B, E)] is th.links[EB]
    assert th.links[BC].other(B) == C and th.links[BC].other(C) == B
    assert (A, C) not in th.link_between


def test_hops_count_ground_edges_without_the_pipeline(th):
    assert th.hops[A] == [0, 1, 2, 3, 4, -1]
    assert th.hops[E] == [4, 3, 2, 1, 0, -1]              # by road: the pipeline E-B does not count
    assert th.hops[EAST] == [-1, -1, -1, -1, -1, 0]


def test_sectors_weigh_each_node_within_depth_by_support_to_the_hops(th):
    assert th.sectors(2, 0.5)[C] == {C: 1.0, B: 0.5, D: 0.5, A: 0.25, E: 0.25}
    assert th.sectors(1, 0.3)[A] == {A: 1.0, B: 0.3}
    assert th.sectors(0, 0.5)[D] == {D: 1.0}
    assert th.sectors(2.0, 0.5) is th.sectors(2, 0.5)     # cached


def test_what_russia_may_attack_kursk_and_the_sumy_targets_once_open(th):
    assert th.may_attack(False) == [False, True, True, True, False, False]
    assert th.may_attack(True) == [True, True, True, True, False, False]      # A is a Sumy target
    assert th.attackable_neighbours(False)[B] == [C]
    assert th.attackable_neighbours(True)[B] == [A, C]
    assert th.attackable_neighbours(False)[E] == [D]
    assert th.attackable_neighbours(True)[A] == [B]
    assert th.sumy_target == [True, False, False, False, False, False] and th.sumy_target_nodes == [A]


def test_node_attributes_protection_region_area_control(th):
    assert th.protection == pytest.approx([1.0, 1.5 * 1.5, 1.0, 1.0, 1.0, 1.0])
    assert th.region == ["ua_rear", "kursk", "kursk", "kursk", "ru_rear", "east"]
    assert th.in_kursk == [False, True, True, True, False, False]
    assert th.area == [0.0, 100.0, 100.0, 100.0, 0.0, 0.0]
    assert th.initial_control == ["UA", "UA", "UA", "RU", "RU", "UA"]


def test_fire_geometry_is_the_distance_to_each_ground_links_middle(th):
    km = th.node_link_km
    assert km.shape == (6, 6)
    assert km[A, AB] == pytest.approx(DY / 2)
    assert km[A, BC] == pytest.approx(1.5 * DY)
    assert km[A, EB] == pytest.approx(2 * DY + DY / 2)    # the middle of E-B is between C and D
    assert km[C, CD] == pytest.approx(DY / 2)
    assert np.isinf(km[:, RAIL]).all()
    assert km[EAST, AB] == pytest.approx(math.hypot(th.x[EAST], th.y[EAST] + 1.5 * DY))
    assert th.fire_control.links_under_fire((D,), DY * 0.6) == frozenset({CD, DE, EB})   # E-B: DY/2 from D


def test_depots_base_and_the_main_supply_route(th):
    assert th.depots == {"UA": [(A, 100000)], "RU": [(E, 100000)]}
    assert th.sumy == A
    assert th.main_supply_route == [A, B, C]
    assert th.msr_links == [AB, BC]


# --- control states and the shared theatre -----------------------------------------------------------

def test_control_state_names_each_map_once_and_never_reuses_an_id(th):
    a = list(th.initial_control)
    b = ["RU" if c == "UA" else "UA" for c in a]
    first = th.control_state(a)
    assert first == 0 and th.control_state(list(a)) == 0
    assert th.control_state(b) == 1
    th._control_states.clear()                           # forgetting the table ...
    assert th.control_state(b) == 2                      # ... never hands out an old id


def test_a_full_control_state_table_is_forgotten_with_the_memo(th):
    th._control_states.update({(i,): i for i in range(65536)})
    th._next_state = 65536
    th.memo["x"] = 1
    assert th.control_state(["UA"]) == 65536              # 65536 entries: still kept
    assert len(th._control_states) == 65537 and th.memo == {"x": 1}
    assert th.control_state(["RU"]) == 65537              # more than 65536: forget both
    assert th._control_states == {("RU",): 65537} and th.memo == {}


def test_a_theatre_is_built_once_per_geography(scenario):
    theatre_module._BUILT.clear()
    t = Theatre.of(scenario)
    assert Theatre.of(scenario) is t
    assert Theatre.of(scenario.with_params(stock_days=3)) is t           # not geography
    other = Theatre.of(scenario.with_params(tortuosity=1.0))
    assert other is not t and other.links[AB].km == pytest.approx(DY)


def test_the_theatre_cache_is_bounded(scenario):
    theatre_module._BUILT.clear()
    theatre_module._BUILT.update({("dummy", i): None for i in range(32)})
    Theatre.of(scenario)
    assert len(theatre_module._BUILT) == 33               # 32 kept
    Theatre.of(scenario.with_params(tortuosity=1.0))
    assert len(theatre_module._BUILT) == 1                # more than 32: forgotten first
    theatre_module._BUILT.clear()


# --- for the visualiser ----------------------------------------------------------------------------

def test_graph_and_positions(th):
    g = th.graph()
    assert isinstance(g, nx.Graph) and g.number_of_nodes() == 6 and g.number_of_edges() == 6
    assert g.nodes[B] == {"name": "B", "lat": 51.1, "lon": 35.0, "area_km2": 100.0, "region": "kursk"}
    assert g.edges[B, C] == {"index": BC, "km": 20.0, "road_class": "track", "capacity": 5000}
    assert g.edges[A, EAST]["road_class"] == "rail"
    pos = th.positions()
    assert pos[A] == (35.0, 51.0) and pos[EAST] == (37.5, 48.5) and len(pos) == 6
