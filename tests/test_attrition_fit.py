"""The attrition-law fit of experiments/fit_attrition.py: does it recover a known law, are its intervals
honest, and is the prior it wrote for the model consistent with the fit on the Ardennes data?

The script is not a package module, so it is loaded from its file.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "experiments" / "fit_attrition.py"


def _load():
    spec = importlib.util.spec_from_file_location("fit_attrition", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


fa = _load()

TRUE_K, TRUE_P, TRUE_Q = 0.004, 0.8, 0.3   # p ≠ q, so a fit that swaps enemy and own cannot pass
DAYS = 30


def synthetic_forces() -> tuple[np.ndarray, np.ndarray]:
    """(own, enemy) forces that vary enough, and differently enough, to identify p and q.

    Own force declines 50% over 30 days; the enemy's falls by half and is then reinforced back (a V), so
    the two log series are nearly uncorrelated — unlike the Ardennes, where they are collinear.
    """
    t = np.arange(DAYS, dtype=float)
    own = 20_000.0 * (1 - 0.5 * t / (DAYS - 1))
    enemy = 15_000.0 * np.r_[np.linspace(1.0, 0.5, DAYS // 2), np.linspace(0.5, 1.0, DAYS - DAYS // 2)]
    return own, enemy


def ar1_noise(n: int, sd: float, rho: float, seed: int) -> np.ndarray:
    """Log-scale noise with lag-1 autocorrelation rho and marginal sd `sd`, like the real residuals."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    e = np.empty(n)
    e[0] = rng.normal(0, sd)
    for i in range(1, n):
        e[i] = rho * e[i - 1] + rng.normal(0, sd * math.sqrt(1 - rho**2))
    return e


def law(k, p, q, enemy, own, unit=fa.FORCE_UNIT):
    """The model's law (sim/combat.py `attrition`), written out independently of the script."""
    return k * unit * (enemy / unit) ** p * (own / unit) ** q


