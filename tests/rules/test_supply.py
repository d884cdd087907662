"""ODD §7.7 Supply (sim/supply.py): the supply tree (widest path over friendly ground, edges under fire
excluded), encirclement, the daily delivery ratio (depot and edge capacities), stocks, cohesion and
surrender.

Toy parameters (toy_scenario): stock_days 7, resupply_days_per_day 2, cut_cohesion_loss_per_day 0.04,
cohesion_recovery_per_day 0.02, surrender_cohesion 0.35; roads carry 15,000 a day, tracks 5,000,
the pipeline nothing.
"""

from __future__ import annotations

import pytest
from _toys_b1 import WIDE_EDGES, WIDE_NODES, link, named, node, set_supply_draws, toy_model, unit
from toy_scenario import LINE_NODES, POCKET_EDGES, POCKET_NODES, SUPPLY_EDGES, SUPPLY_NODES

from sim import supply
from sim.supply import connected, supply_tree

# --- the supply tree ------------------------------------------------------------------------------------


@pytest.fixture
def supply_theatre(load_toy):
    m = toy_model(load_toy, SUPPLY_NODES, SUPPLY_EDGES, msr=["Base", "Town"])
    return m.theatre, link(m, "Base", "Town")


def test_supply_tree_unit_is_supplied_over_its_only_road(supply_theatre):
    th, road = supply_theatre
    depot_of, paths = supply_tree(th, "UA", list(th.initial_control), frozenset())
    town = th.index["Town"]
    assert depot_of[town] == 0
    assert paths[town] == (road,)
    assert paths[th.index["Base"]] == ()


def test_supply_tree_cut_when_only_road_is_under_fire(supply_theatre):
    th, road = supply_theatre
    depot_of, paths = supply_tree(th, "UA", list(th.initial_control), frozenset({road}))
    town, base = th.index["Town"], th.index["Base"]
    assert depot_of[town] == -1
    assert paths[town] == ()
    assert depot_of[base] == 0              # the depot itself stays supplied


def test_supply_tree_ignores_fire_on_other_links(supply_theatre):
    th, _ = supply_theatre
    other = th.link_between[(th.index["Town"], th.index["Hill"])].index
    depot_of, _ = supply_tree(th, "UA", list(th.initial_control), frozenset({other}))
    assert depot_of[th.index["Town"]] == 0


def test_supply_tree_does_not_cross_enemy_ground(supply_theatre):
    th, _ = supply_theatre
    control = list(th.initial_control)
    control[th.index["Town"]] = "RU"
    depot_of, _ = supply_tree(th, "UA", control, frozenset())
    assert depot_of[th.index["Town"]] == -1
    # and the Russian tree now reaches Town through Hill, in order from the depot
    ru_depot_of, ru_paths = supply_tree(th, "RU", control, frozenset())
    lk = lambda a, b: th.link_between[(th.index[a], th.index[b])].index  # noqa: E731
    assert ru_depot_of[th.index["Town"]] == 0
    assert ru_paths[th.index["Town"]] == (lk("RuBase", "Hill"), lk("Hill", "Town"))


def test_supply_tree_has_no_source_at_a_lost_depot(supply_theatre):
    th, _ = supply_theatre
    control = list(th.initial_control)
    control[th.index["Base"]] = "RU"
    depot_of, _ = supply_tree(th, "UA", control, frozenset())
    assert depot_of[th.index["Base"]] == -1 and depot_of[th.index["Town"]] == -1


def test_supply_tree_takes_the_widest_path_and_falls_back_when_it_is_under_fire(load_toy):
    th = toy_model(load_toy, WIDE_NODES, WIDE_EDGES, msr=["Base", "A"]).theatre
    lk = lambda a, b: th.link_between[(th.index[a], th.index[b])].index  # noqa: E731
    town = th.index["Town"]
    _, paths = supply_tree(th, "UA", list(th.initial_control), frozenset())
    assert paths[town] == (lk("Base", "B"), lk("B", "Town"))
    _, paths = supply_tree(th, "UA", list(th.initial_control), frozenset({lk("B", "Town")}))
    assert paths[town] == (lk("Base", "A"), lk("A", "Town"))


