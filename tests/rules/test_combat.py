"""ODD §7.8 Combat (sim/combat.py): the attrition law, the defence of a sector, a day's engagement,
breakthrough and ground taken, the advance rule, and the grouping of attacks.

Expected values are worked out by hand from the rule as ODD.md states it. The toy theatres (see
_toys_b1) have no noise, quality 1 (power = personnel) and, unless a test says otherwise,
attrition_coefficient k = 0.01, p = 1, q = 0, force_unit U = 1000, attacker_exposure 1.5,
breakthrough_ratio 3, sector_support 0.5 over 2 hops, cohesion_per_loss 2, open terrain (protection 1).
"""

from __future__ import annotations

import math

import pytest
from _toys_b1 import named, node, set_combat_draws, toy_model, unit
from toy_scenario import toy_parameters

from sim import combat
from sim.combat import advance_km2, attrition, exchange

U = 1000.0

# --- the law: f(E, O) = k U (E/U)^p (O/U)^q -----------------------------------------------------------


def test_attrition_square_law_value():
    # k U (E/U) = 0.01 * 1000 * 2 = 20 a day, whatever the own power (q = 0)
    assert attrition(2000.0, 1500.0, 0.01, 1.0, 0.0, U) == pytest.approx(20.0)
    assert attrition(2000.0, 0.0, 0.01, 1.0, 0.0, U) == pytest.approx(20.0)


def test_attrition_linear_law_and_general_exponents():
    # q = 1: 0.01 * 1000 * 2 * 1.5 = 30
    assert attrition(2000.0, 1500.0, 0.01, 1.0, 1.0, U) == pytest.approx(30.0)
    # p = 2, q = 0.5: 0.01 * 1000 * 4 * sqrt(0.25) = 20
    assert attrition(2000.0, 250.0, 0.01, 2.0, 0.5, U) == pytest.approx(20.0)
    # the force unit matters when p != 1: 0.01 * 500 * (2000/500)^2 = 80
    assert attrition(2000.0, 1.0, 0.01, 2.0, 0.0, 500.0) == pytest.approx(80.0)


def test_attrition_is_zero_without_an_enemy_whatever_the_exponent():
    assert attrition(0.0, 1500.0, 0.01, 1.0, 0.0, U) == 0.0
    assert attrition(0.0, 1500.0, 0.01, 0.0, 0.0, U) == 0.0     # 0^0 would give k U
    assert attrition(-5.0, 1500.0, 0.01, 1.0, 0.0, U) == 0.0
    assert attrition(0.5, 1500.0, 0.01, 1.0, 0.0, U) == pytest.approx(0.005)  # a little enemy power counts


def test_attrition_exponents_scale_as_documented():
    p, q = 0.7, 0.3
    base = attrition(2000.0, 1500.0, 0.01, p, q, U)
    assert base == pytest.approx(0.01 * 1000 * 2.0**p * 1.5**q)
    assert attrition(4000.0, 1500.0, 0.01, p, q, U) == pytest.approx(base * 2**p)
    assert attrition(2000.0, 3000.0, 0.01, p, q, U) == pytest.approx(base * 2**q)


def test_exchange_values_with_exposure_and_protection():
    params = toy_parameters(attrition_coefficient=0.01, attrition_enemy_exponent=1.0, attrition_own_exponent=0.0,
                            force_unit=1000, attacker_exposure=1.5)
    # attacker: f(2000, 3000) * 1.5 = 20 * 1.5 = 30; defender: f(3000, 2000) / 2 = 30 / 2 = 15
    assert exchange(3000.0, 2000.0, params, protection=2.0) == pytest.approx((30.0, 15.0))
    assert exchange(3000.0, 2000.0, params) == pytest.approx((30.0, 30.0))   # protection 1 by default


