"""The event line listing as CSV: one row per event, streamed in chunks so memory stays flat
whatever the number of rows.

Which events: exactly those the safety summary counts for the same filters
(`reporting.selectors.event_listing`): not voided (and of the review statuses chosen), in
sessions that started (in progress, completed or stopped early) and are not voided, at the
user's sites. Drafts are marked (`is_draft`). A voided event is a correction, not an event;
it is left out of the listing as it is left out of the figures, so the CSV's row count is the
summary's event count. Voided records stay readable in the audit trail.

How: the database shapes every cell (`exports.listing_sql`), including the formula guard and
the site-local times, and writes the CSV itself. On PostgreSQL each page of rows is written
by the server (`COPY (...) TO STDOUT WITH CSV`, read through psycopg's `cursor.copy()`); on
SQLite each row comes back as its finished, quoted CSV line (`listing_sql.CsvLine`)
and Python only joins a page's lines. A cursor feeding `csv.writer` (`use_copy=False`) writes
the same bytes from the same cells. Pages are keyset-paginated on the event id (the listing's
order), so a job can record its progress between pages. All paths give byte-identical output
(tests/exports/test_csv_listing.py, tests/exports/test_csv_listing_text_and_times.py).

Columns: `LISTING_COLUMNS` below, documented in docs/exports.md. Their names are stable.
"""

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from typing import Any, TypeAlias

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    Case,
    CharField,
    F,
    FilteredRelation,
    Max,
    Min,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import Expression
from django.utils import timezone

from audit.services import Actor
from events.choices import EventStatus
from events.models import AdverseEvent, Site
from exports.listing_sql import (
    BooleanText,
    CsvLine,
    CsvQuoted,
    DecimalText,
    Guarded,
    LocalIsoTime,
    ZoneOffsets,
    zone_offset_periods,
)
from reporting.filters import ReportFilters
from reporting.selectors import event_listing, reporting_database

# One row as the database returns it, and the parameters of a statement.
Row: TypeAlias = tuple[Any, ...]
Params: TypeAlias = Sequence[Any]
# What a column is: a field, or an expression over fields.
Cell: TypeAlias = F | Expression

CHUNK_BYTES = 64 * 1024
COPY_PAGE_ROWS = 50_000
CURSOR_PAGE_ROWS = 5_000

_ZONE = F("site__timezone")


def _time(path: str) -> LocalIsoTime:
    return LocalIsoTime(F(path), _ZONE)


# Column name -> expression. The order is the CSV's column order; names never change.
LISTING_COLUMNS: dict[str, Cell] = {
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
    # Drafts count in the default report; a reader must see which rows are not yet submitted.
    "is_draft": Case(
        When(status=EventStatus.DRAFT, then=Value("true")),
        default=Value("false"),
        output_field=CharField(),
    ),
    # Every event of a session that started counts, closed or not.
    "session_status": F("session__status"),
}


def listing_queryset(user: Actor, filters: ReportFilters) -> QuerySet[AdverseEvent]:
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


def listing_row_count(user: Actor, filters: ReportFilters) -> int:
    return event_listing(user, filters).select_related(None).order_by().count()


def _time_paths() -> list[str]:
    """The fields of the listing's local times (each column's moment is a field reference)."""
    paths: list[str] = []
    for expression in LISTING_COLUMNS.values():
        if isinstance(expression, LocalIsoTime):
            moment = expression.source_expressions[0]
            assert isinstance(moment, F)
            paths.append(moment.name)
    return paths


_TIME_PATHS = _time_paths()


