"""The safety summary as a PDF for the quality committee, and its tables as CSV.

Both read the one `SafetySummary` the dashboard shows (`reporting.selectors.safety_summary`).
The PDF holds aggregates only, plus the serious events with their narratives, capped at
`SERIOUS_LISTING_LIMIT` with a note pointing to the CSV listing: its size, and so its layout
time, does not grow with the number of events.
"""

import io
import math
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP

import pandas as pd
from django.utils.safestring import mark_safe

from events.choices import Drug, Route, TermCategory
from events.models import AdverseEvent
from exports.formula_guard import guard_frame
from exports.pdf import render_pdf
from reporting.benefit_risk import benefit_risk
from reporting.charts import summary_charts
from reporting.filters import ReportFilters
from reporting.presentation import (
    TableRow,
    format_interval,
    printed_table,
    rounded,
    table_records,
    table_rows,
)
from reporting.selectors import event_listing, report_sites
from reporting.summary import SafetySummary

SERIOUS_LISTING_LIMIT = 50

TABLE_TITLES = {
    "by_term": "By term",
    "by_category": "By category",
    "by_grade": "By grade",
    "by_month": "By month",
    "by_site": "By site",
    "by_route": "By route",
    "by_drug": "By drug",
    "by_dose_band": "By dose band (mg/kg)",
    "by_session_number": "By session number",
    "by_onset": "By time to onset (minutes from start)",
}
TABLE_NOTES = {
    "by_term": "Sessions with the term counted once, at the worst grade.",
    "by_grade": "Sessions with event: sessions whose worst event has this grade.",
}
# Tables whose rows have their own denominator (their group's sessions).
GROUP_DENOMINATOR_TABLES = (
    "by_month",
    "by_site",
    "by_route",
    "by_drug",
    "by_dose_band",
    "by_session_number",
)


def _label(name: str, row: dict) -> str:
    if name == "by_term":
        return row["term"]
    if name == "by_category":
        return dict(TermCategory.choices).get(row["category"], row["category"])
    if name == "by_grade":
        return f"Grade {row['grade']}"
    if name == "by_site":
        return f"{row['site_code']} - {row['site_name']}"
    if name == "by_route":
        return dict(Route.choices).get(row["route"], row["route"])
    if name == "by_drug":
        return dict(Drug.choices).get(row["drug"], row["drug"])
    if name == "by_session_number":
        return row["session_number_label"]
    if name == "by_onset":
        return row["onset_band"].replace("_", " ")
    return str(row[{"by_month": "month", "by_dose_band": "dose_band"}[name]])


def pdf_table(name: str, table: pd.DataFrame, filters: ReportFilters) -> list[TableRow]:
    """The dashboard's rows for one table (the PDF shows the same figures, without links)."""
    return table_rows(table, label=lambda row: _label(name, row), drill=lambda row: filters)


def key_figures(summary: SafetySummary) -> pd.DataFrame:
    """The headline figures as one table (also offered as CSV), as printed: rates per 100
    sessions and percentages with two decimals, bounds rounded outward."""
    rows = [
        ("sessions", summary.sessions, None, ""),
        ("patients", summary.patients, None, ""),
        ("events", summary.events, summary.events_per_100, "per 100 sessions"),
        (
            "sessions_with_event",
            summary.sessions_with_event,
            summary.sessions_with_event_rate,
            "percent",
        ),
        (
            "patients_with_event",
            summary.patients_with_event,
            summary.patients_with_event_rate,
            "percent",
        ),
        ("serious_events", summary.serious_events, None, ""),
    ]
    records = []
    for figure, count, interval, unit in rows:
        scale = 2 if unit == "percent" else 0
        records.append(
            {
                "figure": figure,
                "count": count,
                "unit": unit,
                **{
                    name: _printed(getattr(interval, name, None), rounding, scale)
                    for name, rounding in (
                        ("estimate", ROUND_HALF_UP),
                        ("lower", ROUND_FLOOR),
                        ("upper", ROUND_CEILING),
                    )
                },
                "is_upper_bound_only": interval.is_upper_bound_only if interval else False,
                "method": interval.method if interval else "",
            }
        )
    return pd.DataFrame.from_records(records)


