"""Cluster sweeps on a real SLURM: a job array from `python -m sim jobscript` and `sweep --cluster`
(dask_jobqueue's SLURMCluster) give the local sweep's files byte for byte; an array task killed
mid-run with scancel loses nothing once `--resume` has run; and `--resume` after an array whose
tasks all finished only compacts.

They submit real jobs to the SLURM that `sinfo` answers for: SLURM_CONF, or else the single-node
cluster that tests/cluster/slurm-up starts on this machine (config in $KURSK_SLURM_DIR, default
/tmp/kursk-slurm; .ci/run starts it). Where no SLURM answers they skip and say why
(KURSK_SLURM_TESTS=skip skips them anyway). On a real cluster, set KURSK_SLURM_TEST_DIR to a folder
on storage the compute nodes see. About 40 s on 2 otherwise idle cores.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sim.cluster import compaction_command

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "configs" / "kursk_2024.toml"
WAIT_S = 240            # the longest wait for any one job or command (the module takes ~40 s)

# experiments/sweep_withdraw_date.toml cut down to 2 x 2 design points and 6 replications
# (48 runs), with a [cluster] table small enough for a 2-core node.
SWEEP = """\
name = "slurm_withdraw_date"
scenario = "{scenario}"
seed = 20240806

[[policies]]
name = "hold"

[[policies]]
name = "withdraw"

[design]
kind = "full_factorial"
replications = 6
[design.factors]
withdraw_date = [2024-11-15, 2025-02-15]
ua_troops_kursk = [10000, 30000]

[cluster]
kind = "slurm"
cores = 1
memory = "1GB"
walltime = "00:10:00"
jobs = 2
"""
RUNS = 2 * 2 * 6 * 2           # design points x replications x policies


# --- talking to SLURM ---------------------------------------------------------------------------------

class Slurm:
    """The SLURM commands, with the environment that finds the cluster (SLURM_CONF)."""

    def __init__(self, env: dict[str, str]):
        self.env = env

    def run(self, *args: str, cwd: Path | None = None, check: bool = True, timeout: float = 60):
        result = subprocess.run(list(args), capture_output=True, text=True, env=self.env, cwd=cwd, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"{shlex.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
        return result

    def submit(self, *args: str, cwd: Path) -> str:
        """sbatch --parsable ARGS in `cwd`; the job id."""
        return self.run("sbatch", "--parsable", *args, cwd=cwd).stdout.strip().split(";")[0]

    def active(self, *jobs: str) -> list[str]:
        """The states of those jobs (or array tasks) still pending, running or completing."""
        result = self.run("squeue", "-h", "-o", "%T", "-j", ",".join(jobs), check=False)
        return result.stdout.split() if result.returncode == 0 else []     # unknown: long finished

    def states(self, job: str) -> dict[str, str]:
        """Job state of a finished job, or of each task of an array ('1': 'COMPLETED', ...)."""
        out = {}
        for line in self.run("scontrol", "-o", "show", "job", job).stdout.splitlines():
            fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
            out[fields.get("ArrayTaskId", "")] = fields["JobState"]
        return out

    def wait(self, *jobs: str, logs: Path, timeout: float = WAIT_S) -> None:
        deadline = time.monotonic() + timeout
        while self.active(*jobs):
            if time.monotonic() > deadline:
                tails = "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in sorted(logs.glob("*.log")))
                raise AssertionError(f"jobs {', '.join(jobs)} still {self.active(*jobs)} after {timeout} s\n{tails}")
            time.sleep(0.25)

    def cancel_under(self, folder: Path) -> None:
        """Cancel every job that runs in `folder` (this test's), finished or not: never another's."""
        listing = self.run("squeue", "-h", "-o", "%A %Z", check=False).stdout.splitlines()
        mine = [job for job, _, workdir in (line.partition(" ") for line in listing)
                if Path(workdir) == folder or folder in Path(workdir).parents]
        if mine:
            self.run("scancel", *mine, check=False)


@pytest.fixture(scope="module")
def slurm() -> Slurm:
    if os.environ.get("KURSK_SLURM_TESTS") == "skip":
        pytest.skip("KURSK_SLURM_TESTS=skip")
    env = dict(os.environ)
    if "SLURM_CONF" not in env:          # the single-node cluster of tests/cluster/slurm-up, if it is there
        conf = Path(os.environ.get("KURSK_SLURM_DIR", "/tmp/kursk-slurm")) / "slurm.conf"
        if conf.exists():
            env["SLURM_CONF"] = str(conf)
    if shutil.which("sbatch") is None:
        pytest.skip("SLURM is absent: no sbatch on PATH (tests/cluster/slurm-up installs and starts a "
                    "single-node SLURM; docs/cluster.md)")
    where = f"SLURM_CONF={env.get('SLURM_CONF', '(SLURM default)')}"
    try:
        info = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True, env=env, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.skip(f"no SLURM controller answers ({where}): sinfo timed out; start one with tests/cluster/slurm-up")
    if info.returncode != 0:
        last = (info.stderr.strip().splitlines() or ["(no message)"])[-1]
        pytest.skip(f"no SLURM controller answers ({where}): {last}; start one with tests/cluster/slurm-up")
    if not {"idle", "mix", "alloc", "comp"} & set(info.stdout.split()):
        pytest.skip(f"SLURM answers ({where}) but no node takes jobs: {info.stdout.split()}")
    # dask_jobqueue's scheduler and workers talk over loopback (one node), not over the network.
    env["DASK_JOBQUEUE__SLURM__INTERFACE"] = "lo"
    return Slurm(env)


@pytest.fixture(scope="module")
def work(slurm, tmp_path_factory) -> Path:
    """This module's folder: the sweep file, every results folder and every job's log."""
    shared = os.environ.get("KURSK_SLURM_TEST_DIR")
    if shared:
        folder = Path(shared).resolve() / f"kursk-slurm-test-{os.getpid()}"
        folder.mkdir(parents=True)
        return folder
    return tmp_path_factory.mktemp("slurm").resolve()


@pytest.fixture(scope="module")
def sweep_file(work) -> Path:
    path = work / "sweep.toml"
    path.write_text(SWEEP.format(scenario=SCENARIO))
    return path


def sim(slurm: Slurm, *args, cwd: Path = ROOT, timeout: float = WAIT_S) -> subprocess.CompletedProcess:
    """`python -m sim ARGS` with the interpreter that runs the tests (the project's venv)."""
    return slurm.run(sys.executable, "-m", "sim", *map(str, args), cwd=cwd, check=False, timeout=timeout)


@pytest.fixture(scope="module")
def local(slurm, sweep_file, work):
    """The same sweep run locally: what every cluster run must give byte for byte. It starts at once
    in the background (the cores are free while jobs wait to be scheduled or to import the model);
    local() waits for it and gives its folder."""
    out, log = work / "local", work / "local.log"
    with open(log, "w") as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "sim", "sweep", str(sweep_file), "--workers", "2", "--out",
                                 str(out)], stdout=subprocess.DEVNULL, stderr=stderr, cwd=ROOT, env=slurm.env)

    def finished() -> Path:
        assert proc.wait(timeout=WAIT_S) == 0, log.read_text()[-3000:]
        return out
    yield finished
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def same_results(a: Path, b: Path) -> None:
    for name in ("summary.parquet", "timeseries.parquet"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), f"{name} differs: {a} and {b}"


