"""The map: the salient with its Ukrainian and Russian rear, and the eastern front beside it.

Everything that never changes in a run (roads, names, depots, the legend, the frames) is drawn once
into a background image; each day only the state is drawn over it (who holds each node, where the
units stand, which roads drones cover, which supply routes are cut, the date) and the picture is
encoded as PNG. Redrawing the whole figure each day costs several times more (bench/viz.md).

Positions are the nodes' lon/lat, with the map's aspect set so that a km east is as long as a km
north. Kursk city and Tetkino lie outside the salient's frame: their roads run off the edge and
their markers sit on the frame's edge, labelled as off the map.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from ..agents import RAIL
from ..theatre import Theatre

# Colours: light tints for ground, strong ones for forces; North Koreans in purple with their own
# marker so that they stand out from Russian formations at a glance.
GROUND = {"UA": np.array([0.62, 0.76, 0.94]), "RU": np.array([0.95, 0.66, 0.64])}
FORCE = {"UA": "#1346a8", "RU": "#b0161e", "NK": "#7b1fa2"}
FORCE_EDGE = {"UA": "#ffd500", "RU": "white", "NK": "white"}
FORCE_MARKER = {"UA": "o", "RU": "o", "NK": "D"}
FIRE_BY_RU, FIRE_BY_UA = "#ff8c00", "#13b5c4"
SUPPLY_IN_USE, SUPPLY_CUT = "#1346a8", "#e3001b"
ROAD_STYLE = {   # road class -> (width, colour, dashes)
    "highway": (2.6, "0.45", "solid"), "road": (1.3, "0.55", "solid"),
    "track": (0.9, "0.6", (0, (3, 2))), "pipeline": (1.2, "#8d6e63", (0, (1, 1.5))),
    "rail": (0.9, "0.35", (0, (6, 3))),
}

SALIENT_FRAME = (34.60, 35.56, 50.86, 51.50)     # lon min, lon max, lat min, lat max
EAST_FRAME = (35.45, 38.65, 47.35, 50.05)
PERSONNEL_PER_PT2 = 22.0                          # marker area: one point² per 22 soldiers
URBAN_PROTECTION = 1.6                            # the urban terrain multiplier (configs/kursk_2024.toml)
TOWN_AREA_KM2 = 20.0                              # named on the map; the other settlements on demand


@dataclass
class Layout:
    """Figure size and resolution: the page scales the image to its column, so the pixels set how
    sharp it looks, not how big."""
    width_in: float = 10.4
    height_in: float = 6.4
    dpi: int = 100


class MapView:
    """The map of one theatre. `render(model)` returns today's picture as PNG bytes."""

    def __init__(self, theatre: Theatre, layout: Layout | None = None):
        self.theatre = th = theatre
        self.layout = layout = layout or Layout()
        self.fig = Figure(figsize=(layout.width_in, layout.height_in), dpi=layout.dpi)
        self.canvas = FigureCanvasAgg(self.fig)
        self.lonlat = np.column_stack([th.lon, th.lat])
        self.shown = self._shown_positions()
        self.salient, self.east = _panels(self.fig, "#f7f5ef")
        self.link_segments = np.array([[self.lonlat[lk.a], self.lonlat[lk.b]] for lk in th.links])
        self._draw_static()
        self._make_dynamic()
        self.canvas.draw()                       # the background: everything not animated
        self.background = self.canvas.copy_from_bbox(self.fig.bbox)
        # Names go on top of the units, so that no marker hides one. Drawing ~25 boxed names costs
        # more than all the rest of the day's drawing (text is slow in Agg), and so does pasting
        # them as a figure image (matplotlib resamples it); blending the few pixels they cover,
        # drawn once, costs under a millisecond.
        names = self._names_layer()
        self.name_pixels = np.nonzero(names[..., 3])
        self.name_alpha = names[..., 3][self.name_pixels][:, None] / 255.0
        self.name_rgb = names[..., :3][self.name_pixels] * self.name_alpha

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
            for panel in (self.salient, self.east):
                if segs and (panel is self.salient or road_class == "rail"):
                    panel.add_collection(LineCollection(segs, linewidths=width, colors=colour,
                                                        linestyles=dashes, zorder=1))
        msr = [self.link_segments[i] for i in th.msr_links]
        ax.add_collection(LineCollection(msr, linewidths=5.0, colors="0.2", alpha=0.25, zorder=1))
        for side in ("UA", "RU"):
            depots = [d for d, _ in th.depots[side]]
            ax.scatter(self.shown[depots, 0], self.shown[depots, 1], s=260, marker="s",
                       facecolors="none", edgecolors="black", linewidths=1.6, zorder=3)
        self.east.set_title("Eastern front: sectors, and brigades sent from Kursk by rail", fontsize=8.5, pad=3)
        self._legend()

    def _names_layer(self) -> np.ndarray:
        """The settlements' names on a transparent image the size of the map (RGBA rows, top first)."""
        th, layout = self.theatre, self.layout
        fig = Figure(figsize=(layout.width_in, layout.height_in), dpi=layout.dpi)
        fig.patch.set_alpha(0.0)
        canvas = FigureCanvasAgg(fig)
        salient, east = _panels(fig, "none")
        for panel in (salient, east):
            panel.axis("off")
        for panel, frame, nodes in ((salient, SALIENT_FRAME, self._nodes_in("salient")),
                                    (east, EAST_FRAME, self._nodes_in("east"))):
            for i in nodes:
                if not self._labelled(i):
                    continue
                x, y = self.shown[i]
                on_top = y >= frame[3] - 0.02 * (frame[3] - frame[2])     # pulled onto the top edge
                right = x > frame[1] - 0.22 * (frame[1] - frame[0])      # too near the right edge
                below = on_top or right
                panel.annotate(th.names[i] + (" (off map)" if self._off_map(i) else ""), (x, y),
                               xytext=(-6 if right else (0 if on_top else 6), -7 if below else 4),
                               textcoords="offset points", va="top" if below else "baseline",
                               ha="right" if right else ("center" if on_top else "left"),
                               fontsize=7.5, color="0.1",
                               bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.65})
        canvas.draw()
        return np.asarray(canvas.buffer_rgba()).copy()

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
        entries = [
            (mark("o", GROUND["UA"], "0.3"), "node held by Ukraine"),
            (mark("o", GROUND["RU"], "0.3"), "node held by Russia"),
            (mark("s", "none", "black", 11, 1.6), "supply depot"),
            (mark("o", FORCE["UA"], FORCE_EDGE["UA"], 9, 1.5), "Ukrainian brigade"),
            (mark("o", FORCE["RU"], FORCE_EDGE["RU"], 9, 1.5), "Russian formation"),
            (mark("D", FORCE["NK"], FORCE_EDGE["NK"], 8, 1.5), "North Korean unit"),
            (mark("x", "none", "black", 7, 2.0), "unit out of supply"),
            (line(FIRE_BY_RU, 7, alpha=0.45), "road under Russian drone fire"),
            (line(FIRE_BY_UA, 4, alpha=0.6), "road under Ukrainian drone fire"),
            (line(SUPPLY_IN_USE, 2.2), "Ukrainian supply route in use"),
            (line(SUPPLY_CUT, 2.4, (0, (2, 1))), "Ukrainian supply route cut"),
            (line("0.2", 5, alpha=0.25), "main supply road H07/R200"),
        ]
        self.fig.legend([e[0] for e in entries], [e[1] for e in entries], loc="lower left",
                        bbox_to_anchor=(0.595, 0.005), ncol=2, fontsize=7.2, frameon=False,
                        handlelength=2.2, columnspacing=1.0, labelspacing=0.55,
                        title="marker area ∝ personnel", title_fontsize=7.2)

    # --- the layer drawn every day ----------------------------------------------------------------
    def _make_dynamic(self) -> None:
        ax, east = self.salient, self.east

        def lines(panel, **style):
            c = LineCollection([], animated=True, **style)
            panel.add_collection(c)
            return c
        self.fire_by_ru = lines(ax, linewidths=7, colors=FIRE_BY_RU, alpha=0.45, zorder=2, capstyle="round")
        self.fire_by_ua = lines(ax, linewidths=4, colors=FIRE_BY_UA, alpha=0.6, zorder=2, capstyle="round")
        self.supplied = lines(ax, linewidths=2.2, colors=SUPPLY_IN_USE, zorder=3)
        self.cut = lines(ax, linewidths=2.4, colors=SUPPLY_CUT, linestyles=(0, (2, 1)), zorder=3)
        salient = self._nodes_in("salient")
        self.salient_nodes = np.array(salient)
        self.nodes = ax.scatter(self.shown[salient, 0], self.shown[salient, 1], s=42, linewidths=0.6,
                                edgecolors="0.3", zorder=4, animated=True)
        eastern = self._nodes_in("east")
        self.east_nodes = east.scatter(self.shown[eastern, 0], self.shown[eastern, 1], s=70, marker="s",
                                       color=GROUND["UA"], edgecolors="0.3", zorder=4, animated=True)
        self.units = {panel: {nation: axis.scatter(np.empty(0), np.empty(0), marker=FORCE_MARKER[nation],
                                                   facecolors=FORCE[nation], edgecolors=FORCE_EDGE[nation],
                                                   linewidths=1.2, zorder=5, animated=True)
                              for nation in FORCE}
                      for panel, axis in (("salient", ax), ("east", east))}
        self.unsupplied = ax.scatter([], [], marker="x", s=40, c="black", linewidths=2.0, zorder=6, animated=True)
        self.date = ax.text(0.985, 0.09, "", transform=ax.transAxes, va="bottom", ha="right", fontsize=14, weight="bold",
                            animated=True, zorder=7,
                            bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": "0.6", "alpha": 0.9})
        self.dynamic = [self.fire_by_ru, self.fire_by_ua, self.supplied, self.cut, self.nodes,
                        self.east_nodes, *self.units["salient"].values(), *self.units["east"].values(),
                        self.unsupplied, self.date]

    # --- today ------------------------------------------------------------------------------
    def render(self, model) -> bytes:
        """Today's map as PNG bytes."""
        self.update(model)
        return self.png()

    def update(self, model) -> None:
        """Set the day's state on the animated artists and draw them over the background."""
        segs = self.link_segments
        # Fire over roads a side uses (at least one end on its ground): drones over their own
        # side's rear cut nothing, and drawing them would bury the fire that matters.
        self.fire_by_ru.set_segments(segs[sorted(model.fire_over("UA", both_ends=False))])
        self.fire_by_ua.set_segments(segs[sorted(model.fire_over("RU", both_ends=False))])
        self.supplied.set_segments(segs[self.supply_links_in_use(model)])
        self.cut.set_segments(segs[sorted(model.fire_over("UA", both_ends=True))])
        self.nodes.set_facecolors(self.node_colours(model)[self.salient_nodes])
        self.place_units(model)
        self.date.set_text(f"{model.date:%d %b %Y}   day {model.day}")
        self.canvas.restore_region(self.background)
        for artist in self.dynamic:
            self.fig.draw_artist(artist)

    def png(self) -> bytes:
        """The canvas, names on top, as PNG. The names are blended into the canvas itself: the
        next day starts by restoring the background anyway."""
        pixels = np.asarray(self.canvas.buffer_rgba())
        under = pixels[..., :3][self.name_pixels]
        pixels[..., :3][self.name_pixels] = (self.name_rgb + under * (1.0 - self.name_alpha)).astype(np.uint8)
        return png_bytes(pixels)

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

    def unit_positions(self, model) -> list[tuple[object, float, float, str]]:
        """(unit, lon, lat, panel) for every unit on a map: in transit, part way along its road or
        rail line; several on one node, spread on a small ring around it."""
        th, placed, by_node = self.theatre, [], {}
        for u in model.units:
            if u.next_node is not None:
                link = th.link_between[(u.node, u.next_node)]
                t = min(1.0, max(0.0, u.km_left / link.km)) if link.km else 0.0
                x, y = self.shown[u.next_node] + t * (self.shown[u.node] - self.shown[u.next_node])
                placed.append((u, x, y, "salient"))
            elif u.posture == RAIL and u.sector is not None:
                days = th.link_between[(th.sumy, u.sector)].rail_days
                t = min(1.0, max(0.0, (u.until - model.date).days / days))
                x, y = self.lonlat[u.sector] + t * (self.lonlat[th.sumy] - self.lonlat[u.sector])
                placed.append((u, x, y, "east"))
            else:
                by_node.setdefault(u.node, []).append(u)
        for node, units in by_node.items():
            panel = "east" if th.region[node] == "east" else "salient"
            frame = EAST_FRAME if panel == "east" else SALIENT_FRAME
            radius = 0.012 * (frame[3] - frame[2]) if len(units) > 1 else 0.0
            squeeze = math.cos(math.radians((frame[2] + frame[3]) / 2))
            for k, u in enumerate(sorted(units, key=lambda u: u.slot)):
                angle = 2 * math.pi * k / len(units)
                x = self.shown[node, 0] + radius * math.cos(angle) / squeeze
                y = self.shown[node, 1] + radius * math.sin(angle)
                placed.append((u, x, y, panel))
        return placed

    def place_units(self, model) -> None:
        groups = {(panel, nation): ([], []) for panel in ("salient", "east") for nation in FORCE}
        out_of_supply = []
        for u, x, y, panel in self.unit_positions(model):
            xy, sizes = groups[(panel, u.nation)]
            xy.append((x, y))
            sizes.append(max(12.0, u.personnel / PERSONNEL_PER_PT2))
            if panel == "salient" and u.in_theatre and u.stock <= 0.0:
                out_of_supply.append((x, y))
        for (panel, nation), (xy, sizes) in groups.items():
            artist = self.units[panel][nation]
            artist.set_offsets(np.array(xy).reshape(-1, 2))
            artist.set_sizes(np.array(sizes))
        self.unsupplied.set_offsets(np.array(out_of_supply).reshape(-1, 2))


def _panels(fig: Figure, background: str):
    """The two panels, framed and scaled so that a km east is as long as a km north."""
    salient = fig.add_axes((0.005, 0.01, 0.58, 0.98))
    east = fig.add_axes((0.60, 0.27, 0.39, 0.685))
    for ax, frame in ((salient, SALIENT_FRAME), (east, EAST_FRAME)):
        ax.set_xlim(frame[0], frame[1])
        ax.set_ylim(frame[2], frame[3])
        ax.set_aspect(1.0 / math.cos(math.radians((frame[2] + frame[3]) / 2)))
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_facecolor(background)
    return salient, east


def png_bytes(pixels: np.ndarray) -> bytes:
    """An opaque RGBA picture (a canvas's buffer, not copied) as a 256-colour PNG at zlib level 1.
    A map or a chart has few colours: the palette halves the encoding time and cuts the bytes by two
    thirds against full colour, with no visible change; level 1 because the picture changes every
    day and is sent once (bench/viz.md)."""
    image = Image.frombuffer("RGBA", (pixels.shape[1], pixels.shape[0]), pixels, "raw", "RGBA", 0, 1).quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="png", compress_level=1)
    return out.getvalue()
