"""The visualiser without a browser: the page builds and steps (Solara's test renderer), the model it
builds is the command line's model, the map and plots draw what they claim, and the server listens
on 127.0.0.1 only unless told otherwise."""

from __future__ import annotations

import datetime as dt
import html
import io
import socket
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.colors import to_rgb, to_rgba
from PIL import Image

solara = pytest.importorskip("solara", reason="the viz extra is not installed: pip install -e '.[viz]'")
import ipyvuetify as v
import ipywidgets
from helpers import free_port, viz_server

from sim import KurskModel
from sim.agents import RAIL
from sim.control import ru_sumy_km2, transfer
from sim.resources import DEFAULT_SCENARIO
from sim.viz import mapview, plots
from sim.viz.app import CampaignPage, Page
from sim.viz.campaign import VizModel, base_scenario, page_parameters
from sim.viz.details import campaign_status, node_state, unit_state
from sim.viz.ground import state_border
from sim.viz.mapview import BORDER, EAST_FRAME, FROM_KURSK, LAND, MapView, enter_frame
from sim.viz.plots import COURSE_COLOUR, PlotsView, reported_course, reported_east_gain

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def scenario():
    return base_scenario(str(DEFAULT_SCENARIO))


def render_page(model: VizModel, params: dict):
    """Render the page for `model` inside an app layout (the sidebar with Mesa's buttons lives there)."""
    holder = {}

    @solara.component
    def Test():
        reactive = solara.use_reactive(model)
        holder["model"] = reactive
        return solara.AppLayout(children=[CampaignPage(reactive, params)])

    _, rc = solara.render(Test(), handle_error=False)
    return rc, holder


def html_of(rc, css_class: str) -> str:
    """The inner HTML of the one solara.HTML element with class `css_class`."""
    found = [w for w in rc.find(solara.widgets.HTML).widgets if w.attributes.get("class") == css_class]
    assert len(found) == 1, f"{len(found)} elements of class {css_class!r}"
    return found[0].unsafe_innerHTML


def status_text(rc) -> str:
    return html_of(rc, "kursk-status")


def map_png(rc) -> bytes:
    images = [w for w in rc.find(ipywidgets.Image).widgets if "kursk-map-image" in w._dom_classes]
    assert len(images) == 1
    return bytes(images[0].value)


# --- the page -------------------------------------------------------------------------------------

def plain(html_text: str) -> str:
    return html_text.replace("<b>", "").replace("</b>", "")


def test_page_builds_and_step_advances_the_model(scenario):
    days = scenario.n_days
    rc, holder = render_page(VizModel(), page_parameters(scenario))
    try:
        assert f"20 Aug 2024 (day 0 of {days})" in status_text(rc)
        before = map_png(rc)
        assert before.startswith(PNG)
        step = rc.find(v.Btn, children=["Step"])
        step.assert_single()
        for _ in range(3):
            step.widget.click()
        model = holder["model"].value
        assert model.day == 3 and model.date == dt.date(2024, 8, 23)
        assert f"23 Aug 2024 (day 3 of {days})" in status_text(rc)
        assert map_png(rc) != before
        # every part of the page is there: the plots image, both detail tables, Mesa's sidebar
        assert len(rc.find(ipywidgets.Image).widgets) == 2
        assert "<th>node</th>" in html_of(rc, "kursk-rows kursk-node")
        assert "<th>unit</th>" in html_of(rc, "kursk-rows kursk-unit")
        rc.find(v.Btn, children=["Reset"]).assert_single()
    finally:
        rc.close()


def test_reset_rebuilds_the_model_with_the_chosen_parameters(scenario):
    rc, holder = render_page(VizModel(), page_parameters(scenario))
    try:
        rc.find(v.Btn, children=["Step"]).widget.click()
        policy = rc.find(v.Select, label="Ukrainian policy (hold the salient, or withdraw east)")
        policy.widget.v_model = "withdraw"
        date = rc.find(v.Select, label="Withdrawal decision (date; withdraw only)")
        date.widget.v_model = "2024-11-01"
        rc.find(v.Btn, children=["Reset"]).widget.click()
        model = holder["model"].value
        assert model.day == 0
        assert model.policy.name == "withdraw"
        assert model.p.withdraw_date == dt.date(2024, 11, 1)
        assert "policy: withdraw (withdraw_date 2024-11-01" in plain(status_text(rc))
    finally:
        rc.close()