def test_exchange_each_side_is_hit_by_the_other_and_its_own_power_enters_through_q():
    params = toy_parameters(attrition_coefficient=0.01, attrition_enemy_exponent=1.0, attrition_own_exponent=0.5,
                            force_unit=1000, attacker_exposure=2.0)
    att, dfn = exchange(4000.0, 250.0, params, protection=4.0)
    assert att == pytest.approx(0.01 * 1000 * 0.25 * math.sqrt(4.0) * 2.0)     # 10
    assert dfn == pytest.approx(0.01 * 1000 * 4.0 * math.sqrt(0.25) / 4.0)     # 5


# --- Lanchester's laws (copied from tests/test_rules.py) ----------------------------------------------

def euler(a: float, b: float, losses, dt: float, days: float) -> tuple[float, float]:
    """Forward-Euler integration of dA/dt = -loss_a(A, B), dB/dt = -loss_b(A, B)."""
    for _ in range(round(days / dt)):
        la, lb = losses(a, b)
        a, b = a - dt * la, b - dt * lb
    return a, b


K_A, K_B = 0.010, 0.020
A0, B0 = 10000.0, 6000.0
DT, DAYS = 0.01, 50.0


def test_square_law_conserves_ka_a2_minus_kb_b2():
    # p = 1, q = 0: I = k_a A^2 - k_b B^2 is constant; forward Euler drifts by DAYS*DT*k_a*k_b = 1e-4.
    losses = lambda a, b: (attrition(b, a, K_B, 1.0, 0.0, U), attrition(a, b, K_A, 1.0, 0.0, U))  # noqa: E731
    a, b = euler(A0, B0, losses, DT, DAYS)
    i0, i1 = K_A * A0**2 - K_B * B0**2, K_A * a**2 - K_B * b**2
    assert 0 < b < 0.6 * B0
    assert abs(i1 / i0 - 1) <= 1.1 * DAYS * DT * K_A * K_B
    assert abs((K_A * a - K_B * b) / (K_A * A0 - K_B * B0) - 1) > 0.05


def test_linear_law_conserves_ka_a_minus_kb_b():
    losses = lambda a, b: (attrition(b, a, K_B, 1.0, 1.0, U), attrition(a, b, K_A, 1.0, 1.0, U))  # noqa: E731
    a, b = euler(A0, B0, losses, DT, DAYS)
    assert 0 < b < 0.6 * B0
    assert K_A * a - K_B * b == pytest.approx(K_A * A0 - K_B * B0, rel=1e-9)
    assert abs((K_A * a**2 - K_B * b**2) / (K_A * A0**2 - K_B * B0**2) - 1) > 0.05


# --- the advance rule ------------------------------------------------------------------------------------

def test_advance_is_nothing_at_parity_full_at_the_breakthrough_ratio_linear_between():
    p = toy_parameters(advance_km2_per_day=40.0, breakthrough_ratio=3.0)
    assert advance_km2(1000.0, 1000.0, p) == 0.0
    assert advance_km2(500.0, 1000.0, p) == 0.0
    assert advance_km2(2000.0, 1000.0, p) == pytest.approx(20.0)     # 40 * (2 - 1) / (3 - 1)
    assert advance_km2(3000.0, 1000.0, p) == pytest.approx(40.0)
    assert advance_km2(1500.0, 1000.0, p) == pytest.approx(10.0)
    assert advance_km2(1.0, 0.5, p) == pytest.approx(20.0)          # small powers: only the ratio counts
    assert advance_km2(5000.0, 1000.0, p) == pytest.approx(80.0)     # the line goes on (eastern front)
    p2 = toy_parameters(advance_km2_per_day=40.0, breakthrough_ratio=2.0)
    assert advance_km2(1500.0, 1000.0, p2) == pytest.approx(20.0)    # 40 * 0.5 / 1


def test_advance_is_unbounded_against_no_defence():
    p = toy_parameters(advance_km2_per_day=40.0)
    assert advance_km2(100.0, 0.0, p) == math.inf
    assert advance_km2(0.0, 0.0, p) == math.inf


