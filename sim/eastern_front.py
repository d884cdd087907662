"""The eastern front: ground lost in each sector as Russian pressure meets Ukrainian defenders.

Each sector loses, per day, its share of the month's reported Russian gain (the historical course,
i.e. `hold`), scaled by how the force ratio differs from the historical one:

    gain_s = monthly_gain / days_in_month · share_s · (P_s / P0_s)^e · (D0_s / D_s)^e · noise

D_s adds the personnel of brigades arrived from Kursk to the sector's historical defenders D0_s;
P_s adds the personnel of Russian formations redeployed from Kursk to its historical attackers P0_s
(all in personnel, as the scenario gives the sectors' forces). Russia
redeploys part of the Kursk grouping once no Ukrainian brigade has been left in Kursk for a while,
under any policy: freeing Ukrainian troops frees Russian ones too.
"""

from __future__ import annotations

import calendar
from typing import TYPE_CHECKING

from .agents import EAST
from .scenario import Scenario

if TYPE_CHECKING:
    from .model import KurskModel


class EasternFront:
    """Sectors from Kupiansk to Orikhiv and the Russian gains against them."""

    def __init__(self, scenario: Scenario, index: dict[str, int]):
        self.sectors = [index[s.node] for s in scenario.east_sectors]
        self.position = {node: k for k, node in enumerate(self.sectors)}
        self.share = [s.share for s in scenario.east_sectors]
        self.defenders = [s.defenders for s in scenario.east_sectors]
        self.attackers = [s.attackers for s in scenario.east_sectors]
        self.monthly = scenario.east_monthly_gain
        self.allocation = [(index[n], share) for n, share in scenario.east_allocation.items()]
        self.allocated = [0] * len(self.allocation)
        self.gain_km2 = 0.0            # cumulative Russian gain since the start
        self.gain_today = 0.0
        self.redeployed = 0.0          # Russian personnel moved from Kursk to the east
        self.days_without_ua = 0       # days since the last Ukrainian brigade left Kursk
        self.redeploy_done = False     # Russia redeploys once

    def allocate(self) -> int:
        """The sector for the next brigade: the one furthest below its allocated share."""
        k = min(range(len(self.allocation)),
                key=lambda i: ((self.allocated[i] + 1) / self.allocation[i][1], i))
        self.allocated[k] += 1
        return self.allocation[k][0]

    def step(self, model: KurskModel) -> None:
        p = model.p
        self.redeploy_russians(model)
        date = model.date
        base = self.monthly[(date.year, date.month)] / calendar.monthrange(date.year, date.month)[1]
        arrived = [0.0] * len(self.sectors)
        rate, noise = p["east_daily_loss_rate"], model.draws.east
        for b in [u for u in model.units if u.posture == EAST]:     # a copy: inflict may dissolve
            k = self.position[b.node]
            arrived[k] += b.personnel              # the sectors' forces are counted in personnel too
            model.inflict(b, b.personnel * rate * noise[k])
        e = p["east_elasticity"]
        total = 0.0
        for k in range(len(self.sectors)):
            pressure = (self.attackers[k] + self.redeployed * self.share[k]) / self.attackers[k]
            defence = (self.defenders[k] + arrived[k]) / self.defenders[k]
            total += base * self.share[k] * (pressure / defence) ** e * noise[k]
        self.gain_today = total
        self.gain_km2 += total

    def redeploy_russians(self, model: KurskModel) -> None:
        """Once Kursk has been free of Ukrainian brigades for ru_redeploy_delay_days, send
        ru_redeploy_share of the grouping's personnel east (largest formations first)."""
        if any(b.side == "UA" and model.theatre.in_kursk[b.node] for b in model.field_units):
            self.days_without_ua = 0
            return
        self.days_without_ua += 1
        if self.redeploy_done or self.days_without_ua < model.p["ru_redeploy_delay_days"]:
            return
        self.redeploy_done = True
        grouping = sorted((u for u in model.field_units if u.nation == "RU"), key=lambda u: (-u.personnel, u.slot))
        goal = model.p["ru_redeploy_share"] * sum(u.personnel for u in grouping)
        moved = 0.0
        for u in grouping:
            if moved >= goal:
                break
            moved += u.personnel
            self.redeployed += u.personnel
            model.dissolve(u)                      # it leaves the model for the eastern front
