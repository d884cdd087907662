"""Combat: a generalised Lanchester (Helmbold-type) attrition law with drawn casualties.

    loss_A = k · U · (P_B / U)^p · (P_A / U)^q      per day

P are combat powers, U the force unit that keeps k meaningful when q ≠ 0. p = 1, q = 0 is
Lanchester's square law (aimed fire); p = 1, q = 1 his linear law (area fire). Terrain and
fortification protect the defender, attackers are more exposed (North Koreans, early on, much
more), supply and cohesion enter through combat power, and each day's losses are the expectation
times a mean-one lognormal draw, so they are drawn, not computed.

After the day's fighting the defender gives up the node when the attacker reaches the breakthrough
ratio against it or its units have lost their cohesion; short of that, an attacker above parity takes
ground (advance_km2_per_day at the breakthrough ratio, nothing at parity) until it holds the whole
node. Combat only decides; control applies.

The same law (`exchange`, with the same draws) and advance rule (`advance_km2`) decide the fighting
in the eastern sectors (sim.eastern_front): one law in both theatres. `battle` shares a day's losses
among the units of a Kursk engagement.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .control import gain_ground

if TYPE_CHECKING:
    from .agents import Brigade
    from .model import KurskModel
    from .parameters import Parameters

SIDE_COLUMN = {"UA": 0, "RU": 1}


def attrition(enemy_power: float, own_power: float, k: float, p: float, q: float, unit: float) -> float:
    """Expected losses per day of a force of `own_power` under fire from `enemy_power`."""
    if enemy_power <= 0.0:
        return 0.0
    return k * unit * (enemy_power / unit) ** p * ((own_power / unit) ** q if q else 1.0)


def exchange(attacker: float, defender: float, params: Parameters, protection: float = 1.0) -> tuple[float, float]:
    """Expected (attacker losses, defender losses) of one day's engagement.

    `protection` (terrain × fortification) divides the defender's losses; the attacker's are
    multiplied by attacker_exposure.
    """
    k, p, q, u = (params.attrition_coefficient, params.attrition_enemy_exponent,
                  params.attrition_own_exponent, params.force_unit)
    return (attrition(defender, attacker, k, p, q, u) * params.attacker_exposure,
            attrition(attacker, defender, k, p, q, u) / protection)


def fight(model: KurskModel) -> None:
    """Resolve every attack ordered today, node by node in a fixed order."""
    for u in model.field_units:
        u.engaged = False
    attacks: dict[int, list[Brigade]] = {}
    for u in model.field_units:
        if u.target is not None and (u.next_node is None or u.km_left <= 0):
            attacks.setdefault(u.target, []).append(u)
    sides = {"UA": [u for u in model.field_units if u.side == "UA"],
             "RU": [u for u in model.field_units if u.side == "RU"]}
    for node in sorted(attacks):
        engage(model, node, attacks[node], sides["UA" if attacks[node][0].side == "RU" else "RU"])


def defence(model: KurskModel, node: int, attacker_side: str,
            candidates: list[Brigade] | None = None) -> list[tuple[Brigade, float]]:
    """Units defending `node` against `attacker_side`, each with the weight of its power there.

    A brigade holds a sector, not a point: it brings its full power to its own node and
    sector_support^h of it to a node h hops away (h <= sector_depth_hops), if it stands on ground its
    side holds and is not itself attacking or on the move. A garrison holds its own node only. `candidates` narrows the units looked at
    (a caller asking about many nodes filters the field once).
    """
    p = model.p
    sector = model.theatre.sectors(p.sector_depth_hops, p.sector_support)[node]
    weights = []
    for d in model.field_units if candidates is None else candidates:
        if holds_sector(model, d, attacker_side):
            if d.garrison:
                w = 1.0 if d.node == node else None   # a garrison holds its own node only
            else:
                w = sector.get(d.node)            # hops are symmetric: node is in d's sector
            if w is not None:
                weights.append((d, w))
    return weights


def holds_sector(model: KurskModel, unit: Brigade, attacker_side: str) -> bool:
    """Whether `unit` defends its sector against `attacker_side` today."""
    return (unit.side != attacker_side and unit.next_node is None and unit.target is None
            and model.control[unit.node] == unit.side)


def defence_map(model: KurskModel, attacker_side: str) -> list[float]:
    """Per node, the defenders' weighted power there against `attacker_side` (before terrain and
    fortification): defence() summed for every node at once, by spreading each unit over its sector."""
    p = model.p
    strength = [0.0] * model.theatre.n
    sectors = model.theatre.sectors(p.sector_depth_hops, p.sector_support)
    for d in model.field_units:
        if holds_sector(model, d, attacker_side):
            power = d.power
            if d.garrison:
                strength[d.node] += power
                continue
            for node, w in sectors[d.node].items():
                strength[node] += power * w
    return strength


def engage(model: KurskModel, node: int, attackers: list[Brigade],
           candidates: list[Brigade] | None = None) -> None:
    """One day's engagement for `node`; records a capture when the defence gives way.
    `candidates`: the defending side's field units, if the caller has them at hand."""
    th, p = model.theatre, model.p
    side = attackers[0].side
    if model.control[node] == side:
        return
    defenders = [(d, w) for d, w in defence(model, node, side, candidates) if d.alive]
    if not defenders:
        model.captures.append((node, side, attackers))
        return

    surprise = p.pipeline_surprise
    att_power = [u.power * (surprise if u.via_pipeline else 1.0) for u in attackers]
    if sum(att_power) <= 0.0:
        return                                    # attackers with no power left cannot press home
    noise = model.draws.combat
    battle(model, attackers, att_power, [d for d, _ in defenders], [d.power * w for d, w in defenders],
           th.protection[node], noise[2 * node + SIDE_COLUMN[side]], noise[2 * node + 1 - SIDE_COLUMN[side]])

    # Does the defence hold? It gives way at the breakthrough ratio, or when the units on the
    # node itself have lost their cohesion. Short of that, a superior attacker gains ground in
    # proportion to how far its ratio stands above parity, and takes the node once it holds all of it.
    p_att = sum(u.power * (surprise if u.via_pipeline else 1.0) for u in attackers if u.alive)
    p_def = sum(d.power * w for d, w in defenders if d.alive) * th.protection[node]
    on_node = [d for d, _ in defenders if d.node == node and d.alive]
    broken = bool(on_node) and all(d.cohesion < p.break_cohesion for d in on_node)
    if broken or p_att >= p.breakthrough_ratio * p_def:
        model.captures.append((node, side, attackers))
    elif p_att > p_def and gain_ground(model, node, side, advance_km2(p_att, p_def, p)):
        model.captures.append((node, side, attackers))


