"""The report of a sweep: where withdrawing beats holding, by how much, and which assumptions decide.

    python -m sim report DIR [--map FACTOR_A,FACTOR_B]     (also written at the end of every sweep)

For each design point and each policy against `hold`: the mean paired difference of each outcome
with its 95% interval and P(policy better) with a Wilson interval; a decision map over two factors
(heatmaps of P(better) and of the differences in soldiers and ground lost); the factors ranked by
partial rank correlation with the paired difference (sim.sensitivity); and a paragraph in plain
words on where the answer flips. Written from DIR/summary.parquet and DIR/manifest.json alone.
"""

from __future__ import annotations

import datetime as dt
import math
from itertools import pairwise
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .experiment import BASELINE  # noqa: E402
from .scenario import ScenarioError  # noqa: E402
from .sensitivity import prcc, zero_crossing  # noqa: E402
from .stats import compare  # noqa: E402
from .summary import BOOTSTRAP_SEED, Metric, Report, by_draw, fmt  # noqa: E402

SWEEP_METRICS = (
    Metric("ua_losses_total", "Ukrainian soldiers lost, both theatres", False, "personnel"),
    Metric("ru_east_gain_km2", "Russian gains in the east", False, "km²"),
    Metric("ua_kursk_area_mean_km2", "Kursk ground held (campaign mean)", True, "km²"),
)
DECIDING = SWEEP_METRICS[0]         # P(better) and the sensitivity ranking are about soldiers lost
MAP_BINS = 5                        # cells per axis for a factor with many values (LHS, NOLH)


def _numeric(values: list) -> tuple[np.ndarray, bool]:
    """Factor values as numbers (dates as day ordinals); and whether they were dates."""
    if values and isinstance(values[0], str):
        try:
            return np.array([dt.date.fromisoformat(v).toordinal() for v in values], float), True
        except ValueError:
            raise ScenarioError("manifest.json", "design", f"factor values {values[:3]} are neither numbers "
                                "nor ISO dates") from None
    return np.array(values, float), False


def _show(x, is_date: bool = False) -> str:
    """A factor's value as a reader wants it: a date, or a number to four significant digits."""
    if is_date:
        return dt.date.fromordinal(int(round(x))).isoformat()
    if isinstance(x, str):
        return x
    return f"{x:,.4g}" if abs(x) < 1e4 else f"{x:,.0f}"


class _Pairs:
    """Paired differences (policy - hold) per replication, with their design point's factor values."""

    def __init__(self, summary: dict, label: str, factors: list[str]):
        rows = {(summary["point"][i], summary["replication"][i], summary["policy"][i]): i
                for i in range(len(summary["policy"]))}
        keys = sorted((p, r) for p, r, lab in rows if lab == label and (p, r, BASELINE) in rows)
        base = [rows[(p, r, BASELINE)] for p, r in keys]
        other = [rows[(p, r, label)] for p, r in keys]
        self.point = np.array([p for p, _ in keys])
        self.base = {m.column: np.array([summary[m.column][i] for i in base], float) for m in SWEEP_METRICS}
        self.other = {m.column: np.array([summary[m.column][i] for i in other], float) for m in SWEEP_METRICS}
        draws = summary.get("posterior_draw")         # under parameter uncertainty (sim.posterior)
        self.draw = None if draws is None else np.array([draws[i] for i in base])
        self.factor, self.is_date = {}, {}
        for f in factors:
            self.factor[f], self.is_date[f] = _numeric([summary[f][i] for i in base])

    def diff(self, column: str) -> np.ndarray:
        return self.other[column] - self.base[column]


