"""The command line: `python -m sim check FILE` and `python -m sim run FILE`.

Bad input must end with exit code 2 and exactly one line on stderr naming the file and the field,
never a traceback. Bad files are text edits of a copy of configs/kursk_2024.toml (regular
expressions on one line each, so the edits survive re-calibrated values) or of a toy scenario.

Every case runs through sim.cli.main in this process; a representative few also in a fresh
interpreter, as a user types them (each start costs 1-2 s: Mesa, SciPy), started together on a
thread pool so that the tests only read their results.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from helpers import cli_in_process
from toy_scenario import DEFAULT_CONFIG, ROOT, toy_doc, write_scenario

from sim import COLUMNS, KurskModel, load_scenario
from sim.cli import main

REQUIRED_FINAL = ("day", "date", "ua_kursk_area_km2", "ru_east_gain_km2", "ua_losses", "ru_losses",
                  "nk_losses", "ua_captured", "ua_personnel_kursk", "supply_road_cut", "ua_losses_kursk",
                  "ua_losses_east", "ua_losses_total", "ua_personnel_end", "ru_losses_total", "ru_sumy_gain_km2")


def start_cli(pool: ThreadPoolExecutor, args):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return pool.submit(subprocess.run, [sys.executable, "-m", "sim", *map(str, args)], cwd=ROOT,
                       capture_output=True, text=True, encoding="utf-8", env=env, timeout=300)


def edit(text: str, pattern: str, replacement: str) -> str:
    """Replace exactly one match of `pattern` (multiline regex); fail loudly if the file changed shape."""
    new, n = re.subn(pattern, replacement, text, count=1, flags=re.M)
    if n != 1 or new == text:
        pytest.fail(f"the edit {pattern!r} no longer applies to {DEFAULT_CONFIG.name}; update the test")
    return new


def index_of(rows: list[dict], **match) -> int:
    return next(i for i, r in enumerate(rows) if all(r.get(k) == v for k, v in match.items()))


# --- the bad files: name -> (pattern, replacement, field named in the message) -------------------------
# Fields may use {sumy_khotin}, {sumy_depot}, {sumy_depot_next}: indices looked up in the file edited.

DEFAULT_EDITS = {
    "unknown node in an edge": (r'\{ a = "Sumy", b = "Khotin"', '{ a = "Sumy", b = "Nowhere"',
                                "theatre.edges[{sumy_khotin}].b"),
    # an extra UA depot at an eastern node, which only rail reaches: cut off from the UA front
    "depot cut off from its side's graph": (
        r'^(\s*\{ node = "Sumy", side = "UA".*)$',
        r'\1\n  { node = "Kupiansk", side = "UA", capacity = 1000, source = "test" },',
        "theatre.depots[{sumy_depot_next}].node"),
    "negative area": (r'(name = "Snagost",.*?area_km2 = )[0-9.]+', r'\g<1>-40', "theatre.nodes[Snagost].area_km2"),
    "negative personnel": (r'(name = "47 Mech Bde",.*?personnel = )[0-9.]+', r'\g<1>-2000',
                           "forces.units[47 Mech Bde].personnel"),
    "nan road capacity": (r'^(highway = \{.*?capacity = )[0-9.]+', r'\g<1>nan', "road_classes.highway.capacity"),
    "inf depot capacity": (r'(\{ node = "Sumy", side = "UA", capacity = )[0-9.]+', r'\g<1>inf',
                           "theatre.depots[{sumy_depot}].capacity"),
    "nan edge length": (r'(\{ a = "Lebedevka", b = "Sudzha GMS", class = "pipeline", km = )[0-9.]+', r'\g<1>nan',
                        "theatre.edges[Lebedevka–Sudzha GMS].km"),
    "inf edge length": (r'(\{ a = "Sumy", b = "Khotin", class = "highway",)', r'\1 km = inf,',
                        "theatre.edges[Sumy–Khotin].km"),
    "string where a number is expected (parameter)": (
        r'^(ua_troops_kursk = \{ value = )[0-9.]+', r'\g<1>"many"', "parameters.ua_troops_kursk.value"),
    "string where a number is expected (node)": (
        r'(name = "Snagost", lat = )[0-9.]+', r'\g<1>"51.375"', "theatre.nodes[Snagost].lat"),
    "unit arrival outside the horizon": (
        r'(name = "47 Mech Bde",.*?arrival = )[0-9-]+', r'\g<1>2026-01-01', "forces.units[47 Mech Bde].arrival"),
    "withdraw_date outside the horizon": (
        r'^(withdraw_date = \{ value = )[0-9-]+', r'\g<1>2023-01-01', "parameters.withdraw_date"),
    "TOML syntax error": (r'^(ua_quality = \{.*)\}(\s*(#.*)?)$', r'\1\2', "<toml>"),
}

# A parameter of the wrong KIND: a date parameter given a number, or a number parameter given a date.
# (Found by this suite: `check` passed such files and `run` crashed with a TypeError traceback, or
# `check` itself did for drone_ramp_*; _check_params now refuses them. Kept as a regression test.)
# name -> (pattern, replacement, field, extra `run` arguments that make the run reach the parameter)
WRONG_KIND = {
    "date parameter given a number (withdraw_date)": (
        r'^(withdraw_date = \{ value = )[0-9-]+', r'\g<1>5', "parameters.withdraw_date", ["--policy", "withdraw"]),
    "date parameter given a number (drone_ramp_start)": (
        r'^(drone_ramp_start = \{ value = )[0-9-]+', r'\g<1>3', "parameters.drone_ramp_start", []),
    "number parameter given a date (refit_days)": (
        r'^(refit_days = \{ value = )[0-9.]+', r'\g<1>2024-09-01', "parameters.refit_days",
        ["--policy", "withdraw", "--set", "withdraw_date=2024-09-01"]),
}


def field_indices(text: str) -> dict[str, int]:
    doc = tomllib.loads(text)
    edges, depots = doc["theatre"]["edges"], doc["theatre"]["depots"]
    sumy_depot = index_of(depots, node="Sumy")
    return {"sumy_khotin": index_of(edges, a="Sumy", b="Khotin"), "sumy_depot": sumy_depot,
            "sumy_depot_next": sumy_depot + 1}


def option_cases(path: Path, out: Path) -> dict[str, tuple[list[str], list[str]]]:
    """Bad options on a good file: (argv, strings the one error line must contain)."""
    return {
        "withdraw_date outside the horizon via --set": (
            ["run", path, "--policy", "withdraw", "--set", "withdraw_date=2026-01-01", "--out", out],
            [str(path), "parameters.withdraw_date"]),
        "nk_arrival outside the horizon via --set": (
            ["run", path, "--set", "nk_arrival=2020-01-01", "--out", out], [str(path), "parameters.nk_arrival"]),
        "non-finite value via --set": (
            ["run", path, "--set", "drone_range_km=inf", "--out", out], [str(path), "parameters.drone_range_km"]),
        "string where a number is expected via --set": (
            ["run", path, "--set", "stock_days=plenty", "--out", out], [str(path), "parameters.stock_days"]),
        "unknown --set key": (
            ["run", path, "--set", "no_such_parameter=1", "--out", out], [str(path), "no_such_parameter"]),
        "--set without =": (["run", path, "--set", "drone_range_km", "--out", out], ["--set", "drone_range_km"]),
        "unknown --policy": (["run", path, "--policy", "surrender", "--out", out],
                             ["--policy", "surrender", "hold", "withdraw"]),
        "unknown --variant": (["run", path, "--variant", "no_such_variant", "--out", out],
                              [str(path), "--variant"]),
        "missing file": (["run", path.with_name("no_such_file.toml"), "--out", out],
                         [str(path.with_name("no_such_file.toml")), "<file>"]),
        "missing file (check)": (["check", path.with_name("no_such_file.toml")],
                                 [str(path.with_name("no_such_file.toml")), "<file>"]),
    }


@pytest.fixture(scope="module")
def prepared(tmp_path_factory, default_text):
    """Write every bad file, run every subprocess at once on a thread pool, hand out the results."""
    d = tmp_path_factory.mktemp("cli")
    good = d / "kursk_copy.toml"
    good.write_text(default_text, encoding="utf-8")     # a frozen copy: the config may be edited meanwhile
    idx = field_indices(default_text)
    files = {}
    for i, (name, (pattern, repl, field)) in enumerate(DEFAULT_EDITS.items()):
        path = d / f"bad{i}.toml"
        path.write_text(edit(default_text, pattern, repl), encoding="utf-8")
        files[name] = (path, field.format(**idx))
    kinds = {}
    for i, (name, (pattern, repl, field, extra)) in enumerate(WRONG_KIND.items()):
        path = d / f"kind{i}.toml"
        path.write_text(edit(default_text, pattern, repl), encoding="utf-8")
        kinds[name] = (path, field, extra)
    toy = write_scenario(toy_doc(), d / "toy.toml")
    options = option_cases(good, d / "never")
    runs = {"a": d / "run_a", "b": d / "run_b"}
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {
            "check": {name: start_cli(pool, ["check", files[name][0]]) for name in CHECK_SUBPROCESS},
            "options": {name: start_cli(pool, options[name][0]) for name in OPTION_SUBPROCESS},
            "runs": {k: start_cli(pool, ["run", good, "--policy", "withdraw", "--seed", "7", "--out", out])
                     for k, out in runs.items()},
            "good_check": {"default": start_cli(pool, ["check", good])},
        }
        results = {group: {k: f.result() for k, f in fs.items()} for group, fs in futures.items()}
    return {"results": results, "files": files, "kinds": kinds, "options": options, "runs": runs,
            "good": good, "toy": toy, "dir": d}


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    err = proc.stderr
    assert "Traceback" not in err, err
    assert proc.returncode == 2, (proc.returncode, err)
    assert err.endswith("\n") and err.count("\n") == 1, err
    for needle in needles:
        assert needle in err, (needle, err)
    assert proc.stdout == ""


def test_good_files_pass_check(prepared, capsys):
    toy = cli_in_process(capsys, "check", str(prepared["toy"]))
    for name, proc in (*prepared["results"]["good_check"].items(), ("toy", toy)):
        assert proc.returncode == 0, (name, proc.stderr)
        assert ": ok: " in proc.stdout and proc.stderr == ""


# A fresh interpreter for a representative few: a syntax error, a bad reference.
CHECK_SUBPROCESS = ("TOML syntax error", "unknown node in an edge")


@pytest.mark.parametrize("case", CHECK_SUBPROCESS)
def test_check_refuses_bad_file(case, prepared):
    path, field = prepared["files"][case]
    assert_one_line_error(prepared["results"]["check"][case], str(path), field)


@pytest.mark.parametrize("case", sorted(DEFAULT_EDITS))
def test_check_refuses_bad_file_in_process(case, prepared, capsys):
    path, field = prepared["files"][case]
    assert_one_line_error(cli_in_process(capsys, "check", str(path)), str(path), field)


@pytest.mark.parametrize("case", sorted(DEFAULT_EDITS))
def test_run_refuses_bad_file(case, prepared, capsys):
    # `run` goes through the same entry point in process (the subprocess path is covered by check
    # and by the option cases); an escaping exception would fail this test like a traceback.
    path, field = prepared["files"][case]
    out = prepared["dir"] / f"out-{abs(hash(case))}"
    assert main(["run", str(path), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and str(path) in captured.err and field in captured.err
    assert not out.exists()


# A fresh interpreter for a representative few (each costs ~1 s); all of them in process below.
OPTION_SUBPROCESS = ("withdraw_date outside the horizon via --set", "unknown --policy")


@pytest.mark.parametrize("case", OPTION_SUBPROCESS)
def test_run_refuses_bad_option(case, prepared):
    _, needles = prepared["options"][case]
    assert_one_line_error(prepared["results"]["options"][case], *needles)
    assert not (prepared["dir"] / "never").exists()


@pytest.mark.parametrize("case", sorted(option_cases(Path("x.toml"), Path("out"))))
def test_run_refuses_bad_option_in_process(case, prepared, capsys):
    argv, needles = prepared["options"][case]
    assert main([str(a) for a in argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1, captured.err
    for needle in needles:
        assert needle in captured.err, (needle, captured.err)
    assert not (prepared["dir"] / "never").exists()


@pytest.mark.parametrize("case", sorted(WRONG_KIND))
def test_parameter_of_the_wrong_kind_is_refused(case, prepared, capsys):
    path, field, extra = prepared["kinds"][case]
    assert_one_line_error(cli_in_process(capsys, "check", str(path)), str(path), field)
    out = prepared["dir"] / f"kind-out-{sorted(WRONG_KIND).index(case)}"
    assert main(["run", str(path), *extra, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and field in err


# --- 6. determinism of the written files, and what summary.json holds --------------------------------

def test_same_seed_writes_byte_identical_files(prepared):
    a, b = prepared["runs"]["a"], prepared["runs"]["b"]
    for proc in prepared["results"]["runs"].values():
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr
    for name in ("timeseries.parquet", "summary.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert sorted(p.name for p in a.iterdir()) == ["summary.json", "timeseries.parquet"]   # no temp files left


def test_summary_json_holds_seed_policy_and_final_values(prepared):
    summary = json.loads((prepared["runs"]["a"] / "summary.json").read_text())
    assert summary["seed"] == {"entropy": 7, "spawn_key": []}
    assert summary["policy"] == "withdraw"
    assert set(summary["policy_parameters"]) == {"withdraw_date", "withdraw_fraction"}
    final = summary["final"]
    for key in REQUIRED_FINAL:
        assert key in final, key
    assert isinstance(final["supply_road_cut"], bool)
    assert final["date"] == summary["end_date"]


def test_timeseries_matches_an_in_process_run(prepared):
    table = pq.read_table(prepared["runs"]["a"] / "timeseries.parquet")
    sc = load_scenario(prepared["good"])
    assert table.column_names == list(COLUMNS) + [s.column for s in sc.east_sectors]
    model = KurskModel(sc, "withdraw", 7).run()
    assert table.num_rows == sc.n_days + 1
    rows = [tuple(r[c] for c in model.columns) for r in table.to_pylist()]
    assert rows == model.records           # the same numbers, across processes
    summary = json.loads((prepared["runs"]["a"] / "summary.json").read_text())
    assert summary["final"] == pytest.approx(dict(zip(model.columns, model.records[-1], strict=True)))


def test_run_refuses_to_overwrite_results_without_force(tmp_path, write_toy, capsys):
    toy = write_toy(toy_doc())
    out = tmp_path / "out"
    assert main(["run", str(toy), "--out", str(out)]) == 0
    first = (out / "summary.json").read_bytes()
    capsys.readouterr()
    assert main(["run", str(toy), "--out", str(out), "--seed", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--out" in err and str(out) in err
    assert (out / "summary.json").read_bytes() == first
    assert main(["run", str(toy), "--out", str(out), "--seed", "1", "--force"]) == 0
    assert json.loads((out / "summary.json").read_text())["seed"]["entropy"] == 1


def test_default_out_folder_is_under_results(tmp_path, write_toy, monkeypatch):
    # Run from a scratch working directory so nothing is written into the repository.
    monkeypatch.chdir(tmp_path)
    toy = write_toy(toy_doc())
    assert main(["run", str(toy), "--seed", "3"]) == 0
    assert (tmp_path / "results" / "toy-hold-seed3" / "summary.json").exists()
    shutil.rmtree(tmp_path / "results")


def test_negative_seed_is_refused_in_one_line(tmp_path, write_toy, capsys):
    assert main(["run", str(write_toy(toy_doc())), "--seed", "-1", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--seed" in err


def test_out_that_is_a_file_is_refused_in_one_line(tmp_path, write_toy, capsys):
    target = tmp_path / "a_file"
    target.write_text("not a folder")
    assert main(["run", str(write_toy(toy_doc())), "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--out" in err and str(target) in err
