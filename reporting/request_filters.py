"""The edge of the report pages: a request's GET parameters read once into a `ReportQuery`
(the immutable `ReportFilters` and the page's own chart term), or a 400 page naming each
parameter that is wrong. Below the views nothing reads a request again: the selectors, the
summary and the tables take the parsed value.

Also the pieces every report page shows around its filters: the filter form, the filters in
force as chips, and the download links configured for the page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from events.models import EventTerm
from events.views.support import AuthenticatedRequest
from reporting.filters import InvalidFilters, ReportFilters, term_option
from reporting.forms import ReportFilterForm
from reporting.scope import report_sites


@dataclass(frozen=True)
class ReportQuery:
    """A report request as parsed at the edge."""

    filters: ReportFilters
    # The term whose p-chart the dashboard adds (`chart_term`), when the page reads one.
    chart_term: int | None = None


def report_query_or_400(
    request: AuthenticatedRequest,
    template: str,
    context: dict[str, Any],
    options: tuple[str, ...] = (),
) -> ReportQuery | HttpResponse:
    """The request's filters (`options`: the page's own parameters), or a 400 page naming
    each parameter that is wrong."""
    try:
        filters = ReportFilters.from_query(request.GET, user=request.user, options=options)
        chart_term = term_option(request.GET, "chart_term") if "chart_term" in options else None
    except InvalidFilters as error:
        return render(request, template, {**context, "filter_errors": error.errors}, status=400)
    return ReportQuery(filters, chart_term)


def filter_form(request: AuthenticatedRequest) -> ReportFilterForm:
    sites = report_sites(request.user, ReportFilters())
    terms = EventTerm.objects.order_by("name").values("id", "name")
    return ReportFilterForm(request.GET or None, sites=sites, terms=terms)


def active_filters(form: ReportFilterForm, filters: ReportFilters) -> list[dict[str, str]]:
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


def download_links(downloads: Sequence[tuple[str, str]], query: str) -> list[tuple[str, str]]:
    """The downloads (label, URL name) whose URL exists, each with the report's query. The
    names come from settings, so reporting names no other app's URL."""
    links = []
    for label, name in downloads:
        try:
            links.append((label, f"{reverse(name)}?{query}"))
        except NoReverseMatch:
            continue
    return links
