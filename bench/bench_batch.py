"""Benchmark: the Monte Carlo batch runner (issue 3), against `mesa.batch_run`.

    python bench/bench_batch.py [--runs 1000] [--workers 2] [--repeat 3] [--mem-runs 100,300,1000] [--skip-mesa]

Goal: `--runs` paired replications of the default scenario (policies `hold` and
`withdraw_2025-01-15`, so 2 x runs simulations) in at most 60 s on the 2-core project machine, and the
driver's peak memory flat as the number of runs grows (results stream to disk as shards).

What is measured, each in a fresh subprocess so that start-up counts:

1. ours, timed: `python -m sim batch EXP --runs N --workers W --out DIR` (EXP: the default scenario
   by absolute path, policies `hold` and `withdraw_2025-01-15`, root seed 20240806), `--repeat`
   times: wall time end to end (start-up, runs, compaction, report), the batch's own manifest
   wall_time_s, and the CPU time of the whole process tree. CPU comes from RUSAGE_CHILDREN with this
   process made a child subreaper (prctl), so a forkserver the driver never waits for, and the
   workers it forked, are reaped here and counted.
2. ours, memory: the same batch, the code of `sim.cli.cmd_batch` run in-process by a child of this
   script, for N in `--mem-runs`. The child reports `resource.getrusage(RUSAGE_SELF).ru_maxrss`
   after imports, after the runs (as compaction starts), after `run_batch` (compaction done) and
   after `write_report`: the driver's
   own high-water mark, without the pool workers, which are other processes. It also times the
   phases. Every run is also under `/usr/bin/time -v` when installed (apt package `time`), whose
   "Maximum resident set size" is given as a cross-check only: Linux reports for it the maximum of
   the process and of the descendants it has reaped, so it is the driver's only when no worker
   (nor forkserver) is reaped by the driver or is larger than it.
3. `mesa.batch_run` (Mesa 3.5): the same runs, `number_processes=W`, `rng=[None]` (what the
   deprecated `iterations=1` stands for), `data_collection_period=-1`, `max_steps=10_000`, with
   `BatchRunKursk` below as the model class: parameters `policy` (a label of the experiment) and
   `replication`, seed SeedSequence(20240806, spawn_key=(replication,)), exactly as sim.batch.
   batch_run requires a `model.datacollector` (AttributeError without one), so the wrapper carries
   a minimal mesa.DataCollector of three final metrics (ua_losses, ua_kursk_area_km2,
   ru_east_gain_km2), collected once, on the last day. batch_run keeps its results in memory and
   writes nothing; ours writes every run's daily series and a report. Timed like ours, end to end
   and inside batch_run; its driver's RUSAGE_SELF peak is reported; its final metrics are checked
   against ours, run by run.

Timed runs of ours and of batch_run alternate (ours, mesa, ours, mesa, ...) so that both see the same
background load. Before each measurement the script waits (at most `--quiet-wait` s) for other
processes to use under 0.3 cores, and it prints the load others put on the machine during each
measurement (busy CPU from /proc/stat minus the measured tree's CPU, in cores).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))      # measure the code of the checkout this script is in (workers inherit it)

import numpy as np
from mesa import DataCollector

from sim.model import COLUMNS, KurskModel
from sim.scenario import load_scenario

SCENARIO = ROOT / "configs" / "kursk_2024.toml"
ROOT_SEED = 20240806
WITHDRAW = "withdraw_2025-01-15"
POLICIES = {"hold": ("hold", {}), WITHDRAW: ("withdraw", {"withdraw_date": dt.date(2025, 1, 15)})}
GOAL_S = 60.0
TIME_BIN = "/usr/bin/time"

EXPERIMENT = f"""\
# Written by bench/bench_batch.py: the default scenario, hold against a January withdrawal.
name = "bench_batch"
description = "benchmark: hold against withdraw on the default scenario"
scenario = "{SCENARIO}"
replications = 1000
seed = {ROOT_SEED}