def test_details_on_demand_show_a_chosen_node_and_unit(scenario):
    rc, _ = render_page(VizModel(), page_parameters(scenario))
    try:
        rc.find(v.Select, label="Node").widget.v_model = "Korenevo"
        node = html_of(rc, "kursk-rows kursk-node")
        assert "Korenevo" in node and "Russia" in node and "RU West 1" in node
        # the node's units are buttons that choose the unit
        rc.find(v.Btn, children=["RU West 1"]).widget.click()
        unit = html_of(rc, "kursk-rows kursk-unit")
        for what in ("personnel", "cohesion", "supply on hand", "supplied today", "posture", "orders"):
            assert f"<th>{what}</th>" in unit
        assert "RU West 1" in unit
    finally:
        rc.close()


def test_details_on_demand_show_an_eastern_sector(scenario):
    model = VizModel()
    rc, _ = render_page(model, page_parameters(scenario))
    try:
        rc.find(v.Select, label="Node").widget.v_model = "Pokrovsk"
        node = html.unescape(html_of(rc, "kursk-rows kursk-node"))
        k = model.east.names.index("Pokrovsk")
        for side, name in (("UA", "Ukraine"), ("RU", "Russia")):
            personnel = model.east.personnel[side][k]
            assert f"{name}'s force</th><td>{personnel:,.0f} personnel: its own {personnel:,.0f}" in node
        for what in ("Russian gain here", "killed and wounded here", "frontage", "Russia attacked today"):
            assert what in node, what
    finally:
        rc.close()


def test_the_day_at_a_glance_tells_both_theatres_and_sumy(scenario):
    model = VizModel()
    transfer(model, model.theatre.index["Basivka"], "RU")       # as if Russia had taken a Sumy village
    rc, _ = render_page(model, page_parameters(scenario))
    try:
        status = plain(status_text(rc))
        assert "Russian-held in Sumy oblast: 17.6 km²" in status      # Basivka's area
        assert "salient lost: not yet" in status
        assert "Ukrainian soldiers lost: in Kursk 0 (of them captured 0), in the east 0, total 0" in status
        assert "Russians moved: drawn from the east into Kursk 0; redeployed from Kursk to the east 0" in status
    finally:
        rc.close()


def test_the_served_page_opens_the_scenario_it_was_given(tmp_path, monkeypatch):
    copy = tmp_path / "copy.toml"
    text = DEFAULT_SCENARIO.read_text(encoding="utf-8")
    assert "ua_troops_kursk = { value = 12500," in text
    copy.write_text(text.replace("ua_troops_kursk = { value = 12500,", "ua_troops_kursk = { value = 20000,"),
                    encoding="utf-8")
    monkeypatch.setenv("KURSK_VIZ_SCENARIO", str(copy))
    _, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    try:
        assert f"20 Aug 2024 (day 0 of {base_scenario(str(copy)).n_days})" in status_text(rc)
        assert "Ukrainian troops in Kursk 20,000" in status_text(rc)
    finally:
        rc.close()


# --- the model the page builds ---------------------------------------------------------------------

def test_the_page_model_is_the_command_line_model(scenario):
    """Same seed and values as `python -m sim run --seed 3 --policy withdraw --set ...`: the same campaign."""
    page = VizModel(policy="withdraw", withdraw_date="2024-11-01", withdraw_fraction=0.5,
                    ua_troops_kursk=20000, nk_troops=8000, drone_range_km=15.0, drone_range_2024_km=6.0, seed=3)
    changed = scenario.with_params(withdraw_date="2024-11-01", withdraw_fraction=0.5, ua_troops_kursk=20000,
                                   nk_troops=8000, drone_range_km=15.0, drone_range_2024_km=6.0)
    cli = KurskModel(changed, "withdraw", 3)
    for _ in range(120):
        page.step()
        cli.step()
    assert page.records == cli.records


