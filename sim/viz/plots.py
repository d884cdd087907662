"""Live plots of the campaign so far, against the reported course where there is one.

Six panels over the whole horizon: the Ukrainian-held area in Kursk, the Russian-held ground in Sumy
oblast, the Russian gains in the east, the forces, and the losses in Kursk and in both theatres. The
axes and the reported course never change during a run: they are drawn once into a background and
each day only the model's lines are drawn over it (as for the map; the costs are in bench/viz.md).
The date axis always spans the whole campaign, so that a line grows from left to right and nothing
rescales.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..resources import RECORD_CSV
from ..scenario import Scenario
from .mapview import png_bytes

SIDE_COLOUR = {"UA": "#1346a8", "RU": "#b0161e", "NK": "#7b1fa2"}
SECOND = (0, (2, 1.5))      # dashes of a panel's second line of a side (its title says what it is)
COURSE = (0, (4, 2))
COURSE_COLOUR = "0.45"
REPORTED = {"marker": "o", "ls": "none", "ms": 5, "mfc": "white", "mew": 1.5, "zorder": 4}
HEADROOM = 1.1              # room above the highest value
# Lowest y-limit of a panel: near where a default campaign's lines end, so that a run rescales a
# panel (which redraws it: bench/viz.md) once near its end, or a few times if much bloodier.
MIN_CEILING = {"lost_kursk": 10_000, "lost_all": 100_000}

# panel -> (title, [(column, colour, dashes)]), two panels a row
PANELS = {
    "area": ("Ukrainian-held area in Kursk, km²", [("ua_kursk_area_km2", SIDE_COLOUR["UA"], "solid")]),
    "sumy": ("Russian-held ground in Sumy oblast, km²", [("ru_sumy_gain_km2", SIDE_COLOUR["RU"], "solid")]),
    "east": ("Russian gains in the east since the start, km²", [("ru_east_gain_km2", SIDE_COLOUR["RU"], "solid")]),
    "forces": ("Personnel in Kursk (dashed: sent east)", [
        ("ua_personnel_kursk", SIDE_COLOUR["UA"], "solid"), ("ru_personnel_kursk", SIDE_COLOUR["RU"], "solid"),
        ("nk_personnel_kursk", SIDE_COLOUR["NK"], "solid"), ("ua_personnel_east", SIDE_COLOUR["UA"], SECOND),
        ("ru_redeployed_east", SIDE_COLOUR["RU"], SECOND)]),
    "lost_kursk": ("Killed, wounded, captured in Kursk (dashed: captured)", [
        ("ua_losses_kursk", SIDE_COLOUR["UA"], "solid"), ("nk_losses", SIDE_COLOUR["NK"], "solid"),
        ("ua_captured", SIDE_COLOUR["UA"], SECOND)]),
    "lost_all": ("Lost in both theatres (dashed: Ukrainians in the east)", [
        ("ua_losses_total", SIDE_COLOUR["UA"], "solid"), ("ru_losses_total", SIDE_COLOUR["RU"], "solid"),
        ("ua_losses_east", SIDE_COLOUR["UA"], SECOND)]),
}
# reported metric (data/kursk-record.csv) -> (panel, colour); the reported Russian strength
# includes the North Koreans (NYT), so it reads against the sum of the two lines
REPORTED_POINTS = {
    "ua_kursk_area_km2": ("area", SIDE_COLOUR["UA"]),
    "ru_sumy_km2": ("sumy", SIDE_COLOUR["RU"]),
    "nk_losses": ("lost_kursk", SIDE_COLOUR["NK"]),
    "ru_troops_kursk": ("forces", SIDE_COLOUR["RU"]),
    "nk_troops_deployed": ("forces", SIDE_COLOUR["NK"]),
}
EAST_MONTHLY = "ru_east_gain_month_km2"     # reported monthly Russian gain in the east, dated the month's last day


def reported_course(path: Path = RECORD_CSV) -> list[tuple[dt.date, str, float]]:
    """(date, metric, value) rows of the reported course; none if the file is not there (an
    installed package without the repository's data still shows the model)."""
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as fh:
        return [(dt.date.fromisoformat(r["date"]), r["metric"], float(r["value"])) for r in csv.DictReader(fh)]


def reported_east_gain(course: list[tuple[dt.date, str, float]], start: dt.date,
                       end: dt.date) -> tuple[list[dt.date], list[float]]:
    """The reported Russian gain in the east summed from `start`, as the model's ru_east_gain_km2
    counts it: each month's reported gain at its last day, the month of `start` pro rata for its
    days after the start."""
    dates, gains, total = [start], [0.0], 0.0
    for day, _, km2 in sorted(row for row in course if row[1] == EAST_MONTHLY):
        if not start < day <= end:
            continue
        days_in_month = calendar.monthrange(day.year, day.month)[1]
        total += km2 * min(1.0, (day - start).days / days_in_month)
        dates.append(day)
        gains.append(total)
    return (dates, gains) if len(dates) > 1 else ([], [])


# The plots as first drawn, per (horizon, figure size, each panel's y-limit): a page opened again
# draws the same figure, and drawing it whole is most of what opening the page costs (bench/viz.md).
_FIRST_DRAWN: dict[tuple, tuple[np.ndarray, dict[str, tuple[int, int, int, int]]]] = {}


class PlotsView:
    """The live plots of one scenario. `render(model)` returns them as PNG bytes."""

    def __init__(self, scenario: Scenario, width_in: float = 6.6, height_in: float = 5.9, dpi: int = 100):
        self.scenario = scenario
        self.fig = Figure(figsize=(width_in, height_in), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.fig)
        axes = self.fig.subplots(3, 2, sharex=True)
        self.fig.subplots_adjust(left=0.08, right=0.985, top=0.875, bottom=0.05, hspace=0.3, wspace=0.2)
        self.axes = dict(zip(PANELS, axes.flat, strict=True))
        self.start = np.datetime64(scenario.start, "D")
        self.lines: dict[str, list] = {}
        for name, (title, series) in PANELS.items():
            ax = self.axes[name]
            ax.set_title(title, fontsize=7.5, loc="left", pad=3)
            ax.tick_params(labelsize=6.5, length=2, pad=1.5)
            ax.grid(alpha=0.3, lw=0.5)
            ax.set_xlim(scenario.start, scenario.end)
            ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(9, 11, 1, 3, 5)))
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %y"))
            ax.yaxis.set_major_formatter(lambda v, _: f"{v / 1000:g}k" if abs(v) >= 1000 else f"{v:g}")
            self.lines[name] = [(column, ax.plot([], [], color=colour, ls=dashes, lw=1.5, animated=True)[0])
                                for column, colour, dashes in series]
        self.reference_top = self._draw_reference()
        self._legend()
        self.ceiling = {name: 0.0 for name in PANELS}    # the y-limit each panel shows now
        self.background = None
        self.panel_box: dict[str, tuple[int, int, int, int]] = {}

    def _draw_reference(self) -> dict[str, float]:
        """The reported points and course, what the model's lines are read against; returns the
        highest reference value per panel."""
        ax = self.axes
        top = {name: 0.0 for name in PANELS}
        course = reported_course()
        dates, gains = reported_east_gain(course, self.scenario.start, self.scenario.end)
        if dates:
            ax["east"].plot(dates, gains, color=COURSE_COLOUR, lw=1.2, ls=COURSE, marker="o", ms=2.5)
            top["east"] = max(gains)
        for metric, (panel, colour) in REPORTED_POINTS.items():
            points = [(d, v) for d, m, v in course if m == metric
                      and self.scenario.start - dt.timedelta(days=10) <= d <= self.scenario.end]
            if points:
                d, v = zip(*points, strict=True)
                ax[panel].plot(d, v, mec=colour, **REPORTED)
                top[panel] = max(top[panel], max(v))
        return top

    def _legend(self) -> None:
        """One legend for the six panels, above them: the colours mean the same side everywhere.
        (Outside the panels, it need not be redrawn when a panel is.)"""
        def line(colour, dashes="solid", **kw):
            return Line2D([], [], color=colour, ls=dashes, lw=1.5, **kw)
        entries = [
            (line(SIDE_COLOUR["UA"]), "Ukrainian"), (line(SIDE_COLOUR["RU"]), "Russian"),
            (line(SIDE_COLOUR["NK"]), "North Korean"),
            (line("0.3", SECOND), "dashed: see the panel's title"),
            (Line2D([], [], mec="0.3", **REPORTED), "reported (data/kursk-record.csv)"),
            (line(COURSE_COLOUR, COURSE, marker="o", ms=2.5), "reported: monthly gains in the east, summed"),
        ]
        self.fig.legend([h for h, _ in entries], [t for _, t in entries], loc="upper center", ncol=3,
                        bbox_to_anchor=(0.5, 0.995), fontsize=6.6, frameon=False, handlelength=2.0,
                        columnspacing=1.2, labelspacing=0.3)

    # --- today ------------------------------------------------------------------------------
    def render(self, model) -> bytes:
        self.update(model)
        return self.png()

    def update(self, model) -> None:
        """Set the model's lines and draw them over the background. A panel whose line outgrows it
        gets a higher y-limit (about doubling, so rarely) and only that panel is drawn again:
        redrawing the whole figure costs more than a day's budget (bench/viz.md). A new model
        (day 0) starts every panel at its lowest limit again."""
        records = model.records
        days = self.start + np.array([r[0] for r in records], dtype="timedelta64[D]")
        changed = []
        for name, pairs in self.lines.items():
            top = self.reference_top[name]
            for column, line in pairs:
                k = model.columns.index(column)
                y = np.array([r[k] for r in records], dtype=float)
                line.set_data(days, y)
                top = max(top, float(y.max()) if len(y) else 0.0)
            ceiling = max(MIN_CEILING.get(name, 1.0), _nice_ceiling(top * HEADROOM))
            if ceiling > self.ceiling[name] or (model.day == 0 and ceiling != self.ceiling[name]):
                self.ceiling[name] = ceiling
                self.axes[name].set_ylim(0, ceiling)
                changed.append(name)
        if self.background is None:
            self._first_draw()
        else:
            self.canvas.restore_region(self.background)
            for name in changed:
                self._redraw_panel(name)
        if changed:
            self.background = self.canvas.copy_from_bbox(self.fig.bbox)
        for pairs in self.lines.values():
            for _, line in pairs:
                self.fig.draw_artist(line)

    def _first_draw(self) -> None:
        """The whole figure, and each panel's pixel box (with its title and tick labels and room for
        longer ones); or both from an earlier view of the same horizon and limits."""
        key = (self.scenario.start, self.scenario.end, self.fig.bbox.bounds, tuple(self.ceiling.values()))
        first = _FIRST_DRAWN.get(key)            # read once: another session may clear the dict meanwhile
        if first is None:
            self.canvas.draw()
            renderer = self.canvas.get_renderer()
            height = self.canvas.get_width_height()[1]
            boxes = {}
            for name, ax in self.axes.items():
                box = ax.get_tightbbox(renderer)
                boxes[name] = (max(0, int(box.x0) - 10), int(box.x1) + 2,
                               max(0, height - int(box.y1) - 2), height - int(box.y0) + 2)
            pixels = np.asarray(self.canvas.buffer_rgba()).copy()
            pixels.flags.writeable = False
            if len(_FIRST_DRAWN) >= 16:          # a few horizons and limits at most: bounded all the same
                _FIRST_DRAWN.clear()
            first = _FIRST_DRAWN[key] = (pixels, boxes)
        else:
            np.copyto(np.asarray(self.canvas.get_renderer().buffer_rgba()), first[0])
        self.panel_box = dict(first[1])

    def _redraw_panel(self, name: str) -> None:
        """Blank one panel's box and draw the panel again (its lines are drawn after, as every day)."""
        x0, x1, y0, y1 = self.panel_box[name]
        np.asarray(self.canvas.buffer_rgba())[y0:y1, x0:x1] = 255
        self.axes[name].draw(self.canvas.get_renderer())

    def png(self) -> bytes:
        return png_bytes(np.asarray(self.canvas.buffer_rgba()))


def _nice_ceiling(value: float) -> float:
    """The next of 1, 2, 5 × 10^k at or above `value` (at least 1): the limit at least doubles when
    it grows, so that a run rescales a panel at most once or twice."""
    if value <= 1.0:
        return 1.0
    k = 10.0 ** np.floor(np.log10(value))
    for step in (1.0, 2.0, 5.0, 10.0):
        if value <= step * k:
            return step * k
    return 10.0 * k
