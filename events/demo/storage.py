"""How the seeder's batches reach the database: plain rows, stored inline or by a writer
process.

A batch is a list of tables' rows (`TableRows`: the model's label, the attribute names, and
one list of values per row in that order), stored in one transaction: `COPY` on PostgreSQL,
`executemany` on SQLite.

Outside a transaction, `WriterProcess` stores each batch in a forked process on its own
connection while the seeder generates and seals the next one. A process, not a thread:
SQLite works inside the calling process, so a writer thread shared the interpreter's lock
with the generator and a seed ran no faster than storing inline; in a process the two run
on two cores on either database. Inside a transaction (a test's), and on an in-memory SQLite
database that no other process can open, batches are stored inline on the caller's
connection.
"""

from __future__ import annotations

import functools
import multiprocessing
import queue
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from django.apps import apps
from django.db import connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg.copy import QueuedLibpqWriter

# (model label, attribute names, rows of values in the names' order)
TableRows = tuple[str, tuple[str, ...], list[list[Any]]]
SQLITE_CACHE_KIB = 256 * 1024  # the writer's page cache on SQLite


def table_rows(model: type[models.Model], records: Sequence[models.Model]) -> TableRows:
    """Every concrete column of the records, as stored on the instances."""
    names = tuple(field.attname for field in model._meta.concrete_fields)
    return model._meta.label, names, [[r.__dict__.get(n) for n in names] for r in records]


def store(batch: list[TableRows], using: str) -> None:
    """Store a batch in one transaction on this process's connection."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        # A large seed's indexes outgrow SQLite's default 2 MB page cache many times over;
        # each batch would re-read their pages from the file.
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    with transaction.atomic(using=using):
        for label, names, rows in batch:
            _write(apps.get_model(label), names, rows, connection)


def stores_inline(using: str) -> bool:
    """Whether batches must be stored on the caller's connection: inside a transaction,
    whose uncommitted rows only that connection sees, and on an in-memory SQLite database,
    which no other process can open."""
    connection = connections[using]
    if connection.in_atomic_block:
        return True
    return connection.vendor == "sqlite" and connection.is_in_memory_db()  # type: ignore[attr-defined]


def writer_for(using: str) -> WriterProcess | None:
    """A writer process, or None where batches are stored inline."""
    return None if stores_inline(using) else WriterProcess(using)


class WriterProcess:
    """A forked process that stores batches, one at a time, on its own connection.

    The queue holds one batch, so at most two are in flight (one being stored, one waiting)
    while the caller prepares a third. The first failure stops the writer: `put` and `close`
    raise it in the caller, and no later batch is stored.
    """

    def __init__(self, using: str):
        connections[using].close()  # nothing open may cross the fork: each side reconnects
        context = multiprocessing.get_context("fork")
        self.batches: multiprocessing.Queue[list[TableRows] | None] = context.Queue(maxsize=1)
        self.failures: multiprocessing.SimpleQueue[str] = context.SimpleQueue()
        self.process = context.Process(
            target=_store_batches,
            args=(self.batches, self.failures, using),
            name="seed-writer",
            daemon=True,
        )
        self.process.start()

    def put(self, batch: list[TableRows] | None) -> None:
        while True:
            self._raise_failure()
            try:
                self.batches.put(batch, timeout=1)
                return
            except queue.Full:
                if not self.process.is_alive():
                    raise RuntimeError(
                        f"the writer process ended (exit code {self.process.exitcode})"
                    ) from None

    def close(self) -> None:
        self.put(None)
        self.process.join()
        self._raise_failure()
        if self.process.exitcode != 0:
            raise RuntimeError(f"the writer process ended with exit code {self.process.exitcode}")

    def _raise_failure(self) -> None:
        if not self.failures.empty():
            failure = self.failures.get()
            raise RuntimeError(f"storing a batch failed; nothing after it was stored:\n{failure}")


def _store_batches(
    batches: multiprocessing.Queue[list[TableRows] | None],
    failures: multiprocessing.SimpleQueue[str],
    using: str,
) -> None:
    """The writer process: store batches until None, and report the first failure."""
    failed = False
    try:
        while (batch := batches.get()) is not None:
            if failed:
                continue  # drain, so the caller is never left waiting on a full queue
            try:
                store(batch, using)
            except BaseException:
                failed = True
                failures.put(traceback.format_exc())
    finally:
        connections[using].close()


def _write(
    model: type[models.Model],
    names: Sequence[str],
    rows: list[list[Any]],
    connection: BaseDatabaseWrapper,
) -> None:
    fields_by_name = {field.attname: field for field in model._meta.concrete_fields}
    fields = [fields_by_name[name] for name in names]
    # Most values go in as they are; only the others cost a call (a seed stores about 100
    # million values).
    converters = [(i, _converter(f, connection)) for i, f in enumerate(fields)]
    converted = [(i, convert) for i, convert in converters if convert is not _unchanged]
    for row in rows:
        for index, convert in converted:
            row[index] = convert(row[index])
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(cast(str, field.column)) for field in fields)  # concrete: set
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: the rows stream in one statement, with no per-row statement work
            # (executemany spent more time preparing parameters than the server spent
            # storing them). Triggers fire per row as for INSERT. The queued writer sends
            # from a thread, so the server stores rows while later ones are still encoded.
            copy_sql = f"COPY {table} ({columns}) FROM STDIN"
            with cursor.cursor.copy(copy_sql, writer=QueuedLibpqWriter(cursor.cursor)) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608  # nosec B608
        cursor.executemany(sql, rows)


def _converter(field: models.Field, connection: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    """The value as the database takes it, without Django's per-value machinery where the
    value needs no preparing (text, numbers, booleans, keys; on PostgreSQL also dates, times
    and decimals, which psycopg adapts itself)."""
    ops = connection.ops
    if connection.vendor == "postgresql" and isinstance(
        field, models.DateTimeField | models.DateField | models.DecimalField
    ):
        return _unchanged
    if isinstance(field, models.DateTimeField):
        if connection.vendor == "sqlite":
            # What the SQLite backend stores (naive UTC text), without its per-value checks;
            # the demo's times are all aware.
            return _sqlite_datetime
        return lambda v: None if v is None else ops.adapt_datetimefield_value(v)
    if isinstance(field, models.DecimalField):
        digits, places = field.max_digits, field.decimal_places
        return lambda v: None if v is None else ops.adapt_decimalfield_value(v, digits, places)
    if isinstance(field, models.DateField):
        return lambda v: None if v is None else ops.adapt_datefield_value(v)
    if isinstance(field, models.JSONField | models.UUIDField | models.GenericIPAddressField):
        return lambda v: field.get_db_prep_save(v, connection)
    return _unchanged


@functools.lru_cache(maxsize=65_536)
def _sqlite_datetime(value: datetime | None) -> str | None:
    # A record's times recur in each of its history rows: each is converted once.
    return None if value is None else str(value.astimezone(UTC).replace(tzinfo=None))


def _unchanged(value: Any) -> Any:
    return value
