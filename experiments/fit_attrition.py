"""Fit the model's attrition law to the Ardennes 1944 daily data, with its uncertainty.

    python experiments/fit_attrition.py

The model (sim/combat.py, `attrition`) takes a side's daily losses to be

    loss = k · U · (enemy / U)^p · (own / U)^q          (U = 1000 men here)

a generalised (Helmbold-type) Lanchester law: p=1, q=0 is the square law, p=1, q=1 the linear law,
p=0, q=1 the logarithmic law. Taking logs turns it into a linear regression,

    log(casualties_t) = log(k·U) + p·log(enemy_t / U) + q·log(own_t / U) + ε_t,

which is fitted here by least squares to the Ardennes Campaign Simulation Data Base series of
data/ardennes-1944.csv (days 2–33 of the Battle of the Bulge): for the Allies alone, the Germans alone,
and both sides jointly (shared p and q, one k per side, as in Wiper, Pettit & Young 2000).

Uncertainty comes two ways:
- a moving-block bootstrap over days (blocks of BLOCK_DAYS consecutive days, both sides of a day kept
  together), because the daily residuals are autocorrelated and an iid resample would understate it;
- the conjugate Bayesian posterior of the normal linear model under the Jeffreys prior (a multivariate
  t around the least-squares estimate), which assumes iid errors and so is the narrower of the two.

The named laws are compared with the free fit by AIC/BIC and by how often each wins in the bootstrap.
Because the forces barely change over the 32 days (and change almost in proportion to each other), only
a combination of p and q is identified; the script reports which one, and turns the result into a
deliberately wide prior for the model's two exponents. The attrition coefficient k is NOT carried over:
it depends on the force scale and unit, and the Ardennes armies (~800,000 and ~600,000 men in a theatre)
are nothing like the model's brigades.

Alongside, and independently of the prior, the same law is fitted across the CDB90 engagements of
data/cdb90-engagements.csv (CAA Database of Battles 1990, from the GitHub repository jrnold/CDB90): one row
per side of each engagement, losses per day against the enemy's and the own initial strength, both sides
pooled, with a bootstrap over engagements. There the force ratio varies from engagement to engagement, so
p − q is identified as well as p + q (see the CDB90 section of the code below).

Writes docs/attrition.md (the report), docs/attrition.png and docs/attrition_cdb90.png (the figures) and
experiments/attrition_prior.json (the prior the calibration uses; the CDB90 fit does not change it).
Deterministic: fixed bootstrap seeds, fixed formatting.

    python experiments/fit_attrition.py --build-cdb90 <checkout of jrnold/CDB90>

rebuilds data/cdb90-engagements.csv from the repository (see `build_cdb90`).
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "ardennes-1944.csv"
REPORT = ROOT / "docs" / "attrition.md"
FIGURE = ROOT / "docs" / "attrition.png"
PRIOR_JSON = ROOT / "experiments" / "attrition_prior.json"

FORCE_UNIT = 1000.0          # U: forces enter the law as multiples of it (p and q do not depend on U; k does)
NAMED_LAWS = {"square": (1.0, 0.0), "linear": (1.0, 1.0), "logarithmic": (0.0, 1.0)}   # (p, q)
N_BOOT = 1000                # bootstrap resamples: enough for stable 2.5/97.5 percentiles
BLOCK_DAYS = 4               # ≈ n^(1/3) for n = 32 days; longer than the lag-1 residual memory
BOOT_SEED = 19441216         # the day the offensive opened; any fixed value makes the run reproducible
PRIOR_LOW, PRIOR_HIGH = 0.0, 2.0   # the exponents' range the model's calibration explores
GRID_POINTS = 201            # grid for the posterior restricted to the prior's box (step 0.01)


# --------------------------------------------------------------------------------------------- data

@dataclass(frozen=True)
class Campaign:
    """Daily forces (men at the start of the day) and casualties (men lost that day) of both sides."""
    day: np.ndarray
    allied: np.ndarray
    allied_casualties: np.ndarray
    german: np.ndarray
    german_casualties: np.ndarray


def read_campaign(path: Path = DATA) -> Campaign:
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    col = {name: np.array([float(r[name]) for r in rows]) for name in rows[0]}
    return Campaign(col["day"], col["allied_forces"], col["allied_casualties"],
                    col["german_forces"], col["german_casualties"])


def bookkeeping_gap(forces: np.ndarray, casualties: np.ndarray, same_day: bool = True) -> np.ndarray:
    """forces[t+1] − (forces[t] − casualties[t]): what the series adds besides casualties (reinforcements).

    With `same_day=False` the casualties of day t+1 are subtracted instead, the other possible pairing.
    A small gap for one pairing and a large one for the other tells which day the casualties belong to.
    """
    lost = casualties[:-1] if same_day else casualties[1:]
    return forces[1:] - (forces[:-1] - lost)


# --------------------------------------------------------------------------------------- regression

@dataclass(frozen=True)
class Regression:
    """log casualties against log forces, one row per (side, day), rows side-major (side s, day t at s·n+t).

    Each side has its own intercept log(k_side·U); p and q are shared by all sides in the regression.
    """
    name: str
    sides: tuple[str, ...]
    log_casualties: np.ndarray
    log_enemy: np.ndarray        # log(enemy_t / U)
    log_own: np.ndarray          # log(own_t / U)
    day: np.ndarray              # the calendar day of each row (for the trend check)
    n_days: int

    def rows(self, days: np.ndarray | None = None) -> np.ndarray:
        """Row indices of the given day positions (0..n_days−1), for every side."""
        days = np.arange(self.n_days) if days is None else np.asarray(days)
        return (np.arange(len(self.sides))[:, None] * self.n_days + days[None, :]).ravel()

    def intercepts(self) -> np.ndarray:
        """One indicator column per side: the side-specific log(k·U)."""
        return np.repeat(np.eye(len(self.sides)), self.n_days, axis=0)

    def design(self) -> np.ndarray:
        return np.column_stack([self.intercepts(), self.log_enemy, self.log_own])


def side_regression(name: str, casualties, enemy, own, day=None, unit: float = FORCE_UNIT) -> Regression:
    """One side's losses against the enemy's force (exponent p) and its own (exponent q)."""
    casualties, enemy, own = (np.asarray(a, dtype=float) for a in (casualties, enemy, own))
    day = np.arange(len(casualties), dtype=float) if day is None else np.asarray(day, dtype=float)
    return Regression(name, (name,), np.log(casualties), np.log(enemy / unit), np.log(own / unit),
                      day, len(casualties))


def joint_regression(campaign: Campaign, unit: float = FORCE_UNIT) -> Regression:
    """Both sides stacked, sharing p and q: the Allies' enemy is the German force and vice versa."""
    allied = side_regression("Allies", campaign.allied_casualties, campaign.german, campaign.allied,
                             campaign.day, unit)
    german = side_regression("Germans", campaign.german_casualties, campaign.allied, campaign.german,
                             campaign.day, unit)
    return stack("joint", [allied, german])


def stack(name: str, parts: list[Regression]) -> Regression:
    return Regression(name, tuple(s for r in parts for s in r.sides),
                      *(np.concatenate([getattr(r, f) for r in parts])
                        for f in ("log_casualties", "log_enemy", "log_own", "day")),
                      parts[0].n_days)


def least_squares(reg: Regression, days: np.ndarray | None = None) -> np.ndarray:
    """Coefficients [log(k_side·U) for each side] + [p, q] on the given days (all by default)."""
    rows = reg.rows(days)
    return np.linalg.lstsq(reg.design()[rows], reg.log_casualties[rows], rcond=None)[0]


def fit_law(casualties, enemy, own, unit: float = FORCE_UNIT) -> tuple[float, float, float]:
    """(k, p, q) of one side's loss series by least squares on the log scale."""
    coef = least_squares(side_regression("side", casualties, enemy, own, unit=unit))
    return math.exp(coef[0]) / unit, float(coef[1]), float(coef[2])


@dataclass(frozen=True)
class Fit:
    """Least-squares estimate and the Jeffreys-prior posterior β | y ~ t_dof(coef, scale)."""
    coef: np.ndarray
    scale: np.ndarray            # s²·(XᵀX)⁻¹
    dof: int
    residuals: np.ndarray
    rss: float


def fit(reg: Regression) -> Fit:
    X, y = reg.design(), reg.log_casualties
    coef = np.linalg.lstsq(X, y, rcond=None)[0]
    resid = y - X @ coef
    dof = len(y) - X.shape[1]
    rss = float(resid @ resid)
    return Fit(coef, rss / dof * np.linalg.inv(X.T @ X), dof, resid, rss)


def posterior_interval(f: Fit, j: int, level: float = 0.95) -> tuple[float, float]:
    half = stats.t.ppf(0.5 + level / 2, f.dof) * math.sqrt(f.scale[j, j])
    return f.coef[j] - half, f.coef[j] + half


# ---------------------------------------------------------------------------------------- bootstrap

