"""The report of a batch: each policy against `hold`, with its uncertainty, from stored results alone.

    python -m sim report DIR        (also written at the end of every batch)

Reads DIR/summary.parquet, DIR/timeseries.parquet and DIR/manifest.json; writes DIR/report.md and
its PNG plots. Every comparison is paired by replication (the runs share their random numbers),
and the report shows how much narrower that makes the intervals than independent seeds would.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from .experiment import BASELINE  # noqa: E402
from .scenario import ScenarioError  # noqa: E402
from .stats import compare, describe, paired_t_ci  # noqa: E402
from .summary import BOOTSTRAP_SEED, Metric, Report, by_draw, by_policy, fmt, load, share  # noqa: E402
from .sweep_report import write_sweep_report  # noqa: E402

METRICS = (
    Metric("ua_losses_total", "Ukrainian soldiers lost, both theatres (killed, wounded, captured)", False, "personnel"),
    Metric("ua_losses_kursk", "… of which in the Kursk theatre (with Sumy oblast)", False, "personnel"),
    Metric("ua_losses_east", "… of which in the eastern sectors", False, "personnel"),
    Metric("ua_captured", "Ukrainians captured", False, "personnel"),
    Metric("ua_personnel_end", "Ukrainian personnel in formations at the horizon", True, "personnel"),
    Metric("ru_east_gain_km2", "Russian gains on the eastern front", False, "km²"),
    Metric("ru_sumy_gain_km2", "Russian-held ground in Sumy oblast at the horizon", False, "km²"),
    Metric("ua_kursk_area_mean_km2", "Kursk ground held, mean over the campaign", True, "km²"),
    Metric("ru_losses_total", "Russian and North Korean soldiers lost", True, "personnel"),
)

def write_report(folder: Path, decision_map: tuple[str, str] | None = None) -> Report:
    """Compute the statistics and write report.md with its plots into `folder` (a batch's or a
    sweep's; `decision_map` names the two factors of a sweep's decision map)."""
    folder = Path(folder)
    summary, manifest = load(folder)
    if "design" in manifest:
        return write_sweep_report(folder, summary, manifest, decision_map)
    if decision_map is not None:
        raise ScenarioError("--map", ",".join(decision_map), f"{folder} holds a batch; a decision map needs a sweep")
    labels = manifest["policies"]
    others = [p for p in labels if p != BASELINE]
    n = len(by_policy(summary, "ua_losses_total", [BASELINE])[BASELINE])
    if n == 0:
        raise ScenarioError(folder, "summary.parquet", f"no replication finished under every policy "
                            f"({len(manifest.get('failed', []))} runs failed; their errors are in {folder / 'failed'})")

    lines = [f"# {manifest['experiment']}: each policy against `{BASELINE}`", "",
             f"{manifest['runs']} runs: {len(labels)} policies × {n} replications, root seed "
             f"{manifest['root_seed']}, common random numbers (each replication's seed is shared by all policies). "
             f"Built from `summary.parquet` and `timeseries.parquet` by `python -m sim report`.", ""]
    if manifest.get("failed"):
        lines += [f"{len(manifest['failed'])} runs failed (DIR/failed/ holds their errors); their replications "
                  f"are left out of every comparison, leaving {n} complete.", ""]
    posterior = manifest.get("posterior")
    draws = by_policy(summary, "posterior_draw", [BASELINE])[BASELINE] if posterior else None
    if posterior:
        lines += [f"**Under parameter uncertainty.** Each replication's parameters ({', '.join(posterior['parameters'])}) "
                  f"are drawn from the posterior `{posterior['file']}` (sha256 `{posterior['sha256'][:12]}…`), "
                  f"one draw for every {posterior['replications_per_draw']} replications, the same for every policy. "
                  f"Intervals and P(better) below are over the {len(np.unique(draws))} draws (the mean of each "
                  "draw's replications), which are independent; the table after them splits the spread of each "
                  "difference into parameter uncertainty and chance.", ""]

    lines += ["## Outcomes per policy", "", "| metric | policy | mean | median | 5% | 95% |", "|---|---|---:|---:|---:|---:|"]
    for m in METRICS:
        for label, x in by_policy(summary, m.column, labels).items():
            d = describe(x)
            lines.append(f"| {m.title} ({m.unit}) | {label} | {fmt(d['mean'])} | {fmt(d['median'])} | "
                         f"{fmt(d['q05'])} | {fmt(d['q95'])} |")

    terminal = [f"{'metric':52s} {'policy':24s} {'mean diff':>10s} {'95% CI (t)':>20s} {'P(better)':>16s}"]
    lines += ["", f"## Paired differences against `{BASELINE}`", "",
              "Difference = policy − hold, per replication. P(better): share of replications in which the policy "
              "does better for Ukraine, with a Wilson 95% interval. CRN narrowing: the width of the interval an "
              "analysis with independent seeds would give, divided by the paired interval's.", "",
              "| metric | policy | mean difference | 95% CI (paired t) | 95% CI (bootstrap) | P(better) | CRN narrowing |",
              "|---|---|---:|---:|---:|---:|---:|"]
    comparisons = {}
    for m in METRICS:
        values = by_policy(summary, m.column, labels)
        if posterior:
            values = by_draw(values, draws)
        for label in others:
            c = compare(values[BASELINE], values[label], m.higher_is_better, seed=BOOTSTRAP_SEED)
            comparisons[(m.column, label)] = c
            better = f"{c['p_better']:.0%} ({c['p_better_lo']:.0%}–{c['p_better_hi']:.0%})"
            lines.append(f"| {m.title} | {label} | {fmt(c['mean_diff'])} | {fmt(c['t_lo'])} to {fmt(c['t_hi'])} | "
                         f"{fmt(c['boot_lo'])} to {fmt(c['boot_hi'])} | {better} | {c['crn_narrowing']:.1f}× |")
            terminal.append(f"{m.title[:52]:52s} {label[:24]:24s} {fmt(c['mean_diff']):>10s} "
                            f"{fmt(c['t_lo']) + ' to ' + fmt(c['t_hi']):>20s} {better:>16s}")

    if posterior:
        from .posterior import spread_split

        lines += ["", "## Parameter uncertainty against chance", "",
                  "Spread (sd) of the paired difference (policy − hold) across replications, split by the "
                  "replications that share a parameter draw: chance is the spread within a draw, parameters the "
                  "spread of the draws' means less its chance part (one-way random-effects ANOVA).", "",
                  "| metric | policy | sd of the difference | from parameters | from chance | parameters' share of the variance |",
                  "|---|---|---:|---:|---:|---:|"]
        for m in METRICS:
            values = by_policy(summary, m.column, labels)
            for label in others:
                s = spread_split(values[label] - values[BASELINE], draws)
                lines.append(f"| {m.title} | {label} | {fmt(s['sd_total'])} | {fmt(s['sd_parameters'])} | "
                             f"{fmt(s['sd_chance'])} | {share(s['share_parameters'])} |")

    lines += ["", "## Russian gains per eastern sector", "",
              "Mean Russian gain in each sector over the horizon under `hold`, and each policy's paired difference "
              "(policy − hold) with its 95% interval (paired t). The columns sum to the eastern total.", "",
              "| sector | hold (km²) | " + " | ".join(f"{label}: difference" for label in others) + " |",
              "|---|---:|" + "---:|" * len(others)]
    for column in _sector_columns(summary):
        values = by_policy(summary, column, labels)
        if posterior:
            values = by_draw(values, draws)
        cells = []
        for label in others:
            mean, lo, hi = paired_t_ci(values[label] - values[BASELINE])
            cells.append(f"{fmt(mean)} ({fmt(lo)} to {fmt(hi)})")
        name = column.removeprefix("ru_gain_km2_").replace("_", " ")
        lines.append(f"| {name} | {fmt(float(np.mean(values[BASELINE])))} | " + " | ".join(cells) + " |")
    lines += ["", "## In words", ""] + [f"- {s}" for s in _sentences(comparisons, others)]
    lines += ["", "## Plots", "", "![held area](fan_area.png)", "", "![eastern gains](east_gains.png)", "",
              "![losses](losses.png)", "", "![paired differences](paired_differences.png)", ""]
    lines += ["## Provenance", "", f"- experiment file `{manifest['experiment_file']}`, sha256 `{manifest['experiment_sha256']}`",
              f"- git revision `{manifest['git_revision']}`; versions: " +
              ", ".join(f"{k} {v}" for k, v in manifest["versions"].items()),
              f"- wall time of the batch: {manifest['wall_time_s']:.1f} s", ""]

    _plots(folder, summary, labels, others)
    (folder / "report.md").write_text("\n".join(lines))
    return Report(folder / "report.md", "\n".join(terminal))


def _sector_columns(summary: dict) -> list[str]:
    """The per-sector gain columns of a summary, in the scenario's order."""
    return [c for c in summary if c.startswith("ru_gain_km2_")]


