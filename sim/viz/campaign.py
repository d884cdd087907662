"""The campaign as the page builds it: the model from keyword parameters, and the page's sliders.

SolaraViz rebuilds the model on Reset by calling its class with the page's parameters as keyword
arguments, while KurskModel takes a loaded Scenario, a policy and a seed. VizModel is the bridge: the
same model, built from keywords through the scenario's own overrides (`Scenario.with_params`, the
path `--set` takes), so that a page with seed N gives the same campaign, day for day, as
`python -m sim run FILE --seed N --set ...` with the same values.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from ..model import KurskModel
from ..policy import POLICIES
from ..resources import DEFAULT_SCENARIO
from ..scenario import Scenario, load_scenario

# The parameters the page offers, with the label a user reads; the unit comes from the scenario
# file (its `unit` field), so the slider and the file cannot disagree.
LABELS = {
    "withdraw_fraction": "Brigades withdrawn",
    "ua_troops_kursk": "Ukrainian troops in Kursk",
    "nk_troops": "North Korean contingent",
    "drone_range_km": "Drone range from March 2025",
    "drone_range_2024_km": "Drone range in 2024",
}


@lru_cache(maxsize=8)
def base_scenario(path: str) -> Scenario:
    """The scenario file as written, read once per process (every Reset starts from it)."""
    return load_scenario(path)


class VizModel(KurskModel):
    """KurskModel built from keyword arguments (what SolaraViz passes on Reset).

    A parameter left at None keeps the scenario file's value. Dates are ISO strings (what the page's
    date selector holds).
    """

    def __init__(self, scenario_file: str = str(DEFAULT_SCENARIO), policy: str = "hold",
                 withdraw_date: str | None = None, withdraw_fraction: float | None = None,
                 ua_troops_kursk: int | None = None, nk_troops: int | None = None,
                 drone_range_km: float | None = None, drone_range_2024_km: float | None = None,
                 seed: int = 0):
        changes = {"withdraw_date": withdraw_date, "withdraw_fraction": withdraw_fraction,
                   "ua_troops_kursk": ua_troops_kursk, "nk_troops": nk_troops,
                   "drone_range_km": drone_range_km, "drone_range_2024_km": drone_range_2024_km}
        scenario = base_scenario(str(scenario_file)).with_params(
            **{key: value for key, value in changes.items() if value is not None})
        super().__init__(scenario, policy, int(seed))


def decision_dates(scenario: Scenario) -> list[str]:
    """Dates a withdrawal can be decided on: the 1st and 15th of each month in the horizon, and the
    file's own date (a selector, not free text, so that no date outside the horizon can be typed)."""
    dates = {scenario.params.withdraw_date}
    day = scenario.start.replace(day=1)
    while day <= scenario.end:
        for d in (day, day.replace(day=15)):
            if scenario.start <= d <= scenario.end:
                dates.add(d)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return [d.isoformat() for d in sorted(dates)]


def page_parameters(scenario: Scenario) -> dict:
    """SolaraViz's model_params: the sliders, each labelled with its unit, starting at the file's values.

    Sliders apply on Reset: Mesa rebuilds the model with them.
    """
    p = scenario.params

    def label(key: str) -> str:
        return f"{LABELS[key]} ({scenario.param_info[key]['unit']})"

    def slider(key: str, low, high, step) -> dict:
        # a float step makes a float slider even where the file's value happens to be whole (12 km)
        kind = "SliderFloat" if any(isinstance(x, float) for x in (low, high, step)) else "SliderInt"
        cast = int if kind == "SliderInt" else float
        return {"type": kind, "label": label(key), "value": cast(getattr(p, key)),
                "min": cast(low), "max": cast(high), "step": cast(step)}

    return {
        "scenario_file": str(scenario.path),           # fixed: the SCENARIO given on the command line
        "policy": {"type": "Select", "label": "Ukrainian policy (hold the salient, or withdraw east)",
                   "value": "hold", "values": list(POLICIES)},
        "withdraw_date": {"type": "Select", "label": "Withdrawal decision (date; withdraw only)",
                          "value": p.withdraw_date.isoformat(), "values": decision_dates(scenario)},
        "withdraw_fraction": slider("withdraw_fraction", 0.0, 1.0, 0.05),
        "ua_troops_kursk": slider("ua_troops_kursk", 5000, 30000, 500),
        "nk_troops": slider("nk_troops", 0, 20000, 500),
        "drone_range_km": slider("drone_range_km", 2.0, 25.0, 0.5),
        "drone_range_2024_km": slider("drone_range_2024_km", 1.0, 15.0, 0.5),
        "seed": {"type": "SliderInt", "label": "Seed (random stream number; same seed, same campaign)",
                 "value": 0, "min": 0, "max": 999, "step": 1},
    }
