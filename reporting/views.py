"""The safety dashboard and the listings behind its numbers (directors and auditors; staff
get 403). They read through `reporting.selectors`; each page that shows figures or rows writes
an access-log row with the filters and the row count.

The dashboard loads in parts (HTMX): its frame answers at once, then the key figures, signals
and four charts, then the tables. The parts share one computed summary
(`cached_safety_summary`). Each view reads its request once (`reporting.request_filters`) and
passes the parsed filters down; the tables are declared in `reporting.tables`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from audit.services import Actor, access_log_list
from events.models import EventTerm
from events.views.support import AuthenticatedRequest
from reporting.charts import onset_svg, p_chart_svg, summary_charts
from reporting.presentation import format_interval, join_query
from reporting.reference_rates import reference_panel
from reporting.request_filters import (
    ReportQuery,
    active_filters,
    download_links,
    filter_form,
    report_query_or_400,
)
from reporting.selectors import (
    cached_safety_summary,
    event_listing,
    require_report_reader,
    session_listing,
    signal_reviews,
)
from reporting.summary import SafetySummary
from reporting.tables import dashboard_tables as build_tables

LISTING_PAGE_SIZE = 50


def _chart_term(term_id: int | None, summary: SafetySummary) -> tuple[str, str] | None:
    if term_id is None:
        return None
    term = EventTerm.objects.filter(pk=term_id).values_list("name", flat=True).first()
    if term is None:
        return None
    chart = summary.p_chart_for_term(term_id)
    return term, mark_safe(p_chart_svg(chart, f"Sessions with {term}: p-chart"))  # noqa: S308  # nosec B308 B703


def _signal_reviews(user: Actor, summary: SafetySummary) -> dict[str, list[tuple[Any, Any]]]:
    """Signals split into open (no review yet) and reviewed, each with its review."""
    reviews = signal_reviews(user, [signal.key for signal in summary.signals])
    pairs = [(signal, reviews.get(signal.key)) for signal in summary.signals]
    return {
        "open": [pair for pair in pairs if pair[1] is None],
        "reviewed": [pair for pair in pairs if pair[1] is not None],
    }


@login_required
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """The dashboard's frame: the filters folded into a bar of chips, the downloads, and the
    places its parts load into (figures, signals and charts first; the tables after them).
    It counts nothing itself, so it answers at once however large the record is."""
    require_report_reader(request.user)
    form = filter_form(request)
    parsed = report_query_or_400(
        request, "reporting/dashboard.html", {"form": form}, options=("chart_term",)
    )
    if isinstance(parsed, HttpResponse):
        return parsed
    query = parsed.filters.as_query()
    chart_term = request.GET.get("chart_term", "")
    return render(
        request,
        "reporting/dashboard.html",
        {
            "form": form,
            "query": query,
            "parts_query": urlencode([*parse_qsl(query), ("chart_term", chart_term)])
            if chart_term
            else query,
            "active_filters": active_filters(form, parsed.filters),
            "export_links": download_links(settings.REPORT_DOWNLOADS, query),
        },
    )


PartContext = Callable[[SafetySummary, ReportQuery], dict[str, Any]]


def _dashboard_part(
    request: AuthenticatedRequest, template: str, context: PartContext
) -> HttpResponse:
    """A part of the dashboard for the request's filters, from the summary computed once for
    all the parts (`cached_safety_summary`)."""
    require_report_reader(request.user)
    parsed = report_query_or_400(request, template, {}, options=("chart_term",))
    if isinstance(parsed, HttpResponse):
        return parsed
    summary = cached_safety_summary(request.user, parsed.filters)
    data = {"summary": summary, **context(summary, parsed)}
    # `htmx` is django-htmx's middleware's; opened from its link, without scripts, a part
    # is a page of its own.
    if not getattr(request, "htmx", False):
        return render(request, "reporting/part_page.html", {**data, "part": template})
    return render(request, template, data)


@login_required
def dashboard_overview(request: AuthenticatedRequest) -> HttpResponse:
    """Key figures, signals and the four charts that tell most (trend, p-chart, funnel by
    site, grades), each figure linked to exactly the rows it counts. Logged as the view of
    the summary (the tables that follow show the same summary)."""

    def context(summary: SafetySummary, parsed: ReportQuery) -> dict[str, Any]:
        filters = parsed.filters
        access_log_list(
            actor=request.user,
            request=request,
            object_type="reporting.safety_summary",
            row_count=summary.events,
            filters=filters.as_dict(),
            extra={"sessions": summary.sessions},
        )
        charts = summary_charts(summary)
        query = filters.as_query()
        return {
            "query": query,
            "with_event_query": join_query(query, "with_event=true"),
            "serious_query": filters.replace(serious=True).as_query(),
            "events_per_100": format_interval(summary.events_per_100, as_rate=True),
            "sessions_with_event_rate": format_interval(
                summary.sessions_with_event_rate, as_rate=False
            ),
            "patients_with_event_rate": format_interval(
                summary.patients_with_event_rate, as_rate=False
            ),
            # Every piece of text in the charts is escaped where the SVG is built.
            "charts": [
                mark_safe(charts[name])  # noqa: S308  # nosec B308 B703
                for name in ("trend", "p_chart", "funnel", "grades")
            ],
            "tables_query": request.GET.urlencode(),
            "signal_reviews": _signal_reviews(request.user, summary),
        }

    return _dashboard_part(request, "reporting/_overview.html", context)


@login_required
def dashboard_tables(request: AuthenticatedRequest) -> HttpResponse:
    """The tables of the summary (as `reporting.tables` declares them), one folding section
    each, with the time-to-onset chart, a term's p-chart when one is chosen, and the
    methodology."""

    def context(summary: SafetySummary, parsed: ReportQuery) -> dict[str, Any]:
        return {
            "tables": build_tables(summary, parsed.filters),
            "onset_chart": mark_safe(onset_svg(summary.by_onset)),  # noqa: S308  # nosec B308 B703
            "chart_term": _chart_term(parsed.chart_term, summary),
            "references": reference_panel(request.user, parsed.filters, summary),
        }

    return _dashboard_part(request, "reporting/_tables.html", context)


@login_required
def session_list(request: AuthenticatedRequest) -> HttpResponse:
    """The sessions behind a session count of the dashboard (all counted sessions, or with
    `with_event=true` those with a counted event), 50 per page."""
    require_report_reader(request.user)
    parsed = report_query_or_400(
        request, "reporting/session_list.html", {}, options=("page", "with_event", "worst_grade")
    )
    if isinstance(parsed, HttpResponse):
        return parsed
    filters = parsed.filters
    with_event = request.GET.get("with_event") == "true"
    grade = request.GET.get("worst_grade", "")
    worst_grade = int(grade) if grade in ("1", "2", "3", "4", "5") else None
    sessions = session_listing(
        request.user, filters, with_event=with_event, worst_grade=worst_grade
    )
    paginator = Paginator(sessions, LISTING_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    access_log_list(
        actor=request.user,
        request=request,
        object_type="events.infusionsession",
        row_count=paginator.count,
        filters=filters.as_dict(),
        extra={
            "with_event": with_event,
            **({"worst_grade": worst_grade} if worst_grade else {}),
            "page": page.number,
        },
    )
    query = filters.as_query()
    return render(
        request,
        "reporting/session_list.html",
        {
            "page": page,
            "with_event": with_event,
            "query": query,
            "worst_grade": worst_grade,
            "page_query": urlencode(
                [(k, v) for k, v in parse_qsl(request.GET.urlencode()) if k != "page"]
            ),
            "active_filters": active_filters(filter_form(request), filters),
        },
    )


@login_required
def event_list(request: AuthenticatedRequest) -> HttpResponse:
    """The line listing of the events behind a dashboard number, 50 per page."""
    require_report_reader(request.user)
    parsed = report_query_or_400(request, "reporting/event_list.html", {}, options=("page",))
    if isinstance(parsed, HttpResponse):
        return parsed
    filters = parsed.filters
    paginator = Paginator(event_listing(request.user, filters), LISTING_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    access_log_list(
        actor=request.user,
        request=request,
        object_type="events.adverseevent",
        row_count=paginator.count,
        filters=filters.as_dict(),
        extra={"page": page.number},
    )
    query = filters.as_query()
    return render(
        request,
        "reporting/event_list.html",
        {
            "page": page,
            "filters": [
                (name, ", ".join(map(str, value)) if isinstance(value, list) else str(value))
                for name, value in filters.as_dict().items()
            ],
            "query": query,
            "review": filters.review,
            "review_label": filters.review_label,
            "export_links": download_links(settings.REPORT_DOWNLOADS, query),
        },
    )
