"""sim.design: the bundled NOLH tables, Latin hypercubes, full factorials, scaling and validation.

The NOLH checks are properties of the published matrices (Latin columns, near orthogonality) and
a comparison with rows quoted verbatim from the source; the same criteria are shown to reject a
random Latin hypercube, so they have teeth. LHS checks are the defining Latin property (each of
`points` equal bins of every factor used exactly once), determinism by seed and a space-filling
comparison of the optimised variant. Everything runs in about a second.
"""

from __future__ import annotations

import datetime as dt
import doctest
import itertools
import tomllib

import numpy as np
import pytest
from scipy.stats import qmc

from sim import design
from sim.design import (
    DESIGN_KINDS,
    NOLH_SIZES,
    Factor,
    design_points,
    full_factorial,
    latin_hypercube,
    nolh,
    scale,
)
from sim.designs.cioppa_lucas import SOURCE_ROWS

# Near orthogonality as Cioppa & Lucas (2007) define it: the largest absolute pairwise correlation
# between design columns at most 0.03. The bundled tables measure 0 (17 runs: exactly orthogonal),
# 0.0234 (33), 0.0219 (65), 0.0074 (129) and 0.0039 (257).
MAX_ABS_CORRELATION = 0.03
# Condition number of the columns' correlation matrix (1 for orthogonal columns). We have not
# checked the paper for a figure; this is the largest value measured on the bundled tables
# (1.1226, 33 runs; the others 1.0000, 1.1031, 1.0386, 1.0225) rounded up. A random Latin
# hypercube of 17 runs and 7 factors typically has 3 to 50 (test_criteria_reject_random_lhs).
MAX_CONDITION_NUMBER = 1.13


def correlations(unit_design: np.ndarray) -> np.ndarray:
    return np.corrcoef(unit_design, rowvar=False)


def max_abs_correlation(unit_design: np.ndarray) -> float:
    c = correlations(unit_design)
    return float(np.max(np.abs(c - np.eye(c.shape[0]))))


def levels_of(unit_design: np.ndarray) -> np.ndarray:
    """A NOLH in the unit cube back to its integer levels 1..n."""
    n = unit_design.shape[0]
    return np.rint(unit_design * (n - 1)).astype(int) + 1


SIZES = sorted(NOLH_SIZES.items())            # (runs, factors it holds)


# NOLH -------------------------------------------------------------------------------------------

def test_nolh_sizes_are_the_published_ones():
    assert SIZES == [(17, 7), (33, 11), (65, 16), (129, 22), (257, 29)]


