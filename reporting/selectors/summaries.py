"""The safety summary: every figure, table, chart series and signal of a report
(`safety_summary`), the copy the dashboard's parts share (`cached_safety_summary`), the
sessions overdue, and the reviews of the signals raised."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.db.models import Choices
from django.utils import timezone

from audit.services import Actor
from events.access import ALL_SITES, visible_site_ids
from events.choices import Drug, Route, SessionStatus, TermCategory
from events.models import AdverseEvent, EventTerm, InfusionSession, Patient, Site
from events.rules import DOSE_BANDS
from reporting import queries, rollups
from reporting.filters import (
    ONSET_BANDS,
    ONSET_UNKNOWN,
    SESSION_NUMBERS,
    ReportFilters,
    month_filters,
    month_key,
    month_range,
)
from reporting.funnel import funnel
from reporting.models import SignalReview
from reporting.scope import report_sites, reporting_database
from reporting.signal_detection import detect_signals
from reporting.statistics import clopper_pearson, p_chart, poisson_rate
from reporting.summary import OverdueSession, Period, SafetySummary, with_rates

GRADES = (1, 2, 3, 4, 5)
OVERDUE_LISTING_LIMIT = 50


def safety_summary(user: Actor, filters: ReportFilters) -> SafetySummary:
    """Every figure of a safety report for the sites `user` may see.

    Runs a fixed number of queries whatever the data size: sites, terms, and the grouped
    counts (sessions by dimension; distinct patients; one pass over the events per session
    and cell, with the grade, onset and category columns; events by term, month and worst
    grade). For whole months filtered at most by site they come from the monthly rollups,
    and only the months not rolled up (the current one at least) are counted from the records
    (`reporting.rollups`).
    """
    using = reporting_database()
    sites = report_sites(user, filters, using)
    frames = rollups.summary_frames(filters, user, sites, using)
    cube, event_cube = frames.sessions_cube, frames.events_cube
    patients, patients_with_event = frames.patients, frames.patients_with_event
    term_rows = frames.term_month_worst
    terms = _report_terms(filters, using, term_ids_with_events=set(term_rows["term_id"]))

    total_sessions = int(cube["sessions"].sum())
    total_events = int(event_cube["events"].sum())
    sessions_with_event = int(event_cube["sessions_with_event"].sum())
    months = _period_months(filters, cube, event_cube)

    by_month = _by_session_dimension(cube, event_cube, "month", months)
    by_site = _by_session_dimension(cube, event_cube, "site_id", [s["id"] for s in sites])
    by_site.insert(1, "site_code", [s["code"] for s in sites])
    by_site.insert(2, "site_name", [s["name"] for s in sites])
    overall_chart = p_chart(
        by_month["sessions_with_event"].tolist(),
        by_month["sessions"].tolist(),
        by_month["month"].tolist(),
    )
    site_funnel = funnel(
        list(
            zip(
                by_site["site_code"],
                by_site["sessions_with_event"].astype(int),
                by_site["sessions"].astype(int),
                strict=True,
            )
        )
    )
    term_months = (
        term_rows.groupby(["term_id", "month"], as_index=False)["sessions_with_event"].sum()
        if len(term_rows)
        else pd.DataFrame(columns=["term_id", "month", "sessions_with_event"])
    )
    by_term = _by_term(terms, term_rows, total_sessions)

    summary = SafetySummary(
        filters=filters,
        period=Period(filters.date_from, filters.date_to, tuple(months)),
        sessions=total_sessions,
        patients=patients,
        events=total_events,
        events_per_100=poisson_rate(total_events, total_sessions),
        sessions_with_event=sessions_with_event,
        sessions_with_event_rate=clopper_pearson(sessions_with_event, total_sessions),
        patients_with_event=patients_with_event,
        patients_with_event_rate=clopper_pearson(min(patients_with_event, patients), patients),
        serious_events=int(event_cube["serious_events"].sum()),
        by_term=by_term,
        by_category=_by_category(filters, event_cube, total_sessions),
        by_grade=_by_grade(event_cube, total_sessions),
        by_month=by_month,
        by_site=by_site,
        by_route=_labelled(
            _by_session_dimension(cube, event_cube, "route", Route.values), "route", Route
        ),
        by_drug=_labelled(
            _by_session_dimension(cube, event_cube, "drug", Drug.values), "drug", Drug
        ),
        by_dose_band=_by_session_dimension(cube, event_cube, "dose_band", list(DOSE_BANDS)),
        by_session_number=_by_session_number(cube, event_cube),
        by_onset=_by_onset(event_cube, total_sessions),
        p_chart=overall_chart,
        funnel=site_funnel,
        signals=[],
        term_months=term_months,
    )
    scope = "+".join(site["code"] for site in sites)
    summary.signals = detect_signals(summary, scope, month_filters)
    zones = {site["id"]: site["timezone"] for site in sites}
    summary.overdue_sessions, summary.overdue_session_count = overdue_sessions(
        user, filters, zones, using
    )
    summary.overdue_margin_minutes = settings.OPEN_SESSION_MARGIN_MINUTES
    return summary


def overdue_sessions(
    user: Actor,
    filters: ReportFilters,
    site_zones: dict[int, str],
    using: str,
    now: datetime | None = None,
) -> tuple[list[OverdueSession], int]:
    """Counted sessions still in progress more than `OPEN_SESSION_MARGIN_MINUTES` after their
    planned end (start + planned duration): the first `OVERDUE_LISTING_LIMIT`, oldest start
    first, and how many there are.

    In-progress sessions are few (those in the chair and those nobody closed), so the
    database narrows on the start time alone (no date arithmetic per row) and the planned
    duration is applied here.
    """
    now = now or timezone.now()
    margin = timedelta(minutes=settings.OPEN_SESSION_MARGIN_MINUTES)
    candidates = (
        queries.counted_sessions(filters, user, site_zones, using)
        .filter(status=SessionStatus.IN_PROGRESS, started_at__lt=now - margin)
        .order_by("started_at", "id")
        .values(
            "id",
            "site__code",
            "patient__chart_number",
            "sequence_number",
            "started_at",
            "planned_duration_min",
        )
    )
    items = []
    for row in candidates.iterator():
        started = row["started_at"]
        if started is None:  # never: the query asks for a start before the margin
            continue
        planned_end = started + timedelta(minutes=row["planned_duration_min"])
        if now - planned_end <= margin:
            continue
        items.append(
            OverdueSession(
                session_id=row["id"],
                site_code=row["site__code"],
                patient_chart_number=row["patient__chart_number"],
                sequence_number=row["sequence_number"],
                started_at=started,
                planned_end_at=planned_end,
                minutes_overdue=int((now - planned_end).total_seconds() // 60),
            )
        )
    return items[:OVERDUE_LISTING_LIMIT], len(items)


def _report_terms(
    filters: ReportFilters, using: str, term_ids_with_events: set[int]
) -> pd.DataFrame:
    terms = EventTerm.objects.using(using).order_by("name")
    if filters.term_ids:
        terms = terms.filter(id__in=filters.term_ids)
    if filters.categories:
        terms = terms.filter(category__in=filters.categories)
    rows = [
        row
        for row in terms.values("id", "code", "name", "category", "is_active")
        if row["is_active"] or row["id"] in term_ids_with_events
    ]
    frame = pd.DataFrame(rows, columns=["id", "code", "name", "category", "is_active"])
    return frame.rename(columns={"id": "term_id", "code": "term_code", "name": "term"})


def _period_months(
    filters: ReportFilters, cube: pd.DataFrame, event_cube: pd.DataFrame
) -> list[str]:
    seen = sorted(set(cube["month"]) | set(event_cube["month"]))
    first = month_key(filters.date_from) if filters.date_from else None
    last = month_key(filters.date_to) if filters.date_to else None
    first = first or (seen[0] if seen else last)
    last = last or (seen[-1] if seen else first)
    if not first or not last:
        return []
    return month_range(first, last)


def _by_session_dimension(
    cube: pd.DataFrame, event_cube: pd.DataFrame, dimension: str, keys: Sequence[str | int]
) -> pd.DataFrame:
    """One row per value of a session attribute, denominators from that group's sessions."""
    sessions = cube.groupby(dimension)["sessions"].sum()
    counted = event_cube.groupby(dimension)[
        ["events", "sessions_with_event", "serious_events"]
    ].sum()
    table = pd.DataFrame({dimension: list(keys)})
    table["sessions"] = table[dimension].map(sessions).fillna(0).astype("int64")
    for column in ("events", "sessions_with_event", "serious_events"):
        table[column] = table[dimension].map(counted[column]).fillna(0).astype("int64")
    return with_rates(table, "sessions")


