"""The ground between the nodes: the state border, who holds the ground, and the front line.

The model knows who holds each node, not the ground between them. The map gives each pixel of the
salient panel to the nearest node on the same side of the state border (the nodes' Voronoi cells,
clipped by the border, computed once on the panel's pixels), so that the ground of a Kursk village
never spills into Sumy oblast nor the other way round. Ground is then tinted by the holder of its
node, and the front line is the boundary between ground held by different sides: along the border
where Russia faces Ukraine across it, round the salient inside Russia, round the Sumy villages
Russia has taken inside Ukraine. Both change only when a node changes hands.
"""

from __future__ import annotations

from pathlib import Path

import contourpy
import numpy as np
from matplotlib.path import Path as Polygon
from scipy.spatial import cKDTree

from ..resources import BORDER_CSV


def state_border(path: Path = BORDER_CSV) -> np.ndarray:
    """The Russia–Ukraine state border near the salient, (lon, lat) rows from west to east
    (data/state-border.csv, from geoBoundaries, shipped with the package). Empty if the file is not
    there: the ground is then split by the nearest node alone."""
    if not path.exists():
        return np.empty((0, 2))
    rows = [line.split(",") for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    return np.array([(float(lon), float(lat)) for lon, lat in rows[1:]]).reshape(-1, 2)   # rows[0]: lon,lat


def ukrainian_side(border: np.ndarray) -> Polygon:
    """Ukraine's side of the border as a polygon: the border, closed far round the south-west
    (the border runs from north-west to south-east with Ukraine to its south-west)."""
    (west_lon, west_lat), (east_lon, east_lat) = border[0], border[-1]
    far = 5.0
    return Polygon(np.vstack([border, [(east_lon, east_lat - far), (west_lon - far, east_lat - far),
                                       (west_lon - far, west_lat), border[0]]]))


def panel_pixels(ax) -> tuple[slice, slice, int]:
    """The buffer rows and columns inside a panel's frame (rows count from the top) and the
    canvas's height in pixels."""
    height = ax.figure.canvas.get_width_height()[1]
    box = ax.get_window_extent()
    cols = slice(int(np.ceil(box.x0)) + 1, int(np.floor(box.x1)) - 1)
    rows = slice(height - int(np.floor(box.y1)) + 1, height - int(np.ceil(box.y0)) - 1)
    return rows, cols, height


def ground_cells(theatre, ax, border: np.ndarray, nodes: list[int]) -> np.ndarray:
    """Per pixel inside the panel `ax` (rows from the top), the nearest of `nodes` on the pixel's
    side of the state `border` (in km-true units): the nodes' Voronoi cells, clipped by the border.

    The dearest part of drawing a map (contains_points over ~400,000 pixels), and fixed by the
    theatre, the layout and the border alone: MapView draws it once per geography.
    """
    rows, cols, height = panel_pixels(ax)
    x, y = np.meshgrid(np.arange(cols.start, cols.stop) + 0.5, height - (np.arange(rows.start, rows.stop) + 0.5))
    lonlat = ax.transData.inverted().transform(np.column_stack([x.ravel(), y.ravel()]))
    squeeze = np.cos(np.radians(theatre.lat[nodes].mean()))
    scaled = lonlat * (squeeze, 1.0)
    where = np.column_stack([theatre.lon, theatre.lat]) * (squeeze, 1.0)
    cell = np.empty(len(lonlat), np.int32)
    if len(border):
        in_ukraine = ukrainian_side(border).contains_points(lonlat)
        sides = [(in_ukraine, [n for n in nodes if theatre.region[n] == "ua_rear"]),
                 (~in_ukraine, [n for n in nodes if theatre.region[n] != "ua_rear"])]
    else:
        sides = [(np.ones(len(lonlat), bool), nodes)]
    for points, side_nodes in sides:
        _, nearest = cKDTree(where[side_nodes]).query(scaled[points])
        cell[points] = np.asarray(side_nodes)[nearest]
    return cell.reshape(x.shape)


class Ground:
    """The salient panel's pixels, each given to a node, tinted by who holds it.

    theatre: the model's Theatre; ax: the salient panel (its pixel box is fixed); cell:
    ground_cells() of that panel; plain: the canvas's pixels without ground; tints: per side, the
    RGB factors its ground's pixels are multiplied by (so that roads and names stay as dark as
    they were).
    """

    def __init__(self, theatre, ax, cell: np.ndarray, plain: np.ndarray, tints: dict):
        self.ax = ax
        self.rows, self.cols, self.height = panel_pixels(ax)
        self.cell = cell
        box = plain[self.rows, self.cols, :3].astype(np.float32)
        self.tinted = {side: np.minimum(255.0, box * np.asarray(tint, np.float32)).astype(np.uint8)
                       for side, tint in tints.items()}
        # The panel's ground as last painted, and by whom each node's cell was painted: a node
        # changing hands repaints its own cell only (a few thousand pixels, not the whole panel).
        self.land = self.tinted["RU"].copy()
        self.painted: list[str | None] = [None] * theatre.n
        flat = self.cell.ravel()
        order = np.argsort(flat, kind="stable")
        self.pixels_of = np.split(order, np.cumsum(np.bincount(flat, minlength=theatre.n))[:-1])

    def held_by_ukraine(self, control: list[str]) -> np.ndarray:
        """Per pixel, whether Ukraine holds its node's ground."""
        return np.array([c == "UA" for c in control])[self.cell]

    def front_line(self, ukrainian: np.ndarray) -> list[np.ndarray]:
        """The boundary between Ukrainian- and Russian-held ground, as (lon, lat) polylines."""
        lines = contourpy.contour_generator(z=ukrainian.astype(np.float32),
                                            line_type=contourpy.LineType.Separate).lines(0.5)
        to_data = self.ax.transData.inverted()
        return [to_data.transform(np.column_stack([self.cols.start + 0.5 + line[:, 0],
                                                   self.height - (self.rows.start + 0.5 + line[:, 1])]))
                for line in lines if len(line) > 1]

    def paint(self, pixels: np.ndarray, control: list[str]) -> None:
        """Tint the panel's ground in `pixels` by who holds it."""
        land = self.land.reshape(-1, 3)
        for node, holder in enumerate(control):
            if self.painted[node] != holder:
                cell = self.pixels_of[node]
                land[cell] = self.tinted[holder].reshape(-1, 3)[cell]
                self.painted[node] = holder
        pixels[self.rows, self.cols, :3] = self.land
