"""Shared fixtures: toy scenarios written to tmp_path, the default scenario, a CLI runner."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from helpers import cli_in_process
from toy_scenario import DEFAULT_CONFIG, write_scenario

from sim import load_scenario


@pytest.fixture
def write_toy(tmp_path):
    """write_toy(doc) -> path of a fresh scenario file in tmp_path."""
    counter = itertools.count()

    def write(doc: dict, name: str | None = None) -> Path:
        return write_scenario(doc, tmp_path / (name or f"toy{next(counter)}.toml"))
    return write


@pytest.fixture
def load_toy(write_toy):
    """load_toy(doc, **overrides) -> a validated Scenario built from a toy document."""
    def load(doc: dict, **overrides):
        return load_scenario(write_toy(doc), overrides or None)
    return load


@pytest.fixture(scope="session")
def default_scenario():
    return load_scenario(DEFAULT_CONFIG)


@pytest.fixture(scope="session")
def default_text() -> str:
    return DEFAULT_CONFIG.read_text(encoding="utf-8")


@pytest.fixture
def cli(capsys):
    """cli(*args) -> `python -m sim ARGS` run by sim.cli.main in this process (helpers.cli_in_process):
    exit code, stdout, stderr. Tests that need a real process (to kill it, or a Dask client) start one."""
    return lambda *args: cli_in_process(capsys, *map(str, args))
