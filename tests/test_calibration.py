"""Calibration (sim/calibration.py): the ABC recovers what made the data, runs are seeded by the
particle's identity (same posterior on 1 or 2 workers, and after a resume), bad files are refused."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from toy_scenario import DEFAULT_CONFIG, ROOT

from sim.calibration import (
    Distance,
    Target,
    calibrate,
    load_calibration,
    observations,
    reported_points,
    run_model,
    statistics,
)
from sim.calibration_report import weighted_quantile
from sim.cli import main
from sim.executors import InProcess, local_pool

PROJECT = ROOT / "experiments" / "calibrate.toml"


def calibration_file(path: Path, record: Path, *, parameters: str, until: str = "2024-11-28",
                     population: int = 40, generations: int = 4, predictive_runs: int = 4,
                     targets: str = 'ua_kursk_area_km2 = { scale = 50.0, weight = 1.0, source = "test" }\n') -> Path:
    path.write_text(f"""name = "synthetic"
scenario = "{DEFAULT_CONFIG}"
record = "{record}"
seed = 11
population = {population}
generations = {generations}
until = {until}
predictive_runs = {predictive_runs}

[targets]
{targets}
[parameters]
{parameters}
""")
    return path


def lognormal(name: str, median: float, sigma: float) -> str:
    return f'{name} = {{ prior = "lognormal", median = {median}, sigma = {sigma}, source = "test" }}\n'


def synthetic_record(path: Path, truth: dict, dates: list[dt.date], month_ends: tuple[dt.date, ...] = (),
                     seed: int = 5) -> Path:
    """What the model itself reports under the parameters `truth`: the held area on `dates`, the
    eastern gains of the months ending on `month_ends`."""
    from sim import load_scenario

    scenario = load_scenario(DEFAULT_CONFIG)
    model = run_model(scenario, truth, np.random.SeedSequence(seed), max(dates + list(month_ends)))
    points = [(d, "ua_kursk_area_km2") for d in dates] + [(d, "ru_east_gain_month_km2") for d in month_ends]
    values = statistics(model.records, model.columns, scenario.start, [f"{m}@{d.isoformat()}" for d, m in points])
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["date", "metric", "value", "unit", "source"])
        for d, m in points:
            w.writerow([d.isoformat(), m, values[f"{m}@{d.isoformat()}"], "km2", "synthetic: the model itself"])
    return path


@pytest.fixture(scope="module")
def two_workers():
    """Two local worker processes, shared by this module's tests: each imports pyabc (~5 s) when
    it meets its first particle, and does so once."""
    with local_pool(2) as pool:
        yield pool


def test_abc_recovers_the_parameters_that_made_the_data(tmp_path, two_workers):
    """Data made by the model at known parameters: each lies inside its posterior's 90% interval,
    and the posterior is narrower than the prior (the data inform it: the held area mostly the
    advance rule, the eastern gains mostly the attrition coefficient). Ten weeks of data, population
    30 and four generations keep the test near 10 s on two cores (intervals at 0.53 and 0.33 of the
    prior's); the seeds are fixed, so the outcome is too."""
    truth = {"attrition_coefficient": 0.0042, "advance_km2_per_day": 3.0}
    dates = [dt.date(2024, 8, 30) + dt.timedelta(days=10 * i) for i in range(7)]
    months = (dt.date(2024, 9, 30), dt.date(2024, 10, 31))
    record = synthetic_record(tmp_path / "record.csv", truth, dates, months)
    targets = "".join(f'{m} = {{ scale = {s}, weight = 1.0, source = "test" }}\n'
                      for m, s in (("ua_kursk_area_km2", 50.0), ("ru_east_gain_month_km2", 50.0)))
    cal = load_calibration(calibration_file(
        tmp_path / "cal.toml", record, population=30, generations=4, until="2024-10-31", targets=targets,
        parameters=lognormal("attrition_coefficient", 0.003, 0.6) + lognormal("advance_km2_per_day", 2.25, 0.5)))
    # both cores (the same posterior as in process: the test below)
    summary = calibrate(cal, tmp_path / "out", two_workers, progress=False)
    for p in summary["posterior"]:
        assert p["low"] <= truth[p["name"]] <= p["high"], p
        assert p["high"] - p["low"] < 0.7 * (p["prior_95"] - p["prior_05"]), p
    for name in ("posterior.parquet", "calibration.md", "marginals.png", "pairs.png", "predictive.png"):
        assert (tmp_path / "out" / name).stat().st_size > 0


def tiny_calibration(tmp_path):
    """Six particles, two generations, one parameter, to September: seconds, for seeding checks."""
    record = synthetic_record(tmp_path / "record.csv", {}, [dt.date(2024, 9, 10), dt.date(2024, 9, 25)])
    return load_calibration(calibration_file(
        tmp_path / "cal.toml", record, until="2024-09-25", population=6, generations=2, predictive_runs=2,
        parameters=lognormal("attrition_coefficient", 0.003, 0.6)))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The tiny calibration and its posterior run in this process: what every executor must give."""
    folder = tmp_path_factory.mktemp("tiny")
    cal = tiny_calibration(folder)
    calibrate(cal, folder / "one", InProcess(), progress=False)
    return cal, pq.read_table(folder / "one" / "posterior.parquet")


def test_posterior_is_the_same_on_one_or_two_workers_and_after_a_resume(tmp_path, tiny, two_workers):
    cal, one = tiny
    calibrate(cal.with_options(generations=1), tmp_path / "two", two_workers, progress=False)
    with pytest.raises(Exception, match="--resume"):
        calibrate(cal, tmp_path / "two", two_workers, progress=False)        # never overwritten silently
    calibrate(cal, tmp_path / "two", two_workers, resume=True, progress=False)
    two = pq.read_table(tmp_path / "two" / "posterior.parquet")
    assert one.schema.metadata[b"generation"] == b"1"
    assert one.equals(two)


def test_posterior_is_the_same_on_a_real_dask_cluster(tmp_path, tiny):
    """A scheduler and two single-threaded workers on 127.0.0.1 (separate processes): the particles
    land on whichever worker is free, the posterior is the driver's alone."""
    from helpers import dask_on_this_machine

    from sim.executors import dask_executor

    cal, one = tiny
    with dask_on_this_machine(2, tmp_path / "logs", nanny=False) as (address, _):
        with dask_executor(address) as executor:
            calibrate(cal, tmp_path / "dask", executor, progress=False)
    assert one.equals(pq.read_table(tmp_path / "dask" / "posterior.parquet"))


def test_until_on_the_command_line_holds_points_out(tmp_path, capsys):
    cal = load_calibration(PROJECT).with_options(until=dt.date(2024, 12, 31))
    assert cal.until == dt.date(2024, 12, 31)
    assert main(["calibrate", str(PROJECT), "--until", "2024-06-01", "--out", str(tmp_path / "o")]) == 2
    assert "--until" in capsys.readouterr().err
    assert main(["calibrate", str(PROJECT), "--until", "soon", "--out", str(tmp_path / "o")]) == 2
    assert "--until" in capsys.readouterr().err


def test_distance_weighs_each_series_by_its_scale_and_weight():
    d = Distance((Target("ua_kursk_area_km2", 50.0, 4.0), Target("nk_losses", 500.0, 1.0)),
                 ["ua_kursk_area_km2@2024-12-31", "nk_losses@2024-12-19"])
    x0 = {"ua_kursk_area_km2@2024-12-31": 483.0, "nk_losses@2024-12-19": 1100.0}
    assert d(x0, x0) == 0.0
    # 50 km² off counts 4 (weight 4 on one scale unit), 500 NK losses off counts 1: sqrt(4 + 1)
    x = {"ua_kursk_area_km2@2024-12-31": 533.0, "nk_losses@2024-12-19": 1600.0}
    assert d(x, x0) == pytest.approx(5.0 ** 0.5)


def test_points_after_until_are_held_out_and_first_month_is_pro_rata():
    cal = load_calibration(PROJECT)
    scenario = cal.scenario()
    fitted = observations(cal, scenario)
    everything = dict((k, v) for k, v, _ in reported_points(cal, scenario, until=None))
    assert set(fitted) <= set(everything)
    # August 2024 from the 21st: 11 of 31 days of the reported 477 km²
    assert everything["ru_east_gain_month_km2@2024-08-31"] == pytest.approx(477 * 11 / 31)
    from dataclasses import replace
    held = observations(replace(cal, until=dt.date(2024, 12, 31)), scenario)
    assert held and all(k.partition("@")[2] <= "2024-12-31" for k in held)
    assert "ua_kursk_area_km2@2025-03-31" in everything and "ua_kursk_area_km2@2025-03-31" not in held


def test_weighted_quantile_follows_the_weights():
    x = np.array([1.0, 2.0, 3.0])
    assert weighted_quantile(x, np.array([1.0, 1.0, 1.0]), 0.5) == pytest.approx(2.0)
    assert weighted_quantile(x, np.array([0.0, 0.0, 1.0]), 0.5) == pytest.approx(3.0)


def edit(text: str, pattern: str, replacement: str) -> str:
    new = re.sub(pattern, replacement, text, count=1, flags=re.M)
    assert new != text, pattern
    return new


BAD = {
    "unknown key": (r"^seed = ", "colour = 1\nseed = ", "colour"),
    "population": (r"^population = \d+", "population = 0", "population"),
    "prior kind": (r'^attacker_exposure = \{ prior = "uniform"', 'attacker_exposure = { prior = "triangular"',
                   "parameters.attacker_exposure.prior"),
    "unknown parameter": (r"^ru_quality = ", "morale = ", "parameters.morale"),
    "no source": (r'(^breakthrough_ratio = .*), source = "[^"]*" \}', r"\1 }", "parameters.breakthrough_ratio.source"),
    "uniform bounds": (r"^attacker_exposure = \{ prior = \"uniform\", low = 1.5, high = 4.0",
                       'attacker_exposure = { prior = "uniform", low = 4.0, high = 1.5', "parameters.attacker_exposure.high"),
    "invalid draws": (r"^ru_quality = \{ prior = \"uniform\", low = 0.6", 'ru_quality = { prior = "uniform", low = -0.5',
                      "parameters.ru_quality.prior"),
    "metric": (r"^nk_losses = ", "morale = ", "targets.morale"),
    "scale": (r"^nk_losses = \{ scale = 500.0", "nk_losses = { scale = 0", "targets.nk_losses.scale"),
    "target source": (r'(^nk_losses = .*), source = "[^"]*" \}', r"\1 }", "targets.nk_losses.source"),
    "until": (r"^seed = ", "until = 2026-01-01\nseed = ", "until"),
    "a date parameter": (r"^drone_range_km = ", "nk_arrival = ", "parameters.nk_arrival"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_calibration_file_is_refused_in_one_line(case, tmp_path, capsys):
    pattern, replacement, field = BAD[case]
    text = PROJECT.read_text().replace('"../', f'"{ROOT}/')
    bad = tmp_path / "bad.toml"
    bad.write_text(edit(text, pattern, replacement))
    assert main(["calibrate", str(bad), "--workers", "1", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert str(bad) in err and field in err, err
    assert not (tmp_path / "out").exists()


def test_bad_size_on_the_command_line_is_refused(tmp_path, capsys):
    assert main(["calibrate", str(PROJECT), "--generations", "0", "--out", str(tmp_path / "o")]) == 2
    assert "--generations" in capsys.readouterr().err


def test_the_project_calibration_file_is_valid():
    cal = load_calibration(PROJECT)
    assert len(cal.priors) >= 8 and cal.targets[0].metric == "ua_kursk_area_km2"
    assert cal.targets[0].weight == max(t.weight for t in cal.targets)     # the area course leads
