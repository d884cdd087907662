"""Movement along edges: routes over friendly ground, speed by road class, losses under fire control.

A unit never walks into an enemy-held node: it attacks it (combat) and moves in only when the node
falls (control). The one exception is the gas pipeline, which infantry crosses unseen to arrive at
the doorstep of the node it then attacks.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from .theatre import Theatre

if TYPE_CHECKING:
    from .agents import Brigade
    from .model import KurskModel

# Routing weighs an edge under enemy fire control as this many times its length, so units take a
# covered route when there is one and the exposed road only when there is not.
FIRE_ROUTE_PENALTY = 5.0


def route_table(theatre: Theatre, passable: list[bool], goals: tuple[int, ...],
                under_fire: frozenset[int] = frozenset(), infantry: bool = False) -> list[int]:
    """Next hop towards the nearest goal, for every node (-1 where no route exists).

    Dijkstra from the goals outwards over ground links (no rail) between passable nodes; goals
    themselves need not be passable (a unit may head for an enemy node to attack it). Edges in
    `under_fire` cost FIRE_ROUTE_PENALTY times their length. The pipeline is open to infantry only.

    Parameters
    ----------
    theatre : the static graph.
    passable : per node, whether the mover may pass through it.
    goals : nodes to reach.
    under_fire : link indices under the enemy's fire control.
    infantry : whether infantry-only links (the pipeline) may be used.

    Returns
    -------
    list of next-hop node per node; a goal's own entry is itself.
    """
    nxt = [-1] * theatre.n
    dist = [float("inf")] * theatre.n
    heap = []
    for g in goals:
        dist[g] = 0.0
        nxt[g] = g
        heap.append((0.0, g, g))
    heapq.heapify(heap)
    ground, pop, push = theatre.ground_links, heapq.heappop, heapq.heappush
    while heap:
        d, node, via = pop(heap)
        if d > dist[node]:
            continue
        for other, index, km, infantry_only in ground[node]:
            if (infantry_only and not infantry) or not passable[other]:
                continue
            nd = d + (km * FIRE_ROUTE_PENALTY if index in under_fire else km)
            if nd < dist[other]:
                dist[other] = nd
                nxt[other] = node
                push(heap, (nd, other, node))
    return nxt


def march(model: KurskModel, unit: Brigade, enemy_fire: frozenset[int]) -> None:
    """Move `unit` for one day towards its goal, paying losses on edges under enemy fire control."""
    if unit.goal is None:
        return
    th, control, p = model.theatre, model.control, model.p
    budget = 1.0                                   # days of movement left today
    if unit.next_node is not None and unit.km_left <= 0 and control[unit.next_node] == unit.side:
        unit.place(unit.next_node)                 # the node it waited at has fallen to its side
    while budget > 1e-9:
        if unit.next_node is None:
            if unit.node in unit.goal:
                unit.goal = None
                return
            hop = model.routes(unit.side, unit.goal, unit.mobility == "infantry")[unit.node]
            if hop < 0 or hop == unit.node:
                return                             # no route today
            link = th.link_between[(unit.node, hop)]
            if control[hop] != unit.side and not link.infantry_only:
                return                             # enemy ground: attack it instead (doctrine/policy)
            unit.next_node, unit.km_left = hop, link.km
            unit.via_pipeline = link.infantry_only
        link = th.link_between[(unit.node, unit.next_node)]
        if unit.km_left <= 0:
            return                                 # waiting at the pipeline exit
        km = min(unit.km_left, budget * link.speed_km_day)
        budget -= km / link.speed_km_day
        unit.km_left -= km
        if link.index in enemy_fire and not link.infantry_only:
            lost = unit.personnel * min(1.0, p.fire_loss_per_km * km * model.draws.movement[unit.slot])
            model.inflict(unit, lost)
            if not unit.alive:
                return
        if unit.km_left <= 1e-9:
            if control[unit.next_node] == unit.side:
                unit.place(unit.next_node)
            elif link.infantry_only:
                unit.km_left = 0.0                 # at the pipeline exit, under an enemy node
                return
            else:
                unit.place(unit.node)              # its destination fell while it moved: back
                return
