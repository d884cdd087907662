"""Calibration as a procedure: ABC-SMC over the uncertain parameters, against the reported course.

    python -m sim calibrate experiments/calibrate.toml [--workers N | --scheduler ADDR]
                            [--out DIR] [--resume] [--population N] [--generations N] [--until DATE]

A calibration file names the scenario, the parameters to calibrate with their priors, the reported
series to match (rows of a record CSV such as data/kursk-record.csv) with a scale and a weight for
each, and the size of the run:

    name = "kursk_2024"
    scenario = "../configs/kursk_2024.toml"      # relative to this file
    record = "../data/kursk-record.csv"
    seed = 20240806
    population = 200                             # accepted particles per generation
    generations = 6
    until = 2024-12-31                           # optional (or --until): match only the points up to
                                                 # this date; the report shows the rest as held out

    [targets]                                    # a metric of the record (METRICS): the miss worth one
    ua_kursk_area_km2 = { scale = 50.0, weight = 4.0, source = "..." }   # unit of distance, its weight

    [parameters]                                 # uniform, loguniform (low, high), normal (mean, sd;
    attrition_coefficient = { prior = "lognormal", median = 0.003, sigma = 0.5, source = "..." }
                                                 # low/high truncate), lognormal (median, sigma)

The sampler is pyabc's ABC-SMC (`pyabc.ABCSMC`: its perturbation kernels, median-quantile epsilon
schedule and importance weights, its SQLite history); this module only says what a simulation is,
what the distance is, and where and with which seeds the particles are simulated:

- a simulation runs the historical policy (`hold`) with the drawn parameters and returns the
  model's value at each reported point (`statistics`);
- the distance is sqrt(Σ weight · ((model − reported) / scale)²) over the points, so each series
  counts in its own units (the scale) and by its importance (the weight): the Kursk area course is
  the main target by weight;
- particle i of generation t draws its proposals from a numpy stream seeded by
  SeedSequence(seed, (PROPOSALS, t + 1, i)), and its a-th attempt runs the model with
  SeedSequence(seed, (SIMULATIONS, t + 1, i, a)): the accepted population depends on the root seed
  only, not on the number of workers or the order in which they finish;
- the history (`DIR/abc.db`) keeps every finished generation: `--resume` continues after the last
  one, and gives the same result as an uninterrupted run.

The result: `DIR/posterior.parquet` (the last generation: one row per accepted parameter set, its
importance weight, its distance), `DIR/calibration.md` and plots (marginal posteriors against the
priors, pairwise correlations, and a posterior predictive check of each reported series).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import random
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .parameters import DATE, SECTORS, Parameters
from .scenario import Scenario, ScenarioError, load_scenario, read_toml

# Streams of the calibration's seed (the first entry of every spawn key).
PROPOSALS, SIMULATIONS, PREDICTIVE, POSTERIOR_DRAWS = 0, 1, 2, 3

# Reported metrics the model can answer, and what it answers with (see `statistics`).
METRICS = {
    "ua_kursk_area_km2": "Ukrainian-held area in Kursk oblast on the date (km²)",
    "ru_east_gain_month_km2": "Russian gains on the eastern front in the month ending on the date (km²; "
                              "the month the horizon starts in: the days from the start, reported pro rata)",
    "ru_sumy_km2": "Russian-held ground in Sumy oblast on the date (km²)",
    "nk_losses": "North Korean killed and wounded up to the date",
    "ru_troops_kursk": "Russian and North Korean personnel in Kursk on the date",
}
PRIORS = {
    "uniform": ("low", "high"),
    "loguniform": ("low", "high"),
    "normal": ("mean", "sd"),             # optionally truncated to [low, high]
    "lognormal": ("median", "sigma"),
}
_KNOWN_KEYS = {"name", "description", "scenario", "variant", "record", "seed", "population", "generations",
               "until", "min_acceptance_rate", "predictive_runs", "parameters", "targets"}


@dataclass(frozen=True)
class Prior:
    """The prior of one parameter."""
    name: str
    kind: str
    args: dict[str, float]
    low: float | None = None              # truncation (normal only) or support
    high: float | None = None
    source: str = ""

    def frozen(self):
        """The prior as a frozen scipy.stats distribution."""
        from scipy import stats

        a = self.args
        if self.kind == "uniform":
            return stats.uniform(loc=a["low"], scale=a["high"] - a["low"])
        if self.kind == "loguniform":
            return stats.loguniform(a["low"], a["high"])
        if self.kind == "lognormal":
            return stats.lognorm(s=a["sigma"], scale=a["median"])
        lo = -np.inf if self.low is None else (self.low - a["mean"]) / a["sd"]
        hi = np.inf if self.high is None else (self.high - a["mean"]) / a["sd"]
        return stats.truncnorm(lo, hi, loc=a["mean"], scale=a["sd"])

    def rv(self):
        """The prior as pyabc's random variable (the same distribution, through scipy)."""
        import pyabc

        a = self.args
        if self.kind == "uniform":
            return pyabc.RV("uniform", a["low"], a["high"] - a["low"])
        if self.kind == "loguniform":
            return pyabc.RV("loguniform", a["low"], a["high"])
        if self.kind == "lognormal":
            return pyabc.RV("lognorm", a["sigma"], 0.0, a["median"])
        lo = -np.inf if self.low is None else (self.low - a["mean"]) / a["sd"]
        hi = np.inf if self.high is None else (self.high - a["mean"]) / a["sd"]
        return pyabc.RV("truncnorm", lo, hi, a["mean"], a["sd"])

    def describe(self) -> str:
        text = f"{self.kind}(" + ", ".join(f"{k}={v:g}" for k, v in self.args.items()) + ")"
        if self.kind == "normal" and (self.low is not None or self.high is not None):
            text += f" on [{'-inf' if self.low is None else f'{self.low:g}'}, {'inf' if self.high is None else f'{self.high:g}'}]"
        return text


