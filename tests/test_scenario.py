"""Loading and validating scenario files (in process; the command line is tested in test_cli.py)."""

from __future__ import annotations

import copy
import datetime as dt
import tomllib

import pytest
from toy_scenario import DEFAULT_CONFIG, END, START, toy_doc, unit

from sim.parameters import Parameters
from sim.scenario import ScenarioError, load_scenario


def test_default_scenario_loads_and_is_complete(default_scenario):
    sc = default_scenario
    assert isinstance(sc.params, Parameters) and set(sc.param_info) == set(Parameters.names())
    assert sc.end > sc.start
    assert {u.side for u in sc.units} == {"UA", "RU", "NK"}
    assert any(d.side == "UA" for d in sc.depots) and any(d.side == "RU" for d in sc.depots)
    assert abs(sum(s.gain_share for s in sc.east_sectors) - 1) < 1e-6
    assert 0 < sum(s.grouping_origin for s in sc.east_sectors) <= 1
    for sector in sc.east_sectors:            # every sector has both sides' forces from the start
        assert {u.side for u in sc.units if u.node == sector.node and u.arrival is None} == {"UA", "RU"}
    assert set(sc.sumy_targets) == {"Basivka", "Novenke", "Zhuravka", "Veselivka"}
    assert sc.end == dt.date(2025, 5, 31)


@pytest.mark.parametrize("path", [DEFAULT_CONFIG, *sorted(DEFAULT_CONFIG.parents[1].glob("experiments/*.toml"))],
                         ids=lambda p: p.name)
def test_every_number_in_configs_and_experiments_cites_its_source(path):
    """Line by line in the file as written: a line that sets a number carries a `source = ...` field
    or a comment saying where the number comes from (or `assumption`)."""
    import re
    bare = []
    for i, line in enumerate(path.read_text().splitlines(), 1):
        code, _, comment = line.partition("#")
        value = re.sub(r'"[^"]*"', '""', code).partition("=")[2]     # numbers, not digits inside strings
        if not re.search(r"\d", value):
            continue
        if "source" not in code and not comment.strip():
            bare.append(f"{path.name}:{i}: {line.strip()}")
    assert not bare, "numbers without a source:\n" + "\n".join(bare)


def test_every_variant_applies_its_values(default_scenario):
    assert default_scenario.variants
    for name, values in default_scenario.variants.items():
        sc = load_scenario(DEFAULT_CONFIG, variant=name)
        assert sc.variant == name
        for key, value in values.items():
            assert getattr(sc.params, key) == value


def test_overrides_are_parsed_to_the_parameter_type():
    sc = load_scenario(DEFAULT_CONFIG, {"withdraw_date": "2025-01-02", "drone_range_km": "15"})
    assert sc.params.withdraw_date == dt.date(2025, 1, 2)
    assert sc.params.drone_range_km == 15.0


def test_toy_scenario_loads(load_toy):
    sc = load_toy(toy_doc())
    assert sc.name == "toy" and sc.start == START and sc.end == END
    assert [n.name for n in sc.nodes] == ["Base", "Mid", "Town", "Hill", "RuBase", "East"]
    assert sc.strength(sc.units[0]) == 2000


def test_share_splits_the_parameter_total(load_toy):
    units = [unit("A", "UA", "Town", share=1.0), unit("B", "UA", "Mid", share=3.0)]
    sc = load_toy(toy_doc(units=units, ua_troops_kursk=4000))
    assert [sc.strength(u) for u in sc.units[:2]] == [1000.0, 3000.0]


# --- refusals: each names the field -------------------------------------------------------------------

def broken(change):
    doc = toy_doc()
    change(doc)
    return doc


def _set_node(doc, name, **kv):
    next(n for n in doc["theatre"]["nodes"] if n["name"] == name).update(kv)


