"""The safety dashboard and the listings behind its numbers (directors and auditors; staff
get 403). They read through `reporting.selectors`; each page that shows figures or rows writes
an access-log row with the filters and the row count.

The dashboard loads in parts (HTMX): its frame answers at once, then the key figures, signals
and four charts, then the tables. The parts share one computed summary
(`cached_safety_summary`)."""

from __future__ import annotations

from dataclasses import asdict
from types import SimpleNamespace
from urllib.parse import parse_qs, parse_qsl, urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe

from audit.services import access_log_list
from events.choices import Drug, Route, TermCategory
from events.models import EventTerm
from reporting.charts import onset_svg, p_chart_svg, summary_charts
from reporting.filters import InvalidFilters, ReportFilters, term_option
from reporting.forms import ReportFilterForm
from reporting.presentation import format_interval, table_rows
from reporting.reference_rates import reference_panel
from reporting.selectors import (
    cached_safety_summary,
    event_listing,
    month_filters,
    report_sites,
    require_report_reader,
    session_listing,
    signal_reviews,
)
from reporting.summary import SafetySummary

LISTING_PAGE_SIZE = 50


def _filter_form(request) -> ReportFilterForm:
    sites = report_sites(request.user, ReportFilters())
    terms = EventTerm.objects.order_by("name").values("id", "name")
    return ReportFilterForm(request.GET or None, sites=sites, terms=terms)


def _export_links(query: str) -> list[tuple[str, str]]:
    """The downloads configured in `settings.REPORT_DOWNLOADS`, those whose URL exists."""
    links = []
    for label, name in settings.REPORT_DOWNLOADS:
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


def _with_session_drill(tables: list[dict], filters: ReportFilters) -> list[dict]:
    """Each row gains `sessions_query`: the session listing its "sessions with event" counts.
    A grade row counts the sessions whose worst event has that grade, so its listing asks
    for that worst grade (with the report's other filters) rather than any event of it."""
    for table in tables:
        rows = []
        for row in table["rows"]:
            if table["id"] == "grade":
                grade = parse_qs(row.query)["grade"][0]
                drill = _and(filters.replace(grades=()).as_query(), f"worst_grade={grade}")
            else:
                drill = row.query
            rows.append(
                SimpleNamespace(**asdict(row), sessions_query=_and(drill, "with_event=true"))
            )
        table["rows"] = rows
    return tables


def _chart_term(term_id: int | None, summary: SafetySummary) -> tuple[str, str] | None:
    if term_id is None:
        return None
    term = EventTerm.objects.filter(pk=term_id).values_list("name", flat=True).first()
    if term is None:
        return None
    chart = summary.p_chart_for_term(term_id)
    return term, mark_safe(p_chart_svg(chart, f"Sessions with {term}: p-chart"))  # noqa: S308  # nosec B308 B703


def _signal_reviews(user, summary: SafetySummary) -> dict:
    """Signals split into open (no review yet) and reviewed, each with its review."""
    reviews = signal_reviews(user, [signal.key for signal in summary.signals])
    pairs = [(signal, reviews.get(signal.key)) for signal in summary.signals]
    return {
        "open": [pair for pair in pairs if pair[1] is None],
        "reviewed": [pair for pair in pairs if pair[1] is not None],
    }


def _active_filters(form: ReportFilterForm, filters: ReportFilters) -> list[dict]:
    """The filters in force as chips: "Route: Intravenous", each with the query without it."""
    pairs = parse_qsl(filters.as_query())
    chips = []
    for parameter in dict.fromkeys(name for name, _ in pairs):
        field = form.fields.get(parameter)
        labels = dict(getattr(field, "choices", ()) or ())
        values = [labels.get(value, value) for name, value in pairs if name == parameter]
        label = str(field.label if field and field.label else parameter)
        chips.append(
            {
                "label": label[:1].upper() + label[1:],  # "CTCAE grade" keeps its capitals
                "values": ", ".join(map(str, values)),
                "without": urlencode([(n, v) for n, v in pairs if n != parameter]),
            }
        )
    return chips


def _filters_or_400(
    request, template: str, context: dict, options: tuple[str, ...] = ()
) -> ReportFilters | HttpResponse:
    """The request's filters (`options`: the page's own parameters), or a 400 page naming
    each parameter that is wrong."""
    try:
        filters = ReportFilters.from_query(request.GET, user=request.user, options=options)
        if "chart_term" in options:
            term_option(request.GET, "chart_term")
        return filters
    except InvalidFilters as error:
        return render(request, template, {**context, "filter_errors": error.errors}, status=400)


@login_required
def dashboard(request):
    """The dashboard's frame: the filters folded into a bar of chips, the downloads, and the
    places its parts load into (figures, signals and charts first; the tables after them).
    It counts nothing itself, so it answers at once however large the record is."""
    require_report_reader(request.user)
    form = _filter_form(request)
    filters = _filters_or_400(
        request, "reporting/dashboard.html", {"form": form}, options=("chart_term",)
    )
    if isinstance(filters, HttpResponse):
        return filters
    query = filters.as_query()
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
            "active_filters": _active_filters(form, filters),
            "export_links": _export_links(query),
        },
    )


def _dashboard_part(request, template: str, context) -> HttpResponse:
    """A part of the dashboard for the request's filters, from the summary computed once for
    all the parts (`cached_safety_summary`)."""
    require_report_reader(request.user)
    filters = _filters_or_400(request, template, {}, options=("chart_term",))
    if isinstance(filters, HttpResponse):
        return filters
    summary = cached_safety_summary(request.user, filters)
    data = {"summary": summary, **context(summary, filters)}
    if not request.htmx:  # opened from its link, without scripts: a page of its own
        return render(request, "reporting/part_page.html", {**data, "part": template})
    return render(request, template, data)


@login_required
def dashboard_overview(request):
    """Key figures, signals and the four charts that tell most (trend, p-chart, funnel by
    site, grades), each figure linked to exactly the rows it counts. Logged as the view of
    the summary (the tables that follow show the same summary)."""

    def context(summary: SafetySummary, filters: ReportFilters) -> dict:
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
            "with_event_query": _and(query, "with_event=true"),
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
def dashboard_tables(request):
    """The tables of the summary, one folding section each, with the time-to-onset chart, a
    term's p-chart when one is chosen, and the methodology."""

    def context(summary: SafetySummary, filters: ReportFilters) -> dict:
        return {
            "tables": _with_session_drill(_tables(summary), filters),
            "onset_chart": mark_safe(onset_svg(summary.by_onset)),  # noqa: S308  # nosec B308 B703
            "chart_term": _chart_term(term_option(request.GET, "chart_term"), summary),
            "references": reference_panel(request.user, filters, summary),
        }

    return _dashboard_part(request, "reporting/_tables.html", context)


def _and(query: str, extra: str) -> str:
    return f"{query}&{extra}" if query else extra


@login_required
def session_list(request):
    """The sessions behind a session count of the dashboard (all counted sessions, or with
    `with_event=true` those with a counted event), 50 per page."""
    require_report_reader(request.user)
    filters = _filters_or_400(
        request, "reporting/session_list.html", {}, options=("page", "with_event", "worst_grade")
    )
    if isinstance(filters, HttpResponse):
        return filters
    with_event = request.GET.get("with_event") == "true"
    worst_grade = request.GET.get("worst_grade", "")
    worst_grade = int(worst_grade) if worst_grade in ("1", "2", "3", "4", "5") else None
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
            "active_filters": _active_filters(_filter_form(request), filters),
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
            "export_links": _export_links(query),
        },
    )