def write_sweep_report(folder: Path, summary: dict, manifest: dict,
                       decision_map: tuple[str, str] | None = None) -> Report:
    design = manifest["design"]
    factors, labels = design["factors"], manifest["policies"]
    others = [p for p in labels if p != BASELINE]
    if decision_map is not None:
        unknown = [f for f in decision_map if f not in factors]
        if unknown or decision_map[0] == decision_map[1]:
            raise ScenarioError("--map", ",".join(decision_map),
                                f"must name two different factors of the sweep: {', '.join(factors)}")
    points = {p["point"]: p for p in design["points"]}
    reps = manifest["replications"]
    lines = [f"# {manifest['experiment']}: where each policy beats `{BASELINE}`", "",
             f"A {design['kind']} design of {len(points)} points over {len(factors)} factors "
             f"({', '.join(f'`{f}`' for f in factors)}), {reps} replications per point and policy, "
             f"{manifest['runs']} runs, root seed {manifest['root_seed']}. Replication r has the same seed at "
             "every point and under every policy (common random numbers). Differences are policy − hold, "
             "paired by replication; P(better) is the share of replications in which the policy loses fewer "
             "Ukrainian soldiers (Wilson 95% interval).", ""]
    if manifest.get("failed"):
        lines += [f"{len(manifest['failed'])} runs failed (their errors are in DIR/failed/); their "
                  "replications are left out at their design point.", ""]
    if manifest.get("posterior"):
        post = manifest["posterior"]
        lines += [f"**Under parameter uncertainty**: each replication's {', '.join(post['parameters'])} are drawn "
                  f"from `{post['file']}` (one draw for every {post['replications_per_draw']} replications, the same "
                  "at every point and under every policy) unless the design sets them; intervals at a design point "
                  "are over the draws (the mean of each draw's replications), which are independent.", ""]
    terminal = []
    for label in others:
        pairs = _Pairs(summary, label, factors)
        if len(pairs.point) == 0:
            raise ScenarioError(folder, "summary.parquet", f"no complete replications of {label!r} and {BASELINE!r}")
        per_point = _per_point(pairs)
        ranking = _ranking(pairs, factors)
        chosen = decision_map or tuple(r["factor"] for r in ranking[:2])
        lines += [f"## `{label}` against `{BASELINE}`", "", "### In words", "",
                  _paragraph(label, pairs, per_point, ranking, factors), ""]
        lines += _point_table(per_point, points, factors, pairs)
        lines += ["", "### Which factors matter (PRCC with the mean paired difference at each of the "
                  f"{len(np.unique(pairs.point))} design points)", "",
                  "Partial rank correlation coefficients (Marino et al. 2008): the monotone effect of each "
                  "factor on the difference, the other factors accounted for; 95% interval by Fisher's z. "
                  "Ranked by their effect on soldiers lost.", "",
                  "| rank | factor | PRCC: soldiers lost | 95% CI | p | PRCC: eastern gains | PRCC: Kursk ground held |",
                  "|---:|---|---:|---:|---:|---:|---:|"]
        for i, r in enumerate(ranking, 1):
            lines.append(f"| {i} | `{r['factor']}` | {r['soldiers']['prcc']:+.2f} | {r['soldiers']['lo']:+.2f} to "
                         f"{r['soldiers']['hi']:+.2f} | {r['soldiers']['p']:.2g} | {r['east']['prcc']:+.2f} | "
                         f"{r['kursk']['prcc']:+.2f} |")
        if len(factors) >= 2:
            name = f"decision_map_{label}.png"
            _decision_map(folder / name, pairs, chosen, label)
            lines += ["", f"### Decision map over `{chosen[0]}` and `{chosen[1]}`", "",
                      "Each cell pools the replications of the design points that fall in it (averaging over the "
                      "other factors); blank cells hold no point. Choose the two factors with "
                      "`python -m sim report DIR --map A,B`.", "", f"![decision map]({name})", ""]
        terminal.append(f"{label}: " + _paragraph(label, pairs, per_point, ranking, factors))
    lines += ["## Provenance", "", f"- sweep file `{manifest['experiment_file']}`, sha256 `{manifest['experiment_sha256']}`",
              f"- git revision `{manifest['git_revision']}`", f"- wall time: {manifest['wall_time_s']:.1f} s", ""]
    (folder / "report.md").write_text("\n".join(lines))
    return Report(folder / "report.md", "\n".join(terminal))


