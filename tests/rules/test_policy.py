"""Rule tests of the Ukrainian policies (docs/ODD.md 7.3, sim/policy.py): the defensive doctrine,
pulling out and back, the rail to the east, the day's orders, and hold, withdraw and no_incursion.

The doctrine is tested on FAN, a toy front of three Ukrainian nodes (W, C, E), each facing a Russian
node, with rear nodes behind the base; the functions are called alone on a freshly built model.
"""

from __future__ import annotations

import datetime as dt

import pytest
from _toys_c import sectors_doc
from toy_scenario import START, toy_doc, unit

from sim import KurskModel
from sim.policy import (
    POLICIES,
    RALLY_COHESION,
    Hold,
    NoIncursion,
    Withdraw,
    defend,
    make_policy,
    out_of_theatre,
    pull_back,
    pull_out,
    rail_east,
)

D1, D2, D3 = (START + dt.timedelta(days=n) for n in (1, 2, 3))

# Three Ukrainian nodes W, C, E (not next to each other) in front of the base, each facing a Russian
# node; three rear nodes behind the base, out of contact. Straight distances: C is nearest to Rear,
# E to RearE, W to RearW.
FAN_NODES = [
    ("Base", 51.00, 35.00, "UA", "ua_rear", 0.0),
    ("W", 51.10, 34.80, "UA", "kursk", 100.0),
    ("C", 51.10, 35.00, "UA", "kursk", 100.0),
    ("E", 51.10, 35.20, "UA", "kursk", 100.0),
    ("RW", 51.20, 34.80, "RU", "kursk", 100.0),
    ("RC", 51.20, 35.00, "RU", "kursk", 100.0),
    ("RE", 51.20, 35.20, "RU", "kursk", 100.0),
    ("RuBase", 51.30, 35.00, "RU", "ru_rear", 0.0),
    ("Rear", 50.90, 35.00, "UA", "ua_rear", 0.0),
    ("RearW", 50.90, 34.80, "UA", "ua_rear", 0.0),
    ("RearE", 50.90, 35.20, "UA", "ua_rear", 0.0),
    ("Deep", 50.50, 35.00, "UA", "ua_rear", 0.0),
]
FAN_EDGES = [("Base", "W", "road"), ("Base", "C", "road"), ("Base", "E", "road"), ("W", "RW", "road"),
             ("C", "RC", "road"), ("E", "RE", "road"), ("RW", "RuBase", "road"), ("RC", "RuBase", "road"),
             ("RE", "RuBase", "road"), ("Base", "Rear", "road"), ("Base", "RearW", "road"), ("Base", "RearE", "road"),
             ("Rear", "Deep", "road")]
# Russian power (× 0.8): threat 800 at W, 2,400 at C, 1,600 at E
FAN_RUSSIANS = [unit("RU W", "RU", "RW", 1000), unit("RU C", "RU", "RC", 3000), unit("RU E", "RU", "RE", 2000)]


def fan(load_toy, brigades, russians=FAN_RUSSIANS, policy="hold", **params):
    doc = toy_doc(FAN_NODES, FAN_EDGES, list(brigades) + list(russians), msr=["Base", "C"], **params)
    model = KurskModel(load_toy(doc), policy, 0)
    return model, model.theatre.index


def by_name(model):
    return {u.name: u for u in model.units}


def ua(model):
    return [u for u in model.units if u.side == "UA"]


# --- the defensive doctrine (7.3 steps 1–6) -------------------------------------------------------------------

