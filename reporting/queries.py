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
import operator
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import reduce
from typing import Any

import pandas as pd
from django.db import connections
from django.db.models import Count, F, IntegerField, Max, Q, QuerySet, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Least

from audit.services import Actor as AnyUser
from events.access import ALL_SITES, visible_site_ids
from events.choices import SessionStatus, TermCategory
from events.models import AdverseEvent, InfusionSession
from reporting.filters import ONSET_BANDS, ONSET_UNKNOWN, ReportFilters, month_key
from reporting.models import CountedEvent

# Exposure: every session that started and is not voided, whatever became of it. A session
# nobody closed still exposed its patient, and its events must never drop out of a report.
COUNTED_STATUSES = (SessionStatus.IN_PROGRESS, SessionStatus.COMPLETED, SessionStatus.STOPPED_EARLY)
SESSION_DIMENSIONS = ("month", "site_id", "route", "drug", "dose_band", "session_number")
# The per-session query's names for them (not the models' own field names, which an
# annotation may not reuse).
_DIMENSION_ALIASES = tuple(f"session_{name}" for name in SESSION_DIMENSIONS)


def _is_month_aligned(filters: ReportFilters) -> bool:
    starts_on_first = filters.date_from is None or filters.date_from.day == 1
    end = filters.date_to
    ends_on_last = end is None or end.day == calendar.monthrange(end.year, end.month)[1]
    return starts_on_first and ends_on_last


def counted_session_rule(prefix: str = "") -> Q:
    """The sessions that count: started (in progress, completed, stopped early), not voided."""
    return Q(**{f"{prefix}is_voided": False, f"{prefix}status__in": COUNTED_STATUSES})


# Where the session filters find their attributes: on InfusionSession (prefixed "session__"
# from an event), or on the counted-events table, which copies them.
SESSION_PATHS = {
    "site": "site_id",
    "route": "route",
    "drug": "drug",
    "dose_band": "dose_band",
    "indication": "patient__indication",
    "number": "sequence_number",
    "month": "month",
    "started_at": "started_at",
}
COUNTED_SESSION_PATHS = SESSION_PATHS | {"indication": "indication", "number": "session_number"}
# The filters on session attributes: field of ReportFilters -> key of the paths above.
_SESSION_FILTERS = {
    "site_ids": "site",
    "routes": "route",
    "drugs": "drug",
    "dose_bands": "dose_band",
    "indications": "indication",
}


def session_conditions(
    filters: ReportFilters, user: AnyUser, site_zones: dict[int, str], prefix: str = ""
) -> Q:
    """Conditions for counted sessions: `prefix` is "" on sessions, "session__" on events."""
    paths = {name: f"{prefix}{path}" for name, path in SESSION_PATHS.items()}
    return counted_session_rule(prefix) & session_filter_conditions(
        filters, user, site_zones, paths
    )


def session_filter_conditions(
    filters: ReportFilters, user: AnyUser, site_zones: dict[int, str], paths: dict[str, str]
) -> Q:
    """The reader's sites and the session filters, on the attributes named by `paths`.

    The period always narrows on the stored month (index-friendly); when a date is not the
    first or last of its month, the start time is also compared with local midnight at each
    site, one range per time zone. Session numbers 7 and later count as 7.
    """
    q = Q()
    visible = visible_site_ids(user)
    if visible is not ALL_SITES:
        q &= Q(**{f"{paths['site']}__in": sorted(visible)})
    for name, key in _SESSION_FILTERS.items():
        values = getattr(filters, name)
        if values:
            q &= Q(**{f"{paths[key]}__in": list(values)})
    if filters.session_numbers:
        number = paths["number"]
        numbers = Q(**{f"{number}__in": [n for n in filters.session_numbers if n < 7]})
        if 7 in filters.session_numbers:
            numbers |= Q(**{f"{number}__gte": 7})
        q &= numbers
    if filters.date_from:
        q &= Q(**{f"{paths['month']}__gte": month_key(filters.date_from)})
    if filters.date_to:
        q &= Q(**{f"{paths['month']}__lte": month_key(filters.date_to)})
    if not _is_month_aligned(filters):
        q &= _local_day_range(filters, site_zones, paths)
    return q


def _local_day_range(
    filters: ReportFilters, site_zones: dict[int, str], paths: dict[str, str]
) -> Q:
    by_zone: dict[str, list[int]] = defaultdict(list)
    for site_id, zone in site_zones.items():
        by_zone[zone].append(site_id)
    q = Q(pk__in=[])
    for zone, site_ids in by_zone.items():
        tz = zoneinfo.ZoneInfo(zone)
        part = Q(**{f"{paths['site']}__in": sorted(site_ids)})
        if filters.date_from:
            start = datetime.combine(filters.date_from, time.min, tzinfo=tz)
            part &= Q(**{f"{paths['started_at']}__gte": start})
        if filters.date_to:
            end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=tz)
            part &= Q(**{f"{paths['started_at']}__lt": end})
        q |= part
    return q