CASES = {
    "missing parameter": (lambda d: d["parameters"].pop("stock_days"), "parameters"),
    "parameter without source": (lambda d: d["parameters"]["stock_days"].pop("source"),
                                 "parameters.stock_days.source"),
    "end before start": (lambda d: d["scenario"].update(end_date=START - dt.timedelta(days=1)),
                         "scenario.end_date"),
    "duplicate node": (lambda d: d["theatre"]["nodes"].append(dict(d["theatre"]["nodes"][1])),
                       "theatre.nodes[Mid].name"),
    "unknown terrain": (lambda d: _set_node(d, "Mid", terrain="swamp"), "theatre.nodes[Mid].terrain"),
    "fortification above 1": (lambda d: _set_node(d, "Mid", fortification=1.5),
                              "theatre.nodes[Mid].fortification"),
    "latitude out of range": (lambda d: _set_node(d, "Mid", lat=95.0), "theatre.nodes[Mid].lat"),
    "edge to itself": (lambda d: d["theatre"]["edges"][0].update(b="Base"), "theatre.edges[Base–Base]"),
    "duplicate edge": (lambda d: d["theatre"]["edges"].append(dict(d["theatre"]["edges"][0])),
                       "theatre.edges[Base–Mid]"),
    "road edge with days": (lambda d: d["theatre"]["edges"][0].update(days=2), "theatre.edges[Base–Mid].days"),
    "depot on enemy ground": (lambda d: d["theatre"]["depots"][0].update(node="Hill"), "theatre.depots[0].node"),
    "unit on unknown node": (lambda d: d["forces"]["units"][0].update(node="Atlantis"),
                             "forces.units[UA 1].node"),
    "NK unit with arrival": (lambda d: d["forces"]["units"].append(
        unit("KPA", "NK", "RuBase", share=1.0, arrival=START)), "forces.units[KPA].arrival"),
    "gain shares do not sum to 1": (lambda d: d["east"]["sectors"][0].update(gain_share=0.5),
                                    "east.sectors.gain_share"),
    "grouping origins above 1": (lambda d: d["east"]["sectors"][0].update(grouping_origin=1.5),
                                 "east.sectors[0].grouping_origin"),
    "sector without frontage": (lambda d: d["east"]["sectors"][0].update(frontage=0), "east.sectors[0].frontage"),
    "sector without Russians": (lambda d: d["forces"]["units"].pop(), "east.sectors[0].node"),
    "North Korean unit in a sector": (lambda d: d["forces"]["units"].append(
        unit("KPA", "NK", "East", 100)), "forces.units[KPA].node"),
    "garrison on the Russian side": (lambda d: d["forces"]["units"].append(
        unit("G", "RU", "Hill", 100, garrison=True)), "forces.units[G].garrison"),
    "garrison as a number": (lambda d: d["forces"]["units"].append(
        unit("G", "UA", "Mid", 100, garrison=1)), "forces.units[G].garrison"),
    "Sumy target in Kursk": (lambda d: d["theatre"].update(sumy_targets=["Town"]), "theatre.sumy_targets[0]"),
    "allocation to a non-sector": (lambda d: d["east"]["allocation"][0].update(node="Mid"),
                                   "east.allocation[0].node"),
    "share above 1": (lambda d: d["parameters"]["withdraw_fraction"].update(value=1.5),
                      "parameters.withdraw_fraction"),
    "switch neither 0 nor 1": (lambda d: d["parameters"]["nk_east_without_incursion"].update(value=0.5),
                               "parameters.nk_east_without_incursion"),
    "zero tortuosity": (lambda d: d["parameters"]["tortuosity"].update(value=0), "parameters.tortuosity"),
    "ramp ends before it starts": (lambda d: d["parameters"]["drone_ramp_end"].update(
        value=START + dt.timedelta(days=1)) or d["parameters"]["drone_ramp_start"].update(
        value=START + dt.timedelta(days=2)), "parameters.drone_ramp_end"),
    "nk_arrival outside horizon": (lambda d: d["parameters"]["nk_arrival"].update(value=END + dt.timedelta(days=1)),
                                   "parameters.nk_arrival"),
    "boolean as a number": (lambda d: d["parameters"]["stock_days"].update(value=True),
                            "parameters.stock_days.value"),
    "misspelt parameter": (lambda d: d["parameters"].update(stock_dayz=d["parameters"]["stock_days"]),
                           "parameters.stock_dayz"),
    "number given as a string": (lambda d: d["parameters"]["stock_days"].update(value="7"),
                                 "parameters.stock_days.value"),
    "unused variant with a negative troop count": (lambda d: d.update(
        variants={"fine": {"ua_troops_kursk": 20000}, "broken": {"ua_troops_kursk": -5}}),
        "variants.broken.ua_troops_kursk"),
    "unused variant with a misspelt name": (lambda d: d.update(variants={"typo": {"ua_troops_kurks": 20000}}),
                                            "variants.typo.ua_troops_kurks"),
    "isolated depot": (lambda d: (d["theatre"]["nodes"].append(
        {"name": "Island", "lat": 50.5, "lon": 34.5, "area_km2": 0.0, "terrain": "open", "fortification": 0.0,
         "control": "UA", "region": "ua_rear", "source": "test"}),
        d["theatre"]["depots"].append({"node": "Island", "side": "UA", "capacity": 1000, "source": "test"})),
        "theatre.depots[2].node"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_scenario_is_refused_naming_the_field(case, write_toy):
    change, field = CASES[case]
    path = write_toy(broken(change))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.field == field
    assert info.value.path == str(path)
    assert str(info.value).startswith(f"{path}: {field}: ")


def test_the_toy_writer_round_trips():
    from toy_scenario import to_toml
    doc = toy_doc()
    assert tomllib.loads(to_toml(doc)) == copy.deepcopy(doc)


@pytest.mark.parametrize("key, value", [("withdraw_date", "2026-01-01"), ("withdraw_date", "soon"),
                                        ("drone_range_km", "inf"), ("stock_days", "nan"),
                                        ("no_such_parameter", "1"), ("surrender_daily_prob", "2")])
def test_bad_overrides_are_refused(key, value):
    with pytest.raises(ScenarioError) as info:
        load_scenario(DEFAULT_CONFIG, {key: value})
    assert key in info.value.field


def test_unknown_variant_is_refused():
    with pytest.raises(ScenarioError) as info:
        load_scenario(DEFAULT_CONFIG, variant="no_such_variant")
    assert info.value.field == "--variant"
