"""The visualiser without a browser: the page builds and steps (Solara's test renderer), the model it
builds is the command line's model, the map and plots draw what they claim, and the server listens
on 127.0.0.1 only unless told otherwise."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys

import pytest

solara = pytest.importorskip("solara", reason="the viz extra is not installed: pip install -e '.[viz]'")
import ipyvuetify as v
import ipywidgets

from helpers import free_port, viz_server
from sim import KurskModel
from sim.viz import DEFAULT_SCENARIO
from sim.viz.app import CampaignPage, Page
from sim.viz.campaign import VizModel, base_scenario, page_parameters
from sim.viz.details import campaign_status, node_state, unit_state
from sim.viz.mapview import MapView
from sim.viz.plots import PlotsView, reported_course

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

def test_page_builds_and_step_advances_the_model(scenario):
    rc, holder = render_page(VizModel(), page_parameters(scenario))
    try:
        assert "20 Aug 2024 (day 0 of 253)" in status_text(rc)
        before = map_png(rc)
        assert before.startswith(PNG)
        step = rc.find(v.Btn, children=["Step"])
        step.assert_single()
        for _ in range(3):
            step.widget.click()
        model = holder["model"].value
        assert model.day == 3 and model.date == dt.date(2024, 8, 23)
        assert "23 Aug 2024 (day 3 of 253)" in status_text(rc)
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
        assert model.p["withdraw_date"] == dt.date(2024, 11, 1)
        assert "policy: withdraw (withdraw_date 2024-11-01" in status_text(rc).replace("<b>", "").replace("</b>", "")
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


def test_the_served_page_opens_the_scenario_it_was_given(tmp_path, monkeypatch):
    copy = tmp_path / "copy.toml"
    text = DEFAULT_SCENARIO.read_text(encoding="utf-8")
    assert "ua_troops_kursk = { value = 12500," in text
    copy.write_text(text.replace("ua_troops_kursk = { value = 12500,", "ua_troops_kursk = { value = 20000,"),
                    encoding="utf-8")
    monkeypatch.setenv("KURSK_VIZ_SCENARIO", str(copy))
    _, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    try:
        assert "20 Aug 2024 (day 0 of 253)" in status_text(rc)
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
        if key in scenario.params:
            value = scenario.params[key]
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


def test_the_map_draws_the_days_state(december):
    view = MapView(december.theatre)
    png = view.render(december)
    assert png.startswith(PNG)
    shown = sum(len(a.get_offsets()) for panel in view.units.values() for a in panel.values())
    assert shown == len(december.units)                               # every unit has a marker
    assert len(view.units["salient"]["NK"].get_offsets()) == sum(u.nation == "NK" for u in december.units)
    assert len(view.fire_by_ru.get_segments()) == len(december.fire_over("UA", both_ends=False)) > 0
    assert len(view.cut.get_segments()) == len(december.fire_over("UA", both_ends=True))
    colours = view.nodes.get_facecolors()
    held = [i for i, n in enumerate(view.salient_nodes) if december.control[n] == "UA" and not december.contested[n]]
    taken = [i for i, n in enumerate(view.salient_nodes) if december.control[n] == "RU" and not december.contested[n]]
    assert held and taken and colours[held[0]][2] > colours[taken[0]][2]          # blue tint vs red tint
    legend = [t.get_text() for t in view.fig.legends[0].get_texts()]
    for entry in ("North Korean unit", "supply depot", "road under Russian drone fire", "Ukrainian supply route cut"):
        assert entry in legend
    assert view.date.get_text().startswith(f"{december.date:%d %b %Y}")


def test_the_map_changes_from_day_to_day_and_not_otherwise():
    model = VizModel(seed=2)
    view = MapView(model.theatre)
    first = view.render(model)
    assert view.render(model) == first                               # the same day, the same picture
    model.step()
    assert view.render(model) != first


def test_the_plots_draw_the_record_and_the_reported_points(december):
    view = PlotsView(december.campaign)
    assert view.render(december).startswith(PNG)
    for name, pairs in view.lines.items():
        for column, line in pairs:
            assert len(line.get_xdata()) == december.day + 1, (name, column)
    reported = [r for r in reported_course() if r[1] == "ua_kursk_area_km2"]
    area_points = [line for line in view.axes["area"].lines if line.get_marker() == "o"]
    assert len(area_points) == 1 and len(area_points[0].get_xdata()) == len(reported)


def test_details_read_the_models_own_state(december):
    unit = next(u for u in december.units if u.nation == "NK")
    rows = dict(unit_state(december, unit))
    assert rows["personnel"] == f"{round(unit.personnel):,}" and rows["posture"] == unit.posture
    assert "days in combat" in rows
    sudzha = dict(node_state(december, december.theatre.index["Sudzha"]))
    assert sudzha["held by"] in ("Ukraine", "Russia") and "main supply road" in sudzha
    status = dict(campaign_status(december))
    assert status["date"].startswith(f"{december.date:%d %b %Y}")


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
