"""The map: the salient with its Ukrainian and Russian rear, and the eastern front beside it.

Everything that never changes in a run (roads, names, depots, the legend, the frames) is drawn once
into a background image, and once per process for each geography: the maps of one theatre share it
(a page opened again takes it; bench/viz.md). The ground (who holds it, the front line, the state
border over it) is drawn over that only when a node changes hands; each day the rest of the state
is drawn over the ground (who holds each node, where the units stand, which roads drones cover,
which supply routes are cut, each eastern sector's forces), the day's numbers are stamped on
(sim/viz/stamps.py) and the picture is encoded as PNG. Redrawing the whole figure each day costs several times more
(bench/viz.md).

Positions are the nodes' lon/lat, with the map's aspect set so that a km east is as long as a km
north. Kursk city and Tetkino lie outside the salient's frame: their roads run off the edge and
their markers sit on the frame's edge, labelled as off the map. The eastern front has a small map
(the sectors, Russian attacks, units arriving from Kursk or on their way by rail) and, beside it,
one row per sector with its forces, the ground Russia has taken there and the losses.
"""

from __future__ import annotations

import io
import math
import weakref
from dataclasses import dataclass

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Patch
from PIL import Image

from ..agents import RAIL
from ..control import ru_sumy_km2
from ..theatre import Theatre
from .ground import Ground, ground_cells, state_border
from .stamps import Stamp

# Colours: light tints for ground, strong ones for forces; North Koreans in purple with their own
# marker so that they stand out from Russian formations at a glance.
GROUND = {"UA": np.array([0.62, 0.76, 0.94]), "RU": np.array([0.95, 0.66, 0.64])}
PAPER = "#f7f5ef"
LAND = {"UA": (0.80, 0.87, 0.98), "RU": (0.98, 0.85, 0.84)}       # the ground between the nodes
FORCE = {"UA": "#1346a8", "RU": "#b0161e", "NK": "#7b1fa2"}
FORCE_EDGE = {"UA": "#ffd500", "RU": "white", "NK": "white"}
FORCE_MARKER = {"UA": "o", "RU": "o", "NK": "D"}
FROM_KURSK = {"UA": "#8fb4f5", "RU": "#f29a9f"}                   # an eastern sector's arrivals from Kursk
FIRE_BY_RU, FIRE_BY_UA = "#ff8c00", "#13b5c4"
SUPPLY_IN_USE, SUPPLY_CUT = "#1346a8", "#e3001b"
FRONT_LINE = "#1c1c1c"
BORDER, BORDER_HALO = "#4a148c", "white"
ATTACKED = "#e3001b"
ROAD_STYLE = {   # road class -> (width, colour, dashes)
    "highway": (2.6, "0.45", "solid"), "road": (1.3, "0.55", "solid"),
    "track": (0.9, "0.6", (0, (3, 2))), "pipeline": (1.2, "#8d6e63", (0, (1, 1.5))),
    "rail": (0.9, "0.35", (0, (6, 3))),
}

SALIENT_FRAME = (34.60, 35.56, 50.86, 51.50)     # lon min, lon max, lat min, lat max
EAST_FRAME = (35.55, 38.55, 47.40, 49.95)
# Unit markers per panel: area (one point² per so many soldiers; the eastern map is small) and the
# smallest area
PERSONNEL_PER_PT2 = {"salient": 22.0, "east": 90.0}
SMALLEST_MARKER = {"salient": 12.0, "east": 8.0}
RING_SHARE = 0.012                                # ring of units on one node: radius, share of the frame's height
BAR_FULL = 100_000                                # personnel of a full-length bar in a sector's row
TOTALS_AT = (0.505, 0.40)                         # the eastern sectors' totals, under their map (figure units)
URBAN_PROTECTION = 1.6                            # the urban terrain multiplier (configs/kursk_2024.toml)
TOWN_AREA_KM2 = 20.0                              # named on the map; the other settlements on demand
# Where the two countries are named: clear ground on either side of the border, in the salient panel
COUNTRY_LABELS = (("RUSSIA\nKursk oblast", (35.50, 51.47), "right", "top", "#7a1016"),
                  ("UKRAINE\nSumy oblast", (34.607, 51.015), "left", "bottom", "#0d3a8c"))


@dataclass(frozen=True)
class Layout:
    """Figure size and resolution: the page scales the image to its column, so the pixels set how
    sharp it looks, not how big."""
    width_in: float = 12.0
    height_in: float = 6.6
    dpi: int = 100