# --- defence of a sector ------------------------------------------------------------------------------

SECTOR_UNITS = [unit("T", "UA", "Town", 2000), unit("M", "UA", "Mid", 1000), unit("B", "UA", "Base", 400),
                unit("R", "RU", "Hill", 3000)]


def weights(pairs):
    return {u.name: w for u, w in pairs}


def test_defence_weights_fall_with_hops(load_toy):
    m = toy_model(load_toy, units=SECTOR_UNITS)
    assert weights(combat.defence(m, node(m, "Town"), "RU")) == {"T": 1.0, "M": 0.5, "B": 0.25}
    assert weights(combat.defence(m, node(m, "Mid"), "RU")) == {"T": 0.5, "M": 1.0, "B": 0.5}
    assert weights(combat.defence(m, node(m, "Hill"), "UA")) == {"R": 1.0}


def test_defence_reaches_sector_depth_hops_only_and_uses_sector_support(load_toy):
    m = toy_model(load_toy, units=SECTOR_UNITS, sector_depth_hops=1, sector_support=0.4)
    assert weights(combat.defence(m, node(m, "Town"), "RU")) == pytest.approx({"T": 1.0, "M": 0.4})


def test_defence_leaves_out_units_moving_attacking_or_off_their_ground(load_toy):
    m = toy_model(load_toy, units=SECTOR_UNITS)
    town = node(m, "Town")
    named(m, "M").target = node(m, "Hill")              # attacking: not defending its sector
    named(m, "B").next_node = node(m, "Mid")            # on the move
    assert weights(combat.defence(m, town, "RU")) == {"T": 1.0}
    m2 = toy_model(load_toy, units=SECTOR_UNITS)
    m2.control[node(m2, "Mid")] = "RU"                  # M stands on ground its side lost
    assert weights(combat.defence(m2, node(m2, "Town"), "RU")) == {"T": 1.0, "B": 0.25}


def test_defence_of_a_garrison_is_its_own_node_only(load_toy):
    units = [unit("T", "UA", "Town", 2000), unit("G", "UA", "Mid", 500, garrison=True)]
    m = toy_model(load_toy, units=units)
    assert weights(combat.defence(m, node(m, "Town"), "RU")) == {"T": 1.0}
    assert weights(combat.defence(m, node(m, "Mid"), "RU")) == {"T": 0.5, "G": 1.0}


def test_defence_looks_only_at_the_candidates_given(load_toy):
    m = toy_model(load_toy, units=SECTOR_UNITS)
    assert weights(combat.defence(m, node(m, "Town"), "RU", [named(m, "M")])) == {"M": 0.5}


def test_defence_map_sums_weighted_power_per_node(load_toy):
    units = [unit("G", "UA", "Base", 500, garrison=True), unit("T", "UA", "Town", 2000),
             unit("M", "UA", "Mid", 1000), unit("G2", "UA", "Mid", 300, garrison=True), unit("R", "RU", "Hill", 3000)]
    m = toy_model(load_toy, units=units)
    strength = combat.defence_map(m, "RU")
    names = m.theatre.names
    by_name = dict(zip(names, strength, strict=True))
    # T (Town): 2000 there, 1000 one hop away, 500 two hops; M (Mid) likewise; G, G2: their own node only
    assert by_name == pytest.approx({"Base": 500 + 500 + 500, "Mid": 1000 + 1000 + 300, "Town": 2000 + 500,
                                     "Hill": 1000 + 250, "RuBase": 500, "East": 0.0})
    assert dict(zip(names, combat.defence_map(m, "UA"), strict=True)) == pytest.approx(
        {"Base": 0.0, "Mid": 750, "Town": 1500, "Hill": 3000, "RuBase": 1500, "East": 0.0})


# --- one day's engagement ----------------------------------------------------------------------------