def test_supply_tree_width_is_the_narrowest_edge_of_the_path(load_toy):
    # Base-A is a track (5,000) then road to Town: short but narrow. Base-B-Town is road all along.
    edges = [("Base", "A", "track"), ("A", "Town", "road"), *WIDE_EDGES[2:]]
    th = toy_model(load_toy, WIDE_NODES, edges, msr=["Base", "A"]).theatre
    lk = lambda a, b: th.link_between[(th.index[a], th.index[b])].index  # noqa: E731
    _, paths = supply_tree(th, "UA", list(th.initial_control), frozenset())
    assert paths[th.index["Town"]] == (lk("Base", "B"), lk("B", "Town"))
    # and A itself is better served the long way round (15,000) than by its own track (5,000)
    assert paths[th.index["A"]] == (lk("Base", "B"), lk("B", "Town"), lk("A", "Town"))


def add_lane(doc):
    """A third road class, between track (5,000) and road (15,000)."""
    doc["road_classes"]["lane"] = {"speed_km_day": 20.0, "capacity": 10000, "source": "test"}


def test_supply_tree_width_is_the_narrowest_edge_even_when_it_comes_first(load_toy):
    # Base-A-Town: track then road (width 5,000, short). Base-B-Town: lane, lane (10,000, longer).
    # C hangs off Town by a track and D off C (width 5,000 whichever way): D is only found after the
    # search has passed A's first, narrower, visit.
    nodes = [*WIDE_NODES, ("C", 51.25, 34.90, "UA", "kursk", 10.0), ("D", 51.30, 34.85, "UA", "kursk", 10.0)]
    edges = [("Base", "A", "track"), ("A", "Town", "road"), ("Base", "B", "lane"), ("B", "Town", "lane"),
             *WIDE_EDGES[4:], ("Town", "C", "track"), ("C", "D", "track")]
    th = toy_model(load_toy, nodes, edges, msr=["Base", "A"], doc_edit=add_lane).theatre
    lk = lambda a, b: th.link_between[(th.index[a], th.index[b])].index  # noqa: E731
    depot_of, paths = supply_tree(th, "UA", list(th.initial_control), frozenset())
    assert depot_of[th.index["C"]] == 0
    assert paths[th.index["C"]] == (lk("Base", "B"), lk("B", "Town"), lk("Town", "C"))
    assert depot_of[th.index["D"]] == 0
    assert paths[th.index["Town"]] == (lk("Base", "B"), lk("B", "Town"))
    assert paths[th.index["A"]] == (lk("Base", "B"), lk("B", "Town"), lk("A", "Town"))


def test_supply_tree_a_narrower_path_never_replaces_a_wider_one_however_short(load_toy):
    edges = [("Base", "A", "track"), ("A", "Town", "track"), *WIDE_EDGES[2:]]   # via A: 5,000 and short
    th = toy_model(load_toy, WIDE_NODES, edges, msr=["Base", "A"]).theatre
    lk = lambda a, b: th.link_between[(th.index[a], th.index[b])].index  # noqa: E731
    _, paths = supply_tree(th, "UA", list(th.initial_control), frozenset())
    assert paths[th.index["Town"]] == (lk("Base", "B"), lk("B", "Town"))


def test_supply_tree_goes_on_past_a_link_it_cannot_use(load_toy):
    # Base's first link (to A) is under fire: A is reached the long way round, through B and Town.
    th = toy_model(load_toy, WIDE_NODES, WIDE_EDGES, msr=["Base", "A"]).theatre
    lk = lambda a, b: th.link_between[(th.index[a], th.index[b])].index  # noqa: E731
    depot_of, paths = supply_tree(th, "UA", list(th.initial_control), frozenset({lk("Base", "A")}))
    assert depot_of[th.index["A"]] == 0
    assert paths[th.index["A"]] == (lk("Base", "B"), lk("B", "Town"), lk("A", "Town"))


