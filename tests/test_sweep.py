"""Parameter sweeps: sweep files, design points run as batches, shards of a job array, real Dask
scheduler and worker processes on 127.0.0.1 (one of them killed mid-sweep), failed runs, job
scripts and the sweep report. Runs use the default scenario (~50 ms each), a few dozen per test."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from helpers import free_port

from sim import KurskModel
from sim.batch import run_batch
from sim.cluster import compaction_command
from sim.resources import DEFAULT_POSTERIOR
from sim.results_folder import FAILED, SHARDS
from sim.runs import run_seed
from sim.sensitivity import prcc, zero_crossing
from sim.sweep import load_sweep

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "configs" / "kursk_2024.toml"

SWEEP = """\
name = "small_sweep"
scenario = "{scenario}"
seed = 11

[[policies]]
name = "hold"

[[policies]]
name = "withdraw"

[design]
kind = "lhs"
points = {points}
replications = {reps}
seed = 3
[design.factors]
withdraw_date = {{ low = 2024-10-15, high = 2025-02-15 }}
drone_range_km = {{ low = 8.0, high = 16.0 }}
"""


def write_sweep(folder: Path, points: int = 3, reps: int = 2, text: str = SWEEP, name: str = "sweep.toml") -> Path:
    path = folder / name
    path.write_text(text.format(scenario=SCENARIO, points=points, reps=reps))
    return path


def cli_process(*args: str, timeout: float = 600, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, timeout=timeout,
                          env=env)


def same_results(a: Path, b: Path) -> None:
    for name in ("summary.parquet", "timeseries.parquet"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


# --- the sweep file and its runs -------------------------------------------------------------------

def test_every_point_runs_every_policy_as_a_batch_with_those_overrides_would(tmp_path):
    sweep = load_sweep(write_sweep(tmp_path))
    assert len(sweep.points) == 3 and [f.name for f in sweep.factors] == ["withdraw_date", "drone_range_km"]
    manifest = run_batch(sweep, tmp_path / "out", workers=1, progress=False)
    assert manifest["runs"] == 12 and manifest["failed"] == [] and manifest["design"]["kind"] == "lhs"
    s = pq.read_table(tmp_path / "out" / "summary.parquet").to_pydict()
    assert s["point"] == [0] * 4 + [1] * 4 + [2] * 4
    assert s["policy"][:4] == ["hold", "hold", "withdraw", "withdraw"]
    # A run at a point is the run of the scenario with the point's values, seeded by its replication
    # alone (common random numbers across policies and points).
    i = 7                                                  # point 1, withdraw, replication 1
    point = sweep.points[1]
    assert s["drone_range_km"][i] == point["drone_range_km"] and s["withdraw_date"][i] == point["withdraw_date"].isoformat()
    scenario = load_sweep(write_sweep(tmp_path)).experiment.scenarios["withdraw"].with_params(**point)
    alone = KurskModel(scenario, "withdraw", run_seed(sweep, 1)).run().summary()["final"]
    assert s["ua_losses"][i] == alone["ua_losses"] and s["ru_east_gain_km2"][i] == alone["ru_east_gain_km2"]


BAD_SWEEPS = [
    ('kind = "lhs"', 'kind = "sobol"', "design.kind"),
    ("points = 3", "points = 0", "design.points"),
    ("drone_range_km = { low = 8.0, high = 16.0 }", "drone_range_km = { low = 16.0, high = 8.0 }",
     "design.factors.drone_range_km"),
    ("drone_range_km = { low = 8.0, high = 16.0 }", "no_such_parameter = { low = 1.0, high = 2.0 }", "design"),
    ('[[policies]]\nname = "withdraw"', '[[policies]]\nname = "withdraw"\ndrone_range_km = 10.0',
     "design.factors.drone_range_km"),
    ("replications = 2", "replications = -1", "design.replications"),
    ("[design]", "[cluster]\nkind = \"lsf\"\n\n[design]", "cluster.kind"),
]


@pytest.mark.parametrize("old, new, field", BAD_SWEEPS)
def test_bad_sweep_files_are_refused_in_one_line(tmp_path, cli, old, new, field):
    good = SWEEP.format(scenario=SCENARIO, points=3, reps=2)
    text = good.replace(old, new)
    assert text != good
    path = tmp_path / "sweep.toml"
    path.write_text(text)
    result = cli("sweep", str(path), "--out", str(tmp_path / "out"))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and field in lines[0], lines
    assert not (tmp_path / "out").exists()


def test_check_validates_sweep_files_and_the_shipped_sweeps_pass(cli):
    for name, points in (("sweep_withdraw_date.toml", 63), ("sweep_uncertainty.toml", 65)):
        result = cli("check", str(ROOT / "experiments" / name))
        assert result.returncode == 0 and f"{points} design points" in result.stdout, result.stderr
    uncertainty = load_sweep(ROOT / "experiments" / "sweep_uncertainty.toml")
    assert uncertainty.kind == "nolh" and len(uncertainty.factors) >= 8
    dates = load_sweep(ROOT / "experiments" / "sweep_withdraw_date.toml")
    values = sorted({p["withdraw_date"].isoformat() for p in dates.points})
    assert values[0] == "2024-09-15" and values[-1] == "2025-03-15"


# --- shards of a job array ------------------------------------------------------------------------

def test_shards_then_compaction_equal_one_unsharded_sweep(tmp_path, cli):
    path = write_sweep(tmp_path)
    whole = cli("sweep", str(path), "--workers", "2", "--out", str(tmp_path / "whole"))
    assert whole.returncode == 0, whole.stderr
    for i in (1, 2, 3):
        part = cli("sweep", str(path), "--shard", f"{i}/3", "--workers", "1", "--out", str(tmp_path / "parts"))
        assert part.returncode == 0 and f"shard {i}/3 done" in part.stdout, part.stderr
        assert not (tmp_path / "parts" / "summary.parquet").exists()       # shards do not compact
    assert len(list((tmp_path / "parts" / SHARDS).glob("*.arrow"))) == 12
    final = cli("sweep", str(path), "--out", str(tmp_path / "parts"), "--resume")
    assert final.returncode == 0, final.stderr
    same_results(tmp_path / "whole", tmp_path / "parts")


def test_bad_shard_is_refused(tmp_path, cli):
    result = cli("sweep", str(write_sweep(tmp_path)), "--shard", "4/3")
    assert result.returncode == 2 and "--shard" in result.stderr and len(result.stderr.strip().splitlines()) == 1


# --- failures ------------------------------------------------------------------------------------

class _BrokenOnReplicationOne(KurskModel):
    """A model that raises in replication 1 (a bug or a bad corner of parameter space)."""

    def run(self, until=None):
        if self.seed_sequence.spawn_key == (1,):
            raise FloatingPointError("simulated failure in replication 1")
        return super().run(until)


def test_a_run_that_keeps_failing_is_retried_then_recorded_and_the_sweep_completes(tmp_path, monkeypatch):
    import sim.batch
    import sim.worker

    calls = []
    monkeypatch.setattr(sim.worker, "KurskModel", _BrokenOnReplicationOne)
    original = sim.worker.run_replication
    monkeypatch.setattr(sim.worker, "run_replication", lambda *a: calls.append(a[3]) or original(*a))
    sweep = load_sweep(write_sweep(tmp_path, points=2, reps=2))
    manifest = run_batch(sweep, tmp_path / "out", workers=1, progress=False)
    failed = sorted(manifest["failed"])
    assert failed == ["p0000__hold__r000001", "p0000__withdraw__r000001",
                      "p0001__hold__r000001", "p0001__withdraw__r000001"]
    record = json.loads((tmp_path / "out" / FAILED / f"{failed[0]}.json").read_text())
    assert record["attempts"] == 3 and "simulated failure" in record["error"]
    assert sum(1 for t in calls if t.replication == 1) == 2 * 3          # each failing task tried 3 times
    s = pq.read_table(tmp_path / "out" / "summary.parquet").to_pydict()
    assert len(s["run_id"]) == 8 and sum(e is not None for e in s["error"]) == 4
    from sim.report import write_report

    report = write_report(tmp_path / "out").path.read_text()
    assert "4 runs failed" in report


class _AlwaysBroken(KurskModel):
    def run(self, until=None):
        raise ValueError("broken everywhere")


def test_when_every_run_fails_the_results_are_still_readable_and_the_report_says_so(tmp_path, monkeypatch):
    import sim.batch
    import sim.worker
    from sim.report import write_report
    from sim.scenario import ScenarioError

    monkeypatch.setattr(sim.worker, "KurskModel", _AlwaysBroken)
    sweep = load_sweep(write_sweep(tmp_path, points=2, reps=1))
    manifest = run_batch(sweep, tmp_path / "out", workers=1, progress=False)
    assert len(manifest["failed"]) == 4
    assert pq.read_table(tmp_path / "out" / "timeseries.parquet").num_rows == 0     # a table, not a 0-byte file
    with pytest.raises(ScenarioError, match="no complete replications"):
        write_report(tmp_path / "out")


class _CrashOnReplicationOne(KurskModel):
    """A model whose replication 1 takes its worker process down with it (a segfault, an OOM kill)."""

    def run(self, until=None):
        if self.seed_sequence.spawn_key == (1,):
            os._exit(1)
        return super().run(until)


def test_a_run_that_kills_its_worker_is_isolated_and_only_its_runs_fail(tmp_path, monkeypatch):
    """A dead worker breaks the whole local pool and every unfinished chunk with it: the innocent
    tasks must run again unharmed, and only the culprit be recorded as failed."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import sim.batch
    import sim.worker

    monkeypatch.setattr(sim.worker, "KurskModel", _CrashOnReplicationOne)
    # Workers forked from this process carry the patched model (the fork server's would not).
    monkeypatch.setattr(sim.batch, "local_pool", lambda workers: ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork")))
    sweep = load_sweep(write_sweep(tmp_path, points=3, reps=4))
    manifest = run_batch(sweep, tmp_path / "out", workers=2, progress=False)
    assert sorted(manifest["failed"]) == sorted(f"p{p:04d}__{lab}__r000001" for p in range(3)
                                                for lab in ("hold", "withdraw"))
    record = json.loads((tmp_path / "out" / FAILED / "p0000__hold__r000001.json").read_text())
    assert record["attempts"] == 3 and "died" in record["error"]
    s = pq.read_table(tmp_path / "out" / "summary.parquet").to_pydict()
    assert sum(e is None for e in s["error"]) == 3 * 3 * 2


def test_shards_of_a_job_array_share_the_folder_with_temporary_files(tmp_path, cli):
    path = write_sweep(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / ".experiment.json.abc123.tmp").write_text("")    # another task's identity, half written
    result = cli("sweep", str(path), "--shard", "1/4", "--workers", "1", "--out", str(out))
    assert result.returncode == 0, result.stderr
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    refused = cli("sweep", str(path), "--shard", "1/4", "--out", str(tmp_path / "other"))
    assert refused.returncode == 2 and "notes.txt" in refused.stderr


def test_resume_never_shrinks_a_folder_run_with_more_replications(tmp_path, cli):
    path = write_sweep(tmp_path, points=2, reps=2)
    assert cli("sweep", str(path), "--runs", "3", "--workers", "1", "--out", str(tmp_path / "out")).returncode == 0
    again = cli("sweep", str(path), "--workers", "1", "--out", str(tmp_path / "out"), "--resume")
    assert again.returncode == 0, again.stderr
    assert len(pq.read_table(tmp_path / "out" / "summary.parquet").to_pydict()["run_id"]) == 2 * 3 * 2


def test_a_local_worker_killed_mid_sweep_is_replaced_and_every_row_arrives(tmp_path):
    import psutil

    path = write_sweep(tmp_path, points=4, reps=4)
    proc = subprocess.Popen([sys.executable, "-m", "sim", "sweep", str(path), "--workers", "2",
                             "--out", str(tmp_path / "out")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    shards = tmp_path / "out" / SHARDS
    deadline = time.time() + 120
    while time.time() < deadline and len(list(shards.glob("*.arrow"))) < 4:
        time.sleep(0.05)
    server = next(p for p in psutil.Process(proc.pid).children() if "forkserver" in " ".join(p.cmdline()))
    victims = [p.pid for p in server.children()]            # the pool's workers, forked by the server
    assert victims, "no pool worker found"
    os.kill(victims[0], signal.SIGKILL)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    s = pq.read_table(tmp_path / "out" / "summary.parquet").to_pydict()
    assert len(s["run_id"]) == 4 * 4 * 2 and all(e is None for e in s["error"])


# --- Dask: a real scheduler and two real workers on 127.0.0.1 ------------------------------------------

@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """`dask scheduler` and two `dask worker` processes (one process, one thread each, no nanny, so
    that a killed worker stays dead), all on 127.0.0.1. Shared by the tests below: the one that
    kills a worker comes last (and the byte-for-byte test would pass on the one left, too)."""
    pytest.importorskip("distributed")
    from helpers import dask_on_this_machine

    with dask_on_this_machine(2, tmp_path_factory.mktemp("dask-logs"), nanny=False) as (address, workers):
        yield address, workers


def test_a_sweep_on_a_real_dask_scheduler_matches_the_local_run_byte_for_byte(tmp_path, dask_cluster, cli):
    address, _ = dask_cluster
    path = write_sweep(tmp_path)
    local = cli("sweep", str(path), "--workers", "2", "--out", str(tmp_path / "local"))
    assert local.returncode == 0, local.stderr
    remote = cli_process("sweep", str(path), "--scheduler", address, "--out", str(tmp_path / "dask"))
    assert remote.returncode == 0, remote.stderr
    same_results(tmp_path / "local", tmp_path / "dask")


def test_a_dask_worker_killed_mid_sweep_loses_no_row(tmp_path, dask_cluster):
    address, workers = dask_cluster
    path = write_sweep(tmp_path, points=4, reps=4)
    proc = subprocess.Popen([sys.executable, "-m", "sim", "sweep", str(path), "--scheduler", address,
                             "--out", str(tmp_path / "out")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    shards = tmp_path / "out" / SHARDS
    deadline = time.time() + 120
    while time.time() < deadline and len(list(shards.glob("*.arrow"))) < 4:
        time.sleep(0.05)
    workers[0].send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert workers[0].poll() is not None                    # it really died, and stayed dead
    s = pq.read_table(tmp_path / "out" / "summary.parquet").to_pydict()
    assert len(s["run_id"]) == 4 * 4 * 2 and all(e is None for e in s["error"])


def test_an_unreachable_scheduler_is_a_one_line_error(tmp_path):
    pytest.importorskip("distributed")
    # Dask's own connect timeout (30 s by default), shortened: the error, not the wait, is under test.
    result = cli_process("sweep", str(write_sweep(tmp_path)), "--scheduler", f"tcp://127.0.0.1:{free_port()}",
                         timeout=120, env={**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"})
    assert result.returncode == 2 and "--scheduler" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# --- job scripts -----------------------------------------------------------------------------------

CLUSTER = """
[cluster]
kind = "slurm"
cores = 8
memory = "16GB"
walltime = "02:00:00"
account = "kursk-project"
jobs = 4
"""


def test_slurm_job_array_script_is_generated_without_slurm(tmp_path, cli):
    path = write_sweep(tmp_path, text=SWEEP + CLUSTER)
    result = cli("jobscript", str(path), "--array", "12", "--out", "/scratch/kursk/sweep")
    assert result.returncode == 0, result.stderr
    script = result.stdout
    for line in ("#!/bin/bash", "#SBATCH --array=1-12", "#SBATCH --cpus-per-task=8", "#SBATCH --mem=16GB",
                 "#SBATCH --time=02:00:00", "#SBATCH --account=kursk-project"):
        assert line + "\n" in script, line
    assert f"-m sim sweep {path} --shard \"${{SLURM_ARRAY_TASK_ID}}/12\"" in script
    assert "--out /scratch/kursk/sweep" in script
    subprocess.run(["bash", "-n"], input=script, text=True, check=True)          # valid shell
    assert "--output=kursk-sweep-sweep-%A_%a.log" in script                      # beside the job, not in --out
    assert script.rstrip().splitlines()[-1] == "#   " + compaction_command(path, "/scratch/kursk/sweep", workers=8)


def test_a_posterior_job_array_passes_the_posterior_to_every_task_and_to_the_compaction(tmp_path, cli):
    path = write_sweep(tmp_path, text=SWEEP + CLUSTER)
    result = cli("jobscript", str(path), "--array", "4", "--posterior", str(DEFAULT_POSTERIOR))
    assert result.returncode == 0, result.stderr
    task = next(line for line in result.stdout.splitlines() if "--shard" in line)
    assert task.endswith(f"--posterior {DEFAULT_POSTERIOR}")
    assert result.stdout.rstrip().splitlines()[-1].endswith(f"--resume --workers 8 --posterior {DEFAULT_POSTERIOR}")
    missing = cli("jobscript", str(path), "--posterior", str(tmp_path / "none.parquet"))
    assert missing.returncode == 2 and "none.parquet" in missing.stderr and missing.stdout == ""


def test_dask_jobqueue_slurm_script_from_the_cluster_table(tmp_path, cli):
    pytest.importorskip("dask_jobqueue")
    path = write_sweep(tmp_path, text=SWEEP + CLUSTER)
    result = cli("jobscript", str(path), "--dask")
    assert result.returncode == 0, result.stderr
    script = result.stdout
    assert "#SBATCH" in script and "kursk-project" in script and "02:00:00" in script
    assert "distributed.cli.dask_worker" in script or "dask worker" in script or "dask-worker" in script


# --- analysis -------------------------------------------------------------------------------------

def test_prcc_finds_a_monotone_effect_and_ignores_noise():
    rng = np.random.default_rng(0)
    x = rng.random((200, 3))
    y = np.exp(3 * x[:, 0]) - 2 * x[:, 1] ** 3                  # monotone in x0 (up) and x1 (down)
    r = prcc(x, y)
    # Independently: the partial correlation from the inverse of the Spearman correlation matrix
    # of (factors, outcome), -P_iy / sqrt(P_ii P_yy).
    from scipy.stats import spearmanr
    inverse = np.linalg.inv(spearmanr(np.column_stack([x, y])).statistic)
    expected = [-inverse[j, 3] / np.sqrt(inverse[j, j] * inverse[3, 3]) for j in range(3)]
    assert [d["prcc"] for d in r] == pytest.approx(expected, abs=1e-9)
    assert r[0]["prcc"] > 0.95 and r[1]["prcc"] < -0.5
    assert prcc(x, x[:, 2] ** 3)[2]["prcc"] == pytest.approx(1.0)           # a monotone function of one factor
    assert abs(r[2]["prcc"]) < 3 / np.sqrt(200)                   # x2 does not enter: within ~3 s.e. of 0
    assert r[0]["p"] < 1e-10 and r[2]["p"] > 0.001
    assert r[0]["lo"] < r[0]["prcc"] < r[0]["hi"]
    assert zero_crossing(np.array([0.0, 1, 2, 3]), np.array([-3.0, -1, 1, 3])) == pytest.approx((1.5, 2.0))
    assert zero_crossing(np.array([0.0, 1, 2]), np.array([1.0, 2, 3])) is None


def test_sweep_report_has_points_ranking_map_and_words(tmp_path, cli):
    path = write_sweep(tmp_path, points=4, reps=3)
    result = cli("sweep", str(path), "--workers", "2", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    report = (tmp_path / "out" / "report.md").read_text()
    assert "### Per design point" in report and report.count("\n| ") >= 4
    assert "PRCC" in report and "`withdraw_date`" in report and "`drone_range_km`" in report
    assert "### In words" in report and "design points" in report
    png = tmp_path / "out" / "decision_map_withdraw.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    png.unlink()
    again = cli("report", str(tmp_path / "out"), "--map", "drone_range_km,withdraw_date")
    assert again.returncode == 0 and png.exists(), again.stderr
    assert "over `drone_range_km` and `withdraw_date`" in (tmp_path / "out" / "report.md").read_text()
    bad = cli("report", str(tmp_path / "out"), "--map", "drone_range_km,nope")
    assert bad.returncode == 2 and "--map" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