@dataclass(frozen=True)
class Drawn:
    """What a map draws once, fixed by its theatre, layout and state border: the background (RGBA
    rows, top first), each pixel's node in the salient panel (ground_cells) and the names layer
    as the pixels it covers, their opacity and their premultiplied colour."""
    background: np.ndarray
    cell: np.ndarray
    name_pixels: tuple[np.ndarray, np.ndarray]
    name_alpha: np.ndarray
    name_rgb: np.ndarray


# Per theatre, per (layout, border): what its maps drew once. A page opened again (a second tab, a
# browser reloaded, Reset) shows a map of the same geography, and drawing these layers is most of
# the cost of opening the page (bench/viz.md). Read-only once stored, so views share them; weak
# keys: a theatre no model uses any more takes its layers with it.
_DRAWN: weakref.WeakKeyDictionary[Theatre, dict[tuple, Drawn]] = weakref.WeakKeyDictionary()


class MapView:
    """The map of one theatre. `render(model)` returns today's picture as PNG bytes."""

    def __init__(self, theatre: Theatre, layout: Layout | None = None):
        self.theatre = th = theatre
        self.layout = layout = layout or Layout()
        self.fig = Figure(figsize=(layout.width_in, layout.height_in), dpi=layout.dpi)
        self.canvas = FigureCanvasAgg(self.fig)
        self.lonlat = np.column_stack([th.lon, th.lat])
        self.shown = self._shown_positions()
        self.salient, self.east, self.board = _panels(self.fig, PAPER)
        self.link_segments = np.array([[self.lonlat[lk.a], self.lonlat[lk.b]] for lk in th.links])
        self.sectors = self._nodes_in("east")
        self.border = state_border()
        self.rows = SectorRows(self.board, [th.names[n] for n in self.sectors], layout.dpi, TOTALS_AT)
        self.day_box = DayBox(self.salient, layout.dpi)
        self._draw_static()
        self._make_dynamic()
        drawn = self._drawn_once()
        self.canvas.get_renderer()                   # the canvas's pixels, whether drawn now or not
        self.background = drawn.background
        self.ground = Ground(th, self.salient, drawn.cell, self.background,
                             {side: np.array(LAND[side]) / np.array(to_rgb(PAPER)) for side in LAND})
        self.ground_of: tuple | None = None      # the control the ground was drawn for
        self.ground_pixels = self.background
        self.name_pixels, self.name_alpha, self.name_rgb = drawn.name_pixels, drawn.name_alpha, drawn.name_rgb

    def _drawn_once(self) -> Drawn:
        """The layers drawn once, from an earlier map of the same geography or drawn now."""
        key = (self.layout, self.border.tobytes())
        stored = _DRAWN.setdefault(self.theatre, {})
        if key not in stored:
            self.canvas.draw()                       # the background: everything not animated
            background = np.asarray(self.canvas.buffer_rgba()).copy()
            # Names go on top of the units, so that no marker hides one. Drawing ~25 boxed names
            # costs more than all the rest of the day's drawing (text is slow in Agg), and so does
            # pasting them as a figure image (matplotlib resamples it); blending the few pixels
            # they cover, drawn once, costs under a millisecond.
            names = self._names_layer()
            covered = np.nonzero(names[..., 3])
            alpha = names[..., 3][covered][:, None] / 255.0
            drawn = Drawn(background, ground_cells(self.theatre, self.salient, self.border, self._nodes_in("salient")),
                          covered, alpha, names[..., :3][covered] * alpha)
            for array in (drawn.background, drawn.cell, *drawn.name_pixels, drawn.name_alpha, drawn.name_rgb):
                array.flags.writeable = False        # shared by every view of this geography
            stored[key] = drawn
        return stored[key]

    # --- the layer drawn once -------------------------------------------------------------------
    def _shown_positions(self) -> np.ndarray:
        """Node positions on the map: true lon/lat, but nodes outside their panel's frame pulled
        onto its edge (their roads still run to the true position and are clipped there)."""
        th, shown = self.theatre, self.lonlat.copy()
        for i in range(th.n):
            x0, x1, y0, y1 = EAST_FRAME if th.region[i] == "east" else SALIENT_FRAME
            pad_x, pad_y = (x1 - x0) * 0.015, (y1 - y0) * 0.015
            shown[i, 0] = min(max(shown[i, 0], x0 + pad_x), x1 - pad_x)
            shown[i, 1] = min(max(shown[i, 1], y0 + pad_y), y1 - pad_y)
        return shown

    def _off_map(self, i: int) -> bool:
        return bool(np.any(self.shown[i] != self.lonlat[i]))

    def _draw_static(self) -> None:
        th, ax = self.theatre, self.salient
        for road_class, (width, colour, dashes) in ROAD_STYLE.items():
            segs = [self.link_segments[lk.index] for lk in th.links if lk.road_class == road_class]
            if segs:
                ax.add_collection(LineCollection(segs, linewidths=width, colors=colour, linestyles=dashes, zorder=1))
        msr = [self.link_segments[i] for i in th.msr_links]
        ax.add_collection(LineCollection(msr, linewidths=5.0, colors="0.2", alpha=0.25, zorder=1))
        for side in ("UA", "RU"):
            depots = [d for d, _ in th.depots[side]]
            ax.scatter(self.shown[depots, 0], self.shown[depots, 1], s=260, marker="s",
                       facecolors="none", edgecolors="black", linewidths=1.6, zorder=3)
        self.east.scatter(self.shown[self.sectors, 0], self.shown[self.sectors, 1], s=60, marker="s",
                          color=GROUND["UA"], edgecolors="0.3", zorder=4)
        self.east.set_title("Eastern front: where Russia attacked today,\nand units on their way from Kursk by rail",
                            fontsize=7.5, pad=3)
        self._legend()

    def _names_layer(self) -> np.ndarray:
        """The settlements' and the two countries' names on a transparent image the size of the
        map (RGBA rows, top first)."""
        th, layout = self.theatre, self.layout
        fig = Figure(figsize=(layout.width_in, layout.height_in), dpi=layout.dpi)
        fig.patch.set_alpha(0.0)
        canvas = FigureCanvasAgg(fig)
        salient, east, board = _panels(fig, "none")
        for panel in (salient, east, board):
            panel.axis("off")
        for panel, frame, nodes in ((salient, SALIENT_FRAME, self._nodes_in("salient")),
                                    (east, EAST_FRAME, self.sectors)):
            for i in nodes:
                if not self._labelled(i):
                    continue
                x, y = self.shown[i]
                on_top = y >= frame[3] - 0.02 * (frame[3] - frame[2])     # pulled onto the top edge
                right = x > frame[1] - 0.22 * (frame[1] - frame[0]) and panel is salient   # too near the edge
                below = on_top or right or (panel is east and self._crowded_above(i, nodes))
                panel.annotate(th.names[i] + (" (off map)" if self._off_map(i) else ""), (x, y),
                               xytext=(-6 if right else (0 if on_top else 6), -7 if below else 4),
                               textcoords="offset points", va="top" if below else "baseline",
                               ha="right" if right else ("center" if on_top else "left"),
                               fontsize=7.5, color="0.1",
                               bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.65})
        if len(self.border):
            for text, (x, y), ha, va, colour in COUNTRY_LABELS:
                salient.text(x, y, text, ha=ha, va=va, fontsize=10, weight="bold", color=colour, alpha=0.8,
                             linespacing=1.1)
        canvas.draw()
        return np.asarray(canvas.buffer_rgba()).copy()

    def _crowded_above(self, i: int, nodes: list[int]) -> bool:
        """Whether a node of the eastern map stands just above and to the right of node i, where
        i's name would go (the southern sectors lie close together)."""
        x, y = self.shown[i]
        return any(0 < self.shown[j, 0] - x < 0.6 and 0 < self.shown[j, 1] - y < 0.2 for j in nodes if j != i)

    def _nodes_in(self, panel: str) -> list[int]:
        return [i for i in range(self.theatre.n) if (self.theatre.region[i] == "east") == (panel == "east")]

    def _labelled(self, i: int) -> bool:
        th = self.theatre
        # the rear, the main supply road and the towns (urban terrain, not the gas metering station)
        town = th.protection[i] >= URBAN_PROTECTION and th.area[i] >= TOWN_AREA_KM2
        return th.region[i] != "kursk" or self._off_map(i) or i in th.main_supply_route or town

    def _legend(self) -> None:
        def line(colour, width, style="solid", alpha=1.0):
            return Line2D([], [], color=colour, lw=width, ls=style, alpha=alpha)

        def mark(marker, face, edge="black", size=8, width=1.0):
            return Line2D([], [], ls="none", marker=marker, markerfacecolor=face, markeredgecolor=edge,
                          markersize=size, markeredgewidth=width)

        def land(side):
            return (Patch(facecolor=LAND[side], edgecolor="none"), mark("o", GROUND[side], "0.3", 7))

        def bars(colours):
            return tuple(Patch(facecolor=c, edgecolor="none") for c in colours)
        border = (line(BORDER_HALO, 4.5), line(BORDER, 1.8, (0, (6, 2, 1.5, 2))))
        entries = [
            (land("UA"), "ground and node held by Ukraine"),
            (land("RU"), "ground and node held by Russia"),
            (line(FRONT_LINE, 2.6), "front line"),
            (border, "state border (geoBoundaries)"),
            (line("0.2", 5, alpha=0.25), "main supply road H07/R200"),
            (mark("s", "none", "black", 11, 1.6), "supply depot"),
            (mark("o", FORCE["UA"], FORCE_EDGE["UA"], 9, 1.5), "Ukrainian brigade"),
            (mark("o", FORCE["RU"], FORCE_EDGE["RU"], 9, 1.5), "Russian formation"),
            (mark("D", FORCE["NK"], FORCE_EDGE["NK"], 8, 1.5), "North Korean unit"),
            (mark("x", "none", "black", 7, 2.0), "unit out of supply"),
            (line(FIRE_BY_RU, 7, alpha=0.45), "road under Russian drone fire"),
            (line(FIRE_BY_UA, 4, alpha=0.6), "road under Ukrainian drone fire"),
            (line(SUPPLY_IN_USE, 2.2), "Ukrainian supply route in use"),
            (line(SUPPLY_CUT, 2.4, (0, (2, 1))), "Ukrainian supply route cut"),
            (mark("o", "none", ATTACKED, 10, 2.0), "Russia attacked the sector today"),
            (bars([FORCE["UA"], FORCE["RU"]]), "a sector's own forces (UA, RU)"),
            (bars([FROM_KURSK["UA"], FROM_KURSK["RU"]]), "arrived from Kursk (UA, RU)"),
            ((line(FORCE["UA"], 1.2, (0, (3, 2))), line(FORCE["RU"], 1.2, (0, (3, 2)))), "by rail to the east"),
        ]
        self.fig.legend([e[0] for e in entries], [e[1] for e in entries], loc="lower left",
                        bbox_to_anchor=(0.497, 0.0), ncol=3, fontsize=7.0, frameon=False,
                        handlelength=2.4, columnspacing=0.9, labelspacing=0.62, handletextpad=0.5,
                        handler_map={tuple: HandlerTuple(ndivide=None, pad=0.0)},
                        title=f"marker area ∝ personnel; in a sector's row, a full bar is {BAR_FULL:,}",
                        title_fontsize=7.0)

    # --- the layer drawn every day ----------------------------------------------------------------
    def _make_dynamic(self) -> None:
        ax, east = self.salient, self.east

        def lines(panel, **style):
            c = LineCollection([], animated=True, **style)
            panel.add_collection(c)
            return c
        # the ground's lines, drawn only when a node changes hands
        self.border_lines = [ax.plot(*self.border.T, color=BORDER_HALO, lw=4.5, alpha=0.8, zorder=2,
                                     animated=True, solid_capstyle="round")[0],
                             ax.plot(*self.border.T, color=BORDER, lw=1.8, ls=(0, (6, 2, 1.5, 2)), zorder=2,
                                     animated=True)[0]]
        self.front = lines(ax, linewidths=2.6, colors=FRONT_LINE, zorder=2, capstyle="round", joinstyle="round")
        # the day's
        self.fire_by_ru = lines(ax, linewidths=7, colors=FIRE_BY_RU, alpha=0.45, zorder=2, capstyle="round")
        self.fire_by_ua = lines(ax, linewidths=4, colors=FIRE_BY_UA, alpha=0.6, zorder=2, capstyle="round")
        self.supplied = lines(ax, linewidths=2.2, colors=SUPPLY_IN_USE, zorder=3)
        self.cut = lines(ax, linewidths=2.4, colors=SUPPLY_CUT, linestyles=(0, (2, 1)), zorder=3)
        salient = self._nodes_in("salient")
        self.salient_nodes = np.array(salient)
        self.nodes = ax.scatter(self.shown[salient, 0], self.shown[salient, 1], s=42, linewidths=0.6,
                                edgecolors="0.3", zorder=4, animated=True)
        self.attacked = east.scatter([], [], s=190, facecolors="none", edgecolors=ATTACKED, linewidths=2.0,
                                     zorder=4, animated=True)
        self.journeys = lines(east, linewidths=1.2, linestyles=(0, (3, 2)), zorder=3)
        self.units = {panel: {nation: axis.scatter(np.empty(0), np.empty(0), marker=FORCE_MARKER[nation],
                                                   facecolors=FORCE[nation], edgecolors=FORCE_EDGE[nation],
                                                   linewidths=1.2 if panel == "salient" else 0.8,
                                                   zorder=5, animated=True)
                              for nation in FORCE}
                      for panel, axis in (("salient", ax), ("east", east))}
        self.unsupplied = ax.scatter([], [], marker="x", s=40, c="black", linewidths=2.0, zorder=6, animated=True)
        self.dynamic = [self.fire_by_ru, self.fire_by_ua, self.supplied, self.cut, self.nodes, self.attacked,
                        self.journeys, *self.units["salient"].values(), *self.units["east"].values(),
                        self.unsupplied, *self.rows.dynamic, self.day_box.box]

    # --- today ------------------------------------------------------------------------------
    def render(self, model) -> bytes:
        """Today's map as PNG bytes."""
        self.update(model)
        return self.png()

    def update(self, model) -> None:
        """Draw today's map on the canvas: the ground (redrawn if control changed), the day's state
        over it, the names on top and the day's numbers stamped in."""
        pixels = np.asarray(self.canvas.buffer_rgba())
        if self.ground_of != tuple(model.control):
            self.lay_ground(model, pixels)
        np.copyto(pixels, self.ground_pixels)
        segs = self.link_segments
        # Fire over roads a side uses (at least one end on its ground): drones over their own
        # side's rear cut nothing, and drawing them would bury the fire that matters.
        self.fire_by_ru.set_segments(segs[sorted(model.fire_over("UA", both_ends=False))])
        self.fire_by_ua.set_segments(segs[sorted(model.fire_over("RU", both_ends=False))])
        self.supplied.set_segments(segs[self.supply_links_in_use(model)])
        self.cut.set_segments(segs[sorted(model.fire_over("UA", both_ends=True))])
        self.nodes.set_facecolors(self.node_colours(model)[self.salient_nodes])
        attacked = [node for node, hit in zip(model.east.sectors, model.east.attacking, strict=True) if hit]
        self.attacked.set_offsets(self.shown[attacked].reshape(-1, 2))
        self.place_units(model)
        self.rows.update(model)
        for artist in self.dynamic:
            self.fig.draw_artist(artist)
        under = pixels[..., :3][self.name_pixels]
        pixels[..., :3][self.name_pixels] = (self.name_rgb + under * (1.0 - self.name_alpha)).astype(np.uint8)
        self.day_box.stamp(pixels, model)
        self.rows.stamp(pixels, model)

    def lay_ground(self, model, pixels: np.ndarray) -> None:
        """The background with the day's ground: tinted by holder, the state border over it and the
        front line over both (where the front runs along the border, it shows as the front)."""
        ukrainian = self.ground.held_by_ukraine(model.control)
        self.front.set_segments(self.ground.front_line(ukrainian))
        np.copyto(pixels, self.background)
        self.ground.paint(pixels, model.control)
        for artist in (*self.border_lines, self.front):
            self.fig.draw_artist(artist)
        self.ground_pixels = pixels.copy()
        self.ground_of = tuple(model.control)

    def png(self) -> bytes:
        """The canvas as PNG."""
        return png_bytes(np.asarray(self.canvas.buffer_rgba()))

    # --- what the day's state looks like --------------------------------------------------------
    def node_colours(self, model) -> np.ndarray:
        """Per node, the holder's tint; ground an attacker has taken in it shades it towards the
        attacker's (a node half taken looks half lost)."""
        th = self.theatre
        colours = np.empty((th.n, 4))
        colours[:, 3] = 1.0
        for i in range(th.n):
            holder = model.control[i]
            colour = GROUND[holder]
            if model.contested[i] > 0 and th.area[i] > 0:
                taken = model.contested[i] / th.area[i]
                colour = (1 - taken) * colour + taken * GROUND["RU" if holder == "UA" else "UA"]
            colours[i, :3] = colour
        return colours

    def supply_links_in_use(self, model) -> list[int]:
        """Links on the supply paths of the nodes where Ukrainian units stand."""
        depot_of, paths = model.supply_network("UA")
        used: set[int] = set()
        for u in model.field_units:
            if u.side == "UA" and depot_of[u.node] >= 0:
                used.update(paths[u.node])
        return sorted(used)

    def rail_line(self, model, unit) -> tuple[np.ndarray, np.ndarray, float]:
        """A unit on its way east: where its line enters the eastern map, the sector, and the
        share of the journey still to go. Ukrainians leave from Sumy (the rail link's days),
        Russians from Kursk city, their first depot (ru_transit_days)."""
        th = self.theatre
        if unit.side == "UA":
            origin, days = th.sumy, th.link_between[(th.sumy, unit.sector)].rail_days
        else:
            origin, days = th.depots["RU"][0][0], model.p.ru_transit_days
        end = self.shown[unit.sector]
        start = enter_frame(self.lonlat[origin], end, EAST_FRAME)
        return start, end, min(1.0, max(0.0, (unit.until - model.date).days / days)) if days else 0.0

    def unit_positions(self, model) -> list[tuple[object, float, float, str]]:
        """(unit, lon, lat, panel) for every unit: in transit, part way along its road or rail line;
        several on one node, spread on a small ring around it. (A unit that reaches an eastern
        sector joins the sector's force: its row beside the eastern map shows it from then on.)"""
        th, placed, by_node = self.theatre, [], {}
        for u in model.units:
            if u.next_node is not None:
                link = th.link_between[(u.node, u.next_node)]
                t = min(1.0, max(0.0, u.km_left / link.km)) if link.km else 0.0
                x, y = self.shown[u.next_node] + t * (self.shown[u.node] - self.shown[u.next_node])
                placed.append((u, x, y, "salient"))
            elif u.posture == RAIL and u.sector is not None:
                start, end, t = self.rail_line(model, u)
                x, y = end + t * (start - end)
                placed.append((u, x, y, "east"))
            else:
                by_node.setdefault(u.node, []).append(u)
        x0, x1, y0, y1 = SALIENT_FRAME
        radius = RING_SHARE * (y1 - y0)
        squeeze = math.cos(math.radians((y0 + y1) / 2))
        for node, units in by_node.items():
            r = radius if len(units) > 1 else 0.0
            for k, u in enumerate(sorted(units, key=lambda u: u.slot)):
                angle = 2 * math.pi * k / len(units)
                x = self.shown[node, 0] + r * math.cos(angle) / squeeze
                y = self.shown[node, 1] + r * math.sin(angle)
                placed.append((u, x, y, "salient"))
        return placed

    def place_units(self, model) -> None:
        groups = {(panel, nation): ([], []) for panel in ("salient", "east") for nation in FORCE}
        out_of_supply, journeys, journey_colours = [], [], []
        for u, x, y, panel in self.unit_positions(model):
            xy, sizes = groups[(panel, u.nation)]
            xy.append((x, y))
            sizes.append(max(SMALLEST_MARKER[panel], u.personnel / PERSONNEL_PER_PT2[panel]))
            if panel == "salient" and u.in_theatre and u.stock <= 0.0:
                out_of_supply.append((x, y))
            if u.posture == RAIL:
                start, end, _ = self.rail_line(model, u)
                journeys.append((start, end))
                journey_colours.append(FORCE[u.side])
        for (panel, nation), (xy, sizes) in groups.items():
            artist = self.units[panel][nation]
            artist.set_offsets(np.array(xy).reshape(-1, 2))
            artist.set_sizes(np.array(sizes))
        self.unsupplied.set_offsets(np.array(out_of_supply).reshape(-1, 2))
        self.journeys.set_segments(journeys)
        self.journeys.set_colors(journey_colours or ["none"])


