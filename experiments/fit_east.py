"""Fit the eastern front's unknown forces so that `hold` reproduces the reported gains of Aug–Dec 2024.

    python experiments/fit_east.py [--seeds 8] [--scenario configs/kursk_2024.toml]

The eastern sectors fight under the Kursk law (sim/eastern_front.py); their Russian forces come from
the facts, their Ukrainian forces are not reported. This script fits what is not reported:

- the Ukrainian personnel of each sector at the start (`UA <sector> front`),
- the Ukrainian eastern replacements (`east_ua_replacements_per_day`),
- the size of the reserves Syrskyi sent to Pokrovsk and Kurakhove on 2024-11-29 (`UA reserves to ...`),

against the AFP/ISW monthly gains of Aug (from the 20th, pro rata) to Dec 2024 (data/kursk-record.csv)
and each sector's share of them (`gain_share`, an assumption). For given replacements and reserves,
each sector's Ukrainian personnel is found by bisection so that its cumulative gain to 2024-12-31
equals its share (all sectors at once; they interact only through the replacements, which follow
recent losses, so the bisection converges to a joint solution); the replacements and reserves are then
chosen on a grid to minimise the squared relative misfit of the monthly series.
The months after December 2024 are not used: docs/calibration.md shows them as an out-of-sample check.
Every run uses the calibration seeds (the root seed of the shipped experiments); the fit averages over them.

Prints the fitted values as they go into configs/kursk_2024.toml, and the monthly fit.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import itertools
from dataclasses import replace
from pathlib import Path

import numpy as np

from sim import KurskModel, load_scenario

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "data" / "kursk-record.csv"
CALIBRATION_SEED = 20240806            # the root seed of the shipped experiments
FIT_END = dt.date(2024, 12, 31)
RESERVE_UNITS = ("UA reserves to Pokrovsk", "UA reserves to Kurakhove")


def reported_months(start: dt.date, end: dt.date) -> dict[str, float]:
    """Reported monthly eastern gains within [start, end], the first month pro rata from `start`."""
    out = {}
    with open(RECORD, newline="") as fh:
        for row in csv.DictReader(fh):
            if row["metric"] != "ru_east_gain_month_km2":
                continue
            last = dt.date.fromisoformat(row["date"])
            first = last.replace(day=1)
            if last < start or first > end:
                continue
            days = (last - first).days + 1
            # the model's days of that month: the record gains from the day after `start`
            covered = (last - max(first - dt.timedelta(days=1), start)).days
            out[row["date"][:7]] = float(row["value"]) * covered / days
    return out


def with_forces(scenario, front: dict[str, float], reserves: float, replacements: float):
    """The scenario with these sector forces, reserves (each unit) and eastern replacements."""
    units = []
    for u in scenario.units:
        if u.name in front:
            u = replace(u, personnel=front[u.name])
        elif u.name in RESERVE_UNITS:
            u = replace(u, personnel=reserves)
        units.append(u)
    return replace(scenario, units=tuple(units)).with_params(east_ua_replacements_per_day=replacements)


def east_gains(scenario, seeds: int, until: dt.date = FIT_END) -> np.ndarray:
    """Per seed, per day to `until`, per sector: cumulative Russian gain (runs, days, sectors)."""
    columns = [s.column for s in scenario.east_sectors]
    out = []
    for r in range(seeds):
        model = KurskModel(scenario, "hold", np.random.SeedSequence(CALIBRATION_SEED, spawn_key=(r,)))
        model.run(until=until + dt.timedelta(days=1))
        k = [model.columns.index(c) for c in columns]
        out.append([[row[i] for i in k] for row in model.records])
    return np.array(out)


def fit_fronts(scenario, reserves: float, replacements: float, seeds: int, target: dict[str, float],
               iterations: int = 22) -> dict[str, float]:
    """Per sector, the Ukrainian personnel at which its mean cumulative gain to FIT_END is its target
    (bisection in log personnel, every sector at once: they do not interact in this window)."""
    sectors = [s.node for s in scenario.east_sectors]
    names = [f"UA {s} front" for s in sectors]
    lo = {n: np.log(500.0) for n in names}
    hi = {n: np.log(400_000.0) for n in names}
    for _ in range(iterations):
        mid = {n: float(np.exp((lo[n] + hi[n]) / 2)) for n in names}
        gains = east_gains(with_forces(scenario, mid, reserves, replacements), seeds)[:, -1, :].mean(axis=0)
        for n, s, g in zip(names, sectors, gains, strict=True):
            if g > target[s]:
                lo[n] = np.log(mid[n])           # too much ground lost: more defenders
            else:
                hi[n] = np.log(mid[n])
    return {n: float(np.exp((lo[n] + hi[n]) / 2)) for n in names}


def monthly(scenario, gains: np.ndarray, months: list[str]) -> np.ndarray:
    """Mean over runs of each month's total eastern gain (from the cumulative per-sector gains)."""
    total = gains.sum(axis=2).mean(axis=0)
    dates = [scenario.start + dt.timedelta(days=d) for d in range(total.shape[0])]
    out = []
    for m in months:
        y, mo = map(int, m.split("-"))
        last = min(dt.date(y + mo // 12, mo % 12 + 1, 1) - dt.timedelta(days=1), dates[-1])
        first = max(dt.date(y, mo, 1) - dt.timedelta(days=1), dates[0])
        out.append(total[dates.index(last)] - total[dates.index(first)])
    return np.array(out)


def write_report(path: Path, seeds: int, months: list[str], want: np.ndarray, grid: list, best: tuple) -> None:
    """The fit as a page: the grid of (replacements, reserves) with each cell's monthly series and
    misfit, the best cell, and the fitted sector forces."""
    misfit, f, res, fronts, got = best
    head = " | ".join(months)
    lines = [
        "# The eastern front fitted to the reported gains of August–December 2024",
        "",
        f"Produced by `python experiments/fit_east.py --seeds {seeds}` (experiments/fit_east.py says how). Each row: "
        "the Ukrainian eastern replacements and the size of each reserve unit sent on 2024-11-29; for each, "
        "the Ukrainian sector forces are bisected so that each sector's cumulative gain to 2024-12-31 matches its "
        "`gain_share`; then the model's mean monthly gains (km², August from the 21st) and the squared relative "
        "misfit against the AFP/ISW figures.",
        "",
        f"| replacements/day | reserves per unit | {head} | misfit |",
        "|---:|---:|" + "---:|" * len(months) + "---:|",
        f"| reported | | {' | '.join(f'{w:,.0f}' for w in want)} | |",
    ]
    for gf, gres, gmis, ggot in grid:
        mark = "**" if (gf, gres) == (f, res) else ""
        lines.append(f"| {mark}{gf:g}{mark} | {mark}{gres:,.0f}{mark} | {' | '.join(f'{g:,.0f}' for g in ggot)} | {gmis:.4f} |")
    lines += ["", f"Best: `east_ua_replacements_per_day` = {f:g}, reserves {res:,.0f} per unit, misfit {misfit:.4f}. "
              "Fitted Ukrainian forces at the start (`configs/kursk_2024.toml`):", "",
              "| unit | personnel |", "|---|---:|"]
    lines += [f"| {name} | {round(value, -2):,.0f} |" for name, value in fronts.items()]
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--scenario", default=str(ROOT / "configs" / "kursk_2024.toml"))
    ap.add_argument("--out", default=str(ROOT / "docs" / "east_fit.md"), help="where the fit's table is written")
    ap.add_argument("--replacements", default="200,225,250,275,300",
                    help="grid of east_ua_replacements_per_day")
    ap.add_argument("--reserves", default="6000,7000,8000,9000,10000",
                    help="grid of personnel per reserve unit sent on 2024-11-29")
    args = ap.parse_args()

    scenario = load_scenario(args.scenario)
    reported = reported_months(scenario.start, FIT_END)
    months = sorted(reported)
    total = sum(reported.values())
    target = {s.node: s.gain_share * total for s in scenario.east_sectors}
    want = np.array([reported[m] for m in months])
    print(f"reported Aug 20 - Dec 31 2024: {total:,.0f} km2 ({', '.join(f'{m} {v:,.0f}' for m, v in reported.items())})")

    best, grid = None, []
    for f, res in itertools.product([float(x) for x in args.replacements.split(",")],
                                    [float(x) for x in args.reserves.split(",")]):
        fronts = fit_fronts(scenario, res, f, args.seeds, target)
        sc = with_forces(scenario, fronts, res, f)
        got = monthly(sc, east_gains(sc, args.seeds), months)
        misfit = float(np.sum(((got - want) / want) ** 2))
        print(f"replacements {f:5.0f}/day  reserves {res:6.0f}  misfit {misfit:.4f}  "
              + " ".join(f"{g:5.0f}" for g in got), flush=True)
        grid.append((f, res, misfit, got))
        if best is None or misfit < best[0]:
            best = (misfit, f, res, fronts, got)

    misfit, f, res, fronts, got = best
    write_report(Path(args.out), args.seeds, months, want, grid, best)
    print(f"\nbest: east_ua_replacements_per_day = {f:g}, reserves {res:g} per unit, misfit {misfit:.4f}")
    for m, g, w in zip(months, got, want, strict=True):
        print(f"  {m}: model {g:6.0f}  reported {w:6.0f}")
    print("\nconfigs/kursk_2024.toml:")
    for name, value in fronts.items():
        print(f'  {name}: personnel = {round(value, -2):.0f}')
    for name in RESERVE_UNITS:
        print(f'  {name}: personnel = {res:.0f}')
    print(f"  east_ua_replacements_per_day = {f:g}")


if __name__ == "__main__":
    main()
