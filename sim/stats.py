"""Summary statistics and paired comparisons of replicated simulation outputs.

Pure functions over 1-D numpy arrays; nothing here knows about the model. The intended use is
comparing two policies run on the same replications (the same seeds, hence common random
numbers): `compare` turns the two columns of an outcome into a paired effect estimate with a
Student t and a percentile-bootstrap interval, a win rate with a Wilson interval, and the factor
by which pairing narrowed the interval relative to treating the runs as independent.

Degenerate inputs (one replication, constant data) give zero-width intervals rather than NaNs
or warnings, so a batch report never breaks on a quiet scenario. Empty, non-finite or
mismatched inputs raise ValueError.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtri, stdtrit  # (stdtrit is scipy.stats.t.ppf without importing scipy.stats)

__all__ = ["bootstrap_ci", "compare", "describe", "independent_halfwidth", "paired_t_ci",
           "wilson_interval"]

# Bootstrap resamples are drawn in chunks of at most this many indices (plus as many gathered
# values): about 16 MB per chunk whatever n and the number of resamples.
_CHUNK_ELEMENTS = 1 << 20


def _sample(x, name: str) -> np.ndarray:
    """`x` as a non-empty, finite, 1-D float array, or ValueError naming `name`."""
    arr = np.asarray(x, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def _check_level(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level!r}")
    return float(level)


def _is_constant(x: np.ndarray) -> bool:
    return x.size < 2 or bool(np.all(x == x[0]))


def _t_halfwidth(x: np.ndarray, level: float) -> float:
    """Half-width of the t interval for the mean of x; 0 for n < 2 or constant x."""
    if _is_constant(x):
        return 0.0
    sem = x.std(ddof=1) / math.sqrt(x.size)
    return float(stdtrit(x.size - 1, 0.5 + 0.5 * level) * sem)


def describe(x) -> dict:
    """Size, mean, median and the 5th and 95th percentiles of a sample.

    Parameters
    ----------
    x : array_like, 1-D
        The sample (e.g. one outcome over all replications of one policy).

    Returns
    -------
    dict
        ``n`` (int) and the floats ``mean``, ``median``, ``q05``, ``q95``. Percentiles use
        numpy's default (linear interpolation) so they match ``numpy.quantile``.

    Raises
    ------
    ValueError
        If `x` is empty, not 1-D, or not finite.

    Examples
    --------
    >>> describe(range(0, 101, 10))
    {'n': 11, 'mean': 50.0, 'median': 50.0, 'q05': 5.0, 'q95': 95.0}
    """
    x = _sample(x, "x")
    q05, median, q95 = np.quantile(x, [0.05, 0.5, 0.95])
    return {"n": int(x.size), "mean": float(x.mean()), "median": float(median),
            "q05": float(q05), "q95": float(q95)}


def paired_t_ci(diff, level: float = 0.95) -> tuple[float, float, float]:
    """Student t confidence interval for the mean of paired differences.

    Parameters
    ----------
    diff : array_like, 1-D
        Per-replication differences ``other - base``.
    level : float, optional (default 0.95)
        Two-sided confidence level.

    Returns
    -------
    (mean, lo, hi) : tuple of float
        ``mean -/+ t_{(1+level)/2, n-1} * s / sqrt(n)`` with ``s`` the sample standard
        deviation. With n < 2 or zero variance there is no spread to estimate, and
        ``lo = hi = mean`` (a point, not NaN).

    Raises
    ------
    ValueError
        If `diff` is empty, not 1-D or not finite, or `level` is not in (0, 1).

    Notes
    -----
    Differencing first removes the variation the two arms share (the same seed gives the same
    luck to both), which is why the paired interval is the right one for common random
    numbers. Same result as ``scipy.stats.ttest_rel(other, base).confidence_interval()``.
    """
    diff = _sample(diff, "diff")
    level = _check_level(level)
    mean = float(diff.mean())
    half = _t_halfwidth(diff, level)
    return mean, mean - half, mean + half


def bootstrap_ci(diff, level: float = 0.95, resamples: int = 10_000,
                 seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap confidence interval for the mean of `diff`.

    Parameters
    ----------
    diff : array_like, 1-D
        Per-replication differences.
    level : float, optional (default 0.95)
        Two-sided confidence level.
    resamples : int, optional (default 10 000)
        Number of bootstrap resamples.
    seed : int, optional (default 0)
        Seed for ``numpy.random.default_rng``; the result is a deterministic function of
        (diff, level, resamples, seed).

    Returns
    -------
    (lo, hi) : tuple of float
        The ``(1-level)/2`` and ``(1+level)/2`` quantiles (numpy's linear method) of the means
        of `resamples` samples of size n drawn with replacement from `diff`. With n == 1 or
        constant data every resample has the same mean, and ``(mean, mean)`` is returned.

    Raises
    ------
    ValueError
        If `diff` is empty, not 1-D or not finite, `level` is not in (0, 1), or
        `resamples` < 1.

    Notes
    -----
    A check on the t interval that assumes nothing about the shape of the distribution (casualty
    and territory outcomes are often skewed or lumpy). Resample indices are drawn as
    ``(rows, n)`` blocks with ``rows * n`` at most about a million, so memory stays bounded for
    any n (10 000 resamples of n = 100 000 would otherwise take 16 GB); the block size depends
    only on n and `resamples`, which keeps the result reproducible.
    """
    diff = _sample(diff, "diff")
    level = _check_level(level)
    if int(resamples) != resamples or resamples < 1:
        raise ValueError(f"resamples must be a positive integer, got {resamples!r}")
    resamples = int(resamples)
    if _is_constant(diff):
        mean = float(diff.mean())
        return mean, mean
    n = diff.size
    rng = np.random.default_rng(seed)
    rows = max(1, min(resamples, _CHUNK_ELEMENTS // n))
    means = np.empty(resamples)
    for start in range(0, resamples, rows):
        stop = min(start + rows, resamples)
        idx = rng.integers(0, n, size=(stop - start, n))
        means[start:stop] = diff[idx].mean(axis=1)
    lo, hi = np.quantile(means, [0.5 - 0.5 * level, 0.5 + 0.5 * level])
    return float(lo), float(hi)


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float, float]:
    """Wilson score interval for a binomial proportion.

    Parameters
    ----------
    successes : int
        Number of successes, 0 <= successes <= n.
    n : int
        Number of trials.
    level : float, optional (default 0.95)
        Two-sided confidence level.

    Returns
    -------
    (p_hat, lo, hi) : tuple of float
        ``p_hat = successes / n`` and the Wilson bounds, in Newcombe's form (as scipy's
        ``binomtest(...).proportion_ci(method='wilson')``); lo is exactly 0 when successes == 0
        and hi exactly 1 when successes == n. With n == 0 nothing is known: ``(nan, 0.0, 1.0)``.

    Raises
    ------
    ValueError
        If the counts are not integers with 0 <= successes <= n, or `level` is not in (0, 1).

    Notes
    -----
    Unlike the Wald interval ``p_hat +/- z sqrt(p_hat (1 - p_hat) / n)``, the Wilson interval
    stays inside [0, 1] and does not collapse to a point when every replication is a win or a
    loss, which is common for a clearly better policy.

    Examples
    --------
    >>> p, lo, hi = wilson_interval(10, 10)
    >>> p, round(lo, 4), hi
    (1.0, 0.7225, 1.0)
    """
    level = _check_level(level)
    if int(successes) != successes or int(n) != n or not 0 <= successes <= n:
        raise ValueError(f"need integers 0 <= successes <= n, got successes={successes!r}, n={n!r}")
    k, n = int(successes), int(n)
    if n == 0:
        return math.nan, 0.0, 1.0
    p = k / n
    z = float(ndtri(0.5 + 0.5 * level))
    denom = 2 * (n + z * z)
    center = (2 * n * p + z * z) / denom
    delta = z / denom * math.sqrt(4 * n * p * (1 - p) + z * z)
    lo = 0.0 if k == 0 else center - delta
    hi = 1.0 if k == n else center + delta
    return p, lo, hi


def independent_halfwidth(a, b, level: float = 0.95) -> float:
    """Half-width of the Welch t interval for ``mean(b) - mean(a)``, samples taken as independent.

    Parameters
    ----------
    a, b : array_like, 1-D
        The two samples; lengths may differ.
    level : float, optional (default 0.95)
        Two-sided confidence level.

    Returns
    -------
    float
        ``t_{(1+level)/2, nu} * sqrt(s_a^2/n_a + s_b^2/n_b)`` with the Welch-Satterthwaite
        degrees of freedom ``nu``. A sample with one value or constant values contributes no
        variance (as in `paired_t_ci`); if neither has any, the half-width is 0.

    Raises
    ------
    ValueError
        If either sample is empty, not 1-D or not finite, or `level` is not in (0, 1).

    Notes
    -----
    This is the interval one would report without common random numbers. Set against the
    paired half-width it shows how much pairing the replications bought. Same half-width as
    ``scipy.stats.ttest_ind(a, b, equal_var=False).confidence_interval()``.
    """
    a, b = _sample(a, "a"), _sample(b, "b")
    level = _check_level(level)
    terms = [0.0 if _is_constant(x) else x.var(ddof=1) / x.size for x in (a, b)]
    se2 = terms[0] + terms[1]
    if se2 == 0.0:
        return 0.0
    dof = se2 * se2 / sum(v * v / (x.size - 1) for v, x in zip(terms, (a, b), strict=True) if v > 0.0)
    return float(stdtrit(dof, 0.5 + 0.5 * level) * math.sqrt(se2))


def compare(base, other, higher_is_better: bool, level: float = 0.95,
            resamples: int = 10_000, seed: int = 0) -> dict:
    """Paired comparison of `other` against `base` over the same replications.

    Parameters
    ----------
    base, other : array_like, 1-D, same length
        One outcome per replication under each arm; element i of both comes from the same seed.
    higher_is_better : bool
        Direction of the outcome: True for gains (territory held), False for costs (casualties).
        It decides what counts as `other` being better; the signed differences do not depend on it.
    level : float, optional (default 0.95)
        Two-sided confidence level for every interval.
    resamples, seed : int, optional
        Passed to `bootstrap_ci`.

    Returns
    -------
    dict
        ``n``
            number of replications.
        ``mean_diff``, ``t_lo``, ``t_hi``
            mean of ``diff = other - base`` and its paired t interval (`paired_t_ci`).
        ``boot_lo``, ``boot_hi``
            percentile bootstrap interval for the same mean (`bootstrap_ci`).
        ``p_better``, ``p_better_lo``, ``p_better_hi``
            share of replications where `other` is strictly better than `base` in the given
            direction, with its Wilson interval (`wilson_interval`).
        ``ties``
            share of replications with exactly equal outcomes (neither better).
        ``paired_halfwidth``, ``independent_halfwidth``
            half-widths of the paired t interval and of the Welch interval that ignores the
            pairing (`independent_halfwidth`).
        ``crn_narrowing``
            ``independent_halfwidth / paired_halfwidth``: how many times narrower pairing made
            the interval (> 1 when the arms are positively correlated). ``inf`` if only the
            paired half-width is 0, 1.0 if both are.

    Raises
    ------
    ValueError
        If the inputs are empty, not 1-D, not finite, or of different lengths.
    """
    base, other = _sample(base, "base"), _sample(other, "other")
    if base.size != other.size:
        raise ValueError(f"base and other must have the same length (paired replications), "
                         f"got {base.size} and {other.size}")
    level = _check_level(level)
    n = int(base.size)
    diff = other - base
    mean, t_lo, t_hi = paired_t_ci(diff, level)
    boot_lo, boot_hi = bootstrap_ci(diff, level, resamples, seed)
    wins = int(np.count_nonzero(diff > 0 if higher_is_better else diff < 0))
    p_better, p_lo, p_hi = wilson_interval(wins, n, level)
    paired = (t_hi - t_lo) / 2.0                 # the paired t interval's half-width, already at hand
    independent = independent_halfwidth(base, other, level)
    if paired > 0.0:
        narrowing = independent / paired
    else:
        narrowing = math.inf if independent > 0.0 else 1.0
    return {"n": n, "mean_diff": mean, "t_lo": t_lo, "t_hi": t_hi,
            "boot_lo": boot_lo, "boot_hi": boot_hi,
            "p_better": p_better, "p_better_lo": p_lo, "p_better_hi": p_hi,
            "ties": float(np.count_nonzero(diff == 0)) / n,
            "paired_halfwidth": paired, "independent_halfwidth": independent,
            "crn_narrowing": narrowing}