def duel(load_toy, ua=2000, ru=3000, **params):
    """UA "T" at Town against RU "R" at Hill, R attacking Town."""
    m = toy_model(load_toy, units=[unit("T", "UA", "Town", ua), unit("R", "RU", "Hill", ru)],
                  advance_km2_per_day=40.0, **params)
    r = named(m, "R")
    r.target = node(m, "Town")
    return m, named(m, "T"), r


def test_engage_losses_follow_the_law_with_each_sides_own_draw(load_toy):
    units = [unit("T", "UA", "Town", 2000), unit("R", "RU", "Hill", 3000), unit("R2", "RU", "Hill", 1000)]
    m = toy_model(load_toy, units=units)
    t, r, r2 = named(m, "T"), named(m, "R"), named(m, "R2")
    r.target = node(m, "Town")                                    # R2 rests at Hill: neither side's fight
    set_combat_draws(m, {("Town", "RU"): 0.5, ("Town", "UA"): 2.0})
    combat.engage(m, node(m, "Town"), [r])
    assert r2.personnel == 1000 and not r2.engaged
    # expected: attacker 0.01*1000*(2000/1000)*1.5 = 30, defender 0.01*1000*3 = 30; times the draws
    assert r.personnel == pytest.approx(3000 - 30 * 0.5)
    assert t.personnel == pytest.approx(2000 - 30 * 2.0)
    assert m.losses["RU"] == pytest.approx(15.0) and m.losses["UA"] == pytest.approx(60.0)
    assert r.engaged and t.engaged


def test_engage_a_ukrainian_attack_uses_the_ukrainian_draw_for_the_attacker(load_toy):
    m, t, r = duel(load_toy)
    r.target = None
    t.target = node(m, "Hill")
    set_combat_draws(m, {("Hill", "UA"): 0.5, ("Hill", "RU"): 2.0, ("Town", "UA"): 7.0, ("Town", "RU"): 7.0})
    combat.engage(m, node(m, "Hill"), [t])
    # attacker UA: f(3000) * 1.5 = 45, draw 0.5; defender RU: f(2000) = 20, draw 2
    assert t.personnel == pytest.approx(2000 - 22.5)
    assert r.personnel == pytest.approx(3000 - 40.0)


def test_engage_protection_divides_the_defenders_losses_and_counts_in_the_ratio(load_toy):
    def fortify(doc):
        row = next(n for n in doc["theatre"]["nodes"] if n["name"] == "Town")
        row["terrain"], row["fortification"] = "urban", 1.0          # protection 1.5 * 2 = 3

    m, t, r = duel(load_toy, doc_edit=fortify)
    combat.engage(m, node(m, "Town"), [r])
    assert t.personnel == pytest.approx(2000 - 30 / 3)
    assert r.personnel == pytest.approx(3000 - 30)                  # the attacker's losses are unprotected
    # no losses: 3000 against 1000 x 1.5 is a ratio of 2, ground but no breakthrough
    m, t, r = duel(load_toy, ua=1000, attrition_coefficient=0.0,
                   doc_edit=lambda doc: next(n for n in doc["theatre"]["nodes"] if n["name"] == "Town")
                   .update(terrain="urban"))
    combat.engage(m, node(m, "Town"), [r])
    assert m.captures == []
    assert m.contested[node(m, "Town")] == pytest.approx(40.0 * (2.0 - 1.0) / 2.0)


def test_engage_pipeline_surprise_multiplies_the_attackers_power(load_toy):
    m, t, r = duel(load_toy)
    r.via_pipeline = True                                         # power 3000 x 2 in this fight
    combat.engage(m, node(m, "Town"), [r])
    assert t.personnel == pytest.approx(2000 - 60.0)
    assert r.personnel == pytest.approx(3000 - 30.0)
    # and in the breakthrough test: 1500 x 2 = 3 x 1000 falls outright
    m, t, r = duel(load_toy, ua=1000, ru=1500, attrition_coefficient=0.0)
    r.via_pipeline = True
    combat.engage(m, node(m, "Town"), [r])
    assert [(n, s) for n, s, _ in m.captures] == [(node(m, "Town"), "RU")]


