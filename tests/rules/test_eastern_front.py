"""Rule tests of the eastern front (docs/ODD.md 7.10, sim/eastern_front.py).

Most tests call one method of `EasternFront` on a front built from plain numbers (tests/rules/_toys_c.py)
and compare its result with values worked out by hand from ODD 7.10, under the toy parameters:
attrition k = 0.01 per force_unit 1000, exponents p = 1 and q = 0 (the square law), attacker_exposure
1.5, attack_ratio_min 1.2, attack_cohesion_min 0.55, break_cohesion 0.3, breakthrough_ratio 3,
cohesion_per_loss 2, cohesion_recovery_per_day 0.02, ua_quality 1, ru_quality 0.8. The rail journeys and
the Russian redeployment use a small real model (toy theatre with two sectors).
"""

from __future__ import annotations

import datetime as dt

import pytest
from _toys_c import make_front, node_of, params, sectors_doc, spec, world
from toy_scenario import START, toy_doc, unit

from sim import KurskModel
from sim.eastern_front import REPLACEMENT_MEMORY_DAYS, apportion

ADV = 2.0     # advance_km2_per_day set in the tests that measure ground
D1, D2, D3, D5 = (START + dt.timedelta(days=n) for n in (1, 2, 3, 5))


# --- apportion (7.10: allocation and redeployment) ---------------------------------------------------

def test_apportion_sends_each_amount_where_it_falls_furthest_below_its_weight():
    sent = [0.0, 0.0, 0.0]
    order = [apportion([0.5, 0.25, 0.25], sent, 1.0) for _ in range(8)]
    assert sent == [4.0, 2.0, 2.0]
    assert order == [0, 0, 1, 2, 0, 0, 1, 2]          # ties go to the first
    assert apportion([0.0, 1.0], [0.0, 0.0], 5.0) == 1          # never a destination of weight 0


def test_apportion_weighs_the_amount_being_sent():
    # (sent + amount) / w: 5000 → 0 (6,667 < 20,000); 3000 → 0 (10,667 < 12,000); 1000 → 1 (12,000 > 4,000)
    sent = [0.0, 0.0]
    assert [apportion([0.75, 0.25], sent, x) for x in (5000.0, 3000.0, 1000.0)] == [0, 0, 1]
    assert sent == [8000.0, 1000.0]
    # a large amount goes where it leaves the lower ratio, not to the least-filled place
    assert apportion([0.5, 0.5], [1000.0, 0.0], 1.0) == 1
    assert apportion([0.9, 0.1], [0.0, 0.0], 10.0) == 0


# --- the forces at the start (7.10, §5) ------------------------------------------------------------------

def front_of_two(**params):
    units = [spec("UA", "A", 1000), spec("UA", "A", 3000, quality=0.6), spec("UA", "B", 1000),
             spec("RU", "A", 1000, quality=0.5), spec("RU", "B", 2000),
             spec("UA", "Kursk town", 7777),                            # not a sector: not the front's
             spec("RU", "B", 4000, arrival=D5)]                          # a sector reserve: later
    return make_front([("A", 1.0, 0.1), ("B", 2.5, 0.3)], units, protection=[1.5, 2.0],
                      allocation={"B": 0.25, "A": 0.75}, **params)


def test_sector_forces_are_the_units_placed_on_the_sector():
    east = front_of_two(ua_quality=0.9)
    assert east.names == ["A", "B"]
    assert east.sectors == [node_of(0), node_of(1)] and east.position == {node_of(0): 0, node_of(1): 1}
    assert east.protection == [1.5, 2.0] and east.frontage == [1.0, 2.5] and east.origin == [0.1, 0.3]
    assert east.allocation == [(node_of(1), 0.25), (node_of(0), 0.75)]
    assert east.personnel == {"UA": [4000.0, 1000.0], "RU": [1000.0, 2000.0]}
    # personnel-weighted quality; a unit without its own quality has its side's parameter
    assert east.quality["UA"] == pytest.approx([(1000 * 0.9 + 3000 * 0.6) / 4000, 0.9])
    assert east.quality["RU"] == pytest.approx([0.5, 0.8])
    assert east.cohesion == {"UA": [1.0, 1.0], "RU": [1.0, 1.0]}
    assert east.start_share["UA"] == pytest.approx([0.8, 0.2]) and east.start_share["RU"] == pytest.approx([1 / 3, 2 / 3])
    assert east.due == [(D5, "RU", 1, 4000, 0.8)]
    # nothing has happened yet
    assert east.gain == [0.0, 0.0] and east.gain_km2 == 0.0 and east.gain_today == 0.0
    assert east.losses == {"UA": [0.0, 0.0], "RU": [0.0, 0.0]}
    assert east.recent_losses == {"UA": [0.0, 0.0], "RU": [0.0, 0.0]}
    assert east.from_kursk == {"UA": [0.0, 0.0], "RU": [0.0, 0.0]}
    assert east.attacking == [False, False] and east.on_rail == [] and east.allocated == {}
    assert east.redeployed == 0.0 and east.drawn == 0.0 and east.redeploy_done is False


