"""The hash chain that makes history and access-log tables tamper-evident.

Each row stores `hash = sha256(previous row's hash + canonical serialisation of the row)`,
one chain per table, ordered by primary key. Rows are sealed just before they are inserted
(on PostgreSQL a single row by its INSERT), under a transaction-scoped lock so two writers
cannot fork a chain.
"""

import functools
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models
from django.utils import timezone

GENESIS_HASH = "0" * 64
# One transaction-scoped advisory lock for every chain: a transaction that writes to several
# audited tables takes it once, so two such transactions can never deadlock on chain order.
LEDGER_LOCK_KEY = 4_815_162_342

_UNCHAINED = {"hash"}


class ChainWriteOutsideTransaction(RuntimeError):
    pass


def chained_fields(model: type[models.Model]) -> list[models.Field]:
    pk_name = model._meta.pk.name
    return [
        field
        for field in model._meta.concrete_fields
        if field.name not in _UNCHAINED and field.name != pk_name
    ]


def _converter(field: models.Field):
    """The function that puts one field's values in canonical form, chosen once per field.

    Rows are sealed before insert, from attribute values that may still be strings, floats,
    naive datetimes or unnormalised IPv6 addresses; the verifier later reads the stored value.
    Both must serialise to the same thing, so values are first prepared the way the field
    prepares them for the database.
    """
    if isinstance(field, models.DateTimeField):

        def datetime_value(value):
            # get_prep_value parses strings and makes naive values aware in the default time
            # zone, exactly as the save does; the chain then always speaks UTC. An aware
            # datetime (every stored value, and every row `seal` has prepared) needs neither.
            if not (isinstance(value, datetime) and value.utcoffset() is not None):
                value = field.get_prep_value(value)
                if timezone.is_naive(value):
                    value = timezone.make_aware(value, UTC)
            return value.astimezone(UTC).isoformat(timespec="microseconds")

        return datetime_value
    if isinstance(field, models.DateField):
        return lambda value: field.to_python(value).isoformat()
    if isinstance(field, models.DecimalField):
        return lambda value: format(_stored_decimal(field, value), "f")
    if isinstance(field, models.FloatField):
        return lambda value: repr(float(value))
    if isinstance(field, models.BooleanField):
        return bool
    if isinstance(field, models.IntegerField | models.AutoField):
        return int
    if isinstance(field, models.ForeignKey):
        return _converter(field.target_field)
    if isinstance(field, models.JSONField):
        return _canonical_json
    if isinstance(field, models.CharField | models.TextField):
        # Text is already in canonical form; only lazy strings and numbers need preparing.
        return lambda value: value if value.__class__ is str else str(field.get_prep_value(value))
    return lambda value: str(field.get_prep_value(value))


@functools.cache
def _row_converters(model: type[models.Model]) -> tuple[tuple[str, object], ...]:
    # Cached per model class: sealing a million rows must not re-inspect fields each time.
    return tuple((field.attname, _converter(field)) for field in chained_fields(model))


def _stored_decimal(field: models.DecimalField, value) -> Decimal:
    """The decimal as a numeric(max_digits, decimal_places) column stores it (PostgreSQL
    rounds half away from zero)."""
    quantum = Decimal(1).scaleb(-field.decimal_places)
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return number.quantize(quantum, rounding=ROUND_HALF_UP)


@functools.cache
def _fields_stored_differently(model: type[models.Model]) -> tuple[models.Field, ...]:
    """The chained fields whose values `_as_stored` may change."""
    return tuple(
        field
        for field in chained_fields(model)
        if isinstance(field, models.DecimalField | models.DateTimeField)
    )


def _as_stored(field: models.Field, value):
    """Values whose stored form depends on the database (rounding of extra decimal places,
    naive or textual datetimes) are put in that form before hashing and inserting, so the
    row stores exactly what was hashed on every backend."""
    if value is None:
        return None
    if isinstance(field, models.DecimalField):
        return _stored_decimal(field, value)
    if isinstance(field, models.DateTimeField):
        value = field.get_prep_value(value)
        return timezone.make_aware(value, UTC) if timezone.is_naive(value) else value
    return value


