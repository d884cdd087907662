"""ODD §7.9 Control (sim/control.py): carrying out captures (fall back, transfer, the attacker moving in,
consolidation), ground taken short of a capture, the held area, Russian ground in Sumy oblast, the main
supply route.

Toy line (see _toys_b1): Base - Mid - Town - Hill - RuBase; Mid, Town (Ukrainian) and Hill (Russian)
are kursk nodes of 100 km², so the Ukrainian-held area starts at 200 km².
"""

from __future__ import annotations

import pytest
from _toys_b1 import FORK_EDGES, FORK_NODES, link, named, node, toy_model, unit
from toy_scenario import LINE_EDGES, LINE_NODES

from sim import control


def captured_town(load_toy, units, **params):
    m = toy_model(load_toy, units=units, consolidation_days=2, **params)
    m.day = 5
    return m


# --- apply_captures --------------------------------------------------------------------------------

def test_a_capture_moves_the_defender_back_hands_over_the_node_and_moves_the_attacker_in(load_toy):
    m = captured_town(load_toy, [unit("T", "UA", "Town", 2000), unit("R", "RU", "Hill", 3000)])
    t, r = named(m, "T"), named(m, "R")
    town, mid = node(m, "Town"), node(m, "Mid")
    t.goal, t.target = node(m, "Hill"), node(m, "Hill")
    r.target = town
    state = m.control_state
    m.captures.append((town, "RU", [r]))
    control.apply_captures(m)
    assert t.node == mid and t.alive                    # fell back towards its depot
    assert t.goal is None and t.target is None
    assert m.control[town] == "RU" and m.control_state != state
    assert m.ua_area == pytest.approx(100.0)
    assert r.node == town                               # the attacker moves in
    assert r.target is None
    assert r.consolidating_until == 5 + 2               # day + consolidation_days
    assert m.captures == []


def test_the_strongest_surviving_attacker_moves_in_and_all_consolidate(load_toy):
    units = [unit("R1", "RU", "Hill", 1000), unit("R2", "RU", "Hill", 3000)]
    m = captured_town(load_toy, units)
    r1, r2 = named(m, "R1"), named(m, "R2")
    m.captures.append((node(m, "Town"), "RU", [r1, r2]))
    control.apply_captures(m)
    assert r2.node == node(m, "Town") and r1.node == node(m, "Hill")
    assert r1.consolidating_until == r2.consolidating_until == 7


def test_between_equally_strong_attackers_the_lower_slot_moves_in(load_toy):
    units = [unit("R1", "RU", "Hill", 2000), unit("R2", "RU", "Hill", 2000)]
    m = captured_town(load_toy, units)
    r1, r2 = named(m, "R1"), named(m, "R2")
    m.captures.append((node(m, "Town"), "RU", [r2, r1]))
    control.apply_captures(m)
    assert r1.node == node(m, "Town") and r2.node == node(m, "Hill")


def test_dissolved_attackers_neither_move_in_nor_consolidate(load_toy):
    units = [unit("R1", "RU", "Hill", 3000), unit("R2", "RU", "Hill", 1000)]
    m = captured_town(load_toy, units)
    r1, r2 = named(m, "R1"), named(m, "R2")
    m.dissolve(r1)
    m.captures.append((node(m, "Town"), "RU", [r1, r2]))
    control.apply_captures(m)
    assert r2.node == node(m, "Town") and r2.consolidating_until == 7
    assert r1.consolidating_until == -1
    m.captures.append((node(m, "Mid"), "RU", [r1]))      # nobody left: the node still changes hands
    control.apply_captures(m)
    assert m.control[node(m, "Mid")] == "RU"


def test_a_capture_of_a_node_already_held_is_skipped(load_toy):
    units = [unit("R1", "RU", "Hill", 3000), unit("R2", "RU", "Hill", 1000)]
    m = captured_town(load_toy, units)
    r1, r2 = named(m, "R1"), named(m, "R2")
    r2.target = node(m, "Town")
    town = node(m, "Town")
    m.captures += [(town, "RU", [r1]), (town, "RU", [r2]), (node(m, "Mid"), "RU", [r1])]
    control.apply_captures(m)
    assert r2.node == node(m, "Hill") and r2.target == town and r2.consolidating_until == -1
    assert m.control[node(m, "Mid")] == "RU"            # the captures after it are still carried out
    assert m.ua_area == pytest.approx(0.0)              # Town counted once, then Mid
    assert m.captures == []