@pytest.mark.parametrize(("runs", "width"), SIZES)
def test_nolh_columns_are_permutations_of_the_levels(runs, width):
    design_ = nolh(width)
    assert design_.shape == (runs, width)
    levels = levels_of(design_)
    assert np.allclose((levels - 1) / (runs - 1), design_)        # really on the level grid
    for j in range(width):
        assert sorted(levels[:, j]) == list(range(1, runs + 1)), f"column {j + 1}"
    assert (levels[runs // 2] == (runs + 1) // 2).all()           # the centre run


@pytest.mark.parametrize(("runs", "width"), SIZES)
def test_nolh_matches_rows_quoted_from_the_source(runs, width):
    levels = levels_of(nolh(width))
    for run, row in SOURCE_ROWS[runs].items():
        assert levels[run - 1].tolist() == row, f"run {run} of the {runs}-run design"


@pytest.mark.parametrize(("runs", "width"), SIZES)
def test_nolh_is_nearly_orthogonal(runs, width):
    rho = max_abs_correlation(nolh(width))
    assert rho <= MAX_ABS_CORRELATION
    cond = np.linalg.cond(correlations(nolh(width)))
    assert 1.0 <= cond <= MAX_CONDITION_NUMBER


def test_seventeen_run_nolh_is_exactly_orthogonal():
    centred = levels_of(nolh(7)) - 9
    gram = centred.T @ centred                                    # integers: no rounding
    assert (gram == np.diag(np.diag(gram))).all()


@pytest.mark.parametrize("n_factors", range(1, 30))
def test_nolh_takes_the_smallest_design_and_its_first_columns(n_factors):
    runs = min(r for r, w in SIZES if w >= n_factors)
    got = nolh(n_factors)
    assert got.shape == (runs, n_factors)
    width = NOLH_SIZES[runs]
    assert np.array_equal(got, nolh(width)[:, :n_factors])
    if n_factors > 1:
        assert max_abs_correlation(got) <= MAX_ABS_CORRELATION


@pytest.mark.parametrize("seed", range(5))
def test_criteria_reject_random_lhs(seed):
    """The orthogonality criteria are not vacuous: a plain LHS of the same size fails them."""
    x = latin_hypercube(7, 17, seed)
    assert max_abs_correlation(x) > MAX_ABS_CORRELATION
    assert np.linalg.cond(correlations(x)) > MAX_CONDITION_NUMBER


def test_nolh_points_must_be_the_design_size():
    assert nolh(3, points=17).shape == (17, 3)
    assert nolh(12, points=65).shape == (65, 12)
    with pytest.raises(ValueError, match=r"3 factors has 17 points; .* set it to 17"):
        nolh(3, points=33)
    with pytest.raises(ValueError, match="at most 29 factors"):
        nolh(30)
    with pytest.raises(ValueError, match="n_factors"):
        nolh(0)


def test_nolh_result_does_not_alias_the_cached_table():
    first = nolh(3)
    first[:] = -1.0
    assert nolh(3).min() == 0.0 and nolh(3).max() == 1.0


# Latin hypercubes -------------------------------------------------------------------------------

@pytest.mark.parametrize(("n_factors", "points", "optimised"),
                         [(1, 1, False), (3, 10, False), (7, 17, False), (5, 64, False),
                          (4, 20, True), (2, 33, True)])
def test_lhs_uses_every_bin_of_every_factor_once(n_factors, points, optimised):
    x = latin_hypercube(n_factors, points, seed=7, optimised=optimised)
    assert x.shape == (points, n_factors)
    assert ((x >= 0.0) & (x < 1.0)).all()
    bins = np.floor(x * points).astype(int)
    for j in range(n_factors):
        assert sorted(bins[:, j]) == list(range(points)), f"factor {j + 1}"


def test_lhs_is_a_function_of_its_seed():
    a = latin_hypercube(4, 25, seed=123)
    assert np.array_equal(a, latin_hypercube(4, 25, seed=123))
    assert not np.array_equal(a, latin_hypercube(4, 25, seed=124))
    ss = np.random.SeedSequence(2024, spawn_key=(3,))             # as the batch seeds replications
    b = latin_hypercube(4, 25, seed=ss)
    assert np.array_equal(b, latin_hypercube(4, 25, seed=np.random.SeedSequence(2024,
                                                                                 spawn_key=(3,))))
    assert not np.array_equal(b, latin_hypercube(4, 25, seed=np.random.SeedSequence(2024,
                                                                                     spawn_key=(4,))))
    assert np.array_equal(latin_hypercube(4, 25, seed=5),
                          latin_hypercube(4, 25, seed=np.random.SeedSequence(5)))
    opt = latin_hypercube(4, 20, seed=9, optimised=True)
    assert np.array_equal(opt, latin_hypercube(4, 20, seed=9, optimised=True))


def test_optimised_lhs_has_lower_centred_discrepancy():
    seeds = range(5)
    plain = [qmc.discrepancy(latin_hypercube(4, 20, s)) for s in seeds]
    optimised = [qmc.discrepancy(latin_hypercube(4, 20, s, optimised=True)) for s in seeds]
    assert np.mean(optimised) < 0.8 * np.mean(plain)


def test_lhs_rejects_bad_arguments():
    with pytest.raises(ValueError, match="points must be an integer >= 1"):
        latin_hypercube(3, 0, seed=1)
    with pytest.raises(ValueError, match="n_factors"):
        latin_hypercube(0, 5, seed=1)
    for seed in (1.5, True, "1", None):
        with pytest.raises(TypeError, match="seed must be an int or numpy SeedSequence"):
            latin_hypercube(3, 5, seed=seed)


# Full factorial ---------------------------------------------------------------------------------

def test_full_factorial_is_every_combination_first_factor_slowest():
    factors = [Factor("drone_range_km", low=5.0, high=25.0),
               Factor("nk_troops", low=8000, high=14000, kind="int"),
               Factor("policy", levels=["hold", "withdraw"])]
    points = full_factorial(factors)
    assert len(points) == 3 * 3 * 2
    expected = itertools.product([5.0, 15.0, 25.0], [8000, 11000, 14000], ["hold", "withdraw"])
    assert [tuple(p.values()) for p in points] == list(expected)
    assert all(list(p) == ["drone_range_km", "nk_troops", "policy"] for p in points)
    assert type(points[0]["nk_troops"]) is int and type(points[0]["drone_range_km"]) is float


def test_full_factorial_levels_per_range_and_narrow_ranges():
    pts = full_factorial([Factor("x", low=0.0, high=1.0), Factor("y", low=0.0, high=1.0)],
                         levels_per_range=5)
    assert len(pts) == 25
    assert sorted({p["x"] for p in pts}) == [0.0, 0.25, 0.5, 0.75, 1.0]
    # An int range with fewer integers than levels gives its distinct values only.
    narrow = full_factorial([Factor("n", low=0, high=1, kind="int")], levels_per_range=4)
    assert narrow == [{"n": 0}, {"n": 1}]
    days = full_factorial([Factor("d", low=dt.date(2024, 10, 1), high=dt.date(2024, 10, 4))])
    assert days == [{"d": dt.date(2024, 10, 1)}, {"d": dt.date(2024, 10, 3)},
                    {"d": dt.date(2024, 10, 4)}]
    with pytest.raises(ValueError, match="levels_per_range must be an integer >= 2"):
        full_factorial([Factor("x", low=0.0, high=1.0)], levels_per_range=1)


def test_full_factorial_refuses_an_unrunnable_size():
    factors = [Factor(f"f{i}", low=0.0, high=1.0) for i in range(13)]     # 3**13 = 1,594,323
    with pytest.raises(ValueError, match="1,594,323 points"):
        full_factorial(factors)


# Scaling ----------------------------------------------------------------------------------------

def test_scale_float_int_date_and_levels():
    factors = [Factor("f", low=0.2, high=0.9),         # 0.2 + (0.9 - 0.2) != 0.9 in floats
               Factor("i", low=2, high=7, kind="int"),
               Factor("d", low=dt.date(2024, 10, 2), high=dt.date(2025, 3, 2)),
               Factor("l", levels=("a", "b", "c"))]
    lo, hi, mid = scale([[0.0] * 4, [1.0] * 4, [0.5] * 4], factors)
    assert lo == {"f": 0.2, "i": 2, "d": dt.date(2024, 10, 2), "l": "a"}
    assert hi == {"f": 0.9, "i": 7, "d": dt.date(2025, 3, 2), "l": "c"}       # ends exact
    # Ties round half up, not to the even neighbour: 4.5 -> 5; 151 days, 75.5 -> 76 days (the
    # midpoint's day ordinal, 739236.5, would round to the even 739236 under round()).
    assert mid["i"] == 5
    assert mid["d"] == dt.date(2024, 12, 17)
    assert mid["l"] == "b"
    assert abs(mid["f"] - 0.55) < 1e-15
    for p in (lo, hi, mid):
        assert type(p["f"]) is float and type(p["i"]) is int
        assert type(p["d"]) is dt.date                       # a date, not a datetime


def test_scale_level_bins():
    f = [Factor("l", levels=(10, 20, 30))]
    us = [0.0, 1 / 3 - 1e-9, 1 / 3, 0.5, 2 / 3, 0.999, 1.0]
    assert [p["l"] for p in scale([[u] for u in us], f)] == [10, 10, 20, 20, 30, 30, 30]


def test_lhs_uses_each_level_equally_when_points_are_a_multiple():
    factors = [Factor("l", levels=("a", "b", "c")), Factor("x", low=0.0, high=1.0)]
    pts = design_points("lhs", factors, points=30, seed=3)
    assert sorted(p["l"] for p in pts) == ["a"] * 10 + ["b"] * 10 + ["c"] * 10


@pytest.mark.parametrize("kind", ["nolh", "full_factorial"])
def test_design_reaches_both_ends_of_every_range(kind):
    factors = [Factor("f", low=-1.5, high=2.5), Factor("i", low=10, high=40, kind="int"),
               Factor("d", low=dt.date(2024, 8, 6), high=dt.date(2025, 4, 15)),
               Factor("l", levels=(True, False))]
    pts = design_points(kind, factors)
    for f in factors[:3]:
        values = [p[f.name] for p in pts]
        assert min(values) == f.low and max(values) == f.high
    assert {p["l"] for p in pts} == {True, False}
    assert all(type(p["d"]) is dt.date for p in pts)


def test_scale_rejects_bad_designs():
    f = [Factor("x", low=0.0, high=1.0)]
    with pytest.raises(ValueError, match=r"shape \(points, 1\)"):
        scale([[0.5, 0.5]], f)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        scale([[1.5]], f)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        scale([[float("nan")]], f)
    with pytest.raises(ValueError, match="names repeat: x"):
        scale([[0.5, 0.5]], f + f)
    with pytest.raises(TypeError, match="Factor objects"):
        scale([[0.5]], [("x", 0, 1)])


# Factors and their validation -------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "message"), [
    ({"low": 2.0, "high": 1.0}, r"low \(2.0\) must be below high \(1.0\)"),
    ({"low": 3, "high": 3, "kind": "int"}, r"low \(3\) must be below high \(3\)"),
    ({"low": dt.date(2025, 1, 1), "high": dt.date(2024, 1, 1)}, "must be below high"),
    ({"low": 1, "high": dt.date(2025, 1, 1)}, "mix a number and a date"),
    ({"levels": [1, "two"]}, r"levels mix types \(number, string\)"),
    ({"levels": [dt.date(2025, 1, 1), 3]}, "levels mix types"),
    ({"levels": []}, "levels is empty"),
    ({"levels": [5]}, "one level .* is a constant"),
    ({"levels": [1, 2, 1]}, "levels repeat a value"),
    ({"levels": [1.0, float("inf")]}, "finite numbers"),
    ({"levels": [[1], [2]]}, "is not a number, date, string or boolean"),
    ({"low": 0.5, "high": 3, "kind": "int"}, "whole-number low and high"),
    ({"low": 0, "high": 3, "kind": "date"}, "kind 'date' does not fit"),
    ({"low": dt.date(2024, 1, 1), "high": dt.date(2024, 2, 1), "kind": "int"}, "does not fit"),
    ({"low": 0, "high": 3, "kind": "integer"}, "kind must be one of float, int, date"),
    ({"low": dt.datetime(2024, 1, 1), "high": dt.datetime(2024, 2, 1)}, "numbers or dates"),
    ({"low": True, "high": 5}, "numbers or dates"),
    ({"low": "a", "high": "b"}, "numbers or dates"),
    ({"low": float("nan"), "high": 1.0}, "finite numbers"),
    ({"low": 0.0}, "give both low and high"),
    ({}, "give both low and high"),
    ({"low": 0.0, "high": 1.0, "levels": [1, 2]}, "not both"),
    ({"levels": [1, 2], "kind": "int"}, "applies to a range"),
])
def test_factor_validation_names_the_factor(kwargs, message):
    with pytest.raises(ValueError, match=message) as err:
        Factor("drone_range_km", **kwargs)
    text = str(err.value)
    assert text.startswith("factor 'drone_range_km': ") and "\n" not in text