def test_every_parameter_has_a_label_with_its_unit_and_a_default_from_the_file(scenario):
    params = page_parameters(scenario)
    shown = {k: p for k, p in params.items() if isinstance(p, dict)}
    assert {"policy", "withdraw_date", "withdraw_fraction", "ua_troops_kursk", "nk_troops",
            "drone_range_km", "seed"} <= shown.keys()
    for key, p in shown.items():
        assert p["label"].endswith(")") and "(" in p["label"], key
        if key in scenario.params.names():
            value = getattr(scenario.params, key)
            assert p["value"] == (value.isoformat() if isinstance(value, dt.date) else value)
            assert scenario.param_info[key]["unit"] in p["label"] or isinstance(value, dt.date)
        if p["type"].startswith("Slider"):
            assert p["min"] <= p["value"] <= p["max"]
    for date in params["withdraw_date"]["values"]:
        assert scenario.start <= dt.date.fromisoformat(date) <= scenario.end
    VizModel(**{k: (p if not isinstance(p, dict) else p["value"]) for k, p in params.items()})   # Reset works


# --- what the map and plots draw -------------------------------------------------------------------

@pytest.fixture(scope="module")
def december():
    """A campaign in December 2024: North Koreans in the line, fire control, contested nodes."""
    model = VizModel(seed=1)
    for _ in range(110):
        model.step()
    return model


@pytest.fixture(scope="module")
def trains():
    """An early withdrawal on the first day Ukrainian brigades are on their way east by rail (a copy),
    and the same campaign on the first day Russian formations are."""
    model = VizModel(policy="withdraw", withdraw_date="2024-10-01")
    on_days = []
    for side in ("UA", "RU"):
        while model.running and not any(u.posture == RAIL and u.side == side for u in model.units):
            model.step()
        assert model.running, f"no {side} unit went east by rail"
        on_days.append(model.fork(model.campaign, "withdraw"))     # this day's state, kept
        model.step()
    return on_days


def rgb(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))[..., :3].astype(int)


def buffer_px(view: MapView, ax, lonlat) -> tuple[int, int]:
    """(row, column) of a point of panel `ax` in the map's picture."""
    x, y = ax.transData.transform(lonlat)
    return view.canvas.get_width_height()[1] - int(y), int(x)


def near(picture: np.ndarray, at: tuple[int, int], colour, radius: int = 3, tolerance: int = 40) -> bool:
    """Whether a pixel within `radius` of `at` has `colour` (RGB 0..1), each channel within `tolerance`."""
    r, c = at
    window = picture[max(0, r - radius):r + radius + 1, max(0, c - radius):c + radius + 1]
    return bool((np.abs(window - np.array(colour) * 255).max(axis=-1) <= tolerance).any())


def border_points_shown(view: MapView) -> list[tuple[int, int]]:
    x0, x1, y0, y1 = mapview.SALIENT_FRAME
    return [buffer_px(view, view.salient, p) for p in state_border()
            if x0 + 0.02 < p[0] < x1 - 0.02 and y0 + 0.02 < p[1] < y1 - 0.02]


def test_the_state_border_is_read_from_its_file_and_drawn(monkeypatch, tmp_path):
    border = state_border()
    assert border.shape == (164, 2) and border[0, 0] == pytest.approx(34.15, abs=0.01)
    assert border[-1, 0] == pytest.approx(35.41, abs=0.01)
    assert state_border(tmp_path / "missing.csv").shape == (0, 2)     # a package without the data
    model = VizModel()
    view = MapView(model.theatre)
    points = border_points_shown(view)
    drawn = rgb(view.render(model))
    hits = sum(near(drawn, at, to_rgb(BORDER)) for at in points)
    assert len(points) > 40 and hits > 0.4 * len(points), (hits, len(points))
    # without the file: no border, and the page still draws
    monkeypatch.setattr(mapview, "state_border", lambda: np.empty((0, 2)))
    bare = MapView(model.theatre)
    undrawn = rgb(bare.render(model))
    assert sum(near(undrawn, at, to_rgb(BORDER)) for at in points) == 0


