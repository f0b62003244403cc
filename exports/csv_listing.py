"""The event line listing as CSV: one row per event, streamed in chunks so memory stays flat
whatever the number of rows.

Which events: exactly those the safety summary counts for the same filters
(`reporting.selectors.event_listing`): not voided, in completed or stopped-early sessions that
are not voided, at the user's sites. A voided event is a correction, not an event; it is left
out of the listing as it is left out of the figures, so the CSV's row count is the summary's
event count. Voided records stay readable in the audit trail.

How: the database shapes every cell (`exports.listing_sql`), including the formula guard.
On PostgreSQL each page of rows is written by the server itself (`COPY (...) TO STDOUT WITH
CSV`, read through psycopg's `cursor.copy()`); elsewhere a cursor feeds `csv.writer`. Pages
are keyset-paginated on the event id (the listing's order), so a job can record its progress
between pages. Both paths give byte-identical output (tests/exports/test_csv_listing.py).

Columns: `LISTING_COLUMNS` below, documented in docs/exports.md. Their names are stable.
"""

import csv
import io
import zoneinfo
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from django.db import connections
from django.db.models import F, FilteredRelation, Q, QuerySet

from config.routers import reporting_database
from exports.listing_sql import BooleanText, DecimalText, Guarded, LocalIsoTime
from reporting.filters import ReportFilters
from reporting.selectors import event_listing

CHUNK_BYTES = 64 * 1024
COPY_PAGE_ROWS = 50_000
CURSOR_PAGE_ROWS = 5_000

_ZONE = F("site__timezone")


def _time(path: str) -> LocalIsoTime:
    return LocalIsoTime(F(path), _ZONE)


# Column name -> expression. The order is the CSV's column order; names never change.
LISTING_COLUMNS = {
    "event_id": F("id"),
    "session_id": F("session_id"),
    "site_code": Guarded(F("site__code")),
    "site_timezone": F("site__timezone"),
    "patient_chart_number": Guarded(F("session__patient__chart_number")),
    "indication": F("session__patient__indication"),
    "drug": F("session__drug"),
    "route": F("session__route"),
    "dose_mg_per_kg": DecimalText(F("session__dose_mg_per_kg"), 3),
    "weight_kg": DecimalText(F("session__weight_kg"), 1),
    "total_dose_mg": DecimalText(F("session__total_dose_mg"), 2),
    "dose_band": F("session__dose_band"),
    "session_number": F("session__sequence_number"),
    "session_started_at": _time("session__started_at"),
    "onset_at": _time("onset_at"),
    "onset_minutes": F("onset_minutes"),
    "resolved_at": _time("resolved_at"),
    "term_code": F("term__code"),
    "term": Guarded(F("term__name")),
    "other_term_text": Guarded(F("other_term_text")),
    "category": F("term__category"),
    "grade": F("grade"),
    "is_serious": BooleanText("is_serious"),
    "is_death": BooleanText("is_death"),
    "is_life_threatening": BooleanText("is_life_threatening"),
    "is_hospitalisation": BooleanText("is_hospitalisation"),
    "is_disability": BooleanText("is_disability"),
    "is_congenital_anomaly": BooleanText("is_congenital_anomaly"),
    "is_other_medically_important": BooleanText("is_other_medically_important"),
    "is_expected": BooleanText("is_expected"),
    "outcome": F("outcome"),
    "action_taken": F("action_taken"),
    "rescue_medication": Guarded(F("rescue_medication")),
    "causality": Guarded(F("causality")),
    "dechallenge": F("dechallenge"),
    "rechallenge": F("rechallenge"),
    "detected_by": F("detected_by"),
    "status": F("status"),
    "reported_by": Guarded(F("reported_by__username")),
    "recorded_at": _time("created_at"),
    "submitted_at": _time("submitted_at"),
    "signed_off_at": _time("current_signature__signed_at"),
    "signed_off_by": Guarded(F("current_signature__signer_name")),
}
TIME_COLUMNS = tuple(
    index
    for index, expression in enumerate(LISTING_COLUMNS.values())
    if isinstance(expression, LocalIsoTime)
)
ZONE_COLUMN = list(LISTING_COLUMNS).index("site_timezone")


def listing_queryset(user, filters: ReportFilters) -> QuerySet:
    """The listing's events (the summary's counted events), in event id order."""
    return (
        event_listing(user, filters)
        .select_related(None)
        .annotate(
            current_signature=FilteredRelation(
                "signatures", condition=Q(signatures__superseded_at__isnull=True)
            )
        )
        .order_by("id")
    )


def listing_row_count(user, filters: ReportFilters) -> int:
    return event_listing(user, filters).select_related(None).order_by().count()


