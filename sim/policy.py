"""Ukrainian policies: `hold` the salient, or `withdraw` and reinforce the eastern front; and the
counterfactual `no_incursion` (the Kursk grouping holds eastern sectors from the start).

A policy gives the day's orders to the Ukrainian brigades and decides where the reserve sends its
brigades and replacements. Both share the defensive doctrine below and the fate of the survivors
once the salient is lost (they refit and go east); they differ in what happens from the decision
date on.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from . import control
from .agents import DEFEND, MOVE, REFIT, REST, WITHDRAW, Brigade

if TYPE_CHECKING:
    from .model import KurskModel
    from .parameters import Parameters

RALLY_COHESION = 0.7    # a resting brigade returns to the line above this (assumption, see ODD)


def defend(model: KurskModel, brigades: list[Brigade]) -> None:
    """Ukrainian defensive doctrine: hold the line where the enemy presses, rest what is broken.

    Brigades in contact stay. Brigades with no enemy near go, nearest first, to the most threatened
    frontier node that no brigade covers (a brigade covers its node and the nodes next to it); any
    left over thicken the line where the threat is largest for the defence already there. Brigades
    below break_cohesion fall back out of contact (towards Sumy) and rest until they rally.
    """
    th, control, p = model.theatre, model.control, model.p
    threat = model.threat_to("UA")
    sumy = (th.sumy,)
    covered: set[int] = set()
    defence = [0.0] * th.n                 # Ukrainian power on or heading to each node
    idle: list[Brigade] = []
    for b in brigades:
        if b.in_transit:
            defence[b.next_node] += b.power
            continue
        near = [b.node] + [nb for nb in th.neighbours[b.node] if control[nb] == "UA"]
        in_contact = any(threat[n] > 0 for n in near)
        if b.cohesion < p.break_cohesion or (b.posture == REST and b.cohesion < RALLY_COHESION):
            b.posture = REST
            b.goal, b.orders = (sumy, ("fall back to rest", None)) if in_contact else (None, ("rest and refit", None))
            continue
        b.posture = DEFEND
        if in_contact:
            b.goal, b.orders = None, ("hold", b.node)
            covered.update(near)
            defence[b.node] += b.power
        else:
            idle.append(b)
    frontier = sorted((n for n in range(th.n) if threat[n] > 0 and control[n] == "UA"),
                      key=lambda n: (-threat[n], n))

    def send(b: Brigade, n: int, why: str) -> None:
        idle.remove(b)
        b.posture, b.goal, b.orders = MOVE, (n,), (why, n)
        defence[n] += b.power

    def nearest(n: int) -> Brigade:
        return min(idle, key=lambda u: ((th.x[u.node] - th.x[n]) ** 2 + (th.y[u.node] - th.y[n]) ** 2, u.slot))

    for n in frontier:
        if n in covered or not idle:
            continue
        send(nearest(n), n, "cover")
        covered.update(th.neighbours[n])
    while idle and frontier:
        n = max(frontier, key=lambda m: (threat[m] / (1.0 + defence[m]), -m))
        send(nearest(n), n, "reinforce")


def rail_east(model: KurskModel, b: Brigade) -> None:
    """Send a brigade from the Sumy depot by rail to its allocated eastern sector (among the
    policy's sectors, if it names any)."""
    sector = model.east.allocate(model.policy.sectors(model))
    model.east.send_by_rail(model, b, sector, model.theatre.link_between[(model.theatre.sumy, sector)].rail_days)


def out_of_theatre(model: KurskModel, b: Brigade) -> None:
    """Refit, then the rail to the east (the eastern front receives the brigade on arrival): the
    same under every policy."""
    if b.posture == REFIT and model.date >= b.until:
        rail_east(model, b)


def pull_out(model: KurskModel, fraction: float) -> None:
    """Order `fraction` of the brigades in the theatre (garrisons aside) back to Sumy, those out of
    contact first, the ones in contact last (the rear guard)."""
    threat = model.threat_to("UA")
    th = model.theatre
    brigades = [b for b in model.ukrainian_brigades() if b.in_theatre and not b.garrison and b.posture != WITHDRAW]
    brigades.sort(key=lambda b: (max([threat[b.node]] + [threat[n] for n in th.neighbours[b.node]]), b.slot))
    for b in brigades[:round(fraction * len(brigades))]:
        b.posture, b.goal, b.target = WITHDRAW, (th.sumy,), None
        b.orders = ("withdraw to Sumy", None)


def pull_back(model: KurskModel, b: Brigade) -> None:
    """One day of a withdrawing brigade: on to Sumy over its own ground, refit there, or, if cut
    off, fight through the first enemy node on the shortest way home."""
    th = model.theatre
    b.target = None
    if b.node == th.sumy:
        b.leave_theatre(REFIT)
        b.until = model.date + dt.timedelta(days=int(model.p.refit_days))
        b.orders = ("refit at Sumy", None)
        return
    if b.in_transit:
        return
    if model.routes("UA", (th.sumy,))[b.node] >= 0:
        b.goal, b.orders = (th.sumy,), ("withdraw to Sumy", None)
        return
    hop = model.routes("ANY", (th.sumy,))[b.node]
    if hop >= 0 and model.control[hop] != "UA":
        b.goal, b.target, b.orders = None, hop, ("break out through", hop)


class Policy:
    """Orders for the Ukrainian brigades and the reserve's destination.

    What every policy shares: the defensive doctrine; garrisons hold their node; once the salient is
    lost (no brigade left on Kursk ground, `KurskModel.watch_salient`) the survivors withdraw, refit
    and go east, and the reserves and replacements go east with them. A policy adds its own decision
    (`decide`) and may send the reserves east earlier (`reinforce_east`).
    """

    name = "policy"
    parameters: tuple[str, ...] = ()       # scenario parameters that belong to the policy alone

    def __init__(self, params: Parameters):
        self.params = params
        self.survivors_ordered = False

    def describe(self) -> dict:
        return {}

    def diverges_on(self) -> dt.date | None:
        """The first date on which this policy's orders can differ from `hold`'s (None: never).
        Up to the day before, a run under it is the `hold` run of the same seed (KurskModel.fork)."""
        return None

    def reinforce_east(self, model: KurskModel) -> bool:
        """Whether reserve brigades and replacements go east (True) or into Kursk (False) today."""
        return model.salient_lost_on is not None

    def sectors(self, model: KurskModel) -> tuple[int, ...]:
        """The eastern sectors (nodes) brigades sent east may go to; () = by the [east] allocation."""
        return ()

    def decide(self, model: KurskModel) -> None:
        """The policy's own decision of the day, before the day's orders (none under `hold`)."""

    def setup(self, model: KurskModel) -> None:
        """Change the starting position, before the first day (only the counterfactual does)."""

    def orders(self, model: KurskModel) -> None:
        self.decide(model)
        if model.salient_lost_on is not None and not self.survivors_ordered:
            self.survivors_ordered = True
            pull_out(model, 1.0)
        th, east = model.theatre, self.reinforce_east(model)
        staying = []
        for b in model.ukrainian_brigades():
            if b.garrison:
                b.goal, b.orders = None, ("hold", b.node)
            elif not b.in_theatre:
                out_of_theatre(model, b)
            elif b.posture == WITHDRAW:
                pull_back(model, b)
            elif east and b.reserve and b.node == th.sumy:
                b.leave_theatre(REFIT)                     # fresh reserve: straight to the railhead
                b.until = model.date
                out_of_theatre(model, b)
            else:
                staying.append(b)
        defend(model, staying)


class Hold(Policy):
    """Defend the salient and feed the reserves into it: the historical course."""

    name = "hold"


class Withdraw(Policy):
    """From withdraw_date, pull withdraw_fraction of the brigades back to Sumy along supplied
    routes, refit them, and send them by rail to the eastern sectors (withdraw_sectors, or by the
    allocation). Brigades already cut off fight their way out. Reserves go east from the same date.
    """

    name = "withdraw"
    parameters = ("withdraw_date", "withdraw_fraction", "withdraw_sectors")

    def __init__(self, params: Parameters):
        super().__init__(params)
        self.date = params.withdraw_date
        self.fraction = params.withdraw_fraction
        self.sector_names = params.withdraw_sectors
        self.ordered = False

    def describe(self) -> dict:
        out = {"withdraw_date": self.date.isoformat(), "withdraw_fraction": self.fraction}
        if self.sector_names:
            out["withdraw_sectors"] = list(self.sector_names)
        return out

    def sectors(self, model: KurskModel) -> tuple[int, ...]:
        """withdraw_sectors: every brigade sent east goes to one of these (the seed article's
        'reinforce Zaporizhzhia' is Orikhiv and Huliaipole); none named: by the [east] allocation."""
        return tuple(model.theatre.index[name] for name in self.sector_names)

    def diverges_on(self) -> dt.date:
        return self.date           # before it, orders and reserves go exactly as under hold

    def reinforce_east(self, model: KurskModel) -> bool:
        return model.date >= self.date or super().reinforce_east(model)

    def decide(self, model: KurskModel) -> None:
        if model.date >= self.date and not self.ordered:
            self.ordered = True
            pull_out(model, self.fraction)


class NoIncursion(Policy):
    """The counterfactual: no incursion. The Ukrainian brigades of the Kursk grouping hold eastern
    sectors from the start date (by the [east] allocation), and so do its reserves and replacements;
    Kursk oblast is Russian. The Russian Kursk grouping is where it came from: the formations that
    met the incursion and the waves sent after it are never raised, so the share the grouping would
    have drawn from the eastern sectors (ru_grouping_from_east, by grouping_origin) stays there and
    the rest stays in the reserve, outside the model. The North Korean contingent stays home, or with
    nk_east_without_incursion = 1 joins the eastern sectors on its arrival date. Sumy garrisons hold
    their villages; with no Russian force in Kursk nobody attacks them. Same seeds as every policy:
    the eastern sectors draw the same numbers, so the comparison is paired.
    """

    name = "no_incursion"
    parameters = ("nk_east_without_incursion",)

    def describe(self) -> dict:
        return {"nk_east_without_incursion": self.params.nk_east_without_incursion}

    def diverges_on(self) -> dt.date:
        return dt.date.min         # from the first day: never a fork of the hold run

    def reinforce_east(self, model: KurskModel) -> bool:
        return True

    def setup(self, model: KurskModel) -> None:
        th, east, p = model.theatre, model.east, model.p
        for unit in list(model.units):
            if unit.side == "UA" and not unit.garrison:          # the Kursk grouping: east from day 0
                sector = east.position[east.allocate()]
                east.join("UA", sector, unit.personnel, unit.quality, unit.cohesion, from_kursk=True)
                model.dissolve(unit)
            elif unit.side == "RU":                              # the Russians who met it: elsewhere
                model.dissolve(unit)
        russian = model.reserves["RU"]
        nk = [spec for _, _, spec in russian.schedule if spec.side == "NK"]
        russian.schedule = []                                    # no waves are sent to Kursk
        if p.nk_east_without_incursion == 1 and nk:
            shares = east.russian_destinations(model)
            personnel = sum(model.campaign.strength(spec) for spec in nk)
            for k, share in enumerate(shares):
                if share > 0:
                    east.due.append((p.nk_arrival, "RU", k, personnel * share, p.nk_quality))
            east.due.sort(key=lambda d: d[0])
        for node in range(th.n):                                 # Kursk oblast stays Russian (held area 0)
            if th.in_kursk[node] and model.control[node] == "UA":
                control.transfer(model, node, "RU")


POLICIES = {cls.name: cls for cls in (Hold, Withdraw, NoIncursion)}


def make_policy(name: str, params: Parameters) -> Policy:
    """The policy called `name` (KeyError lists the names allowed)."""
    try:
        return POLICIES[name](params)
    except KeyError:
        raise KeyError(f"unknown policy {name!r}; allowed: {', '.join(POLICIES)}") from None
