"""SQL expressions that shape the line listing in the database, the same on PostgreSQL and
SQLite, so the CSV writer (PostgreSQL's own `COPY`, SQLite's `CsvLine`, or a cursor and
`csv.writer`) only has to write what it is given.

- `Guarded`: the spreadsheet formula guard of `exports.formula_guard`, in SQL: text starting
  with = + - @, a tab or a carriage return gets a leading single quote. Empty text becomes
  NULL, so every writer prints an empty field.
- `DecimalText`: a decimal with a fixed number of places ("0.500"), a number in any reader.
- `BooleanText`: "true" / "false".
- `LocalIsoTime`: ISO 8601 in the site's time zone with its offset
  ("2026-03-02T09:15:00-06:00"). PostgreSQL computes it with its time zone database. SQLite
  has none: `zone_offset_periods` lists, with zoneinfo, each zone's UTC offsets over the
  data's time range, and the SQL picks the one in force at each time.
- `CsvLine`, `CsvQuoted`: on SQLite, each row's whole CSV line, quoted as COPY quotes.
"""

import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeAlias

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Case, CharField, Func, Value, When
from django.db.models.expressions import Expression
from django.db.models.sql.compiler import SQLCompiler

# What an expression compiles to: its SQL and the parameters of its placeholders (the stubs
# say a tuple of parameters; the compiler takes the lists built here as well).
Compiled: TypeAlias = tuple[str, Any]

# The characters a spreadsheet reads as the start of a formula (see exports.formula_guard).
_FORMULA_STARTS_SQLITE = "('=', '+', '-', '@', char(9), char(13))"
_FORMULA_STARTS_POSTGRESQL = "('=', '+', '-', '@', chr(9), chr(13))"


class Guarded(Func):
    """Text made safe to open in a spreadsheet; '' becomes NULL."""

    output_field = CharField()
    arity = 1

    def _guard(self, compiler: SQLCompiler, starts: str) -> Compiled:
        text, params = compiler.compile(self.source_expressions[0])
        sql = (
            f"CASE WHEN substr({text}, 1, 1) IN {starts} "
            f"THEN '''' || {text} ELSE NULLIF({text}, '') END"
        )
        return sql, [*params, *params, *params]

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> Compiled:
        return self._guard(compiler, _FORMULA_STARTS_SQLITE)

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> Compiled:
        return self._guard(compiler, _FORMULA_STARTS_POSTGRESQL)


class DecimalText(Func):
    """A decimal as text with exactly `places` decimals."""

    output_field = CharField()

    def __init__(self, expression: Any, places: int):
        self.places = int(places)
        super().__init__(expression)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> Compiled:
        # '%%%%' survives the template's own formatting as '%%', which the driver reads as
        # one '%' (a lone '%' would break Django's SQL logging when DEBUG is on).
        template = f"printf('%%%%.{self.places}f', %(expressions)s)"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> Compiled:
        template = f"CAST(round(%(expressions)s, {self.places}) AS text)"
        return self.as_sql(compiler, connection, template=template, **extra)


def BooleanText(field_name: str) -> Expression:  # noqa: N802 - reads like the other expressions
    """'true' or 'false' for a boolean column."""
    return Case(
        When(**{field_name: True}, then=Value("true")),
        default=Value("false"),
        output_field=CharField(),
    )


@dataclass(frozen=True)
class OffsetPeriod:
    """From `starts_at` on (UTC text as SQLite stores it; None: from the start of the range)
    the zone's clocks read UTC plus `offset`, written as `datetime.isoformat` writes it."""

    starts_at: str | None
    offset: str


ZoneOffsets = dict[str, tuple[OffsetPeriod, ...]]

# tzdata never changes a zone's offset twice within a few days (the closest two changes of
# any zone are about four days apart), so a daily sample sees every change.
_SAMPLE_STEP = 24 * 3600


def zone_offset_periods(
    zone_name: str, earliest: datetime, latest: datetime
) -> tuple[OffsetPeriod, ...]:
    """The zone's UTC offset periods covering `earliest`..`latest`: the first one open to
    the past, each later one starting at the second its offset takes effect."""
    zone = zoneinfo.ZoneInfo(zone_name)
    second, last = int(earliest.timestamp()), int(latest.timestamp())
    periods = [OffsetPeriod(None, _offset_at(second, zone))]
    while second < last:
        sample = min(second + _SAMPLE_STEP, last)
        if _offset_at(sample, zone) != periods[-1].offset:
            change = _first_second_of(periods[-1].offset, second, sample, zone)
            starts_at = datetime.fromtimestamp(change, UTC).strftime("%Y-%m-%d %H:%M:%S")
            periods.append(OffsetPeriod(starts_at, _offset_at(change, zone)))
        second = sample
    return tuple(periods)


def _offset_at(second: int, zone: zoneinfo.ZoneInfo) -> str:
    # What `isoformat` appends to the local time: "-06:00" (or "+05:50:36" before 1900).
    return datetime.fromtimestamp(second, zone).isoformat(timespec="seconds")[19:]