@dataclass(frozen=True)
class Target:
    """A reported series to match: its metric, the miss worth one unit of distance, its weight."""
    metric: str
    scale: float
    weight: float


@dataclass(frozen=True)
class Calibration:
    path: Path
    name: str
    scenario_path: Path
    variant: str | None
    record_path: Path
    seed: int
    population: int
    generations: int
    until: dt.date | None
    min_acceptance_rate: float
    predictive_runs: int
    priors: tuple[Prior, ...]
    targets: tuple[Target, ...]
    text: str = field(repr=False, default="")

    def scenario(self) -> Scenario:
        return load_scenario(self.scenario_path, variant=self.variant)

    def with_options(self, population: int | None = None, generations: int | None = None,
                     until: dt.date | None = None) -> "Calibration":
        """The file's calibration with the command line's overrides (`--population`,
        `--generations`, `--until`)."""
        from dataclasses import replace

        for flag, value in (("--population", population), ("--generations", generations)):
            if value is not None and value < (2 if flag == "--population" else 1):
                raise ScenarioError("command line", flag, f"must be a whole number >= "
                                    f"{2 if flag == '--population' else 1}, got {value}")
        cal = replace(self, population=population or self.population, generations=generations or self.generations)
        if until is not None:
            scenario = self.scenario()
            if not scenario.start < until <= scenario.end:
                raise ScenarioError("command line", "--until", f"{until} is outside the horizon; allowed: after "
                                    f"{scenario.start} up to {scenario.end}")
            cal = replace(cal, until=until)
            if not observations(cal, scenario):
                raise ScenarioError("command line", "--until", f"no reported point of the targets up to {until}")
        return cal

    @property
    def identity(self) -> str:
        """What a resumed calibration must share with the one it continues: the file and `until`."""
        return json.dumps({"file": self.text, "until": None if self.until is None else self.until.isoformat()})


