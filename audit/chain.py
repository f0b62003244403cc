"""The hash chain that makes history and access-log tables tamper-evident.

Each row stores `hash = sha256(previous row's hash + canonical serialisation of the row)`.
A table holds one chain per site and one global chain: the row's `chain_site_id` names its
chain (empty for the global one), and each chain is ordered by primary key. Rows are sealed
just before they are inserted (on PostgreSQL a single row by its INSERT), under a
transaction-scoped lock per chain, so two writers cannot fork a chain while writers at
different sites never wait on each other.

A transaction appends to one chain only: the chain of the first ledger row it writes (the
row's site, or the global chain for rows without one: accounts, terms, sites). Every later
row of the same transaction, in any table, joins that chain, so a transaction holds one
chain lock and two transactions can never deadlock on chain order. `chain_site_id` is part of
the hashed row, so moving a row to another chain breaks the link.
"""

import functools
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Max

from audit.canonical import (
    as_stored,
    canonical_row,
    chained_fields,
    fields_stored_differently,
)

if TYPE_CHECKING:
    from audit.models import ChainedRow

GENESIS_HASH = "0" * 64
# The transaction-scoped advisory lock of the global chain (one key for all tables, as a
# transaction appends to one chain whatever the table); a site's chain is locked by the
# two-key form (SITE_LOCK_CLASS, site id), so sites never share a lock.
LEDGER_LOCK_KEY = 4_815_162_342
SITE_LOCK_CLASS = 481_516
CHAIN_COLUMN = "chain_site_id"


class ChainWriteOutsideTransaction(RuntimeError):
    pass


def link(previous_hash: str, model: type[models.Model], values: Mapping[str, Any]) -> str:
    return hashlib.sha256(previous_hash.encode() + canonical_row(model, values)).hexdigest()


def lock_and_read_head(model: type[models.Model], using: str, site: int | None = None) -> str:
    """Take the lock of the chain of `site` (None: the global chain) until the current
    transaction ends; return that chain's last hash in this table.

    For rows linked in Python (bulk inserts, SQLite). On PostgreSQL one round trip does both:
    `audit_chain_head()` (audit migrations 0003 and 0005, also called by
    `audit_chain_append()`) takes the transaction-scoped advisory lock, then reads the head.
    The read must come after the lock in a statement of its own: under READ COMMITTED a
    statement's snapshot is taken when it starts, so `SELECT pg_advisory_xact_lock(...),
    (SELECT hash ...)` could wait for the lock and then read a head that misses the row its
    holder has just committed, and the chain would fork. Inside a VOLATILE PL/pgSQL function
    every statement takes a fresh snapshot, so the head read after the lock sees every row
    committed before it was granted.

    SQLite needs no lock: its IMMEDIATE transactions (config.env.sqlite_database) already
    admit one writer at a time, so the head cannot move until this transaction ends.
    """
    connection = connections[using]
    _require_transaction(connection)
    table, order_column = _chain_columns(model)
    if not _has_chain_column(model):
        return _legacy_head(model, connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT audit_chain_head(%s, %s, %s, %s)",
                [table, order_column, LEDGER_LOCK_KEY, site],
            )
        else:
            # The names come from the model's own metadata, never from input.
            quote = connection.ops.quote_name
            where = f"{CHAIN_COLUMN} IS NULL" if site is None else f"{CHAIN_COLUMN} = %s"
            sql = f"SELECT hash FROM {quote(table)} WHERE {where} ORDER BY {quote(order_column)} DESC LIMIT 1"  # noqa: S608, E501  # nosec B608
            cursor.execute(sql, [] if site is None else [site])
        row = cursor.fetchone()
    return row[0] if row and row[0] else GENESIS_HASH


def _has_chain_column(model: type[models.Model]) -> bool:
    return any(field.attname == CHAIN_COLUMN for field in model._meta.concrete_fields)