def _labelled(table: pd.DataFrame, column: str, choices: type[Choices]) -> pd.DataFrame:
    labels = dict(choices.choices)
    table.insert(1, f"{column}_label", table[column].map(labels))
    return table


def _by_session_number(cube: pd.DataFrame, event_cube: pd.DataFrame) -> pd.DataFrame:
    table = _by_session_dimension(cube, event_cube, "session_number", list(SESSION_NUMBERS))
    table.insert(1, "session_number_label", [str(n) if n < 7 else "7+" for n in SESSION_NUMBERS])
    return table


def _by_term(terms: pd.DataFrame, term_rows: pd.DataFrame, total_sessions: int) -> pd.DataFrame:
    """One row per term: incidence once per session at the worst grade, and every event."""
    worst = (
        term_rows.pivot_table(
            index="term_id",
            columns="worst_grade",
            values="sessions_with_event",
            aggfunc="sum",
            fill_value=0,
        )
        if len(term_rows)
        else pd.DataFrame()
    )
    totals = term_rows.groupby("term_id")[["events", "sessions_with_event", "serious_events"]].sum()
    table = terms[["term_id", "term_code", "term", "category"]].copy()
    for grade in GRADES:
        source = worst[grade] if grade in worst.columns else pd.Series(dtype="int64")
        table[f"worst_grade_{grade}"] = table["term_id"].map(source).fillna(0).astype("int64")
    for column in ("events", "sessions_with_event", "serious_events"):
        source = totals[column] if len(totals) else pd.Series(dtype="int64")
        table[column] = table["term_id"].map(source).fillna(0).astype("int64")
    table = with_rates(table, total_sessions)
    return table.sort_values(
        ["sessions_with_event", "events", "term"], ascending=[False, False, True]
    ).reset_index(drop=True)