def test_sector_reserves_join_on_their_date_in_date_order():
    units = [spec("UA", "A", 1000), spec("RU", "A", 1000),
             spec("RU", "A", 3000, quality=0.4, arrival=D5),           # listed first, due last
             spec("UA", "A", 500, quality=0.6, arrival=D2)]
    east, model = world([("A", 1.0, 0.0)], units)
    assert [d[0] for d in east.due] == [D2, D5]
    east.cohesion["UA"][0] = 0.5
    model.date = D1
    east.arrivals(model)
    assert east.personnel == {"UA": [1000.0], "RU": [1000.0]}
    model.date = D3                                   # the reserve of D2 (one day late: still joins)
    east.arrivals(model)
    assert east.personnel["UA"] == [1500.0] and east.personnel["RU"] == [1000.0]
    assert east.quality["UA"][0] == pytest.approx((1000 * 1.0 + 500 * 0.6) / 1500)
    assert east.cohesion["UA"][0] == pytest.approx((1000 * 0.5 + 500 * 1.0) / 1500)     # they come fresh
    assert east.from_kursk["UA"] == [0.0]                                              # not from Kursk
    model.date = D5                                   # on its very date
    east.arrivals(model)
    assert east.personnel["RU"] == [4000.0] and east.quality["RU"][0] == pytest.approx((800 + 1200) / 4000)
    assert east.due == []


# --- join, power, lose ---------------------------------------------------------------------------------

def test_join_adds_personnel_and_averages_quality_and_cohesion_by_personnel():
    east, _ = world([("A", 1.0, 0.0), ("B", 1.0, 0.0)], [spec("UA", "A", 1000), spec("RU", "A", 1000)],
                    ua_quality=0.9)
    east.cohesion["UA"][0] = 0.5
    east.join("UA", 0, 3000, 0.5, 0.9, from_kursk=True)
    assert east.personnel["UA"] == [4000.0, 0.0]
    assert east.quality["UA"][0] == pytest.approx((900 + 1500) / 4000)          # 0.6
    assert east.cohesion["UA"][0] == pytest.approx((500 + 2700) / 4000)         # 0.8
    assert east.from_kursk["UA"] == [3000.0, 0.0]
    east.join("UA", 0, 1000, 0.6, 0.8)                                          # not from Kursk
    assert east.personnel["UA"][0] == 5000.0 and east.from_kursk["UA"] == [3000.0, 0.0]
    # an empty force takes the joining unit's quality and cohesion; nobody joining changes nothing
    east.join("RU", 1, 0.0, 0.3, 0.3)
    assert east.personnel["RU"][1] == 0.0 and east.quality["RU"][1] == 0.8 and east.cohesion["RU"][1] == 1.0
    east.join("RU", 1, 2000, 0.7, 0.6, from_kursk=True)
    assert (east.personnel["RU"][1], east.quality["RU"][1], east.cohesion["RU"][1]) == (2000.0, pytest.approx(0.7),
                                                                                       pytest.approx(0.6))
    assert east.from_kursk["RU"] == [0.0, 2000.0]
    east.join("RU", 1, 1000, 0.7, 0.6, from_kursk=True)                        # from Kursk again: adds up
    assert east.from_kursk["RU"] == [0.0, 3000.0] and east.personnel["RU"][1] == 3000.0
    east.join("UA", 1, 0.5, 0.6, 0.4)                                           # half a soldier is someone
    assert (east.personnel["UA"][1], east.quality["UA"][1], east.cohesion["UA"][1]) == (0.5, 0.6, 0.4)


def test_power_of_a_force_is_the_rule_of_every_unit():
    east, _ = world([("A", 1.0, 0.0)], [spec("UA", "A", 4000, quality=0.6), spec("RU", "A", 2000, quality=0.7)])
    east.cohesion["UA"][0] = 0.8
    assert east.power("UA", 0) == pytest.approx(4000 * 0.6 * 0.9)
    assert east.power("RU", 0) == pytest.approx(2000 * 0.7 * 1.0)


def test_lose_takes_personnel_wears_cohesion_and_counts_the_losses():
    east, model = world([("A", 1.0, 0.0), ("B", 1.0, 0.0)], [spec("UA", "A", 4000), spec("UA", "B", 1000),
                                                              spec("RU", "A", 1000)], cohesion_per_loss=2.0)
    east.cohesion["UA"][0] = 0.8
    east.from_kursk["UA"][0] = 2000.0
    assert east.lose(model, "UA", 0, 400.0) == 400.0
    assert east.personnel["UA"] == [3600.0, 1000.0]
    assert east.cohesion["UA"][0] == pytest.approx(0.8 - 2.0 * 400 / 4000)       # 0.6
    assert east.from_kursk["UA"][0] == pytest.approx(2000 * 3600 / 4000)         # 1,800
    assert east.losses["UA"] == [400.0, 0.0] and east.losses["RU"] == [0.0, 0.0]
    assert model.losses == {"UA": 400.0, "RU": 0.0, "NK": 0.0}
    assert model.losses_east == {"UA": 400.0, "RU": 0.0, "NK": 0.0}
    assert east.lose(model, "UA", 0, 100.0) == 100.0                              # losses add up
    assert east.losses["UA"][0] == 500.0 and model.losses["UA"] == 500.0 and model.losses_east["UA"] == 500.0
    assert east.cohesion["UA"][0] == pytest.approx(0.6 - 2.0 * 100 / 3600)
    assert east.lose(model, "UA", 1, 0.5) == 0.5 and east.personnel["UA"][1] == 999.5     # fractions count
    assert model.losses_east["UA"] == 500.5