def _first_second_of(old_offset: str, before: int, after: int, zone: zoneinfo.ZoneInfo) -> int:
    """The first second in (before, after] whose offset is no longer `old_offset`."""
    while after - before > 1:
        middle = (before + after) // 2
        if _offset_at(middle, zone) == old_offset:
            before = middle
        else:
            after = middle
    return after


class LocalIsoTime(Func):
    """A timestamp as ISO 8601 in the time zone named by the second expression.

    On SQLite `offsets` must name every zone the rows can have, with periods covering every
    timestamp: it becomes, per zone, a binary search over the periods' starts (a few
    comparisons of stored text) ending in `strftime` with that period's offset.
    """

    output_field = CharField()
    arity = 2

    def __init__(
        self, moment: Any, zone: Any, offsets: ZoneOffsets | None = None, **extra: Any
    ) -> None:
        self.offsets = offsets
        super().__init__(moment, zone, **extra)

    def in_zones(self, offsets: ZoneOffsets) -> "LocalIsoTime":
        moment, zone = self.source_expressions
        return LocalIsoTime(moment, zone, offsets=offsets)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> Compiled:
        if self.offsets is None:
            raise ValueError("SQLite needs the zones' UTC offsets: use in_zones(offsets).")
        if not self.offsets:
            return "NULL", []  # no site, so no row either
        moment, zone = (compiler.compile(expression) for expression in self.source_expressions)
        sql, params = f"CASE {zone[0]}", [*zone[1]]
        for zone_name, periods in self.offsets.items():
            local_sql, local_params = _local_time_sqlite(moment, periods)
            sql += f" WHEN %s THEN {local_sql}"
            params += [zone_name, *local_params]
        return f"{sql} END", params

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> Compiled:
        moment, zone = self.source_expressions
        moment_sql, moment_params = compiler.compile(moment)
        zone_sql, zone_params = compiler.compile(zone)
        local = f"({moment_sql} AT TIME ZONE {zone_sql})"
        utc = f"({moment_sql} AT TIME ZONE 'UTC')"
        sql = (
            f"to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN {local} < {utc} "
            f"THEN '-' || to_char({utc} - {local}, 'HH24:MI') "
            f"ELSE '+' || to_char({local} - {utc}, 'HH24:MI') END"
        )
        # Each placeholder appears in the order the parameters are listed.
        params = (
            [*moment_params, *zone_params] * 2  # to_char(local), local < ...
            + [*moment_params]  # ... < utc
            + [*moment_params, *moment_params, *zone_params]  # utc - local
            + [*moment_params, *zone_params, *moment_params]  # local - utc
        )
        return sql, params


def _local_time_sqlite(
    moment: tuple[str, Sequence[Any]], periods: tuple[OffsetPeriod, ...]
) -> tuple[str, list[Any]]:
    """Halve the periods on the start of the middle one until one is left, then shift the
    time by its offset. The stored text ("2026-03-08 08:00:00.123456") sorts as the time it
    is; its first 19 characters drop the fraction as `isoformat(timespec="seconds")` does
    (SQLite would round it to milliseconds). NULL falls through to NULL."""
    moment_sql, moment_params = moment
    if len(periods) == 1:
        offset = periods[0].offset
        sql = f"strftime('%%Y-%%m-%%dT%%H:%%M:%%S', substr({moment_sql}, 1, 19), %s) || %s"
        return sql, [*moment_params, offset, offset]
    middle = len(periods) // 2
    earlier_sql, earlier_params = _local_time_sqlite(moment, periods[:middle])
    later_sql, later_params = _local_time_sqlite(moment, periods[middle:])
    sql = f"CASE WHEN {moment_sql} < %s THEN {earlier_sql} ELSE {later_sql} END"
    return sql, [*moment_params, periods[middle].starts_at, *earlier_params, *later_params]


class CsvLine(Func):
    """One whole CSV line ending in "\\n", on SQLite, from its cells (`CsvQuoted` where a
    cell may need quotes), as PostgreSQL's COPY writes CSV: NULL as an empty field, the rest
    as it is. `printf('%s')` writes NULL as ''."""

    output_field = CharField()

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> Compiled:
        # '%%%%s' survives the template's own formatting as '%%s', which the driver reads as
        # '%s' (a lone '%s' would be taken for a parameter).
        template = ",".join(["%%%%s"] * len(self.source_expressions))
        return self.as_sql(
            compiler, connection, template=f"printf('{template}' || char(10), %(expressions)s)"
        )


class CsvQuoted(Func):
    """Text as a CSV field, on SQLite, quoted as COPY quotes it: in double quotes, its own
    doubled, when it holds a double quote, a comma, a line feed or a carriage return.
    (COPY also quotes empty text; the cells given here are `Guarded`, which has none.)"""

    output_field = CharField()
    arity = 1

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> Compiled:
        text, params = compiler.compile(self.source_expressions[0])
        sql = (
            f"CASE WHEN {text} GLOB '*[\",' || char(10, 13) || ']*' "
            f"THEN '\"' || replace({text}, '\"', '\"\"') || '\"' ELSE {text} END"
        )
        return sql, [*params, *params, *params]