def _page_sql(events: QuerySet, after_id: int, limit: int, using: str) -> tuple[str, tuple]:
    # Aliased apart from the model's own field names (status, grade...), renamed outside.
    aliased = {f"listing_{name}": expression for name, expression in LISTING_COLUMNS.items()}
    page = events.filter(id__gt=after_id).values(**aliased)[:limit]
    inner, params = page.query.get_compiler(using=using).as_sql()
    quote = connections[using].ops.quote_name
    columns = ", ".join(f"{quote('listing_' + name)} AS {quote(name)}" for name in LISTING_COLUMNS)
    # Re-select in the documented order, whatever order the ORM put the annotations in. Only
    # quoted constant column names and the ORM's compiled SQL go in; values stay parameters.
    sql = f"SELECT {columns} FROM ({inner}) listing ORDER BY {quote('event_id')}"  # noqa: S608  # nosec B608
    return sql, tuple(params)


def header_line() -> bytes:
    return (",".join(LISTING_COLUMNS) + "\n").encode()


ProgressCallback = Callable[[int], None]


def listing_csv_chunks(
    user,
    filters: ReportFilters,
    *,
    on_progress: ProgressCallback | None = None,
    use_copy: bool | None = None,
) -> Iterator[bytes]:
    """The listing as UTF-8 CSV in chunks of about 64 KB, header first.

    `on_progress(rows_written)` is called between pages (a job records it). `use_copy`
    chooses PostgreSQL's COPY (the default there) or the cursor path (the default elsewhere).
    """
    using = reporting_database()
    connection = connections[using]
    if use_copy is None:
        use_copy = connection.vendor == "postgresql"
    events = listing_queryset(user, filters).using(using)
    pages = _copy_pages if use_copy else _cursor_pages
    yield header_line()
    yield from _rechunk(pages(events, connection, on_progress))


def _rechunk(pieces: Iterator[bytes]) -> Iterator[bytes]:
    buffer = bytearray()
    for piece in pieces:
        buffer += piece
        if len(buffer) >= CHUNK_BYTES:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


def _copy_pages(events, connection, on_progress) -> Iterator[bytes]:
    """Pages written by PostgreSQL's own CSV writer; yields each row as the server sends it."""
    after_id, written = 0, 0
    while True:
        sql, params = _page_sql(events, after_id, COPY_PAGE_ROWS, connection.alias)
        rows, last_row = 0, b""
        with connection.cursor() as cursor:
            statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"
            with cursor.cursor.copy(statement, params or None) as copy:
                for row in copy:
                    last_row = bytes(row)
                    rows += 1
                    yield last_row
        if rows == 0:
            return
        written += rows
        # event_id is the first column: an integer, never quoted.
        after_id = int(last_row.split(b",", 1)[0])
        if on_progress:
            on_progress(written)
        if rows < COPY_PAGE_ROWS:
            return


def _cursor_pages(events, connection, on_progress) -> Iterator[bytes]:
    """Pages read with a plain cursor and written by `csv.writer` in the same dialect as
    PostgreSQL's COPY (minimal quoting, "\\n" line ends, NULL as an empty field)."""
    convert_times = connection.vendor != "postgresql"
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    after_id, written = 0, 0
    while True:
        sql, params = _page_sql(events, after_id, CURSOR_PAGE_ROWS, connection.alias)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not rows:
            return
        if convert_times:
            rows = [_local_times(row, zones) for row in rows]
        yield _csv_text(rows).encode()
        written += len(rows)
        after_id = rows[-1][0]
        if on_progress:
            on_progress(written)
        if len(rows) < CURSOR_PAGE_ROWS:
            return


def _csv_text(rows: list) -> str:
    """Rows as CSV quoted the way PostgreSQL quotes them.

    Python 3.11's writer quotes a carriage return only when it is part of the line
    terminator, while COPY always quotes it; the rare page holding one is written row by row
    with a "\\r\\n" terminator (so the field is quoted) and that terminator cut back to "\\n".
    """
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    text = out.getvalue()
    if "\r" not in text:
        return text
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    lines = []
    for row in rows:
        out.seek(0)
        out.truncate()
        writer.writerow(row)
        lines.append(out.getvalue()[:-2] + "\n")
    return "".join(lines)


def _local_times(row: tuple, zones: dict[str, zoneinfo.ZoneInfo]) -> list:
    row = list(row)
    name = row[ZONE_COLUMN]
    zone = zones.get(name) or zones.setdefault(name, zoneinfo.ZoneInfo(name))
    for index in TIME_COLUMNS:
        value = row[index]
        if value is not None:
            # Django's SQLite converters may already have parsed the stored text.
            moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
            moment = moment.replace(tzinfo=UTC)
            row[index] = moment.astimezone(zone).isoformat(timespec="seconds")
    return row
