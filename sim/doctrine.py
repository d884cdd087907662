"""Russian (and North Korean) doctrine: close with the salient, attack where the ratio is good.

Every formation fit to attack (cohesion at least attack_cohesion_min, stock not empty, not
consolidating a recent capture) that stands
next to Ukrainian-held ground it may attack attacks the neighbouring node where the ratio of all
ready Russian power around it to its defence is best, provided that ratio reaches attack_ratio_min.
Formations not yet at the front march to the nearest frontier node; one unfit to attack rests, or,
if its stock is empty, falls back towards its depots until supply reaches it, and goes forward again
only once its stock is full. A formation with a
fixed objective (the pipeline detachment) makes for it, by the pipeline if it is infantry.

What Russia may attack: Kursk oblast; once the salient is lost, also the Sumy-oblast border
settlements of the scenario's `sumy_targets` (the buffer zone of April–May 2025). In an eastern
sector the same rule decides, for the sector's force as a whole (`is_fit`, `attacks`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .agents import ATTACK, DEFEND, MOVE, REST
from .combat import defence_map

if TYPE_CHECKING:
    from .model import KurskModel


def is_fit(model: KurskModel, cohesion: float) -> bool:
    """Fit to attack: cohesion at least attack_cohesion_min."""
    return cohesion >= model.p.attack_cohesion_min


def attacks(model: KurskModel, power: float, defence: float) -> bool:
    """Whether an attack goes in: the attackers' power reaches attack_ratio_min times the defence
    (its power times protection); an undefended objective is always attacked."""
    return power > 0 and (defence <= 0 or power >= model.p.attack_ratio_min * defence)


def is_ready(model: KurskModel, unit) -> bool:
    """A formation ready to attack: fit, stock not empty, not consolidating a capture, not
    replenishing after running dry."""
    return (is_fit(model, unit.cohesion) and unit.stock > 0 and unit.consolidating_until < model.day
            and not unit.replenishing)


def russian_orders(model: KurskModel) -> None:
    th, control, p = model.theatre, model.control, model.p
    russians = [u for u in model.field_units if u.side == "RU"]
    full = p.stock_days
    for u in russians:
        if u.stock <= 0:
            u.replenishing = True          # ran dry: back to the front only once the stock is full again
        elif u.replenishing and u.stock >= full:
            u.replenishing = False
        u.ready = is_ready(model, u)
    today = model.day
    may_attack = th.attackable_neighbours(model.salient_lost_on is not None)
    objectives: dict[int, list[int]] = {}       # node -> the Ukrainian-held nodes next to it it may attack
    for u in russians:
        if u.node not in objectives:
            objectives[u.node] = [m for m in may_attack[u.node] if control[m] == "UA"]
    around = [0.0] * th.n
    for u in russians:
        if u.ready and u.next_node is None and objectives[u.node]:
            power = u.power
            for nb in objectives[u.node]:
                around[nb] += power
    defence = defence_map(model, "RU")
    protection = th.protection

    def ratio(n: int) -> float:
        strength = defence[n] * protection[n]
        return around[n] / strength if strength > 0 else float("inf")

    frontier = model.frontier("RU")
    depots = model.depot_nodes("RU")
    for u in russians:
        u.target = None
        if u.next_node is not None:
            if u.km_left <= 0 and control[u.next_node] == "UA":
                u.target, u.posture = u.next_node, ATTACK     # at the pipeline exit
            continue
        if u.objective is not None and control[u.objective] == "RU":
            u.objective = None
        if u.objective is not None:
            u.goal, u.posture = (u.objective,), MOVE
            u.orders = ("infiltrate to", u.objective)
            continue
        if not u.ready:
            u.posture = REST
            if u.stock <= 0 and u.consolidating_until < today:
                # Out of supply where it stands: back towards the depots until supply reaches it.
                u.goal, u.orders = depots, ("fall back to replenish", None)
            else:
                u.goal = None
                u.orders = ("consolidate", None) if u.consolidating_until >= today else ("rest and replenish", None)
            continue
        candidates = objectives[u.node]
        if candidates:
            best = max(candidates, key=lambda n: (ratio(n), -n)) if len(candidates) > 1 else candidates[0]
            u.goal = None
            if attacks(model, around[best], defence[best] * protection[best]):
                u.target, u.posture, u.orders = best, ATTACK, ("attack", best)
            else:
                u.posture, u.orders = DEFEND, ("hold and concentrate", None)
        elif frontier:
            u.goal, u.posture, u.orders = frontier, MOVE, ("march to the front", None)
        else:
            u.goal, u.posture, u.orders = None, DEFEND, ("garrison", None)
