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
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import reduce
from typing import Any

import numpy as np
import pandas as pd
from django.db import connections, transaction
from django.db.models import (
    Count,
    F,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import Combinable

from audit.services import Actor as AnyUser
from events.access import ALL_SITES, visible_site_ids
from events.choices import SessionStatus
from events.models import AdverseEvent, InfusionSession
from reporting.cells import MONTH_MASK, MONTH_SHIFT, cell_expression, decode_cell, month_of_index
from reporting.filters import ReportFilters, month_key
from reporting.kinds import (
    BREAKDOWN_GROUPS,
    FAMILY_MASKS,
    GROUPS_MASK,
    SERIOUS_SHIFT,
    event_kind,
    onset_condition,
)
from reporting.models import CountedEvent, CountedSession

# Exposure: every session that started and is not voided, whatever became of it. A session
# nobody closed still exposed its patient, and its events must never drop out of a report.
COUNTED_STATUSES = (SessionStatus.IN_PROGRESS, SessionStatus.COMPLETED, SessionStatus.STOPPED_EARLY)
# The order of `reporting.cells.decode_cell`.
SESSION_DIMENSIONS = ("month", "site_id", "route", "drug", "dose_band", "session_number")


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
            q &= reduce(operator.or_, (onset_condition(band) for band in filters.onset_bands))
    return q


def counted_sessions(
    filters: ReportFilters, user: AnyUser, site_zones: dict[int, str], using: str
) -> QuerySet[InfusionSession]:
    return (
        InfusionSession.objects.using(using)
        .filter(session_conditions(filters, user, site_zones))
        .order_by()
    )


def counted_session_rows(
    filters: ReportFilters, user: AnyUser, site_zones: dict[int, str], using: str
) -> QuerySet[CountedSession]:
    """The same sessions read from the counted-sessions table: one narrow table, no joins."""
    return (
        CountedSession.objects.using(using)
        .filter(session_filter_conditions(filters, user, site_zones, COUNTED_SESSION_PATHS))
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
    cell: Combinable  # the session's cell of SESSION_DIMENSIONS (`reporting.cells`)
    # The counted events of the term in the session (`CountedEvent.term_events_in_session`);
    # 0 where it is not stored, which groups every event with its pair.
    pair_events: Combinable
    kind: Combinable  # the event's groups and seriousness (`reporting.kinds`)


RECORD_COLUMNS = EventColumns(
    session="session_id",
    patient="session__patient_id",
    cell=cell_expression(prefix="session__"),
    pair_events=Value(0),
    kind=event_kind(),
)
COUNTED_COLUMNS = EventColumns(
    session="session_id",
    patient="patient_id",
    cell=F("cell"),
    pair_events=F("term_events_in_session"),
    kind=F("kind"),
)


def columns_of(events: QuerySet[Any]) -> EventColumns:
    return COUNTED_COLUMNS if events.model is CountedEvent else RECORD_COLUMNS


def _frame(rows: Iterable[Sequence[Any]], columns: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(rows), columns=list(columns))


def sessions_cube(sessions: QuerySet[Any]) -> pd.DataFrame:
    """Sessions per (month, site, route, drug, dose band, session number 1-7): grouped on
    their cell, stored (CountedSession) or computed (InfusionSession)."""
    if sessions.model is not CountedSession:
        sessions = sessions.annotate(cell=cell_expression())
    rows = sessions.values_list("cell").annotate(sessions=Count("*"))
    return _frame(
        ((*decode_cell(cell), count) for cell, count in rows), (*SESSION_DIMENSIONS, "sessions")
    )


def distinct_patients(sessions: QuerySet[Any]) -> int:
    # COUNT over SELECT DISTINCT: hashed on PostgreSQL, where COUNT(DISTINCT) always sorts.
    return sessions.values("patient_id").distinct().count()


def _as_subquery(queryset: QuerySet[Any], using: str) -> tuple[str, tuple[Any, ...]]:
    sql, params = queryset.query.get_compiler(using=using).as_sql()
    return sql, tuple(params)


def _session_groups(vendor: str) -> str:
    """The OR of a session's events' group bits. SQLite has no BIT_OR, but an event carries
    exactly one bit (or none) of each family, so per family the sum of the distinct bits is
    their OR."""
    if vendor == "postgresql":
        return f"BIT_OR(ev_kind) & {GROUPS_MASK}"
    return " + ".join(f"SUM(DISTINCT ev_kind & {mask})" for mask in FAMILY_MASKS.values())


# Settings for the summary's statements on PostgreSQL (`counting`), for their transaction only:
# - memory for each sort and hash table (the default is 4 MB). When most events match
#   (945,754 at 1,000,000 events), the events' per-session and per-(session, term) stages
#   sorted on disk and the statement took 5.3 s; with 32 MB it hashes in memory, 2.7 s;
# - reading with parallel workers. The planner's default costs of starting workers (1000) and
#   of passing each row to the leader (0.1) price the read of a few hundred thousand rows as
#   not worth it; measured at 1,000,000 events, two workers read them in half the time (the
#   events' statement for route and grade: 375 -> 310 ms; for indication, band, number and
#   seriousness, a scan of the whole table: 555 -> 400 ms; the sessions' cube 80 -> 46 ms).
COUNTING_SETTINGS = {
    "work_mem": "32MB",
    "parallel_setup_cost": "100",
    "parallel_tuple_cost": "0.01",
}


@contextmanager
def counting(using: str) -> Iterator[None]:
    """The block in which the summary's statements run: on PostgreSQL a transaction with
    COUNTING_SETTINGS (SET LOCAL, in one statement; no savepoint: the settings last to the end
    of the enclosing transaction, if any). On SQLite nothing: its transactions are IMMEDIATE
    here, and one would take the write lock for a read."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    calls = ", ".join(["set_config(%s, %s, true)"] * len(COUNTING_SETTINGS))
    values = [value for pair in COUNTING_SETTINGS.items() for value in pair]
    with transaction.atomic(using=using, savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {calls}", values)
        yield


@dataclass(frozen=True)
class EventFrames:
    cube: pd.DataFrame  # per cell of the session dimensions (see `events_frames`)
    term_month_worst: pd.DataFrame  # per (term, month, worst grade)
    patients_with_event: int


def events_frames(events: QuerySet[Any], using: str) -> EventFrames:
    """The summary's counts of the counted `events`, in one statement over one read of them.

    The events (the `ev` part: their session, patient, term, cell of the session dimensions
    as one integer, grade, their kind and the events of their pair) are read once;
    PostgreSQL and SQLite keep a part used several times as a temporary result. An event's
    kind is one integer: its bit in each breakdown family (grade, onset band, category) and
    its seriousness (above `SERIOUS_SHIFT`). The database groups; the grouped rows are summed per
    cell here (`_cube`):

    - per session, its worst grade and its groups as one bit mask, then the sessions per
      (cell, worst grade, groups): the sessions with an event per cell, in each group and by
      worst grade. Each session sits in one cell, so these add up across cells;
    - the events per (cell, kind): per cell the events and serious events, overall and in
      each group;
    - per (term, month, worst grade): sessions whose worst grade for the term is that grade,
      their events and serious events (incidence counts a session once per term). An event
      that is the only one of its term in its session is its pair on its own, whatever the
      filters keep; only the other events are grouped per (session, term);
    - the patients with an event.
    """
    columns = columns_of(events)
    rows_of_events = events.values(
        sid=F(columns.session),
        pid=F(columns.patient),
        tid=F("term_id"),
        ev_cell=columns.cell,
        ev_grade=F("grade"),
        ev_kind=columns.kind,
        pair_events=columns.pair_events,
    )
    inner, params = _as_subquery(rows_of_events, using)
    with connections[using].cursor() as cursor:
        cursor.execute(_events_sql(inner, connections[using].vendor), params)
        rows = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 7)
    label = rows[:, 0]
    terms = pd.DataFrame(rows[label == _TERM_ROW, 1:], columns=list(TERM_MONTH_WORST_COLUMNS))
    terms["month"] = [month_of_index(index) for index in terms["month"]]
    return EventFrames(
        cube=_cube(rows[label == _SESSION_ROW, 1:5], rows[label == _KIND_ROW, 1:4]),
        term_month_worst=terms,
        patients_with_event=int(rows[label == _PATIENTS_ROW, 1].sum()),
    )


# The rows of the events' statement: their kind (the first column), then six integers.
_TERM_ROW, _SESSION_ROW, _KIND_ROW, _PATIENTS_ROW = range(4)


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


def _cube(sessions: np.ndarray, kinds: np.ndarray) -> pd.DataFrame:
    """The events' cube from the grouped rows: `sessions` (cell, worst grade, groups,
    sessions) and `kinds` (cell, kind, events). Every cell with an event has both."""
    cells = np.unique(sessions[:, 0])
    columns: dict[str, Any] = (
        dict(zip(SESSION_DIMENSIONS, zip(*map(decode_cell, cells), strict=True), strict=True))
        if len(cells)
        else {name: [] for name in SESSION_DIMENSIONS}
    )

    def summer(cell: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        at = np.searchsorted(cells, cell)
        return lambda weights: np.bincount(at, weights, len(cells)).astype(np.int64)

    cell, worst, groups, count = sessions.T
    per_cell = summer(cell)
    columns["sessions_with_event"] = per_cell(count)
    for bit, group in enumerate(BREAKDOWN_GROUPS):
        columns[f"{group}_sessions"] = per_cell(count * ((groups >> bit) & 1))
    for grade in range(1, 6):
        columns[f"worst_grade_{grade}_sessions"] = per_cell(count * (worst == grade))
    cell, kind, count = kinds.T
    per_cell = summer(cell)
    serious = count * (kind >> SERIOUS_SHIFT)
    columns["events"] = per_cell(count)
    columns["serious_events"] = per_cell(serious)
    for bit, group in enumerate(BREAKDOWN_GROUPS):
        in_group = (kind >> bit) & 1
        columns[f"{group}_events"] = per_cell(count * in_group)
        columns[f"{group}_serious"] = per_cell(serious * in_group)
    return pd.DataFrame(columns, columns=list(EVENTS_CUBE_COLUMNS))


def _events_sql(events_sql: str, vendor: str) -> str:
    """The statement of `events_frames` over `events_sql` (the events' rows). Every name in it
    is ours; the filters' values stay parameters of `events_sql`. Each kind of row fills the
    first of six integers after its kind (`_TERM_ROW`...), and 0 the others."""
    groups = _session_groups(vendor)
    month = f"((ev_cell >> {MONTH_SHIFT}) & {MONTH_MASK})"
    return (
        f"WITH ev AS ({events_sql}), "  # noqa: S608 (no user text: names are ours)  # nosec B608
        f"per_session AS (SELECT sid, pid, ev_cell, MAX(ev_grade) AS worst, {groups} AS groups "
        "FROM ev GROUP BY sid, pid, ev_cell), "
        # The (session, term) pairs: an event alone in its pair as it is, the others grouped
        # (their counts as integers: PostgreSQL sums bigints as numeric, and slowly).
        f"per_pair AS (SELECT tid, {month} AS m, ev_grade AS worst, 1 AS n, "
        f"ev_kind >> {SERIOUS_SHIFT} AS serious FROM ev WHERE pair_events = 1 "
        f"UNION ALL SELECT tid, {month}, MAX(ev_grade), CAST(COUNT(*) AS integer), "
        f"CAST(SUM(ev_kind >> {SERIOUS_SHIFT}) AS integer) FROM ev WHERE pair_events <> 1 "
        "GROUP BY sid, tid, ev_cell) "
        f"SELECT {_TERM_ROW}, tid, m, worst, COUNT(*), SUM(n), SUM(serious) "
        "FROM per_pair GROUP BY tid, m, worst "
        f"UNION ALL SELECT {_SESSION_ROW}, ev_cell, worst, groups, COUNT(*), 0, 0 "
        "FROM per_session GROUP BY ev_cell, worst, groups "
        f"UNION ALL SELECT {_KIND_ROW}, ev_cell, ev_kind, COUNT(*), 0, 0, 0 "
        "FROM ev GROUP BY ev_cell, ev_kind "
        f"UNION ALL SELECT {_PATIENTS_ROW}, COUNT(DISTINCT pid), 0, 0, 0, 0, 0 FROM per_session"
    )
