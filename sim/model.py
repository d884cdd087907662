"""The Kursk campaign model: one day per step, from the peak of the salient (August 2024) to the end of the
scenario's horizon (May 2025), with the eastern front as a second theatre."""

from __future__ import annotations

import datetime as dt
import io
import pickle

import numpy as np
from mesa import Model
from mesa.discrete_space import Network

from . import combat, control, doctrine, movement, supply
from .agents import OUT_OF_THEATRE, Brigade, NorthKoreanUnit, Reserve, cohesion_after
from .eastern_front import EasternFront
from .fire_control import drone_range_km
from .policy import make_policy
from .randomness import RandomStreams
from .scenario import Scenario
from .theatre import Theatre

# Columns of the daily record, in order. The first ten are the interface later tools rely on; the
# record of a scenario ends with one column of Russian gains per eastern sector (record_columns).
COLUMNS = (
    "day", "date", "ua_kursk_area_km2", "ru_east_gain_km2", "ua_losses", "ru_losses", "nk_losses",
    "ua_captured", "ua_personnel_kursk", "supply_road_cut",
    "ru_personnel_kursk", "nk_personnel_kursk", "ua_personnel_east", "ua_brigades_kursk",
    "ua_supplied_share", "drone_range_km", "ru_east_gain_day_km2", "ru_redeployed_east",
    "ua_losses_kursk", "ua_losses_east", "ua_losses_total", "ua_personnel_end", "ru_losses_total",
    "ru_sumy_gain_km2", "ua_personnel_east_total", "ru_personnel_east", "ru_drawn_from_east",
)


def record_columns(scenario: Scenario) -> tuple[str, ...]:
    """The columns of a run's daily record: COLUMNS, then ru_gain_km2_<sector> per eastern sector."""
    return COLUMNS + tuple(s.column for s in scenario.east_sectors)


class _SharingPickler(pickle.Pickler):
    """Pickles a model, leaving out (by reference) the objects in `shared`."""

    def __init__(self, file, shared: dict[int, int]):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.shared = shared

    def persistent_id(self, obj):
        return self.shared.get(id(obj))


class _SharingUnpickler(pickle.Unpickler):
    def __init__(self, file, shared: list):
        super().__init__(file)
        self.shared = shared

    def persistent_load(self, pid):
        return self.shared[pid]


def as_seed_sequence(seed: int | np.random.SeedSequence) -> np.random.SeedSequence:
    return seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)