def _legacy_head(model: type[models.Model], connection: BaseDatabaseWrapper) -> str:
    """The head for a model of a migration older than the per-site chains (its historical
    model has no `chain_site_id`): the row it inserts leaves the column empty, so it joins
    the global chain (the whole table, where the column does not exist yet), under the
    global lock; the head is read by a statement of its own after the lock is granted."""
    table, order_column = _chain_columns(model)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LEDGER_LOCK_KEY])
        columns = connection.introspection.get_table_description(cursor, table)
        split = any(column.name == CHAIN_COLUMN for column in columns)
        where = f"WHERE {CHAIN_COLUMN} IS NULL " if split else ""
        sql = f"SELECT hash FROM {quote(table)} {where}ORDER BY {quote(order_column)} DESC LIMIT 1"  # noqa: S608, E501  # nosec B608
        cursor.execute(sql)
        row = cursor.fetchone()
    return row[0] if row and row[0] else GENESIS_HASH


def _require_transaction(connection: BaseDatabaseWrapper) -> None:
    # The lock lasts until the transaction ends; outside one it would end with the statement.
    if not connection.in_atomic_block:
        raise ChainWriteOutsideTransaction(
            "Audited rows must be written inside transaction.atomic()."
        )


@functools.cache
def _chain_columns(model: type[models.Model]) -> tuple[str, str]:
    """The chain's table and the column that orders it (its primary key)."""
    column = model._meta.pk.column
    assert column is not None  # every chained table has a concrete key column
    return model._meta.db_table, column


def site_of(instance: models.Model) -> int | None:
    """The site whose chain a record's ledger rows start in: `ledger_site_id` where a model
    reaches its site through another record (a vital sign through its session), else its own
    `site_id`; None (the global chain) for records of no site."""
    site = getattr(instance, "ledger_site_id", None)
    if site is None and not hasattr(type(instance), "ledger_site_id"):
        site = getattr(instance, "site_id", None)
    return int(site) if site is not None else None


def _transaction_key(connection: BaseDatabaseWrapper) -> tuple[int, str | None, int]:
    """What stands for "this transaction": its outermost atomic block, but under the test
    suite (whose test case wraps every test in blocks of its own) the first block a test or
    a service opened inside those, identified by its savepoint."""
    blocks = connection.atomic_blocks
    index = next(
        (i for i, block in enumerate(blocks) if not getattr(block, "_from_testcase", False)),
        len(blocks) - 1,
    )
    savepoint = connection.savepoint_ids[index - 1] if index > 0 else None
    return (index, savepoint, id(blocks[index]))


def transaction_chain(connection: BaseDatabaseWrapper, site: int | None) -> int | None:
    """The chain this transaction appends to: the one it chose with its first ledger row,
    else `site`'s (then chosen). The choice lives as long as a no-op commit hook registered
    with it, which Django drops at commit, at rollback, and with a rolled-back savepoint
    (whose chain lock PostgreSQL releases too)."""
    key = _transaction_key(connection)
    # Kept on the connection object (one per thread and alias), as Django keeps its own
    # transaction state there.
    held = connection.__dict__.get("_ledger_chain")
    if held is not None and held[0] == key:
        hook = held[2]
        if any(entry[1] is hook for entry in reversed(connection.run_on_commit)):
            return held[1]

    def chain_chosen() -> None:
        """Marks the transaction's chain; nothing to do at commit."""

    connection.on_commit(chain_chosen)
    connection.__dict__["_ledger_chain"] = (key, site, chain_chosen)
    return site


def seal(rows: Sequence["ChainedRow"], using: str, *, in_bulk: bool = False) -> None:
    """Chain unsaved rows: fill `chain_site_id` and `hash`, continuing this transaction's
    chain in their table (see the module's docstring).

    On PostgreSQL a row saved on its own (not `in_bulk`) is linked by its INSERT instead,
    saving a round trip: the row keeps its canonical form (`pending_link`) and the insert
    (`audit.models.ChainedRow`) calls `audit_chain_append()`, which takes the lock, reads the
    head, draws the row's key and returns the hash, the same sha256 as `link` computes.
    """
    if not rows:
        return
    model = type(rows[0])
    connection = connections[using]
    _require_transaction(connection)
    site = transaction_chain(connection, getattr(rows[0], CHAIN_COLUMN, None))
    for row in rows:
        setattr(row, CHAIN_COLUMN, site)
        for field in fields_stored_differently(model):
            setattr(row, field.attname, as_stored(field, getattr(row, field.attname)))
    if connection.vendor == "postgresql" and not in_bulk and len(rows) == 1:
        rows[0].__dict__["_chain_payload"] = canonical_row(model, rows[0].__dict__)
        return
    previous = lock_and_read_head(model, using, site)
    for row in rows:
        row.hash = previous = link(previous, model, row.__dict__)


