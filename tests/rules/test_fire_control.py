"""ODD §7.6 Fire control (sim/fire_control.py): the drone range over the winter's ramp and the edges
within range of a firing side's nodes (measured to the MIDDLE of each ground edge; rail never)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from _toys_b1 import link, toy_model, unit
from toy_scenario import SUPPLY_EDGES, SUPPLY_NODES, toy_parameters

from sim.fire_control import FireControl, drone_range_km
from sim.theatre import Theatre

# --- R(t) -------------------------------------------------------------------------------------------


@pytest.fixture
def ramp():
    return toy_parameters(drone_ramp_start=dt.date(2024, 11, 1), drone_ramp_end=dt.date(2024, 11, 11),
                          drone_range_2024_km=5.0, drone_range_km=15.0)


def test_drone_range_is_the_2024_value_up_to_the_ramp_start(ramp):
    assert drone_range_km(ramp, dt.date(2024, 10, 1)) == 5.0
    assert drone_range_km(ramp, dt.date(2024, 11, 1)) == 5.0


def test_drone_range_ramps_linearly_between_the_dates(ramp):
    assert drone_range_km(ramp, dt.date(2024, 11, 2)) == pytest.approx(6.0)     # 5 + 10 x 1/10
    assert drone_range_km(ramp, dt.date(2024, 11, 6)) == pytest.approx(10.0)
    assert drone_range_km(ramp, dt.date(2024, 11, 10)) == pytest.approx(14.0)


def test_drone_range_is_the_late_value_from_the_ramp_end(ramp):
    assert drone_range_km(ramp, dt.date(2024, 11, 11)) == 15.0
    assert drone_range_km(ramp, dt.date(2025, 1, 1)) == 15.0


# --- F_S: links within range of any firing node ---------------------------------------------------------

# 3 nodes x 4 links; link 3 is rail (infinite distance from everything)
KM = np.array([[1.0, 5.0, 9.0, np.inf],
               [3.0, np.inf, 2.0, np.inf],
               [7.0, 7.0, 7.0, np.inf]])


def test_near_is_the_links_within_range_inclusive():
    fire = FireControl(KM)
    assert fire.near(0, 5.0) == frozenset({0, 1})
    assert fire.near(0, 4.99) == frozenset({0})
    assert fire.near(0, 0.5) == frozenset()
    assert fire.near(1, 100.0) == frozenset({0, 1, 2}) - {1}     # an infinite distance is never in range
    assert fire.near(2, 7.0) == frozenset({0, 1, 2})


def test_links_under_fire_is_the_union_over_the_firing_nodes():
    fire = FireControl(KM)
    assert fire.links_under_fire((0, 1), 2.5) == frozenset({0, 2})
    assert fire.links_under_fire((1,), 2.5) == frozenset({2})
    assert fire.links_under_fire((), 10.0) == frozenset()
    assert fire.links_under_fire((0, 1, 2), 1e9) == frozenset({0, 1, 2})
    # asked again (from the cache), and after other ranges, the same answers
    for r in (1.0, 2.5, 3.0, 2.5):
        fire.links_under_fire((0, 1), r)
    assert fire.links_under_fire((0, 1), 2.5) == frozenset({0, 2})
    assert fire.links_under_fire((0, 1), 3.0) == frozenset({0, 2})
    assert fire.near(1, 2.5) == frozenset({2})


def test_answers_are_cached_on_positions_and_range():
    # ODD 7.6: results are cached on (occupied nodes, range); the model relies on getting the same
    # object back (KurskModel.fire_over compares fire-control sets by identity).
    fire = FireControl(KM)
    assert fire.node_link_km is KM
    first = fire.links_under_fire((0, 1), 2.5)
    assert fire.links_under_fire((0, 1), 2.5) is first
    assert fire.near(0, 5.0) is fire.near(0, 5.0)


def test_the_caches_stay_bounded():
    fire = FireControl(KM)
    sizes, near_sizes = [], []
    for i in range(9000):
        fire.links_under_fire((0,), float(i))
        sizes.append(len(fire._cache))
        near_sizes.append(len(fire._near))
    assert max(sizes) <= 4097 and sizes[-1] < 4097
    assert max(near_sizes) <= 8193 and near_sizes[-1] < 8193
    assert fire.links_under_fire((0,), 3.0) == frozenset({0})   # and still right after a clear


def test_fire_control_measures_to_the_middle_of_the_road(load_toy):
    # copied from tests/test_rules.py: Hill is ~7 km from the middle of Base-Town, ~13 km from its ends
    m = toy_model(load_toy, SUPPLY_NODES, SUPPLY_EDGES, msr=["Base", "Town"])
    th, road = m.theatre, link(m, "Base", "Town")
    hill, town, base = th.index["Hill"], th.index["Town"], th.index["Base"]
    assert 6.0 < th.node_link_km[hill, road] < 8.0
    for end in (town, base):
        assert math.hypot(th.x[hill] - th.x[end], th.y[hill] - th.y[end]) > 12.0
    fire = FireControl(th.node_link_km)
    assert road in fire.links_under_fire((hill,), 10.0)
    assert road not in fire.links_under_fire((hill,), 5.0)
    assert road not in fire.links_under_fire((town,), 10.0)   # ~11 km from one end to the middle
    rail = [lk.index for lk in th.links if lk.rail_days]
    assert rail and not fire.links_under_fire(tuple(range(th.n)), 1e6) & set(rail)


def test_the_model_sees_the_enemy_fire_of_the_units_positions(load_toy):
    units = [unit("T", "UA", "Town", 3000), unit("R", "RU", "Hill", 300)]
    m = toy_model(load_toy, SUPPLY_NODES, SUPPLY_EDGES, units, msr=["Base", "Town"])
    road = link(m, "Base", "Town")
    assert road in m.fire_on("UA")                           # Russian drones from Hill
    assert road not in m.fire_on("RU")                       # Ukrainian ones from Town: 11 km
    assert link(m, "Town", "Hill") in m.fire_on("RU")


def test_fire_control_is_the_links_within_range_of_any_firing_node(default_scenario):
    """Copied from tests/test_rules.py: the cached reach sets equal a direct reading of the matrix."""
    th = Theatre.of(default_scenario)
    fire = FireControl(th.node_link_km)
    rng = np.random.default_rng(7)
    for _ in range(100):
        nodes = tuple(sorted(rng.choice(th.n, size=int(rng.integers(1, 12)), replace=False).tolist()))
        range_km = float(rng.uniform(0.0, 20.0))
        expected = frozenset(np.flatnonzero(th.node_link_km[list(nodes)].min(axis=0) <= range_km).tolist())
        assert fire.links_under_fire(nodes, range_km) == expected
