"""The canonical form of a ledger row: the bytes its hash covers (`audit.chain`).

A row is serialised from its chained fields (every concrete field but the key and the hash),
each value put in the form the database stores and reads back, so a row sealed before its
INSERT and the same row read back by the verifier serialise to the same bytes on either
database.
"""

import functools
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeAlias

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

# A model field of any kind, and the function that puts its values in canonical form.
AnyField: TypeAlias = "models.Field[Any, Any]"
Converter = Callable[[Any], Any]

_UNCHAINED = {"hash"}


def chained_fields(model: type[models.Model]) -> list[AnyField]:
    pk_name = model._meta.pk.name
    return [
        field
        for field in model._meta.concrete_fields
        if field.name not in _UNCHAINED and field.name != pk_name
    ]


def _converter(field: AnyField) -> Converter:
    """The function that puts one field's values in canonical form, chosen once per field.

    Rows are sealed before insert, from attribute values that may still be strings, floats,
    naive datetimes or unnormalised IPv6 addresses; the verifier later reads the stored value.
    Both must serialise to the same thing, so values are first prepared the way the field
    prepares them for the database.
    """
    if isinstance(field, models.DateTimeField):

        def datetime_value(value: Any) -> str:
            # get_prep_value parses strings and makes naive values aware in the default time
            # zone, exactly as the save does; the chain then always speaks UTC. An aware
            # datetime (every stored value, and every row `seal` has prepared) needs neither.
            if not (isinstance(value, datetime) and value.utcoffset() is not None):
                value = field.get_prep_value(value)
                if timezone.is_naive(value):
                    value = timezone.make_aware(value, UTC)
            return _utc_text(value)

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


# The Python type whose values are already canonical for a kind of field: such a value is
# taken as it is, without a call (most of a row's values; bool is not int here).
_CANONICAL_TYPES: tuple[tuple[type[AnyField], type], ...] = (
    (models.BooleanField, bool),
    (models.IntegerField, int),
    (models.AutoField, int),
    (models.CharField, str),
    (models.TextField, str),
)


def _canonical_type(field: AnyField) -> type | None:
    if isinstance(field, models.ForeignKey):
        return _canonical_type(field.target_field)
    for kind, python_type in _CANONICAL_TYPES:
        if isinstance(field, kind):
            return python_type
    return None


@functools.cache
def _row_converters(
    model: type[models.Model],
) -> tuple[tuple[str, type | None, Converter], ...]:
    """(attribute name, canonical type, converter) per chained field. Cached per model class:
    sealing a million rows must not re-inspect fields each time."""
    fields = chained_fields(model)
    return tuple((field.attname, _canonical_type(field), _converter(field)) for field in fields)


@functools.lru_cache(maxsize=65_536)
def _utc_text(value: datetime) -> str:
    # A record's times recur in each of its history rows (created, updated, onset...): the
    # cache spares their conversion. Equal instants in other zones share one UTC text.
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _stored_decimal(field: "models.DecimalField[Any, Any]", value: Any) -> Decimal:
    """The decimal as a numeric(max_digits, decimal_places) column stores it (PostgreSQL
    rounds half away from zero)."""
    quantum = Decimal(1).scaleb(-field.decimal_places)
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return number.quantize(quantum, rounding=ROUND_HALF_UP)


@functools.cache
def fields_stored_differently(model: type[models.Model]) -> tuple[AnyField, ...]:
    """The chained fields whose values `as_stored` may change."""
    return tuple(
        field
        for field in chained_fields(model)
        if isinstance(field, models.DecimalField | models.DateTimeField)
    )


def as_stored(field: AnyField, value: Any) -> Any:
    """Values whose stored form depends on the database (rounding of extra decimal places,
    naive or textual datetimes) are put in that form before hashing and inserting, so the
    row stores exactly what was hashed on every backend."""
    if value is None:
        return None
    if isinstance(field, models.DecimalField):
        return _stored_decimal(field, value)
    if isinstance(field, models.DateTimeField):
        if value.__class__ is datetime and value.utcoffset() is not None:
            return value  # aware already: what get_prep_value would return (most rows)
        value = field.get_prep_value(value)
        return timezone.make_aware(value, UTC) if timezone.is_naive(value) else value
    return value


def _canonical_json(value: Any) -> Any:
    """JSON content as it reads back after a round trip through the database."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def canonical_row(model: type[models.Model], values: Mapping[str, Any]) -> bytes:
    """Stable bytes for a row, from attribute name -> value (as stored or about to be).

    Empty (NULL) values are left out, so a nullable column added to a chained table later
    does not change the serialisation of the rows written before it existed.
    """
    payload: dict[str, Any] = {}
    for attname, canonical_type, convert in _row_converters(model):
        value = values.get(attname)
        if value is not None:
            payload[attname] = value if value.__class__ is canonical_type else convert(value)
    return _ENCODER.encode(payload).encode()


# Keys sorted at every level (JSON fields hold objects too); one encoder for every row.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