def test_engage_is_skipped_when_the_attacker_already_holds_the_node(load_toy):
    m, t, r = duel(load_toy)
    m.control[node(m, "Town")] = "RU"
    combat.engage(m, node(m, "Town"), [r])
    assert r.personnel == 3000 and t.personnel == 2000
    assert m.captures == [] and not r.engaged


def test_engage_without_defenders_takes_the_node_without_a_fight(load_toy):
    m, t, r = duel(load_toy)
    t.target = node(m, "Hill")                                    # T attacks elsewhere: Town is empty
    combat.engage(m, node(m, "Town"), [r])
    assert m.captures == [(node(m, "Town"), "RU", [r])]
    assert r.personnel == 3000 and not r.engaged


def test_engage_attackers_without_power_do_not_press_home(load_toy):
    m, t, r = duel(load_toy)
    r.quality = 0.0
    combat.engage(m, node(m, "Town"), [r])
    assert r.personnel == 3000 and t.personnel == 2000
    assert m.captures == [] and not r.engaged and not t.engaged


def test_engage_an_attacker_with_little_power_still_fights(load_toy):
    m, t, r = duel(load_toy)
    r.quality = 0.0001                                            # power 0.3
    combat.engage(m, node(m, "Town"), [r])
    assert t.personnel == pytest.approx(2000 - 0.01 * 1000 * 0.3 / 1000)
    assert r.engaged


def test_breakthrough_counts_the_defenders_nearby_with_their_sector_weight(load_toy):
    # M (Mid) defends Town with 1000 x 0.5 = 500: 1500 is three times that
    units = [unit("M", "UA", "Mid", 1000), unit("R", "RU", "Hill", 1500)]
    m = toy_model(load_toy, units=units, attrition_coefficient=0.0)
    combat.engage(m, node(m, "Town"), [named(m, "R")])
    assert [(n, s) for n, s, _ in m.captures] == [(node(m, "Town"), "RU")]


def test_a_node_of_no_area_falls_to_any_attack_above_parity_but_not_at_parity(load_toy):
    def no_area(doc):
        next(n for n in doc["theatre"]["nodes"] if n["name"] == "Town")["area_km2"] = 0.0

    m, t, r = duel(load_toy, ua=1000, ru=1000, attrition_coefficient=0.0, doc_edit=no_area)
    combat.engage(m, node(m, "Town"), [r])
    assert m.captures == []
    m, t, r = duel(load_toy, ua=1000, ru=1001, attrition_coefficient=0.0, doc_edit=no_area)
    combat.engage(m, node(m, "Town"), [r])
    assert [(n, s) for n, s, _ in m.captures] == [(node(m, "Town"), "RU")]


def test_breakthrough_exactly_at_the_ratio_takes_the_node(load_toy):
    m, t, r = duel(load_toy, ua=1000, ru=3000, attrition_coefficient=0.0)
    combat.engage(m, node(m, "Town"), [r])
    assert m.captures == [(node(m, "Town"), "RU", [r])]
    assert m.contested[node(m, "Town")] == 0.0                    # a capture, not ground taken


def test_above_parity_short_of_breakthrough_takes_ground_in_proportion(load_toy):
    m, t, r = duel(load_toy, ua=1000, ru=2000, attrition_coefficient=0.0)
    town = node(m, "Town")
    combat.engage(m, town, [r])
    assert m.captures == []
    assert m.contested[town] == pytest.approx(20.0)               # 40 * (2 - 1) / (3 - 1)
    assert m.ua_area == pytest.approx(200.0 - 20.0)               # Mid and Town held, 20 km² taken
    combat.engage(m, town, [r])                                   # the ground taken accumulates
    assert m.contested[town] == pytest.approx(40.0)
    assert m.ua_area == pytest.approx(160.0)


