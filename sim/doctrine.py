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
from .combat import defence

if TYPE_CHECKING:
    from .model import KurskModel


def russian_orders(model: KurskModel) -> None:
    th, control, p = model.theatre, model.control, model.p
    ready = [u for u in model.field_units
             if u.side == "RU" and u.cohesion >= p["attack_cohesion_min"] and u.stock > 0
             and u.consolidating_until < model.day]
    ready_ids = set(map(id, ready))
    around = [0.0] * th.n
    for u in ready:
        if u.next_node is None:
            for nb in th.neighbours[u.node]:
                if control[nb] == "UA" and th.in_kursk[nb]:
                    around[nb] += u.power
    strength: dict[int, float] = {}

    def ratio(n: int) -> float:
        if n not in strength:
            strength[n] = sum(d.power * w for d, w in defence(model, n, "RU")) * th.protection[n]
        return around[n] / strength[n] if strength[n] > 0 else float("inf")

    frontier = model.frontier("RU")
    for u in model.field_units:
        if u.side != "RU":
            continue
        u.target = None
        if u.next_node is not None:
            if u.km_left <= 0 and control[u.next_node] == "UA":
                u.target, u.posture = u.next_node, ATTACK     # at the pipeline exit
            continue
        if u.objective is not None and control[u.objective] == "RU":
            u.objective = None
        if u.objective is not None:
            u.goal, u.posture = (u.objective,), MOVE
            u.orders = f"infiltrate to {th.names[u.objective]}"
            continue
        if id(u) not in ready_ids:
            u.goal, u.posture = None, REST
            u.orders = "consolidate" if u.consolidating_until >= model.day else "rest and replenish"
            continue
        candidates = [nb for nb in th.neighbours[u.node] if control[nb] == "UA" and th.in_kursk[nb]]
        if candidates:
            best = max(candidates, key=lambda n: (ratio(n), -n))
            u.goal = None
            if ratio(best) >= p["attack_ratio_min"]:
                u.target, u.posture, u.orders = best, ATTACK, f"attack {th.names[best]}"
            else:
                u.posture, u.orders = DEFEND, "hold and concentrate"
        elif frontier:
            u.goal, u.posture, u.orders = frontier, MOVE, "march to the front"
        else:
            u.goal, u.posture, u.orders = None, DEFEND, "garrison"
