"""The files the project ships: scenarios and their posteriors, the reported record, the state
border, the experiments.

They live in the repository's configs/, data/ and experiments/; `sim/_shipped/` links to those
folders, and the wheel carries their files there (pyproject.toml, package data), so an installed
`kursk-sim` finds them from any working folder, exactly as a checkout does.
"""

from __future__ import annotations

from pathlib import Path

SHIPPED = Path(__file__).parent / "_shipped"
CONFIGS = SHIPPED / "configs"
DATA = SHIPPED / "data"
EXPERIMENTS = SHIPPED / "experiments"

DEFAULT_SCENARIO = CONFIGS / "kursk_2024.toml"
DEFAULT_POSTERIOR = CONFIGS / "kursk_2024.posterior.parquet"
RECORD_CSV = DATA / "kursk-record.csv"            # the reported course of the campaign
BORDER_CSV = DATA / "state-border.csv"            # the Russia-Ukraine border across the theatre


def shipped_scenarios() -> list[str]:
    return sorted(p.stem for p in CONFIGS.glob("*.toml"))


def scenario_file(given: str | None) -> Path:
    """The scenario a user names: a file path, or the bare name of a shipped scenario (`kursk_2024`);
    None is the default scenario. A name that is neither is returned as a path, so that loading it
    reports the missing file."""
    if given is None:
        return DEFAULT_SCENARIO
    path = Path(given)
    if not path.exists() and path.suffix == "" and path.name == given and (CONFIGS / f"{given}.toml").exists():
        return CONFIGS / f"{given}.toml"
    return path
