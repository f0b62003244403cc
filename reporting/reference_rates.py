"""The clinic's rate of each term beside its published reference, with an exact test.

A reference counts patients (the share who had the reaction at least once over a course) or
sessions. The clinic's rate is counted the same way over the report's filters: patients with
a counted event of the term among the patients with a counted session, or sessions with one
among the counted sessions (DESIGN 6). The two proportions are compared with Fisher's exact
test on the 2x2 table of the clinic's and the reference's counts (the reference's count is
its rate times its denominator, rounded), two-sided.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Count
from scipy.stats import fisher_exact

from events.models import AdverseEvent, InfusionSession
from reporting.filters import ReportFilters
from reporting.models import ReferenceRate, ReferenceUnit
from reporting.presentation import format_interval, percent
from reporting.queries import event_conditions, session_conditions
from reporting.scope import report_sites, reporting_database
from reporting.statistics import Interval, clopper_pearson
from reporting.summary import SafetySummary


@dataclass(frozen=True)
class ReferenceComparison:
    reference: ReferenceRate
    count: int
    denominator: int
    interval: Interval
    p_value: float | None
    source_number: int = 0  # the citation's place in `reference_sources`

    @property
    def observed_text(self) -> str:
        return format_interval(self.interval, as_rate=False)

    @property
    def reference_text(self) -> str:
        return f"{percent(float(self.reference.rate))}% of {self.reference.denominator:,}"

    @property
    def p_text(self) -> str:
        if self.p_value is None:
            return "-"
        return "< 0.001" if self.p_value < 0.001 else f"{self.p_value:.3f}"

    @property
    def direction(self) -> str:
        if self.interval.estimate is None:
            return ""
        return "higher" if self.interval.estimate > float(self.reference.rate) else "lower"


def reference_comparison(
    user: User, filters: ReportFilters, *, totals: tuple[int, int] | None = None
) -> list[ReferenceComparison]:
    """Each active reference beside the clinic's rate of its term, over the report's filters.

    `totals` are the counted sessions and patients of the same filters when the caller has
    them already (the dashboard's summary), which saves counting them again."""
    references = list(
        ReferenceRate.objects.filter(is_active=True).select_related("term").order_by("term__name")
    )
    if not references:
        return []
    using = reporting_database()
    zones = {s["id"]: s["timezone"] for s in report_sites(user, filters, using)}
    sessions = InfusionSession.objects.using(using).filter(session_conditions(filters, user, zones))
    if totals is None:
        totals = (sessions.count(), sessions.values("patient_id").distinct().count())
    denominators = {
        ReferenceUnit.SESSIONS.value: totals[0],
        ReferenceUnit.PATIENTS.value: totals[1],
    }
    events = (
        AdverseEvent.objects.using(using)
        .filter(session_conditions(filters, user, zones, prefix="session__"))
        .filter(event_conditions(filters), term_id__in=[r.term_id for r in references])
        .values("term_id")
        .annotate(
            sessions=Count("session_id", distinct=True),
            patients=Count("session__patient_id", distinct=True),
        )
    )
    sources = reference_sources(references)
    counts: dict[int, dict[str, int]] = {
        row["term_id"]: {"sessions": row["sessions"], "patients": row["patients"]} for row in events
    }
    return [
        replace(
            _compare(r, counts.get(r.term_id, {}), denominators),
            source_number=sources.index(r.citation) + 1,
        )
        for r in references
    ]


@dataclass(frozen=True)
class ReferencePanel:
    """What the dashboard and the benefit-risk page print: each comparison and the numbered
    citations it points to."""

    comparisons: list[ReferenceComparison]
    sources: list[str]


def reference_panel(
    user: User, filters: ReportFilters, summary: SafetySummary | None = None
) -> ReferencePanel:
    """The panel over the report's filters; with the dashboard's `summary` of the same
    filters, its session and patient counts are the denominators."""
    totals = (summary.sessions, summary.patients) if summary is not None else None
    comparisons = reference_comparison(user, filters, totals=totals)
    return ReferencePanel(comparisons, reference_sources([c.reference for c in comparisons]))


def reference_sources(references: list[ReferenceRate]) -> list[str]:
    """The distinct citations, in order of first use: printed once, numbered."""
    return list(dict.fromkeys(r.citation for r in references))


def _compare(
    reference: ReferenceRate, row: dict[str, int], totals: dict[str, int]
) -> ReferenceComparison:
    n = totals[reference.unit]
    k = int(row.get(reference.unit, 0))
    expected = int((reference.rate * reference.denominator).to_integral_value())
    p_value = None
    if n:
        table = [[k, n - k], [expected, reference.denominator - expected]]
        p_value = float(fisher_exact(table, alternative="two-sided").pvalue)
    return ReferenceComparison(reference, k, n, clopper_pearson(k, n), p_value)


def rate_from_percent(value: Decimal) -> Decimal:
    return (value / 100).quantize(Decimal("0.0001"))