def test_at_parity_nothing_is_taken(load_toy):
    m, t, r = duel(load_toy, ua=1000, ru=1000, attrition_coefficient=0.0)
    combat.engage(m, node(m, "Town"), [r])
    assert m.captures == [] and m.contested[node(m, "Town")] == 0.0 and m.ua_area == 200.0


def test_the_node_falls_when_the_ground_taken_reaches_its_area(load_toy):
    m, t, r = duel(load_toy, ua=1000, ru=2000, attrition_coefficient=0.0)
    town = node(m, "Town")
    m.contested[town], m.ua_area = 90.0, 110.0
    combat.engage(m, town, [r])
    assert m.contested[town] == 100.0
    assert m.ua_area == pytest.approx(100.0)
    assert m.captures == [(town, "RU", [r])]


def test_defence_gives_way_when_the_defenders_on_the_node_have_lost_cohesion(load_toy):
    m, t, r = duel(load_toy, ua=2000, ru=1000, attrition_coefficient=0.0)
    t.cohesion = 0.29                                             # below break_cohesion 0.3
    combat.engage(m, node(m, "Town"), [r])
    assert m.captures == [(node(m, "Town"), "RU", [r])]
    # exactly at break_cohesion the defence holds (and a weaker attacker takes no ground)
    m, t, r = duel(load_toy, ua=2000, ru=1000, attrition_coefficient=0.0)
    t.cohesion = 0.3
    combat.engage(m, node(m, "Town"), [r])
    assert m.captures == [] and m.contested[node(m, "Town")] == 0.0


def test_defence_is_not_broken_while_one_unit_on_the_node_keeps_its_cohesion(load_toy):
    units = [unit("T1", "UA", "Town", 1000), unit("T2", "UA", "Town", 1000), unit("R", "RU", "Hill", 1000)]
    m = toy_model(load_toy, units=units, attrition_coefficient=0.0)
    r = named(m, "R")
    named(m, "T1").cohesion = 0.1
    combat.engage(m, node(m, "Town"), [r])
    assert m.captures == []


def test_broken_units_off_the_node_do_not_break_its_defence(load_toy):
    # Only M (Mid, weight 0.5) defends Town; its cohesion is gone, but nobody stands on Town.
    units = [unit("M", "UA", "Mid", 4000), unit("R", "RU", "Hill", 1000)]
    m = toy_model(load_toy, units=units, attrition_coefficient=0.0)
    named(m, "M").cohesion = 0.1            # power 4000 x 0.55 x 0.5 = 1100 against 1000: no ground either
    combat.engage(m, node(m, "Town"), [named(m, "R")])
    assert m.captures == [] and m.contested[node(m, "Town")] == 0.0


def test_dissolved_attackers_drop_out_of_the_breakthrough_test(load_toy):
    # The attackers lose 0.01 x 1000 x 1 x 1.5 = 15: R2 its share 15 x 200/3000 = 1, leaving 199, below
    # remnant_personnel (dissolved); R1 14 (2786 at cohesion 0.99: power 2772). T loses 30 (970 at
    # cohesion 0.94: power 941, x 3 = 2823). Counting the dissolved R2 (power 198) would make it 2970.
    units = [unit("T", "UA", "Town", 1000), unit("R1", "RU", "Hill", 2800), unit("R2", "RU", "Hill", 200)]
    m = toy_model(load_toy, units=units, remnant_personnel=199.5)
    r1, r2 = named(m, "R1"), named(m, "R2")
    combat.engage(m, node(m, "Town"), [r1, r2])
    assert not r2.alive
    assert m.captures == []


# --- a day's losses shared among the units of an engagement ---------------------------------------------