def seal_per_site(
    rows: Sequence["ChainedRow"],
    using: str,
    heads: dict[tuple[type[models.Model], int | None], str] | None = None,
) -> None:
    """Chain unsaved rows of one model, each in the chain its own `chain_site_id` names (bulk
    loads that write many sites' records in one transaction, such as the demo seeder).

    The chains are locked in one order (global first, then by site), so two such loads never
    deadlock, and a transaction of the application, which holds one chain lock at a time,
    cannot close a cycle with them.

    `heads`, when given, holds the chains' last hashes across calls: a loader that is the
    database's only writer and seals batches before the earlier ones are stored reads each
    head once, then links on from its own last row.
    """
    if not rows:
        return
    model = type(rows[0])
    by_site: dict[int | None, list[ChainedRow]] = {}
    for row in rows:
        for field in fields_stored_differently(model):
            setattr(row, field.attname, as_stored(field, getattr(row, field.attname)))
        by_site.setdefault(getattr(row, CHAIN_COLUMN, None), []).append(row)
    for site in sorted(by_site, key=chain_order):
        if heads is not None and (model, site) in heads:
            previous = heads[model, site]
        else:
            previous = lock_and_read_head(model, using, site)
        for row in by_site[site]:
            row.hash = previous = link(previous, model, row.__dict__)
        if heads is not None:
            heads[model, site] = previous


def pending_link(row: "ChainedRow") -> bytes | None:
    """The canonical form of a row `seal` left for its INSERT to link, taken off the row."""
    payload: bytes | None = row.__dict__.pop("_chain_payload", None)
    return payload


def link_now(row: "ChainedRow", payload: bytes, using: str) -> None:
    """Link a row whose insert cannot do it (a raw or unusual save) before it is inserted."""
    previous = lock_and_read_head(type(row), using, getattr(row, CHAIN_COLUMN, None))
    row.hash = hashlib.sha256(previous.encode() + payload).hexdigest()


# One INSERT appends a row: this CTE, then `VALUES ((SELECT row_id FROM link), ...,
# (SELECT row_hash FROM link), ...)`. A CTE calling a VOLATILE function runs once however
# often it is referenced.
APPEND_LINK_SQL = (
    "WITH link AS (SELECT row_id, row_hash FROM audit_chain_append(%s, %s, %s, %s, %s))"
)


def append_link_params(row: models.Model, payload: bytes) -> list[Any]:
    table, order_column = _chain_columns(type(row))
    return [table, order_column, LEDGER_LOCK_KEY, getattr(row, CHAIN_COLUMN, None), payload]


def chain_order(site: int | None) -> tuple[bool, int]:
    """The one order chains are locked and listed in: the global chain, then by site."""
    return (site is not None, site or 0)


def chain_name(table: str, site: int | None) -> str:
    """How heads files and reports name a chain: the table, with `@site<id>` for a site's."""
    return table if site is None else f"{table}@site{site}"


@dataclass(frozen=True)
class ChainHead:
    """The last link of a chain: what an operator records outside the database."""

    table: str
    last_pk: int | None
    hash: str
    site: int | None = None

    @property
    def chain(self) -> str:
        return chain_name(self.table, self.site)


@dataclass(frozen=True)
class ChainReport:
    """The result of recomputing the chains of one table.

    `first_break` names the first row (by key) whose stored hash does not follow from the
    rows before it in its chain: that row was changed, or a row before it was removed,
    inserted or moved. `heads` holds the last link of each chain found; `head` and `head_pk`
    are the table's last row (by key) that was verified.
    """

    table: str
    rows: int
    head: str
    head_pk: int | None = None
    first_break: int | None = None
    problem: str = ""
    heads: tuple[ChainHead, ...] = ()

    @property
    def is_intact(self) -> bool:
        return self.first_break is None and not self.problem

    @property
    def status(self) -> str:
        return "intact" if self.is_intact else "broken"


