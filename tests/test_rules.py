"""Single rules, tested on their own: supply paths, fire-control geometry, the attrition law,
the lognormal noise, the North Korean learning curve."""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pytest
from helpers import unit_named
from toy_scenario import SUPPLY_EDGES, SUPPLY_NODES, toy_doc, toy_parameters, unit

from sim.agents import NorthKoreanUnit
from sim.combat import attrition, exchange
from sim.fire_control import FireControl, drone_range_km
from sim.model import KurskModel
from sim.randomness import RandomStreams, lognormal_factors
from sim.supply import supply_tree
from sim.theatre import Theatre

# --- supply: the widest path over friendly ground, edges under fire excluded ------------------------

@pytest.fixture
def supply_theatre(load_toy):
    sc = load_toy(toy_doc(SUPPLY_NODES, SUPPLY_EDGES, [unit("UA 1", "UA", "Town", 2000)],
                          msr=["Base", "Town"]))
    th = Theatre(sc)
    road = th.link_between[(th.index["Base"], th.index["Town"])].index
    return th, road


def test_supply_tree_unit_is_supplied_over_its_only_road(supply_theatre):
    th, road = supply_theatre
    depot_of, paths = supply_tree(th, "UA", list(th.initial_control), frozenset())
    town = th.index["Town"]
    assert depot_of[town] == 0
    assert paths[town] == (road,)


def test_supply_tree_cut_when_only_road_is_under_fire(supply_theatre):
    th, road = supply_theatre
    depot_of, paths = supply_tree(th, "UA", list(th.initial_control), frozenset({road}))
    town, base = th.index["Town"], th.index["Base"]
    assert depot_of[town] == -1
    assert paths[town] == ()
    assert depot_of[base] == 0              # the depot itself stays supplied


def test_supply_tree_ignores_fire_on_other_links(supply_theatre):
    th, road = supply_theatre
    other = th.link_between[(th.index["Town"], th.index["Hill"])].index
    depot_of, _ = supply_tree(th, "UA", list(th.initial_control), frozenset({other}))
    assert depot_of[th.index["Town"]] == 0


def test_supply_tree_does_not_cross_enemy_ground(supply_theatre):
    th, _ = supply_theatre
    control = list(th.initial_control)
    control[th.index["Town"]] = "RU"
    depot_of, _ = supply_tree(th, "UA", control, frozenset())
    assert depot_of[th.index["Town"]] == -1
    # and the Russian tree now reaches Town through Hill
    ru_depot_of, ru_paths = supply_tree(th, "RU", control, frozenset())
    assert ru_depot_of[th.index["Town"]] == 0
    assert len(ru_paths[th.index["Town"]]) == 2


def test_supply_tree_takes_the_widest_path_and_falls_back_when_it_is_under_fire(load_toy):
    # Short way Base-A-Town ends on a track (capacity 5,000); the longer way Base-B-Town is road
    # all along (15,000). The widest path is the longer one; with it under fire, the narrow one.
    nodes = [("Base", 51.00, 35.00, "UA", "ua_rear", 0.0), ("A", 51.10, 35.00, "UA", "kursk", 10.0),
             ("B", 51.10, 35.20, "UA", "kursk", 10.0), ("Town", 51.20, 35.00, "UA", "kursk", 10.0),
             ("Hill", 51.30, 35.00, "RU", "kursk", 10.0), ("RuBase", 51.40, 35.00, "RU", "ru_rear", 0.0)]
    edges = [("Base", "A", "road"), ("A", "Town", "track"), ("Base", "B", "road"), ("B", "Town", "road"),
             ("Town", "Hill", "road"), ("Hill", "RuBase", "road")]
    th = Theatre(load_toy(toy_doc(nodes, edges)))
    link = lambda a, b: th.link_between[(th.index[a], th.index[b])].index  # noqa: E731
    town = th.index["Town"]
    _, paths = supply_tree(th, "UA", list(th.initial_control), frozenset())
    assert paths[town] == (link("Base", "B"), link("B", "Town"))
    _, paths = supply_tree(th, "UA", list(th.initial_control), frozenset({link("B", "Town")}))
    assert paths[town] == (link("Base", "A"), link("A", "Town"))


# --- fire control: distance from the firing node to the MIDDLE of an edge --------------------------

