"""ODD 7.5 Movement (sim/movement.py): routing (route_table) and a day's march (march).

The toy line (tests/rules/_toys_b2.py) is A - B - C - D - E with explicit lengths: A-B road 10 km,
B-C track 20 km, C-D and D-E roads of 5 km; roads go 25 km a day, tracks 12, the pipeline 3.5.
A, B, C are Ukrainian, D, E Russian. Indices: A 0, B 1, C 2, D 3, E 4 (East, railed to A, is 5).
Links: 0 A-B, 1 B-C, 2 C-D, 3 D-E, then (pipeline layout) 4 E-B.
"""

from __future__ import annotations

import pytest
from _toys_b2 import DIAMOND, DIAMOND_EDGES, LINE_KM, PIPE_EDGES, PIPE_KM, fresh_model, line_doc, named, with_km
from toy_scenario import toy_doc, unit

from sim import movement
from sim.movement import FIRE_ROUTE_PENALTY, route_table
from sim.theatre import Theatre

A, B, C, D, E, EAST = range(6)
AB, BC, CD, DE, EB = range(5)
NO_FIRE = frozenset()


# --- routing --------------------------------------------------------------------------------------

@pytest.fixture
def line(load_toy):
    return Theatre(load_toy(line_doc([unit("U", "UA", "B", 1000)])))


@pytest.fixture
def pipe(load_toy):
    return Theatre(load_toy(line_doc([unit("U", "UA", "B", 1000)], edges=PIPE_EDGES, km=PIPE_KM)))


UA_GROUND = [True, True, True, False, False, True]
RU_GROUND = [False, False, False, True, True, False]


def test_route_table_gives_the_next_hop_towards_the_goal_over_passable_ground(line):
    # Towards A over Ukrainian ground: C -> B -> A; Russian nodes are not passable: no route (-1);
    # East is joined to A by rail only, and rail is no route.
    assert route_table(line, UA_GROUND, (A,)) == [A, A, B, -1, -1, -1]


def test_route_table_reaches_a_goal_that_is_not_passable(line):
    # D is Russian: not passable for Ukrainians, but a goal (an objective to attack) all the same.
    assert route_table(line, UA_GROUND, (D,)) == [B, C, D, D, -1, -1]


def test_route_table_heads_for_the_nearest_goal(line):
    # Goals A and D over any ground: B is 10 km from A and 25 from D; C is 30 from A and 5 from D.
    everywhere = [True] * 6
    assert route_table(line, everywhere, (A, D)) == [A, A, D, D, D, -1]


@pytest.mark.parametrize(("q_to_g", "via_fire"), [(48.5, False), (51.5, True)])
def test_route_table_weighs_an_edge_under_fire_five_times_its_length(load_toy, q_to_g, via_fire):
    # S -> G by P: S-P 10 km (under fire) + P-G 1 km = 11 km, or 5 x 10 + 1 = 51 km-equivalents under
    # fire; by Q: 1 + q_to_g. Without fire P is always the shorter way; with fire P wins only when
    # the way by Q is longer than 51.
    doc = with_km(toy_doc(DIAMOND, DIAMOND_EDGES, [unit("U", "UA", "S", 1000)], ua_depot="S", ru_depot="R",
                          msr=["S", "P"]),
                  {("S", "P"): 10.0, ("P", "G"): 1.0, ("S", "Q"): 1.0, ("Q", "G"): q_to_g})
    th = Theatre(load_toy(doc))
    s, p, q, g = (th.index[n] for n in "SPQG")
    sp = th.link_between[(s, p)].index
    passable = [True] * th.n
    assert FIRE_ROUTE_PENALTY == 5.0
    assert route_table(th, passable, (g,))[s] == p
    table = route_table(th, passable, (g,), frozenset({sp}))
    assert table[s] == (p if via_fire else q)
    assert table[p] == g and table[q] == g
    # fire on a link that no route needs changes nothing
    assert route_table(th, passable, (g,), frozenset({th.link_between[(g, th.index["R"])].index}))[s] == p


def test_route_table_keeps_every_goal_its_own_and_routes_beyond_a_node_reached_twice(load_toy):
    # Goals C and D only 0.5 km apart: each is its own goal (distance 0), not a hop to the other.
    th = Theatre(load_toy(line_doc([unit("U", "UA", "B", 1000)], km={**LINE_KM, ("C", "D"): 0.5})))
    table = route_table(th, [True] * 6, (C, D))
    assert (table[C], table[D], table[E]) == (C, D, D)
    # The diamond towards G with T behind R: Q is first reached directly (48.5 km), then by S
    # (12 km); the search goes on past that stale first entry to R (60 km) and T behind it.
    nodes = DIAMOND + [("T", 51.40, 35.00, "RU", "ru_rear", 0.0)]
    doc = with_km(toy_doc(nodes, DIAMOND_EDGES + [("R", "T", "road")], [unit("U", "UA", "S", 1000)],
                          ua_depot="S", ru_depot="R", msr=["S", "P"]),
                  {("S", "P"): 10.0, ("P", "G"): 1.0, ("S", "Q"): 1.0, ("Q", "G"): 48.5, ("G", "R"): 60.0,
                   ("R", "T"): 1.0})
    th = Theatre(load_toy(doc))
    s, p, q, g, r, t = (th.index[n] for n in "SPQGRT")
    table = route_table(th, [True] * th.n, (g,))
    assert (table[s], table[p], table[q], table[r], table[t]) == (p, g, s, g, r)


