"""Figures as people read them: rates and intervals as short text, and each table row with
the filters of the events behind it (every number on the dashboard is a link)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from reporting.filters import ReportFilters
from reporting.statistics import Interval


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_rate(estimate, lower, upper, upper_only: bool = False) -> str:
    """Events per 100 sessions: '12.3 (9.1-16.2)', or '0 (< 3.0)' when none were seen."""
    if _missing(estimate):
        return "-"
    if upper_only or estimate == 0:
        return f"0 (< {upper:.1f})"
    return f"{estimate:.1f} ({lower:.1f}-{upper:.1f})"


def format_proportion(estimate, lower, upper, upper_only: bool = False) -> str:
    """A proportion as percent: '8.2% (6.0-10.9%)', or '0% (< 2.9%)' when none were seen."""
    if _missing(estimate):
        return "-"
    if upper_only:
        return f"0% (< {upper:.1%})"
    return f"{estimate:.1%} ({lower:.1%}-{upper:.1%})"


def format_interval(interval: Interval, *, as_rate: bool) -> str:
    formatter = format_rate if as_rate else format_proportion
    return formatter(
        interval.estimate, interval.lower, interval.upper, interval.is_upper_bound_only
    )


def table_records(table: pd.DataFrame) -> list[dict]:
    """A table as JSON-able records (NaN becomes null, numpy numbers plain numbers)."""
    return json.loads(table.to_json(orient="records", double_precision=10))


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
    extra: tuple = ()


def table_rows(
    table: pd.DataFrame,
    label: Callable[[dict], str],
    drill: Callable[[dict], ReportFilters],
    extra: Callable[[dict], tuple] = lambda row: (),
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
