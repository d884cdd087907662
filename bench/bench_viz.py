"""Benchmark: server-side work per step of the visualiser (issue 4: at most 100 ms at the default size).

    python bench/bench_viz.py [--days 284] [--policies hold withdraw]

1. The page: opened, the first time in the process and again (another tab, a reload: the map's and
   the plots' fixed layers come from the views' caches); then the whole Solara page (map, day at a
   glance, plots, details, Mesa's sidebar) rendered in this process with Solara's test renderer,
   and its Step button clicked once per day; each click runs the model's day and every re-render
   it causes, up to the widget state that would be sent to the browser (the sending itself and the
   browser's drawing are not counted).
2. The parts, on the same days: the model's day; the map and the plots as drawn (background drawn
   once, the ground redrawn when a node changes hands, the day's state drawn over it, PNG); and the
   alternatives the choice was made against: redrawing the whole figure each day as PNG and as SVG
   (every artist; the ground's tint, painted with numpy, aside), and building the same plots and map
   with Altair (chart built from the day's data and turned into its Vega-Lite spec and JSON, which
   is what Solara's FigureAltair does on the server).

CPU time of this process (time.process_time), in ms: median, 90th percentile and maximum over the
days. Results, with the date and the machine, in bench/viz.md.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import statistics
import time
from pathlib import Path

import altair as alt
import pandas as pd

from sim.viz.campaign import VizModel, base_scenario, page_parameters
from sim.viz.mapview import FORCE, MapView
from sim.viz.plots import PANELS, PlotsView

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = str(ROOT / "configs" / "kursk_2024.toml")


def stats(ms: list[float]) -> str:
    """Median, 90th percentile and maximum of per-day costs, with the day of the maximum (day 1 first)."""
    q = statistics.quantiles(ms, n=10) if len(ms) > 1 else ms
    worst = max(range(len(ms)), key=ms.__getitem__)
    return f"median {statistics.median(ms):6.1f}  p90 {q[-1]:6.1f}  max {ms[worst]:6.1f} (day {worst + 1:3d})"


def cpu_ms(fn) -> tuple[float, object]:
    t = time.process_time()
    out = fn()
    return (time.process_time() - t) * 1e3, out


# --- 1. the whole page ------------------------------------------------------------------------

def page_per_step(policy: str, days: int) -> tuple[list[float], float]:
    import ipyvuetify as v
    import solara

    from sim.viz.app import CampaignPage

    params = page_parameters(base_scenario(SCENARIO))
    holder = {}

    @solara.component
    def Bench():
        model = solara.use_reactive(VizModel(scenario_file=SCENARIO, policy=policy))
        holder["model"] = model
        return solara.AppLayout(children=[CampaignPage(model, params)])

    _, rc = solara.render(Bench(), handle_error=False)
    step = rc.find(v.Btn, children=["Step"]).widget
    costs = []
    for _ in range(days):
        ms, _ = cpu_ms(step.click)
        costs.append(ms)
    assert holder["model"].value.day == days, "the Step button did not advance the model"
    reset, _ = cpu_ms(rc.find(v.Btn, children=["Reset"]).widget.click)
    assert holder["model"].value.day == 0, "Reset did not rebuild the model"
    rc.close()
    return costs, reset


def page_opens(times: int = 3) -> list[float]:
    """CPU ms to open the page (its first render, up to the widgets sent to the browser) `times`
    times in one process: the first draws the map's and the plots' fixed layers, the later ones
    (another tab, a reload) take them from the views' caches."""
    import solara

    from sim.viz.app import CampaignPage

    params = page_parameters(base_scenario(SCENARIO))

    @solara.component
    def Page(model: VizModel):
        reactive = solara.use_reactive(model)
        return solara.AppLayout(children=[CampaignPage(reactive, params)])
    costs = []
    for _ in range(times):
        page = Page(VizModel(scenario_file=SCENARIO))
        ms, (_, rc) = cpu_ms(lambda: solara.render(page, handle_error=False))   # noqa: B023 (called at once)
        costs.append(ms)
        rc.close()
    return costs


# --- 2. the parts, and the alternatives ----------------------------------------------------------

def full_redraw(view, artists, fmt: str) -> bytes:
    """The whole figure drawn from scratch, as a page without a cached background would."""
    for a in artists:
        a.set_animated(False)
    out = io.BytesIO()
    view.fig.savefig(out, format=fmt)
    for a in artists:
        a.set_animated(True)
    return out.getvalue()


def altair_plots(model) -> alt.TopLevelMixin:
    rows = pd.DataFrame(model.records, columns=model.columns)
    rows["date"] = pd.to_datetime(rows["date"])
    charts = []
    for title, series in PANELS.values():
        long = rows.melt(id_vars=["date"], value_vars=[s[0] for s in series], var_name="series")
        charts.append(alt.Chart(long, title=title).mark_line().encode(
            x=alt.X("date:T", scale=alt.Scale(domain=[str(model.campaign.start), str(model.campaign.end)])),
            y="value:Q", color="series:N").properties(width=260, height=120))
    return alt.vconcat(*(alt.hconcat(*charts[k:k + 2]) for k in range(0, len(charts), 2)))