def test_route_table_lets_only_infantry_use_the_pipeline(pipe):
    # From the Russian depot E to the Ukrainian node B: the road runs through Ukrainian C (not
    # passable for Russians); the pipeline E-B is open to infantry only.
    assert route_table(pipe, RU_GROUND, (B,))[E] == -1
    assert route_table(pipe, RU_GROUND, (B,), infantry=True)[E] == B
    assert route_table(pipe, RU_GROUND, (B,), infantry=True)[D] == E      # D reaches B through E


# --- a day's march ----------------------------------------------------------------------------------

def line_model(load_toy, units, edges=None, **params):
    extra = {} if edges is None else {"edges": PIPE_EDGES, "km": PIPE_KM}
    return fresh_model(load_toy(line_doc(units, **extra, **params)))


def test_a_march_covers_a_day_at_each_edges_speed(load_toy):
    # From A to C: 10 km of road (0.4 day at 25 km/day), then 0.6 day of track at 12 km/day = 7.2
    # km of the 20; day 2: 12 km more (0.8 left); day 3: the last 0.8 km, arrival, goal reached.
    model = line_model(load_toy, [unit("M", "UA", "A", 1000)])
    m = named(model, "M")
    m.goal = (C,)
    movement.march(model, m, NO_FIRE)
    assert (m.node, m.next_node) == (B, C)
    assert m.km_left == pytest.approx(12.8)
    assert not m.via_pipeline
    movement.march(model, m, NO_FIRE)
    assert (m.node, m.next_node) == (B, C)
    assert m.km_left == pytest.approx(0.8)
    movement.march(model, m, NO_FIRE)
    assert (m.node, m.next_node, m.km_left) == (C, None, 0.0)
    assert m.goal is None
    assert m.personnel == 1000                          # no fire, no losses


def test_a_march_towards_node_zero(load_toy):
    # B -> A (node index 0): 10 km of road, arrived and done within the day.
    model = line_model(load_toy, [unit("M", "UA", "B", 1000)])
    m = named(model, "M")
    m.goal = (A,)
    movement.march(model, m, NO_FIRE)
    assert (m.node, m.next_node, m.goal) == (A, None, None)


def test_a_unit_near_the_end_of_an_edge_spends_its_day_finishing_it_first(load_toy):
    # 0.5 km of A-B left (0.02 day at 25 km/day), then 0.98 day on the track: 11.76 of its 20 km.
    model = line_model(load_toy, [unit("M", "UA", "A", 1000)])
    m = named(model, "M")
    m.goal, m.next_node, m.km_left = (C,), B, 0.5
    movement.march(model, m, NO_FIRE)
    assert (m.node, m.next_node) == (B, C)
    assert m.km_left == pytest.approx(20.0 - 0.98 * 12.0)


def test_a_unit_at_its_goal_drops_the_goal_and_a_unit_without_a_goal_stays(load_toy):
    model = line_model(load_toy, [unit("M", "UA", "B", 1000)])
    m = named(model, "M")
    movement.march(model, m, NO_FIRE)                   # no goal: nothing
    assert (m.node, m.next_node, m.goal) == (B, None, None)
    m.goal = (A, B)
    movement.march(model, m, NO_FIRE)
    assert (m.node, m.next_node, m.goal) == (B, None, None)


def test_a_unit_stops_before_enemy_ground_and_where_there_is_no_route(load_toy):
    model = line_model(load_toy, [unit("M", "UA", "C", 1000), unit("N", "UA", "B", 1000)])
    m, n = named(model, "M"), named(model, "N")
    m.goal = (D,)                                        # the next hop is Russian: attack, do not walk in
    movement.march(model, m, NO_FIRE)
    assert (m.node, m.next_node, m.km_left, m.goal) == (C, None, 0.0, (D,))
    n.goal = (E,)                                        # behind Russian D: no route over friendly ground
    movement.march(model, n, NO_FIRE)
    assert (n.node, n.next_node, n.goal) == (B, None, (E,))