def cell_share(view: MapView, picture: np.ndarray, node: int, colour) -> float:
    """The share of a node's ground (its cell in the salient panel) painted in `colour`."""
    rows, cols = np.nonzero(view.ground.cell == node)
    pixels = picture[rows + view.ground.rows.start, cols + view.ground.cols.start]
    return float((np.abs(pixels - np.array(colour) * 255).max(axis=-1) <= 2).mean())


def front_distance_km(view: MapView, node: int) -> float:
    th = view.theatre
    points = np.vstack(view.front.get_segments())
    return float(np.min(np.hypot((points[:, 0] - th.lon[node]) * 111.3 * np.cos(np.radians(th.lat[node])),
                                 (points[:, 1] - th.lat[node]) * 110.6)))


def test_the_ground_and_the_front_line_change_when_control_changes_and_only_then():
    model = VizModel(seed=2)
    view = MapView(model.theatre)
    sudzha = model.theatre.index["Sudzha"]
    png = view.render(model)
    before, ground = rgb(png), view.ground_pixels
    assert view.render(model) == png and view.ground_pixels is ground      # the same control: not redrawn
    assert cell_share(view, before, sudzha, LAND["UA"]) > 0.3 and cell_share(view, before, sudzha, LAND["RU"]) == 0
    far = front_distance_km(view, sudzha)
    transfer(model, sudzha, "RU")                          # Russia retakes Sudzha
    after = rgb(view.render(model))
    assert view.ground_pixels is not ground
    assert cell_share(view, after, sudzha, LAND["RU"]) > 0.3 and cell_share(view, after, sudzha, LAND["UA"]) == 0
    assert front_distance_km(view, sudzha) < far and front_distance_km(view, sudzha) < 4.0


def test_the_map_draws_the_days_state(december):
    view = MapView(december.theatre)
    png = view.render(december)
    assert png.startswith(PNG)
    markers = sum(len(a.get_offsets()) for panel in view.units.values() for a in panel.values())
    assert markers == len(december.units)                            # every unit has a marker
    assert len(view.units["salient"]["NK"].get_offsets()) == sum(u.nation == "NK" for u in december.units)
    assert len(view.fire_by_ru.get_segments()) == len(december.fire_over("UA", both_ends=False)) > 0
    assert len(view.cut.get_segments()) == len(december.fire_over("UA", both_ends=True))
    assert len(view.front.get_segments()) > 0
    colours = view.nodes.get_facecolors()
    held = [i for i, n in enumerate(view.salient_nodes) if december.control[n] == "UA" and not december.contested[n]]
    taken = [i for i, n in enumerate(view.salient_nodes) if december.control[n] == "RU" and not december.contested[n]]
    assert held and taken and colours[held[0]][2] > colours[taken[0]][2]          # blue tint vs red tint
    legend = [t.get_text() for t in view.fig.legends[0].get_texts()]
    for entry in ("North Korean unit", "supply depot", "road under Russian drone fire", "Ukrainian supply route cut",
                  "front line", "state border (geoBoundaries)", "Russia attacked the sector today",
                  "arrived from Kursk (UA, RU)"):
        assert entry in legend
    assert view.day_box.texts_today == [f"{december.date:%d %b %Y}   day {december.day}",
                                        f"Russian-held in Sumy oblast: {ru_sumy_km2(december):,.1f} km²"]


def test_each_sector_shows_its_forces_gain_losses_and_todays_attack(december):
    view = MapView(december.theatre)
    view.render(december)
    east = december.east
    texts = view.rows.texts_today
    for k in range(len(east.sectors)):
        assert f"gain {east.gain[k]:,.0f} km²" in texts
        for side in ("UA", "RU"):
            assert f"lost {east.losses[side][k] / 1000:.1f}k" in texts
            assert f"{east.personnel[side][k] / 1000:.1f}k" in texts
    assert texts.count("attacked") == sum(east.attacking) == len(view.rows.flags.get_offsets())
    assert len(view.attacked.get_offsets()) == sum(east.attacking)
    assert len(view.rows.bars.get_paths()) >= 2 * len(east.sectors)      # each side's own forces, at least
    assert f"Russian gain {east.gain_km2:,.0f} km² since the start" in texts     # all sectors together