def listing_zone_offsets(events: QuerySet[AdverseEvent]) -> ZoneOffsets | None:
    """Every site zone's UTC offsets over the range of the listing's times, for SQLite (None
    elsewhere: the database knows the zones). The range is widened by a year each way, so a
    time changed while the listing is being read still falls in it."""
    if connections[events.db].vendor == "postgresql":
        return None
    extremes = [*(Min(path) for path in _TIME_PATHS), *(Max(path) for path in _TIME_PATHS)]
    bounds = events.order_by().aggregate(*extremes).values()
    now = timezone.now()
    known = [moment for moment in bounds if moment is not None]
    earliest = min(known, default=now) - timedelta(days=366)
    latest = max([*known, now]) + timedelta(days=366)
    zones = Site.objects.using(events.db).order_by("timezone").values_list("timezone", flat=True)
    return {name: zone_offset_periods(name, earliest, latest) for name in zones.distinct()}


def _cells(offsets: ZoneOffsets | None) -> dict[str, Cell]:
    """`LISTING_COLUMNS`, with the zones' UTC offsets on SQLite."""
    if offsets is None:
        return LISTING_COLUMNS
    return {
        name: expression.in_zones(offsets) if isinstance(expression, LocalIsoTime) else expression
        for name, expression in LISTING_COLUMNS.items()
    }


def _page_sql(
    events: QuerySet[AdverseEvent],
    after_id: int,
    limit: int,
    using: str,
    offsets: ZoneOffsets | None,
) -> tuple[str, Params]:
    """One page of the listing as cells, in `LISTING_COLUMNS` order."""
    # Aliased apart from the model's own field names (status, grade...), renamed outside.
    aliased = {f"listing_{name}": expression for name, expression in _cells(offsets).items()}
    page = events.filter(id__gt=after_id).values(**aliased)[:limit]
    inner, params = page.query.get_compiler(using=using).as_sql()
    quote = connections[using].ops.quote_name
    columns = ", ".join(f"{quote('listing_' + name)} AS {quote(name)}" for name in LISTING_COLUMNS)
    # Re-select in the documented order, whatever order the ORM put the annotations in. Only
    # quoted constant column names and the ORM's compiled SQL go in; values stay parameters.
    sql = f"SELECT {columns} FROM ({inner}) listing ORDER BY {quote('event_id')}"  # noqa: S608  # nosec B608
    return sql, tuple(params)


def listing_cells_sql(user: Actor, filters: ReportFilters) -> tuple[str, Params]:
    """The whole listing as one statement of cells (no pages), for a CSV writer outside
    Python to write; the benchmark gives it to the sqlite3 shell and to COPY."""
    using = reporting_database()
    events = listing_queryset(user, filters).using(using)
    return _page_sql(events, 0, 2**62, using, listing_zone_offsets(events))


def _lines_sql(
    events: QuerySet[AdverseEvent], using: str, offsets: ZoneOffsets
) -> tuple[str, Params]:
    """The listing as (event id, CSV line) rows, each line written by SQLite from the cells,
    in one statement compiled once: each page binds the id to start after and its size (the
    last two parameters), and SQLite seeks straight to that id.

    Only the guarded cells are free text that may need quotes; the others are numbers,
    booleans, times and values from fixed vocabularies (choices, codes, zone names)."""
    cells = [
        CsvQuoted(expression) if isinstance(expression, Guarded) else expression
        for expression in _cells(offsets).values()
    ]
    lines = events.annotate(csv_line=CsvLine(*cells)).values_list("id", "csv_line")
    inner, params = lines.query.get_compiler(using=using).as_sql()
    event_id = connections[using].ops.quote_name("id")
    # Only the ORM's compiled SQL and a quoted constant name go in; values stay parameters.
    sql = (
        f"SELECT * FROM ({inner}) lines "  # noqa: S608  # nosec B608
        f"WHERE {event_id} > %s ORDER BY {event_id} LIMIT %s"
    )
    return sql, tuple(params)


def header_line() -> bytes:
    return (",".join(LISTING_COLUMNS) + "\n").encode()


ProgressCallback = Callable[[int], None]
# A page writer: the listing's rows after the header, as bytes, page by page.
PageWriter: TypeAlias = Callable[
    [QuerySet[AdverseEvent], BaseDatabaseWrapper, ZoneOffsets | None, ProgressCallback | None],
    Iterator[bytes],
]