def test_fire_control_costs_personnel_per_km_marched_under_it(load_toy):
    # fire_loss_per_km 0.002, no noise (m = 1): 10 km of A-B under fire cost 1000 x 0.02 = 20; the
    # first 7.2 km of B-C under fire cost 980 x 0.0144; cohesion falls by cohesion_per_loss (2) x share.
    model = line_model(load_toy, [unit("M", "UA", "A", 1000)])
    m = named(model, "M")
    m.goal = (C,)
    movement.march(model, m, frozenset({AB}))
    assert m.personnel == pytest.approx(980.0)
    assert model.losses["UA"] == pytest.approx(20.0)
    assert m.cohesion == pytest.approx(0.96)
    assert m.km_left == pytest.approx(12.8)              # losses do not slow it
    m2 = named(line_model(load_toy, [unit("M", "UA", "A", 1000)]), "M")
    m2.goal = (C,)
    movement.march(m2.model, m2, frozenset({BC}))
    assert m2.personnel == pytest.approx(1000 - 1000 * 0.002 * 7.2)


def test_the_fire_loss_uses_the_units_own_movement_draw(load_toy):
    # With noise, the loss is personnel x fire_loss_per_km x km x movement[day][slot] (slot 1 here).
    model = line_model(load_toy, [unit("X", "UA", "B", 1000), unit("M", "UA", "A", 1000)],
                       attrition_noise_cv=0.5)
    m = named(model, "M")
    assert m.slot == 1
    draw = model.draws.movement[1]
    assert draw != pytest.approx(1.0) and draw != pytest.approx(model.draws.movement[0])
    m.goal = (B,)
    movement.march(model, m, frozenset({AB}))
    assert m.personnel == pytest.approx(1000 - 1000 * 0.002 * 10 * draw)


def test_the_fire_loss_never_exceeds_the_unit_and_a_unit_wiped_out_stops(load_toy):
    # 0.2 per km x 10 km = 2 > 1: the whole unit is lost (once), it is dissolved where it was.
    model = line_model(load_toy, [unit("M", "UA", "A", 1000), unit("N", "UA", "B", 1000)], fire_loss_per_km=0.2)
    m = named(model, "M")
    m.goal = (C,)
    movement.march(model, m, frozenset({AB}))
    assert not m.alive and m not in model.units
    assert model.losses["UA"] == pytest.approx(1000.0)
    assert m.node == A


def test_the_pipeline_takes_infantry_unseen_to_the_doorstep_of_an_enemy_node(load_toy):
    # E -> B by the pipeline: 7 km at 3.5 km/day, no losses although the pipeline is "under fire".
    units = [unit("U", "UA", "B", 1000), unit("P", "RU", "E", 500, mobility="infantry")]
    model = line_model(load_toy, units, edges=PIPE_EDGES)
    p = named(model, "P")
    p.goal = (B,)
    fire = frozenset({EB})
    movement.march(model, p, fire)
    assert (p.node, p.next_node, p.via_pipeline) == (E, B, True)
    assert p.km_left == pytest.approx(3.5)
    movement.march(model, p, fire)
    assert (p.node, p.next_node, p.km_left) == (E, B, 0.0)      # at the exit, under Ukrainian B
    movement.march(model, p, fire)                               # waits there while B is Ukrainian
    assert (p.node, p.next_node, p.km_left, p.via_pipeline) == (E, B, 0.0, True)
    assert p.personnel == 500
    model.control[B] = "RU"                                      # B falls: it moves in first thing
    movement.march(model, p, fire)
    assert (p.node, p.next_node, p.via_pipeline, p.goal) == (B, None, False, None)


def test_mechanised_units_do_not_take_the_pipeline(load_toy):
    units = [unit("U", "UA", "B", 1000), unit("P", "RU", "E", 500)]
    model = line_model(load_toy, units, edges=PIPE_EDGES)
    p = named(model, "P")
    p.goal = (B,)
    movement.march(model, p, NO_FIRE)
    assert (p.node, p.next_node, p.goal) == (E, None, (B,))


def test_a_unit_whose_destination_falls_while_on_the_edge_goes_back_to_the_node_it_left(load_toy):
    model = line_model(load_toy, [unit("M", "UA", "A", 1000)])
    m = named(model, "M")
    m.goal = (C,)
    movement.march(model, m, NO_FIRE)                   # on B-C, 12.8 km to go
    model.control[C] = "RU"
    movement.march(model, m, NO_FIRE)                   # 0.8 km to go
    assert (m.node, m.next_node) == (B, C)
    movement.march(model, m, frozenset({BC}))           # reaches C's edge end, pays the 0.8 km under fire
    assert (m.node, m.next_node, m.km_left) == (B, None, 0.0)
    assert m.personnel == pytest.approx(1000 - 1000 * 0.002 * 0.8)
    assert m.goal == (C,)                               # it routes afresh the next day
