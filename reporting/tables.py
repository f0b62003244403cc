"""The dashboard's breakdown tables as data: one `TableSpec` per table says which table of the
summary it shows, how a row is labelled, how a row narrows the report's filters (the
drill-down behind every count) and which extra columns it prints. `dashboard_tables` reads
the specs; adding a breakdown is adding a spec.

Every row links to the events it counts and the sessions it counts; a grade row counts the
sessions whose worst event has that grade, so its sessions link asks for that worst grade.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TypedDict

from reporting.filters import ReportFilters, month_filters
from reporting.presentation import Record, TableRow, join_query, table_rows
from reporting.summary import SafetySummary

Drill = Callable[[ReportFilters, Record], ReportFilters]


def narrow(field: str, column: str, cast: Callable[[Any], object] = str) -> Drill:
    """A drill-down to the row's value: filter `field` set to the row's `column`."""
    return lambda filters, row: filters.replace(**{field: (cast(row[column]),)})


def in_month(filters: ReportFilters, row: Record) -> ReportFilters:
    """A drill-down to the row's month, inside the report's own period."""
    return month_filters(filters, row["month"])


@dataclass(frozen=True)
class TableSpec:
    """One breakdown table: `source` names the `SafetySummary` table, `label` is a format
    string over the row's columns (or a function of the row), `extra` the (header, column)
    pairs printed after the standard figures."""

    id: str
    title: str
    source: str
    label: str | Callable[[Record], str]
    drill: Drill
    note: str = ""
    extra: tuple[tuple[str, str], ...] = ()
    # The column whose value the sessions link asks as the worst grade (the grade table).
    worst_grade_column: str = ""


TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        id="term",
        title="By term",
        source="by_term",
        label="{term}",
        drill=narrow("term_ids", "term_id", int),
        note="Sessions with the term counted once, at the worst grade (G1-G5 columns).",
        extra=tuple((f"G{grade}", f"worst_grade_{grade}") for grade in range(1, 6)),
    ),
    TableSpec(
        id="category",
        title="By category",
        source="by_category",
        label="{category_label}",
        drill=narrow("categories", "category"),
    ),
    TableSpec(
        id="grade",
        title="By grade",
        source="by_grade",
        label="Grade {grade}",
        drill=narrow("grades", "grade", int),
        note="Sessions with event: sessions whose worst event has this grade.",
        worst_grade_column="grade",
    ),
    TableSpec(id="month", title="By month", source="by_month", label="{month}", drill=in_month),
    TableSpec(
        id="site",
        title="By site",
        source="by_site",
        label="{site_code} - {site_name}",
        drill=narrow("site_ids", "site_id", int),
    ),
    TableSpec(
        id="route",
        title="By route",
        source="by_route",
        label="{route_label}",
        drill=narrow("routes", "route"),
    ),
    TableSpec(
        id="drug",
        title="By drug",
        source="by_drug",
        label="{drug_label}",
        drill=narrow("drugs", "drug"),
    ),
    TableSpec(
        id="dose_band",
        title="By dose band (mg/kg)",
        source="by_dose_band",
        label="{dose_band}",
        drill=narrow("dose_bands", "dose_band"),
    ),
    TableSpec(
        id="session_number",
        title="By session number",
        source="by_session_number",
        label="{session_number_label}",
        drill=narrow("session_numbers", "session_number", int),
    ),
    TableSpec(
        id="onset",
        title="By time to onset (minutes from start)",
        source="by_onset",
        label=lambda row: str(row["onset_band"]).replace("_", " "),
        drill=narrow("onset_bands", "onset_band"),
    ),
)


@dataclass(frozen=True)
class DashboardRow(TableRow):
    """A table row with the query of the sessions behind its "sessions with event" count."""

    sessions_query: str = ""


class DashboardTable(TypedDict):
    """A table as the template reads it (a dict, as the page's context always gave it)."""

    id: str
    title: str
    note: str
    extra_headers: tuple[str, ...]
    rows: list[DashboardRow]


def dashboard_tables(
    summary: SafetySummary, filters: ReportFilters, specs: tuple[TableSpec, ...] = TABLES
) -> list[DashboardTable]:
    """The tables of `summary` as `specs` describe them, each row with its drill-downs."""
    return [_table(spec, summary, filters) for spec in specs]


def _table(spec: TableSpec, summary: SafetySummary, filters: ReportFilters) -> DashboardTable:
    label = spec.label
    rows = table_rows(
        getattr(summary, spec.source),
        label if callable(label) else label.format_map,
        lambda row: spec.drill(filters, row),
        lambda row: tuple(int(row[column]) for _, column in spec.extra),
    )
    sessions_filters = filters.replace(grades=()) if spec.worst_grade_column else filters
    records = getattr(summary, spec.source).to_dict("records")
    return DashboardTable(
        id=spec.id,
        title=spec.title,
        note=spec.note,
        extra_headers=tuple(header for header, _ in spec.extra),
        rows=[
            DashboardRow(
                **asdict(row), sessions_query=_sessions_query(spec, row, record, sessions_filters)
            )
            for row, record in zip(rows, records, strict=True)
        ],
    )


def _sessions_query(spec: TableSpec, row: TableRow, record: Record, filters: ReportFilters) -> str:
    if spec.worst_grade_column:
        drill = join_query(filters.as_query(), f"worst_grade={record[spec.worst_grade_column]}")
    else:
        drill = row.query
    return join_query(drill, "with_event=true")