def test_units_on_their_way_east_run_from_sumy_or_from_kursk(trains):
    for model in trains:
        view = MapView(model.theatre)
        view.render(model)
        th = model.theatre
        placed = view.unit_positions(model)
        assert all(panel == "east" for u, _, _, panel in placed if u.posture == RAIL)
        on_rail = [(u, x, y) for u, x, y, _ in placed if u.posture == RAIL]
        assert on_rail
        for u, x, y in on_rail:
            origin, days = ((th.sumy, th.link_between[(th.sumy, u.sector)].rail_days) if u.side == "UA"
                            else (th.depots["RU"][0][0], model.p.ru_transit_days))
            start = enter_frame(view.lonlat[origin], view.shown[u.sector], EAST_FRAME)
            t = (u.until - model.date).days / days
            assert (x, y) == pytest.approx(tuple(view.shown[u.sector] + t * (start - view.shown[u.sector])))
            x0, x1, y0, y1 = EAST_FRAME
            assert x0 <= x <= x1 and y0 <= y <= y1                     # on the eastern map, not off it
        assert sum(len(a.get_offsets()) for a in view.units["east"].values()) == len(on_rail)
        coming = next(u for u, *_ in on_rail)
        sector = dict(node_state(model, coming.sector))
        assert coming.name in sector["on the way by rail"]


def test_a_sectors_bars_tell_its_own_forces_from_those_arrived_from_kursk(trains):
    _, model = trains                      # Ukrainian brigades have arrived in the east by now
    east = model.east
    assert sum(east.from_kursk["UA"]) > 0
    view = MapView(model.theatre)
    view.render(model)
    colours = [tuple(c) for c in view.rows.bars.get_facecolors()]
    assert colours.count(tuple(to_rgba(FROM_KURSK["UA"]))) == sum(x > 0 for x in east.from_kursk["UA"])
    assert colours.count(tuple(to_rgba(FROM_KURSK["RU"]))) == sum(x > 0 for x in east.from_kursk["RU"])


def test_the_map_changes_from_day_to_day_and_not_otherwise():
    model = VizModel(seed=2)
    view = MapView(model.theatre)
    first = view.render(model)
    assert view.render(model) == first                               # the same day, the same picture
    model.step()
    assert view.render(model) != first


def drawn_afresh(make):
    """What `make()` builds when no view has drawn the map's and the plots' fixed layers yet."""
    mapview._DRAWN.clear()
    plots._FIRST_DRAWN.clear()
    return make()


def test_a_view_on_the_layers_an_earlier_view_drew_draws_what_a_fresh_one_draws(monkeypatch):
    """A page opened again takes the fixed layers (background, ground cells, names; the plots as
    first drawn) from the views drawn before: day after day, through changes of hands and of a
    panel's limits, its pictures are those of views that drew everything themselves. Another
    border or first y-limit is drawn anew, not taken."""
    fresh, again = VizModel(seed=2), VizModel(seed=2)
    fresh_map, fresh_plots = drawn_afresh(lambda: (MapView(fresh.theatre), PlotsView(fresh.campaign)))
    shared_map, shared_plots = MapView(again.theatre), PlotsView(again.campaign)
    assert shared_map.background is fresh_map.background                # taken, not drawn again
    grounds, ceilings = set(), set()
    for day in (0, 1, 2, 63, 64, 65):                     # a panel's limit first grows on day 64
        while fresh.day < day:
            fresh.step()
            again.step()
        assert shared_map.render(again) == fresh_map.render(fresh), day
        assert shared_plots.render(again) == fresh_plots.render(fresh), day
        grounds.add(tuple(fresh.control))
        ceilings.add(tuple(fresh_plots.ceiling.values()))
    assert len(grounds) > 1 and len(ceilings) > 1          # nodes changed hands, a panel's limit grew
    # another border or first limit: drawn anew, as a fresh view would, not taken
    monkeypatch.setattr(mapview, "state_border", lambda: np.empty((0, 2)))
    assert MapView(fresh.theatre).background is not fresh_map.background
    late = PlotsView(fresh.campaign)                               # first drawn on day 65: higher limits
    assert late.render(fresh) == drawn_afresh(lambda: PlotsView(fresh.campaign)).render(fresh)


