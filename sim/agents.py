"""The agents: brigades (and their Russian counterparts), North Korean units, and reserves.

Agents hold state and answer questions about themselves (how strong am I?). The rules that change
them live in their own modules (movement, supply, combat, control, policy, doctrine, eastern_front),
so that each rule can be read, tested and replaced on its own.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mesa import Agent
from mesa.discrete_space import CellAgent

from .scenario import UnitSpec

if TYPE_CHECKING:
    from .model import KurskModel

# Postures. In the theatre: DEFEND, ATTACK, MOVE, REST, WITHDRAW. Out of it: REFIT (at the Sumy
# depot), RAIL (in transit to the east; on arrival a unit joins its sector's force, sim.eastern_front).
DEFEND, ATTACK, MOVE, REST, WITHDRAW = "defend", "attack", "move", "rest", "withdraw"
REFIT, RAIL = "refit", "rail"
OUT_OF_THEATRE = frozenset({REFIT, RAIL})


def combat_power(personnel: float, quality: float, cohesion: float) -> float:
    """Combat power of a supplied force: personnel × quality, reduced by lost cohesion. The rule of
    every unit and of every eastern sector's force."""
    return personnel * quality * (0.5 + 0.5 * cohesion)


def cohesion_after(cohesion: float, lost: float, personnel: float, per_loss: float) -> float:
    """Cohesion after losing `lost` of `personnel`: down by cohesion_per_loss × the share lost."""
    left = cohesion - per_loss * lost / personnel
    return left if left > 0.0 else 0.0


class Brigade(CellAgent):
    """A manoeuvre unit: a Ukrainian brigade or a Russian formation.

    side is the side it fights for (UA or RU); nation tells Russians from North Koreans.
    """

    def __init__(self, model: KurskModel, spec: UnitSpec, slot: int, personnel: float, quality: float):
        super().__init__(model)
        self.name = spec.name
        self.alive = True
        self.nation = spec.side
        self.side = "UA" if spec.side == "UA" else "RU"
        self.slot = slot                      # its column in the pre-drawn random blocks
        self.mobility = spec.mobility
        self.objective = None if spec.target is None else model.theatre.index[spec.target]
        self.reserve = spec.reserve
        self.personnel = personnel
        self.base_quality = quality
        self.quality = quality                # combat power per soldier (NK units: a learning curve)
        self.unsupplied_power = model.p.unsupplied_power
        self.cohesion = 1.0
        self.stock = model.p.stock_days    # days of supply on hand
        self.supply_ratio = 1.0               # share of today's demand that reached it
        self.encircled = False
        self.garrison = spec.garrison         # holds its node only (a Sumy border garrison)
        self.posture = DEFEND if self.side == "UA" else REST
        self.orders: tuple[str, int | None] = ("hold position", None)   # (what, where), shown by state()
        self.node = model.theatre.index[spec.node]
        self.cell = model.grid[self.node]
        self.goal: int | None = None          # node it is moving to
        self.next_node: int | None = None     # node at the end of the edge it is on
        self.km_left = 0.0                    # still to go on that edge
        self.target: int | None = None        # node it attacks today
        self.via_pipeline = False
        self.engaged = False                  # fought today
        self.consolidating_until = -1         # day until which it consolidates a capture
        self.replenishing = False             # ran out of stock; rests until it is full again (doctrine)
        self.ready = False                    # ready to attack today (doctrine.is_ready, set with the orders)
        self.until = None                     # end of refit or of the rail journey
        self.sector: int | None = None        # eastern sector, once allocated

    # --- what the rules ask ------------------------------------------------------------------
    exposure = 1.0                            # multiplier on its own losses when it attacks
    learns = False                            # whether days in combat change it (North Korean units)

    @property
    def in_theatre(self) -> bool:
        return self.posture not in OUT_OF_THEATRE

    @property
    def in_transit(self) -> bool:
        return self.next_node is not None

    @property
    def power(self) -> float:
        """Combat power: personnel × quality, reduced by lost cohesion and by an empty stock."""
        power = combat_power(self.personnel, self.quality, self.cohesion)
        return power if self.stock > 0 else power * self.unsupplied_power

    @property
    def orders_text(self) -> str:
        what, where = self.orders
        return what if where is None else f"{what} {self.model.theatre.names[where]}"

    def place(self, node: int) -> None:
        """Arrive at `node` (ends any edge in progress)."""
        self.model.stale = True
        self.node = node
        self.cell = self.model.grid[node]
        self.next_node = None
        self.km_left = 0.0
        self.via_pipeline = False

    def leave_theatre(self, posture: str) -> None:
        """Go out of the theatre (refit, rail, east): no longer on the map's front."""
        self.posture, self.goal, self.target = posture, None, None
        self.model.stale = True

    def state(self) -> dict:
        """Details on demand (command line, visualiser)."""
        return {
            "name": self.name, "nation": self.nation, "node": self.model.theatre.names[self.node],
            "personnel": round(self.personnel), "cohesion": round(self.cohesion, 3),
            "supply_days": round(self.stock, 2), "supply_ratio": round(self.supply_ratio, 3),
            "posture": self.posture, "orders": self.orders_text, "power": round(self.power),
        }