[[policies]]
name = "hold"

[[policies]]
name = "withdraw"
label = "{WITHDRAW}"
withdraw_date = 2025-01-15
"""

# The child that runs our batch in-process (what `python -m sim batch` does, in sim.cli.cmd_batch),
# timing the phases and reading the driver's own peak RSS after each.
CHILD = """\
import json, resource, sys, time
t_start = time.perf_counter()
from pathlib import Path
import sim.batch
from sim.batch import run_batch
from sim.experiment import load_experiment
from sim.report import write_report

def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # Linux: KiB

exp_path, runs, workers, out, stats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]), sys.argv[5]
phase = {"imports_s": time.perf_counter() - t_start, "rss_after_imports_mib": peak_mib()}
_compact = sim.batch.compact
def timed_compact(*a, **k):
    t = time.perf_counter()
    phase["runs_s"] = t - t_runs
    phase["rss_before_compact_mib"] = peak_mib()
    try:
        return _compact(*a, **k)
    finally:
        phase["compact_s"] = time.perf_counter() - t
sim.batch.compact = timed_compact
experiment = load_experiment(exp_path)
t_runs = time.perf_counter()
manifest = run_batch(experiment, out, runs, workers, False)
phase["rss_after_batch_mib"] = peak_mib()
t = time.perf_counter()
report = write_report(out)
print(report.table)
phase["report_s"] = time.perf_counter() - t
phase["rss_after_report_mib"] = peak_mib()
phase["manifest_wall_time_s"] = manifest["wall_time_s"]
phase["in_process_s"] = time.perf_counter() - t_start
Path(stats).write_text(json.dumps(phase))
"""


# --- the model class for mesa.batch_run (module level: batch_run's pool uses spawn) ---------------

_SCENARIOS: dict = {}


def _scenario(label: str):
    """The scenario of a policy label, loaded once per process (as sim.batch does per worker)."""
    if not _SCENARIOS:
        base = load_scenario(SCENARIO)
        _SCENARIOS.update({lab: base.with_params(**params) for lab, (_, params) in POLICIES.items()})
    return _SCENARIOS[label]


def _final(column: str):
    index = COLUMNS.index(column)
    return lambda model: model.records[-1][index]


class BatchRunKursk(KurskModel):
    """KurskModel with batch_run's calling convention: keyword parameters, an `rng` it ignores (the
    seed comes from the replication, as in sim.batch), and the DataCollector batch_run requires."""

    def __init__(self, policy: str = "hold", replication: int = 0, rng=None):
        name, _ = POLICIES[policy]
        super().__init__(_scenario(policy), name, np.random.SeedSequence(ROOT_SEED, spawn_key=(replication,)))
        self.datacollector = DataCollector(model_reporters={
            c: _final(c) for c in ("ua_losses", "ua_kursk_area_km2", "ru_east_gain_km2")})

    def step(self) -> None:
        super().step()
        if not self.running:                     # the last day: collect the final metrics once
            self.datacollector.collect(self)


def mesa_child(runs: int, workers: int, result: str) -> None:
    """Run batch_run in this process (the driver) and write timing, peak RSS and the results."""
    import resource

    import pyarrow as pa
    import pyarrow.parquet as pq
    from mesa.batchrunner import batch_run

    t0 = time.perf_counter()
    results = batch_run(BatchRunKursk, parameters={"policy": list(POLICIES), "replication": range(runs)},
                        number_processes=workers, rng=[None], data_collection_period=-1, max_steps=10_000,
                        display_progress=True)
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = [{k: r[k] for k in ("policy", "replication", "ua_losses", "ua_kursk_area_km2", "ru_east_gain_km2")}
            for r in results]
    pq.write_table(pa.Table.from_pylist(rows), result + ".parquet")
    Path(result).write_text(json.dumps({"batch_run_s": elapsed, "rss_driver_mib": peak, "rows": len(results)}))


# --- measuring --------------------------------------------------------------------------------------

def cpu_busy_s() -> float:
    """CPU seconds all cores have spent busy since boot (from /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]                                    # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def parse_time_v(path: Path) -> dict:
    text = path.read_text()

    def grab(label):
        m = re.search(rf"{re.escape(label)}:\s*(\S+)", text)
        return m.group(1) if m else None
    return {"max_rss_any_mib": int(grab("Maximum resident set size (kbytes)")) / 1024}