def battle(model: KurskModel, attackers: list[Brigade], att_power: list[float], defenders: list[Brigade],
           def_power: list[float], protection: float, noise_att: float, noise_def: float) -> None:
    """One day's fighting between `attackers` and `defenders`, wherever it happens (a Kursk node, an
    eastern sector): the law's expected losses (`exchange`) times the day's draws, shared out in
    proportion to each unit's power there (an attacker's share also weighted by its exposure).

    Parameters
    ----------
    att_power, def_power : each unit's combat power in this fight (before protection).
    protection : terrain × fortification of the defended ground.
    noise_att, noise_def : the day's mean-one multipliers of each side's losses.
    """
    p_att, p_def = sum(att_power), sum(def_power)
    loss_att, loss_def = exchange(p_att, p_def, model.p, protection)
    loss_att *= noise_att
    loss_def *= noise_def
    inflict = model.inflict
    exposed = [w * u.exposure for w, u in zip(att_power, attackers, strict=True)]
    total_exposed = sum(exposed)
    for u, w in zip(attackers, exposed, strict=True):
        if total_exposed > 0:
            inflict(u, loss_att * w / total_exposed)
        u.engaged = True
        if u.learns:
            u.days_in_combat += 1             # (its learning curve moves on)
    for d, w in zip(defenders, def_power, strict=True):
        if p_def > 0:
            inflict(d, loss_def * w / p_def)
        d.engaged = True


def advance_km2(p_att: float, p_def: float, params: Parameters) -> float:
    """Ground an attacker takes in a day short of a breakthrough: nothing at parity or below,
    advance_km2_per_day at the breakthrough ratio, linear in between. `p_def` includes the
    defender's protection. The eastern front extends the line beyond the breakthrough ratio
    (eastern_front: a sector has no node to capture)."""
    if p_def <= 0.0:
        return float("inf")
    ratio = p_att / p_def
    if ratio <= 1.0:
        return 0.0
    return params.advance_km2_per_day * (ratio - 1.0) / (params.breakthrough_ratio - 1.0)
