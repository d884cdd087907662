"""The page `python -m sim viz` serves: a Mesa SolaraViz app around the campaign map.

Layout: Mesa's sidebar (Reset, play/pause, Step; the model parameters, applied on Reset; the step
count), then the day at a glance and the map across the whole width, then the live plots beside the
details on demand. The page lays these out itself instead of handing them to SolaraViz as
components: Mesa's component grid starts every component at half the page's width and a fixed
height, where the map's names would be too small to read and the details would be cut off.

Each browser session gets its own model (built in `Page`), so two tabs never step each other's
campaign. One component, CampaignDay, listens to Mesa's update counter (bumped after every step and
reset) and hands the day down to the others: every listener costs a pass of Solara's renderer over
the whole page, several milliseconds each (bench/viz.md). The map and the plots redraw only when the
day or the model has changed.
"""

from __future__ import annotations

import html
import os
import threading

import reacton.ipywidgets as rw
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from .campaign import DEFAULT_SCENARIO, VizModel, base_scenario, page_parameters
from .details import GONE, campaign_status, node_state, unit_choices, unit_state, units_at
from .mapview import MapView
from .plots import PlotsView

SCENARIO_ENV = "KURSK_VIZ_SCENARIO"        # set by `python -m sim viz SCENARIO` (sim/viz/server.py)
TITLE = "Kursk 2024–25: hold the salient, or withdraw and reinforce the east?"
FIRST_NODE = "Sudzha"                       # what the details show before anyone chooses


def scenario_file() -> str:
    return os.environ.get(SCENARIO_ENV, str(DEFAULT_SCENARIO))


class Drawing:
    """A map or plot view shared by the renders of one session, one render at a time: Mesa's play
    loop renders from a worker thread while a click may render from the event loop."""

    def __init__(self, view):
        self.view = view
        self.lock = threading.Lock()

    def png(self, model) -> bytes:
        with self.lock:
            return self.view.render(model)


@solara.component
def RowsTable(rows: list[tuple[str, str]], kind: str):
    """(what, value) rows as a two-column table; one widget, so a new day sends one string."""
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    solara.HTML(tag="table", unsafe_innerHTML=cells, classes=["kursk-rows", f"kursk-{kind}"])


STYLE = """
.kursk-rows th { text-align: left; font-weight: 600; padding: 1px 12px 1px 0; vertical-align: top; white-space: nowrap; }
.kursk-rows td { padding: 1px 0; }
.kursk-status { display: flex; flex-wrap: wrap; gap: 2px 22px; font-size: 14px; margin: 4px 0 6px 0; }
.kursk-status b { font-weight: 600; }
.kursk-map img, .kursk-plots img { display: block; }
"""


@solara.component
def DayAtAGlance(model: VizModel, day: int):
    """The day's numbers in words, above the map (the map shows them as colours and markers)."""
    items = "".join(f'<span class="kursk-{k.split()[0].lower()}"><b>{html.escape(k)}:</b> {html.escape(v)}</span>'
                    for k, v in campaign_status(model))
    solara.HTML(tag="div", unsafe_innerHTML=items, classes=["kursk-status"])


@solara.component
def DayImage(view, key, model: VizModel, day: int, css: str, max_width: str):
    """A view's picture of the day (the map, the plots): the view is built once per `key`, and
    the picture redrawn only when the day or the model changes, not on other re-renders."""
    drawing = solara.use_memo(lambda: Drawing(view()), [key])
    png = solara.use_memo(lambda: drawing.png(model), [drawing, model, day])
    with solara.Div(classes=[css]):
        rw.Image(value=png, format="png", layout={"width": "100%", "max_width": max_width},
                 _dom_classes=[f"{css}-image"])


@solara.component
def CampaignMap(model: VizModel, day: int):
    """The map of the day."""
    DayImage(lambda: MapView(model.theatre), model.theatre, model, day, "kursk-map", "1200px")


@solara.component
def LivePlots(model: VizModel, day: int):
    """Held ground in Kursk and Sumy oblast, eastern gains, forces and losses so far, with the reported course."""
    DayImage(lambda: PlotsView(model.campaign), model.campaign, model, day, "kursk-plots", "760px")


@solara.component
def Details(model: VizModel, day: int):
    """Details on demand: choose a node, or a unit (also from the node's list), and read its state."""
    names = model.theatre.names
    node, set_node = solara.use_state(FIRST_NODE if FIRST_NODE in names else names[0])
    units = unit_choices(model)
    unit, set_unit = solara.use_state(units[0] if units else "")
    chosen = next((u for u in model.units if u.name == unit), None)
    index = model.theatre.index[node]
    with solara.Column(style={"padding": "0 4px"}):
        solara.Select("Node", value=node, values=names, on_value=set_node)
        RowsTable(node_state(model, index), "node")
        with solara.Row(gap="4px", style={"flex-wrap": "wrap"}):
            for u in units_at(model, index):
                solara.Button(u.name, small=True, text=True, on_click=lambda name=u.name: set_unit(name))
        solara.Select("Unit", value=unit, values=units if unit in units or not unit else [*units, unit],
                      on_value=set_unit)
        if chosen is not None:
            rows = unit_state(model, chosen)
        else:
            rows = [("unit", unit), ("status", GONE)]
        RowsTable(rows, "unit")


@solara.component
def CampaignDay(model: VizModel):
    """Everything that changes with the day. The page's only listener to Mesa's update counter."""
    update_counter.get()
    day = model.day
    DayAtAGlance(model, day)
    CampaignMap(model, day)
    with solara.Columns([3, 2]):
        LivePlots(model, day)
        Details(model, day)


@solara.component
def CampaignPage(model: solara.Reactive, model_params: dict):
    """The whole page for a reactive model (the test renders this with a model of its own)."""
    solara.Style(STYLE)
    with solara.Column(style={"padding": "4px 12px", "gap": "4px"}):
        CampaignDay(model.value)
        SolaraViz(model, components=[], model_params=model_params, name=TITLE, play_interval=50)


@solara.component
def Page():
    """Solara's entry point: a fresh campaign for each browser session."""
    path = scenario_file()
    scenario = base_scenario(path)
    first = solara.use_memo(lambda: VizModel(scenario_file=path), [path])
    model = solara.use_reactive(first)
    params = solara.use_memo(lambda: page_parameters(scenario), [scenario])
    CampaignPage(model, params)