class SectorRows:
    """Beside the eastern map, one row per sector: its Ukrainian and Russian personnel as bars (its
    own forces, then those arrived from Kursk), the ground Russia has taken there since the start,
    the killed and wounded of each side there, and whether Russia attacked today; under the map,
    the same for all sectors together."""

    HEAD = 0.06             # the board's top share, for its title
    SIDES = ("UA", "RU")
    BAR_X, BAR_LEN = 0.065, 0.49     # where a bar starts and how long a full one is, in board units

    def __init__(self, board, names: list[str], dpi: int, totals_at: tuple[float, float]):
        """`board`: the axes of the rows; `totals_at`: the top left of the totals, in figure units."""
        self.board = board
        self.names = names
        self.pitch = (1.0 - self.HEAD) / len(names)
        self.bar_half = 0.13 * self.pitch
        board.set_xlim(0, 1)
        board.set_ylim(0, 1)
        board.axis("off")
        board.text(0, 1, "Each sector: personnel (own forces, arrived from Kursk),\n"
                   "Russian gain since the start, killed and wounded there", va="top", fontsize=7.5)
        for k, name in enumerate(names):
            board.text(0, self.name_y(k), name, fontsize=8, weight="bold", va="baseline")
            for side, y in zip(self.SIDES, self.bar_y(k), strict=True):
                board.text(0, y, side, fontsize=7, va="center", color=FORCE[side])
        fig = board.figure
        fig.text(*totals_at, "All sectors together", fontsize=8, weight="bold", va="top")
        self.bars = PolyCollection([], animated=True, edgecolors="none")
        board.add_collection(self.bars)
        self.flags = board.scatter([], [], marker="o", s=46, facecolors="none", edgecolors=ATTACKED,
                                   linewidths=1.8, animated=True)
        self.dynamic = [self.bars, self.flags]
        self.text = Stamp(7.5, dpi)
        self.warning = Stamp(7.5, dpi, colour=ATTACKED)
        self.texts_today: list[str] = []
        self.today: list[dict] = []
        # where the day's numbers go, in display pixels (the board has no aspect: its box is fixed)
        to_px = board.transAxes.transform
        self.half_digit = self.text.mask("0")[1] / 2            # to centre a number on its bar
        self.at = [{"gain": to_px((1.0, self.name_y(k))), "flag": to_px((0.50, self.name_y(k))),
                    **{side: (to_px((self.BAR_X + self.BAR_LEN + 0.02, y)), to_px((1.0, y)))
                       for side, y in zip(self.SIDES, self.bar_y(k), strict=True)}}
                   for k in range(len(names))]
        x, top = fig.transFigure.transform(totals_at)
        line = 1.45 * self.text.mask("0")[0].shape[0]
        self.totals_at = [(x, top - (n + 1.6) * line) for n in range(4)]

    def name_y(self, k: int) -> float:
        return 1.0 - self.HEAD - (k + 0.3) * self.pitch

    def bar_y(self, k: int) -> tuple[float, float]:
        top = 1.0 - self.HEAD - k * self.pitch
        return top - 0.52 * self.pitch, top - 0.79 * self.pitch

    def forces(self, model) -> list[dict[str, tuple[float, float]]]:
        """Per sector and side: (personnel of its own forces, personnel arrived from Kursk)."""
        east = model.east
        return [{side: (east.personnel[side][k] - east.from_kursk[side][k], east.from_kursk[side][k])
                 for side in self.SIDES} for k in range(len(east.sectors))]

    def update(self, model) -> None:
        """The day's bars and attack marks."""
        self.today = self.forces(model)
        rects, colours, flags = [], [], []
        for k, sector in enumerate(self.today):
            for side, y in zip(self.SIDES, self.bar_y(k), strict=True):
                shown = 0.0                     # personnel drawn so far; a bar stops at BAR_FULL
                for personnel, colour in zip(sector[side], (FORCE[side], FROM_KURSK[side]), strict=True):
                    part = min(personnel, BAR_FULL - shown)
                    if part > 0:
                        x0 = self.BAR_X + self.BAR_LEN * shown / BAR_FULL
                        x1 = self.BAR_X + self.BAR_LEN * (shown + part) / BAR_FULL
                        rects.append([(x0, y - self.bar_half), (x1, y - self.bar_half),
                                      (x1, y + self.bar_half), (x0, y + self.bar_half)])
                        colours.append(colour)
                        shown += part
            if model.east.attacking[k]:
                flags.append((0.475, self.name_y(k) + 0.25 * self.bar_half))
        self.bars.set_verts(rects)
        self.bars.set_facecolors(colours or ["none"])
        self.flags.set_offsets(np.array(flags).reshape(-1, 2))

    def stamp(self, pixels: np.ndarray, model) -> None:
        """The day's numbers (of the forces update() found), into the canvas's pixels."""
        east, texts = model.east, []

        def write(stamp, x, y, text, ha="left"):
            stamp.draw(pixels, x, y, text, ha=ha)
            texts.append(text)
        for k, sector in enumerate(self.today):
            at = self.at[k]
            write(self.text, *at["gain"], f"gain {east.gain[k]:,.0f} km²", ha="right")
            if east.attacking[k]:
                write(self.warning, *at["flag"], "attacked")
            for side in self.SIDES:
                (x, y), (right, _) = at[side]
                write(self.text, x, y - self.half_digit, f"{sum(sector[side]) / 1000:.1f}k")
                write(self.text, right, y - self.half_digit, f"lost {east.losses[side][k] / 1000:.1f}k", ha="right")
        own, sent = ({side: sum(s[side][i] for s in self.today) / 1000 for side in self.SIDES} for i in (0, 1))
        lines = [f"Ukrainian {own['UA'] + sent['UA']:.1f}k, of them {sent['UA']:.1f}k from Kursk",
                 f"Russian {own['RU'] + sent['RU']:.1f}k, of them {sent['RU']:.1f}k from Kursk",
                 f"Russian gain {east.gain_km2:,.0f} km² since the start",
                 f"killed and wounded: Ukrainian {sum(east.losses['UA']) / 1000:.1f}k, "
                 f"Russian {sum(east.losses['RU']) / 1000:.1f}k"]
        for (x, y), line in zip(self.totals_at, lines, strict=True):
            write(self.text, x, y, line)
        self.texts_today = texts