def synthetic_losses(seed: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    own, enemy = synthetic_forces()
    return law(TRUE_K, TRUE_P, TRUE_Q, enemy, own) * np.exp(ar1_noise(DAYS, 0.05, 0.4, seed)), enemy, own


# Tolerances. With this design and iid noise of sd 0.05 the least-squares standard errors are 0.044 for p,
# 0.045 for q and 0.17 for log k (from σ²(XᵀX)⁻¹); AR(1) noise with rho = 0.4 inflates them by about
# sqrt((1 + rho)/(1 − rho)) ≈ 1.5, to ~0.07 and ~0.25. The tolerances are ~3 of those standard errors —
# wide enough not to depend on the seed, narrow enough that swapping p and q (an error of 0.5) fails.
TOL_EXPONENT = 0.2
TOL_LOG_K = 0.75


def test_least_squares_recovers_a_known_law():
    k, p, q = fa.fit_law(*synthetic_losses())
    assert abs(p - TRUE_P) < TOL_EXPONENT, p
    assert abs(q - TRUE_Q) < TOL_EXPONENT, q
    assert abs(math.log(k / TRUE_K)) < TOL_LOG_K, k


def test_joint_fit_recovers_shared_exponents_and_side_specific_k():
    """Both sides under one law with different k; each side's enemy is the other's own force."""
    own, enemy = synthetic_forces()
    k_allied, k_german = 0.004, 0.008
    c = fa.Campaign(day=np.arange(DAYS, dtype=float),
                    allied=own, allied_casualties=law(k_allied, TRUE_P, TRUE_Q, enemy, own)
                    * np.exp(ar1_noise(DAYS, 0.05, 0.4, 11)),
                    german=enemy, german_casualties=law(k_german, TRUE_P, TRUE_Q, own, enemy)
                    * np.exp(ar1_noise(DAYS, 0.05, 0.4, 12)))
    coef = fa.least_squares(fa.joint_regression(c))
    assert abs(coef[-2] - TRUE_P) < TOL_EXPONENT and abs(coef[-1] - TRUE_Q) < TOL_EXPONENT, coef
    assert abs(coef[0] - math.log(k_allied * fa.FORCE_UNIT)) < TOL_LOG_K, coef
    assert abs(coef[1] - math.log(k_german * fa.FORCE_UNIT)) < TOL_LOG_K, coef


def test_block_bootstrap_intervals_cover_the_truth():
    """95% block-bootstrap intervals cover the true exponents about 95% of the time on synthetic data.

    One data set would test one coin flip (its interval misses 5% of the time by design), so the check
    runs over N_SETS data sets with fixed seeds. Over 150 such sets the intervals covered p and q in
    96% and 93% of cases; requiring at least 85% of N_SETS = 40 sits about two binomial standard
    deviations below that, while a broken bootstrap (no spread, or the wrong column) covers almost never.
    """
    n_sets, n_boot = 40, 200
    covered = np.zeros(2)
    widths = []
    for s in range(n_sets):
        reg = fa.side_regression("synthetic", *synthetic_losses(seed=1000 + s))
        boot = fa.bootstrap(reg, fa.block_resamples(DAYS, n_boot=n_boot, seed=s))
        lo, hi = np.percentile(boot[:, 1:], [2.5, 97.5], axis=0)
        covered += (lo <= [TRUE_P, TRUE_Q]) & ([TRUE_P, TRUE_Q] <= hi)
        widths.append(hi - lo)
    assert np.all(covered >= 0.85 * n_sets), covered
    # covering by being useless would not do: ~4 standard errors (~0.3) wide is expected
    assert np.all(np.mean(widths, axis=0) < 0.6), np.mean(widths, axis=0)


def test_block_resamples_are_runs_of_consecutive_days_and_reproducible():
    a = fa.block_resamples(32, block=4, n_boot=50, seed=1)
    assert a.shape == (50, 32) and a.min() >= 0 and a.max() <= 31
    assert np.all(np.diff(a.reshape(50, 8, 4), axis=2) == 1)
    assert np.array_equal(a, fa.block_resamples(32, block=4, n_boot=50, seed=1))


def test_casualties_of_day_t_belong_to_forces_of_day_t():
    """forces[t+1] = forces[t] − casualties[t] up to a few dozen men; the other pairing is off by ~1000s."""
    c = fa.read_campaign()
    for forces, cas in ((c.allied, c.allied_casualties), (c.german, c.german_casualties)):
        assert np.abs(fa.bookkeeping_gap(forces, cas)).max() < 100
        assert np.abs(fa.bookkeeping_gap(forces, cas, same_day=False)).max() > 1000


@pytest.fixture(scope="module")
def ardennes_prior():
    c = fa.read_campaign()
    joint = fa.joint_regression(c)
    f = fa.fit(joint)
    boot = fa.bootstrap(joint, fa.block_resamples(len(c.day)))
    return fa.build_prior(joint, f, boot, fa.effective_fraction(joint, f)[1]), boot


def test_prior_is_centred_in_range_and_at_least_as_wide_as_the_bootstrap(ardennes_prior):
    prior, boot = ardennes_prior
    for key, j in (("attrition_enemy_exponent", -2), ("attrition_own_exponent", -1)):
        e = prior[key]
        assert e["distribution"] == "normal" and (e["low"], e["high"]) == (0.0, 2.0)
        assert 0.0 <= e["mean"] <= 2.0, e
        # p and q are nearly collinear in the Ardennes data; a bootstrap that does not see it is broken
        assert boot[:, j].std() > 0.5
        assert e["sd"] >= boot[:, j].std(), (e["sd"], boot[:, j].std())


def test_written_prior_matches_the_fit(ardennes_prior):
    """experiments/attrition_prior.json is what the script computes now (rerun it after changing the fit)."""
    prior, _ = ardennes_prior
    written = json.loads(fa.PRIOR_JSON.read_text())
    for key in ("attrition_enemy_exponent", "attrition_own_exponent"):
        for field in ("distribution", "mean", "sd", "low", "high"):
            assert written[key][field] == prior[key][field], (key, field)
        assert "docs/attrition.md" in written[key]["source"]
    assert "not transferable" in written["notes"].lower()


# ------------------------------------------------------------------- CDB90: the fit across engagements

CS_P, CS_Q = 0.8, 0.3        # p ≠ q again, so that a fit confusing own and enemy strength cannot pass
CS_ENGAGEMENTS = 400


def synthetic_engagements(n: int = CS_ENGAGEMENTS, seed: int = 5, p: float = CS_P, q: float = CS_Q):
    """Engagements drawn from the law, shaped like CDB90: sizes 2,000–200,000 men, attacker/defender ratios
    with the data's log sd (0.75), most engagements one day long, an intensity shock shared by both sides
    of an engagement (sd 0.8) and a side-specific one (sd 0.6), attackers losing 1.2 times as much."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    attacker = np.exp(rng.uniform(math.log(2_000), math.log(200_000), n))
    defender = attacker * np.exp(rng.normal(-0.4, 0.75, n))
    days = np.where(rng.random(n) < 0.7, 1.0, rng.uniform(1.0, 10.0, n))
    shock = rng.normal(0.0, 0.8, n)
    att_cas = 1.2 * law(0.01, p, q, defender, attacker) * days * np.exp(shock + rng.normal(0.0, 0.6, n))
    def_cas = law(0.01, p, q, attacker, defender) * days * np.exp(shock + rng.normal(0.0, 0.6, n))
    return fa.Engagements(isqno=np.arange(1, n + 1), name=tuple(f"E{i}" for i in range(n)),
                          year=np.full(n, 1944), attacker_strength=attacker, defender_strength=defender,
                          attacker_casualties=att_cas, defender_casualties=def_cas, active_hours=24.0 * days,
                          duration_days=days, parent=np.zeros(n, dtype=int), cea=np.zeros(n))


def cs_exponents(e, **kw) -> tuple[float, float]:
    X, y = fa.cross_section(e, **kw)
    coef = np.linalg.lstsq(X, y, rcond=None)[0]
    return float(coef[fa.P_COL]), float(coef[fa.Q_COL])


# Tolerance. Summing a pair's rows gives p + q, differencing gives p − q. With side noise sd 0.6, a log
# force ratio of sd 0.75 and 400 engagements, se(p − q) = 0.6·√2 / (0.75·√400) ≈ 0.057; the summed rows
# (shared shock 2·0.8, side noise √2·0.6: sd 1.81) against the log size sum (sd ≈ 2.76) give
# se(p + q) ≈ 1.81 / (2.76·√400) ≈ 0.033; so se(p) ≈ se(q) ≈ ½·√(0.057² + 0.033²) ≈ 0.033. 0.15 is
# ~4.5 standard errors — seed-proof — and far below the 0.5 error of a fit that swaps own and enemy.
TOL_CS = 0.15


def test_cross_sectional_fit_recovers_known_exponents():
    e = synthetic_engagements()
    p, q = cs_exponents(e)
    assert abs(p - CS_P) < TOL_CS and abs(q - CS_Q) < TOL_CS, (p, q)
    # the full fit (with its engagement bootstrap) agrees, and its intervals are of the expected width
    res = fa.fit_cross_section(e, "synthetic", n_boot=200)
    assert abs(res["est"]["p"] - p) < 1e-9 and abs(res["est"]["q"] - q) < 1e-9
    assert 0.02 < res["sd"]["p"] < 0.08 and 0.02 < res["sd"]["p − q"] < 0.12, res["sd"]
    assert abs(math.log(res["attacker_factor"][0] / 1.2)) < 0.25, res["attacker_factor"]
    # p − q is the (negated) slope of the log exchange ratio on the log force ratio, whatever the duration
    assert abs((p - q) + fa.exchange_slope(e)) < 1e-9
    for duration in ("active", "free"):
        pd_, qd = cs_exponents(e, duration=duration)
        assert abs((pd_ - qd) - (p - q)) < 1e-9, duration


def test_bootstrap_resamples_whole_engagements():
    e = synthetic_engagements(n=50)
    X, y = fa.cross_section(e)
    identity = np.arange(50)[None, :]
    coef = np.linalg.lstsq(X, y, rcond=None)[0]
    assert np.allclose(fa.cross_section_bootstrap(X, y, identity)[0], coef)
    # a resample with engagement 0 twice and engagement 1 missing = a fit on the rows duplicated likewise
    idx = np.r_[0, 0, np.arange(2, 50)]
    rows = np.r_[idx, idx + 50]
    assert np.allclose(fa.cross_section_bootstrap(X, y, idx[None, :])[0],
                       np.linalg.lstsq(X[rows], y[rows], rcond=None)[0])
    assert np.array_equal(fa.engagement_resamples(50, 20, 3), fa.engagement_resamples(50, 20, 3))


def _write_csv(path: Path, e) -> None:
    with open(path, "w") as fh:
        fh.write("# synthetic engagements in the layout of data/cdb90-engagements.csv\n")
        fh.write(",".join(fa.CDB90_COLUMNS) + "\n")
        fh.writelines(f"{e.isqno[i]},{e.name[i]},{e.year[i]},{e.attacker_strength[i]:.6f},"
                      f"{e.defender_strength[i]:.6f},{e.attacker_casualties[i]:.6f},{e.defender_casualties[i]:.6f},"
                      f"{e.active_hours[i]:.6f},{e.duration_days[i]:.6f},,0\n" for i in range(len(e)))


def test_csv_and_fit_agree_about_which_strength_is_own(tmp_path):
    """Own strength must meet own casualties: through the CSV reader and the design alike.

    Synthetic engagements with p ≠ q go through a file in the data's layout and back; a reader or a design
    that paired a side's casualties with the other side's strength would return (q, p) and fail.
    On the real data, swapping only the strength columns must turn (p, q) into exactly (q, p), and
    relabelling whole sides (strengths and casualties together) must leave p and q alone.
    """
    path = tmp_path / "engagements.csv"
    _write_csv(path, synthetic_engagements())
    p, q = cs_exponents(fa.read_engagements(path))
    assert abs(p - CS_P) < TOL_CS and abs(q - CS_Q) < TOL_CS, (p, q)

    e = fa.read_engagements()
    p, q = cs_exponents(e)
    assert abs(p - q) > 0.1          # otherwise a swap would go unnoticed
    swapped = dataclasses.replace(e, attacker_strength=e.defender_strength, defender_strength=e.attacker_strength)
    ps, qs = cs_exponents(swapped)
    assert abs(ps - q) < 1e-9 and abs(qs - p) < 1e-9, (p, q, ps, qs)
    relabelled = dataclasses.replace(swapped, attacker_casualties=e.defender_casualties,
                                     defender_casualties=e.attacker_casualties)
    pr, qr = cs_exponents(relabelled)
    assert abs(pr - p) < 1e-9 and abs(qr - q) < 1e-9


def test_cdb90_file_is_what_the_fit_expects():
    e = fa.read_engagements()
    assert 300 <= len(e) <= 660 and len(set(e.isqno)) == len(e)
    for x in (e.attacker_strength, e.defender_strength, e.attacker_casualties, e.defender_casualties):
        assert np.all(np.isfinite(x) & (x > 0))
    assert np.all(e.attacker_casualties < e.attacker_strength) and np.all(e.defender_casualties < e.defender_strength)
    assert np.allclose(e.duration_days, np.maximum(1.0, e.active_hours / 24.0), atol=1e-3)
    assert 1600 <= e.year.min() and e.year.max() <= 1990
    # spot check against jrnold/CDB90 data/belligerents.csv: Nieuport 1600, the Spanish army (attacker = 1)
    # had 11,500 men and lost 4,000; the Dutch (attacker = 0) had 11,300 and lost 1,000
    i = int(np.flatnonzero(e.isqno == 1)[0])
    assert e.name[i] == "NIEUPORT"
    assert (e.attacker_strength[i], e.attacker_casualties[i]) == (11500, 4000)
    assert (e.defender_strength[i], e.defender_casualties[i]) == (11300, 1000)
    assert fa.CDB90_COMMIT in fa.CDB90_DATA.read_text().splitlines()[0]