def test_garrisons_fall_back_units_on_an_edge_and_the_attackers_own_units_stay(load_toy):
    units = [unit("G", "UA", "Town", 500, garrison=True), unit("E", "UA", "Town", 500),
             unit("R0", "RU", "Town", 500), unit("R", "RU", "Hill", 3000)]
    m = captured_town(load_toy, units)
    g, e, r0 = named(m, "G"), named(m, "E"), named(m, "R0")
    town = node(m, "Town")
    e.next_node, e.km_left = node(m, "Mid"), 4.0                 # already leaving along the edge
    m.captures.append((town, "RU", [named(m, "R")]))
    control.apply_captures(m)
    assert g.node == node(m, "Mid")
    assert e.node == town and e.next_node == node(m, "Mid") and e.alive
    assert r0.node == town


def test_fall_back_prefers_the_way_to_the_depots_over_the_lowest_index(load_toy):
    # Side (index 1) and Mid (index 2) are both friendly neighbours of Town; Mid leads to Base.
    m = toy_model(load_toy, FORK_NODES, FORK_EDGES, [unit("T", "UA", "Town", 2000)], msr=["Base", "Mid"])
    t = named(m, "T")
    control.fall_back(m, t)
    assert t.node == node(m, "Mid")


def test_fall_back_cut_off_from_the_depots_takes_the_lowest_index_friendly_neighbour(load_toy):
    nodes = [*FORK_NODES, ("Side2", 51.25, 34.90, "UA", "kursk", 50.0)]
    edges = [*FORK_EDGES, ("Town", "Side2", "road")]
    m = toy_model(load_toy, nodes, edges, [unit("T", "UA", "Town", 2000)], msr=["Base", "Mid"])
    control.transfer(m, node(m, "Mid"), "RU")            # Town's way home is lost
    t = named(m, "T")
    t.goal, t.target = node(m, "Base"), node(m, "Hill")
    control.fall_back(m, t)
    assert t.node == node(m, "Side")                    # lower index than Side2
    assert t.goal is None and t.target is None


def test_a_unit_with_no_friendly_neighbour_is_overrun(load_toy):
    m = toy_model(load_toy, units=[unit("T", "UA", "Town", 2000)], surrender_captured_share=0.5,
                  breakout_loss_share=0.3)
    control.transfer(m, node(m, "Mid"), "RU")
    t = named(m, "T")
    control.fall_back(m, t)
    assert not t.alive and t not in m.units
    assert m.captured["UA"] == pytest.approx(1000.0)             # half is captured
    assert m.losses["UA"] == pytest.approx(1000.0 * 0.3)        # the rest breaks out at a cost


# --- ground taken short of a capture ------------------------------------------------------------------

def test_gain_ground_accumulates_up_to_the_area_and_counts_against_the_held_area(load_toy):
    m = toy_model(load_toy)
    town = node(m, "Town")
    assert control.gain_ground(m, town, "RU", 30.0) is False
    assert m.contested[town] == 30.0 and m.ua_area == pytest.approx(170.0)
    assert control.gain_ground(m, town, "RU", 80.0) is True      # capped at the node's 100 km²
    assert m.contested[town] == 100.0 and m.ua_area == pytest.approx(100.0)


def test_gain_ground_exactly_to_the_area_completes_the_node(load_toy):
    m = toy_model(load_toy)
    assert control.gain_ground(m, node(m, "Town"), "RU", 100.0) is True
    assert control.gain_ground(m, node(m, "Base"), "RU", 0.0) is True  # a node of no area falls at once


def test_ukrainian_ground_and_ground_outside_kursk_do_not_change_the_held_area(load_toy):
    nodes = [("Base", 51.00, 35.00, "UA", "ua_rear", 50.0), *LINE_NODES[1:]]
    m = toy_model(load_toy, nodes, LINE_EDGES)
    assert control.gain_ground(m, node(m, "Hill"), "UA", 30.0) is False
    assert control.gain_ground(m, node(m, "Base"), "RU", 20.0) is False
    assert m.contested[node(m, "Hill")] == 30.0 and m.contested[node(m, "Base")] == 20.0
    assert m.ua_area == 200.0


# --- transfer and the held area ---------------------------------------------------------------------