class DayBox:
    """The date, and the ground Russia holds in Sumy oblast, in a box in a corner of the salient
    panel: the box is drawn once, the text stamped each day."""

    def __init__(self, ax, dpi: int):
        """`ax`: the salient panel, its aspect applied (the box is sized in pixels)."""
        self.date = Stamp(14, dpi, weight="bold")
        self.sumy = Stamp(8, dpi, colour="#7a1016")
        right, bottom = ax.transAxes.transform((0.985, 0.04))       # above Krasnopillia's name
        pad = 6
        width = self.date.width("30 Sep 2025   day 284") + 2 * pad
        height = self.date.mask("0")[0].shape[0] + self.sumy.mask("0")[0].shape[0] + 3 * pad + 2
        x0, y0 = ax.transAxes.inverted().transform((right - width, bottom))
        x1, y1 = ax.transAxes.inverted().transform((right, bottom + height))
        # drawn each day over the day's state, as the text it holds
        self.box = ax.add_patch(FancyBboxPatch((x0, y0), x1 - x0, y1 - y0, boxstyle="round,pad=0.004",
                                               transform=ax.transAxes, fc="white", ec="0.6", alpha=0.92,
                                               zorder=7, animated=True))
        self.anchor = (right - pad, bottom + pad)
        self.line = self.sumy.mask("0")[0].shape[0] + pad + 2
        self.texts_today: list[str] = []

    def stamp(self, pixels: np.ndarray, model) -> None:
        x, y = self.anchor
        date = f"{model.date:%d %b %Y}   day {model.day}"
        sumy = f"Russian-held in Sumy oblast: {ru_sumy_km2(model):,.1f} km²"
        self.sumy.draw(pixels, x, y + 2, sumy, ha="right")
        self.date.draw(pixels, x, y + self.line + 2, date, ha="right")
        self.texts_today = [date, sumy]


