"""Which factors of a sweep the answer turns on: partial rank correlation coefficients (PRCC).

PRCC (Marino, Hogue, Ray & Kirschner 2008, "A methodology for performing global uncertainty and
sensitivity analysis in systems biology", J. Theor. Biol. 254:178-196; the usual choice for
agent-based models) measures the monotone association of one factor with an outcome once the
other factors are accounted for: rank-transform every column, regress the factor's ranks and the
outcome's ranks on the other factors' ranks, and correlate the two residuals. It needs neither
linearity nor independent factors, only monotone effects, which suits a Latin hypercube.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtri, stdtr

__all__ = ["prcc", "zero_crossing"]


def _ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks (ties share their mean rank), column by column."""
    out = np.empty_like(x, dtype=float)
    for j in range(x.shape[1]):
        col = x[:, j]
        order = np.argsort(col, kind="stable")
        ranks = np.empty(len(col))
        ranks[order] = np.arange(1, len(col) + 1)
        _, inverse, counts = np.unique(col, return_inverse=True, return_counts=True)
        sums = np.bincount(inverse, weights=ranks)
        out[:, j] = (sums / counts)[inverse]
    return out


def prcc(factors: np.ndarray, outcome: np.ndarray, level: float = 0.95) -> list[dict]:
    """Partial rank correlation of each factor with `outcome`.

    Parameters
    ----------
    factors : array, shape (n, k)
        Factor values per observation (dates as day numbers).
    outcome : array, shape (n,)
        The outcome per observation (e.g. a paired difference).
    level : float
        Confidence level of the interval (Fisher z, n - 2 - (k - 1) degrees of freedom).

    Returns
    -------
    One dict per factor, in column order: `prcc` (in [-1, 1]), `lo`, `hi` (its interval), `p`
    (two-sided p-value of PRCC = 0, Student t with n - 2 - (k - 1) degrees of freedom). A factor
    that does not vary gets NaN.
    """
    x = np.asarray(factors, dtype=float)
    y = np.asarray(outcome, dtype=float)
    if x.ndim != 2 or y.shape != (x.shape[0],):
        raise ValueError(f"factors must be (n, k) and outcome (n,), got {x.shape} and {y.shape}")
    n, k = x.shape
    dof = n - 2 - (k - 1)
    rx, ry = _ranks(x), _ranks(y[:, None])[:, 0]
    results = []
    for j in range(k):
        others = np.column_stack([np.ones(n), np.delete(rx, j, axis=1)])
        res_x = rx[:, j] - others @ np.linalg.lstsq(others, rx[:, j], rcond=None)[0]
        res_y = ry - others @ np.linalg.lstsq(others, ry, rcond=None)[0]
        denom = math.sqrt(float(res_x @ res_x) * float(res_y @ res_y))
        if denom <= 1e-12 * max(1.0, float(ry @ ry)) or dof < 1:
            results.append({"prcc": math.nan, "lo": math.nan, "hi": math.nan, "p": math.nan})
            continue
        r = max(-1.0, min(1.0, float(res_x @ res_y) / denom))
        t = r * math.sqrt(dof / max(1e-300, 1.0 - r * r))
        p = 2.0 * float(stdtr(dof, -abs(t)))
        # Fisher z: for a partial correlation with k - 1 controls the standard error is
        # 1 / sqrt(n - 3 - (k - 1)).
        z = math.atanh(min(max(r, -1.0 + 1e-15), 1.0 - 1e-15))
        half = float(ndtri(0.5 + 0.5 * level)) / math.sqrt(max(1, dof - 1))
        results.append({"prcc": r, "lo": math.tanh(z - half), "hi": math.tanh(z + half), "p": p})
    return results


def zero_crossing(x: np.ndarray, y: np.ndarray) -> tuple[float, float] | None:
    """Where a straight line fitted to (x, y) crosses zero, if it does inside the range of x.

    Used for "the answer flips near ...": x a factor's values at the design points, y the mean
    paired difference there. Returns (root, slope), or None when the fitted line keeps one sign
    over the range.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 2 or np.ptp(x) == 0:
        return None
    slope, intercept = np.polyfit(x, y, 1)
    if slope == 0:
        return None
    root = -intercept / slope
    return (float(root), float(slope)) if x.min() <= root <= x.max() else None