def test_factor_kinds_and_normal_forms():
    assert Factor("x", low=1, high=2).kind == "float"
    assert Factor("x", low=1, high=2).low == 1.0 and type(Factor("x", low=1, high=2).low) is float
    assert Factor("x", low=1.0, high=4.0, kind="int").high == 4
    assert Factor("x", levels=[0.5, 1]).levels == (0.5, 1)          # int and float are numbers
    assert Factor("x", levels=["hold", "withdraw"]).kind == "levels"
    with pytest.raises(ValueError, match="non-empty string"):
        Factor("", low=0.0, high=1.0)
    with pytest.raises(TypeError, match="levels must be a list"):
        Factor("x", levels="ab")
    f = Factor("x", levels=[1, 2])
    assert hash(f) == hash(Factor("x", levels=(1, 2))) and f == Factor("x", levels=(1, 2))


def test_factor_from_toml():
    text = """
    [design.factors]
    drone_range_km = { low = 5.0, high = 25.0 }
    nk_troops = { low = 8000, high = 14000, kind = "int" }
    ua_quality = { low = 1, high = 2 }
    withdraw_date = { low = 2024-10-01, high = 2025-03-01 }
    quoted_date = { low = "2024-10-01", high = "2025-03-01" }
    withdraw_fraction = [0.25, 0.5, 1.0]
    variant = ["baseline", "seed_30k"]
    """
    spec = tomllib.loads(text)["design"]["factors"]
    fs = {name: Factor.from_spec(name, s) for name, s in spec.items()}
    assert fs["drone_range_km"] == Factor("drone_range_km", low=5.0, high=25.0, kind="float")
    assert fs["nk_troops"].kind == "int" and fs["nk_troops"].low == 8000
    assert fs["ua_quality"].kind == "float"                  # integers alone do not make an int
    assert fs["withdraw_date"].kind == "date"
    assert fs["withdraw_date"].low == dt.date(2024, 10, 1)
    assert fs["quoted_date"] == Factor("quoted_date", low=dt.date(2024, 10, 1),
                                       high=dt.date(2025, 3, 1))
    assert fs["withdraw_fraction"].levels == (0.25, 0.5, 1.0)
    assert fs["variant"].levels == ("baseline", "seed_30k")


