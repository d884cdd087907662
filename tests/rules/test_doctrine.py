"""ODD 7.4 Russian doctrine (sim/doctrine.py): is_fit, attacks, is_ready, russian_orders.

Toy parameters: attack_ratio_min 1.2, attack_cohesion_min 0.55, stock_days 7, ru_quality 0.8,
ua_quality 1.0. With sector_depth_hops = 0 a Ukrainian brigade defends its own node only, with its
whole power, so the defence of a node is the power of the brigades on it (times its protection).

The fork (tests/rules/_toys_b2.py): the Russian node X is next to the Ukrainian Kursk nodes U1 and
U2, to W (Ukrainian ua_rear ground) and to the Russian rear Y.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from _toys_b2 import fork_doc, fresh_model, line_doc, named
from toy_scenario import toy_parameters, unit

from sim import doctrine
from sim.doctrine import attacks, is_fit, is_ready, russian_orders

BASE, U1, U2, X, W, Y = range(6)
LA, LB, LC, LD, LE = range(5)          # the line A - B - C - D - E


def fake(**params):
    return SimpleNamespace(p=toy_parameters(**params), day=5)


# --- is_fit, attacks, is_ready on plain numbers ------------------------------------------------------

def test_is_fit_means_cohesion_at_least_attack_cohesion_min():
    model = fake()
    assert is_fit(model, 0.55)
    assert is_fit(model, 1.0)
    assert not is_fit(model, 0.5499)


def test_an_attack_goes_in_at_attack_ratio_min_times_the_defence():
    model = fake()
    assert attacks(model, 2400.0, 2000.0)              # 1.2 x 2000, exactly
    assert not attacks(model, 2399.0, 2000.0)
    assert not attacks(model, 1300.0, 2000.0)          # above half the minimum ratio: still no
    assert attacks(fake(attack_ratio_min=0.5), 1000.0, 2000.0)


def test_an_undefended_node_is_attacked_by_any_power_but_no_power_never_attacks():
    model = fake()
    assert attacks(model, 1.0, 0.0)
    assert not attacks(model, 0.0, 0.0)
    assert not attacks(model, 0.0, 100.0)
    assert not attacks(model, 0.1, 0.5)                # a small defence is still a defence


def ready_unit(**state):
    base = {"cohesion": 1.0, "stock": 3.0, "consolidating_until": 4, "replenishing": False}
    return SimpleNamespace(**{**base, **state})


def test_is_ready_needs_fit_stocked_not_consolidating_not_replenishing():
    model = fake()                                      # day 5
    assert is_ready(model, ready_unit())
    assert is_ready(model, ready_unit(cohesion=0.55, stock=0.01))
    assert not is_ready(model, ready_unit(cohesion=0.54))
    assert not is_ready(model, ready_unit(stock=0.0))
    assert not is_ready(model, ready_unit(consolidating_until=5))      # consolidates until today
    assert not is_ready(model, ready_unit(replenishing=True))


# --- russian_orders on the fork ------------------------------------------------------------------------

def fork_model(load_toy, ua: dict[str, float], ru: list[dict], **params):
    params.setdefault("sector_depth_hops", 0)
    units = [unit(f"UA {n}", "UA", n, p) for n, p in ua.items()] + ru
    return fresh_model(load_toy(fork_doc(units, **params)))


def test_a_formation_attacks_the_adjacent_node_with_the_best_ratio(load_toy):
    # R: 3000 x 0.8 = 2400 against U1 (1000) and U2 (1500): ratios 2.4 and 1.6: U1.
    model = fork_model(load_toy, {"U1": 1000, "U2": 1500}, [unit("R", "RU", "X", 3000)])
    russian_orders(model)
    r = named(model, "R")
    assert r.ready
    assert (r.target, r.posture, r.orders, r.goal) == (U1, "attack", ("attack", U1), None)
    model2 = fork_model(load_toy, {"U1": 1500, "U2": 1000}, [unit("R", "RU", "X", 3000)])
    russian_orders(model2)
    assert named(model2, "R").target == U2


def test_equal_ratios_go_to_the_lower_index_and_exactly_the_minimum_ratio_attacks(load_toy):
    # 2400 against 2000 on each side: ratio 1.2 = attack_ratio_min on both: U1 (lower index), attack.
    model = fork_model(load_toy, {"U1": 2000, "U2": 2000}, [unit("R", "RU", "X", 3000)])
    russian_orders(model)
    assert named(model, "R").target == U1


def test_below_the_minimum_ratio_it_holds_and_concentrates(load_toy):
    # 2400 against 2000.5 (1.2 x 2000.5 = 2400.6 > 2400): no attack, posture defend.
    model = fork_model(load_toy, {"U1": 2000.5, "U2": 2000.5}, [unit("R", "RU", "X", 3000)])
    r = named(model, "R")
    r.goal = (Y,)
    russian_orders(model)
    assert r.ready
    assert (r.target, r.posture, r.orders, r.goal) == (None, "defend", ("hold and concentrate", None), None)


def test_the_power_of_every_ready_formation_around_a_node_counts(load_toy):
    # Two formations of 1500 (1200 each) next to U1 and U2 of 2000: 2400 around each: both attack U1;
    # alone, neither would (1200 < 2400).
    model = fork_model(load_toy, {"U1": 2000, "U2": 2000},
                       [unit("R1", "RU", "X", 1500), unit("R2", "RU", "X", 1500)])
    russian_orders(model)
    assert [named(model, n).target for n in ("R1", "R2")] == [U1, U1]
    alone = fork_model(load_toy, {"U1": 2000, "U2": 2000}, [unit("R1", "RU", "X", 1500)])
    russian_orders(alone)
    assert named(alone, "R1").target is None


@pytest.mark.parametrize("why", ["unfit", "consolidating", "replenishing", "on an edge"])
def test_power_of_formations_not_ready_or_on_an_edge_does_not_count(load_toy, why):
    model = fork_model(load_toy, {"U1": 2000, "U2": 2000},
                       [unit("R1", "RU", "X", 1500), unit("R2", "RU", "X", 1500)])
    r1, r2 = named(model, "R1"), named(model, "R2")
    if why == "unfit":
        r2.cohesion = 0.5
    elif why == "consolidating":
        r2.consolidating_until = model.day
    elif why == "replenishing":
        r2.replenishing, r2.stock = True, 6.0
    else:
        r2.next_node, r2.km_left = Y, 3.0
    russian_orders(model)
    assert r1.target is None and r1.posture == "defend"


def test_the_defence_counts_the_sector_support_of_nearby_brigades(load_toy):
    # sector_depth_hops 1, sector_support 0.5: UA U2 (1500, two hops from U1) does not help U1; a
    # 1500 at Base (one hop from U1 and U2) adds 750 to each. R (2400) against U1: 1000 + 750 = 1750
    # (ratio 1.37: attack); against U2: 1500 + 750 = 2250. Russian power never counts as defence.
    model = fork_model(load_toy, {"U1": 1000, "U2": 1500, "Base": 1500}, [unit("R", "RU", "X", 3000)],
                       sector_depth_hops=1, sector_support=0.5)
    russian_orders(model)
    assert named(model, "R").target == U1
    # with 2000 at Base instead: U1 has 1000 + 1000 = 2000 > 2400 / 1.2 - a hair: hold
    model = fork_model(load_toy, {"U1": 1000.5, "U2": 1500, "Base": 2000}, [unit("R", "RU", "X", 3000)],
                       sector_depth_hops=1, sector_support=0.5)
    russian_orders(model)
    assert named(model, "R").target is None


def test_a_node_with_the_smallest_defence_is_still_no_undefended_node(load_toy):
    # U1 holds a defence of 0.5 (a ratio of 4800), U2 none (infinite): U2 is the better target.
    model = fork_model(load_toy, {"U1": 1000}, [unit("R", "RU", "X", 3000)])
    named(model, "UA U1").personnel = 0.5
    russian_orders(model)
    assert named(model, "R").target == U2


def test_protection_multiplies_the_defence(load_toy):
    # U1: 1000 behind fortification 1.0 (protection 2): 2000; U2: 1500 in the open: U2 has the better
    # ratio (1.6 against 1.2).
    model_doc = fork_doc([unit("UA U1", "UA", "U1", 1000), unit("UA U2", "UA", "U2", 1500),
                          unit("R", "RU", "X", 3000)], sector_depth_hops=0)
    next(n for n in model_doc["theatre"]["nodes"] if n["name"] == "U1")["fortification"] = 1.0
    model = fresh_model(load_toy(model_doc))
    russian_orders(model)
    assert named(model, "R").target == U2
    # and against 2000 x 2 alone the same 2400 is too little
    model_doc["forces"]["units"][1]["node"] = "Base"
    model_doc["forces"]["units"][0]["personnel"] = 1001
    model = fresh_model(load_toy(model_doc))
    model.control[U2] = "RU"
    model.control_state = model.theatre.control_state(model.control)
    russian_orders(model)
    assert named(model, "R").target is None and named(model, "R").orders[0] == "hold and concentrate"


def test_an_undefended_node_is_attacked_first_and_by_any_ready_power(load_toy):
    # U1 has no defender (infinite ratio): a formation of 100 attacks it rather than U2.
    model = fork_model(load_toy, {"U2": 1000}, [unit("R", "RU", "X", 100)])
    russian_orders(model)
    assert named(model, "R").target == U1


def test_the_sumy_targets_are_attacked_only_once_the_salient_is_lost(load_toy):
    # W (ua_rear) is undefended and next to X; U1 and U2 are far too strong to attack.
    model = fork_model(load_toy, {"U1": 9000, "U2": 9000}, [unit("R", "RU", "X", 3000)], sumy_targets=["W"])
    russian_orders(model)
    assert named(model, "R").target is None
    model.salient_lost_on = model.date
    russian_orders(model)
    assert named(model, "R").target == W
    plain = fork_model(load_toy, {"U1": 9000, "U2": 9000}, [unit("R", "RU", "X", 3000)])
    plain.salient_lost_on = plain.date                   # W is not a Sumy target: never
    russian_orders(plain)
    assert named(plain, "R").target is None


# --- not ready, replenishing, marching to the front, objectives (the line A - B - C - D - E) ----------

def line_ru(load_toy, ru_node="D", ru_personnel=3000, **spec):
    units = [unit("UA", "UA", "C", 1000), unit("R", "RU", ru_node, ru_personnel, **spec)]
    model = fresh_model(load_toy(line_doc(units, sector_depth_hops=0)))
    return model, named(model, "R")


def test_a_formation_that_ran_dry_falls_back_towards_its_depots(load_toy):
    model, r = line_ru(load_toy)
    r.stock = 0.0
    r.target = LC
    russian_orders(model)
    assert r.replenishing and not r.ready
    assert (r.target, r.posture, r.goal, r.orders) == (None, "rest", (LE,), ("fall back to replenish", None))


def test_a_low_stock_that_is_not_empty_does_not_send_it_back(load_toy):
    model, r = line_ru(load_toy)
    r.stock = 0.5
    russian_orders(model)
    assert r.replenishing is False and r.ready and r.target == LC
    r.cohesion = 0.5                                     # unfit with a little stock: rests where it is
    russian_orders(model)
    assert (r.goal, r.orders) == (None, ("rest and replenish", None))


def test_a_dry_formation_consolidating_a_capture_stays_where_it_is(load_toy):
    model, r = line_ru(load_toy)
    r.stock, r.consolidating_until = 0.0, model.day
    r.goal = (LE,)
    russian_orders(model)
    assert (r.posture, r.goal, r.orders) == ("rest", None, ("consolidate", None))


def test_an_unfit_formation_rests_and_replenishes_where_it_stands(load_toy):
    model, r = line_ru(load_toy)
    r.cohesion = 0.5
    russian_orders(model)
    assert not r.replenishing and not r.ready
    assert (r.target, r.posture, r.goal, r.orders) == (None, "rest", None, ("rest and replenish", None))


def test_a_replenishing_formation_goes_forward_again_only_when_its_stock_is_full(load_toy):
    model, r = line_ru(load_toy)
    r.replenishing, r.stock = True, 6.99                 # stock_days is 7
    russian_orders(model)
    assert r.replenishing and not r.ready and r.target is None
    assert r.orders == ("rest and replenish", None)
    r.stock = 7.0
    russian_orders(model)
    assert r.replenishing is False and r.ready
    assert r.target == LC                                # 2400 against 1000: attack


def test_a_formation_not_yet_at_the_front_marches_to_the_frontier(load_toy):
    model, r = line_ru(load_toy, ru_node="E")
    russian_orders(model)
    assert (r.goal, r.posture, r.orders, r.target) == ((LD,), "move", ("march to the front", None), None)


def test_without_a_frontier_a_formation_garrisons(load_toy):
    model, r = line_ru(load_toy, ru_node="E")
    model.control[LB] = model.control[LC] = "RU"         # no Ukrainian Kursk ground left
    model.control_state = model.theatre.control_state(model.control)
    r.goal = (LD,)
    russian_orders(model)
    assert (r.goal, r.posture, r.orders) == (None, "defend", ("garrison", None))


def test_a_fixed_objective_is_made_for_until_its_side_holds_it(load_toy):
    model, r = line_ru(load_toy, ru_node="E", target="B", mobility="infantry")
    assert r.objective == LB
    russian_orders(model)
    assert (r.goal, r.posture, r.orders, r.target) == ((LB,), "move", ("infiltrate to", LB), None)
    model.control[LB] = "RU"
    model.control_state = model.theatre.control_state(model.control)
    russian_orders(model)
    assert r.objective is None
    assert r.orders == ("march to the front", None)


def test_at_the_pipeline_exit_it_attacks_the_node_above_and_on_an_edge_it_keeps_going(load_toy):
    model, r = line_ru(load_toy, ru_node="E")
    r.posture, r.goal = "move", (LB,)
    r.next_node, r.km_left = LB, 0.0                     # at the exit under Ukrainian B
    russian_orders(model)
    assert (r.target, r.posture, r.goal) == (LB, "attack", (LB,))
    r.posture, r.km_left = "move", 0.5                   # still half a km to go
    russian_orders(model)
    assert (r.target, r.posture, r.goal) == (None, "move", (LB,))
    model.control[LB] = "RU"                             # at the exit, but the node is its side's now
    r.km_left = 0.0
    russian_orders(model)
    assert (r.target, r.posture) == (None, "move")


@pytest.mark.parametrize("first", ["on an edge", "objective", "not ready"])
def test_every_formation_gets_its_orders_whatever_the_one_before_it_does(load_toy, first):
    # R1 (created first) is on an edge, has an objective or is not ready; R2 behind it still attacks.
    spec = {"target": "B", "mobility": "infantry"} if first == "objective" else {}
    units = [unit("UA", "UA", "C", 1000), unit("R1", "RU", "E", 500, **spec), unit("R2", "RU", "D", 3000)]
    model = fresh_model(load_toy(line_doc(units, sector_depth_hops=0)))
    r1, r2 = named(model, "R1"), named(model, "R2")
    if first == "on an edge":
        r1.next_node, r1.km_left = LD, 2.0
    elif first == "not ready":
        r1.cohesion = 0.1
    russian_orders(model)
    assert (r2.target, r2.posture) == (LC, "attack")


def test_doctrine_leaves_ukrainian_units_alone(load_toy):
    model, _ = line_ru(load_toy)
    ua = named(model, "UA")
    before = (ua.posture, ua.goal, ua.target, ua.orders, ua.replenishing)
    ua.stock = 0.0
    doctrine.russian_orders(model)
    assert (ua.posture, ua.goal, ua.target, ua.orders) == before[:4]
    assert not ua.replenishing