def test_idle_brigades_cover_the_threatened_nodes_nearest_first_then_thicken_the_line(load_toy):
    brigades = [unit(n, "UA", node, 1000) for n, node in
                (("I1", "RearW"), ("I2", "RearE"), ("I3", "Rear"), ("I4", "Rear"), ("I5", "Rear"))]
    model, ix = fan(load_toy, brigades)
    assert model.threat_to("UA")[ix["C"]] == pytest.approx(2400) and model.threat_to("UA")[ix["W"]] == pytest.approx(800)
    defend(model, ua(model))
    b = by_name(model)
    # frontier by threat: C (2,400), E (1,600), W (800); each gets the idle brigade nearest to it
    assert b["I3"].orders == ("cover", ix["C"]) and b["I3"].goal == (ix["C"],)
    assert b["I2"].orders == ("cover", ix["E"]) and b["I2"].goal == (ix["E"],)
    assert b["I1"].orders == ("cover", ix["W"]) and b["I1"].goal == (ix["W"],)
    # the spare ones: largest threat / (1 + defence): C (2,400 / 1,001), then E (1,600 / 1,001 > 2,400 / 2,001)
    assert b["I4"].orders == ("reinforce", ix["C"]) and b["I4"].goal == (ix["C"],)
    assert b["I5"].orders == ("reinforce", ix["E"]) and b["I5"].goal == (ix["E"],)
    assert all(u.posture == "move" for u in ua(model))


def test_brigades_in_contact_hold_and_broken_ones_rest(load_toy):
    brigades = [unit("H", "UA", "C", 1000), unit("R", "UA", "E", 1000), unit("T", "UA", "Rear", 1000),
                unit("P", "UA", "Rear", 1000), unit("Q", "UA", "RearW", 1000), unit("M", "UA", "Base", 1000)]
    model, ix = fan(load_toy, brigades)
    b = by_name(model)
    b["R"].cohesion = 0.29                           # below break_cohesion (0.3), in contact at E
    b["T"].cohesion = 0.2                            # below, out of contact
    b["P"].posture, b["P"].cohesion = "rest", RALLY_COHESION - 0.01      # resting, not yet rallied
    b["Q"].posture, b["Q"].cohesion = "rest", RALLY_COHESION             # rallied
    b["M"].next_node, b["M"].km_left, b["M"].orders = ix["W"], 5.0, ("on my way", ix["W"])   # on the road to W
    defend(model, ua(model))
    assert (b["H"].posture, b["H"].goal, b["H"].orders) == ("defend", None, ("hold", ix["C"]))
    assert (b["R"].posture, b["R"].goal, b["R"].orders) == ("rest", (ix["Base"],), ("fall back to rest", None))
    assert (b["T"].posture, b["T"].goal, b["T"].orders) == ("rest", None, ("rest and refit", None))
    assert (b["P"].posture, b["P"].goal, b["P"].orders) == ("rest", None, ("rest and refit", None))
    assert b["M"].orders == ("on my way", ix["W"]) and b["M"].goal is None     # keeps its orders
    # C is held; the resting brigade at E covers nothing: the rallied one goes to cover E (1,600),
    # and none is left for W
    assert (b["Q"].posture, b["Q"].goal, b["Q"].orders) == ("move", (ix["E"],), ("cover", ix["E"]))


def test_the_defence_on_the_way_counts_when_thickening_the_line(load_toy):
    # threat 1,600 at C, 2,400 at E, 800 at W. H holds C (1,000); M is on the road to E with 3,000.
    russians = [unit("RU W", "RU", "RW", 1000), unit("RU C", "RU", "RC", 2000), unit("RU E", "RU", "RE", 3000)]
    brigades = [unit("H", "UA", "C", 1000), unit("M", "UA", "Base", 3000), unit("Ia", "UA", "RearE", 1000),
                unit("Ib", "UA", "RearW", 1000), unit("Ic", "UA", "Rear", 1000)]
    model, ix = fan(load_toy, brigades, russians)
    b = by_name(model)
    b["M"].next_node, b["M"].km_left = ix["E"], 5.0
    defend(model, ua(model))
    assert b["Ia"].orders == ("cover", ix["E"]) and b["Ib"].orders == ("cover", ix["W"])
    # E: 2,400 / (1 + 3,000 + 1,000) < C: 1,600 / 1,001 → C, not E
    assert b["Ic"].orders == ("reinforce", ix["C"])


def russians(rw, rc, re_):
    return [unit("RU W", "RU", "RW", rw), unit("RU C", "RU", "RC", rc), unit("RU E", "RU", "RE", re_)]