def _group_counts(
    event_cube: pd.DataFrame, key: str, keys: Sequence[str | int], prefixes: list[str]
) -> pd.DataFrame:
    """Counts over event groups (grade, onset band, category) from the per-cell sums."""
    sums = event_cube.sum(numeric_only=True) if len(event_cube) else pd.Series(dtype="int64")
    table = pd.DataFrame({key: keys})
    for column, suffix in (
        ("events", "events"),
        ("sessions_with_event", "sessions"),
        ("serious_events", "serious"),
    ):
        table[column] = [int(sums.get(f"{prefix}_{suffix}", 0)) for prefix in prefixes]
    return table


def _by_category(filters: ReportFilters, event_cube: pd.DataFrame, total: int) -> pd.DataFrame:
    keys = list(filters.categories) or list(TermCategory.values)
    table = _group_counts(event_cube, "category", keys, [f"category_{c}" for c in keys])
    table.insert(1, "category_label", table["category"].map(dict(TermCategory.choices)))
    return with_rates(table, total)


def _by_grade(event_cube: pd.DataFrame, total: int) -> pd.DataFrame:
    """Events of each grade; sessions with event are those whose worst event has that grade
    (so they add up to all sessions with an event)."""
    table = _group_counts(event_cube, "grade", list(GRADES), [f"grade_{g}" for g in GRADES])
    worst = _group_counts(event_cube, "grade", list(GRADES), [f"worst_grade_{g}" for g in GRADES])
    table["sessions_with_event"] = worst["sessions_with_event"]
    return with_rates(table, total)


def _by_onset(event_cube: pd.DataFrame, total: int) -> pd.DataFrame:
    keys = [*ONSET_BANDS, ONSET_UNKNOWN]
    prefixes = [f"onset_{index}" for index in range(len(keys))]
    return with_rates(_group_counts(event_cube, "onset_band", keys, prefixes), total)


# --- Signal reviews ----------------------------------------------------------------------


def signal_reviews(user: Actor, keys: Iterable[str]) -> dict[str, SignalReview]:
    """The reviews of the signals named by `keys` that `user` may read (all their sites)."""
    visible = visible_site_ids(user)
    reviews = SignalReview.objects.filter(key__in=list(keys)).select_related("reviewed_by")
    return {
        review.key: review
        for review in reviews
        if visible is ALL_SITES or set(review.site_ids) <= visible
    }


# --- dashboard ------------------------------------------------------------------------------

SUMMARY_CACHE_SECONDS = 300
# The records a summary is counted from (and the patients' indication it may filter on).
_SUMMARY_SOURCES = (AdverseEvent, InfusionSession, EventTerm, Site, Patient)


def _data_stamp(using: str) -> tuple[int | None, ...]:
    """The newest history row of every table a summary reads: any write to them adds one,
    so a summary cached under an older stamp is never served (read by primary key: cheap)."""
    return tuple(
        model.history.model.objects.using(using)
        .order_by("-history_id")
        .values_list("history_id", flat=True)
        .first()
        for model in _SUMMARY_SOURCES
    )


def cached_safety_summary(user: Actor, filters: ReportFilters) -> SafetySummary:
    """`safety_summary`, kept for a few minutes for the same sites, filters, day and data.

    The dashboard's parts load separately (figures first, tables when opened); each asks for
    the same summary, which is computed once. The key holds the newest history id of every
    source table, so a write since makes a new key: a cached summary is always exact.
    """
    visible = visible_site_ids(user)
    scope = "all" if visible is ALL_SITES else ",".join(map(str, sorted(visible)))
    stamp = _data_stamp(reporting_database())
    raw = f"{scope}|{filters.as_query()}|{date.today().isoformat()}|{stamp}"
    key = "safety-summary:" + hashlib.sha256(raw.encode()).hexdigest()
    summary = cache.get(key)
    if summary is None:
        summary = safety_summary(user, filters)
        cache.set(key, summary, SUMMARY_CACHE_SECONDS)
    return summary