def block_resamples(n_days: int, block: int = BLOCK_DAYS, n_boot: int = N_BOOT,
                    seed: int = BOOT_SEED) -> np.ndarray:
    """(n_boot, n_days) day positions: moving blocks of `block` consecutive days, drawn with replacement.

    Keeping runs of days together preserves the day-to-day correlation of the residuals that an iid
    resample would destroy (and with it part of the uncertainty).
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    n_blocks = -(-n_days // block)
    starts = rng.integers(0, n_days - block + 1, size=(n_boot, n_blocks))
    return (starts[:, :, None] + np.arange(block)).reshape(n_boot, -1)[:, :n_days]


def bootstrap(reg: Regression, resamples: np.ndarray) -> np.ndarray:
    """(n_boot, n_coef) least-squares coefficients on each resample of days (both sides of a day together)."""
    return np.array([least_squares(reg, days) for days in resamples])


# ----------------------------------------------------------------------------------- law comparison

def nuisance(reg: Regression, trend: bool = False) -> np.ndarray:
    """The columns fitted besides p and q: one intercept per side, and optionally a linear trend in day.

    The trend stands for everything that changed the battle's intensity over time (the offensive running
    down, weather, the air effort) rather than the forces.
    """
    return np.column_stack([reg.intercepts(), reg.day]) if trend else reg.intercepts()


def law_rss(reg: Regression, p: float, q: float, days: np.ndarray | None = None, trend: bool = False) -> float:
    """Residual sum of squares with p and q fixed, only the side intercepts (and the trend) fitted."""
    rows = reg.rows(days)
    y = (reg.log_casualties - p * reg.log_enemy - q * reg.log_own)[rows]
    X = nuisance(reg, trend)[rows]
    resid = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
    return float(resid @ resid)


def information_criteria(rss: float, n: int, n_params: int) -> tuple[float, float]:
    """(AIC, BIC) of a Gaussian model; n_params counts the error variance too."""
    base = n * math.log(rss / n)
    return base + 2 * n_params, base + n_params * math.log(n)


def compare_laws(reg: Regression, f: Fit, resamples: np.ndarray) -> list[dict]:
    """The three named laws and the free fit: σ, AIC, BIC, the bootstrap share of wins among the named
    laws, and the AIC of the same law when the intensity may also drift linearly in time."""
    n, n_sides = len(reg.log_casualties), len(reg.sides)
    wins = np.zeros(len(NAMED_LAWS))
    for days in resamples:
        wins[np.argmin([law_rss(reg, p, q, days) for p, q in NAMED_LAWS.values()])] += 1
    rows = []
    for (name, (p, q)), w in zip(NAMED_LAWS.items(), wins, strict=True):
        rss = law_rss(reg, p, q)
        rows.append({"law": name, "p": p, "q": q, "rss": rss, "sigma": math.sqrt(rss / (n - n_sides)),
                     "ic": information_criteria(rss, n, n_sides + 1), "boot_wins": w / len(resamples),
                     "aic_trend": information_criteria(law_rss(reg, p, q, trend=True), n, n_sides + 2)[0]})
    trend_resid = trend_check(reg)[2]
    rows.append({"law": "free fit", "p": f.coef[-2], "q": f.coef[-1], "rss": f.rss,
                 "sigma": math.sqrt(f.rss / f.dof), "ic": information_criteria(f.rss, n, n_sides + 3),
                 "boot_wins": float("nan"),
                 "aic_trend": information_criteria(float(trend_resid @ trend_resid), n, n_sides + 4)[0]})
    return rows


def effective_fraction(reg: Regression, f: Fit) -> tuple[float, float]:
    """(lag-1 residual autocorrelation ρ, n_eff/n = (1−ρ)/(1+ρ)), ρ averaged over the sides.

    With AR(1)-like errors n days carry about as much information as n·(1−ρ)/(1+ρ) independent ones.
    """
    r = f.residuals.reshape(len(reg.sides), reg.n_days)
    rho = float(np.mean([np.corrcoef(s[:-1], s[1:])[0, 1] for s in r]))
    rho = max(rho, 0.0)
    return rho, (1 - rho) / (1 + rho)


def trend_check(reg: Regression) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Least squares with a linear trend in day added: (coefficients, standard errors, residuals).

    If p and q were identified by the forces rather than by the time trend of the casualties, adding a
    trend would change them little; if it changes them a lot, they are the trend under another name.
    """
    X = np.column_stack([reg.design(), reg.day])
    y = reg.log_casualties
    coef = np.linalg.lstsq(X, y, rcond=None)[0]
    resid = y - X @ coef
    s2 = resid @ resid / (len(y) - X.shape[1])
    return coef, np.sqrt(np.diag(s2 * np.linalg.inv(X.T @ X))), resid


# -------------------------------------------------------------------------------------------- prior

def box_posterior(reg: Regression, fraction: float, points: int = GRID_POINTS) -> dict:
    """Posterior of (p, q) under a uniform prior on [0, 2]², intercepts and σ integrated out.

    The marginal likelihood of (p, q) is ∝ RSS(p, q)^(−n/2); it is tempered to n_eff = fraction·n so
    that autocorrelated days are not counted as independent evidence. RSS is a quadratic in (p, q)
    once the side intercepts are projected out, so the whole grid costs a few array operations.
    """
    M = np.eye(len(reg.log_casualties)) - reg.intercepts() @ np.linalg.pinv(reg.intercepts())
    y, e, o = M @ reg.log_casualties, M @ reg.log_enemy, M @ reg.log_own
    grid = np.linspace(PRIOR_LOW, PRIOR_HIGH, points)
    P, Q = np.meshgrid(grid, grid, indexing="ij")
    rss = (y @ y - 2 * P * (y @ e) - 2 * Q * (y @ o) + P**2 * (e @ e) + 2 * P * Q * (e @ o) + Q**2 * (o @ o))
    logw = -0.5 * fraction * len(y) * np.log(rss)
    w = np.exp(logw - logw.max())
    w /= w.sum()
    mean_p, mean_q = float((w * P).sum()), float((w * Q).sum())
    return {"grid": grid, "weights": w, "mean_p": mean_p, "mean_q": mean_q,
            "sd_p": math.sqrt(float((w * (P - mean_p) ** 2).sum())),
            "sd_q": math.sqrt(float((w * (Q - mean_q) ** 2).sum()))}


def round_up(x: float, decimals: int = 2) -> float:
    return math.ceil(x * 10**decimals) / 10**decimals


def build_prior(reg: Regression, f: Fit, boot: np.ndarray, fraction: float) -> dict:
    """Normal priors for p and q, truncated to [0, 2], from the joint fit.

    Centre: the mean of the posterior restricted to [0, 2]² (the fit's own optimum lies outside the
    box the model explores). Spread: the widest of the bootstrap sd, the Jeffreys-posterior sd and the
    box-posterior sd, rounded up, so the prior is never more confident than any of the three.
    """
    box = box_posterior(reg, fraction)
    prior = {}
    for j, key, mean, box_sd in ((-2, "attrition_enemy_exponent", box["mean_p"], box["sd_p"]),
                                 (-1, "attrition_own_exponent", box["mean_q"], box["sd_q"])):
        sd = round_up(max(float(boot[:, j].std()), math.sqrt(f.scale[j, j]), box_sd))
        a, b = (PRIOR_LOW - mean) / sd, (PRIOR_HIGH - mean) / sd
        tn = stats.truncnorm(a, b, loc=mean, scale=sd)
        prior[key] = {"distribution": "normal", "mean": round(mean, 2), "sd": sd,
                      "low": PRIOR_LOW, "high": PRIOR_HIGH,
                      "truncated_mean": round(float(tn.mean()), 2), "truncated_sd": round(float(tn.std()), 2),
                      "source": "docs/attrition.md (joint fit to the Ardennes 1944 daily data, "
                                "experiments/fit_attrition.py)"}
    return prior


# ------------------------------------------------------------------------------------------ summary

def summarise(reg: Regression, f: Fit, boot: np.ndarray) -> dict:
    """Point estimates and 95% intervals (bootstrap percentile and posterior) of k per side, p and q."""
    n_sides = len(reg.sides)
    out = {"name": reg.name, "params": []}
    for j in range(len(f.coef)):
        lo, hi = np.percentile(boot[:, j], [2.5, 97.5])
        plo, phi = posterior_interval(f, j)
        if j < n_sides:   # the intercept is log(k·U): report k itself
            out["params"].append((f"k ({reg.sides[j]})",
                                  *(math.exp(v) / FORCE_UNIT for v in (f.coef[j], lo, hi, plo, phi))))
        else:
            out["params"].append(("p (enemy)" if j == n_sides else "q (own)", f.coef[j], lo, hi, plo, phi))
    # the sum and the difference of the exponents: the two directions the joint fit separates
    for label, sign in (("p + q", 1.0), ("p − q", -1.0)):
        est, draws = f.coef[-2] + sign * f.coef[-1], boot[:, -2] + sign * boot[:, -1]
        half = stats.t.ppf(0.975, f.dof) * math.sqrt(f.scale[-2, -2] + f.scale[-1, -1] + 2 * sign * f.scale[-2, -1])
        out["params"].append((label, est, *np.percentile(draws, [2.5, 97.5]), est - half, est + half))
    cov = np.cov(boot[:, -2:].T)
    out["corr_pq_boot"] = cov[0, 1] / math.sqrt(cov[0, 0] * cov[1, 1])
    out["corr_pq_post"] = f.scale[-2, -1] / math.sqrt(f.scale[-2, -2] * f.scale[-1, -1])
    out["corr_logk_sum_boot"] = float(np.corrcoef(boot[:, 0], boot[:, -2] + boot[:, -1])[0, 1])
    # the identified and the unidentified direction in (p, q): eigenvectors of the bootstrap covariance
    vals, vecs = np.linalg.eigh(cov)
    vecs = vecs * np.sign(vecs[np.argmax(np.abs(vecs), axis=0), range(2)])   # largest component positive
    est = f.coef[-2:]
    out["identified"] = (vecs[:, 0], float(vecs[:, 0] @ est), math.sqrt(vals[0]))
    out["unidentified"] = (vecs[:, 1], float(vecs[:, 1] @ est), math.sqrt(vals[1]))
    # daily loss rate at the mean forces: casualties / own force, free of the p–q–k trade-off
    rates = []
    for s, side in enumerate(reg.sides):
        rows = reg.rows()[s * reg.n_days:(s + 1) * reg.n_days]
        own = np.exp(reg.log_own[rows].mean()) * FORCE_UNIT
        boot_rate = [math.exp(reg.log_casualties[rows][d].mean()) / (np.exp(reg.log_own[rows][d].mean()) * FORCE_UNIT)
                     for d in block_resamples(reg.n_days)]
        rates.append((side, math.exp(reg.log_casualties[rows].mean()) / own, *np.percentile(boot_rate, [2.5, 97.5])))
    out["loss_rate"] = rates
    return out


# -------------------------------------------------------------------------------- CDB90 engagements
#
# A second, independent data set, reported alongside the Ardennes fit: the CAA Database of Battles,
# version 1990 (CDB90). It does NOT feed the prior above (the calibration has already used that prior).
# Each engagement gives one number per side — initial strength, casualties — and a duration, so the law
# is fitted across engagements instead of across days:
#
#     log(casualties_s / days) = log(k·U) + a·[s is the attacker] + p·log(enemy_s / U) + q·log(own_s / U) + ε_s
#
# both sides of every engagement pooled (shared p, q; the attacker indicator lets attackers and defenders
# differ in loss level). Summing and differencing a pair's two rows shows what identifies what: the sum
# gives p + q (how total losses grow with the size of the engagement), the difference gives p − q (how the
# casualty exchange ratio moves with the force ratio), and in the difference every engagement-level
# factor — duration, era, intensity, a casualty definition shared by both sides — cancels.

CDB90_DATA = ROOT / "data" / "cdb90-engagements.csv"
CDB90_FIGURE = ROOT / "docs" / "attrition_cdb90.png"
CDB90_REPO = "jrnold/CDB90"
CDB90_COMMIT = "e0b35ec4d798cec3bb4e6970c0f6bb7aa69e2f4c"
CDB90_SEED = 1990            # the database's version year; any fixed value makes the run reproducible
MODERN_YEAR = 1900           # the 20th-century subset: engagements from this year on
SHORT_DAYS = 10.0            # engagements of at most this many days: the nearest to the model's daily fighting
POSTERIOR_SAMPLE = ROOT / "configs" / "kursk_2024.posterior.parquet"   # read only: the calibration's posterior
# docs/calibration.md, calibrated on everything: (median, 5%, 95%) of the exponents; used if the sample is absent
CALIBRATION_QUOTED = {"p": (1.09, 0.05, 1.85), "q": (0.86, 0.22, 1.61)}
CDB90_COLUMNS = ("isqno", "name", "year", "attacker_strength", "defender_strength", "attacker_casualties",
                 "defender_casualties", "active_hours", "duration_days", "parent_isqno", "cea")