# (Russian personnel at RW, RC, RE (power × 0.8); Ukrainian brigades: name, node, personnel, heading to;
# the node the idle brigade at Rear reinforces). W is held by a huge brigade in every case.
THICKEN = {
    # two holders at C add up: C 2,400 / 2,001 < E 3,400 / 2,001
    "holders add up": ((1000, 3000, 4250), [("Hc1", "C", 1000, None), ("Hc2", "C", 1000, None),
                                            ("He", "E", 2000, None)], "E"),
    # a holder and two brigades on the road to E add up: E 1,600 / 2,001 < C 2,400 / 2,001
    "brigades on the road add up": ((1000, 3000, 2000), [("Hc", "C", 2000, None), ("He", "E", 1000, None),
                                                         ("M1", "Base", 500, "E"), ("M2", "Base", 500, "E")], "C"),
    # small defences: C 2,400 / (1 + 1) = 1,200 > E 4,400 / (1 + 3) = 1,100
    "one plus the defence": ((1000, 3000, 5500), [("Hc", "C", 1, None), ("He", "E", 3, None)], "C"),
    # a tie goes to the lower node index (C before E)
    "ties": ((1000, 3000, 3000), [("Hc", "C", 1000, None), ("He", "E", 1000, None)], "C"),
}


@pytest.mark.parametrize("case", list(THICKEN))
def test_spare_brigades_go_where_threat_over_one_plus_defence_is_largest(load_toy, case):
    ru, brigades, expected = THICKEN[case]
    units = [unit("Hw", "UA", "W", 100000)] + [unit(n, "UA", node, x) for n, node, x, _ in brigades]
    model, ix = fan(load_toy, units + [unit("I", "UA", "Rear", 1000)], russians(*ru))
    b = by_name(model)
    for n, _, _, heading in brigades:
        if heading:
            b[n].next_node, b[n].km_left = ix[heading], 5.0
    defend(model, ua(model))
    assert b["I"].orders == ("reinforce", ix[expected])


def test_a_brigade_next_to_threatened_nodes_is_in_contact_and_covers_them(load_toy):
    # B at Base: its own node is not threatened, its Ukrainian neighbours W, C, E are.
    model, ix = fan(load_toy, [unit("B", "UA", "Base", 1000), unit("I", "UA", "Rear", 1000)])
    defend(model, ua(model))
    b = by_name(model)
    assert b["B"].orders == ("hold", ix["Base"])
    assert b["I"].orders == ("reinforce", ix["C"])       # nothing left to cover: the largest threat


def test_the_smallest_threat_counts(load_toy):
    # a single Russian soldier at RW (power 0.8): W is threatened; a brigade there holds, one at Rear covers W.
    ru = [unit("RU W", "RU", "RW", 1), unit("RU", "RU", "RuBase", 1000)]
    model, ix = fan(load_toy, [unit("H", "UA", "W", 1000)], ru)
    defend(model, ua(model))
    assert by_name(model)["H"].orders == ("hold", ix["W"])
    model, ix = fan(load_toy, [unit("I", "UA", "Rear", 1000)], ru)
    defend(model, ua(model))
    assert by_name(model)["I"].orders == ("cover", ix["W"])


def test_a_brigade_at_break_cohesion_still_holds(load_toy):
    model, ix = fan(load_toy, [unit("H", "UA", "C", 1000)])
    h = by_name(model)["H"]
    h.cohesion = 0.3                                  # = break_cohesion: rests only below it
    defend(model, [h])
    assert (h.posture, h.orders) == ("defend", ("hold", ix["C"]))


def test_the_nearest_idle_brigade_is_the_nearest_in_straight_distance(load_toy):
    # Deep lies 0.5° behind C, Rear 0.1°: the brigade at Rear covers C, though Deep's comes first by slot
    model, ix = fan(load_toy, [unit("D", "UA", "Deep", 1000), unit("R", "UA", "Rear", 1000)],
                    [unit("RU C", "RU", "RC", 3000)])
    defend(model, ua(model))
    b = by_name(model)
    assert b["R"].orders == ("cover", ix["C"]) and b["D"].orders == ("reinforce", ix["C"])


