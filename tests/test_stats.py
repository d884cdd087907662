"""sim.stats against scipy and numpy on fixed-seed data, plus its degenerate and error cases.

Deterministic intervals (t, Welch, Wilson) must agree with scipy to rounding. The bootstrap draws
its own random stream, so it is held to scipy's within a tolerance derived from the Monte Carlo
error of a sample quantile, and checked for coverage on normal data.
"""

from __future__ import annotations

import doctest
import math
import tracemalloc
import warnings

import numpy as np
import pytest
from scipy import stats as sps

from sim import stats
from sim.stats import bootstrap_ci, compare, describe, independent_halfwidth, paired_t_ci, wilson_interval

LEVELS = (0.80, 0.95, 0.99)


def paired_arms(n=60, seed=11):
    """Two positively correlated, skewed arms: shared luck plus a little arm-specific noise."""
    rng = np.random.default_rng(seed)
    common = rng.gamma(2.0, 50.0, n)
    base = common + rng.normal(0.0, 10.0, n)
    other = common + 8.0 + rng.normal(0.0, 10.0, n)
    return base, other


def boot_quantile_tol(diff, level, resamples, k=5.0):
    """k Monte Carlo standard errors of the difference of two independent bootstrap endpoints.

    The p-quantile of B draws has standard error sqrt(p(1-p)/B) / f(q_p). The bootstrap
    distribution of the mean is close to normal with sd sigma_b = std(diff, ddof=0)/sqrt(n), so
    f(q_p) = phi(z_p)/sigma_b. Two independent estimates differ with sqrt(2) times that error.
    """
    p = 0.5 - 0.5 * level
    sigma_b = np.std(diff) / math.sqrt(diff.size)
    se = math.sqrt(p * (1 - p) / resamples) / sps.norm.pdf(sps.norm.ppf(p)) * sigma_b
    return k * math.sqrt(2.0) * se


# describe ---------------------------------------------------------------------------------------

def test_describe_matches_numpy():
    x = np.random.default_rng(1).lognormal(0.0, 1.0, 257)
    d = describe(list(x))
    assert d == {"n": 257, "mean": np.mean(x), "median": np.median(x),
                 "q05": np.percentile(x, 5), "q95": np.percentile(x, 95)}
    assert type(d["n"]) is int
    assert all(type(d[k]) is float for k in ("mean", "median", "q05", "q95"))
    assert describe([3.0]) == {"n": 1, "mean": 3.0, "median": 3.0, "q05": 3.0, "q95": 3.0}


# paired t ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("level", LEVELS)
def test_paired_t_ci_matches_scipy(level):
    base, other = paired_arms()
    mean, lo, hi = paired_t_ci(other - base, level)
    rel = sps.ttest_rel(other, base).confidence_interval(confidence_level=level)
    one = sps.ttest_1samp(other - base, 0.0).confidence_interval(confidence_level=level)
    assert mean == pytest.approx(np.mean(other - base), abs=1e-10)
    for ref in (rel, one):
        assert lo == pytest.approx(ref.low, abs=1e-10)
        assert hi == pytest.approx(ref.high, abs=1e-10)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("diff", [[2.5], [0.1, 0.1, 0.1], [-4.0] * 50])
def test_paired_t_ci_degenerate_is_a_point(diff):
    mean = float(np.mean(diff))
    assert paired_t_ci(diff) == (mean, mean, mean)


# bootstrap --------------------------------------------------------------------------------------

@pytest.mark.parametrize("level", [0.90, 0.95])
def test_bootstrap_agrees_with_scipy_within_monte_carlo_error(level):
    base, other = paired_arms()
    diff = other - base
    resamples = 100_000
    lo, hi = bootstrap_ci(diff, level, resamples, seed=5)
    ref = sps.bootstrap((diff,), np.mean, method="percentile", confidence_level=level,
                        n_resamples=resamples, vectorized=True,
                        rng=np.random.default_rng(12345)).confidence_interval
    tol = boot_quantile_tol(diff, level, resamples)
    assert tol < 0.02 * (ref.high - ref.low)   # the tolerance is a small fraction of the width
    assert lo == pytest.approx(ref.low, abs=tol)
    assert hi == pytest.approx(ref.high, abs=tol)