def test_battle_shares_losses_by_power_exposure_and_sector_weight(load_toy):
    units = [unit("T", "UA", "Town", 2000), unit("M", "UA", "Mid", 1000),
             unit("R", "RU", "Hill", 2000), unit("K", "NK", "Hill", share=1.0)]
    m = toy_model(load_toy, units=units, nk_troops=2000, nk_quality=1.0, nk_learned_quality=1.0,
                  nk_initial_exposure=3.0, nk_learned_exposure=3.0)     # no learning: only the count moves
    t, mid, r, k = (named(m, x) for x in "TMRK")
    r.target = k.target = node(m, "Town")
    k.days_in_combat = 4
    combat.fight(m)
    # P_att = 2000 + 2000, P_def = 2000 + 0.5 x 1000 = 2500
    # attackers lose 0.01 x 1000 x 2.5 x 1.5 = 37.5, shared 2000 x 1 : 2000 x 3
    assert r.personnel == pytest.approx(2000 - 37.5 / 4)
    assert k.personnel == pytest.approx(2000 - 37.5 * 3 / 4)
    # defenders lose 0.01 x 1000 x 4 = 40, shared 2000 : 500
    assert t.personnel == pytest.approx(2000 - 32.0)
    assert mid.personnel == pytest.approx(1000 - 8.0)
    assert k.days_in_combat == 5
    assert all(u.engaged for u in (t, mid, r, k))


def test_battle_with_tiny_or_no_power_on_one_side(load_toy):
    m, t, r = duel(load_toy)
    # attackers 0.5, defenders 0.5: each side's loss is small, and all of it is shared out
    combat.battle(m, [r], [0.5], [t], [0.5], 1.0, 1.0, 1.0)
    assert r.personnel == pytest.approx(3000 - 0.01 * 1000 * 0.0005 * 1.5)
    assert t.personnel == pytest.approx(2000 - 0.01 * 1000 * 0.0005)
    # no power on a side: nothing to share among its units (and no division by zero)
    m, t, r = duel(load_toy)
    combat.battle(m, [r], [0.0], [t], [0.0], 1.0, 1.0, 1.0)
    assert r.personnel == 3000 and t.personnel == 2000
    assert r.engaged and t.engaged


# --- fight: who attacks what, in which order ------------------------------------------------------------

def test_fight_resolves_the_attacks_in_increasing_node_order(load_toy):
    units = [unit("RA", "RU", "Hill", 1000), unit("RB", "RU", "Hill", 1000)]
    m = toy_model(load_toy, units=units)
    ra, rb = named(m, "RA"), named(m, "RB")
    ra.target, rb.target = node(m, "Town"), node(m, "Mid")        # RA (created first) attacks the higher node
    combat.fight(m)
    assert m.captures == [(node(m, "Mid"), "RU", [rb]), (node(m, "Town"), "RU", [ra])]


def test_fight_groups_the_attackers_of_a_node(load_toy):
    units = [unit("T", "UA", "Town", 1000), unit("R1", "RU", "Hill", 1500), unit("R2", "RU", "Hill", 1500)]
    m = toy_model(load_toy, units=units, attrition_coefficient=0.0)
    r1, r2 = named(m, "R1"), named(m, "R2")
    r1.target = r2.target = node(m, "Town")
    combat.fight(m)
    assert m.captures == [(node(m, "Town"), "RU", [r1, r2])]      # 3000 = 3 x 1000 together


def test_fight_counts_a_unit_at_the_end_of_its_edge_but_not_one_still_on_the_way(load_toy):
    m, t, r = duel(load_toy)
    r.next_node, r.km_left = node(m, "Town"), 0.5
    combat.fight(m)
    assert t.personnel == 2000 and not r.engaged
    r.km_left = 0.0
    combat.fight(m)
    assert t.personnel == pytest.approx(1970.0)


def test_fight_sets_the_defenders_of_the_other_side_and_resets_engaged(load_toy):
    m, t, r = duel(load_toy)
    r.target, t.target = None, node(m, "Hill")                    # a Ukrainian attack: RU defends
    combat.fight(m)
    assert r.personnel == pytest.approx(3000 - 20.0)
    assert t.personnel == pytest.approx(2000 - 45.0)
    t.target = None
    combat.fight(m)
    assert t.engaged is False and r.engaged is False
