"""Experimental designs over uncertain parameters, for parameter sweeps.

A sweep varies some scenario or policy parameters (the *factors*) and runs the model at each
*design point*, a dict {factor name: value}. Which points to run is the design. Three kinds:

- a full factorial: every combination of a few levels per factor. Easy to read, but its size
  grows as levels ** factors, so it only suits two or three factors;
- a Latin hypercube (LHS) from `scipy.stats.qmc`: any number of points, each factor's range cut
  into as many equal bins as there are points and every bin used exactly once, so each factor is
  fully explored even when there are many factors. Its optimised variant also spreads the points
  over the joint space;
- a nearly orthogonal Latin hypercube (NOLH) of Cioppa & Lucas (2007), the data-farming standard:
  fixed, published designs whose factor columns are almost uncorrelated, so the effect of one
  factor can be told from the effect of another in a regression over the outputs.

Designs are built in the unit cube [0, 1]^k and mapped onto the factors by `scale`, so every kind
treats float, integer, date and listed-level factors the same way. `design_points` is the one
entry point a sweep needs. Everything here is a pure function of its arguments: the same call
gives the same points in the same order, whatever the machine. The only data read is the bundled
NOLH tables in `sim.designs.cioppa_lucas`.

References
----------
Cioppa, T. M. and Lucas, T. W. (2007). Efficient nearly orthogonal and space-filling Latin
hypercubes. Technometrics 49(1):45-55.
McKay, M. D., Beckman, R. J. and Conover, W. J. (1979). A comparison of three methods for
selecting values of input variables in the analysis of output from a computer code.
Technometrics 21(2):239-245.
Sanchez, S. M., Sanchez, P. J. and Wan, H. (2020). Work smarter, not harder: a tutorial on
designing and conducting simulation experiments. Proceedings of the 2020 Winter Simulation
Conference, 1128-1142.
"""

from __future__ import annotations

import datetime as dt
import inspect
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from .designs.cioppa_lucas import FIRST_HALVES

__all__ = ["DESIGN_KINDS", "NOLH_SIZES", "Factor", "design_points", "full_factorial",
           "latin_hypercube", "nolh", "scale"]

DESIGN_KINDS = ("full_factorial", "lhs", "lhs_optimised", "nolh")

# Runs of each bundled NOLH -> the most factors it holds (Cioppa & Lucas 2007; the 257-run design
# from Sanchez's NOLH spreadsheet).
NOLH_SIZES: dict[int, int] = {n: len(rows[0]) for n, rows in sorted(FIRST_HALVES.items())}

RANGE_KINDS = ("float", "int", "date")

# A full factorial larger than this is refused rather than built: it would not be run anyway.
MAX_FACTORIAL_POINTS = 1_000_000


