"""Reads behind every safety report, scoped to the user's sites.

- `safety_summary(user, filters)`: every figure, table, chart series and signal of a report.
- `cached_safety_summary(user, filters)`: the summary, computed once for the dashboard's parts.
- `event_listing(user, filters)`: the events behind any number of the summary (drill-down).
- `event_listing_sql(user, filters)`: the same listing as one SQL statement, for streaming.
- `session_listing(user, filters, with_event=...)`: the sessions behind a session count.
- `signal_reviews(user, keys)`: the reviews of the signals a user may read.

Each takes the `ReportFilters` the view or API parsed, and returns values; none calls back
into the views or re-reads a request. All reads go to `reporting_database()`, the read replica
when there is one (`reporting.scope`).
"""

from typing import TYPE_CHECKING, Any

from reporting.filters import month_filters
from reporting.scope import report_sites, reporting_database, require_report_reader
from reporting.selectors.listings import (
    LISTING_COLUMNS,
    event_listing,
    event_listing_sql,
    event_listing_values,
    session_listing,
)

if TYPE_CHECKING:
    from reporting.selectors.summaries import (
        cached_safety_summary,
        overdue_sessions,
        safety_summary,
        signal_reviews,
    )

_SUMMARIES = ("cached_safety_summary", "overdue_sessions", "safety_summary", "signal_reviews")


def __getattr__(name: str) -> Any:
    # The summaries import scipy and the charts: a process that only lists or exports events
    # (an export worker) should not load them; they are imported when first asked for.
    if name in _SUMMARIES:
        from reporting.selectors import summaries

        return getattr(summaries, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "LISTING_COLUMNS",
    "cached_safety_summary",
    "event_listing",
    "event_listing_sql",
    "event_listing_values",
    "month_filters",
    "overdue_sessions",
    "report_sites",
    "reporting_database",
    "require_report_reader",
    "safety_summary",
    "session_listing",
    "signal_reviews",
]