def enter_frame(outside: np.ndarray, inside: np.ndarray, frame: tuple) -> np.ndarray:
    """Where the line from `outside` to `inside` (a point within `frame`) enters the frame
    (Liang–Barsky); `outside` itself if it is within the frame."""
    delta = inside - outside
    t = 0.0
    for p, q in ((-delta[0], outside[0] - frame[0]), (delta[0], frame[1] - outside[0]),
                 (-delta[1], outside[1] - frame[2]), (delta[1], frame[3] - outside[1])):
        if p < 0:
            t = max(t, q / p)
    return outside + min(t, 1.0) * delta


def _panels(fig: Figure, background: str):
    """The salient, the eastern map and the sectors' rows, framed and scaled so that a km east is
    as long as a km north."""
    salient = fig.add_axes((0.004, 0.01, 0.49, 0.98))
    east = fig.add_axes((0.50, 0.42, 0.22, 0.535))
    board = fig.add_axes((0.728, 0.235, 0.268, 0.755))
    for ax, frame in ((salient, SALIENT_FRAME), (east, EAST_FRAME)):
        ax.set_xlim(frame[0], frame[1])
        ax.set_ylim(frame[2], frame[3])
        ax.set_aspect(1.0 / math.cos(math.radians((frame[2] + frame[3]) / 2)))
        ax.apply_aspect()                 # now, not at the first draw: boxes are sized in pixels
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_facecolor(background)
    board.set_facecolor("none")
    return salient, east, board


def png_bytes(pixels: np.ndarray) -> bytes:
    """An opaque RGBA picture (a canvas's buffer, not copied) as a 256-colour PNG at zlib level 1.
    A map or a chart has few colours: the palette halves the encoding time and cuts the bytes by two
    thirds against full colour, with no visible change; level 1 because the picture changes every
    day and is sent once (bench/viz.md)."""
    image = Image.frombuffer("RGBA", (pixels.shape[1], pixels.shape[0]), pixels, "raw", "RGBA", 0, 1).quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="png", compress_level=1)
    return out.getvalue()
