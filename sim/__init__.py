"""sim: an agent-based wargame of the 2024-25 Ukrainian incursion into Kursk oblast.

Should Ukraine hold the Kursk salient, or withdraw and reinforce the eastern front?
"""

from .model import COLUMNS, KurskModel
from .scenario import ScenarioError, load_scenario

__all__ = ["COLUMNS", "KurskModel", "ScenarioError", "load_scenario"]
__version__ = "0.1.0"
