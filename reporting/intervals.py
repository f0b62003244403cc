"""Exact intervals for the safety reports: proportions (Clopper-Pearson) and rates (Garwood),
one at a time or over arrays of counts (a whole table in one call).

Plain Python and scipy over counts the selectors have already aggregated; no Django imports.
`reporting.statistics` re-exports them beside the p-charts, funnels and tests that use them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import betaincinv, gammaincinv


@dataclass(frozen=True)
class Interval:
    """A point estimate with its confidence interval.

    When no events were seen, `lower` is 0 and `upper` is a one-sided upper bound
    (`is_upper_bound_only` is True): reports show it as "< upper", not as a range.
    All three values are None when there is no denominator to estimate from.
    """

    estimate: float | None
    lower: float | None
    upper: float | None
    method: str
    is_upper_bound_only: bool = False


def _alpha(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence!r}")
    return 1 - confidence


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> Interval:
    """Exact binomial interval for the proportion k/n (e.g. sessions with an event).

    Method: Clopper-Pearson, from beta quantiles, two-sided at `confidence`. With k == 0 the
    two-sided lower limit is 0 anyway, so we report the one-sided upper bound
    1 - alpha**(1/n) instead (about 3/n at 95%, the "rule of three").
    """
    alpha = _alpha(confidence)
    if n < 0 or not 0 <= k <= max(n, 0):
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return Interval(None, None, None, "clopper-pearson")
    if k == 0:
        return Interval(0.0, 0.0, 1 - alpha ** (1 / n), "clopper-pearson one-sided", True)
    lower = float(betaincinv(k, n - k + 1, alpha / 2))
    # beta(k + 1, 0) is undefined; when every trial is an event the upper limit is 1.
    upper = 1.0 if k == n else float(betaincinv(k + 1, n - k, 1 - alpha / 2))
    return Interval(k / n, lower, upper, "clopper-pearson")


# The array forms below give, element by element, the floats of the scalar functions above
# (the same quantile functions and the same IEEE operations; one ufunc call per table instead
# of one per row). NaN stands for None. tests/reporting/test_statistics.py compares them.
IntervalArrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def clopper_pearson_arrays(k: ArrayLike, n: ArrayLike, confidence: float = 0.95) -> IntervalArrays:
    """`clopper_pearson` over arrays of k and n: (estimate, lower, upper, upper bound only)."""
    alpha = _alpha(confidence)
    k, n = np.asarray(k, dtype="int64"), np.asarray(n, dtype="int64")
    if (n < 0).any() or (k < 0).any() or (k > np.maximum(n, 0)).any():
        raise ValueError("need 0 <= k <= n for every pair")
    estimate, lower, upper = (np.full(k.shape, np.nan) for _ in range(3))
    counted = n > 0
    estimate[counted] = k[counted] / n[counted]
    none = counted & (k == 0)
    lower[none] = 0.0
    # Python's pow, as the scalar form: numpy's may differ in the last bit.
    upper[none] = [1 - alpha ** (1 / int(size)) for size in n[none]]
    some = counted & (k > 0)
    lower[some] = betaincinv(k[some], n[some] - k[some] + 1, alpha / 2)
    upper[some & (k == n)] = 1.0
    part = some & (k < n)
    upper[part] = betaincinv(k[part] + 1, n[part] - k[part], 1 - alpha / 2)
    return estimate, lower, upper, none


def poisson_rate(k: int, exposure: float, per: float = 100, confidence: float = 0.95) -> Interval:
    """Exact interval for an event rate: k events over `exposure` sessions, scaled per `per`.

    Used for "events per 100 sessions", where one session may have several events. Method:
    Garwood's exact Poisson interval from chi-square quantiles. With k == 0 we report the
    one-sided upper bound -ln(alpha) / exposure * per (3.0 per 100 over 100 sessions at 95%).
    """
    alpha = _alpha(confidence)
    if k < 0 or exposure < 0:
        raise ValueError(f"need k >= 0 and exposure >= 0, got k={k}, exposure={exposure}")
    if exposure == 0:
        return Interval(None, None, None, "garwood")
    scale = per / exposure
    if k == 0:
        return Interval(0.0, 0.0, -math.log(alpha) * scale, "garwood one-sided", True)
    lower = float(gammaincinv(k, alpha / 2))  # chi2.ppf(alpha / 2, 2k) / 2
    upper = float(gammaincinv(k + 1, 1 - alpha / 2))  # chi2.ppf(1 - alpha / 2, 2k + 2) / 2
    return Interval(k * scale, lower * scale, upper * scale, "garwood")


def poisson_rate_arrays(
    k: ArrayLike, exposure: ArrayLike, per: float = 100, confidence: float = 0.95
) -> IntervalArrays:
    """`poisson_rate` over arrays of k and whole exposures: (estimate, lower, upper, upper
    bound only)."""
    alpha = _alpha(confidence)
    k, exposure = np.asarray(k, dtype="int64"), np.asarray(exposure, dtype="int64")
    if (k < 0).any() or (exposure < 0).any():
        raise ValueError("need k >= 0 and exposure >= 0")
    estimate, lower, upper = (np.full(k.shape, np.nan) for _ in range(3))
    exposed = exposure > 0
    scale = np.full(k.shape, np.nan)
    scale[exposed] = per / exposure[exposed]
    none = exposed & (k == 0)
    estimate[none], lower[none] = 0.0, 0.0
    upper[none] = -math.log(alpha) * scale[none]
    some = exposed & (k > 0)
    estimate[some] = k[some] * scale[some]
    lower[some] = gammaincinv(k[some], alpha / 2) * scale[some]
    upper[some] = gammaincinv(k[some] + 1, 1 - alpha / 2) * scale[some]
    return estimate, lower, upper, none