def _subreaper() -> bool:
    """Make this process adopt orphaned descendants (Linux prctl PR_SET_CHILD_SUBREAPER), so that
    a forkserver the driver never waits for, and its workers, are reaped here and their CPU time
    lands in RUSAGE_CHILDREN. Returns False where that is not possible."""
    try:
        import ctypes
        return ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


SUBREAPER = False
QUIET_WAIT = 0.0


def _reap_orphans(timeout: float = 60.0) -> None:
    """Wait for descendants adopted after their parent exited (none unless SUBREAPER)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def wait_quiet(max_wait: float, threshold: float = 0.3, window: float = 2.0) -> float:
    """Wait (at most max_wait s) until other processes use less than `threshold` cores over a
    `window`; returns the load seen last. The measurements are still taken if it never gets quiet."""
    deadline = time.monotonic() + max_wait
    while True:
        b0 = cpu_busy_s()
        time.sleep(window)
        load = (cpu_busy_s() - b0) / window
        if load < threshold or time.monotonic() >= deadline:
            return load


def timed(cmd: list[str], tmp: Path, tag: str) -> dict:
    """Run cmd (under /usr/bin/time -v when present): wall time; CPU time of the whole process tree
    (driver, pool workers, forkserver) from RUSAGE_CHILDREN, with this process as subreaper; the
    CPU other processes used meanwhile (from /proc/stat), in cores."""
    import resource

    if QUIET_WAIT > 0:
        wait_quiet(QUIET_WAIT)
    tv = tmp / f"{tag}.time"
    full = [TIME_BIN, "-v", "-o", str(tv), *cmd] if os.access(TIME_BIN, os.X_OK) else cmd
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy0, t0 = cpu_busy_s(), time.perf_counter()
    proc = subprocess.run(full, check=False, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    _reap_orphans()
    busy = cpu_busy_s() - busy0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    out = {"wall_s": wall, "stdout": proc.stdout, "load_before": os.getloadavg()[0]}
    if SUBREAPER:
        out["cpu_s"] = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        out["other_load_cores"] = max(0.0, busy - out["cpu_s"]) / wall
    if tv.exists():
        out["max_rss_time_v_mib"] = parse_time_v(tv)["max_rss_any_mib"]
    return out


def ours_timed(exp: Path, runs: int, workers: int, tmp: Path, i: int) -> dict:
    out = tmp / f"ours_{runs}_{i}"
    m = timed([sys.executable, "-m", "sim", "batch", str(exp), "--runs", str(runs), "--workers", str(workers),
               "--out", str(out)], tmp, out.name)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runs"] == 2 * runs, manifest["runs"]
    m["manifest_wall_time_s"] = manifest["wall_time_s"]
    m["out"] = out
    m["timeseries_mib"] = (out / "timeseries.parquet").stat().st_size / 2**20
    return m


def ours_memory(exp: Path, runs: int, workers: int, tmp: Path) -> dict:
    out, stats = tmp / f"mem_{runs}", tmp / f"mem_{runs}.json"
    m = timed([sys.executable, "-c", CHILD, str(exp), str(runs), str(workers), str(out), str(stats)], tmp, out.name)
    m.update(json.loads(stats.read_text()))
    m["startup_s"] = m["wall_s"] - m["in_process_s"] + m["imports_s"]   # interpreter start and imports
    shutil.rmtree(out)
    return m


def mesa_timed(runs: int, workers: int, tmp: Path, i: int) -> dict:
    result = tmp / f"mesa_{runs}_{i}.json"
    m = timed([sys.executable, str(Path(__file__).resolve()), "--mesa-child", "--runs", str(runs),
               "--workers", str(workers), "--result", str(result)], tmp, result.stem)
    m.update(json.loads(result.read_text()))
    assert m["rows"] == 2 * runs, m["rows"]
    m["result"] = Path(str(result) + ".parquet")
    return m


def same_results(ours_dir: Path, mesa_parquet: Path) -> tuple[int, float]:
    """Compare batch_run's final metrics with ours, run by run: (runs compared, max abs difference)."""
    import pyarrow.parquet as pq

    cols = ("ua_losses", "ua_kursk_area_km2", "ru_east_gain_km2")
    ours = pq.read_table(ours_dir / "summary.parquet", columns=["policy", "replication", *cols]).to_pylist()
    theirs = {(r["policy"], r["replication"]): r for r in pq.read_table(mesa_parquet).to_pylist()}
    assert len(ours) == len(theirs)
    diff = max(abs(r[c] - theirs[(r["policy"], r["replication"])][c]) for r in ours for c in cols)
    return len(ours), diff


