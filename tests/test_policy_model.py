"""The fate of the survivors, the same in both arms; garrisons; Russia and the Sumy border once the
salient is lost."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import column, unit_named
from toy_scenario import START, toy_doc, unit

from sim import KurskModel

KURSK_GROUPING = ("80 Air Assault Bde", "22 Mech Bde", "88 Mech Bde", "82 Air Assault Bde", "95 Air Assault Bde",
                  "61 Mech Bde", "47 Mech Bde", "17 Tank Bde")
GARRISONS = ("Sumy border garrison 1", "Sumy border garrison 2")


def watch(model):
    """Run to the end; per day, the postures and orders of the Ukrainian brigades."""
    days = []
    while model.running:
        model.step()
        days.append((model.date, {b.name: (b.posture, b.orders[0], b.node) for b in model.ukrainian_brigades()}))
    return days


def test_survivors_share_the_same_fate_under_both_policies(default_scenario):
    # A withdrawal decided after the salient is lost changes nothing: the survivors already went.
    hold = KurskModel(default_scenario, "hold", 2).run()
    late = default_scenario.with_params(withdraw_date=hold.salient_lost_on + dt.timedelta(days=1))
    withdraw = KurskModel(late, "withdraw", 2).run()
    assert withdraw.records == hold.records


def test_replacements_go_east_once_the_salient_is_lost(default_scenario):
    model = KurskModel(default_scenario, "hold", 0)
    while model.salient_lost_on is None:
        model.step()
    assert model.policy.reinforce_east(model)
    before = sum(model.east.personnel["UA"]) + model.losses_east["UA"]
    model.step()
    flow = model.p.ua_replacements_per_day + model.p.east_ua_replacements_per_day
    # the eastern forces grew by both flows at least (arrivals from Kursk add to it, never subtract)
    assert sum(model.east.personnel["UA"]) + model.losses_east["UA"] >= before + flow - 1e-6


def test_russia_attacks_the_sumy_targets_only_once_the_salient_is_lost(default_scenario):
    model = KurskModel(default_scenario, "hold", 0)
    th = model.theatre
    targets = [th.index[n] for n in default_scenario.sumy_targets]
    others = [i for i, region in enumerate(th.region) if region == "ua_rear" and i not in targets]
    taken_per_day = []
    while model.running:
        model.step()
        taken = [i for i in targets if model.control[i] == "RU" or model.contested[i] > 0]
        if model.salient_lost_on is None:
            assert not taken, model.date
        taken_per_day.append(len(taken))
        assert all(model.control[i] == "UA" for i in others)      # beyond the buffer zone: never
    assert taken_per_day[-1] > 0
    assert column(model, "ru_sumy_gain_km2")[-1] == pytest.approx(
        sum(th.area[i] if model.control[i] == "RU" else model.contested[i] for i in targets))


def test_a_garrison_defends_its_own_node_only(load_toy):
    # A brigade supports nodes of its sector; a garrison only its own node.
    units = [unit("G", "UA", "Mid", 500, garrison=True), unit("B", "UA", "Base", 500),
             unit("RU 1", "RU", "Hill", 300)]
    model = KurskModel(load_toy(toy_doc(units=units)), "hold", 0)
    th = model.theatre
    from sim.combat import defence, defence_map
    town, mid = th.index["Town"], th.index["Mid"]
    at_town = {d.name: w for d, w in defence(model, town, "RU")}
    assert "G" not in at_town and at_town["B"] == pytest.approx(model.p.sector_support ** 2)
    assert {d.name: w for d, w in defence(model, mid, "RU")}["G"] == 1.0
    strength = defence_map(model, "RU")
    g, b = unit_named(model, "G"), unit_named(model, "B")
    assert strength[town] == pytest.approx(b.power * model.p.sector_support ** 2)
    assert strength[mid] == pytest.approx(g.power + b.power * model.p.sector_support)


def test_the_salient_is_lost_the_first_day_no_brigade_stands_on_kursk_ground(load_toy):
    # Noted each morning (after arrivals, before orders): the day after the first evening with no
    # brigade on Kursk ground. The garrison (on Mid, a Kursk node here) does not count.
    units = [unit("B1", "UA", "Town", 2000), unit("G", "UA", "Mid", 500, garrison=True)]
    model = KurskModel(load_toy(toy_doc(units=units, withdraw_date=START + dt.timedelta(days=1))), "withdraw", 0)
    th = model.theatre
    first_empty_evening = None
    while model.running and first_empty_evening is None:
        model.step()
        b = unit_named(model, "B1")
        if b is None or not (b.in_theatre and th.in_kursk[b.node]):
            first_empty_evening = model.date
        else:
            assert model.salient_lost_on is None
    model.step()
    assert first_empty_evening >= START + dt.timedelta(days=1)       # it left on or after the order
    assert model.salient_lost_on == first_empty_evening + dt.timedelta(days=1)
    assert unit_named(model, "G").node == th.index["Mid"]           # the garrison is still there


BORDER_NODES = [("Base", 51.00, 35.00, "UA", "ua_rear", 0.0), ("Border", 51.10, 35.00, "UA", "ua_rear", 20.0),
                ("Hill", 51.20, 35.00, "RU", "kursk", 50.0), ("RuBase", 51.30, 35.00, "RU", "ru_rear", 0.0)]
BORDER_EDGES = [("Base", "Border", "road"), ("Border", "Hill", "road"), ("Hill", "RuBase", "road")]


def test_ground_taken_in_a_sumy_village_counts_before_it_falls(load_toy):
    # 1,500 × 0.8 = 1,200 against 1,000: a ratio of 1.2, at attack_ratio_min, far below the
    # breakthrough ratio (3): Russia takes ground in the village day by day before it falls.
    units = [unit("G", "UA", "Border", 1000, garrison=True), unit("RU 1", "RU", "Hill", 1500)]
    doc = toy_doc(BORDER_NODES, BORDER_EDGES, units, msr=["Base", "Border"], sumy_targets=["Border"],
                  attrition_noise_cv=0.0, drone_range_km=0.0, drone_range_2024_km=0.0)
    model = KurskModel(load_toy(doc), "hold", 0)
    border = model.theatre.index["Border"]
    model.step()
    assert model.salient_lost_on == model.date
    partial = []
    while model.running and model.control[border] == "UA":
        model.step()
        partial.append(column(model, "ru_sumy_gain_km2")[-1])
        assert column(model, "ru_sumy_gain_km2")[-1] == pytest.approx(model.contested[border])
    assert any(0 < x < 20 for x in partial)
    if model.control[border] == "RU":
        assert column(model, "ru_sumy_gain_km2")[-1] == 20.0


def test_withdraw_sectors_must_name_eastern_sectors(default_scenario):
    from sim.scenario import ScenarioError

    with pytest.raises(ScenarioError, match="withdraw_sectors.*'Sumy' is not an eastern sector"):
        default_scenario.with_params(withdraw_sectors=["Sumy"])
    assert default_scenario.with_params(withdraw_sectors="Orikhiv, Huliaipole").params.withdraw_sectors == (
        "Orikhiv", "Huliaipole")


def test_no_incursion_starts_the_kursk_grouping_in_the_east_on_the_first_day(default_scenario):
    hold = KurskModel(default_scenario, "hold", 4)
    grouping = sum(u.personnel for u in hold.units if u.side == "UA" and not u.garrison)
    model = KurskModel(default_scenario, "no_incursion", 4)
    th = model.theatre
    # day 0: no Ukrainian brigade in Kursk, every one of them in an eastern sector, Kursk Russian
    assert not [u for u in model.units if u.side == "UA" and not u.garrison]
    assert not [u for u in model.units if u.side == "RU"]
    assert sum(model.east.from_kursk["UA"]) == pytest.approx(grouping)
    assert sum(model.east.personnel["UA"]) == pytest.approx(sum(hold.east.personnel["UA"]) + grouping)
    assert all(model.control[n] == "RU" for n in range(th.n) if th.in_kursk[n])
    assert column(model, "ua_kursk_area_km2")[0] == 0.0
    model.run()
    # nobody is ever sent to Kursk: no Ukrainian losses there, no Russian waves, no Sumy attack
    final = model.summary()["final"]
    assert final["ua_losses_kursk"] == 0.0 and final["ru_personnel_kursk"] == 0.0
    assert final["ru_sumy_gain_km2"] == 0.0 and final["ru_drawn_from_east"] == 0.0
    # the same soldiers are counted: every Ukrainian is in the east or lost there
    assert final["ua_losses_total"] == pytest.approx(final["ua_losses_east"])