def every_row(out: Path) -> None:
    summary = pq.read_table(out / "summary.parquet").to_pydict()
    assert len(summary["run_id"]) == RUNS and all(e is None for e in summary["error"])


def files(folder: Path) -> dict[str, tuple[int, int]]:
    """Each file's (mtime in ns, inode): a file written again, even with the same bytes, differs."""
    return {p.name: (p.stat().st_mtime_ns, p.stat().st_ino) for p in sorted(folder.iterdir()) if p.is_file()}


def submit_array(slurm: Slurm, sweep_file: Path, folder: Path, tasks: int, *sbatch_options: str, hold: bool = False):
    """The recipe of docs/cluster.md: the job array of `sim jobscript`, and the compaction as a job
    that waits for it (afterany: it runs however the tasks ended); `hold`: the compaction waits for
    `scontrol release` too. Returns (array job, compaction job, results folder)."""
    out = folder / "out"
    script = sim(slurm, "jobscript", sweep_file, "--array", tasks, "--out", out)
    assert script.returncode == 0, script.stderr
    assert f"{shlex.quote(sys.executable)} -m sim sweep" in script.stdout      # the tasks run this venv's python
    (folder / "sweep.sbatch").write_text(script.stdout)
    array = slurm.submit(*sbatch_options, "sweep.sbatch", cwd=folder)
    compaction = slurm.submit(*(["--hold"] if hold else []), f"--dependency=afterany:{array}",
                              f"--output={folder}/compaction-%j.log", "--wrap", compaction_command(sweep_file, out),
                              cwd=folder)
    return array, compaction, out