def test_fire_control_measures_to_the_middle_of_the_road(supply_theatre):
    th, road = supply_theatre
    hill, town, base = th.index["Hill"], th.index["Town"], th.index["Base"]
    # geometry of the toy (see toy_scenario.SUPPLY_NODES): ~7 km to the middle, ~13 km to the ends
    assert 6.0 < th.node_link_km[hill, road] < 8.0
    for end in (town, base):
        assert math.hypot(th.x[hill] - th.x[end], th.y[hill] - th.y[end]) > 12.0
    fire = FireControl(th.node_link_km)
    assert road in fire.links_under_fire((hill,), 10.0)
    assert road not in fire.links_under_fire((hill,), 5.0)
    assert fire.links_under_fire((), 10.0) == frozenset()
    # a unit standing at one end of the 22 km road is ~11 km from its middle: not in 10 km range
    assert road not in fire.links_under_fire((town,), 10.0)


def test_fire_control_is_the_links_within_range_of_any_firing_node(default_scenario):
    """The cached per-node reach sets give exactly the links whose middle lies within range of a
    firing node (the distance matrix, read directly), for any positions and ranges."""
    th = Theatre.of(default_scenario)
    fire = FireControl(th.node_link_km)
    rng = np.random.default_rng(7)
    for _ in range(200):
        nodes = tuple(sorted(rng.choice(th.n, size=int(rng.integers(1, 12)), replace=False).tolist()))
        range_km = float(rng.uniform(0.0, 20.0))
        expected = frozenset(np.flatnonzero(th.node_link_km[list(nodes)].min(axis=0) <= range_km).tolist())
        assert fire.links_under_fire(nodes, range_km) == expected


def test_control_state_names_each_map_once_and_never_reuses_an_id(default_scenario):
    th = Theatre.of(default_scenario)
    a = list(th.initial_control)
    b = list(a)
    b[0] = "RU" if b[0] == "UA" else "UA"
    assert th.control_state(a) == th.control_state(list(a))
    assert th.control_state(a) != th.control_state(b)
    old = th.control_state(b)
    th._control_states.clear()           # what a full table does: forget ...
    assert th.control_state(b) != old    # ... and never hand out an old id for another map


def test_fire_control_never_covers_rail(supply_theatre):
    th, _ = supply_theatre
    rail = [lk.index for lk in th.links if lk.rail_days]
    assert rail and all(np.isinf(th.node_link_km[:, rail]).all(axis=0))


def test_drone_range_ramps_linearly_between_the_dates():
    import datetime as dt
    p = toy_parameters(drone_ramp_start=dt.date(2024, 11, 1), drone_ramp_end=dt.date(2024, 11, 11),
                       drone_range_2024_km=5.0, drone_range_km=15.0)
    assert drone_range_km(p, dt.date(2024, 10, 1)) == 5.0
    assert drone_range_km(p, dt.date(2024, 11, 6)) == pytest.approx(10.0)
    assert drone_range_km(p, dt.date(2025, 1, 1)) == 15.0


# --- the attrition law: Lanchester's square and linear laws ------------------------------------------

def euler(a: float, b: float, losses, dt: float, days: float) -> tuple[float, float]:
    """Forward-Euler integration of dA/dt = -loss_a(A, B), dB/dt = -loss_b(A, B)."""
    for _ in range(round(days / dt)):
        la, lb = losses(a, b)
        a, b = a - dt * la, b - dt * lb
    return a, b


K_A, K_B, U = 0.010, 0.020, 1000.0
A0, B0 = 10000.0, 6000.0
DT, DAYS = 0.01, 50.0


def test_square_law_conserves_ka_a2_minus_kb_b2():
    # p = 1, q = 0: dA/dt = -k_b B, dB/dt = -k_a A, so I = k_a A^2 - k_b B^2 is constant.
    # Forward Euler multiplies I by exactly (1 - dt^2 k_a k_b) per step (expand the squares), so
    # after N = DAYS/DT steps the relative drift is N dt^2 k_a k_b = DAYS*DT*k_a*k_b = 1e-4: the
    # tolerance below is that bound plus 10%. A wrong exponent would drift by O(1).
    losses = lambda a, b: (attrition(b, a, K_B, 1.0, 0.0, U), attrition(a, b, K_A, 1.0, 0.0, U))  # noqa: E731
    a, b = euler(A0, B0, losses, DT, DAYS)
    i0, i1 = K_A * A0**2 - K_B * B0**2, K_A * a**2 - K_B * b**2
    assert b < 0.6 * B0 and b > 0                       # the integration went somewhere
    assert abs(i1 / i0 - 1) <= 1.1 * DAYS * DT * K_A * K_B
    # the linear-law invariant is NOT conserved here (the two laws are distinguishable)
    assert abs((K_A * a - K_B * b) / (K_A * A0 - K_B * B0) - 1) > 0.05


