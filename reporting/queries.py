"""The querysets and GROUP BY queries behind the safety summary.

Each function here is one query over sessions or events, filtered by a `ReportFilters` and the
user's sites, that returns grouped counts as a DataFrame. Months group on the stored
`InfusionSession.month` (site-local "YYYY-MM"), dose bands on `dose_band`, session numbers on
`sequence_number`, time to onset on `AdverseEvent.onset_minutes`: no date functions per row.
The events' counts (`events_frames`) are one statement that reads the filtered events once and
groups them per session (worst grade, breakdown groups as a bit mask), per cell and kind of
event, and per session and term, so the database does every level.
"""

from __future__ import annotations

import calendar
import operator
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import reduce
from typing import Any

import pandas as pd
from django.db import connections, transaction
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
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


def _breakdown_families(columns: EventColumns) -> dict[str, dict[str, Q]]:
    """The summary's breakdowns of events: grade, onset band, category. The groups of one
    family are disjoint and every event lies in exactly one group of each family."""
    return {
        "grade": {f"grade_{grade}": Q(grade=grade) for grade in range(1, 6)},
        "onset": {
            f"onset_{index}": columns.onset(band)
            for index, band in enumerate([*ONSET_BANDS, ONSET_UNKNOWN])
        },
        "category": {
            f"category_{category}": Q(**{columns.category: category})
            for category in TermCategory.values
        },
    }


BREAKDOWN_GROUPS = (
    *(f"grade_{grade}" for grade in range(1, 6)),
    *(f"onset_{index}" for index in range(len(ONSET_BANDS) + 1)),
    *(f"category_{category}" for category in TermCategory.values),
)
# Each group's bit in an event's and a session's masks: 17 bits, an integer on both databases.
GROUP_BITS = {group: 1 << index for index, group in enumerate(BREAKDOWN_GROUPS)}


def _family_bit(groups: dict[str, Q]) -> Case:
    """An event's bit in one family: the bit of the group it lies in (0 in none)."""
    whens = [When(condition, then=Value(GROUP_BITS[group])) for group, condition in groups.items()]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def _bit_or(expression: str, vendor: str) -> str:
    """The bitwise OR of one family's bits over a group. SQLite has no BIT_OR, but every event
    carries exactly one power of two (or 0) per family, so the sum of the distinct values is
    their OR."""
    return f"BIT_OR({expression})" if vendor == "postgresql" else f"SUM(DISTINCT {expression})"


# Memory for each sort and hash table of the events' statement on PostgreSQL (the default is
# 4 MB). When most events match (945,754 at 1,000,000 events), the per-session and
# per-(session, term) stages sorted on disk and the statement took 5.3 s; with 32 MB it hashes
# in memory, 2.7 s (EXPLAIN ANALYZE). Selective filters are unaffected.
EVENTS_WORK_MEM = "32MB"


@dataclass(frozen=True)
class EventFrames:
    cube: pd.DataFrame  # per cell of the session dimensions (see `events_frames`)
    term_month_worst: pd.DataFrame  # per (term, month, worst grade)
    patients_with_event: int


def events_frames(events: QuerySet[Any], using: str) -> EventFrames:
    """The summary's counts of the counted `events`, in one statement over one read of them.

    The events (the `ev` part: their session, patient, term, cell of the session dimensions,
    grade, seriousness and one bit per breakdown family) are read once; PostgreSQL and SQLite
    keep a part used several times as a temporary result. From it:

    - the cube, one row per cell of (month, site, route, drug, dose band, session number):
      - per session, its worst grade and its groups (grade, onset band, category) as one bit
        mask, then per cell the sessions with an event, in each group (the sum of the group's
        bit) and by worst grade. Each session sits in one cell, so these add up across cells;
      - per cell, grade, onset band, category and seriousness, the events (a plain GROUP BY,
        no per-session stage), then per cell the events and serious events, overall and in
        each group;
    - per (term, month, worst grade): sessions whose worst grade for the term is that grade,
      their events and serious events (incidence counts a session once per term);
    - the patients with an event.

    Counts are cast to 32-bit integers before they are summed again: PostgreSQL adds bigints
    as numeric (several times slower, and Decimals in Python).
    """
    columns = columns_of(events)
    families = _breakdown_families(columns)
    dimensions = dict(zip(_DIMENSION_ALIASES, columns.dimensions.values(), strict=True))
    rows_of_events = events.values(
        sid=F(columns.session),
        pid=F(columns.patient),
        tid=F("term_id"),
        **dimensions,
        ev_grade=F("grade"),
        ev_serious=Cast("is_serious", IntegerField()),
        **{f"{family}_bit": _family_bit(groups) for family, groups in families.items()},
    )
    inner, params = _as_subquery(rows_of_events, using)
    connection = connections[using]
    sql = _events_sql(inner, connection.vendor)
    postgresql = connection.vendor == "postgresql"
    # A transaction for SET LOCAL on PostgreSQL only (no savepoint: the setting lasts to the
    # end of the enclosing transaction, if any). SQLite's transactions are IMMEDIATE here: one
    # would take the write lock for a read.
    in_transaction = (
        transaction.atomic(using=using, savepoint=False) if postgresql else nullcontext()
    )
    with in_transaction, connection.cursor() as cursor:
        if postgresql:
            cursor.execute(f"SET LOCAL work_mem = '{EVENTS_WORK_MEM}'")
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    parts: dict[str, list[Any]] = {"cell": [], "patients": [], "term": []}
    for row in rows:
        parts[row[0]].append(row[1:])
    # The patients' row is framed with the cells, as the cube was always framed.
    cube = _frame([*parts["cell"], *parts["patients"]], EVENTS_CUBE_COLUMNS)
    patients = int(parts["patients"][0][len(SESSION_DIMENSIONS)] or 0) if parts["patients"] else 0
    cube = cube.iloc[: len(parts["cell"])].reset_index(drop=True)
    numeric = [column for column in cube.columns if column not in SESSION_DIMENSIONS]
    cube[numeric] = cube[numeric].fillna(0).astype("int64")
    terms = _frame(
        ((row[1], row[0], row[5], row[6], row[7], row[8]) for row in parts["term"]),
        TERM_MONTH_WORST_COLUMNS,
    )
    return EventFrames(cube=cube, term_month_worst=terms, patients_with_event=patients)