# Factors ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Factor:
    """One parameter a sweep varies: a range (`low`, `high`) or a list of `levels`.

    A range is continuous in the unit cube and mapped onto its values by `kind`: "float"
    (linear), "int" (linear, rounded half up to an integer) or "date" (linear in day ordinals,
    rounded half up to a whole day). `kind` defaults to "date" for dates and "float" for numbers,
    so an integer range has to say so (`kind="int"`), as in a sweep file. A list of levels is
    taken as it stands (numbers, dates, strings or booleans, not mixed): a design chooses among
    them, in the order given.

    Parameters
    ----------
    name : str
        The scenario or policy parameter the factor sets.
    low, high : float, int or datetime.date, optional
        The ends of a range, both reachable; `low` < `high`.
    levels : sequence, optional
        At least two distinct values of one type, instead of a range.
    kind : {"float", "int", "date"}, optional
        How a range's values are read; inferred when left out (see above).

    Raises
    ------
    ValueError
        With one line naming the factor and what is allowed: neither or both of a range and
        levels, low >= high, mixed or unsupported types, non-finite numbers, a fractional end of
        an integer range, a kind that does not fit the values, fewer than two or repeated levels.
    TypeError
        `levels` that is not a sequence (`from_spec` turns any non-list into a ValueError).

    Examples
    --------
    >>> Factor("ua_troops_kursk", low=10_000, high=30_000, kind="int").kind
    'int'
    >>> Factor("withdraw_date", low=dt.date(2024, 10, 1), high=dt.date(2025, 3, 1)).kind
    'date'
    >>> Factor("drone_range_km", levels=[10, 15, 20]).kind
    'levels'
    """

    name: str
    low: Any = None
    high: Any = None
    levels: tuple | None = None
    kind: str | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"factor name must be a non-empty string, got {self.name!r}")
        has_range = self.low is not None or self.high is not None
        if self.levels is not None:
            if has_range:
                raise ValueError(f"factor {self.name!r}: give either low and high or levels, "
                                 "not both")
            self._check_levels()
        elif self.low is None or self.high is None:
            raise ValueError(f"factor {self.name!r}: give both low and high (a range) or a list "
                             "of levels")
        else:
            self._check_range()

    def _check_levels(self):
        if isinstance(self.levels, (str, bytes, Mapping)) or not isinstance(self.levels, Sequence):
            raise TypeError(f"factor {self.name!r}: levels must be a list of values, got "
                            f"{self.levels!r}")
        levels = tuple(self.levels)
        if self.kind not in (None, "levels"):
            raise ValueError(f"factor {self.name!r}: kind {self.kind!r} applies to a range (low, "
                             "high), not to levels")
        if not levels:
            raise ValueError(f"factor {self.name!r}: levels is empty; give at least two values")
        if len(levels) < 2:
            raise ValueError(f"factor {self.name!r}: one level ({levels[0]!r}) is a constant, "
                             "not a factor; give at least two levels or set it as a parameter")
        types = {_value_type(v) for v in levels}
        if None in types:
            bad = next(v for v in levels if _value_type(v) is None)
            raise ValueError(f"factor {self.name!r}: level {bad!r} is not a number, date, "
                             "string or boolean")
        if len(types) > 1:
            raise ValueError(f"factor {self.name!r}: levels mix types ({', '.join(sorted(types))}"
                             "); give levels of one type")
        if types == {"number"} and not all(math.isfinite(v) for v in levels):
            raise ValueError(f"factor {self.name!r}: levels must be finite numbers")
        if len(set(levels)) < len(levels):
            raise ValueError(f"factor {self.name!r}: levels repeat a value; give distinct levels")
        object.__setattr__(self, "levels", levels)
        object.__setattr__(self, "kind", "levels")

    def _check_range(self):
        low, high = self.low, self.high
        types = {_value_type(low), _value_type(high)}
        if not types <= {"number", "date"}:
            raise ValueError(f"factor {self.name!r}: low and high must be numbers or dates, got "
                             f"{low!r} and {high!r}")
        if len(types) > 1:
            raise ValueError(f"factor {self.name!r}: low and high mix a number and a date; give "
                             "two numbers or two dates")
        kind = self.kind
        if kind is None:
            kind = "date" if types == {"date"} else "float"
        if kind not in RANGE_KINDS:
            raise ValueError(f"factor {self.name!r}: kind must be one of {', '.join(RANGE_KINDS)}"
                             f", got {kind!r}")
        if (kind == "date") != (types == {"date"}):
            raise ValueError(f"factor {self.name!r}: kind {kind!r} does not fit low {low!r} and "
                             f"high {high!r}; dates take kind 'date', numbers 'float' or 'int'")
        if kind == "float":
            if not (math.isfinite(low) and math.isfinite(high)):
                raise ValueError(f"factor {self.name!r}: low and high must be finite numbers")
            low, high = float(low), float(high)
        elif kind == "int":
            if not all(math.isfinite(v) and float(v).is_integer() for v in (low, high)):
                raise ValueError(f"factor {self.name!r}: an int range needs whole-number low and "
                                 f"high, got {low!r} and {high!r}")
            low, high = int(low), int(high)
        if not low < high:
            raise ValueError(f"factor {self.name!r}: low ({low}) must be below high ({high})")
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        object.__setattr__(self, "kind", kind)

    @classmethod
    def from_spec(cls, name: str, spec) -> Factor:
        """The factor a sweep file declares: `{low = ..., high = ...}` or a list of levels.

        Sweep files are TOML, so this takes what `tomllib` gives: a table (dict) with `low`,
        `high` and optionally `kind` ("float", "int" or "date"), or an array (list) of levels.
        Unquoted TOML dates arrive as `datetime.date`; quoted ISO dates ("2024-10-01") at the ends
        of a range are read as dates too, since that is how the experiment files write dates.

        Parameters
        ----------
        name : str
            The factor's name (its key in the sweep file).
        spec : dict or list
            The factor's value in the sweep file.

        Returns
        -------
        Factor

        Raises
        ------
        ValueError
            One line naming the factor and what is allowed.

        Examples
        --------
        >>> Factor.from_spec("nk_troops", {"low": 8000, "high": 14000, "kind": "int"})
        Factor(name='nk_troops', low=8000, high=14000, levels=None, kind='int')
        >>> Factor.from_spec("withdraw_date", {"low": "2024-10-01", "high": "2025-03-01"}).low
        datetime.date(2024, 10, 1)
        """
        if isinstance(spec, Mapping):
            unknown = sorted(set(spec) - {"low", "high", "kind"})
            if unknown:
                raise ValueError(f"factor {name!r}: unknown key(s) {', '.join(unknown)}; a range "
                                 "takes low, high and optionally kind")
            if "low" not in spec or "high" not in spec:
                raise ValueError(f"factor {name!r}: a range needs both low and high")
            low, high = _iso_date(spec["low"]), _iso_date(spec["high"])
            return cls(name, low=low, high=high, kind=spec.get("kind"))
        if isinstance(spec, (list, tuple)):
            return cls(name, levels=tuple(spec))
        raise ValueError(f"factor {name!r}: give a range {{low = ..., high = ...}} or a list of "
                         f"levels, got {spec!r}")


