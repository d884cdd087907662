"""Drone fire control: which edges a side can no longer use safely.

An edge is under a side's fire control when one of that side's units stands within drone range of
its middle (so that drones cover the stretch, not merely one end of it). Drone range grows over the winter of 2024-25 as fibre-optic FPVs appear. The
answer depends only on where units stand, so it is cached on their positions.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right

import numpy as np

from .parameters import Parameters


def drone_range_km(params: Parameters, date: dt.date) -> float:
    """Reach of drone interdiction on `date`: the 2024 value, ramping linearly to drone_range_km."""
    start, end = params.drone_ramp_start, params.drone_ramp_end
    early, late = params.drone_range_2024_km, params.drone_range_km
    if date <= start:
        return early
    if date >= end:
        return late
    return early + (late - early) * (date - start).days / (end - start).days


class FireControl:
    """Edges under fire control, cached by the set of nodes the firing side occupies.

    What one node's drones reach at a given range is kept per (node, range), so that a new
    position of the firing side (or the next day of the winter's range ramp) costs a union of a
    few cached sets, not a pass over the node–link distance matrix.
    """

    def __init__(self, node_link_km: np.ndarray):
        self.node_link_km = node_link_km
        # Per node, the finite distances to its links in increasing order, and those links.
        self._reach_km: list[list[float]] = []
        self._reach_links: list[list[int]] = []
        for row in node_link_km:
            order = [int(i) for i in np.argsort(row, kind="stable") if np.isfinite(row[i])]
            self._reach_km.append([float(row[i]) for i in order])
            self._reach_links.append(order)
        self._near: dict[tuple[int, float], frozenset[int]] = {}
        self._cache: dict[tuple, frozenset[int]] = {}

    def near(self, node: int, range_km: float) -> frozenset[int]:
        """Indices of the links within `range_km` of `node`."""
        key = (node, range_km)
        hit = self._near.get(key)
        if hit is None:
            if len(self._near) > 8192:          # ranges repeat (a ramp, then a plateau)
                self._near.clear()
            hit = self._near[key] = frozenset(
                self._reach_links[node][:bisect_right(self._reach_km[node], range_km)])
        return hit

    def links_under_fire(self, firing_nodes: tuple[int, ...], range_km: float) -> frozenset[int]:
        """Indices of the links within `range_km` of any node in `firing_nodes` (sorted tuple).

        Parameters
        ----------
        firing_nodes : nodes where the firing side has units.
        range_km : drone range.

        Returns
        -------
        frozenset of link indices under fire control.
        """
        key = (firing_nodes, range_km)
        hit = self._cache.get(key)
        if hit is None:
            hit = frozenset().union(*[self.near(n, range_km) for n in firing_nodes])
            if len(self._cache) > 4096:          # positions repeat a lot; keep memory bounded
                self._cache.clear()
            self._cache[key] = hit
        return hit