def test_lose_takes_no_more_than_the_force_and_nothing_for_no_loss():
    east, model = world([("A", 1.0, 0.0)], [spec("UA", "A", 300), spec("RU", "A", 1000)], cohesion_per_loss=2.0)
    east.from_kursk["UA"][0] = 100.0
    for nothing in (0.0, -50.0):
        assert east.lose(model, "UA", 0, nothing) == 0.0
    assert east.personnel["UA"] == [300.0] and east.cohesion["UA"] == [1.0] and model.losses["UA"] == 0.0
    assert east.losses["UA"] == [0.0] and model.losses_east["UA"] == 0.0
    assert east.lose(model, "UA", 0, 1000.0) == 300.0
    assert east.personnel["UA"] == [0.0] and east.cohesion["UA"] == [0.0] and east.from_kursk["UA"] == [0.0]
    assert model.losses["UA"] == 300.0 and model.losses_east["UA"] == 300.0
    assert east.lose(model, "UA", 0, 10.0) == 0.0                                 # no one left to lose


def test_lose_of_exactly_the_whole_force():
    east, model = world([("A", 1.0, 0.0)], [spec("UA", "A", 300), spec("RU", "A", 1000)], cohesion_per_loss=0.5)
    assert east.lose(model, "UA", 0, 300.0) == 300.0
    assert east.personnel["UA"] == [0.0] and east.cohesion["UA"][0] == pytest.approx(0.5)


# --- where units go: allocation, the grouping's origin, Russian destinations ----------------------------------

def test_allocation_sends_each_brigade_to_the_entry_furthest_below_its_share():
    east, _ = world([("A", 1.0, 0.0), ("B", 1.0, 0.0), ("C", 1.0, 0.0)],
                    [spec("UA", "A", 1000), spec("RU", "A", 1000)], allocation={"A": 0.5, "B": 0.25, "C": 0.25})
    a, b, c = node_of(0), node_of(1), node_of(2)
    assert [east.allocate() for _ in range(8)] == [a, a, b, c, a, a, b, c]
    assert east.allocated == {a: 4.0, b: 2.0, c: 2.0}


def test_allocation_among_the_policy_sectors_only():
    east, _ = world([("A", 1.0, 0.0), ("B", 1.0, 0.0), ("C", 1.0, 0.0), ("D", 1.0, 0.0)],
                    [spec("UA", "A", 1000), spec("RU", "A", 1000)], allocation={"A": 0.5, "B": 0.25, "C": 0.25})
    a, b, c, d = (node_of(k) for k in range(4))
    # B and C by their shares (0.25 each), counted with those sent to them before
    assert east.allocate() == a
    assert [east.allocate((c, b)) for _ in range(4)] == [c, b, c, b]
    assert east.allocated == {a: 1.0, b: 2.0, c: 2.0}
    # a sector without a share is never chosen while one with a share is there
    assert [east.allocate((d, a)) for _ in range(3)] == [a, a, a]
    # the allocation gives none of them a share: equal shares
    east.allocated = {}
    east.allocation = [(a, 1.0), (c, 0.0), (d, 0.0)]
    assert [east.allocate((d, c)) for _ in range(4)] == [d, c, d, c]
    assert east.allocated == {c: 2.0, d: 2.0}


def test_the_grouping_draws_its_share_out_of_each_sector():
    # g = 0.4, origin (0.5, 0.25, 0): a formation of 1,000 takes 200 and 100 (capped at the 60 there)
    sectors = [("A", 1.0, 0.5), ("B", 1.0, 0.25), ("C", 1.0, 0.0)]
    units = [spec("UA", "A", 1000), spec("RU", "A", 5000), spec("RU", "B", 60), spec("RU", "C", 2000)]
    # (B's 60 are all taken; a sector with half a soldier left gives it too)
    east, model = world(sectors, units, ru_grouping_from_east=0.4)
    east.draw_for_kursk(model, 1000.0)
    assert east.personnel["RU"] == pytest.approx([4800.0, 0.0, 2000.0])
    assert east.drawn == pytest.approx(260.0)
    assert east.quality["RU"] == [0.8] * 3 and east.cohesion["RU"] == [1.0] * 3
    assert east.personnel["UA"] == [1000.0, 0.0, 0.0]
    east.draw_for_kursk(model, 500.0)
    assert east.personnel["RU"] == pytest.approx([4700.0, 0.0, 2000.0]) and east.drawn == pytest.approx(360.0)
    east.personnel["RU"][1] = 0.5
    east.draw_for_kursk(model, 500.0)
    assert east.personnel["RU"] == pytest.approx([4600.0, 0.0, 2000.0]) and east.drawn == pytest.approx(460.5)
    assert model.losses == {"UA": 0.0, "RU": 0.0, "NK": 0.0}       # drawn, not lost
    none, model0 = world(sectors, units, ru_grouping_from_east=0.0)
    none.draw_for_kursk(model0, 1000.0)
    assert none.personnel["RU"] == [5000.0, 60.0, 2000.0] and none.drawn == 0.0


