"""The counted tables (`reporting.models.CountedEvent`, `CountedSession`): how they are kept
exact.

Their rows are a function of the record: one per event, and one per session, that
`reporting.queries` counts with no filters, with the attributes of its session, patient and
term copied beside it. They are never edited one field at a time. A write recomputes the rows
it can have changed from the record itself, with one DELETE and one INSERT ... SELECT per table
whose SELECT applies the counting rules of `reporting.queries` (`COUNTED_STATUSES`,
`event_conditions`):

- an event's save rewrites the event rows of its session, and of the session it left if it
  moved (a row counts the events of its term in its session, `term_events_in_session`);
- a session's save rewrites its row and the rows of its events (its month, route, status,
  number...);
- a patient's save rewrites the rows of their sessions and their events (the indication);
- a term's save rewrites the rows of its events (the category).

`reporting.signals` calls `counted_events_refresh` from post_save, inside the saving
transaction (every audited save is atomic), so the rows commit or roll back with the write.
Writes that send no signals (the demo's bulk loader, data migrations) end with
`counted_events_rebuild`, which recomputes both tables the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connections, transaction
from django.db.models import Case, Count, F, Model, QuerySet, Value, When, Window
from django.db.models.functions import Least

from events.models import AdverseEvent, InfusionSession
from reporting.cells import cell_expression
from reporting.filters import ONSET_BANDS, ONSET_UNKNOWN, ReportFilters
from reporting.kinds import event_kind, onset_condition
from reporting.models import CountedEvent, CountedSession

# CountedEvent column -> expression over AdverseEvent. The INSERT lists them in this order.
_EVENT_COLUMNS: dict[str, Any] = {
    "event_id": F("id"),
    "session_id": F("session_id"),
    "patient_id": F("session__patient_id"),
    "site_id": F("session__site_id"),
    "month": F("session__month"),
    "started_at": F("session__started_at"),
    "route": F("session__route"),
    "drug": F("session__drug"),
    "dose_band": F("session__dose_band"),
    "session_number": Least(F("session__sequence_number"), Value(7)),
    "indication": F("session__patient__indication"),
    "term_id": F("term_id"),
    "category": F("term__category"),
    "grade": F("grade"),
    "is_serious": F("is_serious"),
    "onset_band": None,  # filled below: a CASE over onset_minutes
    "status": F("status"),
    "cell": cell_expression(prefix="session__"),
    "kind": event_kind(),
    # Over the counted events the INSERT reads: a refresh reads whole sessions (or whole
    # terms), so each (session, term) pair is complete in it.
    "term_events_in_session": Window(Count("id"), partition_by=[F("session_id"), F("term_id")]),
}


def _onset_band() -> Case:
    """The onset band of `onset_minutes`, as the band's key (the filters' values)."""
    whens = [When(onset_condition(band), then=Value(band)) for band in ONSET_BANDS]
    return Case(*whens, default=Value(ONSET_UNKNOWN))


_EVENT_COLUMNS["onset_band"] = _onset_band()

# CountedSession column -> expression over InfusionSession.
_SESSION_COLUMNS: dict[str, Any] = {
    "session_id": F("id"),
    "patient_id": F("patient_id"),
    "site_id": F("site_id"),
    "month": F("month"),
    "started_at": F("started_at"),
    "route": F("route"),
    "drug": F("drug"),
    "dose_band": F("dose_band"),
    "session_number": Least(F("sequence_number"), Value(7)),
    "indication": F("patient__indication"),
    "cell": cell_expression(),
}


def _event_source(using: str) -> QuerySet[AdverseEvent]:
    """Every counted event, for every reader: the unfiltered conditions of
    `queries.counted_events`, so the table and the live counts share one rule."""
    from reporting import queries  # queries reads this table; the rule lives there

    return (
        AdverseEvent.objects.using(using)
        .filter(queries.event_conditions(ReportFilters()))
        .filter(queries.counted_session_rule(prefix="session__"))
        .order_by()
    )


def _session_source(using: str) -> QuerySet[InfusionSession]:
    """Every counted session: the rule of `queries.counted_sessions`."""
    from reporting import queries

    return InfusionSession.objects.using(using).filter(queries.counted_session_rule()).order_by()


def _insert_select(
    model: type[Model], columns: dict[str, Any], source: QuerySet[Any], order: tuple[str, ...]
) -> None:
    using = source.db
    aliases = {f"c_{name}": expression for name, expression in columns.items()}
    inner, params = source.values(**aliases).query.get_compiler(using=using).as_sql()
    quote = connections[using].ops.quote_name
    names = ", ".join(quote(name) for name in columns)
    selected = ", ".join(quote(alias) for alias in aliases)
    table = quote(model._meta.db_table)
    # Stored in the order live writes append them, month after month, so a report of a
    # period reads that period's pages (what a rebuild writes matters: it is the whole table).
    ordering = ", ".join(quote(f"c_{name}") for name in order)
    sql = (
        f"INSERT INTO {table} ({names}) SELECT {selected} "  # noqa: S608  # nosec B608
        f"FROM ({inner}) source ORDER BY {ordering}"
    )
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)


def _insert_events(source: QuerySet[AdverseEvent]) -> None:
    _insert_select(CountedEvent, _EVENT_COLUMNS, source, ("month", "session_id", "event_id"))


def _insert_sessions(source: QuerySet[InfusionSession]) -> None:
    _insert_select(CountedSession, _SESSION_COLUMNS, source, ("month", "session_id"))


def counted_events_refresh(*, key: str, record_id: int, using: str = "default") -> None:
    """Recompute the rows that depend on one saved record: `key` is "event", "session",
    "patient" or "term". Runs in the caller's transaction (or its own)."""
    events = CountedEvent.objects.using(using)
    with transaction.atomic(using=using):
        if key == "event":
            sessions = _sessions_of_event(record_id, using)
            events.filter(session_id__in=sessions).delete()
            _insert_events(_event_source(using).filter(session_id__in=sessions))
        elif key == "term":
            events.filter(term_id=record_id).delete()
            _insert_events(_event_source(using).filter(term_id=record_id))
        else:  # "session" or "patient": its sessions' rows and their events'
            column = f"{key}_id"
            lookup = "id" if key == "session" else "patient_id"
            CountedSession.objects.using(using).filter(**{column: record_id}).delete()
            _insert_sessions(_session_source(using).filter(**{lookup: record_id}))
            events.filter(**{column: record_id}).delete()
            _insert_events(_event_source(using).filter(**{f"session__{lookup}": record_id}))


