"""Control of nodes and the area held.

Combat decides that a node falls; this rule carries it out: the defenders still there fall back to
a neighbouring friendly node (towards their depots) or, with nowhere to go, are overrun; the
strongest attacker moves in; the node changes hands and the held area is updated. Ground taken in
a node short of its capture (`gain_ground`) counts against the held area at once. The attackers
then consolidate for consolidation_days before they attack again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .agents import Brigade
    from .model import KurskModel


def apply_captures(model: KurskModel) -> None:
    """Carry out today's captures in the order combat found them."""
    for node, side, attackers in model.captures:
        if model.control[node] == side:
            continue
        # Who stands there now (not the morning's list: others may have fallen back onto it today).
        for unit in [u for u in model.field_units if u.node == node]:
            if unit.side != side and unit.next_node is None and unit.alive:
                fall_back(model, unit)
        transfer(model, node, side)
        survivors = [a for a in attackers if a.alive]
        if survivors:
            lead = max(survivors, key=lambda a: (a.power, -a.slot))
            lead.place(node)
        pause = model.p.consolidation_days
        for a in survivors:
            a.target = None
            a.consolidating_until = model.day + pause
    model.captures.clear()


def fall_back(model: KurskModel, unit: Brigade) -> None:
    """Retreat one node towards the unit's depots; overrun if no friendly neighbour is left."""
    th, control = model.theatre, model.control
    friendly = [nb for nb in th.neighbours[unit.node] if control[nb] == unit.side]
    if not friendly:
        model.capitulate(unit)
        return
    hop = model.routes(unit.side, model.depot_nodes(unit.side))[unit.node]
    unit.place(hop if hop in friendly else min(friendly))
    unit.goal = None
    unit.target = None


def gain_ground(model: KurskModel, node: int, side: str, km2: float) -> bool:
    """`side`, attacking `node`, takes `km2` more of it; True once it holds all of it.

    The ground taken stays taken between attacks (the front line has moved), and counts against the
    held area at once.
    """
    th = model.theatre
    before = model.contested[node]
    after = min(th.area[node], before + km2)
    model.contested[node] = after
    if th.in_kursk[node] and side == "RU":
        model.ua_area -= after - before
    return after >= th.area[node]


def transfer(model: KurskModel, node: int, side: str) -> None:
    """Hand `node` to `side` and keep the held area and the control version up to date."""
    th = model.theatre
    if th.in_kursk[node]:
        if side == "UA":
            model.ua_area += th.area[node]
        else:
            model.ua_area -= th.area[node] - model.contested[node]
    model.contested[node] = 0.0
    model.control[node] = side
    model.control_state = th.control_state(model.control)


def ua_area_km2(model: KurskModel) -> float:
    """Area of Kursk oblast held by Ukraine, recomputed from scratch (the model keeps it incrementally):
    the Ukrainian-held nodes less the ground Russian attacks have taken in them."""
    th = model.theatre
    return sum(th.area[i] - model.contested[i] for i in range(th.n)
               if th.in_kursk[i] and model.control[i] == "UA")


def main_supply_route_cut(model: KurskModel) -> bool:
    """True when any node of the main supply route is lost or any of its edges is under Russian fire."""
    th = model.theatre
    if any(model.control[n] != "UA" for n in th.main_supply_route):
        return True
    return not model.fire_on("UA").isdisjoint(th.msr_links)


def ru_sumy_km2(model: KurskModel) -> float:
    """Russian-held ground in Sumy oblast (km²): the Sumy targets Russia holds, and the ground its
    attacks have taken in those Ukraine still holds (Russia attacks no other node of Sumy oblast)."""
    th, control, contested = model.theatre, model.control, model.contested
    return sum([th.area[i] if control[i] == "RU" else contested[i] for i in th.sumy_target_nodes])
