"""Pure statistics for the safety reports: p-charts, funnel plots, rate ratios and the
multiplicity control that turns them into signals a director can trust (the exact intervals
live in `reporting.intervals` and are re-exported here).

Everything here is plain Python over counts that the selectors have already aggregated in the
database, so the dashboard, the API, the CSV and the PDF share one computation (DESIGN.md
section 6). No Django imports: these functions are tested on their own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

# The quantile functions themselves: the same values as scipy.stats' beta.ppf, without its
# argument handling, which made up most of a summary's Python time.
from scipy.special import betaincinv
from scipy.stats import binom

from reporting.intervals import (
    Interval,
    IntervalArrays,
    _alpha,
    clopper_pearson,
    clopper_pearson_arrays,
    poisson_rate,
    poisson_rate_arrays,
)

__all__ = [
    "Interval",
    "IntervalArrays",
    "clopper_pearson",
    "clopper_pearson_arrays",
    "poisson_rate",
    "poisson_rate_arrays",
]

# One-sided tail area of a 3-sigma limit: the p-chart's exact binomial limits cut the same
# area off each tail that 3 standard deviations cut off a normal distribution.
P_CHART_TAIL = 0.00135
# A month is judged only when its sessions lead to expect at least this many events under the
# centre line: below it, one or two events already cross the limit, and a flag means nothing.
MIN_EXPECTED_EVENTS = 5
# A flag about one term needs at least this many sessions with that term behind it.
MIN_TERM_EVENTS = 3
# Western Electric / Nelson rule: this many consecutive points above the centre line is a signal.
RUN_LENGTH = 8
# False discovery rate across the many per-term tests (Benjamini-Hochberg).
FDR = 0.05


@dataclass(frozen=True)
class PChartPoint:
    """One period on a p-chart. Periods with no sessions have no proportion and no limits.

    The limits are exact binomial probability limits, kept both as counts (`lcl_count`,
    `ucl_count`, compared with `count` exactly) and as proportions of `n` for drawing.
    `is_judged` is False when the month's expected events (`expected`) fall short of
    MIN_EXPECTED_EVENTS: such a month is drawn but never flagged and takes no part in a run.
    `p_value` is the exact upper-tail probability of `count` or more events at the centre line.
    """

    label: str
    count: int
    n: int
    proportion: float | None
    lcl: float | None
    ucl: float | None
    above_ucl: bool = False
    in_run: bool = False
    lcl_count: int | None = None
    ucl_count: int | None = None
    expected: float = 0.0
    is_judged: bool = False
    p_value: float = 1.0


@dataclass(frozen=True)
class Run:
    """Consecutive judged months above the centre line, with the exact upper-tail p-value of
    their pooled count (`events` in `sessions`) at the centre line."""

    first: str
    last: str
    months: int
    events: int
    sessions: int
    p_value: float


@dataclass(frozen=True)
class PChart:
    """A p-chart: the pooled centre line, one point per period in order, and the runs."""

    centre: float | None
    points: list[PChartPoint]
    runs: list[Run] = field(default_factory=list)

    @property
    def signals(self) -> list[PChartPoint]:
        """Points above the upper limit or inside a run of RUN_LENGTH above the centre."""
        return [point for point in self.points if point.above_ucl or point.in_run]


def binomial_limit_counts(
    n: ArrayLike, p: ArrayLike, tail: float = P_CHART_TAIL
) -> tuple[Any, Any]:
    """Exact binomial probability limits as counts, for one n and p or arrays of them (they
    broadcast, element by element).

    The lower limit is the smallest count whose cumulative probability reaches `tail`; the
    upper limit is the smallest count whose cumulative probability reaches 1 - `tail`. A count
    strictly above the upper limit has an upper-tail probability below `tail` (and likewise
    below the lower limit), so "above the limit" is a comparison of whole numbers.
    """
    lower = binom.ppf(tail, n, p)
    upper = binom.ppf(1 - tail, n, p)
    return lower, upper


def upper_tail_p(k: ArrayLike, n: ArrayLike, p: ArrayLike) -> Any:
    """P(X >= k) for X ~ Binomial(n, p): the exact one-sided p-value of k events or more."""
    return binom.sf(np.asarray(k) - 1, n, p)


def p_chart(
    counts: Sequence[int],
    denominators: Sequence[int],
    labels: Sequence[str],
    *,
    min_count: int = 1,
) -> PChart:
    """Build a p-chart of the proportion of sessions with an event, one point per period.

    Method: the centre line is the pooled proportion over the whole period (sum k / sum n).
    Each month gets exact binomial probability limits at its own n (tail areas P_CHART_TAIL,
    the areas of 3-sigma limits). A month is judged only when n times the centre reaches
    MIN_EXPECTED_EVENTS. A judged month is above its limit when its count exceeds the upper
    limit count and reaches `min_count`. Runs: RUN_LENGTH or more consecutive judged months
    strictly above the centre (a month not judged, or without sessions, ends a run).
    """
    return p_charts([counts], denominators, labels, min_count=min_count)[0]


def p_charts(
    series: Sequence[Sequence[int]],
    denominators: Sequence[int],
    labels: Sequence[str],
    *,
    min_count: int = 1,
) -> list[PChart]:
    """`p_chart` of several series of counts over the same periods and denominators (the
    per-term charts of a report): each series has its own centre line, and the limits and
    p-values of all of them come from one call of each binomial function, which computes
    them element by element exactly as one call per series would."""
    for counts in series:
        if not len(counts) == len(denominators) == len(labels):
            raise ValueError("counts, denominators and labels must have the same length")
        for k, n in zip(counts, denominators, strict=True):
            if n < 0 or not 0 <= k <= n:
                raise ValueError(f"need 0 <= count <= n, got count={k}, n={n}")
    total_n = sum(denominators)
    if not total_n or not len(series):
        return [
            PChart(
                None,
                [
                    PChartPoint(lb, k, n, None, None, None)
                    for lb, k, n in zip(labels, counts, denominators, strict=True)
                ],
            )
            for counts in series
        ]
    centres = [sum(counts) / total_n for counts in series]
    ns = np.asarray(denominators, dtype="int64").reshape(1, -1)
    ks = np.asarray(series, dtype="int64").reshape(len(series), len(denominators))
    centre_column = np.asarray(centres, dtype="float64").reshape(-1, 1)
    lower, upper = binomial_limit_counts(ns, centre_column)
    p_values = upper_tail_p(ks, ns, centre_column)
    expected = ns * centre_column
    return [
        _chart(
            counts,
            denominators,
            labels,
            centre,
            (lower[row], upper[row], p_values[row], expected[row], ks[row], ns[0]),
            min_count,
        )
        for row, (counts, centre) in enumerate(zip(series, centres, strict=True))
    ]


def _chart(
    counts: Sequence[int],
    denominators: Sequence[int],
    labels: Sequence[str],
    centre: float,
    arrays: tuple[np.ndarray, ...],
    min_count: int,
) -> PChart:
    lower, upper, p_values, expected, ks, ns = arrays
    judged = [bool(n and e >= MIN_EXPECTED_EVENTS) for n, e in zip(ns, expected, strict=True)]
    above_centre = [j and k / n > centre for j, k, n in zip(judged, ks, ns, strict=True)]
    run_flags, runs = _runs(above_centre, counts, denominators, labels, centre)

    points: list[PChartPoint] = []
    for i, (label, k, n) in enumerate(zip(labels, counts, denominators, strict=True)):
        if n == 0:
            points.append(PChartPoint(label, k, n, None, None, None))
            continue
        lcl_count, ucl_count = int(lower[i]), int(upper[i])
        points.append(
            PChartPoint(
                label,
                k,
                n,
                k / n,
                lcl_count / n,
                ucl_count / n,
                above_ucl=judged[i] and k > ucl_count and k >= min_count,
                in_run=run_flags[i],
                lcl_count=lcl_count,
                ucl_count=ucl_count,
                expected=float(expected[i]),
                is_judged=judged[i],
                p_value=float(min(1.0, p_values[i])),
            )
        )
    return PChart(centre, points, runs)


def _runs(
    above: Sequence[bool],
    counts: Sequence[int],
    denominators: Sequence[int],
    labels: Sequence[str],
    centre: float,
) -> tuple[list[bool], list[Run]]:
    """Mark every point in a run of RUN_LENGTH or more consecutive points in `above`."""
    flags, runs = [False] * len(above), []
    run_start = 0
    for index in range(len(above) + 1):
        if index < len(above) and above[index]:
            continue
        if index - run_start >= RUN_LENGTH:
            flags[run_start:index] = [True] * (index - run_start)
            events = sum(counts[run_start:index])
            sessions = sum(denominators[run_start:index])
            p_value = float(upper_tail_p(events, sessions, centre))
            runs.append(
                Run(
                    labels[run_start],
                    labels[index - 1],
                    index - run_start,
                    events,
                    sessions,
                    p_value,
                )
            )
        run_start = index + 1
    return flags, runs


# --- Rate ratio: recent months against the term's own baseline ---------------------------


@dataclass(frozen=True)
class RateComparison:
    """Recent events per session against a baseline, as a rate ratio.

    Method: conditional on the total x = recent + baseline events, the recent count is
    Binomial(x, n_recent / (n_recent + n_baseline)) when the rate did not change. `p_value`
    is that binomial's exact one-sided probability of the recent count or more (a rise); the
    interval is the Clopper-Pearson interval for the binomial proportion, turned into a rate
    ratio. `ratio` is None when there are no events at all, and `upper` (and `ratio`) are
    infinite when the baseline has none.
    """

    recent_events: int
    recent_sessions: int
    baseline_events: int
    baseline_sessions: int
    ratio: float | None
    lower: float | None
    upper: float | None
    p_value: float


def rate_ratio(
    recent_events: int,
    recent_sessions: int,
    baseline_events: int,
    baseline_sessions: int,
    confidence: float = 0.95,
) -> RateComparison:
    """Compare `recent_events / recent_sessions` with `baseline_events / baseline_sessions`."""
    if min(recent_events, recent_sessions, baseline_events, baseline_sessions) < 0:
        raise ValueError("counts and sessions must not be negative")
    if recent_sessions == 0 or baseline_sessions == 0:
        raise ValueError("both periods need sessions")
    total = recent_events + baseline_events
    share = recent_sessions / (recent_sessions + baseline_sessions)
    if total == 0:
        return RateComparison(
            recent_events,
            recent_sessions,
            baseline_events,
            baseline_sessions,
            None,
            None,
            None,
            1.0,
        )
    scale = baseline_sessions / recent_sessions
    p_value = float(min(1.0, upper_tail_p(recent_events, total, share)))
    # The two-sided Clopper-Pearson limits, also when the recent count is 0 or all.
    alpha = _alpha(confidence)
    lower_share = (
        0.0
        if recent_events == 0
        else float(betaincinv(recent_events, total - recent_events + 1, alpha / 2))
    )
    upper_share = (
        1.0
        if recent_events == total
        else float(betaincinv(recent_events + 1, total - recent_events, 1 - alpha / 2))
    )

    def odds(value: float) -> float:
        return math.inf if value >= 1 else value / (1 - value) * scale

    ratio = (
        math.inf
        if baseline_events == 0
        else (recent_events / recent_sessions) / (baseline_events / baseline_sessions)
    )
    return RateComparison(
        recent_events,
        recent_sessions,
        baseline_events,
        baseline_sessions,
        ratio,
        odds(lower_share),
        odds(upper_share),
        p_value,
    )


def benjamini_hochberg(p_values: Sequence[float], fdr: float = FDR) -> list[bool]:
    """Which hypotheses the Benjamini-Hochberg step-up procedure rejects at `fdr`.

    Sort the m p-values; find the largest rank i with p_(i) <= i / m * fdr; reject the i
    smallest. Controls the expected share of false flags among all flags at `fdr`.
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    cutoff = 0
    for rank, index in enumerate(order, start=1):
        if p_values[index] <= rank / m * fdr:
            cutoff = rank
    rejected = [False] * m
    for index in order[:cutoff]:
        rejected[index] = True
    return rejected