def test_the_nearest_idle_brigade_may_stand_beside_the_threatened_node(load_toy):
    # Only C is threatened. W is ~14 km beside it, Rear ~22 km behind it: the brigade at W covers C.
    model, ix = fan(load_toy, [unit("R", "UA", "Rear", 1000), unit("A", "UA", "W", 1000)],
                    [unit("RU C", "RU", "RC", 3000)])
    defend(model, ua(model))
    b = by_name(model)
    assert b["A"].orders == ("cover", ix["C"]) and b["R"].orders == ("reinforce", ix["C"])


def test_with_no_threat_idle_brigades_keep_their_goal(load_toy):
    model, ix = fan(load_toy, [unit("A", "UA", "Rear", 1000)], russians=[unit("RU", "RU", "RuBase", 1000)])
    a = by_name(model)["A"]
    a.posture, a.goal, a.orders = "move", (ix["W"],), ("cover", ix["W"])
    defend(model, [a])
    assert (a.posture, a.goal, a.orders) == ("defend", (ix["W"],), ("cover", ix["W"]))


# --- pulling out and back -----------------------------------------------------------------------------------

def test_pull_out_takes_the_brigades_out_of_contact_first(load_toy):
    brigades = [unit("A", "UA", "Rear", 1000), unit("Bc", "UA", "C", 1000), unit("Bw", "UA", "W", 1000),
                unit("Bb", "UA", "Base", 1000), unit("G", "UA", "RearE", 500, garrison=True),
                unit("X", "UA", "E", 1000), unit("Y", "UA", "Rear", 1000)]
    model, ix = fan(load_toy, brigades)
    b = by_name(model)
    b["X"].posture = "withdraw"                      # already going
    b["Y"].posture = "refit"                         # out of the theatre
    b["A"].target = ix["W"]
    # threat around each (its node and its neighbours): A 0, Bw 800, Bc 2,400, Bb 2,400 (C next to it)
    pull_out(model, 0.5)                             # 2 of the 4
    assert [n for n in "A Bc Bw Bb".split() if b[n].posture == "withdraw"] == ["A", "Bw"]
    assert (b["A"].goal, b["A"].target, b["A"].orders) == ((ix["Base"],), None, ("withdraw to Sumy", None))
    pull_out(model, 0.5)                             # 1 of the 2 left: the tie goes to the first slot
    assert b["Bc"].posture == "withdraw" and b["Bb"].posture == "defend"
    pull_out(model, 1.0)
    assert b["Bb"].posture == "withdraw"
    assert b["G"].posture == "defend" and b["Y"].posture == "refit" and b["X"].goal is None


def test_pull_out_counts_a_fraction_of_the_brigades(load_toy):
    brigades = [unit(f"B{i}", "UA", node, 1000) for i, node in enumerate(("Rear", "RearW", "RearE", "Base", "W"))]
    model, _ = fan(load_toy, brigades)
    pull_out(model, 0.3)                             # round(0.3 × 5 = 1.5) → 2
    assert sum(u.posture == "withdraw" for u in ua(model)) == 2
    pull_out(model, 1.0 / 3)                         # of the 3 left: round(1.0) → 1
    assert sum(u.posture == "withdraw" for u in ua(model)) == 3


# POCKET of tests/toy_scenario.py with R1 as node 0, and a second pocket P1–P2 behind R1: from P2 the
# shortest way home starts on Ukrainian ground (P1).
POCKET_NODES = [
    ("R1", 51.20, 35.00, "RU", "kursk", 100.0),
    ("Base", 51.00, 35.00, "UA", "ua_rear", 0.0),
    ("Front", 51.10, 35.00, "UA", "kursk", 100.0),
    ("Pocket", 51.30, 35.00, "UA", "kursk", 100.0),
    ("RuBase", 51.30, 35.30, "RU", "ru_rear", 0.0),
    ("P1", 51.25, 34.90, "UA", "kursk", 100.0),
    ("P2", 51.30, 34.80, "UA", "kursk", 100.0),
]
POCKET_EDGES = [("Base", "Front", "road"), ("Front", "R1", "road"), ("R1", "Pocket", "road"),
                ("Pocket", "RuBase", "road"), ("R1", "RuBase", "road"), ("R1", "P1", "road"), ("P1", "P2", "road")]