def _per_point(pairs: _Pairs) -> list[dict]:
    out = []
    for point in sorted(set(pairs.point.tolist())):
        mask = pairs.point == point
        row = {"point": point, "n": int(mask.sum())}
        for m in SWEEP_METRICS:
            base, other = pairs.base[m.column][mask], pairs.other[m.column][mask]
            if pairs.draw is not None:              # replications that share a draw are not independent
                means = by_draw({"base": base, "other": other}, pairs.draw[mask])
                base, other = means["base"], means["other"]
            row[m.column] = compare(base, other, m.higher_is_better,
                                    resamples=2000, seed=BOOTSTRAP_SEED) if len(base) >= 2 else None
        out.append(row)
    return out


def _ranking(pairs: _Pairs, factors: list[str]) -> list[dict]:
    """PRCC of each factor with the mean paired difference at each design point. Per point, not per
    replication: the replications of a point share its factor values (and a replication's seed is
    shared across points), so pairs are not independent observations of the factors' effect."""
    points = np.unique(pairs.point)
    first = [int(np.argmax(pairs.point == p)) for p in points]
    x = np.column_stack([pairs.factor[f][first] for f in factors])
    results = {m.column: prcc(x, np.array([pairs.diff(m.column)[pairs.point == p].mean() for p in points]))
               for m in SWEEP_METRICS}
    rows = [{"factor": f, "soldiers": results["ua_losses_total"][j], "east": results["ru_east_gain_km2"][j],
             "kursk": results["ua_kursk_area_mean_km2"][j]} for j, f in enumerate(factors)]
    return sorted(rows, key=lambda r: -abs(r["soldiers"]["prcc"]) if math.isfinite(r["soldiers"]["prcc"]) else 0.0)


def _point_table(per_point: list[dict], points: dict, factors: list[str], pairs: _Pairs) -> list[str]:
    head = " | ".join(f"`{f}`" for f in factors)
    lines = ["", "### Per design point", "",
             f"| point | {head} | Δ soldiers lost (95% CI) | P(better) | Δ eastern gains km² (95% CI) | "
             "Δ Kursk ground held km² |",
             "|---:|" + "---:|" * len(factors) + "---:|---:|---:|---:|"]
    for row in per_point:
        s, e, k = (row[m.column] for m in SWEEP_METRICS)
        values = " | ".join(_show(points[row["point"]][f]) for f in factors)
        if s is None:
            lines.append(f"| {row['point']} | {values} | (one replication) | | | |")
            continue
        lines.append(f"| {row['point']} | {values} | {fmt(s['mean_diff'])} ({fmt(s['t_lo'])} to {fmt(s['t_hi'])}) | "
                     f"{s['p_better']:.0%} ({s['p_better_lo']:.0%}–{s['p_better_hi']:.0%}) | "
                     f"{fmt(e['mean_diff'])} ({fmt(e['t_lo'])} to {fmt(e['t_hi'])}) | {fmt(k['mean_diff'])} |")
    return lines


def _paragraph(label: str, pairs: _Pairs, per_point: list[dict], ranking: list[dict], factors: list[str]) -> str:
    rows = [r for r in per_point if r["ua_losses_total"] is not None]
    if len(rows) < 2:
        return (f"Too few replications for intervals at {len(per_point) - len(rows)} of {len(per_point)} design "
                "points (each needs at least 2): run the sweep with more replications (--runs).")
    better = sum(1 for r in rows if r["ua_losses_total"]["t_hi"] < 0)
    worse = sum(1 for r in rows if r["ua_losses_total"]["t_lo"] > 0)
    east = sum(1 for r in rows if r["ru_east_gain_km2"]["t_hi"] < 0)
    text = (f"`{label}` loses clearly fewer Ukrainian soldiers than `{BASELINE}` at {better} of {len(rows)} design "
            f"points, clearly more at {worse}, and the difference is within the noise at the other "
            f"{len(rows) - better - worse}; it gives Russia clearly less ground in the east at {east} of {len(rows)}. ")
    top = ranking[0] if ranking else None
    if top is None or not math.isfinite(top["soldiers"]["prcc"]):
        return text + "No factor has a measurable effect on the difference in soldiers lost."
    f = top["factor"]
    r = top["soldiers"]["prcc"]
    direction = ("later" if r > 0 else "earlier") if pairs.is_date[f] else ("larger" if r > 0 else "smaller")
    text += (f"The answer turns most on `{f}` (PRCC {r:+.2f} with the difference in soldiers lost): the "
             f"{direction} `{f}` is, the worse `{label}` does against holding. ")
    x = np.array([pairs.factor[f][pairs.point == row["point"]][0] for row in rows])
    y = np.array([row["ua_losses_total"]["mean_diff"] for row in rows])
    flip = zero_crossing(x, y)
    if flip is not None:
        root, slope = flip
        low, high = ("before", "after") if pairs.is_date[f] else ("below", "above")
        sides = (low, high) if slope > 0 else (high, low)      # rising difference: saves below the root
        text += (f"Averaged over the other factors (a straight line through the design points), the difference "
                 f"changes sign near `{f}` = {_show(root, pairs.is_date[f])}: {sides[0]} it `{label}` saves "
                 f"soldiers, {sides[1]} it costs them.")
    else:
        sign = "fewer" if np.mean(y) < 0 else "more"
        text += f"Over the range swept, a straight line through the points keeps one sign: `{label}` loses {sign} soldiers throughout."
    return text


