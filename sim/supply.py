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
    path_links : per node, the link indices of its supply path from that depot.
    """
    n = theatre.n
    best = [-1.0] * n
    dist = [float("inf")] * n
    depot_of = [-1] * n
    paths: list[tuple[int, ...]] = [()] * n
    heap = []
    for k, (node, _capacity) in enumerate(theatre.depots[side]):
        if control[node] == side:
            best[node], dist[node], depot_of[node] = float("inf"), 0.0, k
            heap.append((-float("inf"), 0.0, node))
    heapq.heapify(heap)
    while heap:
        neg_b, d, node = heapq.heappop(heap)
        b = -neg_b
        if b < best[node] or (b == best[node] and d > dist[node]):
            continue
        for link in theatre.ground[node]:
            if link.capacity <= 0 or link.index in under_fire:
                continue
            other = link.b if link.a == node else link.a
            if control[other] != side:
                continue
            nb, nd = min(b, link.capacity), d + link.km
            if nb > best[other] or (nb == best[other] and nd < dist[other]):
                best[other], dist[other] = nb, nd
                depot_of[other] = depot_of[node]
                paths[other] = paths[node] + (link.index,)
                heapq.heappush(heap, (-nb, nd, other))
    return depot_of, paths


def resupply(model: KurskModel) -> None:
    """One day of supply for every unit in the theatre: deliveries, stocks, cohesion, surrender."""
    th, p = model.theatre, model.p
    stock_max, refill = p["stock_days"], p["resupply_days_per_day"]
    cut_loss, recovery = p["cut_cohesion_loss_per_day"], p["cohesion_recovery_per_day"]
    for u in model.units:                    # out of the theatre (refit, rail, east): supplied by the rear
        if not u.in_theatre:
            u.stock, u.supply_ratio = stock_max, 1.0
            u.cohesion = min(1.0, u.cohesion + recovery)
    for side in ("UA", "RU"):
        depot_of, paths = model.supply_network(side)
        connected = model.connected_to_depot(side)
        capacity = th.depots[side]
        units = [u for u in model.field_units if u.side == side]
        depot_load = [0.0] * len(capacity)
        link_load: dict[int, float] = {}
        for u in units:
            k = depot_of[u.node]
            if k >= 0:
                depot_load[k] += u.personnel
                for li in paths[u.node]:
                    link_load[li] = link_load.get(li, 0.0) + u.personnel
        links = th.links
        node_ratio: dict[int, float] = {}        # units on one node share their path's ratio
        for u in units:
            ratio = node_ratio.get(u.node)
            if ratio is None:
                k = depot_of[u.node]
                if k < 0:
                    ratio = 0.0
                else:
                    ratio = min(1.0, capacity[k][1] / depot_load[k],
                                *[links[li].capacity / link_load[li] for li in paths[u.node]])
                node_ratio[u.node] = ratio
            u.supply_ratio = ratio
            u.encircled = not connected[u.node]
            u.stock = min(stock_max, u.stock - 1.0 + ratio * refill)
            if u.stock <= 0.0:
                u.stock = 0.0
                u.cohesion = max(0.0, u.cohesion - cut_loss)
            else:
                u.cohesion = min(1.0, u.cohesion + recovery)
            if (u.encircled and u.stock <= 0.0 and u.cohesion < p["surrender_cohesion"]
                    and model.draws.supply[u.slot] < p["surrender_daily_prob"]):
                model.capitulate(u)
