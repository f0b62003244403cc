"""The querysets and GROUP BY queries behind the safety summary.

Each function here is one query over sessions or events, filtered by a `ReportFilters` and the
user's sites, that returns grouped counts as a DataFrame. Months group on the stored
`InfusionSession.month` (site-local "YYYY-MM"), dose bands on `dose_band`, session numbers on
`sequence_number`, time to onset on `AdverseEvent.onset_minutes`: no date functions per row.
Two-level counts (worst grade per session and term) wrap the ORM's SQL in an outer GROUP BY so
the database does both levels.
"""

from __future__ import annotations

import calendar
import zoneinfo
from collections import defaultdict
from datetime import datetime, time, timedelta

import pandas as pd
from django.db import connections
from django.db.models import Count, F, Max, Q, QuerySet, Value
from django.db.models.functions import Least

from events.access import ALL_SITES, visible_site_ids
from events.choices import SessionStatus, TermCategory
from events.models import AdverseEvent, InfusionSession
from reporting.filters import ONSET_BANDS, ONSET_UNKNOWN, ReportFilters, month_key

# Exposure: every session that started and is not voided, whatever became of it. A session
# nobody closed still exposed its patient, and its events must never drop out of a report.
COUNTED_STATUSES = (SessionStatus.IN_PROGRESS, SessionStatus.COMPLETED, SessionStatus.STOPPED_EARLY)
SESSION_DIMENSIONS = ("month", "site_id", "route", "drug", "dose_band", "session_number")


def _is_month_aligned(filters: ReportFilters) -> bool:
    starts_on_first = filters.date_from is None or filters.date_from.day == 1
    end = filters.date_to
    ends_on_last = end is None or end.day == calendar.monthrange(end.year, end.month)[1]
    return starts_on_first and ends_on_last


def session_conditions(
    filters: ReportFilters, user, site_zones: dict[int, str], prefix: str = ""
) -> Q:
    """Conditions for counted sessions: `prefix` is "" on sessions, "session__" on events.

    The period always narrows on the stored month (index-friendly); when a date is not the
    first or last of its month, the start time is also compared with local midnight at each
    site, one range per time zone.
    """
    p = prefix
    q = Q(**{f"{p}is_voided": False, f"{p}status__in": COUNTED_STATUSES})
    visible = visible_site_ids(user)
    if visible is not ALL_SITES:
        q &= Q(**{f"{p}site_id__in": sorted(visible)})
    for name, lookup in (
        ("site_ids", "site_id__in"),
        ("routes", "route__in"),
        ("drugs", "drug__in"),
        ("dose_bands", "dose_band__in"),
        ("indications", "patient__indication__in"),
    ):
        values = getattr(filters, name)
        if values:
            q &= Q(**{f"{p}{lookup}": list(values)})
    if filters.session_numbers:
        numbers = Q(**{f"{p}sequence_number__in": [n for n in filters.session_numbers if n < 7]})
        if 7 in filters.session_numbers:
            numbers |= Q(**{f"{p}sequence_number__gte": 7})
        q &= numbers
    if filters.date_from:
        q &= Q(**{f"{p}month__gte": month_key(filters.date_from)})
    if filters.date_to:
        q &= Q(**{f"{p}month__lte": month_key(filters.date_to)})
    if not _is_month_aligned(filters):
        q &= _local_day_range(filters, site_zones, p)
    return q


def _local_day_range(filters: ReportFilters, site_zones: dict[int, str], p: str) -> Q:
    by_zone: dict[str, list[int]] = defaultdict(list)
    for site_id, zone in site_zones.items():
        by_zone[zone].append(site_id)
    q = Q(pk__in=[])
    for zone, site_ids in by_zone.items():
        tz = zoneinfo.ZoneInfo(zone)
        part = Q(**{f"{p}site_id__in": sorted(site_ids)})
        if filters.date_from:
            start = datetime.combine(filters.date_from, time.min, tzinfo=tz)
            part &= Q(**{f"{p}started_at__gte": start})
        if filters.date_to:
            end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=tz)
            part &= Q(**{f"{p}started_at__lt": end})
        q |= part
    return q


