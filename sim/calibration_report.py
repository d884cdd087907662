"""What a calibration leaves behind: the posterior as parquet, a report and plots.

- `posterior.parquet`: the last generation of the ABC-SMC, one row per accepted parameter set, its
  normalised importance weight and its distance; `sim batch --posterior` draws from it.
- `calibration.md`: the priors and the posterior (weighted median and 90% interval per parameter),
  the generations (epsilon, evaluations, acceptance rate), the posterior predictive check of every
  reported point (median and 90% band of runs drawn from the posterior, points after `until`
  marked as held out), and how to rebuild it.
- `marginals.png`, `pairs.png`, `predictive.png`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from .calibration import POSTERIOR_DRAWS, PREDICTIVE, Calibration, reported_points, run_model, statistics
from .scenario import Scenario


def weighted_quantile(x: np.ndarray, w: np.ndarray, q) -> np.ndarray:
    """Quantiles of `x` under weights `w` (the inverse of the weighted empirical CDF, midpoints)."""
    order = np.argsort(x, kind="stable")
    x, w = np.asarray(x)[order], np.asarray(w)[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, cdf, x)


def posterior_table(history):
    """(parameters DataFrame, normalised weights, distances) of the last generation."""
    t = history.max_t
    df, w = history.get_distribution(m=0, t=t)
    dist = history.get_weighted_distances(t)
    return df, np.asarray(w, dtype=float) / np.sum(w), np.asarray(dist["distance"], dtype=float)


def write_posterior(path: Path, cal: Calibration, df, w: np.ndarray, distance: np.ndarray, generation: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {p.name: pa.array(df[p.name].to_numpy(dtype=float)) for p in cal.priors}
    columns["weight"] = pa.array(w)
    columns["distance"] = pa.array(distance)
    table = pa.table(columns).replace_schema_metadata({
        "calibration": cal.name, "generation": str(generation), "seed": str(cal.seed),
        "until": "" if cal.until is None else cal.until.isoformat(),
    })
    pq.write_table(table, path)


def draw_posterior(w: np.ndarray, n: int, seed: int, stream: int = POSTERIOR_DRAWS) -> np.ndarray:
    """Indices of `n` parameter sets drawn by weight, from the seed's own stream."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream,)))
    return rng.choice(len(w), size=n, p=w)


def _predictive_run(scenario: Scenario, theta: dict, seed: np.random.SeedSequence, keys: list[str]):
    model = run_model(scenario, theta, seed)
    col = model.columns.index("ua_kursk_area_km2")
    return statistics(model.records, model.columns, scenario.start, keys), [r[col] for r in model.records]


def write_calibration_report(cal: Calibration, scenario: Scenario, history, out: Path, executor) -> dict:
    df, w, distance = posterior_table(history)
    generation = history.max_t
    write_posterior(out / "posterior.parquet", cal, df, w, distance, generation)
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    ess = []                                     # effective sample size of each generation's weights
    for t in range(generation + 1):
        _, wt = history.get_distribution(m=0, t=t)
        wt = np.asarray(wt, dtype=float) / np.sum(wt)
        ess.append(float(1.0 / np.sum(wt ** 2)))

    # Posterior predictive: every reported point of the target metrics, held-out ones included.
    points = reported_points(cal, scenario, until=None)
    keys = [k for k, _, _ in points]
    picks = draw_posterior(w, cal.predictive_runs, cal.seed, PREDICTIVE)
    thetas = [{p.name: float(df[p.name].iloc[i]) for p in cal.priors} for i in picks]
    futures = [executor.submit(_predictive_run, scenario, theta,
                               np.random.SeedSequence(cal.seed, spawn_key=(PREDICTIVE, j)), keys)
               for j, theta in enumerate(thetas)]
    runs = [f.result() for f in futures]
    sims = {k: np.array([r[0][k] for r in runs]) for k in keys}
    area = np.array([r[1] for r in runs])

    rows = []
    for key, value, source in points:
        lo, med, hi = np.percentile(sims[key], [5, 50, 95])
        date = dt.date.fromisoformat(key.partition("@")[2])
        held_out = cal.until is not None and date > cal.until
        rows.append({"point": key, "reported": value, "median": med, "low": lo, "high": hi,
                     "inside": bool(lo <= value <= hi), "held_out": held_out, "source": source})

    stats = []
    for p in cal.priors:
        x = df[p.name].to_numpy(dtype=float)
        q05, q50, q95 = weighted_quantile(x, w, [0.05, 0.5, 0.95])
        prior = p.frozen()
        stats.append({"name": p.name, "prior": p.describe(), "prior_05": prior.ppf(0.05), "prior_95": prior.ppf(0.95),
                      "median": q50, "low": q05, "high": q95, "default": getattr(scenario.params, p.name),
                      "source": p.source})
    names = [p.name for p in cal.priors]
    x = df[names].to_numpy(dtype=float)
    mean = (w[:, None] * x).sum(axis=0)
    cov = ((x - mean) * w[:, None]).T @ (x - mean)
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd) if np.all(sd > 0) else np.full_like(cov, np.nan)

    _plots(cal, scenario, df, w, names, corr, rows, area, out)
    summary = {
        "generations": int(generation + 1),
        "epsilon": [float(e) for e in pops["epsilon"]],
        "evaluations": [int(s) for s in pops["samples"]],
        "acceptance": [float(cal.population / s) if s else float("nan") for s in pops["samples"]],
        "ess": ess,
        "posterior": stats, "points": rows, "correlation": corr.tolist(),
    }
    (out / "calibration.md").write_text(_markdown(cal, summary, names))
    return summary