def pocket(load_toy, **params):
    units = [unit("P", "UA", "Pocket", 1000), unit("F", "UA", "Front", 1000), unit("S", "UA", "Base", 1000),
             unit("T", "UA", "Front", 1000), unit("P2", "UA", "P2", 1000), unit("RU", "RU", "RuBase", 1000)]
    model = KurskModel(load_toy(toy_doc(POCKET_NODES, POCKET_EDGES, units, msr=["Base", "Front"], **params)), "hold", 0)
    return model, model.theatre.index, by_name(model)


def test_pull_back_home_refit_or_break_out(load_toy):
    model, ix, b = pocket(load_toy, refit_days=3)
    model.date = D2
    for u in b.values():
        u.target = ix["R1"]
    b["T"].next_node, b["T"].km_left, b["T"].goal, b["T"].orders = ix["Base"], 3.0, (ix["Base"],), ("on the road", None)
    b["P2"].target = None
    for name in ("P", "F", "S", "T", "P2"):
        pull_back(model, b[name])
    assert (b["S"].posture, b["S"].until, b["S"].orders, b["S"].target) == (
        "refit", D2 + dt.timedelta(days=3), ("refit at Sumy", None), None)
    assert (b["F"].goal, b["F"].orders, b["F"].target) == ((ix["Base"],), ("withdraw to Sumy", None), None)
    assert (b["T"].goal, b["T"].orders, b["T"].target) == ((ix["Base"],), ("on the road", None), None)
    # cut off: the first hop of the shortest way home is Russian-held R1: break out through it
    assert (b["P"].goal, b["P"].target, b["P"].orders) == (None, ix["R1"], ("break out through", ix["R1"]))
    assert ix["R1"] == 0
    # cut off, but the way home starts on Ukrainian ground: no breakout ordered
    assert b["P2"].target is None and b["P2"].orders[0] != "break out through"


# --- out of the theatre: refit, then the rail east ----------------------------------------------------------------

def test_a_refitted_brigade_takes_the_rail_to_its_sector_when_its_refit_ends(load_toy):
    doc = sectors_doc(("S1", "S2"), rail_days={"S1": 2, "S2": 4}, allocation={"S1": 0.25, "S2": 0.75},
                      east_units=[unit(f"{s} {side}", side, s, 10000) for s in ("S1", "S2") for side in ("UA", "RU")])
    model = KurskModel(load_toy(doc), "hold", 0)
    b = by_name(model)["UA 1"]
    b.leave_theatre("refit")
    b.until = D2
    model.date = D1
    out_of_theatre(model, b)
    assert b.posture == "refit"
    model.date = D2
    out_of_theatre(model, b)
    s2 = model.theatre.index["S2"]
    assert (b.posture, b.sector, b.until) == ("rail", s2, D2 + dt.timedelta(days=4))
    assert model.east.on_rail == [b] and model.east.allocated == {s2: 1.0}


def test_withdraw_sectors_decide_where_the_rail_goes(load_toy):
    doc = sectors_doc(("S1", "S2"), rail_days={"S1": 2, "S2": 4}, allocation={"S1": 0.75, "S2": 0.25},
                      east_units=[unit(f"{s} {side}", side, s, 10000) for s in ("S1", "S2") for side in ("UA", "RU")],
                      withdraw_sectors=["S2"])
    sc = load_toy(doc)
    for policy, sector, days in (("withdraw", "S2", 4), ("hold", "S1", 2)):
        model = KurskModel(sc, policy, 0)
        b = by_name(model)["UA 1"]
        model.date = D1
        rail_east(model, b)
        assert (model.theatre.names[b.sector], b.until, b.posture) == (sector, D1 + dt.timedelta(days=days), "rail")