def event_conditions(filters: ReportFilters) -> Q:
    """Conditions on the events themselves: the review status filter's statuses (voided
    events never count), then the event filters."""
    q = Q(status__in=list(filters.event_statuses))
    if filters.term_ids:
        q &= Q(term_id__in=list(filters.term_ids))
    if filters.categories:
        q &= Q(term__category__in=list(filters.categories))
    if filters.grades:
        q &= Q(grade__in=list(filters.grades))
    if filters.serious is not None:
        q &= Q(is_serious=filters.serious)
    if filters.onset_bands:
        bands = Q(pk__in=[])
        for band in filters.onset_bands:
            if band == ONSET_UNKNOWN:
                bands |= Q(onset_minutes__isnull=True)
                continue
            low, high = ONSET_BANDS[band]
            part = Q(onset_minutes__isnull=False)
            if low is not None:
                part &= Q(onset_minutes__gte=low)
            if high is not None:
                part &= Q(onset_minutes__lt=high)
            bands |= part
        q &= bands
    return q


def counted_sessions(filters, user, site_zones, using: str) -> QuerySet[InfusionSession]:
    return (
        InfusionSession.objects.using(using)
        .filter(session_conditions(filters, user, site_zones))
        .order_by()
    )


def counted_events(filters, user, site_zones, using: str) -> QuerySet[AdverseEvent]:
    return (
        AdverseEvent.objects.using(using)
        .filter(event_conditions(filters))
        .filter(session_conditions(filters, user, site_zones, prefix="session__"))
        .order_by()
    )


def _frame(rows, columns) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(rows), columns=list(columns))


_SESSION_NUMBER = Least(F("sequence_number"), Value(7))


def sessions_cube(sessions: QuerySet) -> pd.DataFrame:
    """Sessions per (month, site, route, drug, dose band, session number 1-7)."""
    rows = (
        sessions.annotate(session_number=_SESSION_NUMBER)
        .values_list(*SESSION_DIMENSIONS)
        .annotate(sessions=Count("id"))
    )
    return _frame(rows, (*SESSION_DIMENSIONS, "sessions"))


def distinct_patients(sessions: QuerySet) -> int:
    return sessions.aggregate(patients=Count("patient_id", distinct=True))["patients"]


def _as_subquery(queryset: QuerySet, using: str) -> tuple[str, tuple]:
    sql, params = queryset.query.get_compiler(using=using).as_sql()
    return sql, tuple(params)


def _breakdown_aggregates() -> dict[str, Count]:
    """Per-session counts of events by grade, onset band and category (and the serious ones),
    so sessions with an event in each group add up across the session dimensions."""
    groups: dict[str, Q] = {f"grade_{grade}": Q(grade=grade) for grade in range(1, 6)}
    for index, (low, high) in enumerate(ONSET_BANDS.values()):
        condition = Q(onset_minutes__isnull=False)
        if low is not None:
            condition &= Q(onset_minutes__gte=low)
        if high is not None:
            condition &= Q(onset_minutes__lt=high)
        groups[f"onset_{index}"] = condition
    groups[f"onset_{len(ONSET_BANDS)}"] = Q(onset_minutes__isnull=True)
    for category in TermCategory.values:
        groups[f"category_{category}"] = Q(term__category=category)
    aggregates = {}
    for name, condition in groups.items():
        aggregates[f"{name}_events"] = Count("id", filter=condition)
        aggregates[f"{name}_serious"] = Count("id", filter=condition & Q(is_serious=True))
    return aggregates


BREAKDOWN_GROUPS = (
    *(f"grade_{grade}" for grade in range(1, 6)),
    *(f"onset_{index}" for index in range(len(ONSET_BANDS) + 1)),
    *(f"category_{category}" for category in TermCategory.values),
)


