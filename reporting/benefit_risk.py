"""Benefit and risk per protocol: response and remission by session 6 beside the adverse
event rates and the share of sessions stopped early, by drug, route and dose band (and
optionally site). DESIGN section 12.

Two grouped queries, both in the database:
- the cohort: patients whose first session (course number 1) falls in the filters, grouped
  by that session's drug, route, dose band (and site), with their baseline PHQ-9 and the
  first PHQ-9 at session 6 or later as subqueries, counted with the rules of
  `events.outcomes`;
- the exposure: counted sessions (DESIGN 6) of each group with those that had an event
  (review-status filter applied), a grade 3+ event, or were stopped early, and the events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.contrib.auth.models import User
from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
)

from events.choices import Drug, Route, SessionStatus
from events.models import InfusionSession, OutcomeMeasure
from events.outcomes import COUNTING_RULES as OUTCOME_RULES
from events.outcomes import EVALUATION_SESSION, REMISSION_BELOW
from events.rules import DOSE_BANDS
from reporting import rollups
from reporting.filters import ReportFilters
from reporting.presentation import format_interval
from reporting.queries import COUNTED_STATUSES, session_conditions
from reporting.scope import report_sites, reporting_database, require_report_reader
from reporting.statistics import Interval, clopper_pearson, poisson_rate

PROTOCOL_KEYS = ("drug", "route", "dose_band")
COUNTING_RULES = (
    *OUTCOME_RULES,
    "Patients are grouped by the drug, route and dose band of their first session; the "
    "period and filters select courses by that first session.",
    "Risk columns count sessions that started and are not voided (the exposure) in each "
    "group, whatever the patient's first protocol; events follow the review-status filter.",
    "Proportions carry exact (Clopper-Pearson) 95% intervals; events per 100 sessions an "
    "exact Poisson interval.",
)


@dataclass(frozen=True)
class BenefitRisk:
    table: pd.DataFrame  # one row per protocol (and site), counts and intervals
    by_site: bool
    rules: tuple[str, ...] = COUNTING_RULES

    @property
    def is_empty(self) -> bool:
        return self.table.empty


def _keys(by_site: bool) -> list[str]:
    return [*PROTOCOL_KEYS, *(["site_id"] if by_site else [])]


def _cohort(
    filters: ReportFilters, user: User, site_zones: dict[int, str], keys: list[str], using: str
) -> pd.DataFrame:
    scores = OutcomeMeasure.objects.using(using).filter(
        session__patient_id=OuterRef("patient_id"),
        is_voided=False,
        phq9_total__isnull=False,
        session__is_voided=False,
        session__status__in=COUNTED_STATUSES,
    )
    first_sessions = (
        InfusionSession.objects.using(using)
        .filter(session_conditions(_without_session_numbers(filters), user, site_zones))
        .filter(sequence_number=1)
        .annotate(
            baseline=Subquery(scores.filter(session__sequence_number=1).values("phq9_total")[:1]),
            evaluated=Subquery(
                scores.filter(session__sequence_number__gte=EVALUATION_SESSION)
                .order_by("session__sequence_number")
                .values("phq9_total")[:1]
            ),
        )
        .annotate(
            doubled=ExpressionWrapper(F("evaluated") * 2, output_field=IntegerField()),
        )
    )
    evaluable = Q(baseline__isnull=False, evaluated__isnull=False)
    rows = first_sessions.values(*keys).annotate(
        patients=Count("patient_id", distinct=True),
        with_baseline=Count("id", filter=Q(baseline__isnull=False)),
        evaluable=Count("id", filter=evaluable),
        responders=Count("id", filter=evaluable & Q(baseline__gt=0, doubled__lte=F("baseline"))),
        remitters=Count("id", filter=evaluable & Q(evaluated__lt=REMISSION_BELOW)),
    )
    columns = [*keys, "patients", "with_baseline", "evaluable", "responders", "remitters"]
    return pd.DataFrame.from_records(list(rows), columns=columns)


def _without_session_numbers(filters: ReportFilters) -> ReportFilters:
    """Courses are chosen by their first session, so a session-number filter does not apply."""
    from dataclasses import replace

    return replace(filters, session_numbers=())


def _exposure(
    filters: ReportFilters, user: User, sites: list[dict[str, Any]], keys: list[str], using: str
) -> pd.DataFrame:
    """The risk columns' counts per group: sessions, events, sessions with an event and with
    one of grade 3 or worse, summed from the safety summary's own counts (the monthly rollups
    or the counted tables: `rollups.summary_frames`), so both read one exposure; and the
    sessions stopped early."""
    frames = rollups.summary_frames(filters, user, sites, using)
    sessions = frames.sessions_cube.groupby(keys)[["sessions"]].sum()
    cube = frames.events_cube
    grade3 = cube[[f"worst_grade_{grade}_sessions" for grade in (3, 4, 5)]].sum(axis=1)
    events = (
        cube.assign(sessions_grade3=grade3)
        .groupby(keys)[["events", "sessions_with_event", "sessions_grade3"]]
        .sum()
    )
    zones = {site["id"]: site["timezone"] for site in sites}
    stopped = (
        InfusionSession.objects.using(using)
        .filter(session_conditions(filters, user, zones), status=SessionStatus.STOPPED_EARLY)
        .values(*keys)
        .annotate(stopped_early=Count("id"))
    )
    stopped_early = pd.DataFrame.from_records(list(stopped), columns=[*keys, "stopped_early"])
    return (
        sessions.join(events, how="left")
        .reset_index()
        .merge(stopped_early, on=keys, how="left")
        .fillna(0)
    )


def _in_reading_order(column: pd.Series) -> pd.Series:
    """Dose bands sort from the lowest dose up ("<0.5" before "0.5-0.75"), not as text."""
    if column.name == "dose_band":
        return column.map({band: index for index, band in enumerate(DOSE_BANDS)})
    return column


def benefit_risk_table(
    filters: ReportFilters, user: User, sites: list[dict[str, Any]], *, by_site: bool, using: str
) -> BenefitRisk:
    keys = _keys(by_site)
    site_zones = {site["id"]: site["timezone"] for site in sites}
    cohort = _cohort(filters, user, site_zones, keys, using)
    exposure = _exposure(filters, user, sites, keys, using)
    table = cohort.merge(exposure, on=keys, how="outer")
    counts = [c for c in table.columns if c not in keys]
    table[counts] = table[counts].fillna(0).astype(int)
    table = table.sort_values(keys, key=_in_reading_order).reset_index(drop=True)
    for column, numerator, denominator in (
        ("response", "responders", "evaluable"),
        ("remission", "remitters", "evaluable"),
        ("sessions_with_event_pct", "sessions_with_event", "sessions"),
        ("grade3_pct", "sessions_grade3", "sessions"),
        ("stopped_early_pct", "stopped_early", "sessions"),
    ):
        intervals = [
            clopper_pearson(int(k), int(n))
            for k, n in zip(table[numerator], table[denominator], strict=True)
        ]
        _put(table, column, intervals, as_rate=False)
    rates = [
        poisson_rate(int(k), int(n))
        for k, n in zip(table["events"], table["sessions"], strict=True)
    ]
    _put(table, "events_per_100", rates, as_rate=True)
    return BenefitRisk(table=table, by_site=by_site)


def _put(table: pd.DataFrame, column: str, intervals: list[Interval], *, as_rate: bool) -> None:
    table[column] = [i.estimate for i in intervals]
    table[f"{column}_lower"] = [i.lower for i in intervals]
    table[f"{column}_upper"] = [i.upper for i in intervals]
    table[f"{column}_text"] = [format_interval(i, as_rate=as_rate) for i in intervals]


def benefit_risk(user: User, filters: ReportFilters, *, by_site: bool = False) -> BenefitRisk:
    """The benefit-risk table for the sites `user` may see (directors and auditors)."""
    require_report_reader(user)
    using = reporting_database()
    sites = report_sites(user, filters, using)
    result = benefit_risk_table(filters, user, sites, by_site=by_site, using=using)
    table = result.table
    table.insert(1, "drug_label", table["drug"].map(dict(Drug.choices)))
    table.insert(3, "route_label", table["route"].map(dict(Route.choices)))
    if by_site:
        codes = {s["id"]: s["code"] for s in sites}
        table.insert(len(PROTOCOL_KEYS) + 3, "site_code", table["site_id"].map(codes))
    return result


# Stable CSV and JSON columns, in the order a reader scans them: protocol, benefit, risk.
EXPORT_COLUMNS = (
    "drug",
    "route",
    "dose_band",
    "patients",
    "with_baseline",
    "evaluable",
    "responders",
    "response",
    "response_lower",
    "response_upper",
    "remitters",
    "remission",
    "remission_lower",
    "remission_upper",
    "sessions",
    "sessions_with_event",
    "sessions_with_event_pct",
    "sessions_with_event_pct_lower",
    "sessions_with_event_pct_upper",
    "events",
    "events_per_100",
    "events_per_100_lower",
    "events_per_100_upper",
    "sessions_grade3",
    "grade3_pct",
    "stopped_early",
    "stopped_early_pct",
    "stopped_early_pct_lower",
    "stopped_early_pct_upper",
)


def export_frame(result: BenefitRisk) -> pd.DataFrame:
    columns = list(EXPORT_COLUMNS)
    if result.by_site:
        columns[3:3] = ["site_id", "site_code"]
    return result.table.reindex(columns=columns)
