"""Details on demand: the state of one node or one unit, as (what, value) rows in the domain's words.

Read from the model's own state and questions (control, supply network, fire control, Brigade.state)
so that the page shows what the rules see, not a recomputation that could drift from them.
"""

from __future__ import annotations

from ..agents import EAST, OUT_OF_THEATRE
from ..control import main_supply_route_cut

SIDE_NAME = {"UA": "Ukraine", "RU": "Russia", "NK": "North Korea"}
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
    here = [u for u in model.units if u.node == node and (u.posture not in OUT_OF_THEATRE or u.posture == EAST)]
    rows.append(("units here", ", ".join(f"{u.name} ({u.personnel:,.0f})" for u in here) or "none"))
    return rows


def unit_state(model, unit) -> list[tuple[str, str]]:
    """A unit: Brigade.state() (personnel, cohesion, supply, posture, orders), with words and units."""
    if not unit.alive:
        return [("unit", unit.name), ("status", "dissolved: overrun, surrendered or below a company")]
    s = unit.state()
    th = model.theatre
    where = s["node"]
    if unit.next_node is not None:
        where = f"on the road from {s['node']} to {th.names[unit.next_node]}, {unit.km_left:.1f} km to go"
    rows = [("unit", s["name"]), ("side", SIDE_NAME[unit.nation]), ("where", where),
            ("personnel", f"{s['personnel']:,}"), ("cohesion", f"{s['cohesion']:.2f} (1 = intact)"),
            ("supply on hand", f"{s['supply_days']:.1f} days"),
            ("supplied today", f"{100 * s['supply_ratio']:.0f}% of demand"),
            ("encircled", "yes" if unit.encircled else "no"),
            ("posture", s["posture"]), ("orders", s["orders"]),
            ("combat power", f"{s['power']:,} (personnel × quality × cohesion × supply)")]
    if "days_in_combat" in s:
        rows.append(("days in combat", f"{s['days_in_combat']} (exposure on own losses ×{s['exposure']:.2f})"))
    return rows


def unit_choices(model) -> list[str]:
    """Names of the units now in the campaign, Ukrainian first, then Russian, then North Korean."""
    order = {"UA": 0, "RU": 1, "NK": 2}
    return [u.name for u in sorted(model.units, key=lambda u: (order[u.nation], u.slot))]


def campaign_status(model) -> list[tuple[str, str]]:
    """The day at a glance, beside the map: the numbers the map shows only as colours."""
    east = [u for u in model.units if u.side == "UA" and u.posture == EAST]
    policy, p = model.policy, model.p
    params = ", ".join(f"{k} {v}" for k, v in policy.describe().items())
    return [
        ("date", f"{model.date:%d %b %Y} (day {model.day} of {model.campaign.n_days})"),
        ("policy", policy.name + (f" ({params})" if params else "")),
        ("Ukrainian-held area in Kursk", f"{max(0.0, model.ua_area):,.0f} km²"),
        ("main supply road Yunakivka–Sudzha", "cut" if main_supply_route_cut(model) else "open"),
        ("drone range", f"{model.range_km:g} km"),
        ("settings", (f"seed {model.seed_sequence.entropy}, Ukrainian troops in Kursk {p['ua_troops_kursk']:,}, "
                      f"North Korean contingent {p['nk_troops']:,}, drone range {p['drone_range_2024_km']:g} km "
                      f"in 2024, {p['drone_range_km']:g} km from {p['drone_ramp_end']:%b %Y}")),
        ("killed and wounded", (f"Ukrainian {model.losses['UA']:,.0f}, Russian {model.losses['RU']:,.0f}, "
                                f"North Korean {model.losses['NK']:,.0f}; "
                                f"Ukrainians captured {model.captured['UA']:,.0f}")),
        ("Russian gains in the east", f"{model.east.gain_km2:,.0f} km² since {model.campaign.start:%d %b %Y}"),
        ("brigades from Kursk in the east", (f"{len(east)} ({sum(u.personnel for u in east):,.0f} personnel); "
                                             f"Russians redeployed there {model.east.redeployed:,.0f}")),
    ]