def test_transfer_to_russia_removes_the_part_still_held(load_toy):
    m = toy_model(load_toy)
    town = node(m, "Town")
    control.gain_ground(m, town, "RU", 30.0)
    control.transfer(m, town, "RU")
    assert m.ua_area == pytest.approx(100.0)            # 170 - (100 - 30)
    assert m.contested[town] == 0.0
    assert m.control[town] == "RU"
    assert m.control_state == m.theatre.control_state(m.control)


def test_transfer_to_ukraine_adds_the_whole_area_and_forgets_the_ground_taken(load_toy):
    m = toy_model(load_toy)
    hill = node(m, "Hill")
    control.gain_ground(m, hill, "UA", 30.0)
    before = m.control_state
    control.transfer(m, hill, "UA")
    assert m.ua_area == pytest.approx(300.0)
    assert m.contested[hill] == 0.0 and m.control[hill] == "UA"
    assert m.control_state != before


def test_transfer_outside_kursk_leaves_the_held_area(load_toy):
    nodes = [("Base", 51.00, 35.00, "UA", "ua_rear", 50.0), *LINE_NODES[1:]]
    m = toy_model(load_toy, nodes, LINE_EDGES)
    control.transfer(m, node(m, "Base"), "RU")
    assert m.ua_area == 200.0
    control.transfer(m, node(m, "Base"), "UA")
    assert m.ua_area == 200.0


def test_ua_area_is_the_ukrainian_kursk_nodes_less_the_ground_taken(load_toy):
    nodes = [("Base", 51.00, 35.00, "UA", "ua_rear", 50.0), *LINE_NODES[1:]]
    m = toy_model(load_toy, nodes, LINE_EDGES)
    assert control.ua_area_km2(m) == 200.0              # not Base (ua_rear), not Hill (Russian)
    m.contested[node(m, "Town")] = 30.0
    m.contested[node(m, "Hill")] = 25.0                 # a breakout's ground in a Russian node
    assert control.ua_area_km2(m) == pytest.approx(170.0)


def test_ua_area_recount_matches_the_running_total_after_captures(load_toy):
    m = captured_town(load_toy, [unit("T", "UA", "Town", 2000), unit("R", "RU", "Hill", 3000)])
    control.gain_ground(m, node(m, "Mid"), "RU", 12.5)
    m.captures.append((node(m, "Town"), "RU", [named(m, "R")]))
    control.apply_captures(m)
    assert m.ua_area == pytest.approx(87.5)
    assert control.ua_area_km2(m) == pytest.approx(87.5)


# --- Russian ground in Sumy oblast ---------------------------------------------------------------------

def test_ru_sumy_km2_counts_the_targets_russia_holds_and_the_ground_taken_in_the_others(load_toy):
    nodes = [*LINE_NODES, ("S1", 50.90, 35.00, "UA", "ua_rear", 40.0), ("S2", 50.90, 35.10, "UA", "ua_rear", 60.0),
             ("S3", 50.90, 34.90, "UA", "ua_rear", 25.0)]
    edges = [*LINE_EDGES, ("Base", "S1", "road"), ("Base", "S2", "road"), ("Base", "S3", "road")]
    m = toy_model(load_toy, nodes, edges, sumy_targets=["S1", "S2"])
    assert control.ru_sumy_km2(m) == 0.0
    control.transfer(m, node(m, "S1"), "RU")
    m.contested[node(m, "S2")] = 7.0
    control.transfer(m, node(m, "S3"), "RU")            # not a target: not counted
    assert control.ru_sumy_km2(m) == pytest.approx(47.0)


# --- the main supply route -------------------------------------------------------------------------------

def test_main_supply_route_is_cut_by_a_lost_node_or_fire_on_one_of_its_edges(load_toy):
    m = toy_model(load_toy, msr=["Base", "Mid", "Town"])
    assert control.main_supply_route_cut(m) is False
    m._fire["UA"] = frozenset({link(m, "Town", "Hill")})          # fire off the route
    assert control.main_supply_route_cut(m) is False
    m._fire["UA"] = frozenset({link(m, "Mid", "Town")})
    assert control.main_supply_route_cut(m) is True
    m._fire["UA"] = frozenset({link(m, "Base", "Mid")})
    assert control.main_supply_route_cut(m) is True
    m._fire["UA"] = frozenset()
    m._fire["RU"] = frozenset({link(m, "Mid", "Town")})           # Ukraine's fire on it does not count
    assert control.main_supply_route_cut(m) is False
    m.control[node(m, "Town")] = "RU"
    assert control.main_supply_route_cut(m) is True
