"""The eastern front as a theatre of the same model: one law in both places, reinforcements that
change the force ratio, Russians who come from somewhere and go somewhere, ground per sector."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import column, unit_named
from toy_scenario import DEFAULT_CONFIG, START, toy_doc, unit

from sim import KurskModel, load_scenario
from sim.eastern_front import apportion

# An active sector: 16,000 Russians (× 0.8 quality) against 8,000 Ukrainians, ratio 1.6 > 1.2.
ACTIVE = [unit("East UA", "UA", "East", 8000), unit("East RU", "RU", "East", 16000)]


def force(model, side, k=0):
    """(personnel, cohesion) of a sector's force."""
    return model.east.personnel[side][k], model.east.cohesion[side][k]


# --- one law in both theatres ------------------------------------------------------------------------

def test_same_forces_and_draws_give_the_same_losses_at_a_kursk_node_and_in_a_sector(load_toy):
    # A Russian formation at Hill attacks the Ukrainian brigade at Town (open ground, no fortification);
    # the eastern sector holds the same two forces on the same ground. Give the sector the node's draws.
    kursk = [unit("UA 1", "UA", "Town", 3000), unit("RU 1", "RU", "Hill", 9000)]
    east = [unit("East UA", "UA", "East", 3000), unit("East RU", "RU", "East", 9000)]
    doc = toy_doc(units=kursk, east_units=east, consolidation_days=0)
    for node in doc["theatre"]["nodes"]:              # the same protected ground in both places
        if node["name"] in ("Town", "East"):
            node.update(terrain="urban", fortification=0.2)
    model = KurskModel(load_toy(doc), "hold", 5)
    town = model.theatre.index["Town"]
    assert model.theatre.protection[town] == model.east.protection[0] == pytest.approx(1.5 * 1.2)
    d = model.draws
    d._east[:, 0] = d._combat[:, 2 * town + 0]        # Ukrainian losses
    d._east[:, 1] = d._combat[:, 2 * town + 1]        # Russian losses
    for _ in range(3):                                  # the same for days on end
        model.step()
        ua, ru = unit_named(model, "UA 1"), unit_named(model, "RU 1")
        assert 3000 - ua.personnel > 0 and 9000 - ru.personnel > 0          # they did fight
        assert force(model, "UA")[0] == pytest.approx(ua.personnel, rel=1e-12)
        assert force(model, "RU")[0] == pytest.approx(ru.personnel, rel=1e-12)
        # and cohesion follows the same rules (losses wear it down, supply restores it)
        assert force(model, "UA")[1] == pytest.approx(ua.cohesion, rel=1e-12)
        assert force(model, "RU")[1] == pytest.approx(ru.cohesion, rel=1e-12)
    assert model.losses_east["UA"] == pytest.approx(3000 - ua.personnel, rel=1e-12)


def test_the_sector_uses_the_attack_threshold_of_kursk(load_toy):
    # At a ratio just under attack_ratio_min (1.2) Russia does not attack; just over it, it does.
    def first_day(ru):
        model = KurskModel(load_toy(toy_doc(east_units=[unit("East UA", "UA", "East", 10000),
                                                        unit("East RU", "RU", "East", ru)])), "hold", 0)
        model.step()
        return model.east.attacking[0], model.losses_east["UA"]
    assert first_day(14900) == (False, 0.0)            # 14,900 × 0.8 = 11,920 < 1.2 × 10,000
    attacked, lost = first_day(15100)                  # 12,080 > 12,000
    assert attacked and lost > 0


def test_a_sector_force_below_attack_cohesion_does_not_attack(load_toy):
    model = KurskModel(load_toy(toy_doc(east_units=ACTIVE)), "hold", 0)
    model.east.cohesion["RU"][0] = model.p.attack_cohesion_min - 0.05     # the day's recovery: +0.02
    model.step()
    assert not model.east.attacking[0] and model.losses_east["UA"] == 0.0
    model.step()
    model.step()                                       # recovered past the threshold
    assert model.east.attacking[0]