def test_freed_russians_go_back_where_they_were_drawn_from_and_the_rest_to_russian_strength():
    sectors = [("A", 1.0, 0.4), ("B", 1.0, 0.2), ("C", 1.0, 0.0)]
    units = [spec("UA", "A", 1000), spec("RU", "A", 1000), spec("RU", "B", 3000)]
    east, model = world(sectors, units, ru_grouping_from_east=0.5)
    # w = g·o + (1 − g·Σo) · N_RU,k / Σ N_RU:  rest = 1 − 0.5 × 0.6 = 0.7
    assert east.russian_destinations(model) == pytest.approx([0.2 + 0.7 * 0.25, 0.1 + 0.7 * 0.75, 0.0])
    east.personnel["RU"] = [0.0, 0.0, 0.0]                       # no Russian force anywhere: equal shares
    assert east.russian_destinations(model) == pytest.approx([0.2 + 0.7 / 3, 0.1 + 0.7 / 3, 0.7 / 3])
    east.personnel["RU"] = [500.0, 0.0, 1500.0]
    model.p = params(ru_grouping_from_east=0.0)          # all from the reserve: strength alone
    assert east.russian_destinations(model) == pytest.approx([0.25, 0.0, 0.75])


# --- replacements (7.10 step 3) ---------------------------------------------------------------------------

def test_replacements_follow_recent_losses_and_before_any_loss_the_start_forces():
    east, model = world([("A", 1.0, 0.0), ("B", 1.0, 0.0)],
                        [spec("UA", "A", 10000), spec("UA", "B", 5000), spec("RU", "A", 3000), spec("RU", "B", 1000)])
    east.personnel["UA"] = [1000.0, 1000.0]                      # the start forces count, not today's
    assert east.replacement_share("UA") == pytest.approx([2 / 3, 1 / 3])
    assert east.replacement_share("RU") == pytest.approx([0.75, 0.25])
    east.cohesion["UA"] = [0.5, 0.7]
    east.replacements(model, "UA", 300.0)
    assert east.personnel["UA"] == pytest.approx([1200.0, 1100.0])
    assert east.cohesion["UA"] == [0.5, 0.7] and east.quality["UA"] == [1.0, 1.0]      # personnel only
    east.recent_losses["UA"] = [10.0, 30.0]
    assert east.replacement_share("UA") == pytest.approx([0.25, 0.75])
    east.replacements(model, "UA", 400.0)
    assert east.personnel["UA"] == pytest.approx([1300.0, 1400.0])
    east.recent_losses["UA"] = [0.25, 0.5]                        # however small, recent losses steer
    assert east.replacement_share("UA") == pytest.approx([1 / 3, 2 / 3])
    east.replacements(model, "UA", 0.6)                            # and however few, replacements come
    assert east.personnel["UA"] == pytest.approx([1300.2, 1400.4])
    east.replacements(model, "UA", 0.0)
    assert east.personnel["UA"] == pytest.approx([1300.2, 1400.4]) and east.personnel["RU"] == [3000.0, 1000.0]


# --- the fight (7.10 step 5) ----------------------------------------------------------------------------------

def test_a_day_of_fighting_in_a_sector_by_hand():
    # A = 30,000 × 0.8 = 24,000 against D = 10,000 behind protection 1.5: 24,000 ≥ 1.2 × 15,000, attack.
    # exchange: attacker 0.01 × 1000 × (10,000/1000) × 1.5 = 150, defender 0.01 × 1000 × 24 / 1.5 = 160;
    # times the sector's draws (Russian 2.0, Ukrainian 0.5): 300 and 80.
    east, model = world([("A", 3.0, 0.0)], [spec("UA", "A", 10000), spec("RU", "A", 30000)], protection=[1.5],
                        advance_km2_per_day=ADV)
    gain, lost_ua, lost_ru = east.fight(model, 0, 2.0, 0.5)
    assert (lost_ua, lost_ru) == (pytest.approx(80.0), pytest.approx(300.0))
    assert east.attacking == [True]
    assert east.personnel == {"UA": [pytest.approx(9920.0)], "RU": [pytest.approx(29700.0)]}
    assert east.cohesion["UA"][0] == pytest.approx(1 - 2 * 80 / 10000)          # 0.984
    assert east.cohesion["RU"][0] == pytest.approx(1 - 2 * 300 / 30000)         # 0.98
    assert model.losses_east == {"UA": pytest.approx(80.0), "RU": pytest.approx(300.0), "NK": 0.0}
    # ground at the ratio after the fight, times the frontage (3)
    after = (29700 * 0.8 * 0.99) / (9920 * 0.992 * 1.5)
    assert gain == pytest.approx(3.0 * ADV * (after - 1) / (3.0 - 1))
    assert east.gain == [pytest.approx(gain)]
    gain2, _, _ = east.fight(model, 0, 1.0, 1.0)                 # the sector's ground adds up
    assert 0 < gain2 and east.gain[0] == pytest.approx(gain + gain2)


