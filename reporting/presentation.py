"""Figures as people read them: rates and intervals as short text, tables with printed
figures for the CSV, and each table row with the filters of the events behind it (every
number on the dashboard is a link).

Every percentage, rate and bound prints with two decimals (0.15%, 1.44%); a lower bound is
rounded down and an upper bound up, so the printed claim is never stronger than the data.
The JSON keeps full precision."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from reporting.filters import ReportFilters
from reporting.statistics import Interval

# A table row as pandas gives it (`DataFrame.to_dict("records")`): numbers, text, NaN.
Record = dict[str, Any]
PLACES = 2  # decimals of every printed percentage, rate and bound


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def rounded(value: float, rounding: str = ROUND_HALF_UP, *, scale: int = 0) -> Decimal:
    """`value` x 10^scale to two decimals. Bounds pass `ROUND_FLOOR` (lower) or
    `ROUND_CEILING` (upper): a printed interval must never look narrower than the exact one.
    The float goes through its shortest repr, so 0.0144 is exactly 0.0144 (not
    0.01440000000000000002, which would round up to 1.45%)."""
    exact = Decimal(repr(float(value))).scaleb(scale)
    return exact.quantize(Decimal(1).scaleb(-PLACES), rounding=rounding)


def percent(value: float, rounding: str = ROUND_HALF_UP) -> Decimal:
    """A proportion (0-1) as a percentage with two decimals, rounded as `rounded` says."""
    return rounded(value, rounding, scale=2)


def format_rate(estimate: Any, lower: Any, upper: Any, upper_only: bool = False) -> str:
    """Events per 100 sessions: '12.34 (9.10-16.21)', or '0 (< 2.00)' when none were seen.
    Lower bounds are rounded down and upper bounds up."""
    if _missing(estimate):
        return "-"
    if upper_only or estimate == 0:
        return f"0 (< {rounded(upper, ROUND_CEILING)})"
    return f"{rounded(estimate)} ({rounded(lower, ROUND_FLOOR)}-{rounded(upper, ROUND_CEILING)})"


def format_proportion(estimate: Any, lower: Any, upper: Any, upper_only: bool = False) -> str:
    """A proportion as percent: '8.20% (6.00%-10.91%)', or '0% (< 2.92%)' when none were
    seen (the one-sided 95% upper bound). Lower bounds are rounded down and upper bounds up."""
    if _missing(estimate):
        return "-"
    if upper_only:
        return f"0% (< {percent(upper, ROUND_CEILING)}%)"
    return f"{percent(estimate)}% ({percent(lower, ROUND_FLOOR)}%-{percent(upper, ROUND_CEILING)}%)"


def format_interval(interval: Interval, *, as_rate: bool) -> str:
    formatter = format_rate if as_rate else format_proportion
    return formatter(
        interval.estimate, interval.lower, interval.upper, interval.is_upper_bound_only
    )


def table_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """A table as JSON-able records (NaN becomes null, numpy numbers plain numbers)."""
    return json.loads(table.to_json(orient="records", double_precision=10))


def join_query(query: str, extra: str) -> str:
    """`query` with the parameters `extra` added (either may be empty)."""
    return f"{query}&{extra}" if query else extra


@dataclass(frozen=True)
class TableRow:
    """One row of a dashboard table: its label, its figures as text, and its drill-down."""

    label: str
    query: str
    sessions: int | None
    events: int
    events_per_100: str
    sessions_with_event: int
    proportion: str
    serious_events: int
    extra: tuple[int, ...] = ()


def table_rows(
    table: pd.DataFrame,
    label: Callable[[Record], str],
    drill: Callable[[Record], ReportFilters],
    extra: Callable[[Record], tuple[int, ...]] = lambda row: (),
) -> list[TableRow]:
    rows = []
    for record in table.to_dict("records"):
        rows.append(
            TableRow(
                label=label(record),
                query=drill(record).as_query(),
                sessions=int(record["sessions"]) if "sessions" in record else None,
                events=int(record["events"]),
                events_per_100=format_rate(
                    record["events_per_100"],
                    record["events_per_100_lower"],
                    record["events_per_100_upper"],
                    record["events"] == 0,
                ),
                sessions_with_event=int(record["sessions_with_event"]),
                proportion=format_proportion(
                    record["proportion"],
                    record["proportion_lower"],
                    record["proportion_upper"],
                    bool(record["is_upper_bound_only"]),
                ),
                serious_events=int(record["serious_events"]),
                extra=extra(record),  # nosec B610
            )
        )
    return rows


# Table columns as printed: rate columns keep their names, proportions become percentages.
PRINTED_COLUMNS = {
    "events_per_100": ("events_per_100", ROUND_HALF_UP, 1),
    "events_per_100_lower": ("events_per_100_lower", ROUND_FLOOR, 1),
    "events_per_100_upper": ("events_per_100_upper", ROUND_CEILING, 1),
    "proportion": ("percent", ROUND_HALF_UP, 100),
    "proportion_lower": ("percent_lower", ROUND_FLOOR, 100),
    "proportion_upper": ("percent_upper", ROUND_CEILING, 100),
}


def printed_table(table: pd.DataFrame) -> pd.DataFrame:
    """A summary table with its rates and percentages as printed (two decimals, bounds
    rounded outward), for the CSV tables: what a reader sees in the PDF, cell for cell."""
    table = table.copy()
    for column, (name, rounding, scale) in PRINTED_COLUMNS.items():
        if column not in table.columns:
            continue
        table[column] = [
            None if _missing(value) else float(_scaled(value, scale, rounding))
            for value in table[column]
        ]
        table = table.rename(columns={column: name})
    return table


def _scaled(value: float, scale: int, rounding: str) -> Decimal:
    return rounded(value, rounding, scale=2 if scale == 100 else 0)
