"""SQL expressions that shape the line listing in the database, the same on PostgreSQL and
SQLite, so the CSV writer (PostgreSQL's own `COPY`, or a cursor and `csv.writer`) only has to
write what it is given.

- `Guarded`: the spreadsheet formula guard of `exports.formula_guard`, in SQL: text starting
  with = + - @, a tab or a carriage return gets a leading single quote. Empty text becomes
  NULL, so both writers print an empty field.
- `DecimalText`: a decimal with a fixed number of places ("0.500"), a number in any reader.
- `BooleanText`: "true" / "false".
- `LocalIsoTime`: ISO 8601 in the site's time zone with its offset
  ("2026-03-02T09:15:00-06:00"). PostgreSQL computes it; SQLite has no time zone database, so
  it returns the stored UTC text and `exports.csv_listing` converts it while writing.
"""

from django.db.models import Case, CharField, Func, Value, When
from django.db.models.expressions import Expression

# The characters a spreadsheet reads as the start of a formula (see exports.formula_guard).
_FORMULA_STARTS_SQLITE = "('=', '+', '-', '@', char(9), char(13))"
_FORMULA_STARTS_POSTGRESQL = "('=', '+', '-', '@', chr(9), chr(13))"


class Guarded(Func):
    """Text made safe to open in a spreadsheet; '' becomes NULL."""

    output_field = CharField()
    arity = 1

    def _guard(self, compiler, starts: str):
        text, params = compiler.compile(self.source_expressions[0])
        sql = (
            f"CASE WHEN substr({text}, 1, 1) IN {starts} "
            f"THEN '''' || {text} ELSE NULLIF({text}, '') END"
        )
        return sql, [*params, *params, *params]

    def as_sqlite(self, compiler, connection, **extra):
        return self._guard(compiler, _FORMULA_STARTS_SQLITE)

    def as_postgresql(self, compiler, connection, **extra):
        return self._guard(compiler, _FORMULA_STARTS_POSTGRESQL)


class DecimalText(Func):
    """A decimal as text with exactly `places` decimals."""

    output_field = CharField()

    def __init__(self, expression, places: int):
        self.places = int(places)
        super().__init__(expression)

    def as_sqlite(self, compiler, connection, **extra):
        # '%%%%' survives the template's own formatting as '%%', which the driver reads as
        # one '%' (a lone '%' would break Django's SQL logging when DEBUG is on).
        template = f"printf('%%%%.{self.places}f', %(expressions)s)"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        template = f"CAST(round(%(expressions)s, {self.places}) AS text)"
        return self.as_sql(compiler, connection, template=template, **extra)


def BooleanText(field_name: str) -> Expression:  # noqa: N802 - reads like the other expressions
    """'true' or 'false' for a boolean column."""
    return Case(
        When(**{field_name: True}, then=Value("true")),
        default=Value("false"),
        output_field=CharField(),
    )


class LocalIsoTime(Func):
    """A timestamp as ISO 8601 in the time zone named by the second expression."""

    output_field = CharField()
    arity = 2

    def as_sqlite(self, compiler, connection, **extra):
        # Stored UTC text; converted while writing (SQLite has no time zone database).
        sql, params = compiler.compile(self.source_expressions[0])
        return sql, params

    def as_postgresql(self, compiler, connection, **extra):
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