def test_the_attack_needs_attack_ratio_min_times_the_protected_defence():
    def attacked(ru, protection=1.0, ua=10000):
        east, model = world([("A", 1.0, 0.0)], [spec("UA", "A", ua), spec("RU", "A", ru)], protection=[protection],
                            advance_km2_per_day=ADV)
        gain, lost_ua, lost_ru = east.fight(model, 0, 1.0, 1.0)
        if not east.attacking[0]:
            assert (gain, lost_ua, lost_ru) == (0.0, 0.0, 0.0) and model.losses_east["UA"] == 0.0
            assert east.personnel == {"UA": [ua], "RU": [ru]}
        return east.attacking[0]
    assert attacked(15000)                          # 12,000 = 1.2 × 10,000: at the threshold
    assert not attacked(14990)                      # 11,992 < 12,000
    assert not attacked(15000, protection=1.1)      # 12,000 < 1.2 × 11,000
    assert attacked(16500, protection=1.1)          # 13,200 = 1.2 × 11,000


def test_an_undefended_sector_is_attacked_and_gives_ground_at_the_breakthrough_rate():
    east, model = world([("A", 2.0, 0.0)], [spec("UA", "A", 100), spec("RU", "A", 30000)], advance_km2_per_day=ADV)
    east.personnel["UA"][0] = 0.0
    gain, lost_ua, _ = east.fight(model, 0, 1.0, 1.0)
    assert east.attacking[0] and lost_ua == 0.0 and gain == pytest.approx(2.0 * ADV)
    # a defence wiped out in the fight: no one left, breakthrough rate
    east, model = world([("A", 2.0, 0.0)], [spec("UA", "A", 100), spec("RU", "A", 30000)], advance_km2_per_day=ADV,
                        cohesion_per_loss=0.0)
    gain, lost_ua, _ = east.fight(model, 0, 1.0, 1.0)           # 240 due, 100 there
    assert lost_ua == 100.0 and east.personnel["UA"] == [0.0] and gain == pytest.approx(2.0 * ADV)


def test_a_defence_of_a_fraction_of_a_soldier_is_still_a_defence():
    # no losses (k = 0): ratio 24,000 / 0.5 = 48,000; ground (48,000 − 1) / 2 × ADV, not the breakthrough rate
    east, model = world([("A", 1.0, 0.0)], [spec("UA", "A", 0.5), spec("RU", "A", 30000)], advance_km2_per_day=ADV,
                        attrition_coefficient=0.0)
    assert east.fight(model, 0, 1.0, 1.0)[0] == pytest.approx(ADV * (48000 - 1) / 2)


def test_a_russian_force_without_power_or_below_attack_cohesion_stays_quiet():
    east, model = world([("A", 1.0, 0.0)], [spec("UA", "A", 10000), spec("RU", "A", 30000)])
    east.cohesion["RU"][0] = 0.55                                 # at attack_cohesion_min: attacks
    east.fight(model, 0, 1.0, 1.0)
    assert east.attacking == [True]
    east.cohesion["RU"][0] = 0.549                                # below: quiet, and says so
    assert east.fight(model, 0, 1.0, 1.0) == (0.0, 0.0, 0.0)
    assert east.attacking == [False]
    east, model = world([("A", 1.0, 0.0), ("B", 1.0, 0.0)], [spec("UA", "A", 0), spec("UA", "B", 10),
                                                              spec("RU", "A", 10)])
    east.personnel["RU"][0] = 0.0                                 # nobody to attack with, nobody to stop them
    assert east.fight(model, 0, 1.0, 1.0) == (0.0, 0.0, 0.0) and east.attacking == [False, False]


def test_a_defence_that_lost_its_cohesion_gives_ground_as_at_breakthrough():
    def gain(cohesion):
        east, model = world([("A", 2.0, 0.0)], [spec("UA", "A", 10000), spec("RU", "A", 30000)],
                            advance_km2_per_day=ADV, cohesion_per_loss=0.0)
        east.cohesion["UA"][0] = cohesion
        return east.fight(model, 0, 1.0, 1.0)[0]
    assert gain(0.29) == pytest.approx(2.0 * ADV)
    # at break_cohesion (0.3) it still holds: the advance is the ratio's, after the day's losses
    # (attacker 0.01 × 10,000 × 0.65 × 1.5 = 97.5, defender 0.01 × 24,000 = 240)
    after = (29902.5 * 0.8) / (9760 * 0.65)
    assert gain(0.3) == pytest.approx(2.0 * ADV * (after - 1) / 2)


