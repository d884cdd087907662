"""Calibration check: the default scenario under `hold` against the reported course.

    python experiments/calibrate.py [--runs 50] [--scenario configs/kursk_2024.toml]

Runs the historical policy over many seeds and writes docs/calibration.md (a table) and
docs/calibration.png (the model's median with a 90% band against the reported points).
The reported points come from data/kursk-record.csv (a copy of the project's sourced record).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sim import COLUMNS, KurskModel, load_scenario  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "data" / "kursk-record.csv"


def read_record() -> list[dict]:
    with open(RECORD, newline="") as fh:
        return list(csv.DictReader(fh))


CALIBRATION_SEED = 20240806    # the root seed of the shipped experiments; replication r is seeded as a batch seeds it


def simulate(scenario, runs: int) -> dict[str, np.ndarray]:
    """Daily columns of `runs` hold runs, stacked: name -> array (runs, days)."""
    rows = [KurskModel(scenario, "hold", np.random.SeedSequence(CALIBRATION_SEED, spawn_key=(r,))).run().records
            for r in range(runs)]
    return {name: np.array([[r[k] for r in run] for run in rows]) for k, name in enumerate(COLUMNS)}


def month_end_gains(data, dates: list[str], month: str) -> np.ndarray:
    """Russian eastern gain within calendar month `month` (YYYY-MM), per run."""
    y, m = map(int, month.split("-"))
    first = dt.date(y, m, 1)
    last = dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)
    i_end = dates.index(last.isoformat()) if last.isoformat() in dates else len(dates) - 1
    before = (first - dt.timedelta(days=1)).isoformat()
    i_start = dates.index(before) if before in dates else 0
    return data["ru_east_gain_km2"][:, i_end] - data["ru_east_gain_km2"][:, i_start]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--scenario", default=str(ROOT / "configs" / "kursk_2024.toml"))
    ap.add_argument("--out", default=str(ROOT / "docs"))
    args = ap.parse_args()

    scenario = load_scenario(args.scenario)
    data = simulate(scenario, args.runs)
    dates = list(data["date"][0])
    days = [dt.date.fromisoformat(d) for d in dates]
    area = data["ua_kursk_area_km2"]
    lo, med, hi = np.percentile(area, [5, 50, 95], axis=0)

    table = []   # (what, reported, model median, 90% band, source)

    def at(date: str):
        return dates.index(date) if date in dates else None

    for row in read_record():
        k = at(row["date"])
        value = float(row["value"])
        if row["metric"] == "ua_kursk_area_km2":
            if k is None:       # before the start (the 15 Aug report): shown, not compared
                table.append((f"held area {row['date']}", value, None, None, row["source"]))
                continue
            s = area[:, k]
            table.append((f"held area {row['date']} (km²)", value, np.median(s), np.percentile(s, [5, 95]), row["source"]))
        elif row["metric"] == "ru_east_gain_month_km2":
            s = month_end_gains(data, dates, row["date"][:7])
            month_start = dt.date.fromisoformat(row["date"][:7] + "-01")
            month_days = (dt.date.fromisoformat(row["date"]) - month_start).days + 1
            covered = (dt.date.fromisoformat(row["date"]) - max(month_start, days[0])).days
            what = f"eastern gain {row['date'][:7]} (km²/month)"
            if covered + 1 < month_days:       # the horizon starts inside this month: pro rata
                value *= covered / month_days
                what = f"eastern gain {days[0]:%d} to {row['date'][8:]} {row['date'][:7]} (km², reported pro rata)"
            table.append((what, value, np.median(s), np.percentile(s, [5, 95]), row["source"]))
        elif row["metric"] == "nk_losses" and k is not None:
            s = data["nk_losses"][:, k]
            table.append((f"NK killed+wounded by {row['date']}", value, np.median(s), np.percentile(s, [5, 95]), row["source"]))
        elif row["metric"] == "ru_troops_kursk" and k is not None:
            s = data["ru_personnel_kursk"][:, k] + data["nk_personnel_kursk"][:, k]
            table.append((f"Russian + NK troops in Kursk {row['date']}", value, np.median(s), np.percentile(s, [5, 95]), row["source"]))

    # Qualitative patterns: the road under fire control in Feb 2025, the collapse in March 2025.
    cut = data["supply_road_cut"]
    first_cut = [dates[int(np.argmax(c))] if c.any() else "never" for c in cut]
    first_cut_sorted = sorted(first_cut)
    k_mar6, k_mar13, k_apr30 = at("2025-03-06"), at("2025-03-13"), len(dates) - 1
    share_cut_feb = np.mean([c != "never" and c <= "2025-02-28" for c in first_cut])

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(1, 2, figsize=(12, 4.5))
    ax[0].fill_between(days, lo, hi, alpha=0.25, label="model, 90% band")
    ax[0].plot(days, med, label=f"model median ({args.runs} seeds, hold)")
    pts = [(dt.date.fromisoformat(r["date"]), float(r["value"])) for r in read_record() if r["metric"] == "ua_kursk_area_km2"]
    ax[0].scatter(*zip(*pts), color="k", zorder=3, label="reported (AFP/ISW, Syrskyi)")
    ax[0].axvspan(dt.date(2025, 3, 6), dt.date(2025, 3, 13), color="red", alpha=0.1, label="reported collapse 6-13 Mar")
    ax[0].set_ylabel("Ukrainian-held area in Kursk (km²)")
    ax[0].legend(fontsize=8)
    months = sorted({d[:7] for d in dates})
    model_month = [np.median(month_end_gains(data, dates, m)) for m in months]
    ax[1].bar(months, model_month, alpha=0.5, label="model median (Aug: from the 20th)")
    reported = [(r["date"][:7], float(r["value"])) for r in read_record() if r["metric"] == "ru_east_gain_month_km2"]
    ax[1].scatter([m for m, _ in reported], [v for _, v in reported], color="k", zorder=3,
                  label="AFP/ISW monthly (full months)")
    ax[1].set_ylabel("Russian gains in the east per month (km²)")
    ax[1].legend(fontsize=8)
    for a in ax:
        a.tick_params(axis="x", rotation=30)
    fig.tight_layout()
    fig.savefig(out / "calibration.png", dpi=110)

    def fmt(v):
        return "—" if v is None else f"{v:,.0f}"

    lines = [
        "# Calibration: the default scenario under `hold` against the reported course",
        "",
        f"Produced by `python experiments/calibrate.py --runs {args.runs}` from `{Path(args.scenario).name}`;"
        " reported points from `data/kursk-record.csv`.",
        "",
        "![model median and 90% band against the reported points](calibration.png)",
        "",
        "| quantity | reported | model median | model 5–95% | source |",
        "|---|---:|---:|---:|---|",
    ]
    for what, rep, m, band, src in table:
        b = "—" if band is None else f"{band[0]:,.0f} – {band[1]:,.0f}"
        lines.append(f"| {what} | {rep:,.0f} | {fmt(m)} | {b} | {src} |")
    lines += [
        "",
        "Patterns:",
        "",
        f"- Yunakivka–Sudzha road under Russian fire control or lost (`supply_road_cut`): median first day "
        f"{first_cut_sorted[len(first_cut_sorted) // 2]}; in {share_cut_feb:.0%} of runs by the end of February 2025 "
        "(reported: February 2025).",
        f"- Held area on 2025-03-06: median {np.median(area[:, k_mar6]):,.0f} km²; on 2025-03-13: "
        f"{np.median(area[:, k_mar13]):,.0f} km²; on {dates[k_apr30]}: {np.median(area[:, k_apr30]):,.0f} km² "
        "(reported: the held area fell ~2.5× between 6 and 13 March; oblast declared retaken 26 April).",
        "",
    ]
    (out / "calibration.md").write_text("\n".join(lines) + "\n" + ASSESSMENT)
    print("\n".join(lines))


ASSESSMENT = """
## Assessment