def test_supply_tree_uses_a_link_of_any_positive_capacity(load_toy):
    def thin_track(doc):
        doc["road_classes"]["track"]["capacity"] = 0.5

    edges = [("Base", "Mid", "road"), ("Mid", "Town", "track"), ("Town", "Hill", "road"), ("Hill", "RuBase", "road")]
    th = toy_model(load_toy, edges=edges, doc_edit=thin_track).theatre
    depot_of, _ = supply_tree(th, "UA", list(th.initial_control), frozenset())
    assert depot_of[th.index["Town"]] == 0
    assert connected(th, "UA", list(th.initial_control))[th.index["Town"]]


def test_supply_tree_among_equally_wide_paths_takes_the_shortest(load_toy):
    edges = [("Base", "A", "road"), ("A", "Town", "road"), *WIDE_EDGES[2:]]   # both ways road, via A shorter
    th = toy_model(load_toy, WIDE_NODES, edges, msr=["Base", "A"]).theatre
    lk = lambda a, b: th.link_between[(th.index[a], th.index[b])].index  # noqa: E731
    _, paths = supply_tree(th, "UA", list(th.initial_control), frozenset())
    assert paths[th.index["Town"]] == (lk("Base", "A"), lk("A", "Town"))


def test_supply_tree_names_the_depot_that_supplies_each_node(load_toy):
    def second_depot(doc):
        doc["theatre"]["depots"].append({"node": "Mid", "side": "UA", "capacity": 500, "source": "test"})

    m = toy_model(load_toy, doc_edit=second_depot)
    th = m.theatre
    depot_of, paths = supply_tree(th, "UA", list(th.initial_control), frozenset({link(m, "Base", "Mid")}))
    assert depot_of[node(m, "Base")] == 0
    assert depot_of[node(m, "Mid")] == 1 and depot_of[node(m, "Town")] == 1
    assert paths[node(m, "Town")] == (link(m, "Mid", "Town"),)


def test_connected_ignores_fire_but_not_enemy_ground_nor_the_pipeline(load_toy):
    m = toy_model(load_toy, POCKET_NODES, POCKET_EDGES, [unit("P", "UA", "Pocket", 2000)], msr=["Base", "Front"])
    reached = connected(m.theatre, "UA", m.control)
    assert [m.theatre.names[i] for i, r in enumerate(reached) if r] == ["Base", "Front"]
    nodes = [*LINE_NODES[:3], ("Hill", 51.30, 35.00, "UA", "kursk", 100.0), LINE_NODES[4]]
    edges = [("Base", "Mid", "road"), ("Mid", "Town", "pipeline"), ("Mid", "Hill", "road"),
             ("Town", "RuBase", "road"), ("Hill", "RuBase", "road")]
    th = toy_model(load_toy, nodes, edges, msr=["Base", "Mid"]).theatre
    reached = connected(th, "UA", list(th.initial_control))
    assert reached[th.index["Hill"]] and not reached[th.index["Town"]]     # a pipeline carries no supply
    assert connected(th, "RU", list(th.initial_control))[th.index["RuBase"]]


def test_connected_follows_edges_either_way_round(load_toy):
    edges = [("Mid", "Base", "road"), ("Town", "Mid", "road"), ("Hill", "Town", "road"), ("RuBase", "Hill", "road")]
    m = toy_model(load_toy, edges=edges)
    assert connected(m.theatre, "UA", m.control)[:3] == [True, True, True]
    assert connected(m.theatre, "RU", m.control)[:5] == [False, False, False, True, True]


# --- daily delivery ---------------------------------------------------------------------------------------

def test_an_edge_carries_no_more_than_its_capacity(load_toy):
    edges = [("Base", "Mid", "road"), ("Mid", "Town", "track"), ("Town", "Hill", "road"), ("Hill", "RuBase", "road")]
    m = toy_model(load_toy, edges=edges, units=[unit("M", "UA", "Mid", 4000), unit("T", "UA", "Town", 8000)])
    t, mid = named(m, "T"), named(m, "M")
    t.stock = 3.0
    supply.resupply(m)
    # the track to Town carries 5,000 for 8,000; the road to Mid 15,000 for 12,000 (capped at 1)
    assert t.supply_ratio == pytest.approx(5000 / 8000)
    assert mid.supply_ratio == 1.0
    assert t.stock == pytest.approx(3.0 - 1.0 + 0.625 * 2.0)
    assert mid.stock == 7.0                                   # capped at stock_days


