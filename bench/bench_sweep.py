"""Benchmark: a sweep's throughput on Dask against the local process pool (issue 5).

Goal: on 2 local workers, the Dask path reaches at least 85% of the local pool's throughput.

    python bench/bench_sweep.py [--sweep experiments/sweep_uncertainty.toml] [--runs 10] [--repeat 3]

Each repetition runs, in alternation, in fresh processes:
- local: `python -m sim sweep SWEEP --runs N --workers 2 --out TMP`;
- dask:  a real `dask scheduler --preload sim.batch` (the scheduler unpickles tasks, so it imports
  the model once) and two `dask worker --nthreads 1 --preload sim.batch` processes on 127.0.0.1, with Dask's per-worker stack sampler off (started before the clock starts, as a
  cluster for sweeps would be, docs/cluster.md), then `python -m sim sweep SWEEP --runs N
  --scheduler tcp://127.0.0.1:PORT --out TMP`.
Throughput is runs per second of the manifest's wall_time_s (from the start of the run loop to the
end of compaction); end-to-end wall time (start-up and report included) is shown too. Both paths
must give byte-identical summary.parquet files, which the script checks.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]      # the checkout's code; the tests' Dask launcher
from helpers import dask_on_this_machine  # noqa: E402


def measure(args: list[str], out: Path) -> dict:
    t0 = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "sim", "sweep", *args, "--out", str(out)], cwd=ROOT,
                            capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if result.returncode != 0:
        raise SystemExit(f"sweep failed: {result.stderr}")
    manifest = json.loads((out / "manifest.json").read_text())
    return {"wall_s": wall, "in_process_s": manifest["wall_time_s"], "runs": manifest["runs"],
            "runs_per_s": manifest["runs"] / manifest["wall_time_s"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", default=str(ROOT / "experiments" / "sweep_uncertainty.toml"))
    parser.add_argument("--runs", type=int, default=10, help="replications per design point")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; "
          f"sweep {Path(args.sweep).name}, --runs {args.runs}, {args.workers} workers, {args.repeat} repetitions")
    results: dict[str, list[dict]] = {"local": [], "dask": []}
    with tempfile.TemporaryDirectory(prefix="bench_sweep_") as tmp:
        tmp = Path(tmp)
        for rep in range(args.repeat):
            out = tmp / f"local{rep}"
            results["local"].append(measure([args.sweep, "--runs", str(args.runs), "--workers", str(args.workers)], out))
            logs = tmp / f"logs{rep}"
            logs.mkdir()
            with dask_on_this_machine(args.workers, logs) as (address, _):
                dout = tmp / f"dask{rep}"
                results["dask"].append(measure([args.sweep, "--runs", str(args.runs), "--scheduler", address], dout))
            same = (out / "summary.parquet").read_bytes() == (dout / "summary.parquet").read_bytes()
            for name in ("local", "dask"):
                r = results[name][-1]
                print(f"  #{rep + 1} {name:5s}: {r['runs']} runs, {r['runs_per_s']:.1f} runs/s "
                      f"(in process {r['in_process_s']:.1f} s, end to end {r['wall_s']:.1f} s)")
            print(f"  #{rep + 1} summaries byte-identical: {same}")
            if not same:
                raise SystemExit("the two paths disagree")
    local = statistics.median(r["runs_per_s"] for r in results["local"])
    dask = statistics.median(r["runs_per_s"] for r in results["dask"])
    print("| path | runs/s (median) | in process, s (median) | end to end, s (median) |")
    print("|---|---:|---:|---:|")
    for name, rate in (("local process pool", local), ("Dask, 2 worker processes", dask)):
        key = "local" if name.startswith("local") else "dask"
        print(f"| {name} | {rate:.1f} | {statistics.median(r['in_process_s'] for r in results[key]):.1f} | "
              f"{statistics.median(r['wall_s'] for r in results[key]):.1f} |")
    print(f"Dask / local throughput: {dask / local:.0%} (goal >= 85%)")


if __name__ == "__main__":
    main()