What the fit shows, and what it does not:

- The **peak** (1,300 km²) is matched by construction: the node areas are apportioned from it. The
  **late-August** figure (1,171 km²) is matched by calibrating `advance_km2_per_day`.
- The **autumn decline** is slower than reported in most runs: the median on 31 December is above
  483 km², which lies inside the 90% band but in its lower half. The runs split into two families —
  those where the Russian grouping breaks into the centre of the salient in November–December (near
  or below the reported course) and those where it stalls until the winter reinforcements.
- The **collapse** comes in early March, as reported (6–13 March), once the drone ramp puts the main
  supply road under fire control (median first day in early February, as reported); it starts a few
  days early and is steeper than the reported 2.5× fall in five days.
- **North Korean losses** by mid-December match the NIS figure (calibrated with `nk_initial_exposure`).
- The **eastern gains** under `hold` follow the AFP/ISW monthly figures by construction: `hold` is the
  historical disposition, so the sector rates are the reported ones. What the model adds is how those
  rates change when brigades arrive from Kursk or Russian formations leave it (`east_elasticity`, an
  assumption to sweep).

Calibrated by hand, one parameter at a time (`advance_km2_per_day`, `breakthrough_ratio`,
`consolidation_days`, `attack_ratio_min`, the drone ramp dates, `nk_initial_exposure`; `nk_arrival` is
the NIS date); the autumn course is
sensitive to the Russian attack threshold and replacement rate. A formal fit
(approximate Bayesian computation over these, with the batch runner) is the next step.
"""


if __name__ == "__main__":
    main()
