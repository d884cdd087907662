"""Benchmark: wall time of one default campaign (about 250 days), per policy.

    python bench/bench_run.py [--repeat 30]

Runs in this process on one core and counts its CPU time (time.process_time: time the process was
descheduled by other load does not count); reports the median, the minimum and the 10th/90th
percentiles in milliseconds, split into model construction and the daily steps. Results are kept in
bench/README.md with the date and the machine.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

from sim import KurskModel, load_scenario

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--scenario", default=str(ROOT / "configs" / "kursk_2024.toml"))
    args = ap.parse_args()
    scenario = load_scenario(args.scenario)
    KurskModel(scenario, "hold", 0).run()                 # warm imports and caches of the interpreter
    print(f"python {platform.python_version()} on {platform.machine()}, {scenario.n_days} days per run")
    for policy in ("hold", "withdraw"):
        build, steps = [], []
        for seed in range(args.repeat):
            t0 = time.process_time()
            model = KurskModel(scenario, policy, seed)
            t1 = time.process_time()
            model.run()
            t2 = time.process_time()
            build.append((t1 - t0) * 1e3)
            steps.append((t2 - t1) * 1e3)
        total = [b + s for b, s in zip(build, steps, strict=True)]
        q = statistics.quantiles(total, n=10)
        print(f"{policy:9s} total median {statistics.median(total):6.1f} ms  (min {min(total):.1f}, p10 {q[0]:.1f}, p90 {q[-1]:.1f})  "
              f"build {statistics.median(build):5.1f} ms  steps {statistics.median(steps):5.1f} ms")


if __name__ == "__main__":
    main()
