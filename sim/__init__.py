"""sim: an agent-based wargame of the 2024-25 Ukrainian incursion into Kursk oblast.

Should Ukraine hold the Kursk salient, or withdraw and reinforce the eastern front?
"""

__all__ = ["COLUMNS", "KurskModel", "ScenarioError", "load_scenario"]
__version__ = "0.1.0"


def __getattr__(name: str):
    # Lazy (PEP 562): `python -m sim` answers --help, checks files and starts a batch's workers
    # before Mesa, pyarrow and the model are imported.
    if name in ("COLUMNS", "KurskModel"):
        from . import model
        return getattr(model, name)
    if name in ("ScenarioError", "load_scenario"):
        from . import scenario
        return getattr(scenario, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
