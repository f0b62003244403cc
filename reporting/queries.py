"""The querysets and GROUP BY queries behind the safety summary.

Each function here is one query over sessions or events, filtered by a `ReportFilters` and the
user's sites, that returns grouped counts as a DataFrame. Months group on the stored
`InfusionSession.month` (site-local "YYYY-MM"), dose bands on `dose_band`, session numbers on
`sequence_number`, time to onset on `AdverseEvent.onset_minutes`: no date functions per row.
The events' counts (`events_frames`) read the filtered events once, five integers each, and
group them over arrays: per session (worst grade, breakdown groups as a bit mask), per cell and
kind of event, and per session and term.
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
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from django.db import connections, transaction
from django.db.models import (
    Case,
    Count,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import Combinable

from audit.services import Actor as AnyUser
from events.access import ALL_SITES, visible_site_ids
from events.choices import SessionStatus
from events.models import AdverseEvent, InfusionSession
from reporting.cells import (
    MONTH_BITS,
    MONTH_MASK,
    MONTH_SHIFT,
    cell_expression,
    decode_cell,
    month_of_index,
)
from reporting.filters import ReportFilters, month_key
from reporting.kinds import (
    BREAKDOWN_GROUPS,
    GROUPS_MASK,
    KIND_BITS,
    SERIOUS_SHIFT,
    event_kind,
    onset_condition,
    worst_grades,
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


# Beside an event's kind, on its way from the database: the event is the only counted one of
# its term in its session.
SINGLE_PAIR = 1 << KIND_BITS


@dataclass(frozen=True)
class EventColumns:
    """Where `events_frames` finds each attribute, as ORM expressions: on AdverseEvent
    (through its session, patient and term) or on CountedEvent (copied)."""

    session: str
    patient: str
    cell: Combinable  # the session's cell of SESSION_DIMENSIONS (`reporting.cells`)
    kind: Combinable  # the event's groups and seriousness (`reporting.kinds`)
    # SINGLE_PAIR where the event is the only counted one of its term in its session
    # (`CountedEvent.term_events_in_session`); 0 where that is not stored, which groups every
    # event with its pair.
    single_pair: Combinable


RECORD_COLUMNS = EventColumns(
    session="session_id",
    patient="session__patient_id",
    cell=cell_expression(prefix="session__"),
    kind=event_kind(),
    single_pair=Value(0),
)
COUNTED_COLUMNS = EventColumns(
    session="session_id",
    patient="patient_id",
    cell=F("cell"),
    kind=F("kind"),
    single_pair=Case(When(term_events_in_session=1, then=Value(SINGLE_PAIR)), default=Value(0)),
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


# Settings for the summary's statements on PostgreSQL (`counting`), for their transaction only:
# - memory for each hash table (the default is 4 MB): the packed event rows (`_packed_rows`,
#   40 bytes an event) of a million events stay in memory, as do the distinct patients;
# - no sorting where a hash will do: the packed rows are grouped by ranges of sessions, a few
#   groups the planner cannot foresee, and it would sort every event by its range to make
#   them (at 1,000,000 events, 614 against 577 ms);
# - reading with parallel workers. The planner's default costs of starting workers (1000) and
#   of passing each row to the leader (0.1) price the read of a few hundred thousand rows as
#   not worth it; measured at 1,000,000 events, two workers read them in half the time (the
#   sessions' cube 80 -> 46 ms).
COUNTING_SETTINGS = {
    "work_mem": "32MB",
    "parallel_setup_cost": "100",
    "parallel_tuple_cost": "0.01",
    "enable_sort": "off",
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
    patient_with_event_ids: np.ndarray  # distinct

    @property
    def patients_with_event(self) -> int:
        return len(self.patient_with_event_ids)


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


def events_frames(events: QuerySet[Any], using: str) -> EventFrames:
    """The summary's counts of the counted `events`: the database filters them and sends
    five integers per event (`event_table`); they are grouped here, over arrays.

    - per session: its cell, its worst grade and its groups (the OR of its events' bits);
      then per cell the sessions with an event, in each group and by worst grade. Each
      session sits in one cell, so these add up across cells;
    - per (cell, kind): per cell the events and serious events, overall and in each group;
    - per (term, month, worst grade): the sessions whose worst grade for the term is that
      grade, their events and serious events (incidence counts a session once per term). An
      event alone of its term in its session is its pair on its own, whatever the filters
      keep; only the others are grouped per (session, term);
    - the patients with an event.

    Grouping in the database cost more than sending the rows: at 1,000,000 events its hash
    tables, built one after another by one process, took 300 of the statement's 400 ms.
    """
    session, patient, term, cell, packed = event_table(events, using).T
    kind = packed & ~SINGLE_PAIR
    in_session, sessions = _groups(session)
    session_cell = _each(in_session, cell, len(sessions))
    session_groups = _ored(in_session, kind, len(sessions)) & GROUPS_MASK
    return EventFrames(
        cube=_cube(session_cell, session_groups, in_session, kind),
        term_month_worst=_term_month_worst(in_session, term, cell, kind, packed & SINGLE_PAIR > 0),
        patient_with_event_ids=pd.unique(patient),
    )


# SQLite: the rows `event_table` fetches at a time.
EVENT_CHUNK_ROWS = 10_000
# The integers `event_table` reads of each event, by alias, in this order.
EVENT_TABLE_COLUMNS = ("ev_session", "ev_patient", "ev_term", "ev_cell", "ev_kind")


def event_table(events: QuerySet[Any], using: str) -> np.ndarray:
    """One row per counted event: its session, patient, term, cell (`reporting.cells`) and
    kind (`reporting.kinds`), with SINGLE_PAIR set where it is alone of its term in its
    session. One statement; on PostgreSQL it returns the rows packed (`_packed_rows`)."""
    columns = columns_of(events)
    rows = events.values(
        ev_session=F(columns.session),
        ev_patient=F(columns.patient),
        ev_term=F("term_id"),
        ev_cell=columns.cell,
        ev_kind=columns.kind + columns.single_pair,
    )
    if connections[using].vendor == "postgresql":
        flat = np.frombuffer(_packed_rows(rows, using), dtype=">i8").astype(np.int64)
    else:
        # Streamed into the array: a list of a million rows of tuples would hold ~150 MB.
        values = rows.values_list(*EVENT_TABLE_COLUMNS).iterator(chunk_size=EVENT_CHUNK_ROWS)
        flat = np.fromiter(chain.from_iterable(values), dtype=np.int64)
    return flat.reshape(-1, len(EVENT_TABLE_COLUMNS))


# Sessions per value of `_packed_rows`: at five or so events a session, about 13 MB each, far
# below PostgreSQL's limit of 1 GB on one value.
PACKED_SESSIONS = 1 << 16


def _packed_rows(rows: QuerySet[Any], using: str) -> bytes:
    """PostgreSQL: the rows' integers as bytes, each as 8 bytes big-endian (`int8send`), row
    after row, in a few values (one per PACKED_SESSIONS sessions) of the binary format. A row's
    conversion in the driver costs more than its grouping, and text would double the bytes."""
    inner, params = rows.query.get_compiler(using=using).as_sql()
    sent = " || ".join(f"int8send(CAST({alias} AS bigint))" for alias in EVENT_TABLE_COLUMNS)
    sql = (
        f"SELECT string_agg({sent}, '') FROM ({inner}) ev "  # noqa: S608  # nosec B608
        f"GROUP BY ev_session / {PACKED_SESSIONS}"
    )
    connection = connections[using]
    connection.ensure_connection()
    # A cursor of Django's connection, wrapped as Django wraps its own (query log, execute
    # wrappers), binding server-side: its client-side cursors return only text.
    cursor = psycopg.Cursor(connection.connection)
    cursor.format = psycopg.pq.Format.BINARY
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    with wrap(cursor) as wrapped:  # type: ignore[arg-type]  # (the stubs want a wrapper)
        wrapped.execute(sql, params)
        return b"".join(packed for (packed,) in wrapped.fetchall())


# Grouping over arrays: by hashing (`pd.factorize`) rather than sorting, each row tagged with
# its group's index, then per group a sum (`np.bincount`), an OR (`np.bitwise_or.at`) or the
# value its rows share.


def _groups(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row, the index of its key among the distinct keys (in ascending order, so
    the frames come out the same whatever order the rows arrived in); and the distinct keys."""
    at, distinct = pd.factorize(keys, sort=True)
    return at, np.asarray(distinct, dtype=np.int64)


def _summer(at: np.ndarray, length: int) -> Callable[..., np.ndarray]:
    """Sums per group (`at`: each row's group), of ones or of `weights`."""
    return lambda weights=None: np.bincount(at, weights, length).astype(np.int64)


def _ored(at: np.ndarray, values: np.ndarray, length: int) -> np.ndarray:
    ored = np.zeros(length, dtype=np.int64)
    np.bitwise_or.at(ored, at, values)
    return ored


def _each(at: np.ndarray, values: np.ndarray, length: int) -> np.ndarray:
    """The value every row of a group shares (a session's cell, a pair's term)."""
    each = np.zeros(length, dtype=np.int64)
    each[at] = values
    return each


def _cube(
    session_cell: np.ndarray, session_groups: np.ndarray, in_session: np.ndarray, kind: np.ndarray
) -> pd.DataFrame:
    """The events' cube: per cell, from the sessions (their cell and groups) and from the
    events (their session and kind). Each is first counted per distinct (cell, groups) or
    (cell, kind), fewer rows than sessions or events, then summed per cell bit by bit."""
    in_cell, cells = _groups(session_cell)
    columns: dict[str, Any] = (
        dict(zip(SESSION_DIMENSIONS, zip(*map(decode_cell, cells), strict=True), strict=True))
        if len(cells)
        else {name: [] for name in SESSION_DIMENSIONS}
    )
    # (cell index, groups) and (cell index, kind) as one integer: a kind has KIND_BITS bits.
    at, pairs = _groups((in_cell << KIND_BITS) | session_groups)
    count = np.bincount(at, minlength=len(pairs))
    per_cell = _summer(pairs >> KIND_BITS, len(cells))
    groups = pairs & GROUPS_MASK
    worst = worst_grades(groups)
    columns["sessions_with_event"] = per_cell(count)
    for bit, group in enumerate(BREAKDOWN_GROUPS):
        columns[f"{group}_sessions"] = per_cell(count * ((groups >> bit) & 1))
    for grade in range(1, 6):
        columns[f"worst_grade_{grade}_sessions"] = per_cell(count * (worst == grade))
    at, pairs = _groups((in_cell[in_session] << KIND_BITS) | kind)
    count = np.bincount(at, minlength=len(pairs))
    per_cell = _summer(pairs >> KIND_BITS, len(cells))
    kinds = pairs & ((1 << KIND_BITS) - 1)
    serious = count * (kinds >> SERIOUS_SHIFT)
    columns["events"] = per_cell(count)
    columns["serious_events"] = per_cell(serious)
    for bit, group in enumerate(BREAKDOWN_GROUPS):
        in_group = (kinds >> bit) & 1
        columns[f"{group}_events"] = per_cell(count * in_group)
        columns[f"{group}_serious"] = per_cell(serious * in_group)
    return pd.DataFrame(columns, columns=list(EVENTS_CUBE_COLUMNS))


def _term_month_worst(
    in_session: np.ndarray,
    term: np.ndarray,
    cell: np.ndarray,
    kind: np.ndarray,
    single: np.ndarray,
) -> pd.DataFrame:
    """Per (term, month, worst grade): the (session, term) pairs, their events and serious
    events. An event alone in its pair is its pair; the others are grouped per pair."""
    in_term, terms = _groups(term)
    # An event's (term index, month index) in one integer, then (pair, worst grade) below it.
    term_month = (in_term << MONTH_BITS) | ((cell >> MONTH_SHIFT) & MONTH_MASK)
    grouped = ~single
    in_pair, pairs = _groups(in_session[grouped] * len(terms) + in_term[grouped])
    pair_kind = _ored(in_pair, kind[grouped], len(pairs))
    pair_events = np.bincount(in_pair, minlength=len(pairs))
    pair_serious = np.bincount(in_pair, kind[grouped] >> SERIOUS_SHIFT, len(pairs))
    key = np.concatenate(
        [
            (term_month[single] << 3) | worst_grades(kind[single]),
            (_each(in_pair, term_month[grouped], len(pairs)) << 3) | worst_grades(pair_kind),
        ]
    )
    events = np.concatenate([np.ones(int(single.sum()), np.int64), pair_events])
    serious = np.concatenate([kind[single] >> SERIOUS_SHIFT, pair_serious])
    at, keys = _groups(key)
    per_key = _summer(at, len(keys))
    return pd.DataFrame(
        {
            "term_id": terms[keys >> (3 + MONTH_BITS)],
            "month": [month_of_index(index) for index in (keys >> 3) & MONTH_MASK],
            "worst_grade": keys & 7,
            "sessions_with_event": per_key(),
            "events": per_key(events),
            "serious_events": per_key(serious),
        },
        columns=list(TERM_MONTH_WORST_COLUMNS),
    )