P_COL, Q_COL = 2, 3          # columns of p and q in the cross-sectional design: [1, attacker, enemy, own, …]
CHI2_95_2DOF = float(stats.chi2.ppf(0.95, 2))


@dataclass(frozen=True)
class Engagements:
    """One entry per engagement; strengths are initial personnel strengths, casualties the battle's total."""
    isqno: np.ndarray
    name: tuple[str, ...]
    year: np.ndarray
    attacker_strength: np.ndarray
    defender_strength: np.ndarray
    attacker_casualties: np.ndarray
    defender_casualties: np.ndarray
    active_hours: np.ndarray     # summed active periods of the battle
    duration_days: np.ndarray    # max(1, active_hours / 24): a battle shorter than a day counts as one day
    parent: np.ndarray           # isqno of the engagement this one is part of, 0 if none
    cea: np.ndarray              # attacker's relative combat effectiveness, −4..+4 (HERO's judgement); nan unknown

    def __len__(self) -> int:
        return len(self.isqno)

    def subset(self, mask: np.ndarray) -> Engagements:
        mask = np.asarray(mask, dtype=bool)
        return Engagements(**{f: (tuple(np.array(v, dtype=object)[mask]) if f == "name" else v[mask])
                              for f, v in self.__dict__.items()})


def read_engagements(path: Path = CDB90_DATA) -> Engagements:
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))

    def col(name: str) -> np.ndarray:
        return np.array([float(r[name]) if r[name] != "" else math.nan for r in rows])

    return Engagements(col("isqno").astype(int), tuple(r["name"] for r in rows), col("year").astype(int),
                       col("attacker_strength"), col("defender_strength"), col("attacker_casualties"),
                       col("defender_casualties"), col("active_hours"), col("duration_days"),
                       np.nan_to_num(col("parent_isqno")).astype(int), col("cea"))