def _markdown(cal: Calibration, s: dict, names: list[str]) -> str:
    until = "" if cal.until is None else f", reported points up to {cal.until} only (the rest held out)"
    lines = [
        f"# Calibration `{cal.name}`: ABC-SMC posterior",
        "",
        f"pyabc ABC-SMC, {cal.population} particles × {s['generations']} generations, seed {cal.seed}{until}; "
        f"{sum(s['evaluations']):,} model runs. Distance: sqrt(Σ weight·((model − reported)/scale)²) over the "
        "points (sim/calibration.py); targets:",
        "",
        "| metric | scale | weight |",
        "|---|---:|---:|",
        *(f"| {t.metric} | {t.scale:g} | {t.weight:g} |" for t in cal.targets),
        "",
        "## Posterior",
        "",
        "| parameter | prior (90% range) | posterior median (90% interval) | config default | prior's source |",
        "|---|---|---|---:|---|",
    ]
    for p in s["posterior"]:
        lines.append(f"| `{p['name']}` | {p['prior']} ({p['prior_05']:.4g}–{p['prior_95']:.4g}) | "
                     f"**{p['median']:.4g}** ({p['low']:.4g}–{p['high']:.4g}) | {p['default']:g} | {p['source']} |")
    lines += ["", "A posterior interval much narrower than the prior's range is what the data say; one as wide "
              "as the prior means the reported course cannot tell the values apart.", "",
              "Pairwise correlations of the posterior (weighted):", "",
              "| | " + " | ".join(f"`{n}`" for n in names) + " |", "|---|" + "---:|" * len(names)]
    for n, row in zip(names, s["correlation"], strict=True):
        lines.append(f"| `{n}` | " + " | ".join(f"{c:+.2f}" for c in row) + " |")
    lines += ["", "## Generations", "",
              "Effective sample size (ESS): 1 / Σ w² of the generation's normalised importance weights, the number "
              "of equally weighted particles the population is worth.", "",
              "| generation | epsilon | model runs | acceptance | ESS |", "|---:|---:|---:|---:|---:|"]
    for t, (e, n, a, ess) in enumerate(zip(s["epsilon"], s["evaluations"], s["acceptance"], s["ess"], strict=True)):
        lines.append(f"| {t + 1} | {e:.3g} | {n:,} | {a:.1%} | {ess:.0f} |")
    lines += ["", "## Posterior predictive check", "",
              f"{cal.predictive_runs} runs, each with parameters drawn from the posterior by weight and its own "
              "seed; median and 90% band against each reported point (`predictive.png`).", "",
              "| point | reported | model median | 90% band | inside | |", "|---|---:|---:|---|:---:|---|"]
    for r in s["points"]:
        lines.append(f"| {r['point']} | {r['reported']:,.0f} | {r['median']:,.0f} | {r['low']:,.0f}–{r['high']:,.0f} | "
                     f"{'yes' if r['inside'] else '**no**'} | {'held out' if r['held_out'] else 'fitted'} |")
    fitted = [r for r in s["points"] if not r["held_out"]]
    held = [r for r in s["points"] if r["held_out"]]
    lines += ["", f"Fitted points inside the band: {sum(r['inside'] for r in fitted)} of {len(fitted)}."]
    if held:
        lines.append(f"Held-out points inside the band: {sum(r['inside'] for r in held)} of {len(held)}.")
    until_flag = "" if cal.until is None else f" --until {cal.until}"
    lines += ["", f"Rebuild: `python -m sim calibrate {cal.path}{until_flag} --out DIR` (the file's population and "
              "generations; `--population`/`--generations` override them).", ""]
    return "\n".join(lines)


