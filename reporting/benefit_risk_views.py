"""The benefit-risk table per protocol (directors and auditors): response and remission by
session 6 beside the adverse-event rates and the sessions stopped early."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from audit.services import access_log_list
from events.views.support import AuthenticatedRequest
from reporting.benefit_risk import benefit_risk
from reporting.presentation import table_records
from reporting.reference_rates import reference_panel
from reporting.selectors import require_report_reader
from reporting.views import _active_filters, _filter_form, _filters_or_400

TEMPLATE = "reporting/benefit_risk.html"


@login_required
def benefit_risk_page(request: AuthenticatedRequest) -> HttpResponse:
    require_report_reader(request.user)
    form = _filter_form(request)
    filters = _filters_or_400(request, TEMPLATE, {"form": form}, options=("by",))
    if isinstance(filters, HttpResponse):
        return filters
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
        "downloads": _downloads(download_query),
        "form": form,
        "result": result,
        "rows": table_records(result.table),
        "by_site": by_site,
        "query": query,
        "active_filters": _active_filters(form, filters),
        "references": reference_panel(request.user, filters),
    }
    return render(request, TEMPLATE, context)


def _downloads(query: str) -> list[tuple[str, str]]:
    """The downloads configured in `settings.BENEFIT_RISK_DOWNLOADS` whose URL exists."""
    links = []
    for label, name in getattr(settings, "BENEFIT_RISK_DOWNLOADS", []):
        try:
            links.append((label, f"{reverse(name)}?{query}"))
        except NoReverseMatch:
            continue
    return links