# --- the job array, end to end --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def array(slurm, sweep_file, work, local):
    """`sim jobscript --array 4` submitted with sbatch, and its compaction job; both finished. The
    shards' (mtime, inode) are noted between the two: the compaction is held until then."""
    folder = work / "array"
    folder.mkdir()
    try:
        job, compaction, out = submit_array(slurm, sweep_file, folder, 4, hold=True)
        slurm.wait(job, logs=folder)
        shards = files(out / "shards")
        slurm.run("scontrol", "release", compaction)
        slurm.wait(compaction, logs=folder)
        return {"folder": folder, "out": out, "tasks": slurm.states(job), "compaction": slurm.states(compaction)[""],
                "shards_before": shards}
    finally:
        slurm.cancel_under(folder)


def test_a_job_array_from_jobscript_gives_the_local_sweep_byte_for_byte(array, local):
    assert array["tasks"] == {str(i): "COMPLETED" for i in (1, 2, 3, 4)}, array["tasks"]
    for i in (1, 2, 3, 4):          # each task ran its own shard, and none compacted
        log = next(array["folder"].glob(f"kursk-sweep-sweep-*_{i}.log")).read_text()
        assert f"shard {i}/4 done" in log, log
    assert array["compaction"] == "COMPLETED"
    same_results(local(), array["out"])
    every_row(array["out"])


def test_resume_after_an_array_whose_tasks_all_finished_only_compacts(array):
    out, before = array["out"], array["shards_before"]
    assert len(before) == RUNS and not (out / "failed").exists()
    assert array["compaction"] == "COMPLETED" and (out / "summary.parquet").exists()
    # The compaction job (--resume) ran no run again: not one shard was written anew, none added.
    assert files(out / "shards") == before
    every_row(out)


# --- a task killed mid-run ----------------------------------------------------------------------------

def victims_shards(shards: Path) -> list[Path]:
    """The shards of task 1 of 2. `--shard I/N` runs every N-th (design point, replication) pair,
    in order, from the I-th: with 6 replications a point, task 1 runs the even replications."""
    return [p for p in shards.glob("*.arrow") if int(p.stem.rsplit("__r", 1)[1]) % 2 == 0]


def test_an_array_task_cancelled_mid_run_loses_no_row_after_resume(slurm, sweep_file, work, local):
    folder = work / "cancelled"
    folder.mkdir()
    try:
        # Two tasks of 24 runs each; task 1 is cancelled once it has written some of its shards.
        job, compaction, out = submit_array(slurm, sweep_file, folder, 2)
        victim, shards = f"{job}_1", out / "shards"
        deadline, polls = time.monotonic() + WAIT_S, 0
        while not (shards.is_dir() and victims_shards(shards)):
            assert time.monotonic() < deadline, f"task 1 wrote no shard in {WAIT_S} s"
            polls += 1
            if polls % 25 == 0:
                assert slurm.active(victim), "task 1 ended without writing a shard"
            time.sleep(0.02)
        slurm.run("scancel", victim)
        while slurm.active(victim):
            time.sleep(0.05)
        written = len(victims_shards(shards))
        slurm.wait(job, compaction, logs=folder)
        tasks = slurm.states(job)
    finally:
        slurm.cancel_under(folder)
    assert tasks == {"1": "CANCELLED", "2": "COMPLETED"}, tasks
    assert 0 < written < RUNS // 2, f"task 1 had written {written} of its {RUNS // 2} runs when it was cancelled"
    assert "CANCELLED" in next(folder.glob("kursk-sweep-sweep-*_1.log")).read_text()
    assert slurm.states(compaction)[""] == "COMPLETED"
    every_row(out)
    same_results(local(), out)


# --- --cluster: dask_jobqueue's SLURMCluster ------------------------------------------------------------

def test_cluster_runs_the_sweep_on_slurm_jobs_and_gives_the_local_sweep_byte_for_byte(slurm, sweep_file, work, local):
    folder = work / "dask"
    folder.mkdir()
    try:
        # The driver runs here (the login node); the [cluster] table's 2 worker jobs go through sbatch.
        result = sim(slurm, "sweep", sweep_file, "--cluster", "--out", folder / "out", cwd=folder)
        assert result.returncode == 0, result.stderr[-3000:]
        deadline = time.monotonic() + 60           # the worker jobs end with the sweep
        while (left := slurm.run("squeue", "-h", "-o", "%A %Z", check=False).stdout) and str(folder) in left:
            assert time.monotonic() < deadline, f"worker jobs left running after the sweep: {left}"
            time.sleep(0.25)
    finally:
        slurm.cancel_under(folder)
    logs = [p.read_text() for p in folder.glob("slurm-*.out")]
    assert any("Registered to" in log for log in logs), "no dask worker job registered with the sweep's scheduler"
    same_results(local(), folder / "out")
    every_row(folder / "out")
