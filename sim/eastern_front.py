"""The eastern front: a second theatre of the same model, fought under the same law as Kursk.

Each sector (Kupiansk … Orikhiv) holds one Ukrainian and one Russian force: the sum of the units of
`[forces]` placed on the sector, with their personnel, quality (personnel-weighted) and cohesion.
Units that reach a sector later join its force: the reserves of `[forces]` on their arrival date,
Ukrainian brigades withdrawn from Kursk, Russian formations freed from Kursk. Each day, after the
fighting in Kursk:

1. **Russian redeployment.** Once the salient has been lost for ru_redeploy_delay_days,
   ru_redeploy_share of the Russian Kursk grouping (largest formations first) boards trains for the
   east and arrives after ru_transit_days: what the grouping drew from each sector goes back there,
   the rest where Russia's strength already is (its reserves go to its main efforts). Where the
   grouping came from is the other half of the same rule: each Russian formation arriving in Kursk
   takes ru_grouping_from_east × `grouping_origin` of its personnel out of each sector
   (`draw_for_kursk`); the rest comes from the reserve or from fronts the model does not hold.
2. **Arrivals.** Units whose rail journey ends today (either side) join their sector's force, and
   so do the sector reserves due today.
3. **Replacements.** Each side's eastern replacements (east_ua/ru_replacements_per_day; once
   Ukraine sends its reserves east, its Kursk replacements too, `KurskModel.arrivals`) go where that
   side is losing soldiers: they are shared among the sectors in proportion to its recent losses there (an
   exponential average over REPLACEMENT_MEMORY_DAYS; before any loss, its forces at the start).
4. **Fighting**, sector by sector in file order, by the Kursk rules: Russia attacks when its force
   is fit to attack (`doctrine.is_fit`) and its power reaches attack_ratio_min times the defence
   (`doctrine.attacks`); the generalised Lanchester law (`combat.exchange`) with the sector's
   protection, times the sector's own pair of daily draws, gives each side's losses; losses lower
   cohesion (`agents.cohesion_after`) and the rear restores cohesion_recovery_per_day, as for any unit
   supplied out of the theatre; the attacker takes ground: `frontage` times what one Kursk node would
   give at the ratio after the fight (`combat.advance_km2`). A sector has no node to capture, so the
   advance goes on growing linearly past the breakthrough ratio, and a defence that has lost its
   cohesion (below break_cohesion) gives ground as at the breakthrough ratio.

One force per side and sector, not one agent per brigade: the law sees only a sector's total power,
and a day's losses are shared in proportion to power, so splitting a sector's force into units would
change the bookkeeping, not the fighting (docs/ODD.md, 7.10). Arriving brigades thus change the
sector's force ratio and bring no losses of their own beyond what the law gives: under the square law
the defenders' losses are set by the attackers' power.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from . import doctrine
from .agents import RAIL, cohesion_after, combat_power
from .combat import SIDE_COLUMN, advance_km2, exchange
from .scenario import Scenario

if TYPE_CHECKING:
    from .agents import Brigade
    from .model import KurskModel

REPLACEMENT_MEMORY_DAYS = 30    # e-folding time of the recent losses that steer replacements (assumption)
SIDES = ("UA", "RU")
UA, RU = SIDE_COLUMN["UA"], SIDE_COLUMN["RU"]     # a sector's pair of daily draws, as a node's


def apportion(weights: list[float], sent: list[float], amount: float) -> int:
    """The destination for the next `amount`: the one that, having received it, stands lowest against
    its weight (ties: the first). `sent[k]` is what k has received so far; it is updated."""
    k = min((i for i, w in enumerate(weights) if w > 0), key=lambda i: ((sent[i] + amount) / weights[i], i))
    sent[k] += amount
    return k


class EasternFront:
    """Sectors from Kupiansk to Orikhiv: their forces, the fighting and the ground lost."""

    def __init__(self, scenario: Scenario, index: dict[str, int], protection: list[float]):
        self.names = [s.node for s in scenario.east_sectors]
        self.sectors = [index[s.node] for s in scenario.east_sectors]
        self.position = {node: k for k, node in enumerate(self.sectors)}
        self.protection = [protection[node] for node in self.sectors]
        self.frontage = [s.frontage for s in scenario.east_sectors]
        self.origin = [s.grouping_origin for s in scenario.east_sectors]
        n = len(self.sectors)
        p = scenario.params
        default_quality = {"UA": p.ua_quality, "RU": p.ru_quality}
        # The forces: personnel, quality (personnel-weighted) and cohesion per side and sector, and
        # how much of the personnel came from Kursk (for the record).
        self.personnel = {side: [0.0] * n for side in SIDES}
        self.quality = {side: [default_quality[side]] * n for side in SIDES}
        self.cohesion = {side: [1.0] * n for side in SIDES}
        self.from_kursk = {side: [0.0] * n for side in SIDES}
        self.due: list[tuple[dt.date, str, int, float, float]] = []   # sector reserves: date, side, k, personnel, quality
        for spec in scenario.units:
            if spec.node in self.names:
                k, quality = self.names.index(spec.node), spec.quality or default_quality[spec.side]
                if spec.arrival is None:
                    self.join(spec.side, k, spec.personnel, quality, 1.0)
                else:
                    self.due.append((spec.arrival, spec.side, k, spec.personnel, quality))
        self.due.sort(key=lambda d: d[0])
        self.start_share = {side: [x / sum(xs) for x in xs] for side, xs in self.personnel.items()}
        self.recent_losses = {side: [0.0] * n for side in SIDES}
        self.allocation = [(index[name], share) for name, share in scenario.east_allocation.items()]
        self.allocated: dict[int, float] = {}      # brigades sent to each sector node so far
        self.gain = [0.0] * n              # cumulative Russian gain per sector since the start (km²)
        self.gain_km2 = 0.0
        self.gain_today = 0.0
        self.losses = {side: [0.0] * n for side in SIDES}    # killed and wounded per sector
        self.attacking = [False] * n       # whether Russia attacked in the sector today
        self.redeployed = 0.0              # Russian personnel sent from Kursk to the east
        self.drawn = 0.0                   # Russian personnel drawn from the sectors into Kursk
        self.redeploy_done = False         # Russia redeploys once
        self.on_rail: list[Brigade] = []   # units travelling to a sector (either side)

    # --- the forces -----------------------------------------------------------------------------
    def join(self, side: str, k: int, personnel: float, quality: float, cohesion: float,
             from_kursk: bool = False) -> None:
        """Add a unit to a sector's force: personnel add up, quality and cohesion average by personnel."""
        before = self.personnel[side][k]
        total = before + personnel
        if total <= 0:
            return
        self.quality[side][k] = (self.quality[side][k] * before + quality * personnel) / total
        self.cohesion[side][k] = (self.cohesion[side][k] * before + cohesion * personnel) / total
        self.personnel[side][k] = total
        if from_kursk:
            self.from_kursk[side][k] += personnel

    def power(self, side: str, k: int) -> float:
        """A sector force's combat power, by the rule of every unit (supplied by the rear)."""
        return combat_power(self.personnel[side][k], self.quality[side][k], self.cohesion[side][k])

    def lose(self, model: KurskModel, side: str, k: int, lost: float) -> float:
        """Casualties of a sector force, by the rule of every unit; returns those actually lost."""
        personnel = self.personnel[side]
        before = personnel[k]
        lost = lost if lost < before else before
        if lost <= 0.0:
            return 0.0
        cohesion = self.cohesion[side]
        cohesion[k] = cohesion_after(cohesion[k], lost, before, model.p.cohesion_per_loss)
        personnel[k] = before - lost
        if self.from_kursk[side][k]:
            self.from_kursk[side][k] *= (before - lost) / before
        self.losses[side][k] += lost
        model.losses[side] += lost         # (no North Korean units fight in the east: nation = side)
        model.losses_east[side] += lost
        return lost

    # --- where units go -----------------------------------------------------------------------
    def allocate(self, only: tuple[int, ...] = ()) -> int:
        """The sector (node) for the next brigade withdrawn from Kursk: the allocation entry furthest
        below its share of brigades; with `only`, among those sectors alone (their allocation shares,
        or equal shares if the allocation gives them none)."""
        if only:
            shares = dict(self.allocation)
            weights = [(node, shares.get(node, 0.0)) for node in only]
            if sum(w for _, w in weights) <= 0:
                weights = [(node, 1.0) for node in only]
        else:
            weights = self.allocation
        sent = [self.allocated.get(node, 0.0) for node, _ in weights]
        k = apportion([w for _, w in weights], sent, 1.0)
        node = weights[k][0]
        self.allocated[node] = sent[k]
        return node

    def draw_for_kursk(self, model: KurskModel, personnel: float) -> None:
        """A Russian formation of `personnel` arrives in Kursk: ru_grouping_from_east ×
        grouping_origin of it comes out of each eastern sector's Russian force; the rest comes from
        the reserve or from fronts the model does not hold."""
        from_east = model.p.ru_grouping_from_east
        if from_east <= 0.0:
            return
        force = self.personnel["RU"]
        for k, origin in enumerate(self.origin):
            take = min(personnel * from_east * origin, force[k])
            if take > 0.0:
                force[k] -= take
                self.drawn += take

    def russian_destinations(self, model: KurskModel) -> list[float]:
        """Per sector, the share of freed Kursk formations sent there: what the grouping drew from
        each sector (ru_grouping_from_east × grouping_origin) goes back to it; the rest (drawn from
        the reserve or from fronts not modelled) goes where Russia's strength already is, in
        proportion to its force in each sector today (its reserves feed its main efforts)."""
        from_east = model.p.ru_grouping_from_east
        strength = self.personnel["RU"]
        total = sum(strength)
        rest = 1.0 - from_east * sum(self.origin)
        return [from_east * o + rest * (s / total if total else 1.0 / len(strength))
                for o, s in zip(self.origin, strength, strict=True)]

    # --- the day --------------------------------------------------------------------------------
    def step(self, model: KurskModel) -> None:
        self.redeploy_russians(model)
        self.arrivals(model)
        p = model.p
        self.replacements(model, "UA", p.east_ua_replacements_per_day)
        self.replacements(model, "RU", p.east_ru_replacements_per_day)
        recovery = p.cohesion_recovery_per_day
        for cohesion in self.cohesion.values():     # supplied by the rear: cohesion recovers (as in
            for k, c in enumerate(cohesion):         # Kursk, supply comes before the day's fighting)
                cohesion[k] = c + recovery if c + recovery < 1.0 else 1.0
        noise, fade = model.draws.east, 1.0 - 1.0 / REPLACEMENT_MEMORY_DAYS
        recent_ua, recent_ru = self.recent_losses["UA"], self.recent_losses["RU"]
        today = 0.0
        for k in range(len(self.sectors)):
            gain, lost_ua, lost_ru = self.fight(model, k, noise[2 * k + RU], noise[2 * k + UA])
            today += gain
            recent_ua[k] = recent_ua[k] * fade + lost_ua
            recent_ru[k] = recent_ru[k] * fade + lost_ru
        self.gain_today = today
        self.gain_km2 += today

    def arrivals(self, model: KurskModel) -> None:
        """Sector reserves due today, and units whose rail journey ends today, join their sector."""
        while self.due and self.due[0][0] <= model.date:
            _, side, k, personnel, quality = self.due.pop(0)
            self.join(side, k, personnel, quality, 1.0)
        if not self.on_rail:
            return
        arriving = [u for u in model.units if u.posture == RAIL and model.date >= u.until]   # in their order
        self.on_rail = [u for u in self.on_rail if u.alive and u not in arriving]
        for unit in arriving:
            self.join(unit.side, self.position[unit.sector], unit.personnel, unit.quality, unit.cohesion,
                      from_kursk=True)
            model.dissolve(unit)           # it goes on as part of the sector's force

    def send_by_rail(self, model: KurskModel, unit: Brigade, sector: int, days: int) -> None:
        """Put `unit` on the train to `sector` (a node), arriving `days` from today."""
        unit.leave_theatre(RAIL)
        unit.sector = sector
        unit.until = model.date + dt.timedelta(days=days)
        unit.orders = ("by rail to", sector)
        self.on_rail.append(unit)

    def replacement_share(self, side: str) -> list[float]:
        """Per sector, its part of `side`'s replacements today: recent losses, else the start forces."""
        recent = self.recent_losses[side]
        total = sum(recent)
        return [x / total for x in recent] if total > 0 else self.start_share[side]

    def replacements(self, model: KurskModel, side: str, flow: float) -> None:
        """Today's eastern replacements of `side`, shared out over the sectors (cohesion unchanged,
        as for replacements in Kursk)."""
        if flow > 0:
            force = self.personnel[side]
            for k, share in enumerate(self.replacement_share(side)):
                force[k] += flow * share

    def fight(self, model: KurskModel, k: int, noise_ru: float, noise_ua: float) -> tuple[float, float, float]:
        """One day in sector k: (ground Russia took there in km², Ukrainian and Russian killed and
        wounded)."""
        p, protection = model.p, self.protection[k]
        att, dfn = self.power("RU", k), self.power("UA", k)
        if not (doctrine.is_fit(model, self.cohesion["RU"][k]) and doctrine.attacks(model, att, dfn * protection)):
            self.attacking[k] = False
            return 0.0, 0.0, 0.0
        self.attacking[k] = True
        loss_att, loss_def = exchange(att, dfn, p, protection)
        lost_ru = self.lose(model, "RU", k, loss_att * noise_ru)
        lost_ua = self.lose(model, "UA", k, loss_def * noise_ua)
        if self.personnel["UA"][k] <= 0.0 or self.cohesion["UA"][k] < p.break_cohesion:
            km2 = p.advance_km2_per_day             # no defence left, or it has lost its cohesion
        else:
            km2 = advance_km2(self.power("RU", k), self.power("UA", k) * protection, p)
        gain = self.frontage[k] * km2
        self.gain[k] += gain
        return gain, lost_ua, lost_ru

    def redeploy_russians(self, model: KurskModel) -> None:
        """Once the salient has been lost for ru_redeploy_delay_days, send ru_redeploy_share of the
        Russian grouping's personnel east by rail (largest formations first; the North Korean
        contingent stays): each formation to the sector furthest below its share of them."""
        p = model.p
        lost_on = model.salient_lost_on
        if self.redeploy_done or lost_on is None or (model.date - lost_on).days < p.ru_redeploy_delay_days:
            return
        self.redeploy_done = True
        grouping = sorted((u for u in model.field_units if u.nation == "RU"), key=lambda u: (-u.personnel, u.slot))
        goal = p.ru_redeploy_share * sum(u.personnel for u in grouping)
        weights = self.russian_destinations(model)
        sent = [0.0] * len(self.sectors)
        for u in grouping:
            if self.redeployed >= goal:
                break
            k = apportion(weights, sent, u.personnel)
            self.redeployed += u.personnel
            u.place(u.node)                        # off any road it was on
            self.send_by_rail(model, u, self.sectors[k], int(p.ru_transit_days))