def test_bootstrap_same_draws_as_scipy_give_the_same_interval():
    # With one chunk, the indices are rng.integers(0, n, (resamples, n)), as in scipy; same seed,
    # same resamples, so the percentile convention must match exactly. (Relies on scipy's
    # resampling layout; the tolerance test above is the one that defines correctness.)
    diff = np.random.default_rng(2).standard_t(3, 50)
    lo, hi = bootstrap_ci(diff, 0.9, 2_000, seed=7)
    ref = sps.bootstrap((diff,), np.mean, method="percentile", confidence_level=0.9,
                        n_resamples=2_000, vectorized=True,
                        rng=np.random.default_rng(7)).confidence_interval
    assert (lo, hi) == pytest.approx((ref.low, ref.high), abs=1e-12)


def test_bootstrap_is_deterministic_and_seeded():
    diff = np.random.default_rng(3).normal(1.0, 2.0, 40)
    assert bootstrap_ci(diff, seed=4, resamples=500) == bootstrap_ci(diff, seed=4, resamples=500)
    assert bootstrap_ci(diff, seed=4, resamples=500) != bootstrap_ci(diff, seed=5, resamples=500)


def test_bootstrap_coverage_on_normal_data():
    # 1,000 normal samples of n = 30 with true mean 1. The percentile bootstrap of the mean is
    # about a z interval with the ddof=0 sd, so its coverage is P(|t_29| < z sqrt(29/30)): 0.936
    # at 95 %, 0.782 at 80 % (6,000 replications of this very procedure gave 0.935 and 0.786).
    # Bands are +/- 4 binomial standard errors (0.0077 and 0.013).
    rng = np.random.default_rng(2024)
    hits = {0.95: 0, 0.80: 0}
    reps = 1_000
    for i in range(reps):
        x = rng.normal(1.0, 3.0, 30)
        for level in hits:
            lo, hi = bootstrap_ci(x, level, resamples=1_000, seed=i)
            hits[level] += lo <= 1.0 <= hi
    assert 0.905 <= hits[0.95] / reps <= 0.967
    assert 0.730 <= hits[0.80] / reps <= 0.834


def test_bootstrap_in_many_chunks(monkeypatch):
    # 2,000 resamples of n = 20,000 in chunks of 3 rows (the last one partial). The interval
    # must still match the t interval: at n = 20,000 the two differ by far less than the
    # Monte Carlo error of B = 2,000 resamples, which sets the tolerance (5 SE, ~0.3 sigma_b).
    monkeypatch.setattr(stats, "_CHUNK_ELEMENTS", 60_000)
    diff = np.random.default_rng(8).exponential(2.0, 20_000)
    lo, hi = bootstrap_ci(diff, resamples=2_000, seed=1)
    _, t_lo, t_hi = paired_t_ci(diff)
    tol = boot_quantile_tol(diff, 0.95, 2_000) / math.sqrt(2.0)
    assert lo == pytest.approx(t_lo, abs=tol)
    assert hi == pytest.approx(t_hi, abs=tol)


def test_bootstrap_memory_stays_bounded_for_large_n():
    # 300 resamples of n = 100,000 in one block would need 30 M indices plus 30 M values (480 MB).
    diff = np.random.default_rng(9).normal(0.0, 1.0, 100_000)
    tracemalloc.start()
    try:
        lo, hi = bootstrap_ci(diff, resamples=300)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20
    assert lo < diff.mean() < hi


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("diff", [[7.0], [0.1] * 9])
def test_bootstrap_degenerate_is_a_point(diff):
    mean = float(np.mean(diff))
    assert bootstrap_ci(diff) == (mean, mean)


