"""Details on demand: the state of one node or one unit, as (what, value) rows in the domain's words.

Read from the model's own state and questions (control, supply network, fire control, Brigade.state)
so that the page shows what the rules see, not a recomputation that could drift from them.
"""

from __future__ import annotations

from ..agents import OUT_OF_THEATRE, RAIL
from ..control import main_supply_route_cut, ru_sumy_km2

SIDE_NAME = {"UA": "Ukraine", "RU": "Russia", "NK": "North Korea"}
GONE = "no longer a unit: joined an eastern sector's force, or overrun, surrendered or below a company"
REGION_NAME = {"kursk": "Kursk oblast", "ua_rear": "Ukrainian rear (Sumy oblast)",
               "ru_rear": "Russian rear", "east": "eastern front sector"}


def node_state(model, node: int) -> list[tuple[str, str]]:
    """A node: who holds it, how much of it, whether its holder can supply it, what fire covers."""
    th = model.theatre
    holder = model.control[node]
    rows = [("node", th.names[node]), ("region", REGION_NAME[th.region[node]]),
            ("held by", SIDE_NAME[holder])]
    if th.area[node]:
        taken = model.contested[node]
        rows.append(("area", f"{th.area[node]:,.0f} km²" + (f", {taken:,.1f} km² of it taken by the attacker" if taken else "")))
    rows.append(("defender's multiplier", f"{th.protection[node]:.2f} (terrain × fortification)"))
    depots = [cap for d, cap in th.depots.get(holder, []) if d == node]
    if depots:
        rows.append(("depot", f"{SIDE_NAME[holder]}, supplies up to {depots[0]:,.0f} personnel/day"))
    if th.region[node] != "east":
        depot_of, paths = model.supply_network(holder)
        if depot_of[node] >= 0:
            source = th.names[th.depots[holder][depot_of[node]][0]]
            rows.append(("supply", f"from {source}, {len(paths[node])} road(s) away"))
        else:
            encircled = not model.connected_to_depot(holder)[node]
            rows.append(("supply", "cut: encircled" if encircled else "cut: every route is under enemy drone fire"))
        roads = th.ground[node]
        fire = model.fire_on(holder)
        rows.append(("roads", f"{len(roads)}, of which {sum(lk.index in fire for lk in roads)} under enemy drone fire"))
    if node in th.main_supply_route:
        rows.append(("main supply road", "cut" if main_supply_route_cut(model) else "open"))
    if th.region[node] == "east":
        return rows + sector_state(model, node)
    rows.append(("units here", ", ".join(f"{u.name} ({u.personnel:,.0f})" for u in units_at(model, node)) or "none"))
    return rows


def units_at(model, node: int) -> list:
    """The units standing on `node` in the theatre (not those that left it by rail, nor those
    refitting at its depot; a unit that reaches an eastern sector joins the sector's force)."""
    return [u for u in model.units if u.node == node and u.posture not in OUT_OF_THEATRE]


def sector_state(model, node: int) -> list[tuple[str, str]]:
    """An eastern sector: each side's force (its own, and what arrived from Kursk), the units on
    their way there, the ground Russia has taken, the losses, whether Russia attacked today."""
    east = model.east
    k = east.sectors.index(node)
    rows = []
    for side in ("UA", "RU"):
        total, from_kursk = east.personnel[side][k], east.from_kursk[side][k]
        rows.append((f"{SIDE_NAME[side]}'s force",
                     f"{total:,.0f} personnel: its own {total - from_kursk:,.0f}, arrived from Kursk "
                     f"{from_kursk:,.0f}; quality {east.quality[side][k]:.2f}, cohesion {east.cohesion[side][k]:.2f}"))
    coming = [u for u in model.units if u.posture == RAIL and u.sector == node]
    if coming:
        rows.append(("on the way by rail", "; ".join(f"{u.name} {u.personnel:,.0f}, arrives {u.until:%d %b %Y}"
                                                     for u in coming)))
    rows += [
        ("Russian gain here", f"{east.gain[k]:,.0f} km² since {model.campaign.start:%d %b %Y}"),
        ("killed and wounded here", f"Ukrainian {east.losses['UA'][k]:,.0f}, Russian {east.losses['RU'][k]:,.0f}"),
        ("frontage", f"{east.frontage[k]:g} (the day's advance, in advances at one Kursk node)"),
        ("Russia attacked today", "yes" if east.attacking[k] else "no"),
    ]
    return rows