def _whole(path, where: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ScenarioError(path, where, f"must be a whole number >= {minimum}, got {value!r}")
    return value


def _real(path, where: str, value: Any, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or (
            positive and value <= 0):
        raise ScenarioError(path, where, f"must be a {'positive ' if positive else ''}finite number, got {value!r}")
    return float(value)


def load_calibration(path: str | Path) -> Calibration:
    """Read and check a calibration file (and the scenario it names).

    Raises
    ------
    ScenarioError : the first problem found, naming the file and the field.
    """
    path = Path(path)
    doc = read_toml(path)
    unknown = sorted(set(doc) - _KNOWN_KEYS)
    if unknown:
        raise ScenarioError(path, unknown[0], f"unknown key; allowed: {', '.join(sorted(_KNOWN_KEYS))}")
    name = doc.get("name")
    if not isinstance(name, str) or not name.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise ScenarioError(path, "name", f"must be a name of letters, digits, '_', '.', '-', got {name!r}")
    files = {}
    for key in ("scenario", "record"):
        value = doc.get(key)
        if not isinstance(value, str) or not value:
            raise ScenarioError(path, key, f"must be the path of the {key} file, relative to this file")
        files[key] = (path.parent / value).resolve()
        if not files[key].is_file():
            raise ScenarioError(path, key, f"no file at {files[key]}")
    variant = doc.get("variant")
    if variant is not None and not isinstance(variant, str):
        raise ScenarioError(path, "variant", f"must be the name of a scenario variant, got {variant!r}")
    seed = _whole(path, "seed", doc.get("seed"), 0)
    population = _whole(path, "population", doc.get("population"), 2)
    generations = _whole(path, "generations", doc.get("generations"), 1)
    predictive_runs = _whole(path, "predictive_runs", doc.get("predictive_runs", 100), 1)
    rate = _real(path, "min_acceptance_rate", doc.get("min_acceptance_rate", 0.0))
    if not 0.0 <= rate < 1.0:
        raise ScenarioError(path, "min_acceptance_rate", f"must lie in [0, 1), got {rate}")
    until = doc.get("until")
    if until is not None and not isinstance(until, dt.date):
        raise ScenarioError(path, "until", f"must be a date like 2024-12-31, got {until!r}")

    scenario = load_scenario(files["scenario"], variant=variant)
    if until is not None and not scenario.start < until <= scenario.end:
        raise ScenarioError(path, "until", f"{until} is outside the horizon; allowed: after {scenario.start} "
                            f"up to {scenario.end}")
    priors = tuple(_prior(path, name, row, scenario) for name, row in _table(path, doc, "parameters").items())
    targets = tuple(_target(path, metric, row) for metric, row in _table(path, doc, "targets").items())
    cal = Calibration(path, name, files["scenario"], variant, files["record"], seed, population, generations,
                      until, rate, predictive_runs, priors, targets, path.read_text())
    if not observations(cal, scenario):
        raise ScenarioError(path, "targets", f"no reported point of these metrics in {files['record'].name} "
                            f"falls inside the horizon{'' if until is None else f' up to {until}'}")
    return cal


def _table(path, doc: dict, key: str) -> dict[str, dict]:
    rows = doc.get(key)
    if not isinstance(rows, dict) or not rows or not all(isinstance(r, dict) for r in rows.values()):
        raise ScenarioError(path, key, f"must be a table [{key}] of name = {{ ... }} entries, at least one")
    return rows


def _prior(path, name: str, row: dict, scenario: Scenario) -> Prior:
    where = f"parameters.{name}"
    if name not in Parameters.names():
        raise ScenarioError(path, where, f"{name!r} is not a parameter of {scenario.path.name}")
    if Parameters.kind(name) in (DATE, SECTORS):
        raise ScenarioError(path, where, f"{name!r} is not a number; only numeric parameters can be calibrated")
    kind = row.get("prior")
    if kind not in PRIORS:
        raise ScenarioError(path, f"{where}.prior", f"{kind!r} is not a prior; allowed: {', '.join(PRIORS)}")
    allowed = set(PRIORS[kind]) | {"prior", "source"} | ({"low", "high"} if kind == "normal" else set())
    extra = sorted(set(row) - allowed)
    if extra:
        raise ScenarioError(path, f"{where}.{extra[0]}", f"not a field of a {kind} prior; allowed: {', '.join(sorted(allowed))}")
    source = row.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ScenarioError(path, f"{where}.source", "must say where the prior comes from (a source or 'assumption')")
    args = {k: _real(path, f"{where}.{k}", row.get(k), positive=k in ("sd", "sigma", "median")) for k in PRIORS[kind]}
    if kind in ("uniform", "loguniform") and not (args["low"] < args["high"] and (kind == "uniform" or args["low"] > 0)):
        raise ScenarioError(path, f"{where}.high", f"a {kind} prior needs {'0 < ' if kind == 'loguniform' else ''}low < high")
    low = _real(path, f"{where}.low", row["low"]) if kind == "normal" and "low" in row else None
    high = _real(path, f"{where}.high", row["high"]) if kind == "normal" and "high" in row else None
    if low is not None and high is not None and not low < high:
        raise ScenarioError(path, f"{where}.high", "must be above low")
    prior = Prior(name, kind, args, low, high, source.strip())
    lo, hi = prior.frozen().support()
    try:                                     # every value the prior can draw must be a valid parameter
        scenario.with_params(**{name: float(lo if math.isfinite(lo) else hi - 1.0)})
        scenario.with_params(**{name: float(hi if math.isfinite(hi) else lo + 1.0)})
    except ScenarioError as exc:
        raise ScenarioError(path, f"{where}.prior", f"draws values the scenario refuses ({exc})") from None
    return prior


def _target(path, metric: str, row: dict) -> Target:
    where = f"targets.{metric}"
    if metric not in METRICS:
        raise ScenarioError(path, where, f"{metric!r} is not a metric; allowed: {', '.join(METRICS)}")
    extra = sorted(set(row) - {"scale", "weight", "source"})
    if extra:
        raise ScenarioError(path, f"{where}.{extra[0]}", "unknown field; allowed: scale, weight, source")
    if not isinstance(row.get("source"), str) or not row["source"].strip():
        raise ScenarioError(path, f"{where}.source", "must say where the scale and weight come from (or 'assumption')")
    return Target(metric, _real(path, f"{where}.scale", row.get("scale"), positive=True),
                  _real(path, f"{where}.weight", row.get("weight", 1.0), positive=True))


# --- the reported points and the model's answer ---------------------------------------------------

def read_record(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def month_covered(start: dt.date, date: dt.date) -> tuple[dt.date, float]:
    """For the month ending on `date`: the day before the model's part of it begins, and the share
    of the month the model covers (1 unless the horizon starts inside the month)."""
    first = date.replace(day=1)
    before = max(first - dt.timedelta(days=1), start)
    return before, (date - before).days / date.day


def reported_points(cal: Calibration, scenario: Scenario, until: dt.date | None = ...) -> list[tuple[str, float, str]]:
    """(key "metric@date", reported value, source) of every record row of a target metric inside
    the horizon (after the start, up to `until`; default: the file's). Monthly gains of a month the
    horizon starts in are reported pro rata."""
    until = cal.until if until is ... else until
    metrics = {t.metric for t in cal.targets}
    points = []
    for row in read_record(cal.record_path):
        if row["metric"] not in metrics:
            continue
        date = dt.date.fromisoformat(row["date"])
        if not scenario.start < date <= scenario.end or (until is not None and date > until):
            continue
        value = float(row["value"])
        if row["metric"] == "ru_east_gain_month_km2":
            value *= month_covered(scenario.start, date)[1]
        points.append((f"{row['metric']}@{row['date']}", value, row["source"]))
    return points


def observations(cal: Calibration, scenario: Scenario) -> dict[str, float]:
    return {key: value for key, value, _ in reported_points(cal, scenario)}


def statistics(records: list[tuple], columns: tuple[str, ...], start: dt.date, keys) -> dict[str, float]:
    """The model's value for each key "metric@date" (METRICS), from a run's daily records."""
    col = {name: k for k, name in enumerate(columns)}
    out = {}
    for key in keys:
        metric, _, date = key.partition("@")
        day = (dt.date.fromisoformat(date) - start).days
        r = records[day]
        if metric == "ua_kursk_area_km2":
            out[key] = r[col["ua_kursk_area_km2"]]
        elif metric == "ru_east_gain_month_km2":
            before = month_covered(start, dt.date.fromisoformat(date))[0]
            out[key] = r[col["ru_east_gain_km2"]] - records[(before - start).days][col["ru_east_gain_km2"]]
        elif metric == "ru_sumy_km2":
            out[key] = r[col["ru_sumy_gain_km2"]]
        elif metric == "nk_losses":
            out[key] = r[col["nk_losses"]]
        elif metric == "ru_troops_kursk":
            out[key] = r[col["ru_personnel_kursk"]] + r[col["nk_personnel_kursk"]]
        else:
            raise KeyError(metric)
    return out


def run_model(scenario: Scenario, theta: dict[str, float], seed: np.random.SeedSequence,
              until: dt.date | None = None):
    """The historical course (`hold`) with the parameters `theta`, up to `until` (default: the end)."""
    from .model import KurskModel

    model = KurskModel(scenario.with_params(**theta), "hold", seed)
    return model.run(None if until is None else until + dt.timedelta(days=1))


# --- what pyabc calls -------------------------------------------------------------------------------

_particle = threading.local()        # which particle a worker is simulating (seeds the model)


class Simulator:
    """pyabc's model: parameters -> the model's values at the reported points. Seeds each run
    from the calibration seed and the particle's identity (set by SeededSampler)."""

    def __init__(self, scenario: Scenario, keys: list[str], seed: int, until: dt.date | None):
        self.scenario, self.keys, self.seed, self.until = scenario, keys, seed, until
        self.last = max(dt.date.fromisoformat(k.partition("@")[2]) for k in keys)

    def __call__(self, theta) -> dict[str, float]:
        generation, index = _particle.key
        attempt = _particle.attempt
        _particle.attempt += 1
        seed = np.random.SeedSequence(self.seed, spawn_key=(SIMULATIONS, generation, index, attempt))
        model = run_model(self.scenario, dict(theta), seed, self.last)
        return statistics(model.records, model.columns, self.scenario.start, self.keys)


class Distance:
    """sqrt(Σ weight · ((model − reported) / scale)²) over the reported points (see the module)."""

    def __init__(self, targets: tuple[Target, ...], keys: list[str]):
        by_metric = {t.metric: t for t in targets}
        self.terms = [(k, by_metric[k.partition("@")[0]].weight / by_metric[k.partition("@")[0]].scale ** 2)
                      for k in keys]

    def __call__(self, x: dict, x_0: dict) -> float:
        return math.sqrt(sum(w * (x[k] - x_0[k]) ** 2 for k, w in self.terms))


def _one_particle(simulate_one: bytes, sample_factory, seed: int, generation: int, index: int):
    """Simulate until one particle of `generation` is accepted (pyabc's simulate_one does the
    proposing, simulating and accepting), from the particle's own seeds."""
    import pickle

    simulate_one = pickle.loads(simulate_one)
    ss = np.random.SeedSequence(seed, spawn_key=(PROPOSALS, generation, index))
    np.random.seed(ss.generate_state(4))      # pyabc and scipy.stats draw from numpy's global stream
    random.seed(int(ss.generate_state(1)[0]))
    _particle.key, _particle.attempt = (generation, index), 0
    sample = sample_factory()
    evaluations = 0
    while True:
        particle = simulate_one()
        evaluations += 1
        sample.append(particle)
        if particle.accepted:
            return sample, evaluations


def seeded_sampler(executor, seed: int, progress: bool):
    """pyabc's sampler interface over a concurrent.futures executor (local processes, the driver,
    or a Dask cluster), one task per particle, seeded by the particle's identity."""
    import pickle

    from pyabc.sampler import Sampler

    class SeededSampler(Sampler):
        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,
                                    ana_vars=None):
            from tqdm import tqdm

            blob = pickle.dumps(simulate_one)
            futures = [executor.submit(_one_particle, blob, self.sample_factory, seed, t + 1, i) for i in range(n)]
            what = "prior sample" if t < 0 else f"generation {t + 1}"
            with tqdm(total=n, desc=what, unit="particle", disable=not progress, leave=False) as bar:
                for f in futures:
                    f.add_done_callback(lambda _: bar.update())
                results = [f.result() for f in futures]     # in particle order, whoever finished first
            sample = self._create_empty_sample()
            self.nr_evaluations_ = sum(e for _, e in results)
            for part, _ in results:
                sample += part
            return sample

    return SeededSampler()


# --- the run --------------------------------------------------------------------------------------

def calibrate(cal: Calibration, out: Path, executor, resume: bool = False, progress: bool = True) -> dict:
    """Run (or resume) the ABC-SMC of `cal` into `out`; write the posterior, the report and plots.
    Returns a summary (generations, epsilons, evaluations, acceptance rates)."""
    import logging

    try:
        import pyabc
    except ImportError:
        raise ScenarioError("calibrate", "pyabc", "needs the calibration extra: pip install -e '.[calibration]'") from None

    logging.getLogger("ABC").setLevel(logging.WARNING)
    for name in ("Sampler", "Epsilon", "Distance", "Acceptor", "Population", "History", "Transition"):
        logging.getLogger(f"ABC.{name}").setLevel(logging.WARNING)
    scenario = cal.scenario()
    observed = observations(cal, scenario)
    keys = list(observed)
    db = out / "abc.db"
    if db.exists() and not resume:
        raise ScenarioError(out, "--out", "holds a calibration already; pass --resume to continue it, "
                            "or choose another folder")
    if resume and not db.exists():
        raise ScenarioError(out, "--resume", "no calibration to resume there (no abc.db)")
    out.mkdir(parents=True, exist_ok=True)
    prior = pyabc.Distribution(**{p.name: p.rv() for p in cal.priors})
    abc = pyabc.ABCSMC(Simulator(scenario, keys, cal.seed, cal.until), prior, Distance(cal.targets, keys),
                       population_size=cal.population, sampler=seeded_sampler(executor, cal.seed, progress))
    url = f"sqlite:///{db}"
    started = out / "calibration.json"         # what the run was started from, for --resume
    if resume:
        if not started.exists() or started.read_text() != cal.identity:
            raise ScenarioError(out, "--resume", "the calibration there was started from another calibration "
                                "file or another --until")
        abc.load(url, 1)
        done = max(abc.history.max_t + 1, 0)
    else:
        started.write_text(cal.identity)
        abc.new(url, observed)
        done = 0
    left = cal.generations - done
    if left > 0:
        abc.run(max_nr_populations=left, min_acceptance_rate=cal.min_acceptance_rate)
    from .calibration_report import write_calibration_report

    return write_calibration_report(cal, scenario, abc.history, out, executor)

