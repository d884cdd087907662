"""Random streams with common random numbers built in.

A run's randomness comes from one `numpy.random.SeedSequence` (the model's generator is built from
the same sequence). Each random process gets its own child stream, and each stream is drawn up
front as a block indexed by (day, slot): the combat at node 12 on day 80 uses the same number
whichever policy is in force, and one rule drawing more never shifts the luck of another. That is
what makes paired comparisons of policies sharp.
"""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np
from scipy.special import ndtri

# Order matters: the index is part of each child stream's spawn key.
STREAMS = ("combat", "movement", "supply", "east")


def stream_seed(seed: np.random.SeedSequence, stream: str) -> np.random.SeedSequence:
    """The child sequence of `seed` for one random process (stateless: no spawn counter)."""
    return np.random.SeedSequence(entropy=seed.entropy,
                                  spawn_key=(*seed.spawn_key, STREAMS.index(stream)))


def lognormal_factors(u: np.ndarray, cv: float) -> np.ndarray:
    """Mean-one lognormal multipliers with coefficient of variation `cv`, from uniforms `u`.

    Inverse transform, so one uniform gives one factor and cv = 0 gives exactly 1.
    """
    if cv <= 0:
        return np.ones_like(u)
    sigma = math.sqrt(math.log1p(cv * cv))
    return np.exp(sigma * ndtri(u) - 0.5 * sigma * sigma)


class RandomStreams:
    """Pre-drawn per-day blocks of random numbers, one block per process.

    - combat[day][node*2 + s]: loss multiplier for side s (0 = UA, 1 = Russian side) at a node;
    - movement[day][slot]: loss multiplier for a unit moving under fire control;
    - supply[day][slot]: uniform for surrender decisions of an encircled unit;
    - east[day][sector*2 + s]: loss multiplier for side s in an eastern sector (as combat's).
    Slots are fixed per unit for the whole run (the order of battle is known at the start).
    """

    def __init__(self, seed: np.random.SeedSequence, n_days: int, n_nodes: int, n_units: int,
                 n_sectors: int, combat_cv: float):
        rows = n_days + 1
        gen = {s: np.random.default_rng(stream_seed(seed, s)) for s in STREAMS}
        self._combat = lognormal_factors(gen["combat"].random((rows, n_nodes * 2)), combat_cv)
        self._movement = lognormal_factors(gen["movement"].random((rows, n_units)), combat_cv)
        self._supply = gen["supply"].random((rows, n_units))
        self._east = lognormal_factors(gen["east"].random((rows, n_sectors * 2)), combat_cv)
        self.day(0)

    def day(self, day: int) -> None:
        """Select the rows of `day`; each becomes a plain list (fast scalar access) when first used."""
        self._day = day
        self.__dict__.pop("combat", None)
        self.__dict__.pop("movement", None)
        self.__dict__.pop("supply", None)
        self.__dict__.pop("east", None)

    @cached_property
    def combat(self) -> list[float]:
        return self._combat[self._day].tolist()

    @cached_property
    def movement(self) -> list[float]:
        return self._movement[self._day].tolist()

    @cached_property
    def supply(self) -> list[float]:
        return self._supply[self._day].tolist()

    @cached_property
    def east(self) -> list[float]:
        return self._east[self._day].tolist()
