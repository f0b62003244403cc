"""The funnel plot of the safety reports: each site's proportion against exact binomial
limits around the group's target, widened when the sites vary more than chance allows
(overdispersion). Plain Python over counts, like `reporting.statistics`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy.stats import binom, chi2

from reporting.statistics import MIN_EXPECTED_EVENTS

# The funnel plot's two-sided limits: 95% and 99.8% (tail areas 0.025 and 0.001).
FUNNEL_TAILS = {"95": 0.025, "998": 0.001}


def exact_funnel_limit(p0: float, n: int, probability: float) -> float:
    """The exact binomial funnel limit for target `p0` at `n`, as a proportion.

    Method (Spiegelhalter 2005, Statistics in Medicine 24:1185, section 3.1): r is the
    `probability` quantile of Binomial(n, p0); the limit (r - a) / n interpolates between
    whole counts with a = (F(r) - probability) / (F(r) - F(r - 1)), so the funnel is smooth.
    """
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    if p0 <= 0 or p0 >= 1:
        return float(p0)
    r = binom.ppf(probability, n, p0)
    f_r, f_before = binom.cdf(r, n, p0), binom.cdf(r - 1, n, p0)
    a = (f_r - probability) / (f_r - f_before) if f_r > f_before else 0.0
    return float(min(1.0, max(0.0, (r - a) / n)))


def funnel_limits(p0: float, n: int, tail: float, phi: float = 1.0) -> tuple[float, float]:
    """Two-sided funnel limits around `p0` at `n` cutting `tail` off each side, widened by
    the overdispersion factor `phi` (their distance from p0 grows by sqrt(phi))."""
    widen = math.sqrt(max(phi, 1.0))
    low = p0 - widen * (p0 - exact_funnel_limit(p0, n, tail))
    high = p0 + widen * (exact_funnel_limit(p0, n, 1 - tail) - p0)
    return max(0.0, low), min(1.0, high)


def overdispersion(units: Sequence[tuple[int, int]], p0: float) -> tuple[float, float]:
    """Pearson dispersion phi of (events, n) units around p0, and the chi-square p-value.

    phi = sum(z_i^2) / I with z_i = (y_i - p0) / sqrt(p0 (1 - p0) / n_i), after winsorizing
    the z-scores: the 10% most extreme at each end (at least one) are set to the next value
    in, so one outlying site cannot widen the limits that should catch it (Spiegelhalter
    2005, section 5). Under no overdispersion I * phi follows chi-square with I - 1 degrees
    of freedom. Fewer than 4 units give phi = 1: too few to estimate it from.
    """
    used = [(k, n) for k, n in units if n > 0]
    if len(used) < 4 or not 0 < p0 < 1:
        return 1.0, 1.0
    z = sorted((k / n - p0) / math.sqrt(p0 * (1 - p0) / n) for k, n in used)
    cut = max(1, round(0.1 * len(z)))
    z = [min(max(value, z[cut]), z[-cut - 1]) for value in z]
    total = sum(value**2 for value in z)
    return total / len(z), float(chi2.sf(total, len(z) - 1))


@dataclass(frozen=True)
class FunnelUnit:
    """One unit (usually a site) on a funnel plot, with the limits at its own denominator."""

    label: str
    events: int
    n: int
    proportion: float | None
    lo95: float | None
    hi95: float | None
    lo998: float | None
    hi998: float | None
    outside_95: bool
    outside_998: bool
    is_judged: bool = False


@dataclass(frozen=True)
class Funnel:
    """A funnel plot: the pooled target, the overdispersion used, one entry per unit."""

    target: float | None
    units: list[FunnelUnit]
    phi: float = 1.0  # 1 when the data show no overdispersion
    dispersion_p: float = 1.0

    def curve(self, points: int = 50) -> list[tuple[int, float, float, float, float]]:
        """Samples (n, lo95, hi95, lo998, hi998) from n = 1 to the largest n, for drawing.

        The n values are spaced geometrically (the funnel changes fastest at small n) and
        rounded to whole sessions, so small plots may return fewer than `points` samples.
        """
        max_n = max((unit.n for unit in self.units), default=0)
        if self.target is None or max_n < 1:
            return []
        steps = max(points - 1, 1)
        sizes = sorted({round(max_n ** (i / steps)) for i in range(steps + 1)} | {1, max_n})
        return [
            (
                n,
                *funnel_limits(self.target, n, FUNNEL_TAILS["95"], self.phi),
                *funnel_limits(self.target, n, FUNNEL_TAILS["998"], self.phi),
            )
            for n in sizes
        ]


def funnel(units: Sequence[tuple[str, int, int]], dispersion_alpha: float = 0.05) -> Funnel:
    """Compare units (label, events, sessions) against the pooled proportion of all of them.

    Method: target p0 = sum events / sum sessions; each unit gets exact binomial 95% and
    99.8% limits at its own n (`exact_funnel_limit`). When the units vary more than chance
    allows (Pearson chi-square of their z-scores significant at `dispersion_alpha`), the
    limits are widened by sqrt(phi) (a multiplicative overdispersion model). A unit is
    flagged when its proportion lies strictly outside the limits, above or below, and its
    expected events reach MIN_EXPECTED_EVENTS. Units without sessions are never flagged.
    """
    for label, events, n in units:
        if n < 0 or not 0 <= events <= n:
            raise ValueError(f"{label}: need 0 <= events <= sessions, got {events}/{n}")
    total_n = sum(n for _, _, n in units)
    target = sum(events for _, events, _ in units) / total_n if total_n else None
    if target is None:
        empty = [
            FunnelUnit(lb, e, n, None, None, None, None, None, False, False) for lb, e, n in units
        ]
        return Funnel(None, empty)
    phi, dispersion_p = overdispersion([(e, n) for _, e, n in units], target)
    if dispersion_p >= dispersion_alpha or phi <= 1:
        phi = 1.0

    result: list[FunnelUnit] = []
    for label, events, n in units:
        if n == 0:
            result.append(FunnelUnit(label, events, n, None, None, None, None, None, False, False))
            continue
        proportion = events / n
        lo95, hi95 = funnel_limits(target, n, FUNNEL_TAILS["95"], phi)
        lo998, hi998 = funnel_limits(target, n, FUNNEL_TAILS["998"], phi)
        judged = n * target >= MIN_EXPECTED_EVENTS
        result.append(
            FunnelUnit(
                label,
                events,
                n,
                proportion,
                lo95,
                hi95,
                lo998,
                hi998,
                outside_95=judged and not lo95 <= proportion <= hi95,
                outside_998=judged and not lo998 <= proportion <= hi998,
                is_judged=judged,
            )
        )
    return Funnel(target, result, phi, dispersion_p)
