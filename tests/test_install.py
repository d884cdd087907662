"""A non-editable install works from any folder: the wheel carries the shipped scenario, posterior,
record, border and experiments (sim/_shipped, package data), and `kursk-sim` finds them there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from toy_scenario import ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict]:
    """The project built as a wheel and installed (without dependencies: the test venv has them) into
    a folder of its own; returns that folder and the environment that imports it instead of the checkout."""
    tmp = tmp_path_factory.mktemp("install")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp / "wheel")],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    wheel = next((tmp / "wheel").glob("kursk_sim-*.whl"))
    site = tmp / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    env = {**os.environ, "PYTHONPATH": str(site)}
    return site, env


def kursk_sim(installed, *args, cwd: Path) -> subprocess.CompletedProcess:
    site, env = installed
    return subprocess.run([str(site / "bin" / "kursk-sim"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_wheel_runs_the_shipped_scenario_from_any_folder(installed, tmp_path):
    site, env = installed
    where = subprocess.run([sys.executable, "-c", "import sim.resources as r; print(r.__file__, r.DEFAULT_SCENARIO)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True)
    module, scenario = where.stdout.split()
    assert Path(module).is_relative_to(site) and Path(scenario).is_relative_to(site)    # not the checkout's
    assert Path(scenario).is_file() and not Path(scenario).is_symlink()

    plain = kursk_sim(installed, "run", "--out", "plain", "--seed", "3", cwd=tmp_path)             # no file given
    named = kursk_sim(installed, "run", "kursk_2024", "--out", "named", "--seed", "3", cwd=tmp_path)   # a bare name
    assert plain.returncode == 0 and named.returncode == 0, plain.stderr + named.stderr
    checkout = subprocess.run([sys.executable, "-m", "sim", "run", str(ROOT / "configs" / "kursk_2024.toml"),
                               "--out", str(tmp_path / "checkout"), "--seed", "3"], capture_output=True, text=True, cwd=ROOT)
    assert checkout.returncode == 0, checkout.stderr
    final = [json.loads((tmp_path / d / "summary.json").read_text())["final"] for d in ("plain", "named", "checkout")]
    assert final[0] == final[1] == final[2]


def test_the_wheel_checks_a_shipped_scenario_by_name_and_refuses_an_unknown_one(installed, tmp_path):
    ok = kursk_sim(installed, "check", "kursk_2024", cwd=tmp_path)
    assert ok.returncode == 0 and "ok: scenario 'kursk_2024'" in ok.stdout and "4 variants" in ok.stdout, ok.stderr
    bad = kursk_sim(installed, "check", "kursk_2025", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.strip() == "error: kursk_2025: <file>: no such file"