def test_an_edge_load_adds_up_everyone_supplied_over_it(load_toy):
    m = toy_model(load_toy, units=[unit("M", "UA", "Mid", 8000), unit("T", "UA", "Town", 8000)])
    supply.resupply(m)
    # Base-Mid (15,000) carries 16,000: both get 15/16
    assert named(m, "M").supply_ratio == pytest.approx(15000 / 16000)
    assert named(m, "T").supply_ratio == pytest.approx(15000 / 16000)


def test_units_on_one_node_share_its_ratio(load_toy):
    edges = [("Base", "Mid", "road"), ("Mid", "Town", "track"), ("Town", "Hill", "road"), ("Hill", "RuBase", "road")]
    m = toy_model(load_toy, edges=edges, units=[unit("T1", "UA", "Town", 3000), unit("T2", "UA", "Town", 5000)])
    supply.resupply(m)
    assert named(m, "T1").supply_ratio == named(m, "T2").supply_ratio == pytest.approx(5000 / 8000)


def test_a_depot_shares_its_capacity_among_all_it_supplies(load_toy):
    m = toy_model(load_toy, units=[unit("M", "UA", "Mid", 4000), unit("T", "UA", "Town", 8000),
                                   unit("R", "RU", "Hill", 1000)],
                  depot_capacity={"UA": 6000, "RU": 4000})
    supply.resupply(m)
    assert named(m, "M").supply_ratio == pytest.approx(0.5)
    assert named(m, "T").supply_ratio == pytest.approx(0.5)
    assert named(m, "R").supply_ratio == 1.0                  # 4,000 for 1,000: capped at 1


def test_a_unit_cut_by_fire_gets_nothing_but_is_not_encircled(load_toy):
    m = toy_model(load_toy, SUPPLY_NODES, SUPPLY_EDGES, [unit("T", "UA", "Town", 3000), unit("R", "RU", "Hill", 300)],
                  msr=["Base", "Town"], surrender_daily_prob=1.0, surrender_cohesion=1.0)
    t = named(m, "T")
    assert link(m, "Base", "Town") in m.fire_on("UA")
    t.stock, t.cohesion = 0.5, 0.5
    set_supply_draws(m, 0.0)
    supply.resupply(m)
    assert t.supply_ratio == 0.0 and not t.encircled
    assert t.stock == 0.0 and t.cohesion == pytest.approx(0.46)
    assert t.alive                                             # only an encircled unit surrenders


# --- stocks and cohesion ---------------------------------------------------------------------------------

def one_unit(load_toy, **params):
    m = toy_model(load_toy, units=[unit("T", "UA", "Town", 2000)], **params)
    return m, named(m, "T")


def test_a_supplied_unit_refills_up_to_stock_days_and_recovers_cohesion(load_toy):
    m, t = one_unit(load_toy)
    t.stock, t.cohesion = 2.0, 0.5
    supply.resupply(m)
    assert t.supply_ratio == 1.0
    assert t.stock == pytest.approx(2.0 - 1.0 + 2.0)
    assert t.cohesion == pytest.approx(0.52)
    t.stock, t.cohesion = 6.5, 0.99
    supply.resupply(m)
    assert t.stock == 7.0 and t.cohesion == 1.0


def test_a_cut_unit_draws_its_stock_down_and_keeps_recovering_while_stock_lasts(load_toy):
    m = toy_model(load_toy, units=[unit("T", "UA", "Town", 2000), unit("B", "UA", "Base", 500)])
    t = named(m, "T")
    m.control[node(m, "Mid")] = "RU"                      # Town's only way to Base is lost
    m.control_state = m.theatre.control_state(m.control)
    t.stock, t.cohesion = 2.5, 0.5
    supply.resupply(m)
    assert t.supply_ratio == 0.0 and t.encircled
    assert t.stock == pytest.approx(1.5) and t.cohesion == pytest.approx(0.52)
    assert named(m, "B").supply_ratio == 1.0                # the rest of the side is supplied as usual