def test_linear_law_conserves_ka_a_minus_kb_b():
    # p = 1, q = 1: dA/dt = -k_b B A / U, dB/dt = -k_a A B / U, so I = k_a A - k_b B is constant.
    # Each Euler step changes I by dt (k_a k_b AB - k_b k_a AB)/U = 0: only float rounding remains,
    # ~1e-16 per step over 5,000 steps, hence the 1e-9 relative tolerance.
    losses = lambda a, b: (attrition(b, a, K_B, 1.0, 1.0, U), attrition(a, b, K_A, 1.0, 1.0, U))  # noqa: E731
    a, b = euler(A0, B0, losses, DT, DAYS)
    i0, i1 = K_A * A0 - K_B * B0, K_A * a - K_B * b
    assert b < 0.6 * B0 and b > 0
    assert i1 == pytest.approx(i0, rel=1e-9)
    assert abs((K_A * a**2 - K_B * b**2) / (K_A * A0**2 - K_B * B0**2) - 1) > 0.05


def combat_params(p: float, q: float):
    return toy_parameters(attrition_coefficient=0.01, attrition_enemy_exponent=p, attrition_own_exponent=q,
                          force_unit=U, attacker_exposure=1.0)


def test_exchange_square_law_with_qualities():
    # Powers are personnel x quality. Under the square law qa A^2 - qb B^2 is constant; same Euler
    # drift bound as above with k_a = k qa, k_b = k qb.
    qa, qb, k = 1.0, 0.8, 0.01
    params = combat_params(1.0, 0.0)
    a, b = euler(A0, B0, lambda a, b: exchange(qa * a, qb * b, params), DT, DAYS)
    i0, i1 = qa * A0**2 - qb * B0**2, qa * a**2 - qb * b**2
    assert b < 0.7 * B0
    assert abs(i1 / i0 - 1) <= 1.1 * DAYS * DT * (k * qa) * (k * qb)


def test_exchange_linear_law_equal_losses():
    # q = 1: both sides lose k P_A P_B / U per day, so A - B stays constant (up to rounding).
    params = combat_params(1.0, 1.0)
    a, b = euler(A0, B0, lambda a, b: exchange(1.0 * a, 0.8 * b, params), DT, DAYS)
    assert b < 0.7 * B0
    assert a - b == pytest.approx(A0 - B0, rel=1e-9)


def test_exchange_applies_exposure_and_protection():
    params = combat_params(1.0, 0.0).replace(attacker_exposure=1.5)
    plain = exchange(3000.0, 2000.0, params.replace(attacker_exposure=1.0))
    att, dfn = exchange(3000.0, 2000.0, params, protection=2.0)
    assert att == pytest.approx(1.5 * plain[0])
    assert dfn == pytest.approx(plain[1] / 2.0)
    assert plain == pytest.approx((0.01 * 2000.0, 0.01 * 3000.0))


def test_attrition_exponents_scale_as_documented():
    p, q = 0.7, 0.3
    base = attrition(2000.0, 1500.0, 0.01, p, q, U)
    assert attrition(4000.0, 1500.0, 0.01, p, q, U) == pytest.approx(base * 2**p)
    assert attrition(2000.0, 3000.0, 0.01, p, q, U) == pytest.approx(base * 2**q)
    assert attrition(0.0, 1500.0, 0.01, p, q, U) == 0.0


# --- noise: mean-one lognormal factors ----------------------------------------------------------------

def test_lognormal_factors_are_exactly_one_without_noise():
    u = np.random.default_rng(1).random((50, 7))
    f = lognormal_factors(u, 0.0)
    assert f.shape == u.shape
    assert np.all(f == 1.0)