def _canonical_json(value):
    """JSON content as it reads back after a round trip through the database."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def canonical_row(model: type[models.Model], values: dict) -> bytes:
    """Stable bytes for a row, from attribute name -> value (as stored or about to be).

    Empty (NULL) values are left out, so a nullable column added to a chained table later
    does not change the serialisation of the rows written before it existed.
    """
    payload = {}
    for attname, convert in _row_converters(model):
        value = values.get(attname)
        if value is not None:
            payload[attname] = convert(value)
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def link(previous_hash: str, model: type[models.Model], values: dict) -> str:
    return hashlib.sha256(previous_hash.encode() + canonical_row(model, values)).hexdigest()


def lock_and_read_head(model: type[models.Model], using: str) -> str:
    """Take the ledger lock until the current transaction ends; return the chain's last hash.

    For rows linked in Python (bulk inserts, SQLite). On PostgreSQL one round trip does both:
    `audit_chain_head()` (audit migration 0003, also called by `audit_chain_append()`)
    takes the transaction-scoped advisory lock, then reads the head. The read must come after
    the lock in a statement of its own: under READ COMMITTED a statement's snapshot is taken
    when it starts, so `SELECT pg_advisory_xact_lock(...), (SELECT hash ...)` could wait for
    the lock and then read a head that misses the row its holder has just committed, and the
    chain would fork. Inside a VOLATILE PL/pgSQL function every statement takes a fresh
    snapshot, so the head read after the lock sees every row committed before it was granted.

    SQLite needs no lock: its IMMEDIATE transactions (config.env.sqlite_database) already
    admit one writer at a time, so the head cannot move until this transaction ends.
    """
    connection = connections[using]
    _require_transaction(connection)
    table, order_column = _chain_columns(model)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT audit_chain_head(%s, %s, %s)", [table, order_column, LEDGER_LOCK_KEY]
            )
        else:
            # The names come from the model's own metadata, never from input.
            quote = connection.ops.quote_name
            sql = f"SELECT hash FROM {quote(table)} ORDER BY {quote(order_column)} DESC LIMIT 1"  # noqa: S608  # nosec B608
            cursor.execute(sql)
        row = cursor.fetchone()
    return row[0] if row and row[0] else GENESIS_HASH


def _require_transaction(connection) -> None:
    # The lock lasts until the transaction ends; outside one it would end with the statement.
    if not connection.in_atomic_block:
        raise ChainWriteOutsideTransaction(
            "Audited rows must be written inside transaction.atomic()."
        )


@functools.cache
def _chain_columns(model: type[models.Model]) -> tuple[str, str]:
    """The chain's table and the column that orders it (its primary key)."""
    return model._meta.db_table, model._meta.pk.column


def seal(rows: Sequence[models.Model], using: str, *, in_bulk: bool = False) -> None:
    """Chain unsaved rows of one model: fill `hash`, continuing that model's chain.

    On PostgreSQL a row saved on its own (not `in_bulk`) is linked by its INSERT instead,
    saving a round trip: the row keeps its canonical form (`pending_link`) and the insert
    (`audit.models.ChainedRow`) calls `audit_chain_append()`, which takes the lock, reads the
    head, draws the row's key and returns the hash, the same sha256 as `link` computes.
    """
    if not rows:
        return
    model = type(rows[0])
    connection = connections[using]
    for row in rows:
        for field in _fields_stored_differently(model):
            setattr(row, field.attname, _as_stored(field, getattr(row, field.attname)))
    if connection.vendor == "postgresql" and not in_bulk and len(rows) == 1:
        _require_transaction(connection)
        rows[0]._chain_payload = canonical_row(model, rows[0].__dict__)
        return
    previous = lock_and_read_head(model, using)
    for row in rows:
        row.hash = previous = link(previous, model, row.__dict__)


def pending_link(row: models.Model) -> bytes | None:
    """The canonical form of a row `seal` left for its INSERT to link, taken off the row."""
    return row.__dict__.pop("_chain_payload", None)


def link_now(row: models.Model, payload: bytes, using: str) -> None:
    """Link a row whose insert cannot do it (a raw or unusual save) before it is inserted."""
    previous = lock_and_read_head(type(row), using)
    row.hash = hashlib.sha256(previous.encode() + payload).hexdigest()


