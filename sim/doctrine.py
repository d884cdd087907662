"""Russian (and North Korean) doctrine: close with the salient, attack where the ratio is good.

Every formation fit to attack (cohesion at least attack_cohesion_min, stock not empty, not
consolidating a recent capture) that stands
next to Ukrainian-held ground attacks the neighbouring node where the ratio of all ready Russian
power around it to its defence is best, provided that ratio reaches attack_ratio_min. Formations
not yet at the front march to the nearest frontier node. A formation with a fixed objective (the
pipeline detachment) makes for it, by the pipeline if it is infantry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .agents import ATTACK, DEFEND, MOVE, REST
from .combat import defence_map

if TYPE_CHECKING:
    from .model import KurskModel


def russian_orders(model: KurskModel) -> None:
    th, control, p, today = model.theatre, model.control, model.p, model.day
    russians = [u for u in model.field_units if u.side == "RU"]
    cohesion_min, ratio_min = p["attack_cohesion_min"], p["attack_ratio_min"]
    ready = {id(u) for u in russians
             if u.cohesion >= cohesion_min and u.stock > 0 and u.consolidating_until < today}
    objectives: dict[int, list[int]] = {}       # node -> the Ukrainian-held Kursk nodes next to it
    for u in russians:
        if u.node not in objectives:
            objectives[u.node] = [m for m in th.kursk_neighbours[u.node] if control[m] == "UA"]
    around = [0.0] * th.n
    for u in russians:
        if id(u) in ready and u.next_node is None and objectives[u.node]:
            power = u.power
            for nb in objectives[u.node]:
                around[nb] += power
    defence = defence_map(model, "RU")
    protection = th.protection

    def ratio(n: int) -> float:
        strength = defence[n] * protection[n]
        return around[n] / strength if strength > 0 else float("inf")

    frontier = model.frontier("RU")
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
        if id(u) not in ready:
            u.goal, u.posture = None, REST
            u.orders = ("consolidate", None) if u.consolidating_until >= today else ("rest and replenish", None)
            continue
        candidates = objectives[u.node]
        if candidates:
            best = max(candidates, key=lambda n: (ratio(n), -n)) if len(candidates) > 1 else candidates[0]
            u.goal = None
            if ratio(best) >= ratio_min:
                u.target, u.posture, u.orders = best, ATTACK, ("attack", best)
            else:
                u.posture, u.orders = DEFEND, ("hold and concentrate", None)
        elif frontier:
            u.goal, u.posture, u.orders = frontier, MOVE, ("march to the front", None)
        else:
            u.goal, u.posture, u.orders = None, DEFEND, ("garrison", None)
