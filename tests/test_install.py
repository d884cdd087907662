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


def start_kursk_sim(installed, *args, cwd: Path) -> subprocess.Popen:
    site, env = installed
    return subprocess.Popen([str(site / "bin" / "kursk-sim"), *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(proc: subprocess.Popen) -> subprocess.CompletedProcess:
    out, err = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_the_wheel_runs_the_shipped_scenario_from_any_folder(installed, tmp_path, cli):
    site, env = installed
    where = subprocess.run([sys.executable, "-c", "import sim.resources as r; print(r.__file__, r.DEFAULT_SCENARIO)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True)
    module, scenario = where.stdout.split()
    assert Path(module).is_relative_to(site) and Path(scenario).is_relative_to(site)    # not the checkout's
    assert Path(scenario).is_file() and not Path(scenario).is_symlink()

    plain = start_kursk_sim(installed, "run", "--out", "plain", "--seed", "3", cwd=tmp_path)         # no file given
    named = start_kursk_sim(installed, "run", "kursk_2024", "--out", "named", "--seed", "3", cwd=tmp_path)  # a bare name
    # The checkout's run, in this process, while the two installed ones run.
    checkout = cli("run", ROOT / "configs" / "kursk_2024.toml", "--out", tmp_path / "checkout", "--seed", "3")
    assert checkout.returncode == 0, checkout.stderr
    plain, named = finished(plain), finished(named)
    assert plain.returncode == 0 and named.returncode == 0, plain.stderr + named.stderr
    final = [json.loads((tmp_path / d / "summary.json").read_text())["final"] for d in ("plain", "named", "checkout")]
    assert final[0] == final[1] == final[2]


def test_the_wheel_checks_a_shipped_scenario_by_name_and_refuses_an_unknown_one(installed, tmp_path):
    ok, bad = (start_kursk_sim(installed, "check", name, cwd=tmp_path) for name in ("kursk_2024", "kursk_2025"))
    ok, bad = finished(ok), finished(bad)
    assert ok.returncode == 0 and "ok: scenario 'kursk_2024'" in ok.stdout and "4 variants" in ok.stdout, ok.stderr
    assert bad.returncode == 2 and bad.stderr.strip() == "error: kursk_2025: <file>: no such file"