EVENTS_CUBE_COLUMNS = (
    *SESSION_DIMENSIONS,
    "sessions_with_event",
    "events",
    "serious_events",
    *(f"{group}_{kind}" for group in BREAKDOWN_GROUPS for kind in ("events", "serious")),
    *(f"{group}_sessions" for group in BREAKDOWN_GROUPS),
    *(f"worst_grade_{grade}_sessions" for grade in range(1, 6)),
)
TERM_MONTH_WORST_COLUMNS = (
    "term_id",
    "month",
    "worst_grade",
    "sessions_with_event",
    "events",
    "serious_events",
)


def _events_sql(events_sql: str, vendor: str) -> str:
    """The statement of `events_frames` over `events_sql` (the events' rows). Every name in it
    is ours; the filters' values stay parameters of `events_sql`."""
    dims = ", ".join(_DIMENSION_ALIASES)
    groups = " + ".join(
        _bit_or(f"{family}_bit", vendor) for family in ("grade", "onset", "category")
    )
    family_of = {group: group.split("_")[0] for group in BREAKDOWN_GROUPS}
    event_sums = ["SUM(n) AS events", "SUM(n * ev_serious) AS serious_events"]
    for index, (group, bit) in enumerate(GROUP_BITS.items()):
        condition = f"{family_of[group]}_bit = {bit}"
        event_sums.append(f"SUM(CASE WHEN {condition} THEN n ELSE 0 END) AS e{index}")
        event_sums.append(f"SUM(CASE WHEN {condition} THEN n * ev_serious ELSE 0 END) AS x{index}")
    session_sums = ["COUNT(*) AS sessions_with_event"]
    session_sums += [
        f"SUM((groups >> {index}) & 1) AS s{index}" for index in range(len(GROUP_BITS))
    ]
    session_sums += [
        f"SUM(CASE WHEN worst = {grade} THEN 1 ELSE 0 END) AS w{grade}" for grade in range(1, 6)
    ]
    event_columns = ["e.events", "e.serious_events"]
    for index in range(len(GROUP_BITS)):
        event_columns += [f"e.e{index}", f"e.x{index}"]
    cell_columns = [
        *(f"s.{name}" for name in _DIMENSION_ALIASES),
        "s.sessions_with_event",
        *event_columns,
        *(f"s.s{index}" for index in range(len(GROUP_BITS))),
        *(f"s.w{grade}" for grade in range(1, 6)),
    ]
    counts = len(cell_columns) - len(_DIMENSION_ALIASES)
    same_cell = " AND ".join(f"s.{name} = e.{name}" for name in _DIMENSION_ALIASES)
    no_dims = _nulls(len(_DIMENSION_ALIASES))
    return (
        f"WITH ev AS ({events_sql}), "  # noqa: S608 (no user text: names are ours)  # nosec B608
        f"per_session AS (SELECT sid, pid, {dims}, MAX(ev_grade) AS worst, {groups} AS groups "
        f"FROM ev GROUP BY sid, pid, {dims}), "
        f"session_cells AS (SELECT {dims}, {', '.join(session_sums)} "
        f"FROM per_session GROUP BY {dims}), "
        "per_kind AS (SELECT "
        f"{dims}, grade_bit, onset_bit, category_bit, ev_serious, CAST(COUNT(*) AS integer) AS n "
        f"FROM ev GROUP BY {dims}, grade_bit, onset_bit, category_bit, ev_serious), "
        f"event_cells AS (SELECT {dims}, {', '.join(event_sums)} FROM per_kind GROUP BY {dims}), "
        "per_pair AS (SELECT tid, session_month, MAX(ev_grade) AS worst, "
        "CAST(COUNT(*) AS integer) AS n, CAST(SUM(ev_serious) AS integer) AS serious "
        "FROM ev GROUP BY sid, tid, session_month) "
        f"SELECT 'cell', {', '.join(cell_columns)} "
        f"FROM session_cells s JOIN event_cells e ON {same_cell} "
        f"UNION ALL SELECT 'patients', {no_dims}, COUNT(DISTINCT pid), {_nulls(counts - 1)} "
        "FROM per_session "
        # A term row in a cell row's slots of the same types: month, term (in the site's
        # slot), worst grade (in the session number's), then its three counts.
        f"UNION ALL SELECT 'term', session_month, tid, NULL, NULL, NULL, worst, "
        f"COUNT(*), SUM(n), SUM(serious), {_nulls(counts - 3)} "
        "FROM per_pair GROUP BY tid, session_month, worst"
    )


def _nulls(count: int) -> str:
    return ", ".join(["NULL"] * count)