def _bins(values: np.ndarray, is_date: bool) -> tuple[np.ndarray, list[str]]:
    """Cell index per value, and the cells' tick labels: a factor's levels when it has few,
    else MAP_BINS equal-width bins."""
    levels = np.unique(values)
    if len(levels) <= 8:
        return np.searchsorted(levels, values), [_show(v, is_date) for v in levels]
    edges = np.linspace(values.min(), values.max(), MAP_BINS + 1)
    index = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, MAP_BINS - 1)
    return index, [_show((a + b) / 2, is_date) for a, b in pairwise(edges)]


def _decision_map(path: Path, pairs: _Pairs, chosen: tuple[str, str], label: str) -> None:
    fa, fb = chosen
    ia, ticks_a = _bins(pairs.factor[fa], pairs.is_date[fa])
    ib, ticks_b = _bins(pairs.factor[fb], pairs.is_date[fb])
    shape = (len(ticks_b), len(ticks_a))
    soldiers, east, kursk = (pairs.diff(m.column) for m in SWEEP_METRICS)
    panels = [("P(policy loses fewer soldiers)", soldiers < 0, "RdYlGn", (0.0, 1.0)),
              ("Δ Ukrainian soldiers lost (policy − hold)", soldiers, "RdYlGn_r", None),
              ("Δ Russian gains in the east, km² (policy − hold)", east, "RdYlGn_r", None),
              ("Δ Kursk ground held, km² (policy − hold)", kursk, "RdYlGn", None)]
    fig, axes = plt.subplots(1, 4, figsize=(19, 4.6))
    for ax, (title, values, cmap, limits) in zip(axes, panels, strict=True):
        grid = np.full(shape, np.nan)
        for b in range(shape[0]):
            for a in range(shape[1]):
                cell = (ia == a) & (ib == b)
                if cell.any():
                    grid[b, a] = float(np.mean(values[cell]))
        if limits is None:
            bound = np.nanmax(np.abs(grid)) if np.isfinite(grid).any() else 1.0
            limits = (-bound, bound)                 # centred on zero: the colour says who does better
        image = ax.imshow(grid, origin="lower", cmap=cmap, vmin=limits[0], vmax=limits[1], aspect="auto")
        for b in range(shape[0]):
            for a in range(shape[1]):
                if np.isfinite(grid[b, a]):
                    ax.text(a, b, f"{grid[b, a]:.0%}" if limits == (0.0, 1.0) else fmt(grid[b, a]),
                            ha="center", va="center", fontsize=7)
        ax.set_xticks(range(shape[1]), ticks_a, rotation=30, ha="right", fontsize=7)
        ax.set_yticks(range(shape[0]), ticks_b, fontsize=7)
        ax.set_xlabel(fa)
        ax.set_ylabel(fb)
        ax.set_title(title, fontsize=9)
        fig.colorbar(image, ax=ax, shrink=0.8)
    fig.suptitle(f"{label} against hold", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