def _stored_rows(
    model: type[models.Model], using: str, chunk_size: int
) -> Iterator[dict[str, Any]]:
    names = [model._meta.pk.attname, "hash"] + [f.attname for f in chained_fields(model)]
    queryset = model._default_manager.using(using).order_by("pk").values(*names)
    yield from queryset.iterator(chunk_size=chunk_size)


def verify_chain(
    model: type[models.Model],
    using: str = "default",
    chunk_size: int = 5000,
    expected_heads: Mapping[str, ChainHead] | None = None,
) -> ChainReport:
    """Recompute every chain of a table in one pass by key (each row follows the previous
    row of its own chain); report the first row whose stored hash does not follow.

    With `expected_heads` (heads recorded earlier, by chain name; other tables' are ignored)
    each chain must still contain its recorded row with that hash: a chain cut short at its
    tail, or rewritten from some row on, is reported even though every remaining link is
    consistent.
    """
    table = model._meta.db_table
    expected = {head.site: head for head in (expected_heads or {}).values() if head.table == table}
    previous: dict[int | None, tuple[str, int | None]] = {}
    last_pk, last_hash, count = None, GENESIS_HASH, 0
    pk_name = model._meta.pk.attname

    def report(first_break: int | None = None, problem: str = "") -> ChainReport:
        heads = tuple(
            ChainHead(table, pk, digest, site)
            for site, (digest, pk) in sorted(
                previous.items(), key=lambda item: chain_order(item[0])
            )
        )
        return ChainReport(table, count, last_hash, last_pk, first_break, problem, heads)

    seen: set[int | None] = set()
    for values in _stored_rows(model, using, chunk_size):
        count += 1
        pk, site = values[pk_name], values.get(CHAIN_COLUMN)
        before, before_pk = previous.get(site, (GENESIS_HASH, None))
        if values["hash"] != link(before, model, values):
            after = f"row {before_pk}" if before_pk is not None else "the start of the chain"
            return report(
                pk,
                f"row {pk} does not follow from {after} (chain {chain_name(table, site)}): "
                "it was changed, or a row before it was removed, inserted or moved",
            )
        head = expected.get(site)
        if head is not None and head.last_pk is not None and pk == head.last_pk:
            seen.add(site)
            if values["hash"] != head.hash:
                return report(
                    pk,
                    f"row {pk} no longer has the recorded head hash (chain {head.chain}): "
                    "the chain was rewritten up to or past it",
                )
        previous[site] = (values["hash"], pk)
        last_pk, last_hash = pk, values["hash"]
    for site, head in sorted(expected.items(), key=lambda item: chain_order(item[0])):
        if head.last_pk is not None and site not in seen:
            return report(
                problem=(
                    f"the recorded head row {head.last_pk} is missing (chain {head.chain}): "
                    "rows were removed from the end of the chain"
                )
            )
    return report()


def chain_heads(using: str = "default") -> list[ChainHead]:
    """The latest link of every chain (per table, the global chain and each site's), read
    without recomputing anything."""
    heads = []
    for model in chained_models():
        manager = model._default_manager.using(using)
        table = model._meta.db_table
        lasts = manager.values(CHAIN_COLUMN).annotate(last=Max("pk")).values_list("last", flat=True)
        rows = dict(manager.filter(pk__in=list(lasts)).values_list(CHAIN_COLUMN, "pk"))
        hashes = dict(manager.filter(pk__in=list(rows.values())).values_list("pk", "hash"))
        if None not in rows:
            heads.append(ChainHead(table, None, GENESIS_HASH))
        for site in sorted(rows, key=chain_order):
            heads.append(ChainHead(table, rows[site], hashes[rows[site]], site))
    return heads


def chained_models() -> Iterable[type[models.Model]]:
    """Every model whose table is a chain: history models and the access log."""
    from django.apps import apps

    from audit.models import ChainedRow

    return sorted(
        (m for m in apps.get_models() if issubclass(m, ChainedRow)),
        key=lambda m: m._meta.db_table,
    )
