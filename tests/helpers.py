"""Small helpers shared by the test modules."""

from __future__ import annotations

from sim import COLUMNS


def unit_named(model, name: str):
    """The live unit called `name`, or None once it has been dissolved."""
    return next((u for u in model.units if u.name == name), None)


def column(model, name: str) -> list:
    """One column of model.records."""
    k = COLUMNS.index(name)
    return [r[k] for r in model.records]
