"""The benefit-risk table per protocol (directors and auditors): response and remission by
session 6 beside the adverse-event rates and the sessions stopped early."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from audit.services import access_log_list
from events.views.support import AuthenticatedRequest
from reporting.benefit_risk import benefit_risk
from reporting.presentation import table_records
from reporting.reference_rates import reference_panel
from reporting.request_filters import (
    active_filters,
    download_links,
    filter_form,
    report_query_or_400,
)
from reporting.selectors import require_report_reader

TEMPLATE = "reporting/benefit_risk.html"


@login_required
def benefit_risk_page(request: AuthenticatedRequest) -> HttpResponse:
    require_report_reader(request.user)
    form = filter_form(request)
    parsed = report_query_or_400(request, TEMPLATE, {"form": form}, options=("by",))
    if isinstance(parsed, HttpResponse):
        return parsed
    filters = parsed.filters
    by_site = request.GET.get("by") == "site"
    result = benefit_risk(request.user, filters, by_site=by_site)
    access_log_list(
        actor=request.user,
        request=request,
        object_type="reporting.benefit_risk",
        row_count=len(result.table),
        filters=filters.as_dict(),
    )
    query = filters.as_query()
    download_query = f"{query}&by=site" if query and by_site else ("by=site" if by_site else query)
    context = {
        "downloads": download_links(
            getattr(settings, "BENEFIT_RISK_DOWNLOADS", []), download_query
        ),
        "form": form,
        "result": result,
        "rows": table_records(result.table),
        "by_site": by_site,
        "query": query,
        "active_filters": active_filters(form, filters),
        "references": reference_panel(request.user, filters),
    }
    return render(request, TEMPLATE, context)