def altair_map(model, view: MapView) -> alt.TopLevelMixin:
    th = model.theatre
    fire = model.fire_over("UA", both_ends=False)
    cut = model.fire_over("UA", both_ends=True)
    edges = pd.DataFrame([{"lon": view.lonlat[lk.a, 0], "lat": view.lonlat[lk.a, 1],
                           "lon2": view.lonlat[lk.b, 0], "lat2": view.lonlat[lk.b, 1],
                           "state": "cut" if lk.index in cut else ("fire" if lk.index in fire else lk.road_class)}
                          for lk in th.links if th.region[lk.a] != "east"])
    nodes = pd.DataFrame({"lon": view.shown[:, 0], "lat": view.shown[:, 1], "name": th.names,
                          "control": model.control})
    units = pd.DataFrame([{"lon": x, "lat": y, "nation": u.nation, "personnel": u.personnel, "name": u.name}
                          for u, x, y, panel in view.unit_positions(model) if panel == "salient"])
    scale_x = alt.Scale(domain=[34.60, 35.56])
    scale_y = alt.Scale(domain=[50.86, 51.50])
    roads = alt.Chart(edges).mark_rule().encode(x=alt.X("lon:Q", scale=scale_x), y=alt.Y("lat:Q", scale=scale_y),
                                                x2="lon2", y2="lat2", color="state:N")
    dots = alt.Chart(nodes).mark_circle(size=40).encode(x="lon:Q", y="lat:Q", color="control:N", tooltip="name")
    forces = alt.Chart(units).mark_point(filled=True).encode(
        x="lon:Q", y="lat:Q", size="personnel:Q",
        color=alt.Color("nation:N", scale=alt.Scale(domain=list(FORCE), range=list(FORCE.values()))),
        tooltip=["name", "personnel"])
    return alt.layer(roads, dots, forces).properties(width=600, height=620, title=f"{model.date}")


def to_wire(chart) -> str:
    """What FigureAltair computes on the server: the validated Vega-Lite spec, and its JSON."""
    return json.dumps(chart.to_dict())


def parts_per_step(policy: str, days: int) -> dict[str, list[float]]:
    model = VizModel(scenario_file=SCENARIO, policy=policy)
    map_view, plots_view = MapView(model.theatre), PlotsView(model.campaign)
    plot_lines = [line for pairs in plots_view.lines.values() for _, line in pairs]
    map_artists = [*map_view.dynamic, *map_view.border_lines, map_view.front]
    costs: dict[str, list[float]] = {}
    sizes: dict[str, list[int]] = {}

    def measure(name, fn):
        ms, out = cpu_ms(fn)
        costs.setdefault(name, []).append(ms)
        if isinstance(out, (bytes, str)):
            sizes.setdefault(name, []).append(len(out))

    plots_view.render(model)
    for _ in range(days):
        measure("model day", model.step)
        measure("map: day's layer + PNG (chosen)", lambda: map_view.render(model))
        measure("plots: day's lines + PNG (chosen)", lambda: plots_view.render(model))
        measure("map: whole figure, PNG", lambda: full_redraw(map_view, map_artists, "png"))
        measure("map: whole figure, SVG", lambda: full_redraw(map_view, map_artists, "svg"))
        measure("plots: whole figure, PNG", lambda: full_redraw(plots_view, plot_lines, "png"))
        measure("plots: whole figure, SVG", lambda: full_redraw(plots_view, plot_lines, "svg"))
        measure("map: Altair spec + JSON", lambda: to_wire(altair_map(model, map_view)))
        measure("plots: Altair spec + JSON", lambda: to_wire(altair_plots(model)))
    return costs, {k: statistics.median(v) for k, v in sizes.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=None, help="days per campaign (default: all)")
    ap.add_argument("--policies", nargs="+", default=["hold", "withdraw"])
    ap.add_argument("--skip-parts", action="store_true", help="only the whole page")
    args = ap.parse_args()
    days = args.days or base_scenario(SCENARIO).n_days
    print(f"python {platform.python_version()} on {platform.machine()}, {days} days, CPU ms per day")
    first, *again = page_opens()
    print(f"\n  {'page opened, first in the process':38s} {first:6.1f}")
    print(f"  {'page opened again (median of ' + str(len(again)) + ')':38s} {statistics.median(again):6.1f}")
    for policy in args.policies:
        print(f"\n{policy}")
        steps, reset = page_per_step(policy, days)
        print(f"  {'whole page, one Step click':38s} {stats(steps)}")
        print(f"  {'whole page, Reset after those days':38s} {reset:6.1f}")
        if args.skip_parts:
            continue
        costs, sizes = parts_per_step(policy, days)
        for name, ms in costs.items():
            size = f"  {sizes[name] / 1024:6.0f} KiB" if name in sizes else ""
            print(f"  {name:38s} {stats(ms)}{size}")


if __name__ == "__main__":
    main()
