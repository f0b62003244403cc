"""Signals a director can trust: which months, terms and sites deserve a look.

The rules (DESIGN.md section 6, written out for a quality committee in docs/reporting.md):

- **Any event**: a month whose count of sessions with an event is above its exact binomial
  upper limit, or a run of RUN_LENGTH judged months above the centre line. A month is judged
  only when it leads to expect at least MIN_EXPECTED_EVENTS sessions with an event.
- **Each term**: three kinds of test, all in one Benjamini-Hochberg family (FDR 5%) so that
  25 charts do not make false flags certain: the term's judged months (exact upper tail at
  its centre line, flagged only above the upper limit), its runs, and its recent rate (the
  last RECENT_MONTHS months) against its own baseline (the BASELINE_MONTHS before) as a rate
  ratio with an exact conditional test. A term flag needs MIN_TERM_EVENTS sessions with the
  term behind it.
- **Sites**: a site outside the funnel's 99.8% limits (exact, widened for overdispersion).

A term or site raises one signal that lists all its findings; its `key` names the subject,
the last month of the report and the sites it covers, so a director's review stays attached
to it (`reporting.models.SignalReview`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd

from reporting.filters import ReportFilters
from reporting.statistics import (
    FDR,
    MIN_EXPECTED_EVENTS,
    MIN_TERM_EVENTS,
    RUN_LENGTH,
    PChart,
    PChartPoint,
    RateComparison,
    Run,
    benjamini_hochberg,
    rate_ratio,
)

if TYPE_CHECKING:  # the summary holds its signals, so it imports this module
    from reporting.summary import SafetySummary

# Narrows filters to one month (`reporting.filters.month_filters`).
MonthFilters = Callable[[ReportFilters, str], ReportFilters]

RECENT_MONTHS = 3
BASELINE_MONTHS = 12
# The rate ratio is computed only with at least this many baseline months with sessions.
MIN_BASELINE_MONTHS = 3


def percent(value: float | None, other: float | None = None) -> str:
    """A proportion as a percentage with two decimals, or more when needed to tell it apart
    from `other` (so a flag never reads "5.30% is above 5.30%")."""
    digits = 2
    while other is not None and digits < 8 and f"{value:.{digits}%}" == f"{other:.{digits}%}":
        digits += 1
    return f"{value:.{digits}%}"


def p_text(p_value: float) -> str:
    return "p < 0.0001" if p_value < 0.0001 else f"p = {p_value:.4f}"


def ratio_text(comparison: RateComparison) -> str:
    def number(value: float | None) -> str:
        return "infinite" if value == float("inf") else f"{value:.2f}"

    return (
        f"rate ratio {number(comparison.ratio)} (95% CI {number(comparison.lower)} to "
        f"{number(comparison.upper)})"
    )


@dataclass(frozen=True)
class Signal:
    """A term, site or the overall rate a director should look at, with its findings and
    the filters of the events behind them."""

    key: str
    kind: str  # "p_chart" (any event), "term" or "funnel"
    label: str
    findings: tuple[str, ...]
    filters: ReportFilters
    term_id: int | None = None
    site_code: str | None = None

    @property
    def detail(self) -> str:
        return "; ".join(self.findings)

    @property
    def query(self) -> str:
        return self.filters.as_query()

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "label": self.label,
            "detail": self.detail,
            "findings": list(self.findings),
            "filters": self.filters.as_dict(),
            "query": self.query,
        }


@dataclass(frozen=True)
class _Test:
    """One per-term hypothesis in the Benjamini-Hochberg family."""

    term_id: int
    p_value: float
    # The finding's text, written only for a test that flags (most never do).
    describe: Callable[[], str]
    months: tuple[str, ...]
    eligible: bool  # the flag's other conditions (above the limit, enough events, a rise)


def signal_key(kind: str, subject: str, through: str, scope: str) -> str:
    return f"{kind}:{subject}:{through}:{scope}"


def month_span_filters(
    filters: ReportFilters, months: Sequence[str], month_filters: MonthFilters
) -> ReportFilters:
    """The filters narrowed to the months from the first to the last of `months`."""
    first, last = month_filters(filters, min(months)), month_filters(filters, max(months))
    return filters.replace(date_from=first.date_from, date_to=last.date_to)


def detect_signals(summary: SafetySummary, scope: str, month_filters: MonthFilters) -> list[Signal]:
    """Every signal of a summary, overall first, then terms by name, then sites.

    `scope` names the report's sites (their codes), for the keys; `month_filters(filters,
    month)` narrows filters to one month (from the selectors).
    """
    months = list(summary.by_month["month"])
    through = months[-1] if months else ""
    filters = summary.filters
    signals = []
    overall = _chart_findings(summary.p_chart)
    if overall:
        findings, flagged = overall
        signals.append(
            Signal(
                signal_key("any", "any_event", through, scope),
                "p_chart",
                "Any event",
                tuple(findings),
                month_span_filters(filters, flagged, month_filters),
            )
        )
    signals += _term_signals(summary, through, scope, month_filters)
    signals += _site_signals(summary, through, scope)
    return signals


def _chart_findings(chart: PChart, min_count: int = 1) -> tuple[list[str], list[str]] | None:
    findings, flagged = [], []
    for point in chart.points:
        if point.above_ucl and point.count >= min_count:
            flagged.append(point.label)
            findings.append(
                f"{point.label}: {point.count} of {point.n} sessions "
                f"({percent(point.proportion)}), above the upper limit of {point.ucl_count} "
                f"({percent(point.ucl, point.proportion)}; {p_text(point.p_value)})"
            )
    for run in chart.runs:
        flagged += [run.first, run.last]
        findings.append(
            f"{run.first} to {run.last}: {run.months} months in a row above the centre line "
            f"{percent(chart.centre)} ({run.events} of {run.sessions} sessions, "
            f"{percent(run.events / run.sessions, chart.centre)})"
        )
    return (findings, flagged) if findings else None


def _point_finding(point: PChartPoint) -> str:
    return (
        f"{point.label}: {point.count} of {point.n} sessions ({percent(point.proportion)}), "
        f"above the upper limit of {point.ucl_count} "
        f"({percent(point.ucl, point.proportion)}; {p_text(point.p_value)})"
    )


def _run_finding(run: Run, centre: float | None) -> str:
    return (
        f"{run.first} to {run.last}: {run.months} months in a row above the centre line "
        f"{percent(centre)} ({run.events} of {run.sessions} sessions, {p_text(run.p_value)})"
    )


def _term_tests(
    term_id: int,
    chart: PChart,
    comparison: RateComparison | None,
    windows: tuple[list[str], list[str]] | None,
) -> list[_Test]:
    tests = [
        _Test(
            term_id,
            point.p_value,
            partial(_point_finding, point),
            (point.label,),
            point.above_ucl and point.count >= MIN_TERM_EVENTS,
        )
        for point in chart.points
        if point.is_judged
    ]
    tests += [
        _Test(
            term_id,
            run.p_value,
            partial(_run_finding, run, chart.centre),
            (run.first, run.last),
            run.events >= MIN_TERM_EVENTS,
        )
        for run in chart.runs
    ]
    if comparison is not None and comparison.ratio is not None and windows is not None:
        recent, baseline = windows
        c = comparison
        tests.append(
            _Test(
                term_id,
                c.p_value,
                lambda: (
                    f"{recent[0]} to {recent[-1]}: {c.recent_events} of {c.recent_sessions} "
                    f"sessions ({percent(c.recent_events / c.recent_sessions)}) against "
                    f"{c.baseline_events} of {c.baseline_sessions} "
                    f"({percent(c.baseline_events / c.baseline_sessions)}) in {baseline[0]} to "
                    f"{baseline[-1]}: {ratio_text(c)}, {p_text(c.p_value)}"
                ),
                (recent[0], recent[-1]),
                c.recent_events >= MIN_TERM_EVENTS and (c.ratio or 0) > 1,
            )
        )
    return tests


def _windows(by_month: pd.DataFrame) -> tuple[list[str], list[str], dict[str, int]] | None:
    """The recent months and the baseline before them, or None without enough baseline."""
    months = list(by_month["month"])
    sessions = dict(zip(by_month["month"], by_month["sessions"], strict=True))
    recent = months[-RECENT_MONTHS:]
    baseline = months[-RECENT_MONTHS - BASELINE_MONTHS : -RECENT_MONTHS]
    if len(recent) < RECENT_MONTHS or not sum(sessions[m] for m in recent):
        return None
    if sum(1 for m in baseline if sessions[m]) < MIN_BASELINE_MONTHS:
        return None
    return recent, baseline, sessions


def term_month_counts(term_months: pd.DataFrame) -> dict[int, dict[str, int]]:
    """Sessions with an event per month, for each term: {term id: {month: count}}."""
    counts: dict[int, dict[str, int]] = {}
    columns = (term_months[name] for name in ("term_id", "month", "sessions_with_event"))
    for term_id, month, count in zip(*columns, strict=True):
        counts.setdefault(int(term_id), {})[month] = int(count)
    return counts


def _term_signals(
    summary: SafetySummary, through: str, scope: str, month_filters: MonthFilters
) -> list[Signal]:
    by_term = summary.by_term[summary.by_term["sessions_with_event"] > 0]
    windows = _windows(summary.by_month)
    names, codes, tests = {}, {}, []
    counts = term_month_counts(summary.term_months)
    for term_id, code, term in zip(
        by_term["term_id"], by_term["term_code"], by_term["term"], strict=True
    ):
        term_id = int(term_id)
        names[term_id], codes[term_id] = term, code
        per_month = counts.get(term_id, {})
        chart = summary.p_chart_for_term(term_id)
        comparison = None
        if windows:
            recent, baseline, sessions = windows
            comparison = rate_ratio(
                sum(int(per_month.get(m, 0)) for m in recent),
                sum(int(sessions[m]) for m in recent),
                sum(int(per_month.get(m, 0)) for m in baseline),
                sum(int(sessions[m]) for m in baseline),
            )
        tests += _term_tests(term_id, chart, comparison, windows[:2] if windows else None)
    rejected = benjamini_hochberg([test.p_value for test in tests], FDR)
    flagged: dict[int, list[_Test]] = {}
    for test, is_rejected in zip(tests, rejected, strict=True):
        if is_rejected and test.eligible:
            flagged.setdefault(test.term_id, []).append(test)
    signals = []
    for term_id in sorted(flagged, key=lambda t: names[t]):
        found = flagged[term_id]
        months = [m for test in found for m in test.months]
        signals.append(
            Signal(
                signal_key("term", codes[term_id], through, scope),
                "term",
                names[term_id],
                tuple(test.describe() for test in found),
                month_span_filters(
                    summary.filters.replace(term_ids=(term_id,)), months, month_filters
                ),
                term_id=term_id,
            )
        )
    return signals


def _site_signals(summary: SafetySummary, through: str, scope: str) -> list[Signal]:
    site_ids = dict(zip(summary.by_site["site_code"], summary.by_site["site_id"], strict=True))
    result = summary.funnel
    signals = []
    for unit in result.units:
        # A site outside the limits has a proportion and limits (the None checks type them).
        if not unit.outside_998 or unit.proportion is None or unit.hi998 is None:
            continue
        above = unit.proportion > unit.hi998
        limit = unit.hi998 if above else unit.lo998
        widened = f", widened for overdispersion (phi {result.phi:.2f})" if result.phi > 1 else ""
        signals.append(
            Signal(
                signal_key("site", unit.label, through, scope),
                "funnel",
                f"Site {unit.label}",
                (
                    f"{unit.events} of {unit.n} sessions with an event "
                    f"({percent(unit.proportion, limit)}) is {'above' if above else 'below'} "
                    f"the 99.8% limit {percent(limit, unit.proportion)} around the "
                    f"{percent(result.target)} of all sites{widened}",
                ),
                summary.filters.replace(site_ids=(int(site_ids[unit.label]),)),
                site_code=unit.label,
            )
        )
    return signals


__all__ = ["MIN_EXPECTED_EVENTS", "RUN_LENGTH", "Signal", "detect_signals"]