def _value_type(value) -> str | None:
    """The kind of a factor value as validation sees it; int and float are both "number"."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, dt.datetime):
        return None                      # a time of day has no place in a daily model
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, str):
        return "string"
    return None


def _iso_date(value):
    """An ISO date string as a date; anything else unchanged (validation comes later)."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _check_factors(factors) -> tuple[Factor, ...]:
    factors = tuple(factors)
    if not factors:
        raise ValueError("a design needs at least one factor")
    for f in factors:
        if not isinstance(f, Factor):
            raise TypeError(f"factors must be Factor objects, got {f!r}")
    names = [f.name for f in factors]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"factor names repeat: {', '.join(repeated)}; each parameter can be one "
                         "factor only")
    return factors


def _count(value, what: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{what} must be an integer >= {minimum}, got {value!r}")
    return int(value)


# Mapping the unit cube onto factors ---------------------------------------------------------------

def _round_half_up(x: float) -> int:
    # Python's round() sends ties to the even neighbour, which would bunch evenly spaced design
    # levels onto even integers; half up treats every integer alike.
    return math.floor(x + 0.5)


def _value(factor: Factor, u: float):
    """The value of `factor` at unit coordinate `u` in [0, 1]."""
    if factor.kind == "levels":
        n = len(factor.levels)
        return factor.levels[min(math.floor(u * n), n - 1)]
    if factor.kind == "date":
        lo, hi = factor.low.toordinal(), factor.high.toordinal()
        return dt.date.fromordinal(_round_half_up((1.0 - u) * lo + u * hi))
    # (1-u)*low + u*high, rather than low + u*(high-low), hits both ends exactly in floating point.
    x = (1.0 - u) * factor.low + u * factor.high
    return _round_half_up(x) if factor.kind == "int" else float(x)


def scale(unit_design, factors) -> list[dict[str, Any]]:
    """Map a design in the unit cube onto the factors' values, one dict per design point.

    All designs here are built on [0, 1]^k so that one mapping serves every kind of design and
    every kind of factor. Column j of `unit_design` goes to `factors[j]`: a float range linearly
    (0 -> low, 1 -> high, both exact); an int range linearly and then rounded half up; a date
    range linearly in day ordinals and rounded half up to a whole day; a list of n levels by
    cutting [0, 1] into n equal bins, level i taking [i/n, (i+1)/n) and the last also 1. With
    Latin hypercubes the bins keep every level equally used when n divides the number of points.

    Parameters
    ----------
    unit_design : array_like, shape (points, len(factors))
        Coordinates in [0, 1].
    factors : sequence of Factor
        One per column, with distinct names.

    Returns
    -------
    list of dict
        Row order kept; values are plain Python floats, ints, dates or the levels themselves.

    Raises
    ------
    ValueError
        A shape that does not match the factors, coordinates outside [0, 1] or not finite,
        repeated factor names.
    TypeError
        A factor that is not a `Factor`.

    Examples
    --------
    >>> scale([[0.0, 1.0], [0.5, 0.5]],
    ...       [Factor("x", low=0.0, high=2.0), Factor("side", levels=["UA", "RU"])])
    [{'x': 0.0, 'side': 'RU'}, {'x': 1.0, 'side': 'RU'}]
    """
    factors = _check_factors(factors)
    u = np.asarray(unit_design, dtype=float)
    if u.ndim != 2 or u.shape[1] != len(factors):
        raise ValueError(f"the unit design must have shape (points, {len(factors)}) for "
                         f"{len(factors)} factors, got shape {u.shape}")
    if not np.isfinite(u).all() or (u < 0.0).any() or (u > 1.0).any():
        raise ValueError("unit design coordinates must lie in [0, 1]")
    return [{f.name: _value(f, float(x)) for f, x in zip(factors, row, strict=True)}
            for row in u]


# Full factorial -----------------------------------------------------------------------------------

def _factor_levels(factor: Factor, levels_per_range: int) -> list:
    if factor.kind == "levels":
        return list(factor.levels)
    values = [_value(factor, float(u)) for u in np.linspace(0.0, 1.0, levels_per_range)]
    return list(dict.fromkeys(values))   # a narrow int or date range has fewer distinct values


def full_factorial(factors, levels_per_range: int = 3) -> list[dict[str, Any]]:
    """Every combination of the factors' levels.

    The plainest design and the easiest to read (every effect and interaction can be estimated),
    but it has prod(levels) points, so it is only affordable for a few factors. A range is
    represented by `levels_per_range` evenly spaced values including both ends (3: low, middle,
    high, enough to see curvature); an int or date range narrower than that gives its distinct
    values only. A list of levels is used as it stands.

    Parameters
    ----------
    factors : sequence of Factor
        With distinct names.
    levels_per_range : int, default 3
        Values per range factor, at least 2.

    Returns
    -------
    list of dict
        In lexicographic order of the factors' levels: the first factor varies slowest.

    Raises
    ------
    ValueError
        Fewer than 2 levels per range, repeated factor names, or more than
        MAX_FACTORIAL_POINTS points.

    Examples
    --------
    >>> full_factorial([Factor("a", low=0, high=10, kind="int"), Factor("b", levels=[True, False])])
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'a': 0, 'b': True}, {'a': 0, 'b': False}, {'a': 5, 'b': True}, {'a': 5, 'b': False},
     {'a': 10, 'b': True}, {'a': 10, 'b': False}]
    """
    factors = _check_factors(factors)
    levels_per_range = _count(levels_per_range, "levels_per_range", minimum=2)
    per_factor = [_factor_levels(f, levels_per_range) for f in factors]
    size = math.prod(len(v) for v in per_factor)
    if size > MAX_FACTORIAL_POINTS:
        raise ValueError(f"a full factorial of these {len(factors)} factors has {size:,} points "
                         f"(more than {MAX_FACTORIAL_POINTS:,}); use fewer levels or kind 'nolh' "
                         "or 'lhs'")
    names = [f.name for f in factors]
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*per_factor)]