def test_the_advance_grows_linearly_past_the_breakthrough_ratio():
    # no losses (k = 0): ratio 40,000 × 0.8 / 8,000 = 4 > 3, ground (4 − 1)/(3 − 1) × ADV
    east, model = world([("A", 1.0, 0.0)], [spec("UA", "A", 8000), spec("RU", "A", 40000)],
                        advance_km2_per_day=ADV, attrition_coefficient=0.0)
    assert east.fight(model, 0, 1.0, 1.0)[0] == pytest.approx(ADV * 1.5)


def test_arriving_brigades_lower_the_ground_taken_and_bring_no_losses_of_their_own():
    # 30,000 Russians (24,000) against 10,000, then 15,000 Ukrainians, protection 1, draws 1.
    def day(ua):
        east, model = world([("A", 1.0, 0.0)], [spec("UA", "A", 10000), spec("RU", "A", 30000)],
                            advance_km2_per_day=ADV)
        if ua > 10000:
            east.join("UA", 0, ua - 10000, 1.0, 1.0, from_kursk=True)
        return east.fight(model, 0, 1.0, 1.0)
    gain, lost_ua, lost_ru = day(10000)
    # attacker 0.01 × 10,000 × 1.5 = 150; defender 0.01 × 24,000 = 240
    assert (lost_ua, lost_ru) == (pytest.approx(240.0), pytest.approx(150.0))
    assert gain == pytest.approx((29850 * 0.8 * 0.995) / (9760 * 0.976) - 1)
    more_gain, more_lost_ua, more_lost_ru = day(15000)
    # attacker 0.01 × 15,000 × 1.5 = 225; the defenders still lose 240 (square law)
    assert (more_lost_ua, more_lost_ru) == (pytest.approx(240.0), pytest.approx(225.0))
    assert more_gain == pytest.approx((29775 * 0.8 * 0.9925) / (14760 * 0.984) - 1)
    assert more_gain < 0.5 * gain


# --- the day (7.10 steps 1–6) -------------------------------------------------------------------------------

QUIET = [spec("UA", "A", 10000), spec("UA", "B", 5000), spec("RU", "A", 5000), spec("RU", "B", 5000)]


def test_the_rear_restores_cohesion_every_day_up_to_one():
    east, model = world([("A", 1.0, 0.0), ("B", 1.0, 0.0)], QUIET)
    east.cohesion = {"UA": [0.5, 0.99], "RU": [0.3, 1.0]}
    east.step(model)
    assert east.cohesion["UA"] == pytest.approx([0.52, 1.0]) and east.cohesion["RU"] == pytest.approx([0.32, 1.0])
    assert east.attacking == [False, False] and east.gain_today == 0.0


def test_the_day_brings_each_sides_eastern_replacements():
    east, model = world([("A", 1.0, 0.0), ("B", 1.0, 0.0)], QUIET, east_ua_replacements_per_day=90,
                        east_ru_replacements_per_day=30)
    east.step(model)
    assert east.personnel["UA"] == pytest.approx([10060.0, 5030.0])
    assert east.personnel["RU"] == pytest.approx([5015.0, 5015.0])


def test_recent_losses_fade_over_the_replacement_memory():
    assert REPLACEMENT_MEMORY_DAYS == 30
    east, model = world([("A", 1.0, 0.0), ("B", 1.0, 0.0)], QUIET)
    east.recent_losses = {"UA": [30.0, 60.0], "RU": [3.0, 0.0]}
    east.step(model)
    assert east.recent_losses["UA"] == pytest.approx([29.0, 58.0]) and east.recent_losses["RU"] == pytest.approx([2.9, 0.0])


def test_a_day_in_two_sectors_with_their_own_draws():
    # cohesion_per_loss 0: powers after the fight are personnel × quality.
    # Sector A: 24,000 vs 10,000; draws (UA 0.5, RU 2.0): RU loses 150 × 2 = 300, UA 240 × 0.5 = 120.
    # Sector B: 16,000 vs 5,000 (frontage 2); draws (UA 1.5, RU 0.25): RU 75 × 0.25 = 18.75, UA 160 × 1.5 = 240.
    units = [spec("UA", "A", 10000), spec("RU", "A", 30000), spec("UA", "B", 5000), spec("RU", "B", 20000)]
    east, model = world([("A", 1.0, 0.0), ("B", 2.0, 0.0)], units, noise=[0.5, 2.0, 1.5, 0.25],
                        advance_km2_per_day=ADV, cohesion_per_loss=0.0)
    east.recent_losses["UA"][0] = 30.0
    east.step(model)
    assert east.personnel["UA"] == pytest.approx([9880.0, 4760.0])
    assert east.personnel["RU"] == pytest.approx([29700.0, 19981.25])
    assert east.losses == {"UA": pytest.approx([120.0, 240.0]), "RU": pytest.approx([300.0, 18.75])}
    assert east.recent_losses["UA"] == pytest.approx([29.0 + 120.0, 240.0])
    assert east.recent_losses["RU"] == pytest.approx([300.0, 18.75])
    gains = [1.0 * (23760 / 9880 - 1), 2.0 * (15985 / 4760 - 1)]       # ADV / (3 − 1) = 1
    assert east.gain == pytest.approx(gains)
    assert east.gain_today == pytest.approx(sum(gains)) and east.gain_km2 == pytest.approx(sum(gains))
    first = east.gain_km2
    east.step(model)
    assert east.gain_today > 0 and east.gain_km2 == pytest.approx(first + east.gain_today)
    assert sum(east.gain) == pytest.approx(east.gain_km2)