def test_ground_taken_is_frontage_times_the_kursk_advance_at_the_ratio_after_the_fight(load_toy):
    doc = toy_doc(east_units=ACTIVE, east_sector={"frontage": 3.0}, attrition_noise_cv=0.0)
    model = KurskModel(load_toy(doc), "hold", 0)
    model.step()
    p, east = model.p, model.east
    ratio = east.power("RU", 0) / (east.power("UA", 0) * east.protection[0])
    expected = 3.0 * p.advance_km2_per_day * (ratio - 1) / (p.breakthrough_ratio - 1)
    assert 1.2 < ratio < p.breakthrough_ratio
    assert east.gain[0] == pytest.approx(expected, rel=1e-12)
    assert column(model, "ru_east_gain_km2")[-1] == pytest.approx(expected, rel=1e-12)
    assert column(model, "ru_gain_km2_east")[-1] == pytest.approx(expected, rel=1e-12)


def test_the_advance_goes_on_past_the_breakthrough_ratio(load_toy):
    # 40,000 × 0.8 against 8,000: a ratio of 4, past breakthrough_ratio (3): no node to capture, the
    # line goes on.
    doc = toy_doc(east_units=[unit("East UA", "UA", "East", 8000), unit("East RU", "RU", "East", 40000)],
                  attrition_noise_cv=0.0, cohesion_per_loss=0.0)
    model = KurskModel(load_toy(doc), "hold", 0)
    model.step()
    p, east = model.p, model.east
    ratio = east.power("RU", 0) / (east.power("UA", 0) * east.protection[0])
    assert ratio > p.breakthrough_ratio
    assert east.gain[0] == pytest.approx(p.advance_km2_per_day * (ratio - 1) / (p.breakthrough_ratio - 1))


def test_a_broken_defence_gives_ground_at_the_breakthrough_rate(load_toy):
    doc = toy_doc(east_units=ACTIVE, east_sector={"frontage": 2.0}, attrition_noise_cv=0.0)
    model = KurskModel(load_toy(doc), "hold", 0)
    model.east.cohesion["UA"][0] = 0.0              # below break_cohesion, even after a day's recovery
    model.step()
    assert model.east.gain[0] == pytest.approx(2.0 * model.p.advance_km2_per_day, rel=1e-12)


# --- reinforcing a sector ----------------------------------------------------------------------------

