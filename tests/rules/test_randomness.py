"""ODD 7.11 Random streams (sim/randomness.py) and §4.9: mean-one lognormal factors by inverse
transform, one child stream per random process, drawn up front as (day, slot) blocks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.randomness import STREAMS, RandomStreams, lognormal_factors, stream_seed

PHI_1 = 0.8413447460685429          # Φ(1)


# --- the lognormal factor ------------------------------------------------------------------------

def test_lognormal_factor_values_from_the_formula():
    # cv 0.5: σ² = ln 1.25. u = 1/2 gives exp(-σ²/2) = 1.25^-1/2; u = Φ(1) gives exp(σ - σ²/2).
    s2 = math.log(1.25)
    f = lognormal_factors(np.array([0.5, PHI_1, 1 - PHI_1]), 0.5)
    assert f == pytest.approx([1.25 ** -0.5, math.exp(math.sqrt(s2) - s2 / 2), math.exp(-math.sqrt(s2) - s2 / 2)])
    g = lognormal_factors(np.array([PHI_1]), 1.0)                     # cv 1: σ² = ln 2
    assert g[0] == pytest.approx(math.exp(math.sqrt(math.log(2)) - math.log(2) / 2))


def test_lognormal_factors_are_exactly_one_without_noise_even_at_the_ends():
    u = np.array([[0.0, 0.3], [0.999, 0.5]])
    f = lognormal_factors(u, 0.0)
    assert f.shape == u.shape
    assert np.all(f == 1.0)
    assert np.all(lognormal_factors(u, -0.1) == 1.0)


def test_lognormal_factors_have_mean_one_and_the_requested_cv():
    cv, n = 0.5, 200_000
    f = lognormal_factors(np.random.default_rng(12345).random(n), cv)
    # standard error of the mean cv/sqrt(n) ~ 0.0011: 4 of them; without the -σ²/2 shift the mean is ~1.12
    assert abs(f.mean() - 1.0) < 4 * cv / math.sqrt(n)
    assert f.std() / f.mean() == pytest.approx(cv, rel=0.03)
    assert np.all(f > 0)


def test_lognormal_factors_are_monotone_in_the_uniform():
    u = np.linspace(0.001, 0.999, 999)
    assert np.all(np.diff(lognormal_factors(u, 0.4)) > 0)


# --- one child stream per process ------------------------------------------------------------------

def test_each_process_has_its_own_child_of_the_seed_keyed_by_its_position():
    assert STREAMS == ("combat", "movement", "supply", "east")
    seed = np.random.SeedSequence(42, spawn_key=(7,))
    for k, name in enumerate(STREAMS):
        child = stream_seed(seed, name)
        assert child.entropy == 42
        assert child.spawn_key == (7, k)
    # stateless: asking again gives the same child, and the parent spawns nothing
    assert stream_seed(seed, "supply").spawn_key == (7, 2)
    assert seed.n_children_spawned == 0


def draws(seed=3, n_days=4, n_nodes=3, n_units=2, n_sectors=1, cv=0.5):
    return RandomStreams(np.random.SeedSequence(seed), n_days=n_days, n_nodes=n_nodes, n_units=n_units,
                         n_sectors=n_sectors, combat_cv=cv)


def test_blocks_have_a_row_per_day_and_a_column_per_slot():
    rs = draws(n_days=4, n_nodes=3, n_units=2, n_sectors=5)
    assert rs._combat.shape == (5, 6)          # two sides per node
    assert rs._movement.shape == (5, 2)
    assert rs._supply.shape == (5, 2)
    assert rs._east.shape == (5, 10)           # two sides per sector


def test_each_block_is_drawn_from_its_own_stream():
    rs = draws()
    u = {name: np.random.default_rng(np.random.SeedSequence(3, spawn_key=(k,))).random()
         for k, name in enumerate(STREAMS)}
    assert rs._combat[0, 0] == pytest.approx(lognormal_factors(np.array([u["combat"]]), 0.5)[0])
    assert rs._movement[0, 0] == pytest.approx(lognormal_factors(np.array([u["movement"]]), 0.5)[0])
    assert rs._supply[0, 0] == u["supply"]                  # uniforms, not factors
    assert rs._east[0, 0] == pytest.approx(lognormal_factors(np.array([u["east"]]), 0.5)[0])


def test_the_streams_are_different_and_the_supply_draws_are_uniforms():
    rs = draws(n_days=50, n_nodes=2, n_units=2, n_sectors=1)
    blocks = [rs._combat[:, :2], rs._movement, rs._east, rs._supply]
    for i in range(4):
        for j in range(i + 1, 4):
            assert not np.allclose(blocks[i], blocks[j])
    assert 0.0 <= rs._supply.min() and rs._supply.max() < 1.0
    quiet = draws(cv=0.0)
    assert np.all(quiet._combat == 1.0) and np.all(quiet._movement == 1.0) and np.all(quiet._east == 1.0)
    assert quiet._supply.std() > 0.1                       # the surrender draws stay random


def test_one_process_drawing_more_never_shifts_the_luck_of_another():
    a = draws(n_days=4, n_nodes=3, n_units=2, n_sectors=1)
    b = draws(n_days=4, n_nodes=3, n_units=9, n_sectors=4)
    assert np.array_equal(a._combat, b._combat)
    c = draws(n_days=4, n_nodes=8, n_units=2, n_sectors=1)
    assert np.array_equal(a._movement, c._movement) and np.array_equal(a._supply, c._supply)
    assert np.array_equal(a._east, c._east)


def test_different_seeds_give_different_blocks_and_the_same_seed_the_same():
    assert np.array_equal(draws(seed=3)._combat, draws(seed=3)._combat)
    assert not np.array_equal(draws(seed=3)._combat, draws(seed=4)._combat)


def test_day_selects_the_row_of_the_day_as_plain_lists():
    rs = draws(n_days=4)
    assert rs.combat == rs._combat[0].tolist() and isinstance(rs.combat, list)
    rs.day(3)
    assert rs.combat == rs._combat[3].tolist()
    assert rs.movement == rs._movement[3].tolist()
    assert rs.supply == rs._supply[3].tolist()
    assert rs.east == rs._east[3].tolist()
    rs.day(1)                                              # a new day forgets the old rows
    assert rs.combat == rs._combat[1].tolist()
    assert rs.movement == rs._movement[1].tolist()
    assert rs.supply == rs._supply[1].tolist()
    assert rs.east == rs._east[1].tolist()