# Wilson -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("k,n", [(0, 1), (1, 1), (0, 10), (3, 10), (10, 10), (1, 37), (36, 37),
                                 (0, 1000), (500, 1000), (999, 1000), (1000, 1000)])
@pytest.mark.parametrize("level", LEVELS)
def test_wilson_matches_scipy(k, n, level):
    p, lo, hi = wilson_interval(k, n, level)
    ref = sps.binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
    assert p == k / n
    assert lo == pytest.approx(ref.low, abs=1e-12)
    assert hi == pytest.approx(ref.high, abs=1e-12)
    assert (lo == 0.0) == (k == 0) and (hi == 1.0) == (k == n)


def test_wilson_no_trials():
    p, lo, hi = wilson_interval(0, 0)
    assert math.isnan(p) and (lo, hi) == (0.0, 1.0)


@pytest.mark.parametrize("k,n", [(-1, 5), (6, 5), (1.5, 5), (1, 0)])
def test_wilson_rejects_bad_counts(k, n):
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(k, n)


# Welch ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("level", LEVELS)
def test_independent_halfwidth_matches_welch(level):
    rng = np.random.default_rng(4)
    a, b = rng.normal(0.0, 1.0, 25), rng.normal(0.5, 4.0, 70)   # unequal sizes and variances
    ci = sps.ttest_ind(a, b, equal_var=False).confidence_interval(confidence_level=level)
    assert independent_halfwidth(a, b, level) == pytest.approx((ci.high - ci.low) / 2, abs=1e-10)
    # and the pooled (Student) interval would be measurably different, so the dof matter
    pooled = sps.ttest_ind(a, b, equal_var=True).confidence_interval(confidence_level=level)
    assert abs((pooled.high - pooled.low) / 2 - independent_halfwidth(a, b, level)) > 1e-3


@pytest.mark.filterwarnings("error")
def test_independent_halfwidth_with_constant_samples():
    b = np.random.default_rng(5).normal(0.0, 2.0, 12)
    with warnings.catch_warnings():   # scipy warns about the constant sample; we must not
        warnings.simplefilter("ignore", RuntimeWarning)
        ci = sps.ttest_ind(np.full(8, 3.0), b, equal_var=False).confidence_interval()
    assert independent_halfwidth(np.full(8, 3.0), b) == pytest.approx((ci.high - ci.low) / 2,
                                                                      abs=1e-10)
    assert independent_halfwidth([1.0, 1.0], [2.0, 2.0, 2.0]) == 0.0
    # constant, but np.var gives ~1e-32 from rounding in the mean: still exactly no spread
    assert independent_halfwidth(np.full(3, 0.1), np.full(7, 0.7)) == 0.0
    assert independent_halfwidth([1.0], [2.0]) == 0.0


# compare ----------------------------------------------------------------------------------------

def test_compare_is_built_from_the_parts():
    base, other = paired_arms()
    r = compare(base, other, True, level=0.9, resamples=2_000, seed=3)
    diff = other - base
    assert r["n"] == 60
    assert (r["mean_diff"], r["t_lo"], r["t_hi"]) == paired_t_ci(diff, 0.9)
    assert (r["boot_lo"], r["boot_hi"]) == bootstrap_ci(diff, 0.9, 2_000, 3)
    assert r["paired_halfwidth"] == pytest.approx((r["t_hi"] - r["t_lo"]) / 2, abs=1e-12)
    assert r["independent_halfwidth"] == independent_halfwidth(base, other, 0.9)
    assert r["crn_narrowing"] == r["independent_halfwidth"] / r["paired_halfwidth"]


def test_compare_direction_and_ties():
    base = np.arange(10.0)
    other = base + np.array([1, 2, 3, 1, 2, 3, 1, -1, -2, 0], dtype=float)   # 7 up, 2 down, 1 tie
    up, down = compare(base, other, True), compare(base, other, False)
    assert (up["p_better"], down["p_better"]) == (0.7, 0.2)
    assert up["ties"] == down["ties"] == 0.1
    assert (up["p_better"], up["p_better_lo"], up["p_better_hi"]) == wilson_interval(7, 10)
    assert (down["p_better"], down["p_better_lo"], down["p_better_hi"]) == wilson_interval(2, 10)
    for key in ("mean_diff", "t_lo", "t_hi", "boot_lo", "boot_hi", "crn_narrowing"):
        assert up[key] == down[key]               # direction only changes what counts as better
    assert up["mean_diff"] == pytest.approx(1.0)