def test_an_empty_stock_costs_cohesion_every_day_down_to_zero(load_toy):
    m, t = one_unit(load_toy)
    m.control[node(m, "Mid")] = "RU"
    m.control_state = m.theatre.control_state(m.control)
    t.stock, t.cohesion = 1.0, 0.5                         # 1 - 1 + 0 = 0: nothing left
    supply.resupply(m)
    assert t.stock == 0.0 and t.cohesion == pytest.approx(0.46)
    supply.resupply(m)
    assert t.stock == 0.0 and t.cohesion == pytest.approx(0.42)
    t.cohesion = 0.03
    supply.resupply(m)
    assert t.cohesion == 0.0


def test_units_out_of_the_theatre_are_supplied_by_the_rear(load_toy):
    m = toy_model(load_toy, units=[unit("T", "UA", "Town", 2000), unit("X", "UA", "Base", 1000)])
    x = named(m, "X")
    x.posture = "refit"
    m.refresh()
    m.control[node(m, "Base")] = "RU"                      # even with the depot lost
    m.control_state = m.theatre.control_state(m.control)
    x.stock, x.supply_ratio, x.cohesion = 1.0, 0.0, 0.5
    supply.resupply(m)
    assert x.stock == 7.0 and x.supply_ratio == 1.0 and x.cohesion == pytest.approx(0.52)
    x.cohesion = 0.995
    supply.resupply(m)
    assert x.cohesion == 1.0


# --- encirclement and surrender (after tests/test_model.py) ---------------------------------------------

def pocket(load_toy, **params):
    """One Ukrainian unit at Pocket, whose neighbours are both Russian: encircled from the start."""
    params = {"surrender_captured_share": 0.4, "breakout_loss_share": 0.25, **params}
    m = toy_model(load_toy, POCKET_NODES, POCKET_EDGES, [unit("P", "UA", "Pocket", 2000)], msr=["Base", "Front"],
                  **params)
    p = named(m, "P")
    p.stock, p.cohesion = 0.5, 0.5                        # empty after today, cohesion 0.5 - loss
    return m, p


def test_an_encircled_unit_that_ran_dry_and_lost_cohesion_surrenders_on_its_draw(load_toy):
    m, p = pocket(load_toy, surrender_daily_prob=0.5, cut_cohesion_loss_per_day=0.25, surrender_cohesion=0.3)
    set_supply_draws(m, 0.49)
    supply.resupply(m)
    assert not p.alive and p not in m.units
    assert m.captured["UA"] == pytest.approx(0.4 * 2000)
    assert m.losses["UA"] == pytest.approx(0.6 * 2000 * 0.25)
    assert m.reserves["UA"].pool == pytest.approx(0.6 * 2000 * 0.75)


def test_no_surrender_when_the_draw_is_not_below_the_probability(load_toy):
    m, p = pocket(load_toy, surrender_daily_prob=0.5, cut_cohesion_loss_per_day=0.25, surrender_cohesion=0.3)
    set_supply_draws(m, 0.5)
    supply.resupply(m)
    assert p.alive and p.encircled and p.stock == 0.0 and p.cohesion == pytest.approx(0.25)


def test_no_surrender_while_cohesion_is_not_below_surrender_cohesion(load_toy):
    m, p = pocket(load_toy, surrender_daily_prob=1.0, cut_cohesion_loss_per_day=0.25, surrender_cohesion=0.25)
    set_supply_draws(m, 0.0)
    supply.resupply(m)
    assert p.alive and p.cohesion == 0.25


def test_no_surrender_while_stock_is_left(load_toy):
    m, p = pocket(load_toy, surrender_daily_prob=1.0, surrender_cohesion=1.0)
    p.stock = 1.5
    set_supply_draws(m, 0.0)
    supply.resupply(m)
    assert p.alive and p.stock == pytest.approx(0.5) and p.supply_ratio == 0.0


def test_the_unit_is_supplied_from_the_pocket_depot_network_once_the_pocket_opens(load_toy):
    m, p = pocket(load_toy)
    m.control[node(m, "R1")] = "UA"
    m.control_state = m.theatre.control_state(m.control)
    supply.resupply(m)
    assert not p.encircled and p.supply_ratio == 1.0 and p.stock == pytest.approx(0.5 - 1.0 + 2.0)
