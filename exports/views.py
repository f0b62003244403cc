"""Web downloads of the safety reports: line listing CSV, summary PDF and table CSVs, FHIR
bundles, E2B(R3) case safety reports, case reports, and the pages of export jobs. What each
export holds and who may have it is `exports.services` (the outcome exports:
`exports.outcome_jobs`); these views read the request and
shape the answer: a job sends the browser to its page (progress, then the download link), a
file is sent as an attachment.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from events.views.support import AuthenticatedRequest
from exports import selectors, services
from exports.http import file_response
from exports.models import ExportJob
from exports.outcome_jobs import benefit_risk_csv_export, scores_csv_export, scores_fhir_export
from reporting.filters import InvalidFilters, ReportFilters
from reporting.selectors import require_report_reader


def _report_export(
    request: AuthenticatedRequest, export: Callable[..., Any], **arguments: Any
) -> HttpResponseBase:
    """Run a report export with the request's filters (a 400 names each unreadable one)."""
    require_report_reader(request.user)  # 403 before any filter is read
    try:
        filters = ReportFilters.from_query(request.GET, user=request.user)
    except InvalidFilters as error:
        return JsonResponse({"errors": error.errors}, status=400)
    result = export(actor=request.user, filters=filters, request=request, **arguments)
    if isinstance(result, ExportJob):
        return redirect("export-job", pk=result.pk)
    return file_response(result)


@login_required
@require_GET
def events_csv(request: AuthenticatedRequest) -> HttpResponseBase:
    return _report_export(request, services.listing_csv_export)


@login_required
@require_GET
def events_fhir(request: AuthenticatedRequest) -> HttpResponseBase:
    return _report_export(request, services.fhir_bundle_export)


@login_required
@require_GET
def summary_pdf(request: AuthenticatedRequest) -> HttpResponseBase:
    return _report_export(request, services.summary_pdf_export)


@login_required
@require_GET
def summary_table_csv(request: AuthenticatedRequest, name: str) -> HttpResponseBase:
    return _report_export(request, services.summary_table_export, table=name)


@login_required
@require_GET
def event_case_report(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    event = selectors.report_event_get(request.user, pk)
    return file_response(
        services.case_report_export(actor=request.user, event=event, request=request)
    )


@login_required
@require_GET
def event_fhir(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    event = selectors.fhir_event_get(request.user, pk)
    return file_response(
        services.event_fhir_export(actor=request.user, event=event, request=request)
    )


@login_required
@require_GET
def events_e2b(request: AuthenticatedRequest) -> HttpResponseBase:
    return _report_export(request, services.e2b_batch_export)


@login_required
@require_GET
def event_e2b(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    try:
        event = selectors.e2b_event_get(request.user, pk)
    except selectors.EventNotSignedOff as error:
        return HttpResponse(str(error), status=409, content_type="text/plain; charset=utf-8")
    return file_response(
        services.event_e2b_export(actor=request.user, event=event, request=request)
    )


@login_required
@require_GET
def audit_trail_export(
    request: AuthenticatedRequest, label: str, pk: int, fmt: str
) -> HttpResponseBase:
    export = services.audit_trail_export(
        actor=request.user, label=label, pk=pk, fmt=fmt, request=request
    )
    return file_response(export)


@login_required
@require_GET
def audit_log_export(request: AuthenticatedRequest, fmt: str) -> HttpResponseBase:
    try:
        job = services.audit_log_export(
            actor=request.user, query=request.GET, fmt=fmt, request=request
        )
    except ValidationError as error:
        errors = {name: " ".join(messages) for name, messages in error.message_dict.items()}
        return JsonResponse({"errors": errors}, status=400)
    return redirect("export-job", pk=job.pk)


@login_required
@require_GET
def job_detail(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    job = selectors.export_job_get(request.user, pk)
    with timezone.override(selectors.export_job_zone(job)):
        return render(request, "exports/job_detail.html", {"job": job})


@login_required
@require_GET
def job_status(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """The job's status panel; HTMX polls it until the job is finished."""
    job = selectors.export_job_get(request.user, pk)
    with timezone.override(selectors.export_job_zone(job)):
        return render(request, "exports/_job_status.html", {"job": job})


@login_required
@require_GET
def job_download(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    job = selectors.export_job_get(request.user, pk)
    return file_response(services.export_job_download(actor=request.user, job=job, request=request))


@login_required
@require_GET
def scores_csv(request: AuthenticatedRequest) -> HttpResponseBase:
    return _report_export(request, scores_csv_export)


@login_required
@require_GET
def scores_fhir(request: AuthenticatedRequest) -> HttpResponseBase:
    return _report_export(request, scores_fhir_export)


@login_required
@require_GET
def benefit_risk_csv(request: AuthenticatedRequest) -> HttpResponseBase:
    """The benefit-risk table as a job; `by=site` splits each protocol by site."""
    require_report_reader(request.user)
    try:
        filters = ReportFilters.from_query(request.GET, user=request.user, options=("by",))
    except InvalidFilters as error:
        return JsonResponse({"errors": error.errors}, status=400)
    if request.GET.get("by", "") not in ("", "site"):
        return JsonResponse({"errors": {"by": "Only 'site' is accepted."}}, status=400)
    job = benefit_risk_csv_export(
        actor=request.user,
        filters=filters,
        request=request,
        by_site=request.GET.get("by") == "site",
    )
    return redirect("export-job", pk=job.pk)
