"""Command line: `python -m sim run|check|batch|sweep|report|jobscript|calibrate|claims|viz ...` (also `kursk-sim`).

Bad input ends with one line on stderr naming the file, the field and what is allowed, and exit
code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .resources import scenario_file, shipped_scenarios
from .scenario import ScenarioError, load_scenario

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):          # argparse's own errors: one line, exit 2
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _overrides(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ScenarioError("--set", pair, "must look like key=value, e.g. drone_range_km=15")
        out[key.strip()] = value.strip()
    return out


def cmd_run(args) -> int:
    from .model import KurskModel
    from .output import human_summary, write_run
    from .policy import POLICIES

    if args.policy not in POLICIES:
        raise ScenarioError("--policy", args.policy, f"unknown policy; allowed: {', '.join(POLICIES)}")
    if args.seed < 0:
        raise ScenarioError("--seed", str(args.seed), "must be a whole number >= 0")
    scenario = load_scenario(scenario_file(args.scenario), _overrides(args.set), args.variant)
    out = Path(args.out) if args.out else Path("results") / f"{scenario.name}-{args.policy}-seed{args.seed}"
    if out.exists() and not out.is_dir():
        raise ScenarioError(out, "--out", "is a file; give a folder for the results")
    if out.exists() and any(out.iterdir()) and not args.force:
        raise ScenarioError(out, "--out", "folder already holds results; choose another or pass --force")
    model = KurskModel(scenario, args.policy, args.seed).run()
    write_run(model, out)
    print(human_summary(model))
    print(f"  written to {out}/ (timeseries.parquet, summary.json)")
    return 0


def cmd_check(args) -> int:
    from .experiment import is_experiment_file, load_experiment
    from .sweep import is_sweep_file, load_sweep

    path = scenario_file(args.file)
    if is_sweep_file(path):
        sweep = load_sweep(path)
        print(f"{args.file}: ok: sweep {sweep.name!r}, {sweep.kind} design, {len(sweep.points)} design points over "
              f"{len(sweep.factors)} factors ({', '.join(f.name for f in sweep.factors)}), "
              f"{len(sweep.policies)} policies, {sweep.replications} replications per point")
        return 0
    if is_experiment_file(path):
        exp = load_experiment(path)
        print(f"{args.file}: ok: experiment {exp.name!r}, {len(exp.policies)} policies "
              f"({', '.join(p.label for p in exp.policies)}), {exp.replications} replications, "
              f"scenario {exp.scenario_path.name}")
        return 0
    scenario = load_scenario(path)        # every variant is checked with it
    variants = f", {len(scenario.variants)} variants ({', '.join(scenario.variants)})" if scenario.variants else ""
    print(f"{args.file}: ok: scenario {scenario.name!r}, {len(scenario.nodes)} nodes, {len(scenario.edges)} edges, "
          f"{len(scenario.units)} units, {scenario.start} to {scenario.end}{variants}")
    return 0


def _start(args, local: bool) -> None:
    """Check the run counts; with local workers, start their server now, so that it imports the
    model while this process does (bench/batch.md)."""
    for flag, value in (("--runs", args.runs), ("--workers", args.workers)):
        if value is not None and value < 1:
            raise ScenarioError(flag, str(value), "must be a whole number >= 1")
    if local and args.workers != 1:
        from .executors import start_forkserver
        start_forkserver()


def _finish(out: Path, manifest: dict, decision_map: tuple[str, str] | None = None) -> int:
    """The report of a finished batch or sweep, its table on the terminal."""
    from .report import write_report

    report = write_report(out, decision_map=decision_map)
    print(report.table)
    failed = f", {len(manifest['failed'])} failed (see {out / 'failed'})" if manifest.get("failed") else ""
    print(f"{manifest['runs']} runs{failed} in {manifest['wall_time_s']:.1f} s; report: {out / 'report.md'}")
    return 0


def cmd_batch(args) -> int:
    _start(args, local=True)
    from .batch import run_batch
    from .experiment import load_experiment

    experiment = load_experiment(args.experiment)
    out = Path(args.out) if args.out else Path("results") / experiment.name
    return _finish(out, run_batch(experiment, out, args.runs, args.workers, args.resume,
                                  posterior=_posterior(args.posterior)))


def _posterior(path: str | None):
    if path is None:
        return None
    from .posterior import load_posterior
    return load_posterior(path)


def _shard(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    i, sep, n = text.partition("/")
    if not (sep and i.isdigit() and n.isdigit() and 1 <= int(i) <= int(n)):
        raise ScenarioError("--shard", text, "must be I/N with 1 <= I <= N, e.g. 3/16")
    return int(i), int(n)


def cmd_sweep(args) -> int:
    chosen = [flag for flag, on in (("--workers", args.workers is not None), ("--scheduler", args.scheduler),
                                    ("--cluster", args.cluster)) if on]
    if len(chosen) > 1:
        raise ScenarioError("command line", chosen[1], f"choose one of --workers, --scheduler and --cluster, "
                            f"not {' and '.join(chosen)}")
    shard = _shard(args.shard)
    _start(args, local=not (args.scheduler or args.cluster))
    from contextlib import nullcontext

    from .batch import run_batch
    from .executors import dask_executor, jobqueue_executor
    from .sweep import load_sweep

    sweep = load_sweep(args.sweep)
    decision_map = _factor_pair(args.map)
    if decision_map and not set(decision_map) <= {f.name for f in sweep.factors}:
        raise ScenarioError("--map", args.map, f"must name two factors of the sweep: "
                            f"{', '.join(f.name for f in sweep.factors)}")
    if args.cluster and sweep.cluster is None:
        raise ScenarioError(args.sweep, "cluster", "--cluster needs a [cluster] table in the sweep file")
    out = Path(args.out) if args.out else Path("results") / sweep.name
    executor = (dask_executor(args.scheduler) if args.scheduler else
                jobqueue_executor(sweep.cluster) if args.cluster else nullcontext(None))
    with executor as pool:
        manifest = run_batch(sweep, out, args.runs, args.workers, args.resume, executor=pool, shard=shard,
                             posterior=_posterior(args.posterior))
    if manifest is None:
        print(f"shard {shard[0]}/{shard[1]} done: its runs are in {out / 'shards'}; run without --shard "
              f"(with --resume) to compact")
        return 0
    return _finish(out, manifest, decision_map)


def _factor_pair(text: str | None) -> tuple[str, str] | None:
    if text is None:
        return None
    pair = tuple(x.strip() for x in text.split(","))
    if len(pair) != 2 or not all(pair) or pair[0] == pair[1]:
        raise ScenarioError("--map", text, "must name two different factors, e.g. --map withdraw_date,ua_troops_kursk")
    return pair


def cmd_jobscript(args) -> int:
    from .cluster import jobqueue_cluster, sbatch_array_script
    from .sweep import load_sweep

    sweep = load_sweep(args.sweep)
    out = args.out or str(Path("results") / sweep.name)
    if args.dask:
        if sweep.cluster is None:
            raise ScenarioError(args.sweep, "cluster", "--dask needs a [cluster] table in the sweep file")
        with jobqueue_cluster(sweep.cluster) as jobs:
            print(jobs.job_script())
        return 0
    _posterior(args.posterior)                      # refused here, not in every array task
    print(sbatch_array_script(args.sweep, args.array, out, sweep.cluster, posterior=args.posterior))
    return 0


def cmd_report(args) -> int:
    from .report import write_report

    report = write_report(Path(args.folder), decision_map=_factor_pair(args.map))
    print(report.table)
    print(f"report: {Path(args.folder) / 'report.md'}")
    return 0


def cmd_calibrate(args) -> int:
    if args.workers is not None and args.scheduler:
        raise ScenarioError("command line", "--scheduler", "choose one of --workers and --scheduler, not both")
    if args.workers is not None and args.workers < 1:
        raise ScenarioError("--workers", str(args.workers), "must be a whole number >= 1")
    from .calibration import calibrate, load_calibration

    until = None
    if args.until is not None:
        import datetime as dt
        try:
            until = dt.date.fromisoformat(args.until)
        except ValueError:
            raise ScenarioError("command line", "--until", f"must be a date like 2024-12-31, got {args.until!r}") from None
    cal = load_calibration(args.calibration).with_options(args.population, args.generations, until)
    out = Path(args.out) if args.out else Path("results") / f"calibration-{cal.name}"
    if out.exists() and not out.is_dir():
        raise ScenarioError(out, "--out", "is a file; give a folder for the calibration")
    workers = args.workers or os.cpu_count() or 1
    if args.scheduler:
        from .executors import dask_executor
        pool = dask_executor(args.scheduler)
    elif workers == 1:
        from contextlib import nullcontext

        from .executors import InProcess
        pool = nullcontext(InProcess())
    else:
        from .executors import local_pool
        pool = local_pool(workers)
    with pool as executor:
        s = calibrate(cal, out, executor, resume=args.resume)
    print(f"{s['generations']} generations, {sum(s['evaluations']):,} model runs, final epsilon {s['epsilon'][-1]:.3g}, "
          f"effective sample size {s['ess'][-1]:.0f} of {cal.population}")
    for p in s["posterior"]:
        print(f"  {p['name']:32s} {p['median']:10.4g}  (90%: {p['low']:.4g} - {p['high']:.4g})")
    inside = sum(r["inside"] for r in s["points"])
    print(f"posterior predictive: {inside} of {len(s['points'])} reported points inside the 90% band")
    print(f"written to {out}/ (posterior.parquet, calibration.md, marginals.png, pairs.png, predictive.png)")
    return 0


def cmd_claims(args) -> int:
    _start(args, local=True)
    from .claims import run_claims
    from .resources import DEFAULT_POSTERIOR

    posterior = None if args.no_posterior else (args.posterior or DEFAULT_POSTERIOR)
    out = Path(args.out) if args.out else Path("results") / "claims"
    claims = run_claims(args.experiment, out, args.runs, args.workers, args.resume, posterior)
    for i, c in enumerate(claims, 1):
        print(f"{i}. {c['verdict']:27s} {c['claim']}")
    print(f"written to {out}/ (claims.md, claims.json, claims.png, and the batches it used)")
    return 0


def cmd_viz(args) -> int:
    from .viz.server import serve

    return serve(str(scenario_file(args.scenario)), args.host, args.port, args.open)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m sim", description="Kursk 2024-25: hold the salient or withdraw?")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="simulate one campaign")
    run.add_argument("scenario", nargs="?", help="scenario file, or the name of a shipped one "
                     f"({', '.join(shipped_scenarios())}; default kursk_2024)")
    run.add_argument("--policy", default="hold", help="hold, withdraw or no_incursion (the counterfactual; default hold)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override a scenario parameter, e.g. --set withdraw_date=2025-01-15")
    run.add_argument("--variant", help="apply a named variant of the scenario, e.g. seed_30k")
    run.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    run.add_argument("--out", help="output folder (default results/<scenario>-<policy>-seed<N>)")
    run.add_argument("--force", action="store_true", help="overwrite results already in --out")
    run.set_defaults(func=cmd_run)

    check = sub.add_parser("check", help="validate a scenario, experiment or sweep file without running it")
    check.add_argument("file", help="a scenario (file or shipped name), experiment or sweep file")
    check.set_defaults(func=cmd_check)

    batch = sub.add_parser("batch", help="Monte Carlo batch of an experiment: every policy, common random numbers")
    batch.add_argument("experiment", help="experiment file, e.g. experiments/hold_vs_withdraw.toml")
    batch.add_argument("--runs", type=int, help="replications (overrides the file's)")
    batch.add_argument("--workers", type=int, help="local worker processes (default: all cores)")
    batch.add_argument("--out", help="results folder (default results/<experiment name>)")
    batch.add_argument("--resume", action="store_true", help="complete a batch whose folder holds part of it")
    batch.add_argument("--posterior", metavar="FILE", help="draw each replication's parameters from a calibration's "
                       "posterior.parquet (e.g. configs/kursk_2024.posterior.parquet)")
    batch.set_defaults(func=cmd_batch)

    sweep = sub.add_parser("sweep", help="parameter sweep: an experiment at every point of a design")
    sweep.add_argument("sweep", help="sweep file, e.g. experiments/sweep_withdraw_date.toml")
    sweep.add_argument("--workers", type=int, help="local worker processes (default: all cores)")
    sweep.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run on the workers of a running Dask scheduler")
    sweep.add_argument("--cluster", action="store_true",
                       help="start the file's [cluster] (dask_jobqueue SLURM or PBS) and run on it")
    sweep.add_argument("--shard", metavar="I/N", help="run only the I-th of N slices (a job-array task); no compaction")
    sweep.add_argument("--runs", type=int, help="replications per design point (overrides [design])")
    sweep.add_argument("--out", help="results folder (default results/<sweep name>)")
    sweep.add_argument("--resume", action="store_true", help="complete a sweep whose folder holds part of it")
    sweep.add_argument("--posterior", metavar="FILE", help="draw each replication's parameters from a posterior.parquet")
    sweep.add_argument("--map", metavar="A,B", help="the two factors of the decision map (default: the two that matter most)")
    sweep.set_defaults(func=cmd_sweep)

    jobscript = sub.add_parser("jobscript", help="print a SLURM job-array script (or a dask_jobqueue job script) for a sweep")
    jobscript.add_argument("sweep")
    jobscript.add_argument("--array", type=int, default=16, help="array tasks, each one shard (default 16)")
    jobscript.add_argument("--out", help="results folder on shared storage (default results/<sweep name>)")
    jobscript.add_argument("--posterior", metavar="FILE", help="every task draws each replication's parameters "
                           "from this posterior.parquet (as sweep --posterior)")
    jobscript.add_argument("--dask", action="store_true", help="print the dask_jobqueue job script of [cluster] instead")
    jobscript.set_defaults(func=cmd_jobscript)

    report = sub.add_parser("report", help="rebuild the report of a batch or sweep from its stored results")
    report.add_argument("folder")
    report.add_argument("--map", metavar="A,B", help="a sweep's decision map over these two factors")
    report.set_defaults(func=cmd_report)

    calibrate = sub.add_parser("calibrate", help="ABC-SMC (pyabc) of a calibration file's parameters against the record")
    calibrate.add_argument("calibration", help="calibration file, e.g. experiments/calibrate.toml")
    calibrate.add_argument("--workers", type=int, help="local worker processes (default: all cores)")
    calibrate.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run on the workers of a running Dask scheduler")
    calibrate.add_argument("--out", help="results folder (default results/calibration-<name>)")
    calibrate.add_argument("--resume", action="store_true", help="continue a calibration after its last finished generation")
    calibrate.add_argument("--population", type=int, help="particles per generation (overrides the file's)")
    calibrate.add_argument("--generations", type=int, help="generations (overrides the file's)")
    calibrate.add_argument("--until", metavar="DATE", help="match only the reported points up to DATE (a held-out check)")
    calibrate.set_defaults(func=cmd_calibrate)

    claims = sub.add_parser("claims", help="test the seed article's claims one by one (claims.md, claims.json)")
    claims.add_argument("experiment", nargs="?", help="experiment file (default experiments/claims.toml)")
    claims.add_argument("--runs", type=int, help="replications per batch (overrides the file's)")
    claims.add_argument("--workers", type=int, help="local worker processes (default: all cores)")
    claims.add_argument("--out", help="results folder (default results/claims)")
    claims.add_argument("--resume", action="store_true", help="reuse (and complete) the batches already in --out")
    claims.add_argument("--posterior", metavar="FILE", help="posterior to draw parameters from "
                        "(default configs/kursk_2024.posterior.parquet)")
    claims.add_argument("--no-posterior", action="store_true", help="run at the scenario's defaults instead")
    claims.set_defaults(func=cmd_claims)

    from .viz.server import DEFAULT_HOST, DEFAULT_PORT

    viz = sub.add_parser("viz", help="the browser visualiser: step a campaign day by day on a map")
    viz.add_argument("scenario", nargs="?", help="scenario file or shipped name (default kursk_2024)")
    viz.add_argument("--host", default=DEFAULT_HOST,
                     help=f"address to listen on (default {DEFAULT_HOST}: this machine only)")
    viz.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free port)")
    viz.add_argument("--open", action="store_true", help="open the page in a web browser")
    viz.set_defaults(func=cmd_viz)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:                  # e.g. --out under a file, a folder without permission
        print(f"error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