# One INSERT appends a row: this CTE, then `VALUES ((SELECT row_id FROM link), ...,
# (SELECT row_hash FROM link), ...)`. A CTE calling a VOLATILE function runs once however
# often it is referenced.
APPEND_LINK_SQL = "WITH link AS (SELECT row_id, row_hash FROM audit_chain_append(%s, %s, %s, %s))"


def append_link_params(model: type[models.Model], payload: bytes) -> list:
    table, order_column = _chain_columns(model)
    return [table, order_column, LEDGER_LOCK_KEY, payload]


@dataclass(frozen=True)
class ChainHead:
    """The last link of a chain: what an operator records outside the database."""

    table: str
    last_pk: int | None
    hash: str


@dataclass(frozen=True)
class ChainReport:
    """The result of recomputing one chain.

    `first_break` names the first row whose stored hash does not follow from the rows before
    it: that row was changed, or a row before it was removed, inserted or moved.
    """

    table: str
    rows: int
    head: str
    head_pk: int | None = None
    first_break: int | None = None
    problem: str = ""

    @property
    def is_intact(self) -> bool:
        return self.first_break is None and not self.problem

    @property
    def status(self) -> str:
        return "intact" if self.is_intact else "broken"


def _stored_rows(model: type[models.Model], using: str, chunk_size: int) -> Iterator[dict]:
    names = [model._meta.pk.attname, "hash"] + [f.attname for f in chained_fields(model)]
    queryset = model._default_manager.using(using).order_by("pk").values(*names)
    yield from queryset.iterator(chunk_size=chunk_size)


def verify_chain(
    model: type[models.Model],
    using: str = "default",
    chunk_size: int = 5000,
    expected_head: ChainHead | None = None,
) -> ChainReport:
    """Recompute a table's chain; report the first row whose stored hash does not follow.

    With `expected_head` (a head recorded earlier), the chain must still contain that row with
    that hash: a chain cut short at its tail, or rewritten from some row on, is reported even
    though every remaining link is consistent.
    """
    table = model._meta.db_table
    previous, previous_pk, count = GENESIS_HASH, None, 0
    pk_name = model._meta.pk.attname
    expected_seen = expected_head is None or expected_head.last_pk is None
    for values in _stored_rows(model, using, chunk_size):
        count += 1
        pk = values[pk_name]
        if values["hash"] != link(previous, model, values):
            after = f"row {previous_pk}" if previous_pk is not None else "the start of the chain"
            return ChainReport(
                table=table,
                rows=count,
                head=previous,
                head_pk=previous_pk,
                first_break=pk,
                problem=(
                    f"row {pk} does not follow from {after}: it was changed, or a row before "
                    "it was removed, inserted or moved"
                ),
            )
        if expected_head is not None and pk == expected_head.last_pk:
            expected_seen = True
            if values["hash"] != expected_head.hash:
                return ChainReport(
                    table=table,
                    rows=count,
                    head=previous,
                    head_pk=previous_pk,
                    first_break=pk,
                    problem=(
                        f"row {pk} no longer has the recorded head hash: the chain was "
                        "rewritten up to or past it"
                    ),
                )
        previous, previous_pk = values["hash"], pk
    if not expected_seen:
        return ChainReport(
            table=table,
            rows=count,
            head=previous,
            head_pk=previous_pk,
            problem=(
                f"the recorded head row {expected_head.last_pk} is missing: rows were removed "
                "from the end of the chain"
            ),
        )
    return ChainReport(table=table, rows=count, head=previous, head_pk=previous_pk)


def chain_heads(using: str = "default") -> list[ChainHead]:
    """The latest link of every chain, read without recomputing anything."""
    heads = []
    for model in chained_models():
        last = model._default_manager.using(using).order_by("-pk").values_list("pk", "hash").first()
        last_pk, last_hash = last if last else (None, GENESIS_HASH)
        heads.append(ChainHead(table=model._meta.db_table, last_pk=last_pk, hash=last_hash))
    return heads


def chained_models() -> Iterable[type[models.Model]]:
    """Every model whose table is a chain: history models and the access log."""
    from django.apps import apps

    from audit.models import ChainedRow

    return sorted(
        (m for m in apps.get_models() if issubclass(m, ChainedRow)),
        key=lambda m: m._meta.db_table,
    )
