"""Small helpers shared by the test modules."""

from __future__ import annotations

import subprocess
import sys

from toy_scenario import ROOT


def run_cli(*args, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m sim ARGS` in a fresh interpreter, from the repository root."""
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, encoding="utf-8", timeout=timeout)


def unit_named(model, name: str):
    """The live unit called `name`, or None once it has been dissolved."""
    return next((u for u in model.units if u.name == name), None)


def column(model, name: str) -> list:
    """One column of model.records."""
    from sim import COLUMNS
    k = COLUMNS.index(name)
    return [r[k] for r in model.records]
