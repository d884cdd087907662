"""The eastern front as a theatre of the same model: one law in both places, reinforcements that
change the force ratio, Russians who come from somewhere and go somewhere, ground per sector."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import column, unit_named
from toy_scenario import DEFAULT_CONFIG, toy_doc, unit

from sim import KurskModel, load_scenario

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


def sector_run(load_toy, defenders, seed, **params):
    units = [unit("East UA", "UA", "East", defenders), unit("East RU", "RU", "East", 16000)]
    model = KurskModel(load_toy(toy_doc(east_units=units, **params)), "hold", seed).run()
    return model.east.gain[0], model.losses_east["UA"], model.losses_east["RU"]


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
