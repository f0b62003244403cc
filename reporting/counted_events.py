"""The counted-events table (`reporting.models.CountedEvent`): how it is kept exact.

Its rows are a function of the record: one per event that `reporting.queries` counts with no
filters, with the session's, the patient's and the term's attributes copied beside it. They are
never edited one field at a time. A write recomputes the rows it can have changed from the
record itself, with one DELETE and one INSERT ... SELECT whose SELECT applies the counting rules
of `reporting.queries` (`COUNTED_STATUSES`, `event_conditions`):

- an event's save rewrites that event's row (it may have moved to another session);
- a session's save rewrites the rows of its events (its month, route, status, number...);
- a patient's save rewrites the rows of their sessions' events (the indication);
- a term's save rewrites the rows of its events (the category).

`reporting.signals` calls `counted_events_refresh` from post_save, inside the saving
transaction (every audited save is atomic), so the rows commit or roll back with the write.
Writes that send no signals (the demo's bulk loader, data migrations) end with
`counted_events_rebuild`, which recomputes the whole table the same way.
"""

from __future__ import annotations

from django.db import connections, transaction
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.db.models.functions import Least

from events.models import AdverseEvent
from reporting.filters import ONSET_BANDS, ONSET_UNKNOWN, ReportFilters
from reporting.models import CountedEvent

# CountedEvent column -> expression over AdverseEvent. The INSERT lists them in this order.
_COLUMNS: dict[str, object] = {
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
}


def _onset_band() -> Case:
    """The onset band of `onset_minutes`, as the band's key (the filters' values)."""
    whens = []
    for band, (low, high) in ONSET_BANDS.items():
        condition = Q(onset_minutes__isnull=False)
        if low is not None:
            condition &= Q(onset_minutes__gte=low)
        if high is not None:
            condition &= Q(onset_minutes__lt=high)
        whens.append(When(condition, then=Value(band)))
    return Case(*whens, default=Value(ONSET_UNKNOWN))


_COLUMNS["onset_band"] = _onset_band()


def _source(using: str) -> QuerySet[AdverseEvent]:
    """Every counted event, for every reader: the unfiltered conditions of
    `queries.counted_events`, so the table and the live counts share one rule."""
    from reporting import queries  # queries reads this table; the rule lives there

    return (
        AdverseEvent.objects.using(using)
        .filter(queries.event_conditions(ReportFilters()))
        .filter(queries.counted_session_rule(prefix="session__"))
        .order_by()
    )


def _insert_select(source: QuerySet[AdverseEvent], using: str) -> None:
    aliases = {f"c_{name}": expression for name, expression in _COLUMNS.items()}
    rows = source.values(**aliases)
    inner, params = rows.query.get_compiler(using=using).as_sql()
    quote = connections[using].ops.quote_name
    columns = ", ".join(quote(name) for name in _COLUMNS)
    selected = ", ".join(quote(alias) for alias in aliases)
    table = quote(CountedEvent._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) SELECT {selected} FROM ({inner}) source"  # noqa: S608  # nosec B608
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)


# Which rows a saved record can change: (CountedEvent column, AdverseEvent lookup).
_KEYS = {
    "event": ("event_id", "id"),
    "session": ("session_id", "session_id"),
    "patient": ("patient_id", "session__patient_id"),
    "term": ("term_id", "term_id"),
}


def counted_events_refresh(*, key: str, record_id: int, using: str = "default") -> None:
    """Recompute the rows that depend on one saved record: `key` is "event", "session",
    "patient" or "term". Runs in the caller's transaction (or its own)."""
    column, lookup = _KEYS[key]
    with transaction.atomic(using=using):
        CountedEvent.objects.using(using).filter(**{column: record_id}).delete()
        _insert_select(_source(using).filter(**{lookup: record_id}), using)


def counted_events_rebuild(using: str = "default") -> int:
    """Recompute the whole table from the record (after bulk writes); return its rows."""
    with transaction.atomic(using=using):
        CountedEvent.objects.using(using).all().delete()
        _insert_select(_source(using), using)
        return CountedEvent.objects.using(using).count()