def test_random_streams_without_attrition_noise_give_unit_combat_factors_in_both_theatres():
    rs = RandomStreams(np.random.SeedSequence(3), n_days=20, n_nodes=5, n_units=4, n_sectors=2, combat_cv=0.0)
    assert np.all(rs._combat == 1.0) and np.all(rs._movement == 1.0) and np.all(rs._east == 1.0)
    assert rs._east.shape == (21, 4)                  # a pair of draws (UA, RU) per sector and day
    noisy = RandomStreams(np.random.SeedSequence(3), n_days=20, n_nodes=5, n_units=4, n_sectors=2, combat_cv=0.5)
    assert noisy._east.std() > 0.3 and noisy._combat.std() > 0.3   # one cv for both theatres


def test_lognormal_factors_have_mean_one_and_the_requested_cv():
    cv, n = 0.5, 200_000
    f = lognormal_factors(np.random.default_rng(12345).random(n), cv)
    # The population SD is cv (mean 1), so the standard error of the mean is cv/sqrt(n) ~ 0.0011;
    # 4 standard errors leave a 1-in-16,000 chance of a false alarm for a correct implementation,
    # and the seed is fixed anyway. A factor without the -sigma^2/2 shift has mean ~1.12: caught.
    assert abs(f.mean() - 1.0) < 4 * cv / math.sqrt(n)
    # The sample SD of a lognormal with cv 0.5 has a relative standard error of ~0.3% at this n
    # (excess kurtosis ~5); 3% is ten of those.
    assert f.std() / f.mean() == pytest.approx(cv, rel=0.03)
    assert np.all(f > 0)


def test_lognormal_factors_are_monotone_in_the_uniform():
    u = np.linspace(0.001, 0.999, 999)
    assert np.all(np.diff(lognormal_factors(u, 0.4)) > 0)


# --- the North Korean learning curve --------------------------------------------------------------------

@pytest.fixture
def nk_model(load_toy):
    units = [unit("UA 1", "UA", "Town", 2000), unit("KPA 1", "NK", "RuBase", share=1.0)]
    sc = load_toy(toy_doc(units=units, nk_quality=0.7, nk_learned_quality=0.9, nk_initial_exposure=3.0,
                          nk_learned_exposure=1.2, nk_learning_days=30))
    return KurskModel(sc, "hold", 0)


def test_north_korean_exposure_falls_and_quality_rises_with_days_in_combat(nk_model):
    nk = unit_named(nk_model, "KPA 1")
    assert isinstance(nk, NorthKoreanUnit)
    days = [0, 1, 5, 10, 30, 60, 120, 300, 3000]
    exposure, quality = [], []
    for d in days:
        nk.days_in_combat = d
        exposure.append(nk.exposure)
        quality.append(nk.quality)
    assert exposure[0] == pytest.approx(3.0) and quality[0] == pytest.approx(0.7)
    assert all(x > y for x, y in pairwise(exposure))
    assert all(x < y for x, y in pairwise(quality))
    # limits: the learned values (1 - e^-100 is 1 to machine precision)
    assert exposure[-1] == pytest.approx(1.2, abs=1e-9)
    assert quality[-1] == pytest.approx(0.9, abs=1e-9)
    # e-folding time: after nk_learning_days, a share 1 - 1/e of the gap is closed
    nk.days_in_combat = 30
    assert nk.exposure == pytest.approx(3.0 + (1.2 - 3.0) * (1 - math.exp(-1)))
    assert nk.quality == pytest.approx(0.7 + (0.9 - 0.7) * (1 - math.exp(-1)))


def test_russian_formations_do_not_learn(load_toy):
    units = [unit("UA 1", "UA", "Town", 2000), unit("RU 1", "RU", "RuBase", 2000)]
    model = KurskModel(load_toy(toy_doc(units=units)), "hold", 0)
    ru = unit_named(model, "RU 1")
    assert not isinstance(ru, NorthKoreanUnit)
    assert ru.exposure == 1.0 and ru.quality == pytest.approx(0.8)


def test_north_korean_days_in_combat_count_the_days_it_fought(load_toy):
    # A strong NK unit next to a weak Ukrainian one attacks (ratio far above attack_ratio_min).
    units = [unit("UA 1", "UA", "Town", 600), unit("UA 2", "UA", "Mid", 600),
             unit("KPA 1", "NK", "Hill", share=1.0)]
    model = KurskModel(load_toy(toy_doc(units=units, nk_troops=4000)), "hold", 5)
    nk = unit_named(model, "KPA 1")
    fought = 0
    for _ in range(15):
        model.step()
        fought += nk.engaged
    assert fought > 0
    assert nk.days_in_combat == fought
    assert nk.exposure < 3.0