def _sessions_of_event(event_id: int, using: str) -> set[int]:
    """The event's session, and the one its row names if the event has moved."""
    sessions = set(
        AdverseEvent.objects.using(using).filter(pk=event_id).values_list("session_id", flat=True)
    )
    rows = CountedEvent.objects.using(using).filter(event_id=event_id)
    return sessions | set(rows.values_list("session_id", flat=True))


def counted_events_refresh_partitions(
    *, site_id: int, months: Iterable[str], using: str = "default"
) -> None:
    """Recompute the rows of a site's months, after records were written there in bulk (an
    import sends no save signals). Runs in the caller's transaction (or its own)."""
    months = list(months)
    if not months:  # nothing was written (a re-import of rows already on file)
        return
    partition = {"site_id": site_id, "month__in": months}
    with transaction.atomic(using=using):
        CountedSession.objects.using(using).filter(**partition).delete()
        _insert_sessions(_session_source(using).filter(**partition))
        CountedEvent.objects.using(using).filter(**partition).delete()
        source = _event_source(using).filter(session__site_id=site_id, session__month__in=months)
        _insert_events(source)


def counted_events_rebuild(using: str = "default") -> int:
    """Recompute both tables from the record (after bulk writes); return the event rows."""
    with transaction.atomic(using=using):
        CountedSession.objects.using(using).all().delete()
        _insert_sessions(_session_source(using))
        CountedEvent.objects.using(using).all().delete()
        _insert_events(_event_source(using))
        return CountedEvent.objects.using(using).count()
