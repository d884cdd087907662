"""Command line: `python -m sim run|check ...` (also installed as `kursk-sim`).

Bad input ends with one line on stderr naming the file, the field and what is allowed, and exit
code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

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
    scenario = load_scenario(args.scenario, _overrides(args.set), args.variant)
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

    if is_experiment_file(args.file):
        exp = load_experiment(args.file)
        print(f"{args.file}: ok: experiment {exp.name!r}, {len(exp.policies)} policies "
              f"({', '.join(p.label for p in exp.policies)}), {exp.replications} replications, "
              f"scenario {exp.scenario_path.name}")
        return 0
    scenario = load_scenario(args.file)
    print(f"{args.file}: ok: scenario {scenario.name!r}, {len(scenario.nodes)} nodes, {len(scenario.edges)} edges, "
          f"{len(scenario.units)} units, {scenario.start} to {scenario.end}")
    return 0


def cmd_batch(args) -> int:
    for flag, value in (("--runs", args.runs), ("--workers", args.workers)):
        if value is not None and value < 1:
            raise ScenarioError(flag, str(value), "must be a whole number >= 1")
    if args.workers != 1:                    # the workers' server imports the model while we do
        from .executors import start_forkserver
        start_forkserver()
    from .batch import run_batch
    from .experiment import load_experiment

    experiment = load_experiment(args.experiment)
    out = Path(args.out) if args.out else Path("results") / experiment.name
    manifest = run_batch(experiment, out, args.runs, args.workers, args.resume)
    from .report import write_report

    report = write_report(out)
    print(report.table)
    print(f"{manifest['runs']} runs in {manifest['wall_time_s']:.1f} s; report: {out / 'report.md'}")
    return 0


def cmd_report(args) -> int:
    from .report import write_report

    report = write_report(Path(args.folder))
    print(report.table)
    print(f"report: {Path(args.folder) / 'report.md'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m sim", description="Kursk 2024-25: hold the salient or withdraw?")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="simulate one campaign")
    run.add_argument("scenario", help="scenario file, e.g. configs/kursk_2024.toml")
    run.add_argument("--policy", default="hold", help="hold or withdraw (default hold)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override a scenario parameter, e.g. --set withdraw_date=2025-01-15")
    run.add_argument("--variant", help="apply a named variant of the scenario, e.g. seed_30k")
    run.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    run.add_argument("--out", help="output folder (default results/<scenario>-<policy>-seed<N>)")
    run.add_argument("--force", action="store_true", help="overwrite results already in --out")
    run.set_defaults(func=cmd_run)

    check = sub.add_parser("check", help="validate a scenario or experiment file without running it")
    check.add_argument("file")
    check.set_defaults(func=cmd_check)

    batch = sub.add_parser("batch", help="Monte Carlo batch of an experiment: every policy, common random numbers")
    batch.add_argument("experiment", help="experiment file, e.g. experiments/hold_vs_withdraw.toml")
    batch.add_argument("--runs", type=int, help="replications (overrides the file's)")
    batch.add_argument("--workers", type=int, help="local worker processes (default: all cores)")
    batch.add_argument("--out", help="results folder (default results/<experiment name>)")
    batch.add_argument("--resume", action="store_true", help="complete a batch whose folder holds part of it")
    batch.set_defaults(func=cmd_batch)

    report = sub.add_parser("report", help="rebuild the report of a batch from its stored results")
    report.add_argument("folder")
    report.set_defaults(func=cmd_report)
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