def test_replacements_and_recovery_come_before_the_days_fighting():
    # 14,000 × 0.8 = 11,200 < 12,000: quiet; with 1,000 Russian replacements first, 12,000: attack.
    east, model = world([("A", 1.0, 0.0)], [spec("UA", "A", 10000), spec("RU", "A", 14000)],
                        east_ru_replacements_per_day=1000)
    east.step(model)
    assert east.attacking == [True]
    # cohesion 0.54 recovers to 0.56 ≥ 0.55 before the fight
    east, model = world([("A", 1.0, 0.0)], [spec("UA", "A", 10000), spec("RU", "A", 30000)])
    east.cohesion["RU"][0] = 0.54
    east.step(model)
    assert east.attacking == [True]


# --- rail journeys and the Russian redeployment (a small real model) ------------------------------------------

TWO_SECTORS = [unit("S1 UA", "UA", "S1", 10000), unit("S1 RU", "RU", "S1", 1000),
               unit("S2 UA", "UA", "S2", 10000), unit("S2 RU", "RU", "S2", 1000)]
KURSK_RUSSIANS = [unit("B1", "UA", "Town", 2000), unit("R1", "RU", "Hill", 5000), unit("R2a", "RU", "Hill", 3000),
                  unit("R2b", "RU", "RuBase", 3000), unit("R3", "RU", "RuBase", 1800),
                  unit("KPA 1", "NK", "RuBase", share=1.0)]


def two_sector_model(load_toy, units=None, policy="hold", **params):
    doc = sectors_doc(("S1", "S2"), east_units=TWO_SECTORS, units=units or KURSK_RUSSIANS,
                      rail_days={"S2": 3}, **params)
    return KurskModel(load_toy(doc), policy, 0)


def named(model, name):
    return next(u for u in model.units if u.name == name)


def test_a_unit_sent_by_rail_joins_its_sector_on_arrival(load_toy):
    model = two_sector_model(load_toy)
    east, b1 = model.east, named(model, "B1")
    s2 = model.theatre.index["S2"]
    b1.cohesion, b1.quality = 0.6, 0.9
    east.send_by_rail(model, b1, s2, 3)
    assert (b1.posture, b1.sector, b1.until, b1.orders) == ("rail", s2, START + dt.timedelta(days=3), ("by rail to", s2))
    assert b1.goal is None and b1.target is None and east.on_rail == [b1]
    model.date = START + dt.timedelta(days=2)
    east.arrivals(model)
    assert b1.alive and east.personnel["UA"] == [10000.0, 10000.0] and east.on_rail == [b1]
    model.date = START + dt.timedelta(days=3)
    east.arrivals(model)
    assert not b1.alive and b1 not in model.units and east.on_rail == []
    assert east.personnel["UA"] == [10000.0, 12000.0] and east.from_kursk["UA"] == [0.0, 2000.0]
    assert east.quality["UA"][1] == pytest.approx((10000 + 2000 * 0.9) / 12000)
    assert east.cohesion["UA"][1] == pytest.approx((10000 + 2000 * 0.6) / 12000)


def test_russia_redeploys_once_after_the_delay_largest_formations_first(load_toy):
    # 12,800 Russians in Kursk (5,000, 3,000, 3,000, 1,800; the North Koreans stay): share 0.625 → 8,000:
    # R1 and R2a (first of the two 3,000s by slot). Weights (g = 0): the Russian forces, 1,000 and 1,000.
    model = two_sector_model(load_toy, ru_redeploy_delay_days=3, ru_redeploy_share=0.625, ru_transit_days=2)
    east, th = model.east, model.theatre
    s1, s2 = th.index["S1"], th.index["S2"]
    r1 = named(model, "R1")
    r1.next_node, r1.km_left = th.index["Town"], 4.0              # on the road when the order comes
    east.redeploy_russians(model)                                 # the salient holds: nothing
    model.salient_lost_on = START
    model.date = START + dt.timedelta(days=2)
    east.redeploy_russians(model)                                 # the delay has not run: nothing
    assert east.redeployed == 0.0 and not east.redeploy_done and all(u.posture != "rail" for u in model.units)
    model.date = START + dt.timedelta(days=3)
    east.redeploy_russians(model)
    moving = {u.name: u for u in model.units if u.posture == "rail"}
    assert set(moving) == {"R1", "R2a"} and east.redeployed == 8000.0 and east.redeploy_done
    assert moving["R1"].sector == s1 and moving["R2a"].sector == s2          # 5,000 → S1 (tie), 3,000 → S2
    assert r1.next_node is None and r1.km_left == 0.0 and r1.node == th.index["Hill"]
    for u in moving.values():
        assert u.until == START + dt.timedelta(days=5) and u.orders[0] == "by rail to" and u in east.on_rail
    model.date = START + dt.timedelta(days=9)
    east.redeploy_russians(model)                                 # once only
    assert east.redeployed == 8000.0 and {u.name for u in model.units if u.posture == "rail"} == {"R1", "R2a"}
    model.date = START + dt.timedelta(days=4)
    east.arrivals(model)
    assert east.from_kursk["RU"] == [0.0, 0.0]
    model.date = START + dt.timedelta(days=5)
    east.arrivals(model)
    assert east.personnel["RU"] == [6000.0, 4000.0] and east.from_kursk["RU"] == [5000.0, 3000.0]
    assert {u.name for u in model.units if u.side != "UA"} == {"R2b", "R3", "KPA 1"}