# --- the day's orders ------------------------------------------------------------------------------------------

def line(load_toy, units, policy="hold", **params):
    model = KurskModel(load_toy(toy_doc(units=units, rail_days=3, **params)), policy, 0)
    return model, model.theatre.index, by_name(model)


def test_the_survivors_withdraw_once_the_salient_is_lost_and_garrisons_hold(load_toy):
    units = [unit("B1", "UA", "Town", 2000), unit("G", "UA", "Mid", 500, garrison=True),
             unit("Rv", "UA", "Base", 1000, reserve=True), unit("RU", "RU", "Hill", 1000)]
    model, ix, b = line(load_toy, units)
    model.policy.orders(model)                       # the salient holds: B1 holds, the reserve thickens the line
    assert b["B1"].orders == ("hold", ix["Town"]) and b["Rv"].orders == ("reinforce", ix["Town"])
    assert (b["G"].goal, b["G"].orders, b["G"].posture) == (None, ("hold", ix["Mid"]), "defend")
    model.salient_lost_on = model.date
    model.policy.orders(model)
    assert b["B1"].posture == "withdraw" and b["B1"].orders == ("withdraw to Sumy", None)
    assert b["Rv"].posture == "refit"                # at the base: refit at once
    assert (b["G"].posture, b["G"].orders) == ("defend", ("hold", ix["Mid"]))
    b["B1"].posture = "defend"                       # once only: the order is not given again
    model.policy.orders(model)
    assert b["B1"].posture == "defend" and model.policy.survivors_ordered


def test_a_reserve_goes_east_the_day_it_arrives_once_the_east_is_reinforced(load_toy):
    units = [unit("B1", "UA", "Town", 2000), unit("Rv", "UA", "Base", 1000, reserve=True, arrival=D2),
             unit("RU", "RU", "Hill", 1000)]
    model, ix, _ = line(load_toy, units, policy="withdraw", withdraw_date=D1, withdraw_fraction=0.0)
    model.step()
    model.step()
    rv = by_name(model)["Rv"]
    assert model.date == D2 and (rv.posture, rv.sector, rv.until) == ("rail", ix["East"], D2 + dt.timedelta(days=3))
    # under hold, with the salient held, the same reserve joins the defence
    model, ix, _ = line(load_toy, units)
    model.step()
    model.step()
    assert by_name(model)["Rv"].posture in ("move", "defend")


def test_the_withdrawal_is_ordered_on_withdraw_date_once(load_toy):
    units = [unit("B1", "UA", "Town", 2000), unit("B2", "UA", "Base", 2000), unit("RU", "RU", "Hill", 1000)]
    model, _, b = line(load_toy, units, policy="withdraw", withdraw_date=D2, withdraw_fraction=0.5)
    policy = model.policy
    model.date = D1
    assert not policy.reinforce_east(model)
    policy.decide(model)
    assert not policy.ordered and all(u.posture == "defend" for u in b.values() if u.side == "UA")
    model.date = D2
    assert policy.reinforce_east(model)
    policy.decide(model)
    # B2 at Base is out of contact (threat 0 around it), B1 at Town faces Hill: B2 goes
    assert b["B2"].posture == "withdraw" and b["B1"].posture == "defend" and policy.ordered
    policy.decide(model)                              # once only
    assert b["B1"].posture == "defend"
    model.date = D1
    model.salient_lost_on = D1                       # a salient lost before the date reinforces the east too
    assert policy.reinforce_east(model)


def test_hold_reinforces_the_east_only_once_the_salient_is_lost(load_toy):
    model, _, _ = line(load_toy, None)
    assert not model.policy.reinforce_east(model)
    model.salient_lost_on = model.date
    assert model.policy.reinforce_east(model)


# --- the policies ------------------------------------------------------------------------------------------

