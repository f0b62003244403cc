"""Pure statistics for the safety reports: intervals, p-charts and funnel plots.

Everything here is plain Python over counts that the selectors have already aggregated in the
database, so the dashboard, the API, the CSV and the PDF share one computation (DESIGN.md
section 6). No Django imports: these functions are tested on their own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# The quantile functions themselves: the same values as scipy.stats' beta.ppf and chi2.ppf,
# without their argument handling, which made up most of a summary's Python time.
from scipy.special import betaincinv, gammaincinv

# Two-sided normal quantiles for the funnel plot's 95% and 99.8% control limits.
Z_95 = 1.959964
Z_998 = 3.090232

# Western Electric / Nelson rule: this many consecutive points above the centre line is a signal.
RUN_LENGTH = 8


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


@dataclass(frozen=True)
class PChartPoint:
    """One period on a p-chart. Periods with no sessions have no proportion and no limits."""

    label: str
    count: int
    n: int
    proportion: float | None
    lcl: float | None
    ucl: float | None
    above_ucl: bool = False
    in_run: bool = False


@dataclass(frozen=True)
class PChart:
    """A p-chart: the pooled centre line and one point per period, in order."""

    centre: float | None
    points: list[PChartPoint]

    @property
    def signals(self) -> list[PChartPoint]:
        """Points above the upper limit or inside a run of 8 above the centre."""
        return [point for point in self.points if point.above_ucl or point.in_run]


def p_chart(counts: Sequence[int], denominators: Sequence[int], labels: Sequence[str]) -> PChart:
    """Build a p-chart of the proportion of sessions with an event, one point per period.

    Method: the centre line is the pooled proportion over the whole period (sum k / sum n);
    each point has its own 3-sigma limits p̄ ± 3·sqrt(p̄(1 - p̄)/n_i), clipped to [0, 1].
    A point is flagged if it lies above its upper limit, or if it belongs to a run of
    8 or more consecutive points strictly above the centre (every point of the run is
    flagged). A period with n_i == 0 has no proportion and breaks a run.
    """
    if not len(counts) == len(denominators) == len(labels):
        raise ValueError("counts, denominators and labels must have the same length")
    for k, n in zip(counts, denominators, strict=True):
        if n < 0 or not 0 <= k <= n:
            raise ValueError(f"need 0 <= count <= n, got count={k}, n={n}")
    total_n = sum(denominators)
    centre = sum(counts) / total_n if total_n else None
    proportions = [
        k / n if n and centre is not None else None
        for k, n in zip(counts, denominators, strict=True)
    ]
    in_run = _runs_above(proportions, centre)

    points: list[PChartPoint] = []
    for label, k, n, proportion, flagged in zip(
        labels, counts, denominators, proportions, in_run, strict=True
    ):
        if proportion is None or centre is None:
            points.append(PChartPoint(label, k, n, None, None, None))
            continue
        half_width = 3 * math.sqrt(centre * (1 - centre) / n)
        lcl, ucl = max(0.0, centre - half_width), min(1.0, centre + half_width)
        points.append(PChartPoint(label, k, n, proportion, lcl, ucl, proportion > ucl, flagged))
    return PChart(centre, points)


def _runs_above(proportions: Sequence[float | None], centre: float | None) -> list[bool]:
    """Mark every point in a run of RUN_LENGTH or more consecutive points above `centre`.

    A missing proportion (a period without sessions) ends a run like a point below would.
    """
    flags = [False] * len(proportions)
    run_start = 0
    for index in range(len(proportions) + 1):
        proportion = proportions[index] if index < len(proportions) else None
        if proportion is not None and centre is not None and proportion > centre:
            continue
        if index - run_start >= RUN_LENGTH:
            flags[run_start:index] = [True] * (index - run_start)
        run_start = index + 1
    return flags


def funnel_limits(p0: float, n: int, z: float) -> tuple[float, float]:
    """Control limits for a proportion around target `p0` at denominator `n`.

    Method: normal approximation to the binomial, p0 ± z·sqrt(p0(1 - p0)/n), clipped to [0, 1].
    """
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    half_width = z * math.sqrt(p0 * (1 - p0) / n)
    return max(0.0, p0 - half_width), min(1.0, p0 + half_width)


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


@dataclass(frozen=True)
class Funnel:
    """A funnel plot: the pooled target and one entry per unit."""

    target: float | None
    units: list[FunnelUnit]

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
            (n, *funnel_limits(self.target, n, Z_95), *funnel_limits(self.target, n, Z_998))
            for n in sizes
        ]


def funnel(units: Sequence[tuple[str, int, int]]) -> Funnel:
    """Compare units (label, events, sessions) against the pooled proportion of all of them.

    Method: target p0 = sum events / sum sessions; each unit gets 95% (z = 1.959964) and
    99.8% (z = 3.090232) limits from `funnel_limits` at its own n, and is flagged when its
    proportion lies strictly outside them, above or below. Units without sessions are listed
    without a proportion or limits and are never flagged.
    """
    for label, events, n in units:
        if n < 0 or not 0 <= events <= n:
            raise ValueError(f"{label}: need 0 <= events <= sessions, got {events}/{n}")
    total_n = sum(n for _, _, n in units)
    target = sum(events for _, events, _ in units) / total_n if total_n else None

    result: list[FunnelUnit] = []
    for label, events, n in units:
        if n == 0 or target is None:
            result.append(FunnelUnit(label, events, n, None, None, None, None, None, False, False))
            continue
        proportion = events / n
        lo95, hi95 = funnel_limits(target, n, Z_95)
        lo998, hi998 = funnel_limits(target, n, Z_998)
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
                outside_95=not lo95 <= proportion <= hi95,
                outside_998=not lo998 <= proportion <= hi998,
            )
        )
    return Funnel(target, result)
