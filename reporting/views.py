"""The safety dashboard and the event line listing behind its numbers (directors and
auditors; staff get 403). Both read through `reporting.selectors` and write an access-log row
with the filters and the row count."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe

from audit.models import AccessAction
from audit.services import access_log_record
from events.choices import Drug, Route, TermCategory
from events.models import EventTerm
from reporting.charts import p_chart_svg, summary_charts
from reporting.filters import InvalidFilters, ReportFilters, term_option
from reporting.forms import ReportFilterForm
from reporting.presentation import format_interval, table_rows
from reporting.selectors import (
    event_listing,
    month_filters,
    report_sites,
    require_report_reader,
    safety_summary,
)
from reporting.summary import SafetySummary

LISTING_PAGE_SIZE = 50


def _filter_form(request) -> ReportFilterForm:
    sites = report_sites(request.user, ReportFilters())
    terms = EventTerm.objects.order_by("name").values("id", "name")
    return ReportFilterForm(request.GET or None, sites=sites, terms=terms)


def _export_links(query: str) -> list[tuple[str, str]]:
    """Download links offered by the exports app, when it provides them."""
    links = []
    for label, name in (
        ("PDF safety summary", "safety-summary-pdf"),
        ("CSV listing", "events-csv"),
        ("FHIR bundle", "events-fhir"),
    ):
        try:
            links.append((label, f"{reverse(name)}?{query}"))
        except NoReverseMatch:
            continue
    return links


def _tables(summary: SafetySummary) -> list[dict]:
    f = summary.filters
    labels = {
        "route": dict(Route.choices),
        "drug": dict(Drug.choices),
        "category": dict(TermCategory.choices),
    }
    grades = ("worst_grade_1", "worst_grade_2", "worst_grade_3", "worst_grade_4", "worst_grade_5")
    return [
        {
            "id": "term",
            "title": "By term",
            "note": "Sessions with the term counted once, at the worst grade (G1-G5 columns).",
            "extra_headers": ("G1", "G2", "G3", "G4", "G5"),
            "rows": table_rows(
                summary.by_term,
                lambda r: r["term"],
                lambda r: f.replace(term_ids=(int(r["term_id"]),)),
                lambda r: tuple(int(r[g]) for g in grades),
            ),
        },
        {
            "id": "category",
            "title": "By category",
            "rows": table_rows(
                summary.by_category,
                lambda r: labels["category"][r["category"]],
                lambda r: f.replace(categories=(r["category"],)),
            ),
        },
        {
            "id": "grade",
            "title": "By grade",
            "note": "Sessions with event: sessions whose worst event has this grade.",
            "rows": table_rows(
                summary.by_grade,
                lambda r: f"Grade {r['grade']}",
                lambda r: f.replace(grades=(int(r["grade"]),)),
            ),
        },
        {
            "id": "month",
            "title": "By month",
            "rows": table_rows(
                summary.by_month, lambda r: r["month"], lambda r: month_filters(f, r["month"])
            ),
        },
        {
            "id": "site",
            "title": "By site",
            "rows": table_rows(
                summary.by_site,
                lambda r: f"{r['site_code']} - {r['site_name']}",
                lambda r: f.replace(site_ids=(int(r["site_id"]),)),
            ),
        },
        {
            "id": "route",
            "title": "By route",
            "rows": table_rows(
                summary.by_route,
                lambda r: r["route_label"],
                lambda r: f.replace(routes=(r["route"],)),
            ),
        },
        {
            "id": "drug",
            "title": "By drug",
            "rows": table_rows(
                summary.by_drug, lambda r: r["drug_label"], lambda r: f.replace(drugs=(r["drug"],))
            ),
        },
        {
            "id": "dose_band",
            "title": "By dose band (mg/kg)",
            "rows": table_rows(
                summary.by_dose_band,
                lambda r: r["dose_band"],
                lambda r: f.replace(dose_bands=(r["dose_band"],)),
            ),
        },
        {
            "id": "session_number",
            "title": "By session number",
            "rows": table_rows(
                summary.by_session_number,
                lambda r: r["session_number_label"],
                lambda r: f.replace(session_numbers=(int(r["session_number"]),)),
            ),
        },
        {
            "id": "onset",
            "title": "By time to onset (minutes from start)",
            "rows": table_rows(
                summary.by_onset,
                lambda r: r["onset_band"].replace("_", " "),
                lambda r: f.replace(onset_bands=(r["onset_band"],)),
            ),
        },
    ]


def _chart_term(term_id: int | None, summary: SafetySummary) -> tuple[str, str] | None:
    if term_id is None:
        return None
    term = EventTerm.objects.filter(pk=term_id).values_list("name", flat=True).first()
    if term is None:
        return None
    chart = summary.p_chart_for_term(term_id)
    return term, mark_safe(p_chart_svg(chart, f"Sessions with {term}: p-chart"))  # noqa: S308  # nosec B308 B703


@login_required
def dashboard(request):
    """Key figures, tables with intervals, charts and signals for the chosen filters."""
    require_report_reader(request.user)
    form = _filter_form(request)
    try:
        filters = ReportFilters.from_query(request.GET, user=request.user, options=("chart_term",))
        chart_term = term_option(request.GET, "chart_term")
    except InvalidFilters as error:
        context = {"form": form, "filter_errors": error.errors}
        return render(request, "reporting/dashboard.html", context, status=400)
    summary = safety_summary(request.user, filters)
    access_log_record(
        user=request.user,
        action=AccessAction.LIST,
        request=request,
        object_type="reporting.safety_summary",
        row_count=summary.events,
        detail={"filters": filters.as_dict(), "sessions": summary.sessions},
    )
    query = filters.as_query()
    # Every piece of text in the charts is escaped where the SVG is built.
    charts = {name: mark_safe(svg) for name, svg in summary_charts(summary).items()}  # noqa: S308  # nosec B308 B703
    return render(
        request,
        "reporting/dashboard.html",
        {
            "form": form,
            "summary": summary,
            "query": query,
            "events_per_100": format_interval(summary.events_per_100, as_rate=True),
            "sessions_with_event_rate": format_interval(
                summary.sessions_with_event_rate, as_rate=False
            ),
            "patients_with_event_rate": format_interval(
                summary.patients_with_event_rate, as_rate=False
            ),
            "serious_query": filters.replace(serious=True).as_query(),
            "tables": _tables(summary),
            "charts": charts,
            "chart_term": _chart_term(chart_term, summary),
            "export_links": _export_links(query),
        },
    )


@login_required
def event_list(request):
    """The line listing of the events behind a dashboard number, 50 per page."""
    require_report_reader(request.user)
    try:
        filters = ReportFilters.from_query(request.GET, user=request.user, options=("page",))
    except InvalidFilters as error:
        return render(
            request, "reporting/event_list.html", {"filter_errors": error.errors}, status=400
        )
    paginator = Paginator(event_listing(request.user, filters), LISTING_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    access_log_record(
        user=request.user,
        action=AccessAction.LIST,
        request=request,
        object_type="events.adverseevent",
        row_count=paginator.count,
        detail={"filters": filters.as_dict(), "page": page.number, "view": "report_listing"},
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
            "export_links": _export_links(query),
        },
    )
