"""ODD 7.1 Units (sim/agents.py): combat power, cohesion after losses, the North Korean learning
curve; ODD 7.2 Arrivals and replacements: the Reserve.

Toy parameters: ua_quality 1.0, ru_quality 0.8, nk_quality 0.7, stock_days 7, unsupplied_power 0.5,
cohesion_per_loss 2.0, nk_initial_exposure 3.0, nk_learned_exposure 1.2, nk_learned_quality 0.9,
nk_learning_days 30.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
from _toys_b2 import fresh_model, line_doc, named
from toy_scenario import START, unit

from sim.agents import Brigade, NorthKoreanUnit, Reserve, cohesion_after, combat_power

A, B, C, D, E = range(5)


# --- combat power and cohesion on plain numbers ------------------------------------------------------

def test_combat_power_is_personnel_times_quality_reduced_by_lost_cohesion():
    assert combat_power(1000.0, 0.8, 1.0) == pytest.approx(800.0)
    assert combat_power(1000.0, 0.8, 0.6) == pytest.approx(640.0)      # x (0.5 + 0.3)
    assert combat_power(1000.0, 0.8, 0.0) == pytest.approx(400.0)      # half at no cohesion
    assert combat_power(2000.0, 1.5, 0.2) == pytest.approx(1800.0)


def test_cohesion_falls_by_cohesion_per_loss_times_the_share_lost_and_not_below_zero():
    assert cohesion_after(1.0, 100.0, 1000.0, 2.0) == pytest.approx(0.8)
    assert cohesion_after(0.5, 50.0, 500.0, 1.5) == pytest.approx(0.35)
    assert cohesion_after(0.3, 200.0, 1000.0, 2.0) == 0.0              # 0.3 - 0.4 < 0
    assert cohesion_after(0.4, 200.0, 1000.0, 2.0) == 0.0              # exactly 0 (within rounding)


# --- a unit as raised --------------------------------------------------------------------------------

@pytest.fixture
def line_model(load_toy):
    units = [unit("UA 1", "UA", "C", 2000), unit("RU 1", "RU", "D", 1500),
             unit("KPA 1", "NK", "E", share=1.0),
             unit("RU P", "RU", "E", 400, target="B", mobility="infantry", quality=0.6)]
    return fresh_model(load_toy(line_doc(units)))


def test_a_unit_is_raised_with_full_stock_and_cohesion_and_its_sides_quality(line_model):
    ua, ru, nk, det = (named(line_model, n) for n in ("UA 1", "RU 1", "KPA 1", "RU P"))
    assert (ua.side, ua.nation, ua.node, ua.personnel, ua.quality) == ("UA", "UA", C, 2000, 1.0)
    assert (ru.side, ru.nation, ru.node, ru.quality) == ("RU", "RU", D, 0.8)
    assert (nk.side, nk.nation, nk.node, nk.personnel) == ("RU", "NK", E, 2000)   # nk_troops x share
    assert (det.quality, det.mobility, det.objective) == (0.6, "infantry", B)
    assert ru.objective is None and ru.mobility == "mechanized"
    for u in (ua, ru, nk):
        assert (u.cohesion, u.stock, u.supply_ratio) == (1.0, 7, 1.0)
        assert (u.goal, u.next_node, u.km_left, u.target) == (None, None, 0.0, None)
        assert not u.encircled and not u.replenishing and u.consolidating_until == -1
        assert u.unsupplied_power == 0.5
        assert u.in_theatre and not u.in_transit
    assert ua.posture == "defend" and ru.posture == "rest" and nk.posture == "rest"
    for u in (ua, ru):
        assert u.encircled is False and u.via_pipeline is False and u.engaged is False
        assert u.replenishing is False and u.ready is False
        assert u.until is None and u.sector is None
        assert u.orders == ("hold position", None)
        assert u.cell is line_model.grid[u.node]
        assert u.reserve is False and u.garrison is False
    assert [u.slot for u in (ua, ru, nk, det)] == [0, 1, 2, 3]
    assert isinstance(nk, NorthKoreanUnit) and type(ru) is Brigade


def test_reserve_and_garrison_come_from_the_order_of_battle(load_toy):
    units = [unit("UA 1", "UA", "C", 2000), unit("G", "UA", "B", 300, garrison=True),
             unit("UA R", "UA", "A", 1000, reserve=True)]
    model = fresh_model(load_toy(line_doc(units)))
    assert named(model, "G").garrison is True and named(model, "G").reserve is False
    assert named(model, "UA R").reserve is True and named(model, "UA R").garrison is False


def test_power_is_combat_power_and_halved_by_unsupplied_power_when_the_stock_is_empty(line_model):
    ru = named(line_model, "RU 1")
    ru.cohesion = 0.6
    assert ru.power == pytest.approx(1500 * 0.8 * 0.8)
    ru.stock = 0.001
    assert ru.power == pytest.approx(960.0)
    ru.stock = 0.0
    assert ru.power == pytest.approx(480.0)                # x unsupplied_power 0.5


def test_out_of_theatre_postures_and_transit(line_model):
    ua = named(line_model, "UA 1")
    ua.goal, ua.target = (B,), C
    line_model.stale = False
    ua.leave_theatre("refit")
    assert not ua.in_theatre and ua.posture == "refit" and ua.goal is None and ua.target is None
    assert line_model.stale
    ua.posture = "rail"
    assert not ua.in_theatre
    ua.posture = "withdraw"
    assert ua.in_theatre
    ua.next_node = B
    assert ua.in_transit


def test_place_ends_any_edge_in_progress(line_model):
    ua = named(line_model, "UA 1")
    ua.next_node, ua.km_left, ua.via_pipeline = B, 3.0, True
    line_model.stale = False
    ua.place(B)
    assert (ua.node, ua.next_node, ua.km_left, ua.via_pipeline) == (B, None, 0.0, False)
    assert ua.cell is line_model.grid[B]
    assert line_model.stale


def test_state_reports_the_unit_in_round_numbers(line_model):
    ru = named(line_model, "RU 1")
    ru.orders = ("attack", C)
    ru.cohesion, ru.stock, ru.supply_ratio, ru.personnel = 0.61234, 2.345, 0.51234, 1500.4
    assert ru.state() == {"name": "RU 1", "nation": "RU", "node": "D", "personnel": 1500,
                          "cohesion": 0.612, "supply_days": 2.35, "supply_ratio": 0.512, "posture": "rest",
                          "orders": "attack C", "power": round(1500.4 * 0.8 * (0.5 + 0.5 * 0.61234))}
    ru.orders = ("rest and replenish", None)
    assert ru.orders_text == "rest and replenish"
    nk = named(line_model, "KPA 1")
    assert nk.state()["days_in_combat"] == 0 and nk.state()["exposure"] == 3.0
    nk.days_in_combat = 30                               # exposure 3 - 1.8 (1 - 1/e) = 1.86218...
    assert nk.state()["exposure"] == 1.862 and nk.state()["days_in_combat"] == 30
    assert nk.state()["name"] == "KPA 1"


def test_a_north_korean_unit_takes_the_brigades_arguments_by_keyword(line_model):
    spec = next(s for s in line_model.campaign.units if s.name == "KPA 1")
    nk = NorthKoreanUnit(line_model, spec, slot=2, personnel=1234.0, quality=0.75)
    assert (nk.personnel, nk.base_quality, nk.quality, nk.slot, nk.days_in_combat) == (1234.0, 0.75, 0.75, 2, 0)


# --- the North Korean learning curve --------------------------------------------------------------------

def test_north_korean_quality_and_exposure_follow_the_learning_curve(line_model):
    nk = named(line_model, "KPA 1")
    assert (nk.days_in_combat, nk.quality, nk.exposure, nk.learns) == (0, 0.7, 3.0, True)
    nk.days_in_combat = 30                             # one e-folding time: 1 - 1/e of the gap closed
    learned = 1 - math.exp(-1)
    assert nk.quality == pytest.approx(0.7 + 0.2 * learned)
    assert nk.exposure == pytest.approx(3.0 - 1.8 * learned)
    nk.days_in_combat = 15
    assert nk.quality == pytest.approx(0.7 + 0.2 * (1 - math.exp(-0.5)))
    assert nk.exposure == pytest.approx(3.0 - 1.8 * (1 - math.exp(-0.5)))
    nk.days_in_combat = 3000                           # the learned values
    assert nk.quality == pytest.approx(0.9) and nk.exposure == pytest.approx(1.2)
    assert nk.power == pytest.approx(2000 * 0.9)


def test_russian_formations_do_not_learn(line_model):
    ru = named(line_model, "RU 1")
    assert (ru.exposure, ru.quality, ru.learns) == (1.0, 0.8, False)
    assert not hasattr(ru, "days_in_combat")


def test_north_korean_days_in_combat_count_the_days_it_attacked(load_toy):
    # A 4000-strong NK unit next to a 600-strong brigade attacks every day it can.
    units = [unit("UA 1", "UA", "C", 600), unit("UA 2", "UA", "B", 600), unit("KPA 1", "NK", "D", share=1.0)]
    model = fresh_model(load_toy(line_doc(units, nk_troops=4000)), seed=5)
    nk = named(model, "KPA 1")
    fought = 0
    for _ in range(6):
        model.step()
        fought += nk.engaged
    assert fought > 0
    assert nk.days_in_combat == fought
    assert nk.exposure == pytest.approx(3.0 - 1.8 * (1 - math.exp(-fought / 30)))


# --- the reserve --------------------------------------------------------------------------------------

def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def test_the_reserve_releases_formations_due_on_or_before_the_day_in_date_and_slot_order(line_model):
    schedule = [(day(3), 7, "g"), (day(1), 5, "a"), (day(1), 2, "b"), (day(2), 0, "c"), (day(5), 1, "z")]
    reserve = Reserve(line_model, "RU", schedule, 0.0)
    assert reserve.due(day(0)) == []
    assert reserve.due(day(2)) == [(2, "b"), (5, "a"), (0, "c")]
    assert reserve.due(day(2)) == []                     # released once
    assert reserve.due(day(4)) == [(7, "g")]
    assert reserve.due(day(5)) == [(1, "z")]
    assert reserve.schedule == []


def test_replacements_are_shared_equally_and_the_pool_carries_over(line_model):
    ua, ru = named(line_model, "UA 1"), named(line_model, "RU 1")
    reserve = Reserve(line_model, "RU", [], 90.0)
    assert reserve.pool == 0.0 and reserve.side == "RU"
    reserve.replacements([])                             # nobody to receive: the pool grows
    reserve.replacements([])
    assert reserve.pool == pytest.approx(180.0)
    quality, cohesion = ru.quality, ru.cohesion
    ru.cohesion = 0.7
    reserve.replacements([ua, ru])                       # 270 in two equal shares
    assert reserve.pool == 0.0
    assert ua.personnel == pytest.approx(2135.0) and ru.personnel == pytest.approx(1635.0)
    assert ru.quality == quality and ru.cohesion == 0.7 and cohesion == 1.0   # personnel only


def test_a_reserve_with_nothing_to_give_changes_nobody(line_model):
    ru = named(line_model, "RU 1")
    reserve = Reserve(line_model, "RU", [], 0.0)
    reserve.replacements([ru])
    assert ru.personnel == 1500 and reserve.pool == 0.0
    reserve.pool = -5.0                                  # (never negative in a run) nothing handed out
    reserve.replacements([ru])
    assert ru.personnel == 1500


def test_even_a_small_pool_is_handed_out(line_model):
    ua, ru = named(line_model, "UA 1"), named(line_model, "RU 1")
    reserve = Reserve(line_model, "RU", [], 0.5)
    reserve.replacements([ua, ru])
    assert ua.personnel == pytest.approx(2000.25) and ru.personnel == pytest.approx(1500.25)
    assert reserve.pool == 0.0


def test_release_hands_over_the_pool_and_the_days_replacements(line_model):
    reserve = Reserve(line_model, "UA", [], 40.0)
    reserve.pool = 100.0
    assert reserve.release() == pytest.approx(140.0)
    assert reserve.pool == 0.0
    assert reserve.release() == pytest.approx(40.0)


def test_the_model_feeds_its_reserves_replacements_per_day(load_toy):
    units = [unit("UA 1", "UA", "C", 2000), unit("RU 1", "RU", "D", 1500)]
    model = fresh_model(load_toy(line_doc(units, ua_replacements_per_day=30, ru_replacements_per_day=20)))
    assert model.reserves["UA"].replacements_per_day == 30
    assert model.reserves["RU"].replacements_per_day == 20
    model.arrivals()
    assert named(model, "RU 1").personnel == pytest.approx(1520.0)
    assert named(model, "UA 1").personnel == pytest.approx(2030.0)


def test_a_formation_whose_assembly_node_is_lost_arrives_at_its_sides_first_depot(load_toy):
    units = [unit("UA 1", "UA", "C", 2000), unit("RU 2", "RU", "C", 1000, arrival=day(2))]
    model = fresh_model(load_toy(line_doc(units)))
    model.date = day(1)
    model.arrivals()
    assert named_or_none(model, "RU 2") is None
    model.date = day(2)
    model.arrivals()
    assert named(model, "RU 2").node == E                # C is Ukrainian: at the Russian depot instead


def named_or_none(model, name):
    return next((u for u in model.units if u.name == name), None)