def sector_run(load_toy, defenders, seed, **params):
    units = [unit("East UA", "UA", "East", defenders), unit("East RU", "RU", "East", 16000)]
    model = KurskModel(load_toy(toy_doc(east_units=units, **params)), "hold", seed).run()
    return model.east.gain[0], model.losses_east["UA"], model.losses_east["RU"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_more_defenders_lose_less_ground_and_no_more_soldiers_under_the_square_law(load_toy, seed):
    # Same seed, same draws; 8,000 then 10,000 defenders against 16,000 attackers (ratio 1.6 then 1.28).
    gain_few, lost_few, ru_few = sector_run(load_toy, 8000, seed)
    gain_more, lost_more, ru_more = sector_run(load_toy, 10000, seed)
    assert gain_more < 0.8 * gain_few                  # (r − 1) falls from 0.6 to 0.28 at the start
    assert lost_more <= lost_few                       # square law: their losses are set by the attackers
    assert ru_more > ru_few                            # who lose more against the larger defence


def test_under_the_linear_law_more_defenders_do_lose_more(load_toy):
    # The same comparison under the linear law (q = 1): what the law gives, not a rule of the sector.
    _, lost_few, _ = sector_run(load_toy, 8000, 0, attrition_own_exponent=1.0)
    _, lost_more, _ = sector_run(load_toy, 10000, 0, attrition_own_exponent=1.0)
    assert lost_more > lost_few


def test_brigades_withdrawn_from_kursk_join_the_sector_and_lower_its_losses_of_ground(load_toy):
    # Two brigades leave Kursk on day 1 and reach the sector after refit and rail; the Russians there
    # then face a larger defence. Same seed under hold: the sector loses more ground.
    units = [unit("B1", "UA", "Town", 2000), unit("B2", "UA", "Mid", 2000)]
    doc = toy_doc(units=units, east_units=ACTIVE, withdraw_date=START + dt.timedelta(days=1), refit_days=2)
    sc = load_toy(doc)
    hold, withdraw = KurskModel(sc, "hold", 4), KurskModel(sc, "withdraw", 4)
    arrived_on = None
    while withdraw.running:
        before = withdraw.east.personnel["UA"][0]
        withdraw.step()
        hold.step()
        if arrived_on is None and withdraw.east.from_kursk["UA"][0] > 0:
            arrived_on = withdraw.day
            assert withdraw.east.personnel["UA"][0] > before + 3000        # they joined the force
            assert unit_named(withdraw, "B1") is None and unit_named(withdraw, "B2") is None
    assert arrived_on is not None and arrived_on < 10
    assert withdraw.east.gain[0] < hold.east.gain[0]
    assert column(withdraw, "ua_personnel_east")[-1] > 0 == column(hold, "ua_personnel_east")[-1]


# --- replacements ---------------------------------------------------------------------------------

def test_eastern_replacements_go_to_the_sectors_forces(load_toy):
    doc = toy_doc(east_units=[unit("East UA", "UA", "East", 10000), unit("East RU", "RU", "East", 5000)],
                  east_ua_replacements_per_day=100, east_ru_replacements_per_day=40, attrition_noise_cv=0.0)
    model = KurskModel(load_toy(doc), "hold", 0)
    for _ in range(5):
        model.step()
    assert force(model, "UA")[0] == pytest.approx(10500)       # no fighting at this ratio
    assert force(model, "RU")[0] == pytest.approx(5200)


def test_replacements_follow_recent_losses_between_sectors(default_scenario):
    # Where a side has been losing soldiers, its replacements go; before any losses, by the forces.
    model = KurskModel(default_scenario, "hold", 0)
    east = model.east
    assert east.replacement_share("UA") == pytest.approx([x / sum(east.personnel["UA"]) for x in east.personnel["UA"]])
    for _ in range(30):
        model.step()
    recent = east.recent_losses["UA"]
    assert east.replacement_share("UA") == pytest.approx([x / sum(recent) for x in recent])
    pokrovsk, orikhiv = east.names.index("Pokrovsk"), east.names.index("Orikhiv")
    assert east.replacement_share("UA")[pokrovsk] > east.replacement_share("UA")[orikhiv]


# --- where the Russian grouping comes from and goes -------------------------------------------------

def test_apportion_sends_each_amount_where_it_falls_furthest_below_its_weight():
    sent = [0.0, 0.0, 0.0]
    order = [apportion([0.5, 0.25, 0.25], sent, 1.0) for _ in range(8)]
    assert sent == [4.0, 2.0, 2.0]
    assert order[:4] == [0, 0, 1, 2]                  # ties go to the first
    assert apportion([0.0, 1.0], [0.0, 0.0], 5.0) == 1          # never a destination of weight 0


@pytest.mark.parametrize("variant", ["grouping_from_east", "grouping_from_reserves"])
def test_each_variant_changes_where_the_arriving_russians_come_from(variant):
    sc = load_scenario(DEFAULT_CONFIG, variant=variant)
    model = KurskModel(sc, "hold", 0)
    arrival = dt.date(2024, 9, 5)
    arriving = sum(s.personnel for s in sc.units if s.side == "RU" and s.arrival == arrival)
    while model.date < arrival - dt.timedelta(days=1):
        model.step()
    before = list(model.east.personnel["RU"])
    model.step()                                       # the formations arrive in Kursk (phase 1)
    origin = [s.grouping_origin for s in sc.east_sectors]
    g = sc.params.ru_grouping_from_east
    assert model.east.drawn == pytest.approx(arriving * g * sum(origin), rel=1e-12)
    assert (model.east.drawn > 0) == (variant == "grouping_from_east")
    # Orikhiv gives the most (its losses and replacements of the day change it too, but by far less
    # than its third of the 9,000 arriving).
    orikhiv = model.east.names.index("Orikhiv")
    taken = before[orikhiv] - model.east.personnel["RU"][orikhiv]
    if variant == "grouping_from_east":
        assert taken > 0.9 * arriving * origin[orikhiv]
    else:
        assert abs(taken) < 0.1 * arriving * origin[orikhiv]


def test_the_variants_differ_only_from_the_first_russian_arrival():
    east = load_scenario(DEFAULT_CONFIG, variant="grouping_from_east")
    reserves = load_scenario(DEFAULT_CONFIG, variant="grouping_from_reserves")
    a, b = KurskModel(east, "hold", 3), KurskModel(reserves, "hold", 3)
    while a.date < dt.date(2024, 9, 4):            # the day before the first Russian arrival in Kursk
        a.step()
        b.step()
    assert a.records == b.records
    a.step()
    b.step()
    k = a.east.names.index("Kupiansk"), a.east.names.index("Pokrovsk")
    assert a.east.personnel["RU"][k[0]] < b.east.personnel["RU"][k[0]]     # Kupiansk gave (ISW) ...
    assert a.east.personnel["RU"][k[1]] == pytest.approx(b.east.personnel["RU"][k[1]], rel=1e-12)  # ... Pokrovsk not


def redeploying(variant, **params):
    """The default scenario with a withdrawal on day 1 and a quick Russian redeployment."""
    sc = load_scenario(DEFAULT_CONFIG, {"withdraw_date": "2024-08-21", "ru_redeploy_delay_days": 5,
                                        "ru_transit_days": 7, **params}, variant)
    return KurskModel(sc, "withdraw", 0)


@pytest.mark.parametrize("variant", ["grouping_from_east", "grouping_from_reserves"])
def test_freed_russians_travel_then_fight_in_their_sectors_and_their_losses_count(variant):
    model = redeploying(variant, east_ru_replacements_per_day=0)     # so that losses show in personnel
    while model.east.redeployed == 0 and model.running:
        model.step()
    left_on = model.date
    assert model.salient_lost_on is not None
    assert (left_on - model.salient_lost_on).days == 5
    moving = [u for u in model.units if u.posture == "rail" and u.side == "RU"]
    assert moving and sum(u.personnel for u in moving) == pytest.approx(model.east.redeployed)
    departed = {u.name: u.personnel for u in moving}
    weights = model.east.russian_destinations(model)
    # Where they go: formation by formation, largest first, each to the sector furthest below its
    # weight (apportion); only sectors of positive weight receive any.
    expected, sent = [], [0.0] * len(weights)
    for u in sorted(moving, key=lambda u: (-departed[u.name], u.slot)):
        expected.append(model.east.sectors[apportion(weights, sent, departed[u.name])])
    assert [u.sector for u in sorted(moving, key=lambda u: (-departed[u.name], u.slot))] == expected
    while model.date < left_on + dt.timedelta(days=6):
        model.step()
        assert all(u.posture == "rail" and u.alive for u in moving)
    before = list(model.east.personnel["RU"])
    losses = model.losses_east["RU"]
    model.step()                                       # the seventh day: they join their sectors
    # (with no eastern replacements, a sector's personnel after the day = before + arrivals − losses)
    assert not any(u.alive for u in moving)
    for k, node in enumerate(model.east.sectors):
        arriving = sum(u.personnel for u in moving if u.sector == node)    # as they left the rail
        # they joined the sector's force before the day's fighting, and share its losses
        share = model.east.personnel["RU"][k] / (before[k] + arriving) if arriving else 0.0
        assert model.east.from_kursk["RU"][k] == pytest.approx(arriving * share, rel=1e-9)
    for _ in range(10):
        model.step()
    assert model.losses_east["RU"] > losses            # and they fight there: their losses count


def test_the_variants_send_the_freed_russians_to_different_sectors():
    def destinations(variant):
        model = redeploying(variant)
        while model.east.redeployed == 0:
            model.step()
        th = model.theatre
        return {th.names[u.sector] for u in model.units if u.posture == "rail" and u.side == "RU"}
    from_east, from_reserves = destinations("grouping_from_east"), destinations("grouping_from_reserves")
    assert "Orikhiv" in from_east                   # back where most of the grouping came from
    assert "Pokrovsk" in from_reserves              # reserves feed the main effort
    assert from_east != from_reserves


# --- the record -----------------------------------------------------------------------------------

def test_per_sector_gains_sum_to_the_eastern_total_every_day(default_scenario):
    model = KurskModel(default_scenario, "hold", 1).run()
    sectors = [s.column for s in default_scenario.east_sectors]
    assert sectors[-1] == "ru_gain_km2_orikhiv" and "ru_gain_km2_velyka_novosilka" in sectors
    for row in model.records:
        r = dict(zip(model.columns, row, strict=True))
        assert sum(r[c] for c in sectors) == pytest.approx(r["ru_east_gain_km2"], rel=1e-9, abs=1e-9)
    assert all(column(model, c)[-1] > 0 for c in sectors)
    for k, sector in enumerate(default_scenario.east_sectors):          # each column is its own sector's
        assert column(model, sector.column)[-1] == model.east.gain[k]
    assert model.east.gain[model.east.names.index("Pokrovsk")] > model.east.gain[model.east.names.index("Orikhiv")]