def test_the_policies_their_names_and_parameters():
    from _toys_c import params
    p = params(withdraw_date=D3, withdraw_fraction=0.25, withdraw_sectors=["Pokrovsk", "Orikhiv"],
               nk_east_without_incursion=1)
    assert set(POLICIES) == {"hold", "withdraw", "no_incursion"}
    hold, withdraw, none = (make_policy(n, p) for n in ("hold", "withdraw", "no_incursion"))
    assert (type(hold), type(withdraw), type(none)) == (Hold, Withdraw, NoIncursion)
    assert hold.parameters == () and hold.describe() == {} and hold.diverges_on() is None
    assert hold.sectors(None) == () and hold.survivors_ordered is False
    assert withdraw.parameters == ("withdraw_date", "withdraw_fraction", "withdraw_sectors")
    assert withdraw.describe() == {"withdraw_date": D3.isoformat(), "withdraw_fraction": 0.25,
                                   "withdraw_sectors": ["Pokrovsk", "Orikhiv"]}
    assert withdraw.diverges_on() == D3 and withdraw.ordered is False
    assert make_policy("withdraw", params(withdraw_date=D3)).describe() == {"withdraw_date": D3.isoformat(),
                                                                          "withdraw_fraction": 1.0}
    assert none.parameters == ("nk_east_without_incursion",)
    assert none.describe() == {"nk_east_without_incursion": 1} and none.diverges_on() == dt.date.min
    assert none.reinforce_east(None) is True
    with pytest.raises(KeyError, match="unknown policy 'retreat'; allowed: hold, withdraw, no_incursion"):
        make_policy("retreat", p)


def no_incursion(load_toy, nk_east, **params):
    east_units = [unit("S1 UA", "UA", "S1", 10000), unit("S1 RU", "RU", "S1", 1000),
                  unit("S2 UA", "UA", "S2", 10000), unit("S2 RU", "RU", "S2", 3000),
                  unit("S2 RU late", "RU", "S2", 500, arrival=START + dt.timedelta(days=20)),
                  unit("S1 UA early", "UA", "S1", 400, arrival=D3)]
    units = [unit("B1", "UA", "Town", 2000, quality=0.9), unit("B2", "UA", "Mid", 1000),
             unit("G", "UA", "Base", 500, garrison=True), unit("R1", "RU", "Hill", 3000),
             unit("R2", "RU", "RuBase", 2500, arrival=START + dt.timedelta(days=5)),
             unit("KPA", "NK", "RuBase", share=1.0)]
    params = {"origin": {"S1": 0.4}, "ru_grouping_from_east": 0.5, **params}
    doc = sectors_doc(("S1", "S2"), east_units=east_units, units=units, allocation={"S1": 0.5, "S2": 0.5},
                      nk_arrival=START + dt.timedelta(days=10), nk_east_without_incursion=nk_east, **params)
    return KurskModel(load_toy(doc), "no_incursion", 0)


def test_no_incursion_starts_the_grouping_in_the_east_and_raises_no_russian_wave(load_toy):
    model = no_incursion(load_toy, 0)
    east, th = model.east, model.theatre
    assert [u.name for u in model.units] == ["G"]
    # B1 → S1, B2 → S2 by the allocation, as withdrawn brigades would be
    assert east.personnel["UA"] == pytest.approx([12000.0, 11000.0]) and east.from_kursk["UA"] == [2000.0, 1000.0]
    assert east.quality["UA"][0] == pytest.approx((10000 + 2000 * 0.9) / 12000)
    assert east.personnel["RU"] == [1000.0, 3000.0] and east.from_kursk["RU"] == [0.0, 0.0]
    assert model.reserves["RU"].schedule == []
    assert all(model.control[n] == "RU" for n in range(th.n) if th.in_kursk[n])
    assert model.control[th.index["Base"]] == "UA"
    assert [(d[0], d[1], d[2]) for d in east.due] == [(D3, "UA", 0), (START + dt.timedelta(days=20), "RU", 1)]