# Latin hypercubes -------------------------------------------------------------------------------

def latin_hypercube(n_factors: int, points: int, seed, optimised: bool = False) -> np.ndarray:
    """A Latin hypercube sample in the unit cube (McKay et al. 1979), from scipy.stats.qmc.

    Each factor's [0, 1] is cut into `points` equal bins and every bin holds exactly one point,
    so each factor is explored evenly whatever the number of factors; the pairing of bins across
    factors is random, and each point lies at a random place inside its bin.

    The optimised variant uses scipy's ``optimization="random-cd"``: random swaps of coordinates
    within a column, kept when they lower the centred L2-discrepancy. It keeps the Latin property
    and any number of points, spreads the points more evenly over the joint space, and in practice
    also lowers the correlation between columns. The alternative, ``strength=2`` (an orthogonal-
    array-based LHS), needs `points` to be the square of a prime p and at most p + 1 factors, too
    rigid for a sweep file's free choice of points.

    Parameters
    ----------
    n_factors : int
        Columns, at least 1.
    points : int
        Rows, at least 1.
    seed : int or numpy.random.SeedSequence
        The sample is a pure function of it (and of the scipy version).
    optimised : bool, default False
        Use the random-cd optimisation. It costs CPU: about 0.5 s for 100 points and 10
        factors, 2-3 s for 1,000 points (scipy 1.18, one core).

    Returns
    -------
    numpy.ndarray, shape (points, n_factors)
        Coordinates in [0, 1).

    Raises
    ------
    ValueError
        Non-positive sizes.
    TypeError
        A seed that is not an int or SeedSequence.
    """
    n_factors = _count(n_factors, "n_factors")
    points = _count(points, "points")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer, np.random.SeedSequence)):
        raise TypeError(f"seed must be an int or numpy SeedSequence, got {seed!r}")
    # Imported here, not at the top: scipy.stats costs about a second of every worker's start-up,
    # and a worker only reads design points, it never draws them.
    from scipy.stats import qmc

    # scipy >= 1.15 takes the generator as `rng`; older releases (pyproject allows >= 1.11) as `seed`.
    keyword = "rng" if "rng" in inspect.signature(qmc.LatinHypercube).parameters else "seed"
    sampler = qmc.LatinHypercube(n_factors, optimization="random-cd" if optimised else None,
                                 **{keyword: np.random.default_rng(seed)})
    return sampler.random(points)


