"""A session's cell of the summary's dimensions, packed into one integer.

The summary groups events by the cell of their session: (month, site, route, drug, dose band,
session number 1-7). Grouping a million rows on six columns, four of them text, costs more
than reading them; grouping on one integer costs a third of it. The counted-events table
stores each row's cell (`CountedEvent.cell`), the events' statement groups on it, and
`decode_cells` turns the few grouped rows back into the six columns.

Bits, from the lowest: session number (3), dose band (3), drug (3), route (3), month as
`year * 12 + month - 1` (20), site id (the rest). The codes below are stored: a value keeps its
code, and a new choice gets a new one (`tests/reporting/test_cells.py` checks every choice has
one). Code 0 is a value with no code, which a counted session never has.
"""

from __future__ import annotations

from django.db.models import BigIntegerField, Case, ExpressionWrapper, F, IntegerField, Value, When
from django.db.models.expressions import Combinable, CombinedExpression
from django.db.models.functions import Cast, Least, Substr

from events.choices import Drug, Route
from events.rules import DOSE_BANDS

ROUTE_CODES: dict[str, int] = {Route.IV: 1, Route.IM: 2, Route.INTRANASAL: 3, Route.ORAL: 4}
DRUG_CODES: dict[str, int] = {Drug.KETAMINE: 1, Drug.ESKETAMINE: 2}
DOSE_BAND_CODES = {band: index for index, band in enumerate(DOSE_BANDS, start=1)}

_NUMBER_BITS = _BAND_SHIFT = 3
_DRUG_SHIFT = 6
_ROUTE_SHIFT = 9
MONTH_SHIFT = 12
MONTH_BITS = 20
MONTH_MASK = (1 << MONTH_BITS) - 1
_SITE_SHIFT = 32


def _code(path: str, codes: dict[str, int]) -> Case:
    whens = [When(**{path: value}, then=Value(code)) for value, code in codes.items()]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def month_index(path: str) -> Combinable:
    """`year * 12 + month - 1` of a stored "YYYY-MM" month."""
    year = Cast(Substr(path, 1, 4), IntegerField())
    month = Cast(Substr(path, 6, 2), IntegerField())
    return year * Value(12) + month - Value(1)


def cell_expression(prefix: str = "") -> Combinable:
    """The cell of a session, over its fields (`prefix` "session__" from an event)."""
    number = Least(F(f"{prefix}sequence_number"), Value(7))
    parts = [
        (F(f"{prefix}site_id"), _SITE_SHIFT),
        (month_index(f"{prefix}month"), MONTH_SHIFT),
        (_code(f"{prefix}route", ROUTE_CODES), _ROUTE_SHIFT),
        (_code(f"{prefix}drug", DRUG_CODES), _DRUG_SHIFT),
        (_code(f"{prefix}dose_band", DOSE_BAND_CODES), _BAND_SHIFT),
    ]
    cell: Combinable = number
    for value, shift in parts:
        cell = CombinedExpression(cell, Combinable.BITOR, value.bitleftshift(shift))
    return ExpressionWrapper(cell, output_field=BigIntegerField())


def month_of_index(index: int) -> str:
    year, month = divmod(int(index), 12)
    return f"{year:04d}-{month + 1:02d}"


def decode_cell(cell: int) -> tuple[str, int, str, str, str, int]:
    """(month, site id, route, drug, dose band, session number) of a cell."""
    cell = int(cell)
    return (
        month_of_index((cell >> MONTH_SHIFT) & MONTH_MASK),
        cell >> _SITE_SHIFT,
        _ROUTES[(cell >> _ROUTE_SHIFT) & 7],
        _DRUGS[(cell >> _DRUG_SHIFT) & 7],
        _BANDS[(cell >> _BAND_SHIFT) & 7],
        cell & ((1 << _NUMBER_BITS) - 1),
    )


def _by_code(codes: dict[str, int]) -> dict[int, str]:
    return {code: str(value) for value, code in codes.items()}


_ROUTES = _by_code(ROUTE_CODES)
_DRUGS = _by_code(DRUG_CODES)
_BANDS = _by_code(DOSE_BAND_CODES)
