"""The hash chain that makes history and access-log tables tamper-evident.

Each row stores `hash = sha256(previous row's hash + canonical serialisation of the row)`,
one chain per table, ordered by primary key. Rows are sealed just before they are inserted,
under a transaction-scoped lock so two writers cannot fork a chain.
"""

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date
from decimal import Decimal

from django.db import connections, models

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


def _canonical_value(field: models.Field, value):
    if value is None:
        return None
    if isinstance(field, models.DateTimeField):
        if isinstance(value, str):
            value = field.to_python(value)
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(field, models.DateField):
        return (value if isinstance(value, date) else field.to_python(value)).isoformat()
    if isinstance(field, models.DecimalField):
        quantum = Decimal(1).scaleb(-field.decimal_places)
        return format(Decimal(str(value)).quantize(quantum), "f")
    if isinstance(field, models.FloatField):
        return repr(float(value))
    if isinstance(field, models.BooleanField):
        return bool(value)
    if isinstance(field, models.IntegerField | models.ForeignKey | models.AutoField):
        return int(value)
    if isinstance(field, models.JSONField):
        return value
    return str(value)


def canonical_row(model: type[models.Model], values: dict) -> bytes:
    """Stable bytes for a row, from attribute name -> value (as stored or about to be).

    Empty (NULL) values are left out, so a nullable column added to a chained table later
    does not change the serialisation of the rows written before it existed.
    """
    payload = {
        field.attname: _canonical_value(field, values[field.attname])
        for field in chained_fields(model)
        if values.get(field.attname) is not None
    }
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def link(previous_hash: str, model: type[models.Model], values: dict) -> str:
    return hashlib.sha256(previous_hash.encode() + canonical_row(model, values)).hexdigest()


def lock_chains(using: str) -> None:
    """Serialise chain appends until the current transaction ends.

    SQLite needs nothing more: its IMMEDIATE transactions already admit one writer at a time.
    """
    connection = connections[using]
    if not connection.in_atomic_block:
        raise ChainWriteOutsideTransaction(
            "Audited rows must be written inside transaction.atomic()."
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LEDGER_LOCK_KEY])


def chain_head(model: type[models.Model], using: str) -> str:
    last = (
        model._default_manager.using(using).order_by("-pk").values_list("hash", flat=True).first()
    )
    return last or GENESIS_HASH


def seal(rows: Sequence[models.Model], using: str) -> None:
    """Fill `hash` on unsaved rows of one model, continuing that model's chain."""
    if not rows:
        return
    model = type(rows[0])
    lock_chains(using)
    previous = chain_head(model, using)
    attnames = [field.attname for field in chained_fields(model)]
    for row in rows:
        values = {name: getattr(row, name) for name in attnames}
        row.hash = previous = link(previous, model, values)


@dataclass(frozen=True)
class ChainReport:
    table: str
    rows: int
    head: str
    first_break: int | None = None
    problem: str = ""

    @property
    def is_intact(self) -> bool:
        return self.first_break is None


def _stored_rows(model: type[models.Model], using: str, chunk_size: int) -> Iterator[dict]:
    names = [model._meta.pk.attname, "hash"] + [f.attname for f in chained_fields(model)]
    queryset = model._default_manager.using(using).order_by("pk").values(*names)
    yield from queryset.iterator(chunk_size=chunk_size)


def verify_chain(
    model: type[models.Model], using: str = "default", chunk_size: int = 5000
) -> ChainReport:
    """Recompute a table's chain; report the first row whose stored hash does not follow."""
    previous = GENESIS_HASH
    count = 0
    pk_name = model._meta.pk.attname
    for values in _stored_rows(model, using, chunk_size):
        count += 1
        expected = link(previous, model, values)
        if values["hash"] != expected:
            return ChainReport(
                table=model._meta.db_table,
                rows=count,
                head=previous,
                first_break=values[pk_name],
                problem=(
                    "row content or position changed, or a row before it was removed or inserted"
                ),
            )
        previous = values["hash"]
    return ChainReport(table=model._meta.db_table, rows=count, head=previous)


def chained_models() -> Iterable[type[models.Model]]:
    """Every model whose table is a chain: history models and the access log."""
    from django.apps import apps

    from audit.models import ChainedRow

    return [m for m in apps.get_models() if issubclass(m, ChainedRow)]