def _plots(cal, scenario, df, w, names, corr, rows, area, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k = len(names)
    cols = min(4, k)
    fig, axes = plt.subplots((k + cols - 1) // cols, cols, figsize=(4 * cols, 3 * ((k + cols - 1) // cols)),
                             squeeze=False)
    for ax, p in zip(axes.flat, cal.priors, strict=True):
        x = df[p.name].to_numpy(dtype=float)
        prior = p.frozen()
        lo, hi = prior.ppf(0.005), prior.ppf(0.995)
        grid = np.linspace(min(lo, x.min()), max(hi, x.max()), 200)
        ax.hist(x, bins=25, weights=w, density=True, alpha=0.6, label="posterior")
        ax.plot(grid, prior.pdf(grid), "k--", lw=1, label="prior")
        ax.axvline(getattr(scenario.params, p.name), color="r", lw=1, label="config default")
        ax.set_title(p.name, fontsize=9)
    for ax in list(axes.flat)[k:]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "marginals.png", dpi=110)
    plt.close(fig)

    fig, axes = plt.subplots(k, k, figsize=(1.5 * k, 1.5 * k), squeeze=False)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            ax = axes[i][j]
            ax.set_xticks([])
            ax.set_yticks([])
            if i == j:
                ax.hist(df[a], bins=20, weights=w, color="0.5")
            elif i > j:
                ax.scatter(df[b], df[a], s=2, alpha=0.5, c=w, cmap="viridis", rasterized=True)
            else:
                ax.text(0.5, 0.5, f"{corr[i][j]:+.2f}", ha="center", va="center", fontsize=9,
                        transform=ax.transAxes)
            if j == 0:
                ax.set_ylabel(a, fontsize=6)
            if i == k - 1:
                ax.set_xlabel(b, fontsize=6)
    fig.tight_layout()
    fig.savefig(out / "pairs.png", dpi=72)
    plt.close(fig)

    days = [scenario.start + dt.timedelta(days=d) for d in range(area.shape[1])]
    metrics = sorted({r["point"].partition("@")[0] for r in rows}, key=lambda m: m != "ua_kursk_area_km2")
    cols = min(3, len(metrics))
    rows_ = (len(metrics) + cols - 1) // cols
    fig, axes = plt.subplots(rows_, cols, figsize=(6 * cols, 4 * rows_), squeeze=False)
    for ax in list(axes.flat)[len(metrics):]:
        ax.axis("off")
    for ax, metric in zip(axes.flat, metrics, strict=True):
        mine = [r for r in rows if r["point"].startswith(metric + "@")]
        if metric == "ua_kursk_area_km2":
            lo, med, hi = np.percentile(area, [5, 50, 95], axis=0)
            ax.fill_between(days, lo, hi, alpha=0.25, label="posterior predictive 90%")
            ax.plot(days, med, label="median")
        else:
            at = [dt.date.fromisoformat(r["point"].partition("@")[2]) for r in mine]
            ax.errorbar(at, [r["median"] for r in mine],
                        yerr=[[r["median"] - r["low"] for r in mine], [r["high"] - r["median"] for r in mine]],
                        fmt="o", ms=4, capsize=3, label="model median, 90%")
            ax.set_xlim(min(at) - dt.timedelta(days=20), max(at) + dt.timedelta(days=20))
        for r in mine:
            date = dt.date.fromisoformat(r["point"].partition("@")[2])
            ax.scatter([date], [r["reported"]], color="none" if r["held_out"] else "k", edgecolor="k",
                       zorder=3, s=28)
        ax.scatter([], [], color="k", s=28, label="reported (fitted)")
        if any(r["held_out"] for r in mine):
            ax.scatter([], [], color="none", edgecolor="k", s=28, label="reported (held out)")
        if cal.until is not None:
            ax.axvline(cal.until, color="0.5", ls=":", lw=1)
        ax.set_title(metric, fontsize=9)
        ax.tick_params(axis="x", labelrotation=30, labelsize=7)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "predictive.png", dpi=110)
    plt.close(fig)