def test_the_redeployment_weights_send_formations_where_russia_is_strong(load_toy):
    # Russian forces 1,000 and 3,000 (weights 0.25, 0.75): 5,000 → S2 (5,000 / 0.75 = 6,667 < 20,000);
    # 2,500: S1 2,500 / 0.25 = 10,000 = S2 7,500 / 0.75: a tie, to the first (S1).
    units = [unit("B1", "UA", "Town", 2000), unit("R1", "RU", "Hill", 5000), unit("R2", "RU", "Hill", 2500)]
    model = two_sector_model(load_toy, units=units, ru_redeploy_delay_days=0, ru_redeploy_share=1.0)
    east, th = model.east, model.theatre
    east.personnel["RU"] = [1000.0, 3000.0]
    model.salient_lost_on = model.date
    east.redeploy_russians(model)
    assert {u.name: th.names[u.sector] for u in model.units if u.posture == "rail"} == {"R1": "S2", "R2": "S1"}


def test_russia_redeploys_in_the_run_and_the_formations_fight_in_the_east(load_toy):
    # No Ukrainian brigade in Kursk: the salient is lost on day 1; delay 2 → they board on day 3 and,
    # with no transit time, join their sectors that very day (redeployment comes before arrivals).
    units = [unit("B0", "UA", "Base", 1000)] + KURSK_RUSSIANS[1:]
    model = two_sector_model(load_toy, units=units, ru_redeploy_delay_days=2, ru_redeploy_share=0.625,
                             ru_transit_days=0, fire_loss_per_km=0.0)
    model.step()
    assert model.salient_lost_on == D1
    model.step()
    assert model.east.redeployed == 0.0 and model.east.from_kursk["RU"] == [0.0, 0.0]
    model.step()
    assert model.date == D3 and model.east.redeployed > 0
    assert sum(model.east.from_kursk["RU"]) == pytest.approx(model.east.redeployed)
    assert not [u for u in model.units if u.side == "RU" and u.posture == "rail"]


def test_under_the_linear_law_arriving_brigades_bring_losses_of_their_own():
    # q = 1: the defenders' losses are 0.01 × 1000 × (24,000/1000) × (D/1000): 2,400 for 10,000, 3,600 for 15,000
    def lost_ua(ua):
        east, model = world([("A", 1.0, 0.0)], [spec("UA", "A", ua), spec("RU", "A", 30000)], attrition_own_exponent=1.0)
        return east.fight(model, 0, 1.0, 1.0)[1]
    assert lost_ua(10000) == pytest.approx(2400.0) and lost_ua(15000) == pytest.approx(3600.0)


def test_brigades_withdrawn_from_kursk_join_the_sector_and_lower_its_losses_of_ground(load_toy):
    # (copied from tests/test_eastern_front.py) Two brigades leave Kursk on day 1 and reach the sector
    # after refit and rail; the Russians there then face a larger defence: less ground than under hold.
    units = [unit("B1", "UA", "Town", 2000), unit("B2", "UA", "Mid", 2000)]
    active = [unit("East UA", "UA", "East", 8000), unit("East RU", "RU", "East", 16000)]
    doc = toy_doc(units=units, east_units=active, withdraw_date=D1, refit_days=2)
    sc = load_toy(doc)
    hold, withdraw = KurskModel(sc, "hold", 4), KurskModel(sc, "withdraw", 4)
    arrived_on = None
    while withdraw.running:
        before = withdraw.east.personnel["UA"][0]
        withdraw.step()
        hold.step()
        if arrived_on is None and withdraw.east.from_kursk["UA"][0] > 0:
            arrived_on = withdraw.day
            after = withdraw.east.personnel["UA"][0]           # they share the day's losses of the force
            assert withdraw.east.from_kursk["UA"][0] == pytest.approx(4000.0 * after / (before + 4000.0))
            assert withdraw.east.personnel["UA"][0] > before + 3000                    # they joined the force
            assert not [u for u in withdraw.units if u.side == "UA"]
    assert arrived_on is not None and arrived_on < 10
    assert withdraw.east.gain[0] < hold.east.gain[0]