def events_cube(events: QuerySet, using: str) -> tuple[pd.DataFrame, int]:
    """One pass over the counted events, grouped per session and then per cell of the session
    dimensions (month, site, route, drug, dose band, session number).

    Each cell carries events, sessions with an event and serious events, overall and for every
    grade, onset band and category, plus sessions by the worst grade they reached. Each session
    sits in exactly one cell, so all of these add up across cells. The second part of the
    statement counts distinct patients with an event over the same per-session rows.
    Returns the cells and the number of patients with an event.
    """
    aggregates = _breakdown_aggregates()
    per_session = events.values(
        sid=F("session_id"),
        pid=F("session__patient_id"),
        session_month=F("session__month"),
        session_site=F("session__site_id"),
        session_route=F("session__route"),
        session_drug=F("session__drug"),
        session_band=F("session__dose_band"),
        session_number=Least(F("session__sequence_number"), Value(7)),
    ).annotate(
        n=Count("id"),
        serious=Count("id", filter=Q(is_serious=True)),
        worst=Max("grade"),
        **aggregates,
    )
    inner, params = _as_subquery(per_session, using)
    dims = "session_month, session_site, session_route, session_drug, session_band, session_number"
    sums = [f"SUM({name})" for name in aggregates]
    sums += [f"SUM(CASE WHEN {group}_events > 0 THEN 1 ELSE 0 END)" for group in BREAKDOWN_GROUPS]
    sums += [f"SUM(CASE WHEN worst = {grade} THEN 1 ELSE 0 END)" for grade in range(1, 6)]
    nulls = ", ".join(["NULL"] * len(sums))
    sql = (
        f"WITH per_session AS ({inner}) "  # noqa: S608 (no user text: names are ours)  # nosec B608
        f"SELECT 'cell', {dims}, COUNT(*), SUM(n), SUM(serious), {', '.join(sums)} "
        f"FROM per_session GROUP BY {dims} "
        "UNION ALL SELECT 'patients', NULL, NULL, NULL, NULL, NULL, NULL, "
        f"COUNT(DISTINCT pid), NULL, NULL, {nulls} FROM per_session"
    )
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    columns = (
        "part",
        *SESSION_DIMENSIONS,
        "sessions_with_event",
        "events",
        "serious_events",
        *aggregates,
        *(f"{group}_sessions" for group in BREAKDOWN_GROUPS),
        *(f"worst_grade_{grade}_sessions" for grade in range(1, 6)),
    )
    frame = _frame(rows, columns)
    patients = frame.loc[frame["part"] == "patients", "sessions_with_event"]
    cells = frame[frame["part"] == "cell"].drop(columns="part").reset_index(drop=True)
    numeric = [column for column in cells.columns if column not in SESSION_DIMENSIONS]
    cells[numeric] = cells[numeric].fillna(0).astype("int64")
    return cells, int(patients.iloc[0] or 0) if len(patients) else 0


def term_month_worst(events: QuerySet, using: str) -> pd.DataFrame:
    """Per (term, month, worst grade): sessions whose worst grade for the term is that grade,
    their events and serious events. Incidence counts a session once per term."""
    per_pair = events.values(
        sid=F("session_id"), tid=F("term_id"), month=F("session__month")
    ).annotate(worst=Max("grade"), n=Count("id"), serious=Count("id", filter=Q(is_serious=True)))
    inner, params = _as_subquery(per_pair, using)
    sql = (
        "SELECT tid, month, worst, COUNT(*), SUM(n), SUM(serious) "  # noqa: S608  # nosec B608
        f"FROM ({inner}) per_pair GROUP BY tid, month, worst"
    )
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _frame(
        rows,
        ("term_id", "month", "worst_grade", "sessions_with_event", "events", "serious_events"),
    )