def spread(xs: list[float], fmt: str = "{:.1f}") -> str:
    if len(xs) == 1:
        return fmt.format(xs[0])
    return f"{fmt.format(statistics.median(xs))} (min {fmt.format(min(xs))}, max {fmt.format(max(xs))})"


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    import mesa
    return (f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.system()} {platform.machine()}, "
            f"Python {platform.python_version()}, Mesa {mesa.__version__}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=1000, help="paired replications (2 runs each)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3, help="timed repetitions of each runner")
    ap.add_argument("--mem-runs", default="100,300,1000", help="replications for the memory series")
    ap.add_argument("--skip-mesa", action="store_true", help="do not run mesa.batch_run")
    ap.add_argument("--quiet-wait", type=float, default=90.0,
                    help="before each measurement, wait up to this many s for other load below 0.3 cores (0: off)")
    ap.add_argument("--json", help="also write every measurement to this file")
    ap.add_argument("--mesa-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.mesa_child:
        mesa_child(args.runs, args.workers, args.result)
        return

    global SUBREAPER, QUIET_WAIT
    SUBREAPER, QUIET_WAIT = _subreaper(), args.quiet_wait
    n = args.runs
    print(f"{machine()}; load average at start {os.getloadavg()[0]:.2f}", flush=True)
    print(f"{n} replications x 2 policies = {2 * n} runs, {args.workers} workers, {args.repeat} repetitions",
          flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench_batch_"))
    try:
        exp = tmp / "bench_batch.toml"
        exp.write_text(EXPERIMENT)
        ours, theirs, check = [], [], None
        for i in range(args.repeat):
            m = ours_timed(exp, n, args.workers, tmp, i)
            ours.append(m)
            print(f"  ours  #{i + 1}: wall {m['wall_s']:6.1f} s  manifest {m['manifest_wall_time_s']:6.1f} s  "
                  f"cpu {m.get('cpu_s', float('nan')):6.1f} s  other load {m.get('other_load_cores', float('nan')):.2f} cores",
                  flush=True)
            if not args.skip_mesa:
                t = mesa_timed(n, args.workers, tmp, i)
                theirs.append(t)
                print(f"  mesa  #{i + 1}: wall {t['wall_s']:6.1f} s  batch_run {t['batch_run_s']:6.1f} s  "
                      f"cpu {t.get('cpu_s', float('nan')):6.1f} s  other load {t.get('other_load_cores', float('nan')):.2f} cores",
                      flush=True)
                if check is None:
                    check = same_results(m["out"], t["result"])
                t["result"].unlink()
            shutil.rmtree(m["out"])

        memory = []
        for runs in [int(x) for x in args.mem_runs.split(",") if x]:
            m = ours_memory(exp, runs, args.workers, tmp)
            m["runs"] = runs
            memory.append(m)
            print(f"  memory {runs:5d} replications: driver peak after batch {m['rss_after_batch_mib']:.0f} MiB, "
                  f"after report {m['rss_after_report_mib']:.0f} MiB (wall {m['wall_s']:.1f} s)", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    if ours:
        print_times(n, args.workers, args.repeat, ours, theirs, check)
    print_memory(memory)
    if args.json:
        def clean(ms):
            return [{k: v for k, v in m.items() if k not in ("stdout", "out", "result")} for m in ms]
        Path(args.json).write_text(json.dumps({"machine": machine(), "runs": n, "workers": args.workers,
                                               "ours": clean(ours), "mesa": clean(theirs), "memory": clean(memory),
                                               "same_results": check}, indent=2))


def print_times(n, workers, repeat, ours, theirs, check):
    w = [m["wall_s"] for m in ours]
    print(f"## Time: {n} paired replications ({2 * n} runs), {workers} workers, {repeat} repetitions "
          "(median, min, max)\n")
    print("| runner | wall, end to end (s) | in-process (s) | runs/s | CPU, driver + workers (s) | CPU per run (ms) | other load (cores) |")
    print("|---|---:|---:|---:|---:|---:|---:|")

    def row(name, ms, inner_key):
        walls = [m["wall_s"] for m in ms]
        cpu = [m["cpu_s"] for m in ms if "cpu_s" in m]
        load = [m["other_load_cores"] for m in ms if "other_load_cores" in m]
        print(f"| {name} | {spread(walls)} | {spread([m[inner_key] for m in ms])} | "
              f"{spread([2 * n / x for x in walls])} | {spread(cpu) if cpu else '—'} | "
              f"{spread([1e3 * c / (2 * n) for c in cpu], '{:.0f}') if cpu else '—'} | "
              f"{spread(load, '{:.2f}') if load else '—'} |")
    row("ours: `python -m sim batch` (manifest wall_time_s)", ours, "manifest_wall_time_s")
    if theirs:
        row("`mesa.batch_run` (time inside batch_run)", theirs, "batch_run_s")
        tw = [t["wall_s"] for t in theirs]
        print(f"\nours / batch_run, wall: {statistics.median(w) / statistics.median(tw):.2f} (medians), "
              f"{min(w) / min(tw):.2f} (minima: the least disturbed repetitions)")
        print(f"batch_run driver peak RSS: {spread([t['rss_driver_mib'] for t in theirs], '{:.0f}')} MiB")
        if check:
            print(f"same results: {check[0]} runs compared, max |difference| of the final metrics {check[1]:g}")
    print(f"timeseries.parquet: {ours[0]['timeseries_mib']:.1f} MiB")
    print(f"goal: {2 * n} runs in <= {GOAL_S:.0f} s: "
          f"{'met' if statistics.median(w) <= GOAL_S else 'NOT met'} (median {statistics.median(w):.1f} s, "
          f"{sum(x <= GOAL_S for x in w)} of {len(w)} repetitions within)")


def print_memory(memory):
    if not memory:
        return
    print("\n## Driver memory and phases (ours, one run each; peak RSS of the driver process alone)\n")
    print("| replications | runs | after imports (MiB) | after runs (MiB) | after compaction (MiB) | after report (MiB) | "
          "time -v max RSS (MiB) | start-up (s) | runs (s) | compaction (s) | report (s) | wall (s) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for m in memory:
        print(f"| {m['runs']} | {2 * m['runs']} | {m['rss_after_imports_mib']:.0f} | {m['rss_before_compact_mib']:.0f} | "
              f"{m['rss_after_batch_mib']:.0f} | "
              f"{m['rss_after_report_mib']:.0f} | {m.get('max_rss_time_v_mib', float('nan')):.0f} | {m['startup_s']:.1f} | "
              f"{m['runs_s']:.1f} | {m['compact_s']:.1f} | {m['report_s']:.1f} | {m['wall_s']:.1f} |")


if __name__ == "__main__":
    main()