def test_no_incursion_can_send_the_north_koreans_east_as_redeployed_russians(load_toy):
    model = no_incursion(load_toy, 1)
    nk = START + dt.timedelta(days=10)
    # destinations: g·o + (1 − g·Σo) × strength share = 0.2 + 0.8 × 0.25, 0.8 × 0.75 of 2,000 North Koreans
    assert model.east.due == [(D3, "UA", 0, 400, 1.0), (nk, "RU", 0, pytest.approx(800.0), 0.7),
                              (nk, "RU", 1, pytest.approx(1200.0), 0.7), (START + dt.timedelta(days=20), "RU", 1, 500, 0.8)]


def test_a_garrison_is_never_sent_to_cover_a_threatened_node(load_toy):
    # The day's orders: a garrison at Rear holds there while a brigade at RearE goes to cover C.
    brigades = [unit("G", "UA", "Rear", 500, garrison=True), unit("B", "UA", "RearE", 1000)]
    model, ix = fan(load_toy, brigades)
    model.policy.orders(model)
    b = by_name(model)
    assert (b["G"].posture, b["G"].goal, b["G"].orders) == ("defend", None, ("hold", ix["Rear"]))
    assert b["B"].orders == ("cover", ix["C"])


ORDER = ["defend", "move", "rest", "withdraw", "refit", "rail"]


def test_withdrawing_brigades_move_towards_sumy_then_east(load_toy):
    # (copied from tests/test_model.py, with the dates of each stage checked)
    units = [unit("B1", "UA", "Town", 2000), unit("B2", "UA", "Mid", 2000),
             unit("B3", "UA", "Base", 1000, arrival=START + dt.timedelta(days=5), reserve=True)]
    doc = toy_doc(units=units, withdraw_date=D1, refit_days=2)
    model = KurskModel(load_toy(doc), "withdraw", 0)
    th = model.theatre
    sumy, east = th.sumy, th.index["East"]
    hops: dict[str, list[int]] = {}
    postures: dict[str, list[str]] = {}
    while model.running:
        model.step()
        for b in model.ukrainian_brigades():
            postures.setdefault(b.name, []).append(b.posture)
            if b.in_theatre:
                hops.setdefault(b.name, []).append(th.hops[b.node][sumy])
    for name in ("B1", "B2"):
        assert all(x >= y for x, y in zip(hops[name], hops[name][1:], strict=False)), (name, hops[name])
        assert postures[name][0] == "withdraw"
        assert all(ORDER.index(x) <= ORDER.index(y) for x, y in zip(postures[name], postures[name][1:],
                                                                   strict=False))
        # refit_days (2) at the base, then the rail (1 day)
        assert postures[name].count("refit") == 2 and postures[name].count("rail") == 1
    # the reserve goes east the day it arrives without entering Kursk: on the rail that day, joined the next
    assert postures["B3"] == ["rail"]
    assert not any(u.side == "UA" for u in model.units)
    assert model.east.from_kursk["UA"][model.east.position[east]] == pytest.approx(5000.0)


def test_no_incursion_sends_no_north_korean_to_a_sector_of_no_weight(load_toy):
    # g = 1 and all of the grouping from S1: the North Koreans all go there, none to S2 (weight 0)
    model = no_incursion(load_toy, 1, origin={"S1": 1.0}, ru_grouping_from_east=1.0)
    nk = START + dt.timedelta(days=10)
    assert [d for d in model.east.due if d[0] == nk] == [(nk, "RU", 0, pytest.approx(2000.0), 0.7)]


def test_a_brigade_with_a_way_home_over_its_own_ground_takes_it(load_toy):
    # tests/toy_scenario.py's POCKET, whose base is node 0: from Front the next hop home is node 0.
    from toy_scenario import POCKET_EDGES as EDGES
    from toy_scenario import POCKET_NODES as NODES
    units = [unit("F", "UA", "Front", 1000), unit("RU", "RU", "RuBase", 1000)]
    model = KurskModel(load_toy(toy_doc(NODES, EDGES, units, msr=["Base", "Front"])), "hold", 0)
    f = by_name(model)["F"]
    assert model.theatre.sumy == 0
    pull_back(model, f)
    assert (f.goal, f.orders) == ((0,), ("withdraw to Sumy", None))
