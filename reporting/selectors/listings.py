"""The rows behind a dashboard number: the line listing of counted events (drill-down,
CSV, PDF) and the counted sessions, scoped to the user's sites and read from
`reporting_database()`."""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import Exists, F, OuterRef, QuerySet

from audit.services import Actor
from events.models import AdverseEvent, InfusionSession
from reporting import queries
from reporting.filters import ReportFilters
from reporting.scope import report_sites, reporting_database

# --- Line listing (drill-down and CSV) ---------------------------------------------------

# Output column -> ORM path, in the order of the CSV line listing.
LISTING_COLUMNS: dict[str, str] = {
    "event_id": "id",
    "site_code": "site__code",
    "site_timezone": "site__timezone",
    "patient_chart_number": "session__patient__chart_number",
    "patient_indication": "session__patient__indication",
    "session_id": "session_id",
    "session_number": "session__sequence_number",
    "session_month": "session__month",
    "session_started_at": "session__started_at",
    "drug": "session__drug",
    "route": "session__route",
    "dose_mg_per_kg": "session__dose_mg_per_kg",
    "dose_band": "session__dose_band",
    "total_dose_mg": "session__total_dose_mg",
    "onset_at": "onset_at",
    "onset_minutes": "onset_minutes",
    "resolved_at": "resolved_at",
    "term_code": "term__code",
    "term_name": "term__name",
    "other_term_text": "other_term_text",
    "category": "term__category",
    "grade": "grade",
    "is_serious": "is_serious",
    "is_expected": "is_expected",
    "outcome": "outcome",
    "action_taken": "action_taken",
    "causality": "causality",
    "status": "status",
    "reported_by_username": "reported_by__username",
}


def event_listing(user: Actor, filters: ReportFilters) -> QuerySet[AdverseEvent]:
    """The counted events behind a summary with these filters, oldest onset first."""
    using = reporting_database()
    zones = {site["id"]: site["timezone"] for site in report_sites(user, filters, using)}
    return (
        queries.counted_events(filters, user, zones, using)
        .select_related("term", "site", "session__patient", "reported_by")
        .order_by("onset_at", "id")
    )


def event_listing_values(user: Actor, filters: ReportFilters) -> QuerySet[Any]:
    """The listing as rows of `LISTING_COLUMNS` (no model instances), in listing order."""
    plain = [name for name, path in LISTING_COLUMNS.items() if name == path]
    renamed = {name: F(path) for name, path in LISTING_COLUMNS.items() if name != path}
    return event_listing(user, filters).select_related(None).values(*plain, **renamed)


def event_listing_sql(user: Actor, filters: ReportFilters) -> tuple[str, tuple[Any, ...]]:
    """One SELECT for the listing, with its parameters, compiled for the reporting database,
    so an export can stream it (server-side cursor or the database's own CSV writer)."""
    using = reporting_database()
    rows = event_listing_values(user, filters).order_by()
    compiler = rows.query.get_compiler(using=using)
    inner, params = compiler.as_sql()
    quote = connections[using].ops.quote_name
    columns = ", ".join(quote(name) for name in LISTING_COLUMNS)
    # Re-select in LISTING_COLUMNS order (values() puts plain fields before renamed ones).
    order = f"{quote('onset_at')}, {quote('event_id')}"
    sql = f"SELECT {columns} FROM ({inner}) listing ORDER BY {order}"  # noqa: S608  # nosec B608
    return sql, tuple(params)


def session_listing(
    user: Actor, filters: ReportFilters, *, with_event: bool, worst_grade: int | None = None
) -> QuerySet[InfusionSession]:
    """The counted sessions behind a dashboard number, oldest first: all of them, or those
    with at least one counted event matching the event filters ("sessions with an event"),
    or, with `worst_grade`, those whose worst such event has that grade (the grade table)."""
    using = reporting_database()
    zones = {site["id"]: site["timezone"] for site in report_sites(user, filters, using)}
    sessions = queries.counted_sessions(filters, user, zones, using)
    if with_event or worst_grade:
        events = AdverseEvent.objects.using(using).filter(
            queries.event_conditions(filters), session_id=OuterRef("pk")
        )
        if worst_grade:
            sessions = sessions.filter(Exists(events.filter(grade=worst_grade))).exclude(
                Exists(events.filter(grade__gt=worst_grade))
            )
        else:
            sessions = sessions.filter(Exists(events))
    return sessions.select_related("site", "patient").order_by("started_at", "id")
