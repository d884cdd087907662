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

Writes docs/attrition.md (the report), docs/attrition.png (the figure) and experiments/attrition_prior.json
(the prior the calibration uses). Deterministic: a fixed bootstrap seed, fixed formatting.
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
    for (name, (p, q)), w in zip(NAMED_LAWS.items(), wins):
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


# ------------------------------------------------------------------------------------------- output

def num(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}".replace("-0.00", "0.00")


def k_num(x: float) -> str:
    return f"{x:.2e}"


def render_report(c: Campaign, summaries: list[dict], comparisons: dict, fractions: dict,
                  trend: tuple[np.ndarray, np.ndarray, np.ndarray], box: dict, prior: dict) -> str:
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
    w("")
    return "\n".join(L)


def plot(c: Campaign, joint: Regression, f: Fit, boot: np.ndarray, prior: dict, path: Path = FIGURE) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(11, 8.5))
    styles = {"square": ("tab:blue", "--"), "linear": ("tab:green", "-."), "logarithmic": ("tab:purple", ":")}
    for s, (ax, side) in enumerate(zip(axes[0], joint.sides)):
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
    REPORT.write_text(render_report(c, summaries, comparisons, fractions, trend_check(joint), box, prior))
    PRIOR_JSON.write_text(json.dumps(prior, indent=2) + "\n")
    plot(c, joint, f_joint, boot_joint, prior)

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
    print(f"Wrote {REPORT.relative_to(ROOT)}, {FIGURE.relative_to(ROOT)}, {PRIOR_JSON.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