# Nearly orthogonal Latin hypercubes ---------------------------------------------------------------

@cache
def _nolh_levels(runs: int) -> np.ndarray:
    """The full runs x k matrix of levels 1..runs, rebuilt from its stored first half.

    The published designs are fold-overs about the centre run, which sets every factor to its
    middle level: run (n+1)/2 + i is n+1 minus run i. Only the first half is stored.
    """
    half = np.array(FIRST_HALVES[runs], dtype=np.int64)
    centre = np.full((1, half.shape[1]), (runs + 1) // 2, dtype=np.int64)
    full = np.vstack([half, centre, runs + 1 - half])
    full.flags.writeable = False
    return full


def nolh(n_factors: int, points: int | None = None) -> np.ndarray:
    """A nearly orthogonal Latin hypercube of Cioppa & Lucas (2007), in the unit cube.

    Cioppa and Lucas searched for Latin hypercubes whose columns are nearly uncorrelated (the
    largest absolute pairwise correlation and the condition number of the correlation matrix
    close to 0 and 1) while still filling the space well. Uncorrelated columns let a regression
    over the sweep's outputs separate each factor's effect from the others', with far fewer runs
    than a factorial: 7 factors in 17 runs, 11 in 33, 16 in 65, 22 in 129, 29 in 257. These are
    their published matrices (the 257-run one from Sanchez's NOLH spreadsheet), bundled in
    `sim.designs.cioppa_lucas`, not a re-derivation.

    With k factors the smallest design that holds k columns is used, and its first k columns
    (a subset of nearly orthogonal columns is nearly orthogonal too). Each column is a
    permutation of the levels 1..n, returned as (level - 1) / (n - 1) so that `scale` maps the
    first and last levels onto a factor's low and high.

    Parameters
    ----------
    n_factors : int
        Columns wanted, 1 to 29.
    points : int, optional
        Leave out, or give the design's own size (17, 33, 65, 129 or 257, whichever fits
        `n_factors`); other sizes are refused rather than silently changed.

    Returns
    -------
    numpy.ndarray, shape (n, n_factors)
        Coordinates in [0, 1], in the published run order; the middle run is the centre point.

    Raises
    ------
    ValueError
        More than 29 factors, or `points` that is not the design's size.

    Examples
    --------
    >>> nolh(3).shape
    (17, 3)
    >>> float(nolh(3)[8, 0])    # the centre run
    0.5
    """
    n_factors = _count(n_factors, "n_factors")
    fits = [runs for runs, width in NOLH_SIZES.items() if width >= n_factors]
    if not fits:
        raise ValueError(f"the NOLH designs hold at most {max(NOLH_SIZES.values())} factors, got "
                         f"{n_factors}; use kind 'lhs' or 'lhs_optimised'")
    runs = fits[0]
    if points is not None and (isinstance(points, bool) or points != runs):
        raise ValueError(f"a NOLH for {n_factors} factors has {runs} points; leave points out or "
                         f"set it to {runs}, got {points!r}")
    return (_nolh_levels(runs)[:, :n_factors] - 1) / (runs - 1)


# The entry point ----------------------------------------------------------------------------------

def design_points(kind: str, factors, points: int | None = None, seed=0,
                  levels_per_range: int = 3) -> list[dict[str, Any]]:
    """The design points a sweep runs: one dict {factor name: value} per point.

    Parameters
    ----------
    kind : {"full_factorial", "lhs", "lhs_optimised", "nolh"}
        The design (see the module docstring for when each suits).
    factors : sequence of Factor
        With distinct names; column order is factor order.
    points : int, optional
        Required for "lhs" and "lhs_optimised". For "full_factorial" and "nolh" the design fixes
        its own size: leave it out or give exactly that size, as a check on the sweep file.
    seed : int or numpy.random.SeedSequence, default 0
        Used by "lhs" and "lhs_optimised" only; the other kinds are fixed.
    levels_per_range : int, default 3
        Used by "full_factorial" only: values per range factor.

    Returns
    -------
    list of dict
        In a deterministic order: the design's row order.

    Raises
    ------
    ValueError
        An unknown kind (naming the allowed ones), a missing or wrong `points`, or any error of
        the factors or the design.
    TypeError
        A factor that is not a `Factor`, or a seed that is not an int or SeedSequence.

    Examples
    --------
    >>> pts = design_points("nolh", [Factor("nk_troops", low=8000, high=14000, kind="int"),
    ...                              Factor("drone_range_km", low=5.0, high=25.0)])
    >>> len(pts), pts[8]
    (17, {'nk_troops': 11000, 'drone_range_km': 15.0})
    """
    if kind not in DESIGN_KINDS:
        raise ValueError(f"design kind must be one of {', '.join(DESIGN_KINDS)}, got {kind!r}")
    factors = _check_factors(factors)
    if kind == "full_factorial":
        result = full_factorial(factors, levels_per_range)
        if points is not None and points != len(result):
            raise ValueError(f"a full factorial of these factors has {len(result)} points; leave "
                             f"points out or set it to {len(result)}, got {points!r}")
        return result
    if kind == "nolh":
        return scale(nolh(len(factors), points), factors)
    if points is None:
        raise ValueError(f"design kind {kind!r} needs points (the number of design points)")
    unit = latin_hypercube(len(factors), points, seed, optimised=(kind == "lhs_optimised"))
    return scale(unit, factors)