def _onset_condition(band: str) -> Q:
    """Events whose time to onset lies in one band (`onset_minutes`, the record's column)."""
    if band == ONSET_UNKNOWN:
        return Q(onset_minutes__isnull=True)
    low, high = ONSET_BANDS[band]
    part = Q(onset_minutes__isnull=False)
    if low is not None:
        part &= Q(onset_minutes__gte=low)
    if high is not None:
        part &= Q(onset_minutes__lt=high)
    return part


def event_conditions(filters: ReportFilters, *, counted: bool = False) -> Q:
    """Conditions on the events themselves: the review status filter's statuses (voided
    events never count), then the event filters. With `counted`, on the counted-events
    table (category and onset band stored), else on AdverseEvent."""
    q = Q(status__in=list(filters.event_statuses))
    if filters.term_ids:
        q &= Q(term_id__in=list(filters.term_ids))
    if filters.categories:
        q &= Q(**{"category__in" if counted else "term__category__in": list(filters.categories)})
    if filters.grades:
        q &= Q(grade__in=list(filters.grades))
    if filters.serious is not None:
        q &= Q(is_serious=filters.serious)
    if filters.onset_bands:
        if counted:
            q &= Q(onset_band__in=list(filters.onset_bands))
        else:
            q &= reduce(operator.or_, (_onset_condition(band) for band in filters.onset_bands))
    return q


def counted_sessions(
    filters: ReportFilters, user: AnyUser, site_zones: dict[int, str], using: str
) -> QuerySet[InfusionSession]:
    return (
        InfusionSession.objects.using(using)
        .filter(session_conditions(filters, user, site_zones))
        .order_by()
    )


def counted_events(
    filters: ReportFilters, user: AnyUser, site_zones: dict[int, str], using: str
) -> QuerySet[AdverseEvent]:
    """The counted events, read from the record (joins to sessions, patients and terms)."""
    return (
        AdverseEvent.objects.using(using)
        .filter(event_conditions(filters))
        .filter(session_conditions(filters, user, site_zones, prefix="session__"))
        .order_by()
    )


def counted_event_rows(
    filters: ReportFilters, user: AnyUser, site_zones: dict[int, str], using: str
) -> QuerySet[CountedEvent]:
    """The same events read from the counted-events table: one narrow table, no joins."""
    return (
        CountedEvent.objects.using(using)
        .filter(event_conditions(filters, counted=True))
        .filter(session_filter_conditions(filters, user, site_zones, COUNTED_SESSION_PATHS))
        .order_by()
    )


@dataclass(frozen=True)
class EventColumns:
    """Where the event queries below find each attribute, as ORM expressions: on
    AdverseEvent (through its session, patient and term) or on CountedEvent (copied)."""

    session: str
    patient: str
    dimensions: dict[str, Combinable]  # SESSION_DIMENSIONS, in order
    category: str
    onset: Callable[[str], Q]  # band key -> condition


def _record_dimension(name: str) -> Combinable:
    if name == "session_number":
        return Least(F("session__sequence_number"), Value(7))
    return F(f"session__{name}")


RECORD_COLUMNS = EventColumns(
    session="session_id",
    patient="session__patient_id",
    dimensions={name: _record_dimension(name) for name in SESSION_DIMENSIONS},
    category="term__category",
    onset=_onset_condition,
)
COUNTED_COLUMNS = EventColumns(
    session="session_id",
    patient="patient_id",
    dimensions={name: F(name) for name in SESSION_DIMENSIONS},
    category="category",
    onset=lambda band: Q(onset_band=band),
)


def columns_of(events: QuerySet[Any]) -> EventColumns:
    return COUNTED_COLUMNS if events.model is CountedEvent else RECORD_COLUMNS


def _frame(rows: Iterable[Sequence[Any]], columns: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(rows), columns=list(columns))


_SESSION_NUMBER = Least(F("sequence_number"), Value(7))


def sessions_cube(sessions: QuerySet[InfusionSession]) -> pd.DataFrame:
    """Sessions per (month, site, route, drug, dose band, session number 1-7)."""
    rows = (
        sessions.annotate(session_number=_SESSION_NUMBER)
        .values_list(*SESSION_DIMENSIONS)
        .annotate(sessions=Count("id"))
    )
    return _frame(rows, (*SESSION_DIMENSIONS, "sessions"))