def test_crn_narrowing_for_correlated_arms():
    # Shared luck sd 10, own noise sd 1 per arm: var(a)+var(b) = 2*101 vs var(b-a) = 2, so the
    # ratio of half-widths is about sqrt(101) = 10.05 (times t_{.975,~398}/t_{.975,199} = 0.997).
    # Its sampling error is ~6 % at n = 200 (sd of the diff to 1/sqrt(2n)), so +/- 20 % is > 3 SE.
    rng = np.random.default_rng(6)
    common = rng.normal(0.0, 10.0, 200)
    base = common + rng.normal(0.0, 1.0, 200)
    other = common + 0.5 + rng.normal(0.0, 1.0, 200)
    assert 8.0 < compare(base, other, True, resamples=200)["crn_narrowing"] < 12.0
    # negatively correlated arms: pairing widens the interval
    assert compare(base, -base, True, resamples=200)["crn_narrowing"] < 1.0


def test_crn_narrowing_for_independent_arms():
    # With sample correlation r the ratio is about 1/sqrt(1 - r) ~ 1 + r/2; r has sd 1/sqrt(n) =
    # 0.05 at n = 400, so the ratio has sd ~0.025 and +/- 0.1 is 4 SE.
    rng = np.random.default_rng(7)
    base, other = rng.normal(0.0, 1.0, 400), rng.normal(0.2, 1.0, 400)
    assert compare(base, other, True, resamples=200)["crn_narrowing"] == pytest.approx(1.0, abs=0.1)


@pytest.mark.filterwarnings("error")
def test_compare_degenerate_cases():
    base = np.array([1.0, 4.0, 2.0, 8.0])
    same = compare(base, base, True)
    assert same["ties"] == 1.0 and same["p_better"] == 0.0 and same["mean_diff"] == 0.0
    assert same["crn_narrowing"] == math.inf                     # paired 0, independent > 0
    shift = compare(np.full(7, 0.7), np.full(7, 2.2), False)     # constant arms and diff
    assert shift["paired_halfwidth"] == shift["independent_halfwidth"] == 0.0
    assert shift["crn_narrowing"] == 1.0 and shift["p_better"] == 0.0
    one = compare([1.0], [2.0], True)
    assert (one["t_lo"], one["t_hi"], one["boot_lo"], one["boot_hi"]) == (1.0, 1.0, 1.0, 1.0)
    assert one["p_better"] == 1.0 and one["crn_narrowing"] == 1.0


@pytest.mark.parametrize("base,other,match", [
    ([1.0, 2.0], [1.0, 2.0, 3.0], "same length"),
    ([], [], "empty"),
    ([1.0, np.nan], [1.0, 2.0], "NaN"),
    ([[1.0, 2.0]], [[1.0, 2.0]], "one-dimensional"),
])
def test_compare_rejects_bad_input(base, other, match):
    with pytest.raises(ValueError, match=match):
        compare(base, other, True)


@pytest.mark.parametrize("call", [
    lambda: describe([]),
    lambda: paired_t_ci([]),
    lambda: bootstrap_ci([]),
    lambda: independent_halfwidth([1.0, 2.0], []),
    lambda: paired_t_ci([1.0, 2.0], level=1.0),
    lambda: bootstrap_ci([1.0, 2.0], resamples=0),
    lambda: compare([1.0, 2.0], [2.0, 3.0], True, level=0.0),
])
def test_other_bad_input_raises(call):
    with pytest.raises(ValueError):
        call()


def test_docstring_examples():
    result = doctest.testmod(stats)
    assert result.attempted > 0 and result.failed == 0