class NorthKoreanUnit(Brigade):
    """A North Korean unit: dense infantry assaults, poorly adapted to drones at first.

    Its learning curve runs on days in combat: exposure (extra own losses when attacking) falls and
    quality rises, both exponentially with e-folding time nk_learning_days.
    """

    learns = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.days_in_combat = 0

    @property
    def days_in_combat(self) -> int:
        return self._days_in_combat

    @days_in_combat.setter
    def days_in_combat(self, days: int) -> None:
        # Quality and exposure move only when this does; kept as plain attributes because combat
        # power is asked for tens of thousands of times a run.
        p = self.model.p
        self._days_in_combat = days
        learned = 1.0 - math.exp(-days / p.nk_learning_days)
        self.quality = self.base_quality + (p.nk_learned_quality - self.base_quality) * learned
        self.exposure = p.nk_initial_exposure + (p.nk_learned_exposure - p.nk_initial_exposure) * learned

    def state(self) -> dict:
        return {**super().state(), "days_in_combat": self.days_in_combat,
                "exposure": round(self.exposure, 3)}


class Reserve(Agent):
    """A side's reserve: releases scheduled formations and feeds replacements.

    Russian waves and the North Korean contingent arrive through it; the Ukrainian reserve sends
    its brigades and replacements where the policy says (Kursk or the eastern front). Survivors who
    exfiltrate from an encirclement return to it as replacements.
    """

    def __init__(self, model: KurskModel, side: str, schedule: list[tuple], replacements_per_day: float):
        super().__init__(model)
        self.side = side
        self.schedule = sorted(schedule, key=lambda item: (item[0], item[1]))  # (date, slot, spec)
        self.replacements_per_day = replacements_per_day
        self.pool = 0.0                       # personnel waiting to be assigned

    def due(self, date) -> list[tuple[int, UnitSpec]]:
        """Formations whose arrival date has come, in a fixed order."""
        released = []
        while self.schedule and self.schedule[0][0] <= date:
            _, slot, spec = self.schedule.pop(0)
            released.append((slot, spec))
        return released

    def release(self) -> float:
        """Everyone waiting today: the day's replacements and the returned survivors; the pool empties."""
        released, self.pool = self.pool + self.replacements_per_day, 0.0
        return released

    def replacements(self, receivers: list[Brigade]) -> None:
        """Hand the day's replacements (and returned survivors) out in equal shares."""
        self.pool += self.replacements_per_day
        if not receivers or self.pool <= 0:
            return
        share = self.pool / len(receivers)
        for unit in receivers:
            unit.personnel += share
        self.pool = 0.0