def distinct_patients(sessions: QuerySet[InfusionSession]) -> int:
    return int(sessions.aggregate(patients=Count("patient_id", distinct=True))["patients"])


def _as_subquery(queryset: QuerySet[Any], using: str) -> tuple[str, tuple[Any, ...]]:
    sql, params = queryset.query.get_compiler(using=using).as_sql()
    return sql, tuple(params)


def _count(condition: Q | None = None) -> Cast:
    """COUNT of the group's events (those matching `condition`), as a 32-bit integer: summed
    again in the outer GROUP BY, PostgreSQL adds integers as bigint, where it would add
    COUNT's bigint as numeric (several times slower, and Decimals in Python)."""
    return Cast(Count("pk", filter=condition), IntegerField())


def _breakdown_aggregates(columns: EventColumns) -> dict[str, Cast]:
    """Per-session counts of events by grade, onset band and category (and the serious ones),
    so sessions with an event in each group add up across the session dimensions."""
    groups: dict[str, Q] = {f"grade_{grade}": Q(grade=grade) for grade in range(1, 6)}
    for index, band in enumerate([*ONSET_BANDS, ONSET_UNKNOWN]):
        groups[f"onset_{index}"] = columns.onset(band)
    for category in TermCategory.values:
        groups[f"category_{category}"] = Q(**{columns.category: category})
    aggregates = {}
    for name, condition in groups.items():
        aggregates[f"{name}_events"] = _count(condition)
        aggregates[f"{name}_serious"] = _count(condition & Q(is_serious=True))
    return aggregates


BREAKDOWN_GROUPS = (
    *(f"grade_{grade}" for grade in range(1, 6)),
    *(f"onset_{index}" for index in range(len(ONSET_BANDS) + 1)),
    *(f"category_{category}" for category in TermCategory.values),
)


def events_cube(events: QuerySet[Any], using: str) -> tuple[pd.DataFrame, int]:
    """One pass over the counted events, grouped per session and then per cell of the session
    dimensions (month, site, route, drug, dose band, session number).

    Each cell carries events, sessions with an event and serious events, overall and for every
    grade, onset band and category, plus sessions by the worst grade they reached. Each session
    sits in exactly one cell, so all of these add up across cells. The second part of the
    statement counts distinct patients with an event over the same per-session rows.
    Returns the cells and the number of patients with an event.
    """
    columns = columns_of(events)
    aggregates = _breakdown_aggregates(columns)
    dimensions = dict(zip(_DIMENSION_ALIASES, columns.dimensions.values(), strict=True))
    per_session = events.values(
        sid=F(columns.session), pid=F(columns.patient), **dimensions
    ).annotate(n=_count(), serious=_count(Q(is_serious=True)), worst=Max("grade"), **aggregates)
    inner, params = _as_subquery(per_session, using)
    dims = ", ".join(_DIMENSION_ALIASES)
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
    names = (
        "part",
        *SESSION_DIMENSIONS,
        "sessions_with_event",
        "events",
        "serious_events",
        *aggregates,
        *(f"{group}_sessions" for group in BREAKDOWN_GROUPS),
        *(f"worst_grade_{grade}_sessions" for grade in range(1, 6)),
    )
    frame = _frame(rows, names)
    patients = frame.loc[frame["part"] == "patients", "sessions_with_event"]
    cells = frame[frame["part"] == "cell"].drop(columns="part").reset_index(drop=True)
    numeric = [column for column in cells.columns if column not in SESSION_DIMENSIONS]
    cells[numeric] = cells[numeric].fillna(0).astype("int64")
    return cells, int(patients.iloc[0] or 0) if len(patients) else 0


def term_month_worst(events: QuerySet[Any], using: str) -> pd.DataFrame:
    """Per (term, month, worst grade): sessions whose worst grade for the term is that grade,
    their events and serious events. Incidence counts a session once per term."""
    columns = columns_of(events)
    per_pair = events.values(
        sid=F(columns.session), tid=F("term_id"), session_month=columns.dimensions["month"]
    ).annotate(worst=Max("grade"), n=_count(), serious=_count(Q(is_serious=True)))
    inner, params = _as_subquery(per_pair, using)
    sql = (
        "SELECT tid, session_month, worst, COUNT(*), SUM(n), SUM(serious) "  # noqa: S608  # nosec B608
        f"FROM ({inner}) per_pair GROUP BY tid, session_month, worst"
    )
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _frame(
        rows,
        ("term_id", "month", "worst_grade", "sessions_with_event", "events", "serious_events"),
    )