def _sentences(comparisons: dict, others: list[str]) -> list[str]:
    def change(c: dict, more: str, less: str) -> str:
        word = more if c["mean_diff"] > 0 else less
        return (f"{fmt(abs(c['mean_diff']))} {word} (95% CI of policy − hold {fmt(c['t_lo'])} to "
                f"{fmt(c['t_hi'])})")

    out = []
    for label in others:
        lost = comparisons[("ua_losses_total", label)]
        east = comparisons[("ru_east_gain_km2", label)]
        sumy = comparisons[("ru_sumy_gain_km2", label)]
        kursk = comparisons[("ua_kursk_area_mean_km2", label)]
        out.append(
            f"`{label}`: Ukraine loses {change(lost, 'more soldiers', 'fewer soldiers')} than under hold in "
            f"both theatres together, better in {lost['p_better']:.0%} of replications; Russia gains "
            f"{change(east, 'km² more', 'km² less')} in the east and {change(sumy, 'km² more', 'km² less')} in "
            f"Sumy oblast; Ukraine holds {change(kursk, 'km² more', 'km² less')} of Kursk on average over the campaign.")
    return out


def _plots(folder: Path, summary: dict, labels: list[str], others: list[str]) -> None:
    # Column by column as numpy arrays (not Python objects): memory stays a few bytes per run-day.
    ts = pq.ParquetFile(folder / "timeseries.parquet")
    first = ts.read_row_group(0, columns=["day", "date"])
    n_days = int(pc.max(first["day"]).as_py()) + 1
    dates = np.array(first["date"].to_pylist()[:n_days], dtype="datetime64[D]")
    policy = ts.read(columns=["policy"])["policy"]
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]

    for column, name, ylabel in (("ua_kursk_area_km2", "fan_area.png", "Ukrainian-held area in Kursk (km²)"),
                                 ("ru_east_gain_km2", "east_gains.png", "Russian gains in the east since the start (km²)")):
        values = ts.read(columns=[column])[column].to_numpy()
        fig, ax = plt.subplots(figsize=(9, 4.5))
        for i, label in enumerate(labels):
            runs = values[pc.equal(policy, label).to_numpy(zero_copy_only=False)].reshape(-1, n_days)
            lo, med, hi = np.percentile(runs, [5, 50, 95], axis=0)
            c = colours[i % len(colours)]
            ax.fill_between(dates, lo, hi, color=c, alpha=0.15)
            ax.plot(dates, med, color=c, label=f"{label} (median, 5–95%)")
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=8)
        fig.autofmt_xdate()
        fig.tight_layout()
        fig.savefig(folder / name, dpi=100)
        plt.close(fig)

    fig, axes = plt.subplots(1, 3, figsize=(13, 4.2))
    for ax, column, title in zip(axes, ("ua_losses_kursk", "ua_losses_east", "ru_losses_total"),
                                 ("Ukrainian soldiers lost in Kursk", "Ukrainian soldiers lost in the east",
                                  "Russian and North Korean soldiers lost"), strict=True):
        values = by_policy(summary, column, labels)
        ax.boxplot([values[label] for label in labels], showfliers=False)
        ax.set_xticks(range(1, len(labels) + 1), labels, rotation=30, ha="right", fontsize=8)
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(folder / "losses.png", dpi=100)
    plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    for ax, column, title in zip(axes, ("ua_losses_total", "ru_east_gain_km2"),
                                 ("Ukrainian soldiers lost, both theatres: policy − hold",
                                  "Russian eastern gains (km²): policy − hold"), strict=True):
        values = by_policy(summary, column, labels)
        for i, label in enumerate(others):
            ax.hist(values[label] - values[BASELINE], bins=40, alpha=0.5, color=colours[(i + 1) % len(colours)],
                    label=label)
        ax.axvline(0, color="k", lw=0.8)
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(folder / "paired_differences.png", dpi=100)
    plt.close(fig)
