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
from datetime import date, datetime, time, timedelta

import pandas as pd
from django.db import connections
from django.db.models import Case, CharField, Count, F, Max, Q, QuerySet, Value, When
from django.db.models.functions import Least

from events.access import ALL_SITES, visible_site_ids
from events.choices import EventStatus, SessionStatus
from events.models import AdverseEvent, InfusionSession
from reporting.filters import ONSET_BANDS, ONSET_UNKNOWN, ReportFilters

COUNTED_STATUSES = (SessionStatus.COMPLETED, SessionStatus.STOPPED_EARLY)
SESSION_DIMENSIONS = ("month", "site_id", "route", "drug", "dose_band", "session_number")


def _month(day: date) -> str:
    return day.strftime("%Y-%m")


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
        q &= Q(**{f"{p}month__gte": _month(filters.date_from)})
    if filters.date_to:
        q &= Q(**{f"{p}month__lte": _month(filters.date_to)})
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
    """Conditions on the events themselves (voided events never count)."""
    q = ~Q(status=EventStatus.VOIDED)
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


def events_cube(events: QuerySet, using: str) -> pd.DataFrame:
    """Events, sessions with an event and serious events per session dimensions.

    Each session sits in exactly one cell, so sessions-with-event counts add up across cells.
    Counted in two levels (per session, then per cell) so the database hashes instead of
    sorting for COUNT(DISTINCT).
    """
    per_session = events.values(
        sid=F("session_id"),
        session_month=F("session__month"),
        session_site=F("session__site_id"),
        session_route=F("session__route"),
        session_drug=F("session__drug"),
        session_band=F("session__dose_band"),
        session_number=Least(F("session__sequence_number"), Value(7)),
    ).annotate(n=Count("id"), serious=Count("id", filter=Q(is_serious=True)))
    inner, params = _as_subquery(per_session, using)
    dims = "session_month, session_site, session_route, session_drug, session_band, session_number"
    sql = (
        f"SELECT {dims}, SUM(n), COUNT(*), SUM(serious) "  # noqa: S608 (no user text)
        f"FROM ({inner}) per_session GROUP BY {dims}"
    )
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _frame(rows, (*SESSION_DIMENSIONS, "events", "sessions_with_event", "serious_events"))


def term_month_worst(events: QuerySet, using: str) -> pd.DataFrame:
    """Per (term, month, worst grade): sessions whose worst grade for the term is that grade,
    their events and serious events. Incidence counts a session once per term."""
    per_pair = events.values(
        sid=F("session_id"), tid=F("term_id"), month=F("session__month")
    ).annotate(worst=Max("grade"), n=Count("id"), serious=Count("id", filter=Q(is_serious=True)))
    inner, params = _as_subquery(per_pair, using)
    sql = (
        "SELECT tid, month, worst, COUNT(*), SUM(n), SUM(serious) "  # noqa: S608
        f"FROM ({inner}) per_pair GROUP BY tid, month, worst"
    )
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _frame(
        rows,
        ("term_id", "month", "worst_grade", "sessions_with_event", "events", "serious_events"),
    )


def session_worst(events: QuerySet, using: str) -> tuple[pd.DataFrame, int]:
    """Per worst grade of a session (over all its counted events): sessions, events of each
    grade; and the number of distinct patients with an event (the last row, worst grade 0)."""
    grade_counts = {f"g{grade}": Count("id", filter=Q(grade=grade)) for grade in range(1, 6)}
    grade_counts |= {
        f"s{grade}": Count("id", filter=Q(grade=grade, is_serious=True)) for grade in range(1, 6)
    }
    per_session = events.values(sid=F("session_id"), pid=F("session__patient_id")).annotate(
        worst=Max("grade"),
        n=Count("id"),
        serious=Count("id", filter=Q(is_serious=True)),
        **grade_counts,
    )
    inner, params = _as_subquery(per_session, using)
    sums = ", ".join(f"SUM({kind}{grade})" for kind in "gs" for grade in range(1, 6))
    # One statement, two groupings of the same per-session rows: by worst grade, and overall
    # (distinct patients do not add up across grades).
    sql = (
        f"WITH per_session AS ({inner}) "  # noqa: S608
        f"SELECT worst, COUNT(*), SUM(n), SUM(serious), 0, {sums} "
        "FROM per_session GROUP BY worst "
        f"UNION ALL SELECT 0, COUNT(*), SUM(n), SUM(serious), COUNT(DISTINCT pid), {sums} "
        "FROM per_session"
    )
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    columns = (
        "worst_grade",
        "sessions_with_event",
        "events",
        "serious_events",
        "patients_with_event",
        *(f"grade_{grade}_events" for grade in range(1, 6)),
        *(f"grade_{grade}_serious_events" for grade in range(1, 6)),
    )
    frame = _frame(rows, columns)
    totals = frame[frame["worst_grade"] == 0]
    patients = int(totals["patients_with_event"].iloc[0] or 0) if len(totals) else 0
    return frame[frame["worst_grade"] != 0].drop(columns="patients_with_event"), patients


def category_counts(events: QuerySet) -> pd.DataFrame:
    rows = (
        events.values("term__category")
        .annotate(
            events=Count("id"),
            sessions_with_event=Count("session_id", distinct=True),
            serious_events=Count("id", filter=Q(is_serious=True)),
        )
        .values_list("term__category", "events", "sessions_with_event", "serious_events")
    )
    return _frame(rows, ("category", "events", "sessions_with_event", "serious_events"))


def _onset_band_expression() -> Case:
    whens = [When(onset_minutes__isnull=True, then=Value(ONSET_UNKNOWN))]
    for band, (low, high) in ONSET_BANDS.items():
        condition = Q()
        if low is not None:
            condition &= Q(onset_minutes__gte=low)
        if high is not None:
            condition &= Q(onset_minutes__lt=high)
        whens.append(When(condition, then=Value(band)))
    return Case(*whens, output_field=CharField())


def onset_counts(events: QuerySet) -> pd.DataFrame:
    rows = (
        events.annotate(onset_band=_onset_band_expression())
        .values_list("onset_band")
        .annotate(
            events=Count("id"),
            sessions_with_event=Count("session_id", distinct=True),
            serious_events=Count("id", filter=Q(is_serious=True)),
        )
    )
    return _frame(rows, ("onset_band", "events", "sessions_with_event", "serious_events"))