class KurskModel(Model):
    """Brigades, reserves and North Korean units on the theatre graph, under a Ukrainian policy.

    Parameters
    ----------
    scenario : a loaded, validated Scenario.
    policy : "hold" or "withdraw".
    seed : an int or a numpy SeedSequence (batches pass SeedSequence(root, spawn_key=(rep,))).
    """

    def __init__(self, scenario: Scenario, policy: str = "hold", seed: int | np.random.SeedSequence = 0):
        self.seed_sequence = as_seed_sequence(seed)
        super().__init__(rng=self.seed_sequence)
        self.campaign = scenario           # (Mesa reserves `scenario` for its own Scenario class)
        self.p = scenario.params
        self.theatre = th = Theatre.of(scenario)
        self.grid = Network(th.graph(), layout=th.positions(), random=self.random)
        self.policy = make_policy(policy, self.p)
        self.day, self.date = 0, scenario.start
        self.control = list(th.initial_control)
        self.control_state = th.control_state(self.control)   # changes with every transfer of a node
        self.contested = [0.0] * th.n          # km² of each node taken by the side attacking it
        self.ua_area = control.ua_area_km2(self)
        self.fire = th.fire_control
        self._fire_memo: dict = {}
        self.captures: list = []
        self.stale = True                      # someone moved, arrived, left or died since refresh()
        self.range_km = None
        self.losses = {"UA": 0.0, "RU": 0.0, "NK": 0.0}         # killed and wounded, both theatres
        self.losses_east = {"UA": 0.0, "RU": 0.0, "NK": 0.0}    # ... of which in the eastern sectors
        self.captured = {"UA": 0.0, "RU": 0.0}
        self.salient_lost_on: dt.date | None = None   # the first day no Ukrainian brigade stood on Kursk ground
        self.columns = record_columns(scenario)

        specs = scenario.units
        self.draws = RandomStreams(self.seed_sequence, scenario.n_days, th.n, len(specs),
                                   len(scenario.east_sectors), self.p.attrition_noise_cv)
        self.east = EasternFront(scenario, th.index, th.protection)
        self.units: list[Brigade] = []
        schedule = {"UA": [], "RU": []}
        east_nodes = {s.node for s in scenario.east_sectors}
        for slot, spec in enumerate(specs):
            if spec.node in east_nodes:
                continue                                      # part of a sector's force (EasternFront)
            if scenario.arrival(spec) <= scenario.start:
                self.raise_unit(slot, spec)
            else:
                schedule["UA" if spec.side == "UA" else "RU"].append((scenario.arrival(spec), slot, spec))
        self.reserves = {
            "UA": Reserve(self, "UA", schedule["UA"], self.p.ua_replacements_per_day),
            "RU": Reserve(self, "RU", schedule["RU"], self.p.ru_replacements_per_day),
        }
        self.records: list[tuple] = []
        self.refresh()
        self.policy.setup(self)                # (the counterfactual moves units: refresh again)
        if self.stale:
            self.refresh()
        self.record()

    # --- the day ------------------------------------------------------------------------------
    def step(self) -> None:
        """One day (Mesa's step: the visualiser and anyone stepping by hand go through Mesa's clock)."""
        self.advance_day()

    def run(self, until: dt.date | None = None) -> "KurskModel":
        """Run to the end of the horizon, or until the next day to simulate is `until`. Each day
        advances Mesa's clock and step counter as Mesa's own step would, without routing the day
        through Mesa's event list: the model schedules no events, and that routing costs about a
        tenth of a run (bench/README.md)."""
        while self.running and (until is None or self.date + dt.timedelta(days=1) < until):
            self.steps += 1
            self.time += 1
            self.advance_day()
        return self

    def fork(self, scenario: Scenario, policy: str) -> "KurskModel":
        """This campaign as it stands today, continued under another policy.

        Exact only while the other policy has given the same orders as this one, i.e. before the
        day it diverges (Policy.diverges_on), and when `scenario` differs from this model's only in
        the policy's own parameters: a batch then simulates the days the policies share once
        (sim.batch). The copy shares what no day changes (theatre, scenario, fire-control geometry,
        the pre-drawn random numbers; the memoised searches live on the theatre), shares the past
        records (never changed, only added to), and duplicates the rest through pickle, which is
        about twice as fast as deepcopy.
        """
        d = self.draws
        shared = [self.theatre, self.campaign, self.p, self.fire, d._combat, d._movement, d._supply, d._east]
        kept = self.records, self._fire_memo
        self.records, self._fire_memo = [], {}
        buffer = io.BytesIO()
        try:
            _SharingPickler(buffer, {id(x): i for i, x in enumerate(shared)}).dump(self)
        finally:
            self.records, self._fire_memo = kept
        buffer.seek(0)
        twin = _SharingUnpickler(buffer, shared).load()
        twin.records, twin._fire_memo = list(kept[0]), dict(kept[1])
        twin.campaign, twin.p = scenario, scenario.params
        twin.policy = make_policy(policy, scenario.params)
        return twin

    def advance_day(self) -> None:
        """One day, in the documented order (docs/ODD.md, 'Process overview and scheduling')."""
        self.day += 1
        self.date = self.campaign.start + dt.timedelta(days=self.day)
        self.draws.day(self.day)
        self.arrivals()                                   # 1. arrivals and reserve commitment
        if self.stale or drone_range_km(self.p, self.date) != self.range_km:
            self.refresh()
        self.watch_salient()
        self.policy.orders(self)                          # 2. orders: Ukrainian policy ...
        doctrine.russian_orders(self)                     #    ... and Russian doctrine
        for unit in list(self.field_units):               # 3. movement (a copy: losses may dissolve)
            if unit.goal is not None and unit.alive:
                movement.march(self, unit, self._fire[unit.side])
        if self.stale:
            self.refresh()
        supply.resupply(self)                             # 4. supply, encirclement, surrender
        combat.fight(self)                                # 5. combat (dissolve() keeps the lists current)
        if self.captures:
            control.apply_captures(self)                  # 6. control and area held
        if self.stale:
            self.refresh()
        self.east.step(self)                              # 7. the eastern front
        self.record()                                     # 8. data collection
        if self.day >= self.campaign.n_days:
            self.running = False

    # --- arrivals and reserves ----------------------------------------------------------------------
    def raise_unit(self, slot: int, spec) -> Brigade:
        quality = spec.quality or getattr(self.p, f"{spec.side.lower()}_quality")
        cls = NorthKoreanUnit if spec.side == "NK" else Brigade
        unit = cls(self, spec, slot, self.campaign.strength(spec), quality)
        self.stale = True
        self.units.append(unit)
        return unit

    def arrivals(self) -> None:
        """Release the formations due today and hand out the Kursk theatre's replacements."""
        for reserve in self.reserves.values():
            for slot, spec in reserve.due(self.date):
                unit = self.raise_unit(slot, spec)
                if self.control[unit.node] != unit.side:      # its assembly area is lost: use a depot
                    unit.place(self.theatre.depots[unit.side][0][0])
                if unit.nation == "RU":
                    self.east.draw_for_kursk(self, unit.personnel)
        ua = self.reserves["UA"]
        if self.policy.reinforce_east(self):                  # replacements (and survivors) go east
            self.east.replacements(self, "UA", ua.release())
        else:
            ua.replacements([b for b in self.field_units if b.side == "UA" and not b.garrison and b.supply_ratio > 0])
        self.reserves["RU"].replacements([u for u in self.field_units if u.nation == "RU" and u.supply_ratio > 0])

    def watch_salient(self) -> None:
        """Note the first day no Ukrainian brigade (garrisons aside) stands on Kursk ground: from
        then on the salient is lost, for both sides' orders and for Russia's redeployment."""
        if self.salient_lost_on is None and not any(
                u.side == "UA" and not u.garrison and self.theatre.in_kursk[u.node] for u in self.field_units):
            self.salient_lost_on = self.date

    # --- bookkeeping the rules share ----------------------------------------------------------
    def refresh(self) -> None:
        """Recompute who is where and what each side's drones cover (after anything moved)."""
        self.stale = False
        self.field_units = field = [u for u in self.units if u.posture not in OUT_OF_THEATRE]
        nodes = {"UA": set(), "RU": set()}
        for u in field:
            nodes[u.side].add(u.node)
        rng_km = drone_range_km(self.p, self.date)
        self.range_km = rng_km
        self._fire = {
            "UA": self.fire.links_under_fire(tuple(sorted(nodes["RU"])), rng_km),   # links UA must fear
            "RU": self.fire.links_under_fire(tuple(sorted(nodes["UA"])), rng_km),
        }

    def fire_on(self, side: str) -> frozenset[int]:
        """Links under the enemy's fire control, as seen by `side`."""
        return self._fire[side]

    def _cached(self, key: tuple, build):
        """`build()` for `key` under today's control map, from the theatre's memo when any run of
        the process has built it before (`build` must depend on nothing but the key and the map)."""
        key = (*key, self.control_state)
        memo = self.theatre.memo
        hit = memo.get(key)
        if hit is None:
            if len(memo) > 65536:
                memo.clear()
            hit = memo[key] = build()
        return hit

    def links_held(self, side: str, both_ends: bool) -> frozenset[int]:
        """Ground links with both ends (or at least one end) on `side`'s ground."""
        def build():
            c = self.control
            return frozenset(lk.index for lk in self.theatre.links if not lk.rail_days and (
                (c[lk.a] == side and c[lk.b] == side) if both_ends else (c[lk.a] == side or c[lk.b] == side)))
        return self._cached(("held links", side, both_ends), build)

    def fire_over(self, side: str, both_ends: bool) -> frozenset[int]:
        """The enemy's fire on links held by `side` (see links_held): the part of fire control that
        can change `side`'s supply or routes. The same object until fire or control changes, so that
        the caches keyed on it hash it once."""
        key, fire = (side, both_ends), self._fire[side]
        memo = self._fire_memo.get(key)
        if memo is None or memo[0] is not fire or memo[1] != self.control_state:
            memo = self._fire_memo[key] = (fire, self.control_state,
                                           fire & self.links_held(side, both_ends))
        return memo[2]

    def supply_network(self, side: str):
        # Only fire on links inside its own ground can cut a side's supply: keying the cache on that
        # part alone spares a rebuild whenever the enemy's drones merely shift over its own ground.
        fire = self.fire_over(side, both_ends=True)
        return self._cached(("supply", side, fire),
                            lambda: supply.supply_tree(self.theatre, side, self.control, fire))

    def connected_to_depot(self, side: str) -> list[bool]:
        return self._cached(("connected", side),
                            lambda: supply.connected(self.theatre, side, self.control))

    def depot_nodes(self, side: str) -> tuple[int, ...]:
        return tuple(node for node, _ in self.theatre.depots[side])

    def routes(self, side: str, goals: tuple[int, ...], infantry: bool = False) -> list[int]:
        """Next hop towards `goals` through `side`'s ground ("ANY": through any ground)."""
        # A route runs over links with at least one end on the side's ground (the last may lead to
        # an enemy-held goal): fire elsewhere cannot change it.
        fire = self.fire_over(side, both_ends=False) if side != "ANY" else frozenset()

        def build():
            passable = [True] * self.theatre.n if side == "ANY" else [c == side for c in self.control]
            return movement.route_table(self.theatre, passable, goals, fire, infantry)
        return self._cached(("route", side, goals, infantry, fire), build)

    def frontier(self, side: str) -> tuple[int, ...]:
        """Nodes held by `side` next to enemy-held ground it may attack (Kursk; for Russia, the Sumy
        targets too once the salient is lost)."""
        th = self.theatre
        sumy_open = side == "RU" and self.salient_lost_on is not None

        def build():
            target, control = th.may_attack(sumy_open), self.control
            return tuple(n for n in range(th.n) if control[n] == side and any(
                control[m] != side and target[m] for m in th.neighbours[n]))
        return self._cached(("frontier", side, sumy_open), build)

    def threat_to(self, side: str) -> list[float]:
        """Per node held by `side`: enemy combat power on the neighbouring nodes."""
        neighbours, control = self.theatre.neighbours, self.control
        threat = [0.0] * self.theatre.n
        for u in self.field_units:
            if u.side != side:
                power = None
                for m in neighbours[u.node]:
                    if control[m] == side:
                        if power is None:
                            power = u.power
                        threat[m] += power
        return threat

    def ukrainian_brigades(self) -> list[Brigade]:
        return [u for u in self.units if u.side == "UA"]

    # --- what happens to units ----------------------------------------------------------------
    def inflict(self, unit: Brigade, lost: float) -> None:
        """Casualties (killed and wounded): personnel, cohesion, the loss account; remnants dissolve."""
        if lost <= 0.0 or not unit.alive:
            return
        lost = min(lost, unit.personnel)
        unit.cohesion = cohesion_after(unit.cohesion, lost, unit.personnel, self.p.cohesion_per_loss)
        unit.personnel -= lost
        self.losses[unit.nation] += lost
        if unit.personnel <= 0.0 or unit.personnel < self.p.remnant_personnel:
            self.reserves[unit.side].pool += unit.personnel      # the remnant rejoins as replacements
            self.dissolve(unit)

    def capitulate(self, unit: Brigade) -> None:
        """An encircled or overrun unit: part is captured, the rest exfiltrates at a cost."""
        p = self.p
        taken = unit.personnel * p.surrender_captured_share
        rest = unit.personnel - taken
        self.captured[unit.side] += taken
        self.losses[unit.nation] += rest * p.breakout_loss_share
        self.reserves[unit.side].pool += rest * (1.0 - p.breakout_loss_share)
        unit.personnel = 0.0
        self.dissolve(unit)

    def dissolve(self, unit: Brigade) -> None:
        self.stale = True                      # the lists stay right; fire control waits for refresh()
        unit.alive = False
        unit.target = None
        self.units.remove(unit)
        if unit in self.field_units:
            self.field_units.remove(unit)
        unit.remove()

    # --- data ---------------------------------------------------------------------------------
    def record(self) -> None:
        th, east = self.theatre, self.east
        ua_kursk = ru_kursk = nk_kursk = ua_all = 0.0
        brigades = 0
        supplied = ua_field = 0.0
        for u in self.units:
            if u.side == "UA":
                ua_all += u.personnel
                if u.in_theatre:
                    ua_field += u.personnel
                    supplied += u.personnel * u.supply_ratio
                    if th.in_kursk[u.node]:
                        ua_kursk += u.personnel
                        brigades += 1
            elif u.nation == "NK":
                nk_kursk += u.personnel
            elif u.in_theatre:
                ru_kursk += u.personnel
        ua_east_total = sum(east.personnel["UA"])
        losses, away, captured = self.losses, self.losses_east, self.captured
        self.records.append((
            self.day, self.date.isoformat(), max(0.0, self.ua_area), east.gain_km2,
            losses["UA"], losses["RU"], losses["NK"], captured["UA"], ua_kursk,
            control.main_supply_route_cut(self),
            ru_kursk, nk_kursk, sum(east.from_kursk["UA"]), brigades, supplied / ua_field if ua_field else 0.0,
            self.range_km, east.gain_today, east.redeployed,
            losses["UA"] - away["UA"] + captured["UA"], away["UA"], losses["UA"] + captured["UA"],
            ua_all + ua_east_total, losses["RU"] + losses["NK"] + captured["RU"], control.ru_sumy_km2(self),
            ua_east_total, sum(east.personnel["RU"]), east.drawn, *east.gain,
        ))

    def summary(self) -> dict:
        """Final values, with the policy, its parameters and the seed."""
        final = dict(zip(self.columns, self.records[-1], strict=True))
        ss = self.seed_sequence
        return {
            "scenario": self.campaign.name, "variant": self.campaign.variant,
            "policy": self.policy.name, "policy_parameters": self.policy.describe(),
            "seed": {"entropy": ss.entropy, "spawn_key": list(ss.spawn_key)},
            "start_date": self.campaign.start.isoformat(), "end_date": self.date.isoformat(),
            "final": final,
        }