def test_the_plots_draw_the_record_and_the_reported_course(december):
    view = PlotsView(december.campaign)
    assert view.render(december).startswith(PNG)
    for name, pairs in view.lines.items():
        for column, line in pairs:
            assert len(line.get_xdata()) == december.day + 1, (name, column)
            assert line.get_ydata()[-1] == december.records[-1][december.columns.index(column)]
    course = reported_course()
    reported = [r for r in course if r[1] == "ua_kursk_area_km2"]
    area_points = [line for line in view.axes["area"].lines if line.get_marker() == "o"]
    assert len(area_points) == 1 and len(area_points[0].get_xdata()) == len(reported)
    sumy_points = [line for line in view.axes["sumy"].lines if line.get_marker() == "o"]
    assert len(sumy_points) == 1 and len(sumy_points[0].get_xdata()) == 2
    # the reported eastern gains, summed from the start (20 Aug: August counts for 11 of its 31 days)
    monthly = sorted((d, v) for d, m, v in course if m == "ru_east_gain_month_km2")
    assert monthly[0][0] == dt.date(2024, 8, 31) and len(monthly) == 10
    expected = monthly[0][1] * 11 / 31 + sum(v for _, v in monthly[1:])
    course_line = [line for line in view.axes["east"].lines if line.get_color() == COURSE_COLOUR]
    assert len(course_line) == 1 and course_line[0].get_ydata()[-1] == pytest.approx(expected)
    assert reported_east_gain([], december.campaign.start, december.campaign.end) == ([], [])


def test_the_plots_draw_without_the_reported_course(december, monkeypatch):
    monkeypatch.setattr(plots, "reported_course", lambda: [])      # a package without the repository's data
    view = PlotsView(december.campaign)
    assert view.render(december).startswith(PNG)
    assert not [line for line in view.axes["east"].lines if line.get_color() == COURSE_COLOUR]


def test_details_read_the_models_own_state(december):
    unit = next(u for u in december.units if u.nation == "NK")
    rows = dict(unit_state(december, unit))
    assert rows["personnel"] == f"{round(unit.personnel):,}" and rows["posture"] == unit.posture
    assert "days in combat" in rows
    sudzha = dict(node_state(december, december.theatre.index["Sudzha"]))
    assert sudzha["held by"] in ("Ukraine", "Russia") and "main supply road" in sudzha
    pokrovsk = december.theatre.index["Pokrovsk"]
    sector = dict(node_state(december, pokrovsk))
    east, k = december.east, december.east.sectors.index(pokrovsk)
    assert sector["Ukraine's force"].startswith(f"{east.personnel['UA'][k]:,.0f} personnel")
    assert sector["Russia's force"].startswith(f"{east.personnel['RU'][k]:,.0f} personnel")
    assert sector["Russian gain here"].startswith(f"{east.gain[k]:,.0f} km²")
    assert sector["killed and wounded here"] == (f"Ukrainian {east.losses['UA'][k]:,.0f}, "
                                                 f"Russian {east.losses['RU'][k]:,.0f}")
    assert sector["Russia attacked today"] == ("yes" if east.attacking[k] else "no")
    status = dict(campaign_status(december))
    assert status["date"].startswith(f"{december.date:%d %b %Y}")
    assert status["Russian-held in Sumy oblast"] == f"{ru_sumy_km2(december):,.1f} km²"


# --- the server ------------------------------------------------------------------------------------

def test_the_server_listens_on_127_0_0_1_only_by_default():
    psutil = pytest.importorskip("psutil")
    port = free_port()
    with viz_server(port) as proc:
        listening = [c.laddr for c in psutil.Process(proc.pid).net_connections(kind="inet")
                     if c.status == psutil.CONN_LISTEN]
        assert listening and {a.ip for a in listening} == {"127.0.0.1"}, listening
        assert {a.port for a in listening} == {port}


def test_the_command_refuses_a_port_in_use_in_one_line():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "sim", "viz", "--port", str(port)],
                              check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and f"--port: {port}" in done.stderr
