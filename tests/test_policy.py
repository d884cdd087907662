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


@pytest.mark.parametrize("seed", [0, 1])
def test_survivors_leave_for_the_east_under_hold_once_the_salient_is_lost(default_scenario, seed):
    model = KurskModel(default_scenario, "hold", seed)
    days = watch(model)
    lost = model.salient_lost_on
    assert lost is not None and lost < default_scenario.end - dt.timedelta(days=30)
    th = model.theatre
    for date, brigades in days:
        if date < lost:
            continue
        for name, (posture, orders, node) in brigades.items():
            if name in GARRISONS:
                continue
            # Nobody covers or reinforces any more: every brigade is on its way out of the theatre.
            assert posture in ("withdraw", "refit", "rail") or orders == "break out through", (date, name, orders)
            assert not th.in_kursk[node] or posture == "withdraw", (date, name)
    # By the end every survivor has refitted and gone east, and is counted there.
    assert not any(unit_named(model, name) for name in KURSK_GROUPING)
    assert column(model, "ua_personnel_east")[-1] > 0
    assert sum(model.east.from_kursk["UA"]) == pytest.approx(column(model, "ua_personnel_east")[-1])


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


def test_a_garrison_holds_its_node_and_never_withdraws(load_toy):
    units = [unit("B1", "UA", "Town", 2000), unit("G", "UA", "Mid", 500, garrison=True)]
    model = KurskModel(load_toy(toy_doc(units=units, withdraw_date=START + dt.timedelta(days=1))), "withdraw", 0)
    mid = model.theatre.index["Mid"]
    while model.running:
        model.step()
        g = unit_named(model, "G")
        assert g.node == mid and g.goal is None and g.posture == "defend"
    assert unit_named(model, "B1") is None               # the brigade left and joined the east


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


def test_a_russian_formation_that_ran_dry_goes_forward_again_only_when_its_stock_is_full(load_toy):
    # The supply toy: a Russian unit at Hill with a Ukrainian one at Town; cut the Russian off by
    # emptying its stock: it falls back towards its depot, then rests until the stock is full again.
    from toy_scenario import SUPPLY_EDGES, SUPPLY_NODES
    units = [unit("UA 1", "UA", "Town", 500), unit("RU 1", "RU", "Hill", 3000)]
    model = KurskModel(load_toy(toy_doc(SUPPLY_NODES, SUPPLY_EDGES, units, msr=["Base", "Town"],
                                        drone_range_km=0.0, drone_range_2024_km=0.0)), "hold", 0)
    ru = unit_named(model, "RU 1")
    ru.stock = 0.0
    model.step()
    assert ru.replenishing and ru.orders[0] == "fall back to replenish"
    seen = []
    while ru.replenishing:
        model.step()
        seen.append((ru.stock, ru.orders[0], ru.target))
        assert ru.target is None                                     # no attack while replenishing
        assert len(seen) < 20
    assert ru.stock >= model.p.stock_days
    assert any(orders == "rest and replenish" for _, orders, _ in seen)


def test_a_garrison_is_not_sent_to_cover_a_threatened_node(load_toy):
    # Town is held but empty and threatened from Hill: the defensive doctrine sends idle brigades to
    # cover it, but a garrison stays on its own node.
    # B0 holds Mid (in contact: it keeps the salient); the unit at Base is idle: a brigade there is
    # sent to reinforce the threatened line, a garrison is not.
    def run(extra):
        units = [unit("B0", "UA", "Mid", 1000), extra, unit("RU 1", "RU", "Hill", 200)]
        model = KurskModel(load_toy(toy_doc(units=units)), "hold", 0)
        model.step()
        return model
    base = 0
    garrisoned = run(unit("G", "UA", "Base", 500, garrison=True))
    for _ in range(10):
        assert unit_named(garrisoned, "G").node == base and unit_named(garrisoned, "G").goal is None
        garrisoned.step()
    brigade = unit_named(run(unit("B", "UA", "Base", 500)), "B")
    assert brigade.orders[0] == "reinforce" and (brigade.goal is not None or brigade.node != base)


# Sumy oblast in small: no Ukrainian brigade in Kursk (the salient is lost on day 1), a garrison on
# a border village that Russia may attack, Russians next to it in Kursk oblast.
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


@pytest.mark.parametrize("sectors", [("Orikhiv", "Huliaipole"), ("Pokrovsk",)])
def test_withdraw_sectors_sends_brigades_only_there(default_scenario, sectors):
    """Every brigade that reaches the east under `withdraw` joins one of withdraw_sectors; the
    other sectors receive nobody from Kursk; the allocation alone would have used others."""
    scenario = default_scenario.with_params(withdraw_date=dt.date(2024, 11, 1), withdraw_sectors=list(sectors))
    model = KurskModel(scenario, "withdraw", 3)
    sent = {}
    while model.running:
        model.step()
        for b in model.units:
            if b.side == "UA" and b.posture == "rail":
                sent[b.name] = model.theatre.names[b.sector]
    assert sent and set(sent.values()) <= set(sectors), sent
    names = model.east.names
    arrived = {names[k] for k, x in enumerate(model.east.from_kursk["UA"]) if x > 0}
    assert arrived and arrived <= set(sectors), arrived
    default = KurskModel(default_scenario.with_params(withdraw_date=dt.date(2024, 11, 1)), "withdraw", 3).run()
    assert {names[k] for k, x in enumerate(default.east.from_kursk["UA"]) if x > 0} - set(sectors)


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


def test_no_incursion_sends_the_north_koreans_east_only_when_asked(default_scenario):
    home = KurskModel(default_scenario, "no_incursion", 4)
    east = KurskModel(default_scenario.with_params(nk_east_without_incursion=1), "no_incursion", 4)
    arrival = default_scenario.params.nk_arrival
    home.run(until=arrival + dt.timedelta(days=1))
    east.run(until=arrival + dt.timedelta(days=1))
    nk = default_scenario.params.nk_troops
    before = column(east, "ru_personnel_east")[(arrival - default_scenario.start).days - 1]
    after = column(east, "ru_personnel_east")[-1]
    assert after - before > 0.8 * nk                       # (less that day's fighting)
    assert column(home, "nk_personnel_kursk")[-1] == 0.0
    assert column(home, "ru_personnel_east")[-1] < after - 0.8 * nk