def listing_csv_chunks(
    user: Actor,
    filters: ReportFilters,
    *,
    on_progress: ProgressCallback | None = None,
    use_copy: bool | None = None,
) -> Iterator[bytes]:
    """The listing as UTF-8 CSV in chunks of about 64 KB, header first.

    `on_progress(rows_written)` is called between pages (a job records it). By default the
    database writes the CSV (PostgreSQL's COPY; SQLite's lines); `use_copy=False` reads the
    cells with a cursor and writes them with `csv.writer` instead.
    """
    using = reporting_database()
    connection = connections[using]
    events = listing_queryset(user, filters).using(using)
    offsets = listing_zone_offsets(events)
    pages: PageWriter
    if use_copy is False:
        pages = _cursor_pages
    elif connection.vendor == "postgresql":
        pages = _copy_pages
    else:
        pages = _line_pages
    yield header_line()
    yield from _rechunk(pages(events, connection, offsets, on_progress))


def _rechunk(pieces: Iterator[bytes]) -> Iterator[bytes]:
    buffer = bytearray()
    for piece in pieces:
        buffer += piece
        if len(buffer) >= CHUNK_BYTES:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


def _copy_pages(
    events: QuerySet[AdverseEvent],
    connection: BaseDatabaseWrapper,
    offsets: ZoneOffsets | None,
    on_progress: ProgressCallback | None,
) -> Iterator[bytes]:
    """Pages written by PostgreSQL's own CSV writer; yields each row as the server sends it."""
    after_id, written = 0, 0
    while True:
        sql, params = _page_sql(events, after_id, COPY_PAGE_ROWS, connection.alias, offsets)
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


def _line_pages(
    events: QuerySet[AdverseEvent],
    connection: BaseDatabaseWrapper,
    offsets: ZoneOffsets | None,
    on_progress: ProgressCallback | None,
) -> Iterator[bytes]:
    """Pages of lines SQLite wrote: Python only joins them."""
    assert offsets is not None  # SQLite always has them
    sql, params = _lines_sql(events, connection.alias, offsets)

    def fetch(after_id: int) -> list[Row]:
        return _fetch(connection, sql, (*params, after_id, CURSOR_PAGE_ROWS))

    for rows in _cursor_row_pages(fetch, on_progress):
        yield "".join([line for _, line in rows]).encode()


def _cursor_pages(
    events: QuerySet[AdverseEvent],
    connection: BaseDatabaseWrapper,
    offsets: ZoneOffsets | None,
    on_progress: ProgressCallback | None,
) -> Iterator[bytes]:
    """Pages read with a plain cursor and written by `csv.writer` in the same dialect as
    PostgreSQL's COPY (minimal quoting, "\\n" line ends, NULL as an empty field)."""

    def fetch(after_id: int) -> list[Row]:
        sql, params = _page_sql(events, after_id, CURSOR_PAGE_ROWS, connection.alias, offsets)
        return _fetch(connection, sql, params)

    for rows in _cursor_row_pages(fetch, on_progress):
        yield _csv_text(rows).encode()


def _cursor_row_pages(
    fetch: Callable[[int], list[Row]], on_progress: ProgressCallback | None
) -> Iterator[list[Row]]:
    """Keyset pages of rows whose first column is the event id, `fetch(after_id)` reading
    each; progress is reported once the caller has taken a page."""
    after_id, written = 0, 0
    while rows := fetch(after_id):
        yield rows
        written += len(rows)
        after_id = rows[-1][0]
        if on_progress:
            on_progress(written)
        if len(rows) < CURSOR_PAGE_ROWS:
            return


def _fetch(connection: BaseDatabaseWrapper, sql: str, params: Params) -> list[Row]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _csv_text(rows: list[Row]) -> str:
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
