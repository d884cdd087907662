"""The supply-cut rule.

A unit is supplied when a path through friendly-held nodes, along edges not under enemy fire
control, links it to a depot with capacity left. Supply flows along the widest such path (the one
whose narrowest edge carries most); where demand exceeds what a depot or an edge carries, every
unit behind it gets the same share. A cut unit draws down its stock, then loses combat power and
cohesion. An encircled unit (no friendly ground at all between it and a depot) that has run dry and
lost its cohesion may capitulate. A unit with stock on hand recovers cohesion every day, in combat or
not: losses wear it down (combat), supply builds it back.

The supply network changes only when control or fire control changes, so it is cached on both.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from .theatre import Theatre

if TYPE_CHECKING:
    from .model import KurskModel


def supply_tree(theatre: Theatre, side: str, control: list[str],
                under_fire: frozenset[int]) -> tuple[list[int], list[tuple[int, ...]]]:
    """Widest paths from a side's depots over its own ground.

    Parameters
    ----------
    theatre : the static graph.
    side : "UA" or "RU".
    control : side holding each node.
    under_fire : link indices under the enemy's fire control (unusable for supply).

    Returns
    -------
    depot_of : per node, the index into theatre.depots[side] that supplies it, or -1 if cut.
    path_links : per node, the link indices of its supply path from that depot (built lazily).
    """
    n = theatre.n
    best = [-1.0] * n
    dist = [float("inf")] * n
    depot_of = [-1] * n
    via = [-1] * n                           # the link a node is reached by
    heap = []
    for k, (node, _capacity) in enumerate(theatre.depots[side]):
        if control[node] == side:
            best[node], dist[node], depot_of[node] = float("inf"), 0.0, k
            heap.append((-float("inf"), 0.0, node))
    heapq.heapify(heap)
    supply_links, pop, push = theatre.supply_links, heapq.heappop, heapq.heappush
    while heap:
        neg_b, d, node = pop(heap)
        b = -neg_b
        if b < best[node] or (b == best[node] and d > dist[node]):
            continue
        for other, index, capacity, km in supply_links[node]:
            if control[other] != side or index in under_fire:
                continue
            nb, nd = (b if b < capacity else capacity), d + km
            if nb > best[other] or (nb == best[other] and nd < dist[other]):
                best[other], dist[other] = nb, nd
                depot_of[other] = depot_of[node]
                via[other] = index
                push(heap, (-nb, nd, other))
    return depot_of, SupplyPaths(theatre.links, via)


class SupplyPaths(dict):
    """node -> tuple of link indices from its depot, walked back from `via` on first use."""

    def __init__(self, links, via: list[int]):
        super().__init__()
        self.links, self.via = links, via

    def __missing__(self, start: int) -> tuple[int, ...]:
        path, node = [], start
        while self.via[node] >= 0:
            link = self.links[self.via[node]]
            path.append(link.index)
            node = link.a if link.b == node else link.b
        self[start] = path = tuple(reversed(path))
        return path


def connected(theatre: Theatre, side: str, control: list[str]) -> list[bool]:
    """Per node, whether `side`'s ground links it to one of its depots at all (fire control aside):
    a unit where this is False is encircled."""
    reached = [False] * theatre.n
    frontier = [node for node, _ in theatre.depots[side] if control[node] == side]
    for node in frontier:
        reached[node] = True
    while frontier:
        node = frontier.pop()
        for link in theatre.ground[node]:
            other = link.b if link.a == node else link.a
            if not reached[other] and control[other] == side and link.capacity > 0:
                reached[other] = True
                frontier.append(other)
    return reached


def resupply(model: KurskModel) -> None:
    """One day of supply for every unit in the theatre: deliveries, stocks, cohesion, surrender."""
    th, p = model.theatre, model.p
    stock_max, refill = p.stock_days, p.resupply_days_per_day
    cut_loss, recovery = p.cut_cohesion_loss_per_day, p.cohesion_recovery_per_day
    field = model.field_units
    if len(field) < len(model.units):        # out of the theatre (refit, rail): supplied by the rear
        for u in model.units:
            if not u.in_theatre:
                u.stock, u.supply_ratio = stock_max, 1.0
                u.cohesion = min(1.0, u.cohesion + recovery)
    by_side: dict[str, list] = {"UA": [], "RU": []}
    for u in field:
        by_side[u.side].append(u)
    link_capacity = th.link_capacity
    for side, units in by_side.items():
        depot_of, paths = model.supply_network(side)
        connected = model.connected_to_depot(side)
        capacity = th.depots[side]
        demand: dict[int, float] = {}            # personnel to supply at each node
        for u in units:
            demand[u.node] = demand.get(u.node, 0.0) + u.personnel
        depot_load = [0.0] * len(capacity)
        link_load = [0.0] * len(link_capacity)
        for node, d in demand.items():
            k = depot_of[node]
            if k >= 0:
                depot_load[k] += d
                for li in paths[node]:
                    link_load[li] += d
        node_ratio: dict[int, float] = {}        # units on one node share their path's ratio
        for node in demand:
            k = depot_of[node]
            if k < 0:
                node_ratio[node] = 0.0
                continue
            ratio = capacity[k][1] / depot_load[k]
            for li in paths[node]:
                r = link_capacity[li] / link_load[li]
                if r < ratio:
                    ratio = r
            node_ratio[node] = ratio if ratio < 1.0 else 1.0
        surrender_cohesion, surrender_prob = p.surrender_cohesion, p.surrender_daily_prob
        for u in units:
            ratio = u.supply_ratio = node_ratio[u.node]
            u.encircled = not connected[u.node]
            stock = u.stock - 1.0 + ratio * refill
            if stock > 0.0:
                u.stock = stock if stock < stock_max else stock_max
                cohesion = u.cohesion + recovery
                u.cohesion = cohesion if cohesion < 1.0 else 1.0
                continue
            u.stock = 0.0
            cohesion = u.cohesion - cut_loss
            u.cohesion = cohesion if cohesion > 0.0 else 0.0
            if (u.encircled and u.cohesion < surrender_cohesion
                    and model.draws.supply[u.slot] < surrender_prob):
                model.capitulate(u)