def _printed(value, rounding: str, scale: int) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(rounded(value, rounding, scale=scale))


AGGREGATE_TABLES = ("key_figures", *SafetySummary.TABLES)


def aggregate_table(summary: SafetySummary, name: str) -> pd.DataFrame:
    """One table as the CSV gives it: printed figures, and the review status it counts."""
    table = key_figures(summary) if name == "key_figures" else printed_table(summary.tables[name])
    table["review_status"] = summary.filters.review
    return table


def aggregate_csv(summary: SafetySummary, name: str) -> bytes:
    """One table of the summary as UTF-8 CSV: the table's own stable columns, text guarded
    against spreadsheet formulas, numbers as numbers, empty cells for no value."""
    out = io.StringIO()
    guard_frame(aggregate_table(summary, name)).to_csv(out, index=False, lineterminator="\n")
    return out.getvalue().encode()


def serious_events(user, filters: ReportFilters) -> tuple[list, bool]:
    """The first serious events of the report (oldest onset first) and whether there are more."""
    if filters.serious is False:
        return [], False
    # Serious events are few: find them through the (status, is_serious) index and look up
    # their sessions, instead of reading every event of the period's sessions. The statuses
    # are those of the review status filter (never voided), and `is_serious` is compared
    # with IN, so that SQLite can use both as index equalities.
    serious = AdverseEvent.objects.filter(
        status__in=list(filters.event_statuses), is_serious__in=[True]
    )
    events = list(
        event_listing(user, filters.replace(serious=True))
        .filter(pk__in=serious.values("pk"))
        .select_related("session__patient", "term", "site", "reported_by")
        .order_by("onset_at", "id")[: SERIOUS_LISTING_LIMIT + 1]
    )
    return events[:SERIOUS_LISTING_LIMIT], len(events) > SERIOUS_LISTING_LIMIT


def filter_labels(filters: ReportFilters) -> list[tuple[str, str]]:
    labels = []
    for name, value in filters.as_dict().items():
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        labels.append((name.replace("_", " "), text))
    return labels


def safety_summary_pdf(
    user,
    filters: ReportFilters,
    summary: SafetySummary,
    *,
    generated_at: datetime,
    link_base: str = "",
) -> bytes:
    """The PDF safety summary of `summary` (computed for `user` with `filters`).

    `link_base` ("https://ledger.example.org") makes the data-quality links absolute, so
    they open from a PDF reader."""
    events, truncated = serious_events(user, filters)
    protocols = benefit_risk(user, filters)
    # Chart text is escaped where each SVG is built (reporting.charts).
    charts = {
        name: mark_safe(svg)  # noqa: S308  # nosec B308 B703
        for name, svg in summary_charts(summary).items()
    }
    context = {
        "summary": summary,
        "sites": report_sites(user, filters),
        "filters": filter_labels(filters),
        "generated_by": user.get_full_name() or user.get_username(),
        "generated_at": generated_at,
        "events_per_100": format_interval(summary.events_per_100, as_rate=True),
        "sessions_with_event_rate": format_interval(
            summary.sessions_with_event_rate, as_rate=False
        ),
        "patients_with_event_rate": format_interval(
            summary.patients_with_event_rate, as_rate=False
        ),
        "tables": [
            {
                "title": TABLE_TITLES[name],
                "note": TABLE_NOTES.get(name, ""),
                "has_sessions": name in GROUP_DENOMINATOR_TABLES,
                "rows": pdf_table(name, table, filters),
            }
            for name, table in summary.tables.items()
        ],
        "charts": charts,
        "serious_events": events,
        "serious_truncated": truncated,
        "serious_limit": SERIOUS_LISTING_LIMIT,
        "methodology": summary.methodology.split("\n"),
        "link_base": link_base,
        "benefit_risk": table_records(protocols.table),
        "benefit_risk_rules": protocols.rules,
    }
    return render_pdf("exports/safety_summary.html", context)