def unit_state(model, unit) -> list[tuple[str, str]]:
    """A unit: Brigade.state() (personnel, cohesion, supply, posture, orders), with words and units."""
    if not unit.alive:
        return [("unit", unit.name), ("status", GONE)]
    s = unit.state()
    rows = [("unit", s["name"]), ("side", SIDE_NAME[unit.nation]), ("where", whereabouts(model, unit)),
            ("personnel", f"{s['personnel']:,}"), ("cohesion", f"{s['cohesion']:.2f} (1 = intact)"),
            ("supply on hand", f"{s['supply_days']:.1f} days"),
            ("supplied today", f"{100 * s['supply_ratio']:.0f}% of demand"),
            ("encircled", "yes" if unit.encircled else "no"),
            ("posture", s["posture"]), ("orders", s["orders"]),
            ("combat power", f"{s['power']:,} (personnel × quality × cohesion × supply)")]
    if "days_in_combat" in s:
        rows.append(("days in combat", f"{s['days_in_combat']} (exposure on own losses ×{s['exposure']:.2f})"))
    if unit.garrison:
        rows.append(("garrison", f"holds {model.theatre.names[unit.node]} only"))
    return rows


def whereabouts(model, unit) -> str:
    """Where a unit is, in words: on a road, on a train east, or at a node."""
    names = model.theatre.names
    if unit.next_node is not None:
        return f"on the road from {names[unit.node]} to {names[unit.next_node]}, {unit.km_left:.1f} km to go"
    if unit.posture == RAIL and unit.sector is not None:
        return f"by rail to the {names[unit.sector]} sector, arrives {unit.until:%d %b %Y}"
    return names[unit.node]


def unit_choices(model) -> list[str]:
    """Names of the units now in the campaign, Ukrainian first, then Russian, then North Korean."""
    order = {"UA": 0, "RU": 1, "NK": 2}
    return [u.name for u in sorted(model.units, key=lambda u: (order[u.nation], u.slot))]


def campaign_status(model) -> list[tuple[str, str]]:
    """The day at a glance, beside the map: the numbers the map shows only as colours. The losses
    are the record's own (model.columns), so that the page and `python -m sim run` agree."""
    policy, p = model.policy, model.p
    params = ", ".join(f"{k} {v}" for k, v in policy.describe().items())
    today = dict(zip(model.columns, model.records[-1], strict=True))
    lost_on = model.salient_lost_on
    return [
        ("date", f"{model.date:%d %b %Y} (day {model.day} of {model.campaign.n_days})"),
        ("policy", policy.name + (f" ({params})" if params else "")),
        ("Ukrainian-held area in Kursk", f"{max(0.0, model.ua_area):,.0f} km²"),
        ("salient lost", f"on {lost_on:%d %b %Y}" if lost_on else "not yet"),
        ("Russian-held in Sumy oblast", f"{ru_sumy_km2(model):,.1f} km²"),
        ("main supply road Yunakivka–Sudzha", "cut" if main_supply_route_cut(model) else "open"),
        ("drone range", f"{model.range_km:g} km"),
        ("settings", (f"seed {model.seed_sequence.entropy}, Ukrainian troops in Kursk {p.ua_troops_kursk:,}, "
                      f"North Korean contingent {p.nk_troops:,}, drone range {p.drone_range_2024_km:g} km "
                      f"in 2024, {p.drone_range_km:g} km from {p.drone_ramp_end:%b %Y}")),
        ("Ukrainian soldiers lost", (f"in Kursk {today['ua_losses_kursk']:,.0f} (of them captured "
                                     f"{today['ua_captured']:,.0f}), in the east {today['ua_losses_east']:,.0f}, "
                                     f"total {today['ua_losses_total']:,.0f}")),
        ("killed and wounded", (f"Russian {model.losses['RU']:,.0f} (both theatres), "
                                f"North Korean {model.losses['NK']:,.0f}")),
        ("Russian gains in the east", f"{model.east.gain_km2:,.0f} km² since {model.campaign.start:%d %b %Y}"),
        ("Ukrainians from Kursk in the east", (f"{today['ua_personnel_east']:,.0f} personnel of the "
                                               f"{today['ua_personnel_east_total']:,.0f} holding the sectors")),
        ("Russians moved", (f"drawn from the east into Kursk {model.east.drawn:,.0f}; "
                            f"redeployed from Kursk to the east {model.east.redeployed:,.0f}")),
    ]