def build_cdb90(source: Path, out: Path = CDB90_DATA) -> int:
    """Write data/cdb90-engagements.csv from a checkout of jrnold/CDB90 at CDB90_COMMIT; return its row count.

        git clone https://github.com/jrnold/CDB90 && git -C CDB90 checkout e0b35ec4d798cec3bb4e6970c0f6bb7aa69e2f4c
        python experiments/fit_attrition.py --build-cdb90 CDB90

    From that repository: data/belligerents.csv — each side's initial personnel strength `intst` and battle
    casualties `cas` (the row with attacker = 1 is the attacker); data/active_periods.csv — the battle's
    active periods, their durations (midpoint of duration_min and duration_max, minutes) summed, and the
    year of the first; data/battles.csv — name and `parent` (the engagement this one is part of);
    src-data/CDB90/CDB90-patched.csv — CEA, taken from the patched original because data/battles.csv lost
    its negative codes. data/battle_durations.csv is not used: its duration1 spans the periods' start times
    only (the four months of Third Ypres count 2 days). Kept: both sides' strength and casualties known and
    positive, casualties below the initial strength (more would need reinforcements the initial strength
    does not count), every active period's duration known.
    """
    def table(rel: str) -> list[dict]:
        with open(source / rel, newline="") as fh:
            return list(csv.DictReader(fh))

    def number(s: str) -> float:
        try:
            return float(s)
        except ValueError:
            return math.nan

    sides: dict[int, dict] = {}
    for r in table("data/belligerents.csv"):
        role = "attacker" if r["attacker"] in ("1", "TRUE", "True", "true") else "defender"
        sides.setdefault(int(r["isqno"]), {})[role] = (number(r["intst"]), number(r["cas"]))
    battles = {int(r["isqno"]): r for r in table("data/battles.csv")}
    cea = {int(r["ISQNO"]): int(number(r["CEA"])) for r in table("src-data/CDB90/CDB90-patched.csv")}
    periods: dict[int, list[dict]] = {}
    for r in table("data/active_periods.csv"):
        periods.setdefault(int(r["isqno"]), []).append(r)

    kept = []
    for isqno in sorted(sides):
        (sa, ca), (sd, cd) = sides[isqno]["attacker"], sides[isqno]["defender"]
        minutes = [0.5 * (number(p["duration_min"]) + number(p["duration_max"])) for p in periods.get(isqno, [])]
        starts = [p["start_time_min"] or p["end_time_min"] for p in periods.get(isqno, [])]
        if not (min(sa, sd, ca, cd) > 0 and ca < sa and cd < sd and minutes
                and all(m > 0 for m in minutes)):        # nan > 0 is False: unknown values drop the row
            continue
        hours = sum(minutes) / 60
        parent = battles[isqno]["parent"]
        kept.append({"isqno": isqno, "name": battles[isqno]["name"], "year": min(s[:4] for s in starts),
                     "attacker_strength": f"{sa:.0f}", "defender_strength": f"{sd:.0f}",
                     "attacker_casualties": f"{ca:.0f}", "defender_casualties": f"{cd:.0f}",
                     "active_hours": f"{hours:.2f}", "duration_days": f"{max(1.0, hours / 24):.4f}",
                     "parent_isqno": f"{number(parent):.0f}" if parent else "",
                     "cea": "" if cea[isqno] == -9 else str(cea[isqno])})
    with open(out, "w", newline="") as fh:
        fh.write(f"# CDB90 (CAA Database of Battles, version 1990) engagements, one row each, from github.com/"
                 f"{CDB90_REPO} at commit {CDB90_COMMIT}\n"
                 "# strengths/casualties: data/belligerents.csv (intst, cas; attacker = 1 is the attacker); "
                 "active_hours: data/active_periods.csv (sum of midpoints of duration_min/duration_max); "
                 "year: first active period; name, parent_isqno: data/battles.csv (parent); "
                 "cea: src-data/CDB90/CDB90-patched.csv (CEA, -4..+4, blank = unknown)\n"
                 "# duration_days = max(1, active_hours/24). Kept: strengths and casualties known, positive, "
                 "casualties < initial strength, durations known. Built by experiments/fit_attrition.py "
                 "--build-cdb90. Data: ODC-BY (jrnold/CDB90); the original CDB90 is public domain.\n")
        writer = csv.DictWriter(fh, fieldnames=CDB90_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(kept)
    return len(kept)


def cross_section(e: Engagements, duration: str = "days", effectiveness: bool = False,
                  unit: float = FORCE_UNIT) -> tuple[np.ndarray, np.ndarray]:
    """(design, response) of the pooled fit: attackers' rows first, then the defenders' in the same order.

    duration: "days" — losses per day of duration_days (the model's daily law; the default);
              "active" — per 24 hours of active fighting, without the one-day floor;
              "free" — total losses, with log(duration_days) as a regressor (its coefficient is fitted).
    effectiveness: add CEA, +cea in the attacker's row and −cea in the defender's (quality shifts losses
              from one side to the other); needs every cea known.
    Columns: [1, attacker, log(enemy/U), log(own/U)] (+ log days) (+ ±cea); p and q at P_COL and Q_COL.
    """
    n = len(e)
    att, dfn = np.log(e.attacker_strength / unit), np.log(e.defender_strength / unit)
    casualties = np.r_[e.attacker_casualties, e.defender_casualties]
    days = {"days": e.duration_days, "active": e.active_hours / 24.0, "free": np.ones(n)}[duration]
    cols = [np.ones(2 * n), np.r_[np.ones(n), np.zeros(n)], np.r_[dfn, att], np.r_[att, dfn]]
    if duration == "free":
        cols.append(np.tile(np.log(e.duration_days), 2))
    if effectiveness:
        cols.append(np.r_[e.cea, -e.cea])
    return np.column_stack(cols), np.log(casualties / np.tile(days, 2))


def engagement_resamples(n: int, n_boot: int = N_BOOT, seed: int = CDB90_SEED) -> np.ndarray:
    """(n_boot, n) engagement indices drawn with replacement; an engagement brings both its rows."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    return rng.integers(0, n, size=(n_boot, n))


def cross_section_bootstrap(X: np.ndarray, y: np.ndarray, resamples: np.ndarray) -> np.ndarray:
    """(n_boot, n_coef) least-squares coefficients, one per resample of engagements.

    Resampling whole engagements keeps a pair's two rows together: they share the engagement's intensity,
    duration and sources (their residuals are correlated), which an iid resample of rows would ignore.
    Weighted normal equations with the resample counts as weights give all resamples at once.
    """
    n = len(y) // 2
    counts = np.zeros((len(resamples), n))
    np.add.at(counts, (np.repeat(np.arange(len(resamples)), n), resamples.ravel()), 1.0)
    W = np.tile(counts, 2)[:, :, None] * X[None]                     # (n_boot, 2n, k)
    XtWX, XtWy = W.transpose(0, 2, 1) @ X, W.transpose(0, 2, 1) @ y
    return np.linalg.solve(XtWX, XtWy[..., None])[..., 0]


def exponent_draws(coef: np.ndarray) -> dict[str, np.ndarray]:
    """p, q, their sum and difference, from coefficient vectors (last axis)."""
    p, q = coef[..., P_COL], coef[..., Q_COL]
    return {"p": p, "q": q, "p + q": p + q, "p − q": p - q}


def fit_cross_section(e: Engagements, label: str, duration: str = "days", effectiveness: bool = False,
                      n_boot: int = N_BOOT, seed: int = CDB90_SEED) -> dict:
    """Least squares and the engagement bootstrap: estimates with 95% percentile intervals, and diagnostics."""
    X, y = cross_section(e, duration, effectiveness)
    coef = np.linalg.lstsq(X, y, rcond=None)[0]
    resid = y - X @ coef
    n = len(e)
    boot = cross_section_bootstrap(X, y, engagement_resamples(n, n_boot, seed))
    est, draws = exponent_draws(coef), exponent_draws(boot)
    out = {"label": label, "n": n, "years": (int(e.year.min()), int(e.year.max())), "coef": coef, "boot": boot,
           "est": {k: float(v) for k, v in est.items()},
           "ci": {k: tuple(np.percentile(v, [2.5, 97.5])) for k, v in draws.items()},
           "sd": {k: float(v.std()) for k, v in draws.items()},
           "attacker_factor": (math.exp(coef[1]), *np.exp(np.percentile(boot[:, 1], [2.5, 97.5]))),
           "sigma": math.sqrt(float(resid @ resid) / (2 * n - X.shape[1])),
           "side_corr": float(np.corrcoef(resid[:n], resid[n:])[0, 1]),
           "cov_pq": np.cov(boot[:, [P_COL, Q_COL]].T)}
    if duration == "free":
        out["duration_elasticity"] = (float(coef[4]), *np.percentile(boot[:, 4], [2.5, 97.5]))
    if effectiveness:
        out["cea_effect"] = (float(coef[-1]), *np.percentile(boot[:, -1], [2.5, 97.5]))
    # the named laws against this fit: Mahalanobis distance under the bootstrap covariance of (p, q)
    inv = np.linalg.inv(out["cov_pq"])
    out["laws"] = {}
    for law, (p, q) in NAMED_LAWS.items():
        d = np.array([p, q]) - np.array([est["p"], est["q"]])
        d2 = float(d @ inv @ d)
        out["laws"][law] = (math.sqrt(d2), float(stats.chi2.sf(d2, 2)))
    return out


def exchange_slope(e: Engagements) -> float:
    """Slope of log(attacker/defender casualties) on log(attacker/defender strength): q − p, duration-free."""
    return float(np.polyfit(np.log(e.attacker_strength / e.defender_strength),
                            np.log(e.attacker_casualties / e.defender_casualties), 1)[0])


def weighted_quantile(x: np.ndarray, w: np.ndarray, q) -> np.ndarray:
    """Quantiles under weights (inverse of the midpoint weighted CDF), as sim/calibration_report.py takes them."""
    order = np.argsort(x, kind="stable")
    x, w = np.asarray(x)[order], np.asarray(w)[order]
    return np.interp(q, (np.cumsum(w) - 0.5 * w) / w.sum(), x)


def read_posterior(path: Path = POSTERIOR_SAMPLE) -> dict | None:
    """The calibration's weighted posterior sample of (p, q), or None if it is not there."""
    if not path.exists():
        return None
    import pandas as pd
    df = pd.read_parquet(path, columns=["attrition_enemy_exponent", "attrition_own_exponent", "weight"])
    w = df["weight"].to_numpy(float)
    return {"p": df["attrition_enemy_exponent"].to_numpy(float), "q": df["attrition_own_exponent"].to_numpy(float),
            "w": w / w.sum()}


def compare_with_posterior(fit_: dict, post: dict | None) -> list[tuple]:
    """(quantity, CDB90 estimate, CDB90 95%, posterior median, posterior 90%, posterior weight in the CDB90 95%)."""
    rows = []
    for key in ("p", "q", "p + q", "p − q"):
        lo, hi = fit_["ci"][key]
        if post is None:
            if key not in CALIBRATION_QUOTED:
                continue
            med, p5, p95 = CALIBRATION_QUOTED[key]
            rows.append((key, fit_["est"][key], (lo, hi), med, (p5, p95), math.nan))
            continue
        x = {"p": post["p"], "q": post["q"], "p + q": post["p"] + post["q"], "p − q": post["p"] - post["q"]}[key]
        p5, med, p95 = weighted_quantile(x, post["w"], [0.05, 0.5, 0.95])
        rows.append((key, fit_["est"][key], (lo, hi), float(med), (float(p5), float(p95)),
                     float(post["w"][(x >= lo) & (x <= hi)].sum())))
    return rows


def posterior_in_ellipse(fit_: dict, post: dict | None) -> float:
    """Posterior weight inside the CDB90 fit's 95% bootstrap ellipse of (p, q)."""
    if post is None:
        return math.nan
    d = np.column_stack([post["p"], post["q"]]) - np.array([fit_["est"]["p"], fit_["est"]["q"]])
    d2 = np.einsum("ij,jk,ik->i", d, np.linalg.inv(fit_["cov_pq"]), d)
    return float(post["w"][d2 <= CHI2_95_2DOF].sum())


def analyse_cdb90(e: Engagements) -> dict:
    """All the CDB90 fits the report uses: subsets, then sensitivities on all engagements."""
    modern, short = e.year >= MODERN_YEAR, e.duration_days <= SHORT_DAYS
    subsets = [fit_cross_section(e, "all engagements"),
               fit_cross_section(e.subset(modern), f"since {MODERN_YEAR}"),
               fit_cross_section(e.subset(short), f"≤ {SHORT_DAYS:g} days"),
               fit_cross_section(e.subset(modern & short), f"since {MODERN_YEAR}, ≤ {SHORT_DAYS:g} days")]
    known_cea = ~np.isnan(e.cea)
    sensitivity = [subsets[0],
                   fit_cross_section(e, "per 24 h of active fighting (no one-day floor)", duration="active"),
                   fit_cross_section(e, "total losses, log duration fitted", duration="free"),
                   fit_cross_section(e.subset(e.parent == 0), "without engagements nested in another")]
    if not known_cea.all():    # the fit with CEA needs it known; then compare like with like
        sensitivity.append(fit_cross_section(e.subset(known_cea), "CEA known, without it"))
    sensitivity.append(fit_cross_section(e.subset(known_cea), "CEA as a regressor", effectiveness=True))
    post = read_posterior()
    log_ratio = np.log(e.attacker_strength / e.defender_strength)
    log_size = 0.5 * np.log(e.attacker_strength * e.defender_strength)
    return {"e": e, "subsets": subsets, "sensitivity": sensitivity, "posterior": post,
            "comparison": {s["label"]: compare_with_posterior(s, post) for s in (subsets[0], subsets[3])},
            "in_ellipse": {s["label"]: posterior_in_ellipse(s, post) for s in (subsets[0], subsets[3])},
            "exchange_slope": exchange_slope(e),
            "spread": {"ratio_p5_p95": np.exp(np.percentile(log_ratio, [5, 95])),
                       "size_p5_p95": np.exp(np.percentile(log_size, [5, 95])),
                       "sd_log_ratio": float(log_ratio.std()), "sd_log_size": float(log_size.std()),
                       "corr_size_days": float(np.corrcoef(log_size, np.log(e.duration_days))[0, 1]),
                       "corr_size_year": float(np.corrcoef(log_size, e.year)[0, 1]),
                       "corr_ratio_cea": float(np.corrcoef(log_ratio[known_cea], e.cea[known_cea])[0, 1]),
                       "median_ratio": float(np.exp(np.median(log_ratio))),
                       "share_one_day": float(np.mean(e.duration_days <= 1.0)),
                       "n_ww2": int(np.sum((e.year >= 1939) & (e.year <= 1945))),
                       "n_nested": int(np.sum(e.parent > 0)), "n_cea": int(known_cea.sum())}}


# ------------------------------------------------------------------------------------------- output

def num(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}".replace("-0.00", "0.00")


def k_num(x: float) -> str:
    return f"{x:.2e}"


def render_report(c: Campaign, summaries: list[dict], comparisons: dict, fractions: dict,
                  trend: tuple[np.ndarray, np.ndarray, np.ndarray], box: dict, prior: dict,
                  cdb90: dict | None = None) -> str:
    """docs/attrition.md. Every number in it is computed here, so the text cannot drift from the fit."""
    gap_a, gap_g = bookkeeping_gap(c.allied, c.allied_casualties), bookkeeping_gap(c.german, c.german_casualties)
    alt_a = bookkeeping_gap(c.allied, c.allied_casualties, same_day=False)
    alt_g = bookkeeping_gap(c.german, c.german_casualties, same_day=False)
    drop = {side: 100 * (1 - f[-1] / f[0]) for side, f in (("Allies", c.allied), ("Germans", c.german))}
    cas_drop = {side: 100 * (1 - x[-5:].mean() / x[:5].mean())
                for side, x in (("Allies", c.allied_casualties), ("Germans", c.german_casualties))}
    peak = {side: int(c.day[np.argmax(x)]) for side, x in (("Allies", c.allied_casualties),
                                                            ("Germans", c.german_casualties))}
    ratio_move = 100 * abs(1 - (c.german[-1] / c.allied[-1]) / (c.german[0] / c.allied[0]))
    joint = summaries[-1]
    J = {row[0]: row for row in joint["params"]}
    law = {r["law"]: r for r in comparisons["joint"]}
    aic = {name: r["ic"][0] for name, r in law.items()}
    d_sq, d_log = aic["square"] - aic["linear"], aic["logarithmic"] - aic["linear"]
    shrink = fractions["joint"][1]
    trend_aics = [law[n]["aic_trend"] for n in NAMED_LAWS]
    trend_spread = max(trend_aics) - min(trend_aics)
    trend_free = law["free fit"]["aic_trend"] - min(trend_aics)
    pe, qe = prior["attrition_enemy_exponent"], prior["attrition_own_exponent"]
    tc, tse, _ = trend

    def interval(row) -> str:
        return f"{num(row[1])} (95% bootstrap {num(row[2])} to {num(row[3])})"

    L: list[str] = []
    w = L.append
    w("# The attrition law fitted to the Ardennes 1944 daily data")
    w("")
    w("Rebuild: `python experiments/fit_attrition.py` (writes this file, `docs/attrition.png` and "
      "`experiments/attrition_prior.json`; deterministic, a few seconds). Checked by "
      "`tests/test_attrition_fit.py`: the fit recovers a known law from synthetic data, the block-bootstrap "
      "intervals cover the truth at about their nominal rate, and the prior written here matches the fit.")
    w("")
    w("## Summary")
    w("")
    w(f"- The model's law, loss = k·U·(enemy/U)^p·(own/U)^q, fitted to both sides jointly (shared p, q; one k "
      f"per side) gives p = {interval(J['p (enemy)'])} and q = {interval(J['q (own)'])}, strongly negatively "
      f"correlated (r = {num(joint['corr_pq_boot'])}). Fitted to one side at a time the exponents are not "
      "identified at all (intervals tens of units wide).")
    w(f"- The data fix one combination, p + q = {interval(J['p + q'])}: casualties fell faster over the 32 days "
      "than the forces. That decline is explained as well by the battle's waning intensity as by the forces: "
      f"with a linear time trend added, p = {num(tc[-3])} ± {num(tse[-3])} and q = {num(tc[-2])} ± "
      f"{num(tse[-2])}. The exchange-ratio exponent p − q = {interval(J['p − q'])}, which is what separates "
      "the square (1), linear (0) and logarithmic (−1) laws, is not identified.")
    w(f"- Taken at face value (constant intensity) the linear law fits better than the square and logarithmic "
      f"laws (ΔAIC {num(d_sq, 1)} and {num(d_log, 1)}, about {num(d_sq * shrink, 1)} and "
      f"{num(d_log * shrink, 1)} after allowing for autocorrelation), because its p + q = 2 is nearest the "
      f"fitted ridge; square and logarithmic cannot be told apart. Once the intensity may drift in time, all "
      f"three fit the joint data equally (AICs within {num(trend_spread, 1)}) and the free exponents add nothing "
      f"(ΔAIC {num(trend_free, 1)}).")
    w(f"- Prior for the model (`experiments/attrition_prior.json`): p ~ Normal({pe['mean']}, {pe['sd']}) and "
      f"q ~ Normal({qe['mean']}, {qe['sd']}), each truncated to [0, 2] — nearly flat over the range "
      f"(truncated means {pe['truncated_mean']} and {qe['truncated_mean']}, sds {pe['truncated_sd']} and "
      f"{qe['truncated_sd']}; a uniform on [0, 2] has mean 1, sd 0.58). The Ardennes k is not transferable to "
      "the model and gets no prior.")
    if cdb90 is not None:
        w(cdb90_summary_line(cdb90))
    w("")
    w("## Data and source")
    w("")
    w("`data/ardennes-1944.csv`: days 2–33 of the Battle of the Bulge (16 December 1944 is day 1), daily forces "
      "and casualties of the Allies and the Germans, from the Ardennes Campaign Simulation Data Base (ACSDB) as "
      "used by Wiper, Pettit & Young (2000); copied from the public repository yiyuezhuo/lanchester-model-review "
      f"(`Ardennes.csv`). Allied forces fall from {c.allied[0]:,.0f} to {c.allied[-1]:,.0f} "
      f"({num(drop['Allies'], 1)}%), German forces from {c.german[0]:,.0f} to {c.german[-1]:,.0f} "
      f"({num(drop['Germans'], 1)}%); the two log force series have correlation "
      f"{np.corrcoef(np.log(c.allied), np.log(c.german))[0, 1]:.4f}, and the German/Allied force ratio moves by "
      f"only {num(ratio_move, 1)}%. Daily casualties fall much more: the mean of the last five days is "
      f"{num(cas_drop['Allies'], 0)}% (Allies) and {num(cas_drop['Germans'], 0)}% (Germans) below that of the "
      f"first five; the Allied peak is on day {peak['Allies']}, the German on day {peak['Germans']}.")
    w("")
    w("**Which day the casualties belong to.** forces[t+1] − (forces[t] − casualties[t]) is small: "
      f"Allies {gap_a.min():+.0f} to {gap_a.max():+.0f} men a day (mean {gap_a.mean():+.1f}), Germans "
      f"{gap_g.min():+.0f} to {gap_g.max():+.0f} (mean {gap_g.mean():+.1f}), under 0.01% of the forces. "
      "Subtracting the casualties of day t+1 instead leaves gaps of "
      f"{alt_a.min():+.0f} to {alt_a.max():+.0f} (Allies) and {alt_g.min():+.0f} to {alt_g.max():+.0f} (Germans). "
      "So the forces of day t are the strength at the start of day t and the casualties of day t are that day's "
      "losses from it: the fit pairs them on the same row, as the model's law does. The near-zero gap also "
      "shows that the series carries no net reinforcements: each force is its opening strength minus the "
      "cumulative casualties, a smooth curve that cannot vary independently of the casualties' own trend.")
    w("")
    w("## Method")
    w("")
    w("Taking logs, the law is a linear regression, "
      "log(casualties_t) = log(k·U) + p·log(enemy_t/U) + q·log(own_t/U) + ε_t, with U = 1000 men (U moves "
      "only k; the model's own force_unit is set in configs/kursk_2024.toml). It is fitted by least squares (i) to the Allies' losses, (ii) to the Germans' losses, "
      "(iii) to both jointly with shared p, q and one k per side (the two armies differ in quality). The joint "
      "form is the structure of Wiper, Pettit & Young's model as replicated in yiyuezhuo/lanchester-model-review "
      "(`simple_model.stan`: side-specific intercepts, shared exponents on the log forces); that replication "
      "also has an indicator for the first five days and N(0.5, 0.5²) priors on the exponents, both left out "
      "here.")
    w("")
    w(f"Uncertainty: (a) a moving-block bootstrap over days — {N_BOOT} resamples of {BLOCK_DAYS}-day blocks "
      f"(seed {BOOT_SEED} through numpy's SeedSequence), both sides of a day resampled together, 95% percentile "
      "intervals; blocks because the daily residuals are autocorrelated (lag-1 autocorrelation "
      + ", ".join(f"{k} {num(v[0])}" for k, v in fractions.items()) +
      "); (b) the Bayesian posterior of the normal linear model under the Jeffreys prior (a multivariate t "
      "around the least-squares estimate), which assumes independent days and is therefore the narrower.")
    w("")
    w("## Estimates")
    w("")
    w("95% intervals from the block bootstrap (percentile) and the Jeffreys posterior. k is per day, for forces "
      "in units of U = 1000 men.")
    w("")
    w("| fit | parameter | estimate | bootstrap 95% | posterior 95% |")
    w("|---|---|---|---|---|")
    for s in summaries:
        for name, est, lo, hi, plo, phi in s["params"]:
            f_ = k_num if name.startswith("k") else num
            w(f"| {s['name']} | {name} | {f_(est)} | {f_(lo)} to {f_(hi)} | {f_(plo)} to {f_(phi)} |")
    w("")
    w("| fit | corr(p, q) bootstrap | corr(p, q) posterior | corr(log k, p + q) bootstrap | best-identified "
      "direction | worst-identified direction |")
    w("|---|---|---|---|---|---|")
    for s in summaries:
        (v1, e1, sd1), (v2, e2, sd2) = s["identified"], s["unidentified"]
        w(f"| {s['name']} | {num(s['corr_pq_boot'])} | {num(s['corr_pq_post'])} | {num(s['corr_logk_sum_boot'])} | "
          f"{num(v1[0])}·p {'+' if v1[1] >= 0 else '−'} {num(abs(v1[1]))}·q = {num(e1)} ± {num(sd1)} | "
          f"{num(v2[0])}·p {'+' if v2[1] >= 0 else '−'} {num(abs(v2[1]))}·q = {num(e2)} ± {num(sd2)} |")
    w("")
    w("(Directions are the eigenvectors of the bootstrap covariance of (p, q); ± is the bootstrap sd along each.)")
    w("")
    w("k is tied to p and q: with U = 1000 the log forces sit near 6.2–6.7, far from zero, so a change of p "
      "+ q is offset by a change of log k (see the correlations above); that is why its intervals span many "
      "orders of magnitude. What the "
      "data do fix is the daily loss rate at the mean forces (casualties / own force), whatever p and q are:")
    w("")
    for side, rate, lo, hi in joint["loss_rate"]:
        w(f"- {side}: {num(100 * rate, 3)}% a day (bootstrap 95% {num(100 * lo, 3)}% to {num(100 * hi, 3)}%).")
    w("")
    w("## The three named laws against the free fit")
    w("")
    w("σ is the residual sd on the log scale. AIC and BIC treat the days as independent; with the "
      "autocorrelation above the effective number of days is about n·(1−ρ)/(1+ρ), so AIC differences shrink by "
      "roughly that factor (" + ", ".join(f"{k} {num(v[1])}" for k, v in fractions.items()) + "). "
      "'Bootstrap wins' is the share of block-bootstrap resamples in which the law has the smallest residual "
      "error of the three named laws. 'ΔAIC with trend' refits every law with a linear trend in day added to "
      "the intercepts (the intensity may drift for reasons other than the forces).")
    w("")
    w("| fit | law | p | q | σ | AIC | ΔAIC | ΔAIC × n_eff/n | BIC | ΔBIC | bootstrap wins | ΔAIC with trend |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, rows in comparisons.items():
        best_a, best_b = min(r["ic"][0] for r in rows), min(r["ic"][1] for r in rows)
        best_t = min(r["aic_trend"] for r in rows)
        for r in rows:
            wins = "—" if math.isnan(r["boot_wins"]) else f"{100 * r['boot_wins']:.0f}%"
            da = r["ic"][0] - best_a
            w(f"| {name} | {r['law']} | {num(r['p'])} | {num(r['q'])} | {num(r['sigma'], 3)} | {num(r['ic'][0], 1)} "
              f"| {num(da, 1)} | {num(da * fractions[name][1], 1)} | {num(r['ic'][1], 1)} | "
              f"{num(r['ic'][1] - best_b, 1)} | {wins} | {num(r['aic_trend'] - best_t, 1)} |")
    w("")
    w("## What the data can and cannot tell apart")
    w("")
    w("- **Per side: nothing.** The Allied and German log forces are almost perfectly collinear (both are an "
      "opening strength minus a smooth cumulative loss), so in a one-side fit p and q trade off almost freely: "
      "the intervals run over tens of units and the per-side point estimates (p = "
      f"{num(summaries[0]['params'][1][1], 1)} and {num(summaries[1]['params'][1][1], 1)}, q = "
      f"{num(summaries[0]['params'][2][1], 1)} and {num(summaries[1]['params'][2][1], 1)}) mean nothing.")
    w(f"- **Jointly: p + q, and only if the intensity were constant.** Sharing p and q across the sides uses the "
      f"fact that the Allies' enemy is the Germans' own force and vice versa. The level of both loss series "
      f"against the level of both forces then fixes p + q ≈ {num(J['p + q'][1], 1)}: casualties fell "
      f"{num(min(cas_drop.values()), 0)}–{num(max(cas_drop.values()), 0)}% while forces fell "
      f"{num(min(drop.values()), 0)}–{num(max(drop.values()), 0)}%, an elasticity far beyond any Lanchester law. "
      "It is "
      "the waning of the offensive — and whatever else changed with time: weather, the Allied air effort, the "
      "turn from German attack to Allied counter-attack — credited to the forces, because the log forces are "
      "nearly linear in time. With a linear trend in the regression the exponents become "
      f"p = {num(tc[-3])} ± {num(tse[-3])}, q = {num(tc[-2])} ± {num(tse[-2])} (trend {tc[-1]:+.3f} ± "
      f"{tse[-1]:.3f} a day; ± is the iid standard error).")
    w(f"- **Not p − q, the exchange-ratio exponent.** The log casualty ratio is "
      f"(p − q)·log(German/Allied force) + "
      f"const, and the force ratio moves by only {num(ratio_move, 0)}% in 32 days, so p − q — the quantity that "
      "separates the square law (1), the linear law (0) and the logarithmic law (−1) — is left open "
      f"({num(J['p − q'][2])} to {num(J['p − q'][3])}). The three named laws differ in this data set mainly "
      "through p + q (1, 2, 1), the confounded direction.")
    w("- **Among the named laws.** The linear law wins the comparison at face value and most bootstrap resamples, "
      "only because its p + q = 2 lies nearest the fitted ridge; the square and logarithmic laws (both p + q = 1) "
      "cannot be told apart at all. With a trend in intensity allowed, the three are indistinguishable in the "
      "joint fit and the free exponents no longer improve it. None of the three laws is excluded, and none is "
      "supported over "
      "the others by evidence that is about the forces.")
    w("")
    w("## The prior the model's calibration uses")
    w("")
    w("The model explores p and q in [0, 2]. The prior for each is a normal truncated to [0, 2]:")
    w("")
    w(f"- centre: the mean of the joint posterior restricted to [0, 2]² (uniform prior on the box, intercepts "
      f"and σ integrated out, likelihood tempered to the effective number of days): p {num(box['mean_p'])}, "
      f"q {num(box['mean_q'])} (sds within the box {num(box['sd_p'])} and {num(box['sd_q'])}). The free fit "
      "lies outside the box, so this posterior leans toward the box's (2, 2) corner;")
    w("- spread: the widest of the joint bootstrap sd, the Jeffreys-posterior sd and the box-posterior sd, "
      "rounded up — here the bootstrap sd, because the block bootstrap sees the autocorrelation and the "
      "collinearity that the other two understate.")
    w("")
    w("| exponent | model key | mean | sd | truncated to | mean on [0, 2] | sd on [0, 2] |")
    w("|---|---|---|---|---|---|---|")
    for label, key in (("p (enemy)", "attrition_enemy_exponent"), ("q (own)", "attrition_own_exponent")):
        e = prior[key]
        w(f"| {label} | `{key}` | {e['mean']} | {e['sd']} | [{e['low']:g}, {e['high']:g}] | {e['truncated_mean']} "
          f"| {e['truncated_sd']} |")
    w("")
    w("With an sd of about 2 on a range of width 2 the prior is nearly uniform, and deliberately so: the one "
      "direction the Ardennes data constrain is confounded with time, and the direction that matters most to "
      "the model — how much a numerical advantage pays, p − q — is not constrained. The priors are independent: "
      f"the bootstrap correlation of p and q (r = {num(joint['corr_pq_boot'])}) describes the ridge of this data "
      "set, not a relation the model should impose. The model's current square law (p = 1, q = 0) lies inside "
      "the prior, as do the linear and logarithmic laws. Narrowing the exponents is left to the calibration "
      "against the Kursk record.")
    w("")
    w("**k is not transferred.** The Ardennes k belongs to theatre-wide forces of 500,000–850,000 men counted "
      "in men; the model's forces are brigades' combat power in its own units. Measuring forces and losses in "
      "a unit s times smaller multiplies k by s^(1−p−q), so k carries the scale and the units, while the "
      "exponents are scale-free elasticities (1% more enemy force, p% more losses). Only p and q get a prior here; the "
      "model's attrition_coefficient stays calibrated to the Kursk record.")
    w("")
    w("**Caveats.** One campaign, 32 days, whole armies; the exponents of a theatre-level law need not be those "
      "of brigade-level fighting in 2024–25. The prior states that the Ardennes data rule out no exponent in "
      "[0, 2]; it is not a measurement.")
    w("")
    w("![Observed and fitted daily casualties; bootstrap cloud of (p, q); the prior](attrition.png)")
    w("")
    if cdb90 is not None:
        L.extend(render_cdb90(cdb90))
        w("![Exchange ratio against force ratio; daily losses against size; (p, q) against the calibration's "
          "posterior](attrition_cdb90.png)")
        w("")
    w("## References")
    w("")
    w("- Wiper, M. P., Pettit, L. I., & Young, K. D. S. (2000). Bayesian inference for a Lanchester type "
      "combat model. *Naval Research Logistics* 47(7), 541–558. The data's source; a Spanish version is "
      "Universidad Carlos III de Madrid working paper 00-17 (December 2000), \"Inferencia bayesiana para "
      "algunas leyes de Lanchester\". Its estimates are not quoted here.")
    w("- yiyuezhuo/lanchester-model-review (GitHub): `Ardennes.csv` (the data copied here) and "
      "`simple_model.stan` (a Stan replication of the Wiper et al. model).")
    w("- Bracken (1995) and Lucas & Turkes (2004), listed in docs/ODD.md, also fit Lanchester laws to the "
      "ACSDB; their results were not available to this report and are not quoted.")
    w(f"- {CDB90_REPO} (GitHub, J. Arnold): a tidy, open-data version of CDB90 (CAA Database of Battles, "
      f"version 1990), commit `{CDB90_COMMIT}`; the source of `data/cdb90-engagements.csv`. The original is "
      "documented in its `src-data/M000121/README.TXT` (R. L. Helmbold, CAA, 30 April 1991).")
    w("- Helmbold, R. L. (1993). Personnel attrition rates in historical land combat operations: a catalog of "
      "attrition and casualty data bases on diskettes usable with personal computers (DTIC ADA279069); "
      "Helmbold, R. L. (1995). Personnel attrition rates in historical land combat operations: some empirical "
      "relations among force sizes, battle durations, battle dates, and casualties (DTIC ADA298124). "
      "Analyses of the same data base; their estimates were not available to this report and are not quoted.")
    w("")
    return "\n".join(L)


def cdb90_summary_line(r: dict) -> str:
    """The line the CDB90 fit adds to the summary at the top of the report."""
    a, m = r["subsets"][0], r["subsets"][3]

    def iv(s: dict, key: str) -> str:
        return f"{num(s['est'][key])} ({num(s['ci'][key][0])} to {num(s['ci'][key][1])})"

    return (f"- A second, independent data set, {a['n']} CDB90 engagements ({a['years'][0]}–{a['years'][1]}; fitted "
            "across engagements, not over days, and not used for the prior), separates what the Ardennes could "
            f"not: p = {iv(a, 'p')}, q = {iv(a, 'q')}, p + q = {iv(a, 'p + q')}, p − q = {iv(a, 'p − q')} "
            f"(95% bootstrap over engagements; since {MODERN_YEAR} and ≤ {SHORT_DAYS:g} days: p − q = "
            f"{iv(m, 'p − q')}). The exchange ratio barely depends on the force ratio (square and logarithmic laws "
            "excluded) and daily losses grow about in proportion to engagement size (the linear law's p + q = 2 "
            "excluded). It lies inside the calibration's marginal 90% intervals for p and q, in their lower part, "
            f"and its p − q is well inside the posterior's; its p + q is below most of the posterior's (median "
            f"{num(r['comparison'][a['label']][2][3])}). See [CDB90 engagements](#cdb90-engagements).")


def render_cdb90(r: dict) -> list[str]:
    """The report's CDB90 section. Every number is computed from `r` (analyse_cdb90)."""
    e, subsets, sens, sp = r["e"], r["subsets"], r["sensitivity"], r["spread"]
    a, m = subsets[0], subsets[3]
    active, free = sens[1], sens[2]
    nested, with_cea = sens[3], sens[-1]

    def iv(s: dict, key: str) -> str:
        return f"{num(s['est'][key])} [{num(s['ci'][key][0])}, {num(s['ci'][key][1])}]"

    L: list[str] = []
    w = L.append
    w("## CDB90 engagements")
    w("")
    w("A second, independent data set, reported alongside the Ardennes fit. It does not change the prior above "
      "(`experiments/attrition_prior.json` is the Ardennes prior the calibration has already used). Figure: "
      "`docs/attrition_cdb90.png`, written by the same script.")
    w("")
    w("### Data")
    w("")
    w(f"`data/cdb90-engagements.csv`: {len(e)} engagements from {a['years'][0]} to {a['years'][1]} of the CAA "
      "Database of Battles, version 1990 (CDB90: US Army Concepts Analysis Agency, 1990, from the HERO data base "
      f"of 1984 and its corrections), copied from the public repository {CDB90_REPO} at commit `{CDB90_COMMIT}` "
      "(`data/belligerents.csv`: each side's initial personnel strength `intst` and battle casualties `cas`, the "
      "row with attacker = 1 being the attacker; `data/active_periods.csv`: the active periods, whose durations "
      "are summed; `data/battles.csv`: names and nesting; `src-data/CDB90/CDB90-patched.csv`: CEA, the "
      "attacker's relative combat effectiveness as judged by the compilers). Kept: both sides' strength and "
      "casualties known and positive, casualties below the initial strength, durations known — "
      f"{len(e)} of the database's 660. `python experiments/fit_attrition.py --build-cdb90 <checkout>` rebuilds "
      "the file from a checkout of that commit. The repository's own `battle_durations.csv` is not used: its "
      "duration spans only the active periods' start times (the four months of Third Ypres count two days).")
    w("")
    w(f"The duration of an engagement is its summed active time, counted as at least one day "
      f"(duration_days = max(1, active hours / 24)): {num(100 * sp['share_one_day'], 0)}% of the engagements last "
      "a day or less, and for them the loss per day is the battle's loss, as in a model that steps in days. "
      f"Unlike the Ardennes series the forces vary a great deal between engagements: the attacker/defender "
      f"strength ratio runs from {num(sp['ratio_p5_p95'][0])} to {num(sp['ratio_p5_p95'][1])} (5th–95th "
      f"percentile, median {num(sp['median_ratio'])}; sd of its log {num(sp['sd_log_ratio'])}), the engagement's "
      f"size (geometric mean of the two strengths) from {sp['size_p5_p95'][0]:,.0f} to {sp['size_p5_p95'][1]:,.0f} "
      f"men (sd of its log {num(sp['sd_log_size'])}).")
    w("")
    w("### Method")
    w("")
    w("One row per side of each engagement, both sides pooled with shared exponents: "
      "log(casualties_s / days) = log(k·U) + a·[s is the attacker] + p·log(enemy_s/U) + q·log(own_s/U) + ε_s, "
      "U = 1000 men, fitted by least squares. The attacker term lets attackers and defenders differ in loss "
      "level (exp(a) is the attacker's loss over the defender's at equal forces). Adding and subtracting a pair's "
      "two rows shows what identifies what: the sum gives p + q, the elasticity of the engagement's daily losses "
      "with respect to its size; the difference gives p − q, through log(attacker casualties / defender "
      "casualties) = a + (q − p)·log(attacker strength / defender strength). In that difference everything the "
      "two sides share cancels — duration, era, intensity, the sources — so p − q does not depend on how "
      "duration is measured (the pooled fit's p − q equals minus the slope of the log exchange ratio on the log "
      f"force ratio, {num(-r['exchange_slope'])} here). The square law has p − q = 1 (the loss ratio falls in "
      "proportion to the force ratio), the linear law 0 (the loss ratio does not depend on it), the logarithmic "
      "law −1.")
    w("")
    w(f"Uncertainty: a bootstrap over engagements — {N_BOOT} resamples (seed {CDB90_SEED} through numpy's "
      "SeedSequence), an engagement's two rows drawn together because they share the engagement's intensity and "
      f"sources (their residuals correlate: r = {num(a['side_corr'])}) — and 95% percentile intervals. "
      "Subsets: the 20th century (from "
      f"{MODERN_YEAR}; the nearest to modern casualty counting and firepower), engagements of at most "
      f"{SHORT_DAYS:g} days (the nearest to the model's daily engagements), and both.")
    w("")
    w("### Estimates")
    w("")
    w("Estimates with 95% bootstrap intervals. 'Attacker ÷ defender' is exp(a), the attacker's loss over the "
      "defender's at equal forces; σ the residual sd on the log scale; 'r sides' the correlation of the two "
      "sides' residuals within an engagement.")
    w("")
    w("| subset | engagements | years | p (enemy) | q (own) | p + q | p − q | attacker ÷ defender | σ | r sides |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    for s in subsets:
        af = s["attacker_factor"]
        w(f"| {s['label']} | {s['n']} | {s['years'][0]}–{s['years'][1]} | {iv(s, 'p')} | {iv(s, 'q')} | "
          f"{iv(s, 'p + q')} | {iv(s, 'p − q')} | {num(af[0])} [{num(af[1])}, {num(af[2])}] | "
          f"{num(s['sigma'])} | {num(s['side_corr'])} |")
    w("")
    w("Sensitivity, all engagements unless said:")
    w("")
    w("| variant | engagements | p (enemy) | q (own) | p + q | p − q | other |")
    w("|---|---|---|---|---|---|---|")
    for s in sens:
        other = ""
        if "duration_elasticity" in s:
            de = s["duration_elasticity"]
            other = f"log duration: {num(de[0])} [{num(de[1])}, {num(de[2])}]"
        if "cea_effect" in s:
            ce = s["cea_effect"]
            other = f"CEA: {num(ce[0])} [{num(ce[1])}, {num(ce[2])}] per point"
        label = "baseline (per day, at least one day)" if s is sens[0] else s["label"]
        w(f"| {label} | {s['n']} | {iv(s, 'p')} | {iv(s, 'q')} | {iv(s, 'p + q')} | {iv(s, 'p − q')} | {other} |")
    w("")
    w(f"The named laws against the fits: distance of each law's (p, q) from the estimate in bootstrap standard "
      f"deviations (Mahalanobis, under the bootstrap covariance of p and q); {num(math.sqrt(CHI2_95_2DOF))} is the "
      "edge of the 95% region.")
    w("")
    w("| law | p | q | " + " | ".join(s["label"] for s in subsets) + " |")
    w("|---|---|---|" + "---|" * len(subsets))
    for law, (p, q) in NAMED_LAWS.items():
        w(f"| {law} | {p:g} | {q:g} | " + " | ".join(num(s["laws"][law][0], 1) for s in subsets) + " |")
    w("")
    w("### What it separates, and what confounds it")
    w("")
    w(f"- **p − q, which the Ardennes left open, is pinned down**: {iv(a, 'p − q')} over all engagements, "
      f"{iv(m, 'p − q')} since {MODERN_YEAR} for engagements of at most {SHORT_DAYS:g} days. Across engagements "
      f"the force ratio varies {num(sp['ratio_p5_p95'][1] / sp['ratio_p5_p95'][0], 0)}-fold (5th to 95th "
      "percentile), where in the Ardennes it hardly moved. The casualty exchange ratio barely follows it: a side "
      "with twice the men has losses, relative to its opponent's, "
      f"{num(2 ** -a['est']['p − q'])} times (all) or {num(2 ** -m['est']['p − q'])} times ({m['label']}) what "
      "they would be at equal numbers — against 0.5 times under the square law and 2 times under the "
      "logarithmic law, both far outside the intervals. The linear law's p − q = 0 is "
      + ("inside" if a["ci"]["p − q"][0] <= 0 <= a["ci"]["p − q"][1] else "just outside")
      + " the interval over all engagements and "
      + ("inside" if m["ci"]["p − q"][0] <= 0 <= m["ci"]["p − q"][1] else "outside")
      + f" it for the subset '{m['label']}'.")
    w(f"- **p + q is measured but less robust**: {iv(a, 'p + q')}: daily losses grow roughly in proportion to the "
      "engagement's size, so the linear law (p + q = 2) is excluded as firmly as the square and logarithmic laws "
      "are by p − q; no named law fits both directions. p + q depends on how duration is counted, because "
      f"larger engagements last longer (correlation of log size and log duration {num(sp['corr_size_days'])}): "
      f"{iv(active, 'p + q')} per 24 hours of active fighting, {iv(free, 'p + q')} for total losses with the "
      f"duration's exponent fitted ({num(free['duration_elasticity'][0])}: longer engagements are not "
      "proportionally bloodier).")
    w("- **Selection.** HERO chose well-documented battles of interest to the US Army: mostly European and "
      f"American wars, decisive battles rather than quiet sectors; 1939–45 alone gives {sp['n_ww2']} of the "
      f"{len(e)}. {sp['n_nested']} engagements are parts of another in the list (the first day of the Somme within First "
      f"Somme) and count twice; without them p − q = {iv(nested, 'p − q')}, p + q = {iv(nested, 'p + q')}.")
    w("- **Casualty definitions.** 'Battle casualties' mix killed, wounded, missing and prisoners, counted by "
      "different armies and historians over four centuries; the losing side's count is swollen by prisoners "
      "taken in pursuit, and the side with more men wins somewhat more often, which pulls p − q down. The "
      "compilers' own error margins on strengths and casualties are typically ±5–15% (median ±10%; "
      "`strpl`, `strmi`, `caspl`, `casmi` in `data/belligerents.csv`), for some far more; errors in the "
      "strengths bias the slopes toward zero — more for p − q (its regressor, the log force ratio, varies "
      "less) than for p + q.")
    w(f"- **Quality against numbers.** The more numerous side was often the less effective one (correlation of "
      f"the log force ratio with CEA {num(sp['corr_ratio_cea'])}), so part of its heavier losses is quality, "
      f"credited to numbers: with CEA as a regressor p − q = {iv(with_cea, 'p − q')} (and the attacker's loss "
      f"factor {num(with_cea['attacker_factor'][0])}). But CEA is the compilers' judgement, made knowing the "
      "outcome and the losses, so this control is partly circular; the truth is probably between the two.")
    w("- **Size correlates with other things.** A larger engagement is mostly a wider front and a longer one, "
      "not more men on the same ground: p + q across engagements says how losses grow when the fight gets "
      "bigger, not when a given position is held more densely — the model applies its law to the forces in "
      "one node. Era, weapons, terrain and posture vary too and are not controlled.")
    w("")
    w("### Against the calibration's posterior")
    w("")
    post = r["posterior"]
    src = ("the weighted posterior sample `configs/kursk_2024.posterior.parquet` (read only; medians and 90% "
           "intervals as in docs/calibration.md)" if post is not None else
           "docs/calibration.md (the posterior sample was not found, so only p and q)")
    w(f"The calibration against the Kursk record (prior: the Ardennes fit above) gives, from {src}:")
    w("")
    labels = list(r["comparison"])
    w("'Weight inside' is the share of the posterior's weight that falls inside the CDB90 95% interval to its left.")
    w("")
    w("| quantity | posterior median | posterior 90% | "
      + " | ".join(f"CDB90 {lab} (95%) | weight inside" for lab in labels) + " |")
    w("|---|---|---|" + "---|" * (2 * len(labels)))
    rows = {lab: {row[0]: row for row in r["comparison"][lab]} for lab in labels}
    for key in rows[labels[0]]:
        first = rows[labels[0]][key]
        cells = [f"{num(rows[lab][key][1])} [{num(rows[lab][key][2][0])}, {num(rows[lab][key][2][1])}]"
                 for lab in labels]
        weights = ["—" if math.isnan(rows[lab][key][5]) else f"{num(100 * rows[lab][key][5], 0)}%" for lab in labels]
        w(f"| {key} | {num(first[3])} | {num(first[4][0])} to {num(first[4][1])} | "
          + " | ".join(f"{c_} | {w_}" for c_, w_ in zip(cells, weights, strict=True)) + " |")
    w("")
    ell = r["in_ellipse"]
    comp = rows[labels[0]]
    if post is not None:
        w(f"The CDB90 estimates lie inside the posterior's marginal 90% intervals for p and for q, in their lower "
          f"part, and they agree on the exchange-ratio direction: the posterior's p − q (median "
          f"{num(comp['p − q'][3])}, 90% {num(comp['p − q'][4][0])} to {num(comp['p − q'][4][1])}) is wide and "
          f"covers the CDB90 value ({num(100 * comp['p − q'][5], 0)}% of its weight inside the CDB90 interval). "
          "They differ on the scale direction: the posterior's p + q (median "
          f"{num(comp['p + q'][3])}) lies mostly above CDB90's {num(a['est']['p + q'])}; only "
          f"{num(100 * comp['p + q'][5], 0)}% of its weight falls inside the CDB90 interval for p + q, and "
          f"{num(100 * ell[labels[0]], 1)}% ({num(100 * ell[labels[1]], 1)}% for the 20th-century short "
          "engagements) inside the CDB90 95% region for (p, q) jointly. So the Kursk record, through the model, "
          "leans toward stronger scale effects (losses growing faster than the forces engaged) than the "
          "history of engagements shows; but p + q is the CDB90 quantity most exposed to the confounds above "
          "(duration, front width), and the two are not in contradiction at the level of the marginal "
          "intervals. The CDB90 result is not fed back into the calibration here.")
    else:
        w("The CDB90 estimates of p and q lie inside the posterior's marginal 90% intervals, in their lower part.")
    w("")
    w("### In plain words")
    w("")
    w(f"Across {a['n']} historical engagements, a side with twice the men did not get away with half the loss "
      "ratio, as the square law would have it, nor suffer double, as the logarithmic law would: the ratio of "
      "its losses to the enemy's stayed close to what it would have been at equal numbers. And bigger "
      "engagements cost about proportionally more men per day. "
      f"In the model's law that means p and q both around a half (p ≈ {num(a['est']['p'])}, q ≈ "
      f"{num(a['est']['q'])}; p ≈ q in the 20th century), p − q near 0 (between the linear and logarithmic "
      f"laws) and p + q near 1. This separates the two exponents where the Ardennes could not, but it is "
      "history across very different battles, not a measurement of brigades fighting in 2024–25: the "
      "exchange-ratio result (p − q) is the sturdier part, the scale result (p + q) depends on how duration "
      "and size are defined. It sits inside the range the calibration left open, toward lower exponents than "
      "the calibration's medians.")
    w("")
    return L


def plot_cdb90(r: dict, path: Path = CDB90_FIGURE) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    e, a, m = r["e"], r["subsets"][0], r["subsets"][3]
    modern = e.year >= MODERN_YEAR
    fig, axes = plt.subplots(1, 3, figsize=(18, 5.4))

    ax = axes[0]
    x = np.log10(e.attacker_strength / e.defender_strength)
    y = np.log10(e.attacker_casualties / e.defender_casualties)
    ax.plot(x[~modern], y[~modern], "o", color="tab:orange", ms=3, alpha=0.5, label=f"before {MODERN_YEAR}")
    ax.plot(x[modern], y[modern], "o", color="tab:blue", ms=3, alpha=0.5, label=f"since {MODERN_YEAR}")
    xs = np.linspace(x.min(), x.max(), 2)
    level = np.log10(a["attacker_factor"][0])
    ax.plot(xs, level - a["est"]["p − q"] * xs, "r-", lw=2, label=f"fit: slope q − p = {-a['est']['p − q']:.2f}")
    styles = {"square": ("tab:green", "--"), "linear": ("0.3", "-."), "logarithmic": ("tab:purple", ":")}
    for law, (p, q) in NAMED_LAWS.items():
        ax.plot(xs, level + (q - p) * xs, color=styles[law][0], ls=styles[law][1], lw=1.5,
                label=f"{law} (slope {q - p:+g})".replace("+0)", "0)"))
    ax.set_xlabel("log10 attacker / defender strength")
    ax.set_ylabel("log10 attacker / defender casualties")
    ax.set_title("Exchange ratio against force ratio: p − q")
    ax.legend(fontsize=8)

    ax = axes[1]
    size = 0.5 * np.log10(e.attacker_strength * e.defender_strength)
    daily = 0.5 * np.log10(e.attacker_casualties * e.defender_casualties) - np.log10(e.duration_days)
    ax.plot(size[~modern], daily[~modern], "o", color="tab:orange", ms=3, alpha=0.5, label=f"before {MODERN_YEAR}")
    ax.plot(size[modern], daily[modern], "o", color="tab:blue", ms=3, alpha=0.5, label=f"since {MODERN_YEAR}")
    xs = np.linspace(size.min(), size.max(), 2)
    centre = daily.mean() - a["est"]["p + q"] * size.mean()
    ax.plot(xs, centre + a["est"]["p + q"] * xs, "r-", lw=2, label=f"fit: slope p + q = {a['est']['p + q']:.2f}")
    ax.plot(xs, daily.mean() + 2.0 * (xs - size.mean()), color="0.3", ls="-.", lw=1.5,
            label="slope 2 (linear law)")
    ax.set_xlabel("log10 engagement size (geometric mean of strengths)")
    ax.set_ylabel("log10 casualties per day (geometric mean of the sides)")
    ax.set_title("Daily losses against engagement size: p + q")
    ax.legend(fontsize=8)

    ax = axes[2]
    post = r["posterior"]
    if post is not None:
        ax.scatter(post["p"], post["q"], s=4000 * post["w"], color="0.55", alpha=0.5, lw=0,
                   label="calibration posterior (size ∝ weight)")
    for s, color in ((a, "tab:red"), (m, "tab:blue")):
        ax.plot(s["boot"][:, P_COL], s["boot"][:, Q_COL], ".", color=color, ms=2, alpha=0.3)
        ax.plot(s["est"]["p"], s["est"]["q"], "*", color=color, ms=12, mec="k",
                label=f"CDB90 {s['label']} (bootstrap cloud)")
    ax.add_patch(plt.Rectangle((PRIOR_LOW, PRIOR_LOW), PRIOR_HIGH - PRIOR_LOW, PRIOR_HIGH - PRIOR_LOW,
                               fill=False, ec="k", lw=1.2, label="model's range [0, 2]²"))
    for law, (p, q) in NAMED_LAWS.items():
        ax.plot(p, q, "o", color=styles[law][0], ms=9, mec="k", label=law)
    ax.set_xlim(-0.1, 2.1)
    ax.set_ylim(-0.1, 2.1)
    ax.set_aspect("equal")
    ax.set_xlabel("p (enemy exponent)")
    ax.set_ylabel("q (own exponent)")
    ax.set_title("(p, q): CDB90 against the calibration")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.suptitle(f"Attrition law fitted across {len(e)} CDB90 engagements ({a['years'][0]}–{a['years'][1]})")
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


def plot(c: Campaign, joint: Regression, f: Fit, boot: np.ndarray, prior: dict, path: Path = FIGURE) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(11, 8.5))
    styles = {"square": ("tab:blue", "--"), "linear": ("tab:green", "-."), "logarithmic": ("tab:purple", ":")}
    for s, (ax, side) in enumerate(zip(axes[0], joint.sides, strict=True)):
        rows = joint.rows()[s * joint.n_days:(s + 1) * joint.n_days]
        ax.plot(c.day, np.exp(joint.log_casualties[rows]), "ko", ms=4, label="observed")
        fitted = f.coef[s] + f.coef[-2] * joint.log_enemy[rows] + f.coef[-1] * joint.log_own[rows]
        ax.plot(c.day, np.exp(fitted), "r-", lw=2,
                label=f"free fit (p={f.coef[-2]:.1f}, q={f.coef[-1]:.1f})")
        for law, (p, q) in NAMED_LAWS.items():
            y = joint.log_casualties - p * joint.log_enemy - q * joint.log_own
            level = y[rows].mean()
            color, ls = styles[law]
            ax.plot(c.day, np.exp(level + p * joint.log_enemy[rows] + q * joint.log_own[rows]), color=color,
                    ls=ls, lw=1.5, label=f"{law} (p={p:g}, q={q:g})")
        ax.set_title(f"{side}: daily casualties (joint fits)")
        ax.set_xlabel("day of the battle")
        ax.set_ylabel("casualties per day")
        ax.legend(fontsize=8)

    ax = axes[1, 0]
    lim = (-4.0, 9.0)
    inside = np.all((boot[:, -2:] > lim[0]) & (boot[:, -2:] < lim[1]), axis=1)
    ax.plot(boot[inside, -2], boot[inside, -1], ".", color="0.6", ms=3, alpha=0.6,
            label=f"block bootstrap ({inside.sum()} of {len(boot)} shown)")
    ax.add_patch(plt.Rectangle((PRIOR_LOW, PRIOR_LOW), PRIOR_HIGH - PRIOR_LOW, PRIOR_HIGH - PRIOR_LOW,
                               fill=False, ec="k", lw=1.2, label="model's range [0, 2]²"))
    ax.plot(f.coef[-2], f.coef[-1], "r*", ms=14, label="least squares (joint)")
    for law, (p, q) in NAMED_LAWS.items():
        ax.plot(p, q, "o", color=styles[law][0], ms=9, mec="k", label=law)
    ax.set_xlim(*lim)
    ax.set_ylim(*lim)
    ax.set_xlabel("p (enemy exponent)")
    ax.set_ylabel("q (own exponent)")
    ax.set_title("Joint fit: (p, q) is a ridge, not a point")
    ax.legend(fontsize=8, loc="upper right")

    ax = axes[1, 1]
    x = np.linspace(PRIOR_LOW, PRIOR_HIGH, 201)
    for key, label, color in (("attrition_enemy_exponent", "p (enemy)", "tab:red"),
                              ("attrition_own_exponent", "q (own)", "tab:blue")):
        e = prior[key]
        a, b = (e["low"] - e["mean"]) / e["sd"], (e["high"] - e["mean"]) / e["sd"]
        ax.plot(x, stats.truncnorm.pdf(x, a, b, loc=e["mean"], scale=e["sd"]), color=color, lw=2,
                label=f"{label}: N({e['mean']}, {e['sd']}) on [0, 2]")
    ax.axhline(0.5, color="0.5", ls=":", label="uniform on [0, 2]")
    ax.set_ylim(0, 1.0)
    ax.set_xlabel("exponent")
    ax.set_ylabel("prior density")
    ax.set_title("Prior for the model's exponents")
    ax.legend(fontsize=8)
    fig.suptitle("Attrition law loss = k·U·(enemy/U)^p·(own/U)^q fitted to the Ardennes 1944 daily data")
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)


def main() -> None:
    c = read_campaign()
    regs = [side_regression("Allies", c.allied_casualties, c.german, c.allied, c.day),
            side_regression("Germans", c.german_casualties, c.allied, c.german, c.day),
            joint_regression(c)]
    resamples = block_resamples(len(c.day))
    summaries, comparisons, fractions = [], {}, {}
    for reg in regs:
        f = fit(reg)
        boot = bootstrap(reg, resamples)
        summaries.append(summarise(reg, f, boot))
        comparisons[reg.name] = compare_laws(reg, f, resamples)
        fractions[reg.name] = effective_fraction(reg, f)
    joint = regs[-1]
    f_joint, boot_joint = fit(joint), bootstrap(joint, resamples)
    box = box_posterior(joint, fractions["joint"][1])
    prior = build_prior(joint, f_joint, boot_joint, fractions["joint"][1])
    pe, qe = prior["attrition_enemy_exponent"], prior["attrition_own_exponent"]
    prior["notes"] = (
        "Priors for the exponents of the attrition law loss = k*U*(enemy/U)^p*(own/U)^q (sim/combat.py), from "
        "a joint least-squares fit to the Ardennes 1944 daily data (shared p, q; one k per side) with a "
        f"{BLOCK_DAYS}-day moving-block bootstrap ({N_BOOT} resamples). The joint fit gives "
        f"p = {f_joint.coef[-2]:.2f}, q = {f_joint.coef[-1]:.2f} (bootstrap sd {boot_joint[:, -2].std():.2f}, "
        f"{boot_joint[:, -1].std():.2f}, correlation {summaries[-1]['corr_pq_boot']:.2f}); only about p + q is "
        "identified, and it is confounded with the battle's waning intensity; p - q (square vs linear vs "
        "logarithmic) is not identified. Centre: mean of the posterior restricted to [0, 2]^2; sd: the widest "
        "of the bootstrap, Jeffreys-posterior and box-posterior sds, rounded up; independent priors. The "
        "truncated priors are nearly uniform on [0, 2] by design. The Ardennes attrition coefficient k is NOT "
        "transferable to the model's attrition_coefficient (different force scale and units); no prior is "
        "given for k.")
    cdb90 = analyse_cdb90(read_engagements())
    REPORT.write_text(render_report(c, summaries, comparisons, fractions, trend_check(joint), box, prior, cdb90))
    PRIOR_JSON.write_text(json.dumps(prior, indent=2) + "\n")
    plot(c, joint, f_joint, boot_joint, prior)
    plot_cdb90(cdb90)

    for s in summaries:
        print(f"{s['name']}:")
        for name, est, lo, hi, plo, phi in s["params"]:
            f_ = k_num if name.startswith("k") else num
            print(f"  {name:14s} {f_(est):>10s}   bootstrap 95% [{f_(lo)}, {f_(hi)}]"
                  f"   posterior 95% [{f_(plo)}, {f_(phi)}]")
        print(f"  corr(p, q): bootstrap {s['corr_pq_boot']:.2f}, posterior {s['corr_pq_post']:.2f}")
    print("Law comparison (joint):")
    for r in comparisons["joint"]:
        print(f"  {r['law']:12s} sigma {r['sigma']:.3f}  AIC {r['ic'][0]:7.1f}  BIC {r['ic'][1]:7.1f}")
    print(f"Prior: p ~ N({pe['mean']}, {pe['sd']}) on [0, 2];  q ~ N({qe['mean']}, {qe['sd']}) on [0, 2]")
    print("CDB90 engagements (95% bootstrap over engagements):")
    for s in cdb90["subsets"] + cdb90["sensitivity"][1:]:
        print(f"  {s['label']:48s} n={s['n']:3d}  " + "  ".join(
            f"{k} {num(s['est'][k])} [{num(s['ci'][k][0])}, {num(s['ci'][k][1])}]" for k in s["est"]))
    print(f"Wrote {REPORT.relative_to(ROOT)}, {FIGURE.relative_to(ROOT)}, {CDB90_FIGURE.relative_to(ROOT)}, "
          f"{PRIOR_JSON.relative_to(ROOT)}")


if __name__ == "__main__":
    import sys
    if len(sys.argv) == 3 and sys.argv[1] == "--build-cdb90":
        print(f"Wrote {build_cdb90(Path(sys.argv[2]))} engagements to {CDB90_DATA.relative_to(ROOT)}")
    else:
        main()
