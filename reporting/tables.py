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
    """One breakdown table: `id` names it and its `SafetySummary` table (`by_<id>`), `label`
    is a format string over the row's columns (or a function of the row), `drill` narrows the
    report's filters to the row, `extra` the (header, column) pairs printed after the standard
    figures."""

    id: str
    title: str
    label: str | Callable[[Record], str]
    drill: Drill
    note: str = ""
    extra: tuple[tuple[str, str], ...] = ()
    # The column whose value the sessions link asks as the worst grade (the grade table).
    worst_grade_column: str = ""

    @property
    def source(self) -> str:
        return f"by_{self.id}"


TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "term",
        "By term",
        "{term}",
        narrow("term_ids", "term_id", int),
        note="Sessions with the term counted once, at the worst grade (G1-G5 columns).",
        extra=tuple((f"G{grade}", f"worst_grade_{grade}") for grade in range(1, 6)),
    ),
    TableSpec("category", "By category", "{category_label}", narrow("categories", "category")),
    TableSpec(
        "grade",
        "By grade",
        "Grade {grade}",
        narrow("grades", "grade", int),
        note="Sessions with event: sessions whose worst event has this grade.",
        worst_grade_column="grade",
    ),
    TableSpec("month", "By month", "{month}", in_month),
    TableSpec("site", "By site", "{site_code} - {site_name}", narrow("site_ids", "site_id", int)),
    TableSpec("route", "By route", "{route_label}", narrow("routes", "route")),
    TableSpec("drug", "By drug", "{drug_label}", narrow("drugs", "drug")),
    TableSpec(
        "dose_band", "By dose band (mg/kg)", "{dose_band}", narrow("dose_bands", "dose_band")
    ),
    TableSpec(
        "session_number",
        "By session number",
        "{session_number_label}",
        narrow("session_numbers", "session_number", int),
    ),
    TableSpec(
        "onset",
        "By time to onset (minutes from start)",
        lambda row: str(row["onset_band"]).replace("_", " "),
        narrow("onset_bands", "onset_band"),
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
    frame = getattr(summary, spec.source)
    label = spec.label
    rows = table_rows(
        frame,
        label if callable(label) else label.format_map,
        lambda row: spec.drill(filters, row),
        lambda row: tuple(int(row[column]) for _, column in spec.extra),
    )
    records = frame.to_dict("records")
    return DashboardTable(
        id=spec.id,
        title=spec.title,
        note=spec.note,
        extra_headers=tuple(header for header, _ in spec.extra),
        rows=[
            DashboardRow(**asdict(row), sessions_query=_sessions_query(spec, row, record, filters))
            for row, record in zip(rows, records, strict=True)
        ],
    )


def _sessions_query(spec: TableSpec, row: TableRow, record: Record, filters: ReportFilters) -> str:
    """The sessions behind the row's "sessions with event". A grade row counts the sessions
    whose worst event has that grade, so it asks for that worst grade (with the report's other
    filters) rather than for any event of the grade."""
    if spec.worst_grade_column:
        worst = f"worst_grade={record[spec.worst_grade_column]}"
        drill = join_query(filters.replace(grades=()).as_query(), worst)
    else:
        drill = row.query
    return join_query(drill, "with_event=true")