@pytest.mark.parametrize(("spec", "message"), [
    ({"low": 0, "high": 1, "step": 0.1}, "unknown key.*step"),
    ({"low": 0}, "needs both low and high"),
    (5, "give a range"),
    ("2024-10-01", "give a range"),
    ({"low": "soon", "high": "later"}, "numbers or dates"),
    ([], "levels is empty"),
])
def test_factor_from_spec_refusals(spec, message):
    with pytest.raises(ValueError, match=message) as err:
        Factor.from_spec("withdraw_date", spec)
    assert str(err.value).startswith("factor 'withdraw_date': ")


# design_points ----------------------------------------------------------------------------------

FACTORS = [Factor("nk_troops", low=8000, high=14000, kind="int"),
           Factor("drone_range_km", low=5.0, high=25.0),
           Factor("withdraw_date", low=dt.date(2024, 10, 1), high=dt.date(2025, 3, 1))]


def test_design_points_kinds():
    assert DESIGN_KINDS == ("full_factorial", "lhs", "lhs_optimised", "nolh")
    assert len(design_points("full_factorial", FACTORS)) == 27
    assert len(design_points("full_factorial", FACTORS, points=27)) == 27
    assert len(design_points("nolh", FACTORS)) == 17
    assert design_points("nolh", FACTORS, points=17) == design_points("nolh", FACTORS)
    lhs = design_points("lhs", FACTORS, points=12, seed=4)
    assert len(lhs) == 12 and lhs == design_points("lhs", FACTORS, points=12, seed=4)
    assert lhs != design_points("lhs", FACTORS, points=12, seed=5)
    assert lhs == scale(latin_hypercube(3, 12, 4), FACTORS)
    opt = design_points("lhs_optimised", FACTORS, points=12, seed=4)
    assert opt == scale(latin_hypercube(3, 12, 4, optimised=True), FACTORS)
    assert all(list(p) == [f.name for f in FACTORS] for p in lhs + opt)


def test_design_points_refusals():
    with pytest.raises(ValueError, match="one of full_factorial, lhs, lhs_optimised, nolh, got "
                                         "'sobol'"):
        design_points("sobol", FACTORS)
    with pytest.raises(ValueError, match="'lhs' needs points"):
        design_points("lhs", FACTORS)
    with pytest.raises(ValueError, match="has 27 points; leave points out or set it to 27"):
        design_points("full_factorial", FACTORS, points=20)
    with pytest.raises(ValueError, match="has 17 points"):
        design_points("nolh", FACTORS, points=20)
    with pytest.raises(ValueError, match="at least one factor"):
        design_points("nolh", [])
    with pytest.raises(ValueError, match="names repeat: nk_troops"):
        design_points("lhs", FACTORS + FACTORS[:1], points=5)


def test_docstring_examples():
    result = doctest.testmod(design)
    assert result.attempted >= 8 and result.failed == 0
